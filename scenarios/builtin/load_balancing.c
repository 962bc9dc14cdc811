/*
 * load_balancing.c - the Load balancing row (load_balancing.h): three
 * busy VMs on one host, two idle hosts, and the platform's balancer
 * turned on; how long until the loads are even, how many moves it took,
 * the longest ping gap a VM saw while it moved, and whether anything
 * moves again once the loads are even.
 *
 * Phases: the hosts' CPUs (node_info); the VMs booted on `host` (default
 * the first lab host; under HA where the platform has it, as Pacemaker
 * and Proxmox VE's CRS balance only the resources they manage); a ping
 * probe on each from the station (`ping_ms`, 10); each guest burns
 * `burn_pct` % of a CPU; the row looks once a second until its own
 * yardstick sees `host` overloaded (within `imbalance_s`, 60); the
 * balancer is set (dynamic, `threshold` `hold` `margin` `max_moves`
 * `interval_s`); then looks once a second until the loads stay balanced
 * for `settle_s` (or `timeout_s` passes), and `watch_s` more.  The
 * balancer is turned off and the VMs deleted whatever happened.
 *
 * Figures (docs/scenarios.md "load-balancing"): balanced_s, moves,
 * max_gap_ms, pingpong_moves; the loads per host over time beside the
 * results (raw/load-balancing-RUN-load.csv: t_s from the balancer's
 * start, host, load), the moves marked, for the report's plot.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "probes/ping.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/builtin/load_balancing.h"

#define LB_VMS 3
#define LB_MOVES_MAX 64

/* The row's params, with what it takes when the scenario says nothing:
 * the balancer's are Proxmox VE CRS's defaults (docs/balance.md). */
struct lb_params {
	double lp_threshold, lp_margin;
	long lp_hold, lp_max_moves, lp_interval_s;
	long lp_burn_pct, lp_ping_ms;
	long lp_imbalance_s, lp_timeout_s, lp_settle_s, lp_watch_s;
};

struct lbr {
	struct sctx *s;
	struct driver *d;
	struct lb_params p;
	const char *host;
	size_t nhosts;
	int cpus[LB_HOSTS_MAX];
	char vm[LB_VMS][16];
	char addr[LB_VMS][GUEST_ADDR_MAX];
	int ha_on[LB_VMS];
	struct probe_ping *ping[LB_VMS];
	struct probe_ping_result pr[LB_VMS];
	int probed;			/* pr[] hold the probes' results */
	struct drv_balance bal;
	int bal_on;
	struct lb_look *lk;
	size_t nlk, cap;
	size_t first;			/* the first look with the balancer on */
	uint64_t t0_ns;			/* balance_set returned (wall) */
	struct lb_settle st;
	double cores[LB_VMS];		/* each VM's last known cores */
	int bad_looks;			/* looks in a row that saw nothing */
};

/* param key as a number in [lo, hi] into *out (def when absent). */
static int
lb_param_num(const struct scenario *sc, const char *key, double def,
    double lo, double hi, double *out, char *err)
{
	const char *v = param_str(sc, key, NULL);
	char *end;

	*out = def;
	if (v == NULL)
		return 0;
	*out = strtod(v, &end);
	if (end == v || *end != '\0' || !isfinite(*out) || *out < lo ||
	    *out > hi)
		return err_set(err, "%s: param %s: '%s' is not a number "
		    "%g..%g", sc->sc_name, key, v, lo, hi);
	return 0;
}

static int
lb_params(const struct scenario *sc, struct lb_params *p, char *err)
{
	static const struct {
		const char *key;
		double def, lo, hi;
		size_t off;
	} tab[] = {
#define LBP(k, d, l, h, f) { k, d, l, h, offsetof(struct lb_params, f) }
		LBP("hold", 3, 1, 100, lp_hold),
		LBP("max_moves", 2, 1, 64, lp_max_moves),
		LBP("interval_s", 10, 2, 3600, lp_interval_s),
		LBP("burn_pct", 50, 1, 100, lp_burn_pct),
		LBP("ping_ms", 10, 1, 1000, lp_ping_ms),
		LBP("imbalance_s", 60, 5, 600, lp_imbalance_s),
		LBP("timeout_s", 120, 10, 1200, lp_timeout_s),
		LBP("settle_s", 0, 0, 600, lp_settle_s),
		LBP("watch_s", 30, 0, 600, lp_watch_s),
#undef LBP
	};
	double x;
	size_t i;

	if (lb_param_num(sc, "threshold", 0.3, 0.01, 10, &p->lp_threshold,
	    err) == -1 || lb_param_num(sc, "margin", 0.1, 0, 10,
	    &p->lp_margin, err) == -1)
		return -1;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (lb_param_num(sc, tab[i].key, tab[i].def, tab[i].lo,
		    tab[i].hi, &x, err) == -1)
			return -1;
		if (x != floor(x))
			return err_set(err, "%s: param %s: '%g' is not a whole "
			    "number", sc->sc_name, tab[i].key, x);
		*(long *)((char *)p + tab[i].off) = (long)x;
	}
	/* Balanced must outlast what the balancer takes to act on an
	 * overload it sees (hold rounds, then a round to queue the move),
	 * or a move it still makes would count as a ping-pong. */
	if (p->lp_settle_s == 0)
		p->lp_settle_s = (p->lp_hold + 1) * p->lp_interval_s;
	return 0;
}

/* Each lab host's CPUs, as the platform tells them. */
static int
lb_hosts(struct lbr *l, char *err)
{
	const struct drv_env *env = &l->s->rc->env;
	struct drv_node_info ni;
	size_t h;

	l->nhosts = env->e_nhosts;
	if (l->nhosts < 2 || l->nhosts > LB_HOSTS_MAX)
		return err_set(err, "load-balancing: needs 2 to %d hosts, the "
		    "lab has %zu", LB_HOSTS_MAX, l->nhosts);
	if (l->d->d_ops->node_info == NULL)
		return err_set(err, "load-balancing: the %s driver tells no "
		    "host's CPUs (node_info)", l->d->d_ops->name),
		    DRIVER_UNSUPPORTED;
	for (h = 0; h < l->nhosts; h++) {
		memset(&ni, 0, sizeof(ni));
		if (l->d->d_ops->node_info(l->d, env->e_hosts[h].h_name, &ni,
		    err) == -1)
			return err_prefix(err, "host %s's CPUs",
			    env->e_hosts[h].h_name);
		if (ni.n_cpus < 1)
			return err_set(err, "load-balancing: host %s has %d "
			    "CPUs, says the platform", env->e_hosts[h].h_name,
			    ni.n_cpus);
		l->cpus[h] = ni.n_cpus;
	}
	return 0;
}

/* The VMs booted on l->host, answering, under HA where there is HA. */
static int
lb_vms(struct lbr *l, char *err)
{
	struct guest_status gs;
	char why[ERR_LEN];
	int ha = driver_supports(l->d, "ha", why);
	size_t i;
	int r;

	for (i = 0; i < LB_VMS; i++) {
		snprintf(l->vm[i], sizeof(l->vm[i]), "lb%zu", i + 1);
		progress(l->s->rc, "boot %s on %s", l->vm[i], l->host);
		if (net_guest(l->s, l->vm[i], l->host, -1, l->addr[i],
		    err) == -1)
			return -1;
	}
	for (i = 0; i < LB_VMS; i++) {
		if (guest_status(l->s->rc, l->addr[i], 120, &gs, err) == -1)
			return err_prefix(err, "%s", l->vm[i]);
		if (!ha)
			continue;
		if ((r = l->d->d_ops->ha_enable(l->d, l->vm[i], err)) != 0)
			return err_prefix(err, "make %s an HA resource",
			    l->vm[i]), r;
		l->ha_on[i] = 1;
	}
	if (!ha)
		log_info("load-balancing: VMs not under HA (%s)", why);
	return 0;
}

/* A ping probe from the station on each VM, then each guest burns. */
static int
lb_load(struct lbr *l, char *err)
{
	const struct lb_params *p = &l->p;
	struct agent_ask q = { "station", NULL, NULL, 10, "" };
	struct probe_ping_opts o;
	char req[64];
	long secs;
	size_t i;

	for (i = 0; i < LB_VMS; i++) {
		memset(&o, 0, sizeof(o));
		o.target = l->addr[i];
		o.netns = l->s->rc->env.e_station_netns;
		o.interval_ns = (uint64_t)p->lp_ping_ms * NS_PER_MS;
		if ((l->ping[i] = probe_ping_start(&o, err)) == NULL)
			return err_prefix(err, "ping %s", l->vm[i]);
	}
	/* Long enough for every phase; deleting the VMs ends it. */
	secs = p->lp_imbalance_s + p->lp_timeout_s + p->lp_settle_s +
	    p->lp_watch_s + 60;
	snprintf(req, sizeof(req), "burn %ld %ld", secs < 3600 ? secs : 3600,
	    p->lp_burn_pct);
	q.aa_req = req;
	for (i = 0; i < LB_VMS; i++) {
		q.aa_addr = l->addr[i];
		if (agent_ask(l->s->rc, &q, err) == -1)
			return -1;
	}
	return 0;
}

/* VM i's mean cores over the balancer's window, or its last figure. */
static double
lb_vm_cores(struct lbr *l, size_t i)
{
	double since = (double)clock_wall_ns() / 1e9 -
	    (double)l->p.lp_interval_s, sum = 0;
	struct drv_point *pts = NULL;
	size_t n = 0, k, used = 0;
	char e[ERR_LEN];

	if (l->d->d_ops->vm_cpu(l->d, l->vm[i], since, &pts, &n, e) == -1) {
		log_debug("load-balancing: %s's CPU: %s", l->vm[i], e);
		return l->cores[i];
	}
	for (k = 0; k < n; k++)
		if (pts[k].pt_t >= since) {
			sum += pts[k].pt_v;
			used++;
		}
	free(pts);
	if (used > 0)
		l->cores[i] = sum / (double)used;
	return l->cores[i];
}

/* The index of the lab host named name, -1 when none is. */
static int
lb_host_index(const struct lbr *l, const char *name)
{
	size_t h;

	for (h = 0; h < l->nhosts; h++)
		if (strcmp(l->s->rc->env.e_hosts[h].h_name, name) == 0)
			return (int)h;
	return -1;
}

/* One look at every VM, appended to l->lk. */
static int
lb_look(struct lbr *l, char *err)
{
	struct drv_vm_info vi;
	struct lb_look *lk, *nl;
	char e[ERR_LEN];
	size_t i, seen = 0;

	if (l->nlk == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		if ((nl = realloc(l->lk, l->cap * sizeof(*nl))) == NULL)
			return err_set(err, "out of memory");
		l->lk = nl;
	}
	lk = &l->lk[l->nlk++];
	memset(lk, 0, sizeof(*lk));
	lk->lk_wall_ns = clock_wall_ns();
	for (i = 0; i < LB_VMS; i++) {
		lk->lk_host[i] = -1;
		memset(&vi, 0, sizeof(vi));
		if (vm_info_get(l->s->rc, l->vm[i], &vi, e) == -1)
			log_debug("load-balancing: %s: %s", l->vm[i], e);
		else {
			lk->lk_host[i] = lb_host_index(l, vi.i_host);
			lk->lk_migrating |= vi.i_state == DRV_VM_MIGRATING;
			seen++;
		}
		lk->lk_cores[i] = lb_vm_cores(l, i);
	}
	/* A platform that answers nothing for 30 s in a row is down, not
	 * balancing. */
	l->bad_looks = seen ? 0 : l->bad_looks + 1;
	if (l->bad_looks >= 30)
		return err_set(err, "load-balancing: no VM's host known for 30 "
		    "s (%s)", e);
	return 0;
}

/* The loads of look lk as "host1=0.50 host2=0.25 ...; cores lb1=0.50
 * ..." into buf. */
static void
lb_loads_text(const struct lbr *l, const struct lb_look *lk, double *loads,
    char *buf, size_t len)
{
	size_t h, at = 0;

	lb_loads(lk, LB_VMS, l->cpus, l->nhosts, loads);
	buf[0] = '\0';
	for (h = 0; h < l->nhosts && at < len; h++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s=%.2f",
		    h ? " " : "", l->s->rc->env.e_hosts[h].h_name, loads[h]);
	for (h = 0; h < LB_VMS && at < len; h++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s=%.2f",
		    h ? " " : "; cores ", l->vm[h], lk->lk_cores[h]);
}

/* Sleep until deadline (mono ns), then move it a second on. */
static int
lb_tick(uint64_t *deadline, char *err)
{
	uint64_t now = clock_mono_ns();

	if (*deadline > now)
		clock_sleep_ns(*deadline - now);
	*deadline += NS_PER_S;
	return runner_stop ? err_set(err, "interrupted") : 0;
}

/* Look each second until the row's yardstick sees an overload. */
static int
lb_wait_imbalance(struct lbr *l, char *err)
{
	uint64_t tick = clock_mono_ns(), end = tick +
	    (uint64_t)l->p.lp_imbalance_s * NS_PER_S;
	double loads[LB_HOSTS_MAX], excess;
	char txt[512];
	size_t worst;

	for (;;) {
		if (lb_tick(&tick, err) == -1 || lb_look(l, err) == -1)
			return -1;
		lb_loads_text(l, &l->lk[l->nlk - 1], loads, txt, sizeof(txt));
		progress(l->s->rc, "burn: loads %s", txt);
		if (!lb_balanced(loads, l->nhosts, l->p.lp_threshold, &worst,
		    &excess))
			return 0;
		if (clock_mono_ns() >= end)
			return err_set(err, "load-balancing: %ld s of burning "
			    "at %ld %% left no host above the mean by more "
			    "than %g (loads %s)", l->p.lp_imbalance_s,
			    l->p.lp_burn_pct, l->p.lp_threshold, txt);
	}
}

/* The balancer set to mode (the row's settings); b_applied kept. */
static int
lb_balance(struct lbr *l, const char *mode, char *err)
{
	struct drv_balance *b = &l->bal;

	memset(b, 0, sizeof(*b));
	snprintf(b->b_mode, sizeof(b->b_mode), "%s", mode);
	b->b_threshold = l->p.lp_threshold;
	b->b_hold = (int)l->p.lp_hold;
	b->b_margin = l->p.lp_margin;
	b->b_max_moves = (int)l->p.lp_max_moves;
	b->b_interval_s = (int)l->p.lp_interval_s;
	if (l->d->d_ops->balance_set == NULL)
		return err_set(err, "%s balances nothing by itself",
		    l->d->d_ops->name), DRIVER_UNSUPPORTED;
	if (l->d->d_ops->balance_set(l->d, b, err) == -1)
		return err_prefix(err, "set the balancer to %s", mode);
	return 0;
}

/*
 * With the balancer on: look each second until the loads stay balanced
 * for settle_s, then watch_s more; or give up timeout_s + settle_s after
 * the balancer went on (balanced_s stays unmeasured).
 */
static int
lb_watch(struct lbr *l, char *err)
{
	const struct lb_params *p = &l->p;
	uint64_t tick = clock_mono_ns(), start = tick, stop = 0, now;
	double loads[LB_HOSTS_MAX], excess;
	struct lb_look *lk;
	char txt[512];
	size_t worst;
	int bal;

	for (;;) {
		if (lb_tick(&tick, err) == -1 || lb_look(l, err) == -1)
			return -1;
		lk = &l->lk[l->nlk - 1];
		lb_loads_text(l, lk, loads, txt, sizeof(txt));
		bal = lb_balanced(loads, l->nhosts, p->lp_threshold, &worst,
		    &excess);
		if (lb_settle_look(&l->st, &lk[-1], lk, LB_VMS, bal,
		    (uint64_t)p->lp_settle_s * NS_PER_S) && stop == 0)
			stop = clock_mono_ns() + (uint64_t)p->lp_watch_s *
			    NS_PER_S;
		now = clock_mono_ns();
		progress(l->s->rc, "balancer on %.0f s: %s, loads %s",
		    (double)(now - start) / 1e9, l->st.st_balanced_ns ?
		    "balanced, watching" : lk->lk_migrating ? "migrating" :
		    bal ? "settling" : "overloaded", txt);
		if (stop != 0 && now >= stop)
			return 0;
		if (stop == 0 && now - start >= (uint64_t)(p->lp_timeout_s +
		    p->lp_settle_s) * NS_PER_S)
			return 0;
	}
}

/* The probes stopped, their results kept in l->pr. */
static int
lb_probes_stop(struct lbr *l, char *err)
{
	char e[ERR_LEN];
	size_t i;
	int rc = 0;

	for (i = 0; i < LB_VMS; i++) {
		if (l->ping[i] == NULL)
			continue;
		if (probe_ping_stop(l->ping[i], &l->pr[i], e) == -1 && rc == 0)
			rc = err_set(err, "ping %s: %s", l->vm[i], e);
		l->ping[i] = NULL;
	}
	l->probed = rc == 0;
	return rc;
}

/* The loads of every look as a series beside the results, the balancer's
 * start, the moves and the balance marked. */
static int
lb_series(struct lbr *l, const struct lb_move *mv, size_t nmv, char *err)
{
	struct sctx *s = l->s;
	double loads[LB_HOSTS_MAX];
	char rel[300], path[4400], ev[128];
	struct timeline *tl;
	size_t i, h;
	FILE *f;

	snprintf(rel, sizeof(rel), "raw/%s-%zu-load.csv", s->sc->sc_name,
	    s->runno);
	snprintf(path, sizeof(path), "%s/%s", s->rc->o->ro_outdir, rel);
	if ((f = fopen(path, "w")) == NULL)
		return err_errno(err, "%s", path);
	fprintf(f, "t_s,host,load\n");
	for (i = 0; i < l->nlk; i++) {
		lb_loads(&l->lk[i], LB_VMS, l->cpus, l->nhosts, loads);
		for (h = 0; h < l->nhosts; h++)
			fprintf(f, "%.3f,%s,%.4f\n", ((double)l->lk[i].lk_wall_ns -
			    (double)l->t0_ns) / 1e9,
			    s->rc->env.e_hosts[h].h_name, loads[h]);
	}
	if (fclose(f) != 0)
		return err_errno(err, "%s", path);
	tl = run_add_timeline(s->run, rel, "series");
	if (l->bal_on)
		timeline_add_event(tl, 0, "balancer on");
	for (i = 0; i < nmv; i++) {
		snprintf(ev, sizeof(ev), "%s %s->%s", l->vm[mv[i].mv_vm],
		    s->rc->env.e_hosts[mv[i].mv_from].h_name,
		    s->rc->env.e_hosts[mv[i].mv_to].h_name);
		timeline_add_event(tl, ((double)mv[i].mv_hi_ns -
		    (double)l->t0_ns) / 1e9, ev);
	}
	if (l->st.st_balanced_ns)
		timeline_add_event(tl, ((double)l->st.st_balanced_ns -
		    (double)l->t0_ns) / 1e9, "balanced");
	scen_add_artifact(s->sr, rel);
	return 0;
}

/* What the run saw, in words: the balancer's settings, the moves, the
 * loads at the end (and why it failed when it never balanced). */
static void
lb_reason(struct lbr *l, const struct lb_move *mv, size_t nmv)
{
	const struct drv_host *hs = l->s->rc->env.e_hosts;
	double loads[LB_HOSTS_MAX];
	char txt[512], moves[512] = "";
	size_t i, at = 0;

	lb_loads_text(l, &l->lk[l->nlk - 1], loads, txt, sizeof(txt));
	for (i = 0; i < nmv && at < sizeof(moves); i++)
		at += (size_t)snprintf(moves + at, sizeof(moves) - at,
		    "%s%s %s->%s at %.0f s", i ? ", " : "", l->vm[mv[i].mv_vm],
		    hs[mv[i].mv_from].h_name, hs[mv[i].mv_to].h_name,
		    ((double)mv[i].mv_hi_ns - (double)l->t0_ns) / 1e9);
	if (l->st.st_balanced_ns == 0)
		results_set_str(&l->s->run->r_reason, "the loads never stayed "
		    "within %g of the mean for %ld s within %ld s of the "
		    "balancer's start (%s); moves: %s; loads at the end %s",
		    l->p.lp_threshold, l->p.lp_settle_s, l->p.lp_timeout_s,
		    l->bal.b_applied, nmv ? moves : "none", txt);
	else
		results_set_str(&l->s->run->r_reason, "%s; moves: %s; %zu "
		    "ping-pong moves (%ld s watched once balanced); loads at "
		    "the end %s", l->bal.b_applied, nmv ? moves : "none",
		    lb_pingpong(mv, nmv, l->st.st_balanced_ns),
		    l->p.lp_watch_s, txt);
}

/* The figures from the looks since the last one before the balancer
 * went on, and the probes' timelines. */
static int
lb_figures(struct lbr *l, char *err)
{
	struct metrics *ms = &l->s->run->r_metrics;
	const struct lb_look *lk = &l->lk[l->first - 1];
	struct lb_move mv[LB_MOVES_MAX];
	struct lb_ping pg[LB_VMS];
	size_t nmv, kept, i;
	double gap = 0;

	nmv = lb_moves(lk, l->nlk - l->first + 1, LB_VMS, mv, LB_MOVES_MAX);
	kept = nmv < LB_MOVES_MAX ? nmv : LB_MOVES_MAX;
	for (i = 0; i < LB_VMS; i++) {
		pg[i].lp_tl = &l->pr[i].pr_timeline;
		pg[i].lp_st = &l->pr[i].pr_stats;
	}
	if (kept > 0 && l->probed && lb_max_gap_ms(mv, kept, pg, LB_VMS,
	    &gap, err) == -1)
		return -1;
	/* In the order: the report's cell shows the first three. */
	if (l->st.st_balanced_ns != 0)
		metrics_set(ms, "balanced_s", ((double)l->st.st_balanced_ns -
		    (double)l->t0_ns) / 1e9);
	metrics_set(ms, "moves", (double)nmv);
	if (kept > 0 && l->probed)
		metrics_set(ms, "max_gap_ms", gap);
	if (l->st.st_balanced_ns != 0)
		metrics_set(ms, "pingpong_moves", (double)lb_pingpong(mv, kept,
		    l->st.st_balanced_ns));
	lb_reason(l, mv, kept);
	return 0;
}

static int
lb_run(struct lbr *l, char *err)
{
	int r;

	if ((r = lb_hosts(l, err)) != 0 || (r = lb_balance(l, "off",
	    err)) != 0 || (r = lb_vms(l, err)) != 0)
		return r;
	if (lb_load(l, err) == -1 || lb_wait_imbalance(l, err) == -1)
		return -1;
	l->first = l->nlk;
	if ((r = lb_balance(l, "dynamic", err)) != 0)
		return r;
	l->bal_on = 1;
	l->t0_ns = clock_wall_ns();
	progress(l->s->rc, "balancer on: %s", l->bal.b_applied);
	if (lb_watch(l, err) == -1 || lb_probes_stop(l, err) == -1)
		return -1;
	return lb_figures(l, err);
}

/* The series of whatever the row looked at, also when it failed: the
 * loads it saw are its evidence.  rc, or -1 when the series of a run
 * that went well cannot be written. */
static int
lb_evidence(struct lbr *l, int rc, char *err)
{
	struct lb_move mv[LB_MOVES_MAX];
	size_t nmv = 0;
	char e[ERR_LEN];

	if (l->nlk == 0)
		return rc;
	if (l->t0_ns == 0)
		l->t0_ns = l->lk[0].lk_wall_ns;
	else
		nmv = lb_moves(&l->lk[l->first - 1], l->nlk - l->first + 1,
		    LB_VMS, mv, LB_MOVES_MAX);
	if (lb_series(l, mv, nmv < LB_MOVES_MAX ? nmv : LB_MOVES_MAX,
	    rc == 0 ? err : e) == -1) {
		if (rc == 0)
			return -1;
		log_warnx("load-balancing: %s", e);
	}
	return rc;
}

/* Whatever happened: probes stopped, the balancer off, HA off, the VMs
 * deleted. */
static void
lb_cleanup(struct lbr *l)
{
	char e[ERR_LEN];
	size_t i;

	if (lb_probes_stop(l, e) == -1)
		log_debug("load-balancing: %s", e);
	for (i = 0; i < LB_VMS; i++)
		probe_ping_result_free(&l->pr[i]);
	if (l->bal_on && lb_balance(l, "off", e) != 0)
		log_warnx("load-balancing: cleanup: %s", e);
	for (i = 0; i < LB_VMS; i++) {
		if (l->ha_on[i] && l->d->d_ops->ha_disable(l->d, l->vm[i],
		    e) == -1)
			log_warnx("load-balancing: cleanup: HA off for %s: %s",
			    l->vm[i], e);
		if (l->vm[i][0] != '\0')
			vm_remove(l->s, l->vm[i]);
	}
	free(l->lk);
}

int
builtin_load_balancing(struct sctx *s, char *err)
{
	struct lbr l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.d = s->rc->drv;
	for (rc = 0; rc < LB_VMS; rc++)
		l.cores[rc] = -1;
	l.host = param_str(s->sc, "host", s->rc->env.e_hosts[0].h_name);
	if (lb_params(s->sc, &l.p, err) == -1)
		return -1;
	rc = lb_evidence(&l, lb_run(&l, err), err);
	lb_cleanup(&l);
	return rc;
}
