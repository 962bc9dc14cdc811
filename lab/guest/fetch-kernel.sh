#!/bin/sh
# fetch-kernel.sh OUTDIR - get the guest kernel from Debian's package.
#
# Downloads the kernel package that linux-image-amd64 depends on with
# `apt-get download` (never installs it: installing a kernel touches /boot)
# and unpacks it under OUTDIR/kernel with `dpkg-deb -x`, then runs depmod on
# the unpacked tree so the initramfs builder can read modules.dep.  Writes:
#
#   OUTDIR/vmlinuz   the packaged bzImage, as shipped
#   OUTDIR/vmlinux   the uncompressed ELF inside it (QEMU boots it through
#                    its PVH entry note, skipping in-guest decompression)
#   OUTDIR/kernel.version   the kernel release, e.g. 6.1.0-56-amd64
#
# Idempotent: nothing is downloaded when the .deb is already in
# OUTDIR/debs, nothing unpacked when OUTDIR/kernel is complete.
set -eu

out=${1:?usage: fetch-kernel.sh OUTDIR}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

# Nothing half-built stays behind, whatever happens.
trap 'rm -rf "$out/kernel.tmp" "$out/vmlinux.tmp" "$out/vmlinuz.tmp" \
    "$out/kernel.version.tmp"' EXIT

say() { printf '  %-7s %s\n' "$1" "$2"; }
die() { echo "fetch-kernel: $*" >&2; exit 1; }

# The versioned kernel package linux-image-amd64 points at.
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ \
	        { print $2; exit }'
}

# apt-get download into debs/; succeeds when the .deb is there.
download() {
	(cd "$out/debs" && apt-get download -q "$1") >"$out/debs/download.log" 2>&1 &&
	    ls "$out"/debs/"$1"_*.deb >/dev/null 2>&1
}

deb=$(ls "$out"/debs/linux-image-*-amd64_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	updated=0
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ]; then
		say APT "update (package lists missing)"
		apt-get update -qq || die "apt-get update failed"
		updated=1
		pkg=$(kernel_pkg)
	fi
	[ -n "$pkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"
	say FETCH "$pkg"
	if ! download "$pkg"; then
		[ "$updated" -eq 0 ] ||
		    die "apt-get download $pkg failed: $(tail -n 3 "$out/debs/download.log")"
		say APT "update (download failed: stale lists?)"
		apt-get update -qq || die "apt-get update failed"
		pkg=$(kernel_pkg)
		[ -n "$pkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"
		download "$pkg" ||
		    die "apt-get download $pkg failed: $(tail -n 3 "$out/debs/download.log")"
	fi
	deb=$(ls "$out"/debs/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
	[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
fi

if [ ! -f "$out/kernel/.complete" ]; then
	say UNPACK "$(basename "$deb")"
	rm -rf "$out/kernel" "$out/kernel.tmp"
	dpkg-deb -x "$deb" "$out/kernel.tmp"
	ver=$(ls "$out/kernel.tmp/lib/modules" | head -n 1)
	[ -n "$ver" ] || die "$deb: no lib/modules/VERSION inside"
	[ -f "$out/kernel.tmp/boot/vmlinuz-$ver" ] ||
	    die "$deb: no boot/vmlinuz-$ver inside"
	# The package ships no modules.dep (depmod runs at install time).
	depmod -b "$out/kernel.tmp" "$ver" || die "depmod failed"
	echo "$ver" >"$out/kernel.tmp/.complete"
	mv "$out/kernel.tmp" "$out/kernel"
fi
ver=$(cat "$out/kernel/.complete")

if [ ! -f "$out/vmlinuz" ] || [ ! -f "$out/vmlinux" ]; then
	bz="$out/kernel/boot/vmlinuz-$ver"
	# bzImage header (Documentation/x86/boot.rst): setup_sects at 0x1f1,
	# payload_offset at 0x248, payload_length at 0x24c; the protected-
	# mode code starts after (setup_sects + 1) * 512 bytes.
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	poff=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
	plen=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
	off=$(( (setup + 1) * 512 + poff ))
	magic=$(od -An -tx1 -j "$off" -N6 "$bz" | tr -d ' ')
	[ "$magic" = "fd377a585a00" ] ||
	    die "$bz: payload at $off is not xz (magic $magic)"
	say XZ "vmlinux from $(basename "$bz")"
	# The payload ends with the 4-byte uncompressed size: --single-stream
	# stops after the xz stream and ignores it.
	tail -c +$((off + 1)) "$bz" | head -c "$plen" |
	    xz -dc --single-stream >"$out/vmlinux.tmp" ||
	    die "$bz: cannot decompress the xz payload"
	[ "$(od -An -c -N4 "$out/vmlinux.tmp" | tr -d ' ')" = '177ELF' ] ||
	    die "$bz: payload is not an ELF image"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	cp "$bz" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
fi
echo "$ver" >"$out/kernel.version.tmp"
cmp -s "$out/kernel.version.tmp" "$out/kernel.version" 2>/dev/null &&
    rm -f "$out/kernel.version.tmp" ||
    mv "$out/kernel.version.tmp" "$out/kernel.version"
