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
#include <limits.h>
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
#include "lab/remote.h"
#include "lab/topo.h"
#include "probes/ping.h"
#include "probes/tcp.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/machine.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/runner.h"
#include "scenarios/runner_priv.h"

#define LAB_CMD_TIMEOUT_MS (10 * 60 * 1000)
#define INJECT_TIMEOUT_MS (60 * 1000)

volatile sig_atomic_t runner_stop;

static void
on_signal(int sig)
{
	runner_stop = 1;
}

/* ---- progress ---- */

void
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

int
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

/* drv_env.e_service: `hvlab lab service HOST --lab LAB --kind KIND --
 * ARGV...`. */
static int
lab_service(const struct drv_env *env, const char *host, const char *kind,
    const char *const argv[], char *err)
{
	struct rctx *rc = env->e_exec_arg;
	const char *av[40];
	int n = 0, i;

	av[n++] = rc->o->ro_self;
	av[n++] = "lab";
	av[n++] = "service";
	av[n++] = host;
	av[n++] = "--lab";
	av[n++] = rc->lab;
	av[n++] = "--kind";
	av[n++] = kind;
	av[n++] = "--";
	for (i = 0; argv[i] != NULL; i++)
		if (n == 39)
			return err_set(err, "%s: service: over 30 words", host);
		else
			av[n++] = argv[i];
	av[n] = NULL;
	if (self_run(av, 60000, NULL, err) == -1)
		return err_prefix(err, "%s", host);
	return 0;
}

/* drv_env.e_copy: `hvlab lab put HOST PATH --from SRC --mode MODE`. */
static int
lab_copy(const struct drv_env *env, const char *host, const char *path,
    const char *src, int mode, char *err)
{
	struct rctx *rc = env->e_exec_arg;
	char m[16];
	const char *av[] = { rc->o->ro_self, "lab", "put", host, path,
	    "--lab", rc->lab, "--from", src, "--mode", m, NULL };

	snprintf(m, sizeof(m), "%o", (unsigned)mode & 07777);
	if (self_run(av, 60000, NULL, err) == -1)
		return err_prefix(err, "%s", host);
	return 0;
}

/* drv_env.e_put: the data in a file of the run's scratch directory,
 * then copied (lab_copy). */
static int
lab_put(const struct drv_env *env, const char *host, const char *path,
    const void *data, size_t len, int mode, char *err)
{
	char tmp[4200];
	FILE *f;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s/.put.%d", env->e_workdir ?
	    env->e_workdir : "/tmp", (int)getpid());
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
	ret = lab_copy(env, host, path, tmp, mode, err);
	unlink(tmp);
	return ret;
}

/* The drivers' view of the lab: its hosts, the host verbs, the
 * station, the SAN.  0, or -1 with err. */
/* The lab's BMCs in the drivers' environment: each host's address,
 * the user and the file lab up wrote the password to (docs/lab.md
 * "BMCs"). */
static void
lab_env_bmc(struct rctx *rc)
{
	int i;

	for (i = 0; i < rc->topo->t_nhosts && i < 16; i++)
		if (rc->topo->t_hosts[i].h_bmc_addr != 0)
			topo_addr_str(rc->topo->t_hosts[i].h_bmc_addr,
			    rc->hosts[i].h_bmc_addr,
			    sizeof(rc->hosts[i].h_bmc_addr));
	if (!rc->topo->t_bmc.b_present)
		return;
	snprintf(rc->bmc_password_file, sizeof(rc->bmc_password_file),
	    "%s/bmc/password", rc->statedir);
	rc->env.e_bmc_user = rc->topo->t_bmc.b_user;
	rc->env.e_bmc_password_file = rc->bmc_password_file;
}

static int
lab_env(struct rctx *rc, int lab_remote, char *err)
{
	char e[ERR_LEN], a[16];
	size_t i;

	for (i = 0; i < (size_t)rc->topo->t_nhosts && i < 16; i++) {
		struct drv_host *h = &rc->hosts[i];

		snprintf(h->h_name, sizeof(h->h_name), "%s",
		    rc->topo->t_hosts[i].h_name);
		topo_addr_str(rc->topo->t_hosts[i].h_mgmt_addr, h->h_addr,
		    sizeof(h->h_addr));
		/* a remote lab's hosts are servers: no namespace to enter */
		if (!lab_remote)
			snprintf(h->h_netns, sizeof(h->h_netns), "%.30s-%.30s",
			    rc->lab, h->h_name);
	}
	lab_state_dir(rc->lab, rc->statedir, sizeof(rc->statedir));
	lab_env_bmc(rc);
	rc->env.e_exec = lab_exec;
	rc->env.e_dirs = lab_dirs;
	rc->env.e_put = lab_put;
	rc->env.e_service = lab_service;
	rc->env.e_copy = lab_copy;
	rc->env.e_exec_arg = rc;
	rc->env.e_hosts = rc->hosts;
	rc->env.e_nhosts = i;
	snprintf(rc->station_netns, sizeof(rc->station_netns), "%.40s-st",
	    rc->lab);
	/* a remote lab's station: this machine, or the namespace its
	 * inventory names (docs/remote.md) */
	snprintf(rc->host_lab, sizeof(rc->host_lab), "%s", rc->lab);
	if (lab_remote && remote_station(rc->topo, rc->station_netns,
	    rc->host_lab, e) == -1)
		return err_set(err, "lab: %s", e);
	rc->env.e_station_netns = rc->station_netns[0] ? rc->station_netns :
	    NULL;
	rc->env.e_lab = rc->lab;
	if (access(rc->statedir, W_OK) == 0)
		rc->env.e_statedir = rc->statedir;
	if (rc->topo->t_san.s_present) {
		topo_addr_str(rc->topo->t_san.s_addr, a, sizeof(a));
		snprintf(rc->san_addr, sizeof(rc->san_addr), "%s:3260", a);
		snprintf(rc->san_iqn, sizeof(rc->san_iqn), "%s",
		    rc->topo->t_san.s_iqn);
		rc->env.e_san_addr = rc->san_addr;
		rc->env.e_san_iqn = rc->san_iqn;
		if (rc->topo->t_san.s_witness) {
			topo_addr_str(rc->topo->t_san.s_mgmt_addr,
			    rc->san_mgmt_addr, sizeof(rc->san_mgmt_addr));
			rc->env.e_san_mgmt_addr = rc->san_mgmt_addr;
		}
	}
	return 0;
}

static int
lab_bring_up(struct rctx *rc, char *err)
{
	char e[ERR_LEN];
	int lab_remote;

	rc->topo = calloc(1, sizeof(*rc->topo));
	if (rc->topo == NULL)
		return err_set(err, "out of memory");
	if (topo_load(rc->o->ro_file, rc->o->ro_lab, rc->topo, NULL, e) == -1)
		return err_set(err, "lab: %s", e);
	lab_remote = strcmp(rc->topo->t_provider, "remote") == 0;
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
		/* NULL ends the list early when no scenario needs host
		 * clocks of their own (docs/lab.md "Host clocks") */
		if (hvlab_cmd(rc, LAB_CMD_TIMEOUT_MS, e, "lab", "up", "-q", "-f",
		    rc->o->ro_file, "--lab", rc->lab, rc->fake_clock ?
		    "--fake-clock" : NULL, NULL) == -1)
			/* `lab up` is all or nothing; and a failure may mean
			 * a lab of that name runs already: not ours to take
			 * down. */
			return err_set(err, "hvlab lab up: %s", e);
		rc->lab_ours = 1;
	}
	return lab_env(rc, lab_remote, err);
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

int
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

void
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

/* results.json's machine.accel is what QEMU used, not a guess. */
int
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

void
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

/* The work of a phase starts here: its own time, its own requests. */
struct phase_clock {
	uint64_t t0;
	unsigned long calls0;
};

static void
phase_clock_start(struct rctx *rc, struct phase_clock *c)
{
	c->t0 = clock_mono_ns();
	c->calls0 = rc->drv->d_calls;
}

static void
phase_install(struct rctx *rc, struct phase *p, const struct phase_clock *c)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_task t;
	char e[ERR_LEN] = "";
	size_t i, reused = 0;
	int r = 0;

	for (i = 0; i < rc->env.e_nhosts && r == 0; i++) {
		progress(rc, "install %s on %s", ops->name,
		    rc->hosts[i].h_name);
		drv_task_init(&t);
		r = drv_finish(rc, ops->host_install(rc->drv, &rc->hosts[i],
		    &t, e), &t, TASK_TIMEOUT_NS, e);
		if (r == -1)
			err_prefix(e, "%s", rc->hosts[i].h_name);
		reused += t.t_reused != 0;
	}
	if (r == 0 && rc->env.e_nhosts == 0)
		r = err_set(e, "the lab has no hosts");
	phase_set(p, r, e);
	p->reused = r == 0 && reused > 0;
	if (r == 0 && reused > 0)
		/* A reused lab: the platform was there; no installation to
		 * time. */
		snprintf(p->reason, sizeof(p->reason), "reused lab: %s "
		    "already installed on %zu of %zu hosts (not timed)",
		    ops->name, reused, rc->env.e_nhosts);
	if (r == 0 && reused == 0) {
		metrics_set(&p->metrics, "install_s",
		    (double)(clock_mono_ns() - c->t0) / 1e9);
		metrics_set(&p->metrics, "steps", (double)
		    (rc->drv->d_calls - c->calls0));
	}
	if (r == 0)
		metrics_set(&p->metrics, "hosts", (double)rc->env.e_nhosts);
}

/* Formed = quorate with every host online (up to 2 min from t0). */
static int
cluster_wait(struct rctx *rc, struct drv_cluster_info *ci, uint64_t t0,
    char *err)
{
	int r;

	for (;;) {
		r = rc->drv->d_ops->cluster_info(rc->drv, ci, err);
		if (r != 0 || (ci->c_quorate && ci->c_online ==
		    (int)rc->env.e_nhosts))
			return r;
		if (clock_mono_ns() - t0 > 120 * NS_PER_S)
			return err_set(err, "%d of %zu hosts online after 2 "
			    "min", ci->c_online, rc->env.e_nhosts);
		if (nap(rc, 250 * NS_PER_MS) == -1)
			return err_set(err, "interrupted");
	}
}

static void
phase_cluster(struct rctx *rc, struct phase *p, const struct phase_clock *c)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_cluster_info ci;
	struct drv_task t;
	char e[ERR_LEN] = "", keep[ERR_LEN];
	int r;

	memset(&ci, 0, sizeof(ci));
	progress(rc, "form cluster %s", rc->lab);
	drv_task_init(&t);
	r = drv_finish(rc, ops->cluster_form(rc->drv, rc->lab, rc->hosts,
	    rc->env.e_nhosts, &t, e), &t, TASK_TIMEOUT_NS, e);
	p->reused = r == 0 && t.t_reused;
	if (r == 0 && t.t_reused)
		snprintf(p->reason, sizeof(p->reason), "reused lab: %s (not "
		    "timed)", t.t_status);
	else if (r == 0) {
		/* the form and its task polls; not the wait for every node
		 * to come online below */
		metrics_set(&p->metrics, "steps", (double)
		    (rc->drv->d_calls - c->calls0));
		/* the platform's word on what it formed (its quorum) */
		snprintf(p->reason, sizeof(p->reason), "%s", t.t_status);
	}
	if (r == 0)
		r = cluster_wait(rc, &ci, c->t0, e);
	if (r == 0 && !t.t_reused)
		metrics_set(&p->metrics, "form_s",
		    (double)(clock_mono_ns() - c->t0) / 1e9);
	if (r == 0 || ci.c_nodes > 0) {
		metrics_set(&p->metrics, "hosts", ci.c_nodes);
		metrics_set(&p->metrics, "online", ci.c_online);
		metrics_set(&p->metrics, "quorate", ci.c_quorate);
		if (r == 0 && !ci.c_quorate)
			r = err_set(e, "the cluster is not quorate");
	}
	snprintf(keep, sizeof(keep), "%s", p->reason);
	phase_set(p, r, e);
	if (r == 0)
		snprintf(p->reason, sizeof(p->reason), "%s", keep);
	if (r == -1 && ci.c_nodes > 0)
		p->verdict = VERDICT_FAIL;
}

/* Every host sees the pool: asked host by host.  0, or -1 with err. */
static int
storage_seen(struct rctx *rc, const struct drv_pool *pool, struct phase *p,
    char *err)
{
	char ce[ERR_LEN] = "";
	size_t i, seen = 0;

	for (i = 0; i < rc->env.e_nhosts; i++) {
		progress(rc, "does %s see pool %s?", rc->hosts[i].h_name,
		    pool->p_name);
		if (rc->drv->d_ops->storage_check(rc->drv, pool,
		    rc->hosts[i].h_name, ce) == 0)
			seen++;
		else
			snprintf(err, ERR_LEN, "%s", ce);
	}
	metrics_set(&p->metrics, "hosts_seeing", (double)seen);
	metrics_set(&p->metrics, "hosts", (double)rc->env.e_nhosts);
	if (seen < rc->env.e_nhosts)
		return err_set(err, "%zu of %zu hosts see pool %s: %.300s",
		    seen, rc->env.e_nhosts, pool->p_name, ce);
	return 0;
}

static void
phase_storage(struct rctx *rc, struct phase *p, const struct phase_clock *c)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	struct drv_pool pool;
	struct drv_task t;
	char e[ERR_LEN] = "";
	int r;

	progress(rc, "attach shared storage");
	memset(&pool, 0, sizeof(pool));
	pool.p_name = "san";
	pool.p_type = "iscsi";
	pool.p_portal = rc->env.e_san_addr;
	pool.p_target = rc->env.e_san_iqn;
	drv_task_init(&t);
	if (pool.p_portal == NULL)
		r = err_set(e, "the lab has no SAN");
	else
		r = drv_finish(rc, ops->storage_attach(rc->drv, &pool, &t, e),
		    &t, TASK_TIMEOUT_NS, e);
	if (r == 0 && !t.t_reused) {
		metrics_set(&p->metrics, "attach_s",
		    (double)(clock_mono_ns() - c->t0) / 1e9);
		metrics_set(&p->metrics, "steps", (double)
		    (rc->drv->d_calls - c->calls0));
	}
	if (r == 0 && ops->storage_check != NULL)
		r = storage_seen(rc, &pool, p, e);
	phase_set(p, r, e);
	if (r == -1 && p->metrics.ms_n > 0)
		p->verdict = VERDICT_FAIL;
	p->reused = r == 0 && t.t_reused;
	if (r == 0 && t.t_reused)
		snprintf(p->reason, sizeof(p->reason), "reused lab: %s (not "
		    "timed)", t.t_status);
}

void
phase_run(struct rctx *rc, enum setup_phase ph)
{
	static const char *const what[PH_N] = { "platform install",
	    "cluster", "storage" };
	struct phase *p = &rc->phase[ph];
	const struct phase *prev;
	struct phase_clock c;
	char why[ERR_LEN];

	if (p->ran)
		return;
	phase_clock_start(rc, &c);
	/* Each phase stands on the one before: a cluster on installed
	 * hosts, a pool (cluster-wide, through the cluster's API) on the
	 * cluster. */
	if (ph > PH_INSTALL) {
		prev = &rc->phase[ph - 1];
		phase_run(rc, (enum setup_phase)(ph - 1));
		if (prev->verdict != VERDICT_PASS) {
			snprintf(why, sizeof(why), "%s", prev->reason);
			p->ran = 1;
			p->verdict = prev->verdict == VERDICT_UNSUPPORTED ?
			    VERDICT_UNSUPPORTED : VERDICT_ERROR;
			snprintf(p->reason, sizeof(p->reason), "%s: %.400s",
			    what[ph - 1], why);
			return;
		}
		phase_clock_start(rc, &c);	/* this phase's own */
	}
	if (ph == PH_INSTALL)
		phase_install(rc, p, &c);
	else if (ph == PH_CLUSTER)
		phase_cluster(rc, p, &c);
	else if (ph == PH_STORAGE)
		phase_storage(rc, p, &c);
}

/* ---- probes ---- */

int
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

/*
 * A live migration's downtime from a ping result that carries the
 * runner's migrate-start and migrate-end marks: the longest reply gap
 * between them plus the settle window (ping_stats_migration_downtime).
 * 1 with *g, 0 when the probe saw no (whole) migration, -1.
 */
static int
migration_gap(const struct probe_ping_result *r, struct stats_gap *g,
    uint64_t *lost, char *err)
{
	uint64_t start = 0, end = 0;
	size_t i;

	for (i = 0; i < r->pr_nmarks; i++) {
		if (strcmp(r->pr_marks[i].pm_label, "migrate-start") == 0)
			start = r->pr_marks[i].pm_wall_ns;
		else if (strcmp(r->pr_marks[i].pm_label, "migrate-end") == 0 &&
		    start != 0)
			end = r->pr_marks[i].pm_wall_ns;
	}
	if (start == 0 || end == 0)
		return 0;
	if (ping_stats_migration_downtime(&r->pr_timeline, &r->pr_stats,
	    (struct stats_span){ start, end }, g, lost, err) == -1)
		return -1;
	return 1;
}

/*
 * A TCP session across a live migration survived it only when data
 * flowed both ways within TCP_RESUME_MAX_NS of the switchover and the
 * session lived on TCP_HOLD_MIN_NS past it (a probe stopped earlier
 * proves nothing; a frozen session is never reset within a short run).
 * Its "survived" becomes that; resumed_ms and held_s say why.
 */
#define TCP_RESUME_MAX_NS (5 * NS_PER_S)
#define TCP_HOLD_MIN_NS (20 * NS_PER_S)

static void
tcp_switch_metrics(struct sctx *s, const struct probe_tcp_result *r,
    cJSON *doc)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "metrics");
	double resumed, held;
	int ok;

	ok = probe_tcp_after_switch(r, s->switch_wall_ns, TCP_RESUME_MAX_NS,
	    TCP_HOLD_MIN_NS, &resumed, &held);
	if (!cJSON_IsObject(m))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(m, "survived");
	cJSON_AddBoolToObject(m, "survived", ok);
	cJSON_AddNumberToObject(m, "resumed_ms", round(resumed * 1e3) / 1e3);
	cJSON_AddNumberToObject(m, "held_s", round(held * 1e3) / 1e3);
}

/* A stopped probe's result on its way to the run. */
struct probe_out {
	char rel[256];			/* raw/SCEN-RUN-ID, for its files */
	cJSON *doc;			/* its result as JSON */
	int migr;			/* 1: it saw a whole live migration */
	struct stats_gap mg;		/* that migration's gap */
	uint64_t mlost;			/* requests lost in it */
	double capture_max_ms;		/* the whole capture's longest gap */
};

/* The ping CSV as the run's timeline, its down window the migration's
 * gap when there was one, else the capture's longest. */
static void
ping_timeline(struct sctx *s, const struct probe_ping_result *r,
    const struct probe_out *po)
{
	const struct ping_stats *st = &r->pr_stats;
	char path[4096], e[ERR_LEN], f[300];
	struct timeline *tl;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.csv", s->rc->o->ro_outdir,
	    po->rel);
	if (probe_ping_write_csv(r, path, e) == -1) {
		log_warnx("%s", e);
		return;
	}
	snprintf(f, sizeof(f), "%s.csv", po->rel);
	tl = run_add_timeline(s->run, f, "ping");
	scen_add_artifact(s->sr, f);
	if (po->migr == 1 && po->mg.g_len_ns > 0) {
		/* the migration's gap, not a stall elsewhere */
		tl->tl_has_window = 1;
		tl->tl_down_start_s = ((double)po->mg.g_start_ns -
		    (double)st->st_start_ns) / 1e9;
		tl->tl_down_end_s = ((double)po->mg.g_end_ns -
		    (double)st->st_start_ns) / 1e9;
	} else if (st->st_downtime.g_len_ns > 0) {
		tl->tl_has_window = 1;
		tl->tl_down_start_s = (double)(st->st_downtime.g_start_ns -
		    st->st_start_ns) / 1e9;
		tl->tl_down_end_s = (double)(st->st_downtime.g_end_ns -
		    st->st_start_ns) / 1e9;
	}
	for (i = 0; i < r->pr_nmarks; i++)
		timeline_add_event(tl, ((double)r->pr_marks[i].pm_wall_ns -
		    (double)st->st_start_ns) / 1e9, r->pr_marks[i].pm_label);
}

static int
ping_finish(struct sctx *s, struct rprobe *p, struct probe_out *po,
    char *err)
{
	struct probe_ping_result r;
	char e[ERR_LEN];

	memset(&r, 0, sizeof(r));
	if (probe_ping_stop(p->ping, &r, err) == -1) {
		p->ping = NULL;
		return -1;
	}
	p->ping = NULL;
	po->doc = probe_ping_result_json(&r, 1);
	po->capture_max_ms = (double)r.pr_stats.st_downtime.g_len_ns / 1e6;
	if ((po->migr = migration_gap(&r, &po->mg, &po->mlost, e)) == -1)
		log_warnx("probe %s: %s", p->id, e);
	ping_timeline(s, &r, po);
	probe_ping_result_free(&r);
	return 0;
}

static int
tcp_finish(struct sctx *s, struct rprobe *p, struct probe_out *po,
    char *err)
{
	struct probe_tcp_result r;

	memset(&r, 0, sizeof(r));
	if (probe_tcp_stop(p->tcp, &r, err) == -1) {
		p->tcp = NULL;
		return -1;
	}
	p->tcp = NULL;
	po->doc = probe_tcp_result_json(&r, 1);
	if (po->doc != NULL && s->switch_wall_ns != 0)
		tcp_switch_metrics(s, &r, po->doc);
	probe_tcp_result_free(&r);
	return 0;
}

/* The probe's metrics into the run, its JSON beside the results. */
static void
probe_keep(struct sctx *s, const struct rprobe *p, const struct probe_out *po)
{
	char path[4096], e[ERR_LEN], name[160], f[300];

	probe_metrics(s->run, po->doc, p->prefix);
	if (po->migr == 1) {
		/* downtime_ms is the migration's; the whole capture's longest
		 * gap is kept under its own name */
		snprintf(name, sizeof(name), "%scapture_max_gap_ms", p->prefix);
		metrics_set(&s->run->r_metrics, name, po->capture_max_ms);
		snprintf(name, sizeof(name), "%sdowntime_ms", p->prefix);
		metrics_set(&s->run->r_metrics, name, (double)po->mg.g_len_ns /
		    1e6);
		snprintf(name, sizeof(name), "%sdowntime_lost", p->prefix);
		metrics_set(&s->run->r_metrics, name, (double)po->mlost);
	}
	snprintf(path, sizeof(path), "%s/%s.json", s->rc->o->ro_outdir,
	    po->rel);
	if (json_write_file(path, po->doc, e) == 0) {
		snprintf(f, sizeof(f), "%s.json", po->rel);
		scen_add_artifact(s->sr, f);
	} else
		log_warnx("%s", e);
}

/* Stop a probe and keep what it measured.  0, or -1 with err. */
static int
probe_finish(struct sctx *s, struct rprobe *p, char *err)
{
	struct probe_out po;
	int r;

	memset(&po, 0, sizeof(po));
	snprintf(po.rel, sizeof(po.rel), "raw/%s-%zu-%s", s->sc->sc_name,
	    s->runno, p->id);
	if (p->ping != NULL)
		r = ping_finish(s, p, &po, err);
	else if (p->tcp != NULL)
		r = tcp_finish(s, p, &po, err);
	else
		return 0;
	if (r == -1)
		return -1;
	if (po.doc == NULL)
		return err_set(err, "probe %s: out of memory", p->id);
	probe_keep(s, p, &po);
	cJSON_Delete(po.doc);
	return 0;
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

int
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

/* The lab's guest image (BINDIR/../build/guest), looked up once: kernel,
 * initrd and their command line. */
static int
guest_files(struct rctx *rc, char *err)
{
	char p[4200];
	FILE *f;

	if (rc->guest_kernel[0] != '\0')
		return 0;
	snprintf(p, sizeof(p), "%s/../build/guest/initrd.img", rc->env.e_bindir);
	if (realpath(p, rc->guest_initrd) == NULL)
		return err_errno(err, "guest initrd %s (make guest)", p);
	/* The image's kernel arguments (lab/guest: no_timer_check and the
	 * TSC frequency, without which a machine with no PIT or HPET,
	 * microvm, never finishes its early boot). */
	snprintf(p, sizeof(p), "%s/../build/guest/cmdline", rc->env.e_bindir);
	if ((f = fopen(p, "r")) == NULL)
		return err_errno(err, "guest cmdline %s (make guest)", p);
	if (fgets(rc->guest_cmdline, sizeof(rc->guest_cmdline), f) == NULL)
		rc->guest_cmdline[0] = '\0';
	fclose(f);
	rc->guest_cmdline[strcspn(rc->guest_cmdline, "\n")] = '\0';
	if (rc->guest_cmdline[0] == '\0')
		return err_set(err, "guest cmdline %s is empty (make guest)",
		    p);
	/* last: it marks the lookup done */
	snprintf(p, sizeof(p), "%s/../build/guest/vmlinux", rc->env.e_bindir);
	if (realpath(p, rc->guest_kernel) == NULL)
		return err_errno(err, "guest kernel %s (make guest)", p);
	return 0;
}

/* vm's address on vlan (-1 = the station's): the VLAN's /24 + 100 + n,
 * the same for a name all run long, remembered for "vm:NAME". */
static int
guest_addr(struct sctx *s, const char *vm, int *vlan, char addr[16],
    char *err)
{
	struct rctx *rc = s->rc;
	const struct topo_vlan *v;
	size_t i;

	if (rc->topo == NULL)
		return err_set(err, "vm.create: no lab for the guest's network");
	if (*vlan < 0)
		*vlan = rc->topo->t_station.st_vlan;
	if ((v = topo_vlan_find(rc->topo, *vlan)) == NULL)
		return err_set(err, "vm.create: the lab has no VLAN %d", *vlan);
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
	topo_addr_str(v->v_net + 100 + (uint32_t)i, addr, 16);
	snprintf(rc->vmaddr[i].addr, sizeof(rc->vmaddr[i].addr), "%s", addr);
	return 0;
}

/*
 * The lab's guest for a new VM: kernel and initrd booted directly, its
 * name and address on its command line (guest_addr).
 */
int
guest_prepare(struct sctx *s, const char *vm, int vlan,
    struct drv_vm_spec *sp, char cmdline[GUEST_CMDLINE_MAX], char *err)
{
	char addr[16];

	if (guest_files(s->rc, err) == -1 ||
	    guest_addr(s, vm, &vlan, addr, err) == -1)
		return -1;
	if ((size_t)snprintf(cmdline, GUEST_CMDLINE_MAX, "%s hvlab.name=%s "
	    "hvlab.ip=%s/24", s->rc->guest_cmdline, vm, addr) >=
	    GUEST_CMDLINE_MAX)
		return err_set(err, "vm.create: %s: kernel command line too "
		    "long", vm);
	sp->v_kernel = s->rc->guest_kernel;
	sp->v_initrd = s->rc->guest_initrd;
	sp->v_cmdline = cmdline;
	sp->v_vlan = vlan;
	return 0;
}

/*
 * The lab's guest that boots from its own disk (a copy of
 * build/guest/disk.qcow2 on the VM's pool): only its name and address
 * are its own (words), which the platform hands it through firmware.
 */
int
guest_prepare_disk(struct sctx *s, const char *vm, int vlan,
    struct drv_vm_spec *sp, char words[GUEST_CMDLINE_MAX], char *err)
{
	char addr[16], p[4200];

	snprintf(p, sizeof(p), "%s/../build/guest/disk.qcow2",
	    s->rc->env.e_bindir);
	if (s->rc->guest_disk[0] == '\0' &&
	    realpath(p, s->rc->guest_disk) == NULL)
		return err_errno(err, "guest disk %s (make guest)", p);
	if (guest_addr(s, vm, &vlan, addr, err) == -1)
		return -1;
	snprintf(words, GUEST_CMDLINE_MAX, "hvlab.name=%s hvlab.ip=%s/24", vm,
	    addr);
	sp->v_kernel = sp->v_initrd = NULL;
	sp->v_boot_image = s->rc->guest_disk;
	sp->v_cmdline = words;
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
		char cmdline[GUEST_CMDLINE_MAX];

		if ((r = need_op(ops->vm_create, action, s, err)))
			return r;
		memset(&sp, 0, sizeof(sp));
		sp.v_name = vm;
		if (guest_prepare(s, vm, P(st, "vlan") ? atoi(P(st, "vlan")) :
		    -1, &sp, cmdline, err) == -1)
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
	s->switch_wall_ns = P_bool(st, "live", 0) ? clock_wall_ns() : 0;
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

/* The platform says stopped and why: QEMU's last words. */
int
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

void
run_unmeasured(struct sctx *s, const char *metrics, const char *why)
{
	char names[256], list[256] = "", *w, *save = NULL;
	size_t l;

	snprintf(names, sizeof(names), "%s", metrics);
	for (w = strtok_r(names, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		l = strlen(s->unmeasured);
		if (l + strlen(w) + 3 < sizeof(s->unmeasured))
			snprintf(s->unmeasured + l, sizeof(s->unmeasured) - l,
			    "%s%s ", l == 0 ? " " : "", w);
		l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", w);
	}
	results_set_str(&s->run->r_reason, "%s%s%s: unsupported, not "
	    "bounded (%s)", s->run->r_reason ? s->run->r_reason : "",
	    s->run->r_reason && s->run->r_reason[0] ? "; " : "", list, why);
}

/* Whether metric is one run_unmeasured named. */
static int
unmeasured(const struct sctx *s, const char *metric)
{
	char w[SUITE_NAME_MAX + 3];

	snprintf(w, sizeof(w), " %s ", metric);
	return strstr(s->unmeasured, w) != NULL;
}

/*
 * The bounds that apply to a run of a set-up row on a reused lab, or to
 * a run with figures its platform cannot give: only those whose metric
 * was measured (a reused platform has no install or attach time to
 * bound) or could have been; the others are named in skipped.
 */
static size_t
bounds_measured(const struct sctx *s, const struct metrics *ms,
    struct bound *out, char *skipped, size_t len)
{
	const struct scenario *sc = s->sc;
	size_t i, n = 0;
	double x;

	skipped[0] = '\0';
	for (i = 0; i < sc->sc_nbounds; i++) {
		if (metrics_get(ms, sc->sc_bounds[i].bd_metric, &x) == 0 ||
		    (!s->reused && !unmeasured(s, sc->sc_bounds[i].bd_metric)))
			out[n++] = sc->sc_bounds[i];
		else if (strlen(skipped) + strlen(sc->sc_bounds[i].bd_metric) +
		    3 < len)
			snprintf(skipped + strlen(skipped), len -
			    strlen(skipped), "%s%s", *skipped ? ", " : "",
			    sc->sc_bounds[i].bd_metric);
	}
	return n;
}

void
runner_judge_run(const struct bound *b, size_t nb, struct run *run)
{
	char reason[ERR_LEN];

	if (run->r_verdict != VERDICT_PASS && run->r_verdict != VERDICT_FAIL)
		return;
	run->r_verdict = runner_check_bounds(b, nb, &run->r_metrics, reason,
	    sizeof(reason));
	/* A built-in's own words (why a figure is missing) stay in front
	 * of the bounds it broke. */
	if (run->r_verdict == VERDICT_FAIL)
		results_set_str(&run->r_reason, "%s%s%s", run->r_reason &&
		    run->r_reason[0] ? run->r_reason : "", run->r_reason &&
		    run->r_reason[0] ? "; " : "", reason);
}

void
runner_judge_scenario(struct scen_result *sr)
{
	char reason[ERR_LEN] = "";
	size_t i, nfail = 0;

	metrics_median(sr->s_runs, sr->s_nruns, &sr->s_metrics);
	for (i = 0; i < sr->s_nruns; i++)
		if (sr->s_runs[i].r_verdict == VERDICT_ERROR ||
		    sr->s_runs[i].r_verdict == VERDICT_UNSUPPORTED) {
			sr->s_verdict = sr->s_runs[i].r_verdict;
			results_set_str(&sr->s_reason, "%s",
			    sr->s_runs[i].r_reason);
			return;
		}
	if (sr->s_nruns == 0) {
		sr->s_verdict = VERDICT_ERROR;
		results_set_str(&sr->s_reason, "interrupted");
		return;
	}
	/* One failing run fails the row: a lost session in 1 of 3 runs is
	 * a lost session, whatever the medians say. */
	for (i = 0; i < sr->s_nruns; i++) {
		if (sr->s_runs[i].r_verdict != VERDICT_FAIL)
			continue;
		nfail++;
		/* A reason longer than what is left is cut, never dropped:
		 * an empty "failing ()" tells the reader nothing. */
		if (strlen(reason) + 32 < sizeof(reason))
			snprintf(reason + strlen(reason), sizeof(reason) -
			    strlen(reason), "%srun %zu: %s", *reason ? "; " :
			    "", i + 1, sr->s_runs[i].r_reason);
	}
	if (strlen(reason) == sizeof(reason) - 1)
		memcpy(reason + sizeof(reason) - 4, "...", 4);
	if (nfail > 0) {
		sr->s_verdict = VERDICT_FAIL;
		results_set_str(&sr->s_reason, "%zu of %zu run%s failing (%s)",
		    nfail, sr->s_nruns, sr->s_nruns == 1 ? "" : "s", reason);
		return;
	}
	sr->s_verdict = VERDICT_PASS;
	results_set_str(&sr->s_reason, "%s", sr->s_runs[0].r_reason);
}

static void
run_one(struct sctx *s)
{
	const struct scenario *sc = s->sc;
	char e[ERR_LEN] = "", ce[ERR_LEN], skipped[ERR_LEN];
	uint64_t t0 = clock_mono_ns();
	struct bound *kept;
	size_t i, nkept;
	int r = 0;

	if (sc->sc_builtin != NULL) {
		progress(s->rc, "run %zu: builtin %s", s->runno,
		    sc->sc_builtin);
		r = builtin_run(s, e);
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
		return;
	}
	if (r != 0) {
		s->run->r_verdict = VERDICT_ERROR;
		results_set_str(&s->run->r_reason, "%s", e);
		return;
	}
	s->run->r_verdict = VERDICT_PASS;
	if (!s->reused && s->unmeasured[0] == '\0') {
		runner_judge_run(sc->sc_bounds, sc->sc_nbounds, s->run);
		return;
	}
	if ((kept = calloc(sc->sc_nbounds + 1, sizeof(*kept))) == NULL)
		abort();
	nkept = bounds_measured(s, &s->run->r_metrics, kept, skipped,
	    sizeof(skipped));
	runner_judge_run(kept, nkept, s->run);
	/* run_unmeasured said so already for its figures */
	if (s->run->r_verdict == VERDICT_PASS && skipped[0] != '\0' &&
	    s->reused)
		results_set_str(&s->run->r_reason, "%s; bounds on %s not "
		    "checked: %s", s->run->r_reason, skipped, s->reused ?
		    "not measured on a reused lab" : "unsupported here");
	free(kept);
}

static void
scenario_run(struct rctx *rc, const struct scenario *sc,
    struct scen_result *sr)
{
	struct sctx s;
	size_t i, nrep = rc->o->ro_repeat > 0 ? (size_t)rc->o->ro_repeat :
	    (size_t)sc->sc_repeat;
	int setup = sc->sc_builtin != NULL && builtin_is_setup(sc->sc_builtin);

	/* The set-up a scenario needs (install, cluster, storage) is done
	 * once, before its first run, so its steps find a platform. */
	if (!setup) {
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
	if (setup)
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
	runner_judge_scenario(sr);
}

/* The machine's load average (1, 5, 15 min); -1 when unreadable. */
static int
loadavg(double v[3])
{
	FILE *f = fopen("/proc/loadavg", "r");
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%lf %lf %lf", &v[0], &v[1], &v[2]);
	fclose(f);
	return n == 3 ? 0 : -1;
}

/*
 * The conditions a scenario ran under, into its result: its bounds (as
 * "downtime_ms_max") and its parameters (never metrics).
 */
static void
runner_conditions(const struct scenario *sc, struct scen_result *sr)
{
	char key[SUITE_NAME_MAX + 8];
	size_t i;

	for (i = 0; i < sc->sc_nbounds; i++) {
		snprintf(key, sizeof(key), "%s_%s", sc->sc_bounds[i].bd_metric,
		    sc->sc_bounds[i].bd_is_max ? "max" : "min");
		metrics_set(&sr->s_bounds, key, sc->sc_bounds[i].bd_limit);
	}
	for (i = 0; i < sc->sc_nparams; i++)
		scen_add_param(sr, sc->sc_params[i].spm_key,
		    sc->sc_params[i].spm_value);
}

/* The platform's version as its API says, once it is installed. */
static void
platform_version(struct rctx *rc, struct results *rs)
{
	const struct driver_ops *ops = rc->drv->d_ops;
	char v[256], e[ERR_LEN];

	if (ops->platform_version == NULL || !rc->phase[PH_INSTALL].ran ||
	    rc->phase[PH_INSTALL].verdict != VERDICT_PASS)
		return;
	if (ops->platform_version(rc->drv, v, sizeof(v), e) == -1) {
		log_warnx("%s: platform version: %s", ops->name, e);
		return;
	}
	results_set_str(&rs->rs_platform_version, "%s", v);
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

/* Which scenarios can run on this driver (unsup: a reason per scenario,
 * "" = runnable); the lab comes up when a runnable one needs it. */
static void
runner_prepare(struct rctx *rc, const struct scenario *const *scen,
    size_t n, char *unsup)
{
	char raw[4200];
	size_t i, runnable = 0;
	int needs_lab = 0;

	for (i = 0; i < n; i++)
		if (!scenario_unsupported(rc, scen[i], unsup + i * ERR_LEN)) {
			runnable++;
			needs_lab |= scen[i]->sc_uses_lab;
			rc->fake_clock |= scen[i]->sc_fake_clock;
		}
	if (runnable == 0 || !needs_lab)
		return;
	snprintf(raw, sizeof(raw), "%s/raw", rc->o->ro_outdir);
	if (mkdir(raw, 0755) == -1 && errno != EEXIST)
		log_warn("%s", raw);
	if (mkdir(rc->env.e_workdir, 0700) == -1 && errno != EEXIST)
		log_warn("%s", rc->env.e_workdir);
	rc->lab_ok = lab_bring_up(rc, rc->lab_err) == 0;
}

/* One scenario of the run into rs: unsupported (why), interrupted, the
 * lab's error, or run. */
static void
runner_scenario(struct rctx *rc, const struct scenario *sc,
    const char *why, struct results *rs)
{
	struct scen_result *sr = results_add_scenario(rs, sc->sc_name,
	    sc->sc_row);
	uint64_t t0 = clock_mono_ns();

	rc->scen_name = sc->sc_name;
	rc->scen_t0 = t0;
	runner_conditions(sc, sr);
	sr->s_has_load = loadavg(sr->s_load_before) == 0;
	if (why[0] != '\0') {
		sr->s_verdict = VERDICT_UNSUPPORTED;
		results_set_str(&sr->s_reason, "%s", why);
	} else if (runner_stop) {
		sr->s_verdict = VERDICT_ERROR;
		results_set_str(&sr->s_reason, "interrupted");
	} else if (sc->sc_uses_lab && !rc->lab_ok) {
		sr->s_verdict = VERDICT_ERROR;
		results_set_str(&sr->s_reason, "%s", rc->lab_err);
	} else
		scenario_run(rc, sc, sr);
	sr->s_duration_s = (double)(clock_mono_ns() - t0) / 1e9;
	sr->s_has_load = sr->s_has_load && loadavg(sr->s_load_after) == 0;
	progress_done(rc, sr);
}

/* Teardown, whatever happened: VMs, the lab, the driver. */
static void
runner_teardown(struct rctx *rc)
{
	size_t i;

	rc->scen_name = "teardown";
	rc->cleaning = 1;
	vms_teardown(rc);
	/* The driver lets go of the platform while its hosts still answer
	 * (a libvirt connection's close waits for its host's reply). */
	driver_close(rc->drv);
	rc->drv = NULL;
	lab_take_down(rc);
	if (rc->o->ro_progress)
		fprintf(stderr, "\r\033[K");
	for (i = 0; i < rc->nvms; i++)
		free(rc->vms[i]);
	for (i = 0; i < PH_N; i++)
		metrics_free(&rc->phase[i].metrics);
	free(rc->topo);
}

int
runner_run(const struct runner_opts *o, const struct scenario *const *scen,
    size_t n, struct results *rs, int *interrupted, char *err)
{
	struct sigaction sa, old_int, old_term;
	struct rctx rc;
	char *unsup = NULL, workdir[4096], bindir[4096], gpath[4200];
	char guestdir[PATH_MAX];
	size_t i;
	int rcode = -1;

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
	snprintf(gpath, sizeof(gpath), "%s/../build/guest", bindir);
	if (realpath(gpath, guestdir) != NULL)
		rc.env.e_guest_dir = guestdir;
	rc.drv = driver_open(o->ro_platform, &rc.env, err);
	if (rc.drv == NULL)
		return -1;
	runner_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if ((unsup = calloc(n ? n : 1, ERR_LEN)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	runner_prepare(&rc, scen, n, unsup);
	for (i = 0; i < n; i++) {
		rc.idx = i;
		runner_scenario(&rc, scen[i], unsup + i * ERR_LEN, rs);
	}
	platform_version(&rc, rs);
	rcode = 0;
	machine_note(&rc, rs);
out:
	runner_teardown(&rc);
	*interrupted = runner_stop != 0;
	free(unsup);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rcode;
}
