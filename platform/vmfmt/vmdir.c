/*
 * vmdir.c - the directory an import makes and an export reads: vm.json
 * (the VM as the formats carry it) beside its disks.
 *
 * vm.json: {"name":S, "vcpus":N, "memory_mib":N, "disks":[{"file":S,
 * "format":S, "capacity":N}], "nics":[{"network":S, "model":S}]}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/vmfmt/vmfmt_priv.h"

cJSON *
vmfmt_json_head(const struct vmfmt_vm *vm)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", vm->vm_name);
	cJSON_AddNumberToObject(o, "vcpus", vm->vm_vcpus);
	cJSON_AddNumberToObject(o, "memory_mib", vm->vm_memory_mib);
	return o;
}

static cJSON *
vm_to_json(const struct vmfmt_vm *vm)
{
	cJSON *o = vmfmt_json_head(vm), *a, *e;
	int i;

	a = cJSON_AddArrayToObject(o, "disks");
	for (i = 0; i < vm->vm_ndisks; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "file", vm->vm_disks[i].vd_file);
		cJSON_AddStringToObject(e, "format", vm->vm_disks[i].vd_format);
		cJSON_AddNumberToObject(e, "capacity",
		    (double)vm->vm_disks[i].vd_capacity);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "nics");
	for (i = 0; i < vm->vm_nnics; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "network", vm->vm_nics[i].vn_network);
		cJSON_AddStringToObject(e, "model", vm->vm_nics[i].vn_model);
		cJSON_AddItemToArray(a, e);
	}
	return o;
}

int
vmfmt_vm_save(const char *dir, const struct vmfmt_vm *vm, char *err)
{
	char path[PATH_MAX];
	cJSON *o = vm_to_json(vm);
	int rc;

	snprintf(path, sizeof(path), "%s/vm.json", dir);
	rc = json_write_file(path, o, err);
	cJSON_Delete(o);
	return rc;
}

/* A string member into buf (len bytes), required. */
static int
get_str(const cJSON *o, const char *key, char *buf, size_t len, char *err)
{
	const char *s;

	if (json_get_string(o, key, JSON_REQUIRED, &s, err) < 0)
		return -1;
	if (strlen(s) >= len)
		return err_set(err, "'%s' is longer than %zu bytes", key,
		    len - 1);
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
disk_from_json(const cJSON *e, struct vmfmt_disk *d, char *err)
{
	static const char *const keys[] = { "file", "format", "capacity",
	    NULL };
	int64_t cap;

	if (!cJSON_IsObject(e))
		return err_set(err, "not an object");
	if (json_check_keys(e, keys, NULL, err) < 0 ||
	    get_str(e, "file", d->vd_file, sizeof(d->vd_file), err) < 0 ||
	    get_str(e, "format", d->vd_format, sizeof(d->vd_format), err) < 0 ||
	    json_get_int(e, "capacity", JSON_REQUIRED, &cap, err) < 0)
		return -1;
	if (vmfmt_name_check(d->vd_file, 0, err) < 0)
		return -1;
	if (vmfmt_format_find(d->vd_format) == NULL)
		return err_set(err, "'format' \"%s\" is not one of %s",
		    d->vd_format, vmfmt_format_names());
	if (cap <= 0)
		return err_set(err, "'capacity' must be positive");
	d->vd_capacity = cap;
	d->vd_size = -1;
	return 0;
}

static int
nic_from_json(const cJSON *e, struct vmfmt_nic *n, char *err)
{
	static const char *const keys[] = { "network", "model", NULL };

	if (!cJSON_IsObject(e))
		return err_set(err, "not an object");
	if (json_check_keys(e, keys, NULL, err) < 0 ||
	    get_str(e, "network", n->vn_network, sizeof(n->vn_network),
	    err) < 0 ||
	    get_str(e, "model", n->vn_model, sizeof(n->vn_model), err) < 0)
		return -1;
	return 0;
}

static int
vm_from_json(const cJSON *o, struct vmfmt_vm *vm, char *err)
{
	static const char *const keys[] = { "name", "vcpus", "memory_mib",
	    "disks", "nics", NULL };
	const cJSON *disks, *nics, *e;
	int64_t v, m;

	memset(vm, 0, sizeof(*vm));
	if (json_check_keys(o, keys, NULL, err) < 0 ||
	    get_str(o, "name", vm->vm_name, sizeof(vm->vm_name), err) < 0 ||
	    json_get_int(o, "vcpus", JSON_REQUIRED, &v, err) < 0 ||
	    json_get_int(o, "memory_mib", JSON_REQUIRED, &m, err) < 0 ||
	    json_get_array(o, "disks", JSON_REQUIRED, &disks, err) < 0 ||
	    json_get_array(o, "nics", JSON_REQUIRED, &nics, err) < 0)
		return -1;
	if (v < 1 || v > 64 || m < 16 || m > 1048576)
		return err_set(err, "'vcpus' must be 1..64 and 'memory_mib' "
		    "16..1048576");
	vm->vm_vcpus = (int)v;
	vm->vm_memory_mib = (int)m;
	if (cJSON_GetArraySize(disks) > VMFMT_MAX_DISKS ||
	    cJSON_GetArraySize(nics) > VMFMT_MAX_NICS)
		return err_set(err, "more than %d disks or %d NICs",
		    VMFMT_MAX_DISKS, VMFMT_MAX_NICS);
	cJSON_ArrayForEach(e, disks)
		if (disk_from_json(e, &vm->vm_disks[vm->vm_ndisks++], err) < 0)
			return err_prefix(err, "disks[%d]", vm->vm_ndisks - 1);
	cJSON_ArrayForEach(e, nics)
		if (nic_from_json(e, &vm->vm_nics[vm->vm_nnics++], err) < 0)
			return err_prefix(err, "nics[%d]", vm->vm_nnics - 1);
	return 0;
}

int
vmfmt_vm_load(const char *dir, struct vmfmt_vm *vm, char *err)
{
	char path[PATH_MAX];
	cJSON *o;
	int rc;

	snprintf(path, sizeof(path), "%s/vm.json", dir);
	if ((o = json_parse_file(path, 1 << 20, err)) == NULL)
		return -1;
	if (!cJSON_IsObject(o))
		rc = err_set(err, "not a JSON object");
	else
		rc = vm_from_json(o, vm, err);
	cJSON_Delete(o);
	return rc < 0 ? err_prefix(err, "%s", path) : 0;
}
