#!/bin/sh
# test_hvd_net: VLAN networking through hvd on 2 nodes, each with its own
# Open vSwitch (userspace datapath) and a trunk between them.  VMs a
# (node1) and b (node2) on VLAN 10, c (node2) on VLAN 20, all in one IP
# subnet: a station on VLAN 10 reaches a and b across the hosts, not c; a
# station on VLAN 20 reaches c only.  hvctl network show lists the tagged
# VM ports; a VLAN change whose management check fails is rolled back by
# itself (a stays reachable); one whose check passes moves b to VLAN 20.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
command -v busybox >/dev/null || { echo "busybox (ping) missing"; exit 77; }
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }

NET=198.18.251
hvd_setup 2
for i in 1 2; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster netlab || fail "cluster did not form"
hvd_station st10 1 10 "$NET.1/24" || fail "station on VLAN 10"
hvd_station st20 1 20 "$NET.2/24" || fail "station on VLAN 20"

mkvm() {	# NAME NODE VLAN LAST-OCTET
	hvctl_on 1 vm create "$1" --node "$2" --memory 128 --nic "$3" \
	    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
	    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=$1 hvlab.ip=$NET.$4/24" ||
	    fail "create $1"
	hvctl_on 1 vm start "$1" >/dev/null || fail "start $1"
}
mkvm a node1 10 10
mkvm b node2 10 11
mkvm c node2 20 12

reach() {	# STATION ADDR: 0 when a reply comes within ~60 s
	t=0
	while ! ip netns exec "$HVD_P-$1" busybox ping -c 1 -W 1 "$2" >/dev/null 2>&1; do
		t=$((t + 1)); [ $t -lt 60 ] || return 1
	done
}
never() {	# STATION ADDR: no reply to 3 pings
	! ip netns exec "$HVD_P-$1" busybox ping -c 3 -W 1 "$2" >/dev/null 2>&1
}
reach st10 $NET.10 || fail "VLAN 10 station reaches a on node1"
reach st10 $NET.11 || fail "VLAN 10 station reaches b on node2 (across the trunk)"
reach st20 $NET.12 || fail "VLAN 20 station reaches c on node2"
never st10 $NET.12 || fail "VLAN 10 does not reach c (VLAN 20)"
never st20 $NET.10 || fail "VLAN 20 does not reach a"
never st20 $NET.11 || fail "VLAN 20 does not reach b"
echo "VLAN isolation holds across hosts"

hvctl_on 1 network show node2 || fail "network show node2 (asked on node1)"
show=$(hvctl_on 1 --json network show node1 | tr -d '\n\t ')
tapa=$(echo "$show" | grep -o '"name":"hv[^"]*"' | head -n 1 | cut -d'"' -f4)
[ -n "$tapa" ] || fail "a's tap is on node1's bridge: $show"
echo "$show" | grep -q "\"name\":\"$tapa\",\"tag\":10" || fail "a's tap has tag 10: $show"

# A change that cuts the management path is rolled back by itself.
hvctl_on 1 network vlan node1 "$tapa" 20 --check-addr 198.18.252.99 --grace-ms 1500 &&
    fail "a change whose check fails is refused"
hvctl_on 1 --json network show node1 | tr -d '\n\t ' | grep -q "\"name\":\"$tapa\",\"tag\":10" ||
    fail "a's tap is back on VLAN 10"
reach st10 $NET.10 || fail "a still reachable after the rollback"

# One that keeps the management path stays: b moves to VLAN 20.
tapb=$(hvctl_on 2 --json network show node2 | tr -d '\n\t ' | grep -o '"name":"hv[^"]*","tag":10' | cut -d'"' -f4)
hvctl_on 1 network vlan node2 "$tapb" 20 || fail "VLAN change of b's port"
reach st20 $NET.11 || fail "b reachable on VLAN 20 now"
never st10 $NET.11 || fail "b not on VLAN 10 any more"
for v in a b c; do hvctl_on 1 vm stop $v >/dev/null || fail "stop $v"; done
echo PASS
