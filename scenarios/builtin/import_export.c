/*
 * import_export.c - the `import-export` built-in (the study's
 * "Import/export formats" row): a stopped VM made from the lab's
 * bootable disk image is exported in every disk format, as an OVA and
 * as an OVF (its descriptor with the manifest and disk beside it);
 * each file is imported back as a new VM, which must boot and answer as
 * itself; an XVA that tools/mkxva.py builds from the guest's raw disk by
 * XAPI's published layout is imported and booted likewise.  Per format
 * FMT: FMT_export_s, FMT_import_s (request to the platform's done),
 * FMT_booted (1 when the import answered as itself), FMT_mib (the
 * exported file, an OVF's three files together; the XVA's for xva).
 * The reason lists the formats that booted, says why the others did
 * not, and how the platform did it (its own means or a conversion on
 * the host).
 *
 * Only driver operations are used, so the row runs on every platform; a
 * platform without export or import is `unsupported` with its driver's
 * reason.  Every VM goes whatever happened; the exported files go with
 * their import (driver.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "proc.h"
#include "scenarios/builtin/builtin.h"

#define MIB (1024.0 * 1024.0)
#define SRC_VM "io-src"

/* The formats in the order the row runs them: out and back in, or (an
 * XVA, which no platform here writes) made by the test generator. */
static const struct {
	const char *f_name;
	int f_export;
} io_formats[] = {
	{ "raw", 1 }, { "qcow2", 1 }, { "vmdk", 1 }, { "vmdk-stream", 1 },
	{ "vhd", 1 }, { "vhd-fixed", 1 }, { "vhdx", 1 }, { "ova", 1 },
	{ "ovf", 1 }, { "xva", 0 },
};

/* One format's round: what it measured, what it said. */
struct io_round {
	const char *fmt;
	char key[16];			/* fmt as a metric prefix */
	char vm[32];			/* the imported VM */
	char how[600];			/* how the platform exported and
					 * imported it, as the driver says */
	int booted;
	char why[ERR_LEN];		/* why it did not boot */
};

static void
io_metric(struct sctx *s, const struct io_round *x, const char *what,
    double v)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_%s", x->key, what);
	metrics_set(&s->run->r_metrics, name, v);
}

/* A driver operation, timed in seconds into *secs. */
static int
io_timed(struct sctx *s, int op_rc, struct drv_task *t, double *secs,
    uint64_t t0, char *err)
{
	int r = drv_finish(s->rc, op_rc, t, TASK_TIMEOUT_NS, err);

	*secs = (double)(clock_mono_ns() - t0) / 1e9;
	return r;
}

/* Start the imported VM and ask its agent who it is: 1 it answered as
 * itself, 0 not (why says). */
static int
io_boot(struct sctx *s, struct io_round *x, const char *addr)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct guest_status gs;
	struct drv_task t;
	char e[ERR_LEN];

	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_start(s->rc->drv, x->vm, &t, e), &t,
	    TASK_TIMEOUT_NS, e) != 0) {
		snprintf(x->why, sizeof(x->why), "start: %s", e);
		return 0;
	}
	progress(s->rc, "run %zu: wait for %s's agent", s->runno, x->vm);
	if (guest_status(s->rc, addr, 300, &gs, e) == -1) {
		snprintf(x->why, sizeof(x->why), "%s", e);
		return 0;
	}
	if (strcmp(gs.gs_name, x->vm) != 0) {
		snprintf(x->why, sizeof(x->why), "it answers as %s",
		    gs.gs_name);
		return 0;
	}
	return 1;
}

/* Import file (format x->fmt) as x->vm, timed, and boot it. */
static int
io_import(struct sctx *s, struct io_round *x, const char *file,
    const char *pool, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec nv;
	struct drv_task t;
	char words[GUEST_CMDLINE_MAX], a[64], addr[GUEST_ADDR_MAX];
	double secs;
	int r;

	memset(&nv, 0, sizeof(nv));
	nv.v_name = x->vm;
	nv.v_host = s->rc->hosts[0].h_name;
	nv.v_pool = pool;
	nv.v_memory_mib = 128;
	if (guest_prepare_disk(s, x->vm, -1, &nv, words, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", x->vm);
	if (resolve_addr(s, a, addr, sizeof(addr), err) == -1)
		return -1;
	progress(s->rc, "run %zu: import %s as %s", s->runno, x->fmt, x->vm);
	drv_task_init(&t);
	vm_track(s->rc, x->vm, 1);
	r = io_timed(s, ops->vm_import(s->rc->drv, file, x->fmt, &nv, &t,
	    err), &t, &secs, clock_mono_ns(), err);
	if (r != 0)
		return r;
	io_metric(s, x, "import_s", secs);
	snprintf(x->how + strlen(x->how), sizeof(x->how) - strlen(x->how),
	    "import: %s", t.t_status);
	x->booted = io_boot(s, x, addr);
	io_metric(s, x, "booted", x->booted);
	return 0;
}

/* One format: export the source, import it back, boot it, remove it. */
static int
io_round_trip(struct sctx *s, struct io_round *x, const char *pool,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_task t;
	char file[64];
	double secs;
	int r;

	snprintf(file, sizeof(file), "%s.%s", SRC_VM, x->fmt);
	progress(s->rc, "run %zu: export %s as %s", s->runno, SRC_VM, x->fmt);
	drv_task_init(&t);
	r = io_timed(s, ops->vm_export(s->rc->drv, SRC_VM, x->fmt, file, &t,
	    err), &t, &secs, clock_mono_ns(), err);
	if (r != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "export");
	io_metric(s, x, "export_s", secs);
	snprintf(x->how, sizeof(x->how), "export: %s; ", t.t_status);
	io_metric(s, x, "mib", (double)t.t_bytes / MIB);
	if ((r = io_import(s, x, file, pool, err)) != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "import");
	return 0;
}

/* An XVA of the guest's raw disk by tools/mkxva.py, into path. */
static int
io_make_xva(struct sctx *s, char *path, size_t len, char *err)
{
	char tool[4200], raw[4200], *slash;
	const char *argv[] = { "python3", tool, "--name", "io-xva",
	    "--network", "untagged", raw, path, NULL };
	struct stat st;

	snprintf(tool, sizeof(tool), "%s/../tools/mkxva.py",
	    s->rc->env.e_bindir);
	snprintf(raw, sizeof(raw), "%s", s->rc->guest_disk);
	if ((slash = strrchr(raw, '/')) == NULL)
		return err_set(err, "guest disk %s: no directory", raw);
	snprintf(slash, sizeof(raw) - (size_t)(slash - raw), "/disk.img");
	snprintf(path, len, "%s/io-src.xva", s->rc->env.e_workdir);
	unlink(path);
	if (proc_run(argv, NULL, 600000, NULL, err) != 0)
		return err_prefix(err, "tools/mkxva.py");
	if (stat(path, &st) != 0)
		return err_errno(err, "%s", path);
	metrics_set(&s->run->r_metrics, "xva_mib", (double)st.st_size / MIB);
	return 0;
}

/* The XVA round: made here, imported, booted. */
static int
io_xva(struct sctx *s, struct io_round *x, const char *pool, char *err)
{
	char path[4300];
	int r;

	if (io_make_xva(s, path, sizeof(path), err) != 0)
		return -1;
	r = io_import(s, x, path, pool, err);
	unlink(path);
	return r;
}

static void
io_round_init(struct io_round *x, const char *fmt)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->fmt = fmt;
	snprintf(x->key, sizeof(x->key), "%s", fmt);
	for (i = 0; x->key[i] != '\0'; i++)
		if (x->key[i] == '-')
			x->key[i] = '_';
	snprintf(x->vm, sizeof(x->vm), "io-%s", fmt);
}

/* Append fmt ", " to list (len bytes). */
static void
io_list_add(char *list, size_t len, const char *fmt)
{
	size_t n = strlen(list);

	snprintf(list + n, len - n, "%s%s", n ? ", " : "", fmt);
}

/* Every round; a round that fails is recorded and the next one runs.
 * DRIVER_UNSUPPORTED from the first ends the row.  reason: the formats
 * that booted, why the others did not, and how the platform did the
 * first full round (the same way for every format). */
static int
io_rounds(struct sctx *s, const char *pool, char *reason, size_t len,
    char *err)
{
	struct io_round x;
	char e[ERR_LEN], booted[256] = "", how[600] = "", *fails;
	size_t i, n;
	int r;

	if ((fails = calloc(1, len)) == NULL)
		return err_set(err, "out of memory");
	for (i = 0; i < sizeof(io_formats) / sizeof(io_formats[0]); i++) {
		io_round_init(&x, io_formats[i].f_name);
		io_metric(s, &x, "booted", 0);
		r = io_formats[i].f_export ? io_round_trip(s, &x, pool, e) :
		    io_xva(s, &x, pool, e);
		vm_remove(s, x.vm);
		if (r == DRIVER_UNSUPPORTED && i == 0) {
			free(fails);
			return err_set(err, "%s", e), DRIVER_UNSUPPORTED;
		}
		if (r == 0 && x.booted)
			io_list_add(booted, sizeof(booted), x.fmt);
		else if ((n = strlen(fails)) < len)
			snprintf(fails + n, len - n, "; %s: %s", x.fmt,
			    r != 0 ? e : x.why);
		if (how[0] == '\0' && io_formats[i].f_export && r == 0)
			snprintf(how, sizeof(how), "%s", x.how);
	}
	snprintf(reason, len, "booted: %s%s; %s", booted[0] ? booted : "none",
	    fails, how);
	free(fails);
	return 0;
}

int
builtin_import_export(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct disk_guest g;
	char *reason;
	size_t len = 16 * ERR_LEN;
	int r;

	if (ops->vm_export == NULL || ops->vm_import == NULL)
		return err_set(err, "import-export: %s",
		    ops->unsupported_reason), DRIVER_UNSUPPORTED;
	if ((reason = calloc(1, len)) == NULL)
		return err_set(err, "out of memory");
	memset(&g, 0, sizeof(g));
	g.dg_vm = SRC_VM;
	g.dg_host = s->rc->hosts[0].h_name;
	g.dg_pool = param_str(s->sc, "pool", "san");
	if ((r = disk_guest(s, &g, err)) == 0)
		r = io_rounds(s, g.dg_pool, reason, len, err);
	if (r == 0)
		results_set_str(&s->run->r_reason, "source %s on %s; %s",
		    SRC_VM, g.dg_pool, reason);
	vm_remove(s, SRC_VM);
	free(reason);
	return r;
}
