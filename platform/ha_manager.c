/*
 * ha_manager.c - the HA manager: one leader per cluster decides, each
 * tick, what every HA resource needs (see ha.h, docs/ha.md).
 *
 * The manager thread competes for KEY_HA_MANAGER (create-if-absent,
 * attached to its HA lease); the holder compares the HA resources with
 * the VM records and the nodes' HA leases each tick.  A VM whose owner's
 * lease is gone is recovered only after margin_s more (as seen by this
 * manager, from its first look at the missing lease), by a
 * compare-and-swap claim of the VM's HA status, a compare-and-swap move
 * of its record to the chosen node and an ordinary start task there
 * (vmops_action).  Every step goes into the status record's log with its
 * wall time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/bmcfence.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/ha_priv.h"
#include "platform/keys.h"
#include "platform/task.h"
#include "platform/vmops.h"

/* Fencing through a BMC: one try's deadline (ForceOff and the wait for
 * Off), and the pause before the next try (fencing bmc). */
#define HA_BMC_DEADLINE_MS	20000
#define HA_BMC_RETRY_NS		(5 * NS_PER_S)

/* A VM's run state as its owner recorded it. */
enum ha_vmrun {
	HA_VM_STOPPED,
	HA_VM_RUNNING,
	HA_VM_FOREIGN,		/* written by an earlier owner */
	HA_VM_OTHER,
};

/* What one look at one HA resource gathered: it travels through the
 * phases of manage_one. */
struct ha_job {
	struct ha		*j_h;
	struct etcd		*j_e;
	const struct ha_snap	*j_s;
	const char		*j_vm;
	cJSON			*j_res;		/* the HA resource */
	const struct etcd_kv	*j_rkv;		/* the VM record */
	cJSON			*j_rec;
	cJSON			*j_st;		/* the HA status, edited */
	int64_t			 j_strev;	/* its revision, 0: none */
	cJSON			*j_vst;		/* the VM's run state */
	char			 j_owner[HA_NAME];
	enum ha_state		 j_want;	/* what the resource asks */
	enum ha_state		 j_state;	/* what the status says */
	enum ha_vmrun		 j_run;
	struct ha_settings	 j_set;
	uint64_t		 j_now;
};

static struct ha_mem *
mem_find(struct ha_mem *m, int *n, const char *name, int create)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(m[i].m_name, name) == 0)
			return &m[i];
	if (!create || *n >= HA_MAX_NAMES)
		return NULL;
	memset(&m[*n], 0, sizeof(m[*n]));
	snprintf(m[*n].m_name, HA_NAME, "%s", name);
	m[*n].m_first = clock_mono_ns();
	return &m[(*n)++];
}

static void
mem_drop(struct ha_mem *m, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(m[i].m_name, name) == 0) {
			m[i] = m[--(*n)];
			return;
		}
}

/* Append {"t","ev",extra...} to st's log (kept to HA_LOG_MAX). */
static void
st_log(cJSON *st, const char *ev, const char *k1, const char *v1,
    const char *k2, const char *v2)
{
	cJSON *log = cJSON_GetObjectItemCaseSensitive(st, "log"), *e;
	char ts[40];

	if (!cJSON_IsArray(log)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "log");
		log = cJSON_AddArrayToObject(st, "log");
	}
	while (cJSON_GetArraySize(log) >= HA_LOG_MAX)
		cJSON_DeleteItemFromArray(log, 0);
	e = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(e, "t", ts);
	cJSON_AddStringToObject(e, "ev", ev);
	if (k1 && v1)
		cJSON_AddStringToObject(e, k1, v1);
	if (k2 && v2)
		cJSON_AddStringToObject(e, k2, v2);
	cJSON_AddItemToArray(log, e);
}

static void
st_set(cJSON *st, const char *key, const char *val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(st, key);
	if (val)
		cJSON_AddStringToObject(st, key, val);
}

static void
st_setn(cJSON *st, const char *key, int val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(st, key);
	cJSON_AddNumberToObject(st, key, val);
}

/* Write status for vm: create when rev == 0, else compare-and-swap.
 * 1 written, 0 someone changed it, -1 error. */
static int
st_write(struct etcd *e, const char *vm, const cJSON *st, int64_t rev)
{
	char key[128], err[ERR_LEN], *s;
	int r;

	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, vm);
	if ((s = cJSON_PrintUnformatted(st)) == NULL)
		return -1;
	r = rev == 0 ? etcd_create(e, key, s, 0, err) :
	    etcd_cas(e, key, s, rev, err);
	free(s);
	if (r < 0)
		log_warnx("HA %s: status: %s", vm, err);
	return r;
}

static enum ha_vmrun
vmrun_of(const char *name)
{
	if (strcmp(name, "running") == 0)
		return HA_VM_RUNNING;
	if (strcmp(name, "stopped") == 0)
		return HA_VM_STOPPED;
	return HA_VM_OTHER;
}

static void
st_state(cJSON *st, enum ha_state s)
{
	st_set(st, "state", ha_state_name(s));
}

/* Queue action (start or stop) of the job's VM on its owner; fills id.
 * 0 or -1. */
static int
queue_action(const struct ha_job *j, const char *action,
    char id[TASK_ID_LEN], char *err)
{
	struct vmops_call call = { NULL, 0, "", "" };
	char user[96];

	snprintf(user, sizeof(user), "ha-manager@%s", j->j_h->h_cf.cf_node);
	call.vc_user = user;
	if (vmops_action(j->j_h->h_v, j->j_vm, action, NULL, &call, err) != 0)
		return -1;
	snprintf(id, TASK_ID_LEN, "%s", call.vc_id);
	return 0;
}

/* A start is queued: its task goes into the status record. */
static void
start_queued(struct ha_job *j, const char *node, const char *id,
    int64_t rev)
{
	st_set(j->j_st, "task", id);
	st_log(j->j_st, "start-queued", "node", node, "task", id);
	st_write(j->j_e, j->j_vm, j->j_st, rev);
}

/* Write the new state s with event ev when the status says otherwise. */
static void
mark(struct ha_job *j, enum ha_state s, const char *ev, const char *k1,
    const char *v1)
{
	if (j->j_state == s)
		return;
	st_state(j->j_st, s);
	st_log(j->j_st, ev, k1, v1, NULL, NULL);
	st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
}

/* Move the VM's record to target (compare-and-swap), mark it stopped
 * there and drop a lock held for the dead owner.  1 moved, 0 changed
 * meanwhile, -1 error. */
static int
move_vm(const struct ha_job *j, const char *target, char *err)
{
	char key[128], ts[40], *txt;
	cJSON *rec, *o;
	struct etcd_kv *lk;
	int r;

	if ((rec = ha_kv_json(j->j_rkv)) == NULL)
		return err_set(err, "VM %s: unreadable record", j->j_vm);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "node");
	cJSON_AddStringToObject(rec, "node", target);
	/* a migration the lost owner had begun ends here: its target never
	 * committed (the record named the owner), and nothing resumes it */
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "migrating");
	snprintf(key, sizeof(key), "%s%s", KEY_VMS, j->j_vm);
	txt = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (txt == NULL)
		return err_set(err, "out of memory");
	r = etcd_cas(j->j_e, key, txt, j->j_rkv->kv_mod_rev, err);
	free(txt);
	if (r != 1)
		return r;
	o = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "state", "stopped");
	cJSON_AddStringToObject(o, "node", target);
	cJSON_AddStringToObject(o, "since", ts);
	cJSON_AddStringToObject(o, "by", "ha");
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	snprintf(key, sizeof(key), "%s%s", KEY_VMSTATE, j->j_vm);
	if (txt == NULL || etcd_put(j->j_e, key, txt, 0, err) != 0) {
		free(txt);
		return -1;
	}
	free(txt);
	lk = ha_kv_find(j->j_s->locks, j->j_s->locks_n, KEY_VM_LOCKS,
	    j->j_vm);
	if (lk != NULL) {
		cJSON *l = ha_kv_json(lk);

		if (strcmp(ha_jstr(l, "node", ""), j->j_owner) == 0)
			etcd_delete_if(j->j_e, lk->kv_key, lk->kv_mod_rev,
			    NULL);
		cJSON_Delete(l);
	}
	return 1;
}

/* The nodes that may take a VM: HA lease and node lease alive.  names
 * is NULL-terminated; load counts running VMs. */
static int
candidates(const struct ha_snap *s, const char **names, int *load, int max)
{
	size_t i, j;
	int n = 0;
	const char *nm;
	cJSON *o;

	for (i = 0; i < s->alive_n && n < max - 1; i++) {
		nm = s->alive[i].kv_key + strlen(KEY_HA_ALIVE);
		if (!ha_kv_find(s->nalive, s->nalive_n, KEY_ALIVE, nm))
			continue;
		names[n] = nm;
		load[n] = 0;
		for (j = 0; j < s->vst_n; j++) {
			o = ha_kv_json(&s->vst[j]);
			if (vmrun_of(ha_jstr(o, "state", "")) ==
			    HA_VM_RUNNING &&
			    strcmp(ha_jstr(o, "node", ""), nm) == 0)
				load[n]++;
			cJSON_Delete(o);
		}
		n++;
	}
	names[n] = NULL;
	return n;
}

/* The node to take the job's VM (never its owner): 1 with target, or 0
 * when none fits. */
static int
pick_target(const struct ha_job *j, char *target, size_t len)
{
	const char *names[HA_MAX_NAMES + 1];
	int load[HA_MAX_NAMES + 1], r;
	const char *gname = ha_jstr(j->j_res, "group", "");
	cJSON *grp = NULL;

	candidates(j->j_s, names, load, HA_MAX_NAMES + 1);
	if (*gname)
		grp = ha_kv_json(ha_kv_find(j->j_s->grp, j->j_s->grp_n,
		    KEY_HA_GROUPS, gname));
	r = ha_pick_node(names, load, grp, j->j_owner, target, len);
	cJSON_Delete(grp);
	return r;
}

/* Pick, claim, move and start: one recovery or relocation step away
 * from the owner. */
static void
relocate(struct ha_job *j, const char *why)
{
	char target[HA_NAME], err[ERR_LEN], id[TASK_ID_LEN], key[128];
	struct etcd_kv kv;
	int r;

	if (!pick_target(j, target, sizeof(target))) {
		if (strcmp(ha_jstr(j->j_st, "wait", ""), "no-node") != 0) {
			st_set(j->j_st, "wait", "no-node");
			st_log(j->j_st, "no-node", "from", j->j_owner, NULL,
			    NULL);
			st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
		}
		return;
	}
	/* the claim: exactly one manager gets past this */
	st_state(j->j_st, HA_ST_RECOVERING);
	st_set(j->j_st, "node", target);
	st_set(j->j_st, "from", j->j_owner);
	st_set(j->j_st, "task", NULL);
	st_set(j->j_st, "wait", NULL);
	st_log(j->j_st, "claimed", "reason", why, "target", target);
	if (st_write(j->j_e, j->j_vm, j->j_st, j->j_strev) != 1)
		return;
	log_info("HA %s: %s: recovering from %s on %s", j->j_vm, why,
	    j->j_owner, target);
	if ((r = move_vm(j, target, err)) != 1) {
		log_warnx("HA %s: move to %s: %s", j->j_vm, target, r == 0 ?
		    "record changed meanwhile" : err);
		return;		/* retried as "recovering without task" */
	}
	if (queue_action(j, "start", id, err) != 0) {
		log_warnx("HA %s: start on %s: %s", j->j_vm, target, err);
		return;
	}
	/* we own the claim: a plain update of our own record */
	snprintf(key, sizeof(key), "%s%s", KEY_HA_STATUS, j->j_vm);
	if (etcd_get(j->j_e, key, &kv, NULL) == 1) {
		start_queued(j, target, id, kv.kv_mod_rev);
		etcd_kv_clear(&kv);
	}
}

/* Gather the resource, its status, the VM's record and run state.  0,
 * or -1 when the VM has no (readable) record. */
static int
job_load(struct ha_job *j, const struct etcd_kv *reskv)
{
	const struct ha_snap *s = j->j_s;
	struct etcd_kv *skv, *vkv;
	const char *vrun;

	pthread_mutex_lock(&j->j_h->h_mu);
	j->j_set = j->j_h->h_set;
	pthread_mutex_unlock(&j->j_h->h_mu);
	j->j_vm = reskv->kv_key + strlen(KEY_HA_RESOURCES);
	j->j_res = ha_kv_json(reskv);
	j->j_want = ha_state_of(ha_jstr(j->j_res, "state", "started"));
	skv = ha_kv_find(s->st, s->st_n, KEY_HA_STATUS, j->j_vm);
	j->j_strev = skv ? skv->kv_mod_rev : 0;
	if ((j->j_st = ha_kv_json(skv)) == NULL)
		j->j_st = cJSON_CreateObject();
	j->j_state = ha_state_of(ha_jstr(j->j_st, "state", ""));
	if ((j->j_rkv = ha_kv_find(s->vms, s->vms_n, KEY_VMS, j->j_vm)) ==
	    NULL || (j->j_rec = ha_kv_json(j->j_rkv)) == NULL)
		return -1;
	snprintf(j->j_owner, sizeof(j->j_owner), "%s",
	    ha_jstr(j->j_rec, "node", ""));
	vkv = ha_kv_find(s->vst, s->vst_n, KEY_VMSTATE, j->j_vm);
	j->j_vst = ha_kv_json(vkv);
	vrun = ha_jstr(j->j_vst, "state", "stopped");
	j->j_run = vmrun_of(vrun);
	/* a state written by an earlier owner (e.g. a fenced node's hvd
	 * noticing its killed QEMU) says nothing about the VM now */
	if (j->j_vst && strcmp(ha_jstr(j->j_vst, "node", j->j_owner),
	    j->j_owner) != 0)
		j->j_run = HA_VM_FOREIGN;
	return 0;
}

/*
 * The owner's lease is gone but its watchdog was never fed with this VM
 * (made an HA resource while the owner's hvd was down): nothing kills
 * the QEMU that may still run there, so the VM waits for its node.
 */
static void
unguarded_wait(struct ha_job *j)
{
	if (strcmp(ha_jstr(j->j_st, "wait", ""), "unguarded") == 0)
		return;
	st_set(j->j_st, "wait", "unguarded");
	st_log(j->j_st, "unguarded", "node", j->j_owner, NULL, NULL);
	st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	log_warnx("HA %s: node %s lost its HA lease, but its watchdog never "
	    "guarded %s: not recovered elsewhere while its QEMU may run "
	    "there (waiting for %s's hvd)", j->j_vm, j->j_owner, j->j_vm,
	    j->j_owner);
}

/* Power the lost owner off through its BMC, once per loss (m is its
 * memory): 1 its BMC said Off, now or before; 0 not, m_bmc_why says
 * why, and with retry the next try is HA_BMC_RETRY_NS later. */
static int
bmc_power_off_owner(struct ha_job *j, struct ha_mem *m, int retry)
{
	struct bmcfence_conf c;
	char err[ERR_LEN];
	int posted = 0, r;

	if (m->m_bmc_off || j->j_now < m->m_bmc_next)
		return m->m_bmc_off;
	/* blocks this round for up to HA_BMC_DEADLINE_MS: no other
	 * recovery may go ahead of the fence anyway */
	if ((r = bmcfence_conf_load(j->j_e, j->j_owner, &c, err)) == 0)
		err_set(err, "node %s has no BMC record (PUT /api/v1/nodes/"
		    "%s/bmc)", j->j_owner, j->j_owner);
	if (r == 1) {
		r = bmcfence_power_off(&c, HA_BMC_DEADLINE_MS, &posted,
		    err) == 0;
		bmcfence_conf_clear(&c);
	} else
		r = 0;
	m->m_bmc_tries++;
	m->m_bmc_off = r;
	m->m_bmc_next = retry ? clock_mono_ns() + HA_BMC_RETRY_NS :
	    UINT64_MAX;
	snprintf(m->m_bmc_why, sizeof(m->m_bmc_why), "%s", r ? "" : err);
	if (r)
		log_info("HA: node %s powered off through its BMC (%s)",
		    j->j_owner, posted ? "ForceOff" : "it was off already");
	else
		log_warnx("HA: node %s: fence through its BMC failed (try "
		    "%d): %s%s", j->j_owner, m->m_bmc_tries, err, retry ?
		    "; nothing recovered, retried in 5 s" : "; falling back "
		    "to the watchdog's wait");
	return r;
}

/* Fencing bmc or both: the owner off through its BMC first.  1 when
 * its VMs may be recovered now (guarded by its watchdog or not: the
 * node is off); 0 when not; -1 when not and the VM's status was
 * written (a new failure's reason logged once): no claim this round. */
static int
bmc_fenced(struct ha_job *j, struct ha_mem *m)
{
	const char *why;

	if (m == NULL)
		return 0;
	if (bmc_power_off_owner(j, m, j->j_set.fencing == HA_FENCE_BMC)) {
		st_set(j->j_st, "bmc_error", NULL);
		if (j->j_state == HA_ST_FENCE)
			st_log(j->j_st, "bmc-fenced", "node", j->j_owner,
			    NULL, NULL);
		return 1;
	}
	why = m->m_bmc_why;
	if (*why == '\0' ||
	    strcmp(ha_jstr(j->j_st, "bmc_error", ""), why) == 0)
		return 0;
	st_set(j->j_st, "bmc_error", why);
	st_log(j->j_st, "bmc-failed", "node", j->j_owner, "error", why);
	st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	return -1;
}

/* The owner's lease is gone: fence wait, then recover. */
static void
fence_wait_then_recover(struct ha_job *j)
{
	struct ha *h = j->j_h;
	struct ha_mem *m;
	int r;

	if (j->j_want != HA_ST_STARTED && j->j_run != HA_VM_RUNNING)
		return;
	m = mem_find(h->h_dead, &h->h_ndead, j->j_owner, 1);
	if (j->j_state != HA_ST_FENCE && j->j_state != HA_ST_RECOVERING) {
		st_state(j->j_st, HA_ST_FENCE);
		st_set(j->j_st, "node", j->j_owner);
		st_log(j->j_st, "lease-expired", "node", j->j_owner, NULL,
		    NULL);
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
		if (j->j_set.fencing == HA_FENCE_WATCHDOG)
			log_info("HA %s: node %s lost its HA lease: waiting "
			    "%.1f s for its watchdog", j->j_vm, j->j_owner,
			    j->j_set.margin_s);
		else
			log_info("HA %s: node %s lost its HA lease: fencing "
			    "it through its BMC (fencing %s)", j->j_vm,
			    j->j_owner, ha_fencing_name(j->j_set.fencing));
		return;
	}
	if (j->j_set.fencing != HA_FENCE_WATCHDOG) {
		if ((r = bmc_fenced(j, m)) == 1) {
			relocate(j, "node-lost");
			return;
		}
		if (r < 0 || j->j_set.fencing == HA_FENCE_BMC)
			return;
	}
	if (m == NULL || j->j_now - m->m_first <
	    (uint64_t)(j->j_set.margin_s * 1e9))
		return;
	if (j->j_run == HA_VM_RUNNING &&
	    !ha_node_guarded(j->j_s, j->j_owner, j->j_vm)) {
		unguarded_wait(j);
		return;
	}
	if (j->j_state == HA_ST_FENCE)
		st_log(j->j_st, "fenced", "node", j->j_owner, NULL, NULL);
	relocate(j, "node-lost");
}

/* A claim whose start was not queued (crash, error): queue it after 5 s
 * of no change. */
static void
requeue_stuck_claim(struct ha_job *j)
{
	struct ha *h = j->j_h;
	char err[ERR_LEN], id[TASK_ID_LEN];
	struct ha_mem *m;

	m = mem_find(h->h_stuck, &h->h_nstuck, j->j_vm, 1);
	if (m && m->m_rev != j->j_strev) {
		m->m_rev = j->j_strev;
		m->m_first = j->j_now;
	}
	if (m && j->j_now - m->m_first > 5 * NS_PER_S &&
	    queue_action(j, "start", id, err) == 0)
		start_queued(j, j->j_owner, id, j->j_strev);
}

/* The start task failed: restart on the owner, else relocate, else give
 * up; as the resource's max_restart and max_relocate allow. */
static void
restart_or_relocate(struct ha_job *j, const cJSON *task)
{
	char err[ERR_LEN], id[TASK_ID_LEN];
	int restarts = ha_jint(j->j_st, "restarts", 0) + 1;
	int relocs = ha_jint(j->j_st, "relocations", 0);

	st_setn(j->j_st, "restarts", restarts);
	st_log(j->j_st, "start-failed", "node", j->j_owner, "error",
	    ha_jstr(task, "error", "?"));
	st_set(j->j_st, "task", NULL);
	if (restarts <= ha_jint(j->j_res, "max_restart", 1)) {
		if (queue_action(j, "start", id, err) == 0) {
			st_set(j->j_st, "task", id);
			st_log(j->j_st, "start-queued", "node", j->j_owner,
			    "task", id);
		}
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	} else if (j->j_run == HA_VM_RUNNING) {
		/* its node says a QEMU of it runs there: a start elsewhere
		 * would be a second copy */
		st_state(j->j_st, HA_ST_ERROR);
		st_log(j->j_st, "error", "error", "start failed while its "
		    "node reports it running: not relocated", NULL, NULL);
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	} else if (relocs < ha_jint(j->j_res, "max_relocate", 1)) {
		st_setn(j->j_st, "relocations", relocs + 1);
		st_setn(j->j_st, "restarts", 0);
		relocate(j, "start-failed");
	} else {
		st_state(j->j_st, HA_ST_ERROR);
		st_log(j->j_st, "error", "error", "restart and relocation "
		    "attempts used up", NULL, NULL);
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	}
}

/* Recovering or starting on a live owner: running yet, stuck, or failed. */
static void
follow_start(struct ha_job *j)
{
	const char *task = ha_jstr(j->j_st, "task", "");
	cJSON *t = NULL;

	if (j->j_run == HA_VM_RUNNING &&
	    strcmp(ha_jstr(j->j_vst, "node", ""), j->j_owner) == 0) {
		st_state(j->j_st, HA_ST_STARTED);
		st_set(j->j_st, "node", j->j_owner);
		st_setn(j->j_st, "restarts", 0);
		st_log(j->j_st, "running", "node", j->j_owner, NULL, NULL);
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
		log_info("HA %s: running on %s", j->j_vm, j->j_owner);
		return;
	}
	if (*task == '\0') {
		requeue_stuck_claim(j);
		return;
	}
	if (task_get(j->j_e, task, &t, NULL) == 1 &&
	    strcmp(ha_jstr(t, "state", ""), "error") == 0)
		restart_or_relocate(j, t);
	cJSON_Delete(t);
}

/* Wanted started: note it runs, or start it when it is stopped and no
 * operation holds it. */
static void
keep_started(struct ha_job *j)
{
	char err[ERR_LEN], id[TASK_ID_LEN];

	if (j->j_run == HA_VM_RUNNING) {
		if (j->j_state != HA_ST_STARTED ||
		    strcmp(ha_jstr(j->j_st, "node", ""), j->j_owner) != 0) {
			st_state(j->j_st, HA_ST_STARTED);
			st_set(j->j_st, "node", j->j_owner);
			st_set(j->j_st, "wait", NULL);
			st_log(j->j_st, "running", "node", j->j_owner, NULL,
			    NULL);
			st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
		}
	} else if (j->j_run == HA_VM_STOPPED &&
	    !ha_kv_find(j->j_s->locks, j->j_s->locks_n, KEY_VM_LOCKS,
	    j->j_vm) && queue_action(j, "start", id, err) == 0) {
		st_state(j->j_st, HA_ST_STARTING);
		st_set(j->j_st, "node", j->j_owner);
		start_queued(j, j->j_owner, id, j->j_strev);
	}
}

/* Wanted stopped: note it is, or stop it when no operation holds it. */
static void
keep_stopped(struct ha_job *j, int had_status)
{
	struct ha *h = j->j_h;
	char err[ERR_LEN], id[TASK_ID_LEN];
	struct ha_mem *m;

	if (j->j_run != HA_VM_RUNNING) {
		if (j->j_state != HA_ST_STOPPED) {
			st_state(j->j_st, HA_ST_STOPPED);
			st_set(j->j_st, "task", NULL);
			st_log(j->j_st, "stopped", "node", j->j_owner, NULL,
			    NULL);
			st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
		}
		return;
	}
	if (j->j_state == HA_ST_STOPPING) {
		if (!had_status)
			return;
		m = mem_find(h->h_stuck, &h->h_nstuck, j->j_vm, 1);
		if (m == NULL || j->j_now - m->m_first <= 30 * NS_PER_S)
			return;
	}
	if (!ha_kv_find(j->j_s->locks, j->j_s->locks_n, KEY_VM_LOCKS,
	    j->j_vm) && queue_action(j, "stop", id, err) == 0) {
		st_state(j->j_st, HA_ST_STOPPING);
		st_set(j->j_st, "task", id);
		st_log(j->j_st, "stop-queued", "node", j->j_owner, "task", id);
		st_write(j->j_e, j->j_vm, j->j_st, j->j_strev);
	}
}

/* What one HA resource needs now, from the look s. */
static void
manage_one(struct ha *h, struct etcd *e, const struct ha_snap *s,
    const struct etcd_kv *reskv)
{
	struct ha_job j;

	memset(&j, 0, sizeof(j));
	j.j_h = h;
	j.j_e = e;
	j.j_s = s;
	j.j_now = clock_mono_ns();
	if (job_load(&j, reskv) != 0) {
		mark(&j, HA_ST_ERROR, "error", "error", "no such VM");
		goto out;
	}
	if (j.j_want == HA_ST_DISABLED) {
		mark(&j, HA_ST_DISABLED, "disabled", NULL, NULL);
		goto out;
	}
	if (!ha_node_alive(s, j.j_owner)) {
		fence_wait_then_recover(&j);
		goto out;
	}
	/* the owner lives */
	if (j.j_state == HA_ST_RECOVERING || j.j_state == HA_ST_STARTING) {
		follow_start(&j);
		goto out;
	}
	mem_drop(h->h_stuck, &h->h_nstuck, j.j_vm);
	if (j.j_want == HA_ST_STARTED)
		keep_started(&j);
	else if (j.j_want == HA_ST_STOPPED)
		keep_stopped(&j, j.j_strev != 0);
out:
	cJSON_Delete(j.j_vst);
	cJSON_Delete(j.j_st);
	cJSON_Delete(j.j_rec);
	cJSON_Delete(j.j_res);
}

static void
manage(struct ha *h, struct etcd *e)
{
	struct ha_snap s;
	char err[ERR_LEN];
	size_t i;
	int k;

	if (ha_snap_take(e, &s, err) != 0) {
		log_warnx("HA manager: %s", err);
		return;
	}
	/* forget nodes that are back */
	for (k = 0; k < h->h_ndead; k++)
		if (ha_node_alive(&s, h->h_dead[k].m_name))
			mem_drop(h->h_dead, &h->h_ndead, h->h_dead[k--].m_name);
	for (i = 0; i < s.res_n; i++)
		manage_one(h, e, &s, &s.res[i]);
	/* after HA's own decisions, on the same look: a VM HA just began
	 * to recover is not moved */
	pthread_mutex_lock(&h->h_bal_mu);
	if (h->h_bal != NULL)
		balance_round(h->h_bal, e, &s);
	pthread_mutex_unlock(&h->h_bal_mu);
	ha_snap_free(&s);
}

void *
ha_manager_main(void *arg)
{
	struct ha *h = arg;
	struct etcd *e;
	struct etcd_kv kv;
	char val[160], ts[40], err[ERR_LEN];
	cJSON *o;
	int64_t lease;
	int r, leader;

	while (!ha_stopping(h)) {
		pthread_mutex_lock(&h->h_mu);
		lease = h->h_lease;
		pthread_mutex_unlock(&h->h_mu);
		leader = 0;
		if (lease != 0 && cluster_state(h->h_cl) == CLUSTER_ACTIVE &&
		    (e = cluster_etcd(h->h_cl)) != NULL) {
			r = etcd_get(e, KEY_HA_MANAGER, &kv, err);
			if (r == 0) {
				clock_format_wall(clock_wall_ns(), ts,
				    sizeof(ts));
				snprintf(val, sizeof(val), "{\"node\":\"%s\","
				    "\"since\":\"%s\"}", h->h_cf.cf_node, ts);
				if (etcd_create(e, KEY_HA_MANAGER, val, lease,
				    err) == 1)
					leader = 1;
			} else if (r == 1) {
				o = json_parse_buf(kv.kv_val, kv.kv_len, NULL);
				leader = kv.kv_lease == lease &&
				    strcmp(ha_jstr(o, "node", ""),
				    h->h_cf.cf_node) == 0;
				cJSON_Delete(o);
				etcd_kv_clear(&kv);
			}
			if (leader && !h->h_leader) {
				log_info("HA: this node is the HA manager");
				/* start every fence wait afresh */
				h->h_ndead = 0;
				h->h_nstuck = 0;
			}
			if (leader)
				manage(h, e);
		}
		if (h->h_leader && !leader)
			log_info("HA: no longer the HA manager");
		h->h_leader = leader;
		ha_nap(h, 300);
	}
	return NULL;
}

