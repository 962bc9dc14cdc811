/*
 * check_hvd_config.c - hvd.conf parsing: defaults, every key, and errors
 * that name file and line (tests/config/hvd-{pass,fail}-*.conf, expected
 * messages in the .expect files beside them).
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "log.h"
#include "platform/config.h"

START_TEST(test_defaults)
{
	struct hvd_config c;
	char err[ERR_LEN];

	config_defaults(&c);
	ck_assert_int_eq(config_finish(&c, err), 0);
	ck_assert_int_eq(c.cf_api_port, 8006);
	ck_assert_int_eq(c.cf_etcd_client_port, 2379);
	ck_assert_str_eq(c.cf_state_dir, "/var/lib/hvd");
	ck_assert_str_eq(c.cf_socket, "/run/hvd/hvd.sock");
	ck_assert_msg(strcmp(c.cf_accel, "auto") == 0, "the accelerator is "
	    "decided by trying unless set");
	ck_assert_msg(c.cf_max_body == 1L << 20, "bodies are limited to 1 MiB "
	    "by default");
	ck_assert_msg(strcmp(c.cf_image_dirs, "/var/lib/hvd/images") == 0 &&
	    strcmp(c.cf_pool_dirs, "/var/lib/hvd/pools") == 0, "images and "
	    "dir pools are confined under /var/lib/hvd by default");
	ck_assert_msg(c.cf_node[0] != '\0' && strchr(c.cf_node, '.') == NULL,
	    "the node name defaults to the short hostname");
	ck_assert_msg(strcmp(c.cf_fence_reset, "reboot") == 0, "a failed "
	    "fence resets the node unless told otherwise");
}
END_TEST

START_TEST(test_pass_full)
{
	struct hvd_config c;
	char err[ERR_LEN] = "";

	config_defaults(&c);
	ck_assert_msg(config_load(&c, "config/hvd-pass-full.conf", 0, err) ==
	    0, "every documented key is accepted: %s", err);
	ck_assert_str_eq(c.cf_node, "host-1");
	ck_assert_str_eq(c.cf_address, "198.18.0.11");
	ck_assert_int_eq(c.cf_api_port, 8443);
	ck_assert_int_eq(c.cf_etcd_peer_port, 12380);
	ck_assert_str_eq(c.cf_socket, "/tmp/hvd/ctl.sock");
	ck_assert_int_eq(c.cf_lease_ttl, 5);
	ck_assert_int_eq(c.cf_max_body, 2048);
	ck_assert_str_eq(c.cf_ovs_bridge, "vmbr1");
	ck_assert_str_eq(c.cf_accel, "tcg");
	ck_assert_str_eq(c.cf_image_dirs, "/srv/images /var/lib/hvd/images");
	ck_assert_str_eq(c.cf_pool_dirs, "/srv/pools");
}
END_TEST

START_TEST(test_pass_empty_and_missing)
{
	struct hvd_config c;
	char err[ERR_LEN];

	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, "config/hvd-pass-empty.conf", 0,
	    err), 0);
	ck_assert_int_eq(c.cf_api_port, 8006);
	ck_assert_msg(config_load(&c, "config/hvd-nosuch.conf", 1, err) == 0,
	    "a missing default file keeps the defaults");
	ck_assert_msg(config_load(&c, "config/hvd-nosuch.conf", 0, err) == -1,
	    "a missing named file is an error");
}
END_TEST

static const char *const fail_cases[] = {
	"unknown-key", "port", "address", "dup", "syntax", "name",
	"ports-clash", "relative", "role", "accel", "image-dirs",
	"pool-dirs",
};

START_TEST(test_fail_cases)
{
	struct hvd_config c;
	char err[ERR_LEN], path[128], exp[ERR_LEN], name[64], *e;
	FILE *f;
	int lvl = log_getlevel();

	snprintf(name, sizeof(name), "hvd-fail-%s", fail_cases[_i]);
	snprintf(path, sizeof(path), "config/%s.expect", name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(exp, sizeof(exp), f));
	fclose(f);
	exp[strcspn(exp, "\n")] = '\0';
	snprintf(path, sizeof(path), "config/%s.conf", name);
	config_defaults(&c);
	log_setlevel(-1);	/* the parser also logs each error */
	ck_assert_int_eq(config_load(&c, path, 0, err), -1);
	log_setlevel(lvl);
	/* Messages name the file as given; compare from its base name. */
	e = strstr(err, name);
	ck_assert_msg(e != NULL && strcmp(e, exp) == 0,
	    "%s: expected \"%s\", got \"%s\"", name, exp, err);
}
END_TEST

START_TEST(test_parse_string)
{
	struct hvd_config c;
	char err[ERR_LEN];
	int lvl = log_getlevel();

	log_setlevel(-1);
	config_defaults(&c);
	ck_assert_int_eq(config_parse(&c, "s", "node=x  # trailing comment\n"
	    "  lease_ttl   =   7  ", err), 0);
	ck_assert_str_eq(c.cf_node, "x");
	ck_assert_int_eq(c.cf_lease_ttl, 7);
	ck_assert_msg(config_parse(&c, "s", "lease_ttl = 7x\n", err) == -1,
	    "trailing garbage after a number is an error");
	ck_assert_msg(config_parse(&c, "s", "node =\n", err) == -1 &&
	    strstr(err, "has no value") != NULL, "an empty value is an error");
	ck_assert_int_eq(config_parse(&c, "s", "fence_reset = off\n", err), 0);
	ck_assert_str_eq(c.cf_fence_reset, "off");
	ck_assert_msg(config_parse(&c, "s", "fence_reset = maybe\n", err) ==
	    -1 && strstr(err, "'fence_reset' must be reboot or off, got "
	    "'maybe'") != NULL, "fence_reset takes reboot or off: %s", err);
	log_setlevel(lvl);
}
END_TEST

Suite *
make_hvd_config_suite(void)
{
	Suite *s = suite_create("hvd_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_pass_full);
	tcase_add_test(tc, test_pass_empty_and_missing);
	tcase_add_loop_test(tc, test_fail_cases, 0,
	    (int)(sizeof(fail_cases) / sizeof(fail_cases[0])));
	tcase_add_test(tc, test_parse_string);
	suite_add_tcase(s, tc);
	return s;
}
