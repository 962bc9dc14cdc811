/*
 * hvctl_backup.c - hvctl's backup commands: backup stores, a VM's
 * backups (create, list, show, verify, restore, delete) and backup
 * schedules, through hvd's /api/v1/backup-stores, /api/v1/vms/NAME/backup
 * and /api/v1/backup-jobs (docs/api.md "Backups", docs/backups.md).
 * Options become the members of the request's body, by one table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd backup_cmds[];

/* An option and the body member it sets. */
enum opt_kind { OK_STR, OK_INT, OK_LIST };
static const struct {
	struct option	opt;
	const char	*key;
	enum opt_kind	 kind;
} bopts[] = {
	{ { "path", required_argument, NULL, 1 }, "path", OK_STR },
	{ { "node", required_argument, NULL, 2 }, "node", OK_STR },
	{ { "store", required_argument, NULL, 3 }, "store", OK_STR },
	{ { "mode", required_argument, NULL, 4 }, "mode", OK_STR },
	{ { "name", required_argument, NULL, 5 }, "name", OK_STR },
	{ { "pool", required_argument, NULL, 6 }, "pool", OK_STR },
	{ { "vms", required_argument, NULL, 7 }, "vms", OK_LIST },
	{ { "schedule", required_argument, NULL, 8 }, "schedule", OK_STR },
	{ { "keep-last", required_argument, NULL, 9 }, "keep_last", OK_INT },
	{ { "keep-hourly", required_argument, NULL, 10 }, "keep_hourly",
	    OK_INT },
	{ { "keep-daily", required_argument, NULL, 11 }, "keep_daily",
	    OK_INT },
	{ { "keep-weekly", required_argument, NULL, 12 }, "keep_weekly",
	    OK_INT },
	{ { "keep-monthly", required_argument, NULL, 13 }, "keep_monthly",
	    OK_INT },
	{ { "keep-yearly", required_argument, NULL, 14 }, "keep_yearly",
	    OK_INT },
};
#define NBOPTS	(sizeof(bopts) / sizeof(bopts[0]))

static cJSON *body;	/* what the options said */

/* A comma-separated list as a JSON array of strings. */
static cJSON *
list_of(const char *s)
{
	cJSON *a = cJSON_CreateArray();
	char *dup = strdup(s), *p, *save = NULL;

	for (p = strtok_r(dup, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(a, cJSON_CreateString(p));
	free(dup);
	return a;
}

static int
bk_opt(int ch, const char *arg)
{
	size_t i;
	long n;

	for (i = 0; i < NBOPTS && bopts[i].opt.val != ch; i++)
		;
	if (i == NBOPTS)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(body, bopts[i].key);
	switch (bopts[i].kind) {
	case OK_STR:
		cJSON_AddStringToObject(body, bopts[i].key, arg);
		return 0;
	case OK_LIST:
		cJSON_AddItemToObject(body, bopts[i].key, list_of(arg));
		return 0;
	case OK_INT:
		if (hvctl_num(arg, &n) != 0) {
			fprintf(stderr, "hvctl backup: --%s takes a number\n",
			    bopts[i].opt.name);
			return -1;
		}
		cJSON_AddNumberToObject(body, bopts[i].key, (double)n);
		return 0;
	}
	return -1;
}

/* want operands into op[], the options into body: 0, or 1 (misuse
 * printed). */
static int
operands(int argc, char **argv, int want, const char *op[2])
{
	struct option o[NBOPTS + 1];
	size_t k;
	int i;

	for (k = 0; k < NBOPTS; k++)
		o[k] = bopts[k].opt;
	o[NBOPTS] = (struct option){ NULL, 0, NULL, 0 };
	cJSON_Delete(body);
	body = cJSON_CreateObject();
	i = hvctl_getopt(argc, argv, o, "", bk_opt);
	if (i < 0 || argc - i != want)
		return cmd_misuse("hvctl backup", backup_cmds, argv[0]);
	op[0] = want > 0 ? argv[i] : NULL;
	op[1] = want > 1 ? argv[i + 1] : NULL;
	return 0;
}

/* A call that answers a task (waited for) or a record (printed). */
static int
call_print(const char *method, const char *path, const cJSON *b)
{
	cJSON *o = NULL;

	if (hvctl_call(method, path, b, &o) != 0)
		return 1;
	if (cJSON_GetObjectItemCaseSensitive(o, "task") != NULL)
		return hvctl_task_result(o);
	hvctl_print_json(o);
	cJSON_Delete(o);
	return 0;
}

static int
b_store_create(int argc, char **argv)
{
	const char *op[2];

	if (operands(argc, argv, 1, op) != 0)
		return 1;
	cJSON_AddStringToObject(body, "name", op[0]);
	return call_print("POST", "/api/v1/backup-stores", body);
}

static int
b_store_list(int argc, char **argv)
{
	static const char *const cols[] = { "NAME", "NODE", "PATH", NULL };
	static const char *const keys[] = { "name", "node", "path", NULL };
	const char *op[2];

	if (operands(argc, argv, 0, op) != 0)
		return 1;
	return hvctl_get_print("/api/v1/backup-stores", cols, keys);
}

static int
b_create(int argc, char **argv)
{
	char path[256];
	const char *op[2];

	if (operands(argc, argv, 1, op) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/vms/%s/backup", op[0]);
	return call_print("POST", path, body);
}

static int
b_list(int argc, char **argv)
{
	static const char *const cols[] = { "ID", "MODE", "PARENT", "STATE",
	    "PAUSE_MS", "FINISHED", NULL };
	static const char *const keys[] = { "id", "mode", "parent",
	    "vm_state", "pause_ms", "finished", NULL };
	char path[256];
	const char *op[2];

	if (operands(argc, argv, 1, op) != 0)
		return 1;
	snprintf(path, sizeof(path), "/api/v1/backup-stores/%s/backups",
	    op[0]);
	return hvctl_get_print(path, cols, keys);
}

/* show, verify, restore, delete, store-delete: one call on a path. */
static int
b_one(int argc, char **argv)
{
	static const struct {
		const char *cmd, *method, *fmt;
		int n;
	} t[] = {
		{ "show", "GET", "/api/v1/backup-stores/%s/backups/%s", 2 },
		{ "verify", "POST", "/api/v1/backup-stores/%s/backups/%s/verify",
		    2 },
		{ "restore", "POST",
		    "/api/v1/backup-stores/%s/backups/%s/restore", 2 },
		{ "delete", "DELETE", "/api/v1/backup-stores/%s/backups/%s", 2 },
		{ "store-delete", "DELETE", "/api/v1/backup-stores/%s%s", 1 },
		{ "job-delete", "DELETE", "/api/v1/backup-jobs/%s%s", 1 },
	};
	char path[512];
	const char *op[2];
	size_t i;

	for (i = 0; strcmp(t[i].cmd, argv[0]) != 0; i++)
		;
	if (operands(argc, argv, t[i].n, op) != 0)
		return 1;
	snprintf(path, sizeof(path), t[i].fmt, op[0], op[1] ? op[1] : "");
	return call_print(t[i].method, path, strcmp(t[i].cmd, "restore") == 0 ?
	    body : NULL);
}

static int
b_job_create(int argc, char **argv)
{
	const char *op[2];

	if (operands(argc, argv, 1, op) != 0)
		return 1;
	cJSON_AddStringToObject(body, "id", op[0]);
	return call_print("POST", "/api/v1/backup-jobs", body);
}

static int
b_job_list(int argc, char **argv)
{
	static const char *const cols[] = { "ID", "SCHEDULE", "STORE", "MODE",
	    "KEEP_LAST", "NEXT_SLOT", NULL };
	static const char *const keys[] = { "id", "schedule", "store", "mode",
	    "keep_last", "next_slot", NULL };
	const char *op[2];

	if (operands(argc, argv, 0, op) != 0)
		return 1;
	return hvctl_get_print("/api/v1/backup-jobs", cols, keys);
}

static const struct cmd backup_cmds[] = {
	{ "store-create", b_store_create, "NAME --path DIR [--node NODE]",
	    "define a backup store (a directory of a node)" },
	{ "store-list", b_store_list, "", "the backup stores" },
	{ "store-delete", b_one, "NAME", "forget a store (its files stay)" },
	{ "create", b_create, "VM --store S [--mode full|incremental|auto]",
	    "back a VM up, running or stopped (a task)" },
	{ "list", b_list, "STORE", "the backups in a store" },
	{ "show", b_one, "STORE ID", "one backup's manifest" },
	{ "verify", b_one, "STORE ID",
	    "re-read every part and check its SHA-256 (a task)" },
	{ "restore", b_one, "STORE ID [--name VM] [--pool POOL]",
	    "restore to a new VM, or over its stopped VM (a task)" },
	{ "delete", b_one, "STORE ID", "delete a backup (a task)" },
	{ "job-create", b_job_create, "ID --vms VM[,VM...] --store S "
	    "--schedule SPEC [--mode M] [--keep-last N] [--keep-daily N] ...",
	    "a backup schedule with retention" },
	{ "job-list", b_job_list, "", "the backup schedules" },
	{ "job-delete", b_one, "ID", "delete a schedule" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_backup_main(int argc, char **argv)
{
	int rc = cmd_dispatch("hvctl backup", backup_cmds, argc - 1, argv + 1);

	cJSON_Delete(body);
	body = NULL;
	return rc;
}
