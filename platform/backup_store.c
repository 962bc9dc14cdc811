/*
 * backup_store.c - backup stores (backup.h): their records in etcd, the
 * directory of one as its node sees it (confined to pool_dirs as a dir
 * pool's is), the backups it holds read from their manifests, and the
 * SHA-256 of an archive part (GnuTLS, which hvd links already).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "err.h"
#include "json.h"
#include "proc.h"
#include "platform/backup_priv.h"
#include "platform/cluster.h"
#include "platform/confine.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/vmops_priv.h"

#define MANIFEST_MAX	(1 << 20)

static void
store_key(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s%s", KEY_BACKUP_STORES, name);
}

/* The body of POST /backup-stores into a record: 0, or -1 (call). */
static int
store_body(struct vmops *v, const cJSON *body, cJSON **rec,
    struct vmops_call *call, char *err)
{
	static const char *const keys[] = { "name", "path", "node", NULL };
	struct confine_req cr = { v->v_cf->cf_pool_dirs, "pool_dirs", "path",
	    0, "" };
	const char *name = NULL, *path = NULL, *node = v->v_cf->cf_node,
	    *bad = NULL;
	int rc = -1;

	*rec = NULL;
	if (!cJSON_IsObject(body))
		BK_FAIL(400, "name", "the body must be an object with 'name' "
		    "and 'path'");
	if (json_check_keys(body, keys, &bad, err) != 0)
		BK_FAIL(400, bad, "%s", err);
	if (json_get_string(body, "name", JSON_REQUIRED, &name, err) != 0 ||
	    !backup_name_valid(name))
		BK_FAIL(400, "name", "'name' must be a letter or digit, then "
		    "letters, digits, '-' or '_' (at most %d)", BACKUP_STORE_MAX);
	if (json_get_string(body, "node", JSON_OPTIONAL, &node, err) != 0 ||
	    !cluster_valid_name(node))
		BK_FAIL(400, "node", "'node' must name a node");
	if (json_get_string(body, "path", JSON_REQUIRED, &path, err) != 0)
		BK_FAIL(400, "path", "%s", err);
	/* another node checks its own directory when it uses the store */
	if (strcmp(node, v->v_cf->cf_node) != 0)
		cr.cr_flags = CONFINE_MISSING_OK;
	if (confine_path(&cr, path, err) != 0)
		BK_FAIL(400, "path", "%s", err);
	*rec = cJSON_CreateObject();
	cJSON_AddStringToObject(*rec, "name", name);
	cJSON_AddStringToObject(*rec, "path", cr.cr_resolved);
	cJSON_AddStringToObject(*rec, "node", node);
	rc = 0;
out:
	return rc;
}

int
bk_rec_create(struct vmops *v, const char *prefix, const char *field,
    cJSON *rec, struct vmops_call *call, char *err)
{
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(rec, field));
	char key[128], *s = NULL;
	int r, rc = -1;

	snprintf(key, sizeof(key), "%s%s", prefix, name ? name : "");
	if ((s = cJSON_PrintUnformatted(rec)) == NULL)
		BK_FAIL(500, NULL, "out of memory");
	if ((r = etcd_create(v->v_etcd, key, s, 0, err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 0)
		BK_FAIL(409, field, "'%s' exists", name);
	call->vc_status = 201;
	rc = 0;
out:
	free(s);
	return rc;
}

int
bk_rec_list(struct vmops *v, const char *prefix, cJSON **out,
    struct vmops_call *call, char *err)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	cJSON *o;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (etcd_list(v->v_etcd, prefix, &kvs, &n, err) != 0) {
		call->vc_status = 503;
		return -1;
	}
	*out = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len,
		    NULL)) != NULL)
			cJSON_AddItemToArray(*out, o);
	etcd_kvs_free(kvs, n);
	call->vc_status = 200;
	return 0;
}

int
backup_store_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err)
{
	cJSON *rec = NULL;

	*out = NULL;
	call->vc_field[0] = '\0';
	if (vmops_need_active(v, call, err) != 0 ||
	    store_body(v, body, &rec, call, err) != 0 ||
	    bk_rec_create(v, KEY_BACKUP_STORES, "name", rec, call,
	    err) != 0) {
		cJSON_Delete(rec);
		return err_prefix(err, "backup store");
	}
	*out = rec;
	return 0;
}

int
bk_rec_get(struct etcd *e, const char *prefix, const char *name,
    cJSON **out, int64_t *rev, char *err)
{
	char key[128];
	struct etcd_kv kv;
	int r;

	*out = NULL;
	if (!backup_name_valid(name))
		return 0;
	snprintf(key, sizeof(key), "%s%s", prefix, name);
	if ((r = etcd_get(e, key, &kv, err)) != 1)
		return r;
	*out = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
	if (rev != NULL)
		*rev = kv.kv_mod_rev;
	etcd_kv_clear(&kv);
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return err_set(err, "record %s is corrupt", key);
	}
	return 1;
}

int
backup_store_get(struct etcd *e, const char *name, cJSON **out, char *err)
{
	return bk_rec_get(e, KEY_BACKUP_STORES, name, out, NULL, err);
}

int
backup_store_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err)
{
	return bk_rec_list(v, KEY_BACKUP_STORES, out, call, err);
}

/* The job that names store (into job), if one does: 1, 0, -1 + err. */
static int
store_job_user(struct etcd *e, const char *store, char *job, size_t len,
    char *err)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	const char *s;
	cJSON *o;
	int found = 0;

	if (etcd_list(e, KEY_BACKUP_JOBS, &kvs, &n, err) != 0)
		return -1;
	for (i = 0; i < n && !found; i++) {
		o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL);
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "store"));
		if (s != NULL && strcmp(s, store) == 0) {
			found = 1;
			snprintf(job, len, "%s", kvs[i].kv_key +
			    strlen(KEY_BACKUP_JOBS));
		}
		cJSON_Delete(o);
	}
	etcd_kvs_free(kvs, n);
	return found;
}

int
backup_store_delete(struct vmops *v, const char *name,
    struct vmops_call *call, char *err)
{
	char key[128], job[128];
	cJSON *rec = NULL;
	int r, rc = -1;

	call->vc_field[0] = '\0';
	if ((r = backup_store_get(v->v_etcd, name, &rec, err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 0)
		BK_FAIL(404, NULL, "no backup store '%s'", name);
	if ((r = store_job_user(v->v_etcd, name, job, sizeof(job), err)) < 0)
		BK_FAIL(503, NULL, "%s", err);
	if (r == 1)
		BK_FAIL(409, NULL, "backup job %s uses store %s; delete it "
		    "first", job, name);
	/* the backups stay in the directory: a store defined again over
	 * it lists them */
	store_key(key, sizeof(key), name);
	if (etcd_delete(v->v_etcd, key, 0, err) < 0)
		BK_FAIL(503, NULL, "%s", err);
	call->vc_status = 200;
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}

/* --- a store on its node --- */

int
bk_store_find(struct vmops *v, const char *name, struct bk_store *s,
    char *err)
{
	cJSON *rec = NULL;
	const char *node = "", *path = "";
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = backup_store_get(v->v_etcd, name, &rec, err)) != 1)
		return r;
	json_get_string(rec, "node", JSON_OPTIONAL, &node, NULL);
	json_get_string(rec, "path", JSON_OPTIONAL, &path, NULL);
	snprintf(s->bs_name, sizeof(s->bs_name), "%s", name);
	snprintf(s->bs_node, sizeof(s->bs_node), "%s", node);
	snprintf(s->bs_dir, sizeof(s->bs_dir), "%s", path);
	cJSON_Delete(rec);
	return 1;
}

int
bk_store_here(struct vmops *v, const char *name, struct bk_store *s,
    char *err)
{
	struct confine_req cr = { v->v_cf->cf_pool_dirs, "pool_dirs", "path",
	    0, "" };
	int r;

	if ((r = bk_store_find(v, name, s, err)) != 1)
		return r == 0 ? err_set(err, "no backup store '%s'", name) :
		    -1;
	if (strcmp(s->bs_node, v->v_cf->cf_node) != 0)
		return err_set(err, "backup store %s is on node %s, not here",
		    name, s->bs_node);
	if (mkdir(s->bs_dir, 0700) != 0 && errno != EEXIST)
		return err_errno(err, "backup store %s: %s", name, s->bs_dir);
	if (confine_path(&cr, s->bs_dir, err) != 0)
		return err_prefix(err, "backup store %s", name);
	snprintf(s->bs_dir, sizeof(s->bs_dir), "%s", cr.cr_resolved);
	return 0;
}

void
bk_disk_path(const char *dir, const char *id, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/disk%d.qcow2", dir, id, i);
}

int
bk_img(const char *const argv[], cJSON **out, char *err)
{
	struct proc_result r;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (out != NULL)
		*out = NULL;
	if (proc_run(argv, NULL, BK_IMG_MS, &r, err) != 0)
		goto done;
	if (out != NULL && (*out = json_parse_buf(r.out, r.out_len,
	    NULL)) == NULL) {
		err_set(err, "%s %s: its output is not JSON", argv[0],
		    argv[1]);
		goto done;
	}
	rc = 0;
done:
	proc_result_free(&r);
	return rc;
}

/* --- manifests --- */

int
backup_manifest_read(const char *dir, const char *id, cJSON **out,
    char *err)
{
	char path[PATH_MAX], vm[64];
	const char *mid = NULL;
	time_t t;

	*out = NULL;
	if (backup_id_parse(id, vm, sizeof(vm), &t) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/manifest.json", dir, id);
	if (access(path, F_OK) != 0)
		return 0;
	if ((*out = json_parse_file(path, MANIFEST_MAX, err)) == NULL)
		return -1;
	if (!cJSON_IsObject(*out) || json_get_string(*out, "id",
	    JSON_REQUIRED, &mid, NULL) != 0 || strcmp(mid, id) != 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return err_set(err, "%s: not the manifest of backup %s", path,
		    id);
	}
	return 1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The backup ids in dir (names that parse as ids), sorted by time:
 * *ids (each and the array the caller's), their count, or -1 + err. */
static int
store_ids(const char *dir, char ***ids, char *err)
{
	char vm[64], **v = NULL, **nv;
	struct dirent *de;
	size_t n = 0;
	time_t t;
	DIR *d;

	*ids = NULL;
	if ((d = opendir(dir)) == NULL)
		return err_errno(err, "backup store %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (backup_id_parse(de->d_name, vm, sizeof(vm), &t) != 0)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	/* ids of one VM sort by time; across VMs, by VM then time */
	if (n > 0)
		qsort(v, n, sizeof(*v), by_name);
	*ids = v;
	return (int)n;
}

int
backup_store_scan(const char *dir, cJSON **out, char *err)
{
	char **ids = NULL, e2[ERR_LEN];
	cJSON *m, *bad;
	int n, i;

	*out = NULL;
	if ((n = store_ids(dir, &ids, err)) < 0)
		return -1;
	*out = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if (backup_manifest_read(dir, ids[i], &m, e2) == 1)
			cJSON_AddItemToArray(*out, m);
		else {
			bad = cJSON_CreateObject();
			cJSON_AddStringToObject(bad, "id", ids[i]);
			cJSON_AddStringToObject(bad, "error", e2[0] ? e2 :
			    "no manifest");
			cJSON_AddItemToArray(*out, bad);
		}
		e2[0] = '\0';
		free(ids[i]);
	}
	free(ids);
	return 0;
}

int
backup_file_sha256(const char *path, char hex[65], char *err)
{
	unsigned char buf[1 << 16], md[32];
	gnutls_hash_hd_t h;
	ssize_t r;
	int fd, i, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_errno(err, "%s", path);
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		close(fd);
		return err_set(err, "SHA-256 is not available");
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		gnutls_hash(h, buf, (size_t)r);
	if (r < 0)
		err_errno(err, "%s: read", path);
	gnutls_hash_deinit(h, md);
	close(fd);
	if (r < 0)
		return rc;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
