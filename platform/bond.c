/*
 * bond.c - the live state of OVS bonds (bond.h): ovs-appctl bond/show and
 * lacp/show, parsed (bond_parse is pure and unit-tested), joined with the
 * members' carrier from the database, and merged into netcfg_show()'s
 * document for `hvctl network show`.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "proc.h"
#include "platform/bond.h"

#define APPCTL_TIMEOUT_MS 10000

/* ---- parsing ---- */

static cJSON *
find_named(cJSON *arr, const char *name)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return it;
	}
	return NULL;
}

static void
set_str(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (v != NULL)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void
set_bool(cJSON *o, const char *key, int v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddBoolToObject(o, key, v);
}

/* Trim trailing blanks in place; returns s. */
static char *
rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "---- NAME ----" -> NAME in buf; 1 when the line is a heading. */
static int
heading(const char *line, char *buf, size_t len)
{
	const char *e;

	if (strncmp(line, "---- ", 5) != 0)
		return 0;
	e = strstr(line + 5, " ----");
	if (e == NULL || e == line + 5 || (size_t)(e - line - 5) >= len)
		return 0;
	memcpy(buf, line + 5, (size_t)(e - line - 5));
	buf[e - line - 5] = '\0';
	return 1;
}

static cJSON *
new_bond(cJSON *arr, const char *name)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddItemToArray(arr, b);
	cJSON_AddStringToObject(b, "name", name);
	cJSON_AddNullToObject(b, "bond_mode");
	cJSON_AddNullToObject(b, "lacp_status");
	cJSON_AddNullToObject(b, "lacp_time");
	cJSON_AddNullToObject(b, "active_member");
	cJSON_AddNumberToObject(b, "updelay_ms", 0);
	cJSON_AddNumberToObject(b, "downdelay_ms", 0);
	cJSON_AddArrayToObject(b, "members");
	return b;
}

static cJSON *
new_member(cJSON *bond, const char *name)
{
	cJSON *ms = cJSON_GetObjectItemCaseSensitive(bond, "members");
	cJSON *m = find_named(ms, name);

	if (m != NULL)
		return m;
	m = cJSON_CreateObject();
	cJSON_AddItemToArray(ms, m);
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddBoolToObject(m, "enabled", 0);
	cJSON_AddBoolToObject(m, "active", 0);
	cJSON_AddBoolToObject(m, "may_enable", 0);
	cJSON_AddNullToObject(m, "lacp");
	return m;
}

static int
parse_bond_show(cJSON *arr, char *text, char *err)
{
	char *line, *save = NULL, name[64], *v;
	cJSON *b = NULL, *m = NULL;
	int lineno = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		rtrim(line);
		if (heading(line, name, sizeof(name))) {
			b = find_named(arr, name);
			if (b == NULL)
				b = new_bond(arr, name);
			m = NULL;
			continue;
		}
		if (b == NULL) {
			if (line[0] == '\0')
				continue;
			return err_set(err, "bond/show:%d: text before the "
			    "first bond heading", lineno);
		}
		if (strncmp(line, "member ", 7) == 0 &&
		    (v = strstr(line, ": ")) != NULL) {
			*v = '\0';
			m = new_member(b, line + 7);
			set_bool(m, "enabled", strcmp(v + 2, "enabled") == 0);
		} else if (m != NULL && strcmp(line, "  active member") == 0) {
			set_bool(m, "active", 1);
		} else if (m != NULL &&
		    strncmp(line, "  may_enable: ", 14) == 0) {
			set_bool(m, "may_enable", strcmp(line + 14, "true") == 0);
		} else if (strncmp(line, "bond_mode: ", 11) == 0) {
			set_str(b, "bond_mode", line + 11);
		} else if (strncmp(line, "lacp_status: ", 13) == 0) {
			set_str(b, "lacp_status", line + 13);
		} else if (strncmp(line, "updelay: ", 9) == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(b,
			    "updelay_ms");
			cJSON_AddNumberToObject(b, "updelay_ms",
			    atoi(line + 9));
		} else if (strncmp(line, "downdelay: ", 11) == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(b,
			    "downdelay_ms");
			cJSON_AddNumberToObject(b, "downdelay_ms",
			    atoi(line + 11));
		}
	}
	/* The active member: the one marked so (the "active member mac"
	 * line also names it, but only while it is enabled). */
	cJSON_ArrayForEach(b, arr) {
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(b,
		    "members"))
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
			    "active")))
				set_str(b, "active_member",
				    cJSON_GetObjectItemCaseSensitive(m,
				    "name")->valuestring);
	}
	return 0;
}

static int
parse_lacp_show(cJSON *arr, char *text, char *err)
{
	char *line, *save = NULL, name[64], *v;
	cJSON *b = NULL, *m;
	int lineno = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		rtrim(line);
		if (heading(line, name, sizeof(name))) {
			b = find_named(arr, name);
			if (b == NULL)
				b = new_bond(arr, name);
			continue;
		}
		if (b == NULL) {
			if (line[0] == '\0')
				continue;
			return err_set(err, "lacp/show:%d: text before the "
			    "first bond heading", lineno);
		}
		if (strncmp(line, "  lacp_time: ", 13) == 0)
			set_str(b, "lacp_time", line + 13);
		else if (strncmp(line, "member: ", 8) == 0 &&
		    (v = strstr(line + 8, ": ")) != NULL) {
			*v = '\0';
			m = new_member(b, line + 8);
			set_str(m, "lacp", v + 2);
		}
	}
	return 0;
}

cJSON *
bond_parse(const char *bond_show, const char *lacp_show, char *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *t1 = strdup(bond_show ? bond_show : "");
	char *t2 = strdup(lacp_show ? lacp_show : "");

	if (arr == NULL || t1 == NULL || t2 == NULL) {
		err_set(err, "bond: out of memory");
		goto fail;
	}
	if (parse_bond_show(arr, t1, err) < 0 ||
	    parse_lacp_show(arr, t2, err) < 0)
		goto fail;
	free(t1);
	free(t2);
	return arr;
fail:
	free(t1);
	free(t2);
	cJSON_Delete(arr);
	return NULL;
}

/* ---- asking OVS ---- */

/* ovs-vswitchd's control socket beside the ovsdb socket, or "" for
 * ovs-appctl's default. */
static void
appctl_target(const struct netcfg_ovs *o, char *buf, size_t len)
{
	char dir[512], path[600];
	const char *slash;
	FILE *f;
	long pid = 0;

	buf[0] = '\0';
	if (o->db[0] == '\0' || (slash = strrchr(o->db, '/')) == NULL)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o->db), o->db);
	snprintf(path, sizeof(path), "%s/ovs-vswitchd.ctl", dir);
	if (access(path, F_OK) == 0) {
		snprintf(buf, len, "%s", path);
		return;
	}
	snprintf(path, sizeof(path), "%s/ovs-vswitchd.pid", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0) {
		snprintf(path, sizeof(path), "%s/ovs-vswitchd.%ld.ctl", dir,
		    pid);
		if (access(path, F_OK) == 0)
			snprintf(buf, len, "%s", path);
	}
}

/* Run argv, stdout to *out (caller frees). */
static int
run_out(const char *const argv[], char **out, char *err)
{
	struct proc_opts po;
	struct proc_result r;
	int rc;

	memset(&po, 0, sizeof(po));
	memset(&r, 0, sizeof(r));
	po.stdin_null = 1;
	rc = proc_run(argv, &po, APPCTL_TIMEOUT_MS, &r, err);
	*out = NULL;
	if (rc == 0) {
		*out = r.out;
		r.out = NULL;
	}
	proc_result_free(&r);
	return rc;
}

static int
appctl(const struct netcfg_ovs *o, const char *cmd, char **out, char *err)
{
	char target[600];
	const char *argv[5];
	int n = 0;

	appctl_target(o, target, sizeof(target));
	argv[n++] = "ovs-appctl";
	if (target[0] != '\0') {
		argv[n++] = "-t";
		argv[n++] = target;
	}
	argv[n++] = cmd;
	argv[n] = NULL;
	return run_out(argv, out, err);
}

/* Add "carrier" to each member from Interface link_state. */
static int
add_carrier(const struct netcfg_ovs *o, cJSON *bonds, char *err)
{
	char db[600], *out = NULL;
	const char *argv[8];
	cJSON *doc = NULL, *row, *b, *m;
	int n = 0, rc = -1;

	argv[n++] = o->vsctl[0] ? o->vsctl : "ovs-vsctl";
	if (o->db[0] != '\0') {
		snprintf(db, sizeof(db), "--db=unix:%s", o->db);
		argv[n++] = db;
	}
	argv[n++] = "--format=json";
	argv[n++] = "--columns=name,link_state";
	argv[n++] = "list";
	argv[n++] = "Interface";
	argv[n] = NULL;
	if (run_out(argv, &out, err) < 0)
		goto out;
	if ((doc = json_parse_buf(out, strlen(out), err)) == NULL)
		goto out;
	cJSON_ArrayForEach(b, bonds)
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(b,
		    "members")) {
			const char *name = cJSON_GetObjectItemCaseSensitive(m,
			    "name")->valuestring;
			int carrier = 0;

			cJSON_ArrayForEach(row,
			    cJSON_GetObjectItemCaseSensitive(doc, "data")) {
				const cJSON *nm = cJSON_GetArrayItem(row, 0);
				const cJSON *ls = cJSON_GetArrayItem(row, 1);

				if (cJSON_IsString(nm) &&
				    strcmp(nm->valuestring, name) == 0 &&
				    cJSON_IsString(ls))
					carrier = strcmp(ls->valuestring,
					    "up") == 0;
			}
			set_bool(m, "carrier", carrier);
		}
	rc = 0;
out:
	free(out);
	cJSON_Delete(doc);
	return rc;
}

/*
 * The live state of every bond of the host, as bond_parse, with
 * "carrier":B added to each member from the database.  NULL with err when
 * ovs-vswitchd does not answer.
 */
static cJSON *
bond_status(const struct netcfg_ovs *o, char *err)
{
	char *bs = NULL, *ls = NULL;
	cJSON *arr = NULL;

	if (appctl(o, "bond/show", &bs, err) < 0)
		goto fail;
	/* lacp/show fails when no port runs LACP: not an error. */
	if (appctl(o, "lacp/show", &ls, err) < 0)
		ls = NULL;
	if ((arr = bond_parse(bs, ls, err)) == NULL)
		goto fail;
	if (add_carrier(o, arr, err) < 0)
		goto fail;
	free(bs);
	free(ls);
	return arr;
fail:
	free(bs);
	free(ls);
	cJSON_Delete(arr);
	return NULL;
}

int
bond_show_merge(const struct netcfg_ovs *o, cJSON *show)
{
	static const char *const keys[] = { "active_member", "lacp_status",
	    "lacp_time", "updelay_ms", "downdelay_ms", "members", NULL };
	cJSON *ports = cJSON_GetObjectItemCaseSensitive(show, "ports"), *p;
	cJSON *st = NULL, *b;
	char err[ERR_LEN];
	int i;

	if (!cJSON_IsArray(ports))
		return -1;
	cJSON_ArrayForEach(p, ports) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "bond")))
			continue;
		if (st == NULL && (st = bond_status(o, err)) == NULL) {
			cJSON_AddStringToObject(p, "state_error", err);
			continue;
		}
		b = find_named(st, cJSON_GetObjectItemCaseSensitive(p,
		    "name")->valuestring);
		if (b == NULL) {
			cJSON_AddStringToObject(p, "state_error",
			    "ovs-vswitchd does not know this bond");
			continue;
		}
		for (i = 0; keys[i] != NULL; i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(b, keys[i]);

			cJSON_DeleteItemFromObjectCaseSensitive(p, keys[i]);
			cJSON_AddItemToObject(p, keys[i],
			    cJSON_Duplicate(v, 1));
		}
	}
	cJSON_Delete(st);
	return 0;
}
