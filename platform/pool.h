/*
 * pool.h - storage pools and volumes as the cluster sees them.
 *
 * A pool is defined once for the cluster and kept in etcd
 * (/hvd/pools/NAME):
 *   iscsi  {"portal": "IP[:PORT]", "target": IQN}: shared; its LUNs are
 *          found at creation (a TCP connection to the portal, then
 *          qemu-img info on iscsi://PORTAL/IQN/N, bounded in time) and
 *          recorded; every node reaches them with QEMU's libiscsi driver.
 *   dir    {"path": DIR, "node": NODE}: local qcow2 files on one node;
 *          DIR resolves (symlinks followed) to a directory under the
 *          node's pool_dirs (confine.h), checked at creation and again
 *          when a volume is made or opened there.
 * A volume (/hvd/volumes/POOL/NAME) is a qcow2 image: on iscsi, written
 * onto a whole LUN (thin inside it); the LUN is taken with an etcd
 * create-if-absent on /hvd/luns/POOL/N, so two volumes (and so two VMs)
 * never get one LUN.  A volume is never deleted while a VM's config names
 * it.  Volume creation runs qemu-img on the node asked (dir: must be the
 * pool's node).
 *
 * API-facing calls return 0, or -1 with err and, in their struct
 * pool_call, the HTTP status and the offending field ("" when none).
 */
#ifndef HVD_POOL_H
#define HVD_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct etcd;

#define POOL_FIELD_LEN	64
#define POOL_PATH_MAX	512	/* a resolved path or iscsi:// URI */

/* One API call on pools: the node that takes it, and what the call
 * answers besides its return value and err. */
struct pool_call {
	const char	*pc_node;		/* this node */
	const char	*pc_pool_dirs;		/* roots dir pools may be under
						 * (hvd.conf pool_dirs); NULL =
						 * the default */
	int		 pc_status;		/* out: the HTTP status */
	char		 pc_field[POOL_FIELD_LEN]; /* out: offending field */
	const char	*pc_import_dirs;	/* where a volume's source may
						 * be (hvd.conf import_dirs);
						 * NULL = the default */
};

/* POST /pools {"name","type",...}: define a pool (iscsi: its LUNs are
 * discovered; dir: its path is confined to pc_pool_dirs, 400 naming
 * "path" and the roots otherwise).  *out = the pool. */
int pool_create(struct etcd *e, const cJSON *body, cJSON **out,
    struct pool_call *call, char *err);
/* The body of POST /pools alone, without I/O: keys, name, type and the
 * type's members (dir: path, node defaulting to node; iscsi: portal,
 * target).  0 with *rec = the new pool's record (the caller's), or -1
 * with err and call's answer. */
int pool_body_check(const cJSON *body, const char *node, cJSON **rec,
    struct pool_call *call, char *err);
int pool_list(struct etcd *e, cJSON **out, struct pool_call *call,
    char *err);
int pool_get(struct etcd *e, const char *name, cJSON **out,
    struct pool_call *call, char *err);
/* Refused (409) while the pool has volumes. */
int pool_delete(struct etcd *e, const char *name, struct pool_call *call,
    char *err);

/* POST /pools/POOL/volumes {"name": S, "size_mib": N?, "source": PATH?,
 * "source_format": "qcow2"|"raw"?} (iscsi: default the LUN's size less
 * qcow2 room; dir: size_mib required, or the source's size).  With a
 * source the node asked copies that image (volimport.h) into the new
 * volume before it answers; a failed copy leaves no volume and frees its
 * LUN. */
int volume_create(struct etcd *e, const char *pool, const cJSON *body,
    cJSON **out, struct pool_call *call, char *err);
int volume_list(struct etcd *e, const char *pool, cJSON **out,
    struct pool_call *call, char *err);
/* A volume hvd makes for itself (clones): in vs_pool, vs_mib MiB (0 =
 * the backing's size), and with vs_backing set a qcow2 overlay on that
 * volume of the same pool (recorded as "backing"; dir: a backing path
 * relative to the pool's directory, iscsi: the LUN's URI).  Checks and
 * answers as volume_create. */
struct volume_spec {
	const char	*vs_pool;
	const char	*vs_name;
	int64_t		 vs_mib;
	const char	*vs_backing;	/* volume name or NULL */
	const char	*vs_source;	/* an image to copy in, or NULL */
	const char	*vs_source_fmt;	/* its format (default qcow2) */
};
/* The body of POST /pools/POOL/volumes alone into vs (vs_pool and
 * vs_backing untouched; the strings point into body; vs_mib 0 when not
 * given).  0, or -1 with err and call's answer. */
int volume_body_check(const cJSON *body, struct volume_spec *vs,
    struct pool_call *call, char *err);
int volume_make(struct etcd *e, const struct volume_spec *vs, cJSON **out,
    struct pool_call *call, char *err);
/* The record of pool/volume: 1 (*out the caller's), 0 absent, -1 + err. */
int volume_get(struct etcd *e, const char *pool, const char *volume,
    cJSON **out, char *err);
/* Mark pool/volume a template's base image ("base": true): 0 or -1. */
int volume_mark_base(struct etcd *e, const char *pool, const char *volume,
    char *err);
/* Refused (409) while a VM names it or another volume overlays it;
 * frees its LUN. */
int volume_delete(struct etcd *e, const char *pool, const char *volume,
    struct pool_call *call, char *err);

/*
 * The path QEMU opens for pool/volume on node (iscsi URI or file), into
 * buf.  -1 with err when the pool or volume is unknown or the volume is
 * on another node's dir pool.
 */
int pool_resolve(struct etcd *e, const char *node, const char *pool,
    const char *volume, char buf[POOL_PATH_MAX], char *err);
/* Which VM (other than except, may be NULL) names pool/volume in its
 * config: 1 (vm filled, 64 bytes), 0 none, -1 error. */
int pool_volume_user(struct etcd *e, const char *pool, const char *volume,
    const char *except, char *vm, char *err);

/* "IP[:PORT]" + IQN + LUN -> "iscsi://IP[:PORT]/IQN/LUN" (for tests). */
int pool_iscsi_uri(const char *portal, const char *target, int lun,
    char *buf, size_t len, char *err);

#endif
