/*
 * check_netcfg.c - network change requests (platform/netcfg.c): parsing
 * and the checks that need no OVS (names, VLAN ranges, bond modes).  The
 * apply/rollback path runs against real OVS in the integration tests.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/netcfg.h"

static const struct {
	const char *text;
	const char *msg;	/* NULL = parses */
} changes[] = {
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"vlan\":20}", NULL },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"trunks\":[10,20]}",
	  NULL },
	{ "{\"kind\":\"bond-add\",\"port\":\"bond0\",\"members\":[\"eth0\","
	  "\"eth1\"],\"bond_mode\":\"balance-tcp\",\"lacp\":\"active\"}", NULL },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"bond_mode\":"
	  "\"active-backup\"}", NULL },
	{ "{\"kind\":\"bond-del\",\"port\":\"bond0\"}", NULL },
	{ "{\"kind\":\"teleport\",\"port\":\"eth0\"}", "'kind' must be one of" },
	{ "{\"kind\":\"port-vlan\"}", "'port' is required" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0;rm\"}", "not an interface" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"averyveryverylongname\"}",
	  "not an interface" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"vlan\":5000}",
	  "'vlan' must be in 0..4094" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"trunks\":[0]}",
	  "'trunks' must be VLAN numbers" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"trunks\":\"10\"}",
	  "'trunks' must be an array" },
	{ "{\"kind\":\"bond-add\",\"port\":\"b\",\"members\":[1]}",
	  "'members' must be interface names" },
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"color\":1}",
	  "unknown field 'color'" },
};

START_TEST(test_change_parse)
{
	cJSON *doc = cJSON_Parse(changes[_i].text);
	struct netcfg_change ch;
	char err[ERR_LEN];
	int rc = netcfg_change_from_json(doc, &ch, err);

	if (changes[_i].msg == NULL)
		ck_assert_msg(rc == 0, "change %d parses: %s", _i, err);
	else
		ck_assert_msg(rc == -1 && strstr(err, changes[_i].msg) != NULL,
		    "change %d: '%s' says '%s'", _i, err, changes[_i].msg);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_change_fields)
{
	cJSON *doc = cJSON_Parse(changes[2].text);
	struct netcfg_change ch;
	char err[ERR_LEN];

	ck_assert_int_eq(netcfg_change_from_json(doc, &ch, err), 0);
	ck_assert_int_eq(ch.kind, NETCFG_BOND_ADD);
	ck_assert_int_eq(ch.nmembers, 2);
	ck_assert_str_eq(ch.members[1], "eth1");
	ck_assert_str_eq(ch.bond_mode, "balance-tcp");
	ck_assert_str_eq(ch.lacp, "active");
	cJSON_Delete(doc);
}
END_TEST

/* Checks that refuse before touching OVS (the db path does not exist). */
static const struct {
	const char *text;
	const char *msg;
} refused[] = {
	{ "{\"kind\":\"port-vlan\",\"port\":\"eth0\",\"vlan\":10,"
	  "\"trunks\":[20]}", "exclude each other" },
	{ "{\"kind\":\"bond-add\",\"port\":\"bond0\",\"members\":[\"eth0\"],"
	  "\"bond_mode\":\"active-backup\"}", "at least 2 members" },
	{ "{\"kind\":\"bond-add\",\"port\":\"bond0\",\"members\":[\"eth0\","
	  "\"eth0\"],\"bond_mode\":\"active-backup\"}", "given twice" },
	{ "{\"kind\":\"bond-add\",\"port\":\"bond0\",\"members\":[\"eth0\","
	  "\"eth1\"],\"bond_mode\":\"round-robin\"}", "bond_mode must be" },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"bond_mode\":"
	  "\"balance-tcp\",\"lacp\":\"off\"}", "balance-tcp needs lacp" },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"bond_mode\":"
	  "\"balance-slb\",\"lacp\":\"maybe\"}", "lacp must be" },
};

START_TEST(test_change_refused)
{
	cJSON *doc = cJSON_Parse(refused[_i].text);
	struct netcfg_change ch;
	struct netcfg_ovs o;
	char err[ERR_LEN];
	int rb = -1;

	memset(&o, 0, sizeof(o));
	snprintf(o.db, sizeof(o.db), "/nonexistent/db.sock");
	snprintf(o.bridge, sizeof(o.bridge), "br0");
	ck_assert_int_eq(netcfg_change_from_json(doc, &ch, err), 0);
	ck_assert_int_eq(netcfg_apply(&o, &ch, NULL, &rb, err), -1);
	ck_assert_msg(strstr(err, refused[_i].msg) != NULL,
	    "refused %d: '%s' says '%s'", _i, err, refused[_i].msg);
	ck_assert_msg(rb == 0, "a refused change is not a rollback");
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(netcfg_ifname_valid("eth0"));
	ck_assert(netcfg_ifname_valid("hv1a2b3c4dn0"));
	ck_assert(!netcfg_ifname_valid(""));
	ck_assert(!netcfg_ifname_valid("0123456789abcdef"));
	ck_assert(!netcfg_ifname_valid("a/b"));
	ck_assert(netcfg_vlan_valid(0) && netcfg_vlan_valid(4094));
	ck_assert(!netcfg_vlan_valid(4095) && !netcfg_vlan_valid(-1));
}
END_TEST

Suite *
make_netcfg_suite(void)
{
	Suite *s = suite_create("netcfg");
	TCase *tc = tcase_create("change");

	tcase_add_loop_test(tc, test_change_parse, 0,
	    (int)(sizeof(changes) / sizeof(changes[0])));
	tcase_add_test(tc, test_change_fields);
	tcase_add_loop_test(tc, test_change_refused, 0,
	    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
