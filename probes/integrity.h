/*
 * integrity.h - the write-integrity probe: no acknowledged write may be
 * lost across a failover, a restore or a crash.
 *
 * The guest agent writes numbered 512-byte records to its data disk and
 * acknowledges each number (`ack SEQ`) only after the write is durable
 * (lab/guest/journal.h has the format).  probe_integrity_start() sends
 * `journal start` and keeps every acknowledged number; the connection ends
 * when the VM dies (reset, close or silence).  probe_integrity_verify()
 * then asks the agent, on whichever VM runs now, `journal read` and counts
 * the acknowledged numbers that are not on the disk: lost_acked_writes,
 * which must be 0.  Records written but not yet acknowledged may or may
 * not be there; that is allowed (last_present >= last_acked is normal).
 *
 * The comparison (integrity_parse_journal, integrity_compare) is pure code
 * for the unit tests.
 */
#ifndef HV_PROBE_INTEGRITY_H
#define HV_PROBE_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define INTEGRITY_MISSING_MAX 100

/* What `journal read` said is on the disk. */
struct journal_state {
	uint64_t js_first;	/* lowest valid seq (0 = none) */
	uint64_t js_last;	/* highest valid seq (0 = none) */
	uint64_t js_count;	/* valid records */
	uint64_t js_nmissing;	/* seqs in [1, last] without a record */
	size_t js_nlisted;	/* entries in js_missing (the lowest ones) */
	uint64_t js_missing[INTEGRITY_MISSING_MAX];
};

/*
 * Parse the agent's one-line JSON answer to `journal read`:
 * {"first":1,"last":N,"count":N,"missing":[...]} ("nmissing" optional).
 * Returns 0, or -1 with err naming the bad member.
 */
int integrity_parse_journal(const char *line, struct journal_state *js,
    char *err);

/* 1 when seq is on the disk, 0 when not, -1 when the truncated missing
 * list cannot tell. */
int integrity_present(const struct journal_state *js, uint64_t seq);

struct integrity_result {
	uint64_t ir_acked;		/* acknowledged writes */
	uint64_t ir_first_acked;	/* 0 = none */
	uint64_t ir_last_acked;
	uint64_t ir_last_present;	/* js_last */
	uint64_t ir_present;		/* js_count */
	uint64_t ir_lost_acked;		/* acknowledged, not on disk */
	uint64_t ir_first_lost;		/* lowest of them, 0 = none */
	uint64_t ir_unverified;		/* acknowledged, cannot tell */
};

/* Compare the acknowledged seqs (any order) with the disk. */
void integrity_compare(const uint64_t *acked, size_t n,
    const struct journal_state *js, struct integrity_result *r);

struct probe_integrity_opts {
	const char *target;	/* guest address */
	int port;		/* 0 = 7777 */
	const char *netns;	/* NULL = ours */
	const char *dev;	/* journal device in the guest; NULL = agent's */
	unsigned interval_ms;	/* 0 = the agent's default */
	uint64_t silence_ns;	/* no ack for this long ends it; 0 = 3 s */
	uint64_t connect_timeout_ns; /* 0 = 5 s */
};

/* The acknowledgements collected by a run. */
struct integrity_acks {
	uint64_t *ia_seq;
	uint64_t *ia_time;	/* wall ns when each ack arrived */
	size_t ia_n, ia_cap;
	uint64_t ia_start_ns;	/* wall ns of `ok next=N` */
	uint64_t ia_next;	/* `ok next=N` of the start */
	int ia_ended;		/* the journal connection ended by itself */
	char ia_end[160];	/* how: "stopped", "closed by the peer", ... */
	uint64_t ia_bad_lines;
	double ia_wall_s;
};

struct probe_integrity;

/* Connect, start the journal, collect acks in a thread.  NULL + err. */
struct probe_integrity *probe_integrity_start(
    const struct probe_integrity_opts *o, char *err);
/* Acks so far and whether the connection ended (thread-safe). */
void probe_integrity_progress(struct probe_integrity *p, uint64_t *acked,
    uint64_t *last, int *ended);
/* Wait until the connection ends (1) or timeout_ms passes (0). */
int probe_integrity_wait_end(struct probe_integrity *p, long timeout_ms);
/* Stop (closing the connection stops the journal), move the acks to *a,
 * free p.  0, or -1 with err.  Free a with integrity_acks_free. */
int probe_integrity_stop(struct probe_integrity *p, struct integrity_acks *a,
    char *err);
void integrity_acks_free(struct integrity_acks *a);

/*
 * Ask the agent at o->target (retrying connections for up to wait_ns, as
 * the VM may still be booting) what is on the disk and compare with a.
 * Returns 0 with r filled, or -1 with err when no answer came.
 */
int probe_integrity_verify(const struct probe_integrity_opts *o,
    const struct integrity_acks *a, uint64_t wait_ns,
    struct journal_state *js, struct integrity_result *r, char *err);

/* Longest gap between consecutive acks (from the start to the first ack
 * included; the end of the journal is not a gap), 0 without acks. */
uint64_t integrity_write_stall_ns(const struct integrity_acks *a);

cJSON *integrity_result_json(const char *target,
    const struct integrity_acks *a, const struct journal_state *js,
    const struct integrity_result *r);
void integrity_summary(const char *target, const struct integrity_result *r,
    char *buf, size_t len);

#endif
