/*
 * check_hvd_etcd.c - the etcd JSON gateway encoding: base64, prefix range
 * ends, request bodies, range answers (types checked, int64 as strings).
 */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "json.h"
#include "platform/etcd.h"
#include "platform/ha_priv.h"

static const struct { const char *in, *out; } b64[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" }, { "/hvd/nodes/", "L2h2ZC9ub2Rlcy8=" },
};

START_TEST(test_b64)
{
	char *e = etcd_b64_encode(b64[_i].in, strlen(b64[_i].in)), *d;
	size_t n;

	ck_assert_str_eq(e, b64[_i].out);
	d = etcd_b64_decode(e, &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(n, strlen(b64[_i].in));
	ck_assert_str_eq(d, b64[_i].in);
	free(e);
	free(d);
}
END_TEST

START_TEST(test_b64_bad)
{
	static const char *const bad[] = { "Zg=", "Z===", "Zm9v!", "Zg==Zg==",
	    "=Zg=", "Zm=v" };
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(etcd_b64_decode(bad[i], &n) == NULL,
		    "'%s' is not base64", bad[i]);
}
END_TEST

START_TEST(test_prefix_end)
{
	size_t n;
	char *e = etcd_prefix_end("/hvd/tasks/", &n);

	ck_assert_str_eq(e, "/hvd/tasks0");
	ck_assert_int_eq(n, 11);
	free(e);
	e = etcd_prefix_end("a\xff", &n);
	ck_assert_str_eq(e, "b");
	free(e);
	ck_assert_ptr_null(etcd_prefix_end("", &n));
}
END_TEST

START_TEST(test_requests)
{
	cJSON *p = etcd_req_put("/k", "v", 7), *r = etcd_req_range("/a/", 1);
	const char *s;
	char err[ERR_LEN];

	ck_assert_int_eq(json_get_string(p, "key", 1, &s, err), 0);
	ck_assert_str_eq(s, "L2s=");
	ck_assert_int_eq(json_get_string(p, "value", 1, &s, err), 0);
	ck_assert_str_eq(s, "dg==");
	ck_assert_int_eq(json_get_string(p, "lease", 1, &s, err), 0);
	ck_assert_msg(strcmp(s, "7") == 0, "int64 go as strings");
	ck_assert_int_eq(json_get_string(r, "range_end", 1, &s, err), 0);
	ck_assert_str_eq(s, "L2Ew");	/* "/a0": last byte + 1 */
	cJSON_Delete(p);
	cJSON_Delete(r);
	p = etcd_req_put("/k", "v", 0);
	ck_assert_msg(cJSON_GetObjectItem(p, "lease") == NULL,
	    "no lease member without a lease");
	cJSON_Delete(p);
}
END_TEST

START_TEST(test_parse_range)
{
	static const char ok[] = "{\"header\":{\"revision\":\"9\"},\"kvs\":["
	    "{\"key\":\"L2s=\",\"create_revision\":\"3\",\"mod_revision\":"
	    "\"9\",\"version\":\"2\",\"value\":\"dg==\",\"lease\":"
	    "\"7587869\"},{\"key\":\"L2w=\",\"mod_revision\":\"4\"}],"
	    "\"count\":\"2\"}";
	char err[ERR_LEN];
	cJSON *j = json_parse_buf(ok, strlen(ok), err);
	struct etcd_kv *kvs;
	size_t n;

	ck_assert_int_eq(etcd_parse_range(j, &kvs, &n, err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(kvs[0].kv_key, "/k");
	ck_assert_str_eq(kvs[0].kv_val, "v");
	ck_assert_int_eq(kvs[0].kv_mod_rev, 9);
	ck_assert_int_eq(kvs[0].kv_lease, 7587869);
	ck_assert_msg(strcmp(kvs[1].kv_val, "") == 0 && kvs[1].kv_len == 0,
	    "an absent value is the empty string (proto3 default)");
	etcd_kvs_free(kvs, n);
	cJSON_Delete(j);
}
END_TEST

static const char *const bad_ranges[] = {
	"{\"kvs\":5}",
	"{\"kvs\":[{\"value\":\"dg==\"}]}",
	"{\"kvs\":[{\"key\":\"!!\"}]}",
	"{\"kvs\":[{\"key\":\"L2s=\",\"value\":7}]}",
	"{\"kvs\":[{\"key\":\"L2s=\",\"mod_revision\":\"x9\"}]}",
	"{\"kvs\":[{\"key\":\"L2s=\",\"lease\":{}}]}",
	"[]",
};

START_TEST(test_parse_range_bad)
{
	char err[ERR_LEN];
	cJSON *j = json_parse_buf(bad_ranges[_i], strlen(bad_ranges[_i]), err);
	struct etcd_kv *kvs;
	size_t n;

	ck_assert_ptr_nonnull(j);
	ck_assert_msg(etcd_parse_range(j, &kvs, &n, err) == -1,
	    "'%s' is refused, not trusted", bad_ranges[_i]);
	ck_assert_ptr_null(kvs);
	cJSON_Delete(j);
}
END_TEST

/*
 * HA settings that cannot be read (etcd does not answer) leave the ones
 * in use as they were: the lease thread logs "kept", and a fence delay
 * reset to its default under a lease granted for other settings could
 * fire after etcd expired the lease.
 */
START_TEST(test_ha_settings_kept)
{
	struct ha_settings s = { 20, 500, 12.5, 3.0, HA_FENCE_BOTH };
	struct etcd *e;
	char err[ERR_LEN];

	ck_assert_ptr_nonnull(e = etcd_new("http://127.0.0.1:1", NULL, 300, err));
	ck_assert_int_eq(ha_settings_load(e, &s, err), -1);
	ck_assert_msg(s.lease_ttl_s == 20 && s.renew_ms == 500 &&
	    s.fence_s == 12.5 && s.margin_s == 3.0 &&
	    s.fencing == HA_FENCE_BOTH, "a failed read keeps "
	    "the settings (ttl %d, renew %d, fence %.1f, margin %.1f)",
	    s.lease_ttl_s, s.renew_ms, s.fence_s, s.margin_s);
	etcd_free(e);
}
END_TEST

/*
 * A lease keepalive waits for etcd as long as its answer still feeds the
 * watchdog in time: a fixed 1 s (2 x renew_ms) cut answers that came at
 * 1.2 s under load, and the renewals the lease needed with them.
 */
START_TEST(test_keepalive_timeout)
{
	const uint64_t s = 1000000000ULL;

	ck_assert_msg(ha_keepalive_timeout_ms(10 * s, 4.0, 500,
	    10 * s + s / 2) == 3250, "sent 0.5 s after the last feed with a "
	    "4 s fence delay, it waits 3.25 s (got %ld)",
	    ha_keepalive_timeout_ms(10 * s, 4.0, 500, 10 * s + s / 2));
	ck_assert_msg(ha_keepalive_timeout_ms(10 * s, 4.0, 500,
	    13 * s + s / 2) == 1000, "close to the deadline it still waits "
	    "1 s");
	ck_assert_msg(ha_keepalive_timeout_ms(0, 4.0, 500, 5 * s) == 1000,
	    "not fed yet: 1 s");
	ck_assert_msg(ha_keepalive_timeout_ms(10 * s, 30.0, 1500,
	    10 * s) == 29750, "a 30 s fence delay: 29.75 s");
	ck_assert_msg(ha_keepalive_timeout_ms(0, 0, 1500, 0) == 3000,
	    "never less than two renewal periods");
}
END_TEST

Suite *
make_hvd_etcd_suite(void)
{
	Suite *s = suite_create("hvd_etcd");
	TCase *tc = tcase_create("encoding");

	tcase_add_loop_test(tc, test_b64, 0,
	    (int)(sizeof(b64) / sizeof(b64[0])));
	tcase_add_test(tc, test_b64_bad);
	tcase_add_test(tc, test_ha_settings_kept);
	tcase_add_test(tc, test_keepalive_timeout);
	tcase_add_test(tc, test_prefix_end);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_parse_range);
	tcase_add_loop_test(tc, test_parse_range_bad, 0,
	    (int)(sizeof(bad_ranges) / sizeof(bad_ranges[0])));
	suite_add_tcase(s, tc);
	return s;
}
