/*
 * burn.c - the guest agent's CPU load: `burn SECONDS [PERCENT]` checked
 * and run.  A full burn spins for SECONDS; a partial one spins PERCENT of
 * every 100 ms and sleeps the rest, so a monitoring row or a balancer
 * sees a steady share of one vCPU rather than bursts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "burn.h"

static long long
burn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A decimal in [lo, hi] without sign, spaces or trailing text. */
static int
burn_number(const char *s, long lo, long hi, long *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return *end != '\0' || errno != 0 || *v < lo || *v > hi ? -1 : 0;
}

int
burn_parse(const char *secs, const char *pct, struct burn *b, char *err,
    size_t len)
{
	long s, p = 100;

	if (burn_number(secs, 1, BURN_SECONDS_MAX, &s) == -1) {
		snprintf(err, len, "burn: SECONDS must be 1..%d",
		    BURN_SECONDS_MAX);
		return -1;
	}
	if (pct != NULL && burn_number(pct, 1, 100, &p) == -1) {
		snprintf(err, len, "burn: PERCENT must be 1..100");
		return -1;
	}
	b->b_ms = s * 1000;
	b->b_percent = (int)p;
	return 0;
}

long
burn_busy_ms(const struct burn *b)
{
	return BURN_PERIOD_MS * b->b_percent / 100;
}

void
burn_spin(const struct burn *b)
{
	long long end = burn_now_ms() + b->b_ms, period_end, busy_end, idle;
	volatile unsigned long x = 0;
	struct timespec rest;

	while (burn_now_ms() < end) {
		period_end = burn_now_ms() + BURN_PERIOD_MS;
		busy_end = burn_now_ms() + burn_busy_ms(b);
		while (burn_now_ms() < busy_end)
			for (int i = 0; i < 10000; i++)
				x += (unsigned long)i;
		if (b->b_percent == 100)
			continue;
		idle = period_end - burn_now_ms();
		if (idle > 0) {
			rest.tv_sec = 0;
			rest.tv_nsec = (long)idle * 1000000;
			nanosleep(&rest, NULL);
		}
	}
}
