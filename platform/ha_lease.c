/*
 * ha_lease.c - this node's HA lease and the watchdog's feed (see ha.h,
 * fence.c, docs/ha.md).
 *
 * The lease thread keeps this node's HA lease (KEY_HA_ALIVE NODE) and,
 * after every renewal etcd acknowledged, writes the watchdog's feed file
 * with deadline = (monotonic time the renewal was SENT) + fence_s: etcd
 * counts the TTL from a later moment (when its leader handled the
 * request), so the watchdog always fires before etcd can expire the
 * lease.  The feed names this node's HA VMs, the ones the watchdog kills
 * when it fires; the start guard adds a VM to it before its QEMU starts.
 * Once the feed file names a VM, KEY_HA_FED NODE says so in etcd: the
 * manager recovers from a lost node only the VMs its watchdog guarded.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "proc.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha_priv.h"
#include "platform/keys.h"

static int
wd_running(struct ha *h)
{
	char buf[256];
	FILE *f;
	long pid = 0;

	if ((f = fopen(h->h_wd_pid, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return 0;
	if (proc_read((pid_t)pid, "cmdline", buf, sizeof(buf)) < 0)
		return 0;
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
		    h->h_wd_pid, strcmp(h->h_cf.cf_fence_reset, "off") == 0 ?
		    (char *)NULL : "-R", (char *)NULL);
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

/* KEY_HA_FED's value for the feed's names; caller frees.  h_mu held. */
static char *
fed_json_locked(struct ha *h)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s = NULL;
	int i;

	if (o != NULL && (a = cJSON_AddArrayToObject(o, "vms")) != NULL) {
		for (i = 0; i < h->h_nvms; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(h->h_vms[i]));
		s = cJSON_PrintUnformatted(o);
	}
	cJSON_Delete(o);
	return s;
}

/*
 * Tell the cluster which VMs this node's watchdog guards (KEY_HA_FED
 * NODE), after the feed file names them; written when it changed.  A VM
 * missing there was never guarded here: the manager must not recover it
 * from this node while its QEMU may run.  0, or -1 + err.
 */
static int
fed_publish(struct ha *h, struct etcd *e, char *err)
{
	char key[128], *val;
	int rc = 0;

	pthread_mutex_lock(&h->h_pub_mu);
	pthread_mutex_lock(&h->h_mu);
	val = fed_json_locked(h);
	pthread_mutex_unlock(&h->h_mu);
	if (val == NULL)
		rc = err_set(err, "HA: out of memory");
	else if (strcmp(val, h->h_fed_pub) != 0) {
		snprintf(key, sizeof(key), "%s%s", KEY_HA_FED, h->h_cf.cf_node);
		if ((rc = etcd_put(e, key, val, 0, err)) == 0)
			snprintf(h->h_fed_pub, sizeof(h->h_fed_pub), "%s", val);
		else
			err_prefix(err, "HA: %s", key);
	}
	pthread_mutex_unlock(&h->h_pub_mu);
	free(val);
	return rc;
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
int
ha_start_guard(void *arg, const char *vm, char *err)
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
	if (rc == 0 && fed_publish(h, cluster_etcd(h->h_cl), err) != 0)
		rc = -1;
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
	long tmo = renew_ms * 2L;

	if (tmo < 1000)
		tmo = 1000;
	if (tmo > 2000)
		tmo = 2000;
	return cluster_etcd_new(h->h_cl, tmo, err);
}

/* Settings from etcd at the first pass and every 10 s; *last_ns is when
 * they were last read (0: never). */
static void
lease_settings(struct ha *h, struct etcd *e, uint64_t *last_ns)
{
	struct ha_settings s;
	char err[ERR_LEN];

	if (*last_ns != 0 && clock_mono_ns() - *last_ns <= 10 * NS_PER_S)
		return;
	pthread_mutex_lock(&h->h_mu);
	s = h->h_set;
	pthread_mutex_unlock(&h->h_mu);
	if (ha_settings_load(e, &s, err) != 0)
		log_warnx("HA settings: %s (the last ones kept)", err);
	*last_ns = clock_mono_ns();
	pthread_mutex_lock(&h->h_mu);
	h->h_set = s;
	h->h_set_read = 1;
	pthread_mutex_unlock(&h->h_mu);
}

/* Grant a lease and attach this node's alive key to it; the feed says
 * so.  The lease, or 0 when etcd refused. */
static int64_t
lease_grant(struct ha *h, struct etcd *e, const struct ha_settings *s,
    uint64_t sent)
{
	char err[ERR_LEN], key[128], val[160], ts[40];
	int64_t lease;

	if (etcd_lease_grant(e, s->lease_ttl_s, &lease, err) != 0) {
		log_warnx("HA lease: %s", err);
		return 0;
	}
	snprintf(key, sizeof(key), "%s%s", KEY_HA_ALIVE, h->h_cf.cf_node);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	snprintf(val, sizeof(val), "{\"since\":\"%s\",\"pid\":%d}", ts,
	    (int)getpid());
	if (etcd_put(e, key, val, lease, err) != 0) {
		log_warnx("HA lease: %s", err);
		etcd_lease_revoke(e, lease, NULL);
		return 0;
	}
	log_info("HA lease %" PRId64 " granted (ttl %d s, fence %.1f s)",
	    lease, s->lease_ttl_s, s->fence_s);
	fed(h, sent, s->fence_s);
	return lease;
}

static int64_t lease_renew(struct ha *h, struct etcd *e,
    const struct ha_settings *s, int64_t lease, uint64_t sent, long *period);

/*
 * A first lease, or a new one when the settings' TTL changed: etcd keeps
 * the TTL a lease was granted with, and a fence delay fitted to the new
 * TTL would let etcd expire the old lease (and the manager recover the
 * VMs) before the watchdog fires.  The alive key moves to the new lease
 * before the old one is revoked.  The lease in use afterwards (the old
 * one when no new one could be granted), or 0.
 */
static int64_t
lease_regrant(struct ha *h, struct etcd *e, const struct ha_settings *s,
    int64_t old, uint64_t sent, int *ttl)
{
	struct ha_settings was = *s;
	int64_t lease;
	char err[ERR_LEN];

	if ((lease = lease_grant(h, e, s, sent)) != 0) {
		*ttl = s->lease_ttl_s;
		if (old != 0 && etcd_lease_revoke(e, old, err) != 0)
			log_warnx("HA lease %" PRId64 ": %s", old, err);
		return lease;
	}
	if (old == 0)
		return 0;
	/* still the old lease: the watchdog fires within its TTL */
	if (was.fence_s + 1.0 > (double)*ttl)
		was.fence_s = (double)*ttl - 1.0;
	return lease_renew(h, e, &was, old, sent, &(long){ 0 });
}

/* Renew lease; the feed says so.  The lease, or 0 when it expired (then
 * *period is 0: grant a new one at once). */
static int64_t
lease_renew(struct ha *h, struct etcd *e, const struct ha_settings *s,
    int64_t lease, uint64_t sent, long *period)
{
	char err[ERR_LEN];
	uint64_t fed_ns;
	double fence_s;
	int64_t ttl;

	/* A slow answer that still comes in time feeds the watchdog: cut
	 * short, it would cost a renewal the lease needed. */
	pthread_mutex_lock(&h->h_mu);
	fed_ns = h->h_fed_ns;
	fence_s = h->h_fed_fence_s;
	pthread_mutex_unlock(&h->h_mu);
	etcd_set_timeout(e, ha_keepalive_timeout_ms(fed_ns, fence_s,
	    s->renew_ms, sent));
	ttl = etcd_lease_keepalive(e, lease, err);
	etcd_set_timeout(e, ha_keepalive_timeout_ms(0, 0, s->renew_ms, 0));
	if (ttl > 0)
		fed(h, sent, s->fence_s);
	else if (ttl < 0)
		log_warnx("HA lease keepalive: %s", err);
	else {
		log_warnx("HA lease %" PRId64 " expired", lease);
		lease = 0;
		*period = 0;
	}
	return lease;
}

/* Every 2 s: the feed's VM names from etcd, and a watchdog when there
 * are HA VMs to guard. */
static void
lease_names(struct ha *h, struct etcd *e, uint64_t *last_ns)
{
	char err[ERR_LEN];
	int r;

	if (clock_mono_ns() - *last_ns <= 2 * NS_PER_S)
		return;
	names_refresh(h, e);
	*last_ns = clock_mono_ns();
	pthread_mutex_lock(&h->h_mu);
	/* the file names them before etcd says they are guarded */
	if (h->h_fed_ns != 0)
		feed_write(h, h->h_fed_ns, h->h_fed_fence_s);
	r = h->h_nvms > 0 ? wd_spawn(h, err) : 0;
	pthread_mutex_unlock(&h->h_mu);
	if (r != 0)
		log_warnx("%s", err);
	else if (fed_publish(h, e, err) != 0)
		log_warnx("%s", err);
}

/*
 * The lease thread does nothing but grant and renew, so that a slow etcd
 * delays a renewal by one slow answer and no more: reads between two
 * renewals, each waiting for its own timeout, once cost the lease with
 * answers that took 1.4 s (tests/integration/test_hvd_slow_etcd.sh).
 */
void *
ha_lease_main(void *arg)
{
	struct ha *h = arg;
	struct etcd *e = NULL;
	struct ha_settings s;
	char err[ERR_LEN];
	uint64_t sent;
	int64_t lease;
	long period;
	int ttl = 0;		/* the TTL the lease was granted with */
	int ready;

	ha_settings_default(&s);
	while (!ha_stopping(h)) {
		pthread_mutex_lock(&h->h_mu);
		lease = h->h_lease;
		s = h->h_set;
		ready = h->h_set_read;
		pthread_mutex_unlock(&h->h_mu);
		/* the first lease is granted with the cluster's settings */
		if (cluster_state(h->h_cl) != CLUSTER_ACTIVE || !ready) {
			ha_nap(h, 100);
			continue;
		}
		if (e == NULL && (e = lease_etcd(h, s.renew_ms, err)) == NULL) {
			log_warnx("HA lease: %s", err);
			ha_nap(h, 1000);
			continue;
		}
		period = s.renew_ms;
		sent = clock_mono_ns();
		if (lease == 0 || ttl != s.lease_ttl_s)
			lease = lease_regrant(h, e, &s, lease, sent, &ttl);
		else
			lease = lease_renew(h, e, &s, lease, sent, &period);
		pthread_mutex_lock(&h->h_mu);
		h->h_lease = lease;
		if (lease == 0)
			h->h_fed_ns = 0;
		pthread_mutex_unlock(&h->h_mu);
		period -= (long)((clock_mono_ns() - sent) / NS_PER_MS);
		if (period > 0)
			ha_nap(h, period);
	}
	etcd_free(e);
	return NULL;
}

/*
 * The lease thread's companion: the settings every 10 s, and while the
 * node holds its lease the feed's VM names every 2 s (lease_names), on
 * an etcd handle of its own that may wait for slow answers.
 */
void *
ha_aux_main(void *arg)
{
	struct ha *h = arg;
	struct etcd *e = NULL;
	char err[ERR_LEN];
	uint64_t last_names = 0, last_set = 0;
	int64_t lease;

	while (!ha_stopping(h)) {
		if (cluster_state(h->h_cl) != CLUSTER_ACTIVE) {
			ha_nap(h, 200);
			continue;
		}
		if (e == NULL && (e = cluster_etcd_new(h->h_cl, 5000,
		    err)) == NULL) {
			log_warnx("HA: %s", err);
			ha_nap(h, 1000);
			continue;
		}
		lease_settings(h, e, &last_set);
		pthread_mutex_lock(&h->h_mu);
		lease = h->h_lease;
		pthread_mutex_unlock(&h->h_mu);
		if (lease != 0)
			lease_names(h, e, &last_names);
		ha_nap(h, 200);
	}
	etcd_free(e);
	return NULL;
}
