/*
 * san.h - the lab's iSCSI SAN: tgtd and its LUNs (lab/san.c).
 */
#ifndef HV_LAB_SAN_H
#define HV_LAB_SAN_H

#include "lab/lab.h"

/* Make the sparse LUN files (kept when they exist) and write the SAN
 * node's services and targets.sh into dir. */
int san_write(const struct lab *lab, const char *dir, char *err);
/* Path of LUN n (1-based) of the SAN whose node directory is dir. */
void san_lun_path(const char *dir, int n, char *buf, size_t len);

#endif
