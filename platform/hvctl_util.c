/*
 * hvctl_util.c - what hvctl's commands share: the connection to hvd, API
 * calls, tables, JSON output, waiting for tasks, option parsing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "platform/hvctl.h"

struct hvctl_opts hv = {
	.socket = "/run/hvd/hvd.sock",
};

static struct http_client *hv_client;

static int
connect_api(void)
{
	struct http_opts o = { 0 };
	char url[256], err[ERR_LEN];

	if (hv_client != NULL)
		return 0;
	if (hv.host != NULL) {
		if (strncmp(hv.host, "https://", 8) == 0)
			snprintf(url, sizeof(url), "%s", hv.host);
		else if (strchr(hv.host, ':') != NULL)
			snprintf(url, sizeof(url), "https://%s", hv.host);
		else
			snprintf(url, sizeof(url), "https://%s:8006", hv.host);
		if (hv.ca == NULL && hv.pin == NULL) {
			fprintf(stderr, "hvctl: --host needs --ca FILE or "
			    "--fingerprint sha256//... to verify hvd\n");
			return -1;
		}
		if (hv.token == NULL) {
			fprintf(stderr, "hvctl: --host needs --token (or "
			    "HVCTL_TOKEN)\n");
			return -1;
		}
		o.base_url = url;
		o.token = hv.token;
		o.ca_file = hv.ca;
		o.pin = hv.pin;
	} else {
		o.base_url = "http://localhost";
		o.unix_socket = hv.socket;
	}
	o.timeout_ms = 120000;
	if ((hv_client = http_client_new(&o, err)) == NULL) {
		fprintf(stderr, "hvctl: %s\n", err);
		return -1;
	}
	return 0;
}

int
hvctl_call(const char *method, const char *path, const cJSON *body,
    cJSON **out)
{
	struct http_response r = { 0 };
	char err[ERR_LEN];
	int rc;

	if (out)
		*out = NULL;
	if (connect_api() != 0)
		return -1;
	rc = http_request_json(hv_client, method, path, body, &r, err);
	if (rc != 0) {
		if (r.status == 0 && hv.host == NULL)
			fprintf(stderr, "hvctl: %s (is hvd running? socket "
			    "%s)\n", err, hv.socket);
		else
			fprintf(stderr, "hvctl: %s\n", err);
	} else if (out) {
		*out = r.json;
		r.json = NULL;
	}
	http_response_free(&r);
	return rc;
}

int
hvctl_num(const char *s, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' ? -1 : 0;
}

const char *
hvctl_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	static char buf[8][64];
	static int i;

	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "yes" : "no";
	if (cJSON_IsNumber(v)) {
		i = (i + 1) % 8;
		if (v->valuedouble == (double)(long long)v->valuedouble)
			snprintf(buf[i], sizeof(buf[i]), "%lld",
			    (long long)v->valuedouble);
		else
			snprintf(buf[i], sizeof(buf[i]), "%.3g",
			    v->valuedouble);
		return buf[i];
	}
	return "-";
}

void
hvctl_print_json(const cJSON *o)
{
	char *s = cJSON_Print(o);

	if (s) {
		puts(s);
		free(s);
	}
}

void
hvctl_table(const char *const cols[], const char *const keys[],
    const cJSON *arr)
{
	size_t w[16] = { 0 }, nc, i;
	const cJSON *it;

	for (nc = 0; cols[nc] != NULL && nc < 16; nc++)
		w[nc] = strlen(cols[nc]);
	cJSON_ArrayForEach(it, arr)
		for (i = 0; i < nc; i++)
			if (strlen(hvctl_str(it, keys[i])) > w[i])
				w[i] = strlen(hvctl_str(it, keys[i]));
	for (i = 0; i < nc; i++)
		printf("%-*s%s", i + 1 < nc ? (int)w[i] : 0, cols[i],
		    i + 1 < nc ? "  " : "\n");
	cJSON_ArrayForEach(it, arr)
		for (i = 0; i < nc; i++)
			printf("%-*s%s", i + 1 < nc ? (int)w[i] : 0,
			    hvctl_str(it, keys[i]), i + 1 < nc ? "  " : "\n");
}

int
hvctl_task_wait(const char *id)
{
	char path[512], bar[41];
	cJSON *t = NULL, *log;
	const char *state = "queued";
	int tty = isatty(STDERR_FILENO) && !hv.json, shown = 0, n, i, rc = 1;
	double prog;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", id);
	for (;;) {
		cJSON_Delete(t);
		if (hvctl_call("GET", path, NULL, &t) != 0)
			return 1;
		state = hvctl_str(t, "state");
		prog = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t,
		    "progress"));
		if (prog != prog)	/* NaN: absent */
			prog = 0;
		log = cJSON_GetObjectItemCaseSensitive(t, "log");
		n = cJSON_GetArraySize(log);
		if (!hv.json) {
			if (tty && n > shown)
				fprintf(stderr, "\r\033[K");
			for (i = shown; i < n; i++) {
				const cJSON *l = cJSON_GetArrayItem(log, i);

				if (cJSON_IsString(l))
					fprintf(stderr, "  %s\n", l->valuestring);
			}
			shown = n;
			if (tty) {
				int k, fill = (int)(prog * 40);

				for (k = 0; k < 40; k++)
					bar[k] = k < fill ? '#' : '.';
				bar[40] = '\0';
				fprintf(stderr, "\r[%s] %3.0f%% %s", bar,
				    prog * 100, state);
			}
		}
		if (strcmp(state, "ok") == 0 || strcmp(state, "error") == 0)
			break;
		clock_sleep_ns(300 * NS_PER_MS);
	}
	if (tty)
		fprintf(stderr, "\n");
	if (hv.json)
		hvctl_print_json(t);
	else if (strcmp(state, "ok") == 0) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(t,
		    "result");

		printf("task %s: ok\n", id);
		if (res != NULL) {
			char *s = cJSON_Print(res);

			printf("%s\n", s ? s : "");
			free(s);
		}
	} else
		fprintf(stderr, "hvctl: task %s failed: %s\n", id,
		    hvctl_str(t, "error"));
	rc = strcmp(state, "ok") == 0 ? 0 : 1;
	cJSON_Delete(t);
	return rc;
}

int
hvctl_task_result(cJSON *resp)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "task");
	int rc;

	if (!cJSON_IsString(id)) {
		if (hv.json)
			hvctl_print_json(resp);
		cJSON_Delete(resp);
		return 0;
	}
	if (hv.no_wait) {
		if (hv.json)
			hvctl_print_json(resp);
		else
			printf("%s\n", id->valuestring);
		cJSON_Delete(resp);
		return 0;
	}
	rc = hvctl_task_wait(id->valuestring);
	cJSON_Delete(resp);
	return rc;
}

int
hvctl_getopt(int argc, char **argv, const struct option *extra,
    const char *extra_short, int (*on_opt)(int ch, const char *arg))
{
	struct option opts[24];
	char shortopts[64];
	int n = 0, ch;

	while (extra && extra[n].name != NULL && n < 20) {
		opts[n] = extra[n];
		n++;
	}
	opts[n++] = (struct option){ "json", no_argument, NULL, 'J' };
	opts[n++] = (struct option){ "no-wait", no_argument, NULL, 'W' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	snprintf(shortopts, sizeof(shortopts), "h%s",
	    extra_short ? extra_short : "");
	optind = 0;	/* glibc: full re-initialisation */
	while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			hv.json = 1;
			break;
		case 'W':
			hv.no_wait = 1;
			break;
		case 'h':
		case '?':
			return -1;
		default:
			if (on_opt == NULL || on_opt(ch, optarg) != 0)
				return -1;
		}
	}
	return optind;
}

void
hvctl_close(void)
{
	http_client_free(hv_client);
	hv_client = NULL;
}

int
hvctl_get_print(const char *path, const char *const cols[],
    const char *const keys[])
{
	cJSON *o;

	if (hvctl_call("GET", path, NULL, &o) != 0)
		return 1;
	if (hv.json || cols == NULL)
		hvctl_print_json(o);
	else
		hvctl_table(cols, keys, o);
	cJSON_Delete(o);
	return 0;
}

int
hvctl_delete_named(int argc, char **argv, const char *prog,
    const struct cmd *table, const char *prefix)
{
	char path[512];
	int i = hvctl_getopt(argc, argv, NULL, "", NULL);

	if (i < 0 || argc - i != 1)
		return cmd_misuse(prog, table, argv[0]);
	snprintf(path, sizeof(path), "%s/%s", prefix, argv[i]);
	return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
}

int
hvctl_get_view(const char *path, cJSON **out)
{
	if (hvctl_call("GET", path, NULL, out) != 0)
		return -1;
	if (!hv.json)
		return 0;
	hvctl_print_json(*out);
	cJSON_Delete(*out);
	*out = NULL;
	return 1;
}
