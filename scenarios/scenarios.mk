# scenarios/: the suite loader, the runner and the drivers.
SCENARIOS_SRCS := scenarios/run_cmd.c scenarios/runner.c scenarios/suite.c \
	scenarios/machine.c scenarios/accel_cmd.c \
	scenarios/drivers/driver.c scenarios/drivers/ref.c
# The built-in rows, one file each, their table and the guest boots they
# share.
SCENARIOS_SRCS += scenarios/builtin/builtin.c scenarios/builtin/boot.c \
	scenarios/builtin/architecture.c scenarios/builtin/resources.c \
	scenarios/builtin/virt_methods.c scenarios/builtin/guest_os.c \
	scenarios/builtin/network.c scenarios/builtin/bonding.c \
	scenarios/builtin/ha.c scenarios/builtin/drills.c \
	scenarios/builtin/snapshot.c scenarios/builtin/clone.c
# issue 17: the libvirt + Corosync/Pacemaker platform.
SCENARIOS_SRCS += scenarios/drivers/libvirt.c scenarios/drivers/libvirt_host.c \
	scenarios/drivers/libvirt_conf.c scenarios/drivers/libvirt_pki.c \
	scenarios/drivers/libvirt_qdevice.c scenarios/drivers/libvirt_snap.c
SCENARIOS_SRCS += scenarios/drivers/libvirt_ha.c scenarios/drivers/libvirt_pcmk.c
# The proxmox driver: Proxmox VE's REST API (docs/platforms/proxmox.md).
SCENARIOS_SRCS += scenarios/drivers/proxmox.c scenarios/drivers/proxmox_vm.c \
	scenarios/drivers/proxmox_api.c scenarios/drivers/proxmox_inv.c \
	scenarios/drivers/proxmox_net.c
