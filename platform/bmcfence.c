/*
 * bmcfence.c - a node's BMC and the power-off the HA manager asks of it
 * (bmcfence.h): the record's checks, the Redfish answers read as
 * Debian's fence_redfish reads them (the system's PowerState, the
 * target of its ComputerSystem.Reset action), and a small libcurl
 * client with HTTP Basic credentials that posts ForceOff and polls
 * until the BMC says Off.
 *
 * TLS: the record's CA (PEM, given to libcurl as a blob: no file on the
 * node), else the system's CAs; no check at all only with "insecure",
 * which the record must say.  Credentials go to the record's host only:
 * a Reset target naming another host is refused.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "clock.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "platform/api.h"
#include "platform/bmcfence.h"
#include "platform/etcd.h"
#include "platform/keys.h"

#define RF_SYSTEMS	"/redfish/v1/Systems/"
#define BMCF_BODY_LIMIT	(64 * 1024)	/* a ComputerSystem is ~2-10 KiB */
#define BMCF_POLL_MS	250
#define BMCF_CONNECT_MS	3000

static const struct {
	enum bmcfence_power	 p;
	const char	*name;
} power_names[] = {
	{ BMCF_POWER_ON,		"On" },
	{ BMCF_POWER_OFF,	"Off" },
	{ BMCF_POWER_POWERING_ON,  "PoweringOn" },
	{ BMCF_POWER_POWERING_OFF, "PoweringOff" },
	{ BMCF_POWER_PAUSED,	"Paused" },
};
#define NPOWER (sizeof(power_names) / sizeof(power_names[0]))

const char *
bmcfence_power_name(enum bmcfence_power p)
{
	size_t i;

	for (i = 0; i < NPOWER; i++)
		if (power_names[i].p == p)
			return power_names[i].name;
	return "?";
}

/* --- the record --- */

/* 1 when s is 1..max printable ASCII characters without blanks. */
static int
plain_text(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* The length of url's "https://HOST[:PORT]" part, or 0 when url is not
 * https://HOST[:PORT]/redfish/v1/Systems/ID (ID one segment). */
static size_t
url_base_len(const char *url)
{
	const char *host = url + strlen("https://"), *path, *id;

	if (strncmp(url, "https://", 8) != 0 || !plain_text(url,
	    BMCF_URL_MAX - 1) || strpbrk(url, "\"'\\?#") != NULL)
		return 0;
	if ((path = strchr(host, '/')) == NULL || path == host)
		return 0;
	if (strncmp(path, RF_SYSTEMS, strlen(RF_SYSTEMS)) != 0)
		return 0;
	id = path + strlen(RF_SYSTEMS);
	if (*id == '\0' || strchr(id, '/') != NULL)
		return 0;
	return (size_t)(path - url);
}

/* The ca member: a PEM certificate (chain) of at most BMCF_CA_MAX. */
static int
ca_check(const char *ca, char *err)
{
	if (strlen(ca) > BMCF_CA_MAX)
		return err_set(err, "'ca' is longer than %d bytes", BMCF_CA_MAX);
	if (strstr(ca, "-----BEGIN CERTIFICATE-----") == NULL ||
	    strstr(ca, "-----END CERTIFICATE-----") == NULL)
		return err_set(err, "'ca' must be a PEM certificate "
		    "(-----BEGIN CERTIFICATE----- ...), not a path: the "
		    "manager may run on any node");
	return 0;
}

/* Member key of o as a string within max, into out (outlen bytes). */
static int
text_member(const cJSON *o, const char *key, size_t max, char *out,
    size_t outlen, char *field, char *err)
{
	const char *s = NULL;

	snprintf(field, 64, "%s", key);
	if (json_get_string(o, key, JSON_REQUIRED, &s, err) != 0)
		return -1;
	if (!plain_text(s, max))
		return err_set(err, "'%s' must be 1..%zu printable characters "
		    "without blanks", key, max);
	snprintf(out, outlen, "%s", s);
	return 0;
}

int
bmcfence_conf_from_json(const cJSON *o, struct bmcfence_conf *c, char *field,
    char *err)
{
	static const char *const keys[] = { "url", "user", "password", "ca",
	    "insecure", NULL };
	const char *bad = NULL, *url = NULL, *ca = NULL;

	memset(c, 0, sizeof(*c));
	field[0] = '\0';
	if (!cJSON_IsObject(o))
		return err_set(err, "the BMC record must be an object");
	if (json_check_keys(o, keys, &bad, err) != 0) {
		snprintf(field, 64, "%s", bad ? bad : "");
		return -1;
	}
	snprintf(field, 64, "url");
	if (json_get_string(o, "url", JSON_REQUIRED, &url, err) != 0)
		return -1;
	if (url_base_len(url) == 0)
		return err_set(err, "'url' must be https://HOST[:PORT]"
		    RF_SYSTEMS "ID (the system's Redfish URI)");
	snprintf(c->bc_url, sizeof(c->bc_url), "%s", url);
	if (text_member(o, "user", BMCF_USER_MAX, c->bc_user,
	    sizeof(c->bc_user), field, err) != 0 ||
	    text_member(o, "password", BMCF_PASS_MAX, c->bc_password,
	    sizeof(c->bc_password), field, err) != 0)
		goto fail;
	snprintf(field, 64, "insecure");
	if (json_get_bool(o, "insecure", JSON_OPTIONAL, &c->bc_insecure,
	    err) != 0)
		goto fail;
	snprintf(field, 64, "ca");
	if (json_get_string(o, "ca", JSON_OPTIONAL, &ca, err) != 0 ||
	    (ca != NULL && ca_check(ca, err) != 0))
		goto fail;
	if (ca != NULL && c->bc_insecure) {
		err_set(err, "'ca' and 'insecure' exclude each other");
		goto fail;
	}
	if (ca != NULL && (c->bc_ca = strdup(ca)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	field[0] = '\0';
	return 0;
fail:
	bmcfence_conf_clear(c);
	return -1;
}

void
bmcfence_conf_clear(struct bmcfence_conf *c)
{
	free(c->bc_ca);
	explicit_bzero(c, sizeof(*c));
}

cJSON *
bmcfence_conf_json(const struct bmcfence_conf *c, int with_password)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "url", c->bc_url);
	cJSON_AddStringToObject(o, "user", c->bc_user);
	if (with_password)
		cJSON_AddStringToObject(o, "password", c->bc_password);
	else
		cJSON_AddBoolToObject(o, "password_set", c->bc_password[0]);
	if (c->bc_ca != NULL)
		cJSON_AddStringToObject(o, "ca", c->bc_ca);
	cJSON_AddBoolToObject(o, "insecure", c->bc_insecure);
	return o;
}

int
bmcfence_conf_load(struct etcd *e, const char *node, struct bmcfence_conf *c,
    char *err)
{
	char key[128], field[64];
	struct etcd_kv kv;
	cJSON *o;
	int r;

	snprintf(key, sizeof(key), "%s%s", KEY_BMC, node);
	if ((r = etcd_get(e, key, &kv, err)) != 1)
		return r;
	o = json_parse_buf(kv.kv_val, kv.kv_len, err);
	etcd_kv_clear(&kv);
	if (o == NULL)
		return err_prefix(err, "%s", key);
	r = bmcfence_conf_from_json(o, c, field, err);
	cJSON_Delete(o);
	if (r != 0)
		return err_prefix(err, "%s", key);
	return 1;
}

/* --- the Redfish answers (pure) --- */

int
bmcfence_system_power(const cJSON *sys, enum bmcfence_power *p, char *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sys, "PowerState");
	size_t i;

	if (!cJSON_IsString(v))
		return err_set(err, "the system has no PowerState");
	for (i = 0; i < NPOWER; i++)
		if (strcmp(v->valuestring, power_names[i].name) == 0) {
			*p = power_names[i].p;
			return 0;
		}
	return err_set(err, "PowerState '%.32s' is not a Redfish power "
	    "state", v->valuestring);
}

/* ForceOff is among the action's AllowableValues, or they are not
 * given (Redfish makes them optional). */
static int
force_off_allowed(const cJSON *reset)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(reset,
	    "ResetType@Redfish.AllowableValues"), *x;

	if (a == NULL)
		return 1;
	cJSON_ArrayForEach(x, a)
		if (cJSON_IsString(x) && strcmp(x->valuestring, "ForceOff") == 0)
			return 1;
	return 0;
}

int
bmcfence_reset_target(const cJSON *sys, const char *sys_url, char *path,
    size_t len, char *err)
{
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(sys, "Actions");
	const cJSON *reset = cJSON_GetObjectItemCaseSensitive(acts,
	    "#ComputerSystem.Reset");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(reset, "target");
	size_t base = url_base_len(sys_url);
	const char *p;

	if (!cJSON_IsString(t))
		return err_set(err, "the system has no "
		    "Actions.#ComputerSystem.Reset.target");
	p = t->valuestring;
	/* an absolute target must name the system's own host: the
	 * credentials go nowhere else */
	if (base != 0 && strncmp(p, "https://", 8) == 0) {
		if (strncmp(p, sys_url, base) != 0 || p[base] != '/')
			return err_set(err, "the Reset target %.64s is on "
			    "another host", p);
		p += base;
	}
	if (p[0] != '/' || !plain_text(p, len - 1) ||
	    strpbrk(p, "\"'\\#") != NULL)
		return err_set(err, "the Reset target '%.64s' is not a path",
		    t->valuestring);
	if (!force_off_allowed(reset))
		return err_set(err, "the BMC does not allow ResetType "
		    "ForceOff");
	snprintf(path, len, "%s", p);
	return 0;
}

/* --- the client --- */

static pthread_once_t bmc_once = PTHREAD_ONCE_INIT;

static void
bmc_curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The easy handle's TLS trust and credentials for c. */
static void
bmc_curl_auth(CURL *h, const struct bmcfence_conf *c)
{
	struct curl_blob blob;

	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->bc_user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->bc_password);
	if (c->bc_insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->bc_ca != NULL) {
		blob.data = c->bc_ca;
		blob.len = strlen(c->bc_ca);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
}

/*
 * METHOD path on c's host with body (NULL: none), within timeout_ms;
 * the answer's JSON into *out when out is not NULL (caller frees).  0
 * on a 2xx answer, else -1 + err with the status and the Redfish
 * message.
 */
static int
bmc_call(CURL *h, const struct bmcfence_conf *c, const char *method,
    const char *path, const char *body, long timeout_ms, cJSON **out,
    char *err)
{
	char url[BMCF_URL_MAX * 2], cerr[CURL_ERROR_SIZE] = "";
	struct http_sink b = { NULL, 0, BMCF_BODY_LIMIT, 0 };
	struct curl_slist *hdrs = NULL;
	long status = 0;
	CURLcode cc;
	int rc = -1;

	snprintf(url, sizeof(url), "%.*s%s", (int)url_base_len(c->bc_url),
	    c->bc_url, path);
	curl_easy_reset(h);
	bmc_curl_auth(h, c);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms < 500 ? 500L :
	    timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)BMCF_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "OData-Version: 4.0");
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: "
		    "application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK && b.hs_overflow) {
		err_set(err, "%s %s: an answer over %d bytes", method, path,
		    BMCF_BODY_LIMIT);
	} else if (cc != CURLE_OK) {
		err_set(err, "%s %s: %s", method, path, cerr[0] ? cerr :
		    curl_easy_strerror(cc));
	} else if (status < 200 || status > 299) {
		cJSON *j = b.hs_data ? cJSON_Parse(b.hs_data) : NULL;
		const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "error"), "message"));

		err_set(err, "%s %s: %ld%s%.200s", method, path, status,
		    m ? ": " : "", m ? m : "");
		cJSON_Delete(j);
	} else if (out != NULL && b.hs_data == NULL) {
		err_set(err, "%s %s: an empty answer", method, path);
	} else if (out != NULL && (*out = json_parse_buf(b.hs_data, b.hs_len,
	    err)) == NULL) {
		err_prefix(err, "%s %s", method, path);
	} else
		rc = 0;
	curl_slist_free_all(hdrs);
	free(b.hs_data);
	return rc;
}

/* The system's document: its PowerState into *p, its Reset target into
 * target when not NULL. */
static int
bmc_get_system(CURL *h, const struct bmcfence_conf *c, long timeout_ms,
    enum bmcfence_power *p, char *target, size_t len, char *err)
{
	const char *path = c->bc_url + url_base_len(c->bc_url);
	cJSON *sys = NULL;
	int rc = -1;

	if (bmc_call(h, c, "GET", path, NULL, timeout_ms, &sys, err) != 0)
		return -1;
	if (bmcfence_system_power(sys, p, err) == 0 && (target == NULL ||
	    bmcfence_reset_target(sys, c->bc_url, target, len, err) == 0))
		rc = 0;
	cJSON_Delete(sys);
	return rc;
}

/* Milliseconds left until end_ns (monotonic), at least 0. */
static long
ms_left(uint64_t end_ns)
{
	uint64_t now = clock_mono_ns();

	return now >= end_ns ? 0 : (long)((end_ns - now) / NS_PER_MS);
}

int
bmcfence_power_off(const struct bmcfence_conf *c, long deadline_ms,
    int *posted, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)deadline_ms * NS_PER_MS;
	char target[BMCF_URL_MAX];
	enum bmcfence_power p = BMCF_POWER_ON;
	CURL *h;
	int rc = -1;

	*posted = 0;
	pthread_once(&bmc_once, bmc_curl_init);
	if ((h = curl_easy_init()) == NULL)
		return err_set(err, "curl_easy_init failed");
	if (bmc_get_system(h, c, ms_left(end), &p, target, sizeof(target),
	    err) != 0)
		goto out;
	if (p != BMCF_POWER_OFF) {
		if (bmc_call(h, c, "POST", target, "{\"ResetType\":"
		    "\"ForceOff\"}", ms_left(end), NULL, err) != 0)
			goto out;
		*posted = 1;
	}
	while (p != BMCF_POWER_OFF) {
		if (ms_left(end) < BMCF_POLL_MS) {
			err_set(err, "the BMC still says %s %ld ms after "
			    "ForceOff", bmcfence_power_name(p), deadline_ms);
			goto out;
		}
		clock_sleep_ns((uint64_t)BMCF_POLL_MS * NS_PER_MS);
		if (bmc_get_system(h, c, ms_left(end), &p, NULL, 0, err) != 0)
			goto out;
	}
	rc = 0;
out:
	curl_easy_cleanup(h);
	return rc;
}
