#!/bin/sh
# `make run`: the default suite (the study's Table 3.1) on the embedded lab
# with the ref platform, into results/<UTC timestamp>/; then prints where
# the report is and the table itself.  Extra arguments go to `hvlab run`
# (e.g. --platform, --repeat, --scenario); HVLAB_RUN_ARGS too.
# Exit status: hvlab run's (0 all passed or unsupported, 2 a scenario
# failed or errored, 130 interrupted).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

out="results/$(date -u +%Y%m%d-%H%M%SZ)"
mkdir -p "$out" || exit 1
start=$(date +%s)
# shellcheck disable=SC2086
./bin/hvlab run -f scenarios.yaml --out "$out" ${HVLAB_RUN_ARGS:-} "$@"
rc=$?
end=$(date +%s)

echo
if [ -f "$out/report.md" ]; then
	echo "== $out/report.md"
	cat "$out/report.md"
	echo
	echo "results: $top/$out/results.json"
	echo "report:  $top/$out/report.md"
	echo "         $top/$out/report.html"
	echo "         $top/$out/results.csv, $top/$out/junit.xml, $top/$out/plots/"
else
	echo "hvlab run wrote no report (exit $rc); see the messages above" >&2
fi
echo "run: $((end - start)) s, exit $rc"
exit $rc
