/*
 * clone.c - the `clone-template` built-in (the study's "Clone and
 * templates" row): a VM made from the lab's bootable disk image becomes
 * a template; a full and a linked clone are made of it (each timed, the
 * linked clone's disk measured before it first boots), both are booted
 * and each must answer with its own name and address; the template's
 * image must have the checksum it had when it became a template.
 *
 * Only driver operations are used, so the row runs on every platform; a
 * platform without clones or templates is `unsupported` with its
 * driver's reason.  The clones go first, then the template, whatever
 * happened (a template with linked clones cannot go before them).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "scenarios/builtin/builtin.h"

#define MIB (1024.0 * 1024.0)

static const char *const clone_vms[2] = { "ct-full", "ct-linked" };

/* A clone of the template: made (timed) and remembered for teardown. */
static int
clone_make(struct sctx *s, const char *tmpl, const char *vm, int linked,
    const char *host, char addr[GUEST_ADDR_MAX], char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec nv;
	struct drv_task t;
	char words[GUEST_CMDLINE_MAX], a[64];
	uint64_t t0;
	int r;

	memset(&nv, 0, sizeof(nv));
	nv.v_name = vm;
	nv.v_host = host;
	/* its own name and address, as a disk-booted VM takes them */
	if (guest_prepare_disk(s, vm, -1, &nv, words, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", vm);
	if (resolve_addr(s, a, addr, GUEST_ADDR_MAX, err) == -1)
		return -1;
	progress(s->rc, "run %zu: %s clone %s of %s", s->runno, linked ?
	    "linked" : "full", vm, tmpl);
	drv_task_init(&t);
	t0 = clock_mono_ns();
	r = drv_finish(s->rc, ops->clone(s->rc->drv, tmpl, &nv, linked, &t,
	    err), &t, TASK_TIMEOUT_NS, err);
	if (r != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "%s clone "
		    "%s", linked ? "linked" : "full", vm);
	vm_track(s->rc, vm, 1);
	metrics_set(&s->run->r_metrics, linked ? "linked_clone_s" :
	    "full_clone_s", (double)(clock_mono_ns() - t0) / 1e9);
	return 0;
}

/* Start both clones, then ask each for its name and address: a clone
 * that answers as itself counts; why says what the others did. */
static void
clone_boot(struct sctx *s, char addr[2][GUEST_ADDR_MAX], char *why,
    size_t whylen)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct guest_status gs;
	struct drv_task t;
	char e[ERR_LEN];
	int i, booted = 0, started[2];

	for (i = 0; i < 2; i++) {
		drv_task_init(&t);
		started[i] = drv_finish(s->rc, ops->vm_start(s->rc->drv,
		    clone_vms[i], &t, e), &t, TASK_TIMEOUT_NS, e) == 0;
		if (!started[i])
			snprintf(why + strlen(why), whylen - strlen(why),
			    "; start %s: %s", clone_vms[i], e);
	}
	for (i = 0; i < 2; i++) {
		if (!started[i])
			continue;
		progress(s->rc, "run %zu: wait for %s's agent", s->runno,
		    clone_vms[i]);
		if (guest_status(s->rc, addr[i], 300, &gs, e) == -1)
			snprintf(why + strlen(why), whylen - strlen(why),
			    "; %s: %s", clone_vms[i], e);
		else if (strcmp(gs.gs_name, clone_vms[i]) != 0 ||
		    strncmp(gs.gs_ip, addr[i], strlen(addr[i])) != 0 ||
		    gs.gs_ip[strlen(addr[i])] != '/')
			snprintf(why + strlen(why), whylen - strlen(why),
			    "; %s answers as %s at %s", clone_vms[i],
			    gs.gs_name, gs.gs_ip);
		else
			booted++;
	}
	metrics_set(&s->run->r_metrics, "clones_booted", booted);
}

/* The template, its clones and what they measured. */
static int
clone_cycle(struct sctx *s, struct disk_guest *g, char *why, size_t whylen,
    char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_disk_info d0, d1, dl, df;
	char addr[2][GUEST_ADDR_MAX];
	struct drv_task t;
	int r;

	drv_task_init(&t);
	if ((r = drv_finish(s->rc, ops->template_make(s->rc->drv, g->dg_vm,
	    &t, err), &t, TASK_TIMEOUT_NS, err)) != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "template "
		    "%s", g->dg_vm);
	if (ops->vm_disk(s->rc->drv, g->dg_vm, 1, &d0, err) == -1)
		return err_prefix(err, "the template's image");
	if ((r = clone_make(s, g->dg_vm, clone_vms[0], 0, g->dg_host, addr[0],
	    err)) != 0 || (r = clone_make(s, g->dg_vm, clone_vms[1], 1,
	    g->dg_host, addr[1], err)) != 0)
		return r;
	/* sizes before the first boot: the linked clone's overlay only */
	if (ops->vm_disk(s->rc->drv, clone_vms[1], 0, &dl, err) == -1 ||
	    ops->vm_disk(s->rc->drv, clone_vms[0], 0, &df, err) == -1)
		return err_prefix(err, "a clone's image");
	metrics_set(&s->run->r_metrics, "linked_clone_mib",
	    (double)dl.di_alloc_bytes / MIB);
	metrics_set(&s->run->r_metrics, "full_clone_mib",
	    (double)df.di_alloc_bytes / MIB);
	clone_boot(s, addr, why, whylen);
	if (ops->vm_disk(s->rc->drv, g->dg_vm, 1, &d1, err) == -1)
		return err_prefix(err, "the template's image after the clones "
		    "ran");
	metrics_set(&s->run->r_metrics, "template_unchanged",
	    d0.di_sha256[0] != '\0' && strcmp(d0.di_sha256, d1.di_sha256) ==
	    0);
	snprintf(why + strlen(why), whylen - strlen(why), "; template image "
	    "sha256 %.12s before the clones, %.12s after they ran",
	    d0.di_sha256, d1.di_sha256);
	return 0;
}

int
builtin_clone(struct sctx *s, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct disk_guest g;
	char why[ERR_LEN] = "";
	int r, i;

	if (ops->clone == NULL || ops->template_make == NULL ||
	    ops->vm_disk == NULL)
		return err_set(err, "clone-template: %s",
		    ops->unsupported_reason), DRIVER_UNSUPPORTED;
	memset(&g, 0, sizeof(g));
	g.dg_vm = "ct-tmpl";
	g.dg_host = s->rc->hosts[0].h_name;
	g.dg_pool = param_str(s->sc, "pool", "san");
	if ((r = disk_guest(s, &g, err)) == 0)
		r = clone_cycle(s, &g, why, sizeof(why), err);
	if (r == 0)
		results_set_str(&s->run->r_reason, "template %s on %s, full "
		    "clone %s, linked clone %s%s", g.dg_vm, g.dg_pool,
		    clone_vms[0], clone_vms[1], why);
	for (i = 1; i >= 0; i--)
		vm_remove(s, clone_vms[i]);
	vm_remove(s, g.dg_vm);
	return r;
}
