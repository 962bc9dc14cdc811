/*
 * hvctl.c - main of hvctl, the command line client of hvd.
 *
 * Table-driven subcommands (cluster, node, task, token, vm, pool,
 * network, api) over hvd's REST API: on the node through hvd's unix
 * socket (root, acts as admin), or from anywhere over HTTPS with a token
 * and the cluster CA (or a pinned fingerprint).  Human tables by default,
 * --json for scripts.  Commands that start a task wait for it with a
 * progress display (on a tty) unless --no-wait.  See docs/hvctl.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const struct cmd hvctl_cmds[] = {
	{ "cluster", hvctl_cluster_main, "create|join|status|ca|remove ...",
	    "form and inspect the cluster" },
	{ "node", hvctl_node_main, "list|show ...", "cluster nodes" },
	{ "task", hvctl_task_main, "list|show|wait ...", "tasks" },
	{ "token", hvctl_token_main, "create|list|delete ...", "API tokens" },
	{ "vm", hvctl_vm_main, "create|list|status|show|start|stop|shutdown|"
	    "delete|config|migrate|clone|template ...", "virtual machines" },
	{ "pool", hvctl_pool_main, "create|list|show|delete|volume-create|"
	    "volume-delete ...", "storage pools and volumes" },
	{ "network", hvctl_network_main, "show|vlan|change ...",
	    "host networks: OVS bridge, VLAN tags, bonds" },
	{ "snapshot", hvctl_snapshot_main,
	    "create|list|show|rollback|delete ...", "a VM's snapshots" },
	{ "backup", hvctl_backup_main, "create|list|show|verify|restore|"
	    "delete|store-...|job-... ...", "backups, stores and schedules" },
	{ "ha", hvctl_ha_main, "add|set|remove|show|status|group|settings ...",
	    "high availability" },
	{ "balance", hvctl_balance_main, "status|set|rule|rules|unrule|"
	    "maintenance ...", "the load balancer" },
	{ "image", hvctl_image_main,
	    "info|convert|import-ova|import-xva|export-ova ...",
	    "disk images and OVA/XVA packages on this node's files" },
	{ "metrics", hvctl_metrics_main, "node|vm NAME [--since S] "
	    "[--step S]", "a node's or a VM's metrics" },
	{ "top", hvctl_top_main, "[--interval S] [--count N]",
	    "nodes and running VMs: CPU, memory, disk and network rates" },
	{ "api", hvctl_api_main, "METHOD PATH [JSON]",
	    "raw API request; prints the answer" },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hvctl [-s SOCKET | -H HOST -t TOKEN "
	    "(--ca FILE | --fingerprint PIN)] [--json] COMMAND ...\n");
	cmd_usage(f, "hvctl", hvctl_cmds);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "token", required_argument, NULL, 't' },
		{ "ca", required_argument, NULL, 'C' },
		{ "fingerprint", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'J' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *e;
	int ch, rc;

	if ((e = getenv("HVD_SOCKET")) != NULL && *e)
		hv.socket = e;
	if ((e = getenv("HVCTL_HOST")) != NULL && *e)
		hv.host = e;
	if ((e = getenv("HVCTL_TOKEN")) != NULL && *e)
		hv.token = e;
	if ((e = getenv("HVCTL_CA")) != NULL && *e)
		hv.ca = e;
	if ((e = getenv("HVCTL_FINGERPRINT")) != NULL && *e)
		hv.pin = e;
	while ((ch = getopt_long(argc, argv, "+s:H:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			hv.socket = optarg;
			hv.host = NULL;
			break;
		case 'H':
			hv.host = optarg;
			break;
		case 't':
			hv.token = optarg;
			break;
		case 'C':
			hv.ca = optarg;
			break;
		case 'F':
			hv.pin = optarg;
			break;
		case 'J':
			hv.json = 1;
			break;
		case 'W':
			hv.no_wait = 1;
			break;
		case 'V':
			printf("hvctl %s\n", HV_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	rc = cmd_dispatch("hvctl", hvctl_cmds, argc - optind, argv + optind);
	hvctl_close();
	return rc;
}
