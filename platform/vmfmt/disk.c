/*
 * disk.c - disk images through QEMU's own block layer (qemu-img, argv,
 * never a shell): the formats by name, the checks of an image before
 * anything reads it for real, and conversion to a temporary name renamed
 * at the end.
 *
 * The format is always given (-f): qemu-img never probes, so a raw image
 * that looks like a qcow2 with a backing file stays raw.  A VMDK is
 * self-contained only as monolithicSparse or streamOptimized with its
 * one extent in the file itself; a descriptor naming other extents would
 * make qemu-img read any file of the host, and is refused.  Paths are
 * given as absolute or "./" names so that a colon never reads as a QEMU
 * protocol ("nbd:", "json:").
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "proc.h"
#include "platform/vmfmt/vmfmt_priv.h"

static const struct vmfmt_format formats[] = {
	{ "raw", "raw", NULL, NULL },
	{ "qcow2", "qcow2", NULL, NULL },
	{ "vmdk", "vmdk", "subformat=monolithicSparse", "monolithicSparse" },
	{ "vmdk-stream", "vmdk", "subformat=streamOptimized",
	    "streamOptimized" },
	{ "vhd", "vpc", "subformat=dynamic,force_size=on", NULL },
	{ "vhd-fixed", "vpc", "subformat=fixed,force_size=on", NULL },
	{ "vhdx", "vhdx", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

#define INFO_MS	60000	/* one qemu-img info */

const struct vmfmt_format *
vmfmt_format_find(const char *name)
{
	int i;

	for (i = 0; formats[i].vf_name != NULL; i++)
		if (strcmp(formats[i].vf_name, name) == 0)
			return &formats[i];
	return NULL;
}

const char *
vmfmt_format_names(void)
{
	return "raw, qcow2, vmdk, vmdk-stream, vhd, vhd-fixed, vhdx";
}

/* path as qemu-img must see it: absolute, or "./" in front. */
static void
img_arg(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", path[0] == '/' ? "" : "./", path);
}

/* A VMDK's create-type and extents from info's format-specific data:
 * self-contained sparse only, every extent the file itself. */
static int
vmdk_check(const cJSON *info, const char *path, char *err)
{
	const cJSON *fs, *data, *ext, *e;
	const char *type = NULL, *file = NULL, *ef;

	if (json_get_object(info, "format-specific", JSON_REQUIRED, &fs,
	    err) < 0 ||
	    json_get_object(fs, "data", JSON_REQUIRED, &data, err) < 0 ||
	    json_get_string(data, "create-type", JSON_REQUIRED, &type,
	    err) < 0 ||
	    json_get_array(data, "extents", JSON_REQUIRED, &ext, err) < 0 ||
	    json_get_string(info, "filename", JSON_REQUIRED, &file, err) < 0)
		return err_prefix(err, "%s: qemu-img info", path);
	if (strcmp(type, "monolithicSparse") != 0 &&
	    strcmp(type, "streamOptimized") != 0)
		return err_set(err, "%s: a VMDK of type \"%s\"; only "
		    "self-contained monolithicSparse and streamOptimized are "
		    "read", path, type);
	if (cJSON_GetArraySize(ext) != 1)
		return err_set(err, "%s: a VMDK with %d extents; one is read",
		    path, cJSON_GetArraySize(ext));
	cJSON_ArrayForEach(e, ext) {
		ef = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e,
		    "filename"));
		if (ef == NULL || strcmp(ef, file) != 0)
			return err_set(err, "%s: a VMDK extent in another file "
			    "(%s)", path, ef ? ef : "?");
	}
	return 0;
}

/* What info says beyond the format: nothing outside the file. */
static int
info_check(const cJSON *info, const char *path, const struct vmfmt_format *f,
    char *err)
{
	const cJSON *fs, *data;

	if (cJSON_GetObjectItemCaseSensitive(info, "backing-filename") ||
	    cJSON_GetObjectItemCaseSensitive(info, "full-backing-filename"))
		return err_set(err, "%s: the image has a backing file", path);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(info, "encrypted")))
		return err_set(err, "%s: the image is encrypted", path);
	fs = cJSON_GetObjectItemCaseSensitive(info, "format-specific");
	data = cJSON_GetObjectItemCaseSensitive(fs, "data");
	if (cJSON_GetObjectItemCaseSensitive(data, "data-file") != NULL)
		return err_set(err, "%s: the image has an external data file",
		    path);
	if (strcmp(f->vf_qemu, "vmdk") == 0)
		return vmdk_check(info, path, err);
	return 0;
}

int
vmfmt_disk_check(const char *path, const struct vmfmt_format *f,
    const struct vmfmt_limits *l, struct vmfmt_info *vi, char *err)
{
	char arg[PATH_MAX + 2];
	const char *argv[] = { "qemu-img", "info", "--output=json", "-f",
	    f->vf_qemu, arg, NULL };
	struct proc_result r;
	const char *fmt;
	cJSON *o = NULL;
	int64_t vs, as = -1;
	int rc = -1;

	img_arg(path, arg, sizeof(arg));
	memset(&r, 0, sizeof(r));
	if (proc_run(argv, NULL, INFO_MS, &r, err) != 0) {
		err_prefix(err, "%s is not a readable %s image", path,
		    f->vf_name);
		goto out;
	}
	if ((o = json_parse_buf(r.out, r.out_len, err)) == NULL ||
	    !cJSON_IsObject(o)) {
		err_set(err, "qemu-img info %s: not a JSON object", path);
		goto out;
	}
	if (json_get_string(o, "format", JSON_REQUIRED, &fmt, err) < 0 ||
	    json_get_int(o, "virtual-size", JSON_REQUIRED, &vs, err) < 0 ||
	    json_get_int(o, "actual-size", JSON_OPTIONAL, &as, err) < 0) {
		err_prefix(err, "qemu-img info %s", path);
		goto out;
	}
	if (strcmp(fmt, f->vf_qemu) != 0) {
		err_set(err, "%s: opens as %s, not %s", path, fmt, f->vf_qemu);
		goto out;
	}
	if (vs <= 0 || vs > l->vl_disk_max) {
		err_set(err, "%s: virtual size %lld bytes is not within 1.."
		    "%lld", path, (long long)vs, (long long)l->vl_disk_max);
		goto out;
	}
	if (info_check(o, path, f, err) < 0)
		goto out;
	if (vi != NULL) {
		snprintf(vi->vi_format, sizeof(vi->vi_format), "%s", fmt);
		vi->vi_virtual_size = vs;
		vi->vi_actual_size = as;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	proc_result_free(&r);
	return rc;
}

/* A new empty file beside dst for qemu-img to write: PATH into tmp. */
static int
tmp_beside(const char *dst, char *tmp, size_t len, char *err)
{
	char d1[PATH_MAX], d2[PATH_MAX];
	int fd;

	if (access(dst, F_OK) == 0 || errno != ENOENT)
		return err_set(err, "%s already exists", dst);
	snprintf(d1, sizeof(d1), "%s", dst);
	snprintf(d2, sizeof(d2), "%s", dst);
	if ((size_t)snprintf(tmp, len, "%s/.%s.tmp-XXXXXX", dirname(d1),
	    basename(d2)) >= len)
		return err_set(err, "%s: path too long", dst);
	if ((fd = mkstemp(tmp)) < 0)
		return err_errno(err, "cannot make a file beside %s", dst);
	close(fd);
	return 0;
}

int
vmfmt_disk_convert(const char *src, const struct vmfmt_format *from,
    const char *dst, const struct vmfmt_format *to,
    const struct vmfmt_limits *l, char *err)
{
	char in[PATH_MAX + 2], tmp[PATH_MAX], out[PATH_MAX + 2];
	const char *argv[12];
	int n = 0, made = 0, rc = -1;

	if (vmfmt_disk_check(src, from, l, NULL, err) < 0)
		goto out;
	if (tmp_beside(dst, tmp, sizeof(tmp), err) < 0)
		goto out;
	made = 1;
	img_arg(src, in, sizeof(in));
	img_arg(tmp, out, sizeof(out));
	argv[n++] = "qemu-img";
	argv[n++] = "convert";
	argv[n++] = "-q";
	argv[n++] = "-f";
	argv[n++] = from->vf_qemu;
	argv[n++] = "-O";
	argv[n++] = to->vf_qemu;
	if (to->vf_options != NULL) {
		argv[n++] = "-o";
		argv[n++] = to->vf_options;
	}
	argv[n++] = in;
	argv[n++] = out;
	argv[n] = NULL;
	if (proc_run(argv, NULL, 0, NULL, err) != 0) {
		err_prefix(err, "converting %s to %s", src, to->vf_name);
		goto out;
	}
	if (vmfmt_publish(tmp, dst, err) < 0)
		goto out;
	made = 0;
	rc = 0;
out:
	if (made)
		unlink(tmp);
	return rc;
}

int
vmfmt_disks_import(const char *tmp, char *const src[], struct vmfmt_vm *vm,
    const struct vmfmt_limits *l, char *err)
{
	const struct vmfmt_format *q = vmfmt_format_find("qcow2"), *f;
	struct vmfmt_disk *d;
	struct vmfmt_info vi;
	char dst[PATH_MAX];
	int i;

	for (i = 0; i < vm->vm_ndisks; i++) {
		d = &vm->vm_disks[i];
		if ((f = vmfmt_format_find(d->vd_format)) == NULL)
			return err_set(err, "disk %d: unknown format \"%s\"", i,
			    d->vd_format);
		if (vmfmt_disk_check(src[i], f, l, &vi, err) < 0)
			return err_prefix(err, "disk %d (%s)", i, d->vd_file);
		if (vi.vi_virtual_size != d->vd_capacity)
			return err_set(err, "disk %d (%s): the image holds %lld "
			    "bytes, the package declares %lld", i, d->vd_file,
			    (long long)vi.vi_virtual_size,
			    (long long)d->vd_capacity);
		vmfmt_disk_path(tmp, i, dst, sizeof(dst));
		if (vmfmt_disk_convert(src[i], f, dst, q, l, err) < 0)
			return err_prefix(err, "disk %d (%s)", i, d->vd_file);
		unlink(src[i]);
		snprintf(d->vd_file, sizeof(d->vd_file), "disk%d.qcow2", i);
		snprintf(d->vd_format, sizeof(d->vd_format), "qcow2");
		d->vd_size = -1;
	}
	return 0;
}
