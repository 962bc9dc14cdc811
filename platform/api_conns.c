/*
 * api_conns.c - pending connections of the HTTPS listener, their share
 * of the slots and their eviction (api_conns.h).
 *
 * Each pending connection is kept, oldest first, with a duplicate of its
 * socket: shutdown() on the duplicate ends the connection's thread
 * (libmicrohttpd sees EOF and closes it), and the duplicate stays ours
 * until the connection is closed, so it never names another socket.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "platform/api_conns.h"

enum pend_state { PEND_WAITING, PEND_EVICTED, PEND_AUTHED };

struct api_pend {
	struct api_pend	*p_next, *p_prev;
	int		 p_fd;		/* our duplicate, -1 when none */
	enum pend_state	 p_state;
};

struct api_conns {
	pthread_mutex_t	 ac_mu;
	struct api_pend	*ac_head, *ac_tail;	/* oldest first */
	int		 ac_waiting;		/* PEND_WAITING ones */
	unsigned long	 ac_evicted;		/* in all, for the log */
};

struct api_conns *
api_conns_new(void)
{
	struct api_conns *ac = calloc(1, sizeof(*ac));

	if (ac != NULL)
		pthread_mutex_init(&ac->ac_mu, NULL);
	return ac;
}

void
api_conns_free(struct api_conns *ac)
{
	if (ac == NULL)
		return;
	pthread_mutex_destroy(&ac->ac_mu);
	free(ac);
}

static void
pend_unlink(struct api_conns *ac, struct api_pend *p)
{
	if (p->p_prev)
		p->p_prev->p_next = p->p_next;
	else
		ac->ac_head = p->p_next;
	if (p->p_next)
		p->p_next->p_prev = p->p_prev;
	else
		ac->ac_tail = p->p_prev;
	p->p_next = p->p_prev = NULL;
}

/* Evict the oldest waiting connections until there is room for one
 * more.  With ac_mu held.  Returns how many. */
static int
evict_oldest(struct api_conns *ac)
{
	struct api_pend *p;
	int n = 0;

	for (p = ac->ac_head; p != NULL && ac->ac_waiting >= API_CONN_PENDING;
	    p = p->p_next) {
		if (p->p_state != PEND_WAITING)
			continue;
		if (p->p_fd >= 0)
			shutdown(p->p_fd, SHUT_RDWR);
		p->p_state = PEND_EVICTED;
		ac->ac_waiting--;
		n++;
	}
	return n;
}

MHD_RESULT
api_conns_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api_conns *ac = cls;
	unsigned long total;
	int n;

	pthread_mutex_lock(&ac->ac_mu);
	n = evict_oldest(ac);
	ac->ac_evicted += (unsigned long)n;
	total = ac->ac_evicted;
	pthread_mutex_unlock(&ac->ac_mu);
	/* A flood evicts thousands: say so now and then, not each time. */
	if (n > 0 && (total == 1 || total % 1000 == 0))
		log_warnx("API: %d connections wait for authentication; the "
		    "oldest are closed for new ones (%lu so far)",
		    API_CONN_PENDING, total);
	return MHD_YES;
}

static void
conn_started(struct api_conns *ac, struct MHD_Connection *conn,
    void **socket_context)
{
	const union MHD_ConnectionInfo *ci;
	struct api_pend *p;

	/* Without its record a connection is never evicted nor counted. */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	p->p_fd = ci != NULL ? dup(ci->connect_fd) : -1;
	pthread_mutex_lock(&ac->ac_mu);
	p->p_prev = ac->ac_tail;
	if (ac->ac_tail)
		ac->ac_tail->p_next = p;
	else
		ac->ac_head = p;
	ac->ac_tail = p;
	ac->ac_waiting++;
	pthread_mutex_unlock(&ac->ac_mu);
	*socket_context = p;
}

void
api_conns_notify(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct api_conns *ac = cls;
	struct api_pend *p = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_started(ac, conn, socket_context);
		return;
	}
	if (p == NULL)
		return;
	pthread_mutex_lock(&ac->ac_mu);
	if (p->p_state != PEND_AUTHED)
		pend_unlink(ac, p);
	if (p->p_state == PEND_WAITING)
		ac->ac_waiting--;
	pthread_mutex_unlock(&ac->ac_mu);
	if (p->p_fd >= 0)
		close(p->p_fd);
	free(p);
	*socket_context = NULL;
}

void
api_conns_authenticated(struct api_conns *ac, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct api_pend *p;
	int fd = -1, was_waiting = 0;

	if (ac == NULL)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (p = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&ac->ac_mu);
	if (p->p_state == PEND_WAITING) {
		pend_unlink(ac, p);
		ac->ac_waiting--;
		p->p_state = PEND_AUTHED;
		fd = p->p_fd;
		p->p_fd = -1;
		was_waiting = 1;
	}
	pthread_mutex_unlock(&ac->ac_mu);
	if (!was_waiting)
		return;
	if (fd >= 0)
		close(fd);
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
	    (unsigned)API_AUTH_TIMEOUT_S);
}
