/*
 * proxmox.c - the `proxmox` driver: a Proxmox VE cluster over its REST API
 * (proxmox_api.h), found through the inventory file (proxmox.h).  What it
 * calls for each row is in docs/platforms/proxmox.md; in short:
 *
 *  - open: GET /version (and a ticket login when no API token is given);
 *    host_install and cluster_form start from installed, clustered nodes
 *    (the study installed by hand): they check that the node answers
 *    (GET /nodes/NODE/status) or that the cluster has the hosts (GET
 *    /cluster/status) and report the work as found done (t_reused).
 *  - cluster_info: GET /cluster/status; node_info: GET /nodes/NODE/status.
 *  - storage_attach: POST /storage (type iscsi, portal, target) once for
 *    the cluster; storage_check: GET /nodes/NODE/storage?storage=ID.
 *  - VMs are found by name in GET /cluster/resources?type=vm (Proxmox
 *    names them by number); create takes GET /cluster/nextid, then POST
 *    /nodes/NODE/qemu; start/stop/shutdown/delete/migrate/snapshot/clone
 *    and vzdump answer a UPID, followed through GET
 *    /nodes/NODE/tasks/UPID/status; a migration's log gives the downtime
 *    QEMU reported ("average migration speed: ... - downtime N ms").
 *  - network_apply: a bond and a VLAN-aware bridge in each node's pending
 *    /nodes/NODE/network, then its reload (proxmox_net.c).
 *  - HA: POST/DELETE /cluster/ha/resources, GET /cluster/ha/status/current.
 *  - balance_set: PUT /cluster/options crs; HA rules (/cluster/ha/rules,
 *    HA groups before Proxmox VE 9): proxmox_ha.c.
 *  - metrics: GET /nodes/NODE/rrddata?timeframe=hour; vm_cpu: GET
 *    /nodes/NODE/qemu/ID/rrddata?timeframe=hour, cpu × maxcpu a minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/proxmox.h"
#include "scenarios/drivers/proxmox_api.h"
#include "scenarios/drivers/proxmox_priv.h"


static const struct drv_reason pve_reasons[] = {
	{ "network", "the row moves one switch port of a host to another "
	    "VLAN, which Proxmox's API has no call for (the driver applies "
	    "bonds and VLAN-aware bridges through /nodes/NODE/network)" },
	{ "bonding", "the row pulls cables and reads a bond's members at "
	    "the hosts' consoles, which the API does not reach" },
	{ "export", "Proxmox VE exports through vzdump archives only, "
	    "which the backup row covers" },
	{ "import", "disk import (qm disk import) needs a node's shell, "
	    "not the API" },
	{ "clone", "the clone row reads a disk image's allocation and "
	    "digest, which the API does not give (the driver clones: "
	    "POST /nodes/NODE/qemu/ID/clone)" },
	{ NULL, NULL }
};

/* Count the requests since the last look into d_calls. */
static void
pve_count(struct driver *d)
{
	struct pve *p = d->d_priv;
	unsigned long n = pve_api_calls(p->api);

	d->d_calls += n - p->calls_seen;
	p->calls_seen = n;
}

int
pve_call(struct driver *d, const char *method, const char *path,
    const struct pve_param *params, cJSON **data, char *err)
{
	struct pve *p = d->d_priv;
	int rc = pve_api_call(p->api, method, path, params, data, err);

	pve_count(d);
	return rc;
}

/* A long operation's answer: its UPID into t. */
int
pve_call_task(struct driver *d, const char *method, const char *path,
    const struct pve_param *params, struct drv_task *t, char *err)
{
	struct pve_upid u;
	cJSON *data = NULL;
	int rc = -1;

	if (pve_call(d, method, path, params, &data, err) == -1)
		goto out;
	if (!cJSON_IsString(data) || pve_upid_parse(data->valuestring, &u,
	    err) == -1) {
		err_set(err, "%s %s: the answer is no task id (UPID)", method,
		    path);
		goto out;
	}
	snprintf(t->t_id, sizeof(t->t_id), "%s", data->valuestring);
	snprintf(t->t_status, sizeof(t->t_status), "running");
	rc = 0;
out:
	cJSON_Delete(data);
	return rc;
}

/* GET /version: what the cluster runs decides what the driver sends
 * (proxmox_ha.c). */
static int
pve_open_version(struct driver *d, char *err)
{
	struct pve *p = d->d_priv;
	const char *ver = NULL;
	cJSON *v = NULL;
	int rc = -1;

	if (pve_call(d, "GET", "/version", NULL, &v, err) == -1)
		return -1;
	if (json_get_string(v, "version", JSON_REQUIRED, &ver, err) == -1 ||
	    pve_version_parse(ver, &p->ver, err) == -1) {
		err_prefix(err, "GET /version");
		goto out;
	}
	snprintf(p->version, sizeof(p->version), "%s", ver);
	rc = 0;
out:
	cJSON_Delete(v);
	return rc;
}

static int
pve_open(struct driver *d, const struct drv_env *env, char *err)
{
	struct pve *p = calloc(1, sizeof(*p));
	struct pve_api_opts o = { 0 };

	if (p == NULL)
		return err_set(err, "out of memory");
	d->d_priv = p;
	if (pve_inventory_load(pve_inventory_path(), &p->inv, stderr, err) ==
	    -1)
		goto fail;
	o.pa_url = p->inv.pi_url;
	o.pa_token = p->inv.pi_token[0] ? p->inv.pi_token : NULL;
	o.pa_user = p->inv.pi_user[0] ? p->inv.pi_user : NULL;
	o.pa_password = p->inv.pi_password;
	o.pa_ca_file = p->inv.pi_ca[0] ? p->inv.pi_ca : NULL;
	o.pa_fingerprint = p->inv.pi_fingerprint[0] ?
	    p->inv.pi_fingerprint : NULL;
	if ((p->api = pve_api_new(&o, err)) == NULL)
		goto fail;
	if (pve_open_version(d, err) == -1)
		goto fail;
	return 0;
fail:
	err_prefix(err, "%s", p->inv.pi_url[0] ? p->inv.pi_url : "proxmox");
	pve_api_free(p->api);
	memset(p, 0, sizeof(*p));
	free(p);
	d->d_priv = NULL;
	return -1;
}

static void
pve_close(struct driver *d)
{
	struct pve *p = d->d_priv;

	if (p == NULL)
		return;
	pve_api_free(p->api);
	memset(p, 0, sizeof(*p));
	free(p);
	d->d_priv = NULL;
}

static int
pve_platform_version(struct driver *d, char *buf, size_t len, char *err)
{
	const struct pve *p = d->d_priv;

	/* read at open (pve_open_version), which fails without it */
	snprintf(buf, len, "Proxmox VE %s", p->version);
	return 0;
}

static int
pve_cluster_info(struct driver *d, struct drv_cluster_info *ci, char *err)
{
	const cJSON *it;
	cJSON *st = NULL;
	int64_t n;
	const char *type;

	memset(ci, 0, sizeof(*ci));
	if (pve_call(d, "GET", "/cluster/status", NULL, &st, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(st) ? st : NULL)) {
		type = NULL;
		if (json_get_string(it, "type", JSON_REQUIRED, &type, err) ==
		    -1)
			break;
		n = 0;
		if (strcmp(type, "cluster") == 0) {
			json_get_int(it, "quorate", JSON_OPTIONAL, &n, err);
			ci->c_quorate = n == 1;
		} else if (strcmp(type, "node") == 0) {
			ci->c_nodes++;
			json_get_int(it, "online", JSON_OPTIONAL, &n, err);
			ci->c_online += n == 1;
		}
	}
	cJSON_Delete(st);
	if (ci->c_nodes == 0)
		return err_set(err, "GET /cluster/status: no nodes in the "
		    "answer");
	/* A single node without a cluster is its own quorum. */
	if (ci->c_nodes == 1 && ci->c_online == 1)
		ci->c_quorate = 1;
	return 0;
}

/* "/nodes/NODE/status" -> what the Server architecture row reads. */
static int
pve_node_read(const cJSON *st, struct drv_node_info *ni, char *err)
{
	const cJSON *cpu = NULL, *mem = NULL;
	const char *pv = "";
	int64_t cpus = 0, total = 0;

	if (json_get_object(st, "cpuinfo", JSON_REQUIRED, &cpu, err) == -1 ||
	    json_get_int(cpu, "cpus", JSON_REQUIRED, &cpus, err) == -1 ||
	    json_get_object(st, "memory", JSON_REQUIRED, &mem, err) == -1 ||
	    json_get_int(mem, "total", JSON_REQUIRED, &total, err) == -1 ||
	    json_get_string(st, "pveversion", JSON_OPTIONAL, &pv, err) == -1)
		return -1;
	ni->n_cpus = (int)cpus;
	ni->n_memory_bytes = (uint64_t)total;
	ni->n_online = 1;
	snprintf(ni->n_hypervisor, sizeof(ni->n_hypervisor), "QEMU/KVM (%s)",
	    pv);
	/* Proxmox VE is built for x86_64 only; the API does not say. */
	snprintf(ni->n_arch, sizeof(ni->n_arch), "x86_64");
	return 0;
}

static int
pve_node_info(struct driver *d, const char *node, struct drv_node_info *ni,
    char *err)
{
	char path[160];
	cJSON *st = NULL;
	int rc;

	memset(ni, 0, sizeof(*ni));
	snprintf(ni->n_name, sizeof(ni->n_name), "%s", node);
	snprintf(path, sizeof(path), "/nodes/%s/status", node);
	if (pve_call(d, "GET", path, NULL, &st, err) == -1)
		return -1;
	if ((rc = pve_node_read(st, ni, err)) == -1)
		err_prefix(err, "GET %s", path);
	cJSON_Delete(st);
	return rc;
}

/* Installed by hand (or by the answer file, docs/platforms/proxmox.md):
 * the node must answer; nothing is installed, nothing measured. */
static int
pve_host_install(struct driver *d, const struct drv_host *h,
    struct drv_task *t, char *err)
{
	struct drv_node_info ni;

	if (pve_node_info(d, h->h_name, &ni, err) == -1)
		return err_prefix(err, "host %s: not an installed Proxmox VE "
		    "node", h->h_name);
	t->t_done = 1;
	t->t_reused = 1;
	return 0;
}

static int
pve_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err)
{
	struct drv_cluster_info ci;

	if (pve_cluster_info(d, &ci, err) == -1)
		return -1;
	if ((size_t)ci.c_nodes < n)
		return err_set(err, "cluster has %d nodes, %zu hosts named: "
		    "join them with pvecm add first", ci.c_nodes, n);
	t->t_done = 1;
	t->t_reused = 1;
	return 0;
}

int
pve_list_has(struct driver *d, const char *path,
    const struct pve_param *params, const char *key, const char *value,
    char *err)
{
	const cJSON *it;
	const char *v;
	cJSON *l = NULL;
	int found = 0;

	if (pve_call(d, "GET", path, params, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		v = NULL;
		if (json_get_string(it, key, JSON_OPTIONAL, &v, err) == 0 &&
		    v != NULL && strcmp(v, value) == 0)
			found = 1;
	}
	cJSON_Delete(l);
	return found;
}

static int
pve_storage_attach(struct driver *d, const struct drv_pool *pl,
    struct drv_task *t, char *err)
{
	const struct pve_param iscsi[] = { { "storage", pl->p_name },
		{ "type", "iscsi" }, { "portal", pl->p_portal },
		{ "target", pl->p_target }, { "content", "images" },
		{ NULL, NULL } };
	const struct pve_param by_type[] = { { "type", "iscsi" },
		{ NULL, NULL } };

	if (strcmp(pl->p_type, "iscsi") != 0)
		return err_set(err, "pool %s: type %s: the driver attaches "
		    "iscsi pools only", pl->p_name, pl->p_type);
	if (pl->p_portal == NULL || pl->p_target == NULL)
		return err_set(err, "pool %s: iscsi needs a portal and a "
		    "target", pl->p_name);
	/* A cluster that has it already (attached by hand, or by an
	 * earlier run) keeps it: nothing to measure. */
	switch (pve_list_has(d, "/storage", by_type, "storage", pl->p_name,
	    err)) {
	case -1:
		return -1;
	case 1:
		t->t_reused = 1;
		break;
	default:
		if (pve_call(d, "POST", "/storage", iscsi, NULL, err) == -1)
			return -1;
	}
	t->t_done = 1;
	return 0;
}

static int
pve_storage_check(struct driver *d, const struct drv_pool *pl,
    const char *host, char *err)
{
	const struct pve_param q[] = { { "storage", pl->p_name },
		{ NULL, NULL } };
	char path[160];
	cJSON *l = NULL;
	const cJSON *it;
	int64_t active = 0;
	int rc = -1;

	snprintf(path, sizeof(path), "/nodes/%s/storage", host);
	if (pve_call(d, "GET", path, q, &l, err) == -1)
		return -1;
	it = cJSON_IsArray(l) ? cJSON_GetArrayItem(l, 0) : NULL;
	if (it == NULL)
		err_set(err, "%s does not list storage %s", host, pl->p_name);
	else if (json_get_int(it, "active", JSON_REQUIRED, &active, err) ==
	    -1)
		err_prefix(err, "GET %s", path);
	else if (active != 1)
		err_set(err, "storage %s is not active on %s", pl->p_name,
		    host);
	else
		rc = 0;
	cJSON_Delete(l);
	return rc;
}

/* The VM named name in GET /cluster/resources?type=vm.  1 found, 0 not,
 * -1 with err. */
int
pve_vm_find(struct driver *d, const char *name, struct pve_vm *vm,
    char *err)
{
	const struct pve_param q[] = { { "type", "vm" }, { NULL, NULL } };
	const char *n, *node, *status;
	const cJSON *it;
	cJSON *l = NULL;
	int64_t id, tpl;
	int rc = 0;

	if (pve_call(d, "GET", "/cluster/resources", q, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		n = node = status = NULL;
		tpl = 0;
		if (json_get_string(it, "name", JSON_OPTIONAL, &n, err) == -1 ||
		    n == NULL || strcmp(n, name) != 0)
			continue;
		if (json_get_string(it, "node", JSON_REQUIRED, &node, err) ==
		    -1 || json_get_int(it, "vmid", JSON_REQUIRED, &id, err) ==
		    -1 || json_get_string(it, "status", JSON_REQUIRED, &status,
		    err) == -1 || json_get_int(it, "template", JSON_OPTIONAL,
		    &tpl, err) == -1) {
			rc = err_prefix(err, "GET /cluster/resources: %s", n);
			break;
		}
		snprintf(vm->vm_node, sizeof(vm->vm_node), "%s", node);
		snprintf(vm->vm_id, sizeof(vm->vm_id), "%lld", (long long)id);
		snprintf(vm->vm_status, sizeof(vm->vm_status), "%s", status);
		vm->vm_template = tpl == 1;
		rc = 1;
		break;
	}
	cJSON_Delete(l);
	return rc;
}

int
pve_vm_need(struct driver *d, const char *name, struct pve_vm *vm,
    char *err)
{
	int r = pve_vm_find(d, name, vm, err);

	if (r == 0)
		return err_set(err, "no VM named %s in the cluster", name);
	return r == 1 ? 0 : -1;
}

/* GET /cluster/nextid into id. */
int
pve_nextid(struct driver *d, char *id, size_t len, char *err)
{
	cJSON *n = NULL;
	int rc = 0;

	if (pve_call(d, "GET", "/cluster/nextid", NULL, &n, err) == -1)
		return -1;
	/* The API declares an integer; nodes answer it as a string. */
	if (cJSON_IsString(n) && strspn(n->valuestring, "0123456789") ==
	    strlen(n->valuestring) && n->valuestring[0] != '\0')
		snprintf(id, len, "%s", n->valuestring);
	else if (cJSON_IsNumber(n) && n->valuedouble >= 100)
		snprintf(id, len, "%.0f", n->valuedouble);
	else
		rc = err_set(err, "GET /cluster/nextid: no VM id in the answer");
	cJSON_Delete(n);
	return rc;
}

/* The first node GET /nodes lists online, for a VM without placement. */
int
pve_any_node(struct driver *d, char *node, size_t len, char *err)
{
	const char *n, *st;
	const cJSON *it;
	cJSON *l = NULL;
	int rc = err_set(err, "GET /nodes: no node online");

	if (pve_call(d, "GET", "/nodes", NULL, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		n = st = NULL;
		if (json_get_string(it, "node", JSON_REQUIRED, &n, err) == 0 &&
		    json_get_string(it, "status", JSON_OPTIONAL, &st, err) ==
		    0 && st != NULL && strcmp(st, "online") == 0) {
			snprintf(node, len, "%s", n);
			rc = 0;
			break;
		}
	}
	cJSON_Delete(l);
	return rc;
}


static int
pve_config_check(char *err)
{
	return proxmox_config_check(stderr, err);
}

const struct driver_ops proxmox_driver_ops = {
	.name = "proxmox",
	.unsupported_reason = "not in the proxmox driver yet",
	.reasons = pve_reasons,
	.mgmt_port = NULL,
	.open = pve_open,
	.close = pve_close,
	.host_install = pve_host_install,
	.cluster_form = pve_cluster_form,
	.cluster_info = pve_cluster_info,
	.node_info = pve_node_info,
	.platform_version = pve_platform_version,
	.storage_attach = pve_storage_attach,
	.storage_check = pve_storage_check,
	.network_apply = pve_network_apply,
	.vm_create = pve_vm_create,
	.vm_start = pve_vm_start,
	.vm_stop = pve_vm_stop,
	.vm_delete = pve_vm_delete,
	.vm_info = pve_vm_info,
	.vm_migrate = pve_vm_migrate,
	.snapshot_create = pve_snapshot_create,
	.snapshot_rollback = pve_snapshot_rollback,
	.snapshot_delete = pve_snapshot_delete,
	.backup = pve_backup,
	.restore = pve_restore,
	.clone = pve_clone,
	.template_make = pve_template_make,
	.ha_enable = pve_ha_enable,
	.ha_disable = pve_ha_disable,
	.ha_status = pve_ha_status,
	.metrics = pve_metrics,
	.vm_cpu = pve_vm_cpu,
	.balance_set = pve_balance_set,
	.task_status = pve_task_status,
	.config_check = pve_config_check,
};
