/*
 * check_load_balancing.c - the Load balancing row's pure parts
 * (scenarios/builtin/load_balancing_calc.c): hosts' loads from
 * placements and cores, the balanced test and stretch, moves and
 * ping-pongs in a sequence of looks, the longest ping gap within a
 * move's window; and what the ref driver reads of hvd's balancer answer
 * (scenarios/drivers/ref_balance.c).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "clock.h"
#include "scenarios/builtin/load_balancing.h"
#include "scenarios/drivers/ref.h"

#define S NS_PER_S
#define MS NS_PER_MS
#define T0 (1800000000ULL * S)

/* A look at time t_s with three VMs' hosts and cores. */
static struct lb_look
look(double t_s, int h0, int h1, int h2, double c)
{
	struct lb_look lk;

	memset(&lk, 0, sizeof(lk));
	lk.lk_wall_ns = T0 + (uint64_t)(t_s * 1e9);
	lk.lk_host[0] = h0;
	lk.lk_host[1] = h1;
	lk.lk_host[2] = h2;
	lk.lk_cores[0] = lk.lk_cores[1] = lk.lk_cores[2] = c;
	return lk;
}

START_TEST(test_loads)
{
	static const int cpus[3] = { 2, 2, 4 };
	struct lb_look lk = look(0, 0, 0, 2, 0.5);
	double loads[3];

	lb_loads(&lk, 3, cpus, 3, loads);
	ck_assert_msg(fabs(loads[0] - 0.5) < 1e-9, "two VMs of 0.5 cores on "
	    "2 CPUs load host 0 at 0.5, not %g", loads[0]);
	ck_assert_msg(loads[1] == 0, "a host without VMs has no load");
	ck_assert_msg(fabs(loads[2] - 0.125) < 1e-9, "0.5 cores on 4 CPUs "
	    "is 0.125, not %g", loads[2]);
	lk.lk_host[0] = -1;
	lk.lk_cores[2] = -1;
	lb_loads(&lk, 3, cpus, 3, loads);
	ck_assert_msg(fabs(loads[0] - 0.25) < 1e-9 && loads[2] == 0,
	    "a VM of unknown host or cores counts nowhere (%g %g)", loads[0],
	    loads[2]);
}
END_TEST

START_TEST(test_balanced)
{
	double three[3] = { 0.75, 0, 0 }, spread[3] = { 0.25, 0.25, 0.25 };
	double one_moved[3] = { 0.5, 0.25, 0 }, excess;
	size_t worst;

	ck_assert_msg(!lb_balanced(three, 3, 0.2, &worst, &excess),
	    "three busy VMs on one host are not balanced");
	ck_assert_msg(worst == 0 && fabs(excess - 0.5) < 1e-9, "host 0 is "
	    "0.5 above the mean (worst %zu by %g)", worst, excess);
	ck_assert_msg(lb_balanced(spread, 3, 0.2, &worst, &excess) &&
	    excess == 0, "equal loads are balanced");
	ck_assert_msg(!lb_balanced(one_moved, 3, 0.2, &worst, &excess),
	    "0.5 against a mean of 0.25 exceeds a threshold of 0.2");
	ck_assert_msg(lb_balanced(one_moved, 3, 0.25, &worst, &excess),
	    "an excess equal to the threshold is not more than it");
}
END_TEST

START_TEST(test_settle)
{
	struct lb_look a = look(0, 0, 1, 2, 0.5), b = look(1, 0, 1, 2, 0.5);
	struct lb_look c = look(2, 0, 1, 1, 0.5), d = look(3, 0, 1, 1, 0.5);
	struct lb_look e = look(5, 0, 1, 1, 0.5), f = look(6, 0, 1, 1, 0.5);
	struct lb_settle st = { 0, 0 };

	ck_assert_int_eq(lb_settle_look(&st, NULL, &a, 3, 1, 2 * S), 0);
	ck_assert_msg(st.st_since_ns == a.lk_wall_ns, "a balanced look starts "
	    "a stretch");
	ck_assert_int_eq(lb_settle_look(&st, &a, &b, 3, 1, 2 * S), 0);
	ck_assert_msg(lb_settle_look(&st, &b, &c, 3, 1, 2 * S) == 0 &&
	    st.st_since_ns == 0, "a VM that changed host breaks the stretch");
	d.lk_migrating = 1;
	ck_assert_msg(lb_settle_look(&st, &c, &d, 3, 1, 2 * S) == 0 &&
	    st.st_since_ns == 0, "a migration under way breaks it");
	d.lk_migrating = 0;
	ck_assert_int_eq(lb_settle_look(&st, &c, &d, 3, 1, 2 * S), 0);
	ck_assert_msg(lb_settle_look(&st, &d, &e, 3, 0, 2 * S) == 0 &&
	    st.st_since_ns == 0, "an overloaded look breaks it");
	ck_assert_int_eq(lb_settle_look(&st, &d, &e, 3, 1, 2 * S), 0);
	ck_assert_int_eq(lb_settle_look(&st, &e, &f, 3, 1, 2 * S), 0);
	f.lk_wall_ns = e.lk_wall_ns + 2 * S;
	ck_assert_msg(lb_settle_look(&st, &e, &f, 3, 1, 2 * S) == 1,
	    "a stretch that lasted settle_ns is the balance");
	ck_assert_msg(st.st_balanced_ns == e.lk_wall_ns, "the balance is the "
	    "stretch's first look, not the one that confirmed it");
}
END_TEST

/* vm0 host0 -> host1 (seen at 3 s, unknown at 2 s), vm1 host0 -> host2 at
 * 4 s and back to host0 at 20 s. */
static size_t
moves_case(struct lb_move *mv, size_t max)
{
	struct lb_look lk[6];

	lk[0] = look(0, 0, 0, 0, 0.5);
	lk[1] = look(1, 0, 0, 0, 0.5);
	lk[2] = look(2, -1, 0, 0, 0.5);
	lk[3] = look(3, 1, 0, 0, 0.5);
	lk[4] = look(4, 1, 2, 0, 0.5);
	lk[5] = look(20, 1, 0, 0, 0.5);
	return lb_moves(lk, 6, 3, mv, max);
}

START_TEST(test_moves)
{
	struct lb_move mv[8];
	size_t n = moves_case(mv, 8);

	ck_assert_msg(n == 3, "three placement changes are three moves, "
	    "not %zu", n);
	ck_assert_msg(mv[0].mv_vm == 0 && mv[0].mv_from == 0 &&
	    mv[0].mv_to == 1, "the first move seen is vm0's");
	ck_assert_msg(mv[0].mv_lo_ns == T0 + 1 * S && mv[0].mv_hi_ns ==
	    T0 + 3 * S, "its window spans the look that did not know it");
	ck_assert_msg(mv[1].mv_vm == 1 && mv[1].mv_to == 2 && !mv[1].mv_back,
	    "then vm1 to host 2, a host it never left");
	ck_assert_msg(mv[2].mv_vm == 1 && mv[2].mv_to == 0 && mv[2].mv_back,
	    "vm1 back to host 0 returns to a host it left");
	ck_assert_msg(moves_case(mv, 1) == 3 && mv[0].mv_vm == 0,
	    "past the room given, moves are counted, not kept");
}
END_TEST

START_TEST(test_pingpong)
{
	struct lb_move mv[8];
	size_t n = moves_case(mv, 8);

	ck_assert_msg(lb_pingpong(mv, n, T0 + 60 * S) == 1, "before the "
	    "balance only the move back counts");
	ck_assert_msg(lb_pingpong(mv, n, T0 + 10 * S) == 1, "the move back "
	    "after the balance counts once");
	ck_assert_msg(lb_pingpong(mv, n, T0 + 3 * S) == 2, "a move seen "
	    "after the balance counts");
	ck_assert_msg(lb_pingpong(mv, 2, T0 + 60 * S) == 0, "moves onward "
	    "before the balance are no ping-pong");
}
END_TEST

/* 10 ms pings for 10 s from T0, no reply to those in [from, to). */
static void
ping_case(struct ping_timeline *t, struct ping_stats *st, double from,
    double to)
{
	char err[256];
	uint64_t i, ts;

	ping_timeline_init(t);
	for (i = 0; i < 1000; i++) {
		ts = T0 + i * 10 * MS;
		ck_assert_int_eq(ping_timeline_add_seq(t, PING_OBS_REQUEST, i,
		    ts, err), 0);
		if ((double)i / 100 >= from && (double)i / 100 < to)
			continue;
		ck_assert_int_eq(ping_timeline_add_seq(t, PING_OBS_REPLY, i,
		    ts + MS, err), 0);
	}
	ck_assert_int_eq(ping_stats_compute(t, 10 * MS, st, err), 0);
}

START_TEST(test_gap_in_window)
{
	struct ping_timeline t0, t1;
	struct ping_stats s0, s1;
	struct lb_ping pg[2] = { { &t0, &s0 }, { &t1, &s1 } };
	struct lb_move mv[2];
	double gap;
	char err[256];

	/* vm0 lost 1 s of replies at 1 s, outside its moves' windows (one
	 * ends before the gap, one starts after it); vm1 lost 300 ms
	 * within its own. */
	ping_case(&t0, &s0, 1, 2);
	ping_case(&t1, &s1, 5, 5.3);
	memset(mv, 0, sizeof(mv));
	mv[0].mv_vm = 0;
	mv[0].mv_lo_ns = T0 + 200 * MS;
	mv[0].mv_hi_ns = T0 + 800 * MS;
	ck_assert_int_eq(lb_max_gap_ms(mv, 1, pg, 2, &gap, err), 0);
	ck_assert_msg(gap > 5 && gap < 20, "a gap after the move's window "
	    "is not its gap (%g ms)", gap);
	mv[0].mv_lo_ns = T0 + 2500 * MS;
	mv[0].mv_hi_ns = T0 + 4 * S;
	ck_assert_int_eq(lb_max_gap_ms(mv, 1, pg, 2, &gap, err), 0);
	ck_assert_msg(gap > 5 && gap < 20, "a gap before the move's window "
	    "is not its gap (%g ms)", gap);
	mv[0].mv_vm = 1;
	mv[0].mv_lo_ns = T0 + 4 * S;
	mv[0].mv_hi_ns = T0 + 6 * S;
	ck_assert_int_eq(lb_max_gap_ms(mv, 1, pg, 2, &gap, err), 0);
	ck_assert_msg(fabs(gap - 310) < 1e-6, "the longest gap within the "
	    "window is 310 ms between replies, not %g", gap);
	mv[1] = mv[0];
	mv[1].mv_vm = 0;
	ck_assert_int_eq(lb_max_gap_ms(mv, 2, pg, 2, &gap, err), 0);
	ck_assert_msg(fabs(gap - 310) < 1e-6, "the longest of two moves' "
	    "gaps is the figure, not the last one's (%g ms)", gap);
	mv[0].mv_vm = 2;
	ck_assert_msg(lb_max_gap_ms(mv, 1, pg, 2, &gap, err) == -1,
	    "a move of a VM without a ping timeline is an error");
	ck_assert_int_eq(lb_max_gap_ms(mv, 0, pg, 2, &gap, err), 0);
	ck_assert_msg(gap == 0, "no move, no gap");
	ping_timeline_free(&t0);
	ping_timeline_free(&t1);
}
END_TEST

START_TEST(test_ref_applied)
{
	cJSON *doc = cJSON_Parse("{\"mode\":\"dynamic\",\"threshold\":0.2,"
	    "\"hold\":2,\"margin\":0.1,\"max_moves\":2,\"interval_s\":3}");
	char buf[512], small[16], err[256];

	ck_assert_int_eq(ref_balance_applied(doc, buf, sizeof(buf), err), 0);
	ck_assert_str_eq(buf, "mode=dynamic threshold=0.2 hold=2 margin=0.1 "
	    "max_moves=2 interval_s=3");
	ck_assert_msg(ref_balance_applied(doc, small, sizeof(small),
	    err) == -1, "a truncated answer is an error");
	cJSON_ReplaceItemInObject(doc, "hold", cJSON_CreateString("2"));
	ck_assert_int_eq(ref_balance_applied(doc, buf, sizeof(buf), err), -1);
	ck_assert_msg(strstr(err, "'hold'") != NULL, "the error names the "
	    "member: %s", err);
	cJSON_DeleteItemFromObject(doc, "mode");
	ck_assert_int_eq(ref_balance_applied(doc, buf, sizeof(buf), err), -1);
	ck_assert_msg(strstr(err, "'mode'") != NULL, "the error names "
	    "'mode': %s", err);
	cJSON_Delete(doc);
}
END_TEST

Suite *
make_load_balancing_suite(void)
{
	Suite *s = suite_create("load_balancing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_loads);
	tcase_add_test(tc, test_balanced);
	tcase_add_test(tc, test_settle);
	tcase_add_test(tc, test_moves);
	tcase_add_test(tc, test_pingpong);
	tcase_add_test(tc, test_gap_in_window);
	tcase_add_test(tc, test_ref_applied);
	suite_add_tcase(s, tc);
	return s;
}
