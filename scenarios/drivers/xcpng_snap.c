/*
 * xcpng_snap.c - the xcpng driver's snapshots (Async.VM.snapshot, or
 * Async.VM.checkpoint with the guest's RAM; Async.VM.revert; a snapshot
 * destroyed with its disks), clones (Async.VM.clone, linked on the SR's
 * copy-on-write; Async.VM.copy, full), templates (VM.set_is_a_template),
 * and XVA export and import through the master's /export and /import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "scenarios/drivers/xcpng_priv.h"

#define XCP_IMPORT_NS (3600ULL * NS_PER_S)

int
xcp_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, ref, err) == -1)
		return -1;
	return xcp_call_task(d, with_ram ? "Async.VM.checkpoint" :
	    "Async.VM.snapshot", xcp_args("ss", ref, snap), t, err);
}

/* The snapshot of vm named snap into ref. */
static int
xcp_snap_find(struct driver *d, const char *vm, const char *snap, char *ref,
    char *err)
{
	char v[XAPI_REF_MAX], name[256];
	const cJSON *it;
	cJSON *l = NULL;
	int rc = err_set(err, "VM %s has no snapshot %s", vm, snap);

	if (xcp_need(d, "VM", vm, v, err) == -1 ||
	    xcp_call(d, "VM.get_snapshots", xcp_args("s", v), &l, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, (cJSON_IsArray(l) ? l : NULL)) {
		if (!cJSON_IsString(it) || strlen(it->valuestring) >=
		    XAPI_REF_MAX)
			continue;
		if (xcp_name(d, "VM", it->valuestring, name, sizeof(name),
		    err) == -1) {
			rc = -1;
			break;
		}
		if (strcmp(name, snap) == 0) {
			snprintf(ref, XAPI_REF_MAX, "%s", it->valuestring);
			rc = 0;
			break;
		}
	}
	cJSON_Delete(l);
	return rc;
}

/*
 * VM.revert brings the VM back as at the snapshot; from a checkpoint it
 * is suspended then, and resuming it makes it run from that instant.
 * The revert is waited for here; the resume, when there is one, is t.
 */
int
xcp_snapshot_rollback(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	char s[XAPI_REF_MAX], v[XAPI_REF_MAX];
	cJSON *st = NULL;
	int suspended;

	if (xcp_snap_find(d, vm, snap, s, err) == -1 ||
	    xcp_run(d, "Async.VM.revert", xcp_args("s", s), NULL, err) == -1 ||
	    xcp_need(d, "VM", vm, v, err) == -1 ||
	    xcp_call(d, "VM.get_power_state", xcp_args("s", v), &st, err) ==
	    -1)
		return -1;
	suspended = cJSON_IsString(st) && strcmp(st->valuestring,
	    "Suspended") == 0;
	cJSON_Delete(st);
	if (!suspended) {
		t->t_done = 1;
		return 0;
	}
	/* start_paused false, force false */
	return xcp_call_task(d, "Async.VM.resume", xcp_args("sbb", v, 0, 0), t,
	    err);
}

int
xcp_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	char s[XAPI_REF_MAX];

	if (xcp_snap_find(d, vm, snap, s, err) == -1 ||
	    xcp_vm_destroy(d, s, err) == -1)
		return err_prefix(err, "snapshot %s of %s", snap, vm);
	t->t_done = 1;
	return 0;
}

/*
 * VM.clone is the SR's fast copy-on-write clone (linked to the source's
 * disks), VM.copy a full copy onto the SR; both waited for here, then
 * the new VM is made an ordinary VM (a template's clone is a template)
 * placed on nv->v_host when named.
 */
int
xcp_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err)
{
	struct xcp *x = d->d_priv;
	char src[XAPI_REF_MAX], sr[XAPI_REF_MAX], ref[XAPI_REF_MAX];
	char host[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, src, err) == -1 ||
	    (nv->v_host != NULL && xcp_need(d, "host", nv->v_host, host,
	    err) == -1))
		return -1;
	if (linked) {
		if (xcp_run(d, "Async.VM.clone", xcp_args("ss", src,
		    nv->v_name), ref, err) == -1)
			return -1;
	} else if (xcp_need(d, "SR", x->inv.xi_sr, sr, err) == -1 ||
	    xcp_run(d, "Async.VM.copy", xcp_args("sss", src, nv->v_name, sr),
	    ref, err) == -1)
		return -1;
	if (xcp_call(d, "VM.set_is_a_template", xcp_args("sb", ref, 0), NULL,
	    err) == -1 || (nv->v_host != NULL && xcp_call(d,
	    "VM.set_affinity", xcp_args("ss", ref, host), NULL, err) == -1))
		return err_prefix(err, "clone %s", nv->v_name);
	t->t_done = 1;
	return 0;
}

int
xcp_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	char ref[XAPI_REF_MAX];

	if (xcp_need(d, "VM", vm, ref, err) == -1 ||
	    xcp_call(d, "VM.set_is_a_template", xcp_args("sb", ref, 1), NULL,
	    err) == -1)
		return -1;
	t->t_done = 1;
	return 0;
}

/* XCP-ng's own package is XVA; OVF and disk formats go through Xen
 * Orchestra or the hosts' tools. */
static int
xcp_format(const char *format, char *err)
{
	if (strcmp(format, "xva") == 0)
		return 0;
	err_set(err, "format %s: XAPI exports and imports XVA only (OVF/OVA "
	    "and disk images need Xen Orchestra)", format);
	return DRIVER_UNSUPPORTED;
}

/* GET /export?uuid=UUID of the VM (halted, or it is snapshotted first by
 * XAPI itself) into path. */
int
xcp_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err)
{
	struct xcp *x = d->d_priv;
	char uuid[XCP_UUID_MAX], q[128];
	int rc;

	if ((rc = xcp_format(format, err)) != 0)
		return rc;
	if (xcp_vm_uuid(d, vm, uuid, sizeof(uuid), err) == -1)
		return -1;
	snprintf(q, sizeof(q), "uuid=%s", uuid);
	rc = xapi_http_get(x->api, "/export", q, path, NULL, err);
	xcp_count(d);
	if (rc == 0)
		t->t_done = 1;
	return rc;
}

/* PUT path to /import?sr_id=SR&task_id=TASK: the task's result names the
 * new VM, which is then named nv->v_name (the inventory's SR holds it:
 * nv's pool and words are not the import's to set). */
int
xcp_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	const char *new_vm = nv->v_name;
	struct xcp *x = d->d_priv;
	char sr[XAPI_REF_MAX], q[2 * XAPI_REF_MAX + 32], vm[XAPI_REF_MAX];
	int rc;

	if ((rc = xcp_format(format, err)) != 0)
		return rc;
	drv_task_init(t);
	if (xcp_need(d, "SR", x->inv.xi_sr, sr, err) == -1 ||
	    xcp_call_task(d, "task.create", xcp_args("ss", "hvlab import",
	    new_vm), t, err) == -1)
		return -1;
	snprintf(q, sizeof(q), "sr_id=%s&task_id=%s", sr, t->t_id);
	rc = xapi_http_put(x->api, "/import", q, path, err);
	xcp_count(d);
	if (rc == -1 || driver_task_wait(d, t, XCP_IMPORT_NS, NULL, err) == -1)
		return -1;
	if (!xapi_result_ref(t->t_status, vm, sizeof(vm)))
		return err_set(err, "import: the task's result names no VM");
	return xcp_call(d, "VM.set_name_label", xcp_args("ss", vm, new_vm),
	    NULL, err);
}
