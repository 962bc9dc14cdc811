/*
 * hvctl_ha.c - `hvctl ha`: HA resources, groups, settings and the HA
 * status (manager, nodes, resources with their recovery log) over
 * /api/v1/ha (platform/ha.c, docs/ha.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd ha_cmds[];

static struct {
	const char	*group;
	const char	*state;
	const char	*nodes;
	int		 max_restart, max_relocate, restricted;
	const char	*ttl, *renew, *fence, *margin, *fencing;
} ho;

static int
ha_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'g':
		ho.group = arg;
		return 0;
	case 's':
		ho.state = arg;
		return 0;
	case 'R':
		ho.max_restart = atoi(arg);
		return 0;
	case 'L':
		ho.max_relocate = atoi(arg);
		return 0;
	case 'n':
		ho.nodes = arg;
		return 0;
	case 'r':
		ho.restricted = 1;
		return 0;
	case 'T':
		ho.ttl = arg;
		return 0;
	case 'E':
		ho.renew = arg;
		return 0;
	case 'F':
		ho.fence = arg;
		return 0;
	case 'M':
		ho.margin = arg;
		return 0;
	case 'G':
		ho.fencing = arg;
		return 0;
	}
	return -1;
}

static const struct option res_opts[] = {
	{ "group", required_argument, NULL, 'g' },
	{ "state", required_argument, NULL, 's' },
	{ "max-restart", required_argument, NULL, 'R' },
	{ "max-relocate", required_argument, NULL, 'L' },
	{ NULL, 0, NULL, 0 }
};

static int
h_add(int argc, char **argv)
{
	char path[256];
	cJSON *body, *o;
	int set = strcmp(argv[0], "set") == 0, rc, i;

	ho.max_restart = ho.max_relocate = -1;
	i = hvctl_getopt(argc, argv, res_opts, "", ha_opt);
	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl ha", ha_cmds, argv[0]);
	body = cJSON_CreateObject();
	if (!set)
		cJSON_AddStringToObject(body, "vm", argv[i]);
	if (ho.group)
		cJSON_AddStringToObject(body, "group", ho.group);
	if (ho.state)
		cJSON_AddStringToObject(body, "state", ho.state);
	if (ho.max_restart >= 0)
		cJSON_AddNumberToObject(body, "max_restart", ho.max_restart);
	if (ho.max_relocate >= 0)
		cJSON_AddNumberToObject(body, "max_relocate", ho.max_relocate);
	if (set) {
		snprintf(path, sizeof(path), "/api/v1/ha/resources/%s",
		    argv[i]);
		rc = hvctl_call("PUT", path, body, &o);
	} else
		rc = hvctl_call("POST", "/api/v1/ha/resources", body, &o);
	cJSON_Delete(body);
	if (rc != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else
		printf("ha resource %s: state %s, group %s\n", argv[i],
		    hvctl_str(o, "state"), hvctl_str(o, "group"));
	cJSON_Delete(o);
	return 0;
}

static int
h_remove(int argc, char **argv)
{
	return hvctl_delete_named(argc, argv, "hvctl ha", ha_cmds,
	    "/api/v1/ha/resources");
}

static int
h_show(int argc, char **argv)
{
	char path[256];
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl ha", ha_cmds, "show");
	snprintf(path, sizeof(path), "/api/v1/ha/resources/%s", argv[i]);
	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	hvctl_print_json(o);
	cJSON_Delete(o);
	return 0;
}

static int
h_status(int argc, char **argv)
{
	static const char *const ncols[] = { "NODE", "HA", NULL };
	static const char *const nkeys[] = { "name", "ha", NULL };
	static const char *const rcols[] = { "VM", "REQUEST", "STATUS", "NODE",
	    "GROUP", NULL };
	static const char *const rkeys[] = { "vm", "state", "status", "node",
	    "group", NULL };
	const cJSON *m, *res, *r, *log, *e;
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL), rc;

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl ha", ha_cmds, "status");
	if ((rc = hvctl_get_view("/api/v1/ha", &o)) != 0)
		return rc < 0;
	m = cJSON_GetObjectItemCaseSensitive(o, "manager");
	printf("manager: %s (since %s)\n", hvctl_str(m, "node"),
	    hvctl_str(m, "since"));
	hvctl_table(ncols, nkeys, cJSON_GetObjectItemCaseSensitive(o,
	    "nodes"));
	res = cJSON_GetObjectItemCaseSensitive(o, "resources");
	hvctl_table(rcols, rkeys, res);
	cJSON_ArrayForEach(r, res) {
		log = cJSON_GetObjectItemCaseSensitive(r, "log");
		if (cJSON_GetArraySize(log) == 0)
			continue;
		printf("%s:\n", hvctl_str(r, "vm"));
		cJSON_ArrayForEach(e, log) {
			const cJSON *it;

			printf("  %s %s", hvctl_str(e, "t"),
			    hvctl_str(e, "ev"));
			cJSON_ArrayForEach(it, e)
				if (strcmp(it->string, "t") != 0 &&
				    strcmp(it->string, "ev") != 0)
					printf(" %s=%s", it->string,
					    hvctl_str(e, it->string));
			printf("\n");
		}
	}
	cJSON_Delete(o);
	return 0;
}

static int
h_group(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "restricted", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *body, *nodes;
	char *list, *tok, *save = NULL, *colon;
	int i = hvctl_getopt(argc, argv, opts, "", ha_opt), rc;

	if (i < 0 || argc - i != 1 || ho.nodes == NULL)
		return cmd_misuse("hvctl ha", ha_cmds, "group");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "name", argv[i]);
	nodes = cJSON_AddObjectToObject(body, "nodes");
	if ((list = strdup(ho.nodes)) == NULL) {
		cJSON_Delete(body);
		return 1;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",",
	    &save)) {
		int prio = 1;

		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			prio = atoi(colon + 1);
		}
		cJSON_AddNumberToObject(nodes, tok, prio);
	}
	free(list);
	if (ho.restricted)
		cJSON_AddBoolToObject(body, "restricted", 1);
	rc = hvctl_call("POST", "/api/v1/ha/groups", body, NULL);
	cJSON_Delete(body);
	return rc == 0 ? 0 : 1;
}

static int
h_settings(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lease-ttl", required_argument, NULL, 'T' },
		{ "renew-ms", required_argument, NULL, 'E' },
		{ "fence-s", required_argument, NULL, 'F' },
		{ "margin-s", required_argument, NULL, 'M' },
		{ "fencing", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *body, *o;
	int i = hvctl_getopt(argc, argv, opts, "", ha_opt), rc;

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl ha", ha_cmds, "settings");
	if (!ho.ttl && !ho.renew && !ho.fence && !ho.margin && !ho.fencing)
		rc = hvctl_call("GET", "/api/v1/ha/settings", NULL, &o);
	else {
		body = cJSON_CreateObject();
		if (ho.ttl)
			cJSON_AddNumberToObject(body, "lease_ttl_s",
			    atof(ho.ttl));
		if (ho.renew)
			cJSON_AddNumberToObject(body, "renew_ms",
			    atof(ho.renew));
		if (ho.fence)
			cJSON_AddNumberToObject(body, "fence_s",
			    atof(ho.fence));
		if (ho.margin)
			cJSON_AddNumberToObject(body, "margin_s",
			    atof(ho.margin));
		if (ho.fencing)
			cJSON_AddStringToObject(body, "fencing", ho.fencing);
		rc = hvctl_call("PUT", "/api/v1/ha/settings", body, &o);
		cJSON_Delete(body);
	}
	if (rc != 0)
		return 1;
	hvctl_print_json(o);
	cJSON_Delete(o);
	return 0;
}

static const struct cmd ha_cmds[] = {
	{ "add", h_add, "VM [--group G] [--max-restart N] [--max-relocate N] "
	    "[--state started|stopped|disabled]", "make a VM an HA resource" },
	{ "set", h_add, "VM [--group G] [--max-restart N] [--max-relocate N] "
	    "[--state started|stopped|disabled]", "change an HA resource" },
	{ "remove", h_remove, "VM", "stop managing a VM (it keeps running)" },
	{ "show", h_show, "VM", "an HA resource with its status and log" },
	{ "status", h_status, "",
	    "manager, nodes, resources and their recovery logs" },
	{ "group", h_group, "NAME --nodes NODE[:PRIO],... [--restricted]",
	    "define (or replace) an HA group" },
	{ "settings", h_settings, "[--lease-ttl S] [--renew-ms MS] "
	    "[--fence-s S] [--margin-s S] [--fencing watchdog|bmc|both]",
	    "show or change HA timings and how a lost node is fenced" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_ha_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl ha", ha_cmds, argc - 1, argv + 1);
}
