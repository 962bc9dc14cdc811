/*
 * agent.c - hvlab guest agent: a line protocol on TCP port 7777.
 *
 * Runs inside every lab guest.  The same static binary is the initramfs
 * /init: run as PID 1 it first brings the guest up (guest_init.c) and forks
 * itself as the agent once eth0 is configured.  The agent prints the
 * guest's one ready line on the console ("HVLAB-GUEST READY name=NAME
 * ip=ADDR boot_ms=N") once it listens, then serves any number of
 * concurrent connections, one thread each.  Requests and replies are single '\n'-terminated lines:
 *
 *   echo TEXT            -> TEXT
 *   status               -> one-line JSON (name, ip, uptime, boot, disk,
 *                           journal state)
 *   ping SEQ             -> pong SEQ
 *   journal start [DEV [INTERVAL_MS]]
 *                        -> ok next=N, then "ack SEQ" after each durable
 *                           record write, until the connection closes or a
 *                           "journal stop" arrives
 *   journal stop         -> ok last=N (from any connection)
 *   journal read [DEV]   -> one-line JSON summary of the records on DEV
 *   burn SECONDS [PERCENT]
 *                        -> ok, and one CPU spins for SECONDS (PERCENT of
 *                           each 100 ms, default 100: burn.h)
 *   memtest start PAGES [INTERVAL_MS] | memtest status | memtest stop
 *                        -> "ok pages=P sweeps=N errors=E [first=...]": a
 *                           thread rewrites PAGES pages every INTERVAL_MS,
 *                           each time checking what it wrote before (lost
 *                           guest memory writes, e.g. across a migration)
 *   arp ADDR [TIMEOUT_MS] -> "yes MAC RTT_US" when ADDR answers an ARP
 *                           request on eth0 (a neighbour on the guest's
 *                           layer-2 segment, whatever its subnet), else
 *                           "no"
 *   file write PATH BYTES [SEED] | file sum PATH
 *                        -> "ok bytes=N sha256=HEX": a pattern file
 *                           written durably, or any file read back
 *                           (datafile.h; the disk guest's /data)
 *
 * The full contract is in docs/guest.md; the record format in journal.h.
 * The binary is linked statically and must not use NSS (no getaddrinfo,
 * getpwnam...): the initramfs has no libc and no /etc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"
#include "datafile.h"
#include "guest_init.h"
#include "journal.h"

#define AGENT_PORT	7777
#define AGENT_LINE_MAX	4096
#define AGENT_NAME_MAX	64
#define AGENT_DEV_MAX	128
#define AGENT_INTERVAL_DEFAULT 10
#define MEMTEST_PAGES_MAX 16384		/* 64 MiB */
#define MEMTEST_PAGE	4096
#define MEMTEST_WORDS	(MEMTEST_PAGE / sizeof(uint64_t))
#define AGENT_ARP_TIMEOUT_DEFAULT 1000
#define AGENT_ARP_TIMEOUT_MAX 10000

/* Shared state; every field under ag.lock. */
static struct {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	char		name[AGENT_NAME_MAX];
	char		ip[AGENT_NAME_MAX];
	char		disk[AGENT_DEV_MAX];	/* hvlab.disk=, "" = default */
	char		data[AGENT_DEV_MAX];	/* hvlab.data=: on the boot disk */
	long long	boot_ms;
	int		in_guest;	/* started by guest_init (PID 1) */
	int		j_running;
	int		j_stop;
	uint64_t	j_last;
	char		j_dev[AGENT_DEV_MAX];
} ag = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

struct conn {
	int	c_fd;
	size_t	c_len;		/* bytes buffered in c_buf */
	int	c_discard;	/* dropping an over-long line up to its '\n' */
	char	c_buf[AGENT_LINE_MAX];
	char	c_line[AGENT_LINE_MAX];
};

enum { LINE_OK, LINE_TIMEOUT, LINE_EOF };

static long long
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send all of buf; returns 0 or -1 (peer gone). */
static int
conn_send(struct conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->c_fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
conn_reply(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
conn_reply(struct conn *c, const char *fmt, ...)
{
	char buf[AGENT_LINE_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	return conn_send(c, buf, (size_t)n);
}

/*
 * Take one complete line out of the buffer into c_line (without "\r\n").
 * Returns 1 when a line was taken.  An over-long line is dropped and
 * answered with an error.
 */
static int
conn_take_line(struct conn *c)
{
	char *nl = memchr(c->c_buf, '\n', c->c_len);
	size_t n;

	if (nl == NULL) {
		if (c->c_len == sizeof(c->c_buf)) {
			if (!c->c_discard)
				conn_reply(c, "error line too long (max %d)",
				    AGENT_LINE_MAX - 1);
			c->c_discard = 1;
			c->c_len = 0;
		}
		return 0;
	}
	n = (size_t)(nl - c->c_buf);
	if (c->c_discard) {
		c->c_discard = 0;
		memmove(c->c_buf, nl + 1, c->c_len - n - 1);
		c->c_len -= n + 1;
		return conn_take_line(c);
	}
	memcpy(c->c_line, c->c_buf, n);
	if (n > 0 && c->c_line[n - 1] == '\r')
		n--;
	c->c_line[n] = '\0';
	memmove(c->c_buf, nl + 1, c->c_len - (size_t)(nl - c->c_buf) - 1);
	c->c_len -= (size_t)(nl - c->c_buf) + 1;
	return 1;
}

/* Wait up to timeout_ms (-1 = forever) for a line.  LINE_OK, LINE_TIMEOUT
 * or LINE_EOF (peer closed or error). */
static int
conn_get_line(struct conn *c, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? 0 :
	    clock_ms(CLOCK_MONOTONIC) + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = c->c_fd, .events = POLLIN };
		int wait = -1, r;
		ssize_t n;

		if (conn_take_line(c))
			return LINE_OK;
		if (timeout_ms >= 0) {
			long long left = deadline - clock_ms(CLOCK_MONOTONIC);
			if (left <= 0)
				return LINE_TIMEOUT;
			wait = (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return LINE_EOF;
		if (r == 0)
			return LINE_TIMEOUT;
		n = read(c->c_fd, c->c_buf + c->c_len,
		    sizeof(c->c_buf) - c->c_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return LINE_EOF;
		c->c_len += (size_t)n;
	}
}

/* Copy s into out as a JSON string (with quotes). */
static void
json_str(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3)
		return;
	out[o++] = '"';
	for (; *s && o + 8 < len; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* In the guest, wait until PID 1 has loaded the disk drivers and mounted
 * the data filesystem (it does so while we start). */
static void
agent_wait_boot(void)
{
	struct stat st;
	int in_guest;

	pthread_mutex_lock(&ag.lock);
	in_guest = ag.in_guest;
	pthread_mutex_unlock(&ag.lock);
	for (int i = 0; in_guest && i < 1000; i++) {
		if (stat(GUEST_MODULES_DONE, &st) == 0)
			break;
		usleep(10 * 1000);
	}
}

/* dev is the disk that holds partition part ("/dev/vda", "/dev/vda2"). */
static int
disk_holds(const char *dev, const char *part)
{
	size_t n = strlen(dev);

	if (strncmp(part, dev, n) != 0 || part[n] == '\0')
		return 0;
	return strspn(part + n, "0123456789") == strlen(part + n);
}

/* The journal device: DEV when given, else hvlab.disk=, else the first
 * virtio data disk (/dev/vdb, or /dev/vda when it is the only one), never
 * the disk the guest booted from (it holds hvlab.data=).  Returns 0 or -1
 * when there is none. */
static int
agent_pick_disk(const char *dev, char *out, size_t len)
{
	static const char *const cand[] = { "/dev/vdb", "/dev/vda" };
	char data[AGENT_DEV_MAX];
	struct stat st;

	if (dev && *dev) {
		snprintf(out, len, "%s", dev);
		return 0;
	}
	pthread_mutex_lock(&ag.lock);
	snprintf(out, len, "%s", ag.disk);
	snprintf(data, sizeof(data), "%s", ag.data);
	pthread_mutex_unlock(&ag.lock);
	agent_wait_boot();
	if (*out)
		return 0;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		if (stat(cand[i], &st) == 0 && !disk_holds(cand[i], data)) {
			snprintf(out, len, "%s", cand[i]);
			return 0;
		}
	}
	return -1;
}

/* MemTotal from /proc/meminfo in KiB: what the guest's kernel got. */
static long long
mem_total_kib(void)
{
	char line[128];
	long long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* GUEST_DATA_DIR is a mount point of its own: the disk guest's data
 * filesystem is there. */
static int
data_mounted(void)
{
	struct stat root, data;

	return stat("/", &root) == 0 && stat(GUEST_DATA_DIR, &data) == 0 &&
	    root.st_dev != data.st_dev;
}

static int
cmd_status(struct conn *c)
{
	char name[AGENT_NAME_MAX * 6 + 3], ip[AGENT_NAME_MAX * 6 + 3];
	char disk[AGENT_DEV_MAX], jdisk[AGENT_DEV_MAX * 6 + 3];
	long long boot_ms;
	uint64_t last;
	int running, data;

	if (agent_pick_disk(NULL, disk, sizeof(disk)) == 0)
		json_str(jdisk, sizeof(jdisk), disk);
	else
		snprintf(jdisk, sizeof(jdisk), "null");
	data = data_mounted();	/* after the wait in agent_pick_disk */
	pthread_mutex_lock(&ag.lock);
	json_str(name, sizeof(name), ag.name);
	json_str(ip, sizeof(ip), ag.ip);
	boot_ms = ag.boot_ms;
	running = ag.j_running;
	last = ag.j_last;
	pthread_mutex_unlock(&ag.lock);
	return conn_reply(c, "{\"name\":%s,\"ip\":%s,\"uptime_ms\":%lld,"
	    "\"boot_ms\":%lld,\"disk\":%s,\"data\":%s,\"cpus\":%ld,"
	    "\"mem_total_kib\":%lld,"
	    "\"journal\":{\"running\":%s,\"last\":%llu}}",
	    name, ip, clock_ms(CLOCK_BOOTTIME), boot_ms, jdisk,
	    data ? "\"" GUEST_DATA_DIR "\"" : "null",
	    sysconf(_SC_NPROCESSORS_ONLN), mem_total_kib(),
	    running ? "true" : "false", (unsigned long long)last);
}

static void *
burn_main(void *arg)
{
	struct burn *b = arg;

	burn_spin(b);
	free(b);
	return NULL;
}

static int
cmd_burn(struct conn *c, const char *secs, const char *pct,
    const char *extra)
{
	struct burn *b = malloc(sizeof(*b));
	char err[128];
	pthread_t t;

	if (b == NULL)
		return conn_reply(c, "error burn: out of memory");
	if (extra != NULL) {
		free(b);
		return conn_reply(c, "error usage: burn SECONDS [PERCENT]");
	}
	if (burn_parse(secs, pct, b, err, sizeof(err)) == -1) {
		free(b);
		return conn_reply(c, "error %s", err);
	}
	if (pthread_create(&t, NULL, burn_main, b) != 0) {
		free(b);
		return conn_reply(c, "error burn: cannot start thread");
	}
	pthread_detach(t);
	return conn_reply(c, "ok");
}

/*
 * memtest: one thread, PAGES pages.  Each sweep reads every page's first
 * two words, which must hold what the sweep before wrote (generation
 * g - 1 and the page's index), and writes g and the index.  A write
 * that got lost (a live migration that did not carry the page's last
 * version) shows as an older generation at the next sweep.
 */
static struct {
	pthread_mutex_t mu;
	pthread_t thread;
	int running;
	volatile int stop;
	uint64_t *base;
	long pages, interval_ms;
	unsigned long long sweeps, errors;
	long first_page;
	unsigned long long first_got, first_want;
} mt = { .mu = PTHREAD_MUTEX_INITIALIZER, .first_page = -1 };

static void *
memtest_main(void *arg)
{
	struct timespec ts;
	unsigned long long g;
	long i;

	ts.tv_sec = mt.interval_ms / 1000;
	ts.tv_nsec = (mt.interval_ms % 1000) * 1000000L;
	for (g = 1; !mt.stop; g++) {
		for (i = 0; i < mt.pages; i++) {
			volatile uint64_t *p = mt.base + i * MEMTEST_WORDS;
			uint64_t got = p[0];

			if (got != g - 1 || p[1] != (uint64_t)i) {
				if (__atomic_add_fetch(&mt.errors, 1,
				    __ATOMIC_RELAXED) == 1) {
					mt.first_page = i;
					mt.first_got = got;
					mt.first_want = g - 1;
				}
			}
			p[0] = g;
			p[1] = (uint64_t)i;
		}
		__atomic_store_n(&mt.sweeps, g, __ATOMIC_RELAXED);
		if (mt.interval_ms > 0)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

static int
memtest_reply(struct conn *c)
{
	char first[96] = "";

	if (mt.first_page >= 0)
		snprintf(first, sizeof(first), " first=%ld:%llu:%llu",
		    mt.first_page, mt.first_got, mt.first_want);
	return conn_reply(c, "ok pages=%ld sweeps=%llu errors=%llu%s",
	    mt.pages, __atomic_load_n(&mt.sweeps, __ATOMIC_RELAXED),
	    __atomic_load_n(&mt.errors, __ATOMIC_RELAXED), first);
}

static int
cmd_memtest(struct conn *c, const char *op, const char *a_pages,
    const char *a_ms)
{
	char *end;
	long pages, ms = 10;
	int rc;

	pthread_mutex_lock(&mt.mu);
	if (op && strcmp(op, "status") == 0 && a_pages == NULL) {
		rc = memtest_reply(c);
	} else if (op && strcmp(op, "stop") == 0 && a_pages == NULL) {
		if (mt.running) {
			mt.stop = 1;
			pthread_join(mt.thread, NULL);
			munmap(mt.base, (size_t)mt.pages * MEMTEST_PAGE);
			mt.running = 0;
		}
		rc = memtest_reply(c);
	} else if (op && strcmp(op, "start") == 0 && a_pages != NULL) {
		errno = 0;
		pages = strtol(a_pages, &end, 10);
		if (*end != '\0' || errno != 0 || pages < 1 ||
		    pages > MEMTEST_PAGES_MAX) {
			rc = conn_reply(c, "error memtest: PAGES must be "
			    "1..%d", MEMTEST_PAGES_MAX);
			goto out;
		}
		if (a_ms != NULL) {
			ms = strtol(a_ms, &end, 10);
			if (*end != '\0' || errno != 0 || ms < 0 ||
			    ms > 60000) {
				rc = conn_reply(c, "error memtest: INTERVAL_MS "
				    "must be 0..60000");
				goto out;
			}
		}
		if (mt.running) {
			rc = conn_reply(c, "error memtest: already running");
			goto out;
		}
		mt.base = mmap(NULL, (size_t)pages * MEMTEST_PAGE,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_POPULATE, -1, 0);
		if (mt.base == MAP_FAILED) {
			rc = conn_reply(c, "error memtest: %s",
			    strerror(errno));
			goto out;
		}
		for (long i = 0; i < pages; i++) {	/* sweep 0's values */
			mt.base[i * MEMTEST_WORDS] = 0;
			mt.base[i * MEMTEST_WORDS + 1] = (uint64_t)i;
		}
		mt.pages = pages;
		mt.interval_ms = ms;
		mt.stop = 0;
		mt.sweeps = mt.errors = 0;
		mt.first_page = -1;
		if (pthread_create(&mt.thread, NULL, memtest_main, NULL) !=
		    0) {
			munmap(mt.base, (size_t)pages * MEMTEST_PAGE);
			rc = conn_reply(c, "error memtest: cannot start "
			    "thread");
			goto out;
		}
		mt.running = 1;
		rc = memtest_reply(c);
	} else
		rc = conn_reply(c, "error usage: memtest start PAGES "
		    "[INTERVAL_MS] | memtest status | memtest stop");
out:
	pthread_mutex_unlock(&mt.mu);
	return rc;
}

static int
cmd_journal_read(struct conn *c, const char *dev_arg)
{
	struct journal_summary s;
	char dev[AGENT_DEV_MAX], err[256], json[2048];
	int fd = -1, rc;

	if (agent_pick_disk(dev_arg, dev, sizeof(dev)) < 0)
		return conn_reply(c, "error journal: no data disk");
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		fd = open(dev, O_RDONLY);
	if (fd < 0)
		return conn_reply(c, "error journal read %s: %s", dev,
		    strerror(errno));
	if (journal_scan(fd, &s, err, sizeof(err)) < 0) {
		rc = conn_reply(c, "error %s: %s", dev, err);
		goto out;
	}
	if (journal_summary_json(&s, json, sizeof(json)) < 0) {
		rc = conn_reply(c, "error journal read: summary too long");
		goto out;
	}
	rc = conn_reply(c, "%s", json);
out:
	close(fd);
	return rc;
}

/* Ask the running journal (any connection) to stop, wait until it has. */
static int
cmd_journal_stop(struct conn *c)
{
	uint64_t last;

	pthread_mutex_lock(&ag.lock);
	if (ag.j_running) {
		ag.j_stop = 1;
		while (ag.j_running)
			pthread_cond_wait(&ag.cond, &ag.lock);
	}
	last = ag.j_last;
	pthread_mutex_unlock(&ag.lock);
	return conn_reply(c, "ok last=%llu", (unsigned long long)last);
}

static int handle_line(struct conn *c, char *line, int in_journal);

/* Write one record durably; reopens without O_DIRECT when the device
 * refuses 512-byte direct I/O.  Returns 0 or -1 with errno set. */
static int
journal_write(int *fd, const char *dev, unsigned char *rec, uint64_t seq)
{
	struct timespec ts;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	journal_rec_encode(rec, seq,
	    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	for (int tries = 0; tries < 2; tries++) {
		n = pwrite(*fd, rec, JOURNAL_REC_SIZE,
		    (off_t)((seq - 1) * JOURNAL_REC_SIZE));
		if (n == JOURNAL_REC_SIZE)
			return 0;
		if (n >= 0) {
			errno = EIO;
			return -1;
		}
		if (errno != EINVAL || tries > 0)
			return -1;
		/* O_DIRECT refused (e.g. 4K logical blocks): O_DSYNC only. */
		int nfd = open(dev, O_RDWR | O_DSYNC);
		if (nfd < 0)
			return -1;
		close(*fd);
		*fd = nfd;
	}
	return -1;
}

/* A journal run on one connection. */
struct journal_run {
	struct conn *jr_conn;
	char jr_dev[AGENT_DEV_MAX];
	long jr_interval;		/* ms between writes */
	unsigned char *jr_rec;		/* aligned for O_DIRECT */
	int jr_fd;
	uint64_t jr_seq;		/* next to write */
	int jr_rc;			/* of the error reply */
	int jr_stop_here;		/* "journal stop" came on this conn */
	int jr_gone;			/* the connection is gone */
};

/* A "journal stop" arrived on any connection. */
static int
journal_stopped(void)
{
	int stop;

	pthread_mutex_lock(&ag.lock);
	stop = ag.j_stop;
	pthread_mutex_unlock(&ag.lock);
	return stop;
}

/* Parse the interval, pick the disk and mark the journal running.  0, or
 * -1 when an error reply went out (its result in jr_rc). */
static int
journal_claim(struct journal_run *j, const char *dev_arg,
    const char *ival_arg)
{
	struct conn *c = j->jr_conn;
	char busy[AGENT_DEV_MAX], *end;

	if (ival_arg) {
		errno = 0;
		j->jr_interval = strtol(ival_arg, &end, 10);
		if (*ival_arg == '\0' || *end != '\0' || errno != 0 ||
		    j->jr_interval < 0 || j->jr_interval > 3600000)
			goto interval;
	}
	if (agent_pick_disk(dev_arg, j->jr_dev, sizeof(j->jr_dev)) < 0) {
		j->jr_rc = conn_reply(c, "error journal: no data disk");
		return -1;
	}
	pthread_mutex_lock(&ag.lock);
	if (ag.j_running) {
		snprintf(busy, sizeof(busy), "%s", ag.j_dev);
		pthread_mutex_unlock(&ag.lock);
		j->jr_rc = conn_reply(c, "error journal already running on %s",
		    busy);
		return -1;
	}
	ag.j_running = 1;
	ag.j_stop = 0;
	snprintf(ag.j_dev, sizeof(ag.j_dev), "%s", j->jr_dev);
	pthread_mutex_unlock(&ag.lock);
	return 0;
interval:
	j->jr_rc = conn_reply(c, "error journal: INTERVAL_MS must be "
	    "0..3600000");
	return -1;
}

/* Open the device, find where the journal on it ends and say where it
 * goes on: "ok next=N".  0, or -1 (an error reply, or the peer gone). */
static int
journal_open(struct journal_run *j)
{
	struct conn *c = j->jr_conn;
	struct journal_summary s;
	char err[256];

	if (posix_memalign((void **)&j->jr_rec, 4096, 4096) != 0) {
		j->jr_rec = NULL;
		j->jr_rc = conn_reply(c, "error journal: out of memory");
		return -1;
	}
	j->jr_fd = open(j->jr_dev, O_RDWR | O_DIRECT | O_DSYNC);
	if (j->jr_fd < 0 && errno == EINVAL)
		j->jr_fd = open(j->jr_dev, O_RDWR | O_DSYNC);
	if (j->jr_fd < 0) {
		j->jr_rc = conn_reply(c, "error journal start %s: %s",
		    j->jr_dev, strerror(errno));
		return -1;
	}
	if (journal_scan(j->jr_fd, &s, err, sizeof(err)) < 0) {
		j->jr_rc = conn_reply(c, "error %s: %s", j->jr_dev, err);
		return -1;
	}
	j->jr_seq = s.js_last + 1;
	pthread_mutex_lock(&ag.lock);
	ag.j_last = s.js_last;
	pthread_mutex_unlock(&ag.lock);
	if (conn_reply(c, "ok next=%llu", (unsigned long long)j->jr_seq) < 0) {
		j->jr_gone = 1;
		return -1;
	}
	return 0;
}

/* Serve requests and notice a close until the next write at next_at.
 * 0 to write on, -1 when the run ends. */
static int
journal_serve(struct journal_run *j, long long next_at)
{
	struct conn *c = j->jr_conn;
	long long left;
	int r;

	for (;;) {
		left = next_at - clock_ms(CLOCK_MONOTONIC);
		r = conn_get_line(c, left > 0 ? (left > 50 ? 50 : (int)left) :
		    0);
		if (r == LINE_EOF) {
			j->jr_gone = 1;
			return -1;
		}
		if (r == LINE_OK) {
			if (strcmp(c->c_line, "journal stop") == 0) {
				j->jr_stop_here = 1;
				return -1;
			}
			if (handle_line(c, c->c_line, 1) < 0) {
				j->jr_gone = 1;
				return -1;
			}
			continue;
		}
		if (journal_stopped() || left <= 0)
			return 0;
	}
}

/* Write, ack and serve every interval until the run ends. */
static void
journal_loop(struct journal_run *j)
{
	struct conn *c = j->jr_conn;
	long long next_at;

	for (;;) {
		next_at = clock_ms(CLOCK_MONOTONIC) + j->jr_interval;
		if (journal_stopped())
			return;
		if (journal_write(&j->jr_fd, j->jr_dev, j->jr_rec,
		    j->jr_seq) < 0) {
			j->jr_rc = conn_reply(c, "error write %s seq %llu: %s",
			    j->jr_dev, (unsigned long long)j->jr_seq,
			    strerror(errno));
			return;
		}
		pthread_mutex_lock(&ag.lock);
		ag.j_last = j->jr_seq;
		pthread_mutex_unlock(&ag.lock);
		if (conn_reply(c, "ack %llu",
		    (unsigned long long)j->jr_seq) < 0) {
			j->jr_gone = 1;
			return;
		}
		j->jr_seq++;
		if (journal_serve(j, next_at) < 0)
			return;
	}
}

/* Close the device, mark the journal stopped and answer a "journal stop"
 * from this connection.  -1 when the connection is gone, else 0. */
static int
journal_release(struct journal_run *j)
{
	uint64_t last;

	if (j->jr_fd >= 0)
		close(j->jr_fd);
	free(j->jr_rec);
	pthread_mutex_lock(&ag.lock);
	ag.j_running = 0;
	ag.j_stop = 0;
	last = ag.j_last;
	pthread_cond_broadcast(&ag.cond);
	pthread_mutex_unlock(&ag.lock);
	if (j->jr_stop_here && conn_reply(j->jr_conn, "ok last=%llu",
	    (unsigned long long)last) < 0)
		j->jr_gone = 1;
	return j->jr_gone ? -1 : (j->jr_rc < 0 ? -1 : 0);
}

/*
 * journal start [DEV [INTERVAL_MS]] on connection c.  Runs until the peer
 * closes, a "journal stop" arrives (here or on another connection) or a
 * write fails.  Other requests arriving on c meanwhile are served between
 * writes.  Returns -1 when the connection is gone, else 0.
 */
static int
cmd_journal_start(struct conn *c, const char *dev_arg, const char *ival_arg)
{
	struct journal_run j;

	memset(&j, 0, sizeof(j));
	j.jr_conn = c;
	j.jr_fd = -1;
	j.jr_interval = AGENT_INTERVAL_DEFAULT;
	if (journal_claim(&j, dev_arg, ival_arg) < 0)
		return j.jr_rc;
	if (journal_open(&j) == 0)
		journal_loop(&j);
	return journal_release(&j);
}

struct arp_pkt {
	struct arphdr	h;
	unsigned char	sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
} __attribute__((packed));

/* An ARP question on eth0: the socket, where requests go, what they ask
 * and the answer. */
struct arp_probe {
	int ap_sock;
	struct sockaddr_ll ap_sll;	/* broadcast on eth0 */
	struct in_addr ap_tgt;
	struct arp_pkt ap_req;
	struct arp_pkt ap_rep;
};

/* Bind a packet socket to eth0 and build the request for ap_tgt from
 * eth0's addresses.  0, or -1 with errno (ap_sock may be open). */
static int
arp_open(struct arp_probe *a)
{
	struct ifreq ifr;
	struct in_addr me;

	a->ap_sock = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC,
	    htons(ETH_P_ARP));
	if (a->ap_sock < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	if (ioctl(a->ap_sock, SIOCGIFINDEX, &ifr) < 0)
		return -1;
	memset(&a->ap_sll, 0, sizeof(a->ap_sll));
	a->ap_sll.sll_family = AF_PACKET;
	a->ap_sll.sll_protocol = htons(ETH_P_ARP);
	a->ap_sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(a->ap_sock, (struct sockaddr *)&a->ap_sll,
	    sizeof(a->ap_sll)) < 0)
		return -1;
	a->ap_sll.sll_halen = ETH_ALEN;
	memset(a->ap_sll.sll_addr, 0xFF, ETH_ALEN);
	memset(&a->ap_req, 0, sizeof(a->ap_req));
	if (ioctl(a->ap_sock, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(a->ap_req.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(a->ap_sock, SIOCGIFADDR, &ifr) < 0)
		return -1;
	me = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	a->ap_req.h.ar_hrd = htons(ARPHRD_ETHER);
	a->ap_req.h.ar_pro = htons(ETH_P_IP);
	a->ap_req.h.ar_hln = ETH_ALEN;
	a->ap_req.h.ar_pln = 4;
	a->ap_req.h.ar_op = htons(ARPOP_REQUEST);
	memcpy(a->ap_req.spa, &me, 4);
	memcpy(a->ap_req.tpa, &a->ap_tgt, 4);
	return 0;
}

static long long
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Ask every 200 ms until a reply from ap_tgt (1, the round trip from the
 * first request in *us, the reply in ap_rep) or tmo ms (0).  -1 with
 * errno. */
static int
arp_ask(struct arp_probe *a, long tmo, long long *us)
{
	struct pollfd pfd = { .fd = a->ap_sock, .events = POLLIN };
	long long t0, now, next = 0, end;
	ssize_t n;
	int rc;

	t0 = clock_ms(CLOCK_MONOTONIC) * 1000;
	end = t0 + tmo * 1000LL;
	for (;;) {
		now = mono_us();
		if (now >= end)
			return 0;
		if (now >= next) {
			if (next == 0)
				t0 = now;
			if (sendto(a->ap_sock, &a->ap_req, sizeof(a->ap_req), 0,
			    (struct sockaddr *)&a->ap_sll,
			    sizeof(a->ap_sll)) < 0)
				return -1;
			next = now + 200000;
		}
		rc = poll(&pfd, 1, (int)(((next < end ? next : end) - now) /
		    1000) + 1);
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		n = recv(a->ap_sock, &a->ap_rep, sizeof(a->ap_rep), 0);
		if (n < (ssize_t)sizeof(a->ap_rep) || a->ap_rep.h.ar_op !=
		    htons(ARPOP_REPLY) || memcmp(a->ap_rep.spa, &a->ap_tgt,
		    4) != 0)
			continue;
		*us = mono_us() - t0;
		return 1;
	}
}

/*
 * arp ADDR [TIMEOUT_MS]: does ADDR answer an ARP request sent on eth0?
 * A layer-2 test (the one VLAN isolation is about): it needs no route and
 * no common subnet, and a Linux neighbour answers for its own address
 * whoever asks.  Requests go out every 200 ms until a reply from ADDR or
 * the timeout (default 1000 ms).
 */
static int
cmd_arp(struct conn *c, const char *addr, const char *tmo_arg)
{
	struct arp_probe a;
	const unsigned char *m;
	long tmo = AGENT_ARP_TIMEOUT_DEFAULT;
	long long us = 0;
	char *e;
	int rc;

	memset(&a, 0, sizeof(a));
	a.ap_sock = -1;
	if (addr == NULL || inet_pton(AF_INET, addr, &a.ap_tgt) != 1)
		return conn_reply(c, "error arp: usage: arp IPV4 [TIMEOUT_MS]");
	if (tmo_arg != NULL) {
		errno = 0;
		tmo = strtol(tmo_arg, &e, 10);
		if (*tmo_arg == '\0' || *e != '\0' || errno != 0 || tmo < 1 ||
		    tmo > AGENT_ARP_TIMEOUT_MAX)
			return conn_reply(c, "error arp: TIMEOUT_MS must be "
			    "1..%d", AGENT_ARP_TIMEOUT_MAX);
	}
	if (arp_open(&a) < 0 || (rc = arp_ask(&a, tmo, &us)) < 0)
		goto fail;
	close(a.ap_sock);
	if (rc == 0)
		return conn_reply(c, "no");
	m = a.ap_rep.sha;
	return conn_reply(c, "yes %02x:%02x:%02x:%02x:%02x:%02x %lld",
	    m[0], m[1], m[2], m[3], m[4], m[5], us);
fail:
	rc = errno;
	if (a.ap_sock >= 0)
		close(a.ap_sock);
	return conn_reply(c, "error arp: %s", strerror(rc));
}

/* Parse an unsigned decimal number no larger than max: 0 or -1. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * file write PATH BYTES [SEED] | file sum PATH: datafile.h.  Waits for the
 * data filesystem first, so a request right after boot finds it mounted.
 */
static int
cmd_file(struct conn *c, const char *op, const char *path, const char *a3,
    const char *a4)
{
	char hex[SHA256_HEX_LEN], err[DATAFILE_PATH_MAX + 64];
	uint64_t bytes = 0, seed = 1;

	agent_wait_boot();
	if (op && strcmp(op, "sum") == 0 && path && a3 == NULL) {
		if (datafile_sum(path, &bytes, hex, err, sizeof(err)) < 0)
			return conn_reply(c, "error file sum: %s", err);
	} else if (op && strcmp(op, "write") == 0 && path && a3) {
		if (parse_u64(a3, DATAFILE_MAX_BYTES, &bytes) < 0)
			return conn_reply(c, "error file write: BYTES must be "
			    "0..%llu", (unsigned long long)DATAFILE_MAX_BYTES);
		if (a4 && parse_u64(a4, UINT64_MAX, &seed) < 0)
			return conn_reply(c, "error file write: SEED must be "
			    "an unsigned number");
		if (datafile_write(path, bytes, seed, hex, err,
		    sizeof(err)) < 0)
			return conn_reply(c, "error file write: %s", err);
	} else
		return conn_reply(c, "error usage: file write PATH BYTES "
		    "[SEED] | file sum PATH");
	return conn_reply(c, "ok bytes=%llu sha256=%s",
	    (unsigned long long)bytes, hex);
}

/* Serve one request line.  Returns -1 when the connection is gone. */
static int
handle_line(struct conn *c, char *line, int in_journal)
{
	char *cmd, *a1, *a2, *a3, *save = NULL;

	if (strncmp(line, "echo", 4) == 0 && (line[4] == ' ' ||
	    line[4] == '\0'))
		return conn_reply(c, "%s", line[4] ? line + 5 : "");
	cmd = strtok_r(line, " \t", &save);
	if (cmd == NULL)
		return conn_reply(c, "error empty request");
	a1 = strtok_r(NULL, " \t", &save);
	a2 = strtok_r(NULL, " \t", &save);
	a3 = strtok_r(NULL, " \t", &save);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(c);
	if (strcmp(cmd, "ping") == 0)
		return conn_reply(c, "pong %s", a1 ? a1 : "");
	if (strcmp(cmd, "burn") == 0)
		return cmd_burn(c, a1, a2, a3);
	if (strcmp(cmd, "arp") == 0 && a3 == NULL)
		return cmd_arp(c, a1, a2);
	if (strcmp(cmd, "file") == 0) {
		char *a4 = strtok_r(NULL, " \t", &save);

		if (strtok_r(NULL, " \t", &save) != NULL)
			a1 = NULL;	/* too many words: usage */
		return cmd_file(c, a1, a2, a3, a4);
	}
	if (strcmp(cmd, "memtest") == 0 &&
	    (a3 == NULL || strtok_r(NULL, " \t", &save) == NULL))
		return cmd_memtest(c, a1, a2, a3);
	if (strcmp(cmd, "journal") == 0) {
		if (a1 && strcmp(a1, "start") == 0 && a3 == NULL) {
			if (in_journal)
				return conn_reply(c, "error journal already "
				    "running on this connection");
			return cmd_journal_start(c, a2, NULL);
		}
		if (a1 && strcmp(a1, "start") == 0 &&
		    strtok_r(NULL, " \t", &save) == NULL) {
			if (in_journal)
				return conn_reply(c, "error journal already "
				    "running on this connection");
			return cmd_journal_start(c, a2, a3);
		}
		if (a1 && strcmp(a1, "stop") == 0 && a2 == NULL)
			return cmd_journal_stop(c);
		if (a1 && strcmp(a1, "read") == 0 && a3 == NULL)
			return cmd_journal_read(c, a2);
		return conn_reply(c, "error usage: journal start [DEV "
		    "[INTERVAL_MS]] | journal stop | journal read [DEV]");
	}
	return conn_reply(c, "error unknown command '%s'", cmd);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;

	for (;;) {
		if (conn_get_line(c, -1) != LINE_OK)
			break;
		if (handle_line(c, c->c_line, 0) < 0)
			break;
	}
	close(c->c_fd);
	free(c);
	return NULL;
}

/* The agent's share of the boot parameters (params.h). */
static void
agent_params(const struct guest_params *p)
{
	snprintf(ag.name, sizeof(ag.name), "%s", p->gp_name);
	snprintf(ag.ip, sizeof(ag.ip), "%s", p->gp_ip);
	snprintf(ag.disk, sizeof(ag.disk), "%s", p->gp_disk);
	snprintf(ag.data, sizeof(ag.data), "%s", p->gp_data);
}

static void
usage(void)
{
	fprintf(stderr, "usage: agent [-p PORT] [-c CMDLINE_FILE]\n");
	exit(1);
}

/* Listen on TCP port; the socket, or -1 after saying why. */
static int
agent_listen(int port)
{
	struct sockaddr_in sin;
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("agent: socket");
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 64) < 0) {
		fprintf(stderr, "agent: port %d: %s\n", port, strerror(errno));
		close(lfd);
		return -1;
	}
	return lfd;
}

/* Serve each connection on a thread of its own; returns only when accept
 * fails for good. */
static void
agent_serve(int lfd)
{
	pthread_attr_t attr;
	pthread_t t;
	struct conn *c;
	int fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE ||
			    errno == ENOMEM)
				continue;
			perror("agent: accept");
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->c_fd = fd;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&t, &attr, conn_main, c) != 0) {
			close(fd);
			free(c);
		}
		pthread_attr_destroy(&attr);
	}
}

int
main(int argc, char **argv)
{
	const char *cmdline = GUEST_CMDLINE;
	struct guest_params p;
	char err[256];
	int port = AGENT_PORT, lfd, ch;

	/* As /init, argv holds whatever the kernel did not understand on
	 * its command line: never parse it (exiting would panic the guest). */
	while (getpid() != 1 && (ch = getopt(argc, argv, "p:c:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			if (port <= 0 || port > 65535)
				usage();
			break;
		case 'c':
			cmdline = optarg;
			break;
		default:
			usage();
		}
	}
	if (getpid() != 1 && optind != argc)
		usage();
	if (getpid() == 1) {
		/* We are the initramfs /init: bring the guest up first. */
		guest_init(&p);
		ag.in_guest = 1;
	} else {
		/* On a host: its firmware's OEM strings are not ours. */
		guest_params_read(&p, cmdline, NULL, err, sizeof(err));
	}
	agent_params(&p);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = agent_listen(port)) < 0)
		return 1;
	ag.boot_ms = clock_ms(CLOCK_BOOTTIME);
	printf("HVLAB-GUEST READY name=%s ip=%s boot_ms=%lld\n", ag.name,
	    ag.ip[0] ? ag.ip : "none", ag.boot_ms);
	fflush(stdout);
	agent_serve(lfd);
	return 1;
}
