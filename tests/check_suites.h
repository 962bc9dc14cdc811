/*
 * check_suites.h - the unit test suites, one per module (tests/check_*.c).
 */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

/* The tests' scratch files: path made to hold text (a failed check when it
 * cannot be written); returns path. */
const char *check_write_file(const char *path, const char *text);

Suite *make_err_suite(void);
Suite *make_log_suite(void);
Suite *make_clock_suite(void);
Suite *make_json_suite(void);
Suite *make_proc_suite(void);
Suite *make_http_suite(void);
Suite *make_cmd_suite(void);
Suite *make_probe_suite(void);
Suite *make_hvd_config_suite(void);
Suite *make_hvd_auth_suite(void);
Suite *make_hvd_etcd_suite(void);
Suite *make_hvd_api_suite(void);
Suite *make_topo_suite(void);
Suite *make_lab_inject_suite(void);
Suite *make_lab_bmc_suite(void);
Suite *make_lab_ovs_suite(void);
Suite *make_lab_remote_suite(void);
Suite *make_suite_suite(void);
Suite *make_report_suite(void);
Suite *make_guest_journal_suite(void);
Suite *make_guest_params_suite(void);
Suite *make_guest_burn_suite(void);
Suite *make_guest_datafile_suite(void);
Suite *make_qmp_suite(void);
Suite *make_vm_suite(void);
Suite *make_metrics_suite(void);
Suite *make_confine_suite(void);
Suite *make_migrate_suite(void);
Suite *make_netcfg_suite(void);
Suite *make_bond_suite(void);
Suite *make_throughput_suite(void);
Suite *make_ha_suite(void);
Suite *make_accel_suite(void);
Suite *make_lab_hostdisk_suite(void);
Suite *make_fence_suite(void);
Suite *make_libvirt_suite(void);
Suite *make_libvirt_ha_suite(void);
Suite *make_snapshot_suite(void);
Suite *make_vmfmt_suite(void);
Suite *make_vmfmt_pkg_suite(void);
Suite *make_backup_suite(void);
Suite *make_proxmox_suite(void);
Suite *make_backup_row_suite(void);
Suite *make_xcpng_suite(void);
Suite *make_vmio_suite(void);
Suite *make_monitoring_suite(void);
Suite *make_load_balancing_suite(void);

/* The expected message of a tests/config fail-*.yaml: its .expect's
 * first line (check_topo.c). */
void check_read_expect(const char *yaml, char *buf, size_t len);
Suite *make_balance_suite(void);
Suite *make_bmcfence_suite(void);

#endif
