/*
 * agent_client.c - line client for the guest agent (see agent_client.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "clock.h"
#include "err.h"
#include "sock.h"
#include "probes/agent_client.h"

/* Milliseconds left until deadline (mono ns); -1 stays "forever". */
static int
ms_left(uint64_t deadline, long timeout_ms)
{
	uint64_t now;

	if (timeout_ms < 0)
		return -1;
	now = clock_mono_ns();
	if (now >= deadline)
		return 0;
	return (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS);
}

int
agent_connect(struct agent_conn *c, const char *addr, int port,
    long timeout_ms, char *err)
{
	struct sockaddr_in sa;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->ac_fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return err_set(err, "agent: '%s' is not an IPv4 address", addr);
	c->ac_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->ac_fd == -1)
		return err_errno(err, "agent %s:%d: socket", addr, port);
	(void)setsockopt(c->ac_fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
	if (sock_connect(c->ac_fd, &sa, timeout_ms, err) < 0) {
		err_prefix(err, "agent %s:%d", addr, port);
		goto fail;
	}
	return 0;
fail:
	agent_close(c);
	return -1;
}

void
agent_close(struct agent_conn *c)
{
	if (c->ac_fd != -1)
		close(c->ac_fd);
	c->ac_fd = -1;
	c->ac_len = 0;
}

int
agent_send(struct agent_conn *c, const char *line, long timeout_ms,
    char *err)
{
	char buf[AGENT_LINE_MAX + 1];
	uint64_t deadline = clock_mono_ns() + (uint64_t)(timeout_ms < 0 ? 0 :
	    timeout_ms) * NS_PER_MS;
	size_t len, off = 0;
	struct pollfd pfd;
	ssize_t n;

	len = strlen(line);
	if (len >= AGENT_LINE_MAX)
		return err_set(err, "agent: request of %zu bytes is too long",
		    len);
	memcpy(buf, line, len);
	buf[len++] = '\n';
	while (off < len) {
		n = send(c->ac_fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return err_errno(err, "agent: send");
		pfd.fd = c->ac_fd;
		pfd.events = POLLOUT;
		n = poll(&pfd, 1, ms_left(deadline, timeout_ms));
		if (n == 0)
			return err_set(err, "agent: send timed out");
		if (n == -1 && errno != EINTR)
			return err_errno(err, "agent: poll");
	}
	return 0;
}

int
agent_recv(struct agent_conn *c, char *line, size_t len, long timeout_ms,
    int *eof, char *err)
{
	uint64_t deadline = clock_mono_ns() + (uint64_t)(timeout_ms < 0 ? 0 :
	    timeout_ms) * NS_PER_MS;
	struct pollfd pfd;
	char *nl;
	size_t l;
	ssize_t n;
	int w;

	if (eof != NULL)
		*eof = 0;
	for (;;) {
		nl = memchr(c->ac_buf, '\n', c->ac_len);
		if (nl != NULL) {
			l = (size_t)(nl - c->ac_buf);
			if (l > 0 && c->ac_buf[l - 1] == '\r')
				l--;
			if (l >= len)
				return err_set(err, "agent: reply line of %zu "
				    "bytes is too long", l);
			memcpy(line, c->ac_buf, l);
			line[l] = '\0';
			l = (size_t)(nl - c->ac_buf) + 1;
			memmove(c->ac_buf, c->ac_buf + l, c->ac_len - l);
			c->ac_len -= l;
			return 1;
		}
		if (c->ac_len == sizeof(c->ac_buf))
			return err_set(err, "agent: reply line longer than %d "
			    "bytes", AGENT_LINE_MAX);
		n = recv(c->ac_fd, c->ac_buf + c->ac_len,
		    sizeof(c->ac_buf) - c->ac_len, 0);
		if (n > 0) {
			c->ac_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (eof != NULL)
				*eof = 1;
			return err_set(err, "agent: connection closed");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return err_errno(err, "agent: recv");
		w = ms_left(deadline, timeout_ms);
		if (w == 0)
			return 0;
		pfd.fd = c->ac_fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, w);
		if (n == 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return err_errno(err, "agent: poll");
	}
}

int
agent_request(struct agent_conn *c, const char *req, char *reply,
    size_t len, long timeout_ms, char *err)
{
	int rc;

	if (agent_send(c, req, timeout_ms, err) == -1)
		return -1;
	rc = agent_recv(c, reply, len, timeout_ms, NULL, err);
	if (rc == 0)
		return err_set(err, "agent: no reply to '%s' within %ld ms",
		    req, timeout_ms);
	return rc == 1 ? 0 : -1;
}
