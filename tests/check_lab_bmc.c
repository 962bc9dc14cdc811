/*
 * check_lab_bmc.c - a lab BMC's Redfish answers (lab/bmc.c): the service
 * root leads to the one system, the system shows its PowerState and its
 * Reset target, a Reset is parsed into a power action, and credentials,
 * unknown paths, other systems and bad Resets are refused with the
 * Redfish status and error body.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "lab/bmc.h"

static const struct bmc_sys sys_on = { "admin", "s3cret-pw", "host1", 1 };
static const struct bmc_sys sys_off = { "admin", "s3cret-pw", "host1", 0 };

/* Run one request; the answer's JSON (NULL when none) and out. */
static cJSON *
ask(const struct bmc_sys *s, const char *method, const char *path,
    const char *pass, const char *body, struct bmc_resp *out)
{
	struct bmc_req r = { method, path, "admin", pass, body,
	    body ? strlen(body) : 0 };
	cJSON *doc;

	ck_assert_msg(bmc_handle(s, &r, out) == 0, "%s %s is answered",
	    method, path);
	doc = out->bp_body ? cJSON_Parse(out->bp_body) : NULL;
	free(out->bp_body);
	out->bp_body = NULL;
	return doc;
}

static const char *
str_at(const cJSON *doc, const char *a, const char *b, const char *c)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(doc, a);

	if (b != NULL)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	if (c != NULL)
		x = cJSON_GetObjectItemCaseSensitive(x, c);
	return cJSON_IsString(x) ? x->valuestring : "";
}

START_TEST(test_walk)
{
	struct bmc_resp out;
	cJSON *doc, *m;

	doc = ask(&sys_on, "GET", "/redfish/v1/", "s3cret-pw", NULL, &out);
	ck_assert_msg(out.bp_status == 200 && strcmp(str_at(doc, "Systems",
	    "@odata.id", NULL), "/redfish/v1/Systems") == 0,
	    "the service root links the Systems collection");
	cJSON_Delete(doc);
	doc = ask(&sys_on, "GET", "/redfish/v1/Systems", "s3cret-pw", NULL,
	    &out);
	m = cJSON_GetObjectItemCaseSensitive(doc, "Members");
	ck_assert_msg(cJSON_GetArraySize(m) == 1 && strcmp(str_at(
	    cJSON_GetArrayItem(m, 0), "@odata.id", NULL, NULL),
	    "/redfish/v1/Systems/host1") == 0,
	    "the collection holds the one system, named after its host");
	cJSON_Delete(doc);
	doc = ask(&sys_on, "GET", "/redfish/v1/Systems/host1", "s3cret-pw",
	    NULL, &out);
	ck_assert_msg(strcmp(str_at(doc, "PowerState", NULL, NULL), "On") == 0,
	    "a running host's PowerState is On");
	ck_assert_msg(strcmp(str_at(doc, "Actions", "#ComputerSystem.Reset",
	    "target"), "/redfish/v1/Systems/host1/Actions/"
	    "ComputerSystem.Reset") == 0, "the system names its Reset target");
	m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "Actions"),
	    "#ComputerSystem.Reset"), "ResetType@Redfish.AllowableValues");
	ck_assert_msg(cJSON_GetArraySize(m) == 4, "the four ResetTypes are "
	    "listed as allowed");
	cJSON_Delete(doc);
	doc = ask(&sys_off, "GET", "/redfish/v1/Systems/host1", "s3cret-pw",
	    NULL, &out);
	ck_assert_msg(strcmp(str_at(doc, "PowerState", NULL, NULL), "Off") ==
	    0, "a host without power is Off");
	cJSON_Delete(doc);
}
END_TEST

/* Each ResetType on a running and a stopped host. */
static const struct {
	const char *body;
	int on;
	int status;
	enum bmc_action action;
} resets[] = {
	{ "{\"ResetType\": \"ForceOff\"}", 1, 204, BMC_ACT_OFF },
	{ "{\"ResetType\": \"ForceOff\"}", 0, 204, BMC_ACT_NONE },
	{ "{\"ResetType\": \"On\"}", 0, 204, BMC_ACT_ON },
	{ "{\"ResetType\": \"On\"}", 1, 204, BMC_ACT_NONE },
	{ "{\"ResetType\": \"ForceRestart\"}", 1, 204, BMC_ACT_RESTART },
	{ "{\"ResetType\": \"ForceRestart\"}", 0, 204, BMC_ACT_ON },
	{ "{\"ResetType\": \"GracefulShutdown\"}", 1, 204, BMC_ACT_SHUTDOWN },
	{ "{\"ResetType\": \"Nmi\"}", 1, 400, BMC_ACT_NONE },
	{ "{\"ResetType\": 3}", 1, 400, BMC_ACT_NONE },
	{ "{\"Reset\": \"On\"}", 0, 400, BMC_ACT_NONE },
	{ "{\"ResetType\": ", 0, 400, BMC_ACT_NONE },
	{ "", 0, 400, BMC_ACT_NONE },
};

START_TEST(test_reset)
{
	struct bmc_resp out;
	cJSON *doc;

	doc = ask(resets[_i].on ? &sys_on : &sys_off, "POST",
	    "/redfish/v1/Systems/host1/Actions/ComputerSystem.Reset",
	    "s3cret-pw", resets[_i].body, &out);
	ck_assert_msg(out.bp_status == resets[_i].status &&
	    out.bp_action == resets[_i].action, "Reset %s on a host %s is "
	    "%d with action %d (got %d, %d)", resets[_i].body,
	    resets[_i].on ? "on" : "off", resets[_i].status,
	    resets[_i].action, out.bp_status, out.bp_action);
	if (out.bp_status == 400)
		ck_assert_msg(str_at(doc, "error", "message", NULL)[0] != '\0',
		    "a refused Reset has a Redfish error body with a message");
	else
		ck_assert_msg(doc == NULL, "a done Reset has no body (204)");
	cJSON_Delete(doc);
}
END_TEST

/* Refusals: status and the error's message id. */
static const struct {
	const char *method, *path, *pass;
	int status;
	const char *id;
} refusals[] = {
	{ "GET", "/redfish/v1", "wrong-pass", 401, "Base.1.8.AccessDenied" },
	{ "GET", "/redfish/v1", "s3cret-p", 401, "Base.1.8.AccessDenied" },
	{ "GET", "/redfish/v1", "s3cret-pw2", 401, "Base.1.8.AccessDenied" },
	{ "POST", "/redfish/v1/Systems/host1/Actions/ComputerSystem.Reset",
	    "x", 401, "Base.1.8.AccessDenied" },
	{ "GET", "/redfish/v1/Systems/host2", "s3cret-pw", 404,
	    "Base.1.8.ResourceMissingAtURI" },
	{ "GET", "/redfish/v1/Systems/host", "s3cret-pw", 404,
	    "Base.1.8.ResourceMissingAtURI" },
	{ "GET", "/redfish/v1/Managers", "s3cret-pw", 404,
	    "Base.1.8.ResourceMissingAtURI" },
	{ "GET", "/redfish/v1/Systems/host1/Bios", "s3cret-pw", 404,
	    "Base.1.8.ResourceMissingAtURI" },
	{ "DELETE", "/redfish/v1/Systems/host1", "s3cret-pw", 405,
	    "Base.1.8.OperationNotAllowed" },
	{ "GET", "/redfish/v1/Systems/host1/Actions/ComputerSystem.Reset",
	    "s3cret-pw", 405, "Base.1.8.OperationNotAllowed" },
};

START_TEST(test_refused)
{
	struct bmc_resp out;
	cJSON *doc, *info;

	doc = ask(&sys_on, refusals[_i].method, refusals[_i].path,
	    refusals[_i].pass, NULL, &out);
	info = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "error"),
	    "@Message.ExtendedInfo"), 0);
	ck_assert_msg(out.bp_status == refusals[_i].status &&
	    out.bp_action == BMC_ACT_NONE, "%s %s (password %s) is %d (got "
	    "%d)", refusals[_i].method, refusals[_i].path, refusals[_i].pass,
	    refusals[_i].status, out.bp_status);
	ck_assert_msg(strcmp(str_at(info, "MessageId", NULL, NULL),
	    refusals[_i].id) == 0, "the error names %s", refusals[_i].id);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_no_auth)
{
	struct bmc_req r = { "GET", "/redfish/v1", NULL, NULL, NULL, 0 };
	struct bmc_resp out;

	ck_assert(bmc_handle(&sys_on, &r, &out) == 0);
	ck_assert_msg(out.bp_status == 401, "a request without credentials "
	    "is 401, the service root too");
	free(out.bp_body);
	r.br_user = "root";
	r.br_password = "s3cret-pw";
	ck_assert(bmc_handle(&sys_on, &r, &out) == 0);
	ck_assert_msg(out.bp_status == 401, "another user with the right "
	    "password is 401");
	free(out.bp_body);
}
END_TEST

Suite *
make_lab_bmc_suite(void)
{
	Suite *s = suite_create("lab_bmc");
	TCase *tc = tcase_create("redfish");

	tcase_add_test(tc, test_walk);
	tcase_add_loop_test(tc, test_reset, 0,
	    (int)(sizeof(resets) / sizeof(resets[0])));
	tcase_add_loop_test(tc, test_refused, 0,
	    (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, test_no_auth);
	suite_add_tcase(s, tc);
	return s;
}
