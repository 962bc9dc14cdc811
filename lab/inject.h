/*
 * inject.h - failure injection into a running lab (lab/inject.c).
 */
#ifndef HV_LAB_INJECT_H
#define HV_LAB_INJECT_H

#include <stdint.h>
#include <stdio.h>

#include "lab/lab.h"
#include "lab/provider.h"

struct inject_event {
	const char *ie_name;	/* "power-pull", ... */
	char ie_args[256];	/* "host1", "host1 eth0", "" */
	uint64_t ie_mono_ns;	/* CLOCK_MONOTONIC when it was injected */
	uint64_t ie_wall_ns;	/* CLOCK_REALTIME at the same moment */
	const char *ie_source;	/* who acted when not `hvlab inject`: "bmc" */
};

/*
 * Inject event argv[0] with its arguments (argv[1..argc-1]) into lab
 * through provider p, stamp it (just before the provider acts), append it
 * to <state>/events.jsonl and fill ev.  Returns 0, -1 with err, or 1 for
 * a misuse (unknown event, wrong arguments) with err saying what is wrong.
 */
int inject_run(struct lab *lab, const struct lab_provider *p, int argc,
    char *const argv[], struct inject_event *ev, char *err);

/* Stamp ev with both clocks now: just before the lab is changed. */
void inject_stamp(struct inject_event *ev);

/* Append ev as a line of <state>/events.jsonl (with "source" when
 * ie_source is set); 0 or -1 with err. */
int inject_record(struct lab *lab, const struct inject_event *ev,
    char *err);

#endif
