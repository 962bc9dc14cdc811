/*
 * xcpng_vm.c - the xcpng driver's VM operations over XAPI: VM.create with
 * the fields the datamodel requires of a new VM, its disk (VDI.create,
 * VBD.create) and NIC (VIF.create); power (Async.VM.start,
 * clean_shutdown, hard_shutdown), VM.destroy with its disks, live
 * migration within the pool (Async.VM.pool_migrate), and the tasks the
 * Async.* calls answer with.  VMs are found by name_label (xcp_find).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/xcpng_priv.h"

#define MIB (1024LL * 1024LL)

/* The string map {k1: v1, ...} of NULL-terminated pairs. */
static cJSON *
xcp_map(const char *const *kv)
{
	cJSON *m = cJSON_CreateObject();

	for (; m != NULL && kv != NULL && kv[0] != NULL; kv += 2)
		cJSON_AddStringToObject(m, kv[0], kv[1]);
	return m;
}

/* The VM record VM.create takes: the datamodel's fields without a
 * default (and a few with one, which older XAPIs require too), and the
 * guest's boot (a kernel of dom0's, or BIOS). */
static cJSON *
xcp_vm_record(const struct drv_vm_spec *s, const char *affinity)
{
	static const char *const hvm[] = { "order", "cd", NULL };
	static const char *const plat[] = { "acpi", "1", "apic", "true",
		"pae", "true", "viridian", "false", NULL };
	long long mem = (s->v_memory_mib > 0 ? s->v_memory_mib : 128) * MIB;
	int cpus = s->v_vcpus > 0 ? s->v_vcpus : 1, pv = s->v_kernel != NULL;
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "name_label", s->v_name);
	cJSON_AddStringToObject(r, "name_description", "made by hvlab");
	cJSON_AddNumberToObject(r, "user_version", 1);
	cJSON_AddBoolToObject(r, "is_a_template", 0);
	cJSON_AddStringToObject(r, "affinity", affinity);
	cJSON_AddNumberToObject(r, "memory_static_max", (double)mem);
	cJSON_AddNumberToObject(r, "memory_dynamic_max", (double)mem);
	cJSON_AddNumberToObject(r, "memory_dynamic_min", (double)mem);
	cJSON_AddNumberToObject(r, "memory_static_min", (double)mem);
	cJSON_AddItemToObject(r, "VCPUs_params", xcp_map(NULL));
	cJSON_AddNumberToObject(r, "VCPUs_max", cpus);
	cJSON_AddNumberToObject(r, "VCPUs_at_startup", cpus);
	cJSON_AddStringToObject(r, "actions_after_shutdown", "destroy");
	cJSON_AddStringToObject(r, "actions_after_reboot", "restart");
	cJSON_AddStringToObject(r, "actions_after_crash", "restart");
	cJSON_AddStringToObject(r, "PV_bootloader", "");
	cJSON_AddStringToObject(r, "PV_kernel", pv ? s->v_kernel : "");
	cJSON_AddStringToObject(r, "PV_ramdisk", pv && s->v_initrd ?
	    s->v_initrd : "");
	cJSON_AddStringToObject(r, "PV_args", pv && s->v_cmdline ?
	    s->v_cmdline : "");
	cJSON_AddStringToObject(r, "PV_bootloader_args", "");
	cJSON_AddStringToObject(r, "PV_legacy_args", "");
	cJSON_AddStringToObject(r, "HVM_boot_policy", pv ? "" : "BIOS order");
	cJSON_AddItemToObject(r, "HVM_boot_params", xcp_map(pv ? NULL : hvm));
	cJSON_AddItemToObject(r, "platform", xcp_map(pv ? NULL : plat));
	cJSON_AddStringToObject(r, "PCI_bus", "");
	cJSON_AddItemToObject(r, "other_config", xcp_map(NULL));
	cJSON_AddStringToObject(r, "recommendations", "");
	cJSON_AddNumberToObject(r, "HVM_shadow_multiplier", 1.0);
	cJSON_AddItemToObject(r, "xenstore_data", xcp_map(NULL));
	cJSON_AddItemToObject(r, "tags", cJSON_CreateArray());
	return r;
}

/* A disk of mib MiB on the inventory's SR, the VM's first. */
static int
xcp_vm_disk(struct driver *d, const char *vm, const char *name, int mib,
    char *err)
{
	struct xcp *x = d->d_priv;
	char sr[XAPI_REF_MAX], vdi[XAPI_REF_MAX], vbd[XAPI_REF_MAX];
	cJSON *r;

	if (xcp_need(d, "SR", x->inv.xi_sr, sr, err) == -1)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name_label", name);
	cJSON_AddStringToObject(r, "name_description", "made by hvlab");
	cJSON_AddStringToObject(r, "SR", sr);
	cJSON_AddNumberToObject(r, "virtual_size", (double)((mib > 0 ? mib :
	    64) * MIB));
	cJSON_AddStringToObject(r, "type", "user");
	cJSON_AddBoolToObject(r, "sharable", 0);
	cJSON_AddBoolToObject(r, "read_only", 0);
	cJSON_AddItemToObject(r, "other_config", xcp_map(NULL));
	cJSON_AddItemToObject(r, "xenstore_data", xcp_map(NULL));
	cJSON_AddItemToObject(r, "sm_config", xcp_map(NULL));
	cJSON_AddItemToObject(r, "tags", cJSON_CreateArray());
	if (xcp_call_ref(d, "VDI.create", xcp_args("j", r), vdi, err) == -1)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "VM", vm);
	cJSON_AddStringToObject(r, "VDI", vdi);
	cJSON_AddStringToObject(r, "userdevice", "0");
	cJSON_AddBoolToObject(r, "bootable", 1);
	cJSON_AddStringToObject(r, "mode", "RW");
	cJSON_AddStringToObject(r, "type", "Disk");
	cJSON_AddBoolToObject(r, "empty", 0);
	cJSON_AddItemToObject(r, "other_config", xcp_map(NULL));
	cJSON_AddStringToObject(r, "qos_algorithm_type", "");
	cJSON_AddItemToObject(r, "qos_algorithm_params", xcp_map(NULL));
	return xcp_call_ref(d, "VBD.create", xcp_args("j", r), vbd, err);
}

/* The VM's NIC on the inventory's network, or on VLAN vlan's (made by
 * network_apply). */
static int
xcp_vm_nic(struct driver *d, const char *vm, int vlan, char *err)
{
	struct xcp *x = d->d_priv;
	char net[XAPI_REF_MAX], name[64], vif[XAPI_REF_MAX];
	cJSON *r;

	snprintf(name, sizeof(name), "hvlab VLAN %d", vlan);
	if (xcp_need(d, "network", vlan > 0 ? name : x->inv.xi_network, net,
	    err) == -1)
		return -1;
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "device", "0");
	cJSON_AddStringToObject(r, "network", net);
	cJSON_AddStringToObject(r, "VM", vm);
	cJSON_AddStringToObject(r, "MAC", "");
	cJSON_AddNumberToObject(r, "MTU", 1500);
	cJSON_AddItemToObject(r, "other_config", xcp_map(NULL));
	cJSON_AddStringToObject(r, "qos_algorithm_type", "");
	cJSON_AddItemToObject(r, "qos_algorithm_params", xcp_map(NULL));
	return xcp_call_ref(d, "VIF.create", xcp_args("j", r), vif, err);
}

int
xcp_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err)
{
	char host[XAPI_REF_MAX] = XCP_NULL_REF, vm[XAPI_REF_MAX];

	if (s->v_boot_image != NULL) {
		err_set(err, "VM %s: a disk from an image file on the hosts "
		    "needs the host's shell (XAPI takes images through "
		    "/import_raw_vdi from the client)", s->v_name);
		return DRIVER_UNSUPPORTED;
	}
	if (s->v_host != NULL && xcp_need(d, "host", s->v_host, host, err) ==
	    -1)
		return -1;
	if (xcp_call_ref(d, "VM.create", xcp_args("j", xcp_vm_record(s,
	    host)), vm, err) == -1)
		return -1;
	if ((s->v_pool != NULL && xcp_vm_disk(d, vm, s->v_name, s->v_disk_mib,
	    err) == -1) || xcp_vm_nic(d, vm, s->v_vlan, err) == -1)
		return err_prefix(err, "VM %s", s->v_name);
	t->t_done = 1;
	return 0;
}

/* An Async.VM.* call on the VM named vm, with args after it. */
static int
xcp_vm_async(struct driver *d, const char *method, const char *vm,
    cJSON *args, struct drv_task *t, char *err)
{
	char ref[XAPI_REF_MAX];
	cJSON *s;

	if (args == NULL || xcp_need(d, "VM", vm, ref, err) == -1) {
		cJSON_Delete(args);
		return args == NULL ? err_set(err, "out of memory") : -1;
	}
	if ((s = cJSON_CreateString(ref)) == NULL ||
	    !cJSON_InsertItemInArray(args, 0, s)) {
		cJSON_Delete(s);
		cJSON_Delete(args);
		return err_set(err, "out of memory");
	}
	return xcp_call_task(d, method, args, t, err);
}

int
xcp_vm_start(struct driver *d, const char *vm, struct drv_task *t, char *err)
{
	/* start_paused false, force false */
	return xcp_vm_async(d, "Async.VM.start", vm, xcp_args("bb", 0, 0), t,
	    err);
}

int
xcp_vm_stop(struct driver *d, const char *vm, int force, struct drv_task *t,
    char *err)
{
	return xcp_vm_async(d, force ? "Async.VM.hard_shutdown" :
	    "Async.VM.clean_shutdown", vm, xcp_args(""), t, err);
}

/* The VDIs of ref's disks into vdis (a JSON array the caller frees). */
static int
xcp_vm_vdis(struct driver *d, const char *ref, cJSON *vdis, char *err)
{
	const char *vdi, *type;
	const cJSON *it;
	cJSON *vbds = NULL, *r;
	int rc = 0;

	if (xcp_call(d, "VM.get_VBDs", xcp_args("s", ref), &vbds, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(vbds) ? vbds : NULL)) {
		r = NULL;
		if (!cJSON_IsString(it) || xcp_call(d, "VBD.get_record",
		    xcp_args("s", it->valuestring), &r, err) == -1) {
			rc = -1;
			break;
		}
		vdi = type = NULL;
		if (json_get_string(r, "VDI", JSON_REQUIRED, &vdi, err) == 0 &&
		    json_get_string(r, "type", JSON_REQUIRED, &type, err) ==
		    0 && strcmp(type, "Disk") == 0 &&
		    strcmp(vdi, XCP_NULL_REF) != 0)
			cJSON_AddItemToArray(vdis, cJSON_CreateString(vdi));
		cJSON_Delete(r);
	}
	cJSON_Delete(vbds);
	return rc;
}

int
xcp_vm_destroy(struct driver *d, const char *ref, char *err)
{
	cJSON *vdis = cJSON_CreateArray();
	const cJSON *it;
	int rc = -1;

	if (vdis == NULL)
		return err_set(err, "out of memory");
	/* The disks are listed first: VM.destroy takes their VBDs along
	 * and leaves the VDIs, which would stay on the SR. */
	if (xcp_vm_vdis(d, ref, vdis, err) == -1 ||
	    xcp_call(d, "VM.destroy", xcp_args("s", ref), NULL, err) == -1)
		goto out;
	cJSON_ArrayForEach(it, vdis)
		if (xcp_call(d, "VDI.destroy", xcp_args("s", it->valuestring),
		    NULL, err) == -1)
			goto out;
	rc = 0;
out:
	cJSON_Delete(vdis);
	return rc;
}

int
xcp_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_vm_destroy(d, ref, err) == -1)
		return err_prefix(err, "VM %s", vm);
	t->t_done = 1;
	return 0;
}

/* power_state and current_operations -> the runner's state. */
static enum drv_vm_state
xcp_vm_state(const char *power, const cJSON *ops)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, (cJSON_IsObject(ops) ? ops : NULL))
		if (cJSON_IsString(it) && (strcmp(it->valuestring,
		    "pool_migrate") == 0 || strcmp(it->valuestring,
		    "migrate_send") == 0))
			return DRV_VM_MIGRATING;
	if (strcmp(power, "Running") == 0)
		return DRV_VM_RUNNING;
	if (strcmp(power, "Halted") == 0 || strcmp(power, "Suspended") == 0)
		return DRV_VM_STOPPED;
	if (strcmp(power, "Paused") == 0)
		return DRV_VM_PAUSED;
	return DRV_VM_UNKNOWN;
}

int
xcp_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	const char *power = NULL, *on = NULL, *aff = NULL, *host;
	char ref[XAPI_REF_MAX];
	cJSON *r = NULL;
	int rc = -1;

	memset(vi, 0, sizeof(*vi));
	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_call(d, "VM.get_record", xcp_args("s", ref), &r, err) == -1)
		return -1;
	if (json_get_string(r, "power_state", JSON_REQUIRED, &power, err) ==
	    -1 || json_get_string(r, "resident_on", JSON_REQUIRED, &on, err) ==
	    -1 || json_get_string(r, "affinity", JSON_REQUIRED, &aff, err) ==
	    -1) {
		err_prefix(err, "VM.get_record %s", vm);
		goto out;
	}
	vi->i_state = xcp_vm_state(power, cJSON_GetObjectItemCaseSensitive(r,
	    "current_operations"));
	/* A halted VM resides nowhere: it starts on its affinity host. */
	host = strcmp(on, XCP_NULL_REF) != 0 ? on : aff;
	rc = xcp_host_name(d, host, vi->i_host, sizeof(vi->i_host), err);
out:
	cJSON_Delete(r);
	return rc;
}

int
xcp_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err)
{
	static const char *const live[] = { "live", "true", NULL };
	char ref[XAPI_REF_MAX], host[XAPI_REF_MAX];

	if (xcp_need(d, "host", to, host, err) == -1)
		return -1;
	if (mode == DRV_MIGRATE_LIVE)
		return xcp_vm_async(d, "Async.VM.pool_migrate", vm,
		    xcp_args("sj", host, xcp_map(live)), t, err);
	/* On a shared SR a halted VM belongs to no host: moving it is
	 * naming where it starts next. */
	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_call(d, "VM.set_affinity", xcp_args("ss", ref, host), NULL,
	    err) == -1)
		return -1;
	t->t_done = 1;
	return 0;
}

/* A finished task's record into t: its result or its error. */
static void
xcp_task_done(const cJSON *r, const char *status, struct drv_task *t)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "result"),
	    *info = cJSON_GetObjectItemCaseSensitive(r, "error_info"), *it;
	char ref[XAPI_REF_MAX] = "";
	size_t off;

	t->t_done = 1;
	t->t_failed = strcmp(status, "success") != 0;
	if (!t->t_failed) {
		if (cJSON_IsString(res))
			xapi_result_ref(res->valuestring, ref, sizeof(ref));
		snprintf(t->t_status, sizeof(t->t_status), "success%s%s",
		    ref[0] ? " " : "", ref);
		return;
	}
	off = (size_t)snprintf(t->t_status, sizeof(t->t_status), "%s",
	    status);
	cJSON_ArrayForEach(it, (cJSON_IsArray(info) ? info : NULL))
		if (cJSON_IsString(it) && off < sizeof(t->t_status))
			off += (size_t)snprintf(t->t_status + off,
			    sizeof(t->t_status) - off, "%s%s", it ==
			    info->child ? ": " : ", ", it->valuestring);
}

int
xcp_task_status(struct driver *d, struct drv_task *t, char *err)
{
	const char *status = NULL;
	char e[ERR_LEN];
	cJSON *r = NULL;
	double p = -1;
	int rc = -1;

	if (xcp_call(d, "task.get_record", xcp_args("s", t->t_id), &r, err) ==
	    -1)
		return -1;
	if (json_get_string(r, "status", JSON_REQUIRED, &status, err) == -1 ||
	    json_get_double(r, "progress", JSON_OPTIONAL, &p, err) == -1) {
		err_prefix(err, "task.get_record %s", t->t_id);
		goto out;
	}
	t->t_progress = p;
	if (strcmp(status, "pending") == 0 ||
	    strcmp(status, "cancelling") == 0) {
		snprintf(t->t_status, sizeof(t->t_status), "%s", status);
		rc = 0;
		goto out;
	}
	xcp_task_done(r, status, t);
	/* Read: the task is of no more use, and XAPI keeps it until
	 * destroyed or collected; one it collected already is no error. */
	xcp_call(d, "task.destroy", xcp_args("s", t->t_id), NULL, e);
	rc = 0;
out:
	cJSON_Delete(r);
	return rc;
}
