/*
 * bonding.h - the `bonding` built-in scenario (the study's "Network
 * Bonding" row): NIC-unplug downtime per bond mode, and TCP throughput
 * over one and two capped links.
 *
 * Per mode (active-backup, balance-slb, balance-tcp; LACP on, as the lab's
 * switch runs it) the platform sets host A's bond through its driver
 * (bond_set); the station pings host A every 10 ms while A's active member
 * is unplugged, plugged back, and the other member unplugged (and plugged
 * back); each event gets its own ping run.  The pinged address is host A's
 * management address on the bond, not a VM's: a VM's traffic crosses the
 * same bond, and TCG guests on a loaded 2-core machine add their own
 * jitter to a 10 ms ping.
 *
 * Throughput: A and B in balance-tcp, each of A's cables and each switch
 * cable toward B capped (OVS QoS linux-htb, rate_mbit), flows from A to B
 * with the probes/throughput.h probe (source in A's namespace, sink in
 * B's): one link (the second cable of A and B unplugged), two links and
 * one flow, two links and `flows` flows.
 */
#ifndef HV_SCENARIO_BONDING_H
#define HV_SCENARIO_BONDING_H

#include <stdint.h>

#include "reports/results.h"
#include "scenarios/drivers/driver.h"

struct bonding_env {
	struct driver *drv;
	const struct drv_env *env;	/* e_lab, e_station_netns, e_exec */
	const char *self;		/* the hvlab binary (inject, lab status) */
	const struct drv_host *a;	/* pinged, unplugged, throughput source */
	const struct drv_host *b;	/* throughput sink */
	volatile int *stop;		/* non-zero: end early */
};

struct bonding_params {
	int flows;			/* several flows (default 4) */
	int rate_mbit;			/* cap per cable (default 8) */
	uint64_t tput_ns;		/* one throughput run (default 4 s) */
	uint64_t interval_ns;		/* ping interval (default 10 ms) */
	int rebalance_ms;		/* switch bonds' rebalancing (1000) */
	int throughput;			/* 0: unplug drill only */
};

/*
 * Run it; metrics go to m: MODE_unplug_downtime_ms / _lost (the active
 * member), MODE_plug_downtime_ms / _lost, MODE_unplug2_downtime_ms / _lost
 * (the other member), with MODE in active_backup, balance_slb,
 * balance_tcp; throughput_mbps_1link, throughput_mbps_2links_1flow,
 * throughput_mbps_2links_nflows, throughput_flow_mbps_min/max (of the
 * n-flow run), throughput_cap_mbps.  Returns 0, -1 with err, or
 * DRIVER_UNSUPPORTED (bond_set missing).  The caps and unplugged cables
 * are undone before it returns.
 */
int bonding_run(const struct bonding_env *e, const struct bonding_params *p,
    struct metrics *m, char *err);

#endif
