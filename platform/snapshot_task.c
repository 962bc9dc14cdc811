/*
 * snapshot_task.c - what the VM's node does for a snapshot, a rollback
 * or a snapshot's deletion (snapshot.h): internal qcow2 snapshots made
 * through the running QEMU over QMP (snapshot-save, snapshot-load, a
 * transaction of blockdev-snapshot-internal-sync, and
 * blockdev-snapshot-delete-internal-sync), or with qemu-img on a stopped
 * VM's disks.  How long the guest was paused comes from QEMU's own STOP
 * and RESUME events.  Before acting, each disk's snapshot table (qemu-img
 * info) is read: the tags on the disks are the truth etcd's records are
 * checked against.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/qmp.h"
#include "platform/snapshot.h"
#include "platform/vm.h"
#include "platform/vmops_priv.h"

#define IMG_MS		60000		/* one qemu-img run */
#define QMP_MS		10000		/* one QMP command */
#define JOB_MS		(10 * 60000)	/* a snapshot-save or -load job */

/* One snapshot task as it goes. */
struct snap_job {
	struct task		*j_task;
	struct vm_op		*j_op;
	struct vmops		*j_v;
	const char		*j_name;	/* the snapshot */
	cJSON			*j_rec;		/* the VM's record */
	int64_t			 j_rev;		/* its revision */
	struct vm_config	 j_conf;	/* its config, paths resolved */
	struct vm_slot		*j_slot;	/* held when the VM runs */
	struct qmp		*j_qmp;		/* the running QEMU's, or NULL */
	int			 j_idx[VM_MAX_DISKS];	/* disks covered */
	int			 j_n;
	cJSON			*j_snap;	/* the snapshot's record */
};

/* --- the disks' snapshot tables (qemu-img) --- */

/* The snapshot table of the qcow2 at path (-U: QEMU may have it open):
 * *snaps = an array of {"name", "vm-state-size", ...}.  0 or -1 + err. */
static int
disk_table(const char *path, cJSON **snaps, char *err)
{
	const char *argv[] = { "qemu-img", "info", "-U", "-f", "qcow2",
	    "--output=json", path, NULL };
	struct proc_result r;
	cJSON *o = NULL, *s;
	int rc = -1;

	*snaps = NULL;
	memset(&r, 0, sizeof(r));
	if (proc_run(argv, NULL, IMG_MS, &r, err) != 0)
		goto out;
	if ((o = json_parse_buf(r.out, r.out_len, err)) == NULL ||
	    !cJSON_IsObject(o)) {
		err_set(err, "qemu-img info %s: not a JSON object", path);
		goto out;
	}
	s = cJSON_DetachItemFromObjectCaseSensitive(o, "snapshots");
	*snaps = cJSON_IsArray(s) ? s : cJSON_CreateArray();
	if (!cJSON_IsArray(s))
		cJSON_Delete(s);
	rc = 0;
out:
	cJSON_Delete(o);
	proc_result_free(&r);
	return rc;
}

/* Whether the disk at path has a snapshot tagged name: 1 (*vmstate = its
 * vmstate bytes when not NULL), 0, or -1 + err. */
static int
disk_has(const char *path, const char *name, int64_t *vmstate, char *err)
{
	cJSON *snaps, *s;
	const char *n;
	int found = 0;

	if (disk_table(path, &snaps, err) != 0)
		return -1;
	cJSON_ArrayForEach(s, snaps) {
		n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s,
		    "name"));
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		found = 1;
		if (vmstate != NULL)
			json_get_int(s, "vm-state-size", JSON_OPTIONAL,
			    vmstate, NULL);
	}
	cJSON_Delete(snaps);
	return found;
}

/* qemu-img snapshot -c|-a|-d name path on a disk no QEMU has open. */
static int
disk_img(const char *flag, const char *name, const char *path, char *err)
{
	const char *argv[] = { "qemu-img", "snapshot", "-q", flag, name,
	    path, NULL };

	return proc_run(argv, NULL, IMG_MS, NULL, err);
}

/* --- QMP --- */

int
snapshot_disk_node(struct qmp *q, int i, char *buf, size_t len, char *err)
{
	char dev[16];
	cJSON *ret = NULL, *b;
	const cJSON *in;
	const char *d, *node = NULL;

	snprintf(dev, sizeof(dev), "disk%d", i);
	if (qmp_execute(q, "query-block", NULL, &ret, QMP_MS, err) != 0)
		return -1;
	cJSON_ArrayForEach(b, ret) {
		d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b,
		    "device"));
		in = cJSON_GetObjectItemCaseSensitive(b, "inserted");
		if (d != NULL && strcmp(d, dev) == 0 && cJSON_IsObject(in))
			json_get_string(in, "node-name", JSON_OPTIONAL, &node,
			    NULL);
		if (node != NULL)
			break;
	}
	if (node != NULL)
		snprintf(buf, len, "%s", node);
	cJSON_Delete(ret);
	return node != NULL && strlen(node) < len ? 0 :
	    err_set(err, "QEMU has no block node for %s", dev);
}

/* The job's status from query-jobs: 1 concluded (err = its error, if
 * any, *failed set), 0 still going, -1 + err. */
static int
job_state(struct qmp *q, const char *id, int *failed, char *err)
{
	cJSON *ret = NULL, *j;
	const char *jid, *st = "", *e = NULL;
	int rc = -1;

	if (qmp_execute(q, "query-jobs", NULL, &ret, QMP_MS, err) != 0)
		return -1;
	cJSON_ArrayForEach(j, ret) {
		jid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
		    "id"));
		if (jid == NULL || strcmp(jid, id) != 0)
			continue;
		json_get_string(j, "status", JSON_OPTIONAL, &st, NULL);
		json_get_string(j, "error", JSON_OPTIONAL, &e, NULL);
		rc = strcmp(st, "concluded") == 0;
		if ((*failed = (e != NULL)))
			err_set(err, "%s", e);
	}
	if (rc < 0)
		err_set(err, "job %s is gone from QEMU", id);
	cJSON_Delete(ret);
	return rc;
}

/* Run job command cmd (args taken over, "job-id" added) to its end and
 * dismiss it: 0, or -1 + err (QEMU's error). */
static int
job_run(struct qmp *q, const char *cmd, cJSON *args, char *err)
{
	char id[32];
	uint64_t end = clock_mono_ns() + (uint64_t)JOB_MS * NS_PER_MS;
	int failed = 0, r;
	cJSON *d;

	snprintf(id, sizeof(id), "hvd-%s", cmd);
	/* one a crash left concluded would hold the id */
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	qmp_execute(q, "job-dismiss", d, NULL, QMP_MS, NULL);
	cJSON_AddStringToObject(args, "job-id", id);
	/* QEMU may answer only once the job's first part ran in its main
	 * loop (a loaded host writing the RAM onto a LUN took over 10 s):
	 * the job's own limit applies to the answer too. */
	if (qmp_execute(q, cmd, args, NULL, JOB_MS, err) != 0)
		return -1;
	while ((r = job_state(q, id, &failed, err)) == 0 &&
	    clock_mono_ns() < end)
		clock_sleep_ns(20 * NS_PER_MS);
	if (r == 0)
		return err_set(err, "%s did not end within %d s", cmd,
		    JOB_MS / 1000);
	if (r < 0)
		return -1;
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	qmp_execute(q, "job-dismiss", d, NULL, QMP_MS, NULL);
	return failed ? err_prefix(err, "%s", cmd) : 0;
}

/* Forget the events queued so far (the pause is read from new ones). */
static void
events_drain(struct qmp *q)
{
	struct qmp_event ev;

	while (qmp_event_next(q, &ev, 0, NULL) == 1)
		qmp_event_free(&ev);
}

/* The guest's pause from QEMU's STOP and RESUME events (their QEMU
 * timestamps), waiting up to 2 s for a RESUME still on its way: the
 * pause in ms, or -1 when QEMU reported none. */
static double
events_pause_ms(struct qmp *q)
{
	struct qmp_event ev;
	int64_t stop = -1, resume = -1;

	while (resume < 0 && qmp_event_next(q, &ev, 2000, NULL) == 1) {
		if (strcmp(ev.name, "STOP") == 0 && stop < 0)
			stop = ev.ts_us;
		else if (strcmp(ev.name, "RESUME") == 0 && stop >= 0)
			resume = ev.ts_us;
		qmp_event_free(&ev);
	}
	return stop >= 0 && resume >= stop ? (double)(resume - stop) / 1000.0 :
	    -1;
}

/* snapshot-save or snapshot-load of tag on the covered disks, the
 * vmstate in the first: 0 or -1 + err. */
static int
job_snapshot(struct snap_job *j, const char *cmd, char *err)
{
	char node[128];
	cJSON *a = cJSON_CreateObject(), *devs;
	int i;

	cJSON_AddStringToObject(a, "tag", j->j_name);
	devs = cJSON_AddArrayToObject(a, "devices");
	for (i = 0; i < j->j_n; i++) {
		if (snapshot_disk_node(j->j_qmp, j->j_idx[i], node,
		    sizeof(node), err) != 0) {
			cJSON_Delete(a);
			return -1;
		}
		cJSON_AddItemToArray(devs, cJSON_CreateString(node));
		if (i == 0)
			cJSON_AddStringToObject(a, "vmstate", node);
	}
	return job_run(j->j_qmp, cmd, a, err);
}

/* Disk-only on a running VM: one transaction tags every covered disk at
 * one instant, the guest paused around it.  0 or -1 + err. */
static int
live_disks(struct snap_job *j, char *err)
{
	cJSON *a = cJSON_CreateObject(), *acts, *act, *d;
	char dev[16], e2[ERR_LEN];
	int i, rc;

	acts = cJSON_AddArrayToObject(a, "actions");
	for (i = 0; i < j->j_n; i++) {
		act = cJSON_CreateObject();
		cJSON_AddStringToObject(act, "type",
		    "blockdev-snapshot-internal-sync");
		d = cJSON_AddObjectToObject(act, "data");
		snprintf(dev, sizeof(dev), "disk%d", j->j_idx[i]);
		cJSON_AddStringToObject(d, "device", dev);
		cJSON_AddStringToObject(d, "name", j->j_name);
		cJSON_AddItemToArray(acts, act);
	}
	if (qmp_execute(j->j_qmp, "stop", NULL, NULL, QMP_MS, err) != 0) {
		cJSON_Delete(a);
		return -1;
	}
	rc = qmp_execute(j->j_qmp, "transaction", a, NULL, QMP_MS, err);
	if (qmp_execute(j->j_qmp, "cont", NULL, NULL, QMP_MS, e2) != 0) {
		log_warnx("vm %s: cont after a snapshot: %s", j->j_op->o_vm,
		    e2);
		return err_set(err, "the VM stays paused: cont: %s", e2);
	}
	return rc;
}

/* Stopped VM: qemu-img tags each covered disk; a failure takes back the
 * tags already made.  0 or -1 + err. */
static int
offline_disks(struct snap_job *j, char *err)
{
	int i, k;

	for (i = 0; i < j->j_n; i++)
		if (disk_img("-c", j->j_name,
		    j->j_conf.disks[j->j_idx[i]].path, err) != 0)
			break;
	if (i == j->j_n)
		return 0;
	for (k = 0; k < i; k++)
		disk_img("-d", j->j_name, j->j_conf.disks[j->j_idx[k]].path,
		    NULL);
	return err_prefix(err, "disks[%d]", j->j_idx[i]);
}

/* --- the job's VM --- */

/* The VM's record (this node's VM), its config with paths, and its
 * slot held when its QEMU runs here.  0 or -1 + err. */
static int
job_open(struct snap_job *j, struct task *t, void *arg, char *err)
{
	int r;

	memset(j, 0, sizeof(*j));
	j->j_task = t;
	j->j_op = arg;
	j->j_v = j->j_op->o_v;
	j->j_name = "";
	if (json_get_string(j->j_op->o_params, "name", JSON_REQUIRED,
	    &j->j_name, err) != 0 || !snapshot_name_valid(j->j_name))
		return err_set(err, "the task has no valid snapshot name");
	if ((r = vmops_rec_get(j->j_v, j->j_op->o_vm, &j->j_rec, &j->j_rev,
	    err)) != 1)
		return r == 0 ? err_set(err, "VM %s does not exist",
		    j->j_op->o_vm) : -1;
	if (strcmp(vmops_rec_node(j->j_rec), j->j_v->v_cf->cf_node) != 0)
		return err_set(err, "VM %s now belongs to node %s",
		    j->j_op->o_vm, vmops_rec_node(j->j_rec));
	if (vmops_rec_config(j->j_rec, &j->j_conf, err) != 0 ||
	    vmops_resolve_paths(j->j_v, &j->j_conf, err) != 0)
		return -1;
	if ((j->j_slot = vmops_slot_take(j->j_v, j->j_op->o_vm, 0)) == NULL)
		return 0;
	if (j->j_slot->s_used && vm_proc_alive(&j->j_slot->s_proc) &&
	    j->j_slot->s_proc.qmp != NULL) {
		j->j_qmp = j->j_slot->s_proc.qmp;
		return 0;
	}
	vmops_slot_give(j->j_v, j->j_slot, j->j_slot->s_used);
	j->j_slot = NULL;
	return 0;
}

static void
job_close(struct snap_job *j)
{
	if (j->j_slot != NULL)
		vmops_slot_give(j->j_v, j->j_slot, j->j_slot->s_used);
	cJSON_Delete(j->j_snap);
	cJSON_Delete(j->j_rec);
}

/* "POOL/VOLUME" of disk i of c. */
static cJSON *
disk_ref(const struct vm_config *c, int i)
{
	char s[sizeof(c->disks[0].pool) + sizeof(c->disks[0].volume) + 1];

	snprintf(s, sizeof(s), "%s/%s", c->disks[i].pool,
	    c->disks[i].volume);
	return cJSON_CreateString(s);
}

/* --- take --- */

/* Every covered disk is free of the tag (a second snapshot of one name
 * would shadow the first in qcow2): 0 or -1 + err. */
static int
take_check(struct snap_job *j, char *err)
{
	const struct vm_disk *d;
	const char *field;
	int i, r;

	if ((j->j_n = snapshot_disks(&j->j_conf, j->j_idx, &field,
	    err)) < 0)
		return -1;
	for (i = 0; i < j->j_n; i++) {
		d = &j->j_conf.disks[j->j_idx[i]];
		if ((r = disk_has(d->path, j->j_name, NULL, err)) < 0)
			return err_prefix(err, "disks[%d]", j->j_idx[i]);
		if (r == 1)
			return err_set(err, "disks[%d] (%s/%s) has a snapshot "
			    "named '%s' already", j->j_idx[i], d->pool,
			    d->volume, j->j_name);
	}
	return 0;
}

/* The record of the snapshot just taken, its parent the current one. */
static cJSON *
take_record(struct snap_job *j, int ram, double pause_ms, char *err)
{
	char ts[32], cur[SNAP_NAME_MAX + 1];
	const char *desc = "";
	int64_t vmstate = 0;
	cJSON *r, *disks;
	int i;

	if (snapshot_current_get(j->j_v->v_etcd, j->j_op->o_vm, cur,
	    sizeof(cur), err) != 0)
		return NULL;
	json_get_string(j->j_op->o_params, "description", JSON_OPTIONAL,
	    &desc, NULL);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", j->j_name);
	if (cur[0] != '\0')
		cJSON_AddStringToObject(r, "parent", cur);
	else
		cJSON_AddNullToObject(r, "parent");
	cJSON_AddStringToObject(r, "taken", ts);
	cJSON_AddBoolToObject(r, "with_ram", ram);
	cJSON_AddStringToObject(r, "vm_state", j->j_qmp ? "running" :
	    "stopped");
	cJSON_AddStringToObject(r, "description", desc);
	if (pause_ms >= 0)
		cJSON_AddNumberToObject(r, "pause_ms", pause_ms);
	else
		cJSON_AddNullToObject(r, "pause_ms");
	if (ram && disk_has(j->j_conf.disks[j->j_idx[0]].path, j->j_name,
	    &vmstate, NULL) == 1)
		cJSON_AddNumberToObject(r, "vmstate_bytes", (double)vmstate);
	disks = cJSON_AddArrayToObject(r, "disks");
	for (i = 0; i < j->j_n; i++)
		cJSON_AddItemToArray(disks, disk_ref(&j->j_conf, j->j_idx[i]));
	cJSON_AddItemToObject(r, "config", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j->j_rec, "config"), 1));
	return r;
}

/* Tag the disks, RAM too when ram: the guest's pause in *pause_ms (-1
 * when no guest ran).  0 or -1 + err. */
static int
take(struct snap_job *j, int ram, double *pause_ms, char *err)
{
	int rc;

	*pause_ms = -1;
	if (j->j_qmp == NULL) {
		if (ram)
			return err_set(err, "VM %s is stopped: a snapshot "
			    "with RAM needs it running", j->j_op->o_vm);
		task_log(j->j_task, "VM stopped: qemu-img tags %d disk(s)",
		    j->j_n);
		return offline_disks(j, err);
	}
	events_drain(j->j_qmp);
	task_log(j->j_task, "VM running: %s on %d disk(s)", ram ?
	    "snapshot-save (disks and RAM)" : "one transaction", j->j_n);
	rc = ram ? job_snapshot(j, "snapshot-save", err) : live_disks(j,
	    err);
	*pause_ms = events_pause_ms(j->j_qmp);
	if (*pause_ms >= 0)
		task_log(j->j_task, "guest paused %.1f ms (QEMU's STOP to "
		    "RESUME)", *pause_ms);
	return rc;
}

int
snapshot_task_create(struct task *t, void *arg, char *err)
{
	struct snap_job j;
	double pause_ms;
	cJSON *res;
	int ram = 0, rc = -1;

	if (job_open(&j, t, arg, err) != 0 || take_check(&j, err) != 0)
		goto out;
	json_get_bool(j.j_op->o_params, "with_ram", JSON_OPTIONAL, &ram,
	    NULL);
	if (take(&j, ram, &pause_ms, err) != 0)
		goto out;
	if ((j.j_snap = take_record(&j, ram, pause_ms, err)) == NULL ||
	    snapshot_rec_put(j.j_v->v_etcd, j.j_op->o_vm, j.j_snap,
	    err) != 0 || snapshot_current_put(j.j_v->v_etcd, j.j_op->o_vm,
	    j.j_name, err) != 0) {
		err_prefix(err, "snapshot %s is on the disks but not "
		    "recorded", j.j_name);
		goto out;
	}
	res = cJSON_Duplicate(j.j_snap, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(res, "config");
	task_set_result(t, res);
	rc = 0;
out:
	job_close(&j);
	return rc;
}

/* --- roll back --- */

/* Snapshot j_name's record (*rec), its VM config (sc, paths resolved),
 * the disks it covers (j_idx into sc), each of them with the tag, the
 * first with the RAM when *ram.  0 or -1 + err. */
static int
back_check(struct snap_job *j, cJSON **rec, struct vm_config *sc, int *ram,
    char *err)
{
	const struct vm_disk *d;
	const char *field;
	char bad[64];
	int64_t vmst = 0;
	int i, r;

	*ram = 0;
	if ((r = snapshot_rec_get(j->j_v->v_etcd, j->j_op->o_vm, j->j_name,
	    rec, err)) != 1)
		return r == 0 ? err_set(err, "no snapshot '%s' of VM %s",
		    j->j_name, j->j_op->o_vm) : -1;
	json_get_bool(*rec, "with_ram", JSON_OPTIONAL, ram, NULL);
	if (vm_config_from_json(cJSON_GetObjectItemCaseSensitive(*rec,
	    "config"), sc, bad, sizeof(bad), err) != 0)
		return err_prefix(err, "snapshot %s's VM config", j->j_name);
	if (vmops_resolve_paths(j->j_v, sc, err) != 0 ||
	    (j->j_n = snapshot_disks(sc, j->j_idx, &field, err)) < 0)
		return -1;
	for (i = 0; i < j->j_n; i++) {
		d = &sc->disks[j->j_idx[i]];
		if ((r = disk_has(d->path, j->j_name, i == 0 ? &vmst : NULL,
		    err)) < 0)
			return err_prefix(err, "disks[%d]", j->j_idx[i]);
		if (r == 0)
			return err_set(err, "disks[%d] (%s/%s) has no snapshot "
			    "'%s': the disk and hvd's record disagree",
			    j->j_idx[i], d->pool, d->volume, j->j_name);
		if (i == 0 && *ram && vmst <= 0)
			return err_set(err, "disks[%d] (%s/%s) holds no RAM of "
			    "snapshot '%s'", j->j_idx[i], d->pool, d->volume,
			    j->j_name);
	}
	return 0;
}

/* The VM's record gets the snapshot's config back (compare-and-swap on
 * the revision read at the start): 0 or -1 + err. */
static int
back_config(struct snap_job *j, const cJSON *cfg, char *err)
{
	char key[128], *s;
	cJSON *rec = cJSON_Duplicate(j->j_rec, 1);
	int r;

	cJSON_ReplaceItemInObjectCaseSensitive(rec, "config",
	    cJSON_Duplicate(cfg, 1));
	s = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (s == NULL)
		return err_set(err, "out of memory");
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, j->j_op->o_vm);
	r = etcd_cas(j->j_v->v_etcd, key, s, j->j_rev, err);
	free(s);
	if (r == 0)
		return err_set(err, "VM %s's record changed meanwhile",
		    j->j_op->o_vm);
	return r < 0 ? -1 : 0;
}

/* The running QEMU stops, its slot given back empty. */
static int
back_stop(struct snap_job *j, char *err)
{
	task_log(j->j_task, "stopping QEMU (pid %d)",
	    (int)j->j_slot->s_proc.pid);
	if (vm_stop(&j->j_slot->s_proc, 5000, err) != 0)
		return -1;
	vm_proc_release(&j->j_slot->s_proc);
	vm_cleanup(&j->j_v->v_host, j->j_op->o_vm, NULL);
	vmops_slot_give(j->j_v, j->j_slot, 0);
	j->j_slot = NULL;
	j->j_qmp = NULL;
	vmops_state_put(j->j_v, j->j_op->o_vm, "stopped", NULL, NULL);
	return 0;
}

/* With RAM: QEMU of config sc starts paused, loads the snapshot and
 * runs on from it.  0 or -1 + err (QEMU stopped again). */
static int
back_ram(struct snap_job *j, const struct vm_config *sc, char *err)
{
	struct vmops *v = j->j_v;
	const char *vm = j->j_op->o_vm;
	struct vm_slot *s;
	uint64_t t0;
	int rc = -1;

	if ((s = vmops_slot_take(v, vm, 1)) == NULL)
		return err_set(err, "too many VMs on this node");
	if (vmops_call_start_hook(v, vm, err) != 0)
		goto out;
	vm_cleanup(&v->v_host, vm, NULL);
	if (vm_start(&v->v_host, sc, VM_START_PAUSED, &s->s_proc, err) != 0)
		goto out;
	j->j_qmp = s->s_proc.qmp;
	t0 = clock_mono_ns();
	if (job_snapshot(j, "snapshot-load", err) != 0 ||
	    qmp_execute(j->j_qmp, "cont", NULL, NULL, QMP_MS, err) != 0) {
		vm_stop(&s->s_proc, 2000, NULL);
		vm_proc_release(&s->s_proc);
		vm_cleanup(&v->v_host, vm, NULL);
		goto out;
	}
	vmops_state_put(v, vm, "running", &s->s_proc, NULL);
	task_log(j->j_task, "RAM loaded in %llu ms; QEMU pid %d runs on "
	    "from snapshot %s", (unsigned long long)((clock_mono_ns() - t0) /
	    NS_PER_MS), (int)s->s_proc.pid, j->j_name);
	rc = 0;
out:
	j->j_qmp = NULL;
	vmops_slot_give(v, s, rc == 0);
	return rc;
}

/* Without RAM, on a stopped VM: qemu-img rolls each disk back. */
static int
back_disks(struct snap_job *j, const struct vm_config *sc, char *err)
{
	int i;

	if (j->j_qmp != NULL)
		return err_set(err, "VM %s is running: snapshot %s has no RAM "
		    "and rolls back on a stopped VM; stop it first",
		    j->j_op->o_vm, j->j_name);
	for (i = 0; i < j->j_n; i++)
		if (disk_img("-a", j->j_name, sc->disks[j->j_idx[i]].path,
		    err) != 0)
			return err_prefix(err, "disks[%d] (disks before it "
			    "are rolled back)", j->j_idx[i]);
	task_log(j->j_task, "%d disk(s) rolled back; the VM stays stopped",
	    j->j_n);
	return 0;
}

int
snapshot_task_rollback(struct task *t, void *arg, char *err)
{
	struct snap_job j;
	struct vm_config sc;
	cJSON *res;
	int ram = 0, rc = -1;

	if (job_open(&j, t, arg, err) != 0 ||
	    back_check(&j, &j.j_snap, &sc, &ram, err) != 0)
		goto out;
	if (!ram && j.j_qmp != NULL) {
		back_disks(&j, &sc, err);
		goto out;
	}
	if ((ram && j.j_qmp != NULL && back_stop(&j, err) != 0) ||
	    back_config(&j, cJSON_GetObjectItemCaseSensitive(j.j_snap,
	    "config"), err) != 0)
		goto out;
	if ((ram ? back_ram(&j, &sc, err) : back_disks(&j, &sc, err)) != 0 ||
	    snapshot_current_put(j.j_v->v_etcd, j.j_op->o_vm, j.j_name,
	    err) != 0)
		goto out;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "snapshot", j.j_name);
	cJSON_AddBoolToObject(res, "with_ram", ram);
	cJSON_AddStringToObject(res, "state", ram ? "running" : "stopped");
	task_set_result(t, res);
	rc = 0;
out:
	job_close(&j);
	return rc;
}

/* --- delete --- */

/* Index of pool/volume d in c's disks, or -1. */
static int
disk_index(const struct vm_config *c, const struct vm_disk *d)
{
	int i;

	for (i = 0; i < c->ndisks; i++)
		if (strcmp(c->disks[i].pool, d->pool) == 0 &&
		    strcmp(c->disks[i].volume, d->volume) == 0)
			return i;
	return -1;
}

/* The tag goes from disk d: through the running QEMU when it has the
 * disk open, else with qemu-img.  0 or -1 + err. */
static int
drop_tag(struct snap_job *j, const struct vm_disk *d, char *err)
{
	char dev[16];
	cJSON *a;
	int k, r;

	if ((r = disk_has(d->path, j->j_name, NULL, err)) <= 0) {
		if (r == 0)
			task_log(j->j_task, "%s/%s has no tag '%s': nothing "
			    "to remove there", d->pool, d->volume, j->j_name);
		return r;
	}
	if (j->j_qmp == NULL || (k = disk_index(&j->j_conf, d)) < 0)
		return disk_img("-d", j->j_name, d->path, err);
	snprintf(dev, sizeof(dev), "disk%d", k);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "device", dev);
	cJSON_AddStringToObject(a, "name", j->j_name);
	return qmp_execute(j->j_qmp, "blockdev-snapshot-delete-internal-sync",
	    a, NULL, JOB_MS, err);
}

int
snapshot_task_delete(struct task *t, void *arg, char *err)
{
	struct snap_job j;
	struct vm_config sc;
	const char *field;
	char bad[64];
	cJSON *res;
	int i, r, rc = -1;

	if (job_open(&j, t, arg, err) != 0)
		goto out;
	if ((r = snapshot_rec_get(j.j_v->v_etcd, j.j_op->o_vm, j.j_name,
	    &j.j_snap, err)) != 1) {
		if (r == 0)
			err_set(err, "no snapshot '%s' of VM %s", j.j_name,
			    j.j_op->o_vm);
		goto out;
	}
	if (vm_config_from_json(cJSON_GetObjectItemCaseSensitive(j.j_snap,
	    "config"), &sc, bad, sizeof(bad), err) != 0 ||
	    vmops_resolve_paths(j.j_v, &sc, err) != 0 ||
	    (j.j_n = snapshot_disks(&sc, j.j_idx, &field, err)) < 0)
		goto out;
	for (i = 0; i < j.j_n; i++)
		if (drop_tag(&j, &sc.disks[j.j_idx[i]], err) < 0) {
			err_prefix(err, "disks[%d]", j.j_idx[i]);
			goto out;
		}
	if (snapshot_rec_unlink(j.j_v->v_etcd, j.j_op->o_vm, j.j_name,
	    err) != 0)
		goto out;
	task_log(t, "snapshot %s deleted from %d disk(s); its children "
	    "have its parent now", j.j_name, j.j_n);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "deleted", j.j_name);
	task_set_result(t, res);
	rc = 0;
out:
	job_close(&j);
	return rc;
}
