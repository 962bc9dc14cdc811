/*
 * check_balance.c - hvd's load balancer, the pure part
 * (platform/balance.c): which VMs one round moves and why, over rounds
 * (hold, cooldown, no ping-pong), under the rules and maintenance, the
 * placement of a new VM, and the settings and rules as JSON.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "err.h"
#include "json.h"
#include "platform/balance.h"

/* A cluster under test: nodes n1.. of 2 CPUs, VMs and rules. */
struct cl {
	struct bal_node		nodes[8];
	struct bal_vm		vms[16];
	struct bal_rule		rules[4];
	struct bal_input	in;
	struct bal_state	st;
	struct bal_move		mv[16];
};

static void
cl_init(struct cl *c, int nnodes, enum bal_mode mode, int hold)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < nnodes; i++) {
		snprintf(c->nodes[i].bn_name, BAL_NAME, "n%d", i + 1);
		c->nodes[i].bn_cap = 2;
	}
	balance_settings_default(&c->in.in_set);
	c->in.in_set.mode = mode;
	c->in.in_set.hold = hold;
	c->in.in_set.max_moves = 8;
	c->in.in_nodes = c->nodes;
	c->in.in_nnodes = nnodes;
	c->in.in_vms = c->vms;
	c->in.in_rules = c->rules;
}

static struct bal_vm *
cl_vm(struct cl *c, const char *name, const char *node, double load)
{
	struct bal_vm *v = &c->vms[c->in.in_nvms++];

	snprintf(v->bv_name, BAL_NAME, "%s", name);
	snprintf(v->bv_node, BAL_NAME, "%s", node);
	v->bv_load = load;
	return v;
}

static void
cl_rule(struct cl *c, enum bal_rule_type t, const char *a, const char *b)
{
	struct bal_rule *r = &c->rules[c->in.in_nrules++];

	snprintf(r->br_name, BAL_NAME, "r%d", c->in.in_nrules);
	r->br_type = t;
	snprintf(r->br_vms[0], BAL_NAME, "%s", a);
	snprintf(r->br_vms[1], BAL_NAME, "%s", b);
	r->br_nvms = 2;
}

/* One round; the moves are applied to the VMs (as if each migration
 * finished before the next round).  Returns how many. */
static int
cl_round(struct cl *c)
{
	int n = balance_plan(&c->in, &c->st, c->mv, 16), i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < c->in.in_nvms; k++)
			if (strcmp(c->vms[k].bv_name, c->mv[i].bm_vm) == 0)
				snprintf(c->vms[k].bv_node, BAL_NAME, "%s",
				    c->mv[i].bm_to);
	return n;
}

static const char *
node_of(const struct cl *c, const char *vm)
{
	int k;

	for (k = 0; k < c->in.in_nvms; k++)
		if (strcmp(c->vms[k].bv_name, vm) == 0)
			return c->vms[k].bv_node;
	return "?";
}

/* Three busy VMs on n1 of three nodes. */
static void
cl_busy3(struct cl *c, int hold)
{
	cl_init(c, 3, BAL_DYNAMIC, hold);
	cl_vm(c, "a", "n1", 0.66);
	cl_vm(c, "b", "n1", 0.66);
	cl_vm(c, "c", "n1", 0.66);
}

START_TEST(overloaded_moves_to_least_loaded)
{
	struct cl c;
	double load[8], mean;
	int n, i;

	cl_busy3(&c, 1);
	n = cl_round(&c);
	ck_assert_msg(n == 2, "three busy VMs on one of three nodes: two "
	    "move (%d did)", n);
	ck_assert_msg(strcmp(c.mv[0].bm_from, "n1") == 0 &&
	    strcmp(c.mv[1].bm_from, "n1") == 0, "the moves leave n1");
	ck_assert_msg(strcmp(c.mv[0].bm_to, c.mv[1].bm_to) != 0,
	    "the second move goes to the other idle node, not the first "
	    "one's target");
	ck_assert_msg(strstr(c.mv[0].bm_reason, "load: node n1 at 0.99, "
	    "above the mean 0.33") != NULL && strstr(c.mv[0].bm_reason,
	    "node n2 from 0.00 to 0.33") != NULL, "the reason names the "
	    "overloaded node and the target's load before and after: %s",
	    c.mv[0].bm_reason);
	mean = balance_loads(&c.in, load);
	for (i = 0; i < 3; i++)
		ck_assert_msg(load[i] - mean <= c.in.in_set.threshold,
		    "after the round no node is above the mean by more than "
		    "the threshold (n%d at %.2f, mean %.2f)", i + 1, load[i],
		    mean);
	for (i = 0; i < 10; i++)
		ck_assert_msg(cl_round(&c) == 0, "a balanced cluster moves "
		    "nothing more (round %d)", i);
}
END_TEST

START_TEST(equal_nodes_never_move)
{
	struct cl c;
	int hold, r, moves;

	for (hold = 1; hold <= 5; hold++) {
		cl_init(&c, 2, BAL_DYNAMIC, hold);
		c.in.in_set.threshold = 0.01;
		c.in.in_set.margin = 0;
		cl_vm(&c, "a", "n1", 0.9);
		cl_vm(&c, "b", "n2", 0.9);
		cl_vm(&c, "c", "n1", 0.3);
		cl_vm(&c, "d", "n2", 0.3);
		for (moves = 0, r = 0; r < 20; r++)
			moves += cl_round(&c);
		ck_assert_msg(moves == 0, "two equally loaded nodes: no "
		    "move in 20 rounds with hold %d (%d moves)", hold, moves);
	}
}
END_TEST

START_TEST(one_vm_does_not_pingpong)
{
	struct cl c;
	int r, moves;

	/* one busy VM on two nodes: whichever node holds it is above the
	 * mean, but moving it only swaps the roles */
	cl_init(&c, 2, BAL_DYNAMIC, 1);
	c.in.in_set.threshold = 0.05;
	cl_vm(&c, "a", "n1", 1.0);
	for (moves = 0, r = 0; r < 20; r++)
		moves += cl_round(&c);
	ck_assert_msg(moves == 0, "a move that only swaps two nodes' loads "
	    "is never taken (%d moves)", moves);
}
END_TEST

START_TEST(hold_counts_rounds)
{
	struct cl c;
	int r;

	cl_busy3(&c, 3);
	ck_assert_msg(cl_round(&c) == 0, "hold 3: no move in round 1");
	ck_assert_msg(cl_round(&c) == 0, "hold 3: no move in round 2");
	ck_assert_msg(cl_round(&c) == 2, "hold 3: the moves in round 3");
	/* an overload that goes away resets the count */
	cl_busy3(&c, 3);
	cl_round(&c);
	cl_round(&c);
	c.vms[1].bv_load = c.vms[2].bv_load = 0.05;
	ck_assert_msg(cl_round(&c) == 0, "no overload in round 3: no move");
	c.vms[1].bv_load = c.vms[2].bv_load = 0.66;
	for (r = 0; r < 2; r++)
		ck_assert_msg(cl_round(&c) == 0, "the count starts again "
		    "(round %d after)", r + 1);
	ck_assert_int_eq(cl_round(&c), 2);
	/* rounds with the balancer off do not count */
	cl_busy3(&c, 2);
	c.in.in_set.mode = BAL_OFF;
	cl_round(&c);
	cl_round(&c);
	c.in.in_set.mode = BAL_DYNAMIC;
	ck_assert_msg(cl_round(&c) == 0, "the first round after turning it "
	    "on waits for hold");
	ck_assert_int_eq(cl_round(&c), 2);
}
END_TEST

START_TEST(margin_stops_marginal_moves)
{
	struct cl c;

	/* n1 at 0.60, n2 at 0.10, n3 at 0.10: moving the 0.5-core VM
	 * (0.25) leaves n2 at 0.35, 0.25 below n1's 0.60 */
	cl_init(&c, 3, BAL_DYNAMIC, 1);
	c.in.in_set.threshold = 0.2;
	cl_vm(&c, "a", "n1", 0.7);
	cl_vm(&c, "b", "n1", 0.5);
	cl_vm(&c, "c", "n2", 0.2);
	cl_vm(&c, "d", "n3", 0.2);
	c.in.in_set.margin = 0.3;
	ck_assert_msg(balance_plan(&c.in, &c.st, c.mv, 16) == 0,
	    "margin 0.3: no move gains that much");
	memset(&c.st, 0, sizeof(c.st));
	c.in.in_set.margin = 0.1;
	ck_assert_msg(balance_plan(&c.in, &c.st, c.mv, 16) == 1,
	    "margin 0.1: one move");
	ck_assert_str_eq(c.mv[0].bm_vm, "b");
}
END_TEST

START_TEST(max_moves_caps)
{
	struct cl c;

	cl_busy3(&c, 1);
	c.in.in_set.max_moves = 1;
	ck_assert_msg(cl_round(&c) == 1, "max_moves 1: one move a round");
	cl_init(&c, 3, BAL_DYNAMIC, 1);
	c.nodes[0].bn_maint = 1;
	cl_vm(&c, "a", "n1", 0.1);
	cl_vm(&c, "b", "n1", 0.1);
	cl_vm(&c, "c", "n1", 0.1);
	c.in.in_set.max_moves = 2;
	ck_assert_msg(cl_round(&c) == 2, "a drain is capped too");
	ck_assert_msg(cl_round(&c) == 1, "the rest of the drain next round");
	/* one incoming migration per node and round */
	cl_init(&c, 2, BAL_DYNAMIC, 1);
	c.nodes[0].bn_maint = 1;
	cl_vm(&c, "a", "n1", 0.1);
	cl_vm(&c, "b", "n1", 0.1);
	ck_assert_msg(cl_round(&c) == 1, "two VMs for one node: one a round");
	ck_assert_msg(cl_round(&c) == 1, "the second the round after");
}
END_TEST

START_TEST(anti_affinity_apart)
{
	struct cl c;

	cl_init(&c, 3, BAL_DYNAMIC, 1);
	cl_vm(&c, "a", "n1", 0.1);
	cl_vm(&c, "b", "n1", 0.1);
	cl_vm(&c, "x", "n2", 1.2);
	cl_rule(&c, BAL_RULE_ANTI, "a", "b");
	ck_assert_int_eq(cl_round(&c), 1);
	ck_assert_msg(strcmp(c.mv[0].bm_vm, "b") == 0 &&
	    strcmp(c.mv[0].bm_to, "n3") == 0, "b leaves a, for the idle n3 "
	    "(%s to %s)", c.mv[0].bm_vm, c.mv[0].bm_to);
	ck_assert_msg(strstr(c.mv[0].bm_reason, "anti-affinity") != NULL,
	    "the reason says anti-affinity: %s", c.mv[0].bm_reason);
	/* a load move never joins them */
	cl_busy3(&c, 1);
	cl_vm(&c, "d", "n2", 0.1);
	cl_vm(&c, "e", "n3", 0.1);
	cl_rule(&c, BAL_RULE_ANTI, "a", "d");
	cl_rule(&c, BAL_RULE_ANTI, "a", "e");
	cl_round(&c);
	ck_assert_str_eq(node_of(&c, "a"), "n1");
}
END_TEST

START_TEST(affinity_together)
{
	struct cl c;
	int r;

	cl_busy3(&c, 1);
	cl_rule(&c, BAL_RULE_AFFINITY, "a", "b");
	for (r = 0; r < 5; r++)
		cl_round(&c);
	ck_assert_msg(strcmp(node_of(&c, "a"), node_of(&c, "b")) == 0,
	    "a and b stay together (%s, %s)", node_of(&c, "a"),
	    node_of(&c, "b"));
	ck_assert_msg(strcmp(node_of(&c, "c"), "n1") != 0,
	    "c, free of rules, moves off n1");
	/* apart: the later one joins the first */
	cl_init(&c, 3, BAL_DYNAMIC, 1);
	cl_vm(&c, "a", "n1", 0.1);
	cl_vm(&c, "b", "n2", 0.1);
	cl_rule(&c, BAL_RULE_AFFINITY, "a", "b");
	ck_assert_int_eq(cl_round(&c), 1);
	ck_assert_msg(strcmp(c.mv[0].bm_vm, "b") == 0 &&
	    strcmp(c.mv[0].bm_to, "n1") == 0, "b joins a on n1");
	ck_assert_msg(strstr(c.mv[0].bm_reason, "affinity: with VM a") !=
	    NULL, "the reason: %s", c.mv[0].bm_reason);
}
END_TEST

START_TEST(node_rule_respected)
{
	struct cl c;
	struct bal_rule *r;

	cl_busy3(&c, 1);
	r = &c.rules[c.in.in_nrules++];
	snprintf(r->br_name, BAL_NAME, "only12");
	r->br_type = BAL_RULE_NODES;
	r->br_nvms = 3;
	snprintf(r->br_vms[0], BAL_NAME, "a");
	snprintf(r->br_vms[1], BAL_NAME, "b");
	snprintf(r->br_vms[2], BAL_NAME, "c");
	r->br_nnodes = 2;
	snprintf(r->br_nodes[0], BAL_NAME, "n1");
	snprintf(r->br_nodes[1], BAL_NAME, "n2");
	ck_assert_int_eq(cl_round(&c), 1);
	ck_assert_msg(strcmp(c.mv[0].bm_to, "n2") == 0, "the only move goes "
	    "to n2: n3 is not among the VMs' nodes");
}
END_TEST

START_TEST(pinned_never_moved)
{
	struct cl c;
	int r, moves = 0;

	cl_busy3(&c, 1);
	c.vms[0].bv_pinned = c.vms[1].bv_pinned = c.vms[2].bv_pinned = 1;
	for (r = 0; r < 5; r++)
		moves += cl_round(&c);
	ck_assert_msg(moves == 0, "migrating, starting or recovering VMs "
	    "are never moved");
	cl_init(&c, 2, BAL_DYNAMIC, 1);
	c.nodes[0].bn_maint = 1;
	cl_vm(&c, "a", "n1", 0.1)->bv_pinned = 1;
	ck_assert_msg(cl_round(&c) == 0, "not even off a node in "
	    "maintenance");
}
END_TEST

START_TEST(maintenance_drained)
{
	struct cl c;
	int r;

	cl_init(&c, 3, BAL_OFF, 3);
	c.nodes[1].bn_maint = 1;
	cl_vm(&c, "a", "n2", 0.5);
	cl_vm(&c, "b", "n2", 0.5);
	cl_vm(&c, "c", "n1", 0.5);
	ck_assert_msg(cl_round(&c) == 2, "a node in maintenance is drained "
	    "at once, whatever the mode and hold");
	ck_assert_msg(strstr(c.mv[0].bm_reason, "maintenance") != NULL,
	    "the reason: %s", c.mv[0].bm_reason);
	ck_assert_str_eq(node_of(&c, "a"), "n3");
	ck_assert_msg(strcmp(node_of(&c, "b"), "n2") != 0, "b left n2");
	c.in.in_set.mode = BAL_DYNAMIC;
	c.in.in_set.threshold = 0.01;
	for (r = 0; r < 5; r++) {
		cl_round(&c);
		ck_assert_msg(strcmp(node_of(&c, "a"), "n2") != 0 &&
		    strcmp(node_of(&c, "b"), "n2") != 0 &&
		    strcmp(node_of(&c, "c"), "n2") != 0, "nothing moves to "
		    "a node in maintenance");
	}
}
END_TEST

START_TEST(place_by_free_capacity)
{
	struct cl c;
	char node[BAL_NAME];

	cl_init(&c, 3, BAL_STATIC, 1);
	c.nodes[2].bn_cap = 8;
	cl_vm(&c, "a", "n1", 1);
	cl_vm(&c, "b", "n3", 2);
	ck_assert_int_eq(balance_place(&c.in, "new", 1, node, sizeof(node)),
	    1);
	ck_assert_msg(strcmp(node, "n3") == 0, "the node with the most "
	    "room (n3: 3 of 8) wins over an empty small one (%s)", node);
	cl_rule(&c, BAL_RULE_ANTI, "new", "b");
	balance_place(&c.in, "new", 1, node, sizeof(node));
	ck_assert_msg(strcmp(node, "n2") == 0, "anti-affinity with b keeps "
	    "it off n3 (%s)", node);
	c.nodes[1].bn_maint = 1;
	balance_place(&c.in, "new", 1, node, sizeof(node));
	ck_assert_msg(strcmp(node, "n1") == 0, "not on a node in "
	    "maintenance (%s)", node);
	c.nodes[0].bn_maint = 1;
	ck_assert_msg(balance_place(&c.in, "new", 1, node, sizeof(node)) ==
	    0, "no node fits");
}
END_TEST

/* ---- JSON ---- */

static const struct {
	const char	*json;
	const char	*msg;		/* NULL: valid */
} settings_cases[] = {
	{ "{\"mode\":\"dynamic\",\"threshold\":0.2,\"hold\":2}", NULL },
	{ "{\"mode\":\"fast\"}", "'mode' must be off, static or dynamic" },
	{ "{\"hold\":0}", "'hold' must be a whole number 1..100" },
	{ "{\"hold\":1.5}", "'hold' must be a whole number" },
	{ "{\"threshold\":0}", "'threshold' must be a number 0.01..10" },
	{ "{\"max_moves\":100}", "'max_moves' must be a whole number 1..64" },
	{ "{\"interval_s\":1}", "'interval_s' must be a whole number 2..3600" },
	{ "{\"margins\":0.1}", "margins" },
	{ "[]", "not an object" },
};

START_TEST(settings_json)
{
	struct bal_settings s;
	char err[ERR_LEN];
	cJSON *o;
	int r;

	balance_settings_default(&s);
	o = cJSON_Parse(settings_cases[_i].json);
	r = balance_settings_from_json(o, &s, err);
	cJSON_Delete(o);
	if (settings_cases[_i].msg == NULL) {
		ck_assert_msg(r == 0, "%s is valid: %s",
		    settings_cases[_i].json, err);
		ck_assert(s.mode == BAL_DYNAMIC && s.hold == 2);
	} else {
		ck_assert_msg(r == -1 && strstr(err, settings_cases[_i].msg),
		    "%s is refused with \"%s\" (got \"%s\")",
		    settings_cases[_i].json, settings_cases[_i].msg, err);
		ck_assert_msg(s.mode == BAL_OFF && s.hold == 3,
		    "a refused change leaves the settings as they were");
	}
}
END_TEST

static const struct {
	const char	*json;
	const char	*field;		/* NULL: valid */
} rule_cases[] = {
	{ "{\"name\":\"web\",\"type\":\"anti-affinity\",\"vms\":[\"a\",\"b\"]}",
	    NULL },
	{ "{\"name\":\"db\",\"type\":\"nodes\",\"vms\":[\"a\"],"
	    "\"nodes\":[\"n1\"]}", NULL },
	{ "{\"type\":\"affinity\",\"vms\":[\"a\",\"b\"]}", "name" },
	{ "{\"name\":\"x\",\"type\":\"near\",\"vms\":[\"a\",\"b\"]}", "type" },
	{ "{\"name\":\"x\",\"type\":\"affinity\",\"vms\":[\"a\"]}", "vms" },
	{ "{\"name\":\"x\",\"type\":\"affinity\",\"vms\":[\"a\",\"a\"]}",
	    "vms" },
	{ "{\"name\":\"x\",\"type\":\"affinity\",\"vms\":[\"a\",\"b c\"]}",
	    "vms" },
	{ "{\"name\":\"x\",\"type\":\"nodes\",\"vms\":[\"a\"]}", "nodes" },
	{ "{\"name\":\"x\",\"type\":\"affinity\",\"vms\":[\"a\",\"b\"],"
	    "\"nodes\":[\"n1\"]}", "nodes" },
	{ "{\"name\":\"x\",\"type\":\"affinity\",\"vm\":[\"a\",\"b\"]}", "vm" },
};

START_TEST(rule_json)
{
	struct bal_rule r;
	char err[ERR_LEN], field[64], *txt;
	cJSON *o, *back;
	int rc;

	o = cJSON_Parse(rule_cases[_i].json);
	rc = balance_rule_from_json(o, &r, field, err);
	if (rule_cases[_i].field == NULL) {
		ck_assert_msg(rc == 0, "%s is valid: %s", rule_cases[_i].json,
		    err);
		back = balance_rule_json(&r);
		txt = cJSON_PrintUnformatted(back);
		ck_assert_msg(cJSON_Compare(o, back, 1), "a rule reads back "
		    "as it was written (%s)", txt);
		cJSON_free(txt);
		cJSON_Delete(back);
	} else {
		ck_assert_msg(rc == -1 && strcmp(field, rule_cases[_i].field)
		    == 0, "%s is refused naming '%s' (got '%s': %s)",
		    rule_cases[_i].json, rule_cases[_i].field, field, err);
	}
	cJSON_Delete(o);
}
END_TEST

Suite *
make_balance_suite(void)
{
	Suite *s = suite_create("balance");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, overloaded_moves_to_least_loaded);
	tcase_add_test(tc, equal_nodes_never_move);
	tcase_add_test(tc, one_vm_does_not_pingpong);
	tcase_add_test(tc, hold_counts_rounds);
	tcase_add_test(tc, margin_stops_marginal_moves);
	tcase_add_test(tc, max_moves_caps);
	tcase_add_test(tc, anti_affinity_apart);
	tcase_add_test(tc, affinity_together);
	tcase_add_test(tc, node_rule_respected);
	tcase_add_test(tc, pinned_never_moved);
	tcase_add_test(tc, maintenance_drained);
	tcase_add_test(tc, place_by_free_capacity);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_loop_test(tc, settings_json, 0,
	    sizeof(settings_cases) / sizeof(settings_cases[0]));
	tcase_add_loop_test(tc, rule_json, 0,
	    sizeof(rule_cases) / sizeof(rule_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
