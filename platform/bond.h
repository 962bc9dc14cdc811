/*
 * bond.h - live state of the host's OVS bonds: per member carrier,
 * enabled, LACP state, which member is active; and the bond's LACP status
 * and link-monitoring settings.
 *
 * The database (netcfg_show) says how a bond is configured; what it does
 * right now only ovs-vswitchd knows, so this asks it with `ovs-appctl
 * bond/show` and `lacp/show` and reads carrier (Interface link_state) from
 * the database.  ovs-vswitchd's control socket is found beside the ovsdb
 * socket of struct netcfg_ovs (its pidfile ovs-vswitchd.pid names
 * ovs-vswitchd.PID.ctl; or ovs-vswitchd.ctl), else OVS's default.
 */
#ifndef HV_BOND_H
#define HV_BOND_H

#include <cjson/cJSON.h>

#include "platform/netcfg.h"

/*
 * Pure: parse `ovs-appctl bond/show` and `lacp/show` output (either may
 * be NULL or empty) into an array of
 *   {"name":S, "bond_mode":S, "lacp_status":S|null, "lacp_time":S|null,
 *    "active_member":S|null, "updelay_ms":N, "downdelay_ms":N,
 *    "members":[{"name":S, "enabled":B, "active":B, "may_enable":B,
 *                "lacp":S|null}]}
 * ("lacp" is lacp/show's member state, e.g. "current attached";
 * "defaulted" or "expired" mean the partner is silent).  NULL with err on
 * a malformed section.  Caller frees.
 */
cJSON *bond_parse(const char *bond_show, const char *lacp_show, char *err);


/*
 * Add the live state to a netcfg_show() document: each bond port gets
 * "members" (as above), "active_member", "lacp_status", "lacp_time",
 * "updelay_ms", "downdelay_ms".  Best effort: when ovs-vswitchd cannot be
 * asked, each bond gets "state_error":S instead.  0, or -1 on a bad
 * document.
 */
int bond_show_merge(const struct netcfg_ovs *o, cJSON *show);

#endif
