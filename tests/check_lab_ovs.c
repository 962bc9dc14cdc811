/*
 * check_lab_ovs.c - unit tests of lab/ovs.c and lab/san.c: the boot files
 * a lab writes for its switch, hosts and SAN say what the topology says
 * (LACP bonds toward bonded hosts, trunks and access tags, QoS rate caps,
 * fixed MACs, addresses, targets and sparse LUN files), and `lab switch`
 * sends the words its settings mean and refuses values out of range.  The
 * files and words run for real in the integration tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <check.h>

#include "err.h"
#include "lab/ovs.h"
#include "lab/san.h"

static struct lab *lab;
static char dir[64];

static void
load(const char *file)
{
	char err[ERR_LEN];

	lab = calloc(1, sizeof(*lab));
	ck_assert_msg(topo_load(file, NULL, &lab->l_topo, NULL, err) == 0,
	    "%s loads: %s", file, err);
	snprintf(dir, sizeof(dir), "/tmp/check_lab_ovs.XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "a node dir is made");
}

static char *
slurp(const char *name)
{
	char p[128];
	static char buf[16384];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "%s was written", name);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(lab);
}

START_TEST(test_switch_and_host)
{
	char err[ERR_LEN], *s;

	load("config/pass-lab-default.yaml");
	ck_assert_int_eq(ovs_write_switch(lab, dir, err), 0);
	s = slurp("net.sh");
	ck_assert_msg(strstr(s, "add-bond sw host2 host2-eth0 host2-eth1 "
	    "bond_mode=balance-tcp lacp=active other_config:lacp-time=fast "
	    "other_config:lb-output-action=true trunks=10,20,30") != NULL,
	    "a bonded host gets an LACP bond trunking every VLAN, members "
	    "picked by the datapath (lb-output-action)");
	ck_assert_msg(strstr(s, "add-port sw host3-eth0 trunks=10,20,30"),
	    "a one-NIC host gets a plain trunk port");
	ck_assert_msg(strstr(s, "add-port sw san tag=20") &&
	    strstr(s, "add-port sw st tag=10"),
	    "SAN and station are access ports on storage and management");
	ck_assert_msg(strstr(s, "datapath_type=netdev") != NULL,
	    "the switch uses the userspace datapath");
	s = slurp("services");
	ck_assert_msg(strstr(s, "daemon ovsdb-server") &&
	    strstr(s, "daemon ovs-vswitchd"), "the init starts OVS");

	ck_assert_int_eq(ovs_write_host(lab, topo_host_find(&lab->l_topo,
	    "host1"), dir, err), 0);
	s = slurp("net.sh");
	ck_assert_msg(strstr(s, "add-bond br0 bond0 eth0 eth1 "
	    "bond_mode=active-backup other_config:lb-output-action=true "
	    "lacp=active") != NULL,
	    "host1 bonds its NICs active-backup with LACP");
	ck_assert_msg(strstr(s, "add-port br0 mgmt tag=10 -- set interface "
	    "mgmt type=internal mac='\"02:00:") != NULL,
	    "the management port is tagged and has a fixed MAC");
	ck_assert_msg(strstr(s, "add-port br0 storage tag=20") != NULL,
	    "a trunked host has a storage port");
	ck_assert_msg(strstr(s, "arp_ignore") != NULL,
	    "the host does not answer ARP through its uplinks");
	ck_assert_msg(strstr(s, "/24 dev mgmt") != NULL,
	    "the management address is set at boot");
	cleanup();
}
END_TEST

START_TEST(test_access_and_rate)
{
	char err[ERR_LEN], *s;

	load("config/pass-lab-access.yaml");
	ck_assert_int_eq(ovs_write_switch(lab, dir, err), 0);
	s = slurp("net.sh");
	ck_assert_msg(strstr(s, "add-port sw h2-eth0 tag=30 qos=@qos_h2_0")
	    != NULL, "an access port carries its tag and its rate cap");
	ck_assert_msg(strstr(s, "create qos type=linux-htb "
	    "other-config:max-rate=100000000") != NULL,
	    "100mbit is an HTB max-rate of 100000000 bit/s");
	ck_assert_msg(strstr(s, "add-port sw h1-eth1 trunks=10 "
	    "qos=@qos_h1_1") != NULL,
	    "lacp: off gives plain ports, one QoS each");
	ck_assert_int_eq(ovs_write_host(lab, topo_host_find(&lab->l_topo,
	    "h2"), dir, err), 0);
	s = slurp("net.sh");
	ck_assert_msg(strstr(s, "add-port br0 mgmt -- set") != NULL,
	    "on an access port the management port is untagged");
	ck_assert_msg(strstr(s, "storage") == NULL,
	    "an access host has no storage port");
	cleanup();
}
END_TEST

START_TEST(test_san)
{
	char err[ERR_LEN], p[128], *s;
	struct stat st;

	load("config/pass-lab-default.yaml");
	ck_assert_int_eq(san_write(lab, dir, err), 0);
	s = slurp("targets.sh");
	ck_assert_msg(strstr(s, "--targetname iqn.2026-01.lab.hvlab.hvlab:san")
	    != NULL, "the target has the topology's IQN");
	ck_assert_msg(strstr(s, "--lun 2 --backing-store") != NULL,
	    "one LUN per luns entry");
	ck_assert_msg(strstr(s, "--initiator-address ALL") != NULL,
	    "every host may log in");
	san_lun_path(dir, 2, p, sizeof(p));
	ck_assert_msg(stat(p, &st) == 0 && st.st_size == 512 << 20,
	    "LUN 2 is a 512 MiB file");
	ck_assert_msg(st.st_blocks == 0, "LUN files are sparse");
	cleanup();
}
END_TEST

/* The words `lab switch` sends for s to host's switch ports. */
static const char *
port_set(const char *host, int rate, int rebalance,
    char old[][OVS_UUID_LEN + 1])
{
	static char buf[2048];
	struct lab_port_set ps = { rate, rebalance };
	const struct topo_host *h = topo_host_find(&lab->l_topo, host);
	char err[ERR_LEN];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ck_assert_msg(h != NULL && f != NULL, "host %s is in the lab", host);
	ck_assert_msg(ovs_switch_port_check(h, &ps, err) == 0,
	    "%d Mbit/s, %d ms fit %s: %s", rate, rebalance, host, err);
	ovs_switch_port_set(f, h, &ps, old);
	fclose(f);
	return buf;
}

START_TEST(test_switch_port_set)
{
	char old[TOPO_MAX_NICS][OVS_UUID_LEN + 1] = { "" };
	const char *s;

	load("config/pass-lab-default.yaml");
	s = port_set("host2", 8, LAB_PORT_LEAVE, old);
	ck_assert_msg(strcmp(s, " -- set port host2 qos=@q0 -- --id=@q0 "
	    "create qos type=linux-htb other-config:max-rate=8000000") == 0,
	    "a cap on a LACP host is one HTB QoS on its bond port: %s", s);
	snprintf(old[0], sizeof(old[0]),
	    "0b2c4f5e-6a7b-4c8d-9e0f-a1b2c3d4e5f6");
	s = port_set("host2", 0, 1000, old);
	ck_assert_msg(strcmp(s, " -- clear port host2 qos -- --if-exists "
	    "destroy qos 0b2c4f5e-6a7b-4c8d-9e0f-a1b2c3d4e5f6 -- set port "
	    "host2 other_config:bond-rebalance-interval=1000") == 0,
	    "removing a cap clears and destroys the port's QoS row (root "
	    "rows stay otherwise); the interval goes to other_config: %s", s);
	s = port_set("host2", LAB_PORT_LEAVE, LAB_PORT_DEFAULT, old);
	ck_assert_msg(strcmp(s, " -- remove port host2 other_config "
	    "bond-rebalance-interval") == 0,
	    "'default' removes the interval and leaves the cap alone: %s", s);
	s = port_set("host3", 100, LAB_PORT_LEAVE, old);
	ck_assert_msg(strstr(s, "destroy qos 0b2c4f5e") != NULL &&
	    strstr(s, "set port host3-eth0 qos=@q0") != NULL,
	    "a one-NIC host's cap replaces its port's old QoS row: %s", s);
	cleanup();

	load("config/pass-lab-access.yaml");
	old[0][0] = '\0';
	s = port_set("h1", 16, LAB_PORT_LEAVE, old);
	ck_assert_msg(strstr(s, "set port h1-eth0 qos=@q0") != NULL &&
	    strstr(s, "set port h1-eth1 qos=@q1 -- --id=@q1 create qos "
	    "type=linux-htb other-config:max-rate=16000000") != NULL &&
	    strstr(s, "destroy") == NULL,
	    "lacp: off caps each plain port with a QoS of its own: %s", s);
	cleanup();
}
END_TEST

/* Values `lab switch` refuses, and the words the refusal must contain. */
#define DEFAULT_LAB "config/pass-lab-default.yaml"
static const struct {
	const char *file, *host;
	int rate, rebalance;
	const char *msg;
} port_bad[] = {
	{ DEFAULT_LAB, "host2", -5, LAB_PORT_LEAVE,
	    "host host2: a rate of -5 Mbit/s is out of range" },
	{ DEFAULT_LAB, "host2", LAB_PORT_RATE_MAX + 1, LAB_PORT_LEAVE,
	    "a rate of 10001 Mbit/s is out of range: 1..10000, or 0" },
	{ DEFAULT_LAB, "host2", LAB_PORT_LEAVE, 500,
	    "rebalance interval of 500 ms is out of range: 1000.." },
	{ DEFAULT_LAB, "host2", LAB_PORT_LEAVE, -7,
	    "rebalance interval of -7 ms" },
	{ DEFAULT_LAB, "host3", LAB_PORT_LEAVE, 1000,
	    "host host3: its switch ports are not a bond (one NIC)" },
	{ "config/pass-lab-access.yaml", "h1", 8, 1000,
	    "host h1: its switch ports are not a bond (lacp: off)" },
};

START_TEST(test_switch_port_bad)
{
	struct lab_port_set ps = { port_bad[_i].rate, port_bad[_i].rebalance };
	const struct topo_host *h;
	char err[ERR_LEN];

	load(port_bad[_i].file);
	h = topo_host_find(&lab->l_topo, port_bad[_i].host);
	ck_assert_msg(h != NULL, "host %s is in the lab", port_bad[_i].host);
	err[0] = '\0';
	ck_assert_msg(ovs_switch_port_check(h, &ps, err) == -1,
	    "%d Mbit/s, %d ms on %s is refused", ps.ps_rate_mbit,
	    ps.ps_rebalance_ms, port_bad[_i].host);
	ck_assert_msg(strstr(err, port_bad[_i].msg) != NULL,
	    "the refusal says '%s': %s", port_bad[_i].msg, err);
	cleanup();
}
END_TEST

START_TEST(test_qos_parse)
{
	char uuid[OVS_UUID_LEN + 1], err[ERR_LEN];
	const char *u = "0b2c4f5e-6a7b-4c8d-9e0f-a1b2c3d4e5f6\n";

	ck_assert_msg(ovs_qos_parse(u, strlen(u), uuid, err) == 0 &&
	    strncmp(uuid, u, OVS_UUID_LEN) == 0 && uuid[OVS_UUID_LEN] == '\0',
	    "a port's QoS UUID is read without its newline");
	ck_assert_msg(ovs_qos_parse("[]\n", 3, uuid, err) == 0 &&
	    uuid[0] == '\0', "[] is a port without QoS");
	ck_assert_msg(ovs_qos_parse("0b2c4f5e-6a7b-4c8d-9e0f-a1b2c3d4e5f", 35,
	    uuid, err) == -1 && strstr(err, "neither a UUID nor []") != NULL,
	    "a short UUID is refused");
	ck_assert_msg(ovs_qos_parse("0b2c4f5e 6a7b-4c8d-9e0f-a1b2c3d4e5f6",
	    36, uuid, err) == -1, "a UUID with a blank is refused");
	ck_assert_msg(ovs_qos_parse("", 0, uuid, err) == -1,
	    "an empty answer is refused");
}
END_TEST

Suite *
make_lab_ovs_suite(void)
{
	Suite *s = suite_create("lab_ovs");
	TCase *tc = tcase_create("bootfiles");

	tcase_add_test(tc, test_switch_and_host);
	tcase_add_test(tc, test_access_and_rate);
	tcase_add_test(tc, test_san);
	tcase_add_test(tc, test_switch_port_set);
	tcase_add_loop_test(tc, test_switch_port_bad, 0,
	    sizeof(port_bad) / sizeof(port_bad[0]));
	tcase_add_test(tc, test_qos_parse);
	suite_add_tcase(s, tc);
	return s;
}
