/*
 * api_snap.c - API handlers for a VM's snapshots (routes in
 * api_snap_routes; docs/api.md "Snapshots").  snapshot.c checks and
 * queues; these turn its answers into JSON.  Taking, rolling back and
 * deleting are tasks: 202 {"task": ID}.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "platform/api.h"
#include "platform/snapshot.h"
#include "platform/vmops.h"

static int
h_snap_list(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;

	if (snapshot_list(r->rq_vmops, r->rq_params[0], &o, &c, err) != 0)
		return api_error(r, c.vc_status, NULL, "%s", err);
	return api_reply(r, 200, o);
}

static int
h_snap_get(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	cJSON *o = NULL;

	if (snapshot_get(r->rq_vmops, r->rq_params[0], r->rq_params[1], &o,
	    &c, err) != 0)
		return api_error(r, c.vc_status, NULL, "%s", err);
	return api_reply(r, 200, o);
}

static int
h_snap_create(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc;

	if (r->rq_body == NULL)
		return api_error(r, 400, "name", "the body must be an object "
		    "with 'name'");
	rc = snapshot_create(r->rq_vmops, r->rq_params[0], r->rq_body, &c,
	    err);
	return api_task_reply(r, rc, c.vc_status, c.vc_field, c.vc_id,
	    err);
}

static int
h_snap_rollback(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc;

	if (api_body_keys(r, (const char *const[]){ NULL }) != 0)
		return -1;
	rc = snapshot_rollback(r->rq_vmops, r->rq_params[0], r->rq_params[1],
	    &c, err);
	return api_task_reply(r, rc, c.vc_status, c.vc_field, c.vc_id,
	    err);
}

static int
h_snap_delete(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc = snapshot_delete(r->rq_vmops, r->rq_params[0],
	    r->rq_params[1], &c, err);

	return api_task_reply(r, rc, c.vc_status, c.vc_field, c.vc_id,
	    err);
}

const struct api_route api_snap_routes[] = {
	{ "GET",	"/api/v1/vms/*/snapshots",		h_snap_list },
	{ "POST",	"/api/v1/vms/*/snapshots",		h_snap_create },
	{ "GET",	"/api/v1/vms/*/snapshots/*",		h_snap_get },
	{ "DELETE",	"/api/v1/vms/*/snapshots/*",		h_snap_delete },
	{ "POST",	"/api/v1/vms/*/snapshots/*/rollback",	h_snap_rollback },
	{ NULL, NULL, NULL }
};
