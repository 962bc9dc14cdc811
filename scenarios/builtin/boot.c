/*
 * boot.c - booting the lab's guest for the built-in scenarios: a batch of
 * VMs started at once and watched from the station until each answers
 * ping (architecture, resources, virt-methods, guest-os), a guest on a
 * given host and VLAN (network, bonding), and questions to a guest's
 * agent (what it got, whom it reaches).
 *
 * VMs are made through the platform's driver and put on the runner's
 * teardown list at once, so a VM left by an error is still removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "log.h"
#include "scenarios/builtin/builtin.h"

/*
 * What a booted guest says it got (its agent's status: online CPUs and
 * MemTotal) into b; 0, or -1 with b_why when it did not say.
 */
static int
boot_check(struct sctx *s, struct boot_one *b)
{
	struct agent_ask q = { "station", b->b_addr, "status", 30, "" };
	char e[ERR_LEN];
	cJSON *doc;
	int64_t cpus = -1, kib = -1;
	int rc = -1;

	b->b_cpus = -1;
	b->b_mem_mib = -1;
	if (agent_ask(s->rc, &q, e) == -1)
		return err_set(b->b_why, "the guest's agent: %s", e);
	if ((doc = json_parse_buf(q.aa_reply, strlen(q.aa_reply), e)) == NULL)
		return err_set(b->b_why, "the guest's agent: %s", e);
	if (json_get_int(doc, "cpus", JSON_REQUIRED, &cpus, e) == -1 ||
	    json_get_int(doc, "mem_total_kib", JSON_REQUIRED, &kib, e) == -1)
		err_set(b->b_why, "the guest's agent status: %s", e);
	else {
		b->b_cpus = (int)cpus;
		b->b_mem_mib = (long)(kib / 1024);
		rc = 0;
	}
	cJSON_Delete(doc);
	return rc;
}

/*
 * Create and start x: 1 when it runs (its address in b_addr), 0 when the
 * platform did not make or start it (b_why), DRIVER_UNSUPPORTED, or -1
 * when the runner itself failed (b_why).
 */
static int
boot_start(struct sctx *s, struct boot_one *x)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	char cmdline[GUEST_CMDLINE_MAX], a[64];
	int r;

	x->b_result = 0;
	x->b_started = 0;
	memset(&sp, 0, sizeof(sp));
	sp.v_name = x->b_vm;
	sp.v_host = x->b_host;
	sp.v_vcpus = x->b_vcpus;
	sp.v_memory_mib = x->b_memory_mib;
	sp.v_machine = x->b_machine;
	if (guest_prepare(s, x->b_vm, -1, &sp, cmdline, x->b_why) == -1)
		return -1;
	progress(s->rc, "run %zu: boot %s (%d vCPU, %d MiB%s%s)", s->runno,
	    x->b_vm, x->b_vcpus, x->b_memory_mib, x->b_machine ? ", " : "",
	    x->b_machine ? x->b_machine : "");
	drv_task_init(&t);
	r = drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t, x->b_why),
	    &t, TASK_TIMEOUT_NS, x->b_why);
	if (r != 0)
		return r == DRIVER_UNSUPPORTED ? r : 0;
	vm_track(s->rc, x->b_vm, 1);
	x->b_t0 = clock_mono_ns();
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_start(s->rc->drv, x->b_vm, &t,
	    x->b_why), &t, TASK_TIMEOUT_NS, x->b_why) != 0)
		return 0;
	snprintf(a, sizeof(a), "vm:%s", x->b_vm);
	if (resolve_addr(s, a, x->b_addr, sizeof(x->b_addr), x->b_why) == -1)
		return 0;
	x->b_started = 1;
	return 1;
}

/* Round robin over the started VMs until each answered (or ended by
 * itself) or the time is up. */
static void
boot_wait(struct sctx *s, struct boot_one *b, size_t n, size_t left,
    uint64_t timeout)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	uint64_t end = clock_mono_ns() + timeout;
	struct drv_vm_info vi;
	char a[64], e[ERR_LEN];
	size_t i;

	while (left > 0 && !runner_stop && clock_mono_ns() < end)
		for (i = 0; i < n; i++) {
			struct boot_one *x = &b[i];

			if (!x->b_started || x->b_result)
				continue;
			snprintf(a, sizeof(a), "vm:%s", x->b_vm);
			if (ping_once(s, x->b_addr, e) == 1) {
				x->b_result = 1;
				x->b_boot_s = (double)(clock_mono_ns() -
				    x->b_t0) / 1e9;
				left--;
				if (x->b_check && boot_check(s, x) == -1)
					x->b_result = x->b_started = 0;
				/* for the accelerator its QEMU reports */
				if (ops->vm_info != NULL &&
				    vm_info_get(s->rc, x->b_vm, &vi, e) == -1)
					log_debug("%s: %s", x->b_vm, e);
			} else if (vm_ended(s, a, x->b_why)) {
				x->b_started = 0;	/* why says it */
				left--;
			}
		}
}

void
vm_remove(struct sctx *s, const char *vm)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_task t;
	char e[ERR_LEN];

	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_stop(s->rc->drv, vm, 1, &t, e), &t,
	    TASK_TIMEOUT_NS, e) != 0)
		log_debug("stop %s: %s", vm, e);
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_delete(s->rc->drv, vm, &t, e), &t,
	    TASK_TIMEOUT_NS, e) == 0)
		vm_track(s->rc, vm, 0);
	else
		log_debug("delete %s: %s (deleted again at teardown)", vm, e);
}

/* Stop and delete b[0..n); a started VM that never answered says so. */
static void
boot_remove(struct sctx *s, struct boot_one *b, size_t n, uint64_t timeout)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i].b_started && !b[i].b_result)
			err_set(b[i].b_why, "no answer to ping within %llu s",
			    (unsigned long long)(timeout / NS_PER_S));
		vm_remove(s, b[i].b_vm);
	}
}

int
boot_batch(struct sctx *s, struct boot_one *b, size_t n, uint64_t timeout)
{
	size_t i, left = 0;
	int r;

	for (i = 0; i < n; i++) {
		r = boot_start(s, &b[i]);
		if (r == -1) {
			if (i > 0)
				snprintf(b[0].b_why, sizeof(b[0].b_why), "%s",
				    b[i].b_why);
			return -1;
		}
		if (r == DRIVER_UNSUPPORTED) {
			if (i > 0)
				snprintf(b[0].b_why, sizeof(b[0].b_why), "%s",
				    b[i].b_why);
			boot_remove(s, b, i, timeout);	/* what was made */
			return DRIVER_UNSUPPORTED;
		}
		left += r == 1;
	}
	boot_wait(s, b, n, left, timeout);
	boot_remove(s, b, n, timeout);
	return 0;
}

int
boot_one(struct sctx *s, struct boot_one *b, uint64_t timeout)
{
	int r = boot_batch(s, b, 1, timeout);

	return r != 0 ? r : b->b_result;
}

int
net_guest(struct sctx *s, const char *vm, const char *host, int vlan,
    char addr[GUEST_ADDR_MAX], char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	char cmdline[GUEST_CMDLINE_MAX], a[64];

	memset(&sp, 0, sizeof(sp));
	sp.v_name = vm;
	sp.v_host = host;
	if (guest_prepare(s, vm, vlan, &sp, cmdline, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", vm);
	if (resolve_addr(s, a, addr, GUEST_ADDR_MAX, err) == -1)
		return -1;
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t, err), &t,
	    TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "create %s", vm);
	vm_track(s->rc, vm, 1);
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_start(s->rc->drv, vm, &t, err), &t,
	    TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "start %s", vm);
	return 0;
}

int
agent_ask(struct rctx *rc, struct agent_ask *q, char *err)
{
	char p[4200], agentctl[4096], t[16];
	const char *argv[] = { agentctl, "-t", t, q->aa_addr, q->aa_req,
		NULL };
	char *out = NULL;
	int r;

	snprintf(p, sizeof(p), "%s/../build/guest/agentctl", rc->env.e_bindir);
	if (realpath(p, agentctl) == NULL)
		return err_errno(err, "%s (make guest)", p);
	snprintf(t, sizeof(t), "%ld", q->aa_tmo_s);
	r = lab_exec(&rc->env, q->aa_node, argv, &out, (q->aa_tmo_s + 15) *
	    1000, err);
	if (r == 0) {
		snprintf(q->aa_reply, sizeof(q->aa_reply), "%s", out ? out :
		    "");
		q->aa_reply[strcspn(q->aa_reply, "\n")] = '\0';
		if (strncmp(q->aa_reply, "error", 5) == 0)
			r = err_set(err, "%s: agent of %s: %s", q->aa_node,
			    q->aa_addr, q->aa_reply);
	}
	free(out);
	return r;
}

void
disk_guest_init(struct sctx *s, struct disk_guest *g, const char *vm,
    int start)
{
	memset(g, 0, sizeof(*g));
	g->dg_vm = vm;
	g->dg_host = s->rc->hosts[0].h_name;
	g->dg_pool = step_param_get(s->sc->sc_params, s->sc->sc_nparams,
	    "pool");
	if (g->dg_pool == NULL)
		g->dg_pool = "san";
	g->dg_start = start;
}

int
disk_guest(struct sctx *s, struct disk_guest *g, char *err)
{
	const struct driver_ops *ops = s->rc->drv->d_ops;
	struct drv_vm_spec sp;
	struct drv_task t;
	char words[GUEST_CMDLINE_MAX], a[64];
	int r;

	memset(&sp, 0, sizeof(sp));
	sp.v_name = g->dg_vm;
	sp.v_host = g->dg_host;
	sp.v_pool = g->dg_pool;
	sp.v_memory_mib = 128;
	if (guest_prepare_disk(s, g->dg_vm, -1, &sp, words, err) == -1)
		return -1;
	snprintf(a, sizeof(a), "vm:%s", g->dg_vm);
	if (resolve_addr(s, a, g->dg_addr, GUEST_ADDR_MAX, err) == -1)
		return -1;
	progress(s->rc, "run %zu: create %s from the guest's disk image on "
	    "%s", s->runno, g->dg_vm, g->dg_pool);
	drv_task_init(&t);
	r = drv_finish(s->rc, ops->vm_create(s->rc->drv, &sp, &t, err), &t,
	    TASK_TIMEOUT_NS, err);
	if (r != 0)
		return r == DRIVER_UNSUPPORTED ? r : err_prefix(err, "create %s",
		    g->dg_vm);
	vm_track(s->rc, g->dg_vm, 1);
	if (!g->dg_start)
		return 0;
	drv_task_init(&t);
	if (drv_finish(s->rc, ops->vm_start(s->rc->drv, g->dg_vm, &t, err),
	    &t, TASK_TIMEOUT_NS, err) != 0)
		return err_prefix(err, "start %s", g->dg_vm);
	return 0;
}

int
guest_status(struct rctx *rc, const char *addr, long tmo_s,
    struct guest_status *gs, char *err)
{
	struct agent_ask q = { "station", addr, "status", tmo_s, "" };
	const char *name = NULL, *ip = NULL;
	char e[ERR_LEN];
	cJSON *doc;
	int rc_ = -1;

	memset(gs, 0, sizeof(*gs));
	if (agent_ask(rc, &q, err) == -1)
		return -1;
	if ((doc = json_parse_buf(q.aa_reply, strlen(q.aa_reply), e)) == NULL)
		return err_set(err, "agent of %s: status: %s", addr, e);
	if (json_get_string(doc, "name", JSON_REQUIRED, &name, e) == -1 ||
	    json_get_string(doc, "ip", JSON_OPTIONAL, &ip, e) == -1 ||
	    json_get_int(doc, "uptime_ms", JSON_REQUIRED, &gs->gs_uptime_ms,
	    e) == -1)
		err_set(err, "agent of %s: status: %s", addr, e);
	else {
		snprintf(gs->gs_name, sizeof(gs->gs_name), "%s", name);
		snprintf(gs->gs_ip, sizeof(gs->gs_ip), "%s", ip ? ip : "");
		rc_ = 0;
	}
	cJSON_Delete(doc);
	return rc_;
}

int
guest_file(struct rctx *rc, const char *addr, const char *req,
    char hex[65], char *err)
{
	struct agent_ask q = { "station", addr, req, 120, "" };
	const char *h;

	if (agent_ask(rc, &q, err) == -1)
		return -1;
	if (strncmp(q.aa_reply, "ok ", 3) != 0 ||
	    (h = strstr(q.aa_reply, " sha256=")) == NULL ||
	    strspn(h + 8, "0123456789abcdef") != 64)
		return err_set(err, "agent of %s: %s: no digest in '%.200s'",
		    addr, req, q.aa_reply);
	snprintf(hex, 65, "%.64s", h + 8);
	return 0;
}
