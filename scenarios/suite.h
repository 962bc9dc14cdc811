/*
 * suite.h - the scenario suite format (the `suites:` and `scenarios:`
 * sections of scenarios.yaml) and its loader.
 *
 * A scenario answers one row of the study's Table 3.1: it has a name, the
 * row it answers, the platform features it needs, either a list of steps
 * from a small vocabulary (vm.create, vm.migrate, inject.*, probe.*, wait.*,
 * check.*, ...) or the name of a built-in scenario written in C, a repeat
 * count, and bounds on its metrics that decide pass or fail.  A suite is an
 * ordered list of scenario names.  The loader checks everything it can
 * without a lab or a platform and names file:line for every error; see
 * docs/scenarios.md for the format.
 */
#ifndef HV_SUITE_H
#define HV_SUITE_H

#include <stddef.h>
#include <stdio.h>

#define SUITE_NAME_MAX 64

/* Type of a step parameter's value, checked at load time. */
enum step_ptype {
	SP_STR,		/* any scalar */
	SP_INT,		/* decimal integer >= 0 */
	SP_BOOL,	/* true | false */
	SP_DURATION,	/* "10ms", "2s" (clock_parse_duration) */
	SP_LIST,	/* a sequence of scalars (or one scalar) */
};

struct step_pdef {
	const char *sp_key;
	enum step_ptype sp_type;
	int sp_required;
};

/* One action of the step vocabulary and the parameters it takes. */
struct step_def {
	const char *sd_action;		/* "vm.migrate" */
	const char *sd_help;
	struct step_pdef sd_params[10];	/* terminated by sp_key == NULL */
};

struct step_param {
	char *spm_key;
	char *spm_value;	/* scalar, or a list joined by single spaces */
	int spm_line;
};

struct step {
	const struct step_def *st_def;
	int st_line;
	struct step_param *st_params;
	size_t st_nparams;
};

/* A bound on a metric: "downtime_ms_max: 2000" -> metric downtime_ms. */
struct bound {
	char *bd_metric;
	int bd_is_max;		/* 1: value <= limit, 0: value >= limit */
	double bd_limit;
	int bd_line;
};

struct scenario {
	char *sc_name;
	char *sc_row;		/* the study's row, e.g. "Live migration" */
	char *sc_desc;
	char *sc_builtin;	/* built-in scenario name, or NULL */
	char **sc_needs;	/* driver features, see driver_feature_known */
	size_t sc_nneeds;
	char **sc_probes;	/* "ping", "tcp", "write" */
	size_t sc_nprobes;
	int sc_repeat;		/* >= 1 */
	int sc_uses_lab;	/* 0 only with "lab: false" */
	int sc_fake_clock;	/* "fake_clock: true": its lab's hosts get
				 * clocks of their own (docs/lab.md) */
	struct step *sc_steps;
	size_t sc_nsteps;
	struct step *sc_cleanup;	/* steps run always, after steps */
	size_t sc_ncleanup;
	struct bound *sc_bounds;
	size_t sc_nbounds;
	struct step_param *sc_params;	/* free parameters of a builtin */
	size_t sc_nparams;
	int sc_line;
};

struct suite {
	char *su_name;
	char *su_desc;
	char **su_scenarios;
	size_t su_nscenarios;
	int su_line;
};

struct suite_file {
	char *sf_path;
	struct scenario *sf_scenarios;
	size_t sf_nscenarios;
	struct suite *sf_suites;
	size_t sf_nsuites;
	char *sf_default_suite;	/* "default_suite:" or the first suite */
};

/*
 * Load the suites and scenarios of the YAML file at path (the `lab:`
 * section is skipped: it belongs to the lab's loader).  Every error is
 * printed to errf (may be NULL) as "path:line: message", all of them, and
 * the load then fails: returns NULL with err = "path: N errors".  The
 * caller frees the result with suite_file_free.
 */
struct suite_file *suite_load(const char *path, FILE *errf, char *err);
/* Same from a string; name is used in messages. */
struct suite_file *suite_load_string(const char *name, const char *text,
    size_t len, FILE *errf, char *err);
void suite_file_free(struct suite_file *sf);

const struct suite *suite_find(const struct suite_file *sf, const char *name);
const struct scenario *suite_scenario_find(const struct suite_file *sf,
    const char *name);
/* Value of parameter key of a step (or scenario params), or NULL. */
const char *step_param_get(const struct step_param *p, size_t n,
    const char *key);

#endif
