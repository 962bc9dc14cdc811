/*
 * etcd.c - etcd v3 through its JSON gateway (see etcd.h).
 *
 * Every answer is checked for type before use: keys, values and integers
 * arrive as strings, a missing member means its proto3 default (0, false,
 * empty).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "json.h"
#include "platform/etcd.h"

/* Idle clients kept per struct etcd: each keeps its connection to etcd
 * open, so a call costs no TLS handshake (one is ~7 ms here, several
 * times the request itself). */
#define ETCD_IDLE_MAX	4

struct etcd {
	char		*e_url;
	char		*e_ca;		/* NULL: plain HTTP */
	char		*e_cert;
	char		*e_key;
	long		 e_timeout_ms;
	pthread_mutex_t	 e_mu;		/* guards e_idle */
	struct http_client *e_idle[ETCD_IDLE_MAX];
	int		 e_nidle;
};

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
etcd_b64_encode(const void *data, size_t len)
{
	const unsigned char *d = data;
	char *out, *o;
	size_t i;
	uint32_t v;

	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i + 2 < len; i += 3) {
		v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		*o++ = b64_chars[v >> 18 & 63];
		*o++ = b64_chars[v >> 12 & 63];
		*o++ = b64_chars[v >> 6 & 63];
		*o++ = b64_chars[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)d[i] << 16;
		*o++ = b64_chars[v >> 18 & 63];
		*o++ = b64_chars[v >> 12 & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8;
		*o++ = b64_chars[v >> 18 & 63];
		*o++ = b64_chars[v >> 12 & 63];
		*o++ = b64_chars[v >> 6 & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64_val(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64_chars, c)) == NULL)
		return -1;
	return (int)(p - b64_chars);
}

char *
etcd_b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *out;
	int a, b, c, d;

	if (n % 4 != 0)
		return NULL;
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i += 4) {
		a = b64_val(s[i]);
		b = b64_val(s[i + 1]);
		c = s[i + 2] == '=' ? -2 : b64_val(s[i + 2]);
		d = s[i + 3] == '=' ? -2 : b64_val(s[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1 ||
		    (c == -2 && d != -2) || ((c == -2 || d == -2) &&
		    i + 4 != n))
			goto bad;
		out[o++] = (char)(a << 2 | b >> 4);
		if (c >= 0)
			out[o++] = (char)((b & 15) << 4 | c >> 2);
		if (d >= 0)
			out[o++] = (char)((c & 3) << 6 | d);
	}
	out[o] = '\0';
	*len = o;
	return out;
bad:
	free(out);
	return NULL;
}

char *
etcd_prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end;

	if (n == 0 || (end = strdup(prefix)) == NULL)
		return NULL;
	/* Increment the last byte that is not 0xff, dropping the ones after. */
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (n == 0) {
		free(end);
		return NULL;
	}
	end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	end[n] = '\0';
	*len = n;
	return end;
}

static void
add_b64(cJSON *o, const char *name, const void *data, size_t len)
{
	char *b = etcd_b64_encode(data, len);

	cJSON_AddStringToObject(o, name, b ? b : "");
	free(b);
}

static void
add_int64(cJSON *o, const char *name, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	cJSON_AddStringToObject(o, name, buf);
}

cJSON *
etcd_req_put(const char *key, const char *val, int64_t lease)
{
	cJSON *o = cJSON_CreateObject();

	add_b64(o, "key", key, strlen(key));
	add_b64(o, "value", val, strlen(val));
	if (lease != 0)
		add_int64(o, "lease", lease);
	return o;
}

cJSON *
etcd_req_range(const char *key, int prefix)
{
	cJSON *o = cJSON_CreateObject();
	char *end;
	size_t n;

	add_b64(o, "key", key, strlen(key));
	if (prefix && (end = etcd_prefix_end(key, &n)) != NULL) {
		add_b64(o, "range_end", end, n);
		free(end);
	}
	return o;
}

/* Read a gateway 64-bit integer (a string or a number); 0 when absent. */
static int
etcd_json_int64(const cJSON *obj, const char *key, int64_t *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *end;
	long long n;

	*out = 0;
	if (v == NULL)
		return 0;
	if (cJSON_IsNumber(v)) {
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v))
		return err_set(err, "etcd: '%s' must be an integer", key);
	errno = 0;
	n = strtoll(v->valuestring, &end, 10);
	if (errno == ERANGE) {	/* uint64 member ids */
		errno = 0;
		n = (long long)strtoull(v->valuestring, &end, 10);
	}
	if (errno != 0 || end == v->valuestring || *end != '\0')
		return err_set(err, "etcd: '%s' must be an integer, got '%s'",
		    key, v->valuestring);
	*out = (int64_t)n;
	return 0;
}

static int
json_u64(const cJSON *obj, const char *key, uint64_t *out, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *end;

	*out = 0;
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v))
		return err_set(err, "etcd: '%s' must be a string", key);
	errno = 0;
	*out = strtoull(v->valuestring, &end, 10);
	if (errno != 0 || *end != '\0')
		return err_set(err, "etcd: bad '%s'", key);
	return 0;
}

void
etcd_kv_clear(struct etcd_kv *kv)
{
	free(kv->kv_key);
	free(kv->kv_val);
	memset(kv, 0, sizeof(*kv));
}

void
etcd_kvs_free(struct etcd_kv *kvs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		etcd_kv_clear(&kvs[i]);
	free(kvs);
}

int
etcd_parse_range(const cJSON *resp, struct etcd_kv **kvs, size_t *n,
    char *err)
{
	const cJSON *arr = NULL, *it;
	struct etcd_kv *out = NULL;
	const char *s;
	size_t cnt = 0, i = 0, klen;

	*kvs = NULL;
	*n = 0;
	if (!cJSON_IsObject(resp))
		return err_set(err, "etcd: range answer is not an object");
	if (json_get_array(resp, "kvs", JSON_OPTIONAL, &arr, err) != 0)
		return err_prefix(err, "etcd");
	if (arr == NULL)
		return 0;
	cnt = (size_t)cJSON_GetArraySize(arr);
	if (cnt == 0)
		return 0;
	if ((out = calloc(cnt, sizeof(*out))) == NULL)
		return err_errno(err, "etcd");
	cJSON_ArrayForEach(it, arr) {
		struct etcd_kv *kv = &out[i++];

		s = NULL;
		if (!cJSON_IsObject(it) ||
		    json_get_string(it, "key", JSON_REQUIRED, &s, err) != 0) {
			err_set(err, "etcd: kvs[%zu] has no key", i - 1);
			goto fail;
		}
		if ((kv->kv_key = etcd_b64_decode(s, &klen)) == NULL) {
			err_set(err, "etcd: kvs[%zu].key is not base64", i - 1);
			goto fail;
		}
		s = "";
		if (json_get_string(it, "value", JSON_OPTIONAL, &s, err) != 0)
			goto fail;
		if ((kv->kv_val = etcd_b64_decode(s, &kv->kv_len)) == NULL) {
			err_set(err, "etcd: kvs[%zu].value is not base64",
			    i - 1);
			goto fail;
		}
		if (etcd_json_int64(it, "mod_revision", &kv->kv_mod_rev,
		    err) != 0 ||
		    etcd_json_int64(it, "create_revision", &kv->kv_create_rev,
		    err) != 0 ||
		    etcd_json_int64(it, "lease", &kv->kv_lease, err) != 0)
			goto fail;
	}
	*kvs = out;
	*n = cnt;
	return 0;
fail:
	etcd_kvs_free(out, cnt);
	return -1;
}

struct etcd *
etcd_new(const char *url, const struct etcd_tls *tls, long timeout_ms,
    char *err)
{
	struct etcd *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto fail;
	pthread_mutex_init(&e->e_mu, NULL);
	if ((e->e_url = strdup(url)) == NULL)
		goto fail;
	if (tls != NULL && ((e->e_ca = strdup(tls->et_ca)) == NULL ||
	    (e->e_cert = strdup(tls->et_cert)) == NULL ||
	    (e->e_key = strdup(tls->et_key)) == NULL))
		goto fail;
	e->e_timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	return e;
fail:
	err_errno(err, "etcd");
	etcd_free(e);
	return NULL;
}

void
etcd_set_timeout(struct etcd *e, long timeout_ms)
{
	if (timeout_ms > 0)
		e->e_timeout_ms = timeout_ms;
}

void
etcd_free(struct etcd *e)
{
	if (e == NULL)
		return;
	while (e->e_nidle > 0)
		http_client_free(e->e_idle[--e->e_nidle]);
	pthread_mutex_destroy(&e->e_mu);
	free(e->e_url);
	free(e->e_ca);
	free(e->e_cert);
	free(e->e_key);
	free(e);
}

/* An HTTP client for e: etcd verified against e_ca, e_cert presented. */
static struct http_client *
etcd_client(struct etcd *e, long timeout_ms, long connect_ms, char *err)
{
	struct http_opts o = { 0 };

	o.base_url = e->e_url;
	o.ca_file = e->e_ca;
	o.client_cert = e->e_cert;
	o.client_key = e->e_key;
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = connect_ms;
	return http_client_new(&o, err);
}

/* A client for one call: an idle one with its open connection, else a
 * new one.  NULL + err. */
static struct http_client *
etcd_client_take(struct etcd *e, char *err)
{
	struct http_client *c = NULL;

	pthread_mutex_lock(&e->e_mu);
	if (e->e_nidle > 0)
		c = e->e_idle[--e->e_nidle];
	pthread_mutex_unlock(&e->e_mu);
	return c != NULL ? c : etcd_client(e, e->e_timeout_ms, 2000, err);
}

/* Keep c for the next call after a call that went well (one that failed
 * may have left its connection half used), else free it. */
static void
etcd_client_give(struct etcd *e, struct http_client *c, int ok)
{
	pthread_mutex_lock(&e->e_mu);
	if (ok && e->e_nidle < ETCD_IDLE_MAX) {
		e->e_idle[e->e_nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&e->e_mu);
	http_client_free(c);
}

/* POST body to path; *out gets the parsed answer (caller frees). */
static int
etcd_call(struct etcd *e, const char *path, const cJSON *body, cJSON **out,
    char *err)
{
	struct http_client *c;
	struct http_response r = { 0 };
	int rc = -1;

	*out = NULL;
	if ((c = etcd_client_take(e, err)) == NULL)
		return err_prefix(err, "etcd %s", e->e_url);
	if (http_request_json(c, "POST", path, body, &r, err) != 0) {
		err_prefix(err, "etcd %s", e->e_url);
		goto out;
	}
	if (!cJSON_IsObject(r.json)) {
		err_set(err, "etcd %s%s: answer is not a JSON object",
		    e->e_url, path);
		goto out;
	}
	*out = r.json;
	r.json = NULL;
	rc = 0;
out:
	http_response_free(&r);
	etcd_client_give(e, c, rc == 0);
	return rc;
}

int
etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv, char *err)
{
	cJSON *req = etcd_req_range(key, 0), *resp = NULL;
	struct etcd_kv *kvs = NULL;
	size_t n = 0;
	int rc = -1;

	memset(kv, 0, sizeof(*kv));
	if (etcd_call(e, "/v3/kv/range", req, &resp, err) != 0 ||
	    etcd_parse_range(resp, &kvs, &n, err) != 0)
		goto out;
	rc = 0;
	if (n > 0) {
		*kv = kvs[0];
		memset(&kvs[0], 0, sizeof(kvs[0]));
		rc = 1;
	}
out:
	etcd_kvs_free(kvs, n);
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_list(struct etcd *e, const char *prefix, struct etcd_kv **kvs,
    size_t *n, char *err)
{
	cJSON *req = etcd_req_range(prefix, 1), *resp = NULL;
	int rc = -1;

	*kvs = NULL;
	*n = 0;
	if (etcd_call(e, "/v3/kv/range", req, &resp, err) == 0 &&
	    etcd_parse_range(resp, kvs, n, err) == 0)
		rc = 0;
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_put(struct etcd *e, const char *key, const char *val, int64_t lease,
    char *err)
{
	cJSON *req = etcd_req_put(key, val, lease), *resp = NULL;
	int rc = etcd_call(e, "/v3/kv/put", req, &resp, err);

	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

/* A transaction's operation: {opname: op} (request_put or
 * request_delete_range and its body, taken over). */
static cJSON *
txn_op(const char *opname, cJSON *op)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddItemToObject(s, opname, op);
	return s;
}

/* One-compare transaction: compare key's TARGET (CREATE or MOD) equal to
 * rev; on success run s (txn_op, taken over). */
static int
etcd_txn1(struct etcd *e, const char *key, const char *target, int64_t rev,
    cJSON *s, char *err)
{
	cJSON *req = cJSON_CreateObject(), *cmp, *c, *succ, *resp = NULL;
	int rc = -1;

	cmp = cJSON_AddArrayToObject(req, "compare");
	c = cJSON_CreateObject();
	add_b64(c, "key", key, strlen(key));
	cJSON_AddStringToObject(c, "result", "EQUAL");
	cJSON_AddStringToObject(c, "target", target);
	add_int64(c, strcmp(target, "CREATE") == 0 ? "create_revision" :
	    "mod_revision", rev);
	cJSON_AddItemToArray(cmp, c);
	succ = cJSON_AddArrayToObject(req, "success");
	cJSON_AddItemToArray(succ, s);
	if (etcd_call(e, "/v3/kv/txn", req, &resp, err) != 0)
		goto out;
	rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp,
	    "succeeded")) ? 1 : 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_create(struct etcd *e, const char *key, const char *val, int64_t lease,
    char *err)
{
	return etcd_txn1(e, key, "CREATE", 0, txn_op("request_put",
	    etcd_req_put(key, val, lease)), err);
}

int
etcd_cas(struct etcd *e, const char *key, const char *val, int64_t mod_rev,
    char *err)
{
	return etcd_txn1(e, key, "MOD", mod_rev, txn_op("request_put",
	    etcd_req_put(key, val, 0)), err);
}

int
etcd_delete_if(struct etcd *e, const char *key, int64_t mod_rev, char *err)
{
	return etcd_txn1(e, key, "MOD", mod_rev, txn_op("request_delete_range",
	    etcd_req_range(key, 0)), err);
}

int
etcd_delete(struct etcd *e, const char *key, int prefix, char *err)
{
	cJSON *req = etcd_req_range(key, prefix), *resp = NULL;
	int64_t n = -1;

	if (etcd_call(e, "/v3/kv/deleterange", req, &resp, err) == 0 &&
	    etcd_json_int64(resp, "deleted", &n, err) != 0)
		n = -1;
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return (int)n;
}

int
etcd_lease_grant(struct etcd *e, int ttl, int64_t *id, char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	int rc = -1;

	add_int64(req, "TTL", ttl);
	if (etcd_call(e, "/v3/lease/grant", req, &resp, err) != 0 ||
	    etcd_json_int64(resp, "ID", id, err) != 0)
		goto out;
	if (*id == 0) {
		err_set(err, "etcd: lease grant returned no ID");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int64_t
etcd_lease_keepalive(struct etcd *e, int64_t id, char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	const cJSON *res;
	int64_t ttl = -1;

	add_int64(req, "ID", id);
	if (etcd_call(e, "/v3/lease/keepalive", req, &resp, err) != 0)
		goto out;
	/* A streaming call: the gateway wraps the message in "result". */
	res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	if (!cJSON_IsObject(res)) {
		err_set(err, "etcd: keepalive answer has no result");
		goto out;
	}
	if (etcd_json_int64(res, "TTL", &ttl, err) != 0)
		ttl = -1;
out:
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return ttl;
}

int
etcd_lease_revoke(struct etcd *e, int64_t id, char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	int rc;

	add_int64(req, "ID", id);
	rc = etcd_call(e, "/v3/lease/revoke", req, &resp, err);
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

static int
parse_members(const cJSON *resp, struct etcd_member **members, size_t *n,
    char *err)
{
	const cJSON *arr = NULL, *it, *u;
	struct etcd_member *m = NULL;
	const char *s;
	size_t cnt, i = 0;

	*members = NULL;
	*n = 0;
	if (json_get_array(resp, "members", JSON_OPTIONAL, &arr, err) != 0)
		return err_prefix(err, "etcd");
	if (arr == NULL || (cnt = (size_t)cJSON_GetArraySize(arr)) == 0)
		return 0;
	if ((m = calloc(cnt, sizeof(*m))) == NULL)
		return err_errno(err, "etcd");
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsObject(it) ||
		    json_u64(it, "ID", &m[i].em_id, err) != 0) {
			err_set(err, "etcd: members[%zu] is malformed", i);
			free(m);
			return -1;
		}
		s = "";
		if (json_get_string(it, "name", JSON_OPTIONAL, &s, err) == 0)
			snprintf(m[i].em_name, sizeof(m[i].em_name), "%s", s);
		u = cJSON_GetObjectItemCaseSensitive(it, "peerURLs");
		if (cJSON_IsArray(u) && cJSON_IsString(cJSON_GetArrayItem(u, 0)))
			snprintf(m[i].em_peer_url, sizeof(m[i].em_peer_url),
			    "%s", cJSON_GetArrayItem(u, 0)->valuestring);
		u = cJSON_GetObjectItemCaseSensitive(it, "clientURLs");
		if (cJSON_IsArray(u) && cJSON_IsString(cJSON_GetArrayItem(u, 0)))
			snprintf(m[i].em_client_url,
			    sizeof(m[i].em_client_url), "%s",
			    cJSON_GetArrayItem(u, 0)->valuestring);
		i++;
	}
	*members = m;
	*n = cnt;
	return 0;
}

int
etcd_member_add(struct etcd *e, const char *peer_url,
    struct etcd_member **members, size_t *n, uint64_t *new_id, char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL, *urls;
	const cJSON *m;
	int rc = -1;

	urls = cJSON_AddArrayToObject(req, "peerURLs");
	cJSON_AddItemToArray(urls, cJSON_CreateString(peer_url));
	if (etcd_call(e, "/v3/cluster/member/add", req, &resp, err) != 0)
		goto out;
	m = cJSON_GetObjectItemCaseSensitive(resp, "member");
	if (!cJSON_IsObject(m) || json_u64(m, "ID", new_id, err) != 0) {
		err_set(err, "etcd: member add answer has no member ID");
		goto out;
	}
	rc = parse_members(resp, members, n, err);
out:
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_member_list(struct etcd *e, struct etcd_member **members, size_t *n,
    char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	int rc = -1;

	if (etcd_call(e, "/v3/cluster/member/list", req, &resp, err) == 0)
		rc = parse_members(resp, members, n, err);
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_member_remove(struct etcd *e, uint64_t id, char *err)
{
	cJSON *req = cJSON_CreateObject(), *resp = NULL;
	char buf[32];
	int rc;

	snprintf(buf, sizeof(buf), "%" PRIu64, id);
	cJSON_AddStringToObject(req, "ID", buf);
	rc = etcd_call(e, "/v3/cluster/member/remove", req, &resp, err);
	cJSON_Delete(req);
	cJSON_Delete(resp);
	return rc;
}

int
etcd_health(struct etcd *e, char *err)
{
	struct http_client *c;
	struct http_response r = { 0 };
	const char *h = NULL;
	int rc = -1;

	if ((c = etcd_client(e, 3000, 1000, err)) == NULL)
		return -1;
	if (http_request(c, "GET", "/health", NULL, &r, err) != 0)
		goto out;
	if (!cJSON_IsObject(r.json) ||
	    json_get_string(r.json, "health", JSON_REQUIRED, &h, err) != 0 ||
	    strcmp(h, "true") != 0) {
		err_set(err, "etcd %s: not healthy", e->e_url);
		goto out;
	}
	rc = 0;
out:
	http_response_free(&r);
	http_client_free(c);
	return rc;
}
