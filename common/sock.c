/*
 * sock.c - waiting on one socket, and connecting with a timeout (sock.h).
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "err.h"
#include "sock.h"

int
sock_wait(int fd, short events, long timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&pfd, 1, (int)timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

int
sock_connect(int fd, const struct sockaddr_in *sa, long timeout_ms,
    char *err)
{
	socklen_t len = sizeof(int);
	int rc, so = 0;

	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return err_errno(err, "connect");
	rc = sock_wait(fd, POLLOUT, timeout_ms);
	if (rc == 0)
		return err_set(err, "connect timed out after %ld ms",
		    timeout_ms);
	if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) < 0)
		return err_errno(err, "connect");
	if (so != 0) {
		errno = so;
		return err_errno(err, "connect");
	}
	return 0;
}
