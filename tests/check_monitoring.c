/*
 * check_monitoring.c - the Performance monitoring row's pure parts: what
 * the ref driver reads of hvd's metrics answers (scenarios/drivers/
 * ref_metrics.c), the libvirt driver's CPU rates from its own samples
 * (libvirt_stats.c), a figure a platform cannot give (runner.c
 * run_unmeasured), the PromQL query's encoding (scenarios/builtin/prom.c)
 * and the series plot's data file (reports/report_series.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "reports/report.h"
#include "scenarios/builtin/prom.h"
#include "scenarios/drivers/libvirt.h"
#include "scenarios/runner_priv.h"
#include "scenarios/drivers/ref.h"

static const char node_answer[] =
    "{\"node\": \"host1\", \"since\": 100, \"step\": 1, \"now\": 103,"
    " \"series\": ["
    "  {\"name\": \"hvd_node_cpu_seconds_total\", \"labels\":"
    "   {\"mode\": \"user\"}, \"points\": [[101, 0.5], [102, 0.75]]},"
    "  {\"name\": \"hvd_node_load1\", \"labels\": {},"
    "   \"points\": [[102, 1.5]]},"
    "  {\"name\": \"hvd_node_memory_free_bytes\", \"points\": []}]}";

START_TEST(test_ref_series_parse)
{
	cJSON *doc = cJSON_Parse(node_answer);
	struct drv_metric *m = NULL;
	size_t n = 0;
	char err[256];

	ck_assert_int_eq(ref_series_parse(doc, "host1", &m, &n, err), 0);
	ck_assert_msg(n == 2, "a series without points is not counted "
	    "(%zu)", n);
	ck_assert_str_eq(m[0].m_name, "hvd_node_cpu_seconds_total{mode=user}");
	ck_assert_str_eq(m[0].m_subject, "host1");
	ck_assert_msg(m[0].m_value == 0.75, "the newest point is the value");
	ck_assert_str_eq(m[1].m_name, "hvd_node_load1");
	ck_assert_int_eq(ref_series_parse(doc, "host2", &m, &n, err), 0);
	ck_assert_msg(n == 4 && strcmp(m[3].m_subject, "host2") == 0,
	    "a second answer is appended");
	free(m);
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"series\": [{\"labels\": {}}]}");
	m = NULL;
	n = 0;
	ck_assert_int_eq(ref_series_parse(doc, "h", &m, &n, err), -1);
	ck_assert_msg(strstr(err, "series[0]") && strstr(err, "name"),
	    "a series without a name is named: %s", err);
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"points\": []}");
	ck_assert_int_eq(ref_series_parse(doc, "h", &m, &n, err), -1);
	ck_assert_msg(strstr(err, "series") != NULL, "no series: %s", err);
	free(m);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_ref_cpu_points)
{
	cJSON *doc = cJSON_Parse("{\"series\": [{\"name\": \"hvd_vm_vcpu_"
	    "seconds_total\", \"points\": [[1, 9]]}, {\"name\": \"hvd_vm_cpu_"
	    "seconds_total\", \"points\": [[10, 0.02], [11, 0.97]]}]}");
	struct drv_point *p = NULL;
	size_t n = 0;
	char err[256];

	ck_assert_int_eq(ref_cpu_points(doc, "hvd_vm_cpu_seconds_total", &p,
	    &n, err), 0);
	ck_assert_msg(n == 2 && p[0].pt_t == 10 && p[1].pt_v == 0.97,
	    "the CPU counter's points, not the vCPU's");
	free(p);
	ck_assert_int_eq(ref_cpu_points(doc, "nope", &p, &n, err), -1);
	ck_assert_msg(strstr(err, "nope") != NULL, "the missing series is "
	    "named: %s", err);
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"series\": [{\"name\": \"c\", \"points\": "
	    "[[10, 1], [11]]}]}");
	ck_assert_int_eq(ref_cpu_points(doc, "c", &p, &n, err), -1);
	ck_assert_msg(strstr(err, "points[1]") != NULL && p == NULL && n == 0,
	    "a short point is named, nothing returned: %s", err);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_prom_urlencode)
{
	char out[128];

	prom_urlencode("rate(c{vm=\"mon1\"}[10s])", out, sizeof(out));
	ck_assert_str_eq(out, "rate%28c%7Bvm%3D%22mon1%22%7D%5B10s%5D%29");
	prom_urlencode("count(up == 1)", out, 12);
	ck_assert_msg(strlen(out) < 12, "the output stays in its buffer");
}
END_TEST

/* report_series_data on text; its output into out. */
static int
series_on(const char *text, char *out, size_t len, struct series_info *si,
    char *err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	FILE *o = fmemopen(out, len, "w");
	int rc;

	memset(out, 0, len);
	rc = report_series_data(in, "s.csv", o, si, err);
	fclose(in);
	fclose(o);
	return rc;
}

START_TEST(test_series_data)
{
	struct series_info si;
	char out[1024], err[256];

	ck_assert_int_eq(series_on("t_s,host,load\n0,host1,1.5\n0,host2,0.5\n"
	    "\n1.5,host1,1\n1.5,host2,0.25\n", out, sizeof(out), &si, err), 0);
	ck_assert_str_eq(si.sd_key, "host");
	ck_assert_str_eq(si.sd_value, "load");
	ck_assert_msg(si.sd_nkeys == 2 && si.sd_npoints == 4,
	    "two keys, four points");
	ck_assert_str_eq(out, "# host host1\n0.000000 1.5\n1.500000 1\n\n\n"
	    "# host host2\n0.000000 0.5\n1.500000 0.25\n\n\n");
}
END_TEST

static const struct {
	const char *text, *want;
} series_bad[] = {
	{ "", "empty series" },
	{ "t,vm,cpu\n", "s.csv:1: the header must be t_s,KEY,VALUE" },
	{ "t_s,vm\n", "s.csv:1:" },
	{ "t_s,vm,cpu,x\n", "three columns" },
	{ "t_s,vm,cpu\n", "no points" },
	{ "t_s,vm,cpu\n1,a,0.5\nx,a,1\n", "s.csv:3: bad time 'x'" },
	{ "t_s,vm,cpu\n1,a,nan\n", "s.csv:2: bad cpu 'nan'" },
	{ "t_s,vm,cpu\n1,a\n", "s.csv:2: a line must be t,key,value" },
	{ "t_s,vm,cpu\n1,,2\n", "s.csv:2: empty key" },
};

START_TEST(test_series_data_bad)
{
	struct series_info si;
	char out[256], err[256];

	ck_assert_int_eq(series_on(series_bad[_i].text, out, sizeof(out), &si,
	    err), -1);
	ck_assert_msg(strstr(err, series_bad[_i].want) != NULL,
	    "case %d says '%s': %s", _i, series_bad[_i].want, err);
}
END_TEST

START_TEST(test_series_data_keys_max)
{
	char text[4096], out[8192], err[256];
	struct series_info si;
	size_t o;
	int i;

	o = (size_t)snprintf(text, sizeof(text), "t_s,vm,cpu\n");
	for (i = 0; i <= SERIES_KEYS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "1,vm%d,1\n",
		    i);
	ck_assert_int_eq(series_on(text, out, sizeof(out), &si, err), -1);
	ck_assert_msg(strstr(err, "more than 32 keys") != NULL,
	    "a 33rd key is refused at its line: %s", err);
}
END_TEST

START_TEST(test_lv_cpu_rates)
{
	/* cpu.time samples: a busy second, a half one, a restart */
	const struct lv_cpu_sample s[] = { { 100, 5000000000ULL },
		{ 101, 6000000000ULL }, { 103, 7000000000ULL },
		{ 104, 1000000ULL }, { 105, 251000000ULL } };
	struct drv_point p[5];
	size_t n;

	n = lv_cpu_rates(s, 5, 0, p);
	ck_assert_msg(n == 3, "a rate between each two samples but across "
	    "the restart (%zu)", n);
	ck_assert_msg(p[0].pt_t == 101 && p[0].pt_v == 1.0,
	    "one second of CPU in one second is one core");
	ck_assert_msg(p[1].pt_t == 103 && p[1].pt_v == 0.5,
	    "a second of CPU over two seconds is half a core");
	ck_assert_msg(p[2].pt_t == 105 && p[2].pt_v == 0.25,
	    "after the restart, the new counter's rate");
	ck_assert_msg(lv_cpu_rates(s, 5, 103.5, p) == 1 && p[0].pt_t == 105,
	    "points before since are left out");
	ck_assert_msg(lv_cpu_rates(s, 1, 0, p) == 0, "one sample is no rate");
}
END_TEST

START_TEST(test_run_unmeasured)
{
	struct scen_result sr;
	struct sctx s;

	memset(&sr, 0, sizeof(sr));
	memset(&s, 0, sizeof(s));
	s.sr = &sr;
	s.run = scen_add_run(&sr);
	results_set_str(&s.run->r_reason, "mon1 seen");
	run_unmeasured(&s, "prometheus_ok scrape_ms", "no endpoint");
	ck_assert_str_eq(s.run->r_reason, "mon1 seen; prometheus_ok, "
	    "scrape_ms: unsupported, not bounded (no endpoint)");
	ck_assert_msg(strstr(s.unmeasured, " prometheus_ok ") != NULL &&
	    strstr(s.unmeasured, " scrape_ms ") != NULL,
	    "both figures are kept out of the bounds: '%s'", s.unmeasured);
	ck_assert_msg(strstr(s.unmeasured, " scrape ") == NULL,
	    "names are kept whole, between spaces");
	free(s.run->r_reason);
	free(sr.s_runs);
}
END_TEST

Suite *
make_monitoring_suite(void)
{
	Suite *s = suite_create("monitoring");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_ref_series_parse);
	tcase_add_test(tc, test_ref_cpu_points);
	tcase_add_test(tc, test_lv_cpu_rates);
	tcase_add_test(tc, test_prom_urlencode);
	tcase_add_test(tc, test_run_unmeasured);
	tcase_add_test(tc, test_series_data);
	tcase_add_loop_test(tc, test_series_data_bad, 0,
	    (int)(sizeof(series_bad) / sizeof(series_bad[0])));
	tcase_add_test(tc, test_series_data_keys_max);
	suite_add_tcase(s, tc);
	return s;
}
