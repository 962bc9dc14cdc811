/*
 * ha_copies_remote.c - the HA drills' copy count on real servers (a
 * `remote` lab, docs/remote.md): their processes are not visible from
 * this machine, so each host is asked over the lab's exec (SSH) for the
 * processes whose command line names the VM and their threads, one
 * short shell command per host per sample, and the answer is counted
 * the way ha.c counts the local scan (ha_count_copies' rules: a copy is
 * a process naming the VM whose vCPU threads ran in this sample period
 * and the one before).
 *
 * Every host has its own ask in flight at most: a sample starts an ask
 * on each host that has none, waits until the period ends, and takes
 * the answers that came.  A host that did not answer in time (a powered
 * off host, whose SSH waits for ConnectTimeout) is unknown in that
 * sample, never 0, and the sample is counted as unknown.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/builtin/ha.h"
#include "scenarios/builtin/ha_priv.h"

/* An ask's own bound; a dead host's SSH gives up after ConnectTimeout
 * (5 s) before it. */
#define RSCAN_EXEC_MS 20000

struct rscan_host {
	struct ha_rscan *h_r;
	size_t h_k;
	pthread_t h_th;
	int h_running;			/* a thread, not joined yet */
	int h_done;			/* under r_mu: it has answered */
	int h_ok;			/* the answer parsed */
	char *h_out;
	char h_err[ERR_LEN];
	/* the sampler thread's own */
	struct ha_rproc h_p[HA_RSCAN_PROCS];
	size_t h_np;
	int h_hist_pid[HA_RSCAN_PROCS];
	struct ha_vcpu_hist h_hist[HA_RSCAN_PROCS];
	size_t h_nhist;
	char h_lasterr[ERR_LEN];	/* the last failure said once */
	uint64_t h_unknown;		/* samples it was unknown in */
	char h_why[ERR_LEN];		/* why, the last time */
};

struct ha_rscan {
	const struct ha_env *r_e;
	size_t r_nhosts;
	uint64_t r_samples;
	char r_script[HA_RSCAN_SCRIPT_MAX];
	pthread_mutex_t r_mu;
	pthread_cond_t r_cv;		/* an ask ended */
	struct rscan_host r_h[HA_HOSTS_MAX];
};

int
ha_rscan_script(const char *vm, char *buf, size_t len, char *err)
{
	const char *c;
	int n;

	if (vm[0] == '\0')
		return err_set(err, "copy scan: no VM name");
	for (c = vm; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '-' && *c != '_')
			return err_set(err, "copy scan: VM name '%s' has '%c': "
			    "letters, digits, '-' and '_' only", vm, *c);
	/* "hvlab[.]name" matches the VM's command line and not this
	 * script's own; stderr gone: processes end while it reads them */
	n = snprintf(buf, len, "exec 2>/dev/null;cd /proc||exit 1;"
	    "for f in $(grep -ls 'hvlab[.]name=%s ' [0-9]*/cmdline);do "
	    "p=${f%%/cmdline};read -r s <$p/stat||continue;s=${s##*) };"
	    "set -- $s;echo P $p $2;for t in $p/task/*;do "
	    "read -r c <$t/comm&&read -r n x <$t/schedstat&&echo T $n $c;"
	    "done;done;echo E", vm);
	if (n < 0 || (size_t)n >= len)
		return err_set(err, "copy scan: VM name '%s' too long", vm);
	return 0;
}

/* "P PID PPID" into p; 0 or -1. */
static int
parse_p(const char *l, struct ha_rproc *p)
{
	char tail;

	memset(p, 0, sizeof(*p));
	if (sscanf(l, "P %d %d %c", &p->rp_pid, &p->rp_ppid, &tail) != 2 ||
	    p->rp_pid <= 0 || p->rp_ppid < 0)
		return -1;
	return 0;
}

/* "T SCHEDSTAT_NS COMM" added to p when COMM is a vCPU's; 0 or -1. */
static int
parse_t(const char *l, struct ha_rproc *p)
{
	unsigned long long ns;
	int off = 0;

	if (sscanf(l, "T %llu %n", &ns, &off) != 1 || off == 0 ||
	    l[off] == '\0')
		return -1;
	/* QEMU's vCPU threads: "CPU 0/TCG", "CPU 1/KVM" */
	if (strncmp(l + off, "CPU ", 4) == 0) {
		p->rp_vcpus++;
		p->rp_vcpu_ns += ns;
	}
	return 0;
}

int
ha_rscan_parse(const char *out, struct ha_rproc *p, size_t max, size_t *n,
    char *err)
{
	const char *l = out, *nl;
	char line[256];
	int lineno = 0, ended = 0;

	*n = 0;
	for (; l != NULL && *l != '\0'; l = nl ? nl + 1 : NULL) {
		size_t len;

		nl = strchr(l, '\n');
		len = nl ? (size_t)(nl - l) : strlen(l);
		lineno++;
		if (ended)
			return err_set(err, "copy scan: line %d after the end "
			    "line", lineno);
		if (len >= sizeof(line))
			return err_set(err, "copy scan: line %d too long",
			    lineno);
		memcpy(line, l, len);
		line[len] = '\0';
		if (strcmp(line, "E") == 0) {
			ended = 1;
		} else if (strncmp(line, "P ", 2) == 0) {
			if (*n == max)
				return err_set(err, "copy scan: more than %zu "
				    "processes name the VM", max);
			if (parse_p(line, &p[*n]) < 0)
				return err_set(err, "copy scan: line %d: not "
				    "'P PID PPID': '%.60s'", lineno, line);
			(*n)++;
		} else if (strncmp(line, "T ", 2) == 0 && *n > 0) {
			if (parse_t(line, &p[*n - 1]) < 0)
				return err_set(err, "copy scan: line %d: not "
				    "'T NS COMM': '%.60s'", lineno, line);
		} else {
			return err_set(err, "copy scan: line %d unexpected: "
			    "'%.60s'", lineno, line);
		}
	}
	if (!ended)
		return err_set(err, "copy scan: the answer ends without its "
		    "end line (cut short)");
	return 0;
}

/* ---- the asks ---- */

static void *
ask_main(void *arg)
{
	struct rscan_host *h = arg;
	struct ha_rscan *r = h->h_r;
	const struct drv_env *env = r->r_e->env;
	const char *argv[] = { "sh", "-c", r->r_script, NULL };
	char *out = NULL, e[ERR_LEN] = "";
	int rc;

	rc = env->e_exec(env, env->e_hosts[h->h_k].h_name, argv, &out,
	    RSCAN_EXEC_MS, e);
	pthread_mutex_lock(&r->r_mu);
	h->h_out = out;
	h->h_ok = rc == 0;
	snprintf(h->h_err, sizeof(h->h_err), "%s", rc == 0 ? "" : e);
	h->h_done = 1;
	pthread_cond_broadcast(&r->r_cv);
	pthread_mutex_unlock(&r->r_mu);
	return NULL;
}

struct ha_rscan *
ha_rscan_new(const struct ha_env *e, size_t nhosts, char *err)
{
	struct ha_rscan *r;
	pthread_condattr_t ca;
	size_t k;

	if (e->env->e_exec == NULL) {
		err_set(err, "copy scan: the lab gives no command on its hosts");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_errno(err, "copy scan");
		return NULL;
	}
	if (ha_rscan_script(e->vm, r->r_script, sizeof(r->r_script), err) <
	    0) {
		free(r);
		return NULL;
	}
	r->r_e = e;
	r->r_nhosts = nhosts;
	for (k = 0; k < nhosts; k++) {
		r->r_h[k].h_r = r;
		r->r_h[k].h_k = k;
	}
	pthread_mutex_init(&r->r_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->r_cv, &ca);
	pthread_condattr_destroy(&ca);
	return r;
}

void
ha_rscan_free(struct ha_rscan *r)
{
	size_t k;

	if (r == NULL)
		return;
	/* an ask to a dead host ends with its SSH's ConnectTimeout */
	for (k = 0; k < r->r_nhosts; k++) {
		if (r->r_h[k].h_unknown > 0)
			log_info("ha: copy scan of %s: unknown in %llu of %llu "
			    "samples%s%s", r->r_e->env->e_hosts[k].h_name,
			    (unsigned long long)r->r_h[k].h_unknown,
			    (unsigned long long)r->r_samples,
			    r->r_h[k].h_why[0] ? ", last: " : "",
			    r->r_h[k].h_why);
		if (r->r_h[k].h_running) {
			pthread_join(r->r_h[k].h_th, NULL);
			free(r->r_h[k].h_out);
		}
	}
	pthread_cond_destroy(&r->r_cv);
	pthread_mutex_destroy(&r->r_mu);
	free(r);
}

/* Start an ask on every host with none in flight. */
static void
asks_start(struct ha_rscan *r)
{
	size_t k;

	for (k = 0; k < r->r_nhosts; k++) {
		struct rscan_host *h = &r->r_h[k];

		if (h->h_running)
			continue;
		h->h_done = 0;
		h->h_out = NULL;
		if (pthread_create(&h->h_th, NULL, ask_main, h) == 0)
			h->h_running = 1;
	}
}

/* Wait until every ask in flight answered or the deadline (mono ns). */
static void
asks_wait(struct ha_rscan *r, uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / NS_PER_S),
	    (long)(deadline % NS_PER_S) };
	size_t k, left;

	pthread_mutex_lock(&r->r_mu);
	for (;;) {
		for (k = left = 0; k < r->r_nhosts; k++)
			left += r->r_h[k].h_running && !r->r_h[k].h_done;
		if (left == 0 || pthread_cond_timedwait(&r->r_cv, &r->r_mu,
		    &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&r->r_mu);
}

/* The copies on host h from its answer (-1: unknown); joins its ask. */
static int
host_copies(struct ha_sampler *s, struct rscan_host *h)
{
	char e[ERR_LEN];
	int done, copies = 0;
	size_t i;

	pthread_mutex_lock(&s->rscan->r_mu);
	done = h->h_running && h->h_done;
	pthread_mutex_unlock(&s->rscan->r_mu);
	if (!done) {
		snprintf(h->h_why, sizeof(h->h_why), "no answer within the "
		    "sample period");
		return -1;
	}
	pthread_join(h->h_th, NULL);
	h->h_running = 0;
	if (!h->h_ok || ha_rscan_parse(h->h_out ? h->h_out : "", h->h_p,
	    HA_RSCAN_PROCS, &h->h_np, e) < 0) {
		if (h->h_ok)
			snprintf(h->h_err, sizeof(h->h_err), "%s", e);
		if (strcmp(h->h_err, h->h_lasterr) != 0)
			log_debug("ha: copy scan of %s unknown: %s",
			    s->e->env->e_hosts[h->h_k].h_name, h->h_err);
		snprintf(h->h_lasterr, sizeof(h->h_lasterr), "%s", h->h_err);
		snprintf(h->h_why, sizeof(h->h_why), "%s", h->h_err);
		free(h->h_out);
		h->h_out = NULL;
		return -1;
	}
	free(h->h_out);
	h->h_out = NULL;
	h->h_lasterr[0] = '\0';
	for (i = 0; i < h->h_np; i++)
		if (h->h_p[i].rp_vcpus > 0 && ha_rscan_running(h->h_hist_pid,
		    h->h_hist, &h->h_nhist, HA_RSCAN_PROCS, &h->h_p[i]))
			copies++;
	return copies;
}

/* Into s->seen2, once: the processes of a sample with two copies. */
static void
rscan_seen_two(struct ha_sampler *s, const int *per)
{
	size_t k, i, off = 0;

	for (k = 0; k < s->nhosts && off < sizeof(s->seen2); k++) {
		const struct rscan_host *h = &s->rscan->r_h[k];

		for (i = 0; per[k] > 0 && i < h->h_np &&
		    off < sizeof(s->seen2); i++)
			off += (size_t)snprintf(s->seen2 + off,
			    sizeof(s->seen2) - off, "%s%s pid %d ppid %d",
			    off ? ", " : "", s->e->env->e_hosts[k].h_name,
			    h->h_p[i].rp_pid, h->h_p[i].rp_ppid);
	}
}

int
ha_rscan_sample(struct ha_sampler *s, int *per)
{
	struct ha_rscan *r = s->rscan;
	uint64_t end = clock_mono_ns() + HA_RSCAN_NS, now;
	int total = 0, unknown = 0;
	size_t k;

	asks_start(r);
	asks_wait(r, end);
	r->r_samples++;
	for (k = 0; k < r->r_nhosts; k++) {
		per[k] = host_copies(s, &r->r_h[k]);
		if (per[k] < 0) {
			unknown = 1;
			r->r_h[k].h_unknown++;
		} else
			total += per[k];
	}
	if (total > 1 && s->seen2[0] == '\0')
		rscan_seen_two(s, per);
	pthread_mutex_lock(&s->mu);
	s->unknown += unknown;
	pthread_mutex_unlock(&s->mu);
	/* one sample per period, however fast the hosts answered */
	if ((now = clock_mono_ns()) < end)
		clock_sleep_ns(end - now);
	return total;
}

int
ha_rscan_running(int *hist_pid, struct ha_vcpu_hist *hist, size_t *nhist,
    size_t max, const struct ha_rproc *p)
{
	size_t k;

	for (k = 0; k < *nhist && hist_pid[k] != p->rp_pid; k++)
		;
	if (k == *nhist) {
		if (*nhist == max)
			return 1;	/* more QEMUs than kept: count it */
		hist_pid[k] = p->rp_pid;
		memset(&hist[k], 0, sizeof(hist[k]));
		(*nhist)++;
	}
	return ha_vcpus_running(&hist[k], p->rp_vcpu_ns);
}
