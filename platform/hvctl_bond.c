/*
 * hvctl_bond.c - hvctl's bond views and commands: the member table under
 * `hvctl network show` (carrier, enabled, LACP, which member is active)
 * and `hvctl network bond NODE BOND MODE [...]`, a bond-mode change with
 * its link-monitoring settings through hvd's network API (checked and
 * rolled back by hvd like every network change).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "platform/hvctl.h"

static const char *
str_or(const cJSON *o, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

static const char *
yesno(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "yes" : "no") : "-";
}

void
hvctl_bond_print(const cJSON *show)
{
	const cJSON *p, *m, *v;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(show, "ports")) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "bond")))
			continue;
		printf("\nbond %s: %s, lacp %s", str_or(p, "name", "?"),
		    str_or(p, "bond_mode", "active-backup"),
		    str_or(p, "lacp", "off"));
		if ((v = cJSON_GetObjectItemCaseSensitive(p, "lacp_status")) &&
		    cJSON_IsString(v))
			printf(" (%s)", v->valuestring);
		printf(", lacp_time %s, link_detect %s",
		    str_or(p, "lacp_time", "slow"),
		    str_or(p, "link_detect", "carrier"));
		if ((v = cJSON_GetObjectItemCaseSensitive(p, "miimon_ms")) &&
		    cJSON_IsNumber(v))
			printf(" %d ms", v->valueint);
		if ((v = cJSON_GetObjectItemCaseSensitive(p, "rebalance_ms")) &&
		    cJSON_IsNumber(v))
			printf(", rebalance %d ms", v->valueint);
		printf("\n");
		if ((v = cJSON_GetObjectItemCaseSensitive(p, "state_error")) &&
		    cJSON_IsString(v)) {
			printf("  member state unknown: %s\n", v->valuestring);
			continue;
		}
		printf("  active member: %s\n", str_or(p, "active_member",
		    "none"));
		printf("  %-10s %-8s %-8s %-7s %s\n", "MEMBER", "CARRIER",
		    "ENABLED", "ACTIVE", "LACP");
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p,
		    "members"))
			printf("  %-10s %-8s %-8s %-7s %s\n",
			    str_or(m, "name", "?"),
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
			    "carrier")) ? "up" : "down",
			    yesno(m, "enabled"), yesno(m, "active"),
			    str_or(m, "lacp", "-"));
	}
}

static const char *b_lacp, *b_time, *b_detect, *b_check;
static long b_miimon, b_rebalance, b_grace;

static int
lnum(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return (*s == '\0' || *end != '\0' || errno != 0 || *out < 0) ? -1 : 0;
}

static int
bond_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'l': b_lacp = arg; return 0;
	case 't': b_time = arg; return 0;
	case 'd': b_detect = arg; return 0;
	case 'm': return lnum(arg, &b_miimon);
	case 'r': return lnum(arg, &b_rebalance);
	case 'a': b_check = arg; return 0;
	case 'g': return lnum(arg, &b_grace);
	}
	return -1;
}

int
hvctl_network_bond(int argc, char **argv)
{
	static const struct option o[] = {
		{ "lacp", required_argument, NULL, 'l' },
		{ "lacp-time", required_argument, NULL, 't' },
		{ "detect", required_argument, NULL, 'd' },
		{ "miimon-ms", required_argument, NULL, 'm' },
		{ "rebalance-ms", required_argument, NULL, 'r' },
		{ "check-addr", required_argument, NULL, 'a' },
		{ "grace-ms", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	char path[256];
	cJSON *body, *ch, *out;
	int i = hvctl_getopt(argc, argv, o, "", bond_opt);

	if (i < 0 || argc - i != 3) {
		fprintf(stderr, "usage: hvctl network bond NODE BOND MODE "
		    "[--lacp active|passive|off] [--lacp-time fast|slow] "
		    "[--detect carrier|miimon] [--miimon-ms N] "
		    "[--rebalance-ms N] [--check-addr IP] [--grace-ms MS]\n");
		return 1;
	}
	ch = cJSON_CreateObject();
	cJSON_AddStringToObject(ch, "kind", "bond-mode");
	cJSON_AddStringToObject(ch, "port", argv[i + 1]);
	cJSON_AddStringToObject(ch, "bond_mode", argv[i + 2]);
	/* balance-tcp needs LACP; the others keep LACP on unless told:
	 * toward a LACP switch, lacp off would take the bond down. */
	cJSON_AddStringToObject(ch, "lacp", b_lacp ? b_lacp : "active");
	if (b_time)
		cJSON_AddStringToObject(ch, "lacp_time", b_time);
	if (b_detect)
		cJSON_AddStringToObject(ch, "link_detect", b_detect);
	if (b_miimon)
		cJSON_AddNumberToObject(ch, "miimon_ms", (double)b_miimon);
	if (b_rebalance)
		cJSON_AddNumberToObject(ch, "rebalance_ms",
		    (double)b_rebalance);
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "change", ch);
	if (b_check)
		cJSON_AddStringToObject(body, "check_addr", b_check);
	if (b_grace)
		cJSON_AddNumberToObject(body, "grace_ms", (double)b_grace);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", argv[i]);
	i = hvctl_call("POST", path, body, &out);
	cJSON_Delete(body);
	if (i != 0)
		return 1;
	return hvctl_task_result(out);
}
