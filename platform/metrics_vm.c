/*
 * metrics_vm.c - one second of the series of each VM this node runs
 * (metrics.h): its QEMU's CPU time and RSS (/proc/PID/stat), each vCPU
 * thread's CPU time (threads named "CPU n/TCG" or "CPU n/KVM": QEMU
 * runs with debug-threads=on), its taps' counters
 * (/sys/class/net/TAP/statistics) and, every METRICS_BLOCK_EVERY_S
 * seconds, its disks' counters from QMP query-blockstats, which also
 * feed the pools' counters.
 *
 * The VMs are the supervisor's slots (vmops_priv.h).  QMP is spoken on
 * the slot's own connection (QEMU takes one monitor client), only while
 * no task holds the slot and with the slots' mutex held, so no task
 * starts on that connection meanwhile; the query is one short round
 * trip.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/metrics_priv.h"
#include "platform/vmops_priv.h"

#define BLOCK_TIMEOUT_MS	500

static void
vm_put(struct metrics *m, const struct metrics_vm *mv, enum metrics_def d,
    const char *lab[METRICS_LABEL_MAX][2], int64_t t, double x)
{
	struct metrics_key k = { d, mv->mv_name, { { NULL, NULL } } };

	if (lab != NULL)
		memcpy(k.mk_labels, lab, sizeof(k.mk_labels));
	metrics_put(m, &k, t, x);
}

/* What vm.json (the config QEMU was started with) says of disks and
 * NICs; absent or bad: none of either. */
static void
vm_learn(struct metrics *m, struct metrics_vm *mv)
{
	struct vm_config *c = calloc(1, sizeof(*c));
	char path[HVD_PATH_MAX + VM_NAME_MAX + 16], err[ERR_LEN];
	cJSON *doc = NULL;
	int i;

	mv->mv_ndisks = mv->mv_nnics = 0;
	snprintf(path, sizeof(path), "%s/%s/vm.json", m->m_cf->cf_vm_dir,
	    mv->mv_name);
	if (c == NULL || (doc = json_parse_file(path, 1 << 20, err)) == NULL ||
	    vm_config_from_json(doc, c, NULL, 0, err) != 0) {
		log_debug("metrics: vm %s: %s", mv->mv_name, c ? err : "oom");
		goto out;
	}
	mv->mv_ndisks = c->ndisks;
	mv->mv_nnics = c->nnics;
	for (i = 0; i < c->ndisks; i++)
		snprintf(mv->mv_pool[i], sizeof(mv->mv_pool[i]), "%s",
		    c->disks[i].pool);
out:
	cJSON_Delete(doc);
	free(c);
}

/* The vCPU threads under /proc/PID/task. */
static void
vm_vcpus(struct metrics *m, const struct metrics_vm *mv, int64_t t,
    char *buf, size_t len)
{
	char path[96], num[16], err[ERR_LEN];
	const char *lab[2][2] = { { "vcpu", num }, { NULL, NULL } };
	struct mp_pidstat ps;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)mv->mv_pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat",
		    (int)mv->mv_pid, de->d_name);
		if (metrics_read_file(path, buf, len, err) < 0 ||
		    mp_parse_pidstat(buf, &ps, err) != 0 ||
		    sscanf(ps.ps_comm, "CPU %15[0-9]/", num) != 1)
			continue;
		vm_put(m, mv, MD_VM_VCPU, lab, t, (double)(ps.ps_utime +
		    ps.ps_stime) / (double)m->m_hz);
	}
	closedir(d);
}

static void
vm_taps(struct metrics *m, const struct metrics_vm *mv, int64_t t,
    char *buf, size_t len)
{
	/* The tap's receive is what the VM sent, and the other way. */
	static const char *const files[4] = { "rx_bytes", "rx_packets",
	    "tx_bytes", "tx_packets" };
	static const enum metrics_def defs[4] = { MD_VM_TX_BYTES,
	    MD_VM_TX_PACKETS, MD_VM_RX_BYTES, MD_VM_RX_PACKETS };
	char tap[16], path[96], nic[16], err[ERR_LEN];
	const char *lab[2][2] = { { "nic", nic }, { "interface", tap } };
	int i, j;

	for (i = 0; i < mv->mv_nnics; i++) {
		vm_tap_name(mv->mv_name, i, tap, sizeof(tap));
		snprintf(nic, sizeof(nic), "nic%d", i);
		for (j = 0; j < 4; j++) {
			snprintf(path, sizeof(path),
			    "/sys/class/net/%s/statistics/%s", tap, files[j]);
			if (metrics_read_file(path, buf, len, err) < 0)
				break;
			vm_put(m, mv, defs[j], lab, t, strtod(buf, NULL));
		}
	}
}

/* query-blockstats on the slot's QMP when no task holds it: the answer
 * (caller frees) or NULL. */
static cJSON *
vm_blockstats(struct metrics *m, const char *name)
{
	struct vmops *v = m->m_vo;
	struct vm_slot *s;
	cJSON *ret = NULL;
	char err[ERR_LEN];
	int i;

	pthread_mutex_lock(&v->v_mu);
	for (i = 0; i < MAX_SLOTS; i++) {
		s = &v->v_slots[i];
		if (!s->s_used || s->s_busy || s->s_proc.qmp == NULL ||
		    strcmp(s->s_proc.name, name) != 0)
			continue;
		if (qmp_execute(s->s_proc.qmp, "query-blockstats", NULL, &ret,
		    BLOCK_TIMEOUT_MS, err) != 0)
			log_debug("metrics: vm %s: %s", name, err);
		break;
	}
	pthread_mutex_unlock(&v->v_mu);
	return ret;
}

/* One disk of query-blockstats: its index from "diskN", its four
 * counters.  -1 when the entry is not one of ours or malformed. */
static int
block_entry(const cJSON *e, uint64_t ctr[4])
{
	static const char *const keys[4] = { "rd_bytes", "wr_bytes",
	    "rd_operations", "wr_operations" };
	const cJSON *dev = cJSON_GetObjectItemCaseSensitive(e, "device");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "stats"), *x;
	int ix, j;

	if (!cJSON_IsString(dev) || sscanf(dev->valuestring, "disk%d", &ix) !=
	    1 || ix < 0 || ix >= VM_MAX_DISKS || !cJSON_IsObject(st))
		return -1;
	for (j = 0; j < 4; j++) {
		x = cJSON_GetObjectItemCaseSensitive(st, keys[j]);
		if (!cJSON_IsNumber(x) || x->valuedouble < 0)
			return -1;
		ctr[j] = (uint64_t)x->valuedouble;
	}
	return ix;
}

static void
vm_disks(struct metrics *m, struct metrics_vm *mv, int64_t t)
{
	static const enum metrics_def defs[4] = { MD_VM_RD_BYTES,
	    MD_VM_WR_BYTES, MD_VM_RD_OPS, MD_VM_WR_OPS };
	uint64_t ctr[4], delta[4];
	char dev[16];
	const char *lab[2][2] = { { "device", dev }, { "pool", NULL } };
	const cJSON *e;
	cJSON *ret;
	int ix, j;

	mv->mv_block_t = t;
	if ((ret = vm_blockstats(m, mv->mv_name)) == NULL)
		return;
	cJSON_ArrayForEach(e, ret) {
		if ((ix = block_entry(e, ctr)) < 0 || ix >= mv->mv_ndisks)
			continue;
		snprintf(dev, sizeof(dev), "disk%d", ix);
		lab[1][1] = mv->mv_pool[ix];
		for (j = 0; j < 4; j++) {
			vm_put(m, mv, defs[j], lab, t, (double)ctr[j]);
			/* A restarted QEMU starts from 0: no delta then. */
			delta[j] = (mv->mv_disk_ok & (1 << ix)) &&
			    ctr[j] >= mv->mv_disk[ix][j] ? ctr[j] -
			    mv->mv_disk[ix][j] : 0;
			mv->mv_disk[ix][j] = ctr[j];
		}
		mv->mv_disk_ok |= 1 << ix;
		metrics_pool_add(m, mv->mv_pool[ix], delta);
	}
	cJSON_Delete(ret);
}

static void
vm_sample(struct metrics *m, struct metrics_vm *mv, int64_t t)
{
	static char buf[4096];	/* the sampler thread's alone */
	char path[48], err[ERR_LEN];
	struct mp_pidstat ps;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)mv->mv_pid);
	if (metrics_read_file(path, buf, sizeof(buf), err) < 0 ||
	    mp_parse_pidstat(buf, &ps, err) != 0)
		return;
	vm_put(m, mv, MD_VM_CPU, NULL, t, (double)(ps.ps_utime +
	    ps.ps_stime) / (double)m->m_hz);
	vm_put(m, mv, MD_VM_RSS, NULL, t, (double)ps.ps_rss *
	    (double)m->m_page);
	vm_vcpus(m, mv, t, buf, sizeof(buf));
	vm_taps(m, mv, t, buf, sizeof(buf));
	if (mv->mv_ndisks > 0 && t - mv->mv_block_t >= METRICS_BLOCK_EVERY_S)
		vm_disks(m, mv, t);
}

/* The sampler's record of VM name with QEMU pid: found, or a new one
 * (also when the pid changed: a restart or a migration back). */
static struct metrics_vm *
vm_find(struct metrics *m, const char *name, pid_t pid)
{
	struct metrics_vm *mv, *free_mv = NULL;
	int i;

	for (i = 0; i < METRICS_MAX_VMS; i++) {
		mv = &m->m_vms[i];
		if (mv->mv_used && strcmp(mv->mv_name, name) == 0 &&
		    mv->mv_pid == pid)
			return mv;
		if (!mv->mv_used && free_mv == NULL)
			free_mv = mv;
	}
	if ((mv = free_mv) == NULL)
		return NULL;
	memset(mv, 0, sizeof(*mv));
	mv->mv_used = 1;
	mv->mv_pid = pid;
	snprintf(mv->mv_name, sizeof(mv->mv_name), "%s", name);
	vm_learn(m, mv);
	return mv;
}

void
metrics_sample_vms(struct metrics *m, int64_t t)
{
	struct vmops *v = m->m_vo;
	char names[MAX_SLOTS][VM_NAME_MAX + 1];
	pid_t pids[MAX_SLOTS];
	struct metrics_vm *mv;
	int i, n = 0;

	if (v == NULL)
		return;
	pthread_mutex_lock(&v->v_mu);
	for (i = 0; i < MAX_SLOTS; i++)
		if (v->v_slots[i].s_used && v->v_slots[i].s_proc.pid > 0) {
			snprintf(names[n], sizeof(names[n]), "%s",
			    v->v_slots[i].s_proc.name);
			pids[n++] = v->v_slots[i].s_proc.pid;
		}
	pthread_mutex_unlock(&v->v_mu);
	for (i = 0; i < METRICS_MAX_VMS; i++)
		m->m_vms[i].mv_seen = 0;
	for (i = 0; i < n; i++)
		if ((mv = vm_find(m, names[i], pids[i])) != NULL) {
			mv->mv_seen = 1;
			vm_sample(m, mv, t);
		}
	for (i = 0; i < METRICS_MAX_VMS; i++)
		if (!m->m_vms[i].mv_seen)
			m->m_vms[i].mv_used = 0;
}
