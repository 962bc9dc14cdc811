# tests/: Check unit tests, one check_<module>.c per module, one runner.
# One line per suite: add yours with its own line.
CHECK_SRCS := tests/check_main.c
CHECK_SRCS += tests/check_err.c
CHECK_SRCS += tests/check_log.c
CHECK_SRCS += tests/check_clock.c
CHECK_SRCS += tests/check_json.c
CHECK_SRCS += tests/check_proc.c
CHECK_SRCS += tests/check_http.c
CHECK_SRCS += tests/check_cmd.c
CHECK_SRCS += tests/check_probe.c
CHECK_SRCS += tests/check_hvd_config.c tests/check_hvd_auth.c \
	tests/check_hvd_etcd.c tests/check_hvd_api.c
CHECK_SRCS += tests/check_topo.c
CHECK_SRCS += tests/check_lab_inject.c
CHECK_SRCS += tests/check_lab_bmc.c
CHECK_SRCS += tests/check_lab_ovs.c
CHECK_SRCS += tests/check_lab_remote.c
CHECK_SRCS += tests/check_suite.c
CHECK_SRCS += tests/check_report.c
CHECK_SRCS += tests/check_guest_journal.c lab/guest/journal.c
CHECK_SRCS += tests/check_guest_params.c lab/guest/params.c
CHECK_SRCS += tests/check_guest_burn.c lab/guest/burn.c
CHECK_SRCS += tests/check_guest_datafile.c lab/guest/datafile.c \
	lab/guest/sha256.c
CHECK_SRCS += tests/check_qmp.c tests/check_vm.c tests/check_confine.c \
	tests/check_migrate.c tests/check_netcfg.c
CHECK_SRCS += tests/check_bond.c tests/check_throughput.c
CHECK_SRCS += tests/check_ha.c
CHECK_SRCS += tests/check_accel.c
CHECK_SRCS += tests/check_lab_hostdisk.c
CHECK_SRCS += tests/check_fence.c
CHECK_SRCS += tests/check_libvirt.c
CHECK_SRCS += tests/check_libvirt_ha.c
CHECK_SRCS += tests/check_snapshot.c
CHECK_SRCS += tests/check_vmfmt.c tests/check_vmfmt_pkg.c
CHECK_SRCS += tests/check_vmio.c
CHECK_SRCS += tests/check_backup.c
CHECK_SRCS += tests/check_metrics.c
CHECK_SRCS += tests/check_proxmox.c
CHECK_SRCS += tests/check_backup_row.c
CHECK_SRCS += tests/check_xcpng.c
CHECK_SRCS += tests/check_monitoring.c
CHECK_SRCS += tests/check_balance.c
CHECK_SRCS += tests/check_bmcfence.c
CHECK_SRCS += tests/check_load_balancing.c

# pinggap: the benchmarks' fast ICMP sender; its gaps are the probe's code.
$(BUILD)/pinggap: $(OBJ)/tests/pinggap.o $(OBJ)/probes/ping_stats.o \
	$(OBJ)/common/err.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# pvedrive, xapidrive: the proxmox and xcpng drivers through the rows'
# operations (tests/drive_rows.c), against their fixture servers
# (tests/integration/test_proxmox_fixture.sh, test_xcpng_fixture.sh).
DRIVE_SRCS := tests/drive_rows.c $(SCENARIOS_SRCS) $(LAB_SRCS) \
	$(PROBES_SRCS) $(REPORTS_SRCS) $(COMMON_SRCS) $(COMMON_YAML_SRCS)
PVEDRIVE_OBJS := $(patsubst %.c,$(OBJ)/%.o,tests/pvedrive.c $(DRIVE_SRCS))
$(BUILD)/pvedrive: $(PVEDRIVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
XAPIDRIVE_OBJS := $(patsubst %.c,$(OBJ)/%.o,tests/xapidrive.c $(DRIVE_SRCS))
$(BUILD)/xapidrive: $(XAPIDRIVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# lvbalcib: the libvirt driver's balancing CIB text, for Pacemaker's
# scheduler in tests/integration/test_libvirt_balance.sh (which builds it).
$(BUILD)/lvbalcib: $(OBJ)/tests/lvbalcib.o \
	$(OBJ)/scenarios/drivers/libvirt_pcmk.o \
	$(OBJ)/scenarios/drivers/libvirt_conf.o $(OBJ)/common/err.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
