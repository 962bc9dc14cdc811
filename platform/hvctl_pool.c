/*
 * hvctl_pool.c - hvctl's pool commands: define, list, show and forget
 * storage pools (iscsi, dir) and make or delete their volumes through
 * hvd's /api/v1/pools.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd pool_cmds[];
static const char *p_type, *p_path, *p_portal, *p_target, *p_node;
static long p_size;
static const char *p_source, *p_source_fmt;

static int
pool_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'y':
		p_type = arg;
		return 0;
	case 'p':
		p_path = arg;
		return 0;
	case 'P':
		p_portal = arg;
		return 0;
	case 'T':
		p_target = arg;
		return 0;
	case 'n':
		p_node = arg;
		return 0;
	case 's':
		return hvctl_num(arg, &p_size);
	case 'i':
		p_source = arg;
		return 0;
	case 'f':
		p_source_fmt = arg;
		return 0;
	}
	return -1;
}

static int
p_create(int argc, char **argv)
{
	static const struct option o[] = {
		{ "type", required_argument, NULL, 'y' },
		{ "path", required_argument, NULL, 'p' },
		{ "node", required_argument, NULL, 'n' },
		{ "portal", required_argument, NULL, 'P' },
		{ "target", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *req, *resp;
	int i = hvctl_getopt(argc, argv, o, "", pool_opt);

	if (i < 0 || argc - i != 1 || p_type == NULL)
		return cmd_misuse("hvctl pool", pool_cmds, "create");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "name", argv[i]);
	cJSON_AddStringToObject(req, "type", p_type);
	if (p_path)
		cJSON_AddStringToObject(req, "path", p_path);
	if (p_node)
		cJSON_AddStringToObject(req, "node", p_node);
	if (p_portal)
		cJSON_AddStringToObject(req, "portal", p_portal);
	if (p_target)
		cJSON_AddStringToObject(req, "target", p_target);
	i = hvctl_call("POST", "/api/v1/pools", req, &resp);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(resp);
	else
		printf("pool %s (%s) created; %d LUN(s)\n", argv[argc - 1],
		    hvctl_str(resp, "type"), cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(resp, "luns")));
	cJSON_Delete(resp);
	return 0;
}

static int
p_list(int argc, char **argv)
{
	static const char *const cols[] = { "POOL", "TYPE", "PORTAL",
	    "TARGET", "PATH", "NODE", NULL };
	static const char *const keys[] = { "name", "type", "portal",
	    "target", "path", "node", NULL };
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl pool", pool_cmds, "list");
	if (hvctl_call("GET", "/api/v1/pools", NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else
		hvctl_table(cols, keys, o);
	cJSON_Delete(o);
	return 0;
}

static int
p_show(int argc, char **argv)
{
	static const char *const cols[] = { "VOLUME", "SIZE_MIB", "LUN",
	    "NODE", "CREATED", NULL };
	static const char *const keys[] = { "name", "size_mib", "lun",
	    "node", "created", NULL };
	char path[256];
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl pool", pool_cmds, "show");
	snprintf(path, sizeof(path), "/api/v1/pools/%s", argv[i]);
	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else {
		printf("pool %s (%s), %d LUN(s)\n", argv[i],
		    hvctl_str(o, "type"), cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(o, "luns")));
		hvctl_table(cols, keys,
		    cJSON_GetObjectItemCaseSensitive(o, "volumes"));
	}
	cJSON_Delete(o);
	return 0;
}

static int
p_delete(int argc, char **argv)
{
	char path[256];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl pool", pool_cmds, "delete");
	snprintf(path, sizeof(path), "/api/v1/pools/%s", argv[i]);
	return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
}

static int
p_volume(int argc, char **argv)
{
	static const struct option o[] = {
		{ "size-mib", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'i' },
		{ "source-format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *req, *resp;
	int del = strcmp(argv[0], "volume-delete") == 0;
	int i = hvctl_getopt(argc, argv, o, "", pool_opt);

	if (i < 0 || argc - i != 2)
		return cmd_misuse("hvctl pool", pool_cmds, argv[0]);
	if (del) {
		snprintf(path, sizeof(path), "/api/v1/pools/%s/volumes/%s",
		    argv[i], argv[i + 1]);
		return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "name", argv[i + 1]);
	if (p_size > 0)
		cJSON_AddNumberToObject(req, "size_mib", (double)p_size);
	if (p_source != NULL)
		cJSON_AddStringToObject(req, "source", p_source);
	if (p_source_fmt != NULL)
		cJSON_AddStringToObject(req, "source_format", p_source_fmt);
	snprintf(path, sizeof(path), "/api/v1/pools/%s/volumes", argv[i]);
	i = hvctl_call("POST", path, req, &resp);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(resp);
	else
		printf("volume %s/%s: %s MiB%s%s\n", hvctl_str(resp, "pool"),
		    hvctl_str(resp, "name"), hvctl_str(resp, "size_mib"),
		    cJSON_GetObjectItemCaseSensitive(resp, "lun") ?
		    " on LUN " : "", cJSON_GetObjectItemCaseSensitive(resp,
		    "lun") ? hvctl_str(resp, "lun") : "");
	cJSON_Delete(resp);
	return 0;
}

static const struct cmd pool_cmds[] = {
	{ "create", p_create, "NAME --type iscsi --portal IP[:PORT] --target "
	    "IQN | --type dir --path DIR [--node N]",
	    "define a pool for the whole cluster (iscsi: LUNs discovered)" },
	{ "list", p_list, "", "pools" },
	{ "show", p_show, "NAME", "a pool, its LUNs and volumes" },
	{ "delete", p_delete, "NAME", "forget an empty pool" },
	{ "volume-create", p_volume, "POOL NAME [--size-mib N] [--source PATH "
	    "[--source-format qcow2|raw]]",
	    "make a qcow2 volume (iscsi: on a free LUN), a copy of the node's "
	    "image PATH (under import_dirs) when given" },
	{ "volume-delete", p_volume, "POOL NAME",
	    "delete a volume no VM uses" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_pool_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl pool", pool_cmds, argc - 1, argv + 1);
}
