/*
 * check_lab_ovs.c - unit tests of lab/ovs.c and lab/san.c: the boot files
 * a lab writes for its switch, hosts and SAN say what the topology says
 * (LACP bonds toward bonded hosts, trunks and access tags, QoS rate caps,
 * fixed MACs, addresses, targets and sparse LUN files).  The files run
 * for real in the integration tests.
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

Suite *
make_lab_ovs_suite(void)
{
	Suite *s = suite_create("lab_ovs");
	TCase *tc = tcase_create("bootfiles");

	tcase_add_test(tc, test_switch_and_host);
	tcase_add_test(tc, test_access_and_rate);
	tcase_add_test(tc, test_san);
	suite_add_tcase(s, tc);
	return s;
}
