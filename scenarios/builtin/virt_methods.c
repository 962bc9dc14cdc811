/*
 * virt_methods.c - the `virt-methods` built-in (the study's
 * "Virtualization methods" row): which machine types boot the lab's guest
 * (full virtualization on q35 and i440fx, the paravirtual microvm), all
 * three at once, and whether the driver runs containers.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/builtin/builtin.h"

static const struct {
	const char *machine, *label;
} methods[] = {
	{ "q35", "full virtualization (q35, PCIe virtio)" },
	{ "pc", "full virtualization (i440fx, PCI virtio)" },
	{ "microvm", "paravirtual machine (microvm, virtio-mmio)" },
};
enum { NM = sizeof(methods) / sizeof(methods[0]) };

int
builtin_virt_methods(struct sctx *s, char *err)
{
	struct boot_one b[NM];
	char vm[NM][SUITE_NAME_MAX], why[ERR_LEN], text[1024] = "";
	size_t i;
	int r, n = 0;

	/* All three at once: one wait instead of three. */
	memset(b, 0, sizeof(b));
	for (i = 0; i < NM; i++) {
		snprintf(vm[i], sizeof(vm[i]), "vmeth-%s", methods[i].machine);
		b[i].b_vm = vm[i];
		b[i].b_host = s->rc->hosts[0].h_name;
		b[i].b_vcpus = 1;
		b[i].b_memory_mib = 128;
		b[i].b_machine = methods[i].machine;
	}
	r = boot_batch(s, b, NM, 90 * NS_PER_S);
	if (r == -1 || r == DRIVER_UNSUPPORTED)
		return err_set(err, "%s", b[0].b_why), r;
	if (!b[0].b_result)
		return err_set(err, "%s, the default, does not boot: %s",
		    methods[0].label, b[0].b_why);
	for (i = 0; i < NM; i++) {
		n += b[i].b_result;
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s: %s", *text ? "; " : "", methods[i].label,
		    b[i].b_result ? "boots" : "does not boot");
	}
	/* No driver runs containers yet: the cell says so with the
	 * driver's own reason, never a bare "no". */
	if (!driver_supports(s->rc->drv, "containers", why))
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "; containers: unsupported (%s)", why);
	else
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "; containers: the driver has them, but this row does "
		    "not try them yet");
	results_set_str(&s->run->r_reason, "%s", text);
	metrics_set(&s->run->r_metrics, "methods_booted", n);
	return n > 0 ? 0 : err_set(err, "%s", text);
}
