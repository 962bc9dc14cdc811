/*
 * check_backup_row.c - the pure parts of the Backup/restore row
 * (scenarios/builtin/backup.c) and of the libvirt driver's backups
 * (scenarios/drivers/libvirt_backup.c): a schedule's step, the push
 * backup and checkpoint XML, and the backup ids.
 */
#include <string.h>

#include <check.h>

#include "err.h"
#include "scenarios/builtin/builtin.h"
#include "scenarios/drivers/libvirt.h"
#include "check_suites.h"

START_TEST(spec_step)
{
	static const struct { const char *spec; long s; } cases[] = {
		{ "*/10s", 10 }, { "*/1m", 60 }, { "*/6h", 21600 },
		{ "daily 02:00", 86400 }, { "*/0m", 86400 }, { "*/m", 86400 },
		{ "*/5x", 86400 }, { "*/1-m", 86400 }, { "", 86400 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(backup_spec_step(cases[i].spec) == cases[i].s,
		    "a step of '%s' is %ld s, not %ld", cases[i].spec,
		    cases[i].s, backup_spec_step(cases[i].spec));
}
END_TEST

START_TEST(push_xml)
{
	char buf[2048], err[ERR_LEN];

	ck_assert_int_eq(lv_backup_xml("/b/vm.1.qcow2", NULL, buf,
	    sizeof(buf), err), 0);
	ck_assert_msg(strstr(buf, "<domainbackup mode='push'>") != NULL &&
	    strstr(buf, "<target file='/b/vm.1.qcow2'/>") != NULL &&
	    strstr(buf, "<disk name='vda' backup='yes' type='file'>") !=
	    NULL && strstr(buf, "<incremental>") == NULL,
	    "a full push backup names vda's target file and no checkpoint: "
	    "%s", buf);
	ck_assert_int_eq(lv_backup_xml("/b/vm.2.qcow2", "vm.1", buf,
	    sizeof(buf), err), 0);
	ck_assert_msg(strstr(buf, "<incremental>vm.1</incremental>") != NULL,
	    "an incremental one names the checkpoint it builds on: %s", buf);
	ck_assert_msg(lv_backup_xml("/b/x'y", NULL, buf, sizeof(buf), err) ==
	    -1 && strstr(err, "plain") != NULL, "a quote in the path is "
	    "refused: %s", err);
	ck_assert_msg(lv_backup_xml("/b/vm.1.qcow2", NULL, buf, 64, err) ==
	    -1 && strstr(err, "longer") != NULL, "a truncated text is an "
	    "error: %s", err);
	ck_assert_int_eq(lv_checkpoint_xml("vm.1", buf, sizeof(buf), err), 0);
	ck_assert_msg(strstr(buf, "<name>vm.1</name>") != NULL &&
	    strstr(buf, "<disk name='vda' checkpoint='bitmap'/>") != NULL,
	    "a checkpoint keeps vda's bitmap: %s", buf);
	ck_assert_msg(lv_checkpoint_xml("a/b", buf, sizeof(buf), err) == -1,
	    "a checkpoint name with a slash is refused");
}
END_TEST

START_TEST(backup_id)
{
	char host[16], ck[64], vm[16], err[ERR_LEN];

	ck_assert_int_eq(lv_backup_id_parse("host1/bk1.20261203-091500-123",
	    host, sizeof(host), ck, sizeof(ck), vm, sizeof(vm), err), 0);
	ck_assert_str_eq(host, "host1");
	ck_assert_str_eq(ck, "bk1.20261203-091500-123");
	ck_assert_str_eq(vm, "bk1");
	ck_assert_msg(lv_backup_id_parse("bk1.1", host, sizeof(host), ck,
	    sizeof(ck), vm, sizeof(vm), err) == -1 && strstr(err,
	    "HOST/VM.TIME") != NULL, "an id without a host is refused: %s",
	    err);
	ck_assert_msg(lv_backup_id_parse("h/.1", host, sizeof(host), ck,
	    sizeof(ck), vm, sizeof(vm), err) == -1, "an id without a VM is "
	    "refused");
	ck_assert_msg(lv_backup_id_parse("h/a/b.1", host, sizeof(host), ck,
	    sizeof(ck), vm, sizeof(vm), err) == -1, "an id with two slashes "
	    "is refused");
	ck_assert_msg(lv_backup_id_parse("a-very-long-host-name/b.1", host,
	    sizeof(host), ck, sizeof(ck), vm, sizeof(vm), err) == -1,
	    "a host name longer than its buffer is refused, not cut");
}
END_TEST

Suite *
make_backup_row_suite(void)
{
	Suite *s = suite_create("backup_row");
	TCase *tc = tcase_create("backup_row");

	tcase_add_test(tc, spec_step);
	tcase_add_test(tc, push_xml);
	tcase_add_test(tc, backup_id);
	suite_add_tcase(s, tc);
	return s;
}
