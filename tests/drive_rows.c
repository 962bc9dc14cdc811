/*
 * drive_rows.c - the rows the drive programs share (drive_rows.h): each
 * driven the way the runner drives it, through the driver's operations
 * only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tests/drive_rows.h"

int drive_fails;

void
drive_row(const char *name, int ok, const char *what)
{
	printf("%s: %s (%s)\n", name, ok ? "pass" : "fail", what);
	drive_fails += !ok;
}

struct driver *
drive_open(const char *driver, int argc, char **argv, struct drv_env *env,
    struct drv_host hosts[2], int *bad)
{
	char err[ERR_LEN] = "";
	struct driver *d;
	int i;

	if (argc < 3 || (argc > 3 && strcmp(argv[3], "--bad") != 0)) {
		fprintf(stderr, "usage: %s HOST1 HOST2 [--bad]\n", argv[0]);
		return NULL;
	}
	*bad = argc > 3;
	memset(env, 0, sizeof(*env));
	memset(hosts, 0, 2 * sizeof(*hosts));
	for (i = 0; i < 2; i++)
		snprintf(hosts[i].h_name, sizeof(hosts[i].h_name), "%s",
		    argv[1 + i]);
	env->e_hosts = hosts;
	env->e_nhosts = 2;
	if ((d = driver_open(driver, env, err)) == NULL)
		printf("open: fail (%s)\n", err);
	return d;
}

int
drive_close(struct driver *d)
{
	printf("requests: %lu\n", d->d_calls);
	driver_close(d);
	return drive_fails ? 1 : 0;
}

void
drive_install(struct driver *d, const struct drv_env *env, char *err)
{
	struct drv_task t;
	size_t i;
	int ok = 1;

	for (i = 0; i < env->e_nhosts && ok; i++)
		ok = DRIVE_RUN(d, t, d->d_ops->host_install(d,
		    &env->e_hosts[i], &t, err)) == 0 && t.t_reused;
	drive_row("install", ok, ok ? "installed nodes answer" : err);
	ok = DRIVE_RUN(d, t, d->d_ops->cluster_form(d, "fixture", env->e_hosts,
	    env->e_nhosts, &t, err)) == 0;
	drive_row("cluster-form", ok, ok ? "cluster has the hosts" : err);
}

void
drive_cluster(struct driver *d, const struct drv_env *env, char *err)
{
	struct drv_cluster_info ci;
	struct drv_node_info ni;
	char what[ERR_LEN], ver[128];
	int ok;

	ok = d->d_ops->cluster_info(d, &ci, err) == 0 && ci.c_quorate &&
	    ci.c_nodes == (int)env->e_nhosts && ci.c_online == ci.c_nodes;
	snprintf(what, sizeof(what), "%d nodes, %d online, quorate %d",
	    ci.c_nodes, ci.c_online, ci.c_quorate);
	drive_row("cluster", ok, ok ? what : err);
	ok = d->d_ops->node_info(d, env->e_hosts[0].h_name, &ni, err) == 0 &&
	    ni.n_cpus > 0 && ni.n_memory_bytes > 0 &&
	    d->d_ops->platform_version(d, ver, sizeof(ver), err) == 0;
	snprintf(what, sizeof(what), "%s, %s, %d cpus, %s", ok ? ver : "",
	    ni.n_arch, ni.n_cpus, ni.n_hypervisor);
	drive_row("architecture", ok, ok ? what : err);
}

void
drive_storage(struct driver *d, const struct drv_env *env, char *err)
{
	const struct drv_pool p = { .p_name = "san", .p_type = "iscsi",
		.p_portal = "198.18.0.4:3260",
		.p_target = "iqn.2026-01.org.hvlab:san" };
	struct drv_task t;
	size_t i;
	int ok = DRIVE_RUN(d, t, d->d_ops->storage_attach(d, &p, &t, err)) == 0;

	for (i = 0; i < env->e_nhosts && ok; i++)
		ok = d->d_ops->storage_check(d, &p, env->e_hosts[i].h_name,
		    err) == 0;
	drive_row("shared-storage", ok, ok ? "every node sees san" : err);
}

int
drive_vm_on(struct driver *d, const char *vm, const char *host, int state,
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

void
drive_migration(struct driver *d, const struct drv_env *env, int downtime,
    char *err)
{
	const char *h1 = env->e_hosts[0].h_name, *h2 = env->e_hosts[1].h_name;
	const struct drv_vm_spec s = { .v_name = "mig1", .v_host = h1,
		.v_pool = "san", .v_vcpus = 1, .v_memory_mib = 128,
		.v_vlan = 20 };
	char what[ERR_LEN];
	struct drv_task t;
	int ok;

	ok = DRIVE_RUN(d, t, d->d_ops->vm_create(d, &s, &t, err)) == 0 &&
	    DRIVE_RUN(d, t, d->d_ops->vm_migrate(d, "mig1", h2,
	    DRV_MIGRATE_OFFLINE, &t, err)) == 0 &&
	    drive_vm_on(d, "mig1", h2, DRV_VM_STOPPED, err);
	drive_row("migration", ok, ok ? "stopped VM moved" : err);
	ok = DRIVE_RUN(d, t, d->d_ops->vm_start(d, "mig1", &t, err)) == 0 &&
	    DRIVE_RUN(d, t, d->d_ops->vm_migrate(d, "mig1", h1,
	    DRV_MIGRATE_LIVE, &t, err)) == 0 && drive_vm_on(d, "mig1", h1, DRV_VM_RUNNING, err) &&
	    (!downtime || t.t_downtime_ms >= 0);
	snprintf(what, sizeof(what), "platform_downtime_ms %.0f",
	    t.t_downtime_ms);
	drive_row("live-migration", ok, ok ? what : err);
}

void
drive_snapshot(struct driver *d, char *err)
{
	struct drv_task t;
	int ok;

	ok = DRIVE_RUN(d, t, d->d_ops->snapshot_create(d, "mig1", "before",
	    1, &t, err)) == 0 && DRIVE_RUN(d, t,
	    d->d_ops->snapshot_rollback(d, "mig1", "before", &t, err)) == 0 &&
	    DRIVE_RUN(d, t, d->d_ops->snapshot_delete(d, "mig1", "before", &t,
	    err)) == 0;
	drive_row("snapshot", ok, ok ? "taken with RAM, rolled back, deleted" :
	    err);
}

void
drive_ha(struct driver *d, char *err)
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
	drive_row("ha", ok, ok ? what : err);
}

void
drive_clone(struct driver *d, const struct drv_env *env, char *err)
{
	const struct drv_vm_spec nv = { .v_name = "cl1",
		.v_host = env->e_hosts[1].h_name };
	struct drv_task t;
	int ok;

	ok = DRIVE_RUN(d, t, d->d_ops->vm_stop(d, "mig1", 1, &t, err)) == 0 &&
	    DRIVE_RUN(d, t, d->d_ops->template_make(d, "mig1", &t, err)) == 0 &&
	    DRIVE_RUN(d, t, d->d_ops->clone(d, "mig1", &nv, 1, &t, err)) == 0 &&
	    drive_vm_on(d, "cl1", env->e_hosts[1].h_name, DRV_VM_STOPPED, err);
	drive_row("clone-template", ok, ok ? "template, linked clone cl1" :
	    err);
}

void
drive_metrics(struct driver *d, char *err)
{
	struct drv_metric *m = NULL;
	char what[ERR_LEN];
	size_t n = 0;
	int ok = d->d_ops->metrics(d, &m, &n, err) == 0 && n > 0;

	snprintf(what, sizeof(what), "%zu samples, first %s %s = %g", n,
	    n ? m[0].m_name : "", n ? m[0].m_subject : "", n ? m[0].m_value :
	    0.0);
	drive_row("monitoring", ok, ok ? what : err);
	free(m);
}

void
drive_cleanup(struct driver *d, const char *const vms[], char *err)
{
	struct drv_task t;
	size_t i;
	int ok = 1;

	for (i = 0; vms[i] != NULL && ok; i++)
		ok = DRIVE_RUN(d, t, d->d_ops->vm_delete(d, vms[i], &t,
		    err)) == 0;
	drive_row("cleanup", ok, ok ? "VMs deleted" : err);
}

/* vm's CPU series from since on: 0 with the points printed, or -1. */
static int
drive_cpu_read(struct driver *d, const char *vm, double since, int print,
    size_t *n, char *err)
{
	struct drv_point *p = NULL;
	size_t i;

	if (d->d_ops->vm_cpu(d, vm, since, &p, n, err) == -1)
		return -1;
	for (i = 0; i < *n && print; i++)
		printf("cpu-point: %.0f %g\n", p[i].pt_t, p[i].pt_v);
	free(p);
	return 0;
}

void
drive_cpu(struct driver *d, const struct drv_env *env, double back_s,
    char *err)
{
	static const char *const vms[] = { "cpu1", NULL };
	const struct drv_vm_spec s = { .v_name = "cpu1", .v_vcpus = 2,
		.v_host = env->e_hosts[0].h_name };
	double since = (double)clock_wall_ns() / 1e9 - back_s;
	char what[ERR_LEN];
	struct drv_task t;
	size_t stopped = 0, running = 0;
	int ok;

	ok = DRIVE_RUN(d, t, d->d_ops->vm_create(d, &s, &t, err)) == 0;
	if (ok && drive_cpu_read(d, "cpu1", since, 0, &stopped, err) == 0)
		printf("cpu-stopped: %zu points\n", stopped);
	else if (ok)
		printf("cpu-stopped: none (%s)\n", err);
	ok = ok && DRIVE_RUN(d, t, d->d_ops->vm_start(d, "cpu1", &t,
	    err)) == 0 && drive_cpu_read(d, "cpu1", since, 1, &running,
	    err) == 0;
	snprintf(what, sizeof(what), "since %.0f: %zu points running", since,
	    running);
	drive_row("cpu", ok && stopped == 0 && running > 0, ok ? what : err);
	DRIVE_RUN(d, t, d->d_ops->vm_stop(d, "cpu1", 1, &t, err));
	drive_cleanup(d, vms, err);
}
