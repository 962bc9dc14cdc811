/*
 * balance_run.c - the load balancer at work (balance.h, docs/balance.md):
 * on every node a thread that publishes, each round, the CPU its VMs
 * used (from the node's own metrics rings) to etcd; on the HA manager's
 * node the round itself, called from the manager's tick with the HA
 * look it took, which reads the settings, rules, nodes in maintenance
 * and those summaries, asks balance_plan for the moves and queues each
 * as a live migration whose task log carries its reason.
 *
 * Why each node publishes a summary instead of the manager asking every
 * node's /api/v1/nodes/N/metrics: one small etcd write per node per
 * round, read back by the manager in one range read, against one HTTPS
 * request (with its TLS handshake) per node per round from the manager,
 * and a round that does not wait on a slow node.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/balance.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha_priv.h"
#include "platform/keys.h"
#include "platform/metrics.h"
#include "platform/task.h"
#include "platform/vmops.h"

#define BAL_MOVES_KEPT	20	/* moves the status record keeps */

struct balancer {
	struct hvd_config	 b_cf;
	struct cluster		*b_cl;
	struct vmops		*b_v;
	struct metrics		*b_m;
	pthread_t		 b_th;
	int			 b_started;
	pthread_mutex_t		 b_mu;
	int			 b_stop;	/* under b_mu */
	/* the manager's round only (the HA manager thread) */
	struct bal_state	 b_st;
	uint64_t		 b_last;	/* mono ns of the last round */
	struct bal_node		 b_nodes[BAL_MAX_NODES];
	struct bal_vm		 b_vms[BAL_MAX_VMS];
	struct bal_rule		 b_rules[BAL_MAX_RULES];
	struct bal_move		 b_moves[BAL_MAX_VMS];
	struct bal_input	 b_in;
	cJSON			*b_done;	/* the moves kept, newest last */
	char			 b_wait[64][TASK_ID_LEN]; /* moves in flight */
	int			 b_nwait;
};

int
balance_settings_load(struct etcd *e, struct bal_settings *s, char *err)
{
	struct bal_settings n;
	struct etcd_kv kv;
	cJSON *o;
	int r;

	balance_settings_default(&n);
	if ((r = etcd_get(e, KEY_BAL_SETTINGS, &kv, err)) < 0)
		return -1;
	if (r == 1) {
		o = json_parse_buf(kv.kv_val, kv.kv_len, err);
		etcd_kv_clear(&kv);
		if (o == NULL || balance_settings_from_json(o, &n, err) != 0) {
			cJSON_Delete(o);
			return err_prefix(err, "%s", KEY_BAL_SETTINGS);
		}
		cJSON_Delete(o);
	}
	*s = n;
	return 0;
}

/* --- every node: its load summary --- */

/* The mean of vm's QEMU CPU (cores) over the last secs seconds; -1 when
 * the rings hold none. */
static double
vm_cpu(struct metrics *m, const char *vm, int secs)
{
	struct mring_query q;
	const cJSON *s, *p, *pts;
	double sum = 0;
	int n = 0;
	cJSON *arr;

	q.q_now = (int64_t)(clock_wall_ns() / NS_PER_S);
	q.q_since = q.q_now - secs;
	q.q_step = 1;
	if ((arr = metrics_series_json(m, vm, &q, NULL)) == NULL)
		return -1;
	cJSON_ArrayForEach(s, arr) {
		if (strcmp(ha_jstr(s, "name", ""), "hvd_vm_cpu_seconds_total"))
			continue;
		pts = cJSON_GetObjectItemCaseSensitive(s, "points");
		cJSON_ArrayForEach(p, pts) {
			if (cJSON_GetArraySize(p) == 2 &&
			    cJSON_IsNumber(cJSON_GetArrayItem(p, 1))) {
				sum += cJSON_GetArrayItem(p, 1)->valuedouble;
				n++;
			}
		}
	}
	cJSON_Delete(arr);
	return n ? sum / n : -1;
}

/* KEY_BAL_LOAD/NODE = {"cpus", "t", "vms": {VM: cores}}: the VMs this
 * node runs, as its vmstate records say. */
static void
publish(struct balancer *b, struct etcd *e, int secs)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	char key[160], err[ERR_LEN], *txt;
	cJSON *o, *vms, *st;
	const char *vm;
	double c;

	if (etcd_list(e, KEY_VMSTATE, &kvs, &n, err) != 0) {
		log_warnx("balancer: %s", err);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "cpus", (double)sysconf(
	    _SC_NPROCESSORS_ONLN));
	cJSON_AddNumberToObject(o, "t", (double)(clock_wall_ns() / NS_PER_S));
	vms = cJSON_AddObjectToObject(o, "vms");
	for (i = 0; i < n; i++) {
		st = ha_kv_json(&kvs[i]);
		vm = kvs[i].kv_key + strlen(KEY_VMSTATE);
		if (strcmp(ha_jstr(st, "state", ""), "running") == 0 &&
		    strcmp(ha_jstr(st, "node", ""), b->b_cf.cf_node) == 0 &&
		    (c = vm_cpu(b->b_m, vm, secs)) >= 0)
			cJSON_AddNumberToObject(vms, vm, c);
		cJSON_Delete(st);
	}
	etcd_kvs_free(kvs, n);
	snprintf(key, sizeof(key), "%s%s", KEY_BAL_LOAD, b->b_cf.cf_node);
	if ((txt = cJSON_PrintUnformatted(o)) == NULL ||
	    etcd_put(e, key, txt, 0, err) != 0)
		log_warnx("balancer: %s: %s", key, txt ? err : "no memory");
	free(txt);
	cJSON_Delete(o);
}

static int
stopping(struct balancer *b)
{
	int s;

	pthread_mutex_lock(&b->b_mu);
	s = b->b_stop;
	pthread_mutex_unlock(&b->b_mu);
	return s;
}

static void *
balancer_main(void *arg)
{
	struct balancer *b = arg;
	struct bal_settings set;
	struct etcd *e;
	char err[ERR_LEN];
	uint64_t next = 0;

	balance_settings_default(&set);
	while (!stopping(b)) {
		clock_sleep_ns(200 * NS_PER_MS);
		if (clock_mono_ns() < next ||
		    cluster_state(b->b_cl) != CLUSTER_ACTIVE ||
		    (e = cluster_etcd(b->b_cl)) == NULL)
			continue;
		if (balance_settings_load(e, &set, err) != 0)
			log_warnx("balancer: %s", err);
		next = clock_mono_ns() + (uint64_t)set.interval_s * NS_PER_S;
		if (b->b_m != NULL)
			publish(b, e, set.interval_s);
	}
	return NULL;
}

struct balancer *
balance_start(const struct hvd_config *cf, struct cluster *cl,
    struct vmops *v, struct metrics *m, char *err)
{
	struct balancer *b;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	b->b_cf = *cf;
	b->b_cl = cl;
	b->b_v = v;
	b->b_m = m;
	b->b_done = cJSON_CreateArray();
	pthread_mutex_init(&b->b_mu, NULL);
	if (pthread_create(&b->b_th, NULL, balancer_main, b) != 0) {
		err_errno(err, "balancer thread");
		balance_stop(b);
		return NULL;
	}
	b->b_started = 1;
	return b;
}

void
balance_stop(struct balancer *b)
{
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->b_mu);
	b->b_stop = 1;
	pthread_mutex_unlock(&b->b_mu);
	if (b->b_started)
		pthread_join(b->b_th, NULL);
	pthread_mutex_destroy(&b->b_mu);
	cJSON_Delete(b->b_done);
	free(b);
}

/* --- the manager's round --- */

/* What a round reads besides the HA look. */
struct bal_look {
	struct etcd_kv	*load, *maint, *rules;
	size_t		 load_n, maint_n, rules_n;
};

static void
look_free(struct bal_look *l)
{
	etcd_kvs_free(l->load, l->load_n);
	etcd_kvs_free(l->maint, l->maint_n);
	etcd_kvs_free(l->rules, l->rules_n);
	memset(l, 0, sizeof(*l));
}

static int
look_take(struct etcd *e, struct bal_look *l, char *err)
{
	memset(l, 0, sizeof(*l));
	if (etcd_list(e, KEY_BAL_LOAD, &l->load, &l->load_n, err) != 0 ||
	    etcd_list(e, KEY_BAL_MAINT, &l->maint, &l->maint_n, err) != 0 ||
	    etcd_list(e, KEY_BAL_RULES, &l->rules, &l->rules_n, err) != 0) {
		look_free(l);
		return -1;
	}
	return 0;
}

/* The nodes that may hold VMs: node lease and a load summary (its
 * CPUs). */
static void
gather_nodes(struct balancer *b, const struct ha_snap *s,
    const struct bal_look *l)
{
	struct bal_input *in = &b->b_in;
	struct bal_node *nd;
	const char *nm;
	cJSON *o;
	size_t i;

	in->in_nnodes = 0;
	for (i = 0; i < s->nalive_n && in->in_nnodes < BAL_MAX_NODES; i++) {
		nm = s->nalive[i].kv_key + strlen(KEY_ALIVE);
		o = ha_kv_json(ha_kv_find(l->load, l->load_n, KEY_BAL_LOAD,
		    nm));
		if (ha_jint(o, "cpus", 0) > 0) {
			nd = &b->b_nodes[in->in_nnodes++];
			memset(nd, 0, sizeof(*nd));
			snprintf(nd->bn_name, sizeof(nd->bn_name), "%s", nm);
			nd->bn_cap = ha_jint(o, "cpus", 1);
			nd->bn_maint = ha_kv_find(l->maint, l->maint_n,
			    KEY_BAL_MAINT, nm) != NULL;
		}
		cJSON_Delete(o);
	}
}

/* vm's measured CPU from the newest summary that has it (a VM that just
 * moved is still in its old node's), 0 when none. */
static double
measured(const struct bal_look *l, const char *vm)
{
	double v = 0, t, best = -1;
	const cJSON *x;
	cJSON *o;
	size_t i;

	for (i = 0; i < l->load_n; i++) {
		o = ha_kv_json(&l->load[i]);
		x = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(o, "vms"), vm);
		t = ha_jint(o, "t", 0);
		if (cJSON_IsNumber(x) && t > best) {
			best = t;
			v = x->valuedouble;
		}
		cJSON_Delete(o);
	}
	return v;
}

/* 1 when an operation holds vm or HA is busy with it: never moved. */
static int
pinned(const struct ha_snap *s, const char *vm, const cJSON *rec)
{
	cJSON *st;
	enum ha_state hs;

	if (ha_kv_find(s->locks, s->locks_n, KEY_VM_LOCKS, vm) ||
	    cJSON_GetObjectItemCaseSensitive(rec, "migrating"))
		return 1;
	st = ha_kv_json(ha_kv_find(s->st, s->st_n, KEY_HA_STATUS, vm));
	hs = ha_state_of(ha_jstr(st, "state", ""));
	cJSON_Delete(st);
	return !(hs == HA_ST_NONE || hs == HA_ST_STARTED ||
	    hs == HA_ST_STOPPED || hs == HA_ST_DISABLED);
}

/* The running VMs, each with its load in the mode's terms. */
static void
gather_vms(struct balancer *b, const struct ha_snap *s,
    const struct bal_look *l)
{
	struct bal_input *in = &b->b_in;
	struct bal_vm *v;
	const char *nm, *node;
	cJSON *rec, *st;
	size_t i;

	in->in_nvms = 0;
	for (i = 0; i < s->vms_n && in->in_nvms < BAL_MAX_VMS; i++) {
		nm = s->vms[i].kv_key + strlen(KEY_VMS);
		rec = ha_kv_json(&s->vms[i]);
		st = ha_kv_json(ha_kv_find(s->vst, s->vst_n, KEY_VMSTATE, nm));
		node = ha_jstr(rec, "node", "");
		if (strcmp(ha_jstr(st, "state", ""), "running") == 0 &&
		    strcmp(ha_jstr(st, "node", ""), node) == 0) {
			v = &b->b_vms[in->in_nvms++];
			snprintf(v->bv_name, sizeof(v->bv_name), "%s", nm);
			snprintf(v->bv_node, sizeof(v->bv_node), "%s", node);
			v->bv_load = in->in_set.mode == BAL_DYNAMIC ?
			    measured(l, nm) : ha_jint(
			    cJSON_GetObjectItemCaseSensitive(rec, "config"),
			    "vcpus", 1);
			v->bv_pinned = pinned(s, nm, rec);
		}
		cJSON_Delete(st);
		cJSON_Delete(rec);
	}
}

/* A restricted HA group as a nodes rule for its resources. */
static void
group_rule(struct balancer *b, const struct ha_snap *s,
    const struct etcd_kv *gkv)
{
	struct bal_input *in = &b->b_in;
	const char *g = gkv->kv_key + strlen(KEY_HA_GROUPS);
	struct bal_rule *r = &b->b_rules[in->in_nrules];
	const cJSON *it, *rb;
	cJSON *grp = ha_kv_json(gkv), *res;
	size_t i;

	rb = cJSON_GetObjectItemCaseSensitive(grp, "restricted");
	memset(r, 0, sizeof(*r));
	if (cJSON_IsTrue(rb)) {
		snprintf(r->br_name, sizeof(r->br_name), "ha-group-%.50s", g);
		r->br_type = BAL_RULE_NODES;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(grp,
		    "nodes"))
			if (r->br_nnodes < BAL_RULE_MAX)
				snprintf(r->br_nodes[r->br_nnodes++],
				    BAL_NAME, "%s", it->string);
		for (i = 0; i < s->res_n && r->br_nvms < BAL_RULE_MAX; i++) {
			res = ha_kv_json(&s->res[i]);
			if (strcmp(ha_jstr(res, "group", ""), g) == 0)
				snprintf(r->br_vms[r->br_nvms++], BAL_NAME,
				    "%s", s->res[i].kv_key +
				    strlen(KEY_HA_RESOURCES));
			cJSON_Delete(res);
		}
	}
	cJSON_Delete(grp);
	if (r->br_nvms > 0 && r->br_nnodes > 0)
		in->in_nrules++;
}

/* The balancer's rules, then the restricted HA groups. */
static void
gather_rules(struct balancer *b, const struct ha_snap *s,
    const struct bal_look *l)
{
	struct bal_input *in = &b->b_in;
	char field[64], err[ERR_LEN];
	cJSON *o;
	size_t i;

	in->in_nrules = 0;
	for (i = 0; i < l->rules_n && in->in_nrules < BAL_MAX_RULES; i++) {
		o = ha_kv_json(&l->rules[i]);
		if (balance_rule_from_json(o, &b->b_rules[in->in_nrules],
		    field, err) == 0)
			in->in_nrules++;
		else
			log_warnx("balancer: %s: %s", l->rules[i].kv_key, err);
		cJSON_Delete(o);
	}
	for (i = 0; i < s->grp_n && in->in_nrules < BAL_MAX_RULES; i++)
		group_rule(b, s, &s->grp[i]);
}

/* Queue move m as a live migration; the reason goes into its task. */
static void
queue_move(struct balancer *b, const struct bal_move *m)
{
	struct vmops_call call = { NULL, 0, "", "" };
	char user[96], err[ERR_LEN], ts[40];
	cJSON *body = cJSON_CreateObject(), *d;

	snprintf(user, sizeof(user), "balancer@%s", b->b_cf.cf_node);
	call.vc_user = user;
	cJSON_AddStringToObject(body, "target", m->bm_to);
	cJSON_AddBoolToObject(body, "live", 1);
	cJSON_AddStringToObject(body, "reason", m->bm_reason);
	if (vmops_migrate(b->b_v, m->bm_vm, body, &call, err) != 0) {
		log_warnx("balancer: %s to %s: %s", m->bm_vm, m->bm_to, err);
		goto out;
	}
	log_info("balancer: %s from %s to %s (task %s): %s", m->bm_vm,
	    m->bm_from, m->bm_to, call.vc_id, m->bm_reason);
	d = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(d, "t", ts);
	cJSON_AddStringToObject(d, "vm", m->bm_vm);
	cJSON_AddStringToObject(d, "from", m->bm_from);
	cJSON_AddStringToObject(d, "to", m->bm_to);
	cJSON_AddStringToObject(d, "reason", m->bm_reason);
	cJSON_AddStringToObject(d, "task", call.vc_id);
	cJSON_AddItemToArray(b->b_done, d);
	if (b->b_nwait < 64)
		snprintf(b->b_wait[b->b_nwait++], TASK_ID_LEN, "%s",
		    call.vc_id);
	while (cJSON_GetArraySize(b->b_done) > BAL_MOVES_KEPT)
		cJSON_DeleteItemFromArray(b->b_done, 0);
out:
	cJSON_Delete(body);
}

/* KEY_BAL_STATUS: the round's loads, hold counts and the moves kept. */
static void
write_status(struct balancer *b, struct etcd *e)
{
	const struct bal_input *in = &b->b_in;
	double load[BAL_MAX_NODES], mean = balance_loads(in, load);
	cJSON *o = cJSON_CreateObject(), *arr, *n;
	char ts[40], err[ERR_LEN], *txt;
	int i, k, hold;

	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "t", ts);
	cJSON_AddStringToObject(o, "manager", b->b_cf.cf_node);
	cJSON_AddStringToObject(o, "mode", balance_mode_name(in->in_set.mode));
	cJSON_AddNumberToObject(o, "mean", mean);
	arr = cJSON_AddArrayToObject(o, "nodes");
	for (i = 0; i < in->in_nnodes; i++) {
		for (hold = 0, k = 0; k < b->b_st.st_nhold; k++)
			if (strcmp(b->b_st.st_hold[k].name,
			    in->in_nodes[i].bn_name) == 0)
				hold = b->b_st.st_hold[k].rounds;
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "name", in->in_nodes[i].bn_name);
		cJSON_AddNumberToObject(n, "load", load[i]);
		cJSON_AddNumberToObject(n, "cpus", in->in_nodes[i].bn_cap);
		cJSON_AddBoolToObject(n, "maintenance",
		    in->in_nodes[i].bn_maint);
		cJSON_AddNumberToObject(n, "hold", hold);
		cJSON_AddItemToArray(arr, n);
	}
	cJSON_AddItemToObject(o, "moves", cJSON_Duplicate(b->b_done, 1));
	if ((txt = cJSON_PrintUnformatted(o)) == NULL ||
	    etcd_put(e, KEY_BAL_STATUS, txt, 0, err) != 0)
		log_warnx("balancer: status: %s", txt ? err : "no memory");
	free(txt);
	cJSON_Delete(o);
}

/* 1 when the node that runs task id (UPID:NODE:...) holds its node
 * lease in the look s. */
static int
task_node_alive(const struct ha_snap *s, const char *id)
{
	char node[BAL_NAME];
	const char *p = id + 5, *end = strchr(p, ':');

	if (strncmp(id, "UPID:", 5) != 0 || end == NULL ||
	    (size_t)(end - p) >= sizeof(node))
		return 0;
	snprintf(node, sizeof(node), "%.*s", (int)(end - p), p);
	return ha_kv_find(s->nalive, s->nalive_n, KEY_ALIVE, node) != NULL;
}

/* 1 while a migration the last rounds queued is queued or running on a
 * live node: the loads measured meanwhile do not show it yet, and a
 * round would move another VM to the same node. */
static int
in_flight(struct balancer *b, struct etcd *e, const struct ha_snap *s)
{
	const char *st;
	cJSON *t;
	int i, r;

	for (i = 0; i < b->b_nwait; i++) {
		t = NULL;
		r = task_get(e, b->b_wait[i], &t, NULL);
		st = r == 1 ? ha_jstr(t, "state", "") : "";
		r = r < 0 || ((strcmp(st, "queued") == 0 ||
		    strcmp(st, "running") == 0) &&
		    task_node_alive(s, b->b_wait[i]));
		cJSON_Delete(t);
		if (r)
			return 1;
		memmove(b->b_wait[i], b->b_wait[i + 1], (size_t)(b->b_nwait -
		    i - 1) * TASK_ID_LEN);
		b->b_nwait--;
		i--;
	}
	return 0;
}

/* The round's input from the looks s and l. */
static void
gather(struct balancer *b, const struct ha_snap *s, const struct bal_look *l)
{
	struct bal_input *in = &b->b_in;

	in->in_nodes = b->b_nodes;
	in->in_vms = b->b_vms;
	in->in_rules = b->b_rules;
	gather_nodes(b, s, l);
	gather_vms(b, s, l);
	gather_rules(b, s, l);
}

int
balance_place_new(struct etcd *e, const char *vm, int vcpus, char *node,
    size_t len)
{
	struct balancer *b;
	struct ha_snap s;
	struct bal_look l;
	char err[ERR_LEN];
	int r = 0;

	/* a round's worth of arrays, for one placement */
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return 0;
	if (balance_settings_load(e, &b->b_in.in_set, err) != 0 ||
	    b->b_in.in_set.mode == BAL_OFF || ha_snap_take(e, &s, err) != 0)
		goto out;
	if (look_take(e, &l, err) == 0) {
		gather(b, &s, &l);
		r = balance_place(&b->b_in, vm, vcpus, node, len);
		look_free(&l);
	}
	ha_snap_free(&s);
out:
	free(b);
	return r;
}

void
balance_round(struct balancer *b, struct etcd *e, const struct ha_snap *s)
{
	struct bal_input *in = &b->b_in;
	struct bal_look l;
	char err[ERR_LEN];
	int n, i;

	if (b->b_last != 0 && clock_mono_ns() - b->b_last <
	    (uint64_t)in->in_set.interval_s * NS_PER_S)
		return;
	b->b_last = clock_mono_ns();
	if (in_flight(b, e, s))
		return;
	if (balance_settings_load(e, &in->in_set, err) != 0 ||
	    look_take(e, &l, err) != 0) {
		log_warnx("balancer: %s", err);
		return;
	}
	gather(b, s, &l);
	n = balance_plan(in, &b->b_st, b->b_moves, BAL_MAX_VMS);
	for (i = 0; i < n; i++)
		queue_move(b, &b->b_moves[i]);
	write_status(b, e);
	look_free(&l);
}
