/*
 * balance.c - the load balancer's decisions (balance.h, docs/balance.md):
 * the settings and rules as JSON, each node's load, the moves of one
 * round and the placement of a new VM.  Pure code: the round works on a
 * simulated copy of the cluster (struct sim) in which each move is
 * applied before the next is chosen, so the moves of one round add up
 * to a better balance instead of all picking the same idle node.
 *
 * Why no move can ping-pong: a load move is taken only when the target,
 * with the VM, stays at least `margin` below the source before it, and
 * the VM takes at least `margin` off the source.  The sum of the squared
 * loads then falls with every move (by 2 d (L_s - L_t - d) > 0 on nodes
 * of equal capacity), so no sequence of moves returns to where it
 * started; a moved VM also waits `hold` rounds before it moves again,
 * while the measured loads catch up with the move.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/balance.h"

#define BAL_DEF_THRESHOLD	0.3
#define BAL_DEF_HOLD		3
#define BAL_DEF_MARGIN		0.1
#define BAL_DEF_MAX_MOVES	2
#define BAL_DEF_INTERVAL	10

static const struct {
	enum bal_mode	 mode;
	const char	*name;
} bal_mode_names[] = {
	{ BAL_OFF,	"off" },
	{ BAL_STATIC,	"static" },
	{ BAL_DYNAMIC,	"dynamic" },
};

static const struct {
	enum bal_rule_type	 type;
	const char		*name;
} bal_rule_names[] = {
	{ BAL_RULE_AFFINITY,	"affinity" },
	{ BAL_RULE_ANTI,	"anti-affinity" },
	{ BAL_RULE_NODES,	"nodes" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const char *
balance_mode_name(enum bal_mode m)
{
	size_t i;

	for (i = 0; i < NELEM(bal_mode_names); i++)
		if (bal_mode_names[i].mode == m)
			return bal_mode_names[i].name;
	return "off";
}

void
balance_settings_default(struct bal_settings *s)
{
	s->mode = BAL_OFF;
	s->threshold = BAL_DEF_THRESHOLD;
	s->hold = BAL_DEF_HOLD;
	s->margin = BAL_DEF_MARGIN;
	s->max_moves = BAL_DEF_MAX_MOVES;
	s->interval_s = BAL_DEF_INTERVAL;
}

/* o's number key into *d when present, within lo..hi. */
static int
set_num(const cJSON *o, const char *key, double lo, double hi, int whole,
    double *d, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (it == NULL)
		return 0;
	if (!cJSON_IsNumber(it) || it->valuedouble < lo ||
	    it->valuedouble > hi || (whole && it->valuedouble !=
	    floor(it->valuedouble)))
		return err_set(err, "'%s' must be a%s number %g..%g", key,
		    whole ? " whole" : "", lo, hi);
	*d = it->valuedouble;
	return 0;
}

int
balance_settings_from_json(const cJSON *o, struct bal_settings *s,
    char *err)
{
	static const char *const keys[] = { "mode", "threshold", "hold",
	    "margin", "max_moves", "interval_s", NULL };
	struct bal_settings n = *s;
	const char *bad = NULL, *mode = NULL;
	double hold = n.hold, moves = n.max_moves, ival = n.interval_s;
	size_t i;

	if (!cJSON_IsObject(o))
		return err_set(err, "balancer settings: not an object");
	if (json_check_keys(o, keys, &bad, err) != 0)
		return -1;
	if (json_get_string(o, "mode", JSON_OPTIONAL, &mode, err) != 0)
		return -1;
	for (i = 0; mode && i < NELEM(bal_mode_names); i++)
		if (strcmp(mode, bal_mode_names[i].name) == 0)
			break;
	if (mode && i == NELEM(bal_mode_names))
		return err_set(err, "'mode' must be off, static or dynamic, "
		    "not '%s'", mode);
	if (mode)
		n.mode = bal_mode_names[i].mode;
	if (set_num(o, "threshold", 0.01, 10, 0, &n.threshold, err) != 0 ||
	    set_num(o, "hold", 1, 100, 1, &hold, err) != 0 ||
	    set_num(o, "margin", 0, 10, 0, &n.margin, err) != 0 ||
	    set_num(o, "max_moves", 1, 64, 1, &moves, err) != 0 ||
	    set_num(o, "interval_s", 2, 3600, 1, &ival, err) != 0)
		return -1;
	n.hold = (int)hold;
	n.max_moves = (int)moves;
	n.interval_s = (int)ival;
	*s = n;
	return 0;
}

cJSON *
balance_settings_json(const struct bal_settings *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "mode", balance_mode_name(s->mode));
	cJSON_AddNumberToObject(o, "threshold", s->threshold);
	cJSON_AddNumberToObject(o, "hold", s->hold);
	cJSON_AddNumberToObject(o, "margin", s->margin);
	cJSON_AddNumberToObject(o, "max_moves", s->max_moves);
	cJSON_AddNumberToObject(o, "interval_s", s->interval_s);
	return o;
}

/* --- rules --- */

static int
name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= BAL_NAME)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* The array key of names into names[] (at most BAL_RULE_MAX, no
 * name twice): how many, or -1 + err. */
static int
rule_names(const cJSON *o, const char *key, char names[][BAL_NAME],
    char *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key), *it;
	int n = 0, i;

	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return err_set(err, "'%s' must be an array of names", key);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || !name_ok(it->valuestring))
			return err_set(err, "'%s': item %d is not a name "
			    "(letters, digits, '-', '_', '.')", key, n);
		if (n == BAL_RULE_MAX)
			return err_set(err, "'%s': at most %d names", key,
			    BAL_RULE_MAX);
		for (i = 0; i < n; i++)
			if (strcmp(names[i], it->valuestring) == 0)
				return err_set(err, "'%s': '%s' twice", key,
				    it->valuestring);
		snprintf(names[n++], BAL_NAME, "%s", it->valuestring);
	}
	return n;
}

int
balance_rule_from_json(const cJSON *o, struct bal_rule *r, char *field,
    char *err)
{
	static const char *const keys[] = { "name", "type", "vms", "nodes",
	    NULL };
	const char *bad = NULL, *s = NULL;
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(field, 64, "name");
	if (!cJSON_IsObject(o))
		return err_set(err, "'name' is required");
	if (json_check_keys(o, keys, &bad, err) != 0) {
		snprintf(field, 64, "%s", bad ? bad : "");
		return -1;
	}
	if (json_get_string(o, "name", JSON_REQUIRED, &s, err) != 0 ||
	    !name_ok(s))
		return err_set(err, "bad or missing 'name'");
	snprintf(r->br_name, sizeof(r->br_name), "%s", s);
	snprintf(field, 64, "type");
	if (json_get_string(o, "type", JSON_REQUIRED, &s, err) != 0)
		return -1;
	for (i = 0; i < NELEM(bal_rule_names); i++)
		if (strcmp(s, bal_rule_names[i].name) == 0)
			break;
	if (i == NELEM(bal_rule_names))
		return err_set(err, "'type' must be affinity, anti-affinity "
		    "or nodes, not '%s'", s);
	r->br_type = bal_rule_names[i].type;
	snprintf(field, 64, "vms");
	if ((r->br_nvms = rule_names(o, "vms", r->br_vms, err)) < 0)
		return -1;
	if (r->br_nvms < (r->br_type == BAL_RULE_NODES ? 1 : 2))
		return err_set(err, "'vms' must name %s", r->br_type ==
		    BAL_RULE_NODES ? "at least one VM" : "at least two VMs");
	snprintf(field, 64, "nodes");
	if ((r->br_nnodes = rule_names(o, "nodes", r->br_nodes, err)) < 0)
		return -1;
	if (r->br_type == BAL_RULE_NODES && r->br_nnodes == 0)
		return err_set(err, "a rule of type nodes needs 'nodes'");
	if (r->br_type != BAL_RULE_NODES && r->br_nnodes != 0)
		return err_set(err, "only a rule of type nodes takes 'nodes'");
	field[0] = '\0';
	return 0;
}

cJSON *
balance_rule_json(const struct bal_rule *r)
{
	cJSON *o = cJSON_CreateObject(), *a;
	int i;

	cJSON_AddStringToObject(o, "name", r->br_name);
	cJSON_AddStringToObject(o, "type", bal_rule_names[r->br_type].name);
	a = cJSON_AddArrayToObject(o, "vms");
	for (i = 0; i < r->br_nvms; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->br_vms[i]));
	if (r->br_type == BAL_RULE_NODES) {
		a = cJSON_AddArrayToObject(o, "nodes");
		for (i = 0; i < r->br_nnodes; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(r->br_nodes[i]));
	}
	return o;
}

/* --- the simulated cluster of one round --- */

struct sim {
	const struct bal_input	*in;
	double			 used[BAL_MAX_NODES];	/* base + VMs */
	int			 node[BAL_MAX_VMS];	/* -1: unknown node */
	int			 moved[BAL_MAX_VMS];
	int			 taken[BAL_MAX_NODES];	/* a move's target */
	struct bal_move		*out;
	int			 n, max;
};

static int
node_find(const struct bal_input *in, const char *name)
{
	int i;

	for (i = 0; i < in->in_nnodes; i++)
		if (strcmp(in->in_nodes[i].bn_name, name) == 0)
			return i;
	return -1;
}

static int
vm_find(const struct bal_input *in, const char *name)
{
	int i;

	for (i = 0; i < in->in_nvms; i++)
		if (strcmp(in->in_vms[i].bv_name, name) == 0)
			return i;
	return -1;
}

static double
sim_load(const struct sim *s, int n)
{
	return s->used[n] / s->in->in_nodes[n].bn_cap;
}

static double
sim_mean(const struct sim *s)
{
	double sum = 0;
	int i, k = 0;

	for (i = 0; i < s->in->in_nnodes; i++)
		if (!s->in->in_nodes[i].bn_maint) {
			sum += sim_load(s, i);
			k++;
		}
	return k ? sum / k : 0;
}

static int
nodes_valid(const struct bal_input *in)
{
	int i;

	if (in->in_nnodes > BAL_MAX_NODES || in->in_nvms > BAL_MAX_VMS)
		return 0;
	for (i = 0; i < in->in_nnodes; i++)
		if (!(in->in_nodes[i].bn_cap > 0))
			return 0;
	return 1;
}

static void
sim_init(struct sim *s, const struct bal_input *in, struct bal_move *out,
    int max)
{
	const struct bal_vm *v;
	int i;

	memset(s, 0, sizeof(*s));
	s->in = in;
	s->out = out;
	s->max = max < in->in_set.max_moves ? max : in->in_set.max_moves;
	for (i = 0; i < in->in_nnodes; i++)
		s->used[i] = in->in_nodes[i].bn_base;
	for (i = 0; i < in->in_nvms; i++) {
		v = &in->in_vms[i];
		s->node[i] = node_find(in, v->bv_node);
		if (s->node[i] >= 0)
			s->used[s->node[i]] += v->bv_load;
	}
}

double
balance_loads(const struct bal_input *in, double *load)
{
	struct sim s;
	int i;

	if (!nodes_valid(in))
		return 0;
	sim_init(&s, in, NULL, 0);
	for (i = 0; i < in->in_nnodes; i++)
		load[i] = sim_load(&s, i);
	return sim_mean(&s);
}

/* 1 when rule r names vm. */
static int
rule_has(const struct bal_rule *r, const char *vm)
{
	int i;

	for (i = 0; i < r->br_nvms; i++)
		if (strcmp(r->br_vms[i], vm) == 0)
			return 1;
	return 0;
}

/* 1 when the node rules that name vm allow node n. */
static int
nodes_allow(const struct bal_input *in, const char *vm, int n)
{
	const struct bal_rule *r;
	int i, k, ok;

	for (i = 0; i < in->in_nrules; i++) {
		r = &in->in_rules[i];
		if (r->br_type != BAL_RULE_NODES || !rule_has(r, vm))
			continue;
		for (ok = 0, k = 0; k < r->br_nnodes && !ok; k++)
			ok = strcmp(r->br_nodes[k],
			    in->in_nodes[n].bn_name) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

/* A VM other than vm sharing a rule of type t with it, on node n in the
 * simulation: its index, or -1. */
static int
partner_on(const struct sim *s, enum bal_rule_type t, const char *vm, int n)
{
	const struct bal_rule *r;
	int i, k, w;

	for (i = 0; i < s->in->in_nrules; i++) {
		r = &s->in->in_rules[i];
		if (r->br_type != t || !rule_has(r, vm))
			continue;
		for (k = 0; k < r->br_nvms; k++) {
			w = vm_find(s->in, r->br_vms[k]);
			if (w >= 0 && strcmp(r->br_vms[k], vm) != 0 &&
			    s->node[w] == n)
				return w;
		}
	}
	return -1;
}

/* The first running VM (in input order) sharing an affinity rule with
 * vm: its index, or -1.  The later VMs of a rule join the first. */
static int
first_partner(const struct sim *s, const char *vm)
{
	const struct bal_rule *r;
	int i, k, w, best = -1;

	for (i = 0; i < s->in->in_nrules; i++) {
		r = &s->in->in_rules[i];
		if (r->br_type != BAL_RULE_AFFINITY || !rule_has(r, vm))
			continue;
		for (k = 0; k < r->br_nvms; k++) {
			w = vm_find(s->in, r->br_vms[k]);
			if (w >= 0 && s->node[w] >= 0 &&
			    strcmp(r->br_vms[k], vm) != 0 &&
			    (best < 0 || w < best))
				best = w;
		}
	}
	return best;
}

/* 1 when vm (not yet there) may run on node n: not in maintenance, no
 * other move of this round goes there (one incoming migration per node
 * at a time: two at once compete for the node's QEMU start and stream
 * set-up), the node rules allow it, no anti-affinity partner there. */
static int
may_run(const struct sim *s, const char *vm, int n)
{
	return !s->in->in_nodes[n].bn_maint && !s->taken[n] &&
	    nodes_allow(s->in, vm, n) && partner_on(s, BAL_RULE_ANTI, vm, n) < 0;
}

/* The node where vm of load w is best placed, never `from`: where an
 * affinity partner runs if there is one it may run on, else the lowest
 * load with it, then the first in order.  -1 when none fits. */
static int
best_node(const struct sim *s, const char *vm, double w, int from)
{
	double best = 0, l;
	int n, pick = -1;

	for (n = 0; n < s->in->in_nnodes; n++)
		if (n != from && may_run(s, vm, n) &&
		    partner_on(s, BAL_RULE_AFFINITY, vm, n) >= 0)
			return n;
	for (n = 0; n < s->in->in_nnodes; n++) {
		if (n == from || !may_run(s, vm, n))
			continue;
		l = (s->used[n] + w) / s->in->in_nodes[n].bn_cap;
		if (pick < 0 || l < best) {
			best = l;
			pick = n;
		}
	}
	return pick;
}

static int
cooling(const struct bal_state *st, const char *vm)
{
	int i;

	for (i = 0; i < st->st_ncool; i++)
		if (strcmp(st->st_cool[i].name, vm) == 0)
			return st->st_cool[i].left > 0;
	return 0;
}

/* 1 when VM i may be moved this round. */
static int
movable(const struct sim *s, const struct bal_state *st, int i)
{
	const struct bal_vm *v = &s->in->in_vms[i];

	return !v->bv_pinned && !s->moved[i] && s->node[i] >= 0 &&
	    !cooling(st, v->bv_name);
}

/* Record the move of VM i to node `to` in the simulation and out. */
static void __attribute__((format(printf, 4, 5)))
emit(struct sim *s, int i, int to, const char *fmt, ...)
{
	const struct bal_vm *v = &s->in->in_vms[i];
	struct bal_move *m = &s->out[s->n++];
	va_list ap;

	snprintf(m->bm_vm, sizeof(m->bm_vm), "%s", v->bv_name);
	snprintf(m->bm_from, sizeof(m->bm_from), "%s",
	    s->in->in_nodes[s->node[i]].bn_name);
	snprintf(m->bm_to, sizeof(m->bm_to), "%s",
	    s->in->in_nodes[to].bn_name);
	va_start(ap, fmt);
	vsnprintf(m->bm_reason, sizeof(m->bm_reason), fmt, ap);
	va_end(ap);
	s->used[s->node[i]] -= v->bv_load;
	s->used[to] += v->bv_load;
	s->node[i] = to;
	s->moved[i] = 1;
	s->taken[to] = 1;
}

/* Every movable VM of a node in maintenance goes elsewhere. */
static void
drain(struct sim *s, const struct bal_state *st)
{
	const struct bal_vm *v;
	int i, from, to;

	for (i = 0; i < s->in->in_nvms && s->n < s->max; i++) {
		v = &s->in->in_vms[i];
		from = s->node[i];
		if (from < 0 || !s->in->in_nodes[from].bn_maint ||
		    !movable(s, st, i))
			continue;
		if ((to = best_node(s, v->bv_name, v->bv_load, from)) >= 0)
			emit(s, i, to, "maintenance: node %s is drained",
			    s->in->in_nodes[from].bn_name);
	}
}

/* VMs that break a rule where they run go where they may. */
static void
mend_rules(struct sim *s, const struct bal_state *st)
{
	const struct bal_vm *v;
	int i, from, to, w;

	for (i = 0; i < s->in->in_nvms && s->n < s->max; i++) {
		v = &s->in->in_vms[i];
		from = s->node[i];
		if (!movable(s, st, i))
			continue;
		if (!nodes_allow(s->in, v->bv_name, from)) {
			if ((to = best_node(s, v->bv_name, v->bv_load,
			    from)) >= 0)
				emit(s, i, to, "rule: node %s is not among "
				    "the nodes of VM %s", s->in->in_nodes[
				    from].bn_name, v->bv_name);
		} else if ((w = partner_on(s, BAL_RULE_ANTI, v->bv_name,
		    from)) >= 0 && w < i) {
			if ((to = best_node(s, v->bv_name, v->bv_load,
			    from)) >= 0)
				emit(s, i, to, "anti-affinity: VM %s runs on "
				    "%s too", s->in->in_vms[w].bv_name,
				    s->in->in_nodes[from].bn_name);
		} else if ((w = first_partner(s, v->bv_name)) >= 0 && w < i &&
		    (to = s->node[w]) != from && to >= 0 &&
		    may_run(s, v->bv_name, to))
			emit(s, i, to, "affinity: with VM %s on %s",
			    s->in->in_vms[w].bv_name,
			    s->in->in_nodes[to].bn_name);
	}
}

/* The hold counter of node name (created at 0). */
static int *
hold_of(struct bal_state *st, const char *name)
{
	int i;

	for (i = 0; i < st->st_nhold; i++)
		if (strcmp(st->st_hold[i].name, name) == 0)
			return &st->st_hold[i].rounds;
	if (st->st_nhold == BAL_MAX_NODES)
		return NULL;
	snprintf(st->st_hold[i].name, BAL_NAME, "%s", name);
	st->st_hold[i].rounds = 0;
	st->st_nhold++;
	return &st->st_hold[i].rounds;
}

/* Count, per node, the rounds in a row it is overloaded, from the
 * loads at the start of the round; forget nodes that are gone. */
static void
hold_update(const struct sim *s, struct bal_state *st)
{
	double mean = sim_mean(s);
	int i, *h;

	for (i = 0; i < st->st_nhold; i++)
		if (node_find(s->in, st->st_hold[i].name) < 0)
			st->st_hold[i--] = st->st_hold[--st->st_nhold];
	for (i = 0; i < s->in->in_nnodes; i++) {
		if ((h = hold_of(st, s->in->in_nodes[i].bn_name)) == NULL)
			continue;
		/* counted only while balancing is on: turning it on
		 * waits `hold` rounds like any new imbalance */
		if (s->in->in_set.mode != BAL_OFF &&
		    !s->in->in_nodes[i].bn_maint &&
		    sim_load(s, i) - mean > s->in->in_set.threshold)
			(*h)++;
		else
			*h = 0;
	}
}

/* The best load move off node from: VM *vi to node *ti, 1, or 0. */
static int
best_move(const struct sim *s, const struct bal_state *st, int from,
    int *vi, int *ti)
{
	const struct bal_input *in = s->in;
	double ls = sim_load(s, from), margin = in->in_set.margin;
	double best = 0, after, lt;
	int i, t, found = 0;

	for (i = 0; i < in->in_nvms; i++) {
		if (s->node[i] != from || !movable(s, st, i) ||
		    first_partner(s, in->in_vms[i].bv_name) >= 0 ||
		    in->in_vms[i].bv_load / in->in_nodes[from].bn_cap <
		    margin)
			continue;
		for (t = 0; t < in->in_nnodes; t++) {
			if (t == from || !may_run(s, in->in_vms[i].bv_name, t))
				continue;
			lt = (s->used[t] + in->in_vms[i].bv_load) /
			    in->in_nodes[t].bn_cap;
			if (lt > ls - margin)
				continue;
			after = fmax(lt, (s->used[from] -
			    in->in_vms[i].bv_load) / in->in_nodes[from].bn_cap);
			if (!found || after < best) {
				best = after;
				*vi = i;
				*ti = t;
				found = 1;
			}
		}
	}
	return found;
}

/* Moves off the most loaded node overloaded for `hold` rounds, as long
 * as one helps. */
static void
rebalance(struct sim *s, struct bal_state *st)
{
	const struct bal_input *in = s->in;
	int tried[BAL_MAX_NODES] = { 0 };
	double mean, l, top, before;
	int n, from, vi, ti, *h;

	while (s->n < s->max) {
		mean = sim_mean(s);
		from = -1;
		top = 0;
		for (n = 0; n < in->in_nnodes; n++) {
			h = hold_of(st, in->in_nodes[n].bn_name);
			l = sim_load(s, n);
			if (tried[n] || in->in_nodes[n].bn_maint || h == NULL ||
			    *h < in->in_set.hold ||
			    l - mean <= in->in_set.threshold)
				continue;
			if (from < 0 || l > top) {
				from = n;
				top = l;
			}
		}
		if (from < 0)
			break;
		if (!best_move(s, st, from, &vi, &ti)) {
			tried[from] = 1;
			continue;
		}
		before = sim_load(s, ti);
		emit(s, vi, ti, "load: node %s at %.2f, above the mean %.2f "
		    "by more than %.2f for %d rounds; node %s from %.2f to "
		    "%.2f", in->in_nodes[from].bn_name, top, mean,
		    in->in_set.threshold, *hold_of(st,
		    in->in_nodes[from].bn_name), in->in_nodes[ti].bn_name,
		    before, before + in->in_vms[vi].bv_load /
		    in->in_nodes[ti].bn_cap);
	}
}

/* Cooldowns count down a round; the moved VMs start theirs, and the
 * nodes they left or reached count their overload afresh (their
 * measured loads lag behind the move). */
static void
state_after(const struct sim *s, struct bal_state *st)
{
	const struct bal_move *m;
	int i, k, *h;

	for (i = 0; i < st->st_ncool; i++)
		if (--st->st_cool[i].left <= 0)
			st->st_cool[i--] = st->st_cool[--st->st_ncool];
	for (i = 0; i < s->n; i++) {
		m = &s->out[i];
		for (k = 0; k < st->st_ncool; k++)
			if (strcmp(st->st_cool[k].name, m->bm_vm) == 0)
				break;
		if (k == st->st_ncool && st->st_ncool < BAL_MAX_VMS)
			st->st_ncool++;
		if (k < st->st_ncool) {
			snprintf(st->st_cool[k].name, BAL_NAME, "%s",
			    m->bm_vm);
			st->st_cool[k].left = s->in->in_set.hold;
		}
		if ((h = hold_of(st, m->bm_from)) != NULL)
			*h = 0;
		if ((h = hold_of(st, m->bm_to)) != NULL)
			*h = 0;
	}
}

int
balance_plan(const struct bal_input *in, struct bal_state *st,
    struct bal_move *out, int max)
{
	struct sim s;

	if (!nodes_valid(in))
		return 0;
	sim_init(&s, in, out, max);
	hold_update(&s, st);
	drain(&s, st);
	if (in->in_set.mode != BAL_OFF) {
		mend_rules(&s, st);
		rebalance(&s, st);
	}
	state_after(&s, st);
	return s.n;
}

int
balance_place(const struct bal_input *in, const char *vm, double load,
    char *out, size_t len)
{
	struct sim s;
	int n;

	if (!nodes_valid(in))
		return 0;
	sim_init(&s, in, NULL, 0);
	if ((n = best_node(&s, vm, load, -1)) < 0)
		return 0;
	snprintf(out, len, "%s", in->in_nodes[n].bn_name);
	return 1;
}
