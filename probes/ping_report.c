/*
 * ping_report.c - the ping probe's result as JSON, CSV and a summary line.
 *
 * JSON layout (times in ms relative to the first request, "started" and
 * "start_wall_us" give the absolute origin):
 *
 *   {"probe":"ping","target":"198.18.251.2","interface":"veth0",
 *    "interval_ms":10,"ident":4242,"tstamp_type":"host",
 *    "tstamp_precision":"ns","started":"2026-...Z","start_wall_us":N,
 *    "metrics":{"sent":..,"received":..,"lost":..,"downtime_ms":..,...},
 *    "marks":[{"label":"nic-unplug host1 eth0","t_ms":1234.5}],
 *    "timeline":[{"seq":0,"sent_ms":0,"recv_ms":0.08,"rtt_ms":0.08},
 *                {"seq":7,"sent_ms":70,"lost":true},...]}
 *
 * Metric names are snake_case with their unit as suffix (docs/probes.md).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "probes/ping.h"

static double
ns_ms(uint64_t ns)
{
	return round((double)ns / 1e3) / 1e3;	/* µs resolution */
}

static double
rel_ms(uint64_t t, uint64_t origin)
{
	if (t >= origin)
		return ns_ms(t - origin);
	return -ns_ms(origin - t);
}

static int
add_num(cJSON *o, const char *k, double v)
{
	return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static int
add_dist(cJSON *m, const char *prefix, const struct stats_dist *d, int p90)
{
	char k[64];
	int ok = 1;

	snprintf(k, sizeof(k), "%s_min_ms", prefix);
	ok &= add_num(m, k, ns_ms(d->d_min));
	snprintf(k, sizeof(k), "%s_p50_ms", prefix);
	ok &= add_num(m, k, ns_ms(d->d_p50));
	if (p90) {
		snprintf(k, sizeof(k), "%s_p90_ms", prefix);
		ok &= add_num(m, k, ns_ms(d->d_p90));
	}
	snprintf(k, sizeof(k), "%s_p99_ms", prefix);
	ok &= add_num(m, k, ns_ms(d->d_p99));
	snprintf(k, sizeof(k), "%s_max_ms", prefix);
	ok &= add_num(m, k, ns_ms(d->d_max));
	snprintf(k, sizeof(k), "%s_mean_ms", prefix);
	ok &= add_num(m, k, round(d->d_mean / 1e3) / 1e3);
	return ok;
}

/* "probe" .. "start_wall_us": what was probed, how, from when.  1, or 0
 * out of memory. */
static int
ping_json_head(cJSON *doc, const struct probe_ping_result *r)
{
	uint64_t t0 = r->pr_stats.st_start_ns;
	char started[32];
	int ok = 1;

	clock_format_wall(t0, started, sizeof(started));
	ok &= cJSON_AddStringToObject(doc, "probe", "ping") != NULL;
	ok &= cJSON_AddStringToObject(doc, "target", r->pr_target) != NULL;
	ok &= cJSON_AddStringToObject(doc, "interface", r->pr_iface) != NULL;
	ok &= add_num(doc, "interval_ms", ns_ms(r->pr_interval_ns));
	ok &= add_num(doc, "ident", r->pr_ident);
	ok &= cJSON_AddStringToObject(doc, "tstamp_type",
	    r->pr_tstamp_type) != NULL;
	ok &= cJSON_AddStringToObject(doc, "tstamp_precision",
	    r->pr_tstamp_nano ? "ns" : "us") != NULL;
	ok &= cJSON_AddStringToObject(doc, "started", started) != NULL;
	ok &= add_num(doc, "start_wall_us", (double)(t0 / 1000));
	return ok;
}

/* "metrics": {...}.  1, or 0 out of memory. */
static int
ping_json_metrics(cJSON *doc, const struct probe_ping_result *r)
{
	const struct ping_stats *st = &r->pr_stats;
	uint64_t t0 = st->st_start_ns;
	cJSON *m;
	int ok = 1;

	if ((m = cJSON_AddObjectToObject(doc, "metrics")) == NULL)
		return 0;
	ok &= add_num(m, "sent", (double)st->st_sent);
	ok &= add_num(m, "received", (double)st->st_received);
	ok &= add_num(m, "lost", (double)st->st_lost);
	ok &= add_num(m, "loss_pct", st->st_sent ? round(1e4 *
	    (double)st->st_lost / (double)st->st_sent) / 100 : 0);
	ok &= add_num(m, "duplicates", (double)st->st_duplicates);
	ok &= add_num(m, "reordered", (double)st->st_reordered);
	ok &= add_num(m, "stray", (double)st->st_stray);
	ok &= add_num(m, "loss_bursts", (double)st->st_loss_bursts);
	ok &= add_num(m, "longest_burst", (double)st->st_longest_burst);
	ok &= add_num(m, "downtime_ms", ns_ms(st->st_downtime.g_len_ns));
	ok &= add_num(m, "downtime_start_ms",
	    rel_ms(st->st_downtime.g_start_ns, t0));
	ok &= add_num(m, "downtime_end_ms",
	    rel_ms(st->st_downtime.g_end_ns, t0));
	ok &= cJSON_AddBoolToObject(m, "downtime_open_start",
	    st->st_downtime.g_open_start) != NULL;
	ok &= cJSON_AddBoolToObject(m, "downtime_open_end",
	    st->st_downtime.g_open_end) != NULL;
	ok &= add_num(m, "downtime_send_gap_ms",
	    ns_ms(st->st_downtime_send_gap_ns));
	ok &= add_dist(m, "rtt", &st->st_rtt, 1);
	ok &= add_dist(m, "send_interval", &r->pr_send_interval, 0);
	ok &= add_dist(m, "send_jitter", &r->pr_send_jitter, 0);
	ok &= add_num(m, "send_errors", (double)r->pr_send_errors);
	ok &= add_num(m, "late_sends", (double)r->pr_late_sends);
	ok &= add_num(m, "capture_drops", (double)r->pr_capture_drops);
	ok &= add_num(m, "duration_s", round(r->pr_wall_s * 1e3) / 1e3);
	ok &= add_num(m, "cpu_s", round(r->pr_cpu_s * 1e4) / 1e4);
	ok &= add_num(m, "cpu_pct", r->pr_wall_s > 0 ?
	    round(1e4 * r->pr_cpu_s / r->pr_wall_s) / 100 : 0);
	return ok;
}

/* "marks": [{"label","t_ms"}].  1, or 0 out of memory. */
static int
ping_json_marks(cJSON *doc, const struct probe_ping_result *r)
{
	uint64_t t0 = r->pr_stats.st_start_ns;
	cJSON *a, *e;
	size_t i;
	int ok = 1;

	if ((a = cJSON_AddArrayToObject(doc, "marks")) == NULL)
		return 0;
	for (i = 0; i < r->pr_nmarks; i++) {
		e = cJSON_CreateObject();
		if (e == NULL || !cJSON_AddItemToArray(a, e)) {
			cJSON_Delete(e);
			return 0;
		}
		ok &= cJSON_AddStringToObject(e, "label",
		    r->pr_marks[i].pm_label) != NULL;
		ok &= add_num(e, "t_ms", rel_ms(r->pr_marks[i].pm_wall_ns, t0));
	}
	return ok;
}

/* "timeline": one object per request.  1, or 0 out of memory. */
static int
ping_json_timeline(cJSON *doc, const struct probe_ping_result *r)
{
	uint64_t t0 = r->pr_stats.st_start_ns;
	const struct ping_slot *s;
	cJSON *a, *e;
	size_t i;
	int ok = 1;

	if ((a = cJSON_AddArrayToObject(doc, "timeline")) == NULL)
		return 0;
	for (i = 0; i < r->pr_timeline.pt_n && ok; i++) {
		s = &r->pr_timeline.pt_slots[i];
		e = cJSON_CreateObject();
		if (e == NULL || !cJSON_AddItemToArray(a, e)) {
			cJSON_Delete(e);
			return 0;
		}
		ok &= add_num(e, "seq", (double)i);
		if (s->ps_sent_ns != 0)
			ok &= add_num(e, "sent_ms", rel_ms(s->ps_sent_ns, t0));
		if (s->ps_replies == 0) {
			ok &= cJSON_AddBoolToObject(e, "lost", 1) != NULL;
			continue;
		}
		ok &= add_num(e, "recv_ms", rel_ms(s->ps_recv_ns, t0));
		if (s->ps_sent_ns != 0 && s->ps_recv_ns >= s->ps_sent_ns)
			ok &= add_num(e, "rtt_ms",
			    ns_ms(s->ps_recv_ns - s->ps_sent_ns));
		if (s->ps_replies > 1)
			ok &= add_num(e, "replies", s->ps_replies);
	}
	return ok;
}

cJSON *
probe_ping_result_json(const struct probe_ping_result *r, int with_timeline)
{
	cJSON *doc;

	doc = cJSON_CreateObject();
	if (doc == NULL)
		return NULL;
	if (!ping_json_head(doc, r) || !ping_json_metrics(doc, r) ||
	    !ping_json_marks(doc, r))
		goto fail;
	if (with_timeline && !ping_json_timeline(doc, r))
		goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

int
probe_ping_write_csv(const struct probe_ping_result *r, const char *path,
    char *err)
{
	const struct ping_slot *s;
	uint64_t t0 = r->pr_stats.st_start_ns;
	char tmp[4096];
	FILE *f;
	size_t i;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return err_set(err, "csv: path too long: %s", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return err_errno(err, "csv: %s", tmp);
	fprintf(f, "seq,sent_ms,recv_ms,rtt_ms,replies\n");
	for (i = 0; i < r->pr_timeline.pt_n; i++) {
		s = &r->pr_timeline.pt_slots[i];
		fprintf(f, "%zu,", i);
		if (s->ps_sent_ns != 0)
			fprintf(f, "%.6f", rel_ms(s->ps_sent_ns, t0));
		fputc(',', f);
		if (s->ps_replies > 0)
			fprintf(f, "%.6f", rel_ms(s->ps_recv_ns, t0));
		fputc(',', f);
		if (s->ps_replies > 0 && s->ps_sent_ns != 0 &&
		    s->ps_recv_ns >= s->ps_sent_ns)
			fprintf(f, "%.6f", (double)(s->ps_recv_ns -
			    s->ps_sent_ns) / 1e6);
		fprintf(f, ",%u\n", s->ps_replies);
	}
	if (ferror(f) | (fclose(f) != 0)) {
		unlink(tmp);
		return err_errno(err, "csv: write %s", tmp);
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return err_errno(err, "csv: rename to %s", path);
	}
	return 0;
}

void
probe_ping_summary(const struct probe_ping_result *r, char *buf, size_t len)
{
	const struct ping_stats *st = &r->pr_stats;
	const struct stats_gap *g = &st->st_downtime;
	char iv[32];

	clock_format_duration(r->pr_interval_ns, iv, sizeof(iv));
	snprintf(buf, len, "ping %s every %s: sent %llu received %llu "
	    "lost %llu (%.2f%%) downtime_ms %.3f [%s%.3f .. %.3f%s ms] "
	    "rtt_ms min/p50/p99/max %.3f/%.3f/%.3f/%.3f",
	    r->pr_target, iv, (unsigned long long)st->st_sent,
	    (unsigned long long)st->st_received,
	    (unsigned long long)st->st_lost,
	    st->st_sent ? 100.0 * (double)st->st_lost / (double)st->st_sent
	    : 0.0, ns_ms(g->g_len_ns), g->g_open_start ? "(" : "",
	    rel_ms(g->g_start_ns, st->st_start_ns),
	    rel_ms(g->g_end_ns, st->st_start_ns), g->g_open_end ? ")" : "",
	    ns_ms(st->st_rtt.d_min), ns_ms(st->st_rtt.d_p50),
	    ns_ms(st->st_rtt.d_p99), ns_ms(st->st_rtt.d_max));
}
