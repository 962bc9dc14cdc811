/*
 * xcpng.c - the `xcpng` driver: an XCP-ng pool over XAPI's JSON-RPC
 * (xcpng_api.h), found through the inventory file (xcpng.h).  What it
 * calls for each row is in docs/platforms/xcpng.md; in short:
 *
 *  - open: session.login_with_password at the pool master; host_install
 *    and cluster_form start from installed hosts joined in a pool (the
 *    study installed by hand): they check that each host is in the pool
 *    (host.get_by_name_label) and report the work as found done.
 *  - cluster_info: host.get_all_records and each host_metrics' live flag;
 *    node_info: host.get_record, host_metrics.get_record;
 *    platform_version: host.get_software_version of the master.
 *  - storage_attach: Async.SR.create (type lvmoiscsi, shared, device
 *    config target/port/targetIQN/SCSIid) unless the SR exists;
 *    storage_check: the SR's PBDs, one per host, currently_attached.
 *  - VMs, snapshots, clones, images: xcpng_vm.c and xcpng_snap.c; HA and
 *    metrics and vm_cpu: xcpng_pool.c; bonds, VLANs, networks: xcpng_net.c.
 *  - Long operations are Async.* calls whose task is followed through
 *    task.get_record until it leaves "pending".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/xcpng_priv.h"

#define XCP_WAIT_NS (3600ULL * NS_PER_S)

static const struct drv_reason xcp_reasons[] = {
	{ "network", "the row moves one switch port of a host to another "
	    "VLAN, which XAPI has no call for (the driver makes bonds, VLANs "
	    "and networks: Bond.create, VLAN.create, network.create)" },
	{ "bonding", "the row pulls cables and reads a bond's members at "
	    "the hosts' consoles, which XAPI does not reach" },
	{ "backup", "XAPI has no backup jobs: XCP-ng's backups are Xen "
	    "Orchestra's, a separate server (the driver exports and imports "
	    "XVA through /export and /import)" },
	{ "restore", "XAPI has no backup jobs: XCP-ng's backups are Xen "
	    "Orchestra's, a separate server" },
	{ "clone", "the clone row reads a disk image's allocation and "
	    "digest; XAPI gives no digest of a VDI (the driver clones: "
	    "VM.clone linked, VM.copy full)" },
	{ "balance", "XCP-ng load balancing needs an extra server (Xen "
	    "Orchestra's load balancer plugin); XAPI moves no VM to even out "
	    "load" },
	{ NULL, NULL }
};

cJSON *
xcp_args(const char *types, ...)
{
	cJSON *a = cJSON_CreateArray(), *v;
	va_list ap;
	int bad = a == NULL;

	va_start(ap, types);
	for (; *types != '\0'; types++) {
		switch (*types) {
		case 's':
			v = cJSON_CreateString(va_arg(ap, const char *));
			break;
		case 'i':
			v = cJSON_CreateNumber((double)va_arg(ap, long long));
			break;
		case 'b':
			v = cJSON_CreateBool(va_arg(ap, int));
			break;
		default:
			v = va_arg(ap, cJSON *);
			break;
		}
		if (v == NULL || bad || !cJSON_AddItemToArray(a, v)) {
			cJSON_Delete(v);
			bad = 1;
		}
	}
	va_end(ap);
	if (bad) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

int
xcp_int(const cJSON *v, int64_t *out)
{
	char *end;

	if (cJSON_IsNumber(v)) {
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return -1;
	*out = strtoll(v->valuestring, &end, 10);
	return *end == '\0' ? 0 : -1;
}

void
xcp_count(struct driver *d)
{
	struct xcp *x = d->d_priv;
	unsigned long n = xapi_calls(x->api);

	d->d_calls += n - x->calls_seen;
	x->calls_seen = n;
}

int
xcp_call(struct driver *d, const char *method, cJSON *params,
    cJSON **result, char *err)
{
	struct xcp *x = d->d_priv;
	int rc;

	if (params == NULL)
		return err_set(err, "%s: out of memory", method);
	rc = xapi_call(x->api, method, params, result, NULL, err);
	xcp_count(d);
	return rc;
}

int
xcp_call_ref(struct driver *d, const char *method, cJSON *params,
    char *ref, char *err)
{
	cJSON *r = NULL;
	int rc = -1;

	if (xcp_call(d, method, params, &r, err) == -1)
		return -1;
	if (!cJSON_IsString(r) || strncmp(r->valuestring, "OpaqueRef:", 10) !=
	    0 || strlen(r->valuestring) >= XAPI_REF_MAX)
		err_set(err, "%s: the answer is no reference", method);
	else {
		snprintf(ref, XAPI_REF_MAX, "%s", r->valuestring);
		rc = 0;
	}
	cJSON_Delete(r);
	return rc;
}

int
xcp_call_task(struct driver *d, const char *method, cJSON *params,
    struct drv_task *t, char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_call_ref(d, method, params, ref, err) == -1)
		return -1;
	snprintf(t->t_id, sizeof(t->t_id), "%s", ref);
	snprintf(t->t_status, sizeof(t->t_status), "pending");
	return 0;
}

int
xcp_run(struct driver *d, const char *method, cJSON *params, char *ref,
    char *err)
{
	struct drv_task t;

	drv_task_init(&t);
	if (xcp_call_task(d, method, params, &t, err) == -1 ||
	    driver_task_wait(d, &t, XCP_WAIT_NS, NULL, err) == -1)
		return -1;
	if (ref != NULL && !xapi_result_ref(t.t_status, ref, XAPI_REF_MAX))
		return err_set(err, "%s: the task's result names no object",
		    method);
	return 0;
}

/* Whether VM ref is a snapshot (1), not (0), or -1. */
static int
xcp_is_snapshot(struct driver *d, const char *ref, char *err)
{
	cJSON *r = NULL;
	int rc;

	if (xcp_call(d, "VM.get_is_a_snapshot", xcp_args("s", ref), &r,
	    err) == -1)
		return -1;
	rc = cJSON_IsTrue(r);
	cJSON_Delete(r);
	return rc;
}

int
xcp_find(struct driver *d, const char *cls, const char *name, char *ref,
    char *err)
{
	char method[64];
	const cJSON *it;
	cJSON *l = NULL;
	int rc = 0, snap;

	snprintf(method, sizeof(method), "%s.get_by_name_label", cls);
	if (xcp_call(d, method, xcp_args("s", name), &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		if (!cJSON_IsString(it) ||
		    strlen(it->valuestring) >= XAPI_REF_MAX)
			continue;
		/* A snapshot keeps its VM's name until renamed. */
		if (strcmp(cls, "VM") == 0 && (snap = xcp_is_snapshot(d,
		    it->valuestring, err)) != 0) {
			if (snap == -1) {
				rc = -1;
				break;
			}
			continue;
		}
		snprintf(ref, XAPI_REF_MAX, "%s", it->valuestring);
		rc = 1;
		break;
	}
	cJSON_Delete(l);
	return rc;
}

int
xcp_need(struct driver *d, const char *cls, const char *name, char *ref,
    char *err)
{
	int r = xcp_find(d, cls, name, ref, err);

	if (r == 0)
		return err_set(err, "no %s named %s in the pool", cls, name);
	return r == 1 ? 0 : -1;
}

int
xcp_name(struct driver *d, const char *cls, const char *ref, char *name,
    size_t len, char *err)
{
	char method[64];
	cJSON *r = NULL;
	int rc = 0;

	snprintf(method, sizeof(method), "%s.get_name_label", cls);
	if (xcp_call(d, method, xcp_args("s", ref), &r, err) == -1)
		return -1;
	if (cJSON_IsString(r))
		snprintf(name, len, "%s", r->valuestring);
	else
		rc = err_set(err, "%s: no name in the answer", method);
	cJSON_Delete(r);
	return rc;
}

int
xcp_host_name(struct driver *d, const char *ref, char *name, size_t len,
    char *err)
{
	name[0] = '\0';
	if (strcmp(ref, XCP_NULL_REF) == 0)
		return 0;
	return xcp_name(d, "host", ref, name, len, err);
}

int
xcp_pool(struct driver *d, char *ref, char *err)
{
	cJSON *l = NULL;
	const cJSON *p;
	int rc = 0;

	if (xcp_call(d, "pool.get_all", xcp_args(""), &l, err) == -1)
		return -1;
	p = cJSON_IsArray(l) ? cJSON_GetArrayItem(l, 0) : NULL;
	if (!cJSON_IsString(p) || strlen(p->valuestring) >= XAPI_REF_MAX)
		rc = err_set(err, "pool.get_all: no pool");
	else
		snprintf(ref, XAPI_REF_MAX, "%s", p->valuestring);
	cJSON_Delete(l);
	return rc;
}

static int
xcp_open(struct driver *d, const struct drv_env *env, char *err)
{
	struct xcp *x = calloc(1, sizeof(*x));
	struct xapi_opts o = { 0 };
	char pool[XAPI_REF_MAX];

	(void)env;
	if (x == NULL)
		return err_set(err, "out of memory");
	d->d_priv = x;
	if (xcp_inventory_load(xcp_inventory_path(), &x->inv, stderr, err) ==
	    -1)
		goto fail;
	o.xo_url = x->inv.xi_url;
	o.xo_user = x->inv.xi_user;
	o.xo_password = x->inv.xi_password;
	o.xo_ca_file = x->inv.xi_ca[0] ? x->inv.xi_ca : NULL;
	o.xo_fingerprint = x->inv.xi_fingerprint[0] ?
	    x->inv.xi_fingerprint : NULL;
	if ((x->api = xapi_new(&o, err)) == NULL ||
	    xcp_pool(d, pool, err) == -1)
		goto fail;
	return 0;
fail:
	err_prefix(err, "%s", x->inv.xi_url[0] ? x->inv.xi_url : "xcpng");
	xapi_free(x->api);
	memset(x, 0, sizeof(*x));
	free(x);
	d->d_priv = NULL;
	return -1;
}

static void
xcp_close(struct driver *d)
{
	struct xcp *x = d->d_priv;

	if (x == NULL)
		return;
	xapi_free(x->api);
	memset(x, 0, sizeof(*x));
	free(x);
	d->d_priv = NULL;
}

/* The pool master's reference. */
static int
xcp_master(struct driver *d, char *ref, char *err)
{
	char pool[XAPI_REF_MAX];

	if (xcp_pool(d, pool, err) == -1)
		return -1;
	return xcp_call_ref(d, "pool.get_master", xcp_args("s", pool), ref,
	    err);
}

static int
xcp_platform_version(struct driver *d, char *buf, size_t len, char *err)
{
	const char *brand = "XCP-ng", *ver = NULL;
	char master[XAPI_REF_MAX];
	cJSON *v = NULL;
	int rc = -1;

	if (xcp_master(d, master, err) == -1 ||
	    xcp_call(d, "host.get_software_version", xcp_args("s", master),
	    &v, err) == -1)
		return -1;
	if (json_get_string(v, "product_brand", JSON_OPTIONAL, &brand, err) ==
	    -1 || json_get_string(v, "product_version", JSON_REQUIRED, &ver,
	    err) == -1) {
		err_prefix(err, "host.get_software_version");
		goto out;
	}
	snprintf(buf, len, "%s %s", brand, ver);
	rc = 0;
out:
	cJSON_Delete(v);
	return rc;
}

/* Whether host_metrics ref says its host is live: 1, 0, or -1. */
static int
xcp_live(struct driver *d, const char *metrics, char *err)
{
	cJSON *r = NULL;
	int rc;

	if (xcp_call(d, "host_metrics.get_live", xcp_args("s", metrics), &r,
	    err) == -1)
		return -1;
	rc = cJSON_IsTrue(r);
	cJSON_Delete(r);
	return rc;
}

static int
xcp_cluster_info(struct driver *d, struct drv_cluster_info *ci, char *err)
{
	char master[XAPI_REF_MAX];
	const char *m;
	const cJSON *it;
	cJSON *all = NULL;
	int rc = 0, live;

	memset(ci, 0, sizeof(*ci));
	if (xcp_master(d, master, err) == -1 ||
	    xcp_call(d, "host.get_all_records", xcp_args(""), &all, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsObject(all) ? all : NULL)) {
		m = NULL;
		if (json_get_string(it, "metrics", JSON_REQUIRED, &m, err) ==
		    -1 || (live = xcp_live(d, m, err)) == -1) {
			rc = err_prefix(err, "host.get_all_records");
			break;
		}
		ci->c_nodes++;
		ci->c_online += live;
		/* A pool works while its master does: XAPI has no quorum
		 * of its own (HA's heartbeat SR decides fencing). */
		if (strcmp(it->string, master) == 0)
			ci->c_quorate = live;
	}
	cJSON_Delete(all);
	if (rc == 0 && ci->c_nodes == 0)
		rc = err_set(err, "host.get_all_records: no hosts");
	return rc;
}

/* host and host_metrics records -> what the Server architecture row
 * reads. */
static int
xcp_node_read(struct driver *d, const cJSON *h, struct drv_node_info *ni,
    char *err)
{
	const cJSON *cpu = NULL, *sw = NULL;
	const char *xen = "", *metrics = NULL;
	cJSON *m = NULL;
	int64_t n = 0;
	int rc = -1;

	if (json_get_object(h, "cpu_info", JSON_REQUIRED, &cpu, err) == -1 ||
	    json_get_object(h, "software_version", JSON_REQUIRED, &sw, err) ==
	    -1 || json_get_string(sw, "xen", JSON_OPTIONAL, &xen, err) == -1 ||
	    json_get_string(h, "metrics", JSON_REQUIRED, &metrics, err) == -1)
		return -1;
	if (xcp_int(cJSON_GetObjectItemCaseSensitive(cpu, "cpu_count"), &n) ==
	    -1)
		return err_set(err, "cpu_info has no cpu_count");
	ni->n_cpus = (int)n;
	if (xcp_call(d, "host_metrics.get_record", xcp_args("s", metrics), &m,
	    err) == -1)
		return -1;
	if (xcp_int(cJSON_GetObjectItemCaseSensitive(m, "memory_total"), &n) ==
	    -1) {
		err_set(err, "host_metrics.get_record: no memory_total");
		goto out;
	}
	ni->n_memory_bytes = (uint64_t)n;
	ni->n_online = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
	    "live"));
	snprintf(ni->n_hypervisor, sizeof(ni->n_hypervisor), "Xen %s", xen);
	/* XCP-ng runs on x86_64 only; cpu_info does not say. */
	snprintf(ni->n_arch, sizeof(ni->n_arch), "x86_64");
	rc = 0;
out:
	cJSON_Delete(m);
	return rc;
}

static int
xcp_node_info(struct driver *d, const char *node, struct drv_node_info *ni,
    char *err)
{
	char ref[XAPI_REF_MAX];
	cJSON *h = NULL;
	int rc;

	memset(ni, 0, sizeof(*ni));
	snprintf(ni->n_name, sizeof(ni->n_name), "%s", node);
	if (xcp_need(d, "host", node, ref, err) == -1 ||
	    xcp_call(d, "host.get_record", xcp_args("s", ref), &h, err) == -1)
		return -1;
	if ((rc = xcp_node_read(d, h, ni, err)) == -1)
		err_prefix(err, "host %s", node);
	cJSON_Delete(h);
	return rc;
}

/* Installed by hand, joined to the pool (xe pool-join): the host must be
 * in it; nothing is installed, nothing measured. */
static int
xcp_host_install(struct driver *d, const struct drv_host *h,
    struct drv_task *t, char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "host", h->h_name, ref, err) == -1)
		return err_prefix(err, "host %s: not an installed XCP-ng host "
		    "of the pool", h->h_name);
	t->t_done = 1;
	t->t_reused = 1;
	return 0;
}

static int
xcp_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err)
{
	char ref[XAPI_REF_MAX];
	size_t i;

	(void)name;
	for (i = 0; i < n; i++)
		if (xcp_need(d, "host", hosts[i].h_name, ref, err) == -1)
			return err_prefix(err, "join it with xe pool-join "
			    "first");
	t->t_done = 1;
	t->t_reused = 1;
	return 0;
}

/* device_config of the inventory's LUN: target, port, targetIQN, SCSIid. */
static cJSON *
xcp_sr_config(const struct xcp_inventory *inv)
{
	cJSON *c = cJSON_CreateObject();
	char target[256], *colon;

	snprintf(target, sizeof(target), "%s", inv->xi_sr_target);
	colon = strrchr(target, ':');
	if (colon != NULL)
		*colon++ = '\0';
	cJSON_AddStringToObject(c, "target", target);
	cJSON_AddStringToObject(c, "port", colon != NULL ? colon : "3260");
	cJSON_AddStringToObject(c, "targetIQN", inv->xi_sr_iqn);
	cJSON_AddStringToObject(c, "SCSIid", inv->xi_sr_scsiid);
	return c;
}

/* The suite's pool is the inventory's SR: its LUN is named there (a real
 * pool's portal is not the lab's). */
static int
xcp_storage_attach(struct driver *d, const struct drv_pool *pl,
    struct drv_task *t, char *err)
{
	struct xcp *x = d->d_priv;
	char ref[XAPI_REF_MAX], master[XAPI_REF_MAX];

	if (strcmp(pl->p_type, "iscsi") != 0)
		return err_set(err, "pool %s: type %s: the driver attaches "
		    "iscsi pools only (SR type lvmoiscsi)", pl->p_name,
		    pl->p_type);
	switch (xcp_find(d, "SR", x->inv.xi_sr, ref, err)) {
	case -1:
		return -1;
	case 1:
		t->t_reused = 1;
		t->t_done = 1;
		return 0;
	}
	if (xcp_master(d, master, err) == -1)
		return -1;
	return xcp_call_task(d, "Async.SR.create", xcp_args("sjissssbj",
	    master, xcp_sr_config(&x->inv), 0LL, x->inv.xi_sr,
	    "hvlab shared storage", "lvmoiscsi", "user", 1,
	    cJSON_CreateObject()), t, err);
}

/* PBD pbd plugs the SR into host: 1 attached there, 0 not, -1. */
static int
xcp_pbd_on(struct driver *d, const char *pbd, const char *host, char *err)
{
	const char *h = NULL;
	cJSON *r = NULL;
	int rc = 0;

	if (xcp_call(d, "PBD.get_record", xcp_args("s", pbd), &r, err) == -1)
		return -1;
	if (json_get_string(r, "host", JSON_REQUIRED, &h, err) == -1)
		rc = err_prefix(err, "PBD.get_record");
	else if (strcmp(h, host) == 0)
		rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "currently_attached")) ? 1 : 0;
	cJSON_Delete(r);
	return rc;
}

static int
xcp_storage_check(struct driver *d, const struct drv_pool *pl,
    const char *host, char *err)
{
	struct xcp *x = d->d_priv;
	char sr[XAPI_REF_MAX], h[XAPI_REF_MAX];
	const cJSON *it;
	cJSON *l = NULL;
	int on = 0;

	(void)pl;
	if (xcp_need(d, "SR", x->inv.xi_sr, sr, err) == -1 ||
	    xcp_need(d, "host", host, h, err) == -1 ||
	    xcp_call(d, "SR.get_PBDs", xcp_args("s", sr), &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL))
		if (on == 0 && cJSON_IsString(it))
			on = xcp_pbd_on(d, it->valuestring, h, err);
	cJSON_Delete(l);
	if (on == 0)
		return err_set(err, "SR %s is not attached on %s (no plugged "
		    "PBD)", x->inv.xi_sr, host);
	return on == 1 ? 0 : -1;
}

static int
xcp_config_check(char *err)
{
	return xcpng_config_check(stderr, err);
}

const struct driver_ops xcpng_driver_ops = {
	.name = "xcpng",
	.unsupported_reason = "not in the xcpng driver yet",
	.reasons = xcp_reasons,
	.mgmt_port = NULL,
	.open = xcp_open,
	.close = xcp_close,
	.host_install = xcp_host_install,
	.cluster_form = xcp_cluster_form,
	.cluster_info = xcp_cluster_info,
	.node_info = xcp_node_info,
	.platform_version = xcp_platform_version,
	.storage_attach = xcp_storage_attach,
	.storage_check = xcp_storage_check,
	.network_apply = xcp_network_apply,
	.vm_create = xcp_vm_create,
	.vm_start = xcp_vm_start,
	.vm_stop = xcp_vm_stop,
	.vm_delete = xcp_vm_delete,
	.vm_info = xcp_vm_info,
	.vm_migrate = xcp_vm_migrate,
	.snapshot_create = xcp_snapshot_create,
	.snapshot_rollback = xcp_snapshot_rollback,
	.snapshot_delete = xcp_snapshot_delete,
	.clone = xcp_clone,
	.template_make = xcp_template_make,
	.vm_export = xcp_vm_export,
	.vm_import = xcp_vm_import,
	.ha_enable = xcp_ha_enable,
	.ha_disable = xcp_ha_disable,
	.ha_status = xcp_ha_status,
	.metrics = xcp_metrics,
	.vm_cpu = xcp_vm_cpu,
	.task_status = xcp_task_status,
	.config_check = xcp_config_check,
};
