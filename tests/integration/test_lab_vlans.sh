#!/bin/sh
# Two labs at once and VLAN isolation.  Lab t3b (tests/config/
# pass-lab-vlans.yaml: a1 trunk, a2 access VLAN 10, a3 access VLAN 30) and
# lab t3c (the same file under another name) come up side by side in
# different address blocks; a lab whose subnet clashes with a running one
# is refused and creates nothing; a2 (access 10) reaches a1 (trunk) but a3
# (access 30) does not reach them even with an address in their subnet;
# taking one lab down leaves the other running; `lab down` cleans up a lab
# whose `lab up` was killed half-way.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
TOPO=tests/config/pass-lab-vlans.yaml
ROOT=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd
TMP=$(mktemp -d /tmp/t3vlans.XXXXXX)
# Run a private copy: other builds may relink bin/ while the test runs.
cp "$HVLAB" "$TMP/hvlab" && cp "$(dirname "$HVLAB")/hvlab-init" "$TMP/" || exit 1
HVLAB=$TMP/hvlab

cleanup() {
	for l in t3b t3c t3d; do "$HVLAB" lab down --lab $l >/dev/null 2>&1; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
x() { l=$1 h=$2; shift 2; "$HVLAB" lab exec "$h" --lab "$l" -- "$@"; }
reach() { i=0; while [ $i -lt 10 ]; do x "$1" "$2" busybox ping -c 1 -W 2 -q "$3" >/dev/null 2>&1 && return 0; i=$((i + 1)); done; return 1; }
noreach() { ! x "$1" "$2" busybox ping -c 2 -W 1 -q "$3" >/dev/null 2>&1; }
col() { "$HVLAB" lab status --lab "$1" | awk -v h="$2" -v c="$3" '$1 == h { print $c }'; }
subnet() { "$HVLAB" lab status --lab "$1" | sed -n 's/.* subnet \([0-9.]*\)\/22.*/\1/p'; }

for l in t3b t3c t3d; do "$HVLAB" lab down --lab $l >/dev/null 2>&1; done
check "lab t3b up" "$HVLAB" lab up -f $TOPO --lab t3b
check "lab t3c up beside it" "$HVLAB" lab up -f $TOPO --lab t3c
sb=$(subnet t3b) sc=$(subnet t3c)
[ -n "$sb" ] && [ -n "$sc" ] && [ "$sb" != "$sc" ] && ok "the labs have different blocks ($sb, $sc)" ||
	bad "the labs have different blocks ($sb, $sc)"

# A third lab asking for t3b's block is refused and leaves nothing.
sed "s|^lab:|lab:\n  subnet: $sb/22|" $TOPO >"$TMP/clash.yaml"
out=$("$HVLAB" lab up -f "$TMP/clash.yaml" --lab t3d 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "already used by lab t3b" &&
	ok "a clashing subnet is refused" || bad "a clashing subnet is refused: $out"
[ -z "$(ls /run/netns | grep '^t3d-')" ] && [ ! -e "$ROOT/t3d" ] &&
	ok "the refused lab left nothing" || bad "the refused lab left nothing"

check "a1's cable is capped at 100 Mbit/s on both ends" sh -c "tc -n t3b-sw class show dev a1-eth0 | grep -q 'ceil 100Mbit' && tc -n t3b-a1 class show dev eth0 | grep -q 'ceil 100Mbit'"
check "a2's cable is not capped" sh -c "! tc -n t3b-sw class show dev a2-eth0 | grep -q ceil"
for l in t3b t3c; do
	a1=$(col $l a1 3) a2=$(col $l a2 3) a3=$(col $l a3 3)
	check "$l: station reaches a1 (trunk)" reach $l st "$a1"
	check "$l: a2 (access 10) reaches a1 (trunk)" reach $l a2 "$a1"
	check "$l: station does not reach a3 (access 30)" noreach $l st "$a3"
	# Give a3 an address in VLAN 10's subnet: still cut off at layer 2.
	fake=${a1%.*}.99
	x $l a3 ip addr add "$fake/24" dev mgmt
	check "$l: a1 does not reach a3 over VLAN 10's subnet" noreach $l a1 "$fake"
	check "$l: a2 does not reach a3 over VLAN 10's subnet" noreach $l a2 "$fake"
	# Control: the same trick on a2 (access 10) does reach.
	x $l a2 ip addr add "${a1%.*}.98/24" dev mgmt
	check "$l: a1 reaches a2's extra address (control)" reach $l a1 "${a1%.*}.98"
done
# Same addresses pattern in both labs, but no cross-talk: t3b's station
# does not reach t3c's hosts.
check "t3b's station does not reach t3c's a1" noreach t3b st "$(col t3c a1 3)"

# hvlab killed in the middle of `lab up`: `lab down` still finds it all.
"$HVLAB" lab up -q -f $TOPO --lab t3d >/dev/null 2>&1 &
upid=$!
sleep 1
kill -9 $upid 2>/dev/null
wait $upid 2>/dev/null
check "lab down after hvlab was killed during lab up" "$HVLAB" lab down --lab t3d
left=""
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "$ROOT/t3d/" && left="$left ${p#/proc/}"
done
[ -z "$(ls /run/netns | grep '^t3d-')" ] && [ ! -e "$ROOT/t3d" ] && [ -z "$left" ] &&
	ok "nothing of the killed lab is left" || bad "nothing of the killed lab is left:$left"

check "lab t3b down" "$HVLAB" lab down --lab t3b
check "t3c still answers after t3b is down" reach t3c st "$(col t3c a1 3)"
check "lab t3c down" "$HVLAB" lab down --lab t3c
[ -z "$(ls /run/netns | grep -E '^t3[bcd]-')" ] && ok "no namespace left" ||
	bad "no namespace left"
trap - EXIT INT TERM
rm -rf "$TMP"
[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all checks passed"
