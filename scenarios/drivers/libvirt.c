/*
 * libvirt.c - the `libvirt` driver: libvirt 9.0's QEMU driver on every
 * host, clustered with Corosync 3 and Pacemaker 2.1, the classic open HA
 * virtualization stack (docs/platforms/libvirt.md).
 *
 * The driver speaks to each host's libvirtd through libvirt's C API
 * (qemu+tls://HOST/system with the lab's CA, libvirt_pki.c, opened from
 * the lab's station namespace as a
 * management workstation would), and to Pacemaker through its tools' XML
 * at the hosts' consoles (libvirt_host.c).  Every operation is
 * synchronous: libvirt's calls return when the work is done.
 *
 *  - VMs: virDomainDefineXML on the chosen host (libvirt has no cluster
 *    view of domains: the driver finds a VM by asking every host), start
 *    virDomainCreate, stop virDomainDestroy / virDomainShutdown, delete
 *    virDomainUndefine.  Disks are whole LUNs of the SAN as network disks
 *    (QEMU's libiscsi), NICs ports of the host's OVS bridge with a VLAN.
 *  - Migration: virDomainMigrateToURI3, peer-to-peer (the source's
 *    libvirtd speaks to the destination's over TLS), offline for a stopped VM,
 *    live for a running one; QEMU's own downtime from the completed job's
 *    statistics (virDomainGetJobStats).
 *  - Storage: an iscsi-direct pool of the SAN's target on every host; a
 *    VM booted from the lab's image has a qcow2 volume on its host's dir
 *    pool instead, which snapshots, clones and templates need
 *    (libvirt_snap.c).
 *  - Network: the host's OVS ports (ovs-vsctl at its console); a VM's
 *    port is re-tagged with virDomainUpdateDeviceFlags, a host port with
 *    ovs-vsctl.  Neither is guarded: libvirt has no safe apply.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "proc.h"
#include "scenarios/drivers/libvirt.h"

#define LV_POOL_MAX 64
#define LV_STOP_WAIT_S 60
#define LV_KEEPALIVE_S 2
#define LV_KEEPALIVE_COUNT 3

struct lv_node {
	char n_name[DRV_NAME_MAX];
	char n_addr[DRV_ADDR_MAX];
	virConnectPtr n_conn;
	char n_accel[8];		/* "kvm"/"tcg", "" = not decided */
	char n_accel_reason[384];
};

struct lv {
	struct lv_node nodes[LV_MAX_HOSTS];
	size_t n;
	pthread_t events;		/* runs libvirt's event loop */
	volatile int events_stop;
	char pool[LV_POOL_MAX];		/* attached pool, "" = none */
	char portal_host[64];
	int portal_port;
	char iqn[256];
	struct lv_stats *stats;		/* CPU samples (libvirt_stats.c) */
};

/* libvirt prints every error on stderr by default: the driver reports
 * them itself, in its err sentences. */
static void
lv_quiet(void *arg, virErrorPtr e)
{
}

const char *
lv_why(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "unknown libvirt error";
}

/*
 * The hosts are known only once the lab is up; the runner opens the driver
 * before.  Fill the node table late from the environment.
 */
static struct lv *
lv_state(struct driver *d)
{
	struct lv *l = d->d_priv;
	const struct drv_env *env = d->d_env;
	size_t i;

	if (l->n == 0)
		for (i = 0; i < env->e_nhosts && i < LV_MAX_HOSTS; i++) {
			snprintf(l->nodes[i].n_name,
			    sizeof(l->nodes[i].n_name), "%s",
			    env->e_hosts[i].h_name);
			snprintf(l->nodes[i].n_addr,
			    sizeof(l->nodes[i].n_addr), "%s",
			    env->e_hosts[i].h_addr);
			l->n = i + 1;
		}
	return l;
}

struct lv_stats **
lv_stats_of(struct driver *d)
{
	return &((struct lv *)d->d_priv)->stats;
}

static struct lv_node *
lv_node(struct driver *d, const char *host, char *err)
{
	struct lv *l = lv_state(d);
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->nodes[i].n_name, host) == 0)
			return &l->nodes[i];
	err_set(err, "libvirt: no host %s in the lab", host);
	return NULL;
}

void
lv_set_accel(struct driver *d, const char *host, const char *accel,
    const char *reason)
{
	struct lv_node *n = lv_node(d, host, NULL);

	if (n == NULL)
		return;
	snprintf(n->n_accel, sizeof(n->n_accel), "%s", accel);
	snprintf(n->n_accel_reason, sizeof(n->n_accel_reason), "%s", reason);
}

/* virConnectOpen from the station's network namespace: the socket stays
 * there.  Only this thread changes namespace, and it comes back. */
static virConnectPtr
lv_open_from_station(struct driver *d, const char *uri, char *err)
{
	const char *ns = d->d_env->e_station_netns;
	virConnectPtr c;
	int back = -1;

	if (ns != NULL) {
		back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (back == -1) {
			err_errno(err, "/proc/thread-self/ns/net");
			return NULL;
		}
		if (ns_enter_net(ns, err) == -1) {
			close(back);
			return NULL;
		}
	}
	if ((c = LV_RPC(d, virConnectOpen(uri))) == NULL)
		err_set(err, "%s: %s", uri, lv_why());
	if (back != -1) {
		if (setns(back, CLONE_NEWNET) == -1)
			fatal("libvirt: cannot go back to our network "
			    "namespace");
		close(back);
	}
	return c;
}

void
lv_pki_dir(const struct drv_env *env, char *buf, size_t len)
{
	/* The lab's directory first: a second `hvlab run` on the same lab
	 * must speak to the libvirtds the first one set up, with their CA. */
	snprintf(buf, len, "%s/libvirt-pki", env->e_statedir ? env->e_statedir :
	    env->e_workdir ? env->e_workdir : "/tmp");
}

virConnectPtr
lv_conn(struct driver *d, const char *host, char *err)
{
	struct lv_node *n = lv_node(d, host, err);
	char uri[4400], pki[4200];

	if (n == NULL)
		return NULL;
	if (n->n_conn != NULL) {
		if (virConnectIsAlive(n->n_conn) == 1)
			return n->n_conn;
		virConnectClose(n->n_conn);	/* power-cycled host */
		n->n_conn = NULL;
	}
	lv_pki_dir(d->d_env, pki, sizeof(pki));
	snprintf(uri, sizeof(uri), "qemu+tls://%s:%d/system?pkipath=%s/client",
	    n->n_addr, LV_TLS_PORT, pki);
	n->n_conn = lv_open_from_station(d, uri, err);
	/* A host whose power was pulled never closes the connection: the
	 * keepalive (answered by the event loop's thread) ends it within
	 * LV_KEEPALIVE_S * LV_KEEPALIVE_COUNT s, and a call on it fails
	 * instead of waiting on TCP's retransmissions for minutes. */
	if (n->n_conn != NULL && virConnectSetKeepAlive(n->n_conn,
	    LV_KEEPALIVE_S, LV_KEEPALIVE_COUNT) == -1)
		log_debug("libvirt: no keepalive to %s: %s", host, lv_why());
	return n->n_conn;
}

/* libvirt's event loop, for QEMU's events (a snapshot's pause,
 * libvirt_snap.c) and the keepalive libvirtd then speaks. */
static void *
lv_events_run(void *arg)
{
	struct lv *l = arg;

	while (!l->events_stop)
		if (virEventRunDefaultImpl() == -1)
			log_warnx("libvirt: event loop: %s", lv_why());
	return NULL;
}

static void
lv_events_wake(int timer, void *arg)
{
	virEventRemoveTimeout(timer);
}

static int
lv_open(struct driver *d, const struct drv_env *env, char *err)
{
	static int registered;
	struct lv *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return err_set(err, "out of memory");
	/* The event implementation before any connection (one opened
	 * without it never receives events), once per process. */
	if ((!registered && virEventRegisterDefaultImpl() == -1) ||
	    virInitialize() == -1) {
		free(l);
		return err_set(err, "libvirt: initialisation failed: %s",
		    lv_why());
	}
	registered = 1;
	virSetErrorFunc(NULL, lv_quiet);
	if (pthread_create(&l->events, NULL, lv_events_run, l) != 0) {
		free(l);
		return err_set(err, "libvirt: no thread for its event loop");
	}
	d->d_priv = l;		/* hosts: lv_state, once the lab is up */
	return 0;
}

static void
lv_close(struct driver *d)
{
	struct lv *l = d->d_priv;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		if (l->nodes[i].n_conn != NULL)
			virConnectClose(l->nodes[i].n_conn);
	/* a timer due now ends the loop's wait */
	l->events_stop = 1;
	virEventAddTimeout(0, lv_events_wake, NULL, NULL);
	pthread_join(l->events, NULL);
	lv_stats_free(l->stats);
	free(l);
	d->d_priv = NULL;
}

static int
lv_install(struct driver *d, const struct drv_host *h, struct drv_task *t,
    char *err)
{
	lv_state(d);
	return lv_host_install(d, h, t, err);
}

static int
lv_form(struct driver *d, const char *name, const struct drv_host *hosts,
    size_t n, struct drv_task *t, char *err)
{
	lv_state(d);
	return lv_cluster_form(d, name, hosts, n, t, err);
}

/* The domain called vm and the host it is defined on (NULL: nowhere,
 * err says so).  Caller frees with virDomainFree. */
static virDomainPtr
lv_find_node(struct driver *d, const char *vm, struct lv_node **where,
    char *err)
{
	struct lv *l = lv_state(d);
	virDomainPtr dom;
	char e[ERR_LEN];
	size_t i;

	for (i = 0; i < l->n; i++) {
		virConnectPtr c = lv_conn(d, l->nodes[i].n_name, e);

		if (c == NULL)
			continue;	/* off: its domains are not there */
		if ((dom = LV_RPC(d, virDomainLookupByName(c, vm))) != NULL) {
			if (where != NULL)
				*where = &l->nodes[i];
			return dom;
		}
	}
	err_set(err, "libvirt: no host defines VM %s", vm);
	return NULL;
}

virDomainPtr
lv_find(struct driver *d, const char *vm, const char **host, char *err)
{
	struct lv_node *n;
	virDomainPtr dom = lv_find_node(d, vm, &n, err);

	if (dom != NULL && host != NULL)
		*host = n->n_name;
	return dom;
}

/* The LUNs of the attached pool on host, as numbers (iscsi-direct names
 * its volumes "unit:0:0:LUN"). */
static int
lv_pool_luns(struct driver *d, virConnectPtr c, int *luns, int max,
    char *err)
{
	struct lv *l = d->d_priv;
	virStoragePoolPtr p;
	virStorageVolPtr *vols = NULL;
	int n, i, k = 0;

	if (l->pool[0] == '\0')
		return err_set(err, "no storage pool attached yet");
	if ((p = LV_RPC(d, virStoragePoolLookupByName(c, l->pool))) == NULL)
		return err_set(err, "pool %s: %s", l->pool, lv_why());
	/* Autostart can fail on a host that was powered off and on: its
	 * libvirtd may start the pool before the SAN answers, and then
	 * never tries again.  Start it as `virsh pool-start` would. */
	if (LV_RPC(d, virStoragePoolIsActive(p)) != 1 &&
	    LV_RPC(d, virStoragePoolCreate(p, 0)) == -1) {
		err_set(err, "pool %s is not active and would not start: %s",
		    l->pool, lv_why());
		virStoragePoolFree(p);
		return -1;
	}
	if (LV_RPC(d, virStoragePoolRefresh(p, 0)) == -1 ||
	    (n = LV_RPC(d, virStoragePoolListAllVolumes(p, &vols, 0))) < 0) {
		err_set(err, "pool %s: %s", l->pool, lv_why());
		virStoragePoolFree(p);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = virStorageVolGetName(vols[i]);
		const char *colon = name ? strrchr(name, ':') : NULL;

		if (colon != NULL && k < max && atoi(colon + 1) > 0)
			luns[k++] = atoi(colon + 1);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	virStoragePoolFree(p);
	return k;
}

/* 1 when a domain on any host has LUN lun of our target as a disk. */
static int
lv_lun_used(struct driver *d, int lun)
{
	struct lv *l = d->d_priv;
	virDomainPtr *doms = NULL;
	char want[300], e[ERR_LEN];
	size_t i;
	int n, k, used = 0;

	snprintf(want, sizeof(want), "name='%s/%d'", l->iqn, lun);
	for (i = 0; i < l->n && !used; i++) {
		virConnectPtr c = lv_conn(d, l->nodes[i].n_name, e);

		if (c == NULL || (n = LV_RPC(d, virConnectListAllDomains(c, &doms,
		    0))) < 0)
			continue;
		for (k = 0; k < n; k++) {
			char *x = LV_RPC(d, virDomainGetXMLDesc(doms[k], 0));

			used |= x != NULL && strstr(x, want) != NULL;
			free(x);
			virDomainFree(doms[k]);
		}
		free(doms);
		doms = NULL;
	}
	return used;
}

/* A LUN of the pool no VM uses (a VM's disk is a whole LUN). */
static int
lv_pick_lun(struct driver *d, virConnectPtr c, char *err)
{
	int luns[64], n, i;

	if ((n = lv_pool_luns(d, c, luns, 64, err)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!lv_lun_used(d, luns[i]))
			return luns[i];
	return err_set(err, "all %d LUNs of pool %s are VMs' disks", n,
	    ((struct lv *)d->d_priv)->pool);
}

/* The LUN of a new VM's disk into dm (the SAN's pool), or a copy of its
 * boot image on the host's images pool into file (libvirt_snap.c). */
static int
lv_vm_disk_place(struct driver *d, const struct drv_vm_spec *s,
    const char *host, virConnectPtr c, struct lv_domain *dm, char *file,
    size_t flen, char *err)
{
	struct lv *l = d->d_priv;

	if (s->v_boot_image != NULL) {
		if (lv_image_copy(d, host, s->v_boot_image, s->v_name, file,
		    flen, err) == -1)
			return err_prefix(err, "VM %s", s->v_name);
		dm->d_disk_file = file;
		dm->d_oem = s->v_cmdline;
		return 0;
	}
	if (s->v_pool == NULL)
		return 0;
	if (strcmp(s->v_pool, l->pool) != 0)
		return err_set(err, "libvirt: VM %s: pool %s is not attached",
		    s->v_name, s->v_pool);
	dm->d_portal_host = l->portal_host;
	dm->d_portal_port = l->portal_port;
	dm->d_iqn = l->iqn;
	if ((dm->d_lun = lv_pick_lun(d, c, err)) < 0)
		return err_prefix(err, "libvirt: VM %s", s->v_name);
	return 0;
}

/*
 * A VM booted from the lab's kernel with a LUN of the SAN as its disk,
 * or from a copy of the lab's bootable image: that copy is a qcow2
 * volume on its host's images pool (libvirt makes volumes in pools of
 * files only, and the lab has no shared one), whatever pool is named.
 */
static int
lv_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err)
{
	struct lv *l = lv_state(d);
	struct lv_domain dm;
	struct lv_node *n;
	virConnectPtr c;
	virDomainPtr dom;
	char xml[8192], e[ERR_LEN], file[1024] = "";

	if (l->n == 0)
		return err_set(err, "libvirt: no hosts");
	if ((dom = lv_find_node(d, s->v_name, NULL, e)) != NULL) {
		virDomainFree(dom);
		return err_set(err, "libvirt: VM %s exists already", s->v_name);
	}
	if ((n = lv_node(d, s->v_host ? s->v_host : l->nodes[0].n_name,
	    err)) == NULL || (c = lv_conn(d, n->n_name, err)) == NULL)
		return -1;
	memset(&dm, 0, sizeof(dm));
	dm.d_name = s->v_name;
	/* The host's accelerator decision (common/accel.h): KVM only when
	 * a probe guest ran under it. */
	dm.d_type = strcmp(n->n_accel, "kvm") == 0 ? "kvm" : "qemu";
	dm.d_machine = s->v_machine ? s->v_machine : "q35";
	dm.d_vcpus = s->v_vcpus;
	dm.d_memory_mib = s->v_memory_mib;
	dm.d_kernel = s->v_kernel;
	dm.d_initrd = s->v_initrd;
	dm.d_cmdline = s->v_cmdline;
	dm.d_vlan = s->v_vlan;
	if (lv_vm_disk_place(d, s, n->n_name, c, &dm, file, sizeof(file),
	    err) == -1)
		return -1;
	if (lv_domain_xml(&dm, xml, sizeof(xml), err) == -1)
		err_prefix(err, "libvirt");
	else if ((dom = LV_RPC(d, virDomainDefineXML(c, xml))) == NULL)
		err_set(err, "libvirt: define %s on %s: %s", s->v_name,
		    n->n_name, lv_why());
	else {
		virDomainFree(dom);
		t->t_done = 1;
		return 0;
	}
	if (file[0] != '\0' && lv_image_delete(d, n->n_name, file, e) == -1)
		log_warnx("%s", e);	/* the define's error is the one told */
	return -1;
}

static int
lv_vm_start(struct driver *d, const char *vm, struct drv_task *t, char *err)
{
	struct lv_node *n;
	virDomainPtr dom = lv_find_node(d, vm, &n, err);
	int rc = 0;

	if (dom == NULL)
		return -1;
	if (lv_is_template(d, dom))
		rc = err_set(err, "libvirt: start %s: it is a template, which "
		    "the driver never starts (clone it)", vm);
	else if (LV_RPC(d, virDomainIsActive(dom)) != 1 &&
	    LV_RPC(d, virDomainCreate(dom)) == -1)
		rc = err_set(err, "libvirt: start %s on %s: %s", vm, n->n_name,
		    lv_why());
	virDomainFree(dom);
	t->t_done = 1;
	return rc;
}

static int
lv_vm_stop(struct driver *d, const char *vm, int force, struct drv_task *t,
    char *err)
{
	struct lv_node *n;
	virDomainPtr dom = lv_find_node(d, vm, &n, err);
	uint64_t end = clock_mono_ns() + LV_STOP_WAIT_S * NS_PER_S;
	int rc = 0;

	if (dom == NULL)
		return -1;
	if (LV_RPC(d, virDomainIsActive(dom)) != 1)
		goto out;
	if (force) {
		if (LV_RPC(d, virDomainDestroy(dom)) == -1)
			rc = err_set(err, "libvirt: destroy %s: %s", vm,
			    lv_why());
		goto out;
	}
	if (LV_RPC(d, virDomainShutdown(dom)) == -1) {
		rc = err_set(err, "libvirt: shutdown %s: %s", vm, lv_why());
		goto out;
	}
	while (LV_RPC(d, virDomainIsActive(dom)) == 1) {
		if (clock_mono_ns() > end) {
			rc = err_set(err, "libvirt: %s still runs %d s after "
			    "an ACPI shutdown", vm, LV_STOP_WAIT_S);
			goto out;
		}
		clock_sleep_ns(200 * NS_PER_MS);
	}
out:
	virDomainFree(dom);
	t->t_done = 1;
	return rc;
}

/* The domain, its snapshots' metadata (their states are inside its
 * qcow2) and a volume the driver made for it. */
static int
lv_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	struct lv_node *n;
	virDomainPtr dom = lv_find_node(d, vm, &n, err);
	char *xml, file[1024] = "";
	int rc = 0;

	if (dom == NULL)
		return -1;
	if ((xml = LV_RPC(d, virDomainGetXMLDesc(dom,
	    VIR_DOMAIN_XML_INACTIVE))) != NULL &&
	    lv_domain_disk_file(xml, file, sizeof(file), err) != 0)
		file[0] = '\0';	/* a LUN, or no disk: the SAN keeps it */
	free(xml);
	if (LV_RPC(d, virDomainIsActive(dom)) == 1 &&
	    LV_RPC(d, virDomainDestroy(dom)) == -1)
		rc = err_set(err, "libvirt: destroy %s: %s", vm, lv_why());
	else if (LV_RPC(d, virDomainUndefineFlags(dom,
	    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
	    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)) == -1)
		rc = err_set(err, "libvirt: undefine %s: %s", vm, lv_why());
	else if (file[0] != '\0')
		rc = lv_image_delete(d, n->n_name, file, err);
	virDomainFree(dom);
	t->t_done = 1;
	return rc;
}

static int
lv_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	struct lv_node *n;
	virDomainPtr dom;
	int state = 0, reason = 0;
	char *xml;

	memset(vi, 0, sizeof(*vi));
	if ((dom = lv_find_node(d, vm, &n, err)) == NULL)
		return -1;
	snprintf(vi->i_host, sizeof(vi->i_host), "%s", n->n_name);
	if (LV_RPC(d, virDomainGetState(dom, &state, &reason, 0)) == -1) {
		err_set(err, "libvirt: state of %s: %s", vm, lv_why());
		virDomainFree(dom);
		return -1;
	}
	vi->i_state = state == VIR_DOMAIN_RUNNING ? DRV_VM_RUNNING :
	    state == VIR_DOMAIN_PAUSED ? (reason ==
	    VIR_DOMAIN_PAUSED_MIGRATION ? DRV_VM_MIGRATING : DRV_VM_PAUSED) :
	    state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED ?
	    DRV_VM_STOPPED : DRV_VM_UNKNOWN;
	if (state == VIR_DOMAIN_SHUTOFF && (reason ==
	    VIR_DOMAIN_SHUTOFF_CRASHED || reason == VIR_DOMAIN_SHUTOFF_FAILED))
		snprintf(vi->i_exit, sizeof(vi->i_exit), "libvirt: %s %s on "
		    "%s", vm, reason == VIR_DOMAIN_SHUTOFF_CRASHED ? "crashed" :
		    "failed to start", n->n_name);
	/* The running domain's type is what its QEMU was started with:
	 * type='qemu' is TCG, type='kvm' KVM. */
	if (vi->i_state == DRV_VM_RUNNING &&
	    (xml = LV_RPC(d, virDomainGetXMLDesc(dom, 0))) != NULL) {
		snprintf(vi->i_accel, sizeof(vi->i_accel), "%s",
		    strncmp(xml, "<domain type='kvm'", 18) == 0 ? "kvm" :
		    "tcg");
		free(xml);
	}
	virDomainFree(dom);
	return 0;
}

/* QEMU's own figures of the finished migration job on dom. */
static void
lv_job_stats(struct driver *d, virDomainPtr dom, struct drv_task *t)
{
	virTypedParameterPtr p = NULL;
	unsigned long long v;
	int type, np = 0;

	if (LV_RPC(d, virDomainGetJobStats(dom, &type, &p, &np,
	    VIR_DOMAIN_JOB_STATS_COMPLETED)) == -1) {
		log_debug("libvirt: no completed job stats: %s", lv_why());
		return;
	}
	if (virTypedParamsGetULLong(p, np, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
		t->t_downtime_ms = (double)v;
	if (virTypedParamsGetULLong(p, np, VIR_DOMAIN_JOB_TIME_ELAPSED,
	    &v) == 1)
		t->t_total_s = (double)v / 1000;
	if (virTypedParamsGetULLong(p, np, VIR_DOMAIN_JOB_DATA_PROCESSED,
	    &v) == 1)
		t->t_bytes = v;
	virTypedParamsFree(p, np);
}

/*
 * Peer to peer: the source's libvirtd opens the destination's
 * (qemu+tls://DEST/system, its own client certificate) and QEMU streams to DEST's migration port.
 * The source definition is removed after the job's statistics are read
 * (with VIR_MIGRATE_UNDEFINE_SOURCE they would go with it).
 */
static int
lv_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err)
{
	struct lv_node *src, *dst;
	virDomainPtr dom;
	virTypedParameterPtr p = NULL;
	char duri[256], muri[160];
	unsigned int flags = VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST;
	int np = 0, maxp = 0, rc = -1;

	if ((dst = lv_node(d, to, err)) == NULL ||
	    (dom = lv_find_node(d, vm, &src, err)) == NULL)
		return -1;
	if (src == dst) {
		err_set(err, "libvirt: %s is on %s already", vm, to);
		goto out;
	}
	if (lv_conn(d, to, err) == NULL)
		goto out;
	if (mode == DRV_MIGRATE_LIVE) {
		if (LV_RPC(d, virDomainIsActive(dom)) != 1) {
			err_set(err, "libvirt: live migration of %s: it is not "
			    "running", vm);
			goto out;
		}
		flags |= VIR_MIGRATE_LIVE;
	} else {
		if (LV_RPC(d, virDomainIsActive(dom)) == 1) {
			err_set(err, "libvirt: offline migration of %s: it "
			    "runs (stop it first)", vm);
			goto out;
		}
		flags |= VIR_MIGRATE_OFFLINE;
	}
	snprintf(duri, sizeof(duri), "qemu+tls://%s:%d/system?pkipath=%s",
	    dst->n_addr, LV_TLS_PORT, LV_PKI_DIR);
	snprintf(muri, sizeof(muri), "tcp://%s", dst->n_addr);
	if (mode == DRV_MIGRATE_LIVE && virTypedParamsAddString(&p, &np,
	    &maxp, VIR_MIGRATE_PARAM_URI, muri) == -1) {
		err_set(err, "libvirt: %s", lv_why());
		goto out;
	}
	if (LV_RPC(d, virDomainMigrateToURI3(dom, duri, p, (unsigned)np, flags)) == -1) {
		err_set(err, "libvirt: migrate %s %s -> %s: %s", vm,
		    src->n_name, to, lv_why());
		goto out;
	}
	if (mode == DRV_MIGRATE_LIVE)
		lv_job_stats(d, dom, t);
	if (LV_RPC(d, virDomainUndefine(dom)) == -1)
		log_warnx("libvirt: %s migrated to %s, but its definition on "
		    "%s stays: %s", vm, to, src->n_name, lv_why());
	t->t_done = 1;
	rc = 0;
out:
	virTypedParamsFree(p, np);
	virDomainFree(dom);
	return rc;
}

static int
lv_node_info(struct driver *d, const char *node, struct drv_node_info *ni,
    char *err)
{
	struct lv_node *n = lv_node(d, node, err);
	virConnectPtr c;
	virNodeInfo info;
	unsigned long hv = 0, lib = 0;

	memset(ni, 0, sizeof(*ni));
	if (n == NULL || (c = lv_conn(d, node, err)) == NULL)
		return -1;
	if (LV_RPC(d, virNodeGetInfo(c, &info)) == -1 ||
	    LV_RPC(d, virConnectGetVersion(c, &hv)) == -1 ||
	    LV_RPC(d, virConnectGetLibVersion(c, &lib)) == -1)
		return err_set(err, "libvirt: %s: %s", node, lv_why());
	snprintf(ni->n_name, sizeof(ni->n_name), "%s", node);
	snprintf(ni->n_qemu, sizeof(ni->n_qemu), "%lu.%lu.%lu", hv / 1000000,
	    hv / 1000 % 1000, hv % 1000);
	snprintf(ni->n_hypervisor, sizeof(ni->n_hypervisor), "QEMU %s (%s) "
	    "under libvirt %lu.%lu.%lu", ni->n_qemu, strcmp(n->n_accel,
	    "kvm") == 0 ? "KVM" : "TCG", lib / 1000000, lib / 1000 % 1000,
	    lib % 1000);
	snprintf(ni->n_arch, sizeof(ni->n_arch), "%s", info.model);
	snprintf(ni->n_accel, sizeof(ni->n_accel), "%s", n->n_accel);
	snprintf(ni->n_accel_reason, sizeof(ni->n_accel_reason), "%s",
	    n->n_accel_reason);
	ni->n_cpus = (int)info.cpus;
	ni->n_memory_bytes = (uint64_t)info.memory * 1024;
	ni->n_online = 1;
	return 0;
}

/* The pool on one host: defined, started, autostarted (or found so). */
static int
lv_pool_on(struct driver *d, const char *host, const char *xml, int *reused,
    char *err)
{
	struct lv *l = d->d_priv;
	virConnectPtr c = lv_conn(d, host, err);
	virStoragePoolPtr p;
	int rc = -1;

	if (c == NULL)
		return -1;
	if ((p = LV_RPC(d, virStoragePoolLookupByName(c, l->pool))) != NULL &&
	    LV_RPC(d, virStoragePoolIsActive(p)) == 1) {
		(*reused)++;
		virStoragePoolFree(p);
		return 0;
	}
	if (p == NULL && (p = LV_RPC(d, virStoragePoolDefineXML(c, xml, 0))) == NULL) {
		err_set(err, "libvirt: %s: define pool %s: %s", host, l->pool,
		    lv_why());
		return -1;
	}
	if (LV_RPC(d, virStoragePoolCreate(p, 0)) == -1 ||
	    LV_RPC(d, virStoragePoolSetAutostart(p, 1)) == -1) {
		err_set(err, "libvirt: %s: start pool %s: %s", host, l->pool,
		    lv_why());
		goto out;
	}
	rc = 0;
out:
	virStoragePoolFree(p);
	return rc;
}

static int
lv_storage_attach(struct driver *d, const struct drv_pool *pl,
    struct drv_task *t, char *err)
{
	struct lv *l = lv_state(d);
	char xml[2048], initiator[160];
	int reused = 0;
	size_t i;

	if (pl->p_type == NULL || strcmp(pl->p_type, "iscsi") != 0)
		return err_set(err, "libvirt: pool type '%s': the driver "
		    "attaches iscsi pools only", pl->p_type ? pl->p_type : ""),
		    DRIVER_UNSUPPORTED;
	if (pl->p_target == NULL || lv_split_portal(pl->p_portal,
	    l->portal_host, sizeof(l->portal_host), &l->portal_port,
	    err) == -1)
		return err_prefix(err, "libvirt: pool %s", pl->p_name);
	snprintf(l->pool, sizeof(l->pool), "%s", pl->p_name);
	snprintf(l->iqn, sizeof(l->iqn), "%s", pl->p_target);
	for (i = 0; i < l->n; i++) {
		struct lv_pool_src src = { pl->p_name, l->portal_host,
		    l->portal_port, pl->p_target, initiator };

		snprintf(initiator, sizeof(initiator),
		    "iqn.2026-01.lab.hvlab:%s", l->nodes[i].n_name);
		if (lv_pool_xml(&src, xml, sizeof(xml), err) == -1 ||
		    lv_pool_on(d, l->nodes[i].n_name, xml, &reused, err) ==
		    -1) {
			l->pool[0] = '\0';
			return -1;
		}
	}
	t->t_done = 1;
	if ((size_t)reused == l->n) {
		t->t_reused = 1;
		snprintf(t->t_status, sizeof(t->t_status), "pool %s runs on "
		    "every host already", l->pool);
	}
	return 0;
}

static int
lv_storage_check(struct driver *d, const struct drv_pool *pl,
    const char *host, char *err)
{
	virConnectPtr c = lv_conn(d, host, err);
	int luns[64], n;

	if (c == NULL || (n = lv_pool_luns(d, c, luns, 64, err)) < 0)
		return -1;
	if (n == 0)
		return err_set(err, "%s: pool %s lists no LUN", host,
		    pl->p_name);
	return 0;
}

static int
lv_net_ports(struct driver *d, const char *host, struct drv_port **ports,
    size_t *n, char *err)
{
	const char *argv[] = { "ovs-vsctl", "--format=csv",
	    "--columns=name,tag", "list", "port", NULL };
	char *out = NULL;
	int rc;

	if (lv_console(d, host, argv, &out, 30000, err) == -1) {
		free(out);
		return -1;
	}
	rc = lv_ovs_ports_parse(out ? out : "", ports, n, err);
	free(out);
	return rc;
}

/* A VM's port (vnetN): the domain on host whose NIC it is, or NULL. */
static virDomainPtr
lv_port_owner(struct driver *d, const char *host, const char *port,
    char **xml)
{
	virConnectPtr c = lv_conn(d, host, NULL);
	virDomainPtr *doms = NULL, found = NULL;
	char want[96];
	int n, k;

	*xml = NULL;
	if (c == NULL || (n = LV_RPC(d, virConnectListAllDomains(c, &doms,
	    VIR_CONNECT_LIST_DOMAINS_ACTIVE))) < 0)
		return NULL;
	snprintf(want, sizeof(want), "<target dev='%s'/>", port);
	for (k = 0; k < n; k++) {
		char *x = found ? NULL : LV_RPC(d, virDomainGetXMLDesc(doms[k], 0));

		if (x != NULL && strstr(x, want) != NULL) {
			found = doms[k];
			*xml = x;
			continue;
		}
		free(x);
		virDomainFree(doms[k]);
	}
	free(doms);
	return found;
}

/*
 * As a libvirt administrator does it: a VM's NIC through libvirt
 * (virsh update-device: the new <vlan> on the live domain and its
 * definition), any other port of the host's OVS with ovs-vsctl.  Nothing
 * watches the change: a change that cuts the host off stays.
 */
static int
lv_net_port_vlan(struct driver *d, const char *host, const char *port,
    int vlan, struct drv_task *t, char *err)
{
	char *xml = NULL, *iface = NULL, tag[32];
	const char *argv[] = { "ovs-vsctl", "set", "port", port, tag, NULL };
	virDomainPtr dom = lv_port_owner(d, host, port, &xml);
	int rc = -1;

	t->t_done = 1;
	if (dom == NULL) {
		snprintf(tag, sizeof(tag), "tag=%d", vlan);
		return lv_console(d, host, argv, NULL, 30000, err);
	}
	if (lv_iface_retag(xml, port, vlan, &iface, err) == -1)
		goto out;
	if (LV_RPC(d, virDomainUpdateDeviceFlags(dom, iface, VIR_DOMAIN_AFFECT_LIVE |
	    VIR_DOMAIN_AFFECT_CONFIG)) == -1) {
		err_set(err, "libvirt: %s: update %s of %s: %s", host, port,
		    virDomainGetName(dom), lv_why());
		goto out;
	}
	rc = 0;
out:
	free(iface);
	free(xml);
	virDomainFree(dom);
	return rc;
}

/* The host's bond set as on any OVS host (the lab's hosts bond with OVS;
 * libvirt itself has no bond settings). */
static int
lv_bond_set(struct driver *d, const char *host, const char *mode,
    struct drv_task *t, char *err)
{
	char bm[64];
	const char *argv[] = { "ovs-vsctl", "set", "port", "bond0", bm,
	    "lacp=active", "other_config:lacp-time=fast",
	    "other_config:bond-rebalance-interval=1000", NULL };

	snprintf(bm, sizeof(bm), "bond_mode=%s", mode);
	t->t_done = 1;
	return lv_console(d, host, argv, NULL, 30000, err);
}

/* `ovs-vsctl set port PORT tag=VLAN` at the host's console: the repair an
 * administrator makes when a change cut the host off. */
static int
lv_net_port_vlan_console(struct driver *d, const char *host,
    const char *port, int vlan, char *err)
{
	char tag[32];
	const char *argv[] = { "ovs-vsctl", "--timeout=20", "set", "port",
		port, tag, NULL };

	snprintf(tag, sizeof(tag), "tag=%d", vlan);
	return lv_console(d, host, argv, NULL, 30000, err);
}

/* The host's bond0 as OVS shows it (driver.c). */
static int
lv_bond_members(struct driver *d, const char *host, int *enabled,
    int *disabled, char *err)
{
	return drv_ovs_bond_members(d, lv_console, host, enabled, disabled,
	    err);
}

/* The host's bond0 capped per member, as on any OVS host: libvirt has no
 * bond settings (driver.c). */
static int
lv_bond_cap(struct driver *d, const char *host, int rate_mbit, char *err)
{
	return drv_ovs_bond_cap(d, lv_console, host, rate_mbit, err);
}

/* "libvirt 9.0.0 (QEMU driver)", from the first host's libvirtd. */
static int
lv_platform_version(struct driver *d, char *buf, size_t len, char *err)
{
	struct lv *l = lv_state(d);
	unsigned long lib = 0;
	virConnectPtr c;

	if (l->n == 0)
		return err_set(err, "libvirt: no hosts");
	if ((c = lv_conn(d, l->nodes[0].n_name, err)) == NULL)
		return -1;
	if (LV_RPC(d, virConnectGetLibVersion(c, &lib)) == -1)
		return err_set(err, "libvirt: %s", lv_why());
	snprintf(buf, len, "libvirt %lu.%lu.%lu (QEMU driver) + Corosync + "
	    "Pacemaker", lib / 1000000, lib / 1000 % 1000, lib % 1000);
	return 0;
}

static const struct drv_reason lv_reasons[] = {
	{ "backup-schedule", "libvirt has no backup schedules (a cron job "
	    "or systemd timer calling virDomainBackupBegin is outside it)" },
	{ "prometheus", "libvirt has no Prometheus endpoint built in; an "
	    "exporter is a separate program" },
	{ "containers", "the driver runs QEMU domains only (libvirt-lxc is "
	    "another driver)" },
	{ NULL, NULL }
};

const struct driver_ops libvirt_driver_ops = {
	.name = "libvirt",
	.unsupported_reason = "not driven on libvirt yet",
	.reasons = lv_reasons,
	.mgmt_port = "mgmt",		/* the lab host's own port on br0 */
	.platform_version = lv_platform_version,
	.net_port_vlan_console = lv_net_port_vlan_console,
	.bond_members = lv_bond_members,
	.bond_cap = lv_bond_cap,
	.open = lv_open,
	.close = lv_close,
	.host_install = lv_install,
	.cluster_form = lv_form,
	.cluster_info = lv_cluster_info,
	.node_info = lv_node_info,
	.storage_attach = lv_storage_attach,
	.storage_check = lv_storage_check,
	.net_ports = lv_net_ports,
	.net_port_vlan = lv_net_port_vlan,
	.vm_create = lv_vm_create,
	.vm_start = lv_vm_start,
	.vm_stop = lv_vm_stop,
	.vm_delete = lv_vm_delete,
	.vm_info = lv_vm_info,
	.vm_migrate = lv_vm_migrate,
	.snapshot_create = lv_snapshot_create,
	.snapshot_rollback = lv_snapshot_rollback,
	.snapshot_delete = lv_snapshot_delete,
	.clone = lv_clone,
	.template_make = lv_template_make,
	.vm_disk = lv_vm_disk,
	.backup = lv_backup,
	.restore = lv_restore,
	.backup_delete = lv_backup_delete,
	.vm_export = lv_vm_export,
	.vm_import = lv_vm_import,
	.bond_set = lv_bond_set,
	.metrics = lv_metrics,
	.vm_cpu = lv_vm_cpu,
	.ha_enable = lv_ha_enable,
	.ha_disable = lv_ha_disable,
	.ha_status = lv_ha_status,
	.balance_set = lv_balance_set,
};
