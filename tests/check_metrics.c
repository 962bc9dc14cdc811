/*
 * check_metrics.c - hvd's metrics: the /proc parsers on captured text,
 * the one-second and one-minute rings (gaps, rates, counter resets,
 * reads that reach past 10 minutes), the query bounds, and the store's
 * JSON and Prometheus text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/metrics.h"
#include "platform/metrics_proc.h"
#include "platform/metrics_ring.h"

#define T0 1700000040LL	/* a whole minute */

START_TEST(test_parse_stat)
{
	uint64_t t[MP_NMODES];
	char err[ERR_LEN];

	ck_assert_int_eq(mp_parse_stat("cpu  4705 356 584 3699176 23060 0 "
	    "277 0 0 0\ncpu0 1 2 3 4\n", t, err), 0);
	ck_assert_msg(t[MP_USER] == 4705 && t[MP_IDLE] == 3699176 &&
	    t[MP_SOFTIRQ] == 277, "the cpu line's modes are in order");
	ck_assert_int_eq(mp_parse_stat("intr 1 2\n", t, err), -1);
	ck_assert_str_eq(err, "/proc/stat: no 'cpu' line first");
	ck_assert_int_eq(mp_parse_stat("cpu  12 x 3\n", t, err), -1);
	ck_assert_str_eq(err, "/proc/stat: the nice time of the 'cpu' line "
	    "is not a number");
}
END_TEST

START_TEST(test_parse_meminfo_loadavg)
{
	struct mp_mem m;
	double l[3];
	char err[ERR_LEN];

	ck_assert_int_eq(mp_parse_meminfo("MemTotal:       16384 kB\n"
	    "MemFree:         1024 kB\nMemAvailable:    8192 kB\n", &m, err),
	    0);
	ck_assert_msg(m.mm_total == 16384ULL * 1024 &&
	    m.mm_available == 8192ULL * 1024, "meminfo's kB become bytes");
	ck_assert_int_eq(mp_parse_meminfo("MemTotal: 1 kB\nMemFree: 1 kB\n",
	    &m, err), -1);
	ck_assert_str_eq(err, "/proc/meminfo: MemAvailable is missing or not "
	    "'N kB'");
	ck_assert_int_eq(mp_parse_loadavg("0.52 0.58 0.59 2/389 12345\n", l,
	    err), 0);
	ck_assert_msg(fabs(l[1] - 0.58) < 1e-9, "the 5 minute load is second");
	ck_assert_int_eq(mp_parse_loadavg("0.52 zero\n", l, err), -1);
}
END_TEST

static const char netdev[] =
    "Inter-|   Receive                                                |  "
    "Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|"
    "bytes    packets errs drop fifo colls carrier compressed\n"
    "    lo:    1000      10    0    0    0     0          0         0 "
    "    1000      10    0    0    0     0       0          0\n"
    "  eth0: 5000000 4000    0    0    0     0          0         0 "
    "  70000   600    0    0    0     0       0          0\n";

START_TEST(test_parse_netdev)
{
	struct mp_netdev nd[4];
	char err[ERR_LEN];
	size_t n;

	ck_assert_int_eq(mp_parse_netdev(netdev, nd, 4, &n, err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(nd[1].nd_name, "eth0");
	ck_assert_msg(nd[1].nd_rx_bytes == 5000000 && nd[1].nd_rx_packets ==
	    4000 && nd[1].nd_tx_bytes == 70000 && nd[1].nd_tx_packets == 600,
	    "receive is columns 1-2, transmit columns 9-10");
	ck_assert_int_eq(mp_parse_netdev(netdev, nd, 1, &n, err), -1);
	ck_assert_str_eq(err, "/proc/net/dev: more than 1 interfaces");
	ck_assert_int_eq(mp_parse_netdev("h\nh\n  eth0: 1 2 3\n", nd, 4, &n,
	    err), -1);
	ck_assert_str_eq(err, "/proc/net/dev:3: not 'NAME: 16 counters'");
}
END_TEST

START_TEST(test_parse_pidstat)
{
	struct mp_pidstat p;
	char err[ERR_LEN];

	/* A thread name with a space, a slash and a parenthesis. */
	ck_assert_int_eq(mp_parse_pidstat("4242 (CPU 0/TCG) R 1 4242 4242 0 "
	    "-1 4194624 100 0 0 0 1234 56 0 0 20 0 4 0 777 1000000 2500 "
	    "18446744073709551615\n", &p, err), 0);
	ck_assert_str_eq(p.ps_comm, "CPU 0/TCG");
	ck_assert_msg(p.ps_utime == 1234 && p.ps_stime == 56 &&
	    p.ps_rss == 2500, "utime, stime and rss are fields 14, 15, 24");
	ck_assert_int_eq(mp_parse_pidstat("1 (a) (b)) S 0 1 1 0 -1 0 0 0 0 0 "
	    "7 8 0 0 20 0 1 0 5 100 9\n", &p, err), 0);
	ck_assert_str_eq(p.ps_comm, "a) (b)");
	ck_assert_int_eq(p.ps_utime, 7);
	ck_assert_int_eq(mp_parse_pidstat("1 (x) S 0 1\n", &p, err), -1);
	ck_assert_str_eq(err, "stat: field 6 is not a number");
}
END_TEST

START_TEST(test_ring_counter_rates)
{
	static struct mring r;
	struct mring_query q = { T0, 1, T0 + 10 };
	int64_t t[MRING_MAX_POINTS];
	double v[MRING_MAX_POINTS];
	char err[ERR_LEN];
	size_t n;
	int i;

	mring_init(&r, 1);
	for (i = 0; i <= 10; i++)
		if (i != 5)	/* one second missed */
			mring_put(&r, T0 + i, 2.0 * i);
	ck_assert_int_eq(mring_query_check(&q, err), 0);
	n = mring_read(&r, &q, t, v);
	/* 10 steps, less the two that touch the missing second. */
	ck_assert_int_eq(n, 8);
	ck_assert_msg(t[0] == T0 + 1 && v[0] == 2.0, "a counter reads as "
	    "its rate per second");
	ck_assert_msg(t[4] == T0 + 7, "no point across the gap");
	mring_put(&r, T0 + 11, 1.0);	/* QEMU restarted: counter reset */
	ck_assert_msg(isnan(mring_rate(&r, 1)), "a counter that went down "
	    "has no rate");
	mring_put(&r, T0 + 12, 4.0);
	ck_assert_msg(mring_rate(&r, 1) == 3.0, "the rate goes on after a "
	    "reset");
	mring_put(&r, T0 + 3, 100.0);
	ck_assert_msg(mring_last(&r, NULL) == 4.0, "an older sample is "
	    "ignored");
}
END_TEST

START_TEST(test_ring_wraps_and_minutes)
{
	static struct mring r;
	struct mring_query q;
	int64_t t[MRING_MAX_POINTS];
	double v[MRING_MAX_POINTS];
	char err[ERR_LEN];
	size_t n;
	int64_t s;

	mring_init(&r, 0);
	/* A gauge of 30 min: each minute m holds m in its first half,
	 * m + 10 in its second. */
	for (s = 0; s < 1800; s++)
		mring_put(&r, T0 + s, (double)(s / 60) + (s % 60 < 30 ? 0 : 10));
	q = (struct mring_query){ T0 + 1800 - 599 - 1, 1, T0 + 1799 };
	ck_assert_int_eq(mring_query_check(&q, err), 0);
	n = mring_read(&r, &q, t, v);
	ck_assert_int_eq(n, 599);
	ck_assert_msg(v[n - 1] == 29 + 10, "the newest second is kept after "
	    "the ring wrapped");
	q = (struct mring_query){ T0 - 1, 60, T0 + 1799 };
	ck_assert_int_eq(mring_query_check(&q, err), 0);
	n = mring_read(&r, &q, t, v);
	ck_assert_int_eq(n, 30);
	ck_assert_msg(v[0] == 5.0 && v[29] == 34.0, "a minute of a gauge "
	    "is the mean of its seconds");
	q = (struct mring_query){ T0, 10, T0 + 1799 };
	ck_assert_int_eq(mring_query_check(&q, err), -1);
	ck_assert_str_eq(err, "step must be a multiple of 60 seconds when "
	    "since is more than 599 seconds ago");
	q = (struct mring_query){ T0 + 1800, 1, T0 + 1799 };
	ck_assert_int_eq(mring_query_check(&q, err), -1);
	ck_assert_str_eq(err, "since must lie in the past");
	q = (struct mring_query){ T0 - 100000, 60, T0 + 1799 };
	ck_assert_int_eq(mring_query_check(&q, err), 0);
	ck_assert_msg(q.q_since == T0 + 1799 - 86400, "since is moved to 24 "
	    "hours ago at most");
}
END_TEST

START_TEST(test_store_json_and_text)
{
	struct metrics *m;
	struct metrics_key k = { MD_VM_CPU, "vm1", { { NULL, NULL } } };
	struct metrics_key kv = { MD_VM_VCPU, "vm1", { { "vcpu", "0" } } };
	struct mring_query q = { T0, 1, T0 + 3 };
	char err[ERR_LEN], *text = NULL;
	size_t len;
	cJSON *j, *p;

	ck_assert_ptr_nonnull(m = metrics_store_new("node1", err));
	metrics_put(m, &k, T0 + 1, 1.5);
	metrics_put(m, &k, T0 + 2, 2.25);
	metrics_put(m, &kv, T0 + 2, 0.5);
	ck_assert_ptr_nonnull(j = metrics_series_json(m, "vm1", &q, err));
	ck_assert_int_eq(cJSON_GetArraySize(j), 1);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0),
	    "points"), 0);
	ck_assert_msg(cJSON_GetArrayItem(p, 1)->valuedouble == 0.75,
	    "the CPU series reads as seconds per second");
	cJSON_Delete(j);
	ck_assert_ptr_null(metrics_series_json(m, "vm2", &q, err));
	ck_assert_int_eq(metrics_expose(m, T0 + 3, &text, &len, err), 0);
	ck_assert_msg(strstr(text, "# TYPE hvd_vm_cpu_seconds_total counter\n"
	    "hvd_vm_cpu_seconds_total{node=\"node1\",vm=\"vm1\"} 2.25\n") !=
	    NULL, "the text has TYPE then the series: %s", text);
	ck_assert_msg(strstr(text, "hvd_vm_vcpu_seconds_total{node=\"node1\","
	    "vm=\"vm1\",vcpu=\"0\"} 0.5\n") != NULL, "labels follow node and "
	    "vm");
	free(text);
	ck_assert_int_eq(metrics_expose(m, T0 + 3 + METRICS_STALE_S + 1,
	    &text, &len, err), 0);
	ck_assert_msg(strstr(text, "hvd_vm_cpu") == NULL, "a series not "
	    "sampled for %d s is not exposed", METRICS_STALE_S);
	free(text);
	metrics_store_free(m);
}
END_TEST

START_TEST(test_store_full)
{
	struct metrics *m;
	struct metrics_key k = { MD_NODE_RX_BYTES, NULL, { { "interface",
	    NULL } } };
	char err[ERR_LEN], name[16];
	int i, refused = 0;

	ck_assert_ptr_nonnull(m = metrics_store_new("node1", err));
	for (i = 0; i < METRICS_MAX_SERIES + 5; i++) {
		snprintf(name, sizeof(name), "if%d", i);
		k.mk_labels[0][1] = name;
		refused += metrics_put(m, &k, T0, 1) != 0;
	}
	ck_assert_msg(refused == 5, "past %d series new ones are refused",
	    METRICS_MAX_SERIES);
	snprintf(name, sizeof(name), "new");
	ck_assert_int_eq(metrics_put(m, &k, T0 + 86401, 1), 0);
	metrics_store_free(m);
}
END_TEST

Suite *
make_metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_stat);
	tcase_add_test(tc, test_parse_meminfo_loadavg);
	tcase_add_test(tc, test_parse_netdev);
	tcase_add_test(tc, test_parse_pidstat);
	tcase_add_test(tc, test_ring_counter_rates);
	tcase_add_test(tc, test_ring_wraps_and_minutes);
	tcase_add_test(tc, test_store_json_and_text);
	tcase_add_test(tc, test_store_full);
	suite_add_tcase(s, tc);
	return s;
}
