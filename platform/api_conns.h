/*
 * api_conns.h - the HTTPS listener's connection bounds (api.c).
 *
 * The listener runs a thread per connection and takes API_CONN_MAX
 * connections, at most API_CONN_PER_IP from one address.  A connection
 * is pending until one of its requests authenticates (a token, or a
 * node's certificate).  Pending connections are closed after
 * API_IDLE_TIMEOUT_S without traffic, and may hold API_CONN_PENDING
 * slots: a new connection beyond that evicts the oldest pending one, so
 * idle or slow connections never lock a client out, and the other
 * API_CONN_MAX - API_CONN_PENDING slots are left for authenticated
 * connections, which keep API_AUTH_TIMEOUT_S.
 */
#ifndef HVD_API_CONNS_H
#define HVD_API_CONNS_H

#include <sys/socket.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define API_CONN_MAX		256
#define API_CONN_PER_IP		32
#define API_CONN_PENDING	192
#define API_IDLE_TIMEOUT_S	10
#define API_AUTH_TIMEOUT_S	120

struct api_conns;

struct api_conns *api_conns_new(void);
/* After the listener stopped (every connection closed). */
void api_conns_free(struct api_conns *ac);

/* libmicrohttpd's accept policy and connection notifier; cls is the
 * struct api_conns. */
MHD_RESULT api_conns_accept(void *cls, const struct sockaddr *addr,
    socklen_t addrlen);
void api_conns_notify(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe);
/* A request of conn authenticated: no longer pending, longer timeout. */
void api_conns_authenticated(struct api_conns *ac,
    struct MHD_Connection *conn);

#endif
