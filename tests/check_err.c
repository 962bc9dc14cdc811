/*
 * check_err.c - error buffers.
 */
#include <errno.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"

START_TEST(test_err_set_returns_minus_one)
{
	char err[ERR_LEN];

	ck_assert_int_eq(err_set(err, "bad %s at %d", "key", 42), -1);
	ck_assert_msg(strcmp(err, "bad key at 42") == 0,
	    "err_set formats the message into the buffer");
	ck_assert_int_eq(err_set(NULL, "ignored"), -1);
}
END_TEST

START_TEST(test_err_errno_appends_strerror)
{
	char err[ERR_LEN];

	errno = ENOENT;
	err_errno(err, "open %s", "/nope");
	ck_assert_msg(strcmp(err, "open /nope: No such file or directory") == 0,
	    "err_errno appends strerror: got '%s'", err);
	ck_assert_msg(errno == ENOENT, "err_errno keeps errno");
}
END_TEST

START_TEST(test_err_prefix_and_truncation)
{
	char err[ERR_LEN], big[2 * ERR_LEN];

	err_set(err, "'memory' must be an integer");
	err_prefix(err, "scenarios.yaml:%d", 12);
	ck_assert_str_eq(err, "scenarios.yaml:12: 'memory' must be an integer");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(err, "%s", big);
	ck_assert_msg(strlen(err) == ERR_LEN - 1,
	    "a long message is truncated to the buffer, never overflows it");
}
END_TEST

/* Callers pass the buffer's own message on: FAIL(400, "name", "%s", err)
 * in platform/ is err_set(err, "%s", err). */
START_TEST(test_err_set_from_itself)
{
	char err[ERR_LEN];

	err_set(err, "'name' must be a string");
	err_set(err, "%s", err);
	ck_assert_msg(strcmp(err, "'name' must be a string") == 0,
	    "err_set with the buffer's own message keeps it: got '%s'", err);
	err_set(err, "pool %s", "san");
	err_set(err, "%s: no LUN", err);
	ck_assert_str_eq(err, "pool san: no LUN");
	errno = EACCES;
	err_set(err, "open x");
	err_errno(err, "%s", err);
	ck_assert_str_eq(err, "open x: Permission denied");
}
END_TEST

Suite *
make_err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_err_set_returns_minus_one);
	tcase_add_test(tc, test_err_errno_appends_strerror);
	tcase_add_test(tc, test_err_prefix_and_truncation);
	tcase_add_test(tc, test_err_set_from_itself);
	suite_add_tcase(s, tc);
	return s;
}
