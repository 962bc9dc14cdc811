#!/bin/sh
# test_hvd_balance: hvd's load balancer on 3 nodes with their own OVS
# (real etcd, QEMU, live migrations).  Three VMs with a NIC on VLAN 10,
# whose guest agents burn a CPU on demand, shared by the checks:
#  1. bad settings, rules and a maintenance of no node are refused,
#     naming the field;
#  2. equal nodes: vm1 on node1 and vm2 on node2 both busy (node3 in
#     maintenance, empty), dynamic mode with a threshold of 0.05 and
#     hold 1: no move in 10 rounds;
#  3. the three VMs busy on node1 (node2, node3 idle): the balancer moves
#     VMs off node1 by live migration until no node is above the mean by
#     more than the threshold; each move is a vmmigrate task whose log
#     gives its reason ("load: node node1 ...");
#  4. an affinity rule brings vm2 to vm1's node; an anti-affinity rule
#     then takes one of them away again;
#  5. maintenance of vm1's node drains it (reason "maintenance"), nothing
#     moves there, and vm1 and vm2 stay apart; a VM created there
#     without a node is placed on another node.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; grep -i balancer "$f" | tail -n 10; tail -n 10 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
VMTOOL=$HVD_TOP/build/vmtool
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
[ -x "$VMTOOL" ] || { echo "build/vmtool not built (make)"; exit 77; }

hvd_setup 3
for i in 1 2 3; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster lblab >/dev/null || fail "cluster did not form"
hvd_station st 1 10 198.18.251.1/24 || fail "station"
ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"
ip4() { echo "198.18.251.1$1"; }
mkvm() {	# N NODE
	hvctl_on 1 vm create "vm$1" --node "$2" --memory 128 --nic 10 \
	    --kernel "$G/vmlinux" --initrd "$G/initrd.img" --cmdline \
	    "console=ttyS0 quiet panic=-1 hvlab.name=vm$1 hvlab.ip=$(ip4 $1)/24" \
	    >/dev/null || fail "create vm$1"
	hvctl_on 1 vm start "vm$1" >/dev/null || fail "start vm$1"
}
agent() {	# N COMMAND
	ip netns exec "$HVD_P-st" "$G/agentctl" -t 5 "$(ip4 $1)" "$2" 2>/dev/null
}
up() {
	t=0
	until [ "$(agent "$1" "ping 1")" = "pong 1" ]; do
		t=$((t + 1)); [ $t -lt 90 ] || fail "vm$1's agent answers"; sleep 1
	done
}
burn() {	# SECONDS N...
	s=$1; shift
	for n in "$@"; do
		[ "$(agent "$n" "burn $s")" = ok ] || fail "vm$n burns"
	done
}
bal() { hvd_api "$@" >/dev/null || fail "$*: $(hvd_api "$@")"; }
# body PATH: the JSON answer of GET PATH without hvd_api's status
body() { hvd_api GET "$1" | python3 -c 'import sys; print(sys.stdin.read().rstrip().rsplit(" ", 1)[0])'; }
# nodes: "vm1=node1 vm2=node2 ..." from the VM records
nodes() {
	body /api/v1/vms | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("vms", d) if isinstance(d, dict) else d
print(" ".join("%s=%s" % (v["name"], v["node"]) for v in sorted(d, key=lambda v: v["name"])))'
}
node_of() { nodes | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# status FIELD: from the balancer's last round: moves (how many kept),
# balanced (1 when no node is above the mean by more than the
# threshold), reasons (one per line), round (its time)
status() {
	body /api/v1/cluster/balance | python3 -c '
import json, sys
d = json.load(sys.stdin)
s, st = d["settings"], d["status"] or {"nodes": [], "moves": [], "mean": 0, "t": ""}
f = sys.argv[1]
if f == "moves": print(len(st["moves"]))
elif f == "balanced": print(int(len(st["nodes"]) == 3 and all(n["load"] - st["mean"] <= s["threshold"] for n in st["nodes"] if not n["maintenance"])))
elif f == "reasons": print("\n".join("%s %s->%s %s %s" % (m["vm"], m["from"], m["to"], m["task"], m["reason"]) for m in st["moves"]))
elif f == "round": print(st["t"])
elif f == "loads": print(" ".join("%s=%.2f" % (n["name"], n["load"]) for n in st["nodes"]))' "$1"
}
# rounds N: wait for N more balancer rounds
rounds() {
	r=0 last=$(status round) t=0
	while [ $r -lt "$1" ]; do
		sleep 1
		now=$(status round)
		[ "$now" != "$last" ] && { r=$((r + 1)); last=$now; }
		t=$((t + 1)); [ $t -lt $(($1 * 10 + 20)) ] || fail "the balancer runs rounds"
	done
}
# settle: no migration task queued or running
migrating() {
	body /api/v1/tasks | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(t.get("type") == "vmmigrate" and t.get("state") in ("queued", "running") for t in d) else 1)'
}
settle() {
	t=0
	while migrating; do
		t=$((t + 1)); [ $t -lt 60 ] || fail "migrations end"; sleep 1
	done
}
# within S DESC: call until COND holds (run as "until within S DESC &&
# COND"); fails after S seconds
within() {
	[ -n "${w0:-}" ] || w0=$(date +%s)
	[ $(( $(date +%s) - w0 )) -lt "$1" ] || fail "$2 within $1 s: $(nodes)"
	sleep 1
	! migrating
}

# --- 1. refusals ---
hvd_refused 400 - PUT /api/v1/cluster/balance '{"mode":"fast"}'
echo "$out" | grep -q "'mode' must be off, static or dynamic" || fail "the mode's message: $out"
hvd_refused 400 - PUT /api/v1/cluster/balance '{"hold":0}'
hvd_refused 400 vms POST /api/v1/balance/rules '{"name":"r","type":"affinity","vms":["vm1"]}'
hvd_refused 400 type POST /api/v1/balance/rules '{"name":"r","type":"near","vms":["vm1","vm2"]}'
hvd_refused 404 - PUT /api/v1/nodes/node9/maintenance '{"maintenance":true}'
hvd_refused 400 maintenance PUT /api/v1/nodes/node1/maintenance '{"maintenance":"yes"}'

# --- 2. equal nodes: no move ---
bal PUT /api/v1/nodes/node3/maintenance '{"maintenance":true}'
mkvm 1 node1
mkvm 2 node2
mkvm 3 node1
up 1; up 2; up 3
burn 40 1 2
bal PUT /api/v1/cluster/balance '{"mode":"dynamic","threshold":0.05,"hold":1,"margin":0.1,"max_moves":2,"interval_s":2}'
rounds 10
[ "$(status moves)" = 0 ] || fail "two equal busy nodes: no move ($(status reasons))"
echo "equal nodes: no move in 10 rounds (loads $(status loads))"

# --- 3. three busy VMs on node1 ---
bal PUT /api/v1/cluster/balance '{"mode":"off"}'
bal PUT /api/v1/nodes/node3/maintenance '{"maintenance":false}'
hvctl_on 1 vm migrate vm2 node1 --live >/dev/null || fail "vm2 back to node1"
[ "$(nodes)" = "vm1=node1 vm2=node1 vm3=node1" ] || fail "set-up: $(nodes)"
burn 60 1 2 3
sleep 3
t0=$(date +%s)
bal PUT /api/v1/cluster/balance '{"mode":"dynamic","threshold":0.2,"hold":2,"max_moves":2,"interval_s":3}'
w0=$t0
until within 90 "balanced ($(status loads))" && [ "$(status moves)" -ge 1 ] &&
    rounds 2 && ! migrating && [ "$(status balanced)" = 1 ]; do :; done
echo "balanced after $(( $(date +%s) - t0 )) s: $(nodes); loads $(status loads)"
status reasons
[ "$(status reasons | grep -vc ' node1->node[23] .* load: node node1 ')" = 0 ] ||
    fail "every move leaves node1 for its load: $(status reasons)"
case "$(nodes)" in *node2*|*node3*) ;; *) fail "a VM left node1: $(nodes)" ;; esac
task=$(status reasons | awk 'NR == 1 { print $3 }')
hvctl_on 1 --json task show "$task" | grep -q 'reason: load: node node1' ||
    fail "the move's task log gives its reason: $(hvctl_on 1 task show "$task")"
M=$(status moves)

# --- 4. affinity, then anti-affinity (VMs idle now) ---
bal PUT /api/v1/cluster/balance '{"threshold":10,"hold":1,"interval_s":2}'
bal POST /api/v1/balance/rules '{"name":"pair","type":"affinity","vms":["vm1","vm2"]}'
w0=
until within 40 "affinity brings vm1 and vm2 together" &&
    [ "$(node_of vm1)" = "$(node_of vm2)" ]; do :; done
echo "affinity: $(nodes)"
bal POST /api/v1/balance/rules '{"name":"pair","type":"anti-affinity","vms":["vm1","vm2"]}'
w0=
until within 40 "anti-affinity takes vm1 and vm2 apart" &&
    [ "$(node_of vm1)" != "$(node_of vm2)" ]; do :; done
echo "anti-affinity: $(nodes)"
status reasons | tail -n 1 | grep -q 'anti-affinity: VM vm[12] runs on' ||
    fail "the move's reason: $(status reasons | tail -n 1)"

# --- 5. maintenance drains a node ---
N1=$(node_of vm1)
bal PUT "/api/v1/nodes/$N1/maintenance" '{"maintenance":true}'
w0=
until within 40 "maintenance drains $N1" && ! nodes | grep -q "=$N1\b"; do :; done
rounds 2
nodes | grep -q "=$N1\b" && fail "nothing moves back to $N1: $(nodes)"
[ "$(node_of vm1)" != "$(node_of vm2)" ] || fail "vm1 and vm2 stay apart: $(nodes)"
status reasons | tail -n 1 | grep -q "maintenance: node $N1 is drained" ||
    fail "the drain's reason: $(status reasons | tail -n 1)"
echo "maintenance of $N1: $(nodes)"
# a VM created without a node goes where the balancer places it: not to
# the node in maintenance, even when that node takes the request
hvctl_on "${N1#node}" vm create vm4 --memory 64 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" >/dev/null || fail "create vm4"
[ -n "$(node_of vm4)" ] && [ "$(node_of vm4)" != "$N1" ] ||
    fail "vm4, asked of $N1 without a node, is placed elsewhere: $(nodes)"
echo "placed: vm4 on $(node_of vm4)"
for n in 1 2 3; do up $n; done
echo PASS
