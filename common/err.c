/*
 * err.c - caller-supplied error buffers (see err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_set(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_errno(char *err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	size_t n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (n < ERR_LEN)
		snprintf(err + n, ERR_LEN - n, ": %s", strerror(saved));
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
