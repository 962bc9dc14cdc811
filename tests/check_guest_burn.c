/*
 * check_guest_burn.c - the guest agent's CPU load (lab/guest/burn.c):
 * `burn SECONDS [PERCENT]` words checked, each wrong word named, and the
 * busy share of a period.
 */
#include <check.h>
#include <string.h>

#include "check_suites.h"
#include "lab/guest/burn.h"

START_TEST(test_burn_parse_good)
{
	struct burn b;
	char err[128];

	ck_assert_msg(burn_parse("20", NULL, &b, err, sizeof(err)) == 0,
	    "burn 20 is a request");
	ck_assert_msg(b.b_ms == 20000 && b.b_percent == 100,
	    "without PERCENT the burn is full, for SECONDS");
	ck_assert_msg(burn_parse("3600", "50", &b, err, sizeof(err)) == 0 &&
	    b.b_ms == 3600000 && b.b_percent == 50,
	    "burn 3600 50: an hour at half a CPU");
	ck_assert_msg(burn_busy_ms(&b) == BURN_PERIOD_MS / 2,
	    "half a period is busy at 50 %%");
	ck_assert_msg(burn_parse("1", "1", &b, err, sizeof(err)) == 0 &&
	    burn_busy_ms(&b) == 1, "1 %% of 100 ms is 1 ms busy");
}
END_TEST

static const struct {
	const char *secs, *pct, *word;
} bad[] = {
	{ NULL, NULL, "SECONDS" }, { "", NULL, "SECONDS" },
	{ "0", NULL, "SECONDS" }, { "3601", NULL, "SECONDS" },
	{ "-5", NULL, "SECONDS" }, { "10s", NULL, "SECONDS" },
	{ "+5", NULL, "SECONDS" }, { "99999999999999999999", NULL, "SECONDS" },
	{ "10", "0", "PERCENT" }, { "10", "101", "PERCENT" },
	{ "10", "50%", "PERCENT" }, { "10", "", "PERCENT" },
};

START_TEST(test_burn_parse_bad)
{
	struct burn b;
	char err[128];

	ck_assert_msg(burn_parse(bad[_i].secs, bad[_i].pct, &b, err,
	    sizeof(err)) == -1, "case %d is refused", _i);
	ck_assert_msg(strstr(err, bad[_i].word) != NULL,
	    "case %d: the error names %s: %s", _i, bad[_i].word, err);
}
END_TEST

Suite *
make_guest_burn_suite(void)
{
	Suite *s = suite_create("guest_burn");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_burn_parse_good);
	tcase_add_loop_test(tc, test_burn_parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	suite_add_tcase(s, tc);
	return s;
}
