/*
 * backup_restore.c - what the store's node does with a backup
 * (backup.h): restore it (qemu-img convert of its chain into the VM's
 * own volumes, or into new volumes of a new VM), verify it (every part
 * of it and of the backups it builds on re-read and its SHA-256 checked
 * against the manifest), delete it (refused while another backup
 * builds on it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/backup_priv.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/pool.h"
#include "platform/vmops_priv.h"

#define CHAIN_MAX	64	/* backups one restore reads through */

/* The backup a task names, read in its store on this node. */
struct bk_one {
	struct bk_store	 o_store;
	const char	*o_id;
	cJSON		*o_man;
};

static int
one_open(struct bk_one *o, struct vm_op *op, char *err)
{
	const char *store = "";
	int r;

	memset(o, 0, sizeof(*o));
	o->o_id = "";
	json_get_string(op->o_params, "store", JSON_OPTIONAL, &store, NULL);
	json_get_string(op->o_params, "id", JSON_OPTIONAL, &o->o_id, NULL);
	if (bk_store_here(op->o_v, store, &o->o_store, err) != 0)
		return -1;
	if ((r = backup_manifest_read(o->o_store.bs_dir, o->o_id, &o->o_man,
	    err)) == 0)
		return err_set(err, "no backup '%s' in store %s", o->o_id,
		    store);
	return r < 0 ? -1 : 0;
}

/* --- verify --- */

/* Every part of manifest m: its SHA-256 as the manifest says.  The
 * parts checked are added to list.  0 or -1 + err naming the file. */
static int
verify_parts(struct task *t, const char *dir, const cJSON *m, cJSON *list,
    char *err)
{
	const char *id = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(m, "id"));
	const char *file, *want;
	char path[PATH_MAX], hex[65];
	const cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(m, "disks")) {
		file = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "file"));
		want = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "sha256"));
		if (file == NULL || want == NULL || strchr(file, '/'))
			return err_set(err, "%s: a disk of the manifest has no "
			    "file or sha256", id);
		snprintf(path, sizeof(path), "%s/%s/%s", dir, id, file);
		if (backup_file_sha256(path, hex, err) != 0)
			return -1;
		if (strcmp(hex, want) != 0)
			return err_set(err, "%s/%s: SHA-256 is %s, the "
			    "manifest says %s", id, file, hex, want);
		task_log(t, "%s/%s: SHA-256 %s as recorded", id, file, hex);
		cJSON_AddItemToArray(list, cJSON_CreateString(path));
	}
	return 0;
}

/* The backup and each one it builds on, newest first: calls fn on each
 * manifest.  0 or -1 + err (a parent missing). */
static int
chain_walk(const char *dir, const cJSON *m,
    int (*fn)(void *arg, const cJSON *m, char *err), void *arg, char *err)
{
	const char *parent;
	cJSON *pm = NULL, *next;
	int n, r, rc = -1;

	if (fn(arg, m, err) != 0)
		return -1;
	for (n = 0; n < CHAIN_MAX; n++) {
		parent = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    pm ? pm : m, "parent"));
		if (parent == NULL) {
			rc = 0;
			break;
		}
		if ((r = backup_manifest_read(dir, parent, &next, err)) <= 0) {
			if (r == 0)
				err_set(err, "backup %s, which this one builds "
				    "on, is missing", parent);
			break;
		}
		cJSON_Delete(pm);
		pm = next;
		if (fn(arg, pm, err) != 0)
			break;
	}
	if (n == CHAIN_MAX)
		err_set(err, "a chain of more than %d backups", CHAIN_MAX);
	cJSON_Delete(pm);
	return rc;
}

struct verify_arg {
	struct task	*va_task;
	const char	*va_dir;
	cJSON		*va_list;
};

static int
verify_one(void *arg, const cJSON *m, char *err)
{
	struct verify_arg *va = arg;

	return verify_parts(va->va_task, va->va_dir, m, va->va_list, err);
}

int
backup_task_verify(struct task *t, void *arg, char *err)
{
	struct verify_arg va = { t, NULL, NULL };
	struct bk_one o;
	cJSON *res;
	int rc = -1;

	if (one_open(&o, arg, err) != 0)
		goto out;
	va.va_dir = o.o_store.bs_dir;
	va.va_list = cJSON_CreateArray();
	if (chain_walk(o.o_store.bs_dir, o.o_man, verify_one, &va, err) != 0)
		goto out;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", o.o_id);
	cJSON_AddBoolToObject(res, "ok", 1);
	cJSON_AddItemToObject(res, "verified", va.va_list);
	va.va_list = NULL;
	task_set_result(t, res);
	rc = 0;
out:
	cJSON_Delete(va.va_list);
	cJSON_Delete(o.o_man);
	return rc;
}

/* --- delete --- */

/* The backup of the store that builds on id, if one does (into child):
 * 1, 0, -1 + err. */
static int
child_of(const char *dir, const char *id, char *child, size_t len,
    char *err)
{
	cJSON *all = NULL, *m;
	const char *p;
	int found = 0;

	if (backup_store_scan(dir, &all, err) != 0)
		return -1;
	cJSON_ArrayForEach(m, all) {
		p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
		    "parent"));
		if (p != NULL && strcmp(p, id) == 0 && !found) {
			found = 1;
			snprintf(child, len, "%s", cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(m, "id")));
		}
	}
	cJSON_Delete(all);
	return found;
}

/* The head goes when it named id (the next backup is a full one). */
static void
head_forget(struct vmops *v, const char *vm, const char *id)
{
	char key[128];
	struct etcd_kv kv;
	const char *last = "";
	cJSON *o;

	snprintf(key, sizeof(key), "%s%s", KEY_BACKUP_HEADS, vm);
	if (etcd_get(v->v_etcd, key, &kv, NULL) != 1)
		return;
	o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	json_get_string(o, "last", JSON_OPTIONAL, &last, NULL);
	if (id == NULL || strcmp(last, id) == 0)
		etcd_delete_if(v->v_etcd, key, kv.kv_mod_rev, NULL);
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
}

int
backup_task_delete(struct task *t, void *arg, char *err)
{
	struct vm_op *op = arg;
	char child[BACKUP_ID_MAX], from[PATH_MAX], to[PATH_MAX];
	struct bk_one o;
	cJSON *res;
	int r, rc = -1;

	if (one_open(&o, op, err) != 0)
		goto out;
	if ((r = child_of(o.o_store.bs_dir, o.o_id, child, sizeof(child),
	    err)) != 0) {
		if (r == 1)
			err_set(err, "backup %s builds on %s; delete it first",
			    child, o.o_id);
		goto out;
	}
	/* out of the listing at once, then its files */
	snprintf(from, sizeof(from), "%s/%s", o.o_store.bs_dir, o.o_id);
	snprintf(to, sizeof(to), "%s/.%s.del", o.o_store.bs_dir, o.o_id);
	if (rename(from, to) != 0) {
		err_errno(err, "rename %s", from);
		goto out;
	}
	head_forget(op->o_v, op->o_vm, o.o_id);
	if (bk_dir_remove(to, err) != 0)
		goto out;
	task_log(t, "backup %s deleted from store %s", o.o_id,
	    o.o_store.bs_name);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "deleted", o.o_id);
	task_set_result(t, res);
	rc = 0;
out:
	cJSON_Delete(o.o_man);
	return rc;
}

/* --- restore --- */

/* One restore as it goes. */
struct bk_rest {
	struct task		*r_task;
	struct vm_op		*r_op;
	struct vmops		*r_v;
	struct bk_one		 r_one;
	struct vm_config	 r_conf;	/* the backup's config */
	const char		*r_pool;	/* a new VM's pool, or NULL */
	int			 r_over;
	cJSON			*r_rec;		/* the VM's record (over) */
	int64_t			 r_rev;
	int			 r_made[VM_MAX_DISKS];	/* disks of new volumes */
	int			 r_nmade;
};

static int
chain_ok(void *arg, const cJSON *m, char *err)
{
	(void)arg;
	(void)m;
	(void)err;
	return 0;
}

/* qemu-img convert of backup disk file (its chain read through) into
 * the existing qcow2 at dst. */
static int
disk_restore(struct bk_rest *r, const char *file, const char *dst,
    char *err)
{
	char src[PATH_MAX];
	const char *argv[] = { "qemu-img", "convert", "-q", "-n", "-f",
	    "qcow2", "-O", "qcow2", src, dst, NULL };

	snprintf(src, sizeof(src), "%s/%s/%s", r->r_one.o_store.bs_dir,
	    r->r_one.o_id, file);
	return bk_img(argv, NULL, err);
}

/* A new VM: a new volume POOL/NAME-diskI of disk d's size, in r_pool or
 * d's own pool; it becomes disk i of r_conf.  0 or -1 + err. */
static int
volume_new(struct bk_rest *r, const cJSON *d, int i, char *err)
{
	struct pool_call pc = { r->r_v->v_cf->cf_node,
	    r->r_v->v_cf->cf_pool_dirs, 0, "", r->r_v->v_cf->cf_import_dirs };
	struct vm_disk *vd = &r->r_conf.disks[i];
	struct volume_spec vs;
	const char *p = r->r_pool;
	int64_t size = 0;
	cJSON *out = NULL;

	if (p == NULL)
		p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d,
		    "pool"));
	json_get_int(d, "size_bytes", JSON_OPTIONAL, &size, NULL);
	if (p == NULL || size <= 0)
		return err_set(err, "disks[%d] of the manifest has no pool or "
		    "size", i);
	snprintf(vd->pool, sizeof(vd->pool), "%s", p);
	snprintf(vd->volume, sizeof(vd->volume), "%s-disk%d", r->r_op->o_vm,
	    i);
	vs = (struct volume_spec){ vd->pool, vd->volume,
	    (size + (1 << 20) - 1) >> 20, NULL, NULL, NULL };
	if (volume_make(r->r_v->v_etcd, &vs, &out, &pc, err) != 0)
		return err_prefix(err, "volume %s/%s", vd->pool, vd->volume);
	cJSON_Delete(out);
	r->r_made[r->r_nmade++] = i;
	return 0;
}

/* Every disk of the backup into its volume (new ones made first for a
 * new VM; r_conf's disks follow).  0 or -1 + err. */
static int
disks_restore(struct bk_rest *r, char *err)
{
	char path[POOL_PATH_MAX];
	const struct vm_disk *vd;
	const char *file;
	const cJSON *d;
	int64_t idx;
	int i = 0;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(r->r_one.o_man,
	    "disks")) {
		idx = -1;
		json_get_int(d, "index", JSON_OPTIONAL, &idx, NULL);
		file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d,
		    "file"));
		if (idx < 0 || idx >= r->r_conf.ndisks || file == NULL ||
		    strchr(file, '/'))
			return err_set(err, "disks[%d] of the manifest is "
			    "malformed", i);
		if (!r->r_over && volume_new(r, d, (int)idx, err) != 0)
			return -1;
		vd = &r->r_conf.disks[idx];
		if (pool_resolve(r->r_v->v_etcd, r->r_v->v_cf->cf_node,
		    vd->pool, vd->volume, path, err) != 0 ||
		    disk_restore(r, file, path, err) != 0)
			return err_prefix(err, "disks[%d] (%s/%s)", (int)idx,
			    vd->pool, vd->volume);
		task_log(r->r_task, "disks[%d]: %s restored into %s/%s",
		    (int)idx, file, vd->pool, vd->volume);
		i++;
	}
	return 0;
}

/* Over an existing VM: it is stopped, and no QEMU of it runs here (the
 * API checked; the lock held since, this is the last look).  0 or -1. */
static int
over_check(struct bk_rest *r, char *err)
{
	struct vm_slot *s;
	char state[32];
	int r2, running = 0;

	if ((r2 = vmops_rec_get(r->r_v, r->r_op->o_vm, &r->r_rec, &r->r_rev,
	    err)) != 1)
		return r2 == 0 ? err_set(err, "VM %s went meanwhile",
		    r->r_op->o_vm) : -1;
	if (vmops_state_get(r->r_v, r->r_op->o_vm, state, sizeof(state),
	    err) != 0)
		return -1;
	if ((s = vmops_slot_take(r->r_v, r->r_op->o_vm, 0)) != NULL) {
		running = s->s_used && vm_proc_alive(&s->s_proc);
		vmops_slot_give(r->r_v, s, s->s_used);
	}
	if (running || strcmp(state, "stopped") != 0)
		return err_set(err, "VM %s is %s: a restore never writes a "
		    "running VM's disks", r->r_op->o_vm, running ? "running" :
		    state);
	return 0;
}

/* The VM's record: the backup's config (over: in place of its own, by
 * compare-and-swap; new: a new VM of this node with its own MACs). */
static int
record_put(struct bk_rest *r, char *err)
{
	struct vmops_call call = { "hvd", 0, "", "" };
	struct vm_config *c = &r->r_conf;
	cJSON *rec;
	char ts[32], from[PATH_MAX];
	int i, rc;

	snprintf(c->name, sizeof(c->name), "%s", r->r_op->o_vm);
	for (i = 0; i < c->ndisks; i++)
		c->disks[i].path[0] = '\0';
	if (r->r_over) {
		rec = cJSON_Duplicate(r->r_rec, 1);
		cJSON_ReplaceItemInObjectCaseSensitive(rec, "config",
		    vm_config_to_json(c));
	} else {
		for (i = 0; i < c->nnics; i++)
			vm_default_mac(c->name, i, c->nics[i].mac,
			    sizeof(c->nics[i].mac));
		clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
		snprintf(from, sizeof(from), "%s/%s", r->r_one.o_store.bs_name,
		    r->r_one.o_id);
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "node", r->r_v->v_cf->cf_node);
		cJSON_AddItemToObject(rec, "config", vm_config_to_json(c));
		cJSON_AddStringToObject(rec, "created", ts);
		cJSON_AddStringToObject(rec, "restored_from", from);
	}
	rc = vmops_rec_put(r->r_v, c->name, rec, r->r_over ? r->r_rev : 0,
	    &call, err);
	cJSON_Delete(rec);
	if (rc == 0 && !r->r_over)
		vmops_state_put(r->r_v, c->name, "stopped", NULL, NULL);
	return rc;
}

/* A failed restore of a new VM takes its new volumes back. */
static void
volumes_undo(struct bk_rest *r)
{
	struct pool_call pc = { r->r_v->v_cf->cf_node,
	    r->r_v->v_cf->cf_pool_dirs, 0, "", r->r_v->v_cf->cf_import_dirs };
	const struct vm_disk *vd;
	char e2[ERR_LEN];
	int i;

	for (i = 0; i < r->r_nmade; i++) {
		vd = &r->r_conf.disks[r->r_made[i]];
		if (volume_delete(r->r_v->v_etcd, vd->pool, vd->volume, &pc,
		    e2) != 0)
			log_warnx("restore: volume %s/%s stays: %s", vd->pool,
			    vd->volume, e2);
	}
}

int
backup_task_restore(struct task *t, void *arg, char *err)
{
	struct bk_rest r;
	char bad[64];
	uint64_t t0 = clock_mono_ns();
	cJSON *res;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.r_task = t;
	r.r_op = arg;
	r.r_v = r.r_op->o_v;
	json_get_bool(r.r_op->o_params, "over", JSON_OPTIONAL, &r.r_over,
	    NULL);
	json_get_string(r.r_op->o_params, "pool", JSON_OPTIONAL, &r.r_pool,
	    NULL);
	if (one_open(&r.r_one, r.r_op, err) != 0 ||
	    chain_walk(r.r_one.o_store.bs_dir, r.r_one.o_man, chain_ok, NULL,
	    err) != 0)
		goto out;
	if (vm_config_from_json(cJSON_GetObjectItemCaseSensitive(
	    r.r_one.o_man, "config"), &r.r_conf, bad, sizeof(bad), err) != 0) {
		err_prefix(err, "backup %s's VM config", r.r_one.o_id);
		goto out;
	}
	if ((r.r_over && over_check(&r, err) != 0) ||
	    disks_restore(&r, err) != 0 || record_put(&r, err) != 0)
		goto out;
	/* the disks changed under the bitmaps: the next backup is full */
	head_forget(r.r_v, r.r_op->o_vm, NULL);
	task_log(t, "VM %s restored from %s in %.1f s", r.r_op->o_vm,
	    r.r_one.o_id, (double)(clock_mono_ns() - t0) / 1e9);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "vm", r.r_op->o_vm);
	cJSON_AddStringToObject(res, "backup", r.r_one.o_id);
	cJSON_AddBoolToObject(res, "over", r.r_over);
	cJSON_AddNumberToObject(res, "restore_s",
	    (double)(clock_mono_ns() - t0) / 1e9);
	task_set_result(t, res);
	rc = 0;
out:
	if (rc != 0)
		volumes_undo(&r);
	cJSON_Delete(r.r_rec);
	cJSON_Delete(r.r_one.o_man);
	return rc;
}
