#!/bin/sh
# test_ha_hvd: HA manager and fencing on 3 hvd nodes in network namespaces
# (real etcd, QEMU, hvd-watchdog; no lab).  An HA VM is started by the
# manager; hvd on its node is SIGKILLed (its etcd dies with it, the QEMU
# does not): the node's watchdog kills the QEMU at its deadline, and only
# then the manager restarts the VM on another node.  Then the new node's
# hvd hangs (SIGSTOP): its watchdog fences, the VM comes back on the third
# node, and the hvd woken up again does not start it.  Through all of it a
# sampler counts the VM's QEMUs every 50 ms: never more than one.  Also:
# bad resources/settings are refused, the recovery log has its steps, and
# the manager role moves when the manager's node dies.
. "$(dirname "$0")/hvd_lib.sh"

G=$HVD_TOP/build/guest
fail() {
	echo "FAIL: $*"
	for f in "$HVD_TMP"/n*/hvd.log "$HVD_TMP"/n*/run/hvd-watchdog.log; do
		echo "== $f"; tail -n 20 "$f"
	done
	exit 1
}
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "no QEMU"; exit 77; }
[ -x "$HVD_TOP/bin/hvd-watchdog" ] || { echo "bin/hvd-watchdog not built"; exit 77; }

hvd_setup 3
for i in 1 2 3; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster halab || fail "cluster did not form"

# QEMUs of VM $1 of this test: their argv holds our temp dir (one grep
# over every process; the bracket keeps grep from matching itself).  A
# QEMU counts once its pid is in a qemu.pid file of VM $1 (any node),
# which QEMU writes itself as it starts.
copies() {
	cp_pids=$(grep -lsaE "$HVD_TMP/n[0-9]+/run/vm[s]/$1/qmp[.]sock" /proc/[0-9]*/cmdline | cut -d/ -f3)
	cp_files=$(cat "$HVD_TMP"/n*/run/vms/"$1"/qemu.pid 2>/dev/null | tr '\n' ' ')
	cp_n=0
	for cp_p in $cp_pids; do
		case " $cp_files " in *" $cp_p "*) cp_n=$((cp_n + 1)) ;; esac
	done
	echo $cp_n
}
# sampler: max copies seen, into $HVD_TMP/max-$1 (stopped by removing run-$1)
sampler() {
	: >"$HVD_TMP/run-$1"
	echo 0 >"$HVD_TMP/max-$1"
	(
		max=0
		while [ -f "$HVD_TMP/run-$1" ]; do
			n=$(copies "$1")
			[ "$n" -gt "$max" ] && { max=$n; echo $max >"$HVD_TMP/max-$1"; }
			sleep 0.05
		done
	) &
	SAMPLER=$!
}
sampler_stop() { rm -f "$HVD_TMP/run-$1"; wait "$SAMPLER" 2>/dev/null; cat "$HVD_TMP/max-$1"; }
# node of the running VM (from any live node's API), "" until running
running_on() {
	for i in $ALIVE; do
		out=$(hvctl_on "$i" vm status "$1" 2>/dev/null) || continue
		case "$out" in *"running on "*) echo "${out##* }"; return ;; esac
		return
	done
}
wait_running() {	# VM, timeout s [, not on this node]
	t=0
	while :; do
		on=$(running_on "$1")
		[ -n "$on" ] && [ "$on" != "${3:-}" ] && return 0
		t=$((t + 1)); [ $t -lt $(($2 * 5)) ] || return 1; sleep 0.2
	done
}
ALIVE="1 2 3"

# refusals
hvctl_on 1 ha add nosuchvm 2>/dev/null && fail "an HA resource needs an existing VM"
hvctl_on 1 vm create vm1 --node node1 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" || fail "vm create"
hvctl_on 1 ha add vm1 --state running 2>/dev/null && fail "a bad state is refused"
hvctl_on 1 ha add vm1 --group nogroup 2>/dev/null && fail "an unknown group is refused"
hvctl_on 1 ha settings --lease-ttl 3 --fence-s 2.5 2>/dev/null &&
    fail "fence_s within 1 s of the lease TTL is refused"
hvctl_on 1 --json ha settings | grep -q '"fence_s"' || fail "settings show"
hvctl_on 1 ha group g1 --nodes node1:3,node2:2,node3:1 || fail "group"

# the manager starts the HA VM
hvctl_on 2 ha add vm1 --group g1 || fail "ha add"
hvctl_on 2 ha add vm1 2>/dev/null && fail "a second ha add of vm1 is refused"
wait_running vm1 60 || fail "the HA manager starts vm1"
[ "$(running_on vm1)" = node1 ] || fail "vm1 runs on node1"
# armed before QEMU started (the start guard), not up to 2 s later
grep -qx "vm vm1" "$HVD_TMP/n1/run/ha-feed" ||
    fail "node1's watchdog feed lists vm1 as soon as it runs"
kill -0 "$(cat "$HVD_TMP/n1/run/hvd-watchdog.pid")" ||
    fail "node1's watchdog runs as soon as vm1 does"
mgr=$(hvctl_on 1 ha status | sed -n 's/^manager: \([^ ]*\) .*/\1/p')
hvctl_on 1 ha status || fail "ha status"
echo "manager: $mgr"

# 1. hvd on node1 crashes (SIGKILL): fenced by the watchdog, restarted on
# node2 (group priority 2 beats node3's 1)
qpid=$(hvctl_on 2 --json vm show vm1 | json_field pid)
kill -0 "$qpid" || fail "QEMU $qpid runs"
sampler vm1
t0=$(date +%s.%N)
hvd_kill 1 KILL
ALIVE="2 3"
t=0
while kill -0 "$qpid" 2>/dev/null && [ "$(sed 's/.*) //' /proc/$qpid/stat 2>/dev/null | cut -c1)" != Z ]; do
	t=$((t + 1)); [ $t -lt 150 ] || fail "the watchdog kills node1's QEMU"; sleep 0.1
done
tk=$(date +%s.%N)
fenced_in() {	# node's watchdog logged the fence of pid $2 (it checks the
		# QEMU is gone first: up to 1 s after it is)
	t=0
	until grep -q "FENCE vm vm1 pid $2 killed" "$HVD_TMP/n$1/run/hvd-watchdog.log"; do
		t=$((t + 1)); [ $t -lt 20 ] || return 1; sleep 0.1
	done
}
fenced_in 1 "$qpid" || fail "the watchdog logged the fence"
wait_running vm1 60 node1 || fail "vm1 is restarted elsewhere"
tr=$(date +%s.%N)
[ "$(running_on vm1)" = node2 ] || fail "vm1 restarted on node2 (group priority): $(running_on vm1)"
echo "crash: QEMU killed after $(awk "BEGIN{print $tk - $t0}") s, running again after $(awk "BEGIN{print $tr - $t0}") s"
hvctl_on 2 ha status
# The manager logs `running` when its next round sees the restarted VM run
# (up to a round after `vm status` says so): wait for the `running` after
# the last `start-queued`, then read the log.
t=0
until hvctl_on 2 --json ha show vm1 | tr -d '\n' | sed 's/.*"start-queued"//' |
    grep -q '"ev":[[:space:]]*"running"'; do
	t=$((t + 1)); [ $t -lt 100 ] || break; sleep 0.2
done
log=$(hvctl_on 2 --json ha show vm1)
for ev in lease-expired fenced claimed start-queued running; do
	echo "$log" | grep -q "\"ev\":[[:space:]]*\"$ev\"" || fail "recovery log has $ev: $log"
done
sleep 2
m=$(sampler_stop vm1)
[ "$m" -eq 1 ] || fail "at most one QEMU of vm1 at any time (saw $m)"

# 2. hvd on node2 hangs: fenced, restarted on node3; woken up, node2 does
# not start it again
qpid=$(hvctl_on 3 --json vm show vm1 | json_field pid)
sampler vm1
kill -STOP "$(cat "$HVD_TMP/n2/hvd.pid")"
ALIVE="3"
wait_running_on3() {
	t=0
	while [ "$(running_on vm1)" != node3 ]; do
		t=$((t + 1)); [ $t -lt 300 ] || return 1; sleep 0.2
	done
}
wait_running_on3 || fail "vm1 restarted on node3 after node2's hvd hung"
kill -0 "$qpid" 2>/dev/null && [ "$(sed 's/.*) //' /proc/$qpid/stat | cut -c1)" != Z ] &&
    fail "the hung node's QEMU was killed"
fenced_in 2 "$qpid" || fail "node2's watchdog fenced"
kill -CONT "$(cat "$HVD_TMP/n2/hvd.pid")"
ALIVE="3 2"
sleep 8
[ "$(running_on vm1)" = node3 ] || fail "vm1 still runs on node3 after node2 woke up"
m=$(sampler_stop vm1)
[ "$m" -eq 1 ] || fail "at most one QEMU of vm1 at any time (saw $m)"
[ "$(copies vm1)" -eq 1 ] || fail "exactly one QEMU of vm1 runs"

# the manager moves when its node dies (if it was node1, it already has)
mgr2=$(hvctl_on 3 ha status | sed -n 's/^manager: \([^ ]*\) .*/\1/p')
[ -n "$mgr2" ] && [ "$mgr2" != node1 ] || fail "a live node is the manager ($mgr2)"
echo "manager now: $mgr2"

# removal: the VM keeps running, unmanaged
hvctl_on 3 ha remove vm1 || fail "ha remove"
hvctl_on 3 --json ha status | grep -q '"vm":[[:space:]]*"vm1"' && fail "vm1 is no HA resource any more"
hvctl_on 3 vm stop vm1 || fail "vm stop"
echo "PASS"
exit 0
