# scenarios/: hvlab's main, the suite loader, the runner and the drivers.
HVLAB_MAIN     := scenarios/hvlab.c
SCENARIOS_SRCS := scenarios/run_cmd.c scenarios/runner.c scenarios/suite.c \
	scenarios/machine.c scenarios/accel_cmd.c \
	scenarios/drivers/driver.c scenarios/drivers/ref.c
# Built-in scenarios in their own files (issue 8: bonding).
SCENARIOS_SRCS += scenarios/bonding.c
# issue 17: the libvirt + Corosync/Pacemaker platform.
SCENARIOS_SRCS += scenarios/drivers/libvirt.c scenarios/drivers/libvirt_host.c \
	scenarios/drivers/libvirt_conf.c scenarios/drivers/libvirt_pki.c
# issue 7: the HA power-pull drill.
SCENARIOS_SRCS += scenarios/ha.c
