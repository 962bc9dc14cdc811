/*
 * ha.h - high availability in hvd: HA resources and groups in etcd, the
 * node's HA lease that feeds the fencing watchdog (bin/hvd-watchdog,
 * platform/fence.c), and the HA manager (one leader per cluster) that
 * restarts the HA VMs of a node whose lease expired on the best surviving
 * nodes, once that node must have fenced itself.  docs/ha.md has the
 * timings and the safety argument.
 *
 * etcd keys (named in platform/keys.h):
 *   /hvd/ha/settings        {"lease_ttl_s","renew_ms","fence_s","margin_s",
 *                            "fencing"}
 *   /hvd/ha/alive/NODE      attached to NODE's HA lease
 *   /hvd/ha/manager         {"node","since"} attached to the leader's lease
 *   /hvd/ha/resources/VM    {"group","max_restart","max_relocate","state"}
 *   /hvd/ha/groups/G        {"nodes": {"NODE": PRIORITY, ...}}
 *   /hvd/ha/status/VM       {"state","node","task","restarts",
 *                            "relocations","log":[{"t","ev",...}]}
 * A recovery is claimed by a compare-and-swap of the status record (its
 * mod revision), and the VM record is moved with a compare-and-swap too:
 * two managers (an old leader that has not noticed yet and a new one)
 * never both restart one VM.
 */
#ifndef HVD_HA_H
#define HVD_HA_H

#include "platform/api.h"
#include "platform/config.h"

struct ha;
struct cluster;
struct vmops;

/* How the manager makes sure a lost node runs no copy before it
 * recovers its VMs (docs/ha.md "Fencing modes"). */
enum ha_fencing {
	HA_FENCE_WATCHDOG,	/* the node's watchdog: wait margin_s */
	HA_FENCE_BMC,		/* power the node off through its BMC */
	HA_FENCE_BOTH,		/* the BMC, else the watchdog's wait */
};

/* Timings; defaults in ha.c (HA_DEF_*), overridable in /hvd/ha/settings. */
struct ha_settings {
	int	lease_ttl_s;	/* the node's HA lease */
	int	renew_ms;	/* renewal period */
	double	fence_s;	/* watchdog deadline after a renewal was sent */
	double	margin_s;	/* manager: wait after seeing the lease gone */
	enum ha_fencing fencing;	/* "fencing": watchdog|bmc|both */
};

/* Start the HA thread (lease, watchdog feed, manager) and make sure the
 * node's watchdog runs.  NULL + err on failure. */
struct ha *ha_new(const struct hvd_config *cf, struct cluster *cl,
    struct vmops *v, char *err);
/* Stop the thread.  The HA lease is NOT revoked: it expires, the watchdog
 * fences this node's HA VMs at its deadline, and only then may another
 * node restart them (docs/ha.md). */
void ha_free(struct ha *h);

/* Give the manager the balancer whose round it runs (NULL: none);
 * returns once a round in progress has ended. */
struct balancer;
void ha_set_balancer(struct ha *h, struct balancer *b);

void ha_settings_default(struct ha_settings *s);
/* "watchdog", "bmc" or "both". */
const char *ha_fencing_name(enum ha_fencing f);
/* Parse and check settings JSON over s (unknown keys, ranges, and the
 * safety rule fence_s + 1 < lease_ttl_s; "fencing" one of its names).
 * 0 or -1 + err. */
int ha_settings_from_json(const cJSON *o, struct ha_settings *s, char *err);
/* Check a resource body {"group","max_restart","max_relocate","state"};
 * fills field on error.  0 or -1. */
int ha_resource_check(const cJSON *o, char *field, char *err);
/* Check a group body {"name", "nodes": {NODE: PRIORITY 0..1000},
 * "restricted"}; fills field (64 bytes) on error.  0 or -1. */
int ha_group_check(const cJSON *o, char *field, char *err);
/* Choose a target: among alive (NULL-terminated names), the highest
 * priority in group (NULL = every node equal), then the fewest running
 * VMs (load[i] for alive[i]), then the name; never exclude.  Writes the
 * name to out and returns 1, or 0 when none fits. */
int ha_pick_node(const char *const alive[], const int load[],
    const cJSON *group, const char *exclude, char *out, size_t len);

/* How long a lease keepalive sent at now_ns may wait for etcd's answer:
 * as long as the answer still feeds the watchdog in time (its deadline is
 * fed_ns + fence_s; 250 ms kept for the feed), and never less than
 * 2 x renew_ms nor 1 s.  fed_ns 0 (not fed yet): that floor. */
long ha_keepalive_timeout_ms(uint64_t fed_ns, double fence_s, int renew_ms,
    uint64_t now_ns);

extern const struct api_route api_ha_routes[];

#endif
