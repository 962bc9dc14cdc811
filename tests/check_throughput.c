/*
 * check_throughput.c - the TCP throughput probe (probes/throughput.c):
 * the figures from per-flow reports, its JSON, and a real run over the
 * loopback interface with the sink in a thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "clock.h"
#include "err.h"
#include "probes/throughput.h"

START_TEST(test_tput_compute)
{
	struct probe_tput_result r;

	memset(&r, 0, sizeof(r));
	r.nflows = 3;
	/* 2 flows of 12.5 MB each over the same 2 s; one carried nothing. */
	r.flows[0] = (struct tput_flow){ 12500000, 1 * NS_PER_S,
	    3 * NS_PER_S, 40000 };
	r.flows[1] = (struct tput_flow){ 12500000, 1 * NS_PER_S + 1000,
	    3 * NS_PER_S, 40001 };
	probe_tput_compute(&r);
	ck_assert_msg(r.bytes == 25000000, "bytes are summed over flows");
	ck_assert_msg(r.secs > 1.99 && r.secs < 2.01,
	    "time is earliest first byte to latest last byte");
	ck_assert_msg(r.mbps > 99.9 && r.mbps < 100.1,
	    "25 MB in 2 s is 100 Mbit/s (got %.2f)", r.mbps);
	ck_assert_msg(probe_tput_flow_mbps(&r.flows[2]) == 0,
	    "an empty flow has no rate");
	ck_assert_msg(probe_tput_flow_mbps(&r.flows[0]) > 49.9,
	    "per-flow rate is its bytes over its own time");
}
END_TEST

START_TEST(test_tput_json)
{
	struct probe_tput_result r;
	cJSON *d;
	const cJSON *m;

	memset(&r, 0, sizeof(r));
	snprintf(r.to, sizeof(r.to), "198.18.0.2");
	r.nflows = 1;
	r.flows[0] = (struct tput_flow){ 1250000, NS_PER_S, 2 * NS_PER_S,
	    1234 };
	probe_tput_compute(&r);
	d = probe_tput_result_json(&r);
	ck_assert_ptr_nonnull(d);
	m = cJSON_GetObjectItemCaseSensitive(d, "metrics");
	ck_assert_msg(cJSON_GetObjectItemCaseSensitive(m,
	    "throughput_mbps")->valuedouble == 10.0,
	    "1.25 MB in 1 s is 10 Mbit/s in the metrics");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    d, "per_flow")), 1);
	cJSON_Delete(d);
}
END_TEST

struct sink_arg {
	int port, flows, rc;
	char err[ERR_LEN];
};

static void *
sink_main(void *p)
{
	struct sink_arg *a = p;
	struct probe_tput_sink s = { "127.0.0.1", a->port, a->flows, 20000,
	    NULL };

	a->rc = probe_tput_serve(&s, a->err);
	return NULL;
}


/* A source run on another host: its JSON read back gives the same
 * figures; a flow without its times is named. */
START_TEST(test_tput_json_back)
{
	struct probe_tput_result r, b;
	char err[ERR_LEN] = "", *text;
	cJSON *d;

	memset(&r, 0, sizeof(r));
	snprintf(r.to, sizeof(r.to), "198.18.0.12");
	r.port = 5299;
	r.nflows = 2;
	r.flows[0] = (struct tput_flow){ 1000000, 3 * NS_PER_S,
	    4 * NS_PER_S, 40001 };
	r.flows[1] = (struct tput_flow){ 3000000, 3 * NS_PER_S + 5,
	    5 * NS_PER_S, 40002 };
	probe_tput_compute(&r);
	d = probe_tput_result_json(&r);
	text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	ck_assert_int_eq(probe_tput_result_parse(text, strlen(text), &b, err),
	    0);
	free(text);
	ck_assert_msg(b.nflows == 2 && b.port == 5299 &&
	    strcmp(b.to, "198.18.0.12") == 0, "flows, port and sink back");
	ck_assert_msg(b.flows[1].bytes == 3000000 &&
	    b.flows[1].first_ns == 3 * NS_PER_S + 5 &&
	    b.flows[1].local_port == 40002, "a flow's bytes, times, port");
	ck_assert_msg(b.mbps == r.mbps && b.secs == r.secs,
	    "the totals computed again are the source's (%.3f, %.3f)",
	    b.mbps, r.mbps);
	ck_assert_int_eq(probe_tput_result_parse("{\"per_flow\":[{"
	    "\"local_port\":1,\"bytes\":5,\"first_ns\":1}]}", 54, &b, err), -1);
	ck_assert_msg(strstr(err, "per_flow[0]") != NULL &&
	    strstr(err, "last_ns") != NULL, "the missing field is named: %s",
	    err);
}
END_TEST

START_TEST(test_tput_loopback)
{
	struct sink_arg a = { 45201 + (int)(getpid() % 1000), 3, -1, "" };
	struct probe_tput_opts o;
	struct probe_tput_result r;
	char err[ERR_LEN] = "";
	pthread_t th;
	int rc = -1, tries;

	ck_assert_int_eq(pthread_create(&th, NULL, sink_main, &a), 0);
	memset(&o, 0, sizeof(o));
	o.to = "127.0.0.1";
	o.port = a.port;
	o.flows = 3;
	o.duration_ns = 300 * NS_PER_MS;
	for (tries = 0; tries < 50 && rc != 0; tries++) {
		rc = probe_tput_run(&o, &r, err);
		if (rc != 0)
			clock_sleep_ns(20 * NS_PER_MS);	/* sink not up yet */
	}
	pthread_join(th, NULL);
	ck_assert_msg(rc == 0, "3 flows over loopback are measured (%s)", err);
	ck_assert_msg(a.rc == 0, "the sink served 3 flows (%s)", a.err);
	ck_assert_int_eq(r.nflows, 3);
	ck_assert_msg(r.bytes > 0 && r.mbps > 0,
	    "bytes arrived and make a rate");
	ck_assert_msg(r.flows[0].local_port > 0 && r.flows[0].local_port !=
	    r.flows[1].local_port, "each flow has its own source port");
}
END_TEST

Suite *
make_throughput_suite(void)
{
	Suite *s = suite_create("throughput");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tput_compute);
	tcase_add_test(tc, test_tput_json);
	tcase_add_test(tc, test_tput_json_back);
	tcase_add_test(tc, test_tput_loopback);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
