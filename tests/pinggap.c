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
 * Test tool only (needs root for the raw socket); the product's probe is
 * probes/.
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

#define MAX_GAPS 256

static volatile sig_atomic_t stop;
static uint64_t gaps[MAX_GAPS][2];
static size_t ngaps;

static void
gap_add(uint64_t from_us, uint64_t to_us)
{
	if (ngaps < MAX_GAPS) {
		gaps[ngaps][0] = from_us;
		gaps[ngaps][1] = to_us;
		ngaps++;
	}
}

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

int
main(int argc, char **argv)
{
	struct sockaddr_in dst;
	long interval_us = 2000, duration_s = 30, min_gap_ms = -1;
	uint64_t start, next, end, last_reply = 0, gap = 0, gap_at = 0;
	uint64_t sent = 0, received = 0, last_wall = 0, gap_from = 0;
	uint64_t gap_to = 0;
	uint16_t ident = (uint16_t)getpid();
	uint8_t *seen;
	size_t i;
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
	if (seen == NULL)
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
			received++;
			t = now_ns();
			if (min_gap_ms > 0 && last_reply != 0 && t - last_reply >=
			    (uint64_t)min_gap_ms * 1000000ull)
				gap_add(last_wall, wall_us());
			if (last_reply != 0 && t - last_reply > gap) {
				gap = t - last_reply;
				gap_at = last_reply - start;
				gap_from = last_wall;
				gap_to = wall_us();
			}
			last_reply = t;
			last_wall = wall_us();
		}
	}
	/* An outage that lasts to the end is a gap too. */
	if (last_reply != 0 && now_ns() - last_reply > gap &&
	    received < sent) {
		gap = now_ns() - last_reply;
		gap_at = last_reply - start;
		gap_from = last_wall;
		gap_to = wall_us();
	}
	if (min_gap_ms > 0 && last_reply != 0 && received < sent &&
	    now_ns() - last_reply >= (uint64_t)min_gap_ms * 1000000ull)
		gap_add(last_wall, wall_us());
	printf("{\"sent\":%llu,\"received\":%llu,\"lost\":%llu,"
	    "\"interval_ms\":%.3f,\"max_gap_ms\":%.3f,\"gap_at_s\":%.3f,"
	    "\"gap_from_us\":%llu,\"gap_to_us\":%llu",
	    (unsigned long long)sent, (unsigned long long)received,
	    (unsigned long long)(sent - received), interval_us / 1000.0,
	    gap / 1e6, gap_at / 1e9, (unsigned long long)gap_from,
	    (unsigned long long)gap_to);
	if (min_gap_ms > 0) {
		printf(",\"gaps\":[");
		for (i = 0; i < ngaps; i++)
			printf("%s[%llu,%llu]", i ? "," : "",
			    (unsigned long long)gaps[i][0],
			    (unsigned long long)gaps[i][1]);
		printf("]");
	}
	printf("}\n");
	free(seen);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: pinggap [-i INTERVAL_US] [-w DURATION_S] "
	    "[-g MIN_MS] ADDR\n");
	return 2;
}
