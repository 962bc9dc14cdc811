/*
 * report_table.c - the text writers: report.md (the study's Table 3.1 with
 * a column per platform), results.csv (one line per platform, scenario and
 * metric) and junit.xml (one testcase per scenario, for CI); and the cell
 * text they share ("pass — 38 ms downtime, 4/600 lost").
 *
 * Output depends only on the comparison given, never on the clock or the
 * environment, so tests compare it byte for byte with golden files.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/report.h"

#define DASH "\xe2\x80\x94"	/* U+2014 em dash */

/* A number as a person would write it: 38, 41.7, 0.25, 1200. */
static void
fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (v == floor(v) && a < 1e15)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2g", v);
}

/*
 * The runs behind a scenario's medians, so each figure can show its
 * spread: "38 (30–45)" is the median of the runs with the lowest and the
 * highest run beside it (just "38" when there is one run or all agree).
 */
struct figs {
	const struct metrics *ms;
	const struct run *runs;
	size_t nruns;
};

#define ENDASH "\xe2\x80\x93"	/* U+2013 en dash */

static void
fig(const struct figs *f, const char *name, double median, char *buf,
    size_t len)
{
	char lo[32], hi[32];
	double x, mn = median, mx = median;
	size_t i, n = 0;

	fmt_num(median, buf, len);
	for (i = 0; i < f->nruns; i++)
		if (metrics_get(&f->runs[i].r_metrics, name, &x) == 0) {
			mn = n == 0 || x < mn ? x : mn;
			mx = n == 0 || x > mx ? x : mx;
			n++;
		}
	if (n < 2 || mn == mx)
		return;
	fmt_num(mn, lo, sizeof(lo));
	fmt_num(mx, hi, sizeof(hi));
	snprintf(buf + strlen(buf), len - strlen(buf), " (%s" ENDASH "%s)",
	    lo, hi);
}

static void
append(char *buf, size_t len, int *count, const char *fmt, const char *a,
    const char *b)
{
	size_t used = strlen(buf);

	if (used >= len - 1)
		return;
	snprintf(buf + used, len - used, "%s", *count ? ", " : "");
	used = strlen(buf);
	snprintf(buf + used, len - used, fmt, a, b);
	(*count)++;
}

/* Metrics with their own words, in the order they are shown. */
static const struct {
	const char *name;
	const char *fmt;	/* %s = the value */
} key_metrics[] = {
	{ "downtime_ms", "%s ms downtime" },
	{ "failover_s", "%s s failover" },
	{ "lost_acked_writes", "%s lost acked writes" },
	{ "qemu_downtime_ms", "QEMU %s ms" },
	{ "rebalance_s", "%s s to rebalance" },
	{ "max_vcpus", "%s vCPUs/VM" },
	{ "max_memory_mib", "%s MiB/VM" },
	{ "max_vms", "%s VMs/host" },
	{ "hosts", "%s hosts" },
	{ "online", "%s online" },
	{ "install_s", "%s s to install" },
	{ "attach_s", "%s s to attach" },
	{ "form_s", "%s s to form" },
	{ "total_s", "%s s total" },
	{ NULL, NULL }
};

/* NIC bonding (scenarios/builtin/bonding.c): per mode unplug downtime
 * and the aggregated throughput, as one figure.  1 when the metrics are
 * the bonding scenario's. */
static int
key_figures_bonding(const struct figs *fg, char *buf, size_t len)
{
	static const char *const bk[] = {
		"active_backup_unplug_downtime_ms",
		"balance_slb_unplug_downtime_ms",
		"balance_tcp_unplug_downtime_ms",
		"throughput_mbps_1link", "throughput_mbps_2links_1flow",
		"throughput_mbps_2links_nflows" };
	char f[6][96];
	double y;
	size_t k;

	if (metrics_get(fg->ms, "active_backup_unplug_downtime_ms", &y) != 0)
		return 0;
	for (k = 0; k < 6; k++) {
		if (metrics_get(fg->ms, bk[k], &y) == 0)
			fig(fg, bk[k], y, f[k], sizeof(f[k]));
		else
			snprintf(f[k], sizeof(f[k]), "?");
	}
	snprintf(buf, len, "unplug downtime active-backup %s ms, "
	    "balance-slb %s ms, balance-tcp %s ms; TCP %s Mbit/s on "
	    "1 link, %s with 2 links x 1 flow, %s with 2 links x N "
	    "flows", f[0], f[1], f[2], f[3], f[4], f[5]);
	return 1;
}

/* High availability (scenarios/builtin/ha.c): the failover split into the
 * platform's detection and the boot, lost writes, copies.  1 when the
 * metrics are the HA drill's. */
static int
key_figures_ha(const struct figs *fg, char *buf, size_t len)
{
	const struct metrics *ms = fg->ms;
	char v[96], v2[96];
	double x, y;
	size_t u;

	if (metrics_get(ms, "failover_s", &x) != 0 ||
	    metrics_get(ms, "detect_s", &y) != 0)
		return 0;
	fig(fg, "failover_s", x, v, sizeof(v));
	fig(fg, "detect_s", y, v2, sizeof(v2));
	snprintf(buf, len, "failover %s s (detect %s s", v, v2);
	if (metrics_get(ms, "boot_s", &x) == 0) {
		fig(fg, "boot_s", x, v, sizeof(v));
		u = strlen(buf);
		snprintf(buf + u, len - u, ", boot %s s", v);
	}
	u = strlen(buf);
	snprintf(buf + u, len - u, ")");
	if (metrics_get(ms, "lost_acked_writes", &x) == 0) {
		fig(fg, "lost_acked_writes", x, v, sizeof(v));
		u = strlen(buf);
		snprintf(buf + u, len - u, ", %s lost writes", v);
	}
	if (metrics_get(ms, "max_running_copies", &x) == 0) {
		fig(fg, "max_running_copies", x, v, sizeof(v));
		u = strlen(buf);
		snprintf(buf + u, len - u, ", %s %s", v, x == 1 ?
		    "copy" : "copies");
	}
	if (metrics_get(ms, "fence_s", &x) == 0) {
		fig(fg, "fence_s", x, v, sizeof(v));
		u = strlen(buf);
		snprintf(buf + u, len - u, ", fenced in %s s", v);
	}
	return 1;
}

/* The key_metrics[] present, in their order, then TCP survival; *n
 * counts the figures in buf. */
static void
key_figures_known(const struct figs *fg, int max, char *buf, size_t len,
    int *n)
{
	const struct metrics *ms = fg->ms;
	char v[96], v2[96];
	double x, y;
	size_t i;

	for (i = 0; key_metrics[i].name != NULL && *n < max; i++) {
		if (strcmp(key_metrics[i].name, "qemu_downtime_ms") == 0 &&
		    *n < max && metrics_get(ms, "lost", &x) == 0 &&
		    metrics_get(ms, "sent", &y) == 0) {
			/* lost/sent right after the downtime */
			fig(fg, "lost", x, v, sizeof(v));
			fig(fg, "sent", y, v2, sizeof(v2));
			append(buf, len, n, "%s/%s lost", v, v2);
			if (*n >= max)
				break;
		}
		if (metrics_get(ms, key_metrics[i].name, &x) == 0) {
			fig(fg, key_metrics[i].name, x, v, sizeof(v));
			append(buf, len, n, key_metrics[i].fmt, v, "");
		}
	}
	if (*n < max && metrics_get(ms, "tcp_survived", &x) == 0)
		append(buf, len, n, "%s%s", x != 0 ? "TCP survived" :
		    "TCP broken", "");
}

static void
key_figures(const struct figs *fg, int max, char *buf, size_t len)
{
	const struct metrics *ms = fg->ms;
	const char *name;
	char v[96];
	int n = 0, known;
	size_t i, k;

	buf[0] = '\0';
	if (key_figures_bonding(fg, buf, len) || key_figures_ha(fg, buf, len))
		return;
	key_figures_known(fg, max, buf, len, &n);
	/* Any other metrics, generic, in file order. */
	for (i = 0; i < ms->ms_n && n < max; i++) {
		name = ms->ms_v[i].m_name;
		known = strcmp(name, "lost") == 0 ||
		    strcmp(name, "sent") == 0 ||
		    strcmp(name, "quorate") == 0 ||
		    strcmp(name, "tcp_survived") == 0;
		for (k = 0; !known && key_metrics[k].name != NULL; k++)
			if (strcmp(key_metrics[k].name, name) == 0)
				known = 1;
		if (known)
			continue;
		fig(fg, name, ms->ms_v[i].m_value, v, sizeof(v));
		append(buf, len, &n, "%s %s", name, v);
	}
}

void
report_key_figures(const struct metrics *ms, int max, char *buf, size_t len)
{
	struct figs fg = { ms, NULL, 0 };

	key_figures(&fg, max, buf, len);
}

/*
 * The key figures of a scenario, each figure with the spread of its runs
 * beside the median: "38 (30–45) ms downtime" (min–max; just the median
 * when there is one run or every run agrees).
 */
static void
report_key_figures_runs(const struct scen_result *s, int max, char *buf,
    size_t len)
{
	struct figs fg = { &s->s_metrics, s->s_runs, s->s_nruns };

	key_figures(&fg, max, buf, len);
}

void
report_cell(const struct scen_result *s, char *buf, size_t len)
{
	char figs[512];

	if (s == NULL) {
		snprintf(buf, len, "%s", DASH);
		return;
	}
	switch (s->s_verdict) {
	case VERDICT_PASS:
		/* A qualitative answer (architecture) is in the reason. */
		report_key_figures_runs(s, 3, figs, sizeof(figs));
		snprintf(buf, len, "pass%s%s%s%s", *figs || *s->s_reason ?
		    " " DASH " " : "", s->s_reason, *figs && *s->s_reason ?
		    "; " : "", figs);
		break;
	case VERDICT_FAIL:
		report_key_figures_runs(s, 2, figs, sizeof(figs));
		snprintf(buf, len, "fail " DASH " %s%s%s", s->s_reason,
		    *figs && *s->s_reason ? "; " : "", figs);
		break;
	default:
		snprintf(buf, len, "%s%s%s", verdict_name(s->s_verdict),
		    *s->s_reason ? " " DASH " " : "", s->s_reason);
		break;
	}
}

/*
 * Text from a result in report.md, in a table cell or not: no '|' may
 * split a cell (nor a '\\' unescape one), no newline end a row, no HTML
 * tag or entity, code span or link reach the page.
 */
static void
md_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\`[]", *s) != NULL) {
			fputc('\\', f);
			fputc(*s, f);
		} else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* A metric's name as code when it is a plain name (snake_case, as
 * hvlab writes them), else as escaped text: nothing is escaped inside a
 * code span. */
static void
md_code(FILE *f, const char *s)
{
	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(s))
		fprintf(f, "`%s`", s);
	else
		md_put(f, s);
}

static const char *
nz(const char *s)
{
	return s && *s ? s : "?";
}

/* A column per set, named by platform and label; then the rule line. */
static void
md_columns(FILE *f, const struct comparison *c, const char *rule)
{
	char col[256];
	size_t j;

	for (j = 0; j < c->cmp_nsets; j++) {
		results_column_name(c->cmp_sets[j], col, sizeof(col));
		fputc(' ', f);
		md_put(f, col);
		fputs(" |", f);
	}
	fprintf(f, "\n|---|");
	for (j = 0; j < c->cmp_nsets; j++)
		fputs(rule, f);
	fputc('\n', f);
}

/* One figure of every set, and its ratio to the first set's. */
static void
md_ratio_row(FILE *f, const struct comparison *c, size_t row,
    const char *name)
{
	const struct scen_result *s0 = comparison_cell(c, row, 0), *s;
	char v[64];
	double x0 = 0, x;
	int have0;
	size_t j;

	have0 = s0 != NULL && metrics_get(&s0->s_metrics, name, &x0) == 0;
	fputs("| ", f);
	md_put(f, c->cmp_rows[row]);
	fputs(" | ", f);
	md_code(f, name);
	fputs(" |", f);
	for (j = 0; j < c->cmp_nsets; j++) {
		s = comparison_cell(c, row, j);
		if (s != NULL && metrics_get(&s->s_metrics, name, &x) == 0) {
			fmt_num(x, v, sizeof(v));
			fprintf(f, " %s |", v);
		} else
			fputs(" " DASH " |", f);
	}
	for (j = 1; j < c->cmp_nsets; j++) {
		s = comparison_cell(c, row, j);
		if (have0 && x0 != 0 && s != NULL &&
		    metrics_get(&s->s_metrics, name, &x) == 0) {
			snprintf(v, sizeof(v), "%.2f", x / x0);
			fprintf(f, " %s |", v);
		} else
			fputs(" " DASH " |", f);
	}
	fputc('\n', f);
}

/*
 * Figures compared: a row per scenario and metric the first set has (the
 * medians), a column per set, then each set's ratio to the first.
 */
static void
md_ratios(FILE *f, const struct comparison *c)
{
	char col[256], base[256];
	size_t i, j, k;

	results_column_name(c->cmp_sets[0], base, sizeof(base));
	fprintf(f, "\n## Figures compared\n\nMedians; the ratio is each "
	    "set's figure over ");
	md_put(f, base);
	fprintf(f, "'s.\n\n| Scenario | Metric |");
	for (j = 0; j < c->cmp_nsets; j++) {
		results_column_name(c->cmp_sets[j], col, sizeof(col));
		fputc(' ', f);
		md_put(f, col);
		fputs(" |", f);
	}
	for (j = 1; j < c->cmp_nsets; j++) {
		results_column_name(c->cmp_sets[j], col, sizeof(col));
		fputs(" ", f);
		md_put(f, col);
		fputs(" / ", f);
		md_put(f, base);
		fputs(" |", f);
	}
	fprintf(f, "\n|---|---|");
	for (j = 1; j < 2 * c->cmp_nsets; j++)
		fputs("---:|", f);
	fputc('\n', f);
	for (i = 0; i < c->cmp_nrows; i++) {
		const struct scen_result *s0 = comparison_cell(c, i, 0);

		for (k = 0; s0 != NULL && k < s0->s_metrics.ms_n; k++)
			md_ratio_row(f, c, i, s0->s_metrics.ms_v[k].m_name);
	}
}

/* One line per result set: what and where it ran, its verdicts. */
void
report_set_meta(FILE *f, const struct results *rs,
    void (*put)(FILE *, const char *))
{
	if (rs->rs_platform_version && *rs->rs_platform_version) {
		put(f, rs->rs_platform_version);
		fputs(", ", f);
	}
	fputs("provider ", f);
	put(f, nz(rs->rs_provider));
	fputs(", suite ", f);
	put(f, nz(rs->rs_suite));
	fputs(", hvlab ", f);
	put(f, nz(rs->rs_version));
	fprintf(f, ", %d CPUs (", rs->rs_cpus);
	put(f, nz(rs->rs_accel));
	fputs("), ", f);
	put(f, nz(rs->rs_started));
	fputs(" to ", f);
	put(f, nz(rs->rs_finished));
}

static void
md_sets(FILE *f, const struct comparison *c)
{
	const struct results *rs;
	size_t i, j, n[4];
	char col[256];

	for (j = 0; j < c->cmp_nsets; j++) {
		rs = c->cmp_sets[j];
		memset(n, 0, sizeof(n));
		for (i = 0; i < rs->rs_nscen; i++)
			n[rs->rs_scen[i].s_verdict <= VERDICT_ERROR ?
			    rs->rs_scen[i].s_verdict : VERDICT_ERROR]++;
		results_column_name(rs, col, sizeof(col));
		fputs("- **", f);
		md_put(f, col);
		fputs("**: ", f);
		report_set_meta(f, rs, md_put);
		fprintf(f, ": %zu pass, %zu fail, %zu unsupported, %zu error\n",
		    n[VERDICT_PASS], n[VERDICT_FAIL], n[VERDICT_UNSUPPORTED],
		    n[VERDICT_ERROR]);
	}
}

int
report_md(FILE *f, const struct comparison *c)
{
	char cell[1024], d[64];
	size_t i, j;

	fprintf(f, "# hvlab: Table 3.1, measured\n\n");
	md_sets(f, c);
	fprintf(f, "\nFigures are medians over a scenario's runs, with the "
	    "lowest and highest run beside them when the runs differ: "
	    "38 (30" ENDASH "45) ms.\n");
	fprintf(f, "\n| Feature (study row) |");
	md_columns(f, c, "---|");
	for (i = 0; i < c->cmp_nrows; i++) {
		fputs("| ", f);
		md_put(f, c->cmp_row_titles[i]);
		fputs(" |", f);
		for (j = 0; j < c->cmp_nsets; j++) {
			report_cell(comparison_cell(c, i, j), cell,
			    sizeof(cell));
			fputc(' ', f);
			md_put(f, cell);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	fprintf(f, "\n## Time per scenario\n\n| Scenario |");
	md_columns(f, c, "---:|");
	for (i = 0; i < c->cmp_nrows; i++) {
		fputs("| ", f);
		md_put(f, c->cmp_rows[i]);
		fputs(" |", f);
		for (j = 0; j < c->cmp_nsets; j++) {
			const struct scen_result *s = comparison_cell(c, i, j);

			if (s == NULL) {
				fprintf(f, " " DASH " |");
				continue;
			}
			snprintf(d, sizeof(d), "%.1f s", s->s_duration_s);
			fprintf(f, " %s |", d);
		}
		fputc('\n', f);
	}
	if (c->cmp_nsets > 1)
		md_ratios(f, c);
	return ferror(f) ? -1 : 0;
}

/*
 * CSV field: quoted when it holds a comma, quote or newline (RFC 4180).  A
 * text that a spreadsheet would take for a formula (=, +, -, @, tab or CR
 * first) gets a leading apostrophe: results.csv is data to read, and a
 * result's text (a reason, a platform's name) comes from outside.
 */
static void
csv_put(FILE *f, const char *s)
{
	int formula = *s != '\0' && strchr("=+-@\t\r", *s) != NULL;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		if (formula)
			fputc('\'', f);
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_line(FILE *f, const struct results *rs, const struct scen_result *s,
    const char *metric, const char *value)
{
	char d[256];

	results_column_name(rs, d, sizeof(d));
	csv_put(f, d);
	fputc(',', f);
	csv_put(f, s->s_name);
	fputc(',', f);
	csv_put(f, s->s_row);
	fputc(',', f);
	fputs(verdict_name(s->s_verdict), f);
	fputc(',', f);
	csv_put(f, s->s_reason);
	snprintf(d, sizeof(d), "%.3f", s->s_duration_s);
	fprintf(f, ",%s,%zu,", d, s->s_nruns);
	csv_put(f, metric);
	fprintf(f, ",%s\r\n", value);
}

int
report_csv(FILE *f, const struct comparison *c)
{
	char v[64];
	size_t i, j, k;

	fputs("platform,scenario,row,verdict,reason,duration_s,runs,metric,"
	    "value\r\n", f);
	for (j = 0; j < c->cmp_nsets; j++)
		for (i = 0; i < c->cmp_nrows; i++) {
			const struct scen_result *s = comparison_cell(c, i, j);

			if (s == NULL)
				continue;
			if (s->s_metrics.ms_n == 0)
				csv_line(f, c->cmp_sets[j], s, "", "");
			for (k = 0; k < s->s_metrics.ms_n; k++) {
				snprintf(v, sizeof(v), "%.15g",
				    s->s_metrics.ms_v[k].m_value);
				csv_line(f, c->cmp_sets[j], s,
				    s->s_metrics.ms_v[k].m_name, v);
			}
		}
	return ferror(f) ? -1 : 0;
}

/* XML text or attribute value; control characters are dropped (not
 * allowed in XML 1.0). */
static void
xml_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\t': fputs("&#9;", f); break;
		default:
			if (ch >= 0x20)
				fputc(ch, f);
		}
	}
}

int
report_junit(FILE *f, const struct comparison *c)
{
	size_t i, j, k, n, nf, ne, ns;
	double total;
	char v[64];

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<testsuites name=\"hvlab\">\n", f);
	for (j = 0; j < c->cmp_nsets; j++) {
		const struct results *rs = c->cmp_sets[j];

		n = nf = ne = ns = 0;
		total = 0;
		for (i = 0; i < rs->rs_nscen; i++) {
			n++;
			total += rs->rs_scen[i].s_duration_s;
			switch (rs->rs_scen[i].s_verdict) {
			case VERDICT_FAIL: nf++; break;
			case VERDICT_ERROR: ne++; break;
			case VERDICT_UNSUPPORTED: ns++; break;
			default: break;
			}
		}
		fputs("  <testsuite name=\"", f);
		xml_put(f, nz(rs->rs_platform));
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		    "skipped=\"%zu\" time=\"%.3f\"", n, nf, ne, ns, total);
		if (rs->rs_started && *rs->rs_started) {
			fputs(" timestamp=\"", f);
			xml_put(f, rs->rs_started);
			fputc('"', f);
		}
		fputs(">\n", f);
		for (i = 0; i < c->cmp_nrows; i++) {
			const struct scen_result *s = comparison_cell(c, i, j);

			if (s == NULL)
				continue;
			fputs("    <testcase classname=\"hvlab.", f);
			xml_put(f, nz(rs->rs_platform));
			fputs("\" name=\"", f);
			xml_put(f, s->s_name);
			fprintf(f, "\" time=\"%.3f\">\n", s->s_duration_s);
			switch (s->s_verdict) {
			case VERDICT_FAIL:
				fputs("      <failure message=\"", f);
				xml_put(f, s->s_reason);
				fputs("\"/>\n", f);
				break;
			case VERDICT_ERROR:
				fputs("      <error message=\"", f);
				xml_put(f, s->s_reason);
				fputs("\"/>\n", f);
				break;
			case VERDICT_UNSUPPORTED:
				fputs("      <skipped message=\"", f);
				xml_put(f, s->s_reason);
				fputs("\"/>\n", f);
				break;
			default:
				break;
			}
			fputs("      <system-out>", f);
			xml_put(f, s->s_row);
			for (k = 0; k < s->s_metrics.ms_n; k++) {
				snprintf(v, sizeof(v), "%.15g",
				    s->s_metrics.ms_v[k].m_value);
				fputs("&#10;", f);
				xml_put(f, s->s_metrics.ms_v[k].m_name);
				fprintf(f, "=%s", v);
			}
			fputs("</system-out>\n", f);
			fputs("    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}
