/*
 * netcfg.h - the host's Open vSwitch networking as hvd sees it: VM tap
 * ports with VLAN tags, the bridge's ports, bonds and VLANs, and safe
 * changes to them.
 *
 * OVS is driven with ovs-vsctl (argv, never a shell) against the ovsdb
 * socket given in struct netcfg_ovs, so the same code works against the
 * system's OVS and against a per-host instance in a lab namespace.  Taps
 * are created with the tun ioctls directly (persistent, up) in the calling
 * process's network namespace.
 *
 * A change (VLAN of a port, a bond's mode or members) is checked first
 * (names exist, VLAN in range, members free), applied, and then the
 * management path is probed (ICMP echo to a gateway); when it does not
 * answer within the grace period the change is undone by itself and the
 * error says so.
 */
#ifndef HV_NETCFG_H
#define HV_NETCFG_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct netcfg_ovs {
	char db[512];		/* ovsdb unix socket path; "" = OVS default */
	char bridge[32];	/* the host's bridge, "br0" */
	char vsctl[64];		/* "ovs-vsctl" unless set */
};

/* 1..4094, or 0 for untagged. */
int netcfg_vlan_valid(int vlan);
/* Interface name: 1..15 chars of [A-Za-z0-9_.-]. */
int netcfg_ifname_valid(const char *name);

/* Create a persistent tap NAME (up), add it to the bridge with tag VLAN
 * (0 = untagged).  Idempotent.  On failure the tap is removed again. */
int netcfg_tap_add(const struct netcfg_ovs *o, const char *tap, int vlan,
    char *err);
/* Remove the port from the bridge (if there) and delete the tap. */
int netcfg_tap_del(const struct netcfg_ovs *o, const char *tap, char *err);

/*
 * The bridge as JSON: {"bridge":S, "ports":[{"name":S, "tag":N|null,
 * "trunks":[N...], "bond":B, "interfaces":[S...], "bond_mode":S|null,
 * "lacp":S|null, "lacp_time":S|null, "link_detect":S|null,
 * "miimon_ms":N|null, "rebalance_ms":N|null}]} (the last four: the
 * bond's other_config, null = OVS's default: slow, carrier, 200, 10000).
 * Live member state: bond.h.  Caller frees.  NULL with err on failure.
 */
cJSON *netcfg_show(const struct netcfg_ovs *o, char *err);

enum netcfg_change_kind {
	NETCFG_PORT_VLAN,	/* port: access tag (vlan) or trunks */
	NETCFG_BOND_ADD,	/* bond with members, mode, lacp */
	NETCFG_BOND_DEL,
	NETCFG_BOND_MODE,	/* bond: mode and lacp */
};

#define NETCFG_MAX_MEMBERS 8
#define NETCFG_MAX_TRUNKS 64

struct netcfg_change {
	enum netcfg_change_kind kind;
	char port[16];		/* port or bond name */
	int vlan;		/* PORT_VLAN: access tag, 0 = none */
	int ntrunks;		/* PORT_VLAN: trunk list (when > 0) */
	int trunks[NETCFG_MAX_TRUNKS];
	int nmembers;		/* BOND_ADD */
	char members[NETCFG_MAX_MEMBERS][16];
	char bond_mode[24];	/* active-backup, balance-slb, balance-tcp */
	char lacp[8];		/* off, active, passive */
	/* BOND_ADD, BOND_MODE: link monitoring ("" / 0 = leave as is) */
	char lacp_time[8];	/* fast (1 s LACPDUs), slow (30 s) */
	char link_detect[8];	/* carrier, miimon */
	int miimon_ms;		/* miimon interval, 1..100000 */
	int rebalance_ms;	/* balance-slb/tcp flow rebalancing, 0..100000 */
};

/* Parse {"kind":"port-vlan"|"bond-add"|"bond-del"|"bond-mode", "port":S,
 * "vlan":N, "trunks":[N], "members":[S], "bond_mode":S, "lacp":S,
 * "lacp_time":S, "link_detect":S, "miimon_ms":N, "rebalance_ms":N}. */
int netcfg_change_from_json(const cJSON *obj, struct netcfg_change *ch,
    char *err);

struct netcfg_guard {
	char check_addr[64];	/* IPv4 to ping for the management path;
				 * "" = no check */
	long grace_ms;		/* how long it may take to come back */
};

/*
 * Check, apply, probe, and roll back on a failed probe.  Returns 0 when the
 * change is in place and the management path answers; -1 with err when it
 * was refused, failed, or was rolled back ("rolled back: management path
 * 198.18.0.1 did not answer within 5000 ms"); *rolled_back (may be NULL)
 * tells which.
 */
int netcfg_apply(const struct netcfg_ovs *o, const struct netcfg_change *ch,
    const struct netcfg_guard *g, int *rolled_back, char *err);


#endif
