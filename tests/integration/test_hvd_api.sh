#!/bin/sh
# test_hvd_api: what the API guarantees that only a real cluster shows,
# on 2 nodes with their own Open vSwitch.  Reads change nothing: an
# audit token's GET /api/v1/nodes/NODE/network, for the node asked and
# for the other one, answers the bridge and leaves the task history and
# etcd's revision alone; so does root's on the unix socket.  A node's
# certificate (how nodes ask each other) reads and may not write.  A
# role refused is refused before its body is parsed or measured; a GET
# or DELETE with a body is refused.  A VM asking more memory than its
# node has is refused at create and config.  A pool on an iSCSI portal
# nobody answers at is refused naming the portal.  Idle connections from
# many addresses leave authenticated clients served.  A node's BMC
# record is written by an admin only, a bad one refused naming the
# field, read back without its password; the HA setting fencing.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 20 "$f"; done; exit 1; }

hvd_setup 2
for i in 1 2; do hvd_start $i || fail "hvd $i did not start"; done
hvd_form_cluster apilab || fail "cluster did not form"
t=0
while ! hvctl_on 1 --json cluster status | grep -q '"online":[[:space:]]*2'; do
	t=$((t + 1)); [ $t -lt 50 ] || fail "2 nodes online"; sleep 0.2
done
hvctl_on 1 cluster ca >"$HVD_TMP/ca.pem" || fail "cluster ca"
AUDIT=$(hvctl_on 1 token create --role audit --comment test) || fail "audit token"
URL=https://$(hvd_addr 1):8006
NS2=$(hvd_ns 2)

# req EXPECTED_STATUS TOKEN METHOD PATH [BODY-FILE]: the answer in $HVD_TMP/resp
req() {
	exp=$1 tok=$2 m=$3 p=$4 f=${5:-}
	set -- -s -o "$HVD_TMP/resp" -w '%{http_code}' --cacert "$HVD_TMP/ca.pem" -X "$m"
	[ -n "$tok" ] && set -- "$@" -H "Authorization: Bearer $tok"
	[ -n "$f" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "@$f"
	code=$(ip netns exec "$NS2" curl "$@" "$URL$p")
	[ "$code" = "$exp" ] || fail "$m $p: expected $exp, got $code: $(cat "$HVD_TMP/resp")"
}
ntasks() { hvctl_on 1 --json api GET /api/v1/tasks | grep -c '"id"'; }
# etcd's revision on node 1: moves with every write to the cluster's keys.
etcd_rev() {
	hvd_etcd 1 /v3/kv/range '{"key": "AA==", "limit": 1}' |
	    sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p'
}
# the keys written or deleted on node 1's etcd after revision $1, one per
# line: etcd's watch from that revision replays every event since (a
# key written and deleted again counts too); the stream is read for 2 s
written_since() {
	_t=$HVD_TMP/n1/tls
	ip netns exec "$(hvd_ns 1)" curl -s -m 2 --cacert "$_t/ca.pem" \
	    --cert "$_t/node.pem" --key "$_t/node.key" -X POST \
	    -d "{\"create_request\": {\"key\": \"AA==\", \"range_end\": \"AA==\", \"start_revision\": $(($1 + 1))}}" \
	    https://127.0.0.1:2379/v3/watch |
	    grep -o '"key":"[^"]*"' | cut -d'"' -f4 | sort -u |
	    while read -r k; do echo "$k" | base64 -d; echo; done
}

# --- reads write nothing ---
tasks0=$(ntasks)
rev0=$(etcd_rev)
[ -n "$rev0" ] || fail "etcd revision readable"
for n in node1 node2; do
	req 200 "$AUDIT" GET "/api/v1/nodes/$n/network"
	grep -q '"bridge"' "$HVD_TMP/resp" || fail "GET network of $n answers the bridge: $(cat "$HVD_TMP/resp")"
	grep -q '"name":[[:space:]]*"tr"' "$HVD_TMP/resp" || fail "GET network of $n lists its trunk port: $(cat "$HVD_TMP/resp")"
done
# root on node 1's unix socket asks about node 2.
hvctl_on 1 --json network show node2 | grep -q '"bridge"' || fail "hvctl network show node2 on node1"
tasks1=$(ntasks)
rev1=$(etcd_rev)
[ "$tasks0" = "$tasks1" ] || fail "GET network made no task ($tasks0 tasks before, $tasks1 after)"
hvctl_on 1 --json api GET /api/v1/tasks | grep -q netshow && fail "no netshow task in the history"
# Node liveness, HA (leases, the watchdog's feed, the manager) and the
# balancer's round in the manager (its status, each node's load summary)
# write on their own schedule, so the revision alone may move: every key
# written since rev0 must be one of theirs.
written=$(written_since "$rev0")
echo "keys written meanwhile (rev $rev0 to $rev1): $(echo $written)"
bad=$(echo "$written" | grep -v -e '^$' -e '^/hvd/ha/' -e '^/hvd/alive/' \
    -e '^/hvd/balance/status$' -e '^/hvd/balance/load/')
[ -z "$bad" ] || fail "GET network wrote to etcd: $bad (revision $rev0, then $rev1)"
echo "GET network: no task, etcd revision $rev0 unchanged"

# A node's certificate is how nodes ask each other: it reads, no more.
T2=$HVD_TMP/n2/tls
NODECERT="--cert $T2/node.pem --key $T2/node.key"
req 401 "" GET /api/v1/nodes
code=$(ip netns exec "$NS2" curl -s -o "$HVD_TMP/resp" -w '%{http_code}' --cacert "$HVD_TMP/ca.pem" \
    $NODECERT "$URL/api/v1/nodes")
[ "$code" = 200 ] || fail "node2's certificate reads /api/v1/nodes: $code $(cat "$HVD_TMP/resp")"
code=$(ip netns exec "$NS2" curl -s -o "$HVD_TMP/resp" -w '%{http_code}' --cacert "$HVD_TMP/ca.pem" \
    $NODECERT -X POST -d '{"role": "admin"}' "$URL/api/v1/tokens")
[ "$code" = 403 ] || fail "node2's certificate may not POST /api/v1/tokens: $code $(cat "$HVD_TMP/resp")"

# --- bodies: the role and the method decide before a body is read ---
printf '{' >"$HVD_TMP/broken.json"
head -c 2097152 /dev/zero | tr '\0' ' ' >"$HVD_TMP/big.json"
printf '{}' >"$HVD_TMP/empty.json"
req 403 "$AUDIT" POST /api/v1/vms "$HVD_TMP/broken.json"
req 403 "$AUDIT" POST /api/v1/vms "$HVD_TMP/big.json"
req 400 "$AUDIT" GET /api/v1/nodes "$HVD_TMP/empty.json"
grep -q "takes no request body" "$HVD_TMP/resp" || fail "GET with a body: $(cat "$HVD_TMP/resp")"
req 400 "$HVD_TOKEN" DELETE /api/v1/vms/nosuch "$HVD_TMP/empty.json"
echo "bodies: 403 before parse or size, 400 for a GET or DELETE body"

# --- a node's BMC record: admin writes, refusals name the field, GET
# answers without the password; the HA setting fencing ---
OPER=$(hvctl_on 1 token create --role operator --comment test) || fail "operator token"
BMC='{"url": "https://198.18.252.60/redfish/v1/Systems/node2", "user": "fence", "password": "s3cret-pw", "insecure": true}'
echo "$BMC" >"$HVD_TMP/bmc.json"
req 403 "$OPER" PUT /api/v1/nodes/node2/bmc "$HVD_TMP/bmc.json"
grep -q "role 'operator' may not PUT" "$HVD_TMP/resp" || fail "an operator's BMC write: $(cat "$HVD_TMP/resp")"
echo "$BMC" | sed 's|/Systems/node2|/Managers/1|' >"$HVD_TMP/bmc-bad.json"
req 400 "$HVD_TOKEN" PUT /api/v1/nodes/node2/bmc "$HVD_TMP/bmc-bad.json"
grep -q '"field":[[:space:]]*"url"' "$HVD_TMP/resp" || fail "a bad BMC url names the field: $(cat "$HVD_TMP/resp")"
req 404 "$HVD_TOKEN" PUT /api/v1/nodes/node9/bmc "$HVD_TMP/bmc.json"
echo fence-pw >"$HVD_TMP/bmc.pw"
out=$(hvctl_on 1 node bmc node2 --url https://198.18.252.60/redfish/v1/Systems/node2 \
    --user fence --password-file "$HVD_TMP/bmc.pw" --insecure 2>&1) || fail "hvctl node bmc: $out"
req 200 "$AUDIT" GET /api/v1/nodes/node2/bmc
grep -q '"password_set":[[:space:]]*true' "$HVD_TMP/resp" && ! grep -q fence-pw "$HVD_TMP/resp" ||
    fail "GET shows the BMC without its password: $(cat "$HVD_TMP/resp")"
out=$(hvctl_on 1 ha settings --fencing ipmi 2>&1) && fail "fencing ipmi is refused: $out"
echo "$out" | grep -q "'fencing' must be watchdog, bmc or both" || fail "fencing refused: $out"
hvctl_on 1 ha settings --fencing both | grep -q '"fencing":[[:space:]]*"both"' || fail "fencing both is set"
hvctl_on 1 node bmc node2 --remove >/dev/null || fail "hvctl node bmc --remove"
req 404 "$AUDIT" GET /api/v1/nodes/node2/bmc
echo "BMC records: admin only, bad url 400 naming url, GET without password; fencing set"

# --- a VM asking more memory than its node has is refused at create ---
out=$(hvctl_on 1 vm create big --node node1 --memory 1048576 \
    --kernel "$HVD_TMP/images/none" 2>&1) && fail "a 1 TiB VM on node1 is refused: $out"
echo "1 TiB VM: $out"
echo "$out" | grep -q "400: .*memory.*node node1 has" || fail "the error says what the node has: $out"
hvctl_on 1 --json vm list | grep -q '"big"' && fail "no VM record for the refused VM"
hvctl_on 1 vm create small --node node1 --memory 64 --kernel "$HVD_TMP/images/none" >/dev/null ||
    fail "a 64 MiB VM is created"
out=$(hvctl_on 1 api PUT /api/v1/vms/small/config \
    '{"name": "small", "memory_mib": 1048576, "kernel": "'"$HVD_TMP/images/none"'"}' 2>&1) &&
    fail "a config asking 1 TiB is refused: $out"
echo "$out" | grep -q "node node1 has" || fail "the config error says what the node has: $out"
hvctl_on 1 vm delete small >/dev/null || fail "delete small"

# --- an iSCSI portal nobody answers at is named, in seconds ---
t0=$(date +%s)
out=$(hvctl_on 1 pool create san --type iscsi --portal 198.18.252.99 \
    --target iqn.2026-11.test.hvt:san 2>&1) && fail "a pool on a dead portal is refused"
echo "pool on a dead portal, after $(( $(date +%s) - t0 )) s: $out"
echo "$out" | grep -q "portal 198.18.252.99 does not answer: TCP 198.18.252.99:3260" || fail "the error names the portal: $out"

# --- connections: idle ones never take an authenticated one's place ---
# A kept-alive authenticated connection, then 9 addresses x 32 idle TCP
# connections (more than the 192 the API lets wait for authentication):
# the authenticated connection is still answered, and so is a new one.
i=30
while [ $i -le 38 ]; do ip -n "$NS2" addr add "198.18.252.$i/24" dev eth0; i=$((i + 1)); done
out=$(ip netns exec "$NS2" python3 - "$(hvd_addr 1)" "$HVD_TMP/ca.pem" "$AUDIT" <<'EOP'
import http.client, select, socket, ssl, sys, time
host, ca, tok = sys.argv[1:4]
hdr = {"Authorization": "Bearer " + tok}
c = http.client.HTTPSConnection(host, 8006, timeout=5,
    context=ssl.create_default_context(cafile=ca))
c.request("GET", "/api/v1/version", headers=hdr)
r = c.getresponse(); r.read()
first = r.status
idle = []
for a in range(30, 39):
    for _ in range(32):
        s = socket.socket()
        s.bind(("198.18.252.%d" % a, 0))
        s.settimeout(2)
        try:
            s.connect((host, 8006))
            idle.append(s)
        except OSError:
            s.close()
time.sleep(1)
rd, _, _ = select.select(idle, [], [], 0)
held = len(idle) - len(rd)
c.request("GET", "/api/v1/version", headers=hdr)
r = c.getresponse(); r.read()
again = r.status
n = http.client.HTTPSConnection(host, 8006, timeout=5,
    context=ssl.create_default_context(cafile=ca))
n.request("GET", "/api/v1/version", headers=hdr)
r = n.getresponse(); r.read()
print(first, len(idle), held, again, r.status)
EOP
) || fail "the connection test ran: $out"
echo "connections (first answer, idle opened, idle held, answer after, new client): $out"
set -- $out
[ "$1" = 200 ] && [ "$4" = 200 ] || fail "the authenticated connection is answered before and after the idle ones: $out"
[ "$5" = 200 ] || fail "a new client is answered while idle connections wait: $out"
[ "$3" -le 192 ] || fail "at most 192 connections wait for authentication: $out"
echo PASS
