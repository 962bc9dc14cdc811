/*
 * ovs.c - Open vSwitch of the lab's nodes: writes the service lines and
 * boot scripts that make the node's init (lab/hostinit.c) run its own
 * ovsdb-server and ovs-vswitchd (userspace datapath) and configure the
 * switch (VLAN trunks/access ports, LACP bonds toward hosts) or a host's
 * bridge (bond of its NICs, management and storage internal ports with
 * fixed MACs and their addresses).
 *
 * Each node has its own mount namespace with a tmpfs /run and its disk
 * bind-mounted over /etc/openvswitch, so OVS runs with its normal paths
 * and `ovs-vsctl` works unchanged inside `hvlab lab exec NODE`.  The
 * bridge configuration is written to the node's database on first boot
 * only (the platform may change it later; it survives power cycles); the
 * addresses are set at every boot.  `hvlab lab switch` changes a host's
 * switch ports afterwards (rate cap, bond rebalancing).
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lab/lab.h"
#include "lab/ovs.h"

/* Services that start OVS; the first line makes the db on first boot. */
static void
ovs_services(FILE *f, const char *dir)
{
	fprintf(f,
	    "# written by hvlab lab up: the node's own Open vSwitch\n"
	    "run /bin/sh %s/ovs-pre.sh\n"
	    "daemon ovsdb-server /etc/openvswitch/conf.db "
	    "--remote=punix:/run/openvswitch/db.sock "
	    "--pidfile=/run/openvswitch/ovsdb-server.pid "
	    "--unixctl=/run/openvswitch/ovsdb-server.ctl "
	    "-vconsole:off -vfile:info "
	    "--log-file=/var/log/openvswitch/ovsdb-server.log\n"
	    "daemon ovs-vswitchd unix:/run/openvswitch/db.sock "
	    "--pidfile=/run/openvswitch/ovs-vswitchd.pid "
	    "-vconsole:off -vfile:info "
	    "--log-file=/var/log/openvswitch/ovs-vswitchd.log\n"
	    "run /bin/sh %s/net.sh\n", dir, dir);
}

static int
write_pre(const char *dir, char *err)
{
	char path[LAB_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/ovs-pre.sh", dir);
	return lab_write_file(path,
	    "# written by hvlab lab up: OVS directories and database\n"
	    "set -e\n"
	    "mkdir -p /run/openvswitch /var/log/openvswitch\n"
	    "[ -f /etc/openvswitch/conf.db ] || ovsdb-tool create "
	    "/etc/openvswitch/conf.db "
	    "/usr/share/openvswitch/vswitch.ovsschema\n", 0, err);
}

static int
close_write(FILE *f, char **buf, const char *path, char *err)
{
	int rc;

	if (fclose(f) != 0 || *buf == NULL)
		return err_set(err, "%s: out of memory", path);
	rc = lab_write_file(path, *buf, 0, err);
	free(*buf);
	*buf = NULL;
	return rc;
}

static void
trunks(FILE *f, const struct topo_host *h)
{
	int i;

	if (h->h_mode == TOPO_PORT_ACCESS) {
		fprintf(f, " tag=%d", h->h_trunks[0]);
		return;
	}
	fprintf(f, " trunks=");
	for (i = 0; i < h->h_ntrunks; i++)
		fprintf(f, "%s%d", i ? "," : "", h->h_trunks[i]);
}

/* A MAC derived from an address: 02:00:a:b:c:d, locally administered. */
static void
mac_of(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "02:00:%02x:%02x:%02x:%02x", addr >> 24,
	    (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
}

/* Wait (bounded) for a device made by ovs-vswitchd. */
static void
wait_dev(FILE *f, const char *dev)
{
	fprintf(f, "i=0; while ! ip link show %s >/dev/null 2>&1; do "
	    "i=$((i+1)); [ $i -lt 400 ] || { echo 'no %s' >&2; exit 1; }; "
	    "sleep 0.05; done\n", dev, dev);
}

/*
 * Link rate cap: an OVS QoS (linux-htb, max-rate) on the port.  OVS owns
 * the root qdisc of its ports and would delete a tc qdisc made outside;
 * with its own QoS the cap is kept in the node's database, applies to
 * every member of a bond and survives power cycles.
 */
static void
qos_id(FILE *f, const struct topo_host *h, int nic)
{
	const char *c;

	fprintf(f, "@qos_");
	for (c = h->h_name; *c; c++)
		fputc(*c == '-' ? '_' : *c, f);
	if (nic >= 0)
		fprintf(f, "_%d", nic);
}

/* " qos=@id" and the command making the QoS row; nic -1 for a bond. */
static void
qos_ref(FILE *f, const struct topo_host *h, int nic)
{
	if (h->h_rate_kbit == 0)
		return;
	fprintf(f, " qos=");
	qos_id(f, h, nic);
}

static void
qos_def(FILE *f, const struct topo_host *h, int nic, const char *sep)
{
	if (h->h_rate_kbit == 0)
		return;
	fprintf(f, "%s-- --id=", sep);
	qos_id(f, h, nic);
	fprintf(f, " create qos type=linux-htb other-config:max-rate=%llu",
	    (unsigned long long)h->h_rate_kbit * 1000ULL);
}

void
ovs_switch_port(FILE *f, const struct topo_host *h, const char *bridge,
    const char *sep)
{
	int j;

	if (h->h_nics > 1 && h->h_lacp) {
		/* LACP: one bond per host, hashing on L4 like a switch's
		 * port-channel.  lb-output-action: the datapath picks the
		 * member from its own bucket table, which ovs-vswitchd's main
		 * thread updates as soon as a member goes down; without it
		 * the datapath flows keep sending to the dead member until a
		 * revalidator thread rewrites them (docs/bonding.md). */
		fprintf(f, "%s-- --may-exist add-bond %s %s", sep, bridge,
		    h->h_name);
		for (j = 0; j < h->h_nics; j++)
			fprintf(f, " %s-eth%d", h->h_name, j);
		fprintf(f, " bond_mode=balance-tcp lacp=active "
		    "other_config:lacp-time=fast "
		    "other_config:lb-output-action=true");
		trunks(f, h);
		qos_ref(f, h, -1);
		qos_def(f, h, -1, sep);
		return;
	}
	for (j = 0; j < h->h_nics; j++) {
		fprintf(f, "%s-- --may-exist add-port %s %s-eth%d", sep, bridge,
		    h->h_name, j);
		trunks(f, h);
		qos_ref(f, h, j);
		qos_def(f, h, j, sep);
	}
}

void
ovs_switch_port_del(FILE *f, const struct topo_host *h, const char *bridge)
{
	int j;

	if (h->h_nics > 1 && h->h_lacp) {
		fprintf(f, " -- --if-exists del-port %s %s", bridge, h->h_name);
		return;
	}
	for (j = 0; j < h->h_nics; j++)
		fprintf(f, " -- --if-exists del-port %s %s-eth%d", bridge,
		    h->h_name, j);
}

int
ovs_switch_port_check(const struct topo_host *h,
    const struct lab_port_set *s, char *err)
{
	int r = s->ps_rate_mbit, b = s->ps_rebalance_ms;

	if (r != LAB_PORT_LEAVE && (r < 0 || r > LAB_PORT_RATE_MAX))
		return err_set(err, "host %s: a rate of %d Mbit/s is out of "
		    "range: 1..%d, or 0 to remove the cap", h->h_name, r,
		    LAB_PORT_RATE_MAX);
	if (b != LAB_PORT_LEAVE && b != LAB_PORT_DEFAULT &&
	    (b < 0 || (b > 0 && b < LAB_PORT_REBALANCE_MIN)))
		return err_set(err, "host %s: a rebalance interval of %d ms is "
		    "out of range: %d..%d, or 0 for never (the switch "
		    "rebalances at most once a second)", h->h_name, b,
		    LAB_PORT_REBALANCE_MIN, INT_MAX);
	if (b != LAB_PORT_LEAVE && !(h->h_nics > 1 && h->h_lacp))
		return err_set(err, "host %s: its switch ports are not a bond "
		    "(%s), so they have no rebalance interval", h->h_name,
		    h->h_nics > 1 ? "lacp: off" : "one NIC");
	return 0;
}

int
ovs_switch_port_names(const struct topo_host *h,
    char names[][OVS_PORT_NAME_MAX])
{
	int j;

	if (h->h_nics > 1 && h->h_lacp) {
		snprintf(names[0], OVS_PORT_NAME_MAX, "%s", h->h_name);
		return 1;
	}
	for (j = 0; j < h->h_nics && j < TOPO_MAX_NICS; j++)
		snprintf(names[j], OVS_PORT_NAME_MAX, "%s-eth%d", h->h_name, j);
	return j;
}

void
ovs_switch_port_set(FILE *f, const struct topo_host *h,
    const struct lab_port_set *s, char old[][OVS_UUID_LEN + 1])
{
	char names[TOPO_MAX_NICS][OVS_PORT_NAME_MAX];
	int i, n = ovs_switch_port_names(h, names);

	for (i = 0; i < n; i++) {
		if (s->ps_rate_mbit > 0)
			fprintf(f, " -- set port %s qos=@q%d -- --id=@q%d "
			    "create qos type=linux-htb "
			    "other-config:max-rate=%llu", names[i], i, i,
			    (unsigned long long)s->ps_rate_mbit * 1000000ULL);
		else if (s->ps_rate_mbit == 0)
			fprintf(f, " -- clear port %s qos", names[i]);
		if (s->ps_rate_mbit != LAB_PORT_LEAVE && old[i][0] != '\0')
			fprintf(f, " -- --if-exists destroy qos %s", old[i]);
		if (s->ps_rebalance_ms >= 0)
			fprintf(f, " -- set port %s "
			    "other_config:bond-rebalance-interval=%d",
			    names[i], s->ps_rebalance_ms);
		else if (s->ps_rebalance_ms == LAB_PORT_DEFAULT)
			fprintf(f, " -- remove port %s other_config "
			    "bond-rebalance-interval", names[i]);
	}
}

int
ovs_qos_parse(const char *out, size_t len, char uuid[OVS_UUID_LEN + 1],
    char *err)
{
	size_t i;

	while (len > 0 && isspace((unsigned char)out[len - 1]))
		len--;
	uuid[0] = '\0';
	if (len == 2 && memcmp(out, "[]", 2) == 0)
		return 0;
	if (len != OVS_UUID_LEN)
		goto bad;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (out[i] != '-')
				goto bad;
		} else if (!isxdigit((unsigned char)out[i])) {
			goto bad;
		}
	}
	memcpy(uuid, out, OVS_UUID_LEN);
	uuid[OVS_UUID_LEN] = '\0';
	return 0;
bad:
	return err_set(err, "ovs-vsctl answered '%.*s' for a port's QoS, "
	    "neither a UUID nor []", (int)(len > 40 ? 40 : len), out);
}

int
ovs_write_switch(const struct lab *lab, const char *dir, char *err)
{
	const struct topo *t = &lab->l_topo;
	char path[LAB_PATH_MAX + 32], *buf = NULL;
	size_t len;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/services", dir);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	ovs_services(f, dir);
	if (close_write(f, &buf, path, err) < 0 || write_pre(dir, err) < 0)
		return -1;

	snprintf(path, sizeof(path), "%s/net.sh", dir);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	fprintf(f, "# written by hvlab lab up: the lab switch\nset -e\n"
	    "if [ ! -f /etc/openvswitch/hvlab-configured ]; then\n"
	    "ovs-vsctl --retry --timeout=60 -- --may-exist add-br sw "
	    "-- set bridge sw datapath_type=netdev");
	for (i = 0; i < t->t_nhosts; i++)
		ovs_switch_port(f, &t->t_hosts[i], "sw", " \\\n  ");
	if (t->t_san.s_present)
		fprintf(f, " \\\n  -- --may-exist add-port sw san tag=%d",
		    t->t_san.s_vlan);
	if (t->t_san.s_present && t->t_san.s_witness &&
	    t->t_san.s_mgmt_addr != t->t_san.s_addr)	/* witness cable */
		fprintf(f, " \\\n  -- --may-exist add-port sw san-mgmt tag=%d",
		    t->t_san.s_mgmt_vlan);
	if (t->t_station.st_present)
		fprintf(f, " \\\n  -- --may-exist add-port sw st tag=%d",
		    t->t_station.st_vlan);
	if (t->t_bmc.b_present)		/* the hosts' BMCs (lab/bmcd.c) */
		fprintf(f, " \\\n  -- --may-exist add-port sw bmc tag=%d",
		    t->t_bmc.b_vlan);
	fprintf(f, "\ntouch /etc/openvswitch/hvlab-configured\nfi\n");
	return close_write(f, &buf, path, err);
}

int
ovs_write_host(const struct lab *lab, const struct topo_host *h,
    const char *dir, char *err)
{
	char path[LAB_PATH_MAX + 32], *buf = NULL, a[16], mac[24];
	size_t len;
	FILE *f;
	int j;

	snprintf(path, sizeof(path), "%s/services", dir);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	ovs_services(f, dir);
	if (close_write(f, &buf, path, err) < 0 || write_pre(dir, err) < 0)
		return -1;

	snprintf(path, sizeof(path), "%s/net.sh", dir);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	fprintf(f, "# written by hvlab lab up: networking of host %s\n"
	    "set -e\n"
	    "# the host's kernel must not answer ARP for the bridge's "
	    "addresses through its uplinks\n"
	    "echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore\n"
	    "echo 2 >/proc/sys/net/ipv4/conf/all/arp_announce\n"
	    "echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6\n"
	    "echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6\n"
	    "if [ ! -f /etc/openvswitch/hvlab-configured ]; then\n"
	    "ovs-vsctl --retry --timeout=60 -- --may-exist add-br br0 "
	    "-- set bridge br0 datapath_type=netdev", h->h_name);
	if (h->h_nics > 1) {
		fprintf(f, " \\\n  -- --may-exist add-bond br0 bond0");
		for (j = 0; j < h->h_nics; j++)
			fprintf(f, " eth%d", j);
		/* lb-output-action: as on the switch (balance-tcp only;
		 * the other modes ignore it). */
		fprintf(f, " bond_mode=%s other_config:lb-output-action=true",
		    topo_bond_name(h->h_bond));
		if (h->h_lacp)
			fprintf(f, " lacp=active other_config:lacp-time=fast");
	} else {
		fprintf(f, " \\\n  -- --may-exist add-port br0 eth0");
	}
	qos_ref(f, h, -1);
	qos_def(f, h, -1, " \\\n  ");
	mac_of(h->h_mgmt_addr, mac, sizeof(mac));
	fprintf(f, " \\\n  -- --may-exist add-port br0 mgmt");
	if (h->h_mode == TOPO_PORT_TRUNK)
		fprintf(f, " tag=%d", h->h_mgmt_vlan);
	fprintf(f, " -- set interface mgmt type=internal mac='\"%s\"'", mac);
	if (h->h_storage_addr) {
		mac_of(h->h_storage_addr, mac, sizeof(mac));
		fprintf(f, " \\\n  -- --may-exist add-port br0 storage tag=%d "
		    "-- set interface storage type=internal mac='\"%s\"'",
		    h->h_storage_vlan, mac);
	}
	fprintf(f, "\ntouch /etc/openvswitch/hvlab-configured\nfi\n");
	for (j = 0; j < h->h_nics; j++)
		fprintf(f, "ip link set eth%d up\n", j);
	wait_dev(f, "mgmt");
	topo_addr_str(h->h_mgmt_addr, a, sizeof(a));
	fprintf(f, "ip addr replace %s/24 dev mgmt\nip link set mgmt up\n", a);
	if (h->h_storage_addr) {
		wait_dev(f, "storage");
		topo_addr_str(h->h_storage_addr, a, sizeof(a));
		fprintf(f, "ip addr replace %s/24 dev storage\n"
		    "ip link set storage up\n", a);
	}
	return close_write(f, &buf, path, err);
}
