/*
 * fuzz_util.h - what the libFuzzer harnesses share: the loaders that only
 * take a path get the input as a memfd, named /proc/self/fd/N, so they
 * read it through the same fopen/fread path the programs use.
 */
#ifndef HV_FUZZ_UTIL_H
#define HV_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write data to a new memfd and its /proc/self/fd path into path (len
 * bytes).  Returns the fd (the caller closes it) or -1; an input that
 * cannot be written is not a finding, the harness skips it.
 */
int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t len);

#endif
