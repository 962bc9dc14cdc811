/*
 * task.h - long operations as tasks, kept in etcd (like Proxmox UPIDs).
 *
 * A task has an id "UPID:NODE:PID:START:TYPE:TARGET:USER:" (PID and START
 * in hex, as Proxmox writes them), a state (queued, running, ok, error),
 * a progress from 0 to 1, a log, and on success a JSON result.  The API
 * returns the id at once; the work runs in a thread of its own and every
 * change is written to /hvd/tasks/ID so any node can answer GET
 * /api/v1/tasks/ID.
 */
#ifndef HVD_TASK_H
#define HVD_TASK_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct etcd;
struct task;

#define TASK_ID_LEN	256
#define TASK_LOG_MAX	200	/* lines kept */

/* The work: return 0 (state ok) or -1 with err (state error). */
typedef int (*task_fn)(struct task *t, void *arg, char *err);

/* What a task is: the node that does it, its type ("vmstart"), its
 * target (a VM or node) and who asked; its id (a UPID) is made of
 * these. */
struct task_desc {
	const char	*td_node;
	const char	*td_type;
	const char	*td_target;
	const char	*td_user;
};

/* A task in two halves, for work queued to another node: record a queued
 * task (any node; the id in id), and run fn(t, arg) for a recorded task
 * here in a detached thread (the node that does the work).  task_run
 * frees arg (free_arg, may be NULL) when the task ends, also when it
 * could not start.  0, or -1 with err. */
int task_create(struct etcd *e, const struct task_desc *d,
    char id[TASK_ID_LEN], char *err);
int task_run(struct etcd *e, const char *id, task_fn fn, void *arg,
    void (*free_arg)(void *), char *err);
/* Mark a recorded task failed with msg without running it. */
int task_fail(struct etcd *e, const char *id, const char *msg, char *err);
/* For task functions: append a log line; set progress (0..1); set the
 * result object (taken over). */
void task_log(struct task *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void task_progress(struct task *t, double frac);
void task_set_result(struct task *t, cJSON *result);

/* Read a task: 1 found (*out = its JSON, caller frees), 0 absent, -1. */
int task_get(struct etcd *e, const char *id, cJSON **out, char *err);
/* All tasks (newest last) as a JSON array without logs; 0 or -1. */
int task_list(struct etcd *e, cJSON **out, char *err);
/* At hvd start: mark this node's queued/running tasks as failed (the
 * process that ran them is gone).  Returns how many, or -1. */
int task_recover(struct etcd *e, const char *node, char *err);
/* Delete this node's ended tasks but the newest keep.  Returns how many
 * were deleted, or -1. */
int task_prune(struct etcd *e, const char *node, size_t keep, char *err);
/* Check an id's form (no '/', printable, starts with "UPID:"). */
int task_id_valid(const char *id);
/* Build an id (exported for tests). */
void task_make_id(char id[TASK_ID_LEN], const struct task_desc *d,
    unsigned pid, unsigned long start);

#endif
