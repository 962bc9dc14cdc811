/*
 * results.h - the results of one suite run (results.json, DESIGN.md §4) in
 * memory, and a comparison of several of them (one column per platform).
 *
 * The runner fills a struct results and writes it with results_write; the
 * report writers read results.json back with results_load, so a report can
 * always be rebuilt from a results directory alone.  Every member of a
 * loaded file is type-checked; errors name the file and the member.
 */
#ifndef HV_RESULTS_H
#define HV_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "reports/names.h"

enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_UNSUPPORTED,
	VERDICT_ERROR,
};

/*
 * The most runs a scenario has: hvlab run repeats a scenario 1..100
 * times (--repeat, a suite's repeat:).  The reader refuses more, as the
 * HTML report is a table of a scenario's metrics by its runs.
 */
#define RESULTS_RUNS_MAX 100

struct metric {
	char *m_name;		/* snake_case with unit suffix: downtime_ms */
	double m_value;
};

/*
 * A set of metrics in the order they were set (results.json's), with an
 * index of their names: metrics_set and metrics_get take the same time
 * for the 300000th metric as for the first.  A zeroed struct is empty;
 * only metrics_set adds to it.
 */
struct metrics {
	struct metric *ms_v;
	size_t ms_n;
	size_t ms_cap;			/* room in ms_v */
	struct name_index ms_index;
};

/* An event marked on a probe timeline (an injection, a migration start). */
struct tl_event {
	double ev_t_s;		/* seconds since the timeline's start */
	char *ev_name;
};

/*
 * A probe timeline kept beside results.json: the raw file (CSV, see
 * docs/reports.md), the downtime window the probe found, and events.
 */
struct timeline {
	char *tl_file;		/* relative to the results directory */
	char *tl_probe;		/* "ping", "tcp" */
	int tl_has_window;
	double tl_down_start_s, tl_down_end_s;
	struct tl_event *tl_events;
	size_t tl_nevents;
};

struct run {
	enum verdict r_verdict;
	char *r_reason;
	double r_duration_s;
	struct metrics r_metrics;
	struct timeline *r_timelines;
	size_t r_ntimelines;
};

/* A scenario parameter as the suite file gave it (scalar or list). */
struct param {
	char *p_key;
	char *p_value;
};

struct scen_result {
	char *s_name;
	char *s_row;
	enum verdict s_verdict;
	char *s_reason;
	double s_duration_s;	/* wall time of all runs */
	struct metrics s_metrics;	/* medians over runs */
	/* The conditions: bounds as "downtime_ms_max" -> 2000, the
	 * parameters used (never metrics), the machine's load average
	 * (1, 5, 15 min) before and after the scenario. */
	struct metrics s_bounds;
	struct param *s_params;
	size_t s_nparams;
	int s_has_load;
	double s_load_before[3], s_load_after[3];
	struct run *s_runs;
	size_t s_nruns;
	char **s_artifacts;
	size_t s_nartifacts;
};

struct results {
	char *rs_dir;		/* directory the file was loaded from */
	char *rs_label;		/* `hvlab report --label`, not in the file */
	char *rs_tool, *rs_version, *rs_platform, *rs_provider;
	char *rs_platform_version;	/* as the platform's API says */
	char *rs_suite;
	char *rs_started, *rs_finished;
	int rs_cpus;
	char *rs_accel;		/* "kvm" | "tcg": what guests' QEMU used */
	char *rs_accel_source;	/* "query-kvm", "platform" or "probe" */
	char *rs_accel_reason;	/* why that accelerator */
	char *rs_qemu;		/* QEMU's version */
	char *rs_cpu;		/* the CPU model */
	struct scen_result *rs_scen;
	size_t rs_nscen;
};

const char *verdict_name(enum verdict v);

/* Metrics: set (replace or append) and get. */
void metrics_set(struct metrics *ms, const char *name, double value);
int metrics_get(const struct metrics *ms, const char *name, double *value);
void metrics_free(struct metrics *ms);
/*
 * Medians over runs: for each metric name in any run (in first-seen
 * order), the median of the runs that have it, into out (cleared first).
 */
void metrics_median(const struct run *runs, size_t nruns,
    struct metrics *out);

/* Load DIR/results.json (or a file path).  NULL + err on failure. */
struct results *results_load(const char *path, char *err);
/* Write rs as JSON to path atomically.  0 or -1 with err. */
int results_write(const struct results *rs, const char *path, char *err);
void results_free(struct results *rs);
/* Allocation helpers for the runner. */
struct scen_result *results_add_scenario(struct results *rs,
    const char *name, const char *row);
struct run *scen_add_run(struct scen_result *s);
void scen_add_artifact(struct scen_result *s, const char *path);
void scen_add_param(struct scen_result *s, const char *key,
    const char *value);
struct timeline *run_add_timeline(struct run *r, const char *file,
    const char *probe);
void timeline_add_event(struct timeline *tl, double t_s, const char *name);
/* Set *reason (freeing the old one) to a formatted string. */
void results_set_str(char **dst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A comparison: the rows are the union of the scenarios of all result
 * sets, in the order of the first set (then new ones in the order of the
 * following sets); the columns are the sets, in the order given.  It
 * points into the sets, which must not change while it is used.
 */
struct comparison {
	struct results **cmp_sets;	/* not owned */
	size_t cmp_nsets;
	char **cmp_rows;		/* scenario names */
	const char **cmp_row_titles;	/* study row names (borrowed) */
	size_t cmp_nrows;
	/* Row r of set j: cmp_cells[r * cmp_nsets + j] - 1 indexes its
	 * rs_scen; 0 = the set lacks it. */
	size_t *cmp_cells;
};

int comparison_build(struct comparison *c, struct results **sets,
    size_t nsets, char *err);
/*
 * Whether the sets were measured alike: the same suite, and for every
 * scenario two sets share, the same bounds.  0, or -1 with err saying the
 * first difference ("suites differ: table-3.1 (a) and quick (b)").
 */
int comparison_check(const struct comparison *c, char *err);
/* A column's name: "ref", or "ref (LABEL)" with a label. */
void results_column_name(const struct results *rs, char *buf, size_t len);
/* Whether an ISO 8601 timestamp carries its time zone (Z or +hh:mm). */
int results_ts_has_zone(const char *ts);
void comparison_free(struct comparison *c);
/* The result of row i in set j, or NULL when that set lacks it. */
const struct scen_result *comparison_cell(const struct comparison *c,
    size_t row, size_t set);

#endif
