/*
 * ref_priv.h - what the `ref` driver's files share (ref.c, ref_metrics.c):
 * a call to hvd's API, the cluster CA the driver verifies hvd with, and
 * the operations kept in files of their own.  Private to the driver.
 */
#ifndef HV_DRIVER_REF_PRIV_H
#define HV_DRIVER_REF_PRIV_H

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"

#define REF_API_PORT 8006

/* METHOD PATH BODY to a node that answers, the answer into *out (caller
 * frees; out may be NULL).  body is freed.  0, or -1 with err. */
int ref_call(struct driver *d, const char *method, const char *path,
    cJSON *body, cJSON **out, char *err);
/* The cluster CA's file the driver verifies hvd with ("" before the
 * cluster was formed). */
const char *ref_ca_file(struct driver *d);

/* ref_metrics.c: driver_ops' metrics, vm_cpu, prom (driver.h). */
int ref_metrics(struct driver *d, struct drv_metric **out, size_t *n,
    char *err);
int ref_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err);
int ref_prom(struct driver *d, struct drv_prom *p, char *err);

#endif
