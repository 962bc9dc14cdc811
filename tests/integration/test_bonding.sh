#!/bin/sh
# NIC bonding: one lab (t8a) with four 2-NIC hosts, LACP (fast) on both
# sides, every cable capped at 8 Mbit/s: ab (active-backup), slb
# (balance-slb), tcp1 and tcp2 (balance-tcp).  For each mode the station
# pings the host every 10 ms (hvlab probe ping) while its active NIC is
# unplugged: the host stays reachable, and the probe measured a downtime
# (printed, not asserted: timings belong to bench/bench_bonding.sh).  The
# other NIC then takes over alone and the host still answers after the
# first is plugged back and the second unplugged.  Throughput tcp1 -> tcp2
# with 4 flows over the two capped links (hvlab probe throughput) exceeds
# one link's cap: aggregation works.  The flows are hashed onto the links,
# and a bond puts new flows on one member until it rebalances (OVS:
# other_config:bond-rebalance-interval, 10 s by default, 1 s here), so a
# run may land all flows on one link; up to 3 runs are made, each printed.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=t8a
# Well below what three userspace OVS instances forward on 2 loaded cores
# (16-60 Mbit/s seen here), so that the cables are the bottleneck.
CAP=8

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
command -v ovs-vswitchd >/dev/null 2>&1 || { echo "no ovs-vswitchd"; exit 77; }
command -v busybox >/dev/null 2>&1 || { echo "no busybox"; exit 77; }
TMP=$(mktemp -d /tmp/t8a.XXXXXX)
# A private copy: other builds may relink bin/ while the test runs.
cp "$HVLAB" "$TMP/hvlab" && cp "$(dirname "$HVLAB")/hvlab-init" "$TMP/" || exit 1
HVLAB=$TMP/hvlab

fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
sinkpid=
cleanup() {
	[ -n "$sinkpid" ] && kill "$sinkpid" 2>/dev/null
	"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
x() { _node=$1; shift; "$HVLAB" lab exec "$_node" --lab $LAB -- "$@"; }
reach() { i=0; while [ $i -lt 10 ]; do x st busybox ping -c 1 -W 1 -q "$1" >/dev/null 2>&1 && return 0; i=$((i + 1)); done; return 1; }
addr() { "$HVLAB" lab status --lab $LAB | awk -v h="$1" '$1 == h { print $3 }'; }
active() {
	a=$("$HVLAB" lab status --lab $LAB --json | tr -d ' \n' |
	    sed -n "s/.*\"name\":\"$1\",[^}]*\"active_nic\":\"\(eth[0-9]\)\".*/\1/p")
	echo "${a:-eth0}"
}
# A figure from a probe's summary line: "... downtime_ms 85.4 ..." / "lost 2"
fig() { sed -n "s/.* $2 \([0-9.]*\).*/\1/p" "$1" | head -n 1; }

cat >"$TMP/lab.yaml" <<YAML
lab:
  name: $LAB
  switch:
    vlans: [ { id: 10, name: management, role: management } ]
    rate: ${CAP}mbit
  hosts:
    - { name: ab, nics: 2, bond: active-backup }
    - { name: slb, nics: 2, bond: balance-slb }
    - { name: tcp1, nics: 2, bond: balance-tcp }
    - { name: tcp2, nics: 2, bond: balance-tcp }
  station:
YAML
"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
"$HVLAB" lab up -q -f "$TMP/lab.yaml" || { echo "FAIL - lab up"; exit 1; }

for h in ab slb tcp1; do
	a=$(addr $h)
	nic=$(active $h)
	other=eth$((1 - ${nic#eth}))
	"$HVLAB" probe ping --netns $LAB-st --to "$a" --interval 10 \
	    --duration 3 --json "$TMP/$h.json" >"$TMP/$h.out" 2>&1 &
	p=$!
	sleep 1
	"$HVLAB" inject nic-unplug $h $nic --lab $LAB >/dev/null || bad "$h: unplug $nic"
	wait $p || bad "$h: ping probe ran"
	dt=$(fig "$TMP/$h.out" downtime_ms)
	lost=$(fig "$TMP/$h.out" lost)
	if [ -n "$dt" ]; then
		ok "$h: unplug $nic measured: downtime ${dt} ms, ${lost:-?} lost"
	else
		bad "$h: no downtime in the probe's JSON: $(cat "$TMP/$h.out")"
	fi
	if reach "$a"; then ok "$h reachable over $other alone"; else bad "$h reachable over $other alone"; fi
	"$HVLAB" inject nic-plug $h $nic --lab $LAB >/dev/null || bad "$h: plug $nic"
	sleep 3	# LACP (fast) brings the member back
	"$HVLAB" inject nic-unplug $h $other --lab $LAB >/dev/null || bad "$h: unplug $other"
	if reach "$a"; then ok "$h reachable over $nic alone"; else bad "$h reachable over $nic alone"; fi
	"$HVLAB" inject nic-plug $h $other --lab $LAB >/dev/null
done

# Throughput tcp1 -> tcp2: rebalance every second on both hosts' bonds and
# the switch's bonds toward them.
for n in tcp1 tcp2; do
	x $n ovs-vsctl set port bond0 other_config:bond-rebalance-interval=1000
	x sw ovs-vsctl set port $n other_config:bond-rebalance-interval=1000
done
sleep 3
a2=$(addr tcp2)
x tcp2 "$HVLAB" probe throughput --listen --count 16 --timeout 120 >/dev/null 2>&1 &
sinkpid=$!
sleep 1
best=0 run=1
while [ $run -le 3 ]; do
	x tcp1 "$HVLAB" probe throughput --to "$a2" --flows 4 --duration 4 \
	    --json "$TMP/tp$run.json" >"$TMP/tp.out" 2>&1 || { bad "throughput run $run: $(cat "$TMP/tp.out")"; break; }
	echo "     throughput run $run (cap $CAP Mbit/s per link): $(cat "$TMP/tp.out")"
	m=$(sed -n 's/.* s, \([0-9.]*\) Mbit\/s.*/\1/p' "$TMP/tp.out")
	if awk -v m="$m" -v c=$CAP 'BEGIN { exit !(m > c * 1.25) }'; then best=$m; break; fi
	run=$((run + 1))
done
if [ "$best" != 0 ]; then
	ok "4 flows over two ${CAP} Mbit/s links: $best Mbit/s, more than one link carries"
else
	bad "4 flows over two ${CAP} Mbit/s links never exceeded one link's cap"
fi
[ $fails -eq 0 ] && echo PASS
exit $fails
