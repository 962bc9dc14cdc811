/*
 * check_migrate.c - live migration settings and QEMU's figures
 * (platform/migrate.c): parsing query-migrate answers and migration
 * parameters, with the checks on types and ranges; the stream's TLS
 * (platform/migrate_tls.c): the identity QEMU's authz compares with the
 * DN of a node certificate, the objects' arguments; and the target's
 * accept that closes connections from other addresses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "check_suites.h"
#include "err.h"
#include "platform/migrate.h"
#include "platform/migrate_tls.h"
#include "platform/pki.h"

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

/* The DN of a PEM certificate as QEMU reads it (gnutls_x509_crt_get_dn,
 * in qcrypto_tls_session_check_certificate). */
static void
cert_dn(const char *pem, char *dn, size_t len)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)strlen(pem) };

	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    0);
	ck_assert_int_eq(gnutls_x509_crt_get_dn(crt, dn, &len), 0);
	gnutls_x509_crt_deinit(crt);
}

START_TEST(test_tls_identity_is_cert_dn)
{
	static const char *const nodes[] = { "node1", "hv-02_b", "A9" };
	char *ca, *cakey, *key, *csr, *cert, id[128], dn[256], err[ERR_LEN];
	struct pki_ca signer;
	int i;

	ck_assert_msg(pki_ca_new("test CA", &ca, &cakey, err) == 0, "%s", err);
	signer.ca_cert_pem = ca;
	signer.ca_key_pem = cakey;
	ck_assert_int_eq(pki_key_new(&key, err), 0);
	for (i = 0; i < 3; i++) {
		/* the request names another node: pki_sign names the node */
		ck_assert_int_eq(pki_csr_new(key, "other", &csr, err), 0);
		ck_assert_msg(pki_sign(&signer, csr, nodes[i], "198.18.0.11",
		    &cert, err) == 0, "%s", err);
		cert_dn(cert, dn, sizeof(dn));
		ck_assert_int_eq(migrate_tls_identity(nodes[i], id, sizeof(id),
		    err), 0);
		ck_assert_msg(strcmp(id, dn) == 0, "the authz identity for %s "
		    "is its certificate's DN '%s', not '%s'", nodes[i], dn,
		    id);
		free(csr);
		free(cert);
	}
	free(key);
	free(ca);
	free(cakey);
}
END_TEST

START_TEST(test_tls_identity_refused)
{
	static const char *const bad[] = { "", "a,b", "CN=x", "a b", "n\\1",
		"n+1" };
	char id[16], err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(migrate_tls_identity(bad[i], id, sizeof(id),
		    err) == -1, "'%s' needs escaping in a DN: refused", bad[i]);
		ck_assert_msg(strstr(err, "cannot name a certificate") != NULL,
		    "the error says why: %s", err);
	}
	ck_assert_int_eq(migrate_tls_identity("a-very-long-node-name", id,
	    sizeof(id), err), -1);
	ck_assert_msg(strstr(err, "too long") != NULL, "a cut DN is an error");
}
END_TEST

START_TEST(test_tls_object_args)
{
	cJSON *s = migrate_tls_creds_args("/run/hvd/migrate-vm1", 1);
	cJSON *c = migrate_tls_creds_args("/run/hvd/migrate-vm1", 0);
	cJSON *a = migrate_tls_authz_args("CN=node1");
	char *t;

	t = cJSON_PrintUnformatted(s);
	ck_assert_str_eq(t, "{\"qom-type\":\"tls-creds-x509\",\"id\":"
	    "\"" MIGRATE_TLS_CREDS "\",\"dir\":\"/run/hvd/migrate-vm1\","
	    "\"endpoint\":\"server\",\"verify-peer\":true}");
	free(t);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(c, "verify-peer")),
	    "the source checks the target's certificate");
	ck_assert_str_eq(cJSON_GetObjectItem(c, "endpoint")->valuestring,
	    "client");
	t = cJSON_PrintUnformatted(a);
	ck_assert_str_eq(t, "{\"qom-type\":\"authz-simple\",\"id\":\""
	    MIGRATE_TLS_AUTHZ "\",\"identity\":\"CN=node1\"}");
	free(t);
	cJSON_Delete(s);
	cJSON_Delete(c);
	cJSON_Delete(a);
}
END_TEST

/* A connection to 127.0.0.1:port from address from (bound), or -1. */
static int
dial_from(const char *from, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, from, &sa.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

START_TEST(test_accept_only_source)
{
	char err[ERR_LEN], b;
	int l, stranger, src, fd, refused = -1;

	l = migrate_listen("127.0.0.1", 49517, err);
	ck_assert_msg(l >= 0, "%s", err);
	stranger = dial_from("127.0.0.2", 49517);
	fd = migrate_accept(l, "127.0.0.1", 300, &refused, err);
	ck_assert_msg(fd == -1, "no connection from the source: none taken");
	ck_assert_msg(strstr(err, "from 127.0.0.1") != NULL &&
	    strstr(err, "1 other connection(s) refused") != NULL,
	    "the error names the source and the refused: %s", err);
	ck_assert_msg(read(stranger, &b, 1) == 0,
	    "the stranger's connection is closed");
	src = dial_from("127.0.0.1", 49517);
	fd = migrate_accept(l, "127.0.0.1", 5000, &refused, err);
	ck_assert_msg(fd >= 0, "the source's connection is taken: %s", err);
	ck_assert_int_eq(refused, 0);
	close(fd);
	close(src);
	close(stranger);
	close(l);
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
	tc = tcase_create("tls");
	tcase_add_test(tc, test_tls_identity_is_cert_dn);
	tcase_add_test(tc, test_tls_identity_refused);
	tcase_add_test(tc, test_tls_object_args);
	tcase_add_test(tc, test_accept_only_source);
	suite_add_tcase(s, tc);
	return s;
}
