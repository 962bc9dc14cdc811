/*
 * check_backup.c - the pure parts of hvd's backups (platform/
 * backup_plan.c): backup ids, calendar specs and their next slot, and
 * which backups a prune keeps by Proxmox's keep-* rules, incremental
 * chains kept whole.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "err.h"
#include "platform/backup.h"

/* "YYYY-MM-DD HH:MM:SS" UTC as a time_t. */
static time_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(strptime(s, "%Y-%m-%d %H:%M:%S", &tm));
	return timegm(&tm);
}

START_TEST(test_ids)
{
	char id[BACKUP_ID_MAX], vm[64];
	time_t t = utc("2026-12-03 05:53:44"), back = 0;

	ck_assert_int_eq(backup_id_make("web-1", t, id, sizeof(id)), 0);
	ck_assert_msg(strcmp(id, "vzdump-qemu-web-1-2026_12_03-05_53_44") == 0,
	    "an id is vzdump's name for the VM and the UTC time: %s", id);
	ck_assert_msg(backup_id_parse(id, vm, sizeof(vm), &back) == 0 &&
	    strcmp(vm, "web-1") == 0 && back == t,
	    "an id gives back its VM (dashes and all) and its time");
	ck_assert_msg(backup_id_parse("vzdump-qemu--2026_12_03-05_53_44", vm,
	    sizeof(vm), &back) == -1, "an id names a VM");
	ck_assert_msg(backup_id_parse("vzdump-qemu-a-2026_13_03-05_53_44", vm,
	    sizeof(vm), &back) == -1, "an id's time is a real time");
	ck_assert_msg(backup_id_parse("vzdump-lxc-a-2026_12_03-05_53_44", vm,
	    sizeof(vm), &back) == -1, "an id is a QEMU one");
	ck_assert_msg(backup_id_parse("vzdump-qemu-a/b-2026_12_03-05_53_44",
	    vm, sizeof(vm), &back) == -1, "an id has no '/'");
	ck_assert_msg(backup_id_parse(".vzdump-qemu-a-2026_12_03-05_53_44."
	    "part", vm, sizeof(vm), &back) == -1,
	    "a backup being written is no backup");
}
END_TEST

START_TEST(test_cal_parse)
{
	static const struct {
		const char *spec;
		const char *err;	/* NULL: valid */
	} cases[] = {
		{ "daily 02:00", NULL }, { "weekly sun 23:59", NULL },
		{ "hourly", NULL }, { "*/1m", NULL }, { "*/1440m", NULL },
		{ "*/6h", NULL }, { "*/24h", NULL }, { "*/10s", NULL },
		{ "*/3600s", NULL }, { "*/9s", "10..3600 seconds" },
		{ "*/3601s", "10..3600 seconds" },
		{ "daily 2:00", "HH:MM" }, { "daily 24:00", "HH:MM" },
		{ "daily 02:60", "HH:MM" }, { "*/0m", "1..1440" },
		{ "*/1441m", "1..1440" }, { "*/25h", "1..24" },
		{ "*/5d", "ends in s" }, { "weekly xyz 01:00", "the day" },
		{ "every day", "not a calendar spec" },
		{ "", "not a calendar spec" },
		{ "daily 02:00 x", "not a calendar spec" },
	};
	struct backup_cal c;
	char err[ERR_LEN];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		r = backup_cal_parse(cases[i].spec, &c, err);
		if (cases[i].err == NULL)
			ck_assert_msg(r == 0, "'%s' is a calendar spec: %s",
			    cases[i].spec, err);
		else
			ck_assert_msg(r == -1 && strstr(err, cases[i].err),
			    "'%s' is refused saying '%s': %s", cases[i].spec,
			    cases[i].err, err);
	}
}
END_TEST

START_TEST(test_cal_next)
{
	static const struct {
		const char *spec, *now, *next;
	} cases[] = {
		{ "*/1m", "2026-12-03 05:53:44", "2026-12-03 05:54:00" },
		{ "*/10s", "2026-12-03 05:53:44", "2026-12-03 05:53:50" },
		{ "*/10s", "2026-12-03 05:53:50", "2026-12-03 05:54:00" },
		{ "*/11s", "2026-12-03 23:59:58", "2026-12-04 00:00:00" },
		{ "*/1m", "2026-12-03 05:54:00", "2026-12-03 05:55:00" },
		{ "*/6h", "2026-12-03 05:53:44", "2026-12-03 06:00:00" },
		{ "*/6h", "2026-12-03 06:00:00", "2026-12-03 12:00:00" },
		{ "*/6h", "2026-12-03 19:00:00", "2026-12-04 00:00:00" },
		{ "*/7m", "2026-12-03 05:53:44", "2026-12-03 05:57:00" },
		{ "*/7m", "2026-12-03 23:58:00", "2026-12-04 00:00:00" },
		{ "hourly", "2026-12-31 23:10:00", "2027-01-01 00:00:00" },
		{ "daily 02:00", "2026-12-03 05:53:44", "2026-12-04 02:00:00" },
		{ "daily 06:00", "2026-12-03 05:53:44", "2026-12-03 06:00:00" },
		{ "weekly thu 05:53", "2026-12-03 05:53:44",
		    "2026-12-10 05:53:00" },
		{ "weekly mon 00:00", "2026-12-03 05:53:44",
		    "2026-12-07 00:00:00" },
		{ "weekly thu 06:00", "2026-12-03 05:53:44",
		    "2026-12-03 06:00:00" },
	};
	struct backup_cal c;
	char err[ERR_LEN], got[32];
	time_t n;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(backup_cal_parse(cases[i].spec, &c, err), 0);
		n = backup_cal_next(&c, utc(cases[i].now));
		strftime(got, sizeof(got), "%Y-%m-%d %H:%M:%S", gmtime(&n));
		ck_assert_msg(n == utc(cases[i].next), "'%s' after %s fires "
		    "at %s, not %s", cases[i].spec, cases[i].now,
		    cases[i].next, got);
	}
}
END_TEST

/* One prune case: backups (time, parent), the options, the marks
 * wanted ('k' keep, 'b' kept as a base, 'r' removed). */
struct prune_case {
	const char		*what;
	struct backup_keep	 keep;
	const char		*times[6];
	int			 parents[6];
	const char		*want;
};

START_TEST(test_prune)
{
	static const struct prune_case cases[] = {
		{ "keep_last 2 keeps the two newest", { .bk_last = 2 },
		    { "2026-12-01 10:00:00", "2026-12-02 10:00:00",
		    "2026-12-03 10:00:00", "2026-12-04 10:00:00" },
		    { -1, -1, -1, -1 }, "rrkk" },
		{ "keep_daily 2 keeps the newest of the two newest days",
		    { .bk_daily = 2 },
		    { "2026-12-01 10:00:00", "2026-12-01 12:00:00",
		    "2026-12-02 10:00:00", "2026-12-02 12:00:00",
		    "2026-12-03 09:00:00" },
		    { -1, -1, -1, -1, -1 }, "rrrkk" },
		{ "a day keep_last covers is not counted by keep_daily",
		    { .bk_last = 1, .bk_daily = 2 },
		    { "2026-12-01 10:00:00", "2026-12-02 10:00:00",
		    "2026-12-02 12:00:00", "2026-12-03 09:00:00" },
		    { -1, -1, -1, -1 }, "krkk" },
		{ "ISO weeks: Sunday 4 Jan 2026 and Monday 5 Jan differ",
		    { .bk_weekly = 1 },
		    { "2026-01-04 10:00:00", "2026-01-05 10:00:00" },
		    { -1, -1 }, "rk" },
		{ "keep_monthly 2 over three months",
		    { .bk_monthly = 2 },
		    { "2026-10-31 23:00:00", "2026-11-01 00:00:00",
		    "2026-11-30 10:00:00", "2026-12-01 10:00:00" },
		    { -1, -1, -1, -1 }, "rrkk" },
		{ "a kept incremental keeps its chain as bases",
		    { .bk_last = 1 },
		    { "2026-12-01 10:00:00", "2026-12-02 10:00:00",
		    "2026-12-03 10:00:00", "2026-12-04 10:00:00" },
		    { -1, -1, 1, 2 }, "rbbk" },
		{ "no option keeps everything", { 0 },
		    { "2026-12-01 10:00:00", "2026-12-02 10:00:00" },
		    { -1, 0 }, "kk" },
	};
	static const char marks[] = "?kbr";
	struct backup_item it[6];
	char got[8];
	size_t c, i, n;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (n = 0; n < 6 && cases[c].times[n] != NULL; n++) {
			it[n].bi_time = utc(cases[c].times[n]);
			it[n].bi_parent = cases[c].parents[n];
		}
		backup_prune_mark(it, n, &cases[c].keep);
		for (i = 0; i < n; i++)
			got[i] = marks[it[i].bi_mark];
		got[n] = '\0';
		ck_assert_msg(strcmp(got, cases[c].want) == 0, "%s: %s, not "
		    "%s", cases[c].what, cases[c].want, got);
	}
}
END_TEST

START_TEST(test_keep_parse)
{
	struct backup_keep k;
	const char *field = NULL;
	char err[ERR_LEN];
	cJSON *o;

	o = cJSON_Parse("{\"keep_last\": 3, \"keep_weekly\": 2}");
	ck_assert_int_eq(backup_keep_parse(o, &k, &field, err), 0);
	ck_assert_msg(k.bk_last == 3 && k.bk_weekly == 2 && k.bk_daily == 0,
	    "keep_* members are read, absent ones are 0");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"keep_daily\": -1}");
	ck_assert_msg(backup_keep_parse(o, &k, &field, err) == -1 &&
	    strcmp(field, "keep_daily") == 0, "a negative count is refused, "
	    "the member named");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"keep_monthly\": \"2\"}");
	ck_assert_msg(backup_keep_parse(o, &k, &field, err) == -1 &&
	    strcmp(field, "keep_monthly") == 0, "a count is a number");
	cJSON_Delete(o);
	ck_assert_msg(backup_name_valid("nightly-1") &&
	    backup_name_valid("1st") && !backup_name_valid("-x") &&
	    !backup_name_valid("a/b") && !backup_name_valid("") &&
	    !backup_name_valid("a234567890123456789012345678901234567890x"),
	    "store and job names are words of at most 40");
}
END_TEST

Suite *
make_backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_cal_parse);
	tcase_add_test(tc, test_cal_next);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_keep_parse);
	suite_add_tcase(s, tc);
	return s;
}
