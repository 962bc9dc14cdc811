/*
 * provider.h - how a lab is built: a struct of operations per provider, as
 * kvmtool and vmd keep per-backend ops.  `netns` (lab/netns.c) builds the
 * lab in namespaces on this machine; `remote` (lab/remote.c) reaches real
 * servers an inventory names; a later `qemu` (hosts as nested KVM guests)
 * fills the same table.  lab/provider.c picks a lab's.
 *
 * Every operation returns 0 or -1 with err filled (ERR_LEN bytes), except
 * exec, which returns the command's exit code (or -1).  Operations on a
 * running lab find everything from the lab's name and state directory, so
 * they also work from a new hvlab process and after a crash.
 */
#ifndef HV_LAB_PROVIDER_H
#define HV_LAB_PROVIDER_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "lab/lab.h"

/* A field of struct lab_port_set left as the switch has it. */
#define LAB_PORT_LEAVE (-1)
/* ps_rebalance_ms: the switch's own default again (OVS: 10 s). */
#define LAB_PORT_DEFAULT (-2)
#define LAB_PORT_RATE_MAX 10000		/* Mbit/s */
#define LAB_PORT_REBALANCE_MIN 1000	/* ms; 0 is allowed too */

/* What `lab switch` sets on the switch's port(s) toward one host. */
struct lab_port_set {
	int ps_rate_mbit;	/* cap toward the host, 1..LAB_PORT_RATE_MAX
				 * Mbit/s; 0 removes it; or LEAVE */
	int ps_rebalance_ms;	/* how often the switch's bond toward the
				 * host moves flows between its members:
				 * REBALANCE_MIN..INT_MAX ms, 0 never; or
				 * LEAVE, DEFAULT */
};

struct lab_provider {
	const char *lp_name;
	/* Build the whole lab; all-or-nothing. */
	int (*lp_up)(struct lab *lab, char *err);
	/* Remove everything of lab `name`; needs no topology. */
	int (*lp_down)(const char *name, char *err);
	/* Describe the running lab (hosts, NICs, ports, SAN) as JSON. */
	int (*lp_status)(struct lab *lab, cJSON **out, char *err);
	int (*lp_power_pull)(struct lab *lab, const char *host, char *err);
	int (*lp_power_on)(struct lab *lab, const char *host, char *err);
	/* The host's clean stop: its services are asked to end first. */
	int (*lp_power_stop)(struct lab *lab, const char *host, char *err);
	/* 1 when host has power, 0 when not, -1 with err (unknown host). */
	int (*lp_power_state)(struct lab *lab, const char *host, char *err);
	/* Carrier of cable NIC (0-based) of host: up = 1 plugged, 0 pulled. */
	int (*lp_nic_set)(struct lab *lab, const char *host, int nic, int up,
	    char *err);
	/* The SAN reachable (1) or not (0). */
	int (*lp_storage_set)(struct lab *lab, int up, char *err);
	/* Cut hosts[0..n-1] off from the others; heal undoes every cut. */
	int (*lp_partition)(struct lab *lab, char *const hosts[], int n,
	    char *err);
	int (*lp_heal)(struct lab *lab, char *err);
	/* Run argv inside node (a host, "sw", "san" or "station"), stdio
	 * inherited; returns its exit code or -1. */
	int (*lp_exec)(struct lab *lab, const char *node, char *const argv[],
	    char *err);
	/* What a platform installer asks of a host's disk (lab/hostdisk.h):
	 * keep[] kept across power cycles, tmpfs[] private to each boot
	 * (NULL-terminated, either may be NULL); applied now and at every
	 * power-on.  The lab learns the paths from the installer only. */
	int (*lp_host_dirs)(struct lab *lab, const char *host,
	    const char *const keep[], const char *const tmpfs[], char *err);
	/* Put a file at path (as node sees it: a host or "san"). */
	int (*lp_put)(struct lab *lab, const char *node, const char *path,
	    const void *data, size_t len, mode_t mode, char *err);
	/* Start argv at every power-on of node (a host or "san"), as a
	 * `kind` service (run, daemon, respawn): the lab's `systemctl
	 * enable`.  Added once; it does not start it now. */
	int (*lp_service)(struct lab *lab, const char *node, const char *kind,
	    const char *const argv[], char *err);
	/* Set the switch's side of host's cables (struct lab_port_set);
	 * an unknown host or a value out of range changes nothing.  NULL
	 * when the provider cannot (remote), as lp_clock_set. */
	int (*lp_switch_port)(struct lab *lab, const char *host,
	    const struct lab_port_set *s, char *err);
	/* Set host's wall clock offset_s seconds from the machine's; a lab
	 * up with fake clocks only (lab/hostclock.h).  Its monotonic clock
	 * is left alone, as a real clock step leaves it. */
	int (*lp_clock_set)(struct lab *lab, const char *host, long offset_s,
	    char *err);
};

extern const struct lab_provider lab_provider_netns;
extern const struct lab_provider lab_provider_remote;

/* The provider called name (NULL: netns); NULL when unknown. */
const struct lab_provider *lab_provider_find(const char *name);
/* The provider of lab: its topology's `provider:`. */
const struct lab_provider *lab_provider_of(const struct lab *lab);
/* The provider that brought lab name up (<state>/provider); netns when
 * the file is missing (a lab of an older hvlab, or half made). */
const struct lab_provider *lab_provider_running(const char *name);

#endif
