/*
 * check_accel.c - the accelerator decision, every branch: no device, a
 * device whose probe QEMU aborts, one whose probe hangs, a probe that
 * runs, the cache, forced tcg and kvm, HVLAB_ACCEL; and the real probe
 * guest under QEMU's TCG (proof that the firmware image itself runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel.h"
#include "check_suites.h"
#include "err.h"

static char dir[64], dev[128], cache[128];

static void
setup(void)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/hvt-accel.XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "a scratch directory");
	snprintf(dev, sizeof(dev), "%s/kvm", dir);
	snprintf(cache, sizeof(cache), "%s/accel.cache", dir);
	/* A file that opens read-write stands for a /dev/kvm that opens. */
	f = fopen(dev, "w");
	ck_assert_msg(f != NULL, "the stand-in device");
	fclose(f);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A stand-in QEMU: a shell script with body, its path into path. */
static void
fake_qemu(const char *name, const char *body, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "write %s", path);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static void
choose(struct accel_req *r, struct accel_choice *c)
{
	char err[ERR_LEN];

	ck_assert_msg(accel_choose(r, c, err) == 0, "accel_choose: %s", err);
}

START_TEST(test_no_device)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char q[256], mark[192];

	snprintf(mark, sizeof(mark), "%s/probed", dir);
	fake_qemu("qemu", "touch \"$0.ran\"; exit 85", q, sizeof(q));
	r.ar_qemu = q;
	r.ar_dev = "/nonexistent/kvm";
	r.ar_cache = cache;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "tcg") == 0,
	    "without a device the choice is TCG, got %s", c.ac_accel);
	ck_assert_msg(strstr(c.ac_reason, "no usable /nonexistent/kvm") !=
	    NULL, "the reason names the device: %s", c.ac_reason);
	snprintf(mark, sizeof(mark), "%s.ran", q);
	ck_assert_msg(access(mark, F_OK) != 0, "no probe runs without a "
	    "device");
	ck_assert_msg(!c.ac_probed, "nothing was probed");
}
END_TEST

START_TEST(test_probe_aborts)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char q[256];

	fake_qemu("qemu", "echo 'qemu: error: failed to set MSR 0x10a to "
	    "0x69' >&2; kill -ABRT $$", q, sizeof(q));
	r.ar_qemu = q;
	r.ar_dev = dev;
	r.ar_cache = cache;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "tcg") == 0,
	    "a probe QEMU that aborts means TCG, got %s", c.ac_accel);
	ck_assert_msg(strstr(c.ac_reason, "KVM present but cannot run "
	    "guests") != NULL && strstr(c.ac_reason, "failed to set MSR "
	    "0x10a") != NULL && strstr(c.ac_reason, "using TCG") != NULL,
	    "the reason quotes QEMU: %s", c.ac_reason);
	ck_assert_msg(c.ac_probed, "the probe ran");
}
END_TEST

START_TEST(test_probe_hangs)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char q[256];

	fake_qemu("qemu", "exec sleep 30", q, sizeof(q));
	r.ar_qemu = q;
	r.ar_dev = dev;
	r.ar_timeout_ms = 300;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "tcg") == 0,
	    "a probe that hangs means TCG, got %s", c.ac_accel);
	ck_assert_msg(strstr(c.ac_reason, "did not finish in 0.3 s") != NULL,
	    "the reason says it hung: %s", c.ac_reason);
	ck_assert_msg(c.ac_probe_ms < 5000, "the hung probe was ended at "
	    "its limit (%ld ms)", c.ac_probe_ms);
}
END_TEST

START_TEST(test_probe_runs_and_is_cached)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char q[256], bad[256];

	fake_qemu("qemu", "exit 85", q, sizeof(q));
	r.ar_qemu = q;
	r.ar_dev = dev;
	r.ar_cache = cache;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "kvm") == 0,
	    "a probe guest that ran means KVM, got %s (%s)", c.ac_accel,
	    c.ac_reason);
	ck_assert_msg(c.ac_probed, "the probe ran the first time");
	/* The same binary now aborts: the answer of this boot stands. */
	fake_qemu("qemu", "kill -ABRT $$", bad, sizeof(bad));
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "kvm") == 0 && !c.ac_probed &&
	    c.ac_cached, "the second decision comes from the cache (%s, "
	    "probed %d, cached %d)", c.ac_accel, c.ac_probed, c.ac_cached);
	/* A cache written in another boot is not believed. */
	{
		FILE *f = fopen(cache, "w");

		ck_assert_msg(f != NULL, "rewrite the cache");
		fprintf(f, "another-boot %s kvm\nkvm\nold\n", q);
		fclose(f);
	}
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "tcg") == 0 && c.ac_probed,
	    "another boot's cache is probed again (%s, probed %d)",
	    c.ac_accel, c.ac_probed);
}
END_TEST

START_TEST(test_forced)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char q[256], mark[300], err[ERR_LEN];

	fake_qemu("qemu", "touch \"$0.ran\"; exit 85", q, sizeof(q));
	snprintf(mark, sizeof(mark), "%s.ran", q);
	r.ar_qemu = q;
	r.ar_dev = dev;
	r.ar_mode = ACCEL_TCG;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "tcg") == 0, "forced tcg is TCG");
	ck_assert_msg(access(mark, F_OK) != 0, "forced tcg probes nothing");
	r.ar_mode = ACCEL_KVM;
	choose(&r, &c);
	ck_assert_msg(strcmp(c.ac_accel, "kvm") == 0, "forced kvm with a "
	    "device is KVM");
	ck_assert_msg(access(mark, F_OK) != 0, "forced kvm probes nothing");
	r.ar_dev = "/nonexistent/kvm";
	ck_assert_msg(accel_choose(&r, &c, err) == -1, "forced kvm without "
	    "a device is an error, not a silent TCG");
	ck_assert_msg(strstr(err, "accel kvm is configured") != NULL &&
	    strstr(err, "/nonexistent/kvm") != NULL, "the error names the "
	    "setting and the device: %s", err);
}
END_TEST

START_TEST(test_modes)
{
	enum accel_mode m;
	char err[ERR_LEN];

	ck_assert_int_eq(accel_mode_parse("kvm", &m, err), 0);
	ck_assert_int_eq(m, ACCEL_KVM);
	ck_assert_int_eq(accel_mode_parse("KVM", &m, err), -1);
	ck_assert_str_eq(err, "accelerator 'KVM' is not one of auto, kvm, "
	    "tcg");
	setenv("HVLAB_ACCEL", "tcg", 1);
	ck_assert_int_eq(accel_mode_env(ACCEL_KVM, &m, err), 0);
	ck_assert_msg(m == ACCEL_TCG, "HVLAB_ACCEL overrides the "
	    "configured mode");
	setenv("HVLAB_ACCEL", "fast", 1);
	ck_assert_int_eq(accel_mode_env(ACCEL_AUTO, &m, err), -1);
	ck_assert_msg(strstr(err, "HVLAB_ACCEL") != NULL, "the error names "
	    "the variable: %s", err);
	unsetenv("HVLAB_ACCEL");
	ck_assert_int_eq(accel_mode_env(ACCEL_KVM, &m, err), 0);
	ck_assert_msg(m == ACCEL_KVM, "without HVLAB_ACCEL the configured "
	    "mode stands");
}
END_TEST

/* The probe guest itself, under QEMU's TCG: its firmware must run and
 * make QEMU exit with the probe's code, or every KVM would look broken. */
START_TEST(test_real_probe_guest)
{
	struct accel_req r = { 0 };
	char why[256] = "", err[ERR_LEN] = "";
	long ms = -1;
	int ran;

	r.ar_try = "tcg";
	r.ar_timeout_ms = 30000;
	ran = accel_probe(&r, why, sizeof(why), &ms, err);
	ck_assert_msg(ran == 1, "the probe guest runs under TCG (%d: %s%s; "
	    "qemu-system-x86_64 comes with make deps)", ran, why, err);
	ck_assert_msg(ms >= 0, "its time is measured");
}
END_TEST

Suite *
make_accel_suite(void)
{
	Suite *s = suite_create("accel");
	TCase *tc = tcase_create("decision");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_no_device);
	tcase_add_test(tc, test_probe_aborts);
	tcase_add_test(tc, test_probe_hangs);
	tcase_add_test(tc, test_probe_runs_and_is_cached);
	tcase_add_test(tc, test_forced);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_real_probe_guest);
	suite_add_tcase(s, tc);
	return s;
}
