/*
 * check_qmp.c - QMP message parsing and validation (platform/qmp.c), and
 * the client's greeting / id matching / event queue against a scripted
 * peer on a socketpair-backed unix socket (no QEMU needed).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_suites.h"
#include "err.h"
#include "platform/qmp.h"

static const struct {
	const char *text;
	int ok;
	enum qmp_msg_kind kind;
	const char *msg;	/* expected error substring */
} cases[] = {
	{ "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":22,\"minor\":2,"
	  "\"major\":7},\"package\":\"\"},\"capabilities\":[\"oob\"]}}\r\n",
	  1, QMP_MSG_GREETING, NULL },
	{ "{\"return\":{},\"id\":\"hvd-1\"}", 1, QMP_MSG_RETURN, NULL },
	{ "{\"return\":[1,2]}", 1, QMP_MSG_RETURN, NULL },
	{ "{\"error\":{\"class\":\"GenericError\",\"desc\":\"no\"},"
	  "\"id\":\"hvd-2\"}", 1, QMP_MSG_ERROR, NULL },
	{ "{\"timestamp\":{\"seconds\":1,\"microseconds\":5},"
	  "\"event\":\"STOP\"}", 1, QMP_MSG_EVENT, NULL },
	{ "{\"timestamp\":{\"seconds\":1,\"microseconds\":5},"
	  "\"event\":\"MIGRATION\",\"data\":{\"status\":\"active\"}}", 1,
	  QMP_MSG_EVENT, NULL },
	{ "", 0, 0, "QMP message" },
	{ "[1,2]", 0, 0, "not a JSON object" },
	{ "{\"return\":", 0, 0, "QMP message" },
	{ "{\"hello\":1}", 0, 0, "none of" },
	{ "{\"error\":\"boom\"}", 0, 0, "'error' must be an object" },
	{ "{\"error\":{\"class\":1,\"desc\":\"x\"}}", 0, 0,
	  "'class' must be a string" },
	{ "{\"event\":5}", 0, 0, "'event' must be a string" },
	{ "{\"event\":\"\"}", 0, 0, "1 to 63 characters" },
	{ "{\"event\":\"X\",\"data\":[1]}", 0, 0, "'data' must be an object" },
	{ "{\"event\":\"X\",\"timestamp\":{\"seconds\":\"1\","
	  "\"microseconds\":0}}", 0, 0, "'seconds' must be an integer" },
	{ "{\"QMP\":{\"version\":{},\"capabilities\":[]}}", 0, 0,
	  "QMP greeting" },
	{ "{\"QMP\":[]}", 0, 0, "'QMP' must be an object" },
};

START_TEST(test_msg_parse_table)
{
	struct qmp_msg m;
	char err[ERR_LEN];
	int rc;

	err[0] = '\0';
	rc = qmp_msg_parse(cases[_i].text, strlen(cases[_i].text), &m, err);
	if (cases[_i].ok) {
		ck_assert_msg(rc == 0, "case %d parses (%s)", _i, err);
		ck_assert_int_eq(m.kind, cases[_i].kind);
		qmp_msg_free(&m);
	} else {
		ck_assert_msg(rc == -1, "case %d is refused", _i);
		ck_assert_msg(strstr(err, cases[_i].msg) != NULL,
		    "case %d: error '%s' names '%s'", _i, err, cases[_i].msg);
		ck_assert_ptr_null(m.doc);
	}
}
END_TEST

START_TEST(test_msg_fields)
{
	struct qmp_msg m;
	char err[ERR_LEN];
	const char *t = "{\"timestamp\":{\"seconds\":1795677116,"
	    "\"microseconds\":551585},\"event\":\"SHUTDOWN\",\"data\":"
	    "{\"guest\":false,\"reason\":\"host-qmp-quit\"}}";
	const char *g = "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":22,"
	    "\"minor\":2,\"major\":7}},\"capabilities\":[]}}";
	const char *e = "{\"id\":\"hvd-7\",\"error\":{\"class\":"
	    "\"CommandNotFound\",\"desc\":\"The command x has not been "
	    "found\"}}";

	ck_assert_int_eq(qmp_msg_parse(t, strlen(t), &m, err), 0);
	ck_assert_str_eq(m.event, "SHUTDOWN");
	ck_assert_msg(m.ts_us == 1795677116LL * 1000000 + 551585,
	    "the event timestamp is seconds and microseconds combined");
	ck_assert_ptr_nonnull(m.data);
	qmp_msg_free(&m);

	ck_assert_int_eq(qmp_msg_parse(g, strlen(g), &m, err), 0);
	ck_assert_int_eq(m.qemu_major, 7);
	ck_assert_int_eq(m.qemu_minor, 2);
	ck_assert_int_eq(m.qemu_micro, 22);
	qmp_msg_free(&m);

	ck_assert_int_eq(qmp_msg_parse(e, strlen(e), &m, err), 0);
	ck_assert_str_eq(m.id, "hvd-7");
	ck_assert_str_eq(m.err_class, "CommandNotFound");
	qmp_msg_free(&m);
}
END_TEST

START_TEST(test_msg_oversize)
{
	struct qmp_msg m;
	char err[ERR_LEN];
	size_t n = QMP_MSG_MAX + 10;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	ck_assert_int_eq(qmp_msg_parse(big, n, &m, err), -1);
	ck_assert_msg(strstr(err, "exceeds") != NULL,
	    "an oversize message is refused by its size: %s", err);
	free(big);
}
END_TEST

/* ---- a scripted QMP peer ---- */

struct peer {
	int lfd;
	const char *const *script;	/* lines to send after each request */
	int mode;			/* 0 normal, 1 huge line, 2 silent,
					 * 3 says whether an fd came along */
};

/* Mode 3: the first byte of a request with recvmsg, to see the fd sent
 * along with it (SCM_RIGHTS); -1 when none came, -2 at EOF. */
static int
recv_first(int fd, char *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh;
	struct iovec iov = { c, 1 };
	struct cmsghdr *cm;
	int got = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	if (recvmsg(fd, &mh, 0) != 1)
		return -2;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm != NULL && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	return got;
}

static void
send_str(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	(void)n;
}

/* Read one request line; returns 0 at EOF. */
static int
read_line(int fd, char *buf, size_t len)
{
	size_t o = 0;
	char c;

	while (o + 1 < len && read(fd, &c, 1) == 1) {
		if (c == '\n') {
			buf[o] = '\0';
			return 1;
		}
		buf[o++] = c;
	}
	return 0;
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	char line[4096], id[64], *s, *e;
	int fd = accept(p->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	send_str(fd, "{\"QMP\":{\"version\":{\"qemu\":{\"micro\":0,"
	    "\"minor\":2,\"major\":7},\"package\":\"\"},"
	    "\"capabilities\":[\"oob\"]}}\r\n");
	for (;;) {
		int passed = -1;

		if (p->mode == 3) {
			/* an fd may come with the request's first byte */
			passed = recv_first(fd, line);
			if (passed == -2 || !read_line(fd, line + 1,
			    sizeof(line) - 1))
				break;
		} else if (!read_line(fd, line, sizeof(line)))
			break;
		id[0] = '\0';
		if ((s = strstr(line, "\"id\":\"")) != NULL) {
			s += 6;
			e = strchr(s, '"');
			snprintf(id, sizeof(id), "%.*s", (int)(e - s), s);
		}
		if (strstr(line, "qmp_capabilities") != NULL) {
			dprintf(fd, "{\"return\":{},\"id\":\"%s\"}\r\n", id);
			continue;
		}
		if (p->mode == 3) {
			char want[16] = "", got[16] = "";
			ssize_t n;

			/* the passed fd is the read end of the test's pipe:
			 * read what the test wrote into the write end */
			if (passed >= 0) {
				n = read(passed, got, sizeof(got) - 1);
				got[n > 0 ? n : 0] = '\0';
				close(passed);
			}
			snprintf(want, sizeof(want), "%s", passed >= 0 ?
			    got : "none");
			dprintf(fd, "{\"return\":{\"fd\":\"%s\"},\"id\":"
			    "\"%s\"}\r\n", want, id);
			continue;
		}
		if (p->mode == 2)
			continue;
		if (p->mode == 1) {
			char *big = malloc(QMP_MSG_MAX + 100);

			memset(big, 'x', QMP_MSG_MAX + 99);
			big[QMP_MSG_MAX + 99] = '\0';
			send_str(fd, big);
			free(big);
			break;
		}
		if (strstr(line, "\"boom\"") != NULL) {
			dprintf(fd, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"it broke\"},\"id\":\"%s\"}\r\n", id);
			continue;
		}
		/* events and a stale answer before the real one */
		send_str(fd, "{\"timestamp\":{\"seconds\":1,\"microseconds\":"
		    "2},\"event\":\"STOP\"}\r\n");
		send_str(fd, "{\"return\":{\"stale\":true},\"id\":\"old-1\"}"
		    "\r\n\r\n");
		send_str(fd, "{\"timestamp\":{\"seconds\":1,\"microseconds\":"
		    "3},\"event\":\"RESUME\"}\r\n");
		dprintf(fd, "{\"return\":{\"status\":\"running\","
		    "\"running\":true},\"id\":\"%s\"}\r\n", id);
	}
	close(fd);
	return NULL;
}

static int
listen_unix(char *path, size_t len)
{
	struct sockaddr_un sun;
	int fd;

	snprintf(path, len, "/tmp/check_qmp.%d.sock", (int)getpid());
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

START_TEST(test_client_execute_and_events)
{
	struct peer p = { 0 };
	struct qmp *q;
	struct qmp_event ev;
	pthread_t th;
	char path[108], err[ERR_LEN];
	cJSON *ret = NULL;
	int maj, min, mic;

	p.lfd = listen_unix(path, sizeof(path));
	pthread_create(&th, NULL, peer_main, &p);
	q = qmp_connect(path, 5000, err);
	ck_assert_msg(q != NULL, "connects and negotiates: %s", err);
	qmp_version(q, &maj, &min, &mic);
	ck_assert_int_eq(maj, 7);

	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, &ret, 5000,
	    err), 0);
	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(ret, "running")),
	    "the answer with our id is returned, the stale one skipped");
	cJSON_Delete(ret);

	ck_assert_int_eq(qmp_execute(q, "boom", NULL, NULL, 5000, err), -1);
	ck_assert_msg(strstr(err, "boom: GenericError: it broke") != NULL,
	    "a QMP error names the command, class and description: %s", err);

	ck_assert_int_eq(qmp_event_next(q, &ev, 0, err), 1);
	ck_assert_str_eq(ev.name, "STOP");
	ck_assert_msg(ev.ts_us == 1000002, "events keep QEMU's timestamp");
	qmp_event_free(&ev);
	ck_assert_int_eq(qmp_event_wait(q, "RESUME", &ev, 1000, err), 1);
	qmp_event_free(&ev);
	ck_assert_int_eq(qmp_event_next(q, &ev, 10, err), 0);
	qmp_close(q);
	pthread_join(th, NULL);
	close(p.lfd);
	unlink(path);
}
END_TEST

START_TEST(test_client_passes_fd)
{
	struct peer p = { 0 };
	struct qmp_cmd c;
	struct qmp *q;
	pthread_t th;
	char path[108], err[ERR_LEN];
	cJSON *ret = NULL;
	int pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "through", 7), 7);
	close(pfd[1]);
	p.mode = 3;
	p.lfd = listen_unix(path, sizeof(path));
	pthread_create(&th, NULL, peer_main, &p);
	q = qmp_connect(path, 5000, err);
	ck_assert_msg(q != NULL, "connects: %s", err);
	c.qc_name = "getfd";
	c.qc_args = cJSON_CreateObject();
	c.qc_fd = pfd[0];
	ck_assert_int_eq(qmp_execute_fd(q, &c, &ret, 5000, err), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(ret, "fd")->valuestring,
	    "through");
	cJSON_Delete(ret);
	ck_assert_msg(fcntl(pfd[0], F_GETFD) >= 0, "our fd stays ours");
	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, &ret, 5000,
	    err), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(ret, "fd")->valuestring, "none");
	cJSON_Delete(ret);
	qmp_close(q);
	pthread_join(th, NULL);
	close(pfd[0]);
	close(p.lfd);
	unlink(path);
}
END_TEST

START_TEST(test_client_oversize_and_timeout)
{
	struct peer p = { 0 };
	struct qmp *q;
	pthread_t th;
	char path[108], err[ERR_LEN];

	p.lfd = listen_unix(path, sizeof(path));
	p.mode = 1;
	pthread_create(&th, NULL, peer_main, &p);
	q = qmp_connect(path, 5000, err);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, NULL, 5000,
	    err), -1);
	ck_assert_msg(strstr(err, "longer than") != NULL,
	    "a line over QMP_MSG_MAX is an error, not a crash: %s", err);
	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, NULL, 100,
	    err), -1);
	ck_assert_msg(strstr(err, "unusable") != NULL,
	    "a broken connection stays broken: %s", err);
	qmp_close(q);
	pthread_join(th, NULL);
	close(p.lfd);

	p.lfd = listen_unix(path, sizeof(path));
	p.mode = 2;
	pthread_create(&th, NULL, peer_main, &p);
	q = qmp_connect(path, 5000, err);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, NULL, 200,
	    err), -1);
	ck_assert_msg(strstr(err, "no answer within 200 ms") != NULL,
	    "a silent QEMU times out: %s", err);
	qmp_close(q);
	pthread_join(th, NULL);
	close(p.lfd);
	unlink(path);
}
END_TEST

START_TEST(test_client_no_socket)
{
	char err[ERR_LEN];
	struct qmp *q = qmp_connect("/nonexistent/check_qmp.sock", 100, err);

	ck_assert_ptr_null(q);
	ck_assert_msg(strstr(err, "/nonexistent/check_qmp.sock") != NULL,
	    "the error names the socket: %s", err);
}
END_TEST

Suite *
make_qmp_suite(void)
{
	Suite *s = suite_create("qmp");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_msg_parse_table, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_msg_fields);
	tcase_add_test(tc, test_msg_oversize);
	suite_add_tcase(s, tc);
	tc = tcase_create("client");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_client_execute_and_events);
	tcase_add_test(tc, test_client_passes_fd);
	tcase_add_test(tc, test_client_oversize_and_timeout);
	tcase_add_test(tc, test_client_no_socket);
	suite_add_tcase(s, tc);
	return s;
}
