#!/bin/sh
# mkdisk.sh OUTDIR - build the bootable guest disk OUTDIR/disk.img (raw)
# and OUTDIR/disk.qcow2 from OUTDIR/vmlinuz, OUTDIR/initrd-disk.img and
# OUTDIR/cmdline.
#
# A VM created from it boots through its firmware: SeaBIOS reads the MBR
# (syslinux's mbr.bin), which chains to the boot sector of the active
# partition 1, a FAT filesystem holding syslinux (ldlinux.sys), the
# kernel, the initramfs and syslinux.cfg with the kernel command line.
# Partition 2 is an ext4 filesystem labelled hvlab-data, the VM's own
# files: the initramfs /init mounts it on /data (guest_init.c).
#
# No step needs root or a loop device: each filesystem is made in an image
# file of its own (mkfs.vfat -C, mkfs.ext4 -d, no mount), syslinux writes
# the FAT through mtools, and both are copied into the partitioned file
# with dd.  The image holds nothing that tells one VM from another (no
# name, no address): each VM gets those at boot from its firmware
# (docs/guest.md "Disk guest").
set -eu

out=${1:?usage: mkdisk.sh OUTDIR}
DISK_MIB=${DISK_MIB:-64}	# the whole disk
BOOT_MIB=24			# partition 1 (FAT): kernel 8 MB + initrd 5 MB
MBR=${SYSLINUX_MBR:-/usr/lib/syslinux/mbr/mbr.bin}

die() { echo "mkdisk: $*" >&2; exit 1; }

for f in vmlinuz initrd-disk.img cmdline kernel.version; do
	[ -f "$out/$f" ] || die "$out/$f missing"
done
[ -f "$MBR" ] || die "$MBR missing (install syslinux-common)"
for c in sfdisk mkfs.vfat mcopy syslinux mkfs.ext4 qemu-img; do
	command -v $c >/dev/null 2>&1 ||
	    die "$c missing (make deps: fdisk, dosfstools, mtools, syslinux, e2fsprogs, qemu-utils)"
done

t="$out/disk.tmp"
rm -rf "$t"
# Nothing half-built stays behind, whatever happens.
trap 'rm -rf "$t" "$out/disk.img.tmp" "$out/disk.qcow2.tmp"' EXIT
mkdir -p "$t/data"

# Partition 1: FAT with syslinux.  The kernel command line lives here,
# the same options as the direct-kernel guest's, plus where the data
# filesystem is: the boot disk is the VM's first disk (hvd gives it
# bootindex 1), so vda.  SERIAL 0: syslinux's own errors reach ttyS0.
{
	echo "SERIAL 0 115200"
	echo "DEFAULT hvlab"
	echo "PROMPT 0"
	echo "TIMEOUT 0"
	echo "LABEL hvlab"
	echo "  LINUX /vmlinuz"
	echo "  INITRD /initrd.img"
	echo "  APPEND $(cat "$out/cmdline") hvlab.data=/dev/vda2"
} >"$t/syslinux.cfg"
mkfs.vfat -C -F 16 -n HVLAB-BOOT -h 2048 "$t/boot.fat" $((BOOT_MIB * 1024)) \
    >/dev/null || die "mkfs.vfat failed"
syslinux --install "$t/boot.fat" || die "syslinux --install failed"
cp "$out/initrd-disk.img" "$t/initrd.img"
mcopy -i "$t/boot.fat" "$out/vmlinuz" "$t/initrd.img" "$t/syslinux.cfg" \
    ::/ || die "mcopy failed"

# Partition 2: ext4 made from a directory, owned by root whoever builds.
echo "kernel=$(cat "$out/kernel.version")" >"$t/data/hvlab-image"
data_mib=$((DISK_MIB - 1 - BOOT_MIB))
mkfs.ext4 -q -F -L hvlab-data -E root_owner=0:0 -d "$t/data" \
    "$t/data.ext4" "${data_mib}M" >/dev/null || die "mkfs.ext4 failed"

# The disk: MBR code, table, both filesystems at their offsets.
truncate -s "${DISK_MIB}M" "$out/disk.img.tmp"
sfdisk -q "$out/disk.img.tmp" <<EOF || die "sfdisk failed"
label: dos
label-id: 0x68766c62
start=1MiB, size=${BOOT_MIB}MiB, type=e, bootable
start=$((1 + BOOT_MIB))MiB, type=83
EOF
dd if="$MBR" of="$out/disk.img.tmp" bs=440 count=1 conv=notrunc \
    status=none || die "dd $MBR failed"
dd if="$t/boot.fat" of="$out/disk.img.tmp" bs=1M seek=1 conv=notrunc,sparse \
    status=none || die "dd boot partition failed"
dd if="$t/data.ext4" of="$out/disk.img.tmp" bs=1M seek=$((1 + BOOT_MIB)) \
    conv=notrunc,sparse status=none || die "dd data partition failed"
qemu-img convert -f raw -O qcow2 "$out/disk.img.tmp" "$out/disk.qcow2.tmp" ||
    die "qemu-img convert failed"
mv "$out/disk.img.tmp" "$out/disk.img"
mv "$out/disk.qcow2.tmp" "$out/disk.qcow2"
