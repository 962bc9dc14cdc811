/*
 * network.c - the `network` built-in (the study's "Network management"
 * row): VLAN isolation across hosts, checked inside the guests at layer 2
 * (the agent's `arp`), and safe apply through the platform.
 *
 *   A (host1) and B (host2) on the station's VLAN must reach each other;
 *   C (host3) on the SAN's VLAN must reach neither, nor they it, while it
 *   reaches the SAN (so its "no" is isolation, not a dead guest).
 *   Good change: C's port moved to A's VLAN through the platform: kept,
 *   and A now reaches C.  Bad change: host2's management port (the name
 *   the driver gives) moved to an empty VLAN: the platform must undo it
 *   by itself, and host2 answers the station again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lab/topo.h"
#include "scenarios/builtin/builtin.h"

/* One run of the row: the plan, then what was seen. */
struct net {
	const char *ha, *hb, *hc;	/* hosts of guests A, B, C */
	const char *hbad;		/* host of the bad change */
	const char *mgmt;		/* its management port */
	int vl_a, vl_c, vl_bad, mgmt_vlan;
	char a[GUEST_ADDR_MAX], b[GUEST_ADDR_MAX], c[GUEST_ADDR_MAX];
	char san[GUEST_ADDR_MAX], hostaddr[GUEST_ADDR_MAX];
	char port[DRV_NAME_MAX];	/* C's port on its host */
	struct drv_port *before;	/* C's host's ports before C */
	size_t nb;
	int peers, viol, alive, kept, rolled, restored;
	double good_s, back_s;
};

/* The VLANs and hosts of the run, from the lab. */
static int
net_plan(struct sctx *s, struct net *n, char *err)
{
	struct rctx *rc = s->rc;
	const struct topo *tp = rc->topo;
	const struct topo_host *th;
	size_t i;

	if (tp == NULL || rc->env.e_nhosts < 2)
		return err_set(err, "network: needs a lab with 2 hosts or more");
	if (!tp->t_san.s_present || tp->t_san.s_vlan == tp->t_station.st_vlan)
		return err_set(err, "network: the isolated guest is asked from "
		    "the SAN's VLAN: the lab needs a SAN on a VLAN other than "
		    "the station's");
	if ((n->mgmt = rc->drv->d_ops->mgmt_port) == NULL)
		return err_set(err, "network: the %s driver names no "
		    "management port to cut", rc->drv->d_ops->name),
		    DRIVER_UNSUPPORTED;
	n->vl_a = tp->t_station.st_vlan;
	n->vl_c = tp->t_san.s_vlan;
	for (i = 0; i < (size_t)tp->t_nvlans; i++)
		if (tp->t_vlans[i].v_id != n->vl_a &&
		    tp->t_vlans[i].v_id != n->vl_c)
			n->vl_bad = tp->t_vlans[i].v_id;
	if (n->vl_bad == 0)
		n->vl_bad = 4000;	/* a VLAN nobody uses */
	n->ha = rc->hosts[0].h_name;
	n->hb = rc->hosts[1].h_name;
	n->hc = rc->hosts[2 % rc->env.e_nhosts].h_name;
	n->hbad = n->hb;
	topo_addr_str(tp->t_san.s_addr, n->san, sizeof(n->san));
	if ((th = topo_host_find(tp, n->hbad)) == NULL)
		return err_set(err, "network: no host %s in the lab", n->hbad);
	n->mgmt_vlan = th->h_mgmt_vlan;
	topo_addr_str(th->h_mgmt_addr, n->hostaddr, sizeof(n->hostaddr));
	return 0;
}

/* Guests A, B, C made and booted: A and B answer the station, C the
 * SAN (its VLAN). */
static int
net_guests_up(struct sctx *s, struct net *n, char *err)
{
	struct rctx *rc = s->rc;
	struct agent_ask q = { "san", n->c, "echo up", 120, "" };
	char e[ERR_LEN];
	uint64_t end;
	int up;

	progress(rc, "run %zu: guests on VLAN %d (%s, %s) and %d (%s)",
	    s->runno, n->vl_a, n->ha, n->hb, n->vl_c, n->hc);
	if (rc->drv->d_ops->net_ports(rc->drv, n->hc, &n->before, &n->nb,
	    err) == -1 ||
	    net_guest(s, "net-a", n->ha, n->vl_a, n->a, err) == -1 ||
	    net_guest(s, "net-b", n->hb, n->vl_a, n->b, err) == -1 ||
	    net_guest(s, "net-c", n->hc, n->vl_c, n->c, err) == -1)
		return -1;
	end = clock_mono_ns() + 120 * NS_PER_S;
	for (up = 0; up < 2 && !runner_stop; ) {
		if (ping_once(s, up == 0 ? n->a : n->b, e) == 1)
			up++;
		else if (clock_mono_ns() > end)
			return err_set(err, "guest %s on %s did not answer the "
			    "station within 120 s", up == 0 ? n->a : n->b,
			    up == 0 ? n->ha : n->hb);
	}
	if (agent_ask(rc, &q, err) == -1)
		return err_prefix(err, "guest %s on VLAN %d", n->c, n->vl_c);
	return 0;
}

/* "arp ADDR" asked inside the guest at node/addr: 1 yes, 0 no, -1. */
static int
guest_reaches(struct rctx *rc, const char *node, const char *addr,
    const char *target, char *err)
{
	struct agent_ask q = { node, addr, NULL, 10, "" };
	char req[64];

	snprintf(req, sizeof(req), "arp %s 1500", target);
	q.aa_req = req;
	if (agent_ask(rc, &q, err) == -1)
		return -1;
	if (strncmp(q.aa_reply, "yes", 3) == 0)
		return 1;
	if (strcmp(q.aa_reply, "no") == 0)
		return 0;
	return err_set(err, "agent of %s: '%s' to '%s'", addr, q.aa_reply,
	    req);
}

/* Who reaches whom (arp inside the guests). */
static int
net_reach(struct sctx *s, struct net *n, char *err)
{
	static const int want[] = { 1, 0, 1, 0, 0, 0 };
	const char *node[] = { "station", "station", "station", "station",
	    "san", "san" };
	const char *from[] = { n->a, n->a, n->b, n->b, n->c, n->c };
	const char *to[] = { n->b, n->c, n->a, n->c, n->a, n->b };
	size_t i;
	int r;

	progress(s->rc, "run %zu: who reaches whom (arp inside the guests)",
	    s->runno);
	for (i = 0; i < 6; i++) {
		if ((r = guest_reaches(s->rc, node[i], from[i], to[i],
		    err)) == -1)
			return -1;
		if (want[i])
			n->peers += r;
		else
			n->viol += r;
	}
	if ((n->alive = guest_reaches(s->rc, "san", n->c, n->san, err)) == -1)
		return -1;
	metrics_set(&s->run->r_metrics, "vlan_peers_reached", n->peers);
	metrics_set(&s->run->r_metrics, "isolation_violations", n->viol);
	metrics_set(&s->run->r_metrics, "isolated_guest_alive", n->alive);
	return 0;
}

/* The port C's NIC got on its host: the one that appeared. */
static int
net_new_port(struct sctx *s, struct net *n, char *err)
{
	struct drv_port *after = NULL;
	size_t na = 0, i, k;

	if (s->rc->drv->d_ops->net_ports(s->rc->drv, n->hc, &after, &na,
	    err) == -1)
		return -1;
	for (i = 0; i < na; i++) {
		for (k = 0; k < n->nb; k++)
			if (strcmp(after[i].p_name, n->before[k].p_name) == 0)
				break;
		if (k == n->nb && after[i].p_vlan == n->vl_c)
			snprintf(n->port, sizeof(n->port), "%s",
			    after[i].p_name);
	}
	free(after);
	if (n->port[0] == '\0')
		return err_set(err, "network: no new port on %s's switch with "
		    "VLAN %d after guest net-c started", n->hc, n->vl_c);
	return 0;
}

/* The access VLAN of port on host (-1 when there is no such port, -2
 * with err when the platform did not say). */
static int
port_vlan(struct rctx *rc, const char *host, const char *port, char *err)
{
	struct drv_port *pt = NULL;
	size_t n = 0, i;
	int v = -1;

	if (rc->drv->d_ops->net_ports(rc->drv, host, &pt, &n, err) == -1)
		return -2;
	for (i = 0; i < n; i++)
		if (strcmp(pt[i].p_name, port) == 0)
			v = pt[i].p_vlan;
	free(pt);
	return v;
}

/* Good change: kept, and it works. */
static int
net_good_change(struct sctx *s, struct net *n, char *err)
{
	struct rctx *rc = s->rc;
	struct drv_task t;
	uint64_t t0;
	int r;

	progress(rc, "run %zu: good change: %s port %s to VLAN %d", s->runno,
	    n->hc, n->port, n->vl_a);
	t0 = clock_mono_ns();
	drv_task_init(&t);
	if (drv_finish(rc, rc->drv->d_ops->net_port_vlan(rc->drv, n->hc,
	    n->port, n->vl_a, &t, err), &t, TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "good change (%s %s to VLAN %d)", n->hc,
		    n->port, n->vl_a);
	n->good_s = (double)(clock_mono_ns() - t0) / 1e9;
	if ((r = port_vlan(rc, n->hc, n->port, err)) < -1)
		return -1;
	if (r == n->vl_a && (r = guest_reaches(rc, "station", n->a, n->c,
	    err)) == -1)
		return -1;
	n->kept = r == 1;
	metrics_set(&s->run->r_metrics, "good_change_kept", n->kept);
	metrics_set(&s->run->r_metrics, "good_change_s", n->good_s);
	return 0;
}

/*
 * Back on the network, the host still has to renew its liveness in the
 * platform (hvd: its etcd lease lapsed while it was cut off; the API
 * answers 409 "offline" until then): its management port's VLAN is asked
 * for 30 s.
 */
static int
net_restored(struct sctx *s, struct net *n, char *err)
{
	char e[ERR_LEN];
	uint64_t end = clock_mono_ns() + 30 * NS_PER_S;
	int r = -2;

	while (!n->restored && clock_mono_ns() < end && !runner_stop)
		n->restored = ping_once(s, n->hostaddr, e) == 1;
	end = clock_mono_ns() + 30 * NS_PER_S;
	while (n->restored && (r = port_vlan(s->rc, n->hbad, n->mgmt, e)) < -1
	    && clock_mono_ns() < end && !runner_stop)
		clock_sleep_ns(500 * NS_PER_MS);
	if (n->restored && r < -1)
		return err_set(err, "%s", e);
	n->restored = n->restored && r == n->mgmt_vlan;
	return 0;
}

/* Bad change: cuts the host's management path; must come back alone. */
static int
net_bad_change(struct sctx *s, struct net *n, char *err)
{
	struct rctx *rc = s->rc;
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_task t;
	char e[ERR_LEN];
	uint64_t t0;
	int r;

	progress(rc, "run %zu: bad change: %s port %s to VLAN %d", s->runno,
	    n->hbad, n->mgmt, n->vl_bad);
	t0 = clock_mono_ns();
	drv_task_init(&t);
	r = drv_finish(rc, ops->net_port_vlan(rc->drv, n->hbad, n->mgmt,
	    n->vl_bad, &t, e), &t, TASK_TIMEOUT_NS, e);
	n->back_s = (double)(clock_mono_ns() - t0) / 1e9;
	n->rolled = r != 0 && t.t_rolled_back;
	if (r == DRIVER_UNSUPPORTED)
		return err_set(err, "%s", e), r;
	/* Kept although it cut the host off: put it back by hand at the
	 * host's console, as an administrator would have to. */
	if (r == 0 && (ops->net_port_vlan_console == NULL ||
	    ops->net_port_vlan_console(rc->drv, n->hbad, n->mgmt,
	    n->mgmt_vlan, e) == -1))
		log_warnx("network: restoring %s's %s port: %s", n->hbad,
		    n->mgmt, ops->net_port_vlan_console ? e : "the driver "
		    "has no console repair");
	else if (r != 0 && !n->rolled)
		return err_set(err, "bad change on %s: %s", n->hbad, e);
	if (net_restored(s, n, err) == -1)
		return -1;
	metrics_set(&s->run->r_metrics, "bad_change_rolled_back", n->rolled);
	if (n->rolled)
		metrics_set(&s->run->r_metrics, "rollback_s", n->back_s);
	metrics_set(&s->run->r_metrics, "mgmt_restored", n->restored);
	return 0;
}

static void
net_summary(struct sctx *s, const struct net *n)
{
	char text[1024];

	snprintf(text, sizeof(text), "VLAN %d across %s and %s: %d of 2 "
	    "reached; VLAN %d guest: %d of 4 crossings (0 = isolated), "
	    "reaches the SAN: %s; good change kept: %s (%.1f s); bad change "
	    "(%s %s to VLAN %d) %s", n->vl_a, n->ha, n->hb, n->peers, n->vl_c,
	    n->viol, n->alive ? "yes" : "no", n->kept ? "yes" : "no",
	    n->good_s, n->hbad, n->mgmt, n->vl_bad, n->rolled ?
	    "rolled back by itself" : "NOT rolled back");
	if (n->rolled)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " in %.1f s", n->back_s);
	results_set_str(&s->run->r_reason, "%s", text);
}

int
builtin_network(struct sctx *s, char *err)
{
	struct net n;
	int r;

	memset(&n, 0, sizeof(n));
	n.good_s = n.back_s = -1;
	if ((r = net_plan(s, &n, err)) != 0)
		return r;
	if ((r = net_guests_up(s, &n, err)) == 0 &&
	    (r = net_reach(s, &n, err)) == 0 &&
	    (r = net_new_port(s, &n, err)) == 0 &&
	    (r = net_good_change(s, &n, err)) == 0 &&
	    (r = net_bad_change(s, &n, err)) == 0)
		net_summary(s, &n);
	free(n.before);
	vms_teardown(s->rc);
	return r;
}
