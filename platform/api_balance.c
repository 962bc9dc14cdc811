/*
 * api_balance.c - the load balancer's endpoints (balance.h,
 * docs/balance.md): its settings and last round (GET|PUT
 * /api/v1/cluster/balance; changing them is admin business, as every
 * PUT under /api/v1/cluster), its rules (/api/v1/balance/rules) and a
 * node's maintenance (PUT /api/v1/nodes/NODE/maintenance).  They only
 * read and write etcd; the HA manager's round acts on what they write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/api.h"
#include "platform/balance.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"

static struct etcd *
api_etcd(struct api_req *r)
{
	if (api_need_cluster(r) != 0)
		return NULL;
	return cluster_etcd(r->rq_cl);
}

/* Store o (JSON) at key: 0, or -1 with a 503 answer. */
static int
put_json(struct api_req *r, struct etcd *e, const char *key, const cJSON *o)
{
	char err[ERR_LEN], *txt;
	int rc;

	if ((txt = cJSON_PrintUnformatted(o)) == NULL)
		return api_error(r, 500, NULL, "out of memory");
	rc = etcd_put(e, key, txt, 0, err);
	free(txt);
	return rc == 0 ? 0 : api_error(r, 503, NULL, "%s", err);
}

/* The values of every key under prefix, parsed, as an array; members
 * name (the key's last part) added when name is set. */
static int
list_json(struct api_req *r, struct etcd *e, const char *prefix,
    const char *name, cJSON **out)
{
	struct etcd_kv *kvs = NULL;
	char err[ERR_LEN];
	size_t n = 0, i;
	cJSON *o;

	if (etcd_list(e, prefix, &kvs, &n, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	*out = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if (name == NULL)
			o = cJSON_CreateString(kvs[i].kv_key + strlen(prefix));
		else if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		cJSON_AddItemToArray(*out, o);
	}
	etcd_kvs_free(kvs, n);
	return 0;
}

static int
h_get(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct bal_settings s;
	struct etcd_kv kv;
	char err[ERR_LEN];
	cJSON *out, *x;

	if (e == NULL)
		return -1;
	if (balance_settings_load(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "settings", balance_settings_json(&s));
	if (list_json(r, e, KEY_BAL_MAINT, NULL, &x) != 0)
		goto fail;
	cJSON_AddItemToObject(out, "maintenance", x);
	if (list_json(r, e, KEY_BAL_RULES, "name", &x) != 0)
		goto fail;
	cJSON_AddItemToObject(out, "rules", x);
	if (etcd_get(e, KEY_BAL_STATUS, &kv, NULL) == 1) {
		cJSON_AddItemToObject(out, "status", json_parse_buf(kv.kv_val,
		    kv.kv_len, NULL));
		etcd_kv_clear(&kv);
	} else
		cJSON_AddNullToObject(out, "status");
	return api_reply(r, 200, out);
fail:
	cJSON_Delete(out);
	return -1;
}

static int
h_put(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct bal_settings s;
	char err[ERR_LEN];
	cJSON *o;

	if (e == NULL)
		return -1;
	if (balance_settings_load(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "nothing to change");
	if (balance_settings_from_json(r->rq_body, &s, err) != 0)
		return api_error(r, 400, NULL, "%s", err);
	o = balance_settings_json(&s);
	if (put_json(r, e, KEY_BAL_SETTINGS, o) != 0) {
		cJSON_Delete(o);
		return -1;
	}
	return api_reply(r, 200, o);
}

static int
h_rules(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	cJSON *arr;

	if (e == NULL || list_json(r, e, KEY_BAL_RULES, "name", &arr) != 0)
		return -1;
	return api_reply(r, 200, arr);
}

static int
h_rule_add(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct bal_rule rule;
	char err[ERR_LEN], field[64], key[160];
	cJSON *o;

	if (e == NULL)
		return -1;
	if (balance_rule_from_json(r->rq_body, &rule, field, err) != 0)
		return api_error(r, 400, field[0] ? field : NULL, "%s", err);
	o = balance_rule_json(&rule);
	snprintf(key, sizeof(key), "%s%s", KEY_BAL_RULES, rule.br_name);
	if (put_json(r, e, key, o) != 0) {
		cJSON_Delete(o);
		return -1;
	}
	return api_reply(r, 200, o);
}

static int
h_rule_del(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[320];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_BAL_RULES, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no balancer rule '%s'",
		    r->rq_params[0]);
	return api_reply(r, 200, NULL);
}

/* {"maintenance": true|false}: a node in maintenance is drained by the
 * balancer and takes no VM from it. */
static int
h_maint(struct api_req *r)
{
	static const char *const keys[] = { "maintenance", NULL };
	struct etcd *e = api_etcd(r);
	const char *node = r->rq_params[0];
	char err[ERR_LEN], key[320];
	int on = 0, online = 0, rc;
	cJSON *o;

	if (e == NULL || api_body_keys(r, keys) != 0)
		return -1;
	if (json_get_bool(r->rq_body, "maintenance", JSON_REQUIRED, &on,
	    err) != 0)
		return api_error(r, 400, "maintenance", "%s", err);
	if ((rc = cluster_node_info(r->rq_cl, node, NULL, 0, &online,
	    err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no node '%s'", node);
	snprintf(key, sizeof(key), "%s%s", KEY_BAL_MAINT, node);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "node", node);
	cJSON_AddBoolToObject(o, "maintenance", on);
	if (on) {
		cJSON_AddStringToObject(o, "by", r->rq_user);
		if (put_json(r, e, key, o) != 0)
			goto fail;
	} else if (etcd_delete(e, key, 0, err) < 0) {
		api_error(r, 503, NULL, "%s", err);
		goto fail;
	}
	return api_reply(r, 200, o);
fail:
	cJSON_Delete(o);
	return -1;
}

const struct api_route api_balance_routes[] = {
	{ "GET",	"/api/v1/cluster/balance",	h_get },
	{ "PUT",	"/api/v1/cluster/balance",	h_put },
	{ "GET",	"/api/v1/balance/rules",	h_rules },
	{ "POST",	"/api/v1/balance/rules",	h_rule_add },
	{ "DELETE",	"/api/v1/balance/rules/*",	h_rule_del },
	{ "PUT",	"/api/v1/nodes/*/maintenance",	h_maint },
	{ NULL, NULL, NULL }
};
