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
#include "lab/topo.h"
#include "reports/report.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/run_cmd.h"
#include "scenarios/machine.h"
#include "scenarios/runner.h"
#include "scenarios/suite.h"

#define RUN_MAX_SCENARIOS 64

static int
run_usage(FILE *f)
{
	fprintf(f, "usage: hvlab run [-n] [-f FILE] [--suite NAME] "
	    "[--scenario NAME]... [--platform P]\n"
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
	printf("accelerator: %s (%s: %s)\n", rs->rs_accel ? rs->rs_accel : "?",
	    rs->rs_accel_source ? rs->rs_accel_source : "?",
	    rs->rs_accel_reason ? rs->rs_accel_reason : "");
	printf("results: %s/results.json\nreport:  %s/report.md, "
	    "%s/report.html\n", out, out, out);
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
	struct results *rs = NULL;
	struct comparison cmp = { 0 };
	struct topo *topo = NULL;
	char err[ERR_LEN], out[4096], self[4096], path[4200], ts[32];
	size_t nnames = 0, nsel = 0, i;
	int ch, check_only = 0, rc = 1, interrupted = 0;
	uint64_t t0 = 0;
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
	if (driver_check_platform(ro.ro_platform, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}
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
	ro.ro_outdir = out;
	ro.ro_self = self;
	ro.ro_progress = isatty(STDERR_FILENO);

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		goto out;
	rs->rs_tool = strdup("hvlab");
	rs->rs_version = strdup(HV_DESCRIBE);	/* git describe (Makefile) */
	rs->rs_platform = strdup(ro.ro_platform);
	rs->rs_provider = strdup("netns");
	rs->rs_suite = strdup(nnames ? "(scenarios)" : suite_name);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	rs->rs_started = strdup(ts);
	if (machine_describe(rs, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}

	t0 = clock_mono_ns();
	if (runner_run(&ro, sel, nsel, rs, &interrupted, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	rs->rs_finished = strdup(ts);
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (results_write(rs, path, err) == -1) {
		fprintf(stderr, "hvlab run: %s\n", err);
		goto out;
	}
	/* The reports are rebuilt from the file, as `hvlab report` would. */
	results_free(rs);
	if ((rs = results_load(out, err)) == NULL ||
	    comparison_build(&cmp, &rs, 1, err) == -1 ||
	    report_write_all(&cmp, out, err) == -1) {
		fprintf(stderr, "hvlab run: report: %s\n", err);
		goto out;
	}
	print_summary(rs, out, (double)(clock_mono_ns() - t0) / 1e9);
	rc = 0;
	for (i = 0; i < rs->rs_nscen; i++)
		if (rs->rs_scen[i].s_verdict == VERDICT_FAIL ||
		    rs->rs_scen[i].s_verdict == VERDICT_ERROR)
			rc = 2;
	if (interrupted)
		rc = 130;
out:
	comparison_free(&cmp);
	results_free(rs);
	suite_file_free(sf);
	free(topo);
	return rc;
}
