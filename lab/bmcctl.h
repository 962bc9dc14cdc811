/*
 * bmcctl.h - the lab's side of its BMCs (lab/bmcctl.c): their state
 * directory <state>/bmc/ (credentials, TLS certificate, pid file, log)
 * and the hvlab-bmc daemon (lab/bmcd.c) started at `lab up` and stopped
 * at `lab down`.
 */
#ifndef HV_LAB_BMCCTL_H
#define HV_LAB_BMCCTL_H

#include "lab/lab.h"

#define BMC_PORT 443

/* <state>/bmc/NAME into buf. */
void bmcctl_path(const char *state, const char *name, char *buf,
    size_t len);

/*
 * Write the BMCs' password (the topology's, else a new one; 0600) and a
 * self-signed certificate for their addresses into <state>/bmc/, start
 * hvlab-bmc in network namespace ns and wait until it serves.  0 or -1
 * with err.
 */
int bmcctl_start(const struct lab *lab, const char *ns, char *err);

/* Stop lab name's hvlab-bmc (by its pid file, checked against the
 * process's command line); nothing when none runs. */
void bmcctl_stop(const char *state, const char *name);

/* The password in <state>/bmc/password into buf: 0 or -1 with err. */
int bmcctl_password(const char *state, char *buf, size_t len, char *err);

#endif
