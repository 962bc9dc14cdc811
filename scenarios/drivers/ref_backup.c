/*
 * ref_backup.c - the `ref` driver's backups: hvd's backup stores,
 * backups, restores and schedules over its API (docs/backups.md,
 * docs/platforms/ref.md), for the Backup/restore row.
 *
 * hvd keeps backups in a store, a directory of one node that must be the
 * VM's node.  The driver uses a store of its own per node, `hvlab-NODE`
 * over /var/lib/hvd/pools/hvlab-backups, defined the first time a VM of
 * that node is backed up; hvd's API makes no directory, so the driver
 * makes it at the node's console as an administrator would before
 * defining a store.  A backup's id for the runner is "STORE/ID", hvd's id
 * in its store: restore and delete find the store in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/ref_priv.h"

#define REF_BK_DIR "/var/lib/hvd/pools/hvlab-backups"
#define REF_BK_WAIT_NS (30 * 60 * NS_PER_S)	/* one backup task */
#define REF_JOB_END_NS (5 * 60 * NS_PER_S)	/* a job's run in progress */
#define REF_STORE_MAX 64

/* The store of vm's node into store (defined when it is not yet). */
static int
bk_store(struct driver *d, const char *vm, char *store, size_t len,
    char *err)
{
	const char *mk[] = { "mkdir", "-p", REF_BK_DIR, NULL };
	const char *node = NULL, *name;
	char path[256], host[DRV_NAME_MAX];
	const cJSON *s;
	cJSON *doc = NULL, *b;
	int found = 0;

	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	if (json_get_string(doc, "node", JSON_REQUIRED, &node, err) == -1) {
		cJSON_Delete(doc);
		return err_prefix(err, "ref: GET %s", path);
	}
	snprintf(host, sizeof(host), "%s", node);
	snprintf(store, len, "hvlab-%s", host);
	cJSON_Delete(doc);
	if (ref_call(d, "GET", "/api/v1/backup-stores", NULL, &doc, err) == -1)
		return -1;
	cJSON_ArrayForEach(s, (cJSON_IsArray(doc) ? doc : NULL))
		if (json_get_string(s, "name", JSON_REQUIRED, &name, NULL) ==
		    0 && strcmp(name, store) == 0)
			found = 1;
	cJSON_Delete(doc);
	if (found)
		return 0;
	if (ref_console(d, host, mk, NULL, 30000, err) == -1)
		return err_prefix(err, "ref: the backup store's directory");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", store);
	cJSON_AddStringToObject(b, "path", REF_BK_DIR);
	cJSON_AddStringToObject(b, "node", host);
	return ref_call(d, "POST", "/api/v1/backup-stores", b, NULL, err);
}

/* "STORE/ID" -> its store and hvd's id (pointers into buf). */
static int
bk_split(const char *backup_id, char *buf, size_t len, const char **store,
    const char **id, char *err)
{
	char *slash;

	if ((size_t)snprintf(buf, len, "%s", backup_id) >= len ||
	    (slash = strchr(buf, '/')) == NULL || slash == buf ||
	    slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		return err_set(err, "ref: backup id '%.80s' is not STORE/ID",
		    backup_id);
	*slash = '\0';
	*store = buf;
	*id = slash + 1;
	return 0;
}

/* The finished backup task's result: hvd's id and the bytes its parts
 * take in the store (the manifest's disks[].file_bytes). */
static int
bk_result(struct driver *d, const struct drv_task *t, const char *store,
    struct drv_backup *b, uint64_t *bytes, char *err)
{
	char path[DRV_TASK_ID_MAX + 32];
	const cJSON *res, *dk;
	const char *id = NULL;
	double v;
	cJSON *doc = NULL;
	int rc = -1;

	*bytes = 0;
	snprintf(path, sizeof(path), "/api/v1/tasks/%s", t->t_id);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	res = cJSON_GetObjectItemCaseSensitive(doc, "result");
	if (json_get_string(res, "id", JSON_REQUIRED, &id, err) == -1)
		goto out;
	cJSON_ArrayForEach(dk, cJSON_GetObjectItemCaseSensitive(res, "disks")) {
		if (json_get_double(dk, "file_bytes", JSON_REQUIRED, &v,
		    err) == -1 || v < 0)
			goto out;
		*bytes += (uint64_t)v;
	}
	if ((size_t)snprintf(b->b_id, sizeof(b->b_id), "%s/%s", store, id) >=
	    sizeof(b->b_id)) {
		err_set(err, "id '%.60s' too long", id);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		err_prefix(err, "ref: GET %s: result", path);
	cJSON_Delete(doc);
	return rc;
}

/*
 * POST /vms/VM/backup {"store", "mode"}, waited for here: the id is in
 * the task's result only.  The task's result also carries pause_ms
 * (ref_task_status: t_downtime_ms).
 */
int
ref_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err)
{
	char store[REF_STORE_MAX], path[256];
	uint64_t bytes;
	cJSON *body;

	if (b->b_target != NULL)
		snprintf(store, sizeof(store), "%s", b->b_target);
	else if (bk_store(d, b->b_vm, store, sizeof(store), err) == -1)
		return -1;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "store", store);
	cJSON_AddStringToObject(body, "mode", b->b_incremental ?
	    "incremental" : "full");
	snprintf(path, sizeof(path), "/api/v1/vms/%s/backup", b->b_vm);
	if (ref_task(d, "POST", path, body, t, err) == -1 ||
	    driver_task_wait(d, t, REF_BK_WAIT_NS, NULL, err) == -1 ||
	    bk_result(d, t, store, b, &bytes, err) == -1)
		return -1;
	t->t_bytes = bytes;
	return 0;
}

/* POST .../backups/ID/restore {"name"} (a new VM, its disks in their own
 * pools), waited for, then the new VM's own words. */
int
ref_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	char buf[DRV_BACKUP_ID_MAX], path[DRV_BACKUP_ID_MAX + 64];
	const char *store, *id;
	cJSON *body;

	if (bk_split(backup_id, buf, sizeof(buf), &store, &id, err) == -1)
		return -1;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", nv->v_name);
	snprintf(path, sizeof(path), "/api/v1/backup-stores/%s/backups/%s/"
	    "restore", store, id);
	if (ref_task(d, "POST", path, body, t, err) == -1 ||
	    driver_task_wait(d, t, REF_BK_WAIT_NS, NULL, err) == -1)
		return -1;
	if (nv->v_cmdline != NULL && ref_clone_words(d, nv->v_name,
	    nv->v_cmdline, err) == -1)
		return err_prefix(err, "ref: restored VM %s: its cmdline",
		    nv->v_name);
	return 0;
}

int
ref_backup_delete(struct driver *d, const char *backup_id,
    struct drv_task *t, char *err)
{
	char buf[DRV_BACKUP_ID_MAX], path[DRV_BACKUP_ID_MAX + 64];
	const char *store, *id;

	if (bk_split(backup_id, buf, sizeof(buf), &store, &id, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/api/v1/backup-stores/%s/backups/%s",
	    store, id);
	return ref_task(d, "DELETE", path, NULL, t, err);
}

/* POST /backup-jobs: full backups of j_vm into its node's store. */
int
ref_backup_job_create(struct driver *d, const struct drv_backup_job *j,
    char *err)
{
	char store[REF_STORE_MAX];
	cJSON *b, *vms;

	if (bk_store(d, j->j_vm, store, sizeof(store), err) == -1)
		return -1;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "id", j->j_name);
	vms = cJSON_AddArrayToObject(b, "vms");
	cJSON_AddItemToArray(vms, cJSON_CreateString(j->j_vm));
	cJSON_AddStringToObject(b, "store", store);
	cJSON_AddStringToObject(b, "mode", "full");
	cJSON_AddStringToObject(b, "schedule", j->j_spec);
	cJSON_AddNumberToObject(b, "keep_last", j->j_keep_last);
	return ref_call(d, "POST", "/api/v1/backup-jobs", b, NULL, err);
}

/* The job's runs: its `vzdumpjob` tasks (target: the job's id). */
static int
job_runs(struct driver *d, struct drv_backup_job *j, char *err)
{
	const char *type, *target, *state;
	const cJSON *tk;
	cJSON *doc = NULL;

	j->j_runs = j->j_failed = j->j_running = 0;
	if (ref_call(d, "GET", "/api/v1/tasks", NULL, &doc, err) == -1)
		return -1;
	cJSON_ArrayForEach(tk, (cJSON_IsArray(doc) ? doc : NULL)) {
		if (json_get_string(tk, "type", JSON_REQUIRED, &type, NULL) ||
		    json_get_string(tk, "target", JSON_REQUIRED, &target,
		    NULL) || json_get_string(tk, "state", JSON_REQUIRED,
		    &state, NULL) || strcmp(type, "vzdumpjob") != 0 ||
		    strcmp(target, j->j_name) != 0)
			continue;
		if (strcmp(state, "ok") == 0)
			j->j_runs++;
		else if (strcmp(state, "error") == 0)
			j->j_failed++;
		else
			j->j_running++;
	}
	cJSON_Delete(doc);
	return 0;
}

static int
id_newer(const void *a, const void *b)
{
	return -strcmp(a, b);
}

/* The backups of j_vm in its node's store, newest first (hvd's ids end
 * in their UTC time, so they sort by it within one VM). */
static int
job_backups(struct driver *d, struct drv_backup_job *j, char *err)
{
	char store[REF_STORE_MAX], path[128];
	const char *vm, *id;
	const cJSON *m;
	cJSON *doc = NULL;

	j->j_nids = 0;
	if (bk_store(d, j->j_vm, store, sizeof(store), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/api/v1/backup-stores/%s/backups",
	    store);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	cJSON_ArrayForEach(m, (cJSON_IsArray(doc) ? doc : NULL)) {
		if (json_get_string(m, "vm", JSON_REQUIRED, &vm, NULL) ||
		    json_get_string(m, "id", JSON_REQUIRED, &id, NULL) ||
		    strcmp(vm, j->j_vm) != 0)
			continue;
		if (j->j_nids == DRV_BACKUPS_MAX) {
			cJSON_Delete(doc);
			return err_set(err, "ref: store %s holds more than %d "
			    "backups of %s", store, DRV_BACKUPS_MAX, j->j_vm);
		}
		snprintf(j->j_ids[j->j_nids++], DRV_BACKUP_ID_MAX, "%s/%s",
		    store, id);
	}
	cJSON_Delete(doc);
	qsort(j->j_ids, j->j_nids, DRV_BACKUP_ID_MAX, id_newer);
	return 0;
}

int
ref_backup_job_status(struct driver *d, struct drv_backup_job *j,
    char *err)
{
	if (job_runs(d, j, err) == -1 || job_backups(d, j, err) == -1)
		return err_prefix(err, "ref: backup job %s", j->j_name);
	return 0;
}

/* DELETE /backup-jobs/ID, then its run in progress waited for. */
int
ref_backup_job_delete(struct driver *d, const struct drv_backup_job *j,
    char *err)
{
	struct drv_backup_job now = *j;
	char path[128];
	uint64_t end = clock_mono_ns() + REF_JOB_END_NS;

	snprintf(path, sizeof(path), "/api/v1/backup-jobs/%s", j->j_name);
	if (ref_call(d, "DELETE", path, NULL, NULL, err) == -1)
		return -1;
	for (;;) {
		if (job_runs(d, &now, err) == -1)
			return -1;
		if (now.j_running == 0)
			return 0;
		if (clock_mono_ns() > end)
			return err_set(err, "ref: backup job %s: a run still "
			    "goes on %d s after the job was deleted",
			    j->j_name, (int)(REF_JOB_END_NS / NS_PER_S));
		clock_sleep_ns(500 * NS_PER_MS);
	}
}
