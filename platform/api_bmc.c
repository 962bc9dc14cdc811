/*
 * api_bmc.c - /api/v1/nodes/NODE/bmc: where a node's BMC answers and
 * the credentials the HA manager powers it off with (bmcfence.h,
 * docs/ha.md "Fencing through the BMC").  The record lives in etcd, as
 * the manager may run on any node and needs every node's BMC.  Writing
 * it takes an admin token (it decides who may power a node off: auth.c
 * refuses other roles before the body is read); a GET answers any role,
 * without the password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/api.h"
#include "platform/bmcfence.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"

/* The node named in the path, in an active cluster: its etcd, or NULL
 * with the answer set.  (Writes are admin only: auth_allowed.) */
static struct etcd *
bmc_node_etcd(struct api_req *r)
{
	char err[ERR_LEN], key[128];
	struct etcd_kv kv;
	struct etcd *e;
	int rc;

	if (api_need_cluster(r) != 0)
		return NULL;
	e = cluster_etcd(r->rq_cl);
	snprintf(key, sizeof(key), "%s%s", KEY_NODES, r->rq_params[0]);
	if (!cluster_valid_name(r->rq_params[0]) ||
	    (rc = etcd_get(e, key, &kv, err)) == 0) {
		api_error(r, 404, NULL, "no node '%s'", r->rq_params[0]);
		return NULL;
	}
	if (rc < 0) {
		api_error(r, 503, NULL, "%s", err);
		return NULL;
	}
	etcd_kv_clear(&kv);
	return e;
}

static int
h_bmc_get(struct api_req *r)
{
	struct etcd *e = bmc_node_etcd(r);
	struct bmcfence_conf c;
	char err[ERR_LEN];
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	if ((rc = bmcfence_conf_load(e, r->rq_params[0], &c, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "node %s has no BMC record",
		    r->rq_params[0]);
	o = bmcfence_conf_json(&c, 0);
	bmcfence_conf_clear(&c);
	cJSON_AddStringToObject(o, "node", r->rq_params[0]);
	return api_reply(r, 200, o);
}

static int
h_bmc_put(struct api_req *r)
{
	struct etcd *e = bmc_node_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	struct bmcfence_conf c;
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	if (bmcfence_conf_from_json(r->rq_body, &c, field, err) != 0)
		return api_error(r, 400, field[0] ? field : NULL, "%s", err);
	o = bmcfence_conf_json(&c, 1);
	txt = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	snprintf(key, sizeof(key), "%s%s", KEY_BMC, r->rq_params[0]);
	rc = txt ? etcd_put(e, key, txt, 0, err) : err_set(err, "out of "
	    "memory");
	if (txt != NULL)
		explicit_bzero(txt, strlen(txt));
	free(txt);
	o = rc == 0 ? bmcfence_conf_json(&c, 0) : NULL;
	bmcfence_conf_clear(&c);
	if (rc != 0)
		return api_error(r, 503, NULL, "%s", err);
	cJSON_AddStringToObject(o, "node", r->rq_params[0]);
	return api_reply(r, 200, o);
}

static int
h_bmc_del(struct api_req *r)
{
	struct etcd *e = bmc_node_etcd(r);
	char err[ERR_LEN], key[128];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_BMC, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "node %s has no BMC record",
		    r->rq_params[0]);
	return api_reply(r, 200, NULL);
}

const struct api_route api_bmc_routes[] = {
	{ "GET",	"/api/v1/nodes/*/bmc",	h_bmc_get },
	{ "PUT",	"/api/v1/nodes/*/bmc",	h_bmc_put },
	{ "DELETE",	"/api/v1/nodes/*/bmc",	h_bmc_del },
	{ NULL, NULL, NULL }
};
