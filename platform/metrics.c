/*
 * metrics.c - the series store of hvd's metrics (metrics.h): finding a
 * series by its key, storing a sample, and reading the store out as
 * JSON (the REST API) or as Prometheus text (GET /metrics).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "platform/metrics_priv.h"

const struct metrics_defn metrics_defs[MD_NDEFS] = {
	[MD_NODE_CPU] = { "hvd_node_cpu_seconds_total", 1, "seconds",
	    "CPU time of the node by mode (all CPUs together)." },
	[MD_NODE_MEM_TOTAL] = { "hvd_node_memory_total_bytes", 0, "bytes",
	    "Memory of the node (MemTotal)." },
	[MD_NODE_MEM_FREE] = { "hvd_node_memory_free_bytes", 0, "bytes",
	    "Unused memory of the node (MemFree)." },
	[MD_NODE_MEM_AVAIL] = { "hvd_node_memory_available_bytes", 0,
	    "bytes", "Memory available for new work (MemAvailable)." },
	[MD_NODE_LOAD1] = { "hvd_node_load1", 0, "threads",
	    "Load average over 1 minute." },
	[MD_NODE_LOAD5] = { "hvd_node_load5", 0, "threads",
	    "Load average over 5 minutes." },
	[MD_NODE_LOAD15] = { "hvd_node_load15", 0, "threads",
	    "Load average over 15 minutes." },
	[MD_NODE_RX_BYTES] = { "hvd_node_network_receive_bytes_total", 1,
	    "bytes", "Bytes received by an interface of the node." },
	[MD_NODE_RX_PACKETS] = { "hvd_node_network_receive_packets_total",
	    1, "packets", "Packets received by an interface of the node." },
	[MD_NODE_TX_BYTES] = { "hvd_node_network_transmit_bytes_total", 1,
	    "bytes", "Bytes sent by an interface of the node." },
	[MD_NODE_TX_PACKETS] = { "hvd_node_network_transmit_packets_total",
	    1, "packets", "Packets sent by an interface of the node." },
	[MD_POOL_RD_BYTES] = { "hvd_pool_read_bytes_total", 1, "bytes",
	    "Bytes this node's VMs read from a storage pool." },
	[MD_POOL_WR_BYTES] = { "hvd_pool_written_bytes_total", 1, "bytes",
	    "Bytes this node's VMs wrote to a storage pool." },
	[MD_POOL_RD_OPS] = { "hvd_pool_reads_total", 1, "operations",
	    "Read operations of this node's VMs on a storage pool." },
	[MD_POOL_WR_OPS] = { "hvd_pool_writes_total", 1, "operations",
	    "Write operations of this node's VMs on a storage pool." },
	[MD_VM_CPU] = { "hvd_vm_cpu_seconds_total", 1, "seconds",
	    "CPU time of the VM's QEMU process (all its threads)." },
	[MD_VM_VCPU] = { "hvd_vm_vcpu_seconds_total", 1, "seconds",
	    "CPU time of one vCPU thread of the VM's QEMU." },
	[MD_VM_RSS] = { "hvd_vm_memory_rss_bytes", 0, "bytes",
	    "Resident memory of the VM's QEMU process." },
	[MD_VM_RD_BYTES] = { "hvd_vm_disk_read_bytes_total", 1, "bytes",
	    "Bytes the VM read from a disk (query-blockstats)." },
	[MD_VM_WR_BYTES] = { "hvd_vm_disk_written_bytes_total", 1, "bytes",
	    "Bytes the VM wrote to a disk (query-blockstats)." },
	[MD_VM_RD_OPS] = { "hvd_vm_disk_reads_total", 1, "operations",
	    "Read operations of the VM on a disk (query-blockstats)." },
	[MD_VM_WR_OPS] = { "hvd_vm_disk_writes_total", 1, "operations",
	    "Write operations of the VM on a disk (query-blockstats)." },
	[MD_VM_RX_BYTES] = { "hvd_vm_network_receive_bytes_total", 1,
	    "bytes", "Bytes the VM received on a NIC (its tap)." },
	[MD_VM_RX_PACKETS] = { "hvd_vm_network_receive_packets_total", 1,
	    "packets", "Packets the VM received on a NIC (its tap)." },
	[MD_VM_TX_BYTES] = { "hvd_vm_network_transmit_bytes_total", 1,
	    "bytes", "Bytes the VM sent on a NIC (its tap)." },
	[MD_VM_TX_PACKETS] = { "hvd_vm_network_transmit_packets_total", 1,
	    "packets", "Packets the VM sent on a NIC (its tap)." },
	[MD_SAMPLE_CPU] = { "hvd_metrics_sample_seconds_total", 1,
	    "seconds", "CPU time hvd's metrics sampler used." },
	[MD_SERIES] = { "hvd_metrics_series", 0, "series",
	    "Series held in hvd's metrics store." },
};

struct metrics *
metrics_store_new(const char *node, char *err)
{
	struct metrics *m;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->m_series = calloc(METRICS_MAX_SERIES,
	    sizeof(*m->m_series))) == NULL) {
		free(m);
		err_errno(err, "metrics store");
		return NULL;
	}
	snprintf(m->m_node, sizeof(m->m_node), "%s", node);
	pthread_mutex_init(&m->m_mu, NULL);
	return m;
}

void
metrics_store_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->m_mu);
	free(m->m_series);
	free(m);
}

/* FNV-1a over the key's parts. */
static uint64_t
key_hash(const struct metrics_key *k)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)k->mk_def;
	const char *parts[1 + 2 * METRICS_LABEL_MAX], *s;
	size_t i, j;

	parts[0] = k->mk_vm ? k->mk_vm : "";
	for (i = 0; i < METRICS_LABEL_MAX; i++)
		for (j = 0; j < 2; j++)
			parts[1 + 2 * i + j] = k->mk_labels[i][j] ?
			    k->mk_labels[i][j] : "";
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (s = parts[i]; *s != '\0'; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

static int
key_is(const struct metrics_series *s, const struct metrics_key *k)
{
	size_t i;

	if (s->ms_def != k->mk_def || strcmp(s->ms_vm, k->mk_vm ?
	    k->mk_vm : "") != 0)
		return 0;
	for (i = 0; i < METRICS_LABEL_MAX; i++)
		if (strcmp(s->ms_lk[i], k->mk_labels[i][0] ?
		    k->mk_labels[i][0] : "") != 0 || strcmp(s->ms_lv[i],
		    k->mk_labels[i][1] ? k->mk_labels[i][1] : "") != 0)
			return 0;
	return 1;
}

/* A free series, or the one sampled longest ago when that was over 24
 * hours before t. */
static struct metrics_series *
series_room(struct metrics *m, int64_t t)
{
	struct metrics_series *s, *old = NULL;
	size_t i;

	for (i = 0; i < METRICS_MAX_SERIES; i++) {
		s = &m->m_series[i];
		if (!s->ms_used)
			return s;
		if (old == NULL || s->ms_seen < old->ms_seen)
			old = s;
	}
	if (old != NULL && old->ms_seen < t - MRING_COARSE_N * 60) {
		m->m_nused--;
		return old;
	}
	return NULL;
}

static struct metrics_series *
series_new(struct metrics *m, const struct metrics_key *k, uint64_t h,
    int64_t t)
{
	struct metrics_series *s = series_room(m, t);
	size_t i;

	if (s == NULL)
		return NULL;
	memset(s, 0, offsetof(struct metrics_series, ms_ring));
	s->ms_used = 1;
	s->ms_def = k->mk_def;
	s->ms_hash = h;
	snprintf(s->ms_vm, sizeof(s->ms_vm), "%s", k->mk_vm ? k->mk_vm : "");
	for (i = 0; i < METRICS_LABEL_MAX; i++)
		if (k->mk_labels[i][0] != NULL) {
			snprintf(s->ms_lk[i], sizeof(s->ms_lk[i]), "%s",
			    k->mk_labels[i][0]);
			snprintf(s->ms_lv[i], sizeof(s->ms_lv[i]), "%s",
			    k->mk_labels[i][1]);
		}
	mring_init(&s->ms_ring, metrics_defs[k->mk_def].md_counter);
	m->m_nused++;
	return s;
}

int
metrics_put(struct metrics *m, const struct metrics_key *k, int64_t t,
    double v)
{
	uint64_t h = key_hash(k);
	struct metrics_series *s = NULL;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&m->m_mu);
	for (i = 0; i < METRICS_MAX_SERIES && s == NULL; i++)
		if (m->m_series[i].ms_used && m->m_series[i].ms_hash == h &&
		    key_is(&m->m_series[i], k))
			s = &m->m_series[i];
	if (s == NULL && (s = series_new(m, k, h, t)) == NULL) {
		if (!m->m_full_logged)
			log_warnx("metrics: all %d series are in use: %s not "
			    "kept", METRICS_MAX_SERIES,
			    metrics_defs[k->mk_def].md_name);
		m->m_full_logged = 1;
		rc = -1;
	} else {
		mring_put(&s->ms_ring, t, v);
		s->ms_seen = t;
	}
	pthread_mutex_unlock(&m->m_mu);
	return rc;
}

/* One series over q as JSON; NULL when it has no point there. */
static cJSON *
series_json(const struct metrics_series *s, const struct mring_query *q,
    int64_t *t, double *v)
{
	const struct metrics_defn *d = &metrics_defs[s->ms_def];
	cJSON *o, *labels, *pts, *p;
	size_t n, i;

	if ((n = mring_read(&s->ms_ring, q, t, v)) == 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", d->md_name);
	cJSON_AddStringToObject(o, "unit", d->md_counter ? "per second" :
	    d->md_unit);
	cJSON_AddStringToObject(o, "kind", d->md_counter ? "rate" : "gauge");
	labels = cJSON_AddObjectToObject(o, "labels");
	for (i = 0; i < METRICS_LABEL_MAX; i++)
		if (s->ms_lk[i][0] != '\0')
			cJSON_AddStringToObject(labels, s->ms_lk[i],
			    s->ms_lv[i]);
	pts = cJSON_AddArrayToObject(o, "points");
	for (i = 0; i < n; i++) {
		p = cJSON_CreateArray();
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)t[i]));
		cJSON_AddItemToArray(p, cJSON_CreateNumber(v[i]));
		cJSON_AddItemToArray(pts, p);
	}
	return o;
}

cJSON *
metrics_series_json(struct metrics *m, const char *vm, struct mring_query *q,
    char *err)
{
	int64_t *t = NULL;
	double *v = NULL;
	cJSON *arr = NULL, *o;
	size_t i;

	if (mring_query_check(q, err) != 0)
		return NULL;
	if ((t = calloc(MRING_MAX_POINTS, sizeof(*t))) == NULL ||
	    (v = calloc(MRING_MAX_POINTS, sizeof(*v))) == NULL) {
		err_errno(err, "metrics");
		goto out;
	}
	arr = cJSON_CreateArray();
	pthread_mutex_lock(&m->m_mu);
	for (i = 0; i < METRICS_MAX_SERIES; i++) {
		const struct metrics_series *s = &m->m_series[i];

		if (!s->ms_used || strcmp(s->ms_vm, vm ? vm : "") != 0 ||
		    (o = series_json(s, q, t, v)) == NULL)
			continue;
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&m->m_mu);
	if (vm != NULL && cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		arr = NULL;
		err_set(err, "no samples of VM %s on node %s in that time "
		    "(it does not run here, or not since then)", vm,
		    m->m_node);
	}
out:
	free(t);
	free(v);
	return arr;
}
