/*
 * check_migrate.c - live migration settings and QEMU's figures
 * (platform/migrate.c): parsing query-migrate answers and migration
 * parameters, with the checks on types and ranges.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/migrate.h"

START_TEST(test_result_completed)
{
	/* As QEMU 7.2 answers query-migrate after a migration here. */
	const char *t = "{\"blocked\":false,\"expected-downtime\":0,"
	    "\"status\":\"completed\",\"setup-time\":3,\"total-time\":411,"
	    "\"downtime\":5,\"ram\":{\"total\":134750208,\"postcopy-requests\""
	    ":0,\"dirty-sync-count\":4,\"multifd-bytes\":0,\"pages-per-second\""
	    ":40960,\"downtime-bytes\":1024,\"page-size\":4096,\"remaining\":0,"
	    "\"postcopy-bytes\":0,\"mbps\":1331.547,\"transferred\":67738493,"
	    "\"dirty-sync-missed-zero-copy\":0,\"precopy-bytes\":67737469,"
	    "\"duplicate\":16388,\"dirty-pages-rate\":0,\"skipped\":0,"
	    "\"normal-bytes\":67407872,\"normal\":16457}}";
	cJSON *doc = cJSON_Parse(t), *j;
	struct migrate_result r;
	char err[ERR_LEN];

	ck_assert_int_eq(migrate_result_parse(doc, &r, err), 0);
	ck_assert_str_eq(r.status, "completed");
	ck_assert_int_eq(r.total_time_ms, 411);
	ck_assert_int_eq(r.downtime_ms, 5);
	ck_assert_int_eq(r.setup_time_ms, 3);
	ck_assert_msg(r.transferred_bytes == 67738493ULL,
	    "transferred bytes come from ram.transferred");
	ck_assert_int_eq(r.dirty_sync_count, 4);
	j = migrate_result_to_json(&r);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "downtime_ms")->valueint, 5);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "total_time_ms")->valueint,
	    411);
	cJSON_Delete(j);
	cJSON_Delete(doc);
}
END_TEST

static const struct {
	const char *text;
	int ok;
	const char *msg;
} results[] = {
	{ "{}", 1, NULL },	/* before any migration: no members */
	{ "{\"status\":\"failed\",\"error-desc\":\"Unable to write to "
	  "socket: Broken pipe\"}", 1, NULL },
	{ "[]", 0, "must be an object" },
	{ "{\"status\":1}", 0, "'status' must be a string" },
	{ "{\"downtime\":\"5\"}", 0, "'downtime' must be an integer" },
	{ "{\"ram\":[]}", 0, "'ram' must be an object" },
	{ "{\"ram\":{\"transferred\":-1}}", 0, "must not be negative" },
	{ "{\"ram\":{\"mbps\":\"fast\"}}", 0, "'mbps' must be a number" },
};

START_TEST(test_result_table)
{
	cJSON *doc = cJSON_Parse(results[_i].text);
	struct migrate_result r;
	char err[ERR_LEN];
	int rc = migrate_result_parse(doc, &r, err);

	if (results[_i].ok)
		ck_assert_msg(rc == 0, "result %d parses: %s", _i, err);
	else
		ck_assert_msg(rc == -1 && strstr(err, results[_i].msg) != NULL,
		    "result %d: '%s' says '%s'", _i, err, results[_i].msg);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_failed_keeps_reason)
{
	cJSON *doc = cJSON_Parse(results[1].text);
	struct migrate_result r;
	char err[ERR_LEN];

	ck_assert_int_eq(migrate_result_parse(doc, &r, err), 0);
	ck_assert_str_eq(r.status, "failed");
	ck_assert_msg(strstr(r.error, "Broken pipe") != NULL,
	    "QEMU's error-desc is kept");
	cJSON_Delete(doc);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;	/* NULL = accepted */
} params[] = {
	{ "{}", NULL },
	{ "{\"downtime_limit_ms\":10,\"max_bandwidth\":2147483648}", NULL },
	{ "{\"announce_initial_ms\":0,\"announce_rounds\":10,"
	  "\"announce_step_ms\":10,\"announce_after\":true}", NULL },
	{ "{\"downtime\":10}", "unknown field 'downtime'" },
	{ "{\"downtime_limit_ms\":0}", "'downtime_limit_ms' must be in" },
	{ "{\"downtime_limit_ms\":\"20\"}", "must be an integer" },
	{ "{\"max_bandwidth\":1000}", "'max_bandwidth' must be in" },
	{ "{\"announce_step_ms\":0}", "at least 1" },
	{ "{\"announce_rounds\":100000}", "out of range" },
	{ "{\"timeout_ms\":10}", "'timeout_ms' must be in" },
	{ "{\"quiesce_ms\":0}", NULL },
	{ "{\"quiesce_ms\":-1}", "'quiesce_ms' must be in" },
	{ "{\"quiesce_ms\":5000}", "'quiesce_ms' must be in" },
	{ "[]", "must be an object" },
};

START_TEST(test_params_table)
{
	cJSON *doc = cJSON_Parse(params[_i].text);
	struct migrate_params p;
	char err[ERR_LEN];
	int rc;

	migrate_params_default(&p);
	rc = migrate_params_from_json(doc, &p, err);
	if (params[_i].msg == NULL)
		ck_assert_msg(rc == 0, "params %d accepted: %s", _i, err);
	else
		ck_assert_msg(rc == -1 && strstr(err, params[_i].msg) != NULL,
		    "params %d: '%s' says '%s'", _i, err, params[_i].msg);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_params_defaults)
{
	struct migrate_params p;
	cJSON *doc = cJSON_Parse("{\"downtime_limit_ms\":50}");
	char err[ERR_LEN];

	migrate_params_default(&p);
	ck_assert_msg(p.downtime_limit_ms > 0 && p.max_bandwidth > 0 &&
	    p.timeout_ms > 0, "defaults are set");
	ck_assert_msg(p.announce_rounds == -1,
	    "announce parameters default to QEMU's own");
	ck_assert_int_eq(migrate_params_from_json(doc, &p, err), 0);
	ck_assert_int_eq(p.downtime_limit_ms, 50);
	ck_assert_msg(p.max_bandwidth == 1LL << 30 || p.max_bandwidth > 0,
	    "members not given keep their value");
	cJSON_Delete(doc);
}
END_TEST

Suite *
make_migrate_suite(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("figures");

	tcase_add_test(tc, test_result_completed);
	tcase_add_loop_test(tc, test_result_table, 0,
	    (int)(sizeof(results) / sizeof(results[0])));
	tcase_add_test(tc, test_failed_keeps_reason);
	suite_add_tcase(s, tc);
	tc = tcase_create("params");
	tcase_add_loop_test(tc, test_params_table, 0,
	    (int)(sizeof(params) / sizeof(params[0])));
	tcase_add_test(tc, test_params_defaults);
	suite_add_tcase(s, tc);
	return s;
}
