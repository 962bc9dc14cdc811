/*
 * report_priv.h - what the plot files share (report_plot.c,
 * report_series.c): gnuplot's terminal, strings, events and its run, and
 * the series plot the timeline loop hands a "series" timeline to.
 * Private to reports/.
 */
#ifndef HV_REPORT_PRIV_H
#define HV_REPORT_PRIV_H

#include <stdio.h>

#include "reports/results.h"

/* A gnuplot single-quoted string: quotes doubled. */
void plot_gp_str(FILE *f, const char *s);
/* pngcairo when this gnuplot has it, else png (libgd). */
const char *plot_term(void);
/* Events as dashed lines with their names; stagger > 1 puts the names
 * on that many heights in turn (a failover's steps come seconds apart,
 * and their names would overlap). */
void plot_events(FILE *gp, const struct timeline *tl, int *arrow,
    int stagger);
/* Run gnuplot on script.  0, or -1 with err. */
int plot_gnuplot(const char *script, char *err);

/*
 * A series timeline (probe "series": a figure over time, one line per
 * key: a VM's CPU, each host's load) of run runno of s in rs, as
 * outdir/plots/base.png, its data in base.dat and script in base.gp.
 * 0, or -1 with err.
 */
int plot_series(const struct results *rs, const struct scen_result *s,
    const struct timeline *tl, size_t runno, const char *outdir,
    const char *base, char *err);

#endif
