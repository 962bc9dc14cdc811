/*
 * check_proc.c - spawning, capture, timeouts, killing by pid, namespaces.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_suites.h"
#include "clock.h"
#include "err.h"
#include "proc.h"

START_TEST(test_run_captures_output)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	struct proc_result r;
	char err[ERR_LEN];

	ck_assert_int_eq(proc_run(argv, NULL, 5000, &r, err), 0);
	ck_assert_str_eq(r.out, "out\n");
	ck_assert_str_eq(r.errout, "err\n");
	ck_assert_int_eq(proc_exit_code(r.status), 0);
	proc_result_free(&r);
}
END_TEST

START_TEST(test_run_failure_names_program_and_stderr)
{
	const char *argv[] = { "sh", "-c", "echo 'no such LUN' >&2; exit 3", NULL };
	struct proc_result r;
	char err[ERR_LEN];

	ck_assert_int_eq(proc_run(argv, NULL, 5000, &r, err), -1);
	ck_assert_str_eq(err, "sh exited 3: no such LUN");
	ck_assert_int_eq(proc_exit_code(r.status), 3);
	proc_result_free(&r);
}
END_TEST

START_TEST(test_run_missing_program)
{
	const char *argv[] = { "hvlab-no-such-program", NULL };
	char err[ERR_LEN];

	ck_assert_int_eq(proc_run(argv, NULL, 5000, NULL, err), -1);
	ck_assert_msg(strstr(err, "cannot run hvlab-no-such-program") != NULL,
	    "a missing program is named: '%s'", err);
}
END_TEST

START_TEST(test_run_timeout_kills)
{
	const char *argv[] = { "sleep", "10", NULL };
	struct proc_result r;
	char err[ERR_LEN];
	uint64_t t0 = clock_mono_ns();

	ck_assert_int_eq(proc_run(argv, NULL, 200, &r, err), -1);
	ck_assert_msg(r.timed_out, "the child is marked as timed out");
	ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL,
	    "the child was killed");
	ck_assert_msg(clock_mono_ns() - t0 < 5 * NS_PER_S,
	    "proc_run returns after the timeout, not after the child's sleep");
	ck_assert_str_eq(err, "sleep: timed out after 200 ms");
	proc_result_free(&r);
}
END_TEST

START_TEST(test_run_timeout_with_silent_grandchild)
{
	/* The grandchild keeps stdout open: the deadline still holds. */
	const char *argv[] = { "sh", "-c", "sleep 10 & exec sleep 10", NULL };
	char err[ERR_LEN];
	uint64_t t0 = clock_mono_ns();

	ck_assert_int_eq(proc_run(argv, NULL, 200, NULL, err), -1);
	ck_assert_msg(clock_mono_ns() - t0 < 5 * NS_PER_S,
	    "an inherited pipe does not outlive the timeout");
}
END_TEST

START_TEST(test_spawn_wait_stop)
{
	const char *argv[] = { "sleep", "30", NULL };
	char err[ERR_LEN];
	int status;
	pid_t pid = proc_spawn(argv, NULL, err);

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(proc_wait(pid, &status, 0), 0);
	ck_assert_msg(proc_alive(pid), "a spawned child is alive");
	ck_assert_int_eq(proc_stop(pid, 1000), 0);
	ck_assert_msg(!proc_alive(pid), "proc_stop ends and reaps the child");
	ck_assert_msg(proc_kill(0, SIGKILL) == -1 && proc_kill(-1, SIGKILL) == -1,
	    "proc_kill refuses process groups and 'everyone'");
}
END_TEST

/* A detached program is nobody's child here, in a session of its own;
 * a program that cannot run is still an error. */
START_TEST(test_spawn_detached)
{
	const char *argv[] = { "sleep", "30", NULL };
	const char *bad[] = { "/nonexistent/prog", NULL };
	struct proc_opts o = { 0 };
	char path[64], buf[512], err[ERR_LEN], *p;
	int ppid = -1, sid = -1;
	pid_t pid;
	FILE *f;

	o.detach = 1;
	o.stdin_null = 1;
	pid = proc_spawn(argv, &o, err);
	ck_assert_msg(pid > 0, "detached spawn: %s", err);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert((f = fopen(path, "r")) != NULL);
	ck_assert(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	p = strrchr(buf, ')');
	ck_assert(p != NULL && sscanf(p + 2, "%*c %d %*d %d", &ppid, &sid) ==
	    2);
	ck_assert_msg(ppid != (int)getpid(), "the detached program is not "
	    "our child (parent %d)", ppid);
	ck_assert_msg(sid != (int)getsid(0), "it runs in a session of its "
	    "own (%d)", sid);
	ck_assert_int_eq(proc_kill(pid, SIGKILL), 0);
	ck_assert_msg(proc_spawn(bad, &o, err) == -1 && strstr(err,
	    "/nonexistent/prog") != NULL, "a program that cannot run is "
	    "an error naming it: %s", err);
}
END_TEST

/* A process runs until it ended: as a zombie (not yet reaped) it does
 * not, which is what a fence or a stop waits for. */
START_TEST(test_running_not_zombie)
{
	pid_t pid = fork();
	int st, i;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ck_assert_msg(proc_running(pid), "a live child runs");
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	for (i = 0; i < 200 && proc_running(pid); i++)
		clock_sleep_ns(5 * NS_PER_MS);
	ck_assert_msg(!proc_running(pid), "killed and not reaped (a zombie), "
	    "it no longer runs");
	ck_assert_msg(proc_alive(pid), "yet the pid still exists");
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(!proc_running(0) && !proc_running(-1), "no pid runs");
}
END_TEST

START_TEST(test_redirect_to_file)
{
	char path[] = "/tmp/hvlab-check-proc-XXXXXX", buf[64] = "";
	const char *argv[] = { "echo", "logged", NULL };
	struct proc_opts o = { 0 };
	char err[ERR_LEN];
	int fd = mkstemp(path);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	o.stdout_file = path;
	ck_assert_int_eq(proc_run(argv, &o, 5000, NULL, err), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "logged\n");
	close(fd);
	unlink(path);
}
END_TEST

static int
child_fn(void *arg)
{
	return *(int *)arg + 1;
}

START_TEST(test_ns_run)
{
	char err[ERR_LEN];
	int v = 41;

	ck_assert_int_eq(ns_run(NULL, 0, 0, child_fn, &v, err), 42);
	ck_assert_int_eq(ns_run("hvlab-check-no-such-ns", 0, 0, child_fn, &v,
	    err), -1);
	ck_assert_msg(strstr(err, "/run/netns/hvlab-check-no-such-ns") != NULL,
	    "a missing namespace is named: '%s'", err);
}
END_TEST

START_TEST(test_spawn_in_missing_netns)
{
	const char *argv[] = { "true", NULL };
	struct proc_opts o = { .netns = "hvlab-check-no-such-ns" };
	char err[ERR_LEN];

	ck_assert_int_eq(proc_spawn(argv, &o, err), -1);
	ck_assert_msg(strstr(err, "hvlab-check-no-such-ns") != NULL,
	    "spawn into a missing namespace fails and says which: '%s'", err);
}
END_TEST

Suite *
make_proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_run_captures_output);
	tcase_add_test(tc, test_run_failure_names_program_and_stderr);
	tcase_add_test(tc, test_run_missing_program);
	tcase_add_test(tc, test_run_timeout_kills);
	tcase_add_test(tc, test_run_timeout_with_silent_grandchild);
	tcase_add_test(tc, test_spawn_wait_stop);
	tcase_add_test(tc, test_spawn_detached);
	tcase_add_test(tc, test_running_not_zombie);
	tcase_add_test(tc, test_redirect_to_file);
	tcase_add_test(tc, test_ns_run);
	tcase_add_test(tc, test_spawn_in_missing_netns);
	suite_add_tcase(s, tc);
	return s;
}
