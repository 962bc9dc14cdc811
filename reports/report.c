/*
 * report.c - writes every output of a comparison into a directory:
 * report.md, report.html, results.csv, junit.xml and plots/.  Each file is
 * written to a temporary name and renamed, so a reader never sees half a
 * report.  A missing gnuplot costs the plots, not the report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "reports/report.h"

/* mkdir -p */
static int
mkdirs(const char *path, char *err)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return err_set(err, "bad output directory '%s'", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return err_errno(err, "mkdir %s", buf);
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

enum kind { K_MD, K_HTML, K_CSV, K_JUNIT };

static int
write_one(const struct comparison *c, const struct plot_list *plots,
    const char *outdir, const char *name, enum kind k, char *err)
{
	char path[4096], tmp[4200];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return err_errno(err, "%s", tmp);
	switch (k) {
	case K_MD:
		rc = report_md(f, c);
		break;
	case K_HTML:
		rc = report_html(f, c, plots, outdir, err);
		break;
	case K_CSV:
		rc = report_csv(f, c);
		break;
	case K_JUNIT:
		rc = report_junit(f, c);
		break;
	}
	if (rc == -1 && k != K_HTML)
		err_set(err, "%s: write error", tmp);
	if (fclose(f) != 0 && rc == 0)
		rc = err_errno(err, "%s", tmp);
	if (rc == 0 && rename(tmp, path) == -1)
		rc = err_errno(err, "rename %s", tmp);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
report_write_all(const struct comparison *c, const char *outdir, char *err)
{
	struct plot_list plots = { NULL, 0 };
	char e[ERR_LEN];
	int rc = -1;

	if (mkdirs(outdir, err) == -1)
		return -1;
	if (report_plots(c, outdir, &plots, e) == -1)
		log_warnx("plots: %s (the report has none)", e);
	if (write_one(c, &plots, outdir, "report.md", K_MD, err) == -1 ||
	    write_one(c, &plots, outdir, "report.html", K_HTML, err) == -1 ||
	    write_one(c, &plots, outdir, "results.csv", K_CSV, err) == -1 ||
	    write_one(c, &plots, outdir, "junit.xml", K_JUNIT, err) == -1)
		goto out;
	rc = 0;
out:
	plot_list_free(&plots);
	return rc;
}
