#!/bin/sh
# bench_report.sh - how long `hvlab report` takes on a large results.json.
#
# Writes a results set of one scenario with N metrics (default 300000)
# and, with RUN=1 (the default), one run of the same metrics, then times
# `hvlab report DIR DIR --out OUT` (the set compared with itself: every
# writer, the figures compared, the per-run columns) RUNS times (default
# 3) and prints min/median/max with the size of what it wrote.  Also, with
# MANY=1, N scenarios of one metric each.  Needs bin/hvlab; no root.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
n=${N:-300000}
runs=${RUNS:-3}
hvlab="$top/bin/hvlab"
[ -x "$hvlab" ] || { echo "bench_report: bin/hvlab missing (run make)" >&2; exit 1; }
. "$top/bench/lib_stats.sh"
tmp=$(mktemp -d /tmp/hvt-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

metrics() {
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
	    printf "%s\"m%06d_ms\": %d", i ? ", " : "", i, i % 997 }'
}
mkdir "$tmp/set"
{
	printf '{"tool": "hvlab", "platform": "ref", "suite": "big", "scenarios": [\n'
	if [ "${MANY:-0}" = 1 ]; then
		awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
		    printf "%s{\"name\": \"s%06d\", \"verdict\": \"pass\", \"metrics\": {\"m_ms\": %d}}\n",
		    i ? "," : "", i, i % 997 }'
	else
		printf '{"name": "big", "verdict": "pass", "metrics": {'
		metrics
		printf '}, "runs": ['
		[ "${RUN:-1}" = 1 ] && { printf '{"verdict": "pass", "metrics": {'; metrics; printf '}}'; }
		printf ']}\n'
	fi
	printf ']}\n'
} >"$tmp/set/results.json"
what="$n metrics in one scenario"
[ "${MANY:-0}" = 1 ] && what="$n scenarios of one metric"
echo "results.json: $what, $(du -k "$tmp/set/results.json" | cut -f1) KiB"
i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	s=$(date +%s.%N)
	"$hvlab" report "$tmp/set" "$tmp/set" --out "$tmp/out" >/dev/null 2>&1 ||
		{ echo "bench_report: hvlab report failed" >&2; exit 1; }
	e=$(date +%s.%N)
	echo "$s $e" | awk '{ printf "%.2f\n", $2 - $1 }'
done >"$tmp/times"
echo "hvlab report: $(stats %.2f <"$tmp/times") s over $runs runs" \
    "(report.html $(du -k "$tmp/out/report.html" | cut -f1) KiB)"
