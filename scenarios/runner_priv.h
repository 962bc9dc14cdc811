/*
 * runner_priv.h - the runner's insides, shared by the engine (runner.c)
 * and the built-in scenarios (scenarios/builtin/): the run's context
 * (struct rctx), the scenario's (struct sctx), and the engine helpers a
 * built-in calls: progress, driver calls that finish their task, the VM
 * list torn down at the end, the lab's guest image and its addresses, and
 * the station's one-shot ping.  Not for anything outside scenarios/.
 */
#ifndef HV_RUNNER_PRIV_H
#define HV_RUNNER_PRIV_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "err.h"
#include "reports/results.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/runner.h"
#include "scenarios/suite.h"

#define TASK_TIMEOUT_NS (10 * 60 * NS_PER_S)
#define MAX_PROBES 8
#define MAX_VMS 64
#define GUEST_CMDLINE_MAX 512	/* a guest's kernel command line */
#define GUEST_ADDR_MAX 16	/* "198.18.255.255" and its NUL */

/* Non-zero once SIGINT or SIGTERM came: whatever waits ends early. */
extern volatile sig_atomic_t runner_stop;

enum setup_phase { PH_INSTALL, PH_CLUSTER, PH_STORAGE, PH_N };

struct phase {
	int ran;
	int reused;		/* found in place on a reused lab: not timed */
	enum verdict verdict;
	char reason[ERR_LEN];
	struct metrics metrics;
};

struct rprobe {
	char id[SUITE_NAME_MAX];
	char prefix[SUITE_NAME_MAX];
	struct probe_ping *ping;
	struct probe_tcp *tcp;
};

struct topo;

struct rctx {
	const struct runner_opts *o;
	struct driver *drv;
	struct drv_env env;
	struct drv_host hosts[16];
	char station_netns[64], san_addr[64], san_iqn[128];
	char san_mgmt_addr[16];
	char bmc_password_file[4200];	/* <state>/bmc/password */
	char statedir[4200];		/* the lab's state directory */
	struct topo *topo;
	char lab[64];
	/* the lab whose hosts' processes this machine sees (their init.pid
	 * in its state): the lab itself, a remote lab's embedded one, or
	 * "" for real servers (docs/remote.md) */
	char host_lab[64];
	int lab_ours;		/* we brought it up: we take it down */
	int fake_clock;		/* bring it up with host clocks */
	int lab_ok;
	int cleaning;		/* in cleanup steps or teardown */
	char lab_err[ERR_LEN];
	struct phase phase[PH_N];
	char *vms[MAX_VMS];	/* VMs made and not yet deleted */
	size_t nvms;
	/* Addresses the runner gave its guests (hvlab.ip=), by name. */
	struct { char name[SUITE_NAME_MAX]; char addr[16]; } vmaddr[MAX_VMS];
	size_t nvmaddr;
	char guest_kernel[4096], guest_initrd[4096], guest_disk[4096];
	char guest_cmdline[384];	/* build/guest/cmdline: the image's own */
	char accel_mode[8];		/* HVLAB_ACCEL, else the lab's accel: */
	char accel_seen[8];		/* what a VM's QEMU said it runs on */
	/* progress */
	size_t idx, total;
	const char *scen_name;
	uint64_t scen_t0;
	char step_text[128];
};

/* The scenario run in progress. */
struct sctx {
	struct rctx *rc;
	const struct scenario *sc;
	struct scen_result *sr;
	struct run *run;
	size_t runno;
	struct rprobe probes[MAX_PROBES];
	size_t nprobes;
	int reused;		/* a set-up row on a reused lab */
	uint64_t switch_wall_ns;	/* a live migration's end, 0 = none */
	char unmeasured[256];	/* " name name ": figures the platform
				 * cannot give (run_unmeasured) */
};

/*
 * The live progress line (stderr, when ro_progress): fmt becomes the
 * current step's text; NULL only refreshes the clock.
 */
void progress(struct rctx *rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * drv_env.e_exec: argv at a lab host's console (`hvlab lab exec HOST
 * --lab LAB -- ARGV...`); stdout into *out (caller frees; out may be
 * NULL).  0 when it exited 0, -1 with err naming the host.
 */
int lab_exec(const struct drv_env *env, const char *host,
    const char *const argv[], char **out, long timeout_ms, char *err);

/*
 * Finish a driver operation that fills a task: op_rc is what the
 * operation returned; when it started a task, wait for it (up to
 * timeout; Ctrl-C ends the wait except while cleaning up).  0, -1 with
 * err, or DRIVER_UNSUPPORTED.
 */
int drv_finish(struct rctx *rc, int op_rc, struct drv_task *t,
    uint64_t timeout, char *err);

/* Add (add = 1) or remove a VM from the list deleted at teardown. */
void vm_track(struct rctx *rc, const char *vm, int add);

/*
 * The driver's vm_info, remembering the accelerator a VM's QEMU reported
 * (rc->accel_seen).  0, or -1 with err.
 */
int vm_info_get(struct rctx *rc, const char *vm, struct drv_vm_info *vi,
    char *err);

/* Stop and delete every VM still on the list (errors are logged). */
void vms_teardown(struct rctx *rc);

/*
 * Run a set-up phase once (and the phases it stands on); its verdict,
 * reason and metrics stay in rc->phase[ph].
 */
void phase_run(struct rctx *rc, enum setup_phase ph);

/*
 * The lab's guest image for a new VM vm into sp (kernel, initrd, its
 * command line written into cmdline), with an address of its own on vlan
 * (-1 = the station's VLAN) remembered for "vm:NAME".  0, or -1 with err.
 */
int guest_prepare(struct sctx *s, const char *vm, int vlan,
    struct drv_vm_spec *sp, char cmdline[GUEST_CMDLINE_MAX], char *err);
/* The same guest booting from its own disk (sp->v_boot_image, no
 * kernel): its name and address, written into words, are all that is
 * its own. */
int guest_prepare_disk(struct sctx *s, const char *vm, int vlan,
    struct drv_vm_spec *sp, char words[GUEST_CMDLINE_MAX], char *err);

/*
 * "vm:NAME", "host:NAME", "san" or a literal address in the lab's range
 * 198.18.0.0/15 -> the address into out.  0, or -1 with err.
 */
int resolve_addr(struct sctx *s, const char *to, char *out, size_t len,
    char *err);

/* One short ping burst from the station: 1 when addr answered, 0, -1. */
int ping_once(struct sctx *s, const char *addr, char *err);

/*
 * Figures of this run the platform cannot give (metrics: names separated
 * by spaces; libvirt has no Prometheus endpoint): the run's reason says
 * "a, b: unsupported, not bounded (why)", and bounds on them are not
 * checked, where a figure that should have been measured and was not
 * fails its bound.
 */
void run_unmeasured(struct sctx *s, const char *metrics, const char *why);

/*
 * 1 with err set when `to` names a VM ("vm:NAME") whose QEMU ended by
 * itself: waiting on cannot help, and err says why.  0 otherwise.
 */
int vm_ended(struct sctx *s, const char *to, char *err);

#endif
