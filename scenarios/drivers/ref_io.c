/*
 * ref_io.c - the `ref` driver's export and import: hvd's own
 * POST /api/v1/vms/NAME/export and POST /api/v1/vms/import (docs/api.md),
 * with files in the exchange place of the node the driver speaks to
 * (REF_EXCHANGE, in both its export_dirs and import_dirs).  A file of
 * this machine to import is put there first with the host's put verb,
 * as scp would.  Both wait for hvd's task here, so that the driver can
 * read its result (the exported file's size) and give an imported VM its
 * words before the runner sees the operation done.  An OVF is its
 * descriptor's path (NAME.ovf) with NAME.mf and NAME-diskN.vmdk beside
 * it, so it is imported from the exchange place only, and its files go
 * together.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/vmfmt/vmfmt.h"
#include "scenarios/drivers/ref_priv.h"

#define IO_TASK_NS	(1800ULL * 1000000000ULL)	/* one export or import */

/* The exchange place exists on host (mkdir -p at its console). */
static int
refio_place(struct driver *d, const char *host, char *err)
{
	const char *argv[] = { "mkdir", "-p", REF_EXCHANGE, NULL };

	return ref_console(d, host, argv, NULL, 30000, err);
}

/* name is a plain file name; its place in the exchange into buf. */
static int
refio_name(const char *name, char *buf, size_t len, char *err)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL || name[0] == '.' ||
	    (size_t)snprintf(buf, len, "%s/%s", REF_EXCHANGE, name) >= len)
		return err_set(err, "ref: '%s' is no plain file name of the "
		    "exchange place", name);
	return 0;
}

/* Wait for hvd's task t (started by ref_task); its result into *res
 * (caller frees; may be NULL).  t is done at the end. */
static int
refio_wait(struct driver *d, struct drv_task *t, cJSON **res, char *err)
{
	char path[DRV_TASK_ID_MAX + 32];
	cJSON *doc = NULL;

	if (res != NULL)
		*res = NULL;
	if (!t->t_done && driver_task_wait(d, t, IO_TASK_NS, NULL, err) != 0)
		return -1;
	if (res == NULL || t->t_id[0] == '\0')
		return 0;
	snprintf(path, sizeof(path), "/api/v1/tasks/%s", t->t_id);
	if (ref_call(d, "GET", path, NULL, &doc, err) != 0)
		return -1;
	*res = cJSON_DetachItemFromObjectCaseSensitive(doc, "result");
	cJSON_Delete(doc);
	return 0;
}

int
ref_vm_export(struct driver *d, const char *vm, const char *format,
    const char *path, struct drv_task *t, char *err)
{
	const char *host = ref_api_host(d);
	char file[512], api[256];
	cJSON *b, *res = NULL;
	double bytes = 0;

	if (refio_name(path, file, sizeof(file), err) != 0 ||
	    refio_place(d, host, err) != 0)
		return -1;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "format", format);
	cJSON_AddStringToObject(b, "path", file);
	snprintf(api, sizeof(api), "/api/v1/vms/%s/export", vm);
	if (ref_task(d, "POST", api, b, t, err) != 0 ||
	    refio_wait(d, t, &res, err) != 0)
		return err_prefix(err, "ref: export of %s as %s", vm, format);
	if (json_get_double(res, "bytes", JSON_REQUIRED, &bytes, err) != 0 ||
	    bytes < 0) {
		cJSON_Delete(res);
		return err_prefix(err, "ref: export of %s: the task's result",
		    vm);
	}
	cJSON_Delete(res);
	t->t_bytes = (uint64_t)bytes;
	t->t_done = 1;
	snprintf(t->t_status, sizeof(t->t_status), "hvd's export (vmfmt, "
	    "qemu-img) on %s into %s", host, file);
	return 0;
}

/* The imported VM's words, and its first NIC on nv's VLAN, as an
 * administrator edits an imported VM's config before its first start. */
static int
refio_words(struct driver *d, const struct drv_vm_spec *nv, char *err)
{
	char path[256];
	cJSON *cfg = NULL, *nic;

	snprintf(path, sizeof(path), "/api/v1/vms/%s/config", nv->v_name);
	if (ref_call(d, "GET", path, NULL, &cfg, err) == -1)
		return -1;
	nic = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg,
	    "nics"), 0);
	if (!cJSON_IsObject(cfg) || !cJSON_IsObject(nic)) {
		cJSON_Delete(cfg);
		return err_set(err, "GET %s: no config with a NIC", path);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "cmdline");
	if (nv->v_cmdline != NULL)
		cJSON_AddStringToObject(cfg, "cmdline", nv->v_cmdline);
	cJSON_DeleteItemFromObjectCaseSensitive(nic, "vlan");
	cJSON_AddNumberToObject(nic, "vlan", nv->v_vlan);
	return ref_call(d, "PUT", path, cfg, NULL, err);
}

/* The file to import into the exchange place of host (a file of this
 * machine is put there), its path on the host into file. */
static int
refio_source(struct driver *d, const char *host, const char *path,
    const char *format, char *file, size_t len, char *err)
{
	const struct drv_env *env = d->d_env;
	const char *base = strrchr(path, '/');

	if (path[0] != '/')
		return refio_name(path, file, len, err);
	if (strcmp(format, "ovf") == 0)
		return err_set(err, "ref: an OVF (%s) is imported from the "
		    "exchange place, where its files are together", path);
	if (refio_name(base + 1, file, len, err) != 0)
		return -1;
	if (env == NULL || env->e_copy == NULL)
		return err_set(err, "ref: no way to put %s on %s", path, host);
	d->d_calls++;
	return env->e_copy(env, host, file, path, 0644, err);
}

/* The imported file off host: with an OVF, the files beside it that an
 * export names. */
static void
refio_remove(struct driver *d, const char *host, const char *file,
    const char *format)
{
	char names[OVF_EXPORT_FILES][512], e[ERR_LEN];
	const char *rm[OVF_EXPORT_FILES + 3] = { "rm", "-f", file, NULL };
	int i;

	for (i = 0; strcmp(format, "ovf") == 0 && i < OVF_EXPORT_FILES; i++)
		if (ovf_export_file(file, i, names[i], sizeof(names[i])) == 0)
			rm[2 + i] = names[i];
	if (ref_console(d, host, rm, NULL, 30000, e) != 0)
		log_warnx("ref: %s stays on %s: %s", file, host, e);
}

/* POST /vms/import body for nv. */
static cJSON *
refio_body(const char *file, const char *format,
    const struct drv_vm_spec *nv)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "format", format);
	cJSON_AddStringToObject(b, "path", file);
	cJSON_AddStringToObject(b, "name", nv->v_name);
	cJSON_AddStringToObject(b, "pool", nv->v_pool ? nv->v_pool : "san");
	if (nv->v_host != NULL)
		cJSON_AddStringToObject(b, "node", nv->v_host);
	if (nv->v_vcpus > 0)
		cJSON_AddNumberToObject(b, "vcpus", nv->v_vcpus);
	if (nv->v_memory_mib > 0)
		cJSON_AddNumberToObject(b, "memory_mib", nv->v_memory_mib);
	return b;
}

int
ref_vm_import(struct driver *d, const char *path, const char *format,
    const struct drv_vm_spec *nv, struct drv_task *t, char *err)
{
	const char *host = ref_api_host(d);
	char file[512], e[ERR_LEN];
	struct drv_task dt;
	int made = 0, rc = -1;

	file[0] = '\0';
	if (refio_place(d, host, err) != 0 ||
	    refio_source(d, host, path, format, file, sizeof(file), err) != 0)
		goto out;
	if (ref_task(d, "POST", "/api/v1/vms/import", refio_body(file, format,
	    nv), t, err) != 0 || refio_wait(d, t, NULL, err) != 0)
		goto out;
	made = 1;
	if (refio_words(d, nv, err) != 0)
		goto out;
	t->t_done = 1;
	snprintf(t->t_status, sizeof(t->t_status), "hvd's import (vmfmt, "
	    "qemu-img) on %s from %s", host, file);
	rc = 0;
out:
	if (rc != 0 && made) {
		drv_task_init(&dt);
		if (ref_vm_delete(d, nv->v_name, &dt, e) != 0)
			log_warnx("ref: imported VM %s without its words "
			    "stays: %s", nv->v_name, e);
	}
	if (file[0] != '\0')
		refio_remove(d, host, file, format);
	return rc == 0 ? 0 : err_prefix(err, "ref: import of %s as %s", path,
	    nv->v_name);
}
