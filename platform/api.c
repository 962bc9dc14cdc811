/*
 * api.c - the HTTP server: listeners, bodies, authentication, routing
 * and JSON answers (see api.h).  Handlers are in api_cluster.c, api_vm.c
 * and api_ha.c; the HTTPS listener's connection bounds in api_conns.c.
 *
 * Order of checks for a request, before any handler runs: token (401),
 * route (404/405), role (403), a body where none belongs (400: GET, HEAD,
 * DELETE) and body size (413, from Content-Length at once or while
 * reading), all before a byte of the body is read; then JSON (400).
 * Only then may a handler change state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/api.h"
#include "platform/api_conns.h"
#include "platform/auth.h"
#include "platform/bmcfence.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha.h"
#include "platform/pki.h"

struct api_listener {
	struct api		*l_api;
	struct MHD_Daemon	*l_mhd;
	int			 l_local;
	int			 l_fd;
	struct api_conns	*l_conns;	/* HTTPS: connection bounds */
};

struct api {
	const struct hvd_config	*a_cf;
	struct cluster		*a_cl;
	struct vmops		*a_vmops;
	struct metrics		*a_metrics;
	struct api_listener	 a_unix;
	struct api_listener	 a_https;
	char			*a_cert;
	char			*a_key;
	char			*a_ca;		/* trusted for node clients */
};

struct api_conn {
	struct api_req		 c_rq;
	const struct api_route	*c_route;
	char			 c_path[1024];
	char			*c_buf;
	size_t			 c_len, c_cap;
	int			 c_too_big;
	int			 c_answered;
};

static const struct api_route *const route_tables[] = {
	api_cluster_routes, api_vm_routes, api_snap_routes, api_ha_routes,
	api_backup_routes, api_metrics_routes, api_io_routes,
	api_balance_routes, api_bmc_routes, NULL
};

int
api_match(const char *pattern, const char *path,
    char params[API_MAX_PARAMS][256])
{
	const char *p = pattern, *s = path;
	int np = 0;
	size_t n;

	while (*p != '\0') {
		if (*p == '*') {
			n = strcspn(s, "/");
			if (n == 0 || n >= 256 || np >= API_MAX_PARAMS)
				return 0;
			memcpy(params[np], s, n);
			params[np][n] = '\0';
			np++;
			s += n;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

int
api_error(struct api_req *r, int status, const char *field,
    const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_Delete(r->rq_resp);
	r->rq_resp = cJSON_CreateObject();
	cJSON_AddStringToObject(r->rq_resp, "error", msg);
	if (field != NULL)
		cJSON_AddStringToObject(r->rq_resp, "field", field);
	r->rq_status = status;
	return -1;
}

int
api_reply(struct api_req *r, int status, cJSON *body)
{
	cJSON_Delete(r->rq_resp);
	r->rq_resp = body ? body : cJSON_CreateObject();
	r->rq_status = status;
	return 0;
}

int
api_task_reply(struct api_req *r, int rc, int status, const char *field,
    const char *task, const char *err)
{
	cJSON *o;

	if (rc != 0)
		return api_error(r, status, field[0] ? field : NULL, "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "task", task);
	return api_reply(r, 202, o);
}

int
api_body_keys(struct api_req *r, const char *const allowed[])
{
	const char *bad = NULL;
	char err[ERR_LEN];

	if (r->rq_body == NULL)
		return 0;
	if (json_check_keys(r->rq_body, allowed, &bad, err) != 0)
		return api_error(r, 400, bad, "%s", err);
	return 0;
}

int
api_body_str(struct api_req *r, const char *key, int required,
    const char **out)
{
	char err[ERR_LEN];

	if (r->rq_body == NULL) {
		if (required)
			return api_error(r, 400, key, "'%s' is required", key);
		return 0;
	}
	if (json_get_string(r->rq_body, key, required ? JSON_REQUIRED :
	    JSON_OPTIONAL, out, err) != 0)
		return api_error(r, 400, key, "%s", err);
	return 0;
}

int
api_body_int(struct api_req *r, const char *key, int required,
    int64_t *out)
{
	char err[ERR_LEN];

	if (r->rq_body == NULL) {
		if (required)
			return api_error(r, 400, key, "'%s' is required", key);
		return 0;
	}
	if (json_get_int(r->rq_body, key, required ? JSON_REQUIRED :
	    JSON_OPTIONAL, out, err) != 0)
		return api_error(r, 400, key, "%s", err);
	return 0;
}

int
api_need_cluster(struct api_req *r)
{
	if (cluster_state(r->rq_cl) != CLUSTER_ACTIVE)
		return api_error(r, 409, NULL, "this node is not in an active "
		    "cluster (hvctl cluster create NAME, or hvctl cluster "
		    "join ADDRESS)");
	return 0;
}

const char *
api_query(struct api_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->rq_conn,
	    MHD_GET_ARGUMENT_KIND, key);
}

/* Queue a handler's text answer (rq_text, taken over) on conn. */
static MHD_RESULT
send_text(struct MHD_Connection *conn, struct api_conn *c)
{
	struct api_req *r = &c->c_rq;
	struct MHD_Response *resp;
	MHD_RESULT ret;

	log_info("%s %s %s -> %d", r->rq_user[0] ? r->rq_user : "-",
	    r->rq_method, c->c_path, r->rq_status);
	resp = MHD_create_response_from_buffer(strlen(r->rq_text), r->rq_text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	r->rq_text = NULL;
	MHD_add_response_header(resp, "Content-Type", r->rq_text_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, (unsigned)r->rq_status, resp);
	MHD_destroy_response(resp);
	c->c_answered = 1;
	return ret;
}

/* Queue r's answer on conn. */
static MHD_RESULT
send_answer(struct MHD_Connection *conn, struct api_conn *c)
{
	struct api_req *r = &c->c_rq;
	struct MHD_Response *resp;
	char *text;
	MHD_RESULT ret;

	if (r->rq_text != NULL && r->rq_status < 400)
		return send_text(conn, c);
	if (r->rq_resp == NULL)
		r->rq_resp = cJSON_CreateObject();
	if ((text = cJSON_Print(r->rq_resp)) == NULL)
		text = strdup("{\"error\": \"out of memory\"}");
	if (text == NULL)
		return MHD_NO;
	log_info("%s %s %s -> %d", r->rq_user[0] ? r->rq_user : "-",
	    r->rq_method, c->c_path, r->rq_status);
	/* A newline so curl output ends cleanly. */
	{
		size_t n = strlen(text);
		char *t2 = realloc(text, n + 2);

		if (t2 != NULL) {
			text = t2;
			text[n] = '\n';
			text[n + 1] = '\0';
		}
	}
	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, (unsigned)r->rq_status, resp);
	MHD_destroy_response(resp);
	c->c_answered = 1;
	return ret;
}

/* Find the route for method+path: 1 found, 0 no path (404), -1 path with
 * another method (405). */
static int
find_route(struct api_conn *c, const char *method)
{
	const struct api_route *const *t, *rt;
	int path_seen = 0;

	for (t = route_tables; *t != NULL; t++)
		for (rt = *t; rt->rt_method != NULL; rt++) {
			if (!api_match(rt->rt_pattern, c->c_path,
			    c->c_rq.rq_params))
				continue;
			path_seen = 1;
			if (strcmp(rt->rt_method, method) == 0 ||
			    (strcmp(method, "HEAD") == 0 &&
			    strcmp(rt->rt_method, "GET") == 0)) {
				c->c_route = rt;
				return 1;
			}
		}
	return path_seen ? -1 : 0;
}

/* A request without a token from another node of the cluster, known by
 * the certificate it presented (signed by the cluster CA, named after a
 * node of the cluster): the audit role, as "node:NAME" (peer.h).  1 it
 * is one, 0 no certificate, -1 refused (r holds the answer). */
static int
peer_node(struct api_listener *l, struct MHD_Connection *conn,
    struct api_req *r)
{
	const union MHD_ConnectionInfo *ci;
	char name[HVD_NAME_MAX], err[ERR_LEN];
	int online, rc;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return 0;
	if ((rc = pki_peer_name(ci->tls_session, name, sizeof(name),
	    err)) <= 0)
		return rc == 0 ? 0 : api_error(r, 401, NULL, "%s", err);
	if (cluster_state(l->l_api->a_cl) != CLUSTER_ACTIVE)
		return api_error(r, 503, NULL, "the node's cluster state is "
		    "not available yet");
	rc = cluster_valid_name(name) ? cluster_node_info(l->l_api->a_cl,
	    name, NULL, 0, &online, err) : 0;
	if (rc < 0)
		return api_error(r, 503, NULL, "cannot check node %s: %s",
		    name, err);
	if (rc == 0)
		return api_error(r, 401, NULL, "the client certificate names "
		    "'%s', not a node of the cluster", name);
	r->rq_role = AUTH_AUDIT;
	snprintf(r->rq_user, sizeof(r->rq_user), "node:%s", name);
	return 1;
}

/* Who asks: root on the unix socket (admin), a token's holder, or
 * another node by its certificate.  0, or -1 with r holding the
 * refusal. */
static int
authenticate(struct api_listener *l, struct MHD_Connection *conn,
    struct api_req *r)
{
	const char *auth;
	char err[ERR_LEN], id[AUTH_ID_LEN + 1];
	int rc;

	if (l->l_local) {
		r->rq_role = AUTH_ADMIN;
		r->rq_local = 1;
		snprintf(r->rq_user, sizeof(r->rq_user), "root@unix");
		return 0;
	}
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL && (rc = peer_node(l, conn, r)) != 0) {
		if (rc < 0)
			return -1;
		api_conns_authenticated(l->l_conns, conn);
		return 0;
	}
	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
		return api_error(r, 401, NULL, "an 'Authorization: Bearer "
		    "TOKEN' header is required");
	if (cluster_state(l->l_api->a_cl) != CLUSTER_ACTIVE)
		return api_error(r, 503, NULL, "the node's cluster state is "
		    "not available yet");
	rc = auth_check(cluster_etcd(l->l_api->a_cl), auth + 7, &r->rq_role,
	    err);
	if (rc < 0)
		return api_error(r, 503, NULL, "cannot check the token: %s",
		    err);
	if (rc == 0)
		return api_error(r, 401, NULL, "invalid token");
	if (auth_token_id(auth + 7, id, NULL) == 0)
		snprintf(r->rq_user, sizeof(r->rq_user), "token:%s", id);
	api_conns_authenticated(l->l_conns, conn);
	return 0;
}

/* The body the request announces: none at all for GET, HEAD and DELETE
 * (refused before a byte of it is read or parsed), at most max_body
 * bytes for POST and PUT.  0, or -1 with r holding the refusal. */
static int
admit_body(struct api_listener *l, struct MHD_Connection *conn,
    struct api_req *r, const char *method)
{
	const char *cl, *te;
	unsigned long long len = 0;
	long max = l->l_api->a_cf->cf_max_body;
	char *end;

	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (cl != NULL) {
		errno = 0;
		len = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0' || end == cl)
			return api_error(r, 400, NULL, "bad Content-Length");
	}
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
	    (len > 0 || te != NULL))
		return api_error(r, 400, NULL, "%s %s takes no request body",
		    method, r->rq_path);
	if (len > (unsigned long long)max)
		return api_error(r, 413, NULL, "request body of %llu bytes is "
		    "larger than the limit of %ld bytes", len, max);
	return 0;
}

/* First call for a request: authenticate, route, authorize, body. 0 to
 * go on, -1 when c->c_rq holds a refusal. */
static int
admit(struct api_listener *l, struct MHD_Connection *conn,
    struct api_conn *c, const char *method)
{
	struct api_req *r = &c->c_rq;
	int rc;

	if (authenticate(l, conn, r) != 0)
		return -1;
	rc = find_route(c, method);
	if (rc == 0)
		return api_error(r, 404, NULL, "no such endpoint: %s",
		    c->c_path);
	if (rc < 0)
		return api_error(r, 405, NULL, "method %s is not allowed on "
		    "%s", method, c->c_path);
	if (!auth_allowed(r->rq_role, method, c->c_path))
		return api_error(r, 403, NULL, "role '%s' may not %s %s",
		    auth_role_name(r->rq_role), method, c->c_path);
	/* A quorum witness runs no VM runner, HA or storage: only the
	 * cluster's own endpoints make sense there. */
	if (l->l_api->a_cf->cf_witness &&
	    strncmp(c->c_path, "/api/v1/cluster", 15) != 0 &&
	    strcmp(c->c_path, "/api/v1/version") != 0)
		return api_error(r, 409, NULL, "node %s is a quorum witness "
		    "(role = witness): it serves only /api/v1/cluster and "
		    "/api/v1/version; ask a cluster node",
		    l->l_api->a_cf->cf_node);
	return admit_body(l, conn, r, method);
}

/* A new request: its connection state, its path; admitted or answered
 * at once.  MHD_YES to go on, as send_answer otherwise. */
static MHD_RESULT
conn_open(struct api_listener *l, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	struct api_conn *c;
	struct api_req *r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MHD_NO;
	*con_cls = c;
	r = &c->c_rq;
	r->rq_api = l->l_api;
	r->rq_cl = l->l_api->a_cl;
	r->rq_vmops = l->l_api->a_vmops;
	r->rq_metrics = l->l_api->a_metrics;
	r->rq_conn = conn;
	r->rq_cf = l->l_api->a_cf;
	r->rq_method = method;
	r->rq_path = c->c_path;
	r->rq_status = 500;
	if (strlen(url) >= sizeof(c->c_path)) {
		snprintf(c->c_path, sizeof(c->c_path), "(long)");
		api_error(r, 414, NULL, "request path is too long");
		return send_answer(conn, c);
	}
	snprintf(c->c_path, sizeof(c->c_path), "%s", url);
	/* Trailing slashes are tolerated. */
	while (strlen(c->c_path) > 1 &&
	    c->c_path[strlen(c->c_path) - 1] == '/')
		c->c_path[strlen(c->c_path) - 1] = '\0';
	if (admit(l, conn, c, method) != 0)
		return send_answer(conn, c);
	return MHD_YES;
}

/* Keep a piece of the body, up to max bytes in all (beyond: too big,
 * and nothing more is kept).  0, or -1 out of memory. */
static int
body_append(struct api_conn *c, const char *data, size_t n, size_t max)
{
	size_t cap;
	char *nb;

	if (c->c_too_big)
		return 0;
	if (c->c_len + n > max) {
		c->c_too_big = 1;
		free(c->c_buf);
		c->c_buf = NULL;
		return 0;
	}
	if (c->c_len + n + 1 > c->c_cap) {
		cap = (c->c_len + n + 1) * 2;
		if (cap > max + 1)
			cap = max + 1;
		if ((nb = realloc(c->c_buf, cap)) == NULL)
			return -1;
		c->c_buf = nb;
		c->c_cap = cap;
	}
	memcpy(c->c_buf + c->c_len, data, n);
	c->c_len += n;
	return 0;
}

/* The body, when not blank, as a JSON object into rq_body: 0, or -1
 * with the request answered (400). */
static int
body_parse(struct api_conn *c)
{
	struct api_req *r = &c->c_rq;
	char err[ERR_LEN], path[256];
	size_t i;
	int blank = 1;

	for (i = 0; i < c->c_len; i++)
		if (c->c_buf[i] != ' ' && c->c_buf[i] != '\n' &&
		    c->c_buf[i] != '\r' && c->c_buf[i] != '\t')
			blank = 0;
	if (blank)
		return 0;
	if (memchr(c->c_buf, '\0', c->c_len) != NULL)
		return api_error(r, 400, NULL, "request body contains a NUL "
		    "byte");
	if ((r->rq_body = json_parse_buf(c->c_buf, c->c_len, err)) == NULL)
		return api_error(r, 400, NULL, "malformed JSON: %s", err);
	if (!cJSON_IsObject(r->rq_body))
		return api_error(r, 400, NULL, "request body must be a JSON "
		    "object");
	if (json_find_duplicate(r->rq_body, path, sizeof(path)))
		return api_error(r, 400, path, "duplicate member '%s' in the "
		    "request body", path);
	return 0;
}

static MHD_RESULT
api_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct api_listener *l = cls;
	struct api_conn *c = *con_cls;
	struct api_req *r;
	size_t max = (size_t)l->l_api->a_cf->cf_max_body;

	if (c == NULL)
		return conn_open(l, conn, url, method, con_cls);
	r = &c->c_rq;
	if (c->c_answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (body_append(c, upload_data, *upload_data_size, max) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The whole request is here. */
	if (c->c_too_big) {
		api_error(r, 413, NULL, "request body is larger than the "
		    "limit of %zu bytes", max);
		return send_answer(conn, c);
	}
	if (c->c_len > 0 && body_parse(c) != 0)
		return send_answer(conn, c);
	r->rq_status = 200;
	if (c->c_route->rt_fn(r) != 0 && r->rq_status < 400)
		api_error(r, 500, NULL, "internal error");
	return send_answer(conn, c);
}

static void
api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api_conn *c = *con_cls;

	if (c == NULL)
		return;
	cJSON_Delete(c->c_rq.rq_body);
	cJSON_Delete(c->c_rq.rq_resp);
	free(c->c_rq.rq_text);
	free(c->c_buf);
	free(c);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("microhttpd: %s", buf);
}

struct api *
api_new(const struct hvd_config *cf, struct cluster *cl, char *err)
{
	struct api *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		err_errno(err, "api");
		return NULL;
	}
	a->a_cf = cf;
	a->a_cl = cl;
	a->a_unix.l_api = a->a_https.l_api = a;
	a->a_unix.l_local = 1;
	a->a_unix.l_fd = a->a_https.l_fd = -1;
	if ((a->a_https.l_conns = api_conns_new()) == NULL) {
		err_errno(err, "api");
		free(a);
		return NULL;
	}
	return a;
}

void
api_set_vmops(struct api *a, struct vmops *v)
{
	a->a_vmops = v;
}

void
api_set_metrics(struct api *a, struct metrics *m)
{
	a->a_metrics = m;
}

int
api_start_unix(struct api *a, char *err)
{
	struct sockaddr_un sun = { 0 };
	const char *path = a->a_cf->cf_socket;
	int fd;
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path))
		return err_set(err, "socket path %s is too long", path);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_errno(err, "socket");
	unlink(path);
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		err_errno(err, "bind %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) != 0 || listen(fd, 64) != 0) {
		err_errno(err, "listen %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	a->a_unix.l_fd = fd;
	a->a_unix.l_mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    api_access, &a->a_unix,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, api_completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
	    MHD_OPTION_END);
	if (a->a_unix.l_mhd == NULL) {
		close(fd);
		unlink(path);
		a->a_unix.l_fd = -1;
		return err_set(err, "cannot serve on %s", path);
	}
	log_info("API on unix socket %s", path);
	return 0;
}

int
api_start_https(struct api *a, char *err)
{
	struct sockaddr_in sin = { 0 };

	if (a->a_https.l_mhd != NULL)
		return 0;
	if (cluster_tls(a->a_cl, &a->a_cert, &a->a_key, err) != 0 ||
	    (a->a_ca == NULL &&
	    (a->a_ca = cluster_ca_pem(a->a_cl, err)) == NULL))
		return -1;
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)a->a_cf->cf_api_port);
	if (inet_pton(AF_INET, a->a_cf->cf_address, &sin.sin_addr) != 1)
		return err_set(err, "bad address '%s'", a->a_cf->cf_address);
	a->a_https.l_mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TLS,
	    (uint16_t)a->a_cf->cf_api_port, api_conns_accept,
	    a->a_https.l_conns,
	    api_access, &a->a_https,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_HTTPS_MEM_KEY, a->a_key,
	    MHD_OPTION_HTTPS_MEM_CERT, a->a_cert,
	    /* Other nodes present their certificate (peer.h).  With
	     * libmicrohttpd 0.9.75 a connection that never completes its
	     * TLS handshake times out only when a trust list is set
	     * (tests/check_hvd_api.c, test_idle_closed). */
	    MHD_OPTION_HTTPS_MEM_TRUST, a->a_ca,
	    MHD_OPTION_NOTIFY_COMPLETED, api_completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, api_conns_notify,
	    a->a_https.l_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)API_CONN_PER_IP,
	    MHD_OPTION_END);
	if (a->a_https.l_mhd == NULL)
		return err_set(err, "cannot serve HTTPS on %s:%d",
		    a->a_cf->cf_address, a->a_cf->cf_api_port);
	log_info("API on https://%s:%d", a->a_cf->cf_address,
	    a->a_cf->cf_api_port);
	return 0;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->a_https.l_mhd)
		MHD_stop_daemon(a->a_https.l_mhd);
	api_conns_free(a->a_https.l_conns);
	/* MHD closes a listen socket it was given when it stops. */
	if (a->a_unix.l_mhd) {
		MHD_stop_daemon(a->a_unix.l_mhd);
		unlink(a->a_cf->cf_socket);
	} else if (a->a_unix.l_fd >= 0)
		close(a->a_unix.l_fd);
	free(a->a_cert);
	free(a->a_key);
	free(a->a_ca);
	free(a);
}
