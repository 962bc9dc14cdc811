/*
 * check_main.c - the one runner for every unit test suite.
 *
 * Suites run in forked children (Check's default), under ASan and UBSan.
 * CK_RUN_SUITE=name / CK_RUN_CASE=name select a part, as Check allows.
 * Tests run from the tests/ directory (paths to config/ and golden/).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

const char *
check_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s can be written", path);
	fputs(text, f);
	fclose(f);
	return path;
}

static Suite *(*const suites[])(void) = {
	make_err_suite,
	make_accel_suite,
	make_log_suite,
	make_clock_suite,
	make_json_suite,
	make_proc_suite,
	make_http_suite,
	make_cmd_suite,
	make_probe_suite,
	make_hvd_config_suite,
	make_hvd_auth_suite,
	make_hvd_etcd_suite,
	make_hvd_api_suite,
	make_topo_suite,
	make_lab_inject_suite,
	make_lab_bmc_suite,
	make_lab_ovs_suite,
	make_lab_remote_suite,
	make_suite_suite,
	make_report_suite,
	make_guest_journal_suite,
	make_guest_params_suite,
	make_guest_burn_suite,
	make_guest_datafile_suite,
	make_qmp_suite,
	make_vm_suite,
	make_confine_suite,
	make_migrate_suite,
	make_netcfg_suite,
	make_bond_suite,
	make_throughput_suite,
	make_ha_suite,
	make_lab_hostdisk_suite,
	make_fence_suite,
	make_libvirt_suite,
	make_libvirt_ha_suite,
	make_snapshot_suite,
	make_vmfmt_suite,
	make_vmfmt_pkg_suite,
	make_backup_suite,
	make_metrics_suite,
	make_proxmox_suite,
	make_backup_row_suite,
	make_xcpng_suite,
	make_vmio_suite,
	make_monitoring_suite,
	make_balance_suite,
	make_bmcfence_suite,
	make_load_balancing_suite,
	NULL
};

int
main(void)
{
	SRunner *sr;
	int i, failed;

	sr = srunner_create(NULL);
	for (i = 0; suites[i] != NULL; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
