/*
 * ovs.h - Open vSwitch of the lab's switch and hosts (lab/ovs.c).
 */
#ifndef HV_LAB_OVS_H
#define HV_LAB_OVS_H

#include "lab/lab.h"

/* Write the switch node's services, ovs-pre.sh and net.sh into dir. */
int ovs_write_switch(const struct lab *lab, const char *dir, char *err);
/* Write host h's services, ovs-pre.sh and net.sh into dir. */
int ovs_write_host(const struct lab *lab, const struct topo_host *h,
    const char *dir, char *err);

#endif
