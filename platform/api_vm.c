/*
 * api_vm.c - API handlers for VMs, storage pools and networks (routes in
 * api_vm_routes; docs/api.md).  They drive the VM layer (vm.h, storage.h,
 * netcfg.h, migrate.h) through tasks.
 */
#include <stddef.h>

#include "platform/api.h"

const struct api_route api_vm_routes[] = {
	{ NULL, NULL, NULL }
};
