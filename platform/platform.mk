# platform/: the reference platform, hvd (node daemon) and hvctl (CLI).
HVD_MAIN      := platform/hvd.c
PLATFORM_SRCS :=
# Control plane: config, etcd, auth, PKI, cluster, tasks, API.
PLATFORM_SRCS += platform/config.c platform/etcd.c platform/auth.c \
	platform/pki.c platform/cluster.c platform/task.c platform/api.c \
	platform/api_conns.c platform/api_cluster.c platform/api_vm.c \
	platform/vmops.c platform/vmtask.c platform/vmmigrec.c platform/pool.c \
	platform/peer.c platform/clone.c platform/volimport.c
# VM layer: QMP, QEMU processes, what a VM may name on the host, storage,
# OVS networking, migration.
VM_SRCS := platform/qmp.c platform/vm.c platform/confine.c \
	platform/netcfg.c platform/migrate.c platform/migrate_tls.c
PLATFORM_SRCS += $(VM_SRCS)
HVCTL_MAIN    := platform/hvctl.c
HVCTL_SRCS    := platform/hvctl_util.c platform/hvctl_cluster.c \
	platform/hvctl_vm.c platform/hvctl_pool.c platform/hvctl_net.c

# Test drivers for the VM layer (integration tests, bench/bench_migrate.sh):
# built on demand, not installed.
VMTOOL_OBJS := $(patsubst %.c,$(OBJ)/%.o,tests/vmtool.c $(VM_SRCS) \
	$(COMMON_SRCS))
$(BUILD)/vmtool: $(VMTOOL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# HA: HA manager and leases, the fencing watchdog, hvctl ha.
PLATFORM_SRCS += platform/ha.c platform/ha_lease.c platform/ha_manager.c \
	platform/api_ha.c
# Power fencing through a node's BMC (Redfish): its record and client.
PLATFORM_SRCS += platform/bmcfence.c platform/api_bmc.c
HVCTL_SRCS += platform/hvctl_bmc.c
bin/hvd-watchdog: $(patsubst %.c,$(OBJ)/%.o,platform/fence.c $(COMMON_SRCS))
EXTRA_PROGS += bin/hvd-watchdog
# Bonds: live bond state (members, LACP, active) for network show.
PLATFORM_SRCS += platform/bond.c
# Snapshots: internal qcow2 snapshots, with RAM; their API and hvctl.
PLATFORM_SRCS += platform/snapshot.c platform/snapshot_task.c \
	platform/api_snap.c
HVCTL_SRCS += platform/hvctl_snap.c

HVCTL_SRCS += platform/hvctl_bond.c
HVCTL_SRCS += platform/hvctl_ha.c
# Import/export formats: platform/vmfmt/, hvctl image.
include platform/vmfmt/vmfmt.mk
# VM export and import through the API, hvctl vm export|import.
PLATFORM_SRCS += platform/vmio.c platform/api_io.c
HVCTL_SRCS += platform/hvctl_io.c
# Backups: stores, full and incremental backups through QEMU block jobs,
# restore, verify, schedules and prune; their API and hvctl.
PLATFORM_SRCS += platform/backup_plan.c platform/backup_store.c \
	platform/backup_task.c platform/backup.c \
	platform/backup_restore.c platform/backup_job.c platform/api_backup.c
HVCTL_SRCS += platform/hvctl_backup.c
# Metrics: the sampler and its store, /metrics and the REST series,
# hvctl top and metrics.
PLATFORM_SRCS += platform/metrics.c platform/metrics_ring.c \
	platform/metrics_proc.c platform/metrics_sample.c \
	platform/metrics_vm.c platform/metrics_prom.c platform/api_metrics.c
HVCTL_SRCS += platform/hvctl_metrics.c
# Load balancing: the balancer's decisions (pure), its round in the HA
# manager, its API and hvctl balance.
PLATFORM_SRCS += platform/balance.c platform/balance_run.c \
	platform/api_balance.c
HVCTL_SRCS += platform/hvctl_balance.c
