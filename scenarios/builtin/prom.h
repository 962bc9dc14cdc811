/*
 * prom.h - a Prometheus in the lab's station, for the Performance
 * monitoring row: Debian's `prometheus` scraping a platform's own
 * endpoint (driver_ops.prom) every second, and its HTTP API asked from
 * the station.  It runs as LAB-prometheus, its configuration and data
 * under the lab's state directory (STATE/prometheus/), listens on the
 * station's own 127.0.0.1:9090, and is killed by its pid at the row's
 * end; `hvlab lab down` kills it with everything else in the station's
 * namespace.
 */
#ifndef HV_BUILTIN_PROM_H
#define HV_BUILTIN_PROM_H

#include <sys/types.h>

#include "scenarios/runner_priv.h"

struct prom {
	pid_t pm_pid;			/* 0: not running */
	char pm_dir[1024];		/* its configuration and data */
	char pm_netns[64];		/* the station's */
};

/*
 * Write the configuration for p's targets and start Prometheus in the
 * lab's station.  0, or -1 with err (prometheus not installed, a bad
 * configuration as promtool would say, no lab).
 */
int prom_start(struct rctx *rc, const struct drv_prom *p, struct prom *pm,
    char *err);

/*
 * An instant query: the value of a one-element vector answer into *v.
 * 1 with *v, 0 when the answer is empty (not scraped yet), -1 with err.
 */
int prom_query(const struct prom *pm, const char *query, double *v,
    char *err);

/* Wait up to tmo_s until every one of n targets is up.  0, or -1 with
 * err saying how many were. */
int prom_wait_up(struct rctx *rc, const struct prom *pm, size_t n,
    long tmo_s, char *err);

/* Kill it by its pid and reap it; its directory stays for reading. */
void prom_stop(struct prom *pm);

/* "a b" -> "a%20b": a query string's value.  Pure. */
void prom_urlencode(const char *s, char *out, size_t len);

#endif
