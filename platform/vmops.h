/*
 * vmops.h - VMs in the cluster: their records in etcd, per-VM locks,
 * operations queued to the node that runs the VM, and the node's
 * supervisor thread that does them with the VM layer (vm.h).
 *
 * etcd keys (named in platform/keys.h): /hvd/vms/NAME = {"config": VM
 * config (vm.h JSON form), "node": owner, "created": time, and for
 * templates and clones "template", "clone_of", "linked" (clone.h)};
 * /hvd/vmstate/NAME = {"state": "running"|"stopped", "node", "pid",
 * "since"} written by the owner; /hvd/locks/vms/NAME = {"task": ID,
 * "node"} while an operation runs (two operations on one VM never
 * interleave); /hvd/queue/NODE/TASKID = an operation for NODE's
 * supervisor.  Any node takes API requests: it checks, locks, records a
 * queued task and queues it; the owner's supervisor claims it
 * (delete-if-unchanged), runs it as a task (vmtask.c) and unlocks.  At
 * start the supervisor adopts the QEMUs of its VMs (a restarted hvd
 * never kills VMs).
 *
 * API-facing calls return 0, or -1 with err, the HTTP status and, where
 * it applies, the offending field in their struct vmops_call.
 */
#ifndef HVD_VMOPS_H
#define HVD_VMOPS_H

#include <cjson/cJSON.h>

#include "platform/config.h"
#include "platform/task.h"

struct vmops;
struct cluster;

struct vmops *vmops_new(const struct hvd_config *cf, struct cluster *cl,
    char *err);
/* Stop the supervisor thread (VMs keep running); free. */
void vmops_free(struct vmops *v);

/*
 * Called on the owner node just before a QEMU is started for vm (a start,
 * or the target of a migration); a non-zero return refuses the start with
 * err.  HA uses it to arm the watchdog before an HA VM runs (platform/ha.c).
 * NULL fn removes it.
 */
typedef int (*vmops_start_hook)(void *arg, const char *vm, char *err);
void vmops_set_start_hook(struct vmops *v, vmops_start_hook fn, void *arg);

#define VMOPS_FIELD_LEN	64

/* One API call: who asks, and what the call answers besides its return
 * value and err. */
struct vmops_call {
	const char	*vc_user;		/* who asks (tasks record it) */
	int		 vc_status;		/* out: the HTTP status */
	char		 vc_field[VMOPS_FIELD_LEN]; /* out: offending field */
	char		 vc_id[TASK_ID_LEN];	/* out: the task queued */
};

/* POST /vms: body = VM config + optional "node".  *out = the record. */
int vmops_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err);
/* GET /vms and GET /vms/NAME: records with their state. */
int vmops_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err);
int vmops_get(struct vmops *v, const char *name, cJSON **out,
    struct vmops_call *call, char *err);
/* PUT /vms/NAME/config: replace the config of a stopped VM. */
int vmops_set_config(struct vmops *v, const char *name, const cJSON *body,
    cJSON **out, struct vmops_call *call, char *err);
/* DELETE /vms/NAME: refused (409) while it runs or is locked. */
int vmops_delete(struct vmops *v, const char *name, struct vmops_call *call,
    char *err);
/* POST /vms/NAME/{start,stop,shutdown}: queue the action on the owner;
 * call's id = the task.  args may be NULL ({"timeout_s": N} for
 * shutdown). */
int vmops_action(struct vmops *v, const char *name, const char *action,
    const cJSON *args, struct vmops_call *call, char *err);
/* POST /vms/NAME/migrate {"target": NODE, "live": B, ...}: offline moves
 * a stopped VM at once (call's id = ""); live queues a migration task. */
int vmops_migrate(struct vmops *v, const char *name, const cJSON *body,
    struct vmops_call *call, char *err);

/* GET /nodes/NODE/network: NODE's OVS bridge (netcfg_show), read here
 * when NODE is this node, else asked of NODE's API (peer.h).  A read: no
 * task, nothing written. */
int vmops_net_show(struct vmops *v, const char *node, cJSON **out,
    struct vmops_call *call, char *err);
/* POST /nodes/NODE/network {"change": {...netcfg change...},
 * "check_addr": IPV4, "grace_ms": N}: a task on NODE that checks, applies,
 * probes the management path and rolls back by itself. */
int vmops_net_change(struct vmops *v, const char *node, const cJSON *body,
    struct vmops_call *call, char *err);

#endif
