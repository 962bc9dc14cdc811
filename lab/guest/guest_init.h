/*
 * guest_init.h - PID 1 of the hvlab guest (see guest_init.c).
 */
#ifndef HV_GUEST_INIT_H
#define HV_GUEST_INIT_H

#include "params.h"

/* Created by PID 1 once every module is loaded and the data filesystem
 * (hvlab.data=) is mounted: the agent waits for it before it picks the
 * default data disk or touches a file. */
#define GUEST_MODULES_DONE "/run/hvlab-modules-loaded"

/* Where a disk guest's own filesystem (hvlab.data=) is mounted. */
#define GUEST_DATA_DIR	"/data"

/*
 * Bring the guest up (mounts, modules, eth0) and fork the agent.  Returns
 * 0 in the agent child with *p holding the boot parameters (params.h),
 * gp_ip emptied when the address could not be configured; never returns
 * in PID 1, which stays to reap children and restart the agent.
 */
int guest_init(struct guest_params *p);

#endif
