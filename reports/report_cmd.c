/*
 * report_cmd.c - `hvlab report DIR... [--out DIR] [--label L]... [--force]`:
 * rebuilds the reports of one result set, or merges several (e.g. ref and
 * proxmox) into one comparison with a column per set, named by platform
 * and label.  Sets measured under other conditions (another suite, other
 * bounds) are refused unless --force.  Reads only DIR/results.json and the
 * raw files beside it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reports/report_cmd.h"
#include "reports/report.h"

static int
report_usage(void)
{
	fprintf(stderr, "usage: hvlab report DIR... [--out DIR] "
	    "[--label LABEL]... [--force]\n");
	return 1;
}

/* `hvlab report`'s command line. */
struct report_args {
	const char *ra_out;		/* output directory */
	const char *ra_labels[64];	/* the i-th names the i-th set */
	int ra_nlabels;
	int ra_force;			/* compare sets not measured alike */
	char **ra_dirs;			/* result directories */
	int ra_ndirs;
};

/* 0 to run, 1 for --help, -1 on misuse (said). */
static int
report_parse(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1)
		switch (ch) {
		case 'o':
			a->ra_out = optarg;
			break;
		case 'l':
			if (a->ra_nlabels == 64)
				return report_usage(), -1;
			a->ra_labels[a->ra_nlabels++] = optarg;
			break;
		case 'F':
			a->ra_force = 1;
			break;
		case 'h':
			return 1;
		default:
			return report_usage(), -1;
		}
	if (optind >= argc)
		return report_usage(), -1;
	a->ra_dirs = argv + optind;
	a->ra_ndirs = argc - optind;
	if (a->ra_nlabels > a->ra_ndirs) {
		fprintf(stderr, "hvlab report: %d labels for %d result sets\n",
		    a->ra_nlabels, a->ra_ndirs);
		return -1;
	}
	if (a->ra_out == NULL) {
		if (a->ra_ndirs > 1) {
			fprintf(stderr, "hvlab report: --out DIR is needed to "
			    "compare several result sets\n");
			return -1;
		}
		a->ra_out = a->ra_dirs[0];
	}
	return 0;
}

/* Load the result sets into sets[], *n of them, labelled. */
static int
report_load(const struct report_args *a, struct results **sets, int *n)
{
	char err[ERR_LEN];
	int i;

	for (i = 0; i < a->ra_ndirs; i++) {
		if ((sets[*n] = results_load(a->ra_dirs[i], err)) == NULL) {
			fprintf(stderr, "hvlab report: %s\n", err);
			return -1;
		}
		(*n)++;
		/* the i-th --label names the i-th set */
		if (i < a->ra_nlabels && (sets[i]->rs_label =
		    strdup(a->ra_labels[i])) == NULL)
			return -1;
	}
	return 0;
}

/* Compare the sets and write the report files. */
static int
report_compare(const struct report_args *a, struct comparison *cmp,
    struct results **sets, int n)
{
	char err[ERR_LEN];

	if (comparison_build(cmp, sets, (size_t)n, err) == -1) {
		fprintf(stderr, "hvlab report: %s\n", err);
		return -1;
	}
	if (comparison_check(cmp, err) == -1) {
		fprintf(stderr, "hvlab report: %snot measured alike: %s%s\n",
		    a->ra_force ? "warning: " : "", err, a->ra_force ? "" :
		    " (--force compares them anyway)");
		if (!a->ra_force)
			return -1;
	}
	if (report_write_all(cmp, a->ra_out, err) == -1) {
		fprintf(stderr, "hvlab report: %s\n", err);
		return -1;
	}
	printf("report: %s/report.md %s/report.html\n", a->ra_out,
	    a->ra_out);
	return 0;
}

int
report_cmd_main(int argc, char **argv)
{
	struct report_args a;
	struct results **sets = NULL;
	struct comparison cmp = { 0 };
	int i, n = 0, rc = 1;

	memset(&a, 0, sizeof(a));
	switch (report_parse(argc, argv, &a)) {
	case 0: break;
	case 1:
		report_usage();
		return 0;
	default: return 1;
	}
	sets = calloc((size_t)a.ra_ndirs, sizeof(*sets));
	if (sets == NULL)
		goto out;
	if (report_load(&a, sets, &n) == 0 &&
	    report_compare(&a, &cmp, sets, n) == 0)
		rc = 0;
out:
	comparison_free(&cmp);
	for (i = 0; i < n; i++)
		results_free(sets[i]);
	free(sets);
	return rc;
}
