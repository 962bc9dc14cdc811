/*
 * report_ha.c - the HA drills side by side: for a row whose runs keep a
 * failover timeline (ha, ha-manager, ha-partition), one plot of every
 * platform's first failover against the seconds since the fault (a lane
 * per platform: the pings answered, those lost, the platform's recovery
 * steps as labels), and one of the failover's phases as stacked bars per
 * platform, from the row's medians:
 *
 *   detect   fault -> detect_s (the platform's first sign it noticed)
 *   fence    detect_s -> fence_done_s (the platform logged the fence)
 *   restart  -> restart_s (the platform decided the restart)
 *   boot     boot_s: restart -> the first ping reply
 *
 * A phase the platform did not log counts 0, so the bar's height may be
 * below failover_s; the plot's data file keeps failover_s beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "reports/report.h"
#include "reports/report_plot.h"

/* The first failover timeline of s, or NULL. */
static const struct timeline *
failover_of(const struct scen_result *s)
{
	size_t k, t;

	for (k = 0; s != NULL && k < s->s_nruns; k++)
		for (t = 0; t < s->s_runs[k].r_ntimelines; t++)
			if (strcmp(s->s_runs[k].r_timelines[t].tl_probe,
			    "failover") == 0 &&
			    s->s_runs[k].r_timelines[t].tl_nevents > 0)
				return &s->s_runs[k].r_timelines[t];
	return NULL;
}

struct lane {
	FILE *l_ok, *l_lost;
	double l_t0;			/* the fault, timeline seconds */
	int l_y;
};

static void
lane_row(void *arg, double t, double rtt, const char *ev)
{
	struct lane *l = arg;

	(void)ev;
	fprintf(rtt >= 0 ? l->l_ok : l->l_lost, "%.3f %d\n", t - l->l_t0,
	    l->l_y);
}

/* Set j's lane into the three data files (replies, lost, steps). */
static int
lane_data(const struct results *rs, const struct timeline *tl, int y,
    FILE *f[3], char *err)
{
	struct lane l = { f[0], f[1], tl->tl_events[0].ev_t_s, y };
	char path[4400];
	size_t i;
	FILE *csv;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", rs->rs_dir, tl->tl_file);
	if ((csv = fopen(path, "r")) == NULL)
		return err_errno(err, "%s", path);
	rc = report_timeline_parse(csv, path, lane_row, &l, err);
	fclose(csv);
	/* the fault is the timeline's first event (scenarios/builtin/ha.c) */
	for (i = 0; i < tl->tl_nevents; i++)
		fprintf(f[2], "%.3f %.2f \"%s\"\n", tl->tl_events[i].ev_t_s -
		    l.l_t0, y + 0.25 + 0.12 * (double)(i % 3),
		    tl->tl_events[i].ev_name);
	for (i = 0; i < 3; i++)
		fprintf(f[i], "\n\n");
	return rc;
}

static int
timelines_script(const struct comparison *c, size_t row, const char *dat[3],
    const char *gpf, const char *png, const int *lanes, char *err)
{
	FILE *gp = fopen(gpf, "w");
	size_t j;
	int y, n = 0;

	if (gp == NULL)
		return err_errno(err, "%s", gpf);
	fprintf(gp, "set terminal %s\nset output ", plot_term());
	plot_gp_str(gp, png);
	fprintf(gp, "\nset title ");
	plot_gp_str(gp, c->cmp_rows[row]);
	fprintf(gp, "\nset xlabel 'seconds since the fault'\nset grid x\n"
	    "set key outside right\nset yrange [0.5:*]\nset ytics (");
	for (j = 0, y = 1; j < c->cmp_nsets; j++)
		if (lanes[j]) {
			fprintf(gp, "%s", n++ ? ", " : "");
			plot_gp_str(gp, c->cmp_sets[j]->rs_platform);
			fprintf(gp, " %d", y++);
		}
	fprintf(gp, ")\nset arrow from 0, graph 0 to 0, graph 1 nohead dt 2\n"
	    "plot ");
	for (j = 0, y = 0; j < c->cmp_nsets; j++) {
		if (!lanes[j])
			continue;
		fprintf(gp, "%s", y ? ", " : "");
		plot_gp_str(gp, dat[0]);
		fprintf(gp, " index %d using 1:2 with points pt 7 ps 0.4 "
		    "lc 'web-blue' title %s, ", y, y ? "''" : "'reply'");
		plot_gp_str(gp, dat[1]);
		fprintf(gp, " index %d using 1:2 with points pt 2 ps 0.4 lc "
		    "'gray' title %s, ", y, y ? "''" : "'lost'");
		plot_gp_str(gp, dat[2]);
		fprintf(gp, " index %d using 1:2:3 with labels point pt 9 "
		    "offset 0,0.6 font ',8' notitle", y);
		y++;
	}
	fputc('\n', gp);
	if (fclose(gp) != 0)
		return err_errno(err, "%s", gpf);
	return 0;
}

/* Every platform's first failover of row on one plot. */
static int
plot_timelines(const struct comparison *c, size_t row, const char *outdir,
    const char *base, char *err)
{
	char dat[3][4400], gpf[4400], png[4400];
	const char *dp[3] = { dat[0], dat[1], dat[2] };
	static const char *const part[3] = { "replies", "lost", "steps" };
	FILE *f[3] = { NULL, NULL, NULL };
	int *lanes, y = 0, rc = -1;
	size_t j, i;

	if ((lanes = calloc(c->cmp_nsets, sizeof(*lanes))) == NULL)
		return err_set(err, "out of memory");
	for (i = 0; i < 3; i++) {
		snprintf(dat[i], sizeof(dat[i]), "%s/plots/%s.%s.dat", outdir,
		    base, part[i]);
		if ((f[i] = fopen(dat[i], "w")) == NULL) {
			err_errno(err, "%s", dat[i]);
			goto out;
		}
	}
	for (j = 0; j < c->cmp_nsets; j++) {
		const struct timeline *tl = failover_of(comparison_cell(c, row,
		    j));

		if (tl == NULL || lane_data(c->cmp_sets[j], tl, y + 1, f,
		    err) == -1)
			continue;
		lanes[j] = 1;
		y++;
	}
	snprintf(gpf, sizeof(gpf), "%s/plots/%s.gp", outdir, base);
	snprintf(png, sizeof(png), "%s/plots/%s.png", outdir, base);
	for (i = 0; i < 3; i++) {
		if (fclose(f[i]) != 0 && y > 0)
			err_errno(err, "%s", dat[i]);
		f[i] = NULL;
	}
	if (y == 0)
		err_set(err, "no failover timeline");
	else if (timelines_script(c, row, dp, gpf, png, lanes, err) == 0)
		rc = plot_gnuplot(gpf, err);
out:
	for (i = 0; i < 3; i++)
		if (f[i] != NULL)
			fclose(f[i]);
	free(lanes);
	return rc;
}

/* One bar's phases from the row's medians; 0 when it has none. */
static int
phases(const struct metrics *ms, double ph[4], double *failover)
{
	double det = -1, fen = -1, res = -1, boot = -1, from;

	metrics_get(ms, "detect_s", &det);
	metrics_get(ms, "fence_done_s", &fen);
	metrics_get(ms, "restart_s", &res);
	metrics_get(ms, "boot_s", &boot);
	*failover = -1;
	metrics_get(ms, "failover_s", failover);
	if (det < 0 && res < 0 && boot < 0)
		return 0;
	ph[0] = det > 0 ? det : 0;
	ph[1] = fen > ph[0] ? fen - ph[0] : 0;
	from = ph[0] + ph[1];
	ph[2] = res > from ? res - from : 0;
	ph[3] = boot > 0 ? boot : 0;
	return 1;
}

/* The failover's phases of row, a stacked bar per platform. */
static int
plot_phases(const struct comparison *c, size_t row, const char *outdir,
    const char *base, char *err)
{
	char dat[4400], gpf[4400], png[4400], title[512];
	double ph[4], fo;
	FILE *d, *gp;
	size_t j;
	int n = 0;

	snprintf(dat, sizeof(dat), "%s/plots/%s.dat", outdir, base);
	snprintf(gpf, sizeof(gpf), "%s/plots/%s.gp", outdir, base);
	snprintf(png, sizeof(png), "%s/plots/%s.png", outdir, base);
	if ((d = fopen(dat, "w")) == NULL)
		return err_errno(err, "%s", dat);
	fprintf(d, "# platform detect_s fence_s restart_s boot_s "
	    "failover_s (medians)\n");
	for (j = 0; j < c->cmp_nsets; j++) {
		const struct scen_result *s = comparison_cell(c, row, j);

		if (s == NULL || !phases(&s->s_metrics, ph, &fo))
			continue;
		fprintf(d, "\"%s\" %.3f %.3f %.3f %.3f %.3f\n",
		    c->cmp_sets[j]->rs_platform, ph[0], ph[1], ph[2], ph[3],
		    fo);
		n++;
	}
	if (fclose(d) != 0 || n == 0)
		return n ? err_errno(err, "%s", dat) : err_set(err, "no "
		    "phases");
	if ((gp = fopen(gpf, "w")) == NULL)
		return err_errno(err, "%s", gpf);
	snprintf(title, sizeof(title), "%s: failover phases (s, medians)",
	    c->cmp_rows[row]);
	fprintf(gp, "set terminal %s\nset output ", plot_term());
	plot_gp_str(gp, png);
	fprintf(gp, "\nset title ");
	plot_gp_str(gp, title);
	fprintf(gp, "\nset style data histograms\nset style histogram "
	    "rowstacked\nset style fill solid 0.8 border -1\nset boxwidth "
	    "0.5\nset ylabel 'seconds since the fault'\nset yrange [0:*]\n"
	    "set grid y\nset key outside right\nplot ");
	plot_gp_str(gp, dat);
	fprintf(gp, " using 2:xtic(1) title 'detect', '' using 3 title "
	    "'fence', '' using 4 title 'restart', '' using 5 title 'boot'\n");
	if (fclose(gp) != 0)
		return err_errno(err, "%s", gpf);
	return plot_gnuplot(gpf, err);
}

typedef int plot_fn(const struct comparison *c, size_t row,
    const char *outdir, const char *base, char *err);

/* fn's plot of row as plots/ROW-what.png, with its caption, into out. */
static void
plot_one(const struct comparison *c, size_t row, const char *outdir,
    const char *what, plot_fn *fn, const char *caption,
    struct plot_list *out)
{
	char sn[128], base[300], file[400], cap[600], e[ERR_LEN];

	safe_name(c->cmp_rows[row], sn, sizeof(sn));
	snprintf(base, sizeof(base), "%s-%s", sn, what);
	if (fn(c, row, outdir, base, e) == -1) {
		log_warnx("plot %s: %s", base, e);
		return;
	}
	snprintf(file, sizeof(file), "plots/%s.png", base);
	snprintf(cap, sizeof(cap), "%s: %s", c->cmp_rows[row], caption);
	plot_add(out, row, (size_t)-1, file, cap);
}

void
report_ha_plots(const struct comparison *c, size_t row, const char *outdir,
    struct plot_list *out)
{
	size_t j;
	int any = 0;

	for (j = 0; j < c->cmp_nsets; j++)
		any |= failover_of(comparison_cell(c, row, j)) != NULL;
	if (!any)
		return;
	plot_one(c, row, outdir, "failovers", plot_timelines, "the first "
	    "failover of each platform, seconds since the fault", out);
	plot_one(c, row, outdir, "phases", plot_phases, "failover phases "
	    "(detect, fence, restart, boot) per platform", out);
}
