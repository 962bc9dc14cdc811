/*
 * fuzz_api.c - libFuzzer harness for the JSON bodies hvd's API takes: the
 * input is a request body, parsed as the API parses it (strict JSON, an
 * object, no duplicate member), then given to every check a route runs
 * on its body before any I/O: VM config (create and update; an accepted
 * config is written back as stored and read again, and its QEMU argv
 * built), migration, network change, pool and volume, HA resource, group
 * and settings.  Each check answers most inputs with an error; the
 * fuzzer looks for crashes, leaks, hangs, undefined behaviour, and for a
 * VM config hvd accepts but cannot read back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "platform/ha.h"
#include "platform/migrate.h"
#include "platform/netcfg.h"
#include "platform/pool.h"
#include "platform/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hvd's own body_parse: NULL for what the API answers 400 to. */
static cJSON *
body_parse(const uint8_t *data, size_t size)
{
	char err[ERR_LEN], path[256];
	cJSON *body;

	if ((body = json_parse_buf((const char *)data, size, err)) == NULL)
		return NULL;
	if (!cJSON_IsObject(body) ||
	    json_find_duplicate(body, path, sizeof(path))) {
		cJSON_Delete(body);
		return NULL;
	}
	return body;
}

/* QEMU's argv for an accepted config, disks resolved as pools would. */
static void
vm_argv(struct vm_config *c)
{
	static const struct vm_host h = { "/run/hvd/vms",
	    "qemu-system-x86_64", "hvbr0", "", "tcg" };
	char err[ERR_LEN], **argv;
	int i;

	for (i = 0; i < c->ndisks; i++)
		if (c->disks[i].path[0] == '\0')
			snprintf(c->disks[i].path, sizeof(c->disks[i].path),
			    "/var/lib/hvd/%s/%s.qcow2", c->disks[i].pool,
			    c->disks[i].volume);
	if (vm_argv_build(&h, c, VM_START_PAUSED, &argv, err) == 0)
		vm_argv_free(argv);
}

/* POST /vms and PUT /vms/NAME/config; what is stored reads back. */
static void
vm_body(const cJSON *body)
{
	static struct vm_config c, back;	/* large: not on the stack */
	char err[ERR_LEN], bad[64];
	cJSON *stored;

	if (vm_config_from_json(body, &c, bad, sizeof(bad), err) != 0)
		return;
	if ((stored = vm_config_to_json(&c)) == NULL)
		return;
	if (vm_config_from_json(stored, &back, bad, sizeof(bad), err) != 0) {
		fprintf(stderr, "a VM config hvd accepts does not read back: "
		    "%s\n", err);
		abort();
	}
	cJSON_Delete(stored);
	vm_argv(&c);
}

/* POST /vms/NAME/migrate's params and POST /nodes/NODE/network's
 * change, given as the body or inside it. */
static void
vm_net_bodies(const cJSON *body)
{
	const cJSON *in[2] = { body, NULL };
	struct migrate_params mp;
	struct netcfg_change ch;
	char err[ERR_LEN];
	int i;

	in[1] = cJSON_GetObjectItemCaseSensitive(body, "params");
	for (i = 0; i < 2; i++) {
		migrate_params_default(&mp);
		if (in[i] != NULL)
			migrate_params_from_json(in[i], &mp, err);
	}
	in[1] = cJSON_GetObjectItemCaseSensitive(body, "change");
	for (i = 0; i < 2; i++)
		if (in[i] != NULL)
			netcfg_change_from_json(in[i], &ch, err);
}

static void
pool_bodies(const cJSON *body)
{
	struct pool_call call = { "node1", NULL, 500, "", NULL };
	struct volume_spec vs;
	char err[ERR_LEN];
	cJSON *rec = NULL;

	if (pool_body_check(body, "node1", &rec, &call, err) == 0)
		cJSON_Delete(rec);
	volume_body_check(body, &vs, &call, err);
}

static void
ha_bodies(const cJSON *body)
{
	struct ha_settings s;
	char err[ERR_LEN], field[64];

	ha_settings_default(&s);
	ha_settings_from_json(body, &s, err);
	ha_resource_check(body, field, err);
	ha_group_check(body, field, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *body;

	if ((body = body_parse(data, size)) == NULL)
		return 0;
	vm_body(body);
	vm_net_bodies(body);
	pool_bodies(body);
	ha_bodies(body);
	cJSON_Delete(body);
	return 0;
}
