/*
 * backup.c - the API side of backups (backup.h): the checks on a
 * request, and the tasks queued for it: a backup to the VM's node (under
 * the VM's lock, like a snapshot), a restore, a verify or a delete to
 * the store's node.  A store's backups are read from its directory, so
 * a request on another node asks the store's node (peer.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/backup_priv.h"
#include "platform/cluster.h"
#include "platform/peer.h"
#include "platform/pool.h"
#include "platform/vmops_priv.h"

/* A store by name for a request: 0, or -1 (404, or 503; fld names the
 * member when the name came in a body). */
static int
store_of(struct vmops *v, const char *name, const char *fld,
    struct bk_store *s, struct vmops_call *call, char *err)
{
	int r, rc = -1;

	if ((r = bk_store_find(v, name, s, err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 0)
		BK_FAIL(fld ? 400 : 404, fld, "no backup store '%s'", name);
	rc = 0;
out:
	return rc;
}

/* The node is up (409 naming it otherwise). */
static int
node_online(struct vmops *v, const char *node, const char *what,
    struct vmops_call *call, char *err)
{
	int online = 0, r, rc = -1;

	if ((r = cluster_node_info(v->v_cl, node, NULL, 0, &online,
	    err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 0 || !online)
		BK_FAIL(409, NULL, "node %s of %s is offline", node, what);
	rc = 0;
out:
	return rc;
}

/* Queue op as task td (its user is call's), under the lock of VM
 * td_target when locked: 0 (call's id) or -1 (call). */
static int
queue(struct vmops *v, struct task_desc *td, int locked, const cJSON *op,
    struct vmops_call *call, char *err)
{
	td->td_user = call->vc_user;
	if (locked)
		return vmops_queue_locked(v, td, op, call, err);
	if (task_create(v->v_etcd, td, call->vc_id, err) != 0 ||
	    vmops_queue_op(v, td->td_node, call->vc_id, op, err) != 0) {
		if (call->vc_id[0] != '\0')
			task_fail(v->v_etcd, call->vc_id, err, NULL);
		call->vc_status = 503;
		return -1;
	}
	call->vc_status = 202;
	return 0;
}

static cJSON *
op_new(const char *op, const char *vm, const char *store, const char *id)
{
	cJSON *q = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(q, "op", op);
	if (vm != NULL)
		cJSON_AddStringToObject(q, "vm", vm);
	p = cJSON_AddObjectToObject(q, "params");
	cJSON_AddStringToObject(p, "store", store);
	if (id != NULL)
		cJSON_AddStringToObject(p, "id", id);
	return q;
}

/* The body of POST /vms/NAME/backup: store and mode. */
static int
create_body(const cJSON *body, const char **store, const char **mode,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "store", "mode", NULL };
	const char *bad = NULL;
	int rc = -1;

	if (!cJSON_IsObject(body))
		BK_FAIL(400, "store", "the body must be an object with "
		    "'store'");
	if (json_check_keys(body, keys, &bad, err) != 0)
		BK_FAIL(400, bad, "%s", err);
	if (json_get_string(body, "store", JSON_REQUIRED, store, err) != 0)
		BK_FAIL(400, "store", "%s", err);
	*mode = "full";
	if (json_get_string(body, "mode", JSON_OPTIONAL, mode, err) != 0 ||
	    (strcmp(*mode, "full") != 0 && strcmp(*mode, "incremental") != 0 &&
	    strcmp(*mode, "auto") != 0))
		BK_FAIL(400, "mode", "'mode' is full, incremental or auto");
	rc = 0;
out:
	return rc;
}

int
backup_create(struct vmops *v, const char *vm, const cJSON *body,
    struct vmops_call *call, char *err)
{
	struct bk_store s;
	char state[32];
	const char *store = NULL, *mode = NULL, *owner;
	cJSON *rec = NULL, *q = NULL;
	int rc = -1;

	call->vc_field[0] = '\0';
	call->vc_id[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    vmops_rec_find(v, vm, &rec, NULL, call, err) != 0 ||
	    create_body(body, &store, &mode, call, err) != 0 ||
	    store_of(v, store, "store", &s, call, err) != 0)
		goto out;
	owner = vmops_rec_node(rec);
	if (strcmp(s.bs_node, owner) != 0)
		BK_FAIL(409, "store", "backup store %s is on node %s; VM %s is "
		    "on node %s", store, s.bs_node, vm, owner);
	if (node_online(v, owner, vm, call, err) != 0)
		goto out;
	if (vmops_state_get(v, vm, state, sizeof(state), err) != 0)
		BK_FAIL(503, NULL, "%s", err);
	if (strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0)
		BK_FAIL(409, NULL, "VM %s is %s; a backup needs it running or "
		    "stopped", vm, state);
	q = op_new("backup", vm, store, NULL);
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(q, "params"),
	    "mode", mode);
	rc = queue(v, &(struct task_desc){ owner, "vzdump", vm, NULL }, 1, q,
	    call, err);
out:
	cJSON_Delete(q);
	cJSON_Delete(rec);
	return rc;
}

/* --- reading a store --- */

/* The listing (id NULL) or manifest id of store s read here. */
static int
read_here(struct vmops *v, struct bk_store *s, const char *id, cJSON **out,
    struct vmops_call *call, char *err)
{
	char name[BACKUP_STORE_MAX + 1];
	cJSON *m;
	int r, rc = -1;

	snprintf(name, sizeof(name), "%s", s->bs_name);
	if (bk_store_here(v, name, s, err) != 0)
		BK_FAIL(500, NULL, "%s", err);
	if (id == NULL) {
		if (backup_store_scan(s->bs_dir, out, err) != 0)
			BK_FAIL(500, NULL, "%s", err);
		cJSON_ArrayForEach(m, *out)
			cJSON_DeleteItemFromObjectCaseSensitive(m, "config");
	} else {
		if ((r = backup_manifest_read(s->bs_dir, id, out, err)) < 0)
			BK_FAIL(500, NULL, "%s", err);
		if (r == 0)
			BK_FAIL(404, NULL, "no backup '%s' in store %s", id,
			    s->bs_name);
	}
	call->vc_status = 200;
	rc = 0;
out:
	return rc;
}

int
backup_list(struct vmops *v, const char *store, const char *id,
    cJSON **out, struct vmops_call *call, char *err)
{
	struct peer_req pr = { NULL, NULL, 0, NULL };
	struct bk_store s;
	char path[256];
	int rc = -1;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (store_of(v, store, NULL, &s, call, err) != 0)
		goto out;
	if (strcmp(s.bs_node, v->v_cf->cf_node) == 0)
		return read_here(v, &s, id, out, call, err);
	snprintf(path, sizeof(path), "/api/v1/backup-stores/%s/backups%s%s",
	    store, id ? "/" : "", id ? id : "");
	pr.pr_node = s.bs_node;
	pr.pr_path = path;
	if (peer_get(v->v_cl, v->v_cf, &pr, err) != 0)
		BK_FAIL(pr.pr_status, NULL, "%s", err);
	*out = pr.pr_json;
	call->vc_status = 200;
	rc = 0;
out:
	return rc;
}

/* --- tasks on the store's node --- */

/* A backup a request names: its store and its VM (from its id). */
struct bk_ref {
	struct bk_store	br_store;
	char		br_vm[VM_NAME_MAX + 1];
};

/* Store and backup id of a request: the store (404), the id's VM, the
 * store's node online. */
static int
backup_of(struct vmops *v, const char *store, const char *id,
    struct bk_ref *b, struct vmops_call *call, char *err)
{
	time_t t;
	int rc = -1;

	call->vc_field[0] = '\0';
	call->vc_id[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    store_of(v, store, NULL, &b->br_store, call, err) != 0)
		goto out;
	if (backup_id_parse(id, b->br_vm, sizeof(b->br_vm), &t) != 0)
		BK_FAIL(404, NULL, "no backup '%s' in store %s", id, store);
	rc = node_online(v, b->br_store.bs_node, store, call, err);
out:
	return rc;
}

/* A delete (under the VM's lock: no incremental backup builds on the
 * backup meanwhile) or a verify (a read: no lock), queued. */
static int
store_task(struct vmops *v, const char *store, const char *id, int del,
    struct vmops_call *call, char *err)
{
	struct bk_ref b;
	cJSON *q;
	int rc;

	if (backup_of(v, store, id, &b, call, err) != 0)
		return -1;
	q = op_new(del ? "bkdelete" : "bkverify", del ? b.br_vm : NULL, store,
	    id);
	rc = queue(v, &(struct task_desc){ b.br_store.bs_node, del ?
	    "vzdelete" : "vzverify", del ? b.br_vm : id, NULL }, del, q, call,
	    err);
	cJSON_Delete(q);
	return rc;
}

int
backup_delete(struct vmops *v, const char *store, const char *id,
    struct vmops_call *call, char *err)
{
	return store_task(v, store, id, 1, call, err);
}

int
backup_verify(struct vmops *v, const char *store, const char *id,
    struct vmops_call *call, char *err)
{
	return store_task(v, store, id, 0, call, err);
}

/* --- restore --- */

/* The body of POST .../restore: name (default the backup's VM) and
 * pool (default each disk's own). */
static int
restore_body(const cJSON *body, const char *orig, const char **name,
    const char **pool, struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "name", "pool", NULL };
	const char *bad = NULL;
	int rc = -1;

	*name = orig;
	*pool = NULL;
	if (body == NULL)
		return 0;
	if (!cJSON_IsObject(body))
		BK_FAIL(400, NULL, "the body must be an object");
	if (json_check_keys(body, keys, &bad, err) != 0)
		BK_FAIL(400, bad, "%s", err);
	if (json_get_string(body, "name", JSON_OPTIONAL, name, err) != 0 ||
	    !vm_valid_name(*name))
		BK_FAIL(400, "name", "'name' must be a VM name");
	if (json_get_string(body, "pool", JSON_OPTIONAL, pool, err) != 0)
		BK_FAIL(400, "pool", "%s", err);
	rc = 0;
out:
	return rc;
}

/* Restoring over VM name: it is the backup's own VM and it is stopped
 * (409 naming it otherwise).  *over = 1 when it exists. */
static int
restore_target(struct vmops *v, const char *name, const char *orig,
    int *over, struct vmops_call *call, char *err)
{
	char state[32];
	cJSON *rec = NULL;
	int r, rc = -1;

	*over = 0;
	if ((r = vmops_rec_get(v, name, &rec, NULL, err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 0)
		return 0;
	*over = 1;
	if (strcmp(name, orig) != 0)
		BK_FAIL(409, "name", "a VM named %s exists; a backup of %s "
		    "restores over %s only", name, orig, orig);
	if (vmops_state_get(v, name, state, sizeof(state), err) != 0)
		BK_FAIL(503, NULL, "%s", err);
	if (strcmp(state, "stopped") != 0)
		BK_FAIL(409, "name", "VM %s is %s: a restore over it needs it "
		    "stopped", name, state);
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}

int
backup_restore(struct vmops *v, const char *store, const char *id,
    const cJSON *body, struct vmops_call *call, char *err)
{
	char e2[ERR_LEN];
	struct pool_call pc = { v->v_cf->cf_node, v->v_cf->cf_pool_dirs, 0,
	    "", v->v_cf->cf_import_dirs };
	struct bk_ref b;
	const char *name, *pool;
	cJSON *m = NULL, *q = NULL, *p, *pr = NULL;
	int over, rc = -1;

	if (backup_of(v, store, id, &b, call, err) != 0 ||
	    restore_body(body, b.br_vm, &name, &pool, call, err) != 0 ||
	    backup_list(v, store, id, &m, call, err) != 0 ||
	    restore_target(v, name, b.br_vm, &over, call, err) != 0)
		goto out;
	if (over && pool != NULL)
		BK_FAIL(400, "pool", "a restore over VM %s writes its own "
		    "volumes: 'pool' is for a new VM", name);
	if (pool != NULL && pool_get(v->v_etcd, pool, &pr, &pc, e2) != 0)
		BK_FAIL(400, "pool", "no pool '%s'", pool);
	q = op_new("bkrestore", name, store, id);
	p = cJSON_GetObjectItemCaseSensitive(q, "params");
	cJSON_AddBoolToObject(p, "over", over);
	if (pool != NULL)
		cJSON_AddStringToObject(p, "pool", pool);
	rc = queue(v, &(struct task_desc){ b.br_store.bs_node, "qmrestore",
	    name, NULL }, 1, q, call, err);
out:
	cJSON_Delete(pr);
	cJSON_Delete(q);
	cJSON_Delete(m);
	return rc;
}
