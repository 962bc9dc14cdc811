/*
 * monitoring.c - the Performance monitoring row: a VM's CPU figure, as
 * the platform reports it, must rise when its guest burns a CPU and fall
 * when it stops; every node must have host metrics; and a Prometheus in
 * the lab's station, scraping the platform's own endpoint, must see the
 * same rise (prom.h).
 *
 * The guest (direct kernel boot on `host`, default host1) idles first:
 * its CPU below `fall_pct` % of a core (5) three points in a row.  Then its agent burns one
 * vCPU for `burn_s` (20).  Figures:
 *   reaction_s     from the burn's start (the runner's wall clock as the
 *                  request went out) to the time of the first point of
 *                  the platform's series above `rise_pct` % of a
 *                  core (10): how late the platform shows load;
 *   fall_s         from the burn's end to the first point below
 *                  `fall_pct`;
 *   cpu_peak_cores the highest point during the burn;
 *   series         series the platform exposes (driver `metrics`: each
 *                  node's and each running VM's);
 *   hosts_with_metrics  nodes that have any;
 *   prometheus_ok  1 when Prometheus' rate() of the VM's CPU counter
 *                  rose above `rise_pct` during the burn, else 0;
 *   scrape_ms      Prometheus' own scrape_duration_seconds of the VM's
 *                  node, read during the burn.
 * A platform with no Prometheus endpoint (driver `prom` NULL) leaves the
 * last two unmeasured with the reason (run_unmeasured), never a
 * constant.  The CPU series goes beside the results as a "series"
 * timeline (raw/monitoring-RUN-cpu.csv: t_s from the burn's start, vm,
 * cpu_cores), its burn marked, for the report's plot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/builtin/prom.h"

/* After the burn, how long the fall may take before the row gives up. */
#define MON_FALL_WAIT_S 30
/* How long the guest may take to settle after boot, and the points in
 * a row below fall_pct that say it idles. */
#define MON_IDLE_WAIT_S 90
#define MON_IDLE_POINTS 3

struct mon {
	struct sctx *s;
	const char *vm, *host;
	char addr[GUEST_ADDR_MAX];
	long burn_s;
	double rise, fall;
	struct prom prom;
	char prom_cpu[96];		/* the platform's CPU counter */
	char prom_target[DRV_ADDR_MAX + 8];	/* the VM's node */
	size_t prom_targets;		/* how many it scrapes */
	double t0;			/* the burn's start, Unix seconds */
	double reaction_s, fall_s, peak;	/* < 0: not seen */
	int prom_seen;
	double scrape_ms;		/* < 0: not read */
};

static double
mon_now(void)
{
	return (double)clock_wall_ns() / 1e9;
}

/* A per-feature reason of the driver, else "PLATFORM has none". */
static void
mon_reason(const struct driver_ops *ops, const char *feature,
    const char *what, char *buf, size_t len)
{
	const struct drv_reason *r;

	for (r = ops->reasons; r != NULL && r->r_feature != NULL; r++)
		if (strcmp(r->r_feature, feature) == 0) {
			snprintf(buf, len, "%s", r->r_reason);
			return;
		}
	snprintf(buf, len, "%s has no %s", ops->name, what);
}

/* Prometheus started in the station (its targets come up while the
 * guest boots); or the figures unsupported with the reason. */
static int
mon_prom_start(struct mon *m, char *err)
{
	struct rctx *rc = m->s->rc;
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_prom p;
	char why[ERR_LEN];
	size_t i;

	if (ops->prom == NULL) {
		mon_reason(ops, "prometheus", "Prometheus endpoint built in",
		    why, sizeof(why));
		run_unmeasured(m->s, "prometheus_ok scrape_ms", why);
		return 0;
	}
	if (ops->prom(rc->drv, &p, err) == -1)
		return err_prefix(err, "the platform's Prometheus endpoint");
	snprintf(m->prom_cpu, sizeof(m->prom_cpu), "%s", p.pr_vm_cpu);
	for (i = 0; i < rc->env.e_nhosts && i < p.pr_ntargets; i++)
		if (strcmp(rc->env.e_hosts[i].h_name, m->host) == 0)
			snprintf(m->prom_target, sizeof(m->prom_target), "%s",
			    p.pr_targets[i]);
	m->prom_targets = p.pr_ntargets;
	progress(rc, "prometheus: start, %zu targets", p.pr_ntargets);
	return prom_start(rc, &p, &m->prom, err);
}

/* The platform's CPU series of the VM since since (Unix seconds) into
 * *pts (caller frees), *n.  0, or -1 with err. */
static int
mon_points(struct mon *m, double since, struct drv_point **pts, size_t *n,
    char *err)
{
	struct driver *d = m->s->rc->drv;

	if (d->d_ops->vm_cpu(d, m->vm, since, pts, n, err) == -1)
		return err_prefix(err, "%s's CPU series", m->vm);
	return 0;
}

/* Whether the newest MON_IDLE_POINTS points are all below fall. */
static int
mon_idles(const struct mon *m, const struct drv_point *p, size_t n)
{
	size_t i;

	if (n < MON_IDLE_POINTS)
		return 0;
	for (i = n - MON_IDLE_POINTS; i < n; i++)
		if (p[i].pt_v >= m->fall)
			return 0;
	return 1;
}

/* Wait until the guest idles: a guest that just booted still works for
 * some seconds, with short dips, and its load is no burn's. */
static int
mon_idle(struct mon *m, char *err)
{
	struct drv_point *p = NULL;
	size_t n = 0;
	long t;
	int idle;

	for (t = 0; t < MON_IDLE_WAIT_S && !runner_stop; t++) {
		progress(m->s->rc, "%s idles? (%ld s)", m->vm, t);
		if (mon_points(m, mon_now() - 10, &p, &n, err) == -1)
			return -1;
		idle = mon_idles(m, p, n);
		free(p);
		if (idle)
			return 0;
		clock_sleep_ns(NS_PER_S);
	}
	return err_set(err, "%s's CPU stays at or over %g cores for %d s "
	    "after its boot", m->vm, m->fall, MON_IDLE_WAIT_S);
}

/* The rise and the fall in the points seen so far. */
static void
mon_scan(struct mon *m, const struct drv_point *p, size_t n)
{
	double end = m->t0 + (double)m->burn_s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].pt_t <= m->t0)
			continue;
		if (p[i].pt_t <= end && p[i].pt_v > m->peak)
			m->peak = p[i].pt_v;
		if (m->reaction_s < 0 && p[i].pt_v > m->rise)
			m->reaction_s = p[i].pt_t - m->t0;
		if (m->fall_s < 0 && p[i].pt_t > end && p[i].pt_v < m->fall)
			m->fall_s = p[i].pt_t - end;
	}
}

/* During the burn: Prometheus' rate of the VM's CPU, and its scrape
 * time of the VM's node. */
static void
mon_prom_look(struct mon *m)
{
	char q[512], e[ERR_LEN];
	double v;

	if (m->prom.pm_pid == 0)
		return;
	snprintf(q, sizeof(q), "rate(%s{vm=\"%s\"}[10s])", m->prom_cpu, m->vm);
	if (!m->prom_seen && prom_query(&m->prom, q, &v, e) == 1 &&
	    v > m->rise)
		m->prom_seen = 1;
	snprintf(q, sizeof(q), "scrape_duration_seconds{instance=\"%s\"}",
	    m->prom_target);
	if (m->scrape_ms < 0 && prom_query(&m->prom, q, &v, e) == 1)
		m->scrape_ms = v * 1000;
	if (e[0] != '\0')
		log_debug("monitoring: %s", e);
}

/* The burn, watched once a second until the fall (or its wait ends). */
static int
mon_burn(struct mon *m, char *err)
{
	struct agent_ask q = { "station", m->addr, NULL, 10, "" };
	double end;
	struct drv_point *p = NULL;
	size_t n = 0;
	char req[64];

	snprintf(req, sizeof(req), "burn %ld", m->burn_s);
	q.aa_req = req;
	m->t0 = mon_now();
	end = m->t0 + (double)m->burn_s;
	if (agent_ask(m->s->rc, &q, err) == -1)
		return -1;
	while (!runner_stop && m->fall_s < 0 &&
	    mon_now() < end + MON_FALL_WAIT_S) {
		progress(m->s->rc, "burn: %.0f of %ld s, cpu %s", mon_now() -
		    m->t0, m->burn_s, m->reaction_s < 0 ? "not risen" :
		    "risen");
		if (mon_points(m, m->t0 - 5, &p, &n, err) == -1)
			return -1;
		mon_scan(m, p, n);
		free(p);
		if (mon_now() < end)
			mon_prom_look(m);
		clock_sleep_ns(NS_PER_S);
	}
	return runner_stop ? err_set(err, "interrupted") : 0;
}

/* The whole CPU series from 10 s before the burn, as a series timeline
 * beside the results, the burn marked. */
static int
mon_series(struct mon *m, char *err)
{
	struct sctx *s = m->s;
	struct drv_point *p = NULL;
	struct timeline *tl;
	char rel[300], path[4400];
	FILE *f;
	size_t i, n = 0;

	if (mon_points(m, m->t0 - 10, &p, &n, err) == -1)
		return -1;
	snprintf(rel, sizeof(rel), "raw/%s-%zu-cpu.csv", s->sc->sc_name,
	    s->runno);
	snprintf(path, sizeof(path), "%s/%s", s->rc->o->ro_outdir, rel);
	if ((f = fopen(path, "w")) == NULL) {
		free(p);
		return err_errno(err, "%s", path);
	}
	fprintf(f, "t_s,vm,cpu_cores\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%.3f,%s,%.4f\n", p[i].pt_t - m->t0, m->vm,
		    p[i].pt_v);
	free(p);
	if (fclose(f) != 0)
		return err_errno(err, "%s", path);
	tl = run_add_timeline(s->run, rel, "series");
	timeline_add_event(tl, 0, "burn start");
	timeline_add_event(tl, (double)m->burn_s, "burn end");
	scen_add_artifact(s->sr, rel);
	return 0;
}

/* series and hosts_with_metrics from the driver's metrics. */
static int
mon_host_metrics(struct mon *m, char *err)
{
	struct rctx *rc = m->s->rc;
	struct drv_metric *ms = NULL;
	size_t i, j, n = 0, hosts = 0;

	if (rc->drv->d_ops->metrics(rc->drv, &ms, &n, err) == -1)
		return err_prefix(err, "the platform's metrics");
	for (i = 0; i < rc->env.e_nhosts; i++)
		for (j = 0; j < n; j++)
			if (strcmp(ms[j].m_subject,
			    rc->env.e_hosts[i].h_name) == 0) {
				hosts++;
				break;
			}
	free(ms);
	metrics_set(&m->s->run->r_metrics, "series", (double)n);
	metrics_set(&m->s->run->r_metrics, "hosts_with_metrics",
	    (double)hosts);
	return 0;
}

/* A sentence added to the run's reason. */
static void __attribute__((format(printf, 2, 3)))
mon_note(struct mon *m, const char *fmt, ...)
{
	char one[ERR_LEN];
	char **r = &m->s->run->r_reason;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	results_set_str(r, "%s%s%s", *r ? *r : "", *r && **r ? "; " : "",
	    one);
}

/* What was seen into the run's figures; what was not stays out. */
static void
mon_figures(struct mon *m)
{
	struct metrics *ms = &m->s->run->r_metrics;

	if (m->reaction_s >= 0)
		metrics_set(ms, "reaction_s", m->reaction_s);
	if (m->fall_s >= 0)
		metrics_set(ms, "fall_s", m->fall_s);
	if (m->peak >= 0)
		metrics_set(ms, "cpu_peak_cores", m->peak);
	if (m->prom.pm_pid != 0)
		metrics_set(ms, "prometheus_ok", m->prom_seen);
	if (m->scrape_ms >= 0)
		metrics_set(ms, "scrape_ms", m->scrape_ms);
}

static int
mon_run(struct mon *m, char *err)
{
	struct guest_status gs;

	if (mon_prom_start(m, err) == -1)
		return -1;
	progress(m->s->rc, "boot %s on %s", m->vm, m->host);
	if (net_guest(m->s, m->vm, m->host, -1, m->addr, err) == -1 ||
	    guest_status(m->s->rc, m->addr, 120, &gs, err) == -1)
		return -1;
	if (m->prom.pm_pid != 0 && prom_wait_up(m->s->rc, &m->prom,
	    m->prom_targets, 60, err) == -1)
		return -1;
	if (mon_idle(m, err) == -1 || mon_burn(m, err) == -1)
		return -1;
	mon_figures(m);
	if (mon_series(m, err) == -1 || mon_host_metrics(m, err) == -1)
		return -1;
	if (m->reaction_s < 0)
		mon_note(m, "%s's CPU never rose over %g cores while it "
		    "burned", m->vm, m->rise);
	else if (m->fall_s < 0)
		mon_note(m, "%s's CPU did not fall under %g cores within %d s "
		    "of the burn's end", m->vm, m->fall, MON_FALL_WAIT_S);
	return 0;
}

int
builtin_monitoring(struct sctx *s, char *err)
{
	const struct scenario *sc = s->sc;
	const char *host = step_param_get(sc->sc_params, sc->sc_nparams,
	    "host");
	struct mon m = { .s = s, .vm = "mon1", .reaction_s = -1,
	    .fall_s = -1, .peak = -1, .scrape_ms = -1 };
	int rc;

	m.host = host ? host : s->rc->env.e_hosts[0].h_name;
	m.burn_s = param_long(sc, "burn_s", 20);
	m.rise = (double)param_long(sc, "rise_pct", 10) / 100;
	m.fall = (double)param_long(sc, "fall_pct", 5) / 100;
	rc = mon_run(&m, err);
	prom_stop(&m.prom);
	vm_remove(s, m.vm);
	return rc;
}
