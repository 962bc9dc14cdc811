/*
 * proxmox_api.c - the Proxmox VE REST API client of the proxmox driver
 * (proxmox_api.h): libcurl, form-encoded parameters as pvesh and the GUI
 * send them, "data" out of each answer, Proxmox's error shape into one
 * sentence.  TLS is verified against a CA file, or against the node
 * certificate's SHA-256 fingerprint (drv_https.c): Proxmox nodes serve a
 * certificate of their own cluster CA, which clients usually pin rather
 * than trust.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/drv_https.h"
#include "scenarios/drivers/proxmox_api.h"

#define PVE_PREFIX "/api2/json"
#define PVE_BODY_MAX (16u << 20)

struct pve_api {
	CURL *curl;
	char *url, *token, *user, *password;
	struct drv_tls tls;
	long timeout_ms;
	char ticket[1024];		/* after a login */
	char csrf[256];
	unsigned long calls;
};

static char *
pve_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct pve_api *
pve_api_new(const struct pve_api_opts *o, char *err)
{
	struct pve_api *a;

	drv_https_global();
	if (o->pa_url == NULL || strncmp(o->pa_url, "https://", 8) != 0) {
		err_set(err, "url: an https:// address is needed");
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (drv_tls_init(&a->tls, o->pa_ca_file, o->pa_fingerprint, err) ==
	    -1)
		goto fail;
	a->url = pve_strdup(o->pa_url);
	a->token = pve_strdup(o->pa_token);
	a->user = pve_strdup(o->pa_user);
	a->password = pve_strdup(o->pa_password);
	a->timeout_ms = o->pa_timeout_ms > 0 ? o->pa_timeout_ms : 60000;
	if ((a->curl = curl_easy_init()) == NULL) {
		err_set(err, "curl_easy_init failed");
		goto fail;
	}
	return a;
fail:
	pve_api_free(a);
	return NULL;
}

void
pve_api_free(struct pve_api *a)
{
	if (a == NULL)
		return;
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	free(a->url);
	free(a->token);
	free(a->user);
	if (a->password != NULL)
		memset(a->password, 0, strlen(a->password));
	free(a->password);
	drv_tls_clear(&a->tls);
	free(a);
}

unsigned long
pve_api_calls(const struct pve_api *a)
{
	return a->calls;
}

/* "a=1&b=x%20y" of params into a malloc'd string, or NULL. */
static char *
pve_form(CURL *curl, const struct pve_param *params)
{
	size_t len = 1, i;
	char *out = calloc(1, 1), *k, *v, *n;

	for (i = 0; out != NULL && params && params[i].pp_name; i++) {
		/* A parameter without a value is left out. */
		if (params[i].pp_value == NULL)
			continue;
		k = curl_easy_escape(curl, params[i].pp_name, 0);
		v = curl_easy_escape(curl, params[i].pp_value, 0);
		if (k == NULL || v == NULL ||
		    (n = realloc(out, len + strlen(k) + strlen(v) + 2)) ==
		    NULL) {
			free(out);
			out = NULL;
		} else {
			out = n;
			len += (size_t)snprintf(out + len - 1, strlen(k) +
			    strlen(v) + 3, "%s%s=%s", len > 1 ? "&" : "", k, v);
		}
		curl_free(k);
		curl_free(v);
	}
	return out;
}

/* Proxmox's error answer into err: the status line's reason and each
 * entry of "errors". */
static int
pve_error(const char *method, const char *path, long status,
    const char *reason, const struct drv_buf *b, char *err)
{
	char detail[ERR_LEN] = "", e[ERR_LEN];
	cJSON *doc = b->b_data ? json_parse_buf(b->b_data, b->b_len, e) :
	    NULL;
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(doc, "errors"),
	    *it;
	size_t off = 0;

	cJSON_ArrayForEach(it, (cJSON_IsObject(errs) ? errs : NULL))
		if (cJSON_IsString(it) && off < sizeof(detail))
			off += snprintf(detail + off, sizeof(detail) - off,
			    "%s%s: %s", off ? "; " : " (", it->string,
			    it->valuestring);
	if (off > 0 && off < sizeof(detail) - 1)
		strcat(detail, ")");
	cJSON_Delete(doc);
	if (status == 0)
		return err_set(err, "%s %s: %s", method, path, reason);
	return err_set(err, "%s %s: %ld %s%s", method, path, status,
	    reason[0] ? reason : "error", detail);
}

/* The reason phrase of the last answer's status line. */
static size_t
pve_header(char *p, size_t sz, size_t nm, void *arg)
{
	char *reason = arg;
	size_t n = sz * nm, k;

	if (n > 9 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', n);

		if (sp != NULL && (sp = memchr(sp + 1, ' ', n - (size_t)(sp +
		    1 - p))) != NULL) {
			k = n - (size_t)(sp + 1 - p);
			while (k > 0 && (sp[k] == '\r' || sp[k] == '\n'))
				k--;
			if (k > 255)
				k = 255;
			memcpy(reason, sp + 1, k);
			reason[k] = '\0';
		}
	}
	return n;
}

static struct curl_slist *
pve_headers(struct pve_api *a, const char *method)
{
	struct curl_slist *h = NULL;
	char line[1400];

	if (a->token != NULL) {
		snprintf(line, sizeof(line), "Authorization: PVEAPIToken=%s",
		    a->token);
		h = curl_slist_append(h, line);
	} else if (a->ticket[0] != '\0') {
		snprintf(line, sizeof(line), "Cookie: PVEAuthCookie=%s",
		    a->ticket);
		h = curl_slist_append(h, line);
		if (strcmp(method, "GET") != 0) {
			snprintf(line, sizeof(line), "CSRFPreventionToken: %s",
			    a->csrf);
			h = curl_slist_append(h, line);
		}
	}
	return curl_slist_append(h, "Accept: application/json");
}

/* One exchange; the answer's body into b, status and reason. */
static int
pve_exchange(struct pve_api *a, const char *method, const char *path,
    const char *form, struct drv_buf *b, long *status, char *reason,
    char *err)
{
	CURL *c = a->curl;
	struct curl_slist *h = pve_headers(a, method);
	int body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	char *url = NULL;
	CURLcode cc;
	int rc = -1;

	if (asprintf(&url, "%s%s%s%s%s", a->url, PVE_PREFIX, path,
	    !body && form[0] ? "?" : "", !body ? form : "") == -1) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	drv_https_setup(c, &a->tls, a->timeout_ms, b);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, pve_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, reason);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	a->calls++;
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		err_set(err, "%s %s: %s%s%s", method, path,
		    b->b_over ? "answer too large: " : "",
		    curl_easy_strerror(cc), drv_https_hint(cc, &a->tls));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	rc = 0;
out:
	free(url);
	curl_slist_free_all(h);
	return rc;
}

/* POST /access/ticket: the ticket and CSRF token for the requests that
 * follow. */
static int
pve_login(struct pve_api *a, char *err)
{
	const struct pve_param p[] = { { "username", a->user },
		{ "password", a->password ? a->password : "" },
		{ NULL, NULL } };
	const char *ticket = NULL, *csrf = NULL;
	cJSON *data = NULL;
	char e[ERR_LEN];
	int rc = -1;

	if (a->user == NULL)
		return err_set(err, "neither an API token nor a user to log "
		    "in with");
	a->ticket[0] = '\0';
	if (pve_api_call(a, "POST", "/access/ticket", p, &data, err) == -1)
		goto out;
	if (json_get_string(data, "ticket", JSON_REQUIRED, &ticket, e) == -1 ||
	    json_get_string(data, "CSRFPreventionToken", JSON_REQUIRED, &csrf,
	    e) == -1 || strlen(ticket) >= sizeof(a->ticket) ||
	    strlen(csrf) >= sizeof(a->csrf) || strpbrk(ticket, "\r\n;") ||
	    strpbrk(csrf, "\r\n")) {
		err_set(err, "POST /access/ticket: no usable ticket in the "
		    "answer (%s)", ticket && csrf ? "too long" : e);
		goto out;
	}
	snprintf(a->ticket, sizeof(a->ticket), "%s", ticket);
	snprintf(a->csrf, sizeof(a->csrf), "%s", csrf);
	rc = 0;
out:
	cJSON_Delete(data);
	return rc;
}

int
pve_api_call(struct pve_api *a, const char *method, const char *path,
    const struct pve_param *params, cJSON **data, char *err)
{
	struct drv_buf b = { .b_max = PVE_BODY_MAX };
	char reason[256] = "", e[ERR_LEN];
	char *form = NULL;
	cJSON *doc = NULL;
	long status = 0;
	int rc = -1;

	if (data != NULL)
		*data = NULL;
	if (a->token == NULL && a->ticket[0] == '\0' &&
	    strcmp(path, "/access/ticket") != 0 && pve_login(a, err) == -1)
		return -1;
	if ((form = pve_form(a->curl, params)) == NULL)
		return err_set(err, "%s %s: out of memory", method, path);
	if (pve_exchange(a, method, path, form, &b, &status, reason, err) ==
	    -1)
		goto out;
	/* A ticket lives two hours: a long run logs in again, once. */
	if (status == 401 && a->token == NULL && a->ticket[0] != '\0' &&
	    strcmp(path, "/access/ticket") != 0) {
		free(b.b_data);
		memset(&b, 0, sizeof(b));
		b.b_max = PVE_BODY_MAX;
		if (pve_login(a, err) == -1 || pve_exchange(a, method, path,
		    form, &b, &status, reason, err) == -1)
			goto out;
	}
	if (status < 200 || status > 299) {
		pve_error(method, path, status, reason, &b, err);
		goto out;
	}
	if ((doc = json_parse_buf(b.b_data ? b.b_data : "", b.b_len, e)) ==
	    NULL || !cJSON_IsObject(doc)) {
		err_set(err, "%s %s: the answer is no JSON object (%s)",
		    method, path, doc ? "not an object" : e);
		goto out;
	}
	if (data != NULL)
		*data = cJSON_DetachItemFromObjectCaseSensitive(doc, "data");
	rc = 0;
out:
	cJSON_Delete(doc);
	free(b.b_data);
	free(form);
	return rc;
}

int
pve_upid_parse(const char *s, struct pve_upid *u, char *err)
{
	char f[7][128];
	const char *p, *c;
	size_t i, n;

	memset(u, 0, sizeof(*u));
	if (s == NULL || strncmp(s, "UPID:", 5) != 0)
		return err_set(err, "task id '%s' is no UPID", s ? s : "");
	for (i = 0, p = s + 5; i < 7; i++, p = c + 1) {
		if ((c = strchr(p, ':')) == NULL)
			return err_set(err, "UPID '%s': %zu fields, 7 expected",
			    s, i);
		if ((n = (size_t)(c - p)) >= sizeof(f[i]))
			return err_set(err, "UPID '%s': field %zu too long", s,
			    i + 1);
		memcpy(f[i], p, n);
		f[i][n] = '\0';
	}
	if (*p != '\0' || f[0][0] == '\0' || f[4][0] == '\0' ||
	    f[3][0] == '\0' || strlen(f[0]) >= sizeof(u->u_node) ||
	    strlen(f[4]) >= sizeof(u->u_type) ||
	    strlen(f[5]) >= sizeof(u->u_id) ||
	    strlen(f[6]) >= sizeof(u->u_user) ||
	    strspn(f[3], "0123456789abcdefABCDEF") != strlen(f[3]))
		return err_set(err, "UPID '%s': not NODE:PID:PSTART:STARTTIME:"
		    "TYPE:ID:USER:", s);
	snprintf(u->u_node, sizeof(u->u_node), "%s", f[0]);
	snprintf(u->u_type, sizeof(u->u_type), "%s", f[4]);
	snprintf(u->u_id, sizeof(u->u_id), "%s", f[5]);
	snprintf(u->u_user, sizeof(u->u_user), "%s", f[6]);
	u->u_starttime = strtoull(f[3], NULL, 16);
	return 0;
}

int
pve_tasklog_downtime(const char *line, double *ms)
{
	const char *p = strstr(line, "average migration speed:");
	char *end;
	double v;

	if (p == NULL || (p = strstr(p, " - downtime ")) == NULL)
		return 0;
	p += strlen(" - downtime ");
	v = strtod(p, &end);
	if (end == p || strncmp(end, " ms", 3) != 0 || v < 0)
		return 0;
	*ms = v;
	return 1;
}

int
pve_tasklog_archive(const char *line, char *name, size_t len)
{
	const char *p = strstr(line, "creating vzdump archive '"), *q, *b;

	if (p == NULL)
		return 0;
	p += strlen("creating vzdump archive '");
	if ((q = strchr(p, '\'')) == NULL)
		return 0;
	for (b = q; b > p && b[-1] != '/'; b--)
		;
	if (b == q || (size_t)(q - b) >= len)
		return 0;
	memcpy(name, b, (size_t)(q - b));
	name[q - b] = '\0';
	return 1;
}
