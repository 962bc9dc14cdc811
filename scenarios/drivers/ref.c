/*
 * ref.c - the `ref` driver: hvd, hvlab's reference platform, over its
 * HTTPS REST API (common/http.h), exactly as the proxmox driver will speak
 * to PVE: the runner never touches hvd's files or processes.
 *
 * STATE (written before hvd's API existed; see docs/scenarios.md):
 *  - The request paths and bodies below follow the contract given to the
 *    hvd engineer (/api/v1/cluster, /nodes, /pools, /networks, /vms,
 *    /vms/NAME/{start,stop,shutdown,migrate}, /tasks/ID) and the task
 *    document hvd's platform/task.c writes ({"id", "state":
 *    queued|running|ok|error, "progress", "result"}).  Each place marked
 *    UNVERIFIED guesses a member name that docs/api.md must confirm.
 *  - host_install is not in the ops table: starting hvd on a lab host
 *    needs a way to run a service inside a lab host (lab, issue 2) and an
 *    hvd to run (issue 4).  Every scenario needs `install`, so every row
 *    reports `unsupported` with ref_unsupported until it lands.
 *  - The API token and the cluster CA are read from the run's work
 *    directory (ref/token, ref/ca.pem), where host_install will put what
 *    `hvctl cluster create` prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "http.h"
#include "json.h"
#include "scenarios/drivers/driver.h"

#define REF_API_PORT 8006
#define REF_TOKEN_MAX 512

struct ref {
	const struct drv_env *env;
	char token[REF_TOKEN_MAX];
	char ca_file[1024];
	struct http_client *http;	/* to the first host */
};

static int
ref_read_token(struct ref *r, char *err)
{
	char path[1024];
	FILE *f;
	size_t n;

	if (r->token[0] != '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/ref/token",
	    r->env->e_workdir ? r->env->e_workdir : ".");
	if ((f = fopen(path, "r")) == NULL)
		return err_errno(err, "ref: API token %s", path);
	n = fread(r->token, 1, sizeof(r->token) - 1, f);
	fclose(f);
	r->token[n] = '\0';
	r->token[strcspn(r->token, "\r\n")] = '\0';
	if (r->token[0] == '\0')
		return err_set(err, "ref: %s is empty", path);
	snprintf(r->ca_file, sizeof(r->ca_file), "%s/ref/ca.pem",
	    r->env->e_workdir ? r->env->e_workdir : ".");
	return 0;
}

/* The client to hvd on the first host (any node answers for the cluster). */
static struct http_client *
ref_http(struct driver *d, char *err)
{
	struct ref *r = d->d_priv;
	struct http_opts o;
	char url[128];

	if (r->http != NULL)
		return r->http;
	if (r->env->e_nhosts == 0) {
		err_set(err, "ref: no hosts");
		return NULL;
	}
	if (ref_read_token(r, err) == -1)
		return NULL;
	snprintf(url, sizeof(url), "https://%s:%d", r->env->e_hosts[0].h_addr,
	    REF_API_PORT);
	memset(&o, 0, sizeof(o));
	o.base_url = url;
	o.token = r->token;
	o.ca_file = r->ca_file;
	o.timeout_ms = 60000;
	/* The station's namespace: API calls come from the station, as
	 * a management workstation's would. */
	r->http = http_client_new(&o, err);
	return r->http;
}

/*
 * METHOD PATH BODY; on success, when t is given, the answer's task id (if
 * any) goes into t (async) or t is marked done (sync).  body is freed.
 */
static int
ref_call(struct driver *d, const char *method, const char *path,
    cJSON *body, struct drv_task *t, cJSON **out, char *err)
{
	struct http_client *c = ref_http(d, err);
	struct http_response resp = { 0 };
	const char *id = NULL;
	char e[ERR_LEN];
	int rc = -1;

	if (c == NULL)
		goto out;
	if (http_request_json(c, method, path, body, &resp, err) == -1)
		goto out;
	if (t != NULL) {
		/* UNVERIFIED: long operations answer {"task": "UPID:..."}. */
		if (resp.json != NULL && json_get_string(resp.json, "task",
		    JSON_OPTIONAL, &id, e) == -1) {
			err_set(err, "%s %s: %s", method, path, e);
			goto out;
		}
		if (id != NULL)
			snprintf(t->t_id, sizeof(t->t_id), "%s", id);
		else
			t->t_done = 1;
	}
	if (out != NULL) {
		*out = resp.json;
		resp.json = NULL;
	}
	rc = 0;
out:
	http_response_free(&resp);
	cJSON_Delete(body);
	return rc;
}

static int
ref_open(struct driver *d, const struct drv_env *env, char *err)
{
	struct ref *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return err_set(err, "out of memory");
	r->env = env;
	d->d_priv = r;
	return 0;
}

static void
ref_close(struct driver *d)
{
	struct ref *r = d->d_priv;

	if (r == NULL)
		return;
	http_client_free(r->http);
	free(r);
	d->d_priv = NULL;
}

static int
ref_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject(), *nodes;
	size_t i;

	/* UNVERIFIED: POST /api/v1/cluster {"name", "nodes": [{name, addr}]} */
	cJSON_AddStringToObject(b, "name", name);
	nodes = cJSON_AddArrayToObject(b, "nodes");
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", hosts[i].h_name);
		cJSON_AddStringToObject(o, "address", hosts[i].h_addr);
		cJSON_AddItemToArray(nodes, o);
	}
	return ref_call(d, "POST", "/api/v1/cluster", b, t, NULL, err);
}

static int
ref_cluster_info(struct driver *d, struct drv_cluster_info *ci, char *err)
{
	cJSON *doc = NULL;
	const cJSON *nodes = NULL, *n;
	int q = 0, rc = -1;
	char e[ERR_LEN];

	memset(ci, 0, sizeof(*ci));
	if (ref_call(d, "GET", "/api/v1/cluster", NULL, NULL, &doc, err))
		return -1;
	/* UNVERIFIED: {"quorate": bool, "nodes": [{"name", "online"}]} */
	if (json_get_bool(doc, "quorate", JSON_OPTIONAL, &q, e) == -1 ||
	    json_get_array(doc, "nodes", JSON_OPTIONAL, &nodes, e) == -1) {
		err_set(err, "GET /api/v1/cluster: %s", e);
		goto out;
	}
	ci->c_quorate = q;
	cJSON_ArrayForEach(n, nodes) {
		int on = 0;

		ci->c_nodes++;
		if (json_get_bool(n, "online", JSON_OPTIONAL, &on, e) == 0 &&
		    on)
			ci->c_online++;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

static int
ref_node_info(struct driver *d, const char *node, struct drv_node_info *ni,
    char *err)
{
	char path[256], e[ERR_LEN];
	const char *s;
	int64_t v;
	cJSON *doc = NULL;
	int rc = -1;

	memset(ni, 0, sizeof(*ni));
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", node);
	if (ref_call(d, "GET", path, NULL, NULL, &doc, err))
		return -1;
	/* UNVERIFIED member names: hypervisor, arch, cpus, memory_bytes. */
	snprintf(ni->n_name, sizeof(ni->n_name), "%s", node);
	s = NULL;
	if (json_get_string(doc, "hypervisor", JSON_OPTIONAL, &s, e) == 0 &&
	    s)
		snprintf(ni->n_hypervisor, sizeof(ni->n_hypervisor), "%s", s);
	s = NULL;
	if (json_get_string(doc, "arch", JSON_OPTIONAL, &s, e) == 0 && s)
		snprintf(ni->n_arch, sizeof(ni->n_arch), "%s", s);
	v = 0;
	if (json_get_int(doc, "cpus", JSON_OPTIONAL, &v, e) == 0)
		ni->n_cpus = (int)v;
	v = 0;
	if (json_get_int(doc, "memory_bytes", JSON_OPTIONAL, &v, e) == 0)
		ni->n_memory_bytes = (uint64_t)v;
	ni->n_online = 1;
	rc = 0;
	cJSON_Delete(doc);
	return rc;
}

static int
ref_storage_attach(struct driver *d, const struct drv_pool *p,
    struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();

	/* UNVERIFIED: POST /api/v1/pools {"name","type","portal","target"} */
	cJSON_AddStringToObject(b, "name", p->p_name);
	cJSON_AddStringToObject(b, "type", p->p_type);
	if (p->p_portal)
		cJSON_AddStringToObject(b, "portal", p->p_portal);
	if (p->p_target)
		cJSON_AddStringToObject(b, "target", p->p_target);
	if (p->p_path)
		cJSON_AddStringToObject(b, "path", p->p_path);
	return ref_call(d, "POST", "/api/v1/pools", b, t, NULL, err);
}

static int
ref_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();

	/* UNVERIFIED: POST /api/v1/networks {"name","vlan","bond"} */
	cJSON_AddStringToObject(b, "name", n->n_name);
	cJSON_AddNumberToObject(b, "vlan", n->n_vlan);
	if (n->n_bond)
		cJSON_AddStringToObject(b, "bond", n->n_bond);
	return ref_call(d, "POST", "/api/v1/networks", b, t, NULL, err);
}

static int
ref_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();

	/* UNVERIFIED: POST /api/v1/vms {"name","node","vcpus","memory_mib",
	 * "pool","disk_mib","network"} */
	cJSON_AddStringToObject(b, "name", s->v_name);
	if (s->v_host)
		cJSON_AddStringToObject(b, "node", s->v_host);
	cJSON_AddNumberToObject(b, "vcpus", s->v_vcpus ? s->v_vcpus : 1);
	cJSON_AddNumberToObject(b, "memory_mib", s->v_memory_mib ?
	    s->v_memory_mib : 128);
	if (s->v_pool)
		cJSON_AddStringToObject(b, "pool", s->v_pool);
	if (s->v_disk_mib)
		cJSON_AddNumberToObject(b, "disk_mib", s->v_disk_mib);
	if (s->v_network)
		cJSON_AddStringToObject(b, "network", s->v_network);
	return ref_call(d, "POST", "/api/v1/vms", b, t, NULL, err);
}

static int
ref_vm_action(struct driver *d, const char *vm, const char *action,
    cJSON *body, struct drv_task *t, char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/vms/%s/%s", vm, action);
	return ref_call(d, "POST", path, body, t, NULL, err);
}

static int
ref_vm_start(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	return ref_vm_action(d, vm, "start", NULL, t, err);
}

static int
ref_vm_stop(struct driver *d, const char *vm, int force, struct drv_task *t,
    char *err)
{
	return ref_vm_action(d, vm, force ? "stop" : "shutdown", NULL, t, err);
}

static int
ref_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	return ref_call(d, "DELETE", path, NULL, t, NULL, err);
}

static int
ref_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	char path[256], e[ERR_LEN];
	const char *state = NULL, *node = NULL, *addr = NULL;
	cJSON *doc = NULL;
	int rc = -1;

	memset(vi, 0, sizeof(*vi));
	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	if (ref_call(d, "GET", path, NULL, NULL, &doc, err))
		return -1;
	/* UNVERIFIED: {"state": "running"|"stopped"|..., "node", "address"} */
	if (json_get_string(doc, "state", JSON_REQUIRED, &state, e) == -1 ||
	    json_get_string(doc, "node", JSON_OPTIONAL, &node, e) == -1 ||
	    json_get_string(doc, "address", JSON_OPTIONAL, &addr, e) == -1) {
		err_set(err, "GET %s: %s", path, e);
		goto out;
	}
	vi->i_state = strcmp(state, "running") == 0 ? DRV_VM_RUNNING :
	    strcmp(state, "stopped") == 0 ? DRV_VM_STOPPED :
	    strcmp(state, "paused") == 0 ? DRV_VM_PAUSED :
	    strcmp(state, "migrating") == 0 ? DRV_VM_MIGRATING :
	    DRV_VM_UNKNOWN;
	if (node)
		snprintf(vi->i_host, sizeof(vi->i_host), "%s", node);
	if (addr)
		snprintf(vi->i_addr, sizeof(vi->i_addr), "%s", addr);
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

static int
ref_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();

	/* UNVERIFIED: POST /api/v1/vms/NAME/migrate {"target","live"} */
	cJSON_AddStringToObject(b, "target", to);
	cJSON_AddBoolToObject(b, "live", mode == DRV_MIGRATE_LIVE);
	return ref_vm_action(d, vm, "migrate", b, t, err);
}

static int
ref_task_status(struct driver *d, struct drv_task *t, char *err)
{
	char path[DRV_TASK_ID_MAX + 32], e[ERR_LEN];
	const char *state = NULL;
	const cJSON *res = NULL;
	double v;
	cJSON *doc = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", t->t_id);
	if (ref_call(d, "GET", path, NULL, NULL, &doc, err))
		return -1;
	if (json_get_string(doc, "state", JSON_REQUIRED, &state, e) == -1 ||
	    json_get_object(doc, "result", JSON_OPTIONAL, &res, e) == -1) {
		err_set(err, "GET %s: %s", path, e);
		goto out;
	}
	snprintf(t->t_status, sizeof(t->t_status), "%s", state);
	if (strcmp(state, "ok") == 0 || strcmp(state, "error") == 0) {
		t->t_done = 1;
		t->t_failed = strcmp(state, "error") == 0;
	}
	/* UNVERIFIED: a migration's result carries QEMU's figures as
	 * {"downtime_ms", "total_s"} (from query-migrate). */
	if (res != NULL) {
		if (json_get_double(res, "downtime_ms", JSON_OPTIONAL, &v, e) ==
		    0 && cJSON_GetObjectItemCaseSensitive(res, "downtime_ms"))
			t->t_downtime_ms = v;
		if (json_get_double(res, "total_s", JSON_OPTIONAL, &v, e) ==
		    0 && cJSON_GetObjectItemCaseSensitive(res, "total_s"))
			t->t_total_s = v;
	}
	if (t->t_failed) {
		const char *msg = NULL;

		if (json_get_string(doc, "error", JSON_OPTIONAL, &msg, e) == 0 &&
		    msg)
			snprintf(t->t_status, sizeof(t->t_status), "%s", msg);
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

static const struct drv_reason ref_reasons[] = {
	{ "install", "the ref driver cannot start hvd on lab hosts yet "
	    "(needs the lab's host services and hvd's API, issues 2 and 4)" },
	{ "snapshot", "hvd has no snapshots yet (later issue)" },
	{ "backup", "hvd has no backups yet (later issue)" },
	{ "restore", "hvd has no restore yet (later issue)" },
	{ "clone", "hvd has no clones yet (later issue)" },
	{ "template", "hvd has no templates yet (later issue)" },
	{ "export", "hvd has no export yet (later issue)" },
	{ "import", "hvd has no import yet (later issue)" },
	{ "ha", "hvd has no HA yet (later issue)" },
	{ "metrics", "hvd has no metrics endpoint yet (later issue)" },
	{ "balance", "hvd has no load balancing yet (later issue)" },
	{ "bonding", "the ref driver has no bond configuration yet "
	    "(later issue)" },
	{ "containers", "hvd runs no containers yet (later issue)" },
	{ NULL, NULL }
};

const struct driver_ops ref_driver_ops = {
	.name = "ref",
	.unsupported_reason = "not in hvd yet",
	.reasons = ref_reasons,
	.open = ref_open,
	.close = ref_close,
	.host_install = NULL,		/* see STATE above */
	.cluster_form = ref_cluster_form,
	.cluster_info = ref_cluster_info,
	.node_info = ref_node_info,
	.storage_attach = ref_storage_attach,
	.network_apply = ref_network_apply,
	.vm_create = ref_vm_create,
	.vm_start = ref_vm_start,
	.vm_stop = ref_vm_stop,
	.vm_delete = ref_vm_delete,
	.vm_info = ref_vm_info,
	.vm_migrate = ref_vm_migrate,
	.task_status = ref_task_status,
};
