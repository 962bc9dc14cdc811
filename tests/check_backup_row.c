/*
 * check_backup_row.c - the pure parts of the Backup/restore row
 * (scenarios/builtin/backup.c): a schedule's step.
 */
#include <string.h>

#include <check.h>

#include "err.h"
#include "scenarios/builtin/builtin.h"
#include "check_suites.h"

START_TEST(spec_step)
{
	static const struct { const char *spec; long s; } cases[] = {
		{ "*/10s", 10 }, { "*/1m", 60 }, { "*/6h", 21600 },
		{ "daily 02:00", 86400 }, { "*/0m", 86400 }, { "*/m", 86400 },
		{ "*/5x", 86400 }, { "*/1-m", 86400 }, { "", 86400 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(backup_spec_step(cases[i].spec) == cases[i].s,
		    "a step of '%s' is %ld s, not %ld", cases[i].spec,
		    cases[i].s, backup_spec_step(cases[i].spec));
}
END_TEST

Suite *
make_backup_row_suite(void)
{
	Suite *s = suite_create("backup_row");
	TCase *tc = tcase_create("backup_row");

	tcase_add_test(tc, spec_step);
	suite_add_tcase(s, tc);
	return s;
}
