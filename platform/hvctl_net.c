/*
 * hvctl_net.c - hvctl's network commands: show a node's OVS bridge and
 * change it (port VLANs, bonds) through hvd's /api/v1/nodes/NODE/network,
 * where hvd checks each change and rolls it back when the node loses its
 * management path.  Bond views and `network bond` are in hvctl_bond.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "json.h"
#include "platform/hvctl.h"

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
		return hvctl_num(arg, &net_grace);
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
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

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
	int i = hvctl_getopt(argc, argv, o, "", net_opt);

	if (i < 0 || argc - i != (vlan ? 3 : 2))
		return cmd_misuse("hvctl network", net_cmds, argv[0]);
	if (vlan) {
		if (hvctl_num(argv[i + 2], &tag) != 0)
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
