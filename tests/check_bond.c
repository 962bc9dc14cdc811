/*
 * check_bond.c - the bond state parser (platform/bond.c) on ovs-appctl
 * bond/show and lacp/show text as OVS 3.1 prints it, and the bond
 * link-monitoring fields of a network change (platform/netcfg.c).
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "platform/bond.h"
#include "platform/netcfg.h"

/* Captured from a lab host (balance-tcp + LACP, eth0 unplugged). */
static const char bond_show[] =
    "---- bond0 ----\n"
    "bond_mode: balance-tcp\n"
    "bond may use recirculation: yes, Recirc-ID : 1\n"
    "bond-hash-basis: 0\n"
    "lb_output action: disabled, bond-id: -1\n"
    "updelay: 0 ms\n"
    "downdelay: 50 ms\n"
    "next rebalance: 9465 ms\n"
    "lacp_status: negotiated\n"
    "lacp_fallback_ab: false\n"
    "active-backup primary: <none>\n"
    "active member mac: 7a:a5:3f:1d:af:16(eth1)\n"
    "\n"
    "member eth0: disabled\n"
    "  may_enable: false\n"
    "\n"
    "member eth1: enabled\n"
    "  active member\n"
    "  may_enable: true\n"
    "\n";

static const char lacp_show[] =
    "---- bond0 ----\n"
    "  status: active negotiated\n"
    "  sys_id: 26:ad:87:49:80:4e\n"
    "  lacp_time: fast\n"
    "\n"
    "member: eth0: defaulted detached\n"
    "  port_id: 3\n"
    "  actor state: activity timeout aggregation defaulted\n"
    "\n"
    "member: eth1: current attached\n"
    "  port_id: 2\n"
    "  partner state: activity timeout aggregation synchronized\n";

static const cJSON *
member(const cJSON *bond, const char *name)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(bond,
	    "members"))
		if (strcmp(cJSON_GetObjectItemCaseSensitive(m,
		    "name")->valuestring, name) == 0)
			return m;
	return NULL;
}

START_TEST(test_bond_parse)
{
	char err[ERR_LEN] = "";
	cJSON *arr = bond_parse(bond_show, lacp_show, err);
	const cJSON *b, *m0, *m1;

	ck_assert_msg(arr != NULL, "real bond/show output parses (%s)", err);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	b = cJSON_GetArrayItem(arr, 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b,
	    "bond_mode")->valuestring, "balance-tcp");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b,
	    "lacp_status")->valuestring, "negotiated");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(b,
	    "lacp_time")->valuestring, "fast");
	ck_assert_msg(strcmp(cJSON_GetObjectItemCaseSensitive(b,
	    "active_member")->valuestring, "eth1") == 0,
	    "the active member is the one marked 'active member'");
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(b,
	    "downdelay_ms")->valueint, 50);
	m0 = member(b, "eth0");
	m1 = member(b, "eth1");
	ck_assert_msg(m0 && m1, "both members are listed");
	ck_assert_msg(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(m0,
	    "enabled")), "a disabled member is not enabled");
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m1,
	    "enabled")), "an enabled member is enabled");
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m1,
	    "active")), "eth1 is active");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(m0,
	    "lacp")->valuestring, "defaulted detached");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(m1,
	    "lacp")->valuestring, "current attached");
	cJSON_Delete(arr);
}
END_TEST

START_TEST(test_bond_parse_empty_and_bad)
{
	char err[ERR_LEN] = "";
	cJSON *arr = bond_parse("", NULL, err);

	ck_assert_msg(arr != NULL && cJSON_GetArraySize(arr) == 0,
	    "no bonds is an empty list");
	cJSON_Delete(arr);
	arr = bond_parse("garbage\n---- bond0 ----\n", NULL, err);
	ck_assert_msg(arr == NULL, "text before a heading is an error");
	ck_assert_msg(strstr(err, "bond/show:1:") != NULL,
	    "the error names the line: %s", err);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;	/* NULL = parses */
} changes[] = {
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"bond_mode\":"
	  "\"balance-tcp\",\"lacp\":\"active\",\"lacp_time\":\"fast\","
	  "\"link_detect\":\"miimon\",\"miimon_ms\":50,\"rebalance_ms\":1000}",
	  NULL },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"miimon_ms\":-1}",
	  "'miimon_ms' must be in" },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"rebalance_ms\":"
	  "1000000}", "'rebalance_ms' must be in" },
	{ "{\"kind\":\"bond-mode\",\"port\":\"bond0\",\"lacp_time\":3}",
	  "lacp_time" },
};

START_TEST(test_bond_change_fields)
{
	struct netcfg_change ch;
	char err[ERR_LEN] = "";
	cJSON *o = cJSON_Parse(changes[_i].text);
	int rc;

	ck_assert_ptr_nonnull(o);
	rc = netcfg_change_from_json(o, &ch, err);
	cJSON_Delete(o);
	if (changes[_i].msg == NULL) {
		ck_assert_msg(rc == 0, "%s parses (%s)", changes[_i].text, err);
		ck_assert_str_eq(ch.lacp_time, "fast");
		ck_assert_str_eq(ch.link_detect, "miimon");
		ck_assert_int_eq(ch.miimon_ms, 50);
		ck_assert_int_eq(ch.rebalance_ms, 1000);
	} else
		ck_assert_msg(rc == -1 && strstr(err, changes[_i].msg),
		    "%s is refused with '%s' (got '%s')", changes[_i].text,
		    changes[_i].msg, err);
}
END_TEST

Suite *
make_bond_suite(void)
{
	Suite *s = suite_create("bond");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_bond_parse);
	tcase_add_test(tc, test_bond_parse_empty_and_bad);
	tcase_add_loop_test(tc, test_bond_change_fields, 0,
	    (int)(sizeof(changes) / sizeof(changes[0])));
	suite_add_tcase(s, tc);
	return s;
}
