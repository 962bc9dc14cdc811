/*
 * check_topo.c - unit tests of the lab topology loader (lab/topo.c): every
 * tests/config/pass-lab-*.yaml loads, every fail-lab-*.yaml fails with the
 * message in the .expect file beside it, and the address plan is the one
 * docs/lab.md promises.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "err.h"
#include "lab/topo.h"

#define CONFIG_DIR "config"

void
check_read_expect(const char *yaml, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%.*s.expect",
	    (int)(strlen(yaml) - strlen(".yaml")), yaml);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s exists beside %s", path, yaml);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

START_TEST(test_config_files)
{
	DIR *d = opendir(CONFIG_DIR);
	struct dirent *de;
	int npass = 0, nfail = 0;

	ck_assert_msg(d != NULL, "tests/config exists");
	while ((de = readdir(d)) != NULL) {
		char path[512], err[ERR_LEN], want[ERR_LEN];
		struct topo *t;
		size_t n = strlen(de->d_name);
		int pass, rc;

		if (n < 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		if (strncmp(de->d_name, "pass-lab-", 9) == 0)
			pass = 1;
		else if (strncmp(de->d_name, "fail-lab-", 9) == 0)
			pass = 0;
		else
			continue;
		snprintf(path, sizeof(path), CONFIG_DIR "/%s", de->d_name);
		t = calloc(1, sizeof(*t));
		err[0] = '\0';
		rc = topo_load(path, NULL, t, NULL, err);
		if (pass) {
			ck_assert_msg(rc == 0, "%s loads (got: %s)", path, err);
			npass++;
		} else {
			check_read_expect(path, want, sizeof(want));
			ck_assert_msg(rc == -1, "%s is refused", path);
			ck_assert_msg(strstr(err, want) != NULL,
			    "%s is refused with '%s' (got '%s')", path, want,
			    err);
			nfail++;
		}
		free(t);
	}
	closedir(d);
	ck_assert_msg(npass >= 2 && nfail >= 10,
	    "the pass-lab and fail-lab files were found");
}
END_TEST

START_TEST(test_default_plan)
{
	struct topo *t = calloc(1, sizeof(*t));
	char err[ERR_LEN], a[16];
	const struct topo_host *h;
	uint32_t base;

	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-default.yaml", NULL, t,
	    NULL, err) == 0, "the default topology loads: %s", err);
	base = topo_default_base("hvlab");
	ck_assert_msg(t->t_base == base, "the lab's /22 comes from its name");
	ck_assert_msg((base & 0xFFFE0000u) == TOPO_RANGE_BASE &&
	    (base & 1023) == 0, "the default block is an aligned /22 in "
	    "198.18.0.0/15");
	ck_assert_int_eq(t->t_nhosts, 3);
	ck_assert_int_eq(t->t_nvlans, 3);
	h = topo_host_find(t, "host2");
	ck_assert_msg(h != NULL, "host2 exists");
	ck_assert_msg(h->h_mgmt_addr == base + 12,
	    "host2 is .12 on the management VLAN (the first /24)");
	ck_assert_msg(h->h_storage_addr == base + 256 + 12,
	    "host2 is .12 on the storage VLAN (the second /24)");
	ck_assert_msg(h->h_bond == TOPO_BOND_BALANCE_TCP && h->h_lacp,
	    "balance-tcp runs LACP");
	h = topo_host_find(t, "host1");
	ck_assert_msg(h->h_bond == TOPO_BOND_ACTIVE_BACKUP && h->h_lacp,
	    "active-backup bonds run LACP by default");
	ck_assert_int_eq(h->h_ntrunks, 3);
	h = topo_host_find(t, "host3");
	ck_assert_msg(h->h_bond == TOPO_BOND_NONE && !h->h_lacp,
	    "a one-NIC host has no bond");
	ck_assert_msg(t->t_san.s_present && t->t_san.s_nluns == 2,
	    "the SAN has two LUNs");
	ck_assert_msg(t->t_san.s_luns[1].l_size == 512ULL << 20,
	    "512M is 512 MiB");
	ck_assert_msg(t->t_san.s_addr == base + 256 + 250,
	    "the SAN portal is .250 on the storage VLAN");
	ck_assert_msg(t->t_station.st_present &&
	    t->t_station.st_addr == base + 254,
	    "the station is .254 on the management VLAN");
	topo_addr_str(t->t_san.s_addr, a, sizeof(a));
	ck_assert_msg(strncmp(a, "198.1", 5) == 0, "addresses print dotted");
	ck_assert_msg(strstr(t->t_san.s_iqn, "hvlab") != NULL,
	    "the default IQN names the lab");
	free(t);
}
END_TEST

START_TEST(test_bmc_plan)
{
	struct topo *t = calloc(1, sizeof(*t));
	char err[ERR_LEN];

	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-bmc.yaml", NULL, t,
	    NULL, err) == 0, "the BMC topology loads: %s", err);
	ck_assert_msg(t->t_bmc.b_present && strcmp(t->t_bmc.b_user,
	    "fence") == 0 && strcmp(t->t_bmc.b_password, "s3cret-pw") == 0,
	    "bmc: gives the user and password of the file");
	ck_assert_msg(t->t_hosts[0].h_bmc_addr == t->t_base + 51 &&
	    t->t_hosts[1].h_bmc_addr == t->t_base + 52 &&
	    t->t_bmc.b_vlan == 10, "host i's BMC is .51+i on the "
	    "management VLAN");
	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-default.yaml", NULL, t,
	    NULL, err) == 0 && !t->t_bmc.b_present &&
	    t->t_hosts[0].h_bmc_addr == 0, "a lab has no BMCs by default");
	free(t);
}
END_TEST

START_TEST(test_san_witness)
{
	struct topo *t = calloc(1, sizeof(*t));
	char err[ERR_LEN];

	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-witness.yaml", NULL, t,
	    NULL, err) == 0, "the witness topology loads: %s", err);
	ck_assert_msg(t->t_san.s_witness, "witness: true makes the SAN a "
	    "witness box");
	ck_assert_msg(t->t_san.s_addr == t->t_base + 256 + 250,
	    "the portal stays .250 on the storage VLAN");
	ck_assert_msg(t->t_san.s_mgmt_addr == t->t_base + 250 &&
	    t->t_san.s_mgmt_vlan == 10, "the witness is .250 on the "
	    "management VLAN, where the hosts' etcd members listen");
	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-default.yaml", NULL, t,
	    NULL, err) == 0 && !t->t_san.s_witness && t->t_san.s_mgmt_addr == 0,
	    "a SAN is no witness by default");
	free(t);
}
END_TEST

START_TEST(test_override_and_access)
{
	struct topo *t = calloc(1, sizeof(*t));
	char err[ERR_LEN];
	const struct topo_host *h;

	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-access.yaml", "t3x", t,
	    NULL, err) == 0, "the access topology loads: %s", err);
	ck_assert_str_eq(t->t_name, "t3x");
	ck_assert_msg(t->t_base == 0xC6138000u, "subnet: sets the block "
	    "(198.19.128.0)");
	h = topo_host_find(t, "h2");
	ck_assert_msg(h->h_mode == TOPO_PORT_ACCESS && h->h_mgmt_vlan == 30,
	    "an access host's management VLAN is its access VLAN");
	ck_assert_msg(h->h_mgmt_addr == 0xC6138000u + 256 + 12,
	    "h2 is .12 in VLAN 30's /24");
	ck_assert_msg(h->h_rate_kbit == 100000, "switch rate applies");
	h = topo_host_find(t, "h1");
	ck_assert_msg(h->h_rate_kbit == 1000000 && h->h_ntrunks == 1 &&
	    !h->h_lacp, "per-port rate and vlans, lacp: off");
	ck_assert_msg(!t->t_san.s_present, "no SAN when none is given");
	ck_assert_msg(topo_load(CONFIG_DIR "/pass-lab-access.yaml", "bad-name",
	    t, NULL, err) == -1, "a bad --lab name is refused");
	free(t);
}
END_TEST

START_TEST(test_parsers)
{
	uint64_t v;

	ck_assert_msg(topo_parse_size("4G", &v) == 0 && v == 4ULL << 30,
	    "4G is 4 GiB");
	ck_assert_msg(topo_parse_size("100", &v) == 0 && v == 100,
	    "bare numbers are bytes");
	ck_assert_msg(topo_parse_size("4X", &v) == -1, "4X is refused");
	ck_assert_msg(topo_parse_size("0", &v) == -1, "0 bytes is refused");
	ck_assert_msg(topo_parse_rate("100mbit", &v) == 0 && v == 100000,
	    "100mbit is 100000 kbit/s");
	ck_assert_msg(topo_parse_rate("fast", &v) == -1, "fast is refused");
	ck_assert_msg(topo_check_name("t3a", NULL) == 0, "t3a is a lab name");
	ck_assert_msg(topo_check_name("3ta", NULL) == -1,
	    "lab names start with a letter");
	ck_assert_msg(topo_check_name("abcdefghijklmnopq", NULL) == -1,
	    "lab names have at most 16 characters");
}
END_TEST

Suite *
make_topo_suite(void)
{
	Suite *s = suite_create("topo");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, test_config_files);
	tcase_add_test(tc, test_default_plan);
	tcase_add_test(tc, test_san_witness);
	tcase_add_test(tc, test_bmc_plan);
	tcase_add_test(tc, test_override_and_access);
	tcase_add_test(tc, test_parsers);
	suite_add_tcase(s, tc);
	return s;
}
