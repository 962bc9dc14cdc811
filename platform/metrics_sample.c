/*
 * metrics_sample.c - hvd's sampler thread (metrics.h): once a second,
 * on the second, the node's own series from /proc (read in the node's
 * network namespace, where hvd runs), the pools' counters, then each
 * local VM's (metrics_vm.c).  It measures its own CPU time
 * (hvd_metrics_sample_seconds_total), so what sampling costs is a
 * series like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "platform/metrics_priv.h"

#define NETDEV_MAX	64

ssize_t
metrics_read_file(const char *path, char *buf, size_t len, char *err)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_errno(err, "%s", path);
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(err, "read %s", path);
			close(fd);
			return -1;
		}
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static void
put1(struct metrics *m, enum metrics_def d, const char *k, const char *v,
    int64_t t, double x)
{
	struct metrics_key key = { d, NULL, { { k, v } } };

	metrics_put(m, &key, t, x);
}

static void
sample_cpu_mem_load(struct metrics *m, int64_t t, char *buf, size_t len)
{
	uint64_t ticks[MP_NMODES];
	struct mp_mem mem;
	double load[3];
	char err[ERR_LEN];
	int i;

	if (metrics_read_file("/proc/stat", buf, len, err) < 0 ||
	    mp_parse_stat(buf, ticks, err) != 0)
		log_debug("metrics: %s", err);
	else
		for (i = 0; i < MP_NMODES; i++)
			put1(m, MD_NODE_CPU, "mode", mp_cpu_mode_names[i], t,
			    (double)ticks[i] / (double)m->m_hz);
	if (metrics_read_file("/proc/meminfo", buf, len, err) < 0 ||
	    mp_parse_meminfo(buf, &mem, err) != 0)
		log_debug("metrics: %s", err);
	else {
		put1(m, MD_NODE_MEM_TOTAL, NULL, NULL, t, (double)mem.mm_total);
		put1(m, MD_NODE_MEM_FREE, NULL, NULL, t, (double)mem.mm_free);
		put1(m, MD_NODE_MEM_AVAIL, NULL, NULL, t,
		    (double)mem.mm_available);
	}
	if (metrics_read_file("/proc/loadavg", buf, len, err) < 0 ||
	    mp_parse_loadavg(buf, load, err) != 0)
		log_debug("metrics: %s", err);
	else {
		put1(m, MD_NODE_LOAD1, NULL, NULL, t, load[0]);
		put1(m, MD_NODE_LOAD5, NULL, NULL, t, load[1]);
		put1(m, MD_NODE_LOAD15, NULL, NULL, t, load[2]);
	}
}

/* A VM's tap ("hv" + hash + "n" + index, vm.h): counted as the VM's,
 * not the node's. */
static int
is_vm_tap(const char *ifname)
{
	size_t n = strlen(ifname);

	return strncmp(ifname, "hv", 2) == 0 && n > 4 &&
	    ifname[n - 2] == 'n' && ifname[n - 1] >= '0' &&
	    ifname[n - 1] <= '9';
}

static void
sample_net(struct metrics *m, int64_t t, char *buf, size_t len)
{
	struct mp_netdev nd[NETDEV_MAX];
	char err[ERR_LEN];
	size_t n, i;

	if (metrics_read_file("/proc/net/dev", buf, len, err) < 0 ||
	    mp_parse_netdev(buf, nd, NETDEV_MAX, &n, err) != 0) {
		log_debug("metrics: %s", err);
		return;
	}
	for (i = 0; i < n; i++) {
		if (is_vm_tap(nd[i].nd_name))
			continue;
		put1(m, MD_NODE_RX_BYTES, "interface", nd[i].nd_name, t,
		    (double)nd[i].nd_rx_bytes);
		put1(m, MD_NODE_RX_PACKETS, "interface", nd[i].nd_name, t,
		    (double)nd[i].nd_rx_packets);
		put1(m, MD_NODE_TX_BYTES, "interface", nd[i].nd_name, t,
		    (double)nd[i].nd_tx_bytes);
		put1(m, MD_NODE_TX_PACKETS, "interface", nd[i].nd_name, t,
		    (double)nd[i].nd_tx_packets);
	}
}

void
metrics_pool_add(struct metrics *m, const char *pool,
    const uint64_t delta[4])
{
	size_t i, j;

	for (i = 0; i < m->m_npools; i++)
		if (strcmp(m->m_pool[i], pool) == 0)
			break;
	if (i == m->m_npools) {
		if (m->m_npools == METRICS_MAX_POOLS)
			return;
		snprintf(m->m_pool[m->m_npools++], sizeof(m->m_pool[0]), "%s",
		    pool);
	}
	for (j = 0; j < 4; j++)
		m->m_pool_ctr[i][j] += delta[j];
}

static void
sample_pools(struct metrics *m, int64_t t)
{
	static const enum metrics_def defs[4] = { MD_POOL_RD_BYTES,
	    MD_POOL_WR_BYTES, MD_POOL_RD_OPS, MD_POOL_WR_OPS };
	size_t i, j;

	for (i = 0; i < m->m_npools; i++)
		for (j = 0; j < 4; j++)
			put1(m, defs[j], "pool", m->m_pool[i], t,
			    (double)m->m_pool_ctr[i][j]);
}

void
metrics_sample_node(struct metrics *m, int64_t t)
{
	static char buf[32768];	/* the sampler thread's alone */

	sample_cpu_mem_load(m, t, buf, sizeof(buf));
	sample_net(m, t, buf, sizeof(buf));
	sample_pools(m, t);
}

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
sampler_main(void *arg)
{
	struct metrics *m = arg;
	uint64_t now;
	int64_t t;

	while (!m->m_stop) {
		now = clock_wall_ns();
		/* Just after the next whole second. */
		clock_sleep_ns(NS_PER_S - now % NS_PER_S + 10 * NS_PER_MS);
		if (m->m_stop)
			break;
		t = (int64_t)(clock_wall_ns() / NS_PER_S);
		metrics_sample_vms(m, t);
		metrics_sample_node(m, t);
		put1(m, MD_SERIES, NULL, NULL, t, (double)m->m_nused);
		put1(m, MD_SAMPLE_CPU, NULL, NULL, t, thread_cpu_s());
	}
	return NULL;
}

struct metrics *
metrics_start(const struct hvd_config *cf, struct vmops *vo, char *err)
{
	struct metrics *m;

	if ((m = metrics_store_new(cf->cf_node, err)) == NULL)
		return NULL;
	m->m_cf = cf;
	m->m_vo = vo;
	m->m_hz = sysconf(_SC_CLK_TCK);
	m->m_page = sysconf(_SC_PAGESIZE);
	if (m->m_hz <= 0)
		m->m_hz = 100;
	if (m->m_page <= 0)
		m->m_page = 4096;
	if (pthread_create(&m->m_th, NULL, sampler_main, m) != 0) {
		err_errno(err, "metrics sampler thread");
		metrics_store_free(m);
		return NULL;
	}
	m->m_started = 1;
	return m;
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->m_started) {
		m->m_stop = 1;
		pthread_join(m->m_th, NULL);
	}
	metrics_store_free(m);
}
