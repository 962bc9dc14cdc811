/*
 * hvctl_cluster.c - hvctl's cluster, node, task, token and api commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "platform/hvctl.h"

static const char *opt_token, *opt_fp, *opt_role, *opt_comment;

static int
cluster_opt(int ch, const char *arg)
{
	switch (ch) {
	case 't':
		opt_token = arg;
		return 0;
	case 'f':
		opt_fp = arg;
		return 0;
	case 'r':
		opt_role = arg;
		return 0;
	case 'c':
		opt_comment = arg;
		return 0;
	}
	return -1;
}

static const struct cmd cluster_cmds[];
static const struct cmd node_cmds[];
static const struct cmd task_cmds[];
static const struct cmd token_cmds[];

static int
c_create(int argc, char **argv)
{
	cJSON *req, *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl cluster", cluster_cmds, "create");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "name", argv[i]);
	i = hvctl_call("POST", "/api/v1/cluster", req, &o);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else {
		printf("cluster %s created on node %s (%s)\n",
		    hvctl_str(o, "cluster"), hvctl_str(o, "node"),
		    hvctl_str(o, "address"));
		printf("admin token: %s\n", hvctl_str(o, "token"));
		printf("fingerprint: %s\n", hvctl_str(o, "fingerprint"));
		printf("join other nodes with:\n  hvctl cluster join %s "
		    "--token %s --fingerprint %s\n", hvctl_str(o, "address"),
		    hvctl_str(o, "token"), hvctl_str(o, "fingerprint"));
	}
	cJSON_Delete(o);
	return 0;
}

static int
c_join(int argc, char **argv)
{
	static const struct option o[] = {
		{ "token", required_argument, NULL, 't' },
		{ "fingerprint", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *req, *resp;
	int i = hvctl_getopt(argc, argv, o, "t:f:", cluster_opt);

	if (i < 0 || argc - i != 1 || opt_token == NULL || opt_fp == NULL)
		return cmd_misuse("hvctl cluster", cluster_cmds, "join");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "address", argv[i]);
	cJSON_AddStringToObject(req, "token", opt_token);
	cJSON_AddStringToObject(req, "fingerprint", opt_fp);
	i = hvctl_call("POST", "/api/v1/cluster/join", req, &resp);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(resp);
	else
		printf("%s %s joined cluster %s; its fingerprint: %s\n",
		    strcmp(hvctl_str(resp, "role"), "witness") == 0 ?
		    "witness" : "node", hvctl_str(resp, "node"),
		    hvctl_str(resp, "cluster"), hvctl_str(resp, "fingerprint"));
	cJSON_Delete(resp);
	return 0;
}

static int
c_status(int argc, char **argv)
{
	static const char *const cols[] = { "NODE", "ADDRESS", "STATE",
	    "FINGERPRINT", NULL };
	static const char *const keys[] = { "name", "address", "state",
	    "fingerprint", NULL };
	static const char *const wcols[] = { "WITNESS", "ADDRESS", "STATE",
	    "FINGERPRINT", NULL };
	static const char *const mcols[] = { "MEMBER", "ROLE", "ID",
	    "PEER URL", "STARTED", NULL };
	static const char *const mkeys[] = { "name", "role", "id", "peer_url",
	    "started", NULL };
	cJSON *o, *w;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl cluster", cluster_cmds, "status");
	if (hvctl_call("GET", "/api/v1/cluster", NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o,
	    "cluster")))
		printf("node %s is not in a cluster (state %s)\n",
		    hvctl_str(o, "node"), hvctl_str(o, "state"));
	else {
		printf("cluster:  %s\n", hvctl_str(o, "cluster"));
		printf("quorate:  %s (%s of %s members started, quorum %s)\n",
		    hvctl_str(o, "quorate"), hvctl_str(o, "members_started"),
		    hvctl_str(o, "expected_votes"), hvctl_str(o, "quorum"));
		printf("nodes:    %s online\n", hvctl_str(o, "online"));
		w = cJSON_GetObjectItemCaseSensitive(o, "witnesses");
		printf("witness:  %s\n\n", cJSON_GetArraySize(w) > 0 ?
		    "yes (a vote, no VMs)" : "none");
		hvctl_table(cols, keys,
		    cJSON_GetObjectItemCaseSensitive(o, "nodes"));
		printf("\n");
		if (cJSON_GetArraySize(w) > 0) {
			hvctl_table(wcols, keys, w);
			printf("\n");
		}
		hvctl_table(mcols, mkeys,
		    cJSON_GetObjectItemCaseSensitive(o, "members"));
	}
	cJSON_Delete(o);
	return 0;
}

static int
c_ca(int argc, char **argv)
{
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl cluster", cluster_cmds, "ca");
	if (hvctl_call("GET", "/api/v1/cluster/ca", NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else
		fputs(hvctl_str(o, "ca_cert"), stdout);
	cJSON_Delete(o);
	return 0;
}

static int
c_remove(int argc, char **argv)
{
	char path[256];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl cluster", cluster_cmds, "remove");
	snprintf(path, sizeof(path), "/api/v1/cluster/nodes/%s", argv[i]);
	return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
}

static const struct cmd cluster_cmds[] = {
	{ "create", c_create, "NAME", "make this node a new cluster; prints "
	    "the admin token and the fingerprint" },
	{ "join", c_join, "ADDRESS[:PORT] --token TOKEN --fingerprint PIN",
	    "join this node (or this quorum witness: hvd with role = "
	    "witness) to the cluster of the node at ADDRESS" },
	{ "status", c_status, "", "members, quorum and node states" },
	{ "ca", c_ca, "", "print the cluster CA certificate (PEM)" },
	{ "remove", c_remove, "NODE", "remove a node (or the witness) from "
	    "the cluster" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_cluster_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl cluster", cluster_cmds, argc - 1, argv + 1);
}

static int
n_list(int argc, char **argv)
{
	static const char *const cols[] = { "NODE", "ADDRESS", "STATE",
	    "API", NULL };
	static const char *const keys[] = { "name", "address", "state",
	    "api_url", NULL };
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl node", node_cmds, "list");
	return hvctl_get_print("/api/v1/nodes", cols, keys);
}

static int
n_show(int argc, char **argv)
{
	char path[256];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl node", node_cmds, "show");
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", argv[i]);
	return hvctl_get_print(path, NULL, NULL);
}

/* hvctl_bmc.c does the work; -2 there is a misuse. */
static int
n_bmc(int argc, char **argv)
{
	int rc = hvctl_node_bmc(argc, argv);

	return rc == -2 ? cmd_misuse("hvctl node", node_cmds, "bmc") : rc;
}

static const struct cmd node_cmds[] = {
	{ "list", n_list, "", "nodes and their state" },
	{ "show", n_show, "NODE", "one node's record" },
	{ "bmc", n_bmc, "NODE [--url URL --user USER --password-file FILE "
	    "[--ca-file PEM | --insecure] | --remove]",
	    "show, set or remove the node's BMC (HA power fencing)" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_node_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl node", node_cmds, argc - 1, argv + 1);
}

static int
t_list(int argc, char **argv)
{
	static const char *const cols[] = { "ID", "STATE", "PROGRESS",
	    "STARTED", NULL };
	static const char *const keys[] = { "id", "state", "progress",
	    "started", NULL };
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl task", task_cmds, "list");
	return hvctl_get_print("/api/v1/tasks", cols, keys);
}

static int
t_show(int argc, char **argv)
{
	char path[512];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl task", task_cmds, "show");
	snprintf(path, sizeof(path), "/api/v1/tasks/%s", argv[i]);
	return hvctl_get_print(path, NULL, NULL);
}

static int
t_wait(int argc, char **argv)
{
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl task", task_cmds, "wait");
	return hvctl_task_wait(argv[i]);
}

static const struct cmd task_cmds[] = {
	{ "list", t_list, "", "all tasks" },
	{ "show", t_show, "ID", "one task with its log" },
	{ "wait", t_wait, "ID", "wait for a task to end; exit 0 when ok" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_task_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl task", task_cmds, argc - 1, argv + 1);
}

static int
k_create(int argc, char **argv)
{
	static const struct option o[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "comment", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	cJSON *req, *resp;
	int i = hvctl_getopt(argc, argv, o, "r:c:", cluster_opt);

	if (i < 0 || argc != i || opt_role == NULL)
		return cmd_misuse("hvctl token", token_cmds, "create");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "role", opt_role);
	if (opt_comment)
		cJSON_AddStringToObject(req, "comment", opt_comment);
	i = hvctl_call("POST", "/api/v1/tokens", req, &resp);
	cJSON_Delete(req);
	if (i != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(resp);
	else
		printf("%s\n", hvctl_str(resp, "token"));
	cJSON_Delete(resp);
	return 0;
}

static int
k_list(int argc, char **argv)
{
	static const char *const cols[] = { "ID", "ROLE", "CREATED",
	    "COMMENT", NULL };
	static const char *const keys[] = { "id", "role", "created",
	    "comment", NULL };
	cJSON *o;
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc != i)
		return cmd_misuse("hvctl token", token_cmds, "list");
	if (hvctl_call("GET", "/api/v1/tokens", NULL, &o) != 0)
		return 1;
	if (hv.json)
		hvctl_print_json(o);
	else
		hvctl_table(cols, keys, o);
	cJSON_Delete(o);
	return 0;
}

static int
k_delete(int argc, char **argv)
{
	char path[256];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl token", token_cmds, "delete");
	snprintf(path, sizeof(path), "/api/v1/tokens/%s", argv[i]);
	return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
}

static const struct cmd token_cmds[] = {
	{ "create", k_create, "--role admin|operator|audit [--comment TEXT]",
	    "make an API token (printed once)" },
	{ "list", k_list, "", "tokens (ids and roles, never secrets)" },
	{ "delete", k_delete, "ID", "revoke a token" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_token_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl token", token_cmds, argc - 1, argv + 1);
}

/* hvctl api METHOD PATH [JSON]: for scripts and tests; prints the answer
 * body whatever the status, exits 0 on 2xx, else 1. */
int
hvctl_api_main(int argc, char **argv)
{
	static const struct cmd self[] = {
		{ "api", hvctl_api_main, "METHOD PATH [JSON]", NULL },
		{ NULL, NULL, NULL, NULL }
	};
	cJSON *body = NULL, *o = NULL;
	char err[512];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL), rc;

	if (i < 0 || argc - i < 2 || argc - i > 3)
		return cmd_misuse("hvctl", self, "api");
	if (argc - i == 3 && (body = json_parse_buf(argv[i + 2],
	    strlen(argv[i + 2]), err)) == NULL) {
		fprintf(stderr, "hvctl: %s\n", err);
		return 1;
	}
	rc = hvctl_call(argv[i], argv[i + 1], body, &o);
	if (o != NULL)
		hvctl_print_json(o);
	cJSON_Delete(o);
	cJSON_Delete(body);
	return rc == 0 ? 0 : 1;
}
