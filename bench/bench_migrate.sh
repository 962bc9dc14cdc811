#!/bin/sh
# bench_migrate - live migration of an idle 128 MiB guest between two host
# namespaces (each with its own OVS, userspace datapath), disk qcow2 on a
# shared file with cache=none, through hvd's VM layer (build/vmtool).
#
# Per run it prints QEMU's own figures (downtime, total time, MiB sent),
# the switchover as QEMU's event stamps show it (source STOP -> target
# RESUME) and what the network saw: the longest gap between two echo
# replies of a fast ping from the station (build/pinggap every
# BENCH_PING_US microseconds, default 1000) and the requests lost.  That
# gap is split by when it happened: start_ms is the longest reply gap
# within 150 ms of the migrate command (the source's setup, which under
# TCG holds QEMU's big lock while it syncs the dirty bitmap: docs/vm.md),
# switch_ms the longest one overlapping STOP..RESUME (the switchover);
# "<3": no reply gap of 3 ms or more there (counted as 3 in the median).
# BENCH_RUNS (default 5) migrations per setting, alternating A->B, B->A;
# then the medians.  A run after which the guest no longer answers is
# reported as "guest lost" (docs/vm.md "Live migration under TCG"), left out of
# the medians, and the guest is booted again for the next run; so is one
# whose console on the target shows a panic or a boot (panic=-1 reboots a
# crashed guest, which then answers again after ~2.5 s).
#
# BENCH_MEMTEST=PAGES (default 0: off) runs the guest agent's memtest over
# PAGES pages, rewritten every millisecond and checked at each rewrite
# (lab/guest/agent.c): the "mem_err" column counts the writes the guest
# lost so far (a migration that did not carry a page's last version).
# The guest is then busy, not idle: use it for correctness, not timing.
#
# Settings: "NAME=PARAMS_JSON" lines in BENCH_MIGRATE_SETTINGS (PARAMS_JSON
# as migrate_params_from_json takes it).  Needs root.
set -u
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$HVLAB_TOP/tests/integration/lib_vm.sh"
vt_skip_unless_ready
RUNS=${BENCH_RUNS:-5}
PING_US=${BENCH_PING_US:-1000}
MEMTEST=${BENCH_MEMTEST:-0}
AGENTCTL=$HVLAB_TOP/build/guest/agentctl
SETTINGS=${BENCH_MIGRATE_SETTINGS:-"hvd-default={}
qemu-default={\"downtime_limit_ms\":300,\"max_bandwidth\":134217728}
dl10-2g={\"downtime_limit_ms\":10,\"max_bandwidth\":2147483648}"}

vm_lab_up >"$VT.setup.log" 2>&1 || { cat "$VT.setup.log"; vt_die "lab setup"; }
rm -f "$VT.setup.log"
disk=$VT/shared/vm1-disk0.qcow2
qemu-img create -q -f qcow2 "$disk" 64M || vt_die "qemu-img create"
vt_vm_config "$VT/vm1.json" vm1 "$disk"

agent() { ip netns exec "$VT_NSS" "$AGENTCTL" -t 5 "$VT_VM_IP" "$@"; }
boot() { # HOST
	vt_vmtool "$1" start "$VT/vm1.json" >/dev/null || return 1
	vt_wait_ready "$1" vm1 || return 1
	vt_ping_ok 2 >/dev/null || return 1
	[ "$MEMTEST" -gt 0 ] || return 0
	agent "memtest start $MEMTEST 1" | grep -q '^ok' || return 1
}
# memtest's error count since the guest booted, "-" when off
mem_errors() {
	[ "$MEMTEST" -gt 0 ] || { echo -; return; }
	n=$(agent "memtest status" | sed -n 's/.* errors=\([0-9]*\).*/\1/p')
	echo "${n:-?}"
}
boot A || vt_die "vm1 does not boot"
echo A >"$VT/here"

. "$HVLAB_TOP/bench/lib_stats.sh"
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"; }

echo "idle 128 MiB guest, ping every $PING_US us from the station, $RUNS runs per setting"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$MEMTEST" -gt 0 ] && echo "memtest over $MEMTEST pages, rewritten every 1 ms"
printf '%-13s %3s %4s %8s %8s %6s %10s %8s %8s %9s %6s %7s %5s\n' setting run dir \
    qemu_dt total_ms MiB 'stop>run_ms' gap_ms start_ms switch_ms lost mem_err syncs
echo "$SETTINGS" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=${line%%=*}
	echo "${line#*=}" >"$VT/params-$name.json"
	: >"$VT/res-$name"
	lostruns=0
	r=1
	while [ "$r" -le "$RUNS" ]; do
		here=$(cat "$VT/here")
		there=B; mgmt=$VT_MGMT_B
		[ "$here" = B ] && { there=A; mgmt=$VT_MGMT_A; }
		vt_vmtool $there start "$VT/vm1.json" --incoming >/dev/null || \
		    vt_die "start target on $there"
		ip netns exec "$VT_NSS" "$VT_PINGGAP" -i "$PING_US" -w 5 -g 3 \
		    "$VT_VM_IP" >"$VT/ping.out" &
		ppid=$!
		sleep 1.5
		if ! res=$(vt_vmtool "$here" migrate vm1 "$VT/run$there" \
		    "tcp:$mgmt:4444" "$VT/params-$name.json"); then
			wait $ppid
			vt_vmtool $there stop vm1; vt_vmtool $there cleanup vm1
			echo "$name run $r: migration failed"
			r=$((r + 1))
			continue
		fi
		wait $ppid
		echo "$there" >"$VT/here"
		dt=$(echo "$res" | field downtime_ms)
		tt=$(echo "$res" | field total_time_ms)
		by=$(echo "$res" | field transferred_bytes)
		syncs=$(echo "$res" | field dirty_sync_count)
		sw=$(echo "$res" | field switchover_ms)
		gap=$(field max_gap_ms <"$VT/ping.out")
		# a gap over a second: keep the guest's console and the figures
		if awk -v g="${gap:-0}" 'BEGIN { exit !(g > 1000) }'; then
			keep=$HVLAB_TOP/build/bench-logs/migrate-$(date +%H%M%S)-$name-$r
			mkdir -p "$(dirname "$keep")"
			cp "$VT/run$there/vm1/serial.log" "$keep.serial.log" 2>/dev/null
			{ echo "$res"; cat "$VT/ping.out"; } >"$keep.json"
			echo "(run $r: ${gap} ms gap; console and figures kept in $keep.*)"
		fi
		lost=$(field lost <"$VT/ping.out")
		mib=$(echo "$by" | awk '{ printf "%.1f", $1 / 1048576 }')
		split=$(echo "$res" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
g = json.load(open(sys.argv[1])).get("gaps", [])
def longest(lo, hi):
    m = [(b - a) / 1e3 for a, b in g if a < hi and b > lo]
    return "%.1f" % max(m) if m else "<3"
t0, stop, res = r.get("migrate_start_us", 0), r.get("src_stop_us", 0), \
    r.get("tgt_resume_us", 0)
print(longest(t0, t0 + 150000) if t0 else "-",
      longest(stop, res) if stop and res else "-")' "$VT/ping.out")
		sgap=${split% *}; wgap=${split#* }
		# a guest that panicked on the target reboots (panic=-1) and
		# answers again: its console tells
		crashed=0
		grep -q 'Kernel panic\|HVLAB-GUEST READY' \
		    "$VT/run$there/vm1/serial.log" 2>/dev/null && crashed=1
		if [ $crashed = 1 ]; then
			keep=$HVLAB_TOP/build/bench-logs/migrate-$(date +%H%M%S)-$name-$r
			mkdir -p "$(dirname "$keep")"
			cp "$VT/run$there/vm1/serial.log" "$keep.serial.log"
			echo "(run $r: the guest crashed on the target; console in $keep.serial.log)"
		fi
		if [ $crashed = 0 ] && vt_ping_ok 1 >/dev/null; then
			printf '%-13s %3d %4s %8s %8s %6s %10.1f %8.1f %8s %9s %6s %7s %5s\n' \
			    "$name" "$r" "$here>$there" "$dt" "$tt" "$mib" \
			    "$sw" "$gap" "$sgap" "$wgap" "$lost" "$(mem_errors)" "$syncs"
			echo "$dt $tt $sw $gap $sgap $wgap" >>"$VT/res-$name"
		else
			printf '%-13s %3d %4s %8s %8s %6s %10.1f %8s %8s %9s %6s %7s %5s\n' \
			    "$name" "$r" "$here>$there" "$dt" "$tt" "$mib" \
			    "$sw" "lost" "$sgap" "$wgap" "$lost" "-" "$syncs"
			lostruns=$((lostruns + 1))
			vt_vmtool "$there" stop vm1 >/dev/null 2>&1
			vt_vmtool "$there" cleanup vm1 >/dev/null 2>&1
			boot A || vt_die "vm1 does not boot again"
			echo A >"$VT/here"
		fi
		r=$((r + 1))
		sleep 0.5
	done
	printf '%-13s %3s %4s %8s %8s %6s %10s %8s %8s %9s   (%d of %d runs lost or crashed the guest)\n' \
	    "$name" med "" \
	    "$(awk '{ print $1 }' "$VT/res-$name" | median %.1f)" \
	    "$(awk '{ print $2 }' "$VT/res-$name" | median %.1f)" "" \
	    "$(awk '{ print $3 }' "$VT/res-$name" | median %.1f)" \
	    "$(awk '{ print $4 }' "$VT/res-$name" | median %.1f)" \
	    "$(awk '$5 != "-" { sub(/^</, "", $5); print $5 }' "$VT/res-$name" | median %.1f)" \
	    "$(awk '$6 != "-" { sub(/^</, "", $6); print $6 }' "$VT/res-$name" | median %.1f)" \
	    "$lostruns" "$RUNS"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
