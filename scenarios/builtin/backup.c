/*
 * backup.c - the `backup-restore` built-in (the study's "Backup/restore"
 * row): a running VM that boots from its own disk writes a known file and
 * is backed up (full), writes the file anew and is backed up again
 * (incremental); each backup is restored to a new VM of its own name and
 * address, which must boot with the file as it was at that backup (the
 * agent's checksum).  Then a backup schedule of a short step with a
 * keep-last retention must fire within the row and prune the VM's
 * backups to that retention: the row's two are older, so they go.
 *
 * Only driver operations are used, so the row runs on every platform; a
 * platform without backups is `unsupported` with its driver's reason, one
 * without schedules measures the rest and says why schedule_fired is
 * missing (its bound is not checked).  The schedule, the backups, the
 * restored VMs and the VM go whatever happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scenarios/builtin/builtin.h"

#define BK_FILE "/data/hvlab-backup.bin"
#define MIB (1024.0 * 1024.0)
#define BK_SPECS "*/10s,*/1m"	/* the first the platform takes */
/* A job's first run: two steps of its schedule and the run itself. */
#define BK_RUN_GRACE_S 300

static const char *const bk_restored[2] = { "bk-full", "bk-incr" };

/* What the row saw, in the order it saw it. */
struct bk_run {
	struct disk_guest g;
	long bytes;
	char sha[2][65];		/* the file at each backup */
	char ids[2][DRV_BACKUP_ID_MAX];	/* the backups made, "" none */
	double pause_ms;		/* the longer pause, < 0 unknown */
	int verified;			/* restores booted with their file */
	struct drv_backup_job j;	/* the schedule, j_name "" none */
	char name[64], spec[32];
	int job_live;			/* made and not deleted yet */
	int no_schedule;		/* the platform has no schedules */
	char why[ERR_LEN];		/* what the reason adds */
};

static void
bk_why(struct bk_run *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bk_why(struct bk_run *x, const char *fmt, ...)
{
	size_t n = strlen(x->why);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why + n, sizeof(x->why) - n, fmt, ap);
	va_end(ap);
}

/* The driver's reason for a missing part (its reasons table). */
static const char *
bk_reason(const struct driver_ops *ops, const char *feature)
{
	const struct drv_reason *r;

	for (r = ops->reasons; r != NULL && r->r_feature != NULL; r++)
		if (strcmp(r->r_feature, feature) == 0)
			return r->r_reason;
	return ops->unsupported_reason;
}

/* Backup i (0 full, 1 incremental) after the file is written with seed
 * i + 1: its time, size and pause. */
static int
bk_take(struct sctx *s, struct bk_run *x, int i, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_backup b = { x->g.dg_vm, NULL, i, "" };
	struct drv_task t;
	char req[128];
	uint64_t t0;
	int r;

	snprintf(req, sizeof(req), "file write %s %ld %d", BK_FILE, x->bytes,
	    i + 1);
	if (guest_file(s->rc, x->g.dg_addr, req, x->sha[i], err) == -1)
		return -1;
	if (i == 1 && strcmp(x->sha[0], x->sha[1]) == 0)
		return err_set(err, "the file written after the full backup "
		    "has its checksum: the check could not fail");
	progress(s->rc, "run %zu: %s backup of %s", s->runno, i ? "incremental"
	    : "full", x->g.dg_vm);
	drv_task_init(&t);
	t0 = clock_mono_ns();
	r = drv_finish(s->rc, ops->backup(s->rc->drv, &b, &t, err), &t,
	    TASK_TIMEOUT_NS, err);
	if (r != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "%s backup",
		    i ? "incremental" : "full");
	snprintf(x->ids[i], sizeof(x->ids[i]), "%s", b.b_id);
	metrics_set(&s->run->r_metrics, i ? "incremental_s" : "backup_s",
	    (double)(clock_mono_ns() - t0) / 1e9);
	metrics_set(&s->run->r_metrics, i ? "incremental_mib" : "backup_mib",
	    (double)t.t_bytes / MIB);
	if (t.t_downtime_ms > x->pause_ms)
		x->pause_ms = t.t_downtime_ms;
	return 0;
}

/* The schedule made with the first spec the platform takes. */
static int
bk_job_make(struct sctx *s, struct bk_run *x, const char *specs, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	char list[256], *sp, *save = NULL;

	snprintf(x->name, sizeof(x->name), "hvlab-bk-%llu",
	    (unsigned long long)(clock_wall_ns() / NS_PER_S));
	x->j.j_name = x->name;
	x->j.j_vm = x->g.dg_vm;
	x->j.j_keep_last = (int)param_long(s->sc, "keep_last", 1);
	snprintf(list, sizeof(list), "%s", specs);
	err[0] = '\0';
	for (sp = strtok_r(list, ",", &save); sp != NULL;
	    sp = strtok_r(NULL, ",", &save)) {
		snprintf(x->spec, sizeof(x->spec), "%s", sp);
		x->j.j_spec = x->spec;
		if (ops->backup_job_create(s->rc->drv, &x->j, err) == 0) {
			x->job_live = 1;
			return 0;
		}
		bk_why(x, "; schedule '%s' refused: %s", sp, err);
	}
	return err_set(err, "no schedule of '%s' was taken%s", specs, x->why);
}

long
backup_spec_step(const char *spec)
{
	size_t n = strlen(spec);
	long k;

	if (n < 4 || strncmp(spec, "*/", 2) != 0 ||
	    strspn(spec + 2, "0123456789") != n - 3 ||
	    (k = atol(spec + 2)) <= 0 || k > 100000)
		return 86400;
	switch (spec[n - 1]) {
	case 's':
		return k;
	case 'm':
		return k * 60;
	case 'h':
		return k * 3600;
	default:
		return 86400;
	}
}

/* Backup i restored to bk_restored[i] with its own name and address
 * (into addr), timed into *secs. */
static int
bk_restore(struct sctx *s, struct bk_run *x, int i, char *addr,
    double *secs, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	const char *vm = bk_restored[i];
	char words[GUEST_CMDLINE_MAX], a[64];
	struct drv_vm_spec nv;
	struct drv_task t;
	uint64_t t0;

	memset(&nv, 0, sizeof(nv));
	nv.v_name = vm;
	nv.v_host = x->g.dg_host;
	snprintf(a, sizeof(a), "vm:%s", vm);
	if (guest_prepare_disk(s, vm, -1, &nv, words, err) == -1 ||
	    resolve_addr(s, a, addr, GUEST_ADDR_MAX, err) == -1)
		return -1;
	progress(s->rc, "run %zu: restore %s as %s", s->runno, x->ids[i], vm);
	drv_task_init(&t);
	t0 = clock_mono_ns();
	vm_track(s->rc, vm, 1);
	if (drv_finish(s->rc, ops->restore(s->rc->drv, x->ids[i], &nv, &t,
	    err), &t, TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "restore %s as %s", x->ids[i], vm);
	*secs = (double)(clock_mono_ns() - t0) / 1e9;
	return 0;
}

/* Both restored VMs started, then each asked for its name and file:
 * data_verified is 1 when both are as at their backup (why says what
 * each said).  0, or -1 with err when one cannot start. */
static int
bk_boot(struct sctx *s, struct bk_run *x, char addr[2][GUEST_ADDR_MAX],
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct guest_status gs;
	struct drv_task t;
	char req[128], hex[65], e[ERR_LEN];
	int i, ok = 0;

	for (i = 0; i < 2; i++) {
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_start(s->rc->drv,
		    bk_restored[i], &t, err), &t, TASK_TIMEOUT_NS, err) != 0)
			return err_prefix(err, "start %s", bk_restored[i]);
	}
	snprintf(req, sizeof(req), "file sum %s", BK_FILE);
	for (i = 0; i < 2; i++) {
		progress(s->rc, "run %zu: wait for %s's agent", s->runno,
		    bk_restored[i]);
		if (guest_status(s->rc, addr[i], 300, &gs, e) == -1 ||
		    guest_file(s->rc, addr[i], req, hex, e) == -1) {
			bk_why(x, "; %s: %s", bk_restored[i], e);
			continue;
		}
		bk_why(x, "; %s answers as %s, its file sha256 %.12s (at the "
		    "%s backup %.12s)", bk_restored[i], gs.gs_name, hex, i ?
		    "incremental" : "full", x->sha[i]);
		ok += strcmp(gs.gs_name, bk_restored[i]) == 0 &&
		    strcmp(hex, x->sha[i]) == 0;
	}
	x->verified = ok == 2;
	metrics_set(&s->run->r_metrics, "data_verified", x->verified);
	return 0;
}

/* Both backups restored (restore_s: the longer), the schedule made
 * meanwhile when the platform has one (its first slot comes while the
 * restored VMs boot; they are copies by then, which its prune cannot
 * touch), both booted and checked, then removed. */
static int
bk_restores(struct sctx *s, struct bk_run *x, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	char addr[2][GUEST_ADDR_MAX];
	double secs[2] = { 0, 0 };
	int i, r = 0;

	for (i = 0; i < 2 && r == 0; i++)
		r = bk_restore(s, x, i, addr[i], &secs[i], err);
	if (r == 0) {
		metrics_set(&s->run->r_metrics, "restore_s", secs[0] > secs[1] ?
		    secs[0] : secs[1]);
		if (ops->backup_job_create != NULL &&
		    ops->backup_job_status != NULL &&
		    ops->backup_job_delete != NULL)
			r = bk_job_make(s, x, step_param_get(s->sc->sc_params,
			    s->sc->sc_nparams, "schedule") ?: BK_SPECS, err);
	}
	if (r == 0)
		r = bk_boot(s, x, addr, err);
	for (i = 1; i >= 0; i--)
		vm_remove(s, bk_restored[i]);
	return r;
}

/* Wait for the job's first run to end, then delete the job (a run in
 * progress ends first) and read what stays: schedule_fired is 1 when it
 * ran and the VM's backups are down to its keep_last, the row's own
 * among the pruned. */
static int
bk_schedule(struct sctx *s, struct bk_run *x, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	uint64_t end;
	size_t k;
	int fired, mine = 0;

	progress(s->rc, "run %zu: schedule %s (%s, keep_last %d): its "
	    "first run", s->runno, x->name, x->spec, x->j.j_keep_last);
	end = clock_mono_ns() + (uint64_t)(2 * backup_spec_step(x->spec) +
	    BK_RUN_GRACE_S) * NS_PER_S;
	do {
		clock_sleep_ns(NS_PER_S);
		if (ops->backup_job_status(s->rc->drv, &x->j, err) == -1)
			return -1;
	} while (x->j.j_runs + x->j.j_failed == 0 && clock_mono_ns() < end &&
	    !runner_stop);
	if (ops->backup_job_delete(s->rc->drv, &x->j, err) == -1)
		return -1;
	x->job_live = 0;
	if (ops->backup_job_status(s->rc->drv, &x->j, err) == -1)
		return -1;
	for (k = 0; k < x->j.j_nids; k++)
		mine += strcmp(x->j.j_ids[k], x->ids[0]) == 0 ||
		    strcmp(x->j.j_ids[k], x->ids[1]) == 0;
	fired = x->j.j_runs >= 1 && x->j.j_nids == (size_t)x->j.j_keep_last &&
	    mine == 0;
	metrics_set(&s->run->r_metrics, "schedule_fired", fired);
	bk_why(x, "; schedule %s '%s' ran %d time(s) (%d failed), then %zu "
	    "backup(s) of %s stayed (keep_last %d), %s", x->name, x->spec,
	    x->j.j_runs, x->j.j_failed, x->j.j_nids, x->g.dg_vm,
	    x->j.j_keep_last, mine ? "the row's own among them" : "the row's "
	    "own pruned");
	return 0;
}

/* Back up, change, back up, restore both; then the schedule. */
static int
bk_cycle(struct sctx *s, struct bk_run *x, char *err)
{
	struct guest_status gs;
	int r;

	progress(s->rc, "run %zu: wait for %s's agent", s->runno, x->g.dg_vm);
	if (guest_status(s->rc, x->g.dg_addr, 300, &gs, err) == -1)
		return err_prefix(err, "%s did not answer", x->g.dg_vm);
	if ((r = bk_take(s, x, 0, err)) != 0 || (r = bk_take(s, x, 1,
	    err)) != 0)
		return r;
	if (x->pause_ms >= 0)
		metrics_set(&s->run->r_metrics, "pause_ms", x->pause_ms);
	if (bk_restores(s, x, err) == -1)
		return -1;
	if (!x->job_live) {
		x->no_schedule = 1;	/* said once the reason is written */
		return 0;
	}
	return bk_schedule(s, x, err);
}

/* What is left: the schedule, then every backup of the VM (newest first:
 * an incremental one goes before its base). */
static void
bk_clean(struct sctx *s, struct bk_run *x)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_task t;
	char e[ERR_LEN];
	int i, listed = 0;
	size_t k;

	if (x->job_live && ops->backup_job_delete(s->rc->drv, &x->j, e) == -1)
		log_warnx("backup-restore: schedule %s stays: %s", x->name, e);
	if (x->name[0] != '\0' && ops->backup_job_status(s->rc->drv, &x->j,
	    e) == 0)
		listed = 1;
	if (ops->backup_delete == NULL) {
		if (x->ids[0][0] != '\0')
			log_warnx("backup-restore: %s cannot delete backups: "
			    "%s stays", ops->name, x->ids[0]);
		return;
	}
	for (k = 0; listed && k < x->j.j_nids; k++) {
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->backup_delete(s->rc->drv,
		    x->j.j_ids[k], &t, e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_warnx("backup-restore: delete %s: %s", x->j.j_ids[k],
			    e);
	}
	for (i = 1; !listed && i >= 0; i--) {
		if (x->ids[i][0] == '\0')
			continue;
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->backup_delete(s->rc->drv,
		    x->ids[i], &t, e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_warnx("backup-restore: delete %s: %s", x->ids[i], e);
	}
}

int
builtin_backup(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct bk_run x;
	int r;

	if (ops->backup == NULL || ops->restore == NULL)
		return err_set(err, "backup-restore: %s", bk_reason(ops,
		    "backup")), DRIVER_UNSUPPORTED;
	memset(&x, 0, sizeof(x));
	x.pause_ms = -1;
	disk_guest_init(s, &x.g, "bk1", 1);
	x.bytes = param_long(s->sc, "file_kib", 4096) * 1024;
	if ((r = disk_guest(s, &x.g, err)) == 0)
		r = bk_cycle(s, &x, err);
	if (r == 0)
		results_set_str(&s->run->r_reason, "VM %s on %s: full backup "
		    "%s, incremental %s; restores %s%s", x.g.dg_vm,
		    x.g.dg_pool, x.ids[0], x.ids[1], x.verified ? "booted with "
		    "the file as at each backup" : "NOT as at each backup",
		    x.why);
	if (r == 0 && x.no_schedule)
		run_unmeasured(s, "schedule_fired", bk_reason(ops,
		    "backup-schedule"));
	bk_clean(s, &x);
	vm_remove(s, x.g.dg_vm);
	return r;
}
