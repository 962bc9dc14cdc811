/*
 * check_clock.c - time helpers and duration parsing.
 */
#include <string.h>

#include "check_suites.h"
#include "clock.h"
#include "err.h"

static const struct {
	const char *in;
	uint64_t ns;
} good[] = {
	{ "10ms", 10 * NS_PER_MS }, { "2s", 2 * NS_PER_S },
	{ "1.5s", 1500 * NS_PER_MS }, { "1m", 60 * NS_PER_S },
	{ "500us", 500 * NS_PER_US }, { "7ns", 7 }, { "1h", 3600 * NS_PER_S },
	{ "0.25ms", 250 * NS_PER_US }, { "0s", 0 },
	{ "168h", 168 * 3600 * NS_PER_S }, { "604800s", 604800 * NS_PER_S },
};

static const struct {
	const char *in;
	const char *msg;
} bad[] = {
	{ "", "empty duration" },
	{ "10", "duration '10' needs a unit (ns, us, ms, s, m, h)" },
	{ "ms", "invalid duration 'ms'" },
	{ "-1s", "invalid duration '-1s'" },
	{ "3 s", "unknown unit ' s' in duration '3 s'" },
	{ "5parsecs", "unknown unit 'parsecs' in duration '5parsecs'" },
	{ "1e30h", "duration '1e30h' is too long (at most 168h)" },
	/* past 2^63 ns: no longer a value llround(3) can return */
	{ "3000000h", "duration '3000000h' is too long (at most 168h)" },
	{ "99999999999999h",
	    "duration '99999999999999h' is too long (at most 168h)" },
	{ "168.001h", "duration '168.001h' is too long (at most 168h)" },
	{ "9223372036854775808ns",
	    "duration '9223372036854775808ns' is too long (at most 168h)" },
};

START_TEST(test_parse_good)
{
	char err[ERR_LEN];
	uint64_t ns = 12345;

	ck_assert_msg(clock_parse_duration(good[_i].in, &ns, err) == 0,
	    "'%s' parses", good[_i].in);
	ck_assert_msg(ns == good[_i].ns, "'%s' is %llu ns, got %llu",
	    good[_i].in, (unsigned long long)good[_i].ns,
	    (unsigned long long)ns);
}
END_TEST

START_TEST(test_parse_bad)
{
	char err[ERR_LEN];
	uint64_t ns = 12345;

	ck_assert_int_eq(clock_parse_duration(bad[_i].in, &ns, err), -1);
	ck_assert_msg(strcmp(err, bad[_i].msg) == 0,
	    "'%s' is refused with '%s', got '%s'", bad[_i].in, bad[_i].msg,
	    err);
	ck_assert_msg(ns == 12345, "a refused duration leaves the output alone");
}
END_TEST

START_TEST(test_monotonic_advances)
{
	uint64_t a = clock_mono_ns(), b;

	clock_sleep_ns(2 * NS_PER_MS);
	b = clock_mono_ns();
	ck_assert_msg(b >= a + 2 * NS_PER_MS,
	    "the monotonic clock advances at least by the time slept");
	ck_assert_msg(clock_wall_ns() > 1700000000ULL * NS_PER_S,
	    "wall time is in ns since the epoch");
}
END_TEST

START_TEST(test_format)
{
	char buf[64];

	clock_format_wall(1795676697123456789ULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-11-26T07:04:57.123Z");
	clock_format_duration(38400 * NS_PER_US, buf, sizeof(buf));
	ck_assert_str_eq(buf, "38.4ms");
	clock_format_duration(1250 * NS_PER_MS, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.25s");
	clock_format_duration(950 * NS_PER_US, buf, sizeof(buf));
	ck_assert_str_eq(buf, "950us");
}
END_TEST

Suite *
make_clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_good, 0,
	    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, test_parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_monotonic_advances);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}
