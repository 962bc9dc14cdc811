/*
 * bmcfence.h - power fencing through a node's BMC (Redfish over HTTPS),
 * as XAPI and Pacemaker's fence_redfish do: the record of each node's
 * BMC in etcd (KEY_BMC), its checks, the Redfish answers read (pure),
 * and the client that powers a node off and waits until its BMC says
 * Off (libcurl).  The HA manager (ha_manager.c) calls it when the HA
 * settings' `fencing` is bmc or both; docs/ha.md "Fencing through the
 * BMC".
 *
 * A record (/hvd/bmc/NODE):
 *   {"url": "https://ADDR[:PORT]/redfish/v1/Systems/ID", "user",
 *    "password", "ca": PEM (absent: the system's CAs), "insecure": bool}
 * GET /api/v1/nodes/NODE/bmc answers it without the password.
 */
#ifndef HVD_BMCFENCE_H
#define HVD_BMCFENCE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "platform/api.h"

struct etcd;

#define BMCF_URL_MAX	256
#define BMCF_USER_MAX	64
#define BMCF_PASS_MAX	128
#define BMCF_CA_MAX	16384	/* a PEM chain of a few certificates */

/* A Redfish system's PowerState (the values of the Redfish schema). */
enum bmcfence_power {
	BMCF_POWER_ON,
	BMCF_POWER_OFF,
	BMCF_POWER_POWERING_ON,
	BMCF_POWER_POWERING_OFF,
	BMCF_POWER_PAUSED,
};

/* A node's BMC: what the manager needs to power it off. */
struct bmcfence_conf {
	char	 bc_url[BMCF_URL_MAX];	/* the system's URI, https */
	char	 bc_user[BMCF_USER_MAX + 1];
	char	 bc_password[BMCF_PASS_MAX + 1];
	char	*bc_ca;			/* PEM (malloc'd) or NULL */
	int	 bc_insecure;		/* no certificate check at all */
};

/*
 * A record's JSON (a PUT body, or the stored record) into c: unknown
 * members, a URL that is not https://HOST[:PORT]/redfish/v1/Systems/ID,
 * an empty or too long user or password, a ca that is not a PEM
 * certificate, ca together with insecure are refused; field (64 bytes)
 * names the member.  0, or -1 + err (c then holds nothing to free).
 * Free c with bmcfence_conf_clear.
 */
int bmcfence_conf_from_json(const cJSON *o, struct bmcfence_conf *c,
    char *field, char *err);
/* c as stored in etcd (with_password) or as GET answers it (without:
 * "password_set" instead); NULL out of memory. */
cJSON *bmcfence_conf_json(const struct bmcfence_conf *c, int with_password);
void bmcfence_conf_clear(struct bmcfence_conf *c);

/* NODE's record from etcd into c: 1 found, 0 none, -1 + err (also for
 * a record that does not pass bmcfence_conf_from_json). */
int bmcfence_conf_load(struct etcd *e, const char *node,
    struct bmcfence_conf *c, char *err);

/* The name of p as Redfish spells it. */
const char *bmcfence_power_name(enum bmcfence_power p);
/* A ComputerSystem's PowerState into *p: 0, or -1 + err when absent or
 * not a Redfish power state.  Pure. */
int bmcfence_system_power(const cJSON *sys, enum bmcfence_power *p, char *err);
/* A ComputerSystem's Actions."#ComputerSystem.Reset".target (a path
 * on the BMC, or an absolute URL on the system's own host) into path:
 * 0, or -1 + err when absent, not a path, or when the action's
 * AllowableValues leave out ForceOff.  Pure. */
int bmcfence_reset_target(const cJSON *sys, const char *sys_url, char *path,
    size_t len, char *err);

/*
 * Power the system off through its BMC (ForceOff) and wait until it
 * says Off, at most deadline_ms in all: GET the system (already Off:
 * done, nothing posted), POST {"ResetType":"ForceOff"} to its Reset
 * target, then GET its PowerState every 250 ms.  0 when the BMC said
 * Off (*posted: 1 when a ForceOff was sent), else -1 + err saying why
 * (unreachable, refused, the state it stayed in).
 */
int bmcfence_power_off(const struct bmcfence_conf *c, long deadline_ms,
    int *posted, char *err);

extern const struct api_route api_bmc_routes[];

#endif
