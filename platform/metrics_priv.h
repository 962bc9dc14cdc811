/*
 * metrics_priv.h - what metrics.c (the store, JSON and Prometheus text)
 * and metrics_sample.c, metrics_vm.c (the sampler) share, and nothing
 * else includes.
 */
#ifndef HVD_METRICS_PRIV_H
#define HVD_METRICS_PRIV_H

#include <pthread.h>
#include <sys/types.h>

#include "platform/metrics.h"
#include "platform/metrics_proc.h"
#include "platform/vm.h"

struct metrics_series {
	int		 ms_used;
	enum metrics_def ms_def;
	uint64_t	 ms_hash;	/* of the key, to find it fast */
	int64_t		 ms_seen;	/* newest second sampled */
	char		 ms_vm[VM_NAME_MAX + 1];
	char		 ms_lk[METRICS_LABEL_MAX][16];
	char		 ms_lv[METRICS_LABEL_MAX][64];
	struct mring	 ms_ring;
};

/* What the sampler remembers of one local VM between seconds. */
struct metrics_vm {
	int		 mv_used;
	char		 mv_name[VM_NAME_MAX + 1];
	pid_t		 mv_pid;
	int		 mv_ndisks;
	char		 mv_pool[VM_MAX_DISKS][64];	/* disk i's pool */
	uint64_t	 mv_disk[VM_MAX_DISKS][4];	/* last blockstats */
	int		 mv_disk_ok;			/* mv_disk holds some */
	int		 mv_nnics;
	int64_t		 mv_block_t;	/* last query-blockstats (second) */
	int		 mv_seen;	/* found in this pass */
};

#define METRICS_MAX_VMS	128
#define METRICS_MAX_POOLS 32
/* query-blockstats once per VM every this many seconds: a QMP round
 * trip with the VM's monitor held, kept rare. */
#define METRICS_BLOCK_EVERY_S	5

struct metrics {
	char			 m_node[64];
	pthread_mutex_t		 m_mu;
	struct metrics_series	*m_series;	/* METRICS_MAX_SERIES */
	size_t			 m_nused;
	int			 m_full_logged;
	/* sampler */
	const struct hvd_config	*m_cf;
	struct vmops		*m_vo;
	pthread_t		 m_th;
	int			 m_started;
	volatile int		 m_stop;
	long			 m_hz;		/* clock ticks per second */
	long			 m_page;	/* bytes per page */
	struct metrics_vm	 m_vms[METRICS_MAX_VMS];
	char			 m_pool[METRICS_MAX_POOLS][64];
	uint64_t		 m_pool_ctr[METRICS_MAX_POOLS][4];
	size_t			 m_npools;
};

/* One second of this node's own series (node, pools, the sampler). */
void metrics_sample_node(struct metrics *m, int64_t t);
/* One second of every local VM's series. */
void metrics_sample_vms(struct metrics *m, int64_t t);
/* A disk's blockstats grew by delta[4] on pool: the pool's counters. */
void metrics_pool_add(struct metrics *m, const char *pool,
    const uint64_t delta[4]);

/* The file at path into buf (NUL-terminated, cut at len - 1): bytes
 * read, or -1 with err. */
ssize_t metrics_read_file(const char *path, char *buf, size_t len,
    char *err);

#endif
