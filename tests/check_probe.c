/*
 * check_probe.c - unit tests of the probes' pure code: the ping timeline and
 * its figures on crafted timelines (no loss, gaps at the start, in the
 * middle and at the end, everything lost, reordering, duplicates, 16-bit
 * sequence wrap), interval and percentile helpers, event marks, the
 * write-integrity comparison and the TCP probe's reply parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_suites.h"
#include "err.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "probes/agent_client.h"
#include "probes/icmp_frame.h"
#include "probes/integrity.h"
#include "probes/ping.h"
#include "probes/ping_stats.h"
#include "probes/tcp.h"

#define MS 1000000ULL
#define T0 1000000000000000000ULL	/* an arbitrary wall time */
#define SPAN(lo, hi) ((struct stats_span){ (lo), (hi) })

/*
 * Build a timeline of n requests sent every interval from T0, each
 * answered after rtt unless lost[seq] is set; observations are fed in time
 * order with 16-bit sequence numbers, as the capture sees them.
 */
static void
build(struct ping_timeline *t, size_t n, uint64_t interval, uint64_t rtt,
    const char *lost)
{
	char err[ERR_LEN];
	size_t i;

	ping_timeline_init(t);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ping_timeline_add(t, PING_OBS_REQUEST,
		    (uint16_t)i, T0 + i * interval, err), 0);
		if (lost == NULL || !lost[i])
			ck_assert_int_eq(ping_timeline_add(t, PING_OBS_REPLY,
			    (uint16_t)i, T0 + i * interval + rtt, err), 0);
	}
}

static void
compute(const struct ping_timeline *t, uint64_t interval,
    struct ping_stats *st)
{
	char err[ERR_LEN];

	ck_assert_msg(ping_stats_compute(t, interval, st, err) == 0,
	    "statistics compute: %s", err);
}

START_TEST(test_seq_extend)
{
	static const struct { uint64_t ref; uint16_t s; uint64_t want; } c[] = {
		{ 0, 5, 5 },
		{ 65535, 2, 65538 },
		{ 65538, 65535, 65535 },
		{ 131070, 1, 131073 },
		{ 70000, 65500, 65500 },
		{ 100, 65500, 65500 },	/* nothing below 0 */
		{ 200000, (uint16_t)200000, 200000 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(ping_seq_extend(c[i].ref, c[i].s) == c[i].want,
		    "seq %u near %llu extends to %llu", c[i].s,
		    (unsigned long long)c[i].ref,
		    (unsigned long long)c[i].want);
}
END_TEST

START_TEST(test_no_loss)
{
	struct ping_timeline t;
	struct ping_stats st;

	build(&t, 100, 10 * MS, 1 * MS, NULL);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_sent, 100);
	ck_assert_uint_eq(st.st_received, 100);
	ck_assert_uint_eq(st.st_lost, 0);
	ck_assert_uint_eq(st.st_loss_bursts, 0);
	ck_assert_msg(st.st_downtime.g_len_ns == 10 * MS,
	    "without loss the longest gap between replies is one interval");
	ck_assert(!st.st_downtime.g_open_start && !st.st_downtime.g_open_end);
	ck_assert_uint_eq(st.st_rtt.d_min, 1 * MS);
	ck_assert_uint_eq(st.st_rtt.d_p50, 1 * MS);
	ck_assert_uint_eq(st.st_rtt.d_max, 1 * MS);
	ck_assert_uint_eq(st.st_start_ns, T0);
	ck_assert_uint_eq(st.st_end_ns, T0 + 100 * 10 * MS);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_gap_middle)
{
	struct ping_timeline t;
	struct ping_stats st;
	char lost[100] = { 0 };

	memset(lost + 30, 1, 20);	/* 30..49 */
	build(&t, 100, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_lost, 20);
	ck_assert_uint_eq(st.st_loss_bursts, 1);
	ck_assert_uint_eq(st.st_longest_burst, 20);
	ck_assert_msg(st.st_downtime.g_len_ns == 210 * MS,
	    "downtime is the longest gap between replies (29 -> 50)");
	ck_assert_uint_eq(st.st_downtime.g_start_ns, T0 + 291 * MS);
	ck_assert_uint_eq(st.st_downtime.g_end_ns, T0 + 501 * MS);
	ck_assert(!st.st_downtime.g_open_start && !st.st_downtime.g_open_end);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_two_gaps)
{
	struct ping_timeline t;
	struct ping_stats st;
	char lost[100] = { 0 };

	memset(lost + 10, 1, 5);	/* 10..14 */
	memset(lost + 60, 1, 8);	/* 60..67: the longer one */
	build(&t, 100, 10 * MS, 2 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_lost, 13);
	ck_assert_uint_eq(st.st_loss_bursts, 2);
	ck_assert_uint_eq(st.st_longest_burst, 8);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 90 * MS);
	ck_assert_uint_eq(st.st_downtime.g_start_ns, T0 + 592 * MS);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_sender_stall)
{
	struct ping_timeline t;
	struct ping_stats st;
	char err[ERR_LEN];
	uint64_t ts;
	uint16_t i;

	/* 20 requests, all answered, but the sender stalled 500 ms after
	 * the 10th: the reply gap is the probe's own. */
	ping_timeline_init(&t);
	for (i = 0; i < 20; i++) {
		ts = T0 + i * 10 * MS + (i >= 10 ? 500 * MS : 0);
		ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REQUEST, i, ts,
		    err), 0);
		ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REPLY, i,
		    ts + MS, err), 0);
	}
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_lost, 0);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 510 * MS);
	ck_assert_msg(st.st_downtime_send_gap_ns == 510 * MS,
	    "a gap in the requests during the downtime is reported");
	ping_timeline_free(&t);
	/* A real cut: the requests kept their rhythm. */
	build(&t, 100, 10 * MS, 1 * MS, NULL);
	t.pt_slots[50].ps_replies = 0;
	t.pt_slots[51].ps_replies = 0;
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 30 * MS);
	ck_assert_uint_eq(st.st_downtime_send_gap_ns, 10 * MS);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_gap_start)
{
	struct ping_timeline t;
	struct ping_stats st;
	char lost[100] = { 0 };

	memset(lost, 1, 10);
	build(&t, 100, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_lost, 10);
	ck_assert_msg(st.st_downtime.g_len_ns == 101 * MS,
	    "a gap at the start runs from the first request to the first "
	    "reply");
	ck_assert_uint_eq(st.st_downtime.g_start_ns, T0);
	ck_assert(st.st_downtime.g_open_start);
	ck_assert(!st.st_downtime.g_open_end);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_gap_end)
{
	struct ping_timeline t;
	struct ping_stats st;
	char lost[100] = { 0 };

	memset(lost + 90, 1, 10);
	build(&t, 100, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_lost, 10);
	ck_assert_msg(st.st_downtime.g_len_ns == 109 * MS,
	    "a gap at the end runs from the last reply to one interval "
	    "after the last request");
	ck_assert_uint_eq(st.st_downtime.g_start_ns, T0 + 891 * MS);
	ck_assert_uint_eq(st.st_downtime.g_end_ns, T0 + 1000 * MS);
	ck_assert(st.st_downtime.g_open_end);
	ck_assert(!st.st_downtime.g_open_start);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_all_lost)
{
	struct ping_timeline t;
	struct ping_stats st;
	char lost[50];

	memset(lost, 1, sizeof(lost));
	build(&t, 50, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_sent, 50);
	ck_assert_uint_eq(st.st_received, 0);
	ck_assert_uint_eq(st.st_lost, 50);
	ck_assert_uint_eq(st.st_loss_bursts, 1);
	ck_assert_uint_eq(st.st_longest_burst, 50);
	ck_assert_msg(st.st_downtime.g_len_ns == 500 * MS,
	    "with every reply lost the downtime is the whole window");
	ck_assert(st.st_downtime.g_open_start && st.st_downtime.g_open_end);
	ck_assert_uint_eq(st.st_rtt.d_n, 0);
	ck_assert_uint_eq(st.st_rtt.d_max, 0);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_empty)
{
	struct ping_timeline t;
	struct ping_stats st;

	ping_timeline_init(&t);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_sent, 0);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 0);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_reorder_dup)
{
	struct ping_timeline t;
	struct ping_stats st;
	char err[ERR_LEN];
	uint16_t i;

	ping_timeline_init(&t);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REQUEST, i,
		    T0 + i * 10 * MS, err), 0);
	for (i = 0; i < 10; i++) {
		uint16_t s = i == 5 ? 6 : i == 6 ? 5 : i;	/* 6 before 5 */
		ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REPLY, s,
		    T0 + i * 10 * MS + 3 * MS, err), 0);
	}
	/* A duplicate of reply 3, late. */
	ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REPLY, 3,
	    T0 + 95 * MS, err), 0);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_sent, 10);
	ck_assert_msg(st.st_received == 10 && st.st_lost == 0,
	    "a duplicate reply is not an extra received request");
	ck_assert_uint_eq(st.st_duplicates, 1);
	ck_assert_msg(st.st_reordered == 1,
	    "reply 5 arriving after reply 6 counts as reordered");
	ck_assert_uint_eq(t.pt_slots[3].ps_recv_ns, T0 + 33 * MS);
	/* 5's reply came at 63 ms: RTT 13 ms; 6's at 53 ms: before its
	 * request (impossible in life), so it gives no RTT. */
	ck_assert_uint_eq(st.st_rtt.d_n, 9);
	ck_assert_uint_eq(st.st_rtt.d_max, 13 * MS);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_wrap)
{
	struct ping_timeline t;
	struct ping_stats st;
	size_t n = 70000;
	char *lost = calloc(n, 1);

	ck_assert_ptr_nonnull(lost);
	memset(lost + 65530, 1, 16);	/* across the 16-bit wrap */
	build(&t, n, 1 * MS, MS / 4, lost);
	compute(&t, 1 * MS, &st);
	ck_assert_msg(st.st_sent == n, "sequence numbers past 65535 are new "
	    "requests, not repeats");
	ck_assert_uint_eq(st.st_received, n - 16);
	ck_assert_uint_eq(st.st_duplicates, 0);
	ck_assert_uint_eq(st.st_loss_bursts, 1);
	ck_assert_uint_eq(st.st_longest_burst, 16);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 17 * MS);
	ck_assert_uint_eq(st.st_downtime.g_start_ns, T0 + 65529 * MS + MS / 4);
	ping_timeline_free(&t);
	free(lost);
}
END_TEST

START_TEST(test_complete_from_sender)
{
	struct ping_timeline t;
	struct ping_stats st;
	uint64_t sent[6];
	char err[ERR_LEN];
	int i;

	ping_timeline_init(&t);
	for (i = 0; i < 6; i++)
		sent[i] = T0 + (uint64_t)i * 10 * MS;
	/* The capture saw request 0, replies 0 and 1, nothing else. */
	ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REQUEST, 0, T0, err),
	    0);
	ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REPLY, 0, T0 + MS,
	    err), 0);
	ck_assert_int_eq(ping_timeline_add(&t, PING_OBS_REPLY, 1,
	    T0 + 11 * MS, err), 0);
	ck_assert_int_eq(ping_timeline_complete(&t, 6, sent, err), 0);
	compute(&t, 10 * MS, &st);
	ck_assert_msg(st.st_sent == 6, "requests the capture missed still "
	    "count as sent");
	ck_assert_uint_eq(st.st_lost, 4);
	ck_assert_uint_eq(t.pt_slots[1].ps_sent_ns, T0 + 10 * MS);
	ck_assert_uint_eq(st.st_rtt.d_n, 2);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 49 * MS);
	ck_assert(st.st_downtime.g_open_end);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_bad_kind_and_limit)
{
	struct ping_timeline t;
	char err[ERR_LEN];

	ping_timeline_init(&t);
	t.pt_limit = 100;
	ck_assert_int_eq(ping_timeline_add(&t, 7, 0, T0, err), -1);
	ck_assert_int_eq(ping_timeline_add_seq(&t, PING_OBS_REQUEST, 100, T0,
	    err), -1);
	ck_assert_msg(strstr(err, "limit") != NULL, "error says why: %s", err);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_percentile)
{
	uint64_t v[100], one = 42;
	struct stats_dist d;
	size_t i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;		/* unsorted on purpose */
	stats_dist(v, 100, &d);
	ck_assert_uint_eq(d.d_min, 1);
	ck_assert_uint_eq(d.d_p50, 50);
	ck_assert_uint_eq(d.d_p90, 90);
	ck_assert_uint_eq(d.d_p99, 99);
	ck_assert_uint_eq(d.d_max, 100);
	ck_assert(d.d_mean > 50.49 && d.d_mean < 50.51);
	stats_dist(&one, 1, &d);
	ck_assert_uint_eq(d.d_p50, 42);
	ck_assert_uint_eq(d.d_p99, 42);
	stats_dist(NULL, 0, &d);
	ck_assert_uint_eq(d.d_n, 0);
}
END_TEST

START_TEST(test_intervals)
{
	uint64_t t[] = { 100, 110, 120, 131, 140, 0, 160 };
	struct stats_dist iv, jt;

	/* The unknown (0) send time drops the two intervals around it. */
	ck_assert_int_eq(stats_intervals(t, 7, 10, &iv, &jt), 0);
	ck_assert_uint_eq(iv.d_n, 4);
	ck_assert_uint_eq(iv.d_min, 9);
	ck_assert_uint_eq(iv.d_max, 11);
	ck_assert_uint_eq(jt.d_p50, 0);
	ck_assert_uint_eq(jt.d_p99, 1);
	ck_assert_int_eq(stats_intervals(t, 1, 10, &iv, &jt), 0);
	ck_assert_uint_eq(iv.d_n, 0);
}
END_TEST

START_TEST(test_longest_gap_bounds)
{
	uint64_t ev[] = { 50, 20, 30 };
	struct stats_gap g;

	stats_longest_gap(ev, 3, 0, 100, &g);
	ck_assert_uint_eq(g.g_len_ns, 50);
	ck_assert_uint_eq(g.g_start_ns, 50);
	ck_assert(g.g_open_end);
	stats_longest_gap(NULL, 0, 10, 40, &g);
	ck_assert_uint_eq(g.g_len_ns, 30);
	ck_assert(g.g_open_start && g.g_open_end);
}
END_TEST

START_TEST(test_gap_across_event)
{
	struct ping_timeline t;
	struct ping_stats st;
	struct stats_gap g;
	char lost[100] = { 0 }, err[ERR_LEN];
	uint64_t nlost;

	/* A long stall early (10..17) and a short failover later (60..61),
	 * injected between 595 and 640 ms. */
	memset(lost + 10, 1, 8);
	memset(lost + 60, 1, 2);
	build(&t, 100, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_uint_eq(st.st_downtime.g_len_ns, 90 * MS);
	ck_assert_int_eq(ping_stats_gap_across(&t, &st,
	    SPAN(T0 + 595 * MS, T0 + 640 * MS), &g, &nlost, err), 0);
	ck_assert_msg(g.g_len_ns == 30 * MS && g.g_start_ns == T0 + 591 * MS,
	    "the gap across the event is the failover's (59 -> 62), not the "
	    "longer stall elsewhere in the run");
	ck_assert_msg(nlost == 2 && st.st_lost == 10, "the event lost 2 of "
	    "the run's 10 lost requests");
	/* No loss around the event: the ordinary interval. */
	ck_assert_int_eq(ping_stats_gap_across(&t, &st,
	    SPAN(T0 + 805 * MS, T0 + 806 * MS), &g, &nlost, err), 0);
	ck_assert_uint_eq(g.g_len_ns, 10 * MS);
	ck_assert_uint_eq(nlost, 0);
	/* A window spanning both gaps takes the longer. */
	ck_assert_int_eq(ping_stats_gap_across(&t, &st, SPAN(T0, T0 + 990 * MS),
	    &g, &nlost, err), 0);
	ck_assert_uint_eq(g.g_len_ns, 90 * MS);
	ck_assert_uint_eq(nlost, 8);
	ping_timeline_free(&t);
}
END_TEST

/*
 * A live migration on a recorded timeline: a 300 ms stall of the loaded
 * machine before the migration, a 50 ms switchover gap inside it.  The
 * migration's downtime is the switchover's, the capture's maximum the
 * stall's.
 */
START_TEST(test_migration_downtime)
{
	struct ping_timeline t;
	struct ping_stats st;
	struct stats_gap g;
	char lost[400] = { 0 }, err[ERR_LEN];
	uint64_t nlost;

	memset(lost + 50, 1, 30);	/* stall: 0.50 .. 0.80 s */
	memset(lost + 240, 1, 4);	/* switchover: 2.40 .. 2.44 s */
	build(&t, 400, 10 * MS, 1 * MS, lost);
	compute(&t, 10 * MS, &st);
	ck_assert_msg(st.st_downtime.g_len_ns == 310 * MS, "the capture's "
	    "longest gap is the stall (%llu ns)",
	    (unsigned long long)st.st_downtime.g_len_ns);
	/* migrate-start at 2.0 s, migrate-end at 2.3 s, settle 1 s */
	ck_assert_int_eq(ping_stats_migration_downtime(&t, &st,
	    SPAN(T0 + 2000 * MS, T0 + 2300 * MS), &g, &nlost, err), 0);
	ck_assert_msg(g.g_len_ns == 50 * MS && nlost == 4, "the migration's "
	    "downtime is the switchover's gap after its end, within the settle "
	    "window (%llu ns, %llu lost)", (unsigned long long)g.g_len_ns,
	    (unsigned long long)nlost);
	ck_assert_int_eq(ping_stats_migration_downtime(&t, &st,
	    SPAN(T0 + 2000 * MS, T0 + 1000 * MS), &g, &nlost, err), -1);
	ping_timeline_free(&t);
}
END_TEST

START_TEST(test_gap_across_bounds)
{
	uint64_t ev[] = { 50, 20, 30 };
	struct stats_gap g;

	stats_gap_across(ev, 3, 0, 100, SPAN(25, 28), &g);
	ck_assert_msg(g.g_len_ns == 10 && g.g_start_ns == 20,
	    "a window inside one gap picks that gap");
	stats_gap_across(ev, 3, 0, 100, SPAN(60, 70), &g);
	ck_assert_msg(g.g_len_ns == 50 && g.g_open_end,
	    "a window after the last event picks the open trailing gap");
	stats_gap_across(ev, 3, 0, 100, SPAN(0, 5), &g);
	ck_assert_msg(g.g_len_ns == 20 && g.g_open_start,
	    "a window before the first event picks the open leading gap");
	stats_gap_across(NULL, 0, 10, 40, SPAN(20, 30), &g);
	ck_assert(g.g_len_ns == 30 && g.g_open_start && g.g_open_end);
	stats_gap_across(ev, 3, 0, 100, SPAN(200, 300), &g);
	ck_assert_msg(g.g_len_ns == 0, "no gap overlaps a window beyond the "
	    "bounds");
}
END_TEST

START_TEST(test_marks_parse)
{
	struct probe_mark m;

	ck_assert_int_eq(probe_marks_parse_line("{\"event\":\"nic-unplug\","
	    "\"host\":\"host1\",\"nic\":\"eth0\",\"mono_ns\":5,"
	    "\"wall_ns\":1000}", 0, &m), 1);
	ck_assert_str_eq(m.pm_label, "nic-unplug host1 eth0");
	ck_assert_uint_eq(m.pm_wall_ns, 1000);
	ck_assert_msg(probe_marks_parse_line("{\"event\":\"power-pull\","
	    "\"mono_ns\":500}", 100, &m) == 1 && m.pm_wall_ns == 600,
	    "an event with only mono_ns is placed with the clock offset");
	ck_assert_int_eq(probe_marks_parse_line("{\"lab\":\"l1\",\"event\":"
	    "\"nic-unplug\",\"args\":\"host2 eth1\",\"mono_ns\":7,"
	    "\"wall_ns\":9,\"wall\":\"2026-11-26T07:00:00.000Z\"}", 0, &m), 1);
	ck_assert_msg(strcmp(m.pm_label, "nic-unplug host2 eth1") == 0,
	    "hvlab inject's args join the label: '%s'", m.pm_label);
	ck_assert_int_eq(probe_marks_parse_line("{\"event\":\"heal\",\"args\":"
	    "\"\",\"wall_ns\":9}", 0, &m), 1);
	ck_assert_str_eq(m.pm_label, "heal");
	ck_assert_int_eq(probe_marks_parse_line("not json", 0, &m), 0);
	ck_assert_int_eq(probe_marks_parse_line("{\"wall_ns\":5}", 0, &m), 0);
	ck_assert_int_eq(probe_marks_parse_line("{\"event\":\"x\"}", 0, &m),
	    0);
	ck_assert_int_eq(probe_marks_parse_line("[1,2]", 0, &m), 0);
}
END_TEST

START_TEST(test_marks_file)
{
	char path[] = "/tmp/hvt-probe-marks-XXXXXX", err[ERR_LEN];
	struct probe_mark *marks = NULL;
	struct probe_marks_query q = { 0 };
	size_t n = 0;
	uint64_t skipped = 0;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"event\":\"late\",\"wall_ns\":3000}\n"
	    "garbage\n\n"
	    "{\"event\":\"early\",\"wall_ns\":1000}\n"
	    "{\"event\":\"before\",\"wall_ns\":10}\n");
	fclose(f);
	q.mq_path = path;
	q.mq_from_wall_ns = 500;
	q.mq_to_wall_ns = 5000;
	ck_assert_int_eq(probe_marks_read_events(&q, &marks, &n, &skipped,
	    err), 0);
	probe_marks_sort(marks, n);
	ck_assert_msg(n == 2, "only the events inside the window are marks");
	ck_assert_str_eq(marks[0].pm_label, "early");
	ck_assert_str_eq(marks[1].pm_label, "late");
	ck_assert_uint_eq(skipped, 1);
	free(marks);
	unlink(path);
	marks = NULL;
	n = 0;
	q.mq_from_wall_ns = 0;
	q.mq_to_wall_ns = 1;
	ck_assert_msg(probe_marks_read_events(&q, &marks, &n, &skipped,
	    err) == 0 && n == 0,
	    "a missing events file means no events");
}
END_TEST

START_TEST(test_ping_json)
{
	struct probe_ping_result r;
	char err[ERR_LEN], line[512];
	const cJSON *m, *tl;
	cJSON *doc;
	char lost[20] = { 0 };

	memset(&r, 0, sizeof(r));
	snprintf(r.pr_target, sizeof(r.pr_target), "198.18.251.2");
	r.pr_interval_ns = 10 * MS;
	memset(lost + 5, 1, 3);
	build(&r.pr_timeline, 20, 10 * MS, MS / 2, lost);
	ck_assert_int_eq(ping_stats_compute(&r.pr_timeline, 10 * MS,
	    &r.pr_stats, err), 0);
	doc = probe_ping_result_json(&r, 1);
	ck_assert_ptr_nonnull(doc);
	m = cJSON_GetObjectItemCaseSensitive(doc, "metrics");
	ck_assert(cJSON_IsObject(m));
	ck_assert_double_eq(cJSON_GetObjectItem(m, "sent")->valuedouble, 20);
	ck_assert_double_eq(cJSON_GetObjectItem(m, "lost")->valuedouble, 3);
	ck_assert_double_eq(cJSON_GetObjectItem(m, "downtime_ms")->valuedouble,
	    40);
	ck_assert_double_eq(cJSON_GetObjectItem(m,
	    "downtime_start_ms")->valuedouble, 40.5);
	ck_assert_double_eq(cJSON_GetObjectItem(m, "rtt_p50_ms")->valuedouble,
	    0.5);
	tl = cJSON_GetObjectItemCaseSensitive(doc, "timeline");
	ck_assert_int_eq(cJSON_GetArraySize(tl), 20);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(tl, 6),
	    "lost")));
	cJSON_Delete(doc);
	probe_ping_summary(&r, line, sizeof(line));
	ck_assert_msg(strstr(line, "lost 3") != NULL &&
	    strstr(line, "downtime_ms 40.000") != NULL, "summary: %s", line);
	probe_ping_result_free(&r);
}
END_TEST

/*
 * Build an IPv4 ICMP echo frame at b for link type lt (Ethernet with
 * `vlan` 802.1Q tags, Linux cooked v1/v2, raw); returns its length.
 */
static size_t
frame(unsigned char *b, int lt, int vlan, int type, uint16_t id,
    uint16_t seq, const char *src, const char *dst)
{
	size_t off = 0;
	uint32_t a;
	int i;

	memset(b, 0, 128);
	if (lt == DLT_EN10MB) {
		off = 12;
		for (i = 0; i < vlan; i++) {
			b[off] = 0x81; b[off + 1] = 0x00; b[off + 3] = 10;
			off += 4;
		}
		b[off] = 0x08; b[off + 1] = 0x00;
		off += 2;
	} else if (lt == DLT_LINUX_SLL) {
		b[14] = 0x08; b[15] = 0x00;
		off = 16;
	} else if (lt == DLT_LINUX_SLL2) {
		b[0] = 0x08; b[1] = 0x00;
		off = 20;
	}
	b[off] = 0x45;
	b[off + 3] = 36;
	b[off + 8] = 64;
	b[off + 9] = 1;			/* ICMP */
	inet_pton(AF_INET, src, &a);
	memcpy(b + off + 12, &a, 4);
	inet_pton(AF_INET, dst, &a);
	memcpy(b + off + 16, &a, 4);
	off += 20;
	b[off] = (unsigned char)type;
	b[off + 4] = (unsigned char)(id >> 8); b[off + 5] = (unsigned char)id;
	b[off + 6] = (unsigned char)(seq >> 8);
	b[off + 7] = (unsigned char)seq;
	return off + 16;
}

START_TEST(test_icmp_frame)
{
	static const struct { int lt, vlan; } c[] = {
		{ DLT_EN10MB, 0 }, { DLT_EN10MB, 1 }, { DLT_EN10MB, 2 },
		{ DLT_LINUX_SLL, 0 }, { DLT_LINUX_SLL2, 0 }, { DLT_RAW, 0 },
	};
	unsigned char b[128];
	struct icmp_echo e;
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = frame(b, c[i].lt, c[i].vlan, 0, 4242, 65535,
		    "198.18.251.2", "198.18.251.1");
		ck_assert_msg(icmp_frame_parse(c[i].lt, b, n, &e) == 1,
		    "an echo reply is found (link type %d, %d tags)",
		    c[i].lt, c[i].vlan);
		ck_assert_int_eq(e.ie_kind, PING_OBS_REPLY);
		ck_assert_uint_eq(e.ie_ident, 4242);
		ck_assert_uint_eq(e.ie_seq, 65535);
		ck_assert_msg(icmp_frame_parse(c[i].lt, b, n - 9, &e) == 0,
		    "a frame cut short in the ICMP header is ignored");
	}
	n = frame(b, DLT_EN10MB, 0, 8, 1, 2, "198.18.251.1", "198.18.251.2");
	ck_assert_int_eq(icmp_frame_parse(DLT_EN10MB, b, n, &e), 1);
	ck_assert_int_eq(e.ie_kind, PING_OBS_REQUEST);
	n = frame(b, DLT_EN10MB, 0, 3, 1, 2, "198.18.251.1", "198.18.251.2");
	ck_assert_msg(icmp_frame_parse(DLT_EN10MB, b, n, &e) == 0,
	    "an ICMP error is not an echo");
	b[12] = 0x08; b[13] = 0x06;	/* ARP */
	ck_assert_int_eq(icmp_frame_parse(DLT_EN10MB, b, n, &e), 0);
	n = frame(b, DLT_EN10MB, 0, 0, 1, 2, "198.18.251.2", "198.18.251.1");
	b[14 + 7] = 8;			/* a later fragment */
	ck_assert_int_eq(icmp_frame_parse(DLT_EN10MB, b, n, &e), 0);
	ck_assert_int_eq(icmp_frame_parse(DLT_PPP, b, n, &e), 0);
}
END_TEST

START_TEST(test_pcap_file)
{
	char path[] = "/tmp/hvt-probe-pcap-XXXXXX", err[ERR_LEN];
	struct probe_ping_result r;
	struct probe_pcap_opts o;
	struct pcap_pkthdr h;
	unsigned char b[128];
	pcap_dumper_t *d;
	pcap_t *dead;
	uint64_t t;
	int fd, i;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 256,
	    PCAP_TSTAMP_PRECISION_NANO);
	ck_assert_ptr_nonnull(dead);
	d = pcap_dump_open(dead, path);
	ck_assert_ptr_nonnull(d);
	/* 10 requests every 10 ms, replies after 1 ms except to 4..6; a
	 * request of another ping (ident 99) and one to another host. */
	for (i = 0; i < 10; i++) {
		t = 1795000000ULL * 1000000000ULL + (uint64_t)i * 10 * MS;
		h.ts.tv_sec = (time_t)(t / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(t % 1000000000ULL); /* ns */
		h.caplen = h.len = (bpf_u_int32)frame(b, DLT_EN10MB, 0, 8, 7,
		    (uint16_t)i, "198.18.251.1", "198.18.251.2");
		pcap_dump((u_char *)d, &h, b);
		h.caplen = h.len = (bpf_u_int32)frame(b, DLT_EN10MB, 0, 8, 99,
		    (uint16_t)i, "198.18.251.1", "198.18.251.2");
		pcap_dump((u_char *)d, &h, b);
		h.caplen = h.len = (bpf_u_int32)frame(b, DLT_EN10MB, 0, 8, 7,
		    (uint16_t)(i + 50), "198.18.251.1", "198.18.251.9");
		pcap_dump((u_char *)d, &h, b);
		if (i >= 4 && i <= 6)
			continue;
		t += MS;
		h.ts.tv_sec = (time_t)(t / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(t % 1000000000ULL);
		h.caplen = h.len = (bpf_u_int32)frame(b, DLT_EN10MB, 0, 0, 7,
		    (uint16_t)i, "198.18.251.2", "198.18.251.1");
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(dead);

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.target = "198.18.251.2";
	o.ident = -1;
	ck_assert_msg(probe_ping_from_pcap(&o, &r, err) == 0, "pcap: %s", err);
	ck_assert_msg(r.pr_ident == 7, "the first request's identifier is "
	    "followed");
	ck_assert_uint_eq(r.pr_stats.st_sent, 10);
	ck_assert_uint_eq(r.pr_stats.st_lost, 3);
	ck_assert_msg(r.pr_interval_ns == 10 * MS, "the interval is the "
	    "median between requests");
	ck_assert_uint_eq(r.pr_stats.st_downtime.g_len_ns, 40 * MS);
	ck_assert_uint_eq(r.pr_stats.st_rtt.d_p50, MS);
	ck_assert(r.pr_tstamp_nano);
	probe_ping_result_free(&r);
	o.ident = 99;
	ck_assert_int_eq(probe_ping_from_pcap(&o, &r, err), 0);
	ck_assert_msg(r.pr_stats.st_received == 0 && r.pr_stats.st_sent == 10,
	    "another identifier is another ping: no replies");
	probe_ping_result_free(&r);
	o.target = "198.18.251.77";
	o.ident = -1;
	ck_assert_int_eq(probe_ping_from_pcap(&o, &r, err), -1);
	ck_assert_msg(strstr(err, "no echo request") != NULL, "%s", err);
	o.path = "/nonexistent/hvt-probe.pcap";
	ck_assert_int_eq(probe_ping_from_pcap(&o, &r, err), -1);
	unlink(path);
}
END_TEST

START_TEST(test_journal_parse)
{
	struct journal_state js;
	char err[ERR_LEN];

	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":100,"
	    "\"count\":99,\"missing_count\":1,\"missing\":[50]}", &js, err),
	    0);
	ck_assert_uint_eq(js.js_last, 100);
	ck_assert_uint_eq(js.js_nlisted, 1);
	ck_assert_int_eq(integrity_present(&js, 50), 0);
	ck_assert_int_eq(integrity_present(&js, 49), 1);
	ck_assert_int_eq(integrity_present(&js, 101), 0);
	ck_assert_int_eq(integrity_parse_journal("{\"first\":0,\"last\":0,"
	    "\"count\":0,\"missing\":[]}", &js, err), 0);
	ck_assert_int_eq(integrity_present(&js, 1), 0);
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":5,"
	    "\"count\":9,\"missing\":[]}", &js, err), -1);
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":5}",
	    &js, err), -1);
	ck_assert_msg(strstr(err, "count") != NULL, "the error names the "
	    "member: %s", err);
	ck_assert_int_eq(integrity_parse_journal("error journal: no data disk",
	    &js, err), -1);
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":5,"
	    "\"count\":4,\"missing\":[9]}", &js, err), -1);
}
END_TEST

START_TEST(test_integrity_compare)
{
	struct journal_state js;
	struct integrity_result r;
	uint64_t acked[120];
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < 120; i++)
		acked[i] = i + 1;
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":100,"
	    "\"count\":100,\"missing_count\":0,\"missing\":[]}", &js, err), 0);
	integrity_compare(acked, 90, &js, &r);
	ck_assert_msg(r.ir_lost_acked == 0, "acked writes all on disk: none "
	    "lost (written but unacknowledged records are allowed)");
	ck_assert_uint_eq(r.ir_last_acked, 90);
	ck_assert_uint_eq(r.ir_last_present, 100);
	integrity_compare(acked, 110, &js, &r);
	ck_assert_uint_eq(r.ir_lost_acked, 10);
	ck_assert_uint_eq(r.ir_first_lost, 101);
	/* A hole in the middle loses the acked write there. */
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":100,"
	    "\"count\":98,\"missing_count\":2,\"missing\":[40,41]}", &js, err),
	    0);
	integrity_compare(acked, 100, &js, &r);
	ck_assert_uint_eq(r.ir_lost_acked, 2);
	ck_assert_uint_eq(r.ir_first_lost, 40);
	/* A truncated missing list cannot tell about seqs beyond it. */
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":300,"
	    "\"count\":100,\"missing_count\":200,\"missing\":[2,3]}", &js,
	    err), 0);
	integrity_compare(acked, 5, &js, &r);
	ck_assert_uint_eq(r.ir_lost_acked, 2);
	ck_assert_uint_eq(r.ir_unverified, 2);
	/* Writes continued after a restart: acks 1..5 then 6..8. */
	ck_assert_int_eq(integrity_parse_journal("{\"first\":1,\"last\":8,"
	    "\"count\":8,\"missing\":[]}", &js, err), 0);
	integrity_compare(acked, 8, &js, &r);
	ck_assert_uint_eq(r.ir_lost_acked, 0);
	ck_assert_uint_eq(r.ir_acked, 8);
}
END_TEST

START_TEST(test_write_stall)
{
	uint64_t seq[4] = { 1, 2, 3, 4 };
	uint64_t tm[4] = { T0 + 10 * MS, T0 + 20 * MS, T0 + 520 * MS,
	    T0 + 530 * MS };
	struct integrity_acks a;

	memset(&a, 0, sizeof(a));
	ck_assert_uint_eq(integrity_write_stall_ns(&a), 0);
	a.ia_seq = seq;
	a.ia_time = tm;
	a.ia_n = 4;
	a.ia_start_ns = T0;
	ck_assert_msg(integrity_write_stall_ns(&a) == 500 * MS,
	    "the write stall is the longest gap between acks");
	a.ia_start_ns = T0 - 900 * MS;
	ck_assert_msg(integrity_write_stall_ns(&a) == 910 * MS,
	    "the wait for the first ack counts too");
}
END_TEST

START_TEST(test_tcp_pong)
{
	uint64_t s = 0;

	ck_assert_int_eq(probe_tcp_parse_pong("pong 42", &s), 1);
	ck_assert_uint_eq(s, 42);
	ck_assert_int_eq(probe_tcp_parse_pong("pong 18446744073709551615",
	    &s), 1);
	ck_assert_int_eq(probe_tcp_parse_pong("pong", &s), 0);
	ck_assert_int_eq(probe_tcp_parse_pong("pong -1", &s), 0);
	ck_assert_int_eq(probe_tcp_parse_pong("pong 4x", &s), 0);
	ck_assert_int_eq(probe_tcp_parse_pong("ping 4", &s), 0);
	ck_assert_int_eq(probe_tcp_parse_pong("pong 99999999999999999999",
	    &s), 0);
}
END_TEST

/*
 * A TCP session across a switchover at 2 s: 100 ms pings for 30 s, the
 * ones sent in [2 s, 2.3 s) unanswered; the probe stopped at 30 s.
 */
static void
tcp_session(struct probe_tcp_result *r, char *lost)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	memset(lost, 0, 300);
	for (i = 20; i < 23; i++)
		lost[i] = 1;
	build(&r->tr_timeline, 300, 100 * MS, 2 * MS, lost);
	compute(&r->tr_timeline, 100 * MS, &r->tr_stats);
	r->tr_survived = 1;
	r->tr_lost_at_ms = -1;
	r->tr_stop_wall_ns = T0 + 30000 * MS;
}

START_TEST(test_tcp_after_switch)
{
	struct probe_tcp_result r;
	char lost[300];
	double resumed, held;

	tcp_session(&r, lost);
	ck_assert_msg(probe_tcp_after_switch(&r, T0 + 2000 * MS, 5000 * MS,
	    20000 * MS, &resumed, &held) == 1, "a session that answers 302 "
	    "ms after the switchover and lives 28 s more survived it");
	ck_assert_msg(resumed > 301.9 && resumed < 302.1, "data flowed both "
	    "ways again 302 ms after the switchover, got %.3f", resumed);
	ck_assert_msg(held > 27.9 && held < 28.1, "held 28 s, got %.3f",
	    held);
	ck_assert_msg(probe_tcp_after_switch(&r, T0 + 2000 * MS, 200 * MS,
	    20000 * MS, &resumed, &held) == 0, "silent longer than the "
	    "resume bound after the switchover: not survived");
	ck_assert_msg(probe_tcp_after_switch(&r, T0 + 15000 * MS, 5000 * MS,
	    20000 * MS, &resumed, &held) == 0 && held < 15.1, "a probe that "
	    "stopped 15 s after the switchover proves nothing: not survived");
	/* A frozen session: nothing answered after the switchover, the
	 * probe stopped before its own silence timeout said lost. */
	memset(lost + 20, 1, 280);
	ping_timeline_free(&r.tr_timeline);
	build(&r.tr_timeline, 300, 100 * MS, 2 * MS, lost);
	ck_assert_msg(probe_tcp_after_switch(&r, T0 + 2000 * MS, 5000 * MS,
	    20000 * MS, &resumed, &held) == 0 && resumed < 0, "a frozen "
	    "session that was never reset did not survive (resumed %.1f)",
	    resumed);
	/* Lost at 10 s: held 8 s. */
	ping_timeline_free(&r.tr_timeline);
	tcp_session(&r, lost);
	r.tr_survived = 0;
	r.tr_lost_at_ms = 10000;
	ck_assert_msg(probe_tcp_after_switch(&r, T0 + 2000 * MS, 5000 * MS,
	    20000 * MS, &resumed, &held) == 0 && held > 7.9 && held < 8.1,
	    "a session lost 8 s after the switchover did not survive "
	    "(held %.3f)", held);
	ping_timeline_free(&r.tr_timeline);
}
END_TEST

START_TEST(test_agent_lines)
{
	struct agent_conn c;
	char line[16], err[ERR_LEN];
	int sv[2], eof = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&c, 0, sizeof(c));
	c.ac_fd = sv[0];
	ck_assert_int_ne(fcntl(sv[0], F_SETFL, O_NONBLOCK), -1);
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 0, &eof, err), 0);
	/* Two lines and half of a third in one read, CRLF tolerated. */
	ck_assert_int_eq(write(sv[1], "ack 1\r\nack 2\nack", 16), 16);
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 100, &eof, err),
	    1);
	ck_assert_str_eq(line, "ack 1");
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 100, &eof, err),
	    1);
	ck_assert_str_eq(line, "ack 2");
	ck_assert_msg(agent_recv(&c, line, sizeof(line), 20, &eof, err) == 0,
	    "a partial line is kept, not returned");
	ck_assert_int_eq(write(sv[1], " 3\n", 3), 3);
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 100, &eof, err),
	    1);
	ck_assert_str_eq(line, "ack 3");
	/* A line longer than the caller's buffer is an error. */
	ck_assert_int_eq(write(sv[1], "0123456789abcdefgh\n", 19), 19);
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 100, &eof, err),
	    -1);
	ck_assert_msg(strstr(err, "too long") != NULL, "says why: %s", err);
	c.ac_len = 0;
	ck_assert_int_eq(agent_send(&c, "ping 7", 100, err), 0);
	ck_assert_int_eq(read(sv[1], line, sizeof(line)), 7);
	ck_assert_int_eq(memcmp(line, "ping 7\n", 7), 0);
	close(sv[1]);
	ck_assert_int_eq(agent_recv(&c, line, sizeof(line), 100, &eof, err),
	    -1);
	ck_assert_msg(eof == 1, "an orderly close is reported as such");
	agent_close(&c);
	ck_assert_int_eq(c.ac_fd, -1);
}
END_TEST

Suite *
make_probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc;

	tc = tcase_create("ping_stats");
	tcase_add_test(tc, test_seq_extend);
	tcase_add_test(tc, test_no_loss);
	tcase_add_test(tc, test_gap_middle);
	tcase_add_test(tc, test_two_gaps);
	tcase_add_test(tc, test_gap_across_event);
	tcase_add_test(tc, test_migration_downtime);
	tcase_add_test(tc, test_gap_across_bounds);
	tcase_add_test(tc, test_sender_stall);
	tcase_add_test(tc, test_gap_start);
	tcase_add_test(tc, test_gap_end);
	tcase_add_test(tc, test_all_lost);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_reorder_dup);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_complete_from_sender);
	tcase_add_test(tc, test_bad_kind_and_limit);
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_intervals);
	tcase_add_test(tc, test_longest_gap_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("marks");
	tcase_add_test(tc, test_marks_parse);
	tcase_add_test(tc, test_marks_file);
	tcase_add_test(tc, test_ping_json);
	tcase_add_test(tc, test_icmp_frame);
	tcase_add_test(tc, test_pcap_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("integrity");
	tcase_add_test(tc, test_journal_parse);
	tcase_add_test(tc, test_integrity_compare);
	tcase_add_test(tc, test_write_stall);
	tcase_add_test(tc, test_tcp_pong);
	tcase_add_test(tc, test_tcp_after_switch);
	tcase_add_test(tc, test_agent_lines);
	suite_add_tcase(s, tc);
	return s;
}
