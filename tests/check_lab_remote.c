/*
 * check_lab_remote.c - unit tests of the remote provider's inventory
 * (lab/remote_inv.c) and of the commands it builds: the full example
 * loads with its defaults filled in, every tests/config/fail-remote-*.yaml
 * fails with the message of the .expect beside it, {port} expands, and
 * a command line quotes what the shell would otherwise read.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "check_suites.h"
#include "err.h"
#include "lab/remote.h"

#define CONFIG_DIR "config"

/* The inventory of path, its topology loaded first. */
static int
load(const char *path, struct topo *t, struct rinv *ri, char *err)
{
	if (topo_load(path, NULL, t, NULL, err) < 0)
		return -2;
	return remote_inv_load(path, t, ri, NULL, err);
}

START_TEST(test_inventory_defaults)
{
	struct topo *t = calloc(1, sizeof(*t));
	struct rinv *ri = calloc(1, sizeof(*ri));
	const struct rinv_host *a, *b;
	char err[ERR_LEN] = "";

	ck_assert_msg(load(CONFIG_DIR "/pass-remote-inventory.yaml", t, ri,
	    err) == 0, "the example inventory loads (got: %s)", err);
	ck_assert_str_eq(t->t_provider, "remote");
	a = remote_inv_host(ri, "pve1");
	b = remote_inv_host(ri, "pve2");
	ck_assert_msg(a != NULL && b != NULL, "both hosts are found by name");
	ck_assert_msg(remote_inv_host(ri, "pve3") == NULL,
	    "an unknown host is not found");
	ck_assert_str_eq(a->rh_ssh.rs_user, "admin");
	ck_assert_msg(strcmp(a->rh_ssh.rs_key, "/etc/hvlab/id_ed25519") == 0 &&
	    a->rh_ssh.rs_port == 22, "a host without ssh: gets the defaults "
	    "and port 22");
	ck_assert_msg(strcmp(b->rh_ssh.rs_user, "root") == 0 &&
	    b->rh_ssh.rs_port == 2222 && strcmp(b->rh_ssh.rs_key,
	    "/etc/hvlab/id_ed25519") == 0, "a host's own ssh: overrides "
	    "only what it names");
	ck_assert_msg(a->rh_bmc.rb_kind == RINV_BMC_REDFISH &&
	    b->rh_bmc.rb_kind == RINV_BMC_IPMI && b->rh_bmc.rb_verify,
	    "redfish and ipmi BMCs are told apart");
	ck_assert_msg(strcmp(a->rh_nics[0].rn_dev, "eno1") == 0 &&
	    strcmp(a->rh_nics[1].rn_dev, "eth1") == 0 &&
	    strcmp(a->rh_nics[1].rn_port, "Gi1/0/2") == 0,
	    "a NIC without a device is ethI");
	ck_assert_msg(b->rh_nnics == 2 && b->rh_nics[0].rn_port[0] == '\0',
	    "a host without nics: has the lab's, without switch ports");
	ck_assert_str_eq(ri->ri_station_netns, "mgmt");
	ck_assert_str_eq(ri->ri_san.rc_portal, "10.0.2.250:3260");
	ck_assert_str_eq(ri->ri_san.rc_ssh.rs_user, "admin");
	ck_assert_str_eq(ri->ri_switch.rc_down, "interface {port} shutdown");
	free(t);
	free(ri);
}
END_TEST

START_TEST(test_inventory_errors)
{
	DIR *d = opendir(CONFIG_DIR);
	struct dirent *de;
	int nfail = 0;

	ck_assert_msg(d != NULL, "tests/config exists");
	while ((de = readdir(d)) != NULL) {
		struct topo *t = calloc(1, sizeof(*t));
		struct rinv *ri = calloc(1, sizeof(*ri));
		char path[512], err[ERR_LEN] = "", want[ERR_LEN];
		size_t n = strlen(de->d_name);
		int rc;

		if (strncmp(de->d_name, "fail-remote-", 12) == 0 && n > 5 &&
		    strcmp(de->d_name + n - 5, ".yaml") == 0) {
			snprintf(path, sizeof(path), CONFIG_DIR "/%s",
			    de->d_name);
			check_read_expect(path, want, sizeof(want));
			rc = load(path, t, ri, err);
			ck_assert_msg(rc == -1, "%s: the lab loads, the "
			    "inventory is refused (%d: %s)", path, rc, err);
			ck_assert_msg(strstr(err, want) != NULL,
			    "%s is refused with '%s' (got '%s')", path, want,
			    err);
			nfail++;
		}
		free(t);
		free(ri);
	}
	closedir(d);
	ck_assert_msg(nfail >= 6, "the fail-remote files were found");
}
END_TEST

START_TEST(test_expand_quote)
{
	char out[64];
	char *argv[] = { "echo", "it's", "a b", NULL };

	ck_assert_msg(remote_inv_expand("interface {port} shutdown", "Gi1/0/1",
	    out, sizeof(out)) == 0, "a switch command expands");
	ck_assert_str_eq(out, "interface Gi1/0/1 shutdown");
	ck_assert_msg(remote_inv_expand("interface {port} shutdown",
	    "Gi1/0/1", out, 12) == -1, "a command that does not fit is "
	    "refused, not cut");
	ck_assert_msg(remote_sh_quote(argv, out, sizeof(out)) == 0,
	    "argv quotes");
	ck_assert_str_eq(out, "'echo' 'it'\\''s' 'a b'");
	ck_assert_msg(remote_sh_quote(argv, out, 10) == -1,
	    "a command line that does not fit is refused");
}
END_TEST


/* A host's own view of its bond: OVS's and Linux bonding's words, its
 * devices mapped to the lab's NICs by the inventory. */
START_TEST(test_bond_view)
{
	struct rinv_host h;
	int active, oper[TOPO_MAX_NICS];

	memset(&h, 0, sizeof(h));
	h.rh_nnics = 2;
	snprintf(h.rh_nics[0].rn_dev, RINV_WORD, "eno1");
	snprintf(h.rh_nics[1].rn_dev, RINV_WORD, "eno2");
	ck_assert_int_eq(remote_bond_parse("nic eno1 down\nnic eno2 up\n"
	    "active member mac: 52:54:00:12:34:56(eno2)\n", &h, &active,
	    oper), 0);
	ck_assert_msg(active == 1 && oper[0] == 0 && oper[1] == 1,
	    "OVS's active member is the second NIC, the first is down");
	ck_assert_int_eq(remote_bond_parse("nic eno1 up\nnic eno12 down\n"
	    "Currently Active Slave: eno1\n", &h, &active, oper), 0);
	ck_assert_msg(active == 0 && oper[0] == 1 && oper[1] == -1,
	    "Linux bonding's active slave; eno12 is not eno1 nor eno2");
	ck_assert_int_eq(remote_bond_parse("nic eno1 lowerlayerdown\n"
	    "active slave mac: 52:54:00:12:34:56(eth7)\n", &h, &active,
	    oper), -1);
	ck_assert_msg(active == -1 && oper[0] == 0,
	    "a member the inventory does not know is no answer; only 'up' "
	    "is up");
}
END_TEST

Suite *
make_lab_remote_suite(void)
{
	Suite *s = suite_create("lab_remote");
	TCase *tc = tcase_create("inventory");

	tcase_add_test(tc, test_inventory_defaults);
	tcase_add_test(tc, test_inventory_errors);
	tcase_add_test(tc, test_expand_quote);
	tcase_add_test(tc, test_bond_view);
	suite_add_tcase(s, tc);
	return s;
}
