/*
 * integrity.c - the write-integrity probe (see integrity.h).
 *
 * A thread reads the journal connection: `ack SEQ` lines are appended to
 * the acknowledged list; a reset, a close or a silence longer than
 * silence_ns ends the run by itself (the VM died).  Stopping a run whose
 * connection is alive sends `journal stop` and reads the acks still in
 * flight up to `ok last=N`, so every write the agent acknowledged is known.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/agent_client.h"
#include "clock.h"
#include "err.h"
#include "probes/integrity.h"
#include "json.h"
#include "probes/probe_ns.h"

#define INTEGRITY_SILENCE_DEF_NS (3 * NS_PER_S)
#define INTEGRITY_POLL_MS 50

struct probe_integrity {
	struct probe_integrity_opts pi_opts;
	char pi_target[64];
	char pi_dev[128];
	struct agent_conn pi_conn;
	pthread_t pi_thr;
	atomic_int pi_stop;
	pthread_mutex_t pi_lock;	/* pi_acks.ia_n/ia_seq growth, ended */
	pthread_cond_t pi_cond;
	struct integrity_acks pi_acks;
	int pi_error;
	char pi_err[ERR_LEN];
	uint64_t pi_start_mono;
};

int
integrity_parse_journal(const char *line, struct journal_state *js,
    char *err)
{
	const cJSON *miss, *v;
	int64_t first = 0, last = 0, count = 0, nmiss = -1;
	cJSON *o;
	int rc = -1;

	memset(js, 0, sizeof(*js));
	o = json_parse_buf(line, strlen(line), err);
	if (o == NULL)
		return err_prefix(err, "journal read");
	if (!cJSON_IsObject(o)) {
		err_set(err, "journal read: answer is not a JSON object");
		goto fail;
	}
	if (json_get_int(o, "first", JSON_REQUIRED, &first, err) == -1 ||
	    json_get_int(o, "last", JSON_REQUIRED, &last, err) == -1 ||
	    json_get_int(o, "count", JSON_REQUIRED, &count, err) == -1 ||
	    json_get_int(o, "missing_count", JSON_OPTIONAL, &nmiss, err) ==
	    -1 || json_get_array(o, "missing", JSON_OPTIONAL, &miss, err) ==
	    -1) {
		err_prefix(err, "journal read");
		goto fail;
	}
	if (first < 0 || last < 0 || count < 0 || count > last ||
	    (last > 0 && (first < 1 || first > last))) {
		err_set(err, "journal read: inconsistent first=%" PRId64
		    " last=%" PRId64 " count=%" PRId64, first, last, count);
		goto fail;
	}
	js->js_first = (uint64_t)first;
	js->js_last = (uint64_t)last;
	js->js_count = (uint64_t)count;
	/* Absent below last: [1, first) and the holes. */
	js->js_nmissing = nmiss >= 0 ? (uint64_t)nmiss : js->js_last -
	    js->js_count;
	if (cJSON_IsArray(miss)) {
		cJSON_ArrayForEach(v, miss) {
			if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
			    v->valuedouble > (double)js->js_last) {
				err_set(err, "journal read: 'missing' holds a "
				    "value outside 1..last");
				goto fail;
			}
			if (js->js_nlisted == INTEGRITY_MISSING_MAX)
				break;
			js->js_missing[js->js_nlisted++] =
			    (uint64_t)v->valuedouble;
		}
	}
	rc = 0;
fail:
	cJSON_Delete(o);
	return rc;
}

int
integrity_present(const struct journal_state *js, uint64_t seq)
{
	uint64_t hi = 0;
	size_t i;

	if (seq == 0 || seq > js->js_last)
		return 0;
	for (i = 0; i < js->js_nlisted; i++) {
		if (js->js_missing[i] == seq)
			return 0;
		if (js->js_missing[i] > hi)
			hi = js->js_missing[i];
	}
	if (js->js_nlisted >= js->js_nmissing)
		return 1;		/* the list is complete */
	if (seq < js->js_first)
		return 0;		/* below the first valid record */
	return seq < hi ? 1 : -1;
}

void
integrity_compare(const uint64_t *acked, size_t n,
    const struct journal_state *js, struct integrity_result *r)
{
	size_t i;
	int p;

	memset(r, 0, sizeof(*r));
	r->ir_acked = n;
	r->ir_last_present = js->js_last;
	r->ir_present = js->js_count;
	for (i = 0; i < n; i++) {
		if (r->ir_first_acked == 0 || acked[i] < r->ir_first_acked)
			r->ir_first_acked = acked[i];
		if (acked[i] > r->ir_last_acked)
			r->ir_last_acked = acked[i];
		p = integrity_present(js, acked[i]);
		if (p == 1)
			continue;
		if (p == -1) {
			r->ir_unverified++;
			continue;
		}
		r->ir_lost_acked++;
		if (r->ir_first_lost == 0 || acked[i] < r->ir_first_lost)
			r->ir_first_lost = acked[i];
	}
}

void
integrity_acks_free(struct integrity_acks *a)
{
	free(a->ia_seq);
	free(a->ia_time);
	memset(a, 0, sizeof(*a));
}

static int
acks_add(struct probe_integrity *p, uint64_t seq)
{
	struct integrity_acks *a = &p->pi_acks;
	uint64_t *nv, *nt;
	size_t cap;
	int rc = 0;

	pthread_mutex_lock(&p->pi_lock);
	if (a->ia_n == a->ia_cap) {
		cap = a->ia_cap ? a->ia_cap * 2 : 4096;
		nv = realloc(a->ia_seq, cap * sizeof(*nv));
		if (nv != NULL)
			a->ia_seq = nv;
		nt = realloc(a->ia_time, cap * sizeof(*nt));
		if (nt != NULL)
			a->ia_time = nt;
		if (nv == NULL || nt == NULL) {
			rc = err_errno(p->pi_err, "integrity: acks");
			goto out;
		}
		a->ia_cap = cap;
	}
	a->ia_time[a->ia_n] = clock_wall_ns();
	a->ia_seq[a->ia_n++] = seq;
out:
	pthread_mutex_unlock(&p->pi_lock);
	return rc;
}

static void
integrity_end(struct probe_integrity *p, const char *why)
{
	pthread_mutex_lock(&p->pi_lock);
	if (!p->pi_acks.ia_ended) {
		p->pi_acks.ia_ended = 1;
		snprintf(p->pi_acks.ia_end, sizeof(p->pi_acks.ia_end), "%s",
		    why);
	}
	pthread_cond_broadcast(&p->pi_cond);
	pthread_mutex_unlock(&p->pi_lock);
}

/* Handle one line of the journal connection: 1 = "ok last", 0 = other,
 * -1 = fatal (error reply or out of memory). */
static int
integrity_line(struct probe_integrity *p, const char *line)
{
	unsigned long long v;
	char tail;

	if (sscanf(line, "ack %llu%c", &v, &tail) == 1) {
		if (acks_add(p, v) == -1) {
			p->pi_error = 1;
			return -1;
		}
		return 0;
	}
	if (strncmp(line, "ok last=", 8) == 0)
		return 1;
	if (strncmp(line, "error", 5) == 0) {
		integrity_end(p, line);
		return -1;
	}
	p->pi_acks.ia_bad_lines++;
	return 0;
}

static void *
integrity_main(void *arg)
{
	struct probe_integrity *p = arg;
	char line[AGENT_LINE_MAX], err[ERR_LEN];
	uint64_t last_heard = clock_mono_ns(), now;
	int rc, eof;

	while (!p->pi_stop) {
		rc = agent_recv(&p->pi_conn, line, sizeof(line),
		    INTEGRITY_POLL_MS, &eof, err);
		now = clock_mono_ns();
		if (rc == -1) {
			integrity_end(p, eof ? "closed by the peer" : err);
			break;
		}
		if (rc == 1) {
			last_heard = now;
			if (integrity_line(p, line) != 0)
				break;
			continue;
		}
		if (now - last_heard > p->pi_opts.silence_ns) {
			snprintf(err, sizeof(err), "no ack for %.1f s",
			    (double)(now - last_heard) / 1e9);
			integrity_end(p, err);
			break;
		}
	}
	return NULL;
}

/* The agent's default journal disk, from its `status` ("disk"). */
static int
integrity_agent_disk(struct probe_integrity *p, char *dev, size_t len,
    char *err)
{
	char reply[AGENT_LINE_MAX];
	const char *disk = NULL;
	cJSON *o = NULL;
	int rc = -1;

	if (agent_request(&p->pi_conn, "status", reply, sizeof(reply),
	    (long)(p->pi_opts.connect_timeout_ns / NS_PER_MS), err) == -1)
		goto fail;
	o = json_parse_buf(reply, strlen(reply), err);
	if (o == NULL || json_get_string(o, "disk", JSON_REQUIRED, &disk,
	    err) == -1) {
		err_prefix(err, "status of the agent");
		goto fail;
	}
	if (strlen(disk) >= len || strpbrk(disk, " \t") != NULL) {
		err_set(err, "status of the agent: bad disk '%s'", disk);
		goto fail;
	}
	snprintf(dev, len, "%s", disk);
	rc = 0;
fail:
	if (rc == -1)
		err_prefix(err, "integrity probe %s", p->pi_target);
	cJSON_Delete(o);
	return rc;
}

struct probe_integrity *
probe_integrity_start(const struct probe_integrity_opts *o, char *err)
{
	struct probe_integrity *p;
	char req[256], reply[AGENT_LINE_MAX];
	unsigned long long next;
	int back = -1, rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		err_errno(err, "integrity probe");
		return NULL;
	}
	p->pi_conn.ac_fd = -1;
	pthread_mutex_init(&p->pi_lock, NULL);
	pthread_cond_init(&p->pi_cond, NULL);
	p->pi_opts = *o;
	if (o->target == NULL) {
		err_set(err, "integrity probe: no target address");
		goto fail;
	}
	snprintf(p->pi_target, sizeof(p->pi_target), "%s", o->target);
	if (p->pi_opts.port == 0)
		p->pi_opts.port = AGENT_PORT;
	if (p->pi_opts.silence_ns == 0)
		p->pi_opts.silence_ns = INTEGRITY_SILENCE_DEF_NS;
	if (p->pi_opts.connect_timeout_ns == 0)
		p->pi_opts.connect_timeout_ns = 5 * NS_PER_S;
	if (o->dev != NULL && (strlen(o->dev) >= sizeof(p->pi_dev) ||
	    strpbrk(o->dev, " \t\r\n") != NULL)) {
		err_set(err, "integrity probe: bad device name '%s'", o->dev);
		goto fail;
	}
	if (probe_ns_enter(o->netns, &back, err) == -1)
		goto fail;
	rc = agent_connect(&p->pi_conn, p->pi_target, p->pi_opts.port,
	    (long)(p->pi_opts.connect_timeout_ns / NS_PER_MS), err);
	if (probe_ns_leave(back, rc == 0 ? err : NULL) == -1)
		rc = -1;
	if (rc == -1)
		goto fail;
	if (o->dev != NULL)
		snprintf(p->pi_dev, sizeof(p->pi_dev), "%s", o->dev);
	else if (o->interval_ms > 0 && integrity_agent_disk(p, p->pi_dev,
	    sizeof(p->pi_dev), err) == -1)
		goto fail;
	/* `journal start [DEV [INTERVAL_MS]]`: an interval needs the DEV. */
	if (o->interval_ms > 0)
		snprintf(req, sizeof(req), "journal start %s %u", p->pi_dev,
		    o->interval_ms);
	else if (p->pi_dev[0] != '\0')
		snprintf(req, sizeof(req), "journal start %s", p->pi_dev);
	else
		snprintf(req, sizeof(req), "journal start");
	if (agent_request(&p->pi_conn, req, reply, sizeof(reply),
	    (long)(p->pi_opts.connect_timeout_ns / NS_PER_MS), err) == -1) {
		err_prefix(err, "integrity probe %s", p->pi_target);
		goto fail;
	}
	if (sscanf(reply, "ok next=%llu", &next) != 1) {
		err_set(err, "integrity probe %s: '%s' answered '%s'",
		    p->pi_target, req, reply);
		goto fail;
	}
	p->pi_acks.ia_next = next;
	p->pi_acks.ia_start_ns = clock_wall_ns();
	p->pi_start_mono = clock_mono_ns();
	rc = pthread_create(&p->pi_thr, NULL, integrity_main, p);
	if (rc != 0) {
		errno = rc;
		err_errno(err, "integrity probe: thread");
		goto fail;
	}
	return p;
fail:
	agent_close(&p->pi_conn);
	pthread_mutex_destroy(&p->pi_lock);
	pthread_cond_destroy(&p->pi_cond);
	free(p);
	return NULL;
}

void
probe_integrity_progress(struct probe_integrity *p, uint64_t *acked,
    uint64_t *last, int *ended)
{
	pthread_mutex_lock(&p->pi_lock);
	*acked = p->pi_acks.ia_n;
	*last = p->pi_acks.ia_n ? p->pi_acks.ia_seq[p->pi_acks.ia_n - 1] : 0;
	*ended = p->pi_acks.ia_ended;
	pthread_mutex_unlock(&p->pi_lock);
}

int
probe_integrity_wait_end(struct probe_integrity *p, long timeout_ms)
{
	struct timespec until;
	uint64_t t;
	int ended;

	clock_gettime(CLOCK_REALTIME, &until);
	t = (uint64_t)until.tv_sec * NS_PER_S + (uint64_t)until.tv_nsec +
	    (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * NS_PER_MS;
	until.tv_sec = (time_t)(t / NS_PER_S);
	until.tv_nsec = (long)(t % NS_PER_S);
	pthread_mutex_lock(&p->pi_lock);
	while (!p->pi_acks.ia_ended) {
		if (timeout_ms < 0)
			pthread_cond_wait(&p->pi_cond, &p->pi_lock);
		else if (pthread_cond_timedwait(&p->pi_cond, &p->pi_lock,
		    &until) == ETIMEDOUT)
			break;
	}
	ended = p->pi_acks.ia_ended;
	pthread_mutex_unlock(&p->pi_lock);
	return ended;
}

int
probe_integrity_stop(struct probe_integrity *p, struct integrity_acks *a,
    char *err)
{
	char line[AGENT_LINE_MAX], e2[ERR_LEN];
	uint64_t until;
	int rc = -1, r;

	memset(a, 0, sizeof(*a));
	p->pi_stop = 1;
	pthread_join(p->pi_thr, NULL);
	if (!p->pi_acks.ia_ended && !p->pi_error) {
		/* Stop the journal cleanly and collect the acks in flight. */
		until = clock_mono_ns() + 5 * NS_PER_S;
		if (agent_send(&p->pi_conn, "journal stop", 2000, e2) == 0) {
			while (clock_mono_ns() < until) {
				r = agent_recv(&p->pi_conn, line, sizeof(line),
				    INTEGRITY_POLL_MS, NULL, e2);
				if (r == -1 || (r == 1 &&
				    integrity_line(p, line) != 0))
					break;
			}
		}
		snprintf(p->pi_acks.ia_end, sizeof(p->pi_acks.ia_end),
		    "stopped");
	}
	agent_close(&p->pi_conn);
	p->pi_acks.ia_wall_s = (double)(clock_mono_ns() - p->pi_start_mono) /
	    1e9;
	if (p->pi_error) {
		err_set(err, "%s", p->pi_err);
		goto fail;
	}
	*a = p->pi_acks;
	memset(&p->pi_acks, 0, sizeof(p->pi_acks));
	rc = 0;
fail:
	integrity_acks_free(&p->pi_acks);
	pthread_mutex_destroy(&p->pi_lock);
	pthread_cond_destroy(&p->pi_cond);
	free(p);
	return rc;
}

int
probe_integrity_verify(const struct probe_integrity_opts *o,
    const struct integrity_acks *a, uint64_t wait_ns,
    struct journal_state *js, struct integrity_result *r, char *err)
{
	char req[160], reply[AGENT_LINE_MAX], e2[ERR_LEN] = "";
	uint64_t deadline = clock_mono_ns() + wait_ns;
	struct agent_conn c;
	int port = o->port ? o->port : AGENT_PORT, back = -1, rc;

	if (o->dev != NULL)
		snprintf(req, sizeof(req), "journal read %s", o->dev);
	else
		snprintf(req, sizeof(req), "journal read");
	if (probe_ns_enter(o->netns, &back, err) == -1)
		return -1;
	for (;;) {
		rc = agent_connect(&c, o->target, port, 1000, e2);
		if (rc == 0) {
			rc = agent_request(&c, req, reply, sizeof(reply),
			    10000, e2);
			agent_close(&c);
			if (rc == 0)
				break;
		}
		if (clock_mono_ns() >= deadline)
			break;
		clock_sleep_ns(500 * NS_PER_MS);
	}
	if (probe_ns_leave(back, rc == 0 ? err : NULL) == -1)
		return -1;
	if (rc == -1)
		return err_set(err, "integrity probe: no journal from %s "
		    "within %.0f s: %s", o->target, (double)wait_ns / 1e9, e2);
	if (strncmp(reply, "error", 5) == 0)
		return err_set(err, "integrity probe: %s answered '%s'",
		    o->target, reply);
	if (integrity_parse_journal(reply, js, err) == -1)
		return err_prefix(err, "integrity probe %s", o->target);
	integrity_compare(a->ia_seq, a->ia_n, js, r);
	return 0;
}

uint64_t
integrity_write_stall_ns(const struct integrity_acks *a)
{
	uint64_t best, t;
	size_t i;

	if (a->ia_n == 0 || a->ia_time == NULL)
		return 0;
	best = a->ia_time[0] > a->ia_start_ns ? a->ia_time[0] -
	    a->ia_start_ns : 0;
	for (i = 1; i < a->ia_n; i++) {
		t = a->ia_time[i] - a->ia_time[i - 1];
		if (a->ia_time[i] >= a->ia_time[i - 1] && t > best)
			best = t;
	}
	return best;
}

cJSON *
integrity_result_json(const char *target, const struct integrity_acks *a,
    const struct journal_state *js, const struct integrity_result *r)
{
	cJSON *doc, *m;
	int ok = 1;

	doc = cJSON_CreateObject();
	if (doc == NULL)
		return NULL;
	ok &= cJSON_AddStringToObject(doc, "probe", "integrity") != NULL;
	ok &= cJSON_AddStringToObject(doc, "target", target) != NULL;
	m = cJSON_AddObjectToObject(doc, "metrics");
	if (m == NULL)
		goto fail;
	ok &= cJSON_AddNumberToObject(m, "lost_acked_writes",
	    (double)r->ir_lost_acked) != NULL;
	ok &= cJSON_AddNumberToObject(m, "unverified_acked_writes",
	    (double)r->ir_unverified) != NULL;
	ok &= cJSON_AddNumberToObject(m, "acked", (double)r->ir_acked) != NULL;
	ok &= cJSON_AddNumberToObject(m, "first_acked",
	    (double)r->ir_first_acked) != NULL;
	ok &= cJSON_AddNumberToObject(m, "last_acked",
	    (double)r->ir_last_acked) != NULL;
	ok &= cJSON_AddNumberToObject(m, "last_present",
	    (double)r->ir_last_present) != NULL;
	ok &= cJSON_AddNumberToObject(m, "present",
	    (double)r->ir_present) != NULL;
	ok &= cJSON_AddNumberToObject(m, "missing_on_disk",
	    (double)js->js_nmissing) != NULL;
	if (r->ir_first_lost)
		ok &= cJSON_AddNumberToObject(m, "first_lost",
		    (double)r->ir_first_lost) != NULL;
	ok &= cJSON_AddNumberToObject(m, "journal_next",
	    (double)a->ia_next) != NULL;
	ok &= cJSON_AddStringToObject(m, "journal_end", a->ia_end) != NULL;
	ok &= cJSON_AddNumberToObject(m, "write_stall_ms", (double)(int64_t)
	    (integrity_write_stall_ns(a) / 1000) / 1000) != NULL;
	if (a->ia_n > 1 && a->ia_time[a->ia_n - 1] > a->ia_time[0])
		ok &= cJSON_AddNumberToObject(m, "acks_per_s", (double)(int64_t)
		    (10.0 * (double)(a->ia_n - 1) * 1e9 / (double)
		    (a->ia_time[a->ia_n - 1] - a->ia_time[0])) / 10) != NULL;
	ok &= cJSON_AddNumberToObject(m, "journal_s",
	    (double)(int64_t)(a->ia_wall_s * 1000) / 1000) != NULL;
	if (!ok)
		goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

void
integrity_summary(const char *target, const struct integrity_result *r,
    char *buf, size_t len)
{
	snprintf(buf, len, "integrity %s: lost_acked_writes %" PRIu64
	    " acked %" PRIu64 " last_acked %" PRIu64 " last_present %" PRIu64
	    "%s", target, r->ir_lost_acked, r->ir_acked, r->ir_last_acked,
	    r->ir_last_present, r->ir_unverified ? " (some unverified)" : "");
}
