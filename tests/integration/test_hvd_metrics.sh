#!/bin/sh
# test_hvd_metrics: hvd's metrics on a 2-node cluster with OVS (real etcd,
# QEMU and Prometheus).  The REST series exist for both nodes (node2's
# asked through node1) and for a VM on node1 (QEMU CPU, its vCPU thread,
# RSS, its tap); the VM's CPU rate rises while the guest agent burns a
# CPU for 20 s and falls after; GET /metrics refuses a request without a
# token and passes `promtool check metrics`; a real Prometheus scrapes
# both nodes over HTTPS with the cluster CA and an audit token, and its
# HTTP API returns the rise as rate(hvd_vm_cpu_seconds_total[..]);
# hvctl top prints one plain table of both nodes and the VM.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log "$HVD_TMP"/prom.log; do [ -f "$f" ] && { echo "== $f"; tail -n 20 "$f"; }; done; exit 1; }
G=$HVD_TOP/build/guest
VMTOOL=$HVD_TOP/build/vmtool
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
for c in prometheus promtool curl; do
	command -v $c >/dev/null || { echo "$c is not installed"; exit 77; }
done

# Rise and fall, in cores (TCG spins one vCPU thread at up to 1 core).
RISE=0.4
FALL=0.25

hvd_setup 2
PROM_PID=
prom_stop() { [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null; PROM_PID=; }
trap 'prom_stop; hvd_teardown' EXIT
for i in 1 2; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster mxlab || fail "cluster did not form"
hvd_station st 1 10 198.18.251.1/24 || fail "station"
IP=198.18.251.10
hvctl_on 1 vm create vm1 --node node1 --memory 128 --nic 10 \
    --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
    --cmdline "console=ttyS0 quiet panic=-1 hvlab.name=vm1 hvlab.ip=$IP/24" ||
    fail "vm create"
hvctl_on 1 vm start vm1 >/dev/null || fail "vm start"

# The node's series, asked of node1 for node2 too (a counter's rate
# needs two samples: the sampler takes one a second).
has_series() {	# NODE-OF-QUERY metrics-ARGS... : every name in $WANT
	out=$(hvctl_on "$@" --since -10 2>&1) || return 1
	for s in $WANT; do echo "$out" | grep -q "\"$s\"" || return 1; done
}
WANT="hvd_node_cpu_seconds_total hvd_node_memory_available_bytes hvd_node_load1 hvd_node_network_receive_bytes_total"
for n in 1 2; do
	t=0
	until has_series 1 --json metrics node "node$n"; do
		t=$((t + 1)); [ $t -lt 10 ] || fail "node$n has $WANT: $out"; sleep 1
	done
	echo "$out" | grep -q "\"node\":[[:space:]]*\"node$n\"" ||
	    fail "the answer is node$n's own"
done
hvctl_on 1 metrics node node1 --since -3000 --step 7 2>&1 | grep -q "step must be a multiple of 60" ||
    fail "a bad step is refused naming it"

ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"
agent() { ip netns exec "$HVD_P-st" "$G/agentctl" -t 20 "$IP" "$@"; }
t=0
until [ "$(ip netns exec "$HVD_P-st" "$G/agentctl" -t 2 "$IP" "ping 1" 2>/dev/null)" = "pong 1" ]; do
	t=$((t + 1)); [ $t -lt 60 ] || fail "the guest agent answers"; sleep 1
done

# cpu_rate NODE: vm1's CPU in cores over the last 3 s (REST, asked on NODE).
cpu_rate() {
	hvctl_on "$1" --json metrics vm vm1 --since -4 | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [v for s in d["series"] if s["name"] == "hvd_vm_cpu_seconds_total"
     for t, v in s["points"]]
print("%.3f" % (sum(p) / len(p)) if p else "nan")'
}
WANT="hvd_vm_cpu_seconds_total hvd_vm_vcpu_seconds_total hvd_vm_memory_rss_bytes hvd_vm_network_receive_bytes_total"
has_series 2 --json metrics vm vm1 || fail "vm1 has $WANT, asked on node2: $out"
echo "$out" | grep -q '"vcpu":[[:space:]]*"0"' || fail "vCPU 0 has its series"

# below NODE BOUND SECONDS: vm1's CPU falls under BOUND within SECONDS.
below() {
	t=0
	while :; do
		r=$(cpu_rate "$1")
		awk -v r="$r" -v b="$2" 'BEGIN { exit !(r != "nan" && r < b) }' && break
		t=$((t + 1)); [ $t -lt "$3" ] || return 1; sleep 1
	done
	echo "cpu $r cores (under $2) after ${t} s"
}
below 1 "$FALL" 60 || fail "vm1 idles after boot (cpu $(cpu_rate 1))"

# Prometheus on node1's namespace, scraping both nodes every second.
AUD=$(hvctl_on 1 token create --role audit --comment prometheus) || fail "audit token"
code=$(ip netns exec "$(hvd_ns 1)" curl -s -o /dev/null -w '%{http_code}' \
    --cacert "$HVD_TMP/n1/tls/ca.pem" "https://$(hvd_addr 1):8006/metrics")
[ "$code" = 401 ] || fail "/metrics without a token: $code, not 401"
ip netns exec "$(hvd_ns 1)" curl -sf --cacert "$HVD_TMP/n1/tls/ca.pem" \
    -H "Authorization: Bearer $AUD" "https://$(hvd_addr 1):8006/metrics" \
    >"$HVD_TMP/metrics.txt" || fail "/metrics with an audit token"
promtool check metrics <"$HVD_TMP/metrics.txt" || fail "promtool check metrics"
grep -q '^hvd_vm_cpu_seconds_total{node="node1",vm="vm1"} ' "$HVD_TMP/metrics.txt" ||
    fail "the VM's CPU counter is exposed: $(grep hvd_vm_cpu "$HVD_TMP/metrics.txt")"
mkdir -p "$HVD_TMP/prom"
printf '%s' "$AUD" >"$HVD_TMP/prom/token"
cat >"$HVD_TMP/prom/prometheus.yml" <<EOP
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hvd
    scheme: https
    tls_config:
      ca_file: $HVD_TMP/n1/tls/ca.pem
    authorization:
      credentials_file: $HVD_TMP/prom/token
    static_configs:
      - targets: ['$(hvd_addr 1):8006', '$(hvd_addr 2):8006']
EOP
promtool check config "$HVD_TMP/prom/prometheus.yml" >/dev/null || fail "prometheus config"
ip netns exec "$(hvd_ns 1)" prometheus --config.file="$HVD_TMP/prom/prometheus.yml" \
    --storage.tsdb.path="$HVD_TMP/prom/data" --web.listen-address=127.0.0.1:9090 \
    >"$HVD_TMP/prom.log" 2>&1 &
PROM_PID=$!
promq() {
	ip netns exec "$(hvd_ns 1)" curl -sf -G http://127.0.0.1:9090/api/v1/query \
	    --data-urlencode "query=$1"
}
# the value of a one-element vector answer, or nothing
promv() {
	promq "$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")'
}
t=0
until [ "$(promv 'count(up == 1)')" = 2 ]; do
	t=$((t + 1)); [ $t -lt 60 ] || fail "Prometheus scrapes both nodes: $(promq up)"; sleep 1
done
echo "Prometheus scrapes both nodes"

# The burn: the REST rate rises within 10 s, Prometheus sees it too.
out=$(agent 'burn 20') || fail "burn: $out"
[ "$out" = ok ] || fail "burn replied '$out'"
t0=$(date +%s)
t=0
while :; do
	r=$(cpu_rate 1)
	awk -v r="$r" -v b="$RISE" 'BEGIN { exit !(r != "nan" && r > b) }' && break
	t=$((t + 1)); [ $t -lt 10 ] || fail "vm1's CPU rises over $RISE while it burns (at $r)"; sleep 1
done
echo "reaction: cpu $r cores after $(( $(date +%s) - t0 )) s"
t=0
while :; do
	p=$(promv 'rate(hvd_vm_cpu_seconds_total{vm="vm1"}[5s])')
	awk -v r="$p" -v b="$RISE" 'BEGIN { exit !(r != "" && r > b) }' && break
	t=$((t + 1)); [ $t -lt 15 ] || fail "Prometheus sees the rise (rate $p)"; sleep 1
done
echo "Prometheus: rate(hvd_vm_cpu_seconds_total{vm=\"vm1\"}[5s]) = $p"
# hvctl top, not on a terminal: one plain table with both nodes and vm1.
top=$(hvctl_on 2 top) || fail "hvctl top: $top"
echo "$top"
for w in '^node1 ' '^node2 ' '^vm1  *node1 '; do
	echo "$top" | grep -q "$w" || fail "hvctl top has a line '$w': $top"
done
[ "$(echo "$top" | grep -c '^NODE ')" = 1 ] || fail "hvctl top prints one table when not on a terminal"
# It falls once the 20 s are over.
sleep $((t0 + 20 - $(date +%s) > 0 ? t0 + 20 - $(date +%s) : 0))
below 2 "$FALL" 20 || fail "vm1's CPU falls after the burn (cpu $(cpu_rate 2))"
prom_stop
echo PASS
