/*
 * driver.h - the platform driver interface: what the runner asks of a
 * virtualization platform (install it on hosts, form a cluster, attach
 * storage, create/start/stop/delete/migrate VMs, configure networks, and
 * later snapshots, backups, clones, templates, import/export, HA, metrics,
 * load balancing).
 *
 * A driver speaks to its platform only over the platform's public API:
 * `ref` talks HTTPS to hvd, `proxmox` to the PVE REST API, `xcpng`
 * (later) to XAPI JSON-RPC.  Every operation returns
 *   0                   done (or, for a long operation, started: see tasks),
 *   -1                  failed, err holds one sentence naming the place,
 *   DRIVER_UNSUPPORTED  the platform cannot do it; err holds the reason
 *                       ("XCP-ng load balancing needs an extra server").
 * An operation left NULL in the ops table is unsupported with the driver's
 * generic reason (drv_unsupported_reason).
 *
 * Long operations (install, cluster, attach, start, stop, migrate, backup,
 * restore, clone, export, import) fill a struct drv_task.  A synchronous
 * driver finishes the work before returning and sets t_done; an
 * asynchronous one stores the platform's task id (a Proxmox UPID
 * "UPID:node:pid:...", an XAPI task ref "OpaqueRef:...", an hvd task id)
 * and the runner calls driver_task_wait, which polls task_status.  Either
 * way the runner measures the wall time around start + wait.
 */
#ifndef HV_DRIVER_H
#define HV_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#define DRIVER_UNSUPPORTED 2
#define DRV_NAME_MAX 64
#define DRV_ADDR_MAX 64
#define DRV_TASK_ID_MAX 256

struct driver;

/* A lab host (or a real one) as the driver sees it. */
struct drv_host {
	char h_name[DRV_NAME_MAX];	/* "host1" */
	char h_addr[DRV_ADDR_MAX];	/* management address, 198.18.x.y */
	char h_netns[DRV_NAME_MAX];	/* lab namespace of the host, or "" */
	char h_bmc_addr[DRV_ADDR_MAX];	/* its BMC (Redfish over HTTPS), ""
					 * when the lab has none */
};

/* Where the drivers' API calls come from (the lab's station). */
struct drv_env {
	const char *e_lab;		/* lab name, or NULL */
	const char *e_station_netns;	/* namespace to speak from, or NULL */
	const char *e_workdir;		/* scratch directory of this run */
	const char *e_bindir;		/* where bin/hvd, bin/hvctl live */
	const char *e_guest_dir;	/* the guest image's directory (its
					 * kernel and initrd), resolved, or
					 * NULL */
	const struct drv_host *e_hosts;
	size_t e_nhosts;
	const char *e_san_addr;		/* iSCSI portal "198.18.0.4:3260" */
	const char *e_san_iqn;		/* target IQN */
	const char *e_san_mgmt_addr;	/* a witness SAN's management address
					 * "198.18.0.250", else NULL */
	const char *e_accel;		/* accelerator mode for the platform's
					 * QEMUs: "auto", "kvm", "tcg" */
	/* The hosts' BMCs (h_bmc_addr): their user and the file holding
	 * their password on this machine; NULL when the lab has none. */
	const char *e_bmc_user;
	const char *e_bmc_password_file;
	/*
	 * Run argv on a host's console (the lab's `exec`), as an installer
	 * at the host's keyboard would; stdout into *out (caller frees; out
	 * may be NULL).  0 when it exited 0, -1 with err otherwise.
	 */
	int (*e_exec)(const struct drv_env *env, const char *host,
	    const char *const argv[], char **out, long timeout_ms, char *err);
	/*
	 * Directories of host its disk keeps across power cycles (keep[])
	 * and directories private to each boot (tmpfs[]), both
	 * NULL-terminated or NULL: the lab's `dirs` (lab/hostdisk.h), what
	 * a real host's own disk gives.  Mounted at once and at every
	 * power-on.  NULL without a lab.
	 */
	int (*e_dirs)(const struct drv_env *env, const char *host,
	    const char *const keep[], const char *const tmpfs[], char *err);
	/* Put data[0..len-1] at path on host with mode (the lab's `put`, as
	 * scp would).  NULL without a lab. */
	int (*e_put)(const struct drv_env *env, const char *host,
	    const char *path, const void *data, size_t len, int mode,
	    char *err);
	/* Copy the file src of this machine to path on host with mode (the
	 * lab's `put --from`, as scp would).  NULL without a lab. */
	int (*e_copy)(const struct drv_env *env, const char *host,
	    const char *path, const char *src, int mode, char *err);
	/* Start argv at every boot of host as a `kind` service (daemon,
	 * respawn, run): the lab's `service`, what `systemctl enable`
	 * gives.  It does not start it now.  NULL without a lab. */
	int (*e_service)(const struct drv_env *env, const char *host,
	    const char *kind, const char *const argv[], char *err);
	void *e_exec_arg;
};

struct drv_task {
	char t_id[DRV_TASK_ID_MAX];	/* platform task id, "" when sync */
	int t_done;			/* 1 when finished */
	int t_failed;			/* 1 when finished with an error */
	char t_status[256];		/* platform's last status text */
	/* Figures the platform reports about the operation, or < 0. */
	double t_downtime_ms;		/* migration: the hypervisor's own;
					 * snapshot: the guest paused;
					 * backup: its disks stood still */
	double t_total_s;		/* migration: the platform's own */
	uint64_t t_bytes;		/* migration: bytes moved; backup:
					 * what it takes in its store */
	double t_progress;		/* 0..1 as the platform says, < 0
					 * when it does not */
	int t_reused;			/* the work was found done already (a
					 * reused lab): nothing was measured */
	int t_rolled_back;		/* a guarded change the platform undid
					 * by itself (t_failed is set too) */
};

struct drv_pool {
	const char *p_name;		/* "san" */
	const char *p_type;		/* "iscsi" | "dir" */
	const char *p_portal;		/* iscsi: "198.18.0.4:3260" */
	const char *p_target;		/* iscsi: target IQN */
	const char *p_path;		/* dir: path on the host */
};

struct drv_network {
	const char *n_name;		/* "vm" */
	int n_vlan;			/* 802.1Q tag, 0 = untagged */
	const char *n_bond;		/* bond mode or NULL */
	const char *const *n_nics;	/* uplinks, NULL-terminated, or NULL */
};

/* A port of a host's virtual switch (a VM NIC's tap, the host's own
 * management or storage interface, a bond) and its access VLAN. */
struct drv_port {
	char p_name[DRV_NAME_MAX];
	int p_vlan;			/* access tag, 0 = untagged/trunk */
};

struct drv_vm_spec {
	const char *v_name;
	const char *v_host;		/* placement, or NULL = platform's choice */
	int v_vcpus;			/* 0 = 1 */
	int v_memory_mib;		/* 0 = 128 */
	const char *v_pool;		/* disk pool, or NULL = no disk */
	int v_disk_mib;			/* 0 = the guest image's size */
	const char *v_network;		/* network name, or NULL */
	const char *v_kind;		/* guest kind ("linux", ...), or NULL */
	int v_ha;			/* 1 = HA-managed */
	/* The lab's guest image: direct kernel boot (paths on the hosts),
	 * its command line (address, name), and the NIC's VLAN. */
	const char *v_kernel;
	const char *v_initrd;
	const char *v_cmdline;
	int v_vlan;			/* 0 = untagged */
	const char *v_machine;		/* "q35", "pc", "microvm"; NULL =
					 * the platform's default */
	/* Boot from its own disk instead: a copy of this image (the lab's
	 * bootable guest, a qcow2 on the hosts' filesystem) becomes the
	 * VM's disk on v_pool; v_kernel is NULL and v_cmdline holds the
	 * guest's own words (name, address), which the platform hands it
	 * through firmware (SMBIOS OEM strings), not a kernel command
	 * line. */
	const char *v_boot_image;
};

/* A VM's first disk as stored (clone and template rows). */
struct drv_disk_info {
	uint64_t di_alloc_bytes;	/* what the image takes on its pool */
	char di_sha256[65];		/* of the image as stored (its qcow2
					 * file or LUN), "" when not asked */
};

/* A backup asked for (Backup/restore row). */
#define DRV_BACKUP_ID_MAX 256
struct drv_backup {
	const char *b_vm;
	const char *b_target;		/* store or storage, NULL = the
					 * driver's own */
	int b_incremental;		/* only what changed since b_vm's last
					 * backup */
	char b_id[DRV_BACKUP_ID_MAX];	/* filled: the platform's id of it */
};

/* A backup schedule and what came of it (backup_job_status). */
#define DRV_BACKUPS_MAX 16
struct drv_backup_job {
	const char *j_name;		/* unique per run: tasks of an older
					 * job of that name would count */
	const char *j_vm;
	const char *j_spec;		/* a calendar spec as hvd's
					 * (docs/backups.md) */
	int j_keep_last;
	int j_runs, j_failed;		/* runs ended well, and in error */
	int j_running;			/* a run in progress */
	size_t j_nids;			/* backups of j_vm in the job's store,
					 * newest first */
	char j_ids[DRV_BACKUPS_MAX][DRV_BACKUP_ID_MAX];
};

enum drv_vm_state {
	DRV_VM_UNKNOWN, DRV_VM_STOPPED, DRV_VM_RUNNING, DRV_VM_PAUSED,
	DRV_VM_MIGRATING,
};

struct drv_vm_info {
	enum drv_vm_state i_state;
	char i_host[DRV_NAME_MAX];	/* where it runs (or is defined) */
	char i_addr[DRV_ADDR_MAX];	/* guest address, "" when unknown */
	char i_accel[8];		/* what its QEMU runs on, "" unknown */
	char i_exit[512];		/* stopped by itself: why, or "" */
};

/* What a platform tells about a node (Server architecture row). */
struct drv_node_info {
	char n_name[DRV_NAME_MAX];
	char n_hypervisor[128];		/* "QEMU 7.2 (TCG)", "Xen 4.17" */
	char n_arch[32];		/* "x86_64" */
	char n_qemu[32];		/* QEMU's version, "" when unknown */
	char n_accel[8];		/* the node's accelerator decision */
	char n_accel_reason[384];	/* and why */
	int n_cpus;
	uint64_t n_memory_bytes;
	int n_online;
};

struct drv_cluster_info {
	int c_nodes;
	int c_online;
	int c_quorate;
};

/* A metric sample (Performance monitoring row). */
struct drv_metric {
	char m_name[96];		/* "vm_cpu_seconds_total", with its
					 * labels: "...{mode=user}" */
	char m_subject[DRV_NAME_MAX];	/* VM or node name */
	double m_value;
};

/* A point of a series over time (Performance monitoring row). */
struct drv_point {
	double pt_t;			/* Unix seconds */
	double pt_v;
};

#define DRV_PROM_TARGETS 16

/* Where a Prometheus scrapes a platform's own endpoint. */
struct drv_prom {
	char pr_scheme[8];		/* "https" */
	char pr_path[64];		/* "/metrics" */
	char pr_targets[DRV_PROM_TARGETS][DRV_ADDR_MAX + 8];
	size_t pr_ntargets;		/* "198.18.0.11:8006", one a node */
	char pr_ca_file[1024];		/* CA that signs them, "" none */
	char pr_token[512];		/* bearer token (read-only), "" none */
	char pr_vm_cpu[96];		/* counter of a VM's CPU seconds,
					 * labelled vm="NAME" */
};

/* A balancer's settings (Load balancing row), in the words of hvd's
 * balancer and Proxmox VE's CRS (docs/balance.md). */
struct drv_balance {
	char b_mode[16];		/* "dynamic", "static" or "off" */
	double b_threshold;		/* overloaded: a host's load above the
					 * mean by more than this */
	int b_hold;			/* rounds an overload must last */
	double b_margin;		/* the least a move must gain */
	int b_max_moves;		/* moves per round */
	int b_interval_s;		/* seconds between rounds */
	char b_applied[512];		/* out: what the platform was set to
					 * ("crs=ha=dynamic", ...) */
};

enum drv_migrate_mode { DRV_MIGRATE_OFFLINE, DRV_MIGRATE_LIVE };

/*
 * HA (High availability row).  A platform's recovery steps, in the
 * runner's words; the platform's own word is kept beside (hvd's
 * "lease-expired", Proxmox's "fence", XAPI's "host-failed", ...).
 */
enum drv_ha_step {
	DRV_HA_OTHER,
	DRV_HA_DETECTED,	/* the manager saw the VM's node lost */
	DRV_HA_FENCED,		/* the lost node must have fenced itself */
	DRV_HA_RESTART,		/* recovery decided: restart on another node */
	DRV_HA_STARTED,		/* the VM runs again (hypervisor started) */
};

#define DRV_HA_EVENTS_MAX 32

/* A fence as the node that did it logged it: a VM's hypervisor process
 * killed because the node lost its lease (the failure drills count the
 * ones that hit a healthy node). */
struct drv_fence {
	char f_vm[DRV_NAME_MAX];
	uint64_t f_wall_ns;		/* when the node logged it */
};

struct drv_ha_event {
	enum drv_ha_step he_step;
	char he_word[32];		/* the platform's own word */
	uint64_t he_wall_ns;		/* when the platform logged it */
	char he_node[DRV_NAME_MAX];	/* node the step names, or "" */
};

/* A setting of the platform's HA that its timings follow, reported
 * with the drill's figures under its metric name ("token_ms"). */
struct drv_ha_knob {
	char k_name[48];
	double k_value;
};

#define DRV_HA_KNOBS_MAX 8

struct drv_ha_status {
	char hs_manager[DRV_NAME_MAX];	/* host of the HA manager, "" none */
	struct drv_ha_knob hs_knobs[DRV_HA_KNOBS_MAX];	/* with vm NULL */
	size_t hs_nknobs;
	double hs_fence_s;		/* the node's self-fence deadline
					 * after it lost the cluster, < 0
					 * unknown */
	int hs_found;			/* vm is an HA resource */
	char hs_state[32];		/* the platform's word for it */
	int hs_running;			/* that state says the VM runs */
	char hs_node[DRV_NAME_MAX];	/* where the platform runs it */
	struct drv_ha_event hs_events[DRV_HA_EVENTS_MAX];  /* oldest first */
	size_t hs_nevents;
};

/*
 * "2026-11-26T08:19:17.928Z" (UTC, optional fraction) -> ns since the
 * epoch.  0, or -1 when s is not such a time.  Pure.
 */
int drv_parse_utc(const char *s, uint64_t *wall_ns);

/* Why a platform lacks a feature, shown in the report's cell. */
struct drv_reason {
	const char *r_feature;		/* "ha", ... */
	const char *r_reason;		/* "hvd has no snapshots yet" */
};

struct driver_ops {
	const char *name;		/* "ref" */
	/* Reason used for NULL operations ("not in hvd yet"), and
	 * per-feature reasons (NULL-terminated, may be NULL) first. */
	const char *unsupported_reason;
	const struct drv_reason *reasons;
	/* The port of a host's own management interface on its virtual
	 * switch (net_ports' name for it), or NULL when there is none. */
	const char *mgmt_port;

	int (*open)(struct driver *d, const struct drv_env *env, char *err);
	void (*close)(struct driver *d);

	/* Platform lifecycle */
	int (*host_install)(struct driver *d, const struct drv_host *h,
	    struct drv_task *t, char *err);
	int (*cluster_form)(struct driver *d, const char *name,
	    const struct drv_host *hosts, size_t n, struct drv_task *t,
	    char *err);
	int (*cluster_info)(struct driver *d, struct drv_cluster_info *ci,
	    char *err);
	int (*node_info)(struct driver *d, const char *node,
	    struct drv_node_info *ni, char *err);
	/* The platform's product and version as its API reports them
	 * ("hvd 0.1.0"), into buf.  NULL: the API tells none. */
	int (*platform_version)(struct driver *d, char *buf, size_t len,
	    char *err);
	int (*storage_attach)(struct driver *d, const struct drv_pool *p,
	    struct drv_task *t, char *err);
	/* 0 when host sees the attached pool (opens its storage), -1 with
	 * err saying what it saw.  NULL: not checkable per host. */
	int (*storage_check)(struct driver *d, const struct drv_pool *p,
	    const char *host, char *err);
	int (*network_apply)(struct driver *d, const struct drv_network *n,
	    struct drv_task *t, char *err);
	/* Network management on one host (Network management row): the
	 * ports of its virtual switch (caller frees *ports), and moving a
	 * port to another access VLAN.  A platform that guards such changes
	 * (hvd: the change is undone by itself when the host loses its
	 * management path) reports a rolled-back change as a failed task
	 * whose status says so. */
	int (*net_ports)(struct driver *d, const char *host,
	    struct drv_port **ports, size_t *n, char *err);
	int (*net_port_vlan)(struct driver *d, const char *host,
	    const char *port, int vlan, struct drv_task *t, char *err);
	/* The same move made at the host's console, not through the API:
	 * what an administrator does when a change the platform kept cut
	 * the host off.  0, or -1 with err.  NULL: no such repair. */
	int (*net_port_vlan_console)(struct driver *d, const char *host,
	    const char *port, int vlan, char *err);

	/* VMs */
	int (*vm_create)(struct driver *d, const struct drv_vm_spec *s,
	    struct drv_task *t, char *err);
	int (*vm_start)(struct driver *d, const char *vm, struct drv_task *t,
	    char *err);
	/* force: power off; otherwise an ACPI shutdown */
	int (*vm_stop)(struct driver *d, const char *vm, int force,
	    struct drv_task *t, char *err);
	int (*vm_delete)(struct driver *d, const char *vm, struct drv_task *t,
	    char *err);
	int (*vm_info)(struct driver *d, const char *vm,
	    struct drv_vm_info *vi, char *err);
	int (*vm_migrate)(struct driver *d, const char *vm, const char *to,
	    enum drv_migrate_mode mode, struct drv_task *t, char *err);

	/* Later features (each row of Table 3.1 that needs one) */
	/* Snapshot snap of vm, with the guest's RAM (vm runs) or of its
	 * disks only; t_downtime_ms: how long the guest stood still, as
	 * the platform measured it (< 0 unknown).  Rollback brings vm back
	 * as it was then: running from that instant when taken with RAM. */
	int (*snapshot_create)(struct driver *d, const char *vm,
	    const char *snap, int with_ram, struct drv_task *t, char *err);
	int (*snapshot_rollback)(struct driver *d, const char *vm,
	    const char *snap, struct drv_task *t, char *err);
	int (*snapshot_delete)(struct driver *d, const char *vm,
	    const char *snap, struct drv_task *t, char *err);
	/* Backup of b->b_vm, running or not, into b->b_id; t_bytes: what
	 * it takes in its store, t_downtime_ms: how long the guest's disks
	 * stood still, as the platform measured it (< 0 unknown).  Restore
	 * makes a new VM nv->v_name (nv->v_host when set) with its own MAC
	 * and guest words (nv->v_cmdline), stopped, its disks as at the
	 * backup.  backup_delete removes one backup (a base of another
	 * one: -1). */
	int (*backup)(struct driver *d, struct drv_backup *b,
	    struct drv_task *t, char *err);
	int (*restore)(struct driver *d, const char *backup_id,
	    const struct drv_vm_spec *nv, struct drv_task *t, char *err);
	int (*backup_delete)(struct driver *d, const char *backup_id,
	    struct drv_task *t, char *err);
	/* Backup schedules: a job backing j_vm up (full) by j_spec and
	 * pruning its backups to j_keep_last; its runs and the backups of
	 * j_vm in its store now (status); the job removed (delete; a run in
	 * progress ends first, its backups stay).  NULL: no schedules. */
	int (*backup_job_create)(struct driver *d,
	    const struct drv_backup_job *j, char *err);
	int (*backup_job_status)(struct driver *d, struct drv_backup_job *j,
	    char *err);
	int (*backup_job_delete)(struct driver *d,
	    const struct drv_backup_job *j, char *err);
	/* A clone of vm named nv->v_name (on nv->v_host when set), with
	 * its own MAC and guest words (nv->v_cmdline, as v_boot_image VMs
	 * take them); linked: an overlay on vm's image, vm a template. */
	int (*clone)(struct driver *d, const char *vm,
	    const struct drv_vm_spec *nv, int linked, struct drv_task *t,
	    char *err);
	/* vm becomes a template: never started or changed again, its
	 * image never written. */
	int (*template_make)(struct driver *d, const char *vm,
	    struct drv_task *t, char *err);
	/* vm's first disk: its size on the pool, and with digest its
	 * image's SHA-256. */
	int (*vm_disk)(struct driver *d, const char *vm, int digest,
	    struct drv_disk_info *di, char *err);
	/*
	 * Export and import in the formats of docs/import-export.md: a
	 * disk format ("raw", "qcow2", "vmdk", "vmdk-stream", "vhd",
	 * "vhd-fixed", "vhdx"), "ova", "ovf" (path is the descriptor
	 * NAME.ovf, with NAME.mf and NAME-diskN.vmdk beside it; t_bytes
	 * their total) and "xva" (import only).  path is
	 * a plain file name in the platform's exchange place (a directory
	 * of the host the driver speaks to); vm_import also takes an
	 * absolute path of this machine, which it copies there first (as
	 * scp would).  vm_export writes the stopped vm there (t_bytes: the
	 * file's size); vm_import makes the stopped VM nv->v_name from it
	 * on nv->v_pool (and nv->v_host), with nv's words and VLAN as
	 * v_boot_image VMs take them, and removes the file from the
	 * exchange place, imported or not.  t_status says how the
	 * platform did it (its own means, or a conversion on the host).
	 */
	int (*vm_export)(struct driver *d, const char *vm, const char *format,
	    const char *path, struct drv_task *t, char *err);
	int (*vm_import)(struct driver *d, const char *path,
	    const char *format, const struct drv_vm_spec *nv,
	    struct drv_task *t, char *err);
	/* HA: make vm an HA resource (restarted elsewhere when its node
	 * is lost), stop that, and tell the HA state: the manager's host
	 * and settings, and for vm (may be NULL) its state and recovery
	 * log. */
	int (*ha_enable)(struct driver *d, const char *vm, char *err);
	int (*ha_disable)(struct driver *d, const char *vm, char *err);
	int (*ha_status)(struct driver *d, const char *vm,
	    struct drv_ha_status *hs, char *err);
	/* How the platform fences a lost host before its VMs run
	 * elsewhere: "watchdog" (the host fences itself), "bmc" (powered
	 * off through its BMC: e_bmc_* and h_bmc_addr), "both" (the BMC,
	 * else the watchdog).  NULL: the platform has no such choice. */
	int (*ha_fencing)(struct driver *d, const char *mode, char *err);
	/* Performance monitoring.  metrics: each node's and each running
	 * VM's series with its newest value (*out, caller frees, *n).
	 * vm_cpu: vm's CPU use in cores (1.0 = one core busy) from since
	 * (Unix seconds) to now, oldest first (*pts, caller frees): the
	 * platform's samples, or the driver's own taken at each call where
	 * the platform keeps none.  prom: the platform's Prometheus
	 * endpoint; NULL when it has none built in. */
	int (*metrics)(struct driver *d, struct drv_metric **out, size_t *n,
	    char *err);
	int (*vm_cpu)(struct driver *d, const char *vm, double since,
	    struct drv_point **pts, size_t *n, char *err);
	int (*prom)(struct driver *d, struct drv_prom *p, char *err);

	/*
	 * The failure drills' reads and acts (docs/scenarios.md "drills").
	 * vm_migrate_capped: a live migration whose stream the platform
	 * caps at bytes_per_s, so that a fault can hit it in flight (its
	 * task's t_progress says how far it got).  store_leader: the host
	 * whose member leads the cluster store (hvd: etcd's leader) into
	 * host.  daemon_kill: SIGKILL the platform's daemon on host (a
	 * crash, found by its own pid, not by name); daemon_start: start it
	 * again as the host's service does and wait until it answers.
	 * fences: the fences host logged, into *f (caller frees), *n of
	 * them.  vm_crash: SIGKILL the VM's hypervisor process on host (a
	 * crash the platform did not ask for).  daemon_log: the last lines
	 * of the platform daemon's log on host into *out (caller frees),
	 * kept beside a drill's results as its evidence.  Each 0, or -1 with err;
	 * NULL: the driver cannot.
	 */
	int (*vm_migrate_capped)(struct driver *d, const char *vm,
	    const char *to, uint64_t bytes_per_s, struct drv_task *t,
	    char *err);
	int (*store_leader)(struct driver *d, char *host, size_t len,
	    char *err);
	int (*daemon_kill)(struct driver *d, const char *host, char *err);
	int (*daemon_start)(struct driver *d, const char *host, char *err);
	int (*fences)(struct driver *d, const char *host,
	    struct drv_fence **f, size_t *n, char *err);
	int (*vm_crash)(struct driver *d, const char *host, const char *vm,
	    char *err);
	int (*daemon_log)(struct driver *d, const char *host, char **out,
	    char *err);
	/*
	 * Load balancing (Load balancing row).  balance_set: set the
	 * platform's balancer to b (b_mode "off" turns it off) and say in
	 * b_applied what the platform was set to, in its own words; a
	 * setting it has no knob for keeps the platform's default and
	 * b_applied names it.  The row puts its VMs under HA first wherever
	 * the platform has HA, as Pacemaker and Proxmox VE's CRS balance
	 * only the resources they manage.  0, or -1 with err; NULL: the
	 * platform balances nothing by itself.
	 */
	int (*balance_set)(struct driver *d, struct drv_balance *b,
	    char *err);
	int (*bond_set)(struct driver *d, const char *host, const char *mode,
	    struct drv_task *t, char *err);
	/* The members of host's bond that carry traffic (*enabled: link up
	 * and, with LACP, negotiated) and those that do not, as the host's
	 * switch sees them at its console.  0, or -1 with err.  NULL: the
	 * driver cannot tell. */
	int (*bond_members)(struct driver *d, const char *host, int *enabled,
	    int *disabled, char *err);
	/* Cap each member of host's bond at rate_mbit on egress (0: no
	 * cap), at the host's console.  0, or -1 with err. */
	int (*bond_cap)(struct driver *d, const char *host, int rate_mbit,
	    char *err);

	/* Tasks: state of t (t_done, t_failed, t_status).  NULL for a
	 * driver whose operations are all synchronous. */
	int (*task_status)(struct driver *d, struct drv_task *t, char *err);

	/* The driver's own configuration (a real platform's inventory),
	 * checked without contacting the platform, for `hvlab run -n`:
	 * each problem printed to stderr with its place, then 0 or -1 with
	 * err.  NULL: the driver needs none. */
	int (*config_check)(char *err);
};

struct driver {
	const struct driver_ops *d_ops;
	void *d_priv;
	const struct drv_env *d_env;
	/* Every request the driver sent to the platform: API requests
	 * (task polls included) and commands at a host's console, counted
	 * by the driver as it sends them.  The runner reads it before and
	 * after an operation: the operation's steps, measured. */
	unsigned long d_calls;
};

/* 0 when a driver called name exists, else -1 with err. */
int driver_check_platform(const char *name, char *err);
/* The named driver's config_check (0 when it has none): `hvlab run -n`. */
int driver_check_config(const char *name, char *err);
/* Open the named driver; NULL with err when unknown or open fails. */
struct driver *driver_open(const char *name, const struct drv_env *env,
    char *err);
void driver_close(struct driver *d);

/*
 * Whether the driver has what a scenario feature needs ("install",
 * "snapshot", ... see suite_features[]).  1 = yes; 0 = no, with the
 * reason in reason (ERR_LEN bytes).
 */
int driver_supports(const struct driver *d, const char *feature,
    char *reason);

/* Wait for t to finish (polling task_status every 200 ms; a failing poll
 * is retried for 30 s, a platform may not answer for a moment) up to
 * timeout_ns; fails when it times out, fails, or *stop becomes non-zero
 * (stop may be NULL). */
int driver_task_wait(struct driver *d, struct drv_task *t,
    uint64_t timeout_ns, volatile int *stop, char *err);
void drv_task_init(struct drv_task *t);

/* A driver's way to run argv at a host's console (ref_console, lv_console). */
typedef int (*drv_console_fn)(struct driver *d, const char *host,
    const char *const argv[], char **out, long timeout_ms, char *err);

/*
 * A host's OVS bond0, for drivers whose hosts network with Open vSwitch:
 * the members enabled and disabled (`ovs-appctl bond/show bond0`:
 * "\nmember eth0: enabled"), and a per-member rate cap (an OVS linux-htb
 * QoS on the port; rate_mbit 0 clears it, and OVS collects the unused QoS
 * row).  Both run through con; 0 or -1 with err.
 */
/* Write text to path on this machine (a driver's own scratch files).
 * 0, or -1 with err naming path. */
int drv_write_text(const char *path, const char *text, char *err);

int drv_ovs_bond_members(struct driver *d, drv_console_fn con,
    const char *host, int *enabled, int *disabled, char *err);
int drv_ovs_bond_cap(struct driver *d, drv_console_fn con, const char *host,
    int rate_mbit, char *err);

#endif
