#!/bin/sh
# test_guest_boot.sh - the lab guest boots under QEMU and its agent works.
#
# Creates a private namespace (hvt-guest-PID) holding a bridge with
# 198.18.250.1/24 and a tap, boots build/guest (lab/guest/run-guest.sh,
# QEMU in TCG) with hvlab.ip=198.18.250.2/24 on that tap and a small sparse
# raw data disk, then checks: the serial ready line, a ping reply (also from
# another subnet, through hvlab.gw=), and the
# agent protocol over TCP 7777 (echo, status, ping, arp, unknown command,
# journal start/ack/read, numbering continued after a restart, journal stop
# from a second connection, burn), that the records on the disk image read
# from the host agree with what the guest acknowledged, and that every
# acknowledged record survives a SIGKILL of QEMU (power pull) and the
# numbering continues after the next boot.
# Everything is torn down on exit, also on failure.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
g=$top/build/guest
ctl=$g/agentctl
addr=198.18.250.2

if [ "$(id -u)" -ne 0 ]; then
	echo "needs root (network namespaces, taps)"
	exit 77
fi
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "qemu-system-x86_64 not installed (make deps)"
	exit 77
fi
for f in vmlinux initrd.img agentctl; do
	if [ ! -f "$g/$f" ]; then
		echo "FAIL: build/guest/$f missing (make guest)"
		exit 1
	fi
done

ns=hvt-guest-$$
tmp=$(mktemp -d "/tmp/hvt-guest-$$.XXXXXX") || exit 1
qpid=''
bgpid=''

cleanup() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	if ip netns list 2>/dev/null | grep -qw "$ns"; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
		ip netns del "$ns"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	if [ -f "$tmp/serial" ]; then
		echo "--- guest console:"
		tail -n 30 "$tmp/serial"
	fi
	exit 1
}
inns() { ip netns exec "$ns" "$@"; }
# agent REQUEST...: one reply line per request
agent() { inns "$ctl" -t 20 "$addr" "$@"; }

ip netns add "$ns" || fail "ip netns add $ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add hvtbr0 type bridge || fail "bridge"
ip -n "$ns" tuntap add dev hvttap0 mode tap || fail "tap"
ip -n "$ns" link set hvttap0 master hvtbr0
ip -n "$ns" link set hvttap0 up
ip -n "$ns" link set hvtbr0 up
ip -n "$ns" addr add 198.18.250.1/24 dev hvtbr0 || fail "bridge address"
# A second subnet on the bridge: replies to it need the guest's default route.
ip -n "$ns" addr add 198.18.251.1/24 dev hvtbr0 || fail "second address"
truncate -s 16M "$tmp/data.img" || fail "data disk"

# boot_guest SERIAL: start QEMU (pid in $qpid), wait for the ready line.
# Not through inns: a function run with & is a subshell, and $! would be
# its pid instead of QEMU's (ip netns exec and run-guest.sh both exec).
boot_guest() {
	rm -f "$tmp/qemu.pid"
	ip netns exec "$ns" sh "$top/lab/guest/run-guest.sh" -n testvm \
	    -i "$addr/24" \
	    -g 198.18.250.1 -t hvttap0 \
	    -d "$tmp/data.img" -s "$1" -q "$tmp/qmp.sock" \
	    -p "$tmp/qemu.pid" >"$tmp/qemu.log" 2>&1 &
	qpid=$!
	i=0
	while ! grep -q 'HVLAB-GUEST READY' "$1" 2>/dev/null; do
		kill -0 "$qpid" 2>/dev/null ||
		    fail "QEMU exited before the ready line: $(tail -n 5 "$tmp/qemu.log")"
		i=$((i + 1))
		# 60 s is plenty on an idle machine; a loaded 2-core one has
		# taken 35.
		[ $i -le 1200 ] ||
		    fail "no ready line on the console within 120 s"
		sleep 0.1
	done
	[ "$(cat "$tmp/qemu.pid" 2>/dev/null)" = "$qpid" ] ||
	    fail "QEMU's pid file does not hold $qpid"
}

# 1. The ready line on the serial console.
boot_guest "$tmp/serial"
ready=$(grep 'HVLAB-GUEST READY' "$tmp/serial" | head -n 1 | tr -d '\r')
echo "console: $ready"
echo "$ready" | grep -Eq \
    "^HVLAB-GUEST READY name=testvm ip=$addr/24 boot_ms=[0-9]+\$" ||
    fail "ready line has the wrong form: '$ready'"
[ "$(grep -c 'HVLAB-GUEST READY' "$tmp/serial")" -eq 1 ] ||
    fail "the ready line must be printed exactly once"

# 2. A ping reply.
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if inns busybox ping -c 1 -W 2 "$addr" >/dev/null 2>&1; then
		ok=1
		break
	fi
done
[ $ok -eq 1 ] || fail "no ping reply from $addr"
echo "ping: reply from $addr"
inns busybox ping -c 1 -W 5 -I 198.18.251.1 "$addr" >/dev/null 2>&1 ||
    fail "no reply to 198.18.251.1: default route (hvlab.gw) missing"
echo "ping: reply via the default route (hvlab.gw)"

# 3. The agent protocol.
out=$(agent 'echo hello guest') || fail "agent echo: no reply"
[ "$out" = "hello guest" ] || fail "echo replied '$out'"
out=$(agent 'ping 42') || fail "agent ping: no reply"
[ "$out" = "pong 42" ] || fail "ping 42 replied '$out'"
out=$(agent 'frobnicate now') || fail "agent: no reply to unknown command"
[ "$out" = "error unknown command 'frobnicate'" ] ||
    fail "unknown command replied '$out'"
out=$(agent status) || fail "agent status: no reply"
echo "status: $out"
for want in '"name":"testvm"' "\"ip\":\"$addr/24\"" '"disk":"/dev/vda"' \
    '"journal":{"running":false,"last":0}' '"boot_ms":[0-9]+' \
    '"uptime_ms":[0-9]+'; do
	echo "$out" | grep -Eq "$want" || fail "status lacks $want"
done
# arp: a layer-2 neighbour answers, an absent one does not.
out=$(agent 'arp 198.18.250.1') || fail "agent arp: no reply"
echo "$out" | grep -Eq '^yes ([0-9a-f]{2}:){5}[0-9a-f]{2} [0-9]+$' ||
    fail "arp 198.18.250.1 replied '$out'"
out=$(agent 'arp 198.18.250.99 300') || fail "agent arp: no reply"
[ "$out" = "no" ] || fail "arp to an absent address replied '$out'"
# memtest: refuses bad sizes; sweeps and finds nothing lost on a guest
# that stays put; one at a time
out=$(agent 'memtest start 0') || fail "agent memtest: no reply"
[ "$out" = "error memtest: PAGES must be 1..16384" ] ||
    fail "memtest start 0 replied '$out'"
out=$(agent 'memtest start 256 1') || fail "agent memtest start: no reply"
echo "$out" | grep -Eq '^ok pages=256 sweeps=[0-9]+ errors=0$' ||
    fail "memtest start replied '$out'"
out=$(agent 'memtest start 16') || fail "agent memtest: no reply"
[ "$out" = "error memtest: already running" ] ||
    fail "a second memtest start replied '$out'"
sleep 1
out=$(agent 'memtest stop') || fail "agent memtest stop: no reply"
echo "memtest: $out"
echo "$out" | grep -Eq '^ok pages=256 sweeps=[1-9][0-9]* errors=0$' ||
    fail "memtest after 1 s replied '$out'"
# several requests on one connection, one reply each, in order
out=$(agent 'ping 1' 'echo two' 'ping 3' | tr '\n' ' ')
[ "$out" = "pong 1 two pong 3 " ] || fail "pipelined requests gave '$out'"

# 4. Journal: five acknowledged records, then read back.
out=$(inns "$ctl" -t 20 -n 6 "$addr" 'journal start /dev/vda 5' |
    tr '\n' ' ') || fail "journal start: fewer than 5 acks"
[ "$out" = "ok next=1 ack 1 ack 2 ack 3 ack 4 ack 5 " ] ||
    fail "journal start replied '$out'"
out=$(agent 'journal read') || fail "journal read: no reply"
echo "journal read: $out"
echo "$out" | grep -Eq '^\{"first":1,"last":[0-9]+,"count":[0-9]+,' ||
    fail "journal read has the wrong form"
last=$(echo "$out" | sed 's/.*"last":\([0-9]*\).*/\1/')
count=$(echo "$out" | sed 's/.*"count":\([0-9]*\).*/\1/')
[ "$last" -ge 5 ] || fail "journal read: last=$last, acknowledged 5"
[ "$count" -eq "$last" ] || fail "journal read: count $count != last $last"
echo "$out" | grep -q '"missing":\[\]' || fail "journal read: records missing"

# The same records seen from the host, in the disk image.
host=$("$ctl" -r "$tmp/data.img") || fail "agentctl -r data.img"
echo "host read: $host"
[ "$host" = "$out" ] || fail "host sees '$host', guest '$out'"

# A new journal continues the numbering after the last record on disk.
out=$(inns "$ctl" -t 20 -n 2 "$addr" 'journal start' | tr '\n' ' ') ||
    fail "second journal start"
[ "$out" = "ok next=$((last + 1)) ack $((last + 1)) " ] ||
    fail "second journal start replied '$out', expected next=$((last + 1))"

# journal stop from another connection ends a running journal.
inns "$ctl" -t 60 -n 100000 "$addr" 'journal start /dev/vda 50' \
    >"$tmp/journal.out" 2>&1 &
bgpid=$!
i=0
until grep -q '^ack' "$tmp/journal.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "background journal never acknowledged"
	sleep 0.1
done
out=$(agent status) || fail "status during journal"
echo "$out" | grep -q '"running":true' || fail "status: journal not running"
out=$(agent 'journal stop') || fail "journal stop: no reply"
echo "journal stop: $out"
echo "$out" | grep -Eq '^ok last=[0-9]+$' || fail "journal stop replied '$out'"
stopped=${out#ok last=}
sleep 0.3
lastack=$(grep '^ack' "$tmp/journal.out" | tail -n 1 | cut -d' ' -f2)
[ "$lastack" = "$stopped" ] ||
    fail "last ack $lastack differs from journal stop's last=$stopped"
out=$(agent status) || fail "status after stop"
echo "$out" | grep -q "\"journal\":{\"running\":false,\"last\":$stopped}" ||
    fail "status after stop: $out"
kill "$bgpid" 2>/dev/null
wait "$bgpid" 2>/dev/null
bgpid=''
out=$(agent 'journal read') || fail "journal read after stop"
echo "$out" | grep -q "\"last\":$stopped,\"count\":$stopped," ||
    fail "journal read after stop: $out (expected last=count=$stopped)"

# 5. burn answers at once and the agent stays responsive.
out=$(agent 'burn 1') || fail "burn: no reply"
[ "$out" = "ok" ] || fail "burn 1 replied '$out'"
out=$(agent 'burn forever') || fail "burn: no reply to bad argument"
case "$out" in error*) ;; *) fail "burn forever replied '$out'" ;; esac
out=$(agent 'ping 7') || fail "agent unresponsive during burn"
[ "$out" = "pong 7" ] || fail "ping during burn replied '$out'"

# 6. Power pull: every acknowledged record survives SIGKILL of QEMU, and
# after the next boot the journal continues after them.
inns "$ctl" -t 60 -n 100000 "$addr" 'journal start /dev/vda 0' \
    >"$tmp/journal2.out" 2>&1 &
bgpid=$!
i=0
until [ "$(grep -c '^ack' "$tmp/journal2.out" 2>/dev/null)" -ge 20 ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "journal before the power pull: too few acks"
	sleep 0.1
done
kill -9 "$qpid"
wait "$qpid" 2>/dev/null
qpid=''
kill "$bgpid" 2>/dev/null
wait "$bgpid" 2>/dev/null
bgpid=''
lastack=$(grep '^ack' "$tmp/journal2.out" | tail -n 1 | cut -d' ' -f2)
echo "power pull after ack $lastack"
boot_guest "$tmp/serial2"
out=$(agent 'journal read') || fail "journal read after the power pull"
echo "journal read after the power pull: $out"
last=$(echo "$out" | sed 's/.*"last":\([0-9]*\).*/\1/')
[ "$last" -ge "$lastack" ] ||
    fail "acknowledged record $lastack lost in the power pull (last=$last)"
echo "$out" | grep -q '"missing_count":0,' ||
    fail "records missing after the power pull: $out"
out=$(inns "$ctl" -t 20 -n 1 "$addr" 'journal start' 2>&1) ||
    fail "journal start after the power pull"
[ "$out" = "ok next=$((last + 1))" ] ||
    fail "journal after the power pull replied '$out', expected next=$((last + 1))"

echo "guest boot: ok"
exit 0
