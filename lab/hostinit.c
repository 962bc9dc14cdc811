/*
 * hostinit.c - hvlab-init, the PID 1 of a lab node (host, switch, SAN).
 *
 * Started by the netns provider (lab/netns.c) for power-on.  The outer
 * process enters the node's named network namespace, unshares pid, mount
 * and uts namespaces and forks the init proper, which becomes PID 1 of the
 * new pid namespace.  The init makes / private, mounts a fresh /proc and
 * /sys, bind-mounts the node's persistent "disk" directories (--mount
 * SRC:DST) and tmpfs (--tmpfs DST), sets the hostname and runs the service
 * files (--services FILE, in order; missing files are skipped) with the
 * environment it was given (--env NAME=VALUE: a host's own clock,
 * lab/hostclock.h).  When every `run` line has finished it tells the outer
 * process, which writes the init's pid (as seen from outside) to --pidfile
 * and exits 0: the node is booted.  From then on the init reaps, restarts
 * `respawn` services and on SIGTERM stops everything; SIGKILL from outside
 * is the power pull (the kernel kills every process of the pid namespace
 * at once).
 *
 * Service file lines (docs/lab.md), words split on blanks, '#' comments:
 *   run CMD ARGS...      run to completion before the next line
 *   daemon CMD ARGS...   start and leave running
 *   respawn CMD ARGS...  start, restart 1 s after it exits
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_ITEMS 32
#define MAX_SVCS 64
#define MAX_WORDS 64
#define READY_TIMEOUT_S 60

struct svc {
	char *argv[MAX_WORDS + 1];
	char *line;
	pid_t pid;
	int respawn;
	time_t restart_at;
};

static const char *name, *netns, *pidfile, *logfile;
static char *mounts[MAX_ITEMS], *tmpfss[MAX_ITEMS], *svcfiles[MAX_ITEMS];
static char *envs[MAX_ITEMS];
static int nmounts, ntmpfs, nsvcfiles, nenvs;
static struct svc svcs[MAX_SVCS];
static int nsvcs;

static void
say(const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "[%ld.%03ld] hvlab-init %s: ", (long)ts.tv_sec,
	    ts.tv_nsec / 1000000, name ? name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
mkdir_p(const char *path)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
setup_mounts(void)
{
	int i;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		say("make / private: %s", strerror(errno));
		return -1;
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0) {
		say("mount /proc: %s", strerror(errno));
		return -1;
	}
	/* sysfs shows the network devices of the namespace that mounts it. */
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		say("umount /sys: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) < 0)
		say("mount /sys: %s", strerror(errno));
	for (i = 0; i < nmounts; i++) {
		char *src = mounts[i], *dst = strchr(mounts[i], ':');

		if (dst == NULL)
			return -1;
		*dst++ = '\0';
		if (mkdir_p(src) < 0 || mkdir_p(dst) < 0) {
			say("mkdir %s or %s: %s", src, dst, strerror(errno));
			return -1;
		}
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
			say("bind %s on %s: %s", src, dst, strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < ntmpfs; i++) {
		struct stat st;
		char opt[64];

		/* The tmpfs keeps the mode of the directory it covers
		 * (/dev/shm is 1777, /run 0755). */
		if (mkdir_p(tmpfss[i]) < 0 || stat(tmpfss[i], &st) < 0) {
			say("mkdir %s: %s", tmpfss[i], strerror(errno));
			return -1;
		}
		snprintf(opt, sizeof(opt), "mode=%04o,size=256m",
		    (unsigned)(st.st_mode & 07777));
		if (mount("tmpfs", tmpfss[i], "tmpfs", MS_NOSUID | MS_NODEV,
		    opt) < 0) {
			say("tmpfs on %s: %s", tmpfss[i], strerror(errno));
			return -1;
		}
	}
	if (sethostname(name, strlen(name)) < 0) {
		say("sethostname: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
load_services(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	int lineno = 0;

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		struct svc *s;
		char *p, *w, *save = NULL, *kind;
		int n = 0;

		lineno++;
		if ((p = strchr(buf, '#')) != NULL)
			*p = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if ((kind = strtok_r(buf, " \t", &save)) == NULL)
			continue;
		if (nsvcs == MAX_SVCS) {
			say("%s:%d: too many services", path, lineno);
			break;
		}
		s = &svcs[nsvcs];
		memset(s, 0, sizeof(*s));
		if (strcmp(kind, "run") == 0)
			s->respawn = -1;
		else if (strcmp(kind, "daemon") == 0)
			s->respawn = 0;
		else if (strcmp(kind, "respawn") == 0)
			s->respawn = 1;
		else {
			say("%s:%d: unknown kind '%s' (run, daemon, respawn)",
			    path, lineno, kind);
			continue;
		}
		while ((w = strtok_r(NULL, " \t", &save)) != NULL &&
		    n < MAX_WORDS)
			s->argv[n++] = strdup(w);
		if (n == 0) {
			say("%s:%d: no command", path, lineno);
			continue;
		}
		s->argv[n] = NULL;
		nsvcs++;
	}
	fclose(f);
	return 0;
}

static pid_t
start(struct svc *s)
{
	pid_t pid = fork();
	sigset_t none;

	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);
		setsid();
		execvp(s->argv[0], s->argv);
		say("exec %s: %s", s->argv[0], strerror(errno));
		_exit(127);
	}
	s->pid = pid;
	return pid;
}

/* Reap one child; restart respawn services later.  Returns its pid. */
static pid_t
reap(int flags, int *status)
{
	pid_t pid = waitpid(-1, status, flags);
	int i;

	if (pid <= 0)
		return pid;
	for (i = 0; i < nsvcs; i++) {
		if (svcs[i].pid != pid)
			continue;
		svcs[i].pid = 0;
		if (svcs[i].respawn == 1)
			svcs[i].restart_at = time(NULL) + 1;
		if (svcs[i].respawn >= 0)
			say("%s exited (status %d)", svcs[i].argv[0], *status);
	}
	return pid;
}

static void
shutdown_all(void)
{
	int i, st;

	say("stopping");
	kill(-1, SIGTERM);
	for (i = 0; i < 50; i++) {
		while (reap(WNOHANG, &st) > 0)
			;
		if (waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD)
			break;
		usleep(100000);
	}
	kill(-1, SIGKILL);
	exit(0);
}

static int
init_main(int ready_fd)
{
	sigset_t set;
	int i, st;

	setsid();
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0) {
		say("unshare: %s", strerror(errno));
		return 1;
	}
	/* Service files are outside paths: read them before the mounts. */
	for (i = 0; i < nsvcfiles; i++)
		if (load_services(svcfiles[i]) < 0)
			say("cannot read %s: %s", svcfiles[i], strerror(errno));
	if (setup_mounts() < 0)
		return 1;
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	    "/sbin:/bin", 1);
	setenv("HVLAB_NODE", name, 1);
	/* The services' environment; the init itself is started without
	 * it, so its own clock (restart times, log stamps) is the
	 * machine's. */
	for (i = 0; i < nenvs; i++)
		putenv(envs[i]);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < nsvcs; i++) {
		struct svc *s = &svcs[i];

		if (start(s) < 0)
			return 1;
		if (s->respawn != -1)
			continue;
		for (;;) {
			pid_t p = reap(0, &st);

			if (p < 0 && errno != EINTR) {
				say("waitpid: %s", strerror(errno));
				return 1;
			}
			if (p == s->pid || (p > 0 && s->pid == 0))
				break;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			say("boot step '%s' failed (status %d)", s->argv[0],
			    st);
			return 1;
		}
	}
	say("booted");
	if (write(ready_fd, "1", 1) != 1)
		return 1;
	close(ready_fd);
	for (;;) {
		siginfo_t si;
		struct timespec ts = { 1, 0 };
		int sig = sigtimedwait(&set, &si, &ts);
		time_t now = time(NULL);

		if (sig == SIGTERM || sig == SIGINT)
			shutdown_all();
		while (reap(WNOHANG, &st) > 0)
			;
		for (i = 0; i < nsvcs; i++)
			if (svcs[i].respawn == 1 && svcs[i].pid == 0 &&
			    svcs[i].restart_at != 0 &&
			    now >= svcs[i].restart_at) {
				svcs[i].restart_at = 0;
				start(&svcs[i]);
			}
	}
}

static int
write_pidfile(pid_t pid)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)pid);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, pidfile);
}

static void
on_alarm(int sig)
{
}

static void __attribute__((noreturn))
usage_to(FILE *f, int code)
{
	fprintf(f, "usage: hvlab-init --name NAME --netns PATH --pidfile "
	    "FILE [--log FILE] [--mount SRC:DST]... [--tmpfs DIR]... "
	    "[--services FILE]... [--env NAME=VALUE]...\n"
	    "       hvlab-init --version | --help\n"
	    "PID 1 of one lab node: enters the node's network namespace, "
	    "mounts its disk,\nstarts and reaps the services its files "
	    "list (docs/lab.md).\n");
	exit(code);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_to(stderr, 1);
}

/* Parse the command line into the globals; exits on misuse, --help and
 * --version. */
static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "netns", required_argument, NULL, 'N' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "mount", required_argument, NULL, 'm' },
		{ "tmpfs", required_argument, NULL, 't' },
		{ "services", required_argument, NULL, 's' },
		{ "env", required_argument, NULL, 'e' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'N': netns = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'l': logfile = optarg; break;
		case 'm':
			if (nmounts == MAX_ITEMS || !strchr(optarg, ':'))
				usage();
			mounts[nmounts++] = optarg;
			break;
		case 't':
			if (ntmpfs == MAX_ITEMS)
				usage();
			tmpfss[ntmpfs++] = optarg;
			break;
		case 's':
			if (nsvcfiles == MAX_ITEMS)
				usage();
			svcfiles[nsvcfiles++] = optarg;
			break;
		case 'e':
			if (nenvs == MAX_ITEMS || strchr(optarg, '=') == NULL ||
			    optarg[0] == '=')
				usage();
			envs[nenvs++] = optarg;
			break;
		case 'V':
			printf("hvlab-init %s\n", HV_VERSION);
			exit(0);
		case 'h': usage_to(stdout, 0);
		default: usage();
		}
	}
	if (name == NULL || netns == NULL || pidfile == NULL || optind != argc)
		usage();
}

/* Enter the node's network namespace; its children get a new pid
 * namespace.  0, or -1 after saying why. */
static int
enter_namespaces(void)
{
	int fd;

	if ((fd = open(netns, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "hvlab-init: %s: %s\n", netns, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "hvlab-init: setns %s: %s\n", netns,
		    strerror(errno));
		return -1;
	}
	close(fd);
	/* CLONE_NEWPID applies to children only; mount and uts namespaces
	 * are unshared by the init itself so this process keeps the
	 * caller's view (it writes the pid file there). */
	if (unshare(CLONE_NEWPID) < 0) {
		fprintf(stderr, "hvlab-init: unshare: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* In the child: stdout and stderr to the log, stdin from /dev/null, then
 * be the node's init. */
static void __attribute__((noreturn))
run_init(int ready_fd)
{
	int fd;

	fd = open(logfile ? logfile : "/dev/null",
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		if (fd > 0)
			close(fd);
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	_exit(init_main(ready_fd));
}

/* Wait for "booted" on fd (or the init's death: EOF on the pipe), at
 * most READY_TIMEOUT_S.  0, or -1 after killing the init. */
static int
wait_booted(int fd, pid_t pid)
{
	struct sigaction sa;
	char b;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: read gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(READY_TIMEOUT_S);
	if (read(fd, &b, 1) == 1)
		return 0;
	fprintf(stderr, "hvlab-init: %s did not boot (see %s)\n", name,
	    logfile ? logfile : "its log");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int
main(int argc, char **argv)
{
	int pfd[2];
	pid_t pid;

	parse_args(argc, argv);
	/* A node lives as long as the lab, not its caller: a descriptor
	 * the caller holds (a lock taken with flock(1), a pipe a test
	 * reads to its end) must not stay open in every service of it. */
	close_range(3, ~0U, 0);
	if (enter_namespaces() < 0)
		return 1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hvlab-init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		run_init(pfd[1]);
	}
	close(pfd[1]);
	if (wait_booted(pfd[0], pid) < 0)
		return 1;
	if (write_pidfile(pid) < 0) {
		fprintf(stderr, "hvlab-init: %s: %s\n", pidfile,
		    strerror(errno));
		kill(pid, SIGKILL);
		return 1;
	}
	return 0;
}
