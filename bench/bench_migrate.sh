#!/bin/sh
# bench_migrate - live migration of an idle 128 MiB guest between two host
# namespaces (each with its own OVS, userspace datapath), disk on a shared
# qcow2 file: QEMU's own figures (downtime, total time, bytes) and the gap a
# fast ping from the station sees (longest time between two echo replies,
# build/pinggap at BENCH_PING_US microseconds, default 1000).
#
# Runs BENCH_RUNS (default 5) migrations, alternating A->B and B->A, per
# setting.  Settings are "NAME=PARAMS_JSON" words in BENCH_MIGRATE_SETTINGS
# (PARAMS_JSON as migrate_params_from_json takes it); the default compares
# hvd's defaults with QEMU's own and the settings measured while planning.
# Prints one line per run and a median line per setting.  Needs root.
set -u
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$HVLAB_TOP/tests/integration/lib_vm.sh"
vt_skip_unless_ready
RUNS=${BENCH_RUNS:-5}
PING_US=${BENCH_PING_US:-1000}
SETTINGS=${BENCH_MIGRATE_SETTINGS:-"hvd-default={}
qemu-default={\"downtime_limit_ms\":300,\"max_bandwidth\":134217728}
dl20-1g={\"downtime_limit_ms\":20,\"max_bandwidth\":1073741824}
dl10-2g={\"downtime_limit_ms\":10,\"max_bandwidth\":2147483648}"}

vm_lab_up || vt_die "lab setup"
disk=$VT/shared/vm1-disk0.qcow2
qemu-img create -q -f qcow2 "$disk" 64M || vt_die "qemu-img create"
vt_vm_config "$VT/vm1.json" vm1 "$disk"
vt_vmtool A start "$VT/vm1.json" >/dev/null || vt_die "start vm1"
vt_wait_ready A vm1 || vt_die "vm1 never became ready"
vt_ping_ok 2 >/dev/null || vt_die "vm1 does not answer ping"
here=A

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
    else if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

printf '%-14s %3s %5s %9s %9s %10s %9s %6s\n' setting run dir \
    qemu_dt_ms total_ms bytes_MiB gap_ms lost
echo "$SETTINGS" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=${line%%=*}
	echo "${line#*=}" >"$VT/params-$name.json"
	: >"$VT/res-$name"
	r=1
	while [ $r -le "$RUNS" ]; do
		there=B; mgmt=$VT_MGMT_B
		[ $here = B ] && { there=A; mgmt=$VT_MGMT_A; }
		vt_vmtool $there start "$VT/vm1.json" --incoming >/dev/null || \
		    vt_die "start target on $there"
		ip netns exec "$VT_NSS" "$VT_PINGGAP" -i "$PING_US" -w 5 \
		    "$VT_VM_IP" >"$VT/ping.out" &
		ppid=$!
		sleep 1.5
		if ! res=$(vt_vmtool $here migrate vm1 "$VT/run$there" \
		    "tcp:$mgmt:4444" "$VT/params-$name.json"); then
			wait $ppid
			vt_vmtool $there stop vm1; vt_vmtool $there cleanup vm1
			echo "$name run $r: migration failed"
			r=$((r + 1))
			continue
		fi
		wait $ppid
		dt=$(echo "$res" | field downtime_ms)
		tt=$(echo "$res" | field total_time_ms)
		by=$(echo "$res" | field transferred_bytes)
		gap=$(field max_gap_ms <"$VT/ping.out")
		lost=$(field lost <"$VT/ping.out")
		printf '%-14s %3d %5s %9s %9s %10.1f %9s %6s\n' "$name" $r \
		    "$here>$there" "$dt" "$tt" "$(echo "$by" | awk '{ print $1 / 1048576 }')" \
		    "$gap" "$lost"
		echo "$dt $tt $gap" >>"$VT/res-$name"
		here=$there
		echo $here >"$VT/here"
		r=$((r + 1))
		sleep 0.5
	done
	printf '%-14s %3s %5s %9s %9s %10s %9s\n' "$name" med "" \
	    "$(awk '{ print $1 }' "$VT/res-$name" | median)" \
	    "$(awk '{ print $2 }' "$VT/res-$name" | median)" "" \
	    "$(awk '{ print $3 }' "$VT/res-$name" | median)"
	here=$(cat "$VT/here" 2>/dev/null || echo A)
done
exit 0
