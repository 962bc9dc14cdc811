/*
 * datafile.h - files the guest agent writes and checksums on its disk.
 *
 * "file write PATH BYTES [SEED]" makes PATH hold BYTES bytes of a pattern
 * that SEED determines (so two writes with one seed give one checksum) and
 * makes it durable before it answers; "file sum PATH" reads a file back.
 * Both give the SHA-256 of what is in the file: a test writes, stops the
 * VM, boots it again (or reads the disk on the host) and compares.
 */
#ifndef HV_GUEST_DATAFILE_H
#define HV_GUEST_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define DATAFILE_MAX_BYTES	(64ULL << 20)
#define DATAFILE_PATH_MAX	256

/*
 * Write BYTES pattern bytes from seed to path: into "path.hvlab-tmp",
 * fsync, rename over path, fsync the directory, so after a 0 return the
 * whole new file is on the disk and no crash leaves half of it there.
 * The SHA-256 of what was written goes into hex.  0, or -1 with a
 * sentence in err.
 */
int datafile_write(const char *path, uint64_t bytes, uint64_t seed,
    char hex[SHA256_HEX_LEN], char *err, size_t errlen);

/* Size and SHA-256 of the file at path.  0, or -1 with err. */
int datafile_sum(const char *path, uint64_t *bytes,
    char hex[SHA256_HEX_LEN], char *err, size_t errlen);

/* The pattern: len bytes of the stream from *state (xorshift64*, updated),
 * 8 bytes per step, little-endian.  len must be a multiple of 8 except
 * for the last call of a stream. */
void datafile_pattern(uint64_t *state, unsigned char *buf, size_t len);

#endif
