/*
 * snapshot.c - the `snapshot` built-in (the study's "Snapshot" row): a
 * running VM that boots from its own disk writes a known file, is
 * snapshotted with its RAM, writes more (another file content, and
 * another value into its agent's memory), and is rolled back.  The file
 * must be as it was at the snapshot (the agent's checksum) and so must
 * the guest's memory and clock: its uptime back between the snapshot's
 * and the rollback's, and the memory test's page count, a value that
 * lives only in the agent's RAM, the snapshot's one.
 *
 * Only driver operations are used, so the row runs on every platform;
 * a platform without snapshots is `unsupported` with its driver's
 * reason.  The snapshot and the VM go whatever happened.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scenarios/builtin/builtin.h"

#define SNAP_FILE "/data/hvlab-snapshot.bin"
#define SNAP_NAME "row1"
/* Memory test page counts: the one running at the snapshot, and the one
 * started after it (only the agent's memory holds which one runs). */
#define PAGES_AT_SNAP 37
#define PAGES_AFTER 53

/* What the row saw, in the order it saw it. */
struct snap_run {
	struct disk_guest g;
	long bytes, hold_s;
	char sha_snap[65], sha_after[65], sha_back[65];
	int64_t up_before, up_after_snap, up_before_rb, up_back;
	long pages_back, errors_back;
	int made;			/* the snapshot exists */
};

/* An agent request whose reply must start with "ok". */
static int
snap_agent_ok(struct sctx *s, const char *addr, const char *req,
    char reply[1024], char *err)
{
	struct agent_ask q = { "station", addr, req, 60, "" };

	if (agent_ask(s->rc, &q, err) == -1)
		return -1;
	if (strncmp(q.aa_reply, "ok", 2) != 0)
		return err_set(err, "agent of %s: %s: '%.200s'", addr, req,
		    q.aa_reply);
	if (reply != NULL)
		snprintf(reply, 1024, "%s", q.aa_reply);
	return 0;
}

static int
snap_write(struct sctx *s, struct snap_run *x, int seed, char hex[65],
    char *err)
{
	char req[128];

	snprintf(req, sizeof(req), "file write %s %ld %d", SNAP_FILE,
	    x->bytes, seed);
	return guest_file(s->rc, x->g.dg_addr, req, hex, err);
}

static int
snap_uptime(struct sctx *s, struct snap_run *x, int64_t *ms, char *err)
{
	struct guest_status gs;

	if (guest_status(s->rc, x->g.dg_addr, 60, &gs, err) == -1)
		return -1;
	*ms = gs.gs_uptime_ms;
	return 0;
}

/* A driver operation on the snapshot, timed from the request to the end
 * of its task, in seconds into *secs. */
static int
snap_op(struct sctx *s, const char *what, int op_rc, struct drv_task *t,
    double *secs, uint64_t t0, char *err)
{
	int r = drv_finish(s->rc, op_rc, t, TASK_TIMEOUT_NS, err);

	*secs = (double)(clock_mono_ns() - t0) / 1e9;
	if (r != 0 && r != DRIVER_UNSUPPORTED)
		err_prefix(err, "%s", what);
	return r;
}

/* Before the snapshot: the guest answers, its memory test runs with the
 * snapshot's page count, and the file holds seed 1. */
static int
snap_prepare(struct sctx *s, struct snap_run *x, char *err)
{
	struct guest_status gs;
	char req[64];

	progress(s->rc, "run %zu: wait for %s's agent", s->runno, x->g.dg_vm);
	if (guest_status(s->rc, x->g.dg_addr, 300, &gs, err) == -1)
		return err_prefix(err, "%s did not answer", x->g.dg_vm);
	snprintf(req, sizeof(req), "memtest start %d 1000", PAGES_AT_SNAP);
	if (snap_agent_ok(s, x->g.dg_addr, req, NULL, err) == -1 ||
	    snap_write(s, x, 1, x->sha_snap, err) == -1)
		return -1;
	return snap_uptime(s, x, &x->up_before, err);
}

/* After the snapshot: another file, another page count, and time. */
static int
snap_change(struct sctx *s, struct snap_run *x, char *err)
{
	char req[64];

	if (snap_uptime(s, x, &x->up_after_snap, err) == -1 ||
	    snap_agent_ok(s, x->g.dg_addr, "memtest stop", NULL, err) == -1)
		return -1;
	snprintf(req, sizeof(req), "memtest start %d 1000", PAGES_AFTER);
	if (snap_agent_ok(s, x->g.dg_addr, req, NULL, err) == -1 ||
	    snap_write(s, x, 2, x->sha_after, err) == -1)
		return -1;
	if (strcmp(x->sha_after, x->sha_snap) == 0)
		return err_set(err, "the file written after the snapshot has "
		    "the snapshot's checksum: the check could not fail");
	progress(s->rc, "run %zu: %ld s before the rollback", s->runno,
	    x->hold_s);
	clock_sleep_ns((uint64_t)x->hold_s * NS_PER_S);
	return snap_uptime(s, x, &x->up_before_rb, err);
}

/* After the rollback: what the guest says of its clock, memory, file. */
static int
snap_read_back(struct sctx *s, struct snap_run *x, char *err)
{
	char reply[1024], req[128];
	const char *p;

	progress(s->rc, "run %zu: wait for %s's agent after the rollback",
	    s->runno, x->g.dg_vm);
	if (snap_uptime(s, x, &x->up_back, err) == -1 ||
	    snap_agent_ok(s, x->g.dg_addr, "memtest status", reply,
	    err) == -1)
		return -1;
	x->pages_back = (p = strstr(reply, "pages=")) ? atol(p + 6) : -1;
	x->errors_back = (p = strstr(reply, "errors=")) ? atol(p + 7) : -1;
	snprintf(req, sizeof(req), "file sum %s", SNAP_FILE);
	return guest_file(s->rc, x->g.dg_addr, req, x->sha_back, err);
}

/* The row's figures and its reason. */
static void
snap_judge(struct sctx *s, struct snap_run *x)
{
	int data = strcmp(x->sha_back, x->sha_snap) == 0;
	/* Not a fresh boot (older than at the snapshot), not the time since
	 * (younger than before the rollback), and the agent's memory holds
	 * the snapshot's page count with every page as it wrote it. */
	int ram = x->up_back >= x->up_before && x->up_back <
	    x->up_before_rb && x->pages_back == PAGES_AT_SNAP &&
	    x->errors_back == 0;

	metrics_set(&s->run->r_metrics, "data_verified", data);
	metrics_set(&s->run->r_metrics, "ram_restored", ram);
	results_set_str(&s->run->r_reason, "file %s after the rollback "
	    "(sha256 %.12s, at the snapshot %.12s, written after %.12s); "
	    "guest uptime %" PRId64 " ms at the snapshot, %" PRId64 " ms "
	    "before the rollback, %" PRId64 " ms after it; memory test of %ld "
	    "pages (%d at the snapshot, %d after), %ld errors",
	    data ? "as at the snapshot" : "NOT as at the snapshot",
	    x->sha_back, x->sha_snap, x->sha_after, x->up_before,
	    x->up_before_rb, x->up_back, x->pages_back, PAGES_AT_SNAP,
	    PAGES_AFTER, x->errors_back);
}

/* Snapshot with RAM, change, roll back; the figures as they come. */
static int
snap_cycle(struct sctx *s, struct snap_run *x, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_task t;
	double secs;
	int r;

	if ((r = snap_prepare(s, x, err)) != 0)
		return r;
	progress(s->rc, "run %zu: snapshot %s with RAM", s->runno, x->g.dg_vm);
	drv_task_init(&t);
	r = snap_op(s, "snapshot", ops->snapshot_create(s->rc->drv,
	    x->g.dg_vm, SNAP_NAME, 1, &t, err), &t, &secs, clock_mono_ns(),
	    err);
	if (r != 0)
		return r;
	x->made = 1;
	metrics_set(&s->run->r_metrics, "snapshot_s", secs);
	if (t.t_downtime_ms >= 0)
		metrics_set(&s->run->r_metrics, "pause_ms", t.t_downtime_ms);
	if ((r = snap_change(s, x, err)) != 0)
		return r;
	progress(s->rc, "run %zu: roll %s back", s->runno, x->g.dg_vm);
	drv_task_init(&t);
	r = snap_op(s, "rollback", ops->snapshot_rollback(s->rc->drv,
	    x->g.dg_vm, SNAP_NAME, &t, err), &t, &secs, clock_mono_ns(), err);
	if (r != 0)
		return r;
	metrics_set(&s->run->r_metrics, "rollback_s", secs);
	if ((r = snap_read_back(s, x, err)) != 0)
		return r;
	snap_judge(s, x);
	return 0;
}

int
builtin_snapshot(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct snap_run x;
	struct drv_task t;
	char e[ERR_LEN];
	int r;

	if (ops->snapshot_create == NULL || ops->snapshot_rollback == NULL ||
	    ops->snapshot_delete == NULL)
		return err_set(err, "snapshot: %s", ops->unsupported_reason),
		    DRIVER_UNSUPPORTED;
	memset(&x, 0, sizeof(x));
	x.g.dg_vm = "snap1";
	x.g.dg_host = s->rc->hosts[0].h_name;
	x.g.dg_pool = param_str(s->sc, "pool", "san");
	x.g.dg_start = 1;
	x.bytes = param_long(s->sc, "file_kib", 4096) * 1024;
	x.hold_s = param_long(s->sc, "hold_s", 10);
	if ((r = disk_guest(s, &x.g, err)) == 0)
		r = snap_cycle(s, &x, err);
	if (x.made) {
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->snapshot_delete(s->rc->drv,
		    x.g.dg_vm, SNAP_NAME, &t, e), &t, TASK_TIMEOUT_NS, e) != 0)
			log_warnx("snapshot: delete %s of %s: %s", SNAP_NAME,
			    x.g.dg_vm, e);
	}
	vm_remove(s, x.g.dg_vm);
	return r;
}
