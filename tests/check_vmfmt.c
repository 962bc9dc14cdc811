/*
 * check_vmfmt.c - the descriptor parsers of the import/export formats
 * (platform/vmfmt/): OVF envelopes written and read back, hostile OVF
 * (entity expansion, external entities, absurd sizes, missing sections),
 * manifests, XVA ova.xml, member names, and the mapping to hvd's VM
 * config.  Pure: no file, no qemu-img (check_vmfmt_pkg.c has those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/vmfmt/vmfmt.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define OVF_HEAD "<?xml version=\"1.0\"?>\n"
#define ENV_OPEN "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" " \
	"xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:rasd=\"" \
	"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
	"CIM_ResourceAllocationSettingData\">"
#define REFS "<References><File ovf:id=\"f1\" ovf:href=\"d.vmdk\"/>" \
	"</References>"
#define DISKS(cap, units) "<DiskSection><Info>x</Info><Disk ovf:diskId=\"vd1\" " \
	"ovf:fileRef=\"f1\" ovf:capacity=\"" cap "\" " \
	"ovf:capacityAllocationUnits=\"" units "\" ovf:format=\"http://www." \
	"vmware.com/interfaces/specifications/vmdk.html#streamOptimized\"/>" \
	"</DiskSection>"
#define NETS "<NetworkSection><Info>x</Info><Network ovf:name=\"NAT\"/>" \
	"</NetworkSection>"
#define ITEM(t, body) "<Item><rasd:ResourceType>" t "</rasd:ResourceType>" \
	body "</Item>"
#define HW ITEM("3", "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>") \
	ITEM("4", "<rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>" \
	"<rasd:VirtualQuantity>512</rasd:VirtualQuantity>") \
	ITEM("5", "<rasd:InstanceID>3</rasd:InstanceID>") \
	ITEM("17", "<rasd:HostResource>/disk/vd1</rasd:HostResource>") \
	ITEM("10", "<rasd:Connection>NAT</rasd:Connection>" \
	"<rasd:ResourceSubType>E1000</rasd:ResourceSubType>")
#define VS(hw) "<VirtualSystem ovf:id=\"web server\"><Info>x</Info>" \
	"<VirtualHardwareSection><Info>x</Info>" hw \
	"</VirtualHardwareSection></VirtualSystem>"
#define OVF(refs, disks, vs) OVF_HEAD ENV_OPEN refs disks NETS vs "</Envelope>"

static struct vmfmt_limits lim;

static void
setup(void)
{
	vmfmt_limits_default(&lim);
}

static int
parse(const char *doc, struct vmfmt_vm *vm, char *err)
{
	return ovf_parse(doc, strlen(doc), &lim, vm, err);
}

START_TEST(test_ovf_roundtrip)
{
	struct vmfmt_vm vm, back;
	char err[ERR_LEN], *doc = NULL;
	const char *p;
	size_t len;

	memset(&vm, 0, sizeof(vm));
	snprintf(vm.vm_name, sizeof(vm.vm_name), "db-1");
	vm.vm_vcpus = 4;
	vm.vm_memory_mib = 2048;
	vm.vm_ndisks = 2;
	snprintf(vm.vm_disks[0].vd_file, VMFMT_FILE_MAX, "db-1-disk0.vmdk");
	snprintf(vm.vm_disks[0].vd_format, 16, "vmdk-stream");
	vm.vm_disks[0].vd_capacity = (int64_t)10 << 30;
	vm.vm_disks[0].vd_size = 123456;
	snprintf(vm.vm_disks[1].vd_file, VMFMT_FILE_MAX, "db-1-disk1.vmdk");
	snprintf(vm.vm_disks[1].vd_format, 16, "vmdk");
	vm.vm_disks[1].vd_capacity = 1 << 20;
	vm.vm_disks[1].vd_size = 65536;
	vm.vm_nnics = 4;
	/* nics[3] has no model: it reads back without one (found by
	 * fuzz_ovf: the writer named a default model) */
	snprintf(vm.vm_nics[3].vn_network, VMFMT_NET_MAX, "untagged");
	snprintf(vm.vm_nics[0].vn_network, VMFMT_NET_MAX, "vlan10");
	snprintf(vm.vm_nics[1].vn_network, VMFMT_NET_MAX, "untagged");
	snprintf(vm.vm_nics[2].vn_network, VMFMT_NET_MAX, "vlan10");
	snprintf(vm.vm_nics[0].vn_model, 24, "virtio-net-pci");
	snprintf(vm.vm_nics[1].vn_model, 24, "e1000");
	snprintf(vm.vm_nics[2].vn_model, 24, "virtio-net-pci");
	ck_assert_msg(ovf_write(&vm, &doc, &len, err) == 0, "writes: %s", err);
	p = strstr(doc, "ovf:name=\"vlan10\"");
	ck_assert_msg(p != NULL && strstr(p + 1, "ovf:name=\"vlan10\"") ==
	    NULL, "a network two NICs use is declared once");
	ck_assert_msg(ovf_parse(doc, len, &lim, &back, err) == 0,
	    "what ovf_write writes, ovf_parse reads: %s", err);
	ck_assert_msg(memcmp(&vm, &back, sizeof(vm)) == 0,
	    "the VM read back is the VM written");
	free(doc);
}
END_TEST

START_TEST(test_ovf_foreign)
{
	static const char doc[] = OVF(REFS, DISKS("8", "byte * 2^30"),
	    VS(HW));
	static const char doc2[] = OVF_HEAD "<Envelope xmlns=\"http://schemas."
	    "dmtf.org/ovf/envelope/2\" xmlns:ovf=\"http://schemas.dmtf.org/ovf"
	    "/envelope/2\" xmlns:epasd=\"urn:e\" xmlns:rasd=\"urn:r\">" REFS
	    DISKS("1073741824", "byte") NETS "<VirtualSystem ovf:id=\"v2\">"
	    "<Name>two</Name><VirtualHardwareSection>" ITEM("3",
	    "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>") ITEM("4",
	    "<rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>"
	    "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>")
	    "<EthernetPortItem><epasd:Connection>NAT</epasd:Connection>"
	    "<epasd:ResourceType>10</epasd:ResourceType></EthernetPortItem>"
	    "</VirtualHardwareSection></VirtualSystem></Envelope>";
	struct vmfmt_vm vm;
	char err[ERR_LEN];

	ck_assert_msg(parse(doc, &vm, err) == 0, "a VirtualBox-style OVF 1.0 "
	    "reads: %s", err);
	ck_assert_str_eq(vm.vm_name, "web-server");
	ck_assert_int_eq(vm.vm_vcpus, 2);
	ck_assert_int_eq(vm.vm_memory_mib, 512);
	ck_assert_int_eq(vm.vm_ndisks, 1);
	ck_assert_msg(vm.vm_disks[0].vd_capacity == (int64_t)8 << 30,
	    "8 of \"byte * 2^30\" is 8 GiB");
	ck_assert_str_eq(vm.vm_disks[0].vd_format, "vmdk-stream");
	ck_assert_int_eq(vm.vm_nnics, 1);
	ck_assert_str_eq(vm.vm_nics[0].vn_network, "NAT");
	ck_assert_str_eq(vm.vm_nics[0].vn_model, "E1000");
	ck_assert_msg(parse(doc2, &vm, err) == 0, "an OVF 2.0 envelope with "
	    "an EthernetPortItem reads: %s", err);
	ck_assert_str_eq(vm.vm_name, "two");
	ck_assert_int_eq(vm.vm_memory_mib, 1024);
	ck_assert_int_eq(vm.vm_ndisks, 0);
	ck_assert_int_eq(vm.vm_nnics, 1);
}
END_TEST

/* Hostile and broken envelopes: each refused, err naming the place. */
START_TEST(test_ovf_refused)
{
	static const struct {
		const char *doc;
		const char *want;
	} cases[] = {
		{ OVF_HEAD "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
		    "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"
		    "&lol2;\">]>" ENV_OPEN "<References>&lol3;</References>"
		    "</Envelope>", "DOCTYPE" },
		{ OVF_HEAD "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/"
		    "passwd\">]>" ENV_OPEN REFS "<Info>&x;</Info></Envelope>",
		    "DOCTYPE" },
		{ OVF(REFS, DISKS("1125899906842624", "byte"), VS(HW)),
		    "Disk \"vd1\": ovf:capacity \"1125899906842624\"" },
		{ OVF(REFS, DISKS("1", "byte * 2^50"), VS(HW)),
		    "Disk \"vd1\": ovf:capacity" },
		{ OVF(REFS, DISKS("9", "byte * 2^63"), VS(HW)),
		    "Disk \"vd1\": ovf:capacity" },
		{ OVF(REFS, DISKS("${disk.size}", "byte"), VS(HW)),
		    "ovf:capacity \"${disk.size}\"" },
		{ OVF("", DISKS("8", "byte"), VS(HW)), "no References" },
		{ OVF("<References><File ovf:id=\"f1\" ovf:href=\"../etc/x\"/>"
		    "</References>", "", VS(HW)), "\"../etc/x\"" },
		{ OVF("<References><File ovf:id=\"f1\" ovf:href=\"/etc/shadow\""
		    "/></References>", "", VS(HW)), "\"/etc/shadow\"" },
		{ OVF("<References><File ovf:id=\"f2\" ovf:href=\"d.vmdk\"/>"
		    "</References>", DISKS("8", "byte"), VS(HW)),
		    "ovf:fileRef \"f1\"" },
		{ OVF(REFS, DISKS("8", "byte"), VS(ITEM("3",
		    "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>"))),
		    "no processor (ResourceType 3) or memory" },
		{ OVF(REFS, DISKS("8", "byte"), VS(HW ITEM("17", "<rasd:"
		    "HostResource>ovf:/disk/vd9</rasd:HostResource>"))),
		    "HostResource \"ovf:/disk/vd9\"" },
		{ OVF(REFS, DISKS("8", "byte"), VS(HW ITEM("10", "<rasd:"
		    "Connection>prod</rasd:Connection>"))),
		    "Connection \"prod\"" },
		{ OVF(REFS, DISKS("8", "byte"), VS(HW ITEM("3",
		    "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>"))),
		    "a second processor Item" },
		{ OVF(REFS, DISKS("8", "byte"), ""), "no VirtualSystem" },
		{ OVF_HEAD "<Envelope xmlns=\"urn:other\"/>", "OVF 1.x or 2.x "
		    "Envelope" },
		{ OVF_HEAD ENV_OPEN "<References>", "not well-formed" },
	};
	struct vmfmt_vm vm;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(parse(cases[i].doc, &vm, err) == -1,
		    "case %zu is refused", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: the error names \"%s\": %s", i, cases[i].want,
		    err);
	}
}
END_TEST

START_TEST(test_mf)
{
	static const char good[] = "SHA256(a.ovf)= 0123456789abcdef0123456789"
	    "ABCDEF0123456789abcdef0123456789abcdef\r\n\nSHA1 (a-disk1.vmdk) = "
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "SHA256(a.ovf)= 0123\n", "line 1: the digest of \"a.ovf\"" },
		{ "\nMD5(a.ovf)= 00\n", "line 2: not \"SHA256(FILE)" },
		{ "SHA1(../etc/passwd)= da39a3ee5e6b4b0d3255bfef95601890afd80709",
		    "line 1: member \"../etc/passwd\"" },
		{ "SHA1(/x)= da39a3ee5e6b4b0d3255bfef95601890afd80709",
		    "line 1: member \"/x\" has an absolute name" },
		{ "SHA1(x)= da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
		    "SHA1(x)= da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
		    "line 2: \"x\" is listed twice" },
		{ "SHA1(x) da39a3ee5e6b4b0d3255bfef95601890afd80709",
		    "line 1: no \"=\"" },
		{ "", "no entries" },
	};
	struct mf m;
	char err[ERR_LEN];
	size_t i;

	ck_assert_msg(mf_parse(good, strlen(good), &m, err) == 0,
	    "ovftool's and VirtualBox's lines read: %s", err);
	ck_assert_int_eq(m.mf_n, 2);
	ck_assert_int_eq(mf_find(&m, "a.ovf")->me_algo, MF_SHA256);
	ck_assert_str_eq(mf_find(&m, "a.ovf")->me_hex, "0123456789abcdef0123"
	    "456789abcdef0123456789abcdef0123456789abcdef");
	ck_assert_int_eq(mf_find(&m, "a-disk1.vmdk")->me_line, 3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(mf_parse(bad[i].text, strlen(bad[i].text), &m,
		    err) == -1, "manifest %zu is refused", i);
		ck_assert_msg(strstr(err, bad[i].want) != NULL,
		    "manifest %zu: the error names \"%s\": %s", i, bad[i].want,
		    err);
	}
}
END_TEST

START_TEST(test_names)
{
	static const struct {
		const char *name;
		int slash_ok;
		int ok;
	} cases[] = {
		{ "vm.ovf", 0, 1 }, { "Ref:3/00000001", 1, 1 },
		{ "Ref:3/00000001", 0, 0 }, { "../x", 0, 0 }, { "../x", 1, 0 },
		{ "a/../b", 1, 0 }, { "a//b", 1, 0 }, { "/etc/passwd", 1, 0 },
		{ "..", 0, 0 }, { ".", 0, 0 }, { "", 0, 0 }, { "a\nb", 0, 0 },
		{ "a\\..\\b", 0, 0 }, { "...", 0, 1 },
	};
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg((vmfmt_name_check(cases[i].name, cases[i].slash_ok,
		    err) == 0) == cases[i].ok, "\"%s\" is %sa member name",
		    cases[i].name, cases[i].ok ? "" : "not ");
}
END_TEST

#define XS(m) "<value><struct>" m "</struct></value>"
#define XM(n, v) "<member><name>" n "</name><value>" v "</value></member>"
#define XOBJ(cls, id, rec) XS(XM("class", cls) XM("id", id) \
	"<member><name>snapshot</name>" XS(rec) "</member>")
#define XVA_DOC(objs) "<?xml version=\"1.0\"?><value><struct>" \
	"<member><name>version</name>" XS(XM("hostname", "h")) "</member>" \
	"<member><name>objects</name><value><array><data>" objs \
	"</data></array></value></member></struct></value>"
#define XVM(name, mem) XOBJ("VM", "Ref:0", XM("name_label", name) \
	XM("VCPUs_max", "<string>2</string>") XM("memory_static_max", mem))
#define XVBD(id, dev, vdi, type) XOBJ("VBD", id, XM("VM", "Ref:0") \
	XM("VDI", vdi) XM("userdevice", dev) XM("type", type))
#define XVDI(id, size) XOBJ("VDI", id, XM("virtual_size", size))

START_TEST(test_xva_meta)
{
	static const char doc[] = XVA_DOC(XVM("my vm", "268435456")
	    XVBD("Ref:1", "1", "Ref:4", "Disk") XVBD("Ref:2", "0", "Ref:3",
	    "Disk") XVBD("Ref:7", "3", "Ref:9", "CD") XVDI("Ref:3", "3145728")
	    XVDI("Ref:4", "1048576") XOBJ("VIF", "Ref:5", XM("VM", "Ref:0")
	    XM("network", "Ref:6") XM("device", "0")) XOBJ("network", "Ref:6",
	    XM("name_label", "Pool-wide network")));
	struct vmfmt_vm vm;
	char err[ERR_LEN];

	ck_assert_msg(xva_meta_parse(doc, strlen(doc), &lim, &vm, err) == 0,
	    "an ova.xml reads: %s", err);
	ck_assert_str_eq(vm.vm_name, "my-vm");
	ck_assert_int_eq(vm.vm_vcpus, 2);
	ck_assert_int_eq(vm.vm_memory_mib, 256);
	ck_assert_int_eq(vm.vm_ndisks, 2);
	ck_assert_msg(strcmp(vm.vm_disks[0].vd_file, "Ref:3") == 0 &&
	    vm.vm_disks[0].vd_capacity == 3145728, "disks come in userdevice "
	    "order, a CD is left out");
	ck_assert_str_eq(vm.vm_disks[1].vd_file, "Ref:4");
	ck_assert_int_eq(vm.vm_nnics, 1);
	ck_assert_str_eq(vm.vm_nics[0].vn_network, "Pool-wide network");
}
END_TEST

START_TEST(test_xva_meta_refused)
{
	static const struct {
		const char *doc;
		const char *want;
	} cases[] = {
		{ XVA_DOC(XVM("a", "268435456") XVBD("Ref:1", "0", "Ref:3",
		    "Disk")), "VBD Ref:1: its VDI is not in the export" },
		{ XVA_DOC(XVM("a", "268435456") XVM("b", "268435456")),
		    "more than one VM object" },
		{ XVA_DOC(XVM("a", "1152921504606846976")),
		    "memory_static_max \"1152921504606846976\"" },
		{ XVA_DOC(XVM("a", "268435456") XVBD("Ref:1", "0", "Ref:3",
		    "Disk") XVDI("Ref:3", "1125899906842624")),
		    "VDI Ref:3: virtual_size \"1125899906842624\"" },
		{ XVA_DOC(XVM("a", "268435456") XVBD("Ref:1", "0", "../x",
		    "Disk") XVDI("../x", "1048576")), "member \"../x\"" },
		{ XVA_DOC(""), "no VM object" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY a \"b\">]>"
		    "<value/>", "DOCTYPE" },
		{ "<value><struct/></value>", "not an XML-RPC struct" },
	};
	struct vmfmt_vm vm;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(xva_meta_parse(cases[i].doc, strlen(cases[i].doc),
		    &lim, &vm, err) == -1, "ova.xml %zu is refused", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "ova.xml %zu: the error names \"%s\": %s", i, cases[i].want,
		    err);
	}
}
END_TEST

START_TEST(test_config)
{
	const char *vols[] = { "web-disk0", "web-disk1" };
	struct vm_config c;
	struct vmfmt_vm vm, back;
	char err[ERR_LEN];

	memset(&vm, 0, sizeof(vm));
	snprintf(vm.vm_name, sizeof(vm.vm_name), "web");
	vm.vm_vcpus = 2;
	vm.vm_memory_mib = 256;
	vm.vm_ndisks = 2;
	vm.vm_nnics = 2;
	snprintf(vm.vm_nics[0].vn_network, VMFMT_NET_MAX, "vlan20");
	snprintf(vm.vm_nics[1].vn_network, VMFMT_NET_MAX, "NAT");
	ck_assert_msg(vmfmt_vm_to_config(&vm, "local", vols, &c, err) == 0,
	    "an imported VM is an hvd config: %s", err);
	ck_assert_int_eq(c.nics[0].vlan, 20);
	ck_assert_msg(c.nics[1].vlan == 0, "a network not named vlanN is "
	    "untagged");
	ck_assert_str_eq(c.disks[1].volume, "web-disk1");
	ck_assert_str_eq(c.disks[1].pool, "local");
	vmfmt_vm_from_config(&c, &back);
	ck_assert_str_eq(back.vm_nics[0].vn_network, "vlan20");
	ck_assert_str_eq(back.vm_nics[1].vn_network, "untagged");
	ck_assert_int_eq(back.vm_memory_mib, 256);
	vm.vm_vcpus = 65;
	ck_assert_msg(vmfmt_vm_to_config(&vm, "local", vols, &c, err) == -1 &&
	    strstr(err, "vcpus") != NULL, "hvd's own checks apply: %s", err);
	ck_assert_int_eq(vmfmt_network_vlan("vlan4095"), 0);
	ck_assert_int_eq(vmfmt_network_vlan("vlan07"), 0);
}
END_TEST

Suite *
make_vmfmt_suite(void)
{
	Suite *s = suite_create("vmfmt");
	TCase *tc = tcase_create("descriptors");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_ovf_roundtrip);
	tcase_add_test(tc, test_ovf_foreign);
	tcase_add_test(tc, test_ovf_refused);
	tcase_add_test(tc, test_mf);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_xva_meta);
	tcase_add_test(tc, test_xva_meta_refused);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	return s;
}
