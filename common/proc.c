/*
 * proc.c - spawning programs without a shell, capturing output, timeouts,
 * killing by pid and reaping; entering network/mount/uts namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "proc.h"

extern char **environ;

/* Output kept per stream; beyond it the tail is dropped, the child runs on. */
#define PROC_MAX_OUT (16u << 20)

void
ns_path(const char *netns, char *buf, size_t len)
{
	if (netns[0] == '/')
		snprintf(buf, len, "%s", netns);
	else
		snprintf(buf, len, "/run/netns/%s", netns);
}

static int
ns_setns_path(const char *path, int type, char *err)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_errno(err, "namespace %s", path);
	if (setns(fd, type) == -1) {
		err_errno(err, "setns %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
ns_enter_net(const char *netns, char *err)
{
	char path[512];

	ns_path(netns, path, sizeof(path));
	return ns_setns_path(path, CLONE_NEWNET, err);
}

int
ns_enter_pid_ns(pid_t pid, int ns_types, char *err)
{
	static const struct {
		int flag;
		const char *name;
		int type;
	} kinds[] = {
		{ PROC_NS_IPC, "ipc", CLONE_NEWIPC },
		{ PROC_NS_UTS, "uts", CLONE_NEWUTS },
		{ PROC_NS_NET, "net", CLONE_NEWNET },
		{ PROC_NS_MNT, "mnt", CLONE_NEWNS },	/* last: paths change */
	};
	char path[64];
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!(ns_types & kinds[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		    kinds[i].name);
		if (ns_setns_path(path, kinds[i].type, err) == -1)
			return -1;
	}
	return 0;
}

/* Everything a child does between fork and exec; reports errors on errfd. */
static void __attribute__((noreturn))
proc_child(const char *const argv[], const struct proc_opts *o, int outfd,
    int errfd_out, int reportfd)
{
	char err[ERR_LEN];
	int fd;

	if (o->die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (o->new_session)
		setsid();
	signal(SIGPIPE, SIG_DFL);
	if (o->netns != NULL && ns_enter_net(o->netns, err) == -1)
		goto fail;
	if (o->ns_pid > 0 && ns_enter_pid_ns(o->ns_pid, o->ns_types, err) == -1)
		goto fail;
	if (o->cwd != NULL && chdir(o->cwd) == -1) {
		err_errno(err, "chdir %s", o->cwd);
		goto fail;
	}
	if (o->stdin_null) {
		if ((fd = open("/dev/null", O_RDONLY)) == -1) {
			err_errno(err, "/dev/null");
			goto fail;
		}
		dup2(fd, 0);
		if (fd != 0)
			close(fd);
	}
	if (o->stdout_file != NULL) {
		fd = open(o->stdout_file, O_WRONLY | O_CREAT | O_APPEND, 0640);
		if (fd == -1) {
			err_errno(err, "%s", o->stdout_file);
			goto fail;
		}
		dup2(fd, 1);
		close(fd);
	} else if (outfd >= 0)
		dup2(outfd, 1);
	if (o->stderr_file != NULL) {
		fd = open(o->stderr_file, O_WRONLY | O_CREAT | O_APPEND, 0640);
		if (fd == -1) {
			err_errno(err, "%s", o->stderr_file);
			goto fail;
		}
		dup2(fd, 2);
		close(fd);
	} else if (errfd_out >= 0)
		dup2(errfd_out, 2);
	if (o->envp != NULL)
		execvpe(o->prog ? o->prog : argv[0], (char *const *)argv,
		    o->envp);
	else
		execvp(o->prog ? o->prog : argv[0], (char *const *)argv);
	err_errno(err, "cannot run %s", o->prog ? o->prog : argv[0]);
fail:
	if (write(reportfd, err, strlen(err)) == -1)
		_exit(127);
	_exit(127);
}

/* In the first child of a detached start: a new session, a second
 * fork whose child goes on to exec; its pid goes to pidfd, and this
 * child ends (the caller reaps it at once). */
static void
proc_detach(int pidfd, int reportfd)
{
	pid_t pid;

	setsid();
	if ((pid = fork()) == 0) {
		close(pidfd);
		return;
	}
	if (pid == -1 && write(reportfd, "fork: cannot detach", 19) == -1)
		_exit(127);
	if (write(pidfd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		_exit(127);
	_exit(0);
}

/* The parent's side: the grandchild's pid from dp, the first child
 * reaped.  The pid, or -1 with err. */
static pid_t
proc_detached_pid(pid_t child, int dp[2], char *err)
{
	pid_t pid = -1;
	ssize_t n;

	close(dp[1]);
	dp[1] = -1;
	while ((n = read(dp[0], &pid, sizeof(pid))) == -1 && errno == EINTR)
		;
	close(dp[0]);
	dp[0] = -1;
	waitpid(child, NULL, 0);
	if (n != (ssize_t)sizeof(pid) || pid <= 0)
		return err_set(err, "could not start a detached process");
	return pid;
}

/* Fork and exec; pipes for capture when outp/errp are not NULL. */
static pid_t
proc_start(const char *const argv[], const struct proc_opts *o, int *outp,
    int *errp, char *err)
{
	int rp[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int dp[2] = { -1, -1 };
	char msg[ERR_LEN];
	ssize_t n;
	pid_t pid = -1;

	if (argv == NULL || argv[0] == NULL)
		return err_set(err, "nothing to run");
	if (pipe2(rp, O_CLOEXEC) == -1 ||
	    (outp != NULL && pipe2(op, O_CLOEXEC) == -1) ||
	    (errp != NULL && pipe2(ep, O_CLOEXEC) == -1) ||
	    (o->detach && pipe2(dp, O_CLOEXEC) == -1)) {
		err_errno(err, "pipe");
		goto fail;
	}
	if ((pid = fork()) == -1) {
		err_errno(err, "fork for %s", argv[0]);
		goto fail;
	}
	if (pid == 0) {
		close(rp[0]);
		if (o->detach)
			proc_detach(dp[1], rp[1]);
		proc_child(argv, o, op[1], ep[1], rp[1]);
	}
	close(rp[1]);
	rp[1] = -1;
	if (o->detach && (pid = proc_detached_pid(pid, dp, err)) == -1)
		goto fail;
	/* exec succeeded when the CLOEXEC report pipe closes empty. */
	while ((n = read(rp[0], msg, sizeof(msg) - 1)) == -1 && errno == EINTR)
		;
	close(rp[0]);
	rp[0] = -1;
	if (n > 0) {
		msg[n] = '\0';
		err_set(err, "%s", msg);
		if (!o->detach)
			waitpid(pid, NULL, 0);
		pid = -1;
		goto fail;
	}
	if (outp != NULL) {
		close(op[1]);
		*outp = op[0];
	}
	if (errp != NULL) {
		close(ep[1]);
		*errp = ep[0];
	}
	return pid;
fail:
	if (rp[0] >= 0) close(rp[0]);
	if (rp[1] >= 0) close(rp[1]);
	if (op[0] >= 0) close(op[0]);
	if (op[1] >= 0) close(op[1]);
	if (ep[0] >= 0) close(ep[0]);
	if (ep[1] >= 0) close(ep[1]);
	if (dp[0] >= 0) close(dp[0]);
	if (dp[1] >= 0) close(dp[1]);
	return -1;
}

pid_t
proc_spawn(const char *const argv[], const struct proc_opts *o, char *err)
{
	struct proc_opts none = { 0 };

	return proc_start(argv, o ? o : &none, NULL, NULL, err);
}

static int
proc_slurp(int fd, char **buf, size_t *len)
{
	char tmp[8192], *nb;
	ssize_t n;

	n = read(fd, tmp, sizeof(tmp));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (*len + (size_t)n > PROC_MAX_OUT)
		return 1;
	if ((nb = realloc(*buf, *len + (size_t)n + 1)) == NULL)
		return 1;
	*buf = nb;
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 1;
}

int
proc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Milliseconds to deadline (0 = none: -1, passed: 0), rounded up. */
static long
proc_ms_left(uint64_t deadline)
{
	uint64_t now;

	if (deadline == 0)
		return -1;
	now = clock_mono_ns();
	return now >= deadline ? 0 : (long)((deadline - now) / NS_PER_MS) + 1;
}

/* Read the child's stdout and stderr into r until both close or the
 * deadline (0 = none) passes; a descriptor closed here becomes -1. */
static void
proc_collect(int *outfd, int *errfd, uint64_t deadline,
    struct proc_result *r)
{
	struct pollfd pfd[2];
	long wait_ms;
	int n, i;

	while (*outfd >= 0 || *errfd >= 0) {
		n = 0;
		if (*outfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = *outfd,
			    .events = POLLIN };
		if (*errfd >= 0)
			pfd[n++] = (struct pollfd){ .fd = *errfd,
			    .events = POLLIN };
		if ((wait_ms = proc_ms_left(deadline)) == 0)
			break;
		if (poll(pfd, (nfds_t)n, (int)wait_ms) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == *outfd &&
			    !proc_slurp(*outfd, &r->out, &r->out_len)) {
				close(*outfd);
				*outfd = -1;
			} else if (pfd[i].fd == *errfd &&
			    !proc_slurp(*errfd, &r->errout, &r->errout_len)) {
				close(*errfd);
				*errfd = -1;
			}
		}
	}
}

/* Wait for the exit within the time left, killing the child at the
 * deadline (r->timed_out).  0 with r->status, or -1 (errno). */
static int
proc_reap(pid_t pid, uint64_t deadline, struct proc_result *r)
{
	int status = 0, n;

	n = proc_wait(pid, &status, proc_ms_left(deadline));
	if (n == -1)
		return -1;
	if (n != 1) {
		r->timed_out = 1;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	r->status = status;
	return 0;
}

/* 0 when the child exited 0, else -1 with err saying how it ended and
 * the first line it wrote (stderr's, else stdout's). */
static int
proc_verdict(const char *name, long timeout_ms, const struct proc_result *r,
    char *err)
{
	char line[256] = "";
	const char *src;
	int status = r->status;

	if (r->timed_out)
		return err_set(err, "%s: timed out after %ld ms", name,
		    timeout_ms);
	if (proc_exit_code(status) == 0)
		return 0;
	src = r->errout_len ? r->errout : (r->out_len ? r->out : "");
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(src, "\n"), src);
	if (WIFSIGNALED(status))
		return err_set(err, "%s killed by signal %d%s%s", name,
		    WTERMSIG(status), *line ? ": " : "", line);
	return err_set(err, "%s exited %d%s%s", name, proc_exit_code(status),
	    *line ? ": " : "", line);
}

int
proc_run(const char *const argv[], const struct proc_opts *o,
    long timeout_ms, struct proc_result *r, char *err)
{
	struct proc_opts opts = { 0 };
	struct proc_result local = { 0 };
	uint64_t deadline = 0;
	int outfd = -1, errfd = -1, rc = -1;
	pid_t pid;

	if (o != NULL)
		opts = *o;
	opts.stdin_null = 1;
	if (r == NULL)
		r = &local;
	memset(r, 0, sizeof(*r));
	pid = proc_start(argv, &opts, opts.stdout_file ? NULL : &outfd,
	    opts.stderr_file ? NULL : &errfd, err);
	if (pid == -1)
		return -1;
	if (timeout_ms > 0)
		deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	proc_collect(&outfd, &errfd, deadline, r);
	/* Output closed (or deadline): wait for the exit within the time left. */
	if (proc_reap(pid, deadline, r) == -1) {
		err_errno(err, "waitpid %s", argv[0]);
		goto done;
	}
	rc = proc_verdict(argv[0], timeout_ms, r, err);
done:
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	if (r == &local)
		proc_result_free(&local);
	return rc;
}

void
proc_result_free(struct proc_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->errout);
	r->out = r->errout = NULL;
	r->out_len = r->errout_len = 0;
}

int
proc_wait(pid_t pid, int *status, long timeout_ms)
{
	uint64_t deadline = 0;
	pid_t w;
	int st;

	if (timeout_ms > 0)
		deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	for (;;) {
		w = waitpid(pid, &st, timeout_ms < 0 ? 0 : WNOHANG);
		if (w == pid) {
			if (status != NULL)
				*status = st;
			return 1;
		}
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (timeout_ms == 0 || clock_mono_ns() >= deadline)
			return 0;
		clock_sleep_ns(2 * NS_PER_MS);
	}
}

int
proc_kill(pid_t pid, int sig)
{
	if (pid <= 0) {
		errno = EINVAL;		/* never a group, never everyone */
		return -1;
	}
	return kill(pid, sig);
}

int
proc_stop(pid_t pid, long grace_ms)
{
	if (pid <= 0)
		return 0;
	if (proc_kill(pid, SIGTERM) == -1 && errno == ESRCH) {
		proc_wait(pid, NULL, 0);
		return 0;
	}
	if (proc_wait(pid, NULL, grace_ms) == 1)
		return 0;
	proc_kill(pid, SIGKILL);
	proc_wait(pid, NULL, 1000);
	return 0;
}

int
proc_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

ssize_t
proc_read(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if (pid <= 0 || len < 2)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int
proc_running(pid_t pid)
{
	char buf[512], *p;

	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return 0;
	/* the state follows the command name, which may hold ')' */
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0' || p[2] == '\0')
		return 0;
	return p[2] != 'Z' && p[2] != 'X';
}

int
ns_run(const char *netns, pid_t ns_pid, int ns_types, int (*fn)(void *),
    void *arg, char *err)
{
	char msg[ERR_LEN];
	int rp[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(rp, O_CLOEXEC) == -1)
		return err_errno(err, "pipe");
	if ((pid = fork()) == -1) {
		close(rp[0]);
		close(rp[1]);
		return err_errno(err, "fork");
	}
	if (pid == 0) {
		close(rp[0]);
		if ((netns != NULL && ns_enter_net(netns, msg) == -1) ||
		    (ns_pid > 0 && ns_enter_pid_ns(ns_pid, ns_types, msg) == -1)) {
			if (write(rp[1], msg, strlen(msg)) == -1)
				_exit(255);
			_exit(255);
		}
		close(rp[1]);
		_exit(fn(arg) & 0xff);
	}
	close(rp[1]);
	while ((n = read(rp[0], msg, sizeof(msg) - 1)) == -1 && errno == EINTR)
		;
	close(rp[0]);
	if (waitpid(pid, &status, 0) == -1)
		return err_errno(err, "waitpid");
	if (n > 0) {
		msg[n] = '\0';
		return err_set(err, "%s", msg);
	}
	if (!WIFEXITED(status))
		return err_set(err, "namespace child killed by signal %d",
		    WTERMSIG(status));
	return WEXITSTATUS(status);
}
