/*
 * proxmox_net.c - the proxmox driver's host networking: a bond of a
 * host's uplinks and VLAN-aware VM bridges, written to each node's
 * pending network configuration (/nodes/NODE/network) and then applied
 * with the node's reload (PUT /nodes/NODE/network, a task), as the GUI's
 * "Apply Configuration" does.  Linux bonds: hvlab's bond modes (Open
 * vSwitch's names) map to their nearest Linux kin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "scenarios/drivers/proxmox_priv.h"

#define PVE_BOND "bond0"
#define PVE_RELOAD_NS (300ULL * NS_PER_S)

/* hvlab's (Open vSwitch's) bond modes -> Linux bond modes. */
static const struct {
	const char *bm_hvlab, *bm_pve, *bm_hash;
} pve_bond_modes[] = {
	{ "active-backup", "active-backup", NULL },
	/* by source MAC, no help from the switch */
	{ "balance-slb", "balance-alb", NULL },
	/* LACP, flows hashed by their ports */
	{ "balance-tcp", "802.3ad", "layer3+4" },
};

/* The bond of n's uplinks on node, created or changed. */
static int
pve_net_bond(struct driver *d, const char *node, const struct drv_network *n,
    char *err)
{
	char slaves[256] = "", path[200];
	size_t i, k, off = 0;
	int ex;

	for (k = 0; k < sizeof(pve_bond_modes) / sizeof(pve_bond_modes[0]);
	    k++)
		if (strcmp(pve_bond_modes[k].bm_hvlab, n->n_bond) == 0)
			break;
	if (k == sizeof(pve_bond_modes) / sizeof(pve_bond_modes[0]))
		return err_set(err, "network %s: bond '%s': not active-backup, "
		    "balance-slb or balance-tcp", n->n_name, n->n_bond);
	for (i = 0; n->n_nics != NULL && n->n_nics[i] != NULL; i++)
		off += (size_t)snprintf(slaves + off, off < sizeof(slaves) ?
		    sizeof(slaves) - off : 0, "%s%s", i ? " " : "",
		    n->n_nics[i]);
	if (i < 2 || off >= sizeof(slaves))
		return err_set(err, "network %s: a bond needs two or more "
		    "nics", n->n_name);
	{
		const struct pve_param q[] = { { "iface", PVE_BOND },
			{ "type", "bond" }, { "slaves", slaves },
			{ "bond_mode", pve_bond_modes[k].bm_pve },
			{ "autostart", "1" }, { "bond_xmit_hash_policy",
			pve_bond_modes[k].bm_hash }, { NULL, NULL } };

		/* Listed pending or applied: PUT changes it, POST makes it. */
		snprintf(path, sizeof(path), "/nodes/%s/network", node);
		if ((ex = pve_list_has(d, path, NULL, "iface", PVE_BOND,
		    err)) == -1)
			return -1;
		snprintf(path, sizeof(path), ex ? "/nodes/%s/network/%s" :
		    "/nodes/%s/network", node, PVE_BOND);
		return pve_call(d, ex ? "PUT" : "POST", path, q, NULL, err);
	}
}

/* The VM bridge VLAN-aware (VMs then join a VLAN by their NIC's tag),
 * on the bond when there is one. */
static int
pve_net_bridge(struct driver *d, const char *node,
    const struct drv_network *n, char *err)
{
	struct pve *p = d->d_priv;
	struct pve_param q[] = { { "type", "bridge" },
		{ "bridge_vlan_aware", n->n_vlan > 0 ? "1" : "0" },
		{ "bridge_ports", PVE_BOND }, { NULL, NULL } };
	char path[200];

	if (n->n_bond == NULL)
		q[2].pp_name = NULL;
	snprintf(path, sizeof(path), "/nodes/%s/network/%s", node,
	    p->inv.pi_bridge);
	return pve_call(d, "PUT", path, q, NULL, err);
}

/* Apply node's pending network configuration and wait for it. */
static int
pve_net_reload(struct driver *d, const char *node, struct drv_task *t,
    char *err)
{
	char path[160];

	snprintf(path, sizeof(path), "/nodes/%s/network", node);
	drv_task_init(t);
	if (pve_call_task(d, "PUT", path, NULL, t, err) == -1)
		return -1;
	return driver_task_wait(d, t, PVE_RELOAD_NS, NULL, err);
}

int
pve_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err)
{
	const struct drv_env *env = d->d_env;
	size_t i;

	if (env == NULL || env->e_nhosts == 0)
		return err_set(err, "network %s: no hosts named", n->n_name);
	for (i = 0; i < env->e_nhosts; i++) {
		const char *node = env->e_hosts[i].h_name;

		if ((n->n_bond != NULL && pve_net_bond(d, node, n, err) ==
		    -1) || pve_net_bridge(d, node, n, err) == -1 ||
		    pve_net_reload(d, node, t, err) == -1)
			return err_prefix(err, "node %s", node);
	}
	t->t_done = 1;
	return 0;
}
