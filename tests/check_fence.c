/*
 * check_fence.c - hvd-watchdog (platform/fence.c) against stand-in QEMUs:
 * /bin/cat started with QEMU's argv[0] and hvd's `-name guest=NAME,...`,
 * reading a pipe this test holds, so it lives until it is killed.  The
 * watchdog is the built bin/hvd-watchdog, fed a file as hvd feeds it.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <unistd.h>

#include "clock.h"
#include "check_suites.h"

#define WATCHDOG "../bin/hvd-watchdog"

struct fake {
	pid_t pid;
	int wfd;		/* its stdin's other end */
	int reaped;		/* waited for: its pid is no longer ours */
};

/* A stand-in QEMU of VM name: killed, it is gone; else it waits. */
static struct fake
fake_qemu(const char *name)
{
	char guest[128];
	char *const argv[] = { "qemu-system-x86_64", "--", "/dev/stdin",
	    "-name", guest, NULL };
	struct fake f;
	int p[2];

	snprintf(guest, sizeof(guest), "guest=%s,debug-threads=on", name);
	ck_assert_int_eq(pipe(p), 0);
	f.pid = fork();
	ck_assert_int_ge(f.pid, 0);
	if (f.pid == 0) {
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execv("/bin/cat", argv);
		_exit(127);
	}
	close(p[0]);
	f.wfd = p[1];
	f.reaped = 0;
	return f;
}

/* 1 while the stand-in runs; reaps it once it is gone. */
static int
alive(struct fake *f)
{
	int st;

	if (!f->reaped && waitpid(f->pid, &st, WNOHANG) == f->pid)
		f->reaped = 1;
	return !f->reaped;
}

/* 1 once the stand-in is gone (a kill lands within ms), 0 after 2 s. */
static int
gone(struct fake *f)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (!alive(f))
			return 1;
		clock_sleep_ns(10 * NS_PER_MS);
	}
	return 0;
}

static void
fake_end(struct fake *f)
{
	int st;

	close(f->wfd);
	if (!f->reaped && kill(f->pid, SIGKILL) == 0)
		waitpid(f->pid, &st, 0);
	f->reaped = 1;
}

/* dir/name/qemu.pid naming pid, as hvd writes it. */
static void
pid_file(const char *dir, const char *name, pid_t pid)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/qemu.pid", dir, name);
	ck_assert_ptr_nonnull(fp = fopen(p, "w"));
	fprintf(fp, "%d\n", (int)pid);
	fclose(fp);
}

/* The feed: vms[] guarded, the deadline in_s from now (< 0: past). */
static void
feed(const char *dir, const char *const vms[], double in_s)
{
	char p[512];
	uint64_t now = clock_mono_ns();
	FILE *fp;

	snprintf(p, sizeof(p), "%s/feed", dir);
	ck_assert_ptr_nonnull(fp = fopen(p, "w"));
	fprintf(fp, "hvd-watchdog-feed 1\nfed_mono_ns %llu\n"
	    "deadline_mono_ns %llu\nhvd_pid %d\nvm_dir %s\n",
	    (unsigned long long)now, (unsigned long long)(now +
	    (int64_t)(in_s * 1e9)), (int)getpid(), dir);
	for (; *vms != NULL; vms++)
		fprintf(fp, "vm %s\n", *vms);
	fclose(fp);
}

static pid_t
watchdog(const char *dir)
{
	char f[512], log[512];
	pid_t pid;

	snprintf(f, sizeof(f), "%s/feed", dir);
	snprintf(log, sizeof(log), "%s/watchdog.log", dir);
	ck_assert_msg(access(WATCHDOG, X_OK) == 0, "%s is built (make all)",
	    WATCHDOG);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (freopen(log, "w", stderr) == NULL)
			_exit(126);
		execl(WATCHDOG, "hvd-watchdog", "-f", f, "-i", "20",
		    (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* 1 when the watchdog's log in dir has a line containing s. */
static int
log_has(const char *dir, const char *s)
{
	char path[512], line[512];
	FILE *fp;
	int have = 0;

	snprintf(path, sizeof(path), "%s/watchdog.log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (!have && fgets(line, sizeof(line), fp) != NULL)
		have = strstr(line, s) != NULL;
	fclose(fp);
	return have;
}

static void
watchdog_end(pid_t pid, int sig)
{
	int st;

	kill(pid, sig);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}

/*
 * A stale pid file of VM web names a QEMU of VM web2 (the pid was used
 * again): the watchdog fences db, whose QEMU is its own, and leaves
 * web2's alone.
 */
START_TEST(test_fence_exact_vm)
{
	char dir[] = "/tmp/check_fence.XXXXXX", cmd[64], line[128];
	const char *const vms[] = { "web", "db", NULL };
	struct fake web2, db;
	pid_t wd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	web2 = fake_qemu("web2");
	db = fake_qemu("db");
	pid_file(dir, "web", web2.pid);
	pid_file(dir, "db", db.pid);
	feed(dir, vms, -1.0);
	wd = watchdog(dir);
	clock_sleep_ns(600 * NS_PER_MS);
	watchdog_end(wd, SIGKILL);
	ck_assert_msg(gone(&db), "db's own QEMU is fenced");
	ck_assert_msg(alive(&web2), "a QEMU of VM web2 is not web's");
	snprintf(line, sizeof(line), "FENCE vm db pid %d killed", (int)db.pid);
	ck_assert_msg(log_has(dir, line) && log_has(dir, "ms)"),
	    "the fence is logged once db's QEMU is seen gone");
	fake_end(&web2);
	fake_end(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * Stopped while armed, the watchdog fences before it goes: once it is
 * gone nothing would, as a hardware watchdog closed without its magic
 * resets the node.
 */
START_TEST(test_fence_on_stop)
{
	char dir[] = "/tmp/check_fence.XXXXXX", cmd[64];
	const char *const vms[] = { "db", NULL };
	struct fake db;
	pid_t wd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	db = fake_qemu("db");
	pid_file(dir, "db", db.pid);
	feed(dir, vms, 60.0);
	wd = watchdog(dir);
	clock_sleep_ns(400 * NS_PER_MS);
	ck_assert_msg(alive(&db), "armed, before its deadline: no fence");
	watchdog_end(wd, SIGTERM);
	ck_assert_msg(gone(&db), "SIGTERM while armed fences db");
	fake_end(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * The node of a reset test, PID 1 of its own pid namespace (so reboot(2)
 * ends only it): a stand-in QEMU of VM db running as nobody, which the
 * watchdog (root without CAP_KILL) cannot kill, as it cannot kill a QEMU
 * stuck in the kernel; then the watchdog itself, with -R.
 */
static void __attribute__((noreturn))
reset_node(const char *dir)
{
	const char *const vms[] = { "db", NULL };
	char guest[] = "guest=db", f[512];
	char *const argv[] = { "qemu-system-x86_64", "--", "-", "-name",
	    guest, NULL };
	int p[2];
	pid_t db;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("proc", "/proc", "proc", 0, NULL) != 0 || pipe(p) != 0)
		_exit(120);
	if ((db = fork()) == 0) {
		dup2(p[0], 0);
		if (setresgid(65534, 65534, 65534) != 0 ||
		    setresuid(65534, 65534, 65534) != 0)
			_exit(121);
		execv("/bin/cat", argv);
		_exit(127);
	}
	pid_file(dir, "db", db);
	feed(dir, vms, -1.0);
	snprintf(f, sizeof(f), "%s/feed", dir);
	if (prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0) != 0)
		_exit(122);
	execl(WATCHDOG, "hvd-watchdog", "-f", f, "-i", "20", "-R",
	    (char *)NULL);
	_exit(127);
}

/*
 * A QEMU that survives its fence (D state on a dead iSCSI path, here one
 * the watchdog may not signal) is about to be started elsewhere: with -R
 * the watchdog resets the node, as a hardware watchdog would.  The node
 * is a pid namespace, so the reset ends its init with SIGHUP (reboot(2)
 * in a child pid namespace).
 */
/*
 * The machine's side of a reset test, in a child of its own (a pid
 * namespace whose init died allows no more forks, and the sanitizers fork
 * at exit): 0 when the node ended by reboot(2)'s SIGHUP, 1 when it was
 * not reset within 10 s, 2 when it ended otherwise.
 */
static void __attribute__((noreturn))
reset_machine(const char *dir)
{
	char log[600];
	pid_t node, r = 0;
	int st = 0, i;

	if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0 || (node = fork()) < 0)
		_exit(3);
	if (node == 0) {
		snprintf(log, sizeof(log), "%s/watchdog.log", dir);
		if (freopen(log, "w", stderr) == NULL)
			_exit(126);
		reset_node(dir);
	}
	for (i = 0; i < 1000 && (r = waitpid(node, &st, WNOHANG)) == 0; i++)
		clock_sleep_ns(10 * NS_PER_MS);
	if (r == 0) {
		kill(node, SIGKILL);
		waitpid(node, &st, 0);
		_exit(1);
	}
	_exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP ? 0 : 2);
}

/*
 * A QEMU that survives its fence (D state on a dead iSCSI path, here one
 * the watchdog may not signal) is about to be started elsewhere: with -R
 * the watchdog resets the node, as a hardware watchdog would.  The node
 * is a pid namespace, so the reset ends its init with SIGHUP (reboot(2)
 * in a child pid namespace).
 */
START_TEST(test_fence_reset)
{
	char dir[] = "/tmp/check_fence.XXXXXX", cmd[64];
	pid_t m;
	int st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	if ((m = fork()) == 0)
		reset_machine(dir);
	ck_assert_int_eq(waitpid(m, &st, 0), m);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 3, "unshare or "
	    "fork of the node failed (needs root)");
	ck_assert_msg(WEXITSTATUS(st) != 1, "the node was not reset within "
	    "10 s of its failed fence");
	ck_assert_msg(WEXITSTATUS(st) == 0, "the node ends by reboot(2) "
	    "(SIGHUP)");
	ck_assert_msg(log_has(dir, "FENCE FAILED vm db") &&
	    log_has(dir, "RESET vm db"), "the failed fence and the reset "
	    "are logged");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *
make_fence_suite(void)
{
	Suite *s = suite_create("fence");
	TCase *tc = tcase_create("watchdog");

	tcase_add_test(tc, test_fence_exact_vm);
	tcase_add_test(tc, test_fence_on_stop);
	tcase_add_test(tc, test_fence_reset);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
