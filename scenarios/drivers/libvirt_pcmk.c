/*
 * libvirt_pcmk.c - the Pacemaker texts of the libvirt driver's HA: the
 * CIB elements it creates (a fence_redfish device per host, a
 * VirtualDomain resource per HA VM) and what it reads back (crm_mon's
 * XML for the DC and a resource's place, the Pacemaker log's lines for
 * the recovery steps).
 * Pure (no I/O), so tests/check_libvirt_ha.c checks them without a lab.
 * The CIB elements are built with libxml2's tree, which escapes the
 * values (a BMC password may hold any printable character).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "err.h"
#include "scenarios/drivers/libvirt.h"

/* Lines this close of one step, word and node are one event. */
#define LV_LOG_SAME_NS (2ULL * 1000000000ULL)

/* <nvpair id="ID-NAME" name="NAME" value="VALUE"/> under parent. */
static void
nvpair(xmlNode *parent, const char *id, const char *name, const char *value)
{
	xmlNode *nv = xmlNewChild(parent, NULL, BAD_CAST "nvpair", NULL);
	char nid[160];

	snprintf(nid, sizeof(nid), "%s-%s", id, name);
	xmlNewProp(nv, BAD_CAST "id", BAD_CAST nid);
	xmlNewProp(nv, BAD_CAST "name", BAD_CAST name);
	xmlNewProp(nv, BAD_CAST "value", BAD_CAST value);
}

/* <op id="RSC-NAME-INTERVAL" name=... interval=... timeout=.../> */
static void
op(xmlNode *ops, const char *rsc, const char *name, const char *interval,
    const char *timeout)
{
	xmlNode *o = xmlNewChild(ops, NULL, BAD_CAST "op", NULL);
	char id[160];

	snprintf(id, sizeof(id), "%s-%s-%s", rsc, name, interval);
	xmlNewProp(o, BAD_CAST "id", BAD_CAST id);
	xmlNewProp(o, BAD_CAST "name", BAD_CAST name);
	xmlNewProp(o, BAD_CAST "interval", BAD_CAST interval);
	if (timeout != NULL)
		xmlNewProp(o, BAD_CAST "timeout", BAD_CAST timeout);
}

/* <primitive id class [provider] type> with its <instance_attributes>
 * (id ID-ia) into *ia. */
static xmlNode *
primitive(const char *id, const char *class, const char *provider,
    const char *type, xmlNode **ia)
{
	xmlNode *p = xmlNewNode(NULL, BAD_CAST "primitive");
	char iaid[128];

	xmlNewProp(p, BAD_CAST "id", BAD_CAST id);
	xmlNewProp(p, BAD_CAST "class", BAD_CAST class);
	if (provider != NULL)
		xmlNewProp(p, BAD_CAST "provider", BAD_CAST provider);
	xmlNewProp(p, BAD_CAST "type", BAD_CAST type);
	*ia = xmlNewChild(p, NULL, BAD_CAST "instance_attributes", NULL);
	snprintf(iaid, sizeof(iaid), "%.100s-ia", id);
	xmlNewProp(*ia, BAD_CAST "id", BAD_CAST iaid);
	return p;
}

/* The element's text into buf; frees it.  -1 with err when too long. */
static int
dump(xmlNode *n, char *buf, size_t len, char *err)
{
	xmlBuffer *b = xmlBufferCreate();
	int rc = -1;

	if (b == NULL)
		err_set(err, "out of memory");
	else if (xmlNodeDump(b, NULL, n, 0, 0) < 0)
		err_set(err, "cannot write the CIB element");
	else if ((size_t)xmlBufferLength(b) >= len)
		err_set(err, "CIB element longer than %zu bytes", len);
	else {
		memcpy(buf, xmlBufferContent(b),
		    (size_t)xmlBufferLength(b) + 1);
		rc = 0;
	}
	xmlBufferFree(b);
	xmlFreeNode(n);
	return rc;
}

static int
plain_name(const char *what, const char *s, char *err)
{
	size_t i;

	if (s == NULL || *s == '\0' || strlen(s) >= DRV_NAME_MAX)
		return err_set(err, "%s '%s' is empty or too long", what,
		    s ? s : "");
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return err_set(err, "%s '%s': only letters, digits, "
			    "'-', '_' and '.'", what, s);
	return 0;
}

int
lv_fence_xml(const struct lv_fence *f, char *buf, size_t len, char *err)
{
	xmlNode *p, *ia, *ops;
	char id[96], uri[160];

	if (plain_name("fence device: host", f->f_host, err) == -1)
		return -1;
	if (f->f_bmc_addr == NULL || *f->f_bmc_addr == '\0' ||
	    f->f_user == NULL || f->f_password == NULL ||
	    *f->f_password == '\0')
		return err_set(err, "fence device of %s: no BMC address, user "
		    "or password", f->f_host);
	lv_fence_id(f->f_host, id, sizeof(id));
	snprintf(uri, sizeof(uri), "/redfish/v1/Systems/%s", f->f_host);
	p = primitive(id, "stonith", NULL, "fence_redfish", &ia);
	nvpair(ia, id, "ip", f->f_bmc_addr);
	nvpair(ia, id, "username", f->f_user);
	nvpair(ia, id, "password", f->f_password);
	/* the lab's BMCs answer with a self-signed certificate */
	nvpair(ia, id, "ssl_insecure", "1");
	nvpair(ia, id, "systems_uri", uri);
	nvpair(ia, id, "pcmk_host_list", f->f_host);
	ops = xmlNewChild(p, NULL, BAD_CAST "operations", NULL);
	op(ops, id, "monitor", "60s", NULL);
	return dump(p, buf, len, err);
}

int
lv_fence_constraint_xml(const char *host, char *buf, size_t len, char *err)
{
	xmlNode *c;
	char id[96], cid[128];

	if (plain_name("fence device: host", host, err) == -1)
		return -1;
	lv_fence_id(host, id, sizeof(id));
	snprintf(cid, sizeof(cid), "%s-not-on-%s", id, host);
	c = xmlNewNode(NULL, BAD_CAST "rsc_location");
	xmlNewProp(c, BAD_CAST "id", BAD_CAST cid);
	xmlNewProp(c, BAD_CAST "rsc", BAD_CAST id);
	xmlNewProp(c, BAD_CAST "node", BAD_CAST host);
	xmlNewProp(c, BAD_CAST "score", BAD_CAST "-INFINITY");
	return dump(c, buf, len, err);
}

void
lv_fence_id(const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "fence-%s", host);
}

int
lv_vdom_xml(const struct lv_vdom *v, char *buf, size_t len, char *err)
{
	xmlNode *p, *ia, *meta, *ops;
	char id[96], mon[32];

	if (plain_name("VirtualDomain: VM", v->v_name, err) == -1)
		return -1;
	if (v->v_config == NULL || v->v_config[0] != '/')
		return err_set(err, "VirtualDomain %s: config must be an "
		    "absolute path", v->v_name);
	if (v->v_monitor_s <= 0 || v->v_monitor_s > 3600)
		return err_set(err, "VirtualDomain %s: monitor interval %d s "
		    "is not in 1..3600", v->v_name, v->v_monitor_s);
	snprintf(id, sizeof(id), "%s", v->v_name);
	p = primitive(id, "ocf", "heartbeat", "VirtualDomain", &ia);
	nvpair(ia, id, "config", v->v_config);
	nvpair(ia, id, "hypervisor", "qemu:///system");
	nvpair(ia, id, "migration_transport", "tls");
	/* %n is the target node's name: a uri_aliases entry of the
	 * hosts' libvirt.conf (the lab has no name service) */
	nvpair(ia, id, "remoteuri", "%n");
	meta = xmlNewChild(p, NULL, BAD_CAST "meta_attributes", NULL);
	snprintf(mon, sizeof(mon), "%.80s-meta", id);
	xmlNewProp(meta, BAD_CAST "id", BAD_CAST mon);
	nvpair(meta, id, "allow-migrate", "true");
	ops = xmlNewChild(p, NULL, BAD_CAST "operations", NULL);
	snprintf(mon, sizeof(mon), "%ds", v->v_monitor_s);
	op(ops, id, "monitor", mon, "30s");
	op(ops, id, "start", "0s", "90s");
	op(ops, id, "stop", "0s", "90s");
	op(ops, id, "migrate_to", "0s", "120s");
	op(ops, id, "migrate_from", "0s", "120s");
	return dump(p, buf, len, err);
}

/* ---- crm_mon's XML ---- */


static void
prop_copy(xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;

	snprintf(buf, len, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

/* The resource rsc under <resources> (not in a group or clone). */
static void
crm_mon_rsc(xmlNode *resources, const char *rsc, struct drv_ha_status *hs)
{
	xmlNode *r, *node;
	char id[DRV_NAME_MAX + 8], active[8];

	for (r = resources ? resources->children : NULL; r != NULL;
	    r = r->next) {
		if (r->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)r->name, "resource") != 0)
			continue;
		prop_copy(r, "id", id, sizeof(id));
		if (strcmp(id, rsc) != 0)
			continue;
		hs->hs_found = 1;
		prop_copy(r, "role", hs->hs_state, sizeof(hs->hs_state));
		prop_copy(r, "active", active, sizeof(active));
		node = lv_xml_child(r, "node");
		prop_copy(node, "name", hs->hs_node, sizeof(hs->hs_node));
		hs->hs_running = strcmp(active, "true") == 0 &&
		    strcmp(hs->hs_state, "Started") == 0 &&
		    hs->hs_node[0] != '\0';
		return;
	}
}

int
lv_crm_mon_ha(const char *xml, size_t len, const char *rsc,
    struct drv_ha_status *hs, char *err)
{
	xmlDoc *doc;
	xmlNode *root, *dc;
	char present[8];
	int rc = -1;

	if ((doc = lv_crm_mon_doc(xml, len, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (lv_xml_child(root, "summary") == NULL) {
		err_set(err, "crm_mon: no <summary>");
		goto out;
	}
	dc = lv_xml_child(lv_xml_child(root, "summary"), "current_dc");
	prop_copy(dc, "present", present, sizeof(present));
	if (strcmp(present, "true") == 0)
		prop_copy(dc, "name", hs->hs_manager, sizeof(hs->hs_manager));
	if (rsc != NULL)
		crm_mon_rsc(lv_xml_child(root, "resources"), rsc, hs);
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/* ---- the Pacemaker log ---- */

/*
 * "Dec 03 09:12:40.501 host1 pacemaker-controld  [5712] (fn) notice:
 * text": the stamp (local time of year) into *ns, the text after the
 * level into *msg.  -1 when the line is not one.
 */
static int
log_stamp(const char *line, int year, uint64_t *ns, const char **msg)
{
	static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	char m[4];
	const char *p;
	int day, h, mi, s, ms = 0, n = 0;
	time_t t;

	if (sscanf(line, "%3s %d %d:%d:%d%n", m, &day, &h, &mi, &s, &n) != 5 ||
	    (p = strstr(mon, m)) == NULL || (p - mon) % 3 != 0)
		return -1;
	if (line[n] == '.')
		ms = atoi(line + n + 1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = (int)((p - mon) / 3);
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*ns = (uint64_t)t * 1000000000ULL + (uint64_t)ms * 1000000ULL;
	if ((p = strstr(line, ") ")) == NULL || (p = strstr(p, ": ")) == NULL)
		return -1;
	*msg = p + 2;
	return 0;
}

/* The word after marker in msg into buf ("" when absent). */
static void
word_after(const char *msg, const char *marker, char *buf, size_t len)
{
	const char *p = strstr(msg, marker);
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(marker);
	n = strcspn(p, " :,|)'");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

/* Which recovery step msg is (DRV_HA_OTHER: none), its word and node. */
static enum drv_ha_step
log_step(const char *msg, const char *rsc, char *word, size_t wlen,
    char *node, size_t nlen)
{
	char want[DRV_NAME_MAX + 32];

	if (strncmp(msg, "Node ", 5) == 0 &&
	    strstr(msg, " state is now lost") != NULL) {
		word_after(msg, "Node ", node, nlen);
		snprintf(word, wlen, "node-lost");
		return DRV_HA_DETECTED;
	}
	if (strstr(msg, " will be fenced") != NULL) {
		word_after(msg, "node ", node, nlen);
		if (node[0] == '\0')
			word_after(msg, "Node ", node, nlen);
		snprintf(word, wlen, "will-be-fenced");
		return DRV_HA_DETECTED;
	}
	if (strncmp(msg, "Operation '", 11) == 0 &&
	    strstr(msg, " targeting ") != NULL &&
	    (strstr(msg, ": OK") != NULL || strstr(msg, "returned 0") !=
	    NULL)) {
		word_after(msg, " targeting ", node, nlen);
		word_after(msg, "Operation '", word, wlen);
		return DRV_HA_FENCED;
	}
	if (rsc == NULL)
		return DRV_HA_OTHER;
	/* "... on NODE", or "... locally on NODE" when NODE is the DC */
	snprintf(want, sizeof(want), "Initiating start operation %s_start_0 ",
	    rsc);
	if (strncmp(msg, want, strlen(want)) == 0) {
		const char *on = msg + strlen(want);

		if (strncmp(on, "locally ", 8) == 0)
			on += 8;
		if (strncmp(on, "on ", 3) != 0)
			return DRV_HA_OTHER;
		word_after(on, "on ", node, nlen);
		snprintf(word, wlen, "start");
		return DRV_HA_RESTART;
	}
	snprintf(want, sizeof(want), "Result of start operation for %s on ",
	    rsc);
	if (strncmp(msg, want, strlen(want)) == 0 &&
	    strstr(msg, ": ok") != NULL) {
		word_after(msg, want, node, nlen);
		snprintf(word, wlen, "started");
		return DRV_HA_STARTED;
	}
	return DRV_HA_OTHER;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct drv_ha_event *x = a, *y = b;

	return x->he_wall_ns < y->he_wall_ns ? -1 :
	    x->he_wall_ns > y->he_wall_ns;
}

/* Keep ev in hs, dropping the oldest when full.  Several daemons (and
 * hosts) log the same loss or fence within a moment: one is kept. */
static void
ev_keep(struct drv_ha_status *hs, const struct drv_ha_event *ev)
{
	size_t i, old = 0;

	for (i = 0; i < hs->hs_nevents; i++) {
		const struct drv_ha_event *x = &hs->hs_events[i];
		uint64_t dt = x->he_wall_ns > ev->he_wall_ns ? x->he_wall_ns -
		    ev->he_wall_ns : ev->he_wall_ns - x->he_wall_ns;

		if (x->he_step == ev->he_step && dt < LV_LOG_SAME_NS &&
		    strcmp(x->he_word, ev->he_word) == 0 &&
		    strcmp(x->he_node, ev->he_node) == 0) {
			if (ev->he_wall_ns < x->he_wall_ns)
				hs->hs_events[i] = *ev;
			return;
		}
	}
	if (hs->hs_nevents < DRV_HA_EVENTS_MAX) {
		hs->hs_events[hs->hs_nevents++] = *ev;
		return;
	}
	for (i = 1; i < hs->hs_nevents; i++)
		if (hs->hs_events[i].he_wall_ns <
		    hs->hs_events[old].he_wall_ns)
			old = i;
	if (hs->hs_events[old].he_wall_ns < ev->he_wall_ns)
		hs->hs_events[old] = *ev;
}

void
lv_pcmk_log_parse(const char *text, const char *rsc, int year,
    struct drv_ha_status *hs)
{
	const char *line = text, *msg;
	char buf[1024];
	struct drv_ha_event ev;

	while (line != NULL && *line != '\0') {
		size_t n = strcspn(line, "\n");

		snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) ? n :
		    sizeof(buf) - 1), line);
		line = line[n] ? line + n + 1 : NULL;
		memset(&ev, 0, sizeof(ev));
		if (log_stamp(buf, year, &ev.he_wall_ns, &msg) == -1)
			continue;
		ev.he_step = log_step(msg, rsc, ev.he_word,
		    sizeof(ev.he_word), ev.he_node, sizeof(ev.he_node));
		if (ev.he_step != DRV_HA_OTHER)
			ev_keep(hs, &ev);
	}
	qsort(hs->hs_events, hs->hs_nevents, sizeof(hs->hs_events[0]),
	    ev_cmp);
}

/* ---- the knobs ---- */

/* "60s", "60", "1500ms", "2min", "INFINITY" in the unit of name's suffix
 * (_ms, _s, none); -1 when it is not such a value. */
static int
knob_value(const char *name, const char *v, double *out)
{
	double x, to_s;
	char *end;
	size_t nl = strlen(name);

	if (strcmp(v, "INFINITY") == 0 || strcmp(v, "+INFINITY") == 0) {
		*out = 1000000;		/* Pacemaker's INFINITY */
		return 0;
	}
	x = strtod(v, &end);
	if (end == v || x < 0)
		return -1;
	/* Pacemaker's bare numbers are seconds, Corosync's ms */
	to_s = strcmp(end, "ms") == 0 ? 0.001 : strcmp(end, "min") == 0 ? 60 :
	    strcmp(end, "s") == 0 ? 1 : *end == '\0' ? -1 : 0;
	if (to_s == 0)
		return -1;
	if (nl > 3 && strcmp(name + nl - 3, "_ms") == 0)
		*out = to_s < 0 ? x : x * to_s * 1000;
	else if (nl > 2 && strcmp(name + nl - 2, "_s") == 0)
		*out = to_s < 0 ? x : x * to_s;
	else
		*out = x;
	return 0;
}

int
lv_knobs_parse(const char *text, struct drv_ha_status *hs, char *err)
{
	const char *line = text;
	char name[48], value[64];
	int bad = 0;

	while (line != NULL && *line != '\0') {
		struct drv_ha_knob *k;
		int n = 0;

		if (sscanf(line, "%47s %63s%n", name, value, &n) == 2 &&
		    hs->hs_nknobs < DRV_HA_KNOBS_MAX) {
			k = &hs->hs_knobs[hs->hs_nknobs];
			if (knob_value(name, value, &k->k_value) == 0) {
				snprintf(k->k_name, sizeof(k->k_name), "%s",
				    name);
				hs->hs_nknobs++;
			} else if (bad++ == 0)
				err_set(err, "knob %s: '%s' is not a number "
				    "with ms, s or min", name, value);
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return bad ? -1 : 0;
}

/* ---- balancing (placement-strategy) ---- */

int
lv_crm_mon_nodes(const char *xml, size_t len, struct lv_node_cap *nodes,
    size_t max, size_t *n, char *err)
{
	xmlDoc *doc;
	xmlNode *list, *x;
	struct lv_node_cap *c;
	int rc = -1;

	*n = 0;
	if ((doc = lv_crm_mon_doc(xml, len, err)) == NULL)
		return -1;
	list = lv_xml_child(xmlDocGetRootElement(doc), "nodes");
	for (x = list ? list->children : NULL; x != NULL; x = x->next) {
		if (x->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)x->name, "node") != 0)
			continue;
		if (*n == max) {
			err_set(err, "crm_mon: more than %zu nodes", max);
			goto out;
		}
		c = &nodes[*n];
		memset(c, 0, sizeof(*c));
		prop_copy(x, "name", c->nc_name, sizeof(c->nc_name));
		prop_copy(x, "id", c->nc_id, sizeof(c->nc_id));
		if (plain_name("crm_mon: node name", c->nc_name, err) == -1 ||
		    plain_name("crm_mon: node id", c->nc_id, err) == -1)
			goto out;
		(*n)++;
	}
	if (*n == 0) {
		err_set(err, "crm_mon: no <nodes>/<node> in its answer");
		goto out;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

void
lv_util_id(const char *node, char *buf, size_t len)
{
	snprintf(buf, len, "hvlab-util-%s", node);
}

/* <node id uname><utilization id=hvlab-util-NODE> cpu, hv_memory and
 * host_memory (VirtualDomain sets all three on its resources, and a node
 * missing one counts as having 0 of it) under parent. */
static int
node_util(xmlNode *parent, const struct lv_node_cap *c, char *err)
{
	xmlNode *nd, *u;
	char id[96], v[32];

	if (plain_name("node", c->nc_name, err) == -1 ||
	    plain_name("node id", c->nc_id, err) == -1)
		return -1;
	if (c->nc_cpus <= 0 || c->nc_memory_mib <= 0)
		return err_set(err, "node %s: capacity cpu=%d memory=%ld MiB "
		    "is not positive", c->nc_name, c->nc_cpus,
		    c->nc_memory_mib);
	nd = xmlNewChild(parent, NULL, BAD_CAST "node", NULL);
	xmlNewProp(nd, BAD_CAST "id", BAD_CAST c->nc_id);
	xmlNewProp(nd, BAD_CAST "uname", BAD_CAST c->nc_name);
	u = xmlNewChild(nd, NULL, BAD_CAST "utilization", NULL);
	lv_util_id(c->nc_name, id, sizeof(id));
	xmlNewProp(u, BAD_CAST "id", BAD_CAST id);
	snprintf(v, sizeof(v), "%d", c->nc_cpus);
	nvpair(u, id, "cpu", v);
	snprintf(v, sizeof(v), "%ld", c->nc_memory_mib);
	nvpair(u, id, "hv_memory", v);
	nvpair(u, id, "host_memory", v);
	return 0;
}

int
lv_balance_xml(int balanced, const struct lv_node_cap *nodes, size_t n,
    char *buf, size_t len, char *err)
{
	xmlNode *conf, *set, *meta, *list;
	size_t i;

	if (balanced && n == 0)
		return err_set(err, "placement-strategy=balanced: no nodes "
		    "to give a capacity");
	conf = xmlNewNode(NULL, BAD_CAST "configuration");
	set = xmlNewChild(xmlNewChild(conf, NULL, BAD_CAST "crm_config",
	    NULL), NULL, BAD_CAST "cluster_property_set", NULL);
	xmlNewProp(set, BAD_CAST "id", BAD_CAST "cib-bootstrap-options");
	nvpair(set, "cib-bootstrap-options", "placement-strategy",
	    balanced ? "balanced" : "default");
	meta = xmlNewChild(xmlNewChild(conf, NULL, BAD_CAST "rsc_defaults",
	    NULL), NULL, BAD_CAST "meta_attributes", NULL);
	xmlNewProp(meta, BAD_CAST "id", BAD_CAST "rsc-options");
	/* A node's score outranks its free capacity: with any stickiness
	 * a VM stays where it runs unless that node overflows.  At 0,
	 * capacity decides, and on a tie Pacemaker keeps the node a VM
	 * runs on, so a balanced cluster stays put. */
	nvpair(meta, "rsc-options", "resource-stickiness",
	    balanced ? "0" : LV_HA_STICKINESS);
	if (balanced) {
		list = xmlNewChild(conf, NULL, BAD_CAST "nodes", NULL);
		for (i = 0; i < n; i++)
			if (node_util(list, &nodes[i], err) == -1) {
				xmlFreeNode(conf);
				return -1;
			}
	}
	return dump(conf, buf, len, err);
}

/* The integer value of nvpair name under a <utilization> set u, or 0. */
static long
util_value(xmlNode *u, const char *name)
{
	xmlNode *nv;
	xmlChar *n, *v;
	long x = 0;

	for (nv = u->children; nv != NULL; nv = nv->next) {
		if (nv->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)nv->name, "nvpair") != 0)
			continue;
		n = xmlGetProp(nv, BAD_CAST "name");
		v = xmlGetProp(nv, BAD_CAST "value");
		if (n != NULL && v != NULL && strcmp((const char *)n, name) ==
		    0)
			x = strtol((const char *)v, NULL, 10);
		xmlFree(n);
		xmlFree(v);
	}
	return x;
}

/* Every primitive under n with a utilization set, into need. */
static void
util_walk(xmlNode *n, struct lv_util_need *need)
{
	xmlNode *c, *u;
	long cpu, mem;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, "primitive") != 0) {
			util_walk(c, need);
			continue;
		}
		if ((u = lv_xml_child(c, "utilization")) == NULL)
			continue;
		cpu = util_value(u, "cpu");
		mem = util_value(u, "hv_memory");
		need->un_cpu += cpu;
		need->un_memory_mib += mem;
		if (cpu > need->un_max_cpu) {
			need->un_max_cpu = cpu;
			prop_copy(c, "id", need->un_cpu_rsc,
			    sizeof(need->un_cpu_rsc));
		}
		if (mem > need->un_max_memory_mib) {
			need->un_max_memory_mib = mem;
			prop_copy(c, "id", need->un_memory_rsc,
			    sizeof(need->un_memory_rsc));
		}
		need->un_rscs++;
	}
}

int
lv_util_need_parse(const char *xml, size_t len, struct lv_util_need *need,
    char *err)
{
	xmlDoc *doc;
	xmlNode *root;

	memset(need, 0, sizeof(*need));
	doc = xmlReadMemory(xml, (int)len, "resources.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return err_set(err, "cibadmin: its resources are not XML");
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "resources") !=
	    0) {
		xmlFreeDoc(doc);
		return err_set(err, "cibadmin: no <resources>");
	}
	util_walk(root, need);
	xmlFreeDoc(doc);
	return 0;
}

int
lv_util_fits(const struct lv_node_cap *nodes, size_t n,
    const struct lv_util_need *need, char *err)
{
	long cpu = 0, mem = 0, big_cpu = 0, big_mem = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		cpu += nodes[i].nc_cpus;
		mem += nodes[i].nc_memory_mib;
		if (nodes[i].nc_cpus > big_cpu)
			big_cpu = nodes[i].nc_cpus;
		if (nodes[i].nc_memory_mib > big_mem)
			big_mem = nodes[i].nc_memory_mib;
	}
	if (need->un_max_cpu > big_cpu)
		return err_set(err, "resource %s needs cpu=%ld, more than any "
		    "node offers (%ld): Pacemaker would stop it",
		    need->un_cpu_rsc, need->un_max_cpu, big_cpu);
	if (need->un_max_memory_mib > big_mem)
		return err_set(err, "resource %s needs hv_memory=%ld, more "
		    "than any node offers (%ld): Pacemaker would stop it",
		    need->un_memory_rsc, need->un_max_memory_mib, big_mem);
	if (need->un_cpu > cpu || need->un_memory_mib > mem)
		return err_set(err, "the %zu resources need cpu=%ld "
		    "hv_memory=%ld, more than the %zu nodes offer (cpu=%ld "
		    "hv_memory=%ld): Pacemaker would stop some", need->un_rscs,
		    need->un_cpu, need->un_memory_mib, n, cpu, mem);
	return 0;
}
