/*
 * ha_priv.h - what the HA drill (ha.c) lends to the other drills
 * (drills.c): its environment, the copy sampler, the drill's state and
 * its phases, so that a drill with another fault reuses the VM, the
 * probes, the copy count and the timeline and writes only its fault.
 * Private to scenarios/builtin/.
 */
#ifndef HV_SCENARIO_HA_PRIV_H
#define HV_SCENARIO_HA_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "probes/integrity.h"
#include "probes/ping.h"
#include "scenarios/builtin/ha.h"
#include "scenarios/runner_priv.h"

#define HA_HOSTS_MAX 16
#define HA_SAMPLE_NS (100 * NS_PER_MS)
#define HA_TASK_NS (5 * 60 * NS_PER_S)
#define HA_BOOT_NS (180 * NS_PER_S)
#define HA_ONLINE_NS (180 * NS_PER_S)
#define HA_INJECT_MS (60 * 1000)
#define HA_INJECT_ARGS 4
#define HA_HIST_MAX 64
/* The copy scan over SSH: a sample per HA_RSCAN_NS (docs/remote.md
 * "Copies on real servers" says why this rate). */
#define HA_RSCAN_NS (2000 * NS_PER_MS)
#define HA_RSCAN_PROCS 16
#define HA_RSCAN_SCRIPT_MAX 512

/* The VM's guest as the runner prepares it. */
struct ha_guest {
	char g_cmdline[512];		/* its kernel command line */
	char g_addr[64];		/* its address */
};

/* What the runner lends the scenario. */
struct ha_env {
	struct driver *drv;
	const struct drv_env *env;	/* hosts, station netns, e_exec */
	const char *self;		/* the hvlab binary (inject) */
	const char *lab;		/* lab name */
	const char *lab_state;		/* the lab's state directory */
	const char *outdir;		/* results directory */
	const char *scen;		/* scenario name (file names) */
	size_t runno;
	const char *vm;			/* the VM's name */
	int remote;			/* real servers: copies counted over
					 * the lab's exec (SSH) */
	/*
	 * The VM's guest: fills sp (kernel, initrd, cmdline naming the VM
	 * as hvlab.name=VM, vlan) and its address; 0 or -1 with err.
	 */
	int (*guest)(void *arg, const char *vm, int vlan,
	    struct drv_vm_spec *sp, struct ha_guest *g, char *err);
	/* The runner's list of VMs to remove at teardown. */
	void (*track)(void *arg, const char *vm, int add);
	/* Progress line. */
	void (*progress)(void *arg, const char *text);
	void *arg;
	volatile int *stop;		/* non-zero: end early */
};

struct ha_rscan;

struct ha_sampler {
	const struct ha_env *e;
	struct ha_rscan *rscan;		/* remote: the hosts asked over SSH */
	char needle[96];
	size_t nhosts;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	int quit;
	/* under mu */
	uint64_t samples;
	uint64_t unknown;		/* samples with a host unknown */
	int max_total;
	int last_total;			/* last sample */
	int max_host;			/* most copies on one host */
	int per[HA_HOSTS_MAX];		/* last sample */
	int victim;			/* host index watched */
	uint64_t gone_from;		/* wall ns: look for the victim's copy
					 * gone from then on (0 = not) */
	uint64_t gone_at;		/* first sample with it gone */
	uint64_t watch_from;		/* wall ns: count the victim's copies */
	int watch_max;
	/* the vCPU history of the VM's QEMUs (sampler thread only) */
	int hist_pid[HA_HIST_MAX];
	struct ha_vcpu_hist hist[HA_HIST_MAX];
	size_t nhist;
	char seen2[400];		/* processes when 2 copies were seen */
	uint64_t seen2_at;		/* wall ns of that sample */
};

/* One drill in progress: its plan, what it made (undone at one exit),
 * and what it saw. */
struct ha_drill {
	const struct ha_env *e;
	const struct ha_params *p;
	struct run *run;
	struct scen_result *sr;
	struct metrics *m;
	const char *fault;		/* the lab's event: "power-pull", ... */
	const char *back;		/* its undoing ("power-on", "heal"),
					 * NULL = none */
	const char *back_host;		/* fhost when `back` names a host */
	char victim[DRV_NAME_MAX];	/* the VM's host before the fault */
	char fhost[DRV_NAME_MAX];	/* the host the fault hits ("" none) */
	char manager[DRV_NAME_MAX];
	char newhost[DRV_NAME_MAX];
	int vi_idx;			/* the victim's host index */
	double fence_setting;
	struct ha_guest g;		/* the VM's cmdline and address */
	struct drv_ha_status hs;
	struct ha_sampler smp;
	struct probe_ping *ping;
	struct probe_ping_result pr;
	struct probe_integrity *integ;
	struct probe_integrity_opts io;
	struct integrity_acks acks;
	struct ha_times times;
	struct ha_figs figs;
	uint64_t fenced;		/* the victim's copy gone (partition) */
	int made, ha_on, faulted, restored;
	int old_started;		/* -1 not watched */
	int may_stay;			/* the VM may run on fhost after it */
	long journal_wait_ms;		/* how long ha_drill_back waits for
					 * the journal to end (30000) */
	uint64_t account_wait_ns;	/* how long ha_drill_account waits
					 * for the platform's restart (30 s) */
	struct timeline *tl;		/* the failover timeline, once kept */
	int kept;			/* ha_drill_evidence ran */
	struct integrity_result ir;	/* the journal read back ... */
	int verified;			/* ... when ha_drill_back read it */
	void *ext;			/* the plan's own state */
};

/* A phase of a drill: 0, -1 with err, or DRIVER_UNSUPPORTED. */
typedef int ha_step_fn(struct ha_drill *d, char *err);

/* A drill: its phases in order, the lab's event and its undoing. */
struct ha_plan {
	ha_step_fn *const *pl_steps;
	size_t pl_nsteps;
	const char *pl_fault;		/* the event's name in the timeline */
	const char *pl_back;		/* its undoing, NULL = none */
	int pl_back_names_host;		/* `hvlab inject BACK FHOST` */
	ha_step_fn *pl_after;		/* after the summary, or NULL */
	void (*pl_cleanup)(struct ha_drill *d);	/* before ha's, or NULL */
	void *pl_ext;			/* into d->ext */
};

/*
 * Run plan's phases; metrics, timeline and reason into run and sr.  The
 * lab is restored, the HA resource removed and the VM deleted before it
 * returns, whatever happened.  0, -1 with err, or DRIVER_UNSUPPORTED.
 */
int ha_drill_run(const struct ha_env *e, const struct ha_params *p,
    const struct ha_plan *plan, struct run *run, struct scen_result *sr,
    char *err);

/* The scenario's environment from the runner; vm (SUITE_NAME_MAX) and
 * state (LAB_PATH_MAX) are the caller's buffers. */
void ha_env_init(struct sctx *s, struct ha_env *e, char *vm, char *state);

/* The phases of ha.c (ha.h says what each does). */
ha_step_fn ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, ha_drill_probes,
    ha_drill_fault, ha_drill_back, ha_drill_account, ha_drill_old_host;
int ha_drill_check(const struct ha_env *e, char *err);
void ha_drill_summary(struct ha_drill *d);
void ha_drill_evidence(struct ha_drill *d, int read_log);
void ha_drill_cleanup(struct ha_drill *d);

/* The copy sampler: a thread counting the VM's running copies per host
 * every HA_SAMPLE_NS; victim is the host index it watches. */
int ha_sampler_start(struct ha_sampler *s, const struct ha_env *e,
    int victim, char *err);
void ha_sampler_stop(struct ha_sampler *s);
void ha_sampler_settle(struct ha_sampler *s);

/* The copy scan over SSH (ha_copies_remote.c): made for nhosts of e's
 * hosts (NULL with err); one sample into per[] (-1: the host did not
 * answer in time) paced to HA_RSCAN_NS, its total over the hosts that
 * answered, s->unknown counted; freed once its asks ended. */
struct ha_rscan *ha_rscan_new(const struct ha_env *e, size_t nhosts,
    char *err);
int ha_rscan_sample(struct ha_sampler *s, int *per);
void ha_rscan_free(struct ha_rscan *r);

/* Shared: a progress line, a stoppable sleep (-1 when stopped), `hvlab
 * inject EV [HOST]` (*wall: the lab's stamp), the station's ping, a
 * driver task to its end, the cluster whole again, a host's index. */
void ha_say(const struct ha_env *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ha_sleep(const struct ha_env *e, uint64_t ns);
int ha_inject(const struct ha_env *e, const char *ev, const char *host,
    uint64_t *wall, char *err);
/* `hvlab inject EV ARGS...` (at most HA_INJECT_ARGS), as ha_inject. */
int ha_inject_args(const struct ha_env *e, const char *ev,
    const char *const args[], size_t nargs, uint64_t *wall, char *err);
int ha_wait_ping(const struct ha_env *e, const char *addr, uint64_t timeout,
    char *err);
int ha_task_run(const struct ha_env *e, int op_rc, struct drv_task *t,
    int stoppable, char *err);
int ha_wait_cluster_whole(const struct ha_env *e, char *err);
int ha_host_index(const struct ha_env *e, const char *name);
double ha_rel_s(uint64_t t, uint64_t t0);
void ha_keep_json(const struct ha_env *e, struct scen_result *sr,
    const char *what, cJSON *doc);
void ha_keep_timeline(struct ha_drill *d);

#endif
