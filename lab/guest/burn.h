/*
 * burn.h - the guest agent's CPU load (`burn SECONDS [PERCENT]`): its
 * request words checked, and the loop that keeps one CPU busy PERCENT of
 * each 100 ms period for SECONDS.  Pure except for burn_spin, which only
 * reads the monotonic clock and sleeps.
 */
#ifndef HV_GUEST_BURN_H
#define HV_GUEST_BURN_H

#include <stddef.h>

#define BURN_SECONDS_MAX 3600
#define BURN_PERIOD_MS	100	/* a partial load: busy then idle, per period */

struct burn {
	long b_ms;		/* how long, in ms */
	int b_percent;		/* busy share of each period, 1..100 */
};

/*
 * The words after `burn`: secs (1..BURN_SECONDS_MAX) and pct (1..100, or
 * NULL for 100) into b.  0, or -1 with the reply's text in err (len
 * bytes) naming the word that is wrong.
 */
int burn_parse(const char *secs, const char *pct, struct burn *b, char *err,
    size_t len);

/* Busy ms of one BURN_PERIOD_MS period at b's percentage. */
long burn_busy_ms(const struct burn *b);

/* Keep the calling thread busy as b says, then return. */
void burn_spin(const struct burn *b);

#endif
