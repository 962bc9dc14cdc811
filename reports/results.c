/*
 * results.c - results.json in memory: building it (runner), writing it,
 * reading it back type-checked (reports), medians over repeated runs, and
 * the row/column model of a comparison of several result sets.
 *
 * Reading tolerates members it does not know (a newer hvlab may add some)
 * but checks the type of every member it uses; an error names the file and
 * the member ("r/results.json: scenarios[3].metrics.lost must be a
 * number").
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "reports/results.h"

#define RESULTS_FILE_MAX (64u * 1024 * 1024)

static const char *const verdict_names[] = {
	"pass", "fail", "unsupported", "error"
};

const char *
verdict_name(enum verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "error";
	return verdict_names[v];
}

static int
verdict_parse(const char *s, enum verdict *v)
{
	size_t i;

	for (i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++)
		if (strcmp(s, verdict_names[i]) == 0) {
			*v = (enum verdict)i;
			return 0;
		}
	return -1;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL)
		abort();
	return p;
}

/* n zeroed elements (at least one, so that NULL means no memory). */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		abort();
	return p;
}

static void *
xgrow(void *p, size_t *n, size_t size)
{
	p = realloc(p, (*n + 1) * size);
	if (p == NULL)
		abort();
	memset((char *)p + *n * size, 0, size);
	(*n)++;
	return p;
}

void
results_set_str(char **dst, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	free(*dst);
	*dst = s;
}

void
metrics_set(struct metrics *ms, const char *name, double value)
{
	size_t i = names_find(&ms->ms_index, ms->ms_v, sizeof(*ms->ms_v),
	    name);

	if (i != (size_t)-1) {
		ms->ms_v[i].m_value = value;
		return;
	}
	if (ms->ms_n == ms->ms_cap) {
		ms->ms_cap = ms->ms_cap ? 2 * ms->ms_cap : 8;
		ms->ms_v = reallocarray(ms->ms_v, ms->ms_cap,
		    sizeof(*ms->ms_v));
		if (ms->ms_v == NULL)
			abort();
	}
	ms->ms_v[ms->ms_n].m_name = xstrdup(name);
	ms->ms_v[ms->ms_n].m_value = value;
	names_add(&ms->ms_index, ms->ms_v, sizeof(*ms->ms_v), ms->ms_n);
	ms->ms_n++;
}

int
metrics_get(const struct metrics *ms, const char *name, double *value)
{
	size_t i = names_find(&ms->ms_index, ms->ms_v, sizeof(*ms->ms_v),
	    name);

	if (i == (size_t)-1)
		return -1;
	*value = ms->ms_v[i].m_value;
	return 0;
}

void
metrics_free(struct metrics *ms)
{
	size_t i;

	for (i = 0; i < ms->ms_n; i++)
		free(ms->ms_v[i].m_name);
	free(ms->ms_v);
	names_free(&ms->ms_index);
	memset(ms, 0, sizeof(*ms));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
metrics_median(const struct run *runs, size_t nruns, struct metrics *out)
{
	size_t i, j, k, n;
	double *vals;

	metrics_free(out);
	vals = calloc(nruns ? nruns : 1, sizeof(double));
	if (vals == NULL)
		abort();
	for (i = 0; i < nruns; i++)
		for (j = 0; j < runs[i].r_metrics.ms_n; j++) {
			const char *name = runs[i].r_metrics.ms_v[j].m_name;
			double dummy;

			if (metrics_get(out, name, &dummy) == 0)
				continue;
			n = 0;
			for (k = 0; k < nruns; k++)
				if (metrics_get(&runs[k].r_metrics, name,
				    &vals[n]) == 0)
					n++;
			qsort(vals, n, sizeof(double), cmp_double);
			metrics_set(out, name, n % 2 ? vals[n / 2] :
			    (vals[n / 2 - 1] + vals[n / 2]) / 2);
		}
	free(vals);
}

struct scen_result *
results_add_scenario(struct results *rs, const char *name, const char *row)
{
	struct scen_result *s;

	rs->rs_scen = xgrow(rs->rs_scen, &rs->rs_nscen, sizeof(*rs->rs_scen));
	s = &rs->rs_scen[rs->rs_nscen - 1];
	s->s_name = xstrdup(name);
	s->s_row = xstrdup(row);
	s->s_reason = xstrdup("");
	s->s_verdict = VERDICT_ERROR;
	return s;
}

struct run *
scen_add_run(struct scen_result *s)
{
	struct run *r;

	s->s_runs = xgrow(s->s_runs, &s->s_nruns, sizeof(*s->s_runs));
	r = &s->s_runs[s->s_nruns - 1];
	r->r_reason = xstrdup("");
	r->r_verdict = VERDICT_ERROR;
	return r;
}

void
scen_add_artifact(struct scen_result *s, const char *path)
{
	s->s_artifacts = xgrow(s->s_artifacts, &s->s_nartifacts,
	    sizeof(char *));
	s->s_artifacts[s->s_nartifacts - 1] = xstrdup(path);
}

void
scen_add_param(struct scen_result *s, const char *key, const char *value)
{
	s->s_params = xgrow(s->s_params, &s->s_nparams, sizeof(*s->s_params));
	s->s_params[s->s_nparams - 1].p_key = xstrdup(key);
	s->s_params[s->s_nparams - 1].p_value = xstrdup(value);
}

struct timeline *
run_add_timeline(struct run *r, const char *file, const char *probe)
{
	struct timeline *tl;

	r->r_timelines = xgrow(r->r_timelines, &r->r_ntimelines,
	    sizeof(*r->r_timelines));
	tl = &r->r_timelines[r->r_ntimelines - 1];
	tl->tl_file = xstrdup(file);
	tl->tl_probe = xstrdup(probe);
	return tl;
}

void
timeline_add_event(struct timeline *tl, double t_s, const char *name)
{
	tl->tl_events = xgrow(tl->tl_events, &tl->tl_nevents,
	    sizeof(*tl->tl_events));
	tl->tl_events[tl->tl_nevents - 1].ev_t_s = t_s;
	tl->tl_events[tl->tl_nevents - 1].ev_name = xstrdup(name);
}

static void
run_free(struct run *r)
{
	size_t i, j;

	free(r->r_reason);
	metrics_free(&r->r_metrics);
	for (i = 0; i < r->r_ntimelines; i++) {
		struct timeline *tl = &r->r_timelines[i];

		free(tl->tl_file);
		free(tl->tl_probe);
		for (j = 0; j < tl->tl_nevents; j++)
			free(tl->tl_events[j].ev_name);
		free(tl->tl_events);
	}
	free(r->r_timelines);
}

void
results_free(struct results *rs)
{
	size_t i, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->rs_nscen; i++) {
		struct scen_result *s = &rs->rs_scen[i];

		free(s->s_name);
		free(s->s_row);
		free(s->s_reason);
		metrics_free(&s->s_metrics);
		metrics_free(&s->s_bounds);
		for (j = 0; j < s->s_nparams; j++) {
			free(s->s_params[j].p_key);
			free(s->s_params[j].p_value);
		}
		free(s->s_params);
		for (j = 0; j < s->s_nruns; j++)
			run_free(&s->s_runs[j]);
		free(s->s_runs);
		for (j = 0; j < s->s_nartifacts; j++)
			free(s->s_artifacts[j]);
		free(s->s_artifacts);
	}
	free(rs->rs_scen);
	free(rs->rs_dir);
	free(rs->rs_label);
	free(rs->rs_platform_version);
	free(rs->rs_tool);
	free(rs->rs_version);
	free(rs->rs_platform);
	free(rs->rs_provider);
	free(rs->rs_suite);
	free(rs->rs_started);
	free(rs->rs_finished);
	free(rs->rs_accel);
	free(rs->rs_accel_source);
	free(rs->rs_accel_reason);
	free(rs->rs_qemu);
	free(rs->rs_cpu);
	free(rs);
}

/* ---- writing ---- */

static cJSON *
metrics_json(const struct metrics *ms)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < ms->ms_n; i++) {
		double v = ms->ms_v[i].m_value;

		/* Keep integers integral in the file ("lost": 4). */
		if (isfinite(v))
			cJSON_AddNumberToObject(o, ms->ms_v[i].m_name, v);
	}
	return o;
}

static cJSON *
timeline_json(const struct timeline *tl)
{
	cJSON *o = cJSON_CreateObject(), *evs;
	size_t i;

	cJSON_AddStringToObject(o, "file", tl->tl_file);
	cJSON_AddStringToObject(o, "probe", tl->tl_probe);
	if (tl->tl_has_window) {
		cJSON_AddNumberToObject(o, "downtime_start_s",
		    tl->tl_down_start_s);
		cJSON_AddNumberToObject(o, "downtime_end_s",
		    tl->tl_down_end_s);
	}
	evs = cJSON_AddArrayToObject(o, "events");
	for (i = 0; i < tl->tl_nevents; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "t_s", tl->tl_events[i].ev_t_s);
		cJSON_AddStringToObject(e, "name", tl->tl_events[i].ev_name);
		cJSON_AddItemToArray(evs, e);
	}
	return o;
}

/* Parameters: a number when the whole value reads as one, else the
 * string the suite file gave. */
static cJSON *
params_json(const struct scen_result *s)
{
	cJSON *o = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < s->s_nparams; i++) {
		const char *v = s->s_params[i].p_value;
		char *end;
		double d = strtod(v, &end);

		if (*v != '\0' && *end == '\0' && isfinite(d))
			cJSON_AddNumberToObject(o, s->s_params[i].p_key, d);
		else
			cJSON_AddStringToObject(o, s->s_params[i].p_key, v);
	}
	return o;
}

/* The scenario's conditions: bounds, parameters, load before/after. */
static void
conditions_json(cJSON *so, const struct scen_result *s)
{
	cJSON_AddItemToObject(so, "bounds", metrics_json(&s->s_bounds));
	cJSON_AddItemToObject(so, "params", params_json(s));
	if (s->s_has_load) {
		cJSON_AddItemToObject(so, "load_before",
		    cJSON_CreateDoubleArray(s->s_load_before, 3));
		cJSON_AddItemToObject(so, "load_after",
		    cJSON_CreateDoubleArray(s->s_load_after, 3));
	}
}

int
results_write(const struct results *rs, const char *path, char *err)
{
	cJSON *doc, *m, *arr;
	size_t i, j, k;
	int rc;

	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "tool", rs->rs_tool ? rs->rs_tool :
	    "hvlab");
	cJSON_AddStringToObject(doc, "version", rs->rs_version ?
	    rs->rs_version : "");
	cJSON_AddStringToObject(doc, "platform", rs->rs_platform ?
	    rs->rs_platform : "");
	cJSON_AddStringToObject(doc, "platform_version",
	    rs->rs_platform_version ? rs->rs_platform_version : "");
	cJSON_AddStringToObject(doc, "provider", rs->rs_provider ?
	    rs->rs_provider : "");
	cJSON_AddStringToObject(doc, "suite", rs->rs_suite ? rs->rs_suite :
	    "");
	cJSON_AddStringToObject(doc, "started", rs->rs_started ?
	    rs->rs_started : "");
	cJSON_AddStringToObject(doc, "finished", rs->rs_finished ?
	    rs->rs_finished : "");
	m = cJSON_AddObjectToObject(doc, "machine");
	cJSON_AddNumberToObject(m, "cpus", rs->rs_cpus);
	cJSON_AddStringToObject(m, "accel", rs->rs_accel ? rs->rs_accel : "");
	cJSON_AddStringToObject(m, "accel_source", rs->rs_accel_source ?
	    rs->rs_accel_source : "");
	cJSON_AddStringToObject(m, "accel_reason", rs->rs_accel_reason ?
	    rs->rs_accel_reason : "");
	cJSON_AddStringToObject(m, "qemu", rs->rs_qemu ? rs->rs_qemu : "");
	cJSON_AddStringToObject(m, "cpu", rs->rs_cpu ? rs->rs_cpu : "");
	arr = cJSON_AddArrayToObject(doc, "scenarios");
	for (i = 0; i < rs->rs_nscen; i++) {
		const struct scen_result *s = &rs->rs_scen[i];
		cJSON *so = cJSON_CreateObject(), *runs, *arts;

		cJSON_AddStringToObject(so, "name", s->s_name);
		cJSON_AddStringToObject(so, "row", s->s_row);
		cJSON_AddStringToObject(so, "verdict",
		    verdict_name(s->s_verdict));
		cJSON_AddStringToObject(so, "reason", s->s_reason ?
		    s->s_reason : "");
		cJSON_AddNumberToObject(so, "duration_s", s->s_duration_s);
		cJSON_AddItemToObject(so, "metrics",
		    metrics_json(&s->s_metrics));
		conditions_json(so, s);
		runs = cJSON_AddArrayToObject(so, "runs");
		for (j = 0; j < s->s_nruns; j++) {
			const struct run *r = &s->s_runs[j];
			cJSON *ro = cJSON_CreateObject(), *tls;

			cJSON_AddStringToObject(ro, "verdict",
			    verdict_name(r->r_verdict));
			cJSON_AddStringToObject(ro, "reason", r->r_reason ?
			    r->r_reason : "");
			cJSON_AddNumberToObject(ro, "duration_s",
			    r->r_duration_s);
			cJSON_AddItemToObject(ro, "metrics",
			    metrics_json(&r->r_metrics));
			tls = cJSON_AddArrayToObject(ro, "timelines");
			for (k = 0; k < r->r_ntimelines; k++)
				cJSON_AddItemToArray(tls,
				    timeline_json(&r->r_timelines[k]));
			cJSON_AddItemToArray(runs, ro);
		}
		arts = cJSON_AddArrayToObject(so, "artifacts");
		for (j = 0; j < s->s_nartifacts; j++)
			cJSON_AddItemToArray(arts,
			    cJSON_CreateString(s->s_artifacts[j]));
		cJSON_AddItemToArray(arr, so);
	}
	rc = json_write_file(path, doc, err);
	cJSON_Delete(doc);
	return rc;
}

/* ---- reading ---- */

static int
get_str(const cJSON *o, const char *key, int flags, char **dst,
    const char *where, char *err)
{
	const char *s = NULL;
	char e[ERR_LEN];

	if (json_get_string(o, key, flags, &s, e) == -1)
		return err_set(err, "%s: %s", where, e);
	if (s != NULL) {
		free(*dst);
		*dst = xstrdup(s);
	}
	return 0;
}

static int
load_metrics(const cJSON *o, struct metrics *ms, const char *where,
    char *err)
{
	const cJSON *m;

	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o))
		return err_set(err, "%s.metrics must be an object", where);
	cJSON_ArrayForEach(m, o) {
		if (cJSON_IsNumber(m))
			metrics_set(ms, m->string, m->valuedouble);
		else if (cJSON_IsBool(m))
			metrics_set(ms, m->string, cJSON_IsTrue(m) ? 1 : 0);
		else
			return err_set(err, "%s.metrics.%s must be a number",
			    where, m->string);
	}
	return 0;
}

static int
load_timeline(const cJSON *o, struct timeline *tl, const char *where,
    char *err)
{
	const cJSON *evs = NULL, *e;
	char e2[ERR_LEN];
	double a = NAN, b = NAN;
	size_t i = 0;

	if (!cJSON_IsObject(o))
		return err_set(err, "%s must be an object", where);
	if (get_str(o, "file", JSON_REQUIRED, &tl->tl_file, where, err) ||
	    get_str(o, "probe", JSON_OPTIONAL, &tl->tl_probe, where, err))
		return -1;
	if (strstr(tl->tl_file, "..") != NULL || tl->tl_file[0] == '/')
		return err_set(err, "%s.file must be a path inside the "
		    "results directory", where);
	if (json_get_double(o, "downtime_start_s", JSON_OPTIONAL, &a, e2) ||
	    json_get_double(o, "downtime_end_s", JSON_OPTIONAL, &b, e2) ||
	    json_get_array(o, "events", JSON_OPTIONAL, &evs, e2))
		return err_set(err, "%s: %s", where, e2);
	if (!isnan(a) && !isnan(b)) {
		tl->tl_has_window = 1;
		tl->tl_down_start_s = a;
		tl->tl_down_end_s = b;
	}
	cJSON_ArrayForEach(e, evs) {
		const char *name = NULL;
		double t = 0;

		if (json_get_double(e, "t_s", JSON_REQUIRED, &t, e2) ||
		    json_get_string(e, "name", JSON_REQUIRED, &name, e2))
			return err_set(err, "%s.events[%zu]: %s", where, i, e2);
		timeline_add_event(tl, t, name);
		i++;
	}
	return 0;
}

static int
load_run(const cJSON *o, struct run *r, const char *where, char *err)
{
	const cJSON *m = NULL, *tls = NULL, *t;
	char e[ERR_LEN], w[4400], *v = NULL;
	size_t i = 0;

	if (!cJSON_IsObject(o))
		return err_set(err, "%s must be an object", where);
	if (get_str(o, "verdict", JSON_REQUIRED, &v, where, err))
		return -1;
	if (verdict_parse(v, &r->r_verdict) == -1) {
		err_set(err, "%s.verdict: unknown verdict '%s'", where, v);
		free(v);
		return -1;
	}
	free(v);
	free(r->r_reason);
	r->r_reason = NULL;
	if (get_str(o, "reason", JSON_OPTIONAL, &r->r_reason, where, err))
		return -1;
	if (r->r_reason == NULL)
		r->r_reason = xstrdup("");
	if (json_get_double(o, "duration_s", JSON_OPTIONAL, &r->r_duration_s,
	    e) || json_get_object(o, "metrics", JSON_OPTIONAL, &m, e) ||
	    json_get_array(o, "timelines", JSON_OPTIONAL, &tls, e))
		return err_set(err, "%s: %s", where, e);
	if (load_metrics(m, &r->r_metrics, where, err))
		return -1;
	cJSON_ArrayForEach(t, tls) {
		struct timeline *tl;

		r->r_timelines = xgrow(r->r_timelines, &r->r_ntimelines,
		    sizeof(*r->r_timelines));
		tl = &r->r_timelines[r->r_ntimelines - 1];
		snprintf(w, sizeof(w), "%s.timelines[%zu]", where, i++);
		if (load_timeline(t, tl, w, err))
			return -1;
		if (tl->tl_probe == NULL)
			tl->tl_probe = xstrdup("ping");
	}
	return 0;
}

/* "load_before": [1, 5, 15 min] */
static int
load_loadavg(const cJSON *o, const char *key, double *v, const char *where,
    char *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *x;
	int i = 0;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3)
		return err_set(err, "%s.%s must be an array of 3 numbers",
		    where, key);
	cJSON_ArrayForEach(x, a) {
		if (!cJSON_IsNumber(x))
			return err_set(err, "%s.%s must be an array of 3 "
			    "numbers", where, key);
		v[i++] = x->valuedouble;
	}
	return 1;
}

/* bounds (numbers), params (scalars), load_before/after. */
static int
load_conditions(const cJSON *o, struct scen_result *s, const char *where,
    char *err)
{
	const cJSON *b = NULL, *p = NULL, *x;
	char e[ERR_LEN], w[4300], num[64];
	int r1, r2;

	if (json_get_object(o, "bounds", JSON_OPTIONAL, &b, e) ||
	    json_get_object(o, "params", JSON_OPTIONAL, &p, e))
		return err_set(err, "%s: %s", where, e);
	snprintf(w, sizeof(w), "%s.bounds", where);
	if (b != NULL) {
		cJSON_ArrayForEach(x, b) {
			if (!cJSON_IsNumber(x))
				return err_set(err, "%s.%s must be a number",
				    w, x->string);
			metrics_set(&s->s_bounds, x->string, x->valuedouble);
		}
	}
	cJSON_ArrayForEach(x, p) {
		if (cJSON_IsString(x))
			scen_add_param(s, x->string, x->valuestring);
		else if (cJSON_IsNumber(x)) {
			snprintf(num, sizeof(num), "%.15g", x->valuedouble);
			scen_add_param(s, x->string, num);
		} else if (cJSON_IsBool(x))
			scen_add_param(s, x->string, cJSON_IsTrue(x) ? "true" :
			    "false");
		else
			return err_set(err, "%s.params.%s must be a scalar",
			    where, x->string);
	}
	if ((r1 = load_loadavg(o, "load_before", s->s_load_before, where,
	    err)) < 0 || (r2 = load_loadavg(o, "load_after", s->s_load_after,
	    where, err)) < 0)
		return -1;
	s->s_has_load = r1 && r2;
	return 0;
}

static int
load_scenario(const cJSON *o, struct scen_result *s, const char *where,
    char *err)
{
	const cJSON *m = NULL, *runs = NULL, *arts = NULL, *x;
	char e[ERR_LEN], w[4300], *v = NULL;
	size_t i = 0;

	if (!cJSON_IsObject(o))
		return err_set(err, "%s must be an object", where);
	if (get_str(o, "name", JSON_REQUIRED, &s->s_name, where, err) ||
	    get_str(o, "row", JSON_OPTIONAL, &s->s_row, where, err) ||
	    get_str(o, "verdict", JSON_REQUIRED, &v, where, err) ||
	    get_str(o, "reason", JSON_OPTIONAL, &s->s_reason, where, err)) {
		free(v);
		return -1;
	}
	if (s->s_row == NULL)
		s->s_row = xstrdup(s->s_name);
	if (s->s_reason == NULL)
		s->s_reason = xstrdup("");
	if (verdict_parse(v, &s->s_verdict) == -1) {
		err_set(err, "%s.verdict: unknown verdict '%s'", where, v);
		free(v);
		return -1;
	}
	free(v);
	if (json_get_double(o, "duration_s", JSON_OPTIONAL, &s->s_duration_s,
	    e) || json_get_object(o, "metrics", JSON_OPTIONAL, &m, e) ||
	    json_get_array(o, "runs", JSON_OPTIONAL, &runs, e) ||
	    json_get_array(o, "artifacts", JSON_OPTIONAL, &arts, e))
		return err_set(err, "%s: %s", where, e);
	if (load_metrics(m, &s->s_metrics, where, err) ||
	    load_conditions(o, s, where, err))
		return -1;
	if (cJSON_GetArraySize(runs) > RESULTS_RUNS_MAX)
		return err_set(err, "%s.runs: %d runs; hvlab run makes at most "
		    "%d", where, cJSON_GetArraySize(runs), RESULTS_RUNS_MAX);
	s->s_runs = xcalloc((size_t)cJSON_GetArraySize(runs),
	    sizeof(*s->s_runs));
	cJSON_ArrayForEach(x, runs) {
		snprintf(w, sizeof(w), "%s.runs[%zu]", where, i++);
		if (load_run(x, &s->s_runs[s->s_nruns++], w, err))
			return -1;
	}
	i = 0;
	cJSON_ArrayForEach(x, arts) {
		if (!cJSON_IsString(x))
			return err_set(err, "%s.artifacts[%zu] must be a "
			    "string", where, i);
		scen_add_artifact(s, x->valuestring);
		i++;
	}
	return 0;
}

/* The top-level strings: platform, tool, version, .., with zoned times. */
static int
load_header(const cJSON *doc, struct results *rs, const char *file,
    char *err)
{
	if (get_str(doc, "platform", JSON_REQUIRED, &rs->rs_platform, file,
	    err) || get_str(doc, "tool", JSON_OPTIONAL, &rs->rs_tool, file,
	    err) || get_str(doc, "version", JSON_OPTIONAL, &rs->rs_version,
	    file, err) || get_str(doc, "provider", JSON_OPTIONAL,
	    &rs->rs_provider, file, err) || get_str(doc, "suite",
	    JSON_OPTIONAL, &rs->rs_suite, file, err) || get_str(doc,
	    "started", JSON_OPTIONAL, &rs->rs_started, file, err) ||
	    get_str(doc, "finished", JSON_OPTIONAL, &rs->rs_finished, file,
	    err) || get_str(doc, "platform_version", JSON_OPTIONAL,
	    &rs->rs_platform_version, file, err))
		return -1;
	if ((rs->rs_started && *rs->rs_started &&
	    !results_ts_has_zone(rs->rs_started)) || (rs->rs_finished &&
	    *rs->rs_finished && !results_ts_has_zone(rs->rs_finished)))
		return err_set(err, "%s: 'started' and 'finished' must be ISO "
		    "8601 times with their time zone (Z or +hh:mm)", file);
	return 0;
}

/* The machine's strings: accel, its source and reason, qemu, cpu. */
static int
load_machine(const cJSON *mach, struct results *rs, const char *file,
    char *err)
{
	if (get_str(mach, "accel", JSON_OPTIONAL, &rs->rs_accel, file,
	    err) || get_str(mach, "accel_source", JSON_OPTIONAL,
	    &rs->rs_accel_source, file, err) || get_str(mach, "accel_reason",
	    JSON_OPTIONAL, &rs->rs_accel_reason, file, err) || get_str(mach,
	    "qemu", JSON_OPTIONAL, &rs->rs_qemu, file, err) || get_str(mach,
	    "cpu", JSON_OPTIONAL, &rs->rs_cpu, file, err))
		return -1;
	return 0;
}

struct results *
results_load(const char *path, char *err)
{
	struct results *rs = NULL;
	const cJSON *scen = NULL, *mach = NULL, *x;
	char file[4096], e[ERR_LEN], w[4200];
	struct stat st;
	cJSON *doc = NULL;
	int64_t cpus = 0;
	size_t i = 0;
	char *slash;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/results.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	doc = json_parse_file(file, RESULTS_FILE_MAX, e);
	if (doc == NULL) {
		err_set(err, "%s", e);
		goto fail;
	}
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		abort();
	rs->rs_dir = xstrdup(file);
	slash = strrchr(rs->rs_dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else {
		free(rs->rs_dir);
		rs->rs_dir = xstrdup(".");
	}
	if (!cJSON_IsObject(doc)) {
		err_set(err, "%s: must be a JSON object", file);
		goto fail;
	}
	if (load_header(doc, rs, file, err) == -1)
		goto fail;
	if (json_get_object(doc, "machine", JSON_OPTIONAL, &mach, e) ||
	    (mach && json_get_int(mach, "cpus", JSON_OPTIONAL, &cpus, e)) ||
	    json_get_array(doc, "scenarios", JSON_REQUIRED, &scen, e)) {
		err_set(err, "%s: %s", file, e);
		goto fail;
	}
	rs->rs_cpus = (int)cpus;
	if (mach && load_machine(mach, rs, file, err) == -1)
		goto fail;
	/* Room for all at once: growing by one moved the array each time. */
	rs->rs_scen = xcalloc((size_t)cJSON_GetArraySize(scen),
	    sizeof(*rs->rs_scen));
	cJSON_ArrayForEach(x, scen) {
		snprintf(w, sizeof(w), "%s: scenarios[%zu]", file, i++);
		if (load_scenario(x, &rs->rs_scen[rs->rs_nscen++], w, err))
			goto fail;
	}
	cJSON_Delete(doc);
	return rs;
fail:
	cJSON_Delete(doc);
	results_free(rs);
	return NULL;
}

/* ---- comparison ---- */

/* Scenario j of set i: its row (a new one when its name is new) and
 * its cell, unless an earlier scenario of that name took the cell. */
static void
comparison_place(struct comparison *c, struct name_index *rows,
    size_t *cap, size_t i, size_t j)
{
	const struct scen_result *s = &c->cmp_sets[i]->rs_scen[j];
	size_t r = names_find(rows, c->cmp_rows, sizeof(char *), s->s_name);

	if (r == (size_t)-1) {
		if (c->cmp_nrows == *cap) {
			*cap = *cap ? 2 * *cap : 32;
			c->cmp_rows = reallocarray(c->cmp_rows, *cap,
			    sizeof(char *));
			c->cmp_row_titles = reallocarray(c->cmp_row_titles,
			    *cap, sizeof(char *));
			c->cmp_cells = reallocarray(c->cmp_cells, *cap,
			    c->cmp_nsets * sizeof(size_t));
			if (c->cmp_rows == NULL || c->cmp_row_titles == NULL ||
			    c->cmp_cells == NULL)
				abort();
		}
		r = c->cmp_nrows++;
		c->cmp_rows[r] = xstrdup(s->s_name);
		c->cmp_row_titles[r] = s->s_row;
		memset(&c->cmp_cells[r * c->cmp_nsets], 0, c->cmp_nsets *
		    sizeof(size_t));
		names_add(rows, c->cmp_rows, sizeof(char *), r);
	}
	if (c->cmp_cells[r * c->cmp_nsets + i] == 0)
		c->cmp_cells[r * c->cmp_nsets + i] = j + 1;
}

int
comparison_build(struct comparison *c, struct results **sets, size_t nsets,
    char *err)
{
	struct name_index rows;
	size_t i, j, cap = 0;

	memset(c, 0, sizeof(*c));
	memset(&rows, 0, sizeof(rows));
	if (nsets == 0)
		return err_set(err, "no result sets to compare");
	c->cmp_sets = sets;
	c->cmp_nsets = nsets;
	for (i = 0; i < nsets; i++)
		for (j = 0; j < sets[i]->rs_nscen; j++)
			comparison_place(c, &rows, &cap, i, j);
	names_free(&rows);
	return 0;
}

void
comparison_free(struct comparison *c)
{
	size_t i;

	for (i = 0; i < c->cmp_nrows; i++)
		free(c->cmp_rows[i]);
	free(c->cmp_rows);
	free(c->cmp_row_titles);
	free(c->cmp_cells);
	memset(c, 0, sizeof(*c));
}

const struct scen_result *
comparison_cell(const struct comparison *c, size_t row, size_t set)
{
	size_t k;

	if (row >= c->cmp_nrows || set >= c->cmp_nsets)
		return NULL;
	k = c->cmp_cells[row * c->cmp_nsets + set];
	return k ? &c->cmp_sets[set]->rs_scen[k - 1] : NULL;
}

int
results_ts_has_zone(const char *ts)
{
	size_t n = strlen(ts);

	if (n < 20 || ts[10] != 'T')
		return 0;
	if (ts[n - 1] == 'Z')
		return 1;
	/* +hh:mm or -hh:mm at the end */
	return n >= 6 && (ts[n - 6] == '+' || ts[n - 6] == '-') &&
	    ts[n - 3] == ':';
}

void
results_column_name(const struct results *rs, char *buf, size_t len)
{
	const char *p = rs->rs_platform && *rs->rs_platform ?
	    rs->rs_platform : "?";

	if (rs->rs_label != NULL && *rs->rs_label != '\0')
		snprintf(buf, len, "%s (%s)", p, rs->rs_label);
	else
		snprintf(buf, len, "%s", p);
}

/* The first bound of a that b lacks or sets otherwise, or NULL. */
static const char *
bounds_differ(const struct metrics *a, const struct metrics *b, double *va,
    double *vb)
{
	size_t i;

	for (i = 0; i < a->ms_n; i++) {
		*va = a->ms_v[i].m_value;
		if (metrics_get(b, a->ms_v[i].m_name, vb) == -1) {
			*vb = NAN;
			return a->ms_v[i].m_name;
		}
		if (*va != *vb)
			return a->ms_v[i].m_name;
	}
	return NULL;
}

int
comparison_check(const struct comparison *c, char *err)
{
	char na[128], nb[128], sa[32], sb[32];
	const char *d;
	double va, vb;
	size_t i, j;

	for (j = 1; j < c->cmp_nsets; j++) {
		const struct results *a = c->cmp_sets[0], *b = c->cmp_sets[j];

		results_column_name(a, na, sizeof(na));
		results_column_name(b, nb, sizeof(nb));
		if (strcmp(a->rs_suite ? a->rs_suite : "", b->rs_suite ?
		    b->rs_suite : "") != 0)
			return err_set(err, "suites differ: %s (%s) and %s "
			    "(%s)", a->rs_suite ? a->rs_suite : "?", na,
			    b->rs_suite ? b->rs_suite : "?", nb);
		for (i = 0; i < c->cmp_nrows; i++) {
			const struct scen_result *x = comparison_cell(c, i, 0),
			    *y = comparison_cell(c, i, j);

			if (x == NULL || y == NULL)
				continue;
			if ((d = bounds_differ(&x->s_bounds, &y->s_bounds, &va,
			    &vb)) == NULL && (d = bounds_differ(&y->s_bounds,
			    &x->s_bounds, &vb, &va)) == NULL)
				continue;
			snprintf(sa, sizeof(sa), isnan(va) ? "not set" : "%g",
			    va);
			snprintf(sb, sizeof(sb), isnan(vb) ? "not set" : "%g",
			    vb);
			return err_set(err, "bounds of %s differ: %s is %s "
			    "in %s, %s in %s", x->s_name, d, sa, na, sb, nb);
		}
	}
	return 0;
}
