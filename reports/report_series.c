/*
 * report_series.c - the plot of a series timeline: a figure over time
 * kept beside results.json as a long CSV ("t_s,KEY,VALUE": the
 * monitoring row's VM CPU in cores, a balancer's load per host per
 * round), one line per key, the run's events (a burn's start and end, a
 * rebalance) as dashed lines.  The CSV -> gnuplot data step is pure and
 * unit-tested; the plot is drawn as report_plot.c draws timelines.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reports/report.h"
#include "reports/report_priv.h"

#define SERIES_LINE_MAX 1024

struct series_pt {
	size_t sp_key;
	double sp_t, sp_v;
};

/* The header: t_s, then the key and value columns' names. */
static int
series_header(char *line, const char *name, struct series_info *si,
    char *err)
{
	char *key, *val, *end;

	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "t_s,", 4) != 0 || (key = line + 4,
	    (val = strchr(key, ',')) == NULL))
		return err_set(err, "%s:1: the header must be t_s,KEY,VALUE",
		    name);
	*val++ = '\0';
	if ((end = strchr(val, ',')) != NULL || *key == '\0' || *val == '\0')
		return err_set(err, "%s:1: the header must be t_s,KEY,VALUE "
		    "(three columns)", name);
	snprintf(si->sd_key, sizeof(si->sd_key), "%s", key);
	snprintf(si->sd_value, sizeof(si->sd_value), "%s", val);
	return 0;
}

/* The index of key k, added when new; -1 past SERIES_KEYS_MAX. */
static long
series_key(struct series_info *si, const char *k)
{
	size_t i;

	for (i = 0; i < si->sd_nkeys; i++)
		if (strcmp(si->sd_keys[i], k) == 0)
			return (long)i;
	if (si->sd_nkeys == SERIES_KEYS_MAX)
		return -1;
	snprintf(si->sd_keys[si->sd_nkeys], sizeof(si->sd_keys[0]), "%s", k);
	return (long)si->sd_nkeys++;
}

/* One "t,key,value" line into *pt.  0, or -1 with err. */
static int
series_line(char *line, const char *name, int lineno, struct series_info *si,
    struct series_pt *pt, char *err)
{
	char *k, *v, *end;
	long ki;

	line[strcspn(line, "\r\n")] = '\0';
	if ((k = strchr(line, ',')) == NULL ||
	    (v = strchr(k + 1, ',')) == NULL || strchr(v + 1, ',') != NULL)
		return err_set(err, "%s:%d: a line must be t,key,value", name,
		    lineno);
	*k++ = '\0';
	*v++ = '\0';
	errno = 0;
	pt->sp_t = strtod(line, &end);
	if (errno || end == line || *end || !isfinite(pt->sp_t))
		return err_set(err, "%s:%d: bad time '%s'", name, lineno,
		    line);
	pt->sp_v = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(pt->sp_v))
		return err_set(err, "%s:%d: bad %s '%s'", name, lineno,
		    si->sd_value, v);
	if (*k == '\0' || (ki = series_key(si, k)) < 0)
		return err_set(err, "%s:%d: %s", name, lineno, *k ? "more "
		    "than 32 keys" : "empty key");
	pt->sp_key = (size_t)ki;
	return 0;
}

/* The points, a block per key, in key order. */
static int
series_write(FILE *out, const struct series_info *si,
    const struct series_pt *pts, size_t n)
{
	size_t k, i;

	for (k = 0; k < si->sd_nkeys; k++) {
		fprintf(out, "# %s %s\n", si->sd_key, si->sd_keys[k]);
		for (i = 0; i < n; i++)
			if (pts[i].sp_key == k)
				fprintf(out, "%.6f %.6g\n", pts[i].sp_t,
				    pts[i].sp_v);
		fprintf(out, "\n\n");
	}
	return ferror(out) ? -1 : 0;
}

int
report_series_data(FILE *in, const char *name, FILE *out,
    struct series_info *si, char *err)
{
	char line[SERIES_LINE_MAX];
	struct series_pt *pts = NULL, *np;
	size_t cap = 0;
	int lineno = 1, rc = -1;

	memset(si, 0, sizeof(*si));
	if (fgets(line, sizeof(line), in) == NULL)
		return err_set(err, "%s: empty series", name);
	if (series_header(line, name, si, err) == -1)
		return -1;
	while (fgets(line, sizeof(line), in) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(in)) {
			err_set(err, "%s:%d: line too long", name, lineno);
			goto out;
		}
		if (line[0] == '\n' || line[0] == '\r' || line[0] == '#')
			continue;
		if (si->sd_npoints == cap) {
			cap = cap ? 2 * cap : 256;
			if ((np = realloc(pts, cap * sizeof(*pts))) == NULL) {
				err_set(err, "out of memory");
				goto out;
			}
			pts = np;
		}
		if (series_line(line, name, lineno, si,
		    &pts[si->sd_npoints], err) == -1)
			goto out;
		si->sd_npoints++;
	}
	if (si->sd_npoints == 0) {
		err_set(err, "%s: no points in the series", name);
		goto out;
	}
	if (series_write(out, si, pts, si->sd_npoints) == -1) {
		err_set(err, "%s: cannot write the plot's data", name);
		goto out;
	}
	rc = 0;
out:
	free(pts);
	return rc;
}

/* The CSV's gnuplot data into dat. */
static int
series_dat(const char *csv, const char *dat, struct series_info *si,
    char *err)
{
	FILE *in, *out;
	int rc;

	if ((in = fopen(csv, "r")) == NULL)
		return err_errno(err, "%s", csv);
	if ((out = fopen(dat, "w")) == NULL) {
		fclose(in);
		return err_errno(err, "%s", dat);
	}
	rc = report_series_data(in, csv, out, si, err);
	fclose(in);
	if (fclose(out) != 0 && rc == 0)
		rc = err_errno(err, "%s", dat);
	return rc;
}

/* The script: title, events, a line per key. */
static void
series_script(FILE *gp, const struct results *rs,
    const struct scen_result *s, const struct timeline *tl, size_t runno,
    const struct series_info *si, const char *dat, const char *png)
{
	char title[512];
	int arrow = 1;
	size_t k;

	fprintf(gp, "set terminal %s\nset output ", plot_term());
	plot_gp_str(gp, png);
	snprintf(title, sizeof(title), "%s: %s, run %zu, %s by %s",
	    rs->rs_platform ? rs->rs_platform : "?", s->s_name, runno,
	    si->sd_value, si->sd_key);
	fprintf(gp, "\nset title ");
	plot_gp_str(gp, title);
	fprintf(gp, "\nset xlabel 'time (s)'\nset ylabel ");
	plot_gp_str(gp, si->sd_value);
	fprintf(gp, "\nset yrange [0:*]\nset grid\nset key outside right "
	    "top\n");
	/* Events close in time (a move seen, then the balance) would
	 * print their labels over each other: three heights in turn. */
	plot_events(gp, tl, &arrow, 3);
	fprintf(gp, "plot ");
	for (k = 0; k < si->sd_nkeys; k++) {
		fprintf(gp, "%s", k ? ", " : "");
		plot_gp_str(gp, dat);
		fprintf(gp, " index %zu using 1:2 with linespoints pt 7 ps 0.5 "
		    "title ", k);
		plot_gp_str(gp, si->sd_keys[k]);
	}
	fputc('\n', gp);
}

int
plot_series(const struct results *rs, const struct scen_result *s,
    const struct timeline *tl, size_t runno, const char *outdir,
    const char *base, char *err)
{
	char csv[4096], dat[4200], gpf[4200], png[4200];
	struct series_info si;
	FILE *gp;

	snprintf(csv, sizeof(csv), "%s/%s", rs->rs_dir, tl->tl_file);
	snprintf(dat, sizeof(dat), "%s/plots/%s.dat", outdir, base);
	snprintf(gpf, sizeof(gpf), "%s/plots/%s.gp", outdir, base);
	snprintf(png, sizeof(png), "%s/plots/%s.png", outdir, base);
	if (series_dat(csv, dat, &si, err) == -1)
		return -1;
	if ((gp = fopen(gpf, "w")) == NULL)
		return err_errno(err, "%s", gpf);
	series_script(gp, rs, s, tl, runno, &si, dat, png);
	if (fclose(gp) != 0)
		return err_errno(err, "%s", gpf);
	return plot_gnuplot(gpf, err);
}
