/*
 * vmio.h - VMs out of and into hvd in the formats datacenters move them
 * in (docs/import-export.md "Through hvd"), on top of platform/vmfmt/.
 *
 * An export writes a stopped VM into a file of the node asked, inside
 * its hvd.conf export_dirs: a disk format (vmfmt_format_find) is the
 * VM's first disk converted; "ova" is the VM's config as an OVF
 * envelope with every disk, packaged; "ovf" the same envelope as
 * NAME.ovf beside NAME.mf and its disks.  An import reads a file inside
 * the node's import_dirs: a disk image, an OVA, an OVF descriptor (with
 * the files beside it) or an XVA, validated
 * whole by vmfmt before anything is written; then the new VM's volumes
 * are made on a pool (a dir pool's file or an iSCSI LUN each), filled,
 * and its record written with a create-if-absent.  A failed import
 * deletes the volumes it made and its work directory: nothing is left.
 * Both are tasks on the node asked, holding the VM's lock (an import
 * locks the new name).
 *
 * API-facing calls answer as vmops.h's: 0 with call's task id and status
 * 202, or -1 with err, the HTTP status and the offending field.
 */
#ifndef HVD_VMIO_H
#define HVD_VMIO_H

#include <limits.h>
#include <cjson/cJSON.h>

#include "platform/vm.h"
#include "platform/vmops.h"

/* The default of hvd.conf's export_dirs. */
#define VMIO_EXPORT_DIRS	"/var/lib/hvd/export"

/* What a body asks (strings point into it). */
struct vmio_req {
	const char	*io_format;	/* vmfmt disk format, "ova", "ovf",
					 * "xva" */
	const char	*io_path;	/* absolute */
	/* import only */
	const char	*io_name;	/* the new VM */
	const char	*io_pool;
	const char	*io_node;	/* the new VM's node; NULL = this one */
	int		 io_vcpus;	/* 0 = the package's, or 1 */
	int		 io_memory_mib;	/* 0 = the package's, or 128 */
};

/* The body of POST /vms/NAME/export {"format", "path"} alone, without
 * I/O: 0, or -1 with err and call's status (400) and field. */
int vmio_export_check(const cJSON *body, struct vmio_req *q,
    struct vmops_call *call, char *err);
/* The body of POST /vms/import {"format", "path", "name", "pool",
 * "node"?, "vcpus"?, "memory_mib"?} alone, without I/O. */
int vmio_import_check(const cJSON *body, struct vmio_req *q,
    struct vmops_call *call, char *err);

/* POST /vms/NAME/export: a task exporting the stopped VM name (409 when
 * it runs or is busy, 400 naming "path" outside export_dirs or
 * existing). */
int vmio_export(struct vmops *v, const char *name, const cJSON *body,
    struct vmops_call *call, char *err);
/* POST /vms/import: a task importing a package as a new VM (400 naming
 * the field: a path outside import_dirs, an unknown pool or node; 409 a
 * VM of that name exists). */
int vmio_import(struct vmops *v, const cJSON *body,
    struct vmops_call *call, char *err);

#endif
