#!/bin/sh
# bench_probe_migrate: what the probes see during a live migration.
#
# One namespace (hvt-probe-mPID) with a bridge (198.18.253.1/24) and two
# taps.  The lab guest boots on QEMU A (tap A, a raw data disk); QEMU B
# waits with -incoming on tap B, same disk, same MAC.  The ping probe
# (10 ms), the TCP session probe (20 ms) and the write-integrity probe run
# while A migrates to B (HMP `migrate -d`, QEMU in TCG).  Prints the ping
# downtime and loss, whether the TCP session survived and its longest
# stall, lost acknowledged writes and the longest write stall, and QEMU's
# own downtime and total time from `info migrate`.  The migration start and
# end are marks on the ping timeline (events file).  Figures only; with
# --check (tests/integration/test_probe_migrate.sh) it also fails unless
# the behaviour is right: the migration completed, the TCP session
# survived, no acknowledged write was lost, both marks are on the timeline.
set -u
check=0
[ "${1:-}" = --check ] && check=1
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
hv=${HVLAB_BIN:-$top/bin/hvlab}
g=$top/build/guest
p=hvt-probe-m$$
ns=$p
addr=198.18.253.2
mac=52:54:00:fd:00:02
dir=$(mktemp -d "/tmp/$p.XXXXXX") || exit 1
qa='' qb='' pp='' tp='' ip_=''

cleanup() {
	for pid in $pp $tp $ip_; do kill "$pid" 2>/dev/null; done
	for pid in $qa $qb; do kill -9 "$pid" 2>/dev/null; done
	for pid in $pp $tp $ip_ $qa $qb; do wait "$pid" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip=1
[ $check -eq 1 ] && skip=77
[ "$(id -u)" -eq 0 ] || { echo "bench_probe_migrate: needs root"; exit $skip; }
[ -f "$g/vmlinux" ] && [ -f "$g/initrd.img" ] ||
	{ echo "build/guest missing (make guest)"; exit $skip; }
[ -x "$hv" ] || { echo "bench_probe_migrate: $hv not built"; exit 1; }

jget() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([^,]*\),\{0,1\}$/\1/p" \
	    "$1" | head -n 1 | tr -d '"'
}
hmp() {	# PORT COMMAND: one human monitor command, its output
	printf '%s\n' "$2" | ip netns exec "$ns" busybox nc -w 1 127.0.0.1 "$1" \
	    2>/dev/null | tr -d '\r'
}
event() { # NAME: what `hvlab inject` would log
	echo "{\"event\":\"$1\",\"wall_ns\":$(date +%s%N)}" >>"$dir/events"
}
ready() { # SERIAL PID
	i=0
	until grep -q 'HVLAB-GUEST READY' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1)); [ $i -le 1200 ] || return 1
		sleep 0.1
	done
}

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
ip -n "$ns" link add hvtmbr0 type bridge
for t in hvtmtapa hvtmtapb; do
	ip -n "$ns" tuntap add dev $t mode tap
	ip -n "$ns" link set $t master hvtmbr0
	ip -n "$ns" link set $t up
done
ip -n "$ns" link set hvtmbr0 up
ip -n "$ns" addr add 198.18.253.1/24 dev hvtmbr0
truncate -s 16M "$dir/data.raw"

guest() { # TAP SERIAL MONPORT [QEMU ARGS]
	tap=$1 serial=$2 mon=$3
	shift 3
	ip netns exec "$ns" sh "$top/lab/guest/run-guest.sh" -n "$p" \
	    -i "$addr/24" -a "$mac" -t "$tap" -d "$dir/data.raw" -s "$serial" \
	    -- -monitor "tcp:127.0.0.1:$mon,server=on,wait=off" "$@" \
	    >>"$dir/qemu.log" 2>&1 &
}
guest hvtmtapa "$dir/serial.a" 5551
qa=$!
ready "$dir/serial.a" "$qa" ||
	{ echo "guest A did not boot"; tail -n 5 "$dir/qemu.log"; exit 1; }
guest hvtmtapb "$dir/serial.b" 5552 -incoming tcp:127.0.0.1:4444
qb=$!
sleep 1

"$hv" probe ping --to "$addr" --netns "$ns" --interval 10 \
    --events "$dir/events" --json "$dir/ping.json" >"$dir/ping.out" 2>&1 &
pp=$!
"$hv" probe tcp --to "$addr" --netns "$ns" --interval 20 --timeout 10 \
    --json "$dir/tcp.json" >"$dir/tcp.out" 2>&1 &
tp=$!
"$hv" probe integrity --to "$addr" --netns "$ns" --interval 10 --silence 10 \
    --json "$dir/int.json" >"$dir/int.out" 2>&1 &
ip_=$!
sleep 3

# QEMU < 9.0 under TCG loses guest writes when it syncs the dirty bitmap
# while the guest runs (docs/vm.md "Live migration under TCG"): one pass
# over RAM, as hvd does, or the guest is corrupted now and then.
if [ "$("$hv" accel)" = tcg ]; then
	hmp 5551 "migrate_set_parameter downtime-limit 0" >/dev/null
fi
event migrate-start
hmp 5551 "migrate -d tcp:127.0.0.1:4444" >/dev/null
i=0 status=''
while [ $i -lt 600 ]; do
	info=$(hmp 5551 "info migrate")
	status=$(echo "$info" | sed -n 's/^Migration status: *//p' | head -n 1)
	case "$status" in completed|failed|cancelled) break ;; esac
	i=$((i + 1))
	sleep 0.2
done
event migrate-done
qemu_down=$(echo "$info" | sed -n 's/^downtime: *\([0-9]*\) ms.*/\1/p')
qemu_total=$(echo "$info" | sed -n 's/^total time: *\([0-9]*\) ms.*/\1/p')
sleep 3
for pid in $pp $tp $ip_; do kill -TERM "$pid"; done
for pid in $pp $tp; do wait "$pid"; done
wait "$ip_"
pp='' tp='' ip_=''
cat "$dir/ping.out" "$dir/tcp.out" "$dir/int.out"

echo "migration: status $status, QEMU downtime ${qemu_down:-?} ms," \
    "total ${qemu_total:-?} ms"
echo "ping: downtime_ms $(jget "$dir/ping.json" downtime_ms)" \
    "lost $(jget "$dir/ping.json" lost)/$(jget "$dir/ping.json" sent)" \
    "send_gap_ms $(jget "$dir/ping.json" downtime_send_gap_ms)" \
    "marks: $(grep -c '"label"' "$dir/ping.json")"
echo "tcp: survived $(jget "$dir/tcp.json" survived)" \
    "stall_ms $(jget "$dir/tcp.json" stall_ms)" \
    "lost $(jget "$dir/tcp.json" lost)"
echo "integrity: lost_acked_writes $(jget "$dir/int.json" lost_acked_writes)" \
    "acked $(jget "$dir/int.json" acked)" \
    "write_stall_ms $(jget "$dir/int.json" write_stall_ms)" \
    "journal_end '$(jget "$dir/int.json" journal_end)'"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
[ $check -eq 1 ] || exit 0
bad=0
[ "$status" = completed ] || { echo "FAIL: migration $status"; bad=1; }
[ "$(jget "$dir/tcp.json" survived)" = true ] ||
	{ echo "FAIL: the TCP session did not survive a live migration"; bad=1; }
[ "$(jget "$dir/int.json" lost_acked_writes)" = 0 ] ||
	{ echo "FAIL: acknowledged writes lost in a live migration"; bad=1; }
[ "$(jget "$dir/int.json" acked)" -gt 0 ] 2>/dev/null ||
	{ echo "FAIL: no write acknowledged"; bad=1; }
[ "$(grep -c '"label"' "$dir/ping.json")" -eq 2 ] ||
	{ echo "FAIL: the migration marks are not on the ping timeline"; bad=1; }
[ "$(jget "$dir/ping.json" received)" -gt 0 ] 2>/dev/null ||
	{ echo "FAIL: no ping reply"; bad=1; }
exit $bad
