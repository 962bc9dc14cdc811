/*
 * netcfg.c - OVS ports, taps, bonds and VLANs with checked, self-reverting
 * changes (see netcfg.h).
 *
 * ovs-vsctl's JSON output (--format=json) is read with type checks: every
 * cell is an atom, ["set", [...]], ["uuid", S] or ["map", ...]; anything
 * else is an error naming the column.  Each change is one ovs-vsctl
 * transaction (commands joined with "--"), and so is its undo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/netcfg.h"
#include "proc.h"

#define VSCTL_TIMEOUT_MS 20000
#define MAX_ARGS 96

int
netcfg_vlan_valid(int vlan)
{
	return vlan >= 0 && vlan <= 4094;
}

int
netcfg_ifname_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		    ch == '-'))
			return 0;
	}
	return 1;
}

/* An argv under construction, with owned strings. */
struct args {
	char *v[MAX_ARGS + 1];
	int n;
	int overflow;
};

static void
args_add(struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
args_add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (a->n >= MAX_ARGS) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		a->overflow = 1;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
args_free(struct args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static void
vsctl_begin(const struct netcfg_ovs *o, struct args *a)
{
	memset(a, 0, sizeof(*a));
	args_add(a, "%s", o->vsctl[0] ? o->vsctl : "ovs-vsctl");
	if (o->db[0] != '\0')
		args_add(a, "--db=unix:%s", o->db);
	args_add(a, "--timeout=%d", VSCTL_TIMEOUT_MS / 1000 - 5);
}

/* Run the argv in a; out (may be NULL) gets stdout (caller frees). */
static int
vsctl_run(struct args *a, char **out, char *err)
{
	struct proc_result r;
	struct proc_opts po;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (a->overflow) {
		args_free(a);
		return err_set(err, "ovs-vsctl: too many arguments");
	}
	memset(&po, 0, sizeof(po));
	po.stdin_null = 1;
	memset(&r, 0, sizeof(r));
	rc = proc_run((const char *const *)a->v, &po, VSCTL_TIMEOUT_MS, &r,
	    err);
	if (rc == 0 && out != NULL) {
		*out = r.out;
		r.out = NULL;
	}
	proc_result_free(&r);
	args_free(a);
	return rc;
}

int
netcfg_tap_add(const struct netcfg_ovs *o, const char *tap, int vlan,
    char *err)
{
	struct ifreq ifr;
	struct args a;
	int fd = -1, sock = -1, created = 0;

	if (!netcfg_ifname_valid(tap))
		return err_set(err, "tap '%s': not a valid interface name",
		    tap);
	if (!netcfg_vlan_valid(vlan))
		return err_set(err, "tap %s: vlan %d is not in 0..4094", tap,
		    vlan);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err_errno(err, "tap %s: open /dev/net/tun", tap);
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err_errno(err, "tap %s: TUNSETIFF", tap);
		goto fail;
	}
	created = 1;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
		err_errno(err, "tap %s: TUNSETPERSIST", tap);
		goto fail;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
		err_errno(err, "tap %s: SIOCGIFFLAGS", tap);
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
		err_errno(err, "tap %s: set up", tap);
		goto fail;
	}
	close(sock);
	sock = -1;
	close(fd);
	fd = -1;

	if (o != NULL && o->bridge[0] != '\0') {
		vsctl_begin(o, &a);
		args_add(&a, "--may-exist");
		args_add(&a, "add-port");
		args_add(&a, "%s", o->bridge);
		args_add(&a, "%s", tap);
		args_add(&a, "--");
		if (vlan > 0) {
			args_add(&a, "set");
			args_add(&a, "Port");
			args_add(&a, "%s", tap);
			args_add(&a, "tag=%d", vlan);
		} else {
			args_add(&a, "clear");
			args_add(&a, "Port");
			args_add(&a, "%s", tap);
			args_add(&a, "tag");
		}
		if (vsctl_run(&a, NULL, err) < 0) {
			err_prefix(err, "tap %s: add to bridge %s", tap,
			    o->bridge);
			goto fail;
		}
	}
	return 0;
fail:
	if (sock >= 0)
		close(sock);
	if (fd >= 0) {
		if (created)
			(void)ioctl(fd, TUNSETPERSIST, 0);
		close(fd);
	}
	return -1;
}

int
netcfg_tap_del(const struct netcfg_ovs *o, const char *tap, char *err)
{
	struct ifreq ifr;
	struct args a;
	int fd, rc = 0;
	char e2[ERR_LEN];

	if (!netcfg_ifname_valid(tap))
		return err_set(err, "tap '%s': not a valid interface name",
		    tap);
	if (o != NULL && o->bridge[0] != '\0') {
		vsctl_begin(o, &a);
		args_add(&a, "--if-exists");
		args_add(&a, "del-port");
		args_add(&a, "%s", o->bridge);
		args_add(&a, "%s", tap);
		if (vsctl_run(&a, NULL, err) < 0)
			rc = err_prefix(err, "tap %s: remove from bridge %s",
			    tap, o->bridge);
	}
	if (if_nametoindex(tap) == 0)
		return rc;	/* already gone */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_errno(rc < 0 ? e2 : err, "tap %s: open /dev/net/tun",
		    tap);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 0) < 0)
		rc = err_errno(rc < 0 ? e2 : err, "tap %s: delete (is a QEMU "
		    "still using it?)", tap);
	close(fd);
	return rc;
}

/* ---- reading ovs-vsctl --format=json tables ---- */

/* Cell helpers: an OVSDB JSON cell is an atom, ["set",[atoms]],
 * ["uuid",S], or ["map",[[k,v]...]]. */

/* Put the atoms of a set cell (or the single atom) into a new array. */
static cJSON *
cell_atoms(const cJSON *c)
{
	cJSON *out = cJSON_CreateArray(), *it;
	const cJSON *t;

	if (out == NULL)
		return NULL;
	if (cJSON_IsArray(c)) {
		t = cJSON_GetArrayItem(c, 0);
		if (cJSON_IsString(t) && strcmp(t->valuestring, "set") == 0) {
			cJSON_ArrayForEach(it, cJSON_GetArrayItem(c, 1))
				cJSON_AddItemToArray(out,
				    cJSON_Duplicate(it, 1));
			return out;
		}
	}
	cJSON_AddItemToArray(out, cJSON_Duplicate(c, 1));
	return out;
}

/* The uuid string of a ["uuid", S] atom or NULL. */
static const char *
atom_uuid(const cJSON *a)
{
	const cJSON *t = cJSON_GetArrayItem(a, 0), *u = cJSON_GetArrayItem(a, 1);

	if (cJSON_IsArray(a) && cJSON_IsString(t) &&
	    strcmp(t->valuestring, "uuid") == 0 && cJSON_IsString(u))
		return u->valuestring;
	return NULL;
}

/* Run "list TABLE" with columns; returns the parsed document (checked
 * to have "headings" and "data" arrays). */
static cJSON *
vsctl_list(const struct netcfg_ovs *o, const char *table,
    const char *columns, char *err)
{
	struct args a;
	char *out = NULL;
	cJSON *doc = NULL;
	const cJSON *h, *d;

	vsctl_begin(o, &a);
	args_add(&a, "--format=json");
	args_add(&a, "--columns=%s", columns);
	args_add(&a, "list");
	args_add(&a, "%s", table);
	if (vsctl_run(&a, &out, err) < 0)
		return NULL;
	doc = json_parse_buf(out, strlen(out), err);
	free(out);
	if (doc == NULL) {
		err_prefix(err, "ovs-vsctl list %s", table);
		return NULL;
	}
	if (json_get_array(doc, "headings", JSON_REQUIRED, &h, err) < 0 ||
	    json_get_array(doc, "data", JSON_REQUIRED, &d, err) < 0) {
		cJSON_Delete(doc);
		err_prefix(err, "ovs-vsctl list %s", table);
		return NULL;
	}
	return doc;
}

static int
heading_index(const cJSON *doc, const char *name)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "headings"), *it;
	int i = 0;

	cJSON_ArrayForEach(it, h) {
		if (cJSON_IsString(it) && strcmp(it->valuestring, name) == 0)
			return i;
		i++;
	}
	return -1;
}

/* Value of key in an OVSDB map cell ["map",[[k,v],...]], or NULL. */
static const char *
map_get(const cJSON *cell, const char *key)
{
	const cJSON *pairs = cJSON_GetArrayItem(cell, 1), *kv;

	if (!cJSON_IsString(cJSON_GetArrayItem(cell, 0)) ||
	    strcmp(cJSON_GetArrayItem(cell, 0)->valuestring, "map") != 0)
		return NULL;
	cJSON_ArrayForEach(kv, pairs) {
		const cJSON *k = cJSON_GetArrayItem(kv, 0);
		const cJSON *v = cJSON_GetArrayItem(kv, 1);

		if (cJSON_IsString(k) && cJSON_IsString(v) &&
		    strcmp(k->valuestring, key) == 0)
			return v->valuestring;
	}
	return NULL;
}

/* A bond's link-monitoring settings from its other_config. */
static void
add_bond_monitor(cJSON *p, const cJSON *oc)
{
	const char *v;

	if ((v = map_get(oc, "lacp-time")) != NULL)
		cJSON_AddStringToObject(p, "lacp_time", v);
	else
		cJSON_AddNullToObject(p, "lacp_time");
	if ((v = map_get(oc, "bond-detect-mode")) != NULL)
		cJSON_AddStringToObject(p, "link_detect", v);
	else
		cJSON_AddNullToObject(p, "link_detect");
	if ((v = map_get(oc, "bond-miimon-interval")) != NULL)
		cJSON_AddNumberToObject(p, "miimon_ms", atoi(v));
	else
		cJSON_AddNullToObject(p, "miimon_ms");
	if ((v = map_get(oc, "bond-rebalance-interval")) != NULL)
		cJSON_AddNumberToObject(p, "rebalance_ms", atoi(v));
	else
		cJSON_AddNullToObject(p, "rebalance_ms");
}

/* What netcfg_show reads from OVSDB: the bridge's port names, the Port
 * and Interface tables and where their columns are. */
struct show_tables {
	cJSON	*names;		/* the bridge's ports (list-ports) */
	cJSON	*ports;		/* ovs-vsctl list Port */
	cJSON	*ifaces;	/* ovs-vsctl list Interface */
	int	 ci[7];		/* Port columns, as show_cols */
	int	 ii_uuid, ii_name;
};

static const char *const show_cols[7] = { "name", "tag", "trunks",
    "interfaces", "bond_mode", "lacp", "other_config" };

static void
show_tables_free(struct show_tables *st)
{
	cJSON_Delete(st->names);
	cJSON_Delete(st->ports);
	cJSON_Delete(st->ifaces);
}

/* Read the tables (st zeroed by the caller): 0 or -1 + err. */
static int
show_tables_read(const struct netcfg_ovs *o, struct show_tables *st,
    char *err)
{
	struct args a;
	char *list = NULL, *line, *save = NULL;
	int k, rc = -1;

	vsctl_begin(o, &a);
	args_add(&a, "list-ports");
	args_add(&a, "%s", o->bridge);
	if (vsctl_run(&a, &list, err) < 0)
		goto out;
	st->ports = vsctl_list(o, "Port", "name,tag,trunks,interfaces,"
	    "bond_mode,lacp,other_config", err);
	if (st->ports == NULL)
		goto out;
	st->ifaces = vsctl_list(o, "Interface", "_uuid,name", err);
	if (st->ifaces == NULL)
		goto out;
	for (k = 0; k < 7; k++)
		if ((st->ci[k] = heading_index(st->ports, show_cols[k])) < 0) {
			err_set(err, "ovs-vsctl list Port: no '%s' column",
			    show_cols[k]);
			goto out;
		}
	st->ii_uuid = heading_index(st->ifaces, "_uuid");
	st->ii_name = heading_index(st->ifaces, "name");
	if (st->ii_uuid < 0 || st->ii_name < 0) {
		err_set(err, "ovs-vsctl list Interface: no _uuid/name column");
		goto out;
	}
	st->names = cJSON_CreateArray();
	for (line = strtok_r(list, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		cJSON_AddItemToArray(st->names, cJSON_CreateString(line));
	rc = 0;
out:
	free(list);
	return rc;
}

/* The names of the interfaces whose uuids are in atoms, into iflist. */
static void
show_iface_names(const struct show_tables *st, const cJSON *atoms,
    cJSON *iflist)
{
	const cJSON *it, *irow, *in;
	const char *u, *iu;

	cJSON_ArrayForEach(it, atoms) {
		if ((u = atom_uuid(it)) == NULL)
			continue;
		cJSON_ArrayForEach(irow, cJSON_GetObjectItemCaseSensitive(
		    st->ifaces, "data")) {
			iu = atom_uuid(cJSON_GetArrayItem(irow, st->ii_uuid));
			in = cJSON_GetArrayItem(irow, st->ii_name);
			if (iu != NULL && strcmp(iu, u) == 0 &&
			    cJSON_IsString(in))
				cJSON_AddItemToArray(iflist,
				    cJSON_CreateString(in->valuestring));
		}
	}
}

/* One Port row into p: tag, trunks, interfaces, bond settings.  0, or
 * -1 out of memory. */
static int
show_port_row(const struct show_tables *st, const cJSON *row, cJSON *p)
{
	const cJSON *tag = cJSON_GetArrayItem(row, st->ci[1]);
	const cJSON *mode = cJSON_GetArrayItem(row, st->ci[4]);
	const cJSON *lacp = cJSON_GetArrayItem(row, st->ci[5]);
	cJSON *atoms;

	if (cJSON_IsNumber(tag))
		cJSON_AddNumberToObject(p, "tag", tag->valueint);
	else
		cJSON_AddNullToObject(p, "tag");
	if ((atoms = cell_atoms(cJSON_GetArrayItem(row, st->ci[2]))) == NULL)
		return -1;
	cJSON_AddItemToObject(p, "trunks", atoms);
	if ((atoms = cell_atoms(cJSON_GetArrayItem(row, st->ci[3]))) == NULL)
		return -1;
	show_iface_names(st, atoms, cJSON_AddArrayToObject(p, "interfaces"));
	cJSON_AddBoolToObject(p, "bond", cJSON_GetArraySize(atoms) > 1);
	cJSON_Delete(atoms);
	if (cJSON_IsString(mode))
		cJSON_AddStringToObject(p, "bond_mode", mode->valuestring);
	else
		cJSON_AddNullToObject(p, "bond_mode");
	if (cJSON_IsString(lacp))
		cJSON_AddStringToObject(p, "lacp", lacp->valuestring);
	else
		cJSON_AddNullToObject(p, "lacp");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "bond")))
		add_bond_monitor(p, cJSON_GetArrayItem(row, st->ci[6]));
	return 0;
}

cJSON *
netcfg_show(const struct netcfg_ovs *o, char *err)
{
	struct show_tables st;
	cJSON *out = NULL, *parr, *row, *p, *it;
	const cJSON *name;
	int found;

	memset(&st, 0, sizeof(st));
	if (show_tables_read(o, &st, err) < 0)
		goto fail;
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "bridge", o->bridge);
	parr = cJSON_AddArrayToObject(out, "ports");
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(st.ports,
	    "data")) {
		name = cJSON_GetArrayItem(row, st.ci[0]);
		if (!cJSON_IsString(name)) {
			err_set(err, "ovs-vsctl list Port: 'name' must be a "
			    "string");
			goto fail;
		}
		found = 0;
		cJSON_ArrayForEach(it, st.names)
			if (strcmp(it->valuestring, name->valuestring) == 0)
				found = 1;
		if (!found)
			continue;	/* a port of another bridge */
		p = cJSON_CreateObject();
		cJSON_AddItemToArray(parr, p);
		cJSON_AddStringToObject(p, "name", name->valuestring);
		if (show_port_row(&st, row, p) < 0) {
			err_set(err, "netcfg show: out of memory");
			goto fail;
		}
	}
	show_tables_free(&st);
	return out;
fail:
	show_tables_free(&st);
	cJSON_Delete(out);
	return NULL;
}

/* ---- changes ---- */

static const char *const bond_modes[] = { "active-backup", "balance-slb",
	"balance-tcp", NULL };
static const char *const lacp_modes[] = { "off", "active", "passive", NULL };

static int
in_list(const char *s, const char *const list[])
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static const struct {
	const char		*name;
	enum netcfg_change_kind kind;
} change_kinds[] = {
	{ "port-vlan",	NETCFG_PORT_VLAN },
	{ "bond-add",	NETCFG_BOND_ADD },
	{ "bond-del",	NETCFG_BOND_DEL },
	{ "bond-mode",	NETCFG_BOND_MODE },
	{ NULL,		0 }
};

/* "trunks" and "members" into ch: 0 or -1 + err. */
static int
change_lists_from_json(const cJSON *obj, struct netcfg_change *ch,
    char *err)
{
	const cJSON *arr = NULL, *it;

	if (json_get_array(obj, "trunks", JSON_OPTIONAL, &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsNumber(it) || it->valuedouble != it->valueint ||
		    it->valueint < 1 || it->valueint > 4094)
			return err_set(err, "'trunks' must be VLAN numbers "
			    "1..4094");
		if (ch->ntrunks == NETCFG_MAX_TRUNKS)
			return err_set(err, "'trunks': more than %d VLANs",
			    NETCFG_MAX_TRUNKS);
		ch->trunks[ch->ntrunks++] = it->valueint;
	}
	arr = NULL;
	if (json_get_array(obj, "members", JSON_OPTIONAL, &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || !netcfg_ifname_valid(it->valuestring))
			return err_set(err, "'members' must be interface "
			    "names");
		if (ch->nmembers == NETCFG_MAX_MEMBERS)
			return err_set(err, "'members': more than %d",
			    NETCFG_MAX_MEMBERS);
		snprintf(ch->members[ch->nmembers++], 16, "%s",
		    it->valuestring);
	}
	return 0;
}

/* Copy optional string member key into buf (at most max characters). */
static int
change_str(const cJSON *obj, const char *key, char *buf, size_t len,
    int max, char *err)
{
	const char *s = NULL;

	if (json_get_string(obj, key, JSON_OPTIONAL, &s, err) < 0)
		return -1;
	if (s != NULL)
		snprintf(buf, len, "%.*s", max, s);
	return 0;
}

/* The bond's mode, LACP and link monitoring into ch: 0 or -1 + err. */
static int
change_bond_from_json(const cJSON *obj, struct netcfg_change *ch,
    char *err)
{
	int64_t v;

	if (change_str(obj, "bond_mode", ch->bond_mode, sizeof(ch->bond_mode),
	    INT_MAX, err) < 0 ||
	    change_str(obj, "lacp", ch->lacp, sizeof(ch->lacp), INT_MAX,
	    err) < 0 ||
	    change_str(obj, "lacp_time", ch->lacp_time, sizeof(ch->lacp_time),
	    7, err) < 0 ||
	    change_str(obj, "link_detect", ch->link_detect,
	    sizeof(ch->link_detect), 7, err) < 0)
		return -1;
	v = 0;
	if (json_get_int(obj, "miimon_ms", JSON_OPTIONAL, &v, err) < 0)
		return -1;
	if (v < 0 || v > 100000)
		return err_set(err, "'miimon_ms' must be in 1..100000");
	ch->miimon_ms = (int)v;
	v = 0;
	if (json_get_int(obj, "rebalance_ms", JSON_OPTIONAL, &v, err) < 0)
		return -1;
	if (v < 0 || v > 100000)
		return err_set(err, "'rebalance_ms' must be in 0..100000");
	ch->rebalance_ms = (int)v;
	return 0;
}

int
netcfg_change_from_json(const cJSON *obj, struct netcfg_change *ch,
    char *err)
{
	static const char *const keys[] = { "kind", "port", "vlan", "trunks",
		"members", "bond_mode", "lacp", "lacp_time", "link_detect",
		"miimon_ms", "rebalance_ms", NULL };
	const char *kind = NULL, *port = NULL;
	int64_t v;
	int k;

	memset(ch, 0, sizeof(*ch));
	if (!cJSON_IsObject(obj))
		return err_set(err, "network change must be an object");
	if (json_check_keys(obj, keys, NULL, err) < 0 ||
	    json_get_string(obj, "kind", JSON_REQUIRED, &kind, err) < 0 ||
	    json_get_string(obj, "port", JSON_REQUIRED, &port, err) < 0)
		return -1;
	for (k = 0; change_kinds[k].name != NULL; k++)
		if (strcmp(kind, change_kinds[k].name) == 0)
			break;
	if (change_kinds[k].name == NULL)
		return err_set(err, "'kind' must be one of port-vlan, bond-add, "
		    "bond-del, bond-mode");
	ch->kind = change_kinds[k].kind;
	if (!netcfg_ifname_valid(port))
		return err_set(err, "'port': '%s' is not an interface name",
		    port);
	snprintf(ch->port, sizeof(ch->port), "%s", port);
	v = 0;
	if (json_get_int(obj, "vlan", JSON_OPTIONAL, &v, err) < 0)
		return -1;
	if (v < 0 || v > 4094)
		return err_set(err, "'vlan' must be in 0..4094");
	ch->vlan = (int)v;
	if (change_lists_from_json(obj, ch, err) < 0)
		return -1;
	return change_bond_from_json(obj, ch, err);
}

/* Static part of the check (no OVS needed). */
static int
change_check_static(const struct netcfg_change *ch, char *err)
{
	int i, j;

	if (!netcfg_ifname_valid(ch->port))
		return err_set(err, "port '%s' is not an interface name",
		    ch->port);
	switch (ch->kind) {
	case NETCFG_PORT_VLAN:
		if (!netcfg_vlan_valid(ch->vlan))
			return err_set(err, "vlan %d is not in 0..4094",
			    ch->vlan);
		if (ch->vlan > 0 && ch->ntrunks > 0)
			return err_set(err, "port %s: an access vlan and "
			    "trunks exclude each other", ch->port);
		for (i = 0; i < ch->ntrunks; i++)
			if (ch->trunks[i] < 1 || ch->trunks[i] > 4094)
				return err_set(err, "trunk vlan %d is not in "
				    "1..4094", ch->trunks[i]);
		return 0;
	case NETCFG_BOND_ADD:
		if (ch->nmembers < 2)
			return err_set(err, "bond %s needs at least 2 members",
			    ch->port);
		for (i = 0; i < ch->nmembers; i++)
			for (j = i + 1; j < ch->nmembers; j++)
				if (strcmp(ch->members[i], ch->members[j]) == 0)
					return err_set(err, "bond %s: member "
					    "%s given twice", ch->port,
					    ch->members[i]);
		/* FALLTHROUGH */
	case NETCFG_BOND_MODE:
		if (ch->bond_mode[0] == '\0' ||
		    !in_list(ch->bond_mode, bond_modes))
			return err_set(err, "bond %s: bond_mode must be one of "
			    "active-backup, balance-slb, balance-tcp",
			    ch->port);
		if (ch->lacp[0] != '\0' && !in_list(ch->lacp, lacp_modes))
			return err_set(err, "bond %s: lacp must be off, active "
			    "or passive", ch->port);
		if (strcmp(ch->bond_mode, "balance-tcp") == 0 &&
		    (ch->lacp[0] == '\0' || strcmp(ch->lacp, "off") == 0))
			return err_set(err, "bond %s: balance-tcp needs lacp "
			    "active or passive", ch->port);
		if (ch->lacp_time[0] != '\0' &&
		    strcmp(ch->lacp_time, "fast") != 0 &&
		    strcmp(ch->lacp_time, "slow") != 0)
			return err_set(err, "bond %s: lacp_time must be fast "
			    "or slow", ch->port);
		if (ch->link_detect[0] != '\0' &&
		    strcmp(ch->link_detect, "carrier") != 0 &&
		    strcmp(ch->link_detect, "miimon") != 0)
			return err_set(err, "bond %s: link_detect must be "
			    "carrier or miimon", ch->port);
		if (ch->miimon_ms < 0 || ch->miimon_ms > 100000 ||
		    ch->rebalance_ms < 0 || ch->rebalance_ms > 100000)
			return err_set(err, "bond %s: miimon_ms and "
			    "rebalance_ms must be in 0..100000", ch->port);
		return 0;
	case NETCFG_BOND_DEL:
		return 0;
	}
	return err_set(err, "unknown change kind %d", (int)ch->kind);
}

/* The port object named name in a netcfg_show document, or NULL. */
static const cJSON *
show_port(const cJSON *show, const char *name)
{
	const cJSON *p, *n;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(show, "ports")) {
		n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return p;
	}
	return NULL;
}

static int
check_against(const cJSON *show, const struct netcfg_change *ch, char *err)
{
	const cJSON *p = show_port(show, ch->port), *q, *b;
	int i;

	switch (ch->kind) {
	case NETCFG_PORT_VLAN:
		if (p == NULL)
			return err_set(err, "port %s is not on the bridge",
			    ch->port);
		return 0;
	case NETCFG_BOND_ADD:
		if (p != NULL)
			return err_set(err, "bond %s: a port of that name "
			    "exists", ch->port);
		for (i = 0; i < ch->nmembers; i++) {
			q = show_port(show, ch->members[i]);
			if (q == NULL)
				return err_set(err, "bond %s: member %s is not "
				    "a port on the bridge", ch->port,
				    ch->members[i]);
			b = cJSON_GetObjectItemCaseSensitive(q, "bond");
			if (cJSON_IsTrue(b))
				return err_set(err, "bond %s: member %s is a "
				    "bond itself", ch->port, ch->members[i]);
		}
		return 0;
	case NETCFG_BOND_DEL:
	case NETCFG_BOND_MODE:
		if (p == NULL || !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(p, "bond")))
			return err_set(err, "%s is not a bond on the bridge",
			    ch->port);
		return 0;
	}
	return 0;
}

/* Append "-- set/clear Port P tag/trunks" restoring port p's VLANs. */
static void
add_vlan_cmds(struct args *a, const char *port, int tag, const cJSON *trunks,
    const int *tr, int ntr)
{
	char buf[NETCFG_MAX_TRUNKS * 6 + 16];
	const cJSON *it;
	size_t off = 0;
	int i, n = 0;

	args_add(a, "--");
	if (tag > 0) {
		args_add(a, "set");
		args_add(a, "Port");
		args_add(a, "%s", port);
		args_add(a, "tag=%d", tag);
	} else {
		args_add(a, "clear");
		args_add(a, "Port");
		args_add(a, "%s", port);
		args_add(a, "tag");
	}
	buf[0] = '\0';
	if (trunks != NULL) {
		cJSON_ArrayForEach(it, trunks) {
			if (cJSON_IsNumber(it) && off < sizeof(buf) - 8)
				off += (size_t)snprintf(buf + off,
				    sizeof(buf) - off, "%s%d", n++ ? "," : "",
				    it->valueint);
		}
	} else {
		for (i = 0; i < ntr && off < sizeof(buf) - 8; i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    "%s%d", n++ ? "," : "", tr[i]);
	}
	args_add(a, "--");
	if (n > 0) {
		args_add(a, "set");
		args_add(a, "Port");
		args_add(a, "%s", port);
		args_add(a, "trunks=%s", buf);
	} else {
		args_add(a, "clear");
		args_add(a, "Port");
		args_add(a, "%s", port);
		args_add(a, "trunks");
	}
}

static int
port_tag(const cJSON *p)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "tag");

	return cJSON_IsNumber(t) ? t->valueint : 0;
}

static const char *
port_str(const cJSON *p, const char *key, const char *def)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, key);

	return cJSON_IsString(t) ? t->valuestring : def;
}

/* Forward: set the link-monitoring keys ch gives on port; reverse: put
 * back what show had (remove the keys that were unset). */
static void
add_monitor_cmds(struct args *fwd, struct args *rev, const cJSON *p,
    const struct netcfg_change *ch)
{
	static const struct { const char *key, *col; int num; } m[] = {
		{ "lacp_time", "lacp-time", 0 },
		{ "link_detect", "bond-detect-mode", 0 },
		{ "miimon_ms", "bond-miimon-interval", 1 },
		{ "rebalance_ms", "bond-rebalance-interval", 1 },
	};
	char val[4][16];
	const cJSON *old;
	int i, any = 0;

	snprintf(val[0], sizeof(val[0]), "%s", ch->lacp_time);
	snprintf(val[1], sizeof(val[1]), "%s", ch->link_detect);
	val[2][0] = val[3][0] = '\0';
	if (ch->miimon_ms > 0)
		snprintf(val[2], sizeof(val[2]), "%d", ch->miimon_ms);
	if (ch->rebalance_ms > 0)
		snprintf(val[3], sizeof(val[3]), "%d", ch->rebalance_ms);
	for (i = 0; i < 4; i++)
		any |= val[i][0] != '\0';
	if (!any)
		return;
	args_add(fwd, "--");
	args_add(fwd, "set");
	args_add(fwd, "Port");
	args_add(fwd, "%s", ch->port);
	for (i = 0; i < 4; i++)
		if (val[i][0] != '\0')
			args_add(fwd, "other_config:%s=%s", m[i].col, val[i]);
	for (i = 0; i < 4 && rev != NULL; i++) {
		if (val[i][0] == '\0')
			continue;
		old = cJSON_GetObjectItemCaseSensitive(p, m[i].key);
		args_add(rev, "--");
		if (cJSON_IsString(old) || cJSON_IsNumber(old)) {
			args_add(rev, "set");
			args_add(rev, "Port");
			args_add(rev, "%s", ch->port);
			if (cJSON_IsString(old))
				args_add(rev, "other_config:%s=%s", m[i].col,
				    old->valuestring);
			else
				args_add(rev, "other_config:%s=%d", m[i].col,
				    old->valueint);
		} else {
			args_add(rev, "remove");
			args_add(rev, "Port");
			args_add(rev, "%s", ch->port);
			args_add(rev, "other_config");
			args_add(rev, "%s", m[i].col);
		}
	}
}

/* A bond of ch->members: the members' ports go, the bond comes with
 * the first member's VLANs; the undo puts the members back as they
 * were. */
static void
build_bond_add(const struct netcfg_ovs *o, const cJSON *show,
    const struct netcfg_change *ch, struct args *fwd, struct args *rev)
{
	const cJSON *q;
	int i;

	for (i = 0; i < ch->nmembers; i++) {
		args_add(fwd, "--");
		args_add(fwd, "del-port");
		args_add(fwd, "%s", o->bridge);
		args_add(fwd, "%s", ch->members[i]);
	}
	args_add(fwd, "--");
	args_add(fwd, "add-bond");
	args_add(fwd, "%s", o->bridge);
	args_add(fwd, "%s", ch->port);
	for (i = 0; i < ch->nmembers; i++)
		args_add(fwd, "%s", ch->members[i]);
	args_add(fwd, "bond_mode=%s", ch->bond_mode);
	args_add(fwd, "lacp=%s", ch->lacp[0] ? ch->lacp : "off");
	/* The bond carries the first member's VLANs. */
	q = show_port(show, ch->members[0]);
	add_vlan_cmds(fwd, ch->port, port_tag(q),
	    cJSON_GetObjectItemCaseSensitive(q, "trunks"), NULL, 0);
	add_monitor_cmds(fwd, NULL, NULL, ch);	/* undo deletes it */
	args_add(rev, "--");
	args_add(rev, "--if-exists");
	args_add(rev, "del-port");
	args_add(rev, "%s", o->bridge);
	args_add(rev, "%s", ch->port);
	for (i = 0; i < ch->nmembers; i++) {
		q = show_port(show, ch->members[i]);
		args_add(rev, "--");
		args_add(rev, "add-port");
		args_add(rev, "%s", o->bridge);
		args_add(rev, "%s", ch->members[i]);
		add_vlan_cmds(rev, ch->members[i], port_tag(q),
		    cJSON_GetObjectItemCaseSensitive(q, "trunks"),
		    NULL, 0);
	}
}

/* The members go back as plain ports with the bond's VLANs; the undo
 * rebuilds the bond p as it was. */
static void
build_bond_del(const struct netcfg_ovs *o, const cJSON *p,
    const struct netcfg_change *ch, struct args *fwd, struct args *rev)
{
	const cJSON *it;

	args_add(fwd, "--");
	args_add(fwd, "del-port");
	args_add(fwd, "%s", o->bridge);
	args_add(fwd, "%s", ch->port);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p,
	    "interfaces")) {
		args_add(fwd, "--");
		args_add(fwd, "add-port");
		args_add(fwd, "%s", o->bridge);
		args_add(fwd, "%s", it->valuestring);
		add_vlan_cmds(fwd, it->valuestring, port_tag(p),
		    cJSON_GetObjectItemCaseSensitive(p, "trunks"),
		    NULL, 0);
		args_add(rev, "--");
		args_add(rev, "--if-exists");
		args_add(rev, "del-port");
		args_add(rev, "%s", o->bridge);
		args_add(rev, "%s", it->valuestring);
	}
	args_add(rev, "--");
	args_add(rev, "add-bond");
	args_add(rev, "%s", o->bridge);
	args_add(rev, "%s", ch->port);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p,
	    "interfaces"))
		args_add(rev, "%s", it->valuestring);
	args_add(rev, "bond_mode=%s", port_str(p, "bond_mode",
	    "active-backup"));
	args_add(rev, "lacp=%s", port_str(p, "lacp", "off"));
	add_vlan_cmds(rev, ch->port, port_tag(p),
	    cJSON_GetObjectItemCaseSensitive(p, "trunks"), NULL, 0);
}

/* A new mode and LACP setting (and link monitoring) for bond p. */
static void
build_bond_mode(const cJSON *p, const struct netcfg_change *ch,
    struct args *fwd, struct args *rev)
{
	args_add(fwd, "--");
	args_add(fwd, "set");
	args_add(fwd, "Port");
	args_add(fwd, "%s", ch->port);
	args_add(fwd, "bond_mode=%s", ch->bond_mode);
	args_add(fwd, "lacp=%s", ch->lacp[0] ? ch->lacp : "off");
	args_add(rev, "--");
	args_add(rev, "set");
	args_add(rev, "Port");
	args_add(rev, "%s", ch->port);
	args_add(rev, "bond_mode=%s", port_str(p, "bond_mode",
	    "active-backup"));
	args_add(rev, "lacp=%s", port_str(p, "lacp", "off"));
	add_monitor_cmds(fwd, rev, p, ch);
}

/*
 * Build the forward (do) and reverse (undo) transactions of ch against the
 * state in show.
 */
static void
build_change(const struct netcfg_ovs *o, const cJSON *show,
    const struct netcfg_change *ch, struct args *fwd, struct args *rev)
{
	const cJSON *p = show_port(show, ch->port);

	vsctl_begin(o, fwd);
	vsctl_begin(o, rev);
	switch (ch->kind) {
	case NETCFG_PORT_VLAN:
		add_vlan_cmds(fwd, ch->port, ch->vlan, NULL, ch->trunks,
		    ch->ntrunks);
		add_vlan_cmds(rev, ch->port, port_tag(p),
		    cJSON_GetObjectItemCaseSensitive(p, "trunks"), NULL, 0);
		break;
	case NETCFG_BOND_ADD:
		build_bond_add(o, show, ch, fwd, rev);
		break;
	case NETCFG_BOND_DEL:
		build_bond_del(o, p, ch, fwd, rev);
		break;
	case NETCFG_BOND_MODE:
		build_bond_mode(p, ch, fwd, rev);
		break;
	}
}

static uint16_t
icmp_sum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = 0;

	while (len > 1) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* ICMP echo to addr until one answers or timeout_ms passes: 0 or -1. */
static int
netcfg_ping(const char *addr, long timeout_ms, char *err)
{
	struct sockaddr_in dst;
	struct icmphdr req;
	uint8_t buf[1500];
	uint64_t deadline, next = 0;
	uint16_t ident = (uint16_t)getpid(), seq = 0;
	int fd, raw = 1, rc = -1;

	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1)
		return err_set(err, "'%s' is not an IPv4 address", addr);
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		raw = 0;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	}
	if (fd < 0)
		return err_errno(err, "ping %s: socket", addr);
	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	while (clock_mono_ns() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = clock_mono_ns();
		ssize_t n;

		if (now >= next) {
			memset(&req, 0, sizeof(req));
			req.type = ICMP_ECHO;
			req.un.echo.id = htons(ident);
			req.un.echo.sequence = htons(++seq);
			req.checksum = icmp_sum(&req, sizeof(req));
			(void)sendto(fd, &req, sizeof(req), 0,
			    (struct sockaddr *)&dst, sizeof(dst));
			next = now + 200 * NS_PER_MS;
		}
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		if (raw) {
			const struct iphdr *ip = (const void *)buf;
			size_t hl = (size_t)ip->ihl * 4;
			const struct icmphdr *ic;

			if ((size_t)n < hl + sizeof(*ic) ||
			    ip->saddr != dst.sin_addr.s_addr)
				continue;
			ic = (const void *)(buf + hl);
			if (ic->type == ICMP_ECHOREPLY &&
			    ntohs(ic->un.echo.id) == ident) {
				rc = 0;
				break;
			}
		} else if ((size_t)n >= sizeof(struct icmphdr) &&
		    ((const struct icmphdr *)buf)->type == ICMP_ECHOREPLY) {
			rc = 0;
			break;
		}
	}
	close(fd);
	if (rc < 0)
		err_set(err, "management path %s did not answer within %ld ms",
		    addr, timeout_ms);
	return rc;
}

int
netcfg_apply(const struct netcfg_ovs *o, const struct netcfg_change *ch,
    const struct netcfg_guard *g, int *rolled_back, char *err)
{
	struct args fwd, rev;
	cJSON *show = NULL;
	char perr[ERR_LEN], rerr[ERR_LEN];
	int rc = -1;

	memset(&fwd, 0, sizeof(fwd));
	memset(&rev, 0, sizeof(rev));
	if (rolled_back != NULL)
		*rolled_back = 0;
	if (change_check_static(ch, err) < 0)
		goto out;
	show = netcfg_show(o, err);
	if (show == NULL)
		goto out;
	if (check_against(show, ch, err) < 0)
		goto out;
	build_change(o, show, ch, &fwd, &rev);
	if (vsctl_run(&fwd, NULL, err) < 0) {
		err_prefix(err, "network change on %s not applied", ch->port);
		goto out;
	}
	if (g == NULL || g->check_addr[0] == '\0') {
		rc = 0;
		goto out;
	}
	if (netcfg_ping(g->check_addr, g->grace_ms > 0 ? g->grace_ms : 5000,
	    perr) == 0) {
		rc = 0;
		goto out;
	}
	if (vsctl_run(&rev, NULL, rerr) < 0) {
		err_set(err, "network change on %s broke the management path "
		    "(%s) and the rollback FAILED: %s", ch->port, perr, rerr);
		goto out;
	}
	if (rolled_back != NULL)
		*rolled_back = 1;
	err_set(err, "network change on %s rolled back: %s", ch->port, perr);
out:
	args_free(&fwd);
	args_free(&rev);
	cJSON_Delete(show);
	return rc;
}

