/*
 * backup_priv.h - what the backup files (backup.c, backup_store.c,
 * backup_task.c, backup_restore.c, backup_job.c) share and nothing else
 * includes: a store opened on its node, the FAIL idiom of the API side,
 * and the one runner of qemu-img.
 */
#ifndef HVD_BACKUP_PRIV_H
#define HVD_BACKUP_PRIV_H

#include <limits.h>

#include <cjson/cJSON.h>

#include "platform/backup.h"
#include "platform/vmops.h"

#define BK_IMG_MS	(10 * 60000)	/* one qemu-img run */

/* Answer call with status st and field fld, err from the format, and
 * leave by the function's "out" label. */
#define BK_FAIL(st, fld, ...) do {					\
	call->vc_status = (st);						\
	snprintf(call->vc_field, VMOPS_FIELD_LEN, "%s", (fld) ? (fld) : ""); \
	err_set(err, __VA_ARGS__);					\
	goto out;							\
} while (0)

/* Record rec (its name in member field) as PREFIX NAME if absent: 0
 * (call 201), or -1 + err (409 naming field when it exists, 503). */
int bk_rec_create(struct vmops *v, const char *prefix, const char *field,
    cJSON *rec, struct vmops_call *call, char *err);
/* Record PREFIX NAME: 1 (*out, *rev when not NULL), 0 absent (or not a
 * valid name), -1 + err. */
int bk_rec_get(struct etcd *e, const char *prefix, const char *name,
    cJSON **out, int64_t *rev, char *err);
/* Every record under prefix as an array: 0, or -1 + err (503). */
int bk_rec_list(struct vmops *v, const char *prefix, cJSON **out,
    struct vmops_call *call, char *err);

/* A store as a task on its node uses it. */
struct bk_store {
	char	bs_name[BACKUP_STORE_MAX + 1];
	char	bs_node[64];
	char	bs_dir[PATH_MAX];	/* resolved, checked again here */
};

/* Store name's record into s: 1, 0 absent, -1 + err. */
int bk_store_find(struct vmops *v, const char *name, struct bk_store *s,
    char *err);
/* The same for a task on this node: the store must be this node's and
 * its directory still under pool_dirs.  0 or -1 + err. */
int bk_store_here(struct vmops *v, const char *name, struct bk_store *s,
    char *err);
/* A disk file of a backup: DIR/ID/diskI.qcow2 into buf. */
void bk_disk_path(const char *dir, const char *id, int i, char *buf,
    size_t len);
/* qemu-img with argv (NULL-terminated, argv[0] "qemu-img"): 0 or -1 +
 * err (its stderr); *out gets its stdout parsed as JSON when not NULL. */
int bk_img(const char *const argv[], cJSON **out, char *err);

/* Remove a directory of plain files (a backup, or one half written):
 * 0, or -1 + err (an absent one is no error). */
int bk_dir_remove(const char *dir, char *err);

#endif
