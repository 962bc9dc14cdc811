/*
 * vmmigrec.c - which node holds a VM during a live migration, decided in
 * one place: the VM's record in etcd.
 *
 * QEMU finishes a migration on its own, also when the hvd that started
 * it has died, and leaves a complete VM on both sides: the source
 * paused in "postmigrate", the target paused (started with -S).  Either
 * may run, never both.  The source marks the record before the stream
 * ("migrating": {"to": TARGET, "task": ID}); afterwards exactly one
 * compare-and-swap on that record wins:
 *
 *   commit (the target, once its QEMU holds the whole VM): the record
 *   names the target and loses the mark; only then does the target run;
 *   abort (the source, when the target did not take over, or an hvd
 *   restarted beside a QEMU that was migrating): the mark goes, the
 *   record still names the source; only then may the source run again.
 *
 * A QEMU whose side lost is stopped; one whose hvd cannot reach etcd
 * stays paused until it can tell.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/qmp.h"
#include "platform/vmops_priv.h"

#define MIGREC_TRIES	20

/* The record's mark, or NULL. */
static const cJSON *
mark_of(const cJSON *rec)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "migrating");

	return cJSON_IsObject(m) ? m : NULL;
}

static const char *
mark_str(const cJSON *m, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, key);

	return cJSON_IsString(x) ? x->valuestring : "";
}

/* What a step is given: the migration's task (the source's) and, to
 * mark, its target. */
struct migrec_arg {
	const char	*ma_task;
	const char	*ma_target;
};

/* What one step does to a record read at rev: 1 write it back changed,
 * 0 done without a write (*res set), -1 + err. */
typedef int (*migrec_step_fn)(cJSON *rec, const char *self,
    const struct migrec_arg *a, int *res, char *err);

/* Read, change, compare-and-swap; again while others change the record.
 * The step's result, or -1 + err. */
static int
migrec_cas(struct vmops *v, const char *name, const struct migrec_arg *a,
    migrec_step_fn step, char *err)
{
	char key[128], *s;
	cJSON *rec;
	int64_t rev;
	int i, r, res = -1;

	snprintf(key, sizeof(key), "%s%s", KEY_VMS, name);
	for (i = 0; i < MIGREC_TRIES; i++) {
		if ((r = vmops_rec_get(v, name, &rec, &rev, err)) != 1)
			return r == 0 ? err_set(err, "VM %s has no record",
			    name) : -1;
		res = 1;
		r = step(rec, v->v_cf->cf_node, a, &res, err);
		s = r == 1 ? cJSON_PrintUnformatted(rec) : NULL;
		cJSON_Delete(rec);
		if (r <= 0)
			return r < 0 ? -1 : res;
		if (s == NULL)
			return err_set(err, "out of memory");
		r = etcd_cas(v->v_etcd, key, s, rev, err);
		free(s);
		if (r < 0)
			return -1;
		if (r == 1)
			return res;
	}
	return err_set(err, "VM %s: its record kept changing", name);
}

static int
step_mark(cJSON *rec, const char *self, const struct migrec_arg *a,
    int *res, char *err)
{
	cJSON *m;

	if (strcmp(vmops_rec_node(rec), self) != 0)
		return err_set(err, "the VM now belongs to %s",
		    vmops_rec_node(rec));
	if ((m = cJSON_CreateObject()) == NULL)
		return err_set(err, "out of memory");
	cJSON_AddStringToObject(m, "to", a->ma_target);
	cJSON_AddStringToObject(m, "task", a->ma_task);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "migrating");
	cJSON_AddItemToObject(rec, "migrating", m);
	return 1;
}

int
vmmigrec_mark(struct vmops *v, const char *name, const char *target,
    const char *task, char *err)
{
	struct migrec_arg a = { task, target };

	return migrec_cas(v, name, &a, step_mark, err) < 0 ? -1 : 0;
}

/* The target (self) takes the VM while the source's mark (task) is on. */
static int
step_commit(cJSON *rec, const char *self, const struct migrec_arg *a,
    int *res, char *err)
{
	const cJSON *m = mark_of(rec);

	if (m == NULL || strcmp(mark_str(m, "task"), a->ma_task) != 0 ||
	    strcmp(mark_str(m, "to"), self) != 0) {
		*res = 0;	/* the source gave up first */
		return 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "migrating");
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "node",
	    cJSON_CreateString(self));
	return 1;
}

/* The source (self) keeps the VM: any mark goes while it names self. */
static int
step_abort(cJSON *rec, const char *self, const struct migrec_arg *a,
    int *res, char *err)
{
	const cJSON *m = mark_of(rec);

	if (strcmp(vmops_rec_node(rec), self) != 0) {
		*res = 0;	/* the target took it */
		return 0;
	}
	if (m == NULL)
		return 0;	/* nothing to undo: kept */
	if (a->ma_task != NULL && strcmp(mark_str(m, "task"), a->ma_task) != 0)
		return err_set(err, "the VM is marked by another migration "
		    "(%s)", mark_str(m, "task"));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "migrating");
	return 1;
}

/* One of the steps, retried for up to wait_ms while etcd errs. */
static int
migrec_retry(struct vmops *v, const char *name, const char *task,
    migrec_step_fn step, long wait_ms, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)wait_ms * NS_PER_MS;
	struct migrec_arg a = { task, NULL };
	int r;

	while ((r = migrec_cas(v, name, &a, step, err)) < 0 &&
	    clock_mono_ns() < end)
		clock_sleep_ns(250 * NS_PER_MS);
	return r;
}

int
vmmigrec_commit(struct vmops *v, const char *name, const char *task,
    long wait_ms, char *err)
{
	return migrec_retry(v, name, task, step_commit, wait_ms, err);
}

int
vmmigrec_commit_prepare(struct vmops *v, struct vmmigrec_commit *c,
    char *err)
{
	struct migrec_arg a = { c->mc_task, NULL };
	cJSON *rec;
	int r, res = 1;

	c->mc_val = NULL;
	if ((r = vmops_rec_get(v, c->mc_vm, &rec, &c->mc_rev, err)) != 1)
		return r == 0 ? err_set(err, "VM %s has no record",
		    c->mc_vm) : -1;
	if ((r = step_commit(rec, v->v_cf->cf_node, &a, &res, err)) == 1 &&
	    (c->mc_val = cJSON_PrintUnformatted(rec)) == NULL)
		r = err_set(err, "out of memory");
	cJSON_Delete(rec);
	if (r == 0)
		return err_set(err, "VM %s is not marked as migrating here by "
		    "%s", c->mc_vm, c->mc_task);
	return r < 0 ? -1 : 0;
}

int
vmmigrec_commit_fast(struct vmops *v, struct vmmigrec_commit *c,
    long wait_ms, char *err)
{
	char key[128];
	int r = 0;

	snprintf(key, sizeof(key), "%s%s", KEY_VMS, c->mc_vm);
	if (c->mc_val != NULL)
		r = etcd_cas(v->v_etcd, key, c->mc_val, c->mc_rev, err);
	free(c->mc_val);
	c->mc_val = NULL;
	if (r == 1)
		return 1;
	/* the record changed since (or etcd erred): decide on a fresh read */
	return vmmigrec_commit(v, c->mc_vm, c->mc_task, wait_ms, err);
}

int
vmmigrec_abort(struct vmops *v, const char *name, const char *task,
    long wait_ms, char *err)
{
	return migrec_retry(v, name, task, step_abort, wait_ms, err);
}

/* query-migrate's status ("none" when QEMU has none), 0 or -1 + err. */
static int
mig_status(struct qmp *q, char *buf, size_t len, char *err)
{
	cJSON *ret = NULL;
	const char *st = "none";

	if (qmp_execute(q, "query-migrate", NULL, &ret, 10000, err) < 0)
		return -1;
	json_get_string(ret, "status", JSON_OPTIONAL, &st, NULL);
	snprintf(buf, len, "%s", st ? st : "none");
	cJSON_Delete(ret);
	return 0;
}

/* An outgoing migration that still streams is cancelled; 0 once it is
 * over (whatever its end), -1 + err. */
static int
mig_cancel_wait(struct vm_proc *p, char *err)
{
	char st[32];
	int i;

	for (i = 0; i < 100; i++) {
		if (mig_status(p->qmp, st, sizeof(st), err) < 0)
			return -1;
		if (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0 ||
		    strcmp(st, "cancelled") == 0 || strcmp(st, "none") == 0)
			return 0;
		if (i == 0)
			(void)qmp_execute(p->qmp, "migrate_cancel", NULL, NULL,
			    10000, NULL);
		clock_sleep_ns(100 * NS_PER_MS);
	}
	return err_set(err, "VM %s: the migration does not end", p->name);
}

int
vmmigrec_adopt(struct vmops *v, struct vm_proc *p, char *err)
{
	char st[32], mst[32];
	cJSON *rec = NULL;
	int marked, r;

	if (vm_status(p, st, sizeof(st), err) < 0 ||
	    mig_status(p->qmp, mst, sizeof(mst), err) < 0)
		return -1;
	if ((r = vmops_rec_get(v, p->name, &rec, NULL, err)) != 1)
		return r == 0 ? 0 : -1;
	marked = mark_of(rec) != NULL;
	cJSON_Delete(rec);
	if (!marked && strcmp(st, "paused") != 0)
		return 1;
	if (marked && strcmp(mst, "completed") != 0) {
		if (mig_cancel_wait(p, err) < 0 ||
		    vm_status(p, st, sizeof(st), err) < 0)
			return -1;
	}
	/* marked: a migration whose hvd died; unmarked and paused: a
	 * target that took the VM and died before it ran it */
	if (marked && (r = vmmigrec_abort(v, p->name, NULL, 0, err)) != 1)
		return r;
	if (strcmp(st, "running") != 0 &&
	    qmp_execute(p->qmp, "cont", NULL, NULL, 10000, err) < 0)
		return err_prefix(err, "VM %s: cont", p->name);
	log_info("vm %s: %s QEMU (%s) runs here again", p->name,
	    marked ? "a migration's source" : "a migration's target", st);
	return 1;
}

/* VM name's QEMU runs here but its record names another node (or none):
 * stop it. */
static void
stray_stop(struct vmops *v, const char *name)
{
	struct vm_proc p;
	cJSON *rec = NULL;
	char err[ERR_LEN];
	int r;

	if ((r = vmops_rec_get(v, name, &rec, NULL, err)) < 0)
		return;
	if (r == 1 && strcmp(vmops_rec_node(rec), v->v_cf->cf_node) == 0) {
		cJSON_Delete(rec);
		return;
	}
	r = vm_adopt(&v->v_host, name, &p, err);
	if (r == 1 || (r < 0 && vm_proc_alive(&p))) {
		log_warnx("vm %s: QEMU pid %d runs here but the VM belongs to "
		    "%s: stopped", name, (int)p.pid, rec ?
		    vmops_rec_node(rec) : "no node (deleted)");
		if (vm_stop(&p, 2000, err) != 0)
			log_warnx("%s", err);
		vm_cleanup(&v->v_host, name, NULL);
	}
	vm_proc_release(&p);
	cJSON_Delete(rec);
}

void
vmmigrec_stop_strays(struct vmops *v)
{
	struct dirent *d;
	DIR *dir;

	if ((dir = opendir(v->v_cf->cf_vm_dir)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.' && vm_valid_name(d->d_name))
			stray_stop(v, d->d_name);
	closedir(dir);
}
