/*
 * ref.h - the pure parts of the `ref` driver (ref.c) that its tests
 * link: what it reads of hvd's and etcd's answers for the drills.
 */
#ifndef HV_DRIVER_REF_H
#define HV_DRIVER_REF_H

#include <stddef.h>

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

#endif
