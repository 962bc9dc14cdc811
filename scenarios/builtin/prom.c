/*
 * prom.c - a Prometheus in the lab's station (prom.h): its configuration
 * written from the driver's endpoint, the process started and stopped by
 * pid, and instant queries to its HTTP API made from the station's
 * namespace (only this thread goes there, and comes back).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "lab/lab.h"
#include "log.h"
#include "proc.h"
#include "probes/probe_ns.h"
#include "scenarios/builtin/prom.h"

#define PROM_LISTEN "127.0.0.1:9090"

void
prom_urlencode(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL)
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* prometheus.yml: every target each second, the scheme, CA and token
 * the platform gave. */
static int
prom_config(const struct prom *pm, const struct drv_prom *p, char *err)
{
	char path[1100], tok[1100];
	FILE *f;
	size_t i;

	snprintf(tok, sizeof(tok), "%s/token", pm->pm_dir);
	if (p->pr_token[0] != '\0' &&
	    drv_write_text(tok, p->pr_token, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/prometheus.yml", pm->pm_dir);
	if ((f = fopen(path, "w")) == NULL)
		return err_errno(err, "%s", path);
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
	    "scrape_configs:\n  - job_name: platform\n    scheme: %s\n"
	    "    metrics_path: %s\n", p->pr_scheme, p->pr_path);
	if (p->pr_ca_file[0] != '\0')
		fprintf(f, "    tls_config:\n      ca_file: %s\n",
		    p->pr_ca_file);
	if (p->pr_token[0] != '\0')
		fprintf(f, "    authorization:\n      credentials_file: %s\n",
		    tok);
	fprintf(f, "    static_configs:\n      - targets:\n");
	for (i = 0; i < p->pr_ntargets; i++)
		fprintf(f, "          - '%s'\n", p->pr_targets[i]);
	if (fclose(f) != 0)
		return err_errno(err, "%s", path);
	return 0;
}

int
prom_start(struct rctx *rc, const struct drv_prom *p, struct prom *pm,
    char *err)
{
	char state[LAB_PATH_MAX], name[96], cfg[1100], data[1100], log[1100];
	const char *argv[] = { name, cfg, data,
	    "--web.listen-address=" PROM_LISTEN,
	    "--storage.tsdb.retention.time=1d", NULL };
	struct proc_opts o = { 0 };

	memset(pm, 0, sizeof(*pm));
	if (rc->lab[0] == '\0' || rc->station_netns[0] == '\0')
		return err_set(err, "prometheus: no lab station to run in");
	lab_state_dir(rc->lab, state, sizeof(state));
	snprintf(pm->pm_dir, sizeof(pm->pm_dir), "%s/prometheus", state);
	snprintf(pm->pm_netns, sizeof(pm->pm_netns), "%s", rc->station_netns);
	if (mkdir(pm->pm_dir, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "prometheus: %s", pm->pm_dir);
	if (prom_config(pm, p, err) == -1)
		return err_prefix(err, "prometheus");
	/* Named after the lab, as everything the lab runs. */
	snprintf(name, sizeof(name), "%.64s-prometheus", rc->lab);
	snprintf(cfg, sizeof(cfg), "--config.file=%s/prometheus.yml",
	    pm->pm_dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data",
	    pm->pm_dir);
	snprintf(log, sizeof(log), "%s/prometheus.log", pm->pm_dir);
	o.prog = "prometheus";
	o.netns = pm->pm_netns;
	o.stdin_null = 1;
	o.stdout_file = log;
	o.stderr_file = log;
	o.die_with_parent = 1;
	if ((pm->pm_pid = proc_spawn(argv, &o, err)) == -1) {
		pm->pm_pid = 0;
		return err_prefix(err, "prometheus (apt-get install "
		    "prometheus)");
	}
	return 0;
}

/* The value of a one-element vector answer: 1, 0 (empty), -1. */
static int
prom_value(const cJSON *doc, double *v, char *err)
{
	const cJSON *data, *res, *val, *s;
	char *end;

	data = cJSON_GetObjectItemCaseSensitive(doc, "data");
	res = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsArray(res))
		return err_set(err, "the answer has no data.result array");
	if (cJSON_GetArraySize(res) == 0)
		return 0;
	if (cJSON_GetArraySize(res) != 1)
		return err_set(err, "%d series answer, not one",
		    cJSON_GetArraySize(res));
	val = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 0),
	    "value");
	s = cJSON_GetArrayItem(val, 1);
	if (!cJSON_IsArray(val) || !cJSON_IsString(s))
		return err_set(err, "result[0].value must be [time, \"value\"]");
	*v = strtod(s->valuestring, &end);
	if (*end != '\0' || end == s->valuestring)
		return err_set(err, "result[0].value '%s' is no number",
		    s->valuestring);
	return isnan(*v) ? 0 : 1;
}

int
prom_query(const struct prom *pm, const char *query, double *v, char *err)
{
	struct http_opts o = { .base_url = "http://" PROM_LISTEN,
	    .timeout_ms = 5000 };
	struct http_response resp = { 0 };
	struct http_client *c = NULL;
	char q[1024], path[1200], e[ERR_LEN];
	int back = -1, rc = -1;

	prom_urlencode(query, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/query?query=%s", q);
	if (probe_ns_enter(pm->pm_netns, &back, err) == -1)
		return -1;
	if ((c = http_client_new(&o, err)) != NULL &&
	    http_request_json(c, "GET", path, NULL, &resp, err) == 0)
		rc = prom_value(resp.json, v, err);
	if (probe_ns_leave(back, e) == -1)
		rc = err_set(err, "%s", e);
	http_response_free(&resp);
	http_client_free(c);
	return rc == -1 ? err_prefix(err, "prometheus: %s", query) : rc;
}

int
prom_wait_up(struct rctx *rc, const struct prom *pm, size_t n, long tmo_s,
    char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)tmo_s * NS_PER_S;
	double up = 0;
	char e[ERR_LEN] = "";
	int r;

	while (!runner_stop) {
		r = prom_query(pm, "count(up == 1)", &up, e);
		if (r == 1 && up >= (double)n)
			return 0;
		if (!proc_running(pm->pm_pid))
			return err_set(err, "prometheus ended (its log: "
			    "%s/prometheus.log)", pm->pm_dir);
		if (clock_mono_ns() > end)
			break;
		progress(rc, "prometheus: %g of %zu targets up", up, n);
		clock_sleep_ns(NS_PER_S);
	}
	return err_set(err, "prometheus: %g of %zu targets up after %ld s%s%s",
	    up, n, tmo_s, e[0] ? ": " : "", e);
}

void
prom_stop(struct prom *pm)
{
	int st;

	if (pm->pm_pid <= 0)
		return;
	proc_kill(pm->pm_pid, SIGKILL);
	proc_wait(pm->pm_pid, &st, 10000);
	pm->pm_pid = 0;
}
