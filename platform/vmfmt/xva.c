/*
 * xva.c - XenServer/XCP-ng exports (XVA): a tar of ova.xml (the VM's
 * records, xva_meta.c) followed by each VDI's data in chunks, read as
 * XAPI's importer reads them (ocaml/xapi/stream_vdi.ml).
 *
 * A VDI's chunks are members "ID/NNNNNNNN" (ID the VDI's id in
 * ova.xml, eight decimal digits increasing), each of at most 1 MiB and
 * followed by its checksum member "ID/NNNNNNNN.xxhash" (XXH64 of the
 * chunk, 16 hex digits) or "ID/NNNNNNNN.checksum" (SHA-1, 40 hex
 * digits).  A chunk lands where the previous one ended, after as many
 * first-chunk lengths of zeros as numbers were skipped: the exporter
 * leaves out chunks of zeros, but never the first or the last, so the
 * chunks of a complete VDI end exactly at its virtual_size.  The tar's
 * own end-of-archive closes the export; anything else in it is refused.
 *
 * Import reads the XVA twice: the first pass checks everything (every
 * checksum included) and writes nothing; the second rebuilds each VDI
 * as a sparse raw file in a temporary directory, checking again, before
 * qemu-img makes qcow2 of it and the directory is renamed into place.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive_entry.h>
#include <xxhash.h>

#include "hex.h"
#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define XVA_CHUNK	(1 << 20)

struct xva_vdi {
	int64_t	 xv_pos;	/* where the next chunk lands */
	long	 xv_last;	/* the last chunk's number, -1 none */
	int64_t	 xv_first;	/* the first chunk's length */
	int	 xv_state;	/* 0 not seen, 1 streaming, 2 done */
	int	 xv_fd;		/* pass two: the raw file, else -1 */
};

struct xva_walk {
	const char	*xw_path;
	const struct vmfmt_limits *xw_lim;
	struct vmfmt_vm	*xw_vm;
	struct xva_vdi	 xw_vdi[VMFMT_MAX_DISKS];
	int		 xw_cur;	/* the VDI streaming, -1 none */
	char		 xw_pending[VMFMT_FILE_MAX];	/* a chunk awaiting
							 * its checksum */
	size_t		 xw_len;	/* its length, in xw_buf */
	unsigned char	*xw_buf;
};

/* "ID/NNNNNNNN[.ext]": the VDI's index, the number, the extension. */
static int
chunk_name(const struct xva_walk *w, const char *name, int *vdi, long *num,
    const char **ext, char *err)
{
	const char *slash = strchr(name, '/'), *p;
	int i;

	if (slash == NULL)
		return err_set(err, "%s: unexpected member \"%s\"", w->xw_path,
		    name);
	*vdi = -1;
	for (i = 0; i < w->xw_vm->vm_ndisks; i++)
		if (strlen(w->xw_vm->vm_disks[i].vd_file) ==
		    (size_t)(slash - name) && strncmp(name,
		    w->xw_vm->vm_disks[i].vd_file, (size_t)(slash - name)) == 0)
			*vdi = i;
	for (p = slash + 1, i = 0; i < 8; i++)
		if (!isdigit((unsigned char)p[i]))
			break;
	if (*vdi < 0 || i != 8)
		return err_set(err, "%s: member \"%s\" is not a chunk "
		    "\"VDI/NNNNNNNN\" of a VDI the VM uses", w->xw_path, name);
	*num = strtol(p, NULL, 10);
	*ext = p + 8;
	if (**ext != '\0' && strcmp(*ext, ".xxhash") != 0 &&
	    strcmp(*ext, ".checksum") != 0)
		return err_set(err, "%s: member \"%s\": a chunk's checksum is "
		    ".xxhash or .checksum", w->xw_path, name);
	return 0;
}

/* The checksum member's text against the chunk held in xw_buf. */
static int
checksum_check(struct xva_walk *w, const char *name, const char *ext,
    const char *text, char *err)
{
	unsigned char sha[20];
	char want[48];
	size_t n = strlen(text);

	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (strcmp(ext, ".xxhash") == 0)
		snprintf(want, sizeof(want), "%016llX", (unsigned long long)
		    XXH64(w->xw_buf, w->xw_len, 0));
	else {
		gnutls_hash_fast(GNUTLS_DIG_SHA1, w->xw_buf, w->xw_len, sha);
		hex_encode(sha, sizeof(sha), want);
	}
	if (n != strlen(want) || strncasecmp(text, want, n) != 0)
		return err_set(err, "%s: chunk \"%s\": its %s does not match "
		    "(\"%s\" holds %.*s, the data gives %s)", w->xw_path,
		    w->xw_pending, strcmp(ext, ".xxhash") == 0 ? "XXH64" :
		    "SHA-1", name, (int)(n > 40 ? 40 : n), text, want);
	w->xw_pending[0] = '\0';
	return 0;
}

/* Where chunk num of VDI v lands; it must fit the VDI. */
static int
chunk_place(struct xva_walk *w, int v, long num, int64_t len,
    int64_t *at, char *err)
{
	struct xva_vdi *x = &w->xw_vdi[v];
	int64_t gap, cap = w->xw_vm->vm_disks[v].vd_capacity;
	const char *id = w->xw_vm->vm_disks[v].vd_file;

	if (w->xw_cur >= 0 && w->xw_cur != v)
		w->xw_vdi[w->xw_cur].xv_state = 2;
	if (x->xv_state == 2)
		return err_set(err, "%s: the chunks of VDI %s are not "
		    "together", w->xw_path, id);
	w->xw_cur = v;
	x->xv_state = 1;
	if (num <= x->xv_last)
		return err_set(err, "%s: chunk %s/%08ld comes after chunk "
		    "%08ld", w->xw_path, id, num, x->xv_last);
	if (x->xv_last < 0)
		x->xv_first = len;
	gap = num - x->xv_last - 1;
	if (gap > 0 && x->xv_first != XVA_CHUNK)
		return err_set(err, "%s: VDI %s skips chunks after a first "
		    "chunk of %lld bytes", w->xw_path, id,
		    (long long)x->xv_first);
	*at = x->xv_pos + gap * x->xv_first;
	if (*at > cap - len)
		return err_set(err, "%s: chunk %s/%08ld ends past the VDI's "
		    "virtual_size of %lld bytes", w->xw_path, id, num,
		    (long long)cap);
	x->xv_pos = *at + len;
	x->xv_last = num;
	return 0;
}

/* A data chunk: placed, read into xw_buf, written in pass two. */
static int
chunk_data(struct xva_walk *w, struct archive *a, struct archive_entry *e,
    int v, long num, char *err)
{
	const char *name = archive_entry_pathname(e);
	int64_t len = archive_entry_size(e), at = 0;
	int fd = w->xw_vdi[v].xv_fd;

	if (w->xw_pending[0] != '\0')
		return err_set(err, "%s: chunk \"%s\" has no checksum member",
		    w->xw_path, w->xw_pending);
	if (len < 0 || len > XVA_CHUNK)
		return err_set(err, "%s: chunk \"%s\" has %lld bytes, more than "
		    "1 MiB", w->xw_path, name, (long long)len);
	if (chunk_place(w, v, num, len, &at, err) < 0 ||
	    vmfmt_tar_read(a, w->xw_path, name, w->xw_buf, (size_t)len,
	    err) < 0)
		return -1;
	snprintf(w->xw_pending, sizeof(w->xw_pending), "%s", name);
	w->xw_len = (size_t)len;
	if (fd >= 0 && pwrite(fd, w->xw_buf, (size_t)len, at) != len)
		return err_errno(err, "writing VDI %s",
		    w->xw_vm->vm_disks[v].vd_file);
	return 0;
}

/* A checksum member: right after its chunk. */
static int
chunk_sum(struct xva_walk *w, struct archive *a, struct archive_entry *e,
    const char *ext, char *err)
{
	const char *name = archive_entry_pathname(e);
	size_t base = strlen(name) - strlen(ext);
	int64_t len = archive_entry_size(e);
	char text[96];

	if (w->xw_pending[0] == '\0' || strlen(w->xw_pending) != base ||
	    strncmp(w->xw_pending, name, base) != 0)
		return err_set(err, "%s: checksum \"%s\" does not follow its "
		    "chunk", w->xw_path, name);
	if (len < 1 || len >= (int64_t)sizeof(text))
		return err_set(err, "%s: checksum \"%s\" has %lld bytes",
		    w->xw_path, name, (long long)len);
	if (vmfmt_tar_read(a, w->xw_path, name, text, (size_t)len, err) < 0)
		return -1;
	text[len] = '\0';
	return checksum_check(w, name, ext, text, err);
}

/* ova.xml, the first member, into *xml (malloc'd). */
static int
header_read(struct xva_walk *w, struct archive *a, char **xml, size_t *len,
    char *err)
{
	struct archive_entry *e;
	const char *name;
	int64_t n;
	int r;

	if ((r = vmfmt_tar_next(a, w->xw_path, &e, err)) <= 0)
		return r < 0 ? -1 : err_set(err, "%s: an empty archive",
		    w->xw_path);
	name = archive_entry_pathname(e);
	n = archive_entry_size(e);
	if (name == NULL || strcmp(name, "ova.xml") != 0 ||
	    archive_entry_filetype(e) != AE_IFREG)
		return err_set(err, "%s: the first member is not ova.xml",
		    w->xw_path);
	if (n < 1 || n > w->xw_lim->vl_meta_max)
		return err_set(err, "%s: ova.xml has %lld bytes (1..%lld)",
		    w->xw_path, (long long)n, (long long)w->xw_lim->vl_meta_max);
	if ((*xml = malloc((size_t)n + 1)) == NULL)
		return err_set(err, "%s: out of memory", w->xw_path);
	*len = (size_t)n;
	(*xml)[n] = '\0';
	return vmfmt_tar_read(a, w->xw_path, name, *xml, (size_t)n, err);
}

/* After the last member: every VDI complete, no checksum missing. */
static int
walk_end(const struct xva_walk *w, char *err)
{
	const struct vmfmt_disk *d;
	int i;

	if (w->xw_pending[0] != '\0')
		return err_set(err, "%s: chunk \"%s\" has no checksum member",
		    w->xw_path, w->xw_pending);
	for (i = 0; i < w->xw_vm->vm_ndisks; i++) {
		d = &w->xw_vm->vm_disks[i];
		if (w->xw_vdi[i].xv_pos != d->vd_capacity)
			return err_set(err, "%s: VDI %s: its chunks end at byte "
			    "%lld of %lld (the archive is truncated or its last "
			    "chunk is missing)", w->xw_path, d->vd_file,
			    (long long)w->xw_vdi[i].xv_pos,
			    (long long)d->vd_capacity);
	}
	return 0;
}

/* The chunk members after ova.xml, to the end of the archive. */
static int
walk_chunks(struct xva_walk *w, struct archive *a, char *err)
{
	struct archive_entry *e;
	const char *name, *ext = "";
	long num = 0;
	int r, v = 0;

	while ((r = vmfmt_tar_next(a, w->xw_path, &e, err)) == 1) {
		if ((name = archive_entry_pathname(e)) == NULL)
			return err_set(err, "%s: a member without a name",
			    w->xw_path);
		if (vmfmt_name_check(name, 1, err) < 0)
			return err_prefix(err, "%s", w->xw_path);
		if (archive_entry_filetype(e) != AE_IFREG ||
		    archive_entry_hardlink(e) != NULL)
			return err_set(err, "%s: member \"%s\" is not a regular "
			    "file", w->xw_path, name);
		if (chunk_name(w, name, &v, &num, &ext, err) < 0)
			return -1;
		if (*ext == '\0' ? chunk_data(w, a, e, v, num, err) < 0 :
		    chunk_sum(w, a, e, ext, err) < 0)
			return -1;
	}
	return r < 0 ? -1 : walk_end(w, err);
}

/*
 * One pass over the XVA at w->xw_path: ova.xml parsed into vm (pass one)
 * or checked to be what pass one read (pass two: fds of the raw files
 * open), then every chunk.
 */
static int
xva_walk(struct xva_walk *w, const struct vmfmt_vm *seen, char *err)
{
	struct archive *a = vmfmt_tar_open(w->xw_path, err);
	struct vmfmt_vm again;
	char *xml = NULL;
	size_t len = 0;
	int i, rc = -1;

	if (a == NULL)
		return -1;
	w->xw_cur = -1;
	w->xw_pending[0] = '\0';
	for (i = 0; i < VMFMT_MAX_DISKS; i++) {
		w->xw_vdi[i].xv_pos = 0;
		w->xw_vdi[i].xv_last = -1;
		w->xw_vdi[i].xv_state = 0;
	}
	if (header_read(w, a, &xml, &len, err) < 0)
		goto out;
	if (xva_meta_parse(xml, len, w->xw_lim, seen ? &again : w->xw_vm,
	    err) < 0) {
		err_prefix(err, "%s", w->xw_path);
		goto out;
	}
	if (seen != NULL && memcmp(&again, seen, sizeof(again)) != 0) {
		err_set(err, "%s: ova.xml changed while it was read",
		    w->xw_path);
		goto out;
	}
	rc = walk_chunks(w, a, err);
out:
	free(xml);
	archive_read_free(a);
	return rc;
}

/* Pass two's raw files: tmp/src-N, sparse, of each VDI's size. */
static int
raw_open(struct xva_walk *w, char *const src[], char *err)
{
	int i, fd;

	for (i = 0; i < w->xw_vm->vm_ndisks; i++) {
		fd = open(src[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd < 0)
			return err_errno(err, "%s", src[i]);
		w->xw_vdi[i].xv_fd = fd;
		if (ftruncate(fd, w->xw_vm->vm_disks[i].vd_capacity) < 0)
			return err_errno(err, "%s", src[i]);
	}
	return 0;
}

static int
raw_close(struct xva_walk *w, char *err)
{
	int i, rc = 0;

	for (i = 0; i < VMFMT_MAX_DISKS; i++) {
		if (w->xw_vdi[i].xv_fd >= 0 && close(w->xw_vdi[i].xv_fd) < 0 &&
		    rc == 0)
			rc = err_errno(err, "closing a rebuilt VDI");
		w->xw_vdi[i].xv_fd = -1;
	}
	return rc;
}

/* Pass two: src[i] names the raw files. */
static int
xva_rebuild(struct xva_walk *w, char *const src[], struct vmfmt_vm *vm,
    char *err)
{
	struct vmfmt_vm seen = *vm;
	int rc;

	w->xw_vm = vm;
	rc = raw_open(w, src, err);
	if (rc == 0)
		rc = xva_walk(w, &seen, err);
	if (raw_close(w, rc == 0 ? err : NULL) < 0)
		rc = -1;
	return rc;
}

int
xva_import(const char *path, const char *dest, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct vmfmt_import im;
	struct xva_walk w;
	int i, rc = -1;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < VMFMT_MAX_DISKS; i++)
		w.xw_vdi[i].xv_fd = -1;
	w.xw_path = path;
	w.xw_lim = l;
	w.xw_vm = vm;
	if ((w.xw_buf = malloc(XVA_CHUNK)) == NULL)
		return err_set(err, "%s: out of memory", path);
	if (xva_walk(&w, NULL, err) < 0)
		goto out;
	if (vmfmt_import_begin(&im, dest, vm->vm_ndisks, err) == 0)
		rc = xva_rebuild(&w, im.im_src, vm, err);
	rc = vmfmt_import_end(&im, rc, vm, l, err);
out:
	free(w.xw_buf);
	return rc;
}
