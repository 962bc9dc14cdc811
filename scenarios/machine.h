/*
 * machine.h - results.json's `machine` block (machine.c): cores, CPU model,
 * QEMU version, the accelerator guests used, where that came from and why.
 */
#ifndef HV_MACHINE_H
#define HV_MACHINE_H

#include "reports/results.h"
#include "scenarios/drivers/driver.h"

/*
 * This machine's cores and CPU model, QEMU's version from its binary, and
 * the accelerator hvlab's own probe picks (HVLAB_ACCEL honoured): the
 * block as known before any platform speaks.  0, or -1 with err (a bad
 * HVLAB_ACCEL).
 */
int machine_describe(struct results *rs, char *err);

/*
 * What the platform told: a node's QEMU version and accelerator decision
 * (ni, may be NULL), and the accelerator a guest's QEMU reported
 * (guest_accel, query-kvm; may be NULL or "").  Each known figure
 * replaces the one machine_describe guessed.
 */
void machine_from_platform(struct results *rs,
    const struct drv_node_info *ni, const char *guest_accel);

#endif
