/*
 * migrate.h - live migration of a running QEMU to a QEMU waiting on another
 * host, over QMP.
 *
 * The steps, split by host so the control plane can run each on its node:
 *
 *   target: vm_start(..., VM_START_INCOMING)  QEMU with -incoming defer
 *           migrate_incoming(tgt, params, "tcp:ADDR:PORT")
 *   source: migrate_run(src, params, "tcp:ADDR:PORT", ...)
 *           -> QEMU's figures in struct migrate_result
 *   target: migrate_target_wait_fn(tgt, params, ...) VM running there,
 *           its MAC announced again (announce-self) when asked
 *   source: vm_stop() the old QEMU (now in "postmigrate")
 *
 * A migration that fails or times out is cancelled and the source VM is
 * made to run again (cont) if it was running before: it never ends up
 * paused on the source.  The target QEMU is then the caller's to stop.
 */
#ifndef HV_MIGRATE_H
#define HV_MIGRATE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/qmp.h"

struct migrate_params {
	int64_t downtime_limit_ms;	/* QEMU downtime-limit */
	int64_t max_bandwidth;		/* bytes per second */
	/* The destination's self-announce (RARP + guest announce) rounds
	 * after the switchover; -1 leaves QEMU's value. */
	int64_t announce_initial_ms;
	int64_t announce_max_ms;
	int64_t announce_rounds;
	int64_t announce_step_ms;
	int announce_after;		/* target: extra announce-self once
					 * it runs (1) or not (0) */
	long quiesce_ms;		/* source taps down -> stop (ms) */
	long timeout_ms;		/* whole migration; cancelled after */
	long start_ms;			/* target: the stream must begin
					 * (its TLS handshake be accepted)
					 * within this after
					 * migrate_target_wait_fn starts */
	long poll_ms;			/* query-migrate interval */
};

/* The defaults hvd uses (chosen by bench/bench_migrate.sh; docs/vm.md). */
void migrate_params_default(struct migrate_params *p);
/* Read {"downtime_limit_ms":N, "max_bandwidth":N, "announce_*":N,
 * "announce_after":B, "timeout_ms":N} over the defaults already in p;
 * unknown members and out-of-range values are errors. */
int migrate_params_from_json(const cJSON *obj, struct migrate_params *p,
    char *err);

struct migrate_result {
	char status[24];		/* completed, failed, cancelled, ... */
	int64_t total_time_ms;
	int64_t downtime_ms;		/* QEMU's own downtime figure */
	int64_t setup_time_ms;
	int64_t expected_downtime_ms;
	uint64_t transferred_bytes;	/* ram.transferred */
	uint64_t ram_total_bytes;
	uint64_t ram_remaining_bytes;
	uint64_t dirty_sync_count;
	double mbps;			/* ram.mbps */
	int single_pass;		/* downtime-limit 0 was used: TCG on
					 * QEMU < 9.0 (migrate.c) */
	char error[256];		/* error-desc on failure */
};

/*
 * Parse the return value of query-migrate.  All members are optional in
 * QEMU's schema; present ones are type-checked.  0 or -1 with err.
 */
int migrate_result_parse(const cJSON *ret, struct migrate_result *r,
    char *err);
/* {"status":S, "total_time_ms":N, "downtime_ms":N, "setup_time_ms":N,
 *  "transferred_bytes":N, "ram_total_bytes":N, "dirty_sync_count":N,
 *  "mbps":F, "single_pass":B, "error":S?} */
cJSON *migrate_result_to_json(const struct migrate_result *r);

/*
 * The migration stream's TCP connection, made by hvd and handed to QEMU
 * (uri "fd:migrate"), so that hvd chooses its socket buffers: small ones
 * (MIGRATE_SOCKBUF) keep the target from falling behind the source by
 * megabytes of RAM it still has to load after the source stopped the
 * guest (docs/vm.md "Socket buffers").
 */
#define MIGRATE_FDNAME	"migrate"
#define MIGRATE_SOCKBUF	(128 * 1024)
/* Target: a listening socket on addr:port (IPv4), receive buffer set. */
int migrate_listen(const char *addr, int port, char *err);
/*
 * Target: the source's connection, waiting up to timeout_ms.  With from
 * (an IPv4 address) set, connections from elsewhere are closed and
 * counted in *refused (may be NULL) while the wait goes on: a stranger
 * who connects first does not take the source's place.
 */
int migrate_accept(int lfd, const char *from, long timeout_ms, int *refused,
    char *err);
/* Source: a connection to addr:port, send buffer set (blocking fd). */
int migrate_connect(const char *addr, int port, long timeout_ms, char *err);
/* Hand fd to QEMU as MIGRATE_FDNAME (QMP getfd); fd stays ours to close. */
int migrate_pass_fd(struct qmp *q, int fd, char *err);
/* Close QEMU's copy when it was not used (a failure before `migrate`):
 * else the other side keeps waiting on an open connection. */
void migrate_drop_fd(struct qmp *q);

/* Target: set announce parameters and the events capability, then
 * migrate-incoming on uri ("tcp:0.0.0.0:49152", "fd:migrate"). */
int migrate_incoming(struct qmp *tgt, const struct migrate_params *p,
    const char *uri, char *err);

/* Progress callback, called after each query-migrate while active. */
typedef void (*migrate_progress_fn)(void *arg, const struct migrate_result *r);

/* Quiescing: links(arg, up, err) takes the source's taps down (up 0)
 * or up again (up 1); 0 or -1 with err. */
typedef int (*migrate_links_fn)(void *arg, int up, char *err);

/* Who hears about an outgoing migration; any member may be NULL. */
struct migrate_hooks {
	migrate_progress_fn	 mh_progress;	/* after each query-migrate */
	void			*mh_progress_arg;
	migrate_links_fn	 mh_links;	/* NULL: no quiescing */
	void			*mh_links_arg;
};

/*
 * Source: set capabilities and parameters, migrate to uri, poll
 * query-migrate until completed/failed or p->timeout_ms.  On success
 * returns 0 with r filled (status "completed"; the source is then in
 * "postmigrate").  On failure cancels, makes the source run again when it
 * ran before, and returns -1 with err (r holds the last figures).  h (may
 * be NULL) is called as the migration goes.
 *
 * With h->mh_links the guest's network is quiesced before the
 * switchover: once the first pass over RAM is done, the source's taps go
 * down, and after p->quiesce_ms the source is stopped (QMP stop) so the
 * switchover happens with no frame arriving at the guest.  QEMU 7.2
 * under TCG corrupted guests that were receiving at the switchover
 * (docs/vm.md); the target is then told to cont.  On failure the taps
 * come up again and the source runs again.
 */
int migrate_run(struct qmp *src, const struct migrate_params *p,
    const char *uri, const struct migrate_hooks *h,
    struct migrate_result *r, char *err);

/*
 * Target: wait up to timeout_ms for the incoming migration to end; when
 * it completed, make sure the VM runs (cont if it came up paused) and,
 * with p->announce_after, announce its MACs once more (announce-self).
 * 0 when running; -1 with err when it failed, or when the stream did
 * not begin within p->start_ms (QEMU only logs a refused TLS peer and
 * keeps waiting).  fn (may be NULL) is
 * called as fn(arg, err) the moment the VM runs on the target (before
 * any announce): hvd raises the target's taps there, which
 * vm_start(VM_START_INCOMING) left down (vm_links_set).  QEMU's first RARP
 * left through a tap that was down, so with fn the MACs are always
 * announced again (announce-self) right after fn.  fn returns 0 or -1
 * with err (then this returns -1; the VM runs).
 */
typedef int (*migrate_running_fn)(void *arg, char *err);
int migrate_target_wait_fn(struct qmp *tgt, const struct migrate_params *p,
    long timeout_ms, migrate_running_fn fn, void *arg, char *err);
/* The two halves of migrate_target_wait_fn, for a caller that decides
 * between them whether the target may run (hvd: vmmigrec.c).  Wait up
 * to timeout_ms (and p->start_ms for the stream to begin) for the
 * incoming migration to complete (the target was
 * started with -S, so it stays paused): 0, or -1 + err when it failed. */
int migrate_target_wait(struct qmp *tgt, const struct migrate_params *p,
    long timeout_ms, char *err);
/* Run the target (cont), then fn and the announce as above. */
int migrate_target_run(struct qmp *tgt, const struct migrate_params *p,
    migrate_running_fn fn, void *arg, char *err);

#endif
