/*
 * err.c - caller-supplied error buffers (see err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* Messages are formatted into a copy first: callers pass the buffer's
 * own message on (err_set(err, "%s", err)), and vsnprintf must not read
 * what it writes. */
int
err_set(char *err, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(err, msg, strlen(msg) + 1);
	return -1;
}

int
err_errno(char *err, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	int saved = errno;
	size_t n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (n < ERR_LEN)
		snprintf(msg + n, ERR_LEN - n, ": %s", strerror(saved));
	memcpy(err, msg, strlen(msg) + 1);
	errno = saved;
	return -1;
}

int
err_prefix(char *err, const char *fmt, ...)
{
	char prefix[ERR_LEN], old[ERR_LEN];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", err);
	snprintf(err, ERR_LEN, "%s: %s", prefix, old);
	return -1;
}
