/*
 * load_balancing.h - the `load_balancing` built-in (the study's "Load
 * balancing" row) and its pure parts (load_balancing_calc.c), which the
 * unit tests link.
 *
 * The row (load_balancing.c, docs/scenarios.md "load-balancing"): three
 * VMs boot on the first host, each under HA where the platform has it,
 * the station pings each one, and each guest burns CPU.  Once the row
 * sees the first host overloaded, it turns the platform's balancer on
 * (driver balance_set, dynamic mode) and looks once a second at where
 * each VM runs (vm_info) and the CPU it uses (vm_cpu, in cores).  A
 * host's load is the cores of its VMs over its CPUs (node_info n_cpus):
 * the same yardstick on every platform, never the platform's own figure.
 * The looks give the figures: balanced_s, moves, max_gap_ms and
 * pingpong_moves (below), and the per-host load over time as a series
 * for the report's plot.
 */
#ifndef HV_SCENARIO_LOAD_BALANCING_H
#define HV_SCENARIO_LOAD_BALANCING_H

#include <stddef.h>
#include <stdint.h>

#include "probes/ping_stats.h"

#define LB_HOSTS_MAX 16
#define LB_VMS_MAX 8

/* One look of the row at its VMs. */
struct lb_look {
	uint64_t lk_wall_ns;		/* when it was taken */
	int lk_host[LB_VMS_MAX];	/* the VM's host (index), -1 unknown */
	double lk_cores[LB_VMS_MAX];	/* its CPU in cores, < 0 unknown */
	int lk_migrating;		/* a VM was migrating */
};

/*
 * Each host's load in lk: the cores of its VMs (of nvms) over its CPUs
 * cpus[h], into loads[0..nhosts).  A VM of unknown host or cores counts
 * on no host; a host of no CPU (cpus[h] < 1) counts as one.  Pure.
 */
void lb_loads(const struct lb_look *lk, size_t nvms, const int *cpus,
    size_t nhosts, double *loads);

/*
 * Whether no host's load exceeds the mean of all nhosts by more than
 * threshold: 1 balanced, 0 not.  *worst gets the host that exceeds the
 * mean most and *excess by how much (<= 0 when none exceeds it).  Pure.
 */
int lb_balanced(const double *loads, size_t nhosts, double threshold,
    size_t *worst, double *excess);

/*
 * The balanced stretch: looks in a row where the loads are balanced, no
 * VM migrates and no VM's host changed since the look before.  The row's
 * balance is the first look of the first such stretch that lasts
 * settle_ns: a stretch a move breaks was the balancer still at work.
 */
struct lb_settle {
	uint64_t st_since_ns;		/* the current stretch's first look,
					 * 0 none */
	uint64_t st_balanced_ns;	/* that look once the stretch lasted
					 * settle_ns, 0 not yet */
};

/* Feed look lk (prev: the look before it, NULL for the first) with its
 * loads' verdict balanced.  1 once balanced (st_balanced_ns), else 0.
 * Pure. */
int lb_settle_look(struct lb_settle *st, const struct lb_look *prev,
    const struct lb_look *lk, size_t nvms, int balanced, uint64_t settle_ns);

/* A VM's move as the looks saw it. */
struct lb_move {
	size_t mv_vm;
	int mv_from, mv_to;		/* host indexes */
	uint64_t mv_lo_ns;		/* the last look that saw it on from */
	uint64_t mv_hi_ns;		/* the first look that saw it on to */
	int mv_back;			/* to is a host it left before */
};

/*
 * The moves in lk[0..n) of nvms VMs: each change of a VM's host between
 * two looks that knew it (a look of unknown host is skipped: the move's
 * window spans it), in the order seen.  The first max go into mv; the
 * number of moves is returned.  Pure.
 */
size_t lb_moves(const struct lb_look *lk, size_t n, size_t nvms,
    struct lb_move *mv, size_t max);

/*
 * Ping-pong among mv[0..n): moves seen after after_ns (the balance;
 * mv_hi_ns later than it), and moves back to a host the VM left, each
 * move counted once.  Pure.
 */
size_t lb_pingpong(const struct lb_move *mv, size_t n, uint64_t after_ns);

/* A VM's ping timeline and its figures (probes/ping.h's result). */
struct lb_ping {
	const struct ping_timeline *lp_tl;
	const struct ping_stats *lp_st;
};

/*
 * The longest ping gap any VM saw within its moves' windows: for each
 * move, the longest gap between replies of pings[mv_vm] that overlaps
 * [mv_lo_ns, mv_hi_ns] (ping_stats_gap_across), the largest of them in
 * ms into *gap_ms (0 with no move).  0, or -1 with err.
 */
int lb_max_gap_ms(const struct lb_move *mv, size_t n,
    const struct lb_ping *pings, size_t npings, double *gap_ms, char *err);

#endif
