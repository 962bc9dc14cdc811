/*
 * bmc.c - the Redfish answers of a lab host's management controller:
 * what Debian's fence_redfish reads (service root -> Systems -> the
 * system's PowerState and its ComputerSystem.Reset target) and the Reset
 * it posts.  One BMC manages one system, named after its host.  Pure
 * (no I/O): lab/bmcd.c serves it over HTTPS and does the power action.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "json.h"
#include "lab/bmc.h"

#define RF_ROOT "/redfish/v1"
#define RF_SYSTEMS RF_ROOT "/Systems"
#define RF_RESET "/Actions/ComputerSystem.Reset"

static const struct {
	const char *rt_name;
	enum bmc_action rt_action;
} reset_types[] = {
	{ "On", BMC_ACT_ON },
	{ "ForceOff", BMC_ACT_OFF },
	{ "ForceRestart", BMC_ACT_RESTART },
	{ "GracefulShutdown", BMC_ACT_SHUTDOWN },
};
#define NRESET (sizeof(reset_types) / sizeof(reset_types[0]))

enum bmc_action
bmc_reset_action(const char *type)
{
	size_t i;

	for (i = 0; type != NULL && i < NRESET; i++)
		if (strcmp(type, reset_types[i].rt_name) == 0)
			return reset_types[i].rt_action;
	return BMC_ACT_NONE;
}

static const char *
reset_name(enum bmc_action a)
{
	size_t i;

	for (i = 0; i < NRESET; i++)
		if (reset_types[i].rt_action == a)
			return reset_types[i].rt_name;
	return "";
}

/* The Base registry's message id of an error status. */
static const char *
error_id(int status)
{
	switch (status) {
	case 400: return "Base.1.8.ActionParameterValueNotInList";
	case 401: return "Base.1.8.AccessDenied";
	case 404: return "Base.1.8.ResourceMissingAtURI";
	case 405: return "Base.1.8.OperationNotAllowed";
	case 429: return "Base.1.8.ServiceTemporarilyUnavailable";
	default: return "Base.1.8.GeneralError";
	}
}

char *
bmc_error_vbody(int status, const char *fmt, va_list ap)
{
	cJSON *doc = cJSON_CreateObject(), *e, *info, *m;
	char *text = NULL, msg[ERR_LEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (doc == NULL)
		return NULL;
	e = cJSON_AddObjectToObject(doc, "error");
	info = e ? cJSON_AddArrayToObject(e, "@Message.ExtendedInfo") : NULL;
	m = cJSON_CreateObject();
	if (info == NULL || m == NULL ||
	    !cJSON_AddItemToArray(info, m)) {
		cJSON_Delete(m);
		goto done;
	}
	cJSON_AddStringToObject(e, "code", "Base.1.8.GeneralError");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(m, "MessageId", error_id(status));
	cJSON_AddStringToObject(m, "Message", msg);
	cJSON_AddStringToObject(m, "Severity", "Critical");
	text = cJSON_PrintUnformatted(doc);
done:
	cJSON_Delete(doc);
	return text;
}

/* Answer with an error: 0, or -1 out of memory. */
static int
fail(struct bmc_resp *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct bmc_resp *out, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out->bp_body = bmc_error_vbody(status, fmt, ap);
	va_end(ap);
	out->bp_status = status;
	out->bp_action = BMC_ACT_NONE;
	return out->bp_body == NULL ? -1 : 0;
}

/* Answer 200 with doc (freed here): 0, or -1 out of memory. */
static int
answer(struct bmc_resp *out, cJSON *doc)
{
	out->bp_status = 200;
	out->bp_body = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	return out->bp_body == NULL ? -1 : 0;
}

static cJSON *
resource(const char *id, const char *type, const char *name)
{
	cJSON *doc = cJSON_CreateObject();

	if (doc == NULL)
		return NULL;
	cJSON_AddStringToObject(doc, "@odata.id", id);
	cJSON_AddStringToObject(doc, "@odata.type", type);
	cJSON_AddStringToObject(doc, "Name", name);
	return doc;
}

/* A member {"@odata.id": uri} of obj called key (or of an array). */
static void
link_to(cJSON *obj, const char *key, const char *uri)
{
	cJSON *l = cJSON_CreateObject();

	if (l == NULL)
		return;
	cJSON_AddStringToObject(l, "@odata.id", uri);
	if (key != NULL)
		cJSON_AddItemToObject(obj, key, l);
	else
		cJSON_AddItemToArray(obj, l);
}

static int
service_root(struct bmc_resp *out)
{
	cJSON *doc = resource(RF_ROOT, "#ServiceRoot.v1_5_0.ServiceRoot",
	    "hvlab lab BMC");

	if (doc != NULL) {
		cJSON_AddStringToObject(doc, "Id", "RootService");
		cJSON_AddStringToObject(doc, "RedfishVersion", "1.6.0");
		link_to(doc, "Systems", RF_SYSTEMS);
	}
	return answer(out, doc);
}

static int
systems(const struct bmc_sys *s, struct bmc_resp *out)
{
	cJSON *doc = resource(RF_SYSTEMS,
	    "#ComputerSystemCollection.ComputerSystemCollection",
	    "Computer System Collection");
	cJSON *m = doc ? cJSON_AddArrayToObject(doc, "Members") : NULL;
	char uri[BMC_PATH_MAX];

	snprintf(uri, sizeof(uri), RF_SYSTEMS "/%s", s->bs_id);
	if (m != NULL) {
		link_to(m, NULL, uri);
		cJSON_AddNumberToObject(doc, "Members@odata.count", 1);
	}
	return answer(out, doc);
}

static int
system_doc(const struct bmc_sys *s, struct bmc_resp *out)
{
	char uri[BMC_PATH_MAX], target[BMC_PATH_MAX + 40];
	cJSON *doc, *acts, *reset, *allowed;
	size_t i;

	snprintf(uri, sizeof(uri), RF_SYSTEMS "/%s", s->bs_id);
	snprintf(target, sizeof(target), "%s" RF_RESET, uri);
	if ((doc = resource(uri, "#ComputerSystem.v1_10_0.ComputerSystem",
	    s->bs_id)) == NULL)
		return -1;
	cJSON_AddStringToObject(doc, "Id", s->bs_id);
	cJSON_AddStringToObject(doc, "HostName", s->bs_id);
	cJSON_AddStringToObject(doc, "PowerState", s->bs_on ? "On" : "Off");
	acts = cJSON_AddObjectToObject(doc, "Actions");
	reset = acts ? cJSON_AddObjectToObject(acts, "#ComputerSystem.Reset") :
	    NULL;
	allowed = reset ? cJSON_AddArrayToObject(reset,
	    "ResetType@Redfish.AllowableValues") : NULL;
	if (allowed == NULL) {
		cJSON_Delete(doc);
		return -1;
	}
	cJSON_AddStringToObject(reset, "target", target);
	for (i = 0; i < NRESET; i++)
		cJSON_AddItemToArray(allowed,
		    cJSON_CreateString(reset_types[i].rt_name));
	return answer(out, doc);
}

/* The action a Reset to type asks of a system in state on (204), or
 * none when it is there already. */
static enum bmc_action
reset_needed(enum bmc_action a, int on)
{
	if (a == BMC_ACT_ON)
		return on ? BMC_ACT_NONE : a;
	if (a == BMC_ACT_RESTART)
		return on ? a : BMC_ACT_ON;
	return on ? a : BMC_ACT_NONE;	/* ForceOff, GracefulShutdown */
}

static int
reset(const struct bmc_sys *s, const struct bmc_req *r, struct bmc_resp *out)
{
	char e[ERR_LEN];
	cJSON *body;
	const cJSON *t;
	enum bmc_action a;
	int rc;

	if (r->br_body == NULL || r->br_len == 0)
		return fail(out, 400, "the Reset needs a body "
		    "{\"ResetType\": ...}");
	if ((body = json_parse_buf(r->br_body, r->br_len, e)) == NULL)
		return fail(out, 400, "malformed JSON: %s", e);
	t = cJSON_GetObjectItemCaseSensitive(body, "ResetType");
	if (!cJSON_IsString(t)) {
		rc = fail(out, 400, "the Reset needs ResetType, a string: "
		    "On, ForceOff, ForceRestart or GracefulShutdown");
	} else if ((a = bmc_reset_action(t->valuestring)) == BMC_ACT_NONE) {
		rc = fail(out, 400, "ResetType '%.64s' is not supported: On, "
		    "ForceOff, ForceRestart or GracefulShutdown",
		    t->valuestring);
	} else {
		out->bp_status = 204;
		out->bp_action = reset_needed(a, s->bs_on);
		out->bp_reset = reset_name(a);
		rc = 0;
	}
	cJSON_Delete(body);
	return rc;
}

/* given == secret in a time that depends on the secret's length only,
 * so a wrong password's first differing byte does not show. */
static int
same(const char *given, const char *secret)
{
	size_t lg = strlen(given), ls = strlen(secret), i;
	unsigned char d = lg != ls;

	for (i = 0; i < ls; i++)
		d |= (unsigned char)((i < lg ? given[i] : 0) ^ secret[i]);
	return d == 0;
}

/* The path without its trailing slashes into buf: 0, or -1 too long. */
static int
trim_path(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);

	if (n >= len)
		return -1;
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

/* Which resource path names: 1 root, 2 systems, 3 the system, 4 its
 * Reset, 0 none; *other when it names another system. */
static int
route(const struct bmc_sys *s, const char *path, int *other)
{
	size_t n = strlen(RF_SYSTEMS "/"), il = strlen(s->bs_id);
	const char *id = path + n, *slash;

	*other = 0;
	if (strcmp(path, RF_ROOT) == 0)
		return 1;
	if (strcmp(path, RF_SYSTEMS) == 0)
		return 2;
	if (strncmp(path, RF_SYSTEMS "/", n) != 0)
		return 0;
	slash = strchr(id, '/');
	if ((slash ? (size_t)(slash - id) : strlen(id)) != il ||
	    strncmp(id, s->bs_id, il) != 0) {
		*other = 1;
		return 0;
	}
	if (id[il] == '\0')
		return 3;
	return strcmp(id + il, RF_RESET) == 0 ? 4 : 0;
}

int
bmc_handle(const struct bmc_sys *s, const struct bmc_req *r,
    struct bmc_resp *out)
{
	char path[BMC_PATH_MAX];
	int what, other, get = strcmp(r->br_method, "GET") == 0;

	memset(out, 0, sizeof(*out));
	if (r->br_user == NULL || r->br_password == NULL ||
	    (!same(r->br_user, s->bs_user) |
	    !same(r->br_password, s->bs_password)))
		return fail(out, 401, "wrong or missing credentials (HTTP "
		    "Basic authentication)");
	if (trim_path(r->br_path, path, sizeof(path)) < 0)
		return fail(out, 404, "no such resource (path too long)");
	what = route(s, path, &other);
	if (what == 0 && other)
		return fail(out, 404, "this BMC manages system %s only, not "
		    "%.64s", s->bs_id, path);
	if (what == 0)
		return fail(out, 404, "no such resource: %s", path);
	if (what == 4 ? strcmp(r->br_method, "POST") != 0 : !get)
		return fail(out, 405, "%.16s is not allowed on %s",
		    r->br_method, path);
	switch (what) {
	case 1: return service_root(out);
	case 2: return systems(s, out);
	case 3: return system_doc(s, out);
	default: return reset(s, r, out);
	}
}
