/*
 * ovs.h - Open vSwitch of the lab's switch and hosts (lab/ovs.c).
 */
#ifndef HV_LAB_OVS_H
#define HV_LAB_OVS_H

#include <stdio.h>

#include "lab/lab.h"

/* Write the switch node's services, ovs-pre.sh and net.sh into dir. */
int ovs_write_switch(const struct lab *lab, const char *dir, char *err);
/* Write host h's services, ovs-pre.sh and net.sh into dir. */
int ovs_write_host(const struct lab *lab, const struct topo_host *h,
    const char *dir, char *err);

/* ovs-vsctl words adding host h's switch port(s) (a LACP bond or plain
 * ports, trunk or access) to bridge, each command preceded by sep. */
void ovs_switch_port(FILE *f, const struct topo_host *h, const char *bridge,
    const char *sep);
/* ovs-vsctl words removing host h's switch port(s) from bridge. */
void ovs_switch_port_del(FILE *f, const struct topo_host *h,
    const char *bridge);

#endif
