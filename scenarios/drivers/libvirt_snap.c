/*
 * libvirt_snap.c - VMs with disks of their own on the libvirt platform:
 * the images pool, snapshots, clones, templates, and a VM's disk read
 * back, each with libvirt's own calls (docs/platforms/libvirt.md).
 *
 * libvirt creates, copies and overlays volumes only in pools of files:
 * its iSCSI pools list the LUNs the target has and make none.  The lab
 * has no shared filesystem, so a VM booted from the lab's image gets a
 * qcow2 volume on its host's dir pool (LV_IMAGES_POOL, on the host's
 * kept disk), copied with virStorageVolCreateXMLFrom from a transient
 * pool over the image's directory.  On that qcow2:
 *  - snapshots are internal (virDomainSnapshotCreateXML): libvirt 9.0
 *    reverts no external one, and takes an internal one of a running VM
 *    only with its memory state (savevm), of a stopped VM of its disks;
 *  - a full clone is a volume copy (virStorageVolCreateXMLFrom), a
 *    linked clone a volume whose backingStore is the template's image
 *    (virStorageVolCreateXML), both on the template's host, the new
 *    domain its source's definition with a new name, disk and words;
 *  - libvirt has no templates: a template is a stopped domain marked in
 *    its <metadata> whose disk is <readonly/>; the driver starts,
 *    snapshots and reverts no template, and whatever starts it anyway
 *    cannot write its image.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/drivers/libvirt.h"

#define LV_GUEST_POOL "hvlab-guest"	/* transient, over the image's dir */
#define LV_PATH_MAX 1024
/* How long QEMU's RESUME event may trail the snapshot call's return. */
#define LV_RESUME_WAIT_MS 5000

virStoragePoolPtr
lv_dir_pool(struct driver *d, virConnectPtr c, const char *host,
    const char *name, const char *dir, char *err)
{
	virStoragePoolPtr p;
	char xml[512];

	if ((p = LV_RPC(d, virStoragePoolLookupByName(c, name))) == NULL) {
		snprintf(xml, sizeof(xml), "<pool type='dir'><name>%s</name>"
		    "<target><path>%s</path></target></pool>", name, dir);
		if ((p = LV_RPC(d, virStoragePoolDefineXML(c, xml, 0))) ==
		    NULL) {
			err_set(err, "libvirt: %s: define pool %s: %s", host,
			    name, lv_why());
			return NULL;
		}
		if (LV_RPC(d, virStoragePoolBuild(p, 0)) == -1 ||
		    LV_RPC(d, virStoragePoolSetAutostart(p, 1)) == -1)
			goto fail;
	}
	if (LV_RPC(d, virStoragePoolIsActive(p)) != 1 &&
	    LV_RPC(d, virStoragePoolCreate(p, 0)) == -1)
		goto fail;
	return p;
fail:
	err_set(err, "libvirt: %s: start pool %s: %s", host, name, lv_why());
	virStoragePoolFree(p);
	return NULL;
}

/* The images pool on host (lv_dir_pool).  Caller frees. */
static virStoragePoolPtr
images_pool(struct driver *d, virConnectPtr c, const char *host, char *err)
{
	return lv_dir_pool(d, c, host, LV_IMAGES_POOL, LV_IMAGES_DIR, err);
}

/* A transient dir pool over dir, so that libvirt may copy from it (one
 * an earlier run left is replaced).  Caller destroys and frees. */
static virStoragePoolPtr
guest_pool(struct driver *d, virConnectPtr c, const char *host,
    const char *dir, char *err)
{
	char xml[LV_PATH_MAX + 128];
	virStoragePoolPtr p;

	if ((p = LV_RPC(d, virStoragePoolLookupByName(c, LV_GUEST_POOL))) !=
	    NULL) {
		LV_RPC(d, virStoragePoolDestroy(p));
		virStoragePoolFree(p);
	}
	if (strchr(dir, '<') != NULL || strchr(dir, '&') != NULL ||
	    (size_t)snprintf(xml, sizeof(xml), "<pool type='dir'><name>"
	    LV_GUEST_POOL "</name><target><path>%s</path></target></pool>",
	    dir) >= sizeof(xml)) {
		err_set(err, "libvirt: image directory '%.60s' cannot be a "
		    "pool's path", dir);
		return NULL;
	}
	if ((p = LV_RPC(d, virStoragePoolCreateXML(c, xml, 0))) == NULL)
		err_set(err, "libvirt: %s: pool over %s: %s", host, dir,
		    lv_why());
	return p;
}

/* A new qcow2 volume called name on host's images pool: a copy of src,
 * or (linked) an overlay on src's image.  Caller frees. */
static virStorageVolPtr
vol_make(struct driver *d, virConnectPtr c, const char *host,
    virStorageVolPtr src, const char *name, int linked, char *err)
{
	virStoragePoolPtr pool = images_pool(d, c, host, err);
	virStorageVolPtr vol = NULL;
	virStorageVolInfo info;
	char xml[2048], *backing = NULL;

	if (pool == NULL)
		return NULL;
	if (LV_RPC(d, virStorageVolGetInfo(src, &info)) == -1 || (linked &&
	    (backing = LV_RPC(d, virStorageVolGetPath(src))) == NULL)) {
		err_set(err, "libvirt: %s: volume %s: %s", host,
		    virStorageVolGetName(src), lv_why());
		goto out;
	}
	if (lv_volume_xml(name, info.capacity, backing, xml, sizeof(xml),
	    err) == -1) {
		err_prefix(err, "libvirt");
		goto out;
	}
	vol = linked ? LV_RPC(d, virStorageVolCreateXML(pool, xml, 0)) :
	    LV_RPC(d, virStorageVolCreateXMLFrom(pool, xml, src, 0));
	if (vol == NULL)
		err_set(err, "libvirt: %s: %s volume %s from %s: %s", host,
		    linked ? "overlay" : "copy", name,
		    virStorageVolGetName(src), lv_why());
out:
	free(backing);
	virStoragePoolFree(pool);
	return vol;
}

int
lv_vol_path(struct driver *d, virStorageVolPtr vol, char *path, size_t len,
    char *err)
{
	char *p = LV_RPC(d, virStorageVolGetPath(vol));
	int rc = 0;

	if (p == NULL || strlen(p) >= len) {
		rc = err_set(err, "libvirt: path of volume %s: %s",
		    virStorageVolGetName(vol), p ? "too long" : lv_why());
		LV_RPC(d, virStorageVolDelete(vol, 0));
	} else
		snprintf(path, len, "%s", p);
	free(p);
	return rc;
}

int
lv_image_copy(struct driver *d, const char *host, const char *image,
    const char *vm, char *path, size_t len, char *err)
{
	virConnectPtr c = lv_conn(d, host, err);
	virStoragePoolPtr gp = NULL;
	virStorageVolPtr src = NULL, vol = NULL;
	char dir[LV_PATH_MAX], base[LV_PATH_MAX], name[96];
	int rc = -1;

	if (c == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s", image);
	snprintf(base, sizeof(base), "%s", image);
	snprintf(name, sizeof(name), "%s.qcow2", vm);
	if ((gp = guest_pool(d, c, host, dirname(dir), err)) == NULL)
		return -1;
	if ((src = LV_RPC(d, virStorageVolLookupByName(gp,
	    basename(base)))) == NULL) {
		err_set(err, "libvirt: %s: image %s: %s", host, image, lv_why());
		goto out;
	}
	if ((vol = vol_make(d, c, host, src, name, 0, err)) == NULL ||
	    lv_vol_path(d, vol, path, len, err) == -1)
		goto out;
	rc = 0;
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	if (src != NULL)
		virStorageVolFree(src);
	LV_RPC(d, virStoragePoolDestroy(gp));
	virStoragePoolFree(gp);
	return rc;
}

int
lv_image_delete(struct driver *d, const char *host, const char *path,
    char *err)
{
	virConnectPtr c;
	virStorageVolPtr vol;
	int rc = 0;

	if (strncmp(path, LV_IMAGES_DIR "/", sizeof(LV_IMAGES_DIR)) != 0)
		return 0;		/* not a volume the driver made */
	if ((c = lv_conn(d, host, err)) == NULL)
		return -1;
	if ((vol = LV_RPC(d, virStorageVolLookupByPath(c, path))) == NULL)
		return 0;		/* gone already */
	if (LV_RPC(d, virStorageVolDelete(vol, 0)) == -1)
		rc = err_set(err, "libvirt: %s: delete volume %s: %s", host,
		    path, lv_why());
	virStorageVolFree(vol);
	return rc;
}

int
lv_is_template(struct driver *d, virDomainPtr dom)
{
	char *m = LV_RPC(d, virDomainGetMetadata(dom,
	    VIR_DOMAIN_METADATA_ELEMENT, LV_TEMPLATE_NS,
	    VIR_DOMAIN_AFFECT_CONFIG));
	int marked = m != NULL;

	free(m);
	return marked;
}

/*
 * dom's persistent definition into *xml (caller frees) and its first
 * disk's file into path: 0; DRIVER_UNSUPPORTED when that disk is a LUN;
 * -1 with err.
 */
static int
dom_disk(struct driver *d, virDomainPtr dom, char **xml, char *path,
    char *err)
{
	const char *vm = virDomainGetName(dom);
	int r;

	if ((*xml = LV_RPC(d, virDomainGetXMLDesc(dom,
	    VIR_DOMAIN_XML_INACTIVE))) == NULL)
		return err_set(err, "libvirt: definition of %s: %s", vm,
		    lv_why());
	r = lv_domain_disk_file(*xml, path, LV_PATH_MAX, err);
	if (r == 1)
		return err_set(err, "libvirt: VM %s's disk is a raw LUN of the "
		    "SAN's iscsi pool: libvirt snapshots, copies and overlays "
		    "qcow2 volumes of file pools (a VM booted from the lab's "
		    "image has one)", vm), DRIVER_UNSUPPORTED;
	if (r == -1)
		return err_prefix(err, "libvirt: VM %s", vm);
	return 0;
}

/* dom may have its disk changed (not a template, a file disk): 0,
 * DRIVER_UNSUPPORTED or -1 with err naming what. */
static int
dom_writable(struct driver *d, virDomainPtr dom, const char *what,
    char *err)
{
	char *xml = NULL, path[LV_PATH_MAX];
	int rc;

	if (lv_is_template(d, dom))
		return err_set(err, "libvirt: %s of %s: it is a template, "
		    "whose image is never written", what,
		    virDomainGetName(dom));
	rc = dom_disk(d, dom, &xml, path, err);
	free(xml);
	return rc;
}

/* QEMU's STOP and RESUME events around a snapshot, in QEMU's own
 * timestamps (µs since the epoch). */
struct lv_pause {
	volatile uint64_t p_stop_us, p_resume_us;
};

static void
pause_event(virConnectPtr c, virDomainPtr dom, const char *event,
    long long seconds, unsigned int micros, const char *details, void *arg)
{
	struct lv_pause *p = arg;
	uint64_t us = (uint64_t)seconds * 1000000 + micros;

	if (strcmp(event, "STOP") == 0 && p->p_stop_us == 0)
		p->p_stop_us = us;
	else if (strcmp(event, "RESUME") == 0 && p->p_stop_us != 0)
		p->p_resume_us = us;
}

/*
 * The snapshot, and how long the guest stood still: libvirt stops the
 * CPUs for QEMU's savevm and starts them after it, and QEMU stamps the
 * STOP and RESUME events it sends (libvirt-qemu's monitor events).
 * t_downtime_ms stays unknown when they do not come.  NULL with err
 * when the snapshot failed.
 */
static virDomainSnapshotPtr
snap_take(struct driver *d, virDomainPtr dom, const char *xml,
    struct drv_task *t, char *err)
{
	virConnectPtr c = virDomainGetConnect(dom);
	struct lv_pause p = { 0, 0 };
	virDomainSnapshotPtr s;
	uint64_t end;
	int id;

	id = LV_RPC(d, virConnectDomainQemuMonitorEventRegister(c, dom, NULL,
	    pause_event, &p, NULL, 0));
	if (id == -1)
		log_warnx("libvirt: no QEMU events from %s: %s",
		    virDomainGetName(dom), lv_why());
	if ((s = LV_RPC(d, virDomainSnapshotCreateXML(dom, xml, 0))) == NULL)
		err_set(err, "libvirt: snapshot of %s: %s",
		    virDomainGetName(dom), lv_why());
	end = clock_mono_ns() + LV_RESUME_WAIT_MS * NS_PER_MS;
	while (s != NULL && id != -1 && p.p_stop_us != 0 &&
	    p.p_resume_us == 0 && clock_mono_ns() < end)
		clock_sleep_ns(10 * NS_PER_MS);
	if (id != -1)
		LV_RPC(d, virConnectDomainQemuMonitorEventDeregister(c, id));
	if (p.p_resume_us > p.p_stop_us && p.p_stop_us != 0)
		t->t_downtime_ms = (double)(p.p_resume_us - p.p_stop_us) /
		    1000;
	return s;
}

int
lv_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err)
{
	virDomainPtr dom = lv_find(d, vm, NULL, err);
	virDomainSnapshotPtr s;
	char xml[512];
	int active, rc;

	if (dom == NULL)
		return -1;
	if ((rc = dom_writable(d, dom, "snapshot", err)) != 0)
		goto out;
	active = LV_RPC(d, virDomainIsActive(dom)) == 1;
	rc = -1;
	if (with_ram && !active)
		err_set(err, "libvirt: snapshot %s of %s with RAM: %s does "
		    "not run", snap, vm, vm);
	else if (!with_ram && active) {
		err_set(err, "libvirt 9.0 takes an internal snapshot of a "
		    "running VM only with its memory state, and reverts no "
		    "external (disk-only) one: no disk-only snapshot of "
		    "running %s", vm);
		rc = DRIVER_UNSUPPORTED;
	} else if (lv_snapshot_xml(snap, with_ram, xml, sizeof(xml), err) ==
	    -1)
		err_prefix(err, "libvirt: VM %s", vm);
	else if ((s = snap_take(d, dom, xml, t, err)) != NULL) {
		virDomainSnapshotFree(s);
		rc = 0;
	}
out:
	virDomainFree(dom);
	t->t_done = 1;
	return rc;
}

/* Revert vm to its snapshot snap (revert), or delete snap.  A snapshot
 * with RAM comes back running from its instant (the state it was taken
 * in), one of a stopped VM stopped. */
static int
snap_act(struct driver *d, const char *vm, const char *snap, int revert,
    struct drv_task *t, char *err)
{
	virDomainPtr dom = lv_find(d, vm, NULL, err);
	virDomainSnapshotPtr s;
	int rc = -1;

	if (dom == NULL)
		return -1;
	t->t_done = 1;
	if ((s = LV_RPC(d, virDomainSnapshotLookupByName(dom, snap, 0))) ==
	    NULL)
		err_set(err, "libvirt: VM %s has no snapshot %s: %s", vm, snap,
		    lv_why());
	else if (revert && (rc = dom_writable(d, dom, "rollback", err)) != 0)
		;	/* a template's image is never written */
	else if ((revert ? LV_RPC(d, virDomainRevertToSnapshot(s, 0)) :
	    LV_RPC(d, virDomainSnapshotDelete(s, 0))) == -1)
		rc = err_set(err, "libvirt: %s snapshot %s of %s: %s", revert ?
		    "revert to" : "delete", snap, vm, lv_why());
	else
		rc = 0;
	if (s != NULL)
		virDomainSnapshotFree(s);
	virDomainFree(dom);
	return rc;
}

int
lv_snapshot_rollback(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	return snap_act(d, vm, snap, 1, t, err);
}

int
lv_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	return snap_act(d, vm, snap, 0, t, err);
}

/* Whether vm (on host, running or not, a template or not) may be
 * cloned so: 0, or -1 / DRIVER_UNSUPPORTED with err. */
static int
clone_check(struct driver *d, virDomainPtr dom, const char *host,
    const struct drv_vm_spec *nv, int linked, char *err)
{
	const char *vm = virDomainGetName(dom);
	virDomainPtr other;
	char e[ERR_LEN];

	if ((other = lv_find(d, nv->v_name, NULL, e)) != NULL) {
		virDomainFree(other);
		return err_set(err, "libvirt: clone of %s: VM %s exists "
		    "already", vm, nv->v_name);
	}
	if (nv->v_host != NULL && strcmp(nv->v_host, host) != 0)
		return err_set(err, "libvirt: clone %s of %s on %s: %s's image "
		    "is on %s's own pool %s (the lab has no shared file pool)",
		    nv->v_name, vm, nv->v_host, vm, host, LV_IMAGES_POOL),
		    DRIVER_UNSUPPORTED;
	if (nv->v_cmdline == NULL)
		return err_set(err, "libvirt: clone %s of %s: no guest words",
		    nv->v_name, vm);
	if (linked && !lv_is_template(d, dom))
		return err_set(err, "libvirt: linked clone %s of %s: %s is not "
		    "a template (an overlay needs an image nothing writes)",
		    nv->v_name, vm, vm);
	if (!linked && LV_RPC(d, virDomainIsActive(dom)) == 1)
		return err_set(err, "libvirt: full clone %s of %s: %s runs "
		    "(libvirt copies the volume of a stopped VM)", nv->v_name,
		    vm, vm);
	return 0;
}

/* The clone's volume from its source's disk at src_path and its domain
 * defined on host; the volume is deleted when the domain is not. */
static int
clone_define(struct driver *d, const char *host, const char *srcxml,
    const char *src_path, const struct drv_vm_spec *nv, int linked,
    char *err)
{
	virConnectPtr c = lv_conn(d, host, err);
	virStorageVolPtr src = NULL, vol = NULL;
	virDomainPtr dom;
	char name[96], path[LV_PATH_MAX], *xml = NULL;
	struct lv_clone lc = { nv->v_name, path, nv->v_cmdline };
	int rc = -1;

	if (c == NULL)
		return -1;
	if ((src = LV_RPC(d, virStorageVolLookupByPath(c, src_path))) ==
	    NULL)
		return err_set(err, "libvirt: %s: no volume %s: %s", host,
		    src_path, lv_why());
	snprintf(name, sizeof(name), "%s.qcow2", nv->v_name);
	if ((vol = vol_make(d, c, host, src, name, linked, err)) == NULL ||
	    lv_vol_path(d, vol, path, sizeof(path), err) == -1)
		goto out;
	if (lv_clone_xml(srcxml, &lc, &xml, err) == -1)
		err_prefix(err, "libvirt: clone %s", nv->v_name);
	else if ((dom = LV_RPC(d, virDomainDefineXML(c, xml))) == NULL)
		err_set(err, "libvirt: define clone %s on %s: %s", nv->v_name,
		    host, lv_why());
	else {
		virDomainFree(dom);
		rc = 0;
	}
	if (rc == -1)
		LV_RPC(d, virStorageVolDelete(vol, 0));
out:
	free(xml);
	if (vol != NULL)
		virStorageVolFree(vol);
	virStorageVolFree(src);
	return rc;
}

int
lv_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err)
{
	const char *host;
	virDomainPtr dom = lv_find(d, vm, &host, err);
	char *xml = NULL, path[LV_PATH_MAX];
	int rc;

	if (dom == NULL)
		return -1;
	if ((rc = clone_check(d, dom, host, nv, linked, err)) == 0 &&
	    (rc = dom_disk(d, dom, &xml, path, err)) == 0)
		rc = clone_define(d, host, xml, path, nv, linked, err);
	free(xml);
	virDomainFree(dom);
	t->t_done = 1;
	return rc;
}

int
lv_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	const char *host;
	virDomainPtr dom = lv_find(d, vm, &host, err), def;
	char *xml = NULL, *tx = NULL, path[LV_PATH_MAX];
	virConnectPtr c;
	int rc;

	if (dom == NULL)
		return -1;
	t->t_done = 1;
	if ((rc = dom_disk(d, dom, &xml, path, err)) != 0)
		goto out;
	rc = -1;
	if (LV_RPC(d, virDomainIsActive(dom)) == 1)
		err_set(err, "libvirt: template of %s: it runs (stop it first)",
		    vm);
	else if (lv_template_xml(xml, LV_TEMPLATE_NS, &tx, err) == -1)
		err_prefix(err, "libvirt: template of %s", vm);
	else if ((c = lv_conn(d, host, err)) == NULL)
		;
	else if ((def = LV_RPC(d, virDomainDefineXML(c, tx))) == NULL)
		err_set(err, "libvirt: template of %s: %s", vm, lv_why());
	else {
		virDomainFree(def);
		rc = 0;
	}
out:
	free(tx);
	free(xml);
	virDomainFree(dom);
	return rc;
}

/* The stream's bytes into the digest. */
static int
sha_sink(virStreamPtr st, const char *data, size_t n, void *arg)
{
	return gnutls_hash(*(gnutls_hash_hd_t *)arg, data, n) == 0 ? (int)n :
	    -1;
}

/* SHA-256 of vol's bytes as stored, downloaded through libvirt, into
 * hex (65 bytes). */
static int
vol_sha256(struct driver *d, virConnectPtr c, virStorageVolPtr vol,
    char *hex, char *err)
{
	virStreamPtr st = virStreamNew(c, 0);
	gnutls_hash_hd_t h;
	unsigned char md[32];
	int i, rc = -1;

	if (st == NULL)
		return err_set(err, "libvirt: stream: %s", lv_why());
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0) {
		virStreamFree(st);
		return err_set(err, "gnutls: no SHA-256");
	}
	if (LV_RPC(d, virStorageVolDownload(vol, st, 0, 0, 0)) == -1 ||
	    virStreamRecvAll(st, sha_sink, &h) == -1 ||
	    virStreamFinish(st) == -1) {
		err_set(err, "libvirt: download volume %s: %s",
		    virStorageVolGetName(vol), lv_why());
		virStreamAbort(st);
	} else
		rc = 0;
	gnutls_hash_deinit(h, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	virStreamFree(st);
	return rc;
}

int
lv_vm_disk(struct driver *d, const char *vm, int digest,
    struct drv_disk_info *di, char *err)
{
	const char *host;
	virDomainPtr dom = lv_find(d, vm, &host, err);
	virStorageVolPtr vol = NULL;
	virStorageVolInfo info;
	virConnectPtr c;
	char *xml = NULL, path[LV_PATH_MAX];
	int rc;

	memset(di, 0, sizeof(*di));
	if (dom == NULL)
		return -1;
	if ((rc = dom_disk(d, dom, &xml, path, err)) != 0)
		goto out;
	rc = -1;
	if ((c = lv_conn(d, host, err)) == NULL)
		goto out;
	if ((vol = LV_RPC(d, virStorageVolLookupByPath(c, path))) == NULL ||
	    LV_RPC(d, virStorageVolGetInfo(vol, &info)) == -1) {
		err_set(err, "libvirt: %s: volume %s of %s: %s", host, path, vm,
		    lv_why());
		goto out;
	}
	di->di_alloc_bytes = info.allocation;
	if (digest && vol_sha256(d, c, vol, di->di_sha256, err) == -1)
		goto out;
	rc = 0;
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	free(xml);
	virDomainFree(dom);
	return rc;
}
