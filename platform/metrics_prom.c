/*
 * metrics_prom.c - the metrics store as Prometheus' text exposition
 * format, version 0.0.4 (metrics.h, metrics_expose): for each metric
 * one HELP and one TYPE line, then its current series with the labels
 * node, vm (VM series) and their own, values as they are (counters
 * never turned into rates: Prometheus does that).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/metrics_priv.h"

/* A growing text buffer; on OOM it stays failed and the end says so. */
struct pbuf {
	char	*b;
	size_t	 len, cap;
	int	 oom;
};

static void __attribute__((format(printf, 2, 3)))
pb_add(struct pbuf *p, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *nb;
	int n;

	if (p->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(p->b + p->len, p->cap - p->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			p->oom = 1;
			return;
		}
		if ((size_t)n < p->cap - p->len) {
			p->len += (size_t)n;
			return;
		}
		cap = p->cap * 2 + (size_t)n + 1;
		if ((nb = realloc(p->b, cap)) == NULL) {
			p->oom = 1;
			return;
		}
		p->b = nb;
		p->cap = cap;
	}
}

/* A label value with \, " and newline escaped. */
static void
pb_label(struct pbuf *p, const char *k, const char *v)
{
	pb_add(p, ",%s=\"", k);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			pb_add(p, "\\%c", *v);
		else if (*v == '\n')
			pb_add(p, "\\n");
		else
			pb_add(p, "%c", *v);
	}
	pb_add(p, "\"");
}

static void
pb_series(struct pbuf *p, const char *node, const struct metrics_series *s)
{
	const struct metrics_defn *d = &metrics_defs[s->ms_def];
	double v = mring_last(&s->ms_ring, NULL);
	size_t i;

	pb_add(p, "%s{node=\"%s\"", d->md_name, node);
	if (s->ms_vm[0] != '\0')
		pb_label(p, "vm", s->ms_vm);
	for (i = 0; i < METRICS_LABEL_MAX; i++)
		if (s->ms_lk[i][0] != '\0')
			pb_label(p, s->ms_lk[i], s->ms_lv[i]);
	/* 16 significant digits: integers stay exact up to 2^53, and
	 * seconds counted in ticks print as counted ("62.11"). */
	pb_add(p, "} %.16g\n", v);
}

int
metrics_expose(struct metrics *m, int64_t now, char **text, size_t *len,
    char *err)
{
	struct pbuf p = { NULL, 0, 0, 0 };
	const struct metrics_series *s;
	int d, head;
	size_t i;

	if ((p.b = malloc(p.cap = 65536)) == NULL)
		return err_errno(err, "metrics text");
	p.b[0] = '\0';
	pthread_mutex_lock(&m->m_mu);
	for (d = 0; d < MD_NDEFS; d++) {
		head = 0;
		for (i = 0; i < METRICS_MAX_SERIES; i++) {
			s = &m->m_series[i];
			if (!s->ms_used || s->ms_def != (enum metrics_def)d ||
			    s->ms_seen < now - METRICS_STALE_S)
				continue;
			if (!head++)
				pb_add(&p, "# HELP %s %s\n# TYPE %s %s\n",
				    metrics_defs[d].md_name,
				    metrics_defs[d].md_help,
				    metrics_defs[d].md_name,
				    metrics_defs[d].md_counter ? "counter" :
				    "gauge");
			pb_series(&p, m->m_node, s);
		}
	}
	pthread_mutex_unlock(&m->m_mu);
	if (p.oom) {
		free(p.b);
		errno = ENOMEM;
		return err_errno(err, "metrics text");
	}
	*text = p.b;
	*len = p.len;
	return 0;
}
