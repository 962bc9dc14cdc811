/*
 * check_libvirt_ha.c - unit tests of the libvirt driver's Pacemaker texts
 * (scenarios/drivers/libvirt_pcmk.c): the fence_redfish device and its
 * constraint, the VirtualDomain primitive, crm_mon's XML read for the DC
 * and a resource, and the Pacemaker log's lines read as recovery steps;
 * the balancing configuration (placement-strategy, node utilization).
 * They run for real in tests/integration/test_libvirt_ha.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>

#include "err.h"
#include "scenarios/drivers/libvirt.h"
#include "check_suites.h"

START_TEST(test_fence_xml)
{
	struct lv_fence f = { "host2", "198.18.4.53", "admin", "p<w>&\"x'" };
	char x[4096], err[ERR_LEN];

	ck_assert_msg(lv_fence_xml(&f, x, sizeof(x), err) == 0,
	    "the fence device is written: %s", err);
	ck_assert_msg(strstr(x, "id=\"fence-host2\" class=\"stonith\" "
	    "type=\"fence_redfish\"") != NULL, "one stonith:fence_redfish "
	    "device named after its host: %s", x);
	ck_assert_msg(strstr(x, "name=\"ip\" value=\"198.18.4.53\"") != NULL &&
	    strstr(x, "name=\"systems_uri\" value=\"/redfish/v1/Systems/"
	    "host2\"") != NULL && strstr(x, "name=\"pcmk_host_list\" "
	    "value=\"host2\"") != NULL, "it fences host2 through host2's "
	    "BMC system: %s", x);
	ck_assert_msg(strstr(x, "value=\"p&lt;w&gt;&amp;&quot;x'\"") != NULL,
	    "the password is escaped for XML: %s", x);
	ck_assert_msg(strstr(x, "name=\"ssl_insecure\" value=\"1\"") != NULL,
	    "the BMC's self-signed certificate is accepted");
	ck_assert_msg(lv_fence_constraint_xml("host2", x, sizeof(x), err) ==
	    0 && strstr(x, "rsc=\"fence-host2\" node=\"host2\" "
	    "score=\"-INFINITY\"") != NULL, "the device never runs on the "
	    "host it fences: %s", x);
	f.f_host = "host 2";
	ck_assert_msg(lv_fence_xml(&f, x, sizeof(x), err) == -1 &&
	    strstr(err, "host 2") != NULL, "a host name with a blank is "
	    "refused by name: %s", err);
	f.f_host = "host2";
	f.f_password = "";
	ck_assert_msg(lv_fence_xml(&f, x, sizeof(x), err) == -1 &&
	    strstr(err, "password") != NULL, "no password is an error: %s",
	    err);
	f.f_password = "secret-pw";
	ck_assert_msg(lv_fence_xml(&f, x, 64, err) == -1,
	    "a truncated element is an error");
}
END_TEST

START_TEST(test_vdom_xml)
{
	struct lv_vdom v = { "ha-1", "/etc/libvirt/hvlab-ha/ha-1.xml", 10 };
	char x[4096], err[ERR_LEN];

	ck_assert_msg(lv_vdom_xml(&v, x, sizeof(x), err) == 0,
	    "the VirtualDomain primitive is written: %s", err);
	ck_assert_msg(strstr(x, "id=\"ha-1\" class=\"ocf\" provider="
	    "\"heartbeat\" type=\"VirtualDomain\"") != NULL,
	    "ocf:heartbeat:VirtualDomain named after the VM: %s", x);
	ck_assert_msg(strstr(x, "name=\"config\" value=\"/etc/libvirt/"
	    "hvlab-ha/ha-1.xml\"") != NULL && strstr(x, "name=\"hypervisor\" "
	    "value=\"qemu:///system\"") != NULL, "its config and hypervisor");
	ck_assert_msg(strstr(x, "name=\"allow-migrate\" value=\"true\"") !=
	    NULL && strstr(x, "name=\"migration_transport\" value=\"tls\"") !=
	    NULL, "Pacemaker may move it live, over TLS");
	ck_assert_msg(strstr(x, "name=\"monitor\" interval=\"10s\"") != NULL,
	    "the monitor interval asked: %s", x);
	v.v_monitor_s = 0;
	ck_assert_msg(lv_vdom_xml(&v, x, sizeof(x), err) == -1 &&
	    strstr(err, "monitor") != NULL, "a monitor interval of 0 is "
	    "refused: %s", err);
	v.v_monitor_s = 10;
	v.v_config = "ha-1.xml";
	ck_assert_msg(lv_vdom_xml(&v, x, sizeof(x), err) == -1 &&
	    strstr(err, "absolute") != NULL, "a relative config is refused");
	v.v_config = "/x.xml";
	v.v_name = "a/b";
	ck_assert_msg(lv_vdom_xml(&v, x, sizeof(x), err) == -1 &&
	    strstr(err, "a/b") != NULL, "a VM name with '/' is refused");
}
END_TEST

static const char crm_xml[] =
	"<pacemaker-result api-version=\"2.25\" request=\"crm_mon\">\n"
	"  <summary>\n"
	"    <current_dc present=\"true\" version=\"2.1.5\" name=\"host3\" "
	"id=\"3\" with_quorum=\"true\"/>\n"
	"  </summary>\n"
	"  <nodes/>\n"
	"  <resources>\n"
	"    <resource id=\"fence-host1\" resource_agent=\"stonith:"
	"fence_redfish\" role=\"Started\" active=\"true\">\n"
	"      <node name=\"host2\" id=\"2\" cached=\"true\"/>\n"
	"    </resource>\n"
	"    <resource id=\"ha-1\" resource_agent=\"ocf:heartbeat:"
	"VirtualDomain\" role=\"Started\" active=\"true\" failed=\"false\">\n"
	"      <node name=\"host1\" id=\"1\" cached=\"true\"/>\n"
	"    </resource>\n"
	"    <resource id=\"ha-2\" resource_agent=\"ocf:heartbeat:"
	"VirtualDomain\" role=\"Stopped\" active=\"false\"/>\n"
	"  </resources>\n"
	"</pacemaker-result>\n";

START_TEST(test_crm_mon_ha)
{
	struct drv_ha_status hs;
	char err[ERR_LEN];

	memset(&hs, 0, sizeof(hs));
	ck_assert_msg(lv_crm_mon_ha(crm_xml, strlen(crm_xml), "ha-1", &hs,
	    err) == 0, "crm_mon's XML reads: %s", err);
	ck_assert_msg(strcmp(hs.hs_manager, "host3") == 0, "the manager is "
	    "the DC (%s)", hs.hs_manager);
	ck_assert_msg(hs.hs_found && hs.hs_running && strcmp(hs.hs_node,
	    "host1") == 0 && strcmp(hs.hs_state, "Started") == 0,
	    "ha-1 runs on host1 (%d %d %s %s)", hs.hs_found, hs.hs_running,
	    hs.hs_node, hs.hs_state);
	memset(&hs, 0, sizeof(hs));
	lv_crm_mon_ha(crm_xml, strlen(crm_xml), "ha-2", &hs, err);
	ck_assert_msg(hs.hs_found && !hs.hs_running && hs.hs_node[0] == '\0',
	    "a stopped resource is found, not running, on no node");
	memset(&hs, 0, sizeof(hs));
	lv_crm_mon_ha(crm_xml, strlen(crm_xml), "ha-9", &hs, err);
	ck_assert_msg(!hs.hs_found, "a resource not there is not found");
	ck_assert_msg(lv_crm_mon_ha("<status/>", 9, NULL, &hs, err) == -1 &&
	    strstr(err, "crm_mon") != NULL, "an answer without a summary is "
	    "an error: %s", err);
	ck_assert_msg(lv_crm_mon_ha("<x", 2, NULL, &hs, err) == -1,
	    "an answer that is not XML is an error");
}
END_TEST

/* Lines as Pacemaker 2.1.5 logs them (grep's output of three hosts,
 * not in order). */
static const char pcmk_log[] =
	"Dec 03 09:40:11.020 host3 pacemaker-controld  [812] (te_rsc_command) "
	"notice: Initiating start operation ha-1_start_0 on host1 | "
	"action 12\n"
	"Dec 03 09:41:05.230 host3 pacemaker-controld  [812] "
	"(peer_update_callback) info: Node host1 state is now lost | "
	"nodeid=1 previous=member source=crm_update_peer_proc\n"
	"Dec 03 09:41:05.400 host3 pacemaker-schedulerd[811] "
	"(pe_fence_node) warning: Cluster node host1 will be fenced: peer "
	"is no longer part of the cluster\n"
	"Dec 03 09:41:08.910 host3 pacemaker-fenced    [808] (finalize_op) "
	"notice: Operation 'reboot' targeting host1 by host2 for "
	"pacemaker-controld.812@host3: OK | id=3f\n"
	"Dec 03 09:41:09.004 host3 pacemaker-controld  [812] (te_rsc_command) "
	"notice: Initiating start operation ha-1_start_0 locally on host3 | "
	"action 13\n"
	"Dec 03 09:41:11.775 host2 pacemaker-controld  [800] "
	"(log_executor_event) notice: Result of start operation for ha-1 "
	"on host2: ok | graph action confirmed; call=20 key=ha-1_start_0\n"
	"Dec 03 09:41:09.100 host2 pacemaker-controld  [800] "
	"(log_executor_event) notice: Result of start operation for ha-10 "
	"on host2: ok\n"
	"Dec 03 09:41:06.000 host2 pacemaker-fenced    [790] (finalize_op) "
	"error: Operation 'reboot' targeting host1 by host2 for "
	"pacemaker-controld.812@host3: Timed Out\n"
	"not a log line\n";

static uint64_t
at(int h, int m, int s, int ms)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 11;
	tm.tm_mday = 3;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return (uint64_t)mktime(&tm) * 1000000000ULL + (uint64_t)ms *
	    1000000ULL;
}

START_TEST(test_pcmk_log)
{
	struct drv_ha_status hs;
	static const struct {
		enum drv_ha_step step;
		const char *word, *node;
		int s, ms;
	} want[] = {
		{ DRV_HA_DETECTED, "node-lost", "host1", 5, 230 },
		{ DRV_HA_DETECTED, "will-be-fenced", "host1", 5, 400 },
		{ DRV_HA_FENCED, "reboot", "host1", 8, 910 },
		{ DRV_HA_RESTART, "start", "host3", 9, 4 },
		{ DRV_HA_STARTED, "started", "host2", 11, 775 },
	};
	size_t i;

	memset(&hs, 0, sizeof(hs));
	lv_pcmk_log_parse(pcmk_log, "ha-1", 2026, &hs);
	ck_assert_msg(hs.hs_nevents == 6, "six steps read, the failed fence "
	    "and another VM's start left out (%zu)", hs.hs_nevents);
	ck_assert_msg(hs.hs_events[0].he_step == DRV_HA_RESTART &&
	    hs.hs_events[0].he_wall_ns == at(9, 40, 11, 20), "oldest first: "
	    "the first start, before the fault");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct drv_ha_event *ev = &hs.hs_events[i + 1];

		ck_assert_msg(ev->he_step == want[i].step &&
		    strcmp(ev->he_word, want[i].word) == 0 &&
		    strcmp(ev->he_node, want[i].node) == 0 &&
		    ev->he_wall_ns == at(9, 41, want[i].s, want[i].ms),
		    "step %zu is %s on %s at 09:41:%02d.%03d (%d %s %s)", i,
		    want[i].word, want[i].node, want[i].s, want[i].ms,
		    ev->he_step, ev->he_word, ev->he_node);
	}
}
END_TEST

/* More lines than events kept: the newest stay. */
START_TEST(test_pcmk_log_newest)
{
	struct drv_ha_status hs;
	char *text = malloc(200 * 100), *p = text;
	int i;

	for (i = 0; i < 100; i++)
		p += sprintf(p, "Dec 03 10:%02d:%02d.000 h pacemaker-controld  "
		    "[1] (f) info: Node host%d state is now lost\n", i / 60,
		    i % 60, i);
	memset(&hs, 0, sizeof(hs));
	lv_pcmk_log_parse(text, "vm", 2026, &hs);
	ck_assert_msg(hs.hs_nevents == DRV_HA_EVENTS_MAX &&
	    strcmp(hs.hs_events[DRV_HA_EVENTS_MAX - 1].he_node, "host99") ==
	    0 && strcmp(hs.hs_events[0].he_node, "host68") == 0,
	    "the newest %d lines are kept, oldest first (%s .. %s)",
	    DRV_HA_EVENTS_MAX, hs.hs_events[0].he_node,
	    hs.hs_events[hs.hs_nevents - 1].he_node);
	free(text);
}
END_TEST

START_TEST(test_knobs)
{
	struct drv_ha_status hs;
	char err[ERR_LEN];

	memset(&hs, 0, sizeof(hs));
	ck_assert_msg(lv_knobs_parse("corosync_token_ms 3650\n"
	    "stonith_timeout_s 60s\nx_ms 2s\nmigration_threshold INFINITY\n"
	    "y_s 1500ms\n", &hs, err) == 0, "the knobs read: %s", err);
	ck_assert_msg(hs.hs_nknobs == 5, "five knobs (%zu)", hs.hs_nknobs);
	ck_assert_msg(strcmp(hs.hs_knobs[0].k_name, "corosync_token_ms") ==
	    0 && hs.hs_knobs[0].k_value == 3650, "Corosync's bare number is "
	    "ms");
	ck_assert_msg(hs.hs_knobs[1].k_value == 60 && hs.hs_knobs[2].k_value ==
	    2000 && hs.hs_knobs[4].k_value == 1.5, "a value with a unit is "
	    "in the name's unit (%g %g %g)", hs.hs_knobs[1].k_value,
	    hs.hs_knobs[2].k_value, hs.hs_knobs[4].k_value);
	ck_assert_msg(hs.hs_knobs[3].k_value == 1000000, "INFINITY is "
	    "Pacemaker's 1000000");
	memset(&hs, 0, sizeof(hs));
	ck_assert_msg(lv_knobs_parse("a_s 5\nb_s 5 parsecs\nc_s 5h\n", &hs,
	    err) == -1 && strstr(err, "c_s") != NULL && hs.hs_nknobs == 2,
	    "a value with an unknown unit is refused by name, the good ones "
	    "kept: %s (%zu)", err, hs.hs_nknobs);
}
END_TEST

static const char mon_nodes[] =
    "<pacemaker-result api-version=\"2.29\" request=\"crm_mon\">"
    "<summary><current_dc present=\"true\" name=\"host2\" "
    "with_quorum=\"true\"/></summary><nodes>"
    "<node name=\"host1\" id=\"1\" online=\"true\"/>"
    "<node name=\"host2\" id=\"2\" online=\"true\"/>"
    "<node name=\"host3\" id=\"3\" online=\"false\"/>"
    "</nodes></pacemaker-result>";

START_TEST(test_crm_mon_nodes)
{
	struct lv_node_cap nodes[4];
	char err[ERR_LEN];
	size_t n = 0;

	ck_assert_msg(lv_crm_mon_nodes(mon_nodes, strlen(mon_nodes), nodes, 4,
	    &n, err) == 0, "crm_mon's nodes are read: %s", err);
	ck_assert_msg(n == 3 && strcmp(nodes[0].nc_name, "host1") == 0 &&
	    strcmp(nodes[2].nc_name, "host3") == 0 &&
	    strcmp(nodes[2].nc_id, "3") == 0, "every node, online or not, "
	    "with its Pacemaker id (%zu, %s)", n, nodes[2].nc_id);
	ck_assert_msg(lv_crm_mon_nodes(mon_nodes, strlen(mon_nodes), nodes, 2,
	    &n, err) == -1 && strstr(err, "more than 2") != NULL,
	    "more nodes than room is an error, not a cut list: %s", err);
	ck_assert_msg(lv_crm_mon_nodes("<pacemaker-result/>", 19, nodes, 4, &n,
	    err) == -1 && strstr(err, "<node>") != NULL, "an answer without "
	    "nodes is refused: %s", err);
}
END_TEST

START_TEST(test_balance_xml)
{
	struct lv_node_cap nodes[2] = {
		{ "host1", "1", 2, 7936 }, { "host2", "2", 4, 15872 },
	};
	char x[8192], err[ERR_LEN];

	ck_assert_msg(lv_balance_xml(1, nodes, 2, x, sizeof(x), err) == 0,
	    "the balanced configuration is written: %s", err);
	ck_assert_msg(strstr(x, "name=\"placement-strategy\" value=\"balanced"
	    "\"") != NULL && strstr(x, "<cluster_property_set id=\"cib-"
	    "bootstrap-options\">") != NULL, "placement-strategy=balanced "
	    "among the cluster options: %s", x);
	ck_assert_msg(strstr(x, "id=\"rsc-options-resource-stickiness\" "
	    "name=\"resource-stickiness\" value=\"0\"") != NULL,
	    "stickiness 0 in the HA code's own rsc_defaults entry, so "
	    "capacity decides: %s", x);
	ck_assert_msg(strstr(x, "<node id=\"2\" uname=\"host2\"><utilization "
	    "id=\"hvlab-util-host2\">") != NULL && strstr(x, "name=\"cpu\" "
	    "value=\"4\"") != NULL && strstr(x, "name=\"hv_memory\" value=\""
	    "15872\"") != NULL && strstr(x, "id=\"hvlab-util-host2-host_"
	    "memory\" name=\"host_memory\" value=\"15872\"") != NULL,
	    "each node offers its CPUs, and its memory both as hv_memory and "
	    "host_memory (VirtualDomain sets both on its VMs): %s", x);
	ck_assert_msg(lv_balance_xml(0, nodes, 2, x, sizeof(x), err) == 0 &&
	    strstr(x, "value=\"default\"") != NULL && strstr(x, "name=\""
	    "resource-stickiness\" value=\"" LV_HA_STICKINESS "\"") != NULL &&
	    strstr(x, "utilization") == NULL, "off: Pacemaker's default "
	    "placement and the HA stickiness again, no capacities: %s", x);
	nodes[1].nc_cpus = 0;
	ck_assert_msg(lv_balance_xml(1, nodes, 2, x, sizeof(x), err) == -1 &&
	    strstr(err, "host2") != NULL && strstr(err, "cpu=0") != NULL,
	    "a node without CPUs is refused by name: %s", err);
	nodes[1].nc_cpus = 4;
	snprintf(nodes[1].nc_name, sizeof(nodes[1].nc_name), "host 2");
	ck_assert_msg(lv_balance_xml(1, nodes, 2, x, sizeof(x), err) == -1 &&
	    strstr(err, "host 2") != NULL, "a node name with a blank is "
	    "refused: %s", err);
	ck_assert_msg(lv_balance_xml(1, nodes, 0, x, sizeof(x), err) == -1,
	    "balancing no nodes is an error");
	snprintf(nodes[1].nc_name, sizeof(nodes[1].nc_name), "host2");
	ck_assert_msg(lv_balance_xml(1, nodes, 2, x, 200, err) == -1,
	    "a truncated configuration is an error");
}
END_TEST

START_TEST(test_util_fits)
{
	static const char rsc[] = "<resources>"
	    "<primitive id=\"fence-host1\" class=\"stonith\" type=\"x\"/>"
	    "<primitive id=\"lb1\"><utilization id=\"lb1-u\">"
	    "<nvpair id=\"a\" name=\"cpu\" value=\"1\"/>"
	    "<nvpair id=\"b\" name=\"hv_memory\" value=\"128\"/>"
	    "</utilization></primitive>"
	    "<group id=\"g\"><primitive id=\"lb2\"><utilization id=\"lb2-u\">"
	    "<nvpair id=\"c\" name=\"cpu\" value=\"3\"/>"
	    "<nvpair id=\"d\" name=\"hv_memory\" value=\"256\"/>"
	    "</utilization></primitive></group></resources>";
	struct lv_node_cap nodes[2] = {
		{ "host1", "1", 2, 7936 }, { "host2", "2", 2, 7936 },
	};
	struct lv_util_need need;
	char err[ERR_LEN];

	ck_assert_msg(lv_util_need_parse(rsc, strlen(rsc), &need, err) == 0,
	    "the resources' asks are read: %s", err);
	ck_assert_msg(need.un_rscs == 2 && need.un_cpu == 4 &&
	    need.un_memory_mib == 384 && need.un_max_cpu == 3 &&
	    strcmp(need.un_cpu_rsc, "lb2") == 0, "two asks, one in a group, "
	    "summed, the largest named (%zu, %ld, %ld, %s)", need.un_rscs,
	    need.un_cpu, need.un_memory_mib, need.un_cpu_rsc);
	ck_assert_msg(lv_util_fits(nodes, 2, &need, err) == -1 &&
	    strstr(err, "lb2") != NULL && strstr(err, "cpu=3") != NULL,
	    "a VM with more vCPUs than any node's CPUs is refused by name, "
	    "before Pacemaker stops it: %s", err);
	nodes[1].nc_cpus = 4;
	ck_assert_msg(lv_util_fits(nodes, 2, &need, err) == 0,
	    "4 vCPUs on 6 CPUs, the largest 3 on a 4-CPU node, fit: %s", err);
	nodes[1].nc_cpus = 3;
	nodes[0].nc_cpus = 0;
	ck_assert_msg(lv_util_fits(nodes, 2, &need, err) == -1 &&
	    strstr(err, "cpu=4") != NULL, "4 vCPUs on 3 CPUs in all do not "
	    "fit: %s", err);
	ck_assert_msg(lv_util_need_parse("<nodes/>", 8, &need, err) == -1 &&
	    strstr(err, "<resources>") != NULL, "another answer is refused: "
	    "%s", err);
}
END_TEST

Suite *
make_libvirt_ha_suite(void)
{
	Suite *s = suite_create("libvirt_ha");
	TCase *tc = tcase_create("pacemaker");

	tcase_add_test(tc, test_fence_xml);
	tcase_add_test(tc, test_vdom_xml);
	tcase_add_test(tc, test_crm_mon_ha);
	tcase_add_test(tc, test_pcmk_log);
	tcase_add_test(tc, test_pcmk_log_newest);
	tcase_add_test(tc, test_knobs);
	tcase_add_test(tc, test_crm_mon_nodes);
	tcase_add_test(tc, test_balance_xml);
	tcase_add_test(tc, test_util_fits);
	suite_add_tcase(s, tc);
	return s;
}
