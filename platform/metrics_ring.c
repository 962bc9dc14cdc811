/*
 * metrics_ring.c - one series' two time-indexed rings (metrics_ring.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "platform/metrics_ring.h"

#define COARSE_S	60

void
mring_init(struct mring *r, int counter)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->r_counter = counter;
	for (i = 0; i < MRING_FINE_N; i++)
		r->r_fine[i] = NAN;
	for (i = 0; i < MRING_COARSE_N; i++)
		r->r_coarse[i] = NAN;
}

static size_t
fine_ix(int64_t t)
{
	return (size_t)(t % MRING_FINE_N);
}

static size_t
coarse_ix(int64_t m)
{
	return (size_t)((m / COARSE_S) % MRING_COARSE_N);
}

/* The seconds (or minutes) skipped since the newest sample become gaps;
 * a jump longer than the ring clears all of it. */
static void
gap_fill(double *ring, size_t n, int64_t from, int64_t to, int64_t unit)
{
	int64_t t;

	if (from == 0 || (to - from) / unit >= (int64_t)n) {
		for (t = 0; t < (int64_t)n; t++)
			ring[t] = NAN;
		return;
	}
	for (t = from + unit; t < to; t += unit)
		ring[(t / unit) % (int64_t)n] = NAN;
}

static void
coarse_put(struct mring *r, int64_t t, double v)
{
	int64_t m = t - t % COARSE_S;

	if (m < r->r_coarse_t)
		return;
	if (m > r->r_coarse_t) {
		gap_fill(r->r_coarse, MRING_COARSE_N, r->r_coarse_t, m,
		    COARSE_S);
		r->r_coarse_t = m;
		r->r_sum = 0;
		r->r_cnt = 0;
	}
	r->r_sum += v;
	r->r_cnt++;
	r->r_coarse[coarse_ix(m)] = r->r_counter ? v : r->r_sum / r->r_cnt;
}

void
mring_put(struct mring *r, int64_t t, double v)
{
	if (t <= 0 || t < r->r_fine_t || isnan(v))
		return;
	if (t == r->r_fine_t) {
		/* A second sampled twice: the later value wins; the gauge
		 * mean of the minute counts it once. */
		if (!r->r_counter && r->r_cnt > 0)
			r->r_sum -= r->r_fine[fine_ix(t)];
		if (r->r_cnt > 0)
			r->r_cnt--;
	} else
		gap_fill(r->r_fine, MRING_FINE_N, r->r_fine_t, t, 1);
	r->r_fine_t = t;
	r->r_fine[fine_ix(t)] = v;
	coarse_put(r, t, v);
}

double
mring_last(const struct mring *r, int64_t *t)
{
	if (t != NULL)
		*t = r->r_fine_t;
	return r->r_fine_t == 0 ? NAN : r->r_fine[fine_ix(r->r_fine_t)];
}

/* The sample at second t of the fine ring, NaN outside it. */
static double
fine_at(const struct mring *r, int64_t t)
{
	if (r->r_fine_t == 0 || t > r->r_fine_t ||
	    t <= r->r_fine_t - MRING_FINE_N)
		return NAN;
	return r->r_fine[fine_ix(t)];
}

/* The value of the minute starting at m, NaN outside the ring. */
static double
coarse_at(const struct mring *r, int64_t m)
{
	if (r->r_coarse_t == 0 || m > r->r_coarse_t ||
	    m <= r->r_coarse_t - (int64_t)MRING_COARSE_N * COARSE_S)
		return NAN;
	return r->r_coarse[coarse_ix(m)];
}

static double
rate_of(double a, double b, int64_t step)
{
	if (isnan(a) || isnan(b) || b < a)
		return NAN;
	return (b - a) / (double)step;
}

double
mring_rate(const struct mring *r, int64_t step)
{
	int64_t t = r->r_fine_t;

	if (step < 1 || step >= MRING_FINE_N)
		return NAN;
	return rate_of(fine_at(r, t - step), fine_at(r, t), step);
}

int
mring_query_check(struct mring_query *q, char *err)
{
	int64_t oldest = q->q_now - (int64_t)MRING_COARSE_N * COARSE_S;

	if (q->q_step < 1)
		return err_set(err, "step must be at least 1 second");
	if (q->q_since < 0)
		q->q_since = q->q_now + q->q_since;
	if (q->q_since >= q->q_now)
		return err_set(err, "since must lie in the past");
	if (q->q_since < oldest)
		q->q_since = oldest;
	if (q->q_since < q->q_now - MRING_FINE_N + 1 &&
	    q->q_step % COARSE_S != 0)
		return err_set(err, "step must be a multiple of 60 seconds "
		    "when since is more than %d seconds ago", MRING_FINE_N - 1);
	if ((q->q_now - q->q_since) / q->q_step > MRING_MAX_POINTS)
		return err_set(err, "step %lld gives more than %d points; "
		    "use a larger step", (long long)q->q_step,
		    MRING_MAX_POINTS);
	return 0;
}

size_t
mring_read(const struct mring *r, const struct mring_query *q, int64_t *t,
    double *v)
{
	int coarse = q->q_step % COARSE_S == 0 &&
	    q->q_since < q->q_now - MRING_FINE_N + 1;
	double (*at)(const struct mring *, int64_t) = coarse ? coarse_at :
	    fine_at;
	int64_t x = q->q_since - q->q_since % q->q_step + q->q_step;
	size_t n = 0;
	double a;

	for (; x <= q->q_now && n < MRING_MAX_POINTS; x += q->q_step) {
		a = r->r_counter ? rate_of(at(r, x - q->q_step), at(r, x),
		    q->q_step) : at(r, x);
		if (isnan(a))
			continue;
		t[n] = x;
		v[n++] = a;
	}
	return n;
}
