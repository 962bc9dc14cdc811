/*
 * report_plot.c - plots with gnuplot: a probe timeline per run (replies
 * with their RTT, lost probes on the axis, the downtime window shaded, the
 * injected events as dashed lines; for an HA drill, the failover timeline:
 * the pings to the VM with the fault and the platform's recovery steps)
 * and, per scenario, its main metrics across repeats with one series per
 * platform.
 *
 * Data and script files are written beside the PNG (plots/NAME.dat,
 * plots/NAME.gp) so a plot can be redrawn or restyled by hand.  gnuplot
 * (gnuplot-nox) is run with the pngcairo terminal, falling back to png.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "log.h"
#include "proc.h"
#include "reports/report.h"
#include "reports/report_priv.h"
#include "reports/report_plot.h"

#define PLOT_TIMEOUT_MS 30000
#define TL_LINE_MAX 4096

static const char *plot_terminal;	/* chosen once per process */

void
plot_list_free(struct plot_list *pl)
{
	size_t i;

	for (i = 0; i < pl->pl_n; i++) {
		free(pl->pl_v[i].pl_file);
		free(pl->pl_v[i].pl_caption);
	}
	free(pl->pl_v);
	pl->pl_v = NULL;
	pl->pl_n = 0;
}

void
plot_add(struct plot_list *pl, size_t row, size_t set, const char *file,
    const char *caption)
{
	struct plot *p;

	p = realloc(pl->pl_v, (pl->pl_n + 1) * sizeof(*p));
	if (p == NULL)
		abort();
	pl->pl_v = p;
	p = &pl->pl_v[pl->pl_n++];
	p->pl_row = row;
	p->pl_set = set;
	p->pl_file = strdup(file);
	p->pl_caption = strdup(caption);
	if (p->pl_file == NULL || p->pl_caption == NULL)
		abort();
}

/* Safe file-name part: [A-Za-z0-9._-], others become '_'. */
void
safe_name(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++)
		buf[i] = (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_' ? s[i] : '_';
	buf[i] = '\0';
	if (i == 0)
		snprintf(buf, len, "_");
}

void
plot_gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s != '\n')
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* Split a CSV line in place (no quoted fields in timelines). */
static int
csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

int
report_timeline_parse(FILE *f, const char *name,
    void (*fn)(void *arg, double t, double rtt_ms, const char *ev),
    void *arg, char *err)
{
	char line[TL_LINE_MAX], *fld[32], *end;
	int n, i, lineno = 1, c_t = -1, c_rtt = -1, c_ev = -1, c_recv = -1;
	double tscale = 1;

	if (fgets(line, sizeof(line), f) == NULL)
		return err_set(err, "%s: empty timeline", name);
	n = csv_split(line, fld, 32);
	for (i = 0; i < n; i++) {
		if (strcmp(fld[i], "t_s") == 0 || strcmp(fld[i], "sent_s") == 0)
			c_t = i;
		else if (strcmp(fld[i], "t_ms") == 0 ||
		    strcmp(fld[i], "sent_ms") == 0) {
			c_t = i;
			tscale = 0.001;
		} else if (strcmp(fld[i], "rtt_ms") == 0)
			c_rtt = i;
		else if (strcmp(fld[i], "event") == 0)
			c_ev = i;
		else if (strcmp(fld[i], "received") == 0 ||
		    strcmp(fld[i], "replies") == 0)
			c_recv = i;
	}
	if (c_t < 0 || (c_rtt < 0 && c_ev < 0))
		return err_set(err, "%s:1: the header needs a t_s (or t_ms) "
		    "column and an rtt_ms column", name);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *ev = NULL;
		double t, rtt = -1;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			return err_set(err, "%s:%d: line too long", name,
			    lineno);
		if (line[0] == '\n' || line[0] == '\r' || line[0] == '#')
			continue;
		n = csv_split(line, fld, 32);
		if (n <= c_t || (c_rtt >= 0 && n <= c_rtt))
			return err_set(err, "%s:%d: %d fields, the header has "
			    "more", name, lineno, n);
		if (*fld[c_t] == '\0')
			continue;	/* never sent (send error) */
		errno = 0;
		t = strtod(fld[c_t], &end);
		if (errno || end == fld[c_t] || *end || !isfinite(t))
			return err_set(err, "%s:%d: bad time '%s'", name,
			    lineno, fld[c_t]);
		t *= tscale;
		if (c_ev >= 0 && c_ev < n && *fld[c_ev])
			ev = fld[c_ev];
		if (c_rtt >= 0 && *fld[c_rtt] && strcmp(fld[c_rtt], "-") &&
		    strcmp(fld[c_rtt], "lost")) {
			rtt = strtod(fld[c_rtt], &end);
			if (*end || !isfinite(rtt))
				return err_set(err, "%s:%d: bad rtt_ms '%s'",
				    name, lineno, fld[c_rtt]);
			if (rtt < 0)
				rtt = -1;
		}
		if (c_recv >= 0 && c_recv < n && (strcmp(fld[c_recv], "0") ==
		    0 || strcmp(fld[c_recv], "false") == 0))
			rtt = -1;
		/* An event-only line has an empty rtt and an event. */
		if (ev != NULL && c_rtt >= 0 && *fld[c_rtt] == '\0')
			fn(arg, t, -2, ev);
		else
			fn(arg, t, rtt, ev);
	}
	if (ferror(f))
		return err_set(err, "%s: read error", name);
	return 0;
}

struct tl_out {
	FILE *recv, *lost;
	size_t nrecv, nlost;
	struct timeline extra;	/* events found in the CSV itself */
};

static void
tl_row(void *arg, double t, double rtt, const char *ev)
{
	struct tl_out *o = arg;

	if (ev != NULL)
		timeline_add_event(&o->extra, t, ev);
	if (rtt == -2)
		return;
	if (rtt >= 0) {
		fprintf(o->recv, "%.6f %.3f\n", t, rtt);
		o->nrecv++;
	} else {
		fprintf(o->lost, "%.6f\n", t);
		o->nlost++;
	}
}

int
plot_gnuplot(const char *script, char *err)
{
	const char *argv[] = { "gnuplot", script, NULL };
	struct proc_result r = { 0 };
	int rc;

	rc = proc_run(argv, NULL, PLOT_TIMEOUT_MS, &r, err);
	proc_result_free(&r);
	return rc;
}

const char *
plot_term(void)
{
	const char *argv[] = { "gnuplot", "-e", "set terminal pngcairo", NULL };
	struct proc_result r = { 0 };
	char e[ERR_LEN];

	if (plot_terminal != NULL)
		return plot_terminal;
	if (proc_run(argv, NULL, PLOT_TIMEOUT_MS, &r, e) == 0 &&
	    (r.errout == NULL || strstr(r.errout, "unknown") == NULL))
		plot_terminal = "pngcairo noenhanced size 900,360 font ',10'";
	else
		plot_terminal = "png noenhanced size 900,360";
	proc_result_free(&r);
	return plot_terminal;
}

void
plot_events(FILE *gp, const struct timeline *tl, int *arrow, int stagger)
{
	size_t i;

	for (i = 0; i < tl->tl_nevents; i++, (*arrow)++) {
		fprintf(gp, "set arrow %d from %.6f, graph 0 to %.6f, graph 1 "
		    "nohead lc rgb '#3b6ea5' dt 2 lw 1.5\n", *arrow,
		    tl->tl_events[i].ev_t_s, tl->tl_events[i].ev_t_s);
		fprintf(gp, "set label %d ", *arrow);
		plot_gp_str(gp, tl->tl_events[i].ev_name);
		fprintf(gp, " at %.6f, graph %.2f left offset 0.5,0 "
		    "tc rgb '#3b6ea5'\n", tl->tl_events[i].ev_t_s, 0.95 -
		    0.08 * (double)(stagger > 1 ? i % (size_t)stagger : 0));
	}
}

/* One timeline to plot: where it comes from and the files it makes. */
struct tl_plot {
	const struct results *tp_rs;
	const struct scen_result *tp_s;
	const struct timeline *tp_tl;
	size_t tp_runno;
	int tp_failover;	/* the HA drill's (scenarios/builtin/ha.c) */
	char tp_csv[4096];	/* the timeline in the results */
	char tp_dat[4200];	/* replies: t rtt */
	char tp_lost[4200];	/* losses: t */
	char tp_gpf[4200];	/* gnuplot script */
	char tp_png[4200];
};

/* Split the timeline CSV into the replies and losses data files; its
 * own events go to o->extra. */
static int
tl_data(const struct tl_plot *p, struct tl_out *o, char *err)
{
	FILE *in;
	int rc = -1;

	if ((in = fopen(p->tp_csv, "r")) == NULL)
		return err_errno(err, "%s", p->tp_csv);
	if ((o->recv = fopen(p->tp_dat, "w")) == NULL ||
	    (o->lost = fopen(p->tp_lost, "w")) == NULL) {
		err_errno(err, "%s", o->recv ? p->tp_lost : p->tp_dat);
		goto out;
	}
	if (report_timeline_parse(in, p->tp_csv, tl_row, o, err) == -1)
		goto out;
	if (fclose(o->recv) != 0 || fclose(o->lost) != 0) {
		o->recv = o->lost = NULL;
		err_errno(err, "%s", p->tp_dat);
		goto out;
	}
	o->recv = o->lost = NULL;
	if (o->nrecv + o->nlost == 0) {
		err_set(err, "%s: no probes in the timeline", p->tp_csv);
		goto out;
	}
	rc = 0;
out:
	fclose(in);
	return rc;
}

/* The shaded window without replies, with its length. */
static void
tl_window(FILE *gp, const struct timeline *tl, int failover)
{
	if (!tl->tl_has_window)
		return;
	fprintf(gp, "set object 1 rect from %.6f, graph 0 to %.6f, "
	    "graph 1 fc rgb '#f4b4b4' fs solid 0.5 noborder behind\n",
	    tl->tl_down_start_s, tl->tl_down_end_s);
	if (failover)
		/* No reply from the VM: from its last one before the fault
		 * to its first one from the restarted copy. */
		fprintf(gp, "set label 100 sprintf('no reply for %%.1f s', "
		    "%.6f) at %.6f, graph 0.55 left offset 0.5,0 "
		    "tc rgb '#c62828'\n",
		    tl->tl_down_end_s - tl->tl_down_start_s,
		    tl->tl_down_start_s);
	else
		fprintf(gp, "set label 100 sprintf('downtime %%.0f ms', "
		    "%.6f) at %.6f, graph 0.85 right offset -0.5,0 "
		    "tc rgb '#c62828'\n",
		    (tl->tl_down_end_s - tl->tl_down_start_s) * 1000,
		    tl->tl_down_start_s);
}

/* The gnuplot script: title, window, events, replies and losses. */
static void
tl_script(FILE *gp, const struct tl_plot *p, struct tl_out *o)
{
	const struct timeline *tl = p->tp_tl;
	char title[512];
	int arrow = 1;

	fprintf(gp, "set terminal %s\nset output ", plot_term());
	plot_gp_str(gp, p->tp_png);
	fprintf(gp, "\nset title ");
	snprintf(title, sizeof(title), "%s: %s, run %zu, %s%s "
	    "(%zu replies, %zu lost)", p->tp_rs->rs_platform ?
	    p->tp_rs->rs_platform : "?", p->tp_s->s_name, p->tp_runno,
	    tl->tl_probe, p->tp_failover ? " timeline: pings to the VM" :
	    " probe", o->nrecv, o->nlost);
	plot_gp_str(gp, title);
	fprintf(gp, "\nset xlabel 'time (s)'\nset ylabel 'RTT (ms)'\n"
	    "set yrange [0:*]\nset grid\nset key outside right top\n");
	tl_window(gp, tl, p->tp_failover);
	plot_events(gp, tl, &arrow, p->tp_failover ? 3 : 1);
	plot_events(gp, &o->extra, &arrow, 1);
	fprintf(gp, "plot ");
	if (o->nrecv > 0) {
		plot_gp_str(gp, p->tp_dat);
		fprintf(gp, " using 1:2 with points pt 7 ps 0.4 "
		    "lc rgb '#2f7d32' title 'reply'");
	}
	if (o->nlost > 0) {
		fprintf(gp, "%s", o->nrecv > 0 ? ", " : "");
		plot_gp_str(gp, p->tp_lost);
		fprintf(gp, " using 1:(0) with points pt 2 ps 0.8 "
		    "lc rgb '#c62828' title 'lost'");
	}
	fputc('\n', gp);
}

/* Plot run runno's timeline tl of scenario s in rs as
 * outdir/plots/base.png. */
static int
plot_timeline(struct tl_plot *p, const char *outdir, const char *base,
    char *err)
{
	const struct timeline *tl = p->tp_tl;
	struct tl_out o;
	FILE *gp = NULL;
	int rc = -1;
	size_t i;

	memset(&o, 0, sizeof(o));
	p->tp_failover = tl->tl_probe != NULL &&
	    strcmp(tl->tl_probe, "failover") == 0;
	snprintf(p->tp_csv, sizeof(p->tp_csv), "%s/%s", p->tp_rs->rs_dir,
	    tl->tl_file);
	snprintf(p->tp_dat, sizeof(p->tp_dat), "%s/plots/%s.dat", outdir,
	    base);
	snprintf(p->tp_lost, sizeof(p->tp_lost), "%s/plots/%s.lost.dat",
	    outdir, base);
	snprintf(p->tp_gpf, sizeof(p->tp_gpf), "%s/plots/%s.gp", outdir,
	    base);
	snprintf(p->tp_png, sizeof(p->tp_png), "%s/plots/%s.png", outdir,
	    base);
	if (tl_data(p, &o, err) == -1)
		goto out;
	if ((gp = fopen(p->tp_gpf, "w")) == NULL) {
		err_errno(err, "%s", p->tp_gpf);
		goto out;
	}
	tl_script(gp, p, &o);
	if (fclose(gp) != 0) {
		err_errno(err, "%s", p->tp_gpf);
		goto out;
	}
	rc = plot_gnuplot(p->tp_gpf, err);
out:
	if (o.recv)
		fclose(o.recv);
	if (o.lost)
		fclose(o.lost);
	for (i = 0; i < o.extra.tl_nevents; i++)
		free(o.extra.tl_events[i].ev_name);
	free(o.extra.tl_events);
	return rc;
}

/* One metric of one scenario across runs, a series per platform. */
static int
plot_repeats(const struct comparison *c, size_t row, const char *metric,
    const char *outdir, const char *base, char *err)
{
	char dat[4200], gpf[4200], png[4200], title[512];
	FILE *d = NULL, *gp = NULL;
	size_t j, k, nser = 0;
	int rc = -1;
	double x;

	snprintf(dat, sizeof(dat), "%s/plots/%s.dat", outdir, base);
	snprintf(gpf, sizeof(gpf), "%s/plots/%s.gp", outdir, base);
	snprintf(png, sizeof(png), "%s/plots/%s.png", outdir, base);
	if ((d = fopen(dat, "w")) == NULL) {
		err_errno(err, "%s", dat);
		goto out;
	}
	/* One gnuplot data block (blank-line pair separated) per set. */
	for (j = 0; j < c->cmp_nsets; j++) {
		const struct scen_result *s = comparison_cell(c, row, j);

		fprintf(d, "# %s\n", c->cmp_sets[j]->rs_platform);
		for (k = 0; s != NULL && k < s->s_nruns; k++)
			if (metrics_get(&s->s_runs[k].r_metrics, metric,
			    &x) == 0)
				fprintf(d, "%zu %.6g\n", k + 1, x);
		fprintf(d, "\n\n");
	}
	if (fclose(d) != 0) {
		d = NULL;
		err_errno(err, "%s", dat);
		goto out;
	}
	d = NULL;
	if ((gp = fopen(gpf, "w")) == NULL) {
		err_errno(err, "%s", gpf);
		goto out;
	}
	fprintf(gp, "set terminal %s\nset output ", plot_term());
	plot_gp_str(gp, png);
	snprintf(title, sizeof(title), "%s: %s per run", c->cmp_rows[row],
	    metric);
	fprintf(gp, "\nset title ");
	plot_gp_str(gp, title);
	fprintf(gp, "\nset xlabel 'run'\nset ylabel ");
	plot_gp_str(gp, metric);
	fprintf(gp, "\nset grid\nset xtics 1\nset offsets 0.5, 0.5, 0, 0\n"
	    "set yrange [0:*]\nset key outside right\nplot ");
	for (j = 0; j < c->cmp_nsets; j++) {
		const struct scen_result *s = comparison_cell(c, row, j);
		int has = 0;

		for (k = 0; s != NULL && k < s->s_nruns; k++)
			if (metrics_get(&s->s_runs[k].r_metrics, metric,
			    &x) == 0)
				has = 1;
		if (!has)
			continue;
		fprintf(gp, "%s", nser++ ? ", " : "");
		plot_gp_str(gp, dat);
		fprintf(gp, " index %zu using 1:2 with linespoints pt 7 "
		    "title ", j);
		plot_gp_str(gp, c->cmp_sets[j]->rs_platform);
	}
	fputc('\n', gp);
	if (fclose(gp) != 0) {
		gp = NULL;
		err_errno(err, "%s", gpf);
		goto out;
	}
	gp = NULL;
	rc = nser > 0 ? plot_gnuplot(gpf, err) : err_set(err, "no data");
out:
	if (d)
		fclose(d);
	if (gp)
		fclose(gp);
	return rc;
}

/* Series timeline t of a run (report_series.c), added to out. */
static void
plot_cell_series(const struct tl_plot *tp, size_t i, size_t j, size_t t,
    const char *outdir, struct plot_list *out)
{
	char base[512], pn[128], sn[128], cap[768], e[ERR_LEN], file[700];

	safe_name(tp->tp_s->s_name, sn, sizeof(sn));
	safe_name(tp->tp_rs->rs_platform, pn, sizeof(pn));
	snprintf(base, sizeof(base), "%s-%s-%zu-series-%zu", pn, sn,
	    tp->tp_runno, t + 1);
	if (plot_series(tp->tp_rs, tp->tp_s, tp->tp_tl, tp->tp_runno, outdir,
	    base, e) == -1) {
		log_warnx("plot %s: %s", base, e);
		return;
	}
	snprintf(file, sizeof(file), "plots/%s.png", base);
	snprintf(cap, sizeof(cap), "%s, %s, run %zu: %s over time",
	    tp->tp_rs->rs_platform, tp->tp_s->s_name, tp->tp_runno,
	    tp->tp_tl->tl_file);
	plot_add(out, i, j, file, cap);
}

/* Every timeline of scenario row i in result set j, added to out. */
static void
plot_cell_timelines(const struct comparison *c, size_t i, size_t j,
    const char *outdir, struct plot_list *out)
{
	const struct scen_result *s = comparison_cell(c, i, j);
	struct tl_plot tp;
	char base[512], pn[128], sn[128], cap[768], e[ERR_LEN], file[700];
	size_t k, t;

	safe_name(c->cmp_rows[i], sn, sizeof(sn));
	safe_name(c->cmp_sets[j]->rs_platform, pn, sizeof(pn));
	for (k = 0; k < s->s_nruns; k++)
		for (t = 0; t < s->s_runs[k].r_ntimelines; t++) {
			memset(&tp, 0, sizeof(tp));
			tp.tp_rs = c->cmp_sets[j];
			tp.tp_s = s;
			tp.tp_tl = &s->s_runs[k].r_timelines[t];
			tp.tp_runno = k + 1;
			if (tp.tp_tl->tl_probe != NULL &&
			    strcmp(tp.tp_tl->tl_probe, "series") == 0) {
				plot_cell_series(&tp, i, j, t, outdir, out);
				continue;
			}
			snprintf(base, sizeof(base), "%s-%s-%zu-%s", pn, sn,
			    k + 1, tp.tp_tl->tl_probe);
			if (plot_timeline(&tp, outdir, base, e) == -1) {
				log_warnx("plot %s: %s", base, e);
				continue;
			}
			snprintf(file, sizeof(file), "plots/%s.png", base);
			snprintf(cap, sizeof(cap), "%s, %s, run %zu: %s%s "
			    "timeline", tp.tp_rs->rs_platform, s->s_name,
			    k + 1, tp.tp_tl->tl_probe,
			    strcmp(tp.tp_tl->tl_probe, "failover") == 0 ? "" :
			    " probe");
			plot_add(out, i, j, file, cap);
		}
}

/* Figures across repeats of row i: up to 3 metrics of first. */
static void
plot_row_repeats(const struct comparison *c, size_t i,
    const struct scen_result *first, const char *outdir,
    struct plot_list *out)
{
	char base[512], sn[128], mn[128], cap[768], e[ERR_LEN], file[700];
	const char *metric;
	size_t k, m;

	safe_name(c->cmp_rows[i], sn, sizeof(sn));
	for (m = 0, k = 0; m < first->s_metrics.ms_n && k < 3; m++) {
		metric = first->s_metrics.ms_v[m].m_name;
		/* Counters of the probe itself tell little per run. */
		if (strcmp(metric, "sent") == 0 ||
		    strcmp(metric, "received") == 0)
			continue;
		k++;
		safe_name(metric, mn, sizeof(mn));
		snprintf(base, sizeof(base), "%s-%s-runs", sn, mn);
		if (plot_repeats(c, i, metric, outdir, base, e) == -1) {
			log_warnx("plot %s: %s", base, e);
			continue;
		}
		snprintf(file, sizeof(file), "plots/%s.png", base);
		snprintf(cap, sizeof(cap), "%s: %s per run", c->cmp_rows[i],
		    metric);
		plot_add(out, i, (size_t)-1, file, cap);
	}
}

int
report_plots(const struct comparison *c, const char *outdir,
    struct plot_list *out, char *err)
{
	const struct scen_result *s, *first;
	char dir[4096];
	size_t i, j, maxruns;

	snprintf(dir, sizeof(dir), "%s/plots", outdir);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return err_errno(err, "%s", dir);
	for (i = 0; i < c->cmp_nrows; i++) {
		maxruns = 0;
		first = NULL;
		for (j = 0; j < c->cmp_nsets; j++) {
			if ((s = comparison_cell(c, i, j)) == NULL)
				continue;
			if (first == NULL && s->s_metrics.ms_n > 0)
				first = s;
			if (s->s_nruns > maxruns)
				maxruns = s->s_nruns;
			plot_cell_timelines(c, i, j, outdir, out);
		}
		if (maxruns >= 2 && first != NULL)
			plot_row_repeats(c, i, first, outdir, out);
		report_ha_plots(c, i, outdir, out);
	}
	return 0;
}
