#!/bin/sh
# run-guest.sh - start one hvlab guest under QEMU (the canonical command line).
#
# usage: run-guest.sh [-n NAME] [-i ADDR/NN] [-g GW] [-t TAP] [-a MAC]
#                     [-d DISK] [-s SERIAL_FILE] [-q QMP_SOCKET]
#                     [-p PIDFILE] [-m MEM_MIB] [-M MACHINE] [-k KERNEL]
#                     [-A EXTRA_APPEND] [-b BOOT_DISK] [-x] [-- QEMU_ARGS...]
#
# Execs QEMU in the foreground (run it with & and it keeps the same pid, also
# under `ip netns exec`).  The NIC is virtio-net on the existing tap TAP
# (created by the caller; QEMU runs no scripts), the data disk a raw file or
# device on virtio-blk.  SERIAL_FILE receives the console, where the guest
# prints "HVLAB-GUEST READY name=NAME ip=ADDR boot_ms=N".  -b boots the disk
# guest instead (build/guest/disk.qcow2 or a copy; .img is taken as raw)
# through SeaBIOS, its hvlab.* words as SMBIOS OEM strings, no -kernel.
# -x prints the command line instead of running it.  docs/guest.md explains
# every option.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
name=guest ip='' gw='' tap='' mac='' disk='' serial='' qmp='' pidfile=''
mem=128 machine=q35 kernel="$top/build/guest/vmlinux" extra='' show=0 boot=
initrd="$top/build/guest/initrd.img"
# The guest's kernel command line without the hvlab.* part: build/guest/
# cmdline (a copy of lab/guest/cmdline; docs/guest.md says why each option
# is there).  GUEST_CMDLINE overrides it.
cmdline_file="$top/build/guest/cmdline"
[ -f "$cmdline_file" ] || cmdline_file="$top/lab/guest/cmdline"
base_cmdline=${GUEST_CMDLINE-$(cat "$cmdline_file")}
# qboot instead of SeaBIOS: it only sets up PCI and jumps to the kernel;
# SeaBIOS' POST costs ~0.5 s of CPU under TCG.  GUEST_BIOS= keeps SeaBIOS.
bios=${GUEST_BIOS-/usr/share/qemu/qboot.rom}
[ -z "$bios" ] || [ -f "$bios" ] || bios=''

usage() {
	sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}

while getopts n:i:g:t:a:d:s:q:p:m:M:k:A:b:x opt; do
	case $opt in
	n) name=$OPTARG ;;
	i) ip=$OPTARG ;;
	g) gw=$OPTARG ;;
	t) tap=$OPTARG ;;
	a) mac=$OPTARG ;;
	d) disk=$OPTARG ;;
	s) serial=$OPTARG ;;
	q) qmp=$OPTARG ;;
	p) pidfile=$OPTARG ;;
	m) mem=$OPTARG ;;
	M) machine=$OPTARG ;;
	k) kernel=$OPTARG ;;
	A) extra=$OPTARG ;;
	b) boot=$OPTARG ;;
	x) show=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

files="$kernel $initrd"
[ -z "$boot" ] || files=$boot
for f in $files; do
	[ -f "$f" ] || { echo "run-guest: $f missing (run make)" >&2; exit 1; }
done
case "$name" in
*[!A-Za-z0-9._-]*|'') echo "run-guest: bad name '$name'" >&2; exit 1 ;;
esac

for a in "$ip" "$gw"; do
	[ -z "$a" ] && continue
	echo "$a" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}(/[0-9]{1,2})?$' || {
		echo "run-guest: bad address '$a' (want A.B.C.D/NN)" >&2
		exit 1
	}
done
case "$ip" in
''|*/*) ;;
*) echo "run-guest: -i $ip needs a prefix length (A.B.C.D/NN)" >&2; exit 1 ;;
esac

# Default MAC from the address: 52:54:00 + its last three octets.
if [ -z "$mac" ] && [ -n "$ip" ]; then
	mac=$(echo "${ip%/*}" | awk -F. '{ printf "52:54:00:%02x:%02x:%02x",
	    $2, $3, $4 }')
fi

# KVM only where a probe guest really runs under it (hvlab accel;
# HVLAB_ACCEL=auto|kvm|tcg decides otherwise: docs/accel.md).
accel=$("$top/bin/hvlab" accel) || exit 1
case $machine in
q35|pc|pc-*|q35-*)
	mach="$machine,accel=$accel"
	netdev=virtio-net-pci blkdev=virtio-blk-pci rom=",romfile=" ;;
*)
	# microvm was tried: no HPET or PM timer, so the kernel calibrates the
	# TSC against the PIT, which fails on a loaded host; and its devices
	# would need virtio-mmio.
	echo "run-guest: machine '$machine' not supported (q35 or pc)" >&2
	exit 1 ;;
esac

words="hvlab.name=$name"
[ -n "$ip" ] && words="$words hvlab.ip=$ip"
[ -n "$gw" ] && words="$words hvlab.gw=$gw"
[ -n "$extra" ] && words="$words $extra"

set -- -nodefaults -no-user-config -no-reboot -machine "$mach" \
    -m "$mem" -smp 1 -display none -name "$name" "$@"
if [ -n "$boot" ]; then
	# The disk's syslinux.cfg has the rest of the command line; qboot
	# boots no disk, so SeaBIOS (QEMU's default).  Commas doubled for
	# QEMU's option parser.
	case $boot in *.img|*.raw) bfmt=raw ;; *) bfmt=qcow2 ;; esac
	set -- "$@" -smbios "type=11,value=$(echo "$words" | sed 's/,/,,/g')" \
	    -drive "file=$boot,if=none,id=boot0,format=$bfmt,cache=writeback" \
	    -device "$blkdev,drive=boot0,bootindex=1"
else
	set -- "$@" -kernel "$kernel" -initrd "$initrd" \
	    -append "$base_cmdline $words"
	[ -n "$bios" ] && set -- "$@" -bios "$bios"
fi
if [ -n "$serial" ]; then
	set -- "$@" -serial "file:$serial"
else
	set -- "$@" -serial stdio
fi
if [ -n "$tap" ]; then
	set -- "$@" -netdev "tap,id=net0,ifname=$tap,script=no,downscript=no" \
	    -device "$netdev,netdev=net0${mac:+,mac=$mac}$rom"
fi
if [ -n "$disk" ]; then
	set -- "$@" -drive "file=$disk,if=none,id=disk0,format=raw,cache=writeback" \
	    -device "$blkdev,drive=disk0"
fi
[ -n "$qmp" ] && set -- "$@" -qmp "unix:$qmp,server=on,wait=off"
[ -n "$pidfile" ] && set -- "$@" -pidfile "$pidfile"

if [ "$show" -eq 1 ]; then
	printf '%s' qemu-system-x86_64
	for a in "$@"; do printf " '%s'" "$a"; done
	echo
	exit 0
fi
exec qemu-system-x86_64 "$@"
