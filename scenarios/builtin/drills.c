/*
 * drills.c - the `drill` built-in scenario: the failure drills of
 * drills.h, each written as its fault phases between the phases it
 * borrows from the HA drill (ha_priv.h: the HA VM on the shared pool,
 * the probes, the copy sampler, the platform's recovery log and the
 * failover timeline).
 *
 * Faults go through the lab (`hvlab inject`, a clock step too: the lab
 * gives each host a clock of its own) or, where the fault is the
 * platform's own (a live migration in flight, its daemon killed, a VM's
 * QEMU killed), through the driver; the drill never touches a platform's
 * paths.  Spurious fences come from the nodes' own fence logs, read
 * through the driver after the drill.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/builtin/drills.h"
#include "lab/lab.h"
#include "scenarios/builtin/ha_priv.h"

#define DRILL_EVENTS_MAX 12
#define DRILL_IN_FLIGHT_NS (60 * NS_PER_S)
#define DRILL_RECHECK_NS (5 * NS_PER_S)
#define DRILL_RESUME_NS (20 * NS_PER_S)
#define DRILL_RECOVER_NS (180 * NS_PER_S)

/* ---- params (pure) ---- */

static const char *const kind_names[] = {
	[DRILL_MIGRATE_PULL_SOURCE] = "migrate-pull-source",
	[DRILL_MIGRATE_PULL_TARGET] = "migrate-pull-target",
	[DRILL_STORAGE_DOWN] = "storage-down",
	[DRILL_DAEMON_KILL] = "daemon-kill",
	[DRILL_LEADER_PARTITION] = "leader-partition",
	[DRILL_MANAGER_RECOVERY] = "manager-recovery",
	[DRILL_CLOCK_STEP] = "clock-step",
};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *
drill_kind_name(enum drill_kind k)
{
	return (size_t)k < NKINDS ? kind_names[k] : "?";
}

/* One of the drill's own keys into dp: 1 taken, 0 not its key, -1. */
static int
drill_param(const char *k, const char *v, struct drill_params *dp,
    int *have_kind, char *err)
{
	size_t i;
	long x;

	if (strcmp(k, "drill") == 0) {
		for (i = 0; i < NKINDS && strcmp(v, kind_names[i]) != 0; i++)
			;
		if (i == NKINDS)
			return err_set(err, "params: drill: '%s' is not "
			    "migrate-pull-source, migrate-pull-target, "
			    "storage-down, daemon-kill, leader-partition, "
			    "manager-recovery or clock-step", v);
		dp->dp_kind = (enum drill_kind)i;
		*have_kind = 1;
	} else if (strcmp(k, "down_s") == 0) {
		if (ha_param_long(k, v, 1, 600, &x, err) == -1)
			return -1;
		dp->dp_down_ns = (uint64_t)x * NS_PER_S;
	} else if (strcmp(k, "migrate_kib_s") == 0) {
		if (ha_param_long(k, v, 64, 10485760, &x, err) == -1)
			return -1;
		dp->dp_bandwidth = (uint64_t)x * 1024;
	} else if (strcmp(k, "step_s") == 0) {
		if (ha_param_long(k, v, 1, 3600, &x, err) == -1)
			return -1;
		dp->dp_step_s = x;
	} else
		return 0;
	return 1;
}

int
drill_params_parse(const struct step_param *p, size_t n,
    struct drill_params *dp, char *err)
{
	struct step_param *rest;
	size_t i, nrest = 0;
	int have_kind = 0, r, rc = -1;

	memset(dp, 0, sizeof(*dp));
	dp->dp_down_ns = 10 * NS_PER_S;
	dp->dp_bandwidth = 2048 * 1024;
	dp->dp_step_s = 30;
	if ((rest = calloc(n + 1, sizeof(*rest))) == NULL)
		return err_set(err, "params: out of memory");
	for (i = 0; i < n; i++) {
		if (p[i].spm_value == NULL) {
			err_set(err, "params: %s: no value", p[i].spm_key);
			goto out;
		}
		if ((r = drill_param(p[i].spm_key, p[i].spm_value, dp,
		    &have_kind, err)) == -1)
			goto out;
		if (r == 0)
			rest[nrest++] = p[i];
	}
	if (!have_kind) {
		err_set(err, "params: drill: missing (migrate-pull-source, "
		    "migrate-pull-target, storage-down, daemon-kill, "
		    "leader-partition, manager-recovery or clock-step)");
		goto out;
	}
	if (ha_params_parse(rest, nrest, &dp->dp_ha, err) == -1)
		goto out;
	rc = 0;
out:
	free(rest);
	return rc;
}

void
drill_count_fences(const char *host, const char *fhost,
    const struct drv_fence *f, size_t n, uint64_t since, int *spurious,
    int *victim)
{
	int on_victim = fhost != NULL && fhost[0] != '\0' &&
	    strcmp(host, fhost) == 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i].f_wall_ns < since)
			continue;
		if (on_victim)
			(*victim)++;
		else
			(*spurious)++;
	}
}

/* ---- the drill's own state ---- */

struct drill_ext {
	const struct drill_params *dp;
	uint64_t begin;			/* wall ns: the drill's start */
	char target[DRV_NAME_MAX];	/* the live migration's target */
	struct drv_task mt;		/* its task */
	int mig_on;
	int killed, restarted;		/* daemon-kill */
	int accounted, spurious;	/* account() ran; its count */
	struct {
		uint64_t at;
		char name[48];
	} ev[DRILL_EVENTS_MAX];		/* for the timeline */
	size_t nev;
	/* manager-recovery: the other HA VM */
	struct ha_env oe;
	char ovm[SUITE_NAME_MAX];
	struct ha_drill *od;
	uint64_t crashed;		/* wall ns its QEMU was killed */
	/* clock-step */
	int stepped;			/* the host's clock is off now */
	int fence_any;			/* every fence is spurious */
	int api_calls, api_failures;
	char api_first[ERR_LEN];	/* the first failure */
};

static void
note(struct drill_ext *x, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct drill_ext *x, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	if (x->nev == DRILL_EVENTS_MAX)
		return;
	x->ev[x->nev].at = at ? at : clock_wall_ns();
	va_start(ap, fmt);
	vsnprintf(x->ev[x->nev].name, sizeof(x->ev[0].name), fmt, ap);
	va_end(ap);
	x->nev++;
}

static int
unsupported(const struct ha_drill *d, const char *what, char *err)
{
	const struct driver_ops *ops = d->e->drv->d_ops;

	return err_set(err, "drill: the %s driver cannot %s", ops->name,
	    what), DRIVER_UNSUPPORTED;
}

/* A host other than the ones named (NULL or "" for none), or NULL. */
static const char *
other_host(const struct ha_drill *d, const char *a, const char *b)
{
	const struct drv_env *env = d->e->env;
	size_t i;

	for (i = 0; i < env->e_nhosts; i++) {
		const char *h = env->e_hosts[i].h_name;

		if ((a == NULL || strcmp(h, a) != 0) &&
		    (b == NULL || strcmp(h, b) != 0))
			return h;
	}
	return NULL;
}

/* The fault hits host h: the sampler watches it from now on. */
static int
aim(struct ha_drill *d, const char *h, char *err)
{
	int i = ha_host_index(d->e, h);

	if (i < 0)
		return err_set(err, "drill: '%s' is not a lab host", h);
	if (h != d->fhost)
		snprintf(d->fhost, sizeof(d->fhost), "%s", h);
	pthread_mutex_lock(&d->smp.mu);
	d->smp.victim = i;
	pthread_mutex_unlock(&d->smp.mu);
	return 0;
}

/* ---- live migration in flight ---- */

/* The migration streams RAM (the platform's progress past its set-up)
 * and has not ended, within timeout. */
static int
in_flight(struct ha_drill *d, uint64_t timeout, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	uint64_t end = clock_mono_ns() + timeout;

	for (;;) {
		if (e->drv->d_ops->task_status(e->drv, &x->mt, err) == -1)
			return err_prefix(err, "drill: live migration task");
		if (x->mt.t_done)
			return err_set(err, "drill: the live migration of %s "
			    "to %s ended (%s) before the fault: it was not in "
			    "flight (lower migrate_kib_s)", e->vm, x->target,
			    x->mt.t_status);
		if (x->mt.t_progress > 0.1)
			break;
		if (clock_mono_ns() >= end)
			return err_set(err, "drill: the live migration of %s "
			    "to %s streams nothing within %llu s (progress "
			    "%.2f)", e->vm, x->target, (unsigned long long)
			    (timeout / NS_PER_S), x->mt.t_progress);
		if (ha_sleep(e, 100 * NS_PER_MS) == -1)
			return err_set(err, "interrupted");
	}
	metrics_set(d->m, "migration_progress_at_fault", x->mt.t_progress);
	return 0;
}

/* Start a capped live migration away from the VM's host. */
static int
dr_migrate(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	const char *to = other_host(d, d->victim, d->manager);
	int r;

	if (ops->vm_migrate_capped == NULL || ops->task_status == NULL)
		return unsupported(d, "start a capped live migration", err);
	if (to == NULL && (to = other_host(d, d->victim, NULL)) == NULL)
		return err_set(err, "drill: no host to migrate %s to", e->vm);
	snprintf(x->target, sizeof(x->target), "%s", to);
	ha_say(e, "run %zu: drill: live migration of %s %s -> %s (%llu "
	    "KiB/s)", e->runno, e->vm, d->victim, to, (unsigned long long)
	    (x->dp->dp_bandwidth / 1024));
	drv_task_init(&x->mt);
	if ((r = ops->vm_migrate_capped(e->drv, e->vm, to,
	    x->dp->dp_bandwidth, &x->mt, err)) != 0)
		return r;
	x->mig_on = 1;
	note(x, 0, "migration %s->%s", d->victim, to);
	return in_flight(d, DRILL_IN_FLIGHT_NS, err);
}

/* Pull the migration's source or target while it is in flight. */
static int
dr_pull_mid(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	int target = x->dp->dp_kind == DRILL_MIGRATE_PULL_TARGET;

	if (aim(d, target ? x->target : d->victim, err) == -1 ||
	    in_flight(d, DRILL_RECHECK_NS, err) == -1)
		return -1;
	if (target) {
		/* the VM must go on where it ran: nothing to restart, and
		 * on the target it must not be */
		d->journal_wait_ms = 3000;
		d->account_wait_ns = 5 * NS_PER_S;
	}
	return ha_drill_fault(d, err);
}

/* ---- the platform's daemon killed mid-migration ---- */

static int
dr_kill(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	uint64_t t0;

	if (ops->daemon_kill == NULL || ops->daemon_start == NULL)
		return unsupported(d, "kill and start its daemon", err);
	if (aim(d, d->victim, err) == -1 ||
	    in_flight(d, DRILL_RECHECK_NS, err) == -1)
		return -1;
	ha_say(e, "run %zu: drill: kill the platform's daemon on %s", e->runno,
	    d->fhost);
	pthread_mutex_lock(&d->smp.mu);
	d->smp.gone_from = clock_wall_ns();
	pthread_mutex_unlock(&d->smp.mu);
	d->times.ht_fault = clock_wall_ns();
	if (ops->daemon_kill(e->drv, d->fhost, err) == -1)
		return -1;
	d->faulted = x->killed = 1;
	t0 = clock_wall_ns();
	if (ops->daemon_start(e->drv, d->fhost, err) == -1)
		return -1;
	x->restarted = 1;
	note(x, 0, "daemon answers");
	metrics_set(d->m, "daemon_restart_s", ha_rel_s(clock_wall_ns(), t0));
	/* wherever the VM runs now may be right: none is the fault's */
	d->may_stay = 1;
	d->journal_wait_ms = 0;
	d->account_wait_ns = 5 * NS_PER_S;
	if (ha_sleep(e, d->p->hp_watch_ns) == -1)
		return err_set(err, "interrupted");
	return 0;
}

/* ---- storage down ---- */

static int
dr_storage(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	uint64_t up;

	ha_say(e, "run %zu: drill: storage down for %llu s", e->runno,
	    (unsigned long long)(x->dp->dp_down_ns / NS_PER_S));
	d->fhost[0] = '\0';
	if (ha_inject(e, "storage-down", NULL, &d->times.ht_fault, err) == -1)
		return -1;
	d->faulted = 1;
	if (ha_sleep(e, x->dp->dp_down_ns) == -1)
		return err_set(err, "interrupted");
	if (ha_inject(e, "storage-up", NULL, &up, err) == -1)
		return -1;
	d->restored = 1;
	note(x, up, "storage-up");
	/* the guest writes on (or not) before its journal is read back */
	if (ha_sleep(e, DRILL_RESUME_NS) == -1)
		return err_set(err, "interrupted");
	d->may_stay = 1;
	d->account_wait_ns = 10 * NS_PER_S;
	return 0;
}

/*
 * The VM survived when, with no restart by the platform and on its
 * host, its agent read the journal back and the disk holds records past
 * the last one acknowledged before the outage (the probe stops listening
 * after 3 s without an ack): written while the SAN was away and made
 * durable once it was back.  One that did not must have failed visibly:
 * the platform says it is not running, tells why it stopped, or
 * restarted it.
 */
static int
dr_storage_outcome(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	struct drv_vm_info vi;
	char e2[ERR_LEN];
	int survived, visible = 0;

	(void)err;
	survived = d->verified && d->ir.ir_last_present >
	    d->ir.ir_last_acked && d->times.ht_started == 0 &&
	    strcmp(d->newhost, d->victim) == 0;
	if (!survived) {
		memset(&vi, 0, sizeof(vi));
		if (e->drv->d_ops->vm_info != NULL &&
		    e->drv->d_ops->vm_info(e->drv, e->vm, &vi, e2) == 0)
			visible = vi.i_state != DRV_VM_RUNNING ||
			    vi.i_exit[0] != '\0';
		visible = visible || d->times.ht_restart != 0 ||
		    d->times.ht_started != 0;
	}
	metrics_set(d->m, "vm_survived", survived);
	metrics_set(d->m, "vm_failed_visibly", visible);
	metrics_set(d->m, "vm_outcome_ok", survived || visible);
	return 0;
}

/* ---- the cluster store's leader partitioned ---- */

/* After the roles: the leader's host is the fault's; the VM goes on
 * another host (not the manager's when there is a choice). */
static int
dr_leader(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	char leader[DRV_NAME_MAX];
	const char *h;
	int r;

	if (ops->store_leader == NULL)
		return unsupported(d, "tell its cluster store's leader", err);
	if ((r = ops->store_leader(e->drv, leader, sizeof(leader), err)) != 0)
		return r;
	ha_say(e, "run %zu: drill: the store's leader is on %s", e->runno,
	    leader);
	if (strcmp(d->victim, leader) == 0) {
		if ((h = other_host(d, leader, d->manager)) == NULL &&
		    (h = other_host(d, leader, NULL)) == NULL)
			return err_set(err, "drill: no host but the leader's");
		snprintf(d->victim, sizeof(d->victim), "%s", h);
		d->vi_idx = ha_host_index(e, h);
	}
	snprintf(d->fhost, sizeof(d->fhost), "%s", leader);
	note(x, 0, "leader on %s", leader);
	d->journal_wait_ms = 0;
	d->account_wait_ns = 5 * NS_PER_S;
	return 0;
}

static int
dr_partition(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;

	if (aim(d, d->fhost, err) == -1 || ha_drill_fault(d, err) == -1)
		return -1;
	if (ha_sleep(d->e, x->dp->dp_down_ns) == -1)
		return err_set(err, "interrupted");
	return 0;
}

/* ---- the HA manager's host pulled while another VM recovers ---- */

/* The other HA VM, on a host that is not the manager's. */
static int
dr_other_vm(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const char *h = other_host(d, d->manager, d->victim);
	int r;

	if (e->drv->d_ops->vm_crash == NULL)
		return unsupported(d, "crash a VM", err);
	if (h == NULL)
		return err_set(err, "drill: no host for the other HA VM");
	if ((x->od = calloc(1, sizeof(*x->od))) == NULL)
		return err_set(err, "drill: out of memory");
	x->oe = *e;
	snprintf(x->ovm, sizeof(x->ovm), "%.40s-b", e->vm);
	x->oe.vm = x->ovm;
	x->od->e = &x->oe;
	x->od->p = d->p;
	x->od->run = d->run;
	x->od->sr = d->sr;
	x->od->m = d->m;
	snprintf(x->od->victim, sizeof(x->od->victim), "%s", h);
	x->od->vi_idx = ha_host_index(e, h);
	if ((r = ha_drill_vm(x->od, err)) != 0)
		return r;
	return ha_sampler_start(&x->od->smp, &x->oe, x->od->vi_idx, err);
}

/* 1 when the other VM's recovery is under way: the platform restarts it
 * (its HA state is not running, stopped, error or disabled: hvd says
 * "starting") after the crash; -1 when it runs again already. */
static int
recovering(struct ha_drill *d, const struct drv_ha_status *hs)
{
	struct drill_ext *x = d->ext;
	size_t i;

	for (i = 0; i < hs->hs_nevents; i++)
		if (hs->hs_events[i].he_wall_ns + NS_PER_MS >= x->crashed &&
		    hs->hs_events[i].he_step == DRV_HA_STARTED)
			return -1;	/* back already */
	return !hs->hs_running && hs->hs_state[0] != '\0' &&
	    strcmp(hs->hs_state, "stopped") != 0 &&
	    strcmp(hs->hs_state, "error") != 0 &&
	    strcmp(hs->hs_state, "disabled") != 0;
}

/* Kill the other VM's QEMU; once its recovery is under way, pull the
 * manager's host. */
static int
dr_crash_then_pull(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	uint64_t end = clock_mono_ns() + 60 * NS_PER_S;
	struct drv_ha_status hs;
	int r = 0;

	ha_say(e, "run %zu: drill: crash %s on %s", e->runno, x->ovm,
	    x->od->victim);
	x->crashed = clock_wall_ns();
	if (ops->vm_crash(e->drv, x->od->victim, x->ovm, err) == -1)
		return -1;
	note(x, x->crashed, "%s crashed", x->ovm);
	while (r == 0) {
		if (ops->ha_status(e->drv, x->ovm, &hs, err) == -1)
			return -1;
		if ((r = recovering(d, &hs)) == -1)
			return err_set(err, "drill: %s was back before the "
			    "manager's host could be pulled", x->ovm);
		if (r == 0 && (clock_mono_ns() >= end ||
		    ha_sleep(e, 100 * NS_PER_MS) == -1))
			return err_set(err, "drill: the platform does not "
			    "recover %s within 60 s of its crash (state "
			    "'%s')", x->ovm, hs.hs_state);
	}
	note(x, 0, "%s %s", x->ovm, hs.hs_state);
	return ha_drill_fault(d, err);
}

/* The other VM runs again, once, somewhere. */
static int
other_after(struct ha_drill *d)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	uint64_t end = clock_mono_ns() + DRILL_RECOVER_NS;
	struct drv_ha_status hs;
	char e2[ERR_LEN];
	int back = 0;

	while (!back && clock_mono_ns() < end) {
		if (e->drv->d_ops->ha_status(e->drv, x->ovm, &hs, e2) == 0)
			back = hs.hs_running;
		if (!back && ha_sleep(e, 500 * NS_PER_MS) == -1)
			break;
	}
	ha_sampler_settle(&x->od->smp);
	ha_sampler_stop(&x->od->smp);
	metrics_set(d->m, "other_vm_recovered", back);
	metrics_set(d->m, "other_vm_max_running_copies",
	    x->od->smp.max_total);
	return back;
}

/* ---- the VM's host's clock stepped ---- */

static void
api_failed(struct drill_ext *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
api_failed(struct drill_ext *x, const char *fmt, ...)
{
	va_list ap;

	if (x->api_failures++ == 0) {
		va_start(ap, fmt);
		vsnprintf(x->api_first, sizeof(x->api_first), fmt, ap);
		va_end(ap);
		log_warnx("drill: %s", x->api_first);
	}
}

/*
 * The platform's API about the stepped host, and through it from that
 * host: its node record says online, its network is its own daemon's
 * answer (another node asks it with its certificate when the driver
 * speaks to that other node), the VM runs there still.
 */
static void
api_look(struct ha_drill *d)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	struct drv_node_info ni;
	struct drv_vm_info vi;
	struct drv_port *ports = NULL;
	char e2[ERR_LEN];
	size_t np;

	x->api_calls++;
	if (ops->node_info(e->drv, d->fhost, &ni, e2) == -1)
		api_failed(x, "node %s: %s", d->fhost, e2);
	else if (!ni.n_online)
		api_failed(x, "node %s is not online", d->fhost);
	if (ops->net_ports != NULL) {
		x->api_calls++;
		if (ops->net_ports(e->drv, d->fhost, &ports, &np, e2) == -1)
			api_failed(x, "network of %s: %s", d->fhost, e2);
		free(ports);
	}
	x->api_calls++;
	if (ops->vm_info(e->drv, e->vm, &vi, e2) == -1)
		api_failed(x, "VM %s: %s", e->vm, e2);
	else if (vi.i_state != DRV_VM_RUNNING || strcmp(vi.i_host,
	    d->victim) != 0)
		api_failed(x, "VM %s is not running on %s (on '%s')", e->vm,
		    d->victim, vi.i_host);
}

/* Hold the clock where it is for ns, asking the API once a second. */
static int
dr_clock_hold(struct ha_drill *d, uint64_t ns)
{
	uint64_t end = clock_mono_ns() + ns;

	do {
		api_look(d);
		if (ha_sleep(d->e, NS_PER_S) == -1)
			return -1;
	} while (clock_mono_ns() < end);
	return 0;
}

/* `hvlab inject clock FHOST OFF`; *wall the lab's stamp. */
static int
dr_clock_step(struct ha_drill *d, long off, uint64_t *wall, char *err)
{
	struct drill_ext *x = d->ext;
	const char *args[2];
	char o[24];

	snprintf(o, sizeof(o), "%+ld", off);
	args[0] = d->fhost;
	args[1] = o;
	ha_say(d->e, "run %zu: drill: clock of %s %s s", d->e->runno,
	    d->fhost, o);
	if (ha_inject_args(d->e, "clock", args, 2, wall, err) == -1)
		return -1;
	d->faulted = 1;
	x->stepped = off != 0;
	return 0;
}

/* The VM's host step_s ahead, then step_s behind (a 2 * step_s step
 * back), then on time again; each off-time clock held watch_s. */
static int
dr_clock(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	const struct driver_ops *ops = d->e->drv->d_ops;
	long step = x->dp->dp_step_s;
	uint64_t at;

	/* the bounds need all three: ask before the clock moves */
	if (ops->node_info == NULL || ops->vm_info == NULL ||
	    ops->fences == NULL)
		return unsupported(d, "tell a node's state, a VM's and its "
		    "nodes' fences", err);
	if (aim(d, d->victim, err) == -1)
		return -1;
	/* the step asks for no fence anywhere; one stamped by the host
	 * running behind is still the drill's */
	x->fence_any = 1;
	x->begin -= (uint64_t)step * NS_PER_S;
	if (dr_clock_step(d, step, &d->times.ht_fault, err) == -1)
		return -1;
	if (dr_clock_hold(d, d->p->hp_watch_ns) == -1)
		return err_set(err, "interrupted");
	if (dr_clock_step(d, -step, &at, err) == -1)
		return -1;
	note(x, at, "clock %+ld s", -step);
	if (dr_clock_hold(d, d->p->hp_watch_ns) == -1)
		return err_set(err, "interrupted");
	if (dr_clock_step(d, 0, &at, err) == -1)
		return -1;
	note(x, at, "clock on time");
	d->restored = 1;
	metrics_set(d->m, "clock_step_s", (double)step);
	/* nothing was to happen: the VM stays, no restart to wait for */
	d->may_stay = 1;
	d->journal_wait_ms = 3000;
	d->account_wait_ns = 5 * NS_PER_S;
	return 0;
}

/* Nothing happened to the VM: still on its host, and the API answered
 * (its processes are counted once the sampler stops: step_after). */
static int
dr_clock_outcome(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;

	(void)err;
	metrics_set(d->m, "vm_moved", strcmp(d->newhost, d->victim) != 0);
	metrics_set(d->m, "api_calls", x->api_calls);
	metrics_set(d->m, "api_failures", x->api_failures);
	return 0;
}

/* ---- after every drill: fences, timeline, reason ---- */

static int
count_fences(struct ha_drill *d, int *spurious, int *victim, char *err)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	size_t i, j, n;

	if (e->drv->d_ops->fences == NULL)
		return unsupported(d, "read its nodes' fences", err);
	for (i = 0; i < e->env->e_nhosts; i++) {
		const char *h = e->env->e_hosts[i].h_name;
		struct drv_fence *f = NULL;
		int s0 = *spurious;

		if (e->drv->d_ops->fences(e->drv, h, &f, &n, err) == -1) {
			/* the fault's host may be off: its fences are not
			 * spurious anyway */
			if (strcmp(h, d->fhost) == 0)
				continue;
			return -1;
		}
		drill_count_fences(h, x->fence_any ? "" : d->fhost, f, n,
		    x->begin, spurious, victim);
		for (j = 0; j < n && *spurious > s0; j++)
			if (f[j].f_wall_ns >= x->begin) {
				log_warnx("drill: spurious fence on %s: VM %s",
				    h, f[j].f_vm);
				note(x, f[j].f_wall_ns, "fence %s on %s",
				    f[j].f_vm, h);
			}
		free(f);
	}
	return 0;
}

/* Every host's platform log as raw/NAME-N-HOST-platform.log. */
static void
keep_logs(struct ha_drill *d)
{
	const struct ha_env *e = d->e;
	char rel[300], path[4400], e2[ERR_LEN];
	size_t i;

	for (i = 0; e->drv->d_ops->daemon_log != NULL &&
	    i < e->env->e_nhosts; i++) {
		const char *h = e->env->e_hosts[i].h_name;
		char *out = NULL;

		snprintf(rel, sizeof(rel), "raw/%s-%zu-%s-platform.log",
		    e->scen, e->runno, h);
		snprintf(path, sizeof(path), "%s/%s", e->outdir, rel);
		if (e->drv->d_ops->daemon_log(e->drv, h, &out, e2) == -1 ||
		    drv_write_text(path, out ? out : "", e2) == -1)
			log_warnx("drill: %s", e2);
		else
			scen_add_artifact(d->sr, rel);
		free(out);
	}
}

/* Fences, the drill's events on the timeline, the logs: once, whether
 * the drill passed or failed after its fault. */
static int
account(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	uint64_t t0 = d->pr.pr_stats.st_start_ns;
	int spurious = 0, victim = 0, r;
	size_t i;

	if (x->accounted || !d->faulted)
		return 0;
	x->accounted = 1;
	keep_logs(d);
	if ((r = count_fences(d, &spurious, &victim, err)) != 0)
		return r;
	metrics_set(d->m, "spurious_fences", spurious);
	metrics_set(d->m, "victim_fences", victim);
	x->spurious = spurious;
	for (i = 0; d->tl != NULL && t0 != 0 && i < x->nev; i++)
		timeline_add_event(d->tl, ha_rel_s(x->ev[i].at, t0),
		    x->ev[i].name);
	return 0;
}

/* What became of the live migration, as its task tells now (its node
 * may be gone: then it says so). */
static void
migration_outcome(struct ha_drill *d, char *buf, size_t len)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	char e2[ERR_LEN];

	buf[0] = '\0';
	if (!x->mig_on)
		return;
	if (e->drv->d_ops->task_status(e->drv, &x->mt, e2) == -1) {
		snprintf(buf, len, " (migration task: %s)", e2);
		return;
	}
	metrics_set(d->m, "migration_completed", x->mt.t_done &&
	    !x->mt.t_failed);
	snprintf(buf, len, " (migration %s: %.60s)", x->mt.t_done ?
	    (x->mt.t_failed ? "failed" : "completed") : "still running",
	    x->mt.t_status);
}

/*
 * After a clock step, the sampler stopped: the VM's QEMU processes it
 * saw from the probes' start on (a restart or a second copy is a new
 * one; it reads the machine's processes, not a clock), and what the API
 * said, for the reason.
 */
static void
step_after(struct ha_drill *d, char *buf, size_t len)
{
	struct drill_ext *x = d->ext;

	metrics_set(d->m, "vm_processes", (double)d->smp.nhist);
	snprintf(buf, len, " (clock %+ld s, then %+ld s; %d of %d API calls "
	    "failed%s%.100s)", x->dp->dp_step_s, -x->dp->dp_step_s,
	    x->api_failures, x->api_calls, x->api_failures ? ", first: " :
	    "", x->api_first);
}

static int
dr_after(struct ha_drill *d, char *err)
{
	struct drill_ext *x = d->ext;
	char mig[200];
	int r, other = 1;

	if ((r = account(d, err)) != 0)
		return r;
	if (x->od != NULL)
		other = other_after(d);
	if (x->dp->dp_kind == DRILL_CLOCK_STEP)
		step_after(d, mig, sizeof(mig));
	else
		migration_outcome(d, mig, sizeof(mig));
	results_set_str(&d->run->r_reason, "%s%s%s: VM on %s, then on %s%s; "
	    "%d spurious fence(s)%s", drill_kind_name(x->dp->dp_kind),
	    d->fhost[0] ? " of " : "", d->fhost, d->victim,
	    d->newhost[0] ? d->newhost : "?", mig, x->spurious,
	    other ? "" : "; the other HA VM did not come back");
	return 0;
}

static void
dr_cleanup(struct ha_drill *d)
{
	struct drill_ext *x = d->ext;
	const struct ha_env *e = d->e;
	char e2[ERR_LEN];

	if (x->killed && !x->restarted &&
	    e->drv->d_ops->daemon_start(e->drv, d->fhost, e2) == -1)
		log_warnx("drill: cleanup: %s", e2);
	if (x->stepped && dr_clock_step(d, 0, NULL, e2) == -1)
		log_warnx("drill: cleanup: %s", e2);
	/* a drill that failed after its fault: its evidence */
	ha_drill_evidence(d, 1);
	if (account(d, e2) == -1)
		log_warnx("drill: %s", e2);
	if (x->od != NULL) {
		ha_drill_cleanup(x->od);
		free(x->od);
		x->od = NULL;
	}
}

/* ---- the drills: their phases ---- */

static ha_step_fn *const steps_pull[] = {
	ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, ha_drill_probes,
	dr_migrate, dr_pull_mid, ha_drill_back, ha_drill_account,
	ha_drill_old_host,
};
static ha_step_fn *const steps_storage[] = {
	ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, ha_drill_probes,
	dr_storage, ha_drill_back, ha_drill_account, dr_storage_outcome,
};
static ha_step_fn *const steps_kill[] = {
	ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, ha_drill_probes,
	dr_migrate, dr_kill, ha_drill_back, ha_drill_account,
};
static ha_step_fn *const steps_leader[] = {
	ha_drill_roles, dr_leader, ha_drill_vm, ha_drill_vm_placed,
	ha_drill_probes, dr_partition, ha_drill_old_host, ha_drill_back,
	ha_drill_account,
};
static ha_step_fn *const steps_clock[] = {
	ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, ha_drill_probes,
	dr_clock, ha_drill_back, ha_drill_account, dr_clock_outcome,
};
static ha_step_fn *const steps_manager[] = {
	ha_drill_roles, ha_drill_vm, ha_drill_vm_placed, dr_other_vm,
	ha_drill_probes, dr_crash_then_pull, ha_drill_back, ha_drill_account,
	ha_drill_old_host,
};

#define STEPS(a) a, sizeof(a) / sizeof(a[0])

static const struct {
	enum drill_kind k;
	ha_step_fn *const *steps;
	size_t nsteps;
	const char *fault, *back;
	int back_names_host;
} plans[] = {
	{ DRILL_MIGRATE_PULL_SOURCE, STEPS(steps_pull), "power-pull",
	    "power-on", 1 },
	{ DRILL_MIGRATE_PULL_TARGET, STEPS(steps_pull), "power-pull",
	    "power-on", 1 },
	{ DRILL_STORAGE_DOWN, STEPS(steps_storage), "storage-down",
	    "storage-up", 0 },
	{ DRILL_DAEMON_KILL, STEPS(steps_kill), "daemon-kill", NULL, 0 },
	{ DRILL_LEADER_PARTITION, STEPS(steps_leader), "partition", "heal",
	    0 },
	{ DRILL_MANAGER_RECOVERY, STEPS(steps_manager), "power-pull",
	    "power-on", 1 },
	/* its undoing is the last step of dr_clock (or dr_cleanup's) */
	{ DRILL_CLOCK_STEP, STEPS(steps_clock), "clock", NULL, 0 },
};

/* A failure drill on an HA VM (drills.h). */
int
builtin_drill(struct sctx *s, char *err)
{
	struct drill_params dp;
	struct drill_ext x;
	struct ha_plan plan;
	struct ha_env e;
	char state[LAB_PATH_MAX], vm[SUITE_NAME_MAX];
	size_t i;

	if (drill_params_parse(s->sc->sc_params, s->sc->sc_nparams, &dp,
	    err) == -1)
		return err_prefix(err, "scenario %s", s->sc->sc_name);
	for (i = 0; plans[i].k != dp.dp_kind; i++)
		;
	ha_env_init(s, &e, vm, state);
	memset(&x, 0, sizeof(x));
	x.dp = &dp;
	x.begin = clock_wall_ns();
	memset(&plan, 0, sizeof(plan));
	plan.pl_steps = plans[i].steps;
	plan.pl_nsteps = plans[i].nsteps;
	plan.pl_fault = plans[i].fault;
	plan.pl_back = plans[i].back;
	plan.pl_back_names_host = plans[i].back_names_host;
	plan.pl_after = dr_after;
	plan.pl_cleanup = dr_cleanup;
	plan.pl_ext = &x;
	return ha_drill_run(&e, &dp.dp_ha, &plan, s->run, s->sr, err);
}
