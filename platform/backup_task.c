/*
 * backup_task.c - a backup of a VM, on the VM's node (backup.h): every
 * writable disk copied by a QEMU backup job into a zstd-compressed qcow2
 * of the store, the disk's persistent dirty bitmap cleared or added in
 * the same QMP transaction that starts a full backup, an incremental one
 * copying only what that bitmap marks into a qcow2 backed by the
 * previous backup's.  A running VM's own QEMU runs the jobs, so the
 * guest runs on; a stopped VM's disks are opened by a qemu-storage-daemon
 * for the time of the backup, so both take the same path.  The backup
 * is written under STORE/.ID.part and renamed to STORE/ID once its
 * manifest is complete.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "platform/backup_priv.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/qmp.h"
#include "platform/snapshot.h"
#include "platform/vmops_priv.h"

#define QMP_MS		10000		/* one QMP command */
#define JOB_MS		(30 * 60000)	/* the backup jobs together */
#define QSD_MS		10000		/* qemu-storage-daemon's greeting */

/* One backup as it goes. */
struct bk_job {
	struct task		*b_task;
	struct vm_op		*b_op;
	struct vmops		*b_v;
	struct bk_store		 b_store;
	int			 b_incr;
	int			 b_auto;	/* incremental, else full */
	char			 b_id[BACKUP_ID_MAX];
	char			 b_parent[BACKUP_ID_MAX];	/* or "" */
	char			 b_tmp[PATH_MAX];	/* STORE/.ID.part */
	char			 b_started[32];
	cJSON			*b_rec;		/* the VM's record */
	struct vm_config	 b_conf;	/* its config, paths resolved */
	struct vm_slot		*b_slot;	/* held while the VM runs */
	struct qmp		*b_qmp;		/* QEMU's or the daemon's */
	pid_t			 b_qsd;		/* the daemon, or 0 */
	int			 b_stopped;	/* the VM was stopped */
	char			 b_qsd_sock[PATH_MAX];
	int			 b_idx[VM_MAX_DISKS];	/* disks covered */
	char			 b_node[VM_MAX_DISKS][64]; /* their nodes */
	int64_t			 b_size[VM_MAX_DISKS];	/* virtual bytes */
	int			 b_n;
	double			 b_pause_ms;	/* -1: no guest ran */
};

/* --- the parent of an incremental backup --- */

/* The backup the disks' bitmaps count from, if it is in this store:
 * into b_parent, 0; -1 + err when an incremental one cannot be made. */
static int
parent_find(struct bk_job *b, char *err)
{
	char key[128];
	struct etcd_kv kv;
	const char *store = "", *last = "";
	cJSON *o = NULL, *m = NULL;
	int r, rc = -1;

	snprintf(key, sizeof(key), "%s%s", KEY_BACKUP_HEADS, b->b_op->o_vm);
	if ((r = etcd_get(b->b_v->v_etcd, key, &kv, err)) < 0)
		return -1;
	if (r == 1) {
		o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
		etcd_kv_clear(&kv);
		json_get_string(o, "store", JSON_OPTIONAL, &store, NULL);
		json_get_string(o, "last", JSON_OPTIONAL, &last, NULL);
	}
	if (r == 0 || strcmp(store, b->b_store.bs_name) != 0) {
		err_set(err, "VM %s has no backup in store %s its disks' "
		    "changes count from: take a full backup first",
		    b->b_op->o_vm, b->b_store.bs_name);
		goto out;
	}
	if ((r = backup_manifest_read(b->b_store.bs_dir, last, &m,
	    err)) <= 0) {
		if (r == 0)
			err_set(err, "backup %s, which VM %s's disks' changes "
			    "count from, is gone from store %s: take a full "
			    "backup", last, b->b_op->o_vm, b->b_store.bs_name);
		goto out;
	}
	snprintf(b->b_parent, sizeof(b->b_parent), "%s", last);
	rc = 0;
out:
	cJSON_Delete(o);
	cJSON_Delete(m);
	return rc;
}

/* The head: the disks' bitmaps count from backup id (NULL: from none,
 * the key goes).  0 or -1 + err. */
static int
head_put(struct vmops *v, const char *vm, const char *store, const char *id,
    char *err)
{
	char key[128];
	cJSON *o;
	char *s;
	int rc;

	snprintf(key, sizeof(key), "%s%s", KEY_BACKUP_HEADS, vm);
	if (id == NULL)
		return etcd_delete(v->v_etcd, key, 0, err) < 0 ? -1 : 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "store", store);
	cJSON_AddStringToObject(o, "last", id);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return err_set(err, "out of memory");
	rc = etcd_put(v->v_etcd, key, s, 0, err);
	free(s);
	return rc;
}

/* --- the VM --- */

/* The VM's record (this node's VM), its config, the disks covered and
 * the running QEMU's slot when it runs.  0 or -1 + err. */
static int
job_open(struct bk_job *b, struct task *t, void *arg, char *err)
{
	const char *store = "", *mode = "full", *field;
	int r;

	memset(b, 0, sizeof(*b));
	b->b_task = t;
	b->b_op = arg;
	b->b_v = b->b_op->o_v;
	b->b_pause_ms = -1;
	json_get_string(b->b_op->o_params, "store", JSON_OPTIONAL, &store,
	    NULL);
	json_get_string(b->b_op->o_params, "mode", JSON_OPTIONAL, &mode, NULL);
	b->b_auto = strcmp(mode, "auto") == 0;
	b->b_incr = b->b_auto || strcmp(mode, "incremental") == 0;
	if (bk_store_here(b->b_v, store, &b->b_store, err) != 0)
		return -1;
	if ((r = vmops_rec_get(b->b_v, b->b_op->o_vm, &b->b_rec, NULL,
	    err)) != 1)
		return r == 0 ? err_set(err, "VM %s does not exist",
		    b->b_op->o_vm) : -1;
	if (strcmp(vmops_rec_node(b->b_rec), b->b_v->v_cf->cf_node) != 0)
		return err_set(err, "VM %s now belongs to node %s",
		    b->b_op->o_vm, vmops_rec_node(b->b_rec));
	if (vmops_rec_config(b->b_rec, &b->b_conf, err) != 0 ||
	    vmops_resolve_paths(b->b_v, &b->b_conf, err) != 0 ||
	    (b->b_n = snapshot_disks(&b->b_conf, b->b_idx, &field, err)) < 0)
		return -1;
	if ((b->b_slot = vmops_slot_take(b->b_v, b->b_op->o_vm, 0)) == NULL)
		return 0;
	if (b->b_slot->s_used && vm_proc_alive(&b->b_slot->s_proc) &&
	    b->b_slot->s_proc.qmp != NULL) {
		b->b_qmp = b->b_slot->s_proc.qmp;
		return 0;
	}
	vmops_slot_give(b->b_v, b->b_slot, b->b_slot->s_used);
	b->b_slot = NULL;
	return 0;
}

/* A stopped VM: a qemu-storage-daemon opens its disks (nodes
 * hvd-diskI) and speaks QMP on a socket of hvd's run directory. */
static int
qsd_start(struct bk_job *b, char *err)
{
	char nodes[VM_MAX_DISKS][PATH_MAX + 96], mon[PATH_MAX + 64];
	const char *argv[2 * VM_MAX_DISKS + 8];
	struct proc_opts po = { .stdin_null = 1, .die_with_parent = 1 };
	int i, a = 0;

	b->b_stopped = 1;
	snprintf(b->b_qsd_sock, sizeof(b->b_qsd_sock), "%s/backup-%s.qmp",
	    b->b_v->v_cf->cf_run_dir, b->b_op->o_vm);
	unlink(b->b_qsd_sock);
	argv[a++] = "qemu-storage-daemon";
	for (i = 0; i < b->b_n; i++) {
		snprintf(nodes[i], sizeof(nodes[i]), "driver=qcow2,"
		    "node-name=hvd-disk%d,file.driver=file,file.filename=%s",
		    b->b_idx[i], b->b_conf.disks[b->b_idx[i]].path);
		argv[a++] = "--blockdev";
		argv[a++] = nodes[i];
		snprintf(b->b_node[i], sizeof(b->b_node[i]), "hvd-disk%d",
		    b->b_idx[i]);
	}
	snprintf(mon, sizeof(mon), "socket,path=%s,server=on,wait=off,id=m",
	    b->b_qsd_sock);
	argv[a++] = "--chardev";
	argv[a++] = mon;
	argv[a++] = "--monitor";
	argv[a++] = "chardev=m";
	argv[a] = NULL;
	if ((b->b_qsd = proc_spawn(argv, &po, err)) < 0) {
		b->b_qsd = 0;
		return -1;
	}
	if ((b->b_qmp = qmp_connect(b->b_qsd_sock, QSD_MS, err)) == NULL)
		return err_prefix(err, "qemu-storage-daemon");
	return 0;
}

/* The daemon ends: SIGTERM lets it write the persistent bitmaps into
 * the qcow2s as it closes them. */
static void
qsd_stop(struct bk_job *b)
{
	if (b->b_qsd == 0)
		return;
	if (b->b_qmp != NULL)
		qmp_close(b->b_qmp);
	b->b_qmp = NULL;
	proc_stop(b->b_qsd, 30000);
	unlink(b->b_qsd_sock);
	b->b_qsd = 0;
}

static void
job_close(struct bk_job *b)
{
	qsd_stop(b);
	if (b->b_slot != NULL)
		vmops_slot_give(b->b_v, b->b_slot, b->b_slot->s_used);
	cJSON_Delete(b->b_rec);
}

/* Each covered disk's block node and virtual size, and whether it has
 * the bitmap (bits, 1 per disk; an inconsistent one, left by a QEMU
 * that did not close the image, counts as none).  0 or -1 + err. */
static int
disks_look(struct bk_job *b, int has[VM_MAX_DISKS], char *err)
{
	cJSON *a = cJSON_CreateObject(), *ret = NULL, *n, *bm;
	const char *name;
	int i, incons, rc = -1;

	for (i = 0; i < b->b_n && !b->b_stopped; i++)
		if (snapshot_disk_node(b->b_qmp, b->b_idx[i], b->b_node[i],
		    sizeof(b->b_node[i]), err) != 0)
			goto out;
	cJSON_AddTrueToObject(a, "flat");
	if (qmp_execute(b->b_qmp, "query-named-block-nodes", a, &ret, QMP_MS,
	    err) != 0)
		return -1;
	for (i = 0; i < b->b_n; i++) {
		has[i] = 0;
		b->b_size[i] = -1;
		cJSON_ArrayForEach(n, ret) {
			name = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(n, "node-name"));
			if (name == NULL || strcmp(name, b->b_node[i]) != 0)
				continue;
			json_get_int(cJSON_GetObjectItemCaseSensitive(n,
			    "image"), "virtual-size", JSON_OPTIONAL,
			    &b->b_size[i], NULL);
			cJSON_ArrayForEach(bm, cJSON_GetObjectItemCaseSensitive(
			    n, "dirty-bitmaps")) {
				incons = 0;
				json_get_bool(bm, "inconsistent",
				    JSON_OPTIONAL, &incons, NULL);
				name = cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(bm,
				    "name"));
				if (name && strcmp(name, BACKUP_BITMAP) == 0)
					has[i] = incons ? -1 : 1;
			}
		}
		if (b->b_size[i] < 0) {
			err_set(err, "disks[%d]: QEMU has no node %s",
			    b->b_idx[i], b->b_node[i]);
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(ret);
	return rc;
}

/* --- the store side --- */

/* The backup's id from the time now, and its start.  Ids have seconds
 * (vzdump's form): a second backup of the VM within the same second
 * waits for the next one.  0 or -1 + err. */
static int
id_pick(struct bk_job *b, char *err)
{
	char path[PATH_MAX];
	uint64_t now;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		now = clock_wall_ns();
		if (backup_id_make(b->b_op->o_vm, (time_t)(now / 1000000000ULL),
		    b->b_id, sizeof(b->b_id)) != 0)
			return err_set(err, "VM name %s is too long for a "
			    "backup id", b->b_op->o_vm);
		snprintf(path, sizeof(path), "%s/%s", b->b_store.bs_dir,
		    b->b_id);
		if (access(path, F_OK) != 0) {
			clock_format_wall(now, b->b_started,
			    sizeof(b->b_started));
			return 0;
		}
		clock_sleep_ns(1000000000ULL - now % 1000000000ULL);
	}
	return err_set(err, "backup %s exists in store %s", b->b_id,
	    b->b_store.bs_name);
}

/* STORE/.ID.part with an empty qcow2 per disk (zstd clusters; backed by
 * the parent's disk when incremental).  0 or -1 + err. */
static int
targets_make(struct bk_job *b, char *err)
{
	char path[PATH_MAX], size[32], back[BACKUP_ID_MAX + 32];
	const char *argv[14];
	int i, a;

	snprintf(b->b_tmp, sizeof(b->b_tmp), "%s/.%s.part",
	    b->b_store.bs_dir, b->b_id);
	snprintf(path, sizeof(path), "%s/%s", b->b_store.bs_dir, b->b_id);
	if (access(path, F_OK) == 0)
		return err_set(err, "backup %s exists in store %s", b->b_id,
		    b->b_store.bs_name);
	if (mkdir(b->b_tmp, 0700) != 0)
		return err_errno(err, "%s", b->b_tmp);
	for (i = 0; i < b->b_n; i++) {
		snprintf(path, sizeof(path), "%s/disk%d.qcow2", b->b_tmp,
		    b->b_idx[i]);
		snprintf(size, sizeof(size), "%lld", (long long)b->b_size[i]);
		a = 0;
		argv[a++] = "qemu-img";
		argv[a++] = "create";
		argv[a++] = "-q";
		argv[a++] = "-f";
		argv[a++] = "qcow2";
		argv[a++] = "-o";
		argv[a++] = "compression_type=zstd";
		if (b->b_incr) {
			/* relative: the store keeps working when moved */
			snprintf(back, sizeof(back), "../%s/disk%d.qcow2",
			    b->b_parent, b->b_idx[i]);
			argv[a++] = "-b";
			argv[a++] = back;
			argv[a++] = "-F";
			argv[a++] = "qcow2";
		}
		argv[a++] = path;
		argv[a++] = size;
		argv[a] = NULL;
		if (bk_img(argv, NULL, err) != 0)
			return err_prefix(err, "disks[%d]", b->b_idx[i]);
	}
	return 0;
}

/* Remove a directory of plain files (a backup, or one half written). */
int
bk_dir_remove(const char *dir, char *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : err_errno(err, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) == 0 ? 0 : err_errno(err, "rmdir %s", dir);
}

/* --- QMP: targets, the transaction, the jobs --- */

/* Open (add) or close target node hvd-bkI of covered disk i. */
static int
target_node(struct bk_job *b, int i, int add, char *err)
{
	char node[32], path[PATH_MAX];
	cJSON *a = cJSON_CreateObject(), *f;

	snprintf(node, sizeof(node), "hvd-bk%d", b->b_idx[i]);
	cJSON_AddStringToObject(a, "node-name", node);
	if (!add)
		return qmp_execute(b->b_qmp, "blockdev-del", a, NULL, QMP_MS,
		    err);
	snprintf(path, sizeof(path), "%s/disk%d.qcow2", b->b_tmp,
	    b->b_idx[i]);
	cJSON_AddStringToObject(a, "driver", "qcow2");
	f = cJSON_AddObjectToObject(a, "file");
	cJSON_AddStringToObject(f, "driver", "file");
	cJSON_AddStringToObject(f, "filename", path);
	return qmp_execute(b->b_qmp, "blockdev-add", a, NULL, QMP_MS, err);
}

/* One action of a transaction: type and its data (taken over). */
static void
act_add(cJSON *acts, const char *type, cJSON *data)
{
	cJSON *act = cJSON_CreateObject();

	cJSON_AddStringToObject(act, "type", type);
	cJSON_AddItemToObject(act, "data", data);
	cJSON_AddItemToArray(acts, act);
}

/* The bitmap action of a full backup of disk i: clear the bitmap it
 * has, or add a persistent one. */
static void
act_bitmap(cJSON *acts, const struct bk_job *b, int i, int has)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "node", b->b_node[i]);
	cJSON_AddStringToObject(d, "name", BACKUP_BITMAP);
	if (has == 1) {
		act_add(acts, "block-dirty-bitmap-clear", d);
		return;
	}
	cJSON_AddTrueToObject(d, "persistent");
	act_add(acts, "block-dirty-bitmap-add", d);
}

static void
act_backup(cJSON *acts, const struct bk_job *b, int i)
{
	cJSON *d = cJSON_CreateObject();
	char id[32];

	snprintf(id, sizeof(id), "hvd-bkjob%d", b->b_idx[i]);
	cJSON_AddStringToObject(d, "job-id", id);
	cJSON_AddStringToObject(d, "device", b->b_node[i]);
	snprintf(id, sizeof(id), "hvd-bk%d", b->b_idx[i]);
	cJSON_AddStringToObject(d, "target", id);
	cJSON_AddStringToObject(d, "sync", b->b_incr ? "incremental" :
	    "full");
	if (b->b_incr)
		cJSON_AddStringToObject(d, "bitmap", BACKUP_BITMAP);
	cJSON_AddTrueToObject(d, "compress");
	/* concluded jobs stay until dismissed, so their errors are read */
	cJSON_AddFalseToObject(d, "auto-dismiss");
	act_add(acts, "blockdev-backup", d);
}

/* The guest's pause: QEMU's STOP to RESUME when it stopped the guest,
 * plus the transaction's round trip, the time QEMU's main loop held the
 * disks drained (the guest's vCPUs run on, its disk I/O waits). */
static double
pause_seen(struct qmp *q, uint64_t t0, uint64_t t1)
{
	struct qmp_event ev;
	int64_t stop = -1, stopped_us = 0;

	while (qmp_event_next(q, &ev, 0, NULL) == 1) {
		if (strcmp(ev.name, "STOP") == 0)
			stop = ev.ts_us;
		else if (strcmp(ev.name, "RESUME") == 0 && stop >= 0) {
			stopped_us += ev.ts_us - stop;
			stop = -1;
		}
		qmp_event_free(&ev);
	}
	return (double)(t1 - t0) / 1e6 + (double)stopped_us / 1000.0;
}

/* Start every disk's backup job at one instant (one transaction). */
static int
jobs_start(struct bk_job *b, const int has[VM_MAX_DISKS], char *err)
{
	struct qmp_event ev;
	cJSON *a = cJSON_CreateObject(), *acts;
	uint64_t t0, t1;
	int i, rc;

	acts = cJSON_AddArrayToObject(a, "actions");
	for (i = 0; i < b->b_n; i++) {
		if (!b->b_incr)
			act_bitmap(acts, b, i, has[i]);
		act_backup(acts, b, i);
	}
	while (qmp_event_next(b->b_qmp, &ev, 0, NULL) == 1)
		qmp_event_free(&ev);
	t0 = clock_mono_ns();
	rc = qmp_execute(b->b_qmp, "transaction", a, NULL, QMP_MS, err);
	t1 = clock_mono_ns();
	if (!b->b_stopped)
		b->b_pause_ms = pause_seen(b->b_qmp, t0, t1);
	return rc;
}

/* Wait for every job to conclude, dismissing each: 0, or -1 + err (the
 * first job's error). */
static int
jobs_wait(struct bk_job *b, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)JOB_MS * NS_PER_MS;
	cJSON *ret = NULL, *j, *d;
	const char *id, *st, *e;
	int64_t done, total, sum_d, sum_t;
	int left, rc = 0;

	do {
		cJSON_Delete(ret);
		ret = NULL;
		clock_sleep_ns(20 * NS_PER_MS);
		if (qmp_execute(b->b_qmp, "query-jobs", NULL, &ret, QMP_MS,
		    err) != 0)
			return -1;
		left = 0;
		sum_d = sum_t = 0;
		cJSON_ArrayForEach(j, ret) {
			id = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(j, "id"));
			if (id == NULL || strncmp(id, "hvd-bkjob", 9) != 0)
				continue;
			st = "";
			done = total = 0;
			json_get_string(j, "status", JSON_OPTIONAL, &st, NULL);
			json_get_int(j, "current-progress", JSON_OPTIONAL,
			    &done, NULL);
			json_get_int(j, "total-progress", JSON_OPTIONAL,
			    &total, NULL);
			sum_d += done;
			sum_t += total;
			if (strcmp(st, "concluded") != 0) {
				left++;
				continue;
			}
			e = NULL;
			json_get_string(j, "error", JSON_OPTIONAL, &e, NULL);
			if (e != NULL && rc == 0)
				rc = err_set(err, "%s: %s", id, e);
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "id", id);
			qmp_execute(b->b_qmp, "job-dismiss", d, NULL, QMP_MS,
			    NULL);
		}
		if (sum_t > 0)
			task_progress(b->b_task, 0.9 * (double)sum_d /
			    (double)sum_t);
	} while (left > 0 && clock_mono_ns() < end);
	cJSON_Delete(ret);
	if (left > 0)
		return err_set(err, "the backup jobs did not end within %d "
		    "min", JOB_MS / 60000);
	return rc;
}

/* A full backup that failed leaves no bitmap: its bits would count from
 * a backup that does not exist. */
static void
bitmaps_drop(struct bk_job *b)
{
	cJSON *a;
	int i;

	for (i = 0; i < b->b_n; i++) {
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "node", b->b_node[i]);
		cJSON_AddStringToObject(a, "name", BACKUP_BITMAP);
		qmp_execute(b->b_qmp, "block-dirty-bitmap-remove", a, NULL,
		    QMP_MS, NULL);
	}
}

/* Copy the disks into the targets: the QMP half of a backup. */
static int
copy_disks(struct bk_job *b, char *err)
{
	int has[VM_MAX_DISKS], i, added = 0, started = 0, rc = -1;
	char e2[ERR_LEN];

	if (disks_look(b, has, err) != 0)
		goto out;
	for (i = 0; i < b->b_n && b->b_incr; i++)
		if (has[i] != 1 && b->b_auto) {
			task_log(b->b_task, "disks[%d] has no usable bitmap: "
			    "a full backup", b->b_idx[i]);
			b->b_incr = 0;
		} else if (has[i] != 1) {
			err_set(err, "disks[%d] has %s bitmap of its changes "
			    "(an unclean stop or a restore): take a full "
			    "backup", b->b_idx[i], has[i] < 0 ?
			    "an inconsistent" : "no");
			goto out;
		}
	if (targets_make(b, err) != 0)
		goto out;
	for (added = 0; added < b->b_n; added++)
		if (target_node(b, added, 1, err) != 0)
			goto out;
	if (jobs_start(b, has, err) != 0)
		goto out;
	started = 1;
	task_log(b->b_task, "%s backup of %d disk(s) started; guest pause "
	    "%.1f ms", b->b_incr ? "incremental" : "full", b->b_n,
	    b->b_pause_ms);
	rc = jobs_wait(b, err);
out:
	if (rc != 0 && started && !b->b_incr)
		bitmaps_drop(b);
	for (i = 0; i < added; i++)
		if (target_node(b, i, 0, e2) != 0)
			log_warnx("vm %s: backup target %d: %s",
			    b->b_op->o_vm, i, e2);
	return rc;
}

/* --- the manifest --- */

/* One disk of the manifest: file, sizes, SHA-256.  NULL + err. */
static cJSON *
manifest_disk(struct bk_job *b, int i, char *err)
{
	const struct vm_disk *d = &b->b_conf.disks[b->b_idx[i]];
	char path[PATH_MAX], file[32], hex[65];
	struct stat st;
	cJSON *o;

	snprintf(file, sizeof(file), "disk%d.qcow2", b->b_idx[i]);
	snprintf(path, sizeof(path), "%s/%s", b->b_tmp, file);
	if (stat(path, &st) != 0) {
		err_errno(err, "%s", path);
		return NULL;
	}
	if (backup_file_sha256(path, hex, err) != 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "index", b->b_idx[i]);
	cJSON_AddStringToObject(o, "pool", d->pool);
	cJSON_AddStringToObject(o, "volume", d->volume);
	cJSON_AddStringToObject(o, "file", file);
	cJSON_AddNumberToObject(o, "size_bytes", (double)b->b_size[i]);
	cJSON_AddNumberToObject(o, "file_bytes", (double)st.st_size);
	cJSON_AddStringToObject(o, "sha256", hex);
	return o;
}

/* The manifest of the backup just copied.  NULL + err. */
static cJSON *
manifest_make(struct bk_job *b, char *err)
{
	char ts[32];
	cJSON *m = cJSON_CreateObject(), *disks, *d;
	int i;

	cJSON_AddStringToObject(m, "id", b->b_id);
	cJSON_AddStringToObject(m, "vm", b->b_op->o_vm);
	cJSON_AddStringToObject(m, "mode", b->b_incr ? "incremental" :
	    "full");
	if (b->b_incr)
		cJSON_AddStringToObject(m, "parent", b->b_parent);
	else
		cJSON_AddNullToObject(m, "parent");
	cJSON_AddStringToObject(m, "node", b->b_v->v_cf->cf_node);
	cJSON_AddStringToObject(m, "started", b->b_started);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(m, "finished", ts);
	cJSON_AddStringToObject(m, "vm_state", b->b_stopped ? "stopped" :
	    "running");
	if (b->b_pause_ms >= 0)
		cJSON_AddNumberToObject(m, "pause_ms", b->b_pause_ms);
	else
		cJSON_AddNullToObject(m, "pause_ms");
	cJSON_AddItemToObject(m, "config", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(b->b_rec, "config"), 1));
	disks = cJSON_AddArrayToObject(m, "disks");
	for (i = 0; i < b->b_n; i++) {
		if ((d = manifest_disk(b, i, err)) == NULL) {
			cJSON_Delete(m);
			return NULL;
		}
		cJSON_AddItemToArray(disks, d);
	}
	return m;
}

/* fsync a directory (a rename in it made durable). */
static void
dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Manifest written, then STORE/.ID.part renamed to STORE/ID: the backup
 * exists from that rename on.  0 or -1 + err. */
static int
backup_commit(struct bk_job *b, const cJSON *m, char *err)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < b->b_n; i++) {
		snprintf(path, sizeof(path), "%s/disk%d.qcow2", b->b_tmp,
		    b->b_idx[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	snprintf(path, sizeof(path), "%s/manifest.json", b->b_tmp);
	if (json_write_file(path, m, err) != 0)
		return -1;
	dir_sync(b->b_tmp);
	snprintf(path, sizeof(path), "%s/%s", b->b_store.bs_dir, b->b_id);
	if (rename(b->b_tmp, path) != 0)
		return err_errno(err, "rename %s to %s", b->b_tmp, path);
	dir_sync(b->b_store.bs_dir);
	return 0;
}

int
backup_task_create(struct task *t, void *arg, char *err)
{
	struct bk_job b;
	char e2[ERR_LEN];
	cJSON *m = NULL, *res;
	int rc = -1;

	if (job_open(&b, t, arg, err) != 0)
		goto out;
	if (b.b_incr && parent_find(&b, err) != 0) {
		if (!b.b_auto)
			goto out;
		task_log(t, "%s: a full backup", err);
		b.b_incr = 0;
	}
	if (id_pick(&b, err) != 0)
		goto out;
	task_log(t, "backup %s of VM %s (%s) into store %s", b.b_id,
	    b.b_op->o_vm, b.b_qmp ? "running" : "stopped", b.b_store.bs_name);
	if (b.b_qmp == NULL && qsd_start(&b, err) != 0)
		goto out;
	if (copy_disks(&b, err) != 0)
		goto out;
	qsd_stop(&b);
	if ((m = manifest_make(&b, err)) == NULL ||
	    backup_commit(&b, m, err) != 0)
		goto out;
	b.b_tmp[0] = '\0';
	if (head_put(b.b_v, b.b_op->o_vm, b.b_store.bs_name, b.b_id,
	    err) != 0) {
		err_prefix(err, "backup %s is in the store, but its "
		    "incremental successors cannot be recorded", b.b_id);
		goto out;
	}
	res = cJSON_Duplicate(m, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(res, "config");
	cJSON_AddStringToObject(res, "store", b.b_store.bs_name);
	task_set_result(t, res);
	rc = 0;
out:
	if (rc != 0 && b.b_tmp[0] != '\0' && bk_dir_remove(b.b_tmp, e2) != 0)
		log_warnx("backup %s: %s", b.b_id, e2);
	cJSON_Delete(m);
	job_close(&b);
	return rc;
}
