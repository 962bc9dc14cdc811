#!/bin/sh
# test_hvd_snapshot: snapshots through hvd on one node (real etcd, QEMU,
# tgtd, OVS), the guest's agent reached from a station on VLAN 10.
# Refusals first: a raw disk (409, the disk named), a RAM snapshot of a
# stopped VM (409 with_ram), a bad name and an unknown member (400), a
# name taken twice (409).  On a dir pool: a disk-only snapshot of the
# stopped VM (qemu-img's tag checked), then of the running VM while the
# guest's journal writes to its disk, then one with RAM (pause_ms from
# QEMU's events).  Rollback to the RAM snapshot: the VM runs again, the
# guest's uptime went back to the snapshot's point and its in-memory
# journal counter too, the disk holds what it held then.  A disk-only
# rollback is refused while the VM runs and, stopped, brings the disk
# back (journal read from the image).  Two branches in the tree; delete
# of a snapshot with children re-parents them and removes the qcow2
# tag.  The same RAM snapshot and rollback on a qcow2 on an iSCSI LUN.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 25 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] && [ -x "$G/agentctl" ] &&
    [ -x "$HVD_TOP/build/vmtool" ] ||
    { echo "guest image not built (make guest)"; exit 77; }
for c in qemu-img qemu-io qemu-system-x86_64 tgtd tgtadm nsenter unshare; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

NET=198.18.249
hvd_setup 1
hvd_san_start 1 512M || fail "SAN (tgtd) did not start"
hvd_start 1 || fail "hvd did not start"
hvd_form_cluster snaplab || fail "cluster did not form"
hvd_station st 1 10 "$NET.1/24" || fail "station on VLAN 10"
# TCP to the agent from the station: docs/lab.md "vnet_hdr"
ip netns exec "$HVD_P-st" "$HVD_TOP/build/vmtool" txcsum-off eth0 ||
    fail "station offload"
mkdir -p "$HVD_TMP/pools/local"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" ||
    fail "dir pool"
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" \
    --target "$HVD_IQN" || fail "iscsi pool"
for v in d0 d1; do
	hvctl_on 1 pool volume-create local $v --size-mib 64 >/dev/null ||
	    fail "volume $v"
done
hvctl_on 1 pool volume-create san l1 >/dev/null || fail "volume on the LUN"
D1=$HVD_TMP/pools/local/d1.qcow2
URI=iscsi://$HVD_SAN_ADDR/$HVD_IQN/1

agent() { ip netns exec "$HVD_P-st" "$G/agentctl" -t 60 "$@"; }
api() { hvd_api "$@"; }
refused() { hvd_refused "$@"; }
# snap VM NAME [--ram]: take it, print the task's result; fail if not ok.
snap() {
	out=$(hvctl_on 1 --json snapshot create "$@") || fail "snapshot $*: $out"
	echo "$out" | grep -q '"state":[[:space:]]*"ok"' || fail "snapshot $*: $out"
	echo "$out"
}
tags() {	# DISK: the qcow2's snapshot tags, one per line
	qemu-img snapshot -U -l "$1" | awk 'NR > 2 { print $2 }'
}
uptime_ms() { agent "$1" status | sed -n 's/.*"uptime_ms":\([0-9]*\).*/\1/p'; }
jlast() { agent "$1" status | sed -n 's/.*"journal":{[^}]*"last":\([0-9]*\).*/\1/p'; }
dlast() { agent "$1" 'journal read /dev/vda' | sed -n 's/.*"last":\([0-9]*\).*/\1/p'; }
# booted IP: the guest's agent answers (its boot has a budget of its
# own, so that a slow boot is named as such and does not eat the
# journal's 60 s).
booted() {
	t0=$(date +%s)
	agent "$1" status >/dev/null || fail "the guest at $1 answers"
	echo "guest at $1 answered $(( $(date +%s) - t0 )) s after its start"
}
# journal IP N: the guest writes at least N more acknowledged records to
# its disk, then stops; prints the last record's number.
journal() {
	agent -n $(($2 + 1)) "$1" 'journal start /dev/vda 0' | grep -c '^ack' |
	    grep -qx "$2" || fail "$2 journal records acked by $1"
	agent "$1" 'journal stop' | sed -n 's/^ok last=\([0-9]*\)$/\1/p'
}
mkvm() {	# NAME DISK IP-OCTET
	hvctl_on 1 vm create "$1" --node node1 --memory 128 --nic 10 \
	    --disk "$2" --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
	    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=$1 hvlab.ip=$NET.$3/24" ||
	    fail "create $1"
}

# --- refusals ---
api POST /api/v1/vms "{\"name\": \"rawvm\", \"memory_mib\": 128, \"kernel\": \"$G/vmlinux\", \"disks\": [{\"pool\": \"local\", \"volume\": \"d0\", \"format\": \"raw\"}]}" >/dev/null ||
    fail "a VM with a raw disk"
refused 409 'disks[0]' POST /api/v1/vms/rawvm/snapshots '{"name": "s0"}'
echo "$out" | grep -q "raw disk local/d0 has no snapshots" || fail "the raw disk is named: $out"
hvctl_on 1 vm delete rawvm || fail "delete rawvm"

mkvm vm1 local:d1 10
IP=$NET.10
qemu-io -f qcow2 -c "write -P 0x11 32M 1M" "$D1" >/dev/null || fail "pattern on d1"
refused 409 with_ram POST /api/v1/vms/vm1/snapshots '{"name": "s0", "with_ram": true}'
echo "$out" | grep -q "stopped: a snapshot with RAM needs it running" || fail "says why: $out"
refused 400 name POST /api/v1/vms/vm1/snapshots '{"name": "1st"}'
refused 400 name POST /api/v1/vms/vm1/snapshots '{"name": "current"}'
refused 400 size POST /api/v1/vms/vm1/snapshots '{"name": "s0", "size": 1}'
refused 404 - POST /api/v1/vms/nosuch/snapshots '{"name": "s0"}'
refused 404 - POST /api/v1/vms/vm1/snapshots/nosuch/rollback
[ -z "$(tags "$D1")" ] || fail "refusals made no tag: $(tags "$D1")"

# --- dir pool: stopped, running disk-only, running with RAM ---
out=$(snap vm1 s0 --description "empty disk")
echo "$out" | grep -q '"pause_ms":[[:space:]]*null' || fail "no guest ran: pause_ms null: $out"
tags "$D1" | grep -qx s0 || fail "s0 is a qcow2 tag of d1: $(tags "$D1")"
refused 409 name POST /api/v1/vms/vm1/snapshots '{"name": "s0"}'

hvctl_on 1 vm start vm1 >/dev/null || fail "start vm1"
booted "$IP"
j1=$(journal "$IP" 20)
out=$(snap vm1 s1)
echo "$out" | grep -q '"parent":[[:space:]]*"s0"' || fail "s1's parent is s0: $out"
p1=$(echo "$out" | json_field pause_ms)
case "$p1" in [0-9]*) ;; *) fail "a running disk-only snapshot has a pause: $out" ;; esac
echo "disk-only snapshot of the running VM: guest paused $p1 ms"
j2=$(journal "$IP" 10)
[ "$(dlast "$IP")" = "$j2" ] && [ "$j2" -ge $((j1 + 10)) ] ||
    fail "$j2 records on the disk: $(agent "$IP" "journal read /dev/vda")"
u1=$(uptime_ms "$IP")
out=$(snap vm1 s2 --ram)
p2=$(echo "$out" | json_field pause_ms)
case "$p2" in [0-9]*) ;; *) fail "a RAM snapshot has a pause: $out" ;; esac
echo "$out" | grep -q '"vmstate_bytes":[[:space:]]*[1-9]' || fail "RAM is in the qcow2: $out"
echo "snapshot with RAM: guest paused $p2 ms"
j3=$(journal "$IP" 10)
[ "$(jlast "$IP")" = "$j3" ] || fail "the guest counted $j3 records"
sleep 10
u2=$(uptime_ms "$IP")
refused 409 - POST /api/v1/vms/vm1/snapshots/s1/rollback
echo "$out" | grep -q "running: snapshot s1 has no RAM" || fail "says why: $out"

pid=$(hvctl_on 1 --json vm show vm1 | json_field pid)
out=$(hvctl_on 1 --json snapshot rollback vm1 s2) || fail "rollback to s2: $out"
hvctl_on 1 vm status vm1 | grep -q "running on node1" || fail "vm1 runs after a RAM rollback"
u3=$(uptime_ms "$IP")
echo "uptime before s2 $u1 ms, before the rollback $u2 ms, after it $u3 ms"
[ -n "$u3" ] && [ "$u3" -ge "$u1" ] && [ "$u3" -lt "$u2" ] ||
    fail "the guest's uptime went back to s2's point ($u1 <= $u3 < $u2)"
[ "$(jlast "$IP")" = "$j2" ] ||
    fail "the guest's memory is s2's: journal counter $j2, not $(jlast "$IP") ($j3 before)"
[ "$(dlast "$IP")" = "$j2" ] || fail "the disk is s2's: $j2 records"
[ "$(hvctl_on 1 --json vm show vm1 | json_field pid)" != "$pid" ] ||
    fail "a new QEMU loaded the snapshot"

# --- a second branch ---
snap vm1 s3 | grep -q '"parent":[[:space:]]*"s2"' || fail "s3's parent is s2"
hvctl_on 1 vm stop vm1 >/dev/null || fail "stop vm1"
out=$(hvctl_on 1 --json snapshot rollback vm1 s1) || fail "rollback to s1: $out"
hvctl_on 1 vm status vm1 | grep -q "stopped" || fail "a disk-only rollback leaves the VM stopped"
qemu-img convert -O raw "$D1" "$HVD_TMP/d1.raw" || fail "d1 to raw"
"$G/agentctl" -r "$HVD_TMP/d1.raw" | grep -q "\"last\":$j1," ||
    fail "d1 holds s1's $j1 records: $("$G/agentctl" -r "$HVD_TMP/d1.raw")"
snap vm1 s4 | grep -q '"parent":[[:space:]]*"s1"' || fail "s4's parent is s1"
hvctl_on 1 snapshot list vm1
tree=$(hvctl_on 1 snapshot list vm1)
echo "$tree" | grep -q '^        `-> s2 ' && echo "$tree" | grep -q '^        `-> s4 ' &&
    echo "$tree" | grep -q '^            `-> s3 ' &&
    echo "$tree" | grep -q '^            `-> current' ||
    fail "two branches under s1, current under s4"

# --- delete a snapshot with children ---
hvctl_on 1 snapshot delete vm1 s1 >/dev/null || fail "delete s1"
tags "$D1" | grep -qx s1 && fail "s1's tag left d1: $(tags "$D1")"
list=$(hvctl_on 1 --json snapshot list vm1 | tr -d '\n\t ')
echo "$list" | grep -q '"name":"s2","parent":"s0"' &&
    echo "$list" | grep -q '"name":"s4","parent":"s0"' &&
    echo "$list" | grep -q '"current":"s4"' ||
    fail "s2 and s4 now hang under s0, current stays s4: $list"
out=$(hvctl_on 1 --json snapshot rollback vm1 s0) || fail "rollback to s0: $out"
qemu-io -f qcow2 -c "read -P 0x11 32M 1M" "$D1" | grep -q "read 1048576" ||
    fail "s0's pattern is back"
qemu-img convert -O raw "$D1" "$HVD_TMP/d1.raw" || fail "d1 to raw"
"$G/agentctl" -r "$HVD_TMP/d1.raw" | grep -q '"last":0,' || fail "s0 had no journal"
hvctl_on 1 vm delete vm1 || fail "delete vm1"
case "$(api GET /api/v1/vms/vm1/snapshots)" in *" 404") ;; *) false ;; esac ||
    fail "a deleted VM has no snapshot records"

# --- qcow2 on an iSCSI LUN ---
mkvm vm2 san:l1 11
IP=$NET.11
snap vm2 l0 >/dev/null
hvctl_on 1 vm start vm2 >/dev/null || fail "start vm2"
booted "$IP"
k1=$(journal "$IP" 5)
out=$(snap vm2 l1 --ram)
echo "snapshot with RAM on a LUN: guest paused $(echo "$out" | json_field pause_ms) ms"
k2=$(journal "$IP" 5)
[ "$(jlast "$IP")" = "$k2" ] || fail "vm2 counted $k2 records"
hvctl_on 1 snapshot rollback vm2 l1 >/dev/null || fail "rollback vm2 to l1"
[ "$(jlast "$IP")" = "$k1" ] || fail "vm2's memory is l1's: $k1 records"
[ "$(dlast "$IP")" = "$k1" ] || fail "vm2's LUN is l1's: $k1 records"
hvctl_on 1 vm stop vm2 >/dev/null || fail "stop vm2"
ip netns exec "$(hvd_ns 1)" qemu-img snapshot -l "$URI" | grep -q ' l1 ' ||
    fail "l1 is a tag of the qcow2 on the LUN"
hvctl_on 1 snapshot delete vm2 l1 >/dev/null || fail "delete l1"
ip netns exec "$(hvd_ns 1)" qemu-img snapshot -l "$URI" | grep -q ' l1 ' &&
    fail "l1 left the LUN"
hvctl_on 1 snapshot list vm2
echo PASS
