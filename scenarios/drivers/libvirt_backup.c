/*
 * libvirt_backup.c - backups on the libvirt platform with libvirt's own
 * backup API (docs/platforms/libvirt.md): virDomainBackupBegin in push
 * mode, where QEMU writes the backup into a file, with a checkpoint made
 * at the same instant (a persistent dirty bitmap in the disk's qcow2) so
 * that the next backup can be incremental.
 *
 * The backups of a host are volumes of its dir pool LV_BACKUP_POOL (on
 * the host's kept disk): ID.qcow2, ID being the checkpoint's name
 * "VM.YYYYMMDD-HHMMSS-mmm" (UTC).  The driver makes each target volume
 * itself (VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL): a full backup's is an
 * empty qcow2 of the disk's size, an incremental one's a qcow2 whose
 * backing file is its parent backup's, so the pair reads as the disk at
 * the incremental backup's instant, as hvd's chains do.  (Left to
 * itself, libvirt would give an incremental target the live disk as its
 * backing file.)  The id the runner gets is "HOST/ID".
 *
 * A restore is a copy of that volume into the host's images pool
 * (virStorageVolCreateXMLFrom: qemu-img convert, which reads the whole
 * chain) and a domain defined from the backed-up VM's definition with a
 * new name, disk and guest words, as a clone is (libvirt_snap.c).  The
 * backup keeps no definition of its own: the VM must still be defined.
 * libvirt has no backup schedules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/drivers/libvirt.h"

#define LV_BACKUP_POOL "hvlab-backups"
#define LV_BACKUP_DIR "/var/lib/libvirt/backups"
/* The driver's domains have one disk, vda (libvirt_conf.c). */
#define LV_BACKUP_DISK "vda"
#define LV_BACKUP_WAIT_NS (30 * 60 * NS_PER_S)
#define LV_ID_MAX 128

int
lv_backup_xml(const char *target, const char *incremental, char *buf,
    size_t len, char *err)
{
	int n;

	if (strpbrk(target, "<>&'\"") != NULL || (incremental != NULL &&
	    strpbrk(incremental, "<>&'\"") != NULL))
		return err_set(err, "backup target '%.80s' or checkpoint is not "
		    "plain text", target);
	n = snprintf(buf, len, "<domainbackup mode='push'>\n%s%s%s"
	    "  <disks>\n"
	    "    <disk name='" LV_BACKUP_DISK "' backup='yes' type='file'>\n"
	    "      <driver type='qcow2'/>\n"
	    "      <target file='%s'/>\n"
	    "    </disk>\n"
	    "  </disks>\n"
	    "</domainbackup>\n", incremental ? "  <incremental>" : "",
	    incremental ? incremental : "", incremental ? "</incremental>\n" :
	    "", target);
	if (n < 0 || (size_t)n >= len)
		return err_set(err, "backup XML longer than %zu bytes", len);
	return 0;
}

int
lv_checkpoint_xml(const char *name, char *buf, size_t len, char *err)
{
	int n;

	if (strpbrk(name, "<>&'\"/") != NULL)
		return err_set(err, "checkpoint name '%.80s' is not plain",
		    name);
	n = snprintf(buf, len, "<domaincheckpoint>\n  <name>%s</name>\n"
	    "  <disks>\n    <disk name='" LV_BACKUP_DISK "' "
	    "checkpoint='bitmap'/>\n  </disks>\n</domaincheckpoint>\n", name);
	if (n < 0 || (size_t)n >= len)
		return err_set(err, "checkpoint XML longer than %zu bytes", len);
	return 0;
}

int
lv_backup_id_parse(const char *id, char *host, size_t hlen, char *ck,
    size_t cklen, char *vm, size_t vmlen, char *err)
{
	const char *slash = strchr(id, '/'), *dot;

	if (slash == NULL || slash == id || (size_t)(slash - id) >= hlen ||
	    strchr(slash + 1, '/') != NULL ||
	    (dot = strrchr(slash + 1, '.')) == NULL || dot == slash + 1 ||
	    strlen(slash + 1) >= cklen || (size_t)(dot - slash - 1) >= vmlen)
		return err_set(err, "libvirt: backup id '%.80s' is not "
		    "HOST/VM.TIME", id);
	snprintf(host, hlen, "%.*s", (int)(slash - id), id);
	snprintf(ck, cklen, "%s", slash + 1);
	snprintf(vm, vmlen, "%.*s", (int)(dot - slash - 1), slash + 1);
	return 0;
}

/* host's backup pool (lv_dir_pool).  Caller frees. */
static virStoragePoolPtr
bk_pool(struct driver *d, virConnectPtr c, const char *host, char *err)
{
	return lv_dir_pool(d, c, host, LV_BACKUP_POOL, LV_BACKUP_DIR, err);
}

/* The checkpoint an incremental backup of dom builds on: its newest
 * (the one leaf of the chain the driver makes) into name. */
static int
bk_parent(struct driver *d, virDomainPtr dom, char *name, size_t len,
    char *err)
{
	virDomainCheckpointPtr *cps = NULL;
	int i, n;

	n = LV_RPC(d, virDomainListAllCheckpoints(dom, &cps,
	    VIR_DOMAIN_CHECKPOINT_LIST_LEAVES));
	if (n < 0)
		return err_set(err, "libvirt: checkpoints of %s: %s",
		    virDomainGetName(dom), lv_why());
	if (n == 1)
		snprintf(name, len, "%s", virDomainCheckpointGetName(cps[0]));
	for (i = 0; i < n; i++)
		virDomainCheckpointFree(cps[i]);
	free(cps);
	if (n != 1)
		return err_set(err, "libvirt: VM %s has %s checkpoint to build "
		    "an incremental backup on: take a full backup first",
		    virDomainGetName(dom), n == 0 ? "no" : "more than one");
	return 0;
}

/* The target volume ID.qcow2 of capacity bytes, on parent's backup when
 * parent is not NULL; its path into path.  Caller frees. */
static virStorageVolPtr
bk_target(struct driver *d, virStoragePoolPtr pool, const char *id,
    const char *parent, unsigned long long capacity, char *path,
    size_t plen, char *err)
{
	char name[LV_ID_MAX + 8], back[1024], xml[2048];
	virStorageVolPtr vol;

	snprintf(name, sizeof(name), "%s.qcow2", id);
	snprintf(back, sizeof(back), "%s/%s.qcow2", LV_BACKUP_DIR, parent ?
	    parent : "");
	if (lv_volume_xml(name, capacity, parent ? back : NULL, xml,
	    sizeof(xml), err) == -1) {
		err_prefix(err, "libvirt: backup volume");
		return NULL;
	}
	if ((vol = LV_RPC(d, virStorageVolCreateXML(pool, xml, 0))) == NULL) {
		err_set(err, "libvirt: backup volume %s: %s", name, lv_why());
		return NULL;
	}
	if (lv_vol_path(d, vol, path, plen, err) == -1) {
		virStorageVolFree(vol);
		return NULL;
	}
	return vol;
}

/* Wait for dom's backup job to end: 0 when it completed, -1 with err
 * (libvirt's message) when it failed or did not end in time. */
static int
bk_wait(struct driver *d, virDomainPtr dom, char *err)
{
	uint64_t end = clock_mono_ns() + LV_BACKUP_WAIT_NS;
	virTypedParameterPtr p = NULL;
	const char *msg = NULL;
	int type = VIR_DOMAIN_JOB_UNBOUNDED, np = 0, rc = -1;

	while (type != VIR_DOMAIN_JOB_NONE) {
		if (clock_mono_ns() > end)
			return err_set(err, "libvirt: backup of %s did not end "
			    "in %d s", virDomainGetName(dom),
			    (int)(LV_BACKUP_WAIT_NS / NS_PER_S));
		clock_sleep_ns(100 * NS_PER_MS);
		if (LV_RPC(d, virDomainGetJobStats(dom, &type, &p, &np,
		    0)) == -1)
			return err_set(err, "libvirt: job of %s: %s",
			    virDomainGetName(dom), lv_why());
		virTypedParamsFree(p, np);
		p = NULL;
		np = 0;
	}
	if (LV_RPC(d, virDomainGetJobStats(dom, &type, &p, &np,
	    VIR_DOMAIN_JOB_STATS_COMPLETED)) == -1)
		return err_set(err, "libvirt: backup of %s ended, its result "
		    "unknown: %s", virDomainGetName(dom), lv_why());
	if (type == VIR_DOMAIN_JOB_COMPLETED)
		rc = 0;
	else {
		virTypedParamsGetString(p, np, VIR_DOMAIN_JOB_ERRMSG, &msg);
		err_set(err, "libvirt: backup of %s failed: %s",
		    virDomainGetName(dom), msg ? msg : "(no message)");
	}
	virTypedParamsFree(p, np);
	return rc;
}

/* dom's disk size (vda's capacity) into *cap. */
static int
bk_capacity(struct driver *d, virDomainPtr dom, unsigned long long *cap,
    char *err)
{
	virDomainBlockInfo bi;

	if (LV_RPC(d, virDomainGetBlockInfo(dom, LV_BACKUP_DISK, &bi,
	    0)) == -1)
		return err_set(err, "libvirt: disk " LV_BACKUP_DISK " of %s: %s",
		    virDomainGetName(dom), lv_why());
	*cap = bi.capacity;
	return 0;
}

/* The backup's id "VM.YYYYMMDD-HHMMSS-mmm" (UTC) into id. */
static void
bk_id_make(const char *vm, char *id, size_t len)
{
	uint64_t ns = clock_wall_ns();
	time_t s = (time_t)(ns / NS_PER_S);
	struct tm tm;
	char ts[32];

	gmtime_r(&s, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	snprintf(id, len, "%s.%s-%03u", vm, ts,
	    (unsigned)(ns / NS_PER_MS % 1000));
}

/* The push job: begun (timed: t_downtime_ms) and waited for; the
 * target's size in its pool into t_bytes. */
static int
bk_push(struct driver *d, virDomainPtr dom, virStoragePoolPtr pool,
    virStorageVolPtr vol, const char *xml[2], struct drv_task *t,
    char *err)
{
	virStorageVolInfo info;
	uint64_t t0 = clock_mono_ns();

	if (LV_RPC(d, virDomainBackupBegin(dom, xml[0], xml[1],
	    VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL)) == -1)
		return err_set(err, "libvirt: backup of %s: %s",
		    virDomainGetName(dom), lv_why());
	/* QEMU's transaction is inside the call: the disks were drained at
	 * most this long, the vCPUs never stopped. */
	t->t_downtime_ms = (double)(clock_mono_ns() - t0) / 1e6;
	if (bk_wait(d, dom, err) == -1)
		return -1;
	if (LV_RPC(d, virStoragePoolRefresh(pool, 0)) == -1 ||
	    LV_RPC(d, virStorageVolGetInfo(vol, &info)) == -1)
		return err_set(err, "libvirt: backup volume of %s: %s",
		    virDomainGetName(dom), lv_why());
	t->t_bytes = info.allocation;
	return 0;
}

/* A backup of dom on host into its id; the target volume goes when the
 * backup fails. */
static int
bk_run(struct driver *d, virDomainPtr dom, const char *host,
    struct drv_backup *b, struct drv_task *t, char *err)
{
	virConnectPtr c = virDomainGetConnect(dom);
	virStoragePoolPtr pool;
	virStorageVolPtr vol = NULL;
	char id[LV_ID_MAX], parent[LV_ID_MAX], path[1024], bx[2048], cx[512];
	const char *xml[2] = { bx, cx };
	unsigned long long cap = 0;
	int rc = -1;

	if ((pool = bk_pool(d, c, host, err)) == NULL)
		return -1;
	bk_id_make(b->b_vm, id, sizeof(id));
	if ((b->b_incremental && bk_parent(d, dom, parent, sizeof(parent),
	    err) == -1) || bk_capacity(d, dom, &cap, err) == -1 ||
	    (vol = bk_target(d, pool, id, b->b_incremental ? parent : NULL,
	    cap, path, sizeof(path), err)) == NULL)
		goto out;
	if (lv_backup_xml(path, b->b_incremental ? parent : NULL, bx,
	    sizeof(bx), err) == -1 || lv_checkpoint_xml(id, cx, sizeof(cx),
	    err) == -1) {
		err_prefix(err, "libvirt: backup of %s", b->b_vm);
		goto out;
	}
	if (bk_push(d, dom, pool, vol, xml, t, err) == -1)
		goto out;
	snprintf(b->b_id, sizeof(b->b_id), "%s/%s", host, id);
	rc = 0;
out:
	if (rc == -1 && vol != NULL)
		LV_RPC(d, virStorageVolDelete(vol, 0));
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(pool);
	return rc;
}

int
lv_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err)
{
	const char *host;
	virDomainPtr dom;
	int rc = -1;

	t->t_done = 1;
	if (b->b_target != NULL)
		return err_set(err, "libvirt: backup of %s: the driver keeps "
		    "backups in each host's pool %s, not in '%s'", b->b_vm,
		    LV_BACKUP_POOL, b->b_target);
	if ((dom = lv_find(d, b->b_vm, &host, err)) == NULL)
		return -1;
	if (LV_RPC(d, virDomainIsActive(dom)) != 1)
		err_set(err, "libvirt: backup of %s: it does not run (libvirt "
		    "backs up running domains)", b->b_vm);
	else
		rc = bk_run(d, dom, host, b, t, err);
	virDomainFree(dom);
	return rc;
}

/* The backup volume of id on host and its source VM's definition. */
struct bk_src {
	char host[DRV_NAME_MAX], ck[LV_ID_MAX], vm[DRV_NAME_MAX];
	virConnectPtr c;
	virStorageVolPtr vol;
};

static int
bk_src_open(struct driver *d, const char *backup_id, struct bk_src *s,
    char *err)
{
	virStoragePoolPtr pool;
	char name[LV_ID_MAX + 8];

	memset(s, 0, sizeof(*s));
	if (lv_backup_id_parse(backup_id, s->host, sizeof(s->host), s->ck,
	    sizeof(s->ck), s->vm, sizeof(s->vm), err) == -1 ||
	    (s->c = lv_conn(d, s->host, err)) == NULL ||
	    (pool = bk_pool(d, s->c, s->host, err)) == NULL)
		return -1;
	snprintf(name, sizeof(name), "%s.qcow2", s->ck);
	s->vol = LV_RPC(d, virStorageVolLookupByName(pool, name));
	virStoragePoolFree(pool);
	if (s->vol == NULL)
		return err_set(err, "libvirt: %s: no backup %s: %s", s->host,
		    name, lv_why());
	return 0;
}

/* The copy of the backup's chain as NEW.qcow2 in the host's images pool,
 * its path into path.  Caller frees. */
static virStorageVolPtr
bk_copy(struct driver *d, struct bk_src *s, const char *vm, char *path,
    size_t plen, char *err)
{
	char name[DRV_NAME_MAX + 8], xml[2048];
	virStorageVolPtr vol = NULL;
	virStorageVolInfo info;
	virStoragePoolPtr ip;

	snprintf(name, sizeof(name), "%s.qcow2", vm);
	if ((ip = LV_RPC(d, virStoragePoolLookupByName(s->c,
	    LV_IMAGES_POOL))) == NULL) {
		err_set(err, "libvirt: %s: pool %s: %s", s->host,
		    LV_IMAGES_POOL, lv_why());
		return NULL;
	}
	if (LV_RPC(d, virStorageVolGetInfo(s->vol, &info)) == -1)
		err_set(err, "libvirt: backup %s: %s", s->ck, lv_why());
	else if (lv_volume_xml(name, info.capacity, NULL, xml, sizeof(xml),
	    err) == -1)
		err_prefix(err, "libvirt: restore of %s", s->ck);
	else if ((vol = LV_RPC(d, virStorageVolCreateXMLFrom(ip, xml, s->vol,
	    0))) == NULL)
		err_set(err, "libvirt: %s: copy backup %s to %s: %s", s->host,
		    s->ck, name, lv_why());
	else if (lv_vol_path(d, vol, path, plen, err) == -1) {
		virStorageVolFree(vol);
		vol = NULL;
	}
	virStoragePoolFree(ip);
	return vol;
}

/* The new domain from src's definition with its own name, disk at path
 * and words. */
static int
bk_define(struct driver *d, struct bk_src *s, virDomainPtr src,
    const struct drv_vm_spec *nv, const char *path, char *err)
{
	struct lv_clone lc = { nv->v_name, path, nv->v_cmdline };
	char *sx, *xml = NULL;
	virDomainPtr dom;
	int rc = -1;

	if ((sx = LV_RPC(d, virDomainGetXMLDesc(src,
	    VIR_DOMAIN_XML_INACTIVE))) == NULL)
		return err_set(err, "libvirt: definition of %s: %s", s->vm,
		    lv_why());
	if (lv_clone_xml(sx, &lc, &xml, err) == -1)
		err_prefix(err, "libvirt: restore %s", nv->v_name);
	else if ((dom = LV_RPC(d, virDomainDefineXML(s->c, xml))) == NULL)
		err_set(err, "libvirt: define restored %s on %s: %s",
		    nv->v_name, s->host, lv_why());
	else {
		virDomainFree(dom);
		rc = 0;
	}
	free(xml);
	free(sx);
	return rc;
}

/* Whether the restore can be: the new VM's words and host, no VM of its
 * name, the backed-up VM still defined (*src; caller frees). */
static int
bk_restore_check(struct driver *d, struct bk_src *s,
    const struct drv_vm_spec *nv, virDomainPtr *src, char *err)
{
	virDomainPtr other;
	char e[ERR_LEN];

	if (nv->v_cmdline == NULL)
		return err_set(err, "libvirt: restore %s: no guest words",
		    nv->v_name);
	if (nv->v_host != NULL && strcmp(nv->v_host, s->host) != 0)
		return err_set(err, "libvirt: restore %s on %s: backup %s is "
		    "on %s's own pool %s (the lab has no shared file pool)",
		    nv->v_name, nv->v_host, s->ck, s->host, LV_BACKUP_POOL),
		    DRIVER_UNSUPPORTED;
	if ((other = lv_find(d, nv->v_name, NULL, e)) != NULL) {
		virDomainFree(other);
		return err_set(err, "libvirt: restore %s: VM %s exists "
		    "already", s->ck, nv->v_name);
	}
	if ((*src = lv_find(d, s->vm, NULL, e)) == NULL)
		return err_set(err, "libvirt: restore %s: the backup keeps no "
		    "definition, and VM %s's is gone", s->ck, s->vm);
	return 0;
}

int
lv_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	virDomainPtr src = NULL;
	virStorageVolPtr vol = NULL;
	struct bk_src s;
	char path[1024];
	int rc;

	t->t_done = 1;
	if ((rc = bk_src_open(d, backup_id, &s, err)) != 0 ||
	    (rc = bk_restore_check(d, &s, nv, &src, err)) != 0)
		goto out;
	rc = -1;
	if ((vol = bk_copy(d, &s, nv->v_name, path, sizeof(path), err)) ==
	    NULL)
		goto out;
	if (bk_define(d, &s, src, nv, path, err) == 0)
		rc = 0;
	else
		LV_RPC(d, virStorageVolDelete(vol, 0));
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	if (src != NULL)
		virDomainFree(src);
	if (s.vol != NULL)
		virStorageVolFree(s.vol);
	return rc;
}

/* The checkpoint of backup s on its VM (when the VM is still defined)
 * deleted; refused while a later backup builds on it. */
static int
bk_uncheckpoint(struct driver *d, struct bk_src *s, char *err)
{
	virDomainCheckpointPtr ck, *kids = NULL;
	virDomainPtr dom;
	char e[ERR_LEN];
	int i, n, rc = -1;

	if ((dom = lv_find(d, s->vm, NULL, e)) == NULL)
		return 0;		/* its checkpoints went with it */
	if ((ck = LV_RPC(d, virDomainCheckpointLookupByName(dom, s->ck,
	    0))) == NULL) {
		virDomainFree(dom);
		return 0;
	}
	n = LV_RPC(d, virDomainCheckpointListAllChildren(ck, &kids, 0));
	if (n < 0)
		err_set(err, "libvirt: checkpoint %s: %s", s->ck, lv_why());
	else if (n > 0)
		err_set(err, "libvirt: %s builds on backup %s; delete it first",
		    virDomainCheckpointGetName(kids[0]), s->ck);
	else if (LV_RPC(d, virDomainCheckpointDelete(ck, 0)) == -1)
		err_set(err, "libvirt: delete checkpoint %s: %s", s->ck,
		    lv_why());
	else
		rc = 0;
	for (i = 0; i < n; i++)
		virDomainCheckpointFree(kids[i]);
	free(kids);
	virDomainCheckpointFree(ck);
	virDomainFree(dom);
	return rc;
}

int
lv_backup_delete(struct driver *d, const char *backup_id,
    struct drv_task *t, char *err)
{
	struct bk_src s;
	int rc = -1;

	t->t_done = 1;
	if (bk_src_open(d, backup_id, &s, err) == -1)
		goto out;
	if (bk_uncheckpoint(d, &s, err) == -1)
		goto out;
	if (LV_RPC(d, virStorageVolDelete(s.vol, 0)) == -1)
		err_set(err, "libvirt: %s: delete backup %s: %s", s.host, s.ck,
		    lv_why());
	else
		rc = 0;
out:
	if (s.vol != NULL)
		virStorageVolFree(s.vol);
	return rc;
}
