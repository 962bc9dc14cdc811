/*
 * builtin.h - the built-in scenarios (a scenario's `builtin:` in
 * scenarios.yaml): C code for the rows of the study that steps cannot
 * say, one file each in scenarios/builtin/, found by name in one table
 * (builtin.c); and the guest-boot helpers several of them share (boot.c).
 *
 * Every built-in fills s->run (metrics, reason) and returns 0, -1 with
 * err, or DRIVER_UNSUPPORTED with the driver's reason in err.  Whatever it
 * made is torn down by the runner at the latest (vm_track).
 */
#ifndef HV_BUILTIN_H
#define HV_BUILTIN_H

#include <stddef.h>
#include <stdint.h>

#include "scenarios/runner_priv.h"

/*
 * Run the built-in s->sc->sc_builtin.  An unknown name is an error
 * (suite.c checks the names as it loads the file).
 */
int builtin_run(struct sctx *s, char *err);

/* 1 when name is a set-up built-in (install, cluster, shared-storage):
 * measured once, never repeated. */
int builtin_is_setup(const char *name);

/* A numeric scenario param (atol), or def when the scenario has none. */
long param_long(const struct scenario *sc, const char *key, long def);
/* A scenario param as it is written, or def when the scenario has none. */
const char *param_str(const struct scenario *sc, const char *key,
    const char *def);

/* The rows, one file each. */
int builtin_architecture(struct sctx *s, char *err);
int builtin_resources(struct sctx *s, char *err);
int builtin_virt_methods(struct sctx *s, char *err);
int builtin_guest_os(struct sctx *s, char *err);
int builtin_network(struct sctx *s, char *err);
int builtin_bonding(struct sctx *s, char *err);
int builtin_ha(struct sctx *s, char *err);
int builtin_drill(struct sctx *s, char *err);
int builtin_snapshot(struct sctx *s, char *err);
int builtin_clone(struct sctx *s, char *err);
int builtin_backup(struct sctx *s, char *err);

/* Seconds between two slots of a backup schedule "*" "/N" with unit s, m
 * or h; 86400 (a day at most) for any other spec.  Pure. */
long backup_spec_step(const char *spec);
int builtin_import_export(struct sctx *s, char *err);
int builtin_monitoring(struct sctx *s, char *err);
int builtin_load_balancing(struct sctx *s, char *err);

/* ---- boot.c: booting the lab's guest and asking it ---- */

/* One VM of a boot batch: what to boot, and what came of it. */
struct boot_one {
	const char *b_vm, *b_host, *b_machine;
	int b_vcpus, b_memory_mib;
	int b_result;			/* 1 booted, 0 did not */
	double b_boot_s;		/* start to first reply */
	char b_why[ERR_LEN];		/* when it did not */
	int b_started;
	uint64_t b_t0;
	char b_addr[64];
	int b_check;			/* ask the guest what it got */
	int b_cpus;			/* its online CPUs, -1 unknown */
	long b_mem_mib;			/* its MemTotal in MiB, -1 unknown */
};

/*
 * Boot n VMs at once and see which answer ping from the station within
 * timeout; then remove them.  Each b[i].b_result is 1 (booted, b_boot_s =
 * start to first reply) or 0 (b_why says what the platform or the wait
 * said).  Returns 0, DRIVER_UNSUPPORTED (b[0].b_why), or -1 when the
 * runner itself failed (b[0].b_why).
 */
int boot_batch(struct sctx *s, struct boot_one *b, size_t n,
    uint64_t timeout);

/*
 * Boot one VM (boot_batch of one): 1 = it booted (b->b_boot_s), 0 = it
 * did not (b->b_why), DRIVER_UNSUPPORTED or -1 (b->b_why).
 */
int boot_one(struct sctx *s, struct boot_one *b, uint64_t timeout);

/*
 * Create and start a guest vm on host with its NIC on vlan (-1: the
 * station's); its address into addr.  0, or -1 with err.
 */
int net_guest(struct sctx *s, const char *vm, const char *host, int vlan,
    char addr[GUEST_ADDR_MAX], char *err);

/*
 * A question to a guest's agent (TCP 7777), asked from a lab node on the
 * guest's VLAN (`agentctl ADDR REQUEST` at that node's console: the
 * station for the station's VLAN, the SAN for its own).
 */
struct agent_ask {
	const char *aa_node;		/* "station", "san" */
	const char *aa_addr;		/* the guest */
	const char *aa_req;		/* "status", "arp ADDR 1500", ... */
	long aa_tmo_s;
	char aa_reply[1024];		/* the reply's first line */
};

/* Ask it: 0 with aa_reply, or -1 with err (an "error ..." reply too). */
int agent_ask(struct rctx *rc, struct agent_ask *q, char *err);

/* Stop (forced) and delete vm, and take it off the teardown list when it
 * went; errors are logged (teardown tries again). */
void vm_remove(struct sctx *s, const char *vm);

/* A guest that boots from its own disk: a copy of the lab's bootable
 * image on a pool (the snapshot and clone rows). */
struct disk_guest {
	const char *dg_vm, *dg_host, *dg_pool;
	int dg_start;			/* start it after creating it */
	char dg_addr[GUEST_ADDR_MAX];	/* its address, filled in */
};

/* g for vm on the first host, on the scenario's `pool` (default san),
 * started when start. */
void disk_guest_init(struct sctx *s, struct disk_guest *g, const char *vm,
    int start);

/*
 * Create g->dg_vm (put on the teardown list at once) and, with dg_start,
 * start it.  0, DRIVER_UNSUPPORTED (the driver's reason in err) or -1
 * with err.
 */
int disk_guest(struct sctx *s, struct disk_guest *g, char *err);

/* What a guest's agent says of itself (`status`). */
struct guest_status {
	char gs_name[64];
	char gs_ip[32];			/* "198.18.0.101/24", "" none */
	int64_t gs_uptime_ms;
};

/* Ask the agent at addr for its status, waiting up to tmo_s for it to
 * answer (a guest still booting).  0, or -1 with err. */
int guest_status(struct rctx *rc, const char *addr, long tmo_s,
    struct guest_status *gs, char *err);

/* A `file write PATH BYTES SEED` or `file sum PATH` request to the agent
 * at addr: the SHA-256 it answers into hex.  0, or -1 with err. */
int guest_file(struct rctx *rc, const char *addr, const char *req,
    char hex[65], char *err);

#endif
