/*
 * pkg.c - what an OVA and an OVF without a package (a .ovf beside its
 * files) share: on import, the checks between the members pass one
 * found, the manifest and the descriptor; on export, the disks as
 * streamOptimized VMDKs, the descriptor and the manifest, which the OVA
 * writes into a tar and the OVF beside its descriptor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

/* Every member but the manifest is in it, with the same digest, and it
 * names nothing else. */
int
pkg_member_read(struct pkg_reader *r, struct pkg_member *m, char **keep,
    int fd, char *err)
{
	static const size_t chunk = 1 << 20;
	struct vmfmt_digest d;
	int64_t left = m->pm_size;
	char *buf = NULL;
	size_t n;
	int rc = -1;

	if (vmfmt_digest_init(&d, err) < 0)
		return -1;
	buf = malloc(keep ? (size_t)m->pm_size + 1 : chunk);
	if (buf == NULL) {
		err_set(err, "%s: member \"%s\": out of memory", r->pr_path,
		    m->pm_name);
		goto out;
	}
	for (; left > 0; left -= (int64_t)n) {
		n = keep ? (size_t)left : (left < (int64_t)chunk ?
		    (size_t)left : chunk);
		if (r->pr_read(r, m, buf, n, err) < 0)
			goto out;
		vmfmt_digest_add(&d, buf, n);
		if (fd >= 0 && write(fd, buf, n) != (ssize_t)n) {
			err_errno(err, "writing member \"%s\"", m->pm_name);
			goto out;
		}
	}
	if (keep) {
		buf[m->pm_size] = '\0';
		*keep = buf;
		buf = NULL;
	}
	rc = 0;
out:
	vmfmt_digest_end(&d, m->pm_sha1, m->pm_sha256);
	free(buf);
	return rc;
}

int
pkg_manifest_check(const struct pkg_scan *s, char *err)
{
	const struct mf_entry *me;
	const struct pkg_member *m;
	struct mf mf;
	int i;

	if (mf_parse(s->ps_mf, s->ps_mf_len, &mf, err) < 0)
		return err_prefix(err, "%s: manifest \"%s\"", s->ps_path,
		    s->ps_m[s->ps_mf_idx].pm_name);
	for (i = 0; i < s->ps_n; i++) {
		m = &s->ps_m[i];
		if (i == s->ps_mf_idx)
			continue;
		if ((me = mf_find(&mf, m->pm_name)) == NULL)
			return err_set(err, "%s: member \"%s\" is not in the "
			    "manifest", s->ps_path, m->pm_name);
		if (strcmp(me->me_hex, me->me_algo == MF_SHA256 ?
		    m->pm_sha256 : m->pm_sha1) != 0)
			return err_set(err, "%s: member \"%s\": its %s does not "
			    "match the manifest (line %d)", s->ps_path,
			    m->pm_name, me->me_algo == MF_SHA256 ? "SHA-256" :
			    "SHA-1", me->me_line);
	}
	for (i = 0; i < mf.mf_n; i++) {
		me = &mf.mf_entries[i];
		if (s->ps_mf_idx >= 0 && strcmp(me->me_file,
		    s->ps_m[s->ps_mf_idx].pm_name) == 0)
			return err_set(err, "%s: the manifest lists itself (line "
			    "%d)", s->ps_path, me->me_line);
	}
	for (i = 0; i < mf.mf_n; i++) {
		int j, found = 0;

		for (j = 0; j < s->ps_n; j++)
			found |= strcmp(s->ps_m[j].pm_name,
			    mf.mf_entries[i].me_file) == 0;
		if (!found)
			return err_set(err, "%s: the manifest names \"%s\" (line "
			    "%d), which is not in the package", s->ps_path,
			    mf.mf_entries[i].me_file, mf.mf_entries[i].me_line);
	}
	return 0;
}

const struct pkg_member *
pkg_member_find(const struct pkg_scan *s, const char *name)
{
	int i;

	for (i = 0; i < s->ps_n; i++)
		if (strcmp(s->ps_m[i].pm_name, name) == 0)
			return &s->ps_m[i];
	return NULL;
}

/* The descriptor names members of the package, of their sizes. */
int
pkg_descriptor_check(const struct pkg_scan *s, struct vmfmt_vm *vm, char *err)
{
	const struct pkg_member *m;
	const struct vmfmt_disk *d;
	int i;

	if (ovf_parse(s->ps_ovf, s->ps_ovf_len, s->ps_lim, vm, err) < 0)
		return err_prefix(err, "%s: member \"%s\"", s->ps_path,
		    s->ps_m[0].pm_name);
	for (i = 0; i < vm->vm_ndisks; i++) {
		d = &vm->vm_disks[i];
		if ((m = pkg_member_find(s, d->vd_file)) == NULL)
			return err_set(err, "%s: the descriptor's File \"%s\" is "
			    "not in the package", s->ps_path, d->vd_file);
		if (m == &s->ps_m[0] || (s->ps_mf_idx >= 0 &&
		    m == &s->ps_m[s->ps_mf_idx]))
			return err_set(err, "%s: the descriptor names \"%s\" as "
			    "a disk", s->ps_path, d->vd_file);
		if (d->vd_size >= 0 && d->vd_size != m->pm_size)
			return err_set(err, "%s: File \"%s\": ovf:size %lld, the "
			    "member has %lld bytes", s->ps_path, d->vd_file,
			    (long long)d->vd_size, (long long)m->pm_size);
	}
	return 0;
}

/* The disk index of member name in vm, or -1. */
int
pkg_disk_index(const struct vmfmt_vm *vm, const char *name)
{
	int i;

	for (i = 0; i < vm->vm_ndisks; i++)
		if (strcmp(vm->vm_disks[i].vd_file, name) == 0)
			return i;
	return -1;
}

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

/* Each disk of vm (files in src) as a streamOptimized VMDK
 * po_dir/BASE-diskN.vmdk, described in po_vm. */
static int
disks_export(const char *src, const struct vmfmt_vm *vm, struct pkg_out *po,
    const struct vmfmt_limits *l, char *err)
{
	const struct vmfmt_format *f, *vs = vmfmt_format_find("vmdk-stream");
	struct vmfmt_disk *d;
	struct vmfmt_info vi;
	char in[PATH_MAX], out[PATH_MAX];
	struct stat st;
	int i;

	po->po_vm = *vm;
	for (i = 0; i < vm->vm_ndisks; i++) {
		d = &po->po_vm.vm_disks[i];
		f = vmfmt_format_find(vm->vm_disks[i].vd_format);
		snprintf(in, sizeof(in), "%s/%s", src, vm->vm_disks[i].vd_file);
		snprintf(d->vd_file, sizeof(d->vd_file), "%s-disk%d.vmdk",
		    po->po_base, i);
		snprintf(out, sizeof(out), "%s/%s", po->po_dir, d->vd_file);
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


/* po_mf: SHA256 lines of the descriptor and of every disk. */
static int
manifest_make(struct pkg_out *po, char *err)
{
	const struct vmfmt_vm *v = &po->po_vm;
	char path[PATH_MAX], hex[65];
	size_t n, len = sizeof(po->po_mf);
	int i;

	if (buf_sha256(po->po_ovf, po->po_ovf_len, hex, err) < 0)
		return -1;
	n = (size_t)snprintf(po->po_mf, len, "SHA256(%s.ovf)= %s\n",
	    po->po_base, hex);
	for (i = 0; i < v->vm_ndisks; i++) {
		snprintf(path, sizeof(path), "%s/%s", po->po_dir,
		    v->vm_disks[i].vd_file);
		if (file_sha256(path, hex, err) < 0)
			return -1;
		n += (size_t)snprintf(po->po_mf + n, len - n,
		    "SHA256(%s)= %s\n", v->vm_disks[i].vd_file, hex);
	}
	po->po_mf_len = n;
	return 0;
}

int
pkg_out_make(const char *src, struct pkg_out *po,
    const struct vmfmt_limits *l, char *err)
{
	struct vmfmt_vm vm;

	po->po_ovf = NULL;
	if (vmfmt_vm_load(src, &vm, err) < 0)
		return -1;
	if (po->po_base[0] == '\0')
		snprintf(po->po_base, sizeof(po->po_base), "%s", vm.vm_name);
	if (disks_export(src, &vm, po, l, err) < 0 ||
	    ovf_write(&po->po_vm, &po->po_ovf, &po->po_ovf_len, err) < 0 ||
	    manifest_make(po, err) < 0) {
		free(po->po_ovf);
		po->po_ovf = NULL;
		return -1;
	}
	return 0;
}
