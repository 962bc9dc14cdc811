/*
 * api_backup.c - API handlers for backups (routes in api_backup_routes;
 * docs/api.md "Backups"): backup stores, a store's backups (listed from
 * the store), a VM's backup, verify, restore and delete, and backup
 * schedules.  backup.c, backup_store.c and backup_job.c check and queue;
 * these turn their answers into JSON.  Long work is a task: 202
 * {"task": ID}.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "platform/api.h"
#include "platform/backup.h"
#include "platform/vmops.h"

/* The answer of a call: its error, a task's id (202), or out. */
static int
answer(struct api_req *r, int rc, const struct vmops_call *c, cJSON *out,
    const char *err)
{
	cJSON *o;

	if (rc != 0)
		return api_error(r, c->vc_status, c->vc_field[0] ?
		    c->vc_field : NULL, "%s", err);
	if (out != NULL)
		return api_reply(r, c->vc_status ? c->vc_status : 200, out);
	o = cJSON_CreateObject();
	if (c->vc_id[0] != '\0')
		cJSON_AddStringToObject(o, "task", c->vc_id);
	return api_reply(r, c->vc_status ? c->vc_status : 200, o);
}

#define CALL(c)	struct vmops_call c = { r->rq_user, 500, "", "" }

static int
h_stores(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_store_list(r->rq_vmops, &o, &c, err);

	return answer(r, rc, &c, o, err);
}

static int
h_store_create(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_store_create(r->rq_vmops, r->rq_body, &o, &c, err);

	return answer(r, rc, &c, o, err);
}

static int
h_store_delete(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc = backup_store_delete(r->rq_vmops, r->rq_params[0], &c, err);

	return answer(r, rc, &c, NULL, err);
}

static int
h_backups(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_list(r->rq_vmops, r->rq_params[0], NULL, &o, &c,
	    err);

	return answer(r, rc, &c, o, err);
}

static int
h_backup_get(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_list(r->rq_vmops, r->rq_params[0], r->rq_params[1],
	    &o, &c, err);

	return answer(r, rc, &c, o, err);
}

static int
h_backup_delete(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc = backup_delete(r->rq_vmops, r->rq_params[0], r->rq_params[1],
	    &c, err);

	return answer(r, rc, &c, NULL, err);
}

static int
h_backup_verify(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc;

	if (api_body_keys(r, (const char *const[]){ NULL }) != 0)
		return -1;
	rc = backup_verify(r->rq_vmops, r->rq_params[0], r->rq_params[1], &c,
	    err);
	return answer(r, rc, &c, NULL, err);
}

static int
h_backup_restore(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc = backup_restore(r->rq_vmops, r->rq_params[0],
	    r->rq_params[1], r->rq_body, &c, err);

	return answer(r, rc, &c, NULL, err);
}

static int
h_vm_backup(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc = backup_create(r->rq_vmops, r->rq_params[0], r->rq_body, &c,
	    err);

	return answer(r, rc, &c, NULL, err);
}

static int
h_jobs(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_job_list(r->rq_vmops, &o, &c, err);

	return answer(r, rc, &c, o, err);
}

static int
h_job_create(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	cJSON *o = NULL;
	int rc = backup_job_create(r->rq_vmops, r->rq_body, &o, &c, err);

	return answer(r, rc, &c, o, err);
}

static int
h_job_delete(struct api_req *r)
{
	CALL(c);
	char err[ERR_LEN];
	int rc = backup_job_delete(r->rq_vmops, r->rq_params[0], &c, err);

	return answer(r, rc, &c, NULL, err);
}

const struct api_route api_backup_routes[] = {
	{ "GET",    "/api/v1/backup-stores",			h_stores },
	{ "POST",   "/api/v1/backup-stores",			h_store_create },
	{ "DELETE", "/api/v1/backup-stores/*",			h_store_delete },
	{ "GET",    "/api/v1/backup-stores/*/backups",		h_backups },
	{ "GET",    "/api/v1/backup-stores/*/backups/*",	h_backup_get },
	{ "DELETE", "/api/v1/backup-stores/*/backups/*",	h_backup_delete },
	{ "POST",   "/api/v1/backup-stores/*/backups/*/verify",	h_backup_verify },
	{ "POST",   "/api/v1/backup-stores/*/backups/*/restore", h_backup_restore },
	{ "POST",   "/api/v1/vms/*/backup",			h_vm_backup },
	{ "GET",    "/api/v1/backup-jobs",			h_jobs },
	{ "POST",   "/api/v1/backup-jobs",			h_job_create },
	{ "DELETE", "/api/v1/backup-jobs/*",			h_job_delete },
	{ NULL, NULL, NULL }
};
