/*
 * hostclock.c - a lab host's own wall clock (hostclock.h): the offset
 * file each host's processes read through libfaketime, written at lab up
 * and by `hvlab inject clock`.
 *
 * libfaketime reads FAKETIME_TIMESTAMP_FILE ("+30", "-30": seconds from
 * the real clock) again once its cache of FAKETIME_CACHE_DURATION
 * seconds ends, so a step lands in every process of the host within a
 * second, and FAKETIME_DONT_FAKE_MONOTONIC keeps CLOCK_MONOTONIC (leases,
 * timeouts) the machine's.  Programs that do not go through the C
 * library for the time (static binaries, Go's runtime: etcd) keep the
 * machine's clock: docs/lab.md says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "lab/hostclock.h"
#include "lab/lab.h"

int
hostclock_parse_offset(const char *s, long *out)
{
	const char *d = s;
	char *end;
	long v;

	if (*d == '+' || *d == '-')
		d++;
	if (*d < '0' || *d > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < -HOSTCLOCK_OFFSET_MAX ||
	    v > HOSTCLOCK_OFFSET_MAX)
		return -1;
	*out = v;
	return 0;
}

static void
clock_file(const char *state, const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "%s/clock-%s", state, host);
}

/* Write "+N" into host's file through a rename, so libfaketime never
 * reads half a line. */
static int
clock_write(const char *state, const char *host, long offset_s, char *err)
{
	char path[LAB_PATH_MAX + 80], tmp[LAB_PATH_MAX + 96];
	FILE *f;

	clock_file(state, host, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return err_errno(err, "%s", tmp);
	fprintf(f, "%+ld\n", offset_s);
	if (fclose(f) != 0) {
		unlink(tmp);
		return err_errno(err, "%s", tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return err_errno(err, "%s", path);
	}
	return 0;
}

int
hostclock_enable(const char *state, const struct topo *t, char *err)
{
	int i;

	if (access(HOSTCLOCK_LIB, R_OK) < 0)
		return err_set(err, "fake clocks need libfaketime (Debian "
		    "package libfaketime): no %s", HOSTCLOCK_LIB);
	for (i = 0; i < t->t_nhosts; i++)
		if (clock_write(state, t->t_hosts[i].h_name, 0, err) < 0)
			return -1;
	return 0;
}

int
hostclock_env(const char *state, const char *host,
    char env[HOSTCLOCK_NENV][HOSTCLOCK_ENV_MAX])
{
	char path[LAB_PATH_MAX + 80];
	struct stat st;

	clock_file(state, host, path, sizeof(path));
	if (stat(path, &st) < 0)
		return 0;
	snprintf(env[0], HOSTCLOCK_ENV_MAX, "LD_PRELOAD=%s", HOSTCLOCK_LIB);
	snprintf(env[1], HOSTCLOCK_ENV_MAX, "FAKETIME_TIMESTAMP_FILE=%s",
	    path);
	snprintf(env[2], HOSTCLOCK_ENV_MAX, "FAKETIME_DONT_FAKE_MONOTONIC=1");
	snprintf(env[3], HOSTCLOCK_ENV_MAX, "FAKETIME_CACHE_DURATION=1");
	return 1;
}

int
hostclock_set(const char *state, const char *lab, const char *host,
    long offset_s, char *err)
{
	char path[LAB_PATH_MAX + 80];
	struct stat st;

	clock_file(state, host, path, sizeof(path));
	if (stat(path, &st) < 0)
		return err_set(err, "lab %s has no fake clocks (bring it up "
		    "with `hvlab lab up --fake-clock`)", lab);
	return clock_write(state, host, offset_s, err);
}
