/*
 * journal.h - the guest agent's write journal: record format and scan.
 *
 * The guest agent writes numbered 512-byte records to a raw data disk; the
 * write-integrity probe later checks that every acknowledged record is still
 * there (after a failover, a migration, a storage fault).  This file is the
 * one definition of that on-disk format, shared by the agent (inside the
 * guest) and agentctl (on the host, reading a disk image or LUN directly).
 *
 * Record seq N (N >= 1) lives at byte offset (N-1)*512.  Layout, integers
 * little-endian:
 *
 *   0..3    magic "HVJR"
 *   4..11   u64 seq
 *   12..19  u64 wall time, ns since the epoch (guest CLOCK_REALTIME)
 *   20..23  u32 crc32 (IEEE/zlib) of the 512 bytes with this field zeroed
 *   24..511 zero
 *
 * A slot is valid when its magic and crc are right and its seq matches its
 * offset.  A scan reads from offset 0 and stops at the end of the device or
 * after JOURNAL_GAP_SLOTS consecutive invalid slots (so a lost record in the
 * middle shows as "missing" while a huge empty disk is not read to its end).
 */
#ifndef HV_GUEST_JOURNAL_H
#define HV_GUEST_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_REC_SIZE   512
#define JOURNAL_MAGIC      "HVJR"
#define JOURNAL_GAP_SLOTS  2048		/* 1 MiB of invalid slots ends a scan */
#define JOURNAL_MISSING_MAX 100

struct journal_summary {
	uint64_t js_first;	/* lowest valid seq, 0 when none */
	uint64_t js_last;	/* highest valid seq, 0 when none */
	uint64_t js_count;	/* valid records */
	uint64_t js_nmissing;	/* seqs in [1, last] without a valid record */
	uint64_t js_missing[JOURNAL_MISSING_MAX];	/* the first of them */
};

/* crc32 (IEEE 802.3 polynomial, as zlib's crc32()) of len bytes. */
uint32_t journal_crc32(const void *buf, size_t len);

/* Fill rec (JOURNAL_REC_SIZE bytes) with record seq written at time_ns. */
void journal_rec_encode(unsigned char *rec, uint64_t seq, uint64_t time_ns);

/*
 * Check the record in rec, found in slot `slot` (0-based).  Returns 1 when
 * valid (and stores its seq and time when the pointers are non-NULL), 0 when
 * not.
 */
int journal_rec_valid(const unsigned char *rec, uint64_t slot,
    uint64_t *seq, uint64_t *time_ns);

/*
 * Scan the journal on fd from offset 0 (see above) into *s.  fd may be open
 * with O_DIRECT: reads use a 4096-aligned buffer of a multiple of 4096
 * bytes.  Returns 0, or -1 with a message in err (errlen bytes).
 */
int journal_scan(int fd, struct journal_summary *s, char *err,
    size_t errlen);

/* Write *s as one-line JSON (no newline) into buf; returns 0 or -1 when
 * buf is too small. */
int journal_summary_json(const struct journal_summary *s, char *buf,
    size_t len);

#endif
