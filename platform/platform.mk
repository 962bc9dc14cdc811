# platform/: the reference platform, hvd (node daemon) and hvctl (CLI).
HVD_MAIN      := platform/hvd.c
PLATFORM_SRCS :=
# VM layer (part B): QMP, QEMU processes, storage, OVS networking, migration.
VM_SRCS := platform/qmp.c platform/vm.c platform/netcfg.c \
	platform/migrate.c
PLATFORM_SRCS += $(VM_SRCS)
HVCTL_MAIN    := platform/hvctl.c
HVCTL_SRCS    :=

# Test drivers for the VM layer (integration tests, bench/bench_migrate.sh):
# built on demand, not installed.
VMTOOL_OBJS := $(patsubst %.c,$(OBJ)/%.o,tests/vmtool.c $(VM_SRCS) \
	$(COMMON_SRCS))
$(BUILD)/vmtool: $(VMTOOL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/pinggap: $(OBJ)/tests/pinggap.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^
