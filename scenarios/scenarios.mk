# scenarios/: the suite loader, the runner and the drivers.
SCENARIOS_SRCS := scenarios/run_cmd.c scenarios/runner.c scenarios/suite.c \
	scenarios/machine.c scenarios/accel_cmd.c \
	scenarios/drivers/driver.c scenarios/drivers/ref.c
# Built-in scenarios in their own files: the bonding drill, the HA drill.
SCENARIOS_SRCS += scenarios/builtin/bonding.c scenarios/builtin/ha.c
