/*
 * check_report.c - results.json reading/writing, medians over runs, the
 * key figures of a table cell, the probe timeline parser, and the report
 * writers (report.md, results.csv, junit.xml, report.html without plots)
 * compared byte for byte with golden files under tests/golden/, made from
 * the fixed result sets tests/golden/set-a and set-b.  junit.xml is also
 * checked for XML well-formedness by a small parser here.
 *
 * HVLAB_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing
 * (review the diff before committing them).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "err.h"
#include "reports/report.h"
#include "reports/results.h"

#define GOLDEN "golden"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* ---- key figures and cells ---- */

static const struct {
	const char *metrics;	/* "name=value,..." */
	const char *want;
} figure_cases[] = {
	{ "downtime_ms=38,lost=4,sent=600",
	    "38 ms downtime, 4/600 lost" },
	{ "downtime_ms=41.7,lost=4,sent=600,qemu_downtime_ms=18,total_s=1.9",
	    "41.7 ms downtime, 4/600 lost, QEMU 18 ms" },
	{ "total_s=1.9,tcp_survived=1", "1.9 s total, TCP survived" },
	{ "tcp_survived=0", "TCP broken" },
	{ "install_s=12.25,hosts=3", "3 hosts, 12.2 s to install" },
	{ "foo_bytes=1024,bar_s=0.25", "foo_bytes 1024, bar_s 0.25" },
	/* the HA drill (scenarios/builtin/ha.c) */
	{ "lost_acked_writes=0,detect_s=6.3,restart_s=7.3,failover_s=9.1,"
	    "boot_s=2.8,max_running_copies=1",
	    "failover 9.1 s (detect 6.3 s, boot 2.8 s), 0 lost writes, "
	    "1 copy" },
	{ "detect_s=6.71,failover_s=12.5,max_running_copies=2,fence_s=4.4",
	    "failover 12.5 s (detect 6.7 s), 2 copies, fenced in 4.4 s" },
	{ "failover_s=95,lost_acked_writes=0",
	    "95 s failover, 0 lost acked writes" },
	{ "", "" },
};

static void
parse_metrics(const char *spec, struct metrics *ms)
{
	char buf[256], *tok, *save = NULL, *eq;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		*eq = '\0';
		metrics_set(ms, tok, strtod(eq + 1, NULL));
	}
}

START_TEST(test_key_figures)
{
	struct metrics ms = { 0 };
	char buf[256];

	parse_metrics(figure_cases[_i].metrics, &ms);
	report_key_figures(&ms, 3, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, figure_cases[_i].want) == 0,
	    "metrics %s read as '%s', not '%s'", figure_cases[_i].metrics,
	    figure_cases[_i].want, buf);
	metrics_free(&ms);
}
END_TEST

START_TEST(test_cells)
{
	struct scen_result s;
	char buf[512];

	memset(&s, 0, sizeof(s));
	s.s_reason = (char *)"";
	s.s_verdict = VERDICT_PASS;
	parse_metrics("downtime_ms=38,lost=4,sent=600", &s.s_metrics);
	report_cell(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pass \xe2\x80\x94 38 ms downtime, 4/600 lost");
	s.s_verdict = VERDICT_FAIL;
	s.s_reason = (char *)"downtime_ms 2300 > 2000";
	report_cell(&s, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "fail \xe2\x80\x94 downtime_ms 2300 > 2000; "
	    "38 ms downtime, 4/600 lost") == 0, "a failed cell says why: %s",
	    buf);
	s.s_verdict = VERDICT_UNSUPPORTED;
	s.s_reason = (char *)"ha: later";
	report_cell(&s, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "unsupported \xe2\x80\x94 ha: later") == 0,
	    "an unsupported cell shows the reason: %s", buf);
	report_cell(NULL, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "\xe2\x80\x94") == 0,
	    "a scenario a set lacks is a dash");
	metrics_free(&s.s_metrics);
}
END_TEST

/* ---- medians ---- */

START_TEST(test_medians)
{
	struct run runs[4];
	struct metrics med = { 0 };
	double v;
	int i;

	memset(runs, 0, sizeof(runs));
	parse_metrics("downtime_ms=40,lost=4", &runs[0].r_metrics);
	parse_metrics("downtime_ms=10,lost=9", &runs[1].r_metrics);
	parse_metrics("downtime_ms=30", &runs[2].r_metrics);
	parse_metrics("downtime_ms=1000,qemu_downtime_ms=5",
	    &runs[3].r_metrics);
	metrics_median(runs, 3, &med);
	ck_assert_int_eq(metrics_get(&med, "downtime_ms", &v), 0);
	ck_assert_msg(v == 30, "the median of 40, 10, 30 is 30, not %g", v);
	ck_assert_int_eq(metrics_get(&med, "lost", &v), 0);
	ck_assert_msg(v == 6.5, "a median over the runs that have the metric "
	    "(4, 9) is their mean, not %g", v);
	metrics_median(runs, 4, &med);
	metrics_get(&med, "downtime_ms", &v);
	ck_assert_msg(v == 35, "an even count takes the mean of the middle "
	    "two: %g", v);
	ck_assert_int_eq(metrics_get(&med, "qemu_downtime_ms", &v), 0);
	ck_assert_msg(strcmp(med.ms_v[0].m_name, "downtime_ms") == 0,
	    "medians keep the order metrics first appear in");
	metrics_free(&med);
	for (i = 0; i < 4; i++)
		metrics_free(&runs[i].r_metrics);
}
END_TEST

/* ---- results.json ---- */

START_TEST(test_load_fixture)
{
	char err[ERR_LEN];
	struct results *rs = results_load(GOLDEN "/set-a", err);
	const struct scen_result *s;
	double v;

	ck_assert_msg(rs != NULL, "the fixture loads: %s", err);
	ck_assert_str_eq(rs->rs_platform, "ref");
	ck_assert_str_eq(rs->rs_dir, GOLDEN "/set-a");
	ck_assert_int_eq(rs->rs_nscen, 5);
	s = &rs->rs_scen[1];
	ck_assert_str_eq(s->s_name, "live-migration");
	ck_assert_int_eq(s->s_nruns, 3);
	ck_assert_int_eq(s->s_runs[0].r_ntimelines, 1);
	ck_assert_msg(s->s_runs[0].r_timelines[0].tl_has_window,
	    "the downtime window is read");
	ck_assert_int_eq(s->s_runs[0].r_timelines[0].tl_nevents, 1);
	ck_assert_int_eq(metrics_get(&s->s_runs[0].r_metrics, "tcp_survived",
	    &v), 0);
	ck_assert_msg(v == 1, "a boolean metric reads as 1");
	ck_assert_int_eq(rs->rs_scen[4].s_verdict, VERDICT_UNSUPPORTED);
	results_free(rs);
}
END_TEST

/* 101 runs of one scenario: one more than hvlab run makes (--repeat
 * 1..100).  The HTML report is a table of metrics by runs, so runs
 * without a bound let a 57 KB file (2000 runs, 2000 metrics) write a
 * 64 MB report.html, and ten times the file a hundred times that. */
#define RUN	"{\"verdict\": \"pass\"}, "
#define RUNS10	RUN RUN RUN RUN RUN RUN RUN RUN RUN RUN
#define RUNS101	RUNS10 RUNS10 RUNS10 RUNS10 RUNS10 RUNS10 RUNS10 RUNS10 \
	RUNS10 RUNS10 "{\"verdict\": \"pass\"}"

static const struct {
	const char *json;
	const char *want;	/* substring of the error */
} bad_results[] = {
	{ "[]", "must be a JSON object" },
	{ "{\"scenarios\": []}", "'platform'" },
	{ "{\"platform\": \"p\"}", "'scenarios'" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"maybe\"}]}", "scenarios[0].verdict: unknown "
	    "verdict 'maybe'" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"pass\", \"metrics\": {\"lost\": \"4\"}}]}",
	    "scenarios[0].metrics.lost must be a number" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"pass\", \"runs\": [{\"verdict\": \"pass\", "
	    "\"timelines\": [{\"file\": \"../../etc/passwd\"}]}]}]}",
	    "timelines[0].file must be a path inside the results directory" },
	{ "{\"platform\": 7, \"scenarios\": []}", "'platform' must be a "
	    "string" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"verdict\": \"pass\"}]}",
	    "scenarios[0]: 'name'" },
	{ "{\"platform\": \"p\", \"started\": \"2026-11-26T07:00:00\", "
	    "\"scenarios\": []}", "must be ISO 8601 times with their time "
	    "zone" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"pass\", \"bounds\": {\"x_max\": \"9\"}}]}",
	    "scenarios[0].bounds.x_max must be a number" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"pass\", \"load_before\": [1, 2]}]}",
	    "scenarios[0].load_before must be an array of 3 numbers" },
	{ "{\"platform\": \"p\", \"scenarios\": [{\"name\": \"x\", "
	    "\"verdict\": \"pass\", \"runs\": [" RUNS101 "]}]}",
	    "scenarios[0].runs: 101 runs; hvlab run makes at most 100" },
};

START_TEST(test_load_refuses_bad_files)
{
	char path[] = "/tmp/hvlab-check-report-XXXXXX", err[ERR_LEN] = "";
	struct results *rs;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(bad_results[_i].json, f);
	fclose(f);
	rs = results_load(path, err);
	unlink(path);
	ck_assert_msg(rs == NULL, "bad results file %d is refused", _i);
	ck_assert_msg(strstr(err, bad_results[_i].want) != NULL,
	    "the error names the member: got '%s', want '%s'", err,
	    bad_results[_i].want);
}
END_TEST

START_TEST(test_write_then_load)
{
	char dir[] = "/tmp/hvlab-check-report-XXXXXX", path[256],
	    err[ERR_LEN];
	struct results *rs = calloc(1, sizeof(*rs)), *back;
	struct scen_result *s;
	struct run *r;
	struct timeline *tl;
	double v;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	rs->rs_platform = strdup("ref");
	rs->rs_cpus = 2;
	s = results_add_scenario(rs, "live-migration", "Live migration");
	r = scen_add_run(s);
	r->r_verdict = VERDICT_PASS;
	metrics_set(&r->r_metrics, "downtime_ms", 41.7);
	metrics_set(&r->r_metrics, "lost", 4);
	tl = run_add_timeline(r, "raw/x.csv", "ping");
	tl->tl_has_window = 1;
	tl->tl_down_start_s = 1.5;
	tl->tl_down_end_s = 1.55;
	timeline_add_event(tl, 1.4, "migrate-start");
	scen_add_artifact(s, "raw/x.csv");
	metrics_set(&s->s_bounds, "downtime_ms_max", 2000);
	scen_add_param(s, "interval_us", "2000");
	scen_add_param(s, "fault", "power-pull");
	s->s_has_load = 1;
	s->s_load_before[0] = 0.25;
	s->s_load_after[2] = 1.5;
	rs->rs_platform_version = strdup("hvd 0.1.0");
	rs->rs_started = strdup("2026-11-26T07:00:00.000Z");
	metrics_median(s->s_runs, s->s_nruns, &s->s_metrics);
	s->s_verdict = VERDICT_PASS;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	ck_assert_msg(results_write(rs, path, err) == 0, "written: %s", err);
	back = results_load(dir, err);
	ck_assert_msg(back != NULL, "read back: %s", err);
	ck_assert_str_eq(back->rs_scen[0].s_row, "Live migration");
	ck_assert_int_eq(metrics_get(&back->rs_scen[0].s_metrics,
	    "downtime_ms", &v), 0);
	ck_assert_msg(v == 41.7, "a metric survives the round trip");
	tl = &back->rs_scen[0].s_runs[0].r_timelines[0];
	ck_assert_str_eq(tl->tl_events[0].ev_name, "migrate-start");
	ck_assert_msg(tl->tl_has_window && tl->tl_down_end_s == 1.55,
	    "the downtime window survives the round trip");
	ck_assert_str_eq(back->rs_scen[0].s_artifacts[0], "raw/x.csv");
	ck_assert_str_eq(back->rs_platform_version, "hvd 0.1.0");
	ck_assert_msg(metrics_get(&back->rs_scen[0].s_bounds,
	    "downtime_ms_max", &v) == 0 && v == 2000,
	    "the bounds survive the round trip");
	ck_assert_msg(back->rs_scen[0].s_nparams == 2 &&
	    strcmp(back->rs_scen[0].s_params[0].p_value, "2000") == 0 &&
	    strcmp(back->rs_scen[0].s_params[1].p_value, "power-pull") == 0,
	    "the parameters survive the round trip");
	ck_assert_msg(metrics_get(&back->rs_scen[0].s_metrics, "interval_us",
	    &v) == -1, "a parameter is never a metric");
	ck_assert_msg(back->rs_scen[0].s_has_load &&
	    back->rs_scen[0].s_load_before[0] == 0.25 &&
	    back->rs_scen[0].s_load_after[2] == 1.5,
	    "the load before and after survives the round trip");
	results_free(back);
	results_free(rs);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- comparing sets measured alike ---- */

START_TEST(test_comparison_check)
{
	struct results *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct results *sets[2] = { a, b };
	struct scen_result *sa, *sb;
	struct comparison c;
	char err[ERR_LEN], col[64];

	a->rs_platform = strdup("ref");
	b->rs_platform = strdup("proxmox");
	a->rs_suite = strdup("table-3.1");
	b->rs_suite = strdup("table-3.1");
	b->rs_label = strdup("pve8");
	sa = results_add_scenario(a, "live-migration", "Live migration");
	sb = results_add_scenario(b, "live-migration", "Live migration");
	metrics_set(&sa->s_bounds, "downtime_ms_max", 2000);
	metrics_set(&sb->s_bounds, "downtime_ms_max", 2000);
	ck_assert_int_eq(comparison_build(&c, sets, 2, err), 0);
	ck_assert_msg(comparison_check(&c, err) == 0, "sets measured alike "
	    "compare: %s", err);
	results_column_name(b, col, sizeof(col));
	ck_assert_str_eq(col, "proxmox (pve8)");
	metrics_set(&sb->s_bounds, "downtime_ms_max", 5000);
	ck_assert_int_eq(comparison_check(&c, err), -1);
	ck_assert_msg(strcmp(err, "bounds of live-migration differ: "
	    "downtime_ms_max is 2000 in ref, 5000 in proxmox (pve8)") == 0,
	    "other bounds are refused, named: %s", err);
	metrics_free(&sb->s_bounds);
	ck_assert_int_eq(comparison_check(&c, err), -1);
	ck_assert_msg(strstr(err, "2000 in ref, not set in proxmox") != NULL,
	    "a bound one set lacks is a difference: %s", err);
	metrics_set(&sb->s_bounds, "downtime_ms_max", 2000);
	free(b->rs_suite);
	b->rs_suite = strdup("quick");
	ck_assert_int_eq(comparison_check(&c, err), -1);
	ck_assert_msg(strcmp(err, "suites differ: table-3.1 (ref) and quick "
	    "(proxmox (pve8))") == 0, "another suite is refused: %s", err);
	comparison_free(&c);
	results_free(a);
	results_free(b);
}
END_TEST

START_TEST(test_ts_zone)
{
	ck_assert(results_ts_has_zone("2026-11-26T07:29:37.288Z"));
	ck_assert(results_ts_has_zone("2026-11-26T08:29:37+01:00"));
	ck_assert(!results_ts_has_zone("2026-11-26T07:29:37"));
	ck_assert(!results_ts_has_zone("yesterday"));
}
END_TEST

/* ---- timeline parser ---- */

struct tl_count {
	int recv, lost, events;
	double last_t;
};

static void
count_row(void *arg, double t, double rtt, const char *ev)
{
	struct tl_count *c = arg;

	if (ev != NULL)
		c->events++;
	if (rtt >= 0)
		c->recv++;
	else if (rtt == -1)
		c->lost++;
	c->last_t = t;
}

START_TEST(test_timeline_parse)
{
	struct tl_count c = { 0, 0, 0, 0 };
	char err[ERR_LEN];
	FILE *f = fopen(GOLDEN "/set-a/raw/live-migration-1-ping.csv", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_msg(report_timeline_parse(f, "t.csv", count_row, &c, err) ==
	    0, "the probe's CSV parses: %s", err);
	fclose(f);
	ck_assert_msg(c.recv == 7 && c.lost == 4, "7 replies and 4 lost "
	    "(a never-sent slot is skipped), not %d and %d", c.recv, c.lost);
	ck_assert_msg(fabs(c.last_t - 0.11) < 1e-9, "sent_ms is in ms");
}
END_TEST

START_TEST(test_timeline_parse_errors)
{
	static const char *const bad[][2] = {
		{ "seq,foo\n1,2\n", "t.csv:1: the header needs" },
		{ "t_s,rtt_ms\n0.1,x\n", "t.csv:2: bad rtt_ms 'x'" },
		{ "t_s,rtt_ms\nnan,1\n", "t.csv:2: bad time 'nan'" },
		{ "", "t.csv: empty timeline" },
	};
	struct tl_count c = { 0, 0, 0, 0 };
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fmemopen((void *)bad[i][0], strlen(bad[i][0]) + 1,
		    "r");

		if (bad[i][0][0] == '\0') {
			fclose(f);
			f = fopen("/dev/null", "r");
		}
		ck_assert_int_eq(report_timeline_parse(f, "t.csv", count_row,
		    &c, err), -1);
		ck_assert_msg(strncmp(err, bad[i][1], strlen(bad[i][1])) == 0,
		    "timeline error names file:line: %s", err);
		fclose(f);
	}
}
END_TEST

/* ---- golden files ---- */

struct sets {
	struct results *rs[2];
	struct comparison cmp;
};

static void
sets_load(struct sets *s)
{
	char err[ERR_LEN];

	s->rs[0] = results_load(GOLDEN "/set-a", err);
	ck_assert_msg(s->rs[0] != NULL, "%s", err);
	s->rs[1] = results_load(GOLDEN "/set-b", err);
	ck_assert_msg(s->rs[1] != NULL, "%s", err);
	ck_assert_int_eq(comparison_build(&s->cmp, s->rs, 2, err), 0);
}

static void
sets_free(struct sets *s)
{
	comparison_free(&s->cmp);
	results_free(s->rs[0]);
	results_free(s->rs[1]);
}

static void
golden_compare(const char *name, const char *got)
{
	char path[256], *want;
	FILE *f;

	snprintf(path, sizeof(path), GOLDEN "/%s", name);
	if (getenv("HVLAB_UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = slurp(path);
	ck_assert_msg(want != NULL, "%s exists", path);
	ck_assert_msg(strcmp(got, want) == 0, "%s matches its golden file "
	    "(HVLAB_UPDATE_GOLDEN=1 rewrites it); got:\n%s", name, got);
	free(want);
}

enum writer { W_MD, W_CSV, W_JUNIT, W_HTML };

static char *
render(struct sets *s, enum writer w)
{
	char *buf = NULL, err[ERR_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -1;

	switch (w) {
	case W_MD: rc = report_md(f, &s->cmp); break;
	case W_CSV: rc = report_csv(f, &s->cmp); break;
	case W_JUNIT: rc = report_junit(f, &s->cmp); break;
	case W_HTML: rc = report_html(f, &s->cmp, NULL, ".", err); break;
	}
	fclose(f);
	ck_assert_int_eq(rc, 0);
	return buf;
}

START_TEST(test_golden_md)
{
	struct sets s;
	char *out;

	sets_load(&s);
	ck_assert_int_eq(s.cmp.cmp_nrows, 6);
	ck_assert_msg(strcmp(s.cmp.cmp_rows[5], "bonding") == 0,
	    "rows only the second set has come after the first set's");
	out = render(&s, W_MD);
	ck_assert_msg(strstr(out, "| Live migration | pass \xe2\x80\x94 38 "
	    "(30\xe2\x80\x93" "45) ms downtime, 4 (3\xe2\x80\x93" "5)/600 lost, "
	    "QEMU 18 (15\xe2\x80\x93" "20) ms | pass \xe2\x80\x94 120 "
	    "(110\xe2\x80\x93" "131) ms downtime, 12 (11\xe2\x80\x93" "13)/600 "
	    "lost |") != NULL, "the live migration row "
	    "compares both platforms, each figure with its runs' spread");
	ck_assert_msg(strstr(out, "hvd has no load balancing yet \\| later") !=
	    NULL, "a '|' in a reason cannot break the table");
	ck_assert_msg(strstr(out, "| live-migration | `downtime_ms` | 38 | "
	    "120 | 3.17 |") != NULL, "figures compared carry a ratio to the "
	    "first set");
	golden_compare("compare.md", out);
	free(out);
	sets_free(&s);
}
END_TEST

START_TEST(test_golden_csv)
{
	struct sets s;
	char *out;

	sets_load(&s);
	out = render(&s, W_CSV);
	ck_assert_msg(strstr(out, "\"bonding: not tested, the switch, "
	    "\"\"x\"\"\"") != NULL, "CSV quotes fields with commas and "
	    "quotes");
	golden_compare("compare.csv", out);
	free(out);
	sets_free(&s);
}
END_TEST

/*
 * Text from a results file is data: in results.csv a cell that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * neutralised with a leading apostrophe, and in report.md no HTML tag
 * or entity from a result reaches the page.
 */
START_TEST(test_hostile_text)
{
	struct sets s;
	char err[ERR_LEN], *out;

	s.rs[0] = results_load(GOLDEN "/set-hostile", err);
	ck_assert_msg(s.rs[0] != NULL, "%s", err);
	ck_assert_int_eq(comparison_build(&s.cmp, s.rs, 1, err), 0);
	out = render(&s, W_CSV);
	ck_assert_msg(strstr(out, "\n=") == NULL && strstr(out, ",=") ==
	    NULL && strstr(out, ",\"=") == NULL && strstr(out, ",+") ==
	    NULL && strstr(out, ",@") == NULL && strstr(out, ",-2") ==
	    NULL, "no CSV cell starts a formula:\n%s", out);
	ck_assert_msg(strstr(out, "'=HYPERLINK") != NULL && strstr(out,
	    "'+Installation") != NULL && strstr(out, "'@Cluster") != NULL &&
	    strstr(out, "'-2+3") != NULL, "the text is kept behind an "
	    "apostrophe:\n%s", out);
	ck_assert_msg(strstr(out, ",-1\r\n") != NULL, "a negative number "
	    "stays a number:\n%s", out);
	free(out);
	out = render(&s, W_MD);
	ck_assert_msg(strstr(out, "<script") == NULL && strstr(out, "<img") ==
	    NULL, "no tag from a result reaches report.md:\n%s", out);
	ck_assert_msg(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &lt;img") != NULL, "it is shown as text:\n%s", out);
	free(out);
	comparison_free(&s.cmp);
	results_free(s.rs[0]);
}
END_TEST

START_TEST(test_golden_html)
{
	struct sets s;
	char *out;

	sets_load(&s);
	out = render(&s, W_HTML);
	ck_assert_msg(strstr(out, "&quot;qemu&quot; &lt;died&gt; &amp; gone")
	    != NULL, "reasons are escaped in HTML");
	ck_assert_msg(strstr(out, "http://") == NULL &&
	    strstr(out, "https://") == NULL, "the HTML loads nothing from "
	    "outside");
	golden_compare("compare.html", out);
	free(out);
	sets_free(&s);
}
END_TEST

/*
 * A tiny XML well-formedness checker: elements nest and close in order,
 * attribute values are quoted, '&' starts a known entity or a character
 * reference, no '<' in text or attributes.  Enough for JUnit files.
 */
static const char *
xml_ref(const char *p)
{
	static const char *const ents[] = { "&lt;", "&gt;", "&amp;",
	    "&quot;", "&apos;", NULL };
	int i;

	for (i = 0; ents[i]; i++)
		if (strncmp(p, ents[i], strlen(ents[i])) == 0)
			return p + strlen(ents[i]);
	if (p[1] == '#') {
		p += 2;
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
		return *p == ';' ? p + 1 : NULL;
	}
	return NULL;
}

static int
xml_well_formed(const char *p, char *why, size_t len)
{
	char stack[32][64];
	int depth = 0, seen_root = 0;

	if (strncmp(p, "<?xml ", 6) == 0 && (p = strstr(p, "?>")) != NULL)
		p += 2;
	while (p && *p) {
		if (*p == '&') {
			if ((p = xml_ref(p)) == NULL)
				return snprintf(why, len, "bad entity"), 0;
			continue;
		}
		if (*p != '<') {
			if (depth == 0 && !isspace((unsigned char)*p))
				return snprintf(why, len, "text outside the "
				    "root"), 0;
			p++;
			continue;
		}
		if (p[1] == '/') {
			size_t n = strcspn(p + 2, ">");

			if (depth == 0 || strlen(stack[depth - 1]) != n ||
			    strncmp(stack[depth - 1], p + 2, n) != 0)
				return snprintf(why, len, "</%.*s> closes "
				    "nothing open", (int)n, p + 2), 0;
			depth--;
			p += n + 3;
			continue;
		}
		/* start tag */
		{
			size_t n = strcspn(p + 1, " />");
			const char *q = p + 1 + n;

			if (n == 0 || n >= 64 || depth == 32)
				return snprintf(why, len, "bad tag"), 0;
			if (depth == 0 && seen_root++)
				return snprintf(why, len, "two roots"), 0;
			snprintf(stack[depth], 64, "%.*s", (int)n, p + 1);
			for (;;) {
				while (isspace((unsigned char)*q))
					q++;
				if (*q == '>' || (q[0] == '/' && q[1] == '>'))
					break;
				while (isalnum((unsigned char)*q) ||
				    *q == '_' || *q == '-' || *q == ':')
					q++;
				if (q[0] != '=' || q[1] != '"')
					return snprintf(why, len, "unquoted "
					    "attribute in <%s>", stack[depth]),
					    0;
				q += 2;
				while (*q && *q != '"') {
					if (*q == '<')
						return snprintf(why, len, "'<' "
						    "in an attribute"), 0;
					if (*q == '&') {
						if ((q = xml_ref(q)) == NULL)
							return snprintf(why,
							    len, "bad entity "
							    "in attribute"), 0;
						continue;
					}
					q++;
				}
				if (*q++ != '"')
					return snprintf(why, len, "open "
					    "attribute"), 0;
			}
			if (*q == '/')
				q += 2;
			else {
				q++;
				depth++;
			}
			p = q;
		}
	}
	if (depth != 0)
		return snprintf(why, len, "<%s> never closed",
		    stack[depth - 1]), 0;
	return seen_root ? 1 : (snprintf(why, len, "no root"), 0);
}

START_TEST(test_golden_junit)
{
	struct sets s;
	char *out, why[128] = "";

	sets_load(&s);
	out = render(&s, W_JUNIT);
	ck_assert_msg(xml_well_formed(out, why, sizeof(why)),
	    "junit.xml is well-formed XML: %s", why);
	ck_assert_msg(strstr(out, "<failure message=\"failover_s 95 &gt; "
	    "60\"/>") != NULL, "a failed scenario is a <failure>");
	ck_assert_msg(strstr(out, "<error message=\"step 3") != NULL,
	    "an errored scenario is an <error>");
	ck_assert_msg(strstr(out, "<skipped message=\"balance: hvd has no "
	    "load balancing yet | later\"/>") != NULL,
	    "an unsupported scenario is <skipped> with its reason");
	ck_assert_msg(strstr(out, "<testsuite name=\"ref\" tests=\"5\" "
	    "failures=\"1\" errors=\"1\" skipped=\"1\"") != NULL,
	    "the suite counts its verdicts");
	golden_compare("compare.junit.xml", out);
	free(out);
	sets_free(&s);
}
END_TEST

/* '|' in a Markdown line that split cells ('\\' escapes what follows). */
static int
md_pipes(const char *line, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++)
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			n++;
	return n;
}

/* The first table line of md that has another number of cells than its
 * table's header, or does not end its row; NULL when there is none. */
static const char *
md_bad_row(const char *md)
{
	const char *p, *e;
	int want = -1, n;

	for (p = md; *p; p = *e ? e + 1 : e) {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		if (*p != '|') {
			want = -1;
			continue;
		}
		n = md_pipes(p, (size_t)(e - p));
		if (want == -1)
			want = n;
		if (n != want || e[-1] != '|')
			return p;
	}
	return NULL;
}

/* The CRLF records of an RFC 4180 text, or -1 when one has other than
 * nfields fields. */
static int
csv_records(const char *s, int nfields)
{
	int quoted = 0, fields = 1, n = 0;

	for (; *s; s++)
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == ',')
			fields++;
		else if (!quoted && s[0] == '\r' && s[1] == '\n') {
			if (fields != nfields)
				return -1;
			n++;
			fields = 1;
			s++;
		}
	return n;
}

/*
 * Every string of results.json a report shows is escaped for its format.
 * set-script has "<script>alert(1)</script>|x\n" in each (platform and
 * its version, provider, suite, hvlab's version, times, accelerator, a
 * scenario's name and row, reasons, a metric's name) and a reason with
 * quotes, a backtick, a link and a '\\' before a '|'; it is compared with
 * itself under a label of the same.  A CSV's text is data a spreadsheet
 * shows, not HTML: it stays as it was, inside quotes.
 */
START_TEST(test_every_string_escaped)
{
	struct sets s;
	char err[ERR_LEN], *out, why[128] = "";
	const char *bad;

	s.rs[0] = results_load(GOLDEN "/set-script", err);
	ck_assert_msg(s.rs[0] != NULL, "%s", err);
	s.rs[1] = results_load(GOLDEN "/set-script", err);
	ck_assert_msg(s.rs[1] != NULL, "%s", err);
	s.rs[1]->rs_label = strdup(s.rs[1]->rs_platform);
	ck_assert_int_eq(comparison_build(&s.cmp, s.rs, 2, err), 0);
	out = render(&s, W_MD);
	ck_assert_msg(strstr(out, "<script") == NULL && strstr(out,
	    "</script") == NULL, "no tag reaches report.md:\n%s", out);
	ck_assert_msg((bad = md_bad_row(out)) == NULL, "every table row of "
	    "report.md is one line with its table's cells: %.80s", bad);
	ck_assert_msg(strstr(out, "[a](") == NULL, "no link from a result "
	    "in report.md:\n%s", out);
	free(out);
	out = render(&s, W_HTML);
	ck_assert_msg(strstr(out, "<script") == NULL, "no tag reaches "
	    "report.html");
	ck_assert_msg(strstr(out, "\" onmouseover") == NULL && strstr(out,
	    "'alert(2)'") == NULL && strstr(out, "&quot; onmouseover="
	    "&#39;alert(2)&#39;") != NULL, "quotes from a result are "
	    "entities in report.html");
	free(out);
	out = render(&s, W_JUNIT);
	ck_assert_msg(strstr(out, "<script") == NULL, "no tag reaches "
	    "junit.xml");
	ck_assert_msg(xml_well_formed(out, why, sizeof(why)), "junit.xml is "
	    "well-formed: %s", why);
	free(out);
	out = render(&s, W_CSV);
	ck_assert_msg(csv_records(out, 9) == 7, "results.csv keeps its 7 "
	    "records of 9 fields:\n%s", out);
	ck_assert_msg(strstr(out, ",\"<script>alert(1)</script>|x\n\",") !=
	    NULL, "the text is kept as it was, quoted");
	free(out);
	sets_free(&s);
}
END_TEST

START_TEST(test_xml_checker_catches_errors)
{
	static const char *const bad[] = {
		"<a><b></a></b>", "<a x=1/>", "<a>&bogus;</a>", "<a>", "<a/><b/>",
		"<a x=\"<\"/>",
	};
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!xml_well_formed(bad[i], why, sizeof(why)),
		    "the XML checker refuses %s", bad[i]);
	ck_assert(xml_well_formed("<a x=\"1 &amp; 2\"><b/>t&#10;</a>", why,
	    sizeof(why)));
}
END_TEST

/* ---- scale ---- */

/*
 * A results.json of 300000 metrics, in one scenario (and its run) or one
 * per scenario, compared with itself: every writer's output is whole.
 * Each metric was looked up by a walk of those before it (metrics_set
 * while loading, metrics_get per figure and per run) and each scenario by
 * a walk of the rows, so `hvlab report` took 243 s on the first.  The
 * scale case's timeout (BIG_TIMEOUT_S times CK_TIMEOUT_MULTIPLIER) is
 * the only clock here.
 */
#define BIG_N 300000
#define BIG_TIMEOUT_S 10

static void
big_metrics(FILE *f)
{
	int i;

	for (i = 0; i < BIG_N; i++)
		fprintf(f, "%s\"m%06d_ms\": %d", i ? ", " : "", i, i % 997);
}

/* DIR/results.json: one scenario of BIG_N metrics with a run of the
 * same, or (many) BIG_N scenarios of one metric each. */
static void
big_results(const char *path, int many)
{
	FILE *f = fopen(path, "w");
	int i;

	ck_assert_ptr_nonnull(f);
	fputs("{\"tool\": \"hvlab\", \"platform\": \"ref\", "
	    "\"suite\": \"big\",\n \"scenarios\": [\n", f);
	for (i = 0; many && i < BIG_N; i++)
		fprintf(f, "%s{\"name\": \"s%06d\", \"verdict\": \"pass\", "
		    "\"metrics\": {\"m_ms\": %d}}\n", i ? "," : "", i,
		    i % 997);
	if (!many) {
		fputs("{\"name\": \"big\", \"verdict\": \"pass\", "
		    "\"metrics\": {", f);
		big_metrics(f);
		fputs("},\n \"runs\": [{\"verdict\": \"pass\", "
		    "\"metrics\": {", f);
		big_metrics(f);
		fputs("}}]}\n", f);
	}
	fputs("]}\n", f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Lines ending in CRLF, counted by hand: ASan's strstr measures the
 * whole rest of the text on every call. */
static size_t
count_crlf(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (s[0] == '\r' && s[1] == '\n')
			n++;
	return n;
}

/*
 * The last metric (299999 % 997 is 899) in each writer's output.  The
 * set of 300000 scenarios skips html and junit: a section (a testcase)
 * per scenario of each set is 224 MB of HTML, and the rows are found
 * the same way as for md and csv.
 */
static const struct {
	const char *md, *html, *junit;
} big_want[] = {
	{ "| big | `m299999_ms` | 899 | 899 | 1.00 |",
	    "<code>m299999_ms</code></td><td>899</td><td>899</td><td>899"
	    "</td><td>899</td>", "m299999_ms=899</system-out>" },
	{ "| s299999 | `m_ms` | 899 | 899 | 1.00 |", NULL, NULL },
};

/* The set loaded once, compared with itself (figures compared, ratios). */
static void
big_load(struct sets *s, int many)
{
	char dir[] = "/tmp/hvlab-check-report-XXXXXX", path[256];
	char err[ERR_LEN];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/results.json", dir);
	big_results(path, many);
	s->rs[0] = results_load(dir, err);
	unlink(path);
	rmdir(dir);
	ck_assert_msg(s->rs[0] != NULL, "%s", err);
	s->rs[1] = s->rs[0];
	ck_assert_int_eq(comparison_build(&s->cmp, s->rs, 2, err), 0);
	ck_assert_msg(s->cmp.cmp_nrows == (many ? BIG_N : 1), "a row per "
	    "scenario");
}

START_TEST(test_big_results)
{
	struct sets s;
	char *out;

	big_load(&s, _i);
	out = render(&s, W_MD);
	ck_assert_msg(strstr(out, big_want[_i].md) != NULL, "report.md "
	    "compares the last figure");
	free(out);
	out = render(&s, W_CSV);
	ck_assert_msg(count_crlf(out) == 1 + 2 * (size_t)BIG_N,
	    "results.csv has a line per set and metric");
	free(out);
	if (big_want[_i].html != NULL) {
		out = render(&s, W_HTML);
		ck_assert_msg(strstr(out, big_want[_i].html) != NULL,
		    "report.html shows the last figure");
		free(out);
		out = render(&s, W_JUNIT);
		ck_assert_msg(strstr(out, big_want[_i].junit) != NULL,
		    "junit.xml has the last figure");
		free(out);
	}
	comparison_free(&s.cmp);
	results_free(s.rs[0]);
}
END_TEST

Suite *
make_report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("writers");

	tcase_add_loop_test(tc, test_key_figures, 0,
	    sizeof(figure_cases) / sizeof(figure_cases[0]));
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_medians);
	tcase_add_test(tc, test_load_fixture);
	tcase_add_loop_test(tc, test_load_refuses_bad_files, 0,
	    sizeof(bad_results) / sizeof(bad_results[0]));
	tcase_add_test(tc, test_write_then_load);
	tcase_add_test(tc, test_comparison_check);
	tcase_add_test(tc, test_ts_zone);
	tcase_add_test(tc, test_timeline_parse);
	tcase_add_test(tc, test_timeline_parse_errors);
	tcase_add_test(tc, test_golden_md);
	tcase_add_test(tc, test_golden_csv);
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_every_string_escaped);
	tcase_add_test(tc, test_golden_html);
	tcase_add_test(tc, test_golden_junit);
	tcase_add_test(tc, test_xml_checker_catches_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("scale");
	tcase_set_timeout(tc, BIG_TIMEOUT_S);
	tcase_add_loop_test(tc, test_big_results, 0,
	    sizeof(big_want) / sizeof(big_want[0]));
	suite_add_tcase(s, tc);
	return s;
}
