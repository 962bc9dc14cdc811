/*
 * check_log.c - logging levels and file output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "log.h"

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_log_levels_to_file)
{
	char path[] = "/tmp/hvlab-check-log-XXXXXX";
	int fd = mkstemp(path);
	char *text;

	ck_assert_int_ge(fd, 0);
	close(fd);
	log_init("check", LOG_LEVEL_INFO);
	ck_assert_int_eq(log_open_file(path), 0);
	log_info("info line %d", 1);
	log_debug("debug line hidden");
	log_warnx("warn line");
	log_close_file();
	text = slurp(path);
	unlink(path);
	ck_assert_msg(strstr(text, "check[") != NULL,
	    "file lines carry the program name and pid");
	ck_assert_msg(strstr(text, "info line 1") != NULL,
	    "info is written at level info");
	ck_assert_msg(strstr(text, "debug line hidden") == NULL,
	    "debug is not written at level info");
	ck_assert_msg(strstr(text, "warn line") != NULL, "warnings are written");
	ck_assert_msg(strstr(text, "Z check[") != NULL,
	    "file lines start with a UTC timestamp");
}
END_TEST

START_TEST(test_fatalx_exits_one)
{
	log_init("check", LOG_LEVEL_WARN);
	fatalx("giving up");
}
END_TEST

Suite *
make_log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_log_levels_to_file);
	tcase_add_exit_test(tc, test_fatalx_exits_one, 1);
	suite_add_tcase(s, tc);
	return s;
}
