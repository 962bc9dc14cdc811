#!/bin/sh
# bench_snapshot: how long a snapshot pauses an idle 128 MiB guest under
# hvd (TCG), from QEMU's STOP and RESUME events as the task's result gives
# them (pause_ms), RUNS times (default 5) for each of three disks on a
# 1-node cluster (tests/integration/hvd_lib.sh):
#   dir        a qcow2 file in a dir pool, cache=none (hvd's default)
#   dir-wb     the same with cache=writeback
#   lun        a qcow2 on an iSCSI LUN (tgtd), cache=none
# Each run takes a disk-only snapshot, then one with RAM, then deletes
# both (the VM keeps running).  Prints one line per snapshot and, per
# disk, min/median/max of each and the RAM state's size.  Needs root,
# etcd, tgtd, QEMU, the guest image.
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"
. "$HVLAB_TOP/bench/lib_stats.sh"

RUNS=${RUNS:-5}
G=$HVD_TOP/build/guest
jnum() { sed -n "s/.*\"$1\":[[:space:]]*\([0-9.]*\).*/\1/p" | head -n 1; }

[ "$(id -u)" -eq 0 ] || { echo "bench_snapshot: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_snapshot: guest not built (make guest)"; exit 0; }
command -v tgtd >/dev/null || { echo "bench_snapshot: no tgtd"; exit 0; }
res=$(mktemp -d /tmp/hvt-hvd-bench.XXXXXX)
(
hvd_setup 1
hvd_san_start 1 1G || exit 1
hvd_start 1 || exit 1
hvd_form_cluster bench >/dev/null || exit 1
mkdir -p "$HVD_TMP/pools/local"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" >/dev/null &&
    hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" \
    --target "$HVD_IQN" >/dev/null &&
    hvctl_on 1 pool volume-create local d1 --size-mib 64 >/dev/null &&
    hvctl_on 1 pool volume-create local d2 --size-mib 64 >/dev/null &&
    hvctl_on 1 pool volume-create san l1 >/dev/null || exit 1
# bench_vm KIND POOL VOLUME CACHE
bench_vm() {
	hvctl_on 1 api POST /api/v1/vms "{\"name\": \"$1\", \"memory_mib\": 128,
	    \"kernel\": \"$G/vmlinux\", \"initrd\": \"$G/initrd.img\",
	    \"cmdline\": \"console=ttyS0 quiet panic=-1 hvlab.name=$1\",
	    \"disks\": [{\"pool\": \"$2\", \"volume\": \"$3\", \"cache\": \"$4\"}]}" \
	    >/dev/null || return 1
	hvctl_on 1 vm start "$1" >/dev/null 2>&1 || return 1
	t=0
	until grep -q "HVLAB-GUEST READY" "$HVD_TMP/n1/run/vms/$1/serial.log" 2>/dev/null; do
		t=$((t + 1)); [ $t -lt 600 ] || return 1; sleep 0.1
	done
	sleep 3	# idle
	r=1
	while [ "$r" -le "$RUNS" ]; do
		d=$(hvctl_on 1 --json snapshot create "$1" "d$r" 2>/dev/null | jnum pause_ms)
		m=$(hvctl_on 1 --json snapshot create "$1" "m$r" --ram 2>/dev/null)
		echo "$1 run $r: disk-only pause_ms ${d:-?}  with RAM pause_ms" \
		    "$(echo "$m" | jnum pause_ms) (vmstate $(echo "$m" | jnum vmstate_bytes) bytes)"
		echo "$d" >>"$res/$1.disk"
		echo "$m" | jnum pause_ms >>"$res/$1.ram"
		echo "$m" | jnum vmstate_bytes >>"$res/$1.vmstate"
		hvctl_on 1 snapshot delete "$1" "m$r" >/dev/null 2>&1
		hvctl_on 1 snapshot delete "$1" "d$r" >/dev/null 2>&1
		r=$((r + 1))
	done
	hvctl_on 1 vm stop "$1" >/dev/null 2>&1
}
bench_vm dir local d1 none || echo "dir: failed"
bench_vm dir-wb local d2 writeback || echo "dir-wb: failed"
bench_vm lun san l1 none || echo "lun: failed"
)
echo "idle 128 MiB guest, TCG, $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in dir dir-wb lun; do
	[ -f "$res/$k.ram" ] || continue
	echo "$k: disk-only pause_ms $(stats '%.1f' <"$res/$k.disk")"
	echo "$k: with RAM  pause_ms $(stats '%.1f' <"$res/$k.ram")" \
	    " vmstate $(median '%.0f' <"$res/$k.vmstate") bytes"
done
rm -rf "$res"
