#!/bin/sh
# test_hvd_guard: hvd never leaves two copies of a VM, and what it reports
# is what runs, when its own daemon fails at the wrong moment.  Three hvd
# nodes in namespaces (real etcd and QEMU, no lab):
#  1. the source node's hvd is SIGKILLed during a live migration (slowed
#     so it is in flight) and started again (a) after QEMU finished the
#     stream on its own: the target took the VM, (b) while it still
#     streams: the source keeps it; either way one QEMU of the VM is left,
#     on the node `vm status` and the VM record name;
#  2. hvd restarts while a VM's QEMU does not answer QMP (SIGSTOP): the
#     VM is not reported stopped while its QEMU lives, a start makes no
#     second QEMU, and once QEMU answers again hvd adopts it;
#  3. `ha add` of a VM whose node's hvd is down: that node's watchdog
#     never guarded the VM, so the manager must not start it elsewhere
#     while its QEMU may run; once the node's hvd is back it is managed
#     where it runs;
#  4. a QEMU killed during a live migration (a task holds the VM): its
#     state turns "stopped" (HA would restart it), none is left running;
#  5. a VM state etcd lost (running VM recorded stopped, stopped VM
#     recorded running) is made good by the node that runs it;
#  6. HA settings with a longer lease TTL reach every node as a new lease
#     of that TTL (etcd keeps the TTL a lease was granted with: a fence
#     delay fitted to the new TTL on the old lease would fire after etcd
#     expired it).
. "$(dirname "$0")/hvd_lib.sh"

G=$HVD_TOP/build/guest
fail() {
	echo "FAIL: $*"
	for f in "$HVD_TMP"/n*/hvd.log "$HVD_TMP"/n*/run/hvd-watchdog.log; do
		[ -f "$f" ] || continue
		echo "== $f"; tail -n 25 "$f"
	done
	exit 1
}
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "no QEMU"; exit 77; }
[ -x "$HVD_TOP/bin/hvd-watchdog" ] || { echo "bin/hvd-watchdog not built"; exit 77; }

# QEMUs of VM $1 (process whose argv names one of our nodes' QMP socket
# of that VM and whose pid is in that node's qemu.pid), as "node:pid ...".
qemus() {
	for q_n in 1 2 3; do
		q_pid=$(cat "$HVD_TMP/n$q_n/run/vms/$1/qemu.pid" 2>/dev/null) || continue
		[ -n "$q_pid" ] && grep -qsa "$HVD_TMP/n$q_n/run/vm[s]/$1/qmp.sock" \
		    "/proc/$q_pid/cmdline" && printf 'node%s:%s ' "$q_n" "$q_pid"
	done
}
ncopies() { set -- $(qemus "$1"); echo $#; }
# any QEMU with the VM's QMP socket in its argv, pid file or not
nprocs() { grep -lsaE "$HVD_TMP/n[0-9]+/run/vm[s]/$1/qmp[.]sock" /proc/[0-9]*/cmdline | wc -l; }
status_on() { hvctl_on "$1" vm status "$2" 2>/dev/null; }
rec_node() { hvctl_on "$1" --json vm show "$2" | json_field node; }
# wait up to $2 s for command $3... to succeed
wait_for() {
	w_t=0; w_max=$(($1 * 5)); shift
	until "$@"; do
		w_t=$((w_t + 1)); [ $w_t -lt $w_max ] || return 1; sleep 0.2
	done
}
procs_are() { [ "$(nprocs "$1")" -eq "$2" ]; }
copies_are() { [ "$(ncopies "$1")" -eq "$2" ]; }
one_copy_settled() { [ "$(ncopies "$1")" -eq 1 ] && [ "$(nprocs "$1")" -eq 1 ]; }
mk_vm() {
	hvctl_on 2 vm create "$1" --node "$2" --memory 128 --kernel "$G/vmlinux" \
	    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" >/dev/null ||
	    fail "vm create $1"
	hvctl_on 2 vm start "$1" >/dev/null || fail "vm start $1"
}

hvd_setup 3
for i in 1 2 3; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster guard >/dev/null || fail "cluster did not form"

# --- 1. the source's hvd dies during a live migration ---
# migrate_slow VM TARGET BYTES/S: a live migration in the background
# ($MIG: hvctl itself, not through hvctl_on, to end it below), returning
# once it is in flight (the target's QEMU exists beside the source's).
migrate_slow() {
	ip netns exec "$(hvd_ns 2)" "$HVD_TOP/bin/hvctl" -s "$HVD_TMP/n2/run/hvd.sock" \
	    vm migrate "$1" "$2" --live --bandwidth "$3" >"$HVD_TMP/mig.out" 2>&1 &
	MIG=$!
	wait_for 60 procs_are "$1" 2 ||
	    fail "the migration of $1 started: $(cat "$HVD_TMP/mig.out")"
	sleep 2
	[ "$(nprocs "$1")" -eq 2 ] || fail "the migration of $1 is still in flight"
}
# after_restart VM NODE: one QEMU of VM is left, on NODE, which its
# record and `vm status` name
after_restart() {
	wait_for 60 one_copy_settled "$1" ||
	    fail "one QEMU of $1 is left once hvd is back (seen: $(qemus "$1"); $(nprocs "$1") processes)"
	on=$(qemus "$1"); on=${on%%:*}
	[ "$on" = "$2" ] || fail "$1 runs on $on, not $2"
	st=$(status_on 2 "$1")
	case "$st" in *"running on $on") ;; *) fail "vm status names the node whose QEMU runs ($on): $st" ;; esac
	[ "$(rec_node 3 "$1")" = "$on" ] || fail "$1's record names $on"
	# the dead task's lock goes once hvd has settled the VM; until then
	# an operation on it answers 409
	wait_for 30 unlocked "$1" ||
	    fail "the dead migration's lock of $1 is released: $(hvctl_on 3 --json vm show "$1" | json_field lock)"
}
unlocked() { ! hvctl_on 3 --json vm show "$1" | grep -q '"lock"'; }
target_took() { case "$(status_on 2 vm1)" in *"running on node2") return 0 ;; esac; return 1; }

# 1a. QEMU finishes the stream while the source's hvd is dead: the target
# takes the VM; the source's hvd, back, stops its paused QEMU
mk_vm vm1 node1
migrate_slow vm1 node2 4194304
hvd_kill 1 KILL
# the migration's task died with node1's hvd: nobody will end it
kill "$MIG" 2>/dev/null
wait "$MIG" 2>/dev/null
wait_for 90 target_took || fail "the target takes vm1 once QEMU completed: $(status_on 2 vm1)"
[ "$(nprocs vm1)" -eq 2 ] || fail "node1's paused QEMU waits for its hvd"
hvd_start 1 || fail "hvd 1 restarts"
after_restart vm1 node2
echo "1a. stream completed while the source's hvd was dead: $st"

# 1b. the source's hvd is back while the stream still runs: it cancels
# the migration and keeps the VM
migrate_slow vm1 node1 1048576
hvd_kill 2 KILL
kill "$MIG" 2>/dev/null
wait "$MIG" 2>/dev/null
hvd_start 2 || fail "hvd 2 restarts"
after_restart vm1 node2
echo "1b. source's hvd back during the stream: $st"
hvctl_on 2 vm stop vm1 >/dev/null ||
    fail "vm1 stops"

# --- 2. hvd restarts while QEMU does not answer QMP ---
mk_vm vm2 node3
wait_for 30 copies_are vm2 1 || fail "vm2 runs"
qpid=$(qemus vm2); qpid=${qpid##*:}; qpid=${qpid% }
kill -STOP "$qpid"
hvd_kill 3 KILL
sleep 1
hvd_start 3 || fail "hvd 3 restarts"
# adoption waits for QMP's greeting (10 s), then gives up for now
sleep 15
st=$(status_on 1 vm2)
case "$st" in *stopped*) fail "vm2 is reported stopped while its QEMU lives (pid $qpid): $st" ;; esac
hvctl_on 1 vm start vm2 >/dev/null 2>&1
sleep 3
[ "$(nprocs vm2)" -eq 1 ] || fail "a start while QEMU hangs makes no second QEMU ($(nprocs vm2))"
kill -CONT "$qpid"
ok() { case "$(status_on 1 vm2)" in *"running on node3") return 0 ;; esac; return 1; }
wait_for 30 ok || fail "vm2 is adopted once QMP answers: $(status_on 1 vm2)"
[ "$(hvctl_on 3 --json vm show vm2 | json_field pid)" = "$qpid" ] ||
    fail "the adopted QEMU is the one that hung ($qpid)"
echo "2. QMP silent at restart, then adopted: $(status_on 1 vm2)"
hvctl_on 1 vm stop vm2 >/dev/null ||
    fail "vm2 stops"

# --- 3. ha add while the VM's node has no hvd ---
mk_vm vm3 node1
wait_for 30 copies_are vm3 1 || fail "vm3 runs"
qpid=$(qemus vm3); qpid=${qpid##*:}; qpid=${qpid% }
hvd_kill 1 KILL
sleep 1
hvctl_on 2 ha add vm3 || fail "ha add vm3"
# the manager would fence-wait (lease TTL + margin) and relocate by now
max=1
t=0
while [ $t -lt 100 ]; do
	n=$(nprocs vm3); [ "$n" -gt "$max" ] && max=$n
	t=$((t + 1)); sleep 0.2
done
[ "$max" -le 1 ] || fail "no second QEMU of vm3 while node1's QEMU may run (saw $max)"
kill -0 "$qpid" || fail "node1's QEMU of vm3 was left alone"
hvctl_on 2 ha status
hvd_start 1 || fail "hvd 1 restarts"
managed() { [ "$(hvctl_on 2 ha status | awk '$1 == "vm3" { print $3 }')" = started ]; }
wait_for 60 managed || fail "vm3 is managed once node1's hvd is back: $(hvctl_on 2 --json ha show vm3)"
[ "$(ncopies vm3)" -eq 1 ] && [ "$(qemus vm3)" = "node1:$qpid " ] ||
    fail "vm3 still runs on node1 as pid $qpid: $(qemus vm3)"
echo "3. ha add with node1's hvd down: kept on node1"
hvctl_on 2 ha remove vm3 >/dev/null || fail "ha remove"
hvctl_on 2 vm stop vm3 >/dev/null

# --- 4. QEMU dies while a task holds the VM ---
mk_vm vm4 node2
wait_for 30 copies_are vm4 1 || fail "vm4 runs"
hvctl_on 1 vm migrate vm4 node3 --live --bandwidth 1048576 >/dev/null 2>&1 &
MIG=$!
wait_for 60 procs_are vm4 2 || fail "vm4's migration started"
kill -KILL "$(cat "$HVD_TMP/n2/run/vms/vm4/qemu.pid")"
wait "$MIG" 2>/dev/null
stopped() { case "$(status_on 1 vm4)" in *stopped*) return 0 ;; esac; return 1; }
wait_for 30 stopped ||
    fail "vm4 is stopped once its QEMU died during a migration: $(status_on 1 vm4)"
wait_for 30 procs_are vm4 0 || fail "no QEMU of vm4 is left ($(nprocs vm4))"
echo "4. QEMU killed during a migration: $(status_on 1 vm4)"

# --- 5. a state write etcd lost is made good ---
# A state put that failed (etcd away for a moment) leaves etcd saying
# what no longer runs: written here by hand, as the failed write would
# have left it.  HA acts on these states, so they must not stay wrong.
hvctl_on 1 vm start vm2 >/dev/null || fail "vm2 starts again"
wait_for 30 copies_are vm2 1 || fail "vm2 runs again"
put_state() {
	hvd_etcd 1 /v3/kv/put "{\"key\": \"$(printf '/hvd/vmstate/%s' "$1" | base64 -w0)\", \"value\": \"$(printf '{"state":"%s","node":"%s","since":"2026-01-01T00:00:00.000Z"}' "$2" "$3" | base64 -w0)\"}" >/dev/null ||
	    fail "writing $1's state in etcd"
}
put_state vm2 stopped node3
put_state vm4 running node2
case "$(status_on 1 vm2)" in *stopped*) ;; *) fail "etcd says vm2 is stopped: $(status_on 1 vm2)" ;; esac
st_is() { case "$(status_on 1 "$1")" in *"$2 on $3") return 0 ;; esac; return 1; }
# each node checks its states every 15 s
wait_for 40 st_is vm2 running node3 ||
    fail "vm2's state is corrected to running (its QEMU runs): $(status_on 1 vm2)"
wait_for 40 st_is vm4 stopped node2 ||
    fail "vm4's state is corrected to stopped (no QEMU): $(status_on 1 vm4)"
echo "5. states etcd lost corrected: $(status_on 1 vm2); $(status_on 1 vm4)"
hvctl_on 1 vm stop vm2 >/dev/null || fail "vm2 stops"

# --- 6. a new lease TTL gets a new lease ---
hvctl_on 1 ha settings --lease-ttl 12 --fence-s 9 >/dev/null || fail "ha settings"
regranted() {
	for r_n in 1 2 3; do
		grep -q "HA lease [0-9]* granted (ttl 12 s, fence 9.0 s)" \
		    "$HVD_TMP/n$r_n/hvd.log" || return 1
	done
}
# settings are read every 10 s
wait_for 30 regranted || fail "every node holds a lease of the new TTL"
echo "6. HA settings with TTL 12 s: every node holds a new lease"
echo "PASS"
exit 0
