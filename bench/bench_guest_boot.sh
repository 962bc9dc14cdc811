#!/bin/sh
# bench_guest_boot.sh - how long a lab guest takes to boot under QEMU (TCG).
#
# Boots build/guest (vmlinux + initrd.img, lab/guest/run-guest.sh) RUNS times
# (default 5) on a tap in a private namespace and prints, per run and as
# min/median/max: QEMU start to the first ping reply, QEMU start to the
# serial ready line, and the guest's own boot_ms from that line.  Every
# HA failover waits for one such boot.
#
# Knobs (environment): RUNS, MACHINE (q35 or pc, default the launcher's),
# APPEND (extra kernel command line), DISK=1 (boot the disk guest instead:
# a fresh copy of build/guest/disk.qcow2 per run, through SeaBIOS,
# syslinux and the compressed vmlinuz; docs/guest.md "Disk guest").  The namespace's ARP retransmit time
# is lowered to 20 ms so the host notices the guest's address within 20 ms
# instead of up to a second: it sharpens the measurement, not the guest.
# Needs root; prints a note and exits 0 without it.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${RUNS:-5}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_guest_boot: needs root (namespaces, taps): skipped"
	exit 0
fi
files="vmlinux initrd.img"
[ -z "${DISK:-}" ] || files=disk.qcow2
for f in $files; do
	if [ ! -f "$top/build/guest/$f" ]; then
		echo "bench_guest_boot: build/guest/$f missing (run make)" >&2
		exit 1
	fi
done

ns=hvt-guestb-$$
tmp=$(mktemp -d "/tmp/hvt-guestb-$$.XXXXXX")
qpid=''

cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	if ip netns list 2>/dev/null | grep -qw "$ns"; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
		sleep 0.2
		ip netns del "$ns" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
ip -n "$ns" link add hvtbr0 type bridge
ip -n "$ns" tuntap add dev hvttap0 mode tap
ip -n "$ns" link set hvttap0 master hvtbr0
ip -n "$ns" link set hvttap0 up
ip -n "$ns" link set hvtbr0 up
ip -n "$ns" addr add 198.18.250.1/24 dev hvtbr0
ip netns exec "$ns" sysctl -qw net.ipv4.neigh.hvtbr0.retrans_time_ms=20

# One boot: prints "PING_MS READY_MS BOOT_MS" (-1 where it never came).
boot_once() {
	rm -f "$tmp/serial" "$tmp/ping1"
	[ -z "${DISK:-}" ] || cp "$top/build/guest/disk.qcow2" "$tmp/boot.qcow2"
	t0=$(now_ms)
	ip netns exec "$ns" sh "$top/lab/guest/run-guest.sh" -n benchvm \
	    -i 198.18.250.2/24 -t hvttap0 -s "$tmp/serial" \
	    ${DISK:+-b "$tmp/boot.qcow2"} \
	    ${MACHINE:+-M "$MACHINE"} ${APPEND:+-A "$APPEND"} \
	    >"$tmp/qemu.log" 2>&1 &
	qpid=$!
	(ip netns exec "$ns" busybox ping -i 0.02 -w 60 198.18.250.2 2>/dev/null |
	    while read -r l; do
		case $l in
		*"bytes from"*) now_ms >"$tmp/ping1"; break ;;
		esac
	    done) &
	ready=-1 ping=-1 i=0
	while [ $i -lt 6000 ]; do
		if [ "$ready" -lt 0 ] && grep -q 'HVLAB-GUEST READY' \
		    "$tmp/serial" 2>/dev/null; then
			ready=$(( $(now_ms) - t0 ))
		fi
		if [ "$ping" -lt 0 ] && [ -s "$tmp/ping1" ]; then
			ping=$(( $(cat "$tmp/ping1") - t0 ))
		fi
		[ "$ready" -ge 0 ] && [ "$ping" -ge 0 ] && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.01
		i=$((i + 1))
	done
	boot=$(sed -n 's/.*HVLAB-GUEST READY.* boot_ms=\([0-9]*\).*/\1/p' \
	    "$tmp/serial" 2>/dev/null | head -n 1)
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=''
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	echo "$ping $ready ${boot:--1}"
}

. "$top/bench/lib_stats.sh"

echo "guest boot${DISK:+ from its disk}, $runs runs, machine ${MACHINE:-default}${APPEND:+, append '$APPEND'}"
# Other work on this 2-core machine stretches every figure: say how much.
echo "host load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$tmp/results"
r=1
while [ $r -le "$runs" ]; do
	set -- $(boot_once)
	printf '  run %d: first ping %s ms, ready line %s ms, guest boot_ms %s\n' \
	    "$r" "$1" "$2" "$3"
	echo "$1 $2 $3" >>"$tmp/results"
	r=$((r + 1))
done
printf 'boot to first ping (ms):    %s\n' \
    "$(awk '$1 >= 0 { print $1 }' "$tmp/results" | stats %d)"
printf 'boot to ready line (ms):    %s\n' \
    "$(awk '$2 >= 0 { print $2 }' "$tmp/results" | stats %d)"
printf 'guest boot_ms (ms):         %s\n' \
    "$(awk '$3 >= 0 { print $3 }' "$tmp/results" | stats %d)"
echo "host load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
fails=$(awk '$1 < 0 { n++ } END { print n + 0 }' "$tmp/results")
[ "$fails" -eq 0 ] || echo "runs without a ping reply: $fails"
exit 0
