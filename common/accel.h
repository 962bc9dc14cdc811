/*
 * accel.h - which accelerator QEMU should use on this machine, decided by
 * trying.
 *
 * A /dev/kvm that opens is not a KVM that runs guests: nested clouds,
 * containers with the device passed through, and hosts whose KVM runs only
 * special paravirtual guests all answer the device's ioctls and then hang
 * or abort QEMU.  So `auto` uses KVM only after a probe guest really ran
 * under it: QEMU boots a 64 KiB firmware image whose reset vector writes
 * one byte to an isa-debug-exit port, which makes QEMU exit with a known
 * code.  Anything else (no device, a QEMU that aborts, a probe that does
 * not finish in time) means TCG, with the reason.  The decision is cached
 * per boot of the machine (the kernel's boot_id) in a file the caller
 * names.  docs/accel.md describes the whole.
 */
#ifndef HV_ACCEL_H
#define HV_ACCEL_H

enum accel_mode { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* "auto", "kvm", "tcg" -> mode; -1 with err naming the accepted words. */
int accel_mode_parse(const char *s, enum accel_mode *m, char *err);
const char *accel_mode_name(enum accel_mode m);

/*
 * The mode from the environment variable HVLAB_ACCEL when set (it
 * overrides a configured one), else def.  -1 with err when the variable
 * holds something else than auto, kvm or tcg.
 */
int accel_mode_env(enum accel_mode def, enum accel_mode *m, char *err);

struct accel_req {
	enum accel_mode ar_mode;
	const char *ar_qemu;	/* QEMU binary; NULL = qemu-system-x86_64 */
	const char *ar_dev;	/* NULL = /dev/kvm */
	const char *ar_cache;	/* cache file; NULL = no cache */
	const char *ar_try;	/* what the probe tries; NULL = "kvm" */
	long ar_timeout_ms;	/* probe time limit; 0 = ACCEL_PROBE_MS */
};

#define ACCEL_PROBE_MS 5000

struct accel_choice {
	char ac_accel[8];	/* "kvm" or "tcg": QEMU's accel= word */
	char ac_reason[384];	/* one sentence: why */
	int ac_probed;		/* the probe ran now (not cached, not forced) */
	int ac_cached;		/* the answer came from the cache */
	long ac_probe_ms;	/* how long the probe took when it ran */
};

/*
 * Decide.  ACCEL_TCG: tcg, nothing tried.  ACCEL_KVM: kvm when the device
 * opens read-write, else -1 with err (a forced KVM is not silently
 * dropped).  ACCEL_AUTO: tcg when the device does not open, else the
 * cached answer for this boot and this QEMU, else the probe's answer
 * (written to the cache).  Returns 0 with c filled, or -1 with err.
 */
int accel_choose(const struct accel_req *r, struct accel_choice *c,
    char *err);

/*
 * Run the probe guest once under r->ar_try (default "kvm"): 1 when it ran
 * (guest code executed and QEMU exited with the probe's code), 0 when it
 * did not (why says what QEMU said, or that it hung), -1 when the probe
 * could not be set up (err).
 */
int accel_probe(const struct accel_req *r, char *why, size_t whylen,
    long *took_ms, char *err);

#endif
