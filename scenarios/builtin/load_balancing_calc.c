/*
 * load_balancing_calc.c - the Load balancing row's arithmetic, kept
 * apart from its I/O so the unit tests link it (load_balancing.h): the
 * hosts' loads from placements and cores, the balanced test, the
 * balanced stretch, the moves and ping-pongs in a sequence of looks, and
 * the longest ping gap within the moves' windows.
 */
#include <string.h>

#include "err.h"
#include "scenarios/builtin/load_balancing.h"

void
lb_loads(const struct lb_look *lk, size_t nvms, const int *cpus,
    size_t nhosts, double *loads)
{
	size_t v, h;

	for (h = 0; h < nhosts; h++)
		loads[h] = 0;
	for (v = 0; v < nvms && v < LB_VMS_MAX; v++) {
		if (lk->lk_host[v] < 0 || (size_t)lk->lk_host[v] >= nhosts ||
		    lk->lk_cores[v] < 0)
			continue;
		loads[lk->lk_host[v]] += lk->lk_cores[v];
	}
	for (h = 0; h < nhosts; h++)
		loads[h] /= cpus[h] < 1 ? 1 : cpus[h];
}

int
lb_balanced(const double *loads, size_t nhosts, double threshold,
    size_t *worst, double *excess)
{
	double mean = 0;
	size_t h;

	*worst = 0;
	*excess = 0;
	if (nhosts == 0)
		return 1;
	for (h = 0; h < nhosts; h++)
		mean += loads[h];
	mean /= (double)nhosts;
	for (h = 0; h < nhosts; h++)
		if (h == 0 || loads[h] - mean > *excess) {
			*excess = loads[h] - mean;
			*worst = h;
		}
	return *excess <= threshold;
}

/* Whether some VM's known host differs between the two looks. */
static int
lb_placement_changed(const struct lb_look *a, const struct lb_look *b,
    size_t nvms)
{
	size_t v;

	for (v = 0; v < nvms && v < LB_VMS_MAX; v++)
		if (a->lk_host[v] != b->lk_host[v])
			return 1;
	return 0;
}

int
lb_settle_look(struct lb_settle *st, const struct lb_look *prev,
    const struct lb_look *lk, size_t nvms, int balanced, uint64_t settle_ns)
{
	if (st->st_balanced_ns != 0)
		return 1;
	if (!balanced || lk->lk_migrating || (prev != NULL &&
	    lb_placement_changed(prev, lk, nvms))) {
		st->st_since_ns = 0;
		return 0;
	}
	if (st->st_since_ns == 0)
		st->st_since_ns = lk->lk_wall_ns;
	if (lk->lk_wall_ns - st->st_since_ns < settle_ns)
		return 0;
	st->st_balanced_ns = st->st_since_ns;
	return 1;
}

/* Whether VM v left host h in one of mv[0..n). */
static int
lb_left_before(const struct lb_move *mv, size_t n, size_t v, int h)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mv[i].mv_vm == v && mv[i].mv_from == h)
			return 1;
	return 0;
}

/* The moves of VM v into mv (room: max, *k of them kept, *total seen). */
static void
lb_vm_moves(const struct lb_look *lk, size_t n, size_t v, struct lb_move *mv,
    size_t max, size_t *k, size_t *total)
{
	size_t i, last = n, first = *k;
	struct lb_move m;

	for (i = 0; i < n; i++) {
		if (lk[i].lk_host[v] < 0)
			continue;
		if (last < n && lk[i].lk_host[v] != lk[last].lk_host[v]) {
			memset(&m, 0, sizeof(m));
			m.mv_vm = v;
			m.mv_from = lk[last].lk_host[v];
			m.mv_to = lk[i].lk_host[v];
			m.mv_lo_ns = lk[last].lk_wall_ns;
			m.mv_hi_ns = lk[i].lk_wall_ns;
			m.mv_back = lb_left_before(mv + first, *k - first, v,
			    m.mv_to);
			(*total)++;
			if (*k < max)
				mv[(*k)++] = m;
		}
		last = i;
	}
}

/* Sort mv[0..n) by the time each move was seen (insertion: few). */
static void
lb_moves_sort(struct lb_move *mv, size_t n)
{
	struct lb_move m;
	size_t i, j;

	for (i = 1; i < n; i++) {
		m = mv[i];
		for (j = i; j > 0 && mv[j - 1].mv_hi_ns > m.mv_hi_ns; j--)
			mv[j] = mv[j - 1];
		mv[j] = m;
	}
}

size_t
lb_moves(const struct lb_look *lk, size_t n, size_t nvms, struct lb_move *mv,
    size_t max)
{
	size_t v, k = 0, total = 0;

	for (v = 0; v < nvms && v < LB_VMS_MAX; v++)
		lb_vm_moves(lk, n, v, mv, max, &k, &total);
	lb_moves_sort(mv, k);
	return total;
}

size_t
lb_pingpong(const struct lb_move *mv, size_t n, uint64_t after_ns)
{
	size_t i, pp = 0;

	for (i = 0; i < n; i++)
		if (mv[i].mv_hi_ns > after_ns || mv[i].mv_back)
			pp++;
	return pp;
}

int
lb_max_gap_ms(const struct lb_move *mv, size_t n,
    const struct lb_ping *pings, size_t npings, double *gap_ms, char *err)
{
	struct stats_span w;
	struct stats_gap g;
	uint64_t lost;
	size_t i;

	*gap_ms = 0;
	for (i = 0; i < n; i++) {
		if (mv[i].mv_vm >= npings || pings[mv[i].mv_vm].lp_tl == NULL)
			return err_set(err, "no ping timeline for the VM of "
			    "move %zu", i + 1);
		w.sp_lo_ns = mv[i].mv_lo_ns;
		w.sp_hi_ns = mv[i].mv_hi_ns;
		if (ping_stats_gap_across(pings[mv[i].mv_vm].lp_tl,
		    pings[mv[i].mv_vm].lp_st, w, &g, &lost, err) == -1)
			return -1;
		if ((double)g.g_len_ns / 1e6 > *gap_ms)
			*gap_ms = (double)g.g_len_ns / 1e6;
	}
	return 0;
}
