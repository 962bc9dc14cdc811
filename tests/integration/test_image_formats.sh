#!/bin/sh
# test_image_formats: the import/export formats on the bootable guest
# disk (build/guest/disk.qcow2), through hvctl image and qemu-img.  The
# disk converted to each format (raw, qcow2, vmdk, vmdk-stream, vhd,
# vhd-fixed, vhdx) and back is the same image (qemu-img compare); an OVA
# exported from it has the descriptor first, its manifest second and
# digests sha256sum agrees with, and imports back to the same image; an
# XVA built by tools/mkxva.py (XXH64 chunks, and SHA-1 chunks) imports to
# the same image; a package with one byte changed, or an import into an
# existing directory, is refused and leaves nothing.  Prints the time and
# size per format.
. "$(dirname "$0")/lib_check.sh"
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
need_cmds qemu-img python3 sha256sum tar xmllint
G=$top/build/guest/disk.qcow2
HVCTL=$top/bin/hvctl
[ -f "$G" ] || { echo "disk image not built (make guest)"; exit 77; }
T=$(mktemp -d /tmp/test-image-formats.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

same() { qemu-img compare -q -f qcow2 -F "$2" "$G" "$1"; }
now() { date +%s%N; }
ms() { echo $(( ($(now) - $1) / 1000000 )); }

echo "format       out ms  back ms  size bytes"
for f in raw qcow2 vmdk vmdk-stream vhd vhd-fixed vhdx; do
	t0=$(now)
	"$HVCTL" image convert -f qcow2 -O "$f" "$G" "$T/disk.$f" ||
	    { bad "qcow2 -> $f"; continue; }
	t1=$(ms "$t0"); t0=$(now)
	"$HVCTL" image convert -f "$f" -O qcow2 "$T/disk.$f" "$T/back-$f.qcow2" ||
	    { bad "$f -> qcow2"; continue; }
	t2=$(ms "$t0")
	printf '%-12s %6s %8s  %s\n' "$f" "$t1" "$t2" "$(stat -c %s "$T/disk.$f")"
	check "the guest disk through $f and back is the same image" \
	    same "$T/back-$f.qcow2" qcow2
	rm -f "$T/disk.$f" "$T/back-$f.qcow2"
done

# OVA: a directory of the import layout, exported and imported back.
mkdir "$T/vm"
"$HVCTL" image convert -f qcow2 -O qcow2 "$G" "$T/vm/disk0.qcow2" || bad "copy"
size=$(qemu-img info --output=json -f qcow2 "$G" |
    sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')
printf '{"name": "g1", "vcpus": 1, "memory_mib": 128, "disks": [{"file": '\
'"disk0.qcow2", "format": "qcow2", "capacity": %s}], "nics": [{"network": '\
'"vlan10", "model": ""}]}\n' "$size" >"$T/vm/vm.json"
t0=$(now)
"$HVCTL" image export-ova "$T/vm" "$T/g1.ova" || bad "export-ova"
echo "export-ova: $(ms "$t0") ms, $(stat -c %s "$T/g1.ova") bytes"
check "the OVA holds g1.ovf, g1.mf, g1-disk0.vmdk in this order" \
    test "$(tar tf "$T/g1.ova" | tr '\n' ' ')" = "g1.ovf g1.mf g1-disk0.vmdk "
mkdir "$T/x" && tar -C "$T/x" -xf "$T/g1.ova"
check "sha256sum agrees with the manifest" \
    sh -c "cd '$T/x' && sed 's/^SHA256(\(.*\))= \(.*\)$/\2  \1/' g1.mf | sha256sum -c"
check "the OVF descriptor is well-formed XML" xmllint --noout --nonet "$T/x/g1.ovf"
t0=$(now)
"$HVCTL" image import-ova "$T/g1.ova" "$T/imp-ova" || bad "import-ova"
echo "import-ova: $(ms "$t0") ms"
check "the OVA imports back to the same image" same "$T/imp-ova/disk0.qcow2" qcow2
check "the imported VM keeps its network" grep -q '"vlan10"' "$T/imp-ova/vm.json"

# XVA from tools/mkxva.py, with XXH64 and with SHA-1 chunk checksums.
qemu-img convert -f qcow2 -O raw "$G" "$T/disk.raw"
for kind in xxhash sha1; do
	opt=; [ "$kind" = sha1 ] && opt=--sha1
	python3 "$top/tools/mkxva.py" $opt --name xen1 --network vlan10 \
	    "$T/disk.raw" "$T/g-$kind.xva" || bad "mkxva $kind"
	t0=$(now)
	"$HVCTL" image import-xva "$T/g-$kind.xva" "$T/imp-$kind" ||
	    bad "import-xva ($kind)"
	echo "import-xva ($kind): $(ms "$t0") ms, $(tar tf "$T/g-$kind.xva" |
	    grep -c '/[0-9]*$') chunks"
	check "the XVA ($kind) imports to the same image" same "$T/imp-$kind/disk0.qcow2" qcow2
done

# Refusals: one byte of the disk member changed; an existing directory.
cp "$T/g1.ova" "$T/bad.ova"
off=$(python3 -c 'import sys, tarfile
m = tarfile.open(sys.argv[1]).getmember("g1-disk0.vmdk")
print(m.offset_data + m.size // 2)' "$T/bad.ova")
printf 'X' | dd of="$T/bad.ova" bs=1 seek="$off" conv=notrunc 2>/dev/null
out=$("$HVCTL" image import-ova "$T/bad.ova" "$T/imp-bad" 2>&1)
echo "refused: $out"
refused() { echo "$out" | grep -q "member \"g1-disk0.vmdk\": its SHA-256 does not match"; }
check "a changed byte in the disk is refused by its manifest digest" refused
check "the refused import leaves nothing" \
    test -z "$(ls -A "$T" | grep -v -e '^g1.ova$' -e '^bad.ova$' -e '^g-' \
    -e '^imp-ova$' -e '^imp-xxhash$' -e '^imp-sha1$' -e '^vm$' -e '^x$' \
    -e '^disk.raw$')"
check "an import into an existing directory is refused" \
    sh -c "! '$HVCTL' image import-xva '$T/g-sha1.xva' '$T/imp-ova' 2>/dev/null"
check "and the existing directory is untouched" same "$T/imp-ova/disk0.qcow2" qcow2

[ "$fails" -eq 0 ] || { echo "FAIL: $fails check(s) failed"; exit 1; }
echo "all checks passed"
