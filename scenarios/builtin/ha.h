/*
 * ha.h - the `ha` built-in scenario (the study's "High availability"
 * row): an HA VM with its disk on the shared iSCSI pool loses its host,
 * and the platform must bring it back on another host without ever
 * running two copies and without losing a write the guest acknowledged.
 *
 * The drill, per run: the VM is created on the victim host (a host that
 * is not the HA manager's, or, with victim: manager, the manager's own
 * host) with its disk on the pool `san`, started and made an HA resource
 * through the driver (ha_enable).  Once it answers, the station pings it
 * (ping probe, 100 ms) and the write-integrity probe journals on its
 * disk; a sampler counts the VM's running copies in every lab host's pid
 * namespace every 100 ms.  Then the fault is injected through the lab
 * (`hvlab inject power-pull HOST` or `partition HOST`), the runner waits
 * for the VM's agent to answer again (the integrity probe's verify), and
 * reads the platform's recovery log (ha_status).  Afterwards the victim
 * is powered on again (power_on) or the partition healed, and for watch_s
 * the old host must not start the VM again.
 *
 * Figures (pure: ha_figures): detect_s (fault -> the manager's detection),
 * restart_s (fault -> restart decided), failover_s (fault -> first ping
 * reply from the restarted VM), boot_s (restart decided -> first reply),
 * and from the sampler max_running_copies, fence_s (partition -> the
 * victim's copy gone), old_host_started.  Integrity: lost_acked_writes.
 */
#ifndef HV_SCENARIO_HA_H
#define HV_SCENARIO_HA_H

#include <stddef.h>
#include <stdint.h>

#include "probes/ping_stats.h"
#include "reports/results.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/suite.h"

enum ha_fault { HA_FAULT_POWER_PULL, HA_FAULT_PARTITION };
enum ha_victim { HA_VICTIM_VM_HOST, HA_VICTIM_MANAGER };

struct ha_params {
	enum ha_fault hp_fault;		/* fault: power-pull | partition */
	enum ha_victim hp_victim;	/* victim: vm-host | manager */
	int hp_power_on;		/* power_on: the pulled host comes
					 * back during the run (default yes) */
	uint64_t hp_watch_ns;		/* watch_s: after power-on/heal, how
					 * long the old host is watched (10) */
	uint64_t hp_interval_ns;	/* interval_ms: ping interval (100) */
	uint64_t hp_timeout_ns;		/* timeout_s: the VM must answer again
					 * within this after the fault (180) */
	int hp_memory_mib;		/* memory_mib (128) */
	int hp_vlan;			/* vlan: the VM NIC's VLAN, -1 = the
					 * station's (the lab has no router:
					 * the probes reach only that one) */
	int hp_integrity;		/* integrity: journal on the disk (yes) */
	char hp_fencing[16];		/* ha_fencing: watchdog|bmc|both, set
					 * through the driver before the
					 * drill; "" = the platform's own */
};

/*
 * The scenario's params (scenarios.yaml) into hp, defaults first.
 * 0, or -1 with err naming the key and what it accepts.  Pure.
 */
int ha_params_parse(const struct step_param *p, size_t n,
    struct ha_params *hp, char *err);

/*
 * The lab's events (events.jsonl text): when host's BMC powered it off
 * (a "power-pull" with "source":"bmc") at or after after_ns, into
 * *wall_ns.  1 when the host's last BMC action since then is that
 * power-off (it is off), 0 when there is none.  Pure.
 */
int ha_bmc_off_at(const char *events, const char *host, uint64_t after_ns,
    uint64_t *wall_ns);

/* v as an integer in lo..hi into *out: 0, or -1 with err naming key
 * ("params: KEY: 'V' is not an integer in LO..HI").  Pure. */
int ha_param_long(const char *key, const char *v, long lo, long hi,
    long *out, char *err);

/* When things happened (wall ns, 0 = not seen). */
struct ha_times {
	uint64_t ht_fault;		/* the lab's stamp of the injection */
	uint64_t ht_detected;		/* platform: node loss seen */
	uint64_t ht_restart;		/* platform: restart decided */
	uint64_t ht_started;		/* platform: VM running again */
	uint64_t ht_fenced;		/* platform: the node fenced */
};

/* The figures of one drill; < 0 = not measured. */
struct ha_figs {
	double hf_detect_s;
	double hf_fence_done_s;		/* fault -> platform logged the fence */
	double hf_restart_s;
	double hf_failover_s;
	double hf_boot_s;
	double hf_started_s;		/* fault -> platform says running */
	double hf_last_reply_s;		/* last reply before the fault,
					 * relative to it (<= 0) */
	uint64_t hf_first_reply_ns;	/* wall ns, 0 = none */
	uint64_t hf_last_reply_ns;	/* wall ns, 0 = none */
};

/*
 * Figures from the platform's times and the ping timeline (slots with
 * wall ns).  The first reply from the restarted VM is the first reply to
 * a request sent after the fault that arrived after the restart was
 * decided (the lost copy may answer a request sent a moment before its
 * host died; no reply can come from a copy not yet restarted).  Without
 * a restart time, any reply to a request sent after the fault counts.
 * Pure.
 */
void ha_figures(const struct ha_times *t, const struct ping_slot *slots,
    size_t n, struct ha_figs *f);

/* The platform's recovery log -> ha_times: the first of each step at or
 * after t->ht_fault.  Pure. */
void ha_times_from_status(const struct drv_ha_status *hs,
    struct ha_times *t);

/* A process as the copy counter sees it. */
struct ha_proc {
	int p_pid, p_ppid;
	uint64_t p_ns;			/* pid namespace inode */
	int p_match;			/* its command line names the VM */
	int p_vcpus;			/* its threads named "CPU N/..." that
					 * run (ha_vcpus_running) */
};

/*
 * Running copies of the VM in the hosts' pid namespaces ns[0..nns) (at
 * most 64): a copy is a process whose command line names the VM and that
 * runs vCPUs (p_vcpus > 0: QEMU's vCPU threads, "CPU 0/TCG" or "CPU
 * 0/KVM" with -name ...,debug-threads=on, which hvd and libvirt pass,
 * that got CPU time in the last two sample periods).
 * QEMU's -daemonize parent, waiting with the VM's command line while its
 * double-forked child sets the VM up, runs no vCPU and is not a copy; two
 * QEMUs of one VM on one host are two.  per[i] (per may be NULL) gets the
 * copies in ns[i]; returns the total over all hosts.  Pure.
 */
int ha_count_copies(const struct ha_proc *p, size_t n, const uint64_t *ns,
    size_t nns, int *per);

/* A QEMU's vCPU threads' CPU time as the sampler saw it last. */
struct ha_vcpu_hist {
	uint64_t vh_ns;			/* their summed run time (schedstat) */
	int vh_seen;			/* vh_ns is from an earlier sample */
	int vh_ran;			/* it grew in the period before */
};

/*
 * Whether the QEMU whose vCPU threads have run ns_now in all runs its
 * guest: its vCPUs got CPU time in this sample period and in the one
 * before (1), else 0; h is updated.  A paused QEMU (a migration's
 * -incoming target, its source after the switchover) holds vCPU threads
 * that do not run; requiring two periods keeps a switchover, where the
 * source runs until a moment before the target starts, from looking like
 * two copies, while two copies that both run for two periods are seen.
 * Pure.
 */
int ha_vcpus_running(struct ha_vcpu_hist *h, uint64_t ns_now);

/* ---- the copy count on real servers (ha_copies_remote.c) ---- */

/* A process naming the VM as a host's answer gives it. */
struct ha_rproc {
	int rp_pid, rp_ppid;		/* in the host's pid namespace */
	int rp_vcpus;			/* its threads named "CPU N/..." */
	uint64_t rp_vcpu_ns;		/* their summed run time (schedstat) */
};

/*
 * The shell command a host runs for one sample: for each process whose
 * command line names vm (hvlab.name=VM), a line "P PID PPID" and one "T
 * SCHEDSTAT_NS COMM" per thread; "E" last.  vm: letters, digits, '-',
 * '_'.  Into buf; 0, or -1 with err naming what is wrong.  Pure.
 */
int ha_rscan_script(const char *vm, char *buf, size_t len, char *err);

/*
 * A host's answer to that command into p[0..*n) (at most max).  An answer
 * without its "E" line was cut short; a line of any other form is an
 * error naming its number.  0, or -1 with err.  Pure.
 */
int ha_rscan_parse(const char *out, struct ha_rproc *p, size_t max,
    size_t *n, char *err);

/*
 * Whether p's vCPUs run (ha_vcpus_running), by its history among
 * hist_pid[0..*nhist) (at most max kept; past that a QEMU counts).
 * Pure.
 */
int ha_rscan_running(int *hist_pid, struct ha_vcpu_hist *hist,
    size_t *nhist, size_t max, const struct ha_rproc *p);

#endif
