/*
 * check_cmd.c - table-driven subcommand dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "cmd.h"

static int seen_argc;
static char seen_name[32];

static int
handler(int argc, char **argv)
{
	seen_argc = argc;
	snprintf(seen_name, sizeof(seen_name), "%s", argv[0]);
	return 7;
}

static const struct cmd table[] = {
	{ "up", handler, "[-f FILE]", "bring the lab up" },
	{ "down", handler, "", "remove the lab" },
	{ NULL, NULL, NULL, NULL }
};

START_TEST(test_dispatch_finds_handler)
{
	char *argv[] = { "down", "--lab", "x", NULL };

	ck_assert_int_eq(cmd_dispatch("hvlab lab", table, 3, argv), 7);
	ck_assert_msg(seen_argc == 3 && strcmp(seen_name, "down") == 0,
	    "the handler gets argv starting at its own name");
}
END_TEST

START_TEST(test_dispatch_misuse_is_exit_1)
{
	char *unknown[] = { "sideways", NULL };
	char *help[] = { "-h", NULL };

	ck_assert_msg(cmd_dispatch("hvlab lab", table, 1, unknown) == 1,
	    "an unknown command is misuse (1)");
	ck_assert_msg(cmd_dispatch("hvlab lab", table, 0, unknown) == 1,
	    "a missing command is misuse (1)");
	ck_assert_msg(cmd_dispatch("hvlab lab", table, 1, help) == 0,
	    "-h prints usage and succeeds");
	ck_assert_msg(cmd_misuse("hvlab lab", table, "up") == 1,
	    "cmd_misuse returns 1");
}
END_TEST

START_TEST(test_usage_lists_every_command)
{
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cmd_usage(f, "hvlab lab", table);
	fclose(f);
	ck_assert_msg(strstr(buf, "hvlab lab up [-f FILE]") != NULL &&
	    strstr(buf, "hvlab lab down") != NULL &&
	    strstr(buf, "bring the lab up") != NULL,
	    "usage is printed from the table: '%s'", buf);
}
END_TEST

Suite *
make_cmd_suite(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dispatch_finds_handler);
	tcase_add_test(tc, test_dispatch_misuse_is_exit_1);
	tcase_add_test(tc, test_usage_lists_every_command);
	suite_add_tcase(s, tc);
	return s;
}
