/*
 * clock.h - monotonic and wall time in nanoseconds, durations.
 */
#ifndef HV_CLOCK_H
#define HV_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_US 1000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
/*
 * The longest duration clock_parse_duration accepts: a week.  Longer than
 * any wait, timeout or probe of a lab run, and short enough that a
 * deadline (now + duration) or a count of milliseconds in an int never
 * wraps around.
 */
#define CLOCK_DURATION_MAX_NS (168ULL * 3600 * NS_PER_S)

/* CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t clock_mono_ns(void);
uint64_t clock_wall_ns(void);
/* Sleep for ns nanoseconds (restarts on EINTR). */
void clock_sleep_ns(uint64_t ns);
/*
 * Parse a human duration: a decimal number followed by one of ns, us, ms,
 * s, m, h ("10ms", "2s", "1.5s", "1m").  A bare number is an error (the unit
 * must be explicit), and so is a duration above CLOCK_DURATION_MAX_NS.
 * Returns 0 and stores ns, or -1 with err filled.
 */
int clock_parse_duration(const char *s, uint64_t *ns, char *err);
/* Format ns as a short human duration ("1.25s", "38.4ms", "950us"). */
void clock_format_duration(uint64_t ns, char *buf, size_t len);
/* Format a wall time in ns as RFC 3339 UTC with milliseconds:
 * "2026-11-26T07:04:57.123Z".  buf needs 32 bytes. */
void clock_format_wall(uint64_t wall_ns, char *buf, size_t len);

#endif
