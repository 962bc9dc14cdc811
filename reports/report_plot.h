/*
 * report_plot.h - the gnuplot functions report_plot.c lends to the other
 * plot makers of reports/ (report_ha.c).  Private to reports/.
 */
#ifndef HV_REPORT_PLOT_H
#define HV_REPORT_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "reports/report.h"
#include "reports/report_priv.h"

/* Add file (relative to the output directory) with caption for row and
 * set ((size_t)-1: all) to pl. */
void plot_add(struct plot_list *pl, size_t row, size_t set,
    const char *file, const char *caption);
/* s as a file-name part ([A-Za-z0-9._-], others '_') into buf. */
void safe_name(const char *s, char *buf, size_t len);
/* gnuplot's strings, terminal and run: report_priv.h. */

/*
 * report_ha.c: for an HA drill's row (its runs keep a failover
 * timeline), every platform's first failover on one plot against the
 * seconds since the fault, and its phases (detect, fence, restart,
 * boot) as stacked bars per platform.  Plots that cannot be made are
 * logged and skipped.
 */
void report_ha_plots(const struct comparison *c, size_t row,
    const char *outdir, struct plot_list *out);

#endif
