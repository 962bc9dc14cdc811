/*
 * libvirt_stats.c - the libvirt driver's monitoring operations.  libvirt
 * keeps no history: it answers counters as they are now.  So:
 *  - metrics: per host, virNodeGetCPUStats (CPU time by mode) and
 *    virNodeGetMemoryStats (total, free, buffers, cached), and
 *    virConnectGetAllDomainStats of its running domains (CPU total,
 *    vCPUs, balloon, block devices, interfaces): every typed parameter
 *    one drv_metric ("cpu.time", "block.0.rd.bytes", ...);
 *  - vm_cpu: the driver samples the domain's cpu.time (ns) at each call
 *    (virDomainListGetStats, CPU_TOTAL) and keeps the samples; the series
 *    is the rate between consecutive ones, in cores.  Polled once a
 *    second, it has the 1 s steps hvd's own sampler has.
 * libvirt has no Prometheus endpoint built in (prom stays NULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "scenarios/drivers/libvirt.h"

#define LV_SAMPLES_MAX 4096	/* an hour at one a second per VM */
#define LV_NODE_STATS_MAX 16	/* fields of a node's CPU or memory */

struct lv_vm_samples {
	char vs_vm[DRV_NAME_MAX];
	struct lv_cpu_sample *vs_s;
	size_t vs_n;
};

struct lv_stats {
	struct lv_vm_samples *st_vms;
	size_t st_nvms;
};

void
lv_stats_free(struct lv_stats *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->st_nvms; i++)
		free(st->st_vms[i].vs_s);
	free(st->st_vms);
	free(st);
}

size_t
lv_cpu_rates(const struct lv_cpu_sample *s, size_t n, double since,
    struct drv_point *out)
{
	size_t i, k = 0;
	double dt;

	for (i = 1; i < n; i++) {
		dt = s[i].cs_t - s[i - 1].cs_t;
		/* a new QEMU counts from zero again */
		if (s[i].cs_t < since || dt <= 0 ||
		    s[i].cs_cpu_ns < s[i - 1].cs_cpu_ns)
			continue;
		out[k].pt_t = s[i].cs_t;
		out[k++].pt_v = (double)(s[i].cs_cpu_ns - s[i - 1].cs_cpu_ns) /
		    1e9 / dt;
	}
	return k;
}

/* vm's samples, made when new.  NULL when out of memory. */
static struct lv_vm_samples *
lv_samples_of(struct driver *d, const char *vm)
{
	struct lv_stats **stp = lv_stats_of(d), *st = *stp;
	struct lv_vm_samples *v;
	size_t i;

	if (st == NULL && (st = *stp = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	for (i = 0; i < st->st_nvms; i++)
		if (strcmp(st->st_vms[i].vs_vm, vm) == 0)
			return &st->st_vms[i];
	v = realloc(st->st_vms, (st->st_nvms + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	st->st_vms = v;
	v = &st->st_vms[st->st_nvms++];
	memset(v, 0, sizeof(*v));
	snprintf(v->vs_vm, sizeof(v->vs_vm), "%s", vm);
	if ((v->vs_s = calloc(LV_SAMPLES_MAX, sizeof(*v->vs_s))) == NULL) {
		st->st_nvms--;
		return NULL;
	}
	return v;
}

/* The domain's cpu.time now, into a new sample of v. */
static int
lv_cpu_sample(struct driver *d, const char *vm, struct lv_vm_samples *v,
    char *err)
{
	virDomainPtr dom = lv_find(d, vm, NULL, err), doms[2] = { dom, NULL };
	virDomainStatsRecordPtr *recs = NULL;
	unsigned long long ns = 0;
	int n, rc = -1;

	if (dom == NULL)
		return -1;
	n = LV_RPC(d, virDomainListGetStats(doms, VIR_DOMAIN_STATS_CPU_TOTAL,
	    &recs, 0));
	if (n != 1 || virTypedParamsGetULLong(recs[0]->params,
	    recs[0]->nparams, "cpu.time", &ns) != 1) {
		err_set(err, "libvirt: %s's cpu.time: %s", vm, n < 0 ?
		    lv_why() : "not in its statistics (not running?)");
		goto out;
	}
	if (v->vs_n == LV_SAMPLES_MAX) {
		memmove(v->vs_s, v->vs_s + 1, (LV_SAMPLES_MAX - 1) *
		    sizeof(*v->vs_s));
		v->vs_n--;
	}
	v->vs_s[v->vs_n].cs_t = (double)clock_wall_ns() / 1e9;
	v->vs_s[v->vs_n++].cs_cpu_ns = ns;
	rc = 0;
out:
	if (recs != NULL)
		virDomainStatsRecordListFree(recs);
	virDomainFree(dom);
	return rc;
}

int
lv_vm_cpu(struct driver *d, const char *vm, double since,
    struct drv_point **pts, size_t *n, char *err)
{
	struct lv_vm_samples *v = lv_samples_of(d, vm);

	*pts = NULL;
	*n = 0;
	if (v == NULL)
		return err_set(err, "out of memory");
	if (lv_cpu_sample(d, vm, v, err) == -1)
		return -1;
	if ((*pts = calloc(v->vs_n + 1, sizeof(**pts))) == NULL)
		return err_set(err, "out of memory");
	*n = lv_cpu_rates(v->vs_s, v->vs_n, since, *pts);
	return 0;
}

/* Append name/subject/value to *out. */
static int
lv_metric_add(struct drv_metric **out, size_t *n, const char *name,
    const char *subject, double value, char *err)
{
	struct drv_metric *m = realloc(*out, (*n + 1) * sizeof(*m));

	if (m == NULL)
		return err_set(err, "out of memory");
	*out = m;
	m = &m[(*n)++];
	memset(m, 0, sizeof(*m));
	snprintf(m->m_name, sizeof(m->m_name), "%s", name);
	snprintf(m->m_subject, sizeof(m->m_subject), "%s", subject);
	m->m_value = value;
	return 0;
}

/* The host's CPU (ns by mode) and memory (KiB) as libvirt tells them. */
static int
lv_node_stats(struct driver *d, virConnectPtr c, const char *host,
    struct drv_metric **out, size_t *n, char *err)
{
	virNodeCPUStats cpu[LV_NODE_STATS_MAX];
	virNodeMemoryStats mem[LV_NODE_STATS_MAX];
	int ncpu = 0, nmem = 0, i;
	char name[96];

	/* libvirt wants the exact count, asked first with no room. */
	if (LV_RPC(d, virNodeGetCPUStats(c, VIR_NODE_CPU_STATS_ALL_CPUS, NULL,
	    &ncpu, 0)) == -1 || LV_RPC(d, virNodeGetMemoryStats(c,
	    VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &nmem, 0)) == -1 ||
	    ncpu > LV_NODE_STATS_MAX || nmem > LV_NODE_STATS_MAX ||
	    LV_RPC(d, virNodeGetCPUStats(c, VIR_NODE_CPU_STATS_ALL_CPUS, cpu,
	    &ncpu, 0)) == -1 || LV_RPC(d, virNodeGetMemoryStats(c,
	    VIR_NODE_MEMORY_STATS_ALL_CELLS, mem, &nmem, 0)) == -1)
		return err_set(err, "libvirt: %s's node statistics: %s", host,
		    ncpu > LV_NODE_STATS_MAX || nmem > LV_NODE_STATS_MAX ?
		    "more fields than the driver takes" : lv_why());
	for (i = 0; i < ncpu; i++) {
		snprintf(name, sizeof(name), "node_cpu_ns{mode=%s}",
		    cpu[i].field);
		if (lv_metric_add(out, n, name, host, (double)cpu[i].value,
		    err) == -1)
			return -1;
	}
	for (i = 0; i < nmem; i++) {
		snprintf(name, sizeof(name), "node_memory_kib{kind=%s}",
		    mem[i].field);
		if (lv_metric_add(out, n, name, host, (double)mem[i].value,
		    err) == -1)
			return -1;
	}
	return 0;
}

/* Every numeric statistic of each running domain on the host. */
static int
lv_domain_stats(struct driver *d, virConnectPtr c, const char *host,
    struct drv_metric **out, size_t *n, char *err)
{
	virDomainStatsRecordPtr *recs = NULL;
	virTypedParameterPtr p;
	int nr, i, j, rc = 0;
	double v;

	nr = LV_RPC(d, virConnectGetAllDomainStats(c,
	    VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU |
	    VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_BLOCK |
	    VIR_DOMAIN_STATS_INTERFACE, &recs,
	    VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE));
	if (nr < 0)
		return err_set(err, "libvirt: %s's domain statistics: %s", host,
		    lv_why());
	for (i = 0; i < nr && rc == 0; i++)
		for (j = 0; j < recs[i]->nparams && rc == 0; j++) {
			p = &recs[i]->params[j];
			switch (p->type) {
			case VIR_TYPED_PARAM_INT: v = p->value.i; break;
			case VIR_TYPED_PARAM_UINT: v = p->value.ui; break;
			case VIR_TYPED_PARAM_LLONG: v = (double)p->value.l;
			    break;
			case VIR_TYPED_PARAM_ULLONG: v = (double)p->value.ul;
			    break;
			case VIR_TYPED_PARAM_DOUBLE: v = p->value.d; break;
			default: continue;	/* names, booleans */
			}
			rc = lv_metric_add(out, n, p->field,
			    virDomainGetName(recs[i]->dom), v, err);
		}
	virDomainStatsRecordListFree(recs);
	return rc;
}

int
lv_metrics(struct driver *d, struct drv_metric **out, size_t *n, char *err)
{
	const struct drv_env *env = d->d_env;
	virConnectPtr c;
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < env->e_nhosts; i++) {
		const char *h = env->e_hosts[i].h_name;

		if ((c = lv_conn(d, h, err)) == NULL ||
		    lv_node_stats(d, c, h, out, n, err) == -1 ||
		    lv_domain_stats(d, c, h, out, n, err) == -1) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}
