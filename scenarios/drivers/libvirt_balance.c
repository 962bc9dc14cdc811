/*
 * libvirt_balance.c - load balancing on the libvirt platform, as a
 * Pacemaker administrator sets it (docs/platforms/libvirt.md "Load
 * balancing"): placement-strategy=balanced, each node's capacity as
 * utilization attributes (its CPUs, its memory), resource-stickiness 0
 * so that capacity, not where a VM happens to run, decides.  The VMs'
 * own utilization (cpu from their vCPUs, hv_memory and host_memory from
 * their memory) is set by the VirtualDomain agent itself at each monitor
 * (autoset_utilization_*, on by default), so it follows a resized VM.
 * Pacemaker balances by configured size only: no measured load, no
 * threshold, hold or margin; b_applied says so.  The CIB text is built
 * in libvirt_pcmk.c (pure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "scenarios/drivers/libvirt.h"

#define BAL_XML_MAX 8192
#define BAL_CONSOLE_MS 30000

/* The CPUs and memory (MiB) libvirt reports for each node. */
static int
node_caps(struct driver *d, struct lv_node_cap *nodes, size_t n, char *err)
{
	virConnectPtr c;
	virNodeInfo info;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((c = lv_conn(d, nodes[i].nc_name, err)) == NULL)
			return err_prefix(err, "libvirt: capacity of %s",
			    nodes[i].nc_name);
		if (LV_RPC(d, virNodeGetInfo(c, &info)) == -1)
			return err_set(err, "libvirt: capacity of %s: %s",
			    nodes[i].nc_name, lv_why());
		nodes[i].nc_cpus = (int)info.cpus;
		nodes[i].nc_memory_mib = (long)(info.memory / 1024);
	}
	return 0;
}

/* The cluster's nodes as Pacemaker names them, with their capacity when
 * caps (a node that is down needs none to be turned off). */
static int
cluster_nodes(struct driver *d, struct lv_node_cap *nodes, size_t *n,
    int caps, char *err)
{
	char *x = NULL;
	int rc;

	if (lv_crm_mon_quorate(d, &x, err) == -1)
		return -1;
	rc = lv_crm_mon_nodes(x, strlen(x), nodes, LV_MAX_HOSTS, n, err);
	free(x);
	if (rc == -1)
		return err_prefix(err, "libvirt");
	return caps ? node_caps(d, nodes, *n, err) : 0;
}

/* Room for every resource's ask (Pacemaker stops one it cannot place
 * under placement-strategy=balanced). */
static int
room_check(struct driver *d, const struct lv_node_cap *nodes, size_t n,
    char *err)
{
	const char *argv[] = { "cibadmin", "--query", "--scope", "resources",
	    NULL };
	struct lv_util_need need;
	const struct drv_env *env = d->d_env;
	char *x = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < env->e_nhosts && x == NULL; i++)
		if (lv_console(d, env->e_hosts[i].h_name, argv, &x,
		    BAL_CONSOLE_MS, err) == -1) {
			free(x);
			x = NULL;
		}
	if (x != NULL && lv_util_need_parse(x, strlen(x), &need, err) == 0)
		rc = lv_util_fits(nodes, n, &need, err);
	free(x);
	return rc;
}

/* The driver's utilization sets off the nodes again.  A node that never
 * had one answers with an error, which is what off wants anyway. */
static void
util_delete(struct driver *d, const struct lv_node_cap *nodes, size_t n)
{
	char el[160], id[96], e[ERR_LEN];
	const char *argv[] = { "cibadmin", "--delete", "--scope", "nodes",
	    "--xml-text", el, NULL };
	size_t i;

	for (i = 0; i < n; i++) {
		lv_util_id(nodes[i].nc_name, id, sizeof(id));
		snprintf(el, sizeof(el), "<utilization id=\"%s\"/>", id);
		if (lv_cib_request(d, argv, e) == -1)
			log_debug("libvirt: %s: %s", id, e);
	}
}

/* What was set, in Pacemaker's words, and what it has no knob for. */
static void
applied(struct drv_balance *b, const struct lv_node_cap *nodes, size_t n)
{
	if (strcmp(b->b_mode, "off") == 0) {
		snprintf(b->b_applied, sizeof(b->b_applied),
		    "placement-strategy=default resource-stickiness=%s",
		    LV_HA_STICKINESS);
		return;
	}
	snprintf(b->b_applied, sizeof(b->b_applied), "placement-strategy="
	    "balanced resource-stickiness=0, node utilization cpu=%d "
	    "hv_memory=%ld (%zu nodes) (%s: by configured vCPUs and memory; "
	    "Pacemaker has no measured-load mode, no threshold, hold or "
	    "margin)", nodes[0].nc_cpus, nodes[0].nc_memory_mib, n,
	    strcmp(b->b_mode, "dynamic") == 0 ? "dynamic asked, static "
	    "given" : "static");
}

int
lv_balance_set(struct driver *d, struct drv_balance *b, char *err)
{
	struct lv_node_cap nodes[LV_MAX_HOSTS];
	char xml[BAL_XML_MAX];
	const char *argv[] = { "cibadmin", "--modify", "--allow-create",
	    "--scope", "configuration", "--xml-text", xml, NULL };
	size_t n = 0;
	int on;

	if (strcmp(b->b_mode, "off") != 0 && strcmp(b->b_mode, "static") !=
	    0 && strcmp(b->b_mode, "dynamic") != 0)
		return err_set(err, "libvirt: balance: mode '%s' is not "
		    "off, static or dynamic", b->b_mode);
	if (d->d_env->e_bmc_password_file == NULL)
		return err_set(err, "libvirt: Pacemaker balances only its own "
		    "resources, and HA needs fencing the lab has no BMCs "
		    "for"), DRIVER_UNSUPPORTED;
	on = strcmp(b->b_mode, "off") != 0;
	if (cluster_nodes(d, nodes, &n, on, err) == -1 ||
	    (on && room_check(d, nodes, n, err) == -1) ||
	    lv_balance_xml(on, nodes, n, xml, sizeof(xml), err) == -1)
		return err_prefix(err, "libvirt: balance");
	/* one CIB change, so Pacemaker plans once with all of it */
	if (lv_cib_request(d, argv, err) == -1)
		return err_prefix(err, "libvirt: balance: cibadmin");
	if (!on)
		util_delete(d, nodes, n);
	applied(b, nodes, n);
	return 0;
}
