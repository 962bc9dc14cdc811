/*
 * xcpng_priv.h - what the xcpng driver's files share: its state, the call
 * helpers (xcpng.c) and the VM, snapshot, image and network operations
 * (xcpng_vm.c, xcpng_snap.c, xcpng_net.c) the ops table names.
 */
#ifndef HV_DRIVER_XCPNG_PRIV_H
#define HV_DRIVER_XCPNG_PRIV_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/xcpng.h"
#include "scenarios/drivers/xcpng_api.h"

#define XCP_NULL_REF "OpaqueRef:NULL"
#define XCP_UUID_MAX 65		/* a uuid as XAPI answers it, and NUL */

struct xcp {
	struct xcp_inventory inv;
	struct xapi *api;
	unsigned long calls_seen;	/* of xapi_calls, in d_calls */
};

/*
 * A JSON array of call parameters after the session, one per letter of
 * types: 's' a string (char *), 'i' an int (long long), 'b' a bool (int),
 * 'j' a JSON value (cJSON *, taken).  NULL when out of memory (the
 * 'j' values are freed then too).
 */
cJSON *xcp_args(const char *types, ...);

/* Count the requests sent since the last look into d_calls. */
void xcp_count(struct driver *d);
/* method(params): its result into *result (caller frees; may be NULL).
 * params is consumed. */
int xcp_call(struct driver *d, const char *method, cJSON *params,
    cJSON **result, char *err);
/* The same, the result a reference into ref (XAPI_REF_MAX bytes). */
int xcp_call_ref(struct driver *d, const char *method, cJSON *params,
    char *ref, char *err);
/* An Async.* call: the task's reference into t. */
int xcp_call_task(struct driver *d, const char *method, cJSON *params,
    struct drv_task *t, char *err);
/* An Async.* call waited for; its result's reference into ref
 * (XAPI_REF_MAX bytes; may be NULL). */
int xcp_run(struct driver *d, const char *method, cJSON *params, char *ref,
    char *err);
/* The object of class cls (VM, host, SR, network) named name: 1 found,
 * 0 not, -1 with err.  A VM is never a snapshot. */
int xcp_find(struct driver *d, const char *cls, const char *name,
    char *ref, char *err);
/* The same, not finding it an error. */
int xcp_need(struct driver *d, const char *cls, const char *name,
    char *ref, char *err);
/* The name_label of ref (class cls) into name. */
int xcp_name(struct driver *d, const char *cls, const char *ref,
    char *name, size_t len, char *err);
/* The name_label of host ref into name: "" for OpaqueRef:NULL (a halted
 * VM resides on no host). */
int xcp_host_name(struct driver *d, const char *ref, char *name, size_t len,
    char *err);
/* The pool (there is one). */
int xcp_pool(struct driver *d, char *ref, char *err);
/* An int as XAPI answers it (a JSON number, or a string of digits). */
int xcp_int(const cJSON *v, int64_t *out);

/* xcpng_vm.c */
int xcp_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err);
int xcp_vm_start(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int xcp_vm_stop(struct driver *d, const char *vm, int force,
    struct drv_task *t, char *err);
int xcp_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int xcp_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err);
int xcp_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err);
int xcp_task_status(struct driver *d, struct drv_task *t, char *err);
/* Destroy vm (halted) with the VDIs of its disks. */
int xcp_vm_destroy(struct driver *d, const char *ref, char *err);

/* xcpng_snap.c */
int xcp_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err);
int xcp_snapshot_rollback(struct driver *d, const char *vm,
    const char *snap, struct drv_task *t, char *err);
int xcp_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err);
int xcp_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err);
int xcp_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int xcp_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err);
int xcp_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);

/* xcpng_pool.c */
int xcp_ha_enable(struct driver *d, const char *vm, char *err);
int xcp_ha_disable(struct driver *d, const char *vm, char *err);
int xcp_ha_status(struct driver *d, const char *vm,
    struct drv_ha_status *hs, char *err);
int xcp_metrics(struct driver *d, struct drv_metric **out, size_t *n,
    char *err);
/* The uuid of the VM called vm (what /export and /rrd_updates name it
 * by) into uuid (len bytes). */
int xcp_vm_uuid(struct driver *d, const char *vm, char *uuid, size_t len,
    char *err);
int xcp_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err);
/*
 * An export of /rrd_updates?vm_uuid=UUID -> the VM's CPU use in cores (the
 * sum of its cpuN columns, each a vCPU's use 0..1) for each row from
 * since on, oldest first, into out (room for r_nrows), *n of them.  A
 * row where a vCPU has no number is left out.  -1 with err when the
 * export has no cpuN column of the VM.  Pure.
 */
int xcp_rrd_cores(const struct xapi_rrd *r, const char *uuid, double since,
    struct drv_point *out, size_t *n, char *err);

/* xcpng_net.c */
int xcp_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err);
/* The network named name, created pool-wide when missing. */
int xcp_network_get(struct driver *d, const char *name, char *ref,
    char *err);

#endif
