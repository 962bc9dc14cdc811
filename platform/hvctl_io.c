/*
 * hvctl_io.c - `hvctl vm export` and `hvctl vm import`: a VM out of hvd
 * into a file of the node (inside its export_dirs) and a file of the
 * node (inside its import_dirs) into a new VM, through the API
 * (docs/import-export.md "Through hvd").  Both are tasks; hvctl waits.
 * `hvctl image` works on files without hvd.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static struct {
	const char *format, *pool, *node;
	long vcpus, memory;
} ioo;

static int
io_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'f':
		ioo.format = arg;
		return 0;
	case 'P':
		ioo.pool = arg;
		return 0;
	case 'n':
		ioo.node = arg;
		return 0;
	case 'c':
		return hvctl_num(arg, &ioo.vcpus) < 0 ? -1 : 0;
	case 'm':
		return hvctl_num(arg, &ioo.memory) < 0 ? -1 : 0;
	}
	return -1;
}

/* POST path body (freed), then the task waited for. */
static int
io_post(const char *path, cJSON *body)
{
	cJSON *out = NULL;
	int rc = hvctl_call("POST", path, body, &out);

	cJSON_Delete(body);
	return rc != 0 ? 1 : hvctl_task_result(out);
}

int
hvctl_vm_export(int argc, char **argv)
{
	static const struct option o[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *body;
	int i;

	memset(&ioo, 0, sizeof(ioo));
	i = hvctl_getopt(argc, argv, o, "f:", io_opt);
	if (i < 0 || argc - i != 2 || ioo.format == NULL) {
		fprintf(stderr, "usage: hvctl vm export NAME -f FORMAT PATH\n");
		return 1;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "format", ioo.format);
	cJSON_AddStringToObject(body, "path", argv[i + 1]);
	snprintf(path, sizeof(path), "/api/v1/vms/%s/export", argv[i]);
	return io_post(path, body);
}

int
hvctl_vm_import(int argc, char **argv)
{
	static const struct option o[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "pool", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'n' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *body;
	int i;

	memset(&ioo, 0, sizeof(ioo));
	i = hvctl_getopt(argc, argv, o, "f:", io_opt);
	if (i < 0 || argc - i != 2 || ioo.format == NULL || ioo.pool == NULL) {
		fprintf(stderr, "usage: hvctl vm import PATH NEWNAME -f FORMAT "
		    "--pool POOL [--node N] [--vcpus N] [--memory MIB]\n");
		return 1;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "format", ioo.format);
	cJSON_AddStringToObject(body, "path", argv[i]);
	cJSON_AddStringToObject(body, "name", argv[i + 1]);
	cJSON_AddStringToObject(body, "pool", ioo.pool);
	if (ioo.node)
		cJSON_AddStringToObject(body, "node", ioo.node);
	if (ioo.vcpus > 0)
		cJSON_AddNumberToObject(body, "vcpus", ioo.vcpus);
	if (ioo.memory > 0)
		cJSON_AddNumberToObject(body, "memory_mib", ioo.memory);
	return io_post("/api/v1/vms/import", body);
}
