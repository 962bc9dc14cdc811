/*
 * runner.c - runs scenarios: decides what a platform supports, brings the
 * lab up (`hvlab lab up`, unless --lab reuses one), installs the platform
 * through its driver, executes each scenario's steps or built-in code with
 * the probes running from the lab's station, checks bounds, and always
 * tears down what it made (VMs, probes, the lab) — also after Ctrl-C.
 *
 * Lab commands and failure injection go through hvlab's own command line
 * (`hvlab lab ...`, `hvlab inject ...`, the contract of DESIGN.md §4) so
 * the runner depends on the lab's interface, not its insides; probes are
 * the probes/ libraries, started in the station's namespace.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "accel.h"
#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "lab/lab.h"
#include "lab/topo.h"
#include "probes/ping.h"
#include "probes/tcp.h"
#include "scenarios/bonding.h"
#include "scenarios/ha.h"
#include "scenarios/machine.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/runner.h"

#define LAB_CMD_TIMEOUT_MS (10 * 60 * 1000)
#define INJECT_TIMEOUT_MS (60 * 1000)
#define TASK_TIMEOUT_NS (10 * 60 * NS_PER_S)
#define MAX_PROBES 8
#define MAX_VMS 64

static volatile sig_atomic_t runner_stop;

static void
on_signal(int sig)
{
	runner_stop = 1;
}

enum setup_phase { PH_INSTALL, PH_CLUSTER, PH_STORAGE, PH_N };

struct phase {
	int ran;
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

struct rctx {
	const struct runner_opts *o;
	struct driver *drv;
	struct drv_env env;
	struct drv_host hosts[16];
	char station_netns[64], san_addr[64], san_iqn[128];
	struct topo *topo;
	char lab[64];
	int lab_ours;		/* we brought it up: we take it down */
	int lab_ok;
	int cleaning;		/* in cleanup steps or teardown */
	char lab_err[ERR_LEN];
	struct phase phase[PH_N];
	char *vms[MAX_VMS];	/* VMs made and not yet deleted */
	size_t nvms;
	/* Addresses the runner gave its guests (hvlab.ip=), by name. */
	struct { char name[SUITE_NAME_MAX]; char addr[16]; } vmaddr[MAX_VMS];
	size_t nvmaddr;
	char guest_kernel[4096], guest_initrd[4096];
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
};

/* ---- progress ---- */

static void
progress(struct rctx *rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
progress(struct rctx *rc, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(rc->step_text, sizeof(rc->step_text), fmt, ap);
		va_end(ap);
	}
	if (!rc->o->ro_progress)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s (%.1f s)", rc->idx + 1,
	    rc->total, rc->scen_name ? rc->scen_name : "setup", rc->step_text,
	    (double)(clock_mono_ns() - rc->scen_t0) / 1e9);
	fflush(stderr);
}

static void
progress_done(struct rctx *rc, const struct scen_result *s)
{
	if (!rc->o->ro_progress)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %-16s %-11s %6.1f s  %s\n",
	    rc->idx + 1, rc->total, s->s_name, verdict_name(s->s_verdict),
	    s->s_duration_s, s->s_reason);
}

/* Sleep ns in slices, refreshing the progress line; -1 when stopped. */
static int
nap(struct rctx *rc, uint64_t ns)
{
	uint64_t end = clock_mono_ns() + ns, now;

	while ((now = clock_mono_ns()) < end) {
		if (runner_stop)
			return -1;
		clock_sleep_ns(end - now < 250 * NS_PER_MS ? end - now :
		    250 * NS_PER_MS);
		progress(rc, NULL);
	}
	return runner_stop ? -1 : 0;
}

/* ---- hvlab subcommands (lab, inject) ---- */

/*
 * proc_run of our own binary (`hvlab lab ...`).  When the exec itself
 * failed (the command never ran: bin/hvlab being relinked by a `make`
 * at that moment) it is tried again, up to 5 times a second apart.
 */
static int
self_run(const char *const argv[], long timeout_ms, struct proc_result *r,
    char *err)
{
	int tries = 0, ret;

	for (;;) {
		ret = proc_run(argv, NULL, timeout_ms, r, err);
		if (ret != -1 || strncmp(err, "cannot run ", 11) != 0 ||
		    ++tries > 5 || runner_stop)
			return ret;
		if (r != NULL)
			proc_result_free(r);
		clock_sleep_ns(NS_PER_S);
	}
}

static int
hvlab_cmd(struct rctx *rc, long timeout_ms, char *err, const char *a0, ...)
{
	const char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = rc->o->ro_self;
	argv[n++] = a0;
	va_start(ap, a0);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return self_run(argv, timeout_ms, NULL, err);
}

/* drv_env.e_exec: `hvlab lab exec HOST --lab LAB -- ARGV...`. */
static int
lab_exec(const struct drv_env *env, const char *host,
    const char *const argv[], char **out, long timeout_ms, char *err)
{
	struct rctx *rc = env->e_exec_arg;
	struct proc_result r;
	const char *av[40];
	int n = 0, i, ret;

	av[n++] = rc->o->ro_self;
	av[n++] = "lab";
	av[n++] = "exec";
	av[n++] = host;
	av[n++] = "--lab";
	av[n++] = rc->lab;
	av[n++] = "--";
	for (i = 0; argv[i] != NULL && n < 39; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	memset(&r, 0, sizeof(r));
	ret = self_run(av, timeout_ms, &r, err);
	if (ret == -1)
		err_prefix(err, "%s", host);
	if (out != NULL) {
		*out = r.out;
		r.out = NULL;
	}
	proc_result_free(&r);
	return ret;
}

/* drv_env.e_dirs: `hvlab lab dirs HOST --lab LAB --keep D... --tmpfs D...`. */
static int
lab_dirs(const struct drv_env *env, const char *host,
    const char *const keep[], const char *const tmpfs[], char *err)
{
	struct rctx *rc = env->e_exec_arg;
	const char *av[8 + 4 * 24];
	int n = 0, i;

	av[n++] = rc->o->ro_self;
	av[n++] = "lab";
	av[n++] = "dirs";
	av[n++] = host;
	av[n++] = "--lab";
	av[n++] = rc->lab;
	for (i = 0; keep != NULL && keep[i] != NULL && i < 24; i++) {
		av[n++] = "--keep";
		av[n++] = keep[i];
	}
	for (i = 0; tmpfs != NULL && tmpfs[i] != NULL && i < 24; i++) {
		av[n++] = "--tmpfs";
		av[n++] = tmpfs[i];
	}
	av[n] = NULL;
	if (self_run(av, 120000, NULL, err) == -1)
		return err_prefix(err, "%s", host);
	return 0;
}

/* drv_env.e_put: the data in a file of the run's scratch directory,
 * then `hvlab lab put HOST PATH --from FILE --mode MODE`. */
static int
lab_put(const struct drv_env *env, const char *host, const char *path,
    const void *data, size_t len, int mode, char *err)
{
	struct rctx *rc = env->e_exec_arg;
	char tmp[4200], m[16];
	const char *av[] = { rc->o->ro_self, "lab", "put", host, path,
	    "--lab", rc->lab, "--from", tmp, "--mode", m, NULL };
	FILE *f;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s/.put.%d", env->e_workdir ?
	    env->e_workdir : "/tmp", (int)getpid());
	snprintf(m, sizeof(m), "%o", (unsigned)mode & 07777);
	if ((f = fopen(tmp, "w")) == NULL)
		return err_errno(err, "%s", tmp);
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		unlink(tmp);
		return err_errno(err, "%s", tmp);
	}
	if (fclose(f) != 0) {
		unlink(tmp);
		return err_errno(err, "%s", tmp);
	}
	ret = self_run(av, 60000, NULL, err);
	unlink(tmp);
	if (ret == -1)
		return err_prefix(err, "%s", host);
	return 0;
}

static int
lab_bring_up(struct rctx *rc, char *err)
{
	char e[ERR_LEN], a[16], state[LAB_PATH_MAX];
	size_t i;

	rc->topo = calloc(1, sizeof(*rc->topo));
	if (rc->topo == NULL)
		return err_set(err, "out of memory");
	if (topo_load(rc->o->ro_file, rc->o->ro_lab, rc->topo, NULL, e) == -1)
		return err_set(err, "lab: %s", e);
	snprintf(rc->lab, sizeof(rc->lab), "%s", rc->topo->t_name);
	{
		enum accel_mode m;

		if (accel_mode_parse(rc->topo->t_accel, &m, e) == -1 ||
		    accel_mode_env(m, &m, e) == -1)
			return err_set(err, "lab: %s", e);
		snprintf(rc->accel_mode, sizeof(rc->accel_mode), "%s",
		    accel_mode_name(m));
		rc->env.e_accel = rc->accel_mode;
	}
	/* --lab NAME: reuse NAME when it runs, else build it under that
	 * name; either way, only a lab we built is taken down. */
	if (rc->o->ro_lab == NULL || hvlab_cmd(rc, 60000, e, "lab", "status",
	    "--lab", rc->lab, NULL) == -1) {
		progress(rc, "lab up %s", rc->lab);
		if (hvlab_cmd(rc, LAB_CMD_TIMEOUT_MS, e, "lab", "up", "-q", "-f",
		    rc->o->ro_file, "--lab", rc->lab, NULL) == -1)
			/* `lab up` is all or nothing; and a failure may mean
			 * a lab of that name runs already: not ours to take
			 * down. */
			return err_set(err, "hvlab lab up: %s", e);
		rc->lab_ours = 1;
	}
	for (i = 0; i < (size_t)rc->topo->t_nhosts && i < 16; i++) {
		struct drv_host *h = &rc->hosts[i];

		snprintf(h->h_name, sizeof(h->h_name), "%s",
		    rc->topo->t_hosts[i].h_name);
		topo_addr_str(rc->topo->t_hosts[i].h_mgmt_addr, h->h_addr,
		    sizeof(h->h_addr));
		snprintf(h->h_netns, sizeof(h->h_netns), "%.30s-%.30s",
		    rc->lab, h->h_name);
		lab_state_dir(rc->lab, state, sizeof(state));
		snprintf(h->h_disk, sizeof(h->h_disk), "%.400s/%.40s/disk",
		    state, h->h_name);
	}
	rc->env.e_exec = lab_exec;
	rc->env.e_dirs = lab_dirs;
	rc->env.e_put = lab_put;
	rc->env.e_exec_arg = rc;
	rc->env.e_hosts = rc->hosts;
	rc->env.e_nhosts = i;
	snprintf(rc->station_netns, sizeof(rc->station_netns), "%.40s-st",
	    rc->lab);
	rc->env.e_station_netns = rc->station_netns;
	rc->env.e_lab = rc->lab;
	if (rc->topo->t_san.s_present) {
		topo_addr_str(rc->topo->t_san.s_addr, a, sizeof(a));
		snprintf(rc->san_addr, sizeof(rc->san_addr), "%s:3260", a);
		snprintf(rc->san_iqn, sizeof(rc->san_iqn), "%s",
		    rc->topo->t_san.s_iqn);
		rc->env.e_san_addr = rc->san_addr;
		rc->env.e_san_iqn = rc->san_iqn;
	}
	return 0;
}

static void
lab_take_down(struct rctx *rc)
{
	char e[ERR_LEN];

	if (!rc->lab_ours)
		return;
	progress(rc, "lab down %s", rc->lab);
	if (hvlab_cmd(rc, LAB_CMD_TIMEOUT_MS, e, "lab", "down", "--lab",
	    rc->lab, NULL) == -1)
		log_warnx("teardown: hvlab lab down --lab %s: %s", rc->lab, e);
	rc->lab_ours = 0;
}

/* ---- driver calls ---- */

/* Finish a task-returning operation: rc from the op, then wait. */
static int
drv_finish(struct rctx *rc, int op_rc, struct drv_task *t, uint64_t timeout,
    char *err)
{
	if (op_rc != 0)
		return op_rc;
	if (t->t_done)
		return t->t_failed ? err_set(err, "%s", t->t_status) : 0;
	/* Cleanup and teardown finish their work even after Ctrl-C. */
	return driver_task_wait(rc->drv, t, timeout, rc->cleaning ? NULL :
	    (volatile int *)&runner_stop, err);
}

static void
vm_track(struct rctx *rc, const char *vm, int add)
{
	size_t i;

	for (i = 0; i < rc->nvms; i++)
		if (strcmp(rc->vms[i], vm) == 0) {
			if (!add) {
				free(rc->vms[i]);
				rc->vms[i] = rc->vms[--rc->nvms];
			}
			return;
		}
	if (add && rc->nvms < MAX_VMS && (rc->vms[rc->nvms] = strdup(vm)))
		rc->nvms++;
}

/*
 * The driver's vm_info, remembering the accelerator a VM's QEMU reported
 * (results.json's machine.accel is what QEMU used, not a guess).
 */
static int
vm_info_get(struct rctx *rc, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	if (rc->drv->d_ops->vm_info(rc->drv, vm, vi, err) == -1)
		return -1;
	if (vi->i_accel[0] != '\0')
		snprintf(rc->accel_seen, sizeof(rc->accel_seen), "%s",
		    vi->i_accel);
	return 0;
}

static void
vms_teardown(struct rctx *rc)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_task t;
	char e[ERR_LEN];

	while (rc->nvms > 0) {
		const char *vm = rc->vms[rc->nvms - 1];

		progress(rc, "teardown: delete VM %s", vm);
		drv_task_init(&t);
		if (ops->vm_stop && drv_finish(rc, ops->vm_stop(rc->drv, vm, 1,
		    &t, e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_debug("teardown: stop %s: %s", vm, e);
		drv_task_init(&t);
		if (ops->vm_delete && drv_finish(rc, ops->vm_delete(rc->drv,
		    vm, &t, e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_warnx("teardown: delete VM %s: %s", vm, e);
		free(rc->vms[rc->nvms - 1]);
		rc->nvms--;
	}
}

/* ---- setup phases: install, cluster, storage (measured once) ---- */

static void
phase_set(struct phase *p, int op_rc, const char *err)
{
	p->ran = 1;
	if (op_rc == 0)
		p->verdict = VERDICT_PASS;
	else if (op_rc == DRIVER_UNSUPPORTED)
		p->verdict = VERDICT_UNSUPPORTED;
	else
		p->verdict = VERDICT_ERROR;
	snprintf(p->reason, sizeof(p->reason), "%s", op_rc ? err : "");
}

static void
phase_run(struct rctx *rc, enum setup_phase ph)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	struct phase *p = &rc->phase[ph];
	struct drv_cluster_info ci;
	struct drv_pool pool;
	struct drv_task t;
	char e[ERR_LEN] = "";
	uint64_t t0 = clock_mono_ns();
	int r = 0;
	size_t i;

	if (p->ran)
		return;
	/* Each phase stands on the one before: a cluster on installed
	 * hosts, a pool (cluster-wide, through the cluster's API) on the
	 * cluster. */
	if (ph > PH_INSTALL) {
		static const char *const what[PH_N] = { "platform install",
		    "cluster", "storage" };
		const struct phase *prev = &rc->phase[ph - 1];

		phase_run(rc, (enum setup_phase)(ph - 1));
		if (prev->verdict != VERDICT_PASS) {
			char why[ERR_LEN];

			snprintf(why, sizeof(why), "%s", prev->reason);
			p->ran = 1;
			p->verdict = prev->verdict == VERDICT_UNSUPPORTED ?
			    VERDICT_UNSUPPORTED : VERDICT_ERROR;
			snprintf(p->reason, sizeof(p->reason), "%s: %.400s",
			    what[ph - 1], why);
			return;
		}
		t0 = clock_mono_ns();	/* this phase's own time */
	}
	switch (ph) {
	case PH_INSTALL: {
		size_t reused = 0, steps = 0;

		for (i = 0; i < rc->env.e_nhosts && r == 0; i++) {
			progress(rc, "install %s on %s", ops->name,
			    rc->hosts[i].h_name);
			drv_task_init(&t);
			r = drv_finish(rc, ops->host_install(rc->drv,
			    &rc->hosts[i], &t, e), &t, TASK_TIMEOUT_NS, e);
			if (r == -1)
				err_prefix(e, "%s", rc->hosts[i].h_name);
			reused += t.t_reused != 0;
			steps += (size_t)t.t_steps;
		}
		if (r == 0 && rc->env.e_nhosts == 0)
			r = err_set(e, "the lab has no hosts");
		phase_set(p, r, e);
		if (r == 0 && reused > 0)
			/* A reused lab: the platform was there; no
			 * installation to time. */
			snprintf(p->reason, sizeof(p->reason), "reused lab: "
			    "%s already installed on %zu of %zu hosts (not "
			    "timed)", ops->name, reused, rc->env.e_nhosts);
		if (r == 0 && reused == 0) {
			metrics_set(&p->metrics, "install_s",
			    (double)(clock_mono_ns() - t0) / 1e9);
			metrics_set(&p->metrics, "steps", (double)steps);
		}
		if (r == 0)
			metrics_set(&p->metrics, "hosts",
			    (double)rc->env.e_nhosts);
		break;
	}
	case PH_CLUSTER:
		progress(rc, "form cluster %s", rc->lab);
		drv_task_init(&t);
		r = drv_finish(rc, ops->cluster_form(rc->drv, rc->lab,
		    rc->hosts, rc->env.e_nhosts, &t, e), &t, TASK_TIMEOUT_NS, e);
		if (r == 0 && t.t_reused)
			snprintf(p->reason, sizeof(p->reason), "reused lab: "
			    "%s (not timed)", t.t_status);
		else if (r == 0)
			metrics_set(&p->metrics, "steps", t.t_steps);
		/* Formed = quorate with every host online (up to 2 min). */
		while (r == 0) {
			r = ops->cluster_info(rc->drv, &ci, e);
			if (r != 0 || (ci.c_quorate && ci.c_online ==
			    (int)rc->env.e_nhosts))
				break;
			if (clock_mono_ns() - t0 > 120 * NS_PER_S) {
				r = err_set(e, "%d of %zu hosts online after "
				    "2 min", ci.c_online, rc->env.e_nhosts);
				break;
			}
			if (nap(rc, 250 * NS_PER_MS) == -1)
				r = err_set(e, "interrupted");
		}
		if (r == 0 && !t.t_reused)
			metrics_set(&p->metrics, "form_s",
			    (double)(clock_mono_ns() - t0) / 1e9);
		if (r == 0 || ci.c_nodes > 0) {
			metrics_set(&p->metrics, "hosts", ci.c_nodes);
			metrics_set(&p->metrics, "online", ci.c_online);
			metrics_set(&p->metrics, "quorate", ci.c_quorate);
			if (r == 0 && !ci.c_quorate)
				r = err_set(e, "the cluster is not quorate");
		}
		{
			char keep[ERR_LEN];

			snprintf(keep, sizeof(keep), "%s", p->reason);
			phase_set(p, r, e);
			if (r == 0)
				snprintf(p->reason, sizeof(p->reason), "%s",
				    keep);
		}
		if (r == -1 && ci.c_nodes > 0)
			p->verdict = VERDICT_FAIL;
		break;
	case PH_STORAGE:
		progress(rc, "attach shared storage");
		memset(&pool, 0, sizeof(pool));
		pool.p_name = "san";
		pool.p_type = "iscsi";
		pool.p_portal = rc->env.e_san_addr;
		pool.p_target = rc->env.e_san_iqn;
		drv_task_init(&t);
		if (pool.p_portal == NULL)
			r = err_set(e, "the lab has no SAN");
		else {
			drv_task_init(&t);
			r = drv_finish(rc, ops->storage_attach(rc->drv, &pool,
			    &t, e), &t, TASK_TIMEOUT_NS, e);
		}
		if (r == 0 && !t.t_reused) {
			metrics_set(&p->metrics, "attach_s",
			    (double)(clock_mono_ns() - t0) / 1e9);
			metrics_set(&p->metrics, "steps", t.t_steps);
		}
		/* Every host sees it: asked host by host. */
		if (r == 0 && ops->storage_check != NULL) {
			size_t seen = 0;
			char ce[ERR_LEN] = "";

			for (i = 0; i < rc->env.e_nhosts; i++) {
				progress(rc, "does %s see pool %s?",
				    rc->hosts[i].h_name, pool.p_name);
				if (ops->storage_check(rc->drv, &pool,
				    rc->hosts[i].h_name, ce) == 0)
					seen++;
				else
					snprintf(e, sizeof(e), "%s", ce);
			}
			metrics_set(&p->metrics, "hosts_seeing", (double)seen);
			metrics_set(&p->metrics, "hosts", (double)
			    rc->env.e_nhosts);
			if (seen < rc->env.e_nhosts)
				r = err_set(e, "%zu of %zu hosts see pool %s: "
				    "%.300s", seen, rc->env.e_nhosts,
				    pool.p_name, ce);
		}
		phase_set(p, r, e);
		if (r == -1 && p->metrics.ms_n > 0)
			p->verdict = VERDICT_FAIL;
		if (r == 0 && t.t_reused)
			snprintf(p->reason, sizeof(p->reason), "reused lab: "
			    "%s (not timed)", t.t_status);
		break;
	default:
		break;
	}
}

/* ---- probes ---- */

/* "vm:NAME" -> the VM's address; a literal must be in the lab's range. */
static int
resolve_addr(struct sctx *s, const char *to, char *out, size_t len,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_info vi;
	unsigned a, b, c, d;
	char tail;

	if (strncmp(to, "host:", 5) == 0 || strcmp(to, "san") == 0) {
		const struct topo_host *h;

		if (s->rc->topo == NULL)
			return err_set(err, "%s: no lab", to);
		if (to[0] == 's') {
			if (!s->rc->topo->t_san.s_present)
				return err_set(err, "the lab has no SAN");
			topo_addr_str(s->rc->topo->t_san.s_addr, out, len);
			return 0;
		}
		if ((h = topo_host_find(s->rc->topo, to + 5)) == NULL)
			return err_set(err, "%s: the lab has no such host", to);
		topo_addr_str(h->h_mgmt_addr, out, len);
		return 0;
	}
	if (strncmp(to, "vm:", 3) == 0) {
		size_t i;

		for (i = 0; i < s->rc->nvmaddr; i++)
			if (strcmp(s->rc->vmaddr[i].name, to + 3) == 0) {
				snprintf(out, len, "%s", s->rc->vmaddr[i].addr);
				return 0;
			}
		if (ops->vm_info == NULL)
			return err_set(err, "%s: the driver cannot tell a VM's "
			    "address", to);
		if (vm_info_get(s->rc, to + 3, &vi, err) == -1)
			return -1;
		if (vi.i_addr[0] == '\0')
			return err_set(err, "VM %s: the platform reports no "
			    "address", to + 3);
		to = vi.i_addr;
	}
	if (sscanf(to, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return err_set(err, "'%s' is not an IPv4 address", to);
	/* Lab traffic stays in 198.18.0.0/15. */
	if (a != 198 || (b != 18 && b != 19))
		return err_set(err, "%s is outside the lab range "
		    "198.18.0.0/15", to);
	snprintf(out, len, "%s", to);
	return 0;
}

static void
probes_mark(struct sctx *s, const char *label)
{
	char e[ERR_LEN];
	size_t i;

	for (i = 0; i < s->nprobes; i++)
		if (s->probes[i].ping != NULL &&
		    probe_ping_mark(s->probes[i].ping, label, e) == -1)
			log_debug("mark %s: %s", label, e);
}

static struct rprobe *
probe_find(struct sctx *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nprobes; i++)
		if (strcmp(s->probes[i].id, id) == 0)
			return &s->probes[i];
	return NULL;
}

/* Numeric (and boolean) members of a probe result's "metrics". */
static void
probe_metrics(struct run *run, const cJSON *doc, const char *prefix)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "metrics"), *x;
	char name[160];

	cJSON_ArrayForEach(x, m) {
		snprintf(name, sizeof(name), "%s%s", prefix, x->string);
		if (cJSON_IsNumber(x))
			metrics_set(&run->r_metrics, name, x->valuedouble);
		else if (cJSON_IsBool(x))
			metrics_set(&run->r_metrics, name, cJSON_IsTrue(x));
	}
}

static int
probe_finish(struct sctx *s, struct rprobe *p, char *err)
{
	const char *outdir = s->rc->o->ro_outdir;
	char rel[256], path[4096], e[ERR_LEN];
	cJSON *doc = NULL;
	int rc = -1;

	snprintf(rel, sizeof(rel), "raw/%s-%zu-%s", s->sc->sc_name, s->runno,
	    p->id);
	if (p->ping != NULL) {
		struct probe_ping_result r;
		const struct ping_stats *st;
		struct timeline *tl;
		size_t i;

		memset(&r, 0, sizeof(r));
		if (probe_ping_stop(p->ping, &r, err) == -1) {
			p->ping = NULL;
			return -1;
		}
		p->ping = NULL;
		st = &r.pr_stats;
		doc = probe_ping_result_json(&r, 1);
		snprintf(path, sizeof(path), "%s/%s.csv", outdir, rel);
		if (probe_ping_write_csv(&r, path, e) == -1)
			log_warnx("%s", e);
		else {
			char f[300];

			snprintf(f, sizeof(f), "%s.csv", rel);
			tl = run_add_timeline(s->run, f, "ping");
			scen_add_artifact(s->sr, f);
			if (st->st_downtime.g_len_ns > 0) {
				tl->tl_has_window = 1;
				tl->tl_down_start_s = (double)
				    (st->st_downtime.g_start_ns -
				    st->st_start_ns) / 1e9;
				tl->tl_down_end_s = (double)
				    (st->st_downtime.g_end_ns -
				    st->st_start_ns) / 1e9;
			}
			for (i = 0; i < r.pr_nmarks; i++)
				timeline_add_event(tl, ((double)
				    r.pr_marks[i].pm_wall_ns -
				    (double)st->st_start_ns) / 1e9,
				    r.pr_marks[i].pm_label);
		}
		probe_ping_result_free(&r);
	} else if (p->tcp != NULL) {
		struct probe_tcp_result r;

		memset(&r, 0, sizeof(r));
		if (probe_tcp_stop(p->tcp, &r, err) == -1) {
			p->tcp = NULL;
			return -1;
		}
		p->tcp = NULL;
		doc = probe_tcp_result_json(&r, 1);
		probe_tcp_result_free(&r);
	} else
		return 0;
	if (doc == NULL)
		return err_set(err, "probe %s: out of memory", p->id);
	probe_metrics(s->run, doc, p->prefix);
	snprintf(path, sizeof(path), "%s/%s.json", outdir, rel);
	if (json_write_file(path, doc, e) == 0) {
		char f[300];

		snprintf(f, sizeof(f), "%s.json", rel);
		scen_add_artifact(s->sr, f);
	} else
		log_warnx("%s", e);
	rc = 0;
	cJSON_Delete(doc);
	return rc;
}

static void
probes_abandon(struct sctx *s)
{
	char e[ERR_LEN];
	size_t i;

	for (i = 0; i < s->nprobes; i++)
		if ((s->probes[i].ping || s->probes[i].tcp) &&
		    probe_finish(s, &s->probes[i], e) == -1)
			log_warnx("probe %s: %s", s->probes[i].id, e);
	s->nprobes = 0;
}

/* One short ping burst: 1 when addr answered. */
static int
ping_once(struct sctx *s, const char *addr, char *err)
{
	return probe_ping_answers(s->rc->env.e_station_netns, addr, 0, err);
}

/* ---- steps ---- */

static const char *
P(const struct step *st, const char *key)
{
	return step_param_get(st->st_params, st->st_nparams, key);
}

static uint64_t
P_dur(const struct step *st, const char *key, uint64_t def)
{
	const char *v = P(st, key);
	uint64_t ns;
	char e[ERR_LEN];

	if (v == NULL || clock_parse_duration(v, &ns, e) == -1)
		return def;
	return ns;
}

static int
P_bool(const struct step *st, const char *key, int def)
{
	const char *v = P(st, key);

	if (v == NULL)
		return def;
	return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0;
}

static int
need_op(const void *op, const char *what, struct sctx *s, char *err)
{
	if (op != NULL)
		return 0;
	err_set(err, "%s: %s", what, s->rc->drv->d_ops->unsupported_reason);
	return DRIVER_UNSUPPORTED;
}

/*
 * The lab's guest image for a new VM: kernel and initrd from
 * BINDIR/../build/guest, and an address of its own on vlan (-1 = the
 * station's VLAN, so the station's probes reach it): the VLAN's /24 +
 * 100 + n, given to the guest on its command line and remembered for
 * "vm:NAME".
 */
static int
guest_prepare(struct sctx *s, const char *vm, int vlan,
    struct drv_vm_spec *sp, char *cmdline, size_t len, char *err)
{
	struct rctx *rc = s->rc;
	const struct topo_vlan *v;
	char p[4200], addr[16];
	size_t i;
	FILE *f;

	if (rc->topo == NULL)
		return err_set(err, "vm.create: no lab for the guest's network");
	if (rc->guest_kernel[0] == '\0') {
		snprintf(p, sizeof(p), "%s/../build/guest/vmlinux",
		    rc->env.e_bindir);
		if (realpath(p, rc->guest_kernel) == NULL)
			return err_errno(err, "guest kernel %s (make guest)", p);
		snprintf(p, sizeof(p), "%s/../build/guest/initrd.img",
		    rc->env.e_bindir);
		if (realpath(p, rc->guest_initrd) == NULL)
			return err_errno(err, "guest initrd %s (make guest)", p);
		/* The image's kernel arguments (lab/guest: no_timer_check and
		 * the TSC frequency, without which a machine with no PIT or
		 * HPET, microvm, never finishes its early boot). */
		snprintf(p, sizeof(p), "%s/../build/guest/cmdline",
		    rc->env.e_bindir);
		if ((f = fopen(p, "r")) == NULL)
			return err_errno(err, "guest cmdline %s (make guest)", p);
		if (fgets(rc->guest_cmdline, sizeof(rc->guest_cmdline), f) ==
		    NULL)
			rc->guest_cmdline[0] = '\0';
		fclose(f);
		rc->guest_cmdline[strcspn(rc->guest_cmdline, "\n")] = '\0';
		if (rc->guest_cmdline[0] == '\0')
			return err_set(err, "guest cmdline %s is empty (make "
			    "guest)", p);
	}
	if (vlan < 0)
		vlan = rc->topo->t_station.st_vlan;
	if ((v = topo_vlan_find(rc->topo, vlan)) == NULL)
		return err_set(err, "vm.create: the lab has no VLAN %d", vlan);
	for (i = 0; i < rc->nvmaddr; i++)
		if (strcmp(rc->vmaddr[i].name, vm) == 0)
			break;
	if (i == rc->nvmaddr) {
		if (i == MAX_VMS)
			return err_set(err, "more than %d VMs", MAX_VMS);
		snprintf(rc->vmaddr[i].name, sizeof(rc->vmaddr[i].name), "%s",
		    vm);
		rc->nvmaddr++;
	}
	topo_addr_str(v->v_net + 100 + (uint32_t)i, addr, sizeof(addr));
	snprintf(rc->vmaddr[i].addr, sizeof(rc->vmaddr[i].addr), "%s", addr);
	if ((size_t)snprintf(cmdline, len, "%s hvlab.name=%s hvlab.ip=%s/24",
	    rc->guest_cmdline, vm, addr) >= len)
		return err_set(err, "vm.create: %s: kernel command line too "
		    "long", vm);
	sp->v_kernel = rc->guest_kernel;
	sp->v_initrd = rc->guest_initrd;
	sp->v_cmdline = cmdline;
	sp->v_vlan = vlan;
	return 0;
}

static int
step_vm(struct sctx *s, const struct step *st, const char *action,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_task t;
	const char *vm = P(st, "name");
	uint64_t tmo = P_dur(st, "timeout", TASK_TIMEOUT_NS), t0;
	int r;

	drv_task_init(&t);
	if (strcmp(action, "vm.create") == 0) {
		struct drv_vm_spec sp;
		char cmdline[512];

		if ((r = need_op(ops->vm_create, action, s, err)))
			return r;
		memset(&sp, 0, sizeof(sp));
		sp.v_name = vm;
		if (guest_prepare(s, vm, P(st, "vlan") ? atoi(P(st, "vlan")) :
		    -1, &sp, cmdline, sizeof(cmdline), err) == -1)
			return -1;
		sp.v_host = P(st, "host");
		sp.v_vcpus = P(st, "vcpus") ? atoi(P(st, "vcpus")) : 0;
		sp.v_memory_mib = P(st, "memory_mib") ?
		    atoi(P(st, "memory_mib")) : 0;
		sp.v_disk_mib = P(st, "disk_mib") ? atoi(P(st, "disk_mib")) : 0;
		sp.v_pool = P(st, "pool");
		sp.v_network = P(st, "network");
		r = drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t, err),
		    &t, tmo, err);
		if (r == 0)
			vm_track(s->rc, vm, 1);
		return r;
	}
	if (strcmp(action, "vm.start") == 0) {
		if ((r = need_op(ops->vm_start, action, s, err)))
			return r;
		return drv_finish(s->rc, ops->vm_start(s->rc->drv, vm, &t, err),
		    &t, tmo, err);
	}
	if (strcmp(action, "vm.stop") == 0) {
		if ((r = need_op(ops->vm_stop, action, s, err)))
			return r;
		return drv_finish(s->rc, ops->vm_stop(s->rc->drv, vm,
		    P_bool(st, "force", 0), &t, err), &t, tmo, err);
	}
	if (strcmp(action, "vm.delete") == 0) {
		if ((r = need_op(ops->vm_delete, action, s, err)))
			return r;
		r = drv_finish(s->rc, ops->vm_delete(s->rc->drv, vm, &t, err),
		    &t, tmo, err);
		if (r == 0)
			vm_track(s->rc, vm, 0);
		return r;
	}
	/* vm.migrate */
	if ((r = need_op(ops->vm_migrate, action, s, err)))
		return r;
	probes_mark(s, "migrate-start");
	t0 = clock_mono_ns();
	r = drv_finish(s->rc, ops->vm_migrate(s->rc->drv, vm, P(st, "to"),
	    P_bool(st, "live", 0) ? DRV_MIGRATE_LIVE : DRV_MIGRATE_OFFLINE,
	    &t, err), &t, tmo, err);
	probes_mark(s, "migrate-end");
	if (r == 0) {
		metrics_set(&s->run->r_metrics, "total_s",
		    (double)(clock_mono_ns() - t0) / 1e9);
		if (t.t_downtime_ms >= 0)
			metrics_set(&s->run->r_metrics, "qemu_downtime_ms",
			    t.t_downtime_ms);
		if (t.t_total_s >= 0)
			metrics_set(&s->run->r_metrics, "qemu_total_s",
			    t.t_total_s);
		if (t.t_bytes > 0)
			metrics_set(&s->run->r_metrics, "transferred_bytes",
			    (double)t.t_bytes);
	}
	return r;
}

static int
step_probe(struct sctx *s, const struct step *st, const char *action,
    char *err)
{
	struct rprobe *p;
	const char *id = P(st, "id"), *kind;
	char addr[64];

	if (strcmp(action, "probe.stop") == 0) {
		if ((p = probe_find(s, id)) == NULL)
			return err_set(err, "no probe '%s' running", id);
		return probe_finish(s, p, err);
	}
	kind = P(st, "kind");
	if (id == NULL)
		id = kind;
	if (probe_find(s, id) != NULL)
		return err_set(err, "probe '%s' already running", id);
	if (s->nprobes == MAX_PROBES)
		return err_set(err, "more than %d probes", MAX_PROBES);
	if (resolve_addr(s, P(st, "to"), addr, sizeof(addr), err) == -1)
		return -1;
	p = &s->probes[s->nprobes];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", id);
	if (strcmp(kind, "ping") == 0) {
		struct probe_ping_opts o;

		memset(&o, 0, sizeof(o));
		o.target = addr;
		o.netns = s->rc->env.e_station_netns;
		o.interval_ns = P_dur(st, "interval", 0);
		snprintf(p->prefix, sizeof(p->prefix), "%s", P(st, "prefix") ?
		    P(st, "prefix") : "");
		if ((p->ping = probe_ping_start(&o, err)) == NULL)
			return -1;
	} else if (strcmp(kind, "tcp") == 0) {
		struct probe_tcp_opts o;

		memset(&o, 0, sizeof(o));
		o.target = addr;
		o.netns = s->rc->env.e_station_netns;
		o.interval_ns = P_dur(st, "interval", 0);
		snprintf(p->prefix, sizeof(p->prefix), "%s", P(st, "prefix") ?
		    P(st, "prefix") : "tcp_");
		if ((p->tcp = probe_tcp_start(&o, err)) == NULL)
			return -1;
	} else
		return err_set(err, "probe kind '%s' is not wired into the "
		    "runner yet (ping, tcp)", kind);
	s->nprobes++;
	return 0;
}

/*
 * 1 with err set when `to` names a VM ("vm:NAME") whose QEMU ended by
 * itself (the platform says stopped and why): waiting on cannot help, and
 * QEMU's last words say what went wrong.  0 otherwise.
 */
static int
vm_ended(struct sctx *s, const char *to, char *err)
{
	struct drv_vm_info vi;
	char e[ERR_LEN];

	if (to == NULL || strncmp(to, "vm:", 3) != 0 ||
	    s->rc->drv->d_ops->vm_info == NULL ||
	    vm_info_get(s->rc, to + 3, &vi, e) == -1)
		return 0;
	if (vi.i_state != DRV_VM_STOPPED || vi.i_exit[0] == '\0')
		return 0;
	err_set(err, "VM %s stopped before it answered: %s", to + 3,
	    vi.i_exit);
	return 1;
}

static int
step_wait_check(struct sctx *s, const struct step *st, const char *action,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_info vi;
	uint64_t end;
	char addr[64];
	int r;

	if (strcmp(action, "wait.time") == 0)
		return nap(s->rc, P_dur(st, "for", 0)) == -1 ?
		    err_set(err, "interrupted") : 0;
	if (strcmp(action, "wait.ping") == 0 ||
	    strcmp(action, "check.ping") == 0) {
		int want = P_bool(st, "expect", 1), once =
		    strcmp(action, "check.ping") == 0;

		end = clock_mono_ns() + P_dur(st, "timeout", 60 * NS_PER_S);
		for (;;) {
			if (resolve_addr(s, P(st, "to"), addr, sizeof(addr),
			    err) == 0 && (r = ping_once(s, addr, err)) >= 0 &&
			    r == want)
				return 0;
			if (once)
				return err_set(err, "%s %s from the station",
				    P(st, "to"), want ? "does not answer" :
				    "answers but should not");
			if (want && vm_ended(s, P(st, "to"), err))
				return -1;
			if (clock_mono_ns() >= end)
				return err_set(err, "%s: no answer before the "
				    "timeout", P(st, "to"));
			if (runner_stop)
				return err_set(err, "interrupted");
		}
	}
	if ((r = need_op(ops->vm_info, action, s, err)))
		return r;
	if (strcmp(action, "check.vm-running") == 0) {
		if (vm_info_get(s->rc, P(st, "name"), &vi, err) == -1)
			return -1;
		if (vi.i_state != DRV_VM_RUNNING)
			return err_set(err, "VM %s is not running",
			    P(st, "name"));
		if (P(st, "host") && strcmp(P(st, "host"), vi.i_host) != 0)
			return err_set(err, "VM %s runs on %s, not %s",
			    P(st, "name"), vi.i_host, P(st, "host"));
		return 0;
	}
	/* wait.vm */
	end = clock_mono_ns() + P_dur(st, "timeout", 60 * NS_PER_S);
	for (;;) {
		const char *want = P(st, "state");

		if (vm_info_get(s->rc, P(st, "name"), &vi, err) == -1)
			return -1;
		if ((strcmp(want, "running") == 0 &&
		    vi.i_state == DRV_VM_RUNNING) ||
		    (strcmp(want, "stopped") == 0 &&
		    vi.i_state == DRV_VM_STOPPED))
			return 0;
		if (clock_mono_ns() >= end)
			return err_set(err, "VM %s not %s before the timeout",
			    P(st, "name"), want);
		if (nap(s->rc, 500 * NS_PER_MS) == -1)
			return err_set(err, "interrupted");
	}
}

static int
step_inject(struct sctx *s, const struct step *st, const char *action,
    char *err)
{
	const char *ev = action + strlen("inject.");
	const char *host = P(st, "host"), *nic = P(st, "nic");
	char hosts[256];

	probes_mark(s, ev);
	if (strcmp(ev, "partition") == 0) {
		/* hvlab inject partition HOST... : one argument per host */
		const char *argv[16];
		char *tok, *save = NULL;
		int n = 0;

		snprintf(hosts, sizeof(hosts), "%s", P(st, "hosts"));
		argv[n++] = s->rc->o->ro_self;
		argv[n++] = "inject";
		argv[n++] = "partition";
		for (tok = strtok_r(hosts, " ", &save); tok && n < 12;
		    tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
		argv[n++] = "--lab";
		argv[n++] = s->rc->lab;
		argv[n] = NULL;
		return proc_run(argv, NULL, INJECT_TIMEOUT_MS, NULL, err);
	}
	if (nic != NULL)
		return hvlab_cmd(s->rc, INJECT_TIMEOUT_MS, err, "inject", ev,
		    host, nic, "--lab", s->rc->lab, NULL);
	if (host != NULL)
		return hvlab_cmd(s->rc, INJECT_TIMEOUT_MS, err, "inject", ev,
		    host, "--lab", s->rc->lab, NULL);
	return hvlab_cmd(s->rc, INJECT_TIMEOUT_MS, err, "inject", ev,
	    "--lab", s->rc->lab, NULL);
}

static int
step_platform(struct sctx *s, const struct step *st, const char *action,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_network n;
	struct drv_task t;
	int r;

	if (strcmp(action, "platform.install") == 0 ||
	    strcmp(action, "cluster.form") == 0 ||
	    strcmp(action, "storage.attach") == 0) {
		enum setup_phase ph = action[0] == 'p' ? PH_INSTALL :
		    action[0] == 'c' ? PH_CLUSTER : PH_STORAGE;

		phase_run(s->rc, ph);
		if (s->rc->phase[ph].verdict == VERDICT_PASS)
			return 0;
		err_set(err, "%s", s->rc->phase[ph].reason);
		return s->rc->phase[ph].verdict == VERDICT_UNSUPPORTED ?
		    DRIVER_UNSUPPORTED : -1;
	}
	/* network.apply */
	if ((r = need_op(ops->network_apply, action, s, err)))
		return r;
	memset(&n, 0, sizeof(n));
	n.n_name = P(st, "name");
	n.n_vlan = P(st, "vlan") ? atoi(P(st, "vlan")) : 0;
	n.n_bond = P(st, "bond");
	drv_task_init(&t);
	return drv_finish(s->rc, ops->network_apply(s->rc->drv, &n, &t, err),
	    &t, TASK_TIMEOUT_NS, err);
}

static int
step_exec(struct sctx *s, const struct step *st, char *err)
{
	const char *a = st->st_def->sd_action;

	if (runner_stop && !s->rc->cleaning)
		return err_set(err, "interrupted");
	if (strncmp(a, "vm.", 3) == 0)
		return step_vm(s, st, a, err);
	if (strncmp(a, "probe.", 6) == 0)
		return step_probe(s, st, a, err);
	if (strncmp(a, "wait.", 5) == 0 || strncmp(a, "check.", 6) == 0)
		return step_wait_check(s, st, a, err);
	if (strncmp(a, "inject.", 7) == 0)
		return step_inject(s, st, a, err);
	return step_platform(s, st, a, err);
}

/* ---- built-in scenarios ---- */

static int
builtin_phase(struct sctx *s, enum setup_phase ph, char *err)
{
	struct phase *p;
	size_t i;

	phase_run(s->rc, ph);
	p = &s->rc->phase[ph];
	for (i = 0; i < p->metrics.ms_n; i++)
		metrics_set(&s->run->r_metrics, p->metrics.ms_v[i].m_name,
		    p->metrics.ms_v[i].m_value);
	if (p->verdict == VERDICT_PASS) {
		if (p->reason[0] != '\0')
			results_set_str(&s->run->r_reason, "%s", p->reason);
		return 0;
	}
	err_set(err, "%s", p->reason);
	return p->verdict == VERDICT_UNSUPPORTED ? DRIVER_UNSUPPORTED : -1;
}

static int boot_try(struct sctx *s, const char *vm, const char *host,
    int vcpus, int memory_mib, const char *machine, uint64_t timeout,
    double *boot_s, char *why);

/* "QEMU 7.2.19 (TCG) on x86_64" of every node: the first, and the nodes
 * that differ from it, into text; the count of those like the first. */
static int
arch_nodes(struct sctx *s, char *text, size_t len, size_t *same,
    struct drv_node_info *first_ni, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_node_info ni;
	char first[256] = "", one[256];
	size_t i;

	*same = 0;
	for (i = 0; i < s->rc->env.e_nhosts; i++) {
		if (ops->node_info(s->rc->drv, s->rc->hosts[i].h_name, &ni,
		    err) == -1)
			return -1;
		if (ni.n_hypervisor[0] == '\0' || ni.n_arch[0] == '\0')
			return err_set(err, "node %s: the platform reports no "
			    "%s", s->rc->hosts[i].h_name,
			    ni.n_hypervisor[0] ? "CPU architecture" :
			    "hypervisor");
		snprintf(one, sizeof(one), "%s on %s", ni.n_hypervisor,
		    ni.n_arch);
		if (i == 0) {
			snprintf(first, sizeof(first), "%s", one);
			*first_ni = ni;
			snprintf(text, len, "%s", first);
		}
		if (strcmp(one, first) == 0)
			(*same)++;
		else if (strlen(text) + strlen(one) + 40 < len)
			snprintf(text + strlen(text), len - strlen(text),
			    "; %s: %s", s->rc->hosts[i].h_name, one);
	}
	return 0;
}

/*
 * Server architecture: what each node's platform says it runs (hypervisor,
 * QEMU version, CPU architecture), and the accelerator a guest's QEMU
 * really uses: one small VM is booted on the first node and asked.
 */
static int
builtin_architecture(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_node_info ni;
	char text[1024] = "", why[ERR_LEN];
	size_t same;
	double boot_s;
	int r;

	if (ops->node_info == NULL)
		return err_set(err, "%s: the platform's API describes no "
		    "node's hypervisor or CPU architecture yet", ops->name),
		    DRIVER_UNSUPPORTED;
	if (arch_nodes(s, text, sizeof(text), &same, &ni, err) == -1)
		return -1;
	metrics_set(&s->run->r_metrics, "cpus", ni.n_cpus);
	if (ni.n_memory_bytes > 0)
		metrics_set(&s->run->r_metrics, "memory_bytes",
		    (double)ni.n_memory_bytes);
	metrics_set(&s->run->r_metrics, "hosts", (double)s->rc->env.e_nhosts);
	s->rc->accel_seen[0] = '\0';
	r = boot_try(s, "arch-accel", s->rc->hosts[0].h_name, 1, 128, NULL,
	    120 * NS_PER_S, &boot_s, why);
	if (r == DRIVER_UNSUPPORTED || r == -1)
		return err_set(err, "%s", why), r;
	if (r == 0 || s->rc->accel_seen[0] == '\0')
		return err_set(err, "a guest on %s, booted to ask its "
		    "accelerator: %s", s->rc->hosts[0].h_name, r == 0 ? why :
		    "the platform does not report it");
	metrics_set(&s->run->r_metrics, "kvm",
	    strcmp(s->rc->accel_seen, "kvm") == 0);
	results_set_str(&s->run->r_reason, "%s (%zu of %zu nodes); a guest "
	    "runs under %s (QEMU's query-kvm)%s%s", text, same,
	    s->rc->env.e_nhosts, strcmp(s->rc->accel_seen, "kvm") == 0 ?
	    "KVM" : "TCG", ni.n_accel_reason[0] ? "; " : "",
	    ni.n_accel_reason);
	return 0;
}

/* One VM of a boot batch. */
struct boot_one {
	const char *b_vm, *b_host, *b_machine;
	int b_vcpus, b_memory_mib;
	int b_result;			/* 1 booted, 0 did not */
	double b_boot_s;		/* start to first reply */
	char b_why[ERR_LEN];		/* when it did not */
	int b_started;
	uint64_t b_t0;
	char b_addr[64];
};

/*
 * Boot n VMs at once and see which answer ping from the station within
 * timeout; then remove them.  Each b[i].b_result is 1 (booted, b_boot_s =
 * start to first reply) or 0 (b_why says what the platform or the wait
 * said).  Returns 0, DRIVER_UNSUPPORTED (b[0].b_why), or -1 when the
 * runner itself failed.
 */
static int
boot_batch(struct sctx *s, struct boot_one *b, size_t n, uint64_t timeout)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	char cmdline[512], a[64], e[ERR_LEN];
	uint64_t end;
	size_t i, left = 0;
	int r;

	for (i = 0; i < n; i++) {
		struct boot_one *x = &b[i];

		x->b_result = 0;
		x->b_started = 0;
		memset(&sp, 0, sizeof(sp));
		sp.v_name = x->b_vm;
		sp.v_host = x->b_host;
		sp.v_vcpus = x->b_vcpus;
		sp.v_memory_mib = x->b_memory_mib;
		sp.v_machine = x->b_machine;
		if (guest_prepare(s, x->b_vm, -1, &sp, cmdline,
		    sizeof(cmdline), x->b_why) == -1)
			return err_set(b[0].b_why, "%s", x->b_why), -1;
		progress(s->rc, "run %zu: boot %s (%d vCPU, %d MiB%s%s)",
		    s->runno, x->b_vm, x->b_vcpus, x->b_memory_mib,
		    x->b_machine ? ", " : "", x->b_machine ? x->b_machine :
		    "");
		drv_task_init(&t);
		r = drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t,
		    x->b_why), &t, TASK_TIMEOUT_NS, x->b_why);
		if (r == DRIVER_UNSUPPORTED) {
			snprintf(b[0].b_why, sizeof(b[0].b_why), "%s",
			    x->b_why);
			n = i;	/* remove what was made, then say so */
			left = (size_t)-1;
			break;
		}
		if (r != 0)
			continue;
		vm_track(s->rc, x->b_vm, 1);
		x->b_t0 = clock_mono_ns();
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_start(s->rc->drv, x->b_vm, &t,
		    x->b_why), &t, TASK_TIMEOUT_NS, x->b_why) != 0)
			continue;
		snprintf(a, sizeof(a), "vm:%s", x->b_vm);
		if (resolve_addr(s, a, x->b_addr, sizeof(x->b_addr),
		    x->b_why) == -1)
			continue;
		x->b_started = 1;
		left++;
	}
	/* Round robin until each answered or the time is up. */
	end = clock_mono_ns() + timeout;
	while (left != (size_t)-1 && left > 0 && !runner_stop &&
	    clock_mono_ns() < end)
		for (i = 0; i < n; i++) {
			struct boot_one *x = &b[i];

			if (!x->b_started || x->b_result)
				continue;
			snprintf(a, sizeof(a), "vm:%s", x->b_vm);
			if (ping_once(s, x->b_addr, e) == 1) {
				struct drv_vm_info vi;

				x->b_result = 1;
				x->b_boot_s = (double)(clock_mono_ns() -
				    x->b_t0) / 1e9;
				left--;
				if (ops->vm_info != NULL)
					(void)vm_info_get(s->rc, x->b_vm, &vi,
					    e);
			} else if (vm_ended(s, a, x->b_why)) {
				x->b_started = 0;	/* why says it */
				left--;
			}
		}
	for (i = 0; i < n; i++) {
		struct boot_one *x = &b[i];

		if (x->b_started && !x->b_result)
			err_set(x->b_why, "no answer to ping within %llu s",
			    (unsigned long long)(timeout / NS_PER_S));
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_stop(s->rc->drv, x->b_vm, 1, &t,
		    e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_debug("stop %s: %s", x->b_vm, e);
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_delete(s->rc->drv, x->b_vm, &t,
		    e), &t, TASK_TIMEOUT_NS, e) == 0)
			vm_track(s->rc, x->b_vm, 0);
		else
			log_debug("delete %s: %s (deleted again at teardown)",
			    x->b_vm, e);
	}
	return left == (size_t)-1 ? DRIVER_UNSUPPORTED : 0;
}

/*
 * Boot one VM (boot_batch of one): 1 = it booted (*boot_s = start to
 * first reply), 0 = it did not (why), DRIVER_UNSUPPORTED, or -1.
 */
static int
boot_try(struct sctx *s, const char *vm, const char *host, int vcpus,
    int memory_mib, const char *machine, uint64_t timeout, double *boot_s,
    char *why)
{
	struct boot_one b;
	int r;

	memset(&b, 0, sizeof(b));
	b.b_vm = vm;
	b.b_host = host;
	b.b_vcpus = vcpus;
	b.b_memory_mib = memory_mib;
	b.b_machine = machine;
	r = boot_batch(s, &b, 1, timeout);
	snprintf(why, ERR_LEN, "%s", b.b_why);
	if (r != 0)
		return r;
	*boot_s = b.b_boot_s;
	return b.b_result;
}

static long
param_long(const struct scenario *sc, const char *key, long def)
{
	const char *v = step_param_get(sc->sc_params, sc->sc_nparams, key);

	return v ? atol(v) : def;
}

/* Doubling search from start up to max: the largest value that boots. */
static int
search_max(struct sctx *s, const char *what, int start, int max,
    int is_vcpus, int *best, char *err)
{
	char vm[SUITE_NAME_MAX], why[ERR_LEN];
	double boot_s;
	int v, r;

	*best = 0;
	/* The bound first: when it boots (the usual case here) that is the
	 * answer in one boot; otherwise double from start. */
	if (max > start) {
		snprintf(vm, sizeof(vm), "res-%s-%d", what, max);
		r = boot_try(s, vm, s->rc->hosts[0].h_name, is_vcpus ? max : 1,
		    is_vcpus ? 128 : max, NULL, 120 * NS_PER_S, &boot_s, why);
		if (r == -1 || r == DRIVER_UNSUPPORTED)
			return err_set(err, "%s", why), r;
		if (r == 1) {
			*best = max;
			return 0;
		}
	}
	for (v = start; (v < max || v == start) && !runner_stop; v *= 2) {
		snprintf(vm, sizeof(vm), "res-%s-%d", what, v);
		r = boot_try(s, vm, s->rc->hosts[0].h_name, is_vcpus ? v : 1,
		    is_vcpus ? 128 : v, NULL, 120 * NS_PER_S, &boot_s, why);
		if (r == -1 || r == DRIVER_UNSUPPORTED)
			return err_set(err, "%s", why), r;
		if (r == 0 && v == start)
			return err_set(err, "even the smallest VM (%s %d) does "
			    "not boot: %s", what, v, why);
		if (r == 0)
			break;
		*best = v;
	}
	return 0;
}

static int
builtin_resources(struct sctx *s, char *err)
{
	const struct scenario *sc = s->sc;
	char vm[SUITE_NAME_MAX], a[64], e[ERR_LEN], why[ERR_LEN] = "";
	const struct driver_ops *ops = s->rc->drv->d_ops;
	int best, r, n, i, up = 0, nvms;
	struct drv_task t;
	uint64_t end;

	if ((r = search_max(s, "cpu", 1, (int)param_long(sc, "vcpus_max", 8),
	    1, &best, err)) != 0)
		return r;
	metrics_set(&s->run->r_metrics, "max_vcpus", best);
	if ((r = search_max(s, "mem", 128, (int)param_long(sc,
	    "memory_mib_max", 2048), 0, &best, err)) != 0)
		return r;
	metrics_set(&s->run->r_metrics, "max_memory_mib", best);
	/* VMs per host: start vms_max at once on the first host, count the
	 * ones that answer. */
	nvms = (int)param_long(sc, "vms_max", 4);
	for (n = 0; n < nvms; n++) {
		struct drv_vm_spec sp;
		char cmdline[512];

		memset(&sp, 0, sizeof(sp));
		snprintf(vm, sizeof(vm), "res-n%d", n);
		sp.v_name = vm;
		sp.v_host = s->rc->hosts[0].h_name;
		if (guest_prepare(s, vm, -1, &sp, cmdline, sizeof(cmdline),
		    err) == -1)
			return -1;
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t,
		    why), &t, TASK_TIMEOUT_NS, why) != 0)
			break;
		vm_track(s->rc, vm, 1);
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_start(s->rc->drv, vm, &t, why),
		    &t, TASK_TIMEOUT_NS, why) != 0)
			break;
	}
	progress(s->rc, "run %zu: %d VMs on %s", s->runno, n,
	    s->rc->hosts[0].h_name);
	end = clock_mono_ns() + 180 * NS_PER_S;
	for (i = 0; i < n && !runner_stop; ) {
		snprintf(vm, sizeof(vm), "vm:res-n%d", i);
		if (resolve_addr(s, vm, a, sizeof(a), e) == 0 &&
		    ping_once(s, a, e) == 1) {
			up++;
			i++;
		} else if (clock_mono_ns() >= end)
			i++;	/* give up on this one */
	}
	if (up == 0) {
		vms_teardown(s->rc);
		return err_set(err, "none of %d VMs answered (%s)", n, why);
	}
	metrics_set(&s->run->r_metrics, "max_vms", up);
	metrics_set(&s->run->r_metrics, "vms_tried", n);
	vms_teardown(s->rc);
	return 0;
}

static int
builtin_virt_methods(struct sctx *s, char *err)
{
	static const struct {
		const char *machine, *label;
	} methods[] = {
		{ "q35", "full virtualization (q35, PCIe virtio)" },
		{ "pc", "full virtualization (i440fx, PCI virtio)" },
		{ "microvm", "paravirtual machine (microvm, virtio-mmio)" },
	};
	enum { NM = sizeof(methods) / sizeof(methods[0]) };
	struct boot_one b[NM];
	char vm[NM][SUITE_NAME_MAX], why[ERR_LEN], text[1024] = "";
	size_t i;
	int r, n = 0;

	/* All three at once: one wait instead of three. */
	memset(b, 0, sizeof(b));
	for (i = 0; i < NM; i++) {
		snprintf(vm[i], sizeof(vm[i]), "vmeth-%s", methods[i].machine);
		b[i].b_vm = vm[i];
		b[i].b_host = s->rc->hosts[0].h_name;
		b[i].b_vcpus = 1;
		b[i].b_memory_mib = 128;
		b[i].b_machine = methods[i].machine;
	}
	r = boot_batch(s, b, NM, 90 * NS_PER_S);
	if (r == -1 || r == DRIVER_UNSUPPORTED)
		return err_set(err, "%s", b[0].b_why), r;
	if (!b[0].b_result)
		return err_set(err, "%s, the default, does not boot: %s",
		    methods[0].label, b[0].b_why);
	for (i = 0; i < NM; i++) {
		n += b[i].b_result;
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s: %s", *text ? "; " : "", methods[i].label,
		    b[i].b_result ? "boots" : "does not boot");
	}
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
	    "; containers: %s", driver_supports(s->rc->drv, "containers",
	    why) ? "yes" : "no");
	results_set_str(&s->run->r_reason, "%s", text);
	metrics_set(&s->run->r_metrics, "methods_booted", n);
	return n > 0 ? 0 : err_set(err, "%s", text);
}

static int
builtin_guest_os(struct sctx *s, char *err)
{
	char why[ERR_LEN];
	double boot_s = 0;
	int r;

	/* The lab has one guest kind today: its Linux image. */
	r = boot_try(s, "gos-linux", s->rc->hosts[0].h_name, 1, 128, NULL,
	    120 * NS_PER_S, &boot_s, why);
	if (r == -1 || r == DRIVER_UNSUPPORTED)
		return err_set(err, "%s", why), r;
	if (r == 0)
		return err_set(err, "linux guest: %s", why);
	results_set_str(&s->run->r_reason, "linux (the lab's Debian kernel "
	    "and busybox initramfs) boots; no other guest image in the lab "
	    "yet");
	metrics_set(&s->run->r_metrics, "guest_kinds", 1);
	metrics_set(&s->run->r_metrics, "boot_s", boot_s);
	return 0;
}

/*
 * Ask a guest's agent (TCP 7777), from a lab node on the guest's VLAN
 * (`agentctl ADDR REQUEST` at that node's console: the station for the
 * station's VLAN, the SAN for its own).  The first reply line into reply.
 */
static int
agent_ask(struct rctx *rc, const char *node, const char *addr,
    const char *req, long tmo_s, char *reply, size_t len, char *err)
{
	char p[4200], agentctl[4096], t[16];
	const char *argv[] = { agentctl, "-t", t, addr, req, NULL };
	char *out = NULL;
	int r;

	snprintf(p, sizeof(p), "%s/../build/guest/agentctl", rc->env.e_bindir);
	if (realpath(p, agentctl) == NULL)
		return err_errno(err, "%s (make guest)", p);
	snprintf(t, sizeof(t), "%ld", tmo_s);
	r = lab_exec(&rc->env, node, argv, &out, (tmo_s + 15) * 1000, err);
	if (r == 0) {
		snprintf(reply, len, "%s", out ? out : "");
		reply[strcspn(reply, "\n")] = '\0';
		if (strncmp(reply, "error", 5) == 0)
			r = err_set(err, "%s: agent of %s: %s", node, addr, reply);
	}
	free(out);
	return r;
}

/* "arp ADDR" asked inside the guest at via/addr: 1 yes, 0 no, -1. */
static int
guest_reaches(struct rctx *rc, const char *node, const char *addr,
    const char *target, char *err)
{
	char req[64], reply[256];

	snprintf(req, sizeof(req), "arp %s 1500", target);
	if (agent_ask(rc, node, addr, req, 10, reply, sizeof(reply), err) ==
	    -1)
		return -1;
	if (strncmp(reply, "yes", 3) == 0)
		return 1;
	if (strcmp(reply, "no") == 0)
		return 0;
	return err_set(err, "agent of %s: '%s' to '%s'", addr, reply, req);
}

/* Create and start a guest on host with its NIC on vlan. */
static int
net_guest(struct sctx *s, const char *vm, const char *host, int vlan,
    char *addr, size_t alen, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	char cmdline[512], a[64];

	memset(&sp, 0, sizeof(sp));
	sp.v_name = vm;
	sp.v_host = host;
	if (guest_prepare(s, vm, vlan, &sp, cmdline, sizeof(cmdline), err) ==
	    -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", vm);
	if (resolve_addr(s, a, addr, alen, err) == -1)
		return -1;
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t, err), &t,
	    TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "create %s", vm);
	vm_track(s->rc, vm, 1);
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_start(s->rc->drv, vm, &t, err), &t,
	    TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "start %s", vm);
	return 0;
}

/* The access VLAN of port on host (-1 when there is no such port). */
static int
port_vlan(struct rctx *rc, const char *host, const char *port, char *err)
{
	struct drv_port *pt = NULL;
	size_t n = 0, i;
	int v = -1;

	if (rc->drv->d_ops->net_ports(rc->drv, host, &pt, &n, err) == -1)
		return -2;
	for (i = 0; i < n; i++)
		if (strcmp(pt[i].p_name, port) == 0)
			v = pt[i].p_vlan;
	free(pt);
	return v;
}

/*
 * Network management: VLAN isolation across hosts, checked inside the
 * guests at layer 2 (the agent's `arp`), and safe apply through the
 * platform.
 *   A (host1) and B (host2) on the station's VLAN must reach each other;
 *   C (host3) on the SAN's VLAN must reach neither, nor they it, while it
 *   reaches the SAN (so its "no" is isolation, not a dead guest).
 *   Good change: C's port moved to A's VLAN through the platform: kept,
 *   and A now reaches C.  Bad change: host2's management port moved to an
 *   empty VLAN: the platform must undo it by itself, and host2 answers the
 *   station again.
 */
static int
builtin_network(struct sctx *s, char *err)
{
	struct rctx *rc = s->rc;
	const struct driver_ops *ops = rc->drv->d_ops;
	const struct topo *tp = rc->topo;
	struct drv_port *before = NULL, *after = NULL;
	size_t nb = 0, na = 0, i, k;
	char a[16], b[16], c[16], san[16], port[DRV_NAME_MAX] = "", e[ERR_LEN];
	char text[1024], hostaddr[16];
	const char *ha, *hb, *hc, *hbad;
	int vl_a, vl_c, vl_bad = 0, mgmt_vlan, r, peers = 0, viol = 0,
	    alive, kept = 0, rolled = 0, restored = 0, up, ret = -1;
	struct drv_task t;
	uint64_t t0, end;
	double good_s = -1, back_s = -1;
	const struct topo_host *th;

	if (tp == NULL || rc->env.e_nhosts < 2)
		return err_set(err, "network: needs a lab with 2 hosts or more");
	if (!tp->t_san.s_present || tp->t_san.s_vlan == tp->t_station.st_vlan)
		return err_set(err, "network: the isolated guest is asked from "
		    "the SAN's VLAN: the lab needs a SAN on a VLAN other than "
		    "the station's");
	vl_a = tp->t_station.st_vlan;
	vl_c = tp->t_san.s_vlan;
	for (i = 0; i < (size_t)tp->t_nvlans; i++)
		if (tp->t_vlans[i].v_id != vl_a && tp->t_vlans[i].v_id != vl_c)
			vl_bad = tp->t_vlans[i].v_id;
	if (vl_bad == 0)
		vl_bad = 4000;	/* a VLAN nobody uses */
	ha = rc->hosts[0].h_name;
	hb = rc->hosts[1].h_name;
	hc = rc->hosts[2 % rc->env.e_nhosts].h_name;
	hbad = hb;
	topo_addr_str(tp->t_san.s_addr, san, sizeof(san));
	if ((th = topo_host_find(tp, hbad)) == NULL)
		return err_set(err, "network: no host %s in the lab", hbad);
	mgmt_vlan = th->h_mgmt_vlan;
	topo_addr_str(th->h_mgmt_addr, hostaddr, sizeof(hostaddr));

	progress(rc, "run %zu: guests on VLAN %d (%s, %s) and %d (%s)",
	    s->runno, vl_a, ha, hb, vl_c, hc);
	if (ops->net_ports(rc->drv, hc, &before, &nb, err) == -1 ||
	    net_guest(s, "net-a", ha, vl_a, a, sizeof(a), err) == -1 ||
	    net_guest(s, "net-b", hb, vl_a, b, sizeof(b), err) == -1 ||
	    net_guest(s, "net-c", hc, vl_c, c, sizeof(c), err) == -1)
		goto out;
	/* Booted: A and B answer the station, C the SAN (its VLAN). */
	end = clock_mono_ns() + 120 * NS_PER_S;
	for (up = 0; up < 2 && !runner_stop; ) {
		if (ping_once(s, up == 0 ? a : b, e) == 1)
			up++;
		else if (clock_mono_ns() > end) {
			err_set(err, "guest %s on %s did not answer the "
			    "station within 120 s", up == 0 ? a : b,
			    up == 0 ? ha : hb);
			goto out;
		}
	}
	if (agent_ask(rc, "san", c, "echo up", 120, text, sizeof(text),
	    err) == -1) {
		err_prefix(err, "guest %s on VLAN %d", c, vl_c);
		goto out;
	}
	progress(rc, "run %zu: who reaches whom (arp inside the guests)",
	    s->runno);
	{
		static const int want[] = { 1, 0, 1, 0, 0, 0 };
		const char *node[] = { "station", "station", "station",
		    "station", "san", "san" };
		const char *from[] = { a, a, b, b, c, c };
		const char *to[] = { b, c, a, c, a, b };

		for (i = 0; i < 6; i++) {
			if ((r = guest_reaches(rc, node[i], from[i], to[i],
			    err)) == -1)
				goto out;
			if (want[i])
				peers += r;
			else
				viol += r;
		}
	}
	if ((alive = guest_reaches(rc, "san", c, san, err)) == -1)
		goto out;
	metrics_set(&s->run->r_metrics, "vlan_peers_reached", peers);
	metrics_set(&s->run->r_metrics, "isolation_violations", viol);
	metrics_set(&s->run->r_metrics, "isolated_guest_alive", alive);

	/* The port C's NIC got on its host: the one that appeared. */
	if (ops->net_ports(rc->drv, hc, &after, &na, err) == -1)
		goto out;
	for (i = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (strcmp(after[i].p_name, before[k].p_name) == 0)
				break;
		if (k == nb && after[i].p_vlan == vl_c)
			snprintf(port, sizeof(port), "%s", after[i].p_name);
	}
	if (port[0] == '\0') {
		err_set(err, "network: no new port on %s's switch with VLAN "
		    "%d after guest net-c started", hc, vl_c);
		goto out;
	}
	/* Good change: kept, and it works. */
	progress(rc, "run %zu: good change: %s port %s to VLAN %d", s->runno,
	    hc, port, vl_a);
	t0 = clock_mono_ns();
	drv_task_init(&t);
	if (drv_finish(rc, ops->net_port_vlan(rc->drv, hc, port, vl_a, &t,
	    err), &t, TASK_TIMEOUT_NS, err) != 0) {
		err_prefix(err, "good change (%s %s to VLAN %d)", hc, port,
		    vl_a);
		goto out;
	}
	good_s = (double)(clock_mono_ns() - t0) / 1e9;
	if ((r = port_vlan(rc, hc, port, err)) < -1)
		goto out;
	if (r == vl_a && (r = guest_reaches(rc, "station", a, c, err)) == -1)
		goto out;
	kept = r == 1;
	metrics_set(&s->run->r_metrics, "good_change_kept", kept);
	metrics_set(&s->run->r_metrics, "good_change_s", good_s);

	/* Bad change: cuts host's management path; must come back alone. */
	progress(rc, "run %zu: bad change: %s port mgmt to VLAN %d", s->runno,
	    hbad, vl_bad);
	t0 = clock_mono_ns();
	drv_task_init(&t);
	r = drv_finish(rc, ops->net_port_vlan(rc->drv, hbad, "mgmt", vl_bad,
	    &t, e), &t, TASK_TIMEOUT_NS, e);
	back_s = (double)(clock_mono_ns() - t0) / 1e9;
	rolled = r != 0 && t.t_rolled_back;
	if (r == DRIVER_UNSUPPORTED) {
		err_set(err, "%s", e);
		ret = r;
		goto out;
	}
	if (r == 0) {
		/* Kept although it cut the host off: put it back by hand at
		 * the host's console, as an administrator would have to. */
		char tag[32];
		const char *fix[] = { "ovs-vsctl", "set", "port", "mgmt", tag,
		    NULL };

		snprintf(tag, sizeof(tag), "tag=%d", mgmt_vlan);
		if (lab_exec(&rc->env, hbad, fix, NULL, 30000, e) == -1)
			log_warnx("network: restoring %s's mgmt port: %s", hbad,
			    e);
	} else if (!rolled) {
		err_set(err, "bad change on %s: %s", hbad, e);
		goto out;
	}
	end = clock_mono_ns() + 30 * NS_PER_S;
	while (!restored && clock_mono_ns() < end && !runner_stop)
		restored = ping_once(s, hostaddr, e) == 1;
	/* Back on the network, the host still has to renew its liveness
	 * in the platform (hvd: its etcd lease lapsed while it was cut
	 * off; the API answers 409 "offline" until then): ask for 30 s. */
	end = clock_mono_ns() + 30 * NS_PER_S;
	while (restored && (r = port_vlan(rc, hbad, "mgmt", e)) < -1 &&
	    clock_mono_ns() < end && !runner_stop)
		clock_sleep_ns(500 * NS_PER_MS);
	if (restored && r < -1) {
		err_set(err, "%s", e);
		goto out;
	}
	restored = restored && r == mgmt_vlan;
	metrics_set(&s->run->r_metrics, "bad_change_rolled_back", rolled);
	if (rolled)
		metrics_set(&s->run->r_metrics, "rollback_s", back_s);
	metrics_set(&s->run->r_metrics, "mgmt_restored", restored);
	snprintf(text, sizeof(text), "VLAN %d across %s and %s: %d of 2 "
	    "reached; VLAN %d guest: %d of 4 crossings (0 = isolated), "
	    "reaches the SAN: %s; good change kept: %s (%.1f s); bad change "
	    "(%s mgmt to VLAN %d) %s", vl_a, ha, hb, peers, vl_c, viol,
	    alive ? "yes" : "no", kept ? "yes" : "no", good_s, hbad, vl_bad,
	    rolled ? "rolled back by itself" : "NOT rolled back");
	if (rolled)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " in %.1f s", back_s);
	results_set_str(&s->run->r_reason, "%s", text);
	ret = 0;
out:
	free(before);
	free(after);
	vms_teardown(rc);
	return ret;
}

/* scenarios/bonding.c: unplug drill per bond mode on the first host,
 * pinging a VM started there through the driver (param vm: 0 = the host
 * only), throughput from the first host to the second. */
static int
builtin_bonding(struct sctx *s, char *err)
{
	struct bonding_env e;
	struct bonding_params p;
	char vm[16], e2[ERR_LEN];
	uint64_t end;
	long iv;
	int rc, up = 0;

	if (s->rc->env.e_nhosts < 2)
		return err_set(err, "bonding needs two lab hosts");
	memset(&e, 0, sizeof(e));
	e.drv = s->rc->drv;
	e.env = &s->rc->env;
	e.self = s->rc->o->ro_self;
	e.a = &s->rc->hosts[0];
	e.b = &s->rc->hosts[1];
	e.stop = (volatile int *)&runner_stop;
	memset(&p, 0, sizeof(p));
	p.flows = (int)param_long(s->sc, "flows", 4);
	p.rate_mbit = (int)param_long(s->sc, "rate_mbit", 8);
	p.tput_ns = (uint64_t)param_long(s->sc, "tput_s", 4) * NS_PER_S;
	p.rebalance_ms = (int)param_long(s->sc, "rebalance_ms", 1000);
	p.throughput = (int)param_long(s->sc, "throughput", 1);
	iv = param_long(s->sc, "interval_us", 2000);
	if (iv < 500 || iv > 100000)
		return err_set(err, "scenario %s: params.interval_us is %ld, "
		    "must be 500..100000 (the station's ping interval)",
		    s->sc->sc_name, iv);
	p.interval_ns = (uint64_t)iv * NS_PER_US;
	if (param_long(s->sc, "vm", 1) != 0) {
		/* On the station's VLAN: the station pings it directly. */
		progress(s->rc, "run %zu: bonding: VM bond-vm on %s", s->runno,
		    e.a->h_name);
		if (net_guest(s, "bond-vm", e.a->h_name, -1, vm, sizeof(vm),
		    err) == -1) {
			rc = -1;
			goto out;
		}
		end = clock_mono_ns() + 120 * NS_PER_S;
		while (!up && !runner_stop && clock_mono_ns() < end)
			up = ping_once(s, vm, e2) == 1;
		if (!up) {
			rc = err_set(err, "VM bond-vm (%s) on %s did not answer "
			    "the station within 120 s", vm, e.a->h_name);
			goto out;
		}
		e.vm_addr = vm;
	}
	progress(s->rc, "run %zu: bonding", s->runno);
	rc = bonding_run(&e, &p, &s->run->r_metrics, err);
out:
	vms_teardown(s->rc);
	return rc;
}

/* scenarios/ha.c's hooks into the runner: the lab's guest (its address
 * on the station's VLAN, remembered for vm:NAME), the VMs to tear down,
 * the progress line. */
static int
ha_guest(void *arg, const char *vm, int vlan, struct drv_vm_spec *sp,
    char *cmdline, size_t len, char *addr, size_t alen, char *err)
{
	struct sctx *s = arg;
	char a[SUITE_NAME_MAX + 8];

	if (vlan >= 0 && s->rc->topo != NULL &&
	    vlan != s->rc->topo->t_station.st_vlan)
		return err_set(err, "ha: params: vlan %d: the station's probes "
		    "reach only its own VLAN %d (the lab has no router)",
		    vlan, s->rc->topo->t_station.st_vlan);
	if (guest_prepare(s, vm, vlan, sp, cmdline, len, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", vm);
	return resolve_addr(s, a, addr, alen, err);
}

static void
ha_track(void *arg, const char *vm, int add)
{
	vm_track(((struct sctx *)arg)->rc, vm, add);
}

static void
ha_progress(void *arg, const char *text)
{
	progress(((struct sctx *)arg)->rc, "%s", text);
}

/* scenarios/ha.c: the power-pull (or partition) drill of an HA VM. */
static int
builtin_ha(struct sctx *s, char *err)
{
	struct ha_params p;
	struct ha_env e;
	char state[LAB_PATH_MAX], vm[SUITE_NAME_MAX];
	size_t i;

	if (ha_params_parse(s->sc->sc_params, s->sc->sc_nparams, &p,
	    err) == -1)
		return err_prefix(err, "scenario %s", s->sc->sc_name);
	/* hvd names: letters, digits, '-', '_' */
	snprintf(vm, sizeof(vm), "%.40s-%zu", s->sc->sc_name, s->runno);
	for (i = 0; vm[i] != '\0'; i++)
		if (vm[i] == '.')
			vm[i] = '-';
	lab_state_dir(s->rc->lab, state, sizeof(state));
	memset(&e, 0, sizeof(e));
	e.drv = s->rc->drv;
	e.env = &s->rc->env;
	e.self = s->rc->o->ro_self;
	e.lab = s->rc->lab;
	e.lab_state = state;
	e.outdir = s->rc->o->ro_outdir;
	e.scen = s->sc->sc_name;
	e.runno = s->runno;
	e.vm = vm;
	e.guest = ha_guest;
	e.track = ha_track;
	e.progress = ha_progress;
	e.arg = s;
	e.stop = (volatile int *)&runner_stop;
	return ha_run(&e, &p, s->run, s->sr, err);
}

static int
builtin_exec(struct sctx *s, char *err)
{
	const char *b = s->sc->sc_builtin;

	if (strcmp(b, "install") == 0)
		return builtin_phase(s, PH_INSTALL, err);
	if (strcmp(b, "cluster") == 0)
		return builtin_phase(s, PH_CLUSTER, err);
	if (strcmp(b, "shared-storage") == 0)
		return builtin_phase(s, PH_STORAGE, err);
	if (strcmp(b, "architecture") == 0)
		return builtin_architecture(s, err);
	if (strcmp(b, "resources") == 0)
		return builtin_resources(s, err);
	if (strcmp(b, "virt-methods") == 0)
		return builtin_virt_methods(s, err);
	if (strcmp(b, "guest-os") == 0)
		return builtin_guest_os(s, err);
	if (strcmp(b, "bonding") == 0)
		return builtin_bonding(s, err);
	if (strcmp(b, "ha") == 0)
		return builtin_ha(s, err);
	if (strcmp(b, "network") == 0)
		return builtin_network(s, err);
	return err_set(err, "built-in scenario '%s' is not written", b);
}

/* ---- one scenario ---- */

enum verdict
runner_check_bounds(const struct bound *b, size_t nb,
    const struct metrics *ms, char *reason, size_t len)
{
	enum verdict v = VERDICT_PASS;
	char one[256];
	size_t i;
	double x;

	reason[0] = '\0';
	for (i = 0; i < nb; i++) {
		if (metrics_get(ms, b[i].bd_metric, &x) == -1)
			snprintf(one, sizeof(one), "%s not measured",
			    b[i].bd_metric);
		else if (b[i].bd_is_max ? x > b[i].bd_limit :
		    x < b[i].bd_limit)
			snprintf(one, sizeof(one), "%s %g %s %g",
			    b[i].bd_metric, x, b[i].bd_is_max ? ">" : "<",
			    b[i].bd_limit);
		else
			continue;
		v = VERDICT_FAIL;
		if (strlen(reason) + strlen(one) + 3 < len)
			snprintf(reason + strlen(reason), len - strlen(reason),
			    "%s%s", *reason ? "; " : "", one);
	}
	return v;
}

static void
run_one(struct sctx *s)
{
	const struct scenario *sc = s->sc;
	char e[ERR_LEN] = "", ce[ERR_LEN], reason[ERR_LEN];
	uint64_t t0 = clock_mono_ns();
	size_t i;
	int r = 0;

	if (sc->sc_builtin != NULL) {
		progress(s->rc, "run %zu: builtin %s", s->runno,
		    sc->sc_builtin);
		r = builtin_exec(s, e);
	}
	for (i = 0; sc->sc_builtin == NULL && i < sc->sc_nsteps && r == 0;
	    i++) {
		const struct step *st = &sc->sc_steps[i];

		progress(s->rc, "run %zu: step %zu/%zu %s", s->runno, i + 1,
		    sc->sc_nsteps, st->st_def->sd_action);
		r = step_exec(s, st, e);
		if (r == -1)
			err_prefix(e, "step %zu (%s, line %d)", i + 1,
			    st->st_def->sd_action, st->st_line);
	}
	/* Cleanup steps always run; their errors are logged only. */
	s->rc->cleaning = 1;
	for (i = 0; i < sc->sc_ncleanup; i++) {
		const struct step *st = &sc->sc_cleanup[i];

		progress(s->rc, "run %zu: cleanup %zu/%zu %s", s->runno, i + 1,
		    sc->sc_ncleanup, st->st_def->sd_action);
		if (step_exec(s, st, ce) == -1)
			log_warnx("%s: cleanup step %zu (%s): %s", sc->sc_name,
			    i + 1, st->st_def->sd_action, ce);
	}
	s->rc->cleaning = 0;
	probes_abandon(s);
	s->run->r_duration_s = (double)(clock_mono_ns() - t0) / 1e9;
	if (r == DRIVER_UNSUPPORTED) {
		s->run->r_verdict = VERDICT_UNSUPPORTED;
		results_set_str(&s->run->r_reason, "%s", e);
	} else if (r != 0) {
		s->run->r_verdict = VERDICT_ERROR;
		results_set_str(&s->run->r_reason, "%s", e);
	} else {
		s->run->r_verdict = runner_check_bounds(sc->sc_bounds,
		    sc->sc_nbounds, &s->run->r_metrics, reason,
		    sizeof(reason));
		if (s->run->r_verdict == VERDICT_FAIL)
			results_set_str(&s->run->r_reason, "%s", reason);
	}
}

static void
scenario_run(struct rctx *rc, const struct scenario *sc,
    struct scen_result *sr)
{
	struct sctx s;
	char reason[ERR_LEN];
	size_t i, nrep = rc->o->ro_repeat > 0 ? (size_t)rc->o->ro_repeat :
	    (size_t)sc->sc_repeat;
	const struct run *bad = NULL;

	/* The set-up a scenario needs (install, cluster, storage) is done
	 * once, before its first run, so its steps find a platform. */
	if (!(sc->sc_builtin && (strcmp(sc->sc_builtin, "install") == 0 ||
	    strcmp(sc->sc_builtin, "cluster") == 0 ||
	    strcmp(sc->sc_builtin, "shared-storage") == 0))) {
		static const char *const feat[PH_N] = { "install", "cluster",
		    "storage" };

		for (i = 0; i < PH_N; i++) {
			size_t k;

			for (k = 0; k < sc->sc_nneeds; k++)
				if (strcmp(sc->sc_needs[k], feat[i]) == 0)
					break;
			if (k == sc->sc_nneeds)
				continue;
			phase_run(rc, (enum setup_phase)i);
			if (rc->phase[i].verdict != VERDICT_PASS) {
				sr->s_verdict = rc->phase[i].verdict ==
				    VERDICT_UNSUPPORTED ? VERDICT_UNSUPPORTED :
				    VERDICT_ERROR;
				results_set_str(&sr->s_reason, "set-up (%s): "
				    "%s", feat[i], rc->phase[i].reason);
				return;
			}
		}
	}
	/* Set-up phases have one measurement: do not repeat them. */
	if (sc->sc_builtin && (strcmp(sc->sc_builtin, "install") == 0 ||
	    strcmp(sc->sc_builtin, "cluster") == 0 ||
	    strcmp(sc->sc_builtin, "shared-storage") == 0))
		nrep = 1;
	for (i = 0; i < nrep && !runner_stop; i++) {
		memset(&s, 0, sizeof(s));
		s.rc = rc;
		s.sc = sc;
		s.sr = sr;
		s.runno = i + 1;
		s.run = scen_add_run(sr);
		run_one(&s);
		if (s.run->r_verdict == VERDICT_ERROR ||
		    s.run->r_verdict == VERDICT_UNSUPPORTED)
			break;	/* the next run would meet the same wall */
	}
	metrics_median(sr->s_runs, sr->s_nruns, &sr->s_metrics);
	for (i = 0; i < sr->s_nruns; i++)
		if (sr->s_runs[i].r_verdict == VERDICT_ERROR ||
		    sr->s_runs[i].r_verdict == VERDICT_UNSUPPORTED) {
			bad = &sr->s_runs[i];
			break;
		}
	if (bad != NULL) {
		sr->s_verdict = bad->r_verdict;
		results_set_str(&sr->s_reason, "%s", bad->r_reason);
	} else if (sr->s_nruns == 0) {
		sr->s_verdict = VERDICT_ERROR;
		results_set_str(&sr->s_reason, "interrupted");
	} else {
		sr->s_verdict = runner_check_bounds(sc->sc_bounds,
		    sc->sc_nbounds, &sr->s_metrics, reason, sizeof(reason));
		results_set_str(&sr->s_reason, "%s",
		    sr->s_verdict == VERDICT_FAIL ? reason :
		    sr->s_runs[0].r_reason);
	}
}

/* The reason a scenario cannot run on this driver, or 0. */
static int
scenario_unsupported(struct rctx *rc, const struct scenario *sc,
    char *reason)
{
	char r[ERR_LEN];
	size_t i;
	int found = 0;

	/* The last unsupported need wins: a scenario lists its own
	 * feature last (install, vm, snapshot). */
	for (i = 0; i < sc->sc_nneeds; i++)
		if (!driver_supports(rc->drv, sc->sc_needs[i], r)) {
			snprintf(reason, ERR_LEN, "%s", r);
			found = 1;
		}
	return found;
}

/* results.json's machine block from the platform, while it still runs. */
static void
machine_note(struct rctx *rc, struct results *rs)
{
	struct drv_node_info ni;
	char e[ERR_LEN];
	int have;

	have = rc->lab_ok && rc->env.e_nhosts > 0 &&
	    rc->drv->d_ops->node_info != NULL &&
	    rc->drv->d_ops->node_info(rc->drv, rc->hosts[0].h_name, &ni,
	    e) == 0;
	machine_from_platform(rs, have ? &ni : NULL, rc->accel_seen);
}

int
runner_run(const struct runner_opts *o, const struct scenario *const *scen,
    size_t n, struct results *rs, int *interrupted, char *err)
{
	struct sigaction sa, old_int, old_term;
	struct rctx rc;
	char *unsup = NULL, workdir[4096], bindir[4096];
	size_t i, runnable = 0;
	int needs_lab = 0, rcode = -1;

	memset(&rc, 0, sizeof(rc));
	rc.o = o;
	rc.total = n;
	rc.scen_t0 = clock_mono_ns();
	*interrupted = 0;
	snprintf(workdir, sizeof(workdir), "%s/work", o->ro_outdir);
	rc.env.e_workdir = workdir;
	snprintf(bindir, sizeof(bindir), "%s", o->ro_self);
	if (strrchr(bindir, '/') != NULL)
		*strrchr(bindir, '/') = '\0';
	rc.env.e_bindir = bindir;
	rc.drv = driver_open(o->ro_platform, &rc.env, err);
	if (rc.drv == NULL)
		return -1;
	runner_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	unsup = calloc(n ? n : 1, ERR_LEN);
	if (unsup == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!scenario_unsupported(&rc, scen[i], unsup + i * ERR_LEN)) {
			runnable++;
			needs_lab |= scen[i]->sc_uses_lab;
		}
	if (runnable > 0 && needs_lab) {
		char raw[4200];

		snprintf(raw, sizeof(raw), "%s/raw", o->ro_outdir);
		if (mkdir(raw, 0755) == -1 && errno != EEXIST)
			log_warn("%s", raw);
		if (mkdir(workdir, 0700) == -1 && errno != EEXIST)
			log_warn("%s", workdir);
		rc.lab_ok = lab_bring_up(&rc, rc.lab_err) == 0;
	}
	for (i = 0; i < n; i++) {
		const struct scenario *sc = scen[i];
		struct scen_result *sr = results_add_scenario(rs, sc->sc_name,
		    sc->sc_row);
		uint64_t t0 = clock_mono_ns();

		rc.idx = i;
		rc.scen_name = sc->sc_name;
		rc.scen_t0 = t0;
		if (unsup[i * ERR_LEN] != '\0') {
			sr->s_verdict = VERDICT_UNSUPPORTED;
			results_set_str(&sr->s_reason, "%s", unsup +
			    i * ERR_LEN);
		} else if (runner_stop) {
			sr->s_verdict = VERDICT_ERROR;
			results_set_str(&sr->s_reason, "interrupted");
		} else if (sc->sc_uses_lab && !rc.lab_ok) {
			sr->s_verdict = VERDICT_ERROR;
			results_set_str(&sr->s_reason, "%s", rc.lab_err);
		} else
			scenario_run(&rc, sc, sr);
		sr->s_duration_s = (double)(clock_mono_ns() - t0) / 1e9;
		progress_done(&rc, sr);
	}
	rcode = 0;
	machine_note(&rc, rs);
out:
	/* Teardown, whatever happened. */
	rc.scen_name = "teardown";
	rc.cleaning = 1;
	vms_teardown(&rc);
	/* The driver lets go of the platform while its hosts still answer
	 * (a libvirt connection's close waits for its host's reply). */
	driver_close(rc.drv);
	rc.drv = NULL;
	lab_take_down(&rc);
	if (o->ro_progress)
		fprintf(stderr, "\r\033[K");
	*interrupted = runner_stop != 0;
	free(unsup);
	for (i = 0; i < rc.nvms; i++)
		free(rc.vms[i]);
	for (i = 0; i < PH_N; i++)
		metrics_free(&rc.phase[i].metrics);
	free(rc.topo);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rcode;
}
