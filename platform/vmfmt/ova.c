/*
 * ova.c - OVA packages: a tar (libarchive) holding the OVF descriptor
 * first, its manifest (.mf) and the disks the descriptor names.
 *
 * Import reads the package twice.  The first pass checks every member
 * (a plain name, a regular file, a bounded size, no repeat), keeps the
 * descriptor and the manifest, and digests everything else; then every
 * member must match its manifest line, the descriptor must parse and
 * name only members.  Only then does the second pass write: the disks
 * into a temporary directory beside the destination, digested again on
 * the way, so a package changed between the passes is refused.  The
 * disks are checked by qemu-img and converted to qcow2, and the
 * directory is renamed into place.
 *
 * Export writes NAME.ovf, NAME.mf (SHA-256) and streamOptimized VMDKs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive_entry.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

struct ova_member {
	char	 om_name[VMFMT_FILE_MAX];
	int64_t	 om_size;
	char	 om_sha1[41];
	char	 om_sha256[65];
};

struct ova_scan {
	const char		*os_path;
	const struct vmfmt_limits *os_lim;
	int			 os_n;
	struct ova_member	 os_m[MF_MAX_ENTRIES];
	char			*os_ovf, *os_mf;	/* contents */
	size_t			 os_ovf_len, os_mf_len;
	int			 os_mf_idx;		/* member, or -1 */
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The header of member e: name, type and size allowed, not a repeat. */
static int
member_check(struct ova_scan *s, struct archive_entry *e, char *err)
{
	const char *name = archive_entry_pathname(e);
	int i;

	if (name == NULL)
		return err_set(err, "%s: a member without a name", s->os_path);
	if (vmfmt_name_check(name, 0, err) < 0)
		return err_prefix(err, "%s", s->os_path);
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL)
		return err_set(err, "%s: member \"%s\" is not a regular file "
		    "(links and directories are refused)", s->os_path, name);
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
	    archive_entry_size(e) > s->os_lim->vl_member_max)
		return err_set(err, "%s: member \"%s\" has no size or more than "
		    "%lld bytes", s->os_path, name,
		    (long long)s->os_lim->vl_member_max);
	for (i = 0; i < s->os_n; i++)
		if (strcmp(s->os_m[i].om_name, name) == 0)
			return err_set(err, "%s: member \"%s\" appears twice",
			    s->os_path, name);
	if (s->os_n == s->os_lim->vl_members_max || s->os_n == MF_MAX_ENTRIES)
		return err_set(err, "%s: more than %d members", s->os_path,
		    s->os_n);
	if (s->os_n == 0 && !ends_with(name, ".ovf"))
		return err_set(err, "%s: the first member \"%s\" is not the OVF "
		    "descriptor (.ovf)", s->os_path, name);
	if (s->os_n > 0 && ends_with(name, ".ovf"))
		return err_set(err, "%s: a second descriptor \"%s\"",
		    s->os_path, name);
	return 0;
}

/*
 * Read the current member (size bytes) through a digest into m; keep it
 * in *keep (malloc'd, NUL-terminated) when keep is not NULL, write it to
 * fd when fd >= 0.
 */
static int
member_read(struct archive *a, const char *path, struct ova_member *m,
    char **keep, int fd, char *err)
{
	static const size_t chunk = 1 << 20;
	struct vmfmt_digest d;
	int64_t left = m->om_size;
	char *buf = NULL;
	size_t n;
	int rc = -1;

	if (vmfmt_digest_init(&d, err) < 0)
		return -1;
	buf = malloc(keep ? (size_t)m->om_size + 1 : chunk);
	if (buf == NULL) {
		err_set(err, "%s: member \"%s\": out of memory", path,
		    m->om_name);
		goto out;
	}
	for (; left > 0; left -= (int64_t)n) {
		n = keep ? (size_t)left : (left < (int64_t)chunk ?
		    (size_t)left : chunk);
		if (vmfmt_tar_read(a, path, m->om_name, buf, n, err) < 0)
			goto out;
		vmfmt_digest_add(&d, buf, n);
		if (fd >= 0 && write(fd, buf, n) != (ssize_t)n) {
			err_errno(err, "writing member \"%s\"", m->om_name);
			goto out;
		}
	}
	if (keep) {
		buf[m->om_size] = '\0';
		*keep = buf;
		buf = NULL;
	}
	rc = 0;
out:
	vmfmt_digest_end(&d, m->om_sha1, m->om_sha256);
	free(buf);
	return rc;
}

/* Pass one: every member checked and digested, descriptors kept. */
static int
ova_scan(struct ova_scan *s, char *err)
{
	struct archive *a = vmfmt_tar_open(s->os_path, err);
	struct archive_entry *e;
	struct ova_member *m;
	char **keep;
	int r, rc = -1;

	if (a == NULL)
		return -1;
	s->os_mf_idx = -1;
	while ((r = vmfmt_tar_next(a, s->os_path, &e, err)) == 1) {
		if (member_check(s, e, err) < 0)
			goto out;
		m = &s->os_m[s->os_n];
		snprintf(m->om_name, sizeof(m->om_name), "%s",
		    archive_entry_pathname(e));
		m->om_size = archive_entry_size(e);
		keep = NULL;
		if (s->os_n == 0)
			keep = &s->os_ovf;
		else if (ends_with(m->om_name, ".mf")) {
			if (s->os_mf_idx >= 0) {
				err_set(err, "%s: a second manifest \"%s\"",
				    s->os_path, m->om_name);
				goto out;
			}
			s->os_mf_idx = s->os_n;
			keep = &s->os_mf;
		}
		if (keep != NULL && m->om_size > s->os_lim->vl_meta_max) {
			err_set(err, "%s: member \"%s\": %lld bytes, more than "
			    "a descriptor may have", s->os_path, m->om_name,
			    (long long)m->om_size);
			goto out;
		}
		if (member_read(a, s->os_path, m, keep, -1, err) < 0)
			goto out;
		if (keep == &s->os_ovf)
			s->os_ovf_len = (size_t)m->om_size;
		else if (keep == &s->os_mf)
			s->os_mf_len = (size_t)m->om_size;
		s->os_n++;
	}
	if (r < 0)
		goto out;
	if (s->os_n == 0)
		err_set(err, "%s: an empty archive", s->os_path);
	else if (s->os_mf_idx < 0)
		err_set(err, "%s: no manifest (.mf); an OVA is imported only "
		    "with the digests of its members", s->os_path);
	else
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

/* Every member but the manifest is in it, with the same digest, and it
 * names nothing else. */
static int
manifest_check(const struct ova_scan *s, char *err)
{
	const struct mf_entry *me;
	const struct ova_member *m;
	struct mf mf;
	int i;

	if (mf_parse(s->os_mf, s->os_mf_len, &mf, err) < 0)
		return err_prefix(err, "%s: manifest \"%s\"", s->os_path,
		    s->os_m[s->os_mf_idx].om_name);
	for (i = 0; i < s->os_n; i++) {
		m = &s->os_m[i];
		if (i == s->os_mf_idx)
			continue;
		if ((me = mf_find(&mf, m->om_name)) == NULL)
			return err_set(err, "%s: member \"%s\" is not in the "
			    "manifest", s->os_path, m->om_name);
		if (strcmp(me->me_hex, me->me_algo == MF_SHA256 ?
		    m->om_sha256 : m->om_sha1) != 0)
			return err_set(err, "%s: member \"%s\": its %s does not "
			    "match the manifest (line %d)", s->os_path,
			    m->om_name, me->me_algo == MF_SHA256 ? "SHA-256" :
			    "SHA-1", me->me_line);
	}
	for (i = 0; i < mf.mf_n; i++) {
		me = &mf.mf_entries[i];
		if (s->os_mf_idx >= 0 && strcmp(me->me_file,
		    s->os_m[s->os_mf_idx].om_name) == 0)
			return err_set(err, "%s: the manifest lists itself (line "
			    "%d)", s->os_path, me->me_line);
	}
	for (i = 0; i < mf.mf_n; i++) {
		int j, found = 0;

		for (j = 0; j < s->os_n; j++)
			found |= strcmp(s->os_m[j].om_name,
			    mf.mf_entries[i].me_file) == 0;
		if (!found)
			return err_set(err, "%s: the manifest names \"%s\" (line "
			    "%d), which is not in the package", s->os_path,
			    mf.mf_entries[i].me_file, mf.mf_entries[i].me_line);
	}
	return 0;
}

static const struct ova_member *
member_find(const struct ova_scan *s, const char *name)
{
	int i;

	for (i = 0; i < s->os_n; i++)
		if (strcmp(s->os_m[i].om_name, name) == 0)
			return &s->os_m[i];
	return NULL;
}

/* The descriptor names members of the package, of their sizes. */
static int
descriptor_check(const struct ova_scan *s, struct vmfmt_vm *vm, char *err)
{
	const struct ova_member *m;
	const struct vmfmt_disk *d;
	int i;

	if (ovf_parse(s->os_ovf, s->os_ovf_len, s->os_lim, vm, err) < 0)
		return err_prefix(err, "%s: member \"%s\"", s->os_path,
		    s->os_m[0].om_name);
	for (i = 0; i < vm->vm_ndisks; i++) {
		d = &vm->vm_disks[i];
		if ((m = member_find(s, d->vd_file)) == NULL)
			return err_set(err, "%s: the descriptor's File \"%s\" is "
			    "not in the package", s->os_path, d->vd_file);
		if (m == &s->os_m[0] || m == &s->os_m[s->os_mf_idx])
			return err_set(err, "%s: the descriptor names \"%s\" as "
			    "a disk", s->os_path, d->vd_file);
		if (d->vd_size >= 0 && d->vd_size != m->om_size)
			return err_set(err, "%s: File \"%s\": ovf:size %lld, the "
			    "member has %lld bytes", s->os_path, d->vd_file,
			    (long long)d->vd_size, (long long)m->om_size);
	}
	return 0;
}

/* The disk index of member name in vm, or -1. */
static int
disk_index(const struct vmfmt_vm *vm, const char *name)
{
	int i;

	for (i = 0; i < vm->vm_ndisks; i++)
		if (strcmp(vm->vm_disks[i].vd_file, name) == 0)
			return i;
	return -1;
}

/* One disk member into the new file dst, digested again: it must be
 * what pass one saw. */
static int
disk_extract(struct archive *a, const struct ova_scan *s,
    const struct ova_member *seen, int64_t size, const char *dst, char *err)
{
	struct ova_member m = *seen;
	int fd, rc;

	if (size != seen->om_size)
		return err_set(err, "%s: member \"%s\" changed while it was "
		    "read", s->os_path, seen->om_name);
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(err, "%s", dst);
	rc = member_read(a, s->os_path, &m, NULL, fd, err);
	if (close(fd) != 0 && rc == 0)
		rc = err_errno(err, "%s", dst);
	if (rc == 0 && strcmp(m.om_sha256, seen->om_sha256) != 0)
		rc = err_set(err, "%s: member \"%s\" changed while it was read",
		    s->os_path, seen->om_name);
	return rc;
}

/* Pass two: the disks' members into tmp/src-N. */
static int
ova_extract(const struct ova_scan *s, const struct vmfmt_vm *vm,
    char *const src[], char *err)
{
	struct archive *a = vmfmt_tar_open(s->os_path, err);
	struct archive_entry *e;
	const struct ova_member *m;
	const char *name;
	int r, i, rc = -1;

	if (a == NULL)
		return -1;
	while ((r = vmfmt_tar_next(a, s->os_path, &e, err)) == 1) {
		name = archive_entry_pathname(e);
		if (name == NULL || (i = disk_index(vm, name)) < 0)
			continue;	/* libarchive skips the unread rest */
		m = member_find(s, name);
		if (disk_extract(a, s, m, archive_entry_size(e), src[i],
		    err) < 0)
			goto out;
	}
	if (r == 0)
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int
ova_import(const char *path, const char *dest, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct ova_scan *s = calloc(1, sizeof(*s));
	struct vmfmt_import im;
	int rc = -1;

	if (s == NULL)
		return err_set(err, "%s: out of memory", path);
	s->os_path = path;
	s->os_lim = l;
	if (ova_scan(s, err) < 0 || manifest_check(s, err) < 0 ||
	    descriptor_check(s, vm, err) < 0)
		goto out;
	if (vmfmt_import_begin(&im, dest, vm->vm_ndisks, err) == 0)
		rc = ova_extract(s, vm, im.im_src, err);
	rc = vmfmt_import_end(&im, rc, vm, l, err);
out:
	free(s->os_ovf);
	free(s->os_mf);
	free(s);
	return rc;
}

/* --- export --- */

/* SHA-256 (hex) of the file at path. */
static int
file_sha256(const char *path, char *hex, char *err)
{
	struct vmfmt_digest d;
	char sha1[41], buf[65536];
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_errno(err, "%s", path);
	if (vmfmt_digest_init(&d, err) < 0) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		vmfmt_digest_add(&d, buf, (size_t)n);
	if (n < 0)
		rc = err_errno(err, "%s", path);
	vmfmt_digest_end(&d, sha1, hex);
	close(fd);
	return rc;
}

static int
buf_sha256(const char *buf, size_t len, char *hex, char *err)
{
	struct vmfmt_digest d;
	char sha1[41];

	if (vmfmt_digest_init(&d, err) < 0)
		return -1;
	vmfmt_digest_add(&d, buf, len);
	vmfmt_digest_end(&d, sha1, hex);
	return 0;
}

/* A member of len bytes from buf, or from the file path when buf is
 * NULL. */
static int
tar_add(struct archive *a, const char *name, const char *buf, int64_t len,
    const char *path, char *err)
{
	struct archive_entry *e = archive_entry_new();
	char chunk[65536];
	ssize_t n = 0;
	int fd = -1, rc = -1;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, len);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		err_set(err, "%s: %s", name, archive_error_string(a));
		goto out;
	}
	if (buf != NULL && archive_write_data(a, buf, (size_t)len) != len) {
		err_set(err, "%s: %s", name, archive_error_string(a));
		goto out;
	}
	if (buf == NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_errno(err, "%s", path);
		goto out;
	}
	while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (archive_write_data(a, chunk, (size_t)n) != n) {
			err_set(err, "%s: %s", name, archive_error_string(a));
			goto out;
		}
	if (n < 0) {
		err_errno(err, "%s", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return rc;
}

/* The package out: NAME.ovf, NAME.mf, the disks (files in tmp). */
static int
ova_write(const char *out, const struct vmfmt_vm *ovm, const char *ovf,
    size_t ovf_len, const char *tmp, char *err)
{
	struct archive *a = archive_write_new();
	char name[VMFMT_FILE_MAX + 8], path[PATH_MAX], hex[65];
	char mf[MF_MAX_ENTRIES * 200];
	size_t mlen;
	int i, rc = -1;

	snprintf(name, sizeof(name), "%s.ovf", ovm->vm_name);
	if (buf_sha256(ovf, ovf_len, hex, err) < 0)
		goto out;
	mlen = (size_t)snprintf(mf, sizeof(mf), "SHA256(%s)= %s\n", name, hex);
	for (i = 0; i < ovm->vm_ndisks; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp,
		    ovm->vm_disks[i].vd_file);
		if (file_sha256(path, hex, err) < 0)
			goto out;
		mlen += (size_t)snprintf(mf + mlen, sizeof(mf) - mlen,
		    "SHA256(%s)= %s\n", ovm->vm_disks[i].vd_file, hex);
	}
	if (a == NULL || archive_write_set_format_pax_restricted(a) !=
	    ARCHIVE_OK || archive_write_open_filename(a, out) != ARCHIVE_OK) {
		err_set(err, "%s: %s", out, a ? archive_error_string(a) :
		    "out of memory");
		goto out;
	}
	if (tar_add(a, name, ovf, (int64_t)ovf_len, NULL, err) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.mf", ovm->vm_name);
	if (tar_add(a, name, mf, (int64_t)mlen, NULL, err) < 0)
		goto out;
	for (i = 0; i < ovm->vm_ndisks; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp,
		    ovm->vm_disks[i].vd_file);
		if (tar_add(a, ovm->vm_disks[i].vd_file, NULL,
		    ovm->vm_disks[i].vd_size, path, err) < 0)
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		err_set(err, "%s: %s", out, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	if (a != NULL)
		archive_write_free(a);
	return rc;
}

/* Each disk of vm (files in src) as a streamOptimized VMDK in tmp,
 * described in ovm. */
static int
disks_export(const char *src, const struct vmfmt_vm *vm, const char *tmp,
    const struct vmfmt_limits *l, struct vmfmt_vm *ovm, char *err)
{
	const struct vmfmt_format *f, *vs = vmfmt_format_find("vmdk-stream");
	struct vmfmt_disk *d;
	struct vmfmt_info vi;
	char in[PATH_MAX], out[PATH_MAX];
	struct stat st;
	int i;

	*ovm = *vm;
	for (i = 0; i < vm->vm_ndisks; i++) {
		d = &ovm->vm_disks[i];
		f = vmfmt_format_find(vm->vm_disks[i].vd_format);
		snprintf(in, sizeof(in), "%s/%s", src, vm->vm_disks[i].vd_file);
		snprintf(d->vd_file, sizeof(d->vd_file), "%s-disk%d.vmdk",
		    vm->vm_name, i);
		snprintf(out, sizeof(out), "%s/%s", tmp, d->vd_file);
		if (vmfmt_disk_check(in, f, l, &vi, err) < 0 ||
		    vmfmt_disk_convert(in, f, out, vs, l, err) < 0)
			return -1;
		if (stat(out, &st) < 0)
			return err_errno(err, "%s", out);
		snprintf(d->vd_format, sizeof(d->vd_format), "vmdk-stream");
		d->vd_capacity = vi.vi_virtual_size;
		d->vd_size = st.st_size;
	}
	return 0;
}

int
ova_export(const char *src, const char *dst, const struct vmfmt_limits *l,
    char *err)
{
	struct vmfmt_vm vm, ovm;
	char tmp[PATH_MAX], out[PATH_MAX], *ovf = NULL;
	size_t ovf_len;
	int made = 0, rc = -1;

	if (vmfmt_vm_load(src, &vm, err) < 0)
		return -1;
	if (vmfmt_tmp_make(dst, tmp, sizeof(tmp), err) < 0)
		return -1;
	made = 1;
	snprintf(out, sizeof(out), "%s/package.ova", tmp);
	if (disks_export(src, &vm, tmp, l, &ovm, err) < 0 ||
	    ovf_write(&ovm, &ovf, &ovf_len, err) < 0 ||
	    ova_write(out, &ovm, ovf, ovf_len, tmp, err) < 0 ||
	    vmfmt_publish(out, dst, err) < 0)
		goto out;
	rc = 0;
out:
	if (made)
		vmfmt_tmp_remove(tmp);
	free(ovf);
	return rc;
}
