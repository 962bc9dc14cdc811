/*
 * xcpng_pool.c - the xcpng driver's pool-wide operations: HA (the pool's
 * Async.pool.enable_ha with the shared SR as heartbeat and its host
 * failures to tolerate; a VM protected by its ha_restart_priority
 * "restart") and metrics (the master's /rrd_updates, an RRD export of
 * every host and VM, read by xapi_rrd_read), and a VM's CPU series (its
 * cpuN columns of /rrd_updates?vm_uuid=UUID, every row).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/xcpng_priv.h"

/* How far back /rrd_updates looks, and its step (XAPI keeps 5 s rows
 * for the last ten minutes). */
#define XCP_RRD_BACK_S 60
#define XCP_RRD_STEP_S 5

/* HA on for the pool, once: the SR's heartbeat, then how many host
 * failures it must survive (XAPI refuses more than the pool can). */
static int
xcp_ha_pool(struct driver *d, char *err)
{
	struct xcp *x = d->d_priv;
	char pool[XAPI_REF_MAX], sr[XAPI_REF_MAX];
	cJSON *on = NULL, *srs;
	int enabled;

	if (xcp_pool(d, pool, err) == -1 ||
	    xcp_call(d, "pool.get_ha_enabled", xcp_args("s", pool), &on,
	    err) == -1)
		return -1;
	enabled = cJSON_IsTrue(on);
	cJSON_Delete(on);
	if (enabled)
		return 0;
	if (xcp_need(d, "SR", x->inv.xi_sr, sr, err) == -1)
		return -1;
	srs = cJSON_CreateArray();
	cJSON_AddItemToArray(srs, cJSON_CreateString(sr));
	if (xcp_run(d, "Async.pool.enable_ha", xcp_args("jj", srs,
	    cJSON_CreateObject()), NULL, err) == -1)
		return -1;
	return xcp_call(d, "pool.set_ha_host_failures_to_tolerate",
	    xcp_args("si", pool, (long long)x->inv.xi_tolerate), NULL, err);
}

int
xcp_ha_enable(struct driver *d, const char *vm, char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, ref, err) == -1 || xcp_ha_pool(d, err) == -1)
		return -1;
	return xcp_call(d, "VM.set_ha_restart_priority", xcp_args("ss", ref,
	    "restart"), NULL, err);
}

int
xcp_ha_disable(struct driver *d, const char *vm, char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, ref, err) == -1)
		return -1;
	return xcp_call(d, "VM.set_ha_restart_priority", xcp_args("ss", ref,
	    ""), NULL, err);
}

/* vm's HA state into hs: its priority, power and host. */
static int
xcp_ha_vm(struct driver *d, const char *vm, int pool_ha,
    struct drv_ha_status *hs, char *err)
{
	const char *prio = NULL, *power = NULL, *on = NULL;
	char ref[XAPI_REF_MAX];
	cJSON *r = NULL;
	int rc = -1;

	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_call(d, "VM.get_record", xcp_args("s", ref), &r, err) == -1)
		return -1;
	if (json_get_string(r, "ha_restart_priority", JSON_REQUIRED, &prio,
	    err) == -1 || json_get_string(r, "power_state", JSON_REQUIRED,
	    &power, err) == -1 || json_get_string(r, "resident_on",
	    JSON_REQUIRED, &on, err) == -1) {
		err_prefix(err, "VM.get_record %s", vm);
		goto out;
	}
	hs->hs_found = pool_ha && prio[0] != '\0';
	snprintf(hs->hs_state, sizeof(hs->hs_state), "%s", prio[0] ? prio :
	    "unprotected");
	hs->hs_running = strcmp(power, "Running") == 0;
	rc = xcp_host_name(d, on, hs->hs_node, sizeof(hs->hs_node), err);
out:
	cJSON_Delete(r);
	return rc;
}

int
xcp_ha_status(struct driver *d, const char *vm, struct drv_ha_status *hs,
    char *err)
{
	char pool[XAPI_REF_MAX];
	const char *master = NULL;
	cJSON *p = NULL;
	int rc = -1, on;

	memset(hs, 0, sizeof(*hs));
	hs->hs_fence_s = -1;
	if (xcp_pool(d, pool, err) == -1 ||
	    xcp_call(d, "pool.get_record", xcp_args("s", pool), &p, err) == -1)
		return -1;
	if (json_get_string(p, "master", JSON_REQUIRED, &master, err) == -1) {
		err_prefix(err, "pool.get_record");
		goto out;
	}
	on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "ha_enabled"));
	/* XAPI's HA decisions are the master's. */
	if (on && xcp_name(d, "host", master, hs->hs_manager,
	    sizeof(hs->hs_manager), err) == -1)
		goto out;
	rc = vm != NULL ? xcp_ha_vm(d, vm, on, hs, err) : 0;
out:
	cJSON_Delete(p);
	return rc;
}

/* The name_label of the host or VM whose uuid is v's. */
static int
xcp_rrd_subject(struct driver *d, const struct xapi_rrd_val *v, char *name,
    size_t len, char *err)
{
	char method[64], ref[XAPI_REF_MAX];
	const char *cls = strcmp(v->rv_kind, "host") == 0 ? "host" : "VM";

	snprintf(method, sizeof(method), "%s.get_by_uuid", cls);
	if (xcp_call_ref(d, method, xcp_args("s", v->rv_uuid), ref, err) ==
	    -1)
		return -1;
	return xcp_name(d, cls, ref, name, len, err);
}

/* One RRD column -> a metric of the runner's (1), or none (0). */
static int
xcp_rrd_metric(const struct xapi_rrd_val *vals, size_t n, size_t i,
    struct drv_metric *m)
{
	const struct xapi_rrd_val *v = &vals[i];
	int host = strcmp(v->rv_kind, "host") == 0;
	size_t k;

	if (v->rv_value < 0)
		return 0;
	if (host && strcmp(v->rv_name, "cpu_avg") == 0) {
		snprintf(m->m_name, sizeof(m->m_name), "node_cpu_ratio");
		m->m_value = v->rv_value;
		return 1;
	}
	if (host && strcmp(v->rv_name, "memory_total_kib") == 0)
		for (k = 0; k < n; k++)
			if (strcmp(vals[k].rv_uuid, v->rv_uuid) == 0 &&
			    strcmp(vals[k].rv_name, "memory_free_kib") == 0 &&
			    vals[k].rv_value >= 0) {
				snprintf(m->m_name, sizeof(m->m_name),
				    "node_memory_used_bytes");
				m->m_value = (v->rv_value - vals[k].rv_value) *
				    1024;
				return 1;
			}
	if (!host && strcmp(v->rv_name, "cpu0") == 0) {
		snprintf(m->m_name, sizeof(m->m_name), "vm_cpu_ratio");
		m->m_value = v->rv_value;
		return 1;
	}
	if (!host && strcmp(v->rv_name, "memory") == 0) {
		snprintf(m->m_name, sizeof(m->m_name), "vm_memory_bytes");
		m->m_value = v->rv_value;
		return 1;
	}
	return 0;
}

int
xcp_metrics(struct driver *d, struct drv_metric **out, size_t *n, char *err)
{
	struct xcp *x = d->d_priv;
	struct xapi_rrd_val *vals = NULL;
	char q[128], *xml = NULL;
	size_t nv = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(q, sizeof(q), "start=%lld&cf=AVERAGE&interval=%d&host=true",
	    (long long)time(NULL) - XCP_RRD_BACK_S, XCP_RRD_STEP_S);
	rc = xapi_http_get(x->api, "/rrd_updates", q, NULL, &xml, err);
	xcp_count(d);
	if (rc == -1 || xapi_rrd_read(xml, strlen(xml), &vals, &nv, err) ==
	    -1 || (*out = calloc(nv ? nv : 1, sizeof(**out))) == NULL) {
		rc = err_prefix(err, "metrics");
		goto out;
	}
	for (i = 0; i < nv; i++) {
		if (!xcp_rrd_metric(vals, nv, i, &(*out)[*n]))
			continue;
		if (xcp_rrd_subject(d, &vals[i], (*out)[*n].m_subject,
		    sizeof((*out)[*n].m_subject), err) == -1) {
			rc = err_prefix(err, "metrics: %s %s", vals[i].rv_kind,
			    vals[i].rv_uuid);
			goto out;
		}
		(*n)++;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	free(vals);
	free(xml);
	return rc;
}

/* "cpu" and digits: one vCPU's use, 0..1 (not cpu_usage and the like). */
static int
xcp_is_vcpu(const char *name)
{
	return strncmp(name, "cpu", 3) == 0 && name[3] != '\0' &&
	    strspn(name + 3, "0123456789") == strlen(name + 3);
}

int
xcp_rrd_cores(const struct xapi_rrd *r, const char *uuid, double since,
    struct drv_point *out, size_t *n, char *err)
{
	size_t i, c, ncpu = 0, k;
	double sum;

	*n = 0;
	for (c = 0; c < r->r_ncols; c++)
		ncpu += strcmp(r->r_cols[c].rv_kind, "vm") == 0 &&
		    strcmp(r->r_cols[c].rv_uuid, uuid) == 0 &&
		    xcp_is_vcpu(r->r_cols[c].rv_name);
	if (ncpu == 0)
		return err_set(err, "rrd_updates has no cpuN column of VM %s "
		    "(halted, or resident on a host other than the one "
		    "asked)", uuid);
	/* XAPI writes the newest row first: the series goes the other way. */
	for (k = r->r_nrows; k-- > 0;) {
		for (sum = 0, c = 0; c < r->r_ncols && sum >= 0; c++)
			if (strcmp(r->r_cols[c].rv_kind, "vm") == 0 &&
			    strcmp(r->r_cols[c].rv_uuid, uuid) == 0 &&
			    xcp_is_vcpu(r->r_cols[c].rv_name))
				sum = r->r_v[k * r->r_ncols + c] < 0 ? -1 :
				    sum + r->r_v[k * r->r_ncols + c];
		i = *n;
		/* A row with a NaN vCPU is no reading, never 0. */
		if (sum < 0 || r->r_t[k] < since ||
		    (i > 0 && r->r_t[k] <= out[i - 1].pt_t))
			continue;
		out[i].pt_t = r->r_t[k];
		out[(*n)++].pt_v = sum;
	}
	return 0;
}

int
xcp_vm_uuid(struct driver *d, const char *vm, char *uuid, size_t len,
    char *err)
{
	char ref[XAPI_REF_MAX];
	cJSON *u = NULL;
	int rc = -1;

	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_call(d, "VM.get_uuid", xcp_args("s", ref), &u, err) == -1)
		return -1;
	if (!cJSON_IsString(u) || strlen(u->valuestring) >= len)
		err_set(err, "VM.get_uuid: no uuid in the answer");
	else {
		snprintf(uuid, len, "%s", u->valuestring);
		rc = 0;
	}
	cJSON_Delete(u);
	return rc;
}

int
xcp_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err)
{
	struct xcp *x = d->d_priv;
	struct xapi_rrd r = { 0 };
	char uuid[XCP_UUID_MAX], q[192], *xml = NULL;
	int rc;

	*pts = NULL;
	*n = 0;
	if (xcp_vm_uuid(d, vm, uuid, sizeof(uuid), err) == -1)
		return -1;
	snprintf(q, sizeof(q), "start=%lld&cf=AVERAGE&interval=%d&vm_uuid=%s",
	    (long long)since, XCP_RRD_STEP_S, uuid);
	rc = xapi_http_get(x->api, "/rrd_updates", q, NULL, &xml, err);
	xcp_count(d);
	if (rc == 0 && (rc = xapi_rrd_parse(xml, strlen(xml), &r, err)) == 0)
		rc = (*pts = calloc(r.r_nrows + 1, sizeof(**pts))) == NULL ?
		    err_set(err, "out of memory") : xcp_rrd_cores(&r, uuid,
		    since, *pts, n, err);
	if (rc == -1) {
		free(*pts);
		*pts = NULL;
		*n = 0;
		err_prefix(err, "%s's CPU", vm);
	}
	xapi_rrd_free(&r);
	free(xml);
	return rc;
}
