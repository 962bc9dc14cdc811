/*
 * metrics_ring.h - the fixed memory one metric series keeps in hvd: a
 * ring of 600 one-second samples (10 minutes) and a ring of 1440
 * one-minute samples (24 hours), indexed by time so a sample costs no
 * allocation and no timestamp.  A second or minute without a sample
 * holds NaN (a gap).  The one-minute value of a counter is its last
 * value in that minute, of a gauge the mean of its samples there.
 *
 * Reading turns counters into rates: the value at t is (v(t) -
 * v(t - step)) / step, absent when either end is a gap or the counter
 * went down (a restarted QEMU).  Pure code: no locking, no I/O.
 */
#ifndef HVD_METRICS_RING_H
#define HVD_METRICS_RING_H

#include <stddef.h>
#include <stdint.h>

#define MRING_FINE_N	600	/* 1 s samples: 10 min */
#define MRING_COARSE_N	1440	/* 1 min samples: 24 h */
#define MRING_MAX_POINTS 1440	/* most points one read returns */

struct mring {
	int64_t	r_fine_t;	/* newest second sampled; 0 = none yet */
	int64_t	r_coarse_t;	/* start of the newest minute sampled */
	double	r_sum;		/* gauge: sum and count in that minute */
	int	r_cnt;
	int	r_counter;	/* a counter (rates on reading) */
	double	r_fine[MRING_FINE_N];
	double	r_coarse[MRING_COARSE_N];
};

/* An empty ring for a counter (counter != 0) or a gauge. */
void mring_init(struct mring *r, int counter);
/* Sample v at second t (Unix time).  A sample older than the newest is
 * ignored; one for the same second replaces it. */
void mring_put(struct mring *r, int64_t t, double v);
/* The newest sample, NaN when none; *t (may be NULL) gets its second. */
double mring_last(const struct mring *r, int64_t *t);
/* The newest rate of a counter over step seconds (NaN when unknown). */
double mring_rate(const struct mring *r, int64_t step);

/* What a read asks: points at multiples of step after since, up to
 * now.  step 1..59 only within the last 10 minutes; older reads need a
 * step that is a multiple of 60.  since older than 24 h is moved to
 * 24 h ago. */
struct mring_query {
	int64_t	q_since;
	int64_t	q_step;
	int64_t	q_now;
};

/* Check q (the message names 'since' or 'step'): 0 or -1 with err. */
int mring_query_check(struct mring_query *q, char *err);
/* Points of a checked q into t[] and v[] (room for MRING_MAX_POINTS):
 * their number.  Gaps are left out. */
size_t mring_read(const struct mring *r, const struct mring_query *q,
    int64_t *t, double *v);

#endif
