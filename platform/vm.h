/*
 * vm.h - one QEMU process per VM: its configuration, its command line, and
 * its life (start, adopt after an hvd restart, status, ACPI shutdown, hard
 * stop).
 *
 * A VM runs as a detached QEMU (a double fork: its own session,
 * re-parented away from hvd) under QEMU's seccomp filter (-sandbox), so a
 * crash or restart of the control plane never kills it.
 * Everything hvd needs to find it again lives in the VM's run directory
 * RUN_BASE/NAME/: qmp.sock (QMP), qemu.pid, serial.log (the guest console)
 * and vm.json (the configuration it was started with).  vm_adopt checks that
 * the pid in qemu.pid is still a QEMU started for this VM (/proc/PID/cmdline
 * carries "-name guest=NAME" and the QMP socket path) before trusting it.
 *
 * The configuration is data (struct vm_config) with a strict JSON form, so
 * the control plane stores it in etcd and takes it from API bodies.  Disks
 * name a pool and a volume; the caller resolves them (storage.h) into
 * vm_disk.path before vm_start.  NICs become tap ports with a VLAN tag on
 * the host's OVS bridge (netcfg.h).
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <limits.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#include "platform/qmp.h"

#define VM_NAME_MAX	48	/* [A-Za-z0-9_.-], starts with alnum */
#define VM_MAX_DISKS	8
#define VM_MAX_NICS	8
#define VM_PATH_MAX	512
#define VM_CMDLINE_MAX	1024

struct vm_disk {
	char pool[64];		/* storage pool name */
	char volume[128];	/* volume name in the pool */
	char format[16];	/* "qcow2" (default) or "raw" */
	char cache[16];		/* "none" (default), "directsync", "writeback",
				 * "writethrough", "unsafe" */
	int readonly;
	char path[VM_PATH_MAX];	/* resolved file or iscsi:// URI; not part of
				 * the stored config (filled by the caller) */
};

struct vm_nic {
	int vlan;		/* 0 = untagged, 1..4094 = access VLAN */
	char mac[18];		/* "52:54:00:xx:xx:xx"; empty = derived */
	char model[24];		/* "virtio-net-pci" (default) */
};

struct vm_config {
	char name[VM_NAME_MAX + 1];
	int vcpus;		/* 1..64 */
	int memory_mib;		/* 16..1048576 */
	char machine[32];	/* "q35" (default), "pc", "microvm" */
	char cpu[32];		/* -cpu model; empty = QEMU's default */
	char kernel[VM_PATH_MAX];	/* direct kernel boot when set */
	char initrd[VM_PATH_MAX];
	char cmdline[VM_CMDLINE_MAX];
	int ndisks;
	struct vm_disk disks[VM_MAX_DISKS];
	int nnics;
	struct vm_nic nics[VM_MAX_NICS];
};

/* Where and how this host runs VMs (from hvd's config). */
struct vm_host {
	char run_base[VM_PATH_MAX];	/* "/run/hvd/vms" */
	char qemu[VM_PATH_MAX];		/* "qemu-system-x86_64" */
	char bridge[32];		/* OVS bridge for VM NICs, "" = none */
	char ovs_db[VM_PATH_MAX];	/* ovsdb socket path, "" = default */
	char accel[8];			/* "kvm", "tcg"; "" = kvm:tcg */
};

/* A running (or just started) VM. */
struct vm_proc {
	char name[VM_NAME_MAX + 1];
	char dir[VM_PATH_MAX];		/* RUN_BASE/NAME */
	char qmp_path[VM_PATH_MAX];
	char serial_path[VM_PATH_MAX];
	pid_t pid;
	struct qmp *qmp;		/* connected QMP or NULL */
	char accel[8];			/* what QEMU uses (query-kvm), or "" */
};

/* vm_start flags */
#define VM_START_INCOMING 0x1	/* migration target: -incoming defer; its
				 * taps stay DOWN until vm_links_set(..1..)
				 * (see docs/vm.md, migration and traffic) */
#define VM_START_PAUSED   0x2	/* -S: do not run the vCPUs yet */

/*
 * Strict JSON form: {"name":S, "vcpus":N, "memory_mib":N, "machine":S,
 * "cpu":S, "kernel":S, "initrd":S, "cmdline":S, "disks":[{"pool":S,
 * "volume":S, "format":S, "cache":S, "readonly":B, "path":S}], "nics":
 * [{"vlan":N, "mac":S, "model":S}]}.  Unknown fields, wrong types and
 * too-long strings are errors naming the field; *bad_field (may be NULL)
 * points at a static copy of the field name for API error bodies.  The
 * result is checked with vm_config_check.
 */
int vm_config_from_json(const cJSON *obj, struct vm_config *c,
    char *bad_field, size_t bad_len, char *err);
/* JSON form of c (path members included when set); NULL on OOM. */
cJSON *vm_config_to_json(const struct vm_config *c);

/* Deterministic per-VM names: tap "hvXXXXXXXXnI" (fits IFNAMSIZ), MAC
 * 52:54:00:xx:xx:xx from a hash of name and index. */
void vm_tap_name(const char *vm, int nic, char *buf, size_t len);
void vm_default_mac(const char *vm, int nic, char *buf, size_t len);

/*
 * Build QEMU's argv for c on host h (run paths under RUN_BASE/NAME).
 * flags: VM_START_*.  Every disk needs its path resolved.  *argv_out is a
 * NULL-terminated array owned by the caller (vm_argv_free).  Returns 0 or
 * -1 with err.
 */
int vm_argv_build(const struct vm_host *h, const struct vm_config *c,
    int flags, char ***argv_out, char *err);
void vm_argv_free(char **argv);

/*
 * Start c: create the run dir, the tap ports (on h->bridge when set), spawn
 * QEMU detached, connect QMP once it greets.  On failure nothing is
 * left behind (taps deleted, QEMU killed, run dir removed).  Fills p.
 */
int vm_start(const struct vm_host *h, const struct vm_config *c, int flags,
    struct vm_proc *p, char *err);
/*
 * Find the QEMU of VM name after an hvd restart: pid file, /proc/PID
 * cmdline check, QMP reconnect.  Returns 1 when adopted (p filled), 0 when
 * the VM is not running (stale files are left for vm_cleanup), -1 on error
 * (e.g. the pid belongs to something else).
 */
int vm_adopt(const struct vm_host *h, const char *name, struct vm_proc *p,
    char *err);
/*
 * QEMU's run state via query-status ("running", "paused", "inmigrate",
 * "postmigrate", "shutdown", ...) into buf; "stopped" when the process is
 * gone.  Returns 0 or -1.
 */
int vm_status(struct vm_proc *p, char *buf, size_t len, char *err);
/* ACPI power button (system_powerdown), then wait up to timeout_ms for
 * QEMU to exit.  -1 with err on timeout (the VM keeps running). */
int vm_shutdown(struct vm_proc *p, long timeout_ms, char *err);
/* Hard stop: QMP quit, then SIGKILL by pid after grace_ms.  0 when gone. */
int vm_stop(struct vm_proc *p, long grace_ms, char *err);
/* After the VM is gone: delete its taps (as listed in vm.json) and its run
 * files.  Safe to call twice. */
int vm_cleanup(const struct vm_host *h, const char *name, char *err);
/*
 * Why a VM's QEMU ended, from what it left in its run dir: the last lines
 * QEMU wrote (qemu.log) and the console's last line, as one sentence into
 * buf ("" when neither says anything).  Call it before the run dir goes.
 */
void vm_exit_reason(const struct vm_host *h, const char *name, char *buf,
    size_t len);
/* Set the administrative state of VM name's taps (nnics of them) up or
 * down (taps are made up; a migration target's too, docs/vm.md). */
int vm_links_set(const char *name, int nnics, int up, char *err);
/* Set the nice value of every thread of p's QEMU (setpriority per thread
 * in /proc/PID/task).  A migration target runs at a higher priority until
 * the switchover is over: loading the last state and re-translating the
 * guest's code compete with everything else on the host's CPUs. */
int vm_priority_set(const struct vm_proc *p, int nice, char *err);
/* Close p's QMP connection (the VM keeps running). */
void vm_proc_release(struct vm_proc *p);
/* 1 when QEMU's pid is alive and is still this VM's QEMU. */
int vm_proc_alive(const struct vm_proc *p);

#endif
