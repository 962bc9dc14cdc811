/*
 * guest_init.h - PID 1 of the hvlab guest (see guest_init.c).
 */
#ifndef HV_GUEST_INIT_H
#define HV_GUEST_INIT_H

/* Created by PID 1 once every module is loaded: the agent waits for it
 * before it picks the default data disk. */
#define GUEST_MODULES_DONE "/run/hvlab-modules-loaded"

struct guest_net {
	char	gn_name[64];	/* hvlab.name=, default "guest" */
	char	gn_ip[64];	/* hvlab.ip= ADDR/NN; "" when not configured */
	char	gn_gw[64];	/* hvlab.gw=; "" when none */
};

/*
 * Bring the guest up (mounts, modules, eth0) and fork the agent.  Returns
 * 0 in the agent child with *net describing what was configured; never
 * returns in PID 1, which stays to reap children and restart the agent.
 */
int guest_init(struct guest_net *net);

#endif
