/*
 * hex.h - bytes as lowercase hexadecimal, the form digests and token ids
 * are written in (SHA-256 in manifests and the API, token secrets).
 */
#ifndef HV_COMMON_HEX_H
#define HV_COMMON_HEX_H

#include <stddef.h>

/* The n bytes of b into out (2 * n + 1 bytes, NUL-terminated). */
void hex_encode(const unsigned char *b, size_t n, char *out);

#endif
