#!/bin/sh
# bench_metrics: what hvd's metrics cost on one node running NVMS idle
# guests (default 10; 128 MiB, direct kernel boot, one NIC on VLAN 10 and
# one 64 MiB qcow2 disk in a dir pool each), over a window of WINDOW
# seconds (default 60) once they run:
#   series        series in the node's store (hvd_metrics_series)
#   sample_pct    the sampler thread's CPU, % of one core (the rate of
#                 hvd_metrics_sample_seconds_total over the window)
#   metrics_ms    GET /metrics over HTTPS with an audit token: min,
#                 median and max of 50 requests (curl's time_total)
#   metrics_bytes size of one answer
# Needs root, etcd, OVS, QEMU and the guest (make guest).
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
HVD_OVS=1
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"
. "$HVLAB_TOP/bench/lib_stats.sh"

NVMS=${NVMS:-10}
WINDOW=${WINDOW:-60}
G=$HVD_TOP/build/guest
[ "$(id -u)" -eq 0 ] || { echo "bench_metrics: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_metrics: guest not built (make guest)"; exit 0; }

hvd_setup 1
hvd_start 1 || { echo "bench_metrics: hvd did not start"; exit 1; }
hvd_form_cluster bench >/dev/null || { echo "bench_metrics: no cluster"; exit 1; }
mkdir -p "$HVD_TMP/pools/local"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" >/dev/null ||
    { echo "bench_metrics: no pool"; exit 1; }
i=1
while [ "$i" -le "$NVMS" ]; do
	hvctl_on 1 pool volume-create local "d$i" --size-mib 64 >/dev/null &&
	hvctl_on 1 vm create "vm$i" --memory 128 --nic 10 --disk "local:d$i" \
	    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
	    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=vm$i" >/dev/null &&
	hvctl_on 1 vm start "vm$i" >/dev/null ||
	    { echo "bench_metrics: vm$i did not start"; exit 1; }
	i=$((i + 1))
done
sleep 15	# the guests boot: the window measures them idle
AUD=$(hvctl_on 1 token create --role audit --comment bench)
get() {
	ip netns exec "$(hvd_ns 1)" curl -s --cacert "$HVD_TMP/n1/tls/ca.pem" \
	    -H "Authorization: Bearer $AUD" "$@" "https://$(hvd_addr 1):8006/metrics"
}
# sampler CPU seconds now
cpu() { get | sed -n 's/^hvd_metrics_sample_seconds_total{[^}]*} //p'; }
c0=$(cpu); t0=$(date +%s.%N)
sleep "$WINDOW"
c1=$(cpu); t1=$(date +%s.%N)
series=$(get | sed -n 's/^hvd_metrics_series{[^}]*} //p')
n=0
: >"$HVD_TMP/lat"
while [ $n -lt 50 ]; do
	get -o /dev/null -w '%{time_total}\n' >>"$HVD_TMP/lat"
	n=$((n + 1))
done
bytes=$(get | wc -c)
echo "bench_metrics: $NVMS VMs, window ${WINDOW} s"
printf '  %-14s %s\n' series "$series"
printf '  %-14s %s\n' sample_pct "$(echo "$c0 $c1 $t0 $t1" | awk '{ printf "%.3f", 100 * ($2 - $1) / ($4 - $3) }')"
printf '  %-14s %s\n' metrics_ms "$(awk '{ print 1000 * $1 }' "$HVD_TMP/lat" | stats %.1f)"
printf '  %-14s %s\n' metrics_bytes "$bytes"
