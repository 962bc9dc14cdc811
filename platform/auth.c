/*
 * auth.c - token creation, hashing, lookup and the role policy (auth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "clock.h"
#include "err.h"
#include "hex.h"
#include "json.h"
#include "platform/auth.h"
#include "platform/etcd.h"
#include "platform/keys.h"

static const char *const role_names[] = {
	[AUTH_NONE] = "none", [AUTH_AUDIT] = "audit",
	[AUTH_OPERATOR] = "operator", [AUTH_ADMIN] = "admin",
};

const char *
auth_role_name(enum auth_role r)
{
	if ((unsigned)r > AUTH_ADMIN)
		return "none";
	return role_names[r];
}

enum auth_role
auth_role_parse(const char *s)
{
	int r;

	for (r = AUTH_AUDIT; r <= AUTH_ADMIN; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (enum auth_role)r;
	return AUTH_NONE;
}

int
auth_hash(const char *s, char out[AUTH_HASH_LEN], char *err)
{
	unsigned char md[32];
	int rc;

	if ((rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), md)) < 0)
		return err_set(err, "sha256: %s", gnutls_strerror(rc));
	hex_encode(md, sizeof(md), out);
	return 0;
}

int
auth_token_new(char token[AUTH_TOKEN_LEN], char id[AUTH_ID_LEN + 1],
    char *err)
{
	unsigned char rid[AUTH_ID_LEN / 2], sec[AUTH_SECRET_LEN / 2];
	char sech[AUTH_SECRET_LEN + 1];
	int rc;

	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, rid, sizeof(rid))) < 0 ||
	    (rc = gnutls_rnd(GNUTLS_RND_KEY, sec, sizeof(sec))) < 0)
		return err_set(err, "random: %s", gnutls_strerror(rc));
	hex_encode(rid, sizeof(rid), id);
	hex_encode(sec, sizeof(sec), sech);
	snprintf(token, AUTH_TOKEN_LEN, "hvd.%s.%s", id, sech);
	return 0;
}

static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
auth_token_id(const char *token, char id[AUTH_ID_LEN + 1], char *err)
{
	if (strlen(token) != AUTH_TOKEN_LEN - 1 ||
	    strncmp(token, "hvd.", 4) != 0 || token[4 + AUTH_ID_LEN] != '.' ||
	    !all_hex(token + 4, AUTH_ID_LEN) ||
	    !all_hex(token + 5 + AUTH_ID_LEN, AUTH_SECRET_LEN))
		return err_set(err, "token is not of the form hvd.ID.SECRET");
	memcpy(id, token + 4, AUTH_ID_LEN);
	id[AUTH_ID_LEN] = '\0';
	return 0;
}

int
auth_token_matches(const char *token, const char *hash)
{
	char h[AUTH_HASH_LEN];
	unsigned diff = 0;
	size_t i;

	if (strlen(hash) != AUTH_HASH_LEN - 1 || auth_hash(token, h, NULL) != 0)
		return 0;
	for (i = 0; i < AUTH_HASH_LEN - 1; i++)
		diff |= (unsigned)(h[i] ^ hash[i]);
	return diff == 0;
}

static int
path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* /api/v1/nodes/NODE/bmc: who may power a node off. */
static int
path_is_bmc(const char *path)
{
	const char *p = "/api/v1/nodes/", *slash;

	if (strncmp(path, p, strlen(p)) != 0)
		return 0;
	slash = strchr(path + strlen(p), '/');
	return slash != NULL && path_under(slash, "/bmc");
}

int
auth_allowed(enum auth_role role, const char *method, const char *path)
{
	if (role < AUTH_AUDIT || role > AUTH_ADMIN)
		return 0;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		/* Token records are admin business even to read. */
		if (path_under(path, "/api/v1/tokens"))
			return role == AUTH_ADMIN;
		return 1;
	}
	if (role == AUTH_AUDIT)
		return 0;
	/* Tokens, membership, the cluster-wide HA timing (a wrong
	 * fence_s makes every node fence itself) and a node's BMC (who
	 * may power it off) are admin business. */
	if (path_under(path, "/api/v1/tokens") ||
	    path_under(path, "/api/v1/cluster") ||
	    path_under(path, "/api/v1/ha/settings") || path_is_bmc(path))
		return role == AUTH_ADMIN;
	return 1;
}

/* Store a token record (JSON with role, hash, comment, created).  0/-1. */
static int
auth_store(struct etcd *e, const char *id, const char *hash,
    enum auth_role role, const char *comment, char *err)
{
	char key[sizeof(KEY_TOKENS) + AUTH_ID_LEN], now[32], *s;
	cJSON *o = cJSON_CreateObject();
	int rc = -1;

	clock_format_wall(clock_wall_ns(), now, sizeof(now));
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "role", auth_role_name(role));
	cJSON_AddStringToObject(o, "hash", hash);
	cJSON_AddStringToObject(o, "comment", comment ? comment : "");
	cJSON_AddStringToObject(o, "created", now);
	snprintf(key, sizeof(key), "%s%s", KEY_TOKENS, id);
	if ((s = cJSON_PrintUnformatted(o)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = etcd_create(e, key, s, 0, err);
	if (rc == 0)
		rc = err_set(err, "token id %s exists", id);
	else if (rc == 1)
		rc = 0;
	free(s);
out:
	cJSON_Delete(o);
	return rc;
}

int
auth_create(struct etcd *e, enum auth_role role, const char *comment,
    char token[AUTH_TOKEN_LEN], char id[AUTH_ID_LEN + 1], char *err)
{
	char hash[AUTH_HASH_LEN];

	if (role == AUTH_NONE)
		return err_set(err, "unknown role");
	if (auth_token_new(token, id, err) != 0 ||
	    auth_hash(token, hash, err) != 0 ||
	    auth_store(e, id, hash, role, comment, err) != 0)
		return -1;
	return 0;
}

int
auth_check(struct etcd *e, const char *token, enum auth_role *role,
    char *err)
{
	char id[AUTH_ID_LEN + 1], key[sizeof(KEY_TOKENS) + AUTH_ID_LEN];
	struct etcd_kv kv;
	cJSON *rec = NULL;
	const char *hash = NULL, *rname = NULL;
	int rc;

	*role = AUTH_NONE;
	if (auth_token_id(token, id, err) != 0)
		return 0;
	snprintf(key, sizeof(key), "%s%s", KEY_TOKENS, id);
	if ((rc = etcd_get(e, key, &kv, err)) <= 0)
		return rc;
	rc = 0;
	if ((rec = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL ||
	    json_get_string(rec, "hash", JSON_REQUIRED, &hash, err) != 0 ||
	    json_get_string(rec, "role", JSON_REQUIRED, &rname, err) != 0)
		goto out;
	if (!auth_token_matches(token, hash)) {
		err_set(err, "wrong token");
		goto out;
	}
	if ((*role = auth_role_parse(rname)) != AUTH_NONE)
		rc = 1;
out:
	cJSON_Delete(rec);
	etcd_kv_clear(&kv);
	return rc;
}
