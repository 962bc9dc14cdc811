/*
 * api_cluster.c - API handlers for the cluster, nodes, tasks and tokens
 * (routes in api_cluster_routes; docs/api.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/api.h"
#include "platform/auth.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/task.h"

static int
status_err(struct api_req *r, int status, const char *err)
{
	return api_error(r, status, NULL, "%s", err);
}

static int
h_version(struct api_req *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "product", "hvd");
	cJSON_AddStringToObject(o, "version", HV_VERSION);
	cJSON_AddStringToObject(o, "api", "v1");
	cJSON_AddStringToObject(o, "node", cluster_node(r->rq_cl));
	cJSON_AddStringToObject(o, "role", auth_role_name(r->rq_role));
	return api_reply(r, 200, o);
}

static int
h_cluster_get(struct api_req *r)
{
	cJSON *o;
	char err[ERR_LEN];
	int st;

	if (cluster_status(r->rq_cl, &o, &st, err) != 0)
		return status_err(r, st, err);
	return api_reply(r, 200, o);
}

static int
h_cluster_create(struct api_req *r)
{
	static const char *const keys[] = { "name", NULL };
	const char *name = NULL;
	char err[ERR_LEN];
	cJSON *o;
	int st;

	if (api_body_keys(r, keys) != 0 ||
	    api_body_str(r, "name", 1, &name) != 0)
		return -1;
	if (cluster_create(r->rq_cl, name, &o, &st, err) != 0)
		return api_error(r, st, st == 400 ? "name" : NULL, "%s", err);
	return api_reply(r, 201, o);
}

static int
h_cluster_join(struct api_req *r)
{
	static const char *const keys[] = { "address", "token",
	    "fingerprint", NULL };
	const char *addr = NULL, *tok = NULL, *fp = NULL;
	struct cluster_invite inv;
	char err[ERR_LEN];
	cJSON *o;
	int st;

	if (api_body_keys(r, keys) != 0 ||
	    api_body_str(r, "address", 1, &addr) != 0 ||
	    api_body_str(r, "token", 1, &tok) != 0 ||
	    api_body_str(r, "fingerprint", 1, &fp) != 0)
		return -1;
	inv.ci_address = addr;
	inv.ci_token = tok;
	inv.ci_fingerprint = fp;
	if (cluster_join(r->rq_cl, &inv, &o, &st, err) != 0)
		return status_err(r, st, err);
	return api_reply(r, 201, o);
}

static int
h_cluster_add_node(struct api_req *r)
{
	static const char *const keys[] = { "name", "address",
	    "etcd_peer_port", "csr", "role", NULL };
	const char *name = NULL, *addr = NULL, *csr = NULL, *role = "node";
	struct cluster_newcomer nc;
	int64_t port = 2380;
	char err[ERR_LEN];
	cJSON *o;
	int st;

	if (api_need_cluster(r) != 0 || api_body_keys(r, keys) != 0 ||
	    api_body_str(r, "name", 1, &name) != 0 ||
	    api_body_str(r, "address", 1, &addr) != 0 ||
	    api_body_int(r, "etcd_peer_port", 0, &port) != 0 ||
	    api_body_str(r, "csr", 1, &csr) != 0 ||
	    api_body_str(r, "role", 0, &role) != 0)
		return -1;
	if (strcmp(role, "node") != 0 && strcmp(role, "witness") != 0)
		return api_error(r, 400, "role", "'role' must be node or "
		    "witness");
	if (port < 1 || port > 65535)
		return api_error(r, 400, "etcd_peer_port", "'etcd_peer_port' "
		    "must be 1..65535");
	nc.cn_name = name;
	nc.cn_address = addr;
	nc.cn_peer_port = (int)port;
	nc.cn_csr = csr;
	nc.cn_witness = strcmp(role, "witness") == 0;
	if (cluster_add_node(r->rq_cl, &nc, &o, &st, err) != 0)
		return status_err(r, st, err);
	return api_reply(r, 201, o);
}

static int
h_cluster_del_node(struct api_req *r)
{
	char err[ERR_LEN];
	int st;

	if (api_need_cluster(r) != 0 || api_body_keys(r,
	    (const char *const[]){ NULL }) != 0)
		return -1;
	if (cluster_remove_node(r->rq_cl, r->rq_params[0], &st, err) != 0)
		return status_err(r, st, err);
	return api_reply(r, 200, NULL);
}

static int
h_cluster_ca(struct api_req *r)
{
	char err[ERR_LEN], *pem;
	cJSON *o;

	if (api_need_cluster(r) != 0)
		return -1;
	if ((pem = cluster_ca_pem(r->rq_cl, err)) == NULL)
		return api_error(r, 500, NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ca_cert", pem);
	free(pem);
	return api_reply(r, 200, o);
}

static int
h_nodes(struct api_req *r)
{
	char err[ERR_LEN];
	cJSON *o;
	int st;

	if (cluster_nodes(r->rq_cl, &o, &st, err) != 0)
		return status_err(r, st, err);
	return api_reply(r, 200, o);
}

static int
h_node(struct api_req *r)
{
	char err[ERR_LEN];
	cJSON *o, *it, *found = NULL;
	const char *nm;
	int st;

	if (cluster_nodes(r->rq_cl, &o, &st, err) != 0)
		return status_err(r, st, err);
	cJSON_ArrayForEach(it, o) {
		if (json_get_string(it, "name", JSON_REQUIRED, &nm, NULL) == 0 &&
		    strcmp(nm, r->rq_params[0]) == 0)
			found = it;
	}
	if (found == NULL) {
		cJSON_Delete(o);
		return api_error(r, 404, NULL, "no node '%s'", r->rq_params[0]);
	}
	found = cJSON_Duplicate(found, 1);
	cJSON_Delete(o);
	return api_reply(r, 200, found);
}

static int
h_tasks(struct api_req *r)
{
	char err[ERR_LEN];
	cJSON *o;

	if (api_need_cluster(r) != 0)
		return -1;
	if (task_list(cluster_etcd(r->rq_cl), &o, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	return api_reply(r, 200, o);
}

static int
h_task(struct api_req *r)
{
	char err[ERR_LEN];
	cJSON *o;
	int rc;

	if (api_need_cluster(r) != 0)
		return -1;
	rc = task_get(cluster_etcd(r->rq_cl), r->rq_params[0], &o, err);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no task '%s'", r->rq_params[0]);
	return api_reply(r, 200, o);
}

static int
h_tokens(struct api_req *r)
{
	struct etcd_kv *kvs;
	size_t n, i;
	char err[ERR_LEN];
	cJSON *arr, *o;

	if (api_need_cluster(r) != 0)
		return -1;
	if (etcd_list(cluster_etcd(r->rq_cl), KEY_TOKENS, &kvs, &n, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL)) ==
		    NULL)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(o, "hash");
		cJSON_AddItemToArray(arr, o);
	}
	etcd_kvs_free(kvs, n);
	return api_reply(r, 200, arr);
}

static int
h_token_create(struct api_req *r)
{
	static const char *const keys[] = { "role", "comment", NULL };
	const char *role = NULL, *comment = "";
	char err[ERR_LEN], tok[AUTH_TOKEN_LEN], id[AUTH_ID_LEN + 1];
	enum auth_role ro;
	cJSON *o;

	if (api_need_cluster(r) != 0 || api_body_keys(r, keys) != 0 ||
	    api_body_str(r, "role", 1, &role) != 0 ||
	    api_body_str(r, "comment", 0, &comment) != 0)
		return -1;
	if ((ro = auth_role_parse(role)) == AUTH_NONE)
		return api_error(r, 400, "role", "'role' must be admin, "
		    "operator or audit");
	if (strlen(comment) > 200)
		return api_error(r, 400, "comment", "'comment' is longer than "
		    "200 bytes");
	if (auth_create(cluster_etcd(r->rq_cl), ro, comment, tok, id, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "role", role);
	cJSON_AddStringToObject(o, "token", tok);
	return api_reply(r, 201, o);
}

static int
h_token_delete(struct api_req *r)
{
	char err[ERR_LEN], key[128];
	int n;

	if (api_need_cluster(r) != 0)
		return -1;
	if (strlen(r->rq_params[0]) != AUTH_ID_LEN)
		return api_error(r, 404, NULL, "no token '%s'",
		    r->rq_params[0]);
	snprintf(key, sizeof(key), "%s%s", KEY_TOKENS, r->rq_params[0]);
	if ((n = etcd_delete(cluster_etcd(r->rq_cl), key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (n == 0)
		return api_error(r, 404, NULL, "no token '%s'",
		    r->rq_params[0]);
	return api_reply(r, 200, NULL);
}

const struct api_route api_cluster_routes[] = {
	{ "GET",	"/api/v1/version",		h_version },
	{ "GET",	"/api/v1/cluster",		h_cluster_get },
	{ "POST",	"/api/v1/cluster",		h_cluster_create },
	{ "POST",	"/api/v1/cluster/join",		h_cluster_join },
	{ "GET",	"/api/v1/cluster/ca",		h_cluster_ca },
	{ "POST",	"/api/v1/cluster/nodes",	h_cluster_add_node },
	{ "DELETE",	"/api/v1/cluster/nodes/*",	h_cluster_del_node },
	{ "GET",	"/api/v1/nodes",		h_nodes },
	{ "GET",	"/api/v1/nodes/*",		h_node },
	{ "GET",	"/api/v1/tasks",		h_tasks },
	{ "GET",	"/api/v1/tasks/*",		h_task },
	{ "GET",	"/api/v1/tokens",		h_tokens },
	{ "POST",	"/api/v1/tokens",		h_token_create },
	{ "DELETE",	"/api/v1/tokens/*",		h_token_delete },
	{ NULL, NULL, NULL }
};
