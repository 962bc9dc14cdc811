/*
 * ovs.h - Open vSwitch of the lab's switch and hosts (lab/ovs.c).
 */
#ifndef HV_LAB_OVS_H
#define HV_LAB_OVS_H

#include <stdio.h>

#include "lab/lab.h"
#include "lab/provider.h"

#define OVS_PORT_NAME_MAX 32
#define OVS_UUID_LEN 36

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

/* Whether s fits host h's switch port(s): rate and interval in range, a
 * rebalance interval only for a LACP bond.  0, or -1 with err naming h. */
int ovs_switch_port_check(const struct topo_host *h,
    const struct lab_port_set *s, char *err);
/* The names of host h's switch ports (its LACP bond: the host's name; else
 * <host>-ethN) into names; returns how many (at most TOPO_MAX_NICS). */
int ovs_switch_port_names(const struct topo_host *h,
    char names[][OVS_PORT_NAME_MAX]);
/* ovs-vsctl words applying s (checked) to host h's switch ports, each
 * command preceded by " --".  old[i] is the QoS row port i refers to now
 * ("" when none): QoS rows outlive their ports' references (root rows),
 * so a changed or removed cap destroys the old one. */
void ovs_switch_port_set(FILE *f, const struct topo_host *h,
    const struct lab_port_set *s, char old[][OVS_UUID_LEN + 1]);
/* The answer of `ovs-vsctl get port P qos` (out, len bytes): a UUID into
 * uuid, or "" for "[]".  0, or -1 with err when it is neither. */
int ovs_qos_parse(const char *out, size_t len, char uuid[OVS_UUID_LEN + 1],
    char *err);

#endif
