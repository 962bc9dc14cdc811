/*
 * check_hvd_api.c - request validation pieces of hvd's API that need no
 * server: route matching, task ids, cluster names.
 */
#include <string.h>

#include "err.h"

#include "check_suites.h"
#include "platform/api.h"
#include "platform/cluster.h"
#include "platform/pool.h"
#include "platform/task.h"

static const struct {
	const char *pattern, *path;
	int match;
	const char *p0, *p1;
} routes[] = {
	{ "/api/v1/nodes", "/api/v1/nodes", 1, NULL, NULL },
	{ "/api/v1/nodes", "/api/v1/nodesx", 0, NULL, NULL },
	{ "/api/v1/nodes", "/api/v1/node", 0, NULL, NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/n1", 1, "n1", NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/", 0, NULL, NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/n1/x", 0, NULL, NULL },
	{ "/api/v1/vms/*/migrate/*", "/api/v1/vms/a/migrate/b", 1, "a", "b" },
	{ "/api/v1/tasks/*", "/api/v1/tasks/UPID:n1:0001:0002:t:x:u:", 1,
	    "UPID:n1:0001:0002:t:x:u:", NULL },
};

START_TEST(test_match)
{
	char params[API_MAX_PARAMS][256];
	int m = api_match(routes[_i].pattern, routes[_i].path, params);

	ck_assert_msg(m == routes[_i].match, "'%s' %s '%s'", routes[_i].path,
	    routes[_i].match ? "matches" : "does not match",
	    routes[_i].pattern);
	if (m && routes[_i].p0)
		ck_assert_str_eq(params[0], routes[_i].p0);
	if (m && routes[_i].p1)
		ck_assert_str_eq(params[1], routes[_i].p1);
}
END_TEST

START_TEST(test_long_segment)
{
	char params[API_MAX_PARAMS][256], path[600];

	memset(path, 'a', sizeof(path));
	memcpy(path, "/api/v1/nodes/", 14);
	path[sizeof(path) - 1] = '\0';
	ck_assert_msg(api_match("/api/v1/nodes/*", path, params) == 0,
	    "a segment longer than a parameter buffer does not match");
}
END_TEST

START_TEST(test_task_ids)
{
	struct task_desc d = { "node1", "vmstart", "vm1", "token:abc" };
	char id[TASK_ID_LEN];

	task_make_id(id, &d, 0x1f, 0x5f00aa11UL);
	ck_assert_str_eq(id, "UPID:node1:0000001F:5F00AA11:vmstart:vm1:"
	    "token:abc:");
	ck_assert(task_id_valid(id));
	ck_assert_msg(!task_id_valid("UPID:a/../b"), "ids carry no '/'");
	ck_assert_msg(!task_id_valid("PID:a"), "ids start with UPID:");
	ck_assert_msg(!task_id_valid("UPID:a b"), "ids carry no spaces");
}
END_TEST

START_TEST(test_names)
{
	ck_assert(cluster_valid_name("lab"));
	ck_assert(cluster_valid_name("node-1_a"));
	ck_assert(!cluster_valid_name(""));
	ck_assert(!cluster_valid_name("-x"));
	ck_assert(!cluster_valid_name("a b"));
	ck_assert(!cluster_valid_name("a/b"));
	ck_assert(!cluster_valid_name(
	    "a123456789012345678901234567890123456789012345678901234567890123"));
}
END_TEST

static const struct {
	const char *portal, *target;
	int lun, ok;
	const char *uri;
} uris[] = {
	{ "198.18.0.2", "iqn.2026-11.lab:san", 1, 1,
	    "iscsi://198.18.0.2/iqn.2026-11.lab:san/1" },
	{ "198.18.0.2:3261", "iqn.2026-11.lab:san", 0, 1,
	    "iscsi://198.18.0.2:3261/iqn.2026-11.lab:san/0" },
	{ "san.example", "iqn.x:y", 1, 0, NULL },
	{ "198.18.0.2:99999", "iqn.x:y", 1, 0, NULL },
	{ "198.18.0.2", "iqn.x/../y", 1, 0, NULL },
	{ "198.18.0.2", "iqn x", 1, 0, NULL },
	{ "198.18.0.2", "iqn.x:y", 256, 0, NULL },
	{ "198.18.0.2", "iqn.x:y", -1, 0, NULL },
};

START_TEST(test_iscsi_uri)
{
	char buf[256], err[ERR_LEN];
	int rc = pool_iscsi_uri(uris[_i].portal, uris[_i].target, uris[_i].lun,
	    buf, sizeof(buf), err);

	ck_assert_msg((rc == 0) == uris[_i].ok, "portal '%s' target '%s' LUN "
	    "%d is %s", uris[_i].portal, uris[_i].target, uris[_i].lun,
	    uris[_i].ok ? "accepted" : "refused");
	if (rc == 0)
		ck_assert_str_eq(buf, uris[_i].uri);
}
END_TEST

Suite *
make_hvd_api_suite(void)
{
	Suite *s = suite_create("hvd_api");
	TCase *tc = tcase_create("validation");

	tcase_add_loop_test(tc, test_match, 0,
	    (int)(sizeof(routes) / sizeof(routes[0])));
	tcase_add_test(tc, test_long_segment);
	tcase_add_test(tc, test_task_ids);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_iscsi_uri, 0,
	    (int)(sizeof(uris) / sizeof(uris[0])));
	suite_add_tcase(s, tc);
	return s;
}
