/*
 * clone.c - templates and clones (clone.h): the API side, which checks,
 * locks the source, makes the new volumes and writes the clone's record,
 * and the source node's mirror task for a full clone of a running VM.
 *
 * A clone is made in the API thread of the node asked, as a volume is
 * (pool.c): the volumes first, then the record with a create-if-absent,
 * so a clone that fails anywhere has only its own volumes to delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/pool.h"
#include "platform/qmp.h"
#include "platform/vmops_priv.h"

#define CONVERT_MS	(30 * 60 * 1000L)	/* one qemu-img convert */
#define MIRROR_S	1800			/* a mirror task in all */
#define QMP_MS		10000			/* one QMP command */

#define FAIL(st, fld, ...) do {						\
	call->vc_status = (st);						\
	snprintf(call->vc_field, VMOPS_FIELD_LEN, "%s",			\
	    (fld) != NULL ? (const char *)(fld) : "");			\
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

static const char linked_pool[] = "a linked clone's disks live in its "
    "template's pools; 'pool' is for full clones";

/* A clone as it is made. */
struct clone_job {
	struct vmops		*cj_v;
	const char		*cj_src;
	struct clone_req	 cj_req;
	cJSON			*cj_rec;	/* the source's record */
	struct vm_config	 cj_cfg;	/* the source's, then the clone's */
	char			 cj_node[HVD_NAME_MAX];	/* the clone's */
	int			 cj_full;
	int			 cj_running;	/* the source runs: mirror */
	int			 cj_made;	/* volumes made so far */
	char			 cj_pool[VM_MAX_DISKS][64];
	char			 cj_vol[VM_MAX_DISKS][128];
	char			 cj_lock[TASK_ID_LEN];	/* held on the source */
};

int
clone_is_template(const cJSON *rec)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "template"));
}

void
clone_view(cJSON *o, const cJSON *rec)
{
	static const char *const keys[] = { "template", "clone_of", "linked",
	    NULL };
	const cJSON *m;
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if ((m = cJSON_GetObjectItemCaseSensitive(rec, keys[i])))
			cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(m, 1));
}

int
clone_body_check(const cJSON *body, struct clone_req *req,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "name", "full", "pool", "node",
	    NULL };
	const char *bad = NULL;
	int full = 0, rc = -1;

	memset(req, 0, sizeof(*req));
	req->cr_full = -1;
	if (!cJSON_IsObject(body))
		FAIL(400, "name", "the body must be an object with 'name'");
	if (json_check_keys(body, keys, &bad, err) != 0)
		FAIL(400, bad, "%s", err);
	if (json_get_string(body, "name", JSON_REQUIRED, &req->cr_name,
	    err) != 0)
		FAIL(400, "name", "%s", err);
	if (!vm_valid_name(req->cr_name))
		FAIL(400, "name", "'name' must be letters, digits, '-', '_' "
		    "or '.', starting with a letter or digit, at most %d",
		    VM_NAME_MAX);
	if (cJSON_GetObjectItemCaseSensitive(body, "full") != NULL) {
		if (json_get_bool(body, "full", JSON_REQUIRED, &full,
		    err) != 0)
			FAIL(400, "full", "%s", err);
		req->cr_full = full;
	}
	if (json_get_string(body, "pool", JSON_OPTIONAL, &req->cr_pool,
	    err) != 0)
		FAIL(400, "pool", "%s", err);
	if (req->cr_pool != NULL && req->cr_full == 0)
		FAIL(400, "pool", "%s", linked_pool);
	if (json_get_string(body, "node", JSON_OPTIONAL, &req->cr_node,
	    err) != 0)
		FAIL(400, "node", "%s", err);
	rc = 0;
out:
	return rc;
}

int
clone_linked_list(struct vmops *v, const char *tmpl, char *buf, size_t len,
    char *err)
{
	struct etcd_kv *kvs;
	size_t n, i, at = 0;
	const char *of;
	cJSON *rec;
	int count = 0;

	buf[0] = '\0';
	if (etcd_list(v->v_etcd, KEY_VMS, &kvs, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((rec = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		of = NULL;
		json_get_string(rec, "clone_of", JSON_OPTIONAL, &of, NULL);
		if (of != NULL && strcmp(of, tmpl) == 0 && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(rec, "linked"))) {
			count++;
			if (at < len)
				at += snprintf(buf + at, len - at, "%s%s",
				    at ? ", " : "", kvs[i].kv_key +
				    strlen(KEY_VMS));
		}
		cJSON_Delete(rec);
	}
	etcd_kvs_free(kvs, n);
	return count;
}

void
vmops_pool_call(struct vmops *v, struct pool_call *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->pc_node = v->v_cf->cf_node;
	pc->pc_pool_dirs = v->v_cf->cf_pool_dirs;
	pc->pc_import_dirs = v->v_cf->cf_import_dirs;
	pc->pc_status = 500;
}

void
vmops_volume_undo(struct vmops *v, const char *who, const char *pool,
    const char *vol)
{
	struct pool_call pc;
	char e[ERR_LEN];

	vmops_pool_call(v, &pc);
	if (volume_delete(v->v_etcd, pool, vol, &pc, e) != 0)
		log_warnx("%s: volume %s/%s stays: %s", who, pool, vol, e);
}

/* Under the VM's lock, a stopped VM's volumes marked base images, then
 * its record a template's. */
static int
template_mark(struct vmops *v, const char *name, cJSON *rec, int64_t rev,
    struct vmops_call *call, char *err)
{
	static const char lockid[] = "template";
	struct vm_config c;
	char st[32];
	int i, rc = -1;

	if (vmops_lock_call(v, name, lockid, call, err) != 0)
		return -1;
	if (vmops_state_get(v, name, st, sizeof(st), err) != 0)
		FAIL(503, NULL, "%s", err);
	if (strcmp(st, "stopped") != 0)
		FAIL(409, NULL, "VM %s is %s; stop it to make it a template",
		    name, st);
	if (vmops_rec_config(rec, &c, err) != 0)
		FAIL(500, NULL, "%s", err);
	for (i = 0; i < c.ndisks; i++)
		if (volume_mark_base(v->v_etcd, c.disks[i].pool,
		    c.disks[i].volume, err) != 0)
			FAIL(503, NULL, "disks[%d]: %s", i, err);
	cJSON_AddTrueToObject(rec, "template");
	rc = vmops_rec_put(v, name, rec, rev, call, err);
out:
	vmops_unlock_vm(v, name, lockid);
	return rc;
}

int
clone_template(struct vmops *v, const char *name, const cJSON *body,
    cJSON **out, struct vmops_call *call, char *err)
{
	cJSON *rec = NULL;
	int64_t rev = 0;
	int rc = -1;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0)
		return -1;
	if (body != NULL && cJSON_GetArraySize(body) > 0)
		FAIL(400, body->child->string, "'%s': the template call takes "
		    "no body", body->child->string ? body->child->string : "");
	if (vmops_rec_find(v, name, &rec, &rev, call, err) != 0)
		goto out;
	if (clone_is_template(rec))
		FAIL(409, NULL, "VM %s is a template already", name);
	if (template_mark(v, name, rec, rev, call, err) != 0)
		goto out;
	*out = vmops_rec_view(v, name, rec);
	call->vc_status = 200;
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}

/* --- a clone's volumes --- */

/* Delete the volumes the job made (a clone that failed). */
static void
volumes_undo(struct clone_job *j)
{
	char who[VM_NAME_MAX + 16];

	snprintf(who, sizeof(who), "clone %s", j->cj_req.cr_name);
	while (j->cj_made > 0) {
		j->cj_made--;
		vmops_volume_undo(j->cj_v, who, j->cj_pool[j->cj_made],
		    j->cj_vol[j->cj_made]);
	}
}

/* A stopped source's disk i copied into the new volume (made empty, of
 * the same size), by qemu-img on this node. */
static int
volume_copy(struct clone_job *j, int i, char *err)
{
	const struct vm_disk *d = &j->cj_cfg.disks[i];
	char src[POOL_PATH_MAX], dst[POOL_PATH_MAX];
	const char *argv[] = { "qemu-img", "convert", "-n", "-f", d->format,
	    "-O", "qcow2", src, dst, NULL };
	struct etcd *e = j->cj_v->v_etcd;
	const char *node = j->cj_v->v_cf->cf_node;

	if (pool_resolve(e, node, d->pool, d->volume, src, err) != 0 ||
	    pool_resolve(e, node, j->cj_pool[i], j->cj_vol[i], dst,
	    err) != 0)
		return -1;
	return proc_run(argv, NULL, CONVERT_MS, NULL, err);
}

/* Make the clone's volume for disk i: an overlay on the template's
 * (linked) or an empty volume of the source's size, filled here when
 * the source is stopped. */
static int
volume_one(struct clone_job *j, int i, struct vmops_call *call, char *err)
{
	const struct vm_disk *d = &j->cj_cfg.disks[i];
	struct volume_spec vs;
	struct pool_call pc;
	cJSON *src = NULL, *out = NULL;
	int64_t mib = 0;
	int r, rc = -1;

	snprintf(j->cj_pool[i], sizeof(j->cj_pool[i]), "%s",
	    j->cj_req.cr_pool && j->cj_full ? j->cj_req.cr_pool : d->pool);
	snprintf(j->cj_vol[i], sizeof(j->cj_vol[i]), "%s-disk%d",
	    j->cj_req.cr_name, i);
	if ((r = volume_get(j->cj_v->v_etcd, d->pool, d->volume, &src,
	    err)) <= 0)
		FAIL(r < 0 ? 503 : 409, NULL, "disks[%d]: %s", i, r < 0 ? err :
		    "the source's volume is gone");
	json_get_int(src, "size_mib", JSON_OPTIONAL, &mib, NULL);
	memset(&vs, 0, sizeof(vs));
	vs.vs_pool = j->cj_pool[i];
	vs.vs_name = j->cj_vol[i];
	vs.vs_mib = mib;
	vs.vs_backing = j->cj_full ? NULL : d->volume;
	vmops_pool_call(j->cj_v, &pc);
	if (volume_make(j->cj_v->v_etcd, &vs, &out, &pc, err) != 0) {
		call->vc_status = pc.pc_status;
		snprintf(call->vc_field, VMOPS_FIELD_LEN, "%s",
		    strcmp(pc.pc_field, "name") == 0 ? "name" : "");
		err_prefix(err, "disks[%d]", i);
		goto out;
	}
	j->cj_made++;
	if (j->cj_full && !j->cj_running && volume_copy(j, i, err) != 0)
		FAIL(502, NULL, "disks[%d]: copy: %s", i, err);
	rc = 0;
out:
	cJSON_Delete(src);
	cJSON_Delete(out);
	return rc;
}

/* The owner of a running source mirrors its disks into the volumes made:
 * a task queued there, waited for. */
static int
volumes_mirror(struct clone_job *j, struct vmops_call *call, char *err)
{
	struct vmops *v = j->cj_v;
	const char *owner = vmops_rec_node(j->cj_rec);
	struct task_desc td = { owner, "vmclone", j->cj_src, call->vc_user };
	char path[POOL_PATH_MAX];
	cJSON *q = cJSON_CreateObject(), *p, *tg;
	int i, r, rc = -1;

	cJSON_AddStringToObject(q, "op", "mirror");
	cJSON_AddStringToObject(q, "vm", j->cj_src);
	cJSON_AddNumberToObject(q, "timeout_s", MIRROR_S);
	p = cJSON_AddObjectToObject(q, "params");
	tg = cJSON_AddArrayToObject(p, "targets");
	for (i = 0; i < j->cj_made; i++) {
		if (pool_resolve(v->v_etcd, owner, j->cj_pool[i],
		    j->cj_vol[i], path, err) != 0)
			FAIL(409, "pool", "disks[%d]: node %s cannot reach the "
			    "copy: %s", i, owner, err);
		cJSON_AddItemToArray(tg, cJSON_CreateString(path));
	}
	if (task_create(v->v_etcd, &td, call->vc_id, err) != 0)
		FAIL(503, NULL, "%s", err);
	/* The task holds the source's lock from here and frees it. */
	vmops_unlock_vm(v, j->cj_src, j->cj_lock);
	snprintf(j->cj_lock, sizeof(j->cj_lock), "%s", call->vc_id);
	if (vmops_lock_call(v, j->cj_src, j->cj_lock, call, err) != 0) {
		task_fail(v->v_etcd, call->vc_id, err, NULL);
		j->cj_lock[0] = '\0';
		goto out;
	}
	if (vmops_queue_op(v, owner, call->vc_id, q, err) != 0) {
		task_fail(v->v_etcd, call->vc_id, err, NULL);
		FAIL(503, NULL, "%s", err);
	}
	j->cj_lock[0] = '\0';
	if ((r = vmops_wait_task(v, call->vc_id, 1, MIRROR_S * 1000L,
	    err)) == 0)
		FAIL(502, NULL, "mirror (task %s): %s", call->vc_id, err);
	if (r < 0) {
		/* The task may still write them: they stay, named. */
		log_warnx("clone %s: %d volume(s) %s-disk* stay until task %s "
		    "ends", j->cj_req.cr_name, j->cj_made, j->cj_req.cr_name,
		    call->vc_id);
		j->cj_made = 0;
		FAIL(504, NULL, "mirror (task %s): %s; volumes %s-disk* stay "
		    "until it ends", call->vc_id, err, j->cj_req.cr_name);
	}
	rc = 0;
out:
	cJSON_Delete(q);
	return rc;
}

/* --- the clone --- */

/* The source (locked, its record and config into j), what is asked of
 * it and the clone's node.  0, or -1 with err and call's answer. */
static int
job_check(struct clone_job *j, struct vmops_call *call, char *err)
{
	char st[32];
	cJSON *other = NULL;
	int r, online = 0, tmpl, rc = -1;

	if (vmops_rec_find(j->cj_v, j->cj_src, &j->cj_rec, NULL, call,
	    err) != 0)
		goto out;
	if (vmops_rec_config(j->cj_rec, &j->cj_cfg, err) != 0)
		FAIL(500, NULL, "%s", err);
	tmpl = clone_is_template(j->cj_rec);
	j->cj_full = j->cj_req.cr_full < 0 ? !tmpl : j->cj_req.cr_full;
	if (!j->cj_full && !tmpl)
		FAIL(400, "full", "VM %s is no template: a linked clone is "
		    "made of a template only; make it one, or ask \"full\": "
		    "true", j->cj_src);
	if (!j->cj_full && j->cj_req.cr_pool != NULL)
		FAIL(400, "pool", "%s", linked_pool);
	snprintf(j->cj_node, sizeof(j->cj_node), "%s", j->cj_req.cr_node ?
	    j->cj_req.cr_node : vmops_rec_node(j->cj_rec));
	if ((r = cluster_node_info(j->cj_v->v_cl, j->cj_node, NULL, 0,
	    &online, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(400, "node", "no node '%s' in the cluster", j->cj_node);
	if ((r = vmops_rec_get(j->cj_v, j->cj_req.cr_name, &other, NULL,
	    err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r > 0)
		FAIL(409, "name", "a VM named '%s' exists", j->cj_req.cr_name);
	if (vmops_lock_call(j->cj_v, j->cj_src, "clone", call, err) != 0)
		goto out;
	snprintf(j->cj_lock, sizeof(j->cj_lock), "clone");
	if (vmops_state_get(j->cj_v, j->cj_src, st, sizeof(st), err) != 0)
		FAIL(503, NULL, "%s", err);
	j->cj_running = strcmp(st, "stopped") != 0;
	rc = 0;
out:
	cJSON_Delete(other);
	return rc;
}

/* The clone's config (new name, volumes, MACs) and its record; *out =
 * its view. */
static int
job_record(struct clone_job *j, cJSON **out, struct vmops_call *call,
    char *err)
{
	struct vm_config *c = &j->cj_cfg;
	cJSON *rec = cJSON_CreateObject();
	char ts[32];
	int i, rc;

	snprintf(c->name, sizeof(c->name), "%s", j->cj_req.cr_name);
	for (i = 0; i < c->ndisks; i++) {
		snprintf(c->disks[i].pool, sizeof(c->disks[i].pool), "%s",
		    j->cj_pool[i]);
		snprintf(c->disks[i].volume, sizeof(c->disks[i].volume), "%s",
		    j->cj_vol[i]);
		snprintf(c->disks[i].format, sizeof(c->disks[i].format),
		    "qcow2");
		c->disks[i].path[0] = '\0';
	}
	for (i = 0; i < c->nnics; i++)
		vm_default_mac(c->name, i, c->nics[i].mac,
		    sizeof(c->nics[i].mac));
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(rec, "node", j->cj_node);
	cJSON_AddItemToObject(rec, "config", vm_config_to_json(c));
	cJSON_AddStringToObject(rec, "created", ts);
	cJSON_AddStringToObject(rec, "clone_of", j->cj_src);
	cJSON_AddBoolToObject(rec, "linked", !j->cj_full);
	rc = vmops_rec_put(j->cj_v, c->name, rec, 0, call, err);
	if (rc == 0) {
		vmops_state_put(j->cj_v, c->name, "stopped", NULL, NULL);
		*out = vmops_rec_view(j->cj_v, c->name, rec);
	}
	cJSON_Delete(rec);
	return rc;
}

int
clone_vm(struct vmops *v, const char *src, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err)
{
	struct clone_job *j;
	int i, rc = -1;

	*out = NULL;
	call->vc_id[0] = '\0';
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		call->vc_status = 500;
		return err_set(err, "out of memory");
	}
	j->cj_v = v;
	j->cj_src = src;
	if (clone_body_check(body, &j->cj_req, call, err) != 0 ||
	    job_check(j, call, err) != 0)
		goto out;
	for (i = 0; i < j->cj_cfg.ndisks; i++)
		if (volume_one(j, i, call, err) != 0)
			goto out;
	if (j->cj_full && j->cj_running && j->cj_made > 0 &&
	    volumes_mirror(j, call, err) != 0)
		goto out;
	if (job_record(j, out, call, err) != 0)
		goto out;
	call->vc_status = 201;
	rc = 0;
out:
	if (j->cj_lock[0] != '\0')
		vmops_unlock_vm(v, src, j->cj_lock);
	if (rc != 0)
		volumes_undo(j);
	cJSON_Delete(j->cj_rec);
	free(j);
	return rc;
}

/* --- the owner's mirror --- */

/* 1 when event ev is about one of our jobs ("cloneI"). */
static int
mirror_ours(const struct qmp_event *ev)
{
	const char *dev = NULL;

	return json_get_string(ev->data, "device", JSON_OPTIONAL, &dev,
	    NULL) == 0 && dev != NULL && strncmp(dev, "clone", 5) == 0;
}

/* Wait until n of our jobs sent event want; a job that ends otherwise,
 * or with an error, fails the wait.  0, or -1 + err. */
static int
mirror_events(struct qmp *q, int n, const char *want, long ms, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)ms * NS_PER_MS, now;
	struct qmp_event ev;
	const char *why;
	int got = 0, r, rc = 0;

	while (got < n && rc == 0) {
		if ((now = clock_mono_ns()) >= end)
			return err_set(err, "no %s after %ld s", want,
			    ms / 1000);
		if ((r = qmp_event_next(q, &ev, (long)((end - now) /
		    NS_PER_MS), err)) < 0)
			return -1;
		if (r == 0 || !mirror_ours(&ev)) {
			if (r == 1)
				qmp_event_free(&ev);
			continue;
		}
		why = NULL;
		json_get_string(ev.data, "error", JSON_OPTIONAL, &why, NULL);
		if (why != NULL)
			rc = err_set(err, "%s: %s", ev.name, why);
		else if (strcmp(ev.name, want) == 0)
			got++;
		else if (strncmp(ev.name, "BLOCK_JOB_", 10) == 0 &&
		    strcmp(ev.name, "BLOCK_JOB_READY") != 0)
			rc = err_set(err, "the mirror ended (%s) before %s",
			    ev.name, want);
		qmp_event_free(&ev);
	}
	return rc;
}

/* Start a mirror of every disk into targets (job cloneI on diskI): the
 * number started; *n < the count on error (err set). */
static int
mirror_start(struct task *t, struct qmp *q, const cJSON *targets, int *n,
    char *err)
{
	const cJSON *tg;
	char job[16], dev[16];
	cJSON *a;

	*n = 0;
	cJSON_ArrayForEach(tg, targets) {
		if (!cJSON_IsString(tg))
			return err_set(err, "targets[%d] is no path", *n);
		snprintf(job, sizeof(job), "clone%d", *n);
		snprintf(dev, sizeof(dev), "disk%d", *n);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "job-id", job);
		cJSON_AddStringToObject(a, "device", dev);
		cJSON_AddStringToObject(a, "target", tg->valuestring);
		cJSON_AddStringToObject(a, "format", "qcow2");
		cJSON_AddStringToObject(a, "sync", "full");
		cJSON_AddStringToObject(a, "mode", "existing");
		if (qmp_execute(q, "drive-mirror", a, NULL, QMP_MS, err) != 0)
			return err_prefix(err, "%s", dev);
		task_log(t, "%s: mirror to %s", dev, tg->valuestring);
		(*n)++;
	}
	return 0;
}

/* Cancel our n jobs (force: before READY, or after a failure, nothing
 * is completed), waiting for each to end. */
static int
mirror_cancel(struct qmp *q, int n, int force, char *err)
{
	char job[16];
	cJSON *a;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(job, sizeof(job), "clone%d", i);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "device", job);
		if (force)
			cJSON_AddTrueToObject(a, "force");
		if (qmp_execute(q, "block-job-cancel", a, NULL, QMP_MS,
		    err) != 0)
			return -1;
	}
	return 0;
}

int
clone_task_mirror(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	struct vm_slot *s;
	char e2[ERR_LEN];
	const cJSON *tg = cJSON_GetObjectItemCaseSensitive(o->o_params,
	    "targets");
	long ms = o->o_timeout_s * 1000;
	int n = 0, rc = -1;

	if ((s = vmops_slot_take(o->o_v, o->o_vm, 0)) == NULL)
		return err_set(err, "VM %s does not run on this node", o->o_vm);
	if (s->s_proc.qmp == NULL) {
		err_set(err, "VM %s: no QMP connection", o->o_vm);
		goto out;
	}
	if (mirror_start(t, s->s_proc.qmp, tg, &n, err) != 0 ||
	    mirror_events(s->s_proc.qmp, n, "BLOCK_JOB_READY", ms, err) != 0)
		goto fail;
	task_progress(t, 0.9);
	/* Cancelled once READY, a mirror leaves its target a copy of the
	 * disk as it is now, and the VM on its own disk. */
	if (mirror_cancel(s->s_proc.qmp, n, 0, err) != 0 ||
	    mirror_events(s->s_proc.qmp, n, "BLOCK_JOB_COMPLETED", ms,
	    err) != 0)
		goto fail;
	task_log(t, "%d disk(s) copied; VM %s runs on", n, o->o_vm);
	rc = 0;
	goto out;
fail:
	if (n > 0 && mirror_cancel(s->s_proc.qmp, n, 1, e2) == 0)
		mirror_events(s->s_proc.qmp, n, "BLOCK_JOB_CANCELLED", 10000,
		    e2);
out:
	vmops_slot_give(o->o_v, s, 1);
	return rc;
}
