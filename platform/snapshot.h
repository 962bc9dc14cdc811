/*
 * snapshot.h - a VM's snapshots: internal qcow2 snapshots of its
 * writable disks, taken together, with the guest's RAM and device state
 * (QEMU's vmstate, kept inside the first disk's qcow2) when asked.
 *
 * The qcow2 images are the truth: a snapshot is a tag on every disk it
 * covers (qemu-img snapshot -l), and the tasks check the tags before they
 * act.  etcd keeps what qcow2 cannot: the tree and the VM as it was
 * (keys.h): KEY_SNAPSHOTS VM/SNAP = {"name", "parent" (null for a root),
 * "taken", "with_ram", "vm_state" ("running"|"stopped"), "description",
 * "pause_ms" (null when no guest ran), "disks" ["POOL/VOLUME"...],
 * "config" (the VM config then)}; KEY_SNAP_HEADS VM = {"current": SNAP
 * or null}, the snapshot the disks are at now and the parent of the next.
 *
 * Rules (as Proxmox VE's qm snapshot, rollback, delsnapshot):
 * - a writable raw disk has no snapshots: the VM is refused (409);
 *   read-only disks never change and are left out;
 * - with RAM needs the VM running; without it the guest is paused only
 *   while the disks' tags are made (one QMP transaction), or, stopped,
 *   the tags are made with qemu-img;
 * - rollback restores the snapshot's VM config; with RAM the VM comes
 *   back running from that point (QEMU restarted paused, snapshot-load,
 *   cont); a disk-only snapshot rolls back on a stopped VM only (409
 *   while it runs: stop it first), and the VM stays stopped;
 * - delete removes that snapshot only: its children get its parent.
 * Every operation is a task on the VM's node under the VM's lock
 * (vmops.h), like start and stop.
 */
#ifndef HVD_SNAPSHOT_H
#define HVD_SNAPSHOT_H

#include <cjson/cJSON.h>

#include "platform/task.h"
#include "platform/vm.h"

struct etcd;
struct vmops;
struct vmops_call;

#define SNAP_NAME_MAX	40
#define SNAP_DESC_MAX	255

/* POST /vms/NAME/snapshots, as checked. */
struct snap_ask {
	char	sa_name[SNAP_NAME_MAX + 1];
	int	sa_with_ram;
	char	sa_desc[SNAP_DESC_MAX + 1];
};

/* 1 when s may name a snapshot: a letter, then letters, digits, '-' or
 * '_', at most SNAP_NAME_MAX (qemu-img would take a name of digits for a
 * snapshot id), and not "current". */
int snapshot_name_valid(const char *s);
/* The body {"name": S, "with_ram": B?, "description": S?} into a: 0, or
 * -1 + err with *field the member at fault. */
int snapshot_ask_parse(const cJSON *body, struct snap_ask *a,
    const char **field, char *err);
/* The disks a snapshot of c covers (writable ones; indexes into
 * c->disks in idx, their count returned), or -1 + err naming the disk
 * that cannot have snapshots (*field = "disks[I]" in a static buffer)
 * or saying there is none. */
int snapshot_disks(const struct vm_config *c, int idx[VM_MAX_DISKS],
    const char **field, char *err);
/* Remove snapshot name from list (an array of snapshot records): its
 * children get its parent.  Returns the records changed (the children)
 * as a new array the caller frees, or NULL when name is not in list. */
cJSON *snapshot_tree_unlink(cJSON *list, const char *name);

/* API side (any node).  Answers: 0, or -1 + err with call's status and
 * field; the task ones put the task's id in call. */
/* GET /vms/NAME/snapshots: {"current": S|null, "snapshots": [...]}
 * oldest first, without their configs. */
int snapshot_list(struct vmops *v, const char *vm, cJSON **out,
    struct vmops_call *call, char *err);
/* GET /vms/NAME/snapshots/SNAP: the record, config included. */
int snapshot_get(struct vmops *v, const char *vm, const char *snap,
    cJSON **out, struct vmops_call *call, char *err);
/* POST /vms/NAME/snapshots: a vmsnapshot task. */
int snapshot_create(struct vmops *v, const char *vm, const cJSON *body,
    struct vmops_call *call, char *err);
/* POST /vms/NAME/snapshots/SNAP/rollback: a vmrollback task. */
int snapshot_rollback(struct vmops *v, const char *vm, const char *snap,
    struct vmops_call *call, char *err);
/* DELETE /vms/NAME/snapshots/SNAP: a vmdelsnapshot task. */
int snapshot_delete(struct vmops *v, const char *vm, const char *snap,
    struct vmops_call *call, char *err);
/* A VM is deleted: its snapshot records go (the tags stay in the
 * volumes, which outlive the VM). */
void snapshot_forget(struct etcd *e, const char *vm);

/* snapshot.c, for the task bodies: read snapshot snap of vm (1, *rec set;
 * 0 absent; -1 + err); write it; set the VM's current snapshot (NULL:
 * none). */
int snapshot_rec_get(struct etcd *e, const char *vm, const char *snap,
    cJSON **rec, char *err);
int snapshot_rec_put(struct etcd *e, const char *vm, const cJSON *rec,
    char *err);
int snapshot_current_get(struct etcd *e, const char *vm, char *buf,
    size_t len, char *err);
int snapshot_current_put(struct etcd *e, const char *vm, const char *snap,
    char *err);
/* Delete snap's record, its children re-parented, current moved to its
 * parent when it was current: 0 or -1 + err. */
int snapshot_rec_unlink(struct etcd *e, const char *vm, const char *snap,
    char *err);

struct qmp;
/* The block node QEMU made for drive diskI of a VM (-drive id=diskI)
 * into buf: 0, or -1 + err (backups use it too). */
int snapshot_disk_node(struct qmp *q, int i, char *buf, size_t len,
    char *err);

/* snapshot_task.c: the task bodies on the VM's node (task_fn; arg is the
 * queued struct vm_op, params {"name", "with_ram", "description"}). */
int snapshot_task_create(struct task *t, void *arg, char *err);
int snapshot_task_rollback(struct task *t, void *arg, char *err);
int snapshot_task_delete(struct task *t, void *arg, char *err);

#endif
