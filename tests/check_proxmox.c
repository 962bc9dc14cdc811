/*
 * check_proxmox.c - unit tests of the proxmox driver's pure readers
 * (scenarios/drivers/proxmox_api.c): UPIDs, a migration task log's
 * downtime line, a vzdump log's archive, certificate fingerprints; and
 * its inventory file (proxmox_inv.c), every problem named with its
 * place.  The requests themselves run against the API fixture in
 * tests/integration/test_proxmox_fixture.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>

#include "check_suites.h"
#include "err.h"
#include "scenarios/drivers/drv_https.h"
#include "scenarios/drivers/proxmox.h"
#include "scenarios/drivers/proxmox_api.h"

START_TEST(test_upid)
{
	static const char *const bad[] = {
		"", "UPID", "qmigrate:pve1", "UPID:pve1:00001234:",
		"UPID:pve1:00001234:0000ABCD:6571F2A0:qmigrate:100:root@pam",
		"UPID:pve1:00001234:0000ABCD:6571F2A0:qmigrate:100:root@pam:x",
		"UPID::00001234:0000ABCD:6571F2A0:qmigrate:100:root@pam:",
		"UPID:pve1:00001234:0000ABCD:zz:qmigrate:100:root@pam:",
		NULL
	};
	struct pve_upid u;
	char err[ERR_LEN];
	size_t i;

	ck_assert_msg(pve_upid_parse("UPID:pve1:00001234:0000ABCD:6571F2A0:"
	    "qmigrate:100:root@pam:", &u, err) == 0, "a UPID parses: %s",
	    err);
	ck_assert_msg(strcmp(u.u_node, "pve1") == 0 &&
	    strcmp(u.u_type, "qmigrate") == 0 && strcmp(u.u_id, "100") == 0 &&
	    strcmp(u.u_user, "root@pam") == 0, "node, type, id and user are "
	    "the UPID's fields");
	ck_assert_msg(u.u_starttime == 0x6571F2A0, "the start time is hex "
	    "seconds");
	ck_assert_msg(pve_upid_parse("UPID:pve2:0000AB12:0001CD34:6571F2A0:"
	    "vzdump::hvlab@pve!suite:", &u, err) == 0 && u.u_id[0] == '\0' &&
	    strcmp(u.u_user, "hvlab@pve!suite") == 0, "an empty id and a "
	    "token's user parse");
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(pve_upid_parse(bad[i], &u, err) == -1,
		    "'%s' is refused", bad[i]);
}
END_TEST

START_TEST(test_downtime)
{
	static const struct {
		const char *line;
		int found;
		double ms;
	} cases[] = {
		{ "2026-12-03 06:30:01 average migration speed: 128.0 MiB/s "
		    "- downtime 57 ms", 1, 57 },
		{ "average migration speed: 1.2 GiB/s - downtime 3 ms", 1, 3 },
		{ "average migration speed: 64.0 MiB/s - downtime 12.5 ms", 1,
		    12.5 },
		{ "auto-increased downtime to continue migration: 200 ms", 0,
		    0 },
		{ "migration status: completed", 0, 0 },
		{ "average migration speed: 64.0 MiB/s - downtime ms", 0, 0 },
		{ "average migration speed: 64.0 MiB/s - downtime 5 s", 0, 0 },
	};
	size_t i;
	double ms;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms = -1;
		ck_assert_msg(pve_tasklog_downtime(cases[i].line, &ms) ==
		    cases[i].found, "'%s': the downtime line is %srecognised",
		    cases[i].line, cases[i].found ? "" : "not ");
		if (cases[i].found)
			ck_assert_msg(ms == cases[i].ms, "'%s': downtime is "
			    "%g ms, not %g", cases[i].line, cases[i].ms, ms);
	}
}
END_TEST

START_TEST(test_archive)
{
	char name[64];

	ck_assert_msg(pve_tasklog_archive("INFO: creating vzdump archive "
	    "'/mnt/pve/nfs/dump/vzdump-qemu-100-2026_12_03-06_30_00.vma.zst'",
	    name, sizeof(name)) == 1 && strcmp(name,
	    "vzdump-qemu-100-2026_12_03-06_30_00.vma.zst") == 0,
	    "the archive's file name is read from vzdump's log");
	ck_assert_msg(pve_tasklog_archive("INFO: creating vzdump archive "
	    "'/x/vzdump-qemu-100-2026_12_03-06_30_00.vma.zst'", name, 16) ==
	    0, "a name that does not fit is no name");
	ck_assert_msg(pve_tasklog_archive("INFO: Backup job finished", name,
	    sizeof(name)) == 0, "other lines name no archive");
}
END_TEST

START_TEST(test_fingerprint)
{
	unsigned char fp[32];
	char err[ERR_LEN], s[128];
	size_t i, n = 0;

	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%02x",
		    i ? ":" : "", (unsigned)(i * 7));
	ck_assert_msg(drv_fingerprint_parse(s, fp, err) == 0 && fp[0] == 0 &&
	    fp[31] == 31 * 7, "32 hex pairs parse: %s", err);
	s[n - 3] = '\0';
	ck_assert_msg(drv_fingerprint_parse(s, fp, err) == -1 &&
	    strstr(err, "32") != NULL, "31 bytes are refused: %s", err);
	ck_assert_msg(drv_fingerprint_parse("zz", fp, err) == -1,
	    "no hex is refused");
}
END_TEST

START_TEST(test_inventory)
{
	struct pve_inventory inv;
	char dir[] = "/tmp/check-pve-XXXXXX", path[128], tok[128], err[ERR_LEN];
	char text[512], *diag = NULL;
	size_t dlen = 0;
	FILE *d;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(tok, sizeof(tok), "%s/token", dir);
	check_write_file(tok, "hvlab@pve!suite=abc\n");
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	snprintf(text, sizeof(text), "# a cluster\nurl = https://pve1:8006\n"
	    "token_file = %s\nca = /etc/pve/pve-root-ca.pem\n"
	    "storage = local-lvm\n", tok);
	ck_assert_msg(pve_inventory_load(check_write_file(path, text), &inv,
	    NULL, err) == 0, "a good inventory loads: %s", err);
	ck_assert_msg(strcmp(inv.pi_token, "hvlab@pve!suite=abc") == 0,
	    "the token is read from its file");
	ck_assert_msg(strcmp(inv.pi_bridge, "vmbr0") == 0 &&
	    strcmp(inv.pi_backup_storage, "local") == 0, "bridge and backup "
	    "storage have Proxmox's defaults");

	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	check_write_file(path, "url = http://pve1:8006\n"
	    "url = https://pve2:8006\nhots = x\nnoequals\n");
	d = open_memstream(&diag, &dlen);
	ck_assert_msg(pve_inventory_load(path, &inv, d, err) == -1,
	    "a bad inventory fails");
	fclose(d);
	ck_assert_msg(strstr(diag, "bad.conf:2: 'url' given twice") &&
	    strstr(diag, "bad.conf:3: unknown key 'hots'") &&
	    strstr(diag, "bad.conf:4: 'noequals' is no 'key = value'") &&
	    strstr(diag, "bad.conf:1: url 'http://pve1:8006' is not "
	    "https://") &&
	    strstr(diag, "no credentials") && strstr(diag, "'fingerprint'") &&
	    strstr(diag, "no 'storage'"), "every problem is named with its "
	    "place: %s", diag);
	ck_assert_msg(strstr(err, "7 problems") != NULL, "and counted: %s",
	    err);
	free(diag);
	unlink(path);
	unlink(tok);
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *
make_proxmox_suite(void)
{
	Suite *s = suite_create("proxmox");
	TCase *tc = tcase_create("readers");

	tcase_add_test(tc, test_upid);
	tcase_add_test(tc, test_downtime);
	tcase_add_test(tc, test_archive);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_inventory);
	suite_add_tcase(s, tc);
	return s;
}
