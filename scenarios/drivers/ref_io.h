/*
 * ref_io.h - what the `ref` driver's export and import (ref_io.c) take
 * from ref.c: its API calls, a host's console, the host it speaks to,
 * and VM deletion with the volumes hvd made for the VM.
 */
#ifndef HV_DRIVER_REF_IO_H
#define HV_DRIVER_REF_IO_H

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"

/* The exchange place on every hvd node: in its export_dirs and its
 * import_dirs (ref.c writes them into hvd.conf). */
#define REF_EXCHANGE "/var/lib/hvd/exchange"

/* ref.c: METHOD PATH BODY (freed), the answer into *out (may be NULL). */
int ref_call(struct driver *d, const char *method, const char *path,
    cJSON *body, cJSON **out, char *err);
/* ref.c: METHOD PATH BODY (freed) that starts a task: its id into t. */
int ref_task(struct driver *d, const char *method, const char *path,
    cJSON *body, struct drv_task *t, char *err);
/* ref.c: argv at host's console, stdout into *out (may be NULL). */
int ref_console(struct driver *d, const char *host, const char *const argv[],
    char **out, long timeout_ms, char *err);
/* ref.c: delete vm and the volumes hvd made with it. */
int ref_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
/* ref.c: the host whose hvd the driver speaks to now. */
const char *ref_api_host(struct driver *d);

/* ref_io.c: the driver's vm_export and vm_import (driver.h). */
int ref_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err);
int ref_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);

#endif
