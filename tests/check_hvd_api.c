/*
 * check_hvd_api.c - hvd's API: request validation pieces that need no
 * server (route matching, task ids, cluster names), and a real API
 * server (api.c on libmicrohttpd) on the loopback address and a unix
 * socket in a temp dir, for what only a server shows: how it bounds
 * connections and which bodies it reads or refuses; and pool creation
 * against iSCSI portals that do not work.  The server's node is in no
 * cluster, so requests over HTTPS end at authentication (401); the unix
 * socket acts as admin, and handlers needing a cluster answer 409.
 */
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "clock.h"
#include "err.h"
#include "http.h"
#include "sock.h"

#include "check_suites.h"
#include "platform/api.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/config.h"
#include "platform/etcd.h"
#include "platform/ha.h"
#include "platform/pki.h"
#include "platform/pool.h"
#include "platform/task.h"
#include "platform/volimport.h"

static const struct {
	const char *pattern, *path;
	int match;
	const char *p0, *p1;
} routes[] = {
	{ "/api/v1/nodes", "/api/v1/nodes", 1, NULL, NULL },
	{ "/api/v1/nodes", "/api/v1/nodesx", 0, NULL, NULL },
	{ "/api/v1/nodes", "/api/v1/node", 0, NULL, NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/n1", 1, "n1", NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/", 0, NULL, NULL },
	{ "/api/v1/nodes/*", "/api/v1/nodes/n1/x", 0, NULL, NULL },
	{ "/api/v1/vms/*/migrate/*", "/api/v1/vms/a/migrate/b", 1, "a", "b" },
	{ "/api/v1/tasks/*", "/api/v1/tasks/UPID:n1:0001:0002:t:x:u:", 1,
	    "UPID:n1:0001:0002:t:x:u:", NULL },
};

START_TEST(test_match)
{
	char params[API_MAX_PARAMS][256];
	int m = api_match(routes[_i].pattern, routes[_i].path, params);

	ck_assert_msg(m == routes[_i].match, "'%s' %s '%s'", routes[_i].path,
	    routes[_i].match ? "matches" : "does not match",
	    routes[_i].pattern);
	if (m && routes[_i].p0)
		ck_assert_str_eq(params[0], routes[_i].p0);
	if (m && routes[_i].p1)
		ck_assert_str_eq(params[1], routes[_i].p1);
}
END_TEST

START_TEST(test_long_segment)
{
	char params[API_MAX_PARAMS][256], path[600];

	memset(path, 'a', sizeof(path));
	memcpy(path, "/api/v1/nodes/", 14);
	path[sizeof(path) - 1] = '\0';
	ck_assert_msg(api_match("/api/v1/nodes/*", path, params) == 0,
	    "a segment longer than a parameter buffer does not match");
}
END_TEST

START_TEST(test_task_ids)
{
	struct task_desc d = { "node1", "vmstart", "vm1", "token:abc" };
	char id[TASK_ID_LEN];

	task_make_id(id, &d, 0x1f, 0x5f00aa11UL);
	ck_assert_str_eq(id, "UPID:node1:0000001F:5F00AA11:vmstart:vm1:"
	    "token:abc:");
	ck_assert(task_id_valid(id));
	ck_assert_msg(!task_id_valid("UPID:a/../b"), "ids carry no '/'");
	ck_assert_msg(!task_id_valid("PID:a"), "ids start with UPID:");
	ck_assert_msg(!task_id_valid("UPID:a b"), "ids carry no spaces");
}
END_TEST

START_TEST(test_names)
{
	ck_assert(cluster_valid_name("lab"));
	ck_assert(cluster_valid_name("node-1_a"));
	ck_assert(!cluster_valid_name(""));
	ck_assert(!cluster_valid_name("-x"));
	ck_assert(!cluster_valid_name("a b"));
	ck_assert(!cluster_valid_name("a/b"));
	ck_assert(!cluster_valid_name(
	    "a123456789012345678901234567890123456789012345678901234567890123"));
}
END_TEST

static const struct {
	const char *portal, *target;
	int lun, ok;
	const char *uri;
} uris[] = {
	{ "198.18.0.2", "iqn.2026-11.lab:san", 1, 1,
	    "iscsi://198.18.0.2/iqn.2026-11.lab:san/1" },
	{ "198.18.0.2:3261", "iqn.2026-11.lab:san", 0, 1,
	    "iscsi://198.18.0.2:3261/iqn.2026-11.lab:san/0" },
	{ "san.example", "iqn.x:y", 1, 0, NULL },
	{ "198.18.0.2:99999", "iqn.x:y", 1, 0, NULL },
	{ "198.18.0.2", "iqn.x/../y", 1, 0, NULL },
	{ "198.18.0.2", "iqn x", 1, 0, NULL },
	{ "198.18.0.2", "iqn.x:y", 256, 0, NULL },
	{ "198.18.0.2", "iqn.x:y", -1, 0, NULL },
};

START_TEST(test_iscsi_uri)
{
	char buf[256], err[ERR_LEN];
	int rc = pool_iscsi_uri(uris[_i].portal, uris[_i].target, uris[_i].lun,
	    buf, sizeof(buf), err);

	ck_assert_msg((rc == 0) == uris[_i].ok, "portal '%s' target '%s' LUN "
	    "%d is %s", uris[_i].portal, uris[_i].target, uris[_i].lun,
	    uris[_i].ok ? "accepted" : "refused");
	if (rc == 0)
		ck_assert_str_eq(buf, uris[_i].uri);
}
END_TEST

/* --- a real server --- */

struct srv {
	char			 dir[64];
	char			 ca[128];
	char			 url[64];
	struct hvd_config	 cf;
	struct cluster		*cl;
	struct api		*api;
};

static struct srv srv;

/* A free TCP port on 127.0.0.1 (free a moment ago). */
static int
free_port(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(fd >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* The cluster CA and the node's key and certificate in tls_dir. */
static void
srv_tls(struct srv *s)
{
	char *ca, *cakey, *key, *csr, *cert, path[256], err[ERR_LEN];
	struct pki_ca signer;

	ck_assert_msg(pki_ca_new("test CA", &ca, &cakey, err) == 0, "%s", err);
	signer.ca_cert_pem = ca;
	signer.ca_key_pem = cakey;
	ck_assert(pki_key_new(&key, err) == 0);
	ck_assert(pki_csr_new(key, s->cf.cf_node, &csr, err) == 0);
	ck_assert_msg(pki_sign(&signer, csr, s->cf.cf_node, "127.0.0.1",
	    &cert, err) == 0, "%s", err);
	snprintf(s->ca, sizeof(s->ca), "%s/ca.pem", s->cf.cf_tls_dir);
	ck_assert(pki_write_file(s->ca, ca, 0644, err) == 0);
	snprintf(path, sizeof(path), "%s/node.pem", s->cf.cf_tls_dir);
	ck_assert(pki_write_file(path, cert, 0644, err) == 0);
	snprintf(path, sizeof(path), "%s/node.key", s->cf.cf_tls_dir);
	ck_assert(pki_write_file(path, key, 0600, err) == 0);
	free(ca);
	free(cakey);
	free(key);
	free(csr);
	free(cert);
}

/* Checked fixture: node t1 in no cluster, its API on a unix socket and
 * over HTTPS on 127.0.0.1. */
static void
srv_up(void)
{
	struct srv *s = &srv;
	char err[ERR_LEN];

	snprintf(s->dir, sizeof(s->dir), "/tmp/hvd-api-XXXXXX");
	ck_assert(mkdtemp(s->dir) != NULL);
	config_defaults(&s->cf);
	snprintf(s->cf.cf_node, sizeof(s->cf.cf_node), "t1");
	snprintf(s->cf.cf_address, sizeof(s->cf.cf_address), "127.0.0.1");
	s->cf.cf_api_port = free_port();
	snprintf(s->cf.cf_state_dir, sizeof(s->cf.cf_state_dir), "%s/state",
	    s->dir);
	snprintf(s->cf.cf_tls_dir, sizeof(s->cf.cf_tls_dir), "%s/tls",
	    s->dir);
	snprintf(s->cf.cf_run_dir, sizeof(s->cf.cf_run_dir), "%s", s->dir);
	ck_assert_msg(config_finish(&s->cf, err) == 0, "%s", err);
	ck_assert_msg((s->cl = cluster_new(&s->cf, err)) != NULL, "%s", err);
	srv_tls(s);
	ck_assert((s->api = api_new(&s->cf, s->cl, err)) != NULL);
	ck_assert_msg(api_start_unix(s->api, err) == 0, "%s", err);
	ck_assert_msg(api_start_https(s->api, err) == 0, "%s", err);
	snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%d",
	    s->cf.cf_api_port);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Stop the server and remove its temp dir (tests assert after it: a
 * failed assertion ends the test's process at once). */
static void
srv_down(void)
{
	struct srv *s = &srv;

	if (s->dir[0] == '\0')
		return;
	api_free(s->api);
	cluster_free(s->cl);
	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	memset(s, 0, sizeof(*s));
}

/* One request over HTTPS, verified against the test CA (timeout 5 s):
 * the answer's status, 0 when none came. */
static long
https_status(const char *method, const char *path)
{
	struct http_opts o = { 0 };
	struct http_client *c;
	struct http_response r = { 0 };
	char err[ERR_LEN];
	long st;

	o.base_url = srv.url;
	o.ca_file = srv.ca;
	o.timeout_ms = 5000;
	o.connect_timeout_ms = 5000;
	ck_assert((c = http_client_new(&o, err)) != NULL);
	http_request(c, method, path, NULL, &r, err);
	st = r.status;
	http_response_free(&r);
	http_client_free(c);
	return st;
}

/* One request on the unix socket (root: admin) with body (may be NULL):
 * the status, the answer's "error" into msg (len bytes). */
static long
unix_call(const char *method, const char *path, const char *body,
    char *msg, size_t len)
{
	struct http_opts o = { 0 };
	struct http_body b = { NULL, body, body ? strlen(body) : 0 };
	struct http_client *c;
	struct http_response r = { 0 };
	const char *e;
	char err[ERR_LEN];
	long st;

	o.base_url = "http://localhost";
	o.unix_socket = srv.cf.cf_socket;
	o.timeout_ms = 5000;
	ck_assert((c = http_client_new(&o, err)) != NULL);
	http_request(c, method, path, body ? &b : NULL, &r, err);
	st = r.status;
	e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.json,
	    "error"));
	snprintf(msg, len, "%s", e ? e : "");
	http_response_free(&r);
	http_client_free(c);
	return st;
}

/* A TCP connection from src to the server that never says a word. */
static int
idle_conn(const char *src)
{
	struct sockaddr_in sa = { 0 }, to = { 0 };
	char err[ERR_LEN];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	ck_assert(fd >= 0);
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sa.sin_addr);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "bind %s: %s", src, strerror(errno));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)srv.cf.cf_api_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(sock_connect(fd, &to, 2000, err) == 0, "connect from "
	    "%s: %s", src, err);
	return fd;
}

/* 1 when the server closed fd (EOF or reset, after what it sent: a TLS
 * alert) within ms. */
static int
closed_within(int fd, long ms)
{
	uint64_t end = clock_mono_ns() + (uint64_t)ms * 1000000;
	char b[256];
	ssize_t n;

	while (clock_mono_ns() < end) {
		if (sock_wait(fd, POLLIN, (long)((end - clock_mono_ns()) /
		    1000000) + 1) <= 0)
			return 0;
		n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return 1;
	}
	return 0;
}

#define N_IDLE 140

START_TEST(test_idle_flood)
{
	int fds[N_IDLE], i;
	long st;

	srv_up();
	for (i = 0; i < N_IDLE; i++)
		fds[i] = idle_conn("127.0.0.2");
	st = https_status("GET", "/api/v1/version");
	for (i = 0; i < N_IDLE; i++)
		close(fds[i]);
	srv_down();
	ck_assert_msg(st == 401, "with %d idle connections open from one "
	    "address, a client from another gets an answer (status %ld)",
	    N_IDLE, st);
}
END_TEST

/* Bodies where none belongs: refused before they are read or parsed. */
static const struct {
	const char *method, *path, *body;
} no_body[] = {
	{ "GET", "/api/v1/version", "{}" },
	{ "GET", "/api/v1/version", "{" },
	{ "GET", "/api/v1/cluster", "[1, 2, 3]" },
	{ "DELETE", "/api/v1/tokens/0123456789abcdef", "{}" },
	{ "DELETE", "/api/v1/vms/vm1", "{\"force\": true}" },
};

START_TEST(test_no_body)
{
	char msg[ERR_LEN];
	long st;

	srv_up();
	st = unix_call(no_body[_i].method, no_body[_i].path, no_body[_i].body,
	    msg, sizeof(msg));
	srv_down();
	ck_assert_msg(st == 400 && strstr(msg, "no request body") != NULL,
	    "%s %s with a body is refused (400) before its body is parsed: "
	    "got %ld '%s'", no_body[_i].method, no_body[_i].path, st, msg);
}
END_TEST

/* Bodies naming a member twice: which one counts is anyone's guess
 * (cJSON takes the first, other parsers the last). */
static const struct {
	const char *path, *body, *key;
} dup_keys[] = {
	{ "/api/v1/tokens", "{\"role\": \"audit\", \"role\": \"admin\"}",
	    "role" },
	{ "/api/v1/ha/groups", "{\"name\": \"g\", \"nodes\": {\"n1\": 1, "
	    "\"n2\": 2, \"n1\": 3}}", "nodes.n1" },
	{ "/api/v1/pools", "{\"name\": \"p\", \"type\": \"dir\", "
	    "\"path\": \"/tmp\", \"name\": \"q\"}", "name" },
};

START_TEST(test_duplicate_keys)
{
	char msg[ERR_LEN], want[128];
	long st;

	srv_up();
	st = unix_call("POST", dup_keys[_i].path, dup_keys[_i].body, msg,
	    sizeof(msg));
	srv_down();
	snprintf(want, sizeof(want), "'%s'", dup_keys[_i].key);
	ck_assert_msg(st == 400 && strstr(msg, "duplicate") &&
	    strstr(msg, want), "a body naming %s twice is refused (400) "
	    "naming it: got %ld '%s'", dup_keys[_i].key, st, msg);
}
END_TEST

/* A refused request is answered at once: its announced body is never
 * waited for. */
START_TEST(test_refused_unread)
{
	static const char req[] = "POST /api/v1/version HTTP/1.1\r\n"
	    "Host: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 1000000\r\n\r\n{";
	struct sockaddr_un sun = { 0 };
	char buf[256] = "";
	int fd, got = 0;

	srv_up();
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", srv.cf.cf_socket);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1 &&
	    sock_wait(fd, POLLIN, 3000) > 0)
		got = read(fd, buf, sizeof(buf) - 1) > 0;
	close(fd);
	srv_down();
	ck_assert_msg(got && strncmp(buf, "HTTP/1.1 405", 12) == 0,
	    "a refused request (405) is answered without its body: '%.40s'",
	    buf);
}
END_TEST

/* --- bodies checked before any I/O --- */

enum body_kind { BODY_POOL, BODY_VOLUME, BODY_HA_GROUP, BODY_CLONE };

static const struct {
	enum body_kind kind;
	const char *json;
	const char *field;	/* NULL: accepted */
	const char *err;	/* substring of the error */
} body_cases[] = {
	/* on another node: its path is checked by its spelling here */
	{ BODY_POOL, "{\"name\": \"local\", \"type\": \"dir\", "
	    "\"node\": \"node2\", \"path\": \"/var/lib/hvd/pools/vms\"}",
	    NULL, NULL },
	{ BODY_POOL, "{\"name\": \"local\", \"type\": \"dir\", "
	    "\"node\": \"node2\", \"path\": \"/srv/vms\"}", "path",
	    "pool_dirs" },
	{ BODY_POOL, "{\"name\": \"san\", \"type\": \"iscsi\", "
	    "\"portal\": \"198.18.252.100:3260\", \"target\": "
	    "\"iqn.2026-11.test.hvt:san\"}", NULL, NULL },
	{ BODY_POOL, "{\"name\": \"x\", \"type\": \"dir\", \"path\": "
	    "\"/srv/../etc\"}", "path", "without '..'" },
	{ BODY_POOL, "{\"name\": \"x\", \"type\": \"nfs\"}", "type",
	    "iscsi or dir" },
	{ BODY_POOL, "{\"name\": \"x\", \"type\": \"iscsi\", "
	    "\"portal\": \"198.18.252.100:70000\", \"target\": \"iqn.x\"}",
	    "portal", "IPV4[:PORT]" },
	{ BODY_POOL, "{\"name\": \"x\", \"size\": 1}", "size",
	    "'size'" },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"size_mib\": 256}", NULL,
	    NULL },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"size_mib\": -1}",
	    "size_mib", "out of range" },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"source\": \"/i/a.qcow2\", "
	    "\"source_format\": \"raw\"}", NULL, NULL },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"source\": 7}", "source",
	    "'source'" },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"source\": \"/i/a\", "
	    "\"source_format\": \"vmdk\"}", "source_format", "qcow2 or raw" },
	{ BODY_VOLUME, "{\"name\": \"d1\", \"source_format\": \"raw\"}",
	    "source_format", "without a 'source'" },
	{ BODY_HA_GROUP, "{\"name\": \"g1\", \"nodes\": {\"node1\": "
	    "2}, \"restricted\": true}", NULL, NULL },
	{ BODY_HA_GROUP, "{\"name\": \"g1\", \"nodes\": {}}", "nodes",
	    "at least one node" },
	{ BODY_HA_GROUP, "{\"name\": \"g1\", \"nodes\": {\"node1\": "
	    "1001}}", "nodes", "0..1000" },
	{ BODY_HA_GROUP, "{\"name\": \"g1\", \"nodes\": {\"n\": 1}, "
	    "\"restricted\": 1}", "restricted", "true or false" },
	{ BODY_CLONE, "{\"name\": \"web2\"}", NULL, NULL },
	{ BODY_CLONE, "{\"name\": \"web2\", \"full\": true, \"pool\": "
	    "\"san\", \"node\": \"node2\"}", NULL, NULL },
	{ BODY_CLONE, "{}", "name", "'name'" },
	{ BODY_CLONE, "[\"web2\"]", "name", "an object" },
	{ BODY_CLONE, "{\"name\": \"-web\"}", "name", "letters" },
	{ BODY_CLONE, "{\"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa\"}", "name", "at most 48" },
	{ BODY_CLONE, "{\"name\": \"web2\", \"full\": 1}", "full",
	    "true or false" },
	{ BODY_CLONE, "{\"name\": \"web2\", \"full\": false, \"pool\": "
	    "\"san\"}", "pool", "full clones" },
	{ BODY_CLONE, "{\"name\": \"web2\", \"pool\": 3}", "pool",
	    "'pool'" },
	{ BODY_CLONE, "{\"name\": \"web2\", \"linked\": true}", "linked",
	    "'linked'" },
};

/* qemu-img info's answers about an image to import: what passes. */
static const struct {
	const char *json, *fmt;
	long long size;			/* the size read, or 0 */
	const char *err;		/* NULL: accepted */
} info_cases[] = {
	{ "{\"format\": \"qcow2\", \"virtual-size\": 67108864, "
	    "\"format-specific\": {\"type\": \"qcow2\", \"data\": "
	    "{\"compat\": \"1.1\"}}}", "qcow2", 67108864, NULL },
	{ "{\"format\": \"raw\", \"virtual-size\": 4096}", "raw", 4096,
	    NULL },
	{ "{\"format\": \"raw\", \"virtual-size\": 4096}", "qcow2", 0,
	    "not qcow2" },
	{ "{\"format\": \"qcow2\", \"virtual-size\": 1048576, "
	    "\"backing-filename\": \"/etc/shadow\"}", "qcow2", 0,
	    "backing file" },
	{ "{\"format\": \"qcow2\", \"virtual-size\": 1048576, "
	    "\"full-backing-filename\": \"/etc/shadow\"}", "qcow2", 0,
	    "backing file" },
	{ "{\"format\": \"qcow2\", \"virtual-size\": 1048576, "
	    "\"format-specific\": {\"data\": {\"data-file\": "
	    "\"/dev/sda\"}}}", "qcow2", 0, "external file" },
	{ "{\"format\": \"qcow2\", \"virtual-size\": 0}", "qcow2", 0,
	    "no size" },
	{ "{\"format\": \"qcow2\"}", "qcow2", 0, "virtual-size" },
	{ "not json", "qcow2", 0, "qemu-img info" },
};

START_TEST(test_import_info)
{
	char err[ERR_LEN] = "";
	int64_t size = -1;
	int rc = volimport_info_check(info_cases[_i].json, info_cases[_i].fmt,
	    &size, err);

	if (info_cases[_i].err == NULL)
		ck_assert_msg(rc == 0 && size == info_cases[_i].size, "image "
		    "%d is imported with its size: %s", _i, err);
	else
		ck_assert_msg(rc == -1 && strstr(err, info_cases[_i].err),
		    "image %d is refused saying '%s': got '%s'", _i,
		    info_cases[_i].err, err);
}
END_TEST

/* What the routes check of a body alone, without etcd or the disk. */
START_TEST(test_body_checks)
{
	struct pool_call pc = { "node1", NULL, 500, "", NULL };
	struct vmops_call vc = { "root", 500, "", "" };
	struct clone_req cr;
	char err[ERR_LEN] = "", field[64] = "";
	cJSON *body = cJSON_Parse(body_cases[_i].json), *rec = NULL;
	struct volume_spec vs;
	const char *got;
	int rc = -1;

	ck_assert_ptr_nonnull(body);
	switch (body_cases[_i].kind) {
	case BODY_POOL:
		rc = pool_body_check(body, "node1", &rec, &pc, err);
		break;
	case BODY_VOLUME:
		rc = volume_body_check(body, &vs, &pc, err);
		break;
	case BODY_HA_GROUP:
		rc = ha_group_check(body, field, err);
		break;
	case BODY_CLONE:
		rc = clone_body_check(body, &cr, &vc, err);
		snprintf(field, sizeof(field), "%s", vc.vc_field);
		ck_assert_msg(rc == 0 || vc.vc_status == 400, "a bad clone "
		    "body is a 400");
		ck_assert_msg(rc != 0 || cr.cr_full == (strstr(
		    body_cases[_i].json, "\"full\": true") ? 1 : -1),
		    "a clone is full when asked, else of the source's kind");
		break;
	}
	got = body_cases[_i].kind == BODY_HA_GROUP ||
	    body_cases[_i].kind == BODY_CLONE ? field : pc.pc_field;
	if (body_cases[_i].field == NULL)
		ck_assert_msg(rc == 0, "body %d is accepted: %s", _i, err);
	else
		ck_assert_msg(rc == -1 && strcmp(got, body_cases[_i].field) ==
		    0 && strstr(err, body_cases[_i].err) != NULL, "body %d "
		    "is refused naming '%s' with '%s': got '%s' '%s'", _i,
		    body_cases[_i].field, body_cases[_i].err, got, err);
	if (rc == 0 && body_cases[_i].kind == BODY_POOL)
		ck_assert_msg(cJSON_GetObjectItem(rec, "node") != NULL ||
		    cJSON_GetObjectItem(rec, "portal") != NULL, "the pool's "
		    "record holds its type's members");
	cJSON_Delete(rec);
	cJSON_Delete(body);
}
END_TEST

/* --- iSCSI pool creation against portals that do not work --- */

/* pool_create for an iSCSI pool on portal; etcd is never reached (its
 * URL answers nothing).  Returns pool_create's result. */
static int
pool_on(const char *portal, struct pool_call *pc, char *err)
{
	struct etcd *e;
	cJSON *body = cJSON_CreateObject(), *out = NULL;
	int rc;

	cJSON_AddStringToObject(body, "name", "san");
	cJSON_AddStringToObject(body, "type", "iscsi");
	cJSON_AddStringToObject(body, "portal", portal);
	cJSON_AddStringToObject(body, "target", "iqn.2026-11.test.hvt:san");
	ck_assert((e = etcd_new("http://127.0.0.1:1", NULL, 1000, err)) != NULL);
	pc->pc_node = "t1";
	rc = pool_create(e, body, &out, pc, err);
	cJSON_Delete(out);
	cJSON_Delete(body);
	etcd_free(e);
	return rc;
}

START_TEST(test_pool_portal_refused)
{
	struct pool_call pc = { 0 };
	char portal[64], err[ERR_LEN];
	int rc;

	snprintf(portal, sizeof(portal), "127.0.0.1:%d", free_port());
	rc = pool_on(portal, &pc, err);
	ck_assert_msg(rc == -1 && pc.pc_status == 400 &&
	    strcmp(pc.pc_field, "portal") == 0 && strstr(err, portal) &&
	    strstr(err, "does not answer"), "a portal nobody listens on is "
	    "refused naming it (400, field portal): got %d '%s' '%s'",
	    pc.pc_status, pc.pc_field, err);
}
END_TEST

/* A portal that takes TCP connections and never says a word (a hung
 * target): the 32 LUN probes of 10 s each took 320 s. */
START_TEST(test_pool_portal_silent)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	struct pool_call pc = { 0 };
	char portal[64], err[ERR_LEN];
	int fd, rc;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(fd, 64) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	snprintf(portal, sizeof(portal), "127.0.0.1:%d", ntohs(sa.sin_port));
	rc = pool_on(portal, &pc, err);
	close(fd);
	ck_assert_msg(rc == -1 && pc.pc_status == 400 &&
	    strcmp(pc.pc_field, "portal") == 0 && strstr(err, portal) &&
	    strstr(err, "did not answer"), "a portal that never answers is "
	    "refused naming it (400, field portal): got %d '%s' '%s'",
	    pc.pc_status, pc.pc_field, err);
}
END_TEST

/* A dir pool is a directory hvd writes qcow2 files into (and unlinks
 * them from) as root: "/" or a symlink out of the pool roots would hand
 * any host directory to a caller. */
START_TEST(test_pool_dir_confined)
{
	static const char *const paths[] = { "/", "/etc",
	    "/var/lib/hvd/pools/../../../etc" };
	struct etcd *e;
	struct pool_call pc = { 0 };
	cJSON *body, *out = NULL;
	char err[ERR_LEN];
	int rc;

	ck_assert((e = etcd_new("http://127.0.0.1:1", NULL, 1000, err)) != NULL);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", "local");
	cJSON_AddStringToObject(body, "type", "dir");
	cJSON_AddStringToObject(body, "path", paths[_i]);
	pc.pc_node = "t1";
	rc = pool_create(e, body, &out, &pc, err);
	ck_assert_msg(rc == -1 && pc.pc_status == 400 &&
	    strcmp(pc.pc_field, "path") == 0 &&
	    strstr(err, "/var/lib/hvd/pools") != NULL, "a dir pool on %s is "
	    "refused naming the field and the allowed roots (400, path): got "
	    "%d '%s' '%s'", paths[_i], pc.pc_status, pc.pc_field, err);
	cJSON_Delete(out);
	cJSON_Delete(body);
	etcd_free(e);
}
END_TEST

/* Idle connections from 7 addresses, 32 each: more than any share of
 * the server's slots they may take. */
#define N_ADDRS 7

START_TEST(test_idle_many)
{
	int fds[N_ADDRS * 32], i;
	char src[32];
	long st;

	srv_up();
	for (i = 0; i < N_ADDRS * 32; i++) {
		snprintf(src, sizeof(src), "127.0.0.%d", 10 + i / 32);
		fds[i] = idle_conn(src);
	}
	st = https_status("GET", "/api/v1/version");
	for (i = 0; i < N_ADDRS * 32; i++)
		close(fds[i]);
	srv_down();
	ck_assert_msg(st == 401, "with %d idle connections open from %d "
	    "addresses, a new client gets an answer (status %ld)",
	    N_ADDRS * 32, N_ADDRS, st);
}
END_TEST

START_TEST(test_idle_closed)
{
	int fd, closed;

	srv_up();
	fd = idle_conn("127.0.0.3");
	closed = closed_within(fd, 30000);
	close(fd);
	srv_down();
	ck_assert_msg(closed, "a connection that sends nothing is closed "
	    "within 30 s");
}
END_TEST

Suite *
make_hvd_api_suite(void)
{
	Suite *s = suite_create("hvd_api");
	TCase *tc = tcase_create("validation");

	tcase_add_loop_test(tc, test_match, 0,
	    (int)(sizeof(routes) / sizeof(routes[0])));
	tcase_add_test(tc, test_long_segment);
	tcase_add_test(tc, test_task_ids);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_iscsi_uri, 0,
	    (int)(sizeof(uris) / sizeof(uris[0])));
	tcase_add_loop_test(tc, test_body_checks, 0,
	    (int)(sizeof(body_cases) / sizeof(body_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_add_loop_test(tc, test_import_info, 0,
	    sizeof(info_cases) / sizeof(info_cases[0]));
	tcase_add_test(tc, test_idle_flood);
	tcase_add_test(tc, test_idle_many);
	tcase_add_test(tc, test_idle_closed);
	tcase_add_loop_test(tc, test_no_body, 0,
	    (int)(sizeof(no_body) / sizeof(no_body[0])));
	tcase_add_test(tc, test_refused_unread);
	tcase_add_loop_test(tc, test_duplicate_keys, 0,
	    (int)(sizeof(dup_keys) / sizeof(dup_keys[0])));
	tcase_add_test(tc, test_pool_portal_refused);
	tcase_add_test(tc, test_pool_portal_silent);
	tcase_add_loop_test(tc, test_pool_dir_confined, 0, 3);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
