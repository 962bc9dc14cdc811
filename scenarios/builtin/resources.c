/*
 * resources.c - the `resources` built-in (the study's "Resources per
 * hypervisor" row): the most vCPUs and the most memory one VM boots with
 * and really gets (asked inside the guest), and how many VMs one host
 * runs at once, each found by trying, bounded by the scenario's params
 * (vcpus_max, memory_mib_max, vms_max).
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/builtin/builtin.h"

/* One step of a resources search: what was asked, what the guest got. */
struct search {
	const char *sr_what;		/* "cpu" or "mem" */
	int sr_start, sr_max;		/* first value, the ceiling */
	int sr_best;			/* largest that booted and got it */
	int sr_ceiling;			/* the ceiling itself passed */
	long sr_got;			/* the guest's figure at sr_best */
};

/*
 * Boot one VM with v vCPUs (cpu) or v MiB (mem) and ask the guest what it
 * got: 1 when it booted and has them (all the vCPUs online; MemTotal
 * within max(64 MiB, v/8) of v: the kernel keeps some), 0 when not (why),
 * DRIVER_UNSUPPORTED or -1.
 */
static int
search_step(struct sctx *s, struct search *sr, int v, long *got, char *why)
{
	struct boot_one b;
	char vm[SUITE_NAME_MAX];
	int cpu = strcmp(sr->sr_what, "cpu") == 0, r;
	long slack = v / 8 > 64 ? v / 8 : 64;

	memset(&b, 0, sizeof(b));
	snprintf(vm, sizeof(vm), "res-%s-%d", sr->sr_what, v);
	b.b_vm = vm;
	b.b_host = s->rc->hosts[0].h_name;
	b.b_vcpus = cpu ? v : 1;
	b.b_memory_mib = cpu ? 128 : v;
	b.b_check = 1;
	r = boot_batch(s, &b, 1, 120 * NS_PER_S);
	snprintf(why, ERR_LEN, "%s", b.b_why);
	if (r != 0 || !b.b_result)
		return r != 0 ? r : 0;
	*got = cpu ? b.b_cpus : b.b_mem_mib;
	if (cpu && b.b_cpus != v)
		return err_set(why, "asked for %d vCPUs, the guest has %d "
		    "online", v, b.b_cpus), 0;
	if (!cpu && (b.b_mem_mib > v || b.b_mem_mib < v - slack))
		return err_set(why, "asked for %d MiB, the guest's MemTotal "
		    "is %ld MiB", v, b.b_mem_mib), 0;
	return 1;
}

/*
 * The largest value that boots and that the guest really got: the ceiling
 * first (when it passes, the answer is ">= ceiling" in one boot), else
 * doubling from the start until the first failure.
 */
static int
search_max(struct sctx *s, struct search *sr, char *err)
{
	char why[ERR_LEN];
	long got = -1;
	int v, r;

	sr->sr_best = 0;
	sr->sr_ceiling = 0;
	if (sr->sr_max > sr->sr_start) {
		r = search_step(s, sr, sr->sr_max, &got, why);
		if (r == -1 || r == DRIVER_UNSUPPORTED)
			return err_set(err, "%s", why), r;
		if (r == 1) {
			sr->sr_best = sr->sr_max;
			sr->sr_ceiling = 1;
			sr->sr_got = got;
			return 0;
		}
	}
	for (v = sr->sr_start; (v < sr->sr_max || v == sr->sr_start) &&
	    !runner_stop; v *= 2) {
		r = search_step(s, sr, v, &got, why);
		if (r == -1 || r == DRIVER_UNSUPPORTED)
			return err_set(err, "%s", why), r;
		if (r == 0 && v == sr->sr_start)
			return err_set(err, "even the smallest VM (%s %d) does "
			    "not boot: %s", sr->sr_what, v, why);
		if (r == 0)
			break;
		sr->sr_best = v;
		sr->sr_got = got;
	}
	return 0;
}

/*
 * VMs per host: start nvms at once on the first host (stopping at the
 * first the platform refuses, why), count the ones that answer within
 * 180 s into *up; *n = how many were started.  0, or -1 with err.
 */
static int
vms_per_host(struct sctx *s, int nvms, int *n, int *up, char *why)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	char vm[SUITE_NAME_MAX], a[64], e[ERR_LEN];
	char cmdline[GUEST_CMDLINE_MAX];
	struct drv_vm_spec sp;
	struct drv_task t;
	uint64_t end;
	int i;

	for (*n = 0; *n < nvms; (*n)++) {
		memset(&sp, 0, sizeof(sp));
		snprintf(vm, sizeof(vm), "res-n%d", *n);
		sp.v_name = vm;
		sp.v_host = s->rc->hosts[0].h_name;
		if (guest_prepare(s, vm, -1, &sp, cmdline, why) == -1)
			return -1;
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t,
		    why), &t, TASK_TIMEOUT_NS, why) != 0)
			break;
		vm_track(s->rc, vm, 1);
		drv_task_init(&t);
		if (drv_finish(s->rc, ops->vm_start(s->rc->drv, vm, &t, why),
		    &t, TASK_TIMEOUT_NS, why) != 0)
			break;
	}
	progress(s->rc, "run %zu: %d VMs on %s", s->runno, *n,
	    s->rc->hosts[0].h_name);
	end = clock_mono_ns() + 180 * NS_PER_S;
	for (i = 0, *up = 0; i < *n && !runner_stop; ) {
		snprintf(vm, sizeof(vm), "vm:res-n%d", i);
		if (resolve_addr(s, vm, a, sizeof(a), e) == 0 &&
		    ping_once(s, a, e) == 1) {
			(*up)++;
			i++;
		} else if (clock_mono_ns() >= end)
			i++;	/* give up on this one */
	}
	return 0;
}

int
builtin_resources(struct sctx *s, char *err)
{
	const struct scenario *sc = s->sc;
	struct metrics *m = &s->run->r_metrics;
	char why[ERR_LEN] = "";
	int r, n, up, nvms;
	struct search cpu = { "cpu", 1, (int)param_long(sc, "vcpus_max", 8),
	    0, 0, -1 };
	struct search mem = { "mem", 128, (int)param_long(sc,
	    "memory_mib_max", 2048), 0, 0, -1 };

	if ((r = search_max(s, &cpu, err)) != 0 ||
	    (r = search_max(s, &mem, err)) != 0)
		return r;
	metrics_set(m, "max_vcpus", cpu.sr_best);
	metrics_set(m, "guest_cpus", cpu.sr_got);
	metrics_set(m, "max_memory_mib", mem.sr_best);
	metrics_set(m, "guest_mem_total_mib", mem.sr_got);
	nvms = (int)param_long(sc, "vms_max", 4);
	if (vms_per_host(s, nvms, &n, &up, why) == -1)
		return err_set(err, "%s", why);
	if (up == 0) {
		vms_teardown(s->rc);
		return err_set(err, "none of %d VMs answered (%s)", n, why);
	}
	metrics_set(m, "max_vms", up);
	metrics_set(m, "vms_tried", n);
	/* A ceiling that passed is a lower bound, and says so. */
	results_set_str(&s->run->r_reason, "vCPUs %s%d (the guest saw %ld "
	    "online), memory %s%d MiB (MemTotal %ld MiB), VMs per host "
	    "%s%d", cpu.sr_ceiling ? ">= " : "", cpu.sr_best, cpu.sr_got,
	    mem.sr_ceiling ? ">= " : "", mem.sr_best, mem.sr_got,
	    up == nvms ? ">= " : "", up);
	metrics_set(m, "vcpus_at_ceiling", cpu.sr_ceiling);
	metrics_set(m, "memory_at_ceiling", mem.sr_ceiling);
	metrics_set(m, "vms_at_ceiling", up == nvms);
	vms_teardown(s->rc);
	return 0;
}
