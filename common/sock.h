/*
 * sock.h - waiting on one socket, and connecting with a timeout.
 */
#ifndef HV_SOCK_H
#define HV_SOCK_H

#include <netinet/in.h>

/* poll() fd for events, restarted on EINTR: >0 ready, 0 timeout, -1. */
int sock_wait(int fd, short events, long timeout_ms);
/*
 * Connect the non-blocking stream socket fd (options already set) to sa,
 * waiting up to timeout_ms.  0, or -1 with err holding the reason
 * ("timed out after N ms", or the connect error) for the caller to
 * prefix with what it connected for.
 */
int sock_connect(int fd, const struct sockaddr_in *sa, long timeout_ms,
    char *err);

#endif
