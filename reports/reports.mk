# reports/: Markdown, HTML, CSV, JUnit and gnuplot output from results.json.
REPORTS_SRCS := reports/results.c reports/report_table.c \
	reports/report_html.c reports/report_plot.c reports/report.c \
	reports/report_cmd.c reports/names.c reports/report_series.c \
	reports/report_ha.c
