/*
 * vmio.c - export and import of VMs through hvd (vmio.h): the request
 * checks, the paths confined to export_dirs and import_dirs, and the two
 * task bodies, which run in a thread of the node asked.
 *
 * Files from outside are validated by vmfmt before hvd writes anything:
 * a disk image by qemu-img info (vmfmt_disk_check), a package by its
 * importer, which unpacks it into a work directory under the node's
 * state_dir and checks every member first.  Only then are volumes made;
 * qemu-img writes them from a checked image with both formats given.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "platform/cluster.h"
#include "platform/confine.h"
#include "platform/pool.h"
#include "platform/vmio.h"
#include "platform/vmfmt/vmfmt.h"
#include "platform/vmops_priv.h"

#define CONVERT_MS	(30 * 60 * 1000L)	/* one qemu-img convert */
#define MIB		(1 << 20)

#define FAIL(st, fld, ...) do {						\
	call->vc_status = (st);						\
	snprintf(call->vc_field, VMOPS_FIELD_LEN, "%s",			\
	    (fld) != NULL ? (const char *)(fld) : "");			\
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

/* An export or import as its task runs it. */
struct io_job {
	struct vmops	*j_v;
	char		 j_id[TASK_ID_LEN];
	char		 j_vm[VM_NAME_MAX + 1];	/* locked for the task */
	char		 j_format[16];
	char		 j_path[PATH_MAX];	/* resolved */
	/* export */
	struct vm_config j_cfg;
	/* import */
	char		 j_pool[64];
	char		 j_node[HVD_NAME_MAX];
	int		 j_vcpus, j_memory_mib;
	char		 j_work[PATH_MAX];	/* its work directory, or "" */
	int		 j_made;		/* volumes made */
	char		 j_vol[VM_MAX_DISKS][128];
};

/* --- requests --- */

/* 1 for a format an export (import) takes: a disk format, "ova",
 * "ovf" (or "xva"). */
static int
io_format_ok(const char *f, int import)
{
	return vmfmt_format_find(f) != NULL || strcmp(f, "ova") == 0 ||
	    strcmp(f, "ovf") == 0 || (import && strcmp(f, "xva") == 0);
}

/* 1 for an OVF path: a descriptor, DIR/NAME.ovf. */
static int
io_ovf_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	return n > 4 && strcmp(base + n - 4, ".ovf") == 0;
}

/* format and path of body (both required), checked. */
static int
io_common_check(const cJSON *body, struct vmio_req *q, int import,
    struct vmops_call *call, char *err)
{
	char e[ERR_LEN];
	int rc = -1;

	if (json_get_string(body, "format", JSON_REQUIRED, &q->io_format,
	    e) != 0)
		FAIL(400, "format", "%s", e);
	if (!io_format_ok(q->io_format, import))
		FAIL(400, "format", "'format' must be one of %s, ova, ovf%s",
		    vmfmt_format_names(), import ? ", xva" : "");
	if (json_get_string(body, "path", JSON_REQUIRED, &q->io_path, e) != 0)
		FAIL(400, "path", "%s", e);
	if (q->io_path[0] != '/')
		FAIL(400, "path", "'path' must be absolute");
	if (strcmp(q->io_format, "ovf") == 0 && !io_ovf_path(q->io_path))
		FAIL(400, "path", "'path' of an ovf is its descriptor, "
		    "DIR/NAME.ovf (its files are DIR/NAME.mf and "
		    "DIR/NAME-diskN.vmdk)");
	rc = 0;
out:
	return rc;
}

int
vmio_export_check(const cJSON *body, struct vmio_req *q,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "format", "path", NULL };
	const char *bad = NULL;
	char e[ERR_LEN];
	int rc = -1;

	memset(q, 0, sizeof(*q));
	if (!cJSON_IsObject(body))
		FAIL(400, "format", "the body must be an object with 'format' "
		    "and 'path'");
	if (json_check_keys(body, keys, &bad, e) != 0)
		FAIL(400, bad, "%s", e);
	rc = io_common_check(body, q, 0, call, err);
out:
	return rc;
}

/* An optional integer member of body in lo..hi into *out (0 absent). */
static int
io_int(const cJSON *body, const char *key, long lo, long hi, int *out,
    struct vmops_call *call, char *err)
{
	int64_t n = 0;
	char e[ERR_LEN];
	int rc = -1;

	if (json_get_int(body, key, JSON_OPTIONAL, &n, e) != 0)
		FAIL(400, key, "%s", e);
	if (cJSON_GetObjectItemCaseSensitive(body, key) != NULL &&
	    (n < lo || n > hi))
		FAIL(400, key, "'%s' must be %ld..%ld", key, lo, hi);
	*out = (int)n;
	rc = 0;
out:
	return rc;
}

int
vmio_import_check(const cJSON *body, struct vmio_req *q,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "format", "path", "name", "pool",
	    "node", "vcpus", "memory_mib", NULL };
	const char *bad = NULL;
	char e[ERR_LEN];
	int rc = -1;

	memset(q, 0, sizeof(*q));
	if (!cJSON_IsObject(body))
		FAIL(400, "format", "the body must be an object with 'format', "
		    "'path', 'name' and 'pool'");
	if (json_check_keys(body, keys, &bad, e) != 0)
		FAIL(400, bad, "%s", e);
	if (io_common_check(body, q, 1, call, err) != 0)
		goto out;
	if (json_get_string(body, "name", JSON_REQUIRED, &q->io_name, e) != 0)
		FAIL(400, "name", "%s", e);
	if (!vm_valid_name(q->io_name))
		FAIL(400, "name", "'name' must be 1..%d letters, digits, '-', "
		    "'_' or '.', starting with a letter or digit", VM_NAME_MAX);
	if (json_get_string(body, "pool", JSON_REQUIRED, &q->io_pool, e) != 0)
		FAIL(400, "pool", "%s", e);
	if (json_get_string(body, "node", JSON_OPTIONAL, &q->io_node, e) != 0)
		FAIL(400, "node", "%s", e);
	if (io_int(body, "vcpus", 1, 64, &q->io_vcpus, call, err) != 0 ||
	    io_int(body, "memory_mib", 16, 1048576, &q->io_memory_mib, call,
	    err) != 0)
		goto out;
	rc = 0;
out:
	return rc;
}

/* --- paths --- */

/* A new file path inside dirs (key names the list): its directory
 * exists and resolves inside, its name is plain and free.  The resolved
 * path into out. */
static int
io_path_new(const char *path, const char *dirs, const char *key,
    char out[PATH_MAX], struct vmops_call *call, char *err)
{
	struct confine_req r = { dirs, key, "path", 0, "" };
	char dir[PATH_MAX], e[ERR_LEN];
	const char *base = strrchr(path, '/') + 1;
	int rc = -1;

	if (*base == '\0' || *base == '.' || strlen(base) >= 128 ||
	    strspn(base, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.+") != strlen(base))
		FAIL(400, "path", "'path' must end in a file name of letters, "
		    "digits, '-', '_', '.' or '+' (not starting with '.')");
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	if (confine_path(&r, dir, e) != 0)
		FAIL(400, "path", "%s", e);
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", r.cr_resolved, base) >=
	    PATH_MAX)
		FAIL(400, "path", "'path' is too long");
	if (access(out, F_OK) == 0)
		FAIL(409, "path", "%s exists", out);
	rc = 0;
out:
	return rc;
}

/* An existing regular file inside dirs, resolved into out. */
static int
io_path_file(const char *path, const char *dirs, char out[PATH_MAX],
    struct vmops_call *call, char *err)
{
	struct confine_req r = { dirs, "import_dirs", "path", 0, "" };
	struct stat st;
	char e[ERR_LEN];
	int rc = -1;

	if (confine_path(&r, path, e) != 0)
		FAIL(400, "path", "%s", e);
	if (stat(r.cr_resolved, &st) != 0 || !S_ISREG(st.st_mode))
		FAIL(400, "path", "path: %s is no regular file", path);
	snprintf(out, PATH_MAX, "%s", r.cr_resolved);
	rc = 0;
out:
	return rc;
}

/* --- the work --- */

static void
io_job_free(void *p)
{
	struct io_job *j = p;

	vmops_unlock_vm(j->j_v, j->j_vm, j->j_id);
	free(j);
}

static void
io_limits(struct vmfmt_limits *l)
{
	vmfmt_limits_default(l);
}

/* qemu-img convert src (format ffmt) into dst: an existing volume (-n),
 * or a new file of format tfmt with options (may be NULL). */
static int
io_convert(const char *src, const char *ffmt, const char *dst,
    const char *tfmt, const char *opts, int existing, char *err)
{
	const char *argv[12];
	int n = 0;

	argv[n++] = "qemu-img";
	argv[n++] = "convert";
	if (existing)
		argv[n++] = "-n";
	argv[n++] = "-f";
	argv[n++] = ffmt;
	argv[n++] = "-O";
	argv[n++] = tfmt;
	if (opts != NULL) {
		argv[n++] = "-o";
		argv[n++] = opts;
	}
	argv[n++] = src;
	argv[n++] = dst;
	argv[n] = NULL;
	return proc_run(argv, NULL, CONVERT_MS, NULL, err);
}

/* Disk i of the exported VM: where this node opens it, into buf. */
static int
io_disk_path(struct io_job *j, int i, char buf[POOL_PATH_MAX], char *err)
{
	const struct vm_disk *d = &j->j_cfg.disks[i];

	return pool_resolve(j->j_v->v_etcd, j->j_v->v_cf->cf_node, d->pool,
	    d->volume, buf, err);
}

/* The first disk converted to the format asked, written beside the
 * destination under a hidden name and linked to it at the end (link
 * fails rather than replace a file made meanwhile). */
static int
io_export_disk(struct task *t, struct io_job *j, char *err)
{
	const struct vmfmt_format *f = vmfmt_format_find(j->j_format);
	char src[POOL_PATH_MAX], tmp[PATH_MAX + 16], *slash;
	int fd, rc = -1;

	if (j->j_cfg.ndisks < 1)
		return err_set(err, "VM %s has no disk to export", j->j_vm);
	if (io_disk_path(j, 0, src, err) != 0)
		return -1;
	slash = strrchr(j->j_path, '/');
	snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX",
	    (int)(slash - j->j_path), j->j_path, slash + 1);
	if ((fd = mkstemp(tmp)) == -1)
		return err_errno(err, "%s", tmp);
	close(fd);
	task_log(t, "qemu-img convert %s -> %s (%s)", src, j->j_path,
	    f->vf_name);
	if (io_convert(src, j->j_cfg.disks[0].format, tmp, f->vf_qemu,
	    f->vf_options, 0, err) != 0)
		goto out;
	if (link(tmp, j->j_path) != 0) {
		err_errno(err, "%s", j->j_path);
		goto out;
	}
	rc = 0;
out:
	unlink(tmp);
	return rc;
}

/* A work directory of this node's own (state_dir/io/KIND-XXXXXX). */
static int
io_work_make(struct io_job *j, const char *kind, char *err)
{
	char base[PATH_MAX];

	snprintf(base, sizeof(base), "%s/io", j->j_v->v_cf->cf_state_dir);
	if (mkdir(base, 0700) != 0 && errno != EEXIST)
		return err_errno(err, "%s", base);
	snprintf(j->j_work, sizeof(j->j_work), "%s/%s-XXXXXX", base, kind);
	if (mkdtemp(j->j_work) == NULL) {
		err_errno(err, "%s", j->j_work);
		j->j_work[0] = '\0';
		return -1;
	}
	return 0;
}

/* Remove the work directory: what vmfmt and the export put in it. */
static void
io_work_remove(struct io_job *j)
{
	char p[PATH_MAX + 32];
	int i;

	if (j->j_work[0] == '\0')
		return;
	for (i = 0; i < VM_MAX_DISKS; i++) {
		snprintf(p, sizeof(p), "%s/pkg/disk%d.qcow2", j->j_work, i);
		unlink(p);
		snprintf(p, sizeof(p), "%s/disk%d.qcow2", j->j_work, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/pkg/vm.json", j->j_work);
	unlink(p);
	snprintf(p, sizeof(p), "%s/vm.json", j->j_work);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pkg", j->j_work);
	rmdir(p);
	if (rmdir(j->j_work) != 0)
		log_warn("%s stays", j->j_work);
	j->j_work[0] = '\0';
}

/* The VM as an OVA or an OVF: its disks copied into a work directory
 * with its vm.json, packaged by vmfmt (which writes beside the
 * destination and renames or links at the end).  The files' total size
 * into *bytes. */
static int
io_export_pkg(struct task *t, struct io_job *j, int64_t *bytes, char *err)
{
	const struct vmfmt_format *q = vmfmt_format_find("qcow2");
	struct vmfmt_limits lim;
	struct vmfmt_info info;
	struct vmfmt_vm vm;
	char src[POOL_PATH_MAX], dst[PATH_MAX + 32];
	int i, rc = -1;

	io_limits(&lim);
	if (io_work_make(j, "export", err) != 0)
		return -1;
	vmfmt_vm_from_config(&j->j_cfg, &vm);
	for (i = 0; i < j->j_cfg.ndisks; i++) {
		snprintf(dst, sizeof(dst), "%s/disk%d.qcow2", j->j_work, i);
		task_log(t, "disk %d: %s/%s", i, j->j_cfg.disks[i].pool,
		    j->j_cfg.disks[i].volume);
		if (io_disk_path(j, i, src, err) != 0 ||
		    io_convert(src, j->j_cfg.disks[i].format, dst, "qcow2",
		    NULL, 0, err) != 0 ||
		    vmfmt_disk_check(dst, q, &lim, &info, err) != 0)
			goto out;
		vm.vm_disks[i].vd_capacity = info.vi_virtual_size;
		task_progress(t, 0.8 * (i + 1) / j->j_cfg.ndisks);
	}
	if (vmfmt_vm_save(j->j_work, &vm, err) != 0 ||
	    (strcmp(j->j_format, "ova") == 0 ?
	    ova_export(j->j_work, j->j_path, &lim, err) :
	    ovf_export(j->j_work, j->j_path, &lim, bytes, err)) != 0)
		goto out;
	rc = 0;
out:
	io_work_remove(j);
	return rc;
}

static int
io_task_export(struct task *t, void *arg, char *err)
{
	struct io_job *j = arg;
	struct stat st;
	int64_t bytes = -1;
	cJSON *res;
	int rc;

	if (vmfmt_format_find(j->j_format) == NULL)
		rc = io_export_pkg(t, j, &bytes, err);
	else
		rc = io_export_disk(t, j, err);
	if (rc != 0 || stat(j->j_path, &st) != 0)
		return err_prefix(err, "export of %s", j->j_vm);
	if (bytes < 0)
		bytes = st.st_size;
	task_log(t, "%s: %lld bytes", j->j_path, (long long)bytes);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "path", j->j_path);
	cJSON_AddNumberToObject(res, "bytes", (double)bytes);
	task_set_result(t, res);
	return 0;
}

/* --- import --- */

/* The package read into vm and the images to copy (src[i], their
 * qemu-img format into *fmt): a disk image checked as it is, or an
 * OVA, OVF or XVA unpacked and checked into the work directory. */
static int
io_read(struct io_job *j, struct vmfmt_vm *vm, char src[][PATH_MAX + 32],
    const char **fmt, char *err)
{
	const struct vmfmt_format *f = vmfmt_format_find(j->j_format);
	struct vmfmt_limits lim;
	struct vmfmt_info info;
	char dest[PATH_MAX + 8];
	int i, rc;

	io_limits(&lim);
	memset(vm, 0, sizeof(*vm));
	if (f != NULL) {
		if (vmfmt_disk_check(j->j_path, f, &lim, &info, err) != 0)
			return -1;
		vm->vm_ndisks = 1;
		vm->vm_disks[0].vd_capacity = info.vi_virtual_size;
		vm->vm_nnics = 1;
		snprintf(vm->vm_nics[0].vn_network, VMFMT_NET_MAX, "untagged");
		snprintf(src[0], PATH_MAX + 32, "%s", j->j_path);
		*fmt = f->vf_qemu;
		return 0;
	}
	if (io_work_make(j, "import", err) != 0)
		return -1;
	snprintf(dest, sizeof(dest), "%s/pkg", j->j_work);
	if (strcmp(j->j_format, "ova") == 0)
		rc = ova_import(j->j_path, dest, &lim, vm, err);
	else if (strcmp(j->j_format, "ovf") == 0)
		rc = ovf_import(j->j_path, dest, &lim, vm, err);
	else
		rc = xva_import(j->j_path, dest, &lim, vm, err);
	for (i = 0; rc == 0 && i < vm->vm_ndisks; i++)
		snprintf(src[i], PATH_MAX + 32, "%s/disk%d.qcow2", dest, i);
	*fmt = "qcow2";
	return rc;
}

/* Volume i of the new VM made (of the image's size) and filled. */
static int
io_volume(struct io_job *j, int i, const struct vmfmt_vm *vm,
    const char *src, const char *fmt, char *err)
{
	struct volume_spec vs;
	struct pool_call pc;
	char dst[POOL_PATH_MAX];
	cJSON *out = NULL;

	memset(&vs, 0, sizeof(vs));
	snprintf(j->j_vol[i], sizeof(j->j_vol[i]), "%s-disk%d", j->j_vm, i);
	vs.vs_pool = j->j_pool;
	vs.vs_name = j->j_vol[i];
	vs.vs_mib = (vm->vm_disks[i].vd_capacity + MIB - 1) / MIB;
	vmops_pool_call(j->j_v, &pc);
	if (volume_make(j->j_v->v_etcd, &vs, &out, &pc, err) != 0)
		return err_prefix(err, "disk %d", i);
	cJSON_Delete(out);
	j->j_made++;
	if (pool_resolve(j->j_v->v_etcd, j->j_v->v_cf->cf_node, j->j_pool,
	    j->j_vol[i], dst, err) != 0 ||
	    io_convert(src, fmt, dst, "qcow2", NULL, 1, err) != 0)
		return err_prefix(err, "disk %d: copy", i);
	return 0;
}

/* The new VM's record, create-if-absent. */
static int
io_record(struct io_job *j, struct vmfmt_vm *vm, char *err)
{
	struct vmops_call call = { "import", 500, "", "" };
	const char *vols[VM_MAX_DISKS];
	struct vm_config c;
	cJSON *rec;
	char ts[32];
	int i, rc;

	snprintf(vm->vm_name, sizeof(vm->vm_name), "%s", j->j_vm);
	if (j->j_vcpus > 0 || vm->vm_vcpus < 1)
		vm->vm_vcpus = j->j_vcpus > 0 ? j->j_vcpus : 1;
	if (j->j_memory_mib > 0 || vm->vm_memory_mib < 16)
		vm->vm_memory_mib = j->j_memory_mib > 0 ? j->j_memory_mib :
		    128;
	for (i = 0; i < vm->vm_ndisks; i++)
		vols[i] = j->j_vol[i];
	if (vmfmt_vm_to_config(vm, j->j_pool, vols, &c, err) != 0)
		return err_prefix(err, "the VM's config");
	rec = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(rec, "node", j->j_node);
	cJSON_AddItemToObject(rec, "config", vm_config_to_json(&c));
	cJSON_AddStringToObject(rec, "created", ts);
	cJSON_AddStringToObject(rec, "imported_from", j->j_format);
	rc = vmops_rec_put(j->j_v, j->j_vm, rec, 0, &call, err);
	cJSON_Delete(rec);
	if (rc == 0)
		vmops_state_put(j->j_v, j->j_vm, "stopped", NULL, NULL);
	return rc;
}

/* Delete the volumes a failed import made. */
static void
io_undo(struct io_job *j)
{
	char who[VM_NAME_MAX + 16];

	snprintf(who, sizeof(who), "import %s", j->j_vm);
	while (j->j_made > 0) {
		j->j_made--;
		vmops_volume_undo(j->j_v, who, j->j_pool, j->j_vol[j->j_made]);
	}
}

static int
io_task_import(struct task *t, void *arg, char *err)
{
	struct io_job *j = arg;
	static struct vmfmt_vm vm_zero;
	struct vmfmt_vm vm = vm_zero;
	char src[VM_MAX_DISKS][PATH_MAX + 32];
	const char *fmt = NULL;
	cJSON *res;
	int i, rc = -1;

	task_log(t, "validate %s (%s)", j->j_path, j->j_format);
	if (io_read(j, &vm, src, &fmt, err) != 0)
		goto out;
	task_progress(t, 0.3);
	for (i = 0; i < vm.vm_ndisks; i++) {
		task_log(t, "disk %d into %s/%s-disk%d", i, j->j_pool, j->j_vm,
		    i);
		if (io_volume(j, i, &vm, src[i], fmt, err) != 0)
			goto out;
		task_progress(t, 0.3 + 0.6 * (i + 1) / vm.vm_ndisks);
	}
	if (io_record(j, &vm, err) != 0)
		goto out;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "vm", j->j_vm);
	cJSON_AddNumberToObject(res, "disks", vm.vm_ndisks);
	task_set_result(t, res);
	rc = 0;
out:
	if (rc != 0) {
		io_undo(j);
		err_prefix(err, "import of %s", j->j_path);
	}
	io_work_remove(j);
	return rc;
}

/* --- the API side --- */

/* Record task type on this node for j, lock j's VM for it and run fn in
 * a thread: 0 with call's id and 202, or -1 (j freed either way). */
static int
io_start(struct io_job *j, const char *type, task_fn fn,
    int (*check)(struct io_job *, struct vmops_call *, char *),
    struct vmops_call *call, char *err)
{
	struct vmops *v = j->j_v;
	struct task_desc td = { v->v_cf->cf_node, type, j->j_vm,
	    call->vc_user };
	int rc = -1;

	if (task_create(v->v_etcd, &td, j->j_id, err) != 0) {
		free(j);
		FAIL(503, NULL, "%s", err);
	}
	if (vmops_lock_call(v, j->j_vm, j->j_id, call, err) != 0) {
		task_fail(v->v_etcd, j->j_id, err, NULL);
		free(j);
		goto out;
	}
	snprintf(call->vc_id, sizeof(call->vc_id), "%s", j->j_id);
	if (check != NULL && check(j, call, err) != 0) {
		task_fail(v->v_etcd, j->j_id, err, NULL);
		io_job_free(j);
		goto out;
	}
	if (task_run(v->v_etcd, j->j_id, fn, j, io_job_free, err) != 0) {
		task_fail(v->v_etcd, j->j_id, err, NULL);
		FAIL(500, NULL, "%s", err);
	}
	call->vc_status = 202;
	rc = 0;
out:
	return rc;
}

/* Under the lock: the VM is stopped and its disks open here. */
static int
io_export_ready(struct io_job *j, struct vmops_call *call, char *err)
{
	char st[32], path[POOL_PATH_MAX];
	int i, rc = -1;

	if (vmops_state_get(j->j_v, j->j_vm, st, sizeof(st), err) != 0)
		FAIL(503, NULL, "%s", err);
	if (strcmp(st, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s; stop it to export it", j->j_vm,
		    st);
	for (i = 0; i < j->j_cfg.ndisks; i++)
		if (io_disk_path(j, i, path, err) != 0)
			FAIL(409, NULL, "disks[%d]: %s", i, err);
	rc = 0;
out:
	return rc;
}

int
vmio_export(struct vmops *v, const char *name, const cJSON *body,
    struct vmops_call *call, char *err)
{
	struct vmio_req q;
	struct io_job *j = NULL;
	cJSON *rec = NULL;
	int rc = -1;

	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    vmio_export_check(body, &q, call, err) != 0 ||
	    vmops_rec_find(v, name, &rec, NULL, call, err) != 0)
		goto out;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		FAIL(500, NULL, "out of memory");
	j->j_v = v;
	snprintf(j->j_vm, sizeof(j->j_vm), "%s", name);
	snprintf(j->j_format, sizeof(j->j_format), "%s", q.io_format);
	if (vmops_rec_config(rec, &j->j_cfg, err) != 0)
		FAIL(500, NULL, "%s", err);
	if (io_path_new(q.io_path, v->v_cf->cf_export_dirs, "export_dirs",
	    j->j_path, call, err) != 0)
		goto out;
	rc = io_start(j, "vmexport", io_task_export, io_export_ready, call,
	    err);
	j = NULL;
out:
	free(j);
	cJSON_Delete(rec);
	return rc;
}

/* Under the lock on the new name: no VM has it. */
static int
io_import_ready(struct io_job *j, struct vmops_call *call, char *err)
{
	cJSON *other = NULL;
	int r, rc = -1;

	if ((r = vmops_rec_get(j->j_v, j->j_vm, &other, NULL, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r > 0)
		FAIL(409, "name", "a VM named '%s' exists", j->j_vm);
	rc = 0;
out:
	cJSON_Delete(other);
	return rc;
}

/* What the import names on the cluster: its pool and node. */
static int
io_import_where(struct vmops *v, const struct vmio_req *q,
    struct vmops_call *call, char *err)
{
	struct pool_call pc;
	cJSON *p = NULL;
	int r, online = 0, rc = -1;

	vmops_pool_call(v, &pc);
	if (pool_get(v->v_etcd, q->io_pool, &p, &pc, err) != 0)
		FAIL(pc.pc_status == 404 ? 400 : pc.pc_status, "pool", "%s",
		    err);
	if (q->io_node != NULL && (r = cluster_node_info(v->v_cl, q->io_node,
	    NULL, 0, &online, err)) <= 0)
		FAIL(r < 0 ? 503 : 400, "node", "%s", r < 0 ? err :
		    "no such node in the cluster");
	rc = 0;
out:
	cJSON_Delete(p);
	return rc;
}

int
vmio_import(struct vmops *v, const cJSON *body, struct vmops_call *call,
    char *err)
{
	struct vmio_req q;
	struct io_job *j = NULL;
	int rc = -1;

	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    vmio_import_check(body, &q, call, err) != 0 ||
	    io_import_where(v, &q, call, err) != 0)
		goto out;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		FAIL(500, NULL, "out of memory");
	j->j_v = v;
	snprintf(j->j_vm, sizeof(j->j_vm), "%s", q.io_name);
	snprintf(j->j_format, sizeof(j->j_format), "%s", q.io_format);
	snprintf(j->j_pool, sizeof(j->j_pool), "%s", q.io_pool);
	snprintf(j->j_node, sizeof(j->j_node), "%s", q.io_node ? q.io_node :
	    v->v_cf->cf_node);
	j->j_vcpus = q.io_vcpus;
	j->j_memory_mib = q.io_memory_mib;
	if (io_path_file(q.io_path, v->v_cf->cf_import_dirs, j->j_path, call,
	    err) != 0)
		goto out;
	rc = io_start(j, "vmimport", io_task_import, io_import_ready, call,
	    err);
	j = NULL;
out:
	free(j);
	return rc;
}
