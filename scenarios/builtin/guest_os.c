/*
 * guest_os.c - the `guest-os` built-in (the study's "Guest OS support"
 * row): each guest kind the lab has an image for (build/guest/: its
 * Linux) is booted once; guest_kinds counts those that answered.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/builtin/builtin.h"

static const struct {
	const char *vm, *label;
} kinds[] = {
	{ "gos-linux", "linux (the lab's Debian kernel and busybox "
	    "initramfs)" },
};

int
builtin_guest_os(struct sctx *s, char *err)
{
	struct boot_one b;
	char text[1024] = "";
	size_t i;
	int r, booted = 0;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.b_vm = kinds[i].vm;
		b.b_host = s->rc->hosts[0].h_name;
		b.b_vcpus = 1;
		b.b_memory_mib = 128;
		r = boot_one(s, &b, 120 * NS_PER_S);
		if (r == -1 || r == DRIVER_UNSUPPORTED)
			return err_set(err, "%s", b.b_why), r;
		booted += r == 1;
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "%s%s %s", *text ? "; " : "", kinds[i].label, r == 1 ?
		    "boots" : "does not boot");
		if (r == 1 && i == 0)
			metrics_set(&s->run->r_metrics, "boot_s", b.b_boot_s);
	}
	results_set_str(&s->run->r_reason, "%s; %zu guest kind%s in the lab",
	    text, i, i == 1 ? "" : "s");
	metrics_set(&s->run->r_metrics, "guest_kinds", booted);
	return 0;
}
