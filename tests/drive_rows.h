/*
 * drive_rows.h - the suite's rows as the drive programs (pvedrive,
 * xapidrive) run them through a driver against its platform, without a
 * lab or guests: each row one line "ROW: pass|fail (what it saw)" and a
 * count of the failed ones.  What a row proves is that the driver's
 * requests are accepted and its readings of the answers are right.
 */
#ifndef HV_DRIVE_ROWS_H
#define HV_DRIVE_ROWS_H

#include "clock.h"
#include "scenarios/drivers/driver.h"

#define DRIVE_WAIT_NS (60ULL * NS_PER_S)

/* Rows failed so far. */
extern int drive_fails;

/* Print a row's line and count it when it failed. */
void drive_row(const char *name, int ok, const char *what);

/* Start an operation's task and wait for it; 0 or -1 with err. */
#define DRIVE_RUN(d, t, call) \
	(drv_task_init(&(t)), (call) == 0 && \
	    driver_task_wait((d), &(t), DRIVE_WAIT_NS, NULL, err) == 0 ? 0 : -1)

/* 1 when vm is on host in state, else 0 with err saying where it is. */
int drive_vm_on(struct driver *d, const char *vm, const char *host,
    int state, char *err);

/* install, cluster-form, cluster, architecture, shared-storage (an iscsi
 * pool "san"). */
void drive_install(struct driver *d, const struct drv_env *env, char *err);
void drive_cluster(struct driver *d, const struct drv_env *env, char *err);
void drive_storage(struct driver *d, const struct drv_env *env, char *err);
/* migration and live-migration of a VM "mig1" made on host 0 (with
 * downtime: the platform's own figure must be read). */
void drive_migration(struct driver *d, const struct drv_env *env,
    int downtime, char *err);
/* snapshot (with RAM), ha, clone-template (linked clone "cl1" of mig1
 * made a template), monitoring, and the VMs deleted (NULL-terminated). */
void drive_snapshot(struct driver *d, char *err);
void drive_ha(struct driver *d, char *err);
void drive_clone(struct driver *d, const struct drv_env *env, char *err);
void drive_metrics(struct driver *d, char *err);
void drive_cleanup(struct driver *d, const char *const vms[], char *err);
/*
 * cpu: a 2-vCPU VM "cpu1" on host 0, its CPU series (vm_cpu) from back_s
 * ago read stopped ("cpu-stopped: N points" or "cpu-stopped: none (why)")
 * and running (a "cpu-point: TIME CORES" line a point), then deleted.
 * The row passes when the stopped VM has no point and the running one
 * has some.
 */
void drive_cpu(struct driver *d, const struct drv_env *env, double back_s,
    char *err);

/*
 * "PROG HOST1 HOST2 [--bad]": the named driver opened on an env of those
 * two hosts, *bad set when --bad is given.  NULL after printing the
 * usage or "open: fail (why)".
 */
struct driver *drive_open(const char *driver, int argc, char **argv,
    struct drv_env *env, struct drv_host hosts[2], int *bad);
/* Print how many requests went out and close d: main's exit status. */
int drive_close(struct driver *d);

#endif
