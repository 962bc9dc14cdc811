/*
 * check_hvd_auth.c - API tokens (form, hashing, matching), the role
 * policy, and the cluster PKI (CA, request, signing, pins, verification).
 */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/auth.h"
#include "platform/pki.h"

START_TEST(test_hash_known)
{
	char h[AUTH_HASH_LEN], err[ERR_LEN];

	ck_assert_int_eq(auth_hash("abc", h, err), 0);
	ck_assert_msg(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396"
	    "177a9cb410ff61f20015ad") == 0, "auth_hash is hex SHA-256");
}
END_TEST

START_TEST(test_token_roundtrip)
{
	char tok[AUTH_TOKEN_LEN], tok2[AUTH_TOKEN_LEN], id[AUTH_ID_LEN + 1],
	    id2[AUTH_ID_LEN + 1], h[AUTH_HASH_LEN], err[ERR_LEN];

	ck_assert_int_eq(auth_token_new(tok, id, err), 0);
	ck_assert_int_eq(auth_token_new(tok2, id2, err), 0);
	ck_assert_msg(strcmp(tok, tok2) != 0, "two tokens differ");
	ck_assert_int_eq(strlen(tok), AUTH_TOKEN_LEN - 1);
	ck_assert_int_eq(auth_token_id(tok, id2, err), 0);
	ck_assert_str_eq(id, id2);
	ck_assert_int_eq(auth_hash(tok, h, err), 0);
	ck_assert_msg(strstr(h, tok + 5 + AUTH_ID_LEN) == NULL,
	    "the stored hash does not contain the secret");
	ck_assert_msg(auth_token_matches(tok, h), "a token matches its hash");
	ck_assert_msg(!auth_token_matches(tok2, h),
	    "another token does not match");
	tok[AUTH_TOKEN_LEN - 2] ^= 1;
	ck_assert_msg(!auth_token_matches(tok, h),
	    "a token with one changed bit does not match");
	ck_assert_msg(!auth_token_matches(tok, "short"),
	    "a malformed stored hash matches nothing");
}
END_TEST

static const char *const bad_tokens[] = {
	"", "hvd.", "Bearer x", "hvd.0123456789abcdef.",
	"hvd.0123456789ABCDEF.0000000000000000000000000000000000000000000000000000000000000000",
	"hvd.0123456789abcdef-0000000000000000000000000000000000000000000000000000000000000000",
	"hvd.0123456789abcdef.00000000000000000000000000000000000000000000000000000000000000000",
	"xyz.0123456789abcdef.0000000000000000000000000000000000000000000000000000000000000000",
	"hvd.0123456789abcdef.000000000000000000000000000000000000000000000000000000000000000g",
};

START_TEST(test_token_bad_forms)
{
	char id[AUTH_ID_LEN + 1], err[ERR_LEN];

	ck_assert_msg(auth_token_id(bad_tokens[_i], id, err) == -1,
	    "'%s' is not a token", bad_tokens[_i]);
}
END_TEST

START_TEST(test_roles)
{
	ck_assert_int_eq(auth_role_parse("admin"), AUTH_ADMIN);
	ck_assert_int_eq(auth_role_parse("operator"), AUTH_OPERATOR);
	ck_assert_int_eq(auth_role_parse("audit"), AUTH_AUDIT);
	ck_assert_int_eq(auth_role_parse("root"), AUTH_NONE);
	ck_assert_str_eq(auth_role_name(AUTH_OPERATOR), "operator");
}
END_TEST

static const struct {
	enum auth_role role;
	const char *method, *path;
	int ok;
} policy[] = {
	{ AUTH_AUDIT, "GET", "/api/v1/nodes", 1 },
	{ AUTH_AUDIT, "HEAD", "/api/v1/vms", 1 },
	{ AUTH_AUDIT, "POST", "/api/v1/vms", 0 },
	{ AUTH_AUDIT, "DELETE", "/api/v1/vms/a", 0 },
	{ AUTH_AUDIT, "PUT", "/api/v1/vms/a/config", 0 },
	{ AUTH_AUDIT, "GET", "/api/v1/tokens", 0 },
	{ AUTH_OPERATOR, "POST", "/api/v1/vms", 1 },
	{ AUTH_OPERATOR, "POST", "/api/v1/vms/a/start", 1 },
	{ AUTH_OPERATOR, "POST", "/api/v1/tokens", 0 },
	{ AUTH_OPERATOR, "POST", "/api/v1/cluster/nodes", 0 },
	{ AUTH_OPERATOR, "DELETE", "/api/v1/cluster/nodes/x", 0 },
	{ AUTH_OPERATOR, "GET", "/api/v1/tokens", 0 },
	{ AUTH_OPERATOR, "POST", "/api/v1/clusterx", 1 },
	{ AUTH_OPERATOR, "POST", "/api/v1/ha/resources", 1 },
	{ AUTH_OPERATOR, "PUT", "/api/v1/ha/settings", 0 },
	{ AUTH_OPERATOR, "PUT", "/api/v1/ha/settings/", 0 },
	{ AUTH_AUDIT, "GET", "/api/v1/ha/settings", 1 },
	{ AUTH_ADMIN, "POST", "/api/v1/tokens", 1 },
	{ AUTH_ADMIN, "POST", "/api/v1/cluster/nodes", 1 },
	{ AUTH_ADMIN, "PUT", "/api/v1/ha/settings", 1 },
	{ AUTH_OPERATOR, "PUT", "/api/v1/nodes/n1/bmc", 0 },
	{ AUTH_OPERATOR, "DELETE", "/api/v1/nodes/n1/bmc/", 0 },
	{ AUTH_OPERATOR, "POST", "/api/v1/nodes/n1/network", 1 },
	{ AUTH_AUDIT, "GET", "/api/v1/nodes/n1/bmc", 1 },
	{ AUTH_ADMIN, "PUT", "/api/v1/nodes/n1/bmc", 1 },
	{ AUTH_NONE, "GET", "/api/v1/nodes", 0 },
};

START_TEST(test_policy)
{
	ck_assert_msg(auth_allowed(policy[_i].role, policy[_i].method,
	    policy[_i].path) == policy[_i].ok, "%s %s %s by %s",
	    policy[_i].ok ? "may" : "may not", policy[_i].method,
	    policy[_i].path, auth_role_name(policy[_i].role));
}
END_TEST

START_TEST(test_pki_chain)
{
	char *ca, *cakey, *key, *csr, *cert, *ca2, *ca2key, *bad, err[ERR_LEN];
	char pin[PKI_PIN_LEN], pin2[PKI_PIN_LEN];
	struct pki_ca signer;

	ck_assert_msg(pki_ca_new("test CA", &ca, &cakey, err) == 0, "%s", err);
	signer.ca_cert_pem = ca;
	signer.ca_key_pem = cakey;
	ck_assert_int_eq(pki_key_new(&key, err), 0);
	ck_assert_int_eq(pki_csr_new(key, "node1", &csr, err), 0);
	ck_assert_msg(pki_sign(&signer, csr, "node1", "198.18.0.11", &cert,
	    err) == 0, "%s", err);
	ck_assert_msg(pki_verify(ca, cert, err), "the node certificate "
	    "verifies against its CA: %s", err);
	ck_assert_int_eq(pki_ca_new("other CA", &ca2, &ca2key, err), 0);
	ck_assert_msg(!pki_verify(ca2, cert, err),
	    "it does not verify against another CA");
	ck_assert_int_eq(pki_pin(cert, pin, err), 0);
	ck_assert_int_eq(strncmp(pin, "sha256//", 8), 0);
	ck_assert_int_eq(strlen(pin), 8 + 44);
	ck_assert_int_eq(pki_pin(ca, pin2, err), 0);
	ck_assert_msg(strcmp(pin, pin2) != 0, "pins differ per key");
	ck_assert_msg(pki_sign(&signer, "garbage", "n", "198.18.0.1", &bad,
	    err) == -1 && strstr(err, "request") != NULL,
	    "a malformed request is refused naming it");
	ck_assert_msg(pki_sign(&signer, csr, "n", "not-an-ip", &bad, err)
	    == -1 && bad == NULL, "a bad address is refused");
	ck_assert_msg(pki_key_matches(ca, cakey, err) == 1,
	    "the CA's own key matches its certificate: %s", err);
	ck_assert_msg(pki_key_matches(cert, key, err) == 1,
	    "a node's key matches its certificate: %s", err);
	ck_assert_msg(pki_key_matches(ca, ca2key, err) == 0,
	    "another CA's key does not match the certificate");
	ck_assert_msg(pki_key_matches(ca, key, err) == 0,
	    "a node's key is not the CA's");
	ck_assert_msg(pki_key_matches(ca, "garbage", err) == -1 &&
	    strstr(err, "key") != NULL, "a key that does not parse is an "
	    "error naming the key: %s", err);
	ck_assert_msg(pki_key_matches("garbage", cakey, err) == -1 &&
	    strstr(err, "certificate") != NULL, "a certificate that does "
	    "not parse is an error naming it: %s", err);
	free(ca);
	free(cakey);
	free(ca2);
	free(ca2key);
	free(key);
	free(csr);
	free(cert);
}
END_TEST

Suite *
make_hvd_auth_suite(void)
{
	Suite *s = suite_create("hvd_auth");
	TCase *tc = tcase_create("auth");

	tcase_add_test(tc, test_hash_known);
	tcase_add_test(tc, test_token_roundtrip);
	tcase_add_loop_test(tc, test_token_bad_forms, 0,
	    (int)(sizeof(bad_tokens) / sizeof(bad_tokens[0])));
	tcase_add_test(tc, test_roles);
	tcase_add_loop_test(tc, test_policy, 0,
	    (int)(sizeof(policy) / sizeof(policy[0])));
	tcase_add_test(tc, test_pki_chain);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
