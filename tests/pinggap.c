/*
 * pinggap.c - a fast ICMP echo sender for the migration benchmark: sends
 * one echo request every INTERVAL microseconds to ADDR until DURATION
 * seconds pass or SIGINT/SIGTERM, and prints one JSON line with what the
 * network saw: requests sent, replies, lost, and the longest gap between
 * two consecutive replies (the outage a client would notice), with when it
 * started relative to the first request.  With -g MIN_MS it also lists
 * every reply gap of at least MIN_MS as [from_us, to_us] (wall clock), so
 * that a caller can tell which gap crossed which event.
 *
 *   pinggap [-i INTERVAL_US] [-w DURATION_S] [-g MIN_MS] ADDR
 *
 * A sender for benchmarks only (it needs root for the raw socket); the
 * product's probe is probes/ (libpcap timestamps).  The gaps are computed
 * by the probe's own code, probes/ping_stats.c, over the replies' times.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probes/ping_stats.h"

static volatile sig_atomic_t stop;

static void
on_sig(int s)
{
	(void)s;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000;
}

static uint16_t
sum16(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = 0;

	for (; len > 1; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/*
 * The JSON line.  The gaps are those between consecutive replies
 * (stats_longest_gap from the first reply on) and, when the last requests
 * went unanswered, from the last reply to end_ns (an outage lasting to the
 * end is a gap too); a gap before the first reply is not one.  Times are
 * printed as wall-clock microseconds (mono + wall_off).
 */
static void
report(uint64_t *r, size_t n, uint64_t sent, uint64_t end_ns,
    uint64_t start, int64_t wall_off, long interval_us, long min_gap_ms)
{
	struct stats_gap g;
	uint64_t last;
	size_t i, k = 0;

	memset(&g, 0, sizeof(g));
	if (n > 0) {
		last = end_ns > r[n - 1] ? end_ns : r[n - 1];
		stats_longest_gap(r, n, r[0], last, &g);
	}
	printf("{\"sent\":%llu,\"received\":%zu,\"lost\":%llu,"
	    "\"interval_ms\":%.3f,\"max_gap_ms\":%.3f,\"gap_at_s\":%.3f,"
	    "\"gap_from_us\":%lld,\"gap_to_us\":%lld",
	    (unsigned long long)sent, n, (unsigned long long)(sent - n),
	    interval_us / 1000.0, g.g_len_ns / 1e6,
	    g.g_len_ns ? (g.g_start_ns - start) / 1e9 : 0.0,
	    g.g_len_ns ? (long long)(g.g_start_ns / 1000 + wall_off) : 0LL,
	    g.g_len_ns ? (long long)(g.g_end_ns / 1000 + wall_off) : 0LL);
	if (min_gap_ms > 0) {
		uint64_t min = (uint64_t)min_gap_ms * 1000000ull;

		printf(",\"gaps\":[");
		for (i = 1; i <= n; i++) {
			uint64_t a = r[i - 1], b = i < n ? r[i] : end_ns;

			if (b > a && b - a >= min)
				printf("%s[%lld,%lld]", k++ ? "," : "",
				    (long long)(a / 1000 + wall_off),
				    (long long)(b / 1000 + wall_off));
		}
		printf("]");
	}
	printf("}\n");
}

int
main(int argc, char **argv)
{
	struct sockaddr_in dst;
	long interval_us = 2000, duration_s = 30, min_gap_ms = -1;
	uint64_t start, next, end, sent = 0, *replies;
	uint16_t ident = (uint16_t)getpid();
	int64_t wall_off;
	uint8_t *seen;
	size_t received = 0, cap;
	int fd, ch;

	while ((ch = getopt(argc, argv, "i:w:g:")) != -1) {
		switch (ch) {
		case 'i':
			interval_us = atol(optarg);
			break;
		case 'w':
			duration_s = atol(optarg);
			break;
		case 'g':
			min_gap_ms = atol(optarg);
			if (min_gap_ms < 1)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || interval_us < 100 || duration_s < 1 ||
	    duration_s > 3600)
		goto usage;
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		goto usage;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("pinggap: socket");
		return 1;
	}
	seen = calloc(65536, 1);
	cap = (size_t)duration_s * 1000000 / (size_t)interval_us + 16;
	replies = calloc(cap, sizeof(*replies));
	if (seen == NULL || replies == NULL)
		return 1;
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	start = next = now_ns();
	end = start + (uint64_t)duration_s * 1000000000ull;
	while (!stop && now_ns() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec wait;
		uint64_t t = now_ns();
		uint8_t buf[1500];
		ssize_t n;

		if (t >= next) {
			struct {
				struct icmphdr h;
				uint64_t ts;
			} req;

			memset(&req, 0, sizeof(req));
			req.h.type = ICMP_ECHO;
			req.h.un.echo.id = htons(ident);
			req.h.un.echo.sequence = htons((uint16_t)sent);
			req.ts = t;
			req.h.checksum = sum16(&req, sizeof(req));
			seen[(uint16_t)sent] = 0;
			if (sendto(fd, &req, sizeof(req), 0,
			    (struct sockaddr *)&dst, sizeof(dst)) > 0)
				sent++;
			next += (uint64_t)interval_us * 1000;
			if (next < t)
				next = t + (uint64_t)interval_us * 1000;
		}
		/* Sleep until the next request is due or a reply comes, to
		 * the nanosecond: a millisecond timeout rounds to 0 at 1 ms
		 * intervals and would spin a core the guest needs. */
		t = now_ns();
		wait.tv_sec = next > t ? (time_t)((next - t) / 1000000000) : 0;
		wait.tv_nsec = next > t ? (long)((next - t) % 1000000000) : 0;
		if (ppoll(&pfd, 1, &wait, NULL) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			const struct iphdr *ip = (const void *)buf;
			size_t hl = (size_t)ip->ihl * 4;
			const struct icmphdr *ic = (const void *)(buf + hl);
			uint16_t seq;

			if ((size_t)n < hl + sizeof(*ic) ||
			    ip->saddr != dst.sin_addr.s_addr ||
			    ic->type != ICMP_ECHOREPLY ||
			    ntohs(ic->un.echo.id) != ident)
				continue;
			seq = ntohs(ic->un.echo.sequence);
			if (seen[seq])
				continue;
			seen[seq] = 1;
			if (received < cap)
				replies[received++] = now_ns();
		}
	}
	wall_off = (int64_t)wall_us() - (int64_t)(now_ns() / 1000);
	report(replies, received, sent, received < sent ? now_ns() : 0,
	    start, wall_off, interval_us, min_gap_ms);
	free(replies);
	free(seen);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: pinggap [-i INTERVAL_US] [-w DURATION_S] "
	    "[-g MIN_MS] ADDR\n");
	return 2;
}
