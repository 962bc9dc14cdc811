/*
 * pool.c - pool and volume records, LUN allocation, disk paths (pool.h).
 *
 * The only storage I/O here is qemu-img (argv, never a shell): "info" to
 * find LUNs, "create -f qcow2" to make a volume.  Everything else is etcd.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "sock.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/confine.h"
#include "platform/keys.h"
#include "platform/pool.h"
#include "platform/volimport.h"

#define MAX_LUNS		32
#define ISCSI_PORT		3260
#define PORTAL_CONNECT_MS	3000	/* TCP connection to a portal */
#define LUN_PROBE_MS		10000	/* one qemu-img info */
#define DISCOVERY_MS		30000	/* every LUN probe of a pool */

static void
set_field(char field[POOL_FIELD_LEN], const char *f)
{
	snprintf(field, POOL_FIELD_LEN, "%s", f ? f : "");
}

#define FAIL(st, fld, ...) do {						\
	call->pc_status = (st);						\
	set_field(call->pc_field, (fld));				\
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

static int
valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (i > 0 && (s[i] == '-' || s[i] == '_' || s[i] == '.'))))
			return 0;
	return 1;
}

/* IQN / EUI: printable, no '/', no spaces. */
static int
valid_target(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 4 || n > 223)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/' || s[i] == '?' ||
		    s[i] == '#' || s[i] == '%')
			return 0;
	return 1;
}

/* String member k of o, "" when absent or not a string. */
static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The portal's address, port 3260 unless given: 1, or 0 when s is not
 * IPV4[:PORT]. */
static int
portal_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *c = strchr(s, ':');
	size_t hl = c ? (size_t)(c - s) : strlen(s);
	char *end;
	long port = ISCSI_PORT;

	memset(sa, 0, sizeof(*sa));
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return 0;
	if (c) {
		port = strtol(c + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return 0;
	}
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return 1;
}

static int
valid_portal(const char *s)
{
	struct sockaddr_in sa;

	return portal_addr(s, &sa);
}

/* A TCP connection to the portal within PORTAL_CONNECT_MS: 0, or -1
 * with err saying why not. */
static int
portal_probe(const char *portal, char *err)
{
	struct sockaddr_in sa;
	char ip[INET_ADDRSTRLEN];
	int fd, rc;

	if (!portal_addr(portal, &sa))
		return err_set(err, "not IPV4[:PORT]");
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return err_errno(err, "socket");
	if ((rc = sock_connect(fd, &sa, PORTAL_CONNECT_MS, err)) != 0) {
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		err_prefix(err, "TCP %s:%d", ip, ntohs(sa.sin_port));
	}
	close(fd);
	return rc;
}

int
pool_iscsi_uri(const char *portal, const char *target, int lun, char *buf,
    size_t len, char *err)
{
	if (!valid_portal(portal) || !valid_target(target) || lun < 0 ||
	    lun > 255)
		return err_set(err, "bad iSCSI portal, target or LUN");
	if ((size_t)snprintf(buf, len, "iscsi://%s/%s/%d", portal, target,
	    lun) >= len)
		return err_set(err, "iSCSI URI too long");
	return 0;
}

/* A LUN's size in bytes via qemu-img info (raw), waiting up to ms: 1
 * with *size, 0 not a disk (no such LUN, refused), -1 no answer within
 * ms (the portal took the connection and says nothing). */
static int
lun_probe(const char *uri, long ms, long long *size)
{
	const char *argv[] = { "qemu-img", "info", "--output=json", "-f",
	    "raw", uri, NULL };
	struct proc_result r = { 0 };
	cJSON *j = NULL;
	int64_t sz = -1;
	int rc = 0;

	if (proc_run(argv, NULL, ms, &r, NULL) == 0 &&
	    (j = json_parse_buf(r.out, r.out_len, NULL)) != NULL &&
	    json_get_int(j, "virtual-size", JSON_REQUIRED, &sz, NULL) == 0 &&
	    sz > 0) {
		*size = sz;
		rc = 1;
	} else if (r.timed_out)
		rc = -1;
	cJSON_Delete(j);
	proc_result_free(&r);
	return rc;
}

static int
get_json(struct etcd *e, const char *key, cJSON **out, int64_t *rev,
    char *err)
{
	struct etcd_kv kv;
	int rc;

	*out = NULL;
	if ((rc = etcd_get(e, key, &kv, err)) != 1)
		return rc;
	if (rev)
		*rev = kv.kv_mod_rev;
	if ((*out = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL)
		rc = -1;
	etcd_kv_clear(&kv);
	return rc;
}

static int
put_new(struct etcd *e, const char *key, const cJSON *o, char *err)
{
	char *s = cJSON_PrintUnformatted(o);
	int rc;

	if (s == NULL)
		return err_set(err, "out of memory");
	rc = etcd_create(e, key, s, 0, err);
	free(s);
	return rc;
}

/* Discovery: every LUN of the target that reads as a disk, into o's
 * "luns".  The portal is asked for a TCP connection first, and the LUN
 * probes stop at the first that gets no answer and after DISCOVERY_MS
 * in all, so a dead or hung portal holds the API thread seconds, not
 * MAX_LUNS probe timeouts.  0, or -1 with err and call's answer. */
static int
discover_luns(cJSON *o, const char *portal, const char *target,
    struct pool_call *call, char *err)
{
	cJSON *luns = cJSON_AddArrayToObject(o, "luns"), *l;
	uint64_t end = clock_mono_ns() + (uint64_t)DISCOVERY_MS * 1000000;
	char uri[512];
	long long sz;
	long ms;
	int lun, r, rc = -1;

	if (portal_probe(portal, err) != 0)
		FAIL(400, "portal", "iSCSI portal %s does not answer: %s",
		    portal, err);
	for (lun = 0; lun < MAX_LUNS; lun++) {
		if (pool_iscsi_uri(portal, target, lun, uri, sizeof(uri),
		    err) != 0)
			FAIL(400, "target", "%s", err);
		ms = (long)((end - clock_mono_ns()) / 1000000);
		if (clock_mono_ns() >= end || ms < 1)
			FAIL(400, "portal", "iSCSI portal %s did not answer "
			    "for LUNs %d..%d of %s within %d s in all", portal,
			    lun, MAX_LUNS - 1, target, DISCOVERY_MS / 1000);
		if (ms > LUN_PROBE_MS)
			ms = LUN_PROBE_MS;
		if ((r = lun_probe(uri, ms, &sz)) < 0)
			FAIL(400, "portal", "iSCSI portal %s took the "
			    "connection but did not answer for LUN %d of %s "
			    "within %ld ms (target hung?)", portal, lun, target,
			    ms);
		if (r == 0)
			continue;
		l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "lun", lun);
		cJSON_AddNumberToObject(l, "size_bytes", (double)sz);
		cJSON_AddItemToArray(luns, l);
	}
	if (cJSON_GetArraySize(luns) == 0)
		FAIL(400, "target", "no LUN answers on iscsi://%s/%s (portal "
		    "reachable? target right?)", portal, target);
	rc = 0;
out:
	return rc;
}

/* The roots of dir pools this call allows. */
static const char *
pool_dirs_of(const struct pool_call *call)
{
	return call->pc_pool_dirs ? call->pc_pool_dirs : CONFINE_POOL_DIRS;
}

/* A dir pool's directory is under the pool roots, resolved (a pool
 * elsewhere is checked by its spelling: its own node checks the rest).
 * 0, or -1 with err and call's answer (400, "path"). */
static int
dir_confine(const char *path, int elsewhere, struct pool_call *call,
    char *err)
{
	struct confine_req r = { pool_dirs_of(call), "pool_dirs", "path",
	    elsewhere ? CONFINE_MISSING_OK : 0, "" };

	if (confine_path(&r, path, err) == 0)
		return 0;
	call->pc_status = 400;
	set_field(call->pc_field, "path");
	return -1;
}

int
pool_body_check(const cJSON *body, const char *node, cJSON **rec,
    struct pool_call *call, char *err)
{
	static const char *const keys[] = { "name", "type", "path", "node",
	    "portal", "target", NULL };
	const char *name = NULL, *type = NULL, *path = NULL, *pnode = node,
	    *portal = NULL, *target = NULL, *bad = NULL;
	cJSON *o = NULL;
	int rc = -1;

	*rec = NULL;
	set_field(call->pc_field, NULL);
	if (body == NULL)
		FAIL(400, "name", "'name' is required");
	if (json_check_keys(body, keys, &bad, err) != 0)
		FAIL(400, bad, "%s", err);
	if (json_get_string(body, "name", JSON_REQUIRED, &name, err) != 0)
		FAIL(400, "name", "%s", err);
	if (!valid_name(name))
		FAIL(400, "name", "'name' must be letters, digits, '-', '_' "
		    "or '.'");
	if (json_get_string(body, "type", JSON_REQUIRED, &type, err) != 0)
		FAIL(400, "type", "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "type", type);
	if (strcmp(type, "dir") == 0) {
		if (json_get_string(body, "path", JSON_REQUIRED, &path,
		    err) != 0)
			FAIL(400, "path", "%s", err);
		if (path[0] != '/' || strlen(path) > 400 || strstr(path, ".."))
			FAIL(400, "path", "'path' must be an absolute "
			    "directory path without '..' under one of %s "
			    "(pool_dirs)", pool_dirs_of(call));
		if (json_get_string(body, "node", JSON_OPTIONAL, &pnode,
		    err) != 0)
			FAIL(400, "node", "%s", err);
		if (dir_confine(path, strcmp(pnode, node) != 0, call,
		    err) != 0)
			goto out;
		cJSON_AddStringToObject(o, "path", path);
		cJSON_AddStringToObject(o, "node", pnode);
	} else if (strcmp(type, "iscsi") == 0) {
		if (json_get_string(body, "portal", JSON_REQUIRED, &portal,
		    err) != 0)
			FAIL(400, "portal", "%s", err);
		if (!valid_portal(portal))
			FAIL(400, "portal", "'portal' must be IPV4[:PORT]");
		if (json_get_string(body, "target", JSON_REQUIRED, &target,
		    err) != 0)
			FAIL(400, "target", "%s", err);
		if (!valid_target(target))
			FAIL(400, "target", "'target' must be an IQN");
		cJSON_AddStringToObject(o, "portal", portal);
		cJSON_AddStringToObject(o, "target", target);
	} else
		FAIL(400, "type", "'type' must be iscsi or dir");
	*rec = o;
	o = NULL;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
pool_create(struct etcd *e, const cJSON *body, cJSON **out,
    struct pool_call *call, char *err)
{
	const char *node = call->pc_node;
	char key[128], ts[32];
	cJSON *o = NULL;
	int r, rc = -1;

	*out = NULL;
	if (pool_body_check(body, node, &o, call, err) != 0)
		return -1;
	if (strcmp(jstr(o, "type"), "dir") == 0) {
		if (strcmp(jstr(o, "node"), node) == 0 &&
		    access(jstr(o, "path"), W_OK) != 0)
			FAIL(400, "path", "%s is not a writable directory on "
			    "%s", jstr(o, "path"), node);
	} else if (discover_luns(o, jstr(o, "portal"), jstr(o, "target"),
	    call, err) != 0)
		goto out;
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "created", ts);
	snprintf(key, sizeof(key), "%s%s", KEY_POOLS, jstr(o, "name"));
	if ((r = put_new(e, key, o, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(409, "name", "a pool named '%s' exists", jstr(o, "name"));
	*out = o;
	o = NULL;
	call->pc_status = 201;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
pool_list(struct etcd *e, cJSON **out, struct pool_call *call, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	cJSON *arr, *o;

	call->pc_status = 503;
	if (etcd_list(e, KEY_POOLS, &kvs, &n, err) != 0)
		return -1;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL)))
			cJSON_AddItemToArray(arr, o);
	etcd_kvs_free(kvs, n);
	*out = arr;
	call->pc_status = 200;
	return 0;
}

int
pool_get(struct etcd *e, const char *name, cJSON **out,
    struct pool_call *call, char *err)
{
	char key[128];
	cJSON *vols = NULL;
	int r;

	*out = NULL;
	if (!valid_name(name)) {
		call->pc_status = 404;
		return err_set(err, "no pool '%s'", name);
	}
	snprintf(key, sizeof(key), "%s%s", KEY_POOLS, name);
	if ((r = get_json(e, key, out, NULL, err)) <= 0) {
		call->pc_status = r == 0 ? 404 : 503;
		return r == 0 ? err_set(err, "no pool '%s'", name) : -1;
	}
	if (volume_list(e, name, &vols, call, err) == 0)
		cJSON_AddItemToObject(*out, "volumes", vols);
	call->pc_status = 200;
	return 0;
}

int
pool_delete(struct etcd *e, const char *name, struct pool_call *call,
    char *err)
{
	char key[128];
	struct etcd_kv *kvs;
	size_t n;
	cJSON *p;
	int r;

	if (pool_get(e, name, &p, call, err) != 0)
		return -1;
	cJSON_Delete(p);
	snprintf(key, sizeof(key), "%s%s/", KEY_VOLUMES, name);
	call->pc_status = 503;
	if (etcd_list(e, key, &kvs, &n, err) != 0)
		return -1;
	etcd_kvs_free(kvs, n);
	if (n > 0) {
		call->pc_status = 409;
		return err_set(err, "pool %s still has %zu volume(s)", name, n);
	}
	snprintf(key, sizeof(key), "%s%s", KEY_POOLS, name);
	if ((r = etcd_delete(e, key, 0, err)) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s%s/", KEY_LUNS, name);
	etcd_delete(e, key, 1, NULL);
	call->pc_status = 200;
	return 0;
}

int
volume_list(struct etcd *e, const char *pool, cJSON **out,
    struct pool_call *call, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	char key[128];
	cJSON *arr, *o;

	call->pc_status = 503;
	snprintf(key, sizeof(key), "%s%s/", KEY_VOLUMES, pool);
	if (etcd_list(e, key, &kvs, &n, err) != 0)
		return -1;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL)))
			cJSON_AddItemToArray(arr, o);
	etcd_kvs_free(kvs, n);
	*out = arr;
	call->pc_status = 200;
	return 0;
}

/* A volume as it is made. */
struct vol_new {
	const char	*vn_pool;
	const char	*vn_name;
	const cJSON	*vn_prec;	/* the pool's record */
	cJSON		*vn_rec;	/* the volume's record */
	int64_t		 vn_mib;
	char		 vn_path[600];	/* what qemu-img writes */
	char		 vn_lkey[128];	/* the LUN taken, "" none */
};

int
volume_body_check(const cJSON *body, struct volume_spec *vs,
    struct pool_call *call, char *err)
{
	static const char *const keys[] = { "name", "size_mib", "source",
	    "source_format", NULL };
	const char *bad = NULL;
	int rc = -1;

	if (body == NULL)
		FAIL(400, "name", "'name' is required");
	if (json_check_keys(body, keys, &bad, err) != 0)
		FAIL(400, bad, "%s", err);
	vs->vs_mib = 0;
	vs->vs_source = NULL;
	vs->vs_source_fmt = "qcow2";
	if (json_get_string(body, "name", JSON_REQUIRED, &vs->vs_name,
	    err) != 0)
		FAIL(400, "name", "%s", err);
	if (!valid_name(vs->vs_name))
		FAIL(400, "name", "'name' must be letters, digits, '-', '_' "
		    "or '.'");
	if (json_get_int(body, "size_mib", JSON_OPTIONAL, &vs->vs_mib,
	    err) != 0)
		FAIL(400, "size_mib", "%s", err);
	if (vs->vs_mib < 0 || vs->vs_mib > (1LL << 30))
		FAIL(400, "size_mib", "'size_mib' is out of range");
	if (json_get_string(body, "source", JSON_OPTIONAL, &vs->vs_source,
	    err) != 0)
		FAIL(400, "source", "%s", err);
	if (json_get_string(body, "source_format", JSON_OPTIONAL,
	    &vs->vs_source_fmt, err) != 0)
		FAIL(400, "source_format", "%s", err);
	if (vs->vs_source_fmt == NULL)
		vs->vs_source_fmt = "qcow2";
	if (!volimport_format_ok(vs->vs_source_fmt))
		FAIL(400, "source_format", "'source_format' must be qcow2 or "
		    "raw");
	if (vs->vs_source == NULL && cJSON_GetObjectItemCaseSensitive(body,
	    "source_format") != NULL)
		FAIL(400, "source_format", "'source_format' without a "
		    "'source'");
	rc = 0;
out:
	return rc;
}

/* iscsi: take the first free LUN large enough (create-if-absent
 * decides); the volume fills it when no size was asked.  0, or -1 with
 * err and call's answer. */
static int
vol_on_lun(struct etcd *e, struct vol_new *vn, struct pool_call *call,
    char *err)
{
	const cJSON *l;
	char lkey[128], val[256];
	int64_t n, sz, lunsz = 0;
	int lun = -1, r, rc = -1;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(vn->vn_prec,
	    "luns")) {
		n = -1;
		sz = 0;
		json_get_int(l, "lun", JSON_REQUIRED, &n, NULL);
		json_get_int(l, "size_bytes", JSON_OPTIONAL, &sz, NULL);
		if (n < 0 || (vn->vn_mib > 0 && sz < vn->vn_mib << 20))
			continue;
		snprintf(lkey, sizeof(lkey), "%s%s/%d", KEY_LUNS, vn->vn_pool,
		    (int)n);
		snprintf(val, sizeof(val), "{\"volume\":\"%s\"}",
		    vn->vn_name);
		if ((r = etcd_create(e, lkey, val, 0, err)) < 0)
			FAIL(503, NULL, "%s", err);
		if (r == 1) {
			lun = (int)n;
			lunsz = sz;
			snprintf(vn->vn_lkey, sizeof(vn->vn_lkey), "%s", lkey);
			break;
		}
	}
	if (lun < 0)
		FAIL(409, NULL, "no free LUN%s in pool %s", vn->vn_mib ?
		    " that large" : "", vn->vn_pool);
	if (vn->vn_mib == 0)	/* the LUN less room for qcow2 metadata */
		vn->vn_mib = (lunsz - lunsz / 64) >> 20;
	if (pool_iscsi_uri(jstr(vn->vn_prec, "portal"), jstr(vn->vn_prec,
	    "target"), lun, vn->vn_path, sizeof(vn->vn_path), err) != 0)
		FAIL(500, NULL, "%s", err);
	cJSON_AddNumberToObject(vn->vn_rec, "lun", lun);
	rc = 0;
out:
	return rc;
}

/* dir: a new file in the pool's directory, on the pool's node (this
 * one).  0, or -1 with err and call's answer. */
static int
vol_on_dir(struct vol_new *vn, struct pool_call *call, char *err)
{
	int rc = -1;

	if (strcmp(jstr(vn->vn_prec, "node"), call->pc_node) != 0)
		FAIL(409, NULL, "pool %s is local to node %s; ask there",
		    vn->vn_pool, jstr(vn->vn_prec, "node"));
	if (vn->vn_mib == 0)
		FAIL(400, "size_mib", "'size_mib' is required on a dir pool");
	if (dir_confine(jstr(vn->vn_prec, "path"), 0, call, err) != 0)
		goto out;
	snprintf(vn->vn_path, sizeof(vn->vn_path), "%s/%s.qcow2",
	    jstr(vn->vn_prec, "path"), vn->vn_name);
	if (access(vn->vn_path, F_OK) == 0)
		FAIL(409, "name", "%s exists", vn->vn_path);
	cJSON_AddStringToObject(vn->vn_rec, "node", call->pc_node);
	rc = 0;
out:
	return rc;
}

/* The qemu-img create of vn: a plain qcow2, or an overlay on backing
 * (a path relative to the new image's directory, or a URI). */
static int
vol_image(const struct vol_new *vn, const char *backing, char *err)
{
	char size[32];
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2",
	    vn->vn_path, size, NULL, NULL, NULL, NULL, NULL };

	snprintf(size, sizeof(size), "%lldM", (long long)vn->vn_mib);
	if (backing != NULL) {
		argv[5] = "-b";
		argv[6] = backing;
		argv[7] = "-F";
		argv[8] = "qcow2";
		argv[9] = vn->vn_path;
		argv[10] = size;
	}
	return proc_run(argv, NULL, 60000, NULL, err);
}

/* What a linked volume overlays: vs's backing volume in the same pool,
 * its size (when vs asks none) and the name qemu-img records (dir: the
 * file's name beside the new one, so the pool's directory may move; iscsi:
 * the LUN's URI).  0, or -1 with err and call's answer. */
static int
vol_backing(struct etcd *e, const struct volume_spec *vs,
    struct vol_new *vn, char buf[POOL_PATH_MAX], struct pool_call *call,
    char *err)
{
	cJSON *b = NULL;
	int64_t mib = 0;
	int r, rc = -1;

	if ((r = volume_get(e, vs->vs_pool, vs->vs_backing, &b, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 0)
		FAIL(404, NULL, "no volume %s/%s", vs->vs_pool, vs->vs_backing);
	json_get_int(b, "size_mib", JSON_OPTIONAL, &mib, NULL);
	if (vn->vn_mib == 0)
		vn->vn_mib = mib;
	if (strcmp(jstr(vn->vn_prec, "type"), "dir") == 0)
		snprintf(buf, POOL_PATH_MAX, "%s.qcow2", vs->vs_backing);
	else if (pool_resolve(e, call->pc_node, vs->vs_pool, vs->vs_backing,
	    buf, err) != 0)
		FAIL(500, NULL, "%s", err);
	cJSON_AddStringToObject(vn->vn_rec, "backing", vs->vs_backing);
	rc = 0;
out:
	cJSON_Delete(b);
	return rc;
}

/* The image vs asks to import, checked (volimport_source) into src; the
 * volume's size is the image's unless vs asks one, which must hold it.
 * 0, or -1 with err and call's answer. */
static int
vol_source(const struct volume_spec *vs, struct vol_new *vn,
    char src[PATH_MAX], struct pool_call *call, char *err)
{
	int64_t vsize = 0, mib;
	int rc = -1;

	if (volimport_source(vs->vs_source, vs->vs_source_fmt,
	    call->pc_import_dirs ? call->pc_import_dirs : VOLIMPORT_DIRS, src,
	    &vsize, err) != 0)
		FAIL(400, "source", "%s", err);
	mib = (vsize + (1 << 20) - 1) >> 20;
	if (vn->vn_mib == 0)
		vn->vn_mib = mib;
	else if (vn->vn_mib < mib)
		FAIL(400, "size_mib", "'size_mib' %lld is smaller than the "
		    "source's %lld MiB", (long long)vn->vn_mib, (long long)mib);
	cJSON_AddStringToObject(vn->vn_rec, "source", src);
	rc = 0;
out:
	return rc;
}

/* The new volume's image: made, and filled from src when given (a
 * failed copy removes a dir pool's file; the caller frees the LUN).
 * 0, or -1 with err and call's answer. */
static int
vol_fill(const struct vol_new *vn, const char *backing, const char *src,
    const char *fmt, struct pool_call *call, char *err)
{
	int rc = -1;

	if (vol_image(vn, backing, err) != 0)
		FAIL(502, NULL, "%s", err);
	if (src != NULL && volimport_copy(src, fmt, vn->vn_path, err) != 0) {
		if (strcmp(jstr(vn->vn_prec, "type"), "dir") == 0)
			unlink(vn->vn_path);
		FAIL(502, "source", "source: the copy failed: %s", err);
	}
	rc = 0;
out:
	return rc;
}

int
volume_create(struct etcd *e, const char *pool, const cJSON *body,
    cJSON **out, struct pool_call *call, char *err)
{
	struct volume_spec vs = { pool, NULL, 0, NULL, NULL, NULL };
	cJSON *p = NULL;

	*out = NULL;
	set_field(call->pc_field, NULL);
	if (pool_get(e, pool, &p, call, err) != 0)
		return -1;
	cJSON_Delete(p);
	if (volume_body_check(body, &vs, call, err) != 0)
		return -1;
	return volume_make(e, &vs, out, call, err);
}

int
volume_make(struct etcd *e, const struct volume_spec *vs, cJSON **out,
    struct pool_call *call, char *err)
{
	struct vol_new vn;
	struct etcd_kv kv;
	char key[256], ts[32], backing[POOL_PATH_MAX], src[PATH_MAX];
	const char *type;
	cJSON *p = NULL;
	int r, rc = -1;

	*out = NULL;
	memset(&vn, 0, sizeof(vn));
	vn.vn_pool = vs->vs_pool;
	vn.vn_name = vs->vs_name;
	vn.vn_mib = vs->vs_mib;
	set_field(call->pc_field, NULL);
	if (pool_get(e, vs->vs_pool, &p, call, err) != 0)
		return -1;
	vn.vn_prec = p;
	if (!valid_name(vn.vn_name))
		FAIL(400, "name", "'name' must be letters, digits, '-', '_' "
		    "or '.'");
	type = jstr(p, "type");
	vn.vn_rec = cJSON_CreateObject();
	cJSON_AddStringToObject(vn.vn_rec, "pool", vn.vn_pool);
	cJSON_AddStringToObject(vn.vn_rec, "name", vn.vn_name);
	cJSON_AddStringToObject(vn.vn_rec, "format", "qcow2");
	snprintf(key, sizeof(key), "%s%s/%s", KEY_VOLUMES, vn.vn_pool,
	    vn.vn_name);
	if ((r = etcd_get(e, key, &kv, err)) == 1)
		etcd_kv_clear(&kv);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if (r != 0)
		FAIL(409, "name", "volume %s/%s exists", vn.vn_pool,
		    vn.vn_name);
	if (vs->vs_backing != NULL && vol_backing(e, vs, &vn, backing, call,
	    err) != 0)
		goto out;
	if (vs->vs_source != NULL && vol_source(vs, &vn, src, call, err) != 0)
		goto out;
	if (strcmp(type, "iscsi") == 0 ? vol_on_lun(e, &vn, call, err) != 0 :
	    vol_on_dir(&vn, call, err) != 0)
		goto out;
	cJSON_AddNumberToObject(vn.vn_rec, "size_mib", (double)vn.vn_mib);
	if (vol_fill(&vn, vs->vs_backing ? backing : NULL, vs->vs_source ?
	    src : NULL, vs->vs_source_fmt, call, err) != 0)
		goto out;
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(vn.vn_rec, "created", ts);
	if ((r = put_new(e, key, vn.vn_rec, err)) != 1) {
		if (strcmp(type, "dir") == 0)
			unlink(vn.vn_path);
		FAIL(r == 0 ? 409 : 503, NULL, "%s", r == 0 ?
		    "volume created meanwhile" : err);
	}
	*out = vn.vn_rec;
	vn.vn_rec = NULL;
	call->pc_status = 201;
	rc = 0;
out:
	if (rc != 0 && vn.vn_lkey[0] != '\0')
		etcd_delete(e, vn.vn_lkey, 0, NULL);
	cJSON_Delete(vn.vn_rec);
	cJSON_Delete(p);
	return rc;
}

int
volume_get(struct etcd *e, const char *pool, const char *volume,
    cJSON **out, char *err)
{
	char key[256];

	*out = NULL;
	if (!valid_name(pool) || !valid_name(volume))
		return 0;
	snprintf(key, sizeof(key), "%s%s/%s", KEY_VOLUMES, pool, volume);
	return get_json(e, key, out, NULL, err);
}

int
volume_mark_base(struct etcd *e, const char *pool, const char *volume,
    char *err)
{
	char key[256], *s = NULL;
	cJSON *v = NULL;
	int64_t rev = 0;
	int r, rc = -1;

	snprintf(key, sizeof(key), "%s%s/%s", KEY_VOLUMES, pool, volume);
	if ((r = get_json(e, key, &v, &rev, err)) <= 0) {
		if (r == 0)
			err_set(err, "no volume %s/%s", pool, volume);
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "base"))) {
		rc = 0;
		goto out;
	}
	cJSON_AddTrueToObject(v, "base");
	if ((s = cJSON_PrintUnformatted(v)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if ((r = etcd_cas(e, key, s, rev, err)) == 0)
		err_set(err, "volume %s/%s changed meanwhile; retry", pool,
		    volume);
	rc = r == 1 ? 0 : -1;
out:
	free(s);
	cJSON_Delete(v);
	return rc;
}

/* Which volume of pool overlays volume (a linked clone's disk): 1 (name
 * into over, 128 bytes), 0 none, -1 + err. */
static int
volume_overlay(struct etcd *e, const char *pool, const char *volume,
    char *over, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	char key[128];
	cJSON *o;
	int found = 0;

	snprintf(key, sizeof(key), "%s%s/", KEY_VOLUMES, pool);
	if (etcd_list(e, key, &kvs, &n, err) != 0)
		return -1;
	for (i = 0; i < n && !found; i++) {
		o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL);
		if (strcmp(jstr(o, "backing"), volume) == 0) {
			snprintf(over, 128, "%s", jstr(o, "name"));
			found = 1;
		}
		cJSON_Delete(o);
	}
	etcd_kvs_free(kvs, n);
	return found;
}

int
pool_volume_user(struct etcd *e, const char *pool, const char *volume,
    const char *except, char *vm, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	cJSON *rec;
	const cJSON *d;
	const char *name;
	int found = 0;

	if (etcd_list(e, KEY_VMS, &kvs, &n, err) != 0)
		return -1;
	for (i = 0; i < n && !found; i++) {
		name = kvs[i].kv_key + strlen(KEY_VMS);
		if (except && strcmp(name, except) == 0)
			continue;
		if ((rec = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) == NULL)
			continue;
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rec, "config"), "disks"))
			if (strcmp(jstr(d, "pool"), pool) == 0 &&
			    strcmp(jstr(d, "volume"), volume) == 0) {
				snprintf(vm, 64, "%s", name);
				found = 1;
			}
		cJSON_Delete(rec);
	}
	etcd_kvs_free(kvs, n);
	return found;
}

int
volume_delete(struct etcd *e, const char *pool, const char *volume,
    struct pool_call *call, char *err)
{
	const char *node = call->pc_node;
	char key[256], lkey[128], vm[64], path[600];
	cJSON *p = NULL, *v = NULL;
	int64_t lun = -1;
	int r, rc = -1;

	if (pool_get(e, pool, &p, call, err) != 0)
		return -1;
	snprintf(key, sizeof(key), "%s%s/%s", KEY_VOLUMES, pool, volume);
	if (!valid_name(volume) || (r = get_json(e, key, &v, NULL, err)) == 0)
		FAIL(404, NULL, "no volume %s/%s", pool, volume);
	if (r < 0)
		FAIL(503, NULL, "%s", err);
	if ((r = pool_volume_user(e, pool, volume, NULL, vm, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 1)
		FAIL(409, NULL, "VM %s uses volume %s/%s", vm, pool, volume);
	/* An overlay reads its backing image: the base stays while one
	 * does. */
	if ((r = volume_overlay(e, pool, volume, path, err)) < 0)
		FAIL(503, NULL, "%s", err);
	if (r == 1)
		FAIL(409, NULL, "volume %s/%s is the base image of volume %s",
		    pool, volume, path);
	if (strcmp(jstr(p, "type"), "dir") == 0) {
		if (strcmp(jstr(v, "node"), node) != 0)
			FAIL(409, NULL, "volume %s/%s is on node %s; ask there",
			    pool, volume, jstr(v, "node"));
		snprintf(path, sizeof(path), "%s/%s.qcow2", jstr(p, "path"),
		    volume);
		unlink(path);
	}
	if (etcd_delete(e, key, 0, err) < 0)
		FAIL(503, NULL, "%s", err);
	if (json_get_int(v, "lun", JSON_OPTIONAL, &lun, NULL) == 0 &&
	    lun >= 0) {
		snprintf(lkey, sizeof(lkey), "%s%s/%d", KEY_LUNS, pool,
		    (int)lun);
		etcd_delete(e, lkey, 0, NULL);
	}
	call->pc_status = 200;
	rc = 0;
out:
	cJSON_Delete(p);
	cJSON_Delete(v);
	return rc;
}

int
pool_resolve(struct etcd *e, const char *node, const char *pool,
    const char *volume, char buf[POOL_PATH_MAX], char *err)
{
	const size_t len = POOL_PATH_MAX;
	char key[256];
	cJSON *p = NULL, *v = NULL;
	int64_t lun = -1;
	int rc = -1;

	snprintf(key, sizeof(key), "%s%s", KEY_POOLS, pool);
	if (!valid_name(pool) || get_json(e, key, &p, NULL, err) != 1) {
		err_set(err, "no pool '%s'", pool);
		goto out;
	}
	snprintf(key, sizeof(key), "%s%s/%s", KEY_VOLUMES, pool, volume);
	if (!valid_name(volume) || get_json(e, key, &v, NULL, err) != 1) {
		err_set(err, "no volume %s/%s", pool, volume);
		goto out;
	}
	if (strcmp(jstr(p, "type"), "iscsi") == 0) {
		if (json_get_int(v, "lun", JSON_REQUIRED, &lun, err) != 0)
			goto out;
		rc = pool_iscsi_uri(jstr(p, "portal"), jstr(p, "target"),
		    (int)lun, buf, len, err);
		goto out;
	}
	if (strcmp(jstr(v, "node"), node) != 0) {
		err_set(err, "volume %s/%s is local to node %s", pool, volume,
		    jstr(v, "node"));
		goto out;
	}
	if ((size_t)snprintf(buf, len, "%s/%s.qcow2", jstr(p, "path"),
	    volume) >= len) {
		err_set(err, "path too long");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(p);
	cJSON_Delete(v);
	return rc;
}
