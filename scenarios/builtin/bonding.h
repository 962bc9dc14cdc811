/*
 * bonding.h - the `bonding` built-in scenario (the study's "Network
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
	const char *vm_addr;		/* a running VM on A (NULL: none) */
	volatile int *stop;		/* non-zero: end early */
};

struct bonding_params {
	int flows;			/* several flows (default 4) */
	int rate_mbit;			/* cap per cable (default 8) */
	uint64_t tput_ns;		/* one throughput run (default 4 s) */
	uint64_t interval_ns;		/* ping interval (default 2 ms) */
	int rebalance_ms;		/* switch bonds' rebalancing (1000) */
	int throughput;			/* 0: unplug drill only */
};

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
int bonding_run(const struct bonding_env *e, const struct bonding_params *p,
    struct metrics *m, char *err);

#endif
