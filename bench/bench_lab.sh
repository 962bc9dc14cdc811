#!/bin/sh
# Benchmark: `hvlab lab up` and `hvlab lab down` of the default lab
# (scenarios.yaml: 3 hosts x 2 NICs with LACP active-backup bonds, switch,
# SAN with 2 LUNs, station), run RUNS times (default 3) under the name
# t3bench.  Prints each run and the median.  `lab up` includes waiting
# until the station reaches every host (LACP negotiated, MACs learned).
# Target on the 2-core build machine: lab up <= 10 s.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
RUNS=${RUNS:-3}
LAB=t3bench
[ "$(id -u)" -eq 0 ] || { echo "bench_lab: needs root, skipped"; exit 0; }
[ -x "$HVLAB" ] || { echo "bench_lab: no $HVLAB"; exit 1; }
# A private copy: other builds may relink bin/ meanwhile.
BIN=$(mktemp -d /tmp/t3bench-bin.XXXXXX)
cp "$HVLAB" "$(dirname "$HVLAB")/hvlab-init" "$BIN/" || exit 1
HVLAB=$BIN/hvlab
trap '"$HVLAB" lab down --lab $LAB >/dev/null 2>&1; rm -rf "$BIN"' EXIT INT TERM
"$HVLAB" lab down --lab $LAB >/dev/null 2>&1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
. "$top/bench/lib_stats.sh"
ups="" downs=""
i=1
while [ $i -le "$RUNS" ]; do
	t0=$(now_ms)
	"$HVLAB" lab up -q -f scenarios.yaml --lab $LAB || { echo "lab up failed"; exit 1; }
	t1=$(now_ms)
	"$HVLAB" lab down --lab $LAB || { echo "lab down failed"; exit 1; }
	t2=$(now_ms)
	up=$((t1 - t0)) down=$((t2 - t1))
	printf 'run %d: lab up %d ms, lab down %d ms\n' $i $up $down
	ups="$ups $up" downs="$downs $down"
	i=$((i + 1))
done
printf 'lab_up_ms %s (median of %d; target <= 10000)\n' \
	"$(echo $ups | tr ' ' '\n' | median)" "$RUNS"
printf 'lab_down_ms %s (median of %d)\n' \
	"$(echo $downs | tr ' ' '\n' | median)" "$RUNS"
