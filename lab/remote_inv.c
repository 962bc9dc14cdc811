/*
 * remote_inv.c - the remote provider's inventory: `remote:` under `lab:`
 * in scenarios.yaml, how each host, its BMC, NICs and switch ports, the
 * switch, the SAN and the station are reached (docs/remote.md).
 *
 * Pure: it reads the file and nothing else, so unit tests link it.  Each
 * mapping is walked once against a table of its keys; every error names
 * FILE:LINE and the field, all are reported, then the load fails.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "yamldoc.h"
#include "lab/remote.h"

struct iv {
	const char *file;
	yaml_document_t *doc;
	struct rinv *ri;
	FILE *errf;
	char *err;
	int nerr;
};

static void iv_err(struct iv *v, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
iv_err(struct iv *v, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verror(v->file, v->errf, v->err, &v->nerr, n, fmt, ap);
	va_end(ap);
}

static const char *
text(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* One key of a mapping: its handler fills obj from the value node. */
struct ivkey {
	const char *k_name;
	void (*k_fn)(struct iv *, yaml_node_t *, void *, const char *);
};

/* Walk mapping m: each key through its entry of keys[], unknown and
 * repeated keys reported at their line. */
static void
walk(struct iv *v, yaml_node_t *m, const char *what,
    const struct ivkey *keys, void *obj)
{
	yaml_node_pair_t *p;
	unsigned char *rep = NULL;
	char field[96];
	size_t i;

	if (m == NULL || m->type != YAML_MAPPING_NODE) {
		iv_err(v, m, "%s must be a mapping", what);
		return;
	}
	if (yamldoc_repeated_keys(v->doc, m, &rep) == -1)
		abort();
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yaml_document_get_node(v->doc, p->key);
		const char *ks = text(k);

		for (i = 0; ks != NULL && keys[i].k_name != NULL &&
		    strcmp(keys[i].k_name, ks) != 0; i++)
			;
		if (ks == NULL || keys[i].k_name == NULL)
			iv_err(v, k, "%s: unknown key '%s'", what, ks ? ks :
			    "(not a word)");
		else if (rep[p - m->data.mapping.pairs.start])
			iv_err(v, k, "%s: key '%s' twice", what, ks);
		else {
			snprintf(field, sizeof(field), "%s.%s", what, ks);
			keys[i].k_fn(v, yaml_document_get_node(v->doc,
			    p->value), obj, field);
		}
	}
	free(rep);
}

/* A scalar of at most len-1 bytes, each accepted by ok (or any printable
 * character but a newline when ok is NULL). */
static void
scalar_into(struct iv *v, yaml_node_t *n, const char *field, char *out,
    size_t len, int (*ok)(int))
{
	const char *s = text(n);
	size_t i;

	if (s == NULL || *s == '\0') {
		iv_err(v, n, "%s must be a non-empty string", field);
		return;
	}
	if (strlen(s) >= len) {
		iv_err(v, n, "%s is too long (at most %zu characters)", field,
		    len - 1);
		return;
	}
	for (i = 0; s[i]; i++)
		if (ok != NULL ? !ok((unsigned char)s[i]) :
		    !isprint((unsigned char)s[i])) {
			iv_err(v, n, "%s: character '%c' not allowed here",
			    field, isprint((unsigned char)s[i]) ? s[i] : '?');
			return;
		}
	snprintf(out, len, "%s", s);
}

/* A word that lands in a shell command or an option: no quoting needed. */
static int
word_char(int c)
{
	return isalnum(c) || strchr("._:/@[]-", c) != NULL;
}

static void
k_addr(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_ssh *)o)->rs_addr, RINV_ADDR,
	    word_char);
}

static void
k_user(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_ssh *)o)->rs_user, RINV_WORD,
	    word_char);
}

static void
k_key(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_ssh *)o)->rs_key, RINV_PATH,
	    word_char);
}

static void
k_port(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	const char *s = text(n);
	char *end;
	long p;

	errno = 0;
	p = s ? strtol(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *end != '\0' || errno || p < 1 ||
	    p > 65535)
		iv_err(v, n, "%s must be a port number 1..65535", f);
	else
		((struct rinv_ssh *)o)->rs_port = (int)p;
}

static const struct ivkey ssh_keys[] = {
	{ "user", k_user }, { "key", k_key }, { "port", k_port },
	{ NULL, NULL }
};

static void
k_ssh(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	walk(v, n, f, ssh_keys, o);
}

static void
k_bmc_redfish(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_bmc *b = o;

	b->rb_kind = b->rb_kind ? -1 : RINV_BMC_REDFISH;
	scalar_into(v, n, f, b->rb_addr, RINV_ADDR, word_char);
}

static void
k_bmc_ipmi(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_bmc *b = o;

	b->rb_kind = b->rb_kind ? -1 : RINV_BMC_IPMI;
	scalar_into(v, n, f, b->rb_addr, RINV_ADDR, word_char);
}

static void
k_bmc_user(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_bmc *)o)->rb_user, RINV_WORD,
	    word_char);
}

static void
k_bmc_pwfile(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_bmc *)o)->rb_password_file,
	    RINV_PATH, word_char);
}

static void
k_bmc_verify(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	const char *s = text(n);

	if (s == NULL || (strcmp(s, "true") && strcmp(s, "false")))
		iv_err(v, n, "%s must be true or false", f);
	else
		((struct rinv_bmc *)o)->rb_verify = strcmp(s, "true") == 0;
}

static const struct ivkey bmc_keys[] = {
	{ "redfish", k_bmc_redfish }, { "ipmi", k_bmc_ipmi },
	{ "user", k_bmc_user }, { "password_file", k_bmc_pwfile },
	{ "verify", k_bmc_verify }, { NULL, NULL }
};

static void
k_bmc(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_bmc *b = &((struct rinv_host *)o)->rh_bmc;

	walk(v, n, f, bmc_keys, b);
	if ((int)b->rb_kind == -1)
		iv_err(v, n, "%s: redfish or ipmi, not both", f);
	else if (b->rb_kind == RINV_BMC_NONE)
		iv_err(v, n, "%s needs redfish: ADDRESS or ipmi: ADDRESS", f);
	if (b->rb_user[0] == '\0' || b->rb_password_file[0] == '\0')
		iv_err(v, n, "%s needs user and password_file", f);
}

static void
k_nic_device(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_nic *)o)->rn_dev, RINV_WORD,
	    word_char);
}

static void
k_nic_port(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_nic *)o)->rn_port, RINV_WORD,
	    word_char);
}

static const struct ivkey nic_keys[] = {
	{ "device", k_nic_device }, { "port", k_nic_port }, { NULL, NULL }
};

static void
k_nics(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_host *h = o;
	yaml_node_item_t *it;
	char field[112];

	if (n->type != YAML_SEQUENCE_NODE) {
		iv_err(v, n, "%s must be a list of {device, port}", f);
		return;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		if (h->rh_nnics == TOPO_MAX_NICS) {
			iv_err(v, n, "%s: at most %d NICs", f, TOPO_MAX_NICS);
			return;
		}
		snprintf(field, sizeof(field), "%s[%d]", f, h->rh_nnics);
		walk(v, yaml_document_get_node(v->doc, *it), field, nic_keys,
		    &h->rh_nics[h->rh_nnics]);
		h->rh_nnics++;
	}
}

static void
k_host_name(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_host *)o)->rh_name,
	    TOPO_HOST_NAME_MAX + 1, word_char);
}

static void
k_host_addr(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	k_addr(v, n, &((struct rinv_host *)o)->rh_ssh, f);
}

static void
k_host_ssh(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	k_ssh(v, n, &((struct rinv_host *)o)->rh_ssh, f);
}

static void
k_host_init(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	const char *s = text(n);
	struct rinv_host *h = o;

	if (s != NULL && strcmp(s, "systemd") == 0)
		h->rh_init = RINV_INIT_SYSTEMD;
	else if (s != NULL && strcmp(s, "hvlab") == 0)
		h->rh_init = RINV_INIT_HVLAB;
	else
		iv_err(v, n, "%s must be systemd or hvlab", f);
}

static const struct ivkey host_keys[] = {
	{ "name", k_host_name }, { "address", k_host_addr },
	{ "ssh", k_host_ssh }, { "bmc", k_bmc }, { "nics", k_nics },
	{ "init", k_host_init }, { NULL, NULL }
};

static void
k_hosts(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv *ri = o;
	yaml_node_item_t *it;
	char field[112];

	if (n->type != YAML_SEQUENCE_NODE) {
		iv_err(v, n, "%s must be a list of hosts", f);
		return;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		yaml_node_t *hn = yaml_document_get_node(v->doc, *it);
		struct rinv_host *h = &ri->ri_hosts[ri->ri_nhosts];

		if (ri->ri_nhosts == TOPO_MAX_HOSTS) {
			iv_err(v, hn, "%s: at most %d hosts", f,
			    TOPO_MAX_HOSTS);
			return;
		}
		h->rh_line = (int)hn->start_mark.line + 1;
		snprintf(field, sizeof(field), "%s[%d]", f, ri->ri_nhosts);
		walk(v, hn, field, host_keys, h);
		ri->ri_nhosts++;
	}
}

static void
k_cmd_down(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_cmds *)o)->rc_down, RINV_CMD,
	    NULL);
}

static void
k_cmd_up(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_cmds *)o)->rc_up, RINV_CMD, NULL);
}

static void
k_cmd_addr(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	k_addr(v, n, &((struct rinv_cmds *)o)->rc_ssh, f);
}

static void
k_cmd_ssh(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	k_ssh(v, n, &((struct rinv_cmds *)o)->rc_ssh, f);
}

static void
k_cmd_portal(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv_cmds *)o)->rc_portal, RINV_ADDR,
	    word_char);
}

static const struct ivkey switch_keys[] = {
	{ "address", k_cmd_addr }, { "ssh", k_cmd_ssh },
	{ "down", k_cmd_down }, { "up", k_cmd_up }, { NULL, NULL }
};

static void
k_switch(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_cmds *c = &((struct rinv *)o)->ri_switch;

	walk(v, n, f, switch_keys, c);
	if ((c->rc_down[0] == '\0') != (c->rc_up[0] == '\0'))
		iv_err(v, n, "%s needs both down and up, or neither", f);
	if (c->rc_down[0] && strstr(c->rc_down, "{port}") == NULL)
		iv_err(v, n, "%s.down must name the port: {port}", f);
	if (c->rc_up[0] && strstr(c->rc_up, "{port}") == NULL)
		iv_err(v, n, "%s.up must name the port: {port}", f);
}

static const struct ivkey san_keys[] = {
	{ "portal", k_cmd_portal }, { "address", k_cmd_addr },
	{ "ssh", k_cmd_ssh }, { "down", k_cmd_down }, { "up", k_cmd_up },
	{ NULL, NULL }
};

static void
k_san(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	struct rinv_cmds *c = &((struct rinv *)o)->ri_san;

	walk(v, n, f, san_keys, c);
	if ((c->rc_down[0] == '\0') != (c->rc_up[0] == '\0'))
		iv_err(v, n, "%s needs both down and up, or neither", f);
}

static void
k_known_hosts(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, ((struct rinv *)o)->ri_known_hosts, RINV_PATH,
	    word_char);
}

static void
k_station_netns(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	scalar_into(v, n, f, (char *)o, RINV_WORD, word_char);
}

static void
k_station(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	static const struct ivkey keys[] = {
		{ "netns", k_station_netns }, { NULL, NULL }
	};
	const char *s = text(n);

	if (s != NULL && (strcmp(s, "local") == 0 || *s == '\0'))
		return;			/* this machine */
	walk(v, n, f, keys, ((struct rinv *)o)->ri_station_netns);
}

static void
k_embedded(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	char e[ERR_LEN];
	struct rinv *ri = o;

	scalar_into(v, n, f, ri->ri_embedded, sizeof(ri->ri_embedded),
	    word_char);
	if (ri->ri_embedded[0] && topo_check_name(ri->ri_embedded, e) < 0)
		iv_err(v, n, "%s: %s", f, e);
}

/* The defaults every host's and command's ssh starts from. */
static void
k_ssh_defaults(struct iv *v, yaml_node_t *n, void *o, const char *f)
{
	walk(v, n, f, ssh_keys, &((struct rinv *)o)->ri_ssh);
}

static const struct ivkey remote_keys[] = {
	{ "known_hosts", k_known_hosts }, { "ssh", k_ssh_defaults },
	{ "station", k_station }, { "embedded", k_embedded },
	{ "hosts", k_hosts }, { "switch", k_switch }, { "san", k_san },
	{ NULL, NULL }
};


/* s's empty fields from the defaults d. */
static void
ssh_defaults(struct rinv_ssh *s, const struct rinv_ssh *d)
{
	if (s->rs_user[0] == '\0')
		snprintf(s->rs_user, sizeof(s->rs_user), "%s",
		    d->rs_user[0] ? d->rs_user : "root");
	if (s->rs_key[0] == '\0')
		snprintf(s->rs_key, sizeof(s->rs_key), "%s", d->rs_key);
	if (s->rs_port == 0)
		s->rs_port = d->rs_port ? d->rs_port : 22;
}

/* One inventory host against its topology host: an address, no more
 * NICs than the topology's, the devices' defaults. */
static void
finish_host(struct iv *v, struct rinv_host *h, const struct topo *t,
    yaml_node_t *at)
{
	const struct topo_host *th = topo_host_find(t, h->rh_name);
	int i;

	if (th == NULL) {
		iv_err(v, at, "remote.hosts: '%s' is not a host of the lab "
		    "(hosts:)", h->rh_name);
		return;
	}
	if (h->rh_ssh.rs_addr[0] == '\0')
		iv_err(v, at, "remote.hosts: '%s' needs an address (its "
		    "management address, for SSH)", h->rh_name);
	if (h->rh_nnics > th->h_nics)
		iv_err(v, at, "remote.hosts: '%s' has %d NICs in the lab, "
		    "%d here", h->rh_name, th->h_nics, h->rh_nnics);
	for (i = 0; i < th->h_nics && i < TOPO_MAX_NICS; i++)
		if (h->rh_nics[i].rn_dev[0] == '\0')
			snprintf(h->rh_nics[i].rn_dev, RINV_WORD, "eth%d", i);
	if (h->rh_nnics < th->h_nics)
		h->rh_nnics = th->h_nics;
	if (h->rh_init == RINV_INIT_HVLAB && v->ri->ri_embedded[0] == '\0')
		iv_err(v, at, "remote.hosts: '%s' has init: hvlab, which needs "
		    "remote.embedded: LAB", h->rh_name);
	ssh_defaults(&h->rh_ssh, &v->ri->ri_ssh);
}

/* Every topology host in the inventory once, every inventory host in
 * the topology; defaults filled in. */
static void
finish(struct iv *v, const struct topo *t, yaml_node_t *remn)
{
	struct rinv *ri = v->ri;
	yaml_node_t at;
	int i, j;

	memset(&at, 0, sizeof(at));
	for (i = 0; i < ri->ri_nhosts; i++) {
		at.start_mark.line = (size_t)ri->ri_hosts[i].rh_line - 1;
		for (j = 0; j < i; j++)
			if (strcmp(ri->ri_hosts[j].rh_name,
			    ri->ri_hosts[i].rh_name) == 0)
				iv_err(v, &at, "remote.hosts: '%s' twice",
				    ri->ri_hosts[i].rh_name);
		finish_host(v, &ri->ri_hosts[i], t, &at);
	}
	for (i = 0; i < t->t_nhosts; i++)
		if (remote_inv_host(ri, t->t_hosts[i].h_name) == NULL)
			iv_err(v, remn, "remote.hosts: lab host '%s' is "
			    "missing (how is it reached?)",
			    t->t_hosts[i].h_name);
	if (ri->ri_switch.rc_ssh.rs_addr[0])
		ssh_defaults(&ri->ri_switch.rc_ssh, &ri->ri_ssh);
	if (ri->ri_san.rc_ssh.rs_addr[0])
		ssh_defaults(&ri->ri_san.rc_ssh, &ri->ri_ssh);
	if (ri->ri_san.rc_portal[0] == '\0' && t->t_san.s_present)
		topo_addr_str(t->t_san.s_addr, ri->ri_san.rc_portal,
		    sizeof(ri->ri_san.rc_portal));
	if (ri->ri_known_hosts[0] == '\0')
		snprintf(ri->ri_known_hosts, sizeof(ri->ri_known_hosts),
		    "%s/.ssh/known_hosts", getenv("HOME") ? getenv("HOME") :
		    "/root");
}

/* The document's lab.remote node, or NULL after saying why. */
static yaml_node_t *
find_remote(struct iv *v)
{
	yaml_node_t *root = yaml_document_get_root_node(v->doc), *x = root;
	const char *path[] = { "lab", "remote" };
	yaml_node_pair_t *p;
	size_t i;

	for (i = 0; i < 2 && x != NULL; i++) {
		yaml_node_t *next = NULL;

		if (x->type != YAML_MAPPING_NODE)
			break;
		for (p = x->data.mapping.pairs.start;
		    p < x->data.mapping.pairs.top && next == NULL; p++) {
			const char *ks = text(yaml_document_get_node(v->doc,
			    p->key));

			if (ks != NULL && strcmp(ks, path[i]) == 0)
				next = yaml_document_get_node(v->doc,
				    p->value);
		}
		x = next;
	}
	if (i < 2 || x == NULL)
		iv_err(v, root, "lab.remote: no inventory (provider remote "
		    "needs one: docs/remote.md)");
	return i < 2 ? NULL : x;
}

int
remote_inv_load(const char *path, const struct topo *t, struct rinv *ri,
    FILE *errf, char *err)
{
	yaml_document_t doc;
	struct iv v = { path, &doc, ri, errf, err, 0 };
	yaml_node_t *remn;

	memset(ri, 0, sizeof(*ri));
	snprintf(ri->ri_file, sizeof(ri->ri_file), "%s", path);
	if (yamldoc_read(path, &doc, err) == -1)
		return -1;
	if ((remn = find_remote(&v)) != NULL) {
		walk(&v, remn, "remote", remote_keys, ri);
		if (v.nerr == 0)
			finish(&v, t, remn);
	}
	yaml_document_delete(&doc);
	yamldoc_error_count(err, v.nerr);
	return v.nerr ? -1 : 0;
}

const struct rinv_host *
remote_inv_host(const struct rinv *ri, const char *name)
{
	int i;

	for (i = 0; i < ri->ri_nhosts; i++)
		if (strcmp(ri->ri_hosts[i].rh_name, name) == 0)
			return &ri->ri_hosts[i];
	return NULL;
}

int
remote_inv_expand(const char *tmpl, const char *port, char *out, size_t len)
{
	const char *p = strstr(tmpl, "{port}");
	int n;

	if (p == NULL)
		n = snprintf(out, len, "%s", tmpl);
	else
		n = snprintf(out, len, "%.*s%s%s", (int)(p - tmpl), tmpl, port,
		    p + 6);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
