/*
 * clone.h - templates and clones of hvd's VMs, in the manner of Proxmox
 * VE's `qm template` and `qm clone --full 0|1`.
 *
 * A template is a stopped VM whose record says "template": true and whose
 * disk volumes say "base": true: hvd refuses to start, migrate or
 * reconfigure it (409 naming it a template), so its images are never
 * written; they are read by clones only (QEMU opens a backing file
 * read-only).  A VM stays a template until it is deleted, and it cannot
 * be deleted while linked clones of it exist (the 409 lists them).
 *
 * A clone is a new VM NAME with the source's config, new disk volumes
 * NAME-diskI and MACs derived from its own name (vm_default_mac):
 *   linked  of a template only: each disk a qcow2 overlay on the
 *           template's volume in the same pool (dir: a file whose backing
 *           path is the template's file name; iscsi: a LUN whose qcow2
 *           names the template's LUN by its URI);
 *   full    of a VM or template: a copy, by qemu-img convert when the
 *           source is stopped, by a QMP drive-mirror on the source's node
 *           when it runs (cancelled once READY: the source keeps its own
 *           disk and runs on).
 * The clone's record says "clone_of": SOURCE and "linked": B.  A clone
 * that fails deletes the volumes it made and writes no record.
 *
 * API-facing calls answer as vmops.h's: 0, or -1 with err, the HTTP
 * status and the offending field in call.
 */
#ifndef HVD_CLONE_H
#define HVD_CLONE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "platform/task.h"
#include "platform/vmops.h"

/* POST /vms/NAME/clone, as asked. */
struct clone_req {
	const char	*cr_name;	/* the new VM */
	int		 cr_full;	/* 1 full, 0 linked, -1 not said: linked
					 * of a template, full of a VM */
	const char	*cr_pool;	/* full: pool for every new volume;
					 * NULL = each disk's own pool */
	const char	*cr_node;	/* the clone's node; NULL = the
					 * source's */
};

/* The body of POST /vms/NAME/clone {"name": S, "full": B?, "pool": S?,
 * "node": S?} alone, without I/O; req's strings point into body.  0, or
 * -1 with err and call's status (400) and field. */
int clone_body_check(const cJSON *body, struct clone_req *req,
    struct vmops_call *call, char *err);
/* POST /vms/NAME/clone: make the clone (201, *out = its view). */
int clone_vm(struct vmops *v, const char *src, const cJSON *body,
    cJSON **out, struct vmops_call *call, char *err);
/* POST /vms/NAME/template: make the stopped VM name a template (200,
 * *out = its view).  body must be empty or NULL. */
int clone_template(struct vmops *v, const char *name, const cJSON *body,
    cJSON **out, struct vmops_call *call, char *err);

/* 1 when rec (a VM record) is a template's. */
int clone_is_template(const cJSON *rec);
/* rec's "template", "clone_of" and "linked" copied into view o (a VM as
 * answers show it). */
void clone_view(cJSON *o, const cJSON *rec);
/* The linked clones of VM tmpl, names comma-separated into buf: their
 * count, or -1 + err. */
int clone_linked_list(struct vmops *v, const char *tmpl, char *buf,
    size_t len, char *err);

/* The owner's half of a full clone of a running VM (a queued "mirror"
 * operation, task_fn; arg is a struct vm_op whose params are
 * {"targets": [PATH per disk]}). */
int clone_task_mirror(struct task *t, void *arg, char *err);

#endif
