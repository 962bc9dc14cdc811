/*
 * ping_stats.c - the ping probe's timeline and its figures (pure code).
 *
 * See ping_stats.h.  Nothing here reads a clock or a socket: the same code
 * runs on live captures and on the unit tests' crafted timelines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "probes/ping_stats.h"

#define PING_SLOTS_LIMIT ((size_t)1 << 26)

void
ping_timeline_init(struct ping_timeline *t)
{
	memset(t, 0, sizeof(*t));
}

void
ping_timeline_free(struct ping_timeline *t)
{
	free(t->pt_slots);
	t->pt_slots = NULL;
	t->pt_n = t->pt_cap = 0;
}

uint64_t
ping_seq_extend(uint64_t ref, uint16_t seq16)
{
	uint64_t base = ref & ~(uint64_t)0xffff;
	uint64_t cand = base | seq16;

	/* Pick among cand - 65536, cand, cand + 65536 the nearest to ref. */
	if (cand > ref && cand - ref > 32768) {
		if (cand >= 65536)
			cand -= 65536;
	} else if (cand < ref && ref - cand >= 32768) {
		cand += 65536;
	}
	return cand;
}

/* Grow the slot array so that index seq exists. */
static int
timeline_reserve(struct ping_timeline *t, uint64_t seq, char *err)
{
	size_t limit = t->pt_limit ? t->pt_limit : PING_SLOTS_LIMIT;
	size_t need, cap;
	struct ping_slot *s;

	if (seq >= limit)
		return err_set(err, "ping timeline: sequence %llu beyond the "
		    "limit of %zu requests", (unsigned long long)seq, limit);
	need = (size_t)seq + 1;
	if (need <= t->pt_n)
		return 0;
	if (need > t->pt_cap) {
		cap = t->pt_cap ? t->pt_cap : 1024;
		while (cap < need)
			cap *= 2;
		s = realloc(t->pt_slots, cap * sizeof(*s));
		if (s == NULL)
			return err_errno(err, "ping timeline: %zu slots", cap);
		t->pt_slots = s;
		t->pt_cap = cap;
	}
	memset(t->pt_slots + t->pt_n, 0, (need - t->pt_n) * sizeof(*s));
	t->pt_n = need;
	return 0;
}

int
ping_timeline_add_seq(struct ping_timeline *t, int kind, uint64_t seq,
    uint64_t ts_ns, char *err)
{
	struct ping_slot *s;

	if (kind != PING_OBS_REQUEST && kind != PING_OBS_REPLY)
		return err_set(err, "ping timeline: bad observation kind %d",
		    kind);
	if (timeline_reserve(t, seq, err) == -1)
		return -1;
	if (!t->pt_have_ref || seq > t->pt_ref)
		t->pt_ref = seq;
	t->pt_have_ref = 1;
	s = &t->pt_slots[seq];
	if (kind == PING_OBS_REQUEST) {
		if (s->ps_sent_ns == 0)
			s->ps_sent_ns = ts_ns;
		return 0;
	}
	if (s->ps_replies++ == 0) {
		s->ps_recv_ns = ts_ns;
		if (seq + 1 < t->pt_max_replied)
			t->pt_reordered++;
		else
			t->pt_max_replied = seq + 1;
	}
	return 0;
}

int
ping_timeline_add(struct ping_timeline *t, int kind, uint16_t seq16,
    uint64_t ts_ns, char *err)
{
	/* The first observation anchors the window: seq16 itself. */
	return ping_timeline_add_seq(t, kind, t->pt_have_ref ?
	    ping_seq_extend(t->pt_ref, seq16) : seq16, ts_ns, err);
}

int
ping_timeline_complete(struct ping_timeline *t, size_t n,
    const uint64_t *sent_ns, char *err)
{
	size_t i;

	if (n > 0 && timeline_reserve(t, n - 1, err) == -1)
		return -1;
	if (sent_ns != NULL)
		for (i = 0; i < n; i++)
			if (t->pt_slots[i].ps_sent_ns == 0)
				t->pt_slots[i].ps_sent_ns = sent_ns[i];
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
stats_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

/* Sort times and widen [*start, *end] to cover them (end >= start). */
static void
gap_bounds(uint64_t *times, size_t n, uint64_t *start_ns, uint64_t *end_ns)
{
	stats_sort_u64(times, n);
	if (n > 0 && times[0] < *start_ns)
		*start_ns = times[0];
	if (n > 0 && times[n - 1] > *end_ns)
		*end_ns = times[n - 1];
	if (*end_ns < *start_ns)
		*end_ns = *start_ns;
}

void
stats_gap_across(uint64_t *times, size_t n, uint64_t start_ns,
    uint64_t end_ns, struct stats_span w, struct stats_gap *g)
{
	uint64_t a, b;
	size_t i;

	memset(g, 0, sizeof(*g));
	gap_bounds(times, n, &start_ns, &end_ns);
	/* Gap i runs from event i-1 (or the start bound) to event i (or,
	 * for i == n, the end bound). */
	for (i = 0; i <= n; i++) {
		a = i == 0 ? start_ns : times[i - 1];
		b = i == n ? end_ns : times[i];
		if (b < w.sp_lo_ns || a > w.sp_hi_ns || b - a <= g->g_len_ns)
			continue;
		g->g_len_ns = b - a;
		g->g_start_ns = a;
		g->g_end_ns = b;
		g->g_open_start = i == 0;
		g->g_open_end = i == n;
	}
}

int
ping_stats_gap_across(const struct ping_timeline *t,
    const struct ping_stats *st, struct stats_span w, struct stats_gap *g,
    uint64_t *lost, char *err)
{
	uint64_t *recv;
	size_t i, n = 0, first, last;

	memset(g, 0, sizeof(*g));
	*lost = 0;
	if ((recv = malloc((t->pt_n + 1) * sizeof(*recv))) == NULL)
		return err_set(err, "ping: out of memory");
	for (i = 0; i < t->pt_n; i++)
		if (t->pt_slots[i].ps_replies > 0)
			recv[n++] = t->pt_slots[i].ps_recv_ns;
	stats_gap_across(recv, n, st->st_start_ns, st->st_end_ns, w, g);
	free(recv);
	if (g->g_len_ns == 0)
		return 0;
	/* The requests between the one answered at the gap's start and the
	 * one answered at its end (or the run's first/last request). */
	first = 0;
	last = t->pt_n;
	for (i = 0; i < t->pt_n; i++) {
		const struct ping_slot *sl = &t->pt_slots[i];

		if (sl->ps_replies == 0)
			continue;
		if (!g->g_open_start && sl->ps_recv_ns == g->g_start_ns)
			first = i + 1;
		if (!g->g_open_end && sl->ps_recv_ns == g->g_end_ns)
			last = i;
	}
	for (i = first; i < last; i++)
		if (t->pt_slots[i].ps_replies == 0)
			(*lost)++;
	return 0;
}

int
ping_stats_migration_downtime(const struct ping_timeline *t,
    const struct ping_stats *st, struct stats_span mig, struct stats_gap *g,
    uint64_t *lost, char *err)
{
	if (mig.sp_hi_ns < mig.sp_lo_ns)
		return err_set(err, "ping: the migration ends before it "
		    "starts");
	mig.sp_hi_ns += PING_MIGRATION_SETTLE_NS;
	return ping_stats_gap_across(t, st, mig, g, lost, err);
}

uint64_t
stats_percentile(const uint64_t *sorted, size_t n, double p)
{
	double rank;
	size_t k;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	/* Nearest rank: the smallest value with at least p % at or below. */
	rank = p / 100.0 * (double)n;
	k = (size_t)rank;
	if ((double)k < rank)
		k++;
	if (k < 1)
		k = 1;
	return sorted[k - 1];
}

void
stats_dist(uint64_t *v, size_t n, struct stats_dist *d)
{
	double sum = 0;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (n == 0)
		return;
	stats_sort_u64(v, n);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	d->d_n = n;
	d->d_min = v[0];
	d->d_max = v[n - 1];
	d->d_p50 = stats_percentile(v, n, 50);
	d->d_p90 = stats_percentile(v, n, 90);
	d->d_p99 = stats_percentile(v, n, 99);
	d->d_mean = sum / (double)n;
}

void
stats_longest_gap(uint64_t *times, size_t n, uint64_t start_ns,
    uint64_t end_ns, struct stats_gap *g)
{
	uint64_t prev, len;
	size_t i;

	memset(g, 0, sizeof(*g));
	gap_bounds(times, n, &start_ns, &end_ns);
	if (n == 0) {
		g->g_len_ns = end_ns - start_ns;
		g->g_start_ns = start_ns;
		g->g_end_ns = end_ns;
		g->g_open_start = g->g_open_end = 1;
		return;
	}
	/* Leading gap: from the start bound to the first event. */
	g->g_len_ns = times[0] - start_ns;
	g->g_start_ns = start_ns;
	g->g_end_ns = times[0];
	g->g_open_start = 1;
	prev = times[0];
	for (i = 1; i < n; i++) {
		len = times[i] - prev;
		if (len > g->g_len_ns) {
			g->g_len_ns = len;
			g->g_start_ns = prev;
			g->g_end_ns = times[i];
			g->g_open_start = 0;
		}
		prev = times[i];
	}
	/* Trailing gap: from the last event to the end bound. */
	if (end_ns - prev > g->g_len_ns) {
		g->g_len_ns = end_ns - prev;
		g->g_start_ns = prev;
		g->g_end_ns = end_ns;
		g->g_open_start = 0;
		g->g_open_end = 1;
	}
}

int
stats_intervals(const uint64_t *t, size_t n, uint64_t nominal_ns,
    struct stats_dist *intervals, struct stats_dist *jitter)
{
	uint64_t *iv = NULL, *jt = NULL, d;
	size_t i, m = 0;
	int rc = -1;

	memset(intervals, 0, sizeof(*intervals));
	memset(jitter, 0, sizeof(*jitter));
	if (n < 2)
		return 0;
	iv = malloc((n - 1) * sizeof(*iv));
	jt = malloc((n - 1) * sizeof(*jt));
	if (iv == NULL || jt == NULL)
		goto fail;
	for (i = 1; i < n; i++) {
		if (t[i] == 0 || t[i - 1] == 0 || t[i] < t[i - 1])
			continue;	/* unknown or out of order: skip */
		d = t[i] - t[i - 1];
		iv[m] = d;
		jt[m] = d > nominal_ns ? d - nominal_ns : nominal_ns - d;
		m++;
	}
	stats_dist(iv, m, intervals);
	stats_dist(jt, m, jitter);
	rc = 0;
fail:
	free(iv);
	free(jt);
	return rc;
}

/*
 * Did the requests stop too?  The longest gap between consecutive
 * requests that overlaps the downtime: close to the downtime means the
 * probe itself was held up, not the path.
 */
static uint64_t
downtime_send_gap(const struct ping_timeline *t, const struct stats_gap *dt)
{
	uint64_t a, b, gap = 0;
	size_t i;

	for (i = 1; i < t->pt_n; i++) {
		a = t->pt_slots[i - 1].ps_sent_ns;
		b = t->pt_slots[i].ps_sent_ns;
		if (a == 0 || b <= a || b < dt->g_start_ns ||
		    a > dt->g_end_ns)
			continue;
		if (b - a > gap)
			gap = b - a;
	}
	return gap;
}

/* The span of the values v[0..n), n > 0. */
static void
u64_range(const uint64_t *v, size_t n, uint64_t *lo, uint64_t *hi)
{
	size_t i;

	*lo = *hi = v[0];
	for (i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

/* The replies and RTTs of t; what ping_stats_compute counts per slot. */
struct slot_scan {
	uint64_t *ss_recv;	/* reply times */
	uint64_t *ss_rtt;
	size_t ss_nrecv, ss_nrtt;
	uint64_t ss_first_sent, ss_last_sent;	/* 0 when none */
};

/* Count replies, losses and their bursts into st; collect reply times
 * and RTTs into sc. */
static void
scan_slots(const struct ping_timeline *t, struct ping_stats *st,
    struct slot_scan *sc)
{
	const struct ping_slot *s;
	size_t i, burst = 0;

	for (i = 0; i < t->pt_n; i++) {
		s = &t->pt_slots[i];
		if (s->ps_sent_ns != 0) {
			if (sc->ss_first_sent == 0 ||
			    s->ps_sent_ns < sc->ss_first_sent)
				sc->ss_first_sent = s->ps_sent_ns;
			if (s->ps_sent_ns > sc->ss_last_sent)
				sc->ss_last_sent = s->ps_sent_ns;
		}
		if (s->ps_replies == 0) {
			if (burst++ == 0)
				st->st_loss_bursts++;
			if (burst > st->st_longest_burst)
				st->st_longest_burst = burst;
			continue;
		}
		burst = 0;
		st->st_received++;
		st->st_duplicates += s->ps_replies - 1;
		sc->ss_recv[sc->ss_nrecv++] = s->ps_recv_ns;
		if (s->ps_sent_ns == 0) {
			/* A reply whose request nobody saw. */
			st->st_stray++;
		} else if (s->ps_recv_ns >= s->ps_sent_ns) {
			sc->ss_rtt[sc->ss_nrtt++] = s->ps_recv_ns -
			    s->ps_sent_ns;
		}
	}
}

int
ping_stats_compute(const struct ping_timeline *t, uint64_t interval_ns,
    struct ping_stats *st, char *err)
{
	struct slot_scan sc;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&sc, 0, sizeof(sc));
	st->st_sent = t->pt_n;
	st->st_reordered = t->pt_reordered;
	if (t->pt_n > 0) {
		sc.ss_recv = malloc(t->pt_n * sizeof(*sc.ss_recv));
		sc.ss_rtt = malloc(t->pt_n * sizeof(*sc.ss_rtt));
		if (sc.ss_recv == NULL || sc.ss_rtt == NULL) {
			err_errno(err, "ping statistics");
			goto fail;
		}
	}
	scan_slots(t, st, &sc);
	st->st_lost = st->st_sent - st->st_received;
	st->st_stray += t->pt_stray;
	if (sc.ss_first_sent == 0 && sc.ss_nrecv > 0)
		/* No request time known at all: bound by the replies. */
		u64_range(sc.ss_recv, sc.ss_nrecv, &sc.ss_first_sent,
		    &sc.ss_last_sent);
	st->st_start_ns = sc.ss_first_sent;
	st->st_end_ns = sc.ss_last_sent + (t->pt_n > 0 ? interval_ns : 0);
	stats_longest_gap(sc.ss_recv, sc.ss_nrecv, st->st_start_ns,
	    st->st_end_ns, &st->st_downtime);
	st->st_downtime_send_gap_ns = downtime_send_gap(t, &st->st_downtime);
	stats_dist(sc.ss_rtt, sc.ss_nrtt, &st->st_rtt);
	rc = 0;
fail:
	free(sc.ss_recv);
	free(sc.ss_rtt);
	return rc;
}
