/*
 * check_lab_hostdisk.c - unit tests of lab/hostdisk.c: which directories
 * a platform may declare on a host, their names on the disk, and the
 * disk/mounts file (declaring with no running host: recorded and made,
 * nothing mounted).  Mounting in a running host is tested by
 * tests/integration/test_libvirt_quick.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <check.h>

#include "err.h"
#include "lab/hostdisk.h"

static const struct {
	const char *path;
	int ok;
	const char *why;	/* in the error */
} paths[] = {
	{ "/var/lib/libvirt", 1, NULL },
	{ "/dev/shm", 1, NULL },
	{ "/etc/corosync", 1, NULL },
	{ "/run/libvirt", 1, NULL },
	{ "var/lib", 0, "absolute" },
	{ "/", 0, "node's own" },
	{ "/proc", 0, "node's own" },
	{ "/run", 0, "node's own" },
	{ "/sys/fs/cgroup", 0, "under /sys" },
	{ "/var/lib/", 0, "empty" },
	{ "/var//lib", 0, "empty" },
	{ "/var/../etc", 0, "'..'" },
	{ "/var/./lib", 0, "'.'" },
	{ "/var/lib libvirt", 0, "character ' '" },
};

START_TEST(test_check_path)
{
	char err[ERR_LEN] = "";
	int r = hostdisk_check_path(paths[_i].path, err);

	ck_assert_msg((r == 0) == paths[_i].ok, "'%s' is %s", paths[_i].path,
	    paths[_i].ok ? "accepted" : "refused");
	if (!paths[_i].ok)
		ck_assert_msg(strstr(err, paths[_i].why) != NULL &&
		    strstr(err, paths[_i].path) != NULL, "the error names the "
		    "path and says '%s': %s", paths[_i].why, err);
}
END_TEST

START_TEST(test_name)
{
	char b[HOSTDISK_PATH_MAX];

	hostdisk_name("/var/lib/libvirt", b, sizeof(b));
	ck_assert_str_eq(b, "var-lib-libvirt");
	hostdisk_name("/etc", b, sizeof(b));
	ck_assert_str_eq(b, "etc");
}
END_TEST

START_TEST(test_declare_and_load)
{
	char disk[] = "/tmp/check_hostdisk.XXXXXX", p[256], err[ERR_LEN];
	const char *keep[] = { "/nonexistent-hvlab/a", NULL };
	const char *tmpfs[] = { "/dev/shm", NULL };
	const char *bad[] = { "/ok/dir", "/proc/x", NULL };
	struct hostdisk_dir d[HOSTDISK_MAX];
	struct stat st;
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(disk));
	ck_assert_msg(hostdisk_declare(disk, 0, keep, tmpfs, err) == 0,
	    "declared: %s", err);
	snprintf(p, sizeof(p), "%s/nonexistent-hvlab-a", disk);
	ck_assert_msg(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "a kept "
	    "directory is made on the disk");
	ck_assert_msg(hostdisk_declare(disk, 0, keep, tmpfs, err) == 0,
	    "declaring again changes nothing: %s", err);
	ck_assert_int_eq(hostdisk_load(disk, d, HOSTDISK_MAX, &n, err), 0);
	ck_assert_msg(n == 2 && d[0].hd_tmpfs == 0 && d[1].hd_tmpfs == 1 &&
	    strcmp(d[1].hd_path, "/dev/shm") == 0, "disk/mounts lists each "
	    "directory once, with its kind");
	ck_assert_msg(hostdisk_declare(disk, 0, NULL, keep, err) == -1 &&
	    strstr(err, "declared already as kept") != NULL, "a kept "
	    "directory cannot become a tmpfs: %s", err);
	ck_assert_msg(hostdisk_declare(disk, 0, bad, NULL, err) == -1 &&
	    strstr(err, "/proc/x") != NULL, "a bad path is named: %s", err);
	snprintf(p, sizeof(p), "%s/ok-dir", disk);
	ck_assert_msg(access(p, F_OK) == -1, "nothing is made when one path "
	    "of the list is bad");
	snprintf(p, sizeof(p), "%s/mounts", disk);
	ck_assert_ptr_nonnull(f = fopen(p, "a"));
	fputs("mount /x\n", f);
	fclose(f);
	ck_assert_msg(hostdisk_load(disk, d, HOSTDISK_MAX, &n, err) == -1 &&
	    strstr(err, "mounts:3:") != NULL, "a bad line is named FILE:LINE: "
	    "%s", err);
	snprintf(p, sizeof(p), "rm -rf %s", disk);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

/* The services file: one line per service, added once; a word the
 * node's init would split or cut is refused and nothing is written. */
START_TEST(test_service)
{
	char disk[] = "/tmp/check_hostdisk.XXXXXX", p[256], err[ERR_LEN];
	char buf[512];
	const char *hvd[] = { "/usr/local/sbin/hvd", "-c", "/etc/hvd/hvd.conf",
	    NULL };
	const char *blank[] = { "/bin/sh", "-c", "sleep 1", NULL };
	const char *hash[] = { "/bin/x", "#1", NULL };
	const char *none[] = { NULL };
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(disk));
	ck_assert_msg(hostdisk_service(disk, "daemon", hvd, err) == 0, "%s",
	    err);
	ck_assert_msg(hostdisk_service(disk, "daemon", hvd, err) == 0, "%s",
	    err);
	ck_assert_msg(hostdisk_service(disk, "respawn", hvd, err) == 0, "%s",
	    err);
	ck_assert_msg(hostdisk_service(disk, "daemon", blank, err) == -1 &&
	    strstr(err, "'sleep 1'") != NULL, "a word with a blank is "
	    "refused, named: %s", err);
	ck_assert_msg(hostdisk_service(disk, "daemon", hash, err) == -1 &&
	    strstr(err, "'#1'") != NULL, "a '#' is refused: %s", err);
	ck_assert_msg(hostdisk_service(disk, "start", hvd, err) == -1 &&
	    strstr(err, "'start'") != NULL, "an unknown kind is named: %s",
	    err);
	ck_assert_msg(hostdisk_service(disk, "run", none, err) == -1 &&
	    strstr(err, "no command") != NULL, "no command: %s", err);
	snprintf(p, sizeof(p), "%s/services", disk);
	ck_assert_ptr_nonnull(f = fopen(p, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, "daemon /usr/local/sbin/hvd -c /etc/hvd/hvd.conf\n"
	    "respawn /usr/local/sbin/hvd -c /etc/hvd/hvd.conf\n");
	snprintf(p, sizeof(p), "rm -rf %s", disk);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

Suite *
make_lab_hostdisk_suite(void)
{
	Suite *s = suite_create("lab_hostdisk");
	TCase *tc = tcase_create("hostdisk");

	tcase_add_loop_test(tc, test_check_path, 0,
	    (int)(sizeof(paths) / sizeof(paths[0])));
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_declare_and_load);
	tcase_add_test(tc, test_service);
	suite_add_tcase(s, tc);
	return s;
}
