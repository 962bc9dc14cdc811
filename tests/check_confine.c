/*
 * check_confine.c - where a caller's host paths may point (platform/
 * confine.c): kernels and dir pools inside the directories hvd.conf
 * allows, judged after symlinks are followed, and the lists of
 * directories hvd.conf may give.  Real files and symlinks in a temp dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "err.h"
#include "platform/confine.h"

static char top[64], imgdir[96], linkdir[96];

/* top/images/{vmlinux, inner -> vmlinux, escape -> /etc/passwd},
 * top/images2/k, top/link -> top/images. */
static void
setup(void)
{
	char p[160], q[160];
	FILE *f;

	snprintf(top, sizeof(top), "/tmp/check_confine.%d", (int)getpid());
	snprintf(imgdir, sizeof(imgdir), "%s/images", top);
	snprintf(linkdir, sizeof(linkdir), "%s/link", top);
	ck_assert(mkdir(top, 0700) == 0 && mkdir(imgdir, 0700) == 0);
	snprintf(p, sizeof(p), "%s/images2", top);
	ck_assert(mkdir(p, 0700) == 0);
	snprintf(p, sizeof(p), "%s/images2/k", top);
	ck_assert((f = fopen(p, "w")) != NULL);
	fclose(f);
	snprintf(p, sizeof(p), "%s/vmlinux", imgdir);
	ck_assert((f = fopen(p, "w")) != NULL);
	fclose(f);
	snprintf(q, sizeof(q), "%s/inner", imgdir);
	ck_assert(symlink(p, q) == 0);
	snprintf(q, sizeof(q), "%s/escape", imgdir);
	ck_assert(symlink("/etc/passwd", q) == 0);
	ck_assert(symlink(imgdir, linkdir) == 0);
}

static void
teardown(void)
{
	static const char *const files[] = { "images/vmlinux", "images/inner",
	    "images/escape", "images2/k", "link", NULL };
	char p[160];
	int i;

	for (i = 0; files[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", top, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/images2", top);
	rmdir(p);
	rmdir(imgdir);
	rmdir(top);
}

/* Paths relative to top where they start with '@'. */
static const struct {
	const char *dirs, *path;
	int flags;
	const char *want;	/* the resolved path ('@' = top), or NULL */
	const char *msg;	/* error substring when refused */
} cases[] = {
	{ "@/images", "/etc/shadow", 0, NULL,
	  "kernel: '/etc/shadow' is not in the directories image_dirs allows "
	  "(@/images)" },
	{ "@/images", "@/images/../images2/k", 0, NULL,
	  "must be an absolute path without '..'" },
	{ "@/images", "../../x", 0, NULL, "must be an absolute path" },
	{ "@/images", "@/images/escape", 0, NULL,
	  "resolves to '/etc/passwd', which is not in the directories "
	  "image_dirs allows" },
	{ "@/images", "@/images/vmlinux", 0, "@/images/vmlinux", NULL },
	{ "@/images", "@/images/inner", 0, "@/images/vmlinux", NULL },
	{ "@/images", "@/images//./vmlinux", 0, "@/images/vmlinux", NULL },
	{ "@/images", "@/images/none", 0, NULL, "No such file" },
	{ "@/images", "@/images/none", CONFINE_MISSING_OK, "@/images/none",
	  NULL },
	{ "@/images", "/nowhere/k", CONFINE_MISSING_OK, NULL,
	  "is not in the directories" },
	{ "@/images", "@/images2/k", 0, NULL, "is not in the directories" },
	{ "/var/empty-x @/link", "@/images/vmlinux", 0, "@/images/vmlinux",
	  NULL },
	{ "@/images", "@/link/vmlinux", 0, "@/images/vmlinux", NULL },
	{ "@/images", "@/images", 0, "@/images", NULL },
	{ "@/images", "/", 0, NULL, "is not in the directories" },
};

/* s with '@' replaced by top. */
static void
at(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++) {
		if (*s == '@')
			o += (size_t)snprintf(buf + o, len - o, "%s", top);
		else
			buf[o++] = *s;
		if (o >= len)
			o = len - 1;
	}
	buf[o] = '\0';
}

START_TEST(test_path)
{
	struct confine_req r;
	char dirs[256], path[256], want[256], err[ERR_LEN] = "";
	int rc;

	at(cases[_i].dirs, dirs, sizeof(dirs));
	at(cases[_i].path, path, sizeof(path));
	memset(&r, 0, sizeof(r));
	r.cr_dirs = dirs;
	r.cr_key = "image_dirs";
	r.cr_field = "kernel";
	r.cr_flags = cases[_i].flags;
	rc = confine_path(&r, path, err);
	if (cases[_i].want != NULL) {
		at(cases[_i].want, want, sizeof(want));
		ck_assert_msg(rc == 0, "'%s' in '%s' is allowed: %s", path,
		    dirs, err);
		ck_assert_msg(strcmp(r.cr_resolved, want) == 0, "'%s' resolves "
		    "to '%s', got '%s'", path, want, r.cr_resolved);
		return;
	}
	at(cases[_i].msg, want, sizeof(want));
	ck_assert_msg(rc == -1, "'%s' in '%s' is refused", path, dirs);
	ck_assert_msg(strncmp(err, "kernel: ", 8) == 0 && strstr(err, want),
	    "the refusal of '%s' names the field and says '%s': %s", path,
	    want, err);
}
END_TEST

static const struct {
	const char *dirs;
	const char *msg;	/* NULL = accepted */
} dir_lists[] = {
	{ "/var/lib/hvd/images", NULL },
	{ "/srv/img  /var/lib/hvd/images", NULL },
	{ "", "no directory given" },
	{ "images", "'images' is not an absolute directory path" },
	{ "/a /b/../c", "'/b/../c' is not an absolute directory path" },
	{ "/a/..", "without '..'" },
	{ "/a..b", NULL },
	{ "/1 /2 /3 /4 /5 /6 /7 /8 /9", "at most 8 directories" },
};

START_TEST(test_dirs)
{
	char err[ERR_LEN] = "";
	int rc = confine_dirs_check(dir_lists[_i].dirs, err);

	if (dir_lists[_i].msg == NULL)
		ck_assert_msg(rc == 0, "'%s' is a list of directories: %s",
		    dir_lists[_i].dirs, err);
	else
		ck_assert_msg(rc == -1 && strstr(err, dir_lists[_i].msg),
		    "'%s' is refused saying '%s': %s", dir_lists[_i].dirs,
		    dir_lists[_i].msg, err);
}
END_TEST

START_TEST(test_models)
{
	char list[512];

	confine_list_join(confine_cpu_models, list, sizeof(list));
	ck_assert_msg(strncmp(list, "qemu64, qemu32, kvm64", 21) == 0 &&
	    strstr(list, "host") != NULL && strchr(list, '+') == NULL,
	    "CPU models are plain names: %s", list);
	confine_list_join(confine_nic_models("q35"), list, sizeof(list));
	ck_assert_str_eq(list, "virtio-net-pci, e1000, e1000e, rtl8139");
	confine_list_join(confine_nic_models("microvm"), list, sizeof(list));
	ck_assert_msg(strcmp(list, "virtio-net-device") == 0,
	    "microvm has no PCI bus: %s", list);
}
END_TEST

Suite *
make_confine_suite(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("paths");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_path, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("lists");
	tcase_add_loop_test(tc, test_dirs, 0,
	    sizeof(dir_lists) / sizeof(dir_lists[0]));
	tcase_add_test(tc, test_models);
	suite_add_tcase(s, tc);
	return s;
}
