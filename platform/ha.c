/*
 * ha.c - high availability in hvd (see ha.h, docs/ha.md): the HA object
 * and its life, the settings, the checks of a resource body, the choice
 * of a node for a VM, the names of the HA states and one look at the
 * cluster's HA keys.  The node's lease and the watchdog feed are in
 * ha_lease.c, the manager's decisions in ha_manager.c, the /api/v1/ha
 * endpoints in api_ha.c.
 *
 * Two threads.  The lease thread keeps this node's HA lease and feeds
 * the watchdog; the manager thread competes for the manager's seat and,
 * while it holds it, recovers the HA VMs of nodes whose lease is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha.h"
#include "platform/ha_priv.h"
#include "platform/keys.h"
#include "platform/vmops.h"

#define HA_DEF_TTL	6
#define HA_DEF_RENEW	500
#define HA_DEF_FENCE	4.0
#define HA_DEF_MARGIN	1.0

static const struct {
	enum ha_state	 state;
	const char	*name;
} ha_state_names[] = {
	{ HA_ST_NONE,		"" },
	{ HA_ST_STARTED,	"started" },
	{ HA_ST_STOPPED,	"stopped" },
	{ HA_ST_DISABLED,	"disabled" },
	{ HA_ST_STARTING,	"starting" },
	{ HA_ST_STOPPING,	"stopping" },
	{ HA_ST_FENCE,		"fence" },
	{ HA_ST_RECOVERING,	"recovering" },
	{ HA_ST_ERROR,		"error" },
	{ HA_ST_UNKNOWN,	"unknown" },
};

enum ha_state
ha_state_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ha_state_names) / sizeof(ha_state_names[0]); i++)
		if (strcmp(name, ha_state_names[i].name) == 0)
			return ha_state_names[i].state;
	return HA_ST_UNKNOWN;
}

const char *
ha_state_name(enum ha_state s)
{
	size_t i;

	for (i = 0; i < sizeof(ha_state_names) / sizeof(ha_state_names[0]); i++)
		if (ha_state_names[i].state == s)
			return ha_state_names[i].name;
	return "unknown";
}

int
ha_stopping(struct ha *h)
{
	int s;

	pthread_mutex_lock(&h->h_mu);
	s = h->h_stop;
	pthread_mutex_unlock(&h->h_mu);
	return s;
}

int
ha_nap(struct ha *h, long ms)
{
	while (ms > 0) {
		clock_sleep_ns((uint64_t)(ms > 100 ? 100 : ms) * NS_PER_MS);
		ms -= 100;
		if (ha_stopping(h))
			return 1;
	}
	return ha_stopping(h);
}

/* --- settings --- */

void
ha_settings_default(struct ha_settings *s)
{
	s->lease_ttl_s = HA_DEF_TTL;
	s->renew_ms = HA_DEF_RENEW;
	s->fence_s = HA_DEF_FENCE;
	s->margin_s = HA_DEF_MARGIN;
	s->fencing = HA_FENCE_WATCHDOG;
}

static const char *const ha_fencing_names[] = {
	[HA_FENCE_WATCHDOG] = "watchdog",
	[HA_FENCE_BMC] = "bmc",
	[HA_FENCE_BOTH] = "both",
};

const char *
ha_fencing_name(enum ha_fencing f)
{
	return (size_t)f < sizeof(ha_fencing_names) /
	    sizeof(ha_fencing_names[0]) ? ha_fencing_names[f] : "?";
}

/* The "fencing" member, when there, into *f. */
static int
fencing_from_json(const cJSON *o, enum ha_fencing *f, char *err)
{
	const char *v = NULL;
	size_t i;

	if (json_get_string(o, "fencing", JSON_OPTIONAL, &v, err) != 0)
		return -1;
	if (v == NULL)
		return 0;
	for (i = 0; i < sizeof(ha_fencing_names) /
	    sizeof(ha_fencing_names[0]); i++)
		if (strcmp(v, ha_fencing_names[i]) == 0) {
			*f = (enum ha_fencing)i;
			return 0;
		}
	return err_set(err, "'fencing' must be watchdog, bmc or both, not "
	    "'%.32s'", v);
}

int
ha_settings_from_json(const cJSON *o, struct ha_settings *s, char *err)
{
	static const char *const keys[] = { "lease_ttl_s", "renew_ms",
	    "fence_s", "margin_s", "fencing", NULL };
	const char *bad = NULL;
	struct ha_settings n = *s;
	int64_t i;
	double d;

	if (!cJSON_IsObject(o))
		return err_set(err, "HA settings: not an object");
	if (json_check_keys(o, keys, &bad, err) != 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, "lease_ttl_s")) {
		if (json_get_int(o, "lease_ttl_s", JSON_REQUIRED, &i, err) != 0)
			return -1;
		if (i < 2 || i > 600)
			return err_set(err, "'lease_ttl_s' must be 2..600");
		n.lease_ttl_s = (int)i;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "renew_ms")) {
		if (json_get_int(o, "renew_ms", JSON_REQUIRED, &i, err) != 0)
			return -1;
		if (i < 100 || i > 60000)
			return err_set(err, "'renew_ms' must be 100..60000");
		n.renew_ms = (int)i;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "fence_s")) {
		if (json_get_double(o, "fence_s", JSON_REQUIRED, &d, err) != 0)
			return -1;
		if (d < 0.5 || d > 600)
			return err_set(err, "'fence_s' must be 0.5..600");
		n.fence_s = d;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "margin_s")) {
		if (json_get_double(o, "margin_s", JSON_REQUIRED, &d, err) != 0)
			return -1;
		if (d < 0 || d > 600)
			return err_set(err, "'margin_s' must be 0..600");
		n.margin_s = d;
	}
	if (fencing_from_json(o, &n.fencing, err) != 0)
		return -1;
	/* The watchdog must fire a full second (kill time, etcd leader
	 * change) before etcd may expire the lease. */
	if (n.fence_s + 1.0 > (double)n.lease_ttl_s)
		return err_set(err, "'fence_s' (%.1f) must be at least 1 s "
		    "below 'lease_ttl_s' (%d)", n.fence_s, n.lease_ttl_s);
	if ((double)n.renew_ms / 1000.0 * 2 > n.fence_s)
		return err_set(err, "'renew_ms' (%d) must allow two renewals "
		    "within 'fence_s' (%.1f)", n.renew_ms, n.fence_s);
	*s = n;
	return 0;
}

cJSON *
ha_settings_json(const struct ha_settings *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "lease_ttl_s", s->lease_ttl_s);
	cJSON_AddNumberToObject(o, "renew_ms", s->renew_ms);
	cJSON_AddNumberToObject(o, "fence_s", s->fence_s);
	cJSON_AddNumberToObject(o, "margin_s", s->margin_s);
	cJSON_AddStringToObject(o, "fencing", ha_fencing_name(s->fencing));
	return o;
}

int
ha_settings_load(struct etcd *e, struct ha_settings *s, char *err)
{
	struct ha_settings n;
	struct etcd_kv kv;
	cJSON *o;
	int r;

	/* Into a copy: a read that fails leaves *s as it was. */
	ha_settings_default(&n);
	if ((r = etcd_get(e, KEY_HA_SETTINGS, &kv, err)) < 0)
		return -1;
	if (r == 0) {
		*s = n;
		return 0;
	}
	o = json_parse_buf(kv.kv_val, kv.kv_len, err);
	etcd_kv_clear(&kv);
	if (o == NULL)
		return -1;
	r = ha_settings_from_json(o, &n, err);
	cJSON_Delete(o);
	if (r == 0)
		*s = n;
	return r;
}

long
ha_keepalive_timeout_ms(uint64_t fed_ns, double fence_s, int renew_ms,
    uint64_t now_ns)
{
	long floor_ms = renew_ms * 2L < 1000 ? 1000 : renew_ms * 2L;
	double left_ms;

	if (fed_ns == 0)
		return floor_ms;
	left_ms = ((double)fed_ns + fence_s * 1e9 - (double)now_ns) / 1e6 -
	    250.0;
	return left_ms > (double)floor_ms ? (long)left_ms : floor_ms;
}

/* --- resources and placement --- */

int
ha_group_check(const cJSON *o, char *field, char *err)
{
	static const char *const keys[] = { "name", "nodes", "restricted",
	    NULL };
	const char *name = NULL, *bad = NULL;
	const cJSON *nodes = NULL, *it;
	int rb = 0;

	field[0] = '\0';
	if (!cJSON_IsObject(o)) {
		snprintf(field, 64, "name");
		return err_set(err, "'name' is required");
	}
	if (json_check_keys(o, keys, &bad, err) != 0) {
		snprintf(field, 64, "%s", bad ? bad : "");
		return -1;
	}
	snprintf(field, 64, "name");
	if (json_get_string(o, "name", JSON_REQUIRED, &name, err) != 0 ||
	    !cluster_valid_name(name))
		return err_set(err, "bad or missing 'name'");
	snprintf(field, 64, "nodes");
	if (json_get_object(o, "nodes", JSON_REQUIRED, &nodes, err) != 0 ||
	    cJSON_GetArraySize(nodes) == 0)
		return err_set(err, "'nodes' must be an object "
		    "{\"NODE\": PRIORITY, ...} with at least one node");
	cJSON_ArrayForEach(it, nodes) {
		if (!cluster_valid_name(it->string) || !cJSON_IsNumber(it) ||
		    it->valuedouble < 0 || it->valuedouble > 1000)
			return err_set(err, "node '%s': the priority must be "
			    "a number 0..1000", it->string);
	}
	snprintf(field, 64, "restricted");
	if (json_get_bool(o, "restricted", JSON_OPTIONAL, &rb, err) != 0)
		return -1;
	field[0] = '\0';
	return 0;
}

int
ha_resource_check(const cJSON *o, char *field, char *err)
{
	static const char *const keys[] = { "vm", "group", "max_restart",
	    "max_relocate", "state", NULL };
	const char *bad = NULL, *s;
	enum ha_state want;
	int64_t i;

	field[0] = '\0';
	if (!cJSON_IsObject(o))
		return err_set(err, "the body must be an object");
	if (json_check_keys(o, keys, &bad, err) != 0) {
		snprintf(field, 64, "%s", bad ? bad : "");
		return -1;
	}
	s = NULL;
	if (json_get_string(o, "group", JSON_OPTIONAL, &s, err) != 0 ||
	    (s && *s && !cluster_valid_name(s))) {
		snprintf(field, 64, "group");
		return s ? err_set(err, "bad group name '%s'", s) : -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "max_restart")) {
		if (json_get_int(o, "max_restart", JSON_REQUIRED, &i, err) != 0
		    || i < 0 || i > 100) {
			snprintf(field, 64, "max_restart");
			return err_set(err, "'max_restart' must be 0..100");
		}
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "max_relocate")) {
		if (json_get_int(o, "max_relocate", JSON_REQUIRED, &i, err) !=
		    0 || i < 0 || i > 100) {
			snprintf(field, 64, "max_relocate");
			return err_set(err, "'max_relocate' must be 0..100");
		}
	}
	s = NULL;
	if (json_get_string(o, "state", JSON_OPTIONAL, &s, err) != 0) {
		snprintf(field, 64, "state");
		return -1;
	}
	if (s) {
		want = ha_state_of(s);
		if (want != HA_ST_STARTED && want != HA_ST_STOPPED &&
		    want != HA_ST_DISABLED) {
			snprintf(field, 64, "state");
			return err_set(err, "'state' must be started, stopped "
			    "or disabled");
		}
	}
	return 0;
}

int
ha_pick_node(const char *const alive[], const int load[],
    const cJSON *group, const char *exclude, char *out, size_t len)
{
	const cJSON *nodes = NULL, *p;
	int i, best = -1, restricted = 0;
	double prio, bprio = 0;

	if (group) {
		nodes = cJSON_GetObjectItemCaseSensitive(group, "nodes");
		restricted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    group, "restricted"));
	}
	for (i = 0; alive[i] != NULL; i++) {
		if (exclude && strcmp(alive[i], exclude) == 0)
			continue;
		prio = 0;
		if (cJSON_IsObject(nodes)) {
			p = cJSON_GetObjectItemCaseSensitive(nodes, alive[i]);
			if (cJSON_IsNumber(p))
				prio = p->valuedouble;
			else if (restricted)
				continue;
			else
				prio = -1;
		}
		if (best < 0 || prio > bprio || (prio == bprio &&
		    (load[i] < load[best] || (load[i] == load[best] &&
		    strcmp(alive[i], alive[best]) < 0)))) {
			best = i;
			bprio = prio;
		}
	}
	if (best < 0)
		return 0;
	snprintf(out, len, "%s", alive[best]);
	return 1;
}

/* --- one look at the cluster --- */

void
ha_snap_free(struct ha_snap *s)
{
	etcd_kvs_free(s->alive, s->alive_n);
	etcd_kvs_free(s->nalive, s->nalive_n);
	etcd_kvs_free(s->res, s->res_n);
	etcd_kvs_free(s->vms, s->vms_n);
	etcd_kvs_free(s->vst, s->vst_n);
	etcd_kvs_free(s->st, s->st_n);
	etcd_kvs_free(s->grp, s->grp_n);
	etcd_kvs_free(s->locks, s->locks_n);
	etcd_kvs_free(s->fed, s->fed_n);
	memset(s, 0, sizeof(*s));
}

int
ha_snap_take(struct etcd *e, struct ha_snap *s, char *err)
{
	memset(s, 0, sizeof(*s));
	if (etcd_list(e, KEY_HA_ALIVE, &s->alive, &s->alive_n, err) != 0 ||
	    etcd_list(e, KEY_ALIVE, &s->nalive, &s->nalive_n, err) != 0 ||
	    etcd_list(e, KEY_HA_RESOURCES, &s->res, &s->res_n, err) != 0 ||
	    etcd_list(e, KEY_VMS, &s->vms, &s->vms_n, err) != 0 ||
	    etcd_list(e, KEY_VMSTATE, &s->vst, &s->vst_n, err) != 0 ||
	    etcd_list(e, KEY_HA_STATUS, &s->st, &s->st_n, err) != 0 ||
	    etcd_list(e, KEY_HA_GROUPS, &s->grp, &s->grp_n, err) != 0 ||
	    etcd_list(e, KEY_VM_LOCKS, &s->locks, &s->locks_n, err) != 0 ||
	    etcd_list(e, KEY_HA_FED, &s->fed, &s->fed_n, err) != 0) {
		ha_snap_free(s);
		return -1;
	}
	return 0;
}

struct etcd_kv *
ha_kv_find(struct etcd_kv *kvs, size_t n, const char *prefix,
    const char *name)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < n; i++)
		if (strncmp(kvs[i].kv_key, prefix, pl) == 0 &&
		    strcmp(kvs[i].kv_key + pl, name) == 0)
			return &kvs[i];
	return NULL;
}

cJSON *
ha_kv_json(const struct etcd_kv *kv)
{
	return kv ? json_parse_buf(kv->kv_val, kv->kv_len, NULL) : NULL;
}

const char *
ha_jstr(const cJSON *o, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

int
ha_jint(const cJSON *o, const char *key, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valueint : def;
}

int
ha_node_alive(const struct ha_snap *s, const char *node)
{
	return ha_kv_find(s->alive, s->alive_n, KEY_HA_ALIVE, node) != NULL;
}

int
ha_node_guarded(const struct ha_snap *s, const char *node, const char *vm)
{
	cJSON *o = ha_kv_json(ha_kv_find(s->fed, s->fed_n, KEY_HA_FED, node));
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "vms"), *x;
	int have = 0;

	cJSON_ArrayForEach(x, a)
		if (cJSON_IsString(x) && strcmp(x->valuestring, vm) == 0)
			have = 1;
	cJSON_Delete(o);
	return have;
}

/* --- life --- */

void
ha_set_balancer(struct ha *h, struct balancer *b)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->h_bal_mu);
	h->h_bal = b;
	pthread_mutex_unlock(&h->h_bal_mu);
}

struct ha *
ha_new(const struct hvd_config *cf, struct cluster *cl, struct vmops *v,
    char *err)
{
	struct ha *h;
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	h->h_cf = *cf;
	h->h_cl = cl;
	h->h_v = v;
	pthread_mutex_init(&h->h_mu, NULL);
	pthread_mutex_init(&h->h_pub_mu, NULL);
	pthread_mutex_init(&h->h_bal_mu, NULL);
	ha_settings_default(&h->h_set);
	snprintf(h->h_feed, sizeof(h->h_feed), "%s/ha-feed", cf->cf_run_dir);
	snprintf(h->h_wd_pid, sizeof(h->h_wd_pid), "%s/hvd-watchdog.pid",
	    cf->cf_run_dir);
	snprintf(h->h_wd_log, sizeof(h->h_wd_log), "%s/hvd-watchdog.log",
	    cf->cf_run_dir);
	/* the watchdog sits next to hvd, or $HVD_WATCHDOG */
	if (getenv("HVD_WATCHDOG") && *getenv("HVD_WATCHDOG"))
		snprintf(h->h_wd_bin, sizeof(h->h_wd_bin), "%s",
		    getenv("HVD_WATCHDOG"));
	else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(h->h_wd_bin, sizeof(h->h_wd_bin), "%.*s/hvd-watchdog",
		    (int)(sizeof(h->h_wd_bin) - 16), exe);
	} else
		snprintf(h->h_wd_bin, sizeof(h->h_wd_bin), "hvd-watchdog");
	if (pthread_create(&h->h_lease_th, NULL, ha_lease_main, h) != 0) {
		err_errno(err, "HA lease thread");
		goto fail;
	}
	if (v != NULL)
		vmops_set_start_hook(v, ha_start_guard, h);
	h->h_lease_started = 1;
	if (pthread_create(&h->h_aux_th, NULL, ha_aux_main, h) != 0) {
		err_errno(err, "HA lease companion thread");
		goto fail;
	}
	h->h_aux_started = 1;
	if (pthread_create(&h->h_mgr_th, NULL, ha_manager_main, h) != 0) {
		err_errno(err, "HA manager thread");
		goto fail;
	}
	h->h_mgr_started = 1;
	return h;
fail:
	ha_free(h);
	return NULL;
}

void
ha_free(struct ha *h)
{
	if (h == NULL)
		return;
	if (h->h_v != NULL)
		vmops_set_start_hook(h->h_v, NULL, NULL);
	pthread_mutex_lock(&h->h_mu);
	h->h_stop = 1;
	pthread_mutex_unlock(&h->h_mu);
	if (h->h_lease_started)
		pthread_join(h->h_lease_th, NULL);
	if (h->h_aux_started)
		pthread_join(h->h_aux_th, NULL);
	if (h->h_mgr_started)
		pthread_join(h->h_mgr_th, NULL);
	/* the HA lease is left to expire: see ha.h */
	pthread_mutex_destroy(&h->h_mu);
	pthread_mutex_destroy(&h->h_pub_mu);
	pthread_mutex_destroy(&h->h_bal_mu);
	free(h);
}
