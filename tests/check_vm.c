/*
 * check_vm.c - VM configuration (strict JSON, checks naming the field) and
 * the QEMU command line built from it (platform/vm.c).  No QEMU is run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "err.h"
#include "json.h"
#include "platform/vm.h"

static const char good[] =
    "{\"name\":\"vm1\",\"vcpus\":2,\"memory_mib\":256,"
    "\"kernel\":\"/k/vmlinux\",\"initrd\":\"/k/initrd.img\","
    "\"cmdline\":\"console=ttyS0 hvlab.ip=198.18.1.10/24\","
    "\"disks\":[{\"pool\":\"san\",\"volume\":\"vm1-d0\",\"path\":"
    "\"iscsi://198.18.0.2/iqn.2026-11.lab:san/1\"},{\"pool\":\"local\","
    "\"volume\":\"scratch\",\"format\":\"raw\",\"cache\":\"writeback\","
    "\"path\":\"/var/lib/hvd/a,b.img\"}],"
    "\"nics\":[{\"vlan\":10},{\"vlan\":20,\"mac\":\"52:54:00:aa:bb:cc\"}]}";

static int
parse(const char *text, struct vm_config *c, char *bad, char *err)
{
	cJSON *doc = cJSON_Parse(text);
	int rc;

	ck_assert_msg(doc != NULL, "test JSON parses: %s", text);
	rc = vm_config_from_json(doc, c, bad, 64, err);
	cJSON_Delete(doc);
	return rc;
}

START_TEST(test_config_good)
{
	struct vm_config c;
	char bad[64], err[ERR_LEN];
	cJSON *j;
	char *text;
	struct vm_config c2;

	ck_assert_msg(parse(good, &c, bad, err) == 0, "good config: %s", err);
	ck_assert_int_eq(c.vcpus, 2);
	ck_assert_int_eq(c.ndisks, 2);
	ck_assert_str_eq(c.disks[0].format, "qcow2");
	ck_assert_msg(strcmp(c.disks[0].cache, "none") == 0,
	    "disks default to cache=none (safe on shared storage)");
	ck_assert_int_eq(c.nnics, 2);
	ck_assert_str_eq(c.machine, "q35");

	/* round trip */
	j = vm_config_to_json(&c);
	text = cJSON_PrintUnformatted(j);
	ck_assert_int_eq(parse(text, &c2, bad, err), 0);
	ck_assert_msg(memcmp(&c, &c2, sizeof(c)) == 0,
	    "to_json then from_json gives the same config");
	free(text);
	cJSON_Delete(j);
}
END_TEST

static const struct {
	const char *text;
	const char *field;	/* expected bad field */
	const char *msg;	/* expected error substring */
} bad_cases[] = {
	{ "[]", "", "must be a JSON object" },
	{ "{\"vcpus\":1}", "name", "'name' is required" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"color\":\"red\"}", "color",
	  "unknown field 'color'" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"vcpus\":\"2\"}", "vcpus",
	  "'vcpus' must be an integer" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"vcpus\":0}", "vcpus",
	  "not in 1..64" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"memory_mib\":1e12}",
	  "memory_mib", "memory_mib" },
	{ "{\"name\":\"-vm\",\"kernel\":\"/k\"}", "name", "must be 1 to" },
	{ "{\"name\":\"a b\",\"kernel\":\"/k\"}", "name", "must be 1 to" },
	{ "{\"name\":\"vm1\"}", "kernel", "needs a kernel or a disk" },
	{ "{\"name\":\"vm1\",\"kernel\":\"k\"}", "kernel", "absolute path" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"cmdline\":\"a\\nb\"}",
	  "kernel/initrd/cmdline", "control characters" },
	{ "{\"name\":\"vm1\",\"machine\":\"virt\",\"kernel\":\"/k\"}",
	  "machine", "is not one of" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"disks\":{}}", "disks",
	  "'disks' must be an array" },
	{ "{\"name\":\"vm1\",\"disks\":[{\"pool\":\"p\",\"volume\":\"v\","
	  "\"cache\":\"fast\"}]}", "disks", "disks[0].cache: 'fast'" },
	{ "{\"name\":\"vm1\",\"disks\":[{\"pool\":\"p\",\"volume\":\"v\","
	  "\"size\":1}]}", "disks", "unknown field 'size'" },
	{ "{\"name\":\"vm1\",\"disks\":[{\"pool\":\"p\"}]}", "disks",
	  "'volume' is required" },
	{ "{\"name\":\"vm1\",\"disks\":[{\"pool\":\"p\",\"volume\":\"v\"},"
	  "{\"pool\":\"p\",\"volume\":\"v\"}]}", "disks", "already disks[0]" },
	{ "{\"name\":\"vm1\",\"disks\":[{\"pool\":\"p\",\"volume\":\"v\","
	  "\"path\":\"rel/x\"}]}", "disks", "absolute path or an iscsi" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"nics\":[{\"vlan\":4095}]}",
	  "nics", "nics[0].vlan: 4095" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"nics\":[{\"mac\":"
	  "\"01:00:5e:00:00:01\"}]}", "nics", "unicast MAC" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"nics\":[{\"mac\":"
	  "\"52:54:00:00:00:01\"},{\"mac\":\"52:54:00:00:00:01\"}]}", "nics",
	  "also nics[0]" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"nics\":[1]}", "nics",
	  "nics[0] must be an object" },
	/* QEMU's -cpu takes properties after a comma: a caller's VM would
	 * get host features (nested VMX) nobody allowed. */
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"cpu\":\"qemu64,+vmx\"}",
	  "cpu", "cpu: 'qemu64,+vmx' is not one of qemu64" },
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"cpu\":\"Opteron_G9\"}",
	  "cpu", "is not one of" },
	/* Any -device name was taken as a NIC model: shared host memory,
	 * a second QMP, a debug port. */
	{ "{\"name\":\"vm1\",\"kernel\":\"/k\",\"nics\":[{\"model\":"
	  "\"ivshmem-plain\"}]}", "nics", "nics[0].model: 'ivshmem-plain' is "
	  "not one of virtio-net-pci" },
	{ "{\"name\":\"vm1\",\"machine\":\"microvm\",\"kernel\":\"/k\","
	  "\"nics\":[{\"model\":\"e1000\"}]}", "nics", "on microvm" },
	/* Without a kernel the cmdline goes to the firmware's SMBIOS
	 * tables, which microvm has not. */
	{ "{\"name\":\"vm1\",\"machine\":\"microvm\",\"cmdline\":\"a\","
	  "\"disks\":[{\"pool\":\"p\",\"volume\":\"v\"}]}", "cmdline",
	  "a microvm VM without a kernel" },
};

START_TEST(test_config_bad)
{
	struct vm_config c;
	char bad[64] = "x", err[ERR_LEN];

	err[0] = '\0';
	ck_assert_msg(parse(bad_cases[_i].text, &c, bad, err) == -1,
	    "bad case %d is refused", _i);
	ck_assert_msg(strstr(err, bad_cases[_i].msg) != NULL,
	    "bad case %d: error '%s' says '%s'", _i, err, bad_cases[_i].msg);
	ck_assert_msg(strcmp(bad, bad_cases[_i].field) == 0,
	    "bad case %d: field '%s' is reported as '%s'", _i, bad,
	    bad_cases[_i].field);
}
END_TEST

static int
has_arg(char **av, const char *a)
{
	int i;

	for (i = 0; av[i] != NULL; i++)
		if (strcmp(av[i], a) == 0)
			return 1;
	return 0;
}

/* The value after option opt (first occurrence from start). */
static const char *
arg_after(char **av, const char *opt, int nth)
{
	int i;

	for (i = 0; av[i] != NULL && av[i + 1] != NULL; i++)
		if (strcmp(av[i], opt) == 0 && nth-- == 0)
			return av[i + 1];
	return "";
}

START_TEST(test_argv)
{
	struct vm_host h;
	struct vm_config c;
	char bad[64], err[ERR_LEN], tap[16], mac[18], want[128], **av;

	memset(&h, 0, sizeof(h));
	snprintf(h.run_base, sizeof(h.run_base), "/run/hvd/vms");
	snprintf(h.accel, sizeof(h.accel), "tcg");
	ck_assert_int_eq(parse(good, &c, bad, err), 0);
	ck_assert_msg(vm_argv_build(&h, &c, VM_START_INCOMING, &av, err) == 0,
	    "argv builds: %s", err);
	ck_assert_str_eq(av[0], "qemu-system-x86_64");
	ck_assert_msg(strcmp(arg_after(av, "-machine", 0),
	    "q35,accel=tcg,sata=off,smbus=off,smm=off") == 0,
	    "the host's accelerator decision is QEMU's, not kvm:tcg: %s",
	    arg_after(av, "-machine", 0));
	ck_assert_str_eq(arg_after(av, "-global", 0), "apic-common.vapic=off");
	ck_assert_msg(has_arg(av, "-nodefaults") && has_arg(av,
	    "-no-user-config") && !has_arg(av, "-daemonize"),
	    "no default devices, no user config, not -daemonize (its fork "
	    "and setsid are what the sandbox forbids)");
	ck_assert_msg(strcmp(arg_after(av, "-sandbox", 0), "on,obsolete=deny,"
	    "elevateprivileges=deny,spawn=deny,resourcecontrol=deny") == 0,
	    "QEMU runs under its full seccomp filter: %s",
	    arg_after(av, "-sandbox", 0));
	ck_assert_str_eq(arg_after(av, "-display", 0), "none");
	ck_assert_str_eq(arg_after(av, "-m", 0), "256M");
	ck_assert_str_eq(arg_after(av, "-qmp", 0),
	    "unix:/run/hvd/vms/vm1/qmp.sock,server=on,wait=off");
	ck_assert_str_eq(arg_after(av, "-pidfile", 0),
	    "/run/hvd/vms/vm1/qemu.pid");
	ck_assert_str_eq(arg_after(av, "-name", 0),
	    "guest=vm1,debug-threads=on");
	ck_assert_str_eq(arg_after(av, "-incoming", 0), "defer");
	ck_assert_str_eq(arg_after(av, "-drive", 0),
	    "file=iscsi://198.18.0.2/iqn.2026-11.lab:san/1,format=qcow2,"
	    "if=none,id=disk0,cache=none");
	ck_assert_msg(strcmp(arg_after(av, "-drive", 1),
	    "file=/var/lib/hvd/a,,b.img,format=raw,if=none,id=disk1,"
	    "cache=writeback") == 0,
	    "a comma in a path is doubled: %s", arg_after(av, "-drive", 1));
	vm_tap_name("vm1", 0, tap, sizeof(tap));
	ck_assert_msg(strlen(tap) < 16, "tap names fit IFNAMSIZ");
	snprintf(want, sizeof(want), "tap,id=net0,ifname=%s,script=no,"
	    "downscript=no,vnet_hdr=off", tap);
	ck_assert_str_eq(arg_after(av, "-netdev", 0), want);
	vm_default_mac("vm1", 0, mac, sizeof(mac));
	snprintf(want, sizeof(want), "virtio-net-pci,netdev=net0,id=nic0,"
	    "mac=%s,romfile=", mac);
	ck_assert_str_eq(arg_after(av, "-device", 2), want);
	ck_assert_str_eq(arg_after(av, "-device", 3), "virtio-net-pci,"
	    "netdev=net1,id=nic1,mac=52:54:00:aa:bb:cc,romfile=");
	ck_assert_msg(!has_arg(av, "-S"), "no -S unless asked");
	ck_assert_msg(!has_arg(av, "-smbios"), "with a kernel the cmdline is "
	    "its -append, not an OEM string");
	ck_assert_msg(strstr(arg_after(av, "-device", 0), "bootindex") == NULL,
	    "with a kernel no disk is a boot device: %s",
	    arg_after(av, "-device", 0));
	vm_argv_free(av);
}
END_TEST

/* A VM without a kernel boots its first disk through the firmware and
 * gets its cmdline as SMBIOS OEM strings (commas doubled for QEMU). */
START_TEST(test_argv_disk_boot)
{
	static const char disk_vm[] = "{\"name\":\"vm2\","
	    "\"cmdline\":\"hvlab.name=vm2 hvlab.ip=198.18.1.11/24 x=a,b\","
	    "\"disks\":[{\"pool\":\"d\",\"volume\":\"boot\",\"path\":"
	    "\"/p/boot.qcow2\"},{\"pool\":\"d\",\"volume\":\"data\","
	    "\"path\":\"/p/data.qcow2\"}]}";
	struct vm_host h;
	struct vm_config c;
	char bad[64], err[ERR_LEN], **av;

	memset(&h, 0, sizeof(h));
	snprintf(h.run_base, sizeof(h.run_base), "/run/hvd/vms");
	snprintf(h.accel, sizeof(h.accel), "tcg");
	ck_assert_msg(parse(disk_vm, &c, bad, err) == 0, "a VM with a "
	    "cmdline and no kernel is accepted: %s", err);
	ck_assert_msg(vm_argv_build(&h, &c, 0, &av, err) == 0,
	    "argv builds: %s", err);
	ck_assert_msg(!has_arg(av, "-kernel") && !has_arg(av, "-append"),
	    "no kernel: the firmware boots a disk");
	ck_assert_str_eq(arg_after(av, "-smbios", 0), "type=11,value="
	    "hvlab.name=vm2 hvlab.ip=198.18.1.11/24 x=a,,b");
	ck_assert_str_eq(arg_after(av, "-device", 0),
	    "virtio-blk-pci,drive=disk0,id=vd0,bootindex=1");
	ck_assert_msg(strstr(arg_after(av, "-device", 1), "bootindex") ==
	    NULL, "only the first disk boots: %s", arg_after(av, "-device", 1));
	vm_argv_free(av);
}
END_TEST

START_TEST(test_argv_refused)
{
	struct vm_host h;
	struct vm_config c;
	char bad[64], err[ERR_LEN], **av = NULL;

	memset(&h, 0, sizeof(h));
	snprintf(h.run_base, sizeof(h.run_base), "relative/run");
	ck_assert_int_eq(parse(good, &c, bad, err), 0);
	ck_assert_int_eq(vm_argv_build(&h, &c, 0, &av, err), -1);
	ck_assert_msg(strstr(err, "absolute") != NULL, "run_base: %s", err);
	ck_assert_ptr_null(av);

	snprintf(h.run_base, sizeof(h.run_base), "/run/hvd/%0100d", 0);
	ck_assert_int_eq(vm_argv_build(&h, &c, 0, &av, err), -1);
	ck_assert_msg(strstr(err, "too long for a unix socket") != NULL,
	    "QMP socket path length is checked: %s", err);

	snprintf(h.run_base, sizeof(h.run_base), "/run/hvd");
	c.disks[1].path[0] = '\0';
	ck_assert_int_eq(vm_argv_build(&h, &c, 0, &av, err), -1);
	ck_assert_msg(strstr(err, "disks[1]: volume local/scratch has no "
	    "resolved path") != NULL, "unresolved disk: %s", err);

	/* -cpu host needs KVM; under TCG QEMU would fail later and less
	 * clearly. */
	ck_assert_int_eq(parse(good, &c, bad, err), 0);
	snprintf(c.cpu, sizeof(c.cpu), "host");
	snprintf(h.accel, sizeof(h.accel), "tcg");
	ck_assert_int_eq(vm_argv_build(&h, &c, 0, &av, err), -1);
	ck_assert_msg(strstr(err, "cpu: 'host' needs KVM") != NULL,
	    "cpu host under TCG is refused naming the field: %s", err);
	ck_assert_ptr_null(av);
}
END_TEST

START_TEST(test_names)
{
	char a[16], b[16], m1[18], m2[18];

	vm_tap_name("vm1", 0, a, sizeof(a));
	vm_tap_name("vm1", 1, b, sizeof(b));
	ck_assert_str_ne(a, b);
	vm_tap_name("vm1", 0, b, sizeof(b));
	ck_assert_msg(strcmp(a, b) == 0, "tap names are deterministic");
	vm_default_mac("vm1", 0, m1, sizeof(m1));
	vm_default_mac("vm2", 0, m2, sizeof(m2));
	ck_assert_str_ne(m1, m2);
	ck_assert_msg(strncmp(m1, "52:54:00:", 9) == 0,
	    "derived MACs are in QEMU's local prefix");
}
END_TEST

START_TEST(test_start_failure_leaves_nothing)
{
	struct vm_host h;
	struct vm_config c;
	struct vm_proc p;
	char bad[64], err[ERR_LEN], dir[64], script[96], path[160];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_vm.%d", (int)getpid());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(script, sizeof(script), "%s/fake-qemu", dir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\necho 'qemu: could not load kernel' >&2\n"
	    "exit 1\n");
	fclose(f);
	chmod(script, 0755);
	memset(&h, 0, sizeof(h));
	snprintf(h.run_base, sizeof(h.run_base), "%s/run", dir);
	snprintf(h.qemu, sizeof(h.qemu), "%s", script);
	ck_assert_int_eq(parse("{\"name\":\"vm1\",\"kernel\":\"/k\"}", &c,
	    bad, err), 0);
	ck_assert_int_eq(vm_start(&h, &c, 0, &p, err), -1);
	ck_assert_msg(strstr(err, "VM vm1: QEMU did not start: qemu: could "
	    "not load kernel") != NULL, "QEMU's own message is reported: %s",
	    err);
	snprintf(path, sizeof(path), "%s/run/vm1/vm.json", dir);
	ck_assert_msg(access(path, F_OK) != 0,
	    "a failed start leaves no vm.json behind");
	snprintf(path, sizeof(path), "%s/run/vm1/qemu.pid", dir);
	ck_assert_msg(access(path, F_OK) != 0, "and no pid file");
	ck_assert_int_eq(vm_adopt(&h, "vm1", &p, err), 0);
	/* clean up the test's files */
	snprintf(path, sizeof(path), "%s/run/vm1/qemu.log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run/vm1", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	unlink(script);
	rmdir(dir);
}
END_TEST

Suite *
make_vm_suite(void)
{
	Suite *s = suite_create("vm");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_config_good);
	tcase_add_loop_test(tc, test_config_bad, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("argv");
	tcase_add_test(tc, test_argv);
	tcase_add_test(tc, test_argv_disk_boot);
	tcase_add_test(tc, test_argv_refused);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_start_failure_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}
