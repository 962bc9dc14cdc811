#!/bin/sh
# bench_ha: HA failover on the embedded lab, RUNS (default 5) power pulls of
# the HA VM's host; per run detect_s (pull -> the manager sees the lease
# gone), restart_s (pull -> recovery claimed), failover_s (pull -> the
# VM's QEMU runs on another host) and boot_s (claim -> running); medians.
# failover_s ends at QEMU "running" (hvd's start task), not yet at the
# guest's first ping reply (see docs/ha.md).  Prints the load average.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
RUNS=${RUNS:-5}
H=$top/bin/hvlab
LAB=b7a$$; LAB=$(echo "$LAB" | cut -c1-10)
LABDIR=/var/lib/hvlab/labs/$LAB
TMP=$(mktemp -d /tmp/hvlab-b7a-XXXXXX)
G=$top/build/guest
VM=ha7bench
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
cleanup() { "$H" lab down --lab "$LAB" >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
on() { h=$1; shift; "$H" lab exec "$h" --lab "$LAB" -- "$top/bin/hvctl" -s /run/hvd/hvd.sock "$@"; }
. "$top/tests/integration/lib_ha.sh"
. "$top/bench/lib_stats.sh"
"$H" lab up --lab "$LAB" -q || exit 1
"$H" lab status --lab "$LAB" --json >"$TMP/status.json" || exit 1
for i in 1 2 3; do
	hvd_install host$i "$(jq -r ".hosts[$((i - 1))].mgmt_addr" "$TMP/status.json")" || exit 1
done
hvd_wait host1 host2 host3 || exit 1
a1=$(jq -r '.hosts[0].mgmt_addr' "$TMP/status.json")
out=$(on host1 --json cluster create "$LAB") || exit 1
tok=$(echo "$out" | sed -n 's/.*"token":[[:space:]]*"\([^"]*\)".*/\1/p')
fp=$(echo "$out" | sed -n 's/.*"fingerprint":[[:space:]]*"\([^"]*\)".*/\1/p')
for i in 2 3; do on host$i cluster join "$a1" --token "$tok" --fingerprint "$fp" || exit 1; done
on host1 vm create $VM --node host1 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" || exit 1
on host1 ha add $VM || exit 1
ha_wait_on "" 180 || exit 1
r=1
while [ $r -le "$RUNS" ]; do
	src=$(ha_where)
	echo "run $r: load $(cut -d' ' -f1-3 /proc/loadavg), VM on $src"
	"$H" inject power-pull "$src" --lab "$LAB" >/dev/null || exit 1
	pull=$(ha_event_wall power-pull)
	ask=""; for h in $HA_HOSTS; do [ "$h" != "$src" ] && ask="$ask $h"; done
	ha_wait_on "$src" 240 $ask || { echo "run $r: no failover"; exit 1; }
	ha_figures "$pull" "$src" "run $r" | tee -a "$TMP/fig"
	"$H" inject power-on "$src" --lab "$LAB" >/dev/null || exit 1
	sleep 10
	r=$((r + 1))
done
for m in detect_s restart_s failover_s boot_s; do
	printf '%s %s (n=%d)\n' "$m" \
	    "$(sed -n "s/.*$m=\([0-9.]*\).*/\1/p" "$TMP/fig" | stats %.2f)" \
	    "$(grep -c "$m=" "$TMP/fig")"
done
