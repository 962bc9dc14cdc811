/*
 * report.h - writers that turn result sets (results.json) into the
 * comparison outputs: report.md, report.html, results.csv, junit.xml and
 * gnuplot plots.  The table writers are pure (a comparison in, text out to
 * a FILE), so the unit tests compare them with golden files; only
 * report_plots runs a program (gnuplot) and report_write_all opens files.
 */
#ifndef HV_REPORT_H
#define HV_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "reports/results.h"

/* A plot made by report_plots, for the HTML report. */
struct plot {
	size_t pl_row;		/* comparison row */
	size_t pl_set;		/* comparison column; (size_t)-1 = all */
	char *pl_file;		/* path relative to the output directory */
	char *pl_caption;
};

struct plot_list {
	struct plot *pl_v;
	size_t pl_n;
};

/*
 * The key figures of a scenario's metrics, e.g. "38 ms downtime, 4/600
 * lost" (at most max figures; known metrics first, in a fixed order).
 */
void report_key_figures(const struct metrics *ms, int max, char *buf,
    size_t len);
/* A table cell: "pass — 38 ms downtime, 4/600 lost", "unsupported — REASON",
 * "—" for NULL (the set has no such scenario). */
void report_cell(const struct scen_result *s, char *buf, size_t len);
/* What a result set ran on and when ("hvd 0.1.0, provider netns, suite
 * ..., 2 CPUs (tcg), START to END"), every string through put (the
 * format's escaper). */
void report_set_meta(FILE *f, const struct results *rs,
    void (*put)(FILE *, const char *));

int report_md(FILE *f, const struct comparison *c);
int report_csv(FILE *f, const struct comparison *c);
int report_junit(FILE *f, const struct comparison *c);
/* plots may be NULL; their PNGs are read from outdir and embedded. */
int report_html(FILE *f, const struct comparison *c,
    const struct plot_list *plots, const char *outdir, char *err);

/*
 * Parse a probe timeline CSV (see docs/reports.md): a header line naming
 * the columns, then one line per probe; needs a time column (t_s) and an
 * rtt_ms column (empty, "-" or "lost" = no reply).  Calls fn for every
 * row: t in seconds, rtt in ms or -1 when lost, ev = the event column or
 * NULL.  0, or -1 with err naming path:line.
 */
int report_timeline_parse(FILE *f, const char *name,
    void (*fn)(void *arg, double t, double rtt_ms, const char *ev),
    void *arg, char *err);

/* What report_series_data found in a series CSV. */
#define SERIES_KEYS_MAX 32
struct series_info {
	char sd_key[64];		/* the key column's name: "vm", "host" */
	char sd_value[64];		/* the value column's: "cpu_cores" */
	char sd_keys[SERIES_KEYS_MAX][64];	/* first-seen order */
	size_t sd_nkeys;
	size_t sd_npoints;
};

/*
 * A series CSV (a header "t_s,KEY,VALUE", then "t,key,value" lines; see
 * docs/reports.md) -> gnuplot data on out: one block per key in the
 * order the keys first appear, "t value" lines, blocks separated by two
 * blank lines (gnuplot's `index`).  0, or -1 with err naming name:line.
 */
int report_series_data(FILE *in, const char *name, FILE *out,
    struct series_info *si, char *err);

/*
 * Make the plots under outdir/plots/ with gnuplot: a ping timeline per run
 * that has one (downtime window shaded, events marked), a series
 * timeline's figure over time (a line per key, events marked) and a
 * figure per scenario across repeats.  Plots that cannot be made are logged and
 * skipped; returns -1 only when gnuplot itself is missing or outdir/plots
 * cannot be created.
 */
int report_plots(const struct comparison *c, const char *outdir,
    struct plot_list *out, char *err);
void plot_list_free(struct plot_list *pl);

/* All outputs of a comparison into outdir (created if needed). */
int report_write_all(const struct comparison *c, const char *outdir,
    char *err);

#endif
