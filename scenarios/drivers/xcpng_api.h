/*
 * xcpng_api.h - XAPI, the XCP-ng pool's API, as the xcpng driver speaks
 * it: JSON-RPC 2.0 over `POST /jsonrpc` (a session from
 * session.login_with_password first in every call's params), XAPI's
 * errors (`{"code": N, "message": "CODE", "data": [PARAMS]}`) as one
 * sentence, TLS verified against a CA file or a pinned fingerprint
 * (drv_https.h); and the pool master's HTTP handlers beside it: `GET
 * /export`, `PUT /import`, `GET /rrd_updates`.  And the pure readers of
 * what XAPI answers: the envelope, a task's result, an RRD export.
 */
#ifndef HV_XCPNG_API_H
#define HV_XCPNG_API_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define XAPI_REF_MAX 128
#define XAPI_CODE_MAX 64

struct xapi;

struct xapi_opts {
	const char *xo_url;		/* "https://xcp1.example.org" */
	const char *xo_user;		/* "root" */
	const char *xo_password;
	const char *xo_ca_file;		/* PEM CA, or NULL */
	const char *xo_fingerprint;	/* "AB:CD:..." or NULL */
	long xo_timeout_ms;		/* 0 = 60 s */
};

/* A client; strings are copied.  NULL with err.  Nothing is sent. */
struct xapi *xapi_new(const struct xapi_opts *o, char *err);
/* Logs the session out (when there is one) and frees x. */
void xapi_free(struct xapi *x);

/*
 * Call method with params (a JSON array, or NULL for none; always
 * consumed): the session goes first, a login happens when there is no
 * session yet, and a SESSION_INVALID answer (the session expired, the
 * master restarted) logs in again and repeats the call once.  0 with
 * *result the answer's "result" (caller frees; result may be NULL), or
 * -1 with err "VM.start: VM_BAD_POWER_STATE (OpaqueRef:.., halted,
 * running)"; code (XAPI_CODE_MAX bytes, may be NULL) gets XAPI's error
 * code, "" for a failure of the transport.
 */
int xapi_call(struct xapi *x, const char *method, cJSON *params,
    cJSON **result, char *code, char *err);

/*
 * The master's HTTP handlers, "session_id=SESSION&" put before query:
 * GET path into the file out (export), or into *body (caller frees) when
 * out is NULL; PUT the file in to path (import).  0, or -1 with err.
 */
int xapi_http_get(struct xapi *x, const char *path, const char *query,
    const char *out, char **body, char *err);
int xapi_http_put(struct xapi *x, const char *path, const char *query,
    const char *in, char *err);

/* How many requests went out (logins and HTTP transfers included). */
unsigned long xapi_calls(const struct xapi *x);

/*
 * A JSON-RPC 2.0 answer (body of len bytes) to the call with id: 0 with
 * *result detached (caller frees), or -1 with err naming method and
 * XAPI's error ("CODE (param, ...)"), its code into code (may be NULL).
 * Pure.
 */
int xapi_answer_read(const char *method, const char *body, size_t len,
    long id, cJSON **result, char *code, char *err);

/*
 * A task's result as XAPI keeps it (XML-RPC text: "<value>OpaqueRef:
 * ...</value>", or an array of such) -> its first reference into ref.
 * 1 found, 0 none.  Pure.
 */
int xapi_result_ref(const char *text, char *ref, size_t len);

/* One column of an RRD export's newest row. */
struct xapi_rrd_val {
	char rv_kind[8];		/* "host" | "vm" */
	char rv_uuid[40];
	char rv_name[64];		/* "cpu_avg", "memory_free_kib" */
	double rv_value;
};

/*
 * /rrd_updates' XML (<xport><meta>...<legend><entry>AVERAGE:host:UUID:
 * cpu_avg</entry>...</legend></meta><data><row><t>T</t><v>V</v>...)
 * -> the newest row's values, one per legend entry, into *vals (caller
 * frees), *n of them.  0, or -1 with err.  Pure.
 */
int xapi_rrd_read(const char *xml, size_t len, struct xapi_rrd_val **vals,
    size_t *n, char *err);

/* An RRD export whole: the legend's columns and every row, in the
 * export's order (XAPI's: newest first). */
struct xapi_rrd {
	struct xapi_rrd_val *r_cols;	/* the legend (rv_value unset) */
	size_t r_ncols;
	double *r_t;			/* each row's time, Unix seconds */
	double *r_v;			/* row i's values: r_v[i * r_ncols
					 * + column], -1 for NaN */
	size_t r_nrows;
};

/* The same document into r (no row is no error).  0, or -1 with err
 * and r empty.  Pure. */
int xapi_rrd_parse(const char *xml, size_t len, struct xapi_rrd *r,
    char *err);
void xapi_rrd_free(struct xapi_rrd *r);

#endif
