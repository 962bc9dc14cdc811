#!/bin/sh
# mkinitrd.sh OUTDIR AGENT [IMAGE [MODULES]] - build the guest initramfs
# OUTDIR/IMAGE (default initrd.img) with the extra kernel MODULES (names,
# loaded after the others: the disk guest's ext4, see mkdisk.sh).
#
# The archive holds: the static guest agent as /bin/agent and /init (run
# as PID 1 it brings the guest up, see guest_init.c); static busybox from
# the installed busybox-static package with a symlink per applet (a shell
# and tools for looking around a guest: hvlab.shell=1); the virtio, ACPI button
# and evdev modules of the kernel unpacked by fetch-kernel.sh under OUTDIR/kernel, ordered by
# its modules.dep so that every module follows its dependencies (network
# first: its link-watch delay starts as soon as eth0 is up), listed in
# /etc/modules.
#
# The archive is not compressed: decompressing it in the guest costs more
# under TCG than QEMU copying a few more megabytes.  /dev/console is added
# as a hand-made newc entry so no mknod (root) is needed.
set -eu

out=${1:?usage: mkinitrd.sh OUTDIR AGENT}
agent=${2:?usage: mkinitrd.sh OUTDIR AGENT}
image=${3:-initrd.img}
busybox=${BUSYBOX:-/bin/busybox}

# Driver modules wanted, in load order; their dependencies come first.
# button + evdev: the ACPI power button as an input device, which PID 1
# watches to power off on QEMU's system_powerdown (guest_init.c).
# e1000: for VMs whose NIC model is e1000 (guest_init.c brings eth0 up
# after virtio_net when that made one, else after e1000).
WANT="virtio_pci virtio_mmio virtio_net e1000 virtio_blk button evdev ${4:-}"

die() { echo "mkinitrd: $*" >&2; exit 1; }

ver=$(cat "$out/kernel/.complete" 2>/dev/null) ||
    die "$out/kernel: no unpacked kernel (run fetch-kernel.sh first)"
moddir="$out/kernel/lib/modules/$ver"
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing"
[ -x "$busybox" ] && ! readelf -l "$busybox" 2>/dev/null | grep -q INTERP ||
    die "$busybox is not a static busybox (install busybox-static)"

tree="$out/$image.tree"
rm -rf "$tree"
# Nothing half-built stays behind, whatever happens.
trap 'rm -rf "$tree" "$out/$image.tmp"' EXIT
# /data: where the disk guest mounts its own filesystem (guest_init.c).
mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys" "$tree/tmp" \
    "$tree/run" "$tree/etc" "$tree/lib/modules" "$tree/data"

cp "$busybox" "$tree/bin/busybox"
for a in $("$busybox" --list); do
	case "$a" in
	busybox|*/*) ;;
	*) ln -s busybox "$tree/bin/$a" ;;
	esac
done
cp "$agent" "$tree/bin/agent"
ln -s bin/agent "$tree/init"
chmod 755 "$tree/bin/agent" "$tree/bin/busybox"

# modules.dep: "path/m.ko: dep1.ko dep2.ko ...", deps listed so that loading
# them in reverse order works (what modprobe does).
: >"$tree/etc/modules"
for m in $WANT; do
	line=$(grep -E "(^|/)$m\.ko:" "$moddir/modules.dep") ||
	    die "module $m not in $moddir/modules.dep"
	for p in $(echo "$line" | awk '{ for (i = NF; i >= 2; i--) print $i;
	    sub(/:$/, "", $1); print $1 }'); do
		grep -qxF "$p" "$tree/etc/modules" && continue
		[ -f "$moddir/$p" ] || die "$moddir/$p missing"
		mkdir -p "$tree/lib/modules/$(dirname "$p")"
		cp "$moddir/$p" "$tree/lib/modules/$p"
		echo "$p" >>"$tree/etc/modules"
	done
done

(cd "$tree" && find . | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --quiet) >"$out/$image.tmp"
# newc entries: c_magic then 13 eight-digit hex fields (ino mode uid gid
# nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize
# check), the NUL-terminated name, padding to a multiple of 4.
{
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
	    1 $((0020600)) 0 0 1 0 0 0 0 5 1 12 0
	printf 'dev/console\000\000\000'
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
	    0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\000\000\000\000'
} >>"$out/$image.tmp"
mv "$out/$image.tmp" "$out/$image"
