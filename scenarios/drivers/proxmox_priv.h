/*
 * proxmox_priv.h - what the proxmox driver's files share: its state, the
 * request functions (proxmox.c), the VM, task, HA and metric operations
 * (proxmox_vm.c) the ops table names, and where HA places VMs: the CRS
 * settings and HA rules (proxmox_ha.c).
 */
#ifndef HV_DRIVER_PROXMOX_PRIV_H
#define HV_DRIVER_PROXMOX_PRIV_H

#include <cjson/cJSON.h>

#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/proxmox.h"
#include "scenarios/drivers/proxmox_api.h"

struct pve {
	struct pve_inventory inv;
	struct pve_api *api;
	unsigned long calls_seen;	/* of pve_api_calls, in d_calls */
	char version[32];		/* GET /version at open: "9.2.1" */
	int ver;			/* its PVE_V(major, minor) */
};

/* A Proxmox VE version as one number: 9.2 -> 902.  What came when, from
 * the API viewer's schema of each version. */
#define PVE_V(major, minor) ((major) * 100 + (minor))
#define PVE_V_RULES PVE_V(9, 0)		/* /cluster/ha/rules */
#define PVE_V_REBALANCE PVE_V(9, 2)	/* crs ha=dynamic, ha-auto-rebalance */

/* A VM as the cluster lists it. */
struct pve_vm {
	char vm_node[DRV_NAME_MAX];
	char vm_id[16];
	char vm_status[16];		/* "running", "stopped" */
	int vm_template;
};

/* A request; its answer's "data" into *data (caller frees; may be NULL). */
int pve_call(struct driver *d, const char *method, const char *path,
    const struct pve_param *params, cJSON **data, char *err);
/* A request whose answer is a task: its UPID into t. */
int pve_call_task(struct driver *d, const char *method, const char *path,
    const struct pve_param *params, struct drv_task *t, char *err);
/* The VM called name: 1 found, 0 not, -1 with err. */
int pve_vm_find(struct driver *d, const char *name, struct pve_vm *vm,
    char *err);
/* The same, not finding it an error. */
int pve_vm_need(struct driver *d, const char *name, struct pve_vm *vm,
    char *err);
/* 1 when GET path (with params) lists an entry whose member key is
 * value, 0 when none, -1 with err. */
int pve_list_has(struct driver *d, const char *path,
    const struct pve_param *params, const char *key, const char *value,
    char *err);
int pve_nextid(struct driver *d, char *id, size_t len, char *err);
int pve_any_node(struct driver *d, char *node, size_t len, char *err);

/* proxmox_vm.c */
int pve_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err);
int pve_vm_start(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int pve_vm_stop(struct driver *d, const char *vm, int force,
    struct drv_task *t, char *err);
int pve_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int pve_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err);
int pve_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err);
int pve_task_status(struct driver *d, struct drv_task *t, char *err);
int pve_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err);
int pve_snapshot_rollback(struct driver *d, const char *vm,
    const char *snap, struct drv_task *t, char *err);
int pve_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err);
int pve_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err);
int pve_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err);
int pve_backup(struct driver *d, struct drv_backup *b, struct drv_task *t,
    char *err);
int pve_restore(struct driver *d, const char *backup_id,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err);
int pve_ha_enable(struct driver *d, const char *vm, char *err);
int pve_ha_disable(struct driver *d, const char *vm, char *err);
int pve_ha_status(struct driver *d, const char *vm,
    struct drv_ha_status *hs, char *err);
int pve_metrics(struct driver *d, struct drv_metric **out, size_t *n,
    char *err);
int pve_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err);
/*
 * A VM's rrddata (rows, GET /nodes/NODE/qemu/ID/rrddata) -> its points
 * from since on, oldest first, in cores (cpu, a fraction of maxcpu, times
 * maxcpu) into out (room for one per row), *n of them.  A point without
 * cpu (the VM was stopped) is left out.  0, or -1 with err naming the
 * point.  Pure.
 */
int pve_rrd_cores(const cJSON *rows, double since, struct drv_point *out,
    size_t *n, char *err);

/* proxmox_ha.c */
/* "9.2.1" -> PVE_V(9, 2) into *v.  0, or -1 with err.  Pure. */
int pve_version_parse(const char *s, int *v, char *err);
/*
 * b as the CRS of Proxmox VE version (ver its PVE_V) takes it: the
 * /cluster/options crs property string into crs, and into b->b_applied
 * "crs=..." and the settings that version has no knob for.  0, or -1
 * with err naming the version and the value it lacks, or the setting
 * outside the schema's range.  Pure.
 */
int pve_crs_build(struct drv_balance *b, const char *version, int ver,
    char *crs, size_t len, char *err);
int pve_balance_set(struct driver *d, struct drv_balance *b, char *err);

/*
 * HA rules, the driver's own (no driver op names them yet): VMs allowed
 * or preferred on nodes, or kept together or apart.  From 9.0 a rule of
 * /cluster/ha/rules; before, node affinity is an HA group the VMs' HA
 * resources name, and resource affinity is unsupported.  The VMs must be
 * HA resources already (ha_enable).
 */
enum pve_rule_kind { PVE_RULE_NODES, PVE_RULE_TOGETHER, PVE_RULE_APART };

struct pve_rule {
	const char *r_name;		/* rule (or group) id: "web" */
	enum pve_rule_kind r_kind;
	const char *const *r_vms;	/* VM names, NULL-terminated */
	const char *r_nodes;		/* PVE_RULE_NODES: "node[:prio],..." */
	int r_strict;			/* PVE_RULE_NODES: only these nodes */
};

/* 0, -1 with err (the API's refusal in it), or DRIVER_UNSUPPORTED. */
int pve_rule_add(struct driver *d, const struct pve_rule *r, char *err);
/* The rule (or group) gone, the VMs' resources released from it. */
int pve_rule_delete(struct driver *d, const char *name, char *err);
/* 1 when the cluster lists it, 0 when not, -1 with err. */
int pve_rule_has(struct driver *d, const char *name, char *err);

/* proxmox_net.c */
int pve_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err);

#endif
