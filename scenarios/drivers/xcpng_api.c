/*
 * xcpng_api.c - the XAPI client of the xcpng driver (xcpng_api.h):
 * JSON-RPC 2.0 calls over libcurl with the session put first, a login
 * when there is none and once more when XAPI says the session is no
 * longer valid; the master's /export, /import and /rrd_updates handlers
 * with the session in their query; and the readers of what comes back.
 * TLS is verified by CA or pinned fingerprint (drv_https.c): XCP-ng
 * hosts serve a self-signed certificate made at install.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/drv_https.h"
#include "scenarios/drivers/xcpng_api.h"

#define XAPI_BODY_MAX (16u << 20)
#define XAPI_RRD_MAX (8u << 20)
#define XAPI_LOGIN "session.login_with_password"
/* The API version a client states at login (XenAPI.py sends "1.0"). */
#define XAPI_VERSION "1.0"

struct xapi {
	CURL *curl;
	char *url, *user, *password;
	struct drv_tls tls;
	long timeout_ms;
	char session[XAPI_REF_MAX];
	long id;
	unsigned long calls;
};

struct xapi *
xapi_new(const struct xapi_opts *o, char *err)
{
	struct xapi *x;

	drv_https_global();
	if (o->xo_url == NULL || strncmp(o->xo_url, "https://", 8) != 0) {
		err_set(err, "url: an https:// address is needed");
		return NULL;
	}
	if (o->xo_user == NULL || o->xo_password == NULL) {
		err_set(err, "a user and a password are needed to log in");
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (drv_tls_init(&x->tls, o->xo_ca_file, o->xo_fingerprint, err) ==
	    -1)
		goto fail;
	x->url = strdup(o->xo_url);
	x->user = strdup(o->xo_user);
	x->password = strdup(o->xo_password);
	x->timeout_ms = o->xo_timeout_ms > 0 ? o->xo_timeout_ms : 60000;
	if (x->url == NULL || x->user == NULL || x->password == NULL ||
	    (x->curl = curl_easy_init()) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	return x;
fail:
	xapi_free(x);
	return NULL;
}

void
xapi_free(struct xapi *x)
{
	char e[ERR_LEN];

	if (x == NULL)
		return;
	if (x->session[0] != '\0' && x->curl != NULL)
		xapi_call(x, "session.logout", NULL, NULL, NULL, e);
	if (x->curl != NULL)
		curl_easy_cleanup(x->curl);
	free(x->url);
	free(x->user);
	if (x->password != NULL)
		memset(x->password, 0, strlen(x->password));
	free(x->password);
	drv_tls_clear(&x->tls);
	memset(x, 0, sizeof(*x));
	free(x);
}

unsigned long
xapi_calls(const struct xapi *x)
{
	return x->calls;
}

/* One JSON-RPC exchange: req out, the answer's body into b. */
static int
xapi_post(struct xapi *x, const char *method, const char *req,
    struct drv_buf *b, char *err)
{
	struct curl_slist *h = NULL;
	char *url = NULL;
	long status = 0;
	CURLcode cc;
	int rc = -1;

	if (asprintf(&url, "%s/jsonrpc", x->url) == -1)
		return err_set(err, "%s: out of memory", method);
	h = curl_slist_append(h, "Content-Type: application/json");
	drv_https_setup(x->curl, &x->tls, x->timeout_ms, b);
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, req);
	x->calls++;
	if ((cc = curl_easy_perform(x->curl)) != CURLE_OK) {
		err_set(err, "%s: %s%s%s", method, b->b_over ? "answer too "
		    "large: " : "", curl_easy_strerror(cc),
		    drv_https_hint(cc, &x->tls));
		goto out;
	}
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		err_set(err, "%s: HTTP %ld from /jsonrpc", method, status);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(h);
	free(url);
	return rc;
}

/* XAPI's error object into err: "CODE (param, ...)". */
static int
xapi_error(const char *method, const cJSON *e, char *code, char *err)
{
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message"),
	    *data = cJSON_GetObjectItemCaseSensitive(e, "data"), *it;
	char params[ERR_LEN] = "";
	size_t off = 0;

	if (!cJSON_IsString(msg))
		return err_set(err, "%s: an error without a code", method);
	if (code != NULL)
		snprintf(code, XAPI_CODE_MAX, "%s", msg->valuestring);
	cJSON_ArrayForEach(it, (cJSON_IsArray(data) ? data : NULL))
		if (cJSON_IsString(it) && off < sizeof(params))
			off += (size_t)snprintf(params + off, sizeof(params) -
			    off, "%s%s", off ? ", " : "", it->valuestring);
	return err_set(err, "%s: %s%s%s%s", method, msg->valuestring,
	    params[0] ? " (" : "", params, params[0] ? ")" : "");
}

int
xapi_answer_read(const char *method, const char *body, size_t len, long id,
    cJSON **result, char *code, char *err)
{
	const cJSON *ver, *aid, *e;
	char pe[ERR_LEN];
	cJSON *doc;
	int rc = -1;

	*result = NULL;
	if (code != NULL)
		code[0] = '\0';
	if ((doc = json_parse_buf(body, len, pe)) == NULL)
		return err_set(err, "%s: the answer is no JSON (%s)", method,
		    pe);
	ver = cJSON_GetObjectItemCaseSensitive(doc, "jsonrpc");
	aid = cJSON_GetObjectItemCaseSensitive(doc, "id");
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (!cJSON_IsObject(doc) || !cJSON_IsString(ver) ||
	    strcmp(ver->valuestring, "2.0") != 0)
		err_set(err, "%s: the answer is no JSON-RPC 2.0 object",
		    method);
	else if (!cJSON_IsNumber(aid) || aid->valuedouble != (double)id)
		err_set(err, "%s: the answer's id is not the call's (%ld)",
		    method, id);
	else if (e != NULL)
		xapi_error(method, e, code, err);
	else if (!cJSON_HasObjectItem(doc, "result"))
		err_set(err, "%s: the answer has neither result nor error",
		    method);
	else {
		*result = cJSON_DetachItemFromObjectCaseSensitive(doc,
		    "result");
		rc = 0;
	}
	cJSON_Delete(doc);
	return rc;
}

/* method(params) once, as is. */
static int
xapi_call_once(struct xapi *x, const char *method, const cJSON *params,
    cJSON **result, char *code, char *err)
{
	struct drv_buf b = { .b_max = XAPI_BODY_MAX };
	cJSON *req = cJSON_CreateObject();
	char *text = NULL;
	int rc = -1;

	x->id++;
	if (req == NULL || !cJSON_AddStringToObject(req, "jsonrpc", "2.0") ||
	    !cJSON_AddStringToObject(req, "method", method) ||
	    !cJSON_AddItemToObject(req, "params",
	    cJSON_Duplicate(params, 1)) ||
	    !cJSON_AddNumberToObject(req, "id", (double)x->id) ||
	    (text = cJSON_PrintUnformatted(req)) == NULL) {
		err_set(err, "%s: out of memory", method);
		goto out;
	}
	if (xapi_post(x, method, text, &b, err) == 0)
		rc = xapi_answer_read(method, b.b_data ? b.b_data : "",
		    b.b_len, x->id, result, code, err);
out:
	if (text != NULL)
		memset(text, 0, strlen(text));	/* a login's password */
	free(text);
	free(b.b_data);
	cJSON_Delete(req);
	return rc;
}

/* session.login_with_password: the session for the calls that follow. */
static int
xapi_login(struct xapi *x, char *err)
{
	cJSON *p = cJSON_CreateArray(), *r = NULL;
	int rc = -1;

	x->session[0] = '\0';
	cJSON_AddItemToArray(p, cJSON_CreateString(x->user));
	cJSON_AddItemToArray(p, cJSON_CreateString(x->password));
	cJSON_AddItemToArray(p, cJSON_CreateString(XAPI_VERSION));
	cJSON_AddItemToArray(p, cJSON_CreateString("hvlab"));
	if (xapi_call_once(x, XAPI_LOGIN, p, &r, NULL, err) == -1)
		goto out;
	if (!cJSON_IsString(r) || strncmp(r->valuestring, "OpaqueRef:", 10) !=
	    0 || strlen(r->valuestring) >= sizeof(x->session)) {
		err_set(err, XAPI_LOGIN ": the answer is no session reference");
		goto out;
	}
	snprintf(x->session, sizeof(x->session), "%s", r->valuestring);
	rc = 0;
out:
	cJSON_Delete(p);
	cJSON_Delete(r);
	return rc;
}

int
xapi_call(struct xapi *x, const char *method, cJSON *params, cJSON **result,
    char *code, char *err)
{
	char c[XAPI_CODE_MAX] = "";
	cJSON *res = NULL, *s;
	int rc = -1;

	if (params == NULL)
		params = cJSON_CreateArray();
	if (params == NULL || !cJSON_IsArray(params)) {
		cJSON_Delete(params);
		return err_set(err, "%s: params must be an array", method);
	}
	if (x->session[0] == '\0' && xapi_login(x, err) == -1)
		goto out;
	if ((s = cJSON_CreateString(x->session)) == NULL ||
	    !cJSON_InsertItemInArray(params, 0, s)) {
		err_set(err, "%s: out of memory", method);
		goto out;
	}
	rc = xapi_call_once(x, method, params, &res, c, err);
	/* A session ends with the master's restart or its timeout: log in
	 * again, once, unless this was the logout. */
	if (rc == -1 && strcmp(c, "SESSION_INVALID") == 0 &&
	    strcmp(method, "session.logout") != 0) {
		if (xapi_login(x, err) == -1)
			goto out;
		cJSON_ReplaceItemInArray(params, 0,
		    cJSON_CreateString(x->session));
		rc = xapi_call_once(x, method, params, &res, c, err);
	}
	if (strcmp(method, "session.logout") == 0)
		x->session[0] = '\0';
out:
	if (code != NULL)
		snprintf(code, XAPI_CODE_MAX, "%s", c);
	cJSON_Delete(params);
	if (result != NULL)
		*result = res;
	else
		cJSON_Delete(res);
	return rc;
}

/* A transfer to or from one of the master's handlers. */
struct xapi_xfer {
	const char *xf_method;		/* "GET" | "PUT" */
	const char *xf_path;		/* "/export" */
	const char *xf_query;		/* after the session */
	FILE *xf_file;			/* what goes up, or where the body
					 * goes (NULL: into xf_buf) */
	long xf_size;			/* of what goes up */
	struct drv_buf xf_buf;
};

/* One attempt of t with the current session; its HTTP status into
 * *status. */
static int
xapi_http_once(struct xapi *x, struct xapi_xfer *t, long *status,
    char *err)
{
	char *url = NULL;
	CURLcode cc;
	int rc = -1;

	if (asprintf(&url, "%s%s?session_id=%s&%s", x->url, t->xf_path,
	    x->session, t->xf_query) == -1)
		return err_set(err, "%s %s: out of memory", t->xf_method,
		    t->xf_path);
	/* An image takes longer than a call: an hour at most. */
	drv_https_setup(x->curl, &x->tls, 3600000L, &t->xf_buf);
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	if (strcmp(t->xf_method, "PUT") == 0) {
		curl_easy_setopt(x->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(x->curl, CURLOPT_READDATA, t->xf_file);
		curl_easy_setopt(x->curl, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)t->xf_size);
	} else if (t->xf_file != NULL) {
		curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, NULL);
		curl_easy_setopt(x->curl, CURLOPT_WRITEDATA, t->xf_file);
	}
	x->calls++;
	if ((cc = curl_easy_perform(x->curl)) != CURLE_OK)
		err_set(err, "%s %s: %s%s", t->xf_method, t->xf_path,
		    curl_easy_strerror(cc), drv_https_hint(cc, &x->tls));
	else {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, status);
		rc = 0;
	}
	free(url);
	return rc;
}

/* Back to an empty body and the file's start, for a second attempt. */
static int
xapi_http_rewind(struct xapi_xfer *t)
{
	t->xf_buf.b_len = 0;
	if (t->xf_file == NULL)
		return 0;
	if (fseek(t->xf_file, 0, SEEK_SET) == -1)
		return -1;
	return strcmp(t->xf_method, "GET") == 0 ?
	    ftruncate(fileno(t->xf_file), 0) : 0;
}

static int
xapi_http(struct xapi *x, struct xapi_xfer *t, char *err)
{
	long status = 0;

	if (x->session[0] == '\0' && xapi_login(x, err) == -1)
		return -1;
	if (xapi_http_once(x, t, &status, err) == -1)
		return -1;
	/* The handlers refuse a session XAPI no longer knows: log in
	 * again, once, as for a call. */
	if (status == 401 || status == 403) {
		if (xapi_http_rewind(t) == -1)
			return err_errno(err, "%s %s: rewinding for a second "
			    "attempt", t->xf_method, t->xf_path);
		if (xapi_login(x, err) == -1 ||
		    xapi_http_once(x, t, &status, err) == -1)
			return -1;
	}
	if (status != 200)
		return err_set(err, "%s %s: HTTP %ld", t->xf_method,
		    t->xf_path, status);
	return 0;
}

int
xapi_http_get(struct xapi *x, const char *path, const char *query,
    const char *out, char **body, char *err)
{
	struct xapi_xfer t = { "GET", path, query, NULL, 0,
		{ .b_max = XAPI_RRD_MAX } };
	int rc;

	if (out != NULL && (t.xf_file = fopen(out, "w")) == NULL)
		return err_errno(err, "%s", out);
	rc = xapi_http(x, &t, err);
	if (t.xf_file != NULL && fclose(t.xf_file) != 0 && rc == 0)
		rc = err_errno(err, "%s", out);
	if (rc == 0 && body != NULL) {
		*body = t.xf_buf.b_data ? t.xf_buf.b_data : strdup("");
		t.xf_buf.b_data = NULL;
	}
	free(t.xf_buf.b_data);
	return rc;
}

int
xapi_http_put(struct xapi *x, const char *path, const char *query,
    const char *in, char *err)
{
	struct xapi_xfer t = { "PUT", path, query, NULL, 0,
		{ .b_max = XAPI_BODY_MAX } };
	int rc = -1;

	if ((t.xf_file = fopen(in, "r")) == NULL)
		return err_errno(err, "%s", in);
	if (fseek(t.xf_file, 0, SEEK_END) == -1 ||
	    (t.xf_size = ftell(t.xf_file)) < 0 ||
	    fseek(t.xf_file, 0, SEEK_SET) == -1)
		err_errno(err, "%s", in);
	else
		rc = xapi_http(x, &t, err);
	fclose(t.xf_file);
	free(t.xf_buf.b_data);
	return rc;
}

int
xapi_result_ref(const char *text, char *ref, size_t len)
{
	const char *p = text != NULL ? strstr(text, "OpaqueRef:") : NULL;
	size_t n;

	if (p == NULL)
		return 0;
	n = strcspn(p, "<\"' \t\r\n,]");
	if (n <= 10 || n >= len)
		return 0;
	memcpy(ref, p, n);
	ref[n] = '\0';
	return 1;
}

/* "AVERAGE:host:UUID:NAME" into v; 0, or -1 when it is not one. */
static int
xapi_rrd_entry(const char *s, struct xapi_rrd_val *v)
{
	char cf[16], kind[16], uuid[64], name[96];

	if (s == NULL || sscanf(s, "%15[^:]:%15[^:]:%63[^:]:%95s", cf, kind,
	    uuid, name) != 4 || strlen(kind) >= sizeof(v->rv_kind) ||
	    strlen(uuid) >= sizeof(v->rv_uuid) ||
	    strlen(name) >= sizeof(v->rv_name))
		return -1;
	snprintf(v->rv_kind, sizeof(v->rv_kind), "%s", kind);
	snprintf(v->rv_uuid, sizeof(v->rv_uuid), "%s", uuid);
	snprintf(v->rv_name, sizeof(v->rv_name), "%s", name);
	return 0;
}

/* The first child element of n called name, or NULL. */
static xmlNodePtr
xapi_xml_child(xmlNodePtr n, const char *name)
{
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(n->name, (const xmlChar *)name) == 0)
			return n;
	return NULL;
}

/* The legend's entries into vals[0..*n-1]. */
static int
xapi_rrd_legend(xmlNodePtr legend, struct xapi_rrd_val *vals, size_t max,
    size_t *n, char *err)
{
	xmlNodePtr e;
	xmlChar *s;
	int bad;

	*n = 0;
	for (e = legend != NULL ? legend->children : NULL; e; e = e->next) {
		if (e->type != XML_ELEMENT_NODE)
			continue;
		if (*n == max)
			return err_set(err, "rrd_updates: more legend entries "
			    "than the meta's columns");
		s = xmlNodeGetContent(e);
		bad = xapi_rrd_entry((const char *)s, &vals[*n]);
		if (bad)
			err_set(err, "rrd_updates: legend entry '%s' is not "
			    "CF:KIND:UUID:NAME", s ? (const char *)s : "");
		xmlFree(s);
		if (bad)
			return -1;
		(*n)++;
	}
	return 0;
}

/* A <t> or <v>'s number; -1 for "NaN" or no number: no reading. */
static double
xapi_rrd_number(xmlNodePtr n)
{
	xmlChar *s = xmlNodeGetContent(n);
	char *end;
	double x = strtod(s ? (const char *)s : "", &end);

	if (s == NULL || end == (char *)s || isnan(x))
		x = -1;
	xmlFree(s);
	return x;
}

/* One <row>: its <t> into *t, its <v> values into v[0..n-1]. */
static int
xapi_rrd_row(xmlNodePtr row, double *t, double *v, size_t n, char *err)
{
	xmlNodePtr c;
	size_t i = 0;

	*t = -1;
	for (c = row->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(c->name, (const xmlChar *)"t") == 0)
			*t = xapi_rrd_number(c);
		if (xmlStrcmp(c->name, (const xmlChar *)"v") != 0)
			continue;
		if (i == n)
			return err_set(err, "rrd_updates: a row has more "
			    "values than the legend");
		v[i++] = xapi_rrd_number(c);
	}
	if (i != n)
		return err_set(err, "rrd_updates: the row has %zu values for "
		    "%zu legend entries", i, n);
	if (*t < 0)
		return err_set(err, "rrd_updates: a row has no time <t>");
	return 0;
}

/* Every <row> of data into r's r_t and r_v, in the export's order. */
static int
xapi_rrd_rows(xmlNodePtr data, struct xapi_rrd *r, char *err)
{
	xmlNodePtr row;
	size_t nrow = 0;

	for (row = data != NULL ? data->children : NULL; row; row = row->next)
		nrow += row->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(row->name, (const xmlChar *)"row") == 0;
	if (nrow == 0)
		return 0;
	if ((r->r_t = calloc(nrow, sizeof(*r->r_t))) == NULL ||
	    (r->r_v = calloc(nrow * (r->r_ncols ? r->r_ncols : 1),
	    sizeof(*r->r_v))) == NULL)
		return err_set(err, "out of memory");
	for (row = data->children; row != NULL; row = row->next) {
		if (row->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(row->name, (const xmlChar *)"row") != 0)
			continue;
		if (xapi_rrd_row(row, &r->r_t[r->r_nrows],
		    &r->r_v[r->r_nrows * r->r_ncols], r->r_ncols, err) == -1)
			return -1;
		r->r_nrows++;
	}
	return 0;
}

void
xapi_rrd_free(struct xapi_rrd *r)
{
	free(r->r_cols);
	free(r->r_t);
	free(r->r_v);
	memset(r, 0, sizeof(*r));
}

int
xapi_rrd_parse(const char *xml, size_t len, struct xapi_rrd *r, char *err)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, meta;
	xmlChar *cols = NULL;
	char *end;
	long ncol;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	/* No RRD export has a DOCTYPE: entities stay out. */
	if (len > XAPI_RRD_MAX || memmem(xml, len, "<!DOCTYPE", 9) != NULL ||
	    memmem(xml, len, "<!ENTITY", 8) != NULL ||
	    (doc = xmlReadMemory(xml, (int)len, NULL, NULL, opts)) == NULL ||
	    (root = xmlDocGetRootElement(doc)) == NULL ||
	    xmlStrcmp(root->name, (const xmlChar *)"xport") != 0) {
		err_set(err, "rrd_updates: not an <xport> document");
		goto out;
	}
	meta = xapi_xml_child(root, "meta");
	cols = xmlNodeGetContent(xapi_xml_child(meta, "columns"));
	ncol = cols != NULL ? strtol((const char *)cols, &end, 10) : -1;
	if (cols != NULL && (end == (char *)cols || *end != '\0'))
		ncol = -1;
	/* 0 columns: nothing asked for runs there (a halted VM). */
	if (ncol < 0 || ncol > 100000) {
		err_set(err, "rrd_updates: <meta><columns> is no count");
		goto out;
	}
	if ((r->r_cols = calloc(ncol ? (size_t)ncol : 1,
	    sizeof(*r->r_cols))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (xapi_rrd_legend(xapi_xml_child(meta, "legend"), r->r_cols,
	    (size_t)ncol, &r->r_ncols, err) == -1 ||
	    xapi_rrd_rows(xapi_xml_child(root, "data"), r, err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		xapi_rrd_free(r);
	xmlFree(cols);
	xmlFreeDoc(doc);
	return rc;
}

int
xapi_rrd_read(const char *xml, size_t len, struct xapi_rrd_val **vals,
    size_t *n, char *err)
{
	struct xapi_rrd r;
	size_t i;

	*vals = NULL;
	*n = 0;
	if (xapi_rrd_parse(xml, len, &r, err) == -1)
		return -1;
	if (r.r_nrows == 0) {
		xapi_rrd_free(&r);
		return err_set(err, "rrd_updates: no row of data");
	}
	/* XAPI writes the newest row first. */
	for (i = 0; i < r.r_ncols; i++)
		r.r_cols[i].rv_value = r.r_v[i];
	*vals = r.r_cols;
	*n = r.r_ncols;
	r.r_cols = NULL;
	xapi_rrd_free(&r);
	return 0;
}
