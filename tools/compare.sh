#!/bin/sh
# `make compare`: the default suite (the study's Table 3.1) on every
# platform that runs here - ref (hvd) and libvirt (libvirt + Corosync +
# Pacemaker) - each on a fresh lab, into results/<UTC timestamp>/<platform>/,
# and one report with a column per platform in results/<UTC timestamp>/.
# Extra arguments go to `hvlab run` (e.g. --suite quick, --repeat 1);
# HVLAB_RUN_ARGS too; HVLAB_PLATFORMS replaces "ref,libvirt".
# Exit status: hvlab run's (0 all passed or unsupported, 2 a scenario
# failed or errored, 130 interrupted, 1 no comparison).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

out="results/$(date -u +%Y%m%d-%H%M%SZ)"
mkdir -p "$out" || exit 1
start=$(date +%s)
# shellcheck disable=SC2086
./bin/hvlab run -f scenarios.yaml --platform "${HVLAB_PLATFORMS:-ref,libvirt}" \
    --out "$out" ${HVLAB_RUN_ARGS:-} "$@"
rc=$?
end=$(date +%s)

echo
if [ -f "$out/report.md" ]; then
	echo "== $out/report.md"
	cat "$out/report.md"
	echo
	echo "report:  $top/$out/report.md"
	echo "         $top/$out/report.html"
	echo "each platform: $top/$out/<platform>/"
else
	echo "hvlab run wrote no comparison (exit $rc); see the messages above" >&2
fi
echo "compare: $((end - start)) s, exit $rc"
exit $rc
