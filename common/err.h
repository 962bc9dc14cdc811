/*
 * err.h - caller-supplied error buffers.
 *
 * Library functions that can fail take a `char *err` pointing at a buffer
 * of ERR_LEN bytes, return 0 (or a value >= 0) on success and -1 on failure
 * after writing one human sentence into err (no trailing newline).  A NULL
 * err is allowed and discards the message.
 */
#ifndef HV_ERR_H
#define HV_ERR_H

#include <stdarg.h>

#define ERR_LEN 512

/* Format a message into err (ERR_LEN bytes); always returns -1. */
int err_set(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like err_set, with ": strerror(errno)" appended; returns -1. */
int err_errno(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prepend "PREFIX: " to the message already in err; returns -1. */
int err_prefix(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
