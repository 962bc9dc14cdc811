/*
 * sha256.h - SHA-256 (FIPS 180-4) for the static guest agent, which links
 * no crypto library: the checksum of a file the agent wrote on its disk.
 */
#ifndef HV_GUEST_SHA256_H
#define HV_GUEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_HEX_LEN	(2 * SHA256_LEN + 1)	/* with the NUL */

struct sha256 {
	uint32_t	s_h[8];
	uint64_t	s_bytes;	/* hashed so far */
	unsigned char	s_buf[64];	/* a partial block */
	size_t		s_fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL into hex. */
void sha256_final_hex(struct sha256 *s, char hex[SHA256_HEX_LEN]);

#endif
