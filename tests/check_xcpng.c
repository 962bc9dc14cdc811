/*
 * check_xcpng.c - unit tests of the xcpng driver's pure readers
 * (scenarios/drivers/xcpng_api.c): XAPI's JSON-RPC answers and errors, a
 * task's result, an RRD export, a VM's CPU from every row of one
 * (xcpng_pool.c); and its inventory file (xcpng_inv.c),
 * every problem named with its place.  The calls themselves run against
 * the XAPI fixture in tests/integration/test_xcpng_fixture.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>

#include "check_suites.h"
#include "err.h"
#include "scenarios/drivers/xcpng.h"
#include "scenarios/drivers/xcpng_api.h"
#include "scenarios/drivers/xcpng_priv.h"

/* body read as the answer to call 7 of VM.start: rc, result, code. */
static int
answer(const char *body, cJSON **res, char *code, char *err)
{
	return xapi_answer_read("VM.start", body, strlen(body), 7, res, code,
	    err);
}

START_TEST(test_answer)
{
	char err[ERR_LEN], code[XAPI_CODE_MAX];
	cJSON *r = NULL;

	ck_assert_msg(answer("{\"jsonrpc\":\"2.0\",\"result\":\"\",\"id\":7}",
	    &r, code, err) == 0 && cJSON_IsString(r) && code[0] == '\0',
	    "a void result reads: %s", err);
	cJSON_Delete(r);
	ck_assert_msg(answer("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,"
	    "\"message\":\"VM_BAD_POWER_STATE\",\"data\":[\"OpaqueRef:a\","
	    "\"halted\",\"running\"]},\"id\":7}", &r, code, err) == -1 &&
	    r == NULL, "an error fails");
	ck_assert_msg(strcmp(code, "VM_BAD_POWER_STATE") == 0, "the code is "
	    "the error's message: %s", code);
	ck_assert_msg(strcmp(err, "VM.start: VM_BAD_POWER_STATE "
	    "(OpaqueRef:a, halted, running)") == 0, "the sentence names the "
	    "call, the code and its parameters: %s", err);
	ck_assert_msg(answer("{\"jsonrpc\":\"2.0\",\"result\":1,\"id\":8}", &r,
	    code, err) == -1 && strstr(err, "id") != NULL, "another call's "
	    "answer is refused: %s", err);
	ck_assert_msg(answer("{\"result\":1,\"error\":null,\"id\":7}", &r,
	    code, err) == -1 && strstr(err, "2.0") != NULL, "a JSON-RPC 1.0 "
	    "answer is refused: %s", err);
	ck_assert_msg(answer("{\"jsonrpc\":\"2.0\",\"id\":7}", &r, code,
	    err) == -1, "an answer without result or error is refused");
	ck_assert_msg(answer("<html>500</html>", &r, code, err) == -1 &&
	    strstr(err, "no JSON") != NULL, "XAPI's HTML error page is no "
	    "answer: %s", err);
}
END_TEST

START_TEST(test_result_ref)
{
	char ref[XAPI_REF_MAX];

	ck_assert_msg(xapi_result_ref("<value>OpaqueRef:1b2c</value>", ref,
	    sizeof(ref)) == 1 && strcmp(ref, "OpaqueRef:1b2c") == 0,
	    "a task's ref result is read from its XML-RPC text");
	ck_assert_msg(xapi_result_ref("<value><array><data><value>OpaqueRef:"
	    "9f</value></data></array></value>", ref, sizeof(ref)) == 1 &&
	    strcmp(ref, "OpaqueRef:9f") == 0, "the first ref of an array");
	ck_assert_msg(xapi_result_ref("", ref, sizeof(ref)) == 0 &&
	    xapi_result_ref("OpaqueRef:", ref, sizeof(ref)) == 0,
	    "no ref, or an empty one, is none");
	ck_assert_msg(xapi_result_ref("OpaqueRef:0123456789", ref, 12) == 0,
	    "a ref too long for the buffer is none");
}
END_TEST

#define RRD_HEAD "<xport><meta><start>1</start><step>5</step><end>11</end>" \
	"<rows>2</rows><columns>%d</columns><legend>%s</legend></meta>" \
	"<data>%s</data></xport>"

START_TEST(test_rrd)
{
	struct xapi_rrd_val *v = NULL;
	char xml[1024], err[ERR_LEN];
	size_t n = 0;

	snprintf(xml, sizeof(xml), RRD_HEAD, 2, "<entry>AVERAGE:host:"
	    "aa-bb:cpu_avg</entry><entry>AVERAGE:vm:cc-dd:memory</entry>",
	    "<row><t>11</t><v>0.25</v><v>134217728</v></row>"
	    "<row><t>6</t><v>0.5</v><v>1</v></row>");
	ck_assert_msg(xapi_rrd_read(xml, strlen(xml), &v, &n, err) == 0 &&
	    n == 2, "an export reads: %s", err);
	ck_assert_msg(strcmp(v[0].rv_kind, "host") == 0 &&
	    strcmp(v[0].rv_uuid, "aa-bb") == 0 &&
	    strcmp(v[0].rv_name, "cpu_avg") == 0 && v[0].rv_value == 0.25,
	    "the legend names the column and the newest row gives its value");
	ck_assert_msg(strcmp(v[1].rv_kind, "vm") == 0 &&
	    v[1].rv_value == 134217728, "a VM's column reads too");
	free(v);
	snprintf(xml, sizeof(xml), RRD_HEAD, 1, "<entry>cpu_avg</entry>",
	    "<row><t>1</t><v>1</v></row>");
	ck_assert_msg(xapi_rrd_read(xml, strlen(xml), &v, &n, err) == -1 &&
	    strstr(err, "legend") != NULL, "a legend entry without its kind "
	    "and uuid is refused: %s", err);
	snprintf(xml, sizeof(xml), RRD_HEAD, 1, "<entry>AVERAGE:host:a:x"
	    "</entry>", "<row><t>1</t><v>1</v><v>2</v></row>");
	ck_assert_msg(xapi_rrd_read(xml, strlen(xml), &v, &n, err) == -1,
	    "a row with more values than the legend is refused");
	snprintf(xml, sizeof(xml), "<!DOCTYPE x [<!ENTITY a 'b'>]>" RRD_HEAD,
	    1, "<entry>AVERAGE:host:a:x</entry>",
	    "<row><t>1</t><v>1</v></row>");
	ck_assert_msg(xapi_rrd_read(xml, strlen(xml), &v, &n, err) == -1,
	    "a DOCTYPE is refused");
	ck_assert_msg(xapi_rrd_read("<x/>", 4, &v, &n, err) == -1 &&
	    v == NULL && n == 0, "another document is refused");
}
END_TEST

/* A VM of two vCPUs (and cpu_usage, no vCPU) beside another VM, rows
 * newest first as XAPI writes them, one with a NaN vCPU. */
START_TEST(test_rrd_cores)
{
	struct xapi_rrd r;
	struct drv_point p[8];
	char xml[1024], err[ERR_LEN];
	size_t n = 0;

	snprintf(xml, sizeof(xml), RRD_HEAD, 4, "<entry>AVERAGE:vm:aa:cpu0"
	    "</entry><entry>AVERAGE:vm:aa:cpu_usage</entry><entry>AVERAGE:"
	    "vm:bb:cpu0</entry><entry>AVERAGE:vm:aa:cpu1</entry>",
	    "<row><t>20</t><v>0.5</v><v>9</v><v>0.9</v><v>0.25</v></row>"
	    "<row><t>15</t><v>NaN</v><v>9</v><v>0.9</v><v>0.25</v></row>"
	    "<row><t>10</t><v>0.125</v><v>9</v><v>0.9</v><v>0</v></row>"
	    "<row><t>5</t><v>1</v><v>9</v><v>0.9</v><v>1</v></row>");
	ck_assert_msg(xapi_rrd_parse(xml, strlen(xml), &r, err) == 0 &&
	    r.r_nrows == 4 && r.r_ncols == 4, "the export reads whole: %s",
	    err);
	ck_assert_msg(r.r_v[4] == -1, "a NaN is no reading");
	ck_assert_msg(xcp_rrd_cores(&r, "aa", 10, p, &n, err) == 0 && n == 2,
	    "the row before since and the NaN row are left out: %zu points",
	    n);
	ck_assert_msg(p[0].pt_t == 10 && p[1].pt_t == 20, "the series is "
	    "oldest first, the export's rows turned round");
	ck_assert_msg(p[0].pt_v == 0.125 && p[1].pt_v == 0.75, "cores are "
	    "the sum of the VM's cpuN columns only: %g %g", p[0].pt_v,
	    p[1].pt_v);
	ck_assert_msg(xcp_rrd_cores(&r, "cc", 0, p, &n, err) == -1 &&
	    strstr(err, "VM cc") != NULL, "a VM with no cpuN column is an "
	    "error naming it: %s", err);
	xapi_rrd_free(&r);
	snprintf(xml, sizeof(xml), RRD_HEAD, 1, "<entry>AVERAGE:vm:aa:cpu0"
	    "</entry>", "<row><v>1</v></row>");
	ck_assert_msg(xapi_rrd_parse(xml, strlen(xml), &r, err) == -1 &&
	    strstr(err, "<t>") != NULL && r.r_cols == NULL, "a row without "
	    "its time is refused: %s", err);
}
END_TEST

START_TEST(test_inventory)
{
	struct xcp_inventory inv;
	char dir[] = "/tmp/check-xcp-XXXXXX", path[128], pw[128];
	char text[1024], err[ERR_LEN], *diag = NULL;
	size_t dlen = 0;
	FILE *d;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	check_write_file(pw, "secret\n");
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	snprintf(text, sizeof(text), "# a pool\nurl = https://xcp1\n"
	    "user = root\npassword_file = %s\nca = /etc/xcp-ca.pem\n"
	    "hosts = xcp1, xcp2 ,xcp3\nsr_target = 198.18.0.4:3260\n"
	    "sr_iqn = iqn.2026-01.org.hvlab:san\nsr_scsiid = 36001405ab\n", pw);
	ck_assert_msg(xcp_inventory_load(check_write_file(path, text), &inv,
	    NULL, err) == 0, "a good inventory loads: %s", err);
	ck_assert_msg(strcmp(inv.xi_password, "secret") == 0, "the password "
	    "is read from its file");
	ck_assert_msg(inv.xi_nhosts == 3 && strcmp(inv.xi_host[1], "xcp2") ==
	    0 && strcmp(inv.xi_host[2], "xcp3") == 0, "hosts are split and "
	    "trimmed");
	ck_assert_msg(strcmp(inv.xi_sr, "hvlab-san") == 0 &&
	    inv.xi_tolerate == 1 && strstr(inv.xi_network, "eth0") != NULL,
	    "sr, ha_tolerate and network have their defaults");

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	check_write_file(path, "url = http://xcp1\nusr = root\n"
	    "fingerprint = AB:CD\nsr_scsiid = not-hex!\nha_tolerate = many\n");
	d = open_memstream(&diag, &dlen);
	ck_assert_msg(xcp_inventory_load(path, &inv, d, err) == -1,
	    "a bad inventory fails");
	fclose(d);
	ck_assert_msg(strstr(diag, "bad.conf:1: url 'http://xcp1' is not "
	    "https://") && strstr(diag, "bad.conf:2: unknown key 'usr'") &&
	    strstr(diag, "bad.conf:3: fingerprint: ':' expected after byte "
	    "2") && strstr(diag, "bad.conf:4: sr_scsiid 'not-hex!'") &&
	    strstr(diag, "bad.conf:5: ha_tolerate 'many'") &&
	    strstr(diag, "no 'user'") && strstr(diag, "no 'password_file'") &&
	    strstr(diag, "no 'hosts'") && strstr(diag, "no 'sr_target'") &&
	    strstr(diag, "no 'sr_iqn'"), "every problem is named with its "
	    "place: %s", diag);
	ck_assert_msg(strstr(err, "10 problems") != NULL, "and counted: %s",
	    err);
	free(diag);
	unlink(path);
	unlink(pw);
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *
make_xcpng_suite(void)
{
	Suite *s = suite_create("xcpng");
	TCase *tc = tcase_create("readers");

	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_result_ref);
	tcase_add_test(tc, test_rrd);
	tcase_add_test(tc, test_rrd_cores);
	tcase_add_test(tc, test_inventory);
	suite_add_tcase(s, tc);
	return s;
}
