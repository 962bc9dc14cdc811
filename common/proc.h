/*
 * proc.h - spawning programs (argv, never a shell), capturing their
 * output, timeouts, killing by pid, reaping; and running code inside named
 * network namespaces or inside the namespaces of a given process.
 */
#ifndef HV_PROC_H
#define HV_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Namespace types for proc_opts.ns_types (combine with |). */
#define PROC_NS_NET 0x1
#define PROC_NS_MNT 0x2
#define PROC_NS_UTS 0x4
#define PROC_NS_IPC 0x8

struct proc_opts {
	const char *prog;	/* program to run (searched in PATH); NULL =
				 * argv[0], otherwise only the name it runs
				 * under (ps shows it) */
	const char *netns;	/* name under /run/netns, or a path; NULL = none */
	pid_t ns_pid;		/* enter these namespaces of ns_pid (0 = none) */
	int ns_types;		/* PROC_NS_* mask used with ns_pid */
	char *const *envp;	/* environment; NULL = inherit */
	const char *cwd;	/* working directory; NULL = inherit */
	const char *stdout_file; /* redirect stdout (append); NULL = inherit/capture */
	const char *stderr_file; /* redirect stderr (append) */
	int stdin_null;		/* stdin from /dev/null (default for proc_run) */
	int new_session;	/* setsid() in the child */
	int die_with_parent;	/* PR_SET_PDEATHSIG SIGKILL */
	int detach;		/* proc_spawn only: run argv as a grandchild
				 * in a session of its own, so it is nobody's
				 * child here (re-parented to init): it
				 * outlives the caller, which reaps nothing */
};

struct proc_result {
	int status;		/* wait status; see proc_exit_code */
	int timed_out;		/* 1 when killed by the timeout */
	char *out;		/* captured stdout, NUL-terminated; caller frees */
	size_t out_len;
	char *errout;		/* captured stderr; caller frees */
	size_t errout_len;
};

/* Start argv[0] (searched in PATH) with argv.  Returns the pid (>0) or -1
 * with err.  The caller reaps it (proc_wait), unless o->detach. */
pid_t proc_spawn(const char *const argv[], const struct proc_opts *o,
    char *err);

/*
 * Run argv to completion, capturing stdout and stderr (unless redirected in
 * o), killing it (SIGKILL) after timeout_ms (0 = no limit).  Returns 0 when
 * it ran and exited 0; -1 otherwise with err naming the program, its exit
 * status and the first line of its stderr.  r (may be NULL) gets the
 * details; free with proc_result_free.
 */
int proc_run(const char *const argv[], const struct proc_opts *o,
    long timeout_ms, struct proc_result *r, char *err);
void proc_result_free(struct proc_result *r);

/* Exit code from a wait status: exit code, or 128+signal. */
int proc_exit_code(int status);

/* Wait for pid up to timeout_ms (-1 = forever, 0 = poll).  Returns 1 and
 * the status when reaped, 0 when still running, -1 on error. */
int proc_wait(pid_t pid, int *status, long timeout_ms);
/* Send sig to pid (never to a group or by name); 0 or -1 with errno. */
int proc_kill(pid_t pid, int sig);
/* SIGTERM, wait up to grace_ms, then SIGKILL and reap.  Returns 0. */
int proc_stop(pid_t pid, long grace_ms);
/* 1 when pid exists (kill(pid, 0)), else 0. */
int proc_alive(pid_t pid);
/* 1 when pid exists and has not ended: a zombie (ended, not yet reaped by
 * its parent) does not run. */
int proc_running(pid_t pid);
/* Read /proc/PID/FILE ("cmdline", "stat") into buf (NUL-terminated, at
 * most len - 1 bytes): the bytes read, or -1 when it cannot be read or is
 * empty. */
ssize_t proc_read(pid_t pid, const char *file, char *buf, size_t len);

/*
 * Enter namespaces in the calling process: a named network namespace
 * (name under /run/netns or a path), or the PROC_NS_* namespaces of pid.
 * Returns 0 or -1 with err.  Callers usually do this in a forked child.
 */
int ns_enter_net(const char *netns, char *err);
int ns_enter_pid_ns(pid_t pid, int ns_types, char *err);

/* Fork, enter netns (and/or ns_pid/ns_types), run fn(arg) in the child and
 * return its return value (0..255) from the parent, or -1 with err. */
int ns_run(const char *netns, pid_t ns_pid, int ns_types,
    int (*fn)(void *), void *arg, char *err);

/* Path of a network namespace name: "/run/netns/NAME" into buf. */
void ns_path(const char *netns, char *buf, size_t len);

#endif
