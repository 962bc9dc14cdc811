/*
 * backup.h - hvd's backups of VMs into backup stores (docs/backups.md).
 *
 * A backup store is a directory on one node (KEY_BACKUP_STORES NAME =
 * {"name", "path", "node"}, the path under that node's pool_dirs as a
 * dir pool's is).  A backup is a directory STORE/ID of that store, ID
 * as Proxmox's vzdump names its archives (vzdump-qemu-VM-YYYY_MM_DD-
 * HH_MM_SS, UTC), holding one qcow2 per writable disk (diskI.qcow2,
 * zstd-compressed clusters) and manifest.json: {"id", "vm", "mode"
 * ("full"|"incremental"), "parent" (the backup an incremental one builds
 * on, or null), "started", "finished", "vm_state", "pause_ms", "config"
 * (the VM config as hvd keeps it), "disks": [{"index", "pool", "volume",
 * "file", "size_bytes" (virtual), "file_bytes", "sha256"}]}.  An
 * incremental disk is a qcow2 whose backing file is the parent's
 * (../PARENT/diskI.qcow2): restoring one is qemu-img convert of that
 * chain.  A backup is written as STORE/.ID.part and renamed once its
 * manifest is complete, so the store never holds half a backup; the
 * store alone lists its backups (no etcd record needed).
 *
 * What a disk changed since the last backup is a persistent dirty bitmap
 * (BACKUP_BITMAP) in its qcow2, cleared or added in the same QMP
 * transaction that starts a full backup; KEY_BACKUP_HEADS VM = {"store",
 * "last"} says which backup that bitmap counts from.
 *
 * Schedules (KEY_BACKUP_JOBS ID = {"id", "vms", "store", "mode",
 * "schedule", "keep_*", "last_slot"}) fire on whichever node first moves
 * a job's last_slot forward with a compare-and-swap; the run prunes the
 * store by Proxmox's rules afterwards.
 */
#ifndef HVD_BACKUP_H
#define HVD_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "platform/task.h"

struct cluster;
struct etcd;
struct hvd_config;
struct vmops;
struct vmops_call;

#define BACKUP_BITMAP		"hvd-backup"
#define BACKUP_ID_PREFIX	"vzdump-qemu-"
#define BACKUP_ID_MAX		96
#define BACKUP_STORE_MAX	40	/* a store's or a job's name */
#define BACKUP_JOB_VMS		16	/* VMs in one job */

/* --- pure parts (backup_plan.c) --- */

/* The id of a backup of vm started at t (UTC) into buf; 0, or -1 when
 * it does not fit. */
int backup_id_make(const char *vm, time_t t, char *buf, size_t len);
/* An id's VM (into vm) and time: 0, or -1 when s is not such an id. */
int backup_id_parse(const char *s, char *vm, size_t vmlen, time_t *t);

/* A calendar spec: "daily HH:MM", "weekly DAY HH:MM" (mon..sun),
 * "hourly", "*\/Ns" (N in 10..3600: every N seconds from midnight),
 * "*\/Nm" (N in 1..1440: every N minutes from midnight),
 * "*\/Nh" (1..24: every N hours from midnight, at :00).  Times are UTC. */
enum backup_cal_kind { CAL_SECONDS, CAL_MINUTES, CAL_HOURS, CAL_DAILY,
	CAL_WEEKLY };
struct backup_cal {
	enum backup_cal_kind	bc_kind;
	int			bc_every;	/* seconds/minutes/hours */
	int			bc_wday;	/* 0 = sunday */
	int			bc_hour, bc_min;
};
/* 0, or -1 + err saying what is wrong with s. */
int backup_cal_parse(const char *s, struct backup_cal *c, char *err);
/* The first slot of c strictly after t. */
time_t backup_cal_next(const struct backup_cal *c, time_t t);

/* Proxmox's prune options; 0 = the rule is off, all off = keep all. */
struct backup_keep {
	int	bk_last, bk_hourly, bk_daily, bk_weekly, bk_monthly,
		bk_yearly;
};
/* One backup as pruning sees it. */
enum backup_mark { MARK_NONE, MARK_KEEP, MARK_BASE, MARK_REMOVE };
struct backup_item {
	time_t			bi_time;
	int			bi_parent;	/* index in the array, or -1 */
	enum backup_mark	bi_mark;	/* out */
};
/* Mark every item of items (any order) by Proxmox's rules, applied in
 * the order last, hourly, daily, weekly, monthly, yearly, newest first,
 * a period already kept by an earlier rule not counted again; then an
 * item an incremental kept one builds on (its parent chain) is MARK_BASE
 * instead of removed.  Periods are UTC (ISO weeks). */
void backup_prune_mark(struct backup_item *items, size_t n,
    const struct backup_keep *k);

/* The keep_* members of o (absent: 0) into k: 0, or -1 + err with
 * *field the member at fault. */
int backup_keep_parse(const cJSON *o, struct backup_keep *k,
    const char **field, char *err);
/* 1 when s may name a store or a job (a letter or digit, then letters,
 * digits, '-' or '_', at most BACKUP_STORE_MAX: cluster_valid_name). */
int backup_name_valid(const char *s);

/* --- stores (backup_store.c) --- */

/* POST /backup-stores {"name", "path", "node"?}; GET, DELETE. */
int backup_store_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err);
int backup_store_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err);
/* The store's record (1, *out), 0 absent, -1 + err. */
int backup_store_get(struct etcd *e, const char *name, cJSON **out,
    char *err);
int backup_store_delete(struct vmops *v, const char *name,
    struct vmops_call *call, char *err);
/* The manifests of the store at dir, oldest first (a manifest that does
 * not parse is listed as {"id", "error"}): 0 or -1 + err. */
int backup_store_scan(const char *dir, cJSON **out, char *err);
/* Manifest id of the store at dir: 1 (*out), 0 absent, -1 + err. */
int backup_manifest_read(const char *dir, const char *id, cJSON **out,
    char *err);
/* SHA-256 of the file at path as 64 hex digits: 0 or -1 + err. */
int backup_file_sha256(const char *path, char hex[65], char *err);

/* --- API side (backup.c): answers as snapshot.h's --- */

/* POST /vms/NAME/backup {"store", "mode"?}: a vmbackup task. */
int backup_create(struct vmops *v, const char *vm, const cJSON *body,
    struct vmops_call *call, char *err);
/* GET /backup-stores/S/backups (a peer's when the store is another
 * node's), GET .../ID. */
int backup_list(struct vmops *v, const char *store, const char *id,
    cJSON **out, struct vmops_call *call, char *err);
/* DELETE .../ID, POST .../ID/verify, POST .../ID/restore {"name"?,
 * "pool"?}: tasks on the store's node (restore: under the VM's lock). */
int backup_delete(struct vmops *v, const char *store, const char *id,
    struct vmops_call *call, char *err);
int backup_verify(struct vmops *v, const char *store, const char *id,
    struct vmops_call *call, char *err);
int backup_restore(struct vmops *v, const char *store, const char *id,
    const cJSON *body, struct vmops_call *call, char *err);

/* --- the tasks (backup_task.c, backup_restore.c; task_fn, arg a
 * struct vm_op) --- */
int backup_task_create(struct task *t, void *arg, char *err);
int backup_task_delete(struct task *t, void *arg, char *err);
int backup_task_verify(struct task *t, void *arg, char *err);
int backup_task_restore(struct task *t, void *arg, char *err);

/* --- schedules (backup_job.c) --- */

int backup_job_create(struct vmops *v, const cJSON *body, cJSON **out,
    struct vmops_call *call, char *err);
int backup_job_list(struct vmops *v, cJSON **out, struct vmops_call *call,
    char *err);
int backup_job_delete(struct vmops *v, const char *id,
    struct vmops_call *call, char *err);
/* The job task (a run of job id and its prune) and the node's
 * scheduler thread, which looks at the jobs every few seconds. */
int backup_task_job(struct task *t, void *arg, char *err);
struct backup_sched;
struct backup_sched *backup_sched_start(struct vmops *v, char *err);
void backup_sched_stop(struct backup_sched *s);

#endif
