/*
 * balance.h - hvd's load balancer, the pure part: from the nodes (their
 * capacity and load), the running VMs (their load, node and whether they
 * may move) and the rules between them, the live migrations of one round
 * with their reasons, and the node a new VM goes to.  No I/O: the HA
 * manager's round (balance_run.c) gathers the input from etcd and queues
 * the moves; tests/check_balance.c drives this directly.  docs/balance.md
 * has the settings, the algorithm and what it never does.
 *
 * A node's load is (base + the loads of its running VMs) / capacity: in
 * `static` mode the VMs' configured vCPUs over the node's CPUs, in
 * `dynamic` mode the CPU the VMs' QEMUs used (cores) over the node's
 * CPUs.  A node is overloaded when its load exceeds the mean of the
 * nodes not in maintenance by more than `threshold`.
 */
#ifndef HVD_BALANCE_H
#define HVD_BALANCE_H

#include <cjson/cJSON.h>

#define BAL_NAME	64
#define BAL_MAX_NODES	64
#define BAL_MAX_VMS	512
#define BAL_MAX_RULES	64
#define BAL_RULE_MAX	16	/* VMs or nodes one rule names */
#define BAL_REASON	192

enum bal_mode { BAL_OFF, BAL_STATIC, BAL_DYNAMIC };

struct bal_settings {
	enum bal_mode	mode;
	double		threshold;	/* load above the mean that counts */
	int		hold;		/* rounds an overload must persist */
	double		margin;		/* least gain a move must bring */
	int		max_moves;	/* migrations queued per round */
	int		interval_s;	/* seconds between rounds */
};

/* A node that may hold VMs now (alive). */
struct bal_node {
	char	bn_name[BAL_NAME];
	double	bn_cap;		/* CPUs, > 0 */
	double	bn_base;	/* load of its own besides its VMs */
	int	bn_maint;	/* in maintenance: drained, takes nothing */
};

/* A running VM. */
struct bal_vm {
	char	bv_name[BAL_NAME];
	char	bv_node[BAL_NAME];
	double	bv_load;	/* vCPUs (static) or cores used (dynamic) */
	int	bv_pinned;	/* migrating, starting, locked, under HA
				 * recovery: never moved */
};

enum bal_rule_type {
	BAL_RULE_AFFINITY,	/* its VMs on one node */
	BAL_RULE_ANTI,		/* its VMs on distinct nodes */
	BAL_RULE_NODES,		/* its VMs only on its nodes */
};

struct bal_rule {
	char			br_name[BAL_NAME];
	enum bal_rule_type	br_type;
	int			br_nvms;
	char			br_vms[BAL_RULE_MAX][BAL_NAME];
	int			br_nnodes;
	char			br_nodes[BAL_RULE_MAX][BAL_NAME];
};

/* One round's input; the arrays belong to the caller. */
struct bal_input {
	struct bal_settings	 in_set;
	const struct bal_node	*in_nodes;
	int			 in_nnodes;
	const struct bal_vm	*in_vms;
	int			 in_nvms;
	const struct bal_rule	*in_rules;
	int			 in_nrules;
};

/* What the balancer remembers between rounds: for how many rounds in a
 * row each node was overloaded, and the VMs it moved lately (not moved
 * again for `hold` rounds).  Zero it to start. */
struct bal_state {
	struct {
		char	name[BAL_NAME];
		int	rounds;
	} st_hold[BAL_MAX_NODES];
	int	st_nhold;
	struct {
		char	name[BAL_NAME];
		int	left;
	} st_cool[BAL_MAX_VMS];
	int	st_ncool;
};

struct bal_move {
	char	bm_vm[BAL_NAME];
	char	bm_from[BAL_NAME];
	char	bm_to[BAL_NAME];
	char	bm_reason[BAL_REASON];
};

void balance_settings_default(struct bal_settings *s);
/* Parse and check settings JSON over s (unknown keys and ranges named).
 * 0, or -1 + err with s unchanged. */
int balance_settings_from_json(const cJSON *o, struct bal_settings *s,
    char *err);
/* s as JSON; caller frees. */
cJSON *balance_settings_json(const struct bal_settings *s);
const char *balance_mode_name(enum bal_mode m);

/* Parse and check a rule body {"name","type","vms":[...],"nodes":[...]}
 * into r; field (64 bytes) names the offending member.  0 or -1 + err. */
int balance_rule_from_json(const cJSON *o, struct bal_rule *r, char *field,
    char *err);
/* r as JSON; caller frees. */
cJSON *balance_rule_json(const struct bal_rule *r);

/* The moves of one round into out (room for max), state updated: the
 * VMs of nodes in maintenance, then VMs that break a rule (mode not
 * off), then moves off nodes overloaded for `hold` rounds (mode not
 * off); never more than max_moves.  Returns how many. */
int balance_plan(const struct bal_input *in, struct bal_state *st,
    struct bal_move *out, int max);
/* The node for a new VM of load `load` (named vm, for the rules): the
 * one not in maintenance, allowed by the rules, with the lowest load
 * once it runs there, then the name.  1 with out, 0 when none fits. */
int balance_place(const struct bal_input *in, const char *vm, double load,
    char *out, size_t len);
/* Settings from etcd (defaults when absent): 0, or -1 + err. */
struct etcd;
int balance_settings_load(struct etcd *e, struct bal_settings *s,
    char *err);

/* The balancer of a node (balance_run.c): a thread that publishes, every
 * interval_s, the CPU this node's VMs used (metrics m, may be NULL) for
 * the manager's round; the round itself runs in the HA manager's thread
 * (ha_set_balancer, ha_priv.h).  NULL + err on failure. */
struct balancer;
struct cluster;
struct hvd_config;
struct metrics;
struct vmops;
struct balancer *balance_start(const struct hvd_config *cf,
    struct cluster *cl, struct vmops *v, struct metrics *m, char *err);
/* Stop the thread; free.  Take it from HA first (ha_set_balancer). */
void balance_stop(struct balancer *b);
/* Where a new VM vm of vcpus should go when its creator named no node:
 * 1 with node (balance_place over the cluster as the balancer sees it),
 * or 0 when the balancer is off or cannot tell (the caller keeps its
 * default). */
int balance_place_new(struct etcd *e, const char *vm, int vcpus, char *node,
    size_t len);

/* Each node's load (in->in_nodes order) into load[]; their mean over
 * the nodes not in maintenance is returned (0 when none). */
double balance_loads(const struct bal_input *in, double *load);

#endif
