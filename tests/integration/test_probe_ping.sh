#!/bin/sh
# test_probe_ping: the ping probe measures a path cut of known length.
#
# Two namespaces joined by a veth (198.18.251.0/24).  `hvlab probe ping`
# pings from the first one every 10 ms while tcpdump, started
# independently, writes a pcap on the same interface.  The test cuts the
# path with an nftables rule in the target namespace that drops echo
# requests (added, held, removed), in two runs: every 10 ms with a 1 s cut,
# every 1 ms with a 0.4 s cut.  Each time the probe's downtime must match
# the cut within 2 intervals (the cut lies between the end of the `nft add`
# and the start of `nft delete`, at most between their starts and ends),
# and match the longest gap between echo replies in tcpdump's pcap
# (computed here with tcpdump -r and awk) within 1 ms; `hvlab probe pcap`
# on tcpdump's file must agree too, and the events file's mark must land
# inside the downtime.
#
# Carrier down on a veth is no good oracle here: the kernel queues the
# requests while the carrier is off and releases them when linkwatch
# notices the carrier again (up to 1 s later), so nothing is lost and the
# gap is longer than the cut (see docs/probes.md).
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
hv=${HVLAB_BIN:-$top/bin/hvlab}
p=hvt-probe-$$
nsa=$p-a nsb=$p-b
ifa=hvtp$$a ifb=hvtp$$b
dir=$(mktemp -d "/tmp/$p.XXXXXX")
tcpdump_pid='' probe_pid=''

cleanup() {
	[ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null
	[ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
	[ -n "$probe_pid" ] && wait "$probe_pid" 2>/dev/null
	[ -n "$tcpdump_pid" ] && wait "$tcpdump_pid" 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; exit 1; }

for t in ip nft tcpdump awk; do
	command -v $t >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
[ -x "$hv" ] || fail "$hv not built"

ip netns add "$nsa" || fail "netns $nsa"
ip netns add "$nsb" || fail "netns $nsb"
ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" ||
	fail "veth"
ip -n "$nsa" addr add 198.18.251.1/24 dev "$ifa"
ip -n "$nsb" addr add 198.18.251.2/24 dev "$ifb"
for n in "$nsa" "$nsb"; do ip -n "$n" link set lo up; done
ip -n "$nsa" link set "$ifa" up
ip -n "$nsb" link set "$ifb" up

# jget FILE KEY: a number member of the probe's (formatted) JSON.
jget() {
	sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([-0-9.eE+]*\),\{0,1\}$/\1/p" \
	    "$1" | head -n 1
}
now_ns() { date +%s%N; }

# run NAME INTERVAL_MS CUT_ON CUT_OFF HOLD_S: probe 5 s, cut after 1.5 s
# for HOLD_S.
run() {
	name=$1 iv=$2 on=$3 off=$4 hold=$5
	pcap=$dir/$name.pcap json=$dir/$name.json
	ip netns exec "$nsa" tcpdump -Z root -i "$ifa" -n -U --immediate-mode -s 128 -B 8192 \
	    --time-stamp-precision=nano -w "$pcap" icmp \
	    2>"$dir/$name.tcpdump.err" &
	tcpdump_pid=$!
	i=0
	until grep -q "listening on" "$dir/$name.tcpdump.err"; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "tcpdump did not start"
		sleep 0.1
	done
	"$hv" probe ping --to 198.18.251.2 --netns "$nsa" --interval $iv \
	    --duration 5 --json "$json" --csv "$dir/$name.csv" \
	    --events "$dir/$name.events" \
	    >"$dir/$name.out" 2>&1 &
	probe_pid=$!
	sleep 1.5
	t1=$(now_ns); sh -c "$on" || fail "$name: cut on"; t2=$(now_ns)
	# What `hvlab inject` would log: the probe must place it on its
	# timeline (and skip a line that is not an event).
	echo "{\"event\":\"cut\",\"target\":\"$name\",\"wall_ns\":$t2}" \
	    >>"$dir/$name.events"
	echo "not an event" >>"$dir/$name.events"
	sleep "$hold"
	t3=$(now_ns); sh -c "$off" || fail "$name: cut off"; t4=$(now_ns)
	wait "$probe_pid"; rc=$?; probe_pid=''
	sleep 0.3
	kill -INT "$tcpdump_pid"; wait "$tcpdump_pid"; tcpdump_pid=''
	cat "$dir/$name.out"
	[ $rc -eq 0 ] || fail "$name: hvlab probe ping exited $rc"
	[ -s "$json" ] || fail "$name: no JSON written"

	down=$(jget "$json" downtime_ms)
	lost=$(jget "$json" lost)
	sent=$(jget "$json" sent)
	ident=$(jget "$json" ident)
	[ -n "$down" ] && [ -n "$ident" ] || fail "$name: JSON lacks figures"
	# The longest gap between consecutive echo replies in tcpdump's pcap.
	gap=$(tcpdump -r "$pcap" -n -tt --time-stamp-precision=nano \
	    "icmp[icmptype] == icmp-echoreply and icmp[4:2] == $ident" \
	    2>/dev/null | awk '
		{ split($1, t, "."); s = t[1]; f = t[2];
		  while (length(f) < 9) f = f "0";
		  if (n == 0) s0 = s;
		  x = (s - s0) * 1e9 + f;
		  if (n > 0 && x - prev > best) best = x - prev;
		  prev = x; n++ }
		END { if (n < 2) print "none"; else printf "%.6f\n", best / 1e6 }')
	replies=$(tcpdump -r "$pcap" -n \
	    "icmp[icmptype] == icmp-echoreply and icmp[4:2] == $ident" \
	    2>/dev/null | wc -l)
	cut_min=$(( (t3 - t2) / 1000 ))		# us
	cut_max=$(( (t4 - t1) / 1000 ))
	echo "$name: probe downtime_ms=$down sent=$sent lost=$lost;" \
	    "pcap gap_ms=$gap replies=$replies;" \
	    "cut_ms between $((cut_min / 1000)) and $((cut_max / 1000))"
	[ "$gap" != none ] || fail "$name: tcpdump saw no replies"
	awk -v d="$down" -v g="$gap" 'BEGIN {
		e = d - g; if (e < 0) e = -e; exit !(e <= 1.0) }' ||
		fail "$name: downtime $down ms differs from the pcap's" \
		    "$gap ms by more than 1 ms"
	awk -v d="$down" -v lo="$cut_min" -v hi="$cut_max" -v iv=$iv 'BEGIN {
		exit !(d >= lo / 1000 - 2 * iv && d <= hi / 1000 + 2 * iv) }' ||
		fail "$name: downtime $down ms is not within 2 intervals of" \
		    "the cut ($((cut_min / 1000))..$((cut_max / 1000)) ms)"
	# `hvlab probe pcap` on tcpdump's file measures the same.
	"$hv" probe pcap "$pcap" --to 198.18.251.2 --ident "$ident" \
	    --json "$dir/$name.pcap.json" >/dev/null ||
		fail "$name: hvlab probe pcap failed"
	fdown=$(jget "$dir/$name.pcap.json" downtime_ms)
	echo "$name: hvlab probe pcap on tcpdump's file: downtime_ms=$fdown"
	awk -v d="$down" -v g="$fdown" 'BEGIN {
		e = d - g; if (e < 0) e = -e; exit !(e <= 1.0) }' ||
		fail "$name: probe pcap says $fdown ms, the probe $down ms"
	grep -q "\"label\":[[:space:]]*\"cut $name\"" "$json" ||
		fail "$name: the event is not marked on the timeline"
	mark=$(jget "$json" t_ms)
	dstart=$(jget "$json" downtime_start_ms)
	dend=$(jget "$json" downtime_end_ms)
	echo "$name: mark 'cut $name' at $mark ms, downtime $dstart .. $dend ms"
	awk -v m="$mark" -v a="$dstart" -v b="$dend" \
	    'BEGIN { exit !(m >= a && m <= b) }' ||
		fail "$name: the cut's mark is not inside the downtime"
	[ "$sent" -eq $((5000 / iv)) ] ||
		fail "$name: sent $sent requests, expected $((5000 / iv))"
	[ "$((sent - lost))" -eq "$replies" ] ||
		fail "$name: received $((sent - lost)) but the pcap holds" \
		    "$replies replies"
}

cat >"$dir/cut.nft" <<EOF
table inet $p {
	chain input {
		type filter hook input priority 0; policy accept;
		icmp type echo-request drop
	}
}
EOF
run nft10 10 "ip netns exec $nsb nft -f $dir/cut.nft" \
    "ip netns exec $nsb nft delete table inet $p" 1
run nft1 1 "ip netns exec $nsb nft -f $dir/cut.nft" \
    "ip netns exec $nsb nft delete table inet $p" 0.4

echo "ok"
