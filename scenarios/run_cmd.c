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
#include "scenarios/hvlab.h"
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
	    "                 [--repeat N] [--out DIR] [--lab NAME]\n");
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
	printf("results: %s/results.json\nreport:  %s/report.md, "
	    "%s/report.html\n", out, out, out);
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

/* "ref,libvirt" -> names (in list, which is cut), each a known driver,
 * none twice. */
static int
split_platforms(char *list, char **names, size_t *n, char *err)
{
	char *save = NULL, *p;
	size_t i;

	*n = 0;
	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (*n == RUN_MAX_PLATFORMS)
			return err_set(err, "at most %d platforms",
			    RUN_MAX_PLATFORMS);
		if (driver_check_platform(p, err) == -1)
			return -1;
		for (i = 0; i < *n; i++)
			if (strcmp(names[i], p) == 0)
				return err_set(err, "platform '%s' twice", p);
		names[(*n)++] = p;
	}
	if (*n == 0)
		return err_set(err, "no platform named");
	return 0;
}

/*
 * One platform's run into ro->ro_outdir: runner, results.json, its own
 * reports, the summary.  The results are kept in *keep when keep is not
 * NULL (caller frees).  Returns the exit status (0, 2, 130) or 1.
 */
static int
run_platform(const struct runner_opts *ro, const struct scenario *const *sel,
    size_t nsel, const char *suite_label, struct results **keep)
{
	struct comparison cmp = { 0 };
	struct results *rs = calloc(1, sizeof(*rs));
	char err[ERR_LEN], ts[32], path[4200];
	const char *out = ro->ro_outdir;
	int interrupted = 0, rc = 1;
	uint64_t t0;
	size_t i;

	if (rs == NULL)
		return 1;
	rs->rs_tool = strdup("hvlab");
	rs->rs_version = strdup(HV_VERSION);
	rs->rs_platform = strdup(ro->ro_platform);
	rs->rs_provider = strdup("netns");
	rs->rs_suite = strdup(suite_label);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	rs->rs_started = strdup(ts);
	if (mkdirs(out, err) == -1 || machine_describe(rs, err) == -1)
		goto fail;
	t0 = clock_mono_ns();
	if (runner_run(ro, sel, nsel, rs, &interrupted, err) == -1)
		goto fail;
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	rs->rs_finished = strdup(ts);
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (results_write(rs, path, err) == -1)
		goto fail;
	/* The reports are rebuilt from the file, as `hvlab report` would. */
	results_free(rs);
	if ((rs = results_load(out, err)) == NULL ||
	    comparison_build(&cmp, &rs, 1, err) == -1 ||
	    report_write_all(&cmp, out, err) == -1) {
		err_prefix(err, "report");
		goto fail;
	}
	print_summary(rs, out, (double)(clock_mono_ns() - t0) / 1e9);
	rc = 0;
	for (i = 0; i < rs->rs_nscen; i++)
		if (rs->rs_scen[i].s_verdict == VERDICT_FAIL ||
		    rs->rs_scen[i].s_verdict == VERDICT_ERROR)
			rc = 2;
	if (interrupted)
		rc = 130;
	goto out;
fail:
	fprintf(stderr, "hvlab run: %s: %s\n", ro->ro_platform, err);
out:
	comparison_free(&cmp);
	if (keep != NULL && rc != 1)
		*keep = rs;
	else
		results_free(rs);
	return rc;
}

/*
 * Several platforms, one after the other, each on a fresh lab (the lab
 * named by --lab, or the file's, is built and taken down by each run):
 * OUT/<platform>/ each, and OUT/ the report with a column per platform.
 */
static int
run_compare(struct runner_opts *ro, char *const *plats, size_t n,
    const struct scenario *const *sel, size_t nsel, const char *suite_label,
    const char *out)
{
	struct results *sets[RUN_MAX_PLATFORMS] = { NULL };
	struct comparison cmp = { 0 };
	char dir[4200], err[ERR_LEN];
	size_t i, got = 0;
	int rc = 0, r;

	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", out, plats[i]);
		ro->ro_platform = plats[i];
		ro->ro_outdir = dir;
		printf("== platform %s: %s\n", plats[i], dir);
		fflush(stdout);
		r = run_platform(ro, sel, nsel, suite_label, &sets[got]);
		if (r != 1)
			got++;
		if (r > rc)
			rc = r;
		if (r == 130)
			break;
	}
	if (got < 2) {
		fprintf(stderr, "hvlab run: fewer than two platforms ran: no "
		    "comparison\n");
		rc = rc ? rc : 1;
		goto out;
	}
	if (comparison_build(&cmp, sets, got, err) == -1 ||
	    report_write_all(&cmp, out, err) == -1) {
		fprintf(stderr, "hvlab run: comparison report: %s\n", err);
		rc = 1;
		goto out;
	}
	printf("comparison: %s/report.md, %s/report.html\n", out, out);
out:
	comparison_free(&cmp);
	for (i = 0; i < got; i++)
		results_free(sets[i]);
	return rc;
}

int
run_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "suite", required_argument, NULL, 's' },
		{ "scenario", required_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'p' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *file = "scenarios.yaml", *suite_name = NULL;
	const char *names[RUN_MAX_SCENARIOS];
	const struct scenario *sel[RUN_MAX_SCENARIOS];
	struct runner_opts ro;
	struct suite_file *sf = NULL;
	struct topo *topo = NULL;
	char err[ERR_LEN], out[4096], self[4096], ts[32], *platlist = NULL;
	char *plats[RUN_MAX_PLATFORMS];
	const char *suite_label, *argv_platform;
	size_t nnames = 0, nsel = 0, nplat = 0, i;
	int ch, check_only = 0, rc = 1;
	ssize_t sl;
	long l;
	char *end;

	memset(&ro, 0, sizeof(ro));
	ro.ro_platform = "ref";
	out[0] = '\0';
	optind = 1;
	while ((ch = getopt_long(argc, argv, "nf:o:h", opts, NULL)) != -1)
		switch (ch) {
		case 'n':
			check_only = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 's':
			suite_name = optarg;
			break;
		case 'S':
			if (nnames == RUN_MAX_SCENARIOS) {
				fprintf(stderr, "hvlab run: at most %d "
				    "--scenario\n", RUN_MAX_SCENARIOS);
				return 1;
			}
			names[nnames++] = optarg;
			break;
		case 'p':
			ro.ro_platform = optarg;
			break;
		case 'r':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno || *end || l < 1 || l > 100) {
				fprintf(stderr, "hvlab run: --repeat must be 1 "
				    "to 100, not '%s'\n", optarg);
				return 1;
			}
			ro.ro_repeat = (int)l;
			break;
		case 'o':
			snprintf(out, sizeof(out), "%s", optarg);
			break;
		case 'l':
			ro.ro_lab = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			return run_usage(stderr);
		}
	if (optind != argc)
		return run_usage(stderr);

	sf = suite_load(file, stderr, err);
	if (sf == NULL) {
		fprintf(stderr, "hvlab run: %s\n", err);
		return 1;
	}
	topo = calloc(1, sizeof(*topo));
	if (topo == NULL)
		goto out;
	if (topo_load(file, ro.ro_lab, topo, stderr, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}
	/* Selection: --scenario names (in the order given), else a suite. */
	if (nnames > 0) {
		for (i = 0; i < nnames; i++) {
			sel[nsel] = suite_scenario_find(sf, names[i]);
			if (sel[nsel] == NULL) {
				fprintf(stderr, "hvlab run: %s: no scenario "
				    "'%s'\n", file, names[i]);
				goto out;
			}
			nsel++;
		}
	} else {
		const struct suite *su;

		if (suite_name == NULL)
			suite_name = sf->sf_default_suite;
		if (suite_name == NULL || (su = suite_find(sf, suite_name)) ==
		    NULL) {
			fprintf(stderr, "hvlab run: %s: no suite '%s'\n", file,
			    suite_name ? suite_name : "(none defined)");
			goto out;
		}
		for (i = 0; i < su->su_nscenarios && nsel < RUN_MAX_SCENARIOS;
		    i++)
			sel[nsel++] = suite_scenario_find(sf,
			    su->su_scenarios[i]);
	}
	argv_platform = ro.ro_platform;
	if ((platlist = strdup(ro.ro_platform)) == NULL)
		goto out;
	if (split_platforms(platlist, plats, &nplat, err) == -1) {
		fprintf(stderr, "hvlab run: --platform: %s\n", err);
		goto out;
	}
	ro.ro_platform = plats[0];
	suite_label = nnames ? "(scenarios)" : suite_name;
	if (check_only) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}

	if (out[0] == '\0') {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y%m%d-%H%M%SZ", &tm);
		snprintf(out, sizeof(out), "results/%s", ts);
	}
	if (mkdirs(out, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}

	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0) {
		fprintf(stderr, "hvlab run: cannot find my own binary\n");
		goto out;
	}
	self[sl] = '\0';
	ro.ro_file = file;
	ro.ro_self = self;
	ro.ro_progress = isatty(STDERR_FILENO);
	if (nplat == 1) {
		ro.ro_outdir = out;
		rc = run_platform(&ro, sel, nsel, suite_label, NULL);
		goto out;
	}
	if (ro.ro_lab != NULL && lab_running(ro.ro_lab)) {
		fprintf(stderr, "hvlab run: --platform %s runs each platform "
		    "on a fresh lab, and lab %s runs already: take it down or "
		    "name another with --lab\n", argv_platform, ro.ro_lab);
		goto out;
	}
	rc = run_compare(&ro, plats, nplat, sel, nsel, suite_label, out);
out:
	free(platlist);
	suite_file_free(sf);
	free(topo);
	return rc;
}
