/*
 * bonding.c - the `bonding` built-in scenario (the study's "Network
 * Bonding" row): NIC-unplug downtime per bond mode, and TCP throughput
 * over one and two capped links.
 *
 * Per mode (active-backup, balance-slb, balance-tcp; LACP on, as the lab's
 * switch runs it) the platform sets host A's bond through its driver
 * (bond_set); the station pings host A every 10 ms while A's active member
 * is unplugged, plugged back, and the other member unplugged (and plugged
 * back); each event gets its own ping run.  The station pings a VM that
 * the runner started on host A through the driver (vm_addr; its NIC on
 * the station's VLAN, its tap on A's bridge behind the bond) and, at the
 * same time, host A's own management address on the bond: the VM's figure
 * is the drill's, the host's separates the bond's failover from the TCG
 * guest's own scheduling jitter.
 *
 * Throughput: A and B in balance-tcp, each of A's cables (the driver's
 * bond_cap) and each switch cable toward B (`hvlab lab switch B --rate`)
 * capped at rate_mbit, the switch's bonds toward A and B rebalancing
 * every rebalance_ms (`lab switch --rebalance`), flows from A to B
 * with the probes/throughput.h probe (source in A's namespace, sink in
 * B's): one link (the second cable of A and B unplugged), two links and
 * one flow, two links and `flows` flows.
 *
 * Lab actions (inject, lab status, the switch's side of the cables) go
 * through hvlab's own command line, like the runner's; the bond mode, its
 * members' state and host A's caps go through the platform's driver.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "lab/topo.h"
#include "probes/ping.h"
#include "probes/probe_ns.h"
#include "probes/throughput.h"
#include "scenarios/builtin/bonding_remote.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/drivers/driver.h"

#define CMD_MS 60000
#define TASK_NS (5 * 60 * NS_PER_S)
#define SINK_PORT 5299

struct bonding_env {
	struct driver *drv;
	const struct drv_env *env;	/* e_lab, e_station_netns */
	const char *self;		/* the hvlab binary (inject, lab ...) */
	const struct drv_host *a;	/* pinged, unplugged, throughput source */
	const struct drv_host *b;	/* throughput sink */
	const char *vm_addr;		/* a running VM on A (NULL: none) */
	volatile int *stop;		/* non-zero: end early */
	int remote;			/* real servers (bonding_remote.h) */
};

struct bonding_params {
	int flows;			/* several flows (default 4) */
	int rate_mbit;			/* cap per cable (default 8) */
	uint64_t tput_ns;		/* one throughput run (default 4 s) */
	uint64_t interval_ns;		/* ping interval (default 2 ms) */
	int rebalance_ms;		/* switch bonds' rebalancing (1000) */
	int throughput;			/* 0: unplug drill only */
};

static const char *const modes[] = { "active-backup", "balance-slb",
	"balance-tcp" };

static int
stopped(const struct bonding_env *e)
{
	return e->stop != NULL && *e->stop;
}

/* Sleep ns, in slices, until stopped. */
static int
nap(const struct bonding_env *e, uint64_t ns)
{
	uint64_t end = clock_mono_ns() + ns;

	while (!stopped(e) && clock_mono_ns() < end)
		clock_sleep_ns(50 * NS_PER_MS);
	return stopped(e) ? -1 : 0;
}

static int
inject(const struct bonding_env *e, const char *what, const char *host,
    const char *nic, char *err)
{
	const char *argv[] = { e->self, "inject", what, host, nic, "--lab",
		e->env->e_lab, NULL };

	if (proc_run(argv, NULL, CMD_MS, NULL, err) < 0)
		return err_prefix(err, "inject %s %s %s", what, host, nic);
	return 0;
}

/* The member of host's bond that carries traffic now ("eth0" if none). */
static int
active_nic(const struct bonding_env *e, const char *host, char *nic,
    size_t len, char *err)
{
	const char *argv[] = { e->self, "lab", "status", "--lab",
		e->env->e_lab, "--json", NULL };
	struct proc_result r;
	cJSON *doc = NULL, *h;
	const char *a = NULL;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	snprintf(nic, len, "eth0");
	if (proc_run(argv, NULL, CMD_MS, &r, err) < 0)
		goto out;
	if ((doc = json_parse_buf(r.out, r.out_len, err)) == NULL)
		goto out;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(doc, "hosts")) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, host) == 0 &&
		    json_get_string(h, "active_nic", JSON_OPTIONAL, &a,
		    err) == 0 && a != NULL)
			snprintf(nic, len, "%s", a);
	}
	rc = 0;
out:
	proc_result_free(&r);
	cJSON_Delete(doc);
	return rc;
}

/* `hvlab lab switch HOST OPT V`: the switch's side of host's cables
 * (OPT --rate, Mbit/s, 0 uncapped; --rebalance, ms). */
static int
lab_switch(const struct bonding_env *e, const char *host, const char *opt,
    int v, char *err)
{
	char val[16];
	const char *argv[] = { e->self, "lab", "switch", host, "--lab",
		e->env->e_lab, opt, val, NULL };

	snprintf(val, sizeof(val), "%d", v);
	if (proc_run(argv, NULL, CMD_MS, NULL, err) < 0)
		return err_prefix(err, "lab switch %s %s %d", host, opt, v);
	return 0;
}

/* One injection of the drill and when it happened. */
struct event {
	const char *ev_prefix;		/* metric names: "balance_tcp_plug" */
	const char *ev_what;		/* "nic-unplug", "nic-plug" */
	const char *ev_nic;		/* host A's NIC */
	uint64_t ev_after;		/* ns to keep pinging after it */
	uint64_t ev_lo, ev_hi;		/* it happened in [lo, hi], wall ns */
};

/*
 * The figures of one ping run (infix "" or "_host"): PREFIX_downtime_ms,
 * the gap between replies across the injection (it happened between
 * ev_lo and ev_hi), PREFIX_gap_lost, the requests lost in that gap,
 * PREFIX_lost, every loss of the run, and PREFIX_run_gap_ms, the longest
 * gap anywhere in the run (the load's scheduling stalls included).
 */
static int
record(struct metrics *m, const struct event *ev, const char *infix,
    const struct probe_ping_result *r, double *downtime, char *err)
{
	const char *prefix = ev->ev_prefix;
	struct stats_gap g;
	uint64_t lost;
	char name[128];
	struct stats_span w = { ev->ev_lo, ev->ev_hi };

	if (ping_stats_gap_across(&r->pr_timeline, &r->pr_stats, w, &g,
	    &lost, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s%s_gap_lost", prefix, infix);
	metrics_set(m, name, (double)lost);
	*downtime = (double)g.g_len_ns / 1e6;
	snprintf(name, sizeof(name), "%s%s_downtime_ms", prefix, infix);
	metrics_set(m, name, *downtime);
	snprintf(name, sizeof(name), "%s%s_lost", prefix, infix);
	metrics_set(m, name, (double)r->pr_stats.st_lost);
	snprintf(name, sizeof(name), "%s%s_run_gap_ms", prefix, infix);
	metrics_set(m, name, (double)r->pr_stats.st_downtime.g_len_ns / 1e6);
	return 0;
}

/*
 * One event: ping the VM and host A from the station, 1 s in do the
 * inject, keep pinging `after`; metrics (record()) PREFIX_... for the VM
 * (for A without a VM) and PREFIX_host_... for A.
 */
static int
ping_event(const struct bonding_env *e, const struct bonding_params *p,
    struct event *ev, struct metrics *m, char *err)
{
	const char *what = ev->ev_what, *nic = ev->ev_nic;
	struct probe_ping_opts o;
	struct probe_ping_result rh, rv;
	struct probe_ping *ph, *pv = NULL;
	char e2[ERR_LEN];
	double dh = 0, dv = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&rh, 0, sizeof(rh));
	memset(&rv, 0, sizeof(rv));
	o.target = e->a->h_addr;
	o.netns = e->env->e_station_netns;
	o.interval_ns = p->interval_ns;
	if ((ph = probe_ping_start(&o, err)) == NULL)
		return err_prefix(err, "ping %s", o.target);
	if (e->vm_addr != NULL) {
		o.target = e->vm_addr;
		if ((pv = probe_ping_start(&o, err)) == NULL) {
			probe_ping_stop(ph, &rh, e2);
			probe_ping_result_free(&rh);
			return err_prefix(err, "ping VM %s", o.target);
		}
	}
	rc = nap(e, NS_PER_S);
	if (rc == 0) {
		/* The cable is pulled somewhere in [lo, hi]: `hvlab inject`
		 * can take more than a second on a loaded machine. */
		ev->ev_lo = clock_wall_ns();
		rc = inject(e, what, e->a->h_name, nic, err);
		ev->ev_hi = clock_wall_ns();
	}
	if (rc == 0)
		nap(e, ev->ev_after);
	if (probe_ping_stop(ph, &rh, rc == 0 ? err : e2) < 0)
		rc = -1;
	if (pv != NULL && probe_ping_stop(pv, &rv, rc == 0 ? err : e2) < 0)
		rc = -1;
	if (rc == 0)
		rc = record(m, ev, "_host", &rh, &dh, err);
	if (rc == 0)
		rc = record(m, ev, "", pv != NULL ? &rv : &rh, &dv, err);
	if (rc == 0) {
		log_info("bonding: %s %s %s: host %llu of %llu lost, downtime "
		    "%.1f ms (run's longest gap %.1f ms)", what, e->a->h_name,
		    nic, (unsigned long long)rh.pr_stats.st_lost,
		    (unsigned long long)rh.pr_stats.st_sent, dh,
		    (double)rh.pr_stats.st_downtime.g_len_ns / 1e6);
		if (pv != NULL)
			log_info("bonding: %s %s %s: VM %s %llu of %llu lost, "
			    "downtime %.1f ms (run's longest gap %.1f ms)", what,
			    e->a->h_name, nic, e->vm_addr,
			    (unsigned long long)rv.pr_stats.st_lost,
			    (unsigned long long)rv.pr_stats.st_sent, dv,
			    (double)rv.pr_stats.st_downtime.g_len_ns / 1e6);
	}
	probe_ping_result_free(&rh);
	probe_ping_result_free(&rv);
	return rc;
}

/*
 * Wait (up to 15 s) until every member of host's bond is enabled again:
 * a plugged-back member carries traffic only once LACP has negotiated it
 * (2-4 s with LACP fast here), and unplugging the other member before
 * that cuts the host off.  The driver reads it at the host's console;
 * without that, 5 s.
 */
static int
members_enabled(const struct bonding_env *e, const char *host, char *err)
{
	const struct driver_ops *ops = e->drv->d_ops;
	uint64_t end = clock_mono_ns() + 15 * NS_PER_S;
	int up, down;

	if (ops->bond_members == NULL)
		return nap(e, 5 * NS_PER_S) < 0 ? err_set(err, "interrupted") :
		    0;
	while (!stopped(e) && clock_mono_ns() < end) {
		if (ops->bond_members(e->drv, host, &up, &down, err) == 0 &&
		    up >= 2 && down == 0)
			return 0;
		clock_sleep_ns(200 * NS_PER_MS);
	}
	return stopped(e) ? err_set(err, "interrupted") :
	    err_set(err, "%s: the bond's members not all enabled 15 s after "
	    "the plug", host);
}

static int
set_mode(const struct bonding_env *e, const char *host, const char *mode,
    char *err)
{
	struct drv_task t;
	int rc;

	drv_task_init(&t);
	rc = e->drv->d_ops->bond_set(e->drv, host, mode, &t, err);
	if (rc != 0)
		return rc;
	if (!t.t_done)
		return driver_task_wait(e->drv, &t, TASK_NS, e->stop, err);
	return t.t_failed ? err_set(err, "%s", t.t_status) : 0;
}

static int
drill(const struct bonding_env *e, const struct bonding_params *p,
    const char *mode, struct metrics *m, char *err)
{
	char pfx[64], key[96], nic[16], other[16];
	struct event ev;
	int rc;

	if ((rc = set_mode(e, e->a->h_name, mode, err)) != 0)
		return rc == DRIVER_UNSUPPORTED ? rc :
		    err_prefix(err, "bond mode %s on %s", mode, e->a->h_name);
	/* LACP (fast) renegotiates and the switch learns again. */
	if (nap(e, 4 * NS_PER_S) < 0)
		return err_set(err, "interrupted");
	if (active_nic(e, e->a->h_name, nic, sizeof(nic), err) < 0)
		return -1;
	snprintf(other, sizeof(other), "eth%d", strcmp(nic, "eth0") == 0);
	snprintf(pfx, sizeof(pfx), "%s", mode);
	for (char *c = pfx; *c; c++)
		if (*c == '-')
			*c = '_';
	memset(&ev, 0, sizeof(ev));
	ev.ev_prefix = key;
	snprintf(key, sizeof(key), "%s_unplug", pfx);
	ev.ev_what = "nic-unplug";
	ev.ev_nic = nic;
	ev.ev_after = 2 * NS_PER_S;
	if (ping_event(e, p, &ev, m, err) < 0)
		goto fail;
	snprintf(key, sizeof(key), "%s_plug", pfx);
	ev.ev_what = "nic-plug";
	ev.ev_after = 3 * NS_PER_S;
	if (ping_event(e, p, &ev, m, err) < 0)
		goto fail;
	if (members_enabled(e, e->a->h_name, err) < 0)
		goto fail;
	snprintf(key, sizeof(key), "%s_unplug2", pfx);
	ev.ev_what = "nic-unplug";
	ev.ev_nic = other;
	ev.ev_after = 2 * NS_PER_S;
	if (ping_event(e, p, &ev, m, err) < 0)
		goto fail;
	if (inject(e, "nic-plug", e->a->h_name, other, err) < 0)
		return -1;
	return nap(e, 3 * NS_PER_S) < 0 ? err_set(err, "interrupted") : 0;
fail:
	{
		char e2[ERR_LEN];

		inject(e, "nic-plug", e->a->h_name, nic, e2);
		inject(e, "nic-plug", e->a->h_name, other, e2);
	}
	return -1;
}

/* ---- throughput ---- */

struct sink {
	const char *netns;
	int flows;
	long timeout_ms;
	int rc;
	char err[ERR_LEN];
};

static void *
sink_main(void *arg)
{
	struct sink *s = arg;
	struct probe_tput_sink ps = { NULL, SINK_PORT, s->flows,
	    s->timeout_ms, NULL };
	int back = -1;
	char e2[ERR_LEN];

	s->rc = -1;
	if (probe_ns_enter(s->netns, &back, s->err) < 0)
		return NULL;
	/* Ends by itself when the source never comes. */
	s->rc = probe_tput_serve(&ps, s->err);
	probe_ns_leave(back, e2);
	return NULL;
}

static int
tput(const struct bonding_env *e, const struct bonding_params *p, int flows,
    struct probe_tput_result *r, char *err)
{
	struct probe_tput_opts o;
	struct sink s;
	pthread_t th;
	int rc = -1, tries;

	if (e->remote) {
		struct bonding_rtput rt = { e->a, e->b, SINK_PORT, flows,
		    p->tput_ns };

		return bonding_remote_tput(e->env, &rt, r, err);
	}
	memset(&s, 0, sizeof(s));
	s.netns = e->b->h_netns;
	s.flows = flows;
	s.timeout_ms = (long)(p->tput_ns / NS_PER_MS) + 30000;
	if (pthread_create(&th, NULL, sink_main, &s) != 0)
		return err_set(err, "throughput: no sink thread");
	memset(&o, 0, sizeof(o));
	o.to = e->b->h_addr;
	o.port = SINK_PORT;
	o.flows = flows;
	o.duration_ns = p->tput_ns;
	o.netns = e->a->h_netns;
	for (tries = 0; tries < 20 && rc != 0 && !stopped(e); tries++) {
		if ((rc = probe_tput_run(&o, r, err)) != 0)
			clock_sleep_ns(100 * NS_PER_MS);
	}
	pthread_join(th, NULL);
	if (rc == 0 && s.rc != 0)
		rc = err_set(err, "throughput sink on %s: %s", e->b->h_name,
		    s.err);
	return rc == 0 ? 0 : err_prefix(err, "throughput %s -> %s",
	    e->a->h_name, e->b->h_name);
}

/* Cap (rate > 0) or uncap (0) host A's cables (its bond, through the
 * driver) and the lab switch's cables toward host B. */
static int
caps(const struct bonding_env *e, int rate_mbit, char *err)
{
	if (e->drv->d_ops->bond_cap == NULL)
		return err_set(err, "the platform's driver cannot cap a bond");
	if (e->drv->d_ops->bond_cap(e->drv, e->a->h_name, rate_mbit, err) < 0)
		return -1;
	/* a remote lab's switch has no command for it: its side stays */
	return e->remote ? 0 : lab_switch(e, e->b->h_name, "--rate",
	    rate_mbit, err);
}

/* The switch's bonds toward A and B move flows between their members
 * every ms. */
static int
rebalance(const struct bonding_env *e, int ms, char *err)
{
	if (e->remote)
		return 0;	/* the switch's own setting */
	if (lab_switch(e, e->a->h_name, "--rebalance", ms, err) < 0)
		return -1;
	return lab_switch(e, e->b->h_name, "--rebalance", ms, err);
}

static int
throughput(const struct bonding_env *e, const struct bonding_params *p,
    struct metrics *m, char *err)
{
	struct probe_tput_result r;
	char e2[ERR_LEN], line[160];
	double lo = 0, hi = 0, v;
	int rc = -1, i, unplugged = 0;

	if ((rc = set_mode(e, e->a->h_name, "balance-tcp", err)) != 0 ||
	    (rc = set_mode(e, e->b->h_name, "balance-tcp", err)) != 0)
		return rc == DRIVER_UNSUPPORTED ? rc : -1;
	rc = -1;
	if (rebalance(e, p->rebalance_ms, err) < 0 ||
	    caps(e, p->rate_mbit, err) < 0)
		goto out;
	if (nap(e, 4 * NS_PER_S) < 0)
		goto out;
	/* One link: the second cable of both hosts out. */
	if (inject(e, "nic-unplug", e->a->h_name, "eth1", err) < 0)
		goto out;
	unplugged |= 1;
	if (inject(e, "nic-unplug", e->b->h_name, "eth1", err) < 0)
		goto out;
	unplugged |= 2;
	if (nap(e, 2 * NS_PER_S) < 0 || tput(e, p, p->flows, &r, err) < 0)
		goto out;
	probe_tput_summary(&r, line, sizeof(line));
	log_info("bonding: 1 link: %s", line);
	metrics_set(m, "throughput_mbps_1link", r.mbps);
	if (inject(e, "nic-plug", e->a->h_name, "eth1", err) < 0 ||
	    inject(e, "nic-plug", e->b->h_name, "eth1", err) < 0)
		goto out;
	unplugged = 0;
	if (nap(e, 4 * NS_PER_S) < 0 || tput(e, p, 1, &r, err) < 0)
		goto out;
	probe_tput_summary(&r, line, sizeof(line));
	log_info("bonding: 2 links, 1 flow: %s", line);
	metrics_set(m, "throughput_mbps_2links_1flow", r.mbps);
	if (tput(e, p, p->flows, &r, err) < 0)
		goto out;
	probe_tput_summary(&r, line, sizeof(line));
	log_info("bonding: 2 links, %d flows: %s", p->flows, line);
	metrics_set(m, "throughput_mbps_2links_nflows", r.mbps);
	/* What bonding buys: N flows on two cables against one cable, both
	 * measured at the sink. */
	if (metrics_get(m, "throughput_mbps_1link", &v) == 0 && v > 0)
		metrics_set(m, "throughput_aggregation", r.mbps / v);
	for (i = 0; i < r.nflows; i++) {
		v = probe_tput_flow_mbps(&r.flows[i]);
		if (i == 0 || v < lo)
			lo = v;
		if (i == 0 || v > hi)
			hi = v;
	}
	metrics_set(m, "throughput_flow_mbps_min", lo);
	metrics_set(m, "throughput_flow_mbps_max", hi);
	metrics_set(m, "throughput_flows", r.nflows);
	rc = 0;
out:
	if (unplugged & 1)
		inject(e, "nic-plug", e->a->h_name, "eth1", e2);
	if (unplugged & 2)
		inject(e, "nic-plug", e->b->h_name, "eth1", e2);
	if (caps(e, 0, e2) < 0 && rc == 0)
		rc = err_set(err, "removing the caps: %s", e2);
	return rc;
}

/*
 * Run it; metrics go to m: MODE_unplug_downtime_ms / _lost (the active
 * member), MODE_plug_downtime_ms / _lost, MODE_unplug2_downtime_ms / _lost
 * (the other member), with MODE in active_backup, balance_slb,
 * balance_tcp, measured on the VM (on host A when vm_addr is NULL), and
 * the same with _host_ (MODE_unplug_host_downtime_ms, ...) measured on
 * host A.  A downtime is the gap between replies across the injection
 * (ping_stats_gap_across); MODE_EVENT_run_gap_ms (and _host_run_gap_ms) is
 * the longest gap anywhere in that ping run, stalls of the loaded machine
 * included.  Before the other member is unplugged, the drill waits until
 * LACP has enabled the plugged-back one (the driver's bond_members).
 * Throughput: throughput_mbps_1link, throughput_mbps_2links_1flow,
 * throughput_mbps_2links_nflows, throughput_flow_mbps_min/max (of the
 * n-flow run); the cap (rate_mbit) is a parameter, not a result.  Returns 0, -1 with err, or
 * DRIVER_UNSUPPORTED (bond_set missing).  The caps and unplugged cables
 * are undone before it returns.
 */
static int
bonding_run(const struct bonding_env *e, const struct bonding_params *pp,
    struct metrics *m, char *err)
{
	struct bonding_params p = *pp;
	size_t i;
	int rc;

	if (e->drv->d_ops->bond_set == NULL) {
		err_set(err, "the platform's driver cannot set a bond mode");
		return DRIVER_UNSUPPORTED;
	}
	if (p.flows <= 0)
		p.flows = 4;
	if (p.rate_mbit <= 0)
		p.rate_mbit = 8;
	if (p.tput_ns == 0)
		p.tput_ns = 4 * NS_PER_S;
	if (p.interval_ns == 0)
		p.interval_ns = 2 * NS_PER_MS;
	if (p.rebalance_ms <= 0)
		p.rebalance_ms = 1000;
	if (!e->remote && (e->a->h_netns[0] == '\0' ||
	    e->b->h_netns[0] == '\0'))
		return err_set(err, "bonding needs lab hosts with namespaces");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if ((rc = drill(e, &p, modes[i], m, err)) != 0)
			return rc;
	if (!p.throughput)
		return 0;
	if (e->remote) {
		log_info("bonding: remote lab: %s's cables capped on the host "
		    "(the platform's tc), the switch's toward %s left as it "
		    "is; the probe runs on the hosts over SSH", e->a->h_name,
		    e->b->h_name);
		if (bonding_remote_install(e->env, e->self, e->a->h_name,
		    err) < 0 || bonding_remote_install(e->env, e->self,
		    e->b->h_name, err) < 0)
			return -1;
	}
	rc = throughput(e, &p, m, err);
	if (e->remote) {
		bonding_remote_uninstall(e->env, e->a->h_name);
		bonding_remote_uninstall(e->env, e->b->h_name);
	}
	return rc;
}

/* ---- the row: the runner's side ---- */

/*
 * The unplug drill per bond mode on the first host, pinging a VM started
 * there through the driver (param vm: 0 = the host only), throughput from
 * the first host to the second.
 */
int
builtin_bonding(struct sctx *s, char *err)
{
	struct bonding_env e;
	struct bonding_params p;
	char vm[GUEST_ADDR_MAX], e2[ERR_LEN];
	uint64_t end;
	long iv;
	int rc, up = 0;

	if (s->rc->env.e_nhosts < 2)
		return err_set(err, "bonding needs two lab hosts");
	memset(&e, 0, sizeof(e));
	e.drv = s->rc->drv;
	e.env = &s->rc->env;
	e.self = s->rc->o->ro_self;
	e.a = &s->rc->hosts[0];
	e.b = &s->rc->hosts[1];
	e.stop = (volatile int *)&runner_stop;
	e.remote = s->rc->topo != NULL &&
	    strcmp(s->rc->topo->t_provider, "remote") == 0;
	memset(&p, 0, sizeof(p));
	p.flows = (int)param_long(s->sc, "flows", 4);
	p.rate_mbit = (int)param_long(s->sc, "rate_mbit", 8);
	p.tput_ns = (uint64_t)param_long(s->sc, "tput_s", 4) * NS_PER_S;
	p.rebalance_ms = (int)param_long(s->sc, "rebalance_ms", 1000);
	p.throughput = (int)param_long(s->sc, "throughput", 1);
	iv = param_long(s->sc, "interval_us", 2000);
	if (iv < 500 || iv > 100000)
		return err_set(err, "scenario %s: params.interval_us is %ld, "
		    "must be 500..100000 (the station's ping interval)",
		    s->sc->sc_name, iv);
	p.interval_ns = (uint64_t)iv * NS_PER_US;
	if (param_long(s->sc, "vm", 1) != 0) {
		/* On the station's VLAN: the station pings it directly. */
		progress(s->rc, "run %zu: bonding: VM bond-vm on %s", s->runno,
		    e.a->h_name);
		if (net_guest(s, "bond-vm", e.a->h_name, -1, vm, err) == -1) {
			rc = -1;
			goto out;
		}
		end = clock_mono_ns() + 120 * NS_PER_S;
		while (!up && !runner_stop && clock_mono_ns() < end)
			up = ping_once(s, vm, e2) == 1;
		if (!up) {
			rc = err_set(err, "VM bond-vm (%s) on %s did not answer "
			    "the station within 120 s", vm, e.a->h_name);
			goto out;
		}
		e.vm_addr = vm;
	}
	progress(s->rc, "run %zu: bonding", s->runno);
	rc = bonding_run(&e, &p, &s->run->r_metrics, err);
out:
	vms_teardown(s->rc);
	return rc;
}
