/*
 * hostclock.h - a lab host's own wall clock (lab/hostclock.c).  The hosts
 * of the netns lab share the machine's kernel and so its CLOCK_REALTIME;
 * a lab brought up with fake clocks (`hvlab lab up --fake-clock`) gives
 * each host a file holding its offset from the machine's clock, and the
 * processes started in that host (its services, `lab exec`) read their
 * wall time through libfaketime from it.  CLOCK_MONOTONIC stays the
 * machine's, as a real clock step leaves it alone.  docs/lab.md "Host
 * clocks".
 */
#ifndef HV_LAB_HOSTCLOCK_H
#define HV_LAB_HOSTCLOCK_H

#include "lab/topo.h"

/* The preloaded library: the thread-safe build, as hvd and QEMU run
 * threads that read the clock at once. */
#ifndef HOSTCLOCK_LIB
#define HOSTCLOCK_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
#endif
#define HOSTCLOCK_NENV 4		/* variables a faked host gets */
#define HOSTCLOCK_ENV_MAX 4200		/* one NAME=VALUE */
#define HOSTCLOCK_OFFSET_MAX 86400	/* seconds either way */

/*
 * An offset as `hvlab inject clock` takes it: seconds, optionally signed
 * ("+30", "-30", "0"), within +-HOSTCLOCK_OFFSET_MAX.  0 with *out, or -1
 * (not such a number).  Pure.
 */
int hostclock_parse_offset(const char *s, long *out);

/* Give every host of t a clock file in the lab's state directory, at
 * offset 0 (lab up).  0, or -1 with err (libfaketime missing). */
int hostclock_enable(const char *state, const struct topo *t, char *err);

/*
 * The environment that makes a process of host read the host's clock,
 * as HOSTCLOCK_NENV "NAME=VALUE" strings into env; 1 when the host has a
 * fake clock, 0 when not (env untouched).
 */
int hostclock_env(const char *state, const char *host,
    char env[HOSTCLOCK_NENV][HOSTCLOCK_ENV_MAX]);

/* Set host's clock offset_s seconds from the machine's; its processes
 * see it within a second.  0, or -1 with err (a lab without fake
 * clocks). */
int hostclock_set(const char *state, const char *lab, const char *host,
    long offset_s, char *err);

#endif
