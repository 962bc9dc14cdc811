/*
 * remote_ssh.c - where the remote provider's commands run: on the
 * station (this machine, or the network namespace the inventory names),
 * over SSH from there with OpenSSH's client, and the BMCs' fence agents.
 *
 * OpenSSH's client, not libssh: it is what an operator's own checks
 * run, it reads the same known_hosts and keys, and each call is a
 * process of its own that a timeout can kill.  No ControlMaster: a
 * master left running would outlive the command that started it and
 * hold what its caller holds (the runner's locks); a connection per
 * call costs ~0.1 s of CPU here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "clock.h"
#include "err.h"
#include "proc.h"
#include "lab/remote.h"

#define SSH_CONNECT_TIMEOUT_S "5"
#define FENCE_TIMEOUT_MS 60000

/* The child: namespace, stdin, stdout/stderr, then argv. */
static void
child_exec(const struct rinv *ri, const char *const argv[], int in_fd,
    int out_fd)
{
	char e[ERR_LEN];
	int nul;

	if (ri->ri_station_netns[0] && ns_enter_net(ri->ri_station_netns,
	    e) < 0) {
		fprintf(stderr, "hvlab: station %s: %s\n",
		    ri->ri_station_netns, e);
		_exit(127);
	}
	if (in_fd < 0 && (nul = open("/dev/null", O_RDONLY)) >= 0)
		in_fd = nul;
	if (in_fd >= 0)
		dup2(in_fd, 0);
	if (out_fd >= 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "hvlab: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read fd into r->rr_out (its first bytes) until EOF or the deadline;
 * 1 when the deadline passed. */
static int
collect(int fd, struct rrun *r, uint64_t deadline)
{
	size_t got = 0;
	char buf[1024];
	ssize_t n;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint64_t now = clock_mono_ns();
		int ms = deadline == 0 ? -1 : now >= deadline ? 0 :
		    (int)((deadline - now) / NS_PER_MS) + 1;

		if (poll(&p, 1, ms) == 0)
			return 1;
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (got < sizeof(r->rr_out) - 1) {
			size_t k = (size_t)n < sizeof(r->rr_out) - 1 - got ?
			    (size_t)n : sizeof(r->rr_out) - 1 - got;

			memcpy(r->rr_out + got, buf, k);
			got += k;
			r->rr_out[got] = '\0';
		}
	}
}

int
remote_station_run(const struct rinv *ri, const char *const argv[],
    int in_fd, int inherit, long timeout_ms, struct rrun *r, char *err)
{
	int pfd[2] = { -1, -1 }, st, late = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->rr_code = -1;
	if (!inherit && pipe2(pfd, O_CLOEXEC) < 0)
		return err_errno(err, "pipe");
	fflush(NULL);
	if ((pid = fork()) < 0) {
		err_errno(err, "fork");
		goto done;
	}
	if (pid == 0)
		child_exec(ri, argv, in_fd, inherit ? -1 : pfd[1]);
	if (!inherit) {
		close(pfd[1]);
		pfd[1] = -1;
		late = collect(pfd[0], r, timeout_ms > 0 ? clock_mono_ns() +
		    (uint64_t)timeout_ms * NS_PER_MS : 0);
		if (late)
			kill(pid, SIGKILL);	/* our own child, by pid */
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			err_errno(err, "waitpid");
			goto done;
		}
	r->rr_code = proc_exit_code(st);
	if (late)
		err_set(err, "%s: no answer within %ld ms", argv[0],
		    timeout_ms);
done:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return late ? -1 : r->rr_code;
}

int
remote_ssh_run(const struct rinv *ri, const struct rinv_ssh *s,
    const char *cmd, int in_fd, int inherit, long timeout_ms,
    struct rrun *r, char *err)
{
	char khost[RINV_PATH + 32], port[16], dest[RINV_WORD + RINV_ADDR + 2];
	const char *argv[24];
	int n = 0;

	if (s->rs_addr[0] == '\0')
		return err_set(err, "no address to reach by SSH");
	snprintf(khost, sizeof(khost), "UserKnownHostsFile=%s",
	    ri->ri_known_hosts);
	snprintf(port, sizeof(port), "%d", s->rs_port ? s->rs_port : 22);
	snprintf(dest, sizeof(dest), "%s@%s", s->rs_user, s->rs_addr);
	argv[n++] = "ssh";
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "StrictHostKeyChecking=yes";
	argv[n++] = "-o";
	argv[n++] = khost;
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=" SSH_CONNECT_TIMEOUT_S;
	argv[n++] = "-o";
	argv[n++] = "LogLevel=ERROR";
	argv[n++] = "-p";
	argv[n++] = port;
	if (s->rs_key[0]) {
		argv[n++] = "-i";
		argv[n++] = s->rs_key;
	}
	argv[n++] = "--";
	argv[n++] = dest;
	argv[n++] = cmd;
	argv[n] = NULL;
	return remote_station_run(ri, argv, in_fd, inherit, timeout_ms, r,
	    err);
}

int
remote_sh_quote(char *const argv[], char *out, size_t len)
{
	size_t o = 0;
	int i;

	for (i = 0; argv[i] != NULL; i++) {
		const char *p;

		if (o + 3 >= len)
			return -1;
		if (i > 0)
			out[o++] = ' ';
		out[o++] = '\'';
		for (p = argv[i]; *p; p++) {
			if (o + 6 >= len)
				return -1;
			if (*p == '\'') {
				memcpy(out + o, "'\\''", 4);
				o += 4;
			} else {
				out[o++] = *p;
			}
		}
		out[o++] = '\'';
	}
	if (o >= len)
		return -1;
	out[o] = '\0';
	return 0;
}

/* The agent's options, password included, in an unlinked file: its
 * stdin, never a command line another user's ps could read. */
static int
fence_stdin(const struct rinv_bmc *b, const char *action, char *err)
{
	char pw[256] = "", tmpl[] = "/tmp/hvlab-fence.XXXXXX";
	FILE *f = fopen(b->rb_password_file, "r");
	int fd;

	if (f == NULL)
		return err_errno(err, "%s", b->rb_password_file);
	if (fgets(pw, sizeof(pw), f) == NULL)
		pw[0] = '\0';
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	if ((fd = mkstemp(tmpl)) < 0)
		return err_errno(err, "mkstemp");
	unlink(tmpl);
	dprintf(fd, "ip=%s\nusername=%s\npassword=%s\naction=%s\n%s",
	    b->rb_addr, b->rb_user, pw, action,
	    b->rb_kind == RINV_BMC_IPMI ? "lanplus=1\n" :
	    b->rb_verify ? "ssl=1\n" : "ssl_insecure=1\n");
	explicit_bzero(pw, sizeof(pw));
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return err_errno(err, "lseek");
	}
	return fd;
}

int
remote_fence(const struct rinv *ri, const struct rinv_bmc *b,
    const char *action, struct rrun *r, char *err)
{
	const char *argv[] = { b->rb_kind == RINV_BMC_IPMI ? "fence_ipmilan" :
	    "fence_redfish", NULL };
	int fd, rc;

	if (b->rb_kind == RINV_BMC_NONE)
		return err_set(err, "the inventory gives it no bmc");
	if ((fd = fence_stdin(b, action, err)) < 0)
		return -1;
	rc = remote_station_run(ri, argv, fd, 0, FENCE_TIMEOUT_MS, r, err);
	close(fd);
	return rc;
}
