/*
 * xcpng_net.c - the xcpng driver's host networking over XAPI: a pool-wide
 * network per bond and per VLAN (network.create), a bond of each host's
 * uplinks (Async.Bond.create with XAPI's mode: balance-slb,
 * active-backup or lacp) and a VLAN on it (VLAN.create), as XenCenter's
 * "New Network" does.  XCP-ng's hosts network with Open vSwitch, whose
 * bond modes are hvlab's own words; balance-tcp is LACP there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/xcpng_priv.h"

#define XCP_BOND_NET "hvlab bond"
#define XCP_NICS_MAX 8

/* hvlab's bond modes -> XAPI's bond_mode and its properties. */
static const struct {
	const char *bm_hvlab, *bm_xapi, *bm_hash;
} xcp_bond_modes[] = {
	{ "active-backup", "active-backup", NULL },
	{ "balance-slb", "balance-slb", NULL },
	/* LACP with flows hashed by their ports */
	{ "balance-tcp", "lacp", "tcpudp_ports" },
};

int
xcp_network_get(struct driver *d, const char *name, char *ref, char *err)
{
	cJSON *r;

	switch (xcp_find(d, "network", name, ref, err)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name_label", name);
	cJSON_AddStringToObject(r, "name_description", "made by hvlab");
	cJSON_AddNumberToObject(r, "MTU", 1500);
	cJSON_AddItemToObject(r, "other_config", cJSON_CreateObject());
	return xcp_call_ref(d, "network.create", xcp_args("j", r), ref, err);
}

/* A host's uplinks, as PIF.get_all_records lists them. */
struct xcp_pifs {
	char xp_nic[XCP_NICS_MAX][XAPI_REF_MAX];	/* PIF of n_nics[i] */
	size_t xp_n;
	char xp_bond[XAPI_REF_MAX];	/* the Bond the first is in, or "" */
	char xp_vlan[XAPI_REF_MAX];	/* a PIF with the VLAN's tag, or "" */
};

/* One PIF record of host into p. */
static void
xcp_pif_read(const cJSON *r, const char *ref, const struct drv_network *n,
    struct xcp_pifs *p)
{
	const char *dev = "", *bond = XCP_NULL_REF;
	int64_t vlan = -1;
	size_t i;

	json_get_string(r, "device", JSON_OPTIONAL, &dev, NULL);
	json_get_string(r, "bond_slave_of", JSON_OPTIONAL, &bond, NULL);
	if (xcp_int(cJSON_GetObjectItemCaseSensitive(r, "VLAN"), &vlan) == -1)
		vlan = -1;
	if (vlan >= 0) {
		if (vlan == n->n_vlan)
			snprintf(p->xp_vlan, sizeof(p->xp_vlan), "%s", ref);
		return;
	}
	for (i = 0; n->n_nics != NULL && n->n_nics[i] != NULL &&
	    i < XCP_NICS_MAX; i++)
		if (strcmp(n->n_nics[i], dev) == 0) {
			snprintf(p->xp_nic[i], XAPI_REF_MAX, "%s", ref);
			if (i == 0 && strcmp(bond, XCP_NULL_REF) != 0)
				snprintf(p->xp_bond, sizeof(p->xp_bond), "%s",
				    bond);
		}
}

/* host's PIFs for n into p: every named NIC must have one. */
static int
xcp_pifs(struct driver *d, const char *host, const struct drv_network *n,
    struct xcp_pifs *p, char *err)
{
	const char *h;
	const cJSON *it;
	cJSON *all = NULL;
	size_t i;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (xcp_call(d, "PIF.get_all_records", xcp_args(""), &all, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsObject(all) ? all : NULL)) {
		h = NULL;
		if (json_get_string(it, "host", JSON_OPTIONAL, &h, NULL) == 0 &&
		    h != NULL && strcmp(h, host) == 0)
			xcp_pif_read(it, it->string, n, p);
	}
	cJSON_Delete(all);
	for (i = 0; n->n_nics != NULL && n->n_nics[i] != NULL; i++)
		if (i >= XCP_NICS_MAX || p->xp_nic[i][0] == '\0') {
			rc = err_set(err, "no PIF for NIC %s", n->n_nics[i]);
			break;
		}
	p->xp_n = i;
	return rc;
}

/* The bond of p's NICs in mode k, made or set; its master PIF into pif. */
static int
xcp_bond(struct driver *d, const struct xcp_pifs *p, size_t k,
    const char *net, char *pif, char *err)
{
	char bond[XAPI_REF_MAX];
	cJSON *members, *props = cJSON_CreateObject();
	size_t i;

	if (xcp_bond_modes[k].bm_hash != NULL)
		cJSON_AddStringToObject(props, "hashing_algorithm",
		    xcp_bond_modes[k].bm_hash);
	if (p->xp_bond[0] != '\0') {
		cJSON_Delete(props);
		snprintf(bond, sizeof(bond), "%s", p->xp_bond);
		if (xcp_call(d, "Bond.set_mode", xcp_args("ss", bond,
		    xcp_bond_modes[k].bm_xapi), NULL, err) == -1)
			return -1;
	} else {
		members = cJSON_CreateArray();
		for (i = 0; i < p->xp_n; i++)
			cJSON_AddItemToArray(members,
			    cJSON_CreateString(p->xp_nic[i]));
		if (xcp_run(d, "Async.Bond.create", xcp_args("sjssj", net,
		    members, "", xcp_bond_modes[k].bm_xapi, props), bond,
		    err) == -1)
			return -1;
	}
	return xcp_call_ref(d, "Bond.get_master", xcp_args("s", bond), pif,
	    err);
}

/* n on one host: its bond, then its VLAN on the bond (or the first NIC). */
static int
xcp_net_host(struct driver *d, const char *name, const struct drv_network *n,
    const char *const nets[2], char *err)
{
	char host[XAPI_REF_MAX], pif[XAPI_REF_MAX], vlan[XAPI_REF_MAX];
	struct xcp_pifs p;
	size_t k;

	if (xcp_need(d, "host", name, host, err) == -1 ||
	    xcp_pifs(d, host, n, &p, err) == -1)
		return -1;
	snprintf(pif, sizeof(pif), "%s", p.xp_nic[0]);
	if (n->n_bond != NULL) {
		for (k = 0; k < sizeof(xcp_bond_modes) /
		    sizeof(xcp_bond_modes[0]); k++)
			if (strcmp(xcp_bond_modes[k].bm_hvlab, n->n_bond) == 0)
				break;
		if (k == sizeof(xcp_bond_modes) / sizeof(xcp_bond_modes[0]))
			return err_set(err, "bond '%s': not active-backup, "
			    "balance-slb or balance-tcp", n->n_bond);
		if (xcp_bond(d, &p, k, nets[0], pif, err) == -1)
			return -1;
	}
	if (n->n_vlan <= 0 || p.xp_vlan[0] != '\0')
		return 0;
	return xcp_call_ref(d, "VLAN.create", xcp_args("sis", pif,
	    (long long)n->n_vlan, nets[1]), vlan, err);
}

int
xcp_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err)
{
	struct xcp *x = d->d_priv;
	char bondnet[XAPI_REF_MAX] = "", vlannet[XAPI_REF_MAX] = "";
	char vname[64];
	const char *const nets[2] = { bondnet, vlannet };
	int i;

	if (n->n_nics == NULL || n->n_nics[0] == NULL)
		return err_set(err, "network %s: no NICs named", n->n_name);
	if (n->n_bond != NULL && (n->n_nics[1] == NULL ||
	    xcp_network_get(d, XCP_BOND_NET, bondnet, err) == -1))
		return n->n_nics[1] == NULL ? err_set(err, "network %s: a bond "
		    "needs two or more nics", n->n_name) : -1;
	snprintf(vname, sizeof(vname), "hvlab VLAN %d", n->n_vlan);
	if (n->n_vlan > 0 && xcp_network_get(d, vname, vlannet, err) == -1)
		return -1;
	for (i = 0; i < x->inv.xi_nhosts; i++)
		if (xcp_net_host(d, x->inv.xi_host[i], n, nets, err) == -1)
			return err_prefix(err, "network %s: host %s",
			    n->n_name, x->inv.xi_host[i]);
	t->t_done = 1;
	return 0;
}
