/*
 * ha.c - high availability: the node's HA lease and watchdog feed, the HA
 * manager, and the /api/v1/ha endpoints (see ha.h, docs/ha.md).
 *
 * Two threads.  The lease thread keeps this node's HA lease
 * (/hvd/ha/alive/NODE) and, after every renewal etcd acknowledged, writes
 * the watchdog's feed file with deadline = (monotonic time the renewal was
 * SENT) + fence_s: etcd counts the TTL from a later moment (when its
 * leader handled the request), so the watchdog always fires before etcd
 * can expire the lease.  The manager thread competes for /hvd/ha/manager
 * (create-if-absent, attached to its HA lease); the holder compares the
 * HA resources with the VM records and the nodes' HA leases each tick.
 * A VM whose owner's lease is gone is recovered only after margin_s more
 * (as seen by this manager, from its first look at the missing lease), by
 * a compare-and-swap claim of the VM's HA status, a compare-and-swap move
 * of its record to the chosen node and an ordinary start task there
 * (vmops_action).  Every step goes into the status record's log with its
 * wall time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha.h"
#include "platform/keys.h"
#include "platform/task.h"
#include "platform/vmops.h"

#define HA_DEF_TTL	6
#define HA_DEF_RENEW	500
#define HA_DEF_FENCE	4.0
#define HA_DEF_MARGIN	1.0


#define HA_MAX_NAMES	256
#define HA_NAME		64
#define HA_LOG_MAX	40

struct ha_mem {			/* manager memory, per node or resource */
	char	 m_name[HA_NAME];
	uint64_t m_first;	/* mono ns of the first look */
	int64_t	 m_rev;		/* for resources: the status revision */
};

struct ha {
	struct hvd_config	 h_cf;
	struct cluster		*h_cl;
	struct vmops		*h_v;
	pthread_t		 h_lease_th, h_mgr_th;
	int			 h_lease_started, h_mgr_started;
	pthread_mutex_t		 h_mu;
	int			 h_stop;	/* under h_mu */
	int64_t			 h_lease;	/* under h_mu */
	struct ha_settings	 h_set;		/* under h_mu */
	/* The feed's contents, under h_mu (the lease thread and the start
	 * guard, which runs in VM tasks, both write the feed): */
	char			 h_vms[HA_MAX_NAMES][HA_NAME];
	int			 h_nvms;
	unsigned		 h_names_gen;	/* +1 per name the guard adds */
	uint64_t		 h_fed_ns;	/* last renewal sent, 0: none */
	double			 h_fed_fence_s;
	char			 h_feed[PATH_MAX];
	char			 h_wd_pid[PATH_MAX];
	char			 h_wd_log[PATH_MAX];
	char			 h_wd_bin[PATH_MAX];
	/* manager thread only */
	int			 h_leader;
	struct ha_mem		 h_dead[HA_MAX_NAMES];
	int			 h_ndead;
	struct ha_mem		 h_stuck[HA_MAX_NAMES];
	int			 h_nstuck;
};

static int
stopping(struct ha *h)
{
	int s;

	pthread_mutex_lock(&h->h_mu);
	s = h->h_stop;
	pthread_mutex_unlock(&h->h_mu);
	return s;
}

/* Sleep ms in short steps; 1 when asked to stop. */
static int
nap(struct ha *h, long ms)
{
	while (ms > 0) {
		clock_sleep_ns((uint64_t)(ms > 100 ? 100 : ms) * NS_PER_MS);
		ms -= 100;
		if (stopping(h))
			return 1;
	}
	return stopping(h);
}

/* --- settings --- */

void
ha_settings_default(struct ha_settings *s)
{
	s->lease_ttl_s = HA_DEF_TTL;
	s->renew_ms = HA_DEF_RENEW;
	s->fence_s = HA_DEF_FENCE;
	s->margin_s = HA_DEF_MARGIN;
}

int
ha_settings_from_json(const cJSON *o, struct ha_settings *s, char *err)
{
	static const char *const keys[] = { "lease_ttl_s", "renew_ms",
	    "fence_s", "margin_s", NULL };
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

static cJSON *
settings_json(const struct ha_settings *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "lease_ttl_s", s->lease_ttl_s);
	cJSON_AddNumberToObject(o, "renew_ms", s->renew_ms);
	cJSON_AddNumberToObject(o, "fence_s", s->fence_s);
	cJSON_AddNumberToObject(o, "margin_s", s->margin_s);
	return o;
}

/* Settings from etcd (defaults when absent); 0 or -1. */
static int
settings_load(struct etcd *e, struct ha_settings *s, char *err)
{
	struct etcd_kv kv;
	cJSON *o;
	int r;

	ha_settings_default(s);
	if ((r = etcd_get(e, KEY_HA_SETTINGS, &kv, err)) <= 0)
		return r;
	o = json_parse_buf(kv.kv_val, kv.kv_len, err);
	etcd_kv_clear(&kv);
	if (o == NULL)
		return -1;
	r = ha_settings_from_json(o, s, err);
	cJSON_Delete(o);
	return r;
}

/* --- resources and placement --- */

static const char *const ha_states[] = { "started", "stopped", "disabled",
    NULL };

int
ha_resource_check(const cJSON *o, char *field, char *err)
{
	static const char *const keys[] = { "vm", "group", "max_restart",
	    "max_relocate", "state", NULL };
	const char *bad = NULL, *s;
	int64_t i;
	int k, ok;

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
		for (ok = 0, k = 0; ha_states[k]; k++)
			if (strcmp(s, ha_states[k]) == 0)
				ok = 1;
		if (!ok) {
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

/* --- the lease thread and the watchdog feed --- */

static int
wd_running(struct ha *h)
{
	char path[64], buf[256];
	FILE *f;
	long pid = 0;
	ssize_t n;
	int fd;

	if ((f = fopen(h->h_wd_pid, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "hvd-watchdog") != NULL;
}

/* Start the watchdog unless it runs: detached, so it outlives hvd. */
static int
wd_spawn(struct ha *h, char *err)
{
	pid_t pid;
	int fd;

	if (wd_running(h))
		return 0;
	if (access(h->h_wd_bin, X_OK) != 0)
		return err_errno(err, "HA watchdog %s", h->h_wd_bin);
	if ((pid = fork()) == -1)
		return err_errno(err, "fork");
	if (pid == 0) {
		setsid();
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		if ((fd = open(h->h_wd_log, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		/* a second fork: not hvd's child (no zombie, no reaping) */
		if (fork() != 0)
			_exit(0);
		execl(h->h_wd_bin, "hvd-watchdog", "-f", h->h_feed, "-p",
		    h->h_wd_pid, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	log_info("HA: watchdog %s started (feed %s)", h->h_wd_bin, h->h_feed);
	return 0;
}

static void
feed_write(struct ha *h, uint64_t sent_ns, double fence_s)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", h->h_feed);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("HA feed %s", tmp);
		return;
	}
	fprintf(f, "hvd-watchdog-feed 1\nfed_mono_ns %" PRIu64 "\n"
	    "deadline_mono_ns %" PRIu64 "\nhvd_pid %d\nvm_dir %s\n", sent_ns,
	    sent_ns + (uint64_t)(fence_s * 1e9), (int)getpid(),
	    h->h_cf.cf_vm_dir);
	for (i = 0; i < h->h_nvms; i++)
		fprintf(f, "vm %s\n", h->h_vms[i]);
	if (fclose(f) != 0 || rename(tmp, h->h_feed) != 0)
		log_warn("HA feed %s", h->h_feed);
}

/* A grant or renewal sent at sent_ns succeeded: the feed says so. */
static void
fed(struct ha *h, uint64_t sent_ns, double fence_s)
{
	pthread_mutex_lock(&h->h_mu);
	h->h_fed_ns = sent_ns;
	h->h_fed_fence_s = fence_s;
	feed_write(h, sent_ns, fence_s);
	pthread_mutex_unlock(&h->h_mu);
}

/* The names of every HA resource (kept on failure).  When the start
 * guard added a name while the list was read, the list may predate it:
 * keep the names as they are until the next pass. */
static void
names_refresh(struct ha *h, struct etcd *e)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	unsigned gen;

	pthread_mutex_lock(&h->h_mu);
	gen = h->h_names_gen;
	pthread_mutex_unlock(&h->h_mu);
	if (etcd_list(e, KEY_HA_RESOURCES, &kvs, &n, NULL) != 0)
		return;
	pthread_mutex_lock(&h->h_mu);
	if (gen == h->h_names_gen) {
		h->h_nvms = 0;
		for (i = 0; i < n && h->h_nvms < HA_MAX_NAMES; i++)
			snprintf(h->h_vms[h->h_nvms++], HA_NAME, "%s",
			    kvs[i].kv_key + strlen(KEY_HA_RESOURCES));
	}
	pthread_mutex_unlock(&h->h_mu);
	etcd_kvs_free(kvs, n);
}

/*
 * vmops' start hook: before a QEMU starts here for an HA resource (a
 * start or a migration's target), this node must hold its HA lease and
 * the watchdog must run with the VM in its feed.  Otherwise an hvd that
 * dies in the next moments (before the lease thread's next pass put the
 * VM in the feed: up to 2 s) leaves a QEMU nobody fences while the
 * manager restarts the VM elsewhere: two copies.
 */
static int
start_guard(void *arg, const char *vm, char *err)
{
	struct ha *h = arg;
	struct etcd_kv kv;
	char key[160];
	uint64_t now;
	int r, i, have = 0, rc = -1;

	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, vm);
	r = etcd_get(cluster_etcd(h->h_cl), key, &kv, err);
	if (r < 0)
		return err_prefix(err, "HA: is %s an HA resource", vm);
	etcd_kv_clear(&kv);
	if (r == 0)
		return 0;
	pthread_mutex_lock(&h->h_mu);
	now = clock_mono_ns();
	if (h->h_lease == 0 || h->h_fed_ns == 0) {
		err_set(err, "HA: %s is an HA resource and this node holds no "
		    "HA lease yet: not started here", vm);
		goto out;
	}
	if (now >= h->h_fed_ns + (uint64_t)(h->h_fed_fence_s * 1e9)) {
		err_set(err, "HA: %s is an HA resource and this node's HA "
		    "lease renewal is late (the watchdog would fence it): not "
		    "started here", vm);
		goto out;
	}
	for (i = 0; i < h->h_nvms && !have; i++)
		have = strcmp(h->h_vms[i], vm) == 0;
	if (!have) {
		if (h->h_nvms >= HA_MAX_NAMES) {
			err_set(err, "HA: more than %d HA resources",
			    HA_MAX_NAMES);
			goto out;
		}
		snprintf(h->h_vms[h->h_nvms++], HA_NAME, "%s", vm);
		h->h_names_gen++;
	}
	feed_write(h, h->h_fed_ns, h->h_fed_fence_s);
	if (wd_spawn(h, err) != 0)
		goto out;
	rc = 0;
out:
	pthread_mutex_unlock(&h->h_mu);
	return rc;
}

/*
 * The lease thread has its own etcd client with a short timeout: a
 * renewal stuck behind an etcd leader change must not hold the next one
 * back for the default 5 s (every node would miss its fence deadline).
 */
static struct etcd *
lease_etcd(struct ha *h, int renew_ms, char *err)
{
	char url[64];
	long tmo = renew_ms * 2L;

	if (tmo < 1000)
		tmo = 1000;
	if (tmo > 2000)
		tmo = 2000;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d",
	    h->h_cf.cf_etcd_client_port);
	return etcd_new(url, tmo, err);
}

static void *
lease_main(void *arg)
{
	struct ha *h = arg;
	struct etcd *e = NULL;
	struct ha_settings s;
	char err[ERR_LEN], key[128], val[160], ts[40];
	uint64_t sent, last_names = 0, last_set = 0;
	int64_t lease, ttl;
	long period;

	ha_settings_default(&s);
	while (!stopping(h)) {
		if (cluster_state(h->h_cl) != CLUSTER_ACTIVE) {
			nap(h, 200);
			continue;
		}
		if (e == NULL && (e = lease_etcd(h, s.renew_ms, err)) == NULL) {
			log_warnx("HA lease: %s", err);
			nap(h, 1000);
			continue;
		}
		pthread_mutex_lock(&h->h_mu);
		lease = h->h_lease;
		pthread_mutex_unlock(&h->h_mu);
		if (lease == 0 || clock_mono_ns() - last_set > 10 * NS_PER_S) {
			if (settings_load(e, &s, err) != 0)
				log_warnx("HA settings: %s (defaults kept)",
				    err);
			last_set = clock_mono_ns();
			pthread_mutex_lock(&h->h_mu);
			h->h_set = s;
			pthread_mutex_unlock(&h->h_mu);
		}
		period = s.renew_ms;
		sent = clock_mono_ns();
		if (lease == 0) {
			if (etcd_lease_grant(e, s.lease_ttl_s, &lease,
			    err) != 0) {
				log_warnx("HA lease: %s", err);
				lease = 0;
			} else {
				snprintf(key, sizeof(key), "%s%s", KEY_HA_ALIVE,
				    h->h_cf.cf_node);
				clock_format_wall(clock_wall_ns(), ts,
				    sizeof(ts));
				snprintf(val, sizeof(val), "{\"since\":\"%s\","
				    "\"pid\":%d}", ts, (int)getpid());
				if (etcd_put(e, key, val, lease, err) != 0) {
					log_warnx("HA lease: %s", err);
					etcd_lease_revoke(e, lease, NULL);
					lease = 0;
				} else {
					log_info("HA lease %" PRId64 " granted "
					    "(ttl %d s, fence %.1f s)", lease,
					    s.lease_ttl_s, s.fence_s);
					fed(h, sent, s.fence_s);
				}
			}
		} else {
			ttl = etcd_lease_keepalive(e, lease, err);
			if (ttl > 0)
				fed(h, sent, s.fence_s);
			else if (ttl < 0)
				log_warnx("HA lease keepalive: %s", err);
			else {
				log_warnx("HA lease %" PRId64 " expired",
				    lease);
				lease = 0;
				period = 0;
			}
		}
		pthread_mutex_lock(&h->h_mu);
		h->h_lease = lease;
		if (lease == 0)
			h->h_fed_ns = 0;
		pthread_mutex_unlock(&h->h_mu);
		if (lease != 0 && clock_mono_ns() - last_names > 2 * NS_PER_S) {
			names_refresh(h, e);
			last_names = clock_mono_ns();
			pthread_mutex_lock(&h->h_mu);
			if (h->h_nvms > 0 && wd_spawn(h, err) != 0)
				log_warnx("%s", err);
			pthread_mutex_unlock(&h->h_mu);
		}
		period -= (long)((clock_mono_ns() - sent) / NS_PER_MS);
		if (period > 0)
			nap(h, period);
	}
	etcd_free(e);
	return NULL;
}

/* --- the manager --- */

struct snap {			/* one look at the cluster */
	struct etcd_kv	*alive, *nalive, *res, *vms, *vst, *st, *grp,
			*locks;
	size_t		 nalive_n, alive_n, res_n, vms_n, vst_n, st_n, grp_n,
			 locks_n;
};

static void
snap_free(struct snap *s)
{
	etcd_kvs_free(s->alive, s->alive_n);
	etcd_kvs_free(s->nalive, s->nalive_n);
	etcd_kvs_free(s->res, s->res_n);
	etcd_kvs_free(s->vms, s->vms_n);
	etcd_kvs_free(s->vst, s->vst_n);
	etcd_kvs_free(s->st, s->st_n);
	etcd_kvs_free(s->grp, s->grp_n);
	etcd_kvs_free(s->locks, s->locks_n);
	memset(s, 0, sizeof(*s));
}

static int
snap_take(struct etcd *e, struct snap *s, char *err)
{
	memset(s, 0, sizeof(*s));
	if (etcd_list(e, KEY_HA_ALIVE, &s->alive, &s->alive_n, err) != 0 ||
	    etcd_list(e, KEY_ALIVE, &s->nalive, &s->nalive_n, err) != 0 ||
	    etcd_list(e, KEY_HA_RESOURCES, &s->res, &s->res_n, err) != 0 ||
	    etcd_list(e, KEY_VMS, &s->vms, &s->vms_n, err) != 0 ||
	    etcd_list(e, KEY_VMSTATE, &s->vst, &s->vst_n, err) != 0 ||
	    etcd_list(e, KEY_HA_STATUS, &s->st, &s->st_n, err) != 0 ||
	    etcd_list(e, KEY_HA_GROUPS, &s->grp, &s->grp_n, err) != 0 ||
	    etcd_list(e, KEY_VM_LOCKS, &s->locks, &s->locks_n, err) != 0) {
		snap_free(s);
		return -1;
	}
	return 0;
}

static struct etcd_kv *
kv_find(struct etcd_kv *kvs, size_t n, const char *prefix, const char *name)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < n; i++)
		if (strncmp(kvs[i].kv_key, prefix, pl) == 0 &&
		    strcmp(kvs[i].kv_key + pl, name) == 0)
			return &kvs[i];
	return NULL;
}

static cJSON *
kv_json(const struct etcd_kv *kv)
{
	return kv ? json_parse_buf(kv->kv_val, kv->kv_len, NULL) : NULL;
}

static const char *
jstr(const cJSON *o, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

static int
jint(const cJSON *o, const char *key, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valueint : def;
}

static int
node_ha_alive(const struct snap *s, const char *node)
{
	return kv_find(s->alive, s->alive_n, KEY_HA_ALIVE, node) != NULL;
}

static struct ha_mem *
mem_find(struct ha_mem *m, int *n, const char *name, int create)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(m[i].m_name, name) == 0)
			return &m[i];
	if (!create || *n >= HA_MAX_NAMES)
		return NULL;
	memset(&m[*n], 0, sizeof(m[*n]));
	snprintf(m[*n].m_name, HA_NAME, "%s", name);
	m[*n].m_first = clock_mono_ns();
	return &m[(*n)++];
}

static void
mem_drop(struct ha_mem *m, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(m[i].m_name, name) == 0) {
			m[i] = m[--(*n)];
			return;
		}
}

/* Append {"t","ev",extra...} to st's log (kept to HA_LOG_MAX). */
static void
st_log(cJSON *st, const char *ev, const char *k1, const char *v1,
    const char *k2, const char *v2)
{
	cJSON *log = cJSON_GetObjectItemCaseSensitive(st, "log"), *e;
	char ts[40];

	if (!cJSON_IsArray(log)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "log");
		log = cJSON_AddArrayToObject(st, "log");
	}
	while (cJSON_GetArraySize(log) >= HA_LOG_MAX)
		cJSON_DeleteItemFromArray(log, 0);
	e = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(e, "t", ts);
	cJSON_AddStringToObject(e, "ev", ev);
	if (k1 && v1)
		cJSON_AddStringToObject(e, k1, v1);
	if (k2 && v2)
		cJSON_AddStringToObject(e, k2, v2);
	cJSON_AddItemToArray(log, e);
}

static void
st_set(cJSON *st, const char *key, const char *val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(st, key);
	if (val)
		cJSON_AddStringToObject(st, key, val);
}

static void
st_setn(cJSON *st, const char *key, int val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(st, key);
	cJSON_AddNumberToObject(st, key, val);
}

/* Write status for vm: create when rev == 0, else compare-and-swap.
 * 1 written, 0 someone changed it, -1 error. */
static int
st_write(struct etcd *e, const char *vm, const cJSON *st, int64_t rev)
{
	char key[128], err[ERR_LEN], *s;
	int r;

	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, vm);
	if ((s = cJSON_PrintUnformatted(st)) == NULL)
		return -1;
	r = rev == 0 ? etcd_create(e, key, s, 0, err) :
	    etcd_cas(e, key, s, rev, err);
	free(s);
	if (r < 0)
		log_warnx("HA %s: status: %s", vm, err);
	return r;
}

/* Queue a start of vm on its (new) owner; fills id.  0 or -1. */
static int
queue_start(struct ha *h, const char *vm, char id[TASK_ID_LEN], char *err)
{
	char field[64], user[96];
	int status = 0;

	snprintf(user, sizeof(user), "ha-manager@%s", h->h_cf.cf_node);
	return vmops_action(h->h_v, vm, "start", NULL, user, id, &status,
	    field, err);
}

/* Move vm's record to target (compare-and-swap), mark it stopped there
 * and drop a lock held for the dead owner.  1 moved, 0 changed
 * meanwhile, -1 error. */
static int
move_vm(struct ha *h, struct etcd *e, const struct snap *s, const char *vm,
    const struct etcd_kv *rkv, const char *from, const char *target,
    char *err)
{
	char key[128], ts[40], *txt;
	cJSON *rec, *o;
	struct etcd_kv *lk;
	int r;

	(void)h;
	if ((rec = kv_json(rkv)) == NULL)
		return err_set(err, "VM %s: unreadable record", vm);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "node");
	cJSON_AddStringToObject(rec, "node", target);
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, vm);
	txt = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (txt == NULL)
		return err_set(err, "out of memory");
	r = etcd_cas(e, key, txt, rkv->kv_mod_rev, err);
	free(txt);
	if (r != 1)
		return r;
	o = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "state", "stopped");
	cJSON_AddStringToObject(o, "node", target);
	cJSON_AddStringToObject(o, "since", ts);
	cJSON_AddStringToObject(o, "by", "ha");
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	snprintf(key, sizeof(key), "%s%s", KEY_VMSTATE, vm);
	if (txt == NULL || etcd_put(e, key, txt, 0, err) != 0) {
		free(txt);
		return -1;
	}
	free(txt);
	if ((lk = kv_find(s->locks, s->locks_n, KEY_VM_LOCKS, vm)) != NULL) {
		cJSON *l = kv_json(lk);

		if (strcmp(jstr(l, "node", ""), from) == 0)
			etcd_delete_if(e, lk->kv_key, lk->kv_mod_rev, NULL);
		cJSON_Delete(l);
	}
	return 1;
}

/* The nodes that may take a VM: HA lease and node lease alive.  names
 * is NULL-terminated; load counts running VMs. */
static int
candidates(const struct snap *s, const char **names, int *load, int max)
{
	size_t i, j;
	int n = 0;
	const char *nm;
	cJSON *o;

	for (i = 0; i < s->alive_n && n < max - 1; i++) {
		nm = s->alive[i].kv_key + strlen(KEY_HA_ALIVE);
		if (!kv_find(s->nalive, s->nalive_n, KEY_ALIVE, nm))
			continue;
		names[n] = nm;
		load[n] = 0;
		for (j = 0; j < s->vst_n; j++) {
			o = kv_json(&s->vst[j]);
			if (strcmp(jstr(o, "state", ""), "running") == 0 &&
			    strcmp(jstr(o, "node", ""), nm) == 0)
				load[n]++;
			cJSON_Delete(o);
		}
		n++;
	}
	names[n] = NULL;
	return n;
}

/* Pick, claim, move and start: one recovery or relocation step. */
static void
relocate(struct ha *h, struct etcd *e, const struct snap *s,
    const char *vm, const cJSON *res, const struct etcd_kv *rkv,
    const char *from, const char *exclude, cJSON *st, int64_t strev,
    const char *why)
{
	const char *names[HA_MAX_NAMES + 1];
	int load[HA_MAX_NAMES + 1];
	char target[HA_NAME], err[ERR_LEN], id[TASK_ID_LEN];
	cJSON *grp = NULL;
	const char *gname = jstr(res, "group", "");
	int r;

	candidates(s, names, load, HA_MAX_NAMES + 1);
	if (*gname)
		grp = kv_json(kv_find(s->grp, s->grp_n, KEY_HA_GROUPS, gname));
	r = ha_pick_node(names, load, grp, exclude, target, sizeof(target));
	cJSON_Delete(grp);
	if (!r) {
		if (strcmp(jstr(st, "wait", ""), "no-node") != 0) {
			st_set(st, "wait", "no-node");
			st_log(st, "no-node", "from", from, NULL, NULL);
			st_write(e, vm, st, strev);
		}
		return;
	}
	/* the claim: exactly one manager gets past this */
	st_set(st, "state", "recovering");
	st_set(st, "node", target);
	st_set(st, "from", from);
	st_set(st, "task", NULL);
	st_set(st, "wait", NULL);
	st_log(st, "claimed", "reason", why, "target", target);
	if (st_write(e, vm, st, strev) != 1)
		return;
	log_info("HA %s: %s: recovering from %s on %s", vm, why, from,
	    target);
	if ((r = move_vm(h, e, s, vm, rkv, from, target, err)) != 1) {
		log_warnx("HA %s: move to %s: %s", vm, target, r == 0 ?
		    "record changed meanwhile" : err);
		return;		/* retried as "recovering without task" */
	}
	if (queue_start(h, vm, id, err) != 0) {
		log_warnx("HA %s: start on %s: %s", vm, target, err);
		return;
	}
	/* we own the claim: a plain update of our own record */
	{
		struct etcd_kv kv;

		snprintf(err, sizeof(err), "%s%s", KEY_HA_STATUS, vm);
		if (etcd_get(e, err, &kv, NULL) == 1) {
			st_set(st, "task", id);
			st_log(st, "start-queued", "node", target, "task", id);
			st_write(e, vm, st, kv.kv_mod_rev);
			etcd_kv_clear(&kv);
		}
	}
}

static void
manage_one(struct ha *h, struct etcd *e, const struct snap *s,
    const struct etcd_kv *reskv)
{
	const char *vm = reskv->kv_key + strlen(KEY_HA_RESOURCES);
	struct etcd_kv *rkv, *skv, *vkv;
	cJSON *res = NULL, *rec = NULL, *st = NULL, *vst = NULL, *t = NULL;
	char owner[HA_NAME], err[ERR_LEN], id[TASK_ID_LEN], ago[32];
	const char *want, *sstate, *vstate, *task;
	struct ha_mem *m;
	struct ha_settings set;
	int64_t strev;
	uint64_t now = clock_mono_ns();
	int restarts, relocs;

	pthread_mutex_lock(&h->h_mu);
	set = h->h_set;
	pthread_mutex_unlock(&h->h_mu);
	res = kv_json(reskv);
	want = jstr(res, "state", "started");
	skv = kv_find(s->st, s->st_n, KEY_HA_STATUS, vm);
	strev = skv ? skv->kv_mod_rev : 0;
	if ((st = kv_json(skv)) == NULL)
		st = cJSON_CreateObject();
	sstate = jstr(st, "state", "");
	if ((rkv = kv_find(s->vms, s->vms_n, KEY_VMS, vm)) == NULL ||
	    (rec = kv_json(rkv)) == NULL) {
		if (strcmp(sstate, "error") != 0) {
			st_set(st, "state", "error");
			st_log(st, "error", "error", "no such VM", NULL, NULL);
			st_write(e, vm, st, strev);
		}
		goto out;
	}
	snprintf(owner, sizeof(owner), "%s", jstr(rec, "node", ""));
	vkv = kv_find(s->vst, s->vst_n, KEY_VMSTATE, vm);
	vst = kv_json(vkv);
	vstate = jstr(vst, "state", "stopped");
	/* a state written by an earlier owner (e.g. a fenced node's hvd
	 * noticing its killed QEMU) says nothing about the VM now */
	if (vst && strcmp(jstr(vst, "node", owner), owner) != 0)
		vstate = "foreign";
	if (strcmp(want, "disabled") == 0) {
		if (strcmp(sstate, "disabled") != 0) {
			st_set(st, "state", "disabled");
			st_log(st, "disabled", NULL, NULL, NULL, NULL);
			st_write(e, vm, st, strev);
		}
		goto out;
	}

	if (!node_ha_alive(s, owner)) {
		/* the owner's lease is gone: fence wait, then recover */
		if (strcmp(want, "started") != 0 &&
		    strcmp(vstate, "running") != 0)
			goto out;
		m = mem_find(h->h_dead, &h->h_ndead, owner, 1);
		if (strcmp(sstate, "fence") != 0 &&
		    strcmp(sstate, "recovering") != 0) {
			st_set(st, "state", "fence");
			st_set(st, "node", owner);
			st_log(st, "lease-expired", "node", owner, NULL, NULL);
			st_write(e, vm, st, strev);
			log_info("HA %s: node %s lost its HA lease: waiting "
			    "%.1f s for its watchdog", vm, owner,
			    set.margin_s);
			goto out;
		}
		if (m == NULL || now - m->m_first <
		    (uint64_t)(set.margin_s * 1e9))
			goto out;
		if (strcmp(sstate, "fence") == 0)
			st_log(st, "fenced", "node", owner, NULL, NULL);
		relocate(h, e, s, vm, res, rkv, owner, owner, st, strev,
		    "node-lost");
		goto out;
	}

	/* the owner lives */
	task = jstr(st, "task", "");
	if (strcmp(sstate, "recovering") == 0 ||
	    strcmp(sstate, "starting") == 0) {
		if (strcmp(vstate, "running") == 0 &&
		    strcmp(jstr(vst, "node", ""), owner) == 0) {
			st_set(st, "state", "started");
			st_set(st, "node", owner);
			st_setn(st, "restarts", 0);
			st_log(st, "running", "node", owner, "pid",
			    NULL);
			st_write(e, vm, st, strev);
			log_info("HA %s: running on %s", vm, owner);
			goto out;
		}
		if (*task == '\0') {
			/* a claim whose start was not queued (crash, error):
			 * queue it after 5 s of no change */
			m = mem_find(h->h_stuck, &h->h_nstuck, vm, 1);
			if (m && m->m_rev != strev) {
				m->m_rev = strev;
				m->m_first = now;
			}
			if (m && now - m->m_first > 5 * NS_PER_S &&
			    queue_start(h, vm, id, err) == 0) {
				st_set(st, "task", id);
				st_log(st, "start-queued", "node", owner,
				    "task", id);
				st_write(e, vm, st, strev);
			}
			goto out;
		}
		if (task_get(e, task, &t, NULL) == 1 &&
		    strcmp(jstr(t, "state", ""), "error") == 0) {
			restarts = jint(st, "restarts", 0) + 1;
			relocs = jint(st, "relocations", 0);
			st_setn(st, "restarts", restarts);
			st_log(st, "start-failed", "node", owner, "error",
			    jstr(t, "error", "?"));
			st_set(st, "task", NULL);
			if (restarts <= jint(res, "max_restart", 1)) {
				if (queue_start(h, vm, id, err) == 0) {
					st_set(st, "task", id);
					st_log(st, "start-queued", "node",
					    owner, "task", id);
				}
				st_write(e, vm, st, strev);
			} else if (relocs < jint(res, "max_relocate", 1)) {
				st_setn(st, "relocations", relocs + 1);
				st_setn(st, "restarts", 0);
				relocate(h, e, s, vm, res, rkv, owner, owner,
				    st, strev, "start-failed");
			} else {
				st_set(st, "state", "error");
				st_log(st, "error", "error", "restart and "
				    "relocation attempts used up", NULL,
				    NULL);
				st_write(e, vm, st, strev);
			}
		}
		goto out;
	}
	mem_drop(h->h_stuck, &h->h_nstuck, vm);
	if (strcmp(want, "started") == 0) {
		if (strcmp(vstate, "running") == 0) {
			if (strcmp(sstate, "started") != 0 ||
			    strcmp(jstr(st, "node", ""), owner) != 0) {
				st_set(st, "state", "started");
				st_set(st, "node", owner);
				st_log(st, "running", "node", owner, NULL,
				    NULL);
				st_write(e, vm, st, strev);
			}
		} else if (strcmp(vstate, "stopped") == 0 &&
		    !kv_find(s->locks, s->locks_n, KEY_VM_LOCKS, vm) &&
		    queue_start(h, vm, id, err) == 0) {
			st_set(st, "state", "starting");
			st_set(st, "node", owner);
			st_set(st, "task", id);
			st_log(st, "start-queued", "node", owner, "task", id);
			st_write(e, vm, st, strev);
		}
	} else if (strcmp(want, "stopped") == 0) {
		if (strcmp(vstate, "running") != 0) {
			if (strcmp(sstate, "stopped") != 0) {
				st_set(st, "state", "stopped");
				st_set(st, "task", NULL);
				st_log(st, "stopped", "node", owner, NULL,
				    NULL);
				st_write(e, vm, st, strev);
			}
		} else if (strcmp(sstate, "stopping") != 0 ||
		    (skv && now - mem_find(h->h_stuck, &h->h_nstuck, vm,
		    1)->m_first > 30 * NS_PER_S)) {
			char field[64], user[96];
			int status;

			snprintf(user, sizeof(user), "ha-manager@%s",
			    h->h_cf.cf_node);
			if (!kv_find(s->locks, s->locks_n, KEY_VM_LOCKS, vm) &&
			    vmops_action(h->h_v, vm, "stop", NULL, user, id,
			    &status, field, err) == 0) {
				st_set(st, "state", "stopping");
				st_set(st, "task", id);
				st_log(st, "stop-queued", "node", owner,
				    "task", id);
				st_write(e, vm, st, strev);
			}
		}
	}
	(void)ago;
out:
	cJSON_Delete(t);
	cJSON_Delete(vst);
	cJSON_Delete(st);
	cJSON_Delete(rec);
	cJSON_Delete(res);
}

static void
manage(struct ha *h, struct etcd *e)
{
	struct snap s;
	char err[ERR_LEN];
	size_t i;
	int k;

	if (snap_take(e, &s, err) != 0) {
		log_warnx("HA manager: %s", err);
		return;
	}
	/* forget nodes that are back */
	for (k = 0; k < h->h_ndead; k++)
		if (node_ha_alive(&s, h->h_dead[k].m_name))
			mem_drop(h->h_dead, &h->h_ndead, h->h_dead[k--].m_name);
	for (i = 0; i < s.res_n; i++)
		manage_one(h, e, &s, &s.res[i]);
	snap_free(&s);
}

static void *
mgr_main(void *arg)
{
	struct ha *h = arg;
	struct etcd *e;
	struct etcd_kv kv;
	char val[160], ts[40], err[ERR_LEN];
	cJSON *o;
	int64_t lease;
	int r, leader;

	while (!stopping(h)) {
		pthread_mutex_lock(&h->h_mu);
		lease = h->h_lease;
		pthread_mutex_unlock(&h->h_mu);
		leader = 0;
		if (lease != 0 && cluster_state(h->h_cl) == CLUSTER_ACTIVE &&
		    (e = cluster_etcd(h->h_cl)) != NULL) {
			r = etcd_get(e, KEY_HA_MANAGER, &kv, err);
			if (r == 0) {
				clock_format_wall(clock_wall_ns(), ts,
				    sizeof(ts));
				snprintf(val, sizeof(val), "{\"node\":\"%s\","
				    "\"since\":\"%s\"}", h->h_cf.cf_node, ts);
				if (etcd_create(e, KEY_HA_MANAGER, val, lease,
				    err) == 1)
					leader = 1;
			} else if (r == 1) {
				o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
				leader = kv.kv_lease == lease &&
				    strcmp(jstr(o, "node", ""),
				    h->h_cf.cf_node) == 0;
				cJSON_Delete(o);
				etcd_kv_clear(&kv);
			}
			if (leader && !h->h_leader) {
				log_info("HA: this node is the HA manager");
				/* start every fence wait afresh */
				h->h_ndead = 0;
				h->h_nstuck = 0;
			}
			if (leader)
				manage(h, e);
		}
		if (h->h_leader && !leader)
			log_info("HA: no longer the HA manager");
		h->h_leader = leader;
		nap(h, 300);
	}
	return NULL;
}

/* --- life --- */

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
	if (pthread_create(&h->h_lease_th, NULL, lease_main, h) != 0) {
		err_errno(err, "HA lease thread");
		goto fail;
	}
	if (v != NULL)
		vmops_set_start_hook(v, start_guard, h);
	h->h_lease_started = 1;
	if (pthread_create(&h->h_mgr_th, NULL, mgr_main, h) != 0) {
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
	if (h->h_mgr_started)
		pthread_join(h->h_mgr_th, NULL);
	/* the HA lease is left to expire: see ha.h */
	pthread_mutex_destroy(&h->h_mu);
	free(h);
}

/* --- API --- */

static struct etcd *
api_etcd(struct api_req *r)
{
	if (api_need_cluster(r) != 0)
		return NULL;
	return cluster_etcd(r->rq_cl);
}

static int
h_status(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct snap s;
	struct ha_settings set;
	char err[ERR_LEN];
	struct etcd_kv kv;
	cJSON *out, *arr, *o, *x;
	size_t i;

	if (e == NULL)
		return -1;
	if (snap_take(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	out = cJSON_CreateObject();
	if (etcd_get(e, KEY_HA_MANAGER, &kv, NULL) == 1) {
		cJSON_AddItemToObject(out, "manager", kv_json(&kv));
		etcd_kv_clear(&kv);
	} else
		cJSON_AddNullToObject(out, "manager");
	if (settings_load(e, &set, err) != 0)
		ha_settings_default(&set);
	cJSON_AddItemToObject(out, "settings", settings_json(&set));
	arr = cJSON_AddArrayToObject(out, "nodes");
	for (i = 0; i < s.nalive_n; i++) {
		const char *nm = s.nalive[i].kv_key + strlen(KEY_ALIVE);

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", nm);
		cJSON_AddStringToObject(o, "ha", node_ha_alive(&s, nm) ?
		    "online" : "offline");
		cJSON_AddItemToArray(arr, o);
	}
	for (i = 0; i < s.alive_n; i++) {
		const char *nm = s.alive[i].kv_key + strlen(KEY_HA_ALIVE);

		if (kv_find(s.nalive, s.nalive_n, KEY_ALIVE, nm))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", nm);
		cJSON_AddStringToObject(o, "ha", "online");
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(out, "resources");
	for (i = 0; i < s.res_n; i++) {
		const char *vm = s.res[i].kv_key + strlen(KEY_HA_RESOURCES);
		cJSON *st = kv_json(kv_find(s.st, s.st_n, KEY_HA_STATUS, vm));

		if ((o = kv_json(&s.res[i])) == NULL)
			o = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(o, "vm");
		cJSON_AddStringToObject(o, "vm", vm);
		if (!cJSON_GetObjectItemCaseSensitive(o, "state"))
			cJSON_AddStringToObject(o, "state", "started");
		if (st) {
			x = cJSON_GetObjectItemCaseSensitive(st, "state");
			cJSON_AddStringToObject(o, "status", cJSON_IsString(x) ?
			    x->valuestring : "-");
			cJSON_AddStringToObject(o, "node", jstr(st, "node",
			    "-"));
			cJSON_AddItemToObject(o, "log",
			    cJSON_DetachItemFromObjectCaseSensitive(st,
			    "log"));
		} else
			cJSON_AddStringToObject(o, "status", "new");
		cJSON_Delete(st);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(out, "groups");
	for (i = 0; i < s.grp_n; i++) {
		if ((o = kv_json(&s.grp[i])) == NULL)
			continue;
		cJSON_AddStringToObject(o, "name", s.grp[i].kv_key +
		    strlen(KEY_HA_GROUPS));
		cJSON_AddItemToArray(arr, o);
	}
	snap_free(&s);
	return api_reply(r, 200, out);
}

static int
h_res_add(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	const char *vm = NULL, *g = NULL;
	struct etcd_kv kv;
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, "vm", "'vm' is required");
	if (ha_resource_check(r->rq_body, field, err) != 0)
		return api_error(r, 400, field, "%s", err);
	if (json_get_string(r->rq_body, "vm", JSON_REQUIRED, &vm, err) != 0)
		return api_error(r, 400, "vm", "%s", err);
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, vm);
	if (!cluster_valid_name(vm) || (rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, "vm", "no VM '%s'", vm);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	etcd_kv_clear(&kv);
	json_get_string(r->rq_body, "group", JSON_OPTIONAL, &g, NULL);
	if (g && *g) {
		snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, g);
		if ((rc = etcd_get(e, key, &kv, err)) == 0)
			return api_error(r, 400, "group", "no HA group '%s'",
			    g);
		if (rc < 0)
			return api_error(r, 503, NULL, "%s", err);
		etcd_kv_clear(&kv);
	}
	o = cJSON_Duplicate(r->rq_body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "vm");
	if (!cJSON_GetObjectItemCaseSensitive(o, "state"))
		cJSON_AddStringToObject(o, "state", "started");
	if (!cJSON_GetObjectItemCaseSensitive(o, "max_restart"))
		cJSON_AddNumberToObject(o, "max_restart", 1);
	if (!cJSON_GetObjectItemCaseSensitive(o, "max_relocate"))
		cJSON_AddNumberToObject(o, "max_relocate", 1);
	txt = cJSON_PrintUnformatted(o);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, vm);
	rc = txt ? etcd_create(e, key, txt, 0, err) : -1;
	free(txt);
	if (rc < 0) {
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	if (rc == 0) {
		cJSON_Delete(o);
		return api_error(r, 409, "vm", "VM %s is already an HA "
		    "resource", vm);
	}
	cJSON_AddStringToObject(o, "vm", vm);
	return api_reply(r, 201, o);
}

static int
h_res_set(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], field[64], key[128], *txt;
	struct etcd_kv kv;
	cJSON *o, *it;
	int rc;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "nothing to change");
	if (ha_resource_check(r->rq_body, field, err) != 0)
		return api_error(r, 400, field, "%s", err);
	if (cJSON_GetObjectItemCaseSensitive(r->rq_body, "vm"))
		return api_error(r, 400, "vm", "'vm' cannot change");
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	o = kv_json(&kv);
	if (o == NULL)
		o = cJSON_CreateObject();
	cJSON_ArrayForEach(it, r->rq_body) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
		cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
	}
	txt = cJSON_PrintUnformatted(o);
	rc = txt ? etcd_cas(e, key, txt, kv.kv_mod_rev, err) : -1;
	free(txt);
	etcd_kv_clear(&kv);
	if (rc != 1) {
		cJSON_Delete(o);
		return rc == 0 ? api_error(r, 409, NULL, "changed meanwhile; "
		    "retry") : api_error(r, 503, NULL, "%s", err);
	}
	cJSON_AddStringToObject(o, "vm", r->rq_params[0]);
	return api_reply(r, 200, o);
}

static int
h_res_get(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	struct etcd_kv kv;
	cJSON *o;
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_get(e, key, &kv, err)) == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	if (rc < 0)
		return api_error(r, 503, NULL, "%s", err);
	if ((o = kv_json(&kv)) == NULL)
		o = cJSON_CreateObject();
	etcd_kv_clear(&kv);
	cJSON_AddStringToObject(o, "vm", r->rq_params[0]);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, r->rq_params[0]);
	if (etcd_get(e, key, &kv, NULL) == 1) {
		cJSON_AddItemToObject(o, "status", kv_json(&kv));
		etcd_kv_clear(&kv);
	}
	return api_reply(r, 200, o);
}

static int
h_res_del(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_RESOURCES, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no HA resource '%s'",
		    r->rq_params[0]);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, r->rq_params[0]);
	etcd_delete(e, key, 0, NULL);
	return api_reply(r, 200, NULL);
}

static int
h_group_put(struct api_req *r)
{
	static const char *const keys[] = { "name", "nodes", "restricted",
	    NULL };
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128], *txt;
	const char *name = NULL, *bad = NULL;
	const cJSON *nodes = NULL, *it;
	cJSON *o;
	int rb = 0;

	if (e == NULL)
		return -1;
	if (r->rq_body == NULL)
		return api_error(r, 400, "name", "'name' is required");
	if (json_check_keys(r->rq_body, keys, &bad, err) != 0)
		return api_error(r, 400, bad, "%s", err);
	if (json_get_string(r->rq_body, "name", JSON_REQUIRED, &name,
	    err) != 0 || !cluster_valid_name(name))
		return api_error(r, 400, "name", "bad or missing 'name'");
	if (json_get_object(r->rq_body, "nodes", JSON_REQUIRED, &nodes,
	    err) != 0 || cJSON_GetArraySize(nodes) == 0)
		return api_error(r, 400, "nodes", "'nodes' must be an object "
		    "{\"NODE\": PRIORITY, ...} with at least one node");
	cJSON_ArrayForEach(it, nodes) {
		if (!cluster_valid_name(it->string) || !cJSON_IsNumber(it) ||
		    it->valuedouble < 0 || it->valuedouble > 1000)
			return api_error(r, 400, "nodes", "node '%s': the "
			    "priority must be a number 0..1000", it->string);
	}
	if (json_get_bool(r->rq_body, "restricted", JSON_OPTIONAL, &rb,
	    err) != 0)
		return api_error(r, 400, "restricted", "%s", err);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "nodes", cJSON_Duplicate(nodes, 1));
	cJSON_AddBoolToObject(o, "restricted", rb);
	txt = cJSON_PrintUnformatted(o);
	snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, name);
	if (txt == NULL || etcd_put(e, key, txt, 0, err) != 0) {
		free(txt);
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	free(txt);
	cJSON_AddStringToObject(o, "name", name);
	return api_reply(r, 200, o);
}

static int
h_group_del(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	char err[ERR_LEN], key[128];
	int rc;

	if (e == NULL)
		return -1;
	snprintf(key, sizeof(key), "%s%s", KEY_HA_GROUPS, r->rq_params[0]);
	if ((rc = etcd_delete(e, key, 0, err)) < 0)
		return api_error(r, 503, NULL, "%s", err);
	if (rc == 0)
		return api_error(r, 404, NULL, "no HA group '%s'",
		    r->rq_params[0]);
	return api_reply(r, 200, NULL);
}

static int
h_settings_get(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct ha_settings s;
	char err[ERR_LEN];

	if (e == NULL)
		return -1;
	if (settings_load(e, &s, err) != 0)
		return api_error(r, 503, NULL, "%s", err);
	return api_reply(r, 200, settings_json(&s));
}

static int
h_settings_put(struct api_req *r)
{
	struct etcd *e = api_etcd(r);
	struct ha_settings s;
	char err[ERR_LEN], *txt;
	cJSON *o;

	if (e == NULL)
		return -1;
	if (settings_load(e, &s, err) != 0)
		ha_settings_default(&s);
	if (r->rq_body == NULL)
		return api_error(r, 400, NULL, "nothing to change");
	if (ha_settings_from_json(r->rq_body, &s, err) != 0)
		return api_error(r, 400, NULL, "%s", err);
	o = settings_json(&s);
	txt = cJSON_PrintUnformatted(o);
	if (txt == NULL || etcd_put(e, KEY_HA_SETTINGS, txt, 0, err) != 0) {
		free(txt);
		cJSON_Delete(o);
		return api_error(r, 503, NULL, "%s", err);
	}
	free(txt);
	return api_reply(r, 200, o);
}

const struct api_route api_ha_routes[] = {
	{ "GET",	"/api/v1/ha",			h_status },
	{ "POST",	"/api/v1/ha/resources",		h_res_add },
	{ "GET",	"/api/v1/ha/resources/*",	h_res_get },
	{ "PUT",	"/api/v1/ha/resources/*",	h_res_set },
	{ "DELETE",	"/api/v1/ha/resources/*",	h_res_del },
	{ "POST",	"/api/v1/ha/groups",		h_group_put },
	{ "DELETE",	"/api/v1/ha/groups/*",		h_group_del },
	{ "GET",	"/api/v1/ha/settings",		h_settings_get },
	{ "PUT",	"/api/v1/ha/settings",		h_settings_put },
	{ NULL, NULL, NULL }
};
