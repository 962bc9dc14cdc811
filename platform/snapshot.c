/*
 * snapshot.c - the API side of a VM's snapshots (snapshot.h): the
 * request checks, the records and tree in etcd, and the tasks queued to
 * the VM's node (snapshot_task.c does them).  The checks on a request's
 * shape and on the tree are pure functions, so the unit tests run them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/snapshot.h"
#include "platform/vmops.h"
#include "platform/vmops_priv.h"

/* --- pure checks --- */

int
snapshot_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > SNAP_NAME_MAX || !isalpha((unsigned char)s[0]) ||
	    strcmp(s, "current") == 0)
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

int
snapshot_ask_parse(const cJSON *body, struct snap_ask *a,
    const char **field, char *err)
{
	static const char *const keys[] = { "name", "with_ram",
	    "description", NULL };
	const char *name = NULL, *desc = "";

	memset(a, 0, sizeof(*a));
	*field = NULL;
	if (!cJSON_IsObject(body))
		return err_set(err, "the body must be an object with 'name'");
	if (json_check_keys(body, keys, field, err) != 0)
		return -1;
	*field = "name";
	if (json_get_string(body, "name", JSON_REQUIRED, &name, err) != 0)
		return -1;
	if (!snapshot_name_valid(name))
		return err_set(err, "'name' must be a letter, then letters, "
		    "digits, '-' or '_' (at most %d, not 'current')",
		    SNAP_NAME_MAX);
	*field = "with_ram";
	if (json_get_bool(body, "with_ram", JSON_OPTIONAL, &a->sa_with_ram,
	    err) != 0)
		return -1;
	*field = "description";
	if (json_get_string(body, "description", JSON_OPTIONAL, &desc,
	    err) != 0)
		return -1;
	if (strlen(desc) > SNAP_DESC_MAX)
		return err_set(err, "'description' is longer than %d bytes",
		    SNAP_DESC_MAX);
	snprintf(a->sa_name, sizeof(a->sa_name), "%s", name);
	snprintf(a->sa_desc, sizeof(a->sa_desc), "%s", desc);
	*field = NULL;
	return 0;
}

int
snapshot_disks(const struct vm_config *c, int idx[VM_MAX_DISKS],
    const char **field, char *err)
{
	static __thread char bad[32];
	const struct vm_disk *d;
	int i, n = 0;

	*field = NULL;
	for (i = 0; i < c->ndisks; i++) {
		d = &c->disks[i];
		if (d->readonly)
			continue;	/* never changes */
		if (strcmp(d->format, "qcow2") != 0) {
			snprintf(bad, sizeof(bad), "disks[%d]", i);
			*field = bad;
			return err_set(err, "%s: %s disk %s/%s has no "
			    "snapshots (only qcow2 has)", bad, d->format,
			    d->pool, d->volume);
		}
		idx[n++] = i;
	}
	if (n == 0) {
		*field = "disks";
		return err_set(err, "VM %s has no writable qcow2 disk to take "
		    "a snapshot of", c->name);
	}
	return n;
}

static const char *
rec_parent(const cJSON *rec)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec,
	    "parent"));
}

cJSON *
snapshot_tree_unlink(cJSON *list, const char *name)
{
	cJSON *r, *gone = NULL, *out;
	const char *p;

	cJSON_ArrayForEach(r, list) {
		p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r,
		    "name"));
		if (p != NULL && strcmp(p, name) == 0)
			gone = r;
	}
	if (gone == NULL)
		return NULL;
	cJSON_DetachItemViaPointer(list, gone);
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(r, list) {
		if ((p = rec_parent(r)) == NULL || strcmp(p, name) != 0)
			continue;
		if (rec_parent(gone) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(r, "parent",
			    cJSON_CreateString(rec_parent(gone)));
		else
			cJSON_ReplaceItemInObjectCaseSensitive(r, "parent",
			    cJSON_CreateNull());
		cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1));
	}
	cJSON_Delete(gone);
	return out;
}

/* --- records in etcd --- */

static void
snap_key(char *buf, size_t len, const char *vm, const char *snap)
{
	snprintf(buf, len, "%s%s/%s", KEY_SNAPSHOTS, vm, snap ? snap : "");
}

int
snapshot_rec_get(struct etcd *e, const char *vm, const char *snap,
    cJSON **rec, char *err)
{
	char key[256];
	struct etcd_kv kv;
	int r;

	*rec = NULL;
	snap_key(key, sizeof(key), vm, snap);
	if ((r = etcd_get(e, key, &kv, err)) != 1)
		return r;
	*rec = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	etcd_kv_clear(&kv);
	if (!cJSON_IsObject(*rec)) {
		cJSON_Delete(*rec);
		*rec = NULL;
		return err_set(err, "record of snapshot %s of VM %s is "
		    "corrupt", snap, vm);
	}
	return 1;
}

int
snapshot_rec_put(struct etcd *e, const char *vm, const cJSON *rec,
    char *err)
{
	char key[256], *s;
	int rc;

	snap_key(key, sizeof(key), vm, cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(rec, "name")));
	if ((s = cJSON_PrintUnformatted(rec)) == NULL)
		return err_set(err, "out of memory");
	rc = etcd_put(e, key, s, 0, err);
	free(s);
	return rc;
}

int
snapshot_current_get(struct etcd *e, const char *vm, char *buf, size_t len,
    char *err)
{
	char key[128];
	struct etcd_kv kv;
	cJSON *o;
	const char *s = "";
	int r;

	buf[0] = '\0';
	snprintf(key, sizeof(key), "%s%s", KEY_SNAP_HEADS, vm);
	if ((r = etcd_get(e, key, &kv, err)) != 1)
		return r < 0 ? -1 : 0;
	o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	json_get_string(o, "current", JSON_OPTIONAL, &s, NULL);
	snprintf(buf, len, "%s", s ? s : "");
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return 0;
}

int
snapshot_current_put(struct etcd *e, const char *vm, const char *snap,
    char *err)
{
	char key[128], val[SNAP_NAME_MAX + 32];

	snprintf(key, sizeof(key), "%s%s", KEY_SNAP_HEADS, vm);
	if (snap != NULL)
		snprintf(val, sizeof(val), "{\"current\":\"%s\"}", snap);
	else
		snprintf(val, sizeof(val), "{\"current\":null}");
	return etcd_put(e, key, val, 0, err);
}

static const char *
rec_taken(const cJSON *rec)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(rec, "taken"));

	return s ? s : "";
}

/* Oldest first: "taken" is UTC text with milliseconds, which sorts as
 * time. */
static int
by_taken(const void *x, const void *y)
{
	return strcmp(rec_taken(*(cJSON *const *)x),
	    rec_taken(*(cJSON *const *)y));
}

/* Every snapshot record of vm as an array (oldest first): 0 or -1. */
static int
snap_all(struct etcd *e, const char *vm, cJSON **out, char *err)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i, m = 0;
	char prefix[128];
	cJSON **recs = NULL;

	*out = NULL;
	snap_key(prefix, sizeof(prefix), vm, NULL);
	if (etcd_list(e, prefix, &kvs, &n, err) != 0)
		return -1;
	if (n > 0 && (recs = calloc(n, sizeof(*recs))) == NULL) {
		etcd_kvs_free(kvs, n);
		return err_set(err, "out of memory");
	}
	for (i = 0; i < n; i++)
		if ((recs[m] = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) != NULL && cJSON_IsObject(recs[m]))
			m++;
		else
			cJSON_Delete(recs[m]);
	etcd_kvs_free(kvs, n);
	if (m > 0)
		qsort(recs, m, sizeof(*recs), by_taken);
	*out = cJSON_CreateArray();
	for (i = 0; i < m; i++)
		cJSON_AddItemToArray(*out, recs[i]);
	free(recs);
	return 0;
}

int
snapshot_rec_unlink(struct etcd *e, const char *vm, const char *snap,
    char *err)
{
	char key[256], cur[SNAP_NAME_MAX + 1];
	cJSON *all = NULL, *changed = NULL, *gone = NULL, *r;
	const char *parent;
	int rc = -1;

	if (snapshot_rec_get(e, vm, snap, &gone, err) != 1 ||
	    snap_all(e, vm, &all, err) != 0 ||
	    snapshot_current_get(e, vm, cur, sizeof(cur), err) != 0)
		goto out;
	parent = rec_parent(gone);
	if ((changed = snapshot_tree_unlink(all, snap)) == NULL) {
		err_set(err, "snapshot %s of VM %s went meanwhile", snap, vm);
		goto out;
	}
	cJSON_ArrayForEach(r, changed)
		if (snapshot_rec_put(e, vm, r, err) != 0)
			goto out;
	if (strcmp(cur, snap) == 0 &&
	    snapshot_current_put(e, vm, parent, err) != 0)
		goto out;
	snap_key(key, sizeof(key), vm, snap);
	if (etcd_delete(e, key, 0, err) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(gone);
	cJSON_Delete(all);
	cJSON_Delete(changed);
	return rc;
}

void
snapshot_forget(struct etcd *e, const char *vm)
{
	char key[128];

	snap_key(key, sizeof(key), vm, NULL);
	etcd_delete(e, key, 1, NULL);
	snprintf(key, sizeof(key), "%s%s", KEY_SNAP_HEADS, vm);
	etcd_delete(e, key, 0, NULL);
}

/* --- API side --- */

#define FAIL(st, fld, ...) do {						\
	call->vc_status = (st);						\
	snprintf(call->vc_field, VMOPS_FIELD_LEN, "%s", (fld) ? (fld) : ""); \
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

/* The VM a request names, as the checks need it. */
struct snap_vm {
	cJSON			*sv_rec;
	struct vm_config	 sv_conf;
	char			 sv_owner[HVD_NAME_MAX];
	char			 sv_state[32];
	int			 sv_online;	/* its node */
};

/* An active cluster, VM vm (404), its config, its node and state: 0, or
 * -1 + err and call's status. */
static int
snap_vm_get(struct vmops *v, const char *vm, struct snap_vm *sv,
    struct vmops_call *call, char *err)
{
	int r, online = 0, rc = -1;

	memset(sv, 0, sizeof(*sv));
	call->vc_field[0] = '\0';
	call->vc_id[0] = '\0';
	if (cluster_state(v->v_cl) != CLUSTER_ACTIVE)
		FAIL(409, NULL, "this node is not in an active cluster");
	if (!vm_valid_name(vm) || (r = vmops_rec_get(v, vm, &sv->sv_rec, NULL,
	    err)) == 0)
		FAIL(404, NULL, "no VM '%s'", vm);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if (vmops_rec_config(sv->sv_rec, &sv->sv_conf, err) != 0)
		FAIL(500, NULL, "%s", err);
	snprintf(sv->sv_owner, sizeof(sv->sv_owner), "%s",
	    vmops_rec_node(sv->sv_rec));
	if ((r = cluster_node_info(v->v_cl, sv->sv_owner, NULL, 0, &online,
	    err)) < 0 || vmops_state_get(v, vm, sv->sv_state,
	    sizeof(sv->sv_state), err) != 0)
		FAIL(503, NULL, "%s", err);
	sv->sv_online = r == 1 && online;
	rc = 0;
out:
	return rc;
}

/* After the request's own checks (400, 404): the VM's node is online
 * and the VM running or stopped.  0, or -1 + err with 409. */
static int
snap_vm_ready(const char *vm, const struct snap_vm *sv,
    struct vmops_call *call, char *err)
{
	int rc = -1;

	/* its image is never written (docs/clones.md) */
	if (clone_is_template(sv->sv_rec))
		FAIL(409, NULL, "VM %s is a template: its disks never change; "
		    "snapshot a clone of it", vm);
	if (!sv->sv_online)
		FAIL(409, NULL, "node %s of VM %s is offline", sv->sv_owner,
		    vm);
	if (strcmp(sv->sv_state, "running") != 0 &&
	    strcmp(sv->sv_state, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s; snapshots need it running or "
		    "stopped", vm, sv->sv_state);
	rc = 0;
out:
	return rc;
}

/* Queue op on sv's owner as a task of type: 0 or -1 (call set). */
static int
snap_queue(struct vmops *v, const char *vm, struct snap_vm *sv,
    const char *type, cJSON *op, struct vmops_call *call, char *err)
{
	struct task_desc td = { sv->sv_owner, type, vm, call->vc_user };

	return vmops_queue_locked(v, &td, op, call, err);
}

static cJSON *
snap_op(const char *op, const char *vm, const char *snap)
{
	cJSON *q = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(q, "op", op);
	cJSON_AddStringToObject(q, "vm", vm);
	p = cJSON_AddObjectToObject(q, "params");
	cJSON_AddStringToObject(p, "name", snap);
	return q;
}

int
snapshot_create(struct vmops *v, const char *vm, const cJSON *body,
    struct vmops_call *call, char *err)
{
	struct snap_ask a;
	struct snap_vm sv;
	int idx[VM_MAX_DISKS], r, rc = -1;
	const char *field;
	cJSON *q = NULL, *old = NULL, *p;

	if (snap_vm_get(v, vm, &sv, call, err) != 0)
		goto out;
	if (snapshot_ask_parse(body, &a, &field, err) != 0)
		FAIL(400, field, "%s", err);
	if (snap_vm_ready(vm, &sv, call, err) != 0)
		goto out;
	if (snapshot_disks(&sv.sv_conf, idx, &field, err) < 0)
		FAIL(409, field, "%s", err);
	if ((r = snapshot_rec_get(v->v_etcd, vm, a.sa_name, &old, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 1)
		FAIL(409, "name", "VM %s has a snapshot named '%s'", vm,
		    a.sa_name);
	if (a.sa_with_ram && strcmp(sv.sv_state, "running") != 0)
		FAIL(409, "with_ram", "VM %s is %s: a snapshot with RAM needs "
		    "it running (take one without RAM)", vm, sv.sv_state);
	q = snap_op("snapshot", vm, a.sa_name);
	p = cJSON_GetObjectItemCaseSensitive(q, "params");
	cJSON_AddBoolToObject(p, "with_ram", a.sa_with_ram);
	cJSON_AddStringToObject(p, "description", a.sa_desc);
	rc = snap_queue(v, vm, &sv, "vmsnapshot", q, call, err);
out:
	cJSON_Delete(q);
	cJSON_Delete(old);
	cJSON_Delete(sv.sv_rec);
	return rc;
}

/* The VM (sv) and its snapshot snap (*rec): 0, or -1 (call set). */
static int
snap_find(struct vmops *v, const char *vm, const char *snap,
    struct snap_vm *sv, cJSON **rec, struct vmops_call *call, char *err)
{
	int r, rc = -1;

	*rec = NULL;
	if (snap_vm_get(v, vm, sv, call, err) != 0)
		goto out;
	if (!snapshot_name_valid(snap) || (r = snapshot_rec_get(v->v_etcd,
	    vm, snap, rec, err)) == 0)
		FAIL(404, NULL, "no snapshot '%s' of VM %s", snap, vm);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	rc = snap_vm_ready(vm, sv, call, err);
out:
	return rc;
}

/* A rollback (rollback set) or a delete of snapshot snap, queued. */
static int
snap_queue_on(struct vmops *v, const char *vm, const char *snap,
    int rollback, struct vmops_call *call, char *err)
{
	struct snap_vm sv;
	cJSON *rec = NULL, *q = NULL;
	int ram = 0, rc = -1;

	if (snap_find(v, vm, snap, &sv, &rec, call, err) != 0)
		goto out;
	json_get_bool(rec, "with_ram", JSON_OPTIONAL, &ram, NULL);
	if (rollback && !ram && strcmp(sv.sv_state, "running") == 0)
		FAIL(409, NULL, "VM %s is running: snapshot %s has no RAM and "
		    "rolls back on a stopped VM; stop it first", vm, snap);
	q = snap_op(rollback ? "rollback" : "snapdelete", vm, snap);
	rc = snap_queue(v, vm, &sv, rollback ? "vmrollback" :
	    "vmdelsnapshot", q, call, err);
out:
	cJSON_Delete(q);
	cJSON_Delete(rec);
	cJSON_Delete(sv.sv_rec);
	return rc;
}

int
snapshot_rollback(struct vmops *v, const char *vm, const char *snap,
    struct vmops_call *call, char *err)
{
	return snap_queue_on(v, vm, snap, 1, call, err);
}

int
snapshot_delete(struct vmops *v, const char *vm, const char *snap,
    struct vmops_call *call, char *err)
{
	return snap_queue_on(v, vm, snap, 0, call, err);
}

int
snapshot_list(struct vmops *v, const char *vm, cJSON **out,
    struct vmops_call *call, char *err)
{
	char cur[SNAP_NAME_MAX + 1];
	cJSON *rec = NULL, *all = NULL, *r;
	int n, rc = -1;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (!vm_valid_name(vm) || (n = vmops_rec_get(v, vm, &rec, NULL,
	    err)) == 0)
		FAIL(404, NULL, "no VM '%s'", vm);
	if (n < 0 || snap_all(v->v_etcd, vm, &all, err) != 0 ||
	    snapshot_current_get(v->v_etcd, vm, cur, sizeof(cur), err) != 0)
		FAIL(503, NULL, "%s", err);
	cJSON_ArrayForEach(r, all)
		cJSON_DeleteItemFromObjectCaseSensitive(r, "config");
	*out = cJSON_CreateObject();
	if (cur[0] != '\0')
		cJSON_AddStringToObject(*out, "current", cur);
	else
		cJSON_AddNullToObject(*out, "current");
	cJSON_AddItemToObject(*out, "snapshots", all);
	all = NULL;
	call->vc_status = 200;
	rc = 0;
out:
	cJSON_Delete(all);
	cJSON_Delete(rec);
	return rc;
}

int
snapshot_get(struct vmops *v, const char *vm, const char *snap,
    cJSON **out, struct vmops_call *call, char *err)
{
	cJSON *rec = NULL;
	int r, rc = -1;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (!vm_valid_name(vm) || (r = vmops_rec_get(v, vm, &rec, NULL,
	    err)) == 0)
		FAIL(404, NULL, "no VM '%s'", vm);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if (!snapshot_name_valid(snap) || (r = snapshot_rec_get(v->v_etcd,
	    vm, snap, out, err)) == 0)
		FAIL(404, NULL, "no snapshot '%s' of VM %s", snap, vm);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	call->vc_status = 200;
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}
