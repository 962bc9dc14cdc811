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
 *   pvedrive NODE1 NODE2 [--bad]
 *
 * --bad sends one request the reference rejects (a VM id that is no
 * integer) and passes when the API refuses it.  Exit 0 when every row
 * passed, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/proxmox_priv.h"

#define WAIT_NS (60ULL * NS_PER_S)

static int fails;

static void
row(const char *name, int ok, const char *what)
{
	printf("%s: %s (%s)\n", name, ok ? "pass" : "fail", what);
	fails += !ok;
}

/* Start an operation's task and wait for it; 0 or -1 with err. */
#define RUN(d, t, call) \
	(drv_task_init(&(t)), (call) == 0 && \
	    driver_task_wait((d), &(t), WAIT_NS, NULL, err) == 0 ? 0 : -1)

static void
row_install(struct driver *d, const struct drv_env *env, char *err)
{
	struct drv_task t;
	size_t i;
	int ok = 1;

	for (i = 0; i < env->e_nhosts && ok; i++)
		ok = RUN(d, t, d->d_ops->host_install(d, &env->e_hosts[i], &t,
		    err)) == 0 && t.t_reused;
	row("install", ok, ok ? "installed nodes answer" : err);
	ok = RUN(d, t, d->d_ops->cluster_form(d, "fixture", env->e_hosts,
	    env->e_nhosts, &t, err)) == 0;
	row("cluster-form", ok, ok ? "cluster has the hosts" : err);
}

static void
row_cluster(struct driver *d, const struct drv_env *env, char *err)
{
	struct drv_cluster_info ci;
	struct drv_node_info ni;
	char what[ERR_LEN], ver[128];
	int ok;

	ok = d->d_ops->cluster_info(d, &ci, err) == 0 && ci.c_quorate &&
	    ci.c_nodes == (int)env->e_nhosts && ci.c_online == ci.c_nodes;
	snprintf(what, sizeof(what), "%d nodes, %d online, quorate %d",
	    ci.c_nodes, ci.c_online, ci.c_quorate);
	row("cluster", ok, ok ? what : err);
	ok = d->d_ops->node_info(d, env->e_hosts[0].h_name, &ni, err) == 0 &&
	    ni.n_cpus > 0 && ni.n_memory_bytes > 0 &&
	    d->d_ops->platform_version(d, ver, sizeof(ver), err) == 0;
	snprintf(what, sizeof(what), "%s, %s, %d cpus, %s", ok ? ver : "",
	    ni.n_arch, ni.n_cpus, ni.n_hypervisor);
	row("architecture", ok, ok ? what : err);
}

static void
row_storage(struct driver *d, const struct drv_env *env, char *err)
{
	const struct drv_pool p = { .p_name = "san", .p_type = "iscsi",
		.p_portal = "198.18.0.4:3260",
		.p_target = "iqn.2026-01.org.hvlab:san" };
	struct drv_task t;
	size_t i;
	int ok = RUN(d, t, d->d_ops->storage_attach(d, &p, &t, err)) == 0;

	for (i = 0; i < env->e_nhosts && ok; i++)
		ok = d->d_ops->storage_check(d, &p, env->e_hosts[i].h_name,
		    err) == 0;
	row("shared-storage", ok, ok ? "every node sees san" : err);
}

static int
vm_on(struct driver *d, const char *vm, const char *host, int state,
    char *err)
{
	struct drv_vm_info vi;

	if (d->d_ops->vm_info(d, vm, &vi, err) == -1)
		return 0;
	if (strcmp(vi.i_host, host) != 0 || (int)vi.i_state != state) {
		err_set(err, "%s on %s in state %d", vm, vi.i_host,
		    (int)vi.i_state);
		return 0;
	}
	return 1;
}

static void
row_migration(struct driver *d, const struct drv_env *env, char *err)
{
	const char *h1 = env->e_hosts[0].h_name, *h2 = env->e_hosts[1].h_name;
	const struct drv_vm_spec s = { .v_name = "mig1", .v_host = h1,
		.v_pool = "san", .v_vcpus = 1, .v_memory_mib = 128,
		.v_vlan = 20 };
	char what[ERR_LEN];
	struct drv_task t;
	int ok;

	ok = RUN(d, t, d->d_ops->vm_create(d, &s, &t, err)) == 0 &&
	    RUN(d, t, d->d_ops->vm_migrate(d, "mig1", h2,
	    DRV_MIGRATE_OFFLINE, &t, err)) == 0 &&
	    vm_on(d, "mig1", h2, DRV_VM_STOPPED, err);
	row("migration", ok, ok ? "stopped VM moved" : err);
	ok = RUN(d, t, d->d_ops->vm_start(d, "mig1", &t, err)) == 0 &&
	    RUN(d, t, d->d_ops->vm_migrate(d, "mig1", h1, DRV_MIGRATE_LIVE,
	    &t, err)) == 0 && vm_on(d, "mig1", h1, DRV_VM_RUNNING, err) &&
	    t.t_downtime_ms >= 0;
	snprintf(what, sizeof(what), "platform_downtime_ms %.0f",
	    t.t_downtime_ms);
	row("live-migration", ok, ok ? what : err);
}

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

	ok = RUN(d, t, d->d_ops->network_apply(d, &n, &t, err)) == 0;
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
	row("network", ok, ok ? what : err);
}

static void
row_snapshot(struct driver *d, char *err)
{
	struct drv_task t;
	int ok;

	ok = RUN(d, t, d->d_ops->snapshot_create(d, "mig1", "before", 1, &t,
	    err)) == 0 && RUN(d, t, d->d_ops->snapshot_rollback(d, "mig1",
	    "before", &t, err)) == 0 && RUN(d, t,
	    d->d_ops->snapshot_delete(d, "mig1", "before", &t, err)) == 0;
	row("snapshot", ok, ok ? "taken with RAM, rolled back, deleted" : err);
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
	ok = d->d_ops->backup(d, &b, &t, err) == 0 && RUN(d, t,
	    d->d_ops->restore(d, b.b_id, &nv, &t, err)) == 0;
	if (ok) {
		struct drv_vm_info vi;

		ok = d->d_ops->vm_info(d, "rst1", &vi, err) == 0;
	}
	snprintf(what, sizeof(what), "restored %s as rst1", b.b_id);
	row("backup-restore", ok, ok ? what : err);
	(void)env;
}

static void
row_ha(struct driver *d, char *err)
{
	struct drv_ha_status hs;
	char what[ERR_LEN];
	int ok;

	ok = d->d_ops->ha_enable(d, "mig1", err) == 0 &&
	    d->d_ops->ha_status(d, "mig1", &hs, err) == 0 && hs.hs_found &&
	    hs.hs_running && hs.hs_manager[0] != '\0';
	snprintf(what, sizeof(what), "manager %s, vm:%s on %s", hs.hs_manager,
	    hs.hs_state, hs.hs_node);
	ok = ok && d->d_ops->ha_disable(d, "mig1", err) == 0 &&
	    d->d_ops->ha_status(d, "mig1", &hs, err) == 0 && !hs.hs_found;
	row("ha", ok, ok ? what : err);
}

static void
row_clone(struct driver *d, const struct drv_env *env, char *err)
{
	const struct drv_vm_spec nv = { .v_name = "cl1",
		.v_host = env->e_hosts[1].h_name };
	struct drv_task t;
	int ok;

	ok = RUN(d, t, d->d_ops->vm_stop(d, "mig1", 1, &t, err)) == 0 &&
	    RUN(d, t, d->d_ops->template_make(d, "mig1", &t, err)) == 0 &&
	    RUN(d, t, d->d_ops->clone(d, "mig1", &nv, 1, &t, err)) == 0 &&
	    vm_on(d, "cl1", env->e_hosts[1].h_name, DRV_VM_STOPPED, err);
	row("clone-template", ok, ok ? "template, linked clone cl1" : err);
}

static void
row_metrics(struct driver *d, char *err)
{
	struct drv_metric *m = NULL;
	char what[ERR_LEN];
	size_t n = 0;
	int ok = d->d_ops->metrics(d, &m, &n, err) == 0 && n > 0;

	snprintf(what, sizeof(what), "%zu samples, first %s %s = %g", n,
	    n ? m[0].m_name : "", n ? m[0].m_subject : "", n ? m[0].m_value :
	    0.0);
	row("monitoring", ok, ok ? what : err);
	free(m);
}

static void
row_cleanup(struct driver *d, char *err)
{
	static const char *const vms[] = { "cl1", "rst1", "mig1", NULL };
	struct drv_task t;
	size_t i;
	int ok = 1;

	for (i = 0; vms[i] != NULL && ok; i++)
		ok = RUN(d, t, d->d_ops->vm_delete(d, vms[i], &t, err)) == 0;
	row("cleanup", ok, ok ? "VMs deleted" : err);
}

/* A request the reference rejects must come back refused. */
static void
row_bad(struct driver *d, char *err)
{
	const struct pve_param q[] = { { "vmid", "not-a-number" },
		{ NULL, NULL } };
	int refused = pve_call(d, "POST", "/nodes/pve1/qemu", q, NULL, err) ==
	    -1 && strstr(err, "400") != NULL && strstr(err, "vmid") != NULL;

	row("bad-request", refused, err);
}

int
main(int argc, char **argv)
{
	struct drv_host hosts[2];
	struct drv_env env;
	struct driver *d;
	char err[ERR_LEN] = "";
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: pvedrive NODE1 NODE2 [--bad]\n");
		return 1;
	}
	memset(&env, 0, sizeof(env));
	memset(hosts, 0, sizeof(hosts));
	for (i = 0; i < 2; i++)
		snprintf(hosts[i].h_name, sizeof(hosts[i].h_name), "%s",
		    argv[1 + i]);
	env.e_hosts = hosts;
	env.e_nhosts = 2;
	if ((d = driver_open("proxmox", &env, err)) == NULL) {
		printf("open: fail (%s)\n", err);
		return 1;
	}
	if (argc > 3 && strcmp(argv[3], "--bad") == 0) {
		row_bad(d, err);
	} else {
		row_install(d, &env, err);
		row_cluster(d, &env, err);
		row_storage(d, &env, err);
		row_network(d, &env, err);
		row_migration(d, &env, err);
		row_snapshot(d, err);
		row_backup(d, &env, err);
		row_ha(d, err);
		row_clone(d, &env, err);
		row_metrics(d, err);
		row_cleanup(d, err);
	}
	printf("requests: %lu\n", d->d_calls);
	driver_close(d);
	return fails ? 1 : 0;
}
