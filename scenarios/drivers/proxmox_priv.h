/*
 * proxmox_priv.h - what the proxmox driver's files share: its state, the
 * request functions (proxmox.c) and the VM, task, HA and metric operations
 * (proxmox_vm.c) the ops table names.
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
};

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

/* proxmox_net.c */
int pve_network_apply(struct driver *d, const struct drv_network *n,
    struct drv_task *t, char *err);

#endif
