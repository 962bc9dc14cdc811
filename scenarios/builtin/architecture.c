/*
 * architecture.c - the `architecture` built-in (the study's "Server
 * architecture" row): what each node's platform says it runs (hypervisor,
 * QEMU version, CPU architecture), and the accelerator a guest's QEMU
 * really uses, learnt by booting one small VM on the first node.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/builtin/builtin.h"

/* "QEMU 7.2.19 (TCG) on x86_64" of every node: the first, and the nodes
 * that differ from it, into text; the count of those like the first. */
static int
arch_nodes(struct sctx *s, char text[1024], size_t *same,
    struct drv_node_info *first_ni, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	const size_t len = 1024;
	struct drv_node_info ni;
	char first[256] = "", one[256];
	size_t i;

	*same = 0;
	for (i = 0; i < s->rc->env.e_nhosts; i++) {
		if (ops->node_info(s->rc->drv, s->rc->hosts[i].h_name, &ni,
		    err) == -1)
			return -1;
		if (ni.n_hypervisor[0] == '\0' || ni.n_arch[0] == '\0')
			return err_set(err, "node %s: the platform reports no "
			    "%s", s->rc->hosts[i].h_name,
			    ni.n_hypervisor[0] ? "CPU architecture" :
			    "hypervisor");
		snprintf(one, sizeof(one), "%s on %s", ni.n_hypervisor,
		    ni.n_arch);
		if (i == 0) {
			snprintf(first, sizeof(first), "%s", one);
			*first_ni = ni;
			snprintf(text, len, "%s", first);
		}
		if (strcmp(one, first) == 0)
			(*same)++;
		else if (strlen(text) + strlen(one) + 40 < len)
			snprintf(text + strlen(text), len - strlen(text),
			    "; %s: %s", s->rc->hosts[i].h_name, one);
	}
	return 0;
}

int
builtin_architecture(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_node_info ni;
	struct boot_one b;
	char text[1024] = "";
	size_t same;
	int r;

	if (ops->node_info == NULL)
		return err_set(err, "%s: the platform's API describes no "
		    "node's hypervisor or CPU architecture yet", ops->name),
		    DRIVER_UNSUPPORTED;
	if (arch_nodes(s, text, &same, &ni, err) == -1)
		return -1;
	metrics_set(&s->run->r_metrics, "cpus", ni.n_cpus);
	if (ni.n_memory_bytes > 0)
		metrics_set(&s->run->r_metrics, "memory_bytes",
		    (double)ni.n_memory_bytes);
	metrics_set(&s->run->r_metrics, "hosts", (double)s->rc->env.e_nhosts);
	s->rc->accel_seen[0] = '\0';
	memset(&b, 0, sizeof(b));
	b.b_vm = "arch-accel";
	b.b_host = s->rc->hosts[0].h_name;
	b.b_vcpus = 1;
	b.b_memory_mib = 128;
	r = boot_one(s, &b, 120 * NS_PER_S);
	if (r == DRIVER_UNSUPPORTED || r == -1)
		return err_set(err, "%s", b.b_why), r;
	if (r == 0 || s->rc->accel_seen[0] == '\0')
		return err_set(err, "a guest on %s, booted to ask its "
		    "accelerator: %s", s->rc->hosts[0].h_name, r == 0 ?
		    b.b_why : "the platform does not report it");
	metrics_set(&s->run->r_metrics, "kvm",
	    strcmp(s->rc->accel_seen, "kvm") == 0);
	results_set_str(&s->run->r_reason, "%s (%zu of %zu nodes); a guest "
	    "runs under %s (QEMU's query-kvm)%s%s", text, same,
	    s->rc->env.e_nhosts, strcmp(s->rc->accel_seen, "kvm") == 0 ?
	    "KVM" : "TCG", ni.n_accel_reason[0] ? "; " : "",
	    ni.n_accel_reason);
	return 0;
}
