#!/bin/sh
# test_ha_lab: HA on the embedded lab (3 hosts, hvd installed as the ref
# driver does: /etc/hvd/hvd.conf on the host's disk, started at every
# power-on).  An HA VM (kernel guest; no disk/NIC yet: see docs/ha.md);
# 1. power-pull of its host (also the HA manager): the VM comes back on
#    another host; 3. power-on of the first host: it does not start the VM
#    again; 2. partition of the VM's host: its watchdog kills its QEMU (no
#    etcd quorum there) and the majority restarts the VM; heal.  A sampler counts the VM's running QEMUs in every
#    host's pid namespace every 100 ms throughout: never two.  Prints
#    detect_s (pull -> manager saw the lease gone) and failover_s (pull ->
#    the VM's QEMU runs again) from the lab's events.jsonl and the HA log.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
H=$top/bin/hvlab
LAB=t7a$$
LAB=$(echo "$LAB" | cut -c1-10)
LABDIR=/var/lib/hvlab/labs/$LAB
TMP=$(mktemp -d /tmp/hvlab-t7a-XXXXXX)
G=$top/build/guest
VM=ha7vm
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$top/bin/hvd-watchdog" ] || { echo "no bin/hvd-watchdog"; exit 77; }
[ -f "$G/vmlinux" ] || { echo "guest not built"; exit 77; }
for p in ovs-vswitchd tgtd etcd qemu-system-x86_64; do
	command -v $p >/dev/null 2>&1 || { echo "no $p"; exit 77; }
done
SAMPLER=
cleanup() {
	[ -n "$SAMPLER" ] && { rm -f "$TMP/run"; wait "$SAMPLER" 2>/dev/null; }
	"$H" lab down --lab "$LAB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*"
	for i in 1 2 3; do
		echo "== host$i hvd.log"; tail -n 15 "$LABDIR/host$i/disk/var-log/hvd.log" 2>/dev/null
		"$H" lab exec host$i --lab "$LAB" -- cat /run/hvd/hvd-watchdog.log 2>/dev/null | tail -n 5
	done
	exit 1
}
on() { h=$1; shift; "$H" lab exec "$h" --lab "$LAB" -- "$top/bin/hvctl" -s /run/hvd/hvd.sock "$@"; }
. "$top/tests/integration/lib_ha.sh"

"$H" lab up --lab "$LAB" -q || fail "lab up"
"$H" lab status --lab "$LAB" --json >"$TMP/status.json" || fail "lab status"
for i in 1 2 3; do
	hvd_install host$i "$(jq -r ".hosts[$((i - 1))].mgmt_addr" "$TMP/status.json")" || fail "install hvd on host$i"
done
hvd_wait host1 host2 host3 || fail "hvd starts"
a1=$(jq -r '.hosts[0].mgmt_addr' "$TMP/status.json")
out=$(on host1 --json cluster create "$LAB") || fail "cluster create"
tok=$(echo "$out" | sed -n 's/.*"token":[[:space:]]*"\([^"]*\)".*/\1/p')
fp=$(echo "$out" | sed -n 's/.*"fingerprint":[[:space:]]*"\([^"]*\)".*/\1/p')
for i in 2 3; do on host$i cluster join "$a1" --token "$tok" --fingerprint "$fp" || fail "join host$i"; done
on host1 vm create $VM --node host1 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" || fail "vm create"
on host1 ha add $VM || fail "ha add"
ha_wait_on "" 120 || fail "the manager starts $VM"
[ "$(ha_where)" = host1 ] || fail "$VM runs on host1 ($(ha_where))"

ha_sampler_start
# 1. power-pull
"$H" inject power-pull host1 --lab "$LAB" || fail "power-pull"
pull=$(ha_event_wall power-pull)
ha_wait_on host1 180 host2 host3 || fail "$VM restarted after the power pull"
new=$(ha_where)
ha_figures "$pull" host1 "power-pull"
# 3. power-on of host1: its hvd comes back and does not start the VM again
"$H" inject power-on host1 --lab "$LAB" || fail "power-on"
sleep 20
[ "$(ha_where)" = "$new" ] || fail "$VM still on $new after host1 came back ($(ha_where))"
[ "$(ha_copies_on host1)" -eq 0 ] || fail "host1 did not start $VM again"
# 2. partition of the VM's host (the other two keep etcd's quorum): it
# fences itself and the majority restarts the VM
t0=$(date +%s.%N)
"$H" inject partition "$new" --lab "$LAB" || fail "partition"
part=$(ha_event_wall partition)
t=0
while [ "$(ha_copies_on "$new")" -ne 0 ]; do
	t=$((t + 1)); [ $t -lt 200 ] || fail "$new's QEMU is killed (self-fence)"; sleep 0.1
done
echo "partition: $new's QEMU gone after $(awk "BEGIN{print $(date +%s.%N) - $t0}") s (fence_s 4)"
ask=""; for h in host1 host2 host3; do [ "$h" != "$new" ] && ask="$ask $h"; done
ha_wait_on "$new" 180 $ask || fail "$VM restarted after the partition"
ha_figures "$part" "$new" "partition"
"$H" inject heal --lab "$LAB" || fail "heal"
sleep 10
[ "$(HA_ASK="$ask" ha_where)" != "$new" ] || fail "the healed host does not run $VM"
m=$(ha_sampler_stop)
echo "max_running_copies=$m"
[ "$m" -le 1 ] || fail "never two running copies (saw $m)"
on host1 ha status
echo PASS
exit 0
