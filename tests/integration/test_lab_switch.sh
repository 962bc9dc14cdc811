#!/bin/sh
# `hvlab lab switch`: the switch's side of a host's cables, on a small lab
# (sa: a LACP bond toward the switch; sb: two plain ports, lacp: off,
# capped at 100 Mbit/s by the topology).  A cap on sa becomes one HTB QoS
# on its bond port and an HTB class with that ceiling on each of its
# cables; a rebalance interval lands in the bond's other_config and stays
# when the cap changes; 0 and `default` remove them, leaving no QoS row
# behind; a cap on sb replaces the topology's QoS of both its ports.  An
# unknown host, a negative or too large rate, a too short interval, an
# interval on plain ports and a call without a setting are refused with a
# message saying why, and change nothing.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=tsw$$
LAB=$(echo "$LAB" | cut -c1-16)

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server tc
TMP=$(mktemp -d /tmp/tsw.XXXXXX)
# Run a private copy: other builds may relink bin/ while the test runs.
cp "$HVLAB" "$TMP/hvlab" && cp "$(dirname "$HVLAB")/hvlab-init" "$TMP/" || exit 1
HVLAB=$TMP/hvlab

cleanup() { "$HVLAB" lab down --lab $LAB >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
sw() { "$HVLAB" lab switch "$@" --lab $LAB; }
vsctl() { "$HVLAB" lab exec sw --lab $LAB -- ovs-vsctl --timeout=20 "$@"; }
# The max-rate of port $1's QoS ("" when it has none).
rate() { q=$(vsctl get port "$1" qos); [ "$q" = "[]" ] || vsctl get qos "$q" other_config:max-rate | tr -d '"'; }
rebal() { vsctl --if-exists get port "$1" other_config:bond-rebalance-interval | tr -d '"'; }
nqos() { vsctl --bare --columns=_uuid list qos | grep -c .; }
# Refused: non-zero exit, and stderr says $2.
refused() {
	msg=$1 want=$2; shift 2
	out=$(sw "$@" 2>&1) && { bad "$msg: it succeeded"; return; }
	echo "$out" | grep -qF -- "$want" && ok "$msg" || bad "$msg: $out"
}

cat >"$TMP/lab.yaml" <<YAML
lab:
  name: $LAB
  switch:
    vlans: [ { id: 10, name: management, role: management } ]
    ports:
      - { host: sb, rate: 100mbit }
  hosts:
    - { name: sa, nics: 2, bond: balance-tcp }
    - { name: sb, nics: 2, bond: active-backup, lacp: off }
  station:
YAML
"$HVLAB" lab up -q -f "$TMP/lab.yaml" || { echo "FAIL - lab up"; exit 1; }
n0=$(nqos)
[ "$n0" -eq 2 ] && ok "the topology's cap on sb is one QoS per plain port" ||
	bad "the topology's cap on sb is one QoS per plain port ($n0)"

# 1. A cap and a rebalance interval on sa's bond, then both removed.
check "lab switch sa --rate 8" sw sa --rate 8
[ "$(rate sa)" = 8000000 ] && ok "sa's bond port has a QoS of 8000000 bit/s" ||
	bad "sa's bond port has a QoS of 8000000 bit/s ($(rate sa))"
[ "$(vsctl get qos "$(vsctl get port sa qos)" type)" = linux-htb ] &&
	ok "the QoS is linux-htb" || bad "the QoS is linux-htb"
for n in 0 1; do
	"$HVLAB" lab exec sw --lab $LAB -- tc class show dev sa-eth$n | grep -q 'ceil 8Mbit' &&
		ok "cable sa-eth$n has an HTB class with ceiling 8Mbit" ||
		bad "cable sa-eth$n has an HTB class with ceiling 8Mbit"
done
check "lab switch sa --rebalance 1000" sw sa --rebalance 1000
[ "$(rebal sa)" = 1000 ] && ok "sa's bond rebalances every 1000 ms" ||
	bad "sa's bond rebalances every 1000 ms ($(rebal sa))"
[ "$(rate sa)" = 8000000 ] && ok "setting the interval leaves the cap" ||
	bad "setting the interval leaves the cap ($(rate sa))"
check "lab switch sa --rate 16 (a new cap)" sw sa --rate 16
[ "$(rate sa)" = 16000000 ] && [ "$(nqos)" -eq $((n0 + 1)) ] &&
	ok "a new cap replaces the old QoS row" ||
	bad "a new cap replaces the old QoS row ($(rate sa), $(nqos) rows)"
check "lab switch sa --rate 0" sw sa --rate 0
[ "$(vsctl get port sa qos)" = "[]" ] && ok "--rate 0 clears sa's QoS" ||
	bad "--rate 0 clears sa's QoS"
[ "$(nqos)" -eq "$n0" ] && ok "no QoS row is left behind" ||
	bad "no QoS row is left behind ($(nqos), was $n0)"
"$HVLAB" lab exec sw --lab $LAB -- tc qdisc show dev sa-eth0 | grep -q htb &&
	bad "cable sa-eth0 has no HTB qdisc any more" ||
	ok "cable sa-eth0 has no HTB qdisc any more"
[ "$(rebal sa)" = 1000 ] && ok "removing the cap leaves the interval" ||
	bad "removing the cap leaves the interval ($(rebal sa))"
check "lab switch sa --rebalance default" sw sa --rebalance default
[ -z "$(rebal sa)" ] && ok "--rebalance default removes the interval" ||
	bad "--rebalance default removes the interval ($(rebal sa))"

# 2. sb's plain ports: the topology's cap replaced, then removed.
check "lab switch sb --rate 20" sw sb --rate 20
[ "$(rate sb-eth0)" = 20000000 ] && [ "$(rate sb-eth1)" = 20000000 ] &&
	ok "both of sb's ports are capped at 20 Mbit/s" ||
	bad "both of sb's ports are capped at 20 Mbit/s ($(rate sb-eth0), $(rate sb-eth1))"
[ "$(nqos)" -eq "$n0" ] && ok "the topology's QoS rows are replaced, not kept" ||
	bad "the topology's QoS rows are replaced, not kept ($(nqos))"
check "lab switch sb --rate 0" sw sb --rate 0
[ "$(nqos)" -eq 0 ] && ok "no QoS row is left on the switch" ||
	bad "no QoS row is left on the switch ($(nqos))"

# 3. Refusals change nothing.
check "lab switch sa --rate 8 --rebalance 2000" sw sa --rate 8 --rebalance 2000
refused "an unknown host is refused by name" "no host 'nosuch' in lab $LAB" nosuch --rate 4
refused "a negative rate is refused" "--rate '-5' is not a whole number of Mbit/s" sa --rate -5
refused "a rate above 10000 Mbit/s is refused" "a rate of 20000 Mbit/s is out of range" sa --rate 20000
refused "an interval under 1 s is refused" "a rebalance interval of 500 ms is out of range" sa --rebalance 500
refused "plain ports have no interval" "host sb: its switch ports are not a bond" sb --rebalance 1000
refused "a call without a setting prints the usage" "usage: hvlab lab switch HOST" sa
[ "$(rate sa)" = 8000000 ] && [ "$(rebal sa)" = 2000 ] && [ "$(nqos)" -eq 1 ] &&
	ok "the refused calls changed nothing" ||
	bad "the refused calls changed nothing ($(rate sa), $(rebal sa), $(nqos))"

"$HVLAB" lab down --lab $LAB || bad "lab down"
ls /run/netns 2>/dev/null | grep -q "^$LAB-" && bad "no namespace left" || ok "no namespace left"
trap - EXIT INT TERM
rm -rf "$TMP"
[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all checks passed"
