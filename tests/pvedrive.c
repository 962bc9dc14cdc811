/*
 * pvedrive.c - runs the proxmox driver through the operations the suite's
 * rows use, against whatever its inventory names (the fixture server in
 * tests/integration/test_proxmox_fixture.sh, or a real cluster), and
 * prints one line per row: "ROW: pass|fail (what it saw)".  The rows are
 * the suite's quick ones plus snapshot, backup-restore, clone-template,
 * HA and monitoring, each driven the way the runner drives it, without a
 * lab or guests: what it proves is that the driver's requests are
 * accepted and its readings of the answers are right.
 *
 *   pvedrive NODE1 NODE2 [--bad | rules | cpu | crs MODE]
 *
 * --bad sends one request the reference rejects (a VM id that is no
 * integer) and passes when the API refuses it.  rules drives the
 * driver's HA rules (proxmox_ha.c) on two HA VMs: node affinity and
 * resource affinity created, listed and deleted (an HA group before
 * Proxmox VE 9, where resource affinity says "unsupported"), and a rule
 * whose nodes the reference rejects.  crs MODE runs balance_set with
 * hvd's defaults and prints what it applied and what GET /cluster/options
 * reads back.  cpu prints a 2-vCPU VM's CPU series (drive_cpu) of the
 * last ten minutes.  Exit 0 when every row passed, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/proxmox_priv.h"
#include "tests/drive_rows.h"

/* Member "key" of node's interface iface, as GET /nodes/NODE/network
 * lists it, into buf ("" when absent). */
static void
iface_get(struct driver *d, const char *node, const char *iface,
    const char *key, char *buf, size_t len, char *err)
{
	char path[128];
	const cJSON *it, *v;
	cJSON *l = NULL;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/nodes/%s/network", node);
	if (pve_call(d, "GET", path, NULL, &l, err) == -1)
		return;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		v = cJSON_GetObjectItemCaseSensitive(it, "iface");
		if (!cJSON_IsString(v) || strcmp(v->valuestring, iface) != 0)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(it, key);
		if (cJSON_IsString(v))
			snprintf(buf, len, "%s", v->valuestring);
		else if (cJSON_IsNumber(v))
			snprintf(buf, len, "%d", v->valueint);
	}
	cJSON_Delete(l);
}

static void
row_network(struct driver *d, const struct drv_env *env, char *err)
{
	static const char *const nics[] = { "eth0", "eth1", NULL };
	const struct drv_network n = { .n_name = "vm", .n_vlan = 20,
		.n_bond = "balance-tcp", .n_nics = nics };
	char mode[32], aware[8], active[8], what[ERR_LEN];
	struct drv_task t;
	int ok;

	ok = DRIVE_RUN(d, t, d->d_ops->network_apply(d, &n, &t, err)) == 0;
	if (ok) {
		iface_get(d, env->e_hosts[1].h_name, "bond0", "bond_mode", mode,
		    sizeof(mode), err);
		iface_get(d, env->e_hosts[1].h_name, "bond0", "active",
		    active, sizeof(active), err);
		iface_get(d, env->e_hosts[1].h_name, "vmbr0",
		    "bridge_vlan_aware", aware, sizeof(aware), err);
		ok = strcmp(mode, "802.3ad") == 0 && strcmp(aware, "1") == 0 &&
		    strcmp(active, "1") == 0;
		snprintf(what, sizeof(what), "bond0 %s active %s, vmbr0 "
		    "VLAN-aware %s", mode, active, aware);
	}
	drive_row("network", ok, ok ? what : err);
}

static void
row_backup(struct driver *d, const struct drv_env *env, char *err)
{
	struct drv_backup b = { "mig1", NULL, 0, "" };
	struct drv_vm_spec nv = { .v_name = "rst1" };
	char what[ERR_LEN];
	struct drv_task t;
	int ok;

	drv_task_init(&t);
	ok = d->d_ops->backup(d, &b, &t, err) == 0 && DRIVE_RUN(d, t,
	    d->d_ops->restore(d, b.b_id, &nv, &t, err)) == 0;
	if (ok) {
		struct drv_vm_info vi;

		ok = d->d_ops->vm_info(d, "rst1", &vi, err) == 0;
	}
	snprintf(what, sizeof(what), "restored %s as rst1", b.b_id);
	drive_row("backup-restore", ok, ok ? what : err);
	(void)env;
}

/* A request the reference rejects must come back refused. */
static void
row_bad(struct driver *d, char *err)
{
	const struct pve_param q[] = { { "vmid", "not-a-number" },
		{ NULL, NULL } };
	int refused = pve_call(d, "POST", "/nodes/pve1/qemu", q, NULL, err) ==
	    -1 && strstr(err, "400") != NULL && strstr(err, "vmid") != NULL;

	drive_row("bad-request", refused, err);
}

/* GET /cluster/options' crs as "k=v,k=v" (sorted), decoded as Proxmox
 * answers it, into buf. */
static void
crs_read(struct driver *d, char *buf, size_t len, char *err)
{
	const cJSON *crs, *it;
	cJSON *o = NULL;
	size_t off = 0;

	buf[0] = '\0';
	if (pve_call(d, "GET", "/cluster/options", NULL, &o, err) == -1)
		return;
	crs = cJSON_GetObjectItemCaseSensitive(o, "crs");
	if (cJSON_IsString(crs))
		snprintf(buf, len, "%s", crs->valuestring);
	cJSON_ArrayForEach(it, (cJSON_IsObject(crs) ? crs : NULL)) {
		if (off >= len)
			break;
		if (cJSON_IsString(it))
			off += snprintf(buf + off, len - off, "%s%s=%s",
			    off ? "," : "", it->string, it->valuestring);
		else if (cJSON_IsNumber(it))
			off += snprintf(buf + off, len - off, "%s%s=%g",
			    off ? "," : "", it->string, it->valuedouble);
	}
	cJSON_Delete(o);
}

static void
row_crs(struct driver *d, const char *mode, char *err)
{
	struct drv_balance b = { .b_threshold = 0.3, .b_hold = 3,
		.b_margin = 0.1, .b_max_moves = 2, .b_interval_s = 10 };
	char what[ERR_LEN], back[512];
	int ok;

	snprintf(b.b_mode, sizeof(b.b_mode), "%s", mode);
	ok = d->d_ops->balance_set(d, &b, err) == 0;
	if (ok) {
		crs_read(d, back, sizeof(back), err);
		snprintf(what, sizeof(what), "applied %s; read back crs %s",
		    b.b_applied, back);
	}
	drive_row("crs", ok, ok ? what : err);
}

/* One rule created, listed and deleted; unsupported is said, not
 * failed. */
static void
rule_cycle(struct driver *d, const char *row, const struct pve_rule *r,
    char *err)
{
	int rc = pve_rule_add(d, r, err), ok;

	if (rc == DRIVER_UNSUPPORTED) {
		printf("%s: unsupported (%s)\n", row, err);
		return;
	}
	ok = rc == 0 && pve_rule_has(d, r->r_name, err) == 1 &&
	    pve_rule_delete(d, r->r_name, err) == 0 &&
	    pve_rule_has(d, r->r_name, err) == 0;
	drive_row(row, ok, ok ? "created, listed, deleted" : err);
}

/* resources given as bare VM ids, which pve-ha-resource-id-list refuses
 * ("vm:ID" expected): the request fails naming resources (a 501 before
 * 9.0, where the endpoint is unknown). */
static void
rule_bad_resources(struct driver *d, char *err)
{
	const struct pve_param q[] = { { "rule", "bare" },
		{ "type", "resource-affinity" }, { "affinity", "positive" },
		{ "resources", "100,101" }, { NULL, NULL } };
	int ok = pve_call(d, "POST", "/cluster/ha/rules", q, NULL, err) ==
	    -1 && (strstr(err, "501") || (strstr(err, "400") &&
	    strstr(err, "resources")));

	drive_row("rule-bad-resources", ok, err);
}

static void
rows_rules(struct driver *d, const struct drv_env *env, char *err)
{
	static const char *const vms[] = { "ra", "rb", NULL };
	const char *n1 = env->e_hosts[0].h_name, *n2 = env->e_hosts[1].h_name;
	char nodes[2 * DRV_NAME_MAX + 8], bad[DRV_NAME_MAX + 8];
	struct pve_rule r = { "place", PVE_RULE_NODES, vms, nodes, 1 };
	struct drv_vm_spec s = { .v_host = n1 };
	struct drv_task t;
	size_t i;
	int ok = 1;

	for (i = 0; vms[i] != NULL && ok; i++) {
		s.v_name = vms[i];
		ok = DRIVE_RUN(d, t, d->d_ops->vm_create(d, &s, &t, err)) == 0 &&
		    d->d_ops->ha_enable(d, vms[i], err) == 0;
	}
	drive_row("rule-vms", ok, ok ? "ra, rb made HA resources" : err);
	snprintf(nodes, sizeof(nodes), "%s:2,%s:1", n1, n2);
	rule_cycle(d, "rule-nodes", &r, err);
	r = (struct pve_rule){ "apart", PVE_RULE_APART, vms, NULL, 0 };
	rule_cycle(d, "rule-apart", &r, err);
	/* A priority that is no number: the reference's pve-ha-node-list
	 * format refuses it, and the driver's call must say so. */
	snprintf(bad, sizeof(bad), "%s:high", n1);
	r = (struct pve_rule){ "badprio", PVE_RULE_NODES, vms, bad, 0 };
	ok = pve_rule_add(d, &r, err) == -1 && strstr(err, "400") &&
	    strstr(err, "nodes");
	drive_row("rule-refused", ok, err);
	rule_bad_resources(d, err);
	for (i = 0; vms[i] != NULL; i++)
		d->d_ops->ha_disable(d, vms[i], err);
	drive_cleanup(d, vms, err);
}

int
main(int argc, char **argv)
{
	static const char *const vms[] = { "cl1", "rst1", "mig1", NULL };
	struct drv_host hosts[2];
	struct drv_env env;
	struct driver *d;
	char err[ERR_LEN] = "";
	const char *verb = argc > 3 ? argv[3] : "";
	int bad;

	/* Its own verbs first; drive_open knows HOST1 HOST2 [--bad]. */
	if (((strcmp(verb, "rules") == 0 || strcmp(verb, "cpu") == 0) &&
	    argc == 4) ||
	    (strcmp(verb, "crs") == 0 && argc == 5))
		argc = 3;
	else if (argc > 3 && (strcmp(verb, "--bad") != 0 || argc > 4)) {
		fprintf(stderr, "usage: %s HOST1 HOST2 [--bad | rules | cpu "
		    "| crs off|static|dynamic]\n", argv[0]);
		return 1;
	}
	if ((d = drive_open("proxmox", argc, argv, &env, hosts, &bad)) == NULL)
		return 1;
	if (strcmp(verb, "rules") == 0) {
		rows_rules(d, &env, err);
	} else if (strcmp(verb, "cpu") == 0) {
		drive_cpu(d, &env, 600, err);
	} else if (strcmp(verb, "crs") == 0) {
		row_crs(d, argv[4], err);
	} else if (bad) {
		row_bad(d, err);
	} else {
		drive_install(d, &env, err);
		drive_cluster(d, &env, err);
		drive_storage(d, &env, err);
		row_network(d, &env, err);
		drive_migration(d, &env, 1, err);
		drive_snapshot(d, err);
		row_backup(d, &env, err);
		drive_ha(d, err);
		drive_clone(d, &env, err);
		drive_metrics(d, err);
		drive_cleanup(d, vms, err);
	}
	return drive_close(d);
}
