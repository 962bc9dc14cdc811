/*
 * bonding_remote.h - the bonding row's throughput half on a remote lab
 * (bonding_remote.c): real servers have no namespace of this machine to
 * run the probe in, so `hvlab probe throughput` runs on the hosts
 * themselves, through the lab's exec (SSH).
 */
#ifndef HV_SCENARIO_BONDING_REMOTE_H
#define HV_SCENARIO_BONDING_REMOTE_H

#include <stdint.h>

#include "probes/throughput.h"
#include "scenarios/drivers/driver.h"

/* Where the probe's binary goes on a host (a directory its disk keeps). */
#define BONDING_REMOTE_DIR "/var/lib/hvlab-probe"

/* Copy self (this hvlab) to BONDING_REMOTE_DIR on host; 0 or -1 with err. */
int bonding_remote_install(const struct drv_env *env, const char *self,
    const char *host, char *err);

/* Remove it again (errors logged, not returned). */
void bonding_remote_uninstall(const struct drv_env *env, const char *host);

/* What one throughput run asks. */
struct bonding_rtput {
	const struct drv_host *rt_src;	/* the source runs here */
	const struct drv_host *rt_dst;	/* the sink here, at its h_addr */
	int rt_port;
	int rt_flows;
	uint64_t rt_ns;			/* the source's duration */
};

/*
 * rt_flows flows from rt_src to rt_dst: the sink started on rt_dst, the
 * source on rt_src (tried again while the sink is not listening yet), its
 * JSON read back into r.  0, or -1 with err naming the host.
 */
int bonding_remote_tput(const struct drv_env *env,
    const struct bonding_rtput *t, struct probe_tput_result *r, char *err);

#endif
