/*
 * vmops.c - VM records, locks, the operation queue, the API side and the
 * node's supervisor thread (see vmops.h).
 *
 * Threads: API threads check, lock and queue; the supervisor thread
 * adopts local QEMUs, claims queued operations and starts them as tasks
 * (vmtask.c holds their bodies), and notices QEMUs that died; task
 * threads do the work through vm.h and migrate.h.  v_mu guards the slot
 * table; a slot marked busy belongs to the task working on that VM (the
 * etcd lock makes that one at a time).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/balance.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/confine.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/migrate.h"
#include "platform/netcfg.h"
#include "platform/peer.h"
#include "platform/pool.h"
#include "platform/snapshot.h"
#include "platform/vm.h"
#include "platform/vmops.h"
#include "platform/vmops_priv.h"

#define TASK_KEEP	500	/* ended tasks kept per node */

/* A disk's path comes from pool_resolve. */
_Static_assert(VM_PATH_MAX >= POOL_PATH_MAX, "a disk path holds a pool path");


/* Also waits for a hook call in progress: after vmops_set_start_hook(v,
 * NULL, NULL) the old arg is no longer used. */
void
vmops_set_start_hook(struct vmops *v, vmops_start_hook fn, void *arg)
{
	pthread_mutex_lock(&v->v_hook_mu);
	v->v_hook = fn;
	v->v_hook_arg = arg;
	pthread_mutex_unlock(&v->v_hook_mu);
}

/* The start hook, if any (starts are rare: one at a time is fine). */
int
vmops_call_start_hook(struct vmops *v, const char *vm, char *err)
{
	int rc = 0;

	pthread_mutex_lock(&v->v_hook_mu);
	if (v->v_hook != NULL)
		rc = v->v_hook(v->v_hook_arg, vm, err);
	pthread_mutex_unlock(&v->v_hook_mu);
	return rc;
}


/* --- slots --- */

static struct vm_slot *
slot_find(struct vmops *v, const char *name)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (v->v_slots[i].s_used &&
		    strcmp(v->v_slots[i].s_proc.name, name) == 0)
			return &v->v_slots[i];
	return NULL;
}

/* Take the slot of name for a task (busy), or a free one when absent
 * and create is set.  NULL when none. */
struct vm_slot *
vmops_slot_take(struct vmops *v, const char *name, int create)
{
	struct vm_slot *s;
	int i;

	pthread_mutex_lock(&v->v_mu);
	if ((s = slot_find(v, name)) == NULL && create)
		for (i = 0; i < MAX_SLOTS; i++)
			if (!v->v_slots[i].s_used) {
				s = &v->v_slots[i];
				memset(s, 0, sizeof(*s));
				s->s_proc.pid = -1;
				snprintf(s->s_proc.name, sizeof(s->s_proc.name),
				    "%s", name);
				break;
			}
	if (s)
		s->s_busy = 1;
	pthread_mutex_unlock(&v->v_mu);
	return s;
}

/* Give the slot back; keep says whether it holds a running VM. */
void
vmops_slot_give(struct vmops *v, struct vm_slot *s, int keep)
{
	pthread_mutex_lock(&v->v_mu);
	s->s_busy = 0;
	s->s_used = keep;
	pthread_mutex_unlock(&v->v_mu);
}

/* --- etcd records --- */

int
vm_valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > VM_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (i > 0 && (s[i] == '-' || s[i] == '_' || s[i] == '.'))))
			return 0;
	return 1;
}

static int
put_json(struct etcd *e, const char *key, const cJSON *o, char *err)
{
	char *s = cJSON_PrintUnformatted(o);
	int rc;

	if (s == NULL)
		return err_set(err, "out of memory");
	rc = etcd_put(e, key, s, 0, err);
	free(s);
	return rc;
}

/* Read /hvd/vms/NAME: 1 (*rec, *rev set), 0 absent, -1. */
int
vmops_rec_get(struct vmops *v, const char *name, cJSON **rec,
    int64_t *rev, char *err)
{
	char key[128];
	struct etcd_kv kv;
	int rc;

	*rec = NULL;
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, name);
	if ((rc = etcd_get(v->v_etcd, key, &kv, err)) != 1)
		return rc;
	if (rev)
		*rev = kv.kv_mod_rev;
	if ((*rec = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL ||
	    !cJSON_IsObject(*rec)) {
		cJSON_Delete(*rec);
		*rec = NULL;
		rc = err_set(err, "record of VM %s is corrupt", name);
	}
	etcd_kv_clear(&kv);
	return rc;
}

const char *
vmops_rec_node(const cJSON *rec)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "node");

	return cJSON_IsString(n) ? n->valuestring : "";
}

/*
 * /hvd/vmstate/NAME: state, node, since; when running (p set) QEMU's pid
 * and accelerator; when QEMU ended by itself, why (its last words).
 */
void
vmops_state_put(struct vmops *v, const char *name, const char *state,
    const struct vm_proc *p, const char *why)
{
	char key[128], ts[32], err[ERR_LEN];
	cJSON *o = cJSON_CreateObject();

	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddStringToObject(o, "node", v->v_cf->cf_node);
	if (p != NULL && p->pid > 0)
		cJSON_AddNumberToObject(o, "pid", p->pid);
	if (p != NULL && p->accel[0] != '\0')
		cJSON_AddStringToObject(o, "accel", p->accel);
	if (why != NULL && why[0] != '\0')
		cJSON_AddStringToObject(o, "exit", why);
	cJSON_AddStringToObject(o, "since", ts);
	snprintf(key, sizeof(key), "%s%s", KEY_VMSTATE, name);
	if (put_json(v->v_etcd, key, o, err) != 0)
		log_warnx("vm %s: state: %s", name, err);
	cJSON_Delete(o);
}

/* "running"/"stopped" from /hvd/vmstate/NAME into buf ("stopped" when
 * absent); 0 or -1. */
static int
state_get(struct vmops *v, const char *name, char *buf, size_t len,
    cJSON **doc, char *err)
{
	char key[128];
	struct etcd_kv kv;
	cJSON *o;
	const char *s = "stopped";
	int rc;

	if (doc)
		*doc = NULL;
	snprintf(key, sizeof(key), "%s%s", KEY_VMSTATE, name);
	if ((rc = etcd_get(v->v_etcd, key, &kv, err)) < 0)
		return -1;
	if (rc == 0) {
		snprintf(buf, len, "stopped");
		return 0;
	}
	o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	json_get_string(o, "state", JSON_OPTIONAL, &s, NULL);
	snprintf(buf, len, "%s", s ? s : "stopped");
	if (doc)
		*doc = o;
	else
		cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return 0;
}

/* The task that holds VM name's lock into task: 1, or 0 when no lock
 * is held (task "").  A lock without a task reads "another operation".
 * An operation on the VM answers 409 while one is held, e.g. while hvd,
 * back from a crash, settles what its dead task left. */
static int
lock_holder(struct vmops *v, const char *name, char *task, size_t len)
{
	char key[128];
	struct etcd_kv kv;
	cJSON *o;
	const char *t = NULL;

	task[0] = '\0';
	snprintf(key, sizeof(key), "%s%s", KEY_VM_LOCKS, name);
	if (etcd_get(v->v_etcd, key, &kv, NULL) != 1)
		return 0;
	o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	snprintf(task, len, "%s", json_get_string(o, "task", JSON_OPTIONAL,
	    &t, NULL) == 0 && t ? t : "another operation");
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return 1;
}

/* Lock VM name for task id: 1 locked, 0 busy (holder in busy), -1. */
static int
lock_vm(struct vmops *v, const char *name, const char *id, char *busy,
    size_t blen, char *err)
{
	char key[128], val[TASK_ID_LEN + 128], t[TASK_ID_LEN + 32];
	int rc;

	snprintf(key, sizeof(key), "%s%s", KEY_VM_LOCKS, name);
	snprintf(val, sizeof(val), "{\"task\":\"%s\",\"node\":\"%s\"}", id,
	    v->v_cf->cf_node);
	if ((rc = etcd_create(v->v_etcd, key, val, 0, err)) != 0)
		return rc;
	if (lock_holder(v, name, t, sizeof(t)) == 1 &&
	    strcmp(t, "another operation") != 0)
		snprintf(busy, blen, "task %s", t);
	else
		snprintf(busy, blen, "another operation");
	return 0;
}

/* Delete lock key if task id still holds it. */
void
vmops_unlock_key(struct vmops *v, const char *key, const char *id)
{
	struct etcd_kv kv;
	cJSON *o;
	const char *t = NULL;

	if (etcd_get(v->v_etcd, key, &kv, NULL) != 1)
		return;
	o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	if (json_get_string(o, "task", JSON_OPTIONAL, &t, NULL) == 0 && t &&
	    strcmp(t, id) == 0)
		etcd_delete_if(v->v_etcd, key, kv.kv_mod_rev, NULL);
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
}

void
vmops_unlock_vm(struct vmops *v, const char *name, const char *id)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", KEY_VM_LOCKS, name);
	vmops_unlock_key(v, key, id);
}

/* Parse and check a stored config. */
int
vmops_rec_config(const cJSON *rec, struct vm_config *c, char *err)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "config");
	char bad[64];

	if (!cJSON_IsObject(cfg))
		return err_set(err, "VM record has no config");
	return vm_config_from_json(cfg, c, bad, sizeof(bad), err);
}

/*
 * kernel and initrd lie in the image directories (confine.h).  flags is
 * CONFINE_MISSING_OK at the API, where the files may exist only on the
 * VM's node; without it the resolved paths replace the spelled ones, so
 * QEMU opens what was checked.  0, or -1 with err and *field.
 */
static int
confine_images(struct vmops *v, struct vm_config *c, int flags,
    const char **field, char *err)
{
	struct confine_req r = { v->v_cf->cf_image_dirs, "image_dirs", NULL,
	    flags, "" };
	char *paths[] = { c->kernel, c->initrd };
	static const char *const names[] = { "kernel", "initrd" };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (paths[i][0] == '\0')
			continue;
		*field = r.cr_field = names[i];
		if (confine_path(&r, paths[i], err) != 0)
			return -1;
		if (flags & CONFINE_MISSING_OK)
			continue;
		if (strlen(r.cr_resolved) >= VM_PATH_MAX)
			return err_set(err, "%s: '%s' resolves to a path longer "
			    "than %d bytes", names[i], paths[i], VM_PATH_MAX - 1);
		snprintf(paths[i], VM_PATH_MAX, "%s", r.cr_resolved);
	}
	return 0;
}

int
vmops_resolve_paths(struct vmops *v, struct vm_config *c, char *err)
{
	struct confine_req r = { v->v_cf->cf_pool_dirs, "pool_dirs", NULL, 0,
	    "" };
	const char *field;
	char name[32];
	int i;

	for (i = 0; i < c->ndisks; i++) {
		snprintf(name, sizeof(name), "disks[%d]", i);
		r.cr_field = name;
		if (pool_resolve(v->v_etcd, v->v_cf->cf_node, c->disks[i].pool,
		    c->disks[i].volume, c->disks[i].path, err) != 0)
			return err_prefix(err, "%s", name);
		/* A file of a dir pool: pool_dirs may have changed since the
		 * pool was made, and the directory may be a symlink now. */
		if (strncmp(c->disks[i].path, "iscsi://", 8) != 0 &&
		    confine_path(&r, c->disks[i].path, err) != 0)
			return -1;
	}
	return confine_images(v, c, 0, &field, err);
}

/* Every disk names an existing volume no other VM uses: 0, or -1 with
 * err and call's status and field. */
static int
check_disks(struct vmops *v, const struct vm_config *c,
    struct vmops_call *call, char *err)
{
	char path[VM_PATH_MAX], user[64], *field = call->vc_field;
	int i, j, r;

	for (i = 0; i < c->ndisks; i++) {
		snprintf(field, sizeof(call->vc_field), "disks[%d].volume",
		    i);
		for (j = 0; j < i; j++)
			if (strcmp(c->disks[i].pool, c->disks[j].pool) == 0 &&
			    strcmp(c->disks[i].volume, c->disks[j].volume) ==
			    0) {
				call->vc_status = 400;
				return err_set(err, "%s: volume given twice",
				    field);
			}
		/* Existence (node-local dir volumes are checked at start). */
		if (pool_resolve(v->v_etcd, v->v_cf->cf_node, c->disks[i].pool,
		    c->disks[i].volume, path, err) != 0 &&
		    strstr(err, "local to node") == NULL) {
			call->vc_status = 400;
			return err_prefix(err, "%s", field);
		}
		if ((r = pool_volume_user(v->v_etcd, c->disks[i].pool,
		    c->disks[i].volume, c->name, user, err)) != 0) {
			call->vc_status = r < 0 ? 503 : 409;
			if (r > 0)
				err_set(err, "%s: volume %s/%s is VM %s's disk",
				    field, c->disks[i].pool,
				    c->disks[i].volume, user);
			return -1;
		}
	}
	field[0] = '\0';
	return 0;
}

/* Wait for task id: until progress >= 0.5 (ready) or it ended.  Returns
 * 1 ready/ok, 0 it failed (err = its error), -1 timeout/etcd. */
int
vmops_wait_task(struct vmops *v, const char *id, int until_done,
    long timeout_ms, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	const char *st, *e;
	double prog;
	cJSON *doc;

	while (clock_mono_ns() < end) {
		if (task_get(v->v_etcd, id, &doc, err) == 1) {
			st = "";
			json_get_string(doc, "state", JSON_OPTIONAL, &st, NULL);
			prog = 0;
			json_get_double(doc, "progress", JSON_OPTIONAL, &prog,
			    NULL);
			if (strcmp(st, "error") == 0) {
				e = "failed";
				json_get_string(doc, "error", JSON_OPTIONAL,
				    &e, NULL);
				err_set(err, "%s", e);
				cJSON_Delete(doc);
				return 0;
			}
			if (strcmp(st, "ok") == 0 ||
			    (!until_done && prog >= 0.5)) {
				cJSON_Delete(doc);
				return 1;
			}
			cJSON_Delete(doc);
		}
		clock_sleep_ns(50 * NS_PER_MS);
	}
	return err_set(err, "timed out waiting for task %s", id);
}

int
vmops_queue_op(struct vmops *v, const char *node, const char *id,
    const cJSON *op, char *err)
{
	char key[TASK_ID_LEN + 128];

	snprintf(key, sizeof(key), "%s%s/%s", KEY_QUEUE, node, id);
	return put_json(v->v_etcd, key, op, err);
}


/* --- the node's supervisor thread --- */

/* One VM of this node: adopt its QEMU, or record that it stopped. */
static void
adopt_one(struct vmops *v, const char *name)
{
	char err[ERR_LEN], st[32];
	struct vm_slot *s;
	int r;

	if ((s = vmops_slot_take(v, name, 1)) == NULL)
		return;
	r = vm_adopt(&v->v_host, name, &s->s_proc, err);
	if (r == 1 && (r = vmmigrec_adopt(v, &s->s_proc, err)) == 0) {
		log_warnx("vm %s: a migration moved it to another node: its "
		    "QEMU here (pid %d) is stopped", name, (int)s->s_proc.pid);
		vm_stop(&s->s_proc, 2000, NULL);
		vm_cleanup(&v->v_host, name, NULL);
		vmops_slot_give(v, s, 0);
		return;
	}
	if (r != 0 && s->s_proc.qmp != NULL) {
		/* r < 0: what a migration left could not be settled (etcd
		 * unreachable): the state says what QEMU does */
		if (r < 0)
			log_warnx("vm %s: %s", name, err);
		if (r < 0 && vm_status(&s->s_proc, st, sizeof(st), err) != 0)
			snprintf(st, sizeof(st), "running");
		if (r == 1)
			log_info("vm %s: adopted running QEMU (pid %d)", name,
			    (int)s->s_proc.pid);
		else
			log_info("vm %s: adopted QEMU (pid %d), which is %s",
			    name, (int)s->s_proc.pid, st);
		vmops_slot_give(v, s, 1);
		vmops_state_put(v, name, r == 1 ? "running" : st, &s->s_proc,
		    NULL);
		return;
	}
	if (r < 0 && vm_proc_alive(&s->s_proc)) {
		/* Alive but silent on QMP (hung, or too busy to greet in
		 * time): it is still this node's running VM.  The slot keeps
		 * its pid, so no start makes a second QEMU, and QMP is
		 * retried whenever a task or a status needs it. */
		log_warnx("vm %s: QEMU pid %d runs but %s: kept as running",
		    name, (int)s->s_proc.pid, err);
		vmops_slot_give(v, s, 1);
		vmops_state_put(v, name, "running", &s->s_proc, NULL);
		return;
	}
	if (r < 0)
		log_warnx("vm %s: %s", name, err);
	vmops_slot_give(v, s, 0);
	if (state_get(v, name, st, sizeof(st), NULL, NULL) == 0 &&
	    strcmp(st, "stopped") != 0) {
		log_info("vm %s: not running any more", name);
		vm_cleanup(&v->v_host, name, NULL);
		vmops_state_put(v, name, "stopped", NULL, NULL);
	}
}

/* At start: the QEMUs of this node's VMs (a restarted hvd never kills
 * them), and those a migration left here for another node (stopped).
 * 0, or -1 when the VMs could not be listed (tried again later). */
static int
adopt_local_vms(struct vmops *v)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	char err[ERR_LEN];
	cJSON *rec;

	if (etcd_list(v->v_etcd, KEY_VMS, &kvs, &n, err) != 0) {
		log_warnx("vm adoption: %s", err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((rec = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		if (strcmp(vmops_rec_node(rec), v->v_cf->cf_node) == 0)
			adopt_one(v, kvs[i].kv_key + strlen(KEY_VMS));
		cJSON_Delete(rec);
	}
	etcd_kvs_free(kvs, n);
	vmmigrec_stop_strays(v);
	return 0;
}

static void
claim_queued(struct vmops *v)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	char prefix[128], err[ERR_LEN];
	const char *s;
	int64_t port = 0, tmo = 60;
	const cJSON *params;
	struct vm_op *o;
	cJSON *q;

	snprintf(prefix, sizeof(prefix), "%s%s/", KEY_QUEUE,
	    v->v_cf->cf_node);
	if (etcd_list(v->v_etcd, prefix, &kvs, &n, err) != 0)
		return;
	for (i = 0; i < n; i++) {
		/* Claim: whoever deletes the unchanged entry runs it. */
		if (etcd_delete_if(v->v_etcd, kvs[i].kv_key, kvs[i].kv_mod_rev,
		    NULL) != 1)
			continue;
		if ((o = calloc(1, sizeof(*o))) == NULL)
			continue;
		o->o_v = v;
		snprintf(o->o_id, sizeof(o->o_id), "%s",
		    kvs[i].kv_key + strlen(prefix));
		q = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL);
		s = NULL;
		if (q == NULL || json_get_string(q, "op", JSON_REQUIRED, &s,
		    err) != 0 || strlen(s) >= sizeof(o->o_op)) {
			task_fail(v->v_etcd, o->o_id, "malformed queue entry",
			    NULL);
			cJSON_Delete(q);
			free(o);
			continue;
		}
		snprintf(o->o_op, sizeof(o->o_op), "%s", s);
		s = "";
		json_get_string(q, "vm", JSON_OPTIONAL, &s, NULL);
		snprintf(o->o_vm, sizeof(o->o_vm), "%s", s);
		s = "";
		json_get_string(q, "target", JSON_OPTIONAL, &s, NULL);
		snprintf(o->o_target, sizeof(o->o_target), "%s", s);
		s = "";
		json_get_string(q, "parent", JSON_OPTIONAL, &s, NULL);
		snprintf(o->o_parent, sizeof(o->o_parent), "%s", s);
		s = "";
		json_get_string(q, "lock", JSON_OPTIONAL, &s, NULL);
		snprintf(o->o_lock, sizeof(o->o_lock), "%s", s);
		s = "";
		json_get_string(q, "reason", JSON_OPTIONAL, &s, NULL);
		snprintf(o->o_reason, sizeof(o->o_reason), "%s", s);
		json_get_int(q, "port", JSON_OPTIONAL, &port, NULL);
		o->o_port = (int)port;
		tmo = 60;
		json_get_int(q, "timeout_s", JSON_OPTIONAL, &tmo, NULL);
		o->o_timeout_s = (long)tmo;
		params = cJSON_GetObjectItemCaseSensitive(q, "params");
		if (cJSON_IsObject(params))
			o->o_params = cJSON_Duplicate(params, 1);
		cJSON_Delete(q);
		if (task_run(v->v_etcd, o->o_id, vmtask_main, o, vmtask_free,
		    err) != 0)
			log_warnx("task %s: %s", kvs[i].kv_key, err);
	}
	etcd_kvs_free(kvs, n);
}

/* 1 when the node that runs task (UPID:NODE:...) has lost its node lease:
 * its tasks end with it (the node's hvd marks them failed when it is
 * back), and a lock one of them holds must not keep the VM from an HA
 * recovery elsewhere meanwhile. */
static int
task_node_lost(struct vmops *v, const char *task)
{
	char node[HVD_NAME_MAX], key[160];
	const char *p = task + 5, *e = strchr(p, ':');
	struct etcd_kv kv;
	int r;

	if (e == NULL || (size_t)(e - p) >= sizeof(node) || e == p)
		return 0;
	snprintf(node, sizeof(node), "%.*s", (int)(e - p), p);
	if (strcmp(node, v->v_cf->cf_node) == 0)
		return 0;
	snprintf(key, sizeof(key), "%s%s", KEY_ALIVE, node);
	if ((r = etcd_get(v->v_etcd, key, &kv, NULL)) == 1)
		etcd_kv_clear(&kv);
	return r == 0;
}

/*
 * Locks whose holder is gone: a task that ended (or was marked failed by
 * task_recover after its hvd died), one of a node that lost its node
 * lease, and, at start, short API locks this node held before it
 * restarted.
 */
static void
unlock_stale(struct vmops *v, int at_start)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	cJSON *o, *t;
	const char *task, *node, *st;
	int stale, r;

	if (etcd_list(v->v_etcd, KEY_LOCKS, &kvs, &n, NULL) != 0)
		return;
	for (i = 0; i < n; i++) {
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		task = node = "";
		json_get_string(o, "task", JSON_OPTIONAL, &task, NULL);
		json_get_string(o, "node", JSON_OPTIONAL, &node, NULL);
		stale = 0;
		if (strncmp(task, "UPID:", 5) == 0) {
			t = NULL;
			r = task_get(v->v_etcd, task, &t, NULL);
			st = "";
			if (r == 1)
				json_get_string(t, "state", JSON_OPTIONAL, &st,
				    NULL);
			stale = r == 0 || strcmp(st, "ok") == 0 ||
			    strcmp(st, "error") == 0 || task_node_lost(v, task);
			cJSON_Delete(t);
		} else if (at_start && strcmp(node, v->v_cf->cf_node) == 0)
			stale = 1;
		if (stale && etcd_delete_if(v->v_etcd, kvs[i].kv_key,
		    kvs[i].kv_mod_rev, NULL) == 1)
			log_info("released stale lock %s (%s)", kvs[i].kv_key,
			    task);
		cJSON_Delete(o);
	}
	etcd_kvs_free(kvs, n);
}

/* What this node's slot says of VM name: "running", "stopped", or NULL
 * while a task works on it. */
static const char *
slot_state(struct vmops *v, const char *name)
{
	struct vm_slot *s;
	const char *st = "stopped";

	pthread_mutex_lock(&v->v_mu);
	if ((s = slot_find(v, name)) != NULL)
		st = s->s_busy ? NULL : vm_proc_alive(&s->s_proc) ?
		    "running" : "stopped";
	pthread_mutex_unlock(&v->v_mu);
	return st;
}

/*
 * The states this node wrote that no longer say what runs here: a write
 * that failed (etcd away for a moment) is made good here, so a VM never
 * stays "running" in etcd after its QEMU ended, nor "stopped" while it
 * runs.  Only running/stopped states this node wrote, of VMs no task
 * holds.
 */
static void
states_reconcile(struct vmops *v)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	const char *name, *want, *by;
	char st[32];
	cJSON *rec, *doc;

	if (etcd_list(v->v_etcd, KEY_VMS, &kvs, &n, NULL) != 0)
		return;
	for (i = 0; i < n; i++) {
		name = kvs[i].kv_key + strlen(KEY_VMS);
		rec = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL);
		want = rec != NULL && strcmp(vmops_rec_node(rec),
		    v->v_cf->cf_node) == 0 ? slot_state(v, name) : NULL;
		cJSON_Delete(rec);
		if (want == NULL || state_get(v, name, st, sizeof(st), &doc,
		    NULL) != 0)
			continue;
		by = v->v_cf->cf_node;
		json_get_string(doc, "node", JSON_OPTIONAL, &by, NULL);
		if ((strcmp(st, "running") == 0 || strcmp(st, "stopped") ==
		    0) && strcmp(st, want) != 0 && by != NULL &&
		    strcmp(by, v->v_cf->cf_node) == 0) {
			log_warnx("vm %s: etcd said %s, QEMU is %s here: "
			    "corrected", name, st, want);
			vmops_state_put(v, name, want, NULL, NULL);
		}
		cJSON_Delete(doc);
	}
	etcd_kvs_free(kvs, n);
}

/* VMs left paused by a migration whose end etcd could not decide then:
 * decided now (vmmigrec_adopt), or on a later pass. */
static void
settle_migrations(struct vmops *v)
{
	char err[ERR_LEN];
	struct vm_slot *s;
	int i, r;

	for (i = 0; i < MAX_SLOTS; i++) {
		pthread_mutex_lock(&v->v_mu);
		s = &v->v_slots[i];
		r = s->s_used && !s->s_busy && s->s_unsettled;
		if (r)
			s->s_busy = 1;
		pthread_mutex_unlock(&v->v_mu);
		if (!r)
			continue;
		if ((r = vmmigrec_adopt(v, &s->s_proc, err)) < 0) {
			vmops_slot_give(v, s, 1);
			continue;
		}
		s->s_unsettled = 0;
		if (r == 1) {
			vmops_state_put(v, s->s_proc.name, "running",
			    &s->s_proc, NULL);
			vmops_slot_give(v, s, 1);
			continue;
		}
		log_warnx("vm %s: the migration's target took it: its QEMU "
		    "here (pid %d) is stopped", s->s_proc.name,
		    (int)s->s_proc.pid);
		vm_stop(&s->s_proc, 2000, NULL);
		vm_cleanup(&v->v_host, s->s_proc.name, NULL);
		vmops_slot_give(v, s, 0);
	}
}

/* QEMUs that died by themselves (guest poweroff, crash). */
static void
notice_exits(struct vmops *v)
{
	char names[MAX_SLOTS][VM_NAME_MAX + 1];
	struct vm_slot *s;
	int i, n = 0;

	pthread_mutex_lock(&v->v_mu);
	for (i = 0; i < MAX_SLOTS; i++) {
		s = &v->v_slots[i];
		if (s->s_used && !s->s_busy && !vm_proc_alive(&s->s_proc)) {
			snprintf(names[n++], sizeof(names[0]), "%s",
			    s->s_proc.name);
			vm_proc_release(&s->s_proc);
			s->s_used = 0;
		}
	}
	pthread_mutex_unlock(&v->v_mu);
	for (i = 0; i < n; i++) {
		cJSON *rec = NULL;
		char e[ERR_LEN], why[1024];

		vm_exit_reason(&v->v_host, names[i], why, sizeof(why));
		log_info("vm %s: QEMU exited%s%s", names[i], why[0] ? ": " :
		    "", why);
		vm_cleanup(&v->v_host, names[i], NULL);
		/* Not when the VM belongs to another node by now (HA fenced
		 * this node and restarted it there: docs/ha.md). */
		if (vmops_rec_get(v, names[i], &rec, NULL, e) == 1 &&
		    strcmp(vmops_rec_node(rec), v->v_cf->cf_node) == 0)
			vmops_state_put(v, names[i], "stopped", NULL, why);
		cJSON_Delete(rec);
	}
}

static void *
supervisor_main(void *arg)
{
	struct vmops *v = arg;
	uint64_t last_check = 0, last_unlock = clock_mono_ns(), now;
	int stop;

	for (;;) {
		pthread_mutex_lock(&v->v_mu);
		stop = v->v_stop;
		pthread_mutex_unlock(&v->v_mu);
		if (stop)
			break;
		if (cluster_state(v->v_cl) == CLUSTER_ACTIVE) {
			if (!v->v_adopted && adopt_local_vms(v) == 0) {
				unlock_stale(v, 1);
				v->v_adopted = 1;
			}
			/* not before adoption: it stops the QEMUs of other
			 * nodes' VMs, which an incoming migration's are */
			if (v->v_adopted)
				claim_queued(v);
			now = clock_mono_ns();
			if (now - last_check > 2 * NS_PER_S) {
				notice_exits(v);
				last_check = now;
			}
			if (now - last_unlock > 15 * NS_PER_S) {
				unlock_stale(v, 0);
				settle_migrations(v);
				states_reconcile(v);
				/* Task records stay bounded in etcd. */
				task_prune(v->v_etcd, v->v_cf->cf_node,
				    TASK_KEEP, NULL);
				last_unlock = now;
			}
		}
		clock_sleep_ns(100 * NS_PER_MS);
	}
	return NULL;
}

struct vmops *
vmops_new(const struct hvd_config *cf, struct cluster *cl, char *err)
{
	struct vmops *v;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		err_errno(err, "vmops");
		return NULL;
	}
	v->v_cf = cf;
	v->v_cl = cl;
	v->v_etcd = cluster_etcd(cl);
	pthread_mutex_init(&v->v_mu, NULL);
	pthread_mutex_init(&v->v_hook_mu, NULL);
	snprintf(v->v_host.run_base, sizeof(v->v_host.run_base), "%s",
	    cf->cf_vm_dir);
	snprintf(v->v_host.qemu, sizeof(v->v_host.qemu), "%s",
	    cf->cf_qemu_bin);
	snprintf(v->v_host.accel, sizeof(v->v_host.accel), "%s",
	    cf->cf_accel_used);
	snprintf(v->v_host.bridge, sizeof(v->v_host.bridge), "%.31s",
	    cf->cf_ovs_bridge);
	snprintf(v->v_host.ovs_db, sizeof(v->v_host.ovs_db), "%s",
	    cf->cf_ovs_db);
	if (pthread_create(&v->v_th, NULL, supervisor_main, v) != 0) {
		err_errno(err, "vm supervisor thread");
		free(v);
		return NULL;
	}
	v->v_started = 1;
	return v;
}

void
vmops_free(struct vmops *v)
{
	int i;

	if (v == NULL)
		return;
	pthread_mutex_lock(&v->v_mu);
	v->v_stop = 1;
	pthread_mutex_unlock(&v->v_mu);
	if (v->v_started)
		pthread_join(v->v_th, NULL);
	/* Close QMP connections; the VMs keep running. */
	for (i = 0; i < MAX_SLOTS; i++)
		if (v->v_slots[i].s_used)
			vm_proc_release(&v->v_slots[i].s_proc);
	pthread_mutex_destroy(&v->v_mu);
	pthread_mutex_destroy(&v->v_hook_mu);
	free(v);
}

/* --- API side --- */

static void
set_field(char field[VMOPS_FIELD_LEN], const char *fld)
{
	snprintf(field, VMOPS_FIELD_LEN, "%s", fld != NULL ? fld : "");
}

#define FAIL(st, fld, ...) do {						\
	call->vc_status = (st);						\
	set_field(call->vc_field, (fld));				\
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

static cJSON *rec_view(struct vmops *v, const char *name, cJSON *rec);

static int
need_active(struct vmops *v, struct vmops_call *call, char *err)
{
	if (cluster_state(v->v_cl) != CLUSTER_ACTIVE) {
		call->vc_status = 409;
		return err_set(err, "this node is not in an active cluster");
	}
	return 0;
}

int
vmops_rec_find(struct vmops *v, const char *name, cJSON **rec,
    int64_t *rev, struct vmops_call *call, char *err)
{
	int r, rc = -1;

	if (!vm_valid_name(name) || (r = vmops_rec_get(v, name, rec, rev,
	    err)) == 0)
		FAIL(404, NULL, "no VM '%s'", name);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	rc = 0;
out:
	return rc;
}

int
vmops_lock_call(struct vmops *v, const char *name, const char *lockid,
    struct vmops_call *call, char *err)
{
	char busy[TASK_ID_LEN + 16];
	int r, rc = -1;

	if ((r = lock_vm(v, name, lockid, busy, sizeof(busy), err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(409, NULL, "VM %s is busy (%s)", name, busy);
	rc = 0;
out:
	return rc;
}

int
vmops_rec_put(struct vmops *v, const char *name, const cJSON *rec,
    int64_t rev, struct vmops_call *call, char *err)
{
	char key[128], *s;
	int r, rc = -1;

	snprintf(key, sizeof(key), "%s%s", KEY_VMS, name);
	if ((s = cJSON_PrintUnformatted(rec)) == NULL)
		FAIL(500, NULL, "out of memory");
	r = rev > 0 ? etcd_cas(v->v_etcd, key, s, rev, err) :
	    etcd_create(v->v_etcd, key, s, 0, err);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0 && rev > 0)
		FAIL(409, NULL, "VM %s changed meanwhile; retry", name);
	if (r == 0)
		FAIL(409, "name", "a VM named '%s' exists", name);
	rc = 0;
out:
	free(s);
	return rc;
}

/* The VM fits on node: kernel and initrd are spelled inside the image
 * directories, its memory is no more than the node has (as the node's
 * record says, when it says), and its disks are free volumes.  0, or -1
 * with err and call's status and field. */
static int
check_placement(struct vmops *v, const char *node, struct vm_config *c,
    struct vmops_call *call, char *err)
{
	struct etcd_kv kv = { 0 };
	char key[128];
	const char *field = NULL;
	cJSON *o = NULL;
	int64_t mem = 0;
	int r, rc = -1;

	if (confine_images(v, c, CONFINE_MISSING_OK, &field, err) != 0) {
		call->vc_status = 400;
		set_field(call->vc_field, field);
		return -1;
	}
	snprintf(key, sizeof(key), "%s%s", KEY_NODES, node);
	if ((r = etcd_get(v->v_etcd, key, &kv, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 1 && (o = json_parse_buf(kv.kv_val, kv.kv_len, NULL)) &&
	    json_get_int(o, "memory_bytes", JSON_REQUIRED, &mem, NULL) == 0 &&
	    mem > 0 && (int64_t)c->memory_mib * 1048576 > mem)
		FAIL(400, "memory_mib", "VM %s asks %d MiB of memory; node %s "
		    "has %lld MiB", c->name, c->memory_mib, node,
		    (long long)(mem / 1048576));
	rc = check_disks(v, c, call, err);
out:
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return rc;
}

int
vmops_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err)
{
	struct vm_config c;
	cJSON *cfg = NULL, *rec = NULL;
	const cJSON *d;
	char node[HVD_NAME_MAX], ts[32], bad[64] = "";
	int online = 0, rc = -1, r, i = 0, given;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (!cJSON_IsObject(body))
		FAIL(400, NULL, "the body must be a VM config object");
	cfg = cJSON_Duplicate(body, 1);
	snprintf(node, sizeof(node), "%s", v->v_cf->cf_node);
	d = cJSON_GetObjectItemCaseSensitive(cfg, "node");
	if ((given = d != NULL)) {
		if (!cJSON_IsString(d) || strlen(d->valuestring) >=
		    sizeof(node))
			FAIL(400, "node", "'node' must be a node name");
		snprintf(node, sizeof(node), "%s", d->valuestring);
	}
	/* Host paths of disks are hvd's business (pools), not a caller's. */
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(cfg, "disks")) {
		if (cJSON_GetObjectItemCaseSensitive(d, "path") != NULL) {
			snprintf(bad, sizeof(bad), "disks[%d].path", i);
			FAIL(400, bad, "'%s' is set by hvd from the pool; "
			    "give pool and volume", bad);
		}
		i++;
	}
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "node", node);
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "node");
	if (vm_config_from_json(cfg, &c, bad, sizeof(bad), err) != 0) {
		call->vc_status = 400;
		set_field(call->vc_field, bad);
		goto out;
	}
	if (!vm_valid_name(c.name))
		FAIL(400, "name", "'name' must be letters, digits, '-', '_' "
		    "or '.', starting with a letter or digit");
	/* no node asked for: the load balancer's choice when it is on */
	if (!given && balance_place_new(v->v_etcd, c.name, c.vcpus, node,
	    sizeof(node)) == 1)
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "node",
		    cJSON_CreateString(node));
	if (check_placement(v, node, &c, call, err) != 0)
		goto out;
	r = cluster_node_info(v->v_cl, node, NULL, 0, &online, err);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(400, "node", "no node '%s' in the cluster", node);
	cJSON_AddItemToObject(rec, "config", vm_config_to_json(&c));
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(rec, "created", ts);
	if (vmops_rec_put(v, c.name, rec, 0, call, err) != 0)
		goto out;
	vmops_state_put(v, c.name, "stopped", NULL, NULL);
	*out = rec_view(v, c.name, rec);
	call->vc_status = 201;
	rc = 0;
out:
	cJSON_Delete(cfg);
	cJSON_Delete(rec);
	return rc;
}

/* rec + "name" + "state" (and "pid", "lock") merged for answers. */
static cJSON *
rec_view(struct vmops *v, const char *name, cJSON *rec)
{
	cJSON *st = NULL, *o = cJSON_CreateObject(), *p;
	char state[32], lock[TASK_ID_LEN + 32];

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "node", vmops_rec_node(rec));
	if (state_get(v, name, state, sizeof(state), &st, NULL) != 0)
		snprintf(state, sizeof(state), "unknown");
	cJSON_AddStringToObject(o, "state", state);
	if (st && cJSON_IsNumber(p = cJSON_GetObjectItemCaseSensitive(st,
	    "pid")) && strcmp(state, "running") == 0)
		cJSON_AddNumberToObject(o, "pid", p->valuedouble);
	if (st && cJSON_IsString(p = cJSON_GetObjectItemCaseSensitive(st,
	    "accel")) && strcmp(state, "running") == 0)
		cJSON_AddStringToObject(o, "accel", p->valuestring);
	if (st && cJSON_IsString(p = cJSON_GetObjectItemCaseSensitive(st,
	    "exit")) && strcmp(state, "stopped") == 0)
		cJSON_AddStringToObject(o, "exit", p->valuestring);
	cJSON_Delete(st);
	lock_holder(v, name, lock, sizeof(lock));
	if (lock[0] != '\0')
		cJSON_AddStringToObject(o, "lock", lock);
	p = cJSON_DetachItemFromObjectCaseSensitive(rec, "config");
	if (p)
		cJSON_AddItemToObject(o, "config", p);
	p = cJSON_DetachItemFromObjectCaseSensitive(rec, "created");
	if (p)
		cJSON_AddItemToObject(o, "created", p);
	clone_view(o, rec);
	return o;
}

int
vmops_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	cJSON *arr, *rec;

	*out = NULL;
	if (need_active(v, call, err) != 0)
		return -1;
	call->vc_status = 503;
	if (etcd_list(v->v_etcd, KEY_VMS, &kvs, &n, err) != 0)
		return -1;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if ((rec = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		cJSON_AddItemToArray(arr, rec_view(v, kvs[i].kv_key +
		    strlen(KEY_VMS), rec));
		cJSON_Delete(rec);
	}
	etcd_kvs_free(kvs, n);
	*out = arr;
	call->vc_status = 200;
	return 0;
}

int
vmops_get(struct vmops *v, const char *name, cJSON **out,
    struct vmops_call *call, char *err)
{
	cJSON *rec;
	int r;

	*out = NULL;
	if (need_active(v, call, err) != 0)
		return -1;
	if (!vm_valid_name(name) ||
	    (r = vmops_rec_get(v, name, &rec, NULL, err)) == 0) {
		call->vc_status = 404;
		return err_set(err, "no VM '%s'", name);
	}
	if (r < 0) {
		call->vc_status = 503;
		return -1;
	}
	*out = rec_view(v, name, rec);
	cJSON_Delete(rec);
	call->vc_status = 200;
	return 0;
}

int
vmops_set_config(struct vmops *v, const char *name, const cJSON *body,
    cJSON **out, struct vmops_call *call, char *err)
{
	struct vm_config c;
	cJSON *rec = NULL;
	char st[32], bad[64] = "";
	const cJSON *d;
	int64_t rev;
	int rc = -1, locked = 0, i = 0;
	static const char lockid[] = "config-edit";

	*out = NULL;
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (vmops_rec_find(v, name, &rec, &rev, call, err) != 0)
		goto out;
	if (clone_is_template(rec))
		FAIL(409, NULL, "VM %s is a template: its config does not "
		    "change", name);
	if (!cJSON_IsObject(body))
		FAIL(400, NULL, "the body must be a VM config object");
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(body, "disks")) {
		if (cJSON_GetObjectItemCaseSensitive(d, "path") != NULL) {
			snprintf(bad, sizeof(bad), "disks[%d].path", i);
			FAIL(400, bad, "'%s' is set by hvd from the pool", bad);
		}
		i++;
	}
	if (vm_config_from_json(body, &c, bad, sizeof(bad), err) != 0) {
		call->vc_status = 400;
		set_field(call->vc_field, bad);
		goto out;
	}
	if (strcmp(c.name, name) != 0)
		FAIL(400, "name", "'name' cannot change (%s)", name);
	if (check_placement(v, vmops_rec_node(rec), &c, call, err) != 0 ||
	    vmops_lock_call(v, name, lockid, call, err) != 0)
		goto out;
	locked = 1;
	if (state_get(v, name, st, sizeof(st), NULL, err) != 0)
		FAIL(503, NULL, "%s", err);
	if (strcmp(st, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s; stop it to change its config",
		    name, st);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "config",
	    vm_config_to_json(&c));
	if (vmops_rec_put(v, name, rec, rev, call, err) != 0)
		goto out;
	*out = rec_view(v, name, rec);
	call->vc_status = 200;
	rc = 0;
out:
	if (locked)
		vmops_unlock_vm(v, name, lockid);
	cJSON_Delete(rec);
	return rc;
}

int
vmops_delete(struct vmops *v, const char *name, struct vmops_call *call,
    char *err)
{
	cJSON *rec = NULL;
	char key[128], st[32], clones[512];
	int r, rc = -1, locked = 0;
	static const char lockid[] = "delete";

	if (need_active(v, call, err) != 0)
		return -1;
	if (vmops_rec_find(v, name, &rec, NULL, call, err) != 0)
		goto out;
	if (vmops_lock_call(v, name, lockid, call, err) != 0)
		goto out;
	locked = 1;
	if (state_get(v, name, st, sizeof(st), NULL, err) != 0)
		FAIL(503, NULL, "%s", err);
	if (strcmp(st, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s; stop it before deleting it",
		    name, st);
	if ((r = clone_linked_list(v, name, clones, sizeof(clones),
	    err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r > 0)
		FAIL(409, NULL, "VM %s is the template of %d linked clone(s): "
		    "%s; delete them first", name, r, clones);
	/* Disks are not deleted: pools (and their LUN allocations) keep
	 * them until a volume delete, so no disk another VM uses is lost. */
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, name);
	if (etcd_delete(v->v_etcd, key, 0, err) < 0)
		FAIL(503, NULL, "%s", err);
	snprintf(key, sizeof(key), "%s%s", KEY_VMSTATE, name);
	etcd_delete(v->v_etcd, key, 0, NULL);
	/* its snapshots stay inside the volumes, as the volumes stay */
	snapshot_forget(v->v_etcd, name);
	call->vc_status = 200;
	rc = 0;
out:
	if (locked)
		vmops_unlock_vm(v, name, lockid);
	cJSON_Delete(rec);
	return rc;
}

int
vmops_action(struct vmops *v, const char *name, const char *action,
    const cJSON *args, struct vmops_call *call, char *err)
{
	cJSON *rec = NULL, *q = NULL;
	char owner[HVD_NAME_MAX], st[32], type[32];
	struct task_desc td;
	int64_t tmo = 60;
	int r, rc = -1, online = 0;

	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (args != NULL && cJSON_GetArraySize(args) > 0) {
		static const char *const keys[] = { "timeout_s", NULL };
		const char *badk = NULL;

		if (json_check_keys(args, keys, &badk, err) != 0)
			FAIL(400, badk, "%s", err);
		if (json_get_int(args, "timeout_s", JSON_OPTIONAL, &tmo,
		    err) != 0)
			FAIL(400, "timeout_s", "%s", err);
		if (tmo < 1 || tmo > 3600)
			FAIL(400, "timeout_s", "'timeout_s' must be 1..3600");
		if (strcmp(action, "shutdown") != 0)
			FAIL(400, "timeout_s", "'timeout_s' is for shutdown");
	}
	if (vmops_rec_find(v, name, &rec, NULL, call, err) != 0)
		goto out;
	if (strcmp(action, "start") == 0 && clone_is_template(rec))
		FAIL(409, NULL, "VM %s is a template: it never runs; clone "
		    "it", name);
	snprintf(owner, sizeof(owner), "%s", vmops_rec_node(rec));
	if ((r = cluster_node_info(v->v_cl, owner, NULL, 0, &online,
	    err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0 || !online)
		FAIL(409, NULL, "node %s of VM %s is offline", owner, name);
	if (state_get(v, name, st, sizeof(st), NULL, err) != 0)
		FAIL(503, NULL, "%s", err);
	if (strcmp(action, "start") == 0 && strcmp(st, "running") == 0)
		FAIL(409, NULL, "VM %s is already running", name);
	if (strcmp(action, "start") != 0 && strcmp(st, "stopped") == 0)
		FAIL(409, NULL, "VM %s is not running", name);
	snprintf(type, sizeof(type), "vm%.24s", action);
	td.td_node = owner;
	td.td_type = type;
	td.td_target = name;
	td.td_user = call->vc_user;
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", action);
	cJSON_AddStringToObject(q, "vm", name);
	cJSON_AddNumberToObject(q, "timeout_s", (double)tmo);
	rc = vmops_queue_locked(v, &td, q, call, err);
out:
	if (rc != 0)
		call->vc_id[0] = '\0';
	cJSON_Delete(q);
	cJSON_Delete(rec);
	return rc;
}

int
vmops_queue_locked(struct vmops *v, const struct task_desc *td,
    const cJSON *op, struct vmops_call *call, char *err)
{
	char busy[TASK_ID_LEN + 16];
	int r;

	call->vc_id[0] = '\0';
	if (task_create(v->v_etcd, td, call->vc_id, err) != 0) {
		call->vc_status = 503;
		return -1;
	}
	if ((r = lock_vm(v, td->td_target, call->vc_id, busy, sizeof(busy),
	    err)) <= 0) {
		task_fail(v->v_etcd, call->vc_id, r == 0 ? "VM busy" : err,
		    NULL);
		call->vc_status = r < 0 ? 503 : 409;
		if (r == 0)
			err_set(err, "VM %s is busy (%s)", td->td_target, busy);
		return -1;
	}
	if (vmops_queue_op(v, td->td_node, call->vc_id, op, err) != 0) {
		task_fail(v->v_etcd, call->vc_id, err, NULL);
		vmops_unlock_vm(v, td->td_target, call->vc_id);
		call->vc_status = 503;
		return -1;
	}
	call->vc_status = 202;
	return 0;
}

int
vmops_state_get(struct vmops *v, const char *name, char *buf, size_t len,
    char *err)
{
	return state_get(v, name, buf, len, NULL, err);
}

/* A migration asked through the API, as it is checked. */
struct mig_ask {
	const char	*ma_name;
	const char	*ma_target;
	const cJSON	*ma_params;	/* or NULL */
	const char	*ma_reason;	/* or NULL */
	int		 ma_live;
	cJSON		*ma_rec;	/* the VM's record */
	int64_t		 ma_rev;	/* its revision */
	char		 ma_owner[HVD_NAME_MAX];
};

/* The body: a target, live or not, migration parameters that parse.
 * 0, or -1 with err and call's status and field. */
static int
mig_ask_body(const cJSON *body, struct mig_ask *ma, struct vmops_call *call,
    char *err)
{
	static const char *const keys[] = { "target", "live", "params",
	    "reason", NULL };
	const char *badk = NULL;
	struct migrate_params mp;
	int rc = -1;

	if (body == NULL)
		FAIL(400, "target", "'target' is required");
	if (json_check_keys(body, keys, &badk, err) != 0)
		FAIL(400, badk, "%s", err);
	if (json_get_string(body, "target", JSON_REQUIRED, &ma->ma_target,
	    err) != 0)
		FAIL(400, "target", "%s", err);
	if (json_get_bool(body, "live", JSON_OPTIONAL, &ma->ma_live, err) != 0)
		FAIL(400, "live", "%s", err);
	if (json_get_object(body, "params", JSON_OPTIONAL, &ma->ma_params,
	    err) != 0)
		FAIL(400, "params", "%s", err);
	if (json_get_string(body, "reason", JSON_OPTIONAL, &ma->ma_reason,
	    err) != 0)
		FAIL(400, "reason", "%s", err);
	if (ma->ma_reason && strlen(ma->ma_reason) >= 200)
		FAIL(400, "reason", "'reason' must be shorter than 200 "
		    "characters");
	migrate_params_default(&mp);
	if (ma->ma_params && migrate_params_from_json(ma->ma_params, &mp,
	    err) != 0)
		FAIL(400, "params", "%s", err);
	rc = 0;
out:
	return rc;
}

/* The VM exists (its record into ma) and the target is another node,
 * online.  0, or -1 with err and call's status and field. */
static int
mig_ask_nodes(struct vmops *v, struct mig_ask *ma, struct vmops_call *call,
    char *err)
{
	const char *name = ma->ma_name, *target = ma->ma_target;
	int r, online = 0, rc = -1;

	if (vmops_rec_find(v, name, &ma->ma_rec, &ma->ma_rev, call,
	    err) != 0)
		goto out;
	if (clone_is_template(ma->ma_rec))
		FAIL(409, NULL, "VM %s is a template: it does not migrate",
		    name);
	snprintf(ma->ma_owner, sizeof(ma->ma_owner), "%s",
	    vmops_rec_node(ma->ma_rec));
	if (strcmp(ma->ma_owner, target) == 0)
		FAIL(400, "target", "VM %s is already on node %s", name,
		    target);
	if ((r = cluster_node_info(v->v_cl, target, NULL, 0, &online,
	    err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(400, "target", "no node '%s'", target);
	if (!online)
		FAIL(409, "target", "node %s is offline", target);
	rc = 0;
out:
	return rc;
}

/* Tests widen the window between the offline migration's state read
 * and its record write (HVD_TEST_PAUSE_OFFLINE_MIGRATE_MS, 1..60000) to
 * show that a start asked in it finds the VM locked. */
static void
mig_test_pause(void)
{
	const char *e = getenv("HVD_TEST_PAUSE_OFFLINE_MIGRATE_MS");
	long ms = e != NULL ? strtol(e, NULL, 10) : 0;

	if (ms > 0 && ms <= 60000)
		clock_sleep_ns((uint64_t)ms * NS_PER_MS);
}

/* A stopped VM moves at once: its record names the target. */
static int
mig_offline(struct vmops *v, struct mig_ask *ma, struct vmops_call *call,
    char *err)
{
	static const char lockid[] = "offline-migrate";
	const char *name = ma->ma_name;
	char st[32];
	int rc = -1, locked = 0;

	/* locked before the state is read: a start queued in between
	 * would run the VM on the node the record is about to leave */
	if (vmops_lock_call(v, name, lockid, call, err) != 0)
		goto out;
	locked = 1;
	if (state_get(v, name, st, sizeof(st), NULL, err) != 0)
		FAIL(503, NULL, "%s", err);
	mig_test_pause();
	if (strcmp(st, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s: offline migration needs it "
		    "stopped (or ask for \"live\": true)", name, st);
	cJSON_ReplaceItemInObjectCaseSensitive(ma->ma_rec, "node",
	    cJSON_CreateString(ma->ma_target));
	if (vmops_rec_put(v, name, ma->ma_rec, ma->ma_rev, call, err) != 0)
		goto out;
	call->vc_status = 200;
	rc = 0;
out:
	if (locked)
		vmops_unlock_vm(v, name, lockid);
	return rc;
}

/* A running VM: a migration task queued on its owner, the VM locked
 * for it. */
static int
mig_live(struct vmops *v, struct mig_ask *ma, const char *st,
    struct vmops_call *call, char *err)
{
	const char *name = ma->ma_name, *owner = ma->ma_owner;
	struct task_desc td;
	cJSON *q = NULL;
	int r, rc = -1, online = 0;

	if (strcmp(st, "running") != 0)
		FAIL(409, NULL, "VM %s is %s: live migration needs it running",
		    name, st);
	if ((r = cluster_node_info(v->v_cl, owner, NULL, 0, &online,
	    err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0 || !online)
		FAIL(409, NULL, "node %s of VM %s is offline", owner, name);
	td.td_node = owner;
	td.td_type = "vmmigrate";
	td.td_target = name;
	td.td_user = call->vc_user;
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", "migrate");
	cJSON_AddStringToObject(q, "vm", name);
	cJSON_AddStringToObject(q, "target", ma->ma_target);
	if (ma->ma_params)
		cJSON_AddItemToObject(q, "params",
		    cJSON_Duplicate(ma->ma_params, 1));
	if (ma->ma_reason)
		cJSON_AddStringToObject(q, "reason", ma->ma_reason);
	rc = vmops_queue_locked(v, &td, q, call, err);
out:
	cJSON_Delete(q);
	return rc;
}

int
vmops_migrate(struct vmops *v, const char *name, const cJSON *body,
    struct vmops_call *call, char *err)
{
	struct mig_ask ma;
	char st[32];
	int rc = -1;

	memset(&ma, 0, sizeof(ma));
	ma.ma_name = name;
	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (mig_ask_body(body, &ma, call, err) != 0 ||
	    mig_ask_nodes(v, &ma, call, err) != 0)
		goto out;
	if (!ma.ma_live)
		rc = mig_offline(v, &ma, call, err);
	else if (state_get(v, name, st, sizeof(st), NULL, err) != 0)
		FAIL(503, NULL, "%s", err);
	else
		rc = mig_live(v, &ma, st, call, err);
out:
	if (rc != 0)
		call->vc_id[0] = '\0';
	cJSON_Delete(ma.ma_rec);
	return rc;
}

/* A node operation to queue (a network change). */
struct node_op {
	const char	*no_node;
	const char	*no_op;		/* the queue entry's "op" */
	const char	*no_type;	/* the task's type */
	const cJSON	*no_params;	/* or NULL */
	const char	*no_lock;	/* lock key to hold, or NULL */
};

/* Queue a node operation; call's id gets its task.  0, or -1 + err and
 * call's status. */
static int
node_queue(struct vmops *v, const struct node_op *no, struct vmops_call *call,
    char *err)
{
	const char *node = no->no_node, *id = call->vc_id;
	struct task_desc td;
	char val[TASK_ID_LEN + 32];
	cJSON *q;
	int online = 0, r, rc = -1;

	if ((r = cluster_node_info(v->v_cl, node, NULL, 0, &online, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(404, NULL, "no node '%s'", node);
	if (!online)
		FAIL(409, NULL, "node %s is offline", node);
	td.td_node = node;
	td.td_type = no->no_type;
	td.td_target = node;
	td.td_user = call->vc_user;
	if (task_create(v->v_etcd, &td, call->vc_id, err) != 0)
		FAIL(503, NULL, "%s", err);
	if (no->no_lock) {
		snprintf(val, sizeof(val), "{\"task\":\"%s\"}", id);
		if ((r = etcd_create(v->v_etcd, no->no_lock, val, 0,
		    err)) != 1) {
			task_fail(v->v_etcd, id, "busy", NULL);
			if (r < 0)
				FAIL(503, NULL, "%s", err);
			FAIL(409, NULL, "another change on node %s is in "
			    "progress", node);
		}
	}
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", no->no_op);
	if (no->no_lock)
		cJSON_AddStringToObject(q, "lock", no->no_lock);
	if (no->no_params)
		cJSON_AddItemToObject(q, "params",
		    cJSON_Duplicate(no->no_params, 1));
	r = vmops_queue_op(v, node, id, q, err);
	cJSON_Delete(q);
	if (r != 0) {
		task_fail(v->v_etcd, id, err, NULL);
		if (no->no_lock)
			vmops_unlock_key(v, no->no_lock, id);
		FAIL(503, NULL, "%s", err);
	}
	rc = 0;
out:
	return rc;
}

int
vmops_net_show(struct vmops *v, const char *node, cJSON **out,
    struct vmops_call *call, char *err)
{
	char path[128];
	struct peer_req pr = { node, path, 0, NULL };
	int rc = -1;

	*out = NULL;
	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (!cluster_valid_name(node))
		FAIL(404, NULL, "no node '%s'", node);
	call->vc_status = 200;
	if (strcmp(node, v->v_cf->cf_node) == 0) {
		if ((*out = vmtask_net_show(v, err)) == NULL)
			call->vc_status = 500;
		return *out != NULL ? 0 : -1;
	}
	/* A node asks the node concerned, never a third one: no loops. */
	if (strncmp(call->vc_user, "node:", 5) == 0)
		FAIL(409, NULL, "%s asked %s about node %s: ask that node",
		    call->vc_user + 5, v->v_cf->cf_node, node);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", node);
	if (peer_get(v->v_cl, v->v_cf, &pr, err) != 0) {
		call->vc_status = pr.pr_status;
		return -1;
	}
	*out = pr.pr_json;
	call->vc_status = 200;
	rc = 0;
out:
	return rc;
}

int
vmops_net_change(struct vmops *v, const char *node, const cJSON *body,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "change", "check_addr",
	    "grace_ms", NULL };
	struct netcfg_change ch;
	const cJSON *change = NULL;
	const char *badk = NULL, *addr = NULL;
	char key[128];
	struct node_op no = { node, "netapply", "netchange", body, key };
	struct in_addr ia;
	int64_t grace = 5000;
	int rc = -1;

	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (need_active(v, call, err) != 0)
		return -1;
	if (body == NULL)
		FAIL(400, "change", "'change' is required");
	if (json_check_keys(body, keys, &badk, err) != 0)
		FAIL(400, badk, "%s", err);
	if (json_get_object(body, "change", JSON_REQUIRED, &change, err) != 0)
		FAIL(400, "change", "%s", err);
	if (netcfg_change_from_json(change, &ch, err) != 0)
		FAIL(400, "change", "%s", err);
	if (json_get_string(body, "check_addr", JSON_OPTIONAL, &addr,
	    err) != 0)
		FAIL(400, "check_addr", "%s", err);
	if (addr && inet_pton(AF_INET, addr, &ia) != 1)
		FAIL(400, "check_addr", "'check_addr' must be an IPv4 address");
	if (json_get_int(body, "grace_ms", JSON_OPTIONAL, &grace, err) != 0)
		FAIL(400, "grace_ms", "%s", err);
	if (grace < 500 || grace > 120000)
		FAIL(400, "grace_ms", "'grace_ms' must be 500..120000");
	if (!cluster_valid_name(node))
		FAIL(404, NULL, "no node '%s'", node);
	/* One network change per node at a time. */
	snprintf(key, sizeof(key), "%s%s", KEY_NET_LOCKS, node);
	if (node_queue(v, &no, call, err) != 0)
		goto out;
	call->vc_status = 202;
	rc = 0;
out:
	return rc;
}


int
vmops_need_active(struct vmops *v, struct vmops_call *call, char *err)
{
	return need_active(v, call, err);
}

cJSON *
vmops_rec_view(struct vmops *v, const char *name, cJSON *rec)
{
	return rec_view(v, name, rec);
}
