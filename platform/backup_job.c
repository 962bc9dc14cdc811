/*
 * backup_job.c - backup schedules (backup.h): the jobs in etcd, the
 * node's scheduler thread, and a run of a job.
 *
 * Every node's scheduler looks at the jobs every BK_TICK_MS; a job whose
 * next slot has come is fired by the node that moves the job's
 * last_slot forward with a compare-and-swap on its record, so one node
 * runs each slot, and any node that is alive can: a lost node loses at
 * most the run it had begun, and the next slot fires elsewhere.  A slot
 * missed while no node ran is run once, not once per slot missed.  The
 * run is a task on the firing node: a backup of each VM (a task on the
 * VM's node, one after the other), then the store pruned for each VM by
 * the job's keep-* options (backup_prune_mark: Proxmox's rules).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/backup_priv.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/vmops_priv.h"

#define BK_TICK_MS	2000		/* how often a node looks */
#define BK_WAIT_MS	(60 * 60000)	/* one VM's backup, at most */

static void
job_key(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "%s%s", KEY_BACKUP_JOBS, id);
}

/* --- the API side --- */

/* "vms": 1..BACKUP_JOB_VMS VM names. */
static int
job_vms(const cJSON *body, struct vmops_call *call, char *err)
{
	const cJSON *vms = NULL, *x;
	int n = 0, rc = -1;

	if (json_get_array(body, "vms", JSON_REQUIRED, &vms, err) != 0)
		BK_FAIL(400, "vms", "%s", err);
	cJSON_ArrayForEach(x, vms) {
		if (!cJSON_IsString(x) || !vm_valid_name(x->valuestring))
			BK_FAIL(400, "vms", "'vms[%d]' must be a VM name", n);
		n++;
	}
	if (n < 1 || n > BACKUP_JOB_VMS)
		BK_FAIL(400, "vms", "'vms' names 1..%d VMs", BACKUP_JOB_VMS);
	rc = 0;
out:
	return rc;
}

/* The body of POST /backup-jobs into a record (last_slot now, so the
 * first run is at the next slot). */
static int
job_body(struct vmops *v, const cJSON *body, cJSON **rec,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "id", "vms", "store", "mode",
	    "schedule", "keep_last", "keep_hourly", "keep_daily",
	    "keep_weekly", "keep_monthly", "keep_yearly", NULL };
	const char *id = NULL, *store = NULL, *mode = "full", *sched = NULL,
	    *bad = NULL;
	struct backup_keep k;
	struct backup_cal c;
	cJSON *s = NULL;
	int rc = -1;

	if (!cJSON_IsObject(body))
		BK_FAIL(400, "id", "the body must be an object");
	if (json_check_keys(body, keys, &bad, err) != 0)
		BK_FAIL(400, bad, "%s", err);
	if (json_get_string(body, "id", JSON_REQUIRED, &id, err) != 0 ||
	    !backup_name_valid(id))
		BK_FAIL(400, "id", "'id' must be a letter or digit, then "
		    "letters, digits, '-' or '_' (at most %d)", BACKUP_STORE_MAX);
	if (job_vms(body, call, err) != 0)
		goto out;
	if (json_get_string(body, "store", JSON_REQUIRED, &store, err) != 0)
		BK_FAIL(400, "store", "%s", err);
	if (backup_store_get(v->v_etcd, store, &s, err) != 1)
		BK_FAIL(400, "store", "no backup store '%s'", store);
	if (json_get_string(body, "mode", JSON_OPTIONAL, &mode, err) != 0 ||
	    (strcmp(mode, "full") != 0 && strcmp(mode, "incremental") != 0))
		BK_FAIL(400, "mode", "'mode' is full or incremental");
	if (json_get_string(body, "schedule", JSON_REQUIRED, &sched,
	    err) != 0 || backup_cal_parse(sched, &c, err) != 0)
		BK_FAIL(400, "schedule", "'schedule': %s", err);
	if (backup_keep_parse(body, &k, &bad, err) != 0)
		BK_FAIL(400, bad, "%s", err);
	*rec = cJSON_Duplicate(body, 1);
	if (cJSON_GetObjectItemCaseSensitive(*rec, "mode") == NULL)
		cJSON_AddStringToObject(*rec, "mode", mode);
	cJSON_AddNumberToObject(*rec, "last_slot",
	    (double)(clock_wall_ns() / 1000000000ULL));
	cJSON_AddNumberToObject(*rec, "next_slot", (double)backup_cal_next(
	    &c, (time_t)(clock_wall_ns() / 1000000000ULL)));
	rc = 0;
out:
	cJSON_Delete(s);
	return rc;
}

int
backup_job_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err)
{
	cJSON *rec = NULL;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    job_body(v, body, &rec, call, err) != 0 ||
	    bk_rec_create(v, KEY_BACKUP_JOBS, "id", rec, call, err) != 0) {
		cJSON_Delete(rec);
		return err_prefix(err, "backup job");
	}
	*out = rec;
	return 0;
}

int
backup_job_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err)
{
	return bk_rec_list(v, KEY_BACKUP_JOBS, out, call, err);
}

int
backup_job_delete(struct vmops *v, const char *id, struct vmops_call *call,
    char *err)
{
	char key[128];
	int r;

	call->vc_field[0] = '\0';
	if (!backup_name_valid(id)) {
		call->vc_status = 404;
		return err_set(err, "no backup job '%s'", id);
	}
	job_key(key, sizeof(key), id);
	if ((r = etcd_delete(v->v_etcd, key, 0, err)) < 0) {
		call->vc_status = 503;
		return -1;
	}
	if (r == 0) {
		call->vc_status = 404;
		return err_set(err, "no backup job '%s'", id);
	}
	call->vc_status = 200;
	return 0;
}

/* --- a run --- */

/* A backup of vm by the job, waited for: 0, or -1 + err. */
static int
run_one(struct task *t, struct vmops *v, const char *vm, const char *store,
    const char *mode, char *err)
{
	struct vmops_call call = { "backup-job@hvd", 0, "", "" };
	cJSON *body = cJSON_CreateObject();
	int r;

	cJSON_AddStringToObject(body, "store", store);
	/* a job's incremental run falls back to full when it must */
	cJSON_AddStringToObject(body, "mode", strcmp(mode, "incremental") ==
	    0 ? "auto" : "full");
	r = backup_create(v, vm, body, &call, err);
	cJSON_Delete(body);
	if (r != 0)
		return -1;
	task_log(t, "VM %s: backup task %s", vm, call.vc_id);
	r = vmops_wait_task(v, call.vc_id, 1, BK_WAIT_MS, err);
	return r == 1 ? 0 : (r == 0 ? err_prefix(err, "VM %s", vm) : -1);
}

/* The backups of vm in list as prune items (ids into ids); n. */
static size_t
prune_items(const cJSON *list, const char *vm, struct backup_item *it,
    const char **ids, size_t max)
{
	const char *id, *parent;
	char v2[VM_NAME_MAX + 1];
	size_t n = 0, i, k;
	const cJSON *m;
	time_t tm;

	cJSON_ArrayForEach(m, list) {
		id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
		    "id"));
		if (n == max || id == NULL || cJSON_GetObjectItemCaseSensitive(
		    m, "error") != NULL || backup_id_parse(id, v2, sizeof(v2),
		    &tm) != 0 || strcmp(v2, vm) != 0)
			continue;
		ids[n] = id;
		it[n].bi_time = tm;
		it[n++].bi_parent = -1;
	}
	for (i = 0; i < n; i++) {
		cJSON_ArrayForEach(m, list) {
			id = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(m, "id"));
			if (id == NULL || strcmp(id, ids[i]) != 0)
				continue;
			parent = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(m, "parent"));
			for (k = 0; parent != NULL && k < n; k++)
				if (strcmp(ids[k], parent) == 0)
					it[i].bi_parent = (int)k;
		}
	}
	return n;
}

/* Prune vm's backups in store by k: each one to remove deleted (a
 * task on the store's node), newest first so no chain is cut.  The
 * number removed, or -1 + err. */
static int
prune_vm(struct task *t, struct vmops *v, const char *vm, const char *store,
    const struct backup_keep *k, char *err)
{
	struct vmops_call call = { "backup-job@hvd", 0, "", "" };
	struct backup_item it[256];
	const char *ids[256];
	cJSON *list = NULL;
	size_t n, i;
	int gone = 0, r;

	if (backup_list(v, store, NULL, &list, &call, err) != 0)
		return -1;
	n = prune_items(list, vm, it, ids, 256);
	backup_prune_mark(it, n, k);
	for (i = n; i-- > 0 && gone >= 0;) {
		if (it[i].bi_mark == MARK_BASE)
			task_log(t, "%s: kept, a kept backup builds on it",
			    ids[i]);
		if (it[i].bi_mark != MARK_REMOVE)
			continue;
		if (backup_delete(v, store, ids[i], &call, err) != 0 ||
		    (r = vmops_wait_task(v, call.vc_id, 1, BK_WAIT_MS,
		    err)) != 1) {
			err_prefix(err, "prune %s", ids[i]);
			gone = -1;
			break;
		}
		task_log(t, "%s: pruned", ids[i]);
		gone++;
	}
	cJSON_Delete(list);
	return gone;
}

int
backup_task_job(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	const char *id = "", *store = "", *mode = "full", *field;
	struct backup_keep k;
	const cJSON *vm;
	cJSON *rec = NULL, *res;
	int r, failed = 0, pruned = 0, rc = -1;

	json_get_string(o->o_params, "job", JSON_OPTIONAL, &id, NULL);
	if ((r = bk_rec_get(o->o_v->v_etcd, KEY_BACKUP_JOBS, id, &rec, NULL,
	    err)) != 1) {
		if (r == 0)
			err_set(err, "backup job %s is gone", id);
		goto out;
	}
	json_get_string(rec, "store", JSON_OPTIONAL, &store, NULL);
	json_get_string(rec, "mode", JSON_OPTIONAL, &mode, NULL);
	if (backup_keep_parse(rec, &k, &field, err) != 0)
		goto out;
	cJSON_ArrayForEach(vm, cJSON_GetObjectItemCaseSensitive(rec, "vms")) {
		if (!cJSON_IsString(vm))
			continue;
		if (run_one(t, o->o_v, vm->valuestring, store, mode,
		    err) != 0) {
			task_log(t, "VM %s: %s", vm->valuestring, err);
			failed++;
			continue;
		}
		if ((r = prune_vm(t, o->o_v, vm->valuestring, store, &k,
		    err)) < 0) {
			task_log(t, "VM %s: %s", vm->valuestring, err);
			failed++;
		} else
			pruned += r;
	}
	if (failed > 0) {
		err_set(err, "backup job %s: %d VM(s) failed (see the log)",
		    id, failed);
		goto out;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "job", id);
	cJSON_AddNumberToObject(res, "pruned", pruned);
	task_set_result(t, res);
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}

/* --- the scheduler --- */

struct backup_sched {
	struct vmops	*bs_v;
	pthread_t	 bs_th;
	pthread_mutex_t	 bs_mu;
	pthread_cond_t	 bs_cv;
	int		 bs_stop;
};

/* The slot to fire for a job last fired at last, or 0 when none is
 * due: the latest slot not after now. */
static time_t
slot_due(const struct backup_cal *c, time_t last, time_t now)
{
	time_t s = backup_cal_next(c, last), n;

	if (s > now)
		return 0;
	while ((n = backup_cal_next(c, s)) <= now)
		s = n;
	return s;
}

/* Fire job kv if its slot has come and this node wins it: the run is
 * queued to this node. */
static void
sched_one(struct vmops *v, const struct etcd_kv *kv, time_t now)
{
	struct task_desc td = { v->v_cf->cf_node, "vzdumpjob", NULL, "hvd" };
	char err[ERR_LEN], id[TASK_ID_LEN], *s = NULL;
	const char *sched = "", *jid = "";
	struct backup_cal c;
	int64_t last = 0;
	cJSON *rec, *q = NULL;
	time_t slot;

	if ((rec = json_parse_buf(kv->kv_val, kv->kv_len, NULL)) == NULL)
		return;
	json_get_string(rec, "schedule", JSON_OPTIONAL, &sched, NULL);
	json_get_string(rec, "id", JSON_OPTIONAL, &jid, NULL);
	json_get_int(rec, "last_slot", JSON_OPTIONAL, &last, NULL);
	if (backup_cal_parse(sched, &c, err) != 0 ||
	    (slot = slot_due(&c, (time_t)last, now)) == 0)
		goto out;
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "last_slot",
	    cJSON_CreateNumber((double)slot));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "next_slot");
	cJSON_AddNumberToObject(rec, "next_slot", (double)backup_cal_next(&c,
	    slot));
	if ((s = cJSON_PrintUnformatted(rec)) == NULL ||
	    etcd_cas(v->v_etcd, kv->kv_key, s, kv->kv_mod_rev, err) != 1)
		goto out;	/* another node fired it */
	td.td_target = jid;
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", "bkjob");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(q, "params"), "job",
	    jid);
	if (task_create(v->v_etcd, &td, id, err) != 0 ||
	    vmops_queue_op(v, v->v_cf->cf_node, id, q, err) != 0)
		log_warnx("backup job %s: %s", jid, err);
	else
		log_info("backup job %s: slot %lld fired (task %s)", jid,
		    (long long)slot, id);
out:
	free(s);
	cJSON_Delete(q);
	cJSON_Delete(rec);
}

static void *
sched_main(void *arg)
{
	struct backup_sched *bs = arg;
	struct etcd_kv *kvs;
	struct timespec ts;
	size_t n, i;
	time_t now;

	pthread_mutex_lock(&bs->bs_mu);
	while (!bs->bs_stop) {
		pthread_mutex_unlock(&bs->bs_mu);
		kvs = NULL;
		n = 0;
		now = (time_t)(clock_wall_ns() / 1000000000ULL);
		if (cluster_state(bs->bs_v->v_cl) == CLUSTER_ACTIVE &&
		    etcd_list(bs->bs_v->v_etcd, KEY_BACKUP_JOBS, &kvs, &n,
		    NULL) == 0) {
			for (i = 0; i < n; i++)
				sched_one(bs->bs_v, &kvs[i], now);
			etcd_kvs_free(kvs, n);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += BK_TICK_MS / 1000;
		pthread_mutex_lock(&bs->bs_mu);
		if (!bs->bs_stop)
			pthread_cond_timedwait(&bs->bs_cv, &bs->bs_mu, &ts);
	}
	pthread_mutex_unlock(&bs->bs_mu);
	return NULL;
}

struct backup_sched *
backup_sched_start(struct vmops *v, char *err)
{
	struct backup_sched *bs;

	if ((bs = calloc(1, sizeof(*bs))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	bs->bs_v = v;
	pthread_mutex_init(&bs->bs_mu, NULL);
	pthread_cond_init(&bs->bs_cv, NULL);
	if ((errno = pthread_create(&bs->bs_th, NULL, sched_main, bs)) != 0) {
		err_errno(err, "backup scheduler thread");
		pthread_mutex_destroy(&bs->bs_mu);
		pthread_cond_destroy(&bs->bs_cv);
		free(bs);
		return NULL;
	}
	return bs;
}

void
backup_sched_stop(struct backup_sched *bs)
{
	if (bs == NULL)
		return;
	pthread_mutex_lock(&bs->bs_mu);
	bs->bs_stop = 1;
	pthread_cond_signal(&bs->bs_cv);
	pthread_mutex_unlock(&bs->bs_mu);
	pthread_join(bs->bs_th, NULL);
	pthread_mutex_destroy(&bs->bs_mu);
	pthread_cond_destroy(&bs->bs_cv);
	free(bs);
}
