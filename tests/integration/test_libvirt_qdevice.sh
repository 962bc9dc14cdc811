#!/bin/sh
# The libvirt platform's quorum on a 2-host lab (issue 17): the driver
# puts corosync-qnetd on the lab's SAN (a witness SAN: a second cable on
# the management VLAN) and corosync-qdevice on both hosts, so the cluster
# has 3 votes and one host left alone keeps quorum.
#  1. `hvlab run --platform libvirt --scenario install --scenario
#     cluster` passes; the cluster row's reason names the qdevice;
#  2. host1's corosync-quorumtool shows the device's vote (Qdevice), 3
#     votes, quorate, no two_node; Pacemaker has quorum; corosync-qnetd
#     runs on the SAN as user coroqnetd and knows both hosts, each over
#     TLS with a client certificate it verified;
#  3. fencing: the lab's BMCs (bmc:) give one fence_redfish device per
#     host, each started on the other host, stonith-enabled; host2 is
#     fenced (`stonith_admin --fence host2` on host1): its BMC pulls its
#     power (events.jsonl: power-pull, source bmc), and host1, alone
#     with the device's vote, stays quorate (2 of 3 votes) and Pacemaker
#     keeps quorum;
#  4. the arbiter stopped: host1 loses the device's vote and its quorum
#     (the vote was the witness's, not something else's);
#  5. `hvlab lab down`: no corosync-qnetd, corosync-qdevice, Corosync or
#     Pacemaker process of the lab is left, nor its namespaces, state or
#     a file written on the machine.
# Prints how long until the cluster was quorate with the device's vote
# and how long host1 took to see host2 gone.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=lq$$
LAB=$(echo "$LAB" | cut -c1-16)
STATE=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB
TMP=$(mktemp -d /tmp/hvlab-lqd-XXXXXX)
# The packages' own places on the machine: the lab's nodes must not
# write there (their copies live on their disks, their /run is theirs).
MACHINE_DIRS="/etc/corosync /var/lib/corosync /var/lib/pacemaker
/var/log/corosync /var/log/pacemaker /var/log/corosync-qnetd"

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server tgtd libvirtd corosync pacemakerd \
    crm_mon corosync-qnetd corosync-qdevice corosync-quorumtool python3 \
    stonith_admin fence_redfish

cleanup() {
	"$HVLAB" lab down --lab "$LAB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
on() { n=$1; shift; timeout 30 "$HVLAB" lab exec "$n" --lab "$LAB" -- "$@"; }
# host1's `corosync-quorumtool -s` (it exits 2 when not quorate)
quorum() { on host1 corosync-quorumtool -s >"$TMP/q.txt" 2>&1; cat "$TMP/q.txt"; }
qfield() { sed -n "s/^$1: *//p" "$TMP/q.txt" | sed 's/ *$//'; }
# Pacemaker's quorum as host1's crm_mon tells it: true/false
crm_quorum() {
	on host1 crm_mon -1 --output-as=xml 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as E
dc = E.fromstring(sys.stdin.read()).find("summary/current_dc")
print("none" if dc is None else dc.get("with_quorum", "none"))' 2>/dev/null
}
# "pid starttime comm node" of the stack's processes in the lab's
# namespaces (starttime guards against a reused pid)
stack_procs() {
	for ns in /run/netns/"$LAB"-*; do
		[ -e "$ns" ] && echo "$(stat -L -c %i "$ns") ${ns#/run/netns/"$LAB"-}"
	done >"$TMP/ns.ino"
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		node=$(awk -v i="$ino" '$1 == i { print $2 }' "$TMP/ns.ino")
		[ -n "$node" ] || continue
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		case "$comm" in
		corosync*|pacemaker*|libvirtd)
			echo "${p#/proc/} $(cut -d' ' -f22 "$p/stat") $comm $node" ;;
		esac
	done
}

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
  bmc:

scenarios:
  - name: install
    row: Installation complexity
    builtin: install
    needs: [install]
  - name: cluster
    row: Cluster configuration
    builtin: cluster
    needs: [install, cluster]
    bounds:
      online_min: 2
      quorate_min: 1
EOF
touch "$TMP/marker"
ls -d /run/corosync-qnetd /run/corosync-qdevice 2>/dev/null >"$TMP/run.before"
T0=$(now)
"$HVLAB" lab up -q -f "$TMP/lab.yaml" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; bad "lab up $LAB"; exit 1; }
echo "lab up in $(since "$T0") s"

# 1. install and cluster through the driver
t0=$(now)
"$HVLAB" run -f "$TMP/lab.yaml" --lab "$LAB" --platform libvirt \
    --scenario install --scenario cluster --out "$TMP/r" >"$TMP/run.log" 2>&1; rc=$?
cat "$TMP/run.log"
echo "install + cluster in $(since "$t0") s"
check "run --platform libvirt install + cluster exits 0 (got $rc)" test $rc -eq 0
python3 - "$TMP/r/results.json" >"$TMP/rows.txt" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    m = s.get("metrics", {})
    print(s["name"], s["verdict"], m.get("form_s", "-"), m.get("steps", "-"),
          "|", s.get("reason", ""))
EOF
cat "$TMP/rows.txt"
check "the cluster row passes" grep -q "^cluster pass " "$TMP/rows.txt"
check "its reason: 3 votes, 2 nodes + qdevice on san" \
    grep -q "^cluster pass .*quorum: 3 votes (2 nodes + qdevice on san)" "$TMP/rows.txt"
if ! grep -q "^cluster pass " "$TMP/rows.txt"; then
	for n in san host1 host2; do
		echo "== $n"
		on "$n" sh -c 'tail -n 20 /var/log/corosync-qnetd/hvlab-qnetd.out /var/log/corosync/qdevice.log /var/log/corosync/hvlab-cluster.out' 2>/dev/null
	done
	exit 1
fi
echo "figure: cluster formed, quorate with the device's vote, $(awk '/^cluster /{ printf "%.1f s after the form began (form_s), %d steps", $3, $4 }' "$TMP/rows.txt")"

# 2. the quorum as Corosync and Pacemaker show it, the device over TLS
quorum
check "host1 is quorate" test "$(qfield Quorate)" = Yes
check "3 expected votes, 3 present" test "$(qfield 'Expected votes')/$(qfield 'Total votes')" = 3/3
check "the flags show the quorum device, not two_node" \
    sh -c "grep -q '^Flags:.*Qdevice' '$TMP/q.txt' && ! grep -q '2Node' '$TMP/q.txt'"
check "the membership lists the device with 1 vote" grep -Eq '^ +0 +1 +Qdevice' "$TMP/q.txt"
check "Pacemaker has quorum (crm_mon's DC with_quorum)" test "$(crm_quorum)" = true
check "corosync.conf has a net device at the SAN, no two_node" \
    sh -c "on() { timeout 30 '$HVLAB' lab exec host1 --lab '$LAB' -- \"\$@\"; }; on grep -q 'model: net' /etc/corosync/corosync.conf && ! on grep -q two_node /etc/corosync/corosync.conf"
on san corosync-qnetd-tool -l -v >"$TMP/qnetd.txt" 2>&1
cat "$TMP/qnetd.txt"
check "corosync-qnetd on the SAN serves cluster $LAB with both hosts" \
    sh -c "grep -q 'Cluster \"$LAB\"' '$TMP/qnetd.txt' && test \$(grep -c 'Node ID' '$TMP/qnetd.txt') -eq 2"
check "both hosts speak TLS to it with a verified client certificate" \
    test "$(grep -c 'TLS active:.*Yes (client certificate verified)' "$TMP/qnetd.txt")" -eq 2
stack_procs >"$TMP/procs.txt"
qpid=$(awk '$3 == "corosync-qnetd" && $4 == "san" { print $1 }' "$TMP/procs.txt" | head -n 1)
check "corosync-qnetd runs on the SAN" test -n "$qpid"
check "as user coroqnetd" test "$(stat -c %U "/proc/$qpid" 2>/dev/null)" = coroqnetd
check "and on no host" test "$(awk '$3 == "corosync-qnetd" && $4 != "san"' "$TMP/procs.txt" | wc -l)" -eq 0
# comm is cut to 15 characters: corosync-qdevic
check "corosync-qdevice runs on host1 and host2" \
    test "$(awk '$3 == "corosync-qdevic" { print $4 }' "$TMP/procs.txt" | sort -u | tr '\n' ' ')" = "host1 host2 "

# 3. host2 fenced through its BMC: host1 + the device's vote keep quorum
on host1 crm_mon -1 --output-as=xml >"$TMP/crm.xml" 2>/dev/null
python3 - "$TMP/crm.xml" >"$TMP/fence.txt" <<'EOF2'
import sys, xml.etree.ElementTree as E
for r in E.parse(sys.argv[1]).getroot().iter("resource"):
    n = r.find("node")
    print(r.get("id"), r.get("resource_agent"), r.get("role"),
          n.get("name") if n is not None else "-")
EOF2
cat "$TMP/fence.txt"
check "fence-host1 (fence_redfish) runs on host2, fence-host2 on host1" \
    test "$(grep stonith:fence_redfish "$TMP/fence.txt" | sort | awk '{ print $1, $3, $4 }' | tr '\n' ' ')" = \
    "fence-host1 Started host2 fence-host2 Started host1 "
check "stonith-enabled is true" \
    test "$(on host1 crm_attribute -t crm_config -n stonith-enabled -G -q 2>/dev/null)" = true
t0=$(now)
on host1 stonith_admin --fence host2 --timeout 60 >"$TMP/fence.out" 2>&1 ||
	{ cat "$TMP/fence.out"; bad "stonith_admin --fence host2"; }
echo "figure: host2 fenced through its BMC in $(since "$t0") s"
check "the lab's events show host2's power pulled by its BMC" \
    grep -q '"event":"power-pull","args":"host2","source":"bmc"' "$STATE/events.jsonl"
# sampled until host1's membership drops host2: a "Quorate: No" on the
# way is a lost quorum, however short
i=0 noq=0
until quorum >/dev/null; [ "$(qfield Quorate)" = Yes ] || noq=$((noq + 1))
    [ "$(qfield Nodes)" = 1 ]; do
	i=$((i + 1)); [ $i -lt 60 ] || break; sleep 0.3
done
gone=$(since "$t0")
cat "$TMP/q.txt"
check "host1 sees host2 gone (Nodes: 1 within 30 s)" test "$(qfield Nodes)" = 1
check "host1 was quorate at each of its $((i + 1)) looks meanwhile ($noq not)" test $noq -eq 0
check "host1 alone is quorate (its vote + the device's: 2 of 3)" \
    test "$(qfield Quorate)/$(qfield 'Total votes')" = Yes/2
i=0
until [ "$(crm_quorum)" = true ] && on host1 crm_mon -1 2>/dev/null | grep -q 'OFFLINE: \[ host2 \]'; do
	i=$((i + 1)); [ $i -lt 40 ] || break; sleep 0.5
done
check "Pacemaker on host1 keeps quorum with host2 offline" test "$(crm_quorum)" = true
echo "figure: host1 saw host2 gone $gone s after the power pull, quorate $(qfield Quorate)"

# 4. the arbiter gone: no device vote, host1 alone loses quorum
t0=$(now)
on san sh -c 'kill "$(cat /run/corosync-qnetd/corosync-qnetd.pid)"' || bad "stop corosync-qnetd"
i=0
until quorum >/dev/null; [ "$(qfield Quorate)" = No ]; do
	i=$((i + 1)); [ $i -lt 80 ] || break; sleep 0.5
done
cat "$TMP/q.txt"
check "without the arbiter host1 alone is not quorate (1 of 3 votes)" \
    test "$(qfield Quorate)/$(qfield 'Total votes')" = No/1
echo "figure: host1 lost quorum $(since "$t0") s after corosync-qnetd stopped"

# 5. down: nothing of the stack is left
stack_procs >>"$TMP/procs.txt"
"$HVLAB" lab down --lab "$LAB" >/dev/null 2>&1
check "lab down exits 0" test $? -eq 0
sleep 1
left=0
while read -r pid start comm node; do
	if [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then
		echo "left: $pid $comm ($node)"
		left=$((left + 1))
	fi
done <"$TMP/procs.txt"
check "no corosync-qnetd, corosync-qdevice, Corosync or Pacemaker process of the lab remains ($(sort -u "$TMP/procs.txt" | wc -l) were seen)" test $left -eq 0
check "the processes seen include the qdevices and qnetd" \
    sh -c "grep -q ' corosync-qnetd san\$' '$TMP/procs.txt' && grep -q ' corosync-qdevic host' '$TMP/procs.txt'"
check "no namespace of the lab remains" sh -c "! ls /run/netns/ | grep -q '^$LAB-'"
check "no state of the lab remains" test ! -e "$STATE"
ls -d /run/corosync-qnetd /run/corosync-qdevice 2>/dev/null >"$TMP/run.after"
check "no corosync-qnetd or corosync-qdevice socket directory on the machine's /run" \
    cmp -s "$TMP/run.before" "$TMP/run.after"
# shellcheck disable=SC2086
find $MACHINE_DIRS -newer "$TMP/marker" 2>/dev/null >"$TMP/new.txt"
check "no file of the stack was written on the machine" test ! -s "$TMP/new.txt"
[ -s "$TMP/new.txt" ] && head "$TMP/new.txt"
echo "done in $(since "$T0") s (load $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$fails" -eq 0 ] || exit 1
