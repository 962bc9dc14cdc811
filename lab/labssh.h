/*
 * labssh.h - `ssh: true`: sshd in each host of a netns lab, its keys
 * under the lab's state directory (docs/lab.md "SSH").
 */
#ifndef HV_LAB_LABSSH_H
#define HV_LAB_LABSSH_H

#include "lab/lab.h"

/*
 * For host h (node directory dir, its service file written already):
 * the lab's client key pair in <state>/ssh/ (made once, 0600), the
 * host's host key and sshd_config in dir, its line in
 * <state>/ssh/known_hosts, and sshd appended to its services.  0 or -1
 * with err.
 */
int labssh_write_host(const struct lab *lab, const struct topo_host *h,
    const char *dir, char *err);

#endif
