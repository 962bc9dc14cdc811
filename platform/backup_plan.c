/*
 * backup_plan.c - the pure parts of hvd's backups (backup.h): backup
 * ids, the calendar specs of schedules and their next slot, and which
 * backups a prune keeps by Proxmox's keep-* rules.  No I/O, so the unit
 * tests run them as they are.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "platform/backup.h"
#include "platform/cluster.h"

#define DAY_S	86400
#define ID_TIME_LEN	19	/* YYYY_MM_DD-HH_MM_SS */

int
backup_id_make(const char *vm, time_t t, char *buf, size_t len)
{
	struct tm tm;
	char ts[32];
	int n;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y_%m_%d-%H_%M_%S", &tm);
	n = snprintf(buf, len, "%s%s-%s", BACKUP_ID_PREFIX, vm, ts);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
backup_id_parse(const char *s, char *vm, size_t vmlen, time_t *t)
{
	size_t plen = strlen(BACKUP_ID_PREFIX), n = strlen(s), vl;
	struct tm tm;
	const char *ts, *end;

	if (n <= plen + ID_TIME_LEN + 1 || n >= BACKUP_ID_MAX ||
	    strncmp(s, BACKUP_ID_PREFIX, plen) != 0)
		return -1;
	ts = s + n - ID_TIME_LEN;
	if (ts[-1] != '-')
		return -1;
	vl = (size_t)(ts - 1 - (s + plen));
	if (vl == 0 || vl >= vmlen || strchr(s, '/') != NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(ts, "%Y_%m_%d-%H_%M_%S", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	memcpy(vm, s + plen, vl);
	vm[vl] = '\0';
	*t = timegm(&tm);
	return 0;
}

int
backup_name_valid(const char *s)
{
	/* the words nodes and pools are named with */
	return strlen(s) <= BACKUP_STORE_MAX && cluster_valid_name(s);
}

/* --- calendar --- */

/* "HH:MM" into c: 0 or -1. */
static int
cal_hhmm(const char *s, struct backup_cal *c)
{
	char tail;

	if (strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &c->bc_hour, &c->bc_min,
	    &tail) != 2 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[3]))
		return -1;
	return c->bc_hour >= 0 && c->bc_hour < 24 && c->bc_min >= 0 &&
	    c->bc_min < 60 ? 0 : -1;
}

/* "*\/N" followed by unit: N into c, 0, or -1 (err set for a range). */
static int
cal_every(const char *s, struct backup_cal *c, char *err)
{
	char *end;
	long n;

	if (strncmp(s, "*/", 2) != 0 || !isdigit((unsigned char)s[2]))
		return err_set(err, "'%s' is not a calendar spec (daily HH:MM, "
		    "weekly DAY HH:MM, hourly, */Ns, */Nm, */Nh)", s);
	n = strtol(s + 2, &end, 10);
	if (strcmp(end, "s") == 0)
		c->bc_kind = CAL_SECONDS;
	else if (strcmp(end, "m") == 0)
		c->bc_kind = CAL_MINUTES;
	else if (strcmp(end, "h") == 0)
		c->bc_kind = CAL_HOURS;
	else
		return err_set(err, "'%s': the step ends in s (seconds), m "
		    "(minutes) or h (hours)", s);
	/* a seconds step below 10 would queue runs faster than the
	 * scheduler looks (every 2 s) and a backup takes */
	if ((c->bc_kind == CAL_SECONDS && (n < 10 || n > 3600)) ||
	    (c->bc_kind != CAL_SECONDS && n < 1) ||
	    (c->bc_kind == CAL_MINUTES && n > 1440) ||
	    (c->bc_kind == CAL_HOURS && n > 24))
		return err_set(err, "'%s': the step is 10..3600 seconds, "
		    "1..1440 minutes or 1..24 hours", s);
	c->bc_every = (int)n;
	return 0;
}

int
backup_cal_parse(const char *s, struct backup_cal *c, char *err)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed",
	    "thu", "fri", "sat" };
	char w1[16], w2[16], w3[16], extra;
	int n, i;

	memset(c, 0, sizeof(*c));
	n = sscanf(s, "%15s %15s %15s %c", w1, w2, w3, &extra);
	if (n == 1 && strcmp(w1, "hourly") == 0) {
		c->bc_kind = CAL_HOURS;
		c->bc_every = 1;
		return 0;
	}
	if (n == 1)
		return cal_every(w1, c, err);
	if (n == 2 && strcmp(w1, "daily") == 0) {
		c->bc_kind = CAL_DAILY;
		return cal_hhmm(w2, c) == 0 ? 0 : err_set(err, "'%s': the "
		    "time is HH:MM (00:00..23:59)", s);
	}
	if (n == 3 && strcmp(w1, "weekly") == 0) {
		c->bc_kind = CAL_WEEKLY;
		for (i = 0; i < 7 && strcmp(w2, days[i]) != 0; i++)
			;
		if (i == 7)
			return err_set(err, "'%s': the day is one of mon, tue, "
			    "wed, thu, fri, sat, sun", s);
		c->bc_wday = i;
		return cal_hhmm(w3, c) == 0 ? 0 : err_set(err, "'%s': the "
		    "time is HH:MM (00:00..23:59)", s);
	}
	return err_set(err, "'%s' is not a calendar spec (daily HH:MM, "
	    "weekly DAY HH:MM, hourly, */Ns, */Nm, */Nh)", s);
}

time_t
backup_cal_next(const struct backup_cal *c, time_t t)
{
	time_t day = t - ((t % DAY_S) + DAY_S) % DAY_S, at, step;
	int d;

	if (c->bc_kind == CAL_SECONDS || c->bc_kind == CAL_MINUTES ||
	    c->bc_kind == CAL_HOURS) {
		/* slots restart at midnight, as systemd's *:0/N */
		step = (time_t)c->bc_every * (c->bc_kind == CAL_SECONDS ? 1 :
		    c->bc_kind == CAL_MINUTES ? 60 : 3600);
		at = day + ((t - day) / step + 1) * step;
		return at < day + DAY_S ? at : day + DAY_S;
	}
	for (d = 0; d <= 7; d++) {
		at = day + (time_t)d * DAY_S + c->bc_hour * 3600 +
		    c->bc_min * 60;
		/* 1970-01-01 was a Thursday */
		if (c->bc_kind == CAL_WEEKLY &&
		    ((day / DAY_S + d) % 7 + 4) % 7 != c->bc_wday)
			continue;
		if (at > t)
			return at;
	}
	return t + 7 * DAY_S;	/* not reached */
}

/* --- prune --- */

enum period { P_LAST, P_HOUR, P_DAY, P_WEEK, P_MONTH, P_YEAR };

/* The period of time t a rule counts in (a number per period). */
static long
period_of(enum period p, time_t t, long self)
{
	struct tm tm;
	char w[16];

	gmtime_r(&t, &tm);
	switch (p) {
	case P_LAST:
		return self;
	case P_HOUR:
		return (long)(t / 3600);
	case P_DAY:
		return (long)(t / DAY_S);
	case P_WEEK:
		strftime(w, sizeof(w), "%G%V", &tm);
		return atol(w);
	case P_MONTH:
		return (tm.tm_year + 1900L) * 12 + tm.tm_mon;
	case P_YEAR:
		return tm.tm_year + 1900L;
	}
	return self;
}

/* Newest first by time (ties: the later index first, for a stable
 * order). */
static int
by_newest(const void *x, const void *y, void *arg)
{
	const struct backup_item *it = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (it[a].bi_time != it[b].bi_time)
		return it[a].bi_time > it[b].bi_time ? -1 : 1;
	return a > b ? -1 : a < b;
}

/* 1 when period id is among ids[0..n). */
static int
has_id(const long *ids, size_t n, long id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* The items newest first (ord) and two scratch arrays of periods. */
struct prune_run {
	struct backup_item	*pr_it;
	const size_t		*pr_ord;
	size_t			 pr_n;
	long			*pr_done, *pr_incl;
};

/* One rule, as Proxmox Backup Server's mark_selections: keep the newest
 * of the keep newest periods not yet holding a kept backup; the others
 * in those periods go. */
static void
mark_rule(const struct prune_run *pr, enum period p, int keep)
{
	struct backup_item *it = pr->pr_it;
	const size_t *ord = pr->pr_ord;
	long *done = pr->pr_done, *incl = pr->pr_incl, id;
	size_t i, n = pr->pr_n, nd = 0, ni = 0;

	if (keep <= 0)
		return;
	for (i = 0; i < n; i++)
		if (it[ord[i]].bi_mark == MARK_KEEP)
			done[nd++] = period_of(p, it[ord[i]].bi_time,
			    (long)ord[i]);
	for (i = 0; i < n; i++) {
		if (it[ord[i]].bi_mark != MARK_NONE)
			continue;
		id = period_of(p, it[ord[i]].bi_time, (long)ord[i]);
		if (has_id(done, nd, id))
			continue;
		if (!has_id(incl, ni, id)) {
			if (ni >= (size_t)keep)
				break;
			incl[ni++] = id;
			it[ord[i]].bi_mark = MARK_KEEP;
		} else
			it[ord[i]].bi_mark = MARK_REMOVE;
	}
}

void
backup_prune_mark(struct backup_item *it, size_t n,
    const struct backup_keep *k)
{
	const int keeps[] = { k->bk_last, k->bk_hourly, k->bk_daily,
	    k->bk_weekly, k->bk_monthly, k->bk_yearly };
	size_t *ord, i;
	long *done, *incl;
	int r, any = 0, p;

	for (r = 0; r < 6; r++)
		any |= keeps[r] > 0;
	for (i = 0; i < n; i++)
		it[i].bi_mark = any ? MARK_NONE : MARK_KEEP;
	if (!any || n == 0)
		return;
	ord = calloc(n, sizeof(*ord));
	done = calloc(n, sizeof(*done));
	incl = calloc(n, sizeof(*incl));
	if (ord == NULL || done == NULL || incl == NULL) {
		/* keep everything rather than guess */
		for (i = 0; i < n; i++)
			it[i].bi_mark = MARK_KEEP;
		goto out;
	}
	for (i = 0; i < n; i++)
		ord[i] = i;
	qsort_r(ord, n, sizeof(*ord), by_newest, it);
	for (r = 0; r < 6; r++)
		mark_rule(&(struct prune_run){ it, ord, n, done, incl },
		    (enum period)r, keeps[r]);
	for (i = 0; i < n; i++)
		if (it[i].bi_mark == MARK_NONE)
			it[i].bi_mark = MARK_REMOVE;
	/* an incremental backup is restored through its parents */
	for (i = 0; i < n; i++) {
		if (it[i].bi_mark != MARK_KEEP)
			continue;
		for (p = it[i].bi_parent; p >= 0 && (size_t)p < n &&
		    it[p].bi_mark == MARK_REMOVE; p = it[p].bi_parent)
			it[p].bi_mark = MARK_BASE;
	}
out:
	free(ord);
	free(done);
	free(incl);
}

int
backup_keep_parse(const cJSON *o, struct backup_keep *k,
    const char **field, char *err)
{
	static const char *const names[] = { "keep_last", "keep_hourly",
	    "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly" };
	int *dst[] = { &k->bk_last, &k->bk_hourly, &k->bk_daily,
	    &k->bk_weekly, &k->bk_monthly, &k->bk_yearly };
	int64_t n;
	size_t i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 6; i++) {
		*field = names[i];
		n = 0;
		if (json_get_int(o, names[i], JSON_OPTIONAL, &n, err) != 0)
			return -1;
		if (n < 0 || n > 1000)
			return err_set(err, "'%s' must be 0..1000", names[i]);
		*dst[i] = (int)n;
	}
	*field = NULL;
	return 0;
}
