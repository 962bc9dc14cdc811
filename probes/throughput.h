/*
 * throughput.h - TCP throughput probe: N parallel flows from a source to a
 * sink for a few seconds, the rate measured where the bytes arrive.
 *
 * The sink (probe_tput_serve) accepts flows, counts each one's bytes and
 * notes the CLOCK_MONOTONIC time of its first and last byte; when the
 * source closes its side, the sink answers with those three numbers
 * (struct tput_flow_report on the wire, 24 bytes, big endian) and closes.
 * The source (probe_tput_run) writes as fast as TCP takes it for the
 * duration, half-closes every flow and collects the sink's reports.  So
 * the figure is bytes received over the time they took to arrive, not
 * bytes handed to the socket (whose buffer would add megabytes at
 * 100 Mbit/s).  Both ends use the machine's monotonic clock; lab
 * namespaces share it.
 *
 * Per-flow rates are kept: on a bond that hashes flows to links, they show
 * how the flows were spread (4 flows on 2 capped links: ~4 x 25 when all
 * hashed onto one link, ~2 x 50 + 2 x 50 when spread).
 */
#ifndef HV_PROBE_THROUGHPUT_H
#define HV_PROBE_THROUGHPUT_H

#include <stdint.h>
#include <cjson/cJSON.h>

#define TPUT_MAX_FLOWS 64
#define TPUT_DEFAULT_PORT 5201

struct probe_tput_opts {
	const char *to;		/* sink IPv4 address */
	int port;		/* default TPUT_DEFAULT_PORT */
	int flows;		/* 1..TPUT_MAX_FLOWS, default 1 */
	uint64_t duration_ns;	/* default 3 s */
	const char *netns;	/* run in this network namespace; NULL = here */
};

struct tput_flow {
	uint64_t bytes;		/* received by the sink */
	uint64_t first_ns;	/* sink's monotonic time of first/last byte */
	uint64_t last_ns;
	int local_port;		/* source port (what a bond hashes on) */
};

struct probe_tput_result {
	char to[64];
	int port;
	int nflows;
	struct tput_flow flows[TPUT_MAX_FLOWS];
	uint64_t bytes;		/* sum over flows */
	double secs;		/* earliest first byte to latest last byte */
	double mbps;		/* bytes * 8 / secs / 1e6 */
};

/* Run the source; fills r.  0, or -1 with err (no flow connected, the
 * sink gave no report). */
int probe_tput_run(const struct probe_tput_opts *o,
    struct probe_tput_result *r, char *err);

/* Where the sink listens and when it stops. */
struct probe_tput_sink {
	const char *addr;	/* NULL or "" = any */
	int port;
	int flows;		/* stop after this many reports; 0 = on *stop */
	long timeout_ms;	/* 0 = none */
	volatile int *stop;	/* may be NULL */
};

/*
 * Serve as the sink on s->addr:s->port in the current network namespace.
 * Returns after s->flows flows were reported (0 = until *s->stop becomes
 * non-zero) or s->timeout_ms passed.  0, or -1 with err.
 */
int probe_tput_serve(const struct probe_tput_sink *s, char *err);

/* Pure: aggregate r->bytes/secs/mbps from r->flows[0..nflows). */
void probe_tput_compute(struct probe_tput_result *r);
/* Mbit/s of one flow (0 when it carried nothing). */
double probe_tput_flow_mbps(const struct tput_flow *f);

/* {"probe":"throughput","to":S,"port":N,"flows":N,"secs":X,"bytes":N,
 *  "metrics":{"throughput_mbps":X,"flow_mbps_min":X,"flow_mbps_max":X},
 *  "per_flow":[{"local_port":N,"bytes":N,"mbps":X,"first_ns":N,
 *  "last_ns":N}]}.  NULL on OOM. */
cJSON *probe_tput_result_json(const struct probe_tput_result *r);
/* That JSON (text[0..len)) back into r, its totals computed again (a
 * source run on another machine, `hvlab probe throughput --json`).  0,
 * or -1 with err naming the field.  Pure. */
int probe_tput_result_parse(const char *text, size_t len,
    struct probe_tput_result *r, char *err);
/* "4 flows, 3.01 s, 181.2 Mbit/s (flows 44.9..46.1)" */
void probe_tput_summary(const struct probe_tput_result *r, char *buf,
    size_t len);

/* throughput_cmd.c: `hvlab probe throughput` (argv[0] = "throughput"). */
int probe_throughput_cmd(int argc, char **argv);

#endif
