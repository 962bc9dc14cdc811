/*
 * hvctl_vm.c - hvctl's vm commands (and the pool/network placeholders).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "json.h"
#include "platform/hvctl.h"

static const struct cmd vm_cmds[];

static struct {
	const char *node, *kernel, *initrd, *cmdline, *config, *machine;
	long vcpus, memory, timeout;
	int nnics, nics[8], live, ndisks;
	const char *disks[8];
	const char *downtime, *bandwidth;
} vo;

static int
num(const char *s, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' ? -1 : 0;
}

static int
vm_opt(int ch, const char *arg)
{
	long n;

	switch (ch) {
	case 'n':
		vo.node = arg;
		return 0;
	case 'c':
		return num(arg, &vo.vcpus);
	case 'm':
		return num(arg, &vo.memory);
	case 'k':
		vo.kernel = arg;
		return 0;
	case 'i':
		vo.initrd = arg;
		return 0;
	case 'a':
		vo.cmdline = arg;
		return 0;
	case 'f':
		vo.config = arg;
		return 0;
	case 'M':
		vo.machine = arg;
		return 0;
	case 'N':
		if (vo.nnics >= 8 || num(arg, &n) != 0)
			return -1;
		vo.nics[vo.nnics++] = (int)n;
		return 0;
	case 't':
		return num(arg, &vo.timeout);
	case 'D':
		if (vo.ndisks >= 8 || strchr(arg, ':') == NULL)
			return -1;
		vo.disks[vo.ndisks++] = arg;
		return 0;
	case 'l':
		vo.live = 1;
		return 0;
	case 'd':
		vo.downtime = arg;
		return 0;
	case 'b':
		vo.bandwidth = arg;
		return 0;
	}
	return -1;
}

static int
v_create(int argc, char **argv)
{
	static const struct option o[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "machine", required_argument, NULL, 'M' },
		{ "nic", required_argument, NULL, 'N' },
		{ "disk", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	char err[ERR_LEN];
	cJSON *req, *resp, *nics;
	int i = hvctl_getopt(argc, argv, "hvctl vm", "create", o, "", vm_opt),
	    k;

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl vm", vm_cmds, "create");
	if (vo.config) {
		if ((req = json_parse_file(vo.config, 1 << 20, err)) == NULL) {
			fprintf(stderr, "hvctl: %s\n", err);
			return 1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(req, "name");
	} else
		req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "name", argv[i]);
	if (vo.node)
		cJSON_AddStringToObject(req, "node", vo.node);
	if (vo.vcpus)
		cJSON_AddNumberToObject(req, "vcpus", (double)vo.vcpus);
	if (vo.memory)
		cJSON_AddNumberToObject(req, "memory_mib", (double)vo.memory);
	if (vo.machine)
		cJSON_AddStringToObject(req, "machine", vo.machine);
	if (vo.kernel)
		cJSON_AddStringToObject(req, "kernel", vo.kernel);
	if (vo.initrd)
		cJSON_AddStringToObject(req, "initrd", vo.initrd);
	if (vo.cmdline)
		cJSON_AddStringToObject(req, "cmdline", vo.cmdline);
	if (vo.ndisks) {
		cJSON *disks = cJSON_AddArrayToObject(req, "disks");

		for (k = 0; k < vo.ndisks; k++) {
			cJSON *d = cJSON_CreateObject();
			const char *c = strchr(vo.disks[k], ':');
			char pool[64];

			snprintf(pool, sizeof(pool), "%.*s",
			    (int)(c - vo.disks[k]), vo.disks[k]);
			cJSON_AddStringToObject(d, "pool", pool);
			cJSON_AddStringToObject(d, "volume", c + 1);
			cJSON_AddItemToArray(disks, d);
		}
	}
	if (vo.nnics) {
		nics = cJSON_AddArrayToObject(req, "nics");
		for (k = 0; k < vo.nnics; k++) {
			cJSON *n = cJSON_CreateObject();

			cJSON_AddNumberToObject(n, "vlan", vo.nics[k]);
			cJSON_AddItemToArray(nics, n);
		}
	}
	i = hvctl_call("POST", "/api/v1/vms", req, &resp);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(resp);
	else
		printf("vm %s created on node %s\n", hvctl_str(resp, "name"),
		    hvctl_str(resp, "node"));
	cJSON_Delete(resp);
	return 0;
}

static int
v_list(int argc, char **argv)
{
	static const char *const cols[] = { "VM", "NODE", "STATE", "PID",
	    NULL };
	static const char *const keys[] = { "name", "node", "state", "pid",
	    NULL };
	cJSON *o;
	int i = hvctl_getopt(argc, argv, "hvctl vm", "list", NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl vm", vm_cmds, "list");
	if (hvctl_call("GET", "/api/v1/vms", NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else
		hvctl_table(cols, keys, o);
	cJSON_Delete(o);
	return 0;
}

static int
one_vm(int argc, char **argv, const char *name, const char **vm)
{
	static const struct option o[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int i = hvctl_getopt(argc, argv, "hvctl vm", name, o, "", vm_opt);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl vm", vm_cmds, name);
	*vm = argv[i];
	return 0;
}

static int
v_status(int argc, char **argv)
{
	char path[256];
	const char *vm;
	cJSON *o;

	if (one_vm(argc, argv, argv[0], &vm) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	if (hv.json || strcmp(argv[0], "show") == 0)
		hvctl_print_json(o);
	else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "exit")))
		printf("%s: %s on %s (%s)\n", vm, hvctl_str(o, "state"),
		    hvctl_str(o, "node"), hvctl_str(o, "exit"));
	else
		printf("%s: %s on %s\n", vm, hvctl_str(o, "state"),
		    hvctl_str(o, "node"));
	cJSON_Delete(o);
	return 0;
}

static int
v_action(int argc, char **argv)
{
	char path[256];
	const char *vm;
	cJSON *o, *body = NULL;
	int rc;

	if (one_vm(argc, argv, argv[0], &vm) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/%s", vm, argv[0]);
	if (vo.timeout > 0) {
		body = cJSON_CreateObject();
		cJSON_AddNumberToObject(body, "timeout_s", (double)vo.timeout);
	}
	rc = hvctl_call("POST", path, body, &o);
	cJSON_Delete(body);
	if (rc != 0)
		return 1;
	return hvctl_task_result(o);
}

static int
v_delete(int argc, char **argv)
{
	char path[256];
	const char *vm;

	if (one_vm(argc, argv, "delete", &vm) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
}

static int
v_config(int argc, char **argv)
{
	static const struct option o[] = {
		{ "set", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256], err[ERR_LEN];
	cJSON *body, *out;
	int i = hvctl_getopt(argc, argv, "hvctl vm", "config", o, "", vm_opt);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl vm", vm_cmds, "config");
	snprintf(path, sizeof(path), "/api/v1/vms/%s/config", argv[i]);
	if (vo.config == NULL) {
		if (hvctl_call("GET", path, NULL, &out) != 0)
			return 1;
		hvctl_print_json(out);
		cJSON_Delete(out);
		return 0;
	}
	if ((body = json_parse_file(vo.config, 1 << 20, err)) == NULL) {
		fprintf(stderr, "hvctl: %s\n", err);
		return 1;
	}
	i = hvctl_call("PUT", path, body, &out);
	cJSON_Delete(body);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(out);
	cJSON_Delete(out);
	return 0;
}

static int
v_migrate(int argc, char **argv)
{
	static const struct option o[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "downtime-ms", required_argument, NULL, 'd' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *body, *out, *p = NULL;
	long n;
	int i = hvctl_getopt(argc, argv, "hvctl vm", "migrate", o, "",
	    vm_opt);

	if (i < 0 || argc - i != 2)
		return cmd_misuse("hvctl vm", vm_cmds, "migrate");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "target", argv[i + 1]);
	cJSON_AddBoolToObject(body, "live", vo.live);
	if (vo.downtime || vo.bandwidth) {
		p = cJSON_AddObjectToObject(body, "params");
		if (vo.downtime && num(vo.downtime, &n) == 0)
			cJSON_AddNumberToObject(p, "downtime_limit_ms",
			    (double)n);
		if (vo.bandwidth && num(vo.bandwidth, &n) == 0)
			cJSON_AddNumberToObject(p, "max_bandwidth", (double)n);
	}
	snprintf(path, sizeof(path), "/api/v1/vms/%s/migrate", argv[i]);
	i = hvctl_call("POST", path, body, &out);
	cJSON_Delete(body);
	if (i != 0)
		return 1;
	if (!vo.live) {
		if (hv.json)
			hvctl_print_json(out);
		else
			printf("vm %s moved to %s\n", argv[argc - 2],
			    argv[argc - 1]);
		cJSON_Delete(out);
		return 0;
	}
	return hvctl_task_result(out);
}

static const struct cmd vm_cmds[] = {
	{ "create", v_create, "NAME [--node N] [--vcpus N] [--memory MIB] "
	    "[--kernel F --initrd F --cmdline S] [--machine M] [--nic VLAN]... "
	    "[--disk POOL:VOLUME]... "
	    "[--config FILE.json]", "define a VM (stopped)" },
	{ "list", v_list, "", "VMs, their node and state" },
	{ "status", v_status, "NAME", "a VM's state" },
	{ "show", v_status, "NAME", "a VM's record as JSON" },
	{ "start", v_action, "NAME", "start (a task; waits)" },
	{ "stop", v_action, "NAME", "hard stop (a task; waits)" },
	{ "shutdown", v_action, "NAME [--timeout S]",
	    "ACPI power off (a task; waits)" },
	{ "delete", v_delete, "NAME", "delete a stopped VM (disks stay)" },
	{ "config", v_config, "NAME [--set FILE.json]",
	    "show, or replace, the config of a stopped VM" },
	{ "migrate", v_migrate, "NAME NODE [--live] [--downtime-ms MS] "
	    "[--bandwidth BYTES_PER_S]", "move a VM to another node" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_vm_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl vm", vm_cmds, argc - 1, argv + 1);
}

static const struct cmd pool_cmds[];
static const char *p_type, *p_path, *p_portal, *p_target;
static long p_size;

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
		vo.node = arg;
		return 0;
	case 's':
		return num(arg, &p_size);
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
	int i = hvctl_getopt(argc, argv, "hvctl pool", "create", o, "",
	    pool_opt);

	if (i < 0 || argc - i != 1 || p_type == NULL)
		return cmd_misuse("hvctl pool", pool_cmds, "create");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "name", argv[i]);
	cJSON_AddStringToObject(req, "type", p_type);
	if (p_path)
		cJSON_AddStringToObject(req, "path", p_path);
	if (vo.node)
		cJSON_AddStringToObject(req, "node", vo.node);
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
	int i = hvctl_getopt(argc, argv, "hvctl pool", "list", NULL, "",
	    NULL);

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
	int i = hvctl_getopt(argc, argv, "hvctl pool", "show", NULL, "",
	    NULL);

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
	int i = hvctl_getopt(argc, argv, "hvctl pool", "delete", NULL, "",
	    NULL);

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
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *req, *resp;
	int del = strcmp(argv[0], "volume-delete") == 0;
	int i = hvctl_getopt(argc, argv, "hvctl pool", argv[0], o, "",
	    pool_opt);

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
	{ "volume-create", p_volume, "POOL NAME [--size-mib N]",
	    "make a qcow2 volume (iscsi: on a free LUN)" },
	{ "volume-delete", p_volume, "POOL NAME",
	    "delete a volume no VM uses" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_pool_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl pool", pool_cmds, argc - 1, argv + 1);
}

static const struct cmd net_cmds[];
static const char *net_check;
static long net_grace;

static int
net_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'a':
		net_check = arg;
		return 0;
	case 'g':
		return num(arg, &net_grace);
	}
	return -1;
}

static int
n_show(int argc, char **argv)
{
	static const char *const cols[] = { "PORT", "TAG", "BOND", "MODE",
	    "LACP", NULL };
	static const char *const keys[] = { "name", "tag", "bond",
	    "bond_mode", "lacp", NULL };
	char path[256];
	cJSON *o;
	int i = hvctl_getopt(argc, argv, "hvctl network", "show", NULL, "",
	    NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl network", net_cmds, "show");
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", argv[i]);
	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else {
		printf("bridge %s on %s\n", hvctl_str(o, "bridge"), argv[i]);
		hvctl_table(cols, keys,
		    cJSON_GetObjectItemCaseSensitive(o, "ports"));
		hvctl_bond_print(o);
	}
	cJSON_Delete(o);
	return 0;
}

/* change NODE JSON | vlan NODE PORT VLAN */
static int
n_change(int argc, char **argv)
{
	static const struct option o[] = {
		{ "check-addr", required_argument, NULL, 'a' },
		{ "grace-ms", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256], err[ERR_LEN];
	cJSON *body, *ch = NULL, *out;
	int vlan = strcmp(argv[0], "vlan") == 0;
	long tag;
	int i = hvctl_getopt(argc, argv, "hvctl network", argv[0], o, "",
	    net_opt);

	if (i < 0 || argc - i != (vlan ? 3 : 2))
		return cmd_misuse("hvctl network", net_cmds, argv[0]);
	if (vlan) {
		if (num(argv[i + 2], &tag) != 0)
			return cmd_misuse("hvctl network", net_cmds, "vlan");
		ch = cJSON_CreateObject();
		cJSON_AddStringToObject(ch, "kind", "port-vlan");
		cJSON_AddStringToObject(ch, "port", argv[i + 1]);
		cJSON_AddNumberToObject(ch, "vlan", (double)tag);
	} else if ((ch = json_parse_buf(argv[i + 1], strlen(argv[i + 1]),
	    err)) == NULL) {
		fprintf(stderr, "hvctl: change: %s\n", err);
		return 1;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "change", ch);
	if (net_check)
		cJSON_AddStringToObject(body, "check_addr", net_check);
	if (net_grace)
		cJSON_AddNumberToObject(body, "grace_ms", (double)net_grace);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", argv[i]);
	i = hvctl_call("POST", path, body, &out);
	cJSON_Delete(body);
	if (i != 0)
		return 1;
	return hvctl_task_result(out);
}

static const struct cmd net_cmds[] = {
	{ "show", n_show, "NODE", "the node's OVS bridge: ports, VLAN tags, "
	    "bonds" },
	{ "vlan", n_change, "NODE PORT VLAN [--check-addr IP] [--grace-ms MS]",
	    "set a port's access VLAN (0 = none); rolled back when the "
	    "management path does not answer" },
	{ "bond", hvctl_network_bond, "NODE BOND MODE [--lacp L] "
	    "[--lacp-time fast|slow] [--detect carrier|miimon] [--miimon-ms N] "
	    "[--rebalance-ms N] [--check-addr IP] [--grace-ms MS]",
	    "bond mode and link monitoring (LACP stays active unless --lacp)" },
	{ "change", n_change, "NODE JSON [--check-addr IP] [--grace-ms MS]",
	    "apply a change: {\"kind\": \"port-vlan\"|\"bond-add\"|"
	    "\"bond-del\"|\"bond-mode\", ...}" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_network_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl network", net_cmds, argc - 1, argv + 1);
}
