/*
 * remote.c - the `remote` lab provider: real servers given by an
 * inventory (lab/remote_inv.c), never built.  `up` checks that every
 * host, BMC, switch and SAN answers and keeps the lab's state; the faults
 * go through what real servers offer: power through the BMC's fence
 * agent, a cable through the switch's own command (or, without one, the
 * host's `ip link`, named "host-side unplug": not the same fault), a
 * partition as nftables rules on the hosts, storage through the SAN's
 * command.  `down` undoes what the lab changed (cables plugged,
 * partitions healed).  Every action is a line of the lab's events.jsonl
 * with "provider":"remote".  The host verbs are in remote_host.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "proc.h"
#include "lab/remote.h"
#include "lab/remote_priv.h"

#define NFT_TABLE "hvlab_partition"

int
rlab_inv(struct lab *lab, struct rinv **ri, char *err)
{
	if ((*ri = calloc(1, sizeof(**ri))) == NULL)
		return err_set(err, "out of memory");
	if (remote_inv_load(lab->l_topo.t_file, &lab->l_topo, *ri, stderr,
	    err) < 0) {
		free(*ri);
		*ri = NULL;
		return -1;
	}
	return 0;
}

void
rlab_log(const struct lab *lab, const char *action, const char *target,
    const char *detail, const struct rrun *r)
{
	char path[LAB_PATH_MAX + 32], wall[40], e[ERR_LEN], *line;
	uint64_t w = clock_wall_ns();
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return;
	clock_format_wall(w, wall, sizeof(wall));
	cJSON_AddStringToObject(o, "lab", lab->l_topo.t_name);
	cJSON_AddStringToObject(o, "provider", "remote");
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "target", target);
	cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddNumberToObject(o, "rc", r ? r->rr_code : 0);
	if (r != NULL && r->rr_code != 0 && r->rr_out[0])
		cJSON_AddStringToObject(o, "output", r->rr_out);
	cJSON_AddNumberToObject(o, "mono_ns", (double)clock_mono_ns());
	cJSON_AddNumberToObject(o, "wall_ns", (double)w);
	cJSON_AddStringToObject(o, "wall", wall);
	line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (line == NULL)
		return;
	snprintf(path, sizeof(path), "%s/events.jsonl", lab->l_state);
	if (lab_write_file(path, line, 1, e) < 0 ||
	    lab_write_file(path, "\n", 1, e) < 0)
		log_warnx("%s", e);
	free(line);
}

int
rlab_host_sh(struct lab *lab, const struct rinv *ri, const char *host,
    const char *cmd, const char *action, char *err)
{
	const struct rinv_host *h = remote_inv_host(ri, host);
	struct rrun r;
	int rc;

	if (h == NULL)
		return err_set(err, "no host %s in the inventory", host);
	rc = remote_ssh_run(ri, &h->rh_ssh, cmd, -1, 0, RLAB_SSH_TIMEOUT_MS,
	    &r, err);
	if (action != NULL)
		rlab_log(lab, action, host, cmd, &r);
	if (rc > 0)
		return err_set(err, "%s: ssh %s: exit %d: %.200s", host,
		    h->rh_ssh.rs_addr, rc, r.rr_out);
	return rc < 0 ? err_prefix(err, "%s", host) : 0;
}

/* A command of the switch or the SAN: over SSH when it has an address,
 * else on the station. */
static int
cmds_run(struct lab *lab, const struct rinv *ri, const struct rinv_cmds *c,
    const char *cmd, const char *action, const char *target, char *err)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct rrun r;
	int rc;

	if (c->rc_ssh.rs_addr[0])
		rc = remote_ssh_run(ri, &c->rc_ssh, cmd, -1, 0,
		    RLAB_SSH_TIMEOUT_MS, &r, err);
	else
		rc = remote_station_run(ri, argv, -1, 0, RLAB_SSH_TIMEOUT_MS,
		    &r, err);
	rlab_log(lab, action, target, cmd, &r);
	if (rc > 0)
		return err_set(err, "%s: '%s': exit %d: %.200s", target, cmd, rc,
		    r.rr_out);
	return rc < 0 ? -1 : 0;
}

/* ---- power: the BMC's fence agent ---- */

static int
power_act(struct lab *lab, const char *host, const char *action,
    const char *what, char *err)
{
	const struct rinv_host *h;
	struct rinv *ri;
	struct rrun r;
	char detail[128];
	int rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	if ((h = remote_inv_host(ri, host)) == NULL) {
		err_set(err, "no host %s in the inventory", host);
		goto out;
	}
	rc = remote_fence(ri, &h->rh_bmc, action, &r, err);
	snprintf(detail, sizeof(detail), "%s -o %s (%s)",
	    h->rh_bmc.rb_kind == RINV_BMC_IPMI ? "fence_ipmilan" :
	    "fence_redfish", action, h->rh_bmc.rb_addr);
	if (strcmp(action, "status") != 0)
		rlab_log(lab, what, host, detail, &r);
	if (rc < 0)
		err_prefix(err, "%s: %s", host, detail);
	else if (strcmp(action, "status") == 0 && (rc == 0 || rc == 2))
		rc = rc == 0;
	else if (rc != 0)
		rc = err_set(err, "%s: %s: exit %d: %.200s", host, detail,
		    r.rr_code, r.rr_out);
out:
	free(ri);
	return rc;
}

static int
remote_power_pull(struct lab *lab, const char *host, char *err)
{
	return power_act(lab, host, "off", "redfish power-off", err);
}

static int
remote_power_on(struct lab *lab, const char *host, char *err)
{
	return power_act(lab, host, "on", "redfish power-on", err);
}

static int
remote_power_state(struct lab *lab, const char *host, char *err)
{
	return power_act(lab, host, "status", "", err);
}

static int
remote_power_stop(struct lab *lab, const char *host, char *err)
{
	return err_set(err, "%s: a clean stop is the host's own (shutdown "
	    "over SSH); the remote provider only pulls power", host);
}

/* ---- cables ---- */

static int
remote_nic_set(struct lab *lab, const char *host, int nic, int up,
    char *err)
{
	const struct rinv_host *h;
	struct rinv *ri;
	char cmd[RINV_CMD + RINV_WORD], item[64];
	int rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	if ((h = remote_inv_host(ri, host)) == NULL || nic < 0 ||
	    nic >= h->rh_nnics) {
		err_set(err, "host %s has no NIC eth%d in the inventory", host,
		    nic);
		goto out;
	}
	snprintf(item, sizeof(item), "%s eth%d", host, nic);
	if (h->rh_nics[nic].rn_port[0] && ri->ri_switch.rc_down[0]) {
		if (remote_inv_expand(up ? ri->ri_switch.rc_up :
		    ri->ri_switch.rc_down, h->rh_nics[nic].rn_port, cmd,
		    sizeof(cmd)) < 0) {
			err_set(err, "switch command too long");
			goto out;
		}
		rc = cmds_run(lab, ri, &ri->ri_switch, cmd, up ?
		    "switch-port up" : "switch-port down", item, err);
	} else {
		snprintf(cmd, sizeof(cmd), "ip link set %s %s",
		    h->rh_nics[nic].rn_dev, up ? "up" : "down");
		rc = rlab_host_sh(lab, ri, host, cmd, up ? "host-side plug" :
		    "host-side unplug", err);
	}
	if (rc == 0)
		rc = lab_set_put(lab, "unplugged", item, !up, err);
out:
	free(ri);
	return rc;
}

static int
remote_storage_set(struct lab *lab, int up, char *err)
{
	struct rinv *ri;
	int rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	if (ri->ri_san.rc_down[0] == '\0')
		err_set(err, "the inventory gives no san down/up command");
	else
		rc = cmds_run(lab, ri, &ri->ri_san, up ? ri->ri_san.rc_up :
		    ri->ri_san.rc_down, up ? "san up" : "san down", "san", err);
	if (rc == 0)
		rc = lab_set_put(lab, "storage-down", "san", !up, err);
	free(ri);
	return rc;
}

/* ---- partitions: nftables on the cut hosts ---- */

/* The nft script cutting host h off from every other host's addresses. */
static int
partition_cmd(const struct topo *t, const struct topo_host *h, char *cmd,
    size_t len)
{
	char set[TOPO_MAX_HOSTS * 34] = "", a[16];
	size_t o = 0;
	int i;

	for (i = 0; i < t->t_nhosts; i++) {
		const struct topo_host *x = &t->t_hosts[i];

		if (x == h)
			continue;
		topo_addr_str(x->h_mgmt_addr, a, sizeof(a));
		o += (size_t)snprintf(set + o, sizeof(set) - o, "%s%s",
		    o ? ", " : "", a);
		if (x->h_storage_addr) {
			topo_addr_str(x->h_storage_addr, a, sizeof(a));
			o += (size_t)snprintf(set + o, sizeof(set) - o, ", %s",
			    a);
		}
	}
	if (o == 0)
		return -1;
	return snprintf(cmd, len, "nft -f - <<'EOF'\ntable inet " NFT_TABLE
	    " {\n chain in { type filter hook input priority -10; ip saddr "
	    "{ %s } drop; }\n chain out { type filter hook output priority "
	    "-10; ip daddr { %s } drop; }\n}\nEOF", set, set) >= (int)len ?
	    -1 : 0;
}

static int
remote_partition(struct lab *lab, char *const hosts[], int n, char *err)
{
	const struct topo_host *h;
	struct rinv *ri;
	char cmd[4096];
	int i, rc = 0;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if ((h = topo_host_find(&lab->l_topo, hosts[i])) == NULL) {
			rc = err_set(err, "no host %s", hosts[i]);
			break;
		}
		if (partition_cmd(&lab->l_topo, h, cmd, sizeof(cmd)) < 0) {
			rc = err_set(err, "%s: no other host to cut off from",
			    hosts[i]);
			break;
		}
		if ((rc = rlab_host_sh(lab, ri, hosts[i], cmd, "nft partition",
		    err)) == 0)
			rc = lab_set_put(lab, "partitioned", hosts[i], 1, err);
	}
	free(ri);
	return rc;
}

/* Remove the partition table of every host cut off (best effort: all
 * are tried, the first failure kept). */
static int
heal_all(struct lab *lab, const struct rinv *ri, char *err)
{
	const char *cmd = "! nft list table inet " NFT_TABLE " >/dev/null "
	    "2>&1 || nft delete table inet " NFT_TABLE;
	char e[ERR_LEN];
	int i, rc = 0;

	for (i = 0; i < lab->l_topo.t_nhosts; i++) {
		const char *name = lab->l_topo.t_hosts[i].h_name;

		if (!lab_set_has(lab, "partitioned", name))
			continue;
		if (rlab_host_sh(lab, ri, name, cmd, "nft heal", e) < 0) {
			if (rc == 0)
				rc = err_set(err, "%s", e);
			continue;
		}
		lab_set_put(lab, "partitioned", name, 0, e);
	}
	return rc;
}

static int
remote_heal(struct lab *lab, char *err)
{
	struct rinv *ri;
	int rc;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	rc = heal_all(lab, ri, err);
	free(ri);
	return rc;
}

/* ---- lab check, up, down, status ---- */

/* The SAN's portal "ADDR[:PORT]" from host h (the hosts are what
 * reach it; the station may sit on another VLAN): 1 when a TCP
 * connection opens. */
static int
portal_reach(const struct rinv *ri, const struct rinv_host *h, char *why,
    size_t len)
{
	char a[RINV_ADDR], cmd[256], *colon, e[ERR_LEN];
	const char *port = "3260";
	struct rrun r;
	int rc;

	snprintf(a, sizeof(a), "%s", ri->ri_san.rc_portal);
	if ((colon = strchr(a, ':')) != NULL) {
		*colon = '\0';
		port = colon + 1;
	}
	snprintf(cmd, sizeof(cmd), "timeout 5 bash -c 'exec 3<>/dev/tcp/%s/%s'",
	    a, port);
	rc = remote_ssh_run(ri, &h->rh_ssh, cmd, -1, 0, 30000, &r, e);
	if (rc != 0)
		snprintf(why, len, "%s", rc < 0 ? e : r.rr_out[0] ? r.rr_out :
		    "no TCP connection");
	why[strcspn(why, "\n")] = '\0';
	return rc == 0;
}

/* One line of lab check; 1 when it failed. */
static int
check_line(FILE *out, const char *what, const char *target, int ok,
    const char *detail)
{
	if (out != NULL)
		fprintf(out, "%-6s %-28s %s%s%s\n", ok ? "ok" : "FAILED", what,
		    target, detail[0] ? ": " : "", detail);
	return !ok;
}

/* A host: SSH, then its BMC's power status. */
static int
check_host(const struct rinv *ri, const struct rinv_host *h, FILE *out)
{
	char what[64], e[ERR_LEN] = "";
	struct rrun r;
	int rc, bad;

	snprintf(what, sizeof(what), "%s ssh %s@%s", h->rh_name,
	    h->rh_ssh.rs_user, h->rh_ssh.rs_addr);
	rc = remote_ssh_run(ri, &h->rh_ssh, "true", -1, 0, 30000, &r, e);
	bad = check_line(out, what, "", rc == 0, rc < 0 ? e : rc > 0 ?
	    r.rr_out : "");
	if (h->rh_bmc.rb_kind == RINV_BMC_NONE)
		return bad + check_line(out, h->rh_name, "bmc", 0,
		    "none in the inventory (no power faults)");
	snprintf(what, sizeof(what), "%s bmc %s", h->rh_name,
	    h->rh_bmc.rb_kind == RINV_BMC_IPMI ? "ipmi" : "redfish");
	rc = remote_fence(ri, &h->rh_bmc, "status", &r, e);
	r.rr_out[strcspn(r.rr_out, "\n")] = '\0';
	if (rc > 0 && rc != 2 && r.rr_out[0] == '\0')
		snprintf(r.rr_out, sizeof(r.rr_out), "exit %d", rc);
	return bad + check_line(out, what, h->rh_bmc.rb_addr, rc == 0 ||
	    rc == 2, rc < 0 ? e : r.rr_out);
}

int
remote_check(struct lab *lab, FILE *out, char *err)
{
	struct rinv *ri;
	struct rrun r;
	char e[ERR_LEN] = "";
	int i, bad = 0, rc;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	for (i = 0; i < ri->ri_nhosts; i++)
		bad += check_host(ri, &ri->ri_hosts[i], out);
	if (ri->ri_switch.rc_ssh.rs_addr[0]) {
		rc = remote_ssh_run(ri, &ri->ri_switch.rc_ssh, "true", -1, 0,
		    30000, &r, e);
		bad += check_line(out, "switch ssh", ri->ri_switch.rc_ssh.rs_addr,
		    rc == 0, rc < 0 ? e : rc > 0 ? r.rr_out : "");
	}
	for (i = 0; ri->ri_san.rc_portal[0] && i < ri->ri_nhosts; i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s san portal",
		    ri->ri_hosts[i].rh_name);
		rc = portal_reach(ri, &ri->ri_hosts[i], e, sizeof(e));
		bad += check_line(out, what, ri->ri_san.rc_portal, rc,
		    rc ? "" : e);
	}
	if (ri->ri_san.rc_ssh.rs_addr[0]) {
		rc = remote_ssh_run(ri, &ri->ri_san.rc_ssh, "true", -1, 0,
		    30000, &r, e);
		bad += check_line(out, "san ssh", ri->ri_san.rc_ssh.rs_addr,
		    rc == 0, rc < 0 ? e : rc > 0 ? r.rr_out : "");
	}
	free(ri);
	return bad;
}

/* The state directory: the topology's copy and the provider's name. */
static int
up_state(struct lab *lab, char *err)
{
	char copy[LAB_PATH_MAX + 32];
	const char *cp[] = { "cp", lab->l_topo.t_file, copy, NULL };

	snprintf(copy, sizeof(copy), "%s/topology.yaml", lab->l_state);
	if (proc_run(cp, NULL, 30000, NULL, err) < 0)
		return -1;
	snprintf(copy, sizeof(copy), "%s/provider", lab->l_state);
	return lab_write_file(copy, "remote\n", 0, err);
}

static int
remote_up(struct lab *lab, char *err)
{
	const char *rm[] = { "rm", "-rf", lab->l_state, NULL };
	struct rinv *ri;
	char e[ERR_LEN];
	int bad;

	/* the inventory loads before anything is made */
	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	free(ri);
	if (mkdir(lab_state_root(), 0755) < 0 && access(lab_state_root(),
	    F_OK) < 0)
		return err_errno(err, "%s", lab_state_root());
	if (mkdir(lab->l_state, 0755) < 0)
		return err_errno(err, "%s", lab->l_state);
	lab_progress(lab, "reach every host, BMC, switch and SAN");
	if (up_state(lab, err) < 0)
		goto fail;
	bad = remote_check(lab, lab->l_progress ? stdout : NULL, err);
	if (bad != 0) {
		if (bad > 0)
			err_set(err, "%d of the lab's parts do not answer "
			    "(hvlab lab check -f %s)", bad, lab->l_topo.t_file);
		goto fail;
	}
	rlab_log(lab, "up", lab->l_topo.t_name, "every part answers", NULL);
	return 0;
fail:
	if (proc_run(rm, NULL, 30000, NULL, e) < 0)
		log_warnx("%s", e);
	return -1;
}

/* Plug back every cable the lab pulled (best effort, first failure kept). */
static int
plug_all(struct lab *lab, char *err)
{
	char item[64], e[ERR_LEN];
	int i, n, rc = 0;

	for (i = 0; i < lab->l_topo.t_nhosts; i++)
		for (n = 0; n < lab->l_topo.t_hosts[i].h_nics; n++) {
			snprintf(item, sizeof(item), "%s eth%d",
			    lab->l_topo.t_hosts[i].h_name, n);
			if (lab_set_has(lab, "unplugged", item) &&
			    remote_nic_set(lab, lab->l_topo.t_hosts[i].h_name,
			    n, 1, e) < 0 && rc == 0)
				rc = err_set(err, "%s", e);
		}
	if (lab_set_has(lab, "storage-down", "san") &&
	    remote_storage_set(lab, 1, e) < 0 && rc == 0)
		rc = err_set(err, "%s", e);
	return rc;
}

/* Undo what the lab changed on the servers, then forget it.  A part
 * that does not answer is said, and the state is removed anyway: the
 * servers are not ours to keep waiting for. */
static int
remote_down(const char *name, char *err)
{
	struct lab *lab = calloc(1, sizeof(*lab));
	struct rinv *ri = NULL;
	char e[ERR_LEN], dir[LAB_PATH_MAX];
	const char *rm[] = { "rm", "-rf", dir, NULL };
	int rc = 0;

	lab_state_dir(name, dir, sizeof(dir));
	if (lab == NULL)
		return err_set(err, "out of memory");
	if (lab_open(NULL, name, 1, lab, e) == 0 &&
	    rlab_inv(lab, &ri, e) == 0) {
		if (heal_all(lab, ri, e) < 0)
			rc = err_set(err, "heal: %s", e);
		if (plug_all(lab, e) < 0 && rc == 0)
			rc = err_set(err, "plug: %s", e);
		rlab_log(lab, "down", name, rc ? err : "undone", NULL);
	}
	if (rc < 0)
		log_warnx("lab %s: %s", name, err);
	free(ri);
	free(lab);
	if (proc_run(rm, NULL, 30000, NULL, e) < 0)
		return err_set(err, "%s", e);
	return rc;
}

int
remote_bond_parse(const char *out, const struct rinv_host *h, int *active,
    int oper[TOPO_MAX_NICS])
{
	const char *l, *v;
	char dev[RINV_WORD];
	int k;

	*active = -1;
	for (k = 0; k < h->rh_nnics; k++)
		oper[k] = -1;
	for (l = out; l != NULL && *l != '\0'; l = strchr(l, '\n') ?
	    strchr(l, '\n') + 1 : NULL) {
		size_t n = strcspn(l, "\n");

		dev[0] = '\0';
		if (strncmp(l, "nic ", 4) == 0) {
			v = l + 4;
			n = strcspn(v, " \n");
			for (k = 0; k < h->rh_nnics; k++)
				if (strlen(h->rh_nics[k].rn_dev) == n &&
				    strncmp(v, h->rh_nics[k].rn_dev, n) == 0)
					oper[k] = strncmp(v + n, " up", 3) == 0 &&
					    (v[n + 3] == '\n' || v[n + 3] == '\0');
			continue;
		}
		/* OVS: "active member mac: 52:..(eth1)" ("slave" before
		 * 2.15); Linux bonding: "Currently Active Slave: eno1" */
		if ((strncmp(l, "active member mac: ", 19) == 0 ||
		    strncmp(l, "active slave mac: ", 18) == 0) &&
		    (v = memchr(l, '(', n)) != NULL)
			snprintf(dev, sizeof(dev), "%.*s", (int)strcspn(v + 1,
			    ")\n"), v + 1);
		else if (strncmp(l, "Currently Active Slave: ", 24) == 0)
			snprintf(dev, sizeof(dev), "%.*s", (int)strcspn(l + 24,
			    " \n"), l + 24);
		for (k = 0; dev[0] && k < h->rh_nnics; k++)
			if (strcmp(dev, h->rh_nics[k].rn_dev) == 0)
				*active = k;
	}
	return *active >= 0 || h->rh_nnics == 0 ? 0 : -1;
}

/* The host's own view of its NICs and bond into o (a host of status):
 * "active_nic" and each NIC's "host_oper_up", with "seen_by": "host" --
 * not the switch's view, which a remote lab has no command for. */
static void
status_host_view(const struct rinv *ri, const struct rinv_host *h,
    cJSON *o)
{
	char cmd[RINV_CMD + 8 * RINV_WORD], e[ERR_LEN], name[16];
	const struct rinv_host *ih = h;
	struct rrun r;
	int oper[TOPO_MAX_NICS], active, k, off;
	cJSON *nics = cJSON_GetObjectItemCaseSensitive(o, "nics");

	off = snprintf(cmd, sizeof(cmd), "for d in");
	for (k = 0; k < ih->rh_nnics; k++)
		off += snprintf(cmd + off, sizeof(cmd) - (size_t)off, " %s",
		    ih->rh_nics[k].rn_dev);
	snprintf(cmd + off, sizeof(cmd) - (size_t)off, "; do echo \"nic $d "
	    "$(cat /sys/class/net/$d/operstate)\"; done; { ovs-appctl "
	    "--timeout=5 bond/show; cat /proc/net/bonding/*; } | grep -E "
	    "'^(active (member|slave) mac|Currently Active Slave): '; true");
	if (remote_ssh_run(ri, &ih->rh_ssh, cmd, -1, 0, 20000, &r, e) != 0)
		return;
	cJSON_AddStringToObject(o, "seen_by", "host");
	if (remote_bond_parse(r.rr_out, ih, &active, oper) == 0 &&
	    active >= 0) {
		snprintf(name, sizeof(name), "eth%d", active);
		cJSON_AddStringToObject(o, "active_nic", name);
	}
	for (k = 0; k < ih->rh_nnics && k < cJSON_GetArraySize(nics); k++)
		if (oper[k] >= 0)
			cJSON_AddBoolToObject(cJSON_GetArrayItem(nics, k),
			    "host_oper_up", oper[k]);
}

/* lab status: the inventory's view, each host's power asked of its
 * BMC, the cables and hosts the lab cut, the powered hosts' own view of
 * their bonds (status_host_view). */
static int
remote_status(struct lab *lab, cJSON **out, char *err)
{
	const struct topo *t = &lab->l_topo;
	cJSON *root = cJSON_CreateObject(), *hs, *h, *nics, *n;
	const struct rinv_host *ih;
	char a[16], item[64], e[ERR_LEN];
	struct rinv *ri = NULL;
	int i, k, p;

	if (root == NULL)
		return err_set(err, "out of memory");
	if (rlab_inv(lab, &ri, e) < 0)
		ri = NULL;
	cJSON_AddStringToObject(root, "lab", t->t_name);
	cJSON_AddStringToObject(root, "provider", "remote");
	topo_addr_str(t->t_base, a, sizeof(a));
	cJSON_AddStringToObject(root, "subnet", a);
	cJSON_AddStringToObject(root, "state_dir", lab->l_state);
	hs = cJSON_AddArrayToObject(root, "hosts");
	for (i = 0; i < t->t_nhosts; i++) {
		h = cJSON_CreateObject();
		cJSON_AddItemToArray(hs, h);
		cJSON_AddStringToObject(h, "name", t->t_hosts[i].h_name);
		p = remote_power_state(lab, t->t_hosts[i].h_name, e);
		cJSON_AddStringToObject(h, "power", p < 0 ? "unknown" : p ?
		    "on" : "off");
		topo_addr_str(t->t_hosts[i].h_mgmt_addr, a, sizeof(a));
		cJSON_AddStringToObject(h, "mgmt_addr", a);
		nics = cJSON_AddArrayToObject(h, "nics");
		for (k = 0; k < t->t_hosts[i].h_nics; k++) {
			snprintf(item, sizeof(item), "%s eth%d",
			    t->t_hosts[i].h_name, k);
			n = cJSON_CreateObject();
			cJSON_AddItemToArray(nics, n);
			cJSON_AddStringToObject(n, "name", item +
			    strlen(t->t_hosts[i].h_name) + 1);
			cJSON_AddBoolToObject(n, "plugged",
			    !lab_set_has(lab, "unplugged", item));
		}
		cJSON_AddBoolToObject(h, "partitioned", lab_set_has(lab,
		    "partitioned", t->t_hosts[i].h_name));
		if (p == 1 && ri != NULL && t->t_hosts[i].h_nics > 1 &&
		    (ih = remote_inv_host(ri, t->t_hosts[i].h_name)) != NULL)
			status_host_view(ri, ih, h);
	}
	free(ri);
	*out = root;
	return 0;
}

int
remote_station(const struct topo *t, char *netns, char *embedded,
    char *err)
{
	struct rinv *ri = calloc(1, sizeof(*ri));

	if (ri == NULL)
		return err_set(err, "out of memory");
	if (remote_inv_load(t->t_file, t, ri, NULL, err) < 0) {
		free(ri);
		return -1;
	}
	snprintf(netns, RINV_WORD, "%s", ri->ri_station_netns);
	snprintf(embedded, RINV_WORD, "%s", ri->ri_embedded);
	free(ri);
	return 0;
}

const struct lab_provider lab_provider_remote = {
	.lp_name = "remote",
	.lp_up = remote_up,
	.lp_down = remote_down,
	.lp_status = remote_status,
	.lp_power_pull = remote_power_pull,
	.lp_power_on = remote_power_on,
	.lp_power_stop = remote_power_stop,
	.lp_power_state = remote_power_state,
	.lp_nic_set = remote_nic_set,
	.lp_storage_set = remote_storage_set,
	.lp_partition = remote_partition,
	.lp_heal = remote_heal,
	.lp_exec = rlab_exec,
	.lp_host_dirs = rlab_host_dirs,
	.lp_put = rlab_put,
	.lp_service = rlab_service,
};
