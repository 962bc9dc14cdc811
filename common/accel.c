/*
 * accel.c - the accelerator decision: KVM only when a probe guest really
 * ran under it, TCG otherwise, with the reason; cached per machine boot.
 * accel.h has the contract, docs/accel.md the why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel.h"
#include "clock.h"
#include "err.h"
#include "proc.h"

#define DEFAULT_QEMU "qemu-system-x86_64"
#define DEFAULT_DEV "/dev/kvm"
#define BOOT_ID "/proc/sys/kernel/random/boot_id"

/*
 * The probe guest: 64 KiB of firmware whose reset vector (the last 16
 * bytes, at 0xfffffff0) runs `mov al, 0x2a; out 0xf4, al; hlt; jmp $-1`.
 * isa-debug-exit at 0xf4 turns the byte into QEMU's exit code
 * (0x2a << 1) | 1.
 */
#define ROM_SIZE 65536
#define PROBE_PORT "0xf4"
#define PROBE_EXIT ((0x2a << 1) | 1)
static const unsigned char reset_code[] = {
	0xb0, 0x2a,		/* mov al, 0x2a */
	0xe6, 0xf4,		/* out 0xf4, al */
	0xf4,			/* hlt */
	0xeb, 0xfd,		/* jmp back to hlt */
};

static const char *const mode_names[] = {
	[ACCEL_AUTO] = "auto", [ACCEL_KVM] = "kvm", [ACCEL_TCG] = "tcg",
};

int
accel_mode_parse(const char *s, enum accel_mode *m, char *err)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (s != NULL && strcmp(s, mode_names[i]) == 0) {
			*m = (enum accel_mode)i;
			return 0;
		}
	return err_set(err, "accelerator '%s' is not one of auto, kvm, tcg",
	    s ? s : "");
}

const char *
accel_mode_name(enum accel_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ?
	    mode_names[m] : "?";
}

int
accel_mode_env(enum accel_mode def, enum accel_mode *m, char *err)
{
	const char *v = getenv("HVLAB_ACCEL");

	*m = def;
	if (v == NULL || *v == '\0')
		return 0;
	if (accel_mode_parse(v, m, err) == -1)
		return err_prefix(err, "HVLAB_ACCEL");
	return 0;
}

static void
choice_set(struct accel_choice *c, const char *accel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
choice_set(struct accel_choice *c, const char *accel, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->ac_accel, sizeof(c->ac_accel), "%s", accel);
	va_start(ap, fmt);
	vsnprintf(c->ac_reason, sizeof(c->ac_reason), fmt, ap);
	va_end(ap);
}

/* The firmware image into a new file under /tmp; its path in path. */
static int
rom_write(char *path, size_t len, char *err)
{
	unsigned char *rom;
	int fd, rc = -1;

	snprintf(path, len, "/tmp/hvlab-accel-probe.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return err_errno(err, "probe firmware %s", path);
	if ((rom = calloc(1, ROM_SIZE)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	memset(rom, 0xf4, ROM_SIZE);	/* hlt everywhere else */
	memcpy(rom + ROM_SIZE - 16, reset_code, sizeof(reset_code));
	if (write(fd, rom, ROM_SIZE) != ROM_SIZE)
		err_errno(err, "probe firmware %s", path);
	else
		rc = 0;
	free(rom);
out:
	close(fd);
	if (rc == -1)
		unlink(path);
	return rc;
}

/* The last non-empty line of s into buf ("" when none). */
static void
last_line(const char *s, char *buf, size_t len)
{
	const char *end, *start;

	buf[0] = '\0';
	if (s == NULL)
		return;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

int
accel_probe(const struct accel_req *r, char *why, size_t whylen,
    long *took_ms, char *err)
{
	const char *qemu = r->ar_qemu ? r->ar_qemu : DEFAULT_QEMU;
	const char *try = r->ar_try ? r->ar_try : "kvm";
	long limit = r->ar_timeout_ms > 0 ? r->ar_timeout_ms : ACCEL_PROBE_MS;
	char rom[64], machine[64], line[256], e[ERR_LEN];
	struct proc_result pr;
	uint64_t t0;
	int code, rc;

	if (rom_write(rom, sizeof(rom), err) == -1)
		return -1;
	snprintf(machine, sizeof(machine), "q35,accel=%s", try);
	{
		/* -cpu host under KVM sets the host's MSRs on the vCPU: the
		 * step that aborts QEMU on a KVM that cannot run guests. */
		const char *argv[] = { qemu, "-machine", machine, "-cpu",
		    strcmp(try, "kvm") == 0 ? "host" : "max", "-m", "16",
		    "-smp", "1", "-nodefaults", "-no-user-config", "-display",
		    "none", "-no-reboot", "-bios", rom, "-device",
		    "isa-debug-exit,iobase=" PROBE_PORT ",iosize=1", NULL };

		memset(&pr, 0, sizeof(pr));
		t0 = clock_mono_ns();
		(void)proc_run(argv, NULL, limit, &pr, e);
		*took_ms = (long)((clock_mono_ns() - t0) / NS_PER_MS);
	}
	unlink(rom);
	code = proc_exit_code(pr.status);
	last_line(pr.errout, line, sizeof(line));
	rc = 0;
	if (pr.timed_out)
		snprintf(why, whylen, "a probe guest under %s did not finish "
		    "in %.1f s", try, (double)limit / 1e3);
	else if (code == PROBE_EXIT)
		rc = 1;
	else if (line[0] != '\0')
		snprintf(why, whylen, "%s exited %d: %s", qemu, code, line);
	else
		snprintf(why, whylen, "%s", e[0] ? e : "the probe guest "
		    "did not run");
	proc_result_free(&pr);
	return rc;
}

/* This boot's id, or "" when the kernel does not tell. */
static void
boot_id(char *buf, size_t len)
{
	FILE *f = fopen(BOOT_ID, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The key a cached answer is valid for: boot, QEMU, what was tried. */
static void
cache_key(const struct accel_req *r, char *buf, size_t len)
{
	char id[64];

	boot_id(id, sizeof(id));
	snprintf(buf, len, "%s %s %s", id, r->ar_qemu ? r->ar_qemu :
	    DEFAULT_QEMU, r->ar_try ? r->ar_try : "kvm");
}

/* 1 with c filled from a cache written for key, else 0. */
static int
cache_read(const char *path, const char *key, struct accel_choice *c)
{
	char k[512], a[16], reason[sizeof(c->ac_reason)];
	FILE *f;
	int ok = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(k, sizeof(k), f) && fgets(a, sizeof(a), f) &&
	    fgets(reason, sizeof(reason), f)) {
		k[strcspn(k, "\n")] = a[strcspn(a, "\n")] = '\0';
		reason[strcspn(reason, "\n")] = '\0';
		if (strcmp(k, key) == 0 && (strcmp(a, "kvm") == 0 ||
		    strcmp(a, "tcg") == 0)) {
			choice_set(c, a, "%s", reason);
			ok = 1;
		}
	}
	fclose(f);
	return ok;
}

/* Best effort: a cache that cannot be written costs a probe next time. */
static void
cache_write(const char *path, const char *key, const struct accel_choice *c)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%s\n%s\n%s\n", key, c->ac_accel, c->ac_reason);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

int
accel_choose(const struct accel_req *r, struct accel_choice *c, char *err)
{
	const char *dev = r->ar_dev ? r->ar_dev : DEFAULT_DEV;
	char key[512], why[256];
	long ms = 0;
	int fd, ran;

	memset(c, 0, sizeof(*c));
	if (r->ar_mode == ACCEL_TCG) {
		choice_set(c, "tcg", "TCG as configured (accel tcg)");
		return 0;
	}
	if ((fd = open(dev, O_RDWR | O_CLOEXEC)) == -1) {
		if (r->ar_mode == ACCEL_KVM)
			return err_errno(err, "accel kvm is configured, but "
			    "%s cannot be opened", dev);
		choice_set(c, "tcg", "no usable %s (%s); using TCG", dev,
		    strerror(errno));
		return 0;
	}
	close(fd);
	if (r->ar_mode == ACCEL_KVM) {
		choice_set(c, "kvm", "KVM as configured (accel kvm; not "
		    "probed)");
		return 0;
	}
	cache_key(r, key, sizeof(key));
	if (cache_read(r->ar_cache, key, c)) {
		c->ac_cached = 1;
		return 0;
	}
	if ((ran = accel_probe(r, why, sizeof(why), &ms, err)) == -1)
		return -1;
	c->ac_probed = 1;
	c->ac_probe_ms = ms;
	if (ran)
		choice_set(c, "kvm", "KVM runs guests (a probe guest ran "
		    "under it in %ld ms)", ms);
	else
		choice_set(c, "tcg", "KVM present but cannot run guests: %s; "
		    "using TCG", why);
	cache_write(r->ar_cache, key, c);
	return 0;
}
