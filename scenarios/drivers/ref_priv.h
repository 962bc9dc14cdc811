/*
 * ref_priv.h - what the `ref` driver's files share (ref.c, ref_backup.c):
 * requests to hvd's API, a command at a host's console, and a VM's guest
 * words set in its config.  Not for anything outside the driver.
 */
#ifndef HV_DRIVER_REF_PRIV_H
#define HV_DRIVER_REF_PRIV_H

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"

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

#endif
