/*
 * vmconf.c - a VM as the formats carry it, to and from hvd's VM config:
 * a network "vlanN" is VLAN tag N, any other network untagged; disks
 * become volumes of a pool.  Linked by hvd only (hvctl's image commands
 * need no VM config).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

int
vmfmt_network_vlan(const char *network)
{
	char *end;
	long v;

	if (strncmp(network, "vlan", 4) != 0 || network[4] < '1' ||
	    network[4] > '9')
		return 0;
	v = strtol(network + 4, &end, 10);
	return *end == '\0' && v >= 1 && v <= 4094 ? (int)v : 0;
}

void
vmfmt_vm_from_config(const struct vm_config *c, struct vmfmt_vm *vm)
{
	int i;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->vm_name, sizeof(vm->vm_name), "%s", c->name);
	vm->vm_vcpus = c->vcpus;
	vm->vm_memory_mib = c->memory_mib;
	vm->vm_ndisks = c->ndisks;
	for (i = 0; i < c->ndisks; i++) {
		snprintf(vm->vm_disks[i].vd_file,
		    sizeof(vm->vm_disks[i].vd_file), "disk%d.qcow2", i);
		snprintf(vm->vm_disks[i].vd_format,
		    sizeof(vm->vm_disks[i].vd_format), "qcow2");
		vm->vm_disks[i].vd_size = -1;
	}
	vm->vm_nnics = c->nnics;
	for (i = 0; i < c->nnics; i++) {
		if (c->nics[i].vlan > 0)
			snprintf(vm->vm_nics[i].vn_network, VMFMT_NET_MAX,
			    "vlan%d", c->nics[i].vlan);
		else
			snprintf(vm->vm_nics[i].vn_network, VMFMT_NET_MAX,
			    "untagged");
		snprintf(vm->vm_nics[i].vn_model,
		    sizeof(vm->vm_nics[i].vn_model), "%s", c->nics[i].model);
	}
}

int
vmfmt_vm_to_config(const struct vmfmt_vm *vm, const char *pool,
    const char *const vols[], struct vm_config *c, char *err)
{
	cJSON *o = vmfmt_json_head(vm), *a, *e;
	char bad[64];
	int i, rc;

	a = cJSON_AddArrayToObject(o, "disks");
	for (i = 0; i < vm->vm_ndisks; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "pool", pool);
		cJSON_AddStringToObject(e, "volume", vols[i]);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "nics");
	for (i = 0; i < vm->vm_nnics; i++) {
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "vlan",
		    vmfmt_network_vlan(vm->vm_nics[i].vn_network));
		cJSON_AddItemToArray(a, e);
	}
	rc = vm_config_from_json(o, c, bad, sizeof(bad), err);
	cJSON_Delete(o);
	return rc;
}
