#!/bin/sh
# bench_clone: clone figures of hvd over RUNS clones (default 10) of each
# kind, on one single-node cluster in network namespaces
# (tests/integration/hvd_lib.sh) with a dir pool and an iSCSI pool (tgtd,
# sparse LUN files).  The templates have a 1 GiB qcow2 disk with 64 MiB of
# data written in it, and one NIC.
#   linked_s        hvctl vm clone TEMPLATE NEW on the dir pool, wall time
#                   (API call, qemu-img create -b, etcd records)
#   linked_bytes    the linked clone's disk file before its first boot,
#                   as allocated on the host (du)
#   lun_linked_s    the same on the iSCSI pool (a LUN taken in etcd,
#                   qemu-img create over libiscsi)
#   lun_linked_bytes  the qcow2 image on the LUN before its first boot
#                   (qemu-img check: image end offset)
#   full_s          hvctl vm clone TEMPLATE NEW --full on the dir pool
#                   (qemu-img convert of the 64 MiB of data)
#   full_bytes      that clone's disk file, as allocated on the host (du)
# Prints one line per run and medians.  Needs root, etcd, OVS, QEMU,
# qemu-img, tgtd, the guest.
HVLAB_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
HVD_OVS=1
. "$HVLAB_TOP/tests/integration/hvd_lib.sh"

RUNS=${RUNS:-10}
G=$HVD_TOP/build/guest
now() { date +%s.%N; }
sub() { echo "$1 $2" | awk '{printf "%.3f", $1 - $2}'; }
. "$HVLAB_TOP/bench/lib_stats.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench_clone: needs root"; exit 0; }
[ -f "$G/vmlinux" ] || { echo "bench_clone: guest not built (make guest)"; exit 0; }
for c in qemu-img qemu-io tgtd tgtadm; do
	command -v $c >/dev/null || { echo "bench_clone: $c missing"; exit 0; }
done
out=$(mktemp -d /tmp/hvt-clone-bench.XXXXXX)
cols="linked_s linked_bytes lun_linked_s lun_linked_bytes full_s full_bytes"

# template NAME POOL VOLUME: a 1 GiB volume with 64 MiB of data, a VM on
# it, made a template.  Prints nothing; fails like its commands.
template() {
	hvctl_on 1 pool volume-create "$2" "$3" --size-mib 1024 >/dev/null || return 1
	hvctl_on 1 vm create "$1" --memory 128 --nic 0 --disk "$2:$3" \
	    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
	    --cmdline "console=ttyS0 quiet" >/dev/null || return 1
	hvctl_on 1 vm template "$1" >/dev/null
}

(
hvd_setup 1
hvd_san_start $((RUNS + 1)) 1100M || exit 1
hvd_start 1 || exit 1
hvd_form_cluster bench >/dev/null || exit 1
P=$HVD_TMP/pools/local
U=iscsi://$HVD_SAN_ADDR/$HVD_IQN
mkdir -p "$P"
hvctl_on 1 pool create local --type dir --path "$P" >/dev/null || exit 1
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" \
    --target "$HVD_IQN" >/dev/null || exit 1
template tmpl local base || exit 1
qemu-io -f qcow2 -c "write -P 0xa5 0 64M" "$P/base.qcow2" >/dev/null || exit 1
template tmpl2 san sbase || exit 1
ip netns exec "$(hvd_ns 1)" qemu-io -f qcow2 -c "write -P 0xa5 0 64M" \
    "$U/1" >/dev/null || exit 1
r=1
while [ "$r" -le "$RUNS" ]; do
	t0=$(now)
	hvctl_on 1 vm clone tmpl "lc$r" >/dev/null || exit 1
	t1=$(now)
	lb=$(du -B1 "$P/lc$r-disk0.qcow2" | cut -f1)
	t2=$(now)
	hvctl_on 1 vm clone tmpl2 "ls$r" >/dev/null || exit 1
	t3=$(now)
	lun=$(hvctl_on 1 --json pool show san | tr -d '\n\t ' |
	    sed -n "s/.*\"name\":\"ls$r-disk0\"[^}]*\"lun\":\([0-9]*\).*/\1/p")
	sb=$(ip netns exec "$(hvd_ns 1)" qemu-img check -f qcow2 "$U/$lun" |
	    sed -n 's/^Image end offset: //p')
	t4=$(now)
	hvctl_on 1 vm clone tmpl "fc$r" --full >/dev/null || exit 1
	t5=$(now)
	fb=$(du -B1 "$P/fc$r-disk0.qcow2" | cut -f1)
	echo "$(sub $t1 $t0) $lb $(sub $t3 $t2) ${sb:--} $(sub $t5 $t4) $fb"
	r=$((r + 1))
done
) >"$out/runs" 2>/dev/null
if [ ! -s "$out/runs" ]; then
	echo "bench_clone: the setup failed"
	rm -rf "$out"
	exit 1
fi
r=1
while read -r line; do
	echo "run $r: $cols = $line"
	r=$((r + 1))
done <"$out/runs"
echo "medians over $((r - 1)) runs:"
i=1
for name in $cols; do
	printf '  %-18s %s\n' "$name" "$(awk -v c=$i '$c != "-" {print $c}' "$out/runs" | median '%.10g')"
	i=$((i + 1))
done
rm -rf "$out"
