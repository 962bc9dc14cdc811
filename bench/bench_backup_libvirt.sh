#!/bin/sh
# bench_backup_libvirt: libvirt's push-mode backups (virDomainBackupBegin
# with checkpoints, as scenarios/drivers/libvirt_backup.c takes them) of
# a running 128 MiB guest (TCG) whose data disk is a 1 GiB qcow2 holding
# 100 MiB of random data, RUNS times (default 3), on host1 of a lab of its
# own with libvirt installed by the driver (`hvlab run --platform libvirt
# --scenario install`), measured at host1's console with virsh:
#   full          a full backup of the running VM into a new qcow2
#                 volume, with checkpoint 1 made in the same call
#   incremental   after 10 MiB more (written into the running disk with
#                 QEMU's qemu-io monitor command on the disk's virtio
#                 backend, and seen in checkpoint 1's dirty bitmap in
#                 QEMU), an incremental backup from checkpoint 1 into a
#                 qcow2 backed by the full one
#   restore       the incremental backup's chain copied into a new volume
#                 (virsh vol-create-from: qemu-img convert)
# A backup's time is from `virsh backup-begin` to the job's end (`virsh
# domjobinfo` says None); pause_ms is the backup-begin call (QEMU's
# transaction is inside it: an upper bound of the disks' drain, the
# vCPUs never stop).  Prints one line per run and min/median/max, as
# bench_backup.sh does for hvd.  Needs root, libvirtd, the guest.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
. "$top/bench/lib_stats.sh"
hv=${HVLAB_BIN:-$top/bin/hvlab}
RUNS=${RUNS:-3}
lab=bbl$$
lab=$(echo "$lab" | cut -c1-16)
dir=$(mktemp -d /tmp/hvlab-bbl-XXXXXX) || exit 1

cleanup() {
	"$hv" lab down --lab "$lab" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "bench_backup_libvirt: needs root"; exit 1; }
[ -x "$hv" ] || { echo "bench_backup_libvirt: $hv not built"; exit 1; }
[ -f "$top/build/guest/vmlinux" ] || { echo "bench_backup_libvirt: guest not built (make guest)"; exit 1; }
command -v libvirtd >/dev/null || { echo "bench_backup_libvirt: no libvirtd (make deps)"; exit 1; }

"$hv" lab up -q --lab "$lab" >"$dir/up.log" 2>&1 ||
    { cat "$dir/up.log"; echo "bench_backup_libvirt: lab up"; exit 1; }
"$hv" run --platform libvirt --lab "$lab" --scenario install \
    --out "$dir/setup" >"$dir/setup.log" 2>&1 ||
    { cat "$dir/setup.log"; echo "bench_backup_libvirt: install"; exit 1; }

# What runs at host1's console: the VM, then RUNS rounds, one line each
# "full_s full_pause_ms full_bytes inc_s inc_pause_ms inc_bytes restore_s
# dirty_bytes" (dirty_bytes: checkpoint 1's bitmap before the incremental).
cat >"$dir/host.sh" <<'EOF'
set -eu
G=$1 RUNS=$2
V="virsh -q -c qemu:///system"
I=/var/lib/libvirt/images B=/var/lib/libvirt/backups
now() { date +%s.%N; }
dt() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }
jobwait() { while $V domjobinfo bb1 | grep -q 'Job type: *Unbounded'; do sleep 0.05; done; }
alloc() { qemu-img info --output=json "$1" | sed -n 's/.*"actual-size": *\([0-9]*\).*/\1/p'; }
# dirty CHECKPOINT: bytes its dirty bitmap counts in QEMU (what an
# incremental backup from it copies).
dirty() {
	$V qemu-monitor-command bb1 '{"execute": "query-named-block-nodes", "arguments": {"flat": true}}' |
	    python3 -c 'import json, sys
print(sum(b["count"] for n in json.load(sys.stdin)["return"]
    for b in n.get("dirty-bitmaps", []) if b["name"] == sys.argv[1]))' "$1"
}
mkdir -p "$B"
$V pool-info hvlab-bb >/dev/null 2>&1 || {
	$V pool-create-as hvlab-bb dir --target "$B" >/dev/null; }
qemu-img create -q -f qcow2 "$I/bb-d1.qcow2" 1G
head -c 104857600 /dev/urandom >"$I/bb-rand100"
qemu-io -f qcow2 -c "write -s $I/bb-rand100 0 100M" "$I/bb-d1.qcow2" >/dev/null
rm -f "$I/bb-rand100"
cat >"$I/bb1.xml" <<XML
<domain type='qemu'><name>bb1</name><memory unit='MiB'>128</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type>
<kernel>$G/vmlinux</kernel><initrd>$G/initrd.img</initrd>
<cmdline>console=ttyS0 quiet panic=-1 hvlab.name=bb1</cmdline></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$I/bb-d1.qcow2'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>
XML
$V define "$I/bb1.xml" >/dev/null
$V start bb1 >/dev/null
sleep 10	# booted and idle
r=1
while [ "$r" -le "$RUNS" ]; do
	$V vol-create-as hvlab-bb "bb-f$r.qcow2" 1G --format qcow2 >/dev/null
	$V vol-create-as hvlab-bb "bb-i$r.qcow2" 1G --format qcow2 \
	    --backing-vol "$B/bb-f$r.qcow2" --backing-vol-format qcow2 >/dev/null
	for k in f i; do
		inc=""; [ $k = i ] && inc="<incremental>ck-f$r</incremental>"
		echo "<domainbackup mode='push'>$inc<disks><disk name='vda' backup='yes' type='file'><driver type='qcow2'/><target file='$B/bb-$k$r.qcow2'/></disk></disks></domainbackup>" >"$B/bx-$k.xml"
		echo "<domaincheckpoint><name>ck-$k$r</name><disks><disk name='vda' checkpoint='bitmap'/></disks></domaincheckpoint>" >"$B/ck-$k.xml"
	done
	t0=$(now)
	$V backup-begin bb1 "$B/bx-f.xml" "$B/ck-f.xml" --reuse-external >/dev/null
	t1=$(now); jobwait; t2=$(now)
	fs=$(dt "$t0" "$t2") fp=$(dt "$t0" "$t1") fb=$(alloc "$B/bb-f$r.qcow2")
	# qemu-io -d takes the device that holds the BlockBackend: for
	# virtio-blk that is the backend under the PCI proxy libvirt names
	# virtio-disk0 (the proxy has none).  HMP answers a write made with
	# nothing and a refusal as text, not always with "Error" (a
	# permission conflict), so any answer stops the bench, and the
	# write must show in the checkpoint's bitmap.
	dev=/machine/peripheral/virtio-disk0/virtio-backend
	w=$($V qemu-monitor-command bb1 --hmp \
	    "qemu-io -d $dev \"write -P 0x5$r $((200 + r * 16))M 10M\"")
	[ -z "$w" ] || { echo "the 10 MiB write: $w" >&2; exit 1; }
	db=$(dirty "ck-f$r")
	[ "$db" -ge 10485760 ] || { echo "the 10 MiB write did not land:" \
	    "checkpoint ck-f$r's bitmap counts $db bytes" >&2; exit 1; }
	t0=$(now)
	$V backup-begin bb1 "$B/bx-i.xml" "$B/ck-i.xml" --reuse-external >/dev/null
	t1=$(now); jobwait; t2=$(now)
	is=$(dt "$t0" "$t2") ip=$(dt "$t0" "$t1") ib=$(alloc "$B/bb-i$r.qcow2")
	$V pool-refresh hvlab-bb >/dev/null
	echo "<volume><name>bb-r$r.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>" >"$B/rv.xml"
	t0=$(now)
	$V vol-create-from hvlab-bb "$B/rv.xml" "bb-i$r.qcow2" --inputpool hvlab-bb >/dev/null
	t2=$(now); rs=$(dt "$t0" "$t2")
	echo "$fs $(echo "$fp" | awk '{ print $1 * 1000 }') $fb $is $(echo "$ip" | awk '{ print $1 * 1000 }') $ib $rs $db"
	$V checkpoint-delete bb1 "ck-i$r" >/dev/null
	$V checkpoint-delete bb1 "ck-f$r" >/dev/null
	for v in r i f; do $V vol-delete "bb-$v$r.qcow2" --pool hvlab-bb >/dev/null; done
	r=$((r + 1))
done
$V destroy bb1 >/dev/null
$V undefine bb1 --checkpoints-metadata >/dev/null
$V pool-destroy hvlab-bb >/dev/null
rm -rf "$B" "$I/bb-d1.qcow2" "$I/bb1.xml"
EOF
"$hv" lab exec host1 --lab "$lab" -- sh -c "$(cat "$dir/host.sh")" host.sh \
    "$top/build/guest" "$RUNS" >"$dir/runs.txt" 2>"$dir/host.err" ||
    { cat "$dir/host.err"; echo "bench_backup_libvirt: the rounds at host1"; exit 1; }
n=1
while read -r fs fp fb is ip ib rs db; do
	echo "run $n: full $fs s (call $fp ms, $fb bytes)  incremental $is s" \
	    "(call $ip ms, $ib bytes; bitmap $db bytes)  restore $rs s"
	echo "$fs" >>"$dir/full"; echo "$is" >>"$dir/inc"; echo "$rs" >>"$dir/restore"
	echo "$fp" >>"$dir/pause"; echo "$ip" >>"$dir/pause"
	[ "${ib:-0}" -ge 10485760 ] || echo "run $n: the incremental backup" \
	    "holds less than the 10 MiB written: that write did not land"
	n=$((n + 1))
done <"$dir/runs.txt"
echo "libvirt $(virsh --version 2>/dev/null), 1 GiB disk, 100 MiB random data, +10 MiB per incremental; TCG, $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "full backup s            $(stats '%.2f' <"$dir/full")"
echo "incremental backup s     $(stats '%.2f' <"$dir/inc")"
echo "backup-begin call ms     $(stats '%.1f' <"$dir/pause")"
echo "restore s                $(stats '%.2f' <"$dir/restore")"
