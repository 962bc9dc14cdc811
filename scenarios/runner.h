/*
 * runner.h - runs selected scenarios of a suite against a platform driver
 * on a lab and fills a struct results (results.json).
 *
 * The runner decides first, from the driver's features, which scenarios
 * can run at all (the others are `unsupported` with the driver's reason);
 * only when something can run does it bring up the lab and install the
 * platform.  A scenario that errors does not stop the suite; whatever the
 * runner made (lab, VMs, probes) is torn down at the end, also after
 * SIGINT/SIGTERM.  It never invents a figure: a metric is in the results
 * only when a probe, the platform or the runner's clock measured it.
 */
#ifndef HV_RUNNER_H
#define HV_RUNNER_H

#include <stddef.h>

#include "reports/results.h"
#include "scenarios/suite.h"

struct runner_opts {
	const char *ro_file;		/* scenarios.yaml */
	const char *ro_platform;	/* "ref" */
	const char *ro_lab;		/* reuse this running lab, or NULL */
	const char *ro_outdir;		/* results directory (exists) */
	const char *ro_self;		/* path of the hvlab binary */
	int ro_repeat;			/* > 0 overrides each scenario's */
	int ro_progress;		/* live progress line on stderr */
};

/*
 * Run scen[0..n) in order, appending one scenario result each to rs (whose
 * header fields the caller fills).  Returns 0 when the run completed (even
 * with failed or errored scenarios), -1 with err when it could not start
 * (unknown platform).  An interrupted run marks the remaining scenarios
 * `error` ("interrupted") and returns 0 with *interrupted set.
 */
int runner_run(const struct runner_opts *o, const struct scenario *const *scen,
    size_t n, struct results *rs, int *interrupted, char *err);

/*
 * Verdict of metrics against bounds: VERDICT_PASS, or VERDICT_FAIL with
 * reason "downtime_ms 2300 > 2000" (all violations, "; "-separated); a
 * bound on a metric that was not measured fails ("tcp_survived not
 * measured").  Pure; unit-tested.
 */
enum verdict runner_check_bounds(const struct bound *b, size_t nb,
    const struct metrics *ms, char *reason, size_t len);

/*
 * A run's verdict from bounds: a run that passed its steps (r_verdict
 * PASS or FAIL) becomes FAIL with the violations as its reason when its
 * own metrics break a bound, else PASS; errored and unsupported runs are
 * left alone.  Pure; unit-tested.
 */
void runner_judge_run(const struct bound *b, size_t nb, struct run *run);

/*
 * A scenario's verdict from its runs (each judged already): the medians
 * into s_metrics; the first errored or unsupported run decides; else the
 * scenario fails when ANY run failed ("1 of 3 runs failing (run 2:
 * tcp_survived 0 < 1)"), and passes otherwise.  No runs: error,
 * "interrupted".  Pure; unit-tested.
 */
void runner_judge_scenario(struct scen_result *sr);

#endif
