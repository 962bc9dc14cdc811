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
#include "report.h"

static int
report_usage(void)
{
	fprintf(stderr, "usage: hvlab report DIR... [--out DIR] "
	    "[--label LABEL]... [--force]\n");
	return 1;
}

int
report_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct results **sets = NULL;
	struct comparison cmp = { 0 };
	const char *out = NULL, *labels[64];
	char err[ERR_LEN];
	int ch, i, n = 0, rc = 1, nlabels = 0, force = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1)
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'l':
			if (nlabels == 64)
				return report_usage();
			labels[nlabels++] = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'h':
			report_usage();
			return 0;
		default:
			return report_usage();
		}
	if (optind >= argc)
		return report_usage();
	if (nlabels > argc - optind) {
		fprintf(stderr, "hvlab report: %d labels for %d result sets\n",
		    nlabels, argc - optind);
		return 1;
	}
	if (out == NULL) {
		if (argc - optind > 1) {
			fprintf(stderr, "hvlab report: --out DIR is needed to "
			    "compare several result sets\n");
			return 1;
		}
		out = argv[optind];
	}
	sets = calloc((size_t)(argc - optind), sizeof(*sets));
	if (sets == NULL)
		goto out;
	for (i = optind; i < argc; i++) {
		if ((sets[n] = results_load(argv[i], err)) == NULL) {
			fprintf(stderr, "hvlab report: %s\n", err);
			goto out;
		}
		n++;
		/* the i-th --label names the i-th set */
		if (n <= nlabels && (sets[n - 1]->rs_label =
		    strdup(labels[n - 1])) == NULL)
			goto out;
	}
	if (comparison_build(&cmp, sets, (size_t)n, err) == -1) {
		fprintf(stderr, "hvlab report: %s\n", err);
		goto out;
	}
	if (comparison_check(&cmp, err) == -1) {
		fprintf(stderr, "hvlab report: %snot measured alike: %s%s\n",
		    force ? "warning: " : "", err, force ? "" :
		    " (--force compares them anyway)");
		if (!force)
			goto out;
	}
	if (report_write_all(&cmp, out, err) == -1) {
		fprintf(stderr, "hvlab report: %s\n", err);
		goto out;
	}
	printf("report: %s/report.md %s/report.html\n", out, out);
	rc = 0;
out:
	comparison_free(&cmp);
	for (i = 0; i < n; i++)
		results_free(sets[i]);
	free(sets);
	return rc;
}
