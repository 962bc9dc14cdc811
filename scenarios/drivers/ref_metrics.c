/*
 * ref_metrics.c - the `ref` driver's monitoring operations, over hvd's
 * REST API as the rest of the driver (docs/metrics.md):
 *  - metrics: GET /api/v1/nodes/NODE/metrics for every host, and
 *    GET /api/v1/vms/NAME/metrics for every running VM (GET /api/v1/vms):
 *    one drv_metric per series, its newest point (a counter's rate);
 *  - vm_cpu: hvd_vm_cpu_seconds_total of GET /api/v1/vms/NAME/metrics,
 *    a rate per second: cores;
 *  - prom: every node's GET /metrics, verified with the cluster CA, read
 *    with an audit token made for it (POST /api/v1/tokens).
 * The answers' parsers are pure (ref.h) and unit-tested.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/ref.h"
#include "scenarios/drivers/ref_priv.h"

/* The newest points of a series are at most this old (seconds): hvd
 * samples every second, a rate needs two samples. */
#define REF_METRICS_SINCE "-5"

/* "name{k=v,...}" of a series into buf. */
static void
ref_series_name(const cJSON *s, const char *name, char *buf, size_t len)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(s, "labels");
	const cJSON *l;
	size_t o;
	int first = 1;

	o = (size_t)snprintf(buf, len, "%s", name);
	cJSON_ArrayForEach(l, (cJSON_IsObject(labels) ? labels : NULL)) {
		if (!cJSON_IsString(l) || o >= len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s=%s",
		    first ? "{" : ",", l->string, l->valuestring);
		first = 0;
	}
	if (!first && o < len)
		snprintf(buf + o, len - o, "}");
}

/* The last point of a series' "points" ([[t, v], ...]) into *v. */
static int
ref_last_point(const cJSON *s, double *t, double *v)
{
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(s, "points");
	const cJSON *p;

	if (!cJSON_IsArray(pts) || cJSON_GetArraySize(pts) == 0)
		return -1;
	p = cJSON_GetArrayItem(pts, cJSON_GetArraySize(pts) - 1);
	if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(p, 0)) ||
	    !cJSON_IsNumber(cJSON_GetArrayItem(p, 1)))
		return -1;
	*t = cJSON_GetArrayItem(p, 0)->valuedouble;
	*v = cJSON_GetArrayItem(p, 1)->valuedouble;
	return 0;
}

int
ref_series_parse(const cJSON *doc, const char *subject,
    struct drv_metric **out, size_t *n, char *err)
{
	const cJSON *series = cJSON_GetObjectItemCaseSensitive(doc, "series");
	const cJSON *s;
	const char *name;
	struct drv_metric *m;
	double t, v;
	char e[ERR_LEN];
	size_t i = 0;

	if (!cJSON_IsArray(series))
		return err_set(err, "the answer has no 'series' array");
	cJSON_ArrayForEach(s, series) {
		if (json_get_string(s, "name", JSON_REQUIRED, &name, e) == -1)
			return err_set(err, "series[%zu]: %s", i, e);
		i++;
		if (ref_last_point(s, &t, &v) == -1)
			continue;	/* no point in that time: not exposed */
		if ((m = realloc(*out, (*n + 1) * sizeof(*m))) == NULL)
			return err_set(err, "out of memory");
		*out = m;
		m = &(*out)[(*n)++];
		memset(m, 0, sizeof(*m));
		ref_series_name(s, name, m->m_name, sizeof(m->m_name));
		snprintf(m->m_subject, sizeof(m->m_subject), "%s", subject);
		m->m_value = v;
	}
	return 0;
}

int
ref_cpu_points(const cJSON *doc, const char *counter, struct drv_point **pts,
    size_t *n, char *err)
{
	const cJSON *series = cJSON_GetObjectItemCaseSensitive(doc, "series");
	const cJSON *s, *p, *pl = NULL;
	const char *name;
	size_t i = 0;

	*pts = NULL;
	*n = 0;
	cJSON_ArrayForEach(s, (cJSON_IsArray(series) ? series : NULL)) {
		if (json_get_string(s, "name", JSON_OPTIONAL, &name, err) == 0 &&
		    name != NULL && strcmp(name, counter) == 0)
			pl = cJSON_GetObjectItemCaseSensitive(s, "points");
	}
	if (!cJSON_IsArray(pl))
		return err_set(err, "the answer has no series %s", counter);
	if ((*pts = calloc((size_t)cJSON_GetArraySize(pl) + 1,
	    sizeof(**pts))) == NULL)
		return err_set(err, "out of memory");
	cJSON_ArrayForEach(p, pl) {
		if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(p, 0)) ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(p, 1))) {
			free(*pts);
			*pts = NULL;
			*n = 0;
			return err_set(err, "%s: points[%zu] must be [time, "
			    "value]", counter, i);
		}
		(*pts)[(*n)].pt_t = cJSON_GetArrayItem(p, 0)->valuedouble;
		(*pts)[(*n)++].pt_v = cJSON_GetArrayItem(p, 1)->valuedouble;
		i++;
	}
	return 0;
}

/* GET path's series into out, as subject's. */
static int
ref_subject_series(struct driver *d, const char *path, const char *subject,
    struct drv_metric **out, size_t *n, char *err)
{
	cJSON *doc = NULL;
	int rc;

	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	rc = ref_series_parse(doc, subject, out, n, err);
	cJSON_Delete(doc);
	return rc == -1 ? err_prefix(err, "GET %s", path) : 0;
}

/* Every running VM's series. */
static int
ref_vms_series(struct driver *d, struct drv_metric **out, size_t *n,
    char *err)
{
	const cJSON *vm;
	const char *name, *state;
	char path[256], e[ERR_LEN];
	cJSON *l = NULL;
	int rc = 0;

	if (ref_call(d, "GET", "/api/v1/vms", NULL, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(vm, (cJSON_IsArray(l) ? l : NULL)) {
		if (json_get_string(vm, "name", JSON_REQUIRED, &name, e) ||
		    json_get_string(vm, "state", JSON_REQUIRED, &state, e)) {
			rc = err_set(err, "GET /api/v1/vms: %s", e);
			break;
		}
		if (strcmp(state, "running") != 0)
			continue;
		snprintf(path, sizeof(path), "/api/v1/vms/%s/metrics?since="
		    REF_METRICS_SINCE, name);
		if ((rc = ref_subject_series(d, path, name, out, n, err)) == -1)
			break;
	}
	cJSON_Delete(l);
	return rc;
}

int
ref_metrics(struct driver *d, struct drv_metric **out, size_t *n, char *err)
{
	const struct drv_env *env = d->d_env;
	char path[256];
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < env->e_nhosts; i++) {
		snprintf(path, sizeof(path), "/api/v1/nodes/%s/metrics?since="
		    REF_METRICS_SINCE, env->e_hosts[i].h_name);
		if (ref_subject_series(d, path, env->e_hosts[i].h_name, out, n,
		    err) == -1)
			goto fail;
	}
	if (ref_vms_series(d, out, n, err) == -1)
		goto fail;
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int
ref_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err)
{
	char path[256];
	cJSON *doc = NULL;
	int rc;

	*pts = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/metrics?since=%.0f", vm,
	    floor(since));
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	rc = ref_cpu_points(doc, "hvd_vm_cpu_seconds_total", pts, n, err);
	cJSON_Delete(doc);
	return rc == -1 ? err_prefix(err, "GET %s", path) : 0;
}

int
ref_prom(struct driver *d, struct drv_prom *p, char *err)
{
	const struct drv_env *env = d->d_env;
	cJSON *body = cJSON_CreateObject(), *doc = NULL;
	const char *tok = NULL;
	char e[ERR_LEN];
	size_t i;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	snprintf(p->pr_scheme, sizeof(p->pr_scheme), "https");
	snprintf(p->pr_path, sizeof(p->pr_path), "/metrics");
	snprintf(p->pr_vm_cpu, sizeof(p->pr_vm_cpu),
	    "hvd_vm_cpu_seconds_total");
	for (i = 0; i < env->e_nhosts && i < DRV_PROM_TARGETS; i++)
		snprintf(p->pr_targets[p->pr_ntargets++],
		    sizeof(p->pr_targets[0]), "%s:%d", env->e_hosts[i].h_addr,
		    REF_API_PORT);
	/* Prometheus reads only: an audit token of its own. */
	cJSON_AddStringToObject(body, "role", "audit");
	cJSON_AddStringToObject(body, "comment", "prometheus");
	if (ref_call(d, "POST", "/api/v1/tokens", body, &doc, err) == -1)
		return -1;
	if (json_get_string(doc, "token", JSON_REQUIRED, &tok, e) == -1) {
		err_set(err, "POST /api/v1/tokens: %s", e);
		goto out;
	}
	snprintf(p->pr_token, sizeof(p->pr_token), "%s", tok);
	snprintf(p->pr_ca_file, sizeof(p->pr_ca_file), "%s", ref_ca_file(d));
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}
