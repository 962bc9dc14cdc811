/*
 * proxmox_vm.c - the proxmox driver's VM operations over /nodes/NODE/qemu
 * (create, power, delete, migrate, snapshots, clone, template), vzdump
 * backup and restore, the tasks (UPIDs) they answer with, HA resources,
 * node metrics and a VM's CPU series (rrddata).  VMs are found by name (pve_vm_find); Proxmox numbers
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "scenarios/drivers/proxmox_priv.h"

#define PVE_TASK_LOG_LIMIT "5000"
#define PVE_WAIT_NS (3600ULL * NS_PER_S)
#define PVE_PARAMS_MAX 16

/* A parameter list built one entry at a time. */
struct pve_plist {
	struct pve_param pl_p[PVE_PARAMS_MAX + 1];
	size_t pl_n;
};

static void
pve_add(struct pve_plist *l, const char *name, const char *value)
{
	if (l->pl_n < PVE_PARAMS_MAX && value != NULL) {
		l->pl_p[l->pl_n].pp_name = name;
		l->pl_p[l->pl_n++].pp_value = value;
	}
	l->pl_p[l->pl_n].pp_name = NULL;
}

/* "/nodes/NODE/qemu/ID" + suffix into buf. */
static const char *
pve_vm_path(char *buf, size_t len, const struct pve_vm *vm,
    const char *suffix)
{
	snprintf(buf, len, "/nodes/%s/qemu/%s%s", vm->vm_node, vm->vm_id,
	    suffix);
	return buf;
}

/* The VM's disk, NIC and kernel arguments as qemu-server takes them. */
struct pve_vm_words {
	char w_mem[16], w_cores[16], w_net[160], w_disk[1200], w_args[2048];
};

static void
pve_vm_words(const struct pve *p, const struct drv_vm_spec *s,
    struct pve_vm_words *w)
{
	int n;

	snprintf(w->w_mem, sizeof(w->w_mem), "%d", s->v_memory_mib > 0 ?
	    s->v_memory_mib : 128);
	snprintf(w->w_cores, sizeof(w->w_cores), "%d", s->v_vcpus > 0 ?
	    s->v_vcpus : 1);
	n = snprintf(w->w_net, sizeof(w->w_net), "virtio,bridge=%s",
	    p->inv.pi_bridge);
	if (s->v_vlan > 0)
		snprintf(w->w_net + n, sizeof(w->w_net) - (size_t)n,
		    ",tag=%d", s->v_vlan);
	w->w_disk[0] = w->w_args[0] = '\0';
	if (s->v_boot_image != NULL)
		snprintf(w->w_disk, sizeof(w->w_disk), "%s:0,import-from=%s",
		    p->inv.pi_storage, s->v_boot_image);
	else if (s->v_pool != NULL)
		snprintf(w->w_disk, sizeof(w->w_disk), "%s:%d",
		    p->inv.pi_storage, s->v_disk_mib > 0 ?
		    (s->v_disk_mib + 1023) / 1024 : 1);
	/* Direct kernel boot and the guest's words go through QEMU's own
	 * arguments: qemu-server has no option for either. */
	if (s->v_kernel != NULL)
		snprintf(w->w_args, sizeof(w->w_args), "-kernel %s%s%s "
		    "-append '%s'", s->v_kernel, s->v_initrd ? " -initrd " :
		    "", s->v_initrd ? s->v_initrd : "", s->v_cmdline ?
		    s->v_cmdline : "");
	else if (s->v_cmdline != NULL)
		snprintf(w->w_args, sizeof(w->w_args), "-smbios "
		    "type=11,value=%s", s->v_cmdline);
}

int
pve_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err)
{
	struct pve *p = d->d_priv;
	struct pve_plist l = { 0 };
	struct pve_vm_words w;
	char node[DRV_NAME_MAX], id[16], path[160];

	if (s->v_host != NULL)
		snprintf(node, sizeof(node), "%s", s->v_host);
	else if (pve_any_node(d, node, sizeof(node), err) == -1)
		return -1;
	if (pve_nextid(d, id, sizeof(id), err) == -1)
		return -1;
	pve_vm_words(p, s, &w);
	pve_add(&l, "vmid", id);
	pve_add(&l, "name", s->v_name);
	pve_add(&l, "memory", w.w_mem);
	pve_add(&l, "cores", w.w_cores);
	pve_add(&l, "ostype", "l26");
	pve_add(&l, "net0", w.w_net);
	if (w.w_disk[0] != '\0') {
		pve_add(&l, "scsihw", "virtio-scsi-pci");
		pve_add(&l, "scsi0", w.w_disk);
	}
	if (w.w_args[0] != '\0')
		pve_add(&l, "args", w.w_args);
	snprintf(path, sizeof(path), "/nodes/%s/qemu", node);
	return pve_call_task(d, "POST", path, l.pl_p, t, err);
}

/* POST /nodes/NODE/qemu/ID/SUFFIX with params, a task. */
static int
pve_vm_post(struct driver *d, const char *vm, const char *suffix,
    const struct pve_param *params, struct drv_task *t, char *err)
{
	struct pve_vm v;
	char path[256];

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	return pve_call_task(d, "POST", pve_vm_path(path, sizeof(path), &v,
	    suffix), params, t, err);
}

int
pve_vm_start(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	return pve_vm_post(d, vm, "/status/start", NULL, t, err);
}

int
pve_vm_stop(struct driver *d, const char *vm, int force, struct drv_task *t,
    char *err)
{
	return pve_vm_post(d, vm, force ? "/status/stop" : "/status/shutdown",
	    NULL, t, err);
}

int
pve_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	const struct pve_param q[] = { { "purge", "1" },
		{ "destroy-unreferenced-disks", "1" }, { NULL, NULL } };
	struct pve_vm v;
	char path[160];

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	return pve_call_task(d, "DELETE", pve_vm_path(path, sizeof(path), &v,
	    ""), q, t, err);
}

int
pve_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	const char *st = NULL, *lock = NULL;
	struct pve_vm v;
	char path[200];
	cJSON *c = NULL;
	int rc = -1;

	memset(vi, 0, sizeof(*vi));
	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	if (pve_call(d, "GET", pve_vm_path(path, sizeof(path), &v,
	    "/status/current"), NULL, &c, err) == -1)
		return -1;
	if (json_get_string(c, "status", JSON_REQUIRED, &st, err) == -1 ||
	    json_get_string(c, "lock", JSON_OPTIONAL, &lock, err) == -1) {
		err_prefix(err, "GET %s", path);
		goto out;
	}
	vi->i_state = strcmp(st, "running") == 0 ? DRV_VM_RUNNING :
	    strcmp(st, "stopped") == 0 ? DRV_VM_STOPPED : DRV_VM_UNKNOWN;
	if (lock != NULL && strcmp(lock, "migrate") == 0)
		vi->i_state = DRV_VM_MIGRATING;
	snprintf(vi->i_host, sizeof(vi->i_host), "%s", v.vm_node);
	rc = 0;
out:
	cJSON_Delete(c);
	return rc;
}

int
pve_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err)
{
	const struct pve_param live[] = { { "target", to }, { "online", "1" },
		{ NULL, NULL } };
	const struct pve_param off[] = { { "target", to }, { NULL, NULL } };

	return pve_vm_post(d, vm, "/migrate", mode == DRV_MIGRATE_LIVE ?
	    live : off, t, err);
}

/* The finished task's log: a migration's downtime, a backup's archive
 * (into archive, when not NULL). */
static int
pve_task_log(struct driver *d, const struct pve_upid *u, struct drv_task *t,
    char *archive, size_t alen, char *err)
{
	const struct pve_param q[] = { { "start", "0" },
		{ "limit", PVE_TASK_LOG_LIMIT }, { NULL, NULL } };
	const char *line;
	const cJSON *it;
	char path[DRV_TASK_ID_MAX + 96];
	cJSON *l = NULL;
	double ms;

	snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/log", u->u_node,
	    t->t_id);
	if (pve_call(d, "GET", path, q, &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		line = NULL;
		if (json_get_string(it, "t", JSON_OPTIONAL, &line, err) == -1 ||
		    line == NULL)
			continue;
		if (pve_tasklog_downtime(line, &ms))
			t->t_downtime_ms = ms;
		if (archive != NULL)
			pve_tasklog_archive(line, archive, alen);
	}
	cJSON_Delete(l);
	return 0;
}

int
pve_task_status(struct driver *d, struct drv_task *t, char *err)
{
	const char *st = NULL, *exit = "";
	char path[DRV_TASK_ID_MAX + 96];
	struct pve_upid u;
	cJSON *s = NULL;
	int rc = -1;

	if (pve_upid_parse(t->t_id, &u, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/status", u.u_node,
	    t->t_id);
	if (pve_call(d, "GET", path, NULL, &s, err) == -1)
		return -1;
	if (json_get_string(s, "status", JSON_REQUIRED, &st, err) == -1 ||
	    json_get_string(s, "exitstatus", JSON_OPTIONAL, &exit, err) ==
	    -1) {
		err_prefix(err, "GET %s", path);
		goto out;
	}
	snprintf(t->t_status, sizeof(t->t_status), "%s%s%s", st,
	    exit[0] ? ": " : "", exit);
	if (strcmp(st, "stopped") == 0) {
		t->t_done = 1;
		t->t_failed = strcmp(exit, "OK") != 0;
		if (strcmp(u.u_type, "qmigrate") == 0 &&
		    pve_task_log(d, &u, t, NULL, 0, err) == -1)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(s);
	return rc;
}

int
pve_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err)
{
	const struct pve_param q[] = { { "snapname", snap },
		{ "vmstate", with_ram ? "1" : "0" }, { NULL, NULL } };

	return pve_vm_post(d, vm, "/snapshot", q, t, err);
}

int
pve_snapshot_rollback(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	char suffix[128];

	snprintf(suffix, sizeof(suffix), "/snapshot/%s/rollback", snap);
	return pve_vm_post(d, vm, suffix, NULL, t, err);
}

int
pve_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	struct pve_vm v;
	char path[256], suffix[128];

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	snprintf(suffix, sizeof(suffix), "/snapshot/%s", snap);
	return pve_call_task(d, "DELETE", pve_vm_path(path, sizeof(path), &v,
	    suffix), NULL, t, err);
}

int
pve_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err)
{
	struct pve_plist l = { 0 };
	char id[16];

	if (pve_nextid(d, id, sizeof(id), err) == -1)
		return -1;
	pve_add(&l, "newid", id);
	pve_add(&l, "name", nv->v_name);
	pve_add(&l, "full", linked ? "0" : "1");
	pve_add(&l, "target", nv->v_host);
	return pve_vm_post(d, vm, "/clone", l.pl_p, t, err);
}

int
pve_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	struct pve_vm v;
	char path[160];

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	if (pve_call(d, "POST", pve_vm_path(path, sizeof(path), &v,
	    "/template"), NULL, NULL, err) == -1)
		return -1;
	t->t_done = 1;
	return 0;
}

/*
 * vzdump of b_vm to the inventory's backup storage (b_target, when given,
 * is a storage ID), waited for here: the backup's id is the archive's
 * volume ("STORAGE:backup/vzdump-qemu-..."), which only its log names.
 * vzdump to a storage writes whole archives: incremental backups need a
 * Proxmox Backup Server.
 */
int
pve_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err)
{
	struct pve *p = d->d_priv;
	const char *st = b->b_target != NULL ? b->b_target :
	    p->inv.pi_backup_storage;
	struct pve_vm v;
	struct pve_upid u;
	char path[160], file[512] = "";
	const struct pve_param q[] = { { "vmid", v.vm_id }, { "storage", st },
		{ "mode", "snapshot" }, { "compress", "zstd" },
		{ NULL, NULL } };

	if (b->b_incremental)
		return err_set(err, "proxmox: vzdump to storage %s writes "
		    "whole archives; incremental backups need a Proxmox "
		    "Backup Server", st), DRIVER_UNSUPPORTED;
	if (pve_vm_need(d, b->b_vm, &v, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/nodes/%s/vzdump", v.vm_node);
	if (pve_call_task(d, "POST", path, q, t, err) == -1 ||
	    driver_task_wait(d, t, PVE_WAIT_NS, NULL, err) == -1 ||
	    pve_upid_parse(t->t_id, &u, err) == -1 ||
	    pve_task_log(d, &u, t, file, sizeof(file), err) == -1)
		return -1;
	if (file[0] == '\0')
		return err_set(err, "vzdump of %s: its log names no archive",
		    b->b_vm);
	snprintf(b->b_id, sizeof(b->b_id), "%s:backup/%s", st, file);
	return 0;
}

/* Restore backup_id as a new VM, waited for, then named nv->v_name: the
 * archive brings the old VM's name along. */
int
pve_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	struct pve *p = d->d_priv;
	struct pve_vm v = { .vm_id = "" };
	char path[200];
	const struct pve_param q[] = { { "vmid", v.vm_id },
		{ "archive", backup_id }, { "storage", p->inv.pi_storage },
		{ "unique", "1" }, { NULL, NULL } };
	const struct pve_param name[] = { { "name", nv->v_name },
		{ NULL, NULL } };

	if (pve_any_node(d, v.vm_node, sizeof(v.vm_node), err) == -1 ||
	    pve_nextid(d, v.vm_id, sizeof(v.vm_id), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/nodes/%s/qemu", v.vm_node);
	if (pve_call_task(d, "POST", path, q, t, err) == -1 ||
	    driver_task_wait(d, t, PVE_WAIT_NS, NULL, err) == -1)
		return -1;
	return pve_call(d, "POST", pve_vm_path(path, sizeof(path), &v,
	    "/config"), name, NULL, err);
}

int
pve_ha_enable(struct driver *d, const char *vm, char *err)
{
	struct pve_vm v;
	char sid[32];
	const struct pve_param q[] = { { "sid", sid }, { "state", "started" },
		{ NULL, NULL } };

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	snprintf(sid, sizeof(sid), "vm:%s", v.vm_id);
	return pve_call(d, "POST", "/cluster/ha/resources", q, NULL, err);
}

int
pve_ha_disable(struct driver *d, const char *vm, char *err)
{
	struct pve_vm v;
	char path[64];

	if (pve_vm_need(d, vm, &v, err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/cluster/ha/resources/vm:%s", v.vm_id);
	return pve_call(d, "DELETE", path, NULL, NULL, err);
}

/* One entry of /cluster/ha/status/current into hs (the master, and the
 * service of sid). */
static int
pve_ha_entry(const cJSON *it, const char *sid, struct drv_ha_status *hs,
    char *err)
{
	const char *type = NULL, *node = "", *s = NULL, *state = "";

	if (json_get_string(it, "type", JSON_REQUIRED, &type, err) == -1 ||
	    json_get_string(it, "node", JSON_OPTIONAL, &node, err) == -1 ||
	    json_get_string(it, "sid", JSON_OPTIONAL, &s, err) == -1 ||
	    json_get_string(it, "state", JSON_OPTIONAL, &state, err) == -1)
		return -1;
	if (strcmp(type, "master") == 0)
		snprintf(hs->hs_manager, sizeof(hs->hs_manager), "%s", node);
	if (strcmp(type, "service") != 0 || s == NULL || sid == NULL ||
	    strcmp(s, sid) != 0)
		return 0;
	hs->hs_found = 1;
	snprintf(hs->hs_state, sizeof(hs->hs_state), "%s", state);
	snprintf(hs->hs_node, sizeof(hs->hs_node), "%s", node);
	hs->hs_running = strcmp(state, "started") == 0;
	return 0;
}

int
pve_ha_status(struct driver *d, const char *vm, struct drv_ha_status *hs,
    char *err)
{
	char sid[32];
	const cJSON *it;
	struct pve_vm v;
	cJSON *l = NULL;
	int rc = 0;

	memset(hs, 0, sizeof(*hs));
	hs->hs_fence_s = -1;
	sid[0] = '\0';
	if (vm != NULL) {
		if (pve_vm_need(d, vm, &v, err) == -1)
			return -1;
		snprintf(sid, sizeof(sid), "vm:%s", v.vm_id);
	}
	if (pve_call(d, "GET", "/cluster/ha/status/current", NULL, &l, err) ==
	    -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL))
		if (pve_ha_entry(it, vm ? sid : NULL, hs, err) == -1) {
			rc = err_prefix(err, "GET /cluster/ha/status/current");
			break;
		}
	cJSON_Delete(l);
	return rc;
}

/* rrddata's last hour, one point a minute, each a minute's average. */
static const struct pve_param pve_rrd_hour[] = { { "timeframe", "hour" },
	{ "cf", "AVERAGE" }, { NULL, NULL } };

/* The newest rrddata sample of node into out (cpu ratio, memory used). */
static int
pve_node_metrics(struct driver *d, const char *node, struct drv_metric *out,
    size_t *n, char *err)
{
	const struct pve_param *q = pve_rrd_hour;
	const cJSON *last;
	char path[160];
	cJSON *l = NULL;
	double cpu = -1, mem = -1;

	snprintf(path, sizeof(path), "/nodes/%s/rrddata", node);
	if (pve_call(d, "GET", path, q, &l, err) == -1)
		return -1;
	last = cJSON_IsArray(l) ? cJSON_GetArrayItem(l,
	    cJSON_GetArraySize(l) - 1) : NULL;
	json_get_double(last, "cpu", JSON_OPTIONAL, &cpu, err);
	json_get_double(last, "memused", JSON_OPTIONAL, &mem, err);
	cJSON_Delete(l);
	if (cpu >= 0) {
		snprintf(out[*n].m_name, sizeof(out[*n].m_name),
		    "node_cpu_ratio");
		snprintf(out[*n].m_subject, sizeof(out[*n].m_subject), "%s",
		    node);
		out[(*n)++].m_value = cpu;
	}
	if (mem >= 0) {
		snprintf(out[*n].m_name, sizeof(out[*n].m_name),
		    "node_memory_used_bytes");
		snprintf(out[*n].m_subject, sizeof(out[*n].m_subject), "%s",
		    node);
		out[(*n)++].m_value = mem;
	}
	return 0;
}

int
pve_metrics(struct driver *d, struct drv_metric **out, size_t *n, char *err)
{
	const struct drv_env *env = d->d_env;
	size_t i, nh = env != NULL ? env->e_nhosts : 0;
	char node[DRV_NAME_MAX];

	*n = 0;
	if ((*out = calloc(2 * (nh ? nh : 1), sizeof(**out))) == NULL)
		return err_set(err, "out of memory");
	if (nh == 0) {
		if (pve_any_node(d, node, sizeof(node), err) == -1 ||
		    pve_node_metrics(d, node, *out, n, err) == -1)
			goto fail;
		return 0;
	}
	for (i = 0; i < nh; i++)
		if (pve_node_metrics(d, env->e_hosts[i].h_name, *out, n, err) ==
		    -1)
			goto fail;
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int
pve_rrd_cores(const cJSON *rows, double since, struct drv_point *out,
    size_t *n, char *err)
{
	const cJSON *it;
	double t, cpu, maxcpu;
	size_t i = 0;

	*n = 0;
	if (!cJSON_IsArray(rows))
		return err_set(err, "rrddata is no list of points");
	cJSON_ArrayForEach(it, rows) {
		cpu = maxcpu = -1;
		if (json_get_double(it, "time", JSON_REQUIRED, &t, err) == -1 ||
		    json_get_double(it, "cpu", JSON_OPTIONAL, &cpu, err) == -1 ||
		    json_get_double(it, "maxcpu", JSON_OPTIONAL, &maxcpu, err) ==
		    -1)
			return err_prefix(err, "rrddata point %zu", i);
		i++;
		/* A stopped VM's points have no cpu: no reading, never 0.
		 * A point not after the last kept one would break the
		 * series' order. */
		if (cpu < 0 || maxcpu <= 0 || t < since ||
		    (*n > 0 && t <= out[*n - 1].pt_t))
			continue;
		out[*n].pt_t = t;
		out[(*n)++].pt_v = cpu * maxcpu;
	}
	return 0;
}

/* The VM's rrddata of the last hour: Proxmox keeps a VM's CPU a minute a
 * point, so the series has that resolution, whatever the caller polls. */
int
pve_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err)
{
	struct pve_vm v;
	char path[200];
	cJSON *l = NULL;
	int rc = -1;

	*pts = NULL;
	*n = 0;
	if (pve_vm_need(d, vm, &v, err) == -1 || pve_call(d, "GET",
	    pve_vm_path(path, sizeof(path), &v, "/rrddata"), pve_rrd_hour, &l,
	    err) == -1)
		return -1;
	if ((*pts = calloc((size_t)cJSON_GetArraySize(l) + 1,
	    sizeof(**pts))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (pve_rrd_cores(l, since, *pts, n, err) == -1) {
		err_prefix(err, "GET %s", path);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(*pts);
		*pts = NULL;
		*n = 0;
	}
	cJSON_Delete(l);
	return rc;
}
