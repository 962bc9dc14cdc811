/*
 * ovfdir.c - OVF without a package: a descriptor NAME.ovf beside the
 * files it references and, when there is one, its manifest NAME.mf, as
 * ovftool writes them with --targetType=OVF.
 *
 * Import reads from the descriptor's directory only.  Pass one reads
 * the descriptor, the manifest, and every file the descriptor references
 * or the manifest names: a plain name (ovf_parse and mf_parse refuse
 * "../" and absolute names), a regular file opened without following a
 * link (a symlink could point anywhere on the host), of a bounded size,
 * digested.  With a manifest, every digest must match and the descriptor
 * and its disks must be in it; the descriptor must name files of the
 * sizes it says.  Only then does pass two copy the disks into a
 * temporary directory beside the destination, digesting them again (a
 * file changed between the passes is refused); the import ends as an
 * OVA's does.
 *
 * Export writes NAME.ovf, NAME.mf and NAME-diskN.vmdk beside the path
 * given (NAME.ovf), made in a temporary directory and linked into place
 * disks first and the descriptor last, so that a reader never finds the
 * descriptor without its files; a name already taken fails the export
 * and unlinks what it linked.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

/* An import's first pass: the scan and the directory it reads. */
struct ovfdir {
	struct pkg_scan	*od_s;
	int		 od_dir;
	char		 od_base[VMFMT_FILE_MAX];	/* NAME of NAME.ovf */
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* NAME of the path DIR/NAME.ovf into base (VMFMT_FILE_MAX bytes),
 * checked as a file name of a package. */
static int
ovf_base(const char *path, char *base, char *err)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	size_t n = strlen(name);

	if (!ends_with(name, ".ovf"))
		return err_set(err, "%s: an OVF descriptor's name ends in .ovf",
		    path);
	if (n - 4 + sizeof("-disk0.vmdk") > VMFMT_FILE_MAX)
		return err_set(err, "%s: the name is longer than %d bytes", path,
		    VMFMT_FILE_MAX - (int)sizeof("-disk0.vmdk") + 4);
	snprintf(base, VMFMT_FILE_MAX, "%.*s", (int)(n - 4), name);
	if (vmfmt_name_check(name, 0, err) < 0)
		return err_prefix(err, "%s", path);
	return 0;
}

/*
 * The file name of the descriptor's directory, opened for reading
 * without following a link: its fd, or -1 with err (errno kept: ENOENT
 * when it is missing).
 */
static int
ovfdir_open(const struct ovfdir *o, const char *name, char *err)
{
	struct stat st;
	int fd, e;

	fd = openat(o->od_dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			err_set(err, "%s: \"%s\" is a symbolic link; the files "
			    "of an OVF are regular files beside its descriptor",
			    o->od_s->ps_path, name);
		else
			err_errno(err, "%s: \"%s\"", o->od_s->ps_path, name);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(err, "%s: \"%s\" is not a regular file",
		    o->od_s->ps_path, name);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* A file's pkg_reader: exactly len more bytes of the file. */
static int
ovfdir_read_fd(struct pkg_reader *r, const struct pkg_member *m, void *buf,
    size_t len, char *err)
{
	int fd = *(int *)r->pr_arg;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0)
			return err_errno(err, "%s: \"%s\"", r->pr_path,
			    m->pm_name);
		if (n == 0)
			return err_set(err, "%s: \"%s\" changed while it was "
			    "read", r->pr_path, m->pm_name);
		got += (size_t)n;
	}
	return 0;
}

/* The file fd (m->pm_size bytes, no more) through pkg_member_read. */
static int
ovfdir_read(int fd, const char *path, struct pkg_member *m, char **keep,
    int out, char *err)
{
	struct pkg_reader r = { ovfdir_read_fd, path, &fd };
	char more;

	if (pkg_member_read(&r, m, keep, out, err) < 0)
		return -1;
	if (read(fd, &more, 1) != 0) {
		if (keep != NULL) {
			free(*keep);
			*keep = NULL;
		}
		return err_set(err, "%s: \"%s\" changed while it was read",
		    path, m->pm_name);
	}
	return 0;
}

/* The file name as the next member, digested (kept in *keep when not
 * NULL, then at most a descriptor's size); a name already read is not
 * read again.  1 when the file is missing (err says so), 0, -1. */
static int
ovfdir_add(struct ovfdir *o, const char *name, char **keep, char *err)
{
	struct pkg_scan *s = o->od_s;
	struct pkg_member *m;
	struct stat st;
	int fd, rc = -1;

	if (pkg_member_find(s, name) != NULL)
		return 0;
	if (s->ps_n == s->ps_lim->vl_members_max || s->ps_n == MF_MAX_ENTRIES)
		return err_set(err, "%s: more than %d files", s->ps_path,
		    s->ps_n);
	if ((fd = ovfdir_open(o, name, err)) < 0)
		return errno == ENOENT ? 1 : -1;
	m = &s->ps_m[s->ps_n];
	snprintf(m->pm_name, sizeof(m->pm_name), "%s", name);
	if (fstat(fd, &st) != 0) {
		err_errno(err, "%s: \"%s\"", s->ps_path, name);
		goto out;
	}
	m->pm_size = st.st_size;
	if (m->pm_size > (keep ? s->ps_lim->vl_meta_max :
	    s->ps_lim->vl_member_max)) {
		err_set(err, "%s: \"%s\": %lld bytes, more than allowed",
		    s->ps_path, name, (long long)m->pm_size);
		goto out;
	}
	if (ovfdir_read(fd, s->ps_path, m, keep, -1, err) < 0)
		goto out;
	s->ps_n++;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The files the descriptor (parsed into vm) references and the
 * manifest names, each beside the descriptor. */
static int
ovfdir_files(struct ovfdir *o, const struct vmfmt_vm *vm, char *err)
{
	struct pkg_scan *s = o->od_s;
	const struct mf_entry *me;
	struct mf mf;
	int i, r;

	for (i = 0; i < vm->vm_ndisks; i++)
		if ((r = ovfdir_add(o, vm->vm_disks[i].vd_file, NULL,
		    err)) != 0)
			return r < 0 ? -1 : err_set(err, "%s: the descriptor's "
			    "File \"%s\" is not beside it", s->ps_path,
			    vm->vm_disks[i].vd_file);
	if (s->ps_mf_idx < 0)
		return 0;
	if (mf_parse(s->ps_mf, s->ps_mf_len, &mf, err) < 0)
		return err_prefix(err, "%s: manifest \"%s\"", s->ps_path,
		    s->ps_m[s->ps_mf_idx].pm_name);
	for (i = 0; i < mf.mf_n; i++) {
		me = &mf.mf_entries[i];
		if ((r = ovfdir_add(o, me->me_file, NULL, err)) != 0)
			return r < 0 ? -1 : err_set(err, "%s: the manifest names "
			    "\"%s\" (line %d), which is not beside it",
			    s->ps_path, me->me_file, me->me_line);
	}
	return 0;
}

/* Pass one: the descriptor (member 0), NAME.mf when there is one, the
 * files they name; the manifest and the descriptor checked. */
static int
ovfdir_scan(struct ovfdir *o, struct vmfmt_vm *vm, char *err)
{
	struct pkg_scan *s = o->od_s;
	char name[VMFMT_FILE_MAX + 4];
	int r;

	s->ps_mf_idx = -1;
	snprintf(name, sizeof(name), "%s.ovf", o->od_base);
	if (ovfdir_add(o, name, &s->ps_ovf, err) != 0)
		return -1;
	s->ps_ovf_len = (size_t)s->ps_m[0].pm_size;
	if (ovf_parse(s->ps_ovf, s->ps_ovf_len, s->ps_lim, vm, err) < 0)
		return err_prefix(err, "%s", s->ps_path);
	snprintf(name, sizeof(name), "%s.mf", o->od_base);
	if ((r = ovfdir_add(o, name, &s->ps_mf, err)) < 0)
		return -1;
	if (r == 0) {
		s->ps_mf_idx = 1;
		s->ps_mf_len = (size_t)s->ps_m[1].pm_size;
	}
	if (ovfdir_files(o, vm, err) < 0 ||
	    (s->ps_mf_idx >= 0 && pkg_manifest_check(s, err) < 0))
		return -1;
	return pkg_descriptor_check(s, vm, err);
}

/* Pass two: disk i's file copied into src[i], digested again. */
static int
ovfdir_copy(struct ovfdir *o, const struct vmfmt_vm *vm, char *const src[],
    char *err)
{
	const struct pkg_member *seen;
	struct pkg_member m;
	int i, fd, out, rc = 0;

	for (i = 0; rc == 0 && i < vm->vm_ndisks; i++) {
		seen = pkg_member_find(o->od_s, vm->vm_disks[i].vd_file);
		m = *seen;
		if ((fd = ovfdir_open(o, m.pm_name, err)) < 0)
			return -1;
		out = open(src[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (out < 0)
			rc = err_errno(err, "%s", src[i]);
		else
			rc = ovfdir_read(fd, o->od_s->ps_path, &m, NULL, out,
			    err);
		if (out >= 0 && close(out) != 0 && rc == 0)
			rc = err_errno(err, "%s", src[i]);
		close(fd);
		if (rc == 0 && strcmp(m.pm_sha256, seen->pm_sha256) != 0)
			rc = err_set(err, "%s: \"%s\" changed while it was read",
			    o->od_s->ps_path, m.pm_name);
	}
	return rc;
}

int
ovf_import(const char *path, const char *dest, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct ovfdir o = { NULL, -1, "" };
	struct vmfmt_import im;
	char dir[PATH_MAX];
	int rc = -1;

	if ((o.od_s = calloc(1, sizeof(*o.od_s))) == NULL)
		return err_set(err, "%s: out of memory", path);
	o.od_s->ps_path = path;
	o.od_s->ps_lim = l;
	snprintf(dir, sizeof(dir), "%s", path);
	if (ovf_base(path, o.od_base, err) < 0)
		goto out;
	if ((o.od_dir = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		err_errno(err, "%s", dir);
		goto out;
	}
	if (ovfdir_scan(&o, vm, err) < 0)
		goto out;
	if (vmfmt_import_begin(&im, dest, vm->vm_ndisks, err) == 0)
		rc = ovfdir_copy(&o, vm, im.im_src, err);
	rc = vmfmt_import_end(&im, rc, vm, l, err);
out:
	if (o.od_dir >= 0)
		close(o.od_dir);
	free(o.od_s->ps_ovf);
	free(o.od_s->ps_mf);
	free(o.od_s);
	return rc;
}

/* --- export --- */

/* Link po's files from po_dir into dir: the disks, the manifest, the
 * descriptor last.  Their bytes added to *bytes.  On failure what was
 * linked is unlinked. */
static int
ovfdir_link(const struct pkg_out *po, const char *dir, int64_t *bytes,
    char *err)
{
	char names[VMFMT_MAX_DISKS + 2][VMFMT_FILE_MAX + 4];
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st;
	int i, n = 0, linked = 0, rc = -1;

	for (i = 0; i < po->po_vm.vm_ndisks; i++)
		snprintf(names[n++], sizeof(names[0]), "%s",
		    po->po_vm.vm_disks[i].vd_file);
	snprintf(names[n++], sizeof(names[0]), "%s.mf", po->po_base);
	snprintf(names[n++], sizeof(names[0]), "%s.ovf", po->po_base);
	for (; linked < n; linked++) {
		snprintf(from, sizeof(from), "%s/%s", po->po_dir, names[linked]);
		snprintf(to, sizeof(to), "%s/%s", dir, names[linked]);
		if (link(from, to) != 0) {
			err_errno(err, "%s", to);
			goto out;
		}
		if (stat(to, &st) == 0)
			*bytes += st.st_size;
	}
	rc = 0;
out:
	while (rc != 0 && linked-- > 0) {
		snprintf(to, sizeof(to), "%s/%s", dir, names[linked]);
		unlink(to);
	}
	return rc;
}

/* po's descriptor and manifest as files of po_dir. */
static int
ovfdir_write(const struct pkg_out *po, char *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.ovf", po->po_dir, po->po_base);
	if (vmfmt_file_write(path, po->po_ovf, po->po_ovf_len, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.mf", po->po_dir, po->po_base);
	return vmfmt_file_write(path, po->po_mf, po->po_mf_len, err);
}

int
ovf_export(const char *src, const char *dst, const struct vmfmt_limits *l,
    int64_t *bytes, char *err)
{
	static struct pkg_out po_zero;
	struct pkg_out *po = calloc(1, sizeof(*po));
	char tmp[PATH_MAX], dir[PATH_MAX];
	int64_t total = 0;
	int rc = -1;

	if (po == NULL)
		return err_set(err, "%s: out of memory", dst);
	*po = po_zero;
	snprintf(dir, sizeof(dir), "%s", dst);
	if (ovf_base(dst, po->po_base, err) < 0 ||
	    vmfmt_tmp_make(dst, tmp, sizeof(tmp), err) < 0)
		goto out;
	po->po_dir = tmp;
	if (pkg_out_make(src, po, l, err) == 0 && ovfdir_write(po, err) == 0 &&
	    ovfdir_link(po, dirname(dir), &total, err) == 0)
		rc = 0;
	vmfmt_tmp_remove(tmp);
	if (rc == 0 && bytes != NULL)
		*bytes = total;
out:
	free(po->po_ovf);
	free(po);
	return rc;
}

int
ovf_export_file(const char *ovf, int i, char *buf, size_t len)
{
	size_t n = strlen(ovf);

	if (n < 5 || strcmp(ovf + n - 4, ".ovf") != 0 || ovf[n - 5] == '/' ||
	    i < 0 || i >= OVF_EXPORT_FILES)
		return -1;
	if (i == 0)
		snprintf(buf, len, "%s", ovf);
	else if (i == 1)
		snprintf(buf, len, "%.*s.mf", (int)(n - 4), ovf);
	else
		snprintf(buf, len, "%.*s-disk%d.vmdk", (int)(n - 4), ovf, i - 2);
	return 0;
}
