/*
 * qmp.c - QMP client over a unix socket (see qmp.h).
 *
 * QMP is line-oriented JSON: QEMU ends every message with "\r\n".  We keep
 * one receive buffer, cut it into lines, parse each line with qmp_msg_parse
 * (size and type checks through common/json.h) and sort it: answers are
 * matched to the pending command by id, events go to a ring queue.  Only one
 * command is ever in flight, so an answer without an id (QEMU's reply to a
 * message it could not parse) is taken as the pending command's answer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/qmp.h"

struct qmp {
	int fd;
	char path[108];
	char *buf;		/* received, not yet consumed bytes */
	size_t len, cap;
	struct qmp_event ev[QMP_EVENT_QUEUE];
	size_t ev_head, ev_count;
	unsigned long drops;
	unsigned long long next_id;
	int broken;		/* a timeout or I/O error left it unusable */
	int major, minor, micro;
};

static int
parse_greeting(const cJSON *qmpobj, struct qmp_msg *m, char *err)
{
	const cJSON *ver = NULL, *qemu = NULL, *caps = NULL;
	int64_t v;

	if (!cJSON_IsObject(qmpobj))
		return err_set(err, "QMP greeting: 'QMP' must be an object");
	if (json_get_object(qmpobj, "version", JSON_REQUIRED, &ver, err) < 0 ||
	    json_get_object(ver, "qemu", JSON_REQUIRED, &qemu, err) < 0 ||
	    json_get_array(qmpobj, "capabilities", JSON_REQUIRED, &caps,
	    err) < 0)
		return err_prefix(err, "QMP greeting");
	v = 0;
	if (json_get_int(qemu, "major", JSON_REQUIRED, &v, err) < 0)
		return err_prefix(err, "QMP greeting");
	m->qemu_major = (int)v;
	if (json_get_int(qemu, "minor", JSON_REQUIRED, &v, err) < 0)
		return err_prefix(err, "QMP greeting");
	m->qemu_minor = (int)v;
	if (json_get_int(qemu, "micro", JSON_REQUIRED, &v, err) < 0)
		return err_prefix(err, "QMP greeting");
	m->qemu_micro = (int)v;
	return 0;
}

int
qmp_msg_parse(const char *buf, size_t len, struct qmp_msg *m, char *err)
{
	const cJSON *item, *ts = NULL, *eobj = NULL;
	int64_t sec = 0, usec = 0;

	memset(m, 0, sizeof(*m));
	if (len > QMP_MSG_MAX)
		return err_set(err, "QMP message of %zu bytes exceeds the "
		    "%d byte limit", len, QMP_MSG_MAX);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	m->doc = json_parse_buf(buf, len, err);
	if (m->doc == NULL)
		return err_prefix(err, "QMP message");
	if (!cJSON_IsObject(m->doc)) {
		err_set(err, "QMP message: not a JSON object");
		goto fail;
	}
	item = cJSON_GetObjectItemCaseSensitive(m->doc, "id");
	if (cJSON_IsString(item))
		m->id = item->valuestring;

	if ((item = cJSON_GetObjectItemCaseSensitive(m->doc, "QMP")) != NULL) {
		m->kind = QMP_MSG_GREETING;
		if (parse_greeting(item, m, err) < 0)
			goto fail;
	} else if ((item = cJSON_GetObjectItemCaseSensitive(m->doc,
	    "return")) != NULL) {
		m->kind = QMP_MSG_RETURN;
		m->ret = item;
	} else if (cJSON_GetObjectItemCaseSensitive(m->doc, "error") != NULL) {
		m->kind = QMP_MSG_ERROR;
		if (json_get_object(m->doc, "error", JSON_REQUIRED, &eobj,
		    err) < 0 ||
		    json_get_string(eobj, "class", JSON_REQUIRED,
		    &m->err_class, err) < 0 ||
		    json_get_string(eobj, "desc", JSON_REQUIRED, &m->err_desc,
		    err) < 0) {
			err_prefix(err, "QMP error answer");
			goto fail;
		}
	} else if (cJSON_GetObjectItemCaseSensitive(m->doc, "event") != NULL) {
		m->kind = QMP_MSG_EVENT;
		if (json_get_string(m->doc, "event", JSON_REQUIRED, &m->event,
		    err) < 0 ||
		    json_get_object(m->doc, "data", JSON_OPTIONAL, &m->data,
		    err) < 0 ||
		    json_get_object(m->doc, "timestamp", JSON_OPTIONAL, &ts,
		    err) < 0) {
			err_prefix(err, "QMP event");
			goto fail;
		}
		if (m->event[0] == '\0' || strlen(m->event) >= 64) {
			err_set(err, "QMP event: 'event' must be a name of "
			    "1 to 63 characters");
			goto fail;
		}
		if (ts != NULL) {
			if (json_get_int(ts, "seconds", JSON_REQUIRED, &sec,
			    err) < 0 ||
			    json_get_int(ts, "microseconds", JSON_REQUIRED,
			    &usec, err) < 0) {
				err_prefix(err, "QMP event %s: timestamp",
				    m->event);
				goto fail;
			}
			m->ts_us = sec * 1000000 + usec;
		}
	} else {
		err_set(err, "QMP message: none of 'QMP', 'return', 'error' "
		    "or 'event' is present");
		goto fail;
	}
	return 0;
fail:
	cJSON_Delete(m->doc);
	memset(m, 0, sizeof(*m));
	return -1;
}

void
qmp_msg_free(struct qmp_msg *m)
{
	if (m == NULL)
		return;
	cJSON_Delete(m->doc);
	memset(m, 0, sizeof(*m));
}

void
qmp_event_free(struct qmp_event *ev)
{
	if (ev == NULL)
		return;
	cJSON_Delete(ev->data);
	ev->data = NULL;
}

static long
remaining_ms(uint64_t deadline)
{
	uint64_t now = clock_mono_ns();

	if (now >= deadline)
		return 0;
	return (long)((deadline - now + NS_PER_MS - 1) / NS_PER_MS);
}

/*
 * Read the next message into m before deadline (monotonic ns).  Returns 1
 * with m filled, 0 on timeout, -1 on error (connection closed, oversize
 * line, invalid message).
 */
static int
read_msg(struct qmp *q, uint64_t deadline, struct qmp_msg *m, char *err)
{
	struct pollfd pfd;
	char *nl;
	size_t linelen;
	ssize_t n;
	int rc;

	for (;;) {
		nl = q->len > 0 ? memchr(q->buf, '\n', q->len) : NULL;
		if (nl != NULL) {
			linelen = (size_t)(nl - q->buf) + 1;
			if (linelen <= 2 && (q->buf[0] == '\r' ||
			    q->buf[0] == '\n')) {
				memmove(q->buf, q->buf + linelen,
				    q->len - linelen);
				q->len -= linelen;
				continue;
			}
			rc = qmp_msg_parse(q->buf, linelen, m, err);
			memmove(q->buf, q->buf + linelen, q->len - linelen);
			q->len -= linelen;
			if (rc < 0) {
				q->broken = 1;
				return err_prefix(err, "qmp %s", q->path);
			}
			return 1;
		}
		if (q->len >= QMP_MSG_MAX) {
			q->broken = 1;
			return err_set(err, "qmp %s: message longer than %d "
			    "bytes", q->path, QMP_MSG_MAX);
		}
		if (q->cap - q->len < 4096) {
			size_t ncap = q->cap ? q->cap * 2 : 16384;
			char *nb;

			if (ncap > QMP_MSG_MAX + 4096)
				ncap = QMP_MSG_MAX + 4096;
			nb = realloc(q->buf, ncap);
			if (nb == NULL)
				return err_set(err, "qmp %s: out of memory",
				    q->path);
			q->buf = nb;
			q->cap = ncap;
		}
		pfd.fd = q->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, (int)remaining_ms(deadline));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			q->broken = 1;
			return err_errno(err, "qmp %s: poll", q->path);
		}
		if (rc == 0)
			return 0;
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			q->broken = 1;
			return err_errno(err, "qmp %s: read", q->path);
		}
		if (n == 0) {
			q->broken = 1;
			return err_set(err, "qmp %s: connection closed by QEMU",
			    q->path);
		}
		q->len += (size_t)n;
	}
}

/* Append an event message to the queue (dropping the oldest when full). */
static void
queue_event(struct qmp *q, struct qmp_msg *m)
{
	struct qmp_event *ev;
	size_t slot;

	if (q->ev_count == QMP_EVENT_QUEUE) {
		qmp_event_free(&q->ev[q->ev_head]);
		q->ev_head = (q->ev_head + 1) % QMP_EVENT_QUEUE;
		q->ev_count--;
		q->drops++;
	}
	slot = (q->ev_head + q->ev_count) % QMP_EVENT_QUEUE;
	ev = &q->ev[slot];
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->name, sizeof(ev->name), "%s", m->event);
	ev->ts_us = m->ts_us;
	ev->recv_ns = clock_mono_ns();
	if (m->data != NULL)
		ev->data = cJSON_DetachItemFromObjectCaseSensitive(m->doc,
		    "data");
	q->ev_count++;
}

static int
write_all(struct qmp *q, const char *s, size_t len, char *err)
{
	ssize_t n;

	while (len > 0) {
		n = send(q->fd, s, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			q->broken = 1;
			return err_errno(err, "qmp %s: send", q->path);
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The first bytes of s with fd attached (SCM_RIGHTS), then the rest. */
static int
write_with_fd(struct qmp *q, const char *s, size_t len, int fd, char *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)s;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		q->broken = 1;
		return err_errno(err, "qmp %s: sendmsg", q->path);
	}
	return write_all(q, s + n, len - (size_t)n, err);
}

struct qmp *
qmp_connect(const char *path, long timeout_ms, char *err)
{
	struct qmp *q;
	struct sockaddr_un sun;
	struct qmp_msg m;
	uint64_t deadline;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		err_set(err, "qmp %s: socket path longer than %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		err_set(err, "qmp %s: out of memory", path);
		return NULL;
	}
	q->fd = -1;
	snprintf(q->path, sizeof(q->path), "%s", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			err_errno(err, "qmp %s: socket", path);
			goto fail;
		}
		if (connect(q->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if ((errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN) || remaining_ms(deadline) == 0) {
			err_errno(err, "qmp %s: connect", path);
			goto fail;
		}
		close(q->fd);
		q->fd = -1;
		clock_sleep_ns(20 * NS_PER_MS);
	}

	rc = read_msg(q, deadline, &m, err);
	if (rc == 0)
		err_set(err, "qmp %s: no greeting within %ld ms", path,
		    timeout_ms);
	if (rc <= 0)
		goto fail;
	if (m.kind != QMP_MSG_GREETING) {
		qmp_msg_free(&m);
		err_set(err, "qmp %s: first message is not the QMP greeting",
		    path);
		goto fail;
	}
	q->major = m.qemu_major;
	q->minor = m.qemu_minor;
	q->micro = m.qemu_micro;
	qmp_msg_free(&m);
	if (qmp_execute(q, "qmp_capabilities", NULL, NULL,
	    remaining_ms(deadline) + 1, err) < 0)
		goto fail;
	return q;
fail:
	qmp_close(q);
	return NULL;
}

void
qmp_close(struct qmp *q)
{
	if (q == NULL)
		return;
	if (q->fd >= 0)
		close(q->fd);
	while (q->ev_count > 0) {
		qmp_event_free(&q->ev[q->ev_head]);
		q->ev_head = (q->ev_head + 1) % QMP_EVENT_QUEUE;
		q->ev_count--;
	}
	free(q->buf);
	free(q);
}

void
qmp_version(const struct qmp *q, int *major, int *minor, int *micro)
{
	*major = q->major;
	*minor = q->minor;
	*micro = q->micro;
}

int
qmp_execute(struct qmp *q, const char *cmd, cJSON *args, cJSON **ret,
    long timeout_ms, char *err)
{
	struct qmp_cmd c = { cmd, args, -1 };

	return qmp_execute_fd(q, &c, ret, timeout_ms, err);
}

/* Send command c with id (and its fd, if any): 0, or -1 + err.  Takes
 * c's arguments over. */
static int
cmd_send(struct qmp *q, const struct qmp_cmd *c, const char *id, char *err)
{
	cJSON *req;
	char *text = NULL;
	int rc = -1;

	if ((req = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(c->qc_args);
		return err_set(err, "qmp %s: out of memory", q->path);
	}
	cJSON_AddStringToObject(req, "execute", c->qc_name);
	if (c->qc_args != NULL)
		cJSON_AddItemToObject(req, "arguments", c->qc_args);
	cJSON_AddStringToObject(req, "id", id);
	if ((text = cJSON_PrintUnformatted(req)) == NULL) {
		err_set(err, "qmp %s: out of memory", q->path);
		goto out;
	}
	if ((c->qc_fd >= 0 ? write_with_fd(q, text, strlen(text), c->qc_fd,
	    err) : write_all(q, text, strlen(text), err)) < 0 ||
	    write_all(q, "\n", 1, err) < 0)
		goto out;
	rc = 0;
out:
	free(text);
	cJSON_Delete(req);
	return rc;
}

/* Read until the answer to id (events queued, stale answers skipped):
 * 0 with *ret (may be NULL) its "return", or -1 + err.  No answer within
 * timeout_ms leaves the connection unusable. */
static int
cmd_await(struct qmp *q, const char *cmd, const char *id, cJSON **ret,
    long timeout_ms, char *err)
{
	struct qmp_msg m;
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	int rc;

	for (;;) {
		rc = read_msg(q, deadline, &m, err);
		if (rc == 0) {
			q->broken = 1;
			return err_set(err, "qmp %s: %s: no answer within %ld "
			    "ms", q->path, cmd, timeout_ms);
		}
		if (rc < 0)
			return -1;
		if (m.kind == QMP_MSG_EVENT) {
			queue_event(q, &m);
			qmp_msg_free(&m);
			continue;
		}
		if (m.kind == QMP_MSG_GREETING ||
		    (m.id != NULL && strcmp(m.id, id) != 0)) {
			/* Not ours (a stale answer): skip it. */
			qmp_msg_free(&m);
			continue;
		}
		if (m.kind == QMP_MSG_ERROR) {
			err_set(err, "%s: %s: %s", cmd, m.err_class,
			    m.err_desc);
			qmp_msg_free(&m);
			return -1;
		}
		if (ret != NULL)
			*ret = cJSON_DetachItemFromObjectCaseSensitive(m.doc,
			    "return");
		qmp_msg_free(&m);
		return 0;
	}
}

int
qmp_execute_fd(struct qmp *q, const struct qmp_cmd *c, cJSON **ret,
    long timeout_ms, char *err)
{
	char id[32];

	if (ret != NULL)
		*ret = NULL;
	if (q->broken) {
		cJSON_Delete(c->qc_args);
		return err_set(err, "qmp %s: %s: connection unusable after an "
		    "earlier error", q->path, c->qc_name);
	}
	if (c->qc_args != NULL && !cJSON_IsObject(c->qc_args)) {
		cJSON_Delete(c->qc_args);
		return err_set(err, "qmp %s: %s: arguments must be an object",
		    q->path, c->qc_name);
	}
	snprintf(id, sizeof(id), "hvd-%llu", ++q->next_id);
	if (cmd_send(q, c, id, err) < 0)
		return -1;
	return cmd_await(q, c->qc_name, id, ret, timeout_ms, err);
}

int
qmp_execute_str(struct qmp *q, const char *cmd, const char *args_json,
    cJSON **ret, long timeout_ms, char *err)
{
	cJSON *args = NULL;

	if (args_json != NULL) {
		args = json_parse_buf(args_json, strlen(args_json), err);
		if (args == NULL)
			return err_prefix(err, "qmp %s arguments", cmd);
	}
	return qmp_execute(q, cmd, args, ret, timeout_ms, err);
}

int
qmp_query_kvm(struct qmp *q, int *kvm, long timeout_ms, char *err)
{
	cJSON *ret = NULL;
	int rc;

	if (qmp_execute(q, "query-kvm", NULL, &ret, timeout_ms, err) < 0)
		return -1;
	rc = json_get_bool(ret, "enabled", JSON_REQUIRED, kvm, err);
	if (rc < 0)
		err_prefix(err, "query-kvm");
	cJSON_Delete(ret);
	return rc < 0 ? -1 : 0;
}

int
qmp_event_next(struct qmp *q, struct qmp_event *ev, long timeout_ms,
    char *err)
{
	struct qmp_msg m;
	uint64_t deadline;
	int rc;

	memset(ev, 0, sizeof(*ev));
	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	for (;;) {
		if (q->ev_count > 0) {
			*ev = q->ev[q->ev_head];
			memset(&q->ev[q->ev_head], 0, sizeof(*ev));
			q->ev_head = (q->ev_head + 1) % QMP_EVENT_QUEUE;
			q->ev_count--;
			return 1;
		}
		if (q->broken)
			return err_set(err, "qmp %s: connection unusable after "
			    "an earlier error", q->path);
		rc = read_msg(q, deadline, &m, err);
		if (rc <= 0)
			return rc;
		if (m.kind == QMP_MSG_EVENT)
			queue_event(q, &m);
		qmp_msg_free(&m);
	}
}

int
qmp_event_wait(struct qmp *q, const char *name, struct qmp_event *ev,
    long timeout_ms, char *err)
{
	struct qmp_event e;
	uint64_t deadline;
	int rc;

	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	for (;;) {
		rc = qmp_event_next(q, &e, remaining_ms(deadline), err);
		if (rc <= 0)
			return rc;
		if (strcmp(e.name, name) == 0) {
			if (ev != NULL)
				*ev = e;
			else
				qmp_event_free(&e);
			return 1;
		}
		qmp_event_free(&e);
	}
}

int
qmp_event_poll(struct qmp *q, long timeout_ms, char *err)
{
	struct qmp_msg m;
	uint64_t deadline;
	size_t before = q->ev_count;
	unsigned long drops = q->drops;
	int rc;

	if (q->broken)
		return err_set(err, "qmp %s: connection unusable after an "
		    "earlier error", q->path);
	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	for (;;) {
		rc = read_msg(q, deadline, &m, err);
		if (rc <= 0)
			return rc;
		if (m.kind == QMP_MSG_EVENT)
			queue_event(q, &m);
		qmp_msg_free(&m);
		if (q->ev_count != before || q->drops != drops)
			return 1;
	}
}

int
qmp_event_queued(const struct qmp *q, const char *name)
{
	size_t i;
	int n = 0;

	for (i = 0; i < q->ev_count; i++)
		if (strcmp(q->ev[(q->ev_head + i) % QMP_EVENT_QUEUE].name,
		    name) == 0)
			n++;
	return n;
}
