#!/bin/sh
# test_hvd_io: VM export and import through hvd's API (real etcd, QEMU,
# qemu-img, Open vSwitch, tgtd).  A stopped VM made from the bootable
# guest disk is exported in every disk format, as an OVA and as an OVF
# (NAME.ovf, NAME.mf, NAME-disk0.vmdk) into the node's export_dirs; each file imports back as a new VM whose volume
# holds the same image (qemu-img compare), and an XVA made by
# tools/mkxva.py imports too.  Two imports boot to their agent
# answering with their own name: a VHDX onto an iSCSI LUN, the OVA on a
# dir pool.  Refused with the field named and nothing left (no volume,
# LUN, VM record or work file): paths outside export_dirs/import_dirs,
# an existing target, an unknown format, a taken name, a running VM's
# export; and, as failed tasks, an OVA with a member "../evil", an OVA
# with one byte changed, a file that is not the format it is said to be,
# a qcow2 whose copy fails after its volume (a LUN) was made; an OVF
# whose href is "../", whose disk is missing, whose disk has a byte
# changed (its manifest says otherwise), whose disk is a symlink out of
# its directory.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log "$HVD_TMP"/n1/run/*/*/serial.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
VMTOOL=$HVD_TOP/build/vmtool
[ -f "$G/disk.qcow2" ] && [ -f "$G/disk.img" ] || { echo "disk image not built (make guest)"; exit 77; }
[ -x "$VMTOOL" ] || { echo "build/vmtool not built"; exit 77; }
for c in tgtd tgtadm qemu-img python3 tar; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

NET=198.18.248
hvd_setup 1
I=$HVD_TMP/import
mkdir -p "$I" "$HVD_TMP/pools/local" "$HVD_TMP/outside"
echo "export_dirs = $I" >>"$HVD_TMP/n1/hvd.conf"
hvd_san_start 1 128M || fail "SAN (tgtd) did not start"
hvd_start 1 || fail "hvd did not start"
hvd_form_cluster iolab || fail "cluster did not form"
hvd_station st 1 10 "$NET.1/24" || fail "station on VLAN 10"
ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" --node node1 ||
    fail "dir pool"
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" ||
    fail "iSCSI pool"
hvctl_on 1 pool volume-create local src-d0 --source "$G/disk.qcow2" >/dev/null ||
    fail "the source VM's volume"
hvctl_on 1 vm create src --node node1 --memory 128 --vcpus 1 --nic 10 \
    --disk local:src-d0 --cmdline "hvlab.name=src hvlab.ip=$NET.9/24" || fail "vm src"

# nothing_left NAME: no VM NAME, no volume NAME-disk*, no work files,
# the LUN free.
nothing_left() {
	hvctl_on 1 vm status "$1" >/dev/null 2>&1 && fail "a failed import left VM $1"
	hvctl_on 1 --json pool show local | grep -q "\"$1-disk" && fail "a failed import left a volume of $1 on local"
	hvctl_on 1 --json pool show san | grep -q "\"$1-disk" && fail "a failed import left a volume of $1 on san"
	ls "$HVD_TMP/pools/local" | grep -q "^$1-" && fail "a failed import left a file in the pool"
	[ -z "$(ls -A "$HVD_TMP/n1/state/io" 2>/dev/null)" ] || fail "a work directory stays: $(ls -A "$HVD_TMP/n1/state/io")"
	[ -z "$(ls -A "$I" | grep '^\.')" ] || fail "a hidden temporary file stays in $I: $(ls -A "$I")"
}
# task_fails WORDS -- HVCTL ARGS: a task that fails saying WORDS.
task_fails() {
	w=$1; shift 2
	out=$(hvctl_on 1 "$@" 2>&1) && fail "refused: $* (got: $out)"
	echo "$out" | grep -qF -- "$w" || fail "the failure of $* says '$w': $out"
	echo "failed as it should: $(echo "$out" | tail -n 1)"
}

# Requests refused before any task: the field named.
hvd_refused 400 path POST /api/v1/vms/src/export "{\"format\": \"qcow2\", \"path\": \"$HVD_TMP/outside/x.qcow2\"}"
echo "$out" | grep -q export_dirs || fail "the refusal names export_dirs: $out"
hvd_refused 400 format POST /api/v1/vms/src/export "{\"format\": \"xva\", \"path\": \"$I/x.xva\"}"
hvd_refused 400 path POST /api/v1/vms/src/export "{\"format\": \"raw\", \"path\": \"$I/../outside/x\"}"
hvd_refused 400 colour POST /api/v1/vms/src/export "{\"format\": \"raw\", \"path\": \"$I/x\", \"colour\": 1}"
hvd_refused 404 - POST /api/v1/vms/nosuch/export "{\"format\": \"raw\", \"path\": \"$I/x\"}"
cp "$G/disk.qcow2" "$HVD_TMP/outside/o.qcow2"
hvd_refused 400 path POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$HVD_TMP/outside/o.qcow2\", \"name\": \"o\", \"pool\": \"local\"}"
ln -s "$HVD_TMP/outside/o.qcow2" "$I/link.qcow2"
hvd_refused 400 path POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$I/link.qcow2\", \"name\": \"o\", \"pool\": \"local\"}"
rm -f "$I/link.qcow2"
hvd_refused 400 pool POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$G/disk.qcow2\", \"name\": \"o\", \"pool\": \"nosuch\"}"
hvd_refused 409 name POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$G/disk.qcow2\", \"name\": \"src\", \"pool\": \"local\"}"
hvd_refused 400 name POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$G/disk.qcow2\", \"name\": \"-x\", \"pool\": \"local\"}"
hvd_refused 400 vcpus POST /api/v1/vms/import "{\"format\": \"qcow2\", \"path\": \"$G/disk.qcow2\", \"name\": \"o\", \"pool\": \"local\", \"vcpus\": 0}"

# Every disk format and the OVA: out, back in, the same image.
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }
echo "format       export ms  import ms  bytes"
for f in raw qcow2 vmdk vmdk-stream vhd vhd-fixed vhdx ova ovf; do
	t0=$(now)
	hvctl_on 1 vm export src -f $f "$I/src.$f" >/dev/null || fail "export src as $f"
	te=$(ms "$t0"); t0=$(now)
	vn=$(echo "i$f" | tr -d -)
	hvctl_on 1 vm import "$I/src.$f" "$vn" -f $f --pool local >/dev/null || fail "import src.$f as $vn"
	ti=$(ms "$t0")
	b=$(stat -c %s "$I/src.$f")
	[ $f = ovf ] && b=$(cat "$I/src.ovf" "$I/src.mf" "$I/src-disk0.vmdk" | wc -c)
	printf '%-12s %9s %10s  %s\n' $f "$te" "$ti" "$b"
	qemu-img compare -q -f qcow2 -F qcow2 "$G/disk.qcow2" "$HVD_TMP/pools/local/$vn-disk0.qcow2" ||
	    fail "the $f round trip gives the same image"
done
tar tf "$I/src.ova" | tr '\n' ' ' | grep -q "^src.ovf src.mf src-disk0.vmdk $" ||
    fail "the OVA holds src.ovf, src.mf, src-disk0.vmdk: $(tar tf "$I/src.ova")"
[ -f "$I/src.mf" ] && [ -f "$I/src-disk0.vmdk" ] ||
    fail "the OVF export wrote src.mf and src-disk0.vmdk beside src.ovf: $(ls "$I")"
hvctl_on 1 --json vm config iovf | tr -d '\n\t ' | grep -q '"vlan":10' ||
    fail "the OVF carried the VM's NIC on VLAN 10"
hvctl_on 1 --json vm config iova | tr -d '\n\t ' | grep -q '"vlan":10' ||
    fail "the OVA carried the VM's NIC on VLAN 10: $(hvctl_on 1 --json vm config iova)"
hvd_refused 409 path POST /api/v1/vms/src/export "{\"format\": \"raw\", \"path\": \"$I/src.raw\"}"

# An XVA by the published layout.
python3 "$HVD_TOP/tools/mkxva.py" --name x1 --network vlan10 "$G/disk.img" "$I/x1.xva" ||
    fail "mkxva"
hvctl_on 1 vm import "$I/x1.xva" ixva -f xva --pool local >/dev/null || fail "import the XVA"
qemu-img compare -q -f qcow2 -F qcow2 "$G/disk.qcow2" "$HVD_TMP/pools/local/ixva-disk0.qcow2" ||
    fail "the XVA imports to the same image"

# Two imports boot: the VHDX onto a LUN, the OVA on the dir pool.
hvctl_on 1 vm import "$I/src.vhdx" lvhdx -f vhdx --pool san --memory 128 >/dev/null ||
    fail "import the VHDX onto a LUN"
# words VM OCTET: its own name and address (the VHDX carried no NIC)
words() {
	hvctl_on 1 --json vm config "$1" | python3 -c "import json,sys; c=json.load(sys.stdin); c['cmdline']='hvlab.name=$1 hvlab.ip=$NET.$2/24'; c['nics']=[{'vlan':10}]; print(json.dumps(c))" >"$HVD_TMP/$1.json" &&
	    hvctl_on 1 vm config "$1" --set "$HVD_TMP/$1.json" >/dev/null
}
words lvhdx 21 || fail "lvhdx's words"
words iova 22 || fail "iova's words"
hvctl_on 1 vm start lvhdx >/dev/null || fail "start lvhdx"
hvctl_on 1 vm start iova >/dev/null || fail "start iova"
for v in lvhdx:21 iova:22; do
	st=$(ip netns exec "$HVD_P-st" "$G/agentctl" -t 180 "$NET.${v#*:}" status) ||
	    fail "${v%:*}'s agent answers"
	echo "$st" | grep -q "\"name\":\"${v%:*}\"" || fail "${v%:*} boots as itself: $st"
	echo "${v%:*} booted: $st"
done
hvd_refused 409 - POST /api/v1/vms/iova/export "{\"format\": \"raw\", \"path\": \"$I/running.raw\"}"
echo "$out" | grep -q "stop it" || fail "a running VM's export says to stop it: $out"
[ ! -e "$I/running.raw" ] || fail "a refused export wrote its file"
hvctl_on 1 vm stop lvhdx >/dev/null
hvctl_on 1 vm delete lvhdx >/dev/null || fail "delete lvhdx"
hvctl_on 1 pool volume-delete san lvhdx-disk0 || fail "free the LUN"

# Hostile packages and lies fail as tasks, with nothing left.
python3 - "$I/src.ova" "$I/evil.ova" <<'PY' || fail "make evil.ova"
import sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t, tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as o:
    for m in t.getmembers():
        data = t.extractfile(m)
        if m.name.endswith(".vmdk"):
            m.name = "../evil.vmdk"
        o.addfile(m, data)
PY
task_fails ".." -- vm import "$I/evil.ova" evil -f ova --pool san
nothing_left evil
cp "$I/src.ova" "$I/flip.ova"
sz=$(stat -c %s "$I/flip.ova")
printf 'Z' | dd of="$I/flip.ova" bs=1 seek=$((sz / 2)) conv=notrunc status=none
cmp -s "$I/src.ova" "$I/flip.ova" && fail "flip.ova differs from src.ova"
task_fails "does not match" -- vm import "$I/flip.ova" flip -f ova --pool san
nothing_left flip
task_fails "vmdk" -- vm import "$I/src.raw" liar -f vmdk --pool san
nothing_left liar
# ovf_copy DIR: the exported OVF's three files into $I/DIR.
ovf_copy() {
	mkdir "$I/$1" && cp "$I/src.ovf" "$I/src.mf" "$I/src-disk0.vmdk" "$I/$1/"
}
ovf_copy odd || fail "copy the OVF"
sed -i 's|ovf:href="src-disk0.vmdk"|ovf:href="../src-disk0.vmdk"|' "$I/odd/src.ovf"
grep -q 'href="\.\./src-disk0.vmdk"' "$I/odd/src.ovf" || fail "odd/src.ovf names ../"
task_fails '"../src-disk0.vmdk" is in a directory' -- vm import "$I/odd/src.ovf" odd -f ovf --pool san
nothing_left odd
ovf_copy omiss && rm "$I/omiss/src-disk0.vmdk" || fail "omiss"
task_fails '"src-disk0.vmdk" is not beside it' -- vm import "$I/omiss/src.ovf" omiss -f ovf --pool san
nothing_left omiss
ovf_copy oflip || fail "oflip"
printf 'Z' | dd of="$I/oflip/src-disk0.vmdk" bs=1 seek=4096 conv=notrunc status=none
task_fails "does not match the manifest" -- vm import "$I/oflip/src.ovf" oflip -f ovf --pool san
nothing_left oflip
ovf_copy olink && mv "$I/olink/src-disk0.vmdk" "$HVD_TMP/outside/" &&
    ln -s "$HVD_TMP/outside/src-disk0.vmdk" "$I/olink/src-disk0.vmdk" || fail "olink"
task_fails "is a symbolic link" -- vm import "$I/olink/src.ovf" olink -f ovf --pool san
nothing_left olink
# A failure after the volume was made (its copy reads a broken L2
# table): the volume goes again and frees its LUN.
cp "$G/disk.qcow2" "$I/corrupt.qcow2"
l1=$(od -An -tu8 --endian=big -j40 -N8 "$I/corrupt.qcow2" | tr -d ' ')
printf '\200\0\0\0\0\1\2\0' | dd of="$I/corrupt.qcow2" bs=1 seek="$l1" conv=notrunc status=none
task_fails "copy" -- vm import "$I/corrupt.qcow2" broken -f qcow2 --pool san
nothing_left broken
hvctl_on 1 vm import "$I/src.qcow2" last -f qcow2 --pool san >/dev/null ||
    fail "the LUN is free for another import after the failures"
echo "PASS"
