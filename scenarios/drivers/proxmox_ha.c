/*
 * proxmox_ha.c - where the proxmox driver's Proxmox VE HA places VMs: the
 * cluster resource scheduler's settings (balance_set: /cluster/options
 * crs) and HA rules, node affinity and resource affinity, through
 * /cluster/ha/rules from Proxmox VE 9.0 and through HA groups
 * (/cluster/ha/groups) before.  The version the cluster answered at open
 * decides what is sent: the API viewer's schema of 8.x and 9.0-9.1 has
 * crs ha=basic|static and ha-rebalance-on-start only; 9.2's adds
 * ha=dynamic and the ha-auto-rebalance knobs that move running HA VMs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/proxmox_priv.h"

#define PVE_SIDS_MAX 1024

int
pve_version_parse(const char *s, int *v, char *err)
{
	int major, minor, n = 0;

	if (s == NULL || sscanf(s, "%d.%d%n", &major, &minor, &n) != 2 ||
	    n == 0 || major < 0 || minor < 0 || minor > 99)
		return err_set(err, "version '%s' is no MAJOR.MINOR[.PATCH]",
		    s ? s : "");
	*v = PVE_V(major, minor);
	return 0;
}

/* The rebalancing knobs of 9.2's crs, from hvd's words (docs/balance.md:
 * a fraction of the mean load, as a percent here). */
static int
pve_crs_knobs(const struct drv_balance *b, char *buf, size_t len,
    char *err)
{
	double thr = b->b_threshold * 100, mar = b->b_margin * 100;

	if (thr < 0 || thr > 100)
		return err_set(err, "balance threshold %g: Proxmox VE's "
		    "ha-auto-rebalance-threshold takes 0-100 %%, so 0-1",
		    b->b_threshold);
	if (mar < 0 || mar > 100)
		return err_set(err, "balance margin %g: Proxmox VE's "
		    "ha-auto-rebalance-margin takes 0-100 %%, so 0-1",
		    b->b_margin);
	if (b->b_hold < 0)
		return err_set(err, "balance hold %d: Proxmox VE's "
		    "ha-auto-rebalance-hold-duration takes 0 or more rounds",
		    b->b_hold);
	snprintf(buf, len, ",ha-auto-rebalance=1,ha-auto-rebalance-threshold="
	    "%g,ha-auto-rebalance-hold-duration=%d,ha-auto-rebalance-margin=%g",
	    thr, b->b_hold, mar);
	return 0;
}

int
pve_crs_build(struct drv_balance *b, const char *version, int ver,
    char *crs, size_t len, char *err)
{
	int off = strcmp(b->b_mode, "off") == 0, moves = ver >= PVE_V_REBALANCE;
	char knobs[256] = "";

	if (!off && strcmp(b->b_mode, "static") != 0 &&
	    strcmp(b->b_mode, "dynamic") != 0)
		return err_set(err, "balance mode '%s': off, static or dynamic "
		    "expected", b->b_mode);
	if (strcmp(b->b_mode, "dynamic") == 0 && !moves)
		return err_set(err, "Proxmox VE %s has no CRS mode 'dynamic' "
		    "(crs ha=dynamic came with Proxmox VE 9.2)", version);
	if (!off && moves && pve_crs_knobs(b, knobs, sizeof(knobs), err) == -1)
		return -1;
	/* off is the CRS's default: HA places by service count alone. */
	if (off)
		snprintf(crs, len, "ha=basic");
	else
		snprintf(crs, len, "ha=%s%s,ha-rebalance-on-start=1", b->b_mode,
		    knobs);
	snprintf(b->b_applied, sizeof(b->b_applied), "crs=%s%s%s", crs,
	    off || moves ? "" : "; Proxmox VE's CRS before 9.2 has no "
	    "threshold, hold or margin (it places HA VMs when they start or "
	    "recover and moves no running one)", off ? "" : "; it has no "
	    "max_moves or interval_s (one move at a time, each HA round)");
	return 0;
}

int
pve_balance_set(struct driver *d, struct drv_balance *b, char *err)
{
	struct pve *p = d->d_priv;
	char crs[512];
	const struct pve_param q[] = { { "crs", crs }, { NULL, NULL } };

	if (pve_crs_build(b, p->version, p->ver, crs, sizeof(crs), err) == -1)
		return -1;
	return pve_call(d, "PUT", "/cluster/options", q, NULL, err);
}

/* The VMs' HA resource ids, "vm:100,vm:101", into buf. */
static int
pve_rule_sids(struct driver *d, const char *const *vms, char *buf,
    size_t len, char *err)
{
	struct pve_vm v;
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; vms != NULL && vms[i] != NULL; i++) {
		if (pve_vm_need(d, vms[i], &v, err) == -1)
			return -1;
		off += (size_t)snprintf(buf + off, len - off, "%svm:%s",
		    i ? "," : "", v.vm_id);
		if (off >= len)
			return err_set(err, "rule: too many VMs");
	}
	if (i == 0)
		return err_set(err, "rule: no VMs named");
	return 0;
}

/* POST /cluster/ha/rules (9.0 and later). */
static int
pve_rule_post(struct driver *d, const struct pve_rule *r, const char *sids,
    char *err)
{
	int nodes = r->r_kind == PVE_RULE_NODES;
	const struct pve_param q[] = { { "rule", r->r_name },
		{ "type", nodes ? "node-affinity" : "resource-affinity" },
		{ "resources", sids },
		{ "nodes", nodes ? r->r_nodes : NULL },
		{ "strict", nodes ? (r->r_strict ? "1" : "0") : NULL },
		{ "affinity", nodes ? NULL : r->r_kind == PVE_RULE_TOGETHER ?
		    "positive" : "negative" },
		{ NULL, NULL } };

	return pve_call(d, "POST", "/cluster/ha/rules", q, NULL, err);
}

/* Before 9.0: the group, then each resource named into it. */
static int
pve_group_add(struct driver *d, const struct pve_rule *r, char *sids,
    char *err)
{
	const struct pve_param g[] = { { "group", r->r_name },
		{ "nodes", r->r_nodes }, { "restricted", r->r_strict ? "1" :
		"0" }, { NULL, NULL } };
	const struct pve_param q[] = { { "group", r->r_name },
		{ NULL, NULL } };
	char path[96], *save = NULL, *sid;

	if (pve_call(d, "POST", "/cluster/ha/groups", g, NULL, err) == -1)
		return -1;
	for (sid = strtok_r(sids, ",", &save); sid != NULL;
	    sid = strtok_r(NULL, ",", &save)) {
		snprintf(path, sizeof(path), "/cluster/ha/resources/%s", sid);
		if (pve_call(d, "PUT", path, q, NULL, err) == -1)
			return -1;
	}
	return 0;
}

int
pve_rule_add(struct driver *d, const struct pve_rule *r, char *err)
{
	struct pve *p = d->d_priv;
	char sids[PVE_SIDS_MAX];

	if (r->r_kind == PVE_RULE_NODES && r->r_nodes == NULL)
		return err_set(err, "rule %s: node affinity needs nodes",
		    r->r_name);
	if (r->r_kind != PVE_RULE_NODES && p->ver < PVE_V_RULES)
		return err_set(err, "rule %s: Proxmox VE %s has no resource "
		    "affinity (VMs kept together or apart): unsupported before "
		    "Proxmox VE 9 (/cluster/ha/rules)", r->r_name, p->version),
		    DRIVER_UNSUPPORTED;
	if (pve_rule_sids(d, r->r_vms, sids, sizeof(sids), err) == -1)
		return -1;
	if (p->ver >= PVE_V_RULES)
		return pve_rule_post(d, r, sids, err);
	return pve_group_add(d, r, sids, err);
}

/* Before 9.0: the resources that name group leave it, then it goes. */
static int
pve_group_delete(struct driver *d, const char *group, char *err)
{
	const struct pve_param q[] = { { "delete", "group" },
		{ NULL, NULL } };
	const char *sid, *g;
	const cJSON *it;
	char path[160];
	cJSON *l = NULL;
	int rc = 0;

	if (pve_call(d, "GET", "/cluster/ha/resources", NULL, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		sid = g = NULL;
		if (json_get_string(it, "sid", JSON_OPTIONAL, &sid, err) == -1 ||
		    json_get_string(it, "group", JSON_OPTIONAL, &g, err) == -1 ||
		    sid == NULL || g == NULL || strcmp(g, group) != 0)
			continue;
		snprintf(path, sizeof(path), "/cluster/ha/resources/%s", sid);
		if ((rc = pve_call(d, "PUT", path, q, NULL, err)) == -1)
			break;
	}
	cJSON_Delete(l);
	if (rc == 0) {
		snprintf(path, sizeof(path), "/cluster/ha/groups/%s", group);
		rc = pve_call(d, "DELETE", path, NULL, NULL, err);
	}
	return rc;
}

int
pve_rule_delete(struct driver *d, const char *name, char *err)
{
	struct pve *p = d->d_priv;
	char path[160];

	if (p->ver < PVE_V_RULES)
		return pve_group_delete(d, name, err);
	snprintf(path, sizeof(path), "/cluster/ha/rules/%s", name);
	return pve_call(d, "DELETE", path, NULL, NULL, err);
}

int
pve_rule_has(struct driver *d, const char *name, char *err)
{
	struct pve *p = d->d_priv;

	if (p->ver < PVE_V_RULES)
		return pve_list_has(d, "/cluster/ha/groups", NULL, "group",
		    name, err);
	return pve_list_has(d, "/cluster/ha/rules", NULL, "rule", name, err);
}
