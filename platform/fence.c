/*
 * fence.c - hvd-watchdog, the node's fencing process (docs/ha.md).
 *
 * hvd (platform/ha.c) starts it once per node, detached (setsid), so it
 * outlives a crashed or hung hvd.  hvd feeds it through a small text file
 * it replaces atomically after every successful renewal of the node's HA
 * lease:
 *
 *   hvd-watchdog-feed 1
 *   fed_mono_ns N          CLOCK_MONOTONIC when the renewal was sent
 *   deadline_mono_ns N     fed_mono_ns + fence delay
 *   hvd_pid N              the feeding hvd
 *   vm_dir PATH            hvd's VM run directories (PATH/NAME/qemu.pid)
 *   vm NAME                one line per HA resource of the cluster
 *
 * Ten times a second the watchdog reads the file; once CLOCK_MONOTONIC is
 * past the deadline (the lease was not renewed in time, or hvd stopped
 * feeding) it SIGKILLs the QEMU of every listed VM that runs here, found by
 * its pid file and checked against /proc/PID/cmdline (a qemu-system-*
 * with `-name guest=NAME`, exactly), and logs each kill
 * with its monotonic time.  It keeps doing so while the deadline stays in
 * the past, so a QEMU started afterwards by a hung hvd dies too.  Both
 * clocks are this host's CLOCK_MONOTONIC (shared by every namespace).
 * Once hvd is gone and no listed VM runs here any more, there is nothing
 * left to fence and the watchdog exits (a restarted hvd starts one again).
 * SIGTERM or SIGINT while armed fences every listed VM running here
 * before it exits: nothing would guard them afterwards.
 *
 * A fence can fail: a QEMU stuck in the kernel (D state on a dead iSCSI
 * path) survives SIGKILL, and the manager restarts the VM elsewhere a few
 * seconds later whatever happens here.  With -R the watchdog then resets
 * the node as a hardware watchdog would (reboot(2) at once, no sync: a
 * sync could hang on the same dead path).  In a lab host, a node of its
 * own pid namespace, reboot(2) ends only that namespace: the host goes
 * down as if its power were pulled.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/types.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"

#define FEED_MAX_VMS	256
#define NAME_MAX_LEN	64

struct feed {
	uint64_t fed_ns;
	uint64_t deadline_ns;
	long	 hvd_pid;
	char	 vm_dir[1024];
	char	 vms[FEED_MAX_VMS][NAME_MAX_LEN];
	int	 nvms;
};

static volatile sig_atomic_t wd_quit;

static void
on_signal(int sig)
{
	wd_quit = sig;
}

static void
wlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
wlog(const char *fmt, ...)
{
	char ts[40];
	va_list ap;

	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	fprintf(stderr, "%s hvd-watchdog[%d]: mono_ns=%" PRIu64 " ", ts,
	    (int)getpid(), clock_mono_ns());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* 1 read, 0 no feed file, -1 malformed. */
static int
feed_read(const char *path, struct feed *f)
{
	FILE *fp;
	char line[1200], key[32], val[1100];
	int rc = -1, magic = 0;

	memset(f, 0, sizeof(*f));
	if ((fp = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %1099s", key, val) != 2)
			continue;
		if (strcmp(key, "hvd-watchdog-feed") == 0)
			magic = 1;
		else if (strcmp(key, "fed_mono_ns") == 0)
			f->fed_ns = strtoull(val, NULL, 10);
		else if (strcmp(key, "deadline_mono_ns") == 0)
			f->deadline_ns = strtoull(val, NULL, 10);
		else if (strcmp(key, "hvd_pid") == 0)
			f->hvd_pid = strtol(val, NULL, 10);
		else if (strcmp(key, "vm_dir") == 0)
			snprintf(f->vm_dir, sizeof(f->vm_dir), "%s", val);
		else if (strcmp(key, "vm") == 0 && f->nvms < FEED_MAX_VMS &&
		    strlen(val) < NAME_MAX_LEN)
			snprintf(f->vms[f->nvms++], NAME_MAX_LEN, "%s", val);
	}
	if (magic && f->deadline_ns != 0 && f->vm_dir[0] != '\0')
		rc = 1;
	fclose(fp);
	return rc;
}

/*
 * 1 when cmdline (n bytes, NUL-separated arguments) is a QEMU that hvd
 * started for VM name: argv[0] is qemu-system-*, and `-name` is followed
 * by "guest=NAME" alone or before a ','.  Exact, so VM web never matches
 * a QEMU of web2 whose pid a stale pid file names.
 */
static int
is_vm_qemu(const char *cmdline, size_t n, const char *name)
{
	const char *a = cmdline, *end = cmdline + n, *prev = NULL, *base;
	size_t len = strlen(name);

	base = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
	if (strncmp(base, "qemu-system-", 12) != 0)
		return 0;
	for (; a < end; prev = a, a += strlen(a) + 1)
		if (prev != NULL && strcmp(prev, "-name") == 0 &&
		    strncmp(a, "guest=", 6) == 0 &&
		    strncmp(a + 6, name, len) == 0 &&
		    (a[6 + len] == '\0' || a[6 + len] == ','))
			return 1;
	return 0;
}

/* The pid of VM name's QEMU if it runs, else 0. */
static pid_t
vm_pid(const char *vm_dir, const char *name)
{
	char path[1200], buf[4096];
	FILE *fp;
	long pid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/qemu.pid", vm_dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	fclose(fp);
	if (pid <= 1)
		return 0;
	if ((n = proc_read((pid_t)pid, "cmdline", buf, sizeof(buf))) < 0)
		return 0;
	return is_vm_qemu(buf, (size_t)n, name) ? (pid_t)pid : 0;
}

/* Listed VMs whose QEMU runs here. */
static int
running(const struct feed *f)
{
	int i, n = 0;

	for (i = 0; i < f->nvms; i++)
		if (vm_pid(f->vm_dir, f->vms[i]) != 0)
			n++;
	return n;
}

/* Wait up to FENCE_CHECK_MS for pid to end: ms waited, or -1. */
#define FENCE_CHECK_MS	1000
static long
wait_gone(pid_t pid)
{
	long ms;

	for (ms = 0; ms <= FENCE_CHECK_MS; ms += 10) {
		if (!proc_running(pid))
			return ms;
		clock_sleep_ns(10 * NS_PER_MS);
	}
	return -1;
}

/*
 * The fence did not happen: reset the node (-R), since the VM is about to
 * be started elsewhere.  Returns only when the reset is off or refused.
 */
static void
node_reset(int reset, const char *vm, pid_t pid)
{
	if (!reset) {
		wlog("FENCE FAILED vm %s pid %d and fence_reset is off: the "
		    "node is not reset", vm, (int)pid);
		return;
	}
	wlog("RESET vm %s pid %d survived its fence: resetting the node "
	    "(reboot, no sync)", vm, (int)pid);
	reboot(RB_AUTOBOOT);
	wlog("RESET FAILED: reboot: %s", strerror(errno));
}

/*
 * SIGKILL every listed VM's QEMU here, then check each really ended: a
 * QEMU stuck in the kernel (D state, e.g. on a dead iSCSI path) survives
 * SIGKILL, and a fence that did not happen must say so (the log line is
 * what the HA drills and operators count on) and, with reset, reset the
 * node.  A QEMU that cannot be signalled at all counts as not fenced.
 */
static void
fence(const struct feed *f, uint64_t now, int reset)
{
	pid_t pids[FEED_MAX_VMS];
	int i, failed = -1;
	long ms;

	for (i = 0; i < f->nvms; i++) {
		if ((pids[i] = vm_pid(f->vm_dir, f->vms[i])) == 0)
			continue;
		if (kill(pids[i], SIGKILL) != 0 && errno != ESRCH)
			wlog("FENCE vm %s pid %d: kill: %s", f->vms[i],
			    (int)pids[i], strerror(errno));
	}
	for (i = 0; i < f->nvms; i++) {
		if (pids[i] == 0)
			continue;
		if ((ms = wait_gone(pids[i])) >= 0) {
			wlog("FENCE vm %s pid %d killed (%.3f s past the "
			    "deadline, last feed %.3f s ago, gone after %ld "
			    "ms)", f->vms[i], (int)pids[i],
			    ((double)now - (double)f->deadline_ns) / 1e9,
			    ((double)now - (double)f->fed_ns) / 1e9, ms);
			continue;
		}
		wlog("FENCE FAILED vm %s pid %d still runs %d ms after "
		    "SIGKILL (stuck in the kernel?)", f->vms[i], (int)pids[i],
		    FENCE_CHECK_MS);
		failed = i;
	}
	if (failed >= 0)
		node_reset(reset, f->vms[failed], pids[failed]);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: hvd-watchdog -f FEED [-p PIDFILE] "
	    "[-i INTERVAL_MS] [-R]\n"
	    "       hvd-watchdog --version | --help\n"
	    "hvd's fencing watchdog: kills the HA VMs listed in FEED when "
	    "hvd stops\nfeeding it; -R: reset the node when a QEMU survives "
	    "its fence (docs/ha.md).\n");
}

/* What the command line asks. */
struct wd_args {
	const char	*feed;
	const char	*pidfile;	/* or NULL */
	uint64_t	 interval_ns;
	int		 reset;		/* -R: reset the node on a failed fence */
};

/* The watchdog's memory between looks. */
struct wd_state {
	struct feed	 f;		/* the last good feed */
	struct feed	 nf;
	int		 armed, overdue, idle;
	int		 reset;		/* the -R flag */
};

/* The options into a: -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct wd_args *a)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "f:p:i:Rh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'f':
			a->feed = optarg;
			break;
		case 'p':
			a->pidfile = optarg;
			break;
		case 'i':
			a->interval_ns = strtoull(optarg, NULL, 10) *
			    NS_PER_MS;
			if (a->interval_ns == 0 || a->interval_ns > NS_PER_S) {
				fprintf(stderr, "hvd-watchdog: -i: 1..1000 "
				    "ms\n");
				return 1;
			}
			break;
		case 'R':
			a->reset = 1;
			break;
		case 'V':
			printf("hvd-watchdog %s\n", HV_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (a->feed == NULL || optind != argc) {
		usage(stderr);
		return 1;
	}
	return -1;
}

/* One look at a feed that was read (r == 1): arm while it names HA VMs,
 * fence once its deadline passed, disarm when it names none. */
static void
wd_look(struct wd_state *w, int r, uint64_t now)
{
	struct feed *f = &w->f;

	if (r == 1 && f->nvms > 0) {
		if (!w->armed)
			wlog("armed (%d HA VMs, deadline in %.3f s)",
			    f->nvms, ((double)f->deadline_ns - (double)now) /
			    1e9);
		w->armed = 1;
		if (now > f->deadline_ns) {
			if (!w->overdue)
				wlog("deadline passed %.3f s ago: fencing",
				    (double)(now - f->deadline_ns) / 1e9);
			w->overdue = 1;
			fence(f, now, w->reset);
		} else if (w->overdue) {
			wlog("fed again: deadline in %.3f s",
			    (double)(f->deadline_ns - now) / 1e9);
			w->overdue = 0;
		}
	} else if (r == 1 && w->armed) {
		wlog("disarmed (no HA VM)");
		w->armed = 0;
	}
}

/* 1 when the watchdog has nothing left to guard: hvd gone with no HA VM
 * running, or no feed for 60 s. */
static int
wd_done(struct wd_state *w, int r)
{
	if (w->f.hvd_pid > 1 && kill((pid_t)w->f.hvd_pid, 0) == -1 &&
	    errno == ESRCH && running(&w->f) == 0) {
		wlog("hvd %ld is gone and no HA VM runs: exiting",
		    w->f.hvd_pid);
		return 1;
	}
	if (r == 0 && ++w->idle > 600) {
		wlog("no feed for 60 s: exiting");
		return 1;
	}
	if (r != 0)
		w->idle = 0;
	return 0;
}

int
main(int argc, char **argv)
{
	struct wd_args a = { NULL, NULL, 100 * NS_PER_MS, 0 };
	static struct wd_state w;
	struct sigaction sa;
	int r;
	FILE *fp;

	if ((r = parse_args(argc, argv, &a)) >= 0)
		return r;
	w.reset = a.reset;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (a.pidfile != NULL) {
		if ((fp = fopen(a.pidfile, "w")) == NULL) {
			fprintf(stderr, "hvd-watchdog: %s: %s\n", a.pidfile,
			    strerror(errno));
			return 1;
		}
		fprintf(fp, "%d\n", (int)getpid());
		fclose(fp);
	}
	wlog("started, feed %s, a failed fence %s", a.feed, a.reset ?
	    "resets the node" : "is only logged");
	while (!wd_quit) {
		/* A missing or torn file keeps the last good feed. */
		if ((r = feed_read(a.feed, &w.nf)) == 1)
			w.f = w.nf;
		else if (w.armed)
			r = 1;
		wd_look(&w, r, clock_mono_ns());
		if (wd_done(&w, r))
			break;
		clock_sleep_ns(a.interval_ns);
	}
	/* Nothing guards the VMs once it is gone: stopped while armed, it
	 * fences first, as a hardware watchdog closed without its magic
	 * character resets the node. */
	if (wd_quit && w.armed && running(&w.f) > 0) {
		wlog("signal %d while armed: fencing before exiting",
		    (int)wd_quit);
		fence(&w.f, clock_mono_ns(), w.reset);
	} else if (wd_quit)
		wlog("signal %d: exiting", (int)wd_quit);
	if (a.pidfile != NULL)
		unlink(a.pidfile);
	return 0;
}
