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

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The header of member e: name, type and size allowed, not a repeat. */
static int
member_check(struct pkg_scan *s, struct archive_entry *e, char *err)
{
	const char *name = archive_entry_pathname(e);
	int i;

	if (name == NULL)
		return err_set(err, "%s: a member without a name", s->ps_path);
	if (vmfmt_name_check(name, 0, err) < 0)
		return err_prefix(err, "%s", s->ps_path);
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL)
		return err_set(err, "%s: member \"%s\" is not a regular file "
		    "(links and directories are refused)", s->ps_path, name);
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
	    archive_entry_size(e) > s->ps_lim->vl_member_max)
		return err_set(err, "%s: member \"%s\" has no size or more than "
		    "%lld bytes", s->ps_path, name,
		    (long long)s->ps_lim->vl_member_max);
	for (i = 0; i < s->ps_n; i++)
		if (strcmp(s->ps_m[i].pm_name, name) == 0)
			return err_set(err, "%s: member \"%s\" appears twice",
			    s->ps_path, name);
	if (s->ps_n == s->ps_lim->vl_members_max || s->ps_n == MF_MAX_ENTRIES)
		return err_set(err, "%s: more than %d members", s->ps_path,
		    s->ps_n);
	if (s->ps_n == 0 && !ends_with(name, ".ovf"))
		return err_set(err, "%s: the first member \"%s\" is not the OVF "
		    "descriptor (.ovf)", s->ps_path, name);
	if (s->ps_n > 0 && ends_with(name, ".ovf"))
		return err_set(err, "%s: a second descriptor \"%s\"",
		    s->ps_path, name);
	return 0;
}

/* A tar's pkg_reader: the current member's next len bytes. */
static int
ova_read(struct pkg_reader *r, const struct pkg_member *m, void *buf,
    size_t len, char *err)
{
	return vmfmt_tar_read(r->pr_arg, r->pr_path, m->pm_name, buf, len,
	    err);
}

/* The current member through pkg_member_read. */
static int
member_read(struct archive *a, const char *path, struct pkg_member *m,
    char **keep, int fd, char *err)
{
	struct pkg_reader r = { ova_read, path, a };

	return pkg_member_read(&r, m, keep, fd, err);
}

/* Pass one: every member checked and digested, descriptors kept. */
static int
ova_scan(struct pkg_scan *s, char *err)
{
	struct archive *a = vmfmt_tar_open(s->ps_path, err);
	struct archive_entry *e;
	struct pkg_member *m;
	char **keep;
	int r, rc = -1;

	if (a == NULL)
		return -1;
	s->ps_mf_idx = -1;
	while ((r = vmfmt_tar_next(a, s->ps_path, &e, err)) == 1) {
		if (member_check(s, e, err) < 0)
			goto out;
		m = &s->ps_m[s->ps_n];
		snprintf(m->pm_name, sizeof(m->pm_name), "%s",
		    archive_entry_pathname(e));
		m->pm_size = archive_entry_size(e);
		keep = NULL;
		if (s->ps_n == 0)
			keep = &s->ps_ovf;
		else if (ends_with(m->pm_name, ".mf")) {
			if (s->ps_mf_idx >= 0) {
				err_set(err, "%s: a second manifest \"%s\"",
				    s->ps_path, m->pm_name);
				goto out;
			}
			s->ps_mf_idx = s->ps_n;
			keep = &s->ps_mf;
		}
		if (keep != NULL && m->pm_size > s->ps_lim->vl_meta_max) {
			err_set(err, "%s: member \"%s\": %lld bytes, more than "
			    "a descriptor may have", s->ps_path, m->pm_name,
			    (long long)m->pm_size);
			goto out;
		}
		if (member_read(a, s->ps_path, m, keep, -1, err) < 0)
			goto out;
		if (keep == &s->ps_ovf)
			s->ps_ovf_len = (size_t)m->pm_size;
		else if (keep == &s->ps_mf)
			s->ps_mf_len = (size_t)m->pm_size;
		s->ps_n++;
	}
	if (r < 0)
		goto out;
	if (s->ps_n == 0)
		err_set(err, "%s: an empty archive", s->ps_path);
	else if (s->ps_mf_idx < 0)
		err_set(err, "%s: no manifest (.mf); an OVA is imported only "
		    "with the digests of its members", s->ps_path);
	else
		rc = 0;
out:
	archive_read_free(a);
	return rc;
}

/* One disk member into the new file dst, digested again: it must be
 * what pass one saw. */
static int
disk_extract(struct archive *a, const struct pkg_scan *s,
    const struct pkg_member *seen, int64_t size, const char *dst, char *err)
{
	struct pkg_member m = *seen;
	int fd, rc;

	if (size != seen->pm_size)
		return err_set(err, "%s: member \"%s\" changed while it was "
		    "read", s->ps_path, seen->pm_name);
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_errno(err, "%s", dst);
	rc = member_read(a, s->ps_path, &m, NULL, fd, err);
	if (close(fd) != 0 && rc == 0)
		rc = err_errno(err, "%s", dst);
	if (rc == 0 && strcmp(m.pm_sha256, seen->pm_sha256) != 0)
		rc = err_set(err, "%s: member \"%s\" changed while it was read",
		    s->ps_path, seen->pm_name);
	return rc;
}

/* Pass two: the disks' members into tmp/src-N. */
static int
ova_extract(const struct pkg_scan *s, const struct vmfmt_vm *vm,
    char *const src[], char *err)
{
	struct archive *a = vmfmt_tar_open(s->ps_path, err);
	struct archive_entry *e;
	const struct pkg_member *m;
	const char *name;
	int r, i, rc = -1;

	if (a == NULL)
		return -1;
	while ((r = vmfmt_tar_next(a, s->ps_path, &e, err)) == 1) {
		name = archive_entry_pathname(e);
		if (name == NULL || (i = pkg_disk_index(vm, name)) < 0)
			continue;	/* libarchive skips the unread rest */
		m = pkg_member_find(s, name);
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
	struct pkg_scan *s = calloc(1, sizeof(*s));
	struct vmfmt_import im;
	int rc = -1;

	if (s == NULL)
		return err_set(err, "%s: out of memory", path);
	s->ps_path = path;
	s->ps_lim = l;
	if (ova_scan(s, err) < 0 || pkg_manifest_check(s, err) < 0 ||
	    pkg_descriptor_check(s, vm, err) < 0)
		goto out;
	if (vmfmt_import_begin(&im, dest, vm->vm_ndisks, err) == 0)
		rc = ova_extract(s, vm, im.im_src, err);
	rc = vmfmt_import_end(&im, rc, vm, l, err);
out:
	free(s->ps_ovf);
	free(s->ps_mf);
	free(s);
	return rc;
}

/* --- export --- */

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

/* The package out: NAME.ovf, NAME.mf, the disks (files in po_dir). */
static int
ova_write(const char *out, const struct pkg_out *po, char *err)
{
	const struct vmfmt_vm *v = &po->po_vm;
	struct archive *a = archive_write_new();
	char name[VMFMT_FILE_MAX + 8], path[PATH_MAX];
	int i, rc = -1;

	if (a == NULL || archive_write_set_format_pax_restricted(a) !=
	    ARCHIVE_OK || archive_write_open_filename(a, out) != ARCHIVE_OK) {
		err_set(err, "%s: %s", out, a ? archive_error_string(a) :
		    "out of memory");
		goto out;
	}
	snprintf(name, sizeof(name), "%s.ovf", po->po_base);
	if (tar_add(a, name, po->po_ovf, (int64_t)po->po_ovf_len, NULL,
	    err) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s.mf", po->po_base);
	if (tar_add(a, name, po->po_mf, (int64_t)po->po_mf_len, NULL, err) < 0)
		goto out;
	for (i = 0; i < v->vm_ndisks; i++) {
		snprintf(path, sizeof(path), "%s/%s", po->po_dir,
		    v->vm_disks[i].vd_file);
		if (tar_add(a, v->vm_disks[i].vd_file, NULL,
		    v->vm_disks[i].vd_size, path, err) < 0)
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

int
ova_export(const char *src, const char *dst, const struct vmfmt_limits *l,
    char *err)
{
	static struct pkg_out po_zero;
	struct pkg_out *po = calloc(1, sizeof(*po));
	char tmp[PATH_MAX], out[PATH_MAX + 16];
	int rc = -1;

	if (po == NULL)
		return err_set(err, "%s: out of memory", dst);
	*po = po_zero;
	if (vmfmt_tmp_make(dst, tmp, sizeof(tmp), err) < 0)
		goto out;
	po->po_dir = tmp;
	snprintf(out, sizeof(out), "%s/package.ova", tmp);
	if (pkg_out_make(src, po, l, err) == 0 &&
	    ova_write(out, po, err) == 0 &&
	    vmfmt_publish(out, dst, err) == 0)
		rc = 0;
	vmfmt_tmp_remove(tmp);
out:
	free(po->po_ovf);
	free(po);
	return rc;
}
