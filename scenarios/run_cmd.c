/*
 * run_cmd.c - `hvlab run`: loads the suite file, selects scenarios, runs
 * them (runner.c) and writes the results directory: results.json, then
 * the reports (report.md, report.html, results.csv, junit.xml, plots/).
 * With -n it only checks the file (suites, scenarios and the lab section)
 * and prints "configuration OK".
 *
 * Exit status: 0 every scenario passed or is unsupported; 2 a scenario
 * failed or errored; 1 misuse or a file that does not load; 130 when
 * interrupted (the results written so far are kept).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "lab/lab.h"
#include "lab/topo.h"
#include "reports/report.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/run_cmd.h"
#include "scenarios/machine.h"
#include "scenarios/runner.h"
#include "scenarios/suite.h"

#define RUN_MAX_SCENARIOS 64
#define RUN_MAX_PLATFORMS 4

static int
run_usage(FILE *f)
{
	fprintf(f, "usage: hvlab run [-n] [-f FILE] [--suite NAME] "
	    "[--scenario NAME]... [--platform P[,P...]]\n"
	    "                 [--repeat N] [--out DIR] [--lab NAME]"
	    " [--provider netns|remote]\n");
	return 1;
}

/* mkdir -p */
static int
mkdirs(const char *path, char *err)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return err_set(err, "bad directory '%s'", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return err_errno(err, "mkdir %s", buf);
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static void
print_summary(const struct results *rs, const char *out, double wall_s)
{
	size_t i;
	double total = 0;

	printf("%-16s %-11s %8s  %s\n", "scenario", "verdict", "time",
	    "reason");
	for (i = 0; i < rs->rs_nscen; i++) {
		const struct scen_result *s = &rs->rs_scen[i];

		total += s->s_duration_s;
		printf("%-16s %-11s %6.1f s  %s\n", s->s_name,
		    verdict_name(s->s_verdict), s->s_duration_s, s->s_reason);
	}
	printf("%-16s %-11s %6.1f s\n", "total", "", total);
	/* The rest: lab up and down, teardown of VMs, reports. */
	printf("%-16s %-11s %6.1f s  (lab up/down, teardown and reports "
	    "included)\n", "wall", "", wall_s);
	printf("accelerator: %s (%s: %s)\n", rs->rs_accel ? rs->rs_accel : "?",
	    rs->rs_accel_source ? rs->rs_accel_source : "?",
	    rs->rs_accel_reason ? rs->rs_accel_reason : "");
	printf("results: %s/results.json\nreport:  %s/report.md, "
	    "%s/report.html\n", out, out, out);
}

/* hvlab run's command line. */
struct run_args {
	const char *file, *suite_name;
	const char *names[RUN_MAX_SCENARIOS];	/* --scenario, in order */
	size_t nnames;
	int check_only;				/* -n */
	char out[4096];				/* --out, "" = by date */
	char self[4096];			/* our own binary */
	const char *platform_arg;		/* --platform as given */
	const char *provider;			/* --provider, then the lab's */
	char *plats[RUN_MAX_PLATFORMS];		/* its names (in platlist) */
	size_t nplat;
	char *platlist;
	struct runner_opts ro;
};

/* -1 when the options are good, else the exit status (0 for --help). */
static int
run_parse(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "suite", required_argument, NULL, 's' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'p' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "lab", required_argument, NULL, 'l' },
		{ "provider", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	long l;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "nf:o:h", opts, NULL)) != -1)
		switch (ch) {
		case 'n':
			a->check_only = 1;
			break;
		case 'f':
			a->file = optarg;
			break;
		case 's':
			a->suite_name = optarg;
			break;
		case 'S':
			if (a->nnames == RUN_MAX_SCENARIOS) {
				fprintf(stderr, "hvlab run: at most %d "
				    "--scenario\n", RUN_MAX_SCENARIOS);
				return 1;
			}
			a->names[a->nnames++] = optarg;
			break;
		case 'p':
			a->ro.ro_platform = optarg;
			break;
		case 'r':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno || *end || l < 1 || l > RESULTS_RUNS_MAX) {
				fprintf(stderr, "hvlab run: --repeat must be 1 "
				    "to %d, not '%s'\n", RESULTS_RUNS_MAX,
				    optarg);
				return 1;
			}
			a->ro.ro_repeat = (int)l;
			break;
		case 'o':
			snprintf(a->out, sizeof(a->out), "%s", optarg);
			break;
		case 'l':
			a->ro.ro_lab = optarg;
			break;
		case 'P':
			a->provider = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			return run_usage(stderr);
		}
	return optind != argc ? run_usage(stderr) : -1;
}

/* Selection: --scenario names (in the order given), else a suite.  0, or
 * -1 after saying why. */
static int
run_select(const struct suite_file *sf, struct run_args *a,
    const struct scenario **sel, size_t *nsel)
{
	const struct suite *su;
	size_t i;

	*nsel = 0;
	for (i = 0; i < a->nnames; i++) {
		if ((sel[*nsel] = suite_scenario_find(sf, a->names[i])) ==
		    NULL) {
			fprintf(stderr, "hvlab run: %s: no scenario '%s'\n",
			    a->file, a->names[i]);
			return -1;
		}
		(*nsel)++;
	}
	if (a->nnames > 0)
		return 0;
	if (a->suite_name == NULL)
		a->suite_name = sf->sf_default_suite;
	if (a->suite_name == NULL ||
	    (su = suite_find(sf, a->suite_name)) == NULL) {
		fprintf(stderr, "hvlab run: %s: no suite '%s'\n", a->file,
		    a->suite_name ? a->suite_name : "(none defined)");
		return -1;
	}
	for (i = 0; i < su->su_nscenarios && *nsel < RUN_MAX_SCENARIOS; i++)
		sel[(*nsel)++] = suite_scenario_find(sf, su->su_scenarios[i]);
	return 0;
}

/* The results directory (results/DATE unless --out), made absolute, and
 * our own binary into the runner's options.  0, or -1 with err. */
static int
run_paths(struct run_args *a, char *err)
{
	char ts[32], abs[PATH_MAX];
	ssize_t sl;

	if (a->out[0] == '\0') {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y%m%d-%H%M%SZ", &tm);
		snprintf(a->out, sizeof(a->out), "results/%s", ts);
	}
	if (mkdirs(a->out, err) == -1)
		return -1;
	/* Absolute from here on: rows hand paths under it to programs that
	 * resolve a relative one elsewhere (Prometheus against its config
	 * file's directory, hvd against its exchange place). */
	if (realpath(a->out, abs) == NULL)
		return err_errno(err, "%s", a->out);
	snprintf(a->out, sizeof(a->out), "%s", abs);
	sl = readlink("/proc/self/exe", a->self, sizeof(a->self) - 1);
	if (sl <= 0)
		return err_set(err, "cannot find my own binary");
	a->self[sl] = '\0';
	a->ro.ro_file = a->file;
	a->ro.ro_outdir = a->out;
	a->ro.ro_self = a->self;
	a->ro.ro_progress = isatty(STDERR_FILENO);
	return 0;
}

/* results.json's header: the tool, the platform, the machine.  NULL with
 * err. */
static struct results *
run_results_new(const struct run_args *a, char *err)
{
	struct results *rs = calloc(1, sizeof(*rs));
	char ts[32];

	if (rs == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	rs->rs_tool = strdup("hvlab");
	rs->rs_version = strdup(HV_DESCRIBE);	/* git describe (Makefile) */
	rs->rs_platform = strdup(a->ro.ro_platform);
	rs->rs_provider = strdup(a->provider);
	rs->rs_suite = strdup(a->nnames ? "(scenarios)" : a->suite_name);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	rs->rs_started = strdup(ts);
	if (machine_describe(rs, err) == -1) {
		results_free(rs);
		return NULL;
	}
	return rs;
}

/*
 * results.json, then the reports rebuilt from the file as `hvlab report`
 * would: *rs becomes what was read back.  0, or -1 after saying why.
 */
static int
run_write(struct results **rs, const char *out, struct comparison *cmp)
{
	char path[4200], ts[32], err[ERR_LEN];

	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	(*rs)->rs_finished = strdup(ts);
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (results_write(*rs, path, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		return -1;
	}
	results_free(*rs);
	if ((*rs = results_load(out, err)) == NULL ||
	    comparison_build(cmp, rs, 1, err) == -1 ||
	    report_write_all(cmp, out, err) == -1) {
		fprintf(stderr, "hvlab run: report: %s\n", err);
		return -1;
	}
	return 0;
}

/* --provider names the lab's provider (`provider:` of its topology, a
 * remote lab's inventory: docs/remote.md), so a run meant for real
 * servers never builds an embedded lab by mistake.  0, or -1 with err. */
static int
run_provider(struct run_args *a, const struct topo *t, char *err)
{
	if (a->provider != NULL && strcmp(a->provider, t->t_provider) != 0)
		return err_set(err, "--provider %s: the lab of %s has provider "
		    "%s (lab: provider:)", a->provider, a->file,
		    t->t_provider);
	a->provider = t->t_provider;
	return 0;
}

/* "ref,libvirt" -> a->plats (a->platlist is cut), each a known driver,
 * none twice.  0, or -1 with err. */
static int
run_platforms(struct run_args *a, char *err)
{
	char *save = NULL, *p;
	size_t i;

	a->platform_arg = a->ro.ro_platform;
	if ((a->platlist = strdup(a->ro.ro_platform)) == NULL)
		return err_set(err, "out of memory");
	for (p = strtok_r(a->platlist, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (a->nplat == RUN_MAX_PLATFORMS)
			return err_set(err, "--platform: at most %d platforms",
			    RUN_MAX_PLATFORMS);
		if (driver_check_platform(p, err) == -1)
			return err_prefix(err, "--platform");
		for (i = 0; i < a->nplat; i++)
			if (strcmp(a->plats[i], p) == 0)
				return err_set(err, "--platform: '%s' twice",
				    p);
		a->plats[a->nplat++] = p;
	}
	if (a->nplat == 0)
		return err_set(err, "--platform: no platform named");
	a->ro.ro_platform = a->plats[0];
	return 0;
}

/* -n: each named platform's own configuration (a real cluster's
 * inventory), all of them checked before failing. */
static int
run_check_drivers(const struct run_args *a, char *err)
{
	char e[ERR_LEN];
	size_t i;
	int rc = 0;

	for (i = 0; i < a->nplat; i++)
		if (driver_check_config(a->plats[i], e) == -1) {
			fprintf(stderr, "hvlab run: --platform %s: %s\n",
			    a->plats[i], e);
			rc = err_set(err, "platform configuration: see above");
		}
	return rc;
}

/* 1 when a lab called name runs. */
static int
lab_running(const char *name)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	char err[ERR_LEN];
	int r;

	if (lab == NULL)
		return 0;
	r = lab_open(NULL, name, 1, lab, err) == 0;
	free(lab);
	return r;
}

/* 2 when a scenario failed or errored, 130 when interrupted, else 0. */
static int
run_status(const struct results *rs, int interrupted)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < rs->rs_nscen; i++)
		if (rs->rs_scen[i].s_verdict == VERDICT_FAIL ||
		    rs->rs_scen[i].s_verdict == VERDICT_ERROR)
			rc = 2;
	return interrupted ? 130 : rc;
}

/*
 * One platform's run into out: runner, results.json, its own reports, the
 * summary.  Its results are kept in *keep when keep is not NULL (caller
 * frees).  The exit status (0, 2, 130), or 1 after saying why.
 */
static int
run_one(struct run_args *a, const struct scenario *const *sel, size_t nsel,
    const char *out, struct results **keep)
{
	struct comparison cmp = { 0 };
	struct results *rs = NULL;
	char err[ERR_LEN] = "";
	int rc = 1, interrupted = 0;
	uint64_t t0;

	a->ro.ro_outdir = out;
	if (mkdirs(out, err) == -1 || (rs = run_results_new(a, err)) == NULL)
		goto fail;
	t0 = clock_mono_ns();
	if (runner_run(&a->ro, sel, nsel, rs, &interrupted, err) == -1)
		goto fail;
	if (run_write(&rs, out, &cmp) == -1)
		goto out;
	print_summary(rs, out, (double)(clock_mono_ns() - t0) / 1e9);
	rc = run_status(rs, interrupted);
	goto out;
fail:
	fprintf(stderr, "hvlab run: %s: %s\n", a->ro.ro_platform, err);
out:
	comparison_free(&cmp);
	if (keep != NULL && rc != 1)
		*keep = rs;
	else
		results_free(rs);
	return rc;
}

/*
 * Several platforms, one after the other, each on a fresh lab (the lab of
 * the file or of --lab, built and taken down by each run): OUT/<platform>/
 * each, and in OUT the report with a column per platform.  The worst exit
 * status of the runs, or 1 when fewer than two ran.
 */
static int
run_compare(struct run_args *a, const struct scenario *const *sel,
    size_t nsel)
{
	struct results *sets[RUN_MAX_PLATFORMS] = { NULL };
	struct comparison cmp = { 0 };
	char dir[4200], err[ERR_LEN];
	size_t i, got = 0;
	int rc = 0, r;

	if (a->ro.ro_lab != NULL && lab_running(a->ro.ro_lab)) {
		fprintf(stderr, "hvlab run: --platform %s runs each platform "
		    "on a fresh lab, and lab %s runs already: take it down or "
		    "name another with --lab\n", a->platform_arg, a->ro.ro_lab);
		return 1;
	}
	for (i = 0; i < a->nplat; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", a->out, a->plats[i]);
		a->ro.ro_platform = a->plats[i];
		printf("== platform %s: %s\n", a->plats[i], dir);
		fflush(stdout);
		r = run_one(a, sel, nsel, dir, &sets[got]);
		got += r != 1;
		rc = r > rc ? r : rc;
		if (r == 130)
			break;
	}
	if (got < 2) {
		fprintf(stderr, "hvlab run: fewer than two platforms ran: no "
		    "comparison\n");
		rc = rc ? rc : 1;
	} else if (comparison_build(&cmp, sets, got, err) == -1 ||
	    report_write_all(&cmp, a->out, err) == -1) {
		fprintf(stderr, "hvlab run: comparison report: %s\n", err);
		rc = 1;
	} else
		printf("comparison: %s/report.md, %s/report.html\n", a->out,
		    a->out);
	comparison_free(&cmp);
	for (i = 0; i < got; i++)
		results_free(sets[i]);
	return rc;
}

int
run_cmd_main(int argc, char **argv)
{
	const struct scenario *sel[RUN_MAX_SCENARIOS];
	struct run_args a;
	struct suite_file *sf = NULL;
	struct topo *topo = NULL;
	char err[ERR_LEN] = "";
	size_t nsel = 0;
	int rc = 1;

	memset(&a, 0, sizeof(a));
	a.file = "scenarios.yaml";
	a.ro.ro_platform = "ref";
	if ((rc = run_parse(argc, argv, &a)) != -1)
		return rc;
	rc = 1;
	if ((sf = suite_load(a.file, stderr, err)) == NULL)
		goto fail;
	if ((topo = calloc(1, sizeof(*topo))) == NULL)
		goto out;
	if (topo_load(a.file, a.ro.ro_lab, topo, stderr, err) == -1 ||
	    run_provider(&a, topo, err) == -1)
		goto fail;
	if (run_select(sf, &a, sel, &nsel) == -1)
		goto out;
	if (run_platforms(&a, err) == -1)
		goto fail;
	if (a.check_only) {
		if (run_check_drivers(&a, err) == -1)
			goto fail;
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	if (run_paths(&a, err) == -1)
		goto fail;
	rc = a.nplat == 1 ? run_one(&a, sel, nsel, a.out, NULL) :
	    run_compare(&a, sel, nsel);
	goto out;
fail:
	fprintf(stderr, "hvlab run: %s\n", err);
out:
	free(a.platlist);
	suite_file_free(sf);
	free(topo);
	return rc;
}
