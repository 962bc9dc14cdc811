/*
 * check_http.c - the HTTP client against a real libmicrohttpd server on
 * the loopback address, started by the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "check_suites.h"
#include "err.h"
#include "http.h"

struct req_state {
	char body[4096];
	size_t len;
};

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **con_cls)
{
	struct req_state *st = *con_cls;
	struct MHD_Response *resp;
	char out[8192];
	unsigned int code = 200;
	const char *auth;
	enum MHD_Result ret;

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_len > 0) {
		size_t n = *upload_len;
		if (st->len + n >= sizeof(st->body))
			n = sizeof(st->body) - st->len - 1;
		memcpy(st->body + st->len, upload, n);
		st->len += n;
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/ok") == 0)
		snprintf(out, sizeof(out), "{\"a\":1}");
	else if (strcmp(url, "/error") == 0) {
		code = 400;
		snprintf(out, sizeof(out),
		    "{\"error\":\"'memory' must be an integer\",\"field\":\"memory\"}");
	} else if (strcmp(url, "/etcd-error") == 0) {
		code = 500;
		snprintf(out, sizeof(out),
		    "{\"error\":{\"message\":\"etcdserver: no leader\"}}");
	} else if (strcmp(url, "/auth") == 0) {
		auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Authorization");
		snprintf(out, sizeof(out), "{\"auth\":\"%s\"}", auth ? auth : "");
	} else if (strcmp(url, "/echo") == 0) {
		snprintf(out, sizeof(out), "{\"method\":\"%s\",\"body\":%.*s}",
		    method, (int)st->len, st->len ? st->body : "null");
	} else if (strcmp(url, "/text") == 0)
		snprintf(out, sizeof(out), "hello");
	else {
		code = 404;
		snprintf(out, sizeof(out), "not found");
	}
	resp = MHD_create_response_from_buffer(strlen(out), out,
	    MHD_RESPMEM_MUST_COPY);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static struct MHD_Daemon *
start_server(char *base, size_t len)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	    handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	ck_assert_ptr_nonnull(d);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert_ptr_nonnull(info);
	snprintf(base, len, "http://127.0.0.1:%u", (unsigned)info->port);
	return d;
}

START_TEST(test_json_roundtrip_and_token)
{
	char base[64], err[ERR_LEN];
	struct MHD_Daemon *d = start_server(base, sizeof(base));
	struct http_opts o = { .base_url = base, .token = "s3cret" };
	struct http_client *c = http_client_new(&o, err);
	struct http_response r;
	cJSON *body = cJSON_CreateObject();
	const cJSON *v;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(http_request_json(c, "GET", "/ok", NULL, &r, err), 0);
	ck_assert_int_eq(r.status, 200);
	v = cJSON_GetObjectItem(r.json, "a");
	ck_assert_msg(cJSON_IsNumber(v) && v->valueint == 1, "the body is parsed");
	http_response_free(&r);

	ck_assert_int_eq(http_request_json(c, "GET", "/auth", NULL, &r, err), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(r.json, "auth")->valuestring,
	    "Bearer s3cret");
	http_response_free(&r);

	cJSON_AddStringToObject(body, "name", "vm1");
	ck_assert_int_eq(http_request_json(c, "POST", "/echo", body, &r, err), 0);
	v = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "body"), "name");
	ck_assert_msg(cJSON_IsString(v) && strcmp(v->valuestring, "vm1") == 0,
	    "the JSON body reaches the server");
	ck_assert_str_eq(cJSON_GetObjectItem(r.json, "method")->valuestring,
	    "POST");
	http_response_free(&r);
	cJSON_Delete(body);
	http_client_free(c);
	MHD_stop_daemon(d);
}
END_TEST

START_TEST(test_errors_carry_status_and_message)
{
	char base[64], err[ERR_LEN];
	struct MHD_Daemon *d = start_server(base, sizeof(base));
	struct http_opts o = { .base_url = base };
	struct http_client *c = http_client_new(&o, err);
	struct http_response r;

	ck_assert_int_eq(http_request_json(c, "POST", "/error", NULL, &r, err), -1);
	ck_assert_str_eq(err,
	    "POST /error: 400: 'memory' must be an integer");
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(cJSON_GetObjectItem(r.json, "field")->valuestring,
	    "memory");
	http_response_free(&r);
	ck_assert_int_eq(http_request_json(c, "GET", "/etcd-error", NULL, NULL,
	    err), -1);
	ck_assert_str_eq(err, "GET /etcd-error: 500: etcdserver: no leader");
	ck_assert_int_eq(http_request_json(c, "GET", "/nope", NULL, NULL, err), -1);
	ck_assert_str_eq(err, "GET /nope: 404: not found");
	ck_assert_int_eq(http_request_json(c, "GET", "/text", NULL, NULL, err), -1);
	ck_assert_str_eq(err, "GET /text: answer is not JSON");
	http_client_free(c);
	MHD_stop_daemon(d);
}
END_TEST

START_TEST(test_connection_refused)
{
	char err[ERR_LEN];
	struct http_opts o = { .base_url = "http://127.0.0.1:1",
	    .connect_timeout_ms = 1000 };
	struct http_client *c = http_client_new(&o, err);

	ck_assert_int_eq(http_request_json(c, "GET", "/x", NULL, NULL, err), -1);
	ck_assert_msg(strncmp(err, "GET /x: ", 8) == 0 &&
	    strstr(err, "127.0.0.1") != NULL,
	    "a refused connection names the request and the server: '%s'", err);
	http_client_free(c);
}
END_TEST

START_TEST(test_https_needs_trust)
{
	char err[ERR_LEN];
	struct http_opts o = { .base_url = "https://127.0.0.1:1" };
	struct http_client *c;

	ck_assert_ptr_null(http_client_new(&(struct http_opts){ 0 }, err));
	ck_assert_str_eq(err, "http client needs a base URL");
	c = http_client_new(&o, err);
	ck_assert_ptr_nonnull(c);
	http_client_free(c);
}
END_TEST

Suite *
make_http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_json_roundtrip_and_token);
	tcase_add_test(tc, test_errors_carry_status_and_message);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_https_needs_trust);
	suite_add_tcase(s, tc);
	return s;
}
