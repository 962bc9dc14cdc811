/*
 * ping.h - the ping probe: ICMP echo at a fixed interval, timed by libpcap.
 *
 * probe_ping_start() opens a raw ICMP socket and a libpcap capture on the
 * interface that routes to the target (both inside a network namespace when
 * asked), then runs two threads: a sender that sends one echo request every
 * interval on absolute deadlines (clock_nanosleep TIMER_ABSTIME, so the
 * sending does not drift), and a capture thread that records every request
 * and reply of this probe (BPF filter on ICMP echo, the target and the
 * probe's identifier) with the kernel's timestamps.  The RTTs, the reply
 * timeline and the downtime all come from those kernel timestamps, not from
 * the threads' wake-ups.  probe_ping_mark() puts a labelled mark on the
 * timeline; probe_ping_stop() stops, waits for late replies, reads marks
 * from an events file when one was given, and computes the figures.
 */
#ifndef HV_PROBE_PING_H
#define HV_PROBE_PING_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "probes/ping_stats.h"

#define PING_INTERVAL_MIN_NS	1000000ULL	/* 1 ms */
#define PING_INTERVAL_MAX_NS	1000000000ULL	/* 1 s */
#define PING_INTERVAL_DEF_NS	10000000ULL	/* 10 ms */

struct probe_ping_opts {
	const char *target;	/* IPv4 address to ping (required) */
	const char *iface;	/* capture interface; NULL = the route's */
	const char *netns;	/* network namespace (name or path); NULL = ours */
	uint64_t interval_ns;	/* 1 ms .. 1 s; 0 = 10 ms */
	uint64_t duration_ns;	/* stop sending after this; 0 = until stopped */
	uint64_t linger_ns;	/* wait for late replies; 0 = max(250 ms, 3 intervals) */
	size_t payload;		/* ICMP payload bytes; 0 = 56 */
	const char *events_file; /* JSON lines of events to mark, or NULL */
	int no_immediate;	/* capture in batches instead of immediate mode */
	int no_realtime;	/* don't raise the sender to SCHED_FIFO 10 */
};

/* A labelled instant on the timeline. */
struct probe_mark {
	char pm_label[64];
	uint64_t pm_wall_ns;
};

struct probe_ping_result {
	char pr_target[64];
	char pr_iface[64];
	uint64_t pr_interval_ns;
	uint16_t pr_ident;		/* ICMP identifier used */
	char pr_tstamp_type[32];	/* "host", "adapter", ... */
	int pr_tstamp_nano;		/* 1 when timestamps are in ns */
	struct ping_timeline pr_timeline;
	struct ping_stats pr_stats;
	struct stats_dist pr_send_interval; /* between requests on the wire */
	struct stats_dist pr_send_jitter;   /* |interval - nominal| */
	struct probe_mark *pr_marks;
	size_t pr_nmarks;
	uint64_t pr_send_errors;	/* sendto() failures (counted as sent) */
	uint64_t pr_late_sends;		/* deadlines missed by > 1 interval */
	uint64_t pr_capture_drops;	/* packets the kernel/libpcap dropped */
	uint64_t pr_event_lines_skipped; /* unreadable lines of events_file */
	double pr_wall_s;		/* from start to stop */
	double pr_cpu_s;		/* user + system time of the probe threads */
};

struct probe_ping;

/* Start the probe.  Returns the handle, or NULL with err (nothing left
 * running). */
struct probe_ping *probe_ping_start(const struct probe_ping_opts *o,
    char *err);

/* Put a mark labelled label at the current time (thread-safe). */
int probe_ping_mark(struct probe_ping *p, const char *label, char *err);

/* Wait until the sender has finished its duration (returns at once when
 * there is no duration), or timeout_ms passed (-1 = no limit).  Returns 1
 * when finished, 0 on timeout. */
int probe_ping_wait(struct probe_ping *p, long timeout_ms);

/* One short burst (1 s at 100 ms) from netns to addr: 1 when a reply came,
 * 0 when none, -1 with err.  no_realtime as in probe_ping_opts. */
int probe_ping_answers(const char *netns, const char *addr, int no_realtime,
    char *err);

/*
 * Stop sending, wait linger for late replies, stop the capture, read the
 * events file and compute r.  Frees p in every case.  Returns 0, or -1 with
 * err (r is then freed and zeroed).  Free r with probe_ping_result_free.
 */
int probe_ping_stop(struct probe_ping *p, struct probe_ping_result *r,
    char *err);
void probe_ping_result_free(struct probe_ping_result *r);

/*
 * ping_pcap.c: the same figures from a capture file (tcpdump -w, any link
 * type icmp_frame.c knows).  Requests to target and replies from it with
 * identifier ident (-1 = the first request's) make the timeline; interval
 * 0 = the median interval between requests.  Returns 0 with r filled (no
 * marks, no CPU figures), or -1 with err.
 */
struct probe_pcap_opts {
	const char *path;
	const char *target;
	int ident;
	uint64_t interval_ns;
};
int probe_ping_from_pcap(const struct probe_pcap_opts *o,
    struct probe_ping_result *r, char *err);

/* ping_report.c: the result as JSON (metrics, marks, timeline), as CSV,
 * and as the one-line summary.  JSON: NULL on ENOMEM. */
cJSON *probe_ping_result_json(const struct probe_ping_result *r,
    int with_timeline);
int probe_ping_write_csv(const struct probe_ping_result *r, const char *path,
    char *err);
void probe_ping_summary(const struct probe_ping_result *r, char *buf,
    size_t len);

/* Which events of which file probe_marks_read_events reads. */
struct probe_marks_query {
	const char *mq_path;
	uint64_t mq_from_wall_ns;	/* the window kept */
	uint64_t mq_to_wall_ns;
	int64_t mq_mono_to_wall_ns;	/* places events with only mono_ns */
};

/*
 * marks.c: read events from the file of JSON lines q->mq_path
 * {"event":"power-pull","mono_ns":N,"wall_ns":N,...} and append those whose
 * time lies in [mq_from_wall_ns, mq_to_wall_ns] to *marks (realloc'ed).
 * An event with only mono_ns is placed with wall = mono +
 * mq_mono_to_wall_ns.  Lines that are not such objects are skipped and
 * counted in *skipped.  Returns 0, or -1 with err when the file cannot be
 * read (a missing file is no error: no events happened).
 */
int probe_marks_read_events(const struct probe_marks_query *q,
    struct probe_mark **marks, size_t *nmarks, uint64_t *skipped, char *err);
/* Parse one event line; 1 = event, 0 = not an event line. */
int probe_marks_parse_line(const char *line, int64_t mono_to_wall_ns,
    struct probe_mark *m);
/* Sort marks by time. */
void probe_marks_sort(struct probe_mark *marks, size_t n);

#endif
