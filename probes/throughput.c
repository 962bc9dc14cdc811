/*
 * throughput.c - the TCP throughput probe (throughput.h): a poll-driven
 * sink that reports per-flow bytes and arrival times, and a source that
 * fills N parallel flows for a duration.  The figures are computed by
 * probe_tput_compute (pure, unit-tested).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "probes/probe_ns.h"
#include "sock.h"
#include "probes/throughput.h"

#define TPUT_BUF (64 * 1024)
#define TPUT_REPORT_LEN 24
#define TPUT_CONNECT_MS 5000
#define TPUT_REPORT_MS 15000

/* ---- pure ---- */

double
probe_tput_flow_mbps(const struct tput_flow *f)
{
	if (f->bytes == 0 || f->last_ns <= f->first_ns)
		return 0;
	return (double)f->bytes * 8.0 / ((double)(f->last_ns - f->first_ns) /
	    1e9) / 1e6;
}

void
probe_tput_compute(struct probe_tput_result *r)
{
	uint64_t first = 0, last = 0;
	int i;

	r->bytes = 0;
	for (i = 0; i < r->nflows; i++) {
		const struct tput_flow *f = &r->flows[i];

		if (f->bytes == 0)
			continue;
		r->bytes += f->bytes;
		if (first == 0 || f->first_ns < first)
			first = f->first_ns;
		if (f->last_ns > last)
			last = f->last_ns;
	}
	r->secs = last > first ? (double)(last - first) / 1e9 : 0;
	r->mbps = r->secs > 0 ? (double)r->bytes * 8.0 / r->secs / 1e6 : 0;
}

static double
round2(double v)
{
	return (double)(long long)(v * 100.0 + 0.5) / 100.0;
}

cJSON *
probe_tput_result_json(const struct probe_tput_result *r)
{
	cJSON *doc = cJSON_CreateObject(), *m, *a, *f;
	double lo = 0, hi = 0, v;
	int i;

	if (doc == NULL)
		return NULL;
	for (i = 0; i < r->nflows; i++) {
		v = probe_tput_flow_mbps(&r->flows[i]);
		if (i == 0 || v < lo)
			lo = v;
		if (i == 0 || v > hi)
			hi = v;
	}
	cJSON_AddStringToObject(doc, "probe", "throughput");
	cJSON_AddStringToObject(doc, "to", r->to);
	cJSON_AddNumberToObject(doc, "port", r->port);
	cJSON_AddNumberToObject(doc, "flows", r->nflows);
	cJSON_AddNumberToObject(doc, "secs", round2(r->secs));
	cJSON_AddNumberToObject(doc, "bytes", (double)r->bytes);
	m = cJSON_AddObjectToObject(doc, "metrics");
	if (m == NULL)
		goto oom;
	cJSON_AddNumberToObject(m, "throughput_mbps", round2(r->mbps));
	cJSON_AddNumberToObject(m, "flow_mbps_min", round2(lo));
	cJSON_AddNumberToObject(m, "flow_mbps_max", round2(hi));
	a = cJSON_AddArrayToObject(doc, "per_flow");
	if (a == NULL)
		goto oom;
	for (i = 0; i < r->nflows; i++) {
		if ((f = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(a, f);
		cJSON_AddNumberToObject(f, "local_port", r->flows[i].local_port);
		cJSON_AddNumberToObject(f, "bytes", (double)r->flows[i].bytes);
		cJSON_AddNumberToObject(f, "mbps",
		    round2(probe_tput_flow_mbps(&r->flows[i])));
		cJSON_AddNumberToObject(f, "first_ns",
		    (double)r->flows[i].first_ns);
		cJSON_AddNumberToObject(f, "last_ns",
		    (double)r->flows[i].last_ns);
	}
	return doc;
oom:
	cJSON_Delete(doc);
	return NULL;
}

/* One flow of per_flow[] into f; 0 or -1 with err. */
static int
flow_from_json(const cJSON *o, struct tput_flow *f, char *err)
{
	int64_t port = 0, bytes = 0, first = 0, last = 0;

	if (json_get_int(o, "local_port", JSON_REQUIRED, &port, err) < 0 ||
	    json_get_int(o, "bytes", JSON_REQUIRED, &bytes, err) < 0 ||
	    json_get_int(o, "first_ns", JSON_REQUIRED, &first, err) < 0 ||
	    json_get_int(o, "last_ns", JSON_REQUIRED, &last, err) < 0)
		return -1;
	if (port < 0 || port > 65535 || bytes < 0 || first < 0 ||
	    last < first)
		return err_set(err, "a flow out of range (port %lld, bytes "
		    "%lld, first_ns %lld, last_ns %lld)", (long long)port,
		    (long long)bytes, (long long)first, (long long)last);
	f->local_port = (int)port;
	f->bytes = (uint64_t)bytes;
	f->first_ns = (uint64_t)first;
	f->last_ns = (uint64_t)last;
	return 0;
}

int
probe_tput_result_parse(const char *text, size_t len,
    struct probe_tput_result *r, char *err)
{
	const cJSON *a, *o;
	const char *to = "";
	int64_t port = 0;
	cJSON *doc;
	int rc = -1, i = 0;

	memset(r, 0, sizeof(*r));
	if ((doc = json_parse_buf(text, len, err)) == NULL)
		return err_prefix(err, "throughput result");
	if (json_get_string(doc, "to", JSON_OPTIONAL, &to, err) < 0 ||
	    json_get_int(doc, "port", JSON_OPTIONAL, &port, err) < 0 ||
	    json_get_array(doc, "per_flow", JSON_REQUIRED, &a, err) < 0)
		goto out;
	if (cJSON_GetArraySize(a) > TPUT_MAX_FLOWS) {
		err_set(err, "more than %d flows", TPUT_MAX_FLOWS);
		goto out;
	}
	snprintf(r->to, sizeof(r->to), "%s", to);
	r->port = (int)port;
	cJSON_ArrayForEach(o, a) {
		if (flow_from_json(o, &r->flows[i], err) < 0) {
			err_prefix(err, "per_flow[%d]", i);
			goto out;
		}
		i++;
	}
	r->nflows = i;
	probe_tput_compute(r);
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc < 0 ? err_prefix(err, "throughput result") : 0;
}

void
probe_tput_summary(const struct probe_tput_result *r, char *buf, size_t len)
{
	double lo = 0, hi = 0, v;
	int i;

	for (i = 0; i < r->nflows; i++) {
		v = probe_tput_flow_mbps(&r->flows[i]);
		if (i == 0 || v < lo)
			lo = v;
		if (i == 0 || v > hi)
			hi = v;
	}
	snprintf(buf, len, "%d flow%s, %.2f s, %.1f Mbit/s (flows %.1f..%.1f)",
	    r->nflows, r->nflows == 1 ? "" : "s", r->secs, r->mbps, lo, hi);
}

/* ---- I/O ---- */

static int
parse_addr(const char *addr, int port, struct sockaddr_in *sa, char *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (addr == NULL || addr[0] == '\0')
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return err_set(err, "throughput: '%s' is not an IPv4 address",
		    addr);
	return 0;
}

static void
put64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

struct sink_conn {
	int fd;
	struct tput_flow f;
};

/* The sink's state while it serves. */
struct sink {
	struct sink_conn conns[TPUT_MAX_FLOWS * 4];
	struct pollfd pfd[TPUT_MAX_FLOWS * 4 + 1];
	int lfd;
	int nconn;
	int done;		/* flows reported */
};

/* Listen on addr:port; the socket goes to k->lfd. */
static int
sink_listen(struct sink *k, const struct probe_tput_sink *s, char *err)
{
	struct sockaddr_in sa;
	int one = 1;

	if (parse_addr(s->addr, s->port, &sa, err) < 0)
		return -1;
	if ((k->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_errno(err, "throughput sink: socket");
	setsockopt(k->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(k->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(k->lfd, 64) < 0)
		return err_errno(err, "throughput sink: bind/listen %s:%d",
		    s->addr && s->addr[0] ? s->addr : "0.0.0.0", s->port);
	return 0;
}

/* Poll the listener and the connections, at most 500 ms and not past
 * end (0 = none).  poll's count, 0 on EINTR, -1 with err (also when end
 * has passed). */
static int
sink_poll(struct sink *k, const struct probe_tput_sink *s, uint64_t end,
    char *err)
{
	long wait = 500;
	uint64_t now;
	int i, n;

	if (end) {
		now = clock_mono_ns();
		if (now >= end)
			return err_set(err, "throughput sink: %d of %d flows "
			    "reported before the timeout", k->done, s->flows);
		if ((long)((end - now) / NS_PER_MS) < wait)
			wait = (long)((end - now) / NS_PER_MS) + 1;
	}
	k->pfd[0].fd = k->lfd;
	k->pfd[0].events = k->nconn < (int)(sizeof(k->conns) /
	    sizeof(k->conns[0])) ? POLLIN : 0;
	for (i = 0; i < k->nconn; i++) {
		k->pfd[i + 1].fd = k->conns[i].fd;
		k->pfd[i + 1].events = POLLIN;
	}
	n = poll(k->pfd, (nfds_t)k->nconn + 1, (int)wait);
	if (n < 0 && errno != EINTR)
		return err_errno(err, "throughput sink: poll");
	return n < 0 ? 0 : n;
}

/* Count what came on the connections; a source done gets its report and
 * its connection is closed. */
static void
sink_read(struct sink *k)
{
	static char buf[TPUT_BUF];
	unsigned char rep[TPUT_REPORT_LEN];
	struct sink_conn *c;
	uint64_t now;
	ssize_t n;
	int i;

	for (i = k->nconn - 1; i >= 0; i--) {
		if (!(k->pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		c = &k->conns[i];
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			now = clock_mono_ns();
			if (c->f.bytes == 0)
				c->f.first_ns = now;
			c->f.last_ns = now;
			c->f.bytes += (uint64_t)n;
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0) {	/* source done: report, close */
			put64(rep, c->f.bytes);
			put64(rep + 8, c->f.first_ns);
			put64(rep + 16, c->f.last_ns);
			if (write(c->fd, rep, sizeof(rep)) ==
			    (ssize_t)sizeof(rep))
				k->done++;
		}
		close(c->fd);
		*c = k->conns[--k->nconn];
	}
}

static void
sink_accept(struct sink *k)
{
	int fd;

	if (!(k->pfd[0].revents & POLLIN))
		return;
	fd = accept4(k->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		memset(&k->conns[k->nconn], 0, sizeof(k->conns[0]));
		k->conns[k->nconn++].fd = fd;
	}
}

int
probe_tput_serve(const struct probe_tput_sink *s, char *err)
{
	struct sink k;
	uint64_t end = s->timeout_ms > 0 ? clock_mono_ns() +
	    (uint64_t)s->timeout_ms * NS_PER_MS : 0;
	int rc = -1, i, n;

	memset(&k, 0, sizeof(k));
	k.lfd = -1;
	if (sink_listen(&k, s, err) < 0)
		goto out;
	while ((s->flows == 0 || k.done < s->flows) &&
	    !(s->stop && *s->stop)) {
		if ((n = sink_poll(&k, s, end, err)) < 0)
			goto out;
		if (n == 0)
			continue;
		sink_read(&k);
		sink_accept(&k);
	}
	rc = 0;
out:
	for (i = 0; i < k.nconn; i++)
		close(k.conns[i].fd);
	if (k.lfd >= 0)
		close(k.lfd);
	return rc;
}

/* Connect with a timeout; returns the fd (non-blocking). */
static int
connect_to(const struct sockaddr_in *sa, char *err)
{
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(err, "throughput: socket");
	if (sock_connect(fd, sa, TPUT_CONNECT_MS, err) < 0) {
		close(fd);
		return err_prefix(err, "throughput");
	}
	return fd;
}

/* Read the sink's 24-byte report from fd into f (waits up to ms). */
static int
read_report(int fd, struct tput_flow *f, long ms, char *err)
{
	unsigned char rep[TPUT_REPORT_LEN];
	size_t got = 0;
	uint64_t end = clock_mono_ns() + (uint64_t)ms * NS_PER_MS;
	struct pollfd p;
	ssize_t k;

	p.fd = fd;
	p.events = POLLIN;
	while (got < sizeof(rep)) {
		uint64_t now = clock_mono_ns();

		if (now >= end)
			return err_set(err, "throughput: no report from the "
			    "sink within %ld ms", ms);
		if (poll(&p, 1, (int)((end - now) / NS_PER_MS) + 1) <= 0)
			continue;
		k = read(fd, rep + got, sizeof(rep) - got);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return err_set(err, "throughput: the sink closed "
			    "without a report");
		got += (size_t)k;
	}
	f->bytes = get64(rep);
	f->first_ns = get64(rep + 8);
	f->last_ns = get64(rep + 16);
	return 0;
}

/* Connect r->nflows flows to sa from o's netns into fds; their source
 * ports go to r. */
static int
tput_connect(const struct probe_tput_opts *o, struct probe_tput_result *r,
    const struct sockaddr_in *sa, int *fds, char *err)
{
	struct sockaddr_in la;
	socklen_t ll;
	char e2[ERR_LEN];
	int i, back = -1;

	if (probe_ns_enter(o->netns, &back, err) < 0)
		return -1;
	for (i = 0; i < r->nflows; i++) {
		if ((fds[i] = connect_to(sa, err)) < 0) {
			err_prefix(err, "flow %d to %s:%d", i + 1, o->to,
			    r->port);
			if (back >= 0)
				probe_ns_leave(back, e2);
			return -1;
		}
		ll = sizeof(la);
		if (getsockname(fds[i], (struct sockaddr *)&la, &ll) == 0)
			r->flows[i].local_port = ntohs(la.sin_port);
	}
	return probe_ns_leave(back, err);
}

/* Write on every flow for dur; -1 when one breaks. */
static int
tput_send(const struct probe_tput_result *r, const int *fds, uint64_t dur,
    char *err)
{
	static char buf[TPUT_BUF];
	struct pollfd pfd[TPUT_MAX_FLOWS];
	uint64_t end, left;
	int i, n = r->nflows;

	memset(buf, 'x', sizeof(buf));
	end = clock_mono_ns() + dur;
	while (clock_mono_ns() < end) {
		left = end - clock_mono_ns();
		for (i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLOUT;
		}
		if (poll(pfd, (nfds_t)n, (int)(left / NS_PER_MS) + 1) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP))
				return err_set(err, "throughput: flow %d to "
				    "%s:%d broke", i + 1, r->to, r->port);
			if (pfd[i].revents & POLLOUT &&
			    write(fds[i], buf, sizeof(buf)) < 0 &&
			    errno != EAGAIN && errno != EINTR)
				return err_errno(err, "throughput: flow %d "
				    "write", i + 1);
		}
	}
	return 0;
}

int
probe_tput_run(const struct probe_tput_opts *o, struct probe_tput_result *r,
    char *err)
{
	struct sockaddr_in sa;
	int fds[TPUT_MAX_FLOWS], n, i, rc = -1, port;
	uint64_t dur = o->duration_ns ? o->duration_ns : 3 * NS_PER_S;

	memset(r, 0, sizeof(*r));
	n = o->flows > 0 ? o->flows : 1;
	port = o->port > 0 ? o->port : TPUT_DEFAULT_PORT;
	for (i = 0; i < TPUT_MAX_FLOWS; i++)
		fds[i] = -1;
	if (n > TPUT_MAX_FLOWS)
		return err_set(err, "throughput: at most %d flows",
		    TPUT_MAX_FLOWS);
	if (o->to == NULL || parse_addr(o->to, port, &sa, err) < 0)
		return o->to ? -1 : err_set(err, "throughput: no address");
	snprintf(r->to, sizeof(r->to), "%s", o->to);
	r->port = port;
	r->nflows = n;
	if (tput_connect(o, r, &sa, fds, err) < 0 ||
	    tput_send(r, fds, dur, err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		shutdown(fds[i], SHUT_WR);
	for (i = 0; i < n; i++)
		if (read_report(fds[i], &r->flows[i], TPUT_REPORT_MS, err) < 0) {
			err_prefix(err, "flow %d", i + 1);
			goto out;
		}
	probe_tput_compute(r);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}
