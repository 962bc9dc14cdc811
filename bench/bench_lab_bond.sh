#!/bin/sh
# Benchmark: what a NIC unplug costs per bond mode.  One lab (t3bond) with
# four 2-NIC hosts: active-backup with LACP (the default), active-backup
# toward plain switch ports (lacp: off), balance-slb with LACP, balance-tcp
# with LACP.  For each host, RUNS times: the station pings the host every
# 10 ms for 3 s; 1 s in, the host's active NIC (eth0 for the balancing
# modes) is unplugged; it is plugged back afterwards.  Prints lost replies
# and the gap they make (lost x 10 ms) per run.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
RUNS=${RUNS:-3}
LAB=t3bond
[ "$(id -u)" -eq 0 ] || { echo "bench_lab_bond: needs root, skipped"; exit 0; }
[ -x "$HVLAB" ] || { echo "bench_lab_bond: no $HVLAB"; exit 1; }
# A private copy: other builds may relink bin/ meanwhile.
BIN=$(mktemp -d /tmp/t3bench-bin.XXXXXX)
cp "$HVLAB" "$(dirname "$HVLAB")/hvlab-init" "$BIN/" || exit 1
HVLAB=$BIN/hvlab
TMP=$(mktemp -d /tmp/t3bond.XXXXXX)
trap '"$HVLAB" lab down --lab $LAB >/dev/null 2>&1; rm -rf "$TMP" "$BIN"' EXIT INT TERM
cat >"$TMP/bond.yaml" <<'YAML'
lab:
  name: t3bond
  switch:
    vlans: [ { id: 10, name: management, role: management } ]
  hosts:
    - { name: ab, nics: 2, bond: active-backup }
    - { name: abplain, nics: 2, bond: active-backup, lacp: off }
    - { name: slb, nics: 2, bond: balance-slb }
    - { name: tcp, nics: 2, bond: balance-tcp }
  station:
YAML
"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
"$HVLAB" lab up -q -f "$TMP/bond.yaml" || { echo "lab up failed"; exit 1; }
addr() { "$HVLAB" lab status --lab $LAB | awk -v h="$1" '$1 == h { print $3 }'; }
active() {
	a=$("$HVLAB" lab exec "$1" --lab $LAB -- ovs-appctl bond/show bond0 |
	    sed -n 's/.*active member mac: .*(\(eth[0-9]\)).*/\1/p')
	echo "${a:-eth0}"
}
for h in ab abplain slb tcp; do
	a=$(addr $h)
	i=1
	while [ $i -le "$RUNS" ]; do
		nic=$(active $h)
		"$HVLAB" lab exec st --lab $LAB -- busybox ping -q -i 0.01 -c 300 -W 2 "$a" >"$TMP/ping" 2>&1 &
		pid=$!
		sleep 1
		"$HVLAB" inject nic-unplug $h $nic --lab $LAB >/dev/null
		wait $pid
		sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1/p' "$TMP/ping")
		got=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\2/p' "$TMP/ping")
		lost=$(( ${sent:-0} - ${got:-0} ))
		printf '%-8s run %d: unplug %s: %d of %d lost, gap ~%d ms\n' \
		    $h $i $nic $lost "${sent:-0}" $((lost * 10))
		"$HVLAB" inject nic-plug $h $nic --lab $LAB >/dev/null
		sleep 3	# LACP renegotiates, MACs settle
		i=$((i + 1))
	done
done
