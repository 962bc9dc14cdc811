/*
 * topo.c - loads the `lab:` section of scenarios.yaml (libyaml document
 * API; one document, common/yamldoc.c) into a struct topo, checks it
 * strictly (unknown keys, wrong types, out-of-range values are errors
 * naming FILE:LINE) and makes the address plan.  Top-level keys other than
 * `lab:` belong to other components and are ignored.
 *
 * Address plan (docs/lab.md): a lab owns one /22 of 198.18.0.0/15, given by
 * `subnet:` or derived from its name; VLAN k of the switch's list owns the
 * k-th /24 of it; host i is .11+i on its management and storage VLANs, the
 * SAN portal is .250, the station .254.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <yaml.h>

#include "accel.h"
#include "err.h"
#include "lab/topo.h"
#include "yamldoc.h"

struct ld {
	const char *file;
	struct topo *t;
	yaml_document_t *doc;
	FILE *errf;
	char *err;
	int nerr;
};

static void ld_err(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ld_err(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verror(l->file, l->errf, l->err, &l->nerr, n, fmt, ap);
	va_end(ap);
}

static unsigned long
line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

static yaml_node_t *
node(struct ld *l, int id)
{
	return yaml_document_get_node(l->doc, id);
}

static const char *
scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
	    : NULL;
}

/* A mapping's keys must be scalars from allowed[], each written once
 * (map_get would take the first copy and drop the others); reports the
 * others. */
static int
check_keys(struct ld *l, yaml_node_t *map, const char *what,
    const char *const allowed[])
{
	yaml_node_pair_t *p;
	unsigned char *rep;
	int bad = 0;

	if (yamldoc_repeated_keys(l->doc, map, &rep) == -1)
		abort();
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);
		const char *ks = scalar(k);
		int i, ok = 0;

		if (ks == NULL) {
			ld_err(l, k, "%s: keys must be plain words", what);
			bad = 1;
			continue;
		}
		if (rep[p - map->data.mapping.pairs.start]) {
			ld_err(l, k, "duplicate key '%s' in %s", ks, what);
			bad = 1;
		}
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(ks, allowed[i]) == 0)
				ok = 1;
		if (!ok) {
			ld_err(l, k, "unknown key '%s' in %s", ks, what);
			bad = 1;
		}
	}
	free(rep);
	return bad ? -1 : 0;
}

static yaml_node_t *
map_get(struct ld *l, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		const char *ks = scalar(node(l, p->key));
		if (ks != NULL && strcmp(ks, key) == 0)
			return node(l, p->value);
	}
	return NULL;
}

static int
get_str(struct ld *l, yaml_node_t *n, const char *what, char *out,
    size_t len)
{
	const char *s = scalar(n);

	if (s == NULL) {
		ld_err(l, n, "%s must be a string", what);
		return -1;
	}
	if (strlen(s) >= len) {
		ld_err(l, n, "%s is too long (at most %zu characters)", what,
		    len - 1);
		return -1;
	}
	snprintf(out, len, "%s", s);
	return 0;
}

static int
get_int(struct ld *l, yaml_node_t *n, const char *what, long min, long max,
    int *out)
{
	const char *s = scalar(n);
	char *end;
	long v;

	if (s == NULL || *s == '\0') {
		ld_err(l, n, "%s must be a number", what);
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		ld_err(l, n, "%s must be a number, not '%s'", what, s);
		return -1;
	}
	if (v < min || v > max) {
		ld_err(l, n, "%s %ld is out of range %ld..%ld", what, v, min,
		    max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
topo_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ULL << 10; break;
		case 'M': mul = 1ULL << 20; break;
		case 'G': mul = 1ULL << 30; break;
		case 'T': mul = 1ULL << 40; break;
		default: return -1;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v == 0 || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
topo_parse_rate(const char *s, uint64_t *kbit)
{
	char *end;
	unsigned long long v;
	uint64_t div = 1, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v == 0)
		return -1;
	if (strcasecmp(end, "kbit") == 0)
		mul = 1;
	else if (strcasecmp(end, "mbit") == 0)
		mul = 1000;
	else if (strcasecmp(end, "gbit") == 0)
		mul = 1000000;
	else if (strcasecmp(end, "bit") == 0)
		div = 1000;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*kbit = v * mul / div;
	return *kbit == 0 ? -1 : 0;
}

int
topo_check_name(const char *name, char *err)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > TOPO_LAB_NAME_MAX)
		return err_set(err, "lab name '%s' must have 1 to %d characters",
		    name, TOPO_LAB_NAME_MAX);
	if (!islower((unsigned char)name[0]))
		return err_set(err, "lab name '%s' must start with a lowercase "
		    "letter", name);
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]))
			return err_set(err, "lab name '%s' may hold only a-z "
			    "and 0-9", name);
	return 0;
}

static int
check_host_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > TOPO_HOST_NAME_MAX || !islower((unsigned char)name[0]))
		return -1;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '-')
			return -1;
	/* Names of the lab's other nodes. */
	if (strcmp(name, "sw") == 0 || strcmp(name, "san") == 0 ||
	    strcmp(name, "st") == 0 || strcmp(name, "station") == 0 ||
	    strcmp(name, "switch") == 0 || strcmp(name, "bmc") == 0)
		return -1;
	return 0;
}

uint32_t
topo_default_base(const char *name)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return TOPO_RANGE_BASE + (h % TOPO_RANGE_BLOCKS) * TOPO_BLOCK_SIZE;
}

void
topo_addr_str(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
	    (addr >> 8) & 255, addr & 255);
}

const char *
topo_bond_name(enum topo_bond b)
{
	switch (b) {
	case TOPO_BOND_ACTIVE_BACKUP: return "active-backup";
	case TOPO_BOND_BALANCE_SLB: return "balance-slb";
	case TOPO_BOND_BALANCE_TCP: return "balance-tcp";
	default: return "none";
	}
}

static const char *
topo_role_name(enum topo_role r)
{
	switch (r) {
	case TOPO_ROLE_MANAGEMENT: return "management";
	case TOPO_ROLE_STORAGE: return "storage";
	default: return "vm";
	}
}

const struct topo_host *
topo_host_find(const struct topo *t, const char *name)
{
	int i;

	for (i = 0; i < t->t_nhosts; i++)
		if (strcmp(t->t_hosts[i].h_name, name) == 0)
			return &t->t_hosts[i];
	return NULL;
}

const struct topo_vlan *
topo_vlan_find(const struct topo *t, int id)
{
	int i;

	for (i = 0; i < t->t_nvlans; i++)
		if (t->t_vlans[i].v_id == id)
			return &t->t_vlans[i];
	return NULL;
}

static int
vlan_of_role(const struct topo *t, enum topo_role r)
{
	int i;

	for (i = 0; i < t->t_nvlans; i++)
		if (t->t_vlans[i].v_role == r)
			return t->t_vlans[i].v_id;
	return 0;
}

static int
need_type(struct ld *l, yaml_node_t *n, yaml_node_type_t type,
    const char *what)
{
	if (n->type == type)
		return 0;
	ld_err(l, n, "%s must be a %s", what,
	    type == YAML_MAPPING_NODE ? "mapping (key: value)" :
	    type == YAML_SEQUENCE_NODE ? "list" : "value");
	return -1;
}

static int
vlan_ref(struct ld *l, yaml_node_t *n, const char *what, int *out)
{
	if (get_int(l, n, what, 1, 4094, out) < 0)
		return -1;
	if (topo_vlan_find(l->t, *out) == NULL) {
		ld_err(l, n, "%s %d is not a VLAN of the switch", what, *out);
		return -1;
	}
	return 0;
}

static void
load_subnet(struct ld *l, yaml_node_t *n)
{
	const char *s = scalar(n);
	char buf[32], *slash;
	struct in_addr a;
	uint32_t v;

	if (s == NULL || strlen(s) >= sizeof(buf)) {
		ld_err(l, n, "subnet must look like 198.18.4.0/22");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash == NULL || strcmp(slash, "/22") != 0) {
		ld_err(l, n, "subnet '%s' must be a /22 (198.18.N.0/22)", s);
		return;
	}
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1) {
		ld_err(l, n, "subnet '%s' is not an IPv4 network", s);
		return;
	}
	v = ntohl(a.s_addr);
	if ((v & 0xFFFE0000u) != TOPO_RANGE_BASE) {
		ld_err(l, n, "subnet '%s' is outside 198.18.0.0/15", s);
		return;
	}
	if (v & (TOPO_BLOCK_SIZE - 1)) {
		ld_err(l, n, "subnet '%s' is not aligned on a /22", s);
		return;
	}
	l->t->t_base = v;
	l->t->t_subnet_given = 1;
}

static void
load_vlans(struct ld *l, yaml_node_t *seq)
{
	static const char *const keys[] = { "id", "name", "role", NULL };
	struct topo *t = l->t;
	yaml_node_item_t *it;

	if (need_type(l, seq, YAML_SEQUENCE_NODE, "switch.vlans") < 0)
		return;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = node(l, *it), *x;
		struct topo_vlan *tv;
		const char *r;
		int i;

		if (need_type(l, v, YAML_MAPPING_NODE, "a VLAN") < 0)
			continue;
		if (t->t_nvlans == TOPO_MAX_VLANS) {
			ld_err(l, v, "too many VLANs (at most %d)",
			    TOPO_MAX_VLANS);
			return;
		}
		check_keys(l, v, "a VLAN", keys);
		tv = &t->t_vlans[t->t_nvlans];
		memset(tv, 0, sizeof(*tv));
		if ((x = map_get(l, v, "id")) == NULL) {
			ld_err(l, v, "a VLAN needs an id");
			continue;
		}
		if (get_int(l, x, "VLAN id", 1, 4094, &tv->v_id) < 0)
			continue;
		for (i = 0; i < t->t_nvlans; i++)
			if (t->t_vlans[i].v_id == tv->v_id) {
				ld_err(l, x, "VLAN %d is defined twice",
				    tv->v_id);
				tv->v_id = 0;
			}
		if (tv->v_id == 0)
			continue;
		if ((x = map_get(l, v, "name")) != NULL)
			get_str(l, x, "VLAN name", tv->v_name,
			    sizeof(tv->v_name));
		else
			snprintf(tv->v_name, sizeof(tv->v_name), "vlan%d",
			    tv->v_id);
		if ((x = map_get(l, v, "role")) != NULL) {
			r = scalar(x);
			if (r && strcmp(r, "management") == 0)
				tv->v_role = TOPO_ROLE_MANAGEMENT;
			else if (r && strcmp(r, "storage") == 0)
				tv->v_role = TOPO_ROLE_STORAGE;
			else if (r && strcmp(r, "vm") == 0)
				tv->v_role = TOPO_ROLE_VM;
			else {
				ld_err(l, x, "VLAN role must be management, "
				    "storage or vm");
				continue;
			}
			if (tv->v_role != TOPO_ROLE_VM &&
			    vlan_of_role(t, tv->v_role) != 0) {
				ld_err(l, x, "only one VLAN may have role %s",
				    topo_role_name(tv->v_role));
				continue;
			}
		}
		t->t_nvlans++;
	}
}

/* Per-host switch port settings: switch.ports[]. */
static void
load_ports(struct ld *l, yaml_node_t *seq)
{
	static const char *const keys[] = { "host", "mode", "vlan", "vlans",
	    "rate", NULL };
	yaml_node_item_t *it;

	if (need_type(l, seq, YAML_SEQUENCE_NODE, "switch.ports") < 0)
		return;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t *p = node(l, *it), *x;
		struct topo_host *h = NULL;
		const char *hn, *m;
		int i;

		if (need_type(l, p, YAML_MAPPING_NODE, "a switch port") < 0)
			continue;
		check_keys(l, p, "a switch port", keys);
		if ((x = map_get(l, p, "host")) == NULL ||
		    (hn = scalar(x)) == NULL) {
			ld_err(l, p, "a switch port needs host: NAME");
			continue;
		}
		for (i = 0; i < l->t->t_nhosts; i++)
			if (strcmp(l->t->t_hosts[i].h_name, hn) == 0)
				h = &l->t->t_hosts[i];
		if (h == NULL) {
			ld_err(l, x, "switch port for unknown host '%s'", hn);
			continue;
		}
		if ((x = map_get(l, p, "mode")) != NULL) {
			m = scalar(x);
			if (m && strcmp(m, "access") == 0)
				h->h_mode = TOPO_PORT_ACCESS;
			else if (m && strcmp(m, "trunk") == 0)
				h->h_mode = TOPO_PORT_TRUNK;
			else
				ld_err(l, x, "port mode must be access or "
				    "trunk");
		}
		if ((x = map_get(l, p, "vlan")) != NULL) {
			int vid;

			if (h->h_mode != TOPO_PORT_ACCESS)
				ld_err(l, x, "vlan: is for access ports; "
				    "trunks take vlans: [..]");
			else if (vlan_ref(l, x, "vlan", &vid) == 0) {
				h->h_trunks[0] = vid;
				h->h_ntrunks = 1;
			}
		} else if (h->h_mode == TOPO_PORT_ACCESS) {
			ld_err(l, p, "access port of host %s needs vlan: ID",
			    h->h_name);
		}
		if ((x = map_get(l, p, "vlans")) != NULL) {
			yaml_node_item_t *vi;

			if (h->h_mode != TOPO_PORT_TRUNK)
				ld_err(l, x, "vlans: is for trunk ports");
			else if (need_type(l, x, YAML_SEQUENCE_NODE,
			    "vlans") == 0) {
				h->h_ntrunks = 0;
				for (vi = x->data.sequence.items.start;
				    vi < x->data.sequence.items.top; vi++) {
					int vid;

					if (h->h_ntrunks == TOPO_MAX_VLANS)
						break;
					if (vlan_ref(l, node(l, *vi), "vlan",
					    &vid) == 0)
						h->h_trunks[h->h_ntrunks++] =
						    vid;
				}
			}
		}
		if ((x = map_get(l, p, "rate")) != NULL &&
		    topo_parse_rate(scalar(x), &h->h_rate_kbit) < 0)
			ld_err(l, x, "rate must look like 100mbit or 1gbit");
	}
}

/* The host's name: valid and not taken.  0, or -1 after an error. */
static int
load_host_name(struct ld *l, yaml_node_t *hn, struct topo_host *h)
{
	struct topo *t = l->t;
	yaml_node_t *x;
	int i;

	if ((x = map_get(l, hn, "name")) == NULL) {
		ld_err(l, hn, "a host needs a name");
		return -1;
	}
	if (scalar(x) == NULL || check_host_name(scalar(x)) < 0) {
		ld_err(l, x, "host name '%s' must be 1 to %d of a-z 0-9 "
		    "'-', start with a letter, and not be sw, san, st, "
		    "station, switch or bmc", scalar(x) ? scalar(x) : "",
		    TOPO_HOST_NAME_MAX);
		return -1;
	}
	snprintf(h->h_name, sizeof(h->h_name), "%s", scalar(x));
	for (i = 0; i < t->t_nhosts; i++)
		if (strcmp(t->t_hosts[i].h_name, h->h_name) == 0) {
			ld_err(l, x, "host '%s' is defined twice", h->h_name);
			h->h_name[0] = '\0';
		}
	return h->h_name[0] == '\0' ? -1 : 0;
}

/* bond: (default active-backup with several nics, else none). */
static void
load_host_bond(struct ld *l, yaml_node_t *hn, struct topo_host *h)
{
	yaml_node_t *x;
	const char *b;

	h->h_bond = h->h_nics > 1 ? TOPO_BOND_ACTIVE_BACKUP : TOPO_BOND_NONE;
	if ((x = map_get(l, hn, "bond")) == NULL)
		return;
	b = scalar(x);
	if (b && strcmp(b, "active-backup") == 0)
		h->h_bond = TOPO_BOND_ACTIVE_BACKUP;
	else if (b && strcmp(b, "balance-slb") == 0)
		h->h_bond = TOPO_BOND_BALANCE_SLB;
	else if (b && strcmp(b, "balance-tcp") == 0)
		h->h_bond = TOPO_BOND_BALANCE_TCP;
	else if (b && strcmp(b, "none") == 0)
		h->h_bond = TOPO_BOND_NONE;
	else
		ld_err(l, x, "bond must be active-backup, balance-slb, "
		    "balance-tcp or none");
	if (h->h_bond != TOPO_BOND_NONE && h->h_nics < 2)
		ld_err(l, x, "bond %s needs at least 2 nics",
		    topo_bond_name(h->h_bond));
	if (h->h_bond == TOPO_BOND_NONE && h->h_nics > 1)
		ld_err(l, x, "a host with %d nics needs a bond mode",
		    h->h_nics);
}

/* lacp: active or off (default active with a bond). */
static void
load_host_lacp(struct ld *l, yaml_node_t *hn, struct topo_host *h)
{
	yaml_node_t *x;
	const char *s;

	/* LACP on both sides by default: see docs/lab.md (an active-backup
	 * bond toward plain switch ports lost 2-6 s when the switch's MAC
	 * table flapped). */
	h->h_lacp = h->h_bond != TOPO_BOND_NONE;
	if ((x = map_get(l, hn, "lacp")) == NULL)
		return;
	s = scalar(x);
	if (s && strcmp(s, "active") == 0)
		h->h_lacp = 1;
	else if (s && strcmp(s, "off") == 0)
		h->h_lacp = 0;
	else
		ld_err(l, x, "lacp must be active or off");
	if (h->h_lacp && h->h_bond == TOPO_BOND_NONE)
		ld_err(l, x, "lacp needs a bond");
	if (!h->h_lacp && h->h_bond == TOPO_BOND_BALANCE_TCP)
		ld_err(l, x, "bond balance-tcp needs lacp: active");
}

static void
load_hosts(struct ld *l, yaml_node_t *seq)
{
	static const char *const keys[] = { "name", "nics", "bond", "lacp",
	    "mgmt_vlan", NULL };
	struct topo *t = l->t;
	yaml_node_item_t *it;
	yaml_node_t *hn, *x;
	struct topo_host *h;

	if (need_type(l, seq, YAML_SEQUENCE_NODE, "hosts") < 0)
		return;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		hn = node(l, *it);
		if (need_type(l, hn, YAML_MAPPING_NODE, "a host") < 0)
			continue;
		if (t->t_nhosts == TOPO_MAX_HOSTS) {
			ld_err(l, hn, "too many hosts (at most %d)",
			    TOPO_MAX_HOSTS);
			return;
		}
		check_keys(l, hn, "a host", keys);
		h = &t->t_hosts[t->t_nhosts];
		memset(h, 0, sizeof(*h));
		h->h_line = (int)line_of(hn);
		h->h_nics = 1;
		if (load_host_name(l, hn, h) < 0)
			continue;
		if ((x = map_get(l, hn, "nics")) != NULL)
			get_int(l, x, "nics", 1, TOPO_MAX_NICS, &h->h_nics);
		load_host_bond(l, hn, h);
		load_host_lacp(l, hn, h);
		if ((x = map_get(l, hn, "mgmt_vlan")) != NULL)
			vlan_ref(l, x, "mgmt_vlan", &h->h_mgmt_vlan);
		t->t_nhosts++;
	}
}

static void
load_san(struct ld *l, yaml_node_t *m)
{
	static const char *const keys[] = { "vlan", "iqn", "luns", "witness",
	    NULL };
	struct topo_san *s = &l->t->t_san;
	yaml_node_t *x;

	if (need_type(l, m, YAML_MAPPING_NODE, "san") < 0)
		return;
	check_keys(l, m, "san", keys);
	s->s_present = 1;
	if ((x = map_get(l, m, "vlan")) != NULL)
		vlan_ref(l, x, "san vlan", &s->s_vlan);
	if ((x = map_get(l, m, "witness")) != NULL) {
		const char *v = scalar(x);

		if (v != NULL && strcmp(v, "true") == 0)
			s->s_witness = 1;
		else if (v == NULL || strcmp(v, "false") != 0)
			ld_err(l, x, "san witness must be true or false");
	}
	if ((x = map_get(l, m, "iqn")) != NULL) {
		if (get_str(l, x, "iqn", s->s_iqn, sizeof(s->s_iqn)) == 0 &&
		    strncmp(s->s_iqn, "iqn.", 4) != 0)
			ld_err(l, x, "iqn '%s' must start with 'iqn.'",
			    s->s_iqn);
	}
	if ((x = map_get(l, m, "luns")) != NULL &&
	    need_type(l, x, YAML_SEQUENCE_NODE, "san.luns") == 0) {
		static const char *const lkeys[] = { "size", NULL };
		yaml_node_item_t *it;

		for (it = x->data.sequence.items.start;
		    it < x->data.sequence.items.top; it++) {
			yaml_node_t *ln = node(l, *it), *sz;

			if (need_type(l, ln, YAML_MAPPING_NODE, "a LUN") < 0)
				continue;
			if (s->s_nluns == TOPO_MAX_LUNS) {
				ld_err(l, ln, "too many LUNs (at most %d)",
				    TOPO_MAX_LUNS);
				break;
			}
			check_keys(l, ln, "a LUN", lkeys);
			if ((sz = map_get(l, ln, "size")) == NULL) {
				ld_err(l, ln, "a LUN needs a size");
				continue;
			}
			if (topo_parse_size(scalar(sz),
			    &s->s_luns[s->s_nluns].l_size) < 0) {
				ld_err(l, sz, "LUN size must look like 512M "
				    "or 4G");
				continue;
			}
			s->s_nluns++;
		}
	}
	if (s->s_nluns == 0)
		ld_err(l, m, "san needs at least one LUN (luns: [{size: 1G}])");
}

static void
load_station(struct ld *l, yaml_node_t *m)
{
	static const char *const keys[] = { "vlan", NULL };
	yaml_node_t *x;

	if (m->type == YAML_SCALAR_NODE && scalar(m)[0] == '\0') {
		l->t->t_station.st_present = 1;	/* "station:" alone */
		return;
	}
	if (need_type(l, m, YAML_MAPPING_NODE, "station") < 0)
		return;
	check_keys(l, m, "station", keys);
	l->t->t_station.st_present = 1;
	if ((x = map_get(l, m, "vlan")) != NULL)
		vlan_ref(l, x, "station vlan", &l->t->t_station.st_vlan);
}

/* A word of printable ASCII without blanks, min..max long: 0 or -1. */
static int
bmc_word(const char *s, size_t min, size_t max, const char *extra)
{
	size_t i, n = strlen(s);

	if (n < min || n > max)
		return -1;
	for (i = 0; i < n; i++)
		if (extra != NULL ? !isalnum((unsigned char)s[i]) &&
		    strchr(extra, s[i]) == NULL :
		    s[i] < 0x21 || s[i] > 0x7e)
			return -1;
	return 0;
}

/* bmc: user (default admin) and password (default: generated at up). */
static void
load_bmc(struct ld *l, yaml_node_t *m)
{
	static const char *const keys[] = { "user", "password", NULL };
	struct topo_bmc *b = &l->t->t_bmc;
	yaml_node_t *x;

	b->b_present = 1;
	snprintf(b->b_user, sizeof(b->b_user), "admin");
	if (m->type == YAML_SCALAR_NODE && scalar(m)[0] == '\0')
		return;				/* "bmc:" alone */
	if (need_type(l, m, YAML_MAPPING_NODE, "bmc") < 0)
		return;
	check_keys(l, m, "bmc", keys);
	if ((x = map_get(l, m, "user")) != NULL && (scalar(x) == NULL ||
	    bmc_word(scalar(x), 1, TOPO_BMC_USER_MAX, "._-") < 0 ||
	    get_str(l, x, "bmc user", b->b_user, sizeof(b->b_user)) < 0))
		ld_err(l, x, "bmc user must be 1 to %d of a-z A-Z 0-9 . _ -",
		    TOPO_BMC_USER_MAX);
	if ((x = map_get(l, m, "password")) != NULL && (scalar(x) == NULL ||
	    bmc_word(scalar(x), 8, TOPO_BMC_PASS_MAX, NULL) < 0 ||
	    get_str(l, x, "bmc password", b->b_password,
	    sizeof(b->b_password)) < 0))
		ld_err(l, x, "bmc password must be 8 to %d printable "
		    "characters without blanks (or leave it out: lab up "
		    "makes one)", TOPO_BMC_PASS_MAX);
}

static uint32_t
vlan_net(const struct topo *t, int id)
{
	int i;

	for (i = 0; i < t->t_nvlans; i++)
		if (t->t_vlans[i].v_id == id)
			return t->t_vlans[i].v_net;
	return 0;
}

static int
carries(const struct topo_host *h, int vid)
{
	int i;

	for (i = 0; i < h->h_ntrunks; i++)
		if (h->h_trunks[i] == vid)
			return 1;
	return 0;
}

/* Defaults that depend on the whole topology, then the address plan. */
static void
finish(struct ld *l, yaml_node_t *vlansn)
{
	struct topo *t = l->t;
	int mgmt = vlan_of_role(t, TOPO_ROLE_MANAGEMENT);
	int stor = vlan_of_role(t, TOPO_ROLE_STORAGE);
	int i, j;

	if (mgmt == 0) {
		ld_err(l, vlansn, "the switch needs a VLAN with role: "
		    "management");
		return;
	}
	if (!t->t_subnet_given)
		t->t_base = topo_default_base(t->t_name);
	for (i = 0; i < t->t_nvlans; i++)
		t->t_vlans[i].v_net = t->t_base + 256u * (uint32_t)i;
	for (i = 0; i < t->t_nhosts; i++) {
		struct topo_host *h = &t->t_hosts[i];

		if (h->h_mode == TOPO_PORT_TRUNK && h->h_ntrunks == 0) {
			for (j = 0; j < t->t_nvlans; j++)
				h->h_trunks[j] = t->t_vlans[j].v_id;
			h->h_ntrunks = t->t_nvlans;
		}
		if (h->h_mgmt_vlan == 0)
			h->h_mgmt_vlan = h->h_mode == TOPO_PORT_ACCESS ?
			    h->h_trunks[0] : mgmt;
		if (!carries(h, h->h_mgmt_vlan)) {
			char ctx[64];

			snprintf(ctx, sizeof(ctx), "host %s", h->h_name);
			l->nerr++;
			if (l->errf)
				fprintf(l->errf, "%s:%d: %s: its switch ports "
				    "do not carry its management VLAN %d\n",
				    l->file, h->h_line, ctx, h->h_mgmt_vlan);
			if (l->nerr == 1)
				err_set(l->err, "%s:%d: %s: its switch ports "
				    "do not carry its management VLAN %d",
				    l->file, h->h_line, ctx, h->h_mgmt_vlan);
			continue;
		}
		h->h_mgmt_addr = vlan_net(t, h->h_mgmt_vlan) +
		    TOPO_HOST_ADDR0 + (uint32_t)i;
		if (t->t_bmc.b_present)
			h->h_bmc_addr = vlan_net(t, mgmt) + TOPO_BMC_ADDR0 +
			    (uint32_t)i;
		if (stor != 0 && stor != h->h_mgmt_vlan &&
		    h->h_mode == TOPO_PORT_TRUNK && carries(h, stor)) {
			h->h_storage_vlan = stor;
			h->h_storage_addr = vlan_net(t, stor) +
			    TOPO_HOST_ADDR0 + (uint32_t)i;
		}
	}
	if (t->t_san.s_present) {
		if (t->t_san.s_vlan == 0)
			t->t_san.s_vlan = stor ? stor : mgmt;
		t->t_san.s_addr = vlan_net(t, t->t_san.s_vlan) + TOPO_SAN_ADDR;
		/* A witness talks to the hosts' management addresses: on the
		 * management VLAN too, through a second cable if needed. */
		if (t->t_san.s_witness) {
			t->t_san.s_mgmt_vlan = mgmt;
			t->t_san.s_mgmt_addr = vlan_net(t, mgmt) +
			    TOPO_SAN_ADDR;
		}
		if (t->t_san.s_iqn[0] == '\0')
			snprintf(t->t_san.s_iqn, sizeof(t->t_san.s_iqn),
			    "iqn.2026-01.lab.hvlab.%s:san", t->t_name);
	}
	t->t_bmc.b_vlan = t->t_bmc.b_present ? mgmt : 0;
	if (t->t_station.st_present) {
		if (t->t_station.st_vlan == 0)
			t->t_station.st_vlan = mgmt;
		t->t_station.st_addr = vlan_net(t, t->t_station.st_vlan) +
		    TOPO_STATION_ADDR;
	}
}

/* provider: netns (default) or remote (lab/remote.c reads `remote:`);
 * ssh: true starts sshd in each host of a netns lab (lab/labssh.c). */
static void
load_provider(struct ld *l, yaml_node_t *labn)
{
	struct topo *t = l->t;
	yaml_node_t *x;
	const char *s;

	snprintf(t->t_provider, sizeof(t->t_provider), "netns");
	if ((x = map_get(l, labn, "provider")) != NULL) {
		s = scalar(x);
		if (s == NULL || (strcmp(s, "netns") != 0 &&
		    strcmp(s, "remote") != 0))
			ld_err(l, x, "provider must be netns or remote");
		else
			snprintf(t->t_provider, sizeof(t->t_provider), "%s", s);
	}
	if ((x = map_get(l, labn, "ssh")) != NULL) {
		s = scalar(x);
		if (s != NULL && strcmp(s, "true") == 0)
			t->t_ssh = 1;
		else if (s == NULL || strcmp(s, "false") != 0)
			ld_err(l, x, "ssh must be true or false");
	}
	x = map_get(l, labn, "remote");
	if (strcmp(t->t_provider, "remote") == 0 && x == NULL)
		ld_err(l, labn, "provider remote needs a remote: section "
		    "(docs/remote.md)");
	else if (strcmp(t->t_provider, "remote") != 0 && x != NULL)
		ld_err(l, x, "remote: is for provider: remote");
	if (t->t_ssh && strcmp(t->t_provider, "remote") == 0)
		ld_err(l, map_get(l, labn, "ssh"), "ssh: true is for the "
		    "netns provider (the remote one reaches hosts by SSH "
		    "anyway)");
}

static void
load_lab(struct ld *l, yaml_node_t *labn, const char *name_override)
{
	static const char *const keys[] = { "name", "subnet", "hosts",
	    "switch", "san", "station", "accel", "bmc", "ssh", "provider",
	    "remote", NULL };
	static const char *const swkeys[] = { "vlans", "ports", "rate",
	    NULL };
	struct topo *t = l->t;
	yaml_node_t *x, *sw;
	uint64_t rate = 0;
	int i;

	if (need_type(l, labn, YAML_MAPPING_NODE, "lab") < 0)
		return;
	check_keys(l, labn, "lab", keys);
	if (name_override != NULL) {
		char e[ERR_LEN];

		if (topo_check_name(name_override, e) < 0)
			ld_err(l, labn, "%s", e);
		else
			snprintf(t->t_name, sizeof(t->t_name), "%s",
			    name_override);
	} else if ((x = map_get(l, labn, "name")) == NULL) {
		ld_err(l, labn, "lab needs a name");
	} else if (scalar(x) == NULL) {
		ld_err(l, x, "lab name must be a word");
	} else {
		char e[ERR_LEN];

		if (topo_check_name(scalar(x), e) < 0)
			ld_err(l, x, "%s", e);
		else
			snprintf(t->t_name, sizeof(t->t_name), "%s",
			    scalar(x));
	}
	if ((x = map_get(l, labn, "subnet")) != NULL)
		load_subnet(l, x);
	snprintf(t->t_accel, sizeof(t->t_accel), "auto");
	if ((x = map_get(l, labn, "accel")) != NULL) {
		enum accel_mode m;
		char e[ERR_LEN];

		if (accel_mode_parse(scalar(x), &m, e) < 0)
			ld_err(l, x, "%s", e);
		else
			snprintf(t->t_accel, sizeof(t->t_accel), "%s",
			    accel_mode_name(m));
	}
	load_provider(l, labn);
	sw = map_get(l, labn, "switch");
	if (sw == NULL) {
		ld_err(l, labn, "lab needs a switch with vlans");
		return;
	}
	if (need_type(l, sw, YAML_MAPPING_NODE, "switch") < 0)
		return;
	check_keys(l, sw, "switch", swkeys);
	if ((x = map_get(l, sw, "vlans")) == NULL)
		ld_err(l, sw, "switch needs vlans");
	else
		load_vlans(l, x);
	if ((x = map_get(l, sw, "rate")) != NULL &&
	    topo_parse_rate(scalar(x), &rate) < 0)
		ld_err(l, x, "rate must look like 100mbit or 1gbit");
	if ((x = map_get(l, labn, "hosts")) == NULL)
		ld_err(l, labn, "lab needs hosts");
	else
		load_hosts(l, x);
	if (t->t_nhosts == 0 && x != NULL && l->nerr == 0)
		ld_err(l, x, "lab needs at least one host");
	for (i = 0; i < t->t_nhosts; i++)
		t->t_hosts[i].h_rate_kbit = rate;
	if ((x = map_get(l, sw, "ports")) != NULL)
		load_ports(l, x);
	if ((x = map_get(l, labn, "san")) != NULL)
		load_san(l, x);
	if ((x = map_get(l, labn, "station")) != NULL)
		load_station(l, x);
	if ((x = map_get(l, labn, "bmc")) != NULL)
		load_bmc(l, x);
	if (l->nerr == 0)
		finish(l, map_get(l, sw, "vlans"));
}

int
topo_load(const char *path, const char *name_override, struct topo *t,
    FILE *errf, char *err)
{
	yaml_document_t doc;
	yaml_node_t *root, *labn;
	struct ld l;
	int rc = -1;
	char tmp[ERR_LEN];

	memset(t, 0, sizeof(*t));
	memset(&l, 0, sizeof(l));
	l.file = path;
	l.t = t;
	l.doc = &doc;
	l.errf = errf;
	l.err = err;
	if (strlen(path) >= sizeof(t->t_file))
		return err_set(err, "%s: path too long", path);
	snprintf(t->t_file, sizeof(t->t_file), "%s", path);
	if (yamldoc_read(path, &doc, tmp) == -1) {
		if (errf)
			fprintf(errf, "%s\n", tmp);
		if (err)
			snprintf(err, ERR_LEN, "%s", tmp);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		err_set(tmp, "%s:1: the file is empty (it needs a lab: "
		    "section)", path);
		if (errf)
			fprintf(errf, "%s\n", tmp);
		if (err)
			snprintf(err, ERR_LEN, "%s", tmp);
		goto fail_doc;
	}
	if (root->type != YAML_MAPPING_NODE) {
		ld_err(&l, root, "the top level must be a mapping with a lab: "
		    "section");
		goto done;
	}
	labn = map_get(&l, root, "lab");
	if (labn == NULL) {
		ld_err(&l, root, "no lab: section");
		goto done;
	}
	load_lab(&l, labn, name_override);
done:
	yamldoc_error_count(err, l.nerr);
	rc = l.nerr ? -1 : 0;
fail_doc:
	yaml_document_delete(&doc);
	return rc;
}
