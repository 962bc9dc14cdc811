/*
 * check_bmcfence.c - hvd's power fencing through a node's BMC
 * (platform/bmcfence.c) and its HA setting: a BMC record is checked
 * member by member, refusals name the member; the Redfish answers are
 * read as fence_redfish reads them, from the lab BMC's real documents
 * (lab/bmc.c) and from a vendor-shaped one; HA settings take `fencing`
 * watchdog, bmc or both, watchdog by default.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "err.h"
#include "lab/bmc.h"
#include "platform/bmcfence.h"
#include "platform/ha.h"
#include "platform/ha_priv.h"

#define URL "https://198.18.4.52/redfish/v1/Systems/host1"
#define PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

/* ---- the record ---- */

START_TEST(conf_ok)
{
	struct bmcfence_conf c;
	char err[ERR_LEN], field[64];
	cJSON *o = cJSON_Parse("{\"url\":\"" URL "\",\"user\":\"fence\","
	    "\"password\":\"s3cret-pw\",\"ca\":\"" "-----BEGIN CERTIFICATE-----"
	    "\\nMIIB\\n-----END CERTIFICATE-----\\n\"}"), *back;

	ck_assert_msg(bmcfence_conf_from_json(o, &c, field, err) == 0,
	    "a record with url, user, password and a PEM ca is taken: %s",
	    err);
	ck_assert_str_eq(c.bc_url, URL);
	ck_assert_str_eq(c.bc_user, "fence");
	ck_assert_str_eq(c.bc_password, "s3cret-pw");
	ck_assert_msg(c.bc_ca != NULL && strcmp(c.bc_ca, PEM) == 0 &&
	    !c.bc_insecure, "the CA is kept as PEM, the check stays on");
	back = bmcfence_conf_json(&c, 0);
	ck_assert_msg(cJSON_GetObjectItem(back, "password") == NULL &&
	    cJSON_IsTrue(cJSON_GetObjectItem(back, "password_set")),
	    "the record as GET shows it has no password, only password_set");
	cJSON_Delete(back);
	back = bmcfence_conf_json(&c, 1);
	ck_assert_msg(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(back,
	    "password")), "s3cret-pw") == 0,
	    "the stored record keeps the password");
	cJSON_Delete(back);
	bmcfence_conf_clear(&c);
	cJSON_Delete(o);
}
END_TEST

static const struct {
	const char *body;
	const char *field;
	const char *words;
} conf_bad[] = {
	{ "[]", "", "must be an object" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\",\"password\":\"p\","
	    "\"port\":1}", "port", "unknown field" },
	{ "{\"user\":\"u\",\"password\":\"p\"}", "url", "'url'" },
	{ "{\"url\":\"http://198.18.4.52/redfish/v1/Systems/h\","
	    "\"user\":\"u\",\"password\":\"p\"}", "url", "https://" },
	{ "{\"url\":\"https://198.18.4.52/redfish/v1/Systems/\","
	    "\"user\":\"u\",\"password\":\"p\"}", "url", "Systems/ID" },
	{ "{\"url\":\"https://198.18.4.52/redfish/v1/Managers/1\","
	    "\"user\":\"u\",\"password\":\"p\"}", "url", "Systems/ID" },
	{ "{\"url\":\"https://198.18.4.52/redfish/v1/Systems/a/b\","
	    "\"user\":\"u\",\"password\":\"p\"}", "url", "Systems/ID" },
	{ "{\"url\":\"" URL "\",\"password\":\"p\"}", "user", "'user'" },
	{ "{\"url\":\"" URL "\",\"user\":\"\",\"password\":\"p\"}", "user",
	    "printable" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\"}", "password", "'password'" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\",\"password\":\"a b\"}",
	    "password", "without blanks" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\",\"password\":\"p\","
	    "\"ca\":\"/etc/ssl/bmc.pem\"}", "ca", "PEM certificate" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\",\"password\":\"p\","
	    "\"insecure\":\"yes\"}", "insecure", "'insecure'" },
	{ "{\"url\":\"" URL "\",\"user\":\"u\",\"password\":\"p\","
	    "\"insecure\":true,\"ca\":\"-----BEGIN CERTIFICATE-----x"
	    "-----END CERTIFICATE-----\"}", "ca", "exclude each other" },
};

START_TEST(conf_refused)
{
	struct bmcfence_conf c;
	char err[ERR_LEN], field[64];
	cJSON *o = cJSON_Parse(conf_bad[_i].body);

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(bmcfence_conf_from_json(o, &c, field, err) == -1,
	    "record %d is refused", _i);
	ck_assert_msg(strcmp(field, conf_bad[_i].field) == 0,
	    "record %d: the refusal names '%s', not '%s'", _i,
	    conf_bad[_i].field, field);
	ck_assert_msg(strstr(err, conf_bad[_i].words) != NULL,
	    "record %d: the message says '%s': %s", _i, conf_bad[_i].words,
	    err);
	ck_assert_msg(c.bc_ca == NULL, "a refused record holds nothing");
	cJSON_Delete(o);
}
END_TEST

/* ---- the Redfish answers ---- */

/* The lab BMC's own document of its system (lab/bmc.c). */
static cJSON *
lab_system(int on)
{
	const struct bmc_sys s = { "fence", "s3cret-pw", "host1", on };
	const struct bmc_req r = { "GET", "/redfish/v1/Systems/host1",
	    "fence", "s3cret-pw", NULL, 0 };
	struct bmc_resp out;
	cJSON *doc;

	ck_assert_int_eq(bmc_handle(&s, &r, &out), 0);
	ck_assert_int_eq(out.bp_status, 200);
	doc = cJSON_Parse(out.bp_body);
	free(out.bp_body);
	return doc;
}

START_TEST(redfish_lab_system)
{
	enum bmcfence_power p;
	char err[ERR_LEN], target[BMCF_URL_MAX];
	cJSON *on = lab_system(1), *off = lab_system(0);

	ck_assert_msg(bmcfence_system_power(on, &p, err) == 0 &&
	    p == BMCF_POWER_ON, "the lab BMC's system on reads On");
	ck_assert_msg(bmcfence_system_power(off, &p, err) == 0 &&
	    p == BMCF_POWER_OFF, "the lab BMC's system off reads Off");
	ck_assert_msg(bmcfence_reset_target(on, URL, target, sizeof(target),
	    err) == 0, "the lab BMC's Reset target is found: %s", err);
	ck_assert_str_eq(target,
	    "/redfish/v1/Systems/host1/Actions/ComputerSystem.Reset");
	cJSON_Delete(on);
	cJSON_Delete(off);
}
END_TEST

START_TEST(redfish_vendor_shapes)
{
	enum bmcfence_power p;
	char err[ERR_LEN], target[BMCF_URL_MAX];
	/* an iDRAC-like system: an absolute target on the same host, no
	 * AllowableValues (Redfish makes them optional) */
	cJSON *abs = cJSON_Parse("{\"PowerState\":\"PoweringOff\","
	    "\"Actions\":{\"#ComputerSystem.Reset\":{\"target\":"
	    "\"https://198.18.4.52/redfish/v1/Systems/host1/Actions/"
	    "ComputerSystem.Reset\"}}}");
	cJSON *other = cJSON_Parse("{\"PowerState\":\"On\",\"Actions\":"
	    "{\"#ComputerSystem.Reset\":{\"target\":\"https://evil.example/"
	    "x\"}}}");
	cJSON *no_off = cJSON_Parse("{\"PowerState\":\"On\",\"Actions\":"
	    "{\"#ComputerSystem.Reset\":{\"target\":\"/r\","
	    "\"ResetType@Redfish.AllowableValues\":[\"On\",\"Nmi\"]}}}");
	cJSON *bad = cJSON_Parse("{\"PowerState\":\"Sleeping\"}");

	ck_assert_msg(bmcfence_system_power(abs, &p, err) == 0 &&
	    p == BMCF_POWER_POWERING_OFF, "PoweringOff is read");
	ck_assert_msg(bmcfence_reset_target(abs, URL, target, sizeof(target),
	    err) == 0 && strcmp(target, "/redfish/v1/Systems/host1/Actions/"
	    "ComputerSystem.Reset") == 0,
	    "an absolute target on the system's host becomes its path");
	ck_assert_msg(bmcfence_reset_target(other, URL, target,
	    sizeof(target), err) == -1 && strstr(err, "another host"),
	    "a target on another host is refused (no credentials there)");
	ck_assert_msg(bmcfence_reset_target(no_off, URL, target,
	    sizeof(target), err) == -1 && strstr(err, "ForceOff"),
	    "a Reset that does not allow ForceOff is refused");
	ck_assert_msg(bmcfence_system_power(bad, &p, err) == -1 &&
	    strstr(err, "Sleeping"), "an unknown PowerState is refused");
	ck_assert_msg(bmcfence_reset_target(bad, URL, target, sizeof(target),
	    err) == -1 && strstr(err, "#ComputerSystem.Reset"),
	    "a system without the Reset action is refused");
	cJSON_Delete(abs);
	cJSON_Delete(other);
	cJSON_Delete(no_off);
	cJSON_Delete(bad);
}
END_TEST

/* ---- the HA setting ---- */

START_TEST(settings_fencing)
{
	struct ha_settings s;
	char err[ERR_LEN];
	cJSON *o;

	ha_settings_default(&s);
	ck_assert_msg(s.fencing == HA_FENCE_WATCHDOG,
	    "the watchdog is the default fencing");
	o = cJSON_Parse("{\"fencing\":\"bmc\"}");
	ck_assert_msg(ha_settings_from_json(o, &s, err) == 0 &&
	    s.fencing == HA_FENCE_BMC, "fencing bmc is taken");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"fencing\":\"both\",\"margin_s\":2}");
	ck_assert_msg(ha_settings_from_json(o, &s, err) == 0 &&
	    s.fencing == HA_FENCE_BOTH && s.margin_s == 2,
	    "fencing both is taken with other settings");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"fencing\":\"ipmi\"}");
	ck_assert_msg(ha_settings_from_json(o, &s, err) == -1 &&
	    strstr(err, "'fencing' must be watchdog, bmc or both") &&
	    s.fencing == HA_FENCE_BOTH,
	    "an unknown fencing is refused, naming the field; nothing "
	    "changes");
	cJSON_Delete(o);
	o = cJSON_Parse("{\"fencing\":1}");
	ck_assert_msg(ha_settings_from_json(o, &s, err) == -1 &&
	    strstr(err, "'fencing'"), "a fencing that is no string is "
	    "refused");
	cJSON_Delete(o);
	o = ha_settings_json(&s);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o,
	    "fencing")), "both");
	cJSON_Delete(o);
}
END_TEST

Suite *
make_bmcfence_suite(void)
{
	Suite *s = suite_create("bmcfence");
	TCase *tc = tcase_create("bmcfence");

	tcase_add_test(tc, conf_ok);
	tcase_add_loop_test(tc, conf_refused, 0,
	    (int)(sizeof(conf_bad) / sizeof(conf_bad[0])));
	tcase_add_test(tc, redfish_lab_system);
	tcase_add_test(tc, redfish_vendor_shapes);
	tcase_add_test(tc, settings_fencing);
	suite_add_tcase(s, tc);
	return s;
}
