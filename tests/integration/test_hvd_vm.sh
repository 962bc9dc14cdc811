#!/bin/sh
# test_hvd_vm: VMs through hvd on a 2-node cluster (real etcd and QEMU):
# create (validated: a bad field is refused and changes nothing; host
# files outside the image directories, a dir pool outside the pool roots,
# CPU properties and devices that are no NIC are refused), start as a
# task under QEMU's seccomp filter, status, delete refused while running,
# a migration that times out leaves the VM running on the source, live
# migration node1 -> node2 with QEMU's figures in the task result, SIGKILL
# of hvd on node2 leaves the VM running and a restarted hvd adopts it
# (same pid), stop, offline migration back (a start asked while it
# decides is refused as busy), delete.  No NICs: the netns
# nodes run no OVS.
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 25 "$f"; done; exit 1; }

# gone PID: the process has exited (absent or a zombie not reaped yet by
# its parent, which for a daemonized QEMU is not us), waiting up to 5 s.
gone() {
	t=0
	while [ -e "/proc/$1" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; do
		t=$((t + 1)); [ $t -lt 50 ] || return 1; sleep 0.1
	done
}

G=$HVD_TOP/build/guest
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "no QEMU"; exit 77; }

hvd_setup 2
for i in 1 2; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster vmlab || fail "cluster did not form"

# A malformed VM is refused with the field named, and nothing is created.
out=$(hvctl_on 1 api POST /api/v1/vms '{"name": "vm1", "vcpus": "two"}' 2>&1) &&
    fail "a string vcpus is refused"
echo "$out" | grep -q '400' || fail "400 for a wrong type: $out"
out=$(hvctl_on 1 api POST /api/v1/vms '{"name": "vm1", "disks": [{"pool": "p", "volume": "v", "path": "/etc/shadow"}]}' 2>&1) &&
    fail "a disk path from the caller is refused"
# refused PATH BODY WHAT...: a 400 whose answer names every WHAT.
refused() {
	out=$(hvctl_on 1 api POST "$1" "$2" 2>&1) && fail "refused: $2 (got: $out)"
	shift 2
	echo "$out" | grep -q 400 || fail "400 expected: $out"
	echo "refused: $out"
	for w in "$@"; do
		echo "$out" | grep -qF -- "$w" || fail "the refusal names '$w': $out"
	done
}
# Host files, directories and devices a caller may not name: a kernel or
# initrd outside the image directories (also through '..' or a symlink),
# a dir pool on /, CPU properties, a device that is no NIC.
mkdir -p "$HVD_TMP/images" && ln -s /etc/shadow "$HVD_TMP/images/escape" || exit 1
refused /api/v1/vms '{"name": "vm1", "kernel": "/etc/shadow"}' kernel "$G"
refused /api/v1/vms "{\"name\": \"vm1\", \"kernel\": \"$G/vmlinux\", \"initrd\": \"$G/../../../../../etc/shadow\"}" initrd "'..'"
refused /api/v1/vms "{\"name\": \"vm1\", \"kernel\": \"$HVD_TMP/images/escape\"}" kernel /etc/shadow
refused /api/v1/vms "{\"name\": \"vm1\", \"kernel\": \"$G/vmlinux\", \"cpu\": \"qemu64,+vmx\"}" cpu qemu64
refused /api/v1/vms "{\"name\": \"vm1\", \"kernel\": \"$G/vmlinux\", \"nics\": [{\"model\": \"ivshmem-plain\"}]}" model virtio-net-pci
refused /api/v1/pools '{"name": "root", "type": "dir", "path": "/"}' path "$HVD_TMP/pools"
hvctl_on 1 --json vm list | grep -q vm1 && fail "refused creates left nothing"
hvctl_on 1 --json pool list | grep -q root && fail "the refused pool is not there"

hvctl_on 1 vm create vm1 --node node1 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" ||
    fail "vm create"
hvctl_on 2 vm create vm1 --memory 128 --kernel "$G/vmlinux" 2>/dev/null &&
    fail "a second vm1 is refused"
hvctl_on 2 vm start vm1 || fail "vm start (asked on node2, runs on node1)"
hvctl_on 1 vm status vm1 | grep -q "running on node1" || fail "vm1 runs on node1"
pid1=$(hvctl_on 1 --json vm show vm1 | json_field pid)
kill -0 "$pid1" || fail "QEMU pid $pid1 is alive"
# QEMU runs under its seccomp filter (-sandbox): mode 2 is "filter".
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid1/status" ||
    fail "QEMU runs with a seccomp filter: $(grep Seccomp "/proc/$pid1/status")"
hvctl_on 1 vm start vm1 2>/dev/null && fail "start of a running VM is refused"
hvctl_on 1 vm delete vm1 2>/dev/null && fail "delete of a running VM is refused"
hvctl_on 1 vm migrate vm1 node2 2>/dev/null && fail "offline migration of a running VM is refused"

sleep 3	# let the guest boot a little
# A migration that cannot finish in time fails and leaves the VM running
# on the source (1 MiB/s for 128 MiB, 1 s allowed).
out=$(hvctl_on 1 api POST /api/v1/vms/vm1/migrate \
    '{"target": "node2", "live": true, "params": {"max_bandwidth": 1048576, "timeout_ms": 1000}}') ||
    fail "slow migration accepted as a task: $out"
id=$(echo "$out" | json_field task)
hvctl_on 1 task wait "$id" >/dev/null 2>&1 && fail "a migration that times out fails"
hvctl_on 1 vm status vm1 | grep -q "running on node1" || fail "after a failed migration vm1 runs on node1"
[ "$(hvctl_on 1 --json vm show vm1 | json_field pid)" = "$pid1" ] || fail "the same QEMU runs on"
st=$(hvctl_on 1 api POST /api/v1/vms/vm1/migrate '{"target": "node2", "live": true, "params": {"max_bandwidth": 5}}' 2>&1) &&
    fail "bad migration parameters are refused"
echo "$st" | grep -q "400" || fail "400 for bad parameters: $st"
out=$(hvctl_on 2 --json vm migrate vm1 node2 --live) || fail "live migration: $out"
echo "$out" | grep -q '"state":[[:space:]]*"ok"' || fail "migration task ok: $out"
echo "$out" | grep -q '"downtime_ms"' || fail "QEMU figures in the result: $out"
echo "$out" | grep -E '"(total_time_ms|downtime_ms|transferred_bytes)"'
gone "$pid1" || fail "the source QEMU is gone"
hvctl_on 1 vm status vm1 | grep -q "running on node2" || fail "vm1 runs on node2"
pid2=$(hvctl_on 1 --json vm show vm1 | json_field pid)
kill -0 "$pid2" || fail "target QEMU $pid2 alive"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid2/status" ||
    fail "the migration target runs with a seccomp filter too"

# The control plane dies: the VM does not.
hvd_kill 2 KILL
sleep 1
kill -0 "$pid2" || fail "VM survives SIGKILL of hvd"
# node2's hvd comes back pausing 5 s inside an offline migration, just
# after it read the VM's state (below).
HVD_TEST_PAUSE_OFFLINE_MIGRATE_MS=5000 hvd_start 2 || fail "hvd 2 restart"
t=0
while ! grep -q "vm vm1: adopted running QEMU (pid $pid2)" "$HVD_TMP/n2/hvd.log"; do
	t=$((t + 1)); [ $t -lt 100 ] || fail "restarted hvd adopts vm1"; sleep 0.2
done
# Wait for node2's lease so actions can be queued to it.
t=0
while ! hvctl_on 1 --json node list | tr -d '\n\t ' | grep -q '"name":"node2"[^}]*"state":"online"'; do
	t=$((t + 1)); [ $t -lt 100 ] || fail "node2 online again"; sleep 0.2
done
hvctl_on 1 vm stop vm1 || fail "vm stop after adoption"
gone "$pid2" || fail "QEMU stopped"
hvctl_on 1 vm status vm1 | grep -q "stopped" || fail "vm1 stopped"
# An offline migration reads the state under the VM's lock: a start
# asked while it decides (node2 pauses there) is refused as busy; it
# never runs the VM on the node the record is leaving.
hvctl_on 2 vm migrate vm1 node1 >"$HVD_TMP/offmig.out" 2>&1 &
mpid=$!
sleep 1.5
out=$(hvctl_on 1 vm start vm1 2>&1) &&
    fail "a start during an offline migration's decision is refused: $out"
echo "$out" | grep -q busy || fail "the start is refused as busy: $out"
wait "$mpid" || fail "offline migration: $(cat "$HVD_TMP/offmig.out")"
hvctl_on 1 vm status vm1 | grep -q "stopped on node1" || fail "vm1 on node1"
for i in 1 2; do
	for p in $(ip netns pids "$(hvd_ns $i)"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "guest=vm1," &&
		    fail "no QEMU of vm1 runs on node$i (pid $p)"
	done
done
hvctl_on 1 --json task list | grep -c '"state":[[:space:]]*"ok"'
hvctl_on 1 vm delete vm1 || fail "vm delete"
hvctl_on 1 --json vm list | grep -q vm1 && fail "vm1 deleted"
echo PASS
