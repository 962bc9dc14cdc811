/*
 * check_suite.c - the scenario suite loader (scenarios/suite.c): every
 * tests/config/suite-pass-*.yaml loads, every suite-fail-*.yaml fails with
 * exactly the messages in its suite-fail-*.err, the root scenarios.yaml
 * loads, and the loaded structures hold what the file says; and the
 * runner's verdict from bounds (runner_check_bounds).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "reports/report.h"
#include "scenarios/runner.h"
#include "scenarios/suite.h"

#define CONFIG_DIR "config"

static char *
slurp(const char *path, size_t *len)
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
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Load config/NAME under its base name (messages say "NAME:LINE: ..."),
 * errors captured into *msgs. */
static struct suite_file *
load_named(const char *name, char **msgs, char *err)
{
	char path[512], *text;
	struct suite_file *sf;
	size_t len, mlen;
	FILE *m;

	snprintf(path, sizeof(path), CONFIG_DIR "/%s", name);
	text = slurp(path, &len);
	ck_assert_msg(text != NULL, "%s can be read", path);
	m = open_memstream(msgs, &mlen);
	sf = suite_load_string(name, text, len, m, err);
	fclose(m);
	free(text);
	return sf;
}

static int
list_files(const char *prefix, const char *suffix, char names[][256],
    int max)
{
	DIR *d = opendir(CONFIG_DIR);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "tests/config exists");
	while ((de = readdir(d)) != NULL && n < max) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);

		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    l > sl && strcmp(de->d_name + l - sl, suffix) == 0)
			snprintf(names[n++], 256, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

START_TEST(test_pass_files_load)
{
	char names[64][256], err[ERR_LEN], *msgs = NULL;
	struct suite_file *sf;
	int i, n = list_files("suite-pass-", ".yaml", names, 64);

	ck_assert_msg(n >= 2, "there are suite-pass-*.yaml files");
	for (i = 0; i < n; i++) {
		sf = load_named(names[i], &msgs, err);
		ck_assert_msg(sf != NULL, "%s loads, but: %s", names[i],
		    msgs);
		suite_file_free(sf);
		free(msgs);
		msgs = NULL;
	}
}
END_TEST

START_TEST(test_fail_files_report_every_error)
{
	char names[64][256], err[ERR_LEN], errpath[512], *msgs = NULL, *want;
	struct suite_file *sf;
	int i, n = list_files("suite-fail-", ".yaml", names, 64);

	ck_assert_msg(n >= 4, "there are suite-fail-*.yaml files");
	for (i = 0; i < n; i++) {
		sf = load_named(names[i], &msgs, err);
		ck_assert_msg(sf == NULL, "%s is refused", names[i]);
		snprintf(errpath, sizeof(errpath), CONFIG_DIR "/%.*s.err",
		    (int)(strlen(names[i]) - 5), names[i]);
		want = slurp(errpath, NULL);
		ck_assert_msg(want != NULL, "%s exists", errpath);
		ck_assert_msg(strcmp(msgs, want) == 0,
		    "%s gives the messages of its .err file:\n--- got\n%s"
		    "--- want\n%s", names[i], msgs, want);
		ck_assert_msg(strstr(err, "error") != NULL,
		    "the load's own error counts the errors: %s", err);
		free(want);
		free(msgs);
		msgs = NULL;
	}
}
END_TEST

START_TEST(test_loaded_structure)
{
	char err[ERR_LEN], *msgs = NULL;
	struct suite_file *sf = load_named("suite-pass-steps.yaml", &msgs,
	    err);
	const struct scenario *sc;
	const struct suite *su;
	const struct step *st;

	ck_assert_msg(sf != NULL, "suite-pass-steps.yaml loads: %s", msgs);
	ck_assert_str_eq(sf->sf_default_suite, "all");
	su = suite_find(sf, "all");
	ck_assert_ptr_nonnull(su);
	ck_assert_int_eq(su->su_nscenarios, 2);
	ck_assert_str_eq(su->su_scenarios[0], "live-migration");
	su = suite_find(sf, "one");
	ck_assert_msg(su && su->su_nscenarios == 1,
	    "a scalar is a list of one");
	sc = suite_scenario_find(sf, "live-migration");
	ck_assert_ptr_nonnull(sc);
	ck_assert_str_eq(sc->sc_row, "Live migration");
	ck_assert_int_eq(sc->sc_repeat, 3);
	ck_assert_int_eq(sc->sc_nprobes, 2);
	ck_assert_int_eq(sc->sc_nbounds, 3);
	ck_assert_str_eq(sc->sc_bounds[0].bd_metric, "downtime_ms");
	ck_assert_msg(sc->sc_bounds[0].bd_is_max && sc->sc_bounds[0].bd_limit
	    == 2000, "downtime_ms_max is an upper bound of 2000");
	ck_assert_msg(!sc->sc_bounds[2].bd_is_max, "_min is a lower bound");
	ck_assert_int_eq(sc->sc_nsteps, 25);
	ck_assert_int_eq(sc->sc_ncleanup, 1);
	st = &sc->sc_steps[0];
	ck_assert_str_eq(st->st_def->sd_action, "platform.install");
	ck_assert_str_eq(step_param_get(st->st_params, st->st_nparams,
	    "hosts"), "host1 host2");
	st = &sc->sc_steps[11];
	ck_assert_str_eq(st->st_def->sd_action, "vm.migrate");
	ck_assert_str_eq(step_param_get(st->st_params, st->st_nparams, "to"),
	    "host2");
	ck_assert_int_eq(st->st_line, 28);
	sc = suite_scenario_find(sf, "resources");
	ck_assert_str_eq(sc->sc_builtin, "resources");
	ck_assert_str_eq(step_param_get(sc->sc_params, sc->sc_nparams,
	    "vcpus_try"), "1 2 4");
	suite_file_free(sf);
	free(msgs);
}
END_TEST

START_TEST(test_root_scenarios_yaml)
{
	char err[ERR_LEN] = "";
	struct suite_file *sf;
	const struct suite *su;
	static const char *const rows[] = {
		"install", "shared-storage", "cluster", "migration",
		"virt-methods", "architecture", "guest-os", "resources",
		"network", "snapshot", "backup-restore", "monitoring",
		"clone-template", "import-export", "ha", "live-migration",
		"load-balancing", "bonding"
	};
	size_t i;

	sf = suite_load("../scenarios.yaml", stderr, err);
	ck_assert_msg(sf != NULL, "the shipped scenarios.yaml loads: %s",
	    err);
	su = suite_find(sf, sf->sf_default_suite);
	ck_assert_ptr_nonnull(su);
	ck_assert_msg(su->su_nscenarios == 18,
	    "the default suite is the study's 18 rows");
	for (i = 0; i < 18; i++)
		ck_assert_msg(strcmp(su->su_scenarios[i], rows[i]) == 0,
		    "row %zu of Table 3.1 is %s", i + 1, rows[i]);
	for (i = 0; i < sf->sf_nscenarios; i++)
		ck_assert_msg(sf->sf_scenarios[i].sc_fake_clock ==
		    (strcmp(sf->sf_scenarios[i].sc_name, "drill-clock-step") ==
		    0), "only the clock drill asks for host clocks (%s)",
		    sf->sf_scenarios[i].sc_name);
	suite_file_free(sf);
}
END_TEST

START_TEST(test_missing_file)
{
	char err[ERR_LEN];

	ck_assert_ptr_null(suite_load("config/no-such-file.yaml", NULL, err));
	ck_assert_msg(strstr(err, "no-such-file.yaml") != NULL,
	    "the error names the file: %s", err);
}
END_TEST

/*
 * Aliases that multiply a long scalar: a builtin's list param of 2000
 * uses of one 1000-byte value was joined into 2 MB by repeated strcat
 * (40000 uses took tens of seconds).  It is refused at the list's line,
 * as is an alias inside the node it names (a cycle).
 */
static char *
amplified_text(int uses, size_t len)
{
	char *text = NULL;
	size_t n = 0, i;
	FILE *f = open_memstream(&text, &n);
	int j;

	fputs("scenarios:\n  - name: amp\n    row: Amplified\n"
	    "    builtin: bonding\n    params:\n      text: &x ", f);
	for (i = 0; i < len; i++)
		fputc('A', f);
	fputs("\n      note: [", f);
	for (j = 0; j < uses; j++)
		fputs(j ? ", *x" : "*x", f);
	fputs("]\n", f);
	fclose(f);
	return text;
}

static const struct {
	const char *name;
	const char *text;	/* NULL: amplified_text(2000, 1000) */
	const char *want;
} alias_cases[] = {
	{ "amp.yaml", NULL, "amp.yaml:7: aliases here expand the document "
	    "by more than 1048576 nodes and characters; spell the values "
	    "out\n" },
	{ "cycle.yaml", "scenarios:\n  - name: c\n    row: Cycle\n"
	    "    builtin: bonding\n    params:\n      note: &n [x, *n]\n",
	    "cycle.yaml:6: an alias here names a node that holds it; spell "
	    "the values out\n" },
	{ "reuse.yaml", "scenarios:\n  - name: r\n    row: &row Reuse\n"
	    "    builtin: bonding\n    params: &p {note: [a, b]}\n"
	    "  - name: r2\n    row: *row\n    builtin: bonding\n"
	    "    params: *p\n", NULL },
};

START_TEST(test_alias_amplification)
{
	char err[ERR_LEN], *msgs = NULL, *text;
	struct suite_file *sf;
	size_t mlen;
	FILE *m;

	text = alias_cases[_i].text ? strdup(alias_cases[_i].text) :
	    amplified_text(2000, 1000);
	m = open_memstream(&msgs, &mlen);
	sf = suite_load_string(alias_cases[_i].name, text, strlen(text), m,
	    err);
	fclose(m);
	if (alias_cases[_i].want == NULL)
		ck_assert_msg(sf != NULL, "%s: aliases a person writes load: "
		    "%s", alias_cases[_i].name, msgs);
	else {
		ck_assert_msg(sf == NULL, "%s is refused",
		    alias_cases[_i].name);
		ck_assert_msg(strcmp(msgs, alias_cases[_i].want) == 0,
		    "%s is refused at the aliases' line with '%s', got '%s'",
		    alias_cases[_i].name, alias_cases[_i].want, msgs);
	}
	suite_file_free(sf);
	free(msgs);
	free(text);
}
END_TEST

/*
 * A key written again is one error per repeat, whatever came before:
 * every repeat counted against every earlier copy made 1000 copies of a
 * key half a million errors, and a 12 KB file 2.9 million lines.
 */
START_TEST(test_duplicate_key_once_per_repeat)
{
	static const char three[] = "scenarios:\n  - name: d\n"
	    "    row: A\n    row: B\n    row: C\n    builtin: bonding\n";
	char err[ERR_LEN], *text = NULL, *msgs = NULL, *p;
	struct suite_file *sf;
	size_t n = 0, mlen;
	FILE *f = open_memstream(&text, &n);
	int i, dups = 0;

	for (i = 0; i < 300; i++)
		fputs("a: 1\n", f);
	fclose(f);
	sf = suite_load_string("dup.yaml", text, n, NULL, err);
	ck_assert_msg(sf == NULL, "a file of unknown keys is refused");
	ck_assert_msg(strcmp(err, "dup.yaml: 599 errors") == 0, "300 "
	    "copies of a key are 300 unknown keys and 299 repeats, got "
	    "'%s'", err);
	free(text);

	f = open_memstream(&msgs, &mlen);
	sf = suite_load_string("three.yaml", three, sizeof(three) - 1, f,
	    err);
	fclose(f);
	ck_assert_msg(sf == NULL, "a repeated key is refused");
	for (p = msgs; (p = strstr(p, "duplicate key 'row'")) != NULL; p++)
		dups++;
	ck_assert_msg(dups == 2 && strstr(msgs, "three.yaml:4: ") != NULL &&
	    strstr(msgs, "three.yaml:5: ") != NULL, "three rows are two "
	    "repeats, at lines 4 and 5: %s", msgs);
	free(msgs);
}
END_TEST

START_TEST(test_bounds_decide)
{
	struct bound b[3] = {
		{ (char *)"downtime_ms", 1, 2000, 1 },
		{ (char *)"tcp_survived", 0, 1, 2 },
		{ (char *)"lost", 1, 10, 3 },
	};
	struct metrics ms = { 0 };
	char reason[256];

	metrics_set(&ms, "downtime_ms", 38);
	metrics_set(&ms, "tcp_survived", 1);
	metrics_set(&ms, "lost", 10);
	ck_assert_msg(runner_check_bounds(b, 3, &ms, reason, sizeof(reason))
	    == VERDICT_PASS, "values on the limits pass");
	ck_assert_str_eq(reason, "");
	metrics_set(&ms, "downtime_ms", 2300);
	metrics_set(&ms, "tcp_survived", 0);
	ck_assert_int_eq(runner_check_bounds(b, 3, &ms, reason,
	    sizeof(reason)), VERDICT_FAIL);
	ck_assert_msg(strcmp(reason, "downtime_ms 2300 > 2000; tcp_survived "
	    "0 < 1") == 0, "every violated bound is named: %s", reason);
	metrics_free(&ms);
	metrics_set(&ms, "downtime_ms", 1);
	ck_assert_int_eq(runner_check_bounds(b, 2, &ms, reason,
	    sizeof(reason)), VERDICT_FAIL);
	ck_assert_msg(strcmp(reason, "tcp_survived not measured") == 0,
	    "a bound on a metric nobody measured fails: %s", reason);
	ck_assert_int_eq(runner_check_bounds(NULL, 0, &ms, reason,
	    sizeof(reason)), VERDICT_PASS);
	metrics_free(&ms);
}
END_TEST

/*
 * Every bound shipped in scenarios.yaml can fail: for each one, a result
 * just past its limit (by the limit's own size, at least 1) fails with the
 * bound named, and a result on the limit passes.
 */
START_TEST(test_every_shipped_bound_can_fail)
{
	char err[ERR_LEN] = "", reason[512], want[128];
	struct suite_file *sf = suite_load("../scenarios.yaml", NULL, err);
	size_t i, j, nb = 0;

	ck_assert_msg(sf != NULL, "scenarios.yaml loads: %s", err);
	for (i = 0; i < sf->sf_nscenarios; i++) {
		const struct scenario *sc = &sf->sf_scenarios[i];

		for (j = 0; j < sc->sc_nbounds; j++) {
			const struct bound *b = &sc->sc_bounds[j];
			struct metrics ms = { 0 };
			double step = fabs(b->bd_limit) > 1 ?
			    fabs(b->bd_limit) : 1;

			metrics_set(&ms, b->bd_metric, b->bd_limit);
			ck_assert_msg(runner_check_bounds(b, 1, &ms, reason,
			    sizeof(reason)) == VERDICT_PASS, "%s: %s on its "
			    "limit passes", sc->sc_name, b->bd_metric);
			metrics_set(&ms, b->bd_metric, b->bd_is_max ?
			    b->bd_limit + step : b->bd_limit - step);
			ck_assert_msg(runner_check_bounds(b, 1, &ms, reason,
			    sizeof(reason)) == VERDICT_FAIL, "%s: %s past its "
			    "limit fails", sc->sc_name, b->bd_metric);
			snprintf(want, sizeof(want), "%s ", b->bd_metric);
			ck_assert_msg(strncmp(reason, want, strlen(want)) == 0,
			    "%s: the failure names %s: %s", sc->sc_name,
			    b->bd_metric, reason);
			metrics_free(&ms);
			nb++;
		}
	}
	ck_assert_msg(nb >= 30, "the shipped file bounds its rows (%zu "
	    "bounds)", nb);
	suite_file_free(sf);
}
END_TEST

/* The rows of Table 3.1 that a platform can run all carry bounds. */
START_TEST(test_every_measured_row_has_bounds)
{
	static const char *const rows[] = { "install", "shared-storage",
	    "cluster", "migration", "virt-methods", "architecture",
	    "guest-os", "resources", "network", "ha", "live-migration",
	    "bonding" };
	char err[ERR_LEN] = "";
	struct suite_file *sf = suite_load("../scenarios.yaml", NULL, err);
	size_t i;

	ck_assert_msg(sf != NULL, "scenarios.yaml loads: %s", err);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct scenario *sc = suite_scenario_find(sf, rows[i]);

		ck_assert_msg(sc != NULL && sc->sc_nbounds > 0, "row %s has "
		    "bounds: it can fail", rows[i]);
	}
	suite_file_free(sf);
}
END_TEST

/*
 * Acceptance (issue 15): a results set recorded with one of three
 * live-migration runs losing its TCP session, judged with the bounds
 * scenarios.yaml ships, fails the row "1 of 3", whatever the medians say,
 * and the report cell says so with each figure's spread.
 */
START_TEST(test_one_failing_run_fails_the_row)
{
	char err[ERR_LEN] = "", cell[1024];
	struct suite_file *sf = suite_load("../scenarios.yaml", NULL, err);
	const struct scenario *sc;
	struct results *rs;
	struct scen_result *sr;
	double v;
	size_t i;

	ck_assert_msg(sf != NULL, "scenarios.yaml loads: %s", err);
	sc = suite_scenario_find(sf, "live-migration");
	ck_assert_ptr_nonnull(sc);
	rs = results_load("golden/set-lm-1of3", err);
	ck_assert_msg(rs != NULL, "the recorded set loads: %s", err);
	sr = &rs->rs_scen[0];
	ck_assert_int_eq(sr->s_nruns, 3);
	for (i = 0; i < sr->s_nruns; i++)
		runner_judge_run(sc->sc_bounds, sc->sc_nbounds, &sr->s_runs[i]);
	runner_judge_scenario(sr);
	ck_assert_int_eq(metrics_get(&sr->s_metrics, "tcp_survived", &v), 0);
	ck_assert_msg(v == 1, "the median says the session survived");
	ck_assert_msg(sr->s_verdict == VERDICT_FAIL, "yet one lost session "
	    "in three runs fails the row (verdict %s)",
	    verdict_name(sr->s_verdict));
	ck_assert_msg(strncmp(sr->s_reason, "1 of 3 runs failing (run 2: "
	    "tcp_survived 0 < 1", 38) == 0, "the reason counts the failing "
	    "runs and names the run: %s", sr->s_reason);
	ck_assert_msg(sr->s_runs[0].r_verdict == VERDICT_PASS &&
	    sr->s_runs[1].r_verdict == VERDICT_FAIL &&
	    sr->s_runs[2].r_verdict == VERDICT_PASS,
	    "every run keeps its own verdict");
	report_cell(sr, cell, sizeof(cell));
	ck_assert_msg(strstr(cell, "fail \xe2\x80\x94 1 of 3 runs failing") ==
	    cell, "the cell starts with k of N: %s", cell);
	ck_assert_msg(strstr(cell, "219 (184\xe2\x80\x93" "267) ms downtime")
	    != NULL, "the cell shows the median with min and max: %s", cell);
	results_free(rs);
	suite_file_free(sf);
}
END_TEST

/* runner_judge_scenario over run verdicts: table-driven. */
static const struct {
	const char *verdicts;	/* one letter per run: p f e u */
	enum verdict want;
	const char *reason;	/* prefix of the scenario's reason */
} judge_cases[] = {
	{ "ppp", VERDICT_PASS, "" },
	{ "pfp", VERDICT_FAIL, "1 of 3 runs failing (run 2: r2)" },
	{ "fff", VERDICT_FAIL, "3 of 3 runs failing (run 1: r1; run 2" },
	{ "f", VERDICT_FAIL, "1 of 1 run failing (run 1: r1)" },
	{ "pfe", VERDICT_ERROR, "r3" },
	{ "pu", VERDICT_UNSUPPORTED, "r2" },
	{ "", VERDICT_ERROR, "interrupted" },
};

START_TEST(test_judge_scenario)
{
	struct scen_result sr;
	const char *v = judge_cases[_i].verdicts;
	size_t i;

	memset(&sr, 0, sizeof(sr));
	for (i = 0; v[i] != '\0'; i++) {
		struct run *r = scen_add_run(&sr);

		r->r_verdict = v[i] == 'p' ? VERDICT_PASS : v[i] == 'f' ?
		    VERDICT_FAIL : v[i] == 'e' ? VERDICT_ERROR :
		    VERDICT_UNSUPPORTED;
		results_set_str(&r->r_reason, v[i] == 'p' ? "" : "r%zu",
		    i + 1);
		metrics_set(&r->r_metrics, "x_ms", (double)i);
	}
	runner_judge_scenario(&sr);
	ck_assert_msg(sr.s_verdict == judge_cases[_i].want, "runs %s give "
	    "%s, not %s", v, verdict_name(judge_cases[_i].want),
	    verdict_name(sr.s_verdict));
	ck_assert_msg(strncmp(sr.s_reason ? sr.s_reason : "",
	    judge_cases[_i].reason, strlen(judge_cases[_i].reason)) == 0,
	    "runs %s: reason '%s' starts with '%s'", v, sr.s_reason,
	    judge_cases[_i].reason);
	for (i = 0; i < sr.s_nruns; i++) {
		free(sr.s_runs[i].r_reason);
		metrics_free(&sr.s_runs[i].r_metrics);
	}
	free(sr.s_runs);
	free(sr.s_reason);
	metrics_free(&sr.s_metrics);
}
END_TEST

/* A failing run's reason longer than the scenario's room is cut with
 * "...", never dropped (the report once showed "1 of 1 run failing ()"). */
START_TEST(test_judge_long_reason)
{
	struct scen_result sr;
	struct run *r;
	char *longr = malloc(3 * ERR_LEN);

	ck_assert_ptr_nonnull(longr);
	memset(longr, 'x', 3 * ERR_LEN - 1);
	longr[3 * ERR_LEN - 1] = '\0';
	memset(&sr, 0, sizeof(sr));
	r = scen_add_run(&sr);
	r->r_verdict = VERDICT_FAIL;
	results_set_str(&r->r_reason, "%s", longr);
	runner_judge_scenario(&sr);
	ck_assert_msg(strncmp(sr.s_reason, "1 of 1 run failing (run 1: xxx",
	    30) == 0, "the long reason is kept, cut: %.60s", sr.s_reason);
	ck_assert_msg(strstr(sr.s_reason, "x...)") != NULL, "and marked as "
	    "cut: ...%s", sr.s_reason + strlen(sr.s_reason) - 10);
	free(r->r_reason);
	free(sr.s_runs);
	free(sr.s_reason);
	metrics_free(&sr.s_metrics);
	free(longr);
}
END_TEST

Suite *
make_suite_suite(void)
{
	Suite *s = suite_create("suite");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, test_pass_files_load);
	tcase_add_test(tc, test_fail_files_report_every_error);
	tcase_add_test(tc, test_loaded_structure);
	tcase_add_test(tc, test_root_scenarios_yaml);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_judge_long_reason);
	tcase_add_loop_test(tc, test_alias_amplification, 0,
	    sizeof(alias_cases) / sizeof(alias_cases[0]));
	tcase_add_test(tc, test_duplicate_key_once_per_repeat);
	tcase_add_test(tc, test_bounds_decide);
	tcase_add_test(tc, test_every_shipped_bound_can_fail);
	tcase_add_test(tc, test_every_measured_row_has_bounds);
	tcase_add_test(tc, test_one_failing_run_fails_the_row);
	tcase_add_loop_test(tc, test_judge_scenario, 0,
	    sizeof(judge_cases) / sizeof(judge_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
