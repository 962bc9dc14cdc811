/*
 * hvctl_snap.c - hvctl's snapshot commands: take, list (as a tree),
 * show, roll back and delete a VM's snapshots through hvd's
 * /api/v1/vms/NAME/snapshots (docs/api.md "Snapshots").
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd snap_cmds[];

static struct {
	int ram;
	const char *desc;
} so;

static int
snap_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'r':
		so.ram = 1;
		return 0;
	case 'd':
		so.desc = arg;
		return 0;
	}
	return -1;
}

/* VM and, when want is 2, a snapshot name from the operands: 0 or 1
 * (misuse printed). */
static int
operands(int argc, char **argv, int want, const char **vm,
    const char **snap)
{
	static const struct option o[] = {
		{ "ram", no_argument, NULL, 'r' },
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int i = hvctl_getopt(argc, argv, o, "", snap_opt);

	if (i < 0 || argc - i != want)
		return cmd_misuse("hvctl snapshot", snap_cmds, argv[0]);
	*vm = argv[i];
	*snap = want == 2 ? argv[i + 1] : NULL;
	return 0;
}

static int
s_create(int argc, char **argv)
{
	char path[256];
	const char *vm, *snap;
	cJSON *body, *o;
	int rc;

	if (operands(argc, argv, 2, &vm, &snap) != 0)
		return 1;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", snap);
	cJSON_AddBoolToObject(body, "with_ram", so.ram);
	if (so.desc != NULL)
		cJSON_AddStringToObject(body, "description", so.desc);
	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots", vm);
	rc = hvctl_call("POST", path, body, &o);
	cJSON_Delete(body);
	return rc != 0 ? 1 : hvctl_task_result(o);
}

/* One line per snapshot, children below their parent, and "current"
 * (where the disks are now) under the snapshot it was taken from. */
static void
tree_print(const cJSON *snaps, const char *parent, const char *cur,
    int depth)
{
	const cJSON *s, *p;
	const char *name;
	int match;

	cJSON_ArrayForEach(s, snaps) {
		p = cJSON_GetObjectItemCaseSensitive(s, "parent");
		match = parent == NULL ? !cJSON_IsString(p) :
		    cJSON_IsString(p) && strcmp(p->valuestring, parent) == 0;
		if (!match)
			continue;
		name = hvctl_str(s, "name");
		printf("%*s`-> %-16s %s  %s", depth * 4, "", name,
		    hvctl_str(s, "taken"), cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(s, "with_ram")) ?
		    "disks+RAM" : "disks    ");
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s,
		    "pause_ms")))
			printf("  paused %s ms", hvctl_str(s, "pause_ms"));
		printf("  %s\n", hvctl_str(s, "description"));
		tree_print(snaps, name, cur, depth + 1);
	}
	if ((parent == NULL && cur == NULL) ||
	    (parent != NULL && cur != NULL && strcmp(parent, cur) == 0))
		printf("%*s`-> current          (the disks now)\n", depth * 4,
		    "");
}

static int
s_list(int argc, char **argv)
{
	char path[256];
	const char *vm, *snap;
	const cJSON *cur;
	cJSON *o;

	if (operands(argc, argv, 1, &vm, &snap) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots", vm);
	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	cur = cJSON_GetObjectItemCaseSensitive(o, "current");
	if (hv.json)
		hvctl_print_json(o);
	else
		tree_print(cJSON_GetObjectItemCaseSensitive(o, "snapshots"),
		    NULL, cJSON_IsString(cur) ? cur->valuestring : NULL, 0);
	cJSON_Delete(o);
	return 0;
}

static int
s_show(int argc, char **argv)
{
	char path[320];
	const char *vm, *snap;

	if (operands(argc, argv, 2, &vm, &snap) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots/%s", vm, snap);
	return hvctl_get_print(path, NULL, NULL);
}

/* rollback and delete: a task on one snapshot. */
static int
s_task(int argc, char **argv)
{
	char path[320];
	const char *vm, *snap;
	int del = strcmp(argv[0], "delete") == 0;
	cJSON *o;

	if (operands(argc, argv, 2, &vm, &snap) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots/%s%s", vm,
	    snap, del ? "" : "/rollback");
	if (hvctl_call(del ? "DELETE" : "POST", path, NULL, &o) != 0)
		return 1;
	return hvctl_task_result(o);
}

static const struct cmd snap_cmds[] = {
	{ "create", s_create, "VM NAME [--ram] [--description TEXT]",
	    "take a snapshot of the disks (and RAM: running VM) (a task)" },
	{ "list", s_list, "VM", "a VM's snapshots as a tree" },
	{ "show", s_show, "VM NAME", "one snapshot as JSON, its config too" },
	{ "rollback", s_task, "VM NAME", "back to a snapshot (a task)" },
	{ "delete", s_task, "VM NAME",
	    "delete one snapshot; its children get its parent (a task)" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_snapshot_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl snapshot", snap_cmds, argc - 1, argv + 1);
}
