/*
 * report_html.c - report.html: the comparison table, then a section per
 * scenario with its metrics, runs and plots.  Self-contained: the style
 * sheet is inline and plots are embedded as base64 data: URIs, so the file
 * can be mailed or attached to a CI job and opened anywhere, with no
 * external resource.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reports/report.h"

#define PLOT_MAX_BYTES (8u * 1024 * 1024)

static const char css[] =
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"margin:2em auto;max-width:75em;padding:0 1em;color:#1d232a;"
"line-height:1.45}\n"
"h1{font-size:1.6em;border-bottom:2px solid #3b6ea5;padding-bottom:.2em}\n"
"h2{font-size:1.25em;margin-top:2em}\n"
"table{border-collapse:collapse;margin:1em 0;width:100%}\n"
"th,td{border:1px solid #c9d1d9;padding:.35em .6em;text-align:left;"
"vertical-align:top}\n"
"th{background:#eef2f6}\n"
"td.pass{background:#e3f4e3}\n"
"td.fail{background:#fbe3e1}\n"
"td.error{background:#fdf0d5}\n"
"td.unsupported{background:#eceff2;color:#57606a}\n"
"td.none{color:#8c959f}\n"
".meta{color:#57606a;font-size:.92em}\n"
"figure{margin:1em 0}\n"
"figure img{max-width:100%;border:1px solid #d0d7de}\n"
"figcaption{font-size:.9em;color:#57606a}\n"
"code{background:#f3f4f6;padding:0 .2em}\n"
"summary{cursor:pointer;color:#3b6ea5}\n";

/* Text from a result, in an element or a quoted attribute. */
static void
html_put(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64_put(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		fputc(b64[p[i] >> 2], f);
		fputc(b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], f);
		fputc(b64[p[i + 2] & 63], f);
	}
	if (n - i == 1) {
		fputc(b64[p[i] >> 2], f);
		fputc(b64[(p[i] & 3) << 4], f);
		fputs("==", f);
	} else if (n - i == 2) {
		fputc(b64[p[i] >> 2], f);
		fputc(b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(b64[(p[i + 1] & 15) << 2], f);
		fputc('=', f);
	}
}

/* Embed outdir/file as <img src="data:image/png;base64,...">. */
static int
embed_png(FILE *f, const char *outdir, const struct plot *pl, char *err)
{
	unsigned char *buf = NULL;
	char path[4096];
	size_t n;
	FILE *in;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", outdir, pl->pl_file);
	if ((in = fopen(path, "rb")) == NULL)
		return err_errno(err, "%s", path);
	buf = malloc(PLOT_MAX_BYTES);
	if (buf == NULL) {
		err_set(err, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, PLOT_MAX_BYTES, in);
	if (ferror(in) || n == PLOT_MAX_BYTES) {
		err_set(err, "%s: unreadable or larger than %u bytes", path,
		    PLOT_MAX_BYTES);
		goto out;
	}
	fputs("<figure><img alt=\"", f);
	html_put(f, pl->pl_caption);
	fputs("\" src=\"data:image/png;base64,", f);
	base64_put(f, buf, n);
	fputs("\"><figcaption>", f);
	html_put(f, pl->pl_caption);
	fputs("</figcaption></figure>\n", f);
	rc = 0;
out:
	free(buf);
	fclose(in);
	return rc;
}

/* The lowest and highest value of name over the runs that have it. */
static int
run_range(const struct scen_result *s, const char *name, double *lo,
    double *hi)
{
	size_t j, n = 0;
	double x;

	for (j = 0; j < s->s_nruns; j++)
		if (metrics_get(&s->s_runs[j].r_metrics, name, &x) == 0) {
			*lo = n == 0 || x < *lo ? x : *lo;
			*hi = n == 0 || x > *hi ? x : *hi;
			n++;
		}
	return n > 0 ? 0 : -1;
}

/* Each metric: min, median and max over the runs, then every run's
 * value; a first row gives each run's verdict (a failing run shows). */
static void
metrics_table(FILE *f, const struct scen_result *s)
{
	char v[64], lo[64], hi[64];
	size_t i, j;

	if (s->s_metrics.ms_n == 0)
		return;
	fprintf(f, "<details><summary>%zu metric%s</summary>\n",
	    s->s_metrics.ms_n, s->s_metrics.ms_n == 1 ? "" : "s");
	fputs("<table><tr><th>metric</th><th>min</th><th>median</th>"
	    "<th>max</th>", f);
	for (j = 0; j < s->s_nruns; j++)
		fprintf(f, "<th>run %zu</th>", j + 1);
	fputs("</tr>\n", f);
	if (s->s_nruns > 0) {
		fputs("<tr><td>verdict</td><td></td><td></td><td></td>", f);
		for (j = 0; j < s->s_nruns; j++) {
			fprintf(f, "<td class=\"%s\">%s", verdict_name(
			    s->s_runs[j].r_verdict), verdict_name(
			    s->s_runs[j].r_verdict));
			if (s->s_runs[j].r_verdict != VERDICT_PASS &&
			    *s->s_runs[j].r_reason) {
				fputs(": ", f);
				html_put(f, s->s_runs[j].r_reason);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	for (i = 0; i < s->s_metrics.ms_n; i++) {
		const char *name = s->s_metrics.ms_v[i].m_name;
		double x, a = 0, b = 0;

		fputs("<tr><td><code>", f);
		html_put(f, name);
		snprintf(v, sizeof(v), "%g", s->s_metrics.ms_v[i].m_value);
		if (run_range(s, name, &a, &b) == 0) {
			snprintf(lo, sizeof(lo), "%g", a);
			snprintf(hi, sizeof(hi), "%g", b);
		} else {
			snprintf(lo, sizeof(lo), "&mdash;");
			snprintf(hi, sizeof(hi), "&mdash;");
		}
		fprintf(f, "</code></td><td>%s</td><td>%s</td><td>%s</td>",
		    lo, v, hi);
		for (j = 0; j < s->s_nruns; j++) {
			if (metrics_get(&s->s_runs[j].r_metrics, name, &x) == 0)
				snprintf(v, sizeof(v), "%g", x);
			else
				snprintf(v, sizeof(v), "&mdash;");
			fprintf(f, "<td>%s</td>", v);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</details>\n", f);
}

/* The plots of row (and set, or (size_t)-1 for cross-set figures). */
static void
row_plots(FILE *f, const struct plot_list *plots, size_t row, size_t set,
    const char *outdir)
{
	char e[ERR_LEN];
	size_t k;

	for (k = 0; plots != NULL && k < plots->pl_n; k++) {
		if (plots->pl_v[k].pl_row != row ||
		    plots->pl_v[k].pl_set != set)
			continue;
		if (embed_png(f, outdir, &plots->pl_v[k], e) == -1) {
			fputs("<p class=\"meta\">plot missing: ", f);
			html_put(f, e);
			fputs("</p>\n", f);
		}
	}
}

/* One line per result set: platform, provider, suite, hvlab, CPUs and
 * when it ran. */
static void
html_sets(FILE *f, const struct comparison *c)
{
	const struct results *rs;
	char col[256];
	size_t j;

	for (j = 0; j < c->cmp_nsets; j++) {
		rs = c->cmp_sets[j];
		results_column_name(rs, col, sizeof(col));
		fputs("<p class=\"meta\"><b>", f);
		html_put(f, col);
		fputs("</b>: ", f);
		report_set_meta(f, rs, html_put);
		fputs("</p>\n", f);
	}
}

/* The table: a row per scenario, a column per result set. */
static void
html_table(FILE *f, const struct comparison *c)
{
	const struct scen_result *s;
	char cell[1024], col[256];
	size_t i, j;

	fputs("<table>\n<tr><th>Feature (study row)</th>", f);
	for (j = 0; j < c->cmp_nsets; j++) {
		results_column_name(c->cmp_sets[j], col, sizeof(col));
		fputs("<th>", f);
		html_put(f, col);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (i = 0; i < c->cmp_nrows; i++) {
		fputs("<tr><td><a href=\"#s-", f);
		html_put(f, c->cmp_rows[i]);
		fputs("\">", f);
		html_put(f, c->cmp_row_titles[i]);
		fputs("</a></td>", f);
		for (j = 0; j < c->cmp_nsets; j++) {
			s = comparison_cell(c, i, j);
			report_cell(s, cell, sizeof(cell));
			fprintf(f, "<td class=\"%s\">", s ?
			    verdict_name(s->s_verdict) : "none");
			html_put(f, cell);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* Row i's section: per set its verdict, plots and metrics, then the
 * figures across sets. */
static void
html_row(FILE *f, const struct comparison *c, size_t i,
    const struct plot_list *plots, const char *outdir)
{
	const struct scen_result *s;
	char col[256];
	size_t j;

	fputs("<h2 id=\"s-", f);
	html_put(f, c->cmp_rows[i]);
	fputs("\">", f);
	html_put(f, c->cmp_row_titles[i]);
	fputs(" <small><code>", f);
	html_put(f, c->cmp_rows[i]);
	fputs("</code></small></h2>\n", f);
	for (j = 0; j < c->cmp_nsets; j++) {
		if ((s = comparison_cell(c, i, j)) == NULL)
			continue;
		results_column_name(c->cmp_sets[j], col, sizeof(col));
		fputs("<p><b>", f);
		html_put(f, col);
		fprintf(f, "</b>: %s", verdict_name(s->s_verdict));
		if (*s->s_reason) {
			fputs(" &mdash; ", f);
			html_put(f, s->s_reason);
		}
		fprintf(f, " <span class=\"meta\">(%zu run%s, %.1f s)"
		    "</span></p>\n", s->s_nruns, s->s_nruns == 1 ?
		    "" : "s", s->s_duration_s);
		row_plots(f, plots, i, j, outdir);
		metrics_table(f, s);
	}
	row_plots(f, plots, i, (size_t)-1, outdir);
}

int
report_html(FILE *f, const struct comparison *c,
    const struct plot_list *plots, const char *outdir, char *err)
{
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>hvlab: Table 3.1, measured</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n<h1>hvlab: Table 3.1, measured</h1>\n",
	    f);
	html_sets(f, c);
	html_table(f, c);
	for (i = 0; i < c->cmp_nrows; i++)
		html_row(f, c, i, plots, outdir);
	fputs("</body>\n</html>\n", f);
	if (ferror(f))
		return err_set(err, "report.html: write error");
	return 0;
}
