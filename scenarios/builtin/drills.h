/*
 * drills.h - the `drill` built-in scenario: failure drills beyond the HA
 * power pull, each on an HA VM with its disk on the shared pool, the
 * ping and write-integrity probes and the copy sampler of the `ha`
 * scenario (ha_priv.h), each bounded by 0 lost acknowledged writes, at
 * most 1 running copy and 0 spurious fences (docs/scenarios.md
 * "Failure drills"):
 *
 *   migrate-pull-source   a live migration in flight, its source pulled
 *   migrate-pull-target   the same, its target pulled
 *   storage-down          the SAN unreachable for down_s, then back
 *   daemon-kill           the platform's daemon on the migration's
 *                         source killed mid-way and started again
 *   leader-partition      the cluster store leader's host partitioned
 *                         for down_s, the VM on another host
 *   manager-recovery      the HA manager's host pulled while another HA
 *                         VM (its QEMU killed) is being recovered
 *   clock-step            the VM's host's wall clock stepped step_s ahead,
 *                         then step_s behind, then back on time, each
 *                         held watch_s: nothing may happen to the VM
 *
 * A spurious fence is a fence a node logged that the fault did not ask
 * for: on any host but the one the fault hit (a healthy VM killed is an
 * outage the platform caused itself); a clock step asks for none, so
 * there every fence is spurious.
 */
#ifndef HV_SCENARIO_DRILLS_H
#define HV_SCENARIO_DRILLS_H

#include <stddef.h>
#include <stdint.h>

#include "scenarios/builtin/ha.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/suite.h"

enum drill_kind {
	DRILL_MIGRATE_PULL_SOURCE,
	DRILL_MIGRATE_PULL_TARGET,
	DRILL_STORAGE_DOWN,
	DRILL_DAEMON_KILL,
	DRILL_LEADER_PARTITION,
	DRILL_MANAGER_RECOVERY,
	DRILL_CLOCK_STEP,
};

struct drill_params {
	enum drill_kind dp_kind;	/* drill: (required) */
	uint64_t dp_down_ns;		/* down_s: storage down, partition
					 * held (10) */
	uint64_t dp_bandwidth;		/* migrate_kib_s: the migration's cap
					 * in KiB/s, so a fault hits it in
					 * flight (2048) */
	long dp_step_s;			/* step_s: the clock step (30) */
	struct ha_params dp_ha;		/* every other key: the ha drill's */
};

/*
 * The scenario's params into dp: drill, down_s, migrate_kib_s and step_s
 * here, the others through ha_params_parse.  0, or -1 with err naming the key
 * and what it accepts.  Pure.
 */
int drill_params_parse(const struct step_param *p, size_t n,
    struct drill_params *dp, char *err);

/* The drill's name in scenarios.yaml ("storage-down"). */
const char *drill_kind_name(enum drill_kind k);

/*
 * The fences host logged at or after since (wall ns): into *spurious
 * when host is not the one the fault hit (fhost, "" = none), else into
 * *victim.  Pure.
 */
void drill_count_fences(const char *host, const char *fhost,
    const struct drv_fence *f, size_t n, uint64_t since, int *spurious,
    int *victim);

#endif
