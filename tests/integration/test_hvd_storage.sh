#!/bin/sh
# test_hvd_storage: shared iSCSI storage through hvd.  A SAN namespace runs
# tgtd with 2 LUNs; one `hvctl pool create` makes the pool for the whole
# cluster (LUNs discovered); volumes take whole LUNs (a third is refused);
# a VM with its disk on a LUN starts on node1 and migrates live to node2
# (shared storage); a second VM cannot take the same volume; a volume in
# use cannot be deleted; data written to the volume before is intact
# after the migration; a freed LUN is handed out again.
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
for c in tgtd tgtadm qemu-img qemu-io nsenter unshare; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

hvd_setup 2
hvd_san_start 2 256M || fail "SAN (tgtd) did not start"
for i in 1 2; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster stlab || fail "cluster did not form"

hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" ||
    fail "pool create"
hvctl_on 2 --json pool show san | tr -d '\n\t ' | grep -q '"luns":\[{"lun":1,"size_bytes":268435456},{"lun":2,' ||
    fail "both LUNs discovered, seen from node2"
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" 2>/dev/null &&
    fail "a second pool 'san' is refused"
hvctl_on 1 api POST /api/v1/pools '{"name": "bad", "type": "iscsi", "portal": "198.18.252.100", "target": "iqn.2026-11.test.hvt:nosuch"}' >/dev/null 2>&1 &&
    fail "a pool without LUNs is refused"

hvctl_on 1 pool volume-create san d1 | grep -q "on LUN 1" || fail "d1 on LUN 1"
hvctl_on 2 pool volume-create san d2 | grep -q "on LUN 2" || fail "d2 on LUN 2"
hvctl_on 1 pool volume-create san d3 2>&1 | grep -q "409" || fail "no third LUN"

# A pattern written now must be there after the migration.
URI=iscsi://$HVD_SAN_ADDR/$HVD_IQN/1
ip netns exec "$(hvd_ns 1)" qemu-io -f qcow2 -c "write -P 0xa5 1M 1M" "$URI" >/dev/null ||
    fail "write a pattern to d1"

hvctl_on 1 vm create vm1 --node node1 --memory 128 --disk san:d1 \
    --kernel "$G/vmlinux" --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" ||
    fail "vm create with an iSCSI disk"
out=$(hvctl_on 2 vm create vm2 --memory 128 --disk san:d1 --kernel "$G/vmlinux" 2>&1) &&
    fail "a second VM cannot take d1"
echo "$out" | grep -q 409 || fail "409 for a volume in use: $out"
hvctl_on 1 vm create vm3 --memory 128 --disk san:nosuch --kernel "$G/vmlinux" 2>/dev/null &&
    fail "an unknown volume is refused"
hvctl_on 1 vm start vm1 || fail "vm1 starts with its disk on LUN 1"
pid=$(hvctl_on 1 --json vm show vm1 | json_field pid)
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$URI" || fail "QEMU opens $URI"
hvctl_on 1 pool volume-delete san d1 2>&1 | grep -q 409 || fail "d1 in use is not deleted"
sleep 2
out=$(hvctl_on 1 --json vm migrate vm1 node2 --live) || fail "live migration on shared storage: $out"
echo "$out" | grep -E '"(total_time_ms|downtime_ms)"'
hvctl_on 2 vm status vm1 | grep -q "running on node2" || fail "vm1 on node2"
hvctl_on 2 vm stop vm1 || fail "stop"
ip netns exec "$(hvd_ns 2)" qemu-io -f qcow2 -c "read -P 0xa5 1M 1M" "$URI" | grep -q "read 1048576" ||
    fail "the pattern is intact after the migration"
hvctl_on 1 vm delete vm1 || fail "vm delete"
hvctl_on 1 pool volume-delete san d1 || fail "volume delete once unused"
hvctl_on 1 pool volume-create san d4 | grep -q "on LUN 1" || fail "LUN 1 handed out again"
hvctl_on 1 pool delete san 2>&1 | grep -q 409 || fail "a pool with volumes stays"
hvctl_on 1 pool show san
echo PASS
