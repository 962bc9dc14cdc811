#!/bin/sh
# test_hvd_slow_etcd: one slow etcd must not cost a node its HA lease.
# Three hvd nodes in network namespaces (real etcd, QEMU, hvd-watchdog);
# node2's hvd reaches its etcd member through slow_proxy.py (an nft rule
# in node2's namespace sends 127.0.0.1:2379 there), which passes requests
# at once and holds every answer back.  An HA VM runs on node2.  With
# answers taking ~1.5 s for 10 s — etcd alive, its quorum intact, only
# slow, as on a loaded machine — node2 must keep renewing its lease:
# its watchdog must not fence, the VM keeps its QEMU and its node, and
# never runs twice.  A keepalive that gave up after a fixed 1 s threw
# every such answer away and fenced the VM 4 s later.
. "$(dirname "$0")/hvd_lib.sh"

G=$HVD_TOP/build/guest
PROXY_PORT=2479
MARK=0x2a
fail() {
	echo "FAIL: $*"
	for f in "$HVD_TMP"/n1/hvd.log "$HVD_TMP"/n2/hvd.log "$HVD_TMP"/n2/run/hvd-watchdog.log \
	    "$HVD_TMP"/proxy.log; do
		echo "== $f"; grep -v "GET /api/v1/vms/vm1 " "$f" | tail -n 25
	done
	exit 1
}
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "no QEMU"; exit 77; }
command -v python3 >/dev/null && command -v nft >/dev/null ||
    { echo "needs python3 and nft"; exit 77; }

hvd_setup 3
# node2: its etcd's answers go through the proxy, from the start, so that
# hvd's kept-alive connections to etcd are the proxy's too
echo 0 >"$HVD_TMP/delay"
ip netns exec "$(hvd_ns 2)" python3 "$HVD_TOP/tests/integration/slow_proxy.py" \
    $PROXY_PORT 2379 "$HVD_TMP/delay" $MARK >"$HVD_TMP/proxy.log" 2>&1 &
PROXY=$!
# the proxy is ours, ended by pid; hvd_lib's teardown runs after this
trap 'kill $PROXY 2>/dev/null; wait $PROXY 2>/dev/null; hvd_teardown' EXIT INT TERM
ip netns exec "$(hvd_ns 2)" nft -f - <<EON || fail "nft redirect"
table ip hvdslow {
	chain out {
		type nat hook output priority -100;
		ip daddr 127.0.0.1 tcp dport 2379 meta mark != $MARK redirect to :$PROXY_PORT
	}
}
EON
for i in 1 2 3; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster slowlab || fail "cluster did not form"

# etcd's answer time for node2 on a kept-alive connection, as hvd's are
# (s): the second of two requests on one connection, so no TLS handshake
etcd_rtt() {
	_t=$HVD_TMP/n2/tls
	ip netns exec "$(hvd_ns 2)" curl -sf -m 20 --cacert "$_t/ca.pem" \
	    --cert "$_t/node.pem" --key "$_t/node.key" -o /dev/null -o /dev/null \
	    -w '%{time_total}\n' -d '{"key": "L2h2ZC9jbHVzdGVy"}' \
	    "https://127.0.0.1:2379/v3/kv/range" \
	    "https://127.0.0.1:2379/v3/kv/range" | tail -n 1 | grep . || echo 99
}
fast=$(etcd_rtt)
echo "etcd answers node2 in $fast s through the proxy, no delay"

hvctl_on 1 vm create vm1 --node node2 --memory 128 --kernel "$G/vmlinux" \
    --initrd "$G/initrd.img" --cmdline "console=ttyS0 quiet" || fail "vm create"
hvctl_on 2 vm start vm1 >/dev/null || fail "vm start"
hvctl_on 1 ha add vm1 || fail "ha add"
t=0
until hvctl_on 1 vm status vm1 2>/dev/null | grep -q "running on node2"; do
	t=$((t + 1)); [ $t -lt 300 ] ||
	    fail "vm1 runs on node2: $(hvctl_on 1 vm status vm1 2>&1; hvctl_on 1 ha status 2>&1)"
	sleep 0.2
done
t=0
until grep -qx "vm vm1" "$HVD_TMP/n2/run/ha-feed" 2>/dev/null; do
	t=$((t + 1)); [ $t -lt 100 ] || fail "node2's watchdog guards vm1"; sleep 0.1
done
qpid=$(hvctl_on 2 --json vm show vm1 | json_field pid)
kill -0 "$qpid" || fail "vm1's QEMU $qpid runs"
fences0=$(grep -c "FENCE" "$HVD_TMP/n2/run/hvd-watchdog.log" 2>/dev/null)

# etcd slow for node2: every answer held back.  An answer crosses the
# proxy twice (etcd's gateway dials its own client port), so a hold of
# 0.7 s makes a request on a kept-alive connection take ~1.4 s.
echo ${SLOW_HOLD:-0.7} >"$HVD_TMP/delay"
slow=$(etcd_rtt)
echo "etcd answers node2 in $slow s while slow"
awk -v s="$slow" 'BEGIN { exit !(s >= 1.2 && s < 3.0) }' ||
    fail "the proxy does not make etcd slow as meant (${slow} s, want 1.2-3 s)"
max=1
t=0
while [ $t -lt 50 ]; do		# 10 s: the deadline is 4 s
	n=0
	for f in "$HVD_TMP"/n*/run/vms/vm1/qemu.pid; do
		[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && n=$((n + 1))
	done
	[ $n -gt $max ] && max=$n
	sleep 0.2
	t=$((t + 1))
done
slow2=$(etcd_rtt)
echo 0 >"$HVD_TMP/delay"
echo "etcd answered node2 in $slow2 s at the end of the slow spell"

fences=$(grep -c "FENCE" "$HVD_TMP/n2/run/hvd-watchdog.log" 2>/dev/null)
[ "${fences:-0}" -eq "${fences0:-0}" ] ||
    fail "node2's watchdog fenced while etcd was only slow ($(grep FENCE "$HVD_TMP/n2/run/hvd-watchdog.log" | head -3))"
kill -0 "$qpid" 2>/dev/null || fail "vm1's QEMU $qpid was killed"
[ "$max" -le 1 ] || fail "vm1 ran $max times at once"
sleep 2
hvctl_on 1 vm status vm1 | grep -q "running on node2" ||
    fail "vm1 is still running on node2: $(hvctl_on 1 vm status vm1)"
grep -q "lease" "$HVD_TMP/n2/hvd.log" && grep "lease" "$HVD_TMP/n2/hvd.log" | tail -3
echo "PASS: 10 s of ~${slow} s etcd answers, no fence, one copy, vm1 kept its QEMU"
