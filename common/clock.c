/*
 * clock.c - monotonic and wall time in ns, duration parsing and formatting.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"

static uint64_t
clock_get(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t
clock_mono_ns(void)
{
	return clock_get(CLOCK_MONOTONIC);
}

uint64_t
clock_wall_ns(void)
{
	return clock_get(CLOCK_REALTIME);
}

void
clock_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NS_PER_S),
		.tv_nsec = (long)(ns % NS_PER_S)
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static const struct {
	const char *unit;
	double ns;
} clock_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	{ "m", 60e9 }, { "h", 3600e9 }, { NULL, 0 }
};

int
clock_parse_duration(const char *s, uint64_t *ns, char *err)
{
	char *end;
	double v;
	int i;

	if (s == NULL || *s == '\0')
		return err_set(err, "empty duration");
	if (*s == '-' || *s == '+' || *s == ' ')
		return err_set(err, "invalid duration '%s'", s);
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v))
		return err_set(err, "invalid duration '%s'", s);
	if (*end == '\0')
		return err_set(err, "duration '%s' needs a unit "
		    "(ns, us, ms, s, m, h)", s);
	for (i = 0; clock_units[i].unit != NULL; i++)
		if (strcmp(end, clock_units[i].unit) == 0)
			break;
	if (clock_units[i].unit == NULL)
		return err_set(err, "unknown unit '%s' in duration '%s'",
		    end, s);
	v *= clock_units[i].ns;
	if (v > (double)CLOCK_DURATION_MAX_NS)
		return err_set(err, "duration '%s' is too long (at most %lluh)",
		    s, CLOCK_DURATION_MAX_NS / (3600 * NS_PER_S));
	*ns = (uint64_t)llround(v);
	return 0;
}

void
clock_format_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 60 * NS_PER_S)
		snprintf(buf, len, "%.1fm", (double)ns / 60e9);
	else if (ns >= NS_PER_S)
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	else if (ns >= NS_PER_MS)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else if (ns >= NS_PER_US)
		snprintf(buf, len, "%.0fus", (double)ns / 1e3);
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

void
clock_format_wall(uint64_t wall_ns, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ns / NS_PER_S);
	struct tm tm;
	char date[24];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", date,
	    (unsigned)((wall_ns % NS_PER_S) / NS_PER_MS));
}
