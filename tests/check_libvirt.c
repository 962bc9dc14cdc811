/*
 * check_libvirt.c - unit tests of the libvirt driver's texts
 * (scenarios/drivers/libvirt_conf.c): each host's libvirtd.conf and
 * qemu.conf, corosync.conf (with and without a quorum device), domain
 * (kernel or disk booted), pool, volume, snapshot, clone and template
 * XML, and crm_mon's, corosync-quorumtool's and ovs-vsctl's answers read
 * back.  The texts run for real in
 * tests/integration/test_libvirt_quick.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>

#include "err.h"
#include "scenarios/drivers/libvirt.h"

START_TEST(test_libvirtd_conf)
{
	char a[2048], b[2048], err[ERR_LEN];

	ck_assert_msg(lv_libvirtd_conf("198.18.4.11", 0, a, sizeof(a),
	    err) == 0, "libvirtd.conf is written: %s", err);
	ck_assert_msg(lv_libvirtd_conf("198.18.4.12", 1, b, sizeof(b),
	    err) == 0, "libvirtd.conf is written: %s", err);
	ck_assert_msg(strstr(a, "listen_addr = \"198.18.4.11\"") != NULL,
	    "libvirtd listens on the host's management address");
	ck_assert_msg(strstr(a, "listen_tls = 1") != NULL &&
	    strstr(a, "listen_tcp = 0") != NULL &&
	    strstr(a, "cert_file = \"/etc/libvirt/pki/servercert.pem\"") !=
	    NULL, "only TLS, with the certificate the driver put there");
	ck_assert_msg(strstr(a, "host_uuid = \"") != NULL &&
	    strncmp(strstr(a, "host_uuid"), strstr(b, "host_uuid"), 60) != 0,
	    "two hosts get two host_uuids (migration refuses equal ones)");
	ck_assert_msg(lv_libvirtd_conf("host1", 0, a, sizeof(a), err) == -1 &&
	    strstr(err, "host1") != NULL, "a non-IPv4 address is refused "
	    "by name");
	ck_assert_msg(lv_libvirtd_conf("198.18.4.11", 0, a, 64, err) == -1,
	    "a truncated text is an error");
}
END_TEST

START_TEST(test_qemu_conf)
{
	char a[2048], err[ERR_LEN];
	static const char *const want[] = { "cgroup_controllers = [ ]",
	    "security_driver = \"none\"", "stdio_handler = \"file\"",
	    "user = \"root\"", "namespaces = [ ]",
	    "migration_host = \"198.18.4.11\"", NULL };
	size_t i;

	ck_assert_int_eq(lv_qemu_conf("198.18.4.11", a, sizeof(a), err), 0);
	for (i = 0; want[i] != NULL; i++)
		ck_assert_msg(strstr(a, want[i]) != NULL, "qemu.conf has "
		    "'%s'", want[i]);
}
END_TEST

static struct drv_host hosts[3] = {
	{ .h_name = "host1", .h_addr = "198.18.4.11" },
	{ .h_name = "host2", .h_addr = "198.18.4.12" },
	{ .h_name = "host3", .h_addr = "198.18.4.13" },
};

START_TEST(test_corosync_conf)
{
	char a[4096], err[ERR_LEN];
	struct drv_host bad = { .h_name = "host 1", .h_addr = "1.2.3.4" };

	ck_assert_int_eq(lv_corosync_conf("lv1", hosts, 3, NULL, a,
	    sizeof(a), err), 0);
	ck_assert_msg(strstr(a, "transport: knet") != NULL, "knet transport");
	ck_assert_msg(strstr(a, "ring0_addr: 198.18.4.13\n\t\tname: host3\n"
	    "\t\tnodeid: 3") != NULL, "one node per host, numbered from 1");
	ck_assert_msg(strstr(a, "two_node") == NULL, "three hosts are not a "
	    "two-node cluster");
	ck_assert_msg(strstr(a, "totem { version") == NULL, "every '{' ends "
	    "its line (corosync's parser wants it)");
	ck_assert_int_eq(lv_corosync_conf("lv1", hosts, 2, NULL, a,
	    sizeof(a), err), 0);
	ck_assert_msg(strstr(a, "two_node: 1") != NULL, "two hosts: "
	    "two_node");
	ck_assert_msg(lv_corosync_conf("lv1", &bad, 1, NULL, a, sizeof(a),
	    err) == -1 && strstr(err, "host 1") != NULL, "a bad host name is "
	    "refused by name");
	ck_assert_int_eq(lv_corosync_conf("lv1", hosts, 0, NULL, a,
	    sizeof(a), err), -1);
}
END_TEST

START_TEST(test_corosync_conf_qdevice)
{
	char a[4096], err[ERR_LEN];

	ck_assert_msg(lv_corosync_conf("lv1", hosts, 2, "198.18.4.250", a,
	    sizeof(a), err) == 0, "corosync.conf with a qdevice: %s", err);
	ck_assert_msg(strstr(a, "two_node") == NULL, "a qdevice replaces "
	    "two_node");
	ck_assert_msg(strstr(a, "\tprovider: corosync_votequorum\n"
	    "\tdevice {\n\t\tmodel: net\n\t\tvotes: 1\n\t\tnet {\n"
	    "\t\t\thost: 198.18.4.250\n") != NULL, "the device is a net "
	    "model with 1 vote, at the arbiter's address, inside quorum");
	ck_assert_msg(strstr(a, "algorithm: ffsplit") != NULL &&
	    strstr(a, "tls: required") != NULL, "ffsplit, TLS required");
	ck_assert_msg(strstr(a, "}\n}\n\nlogging {") != NULL, "the quorum "
	    "section closes before logging");
	ck_assert_msg(lv_corosync_conf("lv1", hosts, 2, "san", a, sizeof(a),
	    err) == -1 && strstr(err, "'san'") != NULL, "the arbiter's "
	    "address is IPv4, refused by name otherwise");
}
END_TEST

/* `corosync-quorumtool -s` answers, as Corosync 3.1.7 prints them. */
#define QT_HEAD "Quorum information\n------------------\n" \
	"Date:             Wed Dec  2 19:54:32 2026\n" \
	"Quorum provider:  corosync_votequorum\n"
static const struct {
	const char *out;
	int rc, quorate, nodes, expected, total, quorum, qdevice, two_node;
} qt[] = {
	/* 2 hosts and the device's vote */
	{ QT_HEAD "Nodes:            2\nNode ID:          1\n"
	  "Ring ID:          1.9\nQuorate:          Yes\n\n"
	  "Votequorum information\n----------------------\n"
	  "Expected votes:   3\nHighest expected: 3\nTotal votes:      3\n"
	  "Quorum:           2  \nFlags:            Quorate Qdevice \n\n"
	  "Membership information\n----------------------\n"
	  "    Nodeid      Votes    Qdevice Name\n"
	  "         1          1    A,V,NMW host1 (local)\n"
	  "         2          1    A,V,NMW host2\n"
	  "         0          1            Qdevice\n",
	  0, 1, 2, 3, 3, 2, 1, 0 },
	/* host2 gone: host1 and the device */
	{ QT_HEAD "Nodes:            1\nNode ID:          1\n"
	  "Quorate:          Yes\n\nExpected votes:   3\n"
	  "Total votes:      2\nQuorum:           2  \n"
	  "Flags:            Quorate Qdevice \n\n"
	  "    Nodeid      Votes    Qdevice Name\n"
	  "         1          1    A,V,NMW host1 (local)\n"
	  "         0          1            Qdevice\n",
	  0, 1, 1, 3, 2, 2, 1, 0 },
	/* the arbiter gone too: the device keeps its row, not its vote */
	{ QT_HEAD "Nodes:            1\nQuorate:          No\n\n"
	  "Expected votes:   3\nTotal votes:      1\n"
	  "Quorum:           2 Activity blocked\nFlags:            Qdevice \n"
	  "    Nodeid      Votes    Qdevice Name\n"
	  "         1          1   A,NV,NMW host1 (local)\n"
	  "         0          0            Qdevice (votes 1)\n",
	  0, 0, 1, 3, 1, 2, 0, 0 },
	/* two_node, no device */
	{ QT_HEAD "Nodes:            2\nQuorate:          Yes\n\n"
	  "Expected votes:   2\nTotal votes:      2\nQuorum:           1  \n"
	  "Flags:            2Node Quorate WaitForAll \n"
	  "    Nodeid      Votes Name\n"
	  "         1          1 host1 (local)\n"
	  "         2          1 host2\n", 0, 1, 2, 2, 2, 1, -1, 1 },
	{ "Cannot initialize QUORUM service\n", -1, 0, 0, 0, 0, 0, -1, 0 },
	{ "", -1, 0, 0, 0, 0, 0, -1, 0 },
};

START_TEST(test_quorumtool)
{
	struct lv_quorum q;
	char err[ERR_LEN] = "";
	int r = lv_quorumtool_parse(qt[_i].out, &q, err);

	ck_assert_msg(r == qt[_i].rc, "case %d: returns %d (%s)", _i, r, err);
	if (r == -1) {
		ck_assert_msg(strstr(err, "Quorate") != NULL, "case %d: the "
		    "error names the line it misses: %s", _i, err);
		return;
	}
	ck_assert_msg(q.q_quorate == qt[_i].quorate && q.q_nodes ==
	    qt[_i].nodes, "case %d: quorate and nodes are read", _i);
	ck_assert_msg(q.q_expected == qt[_i].expected && q.q_total ==
	    qt[_i].total && q.q_quorum == qt[_i].quorum, "case %d: expected, "
	    "present and needed votes are read (%d %d %d)", _i, q.q_expected,
	    q.q_total, q.q_quorum);
	ck_assert_msg(q.q_qdevice_votes == qt[_i].qdevice, "case %d: the "
	    "device's votes are its row's, -1 without one (got %d)", _i,
	    q.q_qdevice_votes);
	ck_assert_msg(q.q_two_node == qt[_i].two_node, "case %d: the 2Node "
	    "flag is read", _i);
}
END_TEST

START_TEST(test_domain_xml)
{
	struct lv_domain d = { .d_name = "lm1", .d_type = "qemu",
	    .d_machine = "q35", .d_vcpus = 2, .d_memory_mib = 256,
	    .d_kernel = "/b/vmlinux", .d_initrd = "/b/initrd.img",
	    .d_cmdline = "console=ttyS0 a<b&c", .d_vlan = 30,
	    .d_portal_host = "198.18.5.250", .d_portal_port = 3260,
	    .d_iqn = "iqn.2026-01.lab:san", .d_lun = 2 };
	char x[8192], err[ERR_LEN];

	ck_assert_msg(lv_domain_xml(&d, x, sizeof(x), err) == 0, "%s", err);
	ck_assert_msg(strncmp(x, "<domain type='qemu'>", 20) == 0,
	    "TCG unless the accelerator decision says kvm");
	ck_assert_msg(strstr(x, "machine='q35'") != NULL, "the machine type");
	ck_assert_msg(strstr(x, "a&lt;b&amp;c") != NULL, "the command line "
	    "is escaped");
	ck_assert_msg(strstr(x, "<source protocol='iscsi' "
	    "name='iqn.2026-01.lab:san/2'>") != NULL &&
	    strstr(x, "<host name='198.18.5.250' port='3260'/>") != NULL,
	    "the disk is LUN 2 through QEMU's iSCSI initiator");
	ck_assert_msg(strstr(x, "<virtualport type='openvswitch'/>") != NULL &&
	    strstr(x, "<tag id='30'/>") != NULL, "an OVS port on VLAN 30");
	ck_assert_msg(strstr(x, "<host csum='off'/>") != NULL, "the guest "
	    "computes its checksums (userspace OVS, docs/lab.md)");
	d.d_portal_host = NULL;
	d.d_vlan = 0;
	ck_assert_int_eq(lv_domain_xml(&d, x, sizeof(x), err), 0);
	ck_assert_msg(strstr(x, "<disk") == NULL && strstr(x, "<vlan>") ==
	    NULL, "no pool: no disk; VLAN 0: untagged");
	d.d_name = "a'b";
	ck_assert_msg(lv_domain_xml(&d, x, sizeof(x), err) == -1 &&
	    strstr(err, "a'b") != NULL, "a bad VM name is refused by name");
	d.d_name = "ok";
	d.d_type = "xen";
	ck_assert_int_eq(lv_domain_xml(&d, x, sizeof(x), err), -1);
}
END_TEST

START_TEST(test_pool_xml_portal)
{
	char x[2048], h[64], err[ERR_LEN];
	int port;
	struct lv_pool_src src = { "san", "198.18.5.250", 3260, "iqn.x:san",
	    "iqn.y:host1" };

	ck_assert_int_eq(lv_pool_xml(&src, x, sizeof(x), err), 0);
	ck_assert_msg(strstr(x, "<pool type='iscsi-direct'>") != NULL &&
	    strstr(x, "<device path='iqn.x:san'/>") != NULL &&
	    strstr(x, "<iqn name='iqn.y:host1'/>") != NULL, "an iscsi-direct "
	    "pool of the target, with the host's initiator name");
	ck_assert_int_eq(lv_split_portal("198.18.5.250:3261", h, sizeof(h),
	    &port, err), 0);
	ck_assert_str_eq(h, "198.18.5.250");
	ck_assert_int_eq(port, 3261);
	ck_assert_int_eq(lv_split_portal("198.18.5.250", h, sizeof(h), &port,
	    err), 0);
	ck_assert_int_eq(port, 3260);
	ck_assert_int_eq(lv_split_portal("san:3260", h, sizeof(h), &port,
	    err), -1);
	ck_assert_int_eq(lv_split_portal("198.18.5.250:0", h, sizeof(h),
	    &port, err), -1);
}
END_TEST

/* crm_mon --output-as=xml answers, as Pacemaker 2.1.5 writes them. */
static const struct {
	const char *xml;
	int rc, nodes, online, quorate;
	const char *err;
} crm[] = {
	{ "<pacemaker-result api-version=\"2.25\"><summary>"
	  "<current_dc present=\"true\" name=\"host1\" with_quorum=\"true\"/>"
	  "</summary><nodes><node name=\"host1\" online=\"true\"/>"
	  "<node name=\"host2\" online=\"true\"/><node name=\"host3\" "
	  "online=\"false\"/></nodes><status code=\"0\" message=\"OK\"/>"
	  "</pacemaker-result>", 0, 3, 2, 1, NULL },
	{ "<pacemaker-result><summary><current_dc present=\"false\"/>"
	  "</summary><nodes><node name=\"host1\" online=\"false\"/></nodes>"
	  "</pacemaker-result>", 0, 1, 0, 0, NULL },
	{ "<pacemaker-result><summary><current_dc present=\"true\" "
	  "with_quorum=\"false\"/></summary><nodes/></pacemaker-result>",
	  0, 0, 0, 0, NULL },
	{ "<pacemaker-result><status code=\"102\" message=\"Not connected\"/>"
	  "</pacemaker-result>", -1, 0, 0, 0, "Not connected" },
	{ "<other/>", -1, 0, 0, 0, "pacemaker-result" },
	{ "not xml", -1, 0, 0, 0, "not XML" },
};

START_TEST(test_crm_mon)
{
	struct drv_cluster_info ci;
	char err[ERR_LEN] = "";
	int r = lv_crm_mon_parse(crm[_i].xml, strlen(crm[_i].xml), &ci, err);

	ck_assert_msg(r == crm[_i].rc, "case %d: returns %d (%s)", _i, r, err);
	if (r == 0)
		ck_assert_msg(ci.c_nodes == crm[_i].nodes && ci.c_online ==
		    crm[_i].online && ci.c_quorate == crm[_i].quorate,
		    "case %d: nodes, online and quorum (the DC's) are read",
		    _i);
	else
		ck_assert_msg(strstr(err, crm[_i].err) != NULL, "case %d: the "
		    "error says '%s': %s", _i, crm[_i].err, err);
}
END_TEST

START_TEST(test_ovs_ports)
{
	struct drv_port *p = NULL;
	size_t n = 0;
	char err[ERR_LEN];

	ck_assert_int_eq(lv_ovs_ports_parse("name,tag\nmgmt,10\n"
	    "\"vnet0\",30\nbond0,[]\n", &p, &n, err), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(p[1].p_name, "vnet0");
	ck_assert_msg(p[0].p_vlan == 10 && p[1].p_vlan == 30 &&
	    p[2].p_vlan == 0, "tags are read; [] is untagged");
	free(p);
	ck_assert_int_eq(lv_ovs_ports_parse("name,tag\nbroken\n", &p, &n,
	    err), -1);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_iface_retag)
{
	const char *dom = "<domain type='qemu'><name>a</name><devices>"
	    "<interface type='bridge'><source bridge='br0'/><vlan><tag "
	    "id='20'/></vlan><target dev='vnet0'/></interface>"
	    "<interface type='bridge'><target dev='vnet1'/></interface>"
	    "</devices></domain>";
	char *out = NULL, err[ERR_LEN];

	ck_assert_int_eq(lv_iface_retag(dom, "vnet0", 30, &out, err), 0);
	ck_assert_msg(strstr(out, "<tag id=\"30\"/>") != NULL &&
	    strstr(out, "id='20'") == NULL && strstr(out, "id=\"20\"") ==
	    NULL, "the NIC's VLAN is replaced: %s", out);
	ck_assert_msg(strstr(out, "vnet1") == NULL, "only that NIC: %s", out);
	free(out);
	ck_assert_int_eq(lv_iface_retag(dom, "vnet1", 0, &out, err), 0);
	ck_assert_msg(strstr(out, "<vlan") == NULL, "VLAN 0 is untagged");
	free(out);
	ck_assert_msg(lv_iface_retag(dom, "vnet9", 30, &out, err) == -1 &&
	    strstr(err, "vnet9") != NULL, "an unknown port is named");
}
END_TEST

/* The lab's CA signs each host's certificate (openssl, as the driver
 * runs it on the workstation). */
START_TEST(test_pki)
{
	char dir[] = "/tmp/check_libvirt_pki.XXXXXX", cmd[512], err[ERR_LEN];
	static const char *const files[] = { "cacert.pem", "ca.key",
	    "host1.pem", "host1.key", "client/cacert.pem",
	    "client/clientcert.pem", "client/clientkey.pem", NULL };
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(lv_pki_host(dir, "t", &hosts[0], err) == 0,
	    "a CA and host1's certificate are made: %s", err);
	for (i = 0; files[i] != NULL; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, files[i]);
		ck_assert_msg(access(cmd, R_OK) == 0, "%s is made", files[i]);
	}
	snprintf(cmd, sizeof(cmd), "openssl verify -CAfile %s/cacert.pem "
	    "%s/host1.pem %s/client/clientcert.pem >/dev/null", dir, dir,
	    dir);
	ck_assert_msg(system(cmd) == 0, "the CA signed host1's and the "
	    "driver's certificates");
	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s/host1.pem -noout "
	    "-ext subjectAltName | grep -q 'IP Address:198.18.4.11'", dir);
	ck_assert_msg(system(cmd) == 0, "host1's certificate names its "
	    "address (the URI's host)");
	ck_assert_msg(lv_pki_host(dir, "t", &hosts[0], err) == 0, "asking "
	    "again keeps what is there: %s", err);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_domain_xml_boot_disk)
{
	struct lv_domain d = { .d_name = "c1", .d_type = "qemu",
	    .d_machine = "q35", .d_disk_file = "/var/lib/libvirt/images/c1.qcow2",
	    .d_oem = "hvlab.name=c1 hvlab.ip=198.18.30.101/24" };
	char x[8192], err[ERR_LEN];

	ck_assert_msg(lv_domain_xml(&d, x, sizeof(x), err) == 0, "%s", err);
	ck_assert_msg(strstr(x, "<kernel>") == NULL && strstr(x,
	    "<boot dev='hd'/>") != NULL, "a VM with its own disk boots "
	    "from it, not from a kernel");
	ck_assert_msg(strstr(x, "<smbios mode='sysinfo'/>") != NULL &&
	    strstr(x, "<entry>hvlab.name=c1 hvlab.ip=198.18.30.101/24"
	    "</entry>") != NULL, "its words are SMBIOS OEM strings (type 11)");
	ck_assert_msg(strstr(x, "<disk type='file' device='disk'>") != NULL &&
	    strstr(x, "type='qcow2'") != NULL && strstr(x, "<source file='"
	    "/var/lib/libvirt/images/c1.qcow2'/>") != NULL, "its disk is the "
	    "qcow2 file of its volume");
	d.d_disk_file = NULL;
	ck_assert_msg(lv_domain_xml(&d, x, sizeof(x), err) == -1 &&
	    strstr(err, "c1") != NULL, "neither a kernel nor a disk to boot "
	    "from is refused, naming the VM");
}
END_TEST

START_TEST(test_volume_snapshot_xml)
{
	char x[2048], err[ERR_LEN];

	ck_assert_msg(lv_volume_xml("c1.qcow2", 67108864, NULL, x, sizeof(x),
	    err) == 0, "%s", err);
	ck_assert_msg(strstr(x, "<name>c1.qcow2</name>") != NULL &&
	    strstr(x, "<capacity unit='bytes'>67108864</capacity>") != NULL &&
	    strstr(x, "<format type='qcow2'/>") != NULL && strstr(x,
	    "<backingStore>") == NULL, "a full volume: name, size, qcow2");
	ck_assert_int_eq(lv_volume_xml("l1.qcow2", 67108864, "/i/t&1.qcow2",
	    x, sizeof(x), err), 0);
	ck_assert_msg(strstr(x, "<backingStore><path>/i/t&amp;1.qcow2</path>"
	    "<format type='qcow2'/></backingStore>") != NULL, "a linked "
	    "volume is an overlay on its backing qcow2");
	ck_assert_msg(lv_volume_xml("a/b", 1, NULL, x, sizeof(x), err) == -1 &&
	    strstr(err, "a/b") != NULL, "a volume name with '/' is refused");

	ck_assert_int_eq(lv_snapshot_xml("s1", 1, x, sizeof(x), err), 0);
	ck_assert_msg(strstr(x, "<name>s1</name>") != NULL && strstr(x,
	    "<memory snapshot='internal'/>") != NULL, "with RAM: internal "
	    "memory state");
	ck_assert_int_eq(lv_snapshot_xml("s2", 0, x, sizeof(x), err), 0);
	ck_assert_msg(strstr(x, "<memory snapshot='no'/>") != NULL &&
	    strstr(x, "snapshot='internal'") != NULL, "disk only: internal "
	    "disk snapshots, no memory");
	ck_assert_msg(lv_snapshot_xml("s 1", 0, x, sizeof(x), err) == -1 &&
	    strstr(err, "s 1") != NULL, "a bad snapshot name is refused");
}
END_TEST

static const char tmpl_xml[] =
    "<domain type='qemu'>\n  <name>t1</name>\n"
    "  <uuid>7c1a7e3e-1b57-4a4d-9c2b-1c2d3e4f5a6b</uuid>\n"
    "  <metadata><hvlab:template xmlns:hvlab='urn:x'/></metadata>\n"
    "  <sysinfo type='smbios'><oemStrings><entry>hvlab.name=t1"
    "</entry></oemStrings></sysinfo>\n"
    "  <os><type>hvm</type><boot dev='hd'/><smbios mode='sysinfo'/></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><driver name='qemu' "
    "type='qcow2'/><source file='/i/t1.qcow2'/><readonly/>"
    "<target dev='vda' bus='virtio'/></disk>\n"
    "    <interface type='bridge'><mac address='52:54:00:aa:bb:cc'/>"
    "<source bridge='br0'/><target dev='vnet3'/></interface>\n"
    "    <serial type='file'><source path='/var/log/libvirt/qemu/"
    "t1.serial'/></serial>\n"
    "  </devices>\n</domain>\n";

START_TEST(test_clone_xml)
{
	struct lv_clone c = { "c1", "/i/c1.qcow2", "hvlab.name=c1 x<y" };
	char *x = NULL, path[256], err[ERR_LEN];

	ck_assert_msg(lv_clone_xml(tmpl_xml, &c, &x, err) == 0, "%s", err);
	ck_assert_msg(strstr(x, "<name>c1</name>") != NULL &&
	    strstr(x, "<uuid>") == NULL, "the clone has its name and "
	    "libvirt gives it a UUID");
	ck_assert_msg(strstr(x, "<mac") == NULL && strstr(x, "vnet3") ==
	    NULL, "libvirt gives the clone's NIC its own MAC and port");
	ck_assert_msg(strstr(x, "/i/c1.qcow2") != NULL && strstr(x,
	    "/i/t1.qcow2") == NULL && strstr(x, "<readonly/>") == NULL,
	    "its disk is its own volume, writable");
	ck_assert_msg(strstr(x, "<entry>hvlab.name=c1 x&lt;y</entry>") !=
	    NULL && strstr(x, "hvlab.name=t1") == NULL, "its words replace "
	    "the template's");
	ck_assert_msg(strstr(x, "qemu/c1.serial") != NULL && strstr(x,
	    "template") == NULL, "its own console log; not a template");
	ck_assert_msg(lv_domain_disk_file(x, path, sizeof(path), err) == 0 &&
	    strcmp(path, "/i/c1.qcow2") == 0, "its first disk is read back");
	free(x);
	x = NULL;
	ck_assert_msg(lv_clone_xml("<domain><name>k</name><devices/>"
	    "</domain>", &c, &x, err) == -1 && x == NULL && strstr(err,
	    "disk") != NULL, "a domain without a file disk cannot be cloned");
}
END_TEST

START_TEST(test_template_xml)
{
	const char *src = "<domain><name>t1</name><devices><disk type='file' "
	    "device='disk'><source file='/i/t1.qcow2'/><target dev='vda'/>"
	    "</disk></devices></domain>";
	char *x = NULL, path[256], err[ERR_LEN];

	ck_assert_msg(lv_template_xml(src, "urn:hvlab:t", &x, err) == 0, "%s",
	    err);
	ck_assert_msg(strstr(x, "<metadata>") != NULL && strstr(x,
	    ":template xmlns:") != NULL && strstr(x, "urn:hvlab:t") != NULL,
	    "a template is marked in its metadata");
	ck_assert_msg(strstr(x, "<readonly/>") != NULL, "its disk is read "
	    "only: whatever starts it cannot write its image");
	free(x);
	ck_assert_msg(lv_domain_disk_file("<domain><devices><disk "
	    "type='network' device='disk'><source protocol='iscsi' "
	    "name='iqn/1'/></disk></devices></domain>", path, sizeof(path),
	    err) == 1 && strstr(err, "network") != NULL, "a LUN is not a file "
	    "volume, and the error says what it is");
	ck_assert_msg(lv_domain_disk_file("<domain", path, sizeof(path),
	    err) == -1, "a domain XML that does not parse is an error");
}
END_TEST

Suite *
make_libvirt_suite(void)
{
	Suite *s = suite_create("libvirt");
	TCase *tc = tcase_create("texts");

	tcase_add_test(tc, test_libvirtd_conf);
	tcase_add_test(tc, test_qemu_conf);
	tcase_add_test(tc, test_corosync_conf);
	tcase_add_test(tc, test_corosync_conf_qdevice);
	tcase_add_loop_test(tc, test_quorumtool, 0,
	    (int)(sizeof(qt) / sizeof(qt[0])));
	tcase_add_test(tc, test_domain_xml);
	tcase_add_test(tc, test_domain_xml_boot_disk);
	tcase_add_test(tc, test_volume_snapshot_xml);
	tcase_add_test(tc, test_clone_xml);
	tcase_add_test(tc, test_template_xml);
	tcase_add_test(tc, test_pool_xml_portal);
	tcase_add_loop_test(tc, test_crm_mon, 0,
	    (int)(sizeof(crm) / sizeof(crm[0])));
	tcase_add_test(tc, test_ovs_ports);
	tcase_add_test(tc, test_iface_retag);
	tcase_add_test(tc, test_pki);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
