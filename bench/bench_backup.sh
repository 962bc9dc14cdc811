#!/bin/sh
# bench_backup: hvd's backups of a running 128 MiB guest (TCG) whose data
# disk is a 1 GiB qcow2 (dir pool) holding 100 MiB of random data, RUNS
# times (default 3) on a 1-node cluster (tests/integration/hvd_lib.sh):
#   full          a full backup of the running VM
#   incremental   after 10 MiB more random data (written with qemu-io
#                 while the VM is stopped, then started again), an
#                 incremental backup of the running VM
#   restore       the incremental backup restored to a new VM (its chain
#                 converted into a new volume)
# Times are the backup's own (manifest started -> finished) and the
# restore task's restore_s; pause_ms is what the guest saw (the QMP
# transaction that starts the jobs).  Prints one line per run and
# min/median/max.  Needs root, etcd, QEMU, qemu-storage-daemon, the guest.
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"
. "$HVLAB_TOP/bench/lib_stats.sh"

RUNS=${RUNS:-3}
G=$HVD_TOP/build/guest
jnum() { sed -n "s/.*\"$1\":[[:space:]]*\([0-9.]*\).*/\1/p" | head -n 1; }
bid() { grep -o '"id":[[:space:]]*"vzdump-qemu-[^"]*"' | head -n 1 | grep -o 'vzdump-qemu-[^"]*'; }
# took ID: the backup's own time, from its manifest's started and finished.
took() {
	m=$HVD_TMP/pools/bk/$1/manifest.json
	secs "$(sed -n 's/.*"started":[[:space:]]*"\([^"]*\)".*/\1/p' "$m")" \
	    "$(sed -n 's/.*"finished":[[:space:]]*"\([^"]*\)".*/\1/p' "$m")"
}
# secs START FINISHED: the seconds between two of hvd's UTC times.
secs() { echo "$(date -d "$1" +%s.%N) $(date -d "$2" +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }'; }

[ "$(id -u)" -eq 0 ] || { echo "bench_backup: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_backup: guest not built (make guest)"; exit 0; }
command -v qemu-storage-daemon >/dev/null || { echo "bench_backup: no qemu-storage-daemon"; exit 0; }
res=$(mktemp -d /tmp/hvt-hvd-bench.XXXXXX)
(
die() { echo "bench_backup: $*"; exit 1; }
hvd_setup 1
hvd_start 1 || die "hvd did not start"
hvd_form_cluster bench >/dev/null || die "no cluster"
mkdir -p "$HVD_TMP/pools/local" "$HVD_TMP/pools/bk"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" >/dev/null &&
    hvctl_on 1 pool volume-create local d1 --size-mib 1024 >/dev/null &&
    hvctl_on 1 backup store-create bk --path "$HVD_TMP/pools/bk" >/dev/null ||
    die "pool, volume or store"
D1=$HVD_TMP/pools/local/d1.qcow2
head -c 104857600 /dev/urandom >"$HVD_TMP/rand100"
head -c 10485760 /dev/urandom >"$HVD_TMP/rand10"
qemu-io -f qcow2 -c "write -s $HVD_TMP/rand100 0 100M" "$D1" >/dev/null ||
    die "100 MiB into d1"
hvctl_on 1 api POST /api/v1/vms "{\"name\": \"b1\", \"memory_mib\": 128,
    \"kernel\": \"$G/vmlinux\", \"initrd\": \"$G/initrd.img\",
    \"cmdline\": \"console=ttyS0 quiet panic=-1 hvlab.name=b1\",
    \"disks\": [{\"pool\": \"local\", \"volume\": \"d1\"}]}" >/dev/null ||
    die "VM b1"
boot() {
	rm -f "$HVD_TMP/n1/run/vms/b1/serial.log"
	hvctl_on 1 vm start b1 >/dev/null 2>&1 || return 1
	t=0
	until grep -q "HVLAB-GUEST READY" "$HVD_TMP/n1/run/vms/b1/serial.log" 2>/dev/null; do
		t=$((t + 1)); [ $t -lt 600 ] || return 1; sleep 0.1
	done
	sleep 3	# idle
}
boot || die "b1 did not boot"
r=1
while [ "$r" -le "$RUNS" ]; do
	f=$(hvctl_on 1 --json backup create b1 --store bk --mode full 2>/dev/null)
	fid=$(echo "$f" | bid)
	fs=$(took "$fid")
	hvctl_on 1 vm stop b1 >/dev/null 2>&1
	qemu-io -f qcow2 -c "write -s $HVD_TMP/rand10 $((200 + r * 16))M 10M" "$D1" >/dev/null
	boot || die "b1 did not boot again"
	i=$(hvctl_on 1 --json backup create b1 --store bk --mode incremental 2>/dev/null)
	iid=$(echo "$i" | bid)
	is=$(took "$iid")
	x=$(hvctl_on 1 --json backup restore bk "$iid" --name "rr$r" --pool local 2>/dev/null)
	rs=$(echo "$x" | jnum restore_s)
	fb=$(stat -c %s "$HVD_TMP/pools/bk/$fid/disk0.qcow2" 2>/dev/null)
	ib=$(stat -c %s "$HVD_TMP/pools/bk/$iid/disk0.qcow2" 2>/dev/null)
	echo "run $r: full ${fs:-?} s (pause $(echo "$f" | jnum pause_ms) ms, $fb bytes)" \
	    " incremental ${is:-?} s (pause $(echo "$i" | jnum pause_ms) ms, $ib bytes)" \
	    " restore ${rs:-?} s"
	echo "$fs" >>"$res/full"; echo "$is" >>"$res/inc"; echo "$rs" >>"$res/restore"
	echo "$f" | jnum pause_ms >>"$res/pause"; echo "$i" | jnum pause_ms >>"$res/pause"
	hvctl_on 1 vm delete "rr$r" >/dev/null 2>&1
	hvctl_on 1 pool volume-delete local "rr$r-disk0" >/dev/null 2>&1
	hvctl_on 1 backup delete bk "$iid" >/dev/null 2>&1
	hvctl_on 1 backup delete bk "$fid" >/dev/null 2>&1
	r=$((r + 1))
done
hvctl_on 1 vm stop b1 >/dev/null 2>&1
)
echo "1 GiB disk, 100 MiB random data, +10 MiB per incremental; TCG, $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "full backup s         $(stats '%.2f' <"$res/full")"
echo "incremental backup s  $(stats '%.2f' <"$res/inc")"
echo "guest pause_ms        $(stats '%.1f' <"$res/pause")"
echo "restore s             $(stats '%.2f' <"$res/restore")"
rm -rf "$res"
