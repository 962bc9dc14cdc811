/*
 * vmops_priv.h - what vmops.c (records, queue, API side, the node's
 * supervisor thread), vmtask.c (the task bodies) and the VM features
 * built on them (snapshot.c, snapshot_task.c) share, and nothing else
 * includes: the vmops object, the node's VM slots, a queued operation,
 * and the record, lock and queue helpers the task bodies use.
 */
#ifndef HVD_VMOPS_PRIV_H
#define HVD_VMOPS_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "platform/config.h"
#include "platform/task.h"
#include "platform/vm.h"
#include "platform/vmops.h"

#define MAX_SLOTS	128

struct vm_slot {
	int		s_used;
	int		s_busy;		/* a task works on it */
	int		s_unsettled;	/* paused after a migration whose end
					 * etcd could not decide: retried */
	struct vm_proc	s_proc;
};

struct vmops {
	const struct hvd_config	*v_cf;
	struct cluster		*v_cl;
	struct etcd		*v_etcd;
	struct vm_host		 v_host;
	pthread_t		 v_th;
	int			 v_started;
	pthread_mutex_t		 v_mu;
	int			 v_stop;
	int			 v_adopted;
	pthread_mutex_t		 v_hook_mu;	/* held while the hook runs */
	vmops_start_hook	 v_hook;	/* under v_hook_mu */
	void			*v_hook_arg;
	struct vm_slot		 v_slots[MAX_SLOTS];
};

/* One queued operation, handed to its task. */
struct vm_op {
	struct vmops	*o_v;
	char		 o_id[TASK_ID_LEN];
	char		 o_op[24];
	char		 o_vm[VM_NAME_MAX + 1];
	char		 o_target[HVD_NAME_MAX];
	char		 o_parent[TASK_ID_LEN];
	char		 o_lock[128];	/* lock key to release at the end */
	int		 o_port;
	long		 o_timeout_s;
	cJSON		*o_params;	/* migration parameters or NULL */
	char		 o_reason[200];	/* why a migration was asked, or "" */
};

/* The slot of name for a task (busy), or a free one when absent and
 * create is set.  NULL when none. */
struct vm_slot *vmops_slot_take(struct vmops *v, const char *name,
    int create);
/* Give the slot back; keep says whether it holds a running VM. */
void vmops_slot_give(struct vmops *v, struct vm_slot *s, int keep);

/* Read KEY_VMS NAME: 1 (*rec, *rev set; rev may be NULL), 0 absent,
 * -1 + err. */
int vmops_rec_get(struct vmops *v, const char *name, cJSON **rec,
    int64_t *rev, char *err);
/* The owner node a record names ("" when none). */
const char *vmops_rec_node(const cJSON *rec);
/* Parse and check a record's config into c: 0 or -1 + err. */
int vmops_rec_config(const cJSON *rec, struct vm_config *c, char *err);
/* Before QEMU opens them on this node: every disk's path from its pool
 * (pool.h), a dir pool's file under pool_dirs, kernel and initrd under
 * image_dirs, each resolved (confine.h).  0 or -1 + err naming the
 * field. */
int vmops_resolve_paths(struct vmops *v, struct vm_config *c, char *err);
/* Write KEY_VMSTATE NAME: state, this node, since; with p set QEMU's pid
 * and accelerator; why (may be NULL) when QEMU ended by itself. */
void vmops_state_put(struct vmops *v, const char *name, const char *state,
    const struct vm_proc *p, const char *why);
/* Delete lock key if task id still holds it. */
void vmops_unlock_key(struct vmops *v, const char *key, const char *id);
/* Release VM name's lock if task id holds it. */
void vmops_unlock_vm(struct vmops *v, const char *name, const char *id);
/* Run the start hook for vm, if one is set: 0, or -1 + err (refused). */
int vmops_call_start_hook(struct vmops *v, const char *vm, char *err);
/* "running", "stopped", ... from KEY_VMSTATE NAME ("stopped" when
 * absent): 0, or -1 + err. */
int vmops_state_get(struct vmops *v, const char *name, char *buf,
    size_t len, char *err);
/* Record task td (its target a VM), lock that VM for it and queue op on
 * td's node: 0 with call's id and status 202, or -1 + err with call's
 * status (409 busy, 503 etcd) and the task marked failed. */
int vmops_queue_locked(struct vmops *v, const struct task_desc *td,
    const cJSON *op, struct vmops_call *call, char *err);
/* Queue operation op (JSON) as task id on node's queue: 0 or -1 + err. */
int vmops_queue_op(struct vmops *v, const char *node, const char *id,
    const cJSON *op, char *err);
/* Wait for task id: until progress >= 0.5 (ready), or until it ended
 * with until_done.  1 ready/ok, 0 it failed (err = its error), -1
 * timeout or etcd. */
int vmops_wait_task(struct vmops *v, const char *id, int until_done,
    long timeout_ms, char *err);

/* The API sides (vmops.c, clone.c).  Those with a call answer 0, or -1
 * with err and call's status and field. */
/* The node is in an active cluster (else 409). */
int vmops_need_active(struct vmops *v, struct vmops_call *call, char *err);
/* VM name's record (*rec the caller's, *rev may be NULL): 404 when
 * there is none, 503. */
int vmops_rec_find(struct vmops *v, const char *name, cJSON **rec,
    int64_t *rev, struct vmops_call *call, char *err);
/* Lock VM name for lockid: 409 busy naming the holder, 503. */
int vmops_lock_call(struct vmops *v, const char *name, const char *lockid,
    struct vmops_call *call, char *err);
/* Write rec as VM name's record if it is still at revision rev, or (rev
 * 0) if there is none: 409 changed meanwhile, or a VM of that name
 * exists ("name"), 503. */
int vmops_rec_put(struct vmops *v, const char *name, const cJSON *rec,
    int64_t rev, struct vmops_call *call, char *err);
/* rec + its name, state and lock as answers show it (rec's config and
 * members are moved into it). */
cJSON *vmops_rec_view(struct vmops *v, const char *name, cJSON *rec);

/* clone.c, for the features that make volumes (clone.c, vmio.c): a
 * pool call taken by this node (pool.h), and a volume made for a VM
 * that was not made deleted again (a failure logged naming who). */
struct pool_call;
void vmops_pool_call(struct vmops *v, struct pool_call *pc);
void vmops_volume_undo(struct vmops *v, const char *who, const char *pool,
    const char *vol);

/* 1 when s may name a VM (and a run directory). */
int vm_valid_name(const char *s);

/* vmmigrec.c: which node holds a VM during a live migration, decided by
 * one compare-and-swap on its record. */
/* The source marks name's record as migrating to target by task: 0, or
 * -1 + err (e.g. the VM belongs to another node by now). */
int vmmigrec_mark(struct vmops *v, const char *name, const char *target,
    const char *task, char *err);
/* The target takes the VM while task's mark is on (etcd errors retried
 * for wait_ms): 1 taken, 0 the source kept it, -1 + err. */
int vmmigrec_commit(struct vmops *v, const char *name, const char *task,
    long wait_ms, char *err);
/* The same commit in one etcd round trip at the switchover: prepared
 * (record read, its committed form made) while the stream runs, then a
 * single compare-and-swap, or vmmigrec_commit when the record changed
 * meanwhile.  prepare: 0, or -1 + err; fast: as vmmigrec_commit (and
 * frees what prepare made). */
struct vmmigrec_commit {
	const char	*mc_vm;
	const char	*mc_task;	/* the source's task */
	char		*mc_val;	/* the record as committed */
	int64_t		 mc_rev;
};
int vmmigrec_commit_prepare(struct vmops *v, struct vmmigrec_commit *c,
    char *err);
int vmmigrec_commit_fast(struct vmops *v, struct vmmigrec_commit *c,
    long wait_ms, char *err);
/* The source keeps the VM: the mark (task's, or any with task NULL) goes
 * (etcd errors retried for wait_ms): 1 kept, 0 the target took it, -1 +
 * err. */
int vmmigrec_abort(struct vmops *v, const char *name, const char *task,
    long wait_ms, char *err);
/* After an hvd restart, for an adopted QEMU p of a VM this node owns:
 * ends what a migration left (cancel, abort, cont).  1 it runs here, 0
 * the VM is another node's (p untouched: the caller stops it), -1 + err
 * (left as it is). */
int vmmigrec_adopt(struct vmops *v, struct vm_proc *p, char *err);
/* After an hvd restart: stop the QEMUs here of VMs that belong to
 * another node (a migration's leftovers). */
void vmmigrec_stop_strays(struct vmops *v);

/* vmtask.c: the task of a claimed operation (task_fn; arg is a struct
 * vm_op, freed by vmtask_free): runs it, then frees its lock. */
int vmtask_main(struct task *t, void *arg, char *err);
void vmtask_free(void *p);
/* This node's OVS bridge (netcfg_show with the bonds' live state), read
 * in the caller's thread.  NULL + err. */
cJSON *vmtask_net_show(struct vmops *v, char *err);

#endif
