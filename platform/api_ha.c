/*
 * api_ha.c - the /api/v1/ha endpoints (ha.h, docs/ha.md): the HA view
 * (manager, settings, nodes, resources with their status and log,
 * groups), HA resources and groups, and the HA settings.  They only read
 * and write etcd; the manager (ha_manager.c) acts on what they write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/api.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha.h"
#include "platform/ha_priv.h"
#include "platform/keys.h"

static struct etcd *
api_etcd(struct api_req *r)
{
	if (api_need_cluster(r) != 0)
		return NULL;
	return cluster_etcd(r->rq_cl);
}

/* Every node with its HA lease state; a node with an HA lease and no
 * node lease too. */
static void
status_nodes(const struct ha_snap *s, cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "nodes"), *o;
	const char *nm;
	size_t i;

	for (i = 0; i < s->nalive_n; i++) {
		nm = s->nalive[i].kv_key + strlen(KEY_ALIVE);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", nm);
		cJSON_AddStringToObject(o, "ha", ha_node_alive(s, nm) ?
		    "online" : "offline");
		cJSON_AddItemToArray(arr, o);
	}
	for (i = 0; i < s->alive_n; i++) {
		nm = s->alive[i].kv_key + strlen(KEY_HA_ALIVE);
		if (ha_kv_find(s->nalive, s->nalive_n, KEY_ALIVE, nm))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", nm);
		cJSON_AddStringToObject(o, "ha", "online");
		cJSON_AddItemToArray(arr, o);
	}
}

/* Every resource with the manager's status and log of it. */
static void
status_resources(const struct ha_snap *s, cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "resources"), *o, *st, *x;
	const char *vm;
	size_t i;

	for (i = 0; i < s->res_n; i++) {
		vm = s->res[i].kv_key + strlen(KEY_HA_RESOURCES);
		st = ha_kv_json(ha_kv_find(s->st, s->st_n, KEY_HA_STATUS, vm));
		if ((o = ha_kv_json(&s->res[i])) == NULL)
			o = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(o, "vm");
		cJSON_AddStringToObject(o, "vm", vm);
		if (!cJSON_GetObjectItemCaseSensitive(o, "state"))
			cJSON_AddStringToObject(o, "state", "started");
		if (st) {
			x = cJSON_GetObjectItemCaseSensitive(st, "state");
			cJSON_AddStringToObject(o, "status", cJSON_IsString(x) ?
			    x->valuestring : "-");
			cJSON_AddStringToObject(o, "node", ha_jstr(st, "node",
			    "-"));
			cJSON_AddItemToObject(o, "log",
			    cJSON_DetachItemFromObjectCaseSensitive(st,
			    "log"));
		} else
			cJSON_AddStringToObject(o, "status", "new");
		cJSON_Delete(st);
		cJSON_AddItemToArray(arr, o);
	}
}

static void
status_groups(const struct ha_snap *s, cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "groups"), *o;
	size_t i;

	for (i = 0; i < s->grp_n; i++) {
		if ((o = ha_kv_json(&s->grp[i])) == NULL)
			continue;
		cJSON_AddStringToObject(o, "name", s->grp[i].kv_key +
		    strlen(KEY_HA_GROUPS));
		cJSON_AddItemToArray(arr, o);
	}
}

static int
h_status(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct ha_snap s;
	struct ha_settings set;
	char err[ERR_LEN];
	struct etcd_kv kv;
	cJSON *out;

	if (e == NULL)
		return -1;
	if (ha_snap_take(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	out = cJSON_CreateObject();
	if (etcd_get(e, KEY_HA_MANAGER, &kv, NULL) == 1) {
		cJSON_AddItemToObject(out, "manager", ha_kv_json(&kv));
		etcd_kv_clear(&kv);
	} else
		cJSON_AddNullToObject(out, "manager");
	if (ha_settings_load(e, &set, err) != 0)
		ha_settings_default(&set);
	cJSON_AddItemToObject(out, "settings", ha_settings_json(&set));
	status_nodes(&s, out);
	status_resources(&s, out);
	status_groups(&s, out);
	ha_snap_free(&s);
	return api_reply(r, 200, out);
}

static int
h_res_add(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	const char *vm = NULL, *g = NULL;
	struct etcd_kv kv;
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, "vm", "'vm' is required");
	if (ha_resource_check(r->rq_body, field, err) != 0)
		return api_error(r, 400, field, "%s", err);
	if (json_get_string(r->rq_body, "vm", JSON_REQUIRED, &vm, err) != 0)
		return api_error(r, 400, "vm", "%s", err);
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, vm);
	if (!cluster_valid_name(vm) || (rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, "vm", "no VM '%s'", vm);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	etcd_kv_clear(&kv);
	json_get_string(r->rq_body, "group", JSON_OPTIONAL, &g, NULL);
	if (g && *g) {
		snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, g);
		if ((rc = etcd_get(e, key, &kv, err)) == 0)
			return api_error(r, 400, "group", "no HA group '%s'",
			    g);
		if (rc < 0)
			return api_error(r, 503, NULL, "%s", err);
		etcd_kv_clear(&kv);
	}
	o = cJSON_Duplicate(r->rq_body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "vm");
	if (!cJSON_GetObjectItemCaseSensitive(o, "state"))
		cJSON_AddStringToObject(o, "state", "started");
	if (!cJSON_GetObjectItemCaseSensitive(o, "max_restart"))
		cJSON_AddNumberToObject(o, "max_restart", 1);
	if (!cJSON_GetObjectItemCaseSensitive(o, "max_relocate"))
		cJSON_AddNumberToObject(o, "max_relocate", 1);
	txt = cJSON_PrintUnformatted(o);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, vm);
	rc = txt ? etcd_create(e, key, txt, 0, err) : -1;
	free(txt);
	if (rc < 0) {
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	if (rc == 0) {
		cJSON_Delete(o);
		return api_error(r, 409, "vm", "VM %s is already an HA "
		    "resource", vm);
	}
	cJSON_AddStringToObject(o, "vm", vm);
	return api_reply(r, 201, o);
}

static int
h_res_set(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	struct etcd_kv kv;
	cJSON *o, *it;
	int rc;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "nothing to change");
	if (ha_resource_check(r->rq_body, field, err) != 0)
		return api_error(r, 400, field, "%s", err);
	if (cJSON_GetObjectItemCaseSensitive(r->rq_body, "vm"))
		return api_error(r, 400, "vm", "'vm' cannot change");
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	o = ha_kv_json(&kv);
	if (o == NULL)
		o = cJSON_CreateObject();
	cJSON_ArrayForEach(it, r->rq_body) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
		cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
	}
	txt = cJSON_PrintUnformatted(o);
	rc = txt ? etcd_cas(e, key, txt, kv.kv_mod_rev, err) : -1;
	free(txt);
	etcd_kv_clear(&kv);
	if (rc != 1) {
		cJSON_Delete(o);
		return rc == 0 ? api_error(r, 409, NULL, "changed meanwhile; "
		    "retry") : api_error(r, 503, NULL, "%s", err);
	}
	cJSON_AddStringToObject(o, "vm", r->rq_params[0]);
	return api_reply(r, 200, o);
}

static int
h_res_get(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	struct etcd_kv kv;
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	if ((o = ha_kv_json(&kv)) == NULL)
		o = cJSON_CreateObject();
	etcd_kv_clear(&kv);
	cJSON_AddStringToObject(o, "vm", r->rq_params[0]);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, r->rq_params[0]);
	if (etcd_get(e, key, &kv, NULL) == 1) {
		cJSON_AddItemToObject(o, "status", ha_kv_json(&kv));
		etcd_kv_clear(&kv);
	}
	return api_reply(r, 200, o);
}

static int
h_res_del(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, r->rq_params[0]);
	etcd_delete(e, key, 0, NULL);
	return api_reply(r, 200, NULL);
}

static int
h_group_put(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	const char *name = NULL;
	const cJSON *nodes = NULL;
	cJSON *o;
	int rb = 0;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, "name", "'name' is required");
	if (ha_group_check(r->rq_body, field, err) != 0)
		return api_error(r, 400, field[0] ? field : NULL, "%s", err);
	json_get_string(r->rq_body, "name", JSON_REQUIRED, &name, NULL);
	json_get_object(r->rq_body, "nodes", JSON_REQUIRED, &nodes, NULL);
	json_get_bool(r->rq_body, "restricted", JSON_OPTIONAL, &rb, NULL);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "nodes", cJSON_Duplicate(nodes, 1));
	cJSON_AddBoolToObject(o, "restricted", rb);
	txt = cJSON_PrintUnformatted(o);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, name);
	if (txt == NULL || etcd_put(e, key, txt, 0, err) != 0) {
		free(txt);
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	free(txt);
	cJSON_AddStringToObject(o, "name", name);
	return api_reply(r, 200, o);
}

static int
h_group_del(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no HA group '%s'",
		    r->rq_params[0]);
	return api_reply(r, 200, NULL);
}

static int
h_settings_get(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct ha_settings s;
	char err[ERR_LEN];

	if (e == NULL)
		return -1;
	if (ha_settings_load(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	return api_reply(r, 200, ha_settings_json(&s));
}

static int
h_settings_put(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct ha_settings s;
	char err[ERR_LEN], *txt;
	cJSON *o;

	if (e == NULL)
		return -1;
	if (ha_settings_load(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "nothing to change");
	if (ha_settings_from_json(r->rq_body, &s, err) != 0)
		return api_error(r, 400, NULL, "%s", err);
	o = ha_settings_json(&s);
	txt = cJSON_PrintUnformatted(o);
	if (txt == NULL || etcd_put(e, KEY_HA_SETTINGS, txt, 0, err) != 0) {
		free(txt);
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	free(txt);
	return api_reply(r, 200, o);
}

const struct api_route api_ha_routes[] = {
	{ "GET",	"/api/v1/ha",			h_status },
	{ "POST",	"/api/v1/ha/resources",		h_res_add },
	{ "GET",	"/api/v1/ha/resources/*",	h_res_get },
	{ "PUT",	"/api/v1/ha/resources/*",	h_res_set },
	{ "DELETE",	"/api/v1/ha/resources/*",	h_res_del },
	{ "POST",	"/api/v1/ha/groups",		h_group_put },
	{ "DELETE",	"/api/v1/ha/groups/*",		h_group_del },
	{ "GET",	"/api/v1/ha/settings",		h_settings_get },
	{ "PUT",	"/api/v1/ha/settings",		h_settings_put },
	{ NULL, NULL, NULL }
};
