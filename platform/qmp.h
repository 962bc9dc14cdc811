/*
 * qmp.h - a QMP client: JSON commands and events over QEMU's monitor socket.
 *
 * hvd speaks to every QEMU it runs through one of these.  qmp_connect reads
 * the greeting and negotiates capabilities; qmp_execute sends a command
 * with an id and waits for the answer carrying that id, queueing the events
 * (STOP, RESUME, MIGRATION, SHUTDOWN, POWERDOWN, ...) that arrive meanwhile;
 * qmp_event_next hands the queued and further events out in order.
 * Every message from QEMU is checked for size and shape before use (a line
 * longer than QMP_MSG_MAX, invalid JSON, or a member of the wrong type is an
 * error naming what was wrong, never a crash).  The message parser is a
 * pure function (qmp_msg_parse) so the unit tests exercise the real code.
 *
 * A struct qmp is not thread-safe; use one per thread or lock around it.
 */
#ifndef HV_QMP_H
#define HV_QMP_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* Longest message (one line) accepted from QEMU. */
#define QMP_MSG_MAX (1024 * 1024)
/* Events kept unread before the oldest are dropped (counted in drops). */
#define QMP_EVENT_QUEUE 256

enum qmp_msg_kind {
	QMP_MSG_GREETING,	/* {"QMP": {"version": ..., "capabilities": [...]}} */
	QMP_MSG_RETURN,		/* {"return": ANY, "id": ...} */
	QMP_MSG_ERROR,		/* {"error": {"class": S, "desc": S}, "id": ...} */
	QMP_MSG_EVENT,		/* {"event": S, "data": {...}, "timestamp": {...}} */
};

/* One parsed message.  Pointers point into doc; qmp_msg_free frees doc. */
struct qmp_msg {
	enum qmp_msg_kind kind;
	cJSON *doc;		/* the whole message */
	const char *id;		/* "id" member when a string, else NULL */
	const cJSON *ret;	/* RETURN: the "return" value */
	const char *err_class;	/* ERROR: "class" */
	const char *err_desc;	/* ERROR: "desc" */
	const char *event;	/* EVENT: name */
	const cJSON *data;	/* EVENT: "data" object or NULL */
	int64_t ts_us;		/* EVENT: timestamp in microseconds (wall) */
	int qemu_major, qemu_minor, qemu_micro; /* GREETING */
};

/*
 * Parse one QMP message of len bytes (no NUL needed; a trailing "\r\n" is
 * allowed).  Returns 0 and fills m (free with qmp_msg_free), or -1 with err
 * saying what is wrong ("QMP message: 'event' must be a string").
 */
int qmp_msg_parse(const char *buf, size_t len, struct qmp_msg *m, char *err);
void qmp_msg_free(struct qmp_msg *m);

/* An event handed out by qmp_event_next; free with qmp_event_free. */
struct qmp_event {
	char name[64];		/* "STOP", "MIGRATION", ... */
	cJSON *data;		/* the "data" object (detached copy) or NULL */
	int64_t ts_us;		/* QEMU's wall timestamp, microseconds */
	uint64_t recv_ns;	/* our monotonic clock when it was read */
};
void qmp_event_free(struct qmp_event *ev);

struct qmp;

/*
 * Connect to the QMP unix socket at path, read the greeting and send
 * qmp_capabilities, all within timeout_ms (retrying the connect while the
 * socket does not exist yet or refuses).  Returns the client, or NULL with
 * err ("qmp /run/hvd/vm1/qmp.sock: connect: Connection refused").
 */
struct qmp *qmp_connect(const char *path, long timeout_ms, char *err);
void qmp_close(struct qmp *q);
/* QEMU's version from the greeting. */
void qmp_version(const struct qmp *q, int *major, int *minor, int *micro);

/*
 * Execute cmd with args (an object, consumed even on failure; NULL for
 * none) and wait up to timeout_ms for its answer.  On success returns 0 and
 * *ret (if ret is not NULL) gets the "return" value, detached, which the
 * caller frees with cJSON_Delete.  A QMP error answer returns -1 with err
 * "CMD: CLASS: DESC"; a timeout or a closed socket also returns -1 (the
 * connection is then unusable: its state is unknown, reconnect).
 */
int qmp_execute(struct qmp *q, const char *cmd, cJSON *args, cJSON **ret,
    long timeout_ms, char *err);
/* A QMP command: its name, its arguments (an object or NULL, taken
 * over) and a file descriptor to pass along (-1: none). */
struct qmp_cmd {
	const char	*qc_name;
	cJSON		*qc_args;
	int		 qc_fd;
};
/* The same, passing c's file descriptor along with the command
 * (SCM_RIGHTS), as QEMU's "getfd" and "add-fd" take it; fd stays ours. */
int qmp_execute_fd(struct qmp *q, const struct qmp_cmd *c, cJSON **ret,
    long timeout_ms, char *err);
/* Same as qmp_execute with args given as a JSON text (or NULL). */
int qmp_execute_str(struct qmp *q, const char *cmd, const char *args_json,
    cJSON **ret, long timeout_ms, char *err);

/* QEMU's accelerator (query-kvm): *kvm 1 when KVM runs the vCPUs, 0 when
 * TCG does.  0 or -1 with err. */
int qmp_query_kvm(struct qmp *q, int *kvm, long timeout_ms, char *err);

/*
 * Next event (queued first, then from the socket), waiting up to
 * timeout_ms (0 = only what is already readable).  Returns 1 with ev
 * filled, 0 on timeout, -1 on error (socket closed: QEMU gone).
 */
int qmp_event_next(struct qmp *q, struct qmp_event *ev, long timeout_ms,
    char *err);
/*
 * Wait up to timeout_ms for event name (other events are discarded, not
 * requeued).  Returns 1 when it came (ev filled when not NULL), 0 on
 * timeout, -1 on error.
 */
int qmp_event_wait(struct qmp *q, const char *name, struct qmp_event *ev,
    long timeout_ms, char *err);
/*
 * Wait up to timeout_ms until a new event is queued, leaving it queued
 * (for callers that must not take events away from others).  Returns 1
 * when one arrived, 0 on timeout, -1 on error.
 */
int qmp_event_poll(struct qmp *q, long timeout_ms, char *err);
/* How many queued events are called name. */
int qmp_event_queued(const struct qmp *q, const char *name);

#endif
