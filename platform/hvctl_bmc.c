/*
 * hvctl_bmc.c - `hvctl node bmc NODE`: show, set or remove where a
 * node's BMC answers and the credentials the HA manager powers it off
 * with (PUT|GET|DELETE /api/v1/nodes/NODE/bmc, docs/ha.md).  The
 * password and the CA are read from files on this machine, so they
 * never show on a command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "platform/hvctl.h"

#define BMC_FILE_MAX 16384

static struct {
	const char	*url, *user, *pass_file, *ca_file;
	int		 insecure, remove;
} bo;

static int
bmc_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'u': bo.url = arg; break;
	case 'U': bo.user = arg; break;
	case 'p': bo.pass_file = arg; break;
	case 'c': bo.ca_file = arg; break;
	case 'k': bo.insecure = 1; break;
	case 'r': bo.remove = 1; break;
	default: return -1;
	}
	return 0;
}

/* A file of at most BMC_FILE_MAX bytes into a string (caller frees);
 * with first_line, only its first line.  NULL + a message on stderr. */
static char *
bmc_read_file(const char *path, int first_line)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "hvctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((buf = calloc(1, BMC_FILE_MAX + 1)) != NULL)
		n = fread(buf, 1, BMC_FILE_MAX + 1, f);
	fclose(f);
	if (buf == NULL || n > BMC_FILE_MAX) {
		fprintf(stderr, "hvctl: %s: larger than %d bytes\n", path,
		    BMC_FILE_MAX);
		free(buf);
		return NULL;
	}
	if (first_line)
		buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

/* The PUT body from the options; NULL when a file cannot be read. */
static cJSON *
bmc_body(void)
{
	cJSON *b = cJSON_CreateObject();
	char *pass = NULL, *ca = NULL;

	if (bo.pass_file && (pass = bmc_read_file(bo.pass_file, 1)) == NULL)
		goto fail;
	if (bo.ca_file && (ca = bmc_read_file(bo.ca_file, 0)) == NULL)
		goto fail;
	cJSON_AddStringToObject(b, "url", bo.url);
	if (bo.user)
		cJSON_AddStringToObject(b, "user", bo.user);
	if (pass)
		cJSON_AddStringToObject(b, "password", pass);
	if (ca)
		cJSON_AddStringToObject(b, "ca", ca);
	if (bo.insecure)
		cJSON_AddBoolToObject(b, "insecure", 1);
	free(pass);
	free(ca);
	return b;
fail:
	free(pass);
	cJSON_Delete(b);
	return NULL;
}

int
hvctl_node_bmc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "user", required_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "remove", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *body, *o = NULL;
	int i = hvctl_getopt(argc, argv, opts, "", bmc_opt), rc;

	if (i < 0 || argc - i != 1 || (bo.remove && bo.url))
		return -2;
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/bmc", argv[i]);
	if (bo.remove)
		return hvctl_call("DELETE", path, NULL, NULL) == 0 ? 0 : 1;
	if (bo.url == NULL) {
		if (bo.user || bo.pass_file || bo.ca_file || bo.insecure)
			return -2;
		return hvctl_get_print(path, NULL, NULL);
	}
	if ((body = bmc_body()) == NULL)
		return 1;
	rc = hvctl_call("PUT", path, body, &o);
	cJSON_Delete(body);
	if (rc == 0)
		hvctl_print_json(o);
	cJSON_Delete(o);
	return rc == 0 ? 0 : 1;
}
