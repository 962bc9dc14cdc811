#!/bin/sh
# test_hvd_migrate: the issue's migration acceptance through hvd.  Three
# nodes with their own OVS, a tgtd SAN, one pool command; a VM with its
# disk on an iSCSI LUN and a NIC on VLAN 10 boots and answers the
# station's ping; it migrates live between every ordered pair of nodes and
# answers after each move; then cold (stopped) around the ring, starting
# and answering on each node; the pattern written to its disk before is
# intact at the end, and so is its memory: the guest agent's memtest
# rewrites 2048 pages every millisecond, checking each time what it wrote
# before, through all the live moves (a write a migration did not carry
# shows as an error).  A 10 ms ping from the station runs through every
# live switchover (traffic at the switchover is what corrupted TCG guests
# under QEMU 7.2 before hvd's one-pass workaround: docs/vm.md), and the gap
# it saw is printed (figures belong to bench_migrate, not to this test).
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 15 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
PG=$HVD_TOP/build/pinggap
[ -x "$PG" ] || { echo "build/pinggap not built (make)"; exit 77; }
VMTOOL=$HVD_TOP/build/vmtool
[ -x "$VMTOOL" ] || { echo "build/vmtool not built (make)"; exit 77; }
for c in tgtd tgtadm qemu-io nsenter unshare busybox; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

hvd_setup 3
hvd_san_start 1 256M || fail "SAN"
for i in 1 2 3; do hvd_start $i || fail "hvd $i"; done
hvd_form_cluster mlab >/dev/null || fail "cluster"
hvctl_on 2 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" || fail "pool"
hvctl_on 3 pool volume-create san d1 || fail "volume"
ip netns exec "$(hvd_ns 1)" qemu-io -f qcow2 -c "write -P 0x5a 4M 1M" \
    "iscsi://$HVD_SAN_ADDR/$HVD_IQN/1" >/dev/null || fail "pattern"
hvd_station st 1 10 198.18.251.1/24 || fail "station"
IP=198.18.251.10
hvctl_on 1 vm create vm1 --node node1 --memory 128 --nic 10 --disk san:d1 \
    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=vm1 hvlab.ip=$IP/24" || fail "create"

answers() {
	t=0
	while ! ip netns exec "$HVD_P-st" busybox ping -c 1 -W 1 "$IP" >/dev/null 2>&1; do
		t=$((t + 1)); [ $t -lt 90 ] || return 1
		! why=$(hvd_vm_ended 1 vm1) || fail "vm1 ended: $why"
	done
}
hvctl_on 1 vm start vm1 >/dev/null || fail "start"
answers || fail "vm1 answers on node1"
# TCP to the agent from the station: docs/lab.md "vnet_hdr"
ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"
agent() { ip netns exec "$HVD_P-st" "$G/agentctl" -t 20 "$IP" "$@"; }
mt=$(agent "memtest start 2048 1") || fail "memtest start: $mt"
case $mt in ok*) ;; *) fail "memtest start: $mt" ;; esac
sweeps=0
on=1
for to in 2 3 1 3 2 1; do
	ip netns exec "$HVD_P-st" "$PG" -i 10000 -w 600 "$IP" >"$HVD_TMP/gap" 2>&1 &
	pg=$!
	out=$(hvctl_on "$to" --json vm migrate vm1 "node$to" --live 2>&1) ||
	    { kill $pg; wait $pg; fail "live node$on -> node$to: $out"; }
	sleep 1
	kill -INT $pg; wait $pg
	hvctl_on 1 vm status vm1 | grep -q "running on node$to" || fail "vm1 on node$to"
	answers || fail "vm1 answers after node$on -> node$to (pinged through the switchover: $(cat "$HVD_TMP/gap"))"
	mt=$(agent "memtest status") || fail "memtest status after node$on -> node$to: $mt"
	n=$(echo "$mt" | sed -n 's/.* sweeps=\([0-9]*\).*/\1/p')
	case $mt in
	*" errors=0"*) ;;
	*) fail "vm1 lost memory writes in node$on -> node$to: $mt" ;;
	esac
	[ "${n:-0}" -gt "$sweeps" ] || fail "memtest stands still on node$to: $mt"
	sweeps=$n
	echo "live node$on -> node$to: QEMU $(echo "$out" | json_field downtime_ms) ms downtime, $(echo "$out" | json_field total_time_ms) ms total; 10 ms ping gap $(sed -n 's/.*"max_gap_ms":\([0-9.]*\).*/\1/p' "$HVD_TMP/gap") ms; answers; memtest: $sweeps sweeps, 0 errors"
	on=$to
done
agent "memtest stop" >/dev/null || fail "memtest stop"
hvctl_on 1 vm stop vm1 >/dev/null || fail "stop"
for to in 2 3 1; do
	hvctl_on 1 vm migrate vm1 "node$to" >/dev/null || fail "cold -> node$to"
	hvctl_on 1 vm start vm1 >/dev/null || fail "start on node$to"
	hvctl_on 1 vm status vm1 | grep -q "running on node$to" || fail "vm1 runs on node$to"
	answers || fail "vm1 answers on node$to after a cold move"
	hvctl_on 1 vm stop vm1 >/dev/null || fail "stop on node$to"
	echo "cold -> node$to: starts and answers"
done
ip netns exec "$(hvd_ns 3)" qemu-io -f qcow2 -c "read -P 0x5a 4M 1M" \
    "iscsi://$HVD_SAN_ADDR/$HVD_IQN/1" | grep -q "read 1048576" || fail "disk pattern intact"
echo PASS
