#!/bin/sh
# test_ha_witness: quorum of a 2-host cluster with a witness on the SAN.
# Lab: host1, host2, a SAN with `witness: true` (a second cable on the
# management VLAN, a disk for /etc/hvd and /var/lib/hvd), a station.  hvd
# is installed on both hosts and, with role = witness, on the SAN (as the
# ref driver installs hvd: hvd.conf on the node's disk, a `daemon` line in
# its services file).  host2 and the SAN join host1's cluster: 3 etcd
# votes, 2 of them on hosts.  An HA VM (kernel guest) runs on host1.
#  1. power-pull host1: host2 keeps quorum (host2 + witness) and restarts
#     the VM;
#  2. power-on host1, then partition host2 (the VM's host now): host2
#     fences itself (its QEMU gone within the fence time), host1 restarts
#     the VM (host1 + witness are the majority); heal;
#  3. the witness removed (2 votes left), power-pull host1: host2 has no
#     quorum and does NOT restart the VM (the safe behaviour).
# The hosts hold the CA key in /etc/hvd/tls/ca.key, the witness does not.
# A sampler counts the VM's QEMUs in every host's pid namespace every 100
# ms throughout: never two.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
LAB=t7w$$
LAB=$(echo "$LAB" | cut -c1-10)
LABDIR=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB
G=$top/build/guest
VM=ha7w
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$top/bin/hvd-watchdog" ] || { echo "no bin/hvd-watchdog"; exit 77; }
[ -f "$G/vmlinux" ] || { echo "guest not built"; exit 77; }
for p in ovs-vswitchd tgtd etcd qemu-system-x86_64 jq; do
	command -v $p >/dev/null 2>&1 || { echo "no $p"; exit 77; }
done
TMP=$(mktemp -d /tmp/hvlab-t7w-XXXXXX)
# A private copy of bin/: other builds may relink it while the test runs
# (hvd finds hvd-watchdog beside itself).
mkdir "$TMP/bin" && cp "$top"/bin/* "$TMP/bin/" || exit 1
B=$TMP/bin
H=$B/hvlab
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
	for n in host1 host2 san; do
		echo "== $n hvd.log"; tail -n 15 "$LABDIR/$n/disk/var-log/hvd.log" 2>/dev/null
		"$H" lab exec $n --lab "$LAB" -- cat /run/hvd/hvd-watchdog.log 2>/dev/null | tail -n 5
	done
	exit 1
}
on() { h=$1; shift; timeout 20 "$H" lab exec "$h" --lab "$LAB" -- "$B/hvctl" -s /run/hvd/hvd.sock "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
. "$top/tests/integration/lib_ha.sh"
HA_HOSTS="host1 host2"
HVD_DIR=$B

cat >"$TMP/lab.yaml" <<EOF
lab:
  name: $LAB
  switch:
    vlans:
      - { id: 10, name: management, role: management }
      - { id: 20, name: storage, role: storage }
  hosts:
    - { name: host1 }
    - { name: host2 }
  san:
    witness: true
    luns:
      - size: 64M
  station:
EOF
T0=$(now)
"$H" lab up -f "$TMP/lab.yaml" -q || fail "lab up"
"$H" lab status --lab "$LAB" --json >"$TMP/status.json" || fail "lab status"
a1=$(jq -r '.hosts[0].mgmt_addr' "$TMP/status.json")
a2=$(jq -r '.hosts[1].mgmt_addr' "$TMP/status.json")
aw=$(jq -r '.san.mgmt_addr' "$TMP/status.json")
[ "$(jq -r '.san.witness' "$TMP/status.json")" = true ] && [ -n "$aw" ] &&
    [ "$aw" != null ] || fail "lab status shows the SAN as a witness box with a management address"
[ "$(jq -r '.san.disk' "$TMP/status.json")" = "$LABDIR/san/disk" ] || fail "lab status gives the SAN's disk"
hvd_install host1 "$a1" || fail "install hvd on host1"
hvd_install host2 "$a2" || fail "install hvd on host2"
hvd_install san "$aw" witness || fail "install hvd on the SAN"
hvd_wait host1 host2 san || fail "hvd starts"
out=$(on host1 --json cluster create "$LAB") || fail "cluster create"
tok=$(printf "%s\n" "$out" | jq -r .token)
fp=$(printf "%s\n" "$out" | jq -r .fingerprint)
on host2 cluster join "$a1" --token "$tok" --fingerprint "$fp" || fail "join host2"
on san cluster create other >/dev/null 2>&1 && fail "a witness refuses to create a cluster"
# The witness's member add waits for etcd's strict reconfiguration check
# (5 s after host2's): meanwhile the HA VM is made and started.
on san cluster join "$a1" --token "$tok" --fingerprint "$fp" >"$TMP/wj" 2>&1 &
wj=$!
on host1 vm create $VM --node host1 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" || fail "vm create"
on host1 ha add $VM || fail "ha add"
wait $wj || fail "join the witness: $(cat "$TMP/wj")"
cat "$TMP/wj"
echo "cluster of 2 hosts + witness formed $(since "$T0") s after the start"
st=$(on host1 --json cluster status) || fail "cluster status"
[ "$(printf "%s\n" "$st" | jq -r '.expected_votes, .quorum, .online' | tr '\n' ' ')" = "3 2 2 " ] ||
    fail "3 votes, quorum 2, 2 nodes online: $st"
[ "$(printf "%s\n" "$st" | jq -r '.witnesses[0].name + " " + .witnesses[0].state')" = "san online" ] ||
    fail "status shows the witness online: $st"
[ "$(printf "%s\n" "$st" | jq -r '.members[] | select(.name == "san") | .role')" = witness ] ||
    fail "the witness's etcd member is a witness: $st"
[ "$(printf "%s\n" "$st" | jq '[.nodes[] | select(.name == "san")] | length')" = 0 ] ||
    fail "the witness is not a node: $st"
on host1 cluster status >"$TMP/st.txt" || fail "hvctl cluster status"
cat "$TMP/st.txt"
grep -q "^witness:  yes" "$TMP/st.txt" || fail "hvctl cluster status shows the witness"
on san vm list 2>&1 | grep -q "quorum witness" || fail "the witness serves no VM API"
# The CA key is on the hosts only: a witness signs no one's certificate.
"$H" lab exec host2 --lab "$LAB" -- test -s /etc/hvd/tls/ca.key || fail "host2 holds the CA key"
"$H" lab exec san --lab "$LAB" -- test -e /etc/hvd/tls/ca.key && fail "the witness holds no CA key"
"$H" lab exec san --lab "$LAB" -- test -s /etc/hvd/tls/node.key || fail "the witness holds its node key"
on host1 vm create ${VM}x --node san --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" >/dev/null 2>&1 && fail "a VM cannot be placed on the witness"
ha_wait_on "" 120 || fail "the manager starts $VM"
[ "$(ha_where)" = host1 ] || fail "$VM runs on host1 ($(ha_where))"
echo "step 0 (lab, cluster, HA VM running) done at $(since "$T0") s"

ha_sampler_start
# 1. power-pull host1: host2 + witness keep quorum and restart the VM
"$H" inject power-pull host1 --lab "$LAB" || fail "power-pull host1"
pull=$(ha_event_wall power-pull)
ha_wait_on host1 120 host2 || fail "$VM restarted on host2 after the power pull"
[ "$(on host2 --json cluster status | jq -r .quorate)" = true ] || fail "host2 + witness are quorate"
ha_figures "$pull" host1 "power-pull host1"
# 2. host1 back; partition host2 (it runs the VM): host2 alone fences,
# host1 + witness restart the VM
echo "step 1 done at $(since "$T0") s"
"$H" inject power-on host1 --lab "$LAB" || fail "power-on host1"
t=0; until on host2 ha status 2>/dev/null | grep -q "^host1 *online"; do
	t=$((t + 1)); [ $t -lt 120 ] || fail "host1 back in HA"; sleep 0.5; done
[ "$(ha_copies_on host1)" -eq 0 ] || fail "host1 did not start $VM again"
echo "host1 back in HA at $(since "$T0") s"
t0=$(now)
"$H" inject partition host2 --lab "$LAB" || fail "partition host2"
part=$(ha_event_wall partition)
t=0
while [ "$(ha_copies_on host2)" -ne 0 ]; do
	t=$((t + 1)); [ $t -lt 200 ] || fail "host2's QEMU is killed (self-fence)"; sleep 0.1
done
echo "partition: host2's QEMU gone after $(since "$t0") s (fence_s 4)"
ha_wait_on host2 120 host1 || fail "$VM restarted on host1 after the partition"
ha_figures "$part" host2 "partition host2"
echo "step 2 done at $(since "$T0") s"
"$H" inject heal --lab "$LAB" || fail "heal"
t=0; until on host1 ha status 2>/dev/null | grep -q "^host2 *online"; do
	t=$((t + 1)); [ $t -lt 120 ] || fail "host2 back in HA"; sleep 0.5; done
[ "$(HA_ASK=host1 ha_where)" = host1 ] && [ "$(ha_copies_on host2)" -eq 0 ] ||
    fail "the healed host2 does not run $VM"
# 3. without the witness, 2 votes: losing host1 leaves host2 without
# quorum, and it must not restart the VM
echo "host2 back in HA at $(since "$T0") s"
on host1 cluster remove san || fail "remove the witness"
[ "$(on host1 --json cluster status | jq -r '.expected_votes, (.witnesses | length)' | tr '\n' ' ')" = "2 0 " ] ||
    fail "2 votes and no witness after the removal"
l2=$LABDIR/host2/disk/var-log/hvd.log
n0=$(grep -c "recovering from host1" "$l2")
"$H" inject power-pull host1 --lab "$LAB" || fail "power-pull host1 (no witness)"
t0=$(now)
# A majority would have claimed the VM within lease_ttl_s 6 + margin_s 1
# + etcd's expiry check (restart_s above: 7-11 s); watch host2 for 13 s,
# and ask its quorum meanwhile (an etcd read without quorum takes its 5 s
# timeout).  Then its HA manager must not have claimed the VM either.
elapsed() { awk -v a="$t0" -v b="$(now)" -v s="$1" 'BEGIN { print (b - a < s) }'; }
qpid=
while [ "$(elapsed 13)" = 1 ]; do
	[ "$(ha_copies_on host2)" -eq 0 ] || fail "host2 without quorum restarted $VM"
	[ -z "$qpid" ] && [ "$(elapsed 7)" = 0 ] && {
		on host2 --json cluster status >"$TMP/q.json" 2>&1 & qpid=$!; }
	sleep 0.3
done
wait $qpid
[ "$(jq -r .quorate "$TMP/q.json")" = false ] || fail "host2 alone is not quorate: $(cat "$TMP/q.json")"
[ "$(ha_copies_on host2)" -eq 0 ] || fail "host2 without quorum restarted $VM"
[ "$(grep -c "recovering from host1" "$l2")" = "$n0" ] ||
    fail "host2 without quorum claimed $VM: $(grep "recovering from host1" "$l2" | tail -n 1)"
echo "no witness: host2 alone not quorate, $VM not restarted within $(since "$t0") s of the pull"
m=$(ha_sampler_stop)
echo "max_running_copies=$m"
[ "$m" -le 1 ] || fail "never two running copies (saw $m)"
echo "PASS ($(since "$T0") s, load $(cut -d' ' -f1-3 /proc/loadavg))"
exit 0
