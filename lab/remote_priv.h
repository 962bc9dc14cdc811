/*
 * remote_priv.h - what the remote provider's files share (lab/remote.c,
 * lab/remote_host.c).
 */
#ifndef HV_LAB_REMOTE_PRIV_H
#define HV_LAB_REMOTE_PRIV_H

#include "lab/remote.h"

/* A command over SSH: connecting is bounded by ConnectTimeout, the
 * command by this. */
#define RLAB_SSH_TIMEOUT_MS 120000

/* The lab's inventory, loaded from its topology file (errors printed
 * with their FILE:LINE); the caller frees *ri.  0 or -1 with err. */
int rlab_inv(struct lab *lab, struct rinv **ri, char *err);

/* One line of the lab's events.jsonl: {"provider":"remote","action":
 * ACTION,"target":TARGET,"detail":DETAIL,"rc":...} with both clocks. */
void rlab_log(const struct lab *lab, const char *action, const char *target,
    const char *detail, const struct rrun *r);

/* The shell command cmd on host over SSH, logged as action (NULL: not
 * logged); 0, or -1 with err (its exit code and first output). */
int rlab_host_sh(struct lab *lab, const struct rinv *ri, const char *host,
    const char *cmd, const char *action, char *err);

/* The host verbs (remote_host.c), as struct lab_provider has them. */
int rlab_exec(struct lab *lab, const char *node, char *const argv[],
    char *err);
int rlab_put(struct lab *lab, const char *node, const char *path,
    const void *data, size_t len, mode_t mode, char *err);
int rlab_host_dirs(struct lab *lab, const char *host,
    const char *const keep[], const char *const tmpfs[], char *err);
int rlab_service(struct lab *lab, const char *node, const char *kind,
    const char *const argv[], char *err);

#endif
