#!/bin/sh
# test_probe_integrity: the write-integrity and TCP session probes against a
# real guest whose QEMU is killed (SIGKILL) and restarted on the same disk.
#
# A private namespace (hvt-probe-PID-i) holds a bridge with
# 198.18.252.1/24 and a tap; the lab guest (build/guest, booted with
# lab/guest/run-guest.sh, QEMU in TCG) gets 198.18.252.2/24 and a raw data
# disk.  Checks:
#  1. `hvlab probe tcp` on a steady guest: the session survives, every ping
#     is answered.
#  2. `hvlab probe integrity` journals; QEMU is killed by pid mid-run and
#     started again on the same disk; the probe notices the end, waits for
#     the new VM and reads its journal: 0 lost acknowledged writes.  A TCP
#     probe running across the kill reports that its session did not
#     survive and that it reconnected.
#  3. Control: the same again, but one acknowledged record is zeroed in the
#     disk image before the kill: the probe must report exactly that record
#     as lost (exit 3), which shows that the 0 above is a measurement.
#     A TCP probe without --reconnect ends by itself when the session dies.
#  4. A clean stop after --duration on the living guest: nothing lost.
# Skips (77) only when build/guest/ is missing.  Cleans up on any exit.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
hv=${HVLAB_BIN:-$top/bin/hvlab}
g=$top/build/guest
addr=198.18.252.2
p=hvt-probe-$$
ns=$p-i
br=hvtpbr0 tap=hvtptap0
qpid='' ipid='' tpid=''

if [ ! -d "$g" ] || [ ! -f "$g/vmlinux" ] || [ ! -f "$g/initrd.img" ]; then
	echo "build/guest/ (vmlinux, initrd.img) missing: run make guest"
	exit 77
fi
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	{ echo "qemu-system-x86_64 not installed"; exit 77; }
[ -x "$hv" ] || { echo "FAIL: $hv not built"; exit 1; }

dir=$(mktemp -d "/tmp/$p.XXXXXX") || exit 1
cleanup() {
	for pid in $tpid $ipid; do kill "$pid" 2>/dev/null; done
	if [ -n "$qpid" ]; then
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	for pid in $tpid $ipid; do wait "$pid" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	for f in "$dir"/serial*; do
		[ -f "$f" ] && { echo "--- $f:"; tail -n 15 "$f"; }
	done
	for f in "$dir"/*.out; do
		[ -f "$f" ] && { echo "--- $f:"; cat "$f"; }
	done
	exit 1
}
jget() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([^,]*\),\{0,1\}$/\1/p" \
	    "$1" | head -n 1 | tr -d '"'
}

ip netns add "$ns" || fail "netns"
ip -n "$ns" link set lo up
ip -n "$ns" link add "$br" type bridge || fail "bridge"
ip -n "$ns" tuntap add dev "$tap" mode tap || fail "tap"
ip -n "$ns" link set "$tap" master "$br"
ip -n "$ns" link set "$tap" up
ip -n "$ns" link set "$br" up
ip -n "$ns" addr add 198.18.252.1/24 dev "$br" || fail "address"
truncate -s 16M "$dir/data.raw" || fail "data disk"

# boot N: start QEMU on the same disk, wait for the ready line.
boot() {
	ip netns exec "$ns" sh "$top/lab/guest/run-guest.sh" -n "$p" \
	    -i "$addr/24" -t "$tap" -d "$dir/data.raw" -s "$dir/serial$1" \
	    -p "$dir/qemu$1.pid" >"$dir/qemu$1.log" 2>&1 &
	qpid=$!
	i=0
	while ! grep -q 'HVLAB-GUEST READY' "$dir/serial$1" 2>/dev/null; do
		running "$qpid" ||
			fail "QEMU exited: $(tail -n 5 "$dir/qemu$1.log")"
		i=$((i + 1))
		[ $i -le 1200 ] || fail "no ready line within 120 s"
		sleep 0.1
	done
	echo "boot $1: $(grep 'HVLAB-GUEST READY' "$dir/serial$1" | tr -d '\r')"
}
# crash: SIGKILL QEMU by its pid.
crash() {
	kill -9 "$qpid" || fail "kill QEMU $qpid"
	wait "$qpid" 2>/dev/null
	qpid=''
	echo "QEMU killed"
}
# running PID: the process exists and is not a zombie waiting for `wait`.
running() {
	[ -r "/proc/$1/stat" ] &&
	    [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}
# waitpid PID SECONDS: wait for a background job with a limit; sets rc
# (not in a $(...) subshell: only this shell can wait for its jobs).
waitpid() {
	i=0
	while running "$1"; do
		i=$((i + 1))
		[ $i -le $(($2 * 10)) ] || { rc=timeout; return; }
		sleep 0.1
	done
	wait "$1"
	rc=$?
}
# record_at SEQ: the 4-byte magic of journal slot SEQ in the disk image.
record_at() {
	dd if="$dir/data.raw" bs=512 skip=$(($1 - 1)) count=1 2>/dev/null |
	    head -c 4
}

boot 1

# 1. A steady guest: the TCP session survives and nothing is lost.
"$hv" probe tcp --to "$addr" --netns "$ns" --interval 20 --duration 3 \
    --json "$dir/tcp1.json" >"$dir/tcp1.out" 2>&1 || fail "probe tcp (steady)"
cat "$dir/tcp1.out"
[ "$(jget "$dir/tcp1.json" survived)" = true ] ||
	fail "the TCP session did not survive on a steady guest"
[ "$(jget "$dir/tcp1.json" lost)" = 0 ] || fail "pings lost on a steady guest"
[ "$(jget "$dir/tcp1.json" sent)" -gt 100 ] || fail "too few pings sent"

# 2. Kill QEMU mid-journal, restart it on the same disk.
"$hv" probe integrity --to "$addr" --netns "$ns" --interval 10 --silence 3 \
    --wait 180 --json "$dir/int1.json" >"$dir/int1.out" 2>&1 &
ipid=$!
"$hv" probe tcp --to "$addr" --netns "$ns" --interval 50 --timeout 3 \
    --reconnect --json "$dir/tcp2.json" >"$dir/tcp2.out" 2>&1 &
tpid=$!
sleep 4
running "$ipid" || fail "the integrity probe ended before the kill"
record_at 1 | grep -q HVJR || fail "no journal record on the disk after 4 s"
crash
boot 2
waitpid "$ipid" 240; ipid=''
cat "$dir/int1.out"
[ "$rc" = 0 ] || fail "probe integrity exited $rc"
lost=$(jget "$dir/int1.json" lost_acked_writes)
acked=$(jget "$dir/int1.json" acked)
last_acked=$(jget "$dir/int1.json" last_acked)
last_present=$(jget "$dir/int1.json" last_present)
echo "integrity: lost_acked_writes=$lost acked=$acked last_acked=$last_acked" \
    "last_present=$last_present end=$(jget "$dir/int1.json" journal_end)"
[ "$lost" = 0 ] || fail "$lost acknowledged writes lost"
[ "$acked" -gt 0 ] || fail "no write was acknowledged before the kill"
[ "$last_present" -ge "$last_acked" ] || fail "last present < last acked"
sleep 2
kill -TERM "$tpid"
waitpid "$tpid" 30; tpid=''
cat "$dir/tcp2.out"
[ "$rc" = 0 ] || fail "probe tcp across the kill exited $rc"
[ "$(jget "$dir/tcp2.json" survived)" = false ] ||
	fail "a TCP session cannot survive a QEMU kill, the probe says it did"
[ "$(jget "$dir/tcp2.json" reconnects)" -ge 1 ] ||
	fail "the TCP probe did not reconnect to the restarted guest"

# 3. Control: a lost acknowledged record must be reported.
next=$((last_present + 1))
victim=$((next + 5))
"$hv" probe integrity --to "$addr" --netns "$ns" --interval 10 --silence 3 \
    --wait 180 --json "$dir/int2.json" >"$dir/int2.out" 2>&1 &
ipid=$!
# Without --reconnect the TCP probe ends by itself when the session dies.
"$hv" probe tcp --to "$addr" --netns "$ns" --interval 50 --timeout 3 \
    --json "$dir/tcp3.json" >"$dir/tcp3.out" 2>&1 &
tpid=$!
i=0
until [ "$(record_at $((victim + 20)))" = HVJR ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "journal did not reach seq $((victim + 20))"
	sleep 0.1
done
dd if=/dev/zero of="$dir/data.raw" bs=512 seek=$((victim - 1)) count=1 \
    conv=notrunc 2>/dev/null || fail "zero record $victim"
sleep 1
crash
boot 3
waitpid "$tpid" 60; tpid=''
cat "$dir/tcp3.out"
[ "$rc" = 0 ] || fail "probe tcp without --reconnect exited $rc"
[ "$(jget "$dir/tcp3.json" survived)" = false ] ||
	fail "probe tcp without --reconnect: the session survived a kill"
[ "$(jget "$dir/tcp3.json" reconnects)" = 0 ] ||
	fail "probe tcp reconnected without --reconnect"
waitpid "$ipid" 240; ipid=''
cat "$dir/int2.out"
[ "$rc" = 3 ] || fail "probe integrity exited $rc, expected 3 (writes lost)"
[ "$(jget "$dir/int2.json" journal_next)" = "$next" ] ||
	fail "the journal did not continue at $next after the restart"
[ "$(jget "$dir/int2.json" lost_acked_writes)" = 1 ] ||
	fail "the zeroed record was not reported as the one lost write"
[ "$(jget "$dir/int2.json" first_lost)" = "$victim" ] ||
	fail "first_lost is not the zeroed record $victim"

# 4. A clean stop on a living guest (--duration): `journal stop`, every ack
#    collected, nothing lost.
"$hv" probe integrity --to "$addr" --netns "$ns" --interval 10 --duration 2 \
    --json "$dir/int3.json" >"$dir/int3.out" 2>&1 ||
	fail "probe integrity --duration exited $?"
cat "$dir/int3.out"
[ "$(jget "$dir/int3.json" journal_end)" = stopped ] ||
	fail "the journal did not end by the probe's stop"
[ "$(jget "$dir/int3.json" lost_acked_writes)" = 0 ] ||
	fail "writes lost on a clean stop"
[ "$(jget "$dir/int3.json" acked)" -gt 0 ] || fail "no ack in 2 s"
echo "ok"
