/*
 * remote.h - the `remote` lab provider: a lab of real servers, described
 * by an inventory (`remote:` under `lab:` with `provider: remote`) and
 * never built.  Its verbs reach hosts over SSH (OpenSSH's client), their
 * power through their BMCs (Debian's fence agents), cables through a
 * switch command or the host itself (docs/remote.md).
 *
 * remote_inv.c loads the inventory (pure: file:line errors, no I/O but
 * the file); remote_ssh.c runs commands on the station, over SSH and
 * through fence agents; remote.c is the provider and `lab check`.
 */
#ifndef HV_LAB_REMOTE_H
#define HV_LAB_REMOTE_H

#include <stdio.h>
#include <sys/types.h>

#include "lab/lab.h"
#include "lab/provider.h"

#define RINV_PATH 256
#define RINV_ADDR 64
#define RINV_WORD 64
#define RINV_CMD 256

/* How a node is reached by SSH. */
struct rinv_ssh {
	char rs_addr[RINV_ADDR];	/* "" = not by SSH */
	char rs_user[RINV_WORD];	/* default: remote.ssh.user, root */
	char rs_key[RINV_PATH];		/* default: remote.ssh.key */
	int rs_port;			/* default 22 */
};

enum rinv_bmc_kind { RINV_BMC_NONE = 0, RINV_BMC_REDFISH, RINV_BMC_IPMI };

struct rinv_bmc {
	enum rinv_bmc_kind rb_kind;
	char rb_addr[RINV_ADDR];	/* the BMC's address (host[:port]) */
	char rb_user[RINV_WORD];
	char rb_password_file[RINV_PATH];
	int rb_verify;			/* 1: check its TLS certificate */
};

/* What a host's init does with the platform's directories and services
 * (docs/remote.md "Host verbs"). */
enum rinv_init { RINV_INIT_SYSTEMD = 0, RINV_INIT_HVLAB };

struct rinv_host {
	char rh_name[TOPO_HOST_NAME_MAX + 1];
	int rh_line;
	struct rinv_ssh rh_ssh;
	struct rinv_bmc rh_bmc;
	enum rinv_init rh_init;
	struct rinv_nic {
		char rn_dev[RINV_WORD];	/* its device on the host (ethI) */
		char rn_port[RINV_WORD];	/* its switch port, "" = none */
	} rh_nics[TOPO_MAX_NICS];
	int rh_nnics;
};

/* Commands run over SSH on addr, or on the station when it has none;
 * {port} in a switch command is the port's name. */
struct rinv_cmds {
	struct rinv_ssh rc_ssh;
	char rc_down[RINV_CMD];
	char rc_up[RINV_CMD];
	char rc_portal[RINV_ADDR];	/* SAN: its iSCSI portal, host:port */
};

struct rinv {
	char ri_file[TOPO_MAX_PATH];
	char ri_known_hosts[RINV_PATH];	/* default ~/.ssh/known_hosts */
	struct rinv_ssh ri_ssh;		/* defaults: user, key, port */
	char ri_station_netns[RINV_WORD];	/* "" = this machine */
	char ri_embedded[TOPO_LAB_NAME_MAX + 1];	/* init: hvlab hosts' lab */
	struct rinv_host ri_hosts[TOPO_MAX_HOSTS];
	int ri_nhosts;
	struct rinv_cmds ri_switch;	/* rc_down "" = host-side unplug */
	struct rinv_cmds ri_san;	/* rc_down "" = no storage fault;
					 * rc_portal "" = the topology's */
};

/*
 * Load the `remote:` section under `lab:` of path into ri, checked against
 * the topology t (every inventory host is a topology host and the other
 * way round, at most t's NICs each).  Errors are printed to errf (may be
 * NULL) as "FILE:LINE: field: message", all of them; err gets the first
 * and the count.  0 or -1.
 */
int remote_inv_load(const char *path, const struct topo *t, struct rinv *ri,
    FILE *errf, char *err);

/* The inventory's host called name; NULL when absent. */
const struct rinv_host *remote_inv_host(const struct rinv *ri,
    const char *name);

/* Expand {port} in tmpl into out; -1 when it does not fit. */
int remote_inv_expand(const char *tmpl, const char *port, char *out,
    size_t len);

/* ---- remote_ssh.c: where commands run ---- */

/* What a command run by the provider gives back. */
struct rrun {
	int rr_code;			/* exit code, -1 when it did not run */
	char rr_out[512];		/* the first bytes of stdout+stderr */
};

/*
 * Run argv on the station (in ri_station_netns when set), stdin from
 * in_fd (-1: /dev/null), stdout and stderr captured into r unless
 * inherit.  Returns r->rr_code, -1 with err when it could not run.
 */
int remote_station_run(const struct rinv *ri, const char *const argv[],
    int in_fd, int inherit, long timeout_ms, struct rrun *r, char *err);

/*
 * Run the shell command cmd on node s over SSH (from the station), with
 * the inventory's known_hosts and s's key, BatchMode and strict host key
 * checking.  As remote_station_run otherwise.
 */
int remote_ssh_run(const struct rinv *ri, const struct rinv_ssh *s,
    const char *cmd, int in_fd, int inherit, long timeout_ms,
    struct rrun *r, char *err);

/* argv as one shell command line, each word single-quoted. */
int remote_sh_quote(char *const argv[], char *out, size_t len);

/*
 * The fence agent of b (fence_redfish, fence_ipmilan) from the station
 * with action (status, on, off), its options and password on its stdin
 * (never on a command line).  0 on, 2 off (status), other values
 * failures; -1 with err when it could not run.
 */
int remote_fence(const struct rinv *ri, const struct rinv_bmc *b,
    const char *action, struct rrun *r, char *err);

/* ---- remote.c ---- */

extern const struct lab_provider lab_provider_remote;

/*
 * `hvlab lab check` of a remote lab: reach every host (ssh true), BMC
 * (fence agent status), switch (ssh true), SAN portal (TCP connect from
 * the station), one line each on out.  The number that failed, or -1
 * with err when the inventory does not load.
 */
int remote_check(struct lab *lab, FILE *out, char *err);

/*
 * A host's own view of its NICs and bond, from the lines "nic DEV
 * OPERSTATE" and the bond's "active member mac: MAC(DEV)" (Open
 * vSwitch's bond/show) or "Currently Active Slave: DEV" (Linux
 * bonding): *active the index in h's NICs of the active member (-1
 * none), oper[k] 1 up, 0 not, -1 not said.  0, or -1 when a bond of
 * several NICs names no active member of h's.  Pure.
 */
int remote_bond_parse(const char *out, const struct rinv_host *h,
    int *active, int oper[TOPO_MAX_NICS]);

/* From a remote lab's inventory: the station's network namespace into
 * netns ("" = this machine) and the embedded lab its hosts are into
 * embedded ("" = real servers); each RINV_WORD bytes.  0 or -1 with err. */
int remote_station(const struct topo *t, char *netns, char *embedded,
    char *err);

#endif
