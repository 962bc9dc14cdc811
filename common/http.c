/*
 * http.c - JSON over HTTP(S) on libcurl (see http.h).
 *
 * One CURL easy handle per client, reused across requests so connections
 * and TLS sessions are kept.  Not thread-safe: one client per thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"
#include "json.h"

/* Bodies larger than this are refused (a confused server is not our RAM). */
#define HTTP_MAX_BODY (64u << 20)

struct http_client {
	CURL *curl;
	char *base_url;
	char *auth;		/* "Authorization: Bearer ..." */
	char *ca_file;
	char *pin;
	char *client_cert;
	char *client_key;
	char *unix_socket;
	long timeout_ms;
	long connect_timeout_ms;
};


static pthread_once_t http_once = PTHREAD_ONCE_INIT;

static void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *
http_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct http_client *
http_client_new(const struct http_opts *o, char *err)
{
	struct http_client *c;

	pthread_once(&http_once, http_global_init);
	if (o == NULL || o->base_url == NULL) {
		err_set(err, "http client needs a base URL");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_errno(err, "http client");
		return NULL;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		err_set(err, "curl_easy_init failed");
		free(c);
		return NULL;
	}
	c->base_url = http_strdup(o->base_url);
	if (o->auth_header != NULL)
		c->auth = http_strdup(o->auth_header);
	else if (o->token != NULL &&
	    asprintf(&c->auth, "Authorization: Bearer %s", o->token) == -1)
		c->auth = NULL;
	c->ca_file = http_strdup(o->ca_file);
	c->pin = http_strdup(o->pin);
	c->client_cert = http_strdup(o->client_cert);
	c->client_key = http_strdup(o->client_key);
	c->unix_socket = http_strdup(o->unix_socket);
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : 5000;
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->base_url);
	free(c->auth);
	free(c->ca_file);
	free(c->pin);
	free(c->client_cert);
	free(c->client_key);
	free(c->unix_socket);
	free(c);
}

size_t
http_sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *b = arg;
	size_t n = size * nmemb;
	char *nd;

	if (b->hs_len + n > b->hs_max) {
		b->hs_overflow = 1;
		return 0;
	}
	if ((nd = realloc(b->hs_data, b->hs_len + n + 1)) == NULL)
		return 0;
	b->hs_data = nd;
	memcpy(b->hs_data + b->hs_len, ptr, n);
	b->hs_len += n;
	b->hs_data[b->hs_len] = '\0';
	return n;
}

void
http_response_free(struct http_response *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The server's own words for an error: "error" or "message" members. */
static const char *
http_body_message(const cJSON *json, const char *body)
{
	const cJSON *v;

	if (json != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(json, "error");
		if (cJSON_IsString(v))
			return v->valuestring;
		if (cJSON_IsObject(v)) {	/* etcd: {"error": {...}} */
			const cJSON *m =
			    cJSON_GetObjectItemCaseSensitive(v, "message");
			if (cJSON_IsString(m))
				return m->valuestring;
		}
		v = cJSON_GetObjectItemCaseSensitive(json, "message");
		if (cJSON_IsString(v))
			return v->valuestring;
	}
	return body;
}

/* Where to, how long, which TLS trust, and where the answer goes. */
static void
http_setup(struct http_client *c, const char *url, char *errbuf,
    struct http_sink *buf)
{
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    c->connect_timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, http_sink_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* TLS is always verified: against the CA file, or the pinned key. */
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (c->ca_file != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca_file);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c->pin != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_PINNEDPUBLICKEY, c->pin);
		if (c->ca_file == NULL) {
			/* The pin replaces CA trust (like a fingerprint
			 * prompt answered yes); the key must still match. */
			curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (c->client_cert != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_SSLCERT, c->client_cert);
		curl_easy_setopt(c->curl, CURLOPT_SSLKEY, c->client_key);
	}
	if (c->unix_socket != NULL)
		curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH,
		    c->unix_socket);
}

/* The headers and the body; the list to free after the request. */
static struct curl_slist *
http_set_body(struct http_client *c, const struct http_body *body)
{
	struct curl_slist *hdrs = NULL;
	char ct[256];

	if (c->auth != NULL)
		hdrs = curl_slist_append(hdrs, c->auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (body != NULL && body->hb_data != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
		    body->hb_type ? body->hb_type : "application/json");
		hdrs = curl_slist_append(hdrs, ct);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body->hb_data);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body->hb_len);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	return hdrs;
}

int
http_request(struct http_client *c, const char *method, const char *path,
    const struct http_body *body, struct http_response *resp, char *err)
{
	struct curl_slist *hdrs = NULL;
	struct http_sink buf = { NULL, 0, HTTP_MAX_BODY, 0 };
	char errbuf[CURL_ERROR_SIZE] = "", *url = NULL;
	const char *msg;
	struct http_response local;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	if (resp == NULL)
		resp = &local;
	memset(resp, 0, sizeof(*resp));
	if (asprintf(&url, "%s%s", c->base_url, path) == -1) {
		url = NULL;
		err_errno(err, "%s %s", method, path);
		goto done;
	}
	http_setup(c, url, errbuf, &buf);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	hdrs = http_set_body(c, body);
	cc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->body = buf.hs_data;
	resp->body_len = buf.hs_len;
	buf.hs_data = NULL;
	if (cc != CURLE_OK) {
		if (buf.hs_overflow)
			err_set(err, "%s %s: answer larger than %u bytes",
			    method, path, HTTP_MAX_BODY);
		else
			err_set(err, "%s %s: %s", method, path,
			    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto done;
	}
	if (resp->body != NULL && resp->body_len > 0)
		resp->json = cJSON_ParseWithLength(resp->body, resp->body_len);
	if (status < 200 || status > 299) {
		msg = http_body_message(resp->json, resp->body);
		err_set(err, "%s %s: %ld%s%.300s", method, path, status,
		    msg && *msg ? ": " : "", msg ? msg : "");
		goto done;
	}
	rc = 0;
done:
	curl_slist_free_all(hdrs);
	free(url);
	if (resp == &local)
		http_response_free(&local);
	return rc;
}

int
http_request_json(struct http_client *c, const char *method, const char *path,
    const cJSON *body, struct http_response *resp, char *err)
{
	struct http_response local;
	struct http_body hb;
	char *text = NULL;
	int rc;

	if (body != NULL && (text = cJSON_PrintUnformatted(body)) == NULL)
		return err_set(err, "%s %s: cannot format body", method, path);
	if (resp == NULL)
		resp = &local;
	hb.hb_type = "application/json";
	hb.hb_data = text;
	hb.hb_len = text ? strlen(text) : 0;
	rc = http_request(c, method, path, &hb, resp, err);
	free(text);
	if (rc == 0 && resp->json == NULL && resp->body_len > 0)
		rc = err_set(err, "%s %s: answer is not JSON", method, path);
	if (resp == &local)
		http_response_free(&local);
	return rc;
}
