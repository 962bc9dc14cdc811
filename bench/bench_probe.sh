#!/bin/sh
# bench_probe: the ping probe's own cost and rhythm on an idle path.
#
# Two namespaces joined by a veth (198.18.251.0/24, prefix hvt-probe-b$$).
# `hvlab probe ping` runs 10 s at 1 ms and at 10 ms.  Prints, per run:
# requests sent and replies lost, the send interval on the wire (p50, p99,
# from the capture's kernel timestamps) and the jitter |interval - nominal|
# (p50, p99, max), late sends (deadlines missed by more than one interval),
# capture drops, and the CPU used: the probe threads' own figure
# (getrusage RUSAGE_THREAD, in the JSON) and the whole process's (the
# shell's `times` for its child) as % of one core over the run.
# "1ms(b)" is the 1 ms run with --batch (capture read every 50 ms instead
# of per packet; the timestamps are the kernel's either way).
# Figures only: nothing here passes or fails on a timing.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
hv=${HVLAB_BIN:-$top/bin/hvlab}
p=hvt-probe-b$$
nsa=$p-a nsb=$p-b
ifa=hvtb$$a ifb=hvtb$$b
dir=$(mktemp -d "/tmp/$p.XXXXXX")
dur=${BENCH_PROBE_DURATION:-10}

cleanup() {
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "bench_probe: needs root"; exit 1; }
[ -x "$hv" ] || { echo "bench_probe: $hv not built"; exit 1; }
ip netns add "$nsa" && ip netns add "$nsb" &&
ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" &&
ip -n "$nsa" addr add 198.18.251.1/24 dev "$ifa" &&
ip -n "$nsb" addr add 198.18.251.2/24 dev "$ifb" &&
ip -n "$nsa" link set "$ifa" up && ip -n "$nsb" link set "$ifb" up ||
	{ echo "bench_probe: cannot build the namespaces"; exit 1; }

jget() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([-0-9.eE+]*\),\{0,1\}$/\1/p" \
	    "$1" | head -n 1
}

# sum_times: the children's user+system seconds from `times` output.
sum_times() {
	sed -n 2p | awk '{ t = 0
		for (i = 1; i <= 2; i++) { s = $i; m = s; sub(/m.*/, "", m)
		  sub(/^[0-9]*m/, "", s); sub(/s$/, "", s); t += m * 60 + s }
		printf "%.3f\n", t }'
}

printf '%-8s %6s %5s %9s %9s %9s %9s %9s %5s %5s %8s %8s\n' interval sent \
    lost iv_p50ms iv_p99ms jit_p50ms jit_p99ms jit_maxms late drops \
    cpu_thr% cpu_proc%
for run in 1 1:batch 10; do
	iv=${run%%:*} extra=''
	[ "$run" = "$iv" ] || extra=--batch
	json=$dir/ping-$iv.json
	start=$(date +%s%N)
	tm=$( ( "$hv" probe ping --to 198.18.251.2 --netns "$nsa" \
	    --interval "$iv" --duration "$dur" --json "$json" \
	    --no-timeline $extra >"$dir/out-$iv" 2>&1; times ) | sum_times)
	end=$(date +%s%N)
	[ -s "$json" ] || { cat "$dir/out-$iv"; exit 1; }
	proc=$(awk -v c="$tm" -v ns=$((end - start)) \
	    'BEGIN { printf "%.2f", 100 * c / (ns / 1e9) }')
	printf '%-8s %6s %5s %9s %9s %9s %9s %9s %5s %5s %8s %8s\n' "${iv}ms${extra:+(b)}" \
	    "$(jget "$json" sent)" "$(jget "$json" lost)" \
	    "$(jget "$json" send_interval_p50_ms)" \
	    "$(jget "$json" send_interval_p99_ms)" \
	    "$(jget "$json" send_jitter_p50_ms)" \
	    "$(jget "$json" send_jitter_p99_ms)" \
	    "$(jget "$json" send_jitter_max_ms)" \
	    "$(jget "$json" late_sends)" "$(jget "$json" capture_drops)" \
	    "$(jget "$json" cpu_pct)" "$proc"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
