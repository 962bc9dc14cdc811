/*
 * vmtask.c - what a node does for a queued VM operation: the task bodies
 * that run on the VM's owner (start, stop and shutdown, both halves of a
 * live migration) and on a node asked to change its network (checked
 * apply), and the node's network read the API answers directly.
 * vmops.c claims the operation from the node's queue and runs
 * vmtask_main as its task; the bodies work through vm.h, migrate.h and
 * netcfg.h and hold the VM's slot while they do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/backup.h"
#include "platform/bond.h"
#include "platform/clone.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/migrate.h"
#include "platform/migrate_tls.h"
#include "platform/netcfg.h"
#include "platform/qmp.h"
#include "platform/snapshot.h"
#include "platform/vm.h"
#include "platform/vmops_priv.h"

/* --- VMs (on the owner node) --- */

/*
 * Before a start: a QEMU of the VM that runs here unknown to the slot
 * (its adoption failed) is adopted, never doubled, and never has its run
 * files cleaned away.  0 when none runs (the slot still held), else -1 +
 * err with the slot given back.
 */
static int
start_finds_qemu(struct task *t, struct vmops *v, struct vm_slot *s,
    char *err)
{
	char e2[ERR_LEN], name[VM_NAME_MAX + 1];
	int r;

	/* vm_adopt clears the slot's process first, its name included */
	snprintf(name, sizeof(name), "%s", s->s_proc.name);
	if ((r = vm_adopt(&v->v_host, name, &s->s_proc, e2)) == 0)
		return 0;
	if (r == 1) {
		vmops_slot_give(v, s, 1);
		vmops_state_put(v, s->s_proc.name, "running", &s->s_proc, NULL);
		task_log(t, "QEMU pid %d of %s was running: adopted",
		    (int)s->s_proc.pid, s->s_proc.name);
		return err_set(err, "VM %s is already running (pid %d)",
		    s->s_proc.name, (int)s->s_proc.pid);
	}
	if (vm_proc_alive(&s->s_proc)) {
		vmops_slot_give(v, s, 1);
		return err_set(err, "VM %s: QEMU pid %d runs but %s",
		    s->s_proc.name, (int)s->s_proc.pid, e2);
	}
	vmops_slot_give(v, s, 0);
	return err_set(err, "%s", e2);
}

static int
op_start(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	struct vmops *v = o->o_v;
	struct vm_config c;
	struct vm_slot *s;
	cJSON *rec = NULL;
	int rc = -1, r;

	if ((r = vmops_rec_get(v, o->o_vm, &rec, NULL, err)) != 1) {
		if (r == 0)
			err_set(err, "VM %s does not exist", o->o_vm);
		return -1;
	}
	if (strcmp(vmops_rec_node(rec), v->v_cf->cf_node) != 0) {
		err_set(err, "VM %s now belongs to node %s", o->o_vm,
		    vmops_rec_node(rec));
		goto out;
	}
	if (vmops_rec_config(rec, &c, err) != 0 ||
	    vmops_resolve_paths(v, &c, err) != 0)
		goto out;
	if ((s = vmops_slot_take(v, o->o_vm, 1)) == NULL) {
		err_set(err, "too many VMs on this node");
		goto out;
	}
	if (s->s_used && vm_proc_alive(&s->s_proc)) {
		vmops_slot_give(v, s, 1);
		err_set(err, "VM %s is already running (pid %d)", o->o_vm,
		    (int)s->s_proc.pid);
		goto out;
	}
	if (start_finds_qemu(t, v, s, err) != 0)
		goto out;
	if (vmops_call_start_hook(v, o->o_vm, err) != 0) {
		vmops_slot_give(v, s, 0);
		goto out;
	}
	task_log(t, "starting QEMU for %s (%d vCPU, %d MiB)", c.name,
	    c.vcpus, c.memory_mib);
	vm_cleanup(&v->v_host, o->o_vm, NULL);	/* stale run files */
	if (vm_start(&v->v_host, &c, 0, &s->s_proc, err) != 0) {
		vmops_slot_give(v, s, 0);
		goto out;
	}
	vmops_slot_give(v, s, 1);
	vmops_state_put(v, o->o_vm, "running", &s->s_proc, NULL);
	task_log(t, "QEMU running, pid %d", (int)s->s_proc.pid);
	rc = 0;
out:
	cJSON_Delete(rec);
	return rc;
}

/* A stop of a VM no slot holds: a QEMU of it that runs here anyway (by
 * its pid file) is stopped too.  0, or -1 + err. */
static int
stop_unknown(struct task *t, struct vmops *v, const char *name, char *err)
{
	struct vm_proc p;
	char e2[ERR_LEN];
	int r, rc = 0;

	r = vm_adopt(&v->v_host, name, &p, e2);
	if (r == 1 || (r < 0 && vm_proc_alive(&p))) {
		task_log(t, "stopping QEMU (pid %d), which hvd had lost",
		    (int)p.pid);
		if ((rc = vm_stop(&p, 5000, err)) == 0)
			vm_cleanup(&v->v_host, name, NULL);
	} else
		task_log(t, "VM %s was not running", name);
	vm_proc_release(&p);
	if (rc == 0)
		vmops_state_put(v, name, "stopped", NULL, NULL);
	return rc;
}

static int
op_stop(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	struct vmops *v = o->o_v;
	struct vm_slot *s;
	int rc = -1;

	if ((s = vmops_slot_take(v, o->o_vm, 0)) == NULL)
		return stop_unknown(t, v, o->o_vm, err);
	if (strcmp(o->o_op, "shutdown") == 0) {
		task_log(t, "ACPI power button; waiting up to %ld s",
		    o->o_timeout_s);
		if (vm_shutdown(&s->s_proc, o->o_timeout_s * 1000, err) != 0) {
			vmops_slot_give(v, s, 1);
			err_prefix(err, "the guest did not power off (it "
			    "still runs; use stop)");
			return -1;
		}
	} else {
		task_log(t, "stopping QEMU (pid %d)", (int)s->s_proc.pid);
		if (vm_stop(&s->s_proc, 5000, err) != 0) {
			/* kept: the supervisor notices if it is gone */
			vmops_slot_give(v, s, 1);
			return -1;
		}
	}
	vm_proc_release(&s->s_proc);
	if (vm_cleanup(&v->v_host, o->o_vm, err) != 0)
		task_log(t, "cleanup: %s", err);
	vmops_slot_give(v, s, 0);
	vmops_state_put(v, o->o_vm, "stopped", NULL, NULL);
	rc = 0;
	return rc;
}

struct links_arg {
	const char *name;
	int nnics;
};

static int
links_up(void *arg, char *err)
{
	const struct links_arg *la = arg;

	return vm_links_set(la->name, la->nnics, 1, err);
}

/* The stream is complete: the VM becomes this node's by its record
 * (vmmigrec.c, prepared in c), or the source kept it.  0 taken, else -1 +
 * err. */
static int
incoming_take(struct task *t, struct vm_op *o, struct vmmigrec_commit *c,
    char *err)
{
	int r;

	/* etcd may be slow or briefly away: the source waits longer */
	if ((r = vmmigrec_commit_fast(o->o_v, c, 10000, err)) == 1) {
		task_log(t, "the VM's record names this node now");
		return 0;
	}
	return r == 0 ? err_set(err, "the source kept the VM") :
	    err_prefix(err, "taking the VM over");
}

/*
 * TLS for this node's side of vm's migration, with node peer on the
 * other side: the target's QEMU accepts only peer's certificate, the
 * source's only a target whose certificate names peer (migrate_tls.h).
 * 0 or -1 + err.
 */
static int
mig_tls(struct vmops *v, struct qmp *q, const char *vm, const char *peer,
    int target, char *err)
{
	struct migrate_tls t;
	char dir[HVD_PATH_MAX + VM_NAME_MAX + 16];
	char *ca = NULL, *cert = NULL, *key = NULL;
	int rc = -1;

	snprintf(dir, sizeof(dir), "%s/migrate-%s", v->v_cf->cf_run_dir, vm);
	if ((ca = cluster_ca_pem(v->v_cl, err)) == NULL ||
	    cluster_tls(v->v_cl, &cert, &key, err) != 0)
		goto out;
	t = (struct migrate_tls){ dir, ca, cert, key, peer };
	rc = target ? migrate_tls_target(q, &t, err) :
	    migrate_tls_source(q, &t, err);
out:
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	free(ca);
	return rc;
}

/*
 * Target: QEMU (waiting with -incoming defer) gets TLS that admits node
 * src only and the stream's socket, accepted from src's address only.
 * 0 or -1 + err.
 */
static int
incoming_stream(struct task *t, struct vm_op *o, struct qmp *q,
    const char *src, const struct migrate_params *mp, char *err)
{
	struct vmops *v = o->o_v;
	char saddr[64];
	int lfd, cfd, online = 0, refused = 0, rc;

	rc = cluster_node_info(v->v_cl, src, saddr, sizeof(saddr), &online,
	    err);
	if (rc == 0)
		return err_set(err, "source node %s is not in the cluster",
		    src);
	if (rc < 0)
		return err_prefix(err, "source node %s", src);
	if (mig_tls(v, q, o->o_vm, src, 1, err) != 0)
		return -1;
	/* hvd makes the stream's socket (small buffers: migrate.h) */
	if ((lfd = migrate_listen(v->v_cf->cf_address, o->o_port, err)) < 0)
		return -1;
	task_log(t, "waiting for the migration stream on %s:%d (TLS, from "
	    "node %s only)", v->v_cf->cf_address, o->o_port, src);
	task_progress(t, 0.5);	/* "ready": the source may go */
	cfd = migrate_accept(lfd, saddr, 20000, &refused, err);
	close(lfd);
	if (refused > 0)
		task_log(t, "refused %d connection(s) not from %s", refused,
		    saddr);
	if (cfd < 0)
		return -1;
	rc = migrate_pass_fd(q, cfd, err);
	close(cfd);
	if (rc != 0 || migrate_incoming(q, mp, "fd:" MIGRATE_FDNAME, err) != 0)
		return -1;
	return 0;
}

/* Target half of a live migration (sub-task of the source's task). */
static int
op_incoming(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	struct vmops *v = o->o_v;
	struct links_arg la;
	struct migrate_params mp;
	struct vm_config c;
	struct vm_slot *s = NULL;
	struct vmmigrec_commit mc = { o->o_vm, o->o_parent, NULL, 0 };
	char src[HVD_NAME_MAX];
	cJSON *rec = NULL;
	int rc = -1;

	migrate_params_default(&mp);
	if (o->o_params && migrate_params_from_json(o->o_params, &mp,
	    err) != 0)
		return -1;
	if (vmops_rec_get(v, o->o_vm, &rec, NULL, err) != 1 ||
	    vmops_rec_config(rec, &c, err) != 0 ||
	    vmops_resolve_paths(v, &c, err) != 0)
		goto out;
	/* the record names the source until the migration moved it */
	snprintf(src, sizeof(src), "%s", vmops_rec_node(rec));
	if ((s = vmops_slot_take(v, o->o_vm, 1)) == NULL) {
		err_set(err, "too many VMs on this node");
		goto out;
	}
	if (s->s_used && vm_proc_alive(&s->s_proc)) {
		vmops_slot_give(v, s, 1);
		s = NULL;
		err_set(err, "VM %s already runs here", o->o_vm);
		goto out;
	}
	if (start_finds_qemu(t, v, s, err) != 0) {
		s = NULL;
		goto out;
	}
	if (vmops_call_start_hook(v, o->o_vm, err) != 0)
		goto fail;
	vm_cleanup(&v->v_host, o->o_vm, NULL);
	/* paused after the stream: it runs only once the record names it */
	if (vm_start(&v->v_host, &c, VM_START_INCOMING | VM_START_PAUSED,
	    &s->s_proc, err) != 0)
		goto fail;
	if (incoming_stream(t, o, s->s_proc.qmp, src, &mp, err) != 0)
		goto fail_stop;
	/* Taps are up already (vm.c); make sure, then announce again. */
	la.name = o->o_vm;
	la.nnics = c.nnics;
	/* the record's committed form is made while the stream runs: the
	 * switchover then costs one etcd round trip */
	if (vmmigrec_commit_prepare(v, &mc, err) != 0 ||
	    migrate_target_wait(s->s_proc.qmp, &mp, 10 * 60 * 1000, err) != 0 ||
	    incoming_take(t, o, &mc, err) != 0)
		goto fail_stop;
	/* The slot stays busy while this task speaks QMP: the metrics
	 * sampler and the supervisor use an idle slot's QEMU themselves. */
	if (migrate_target_run(s->s_proc.qmp, &mp, links_up, &la, err) != 0) {
		/* this node's VM now, whole in this QEMU: never stopped */
		vmops_state_put(v, o->o_vm, "paused", &s->s_proc, NULL);
		vmops_slot_give(v, s, 1);
		goto out;
	}
	vmops_state_put(v, o->o_vm, "running", &s->s_proc, NULL);
	vmops_slot_give(v, s, 1);
	task_log(t, "VM running here, pid %d", (int)s->s_proc.pid);
	rc = 0;
	goto out;
fail_stop:
	vm_stop(&s->s_proc, 2000, NULL);
	vm_proc_release(&s->s_proc);
	vm_cleanup(&v->v_host, o->o_vm, NULL);
fail:
	vmops_slot_give(v, s, 0);
out:
	free(mc.mc_val);
	cJSON_Delete(rec);
	return rc;
}

struct mig_progress {
	struct task	*mp_task;
	uint64_t	 mp_last;
};

static void
mig_progress(void *arg, const struct migrate_result *r)
{
	struct mig_progress *p = arg;
	uint64_t now = clock_mono_ns();
	double f;

	if (now - p->mp_last < 500 * NS_PER_MS || r->ram_total_bytes == 0)
		return;
	p->mp_last = now;
	f = 1.0 - (double)r->ram_remaining_bytes / (double)r->ram_total_bytes;
	task_progress(p->mp_task, 0.1 + 0.8 * f);
}

/* The source half of one live migration, as it goes. */
struct mig_job {
	struct task		*m_task;
	struct vm_op		*m_op;
	struct vm_slot		*m_slot;	/* held while set */
	struct migrate_params	 m_params;
	struct migrate_result	 m_res;
	char			 m_sub[TASK_ID_LEN];	/* target's task */
	char			 m_taddr[64];		/* target address */
};

/* The parameters, an online target, and the running VM's slot (held):
 * 0, or -1 + err. */
static int
mig_source_check(struct mig_job *m, char *err)
{
	struct vm_op *o = m->m_op;
	struct vmops *v = o->o_v;
	int online = 0;

	migrate_params_default(&m->m_params);
	if (o->o_params && migrate_params_from_json(o->o_params, &m->m_params,
	    err) != 0)
		return -1;
	if (cluster_node_info(v->v_cl, o->o_target, m->m_taddr,
	    sizeof(m->m_taddr), &online, err) != 1 || !online)
		return err_set(err, "target node %s is not online",
		    o->o_target);
	if ((m->m_slot = vmops_slot_take(v, o->o_vm, 0)) == NULL)
		return err_set(err, "VM %s does not run on this node",
		    o->o_vm);
	if (!m->m_slot->s_used || !vm_proc_alive(&m->m_slot->s_proc)) {
		vmops_slot_give(v, m->m_slot, 0);
		m->m_slot = NULL;
		return err_set(err, "VM %s does not run on this node",
		    o->o_vm);
	}
	return 0;
}

/* Queue the target half (a sub-task on the target, on a random port)
 * and wait until it listens: 0, or -1 + err. */
static int
mig_target_ready(struct mig_job *m, char *err)
{
	struct vm_op *o = m->m_op;
	struct vmops *v = o->o_v;
	struct task_desc td = { o->o_target, "vmincoming", o->o_vm, "hvd" };
	unsigned char rnd[2];
	cJSON *q;
	int r;

	gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd));
	o->o_port = 49152 + ((rnd[0] << 8 | rnd[1]) % 8000);
	if (task_create(v->v_etcd, &td, m->m_sub, err) != 0)
		return -1;
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", "incoming");
	cJSON_AddStringToObject(q, "vm", o->o_vm);
	cJSON_AddStringToObject(q, "parent", o->o_id);
	cJSON_AddNumberToObject(q, "port", o->o_port);
	if (o->o_params)
		cJSON_AddItemToObject(q, "params",
		    cJSON_Duplicate(o->o_params, 1));
	r = vmops_queue_op(v, o->o_target, m->m_sub, q, err);
	cJSON_Delete(q);
	if (r != 0)
		return -1;
	task_log(m->m_task, "target %s prepares (task %s)", o->o_target,
	    m->m_sub);
	if (vmops_wait_task(v, m->m_sub, 0, 60000, err) != 1)
		return err_prefix(err, "target %s", o->o_target);
	task_progress(m->m_task, 0.1);
	return 0;
}

/* Stream the VM to the target: 0 once QEMU completed, else -1 + err
 * (the VM keeps running here). */
static int
mig_stream(struct mig_job *m, char *err)
{
	struct vm_op *o = m->m_op;
	struct qmp *qmp = m->m_slot->s_proc.qmp;
	struct mig_progress prog = { m->m_task, 0 };
	struct migrate_hooks hooks = { mig_progress, &prog, NULL, NULL };
	char uri[128], werr[ERR_LEN];
	int fd, r;

	snprintf(uri, sizeof(uri), "%s:%d", m->m_taddr, o->o_port);
	task_log(m->m_task, "migrating to %s (downtime limit %lld ms, "
	    "bandwidth %lld B/s)", uri,
	    (long long)m->m_params.downtime_limit_ms,
	    (long long)m->m_params.max_bandwidth);
	memset(&m->m_res, 0, sizeof(m->m_res));
	/* hvd connects the stream (small buffers: migrate.h), QEMU gets it
	 * and speaks TLS over it */
	fd = mig_tls(o->o_v, qmp, o->o_vm, o->o_target, 0, err);
	if (fd == 0 && (fd = migrate_connect(m->m_taddr, o->o_port, 10000,
	    err)) >= 0) {
		r = migrate_pass_fd(qmp, fd, err);
		close(fd);
		fd = r;
	}
	if (fd >= 0 && migrate_run(qmp, &m->m_params, "fd:" MIGRATE_FDNAME,
	    &hooks, &m->m_res, err) == 0) {
		task_log(m->m_task, "source: migration completed");
		return 0;
	}
	if (fd >= 0)
		migrate_drop_fd(qmp);
	task_log(m->m_task, "migration failed; the VM keeps running here");
	/* The target's wait ends with an error and cleans up. */
	vmops_wait_task(o->o_v, m->m_sub, 1, 15000, werr);
	return -1;
}

/*
 * The stream completed but the target did not report that it took the
 * VM (it failed, or its hvd or etcd is away): the record decides.  0 when
 * the target has it; else -1 + err, the VM running here again, or paused
 * here while etcd cannot tell which node holds it.
 */
static int
mig_settle(struct mig_job *m, char *err)
{
	struct vm_op *o = m->m_op;
	char e2[ERR_LEN];
	int r;

	r = vmmigrec_abort(o->o_v, o->o_vm, o->o_id, 60000, e2);
	if (r == 0) {
		task_log(m->m_task, "the target took the VM over (%s)", err);
		return 0;
	}
	if (r < 0) {
		/* the supervisor decides once etcd answers */
		m->m_slot->s_unsettled = 1;
		task_log(m->m_task, "which node holds the VM cannot be read "
		    "(%s): it stays paused here", e2);
		return err_set(err, "%.200s; the VM stays paused here: %.200s",
		    err, e2);
	}
	if (qmp_execute(m->m_slot->s_proc.qmp, "cont", NULL, NULL, 10000,
	    e2) < 0)
		return err_set(err, "%.200s; the VM is paused here and cont "
		    "failed: %.200s", err, e2);
	task_log(m->m_task, "the target did not take the VM over: it runs "
	    "here again");
	return -1;
}

/* A migration that did not stream (or failed) leaves the VM here: its
 * mark goes.  0 when it is still this node's, 1 when the target took it
 * after all (QEMU completed while the source saw an error). */
static int
mig_unmark(struct mig_job *m)
{
	struct vm_op *o = m->m_op;
	char e2[ERR_LEN];
	int r;

	if ((r = vmmigrec_abort(o->o_v, o->o_vm, o->o_id, 30000, e2)) < 0)
		log_warnx("vm %s: migration mark: %s", o->o_vm, e2);
	return r == 0;
}

/* Source half of a live migration: runs on the VM's node. */
static int
op_migrate(struct task *t, void *arg, char *err)
{
	struct mig_job m;
	struct vmops *v;
	cJSON *r;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	m.m_task = t;
	m.m_op = arg;
	v = m.m_op->o_v;
	if (m.m_op->o_reason[0])
		task_log(t, "reason: %s", m.m_op->o_reason);
	if (mig_source_check(&m, err) != 0)
		return -1;
	if (vmmigrec_mark(v, m.m_op->o_vm, m.m_op->o_target, m.m_op->o_id,
	    err) != 0)
		goto out;
	if ((mig_target_ready(&m, err) != 0 || mig_stream(&m, err) != 0) &&
	    !mig_unmark(&m))
		goto out;
	if (vmops_wait_task(v, m.m_sub, 1, 60000, err) != 1) {
		err_prefix(err, "target %s after the migration",
		    m.m_op->o_target);
		if (mig_settle(&m, err) != 0)
			goto out;
	}
	task_log(t, "QEMU: total %lld ms, downtime %lld ms, %llu bytes",
	    (long long)m.m_res.total_time_ms, (long long)m.m_res.downtime_ms,
	    (unsigned long long)m.m_res.transferred_bytes);
	if (m.m_res.single_pass)
		task_log(t, "one pass over RAM (downtime limit 0): TCG on QEMU "
		    "< 9.0 loses guest writes between dirty-bitmap syncs");
	vm_stop(&m.m_slot->s_proc, 5000, NULL);
	vm_proc_release(&m.m_slot->s_proc);
	vm_cleanup(&v->v_host, m.m_op->o_vm, NULL);
	vmops_slot_give(v, m.m_slot, 0);
	m.m_slot = NULL;
	task_log(t, "source QEMU stopped, its ports removed");
	r = migrate_result_to_json(&m.m_res);
	cJSON_AddStringToObject(r, "source", v->v_cf->cf_node);
	cJSON_AddStringToObject(r, "target", m.m_op->o_target);
	task_set_result(t, r);
	rc = 0;
out:
	/* kept while it ran before: a QEMU that died during the task is
	 * then noticed (state "stopped", HA restarts it) */
	if (m.m_slot)
		vmops_slot_give(v, m.m_slot, m.m_slot->s_used);
	return rc;
}

/* --- node network (netcfg.h) --- */

static void
ovs_of(struct vmops *v, struct netcfg_ovs *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->db, sizeof(o->db), "%s", v->v_cf->cf_ovs_db);
	snprintf(o->bridge, sizeof(o->bridge), "%.31s", v->v_cf->cf_ovs_bridge);
}

cJSON *
vmtask_net_show(struct vmops *v, char *err)
{
	struct netcfg_ovs ovs;
	cJSON *r;

	ovs_of(v, &ovs);
	if ((r = netcfg_show(&ovs, err)) == NULL)
		return NULL;
	bond_show_merge(&ovs, r);	/* live member state, best effort */
	return r;
}

/* The management path to probe after a change: the address asked for,
 * else another online node's address, else none. */
static void
guard_addr(struct vmops *v, const char *asked, char *buf, size_t len)
{
	struct etcd_kv *kvs = NULL;
	size_t n = 0, i;
	char addr[64];
	const char *name;
	int online;

	buf[0] = '\0';
	if (asked && *asked) {
		snprintf(buf, len, "%s", asked);
		return;
	}
	if (etcd_list(v->v_etcd, KEY_NODES, &kvs, &n, NULL) != 0)
		return;
	for (i = 0; i < n && buf[0] == '\0'; i++) {
		name = kvs[i].kv_key + strlen(KEY_NODES);
		if (strcmp(name, v->v_cf->cf_node) != 0 &&
		    cluster_node_info(v->v_cl, name, addr, sizeof(addr),
		    &online, NULL) == 1 && online)
			snprintf(buf, len, "%s", addr);
	}
	etcd_kvs_free(kvs, n);
}

static int
op_netapply(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	struct netcfg_ovs ovs;
	struct netcfg_change ch;
	struct netcfg_guard g;
	const cJSON *change;
	const char *addr = NULL;
	int64_t grace = 5000;
	int rolled = 0;

	if (o->o_params == NULL ||
	    !cJSON_IsObject(change = cJSON_GetObjectItemCaseSensitive(
	    o->o_params, "change")) ||
	    netcfg_change_from_json(change, &ch, err) != 0)
		return err_prefix(err, "change");
	json_get_string(o->o_params, "check_addr", JSON_OPTIONAL, &addr, NULL);
	json_get_int(o->o_params, "grace_ms", JSON_OPTIONAL, &grace, NULL);
	ovs_of(o->o_v, &ovs);
	memset(&g, 0, sizeof(g));
	guard_addr(o->o_v, addr, g.check_addr, sizeof(g.check_addr));
	g.grace_ms = (long)grace;
	task_log(t, "applying %s on %s; management check: %s within %ld ms",
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(change,
	    "kind")) ?: "change", ovs.bridge, g.check_addr[0] ? g.check_addr :
	    "none", g.grace_ms);
	if (netcfg_apply(&ovs, &ch, &g, &rolled, err) != 0) {
		if (rolled)
			task_log(t, "rolled back");
		return -1;
	}
	task_set_result(t, netcfg_show(&ovs, NULL));
	return 0;
}

/* The operations a node's queue may hold, by their "op" name. */
static const struct {
	const char	*name;
	task_fn		 fn;
} vmtask_ops[] = {
	{ "start",	op_start },
	{ "stop",	op_stop },
	{ "shutdown",	op_stop },
	{ "migrate",	op_migrate },
	{ "incoming",	op_incoming },
	{ "netapply",	op_netapply },
	{ "snapshot",	snapshot_task_create },
	{ "rollback",	snapshot_task_rollback },
	{ "snapdelete",	snapshot_task_delete },
	{ "mirror",	clone_task_mirror },
	{ "backup",	backup_task_create },
	{ "bkdelete",	backup_task_delete },
	{ "bkverify",	backup_task_verify },
	{ "bkrestore",	backup_task_restore },
	{ "bkjob",	backup_task_job },
	{ NULL,		NULL }
};

/* Every queued task ends here: run the op, then free the VM's lock. */
int
vmtask_main(struct task *t, void *arg, char *err)
{
	struct vm_op *o = arg;
	int i, rc;

	for (i = 0; vmtask_ops[i].name != NULL; i++)
		if (strcmp(o->o_op, vmtask_ops[i].name) == 0)
			break;
	if (vmtask_ops[i].name != NULL)
		rc = vmtask_ops[i].fn(t, arg, err);
	else
		rc = err_set(err, "unknown operation '%s'", o->o_op);
	/* The lock belongs to the top task (an incoming's parent). */
	if (o->o_lock[0] != '\0')
		vmops_unlock_key(o->o_v, o->o_lock, o->o_id);
	else if (o->o_parent[0] == '\0' && o->o_vm[0] != '\0')
		vmops_unlock_vm(o->o_v, o->o_vm, o->o_id);
	return rc;
}

void
vmtask_free(void *p)
{
	struct vm_op *o = p;

	cJSON_Delete(o->o_params);
	free(o);
}
