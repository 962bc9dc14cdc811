/*
 * hvctl_balance.c - `hvctl balance`: the load balancer's settings and
 * last round, its rules, and nodes in maintenance, over
 * /api/v1/cluster/balance, /api/v1/balance/rules and
 * /api/v1/nodes/NODE/maintenance (platform/balance.h, docs/balance.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd bal_cmds[];

/* The options of set and rule, as given (NULL: not given). */
static struct {
	const char	*set[6];	/* mode threshold hold margin ... */
	const char	*type, *vms, *nodes;
} bo;

static const char *const set_keys[] = { "mode", "threshold", "hold",
	"margin", "max_moves", "interval_s" };

static int
bal_opt(int ch, const char *arg)
{
	if (ch >= '0' && ch <= '5') {
		bo.set[ch - '0'] = arg;
		return 0;
	}
	switch (ch) {
	case 't':
		bo.type = arg;
		return 0;
	case 'v':
		bo.vms = arg;
		return 0;
	case 'n':
		bo.nodes = arg;
		return 0;
	}
	return -1;
}

static int
b_status(int argc, char **argv)
{
	static const char *const cols[] = { "NODE", "LOAD", "CPUS", "MAINT",
	    "HOLD", NULL };
	static const char *const keys[] = { "name", "load", "cpus",
	    "maintenance", "hold", NULL };
	const cJSON *s, *st, *m;
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL), r;

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl balance", bal_cmds, "status");
	if ((r = hvctl_get_view("/api/v1/cluster/balance", &o)) != 0)
		return r < 0;
	s = cJSON_GetObjectItemCaseSensitive(o, "settings");
	printf("mode %s, threshold %s, hold %s, margin %s, max_moves %s, "
	    "interval_s %s\n", hvctl_str(s, "mode"), hvctl_str(s, "threshold"),
	    hvctl_str(s, "hold"), hvctl_str(s, "margin"),
	    hvctl_str(s, "max_moves"), hvctl_str(s, "interval_s"));
	st = cJSON_GetObjectItemCaseSensitive(o, "status");
	printf("last round %s by %s, mean load %s\n", hvctl_str(st, "t"),
	    hvctl_str(st, "manager"), hvctl_str(st, "mean"));
	hvctl_table(cols, keys, cJSON_GetObjectItemCaseSensitive(st, "nodes"));
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(st, "moves"))
		printf("%s %s %s -> %s: %s\n", hvctl_str(m, "t"),
		    hvctl_str(m, "vm"), hvctl_str(m, "from"),
		    hvctl_str(m, "to"), hvctl_str(m, "reason"));
	cJSON_Delete(o);
	return 0;
}

static int
b_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, '0' },
		{ "threshold", required_argument, NULL, '1' },
		{ "hold", required_argument, NULL, '2' },
		{ "margin", required_argument, NULL, '3' },
		{ "max-moves", required_argument, NULL, '4' },
		{ "interval", required_argument, NULL, '5' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *body, *o;
	char *end;
	int i = hvctl_getopt(argc, argv, opts, "", bal_opt), k, rc;

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl balance", bal_cmds, "set");
	body = cJSON_CreateObject();
	for (k = 0; k < 6; k++) {
		if (bo.set[k] == NULL)
			continue;
		if (k == 0) {
			cJSON_AddStringToObject(body, "mode", bo.set[0]);
			continue;
		}
		cJSON_AddNumberToObject(body, set_keys[k],
		    strtod(bo.set[k], &end));
		if (*end != '\0' || end == bo.set[k]) {
			fprintf(stderr, "hvctl balance set: --%s: '%s' is not "
			    "a number\n", opts[k].name, bo.set[k]);
			cJSON_Delete(body);
			return 1;
		}
	}
	rc = hvctl_call("PUT", "/api/v1/cluster/balance", body, &o);
	cJSON_Delete(body);
	if (rc != 0)
		return 1;
	hvctl_print_json(o);
	cJSON_Delete(o);
	return 0;
}

/* "a,b,c" as a JSON array of strings under key. */
static int
add_list(cJSON *body, const char *key, const char *list)
{
	cJSON *arr = cJSON_AddArrayToObject(body, key);
	char *s = strdup(list), *tok, *save = NULL;

	if (s == NULL)
		return -1;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",",
	    &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
	free(s);
	return 0;
}

static int
b_rule(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "vms", required_argument, NULL, 'v' },
		{ "nodes", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *body;
	int i = hvctl_getopt(argc, argv, opts, "", bal_opt), rc = 1;

	if (i < 0 || argc - i != 1 || bo.type == NULL || bo.vms == NULL)
		return cmd_misuse("hvctl balance", bal_cmds, "rule");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", argv[i]);
	cJSON_AddStringToObject(body, "type", bo.type);
	if (add_list(body, "vms", bo.vms) == 0 && (bo.nodes == NULL ||
	    add_list(body, "nodes", bo.nodes) == 0))
		rc = hvctl_call("POST", "/api/v1/balance/rules", body, NULL) ==
		    0 ? 0 : 1;
	cJSON_Delete(body);
	return rc;
}

static int
b_rules(int argc, char **argv)
{
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl balance", bal_cmds, "rules");
	return hvctl_get_print("/api/v1/balance/rules", NULL, NULL);
}

static int
b_unrule(int argc, char **argv)
{
	return hvctl_delete_named(argc, argv, "hvctl balance", bal_cmds,
	    "/api/v1/balance/rules");
}

static int
b_maint(int argc, char **argv)
{
	char path[256];
	cJSON *body;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL), rc, on;

	if (i < 0 || argc - i != 2 || (strcmp(argv[i + 1], "on") != 0 &&
	    strcmp(argv[i + 1], "off") != 0))
		return cmd_misuse("hvctl balance", bal_cmds, "maintenance");
	on = strcmp(argv[i + 1], "on") == 0;
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/maintenance", argv[i]);
	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "maintenance", on);
	rc = hvctl_call("PUT", path, body, NULL);
	cJSON_Delete(body);
	if (rc == 0 && !hv.json)
		printf("node %s: maintenance %s\n", argv[i], on ? "on" : "off");
	return rc == 0 ? 0 : 1;
}

static const struct cmd bal_cmds[] = {
	{ "status", b_status, "", "settings, each node's load, recent moves" },
	{ "set", b_set, "[--mode off|static|dynamic] [--threshold X] "
	    "[--hold N] [--margin X] [--max-moves N] [--interval S]",
	    "change the settings (admin)" },
	{ "rule", b_rule, "NAME --type affinity|anti-affinity|nodes "
	    "--vms VM,... [--nodes NODE,...]", "add (or replace) a rule" },
	{ "rules", b_rules, "", "list the rules" },
	{ "unrule", b_unrule, "NAME", "remove a rule" },
	{ "maintenance", b_maint, "NODE on|off",
	    "drain a node and keep VMs off it, or end that" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_balance_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl balance", bal_cmds, argc - 1, argv + 1);
}
