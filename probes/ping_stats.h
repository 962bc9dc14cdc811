/*
 * ping_stats.h - the ping probe's timeline and the figures computed from it.
 *
 * Pure code, no I/O: the capture code (ping.c) feeds it what libpcap saw,
 * request and reply packets with their 16-bit ICMP sequence numbers and
 * kernel timestamps, and the unit tests feed it crafted timelines.  The
 * timeline extends the sequence numbers to 64 bits (so a run longer than
 * 65536 packets stays in order), keeps one slot per request (sent time,
 * first reply time, number of replies) and the figures are computed from
 * the slots: sent, received, lost, duplicates, reordered replies, loss
 * bursts, the longest gap between consecutive replies (the downtime, with
 * its start and end) and RTT percentiles.
 *
 * The generic helpers (stats_percentile, stats_longest_gap,
 * stats_intervals) are shared with the TCP session probe and the benchmark.
 */
#ifndef HV_PING_STATS_H
#define HV_PING_STATS_H

#include <stddef.h>
#include <stdint.h>

/* One request of the timeline, indexed by its extended sequence number. */
struct ping_slot {
	uint64_t ps_sent_ns;	/* request timestamp (wall ns), 0 = unknown */
	uint64_t ps_recv_ns;	/* first reply timestamp (wall ns), 0 = none */
	uint32_t ps_replies;	/* replies seen (>1 = duplicates) */
};

struct ping_timeline {
	struct ping_slot *pt_slots;	/* pt_n slots, seq 0..pt_n-1 */
	size_t pt_n;
	size_t pt_cap;
	uint64_t pt_ref;	/* highest extended seq seen (for wrap) */
	int pt_have_ref;
	uint64_t pt_max_replied; /* highest seq replied so far + 1, 0 = none */
	uint64_t pt_reordered;	/* replies that arrived after a higher seq's */
	uint64_t pt_stray;	/* replies to requests never sent */
	size_t pt_limit;	/* max slots (0 = 1 << 26) */
};

#define PING_OBS_REQUEST 1
#define PING_OBS_REPLY   2

/* Initialise an empty timeline (no allocation yet). */
void ping_timeline_init(struct ping_timeline *t);
void ping_timeline_free(struct ping_timeline *t);

/*
 * Extend a 16-bit sequence number to 64 bits: the value congruent to seq16
 * modulo 65536 that is nearest to ref (ties go forward).  Values below 0
 * are clamped into the first window.
 */
uint64_t ping_seq_extend(uint64_t ref, uint16_t seq16);

/*
 * Record one observation in capture order: kind PING_OBS_REQUEST or
 * PING_OBS_REPLY, the packet's 16-bit sequence number and its timestamp.
 * A repeated request keeps the first timestamp; a reply to an unknown seq
 * ahead of every request is kept (the request may have been missed by the
 * capture).  Returns 0, or -1 with err on a bad kind or when the timeline
 * would exceed its limit.
 */
int ping_timeline_add(struct ping_timeline *t, int kind, uint16_t seq16,
    uint64_t ts_ns, char *err);

/* The same with a sequence number that needs no extension (the TCP probe's
 * 64-bit numbers). */
int ping_timeline_add_seq(struct ping_timeline *t, int kind, uint64_t seq,
    uint64_t ts_ns, char *err);

/*
 * Make sure the timeline has at least n slots (requests that the sender
 * sent but the capture never saw are lost, not absent), and fill unknown
 * sent times from sent_ns[] when given (n entries, 0 = unknown).
 */
int ping_timeline_complete(struct ping_timeline *t, size_t n,
    const uint64_t *sent_ns, char *err);

/* A gap between two consecutive events on a time axis. */
struct stats_gap {
	uint64_t g_len_ns;	/* end - start */
	uint64_t g_start_ns;	/* last event before the gap (or start bound) */
	uint64_t g_end_ns;	/* first event after it (or end bound) */
	int g_open_start;	/* the gap begins at the start bound */
	int g_open_end;		/* the gap runs to the end bound */
};

/*
 * Longest gap on a time axis bounded by [start_ns, end_ns]: between
 * start_ns and the first event, between consecutive events, and between
 * the last event and end_ns.  times[] need not be sorted (it is sorted in
 * place).  Events outside the bounds move the bounds.  With no event the
 * gap is the whole window, open at both ends.
 */
void stats_longest_gap(uint64_t *times, size_t n, uint64_t start_ns,
    uint64_t end_ns, struct stats_gap *g);

/* A window on the time axis: [sp_lo_ns, sp_hi_ns]. */
struct stats_span {
	uint64_t sp_lo_ns;
	uint64_t sp_hi_ns;
};

/*
 * The longest of the gaps that stats_longest_gap considers (same bounds)
 * among those overlapping window w: the gap an event in that window
 * caused, not a longer one elsewhere on the axis.  A gap overlaps when it
 * ends at or after w.sp_lo_ns and starts at or before w.sp_hi_ns.
 * times[] is sorted in place.  g is all zero when no gap overlaps.
 */
void stats_gap_across(uint64_t *times, size_t n, uint64_t start_ns,
    uint64_t end_ns, struct stats_span w, struct stats_gap *g);

/* Nearest-rank percentile p (0..100) of sorted[] (n > 0). */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, double p);

/* Sort an array of uint64_t ascending. */
void stats_sort_u64(uint64_t *v, size_t n);

/* Distribution of a set of durations (ns). */
struct stats_dist {
	size_t d_n;
	uint64_t d_min, d_p50, d_p90, d_p99, d_max;
	double d_mean;
};

/* Distribution of v[] (sorted in place); all zero when n == 0. */
void stats_dist(uint64_t *v, size_t n, struct stats_dist *d);

/*
 * Send-interval statistics of increasing times t[0..n-1] against the
 * nominal interval: the distribution of the intervals and of the jitter
 * |interval - nominal|.  Uses a scratch copy; returns 0 or -1 on ENOMEM.
 */
int stats_intervals(const uint64_t *t, size_t n, uint64_t nominal_ns,
    struct stats_dist *intervals, struct stats_dist *jitter);

/* The ping figures. */
struct ping_stats {
	uint64_t st_sent;
	uint64_t st_received;
	uint64_t st_lost;
	uint64_t st_duplicates;	/* replies beyond the first per request */
	uint64_t st_reordered;
	uint64_t st_stray;	/* replies matching no request */
	uint64_t st_loss_bursts; /* runs of consecutive lost requests */
	uint64_t st_longest_burst; /* requests in the longest run */
	uint64_t st_start_ns;	/* first request sent (wall ns) */
	uint64_t st_end_ns;	/* last request sent + interval */
	struct stats_gap st_downtime;	/* longest gap between replies */
	uint64_t st_downtime_send_gap_ns; /* longest gap between requests
					   * sent during the downtime */
	struct stats_dist st_rtt;
};

/*
 * Compute the figures of t for a probe sending every interval_ns.  The
 * window starts at the first request and ends one interval after the last
 * one (when its reply was due at the latest for a path that is up).
 * Returns 0, or -1 with err on ENOMEM.
 */
int ping_stats_compute(const struct ping_timeline *t, uint64_t interval_ns,
    struct ping_stats *st, char *err);

/*
 * The gap between replies of t across an event known to have happened
 * within w (wall ns, the timeline's clock: e.g. right
 * before and right after a failure was injected), bounded by st's window
 * (ping_stats_compute of the same t): stats_gap_across over the replies.
 * *lost is set to the requests lost within that gap (sent between the one
 * whose reply opened it and the one whose reply closed it), as opposed to
 * st_lost, every loss of the run.  Returns 0, or -1 with err on ENOMEM.
 */
int ping_stats_gap_across(const struct ping_timeline *t,
    const struct ping_stats *st, struct stats_span w, struct stats_gap *g,
    uint64_t *lost, char *err);

/* What a migration's downtime adds after its end: the switchover's
 * last replies may come a little after the platform says it is done. */
#define PING_MIGRATION_SETTLE_NS (1000ULL * 1000 * 1000)

/*
 * A live migration's downtime: the longest reply gap between the
 * migration's start (mig.sp_lo_ns) and its end (mig.sp_hi_ns) plus
 * PING_MIGRATION_SETTLE_NS (wall ns of the marks the runner put on the
 * probe), ping_stats_gap_across over that window, so a
 * scheduling stall elsewhere in the capture is not taken for it (that one
 * is st_downtime, the whole capture's longest gap).  Returns 0, or -1
 * with err on ENOMEM or an end before the start.
 */
int ping_stats_migration_downtime(const struct ping_timeline *t,
    const struct ping_stats *st, struct stats_span mig, struct stats_gap *g,
    uint64_t *lost, char *err);

#endif
