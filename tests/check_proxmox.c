/*
 * check_proxmox.c - unit tests of the proxmox driver's pure readers
 * (scenarios/drivers/proxmox_api.c): UPIDs, a migration task log's
 * downtime line, a vzdump log's archive, certificate fingerprints; and
 * its inventory file (proxmox_inv.c), every problem named with its
 * place; the CRS settings balance_set sends for each version
 * (proxmox_ha.c); a VM's rrddata read as cores (proxmox_vm.c).  The requests themselves run against the API fixture in
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
#include "scenarios/drivers/proxmox_priv.h"

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

START_TEST(test_version)
{
	static const struct { const char *in; int v; } cases[] = {
		{ "9.2.1", PVE_V(9, 2) }, { "8.3.0", PVE_V(8, 3) },
		{ "9.0", PVE_V(9, 0) }, { "10.1-beta", PVE_V(10, 1) },
		{ "9", -1 }, { "", -1 }, { "x.2", -1 }, { "9.100", -1 },
	};
	char err[ERR_LEN];
	size_t i;
	int v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -1;
		if (pve_version_parse(cases[i].in, &v, err) == -1)
			ck_assert_msg(cases[i].v == -1 && strstr(err,
			    "MAJOR.MINOR"), "'%s' is refused only when no "
			    "MAJOR.MINOR: %s", cases[i].in, err);
		else
			ck_assert_msg(v == cases[i].v, "'%s' is version %d, "
			    "not %d", cases[i].in, cases[i].v, v);
	}
}
END_TEST

/* hvd's defaults (docs/balance.md), the row's. */
static void
balance_init(struct drv_balance *b, const char *mode)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->b_mode, sizeof(b->b_mode), "%s", mode);
	b->b_threshold = 0.3;
	b->b_hold = 3;
	b->b_margin = 0.1;
	b->b_max_moves = 2;
	b->b_interval_s = 10;
}

START_TEST(test_crs)
{
	static const struct {
		const char *mode, *ver;
		const char *crs;	/* NULL: refused, err has absent */
		const char *absent;	/* in b_applied, or in err */
	} cases[] = {
		{ "off", "8.3.0", "ha=basic", NULL },
		{ "off", "9.2.0", "ha=basic", NULL },
		{ "static", "8.3.0", "ha=static,ha-rebalance-on-start=1",
		    "no threshold, hold or margin" },
		{ "static", "9.1.4", "ha=static,ha-rebalance-on-start=1",
		    "no threshold, hold or margin" },
		{ "dynamic", "9.2.0", "ha=dynamic,ha-auto-rebalance=1,"
		    "ha-auto-rebalance-threshold=30,ha-auto-rebalance-hold-"
		    "duration=3,ha-auto-rebalance-margin=10,"
		    "ha-rebalance-on-start=1", "no max_moves or interval_s" },
		{ "dynamic", "9.1.4", NULL, "Proxmox VE 9.1.4 has no CRS mode "
		    "'dynamic'" },
		{ "dynamic", "8.3.0", NULL, "Proxmox VE 8.3.0 has no CRS mode "
		    "'dynamic'" },
		{ "busy", "9.2.0", NULL, "balance mode 'busy'" },
	};
	struct drv_balance b;
	char crs[512], err[ERR_LEN];
	size_t i;
	int v, rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		balance_init(&b, cases[i].mode);
		ck_assert(pve_version_parse(cases[i].ver, &v, err) == 0);
		rc = pve_crs_build(&b, cases[i].ver, v, crs, sizeof(crs), err);
		if (cases[i].crs == NULL) {
			ck_assert_msg(rc == -1 && strstr(err, cases[i].absent),
			    "%s on %s is refused naming version and value: %s",
			    cases[i].mode, cases[i].ver, err);
			continue;
		}
		ck_assert_msg(rc == 0 && strcmp(crs, cases[i].crs) == 0,
		    "%s on %s sets crs %s, not %s", cases[i].mode,
		    cases[i].ver, cases[i].crs, crs);
		ck_assert_msg(strncmp(b.b_applied, "crs=", 4) == 0 &&
		    strstr(b.b_applied, crs) && (cases[i].absent == NULL ||
		    strstr(b.b_applied, cases[i].absent)), "b_applied says "
		    "what was set and what has no knob: %s", b.b_applied);
	}
	balance_init(&b, "dynamic");
	b.b_threshold = 1.5;
	ck_assert_msg(pve_crs_build(&b, "9.2.0", PVE_V(9, 2), crs, sizeof(crs),
	    err) == -1 && strstr(err, "threshold 1.5"), "a threshold beyond "
	    "the schema's 100 %% is refused naming it: %s", err);
}
END_TEST

/* A VM's rrddata as Proxmox answers it: oldest first, a minute a point,
 * no cpu while the VM was stopped. */
START_TEST(test_rrd_cores)
{
	static const char rows[] = "["
	    "{\"time\": 1000, \"cpu\": 0.5, \"maxcpu\": 2},"
	    "{\"time\": 1060, \"maxcpu\": 2, \"maxmem\": 536870912},"
	    "{\"time\": 1120, \"cpu\": 0.25, \"maxcpu\": 2},"
	    "{\"time\": 1180, \"cpu\": 0, \"maxcpu\": 4},"
	    "{\"time\": 1240, \"cpu\": 0.125, \"maxcpu\": 4}]";
	static const char *const bad[] = {
		"[{\"time\": 1000, \"cpu\": \"0.5\", \"maxcpu\": 2}]",
		"[{\"cpu\": 0.5, \"maxcpu\": 2}]",
		"{\"time\": 1000}",
		NULL
	};
	struct drv_point p[8];
	char err[ERR_LEN];
	cJSON *doc;
	size_t n, i;

	doc = cJSON_Parse(rows);
	ck_assert(doc != NULL);
	ck_assert_msg(pve_rrd_cores(doc, 1060, p, &n, err) == 0, "rrddata "
	    "reads: %s", err);
	ck_assert_msg(n == 3, "the point before since and the stopped one are "
	    "left out, %zu points kept", n);
	ck_assert_msg(p[0].pt_t == 1120 && p[1].pt_t == 1180 &&
	    p[2].pt_t == 1240, "the points stay oldest first");
	ck_assert_msg(p[0].pt_v == 0.5 && p[1].pt_v == 0 && p[2].pt_v == 0.5,
	    "cores are cpu times maxcpu, an idle 0 kept: %g %g %g", p[0].pt_v,
	    p[1].pt_v, p[2].pt_v);
	ck_assert_msg(pve_rrd_cores(doc, 0, p, &n, err) == 0 && n == 4 &&
	    p[0].pt_v == 1.0, "from 0 on every running point counts");
	cJSON_Delete(doc);
	for (i = 0; bad[i] != NULL; i++) {
		doc = cJSON_Parse(bad[i]);
		ck_assert(doc != NULL);
		ck_assert_msg(pve_rrd_cores(doc, 0, p, &n, err) == -1 &&
		    strstr(err, "rrddata") != NULL, "'%s' is refused naming "
		    "rrddata: %s", bad[i], err);
		cJSON_Delete(doc);
	}
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
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_crs);
	tcase_add_test(tc, test_rrd_cores);
	suite_add_tcase(s, tc);
	return s;
}
