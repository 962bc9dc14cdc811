#!/bin/sh
# bench_hvd: hvd figures over RUNS runs (default 5), each on a fresh 3-node
# cluster in network namespaces with their own Open vSwitch
# (tests/integration/hvd_lib.sh), an idle 128 MiB guest on VLAN 10 and a
# station on VLAN 10 of node1:
#   form_s        hvctl cluster create + 2 joins, until 3 nodes are online
#   commands      hvctl commands from started daemons to that cluster
#   vm_start_s    hvctl vm start (task ok: QEMU running)
#   first_ping_s  vm create + start until the guest answers the station's
#                 ping (50 ms probes)
#   mig_*         live migration node1 -> node2 through hvd with its
#                 default settings: QEMU's total time and downtime, the
#                 task's wall time, and the longest gap between replies a
#                 1 ms ping from the station saw (build/pinggap)
# Prints one line per run and medians.  Needs root, etcd, OVS, QEMU, guest.
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
HVD_OVS=1
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"

RUNS=${RUNS:-5}
G=$HVD_TOP/build/guest
now() { date +%s.%N; }
sub() { echo "$1 $2" | awk '{printf "%.3f", $1 - $2}'; }
. "$HVLAB_TOP/bench/lib_stats.sh"
jnum() { sed -n "s/.*\"$1\":[[:space:]]*\([0-9.]*\).*/\1/p" | head -n 1; }

[ "$(id -u)" -eq 0 ] || { echo "bench_hvd: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_hvd: guest not built (make guest)"; exit 0; }
make -s -C "$HVD_TOP" build/pinggap >/dev/null 2>&1 || { echo "bench_hvd: cannot build build/pinggap"; exit 0; }
out=$(mktemp -d /tmp/hvt-hvd-bench.XXXXXX)
cols="form_s commands vm_start_s first_ping_s mig_total_ms mig_downtime_ms mig_task_s mig_gap_ms mig_lost"
r=1
while [ "$r" -le "$RUNS" ]; do
	(
	hvd_setup 3
	for i in 1 2 3; do hvd_start $i || exit 1; done
	t0=$(now)
	hvd_form_cluster bench >/dev/null || exit 1
	while ! hvctl_on 1 --json cluster status | grep -q '"online":[[:space:]]*3'; do
		sleep 0.05
	done
	t1=$(now)
	hvd_station st 1 10 198.18.251.1/24 || exit 1
	t2=$(now)
	hvctl_on 1 vm create vm1 --node node1 --memory 128 --nic 10 \
	    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
	    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=vm1 hvlab.ip=198.18.251.10/24" \
	    >/dev/null || exit 1
	t3=$(now)
	hvctl_on 1 vm start vm1 >/dev/null 2>&1 || exit 1
	t4=$(now)
	k=0
	while ! ip netns exec "$HVD_P-st" busybox ping -c 1 -W 1 -w 1 198.18.251.10 >/dev/null 2>&1; do
		k=$((k + 1)); [ $k -lt 120 ] || break
	done
	t5=$(now)
	sleep 2
	ip netns exec "$HVD_P-st" "$HVD_TOP/build/pinggap" -i 1000 -w 60 198.18.251.10 \
	    >"$HVD_TMP/gap.json" 2>/dev/null &
	gp=$!
	sleep 1
	t6=$(now)
	mig=$(hvctl_on 1 --json vm migrate vm1 node2 --live 2>/dev/null)
	t7=$(now)
	sleep 1
	kill -INT "$gp" 2>/dev/null
	wait "$gp" 2>/dev/null
	tot=$(echo "$mig" | jnum total_time_ms)
	down=$(echo "$mig" | jnum downtime_ms)
	gap=$(jnum max_gap_ms <"$HVD_TMP/gap.json")
	lost=$(jnum lost <"$HVD_TMP/gap.json")
	hvctl_on 1 vm stop vm1 >/dev/null 2>&1
	echo "$(sub $t1 $t0) 3 $(sub $t4 $t3) $(sub $t5 $t2) ${tot:--} ${down:--} $(sub $t7 $t6) ${gap:--} ${lost:--}"
	) >"$out/run$r" 2>/dev/null
	line=$(tail -n 1 "$out/run$r")
	echo "run $r: $cols = $line"
	echo "$line" >>"$out/all"
	r=$((r + 1))
done
echo "medians over $RUNS runs:"
i=1
for name in $cols; do
	printf '  %-16s %s\n' "$name" "$(awk -v c=$i '$c != "-" {print $c}' "$out/all" | median)"
	i=$((i + 1))
done
rm -rf "$out"
