#!/bin/sh
# bench_hvd: hvd control-plane figures over RUNS runs (default 5), each on a
# fresh 3-node cluster in network namespaces (tests/integration/hvd_lib.sh):
#   form_s        hvctl cluster create + 2 joins, until 3 nodes are online
#   commands      hvctl commands from started daemons to that cluster
#   vm_start_s    hvctl vm start (task ok: QEMU running) of a 128 MiB guest
#   vm_ready_s    vm create+start until the guest's ready line (serial)
#   mig_*         live migration node1 -> node2 of the idle guest: QEMU's
#                 total time and downtime, bytes, and the task's wall time
# Prints one line per run and medians.  Needs root, etcd, QEMU, the guest.
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"

RUNS=${RUNS:-5}
G=$HVD_TOP/build/guest
now() { date +%s.%N; }
sub() { echo "$1 $2" | awk '{printf "%.3f", $1 - $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

[ "$(id -u)" -eq 0 ] || { echo "bench_hvd: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_hvd: guest not built (make guest)"; exit 0; }
out=$(mktemp -d /tmp/hvt-hvd-bench.XXXXXX)
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
	hvctl_on 1 vm create vm1 --node node1 --memory 128 --kernel "$G/vmlinux" \
	    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet hvlab.name=vm1" \
	    >/dev/null || exit 1
	t2=$(now)
	hvctl_on 1 vm start vm1 >/dev/null 2>&1 || exit 1
	t3=$(now)
	ser=$HVD_TMP/n1/run/vms/vm1/serial.log
	k=0
	while ! grep -q "HVLAB-GUEST READY" "$ser" 2>/dev/null; do
		k=$((k + 1)); [ $k -lt 600 ] || break; sleep 0.05
	done
	t4=$(now)
	mig=$(hvctl_on 1 --json vm migrate vm1 node2 --live 2>/dev/null)
	t5=$(now)
	tot=$(echo "$mig" | json_field total_time_ms)
	down=$(echo "$mig" | json_field downtime_ms)
	bytes=$(echo "$mig" | json_field transferred_bytes)
	hvctl_on 1 vm stop vm1 >/dev/null 2>&1
	echo "$(sub $t1 $t0) 3 $(sub $t3 $t2) $(sub $t4 $t2) ${tot:--} ${down:--} ${bytes:--} $(sub $t5 $t4)"
	) >"$out/run$r" 2>/dev/null
	line=$(tail -n 1 "$out/run$r")
	echo "run $r: form_s commands vm_start_s vm_ready_s mig_total_ms mig_downtime_ms mig_bytes mig_task_s = $line"
	echo "$line" >>"$out/all"
	r=$((r + 1))
done
echo "medians over $RUNS runs:"
i=1
for name in form_s commands vm_start_s vm_ready_s mig_total_ms mig_downtime_ms mig_bytes mig_task_s; do
	printf '  %-16s %s\n' "$name" "$(awk -v c=$i '$c != "-" {print $c}' "$out/all" | median)"
	i=$((i + 1))
done
rm -rf "$out"
