/*
 * libvirt.h - the `libvirt` driver's parts: libvirt 9.0 (QEMU driver) with
 * Corosync 3 and Pacemaker 2.1 (docs/platforms/libvirt.md).
 *
 *   libvirt.c        the ops table, libvirt connections, VMs, migration,
 *                    storage pools, nodes, networks (libvirt's C API)
 *   libvirt_snap.c   disks of their own: the images pool, snapshots,
 *                    clones, templates, a VM's disk read back
 *   libvirt_backup.c backups (virDomainBackupBegin, push mode, with
 *                    checkpoints), restores, backup deletes
 *   libvirt_host.c   installing a host and forming the cluster: files put
 *                    on the hosts and commands at their consoles
 *                    (drv_env's e_dirs, e_put, e_exec), crm_mon's status
 *   libvirt_qdevice.c  the quorum device of 2 hosts: corosync-qnetd on
 *                    the SAN, its TLS certificates on the hosts
 *   libvirt_ha.c     HA: fence_redfish devices against the lab's BMCs,
 *                    VMs as VirtualDomain resources, the recovery steps
 *                    from crm_mon and the Pacemaker log
 *   libvirt_balance.c  load balancing: Pacemaker's placement-strategy
 *                    with the nodes' utilization
 *   libvirt_pcmk.c   its texts: CIB elements made, crm_mon's XML and
 *                    the log's lines read (pure, tests/check_libvirt_ha.c)
 *   libvirt_pki.c    the lab's CA and the hosts' and driver's TLS
 *                    certificates (openssl on the workstation)
 *   libvirt_conf.c   the texts: libvirtd.conf, qemu.conf, corosync.conf,
 *                    domain, pool, volume, snapshot, clone and template
 *                    XML, and crm_mon's XML and
 *                    corosync-quorumtool's status read back
 *                    (pure, tests/check_libvirt.c)
 */
#ifndef HV_DRV_LIBVIRT_H
#define HV_DRV_LIBVIRT_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#include "scenarios/drivers/driver.h"

#define LV_MAX_HOSTS 16
#define LV_TLS_PORT 16514
#define LV_PKI_DIR "/etc/libvirt/pki"	/* on the hosts */
#define LV_MIGRATE_PORT_MIN 49152
#define LV_MIGRATE_PORT_MAX 49215
#define LV_BRIDGE "br0"		/* the lab host's OVS bridge */
#define LV_QNETD_PORT 5403	/* corosync-qnetd's own default */
#define LV_SAN "san"		/* the lab's name for its SAN node */
/* Every request to a libvirtd is counted: the runner's steps. */
#define LV_RPC(d, call) ((d)->d_calls++, (call))
/* Each host's dir pool of VMs' own qcow2 disks (libvirt_snap.c); the
 * directory is on the host's kept disk. */
#define LV_IMAGES_POOL "hvlab-images"
#define LV_IMAGES_DIR "/var/lib/libvirt/images"
/* The namespace of the driver's mark in a template's <metadata>. */
#define LV_TEMPLATE_NS "urn:hvlab:libvirt:template"

/* A domain as the driver defines it. */
struct lv_domain {
	const char *d_name;
	const char *d_type;		/* "qemu" (TCG) or "kvm" */
	const char *d_machine;		/* "q35", "pc", "microvm" */
	int d_vcpus;
	int d_memory_mib;
	const char *d_kernel, *d_initrd, *d_cmdline;
	int d_vlan;			/* 0 = untagged */
	/* The disk: an iSCSI LUN through QEMU's libiscsi, or none. */
	const char *d_portal_host;	/* "198.18.1.250", NULL = no disk */
	int d_portal_port;
	const char *d_iqn;
	int d_lun;
	/* Or a qcow2 file the VM boots from (no kernel): its guest words
	 * reach it as SMBIOS OEM strings (type 11, docs/guest.md). */
	const char *d_disk_file;
	const char *d_oem;
};

/* Per-host configuration. */
int lv_libvirtd_conf(const char *addr, size_t index, char *buf, size_t len,
    char *err);
int lv_qemu_conf(const char *addr, char *buf, size_t len, char *err);
/*
 * corosync.conf of cluster name over hosts[0..n-1] (knet, no crypto on
 * the lab's own wires).  qnetd: the address of corosync-qnetd for a
 * quorum device (model net, ffsplit, 1 vote, TLS required), or NULL:
 * none, and two_node for 2 hosts.
 */
int lv_corosync_conf(const char *name, const struct drv_host *hosts,
    size_t n, const char *qnetd, char *buf, size_t len, char *err);

/* Quorum as `corosync-quorumtool -s` shows it on one node. */
struct lv_quorum {
	int q_quorate;
	int q_nodes;		/* nodes in this node's membership */
	int q_expected;		/* expected votes */
	int q_total;		/* votes present */
	int q_quorum;		/* votes needed */
	int q_qdevice_votes;	/* the device's row, -1 when none */
	int q_two_node;		/* the 2Node flag */
	int q_seen;		/* which of the required lines were read */
};

/* `corosync-quorumtool -s` -> q; -1 with err when it is not one. */
int lv_quorumtool_parse(const char *out, struct lv_quorum *q, char *err);

int lv_domain_xml(const struct lv_domain *d, char *buf, size_t len,
    char *err);
/*
 * A qcow2 volume name of capacity bytes; with backing (a qcow2 path) an
 * overlay on it (a linked clone).  -1 with err when name is not plain.
 */
int lv_volume_xml(const char *name, unsigned long long capacity,
    const char *backing, char *buf, size_t len, char *err);
/* An internal snapshot name: with the guest's memory state (with_ram),
 * else of the disks only. */
int lv_snapshot_xml(const char *name, int with_ram, char *buf, size_t len,
    char *err);

/* What a clone changes in its source's definition. */
struct lv_clone {
	const char *c_name;		/* the new VM */
	const char *c_disk_file;	/* its own volume's path */
	const char *c_words;		/* its guest words (OEM strings) */
};

/*
 * The clone's domain XML from its source's inactive XML: new name, no
 * UUID, MAC or port (libvirt gives new ones), its own disk (writable),
 * console log and words, no template mark.  Caller frees *out.
 */
int lv_clone_xml(const char *src, const struct lv_clone *c, char **out,
    char *err);
/* src marked a template (<metadata> element in namespace ns) with its
 * first disk read only.  Caller frees *out. */
int lv_template_xml(const char *src, const char *ns, char **out,
    char *err);
/* The file of a domain's first disk into path: 0; 1 when that disk is
 * not a file (err says what it is); -1 with err. */
int lv_domain_disk_file(const char *domxml, char *path, size_t len,
    char *err);

/* An iscsi-direct pool of the SAN's target, seen by one initiator. */
struct lv_pool_src {
	const char *ps_name;		/* the pool's name */
	const char *ps_portal_host;	/* "198.18.1.250" */
	int ps_portal_port;
	const char *ps_target;		/* the target's IQN */
	const char *ps_initiator;	/* this host's initiator IQN */
};

int lv_pool_xml(const struct lv_pool_src *p, char *buf, size_t len,
    char *err);

/* "198.18.1.250:3260" -> host and port (3260 when absent). */
int lv_split_portal(const char *portal, char *host, size_t hlen, int *port,
    char *err);

/* The first child element of n (may be NULL) called name, or NULL. */
struct _xmlNode;
struct _xmlNode *lv_xml_child(struct _xmlNode *n, const char *name);

/* crm_mon's XML whose root is <pacemaker-result> (caller frees with
 * xmlFreeDoc), or NULL with err. */
struct _xmlDoc;
struct _xmlDoc *lv_crm_mon_doc(const char *xml, size_t len, char *err);

/* crm_mon --output-as=xml -> nodes, online, quorate. */
int lv_crm_mon_parse(const char *xml, size_t len,
    struct drv_cluster_info *ci, char *err);

/* `ovs-vsctl --format=csv --columns=name,tag list port` -> ports
 * (caller frees *ports). */
int lv_ovs_ports_parse(const char *csv, struct drv_port **ports, size_t *n,
    char *err);

/*
 * The <interface> of domain XML whose target dev is port, with its VLAN
 * tag set to vlan (0 = none): what virDomainUpdateDeviceFlags takes.
 * Caller frees *out.
 */
int lv_iface_retag(const char *domxml, const char *port, int vlan,
    char **out, char *err);

/* libvirt_host.c */
struct lv;
int lv_host_install(struct driver *d, const struct drv_host *h,
    struct drv_task *t, char *err);
int lv_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err);
int lv_cluster_info(struct driver *d, struct drv_cluster_info *ci,
    char *err);
int lv_console(struct driver *d, const char *host, const char *const argv[],
    char **out, long timeout_ms, char *err);
/* text at path on host with mode (the lab's put), counted as a step. */
int lv_put(struct driver *d, const char *host, const char *path,
    const char *text, int mode, char *err);
/* Start script on host now, detached from its console, output to log. */
int lv_start_now(struct driver *d, const char *host, const char *script,
    const char *log, char *err);

/*
 * libvirt_qdevice.c: the quorum device of a 2-host cluster.  Where the
 * hosts' corosync-qdevice finds corosync-qnetd: 1 with the SAN's address
 * in buf, 0 when there is none (not 2 hosts, no SAN), -1 with err.
 */
int lv_qnetd_addr(const struct drv_env *env, size_t n, char *buf,
    size_t len, char *err);
/* corosync-qnetd on the SAN with its TLS CA, running, and the cluster's
 * certificate (cluster name) in each host's qdevice NSS database. */
int lv_qdevice_install(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, char *err);

/* libvirt_pki.c: host h's certificate (and the CA, the first time) in
 * dir; then its files put on h (LV_PKI_DIR). */
int lv_pki_host(const char *dir, const char *lab, const struct drv_host *h,
    char *err);
int lv_pki_put(const struct drv_env *env, const char *dir,
    const struct drv_host *h, char *err);
/* WORKDIR/libvirt-pki into buf. */
void lv_pki_dir(const struct drv_env *env, char *buf, size_t len);

/* libvirt.c, for libvirt_host.c and libvirt_snap.c */
virConnectPtr lv_conn(struct driver *d, const char *host, char *err);
/* libvirt's last error message. */
const char *lv_why(void);
/* The domain called vm and the host it is defined on (NULL: nowhere,
 * err says so).  Caller frees with virDomainFree. */
virDomainPtr lv_find(struct driver *d, const char *vm, const char **host,
    char *err);

/* libvirt_io.c: the driver's vm_export and vm_import (driver.h). */
int lv_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err);
int lv_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);

/*
 * libvirt_snap.c.  lv_image_copy: a copy of image (a qcow2 file host
 * sees) as VM.qcow2 on host's images pool, its path into path.
 * lv_image_delete: the volume at path, when it is on an images pool.
 * lv_is_template: 1 when dom carries the template mark.
 */
int lv_image_copy(struct driver *d, const char *host, const char *image,
    const char *vm, char *path, size_t len, char *err);
int lv_image_delete(struct driver *d, const char *host, const char *path,
    char *err);
/* The dir pool name over dir on host: found, or defined, built and
 * autostarted; started.  Caller frees.  NULL with err. */
virStoragePoolPtr lv_dir_pool(struct driver *d, virConnectPtr c,
    const char *host, const char *name, const char *dir, char *err);
/* vol's path into path (len bytes): 0; -1 with err, and vol deleted
 * (not freed). */
int lv_vol_path(struct driver *d, virStorageVolPtr vol, char *path,
    size_t len, char *err);
int lv_is_template(struct driver *d, virDomainPtr dom);
int lv_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err);
int lv_snapshot_rollback(struct driver *d, const char *vm,
    const char *snap, struct drv_task *t, char *err);
int lv_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err);
int lv_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err);
int lv_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int lv_vm_disk(struct driver *d, const char *vm, int digest,
    struct drv_disk_info *di, char *err);
/*
 * libvirt_backup.c: backups through virDomainBackupBegin (push mode) and
 * checkpoints, restores as clones of a backup's volume.  The XML texts
 * and the id are pure (tests/check_libvirt_backup.c): lv_backup_xml, a
 * push backup of vda into the qcow2 file target, incremental from
 * checkpoint incremental when not NULL; lv_checkpoint_xml, a checkpoint
 * name with vda's bitmap; lv_backup_id_parse, "HOST/VM.TIME" into its
 * host, checkpoint name (VM.TIME) and VM.
 */
int lv_backup_xml(const char *target, const char *incremental, char *buf,
    size_t len, char *err);
int lv_checkpoint_xml(const char *name, char *buf, size_t len, char *err);
int lv_backup_id_parse(const char *id, char *host, size_t hlen, char *ck,
    size_t cklen, char *vm, size_t vmlen, char *err);
int lv_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err);
int lv_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);
int lv_backup_delete(struct driver *d, const char *backup_id,
    struct drv_task *t, char *err);
/*
 * libvirt_pcmk.c (pure).  A host's fence device: fence_redfish against
 * its BMC (id "fence-HOST", pcmk_host_list HOST); lv_fence_constraint_xml
 * keeps it off HOST itself.
 */
struct lv_fence {
	const char *f_host;
	const char *f_bmc_addr;
	const char *f_user;
	const char *f_password;
};
int lv_fence_xml(const struct lv_fence *f, char *buf, size_t len,
    char *err);
int lv_fence_constraint_xml(const char *host, char *buf, size_t len,
    char *err);
void lv_fence_id(const char *host, char *buf, size_t len);
/* A VM as an ocf:heartbeat:VirtualDomain primitive named after it. */
struct lv_vdom {
	const char *v_name;
	const char *v_config;		/* its domain XML on every host */
	int v_monitor_s;		/* monitor interval */
};
int lv_vdom_xml(const struct lv_vdom *v, char *buf, size_t len, char *err);
/*
 * Balancing (libvirt_balance.c, docs/platforms/libvirt.md "Load
 * balancing").  A cluster node: its name and Pacemaker id (from crm_mon)
 * and the capacity it offers (its CPUs, its memory in MiB).
 */
struct lv_node_cap {
	char nc_name[DRV_NAME_MAX];
	char nc_id[32];
	int nc_cpus;
	long nc_memory_mib;
};
/* The stickiness the HA resources have when nothing balances them. */
#define LV_HA_STICKINESS "1"
/* crm_mon --output-as=xml -> its nodes' names and ids (capacity 0) into
 * nodes[0..max), their count into *n.  0, or -1 with err. */
int lv_crm_mon_nodes(const char *xml, size_t len, struct lv_node_cap *nodes,
    size_t max, size_t *n, char *err);
/*
 * The <configuration> of one cibadmin --modify: balanced, the
 * placement-strategy=balanced, resource-stickiness=0 and each node's
 * utilization (cpu, hv_memory, host_memory); else the platform's own
 * placement (default, stickiness LV_HA_STICKINESS), nodes unused.
 * 0, or -1 with err naming the bad node.
 */
int lv_balance_xml(int balanced, const struct lv_node_cap *nodes, size_t n,
    char *buf, size_t len, char *err);
/* The id of the utilization set the driver gives node. */
void lv_util_id(const char *node, char *buf, size_t len);
/*
 * What the resources ask for (their <utilization>: cpu, hv_memory), from
 * `cibadmin --query --scope resources`.  Pacemaker's utilization is a
 * hard limit: under placement-strategy=balanced it stops a resource no
 * node has room for, so the driver checks first (lv_util_fits: 0, or -1
 * with err naming the resource or the totals that do not fit).
 */
struct lv_util_need {
	long un_cpu, un_memory_mib;		/* summed */
	long un_max_cpu, un_max_memory_mib;	/* the largest ask of each */
	char un_cpu_rsc[DRV_NAME_MAX];		/* and who asks it */
	char un_memory_rsc[DRV_NAME_MAX];
	size_t un_rscs;				/* with a utilization set */
};
int lv_util_need_parse(const char *xml, size_t len,
    struct lv_util_need *need, char *err);
int lv_util_fits(const struct lv_node_cap *nodes, size_t n,
    const struct lv_util_need *need, char *err);
/* crm_mon --output-as=xml -> hs's manager (the DC) and, when rsc is not
 * NULL, its state and node.  0, or -1 with err. */
int lv_crm_mon_ha(const char *xml, size_t len, const char *rsc,
    struct drv_ha_status *hs, char *err);
/*
 * Lines of the Pacemaker log (any hosts', any order) -> recovery steps
 * appended to hs (the newest DRV_HA_EVENTS_MAX kept), oldest first:
 * "Node N state is now lost" and "... node N will be fenced" detected,
 * "Operation 'reboot' ... targeting N ... OK" fenced, "Initiating start
 * operation RSC_start_0 on N" restart, "Result of start operation for
 * RSC on N: ok" started.  Stamps are local time in year.
 */
void lv_pcmk_log_parse(const char *text, const char *rsc, int year,
    struct drv_ha_status *hs);

/* Lines "NAME VALUE" (VALUE as Pacemaker or Corosync write it: "60s",
 * "3650", "INFINITY") -> knobs of hs in NAME's unit (_ms, _s, none).
 * -1 with err naming the first bad one (the good ones are kept). */
int lv_knobs_parse(const char *text, struct drv_ha_status *hs, char *err);

/* libvirt_ha.c.  The fence devices, when the lab has BMCs (else 0 and
 * nothing done), created at cluster form. */
int lv_fence_setup(struct driver *d, const struct drv_host *hosts, size_t n,
    char *err);
/* /etc/libvirt/libvirt.conf of a host: every host's name an alias of its
 * libvirtd's TLS URI (the lab has no name service). */
int lv_client_conf(const struct drv_env *env, char *buf, size_t len,
    char *err);
/* crm_mon's XML from the first host whose DC has quorum (else the last
 * answer).  Caller frees *out. */
int lv_crm_mon_quorate(struct driver *d, char **out, char *err);
/* A cibadmin (or crm_*) request at the console of the first host that
 * takes it. */
int lv_cib_request(struct driver *d, const char *const argv[], char *err);
/* libvirt_balance.c: driver_ops' balance_set (driver.h). */
int lv_balance_set(struct driver *d, struct drv_balance *b, char *err);
int lv_ha_enable(struct driver *d, const char *vm, char *err);
int lv_ha_disable(struct driver *d, const char *vm, char *err);
int lv_ha_status(struct driver *d, const char *vm, struct drv_ha_status *hs,
    char *err);

/* The install's accelerator decision for host ("kvm"/"tcg" + why). */
void lv_set_accel(struct driver *d, const char *host, const char *accel,
    const char *reason);

/*
 * libvirt_stats.c: driver_ops' metrics and vm_cpu (driver.h), and the
 * CPU samples the driver keeps per VM (libvirt keeps none).
 * lv_cpu_rates: the rates (cores) between consecutive samples s[0..n)
 * taken at or after since into out (n - 1 room), their count; a counter
 * that went down (a new QEMU) gives no point.  Pure.
 */
struct lv_cpu_sample {
	double cs_t;			/* Unix seconds */
	unsigned long long cs_cpu_ns;	/* the domain's cpu.time */
};
struct lv_stats;
int lv_metrics(struct driver *d, struct drv_metric **out, size_t *n,
    char *err);
int lv_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err);
size_t lv_cpu_rates(const struct lv_cpu_sample *s, size_t n, double since,
    struct drv_point *out);
void lv_stats_free(struct lv_stats *st);
/* libvirt.c: the driver's slot for them. */
struct lv_stats **lv_stats_of(struct driver *d);

#endif
