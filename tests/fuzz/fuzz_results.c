/*
 * fuzz_results.c - libFuzzer harness for results.json as `hvlab report`
 * reads it: the input is the file, loaded type-checked by the reports'
 * reader, then put beside itself in a comparison (rows by scenario name,
 * the check that sets compare) and written as report.md, results.csv,
 * junit.xml and report.html (to /dev/null): the writers walk every string
 * and metric the reader kept, through their escapers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "reports/report.h"
#include "reports/results.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void
write_reports(const struct comparison *c)
{
	char err[ERR_LEN];

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		return;
	report_md(devnull, c);
	report_csv(devnull, c);
	report_junit(devnull, c);
	report_html(devnull, c, NULL, "/nonexistent", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct results *rs, *sets[2];
	struct comparison c;
	char err[ERR_LEN], path[64];
	int fd;

	if ((fd = fuzz_memfd(data, size, path, sizeof(path))) == -1)
		return 0;
	rs = results_load(path, err);
	close(fd);
	if (rs == NULL)
		return 0;
	sets[0] = sets[1] = rs;
	memset(&c, 0, sizeof(c));
	if (comparison_build(&c, sets, 2, err) == 0) {
		comparison_check(&c, err);
		write_reports(&c);
		comparison_free(&c);
	}
	results_free(rs);
	return 0;
}
