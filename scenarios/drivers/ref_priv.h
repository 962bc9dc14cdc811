/*
 * ref_priv.h - what the `ref` driver's files share (ref.c, ref_backup.c,
 * ref_metrics.c, ref_io.c): requests to hvd's API, the cluster CA the driver
 * verifies hvd with, a command at a host's console, a VM's guest words
 * set in its config, and the operations kept in files of their own.
 * Private to the driver.
 */
#ifndef HV_DRIVER_REF_PRIV_H
#define HV_DRIVER_REF_PRIV_H

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"

#define REF_API_PORT 8006
/* The exchange place on every hvd node: in its export_dirs and its
 * import_dirs (ref.c writes them into hvd.conf). */
#define REF_EXCHANGE "/var/lib/hvd/exchange"

/* METHOD PATH BODY, the answer into *out (caller frees; out may be
 * NULL).  body is freed.  0, or -1 with err. */
int ref_call(struct driver *d, const char *method, const char *path,
    cJSON *body, cJSON **out, char *err);
/* METHOD PATH BODY that starts a task: its id into t (or t done).
 * body is freed.  0, or -1 with err. */
int ref_task(struct driver *d, const char *method, const char *path,
    cJSON *body, struct drv_task *t, char *err);
/* argv at host's console (the lab's exec), stdout into *out. */
int ref_console(struct driver *d, const char *host, const char *const argv[],
    char **out, long timeout_ms, char *err);
/* vm's cmdline (its guest words) replaced in its config. */
int ref_clone_words(struct driver *d, const char *vm, const char *words,
    char *err);

/* ref_backup.c: the backup operations (docs/platforms/ref.md). */
int ref_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err);
int ref_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);
int ref_backup_delete(struct driver *d, const char *backup_id,
    struct drv_task *t, char *err);
int ref_backup_job_create(struct driver *d, const struct drv_backup_job *j,
    char *err);
int ref_backup_job_status(struct driver *d, struct drv_backup_job *j,
    char *err);
int ref_backup_job_delete(struct driver *d, const struct drv_backup_job *j,
    char *err);
/* vm deleted with the volumes hvd made with it. */
int ref_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
/* The host whose hvd the driver speaks to now. */
const char *ref_api_host(struct driver *d);
/* The cluster CA's file the driver verifies hvd with ("" before the
 * cluster was formed). */
const char *ref_ca_file(struct driver *d);

/* ref_metrics.c: driver_ops' metrics, vm_cpu, prom (driver.h). */
int ref_metrics(struct driver *d, struct drv_metric **out, size_t *n,
    char *err);
int ref_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err);
int ref_prom(struct driver *d, struct drv_prom *p, char *err);

/* ref_balance.c: the driver's balance_set (driver.h). */
int ref_balance_set(struct driver *d, struct drv_balance *b, char *err);

/* ref_io.c: the driver's vm_export and vm_import (driver.h). */
int ref_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err);
int ref_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);

#endif
