#!/bin/sh
# Benchmark runner: runs bench/bench_*.sh (or the ones named), each of which
# prints its figures.  Benchmarks measure; they never pass or fail on a
# timing.  Needs root for the ones that start a lab or QEMU.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export HVLAB_TOP="$top"
if [ "$#" -gt 0 ]; then
	set -- $(for b in "$@"; do case "$b" in */*) echo "$b" ;; *) echo "bench/bench_$b.sh" ;; esac; done)
else
	set -- $(ls bench/bench_*.sh 2>/dev/null | sort)
fi
rc=0
for b in "$@"; do
	echo "== $(basename "$b" .sh)"
	sh "$b" || rc=1
done
exit $rc
