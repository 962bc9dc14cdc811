/*
 * hvctl_vm.c - hvctl's vm commands: define, list, show, start, stop,
 * shut down, reconfigure, delete and migrate VMs through hvd's
 * /api/v1/vms.  Pools are in hvctl_pool.c, networks in hvctl_net.c.
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
	const char *pool;
	int full;		/* -1 not said, 0 linked, 1 full */
} vo = { .full = -1 };

static int
vm_opt(int ch, const char *arg)
{
	long n;

	switch (ch) {
	case 'n':
		vo.node = arg;
		return 0;
	case 'c':
		return hvctl_num(arg, &vo.vcpus);
	case 'm':
		return hvctl_num(arg, &vo.memory);
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
		if (vo.nnics >= 8 || hvctl_num(arg, &n) != 0)
			return -1;
		vo.nics[vo.nnics++] = (int)n;
		return 0;
	case 't':
		return hvctl_num(arg, &vo.timeout);
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
	case 'F':
	case 'L':
		vo.full = ch == 'F';
		return 0;
	case 'P':
		vo.pool = arg;
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
	int i = hvctl_getopt(argc, argv, o, "", vm_opt),
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
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

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
	int i = hvctl_getopt(argc, argv, o, "", vm_opt);

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
	int i = hvctl_getopt(argc, argv, o, "", vm_opt);

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
	int i = hvctl_getopt(argc, argv, o, "", vm_opt);

	if (i < 0 || argc - i != 2)
		return cmd_misuse("hvctl vm", vm_cmds, "migrate");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "target", argv[i + 1]);
	cJSON_AddBoolToObject(body, "live", vo.live);
	if (vo.downtime || vo.bandwidth) {
		p = cJSON_AddObjectToObject(body, "params");
		if (vo.downtime && hvctl_num(vo.downtime, &n) == 0)
			cJSON_AddNumberToObject(p, "downtime_limit_ms",
			    (double)n);
		if (vo.bandwidth && hvctl_num(vo.bandwidth, &n) == 0)
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

static int
v_clone(int argc, char **argv)
{
	static const struct option o[] = {
		{ "full", no_argument, NULL, 'F' },
		{ "linked", no_argument, NULL, 'L' },
		{ "pool", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *body, *out;
	int i = hvctl_getopt(argc, argv, o, "", vm_opt);

	if (i < 0 || argc - i != 2)
		return cmd_misuse("hvctl vm", vm_cmds, "clone");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", argv[i + 1]);
	if (vo.full >= 0)
		cJSON_AddBoolToObject(body, "full", vo.full);
	if (vo.pool)
		cJSON_AddStringToObject(body, "pool", vo.pool);
	if (vo.node)
		cJSON_AddStringToObject(body, "node", vo.node);
	snprintf(path, sizeof(path), "/api/v1/vms/%s/clone", argv[i]);
	i = hvctl_call("POST", path, body, &out);
	cJSON_Delete(body);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(out);
	else
		printf("vm %s: %s clone of %s on %s\n", hvctl_str(out, "name"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out,
		    "linked")) ? "linked" : "full", hvctl_str(out, "clone_of"),
		    hvctl_str(out, "node"));
	cJSON_Delete(out);
	return 0;
}

static int
v_template(int argc, char **argv)
{
	char path[256];
	const char *vm;

	if (one_vm(argc, argv, "template", &vm) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/template", vm);
	return hvctl_call("POST", path, NULL, NULL) == 0 ? 0 : 1;
}

static const struct cmd vm_cmds[] = {
	{ "create", v_create, "NAME [--node N] [--vcpus N] [--memory MIB] "
	    "[--kernel F [--initrd F]] [--cmdline S] [--machine M] [--nic VLAN]... "
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
	{ "clone", v_clone, "NAME NEWNAME [--full|--linked] [--pool POOL] "
	    "[--node N]", "copy a VM (full) or overlay a template (linked)" },
	{ "template", v_template, "NAME",
	    "make a stopped VM a template (no start, no change)" },
	{ "export", hvctl_vm_export, "NAME -f FORMAT PATH", "write a stopped "
	    "VM to PATH (in export_dirs): a disk format, or ova (a task)" },
	{ "import", hvctl_vm_import, "PATH NEWNAME -f FORMAT --pool POOL "
	    "[--node N] [--vcpus N] [--memory MIB]", "a disk image, OVA or "
	    "XVA in import_dirs as a new VM (a task)" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_vm_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl vm", vm_cmds, argc - 1, argv + 1);
}
