/*
 * metrics.h - hvd's metrics: a sampler thread that reads, every second,
 * the node's CPU, memory, load, network interfaces and pool I/O and each
 * local VM's QEMU CPU time, vCPU threads, RSS, disks (query-blockstats)
 * and taps, into a fixed in-memory ring per series (metrics_ring.h);
 * the series as JSON for the REST API and as Prometheus text for
 * GET /metrics.  docs/metrics.md lists every series, its unit and its
 * labels, and the memory they take.
 *
 * The store has room for METRICS_MAX_SERIES series, allocated once at
 * start; a series not sampled for 24 hours gives its room to a new one.
 * One mutex guards it: the sampler holds it only to store a second's
 * values, readers to copy them out.
 */
#ifndef HVD_METRICS_H
#define HVD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/config.h"
#include "platform/metrics_ring.h"

#define METRICS_MAX_SERIES	1024
#define METRICS_LABEL_MAX	2	/* labels besides node and vm */

struct metrics;
struct vmops;

/* What a series measures: one row of the table in metrics.c. */
enum metrics_def {
	MD_NODE_CPU, MD_NODE_MEM_TOTAL, MD_NODE_MEM_FREE, MD_NODE_MEM_AVAIL,
	MD_NODE_LOAD1, MD_NODE_LOAD5, MD_NODE_LOAD15,
	MD_NODE_RX_BYTES, MD_NODE_RX_PACKETS, MD_NODE_TX_BYTES,
	MD_NODE_TX_PACKETS,
	MD_POOL_RD_BYTES, MD_POOL_WR_BYTES, MD_POOL_RD_OPS, MD_POOL_WR_OPS,
	MD_VM_CPU, MD_VM_VCPU, MD_VM_RSS,
	MD_VM_RD_BYTES, MD_VM_WR_BYTES, MD_VM_RD_OPS, MD_VM_WR_OPS,
	MD_VM_RX_BYTES, MD_VM_RX_PACKETS, MD_VM_TX_BYTES, MD_VM_TX_PACKETS,
	MD_SAMPLE_CPU, MD_SERIES,
	MD_NDEFS
};

struct metrics_defn {
	const char	*md_name;	/* Prometheus name */
	int		 md_counter;
	const char	*md_unit;	/* "seconds", "bytes", ... */
	const char	*md_help;
};
extern const struct metrics_defn metrics_defs[MD_NDEFS];

/* A series' identity: what, of which VM ("" = the node), and its other
 * labels (NULL-terminated pairs). */
struct metrics_key {
	enum metrics_def	 mk_def;
	const char		*mk_vm;
	const char		*mk_labels[METRICS_LABEL_MAX][2];
};

/* The store alone (no thread): for the sampler and the unit tests. */
struct metrics *metrics_store_new(const char *node, char *err);
/* Sample k at second t: 0, or -1 when the store is full. */
int metrics_put(struct metrics *m, const struct metrics_key *k, int64_t t,
    double v);
/* Every series of vm (NULL = the node's own) over q, as a JSON array of
 * {"name", "unit", "kind", "labels", "points": [[t, v], ...]}; counters
 * as rates per second.  NULL with err when q is bad or vm has none. */
cJSON *metrics_series_json(struct metrics *m, const char *vm,
    struct mring_query *q, char *err);
/* The current series (sampled in the last METRICS_STALE_S seconds) in
 * Prometheus' text exposition format (version 0.0.4) at *text (caller
 * frees).  0 or -1 with err. */
#define METRICS_STALE_S	5
int metrics_expose(struct metrics *m, int64_t now, char **text,
    size_t *len, char *err);
void metrics_store_free(struct metrics *m);

/* The store and its sampler thread for this node's VMs (vo may be NULL:
 * node series only). */
struct metrics *metrics_start(const struct hvd_config *cf, struct vmops *vo,
    char *err);
/* Stop the thread; free. */
void metrics_stop(struct metrics *m);

#endif
