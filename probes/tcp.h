/*
 * tcp.h - the TCP session probe: does an open connection to the guest
 * survive (a live migration should keep it, an HA restart cannot)?
 *
 * The probe keeps one TCP connection to the guest agent (port 7777) and
 * sends `ping SEQ` every interval without waiting for the answers; the
 * agent answers `pong SEQ`.  A stall is a gap between consecutive pongs
 * (the longest is reported, with its start and end); the connection
 * "survived" when it was never reset, closed or silent for longer than the
 * timeout.  With reconnect on, the probe opens a new connection after a
 * loss and counts the reconnects (the run then did not survive).
 */
#ifndef HV_PROBE_TCP_H
#define HV_PROBE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "probes/ping_stats.h"

#define TCP_PROBE_TIMEOUT_DEF_NS (30ULL * 1000000000ULL)

struct probe_tcp_opts {
	const char *target;	/* IPv4 address of the guest */
	int port;		/* 0 = 7777 */
	const char *netns;	/* network namespace; NULL = ours */
	uint64_t interval_ns;	/* 1 ms .. 1 s; 0 = 10 ms */
	uint64_t duration_ns;	/* 0 = until stopped */
	uint64_t timeout_ns;	/* silence that ends a connection; 0 = 30 s */
	uint64_t connect_timeout_ns; /* first connect; 0 = 5 s */
	int reconnect;		/* reconnect after a loss */
};

struct probe_tcp_result {
	char tr_target[64];
	int tr_port;
	uint64_t tr_interval_ns;
	struct ping_timeline tr_timeline;	/* wall ns per ping/pong */
	struct ping_stats tr_stats;	/* st_downtime = the longest stall */
	int tr_survived;
	char tr_end[160];	/* "stopped", or why the connection ended */
	double tr_lost_at_ms;	/* when it ended, from the start; -1 = no */
	uint64_t tr_reconnects;
	uint64_t tr_bad_lines;	/* replies that were not `pong SEQ` */
	double tr_wall_s;
	uint64_t tr_stop_wall_ns;	/* when the probe was stopped */
};

/*
 * After a switchover (a live migration's end) at switch_ns (wall): does the
 * session carry data both ways again, and for how long did it live on?
 * *resumed_ms is the time from switch_ns to the first pong of a ping sent
 * at or after it (-1 when none came), *held_s from switch_ns to the end of
 * the session (its loss, or the probe's stop).  The session survived the
 * switchover when it was never lost, resumed within resume_max_ns and was
 * held at least hold_min_ns: returns 1, else 0.  Pure.
 */
int probe_tcp_after_switch(const struct probe_tcp_result *r,
    uint64_t switch_ns, uint64_t resume_max_ns, uint64_t hold_min_ns,
    double *resumed_ms, double *held_s);

struct probe_tcp;

/* Connect and start the probe thread.  NULL with err when the first
 * connection fails. */
struct probe_tcp *probe_tcp_start(const struct probe_tcp_opts *o, char *err);
/* Wait until the run is over (1: the duration passed, or the session was
 * lost and reconnect is off) or timeout_ms passed (0; -1 = no limit). */
int probe_tcp_wait(struct probe_tcp *p, long timeout_ms);
/* Stop, compute r, free p.  0 or -1 with err. */
int probe_tcp_stop(struct probe_tcp *p, struct probe_tcp_result *r,
    char *err);
void probe_tcp_result_free(struct probe_tcp_result *r);

cJSON *probe_tcp_result_json(const struct probe_tcp_result *r,
    int with_timeline);
void probe_tcp_summary(const struct probe_tcp_result *r, char *buf,
    size_t len);

/* Parse "pong SEQ"; 1 and *seq when it is one, else 0. */
int probe_tcp_parse_pong(const char *line, uint64_t *seq);

#endif
