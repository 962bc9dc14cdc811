/*
 * libvirt_io.c - export and import on the libvirt platform.  libvirt
 * moves volumes in and out (virStorageVolDownload, and a volume copied
 * from a file the host sees, as the lab's boot image is) but converts no
 * format and reads no package: the formats go through platform/vmfmt on
 * the workstation, as an administrator would run qemu-img and ovftool
 * beside virsh.  The exchange place is the driver's directory on the
 * workstation (WORKDIR/libvirt-io):
 *  - export: the stopped domain's qcow2 volume downloaded through
 *    libvirt, then converted to the format asked (vmfmt_disk_convert),
 *    or for "ova" and "ovf" packaged with a vm.json of the domain's
 *    vCPUs, memory and one NIC (ova_export, ovf_export: NAME.ovf with
 *    NAME.mf and NAME-disk0.vmdk beside it);
 *  - import: the file validated whole and converted to qcow2 by vmfmt
 *    (vmfmt_disk_convert, ova_import, ovf_import, xva_import) into a
 *    work directory, then the VM made as any VM booting from its own
 *    image (vm_create with that qcow2 as v_boot_image: a volume copy on
 *    its host's images pool and a domain defined); the work directory
 *    and the file (an OVF's with the files beside it) go.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "err.h"
#include "log.h"
#include "platform/vmfmt/vmfmt.h"
#include "scenarios/drivers/libvirt.h"

#define LV_IO_DIR "libvirt-io"

/* The exchange place (made when missing) into buf; with name (a plain
 * file name, or NULL) the file in it. */
static int
lvio_place(struct driver *d, const char *name, char *buf, size_t len,
    char *err)
{
	const char *w = d->d_env && d->d_env->e_workdir ?
	    d->d_env->e_workdir : "/tmp";

	snprintf(buf, len, "%s/" LV_IO_DIR, w);
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return err_errno(err, "libvirt: %s", buf);
	if (name == NULL)
		return 0;
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return err_set(err, "libvirt: '%s' is no plain file name of the "
		    "exchange place", name);
	if ((size_t)snprintf(buf, len, "%s/" LV_IO_DIR "/%s", w, name) >= len)
		return err_set(err, "libvirt: %s: name too long", name);
	return 0;
}

static int
lvio_sink(virStreamPtr st, const char *data, size_t n, void *arg)
{
	(void)st;
	return write(*(int *)arg, data, n) == (ssize_t)n ? (int)n : -1;
}

/* The stopped vm's first disk downloaded through libvirt into the new
 * file dst (a qcow2); its vCPUs and memory into vm. */
static int
lvio_download(struct driver *d, const char *name, const char *dst,
    struct vmfmt_vm *vm, char *err)
{
	const char *host;
	virDomainPtr dom = lv_find(d, name, &host, err);
	virStorageVolPtr vol = NULL;
	virStreamPtr st = NULL;
	virDomainInfo info;
	char *xml = NULL, path[1024];
	int fd = -1, rc = -1;

	if (dom == NULL)
		return -1;
	if (LV_RPC(d, virDomainIsActive(dom)) == 1) {
		err_set(err, "libvirt: VM %s runs; stop it to export it", name);
		goto out;
	}
	if ((xml = LV_RPC(d, virDomainGetXMLDesc(dom,
	    VIR_DOMAIN_XML_INACTIVE))) == NULL ||
	    LV_RPC(d, virDomainGetInfo(dom, &info)) == -1) {
		err_set(err, "libvirt: VM %s: %s", name, lv_why());
		goto out;
	}
	if ((rc = lv_domain_disk_file(xml, path, sizeof(path), err)) != 0) {
		rc = rc == 1 ? err_prefix(err, "libvirt: VM %s: its disk is no "
		    "file of a pool", name) : -1;
		goto out;
	}
	rc = -1;
	vm->vm_vcpus = info.nrVirtCpu;
	vm->vm_memory_mib = (int)(info.maxMem / 1024);
	if ((vol = LV_RPC(d, virStorageVolLookupByPath(virDomainGetConnect(
	    dom), path))) == NULL || (st = virStreamNew(virDomainGetConnect(
	    dom), 0)) == NULL) {
		err_set(err, "libvirt: %s: volume %s: %s", host, path, lv_why());
		goto out;
	}
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		err_errno(err, "libvirt: %s", dst);
		goto out;
	}
	if (LV_RPC(d, virStorageVolDownload(vol, st, 0, 0, 0)) == -1 ||
	    virStreamRecvAll(st, lvio_sink, &fd) == -1 ||
	    virStreamFinish(st) == -1) {
		err_set(err, "libvirt: download volume %s: %s", path, lv_why());
		virStreamAbort(st);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1 && close(fd) != 0 && rc == 0)
		rc = err_errno(err, "libvirt: %s", dst);
	if (st != NULL)
		virStreamFree(st);
	if (vol != NULL)
		virStorageVolFree(vol);
	free(xml);
	virDomainFree(dom);
	return rc;
}

/* Remove dir and what vmfmt or this file put in it. */
static void
lvio_rmdir(const char *dir)
{
	char p[PATH_MAX + 32];
	int i;

	for (i = 0; i < VMFMT_MAX_DISKS; i++) {
		snprintf(p, sizeof(p), "%s/disk%d.qcow2", dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/vm.json", dir);
	unlink(p);
	rmdir(dir);
}

/* The downloaded qcow2 in work/disk0.qcow2 as the file asked; the
 * bytes written (a package's files together) into *bytes. */
static int
lvio_convert_out(const char *work, const char *format, struct vmfmt_vm *vm,
    const char *dst, int64_t *bytes, char *err)
{
	const struct vmfmt_format *q = vmfmt_format_find("qcow2"), *f;
	struct vmfmt_limits lim;
	struct vmfmt_info info;
	char disk[PATH_MAX + 16];

	vmfmt_limits_default(&lim);
	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", work);
	if (strcmp(format, "ova") != 0 && strcmp(format, "ovf") != 0) {
		if ((f = vmfmt_format_find(format)) == NULL)
			return err_set(err, "libvirt: no export format '%s'",
			    format);
		return vmfmt_disk_convert(disk, q, dst, f, &lim, err);
	}
	if (vmfmt_disk_check(disk, q, &lim, &info, err) != 0)
		return -1;
	vm->vm_ndisks = 1;
	snprintf(vm->vm_disks[0].vd_file, VMFMT_FILE_MAX, "disk0.qcow2");
	snprintf(vm->vm_disks[0].vd_format, sizeof(vm->vm_disks[0].vd_format),
	    "qcow2");
	vm->vm_disks[0].vd_capacity = info.vi_virtual_size;
	vm->vm_disks[0].vd_size = -1;
	vm->vm_nnics = 1;
	snprintf(vm->vm_nics[0].vn_network, VMFMT_NET_MAX, "untagged");
	if (vmfmt_vm_save(work, vm, err) != 0)
		return -1;
	if (strcmp(format, "ovf") == 0)
		return ovf_export(work, dst, &lim, bytes, err);
	return ova_export(work, dst, &lim, err);
}

int
lv_vm_export(struct driver *d, const char *name, const char *format,
    const char *path, struct drv_task *t, char *err)
{
	char dst[PATH_MAX], work[PATH_MAX], disk[PATH_MAX + 16];
	struct vmfmt_vm vm;
	struct stat st;
	int64_t bytes = -1;
	int rc = -1;

	memset(&vm, 0, sizeof(vm));
	snprintf(vm.vm_name, sizeof(vm.vm_name), "%s", name);
	if (lvio_place(d, path, dst, sizeof(dst), err) != 0 ||
	    lvio_place(d, NULL, work, sizeof(work), err) != 0)
		return -1;
	strncat(work, "/.export-XXXXXX", sizeof(work) - strlen(work) - 1);
	if (mkdtemp(work) == NULL)
		return err_errno(err, "libvirt: %s", work);
	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", work);
	if (lvio_download(d, name, disk, &vm, err) == 0 &&
	    lvio_convert_out(work, format, &vm, dst, &bytes, err) == 0 &&
	    stat(dst, &st) == 0)
		rc = 0;
	lvio_rmdir(work);
	if (rc != 0)
		return err_prefix(err, "libvirt: export of %s as %s", name,
		    format);
	t->t_bytes = (uint64_t)(bytes >= 0 ? bytes : st.st_size);
	t->t_done = 1;
	snprintf(t->t_status, sizeof(t->t_status), "libvirt's volume "
	    "download, then vmfmt and qemu-img on the workstation");
	return 0;
}

/* file (format) validated and converted into work/disk0.qcow2 (the
 * VM's first disk; a package's other disks are not imported). */
static int
lvio_convert_in(const char *file, const char *format, const char *work,
    char *err)
{
	const struct vmfmt_format *q = vmfmt_format_find("qcow2"), *f;
	struct vmfmt_limits lim;
	struct vmfmt_vm vm;
	char dst[PATH_MAX + 16];

	vmfmt_limits_default(&lim);
	snprintf(dst, sizeof(dst), "%s/disk0.qcow2", work);
	if ((f = vmfmt_format_find(format)) != NULL) {
		if (mkdir(work, 0700) != 0)
			return err_errno(err, "%s", work);
		return vmfmt_disk_convert(file, f, dst, q, &lim, err);
	}
	if (strcmp(format, "ova") == 0)
		return ova_import(file, work, &lim, &vm, err);
	if (strcmp(format, "ovf") == 0)
		return ovf_import(file, work, &lim, &vm, err);
	if (strcmp(format, "xva") == 0)
		return xva_import(file, work, &lim, &vm, err);
	return err_set(err, "no import format '%s'", format);
}

/* The imported file of the exchange place: with an OVF, the files
 * beside it that an export names. */
static void
lvio_unlink(const char *file, const char *format)
{
	char p[PATH_MAX];
	int i;

	unlink(file);
	for (i = 1; strcmp(format, "ovf") == 0 && i < OVF_EXPORT_FILES; i++)
		if (ovf_export_file(file, i, p, sizeof(p)) == 0)
			unlink(p);
}

int
lv_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	struct drv_vm_spec sp = *nv;
	char file[PATH_MAX], work[PATH_MAX + 64], disk[PATH_MAX + 80];
	int rc = -1;

	if (path[0] == '/')
		snprintf(file, sizeof(file), "%s", path);
	else if (lvio_place(d, path, file, sizeof(file), err) != 0)
		return -1;
	if (lvio_place(d, NULL, work, sizeof(work), err) != 0)
		return -1;
	snprintf(work + strlen(work), sizeof(work) - strlen(work),
	    "/.import-%s", nv->v_name);
	lvio_rmdir(work);
	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", work);
	if (lvio_convert_in(file, format, work, err) != 0)
		goto out;
	sp.v_boot_image = disk;
	sp.v_kernel = sp.v_initrd = NULL;
	rc = d->d_ops->vm_create(d, &sp, t, err);
out:
	lvio_rmdir(work);
	if (path[0] != '/')
		lvio_unlink(file, format);
	if (rc != 0)
		return err_prefix(err, "libvirt: import of %s as %s", path,
		    nv->v_name);
	snprintf(t->t_status, sizeof(t->t_status), "vmfmt and qemu-img on "
	    "the workstation, then libvirt's volume copy and define");
	return 0;
}
