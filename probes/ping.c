/*
 * ping.c - the ping probe's sender and capture threads (see ping.h).
 *
 * The sender writes ICMP echo requests to a raw socket on absolute
 * CLOCK_MONOTONIC deadlines; the socket's ICMP filter drops everything the
 * kernel would deliver back to it, so the sender never reads.  The capture
 * thread reads the same packets from libpcap (immediate mode, kernel
 * timestamps in nanoseconds where the interface offers them) and feeds the
 * timeline in ping_stats.c, which alone owns the arithmetic.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "clock.h"
#include "err.h"
#include "probes/icmp_frame.h"
#include "probes/probe_ns.h"
#include "probes/ping.h"

#define PING_PAYLOAD_DEF	56
#define PING_PAYLOAD_MAX	1400
#define PING_SNAPLEN		128
#define PING_LINGER_MIN_NS	(250 * NS_PER_MS)
#define PING_POLL_MS		50
#define PING_DRAIN_MS		20

struct probe_ping {
	struct probe_ping_opts pp_opts;
	char pp_target[64];
	char pp_iface[64];
	struct sockaddr_in pp_addr;
	uint16_t pp_ident;
	int pp_sock;
	pcap_t *pp_pcap;
	int pp_linktype;
	char pp_tstamp_type[32];
	int pp_tstamp_nano;

	pthread_t pp_send_thr, pp_cap_thr;
	int pp_send_started, pp_cap_started;
	atomic_int pp_stop_send;	/* set by stop, read by the sender */
	atomic_int pp_stop_cap;
	pthread_mutex_t pp_lock;	/* marks and pp_send_done */
	pthread_cond_t pp_cond;
	int pp_send_done;

	/* Sender-owned until it is joined. */
	uint64_t *pp_sent_wall;		/* wall ns before each sendto */
	size_t pp_nsent, pp_sent_cap;
	uint64_t pp_send_errors;
	uint64_t pp_late_sends;
	int pp_send_oom;
	double pp_send_cpu_s;

	/* Capture-owned until it is joined. */
	struct ping_timeline pp_timeline;
	int pp_cap_error;
	char pp_cap_err[ERR_LEN];
	double pp_cap_cpu_s;

	struct probe_mark *pp_marks;
	size_t pp_nmarks;

	uint64_t pp_start_wall, pp_start_mono;
	int64_t pp_mono_to_wall;
};

static double
thread_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static uint16_t
icmp_cksum(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void
ts_add(struct timespec *ts, uint64_t ns)
{
	uint64_t t = (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec + ns;

	ts->tv_sec = (time_t)(t / NS_PER_S);
	ts->tv_nsec = (long)(t % NS_PER_S);
}

static uint64_t
ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec;
}

static void *
ping_send_main(void *arg)
{
	struct probe_ping *p = arg;
	unsigned char pkt[8 + PING_PAYLOAD_MAX];
	struct icmphdr *ih = (struct icmphdr *)pkt;
	size_t len = 8 + p->pp_opts.payload, i;
	uint64_t interval = p->pp_opts.interval_ns, max_n = 0, *nv, wall_ns;
	struct timespec deadline, now, wall;
	uint16_t seq = 0;

	if (p->pp_opts.duration_ns > 0)
		max_n = (p->pp_opts.duration_ns + interval - 1) / interval;
	/*
	 * Keep the rhythm on a busy machine: a low real-time priority (the
	 * thread runs a few microseconds per interval) and no timer slack.
	 * Both are best effort; without privileges the sender runs as is.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (!p->pp_opts.no_realtime) {
		struct sched_param sp = { .sched_priority = 10 };
		(void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	for (i = 8; i < len; i++)
		pkt[i] = (unsigned char)i;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	while (!p->pp_stop_send && (max_n == 0 || p->pp_nsent < max_n)) {
		if (p->pp_nsent == p->pp_sent_cap) {
			size_t cap = p->pp_sent_cap ? p->pp_sent_cap * 2 : 4096;
			nv = realloc(p->pp_sent_wall, cap * sizeof(*nv));
			if (nv == NULL) {
				p->pp_send_oom = 1;
				break;
			}
			p->pp_sent_wall = nv;
			p->pp_sent_cap = cap;
		}
		memset(ih, 0, sizeof(*ih));
		ih->type = ICMP_ECHO;
		ih->un.echo.id = htons(p->pp_ident);
		ih->un.echo.sequence = htons(seq);
		clock_gettime(CLOCK_REALTIME, &wall);
		wall_ns = ts_ns(&wall);
		if (len >= 16)
			memcpy(pkt + 8, &wall_ns, sizeof(wall_ns));
		ih->checksum = icmp_cksum(pkt, len);
		p->pp_sent_wall[p->pp_nsent++] = wall_ns;
		/* Never block: a stalled queue (carrier down) must not stop
		 * the rhythm; a request that cannot be queued is lost. */
		if (sendto(p->pp_sock, pkt, len, MSG_DONTWAIT,
		    (struct sockaddr *)&p->pp_addr, sizeof(p->pp_addr)) == -1)
			p->pp_send_errors++;
		seq++;
		if (max_n != 0 && p->pp_nsent >= max_n)
			break;
		ts_add(&deadline, interval);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_ns(&now) > ts_ns(&deadline) + interval) {
			/* Fell behind (machine stalled): no burst to catch up. */
			p->pp_late_sends++;
			deadline = now;
			continue;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
		    &deadline, NULL) == EINTR)
			;
	}
	p->pp_send_cpu_s = thread_cpu_s();
	pthread_mutex_lock(&p->pp_lock);
	p->pp_send_done = 1;
	pthread_cond_broadcast(&p->pp_cond);
	pthread_mutex_unlock(&p->pp_lock);
	return NULL;
}

static void
ping_cap_packet(u_char *user, const struct pcap_pkthdr *h,
    const u_char *bytes)
{
	struct probe_ping *p = (struct probe_ping *)user;
	struct icmp_echo e;
	uint64_t ts;

	if (p->pp_cap_error)
		return;
	if (!icmp_frame_parse(p->pp_linktype, bytes, h->caplen, &e) ||
	    e.ie_ident != p->pp_ident)
		return;
	ts = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec *
	    (p->pp_tstamp_nano ? 1 : 1000);
	if (ping_timeline_add(&p->pp_timeline, e.ie_kind, e.ie_seq, ts,
	    p->pp_cap_err) == -1)
		p->pp_cap_error = 1;
}

static void *
ping_cap_main(void *arg)
{
	struct probe_ping *p = arg;
	struct pollfd pfd;
	int n;

	pfd.fd = pcap_get_selectable_fd(p->pp_pcap);
	pfd.events = POLLIN;
	for (;;) {
		int stopping = p->pp_stop_cap;

		/*
		 * The kernel stamps and queues each packet in the capture
		 * ring as it passes; the thread only has to empty the ring
		 * before it fills.  Waking once per packet (2000 times a
		 * second at 1 ms) would cost more CPU than the rest of the
		 * probe, so it wakes every PING_DRAIN_MS and drains.
		 */
		if (!stopping && !p->pp_opts.no_immediate)
			clock_sleep_ns(PING_DRAIN_MS * NS_PER_MS);
		else if (pfd.fd >= 0)
			(void)poll(&pfd, 1, stopping ? 0 : PING_POLL_MS);
		else if (!stopping)
			clock_sleep_ns(PING_POLL_MS * NS_PER_MS / 10);
		/* Drain what is there (non-blocking handle). */
		do {
			n = pcap_dispatch(p->pp_pcap, -1, ping_cap_packet,
			    (u_char *)p);
		} while (n > 0);
		if (n == PCAP_ERROR) {
			snprintf(p->pp_cap_err, sizeof(p->pp_cap_err),
			    "capture on %s: %s", p->pp_iface,
			    pcap_geterr(p->pp_pcap));
			p->pp_cap_error = 1;
		}
		if (stopping || p->pp_cap_error)
			break;
	}
	p->pp_cap_cpu_s = thread_cpu_s();
	return NULL;
}

/* The interface whose address the kernel uses to reach the target. */
static int
route_iface(const struct sockaddr_in *dst, char *name, size_t len,
    char *err)
{
	struct sockaddr_in src, to = *dst;
	socklen_t sl = sizeof(src);
	struct ifaddrs *ifa = NULL, *i;
	int fd = -1, rc = -1;

	to.sin_port = htons(9);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_errno(err, "ping: socket");
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == -1) {
		err_errno(err, "ping: no route to %s", inet_ntoa(dst->sin_addr));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&src, &sl) == -1) {
		err_errno(err, "ping: getsockname");
		goto fail;
	}
	if (getifaddrs(&ifa) == -1) {
		err_errno(err, "ping: getifaddrs");
		goto fail;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		if (((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
		    src.sin_addr.s_addr) {
			snprintf(name, len, "%s", i->ifa_name);
			rc = 0;
			goto fail;
		}
	}
	err_set(err, "ping: no interface has the source address %s of the "
	    "route to the target", inet_ntoa(src.sin_addr));
fail:
	if (ifa != NULL)
		freeifaddrs(ifa);
	if (fd != -1)
		close(fd);
	return rc;
}

/* Open and activate the capture on p->pp_iface. */
static int
ping_open_capture(struct probe_ping *p, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE], filter[160];
	struct bpf_program prog;
	int *types = NULL, ntypes, i, want = -1, rc;
	const char *tname;

	p->pp_pcap = pcap_create(p->pp_iface, ebuf);
	if (p->pp_pcap == NULL)
		return err_set(err, "ping: capture on %s: %s", p->pp_iface,
		    ebuf);
	pcap_set_snaplen(p->pp_pcap, PING_SNAPLEN);
	pcap_set_promisc(p->pp_pcap, 0);
	pcap_set_buffer_size(p->pp_pcap, 4 << 20);
	if (!p->pp_opts.no_immediate)
		pcap_set_immediate_mode(p->pp_pcap, 1);
	else
		pcap_set_timeout(p->pp_pcap, PING_POLL_MS);
	/* Kernel timestamps: the adapter's clock when it is synchronised
	 * with the system's, else the host's. */
	ntypes = pcap_list_tstamp_types(p->pp_pcap, &types);
	for (i = 0; i < ntypes; i++)
		if (types[i] == PCAP_TSTAMP_ADAPTER)
			want = PCAP_TSTAMP_ADAPTER;
	if (want == -1)
		for (i = 0; i < ntypes; i++)
			if (types[i] == PCAP_TSTAMP_HOST)
				want = PCAP_TSTAMP_HOST;
	if (types != NULL)
		pcap_free_tstamp_types(types);
	if (want != -1 && pcap_set_tstamp_type(p->pp_pcap, want) != 0)
		want = -1;
	tname = want != -1 ? pcap_tstamp_type_val_to_name(want) : "host";
	snprintf(p->pp_tstamp_type, sizeof(p->pp_tstamp_type), "%s",
	    tname != NULL ? tname : "host");
	(void)pcap_set_tstamp_precision(p->pp_pcap,
	    PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(p->pp_pcap);
	if (rc < 0)
		return err_set(err, "ping: capture on %s: %s", p->pp_iface,
		    rc == PCAP_ERROR ? pcap_geterr(p->pp_pcap) :
		    pcap_statustostr(rc));
	p->pp_tstamp_nano = pcap_get_tstamp_precision(p->pp_pcap) ==
	    PCAP_TSTAMP_PRECISION_NANO;
	p->pp_linktype = pcap_datalink(p->pp_pcap);
	snprintf(filter, sizeof(filter), "icmp and host %s and "
	    "(icmp[icmptype] == icmp-echo or icmp[icmptype] == "
	    "icmp-echoreply) and icmp[4:2] == %u", p->pp_target,
	    (unsigned)p->pp_ident);
	if (pcap_compile(p->pp_pcap, &prog, filter, 1,
	    PCAP_NETMASK_UNKNOWN) == -1)
		return err_set(err, "ping: filter '%s': %s", filter,
		    pcap_geterr(p->pp_pcap));
	rc = pcap_setfilter(p->pp_pcap, &prog);
	pcap_freecode(&prog);
	if (rc == -1)
		return err_set(err, "ping: filter on %s: %s", p->pp_iface,
		    pcap_geterr(p->pp_pcap));
	if (pcap_setnonblock(p->pp_pcap, 1, ebuf) == -1)
		return err_set(err, "ping: capture on %s: %s", p->pp_iface,
		    ebuf);
	return 0;
}

/* Open the socket and capture, inside the probe's namespace if any. */
static int
ping_open(struct probe_ping *p, char *err)
{
	struct icmp_filter filt;
	int back = -1, rc = -1;

	if (probe_ns_enter(p->pp_opts.netns, &back, err) == -1)
		return -1;
	p->pp_sock = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (p->pp_sock == -1) {
		err_errno(err, "ping: raw ICMP socket (needs CAP_NET_RAW)");
		goto fail;
	}
	/* The sender never reads: let the kernel queue nothing for it. */
	filt.data = ~0U;
	(void)setsockopt(p->pp_sock, SOL_RAW, ICMP_FILTER, &filt,
	    sizeof(filt));
	if (p->pp_opts.iface != NULL)
		snprintf(p->pp_iface, sizeof(p->pp_iface), "%s",
		    p->pp_opts.iface);
	else if (route_iface(&p->pp_addr, p->pp_iface, sizeof(p->pp_iface),
	    err) == -1)
		goto fail;
	if (ping_open_capture(p, err) == -1)
		goto fail;
	rc = 0;
fail:
	if (probe_ns_leave(back, rc == 0 ? err : NULL) == -1)
		rc = -1;
	return rc;
}

static void
ping_free(struct probe_ping *p)
{
	if (p->pp_pcap != NULL)
		pcap_close(p->pp_pcap);
	if (p->pp_sock != -1)
		close(p->pp_sock);
	pthread_mutex_destroy(&p->pp_lock);
	pthread_cond_destroy(&p->pp_cond);
	ping_timeline_free(&p->pp_timeline);
	free(p->pp_sent_wall);
	free(p->pp_marks);
	free(p);
}

struct probe_ping *
probe_ping_start(const struct probe_ping_opts *o, char *err)
{
	struct probe_ping *p;
	struct timespec ts;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		err_errno(err, "ping");
		return NULL;
	}
	p->pp_sock = -1;
	pthread_mutex_init(&p->pp_lock, NULL);
	pthread_cond_init(&p->pp_cond, NULL);
	ping_timeline_init(&p->pp_timeline);
	p->pp_opts = *o;
	if (o->target == NULL ||
	    inet_pton(AF_INET, o->target, &p->pp_addr.sin_addr) != 1) {
		err_set(err, "ping: target '%s' is not an IPv4 address",
		    o->target ? o->target : "");
		goto fail;
	}
	p->pp_addr.sin_family = AF_INET;
	snprintf(p->pp_target, sizeof(p->pp_target), "%s", o->target);
	if (p->pp_opts.interval_ns == 0)
		p->pp_opts.interval_ns = PING_INTERVAL_DEF_NS;
	if (p->pp_opts.interval_ns < PING_INTERVAL_MIN_NS ||
	    p->pp_opts.interval_ns > PING_INTERVAL_MAX_NS) {
		err_set(err, "ping: interval %llu ns is outside 1 ms .. 1 s",
		    (unsigned long long)p->pp_opts.interval_ns);
		goto fail;
	}
	if (p->pp_opts.payload == 0)
		p->pp_opts.payload = PING_PAYLOAD_DEF;
	if (p->pp_opts.payload > PING_PAYLOAD_MAX) {
		err_set(err, "ping: payload %zu bytes is above %d",
		    p->pp_opts.payload, PING_PAYLOAD_MAX);
		goto fail;
	}
	if (p->pp_opts.linger_ns == 0) {
		p->pp_opts.linger_ns = 3 * p->pp_opts.interval_ns;
		if (p->pp_opts.linger_ns < PING_LINGER_MIN_NS)
			p->pp_opts.linger_ns = PING_LINGER_MIN_NS;
	}
	/* An identifier of our own so parallel probes don't mix. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->pp_ident = (uint16_t)((uint32_t)getpid() * 2654435761U ^
	    (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)p);
	if (ping_open(p, err) == -1)
		goto fail;
	p->pp_start_mono = clock_mono_ns();
	p->pp_start_wall = clock_wall_ns();
	p->pp_mono_to_wall = (int64_t)(p->pp_start_wall - p->pp_start_mono);
	rc = pthread_create(&p->pp_cap_thr, NULL, ping_cap_main, p);
	if (rc != 0) {
		errno = rc;
		err_errno(err, "ping: capture thread");
		goto fail;
	}
	p->pp_cap_started = 1;
	rc = pthread_create(&p->pp_send_thr, NULL, ping_send_main, p);
	if (rc != 0) {
		errno = rc;
		err_errno(err, "ping: sender thread");
		goto fail;
	}
	p->pp_send_started = 1;
	return p;
fail:
	if (p->pp_cap_started) {
		p->pp_stop_cap = 1;
		pthread_join(p->pp_cap_thr, NULL);
	}
	ping_free(p);
	return NULL;
}

int
probe_ping_mark(struct probe_ping *p, const char *label, char *err)
{
	struct probe_mark *nm;
	int rc = -1;

	pthread_mutex_lock(&p->pp_lock);
	nm = realloc(p->pp_marks, (p->pp_nmarks + 1) * sizeof(*nm));
	if (nm == NULL) {
		err_errno(err, "ping: mark '%s'", label);
		goto fail;
	}
	p->pp_marks = nm;
	memset(&nm[p->pp_nmarks], 0, sizeof(*nm));
	snprintf(nm[p->pp_nmarks].pm_label, sizeof(nm->pm_label), "%s",
	    label);
	nm[p->pp_nmarks].pm_wall_ns = clock_wall_ns();
	p->pp_nmarks++;
	rc = 0;
fail:
	pthread_mutex_unlock(&p->pp_lock);
	return rc;
}

int
probe_ping_answers(const char *netns, const char *addr, int no_realtime,
    char *err)
{
	struct probe_ping_opts o;
	struct probe_ping_result r;
	struct probe_ping *p;
	int ok;

	memset(&o, 0, sizeof(o));
	o.target = addr;
	o.netns = netns;
	o.interval_ns = 100 * NS_PER_MS;
	o.duration_ns = NS_PER_S;
	o.no_realtime = no_realtime;
	if ((p = probe_ping_start(&o, err)) == NULL)
		return -1;
	probe_ping_wait(p, 3000);
	memset(&r, 0, sizeof(r));
	if (probe_ping_stop(p, &r, err) == -1)
		return -1;
	ok = r.pr_stats.st_received > 0;
	probe_ping_result_free(&r);
	return ok;
}

int
probe_ping_wait(struct probe_ping *p, long timeout_ms)
{
	struct timespec until;
	int done;

	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms >= 0)
		ts_add(&until, (uint64_t)timeout_ms * NS_PER_MS);
	pthread_mutex_lock(&p->pp_lock);
	while (!p->pp_send_done && p->pp_opts.duration_ns > 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&p->pp_cond, &p->pp_lock);
		else if (pthread_cond_timedwait(&p->pp_cond, &p->pp_lock,
		    &until) == ETIMEDOUT)
			break;
	}
	done = p->pp_send_done || p->pp_opts.duration_ns == 0;
	pthread_mutex_unlock(&p->pp_lock);
	return done;
}

void
probe_ping_result_free(struct probe_ping_result *r)
{
	ping_timeline_free(&r->pr_timeline);
	free(r->pr_marks);
	memset(r, 0, sizeof(*r));
}

/* Stop sending, let the last replies come (linger), stop capturing:
 * the wall time of the stop. */
static uint64_t
ping_stop_threads(struct probe_ping *p)
{
	p->pp_stop_send = 1;
	pthread_join(p->pp_send_thr, NULL);
	p->pp_send_started = 0;
	clock_sleep_ns(p->pp_opts.linger_ns);
	p->pp_stop_cap = 1;
	pthread_join(p->pp_cap_thr, NULL);
	p->pp_cap_started = 0;
	return clock_wall_ns();
}

/* What was probed, how, and the probe's own counters. */
static void
ping_result_head(struct probe_ping *p, struct probe_ping_result *r,
    uint64_t stop_wall)
{
	struct pcap_stat ps;

	snprintf(r->pr_target, sizeof(r->pr_target), "%s", p->pp_target);
	snprintf(r->pr_iface, sizeof(r->pr_iface), "%s", p->pp_iface);
	snprintf(r->pr_tstamp_type, sizeof(r->pr_tstamp_type), "%s",
	    p->pp_tstamp_type);
	r->pr_tstamp_nano = p->pp_tstamp_nano;
	r->pr_interval_ns = p->pp_opts.interval_ns;
	r->pr_ident = p->pp_ident;
	r->pr_send_errors = p->pp_send_errors;
	r->pr_late_sends = p->pp_late_sends;
	r->pr_cpu_s = p->pp_send_cpu_s + p->pp_cap_cpu_s;
	r->pr_wall_s = (double)(stop_wall - p->pp_start_wall) / 1e9;
	if (pcap_stats(p->pp_pcap, &ps) == 0)
		r->pr_capture_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

/* The marks put on the probe and those of the events file within the
 * run, sorted. */
static int
ping_result_marks(struct probe_ping *p, struct probe_ping_result *r,
    uint64_t stop_wall, char *err)
{
	struct probe_marks_query q;

	r->pr_marks = p->pp_marks;
	r->pr_nmarks = p->pp_nmarks;
	p->pp_marks = NULL;
	p->pp_nmarks = 0;
	q.mq_path = p->pp_opts.events_file;
	q.mq_from_wall_ns = p->pp_start_wall;
	q.mq_to_wall_ns = stop_wall;
	q.mq_mono_to_wall_ns = p->pp_mono_to_wall;
	if (q.mq_path != NULL && probe_marks_read_events(&q, &r->pr_marks,
	    &r->pr_nmarks, &r->pr_event_lines_skipped, err) == -1)
		return -1;
	probe_marks_sort(r->pr_marks, r->pr_nmarks);
	return 0;
}

/* Send intervals as the wire saw them (capture timestamps). */
static int
ping_send_intervals(struct probe_ping_result *r, char *err)
{
	uint64_t *sent;
	size_t i;
	int rc = 0;

	if (r->pr_timeline.pt_n == 0)
		return 0;
	sent = malloc(r->pr_timeline.pt_n * sizeof(*sent));
	if (sent == NULL)
		return err_errno(err, "ping: send intervals");
	for (i = 0; i < r->pr_timeline.pt_n; i++)
		sent[i] = r->pr_timeline.pt_slots[i].ps_sent_ns;
	if (stats_intervals(sent, r->pr_timeline.pt_n, r->pr_interval_ns,
	    &r->pr_send_interval, &r->pr_send_jitter) == -1)
		rc = err_errno(err, "ping: send intervals");
	free(sent);
	return rc;
}

int
probe_ping_stop(struct probe_ping *p, struct probe_ping_result *r,
    char *err)
{
	uint64_t stop_wall;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	stop_wall = ping_stop_threads(p);
	ping_result_head(p, r, stop_wall);
	if (p->pp_send_oom) {
		err_set(err, "ping: out of memory for the send times");
		goto fail;
	}
	if (p->pp_cap_error) {
		err_set(err, "%s", p->pp_cap_err);
		goto fail;
	}
	/* The timeline moves to the result. */
	r->pr_timeline = p->pp_timeline;
	ping_timeline_init(&p->pp_timeline);
	if (ping_timeline_complete(&r->pr_timeline, p->pp_nsent,
	    p->pp_sent_wall, err) == -1)
		goto fail;
	if (ping_result_marks(p, r, stop_wall, err) == -1)
		goto fail;
	if (ping_stats_compute(&r->pr_timeline, r->pr_interval_ns,
	    &r->pr_stats, err) == -1)
		goto fail;
	if (ping_send_intervals(r, err) == -1)
		goto fail;
	rc = 0;
fail:
	if (rc == -1)
		probe_ping_result_free(r);
	ping_free(p);
	return rc;
}
