/*
 * migrate.c - live migration steps over QMP (see migrate.h).
 *
 * QEMU does the work; this file sets it up, watches it through
 * query-migrate, and guarantees the one property the platform promises:
 * a migration that does not complete leaves the VM running on the source.
 * Figures are QEMU's own (total-time, downtime, ram.transferred); what the
 * network sees is measured outside (bench/bench_migrate.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/migrate.h"
#include "sock.h"

#define CMD_TIMEOUT_MS 10000

void
migrate_params_default(struct migrate_params *p)
{
	memset(p, 0, sizeof(*p));
	/* See docs/vm.md "Live migration defaults" for the measurements. */
	p->downtime_limit_ms = 20;
	p->max_bandwidth = 1LL << 30;
	p->announce_initial_ms = -1;
	p->announce_max_ms = -1;
	p->announce_rounds = -1;
	p->announce_step_ms = -1;
	p->announce_after = 0;
	p->quiesce_ms = 10;
	p->timeout_ms = 600000;
	p->start_ms = 10000;
	p->poll_ms = 50;
}

int
migrate_params_from_json(const cJSON *obj, struct migrate_params *p,
    char *err)
{
	static const char *const keys[] = { "downtime_limit_ms",
		"max_bandwidth", "announce_initial_ms", "announce_max_ms",
		"announce_rounds", "announce_step_ms", "announce_after",
		"timeout_ms", "quiesce_ms", NULL };
	int64_t t, q;

	if (!cJSON_IsObject(obj))
		return err_set(err, "migration parameters must be an object");
	if (json_check_keys(obj, keys, NULL, err) < 0 ||
	    json_get_int(obj, "downtime_limit_ms", JSON_OPTIONAL,
	    &p->downtime_limit_ms, err) < 0 ||
	    json_get_int(obj, "max_bandwidth", JSON_OPTIONAL,
	    &p->max_bandwidth, err) < 0 ||
	    json_get_int(obj, "announce_initial_ms", JSON_OPTIONAL,
	    &p->announce_initial_ms, err) < 0 ||
	    json_get_int(obj, "announce_max_ms", JSON_OPTIONAL,
	    &p->announce_max_ms, err) < 0 ||
	    json_get_int(obj, "announce_rounds", JSON_OPTIONAL,
	    &p->announce_rounds, err) < 0 ||
	    json_get_int(obj, "announce_step_ms", JSON_OPTIONAL,
	    &p->announce_step_ms, err) < 0 ||
	    json_get_bool(obj, "announce_after", JSON_OPTIONAL,
	    &p->announce_after, err) < 0)
		return -1;
	t = p->timeout_ms;
	q = p->quiesce_ms;
	if (json_get_int(obj, "timeout_ms", JSON_OPTIONAL, &t, err) < 0 ||
	    json_get_int(obj, "quiesce_ms", JSON_OPTIONAL, &q, err) < 0)
		return -1;
	if (q < 0 || q > 1000)
		return err_set(err, "'quiesce_ms' must be in 0..1000");
	p->quiesce_ms = (long)q;
	if (p->downtime_limit_ms < 1 || p->downtime_limit_ms > 2000000)
		return err_set(err, "'downtime_limit_ms' must be in "
		    "1..2000000");
	if (p->max_bandwidth < 1048576 || p->max_bandwidth > (1LL << 40))
		return err_set(err, "'max_bandwidth' must be in 1 MiB/s..1 "
		    "TiB/s (bytes per second)");
	if (p->announce_initial_ms > 100000 || p->announce_max_ms > 100000 ||
	    p->announce_rounds > 1000 || p->announce_step_ms > 10000)
		return err_set(err, "announce_* values are out of range");
	if (p->announce_step_ms == 0)
		return err_set(err, "'announce_step_ms' must be at least 1");
	if (t < 1000 || t > 86400000)
		return err_set(err, "'timeout_ms' must be in 1000..86400000");
	p->timeout_ms = (long)t;
	return 0;
}

static int
get_u64(const cJSON *obj, const char *key, uint64_t *out, char *err)
{
	int64_t v = 0;

	if (json_get_int(obj, key, JSON_OPTIONAL, &v, err) < 0)
		return -1;
	if (v < 0)
		return err_set(err, "'%s' must not be negative", key);
	*out = (uint64_t)v;
	return 0;
}

int
migrate_result_parse(const cJSON *ret, struct migrate_result *r, char *err)
{
	const cJSON *ram = NULL;
	const char *s = NULL, *e = NULL;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(ret))
		return err_set(err, "query-migrate: answer must be an object");
	if (json_get_string(ret, "status", JSON_OPTIONAL, &s, err) < 0 ||
	    json_get_int(ret, "total-time", JSON_OPTIONAL, &r->total_time_ms,
	    err) < 0 ||
	    json_get_int(ret, "downtime", JSON_OPTIONAL, &r->downtime_ms,
	    err) < 0 ||
	    json_get_int(ret, "setup-time", JSON_OPTIONAL, &r->setup_time_ms,
	    err) < 0 ||
	    json_get_int(ret, "expected-downtime", JSON_OPTIONAL,
	    &r->expected_downtime_ms, err) < 0 ||
	    json_get_string(ret, "error-desc", JSON_OPTIONAL, &e, err) < 0 ||
	    json_get_object(ret, "ram", JSON_OPTIONAL, &ram, err) < 0)
		return err_prefix(err, "query-migrate");
	snprintf(r->status, sizeof(r->status), "%s", s ? s : "none");
	if (e != NULL)
		snprintf(r->error, sizeof(r->error), "%s", e);
	if (ram != NULL) {
		if (get_u64(ram, "transferred", &r->transferred_bytes,
		    err) < 0 ||
		    get_u64(ram, "total", &r->ram_total_bytes, err) < 0 ||
		    get_u64(ram, "remaining", &r->ram_remaining_bytes,
		    err) < 0 ||
		    get_u64(ram, "dirty-sync-count", &r->dirty_sync_count,
		    err) < 0 ||
		    json_get_double(ram, "mbps", JSON_OPTIONAL, &r->mbps,
		    err) < 0)
			return err_prefix(err, "query-migrate: ram");
	}
	return 0;
}

cJSON *
migrate_result_to_json(const struct migrate_result *r)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddNumberToObject(o, "total_time_ms", (double)r->total_time_ms);
	cJSON_AddNumberToObject(o, "downtime_ms", (double)r->downtime_ms);
	cJSON_AddNumberToObject(o, "setup_time_ms", (double)r->setup_time_ms);
	cJSON_AddNumberToObject(o, "transferred_bytes",
	    (double)r->transferred_bytes);
	cJSON_AddNumberToObject(o, "ram_total_bytes",
	    (double)r->ram_total_bytes);
	cJSON_AddNumberToObject(o, "dirty_sync_count",
	    (double)r->dirty_sync_count);
	cJSON_AddNumberToObject(o, "mbps", r->mbps);
	cJSON_AddBoolToObject(o, "single_pass", r->single_pass);
	if (r->error[0])
		cJSON_AddStringToObject(o, "error", r->error);
	return o;
}

/* migrate-set-parameters with the announce values that are set, plus
 * downtime/bandwidth when with_limits. */
static int
set_params(struct qmp *q, const struct migrate_params *p, int with_limits,
    char *err)
{
	cJSON *a = cJSON_CreateObject();

	if (a == NULL)
		return err_set(err, "out of memory");
	if (with_limits) {
		cJSON_AddNumberToObject(a, "downtime-limit",
		    (double)p->downtime_limit_ms);
		cJSON_AddNumberToObject(a, "max-bandwidth",
		    (double)p->max_bandwidth);
	}
	if (p->announce_initial_ms >= 0)
		cJSON_AddNumberToObject(a, "announce-initial",
		    (double)p->announce_initial_ms);
	if (p->announce_max_ms >= 0)
		cJSON_AddNumberToObject(a, "announce-max",
		    (double)p->announce_max_ms);
	if (p->announce_rounds >= 0)
		cJSON_AddNumberToObject(a, "announce-rounds",
		    (double)p->announce_rounds);
	if (p->announce_step_ms >= 0)
		cJSON_AddNumberToObject(a, "announce-step",
		    (double)p->announce_step_ms);
	return qmp_execute(q, "migrate-set-parameters", a, NULL,
	    CMD_TIMEOUT_MS, err);
}

static int
set_events_cap(struct qmp *q, char *err)
{
	return qmp_execute_str(q, "migrate-set-capabilities",
	    "{\"capabilities\":[{\"capability\":\"events\",\"state\":true}]}",
	    NULL, CMD_TIMEOUT_MS, err);
}

/* query-status's "status" into buf. */
static int
run_state(struct qmp *q, char *buf, size_t len, char *err)
{
	cJSON *ret = NULL;
	const char *s = NULL;
	int rc = -1;

	if (qmp_execute(q, "query-status", NULL, &ret, CMD_TIMEOUT_MS,
	    err) < 0)
		return -1;
	if (json_get_string(ret, "status", JSON_REQUIRED, &s, err) == 0) {
		snprintf(buf, len, "%s", s);
		rc = 0;
	}
	cJSON_Delete(ret);
	return rc;
}

static int
query(struct qmp *q, struct migrate_result *r, char *err)
{
	cJSON *ret = NULL;
	int rc;

	if (qmp_execute(q, "query-migrate", NULL, &ret, CMD_TIMEOUT_MS,
	    err) < 0)
		return -1;
	rc = migrate_result_parse(ret, r, err);
	cJSON_Delete(ret);
	return rc;
}

/*
 * Does this QEMU lose guest stores between two dirty-bitmap syncs?  QEMU
 * before 9.0 under TCG: its fast path for syncing a RAM block's dirty
 * bitmap clears the bits without re-arming TCG's TLB, so the vCPU's
 * stores through entries it already holds go unrecorded (docs/vm.md
 * "Live migration under TCG").  KVM tracks dirty pages in the kernel.
 * 1 affected, 0 not, -1 with err.
 */
static int
tcg_sync_unsafe(struct qmp *q, char *err)
{
	cJSON *ret = NULL;
	const cJSON *ver = NULL;
	int64_t major = 0;
	int kvm = 0, rc = -1;

	if (qmp_query_kvm(q, &kvm, CMD_TIMEOUT_MS, err) < 0)
		return -1;
	if (kvm)
		return 0;
	if (qmp_execute(q, "query-version", NULL, &ret, CMD_TIMEOUT_MS,
	    err) < 0)
		return -1;
	if (json_get_object(ret, "qemu", JSON_REQUIRED, &ver, err) < 0 ||
	    json_get_int(ver, "major", JSON_REQUIRED, &major, err) < 0)
		goto out;
	rc = major < 9;
out:
	cJSON_Delete(ret);
	return rc;
}

/* tcp:HOST:PORT, unix:PATH or fd:migrate, without blanks or commas. */
static int
check_uri(const char *uri, char *err)
{
	size_t i;

	if (strncmp(uri, "tcp:", 4) != 0 && strncmp(uri, "unix:", 5) != 0 &&
	    strcmp(uri, "fd:" MIGRATE_FDNAME) != 0)
		goto bad;
	for (i = 0; uri[i]; i++)
		if ((unsigned char)uri[i] <= 0x20 || uri[i] == ',')
			goto bad;
	if (i < 256)
		return 0;
bad:
	return err_set(err, "migration uri '%s' must be tcp:HOST:PORT, "
	    "unix:PATH or fd:" MIGRATE_FDNAME, uri);
}

/* ---- the migration stream's socket, made by hvd ---- */

static int
sockaddr_of(const char *addr, int port, struct sockaddr_in *sa, char *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (port < 1 || port > 65535 ||
	    inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return err_set(err, "migration address %s:%d is not an IPv4 "
		    "address and port", addr, port);
	return 0;
}

static int
set_buf(int fd, int opt, const char *what, char *err)
{
	int n = MIGRATE_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, opt, &n, sizeof(n)) < 0)
		return err_errno(err, "migration socket: %s", what);
	return 0;
}

int
migrate_listen(const char *addr, int port, char *err)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if (sockaddr_of(addr, port, &sa, err) < 0)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_errno(err, "migration socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		err_errno(err, "migration socket: SO_REUSEADDR");
		goto fail;
	}
	/* set before listen: accepted sockets inherit it */
	if (set_buf(fd, SO_RCVBUF, "SO_RCVBUF", err) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		err_errno(err, "migration socket: listen on %s:%d", addr,
		    port);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* A connection from an address other than from: closed, counted. */
static int
accept_from(int lfd, const char *from, int *refused, char *err)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char peer[INET_ADDRSTRLEN];
	int fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC)) < 0)
		return err_errno(err, "migration socket: accept");
	if (from == NULL)
		return fd;
	if (sa.sin_family == AF_INET && inet_ntop(AF_INET, &sa.sin_addr, peer,
	    sizeof(peer)) != NULL && strcmp(peer, from) == 0)
		return fd;
	close(fd);
	(*refused)++;
	return -2;
}

int
migrate_accept(int lfd, const char *from, long timeout_ms, int *refused,
    char *err)
{
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms *
	    NS_PER_MS, now;
	int fd, rc, n = 0;

	for (;;) {
		now = clock_mono_ns();
		rc = now < deadline ? sock_wait(lfd, POLLIN,
		    (long)((deadline - now) / NS_PER_MS)) : 0;
		if (rc < 0) {
			fd = err_errno(err, "migration socket: poll");
			break;
		}
		if (rc == 0) {
			fd = err_set(err, "no migration stream arrived from %s "
			    "within %ld ms (%d other connection(s) refused)",
			    from ? from : "anywhere", timeout_ms, n);
			break;
		}
		if ((fd = accept_from(lfd, from, &n, err)) != -2)
			break;
	}
	if (refused != NULL)
		*refused = n;
	return fd;
}

int
migrate_connect(const char *addr, int port, long timeout_ms, char *err)
{
	struct sockaddr_in sa;
	int fd, fl;

	if (sockaddr_of(addr, port, &sa, err) < 0)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return err_errno(err, "migration socket");
	if (set_buf(fd, SO_SNDBUF, "SO_SNDBUF", err) < 0)
		goto fail;
	if (sock_connect(fd, &sa, timeout_ms, err) < 0) {
		err_prefix(err, "migration stream to %s:%d", addr, port);
		goto fail;
	}
	/* QEMU wants a blocking descriptor (it sets its own mode) */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err_errno(err, "migration socket: fcntl");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
migrate_pass_fd(struct qmp *q, int fd, char *err)
{
	cJSON *a = cJSON_CreateObject();

	if (a == NULL)
		return err_set(err, "out of memory");
	/* getfd replaces (and closes) one of the same name left by an
	 * earlier attempt */
	cJSON_AddStringToObject(a, "fdname", MIGRATE_FDNAME);
	return qmp_execute_fd(q, &(struct qmp_cmd){ "getfd", a, fd }, NULL,
	    CMD_TIMEOUT_MS, err);
}

void
migrate_drop_fd(struct qmp *q)
{
	char e2[ERR_LEN];

	(void)qmp_execute_str(q, "closefd", "{\"fdname\":\"" MIGRATE_FDNAME
	    "\"}", NULL, CMD_TIMEOUT_MS, e2);
}

int
migrate_incoming(struct qmp *tgt, const struct migrate_params *p,
    const char *uri, char *err)
{
	cJSON *a;
	char st[32];

	if (check_uri(uri, err) < 0)
		return -1;
	if (run_state(tgt, st, sizeof(st), err) < 0)
		return err_prefix(err, "migration target");
	if (strcmp(st, "inmigrate") != 0)
		return err_set(err, "migration target is in state '%s', not "
		    "waiting for a migration (started without -incoming?)", st);
	if (set_events_cap(tgt, err) < 0 || set_params(tgt, p, 0, err) < 0)
		return err_prefix(err, "migration target");
	a = cJSON_CreateObject();
	if (a == NULL)
		return err_set(err, "out of memory");
	cJSON_AddStringToObject(a, "uri", uri);
	if (qmp_execute(tgt, "migrate-incoming", a, NULL, CMD_TIMEOUT_MS,
	    err) < 0)
		return err_prefix(err, "migration target");
	return 0;
}

/* After a failure: cancel, wait for QEMU to leave the active states, and
 * make the source run again if it ran before. */
static void
recover_source(struct qmp *src, int was_running, char *note, size_t len)
{
	struct migrate_result r;
	char st[32], e2[ERR_LEN];
	uint64_t deadline;

	note[0] = '\0';
	(void)qmp_execute(src, "migrate_cancel", NULL, NULL, CMD_TIMEOUT_MS,
	    e2);
	deadline = clock_mono_ns() + 10 * NS_PER_S;
	while (clock_mono_ns() < deadline) {
		if (query(src, &r, e2) < 0)
			break;
		if (strcmp(r.status, "active") != 0 &&
		    strcmp(r.status, "cancelling") != 0 &&
		    strcmp(r.status, "setup") != 0 &&
		    strcmp(r.status, "device") != 0 &&
		    strcmp(r.status, "pre-switchover") != 0)
			break;
		clock_sleep_ns(20 * NS_PER_MS);
	}
	if (!was_running)
		return;
	if (run_state(src, st, sizeof(st), e2) < 0) {
		snprintf(note, len, "; source state unknown: %.200s", e2);
		return;
	}
	if (strcmp(st, "running") == 0)
		return;
	if (qmp_execute(src, "cont", NULL, NULL, CMD_TIMEOUT_MS, e2) < 0)
		snprintf(note, len, "; source is '%s' and cont failed: %.200s", st,
		    e2);
	else
		snprintf(note, len, "; source resumed from '%s'", st);
}

/* One outgoing migration as it runs. */
struct mig_src {
	struct qmp			*ms_src;
	const struct migrate_params	*ms_p;
	const char			*ms_uri;
	struct migrate_hooks		 ms_h;
	struct migrate_result		*ms_r;
	int				 ms_was_running;
	int				 ms_unsafe;	/* single pass */
	int				 ms_seen;	/* this one ran */
	int				 ms_settle;
	int				 ms_down;	/* links taken down */
	char				 ms_note[ERR_LEN];
};

/* Failure: cancel and the VM running again, and the source's taps up
 * again when they were taken down; ms_note says how that went. */
static void
src_recover(struct mig_src *m)
{
	char e2[ERR_LEN];
	size_t n;

	recover_source(m->ms_src, m->ms_was_running, m->ms_note,
	    sizeof(m->ms_note));
	if (m->ms_down && m->ms_h.mh_links(m->ms_h.mh_links_arg, 1, e2) < 0) {
		n = strlen(m->ms_note);
		snprintf(m->ms_note + n, sizeof(m->ms_note) - n, "; %s", e2);
	}
}

/* The source runs (or is paused); capabilities and parameters set, with
 * a single RAM pass where QEMU needs it.  0 or -1 + err. */
static int
src_prepare(struct mig_src *m, char *err)
{
	struct migrate_params eff;
	char st[32];

	if (check_uri(m->ms_uri, err) < 0)
		return -1;
	if (run_state(m->ms_src, st, sizeof(st), err) < 0)
		return err_prefix(err, "migration source");
	if (strcmp(st, "running") != 0 && strcmp(st, "paused") != 0)
		return err_set(err, "migration source is '%s', not running",
		    st);
	m->ms_was_running = strcmp(st, "running") == 0;
	/*
	 * Where QEMU loses stores between syncs (TCG, QEMU < 9.0), let it
	 * sync only twice: at the start, where starting the dirty log flushes
	 * every vCPU's TLB before the vCPU runs guest code again (the flush
	 * waits for the big lock the sync holds), and at the end with the
	 * guest stopped.  A downtime limit of 0 does that: QEMU syncs while
	 * the guest runs only when what is left falls below limit times
	 * bandwidth, so it never does, and it stops the guest once its first
	 * pass is sent.  The downtime is then what the guest dirtied during
	 * that pass.  Without it such guests crash after some migrations
	 * (docs/vm.md has the figures).
	 */
	if ((m->ms_unsafe = tcg_sync_unsafe(m->ms_src, err)) < 0)
		return err_prefix(err, "migration source");
	eff = *m->ms_p;
	if (m->ms_unsafe)
		eff.downtime_limit_ms = 0;
	m->ms_r->single_pass = m->ms_unsafe;
	if (set_events_cap(m->ms_src, err) < 0 ||
	    set_params(m->ms_src, &eff, 1, err) < 0)
		return err_prefix(err, "migration source");
	return 0;
}

/* First pass over RAM done: the source's taps down, a pause for frames
 * on the way, the source stopped.  0 or -1 + err (recovered). */
static int
src_quiesce(struct mig_src *m, char *err)
{
	if (m->ms_h.mh_links(m->ms_h.mh_links_arg, 0, err) < 0) {
		m->ms_down = 1;		/* some may be down */
		src_recover(m);
		return err_prefix(err, "migration to %s", m->ms_uri);
	}
	m->ms_down = 1;
	clock_sleep_ns((uint64_t)m->ms_p->quiesce_ms * NS_PER_MS);
	if (qmp_execute(m->ms_src, "stop", NULL, NULL, CMD_TIMEOUT_MS,
	    err) < 0) {
		src_recover(m);
		return err_prefix(err, "migration to %s", m->ms_uri);
	}
	return 0;
}

/* One look at the migration: 0 completed, -1 failed (err, recovered),
 * 1 still going. */
static int
src_poll(struct mig_src *m, uint64_t deadline, char *err)
{
	struct migrate_result *r = m->ms_r;
	const char *s;

	if (query(m->ms_src, r, err) < 0) {
		src_recover(m);
		return err_prefix(err, "migration to %s", m->ms_uri);
	}
	r->single_pass = m->ms_unsafe;
	s = r->status;
	/*
	 * A QEMU that itself came in by migration reports that incoming
	 * migration ("completed", no figures) until its outgoing one has a
	 * state: only trust an end state after seeing this migration run,
	 * or when it carries its figures.
	 */
	if (strcmp(s, "setup") == 0 || strcmp(s, "active") == 0 ||
	    strcmp(s, "device") == 0 || strcmp(s, "pre-switchover") == 0 ||
	    r->total_time_ms > 0)
		m->ms_seen = 1;
	/*
	 * QEMU sets "completed" a moment before it computes the total time
	 * and downtime: a query in between sees zeros.  Ask again (briefly)
	 * until the figures are there.
	 */
	if (m->ms_seen && strcmp(s, "completed") == 0) {
		if (r->total_time_ms > 0 || ++m->ms_settle > 50)
			return 0;
		clock_sleep_ns(20 * NS_PER_MS);
		return 1;
	}
	if ((m->ms_seen || r->error[0]) && (strcmp(s, "failed") == 0 ||
	    strcmp(s, "cancelled") == 0)) {
		src_recover(m);
		return err_set(err, "migration to %s %s: %s%s", m->ms_uri, s,
		    r->error[0] ? r->error : "no reason given", m->ms_note);
	}
	if (m->ms_h.mh_progress != NULL)
		m->ms_h.mh_progress(m->ms_h.mh_progress_arg, r);
	if (m->ms_h.mh_links != NULL && !m->ms_down && m->ms_was_running &&
	    strcmp(s, "active") == 0 && r->dirty_sync_count >= 2)
		return src_quiesce(m, err) < 0 ? -1 : 1;
	if (clock_mono_ns() >= deadline) {
		src_recover(m);
		snprintf(r->status, sizeof(r->status), "cancelled");
		return err_set(err, "migration to %s did not complete within "
		    "%ld ms: cancelled%s", m->ms_uri, m->ms_p->timeout_ms,
		    m->ms_note);
	}
	clock_sleep_ns((uint64_t)(m->ms_p->poll_ms > 0 ? m->ms_p->poll_ms :
	    50) * NS_PER_MS);
	return 1;
}

int
migrate_run(struct qmp *src, const struct migrate_params *p,
    const char *uri, const struct migrate_hooks *h,
    struct migrate_result *r, char *err)
{
	struct mig_src m;
	uint64_t deadline;
	cJSON *a;
	int rc;

	memset(&m, 0, sizeof(m));
	m.ms_src = src;
	m.ms_p = p;
	m.ms_uri = uri;
	if (h != NULL)
		m.ms_h = *h;
	m.ms_r = r;
	memset(r, 0, sizeof(*r));
	snprintf(r->status, sizeof(r->status), "none");
	if (src_prepare(&m, err) < 0)
		return -1;
	a = cJSON_CreateObject();
	if (a == NULL)
		return err_set(err, "out of memory");
	cJSON_AddStringToObject(a, "uri", uri);
	if (qmp_execute(src, "migrate", a, NULL, CMD_TIMEOUT_MS, err) < 0) {
		src_recover(&m);
		return err_prefix(err, "migration to %s", uri);
	}
	deadline = clock_mono_ns() + (uint64_t)p->timeout_ms * NS_PER_MS;
	while ((rc = src_poll(&m, deadline, err)) == 1)
		;
	return rc;
}

/*
 * Wait for QEMU's MIGRATION/RESUME events (beyond the nmig and nres
 * already queued) rather than polling: the target's main loop loads the
 * last pages and the device state at the switchover, and every QMP
 * command sent then competes with it.  Returns after an event, 500 ms or
 * the deadline: 0, or -1 + err.
 */
static int
target_event_wait(struct qmp *tgt, uint64_t deadline, int nmig, int nres,
    char *err)
{
	uint64_t now;
	long wait_ms;
	int rc;

	for (;;) {
		now = clock_mono_ns();
		if (now >= deadline)
			return 0;
		wait_ms = (long)((deadline - now) / NS_PER_MS);
		if (wait_ms > 500)
			wait_ms = 500;
		/* Events stay queued for the caller. */
		rc = qmp_event_poll(tgt, wait_ms, err);
		if (rc < 0)
			return -1;
		if (rc == 0 || qmp_event_queued(tgt, "MIGRATION") > nmig ||
		    qmp_event_queued(tgt, "RESUME") > nres)
			return 0;
	}
}

int
migrate_target_wait(struct qmp *tgt, const struct migrate_params *p,
    long timeout_ms, char *err)
{
	struct migrate_result r;
	char st[32];
	uint64_t deadline, start;
	int nmig, nres;

	nmig = qmp_event_queued(tgt, "MIGRATION");
	nres = qmp_event_queued(tgt, "RESUME");
	start = clock_mono_ns() + (uint64_t)p->start_ms * NS_PER_MS;
	deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	for (;;) {
		if (query(tgt, &r, err) < 0)
			return err_prefix(err, "migration target");
		if ((strcmp(r.status, "none") == 0 || strcmp(r.status,
		    "setup") == 0) && clock_mono_ns() >= start)
			return err_set(err, "the incoming stream did not begin "
			    "within %ld ms (no TLS peer QEMU accepts)",
			    p->start_ms);
		if (strcmp(r.status, "failed") == 0 ||
		    strcmp(r.status, "cancelled") == 0)
			return err_set(err, "incoming migration %s: %s",
			    r.status, r.error[0] ? r.error : "no reason given");
		if (strcmp(r.status, "completed") == 0) {
			if (run_state(tgt, st, sizeof(st), err) < 0)
				return err_prefix(err, "migration target");
			if (strcmp(st, "running") == 0 || strcmp(st,
			    "paused") == 0 || strcmp(st, "prelaunch") == 0)
				return 0;
		}
		if (clock_mono_ns() >= deadline)
			return err_set(err, "incoming migration not done within "
			    "%ld ms (state %s)", timeout_ms, r.status);
		if (target_event_wait(tgt, deadline, nmig, nres, err) < 0)
			return err_prefix(err, "migration target");
		nmig = qmp_event_queued(tgt, "MIGRATION");
		nres = qmp_event_queued(tgt, "RESUME");
	}
}

int
migrate_target_run(struct qmp *tgt, const struct migrate_params *p,
    migrate_running_fn fn, void *arg, char *err)
{
	char st[32];
	cJSON *a;

	if (run_state(tgt, st, sizeof(st), err) < 0)
		return err_prefix(err, "migration target");
	if (strcmp(st, "running") != 0 && qmp_execute(tgt, "cont", NULL, NULL,
	    CMD_TIMEOUT_MS, err) < 0)
		return err_prefix(err, "migration target");
	if (fn != NULL && fn(arg, err) < 0)
		return err_prefix(err, "migration target");
	if (!p->announce_after && fn == NULL)
		return 0;
	a = cJSON_CreateObject();
	if (a == NULL)
		return err_set(err, "out of memory");
	cJSON_AddNumberToObject(a, "initial", p->announce_initial_ms >= 0 ?
	    (double)p->announce_initial_ms : 50);
	cJSON_AddNumberToObject(a, "max", p->announce_max_ms >= 0 ?
	    (double)p->announce_max_ms : 550);
	cJSON_AddNumberToObject(a, "rounds", p->announce_rounds >= 0 ?
	    (double)p->announce_rounds : 5);
	cJSON_AddNumberToObject(a, "step", p->announce_step_ms >= 0 ?
	    (double)p->announce_step_ms : 100);
	if (qmp_execute(tgt, "announce-self", a, NULL, CMD_TIMEOUT_MS,
	    err) < 0)
		return err_prefix(err, "migration target");
	return 0;
}

int
migrate_target_wait_fn(struct qmp *tgt, const struct migrate_params *p,
    long timeout_ms, migrate_running_fn fn, void *arg, char *err)
{
	if (migrate_target_wait(tgt, p, timeout_ms, err) < 0)
		return -1;
	return migrate_target_run(tgt, p, fn, arg, err);
}
