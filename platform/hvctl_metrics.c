/*
 * hvctl_metrics.c - hvctl's metrics commands (docs/metrics.md):
 * `hvctl metrics node NODE | vm NAME` prints a node's or a VM's series
 * (the latest rate or value of each, or every point with --json), and
 * `hvctl top` a table of the nodes and the running VMs, refreshed every
 * few seconds on a terminal, printed once otherwise (or --count times).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "platform/hvctl.h"

#define TOP_WINDOW_S	5	/* rates averaged over this many seconds */

static const struct cmd metrics_cmds[];

static struct {
	long		 since;
	long		 step;
	long		 interval;
	long		 count;
} mo = { -60, 0, 2, 0 };

static int
m_opt(int ch, const char *arg)
{
	long *dst = ch == 'S' ? &mo.since : ch == 'p' ? &mo.step :
	    ch == 'i' ? &mo.interval : ch == 'n' ? &mo.count : NULL;

	if (dst == NULL || hvctl_num(arg, dst) != 0) {
		fprintf(stderr, "hvctl: '%s' is not a whole number\n", arg);
		return -1;
	}
	return 0;
}

static const struct option m_longopts[] = {
	{ "since", required_argument, NULL, 'S' },
	{ "step", required_argument, NULL, 'p' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};

/* The mean of a series' points (rates or gauge values); NaN if none. */
static double
series_mean(const cJSON *s)
{
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(s, "points"), *p;
	double sum = 0;
	int n = 0;

	cJSON_ArrayForEach(p, pts) {
		sum += cJSON_GetArrayItem(p, 1)->valuedouble;
		n++;
	}
	return n > 0 ? sum / n : NAN;
}

/* "name{k=v,...}" of a series into buf. */
static void
series_title(const cJSON *s, char *buf, size_t len)
{
	const cJSON *l;
	int first = 1;
	size_t n;

	n = (size_t)snprintf(buf, len, "%s", hvctl_str(s, "name"));
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(s, "labels")) {
		if (n >= len || !cJSON_IsString(l))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", first ?
		    "{" : ",", l->string, l->valuestring);
		first = 0;
	}
	if (!first && n < len)
		snprintf(buf + n, len - n, "}");
}

/* GET the series of a node ("nodes") or a VM ("vms"): 0 or -1. */
static int
fetch(const char *coll, const char *name, long since, long step,
    cJSON **out)
{
	char path[256], st[32] = "";

	if (step > 0)
		snprintf(st, sizeof(st), "&step=%ld", step);
	snprintf(path, sizeof(path), "/api/v1/%s/%s/metrics?since=%ld%s",
	    coll, name, since, st);
	return hvctl_call("GET", path, NULL, out);
}

static int
m_show(int argc, char **argv)
{
	char title[256];
	const char *kind = argc > 0 ? argv[0] : "";
	const cJSON *s, *pts, *last;
	cJSON *o;
	int i = hvctl_getopt(argc, argv, m_longopts, "", m_opt);

	if (i < 0 || argc - i != 1)
		return cmd_misuse("hvctl metrics", metrics_cmds, kind);
	if (fetch(strcmp(kind, "vm") == 0 ? "vms" : "nodes", argv[i],
	    mo.since, mo.step, &o) != 0)
		return 1;
	if (hv.json) {
		hvctl_print_json(o);
		cJSON_Delete(o);
		return 0;
	}
	printf("%-64s %14s  %s\n", "SERIES", "LAST", "UNIT");
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "series")) {
		pts = cJSON_GetObjectItemCaseSensitive(s, "points");
		last = cJSON_GetArrayItem(pts, cJSON_GetArraySize(pts) - 1);
		series_title(s, title, sizeof(title));
		printf("%-64s %14.6g  %s\n", title,
		    cJSON_GetArrayItem(last, 1)->valuedouble,
		    hvctl_str(s, "unit"));
	}
	cJSON_Delete(o);
	return 0;
}

/* The sum over the series called name (of label k = v only, when k is
 * set) of their mean over the window; 0 when none. */
static double
sum_of(const cJSON *o, const char *name, const char *k, const char *v)
{
	const cJSON *s, *l;
	double sum = 0, x;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "series")) {
		if (strcmp(hvctl_str(s, "name"), name) != 0)
			continue;
		l = cJSON_GetObjectItemCaseSensitive(s, "labels");
		if (k != NULL && strcmp(hvctl_str(l, k), v) != 0)
			continue;
		if (!isnan(x = series_mean(s)))
			sum += x;
	}
	return sum;
}

static void
top_node(const char *node)
{
	const char *c = "hvd_node_cpu_seconds_total";
	double all, idle, total;
	cJSON *o;

	if (fetch("nodes", node, -TOP_WINDOW_S - 1, 1, &o) != 0) {
		printf("%-16s %6s\n", node, "-");
		return;
	}
	all = sum_of(o, c, NULL, NULL);
	idle = sum_of(o, c, "mode", "idle") + sum_of(o, c, "mode", "iowait");
	total = sum_of(o, "hvd_node_memory_total_bytes", NULL, NULL);
	printf("%-16s %6.1f %10.0f %10.0f %6.2f\n", node, all > 0 ?
	    100 * (all - idle) / all : 0.0, (total - sum_of(o,
	    "hvd_node_memory_available_bytes", NULL, NULL)) / 1048576,
	    total / 1048576, sum_of(o, "hvd_node_load1", NULL, NULL));
	cJSON_Delete(o);
}

static void
top_vm(const char *vm, const char *node)
{
	cJSON *o;

	if (fetch("vms", vm, -TOP_WINDOW_S - 1, 1, &o) != 0)
		return;
	printf("%-16s %-12s %6.1f %8.0f %10.1f %10.1f %10.1f %10.1f\n", vm,
	    node, 100 * sum_of(o, "hvd_vm_cpu_seconds_total", NULL, NULL),
	    sum_of(o, "hvd_vm_memory_rss_bytes", NULL, NULL) / 1048576,
	    sum_of(o, "hvd_vm_disk_read_bytes_total", NULL, NULL) / 1024,
	    sum_of(o, "hvd_vm_disk_written_bytes_total", NULL, NULL) / 1024,
	    sum_of(o, "hvd_vm_network_receive_bytes_total", NULL, NULL) /
	    1024, sum_of(o, "hvd_vm_network_transmit_bytes_total", NULL,
	    NULL) / 1024);
	cJSON_Delete(o);
}

/* One table: the online nodes, then the running VMs.  0 or -1. */
static int
top_once(void)
{
	cJSON *nodes, *vms;
	const cJSON *x;

	if (hvctl_call("GET", "/api/v1/nodes", NULL, &nodes) != 0)
		return -1;
	if (hvctl_call("GET", "/api/v1/vms", NULL, &vms) != 0) {
		cJSON_Delete(nodes);
		return -1;
	}
	printf("%-16s %6s %10s %10s %6s\n", "NODE", "CPU%", "MEM-MiB",
	    "TOTAL-MiB", "LOAD1");
	cJSON_ArrayForEach(x, nodes)
		if (strcmp(hvctl_str(x, "state"), "online") == 0)
			top_node(hvctl_str(x, "name"));
	printf("\n%-16s %-12s %6s %8s %10s %10s %10s %10s\n", "VM", "NODE",
	    "CPU%", "RSS-MiB", "DISK-R-KB/s", "DISK-W-KB/s", "NET-RX-KB/s",
	    "NET-TX-KB/s");
	cJSON_ArrayForEach(x, vms)
		if (strcmp(hvctl_str(x, "state"), "running") == 0)
			top_vm(hvctl_str(x, "name"), hvctl_str(x, "node"));
	cJSON_Delete(nodes);
	cJSON_Delete(vms);
	return 0;
}

int
hvctl_top_main(int argc, char **argv)
{
	int tty = isatty(STDOUT_FILENO), i, n = 0;

	i = hvctl_getopt(argc, argv, m_longopts, "", m_opt);
	if (i < 0 || i != argc || mo.interval < 1 || mo.count < 0) {
		fprintf(stderr, "usage: hvctl top [--interval S] "
		    "[--count N]\n");
		return 1;
	}
	for (;;) {
		if (tty)	/* home and clear: a refreshing table */
			fputs("\033[H\033[2J", stdout);
		if (top_once() != 0)
			return 1;
		fflush(stdout);
		if (++n == mo.count || (!tty && mo.count == 0))
			break;
		if (!tty)
			printf("\n");
		sleep((unsigned)mo.interval);
	}
	return 0;
}

static const struct cmd metrics_cmds[] = {
	{ "node", m_show, "NODE [--since S] [--step S]",
	    "a node's series: CPU, memory, load, interfaces, pools" },
	{ "vm", m_show, "NAME [--since S] [--step S]",
	    "a VM's series: CPU, vCPUs, RSS, disks, NICs" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_metrics_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl metrics", metrics_cmds, argc - 1,
	    argv + 1);
}
