/*
 * ref.h - the pure parts of the `ref` driver (ref.c) that its tests
 * link: what it reads of hvd's and etcd's answers for the drills.
 */
#ifndef HV_DRIVER_REF_H
#define HV_DRIVER_REF_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"

/*
 * hvd-watchdog's log (lines "TIME hvd-watchdog[PID]: mono_ns=N FENCE vm
 * NAME pid P killed ...") -> one drv_fence per kill, *f (caller frees),
 * *n of them; lines that are no kill are skipped.  0.  Pure.
 */
int ref_fences_parse(const char *text, struct drv_fence **f, size_t *n);

/* etcd's /v3/maintenance/status answer: 1 the answering member leads, 0
 * not, -1 not such an answer.  Pure. */
int ref_leader_parse(const char *text);

/*
 * hvd's metrics answer (GET /api/v1/{nodes,vms}/X/metrics) -> one
 * drv_metric per series that has a point: "name{label=value,...}",
 * subject, its newest value; appended to *out (realloc'd, caller frees),
 * *n.  0, or -1 with err.  Pure.
 */
int ref_series_parse(const cJSON *doc, const char *subject,
    struct drv_metric **out, size_t *n, char *err);
/* The points of series counter in such an answer into *pts (caller
 * frees), *n.  0, or -1 with err (no such series, a malformed point).
 * Pure. */
int ref_cpu_points(const cJSON *doc, const char *counter,
    struct drv_point **pts, size_t *n, char *err);

/* hvd's balancer settings as its PUT /api/v1/cluster/balance answers
 * them -> "mode=dynamic threshold=0.2 hold=2 margin=0.1 max_moves=2
 * interval_s=3" into buf (len bytes).  0, or -1 with err naming the
 * member that is missing or of the wrong type.  Pure. */
int ref_balance_applied(const cJSON *doc, char *buf, size_t len, char *err);

#endif
