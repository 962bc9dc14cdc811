/*
 * api_io.c - API handlers for VM export and import (routes in
 * api_io_routes; docs/api.md "Export and import").  vmio.c checks and
 * starts the tasks; these turn its answers into JSON: 202 {"task": ID}.
 */
#include <stdio.h>

#include "err.h"
#include "platform/api.h"
#include "platform/vmio.h"

static int
h_vm_export(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc = vmio_export(r->rq_vmops, r->rq_params[0], r->rq_body, &c,
	    err);

	return api_task_reply(r, rc, c.vc_status, c.vc_field, c.vc_id,
	    err);
}

static int
h_vm_import(struct api_req *r)
{
	struct vmops_call c = { r->rq_user, 500, "", "" };
	char err[ERR_LEN];
	int rc = vmio_import(r->rq_vmops, r->rq_body, &c, err);

	return api_task_reply(r, rc, c.vc_status, c.vc_field, c.vc_id,
	    err);
}

const struct api_route api_io_routes[] = {
	{ "POST",	"/api/v1/vms/import",		h_vm_import },
	{ "POST",	"/api/v1/vms/*/export",		h_vm_export },
	{ NULL, NULL, NULL }
};
