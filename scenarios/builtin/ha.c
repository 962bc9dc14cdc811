/*
 * ha.c - the `ha` built-in scenario: the power-pull (or partition) drill
 * of an HA VM, with the ping and write-integrity probes from the station,
 * a sampler that counts the VM's running copies in every lab host's pid
 * namespace, and the platform's own recovery log for detection and
 * restart times (ha.h says what is measured and how).
 *
 * The fault goes through hvlab's command line (`hvlab inject`, whose
 * output carries the lab's wall-clock stamp of the event), the platform
 * only through the driver; the sampler reads /proc and each host's
 * init.pid in the lab's state directory (docs/lab.md), and knows the VM by
 * the name the runner put on its kernel command line (hvlab.name=VM), so
 * it counts copies whatever platform started them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "probes/integrity.h"
#include "probes/ping.h"
#include "lab/lab.h"
#include "lab/topo.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/builtin/ha.h"
#include "scenarios/builtin/ha_priv.h"


/* ---- params (pure) ---- */

int
ha_param_long(const char *key, const char *v, long lo, long hi, long *out,
    char *err)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return err_set(err, "params: %s: '%s' is not an integer in "
		    "%ld..%ld", key, v, lo, hi);
	*out = x;
	return 0;
}

static int
parse_bool(const char *key, const char *v, int *out, char *err)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
		*out = 0;
	else
		return err_set(err, "params: %s: '%s' is not true or false",
		    key, v);
	return 0;
}

int
ha_params_parse(const struct step_param *p, size_t n, struct ha_params *hp,
    char *err)
{
	size_t i;
	long x;

	memset(hp, 0, sizeof(*hp));
	hp->hp_fault = HA_FAULT_POWER_PULL;
	hp->hp_victim = HA_VICTIM_VM_HOST;
	hp->hp_power_on = 1;
	hp->hp_watch_ns = 10 * NS_PER_S;
	hp->hp_interval_ns = 100 * NS_PER_MS;
	hp->hp_timeout_ns = 180 * NS_PER_S;
	hp->hp_memory_mib = 128;
	hp->hp_vlan = -1;
	hp->hp_integrity = 1;
	for (i = 0; i < n; i++) {
		const char *k = p[i].spm_key, *v = p[i].spm_value;

		if (v == NULL)
			return err_set(err, "params: %s: no value", k);
		if (strcmp(k, "fault") == 0) {
			if (strcmp(v, "power-pull") == 0)
				hp->hp_fault = HA_FAULT_POWER_PULL;
			else if (strcmp(v, "partition") == 0)
				hp->hp_fault = HA_FAULT_PARTITION;
			else
				return err_set(err, "params: fault: '%s' is "
				    "not power-pull or partition", v);
		} else if (strcmp(k, "victim") == 0) {
			if (strcmp(v, "vm-host") == 0)
				hp->hp_victim = HA_VICTIM_VM_HOST;
			else if (strcmp(v, "manager") == 0)
				hp->hp_victim = HA_VICTIM_MANAGER;
			else
				return err_set(err, "params: victim: '%s' is "
				    "not vm-host or manager", v);
		} else if (strcmp(k, "power_on") == 0) {
			if (parse_bool(k, v, &hp->hp_power_on, err) == -1)
				return -1;
		} else if (strcmp(k, "integrity") == 0) {
			if (parse_bool(k, v, &hp->hp_integrity, err) == -1)
				return -1;
		} else if (strcmp(k, "watch_s") == 0) {
			if (ha_param_long(k, v, 0, 600, &x, err) == -1)
				return -1;
			hp->hp_watch_ns = (uint64_t)x * NS_PER_S;
		} else if (strcmp(k, "interval_ms") == 0) {
			if (ha_param_long(k, v, 10, 1000, &x, err) == -1)
				return -1;
			hp->hp_interval_ns = (uint64_t)x * NS_PER_MS;
		} else if (strcmp(k, "timeout_s") == 0) {
			if (ha_param_long(k, v, 10, 3600, &x, err) == -1)
				return -1;
			hp->hp_timeout_ns = (uint64_t)x * NS_PER_S;
		} else if (strcmp(k, "memory_mib") == 0) {
			if (ha_param_long(k, v, 64, 65536, &x, err) == -1)
				return -1;
			hp->hp_memory_mib = (int)x;
		} else if (strcmp(k, "vlan") == 0) {
			if (ha_param_long(k, v, 0, 4094, &x, err) == -1)
				return -1;
			hp->hp_vlan = (int)x;
		} else if (strcmp(k, "ha_fencing") == 0) {
			if (strcmp(v, "watchdog") != 0 && strcmp(v, "bmc") != 0
			    && strcmp(v, "both") != 0)
				return err_set(err, "params: ha_fencing: '%s' "
				    "is not watchdog, bmc or both", v);
			snprintf(hp->hp_fencing, sizeof(hp->hp_fencing), "%s",
			    v);
		} else
			return err_set(err, "params: unknown key '%s' (fault, "
			    "victim, power_on, watch_s, interval_ms, "
			    "timeout_s, memory_mib, vlan, integrity, "
			    "ha_fencing)", k);
	}
	return 0;
}

/* ---- figures (pure) ---- */

void
ha_times_from_status(const struct drv_ha_status *hs, struct ha_times *t)
{
	size_t i;

	for (i = 0; i < hs->hs_nevents; i++) {
		const struct drv_ha_event *ev = &hs->hs_events[i];
		uint64_t *slot = NULL;

		/* hvd logs in ms; a step logged in the same ms as the
		 * stamp of the fault is not before it. */
		if (ev->he_wall_ns + NS_PER_MS < t->ht_fault)
			continue;
		switch (ev->he_step) {
		case DRV_HA_DETECTED:
			slot = &t->ht_detected;
			break;
		case DRV_HA_FENCED:
			slot = &t->ht_fenced;
			break;
		case DRV_HA_RESTART:
			slot = &t->ht_restart;
			break;
		case DRV_HA_STARTED:
			slot = &t->ht_started;
			break;
		default:
			break;
		}
		if (slot != NULL && *slot == 0)
			*slot = ev->he_wall_ns;
	}
}

double
ha_rel_s(uint64_t t, uint64_t t0)
{
	return ((double)t - (double)t0) / 1e9;
}

void
ha_figures(const struct ha_times *t, const struct ping_slot *slots,
    size_t n, struct ha_figs *f)
{
	uint64_t after = t->ht_restart ? t->ht_restart : t->ht_fault;
	size_t i;

	f->hf_detect_s = f->hf_restart_s = f->hf_failover_s = -1;
	f->hf_fence_done_s = -1;
	f->hf_boot_s = f->hf_started_s = -1;
	f->hf_last_reply_s = 0;
	f->hf_first_reply_ns = f->hf_last_reply_ns = 0;
	if (t->ht_fault == 0)
		return;
	if (t->ht_detected)
		f->hf_detect_s = ha_rel_s(t->ht_detected, t->ht_fault);
	if (t->ht_fenced)
		f->hf_fence_done_s = ha_rel_s(t->ht_fenced, t->ht_fault);
	if (t->ht_restart)
		f->hf_restart_s = ha_rel_s(t->ht_restart, t->ht_fault);
	if (t->ht_started)
		f->hf_started_s = ha_rel_s(t->ht_started, t->ht_fault);
	for (i = 0; i < n; i++) {
		const struct ping_slot *s = &slots[i];

		if (s->ps_replies == 0 || s->ps_recv_ns == 0)
			continue;
		if (s->ps_recv_ns <= t->ht_fault &&
		    s->ps_recv_ns > f->hf_last_reply_ns)
			f->hf_last_reply_ns = s->ps_recv_ns;
		if (s->ps_sent_ns > t->ht_fault && s->ps_recv_ns > after &&
		    (f->hf_first_reply_ns == 0 ||
		    s->ps_recv_ns < f->hf_first_reply_ns))
			f->hf_first_reply_ns = s->ps_recv_ns;
	}
	if (f->hf_last_reply_ns)
		f->hf_last_reply_s = ha_rel_s(f->hf_last_reply_ns, t->ht_fault);
	if (f->hf_first_reply_ns) {
		f->hf_failover_s = ha_rel_s(f->hf_first_reply_ns, t->ht_fault);
		if (t->ht_restart)
			f->hf_boot_s = ha_rel_s(f->hf_first_reply_ns,
			    t->ht_restart);
	}
}

int
ha_count_copies(const struct ha_proc *p, size_t n, const uint64_t *ns,
    size_t nns, int *per)
{
	size_t i, k;
	int total = 0;

	for (k = 0; per != NULL && k < nns; k++)
		per[k] = 0;
	for (i = 0; i < n; i++) {
		if (!p[i].p_match || p[i].p_vcpus <= 0)
			continue;
		for (k = 0; k < nns; k++)
			if (ns[k] != 0 && ns[k] == p[i].p_ns)
				break;
		if (k == nns)
			continue;
		if (per != NULL)
			per[k]++;
		total++;
	}
	return total;
}

/* ---- the copy sampler ---- */

static uint64_t
ns_inode(int pid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/ns/pid", pid);
	return stat(p, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Read up to len-1 bytes of a small file; bytes read or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got,
	    len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The pid namespace of pid when pid is a namespace's init (a lab host's
 * init.pid may name a pid that died with a power pull and was reused). */
static uint64_t
init_ns(int pid)
{
	char path[64], buf[2048], *l, *last;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (l = strstr(buf, "\nNSpid:")) == NULL)
		return 0;
	l[strcspn(l + 1, "\n") + 1] = '\0';
	if ((last = strrchr(l, '\t')) == NULL && (last = strrchr(l, ' ')) ==
	    NULL)
		return 0;
	return atoi(last + 1) == 1 ? ns_inode(pid) : 0;
}

int
ha_vcpus_running(struct ha_vcpu_hist *h, uint64_t ns_now)
{
	int ran = h->vh_seen && ns_now > h->vh_ns, running;

	running = ran && h->vh_ran;
	h->vh_ns = ns_now;
	h->vh_seen = 1;
	h->vh_ran = ran;
	return running;
}

/* Threads of pid named like QEMU's vCPU threads ("CPU 0/TCG"): how many,
 * and their run time in ns (schedstat's first field) summed into *ns. */
static int
vcpu_threads(int pid, uint64_t *ns)
{
	char path[64], comm[64], st[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	*ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char p2[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/comm", pid,
		    de->d_name);
		if (read_small(p2, comm, sizeof(comm)) <= 0 ||
		    strncmp(comm, "CPU ", 4) != 0)
			continue;
		n++;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", pid,
		    de->d_name);
		if (read_small(p2, st, sizeof(st)) > 0)
			*ns += strtoull(st, NULL, 10);
	}
	closedir(d);
	return n;
}

/* vCPU threads of a matching pid that run, by its history in s. */
static int
vcpus_running(struct ha_sampler *s, int pid)
{
	uint64_t ns;
	size_t k;
	int n = vcpu_threads(pid, &ns);

	if (n == 0)
		return 0;
	for (k = 0; k < s->nhist && s->hist_pid[k] != pid; k++)
		;
	if (k == s->nhist) {
		if (s->nhist == HA_HIST_MAX)
			return n;	/* more QEMUs than kept: count it */
		s->hist_pid[k] = pid;
		memset(&s->hist[k], 0, sizeof(s->hist[k]));
		s->nhist++;
	}
	return ha_vcpus_running(&s->hist[k], ns) ? n : 0;
}

/* The first time two copies were seen: which processes, into seen2. */
static void
seen_two(struct ha_sampler *s, const struct ha_proc *pr, size_t n,
    const uint64_t *ns)
{
	size_t i, k, off = 0;

	for (i = 0; i < n; i++) {
		if (!pr[i].p_match)
			continue;
		for (k = 0; k < s->nhosts && ns[k] != pr[i].p_ns; k++)
			;
		if (k == s->nhosts)
			continue;
		off += (size_t)snprintf(s->seen2 + off, off <
		    sizeof(s->seen2) ? sizeof(s->seen2) - off : 0,
		    "%s%s pid %d ppid %d", off ? ", " : "",
		    s->e->env->e_hosts[k].h_name, pr[i].p_pid, pr[i].p_ppid);
		if (off >= sizeof(s->seen2))
			break;
	}
}

/* One scan of /proc: the VM's running copies per lab host into per;
 * the total, or -1. */
static int
sample_once(struct ha_sampler *s, int *per)
{
	uint64_t ns[HA_HOSTS_MAX];
	struct ha_proc *pr = NULL;
	size_t n = 0, cap = 0, i;
	char path[600], buf[8192];
	struct dirent *de;
	DIR *d;
	int total;

	for (i = 0; i < s->nhosts; i++) {
		ns[i] = 0;
		snprintf(path, sizeof(path), "%s/%s/init.pid",
		    s->e->lab_state, s->e->env->e_hosts[i].h_name);
		if (read_small(path, buf, 32) > 0 && atoi(buf) > 0)
			ns[i] = init_ns(atoi(buf));
	}
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int pid = atoi(de->d_name), ppid = 0;
		uint64_t ino;
		ssize_t len;
		char *rp;

		if (pid <= 0 || (ino = ns_inode(pid)) == 0)
			continue;
		for (i = 0; i < s->nhosts; i++)
			if (ns[i] == ino)
				break;
		if (i == s->nhosts)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (read_small(path, buf, sizeof(buf)) <= 0 ||
		    (rp = strrchr(buf, ')')) == NULL ||
		    sscanf(rp + 1, " %*c %d", &ppid) != 1)
			continue;
		if (n == cap) {
			struct ha_proc *np;

			cap = cap ? cap * 2 : 256;
			if ((np = realloc(pr, cap * sizeof(*pr))) == NULL)
				break;
			pr = np;
		}
		pr[n].p_pid = pid;
		pr[n].p_ppid = ppid;
		pr[n].p_ns = ino;
		pr[n].p_match = 0;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		if ((len = read_small(path, buf, sizeof(buf))) > 0)
			pr[n].p_match = memmem(buf, (size_t)len, s->needle,
			    strlen(s->needle)) != NULL;
		pr[n].p_vcpus = pr[n].p_match ? vcpus_running(s, pid) : 0;
		n++;
	}
	closedir(d);
	total = ha_count_copies(pr, n, ns, s->nhosts, per);
	if (total > 1 && s->seen2[0] == '\0')
		seen_two(s, pr, n, ns);
	free(pr);
	return total;
}

static void *
sampler_main(void *arg)
{
	struct ha_sampler *s = arg;
	int per[HA_HOSTS_MAX], total;
	uint64_t now;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		if (s->quit) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		total = s->rscan ? ha_rscan_sample(s, per) :
		    sample_once(s, per);
		now = clock_wall_ns();
		pthread_mutex_lock(&s->mu);
		if (total >= 0) {
			s->samples++;
			s->last_total = total;
			for (size_t k = 0; k < s->nhosts; k++)
				if (per[k] > s->max_host)
					s->max_host = per[k];
			if (total > s->max_total)
				s->max_total = total;
			if (total > 1 && s->seen2_at == 0)
				s->seen2_at = now;
			memcpy(s->per, per, sizeof(per));
			if (s->gone_from && !s->gone_at && now >= s->gone_from &&
			    per[s->victim] == 0)
				s->gone_at = now;
			if (s->watch_from && now >= s->watch_from &&
			    per[s->victim] > s->watch_max)
				s->watch_max = per[s->victim];
		}
		pthread_mutex_unlock(&s->mu);
		clock_sleep_ns(HA_SAMPLE_NS);
	}
	return NULL;
}

/* 0 when the last sample saw exactly one copy, on the victim's host;
 * -1 with err otherwise. */
static int
copies_seen_once(struct ha_sampler *s, int victim, const struct ha_env *e,
    const char *host, char *err)
{
	/* over SSH a copy is seen running from its third sample on */
	uint64_t samples, end = clock_mono_ns() + (s->rscan ? 5 * HA_RSCAN_NS :
	    0);
	int total, on;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		samples = s->samples;
		total = s->last_total;
		on = s->per[victim];
		pthread_mutex_unlock(&s->mu);
		if (samples > 0 && total == 1 && on == 1)
			return 0;
		if (clock_mono_ns() >= end)
			break;
		clock_sleep_ns(HA_SAMPLE_NS);
	}
	return err_set(err, "ha: before the fault the copy scan sees %d "
	    "running copies of %s (%d on %s; %llu samples), not 1: it "
	    "cannot count copies on this platform (docs/ha.md \"copies\")",
	    total, e->vm, on, host, (unsigned long long)samples);
}

int
ha_sampler_start(struct ha_sampler *s, const struct ha_env *e, int victim,
    char *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->e = e;
	s->victim = victim;
	s->nhosts = e->env->e_nhosts < HA_HOSTS_MAX ? e->env->e_nhosts :
	    HA_HOSTS_MAX;
	/* guest_prepare's cmdline: "... hvlab.name=VM hvlab.ip=..." */
	snprintf(s->needle, sizeof(s->needle), "hvlab.name=%s ", e->vm);
	if (e->remote && (s->rscan = ha_rscan_new(e, s->nhosts, err)) == NULL)
		return -1;
	pthread_mutex_init(&s->mu, NULL);
	if ((rc = pthread_create(&s->th, NULL, sampler_main, s)) != 0) {
		pthread_mutex_destroy(&s->mu);
		ha_rscan_free(s->rscan);
		errno = rc;
		return err_errno(err, "copy sampler thread");
	}
	s->started = 1;
	return 0;
}

void
ha_sampler_stop(struct ha_sampler *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_mutex_destroy(&s->mu);
	ha_rscan_free(s->rscan);
	s->rscan = NULL;
	s->started = 0;
}

/* Wait until the sampler has taken two samples after now. */
void
ha_sampler_settle(struct ha_sampler *s)
{
	uint64_t n0, n;

	pthread_mutex_lock(&s->mu);
	n0 = s->samples;
	pthread_mutex_unlock(&s->mu);
	do {
		clock_sleep_ns(HA_SAMPLE_NS / 2);
		pthread_mutex_lock(&s->mu);
		n = s->samples;
		pthread_mutex_unlock(&s->mu);
	} while (n < n0 + 2);
}

/* ---- helpers ---- */

void
ha_say(const struct ha_env *e, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_debug("ha: %s", text);
	if (e->progress != NULL)
		e->progress(e->arg, text);
}

static int
stopped(const struct ha_env *e)
{
	return e->stop != NULL && *e->stop;
}

/* Sleep ns unless stopped; -1 when stopped. */
int
ha_sleep(const struct ha_env *e, uint64_t ns)
{
	uint64_t end = clock_mono_ns() + ns, now;

	while ((now = clock_mono_ns()) < end) {
		if (stopped(e))
			return -1;
		clock_sleep_ns(end - now < 200 * NS_PER_MS ? end - now :
		    200 * NS_PER_MS);
	}
	return stopped(e) ? -1 : 0;
}

/*
 * `hvlab inject --lab LAB -- EVENT ARGS...` (after `--`, so a negative
 * number is an argument); *wall = the lab's stamp of the event (its
 * output: "... wall_ns=N ..."), or our clock around the call when the
 * output does not say.
 */
int
ha_inject_args(const struct ha_env *e, const char *ev,
    const char *const args[], size_t nargs, uint64_t *wall, char *err)
{
	const char *argv[HA_INJECT_ARGS + 8];
	struct proc_result r;
	const char *w;
	uint64_t t0 = clock_wall_ns();
	size_t i;
	int n = 0, rc;

	if (nargs > HA_INJECT_ARGS)
		return err_set(err, "hvlab inject %s: too many arguments", ev);
	argv[n++] = e->self;
	argv[n++] = "inject";
	argv[n++] = "--lab";
	argv[n++] = e->lab;
	argv[n++] = "--";
	argv[n++] = ev;
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(&r, 0, sizeof(r));
	rc = proc_run(argv, NULL, HA_INJECT_MS, &r, err);
	if (wall != NULL) {
		*wall = t0;
		if (rc == 0 && r.out != NULL &&
		    (w = strstr(r.out, "wall_ns=")) != NULL)
			*wall = strtoull(w + 8, NULL, 10);
	}
	proc_result_free(&r);
	if (rc == -1)
		err_prefix(err, "hvlab inject %s%s%s", ev, nargs ? " " : "",
		    nargs ? args[0] : "");
	return rc;
}

/* `hvlab inject EVENT [HOST]`: ha_inject_args with one host or none. */
int
ha_inject(const struct ha_env *e, const char *ev, const char *host,
    uint64_t *wall, char *err)
{
	const char *args[1] = { host };

	return ha_inject_args(e, ev, args, host != NULL, wall, err);
}

/* One short ping burst from the station: 1 answered, 0 not, -1 error. */
static int
ping_burst(const struct ha_env *e, const char *addr, char *err)
{
	return probe_ping_answers(e->env->e_station_netns, addr, 1, err);
}

int
ha_wait_ping(const struct ha_env *e, const char *addr, uint64_t timeout,
    char *err)
{
	uint64_t end = clock_mono_ns() + timeout;
	char pe[ERR_LEN] = "";
	int r;

	while (!stopped(e)) {
		if ((r = ping_burst(e, addr, pe)) == 1)
			return 0;
		if (r == -1)
			clock_sleep_ns(500 * NS_PER_MS);
		if (clock_mono_ns() >= end)
			return err_set(err, "%s does not answer the station's "
			    "ping within %llu s%s%s", addr,
			    (unsigned long long)(timeout / NS_PER_S),
			    *pe ? ": " : "", pe);
	}
	return err_set(err, "interrupted");
}

/* Finish a driver operation's task; the cleanup's (stoppable 0) also
 * after Ctrl-C. */
int
ha_task_run(const struct ha_env *e, int op_rc, struct drv_task *t,
    int stoppable, char *err)
{
	if (op_rc != 0)
		return op_rc;
	if (t->t_done)
		return t->t_failed ? err_set(err, "%s", t->t_status) : 0;
	return driver_task_wait(e->drv, t, HA_TASK_NS, stoppable ? e->stop :
	    NULL, err);
}

/* Every host online and the cluster quorate (after a power-on, a heal). */
int
ha_wait_cluster_whole(const struct ha_env *e, char *err)
{
	const struct driver_ops *ops = e->drv->d_ops;
	uint64_t end = clock_mono_ns() + HA_ONLINE_NS;
	struct drv_cluster_info ci;
	char ce[ERR_LEN] = "no answer";

	memset(&ci, 0, sizeof(ci));
	while (ops->cluster_info != NULL) {
		if (ops->cluster_info(e->drv, &ci, ce) == 0 && ci.c_quorate &&
		    ci.c_online == (int)e->env->e_nhosts)
			return 0;
		if (clock_mono_ns() >= end)
			return err_set(err, "the cluster is not whole again "
			    "%llu s after the host came back (%d of %zu "
			    "online, %s)", (unsigned long long)(HA_ONLINE_NS /
			    NS_PER_S), ci.c_online, e->env->e_nhosts,
			    ci.c_quorate ? "quorate" : ce);
		clock_sleep_ns(500 * NS_PER_MS);
	}
	return 0;
}

int
ha_host_index(const struct ha_env *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->env->e_nhosts; i++)
		if (strcmp(e->env->e_hosts[i].h_name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- the drill ---- */

/* The ping CSV and the failover timeline (events at the platform's and
 * the lab's times). */
void
ha_keep_timeline(struct ha_drill *d)
{
	const struct ha_times *t = &d->times;
	const struct ha_figs *f = &d->figs;
	char rel[300], path[4400], er[ERR_LEN];
	uint64_t t0 = d->pr.pr_stats.st_start_ns;
	struct timeline *tl;

	snprintf(rel, sizeof(rel), "raw/%s-%zu-failover.csv", d->e->scen,
	    d->e->runno);
	snprintf(path, sizeof(path), "%s/%s", d->e->outdir, rel);
	if (t0 == 0 || probe_ping_write_csv(&d->pr, path, er) == -1) {
		log_warnx("ha: failover timeline: %s", t0 ? er :
		    "the probe sent nothing");
		return;
	}
	tl = d->tl = run_add_timeline(d->run, rel, "failover");
	scen_add_artifact(d->sr, rel);
	if (f->hf_last_reply_ns && f->hf_first_reply_ns) {
		tl->tl_has_window = 1;
		tl->tl_down_start_s = ha_rel_s(f->hf_last_reply_ns, t0);
		tl->tl_down_end_s = ha_rel_s(f->hf_first_reply_ns, t0);
	}
	timeline_add_event(tl, ha_rel_s(t->ht_fault, t0), d->fault);
	if (d->fenced)
		timeline_add_event(tl, ha_rel_s(d->fenced, t0), "fenced");
	if (t->ht_detected)
		timeline_add_event(tl, ha_rel_s(t->ht_detected, t0), "detected");
	if (t->ht_restart)
		timeline_add_event(tl, ha_rel_s(t->ht_restart, t0), "restart");
	if (t->ht_started)
		timeline_add_event(tl, ha_rel_s(t->ht_started, t0), "running");
	if (f->hf_first_reply_ns)
		timeline_add_event(tl, ha_rel_s(f->hf_first_reply_ns, t0),
		    "first reply");
}

void
ha_keep_json(const struct ha_env *e, struct scen_result *sr, const char *what,
    cJSON *doc)
{
	char rel[300], path[4400], er[ERR_LEN];

	if (doc == NULL)
		return;
	snprintf(rel, sizeof(rel), "raw/%s-%zu-%s.json", e->scen, e->runno,
	    what);
	snprintf(path, sizeof(path), "%s/%s", e->outdir, rel);
	if (json_write_file(path, doc, er) == 0)
		scen_add_artifact(sr, rel);
	else
		log_warnx("ha: %s", er);
	cJSON_Delete(doc);
}

/* The platform's recovery log as JSON (raw/NAME-N-ha.json). */
static cJSON *
status_json(const struct drv_ha_status *hs, const struct ha_times *t)
{
	static const char *const step[] = { "other", "detected", "fenced",
	    "restart", "started" };
	cJSON *o = cJSON_CreateObject(), *a;
	char w[40];
	size_t i;

	cJSON_AddStringToObject(o, "manager", hs->hs_manager);
	cJSON_AddStringToObject(o, "state", hs->hs_state);
	cJSON_AddStringToObject(o, "node", hs->hs_node);
	clock_format_wall(t->ht_fault, w, sizeof(w));
	cJSON_AddStringToObject(o, "fault", w);
	a = cJSON_AddArrayToObject(o, "log");
	for (i = 0; i < hs->hs_nevents; i++) {
		const struct drv_ha_event *ev = &hs->hs_events[i];
		cJSON *x = cJSON_CreateObject();

		clock_format_wall(ev->he_wall_ns, w, sizeof(w));
		cJSON_AddStringToObject(x, "t", w);
		cJSON_AddStringToObject(x, "step", step[ev->he_step]);
		cJSON_AddStringToObject(x, "word", ev->he_word);
		cJSON_AddStringToObject(x, "node", ev->he_node);
		cJSON_AddItemToArray(a, x);
	}
	return o;
}

/* What the drill needs of the platform and of the lab. */
int
ha_drill_check(const struct ha_env *e, char *err)
{
	const struct driver_ops *ops = e->drv->d_ops;

	if (ops->ha_enable == NULL || ops->ha_disable == NULL ||
	    ops->ha_status == NULL)
		return err_set(err, "ha: %s", ops->unsupported_reason ?
		    ops->unsupported_reason : "not supported"),
		    DRIVER_UNSUPPORTED;
	if (e->env->e_nhosts < 3)
		return err_set(err, "ha: needs a lab with 3 hosts or more (2 "
		    "survivors keep the cluster's majority when one is "
		    "lost; a 2-host cluster needs a witness)");
	if (e->env->e_nhosts > HA_HOSTS_MAX)
		return err_set(err, "ha: more than %d hosts", HA_HOSTS_MAX);
	if (e->env->e_san_addr == NULL)
		return err_set(err, "ha: the lab has no SAN for the VM's disk");
	return 0;
}

/* 1. The HA manager, and the victim host. */
int
ha_drill_roles(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	uint64_t end = clock_mono_ns() + 60 * NS_PER_S;
	size_t i;
	int r;

	ha_say(e, "run %zu: ha: who is the HA manager?", e->runno);
	for (;;) {
		/* a driver may learn only now that this lab lacks what its
		 * HA needs (libvirt: BMCs to fence through) */
		if ((r = e->drv->d_ops->ha_status(e->drv, NULL, &d->hs,
		    err)) != 0)
			return r;
		if (d->hs.hs_manager[0] != '\0')
			break;
		if (clock_mono_ns() >= end)
			return err_set(err, "ha: the platform elected no HA "
			    "manager within 60 s");
		if (ha_sleep(e, 500 * NS_PER_MS) == -1)
			return err_set(err, "interrupted");
	}
	snprintf(d->manager, sizeof(d->manager), "%s", d->hs.hs_manager);
	d->fence_setting = d->hs.hs_fence_s;
	for (i = 0; i < d->hs.hs_nknobs && i < DRV_HA_KNOBS_MAX; i++)
		metrics_set(d->m, d->hs.hs_knobs[i].k_name,
		    d->hs.hs_knobs[i].k_value);
	if (d->p->hp_victim == HA_VICTIM_MANAGER)
		snprintf(d->victim, sizeof(d->victim), "%s", d->manager);
	else
		for (i = 0; i < e->env->e_nhosts && !d->victim[0]; i++)
			if (strcmp(e->env->e_hosts[i].h_name, d->manager) != 0)
				snprintf(d->victim, sizeof(d->victim), "%s",
				    e->env->e_hosts[i].h_name);
	if ((d->vi_idx = ha_host_index(e, d->victim)) < 0)
		return err_set(err, "ha: the HA manager's host '%s' is not a "
		    "lab host", d->victim);
	snprintf(d->fhost, sizeof(d->fhost), "%s", d->victim);
	return 0;
}

/* 2. The VM: disk on the shared pool, on the victim host, HA. */
int
ha_drill_vm(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	int r;

	memset(&sp, 0, sizeof(sp));
	if (e->guest(e->arg, e->vm, d->p->hp_vlan, &sp, &d->g, err) == -1)
		return -1;
	sp.v_name = e->vm;
	sp.v_host = d->victim;
	sp.v_memory_mib = d->p->hp_memory_mib;
	sp.v_pool = "san";
	sp.v_ha = 1;
	ha_say(e, "run %zu: ha: VM %s on %s (disk on pool san)", e->runno, e->vm,
	    d->victim);
	drv_task_init(&t);
	if ((r = ha_task_run(e, ops->vm_create(e->drv, &sp, &t, err), &t, 1,
	    err)) != 0)
		return err_prefix(err, "create VM %s", e->vm), r;
	d->made = 1;
	e->track(e->arg, e->vm, 1);
	drv_task_init(&t);
	if (ha_task_run(e, ops->vm_start(e->drv, e->vm, &t, err), &t, 1,
	    err) != 0)
		return err_prefix(err, "start VM %s", e->vm);
	if ((r = ops->ha_enable(e->drv, e->vm, err)) != 0)
		return err_prefix(err, "make %s an HA resource", e->vm), r;
	d->ha_on = 1;
	ha_say(e, "run %zu: ha: %s boots on %s", e->runno, e->vm, d->victim);
	return ha_wait_ping(e, d->g.g_addr, HA_BOOT_NS, err);
}

/* The platform knows it runs there (its HA state says so). */
int
ha_drill_vm_placed(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	uint64_t end = clock_mono_ns() + 60 * NS_PER_S;

	for (;;) {
		if (e->drv->d_ops->ha_status(e->drv, e->vm, &d->hs, err) == -1)
			return -1;
		if (d->hs.hs_running && strcmp(d->hs.hs_node, d->victim) == 0)
			return 0;
		if (clock_mono_ns() >= end)
			return err_set(err, "ha: %s does not run as an HA "
			    "resource on %s within 60 s (state '%s' on '%s')",
			    e->vm, d->victim, d->hs.hs_state, d->hs.hs_node);
		if (ha_sleep(e, 500 * NS_PER_MS) == -1)
			return err_set(err, "interrupted");
	}
}

/* 3. Probes and the sampler, a steady moment. */
int
ha_drill_probes(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	struct probe_ping_opts o;
	uint64_t end;

	if (ha_sampler_start(&d->smp, e, d->vi_idx, err) == -1)
		return -1;
	if (d->p->hp_integrity) {
		memset(&d->io, 0, sizeof(d->io));
		d->io.target = d->g.g_addr;
		d->io.netns = e->env->e_station_netns;
		/* The guest answers ping a moment before its agent
		 * listens (a loaded machine: seconds). */
		end = clock_mono_ns() + 60 * NS_PER_S;
		while ((d->integ = probe_integrity_start(&d->io, err)) ==
		    NULL)
			if (clock_mono_ns() >= end || ha_sleep(e, NS_PER_S) == -1)
				return err_prefix(err, "integrity probe on %s "
				    "(60 s after its first ping reply)", e->vm);
	}
	memset(&o, 0, sizeof(o));
	o.target = d->g.g_addr;
	o.netns = e->env->e_station_netns;
	o.interval_ns = d->p->hp_interval_ns;
	if ((d->ping = probe_ping_start(&o, err)) == NULL)
		return -1;
	if (ha_sleep(e, 3 * NS_PER_S) == -1)
		return err_set(err, "interrupted");
	if (d->integ != NULL) {
		uint64_t n = 0, last = 0;
		int ended = 0;

		probe_integrity_progress(d->integ, &n, &last, &ended);
		if (n == 0 || ended)
			return err_set(err, "ha: the integrity probe got no "
			    "acknowledged write from %s before the fault (%s)",
			    e->vm, ended ? "its journal ended" : "0 acks");
	}
	/* The copy scan proves it can see the VM before it is trusted to
	 * count copies after the fault. */
	return copies_seen_once(&d->smp, d->vi_idx, e, d->victim, err);
}

/* 4. The fault. */
int
ha_drill_fault(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;

	ha_say(e, "run %zu: ha: %s %s (VM's host%s)", e->runno, d->fault,
	    d->fhost, strcmp(d->fhost, d->manager) == 0 ?
	    " and HA manager" : "");
	pthread_mutex_lock(&d->smp.mu);
	d->smp.gone_from = clock_wall_ns();
	pthread_mutex_unlock(&d->smp.mu);
	if (ha_inject(e, d->fault, d->fhost, &d->times.ht_fault, err) == -1)
		return -1;
	d->faulted = 1;
	return 0;
}

/* 5. Back?  The journal ends with the lost copy; the restarted VM's
 * agent answers the verify (the wait is the failover). */
int
ha_drill_back(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	struct integrity_result ir;
	struct journal_state js;
	int r;

	ha_say(e, "run %zu: ha: waiting for %s to come back", e->runno, e->vm);
	if (d->integ != NULL) {
		probe_integrity_wait_end(d->integ, d->journal_wait_ms);
		r = probe_integrity_stop(d->integ, &d->acks, err);
		d->integ = NULL;
		if (r == -1)
			return -1;
		if (probe_integrity_verify(&d->io, &d->acks,
		    d->p->hp_timeout_ns, &js, &ir, err) == -1)
			return err_prefix(err, "ha: %s after the %s", e->vm,
			    d->fault);
		d->ir = ir;
		d->verified = 1;
		metrics_set(d->m, "lost_acked_writes",
		    (double)ir.ir_lost_acked);
		metrics_set(d->m, "acked_writes", (double)ir.ir_acked);
		ha_keep_json(e, d->sr, "integrity", integrity_result_json(
		    d->g.g_addr, &d->acks, &js, &ir));
	} else if (ha_wait_ping(e, d->g.g_addr, d->p->hp_timeout_ns, err) == -1)
		return -1;
	if (ha_sleep(e, 1500 * NS_PER_MS) == -1)
		return err_set(err, "interrupted");
	r = probe_ping_stop(d->ping, &d->pr, err);
	d->ping = NULL;
	return r;
}

/* The figures from the recovery log and the ping timeline. */
static void
ha_drill_figures(struct ha_drill *d)
{
	struct metrics *m = d->m;

	ha_figures(&d->times, d->pr.pr_timeline.pt_slots,
	    d->pr.pr_timeline.pt_n, &d->figs);
	if (d->figs.hf_detect_s >= 0)
		metrics_set(m, "detect_s", d->figs.hf_detect_s);
	if (d->figs.hf_fence_done_s >= 0)
		metrics_set(m, "fence_done_s", d->figs.hf_fence_done_s);
	if (d->figs.hf_restart_s >= 0)
		metrics_set(m, "restart_s", d->figs.hf_restart_s);
	if (d->figs.hf_started_s >= 0)
		metrics_set(m, "started_s", d->figs.hf_started_s);
	if (d->figs.hf_failover_s >= 0)
		metrics_set(m, "failover_s", d->figs.hf_failover_s);
	if (d->figs.hf_boot_s >= 0)
		metrics_set(m, "boot_s", d->figs.hf_boot_s);
	if (d->p->hp_fault != HA_FAULT_PARTITION)
		return;
	pthread_mutex_lock(&d->smp.mu);
	d->fenced = d->smp.gone_at;
	pthread_mutex_unlock(&d->smp.mu);
	if (d->fenced)
		metrics_set(m, "fence_s", ha_rel_s(d->fenced,
		    d->times.ht_fault));
	if (d->fence_setting > 0)
		metrics_set(m, "fence_setting_s", d->fence_setting);
	/* each platform's own deadline: hvd's lease, Pacemaker's
	 * detection + stonith-timeout */
	if (d->fenced && d->fence_setting > 0)
		metrics_set(m, "fence_overrun_s", ha_rel_s(d->fenced,
		    d->times.ht_fault) - d->fence_setting);
}

/*
 * What the platform and the probes tell after the fault, kept once: the
 * recovery log (raw/NAME-N-ha.json; read now when read_log), the figures
 * and the failover timeline.  A drill that failed after its fault keeps
 * them too: they are the evidence of what went wrong.
 */
void
ha_drill_evidence(struct ha_drill *d, int read_log)
{
	const struct ha_env *e = d->e;
	char e2[ERR_LEN];

	if (d->kept || !d->faulted)
		return;
	d->kept = 1;
	if (d->ping != NULL && probe_ping_stop(d->ping, &d->pr, e2) == -1)
		log_debug("ha: ping probe: %s", e2);
	d->ping = NULL;
	if (read_log && e->drv->d_ops->ha_status(e->drv, e->vm, &d->hs,
	    e2) == 0) {
		d->times.ht_detected = d->times.ht_fenced =
		    d->times.ht_restart = d->times.ht_started = 0;
		ha_times_from_status(&d->hs, &d->times);
	}
	snprintf(d->newhost, sizeof(d->newhost), "%s", d->hs.hs_node);
	ha_keep_json(e, d->sr, "ha", status_json(&d->hs, &d->times));
	ha_drill_figures(d);
	ha_keep_timeline(d);
}

/* 6. The platform's account: detection, restart, running. */
int
ha_drill_account(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	uint64_t end = clock_mono_ns() + d->account_wait_ns;
	struct drv_vm_info vi;
	char e2[ERR_LEN] = "";

	for (;;) {
		if (ops->ha_status(e->drv, e->vm, &d->hs, e2) == 0) {
			d->times.ht_detected = d->times.ht_fenced =
			    d->times.ht_restart = d->times.ht_started = 0;
			ha_times_from_status(&d->hs, &d->times);
			if (d->times.ht_started != 0)
				break;
		}
		if (clock_mono_ns() >= end) {
			/* a fault that missed the VM's host restarts
			 * nothing: no restart is then no news */
			if (!d->may_stay && strcmp(d->victim, d->fhost) == 0)
				log_warnx("ha: the platform's HA log has no "
				    "restart of %s after the fault (%s)", e->vm,
				    e2);
			break;
		}
		if (ha_sleep(e, 500 * NS_PER_MS) == -1)
			break;
	}
	ha_drill_evidence(d, 0);
	if (ops->vm_info != NULL && ops->vm_info(e->drv, e->vm, &vi, e2) == 0)
		snprintf(d->newhost, sizeof(d->newhost), "%s", vi.i_host);
	if (!d->may_stay && strcmp(d->newhost, d->fhost) == 0)
		return err_set(err, "ha: after the %s of %s the platform says "
		    "%s runs on %s again", d->fault, d->fhost, e->vm,
		    d->fhost);
	return 0;
}

/* 1 when host's init runs (lab/hostinit.c: its pid in the state). */
static int
host_on(const struct ha_env *e, const char *host)
{
	char path[600], buf[32];

	snprintf(path, sizeof(path), "%s/%s/init.pid", e->lab_state, host);
	return read_small(path, buf, sizeof(buf)) > 0 && atoi(buf) > 0 &&
	    init_ns(atoi(buf)) != 0;
}

/* 7. The old host back: it must leave the VM alone. */
int
ha_drill_old_host(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	struct drv_vm_info vi;
	char e2[ERR_LEN];

	if (d->back == NULL || (d->back_host != NULL && !d->p->hp_power_on))
		return 0;	/* nothing to undo, or the pulled host stays off */
	if (d->back_host != NULL && host_on(e, d->fhost)) {
		/* a fence that reboots (Pacemaker's default action) powered
		 * it on already: watch it from when its copy was gone */
		ha_say(e, "run %zu: ha: %s is on again already (fenced with "
		    "a reboot)", e->runno, d->fhost);
		pthread_mutex_lock(&d->smp.mu);
		d->smp.watch_from = d->smp.gone_at ? d->smp.gone_at :
		    clock_wall_ns();
		pthread_mutex_unlock(&d->smp.mu);
	} else {
		ha_say(e, "run %zu: ha: %s %s", e->runno, d->back, d->fhost);
		pthread_mutex_lock(&d->smp.mu);
		d->smp.watch_from = clock_wall_ns();
		pthread_mutex_unlock(&d->smp.mu);
		if (ha_inject(e, d->back, d->back_host, NULL, err) == -1)
			return -1;
		/* a cut-off host fenced by its BMC stays off after the heal,
		 * as a real one does until someone powers it on */
		if (d->back_host == NULL && !host_on(e, d->fhost)) {
			ha_say(e, "run %zu: ha: power-on %s (fenced off)",
			    e->runno, d->fhost);
			if (ha_inject(e, "power-on", d->fhost, NULL, err) == -1)
				return -1;
		}
	}
	d->restored = 1;
	if (ha_wait_cluster_whole(e, err) == -1)
		return -1;
	ha_say(e, "run %zu: ha: watching %s for %llu s", e->runno, d->fhost,
	    (unsigned long long)(d->p->hp_watch_ns / NS_PER_S));
	if (ha_sleep(e, d->p->hp_watch_ns) == -1)
		return err_set(err, "interrupted");
	ha_sampler_settle(&d->smp);
	pthread_mutex_lock(&d->smp.mu);
	d->old_started = d->smp.watch_max > 0;
	pthread_mutex_unlock(&d->smp.mu);
	if (ops->vm_info != NULL && ops->vm_info(e->drv, e->vm, &vi,
	    e2) == 0 && strcmp(vi.i_host, d->fhost) == 0)
		d->old_started = 1;
	metrics_set(d->m, "old_host_started", d->old_started);
	return 0;
}

void
ha_drill_summary(struct ha_drill *d)
{
	const struct ha_env *e = d->e;

	ha_sampler_stop(&d->smp);
	metrics_set(d->m, "max_running_copies", d->smp.max_total);
	metrics_set(d->m, "max_host_copies", d->smp.max_host);
	if (e->remote) {
		metrics_set(d->m, "copy_samples", d->smp.samples);
		metrics_set(d->m, "copy_samples_unknown", d->smp.unknown);
	}
	if (d->smp.max_total > 1)
		log_warnx("ha: %d running copies of %s at %+.1f s from the "
		    "%s: %s", d->smp.max_total, e->vm, ha_rel_s(d->smp.seen2_at,
		    d->times.ht_fault), d->fault, d->smp.seen2);
	results_set_str(&d->run->r_reason, "%s of %s (%s), VM back on %s%s%s",
	    d->fault, d->fhost, strcmp(d->fhost, d->manager) == 0 ?
	    "the VM's host and HA manager" : "the VM's host",
	    d->newhost[0] ? d->newhost : "?", d->old_started == 0 ? "; " : "",
	    d->old_started == 0 ? (d->back_host == NULL ?
	    "healed host left it alone" : "powered-on host left it alone") :
	    "");
}

/* Whatever happened: probes off, the lab whole again, the HA resource
 * gone, the VM deleted. */
void
ha_drill_cleanup(struct ha_drill *d)
{
	const struct ha_env *e = d->e;
	const struct driver_ops *ops = e->drv->d_ops;
	struct drv_task t;
	char e2[ERR_LEN];

	ha_drill_evidence(d, 1);
	if (d->ping != NULL && probe_ping_stop(d->ping, &d->pr, e2) == -1)
		log_debug("ha: ping probe: %s", e2);
	probe_ping_result_free(&d->pr);
	if (d->integ != NULL && probe_integrity_stop(d->integ, &d->acks,
	    e2) == -1)
		log_debug("ha: integrity probe: %s", e2);
	integrity_acks_free(&d->acks);
	ha_sampler_stop(&d->smp);
	if (d->faulted && !d->restored && d->back != NULL) {
		ha_say(e, "run %zu: ha: cleanup: %s %s", e->runno, d->back,
		    d->fhost);
		if (ha_inject(e, d->back, d->back_host, NULL, e2) == -1 ||
		    ha_wait_cluster_whole(e, e2) == -1)
			log_warnx("ha: cleanup: %s", e2);
	}
	if (d->ha_on && ops->ha_disable(e->drv, e->vm, e2) == -1)
		log_warnx("ha: cleanup: remove HA resource %s: %s", e->vm, e2);
	if (!d->made)
		return;
	ha_say(e, "run %zu: ha: cleanup: delete VM %s", e->runno, e->vm);
	drv_task_init(&t);
	if (ha_task_run(e, ops->vm_stop(e->drv, e->vm, 1, &t, e2), &t, 0,
	    e2) != 0)
		log_debug("ha: cleanup: stop %s: %s", e->vm, e2);
	drv_task_init(&t);
	if (ha_task_run(e, ops->vm_delete(e->drv, e->vm, &t, e2), &t, 0,
	    e2) == 0)
		e->track(e->arg, e->vm, 0);
	else
		log_warnx("ha: cleanup: delete VM %s: %s (again at "
		    "teardown)", e->vm, e2);
}

int
ha_drill_run(const struct ha_env *e, const struct ha_params *p,
    const struct ha_plan *plan, struct run *run, struct scen_result *sr,
    char *err)
{
	struct ha_drill *d;
	size_t i;
	int rc;

	if ((rc = ha_drill_check(e, err)) != 0)
		return rc;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return err_set(err, "ha: out of memory");
	d->e = e;
	d->p = p;
	d->run = run;
	d->sr = sr;
	d->m = &run->r_metrics;
	d->fault = plan->pl_fault;
	d->back = plan->pl_back;
	/* a host comes back by its name; a heal names none */
	d->back_host = plan->pl_back_names_host ? d->fhost : NULL;
	d->ext = plan->pl_ext;
	d->fence_setting = -1;
	d->old_started = -1;
	d->journal_wait_ms = 30000;
	d->account_wait_ns = 30 * NS_PER_S;
	for (i = 0; i < plan->pl_nsteps && rc == 0; i++)
		rc = plan->pl_steps[i](d, err);
	if (rc == 0)
		ha_drill_summary(d);
	if (rc == 0 && plan->pl_after != NULL)
		rc = plan->pl_after(d, err);
	if (plan->pl_cleanup != NULL)
		plan->pl_cleanup(d);
	ha_drill_cleanup(d);
	free(d);
	return rc;
}

/* o's string member key, or "". */
static const char *
ev_str(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

int
ha_bmc_off_at(const char *events, const char *host, uint64_t after_ns,
    uint64_t *wall_ns)
{
	const char *line = events, *nl;
	uint64_t t, first = 0;
	int off = 0;
	cJSON *o;

	for (; line != NULL && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		o = cJSON_ParseWithLength(line, nl ? (size_t)(nl - line) :
		    strlen(line));
		t = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o,
		    "wall_ns"));
		if (t >= after_ns && strcmp(ev_str(o, "source"), "bmc") == 0 &&
		    strcmp(ev_str(o, "args"), host) == 0) {
			off = strcmp(ev_str(o, "event"), "power-pull") == 0;
			if (off && first == 0)
				first = t;
		}
		cJSON_Delete(o);
	}
	if (first != 0)
		*wall_ns = first;
	return off;
}

#define HA_EVENTS_MAX (1 << 20)	/* a lab's events: ~150 bytes each */

/*
 * 6b. A partitioned host its BMC powered off (ha_fencing bmc or both):
 * bmc_off_s, then heal now and let the next step power it on and
 * watch it, as after a power pull.
 */
static int
ha_drill_bmc_off(struct ha_drill *d, char *err)
{
	const struct ha_env *e = d->e;
	char path[LAB_PATH_MAX + 16], *text;
	uint64_t at = 0;
	int off = 0;

	if (d->p->hp_fault != HA_FAULT_PARTITION || d->back == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/events.jsonl", e->lab_state);
	if ((text = malloc(HA_EVENTS_MAX)) == NULL)
		return err_set(err, "ha: out of memory");
	if (read_small(path, text, HA_EVENTS_MAX) > 0)
		off = ha_bmc_off_at(text, d->fhost, d->times.ht_fault, &at);
	free(text);
	if (at != 0)
		metrics_set(d->m, "bmc_off_s", ha_rel_s(at, d->times.ht_fault));
	if (!off)
		return 0;
	ha_say(e, "run %zu: ha: %s was powered off by its BMC: heal, then "
	    "power it on", e->runno, d->fhost);
	if (ha_inject(e, "heal", NULL, NULL, err) == -1)
		return -1;
	d->back = "power-on";
	d->back_host = d->fhost;
	return 0;
}

/* The power-pull (or partition) drill of an HA VM. */
static int
ha_run(const struct ha_env *e, const struct ha_params *p, struct run *run,
    struct scen_result *sr, char *err)
{
	static ha_step_fn *const steps[] = {
		ha_drill_roles, ha_drill_vm, ha_drill_vm_placed,
		ha_drill_probes, ha_drill_fault, ha_drill_back,
		ha_drill_account, ha_drill_bmc_off, ha_drill_old_host,
	};
	struct ha_plan plan;

	memset(&plan, 0, sizeof(plan));
	plan.pl_steps = steps;
	plan.pl_nsteps = sizeof(steps) / sizeof(steps[0]);
	plan.pl_fault = p->hp_fault == HA_FAULT_POWER_PULL ? "power-pull" :
	    "partition";
	plan.pl_back = p->hp_fault == HA_FAULT_PARTITION ? "heal" :
	    "power-on";
	plan.pl_back_names_host = p->hp_fault != HA_FAULT_PARTITION;
	return ha_drill_run(e, p, &plan, run, sr, err);
}

/* ---- the row: the runner's side ---- */

/* The lab's guest for the drill: its address on the station's VLAN,
 * remembered for vm:NAME. */
static int
ha_guest(void *arg, const char *vm, int vlan, struct drv_vm_spec *sp,
    struct ha_guest *g, char *err)
{
	struct sctx *s = arg;
	char a[SUITE_NAME_MAX + 8];

	if (vlan >= 0 && s->rc->topo != NULL &&
	    vlan != s->rc->topo->t_station.st_vlan)
		return err_set(err, "ha: params: vlan %d: the station's probes "
		    "reach only its own VLAN %d (the lab has no router)",
		    vlan, s->rc->topo->t_station.st_vlan);
	if (guest_prepare(s, vm, vlan, sp, g->g_cmdline, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", vm);
	return resolve_addr(s, a, g->g_addr, sizeof(g->g_addr), err);
}

static void
ha_track(void *arg, const char *vm, int add)
{
	vm_track(((struct sctx *)arg)->rc, vm, add);
}

static void
ha_progress(void *arg, const char *text)
{
	progress(((struct sctx *)arg)->rc, "%s", text);
}

void
ha_env_init(struct sctx *s, struct ha_env *e, char *vm, char *state)
{
	size_t i;

	/* platform VM names: letters, digits, '-', '_' */
	snprintf(vm, SUITE_NAME_MAX, "%.40s-%zu", s->sc->sc_name, s->runno);
	for (i = 0; vm[i] != '\0'; i++)
		if (vm[i] == '.')
			vm[i] = '-';
	/* the copy scan reads the hosts' init.pid (docs/ha.md "copies") */
	lab_state_dir(s->rc->host_lab[0] ? s->rc->host_lab : s->rc->lab,
	    state, LAB_PATH_MAX);
	memset(e, 0, sizeof(*e));
	e->drv = s->rc->drv;
	e->env = &s->rc->env;
	e->self = s->rc->o->ro_self;
	e->lab = s->rc->lab;
	e->lab_state = state;
	e->outdir = s->rc->o->ro_outdir;
	e->scen = s->sc->sc_name;
	e->runno = s->runno;
	e->vm = vm;
	e->remote = s->rc->topo != NULL &&
	    strcmp(s->rc->topo->t_provider, "remote") == 0;
	e->guest = ha_guest;
	e->track = ha_track;
	e->progress = ha_progress;
	e->arg = s;
	e->stop = (volatile int *)&runner_stop;
}

/* The platform's fencing mode (ha_fencing), when the scenario names
 * one: 0, DRIVER_UNSUPPORTED, or -1 with err. */
static int
ha_fencing_set(const struct ha_env *e, const char *mode, char *err)
{
	int (*fn)(struct driver *, const char *, char *) =
	    e->drv->d_ops->ha_fencing;

	if (mode[0] == '\0')
		return 0;
	if (fn == NULL)
		return err_set(err, "ha: ha_fencing %s: the platform has no "
		    "choice of fencing", mode), DRIVER_UNSUPPORTED;
	ha_say(e, "ha: fencing %s", mode);
	return fn(e->drv, mode, err);
}

/* The power-pull (or partition) drill of an HA VM. */
int
builtin_ha(struct sctx *s, char *err)
{
	struct ha_params p;
	struct ha_env e;
	char state[LAB_PATH_MAX], vm[SUITE_NAME_MAX], e2[ERR_LEN];
	int rc;

	if (ha_params_parse(s->sc->sc_params, s->sc->sc_nparams, &p,
	    err) == -1)
		return err_prefix(err, "scenario %s", s->sc->sc_name);
	ha_env_init(s, &e, vm, state);
	if ((rc = ha_fencing_set(&e, p.hp_fencing, err)) != 0)
		return rc;
	rc = ha_run(&e, &p, s->run, s->sr, err);
	/* the next scenario of the run finds the platform's default */
	if (p.hp_fencing[0] && strcmp(p.hp_fencing, "watchdog") != 0 &&
	    ha_fencing_set(&e, "watchdog", e2) != 0)
		log_warnx("ha: fencing back to watchdog: %s", e2);
	return rc;
}
