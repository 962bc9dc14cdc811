/*
 * agentctl.c - talk to the hvlab guest agent, or read a journal from outside.
 *
 *   agentctl [-p PORT] [-t SECONDS] [-n LINES] ADDR REQUEST...
 *   agentctl -r FILE
 *
 * The first form connects to ADDR (IPv4 literal) port 7777, sends each
 * REQUEST as one line and prints each reply line.  Every request gets one
 * reply line, except the last, which gets LINES (default 1): use it for
 * "journal start", whose "ok next=N" is followed by "ack SEQ" lines.  The
 * connection is retried until the timeout (default 10 s) so a test can call
 * it right after a guest booted.  Exit 0 when every expected line arrived,
 * 1 on usage errors, 2 on connection failure or timeout.
 *
 * The second form scans a disk image or device holding a journal (see
 * journal.h) and prints the same JSON summary as the agent's
 * "journal read": the host side of the write-integrity check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: agentctl [-p PORT] [-t SECONDS] [-n LINES] ADDR REQUEST...\n"
	    "       agentctl -r FILE\n");
	exit(1);
}

static int
read_journal_file(const char *path)
{
	struct journal_summary s;
	char err[256], json[2048];
	int fd, rc = 2;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "agentctl: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (journal_scan(fd, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "agentctl: %s: %s\n", path, err);
		goto out;
	}
	if (journal_summary_json(&s, json, sizeof(json)) < 0) {
		fprintf(stderr, "agentctl: %s: summary too long\n", path);
		goto out;
	}
	printf("%s\n", json);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Connect to addr:port, retrying until deadline.  Returns fd or -1. */
static int
connect_retry(const struct sockaddr_in *sin, long long deadline)
{
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (const struct sockaddr *)sin,
		    sizeof(*sin)) == 0)
			return fd;
		close(fd);
		if (now_ms() + 200 >= deadline)
			return -1;
		usleep(200 * 1000);
	}
}

/* Read one line (printed to stdout) before deadline.  0 or -1. */
static int
read_line(int fd, char *buf, size_t size, size_t *len, long long deadline)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		if (nl) {
			size_t n = (size_t)(nl - buf) + 1;
			fwrite(buf, 1, n, stdout);
			fflush(stdout);
			memmove(buf, buf + n, *len - n);
			*len -= n;
			return 0;
		}
		if (*len == size) {
			fwrite(buf, 1, *len, stdout);
			*len = 0;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = read(fd, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	char buf[8192];
	size_t len = 0;
	long long deadline;
	int port = 7777, timeout = 10, last_lines = 1, ch, fd, rc = 2;

	while ((ch = getopt(argc, argv, "p:t:n:r:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			if (port <= 0 || port > 65535)
				usage();
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout <= 0)
				usage();
			break;
		case 'n':
			last_lines = atoi(optarg);
			if (last_lines < 0)
				usage();
			break;
		case 'r':
			return read_journal_file(optarg);
		default:
			usage();
		}
	}
	if (argc - optind < 2)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[optind], &sin.sin_addr) != 1) {
		fprintf(stderr, "agentctl: '%s' is not an IPv4 address\n",
		    argv[optind]);
		return 1;
	}
	deadline = now_ms() + (long long)timeout * 1000;
	fd = connect_retry(&sin, deadline);
	if (fd < 0) {
		fprintf(stderr, "agentctl: cannot connect to %s:%d: %s\n",
		    argv[optind], port, strerror(errno));
		return 2;
	}
	for (int i = optind + 1; i < argc; i++) {
		size_t l = strlen(argv[i]);
		int want = i == argc - 1 ? last_lines : 1;

		if (send(fd, argv[i], l, MSG_NOSIGNAL) != (ssize_t)l ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
			fprintf(stderr, "agentctl: send: %s\n",
			    strerror(errno));
			goto out;
		}
		for (int k = 0; k < want; k++) {
			if (read_line(fd, buf, sizeof(buf), &len,
			    deadline) < 0) {
				fprintf(stderr, "agentctl: no reply to '%s' "
				    "(line %d) within %d s\n", argv[i], k + 1,
				    timeout);
				goto out;
			}
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
