/*
 * tcp.c - the TCP session probe (see tcp.h).
 *
 * One thread: it sends `ping SEQ` on absolute deadlines into an output
 * buffer written without blocking (a stalled peer fills the socket buffer,
 * the probe keeps its rhythm and later pings wait in the buffer), reads
 * `pong SEQ` lines as they come and stamps them with CLOCK_REALTIME.  The
 * figures come from the same timeline code as the ping probe's.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "probes/agent_client.h"
#include "clock.h"
#include "err.h"
#include "probes/ping.h"
#include "probes/probe_ns.h"
#include "probes/tcp.h"

#define TCP_OUTBUF 65536

struct probe_tcp {
	struct probe_tcp_opts tp_opts;
	char tp_target[64];
	struct agent_conn tp_conn;
	pthread_t tp_thr;
	atomic_int tp_stop;
	pthread_mutex_t tp_lock;
	pthread_cond_t tp_cond;
	int tp_done;

	/* Thread-owned until joined. */
	struct ping_timeline tp_timeline;
	uint64_t tp_nsent;
	char tp_out[TCP_OUTBUF];
	size_t tp_outlen;
	int tp_connected;
	int tp_lost;		/* a connection was lost at least once */
	char tp_end[160];
	uint64_t tp_lost_wall;
	uint64_t tp_reconnects;
	uint64_t tp_bad_lines;
	int tp_error;
	char tp_err[ERR_LEN];
	uint64_t tp_start_wall;
};

int
probe_tcp_parse_pong(const char *line, uint64_t *seq)
{
	char *end;
	unsigned long long v;

	if (strncmp(line, "pong ", 5) != 0 || line[5] < '0' || line[5] > '9')
		return 0;
	errno = 0;
	v = strtoull(line + 5, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	*seq = v;
	return 1;
}

static void
tcp_lose(struct probe_tcp *p, const char *why)
{
	if (!p->tp_lost) {
		snprintf(p->tp_end, sizeof(p->tp_end), "%s", why);
		p->tp_lost_wall = clock_wall_ns();
	}
	p->tp_lost = 1;
	p->tp_connected = 0;
	p->tp_outlen = 0;
	agent_close(&p->tp_conn);
}

/* Write what the output buffer holds; 0, or -1 when the connection broke. */
static int
tcp_flush(struct probe_tcp *p)
{
	ssize_t n;

	while (p->tp_outlen > 0) {
		n = send(p->tp_conn.ac_fd, p->tp_out, p->tp_outlen,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			memmove(p->tp_out, p->tp_out + n, p->tp_outlen -
			    (size_t)n);
			p->tp_outlen -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		{
			char why[160];
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			tcp_lose(p, why);
		}
		return -1;
	}
	return 0;
}

/* Read and record every complete line; -1 when the connection ended. */
static int
tcp_read(struct probe_tcp *p)
{
	char line[AGENT_LINE_MAX], err[ERR_LEN];
	uint64_t seq;
	int rc, eof;

	for (;;) {
		rc = agent_recv(&p->tp_conn, line, sizeof(line), 0, &eof, err);
		if (rc == 0)
			return 0;
		if (rc == -1) {
			tcp_lose(p, eof ? "closed by the peer" : err);
			return -1;
		}
		if (!probe_tcp_parse_pong(line, &seq) || seq >= p->tp_nsent) {
			p->tp_bad_lines++;
			continue;
		}
		if (ping_timeline_add_seq(&p->tp_timeline, PING_OBS_REPLY,
		    seq, clock_wall_ns(), p->tp_err) == -1) {
			p->tp_error = 1;
			return -1;
		}
	}
}

/* With --reconnect, connect again after a lost session (this thread
 * lives in the probe's netns); 1 when it did. */
static int
tcp_reconnect(struct probe_tcp *p)
{
	char err[ERR_LEN];

	if (p->tp_connected || !p->tp_opts.reconnect)
		return 0;
	if (agent_connect(&p->tp_conn, p->tp_target, p->tp_opts.port,
	    (long)(p->tp_opts.interval_ns / NS_PER_MS) + 1, err) != 0)
		return 0;
	p->tp_connected = 1;
	p->tp_reconnects++;
	return 1;
}

/* Queue and flush the next ping.  Each ping is one slot, sent or not
 * (lost).  -1 when the timeline failed. */
static int
tcp_send_ping(struct probe_tcp *p)
{
	char line[64];
	size_t len;

	snprintf(line, sizeof(line), "ping %" PRIu64 "\n", p->tp_nsent);
	if (ping_timeline_add_seq(&p->tp_timeline, PING_OBS_REQUEST,
	    p->tp_nsent, clock_wall_ns(), p->tp_err) == -1) {
		p->tp_error = 1;
		return -1;
	}
	p->tp_nsent++;
	len = strlen(line);
	if (p->tp_connected && p->tp_outlen + len <= sizeof(p->tp_out)) {
		memcpy(p->tp_out + p->tp_outlen, line, len);
		p->tp_outlen += len;
	}
	if (p->tp_connected)
		(void)tcp_flush(p);
	return 0;
}

/* Read replies and write what is queued until next (or sleep when not
 * connected); *last_heard moves when a new reply came. */
static void
tcp_wait(struct probe_tcp *p, uint64_t now, uint64_t next,
    uint64_t *last_heard)
{
	struct pollfd pfd;
	uint64_t got;

	if (!p->tp_connected) {
		clock_sleep_ns(next - now);
		return;
	}
	pfd.fd = p->tp_conn.ac_fd;
	pfd.events = POLLIN | (p->tp_outlen > 0 ? POLLOUT : 0);
	if (poll(&pfd, 1, (int)((next - now + NS_PER_MS - 1) /
	    NS_PER_MS)) <= 0)
		return;
	if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
		got = p->tp_timeline.pt_max_replied;
		if (tcp_read(p) == -1)
			return;
		if (p->tp_timeline.pt_max_replied != got)
			*last_heard = clock_mono_ns();
	}
	if (p->tp_connected && (pfd.revents & POLLOUT))
		(void)tcp_flush(p);
}

/* Collect the answers still on their way (2 s at most). */
static void
tcp_drain(struct probe_tcp *p)
{
	uint64_t until = clock_mono_ns() + 2 * NS_PER_S;
	struct pollfd pfd;

	while (p->tp_connected && p->tp_timeline.pt_max_replied <
	    p->tp_nsent && clock_mono_ns() < until) {
		pfd.fd = p->tp_conn.ac_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) > 0)
			(void)tcp_read(p);
	}
}

static void *
tcp_main(void *arg)
{
	struct probe_tcp *p = arg;
	uint64_t interval = p->tp_opts.interval_ns, max_n = 0, now, next;
	uint64_t last_heard, timeout = p->tp_opts.timeout_ns;
	char why[64];

	if (p->tp_opts.duration_ns > 0)
		max_n = (p->tp_opts.duration_ns + interval - 1) / interval;
	next = clock_mono_ns();
	last_heard = next;
	while (!p->tp_stop && !p->tp_error) {
		/* Without reconnects a lost session ends the run. */
		if (!p->tp_connected && !p->tp_opts.reconnect)
			break;
		now = clock_mono_ns();
		if (now >= next) {
			if (max_n != 0 && p->tp_nsent >= max_n)
				break;
			if (tcp_reconnect(p))
				last_heard = clock_mono_ns();
			if (tcp_send_ping(p) == -1)
				break;
			next += interval;
			if (clock_mono_ns() > next + interval)
				next = clock_mono_ns();	/* no catch-up burst */
			continue;
		}
		if (p->tp_connected && now - last_heard > timeout) {
			snprintf(why, sizeof(why), "no answer for %.1f s",
			    (double)(now - last_heard) / 1e9);
			tcp_lose(p, why);
			continue;
		}
		tcp_wait(p, now, next, &last_heard);
	}
	if (p->tp_connected && !p->tp_error)
		tcp_drain(p);
	pthread_mutex_lock(&p->tp_lock);
	p->tp_done = 1;
	pthread_cond_broadcast(&p->tp_cond);
	pthread_mutex_unlock(&p->tp_lock);
	return NULL;
}

struct probe_tcp *
probe_tcp_start(const struct probe_tcp_opts *o, char *err)
{
	struct probe_tcp *p;
	int back = -1, rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		err_errno(err, "tcp probe");
		return NULL;
	}
	p->tp_conn.ac_fd = -1;
	pthread_mutex_init(&p->tp_lock, NULL);
	pthread_cond_init(&p->tp_cond, NULL);
	ping_timeline_init(&p->tp_timeline);
	p->tp_opts = *o;
	if (o->target == NULL) {
		err_set(err, "tcp probe: no target address");
		goto fail;
	}
	snprintf(p->tp_target, sizeof(p->tp_target), "%s", o->target);
	if (p->tp_opts.port == 0)
		p->tp_opts.port = AGENT_PORT;
	if (p->tp_opts.interval_ns == 0)
		p->tp_opts.interval_ns = PING_INTERVAL_DEF_NS;
	if (p->tp_opts.interval_ns < PING_INTERVAL_MIN_NS ||
	    p->tp_opts.interval_ns > PING_INTERVAL_MAX_NS) {
		err_set(err, "tcp probe: interval %" PRIu64 " ns is outside "
		    "1 ms .. 1 s", p->tp_opts.interval_ns);
		goto fail;
	}
	if (p->tp_opts.timeout_ns == 0)
		p->tp_opts.timeout_ns = TCP_PROBE_TIMEOUT_DEF_NS;
	if (p->tp_opts.connect_timeout_ns == 0)
		p->tp_opts.connect_timeout_ns = 5 * NS_PER_S;
	/*
	 * The connection (and later reconnects, made by the probe thread,
	 * which inherits this thread's namespace at creation) belong to the
	 * probe's namespace: create the thread while inside it.
	 */
	if (probe_ns_enter(p->tp_opts.netns, &back, err) == -1)
		goto fail;
	rc = agent_connect(&p->tp_conn, p->tp_target, p->tp_opts.port,
	    (long)(p->tp_opts.connect_timeout_ns / NS_PER_MS), err);
	if (rc == 0) {
		p->tp_connected = 1;
		p->tp_start_wall = clock_wall_ns();
		rc = pthread_create(&p->tp_thr, NULL, tcp_main, p);
		if (rc != 0) {
			errno = rc;
			err_errno(err, "tcp probe: thread");
			rc = -1;
		}
	}
	if (probe_ns_leave(back, rc == 0 ? err : NULL) == -1 && rc == 0) {
		/* The thread runs; stop it before failing. */
		p->tp_stop = 1;
		pthread_join(p->tp_thr, NULL);
		rc = -1;
	}
	if (rc != 0)
		goto fail;
	return p;
fail:
	agent_close(&p->tp_conn);
	ping_timeline_free(&p->tp_timeline);
	pthread_mutex_destroy(&p->tp_lock);
	pthread_cond_destroy(&p->tp_cond);
	free(p);
	return NULL;
}

int
probe_tcp_wait(struct probe_tcp *p, long timeout_ms)
{
	struct timespec until;
	uint64_t t;
	int done;

	clock_gettime(CLOCK_REALTIME, &until);
	t = (uint64_t)until.tv_sec * NS_PER_S + (uint64_t)until.tv_nsec +
	    (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * NS_PER_MS;
	until.tv_sec = (time_t)(t / NS_PER_S);
	until.tv_nsec = (long)(t % NS_PER_S);
	pthread_mutex_lock(&p->tp_lock);
	while (!p->tp_done) {
		if (timeout_ms < 0)
			pthread_cond_wait(&p->tp_cond, &p->tp_lock);
		else if (pthread_cond_timedwait(&p->tp_cond, &p->tp_lock,
		    &until) == ETIMEDOUT)
			break;
	}
	done = p->tp_done;
	pthread_mutex_unlock(&p->tp_lock);
	return done;
}

void
probe_tcp_result_free(struct probe_tcp_result *r)
{
	ping_timeline_free(&r->tr_timeline);
	memset(r, 0, sizeof(*r));
}

int
probe_tcp_stop(struct probe_tcp *p, struct probe_tcp_result *r, char *err)
{
	uint64_t stop_wall;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	p->tp_stop = 1;
	pthread_join(p->tp_thr, NULL);
	stop_wall = clock_wall_ns();
	agent_close(&p->tp_conn);
	snprintf(r->tr_target, sizeof(r->tr_target), "%s", p->tp_target);
	r->tr_port = p->tp_opts.port;
	r->tr_interval_ns = p->tp_opts.interval_ns;
	r->tr_survived = !p->tp_lost;
	snprintf(r->tr_end, sizeof(r->tr_end), "%s",
	    p->tp_lost ? p->tp_end : "stopped");
	r->tr_reconnects = p->tp_reconnects;
	r->tr_bad_lines = p->tp_bad_lines;
	r->tr_wall_s = (double)(stop_wall - p->tp_start_wall) / 1e9;
	r->tr_stop_wall_ns = stop_wall;
	if (p->tp_error) {
		err_set(err, "tcp probe: %s", p->tp_err);
		goto fail;
	}
	r->tr_timeline = p->tp_timeline;
	ping_timeline_init(&p->tp_timeline);
	if (ping_stats_compute(&r->tr_timeline, r->tr_interval_ns,
	    &r->tr_stats, err) == -1)
		goto fail;
	r->tr_lost_at_ms = -1;
	if (p->tp_lost)
		r->tr_lost_at_ms = (double)(int64_t)(p->tp_lost_wall -
		    r->tr_stats.st_start_ns) / 1e6;
	rc = 0;
fail:
	if (rc == -1)
		probe_tcp_result_free(r);
	ping_timeline_free(&p->tp_timeline);
	pthread_mutex_destroy(&p->tp_lock);
	pthread_cond_destroy(&p->tp_cond);
	free(p);
	return rc;
}

int
probe_tcp_after_switch(const struct probe_tcp_result *r, uint64_t switch_ns,
    uint64_t resume_max_ns, uint64_t hold_min_ns, double *resumed_ms,
    double *held_s)
{
	const struct ping_timeline *t = &r->tr_timeline;
	uint64_t first = 0, end;
	size_t i;

	for (i = 0; i < t->pt_n; i++) {
		const struct ping_slot *sl = &t->pt_slots[i];

		if (sl->ps_sent_ns >= switch_ns && sl->ps_recv_ns != 0 &&
		    (first == 0 || sl->ps_recv_ns < first))
			first = sl->ps_recv_ns;
	}
	*resumed_ms = first ? (double)(first - switch_ns) / 1e6 : -1;
	end = r->tr_survived ? r->tr_stop_wall_ns :
	    r->tr_stats.st_start_ns + (uint64_t)(r->tr_lost_at_ms * 1e6);
	*held_s = end > switch_ns ? (double)(end - switch_ns) / 1e9 : 0;
	return r->tr_survived && first != 0 &&
	    first - switch_ns <= resume_max_ns &&
	    end > switch_ns && end - switch_ns >= hold_min_ns;
}

static double
ms3(uint64_t ns)
{
	return round((double)ns / 1e3) / 1e3;
}

static double
rel3(uint64_t t, uint64_t origin)
{
	return t >= origin ? ms3(t - origin) : -ms3(origin - t);
}

/* "metrics": {...}.  1, or 0 out of memory. */
static int
tcp_json_metrics(cJSON *doc, const struct probe_tcp_result *r)
{
	const struct ping_stats *st = &r->tr_stats;
	uint64_t t0 = st->st_start_ns;
	cJSON *m;
	int ok = 1;

	if ((m = cJSON_AddObjectToObject(doc, "metrics")) == NULL)
		return 0;
	ok &= cJSON_AddBoolToObject(m, "survived", r->tr_survived) != NULL;
	ok &= cJSON_AddStringToObject(m, "end", r->tr_end) != NULL;
	if (!r->tr_survived)
		ok &= cJSON_AddNumberToObject(m, "lost_at_ms",
		    round(r->tr_lost_at_ms * 1e3) / 1e3) != NULL;
	ok &= cJSON_AddNumberToObject(m, "reconnects",
	    (double)r->tr_reconnects) != NULL;
	ok &= cJSON_AddNumberToObject(m, "sent", (double)st->st_sent) != NULL;
	ok &= cJSON_AddNumberToObject(m, "received",
	    (double)st->st_received) != NULL;
	ok &= cJSON_AddNumberToObject(m, "lost", (double)st->st_lost) != NULL;
	ok &= cJSON_AddNumberToObject(m, "stall_ms",
	    ms3(st->st_downtime.g_len_ns)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "stall_start_ms",
	    rel3(st->st_downtime.g_start_ns, t0)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "stall_end_ms",
	    rel3(st->st_downtime.g_end_ns, t0)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "rtt_min_ms",
	    ms3(st->st_rtt.d_min)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "rtt_p50_ms",
	    ms3(st->st_rtt.d_p50)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "rtt_p99_ms",
	    ms3(st->st_rtt.d_p99)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "rtt_max_ms",
	    ms3(st->st_rtt.d_max)) != NULL;
	ok &= cJSON_AddNumberToObject(m, "bad_lines",
	    (double)r->tr_bad_lines) != NULL;
	ok &= cJSON_AddNumberToObject(m, "duration_s",
	    round(r->tr_wall_s * 1e3) / 1e3) != NULL;
	return ok;
}

/* "timeline": one object per ping.  1, or 0 out of memory. */
static int
tcp_json_timeline(cJSON *doc, const struct probe_tcp_result *r)
{
	uint64_t t0 = r->tr_stats.st_start_ns;
	const struct ping_slot *s;
	cJSON *a, *e;
	size_t i;
	int ok = 1;

	if ((a = cJSON_AddArrayToObject(doc, "timeline")) == NULL)
		return 0;
	for (i = 0; i < r->tr_timeline.pt_n && ok; i++) {
		s = &r->tr_timeline.pt_slots[i];
		e = cJSON_CreateObject();
		if (e == NULL || !cJSON_AddItemToArray(a, e)) {
			cJSON_Delete(e);
			return 0;
		}
		ok &= cJSON_AddNumberToObject(e, "seq", (double)i) != NULL;
		ok &= cJSON_AddNumberToObject(e, "sent_ms",
		    rel3(s->ps_sent_ns, t0)) != NULL;
		if (s->ps_replies == 0)
			ok &= cJSON_AddBoolToObject(e, "lost", 1) != NULL;
		else
			ok &= cJSON_AddNumberToObject(e, "recv_ms",
			    rel3(s->ps_recv_ns, t0)) != NULL;
	}
	return ok;
}

cJSON *
probe_tcp_result_json(const struct probe_tcp_result *r, int with_timeline)
{
	uint64_t t0 = r->tr_stats.st_start_ns;
	cJSON *doc;
	char started[32];
	int ok = 1;

	doc = cJSON_CreateObject();
	if (doc == NULL)
		return NULL;
	clock_format_wall(t0, started, sizeof(started));
	ok &= cJSON_AddStringToObject(doc, "probe", "tcp") != NULL;
	ok &= cJSON_AddStringToObject(doc, "target", r->tr_target) != NULL;
	ok &= cJSON_AddNumberToObject(doc, "port", r->tr_port) != NULL;
	ok &= cJSON_AddNumberToObject(doc, "interval_ms",
	    ms3(r->tr_interval_ns)) != NULL;
	ok &= cJSON_AddStringToObject(doc, "started", started) != NULL;
	ok &= cJSON_AddNumberToObject(doc, "start_wall_us",
	    (double)(t0 / 1000)) != NULL;
	if (!ok || !tcp_json_metrics(doc, r))
		goto fail;
	if (with_timeline && !tcp_json_timeline(doc, r))
		goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

void
probe_tcp_summary(const struct probe_tcp_result *r, char *buf, size_t len)
{
	const struct ping_stats *st = &r->tr_stats;

	snprintf(buf, len, "tcp %s:%d: survived %s (%s) sent %" PRIu64
	    " received %" PRIu64 " stall_ms %.3f reconnects %" PRIu64
	    " rtt_ms p50/max %.3f/%.3f", r->tr_target, r->tr_port,
	    r->tr_survived ? "yes" : "no", r->tr_end, st->st_sent,
	    st->st_received, ms3(st->st_downtime.g_len_ns), r->tr_reconnects,
	    ms3(st->st_rtt.d_p50), ms3(st->st_rtt.d_max));
}
