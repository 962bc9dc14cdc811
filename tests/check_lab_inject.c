/*
 * check_lab_inject.c - unit tests of lab/inject.c: each event's arguments
 * are checked before anything happens, the provider gets the right call,
 * and every injected event is stamped and appended to events.jsonl; a
 * clock step's offset is read as signed seconds within a day.  The
 * provider here records calls (the real one needs root; the integration
 * tests run it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>

#include "err.h"
#include "lab/hostclock.h"
#include "lab/inject.h"

static char calls[1024];
static int fail_next;

static int
rec(const char *fmt, const char *a, int b, char *err)
{
	size_t n = strlen(calls);

	snprintf(calls + n, sizeof(calls) - n, fmt, a, b);
	if (fail_next) {
		fail_next = 0;
		return err_set(err, "provider failed");
	}
	return 0;
}

static int pull(struct lab *l, const char *h, char *e) { (void)l; return rec("pull %s%.0d;", h, 0, e); }
static int on(struct lab *l, const char *h, char *e) { (void)l; return rec("on %s%.0d;", h, 0, e); }
static int nic(struct lab *l, const char *h, int n, int up, char *e) { (void)l; return rec(up ? "plug %s %d;" : "unplug %s %d;", h, n, e); }
static int stor(struct lab *l, int up, char *e) { (void)l; return rec("storage %s%d;", "", up, e); }
static int part(struct lab *l, char *const h[], int n, char *e) { (void)l; return rec("partition %s %d;", h[0], n, e); }
static int heal(struct lab *l, char *e) { (void)l; return rec("heal%s%.0d;", "", 0, e); }
static int clk(struct lab *l, const char *h, long s, char *e) { (void)l; return rec("clock %s %d;", h, (int)s, e); }

static const struct lab_provider recorder = {
	.lp_name = "recorder",
	.lp_power_pull = pull, .lp_power_on = on, .lp_nic_set = nic,
	.lp_storage_set = stor, .lp_partition = part, .lp_heal = heal,
	.lp_clock_set = clk,
};

static struct lab *lab;

static void
setup(void)
{
	char err[ERR_LEN];

	lab = calloc(1, sizeof(*lab));
	ck_assert_msg(topo_load("config/pass-lab-default.yaml", "t3u",
	    &lab->l_topo, NULL, err) == 0, "the topology loads: %s", err);
	snprintf(lab->l_state, sizeof(lab->l_state), "/tmp/check_inject.XXXXXX");
	ck_assert_msg(mkdtemp(lab->l_state) != NULL, "a state dir is made");
	calls[0] = '\0';
	fail_next = 0;
}

static void
teardown(void)
{
	char p[LAB_PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/events.jsonl", lab->l_state);
	unlink(p);
	rmdir(lab->l_state);
	free(lab);
}

static int
inject(const char *name, const char *a1, const char *a2, char *err)
{
	char *argv[3] = { (char *)name, (char *)a1, (char *)a2 };
	struct inject_event ev;
	int argc = a2 ? 3 : a1 ? 2 : 1;

	return inject_run(lab, &recorder, argc, argv, &ev, err);
}

static int
events(char *buf, size_t len)
{
	char p[LAB_PATH_MAX + 32];
	FILE *f;
	int lines = 0;
	size_t n;

	snprintf(p, sizeof(p), "%s/events.jsonl", lab->l_state);
	buf[0] = '\0';
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (n = 0; buf[n]; n++)
		lines += buf[n] == '\n';
	return lines;
}

START_TEST(test_calls_and_records)
{
	char err[ERR_LEN], ev[4096];

	ck_assert_int_eq(inject("nic-unplug", "host1", "eth1", err), 0);
	ck_assert_int_eq(inject("nic-plug", "host1", "1", err), 0);
	ck_assert_int_eq(inject("power-pull", "host2", NULL, err), 0);
	ck_assert_int_eq(inject("power-on", "host2", NULL, err), 0);
	ck_assert_int_eq(inject("storage-down", NULL, NULL, err), 0);
	ck_assert_int_eq(inject("partition", "host1", "host3", err), 0);
	ck_assert_int_eq(inject("heal", NULL, NULL, err), 0);
	ck_assert_msg(strcmp(calls, "unplug host1 1;plug host1 1;pull host2;"
	    "on host2;storage 0;partition host1 2;heal;") == 0,
	    "the provider got one call per event with its arguments (%s)",
	    calls);
	ck_assert_msg(events(ev, sizeof(ev)) == 7,
	    "every event is a line of events.jsonl");
	ck_assert_msg(strstr(ev, "{\"lab\":\"t3u\",\"event\":\"nic-unplug\","
	    "\"args\":\"host1 eth1\",\"mono_ns\":") == ev,
	    "a line names the lab, the event and its arguments: %s", ev);
	ck_assert_msg(strstr(ev, "\"wall_ns\":") && strstr(ev, "Z\"}\n"),
	    "a line has wall time in ns and RFC 3339");
}
END_TEST

START_TEST(test_record_source)
{
	struct inject_event e;
	char err[ERR_LEN], ev[4096];

	memset(&e, 0, sizeof(e));
	e.ie_name = "power-pull";
	e.ie_source = "bmc";
	snprintf(e.ie_args, sizeof(e.ie_args), "host2");
	inject_stamp(&e);
	ck_assert_msg(e.ie_mono_ns > 0 && e.ie_wall_ns > 0, "a stamp reads "
	    "both clocks");
	ck_assert_int_eq(inject_record(lab, &e, err), 0);
	ck_assert_msg(events(ev, sizeof(ev)) == 1 && strstr(ev,
	    "\"event\":\"power-pull\",\"args\":\"host2\",\"source\":\"bmc\","
	    "\"mono_ns\":") != NULL, "an action of a BMC is a line with "
	    "\"source\":\"bmc\": %s", ev);
	ck_assert_int_eq(inject("power-on", "host2", NULL, err), 0);
	ck_assert_msg(events(ev, sizeof(ev)) == 2 &&
	    strstr(strchr(ev, '\n'), "source") == NULL, "an inject's line "
	    "has no source");
}
END_TEST

START_TEST(test_misuse)
{
	char err[ERR_LEN], ev[256];

	ck_assert_int_eq(inject("power-pull", NULL, NULL, err), 1);
	ck_assert_int_eq(inject("power-on", "a", "b", err), 1);
	ck_assert_int_eq(inject("nic-unplug", "host1", NULL, err), 1);
	ck_assert_int_eq(inject("nic-unplug", "host1", "wlan0", err), 1);
	ck_assert_int_eq(inject("storage-up", "x", NULL, err), 1);
	ck_assert_int_eq(inject("partition", NULL, NULL, err), 1);
	ck_assert_int_eq(inject("heal", "x", NULL, err), 1);
	ck_assert_int_eq(inject("melt", NULL, NULL, err), 1);
	ck_assert_msg(strstr(err, "unknown event 'melt'") != NULL,
	    "an unknown event is named");
	ck_assert_int_eq(inject("power-pull", "ho\"st", NULL, err), 1);
	ck_assert_msg(calls[0] == '\0', "misuse never reaches the provider");
	ck_assert_msg(events(ev, sizeof(ev)) == 0, "misuse records nothing");
}
END_TEST

START_TEST(test_provider_failure)
{
	char err[ERR_LEN], ev[256];

	fail_next = 1;
	ck_assert_int_eq(inject("power-pull", "host1", NULL, err), -1);
	ck_assert_msg(strcmp(err, "provider failed") == 0,
	    "the provider's error is passed on");
	ck_assert_msg(events(ev, sizeof(ev)) == 0,
	    "a failed inject records nothing");
}
END_TEST

START_TEST(test_clock)
{
	char err[ERR_LEN], ev[4096];

	ck_assert_int_eq(inject("clock", "host1", "+30", err), 0);
	ck_assert_int_eq(inject("clock", "host1", "-30", err), 0);
	ck_assert_int_eq(inject("clock", "host2", "0", err), 0);
	ck_assert_msg(strcmp(calls, "clock host1 30;clock host1 -30;"
	    "clock host2 0;") == 0, "the provider gets the host and the "
	    "offset in signed seconds (%s)", calls);
	ck_assert_msg(events(ev, sizeof(ev)) == 3 &&
	    strstr(ev, "\"event\":\"clock\",\"args\":\"host1 +30\"") != NULL,
	    "a step is a line of events.jsonl with its offset: %s", ev);
}
END_TEST

static const struct {
	const char *s;
	int ok;
	long v;
} offsets[] = {
	{ "+30", 1, 30 }, { "-30", 1, -30 }, { "30", 1, 30 }, { "0", 1, 0 },
	{ "+0", 1, 0 }, { "-0", 1, 0 }, { "+86400", 1, 86400 },
	{ "-86400", 1, -86400 },
	{ "+86401", 0, 0 }, { "-86401", 0, 0 }, { "", 0, 0 }, { "+", 0, 0 },
	{ "30s", 0, 0 }, { " 30", 0, 0 }, { "+-3", 0, 0 }, { "3.5", 0, 0 },
	{ "99999999999999999999", 0, 0 }, { "x", 0, 0 },
};

START_TEST(test_clock_offset)
{
	long v = 12345;
	int r = hostclock_parse_offset(offsets[_i].s, &v);

	ck_assert_msg((r == 0) == offsets[_i].ok, "'%s' is %s an offset",
	    offsets[_i].s, offsets[_i].ok ? "" : "not");
	if (offsets[_i].ok)
		ck_assert_msg(v == offsets[_i].v, "'%s' is %ld s, not %ld",
		    offsets[_i].s, offsets[_i].v, v);
	else
		ck_assert_msg(v == 12345, "a bad offset leaves *out alone");
}
END_TEST

START_TEST(test_clock_misuse)
{
	char err[ERR_LEN], ev[256];

	ck_assert_int_eq(inject("clock", "host1", NULL, err), 1);
	ck_assert_msg(strstr(err, "clock takes HOST SECONDS") != NULL,
	    "a missing offset says what clock takes: %s", err);
	ck_assert_int_eq(inject("clock", "host1", "+1h", err), 1);
	ck_assert_int_eq(inject("clock", "host1", "+90000", err), 1);
	ck_assert_int_eq(inject("clock", NULL, NULL, err), 1);
	ck_assert_msg(calls[0] == '\0', "a bad step never reaches the "
	    "provider");
	ck_assert_msg(events(ev, sizeof(ev)) == 0, "a bad step records "
	    "nothing");
}
END_TEST

Suite *
make_lab_inject_suite(void)
{
	Suite *s = suite_create("lab_inject");
	TCase *tc = tcase_create("inject");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_calls_and_records);
	tcase_add_test(tc, test_record_source);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_provider_failure);
	tcase_add_test(tc, test_clock);
	tcase_add_loop_test(tc, test_clock_offset, 0,
	    sizeof(offsets) / sizeof(offsets[0]));
	tcase_add_test(tc, test_clock_misuse);
	suite_add_tcase(s, tc);
	return s;
}
