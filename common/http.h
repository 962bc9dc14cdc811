/*
 * http.h - a small JSON-over-HTTP(S) client on libcurl.
 *
 * Used by hvctl and the hvlab drivers to speak to hvd, by hvd to speak to
 * etcd's JSON gateway, and later by the Proxmox / XCP-ng drivers.  TLS is
 * verified against a CA file, or against a pinned public key; there is no
 * "insecure" mode.  A non-2xx answer is an error whose message carries the
 * status and the body's "error" (or "message") member when there is one.
 */
#ifndef HV_HTTP_H
#define HV_HTTP_H

#include <cjson/cJSON.h>

struct http_client;

struct http_opts {
	const char *base_url;	/* "https://198.18.0.11:8006" */
	const char *token;	/* sent as "Authorization: Bearer TOKEN" */
	const char *auth_header; /* full header instead of token, or NULL */
	const char *ca_file;	/* PEM CA bundle to verify the server */
	const char *pin;	/* "sha256//BASE64" public key pin */
	const char *client_cert; /* PEM certificate to present, or NULL */
	const char *client_key;	/* its PEM private key */
	const char *unix_socket; /* speak HTTP over this unix socket */
	long timeout_ms;	/* whole request; 0 = 30 s */
	long connect_timeout_ms; /* 0 = 5 s */
};

struct http_response {
	long status;		/* HTTP status, 0 when no answer */
	cJSON *json;		/* parsed body or NULL; caller frees */
	char *body;		/* raw body, NUL-terminated; caller frees */
	size_t body_len;
};

/* Create a client; strings in opts are copied.  NULL + err on failure. */
struct http_client *http_client_new(const struct http_opts *opts, char *err);
void http_client_free(struct http_client *c);

/*
 * METHOD PATH (appended to base_url) with BODY (may be NULL) as JSON.
 * Returns 0 when a 2xx answer arrived; -1 otherwise with err like
 * "POST /api/v1/vms: 400: 'memory' must be an integer".  resp (may be NULL)
 * is filled in both cases; free it with http_response_free.
 */
int http_request_json(struct http_client *c, const char *method,
    const char *path, const cJSON *body, struct http_response *resp,
    char *err);
/* A raw request body: hb_data (NULL = none) of hb_len bytes, sent as
 * hb_type (NULL = application/json). */
struct http_body {
	const char *hb_type;
	const char *hb_data;
	size_t hb_len;
};
/* Same with a raw body (may be NULL). */
int http_request(struct http_client *c, const char *method, const char *path,
    const struct http_body *body, struct http_response *resp, char *err);
void http_response_free(struct http_response *resp);

/* An answer's body as libcurl delivers it, for clients of their own
 * (hvd's BMC client): NUL-terminated, at most hs_max bytes. */
struct http_sink {
	char *hs_data;		/* malloc'd; the caller frees */
	size_t hs_len;
	size_t hs_max;
	int hs_overflow;	/* the body was longer than hs_max */
};
/* CURLOPT_WRITEFUNCTION appending to the struct http_sink arg. */
size_t http_sink_write(char *ptr, size_t size, size_t nmemb, void *arg);

#endif
