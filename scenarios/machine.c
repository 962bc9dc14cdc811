/*
 * machine.c - results.json's `machine` block: what the figures were
 * measured on.  The CPU model and core count are this machine's; QEMU's
 * version and the accelerator come from the platform when it reports them
 * (a guest's QEMU answering query-kvm beats a node's decision, which beats
 * hvlab's own probe), so the block says what was used, not what a device
 * file suggests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "err.h"
#include "proc.h"
#include "scenarios/machine.h"

static void
set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v != NULL ? v : "");
}

/* "model name : AMD EPYC" from /proc/cpuinfo into buf ("" unknown). */
static void
cpu_model(char *buf, size_t len)
{
	char line[512], *v;
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0 &&
		    (v = strchr(line, ':')) != NULL) {
			v += strspn(v + 1, " \t") + 1;
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, len, "%s", v);
			break;
		}
	fclose(f);
}

/* "7.2.19" from `qemu-system-x86_64 --version` ("" when it fails). */
static void
qemu_version(char *buf, size_t len)
{
	const char *argv[] = { "qemu-system-x86_64", "--version", NULL };
	struct proc_result pr;
	char e[ERR_LEN];
	const char *v;

	buf[0] = '\0';
	memset(&pr, 0, sizeof(pr));
	if (proc_run(argv, NULL, 10000, &pr, e) == 0 && pr.out != NULL &&
	    (v = strstr(pr.out, "version ")) != NULL)
		sscanf(v + 8, "%31[0-9.]", buf);
	proc_result_free(&pr);
}

int
machine_describe(struct results *rs, char *err)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char buf[256];

	rs->rs_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_model(buf, sizeof(buf));
	set(&rs->rs_cpu, buf);
	qemu_version(buf, sizeof(buf));
	set(&rs->rs_qemu, buf);
	if (accel_mode_env(ACCEL_AUTO, &r.ar_mode, err) == -1 ||
	    accel_choose(&r, &c, err) == -1)
		return -1;
	set(&rs->rs_accel, c.ac_accel);
	set(&rs->rs_accel_source, "probe");
	set(&rs->rs_accel_reason, c.ac_reason);
	return 0;
}

void
machine_from_platform(struct results *rs, const struct drv_node_info *ni,
    const char *guest_accel)
{
	if (ni != NULL && ni->n_qemu[0] != '\0')
		set(&rs->rs_qemu, ni->n_qemu);
	if (ni != NULL && ni->n_accel[0] != '\0') {
		set(&rs->rs_accel, ni->n_accel);
		set(&rs->rs_accel_source, "platform");
		set(&rs->rs_accel_reason, ni->n_accel_reason);
	}
	if (guest_accel != NULL && guest_accel[0] != '\0') {
		set(&rs->rs_accel, guest_accel);
		set(&rs->rs_accel_source, "query-kvm");
		if (ni == NULL || ni->n_accel_reason[0] == '\0')
			set(&rs->rs_accel_reason, "what a guest's QEMU "
			    "answered to query-kvm");
	}
}
