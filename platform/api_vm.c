/*
 * api_vm.c - API handlers for VMs (routes in api_vm_routes; docs/api.md).
 * The work is in vmops.c: these check the request's shape and turn the
 * answer into JSON.  Long operations answer 202 {"task": ID}.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "platform/api.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/pool.h"
#include "platform/vmops.h"
#include "platform/volimport.h"

static int
verdict(struct api_req *r, int rc, int st, const char *field,
    const char *err, cJSON *out)
{
	if (rc != 0)
		return api_error(r, st, field && *field ? field : NULL, "%s",
		    err);
	return api_reply(r, st, out);
}

static int
h_vms(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = vmops_list(r->rq_vmops, &o, &c, err);

	return verdict(r, rc, c.vc_status, NULL, err, o);
}

static int
h_vm_create(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "the body must be a VM config");
	rc = vmops_create(r->rq_vmops, r->rq_body, &o, &c, err);
	return verdict(r, rc, c.vc_status, c.vc_field, err, o);
}

static int
h_vm_get(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = vmops_get(r->rq_vmops, r->rq_params[0], &o, &c, err);

	return verdict(r, rc, c.vc_status, NULL, err, o);
}

static int
h_vm_config_get(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL, *cfg;

	if (vmops_get(r->rq_vmops, r->rq_params[0], &o, &c, err) != 0)
		return api_error(r, c.vc_status, NULL, "%s", err);
	cfg = cJSON_DetachItemFromObjectCaseSensitive(o, "config");
	cJSON_Delete(o);
	return api_reply(r, 200, cfg);
}

static int
h_vm_config_put(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "the body must be a VM config");
	rc = vmops_set_config(r->rq_vmops, r->rq_params[0], r->rq_body, &o,
	    &c, err);
	return verdict(r, rc, c.vc_status, c.vc_field, err, o);
}

static int
h_vm_delete(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc = vmops_delete(r->rq_vmops, r->rq_params[0], &c, err);

	return verdict(r, rc, c.vc_status, NULL, err, NULL);
}

static int
h_vm_action(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	const char *action = strrchr(r->rq_path, '/') + 1;
	cJSON *o;

	if (vmops_action(r->rq_vmops, r->rq_params[0], action, r->rq_body,
	    &c, err) != 0)
		return api_error(r, c.vc_status, c.vc_field[0] ? c.vc_field :
		    NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "task", c.vc_id);
	return api_reply(r, 202, o);
}

static int
h_vm_migrate(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o;

	if (vmops_migrate(r->rq_vmops, r->rq_params[0], r->rq_body, &c,
	    err) != 0)
		return api_error(r, c.vc_status, c.vc_field[0] ? c.vc_field :
		    NULL, "%s", err);
	o = cJSON_CreateObject();
	if (c.vc_id[0] != '\0')
		cJSON_AddStringToObject(o, "task", c.vc_id);
	else
		cJSON_AddStringToObject(o, "vm", r->rq_params[0]);
	return api_reply(r, c.vc_status, o);
}

static int
h_net_get(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = vmops_net_show(r->rq_vmops, r->rq_params[0], &o, &c, err);

	return verdict(r, rc, c.vc_status, NULL, err, o);
}

static int
h_net_change(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o;

	if (vmops_net_change(r->rq_vmops, r->rq_params[0], r->rq_body, &c,
	    err) != 0)
		return api_error(r, c.vc_status, c.vc_field[0] ? c.vc_field :
		    NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "task", c.vc_id);
	return api_reply(r, 202, o);
}

static int
h_vm_clone(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = clone_vm(r->rq_vmops, r->rq_params[0], r->rq_body, &o, &c,
	    err);

	return verdict(r, rc, c.vc_status, c.vc_field, err, o);
}

static int
h_vm_template(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = clone_template(r->rq_vmops, r->rq_params[0], r->rq_body, &o,
	    &c, err);

	return verdict(r, rc, c.vc_status, c.vc_field, err, o);
}

/* A pool call taken by this node. */
static void
pool_call_init(struct api_req *r, struct pool_call *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->pc_node = cluster_node(r->rq_cl);
	pc->pc_pool_dirs = r->rq_cf->cf_pool_dirs;
	pc->pc_import_dirs = r->rq_cf->cf_import_dirs;
	pc->pc_status = 500;
}

static int
h_pools(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = pool_list(cluster_etcd(r->rq_cl), &o, &pc, err);
	return verdict(r, rc, pc.pc_status, NULL, err, o);
}

static int
h_pool_create(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = pool_create(cluster_etcd(r->rq_cl), r->rq_body, &o, &pc, err);
	return verdict(r, rc, pc.pc_status, pc.pc_field, err, o);
}

static int
h_pool_get(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = pool_get(cluster_etcd(r->rq_cl), r->rq_params[0], &o, &pc, err);
	return verdict(r, rc, pc.pc_status, NULL, err, o);
}

static int
h_pool_delete(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	int rc;

	if (api_need_cluster(r) != 0 ||
	    api_body_keys(r, (const char *const[]){ NULL }) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = pool_delete(cluster_etcd(r->rq_cl), r->rq_params[0], &pc, err);
	return verdict(r, rc, pc.pc_status, NULL, err, NULL);
}

static int
h_volumes(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	cJSON *o = NULL, *p = NULL;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	pool_call_init(r, &pc);
	if (pool_get(cluster_etcd(r->rq_cl), r->rq_params[0], &p, &pc,
	    err) != 0)
		return api_error(r, pc.pc_status, NULL, "%s", err);
	cJSON_Delete(p);
	rc = volume_list(cluster_etcd(r->rq_cl), r->rq_params[0], &o, &pc,
	    err);
	return verdict(r, rc, pc.pc_status, NULL, err, o);
}

static int
h_volume_create(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = volume_create(cluster_etcd(r->rq_cl), r->rq_params[0],
	    r->rq_body, &o, &pc, err);
	return verdict(r, rc, pc.pc_status, pc.pc_field, err, o);
}

static int
h_volume_delete(struct api_req *r)
{
	struct pool_call pc;
	char err[ERR_LEN];
	int rc;

	if (api_need_cluster(r) != 0 ||
	    api_body_keys(r, (const char *const[]){ NULL }) != 0)
		return -1;
	pool_call_init(r, &pc);
	rc = volume_delete(cluster_etcd(r->rq_cl), r->rq_params[0],
	    r->rq_params[1], &pc, err);
	return verdict(r, rc, pc.pc_status, NULL, err, NULL);
}

/*
 * The volume the request names: its record into *rec (caller frees) and
 * where this node opens it into path.  0, or -1 with the answer set
 * (404 unknown; 409 a dir pool of another node, which alone has it).
 */
static int
volume_here(struct api_req *r, cJSON **rec, char path[POOL_PATH_MAX])
{
	struct etcd *e = cluster_etcd(r->rq_cl);
	char err[ERR_LEN];
	int n;

	*rec = NULL;
	if (api_need_cluster(r) != 0)
		return -1;
	if ((n = volume_get(e, r->rq_params[0], r->rq_params[1], rec,
	    err)) <= 0)
		return n < 0 ? api_error(r, 503, NULL, "%s", err) :
		    api_error(r, 404, NULL, "no volume %s/%s",
		    r->rq_params[0], r->rq_params[1]);
	if (pool_resolve(e, cluster_node(r->rq_cl), r->rq_params[0],
	    r->rq_params[1], path, err) != 0) {
		cJSON_Delete(*rec);
		*rec = NULL;
		return api_error(r, 409, NULL, "%s", err);
	}
	return 0;
}

/* GET /pools/P/volumes/V: the record and what the image takes as
 * stored (alloc_bytes; volimport.h), measured by this node. */
static int
h_volume_get(struct api_req *r)
{
	char path[POOL_PATH_MAX], err[ERR_LEN];
	uint64_t bytes = 0;
	cJSON *o;

	if (volume_here(r, &o, path) != 0)
		return -1;
	if (volume_alloc(path, strncmp(path, "iscsi://", 8) == 0, &bytes,
	    err) != 0) {
		cJSON_Delete(o);
		return api_error(r, 502, NULL, "%s", err);
	}
	cJSON_AddNumberToObject(o, "alloc_bytes", (double)bytes);
	return api_reply(r, 200, o);
}

/* GET /pools/P/volumes/V/digest: the SHA-256 of the image as stored
 * (a file whole, a LUN up to its qcow2's end). */
static int
h_volume_digest(struct api_req *r)
{
	char path[POOL_PATH_MAX], err[ERR_LEN], hex[65];
	uint64_t bytes = 0;
	cJSON *rec, *o;

	if (volume_here(r, &rec, path) != 0)
		return -1;
	cJSON_Delete(rec);
	if (volume_digest(path, strncmp(path, "iscsi://", 8) == 0,
	    r->rq_cf->cf_run_dir, hex, &bytes, err) != 0)
		return api_error(r, 502, NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "algorithm", "sha256");
	cJSON_AddStringToObject(o, "sha256", hex);
	cJSON_AddNumberToObject(o, "bytes", (double)bytes);
	return api_reply(r, 200, o);
}

const struct api_route api_vm_routes[] = {
	{ "GET",	"/api/v1/pools",		h_pools },
	{ "POST",	"/api/v1/pools",		h_pool_create },
	{ "GET",	"/api/v1/pools/*",		h_pool_get },
	{ "DELETE",	"/api/v1/pools/*",		h_pool_delete },
	{ "GET",	"/api/v1/pools/*/volumes",	h_volumes },
	{ "POST",	"/api/v1/pools/*/volumes",	h_volume_create },
	{ "GET",	"/api/v1/pools/*/volumes/*",	h_volume_get },
	{ "GET",	"/api/v1/pools/*/volumes/*/digest", h_volume_digest },
	{ "DELETE",	"/api/v1/pools/*/volumes/*",	h_volume_delete },
	{ "GET",	"/api/v1/nodes/*/network",	h_net_get },
	{ "POST",	"/api/v1/nodes/*/network",	h_net_change },
	{ "GET",	"/api/v1/vms",			h_vms },
	{ "POST",	"/api/v1/vms",			h_vm_create },
	{ "GET",	"/api/v1/vms/*",		h_vm_get },
	{ "DELETE",	"/api/v1/vms/*",		h_vm_delete },
	{ "GET",	"/api/v1/vms/*/config",		h_vm_config_get },
	{ "PUT",	"/api/v1/vms/*/config",		h_vm_config_put },
	{ "POST",	"/api/v1/vms/*/start",		h_vm_action },
	{ "POST",	"/api/v1/vms/*/stop",		h_vm_action },
	{ "POST",	"/api/v1/vms/*/shutdown",	h_vm_action },
	{ "POST",	"/api/v1/vms/*/migrate",	h_vm_migrate },
	{ "POST",	"/api/v1/vms/*/clone",		h_vm_clone },
	{ "POST",	"/api/v1/vms/*/template",	h_vm_template },
	{ NULL, NULL, NULL }
};
