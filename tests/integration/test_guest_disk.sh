#!/bin/sh
# test_guest_disk: VMs that boot from their own disk through hvd (real
# etcd, QEMU, Open vSwitch, tgtd).  build/guest/disk.qcow2 is imported
# through hvd's API (a volume's "source") as a volume of a dir pool (vm
# d1) and onto an iSCSI LUN (vm d2); imports of a path outside
# import_dirs (also through a symlink), of an image with a backing file,
# of a file that is no image and of a corrupt image (the copy fails) are
# refused naming the field and leave no volume, file or LUN taken.  Both VMs
# are created without a kernel and boot SeaBIOS -> syslinux -> kernel from
# the one image, each with its own name and address from its config
# (SMBIOS OEM strings).  The agent writes a file on d1's /data (ext4 on
# the disk) and checksums it; the host finds the same bytes in the volume;
# after a hard stop and a new boot the file is still there with the same
# checksum, on d1 and on d2.  Prints the boot time (vm start -> agent
# answering).
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log "$HVD_TMP"/n1/run/*/*/serial.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
VMTOOL=$HVD_TOP/build/vmtool
[ -f "$G/disk.qcow2" ] || { echo "disk image not built (make guest)"; exit 77; }
[ -x "$VMTOOL" ] || { echo "build/vmtool not built"; exit 77; }
for c in tgtd tgtadm qemu-img sfdisk e2fsck debugfs sha256sum od; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

NET=198.18.249
hvd_setup 1
hvd_san_start 1 128M || fail "SAN (tgtd) did not start"
hvd_start 1 || fail "hvd did not start"
hvd_form_cluster disklab || fail "cluster did not form"
hvd_station st 1 10 "$NET.1/24" || fail "station on VLAN 10"
# TCP to the agent from the station: docs/lab.md "vnet_hdr"
ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"

# agent ADDR REQUEST...: the agent's replies, asked from the station.
agent() { a=$1; shift; ip netns exec "$HVD_P-st" "$G/agentctl" -t 180 "$a" "$@"; }
# sum_of REPLY: the sha256= of an agent "ok bytes=N sha256=HEX" reply.
sum_of() { echo "$1" | sed -n 's/^ok bytes=[0-9]* sha256=\([0-9a-f]\{64\}\)$/\1/p'; }

# Import: hvd copies the image (under import_dirs: build/guest and
# $HVD_TMP/import here) into a new volume of a dir pool and onto the LUN
# behind an iSCSI volume.
mkdir -p "$HVD_TMP/pools/local"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" --node node1 ||
    fail "dir pool"
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" ||
    fail "iSCSI pool"

# Refused imports name the field and leave nothing: no record, no file,
# the pool's only LUN still free (d2 takes it below).
I=$HVD_TMP/import
mkdir -p "$I"
echo "not an image" >"$I/text.qcow2"
qemu-img create -q -f qcow2 -b "$HVD_TMP/n1/hvd.conf" -F raw "$I/back.qcow2" 1M ||
    fail "an image with a backing file"
cp "$G/disk.qcow2" "$I/corrupt.qcow2" || exit 1
# its first L1 entry points at an unaligned L2 table: qemu-img info
# reads the header fine, the copy fails at the first read
l1=$(od -An -tu8 --endian=big -j40 -N8 "$I/corrupt.qcow2" | tr -d ' ')
printf '\200\0\0\0\0\1\2\0' | dd of="$I/corrupt.qcow2" bs=1 seek="$l1" conv=notrunc status=none ||
    fail "corrupt the image's L1 table"
cp "$G/disk.qcow2" "$HVD_TMP/outside.qcow2" || exit 1
ln -s "$HVD_TMP/outside.qcow2" "$I/link.qcow2"
# refused_import FIELD WORDS SOURCE [FORMAT]: an import into pool $p
refused_import() {
	out=$(hvctl_on 1 pool volume-create $p bad --source "$3" ${4:+--source-format $4} 2>&1) &&
	    fail "import of $3 into $p is refused (got: $out)"
	echo "$out" | grep -qF "$1" && echo "$out" | grep -qF "$2" ||
	    fail "import of $3 into $p: the refusal names '$1' and says '$2': $out"
	echo "refused: $out"
}
for p in local san; do
	refused_import source import_dirs "$HVD_TMP/outside.qcow2"
	refused_import source import_dirs "$I/link.qcow2"
	refused_import source "backing file" "$I/back.qcow2"
	refused_import source "not a qcow2 image" "$I/text.qcow2"
	refused_import source_format "qcow2 or raw" "$I/back.qcow2" vmdk
	refused_import source "copy failed" "$I/corrupt.qcow2"
	hvctl_on 1 --json pool show $p | grep -q '"bad"' && fail "a refused import left volume $p/bad"
done
[ -e "$HVD_TMP/pools/local/bad.qcow2" ] && fail "a refused import left its file"

hvctl_on 1 pool volume-create local d1 --source "$G/disk.qcow2" | grep -q "local/d1: 64 MiB" ||
    fail "import the disk image into local/d1 (the image's 64 MiB)"
hvctl_on 1 pool volume-create san d2 --source "$G/disk.qcow2" | grep -q "on LUN 1" ||
    fail "import the disk image onto LUN 1, free again after the refusals"
URI=iscsi://$HVD_SAN_ADDR/$HVD_IQN/1
ip netns exec "$(hvd_ns 1)" qemu-img compare -f qcow2 -F qcow2 "$G/disk.qcow2" "$URI" >/dev/null ||
    fail "LUN 1 holds the image's content"

# No --kernel: the firmware boots the first disk.  The cmdline is the
# VM's own part (name, address); the rest is in the disk's syslinux.cfg.
mkvm() {	# NAME DISK LAST-OCTET
	hvctl_on 1 vm create "$1" --node node1 --memory 128 --nic 10 --disk "$2" \
	    --cmdline "hvlab.name=$1 hvlab.ip=$NET.$3/24" || fail "create $1 without a kernel"
}
mkvm d1 local:d1 10
mkvm d2 san:d2 11
t0=$(date +%s%N)
hvctl_on 1 vm start d1 >/dev/null || fail "start d1"
hvctl_on 1 vm start d2 >/dev/null || fail "start d2"
pid=$(hvctl_on 1 --json vm show d1 | json_field pid)
argv=$(tr '\0' ' ' <"/proc/$pid/cmdline")
case $argv in *" -kernel "*) fail "d1's QEMU gets no -kernel: $argv" ;; esac
echo "$argv" | grep -q -- "-smbios type=11,value=hvlab.name=d1 hvlab.ip=$NET.10/24" ||
    fail "d1's cmdline reaches its firmware as OEM strings: $argv"
echo "$argv" | grep -q -- "bootindex=1" || fail "d1's disk is its boot device: $argv"

st1=$(agent $NET.10 status) || fail "d1's agent answers"
t1=$(date +%s%N)
echo "boot: $(( (t1 - t0) / 1000000 )) ms from vm start to d1's agent answering (TCG, two VMs booting)"
echo "d1: $st1"
echo "$st1" | grep -q '"name":"d1","ip":"'$NET'.10/24"' || fail "d1 knows its own name and address: $st1"
echo "$st1" | grep -q '"data":"/data"' || fail "d1 mounted its data filesystem: $st1"
echo "$st1" | grep -q '"disk":null' || fail "the journal never defaults to the boot disk: $st1"
st2=$(agent $NET.11 status) || fail "d2's agent answers"
echo "$st2" | grep -q '"name":"d2","ip":"'$NET'.11/24"' ||
    fail "d2, from the same image, has its own name and address: $st2"
echo "$st2" | grep -q '"data":"/data"' || fail "d2 mounted its data filesystem: $st2"
grep -q SYSLINUX "$HVD_TMP"/n1/run/*/d1/serial.log ||
    fail "d1 came up through its bootloader (syslinux on its serial port)"

# The image's own file, checksummed in the guest and on the host.
want=$(printf 'kernel=%s\n' "$(cat "$G/kernel.version")" | sha256sum | cut -d' ' -f1)
r=$(agent $NET.10 'file sum /data/hvlab-image')
[ "$(sum_of "$r")" = "$want" ] || fail "/data/hvlab-image reads back as built: $r (want $want)"

w1=$(agent $NET.10 'file write /data/f1 1048576 42') || fail "file write on d1"
s1=$(sum_of "$w1")
[ -n "$s1" ] || fail "file write answers ok with a sha256: $w1"
[ "$(agent $NET.10 'file sum /data/f1')" = "$w1" ] || fail "file sum matches what file write said"
w2=$(agent $NET.11 'file write /data/f2 262144 7') || fail "file write on d2"
s2=$(sum_of "$w2")
[ -n "$s2" ] && [ "$s2" != "$s1" ] || fail "another seed and size, another sum: $w2"
r=$(agent $NET.10 'file write relative 1')
echo "$r" | grep -q "^error file write: PATH must be absolute" || fail "a relative path is refused: $r"

# Hard stop: what the agent acknowledged is on the disk.  The host reads
# the file out of the volume (e2fsck replays ext4's journal on a copy).
hvctl_on 1 vm stop d1 >/dev/null || fail "stop d1"
hvctl_on 1 vm stop d2 >/dev/null || fail "stop d2"
raw=$HVD_TMP/d1.raw
qemu-img convert -O raw "$HVD_TMP/pools/local/d1.qcow2" "$raw" || fail "d1 as raw"
start=$(sfdisk -d "$raw" | sed -n "s|^${raw}2 : start= *\([0-9]*\),.*|\1|p")
[ -n "$start" ] || fail "partition 2 in d1's table: $(sfdisk -d "$raw")"
dd if="$raw" of="$HVD_TMP/d1.p2" bs=512 skip="$start" status=none || fail "extract partition 2"
e2fsck -fy "$HVD_TMP/d1.p2" >/dev/null 2>&1
[ $? -le 1 ] || fail "d1's ext4 is sound after a hard stop"
debugfs -R "dump /f1 $HVD_TMP/f1" "$HVD_TMP/d1.p2" >/dev/null 2>&1
[ "$(sha256sum <"$HVD_TMP/f1" | cut -d' ' -f1)" = "$s1" ] ||
    fail "the host reads the bytes the agent wrote and summed from d1's volume"
rm -f "$raw" "$HVD_TMP/d1.p2" "$HVD_TMP/f1"

# A new boot finds the files.
hvctl_on 1 vm start d1 >/dev/null || fail "start d1 again"
hvctl_on 1 vm start d2 >/dev/null || fail "start d2 again"
r=$(agent $NET.10 'file sum /data/f1') || fail "d1's agent answers after the new boot"
[ "$(sum_of "$r")" = "$s1" ] || fail "d1's file has the same checksum after a hard stop and a boot: $r"
r=$(agent $NET.11 'file sum /data/f2') || fail "d2's agent answers after the new boot"
[ "$(sum_of "$r")" = "$s2" ] || fail "d2's file (on its LUN) survives a hard stop and a boot: $r"
agent $NET.10 status | grep -q '"name":"d1"' || fail "d1 is still d1"
for v in d1 d2; do hvctl_on 1 vm stop $v >/dev/null || fail "stop $v"; done
echo PASS
