# scenarios/: the suite loader, the runner and the drivers.
SCENARIOS_SRCS := scenarios/run_cmd.c scenarios/runner.c scenarios/suite.c \
	scenarios/machine.c scenarios/accel_cmd.c \
	scenarios/drivers/driver.c scenarios/drivers/ref.c \
	scenarios/drivers/ref_metrics.c
# The ref driver's balance_set and the Load balancing row.
SCENARIOS_SRCS += scenarios/drivers/ref_balance.c
SCENARIOS_SRCS += scenarios/builtin/load_balancing.c \
	scenarios/builtin/load_balancing_calc.c
# The built-in rows, one file each, their table and the guest boots they
# share.
SCENARIOS_SRCS += scenarios/builtin/builtin.c scenarios/builtin/boot.c \
	scenarios/builtin/architecture.c scenarios/builtin/resources.c \
	scenarios/builtin/virt_methods.c scenarios/builtin/guest_os.c \
	scenarios/builtin/network.c scenarios/builtin/bonding.c \
	scenarios/builtin/ha.c scenarios/builtin/drills.c \
	scenarios/builtin/snapshot.c scenarios/builtin/clone.c
SCENARIOS_SRCS += scenarios/builtin/monitoring.c scenarios/builtin/prom.c
# the HA drills' copy count over SSH on real servers
SCENARIOS_SRCS += scenarios/builtin/ha_copies_remote.c
# the bonding row's throughput probe on real servers
SCENARIOS_SRCS += scenarios/builtin/bonding_remote.c
# issue 17: the libvirt + Corosync/Pacemaker platform.
SCENARIOS_SRCS += scenarios/drivers/libvirt.c scenarios/drivers/libvirt_host.c \
	scenarios/drivers/libvirt_conf.c scenarios/drivers/libvirt_pki.c \
	scenarios/drivers/libvirt_qdevice.c scenarios/drivers/libvirt_snap.c \
	scenarios/drivers/libvirt_stats.c
SCENARIOS_SRCS += scenarios/drivers/libvirt_ha.c scenarios/drivers/libvirt_pcmk.c
SCENARIOS_SRCS += scenarios/drivers/libvirt_balance.c
# The proxmox driver: Proxmox VE's REST API (docs/platforms/proxmox.md).
SCENARIOS_SRCS += scenarios/drivers/proxmox.c scenarios/drivers/proxmox_vm.c \
	scenarios/drivers/proxmox_api.c scenarios/drivers/proxmox_inv.c \
	scenarios/drivers/proxmox_net.c scenarios/drivers/proxmox_ha.c
# The Backup/restore row and its drivers' operations.
SCENARIOS_SRCS += scenarios/builtin/backup.c scenarios/drivers/ref_backup.c \
	scenarios/drivers/libvirt_backup.c
# What the drivers of real platforms share: HTTPS with a pinned or CA-checked
# certificate, their inventory files.
SCENARIOS_SRCS += scenarios/drivers/drv_https.c scenarios/drivers/drv_inv.c
# The xcpng driver: XCP-ng's XAPI over JSON-RPC (docs/platforms/xcpng.md).
SCENARIOS_SRCS += scenarios/drivers/xcpng.c scenarios/drivers/xcpng_api.c \
	scenarios/drivers/xcpng_inv.c scenarios/drivers/xcpng_vm.c \
	scenarios/drivers/xcpng_snap.c scenarios/drivers/xcpng_pool.c \
	scenarios/drivers/xcpng_net.c
# Import/export: the row, the ref and libvirt drivers' export and import.
SCENARIOS_SRCS += scenarios/builtin/import_export.c scenarios/drivers/ref_io.c \
	scenarios/drivers/libvirt_io.c
