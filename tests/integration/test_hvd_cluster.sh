#!/bin/sh
# test_hvd_cluster: three hvd nodes in their own network namespaces form a
# cluster on real etcd through hvctl (create + 2 joins; joins with a wrong
# fingerprint, a wrong token or a malformed pin change nothing); cluster status
# shows 3 members, quorum and 3 nodes online; the API refuses requests
# without a token, with a wrong token, with an audit token on a write,
# with malformed/mistyped/unknown-field JSON and oversized bodies, with
# the right status, and changes nothing; killing one hvd (SIGKILL, by pid)
# shows its node offline after the lease TTL while the rest keep quorum;
# restarting it brings it back online; a removed node leaves the member
# list and the node list, and comes back with fresh state through another
# node than the one that made the cluster.  etcd's client port takes only
# holders of a cluster certificate (plain HTTP, TLS without a client
# certificate and uid 65534 are refused); the CA key is in no etcd value
# and only in 0600 files in 0700 directories that uid 65534 cannot read.
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 15 "$f"; done; exit 1; }

HVD_LEASE_TTL=3
hvd_setup 3
for i in 1 2 3; do hvd_start $i || fail "hvd $i did not start"; done

hvctl_on 1 cluster status | grep -q "not in a cluster" ||
    fail "a fresh node is in no cluster"
out=$(hvctl_on 1 --json cluster create lab) || fail "cluster create"
HVD_TOKEN=$(echo "$out" | json_field token)
HVD_FP=$(echo "$out" | json_field fingerprint)
# Refused joins change nothing: a wrong fingerprint (the client refuses
# the server), a wrong token (401 from node1), a bad fingerprint form.
BADFP="sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
hvctl_on 2 cluster join "$(hvd_addr 1)" --token "$HVD_TOKEN" --fingerprint "$BADFP" 2>/dev/null &&
    fail "a join with a wrong fingerprint is refused"
out=$(hvctl_on 2 cluster join "$(hvd_addr 1)" --token "hvd.0000000000000000.$(printf '%064d' 0)" \
    --fingerprint "$HVD_FP" 2>&1) && fail "a join with a wrong token is refused"
echo "$out" | grep -q 401 || fail "401 passed through for a wrong token: $out"
hvctl_on 2 cluster join "$(hvd_addr 1)" --token "$HVD_TOKEN" --fingerprint "abc" 2>&1 | grep -q 400 ||
    fail "a malformed fingerprint is 400"
hvctl_on 2 cluster status | grep -q "not in a cluster" || fail "node2 is still in no cluster"
hvctl_on 1 --json cluster status | grep -q '"expected_votes":[[:space:]]*1' || fail "node1 still has 1 member"
for i in 2 3; do
	hvctl_on $i cluster join "$(hvd_addr 1)" --token "$HVD_TOKEN" --fingerprint "$HVD_FP" ||
	    fail "node$i joins"
done
echo "cluster formed; fingerprint $HVD_FP"

st=$(hvctl_on 3 --json cluster status) || fail "status on node 3"
echo "$st" | grep -q '"quorate":[[:space:]]*true' || fail "cluster is quorate: $st"
echo "$st" | grep -q '"expected_votes":[[:space:]]*3' || fail "3 members: $st"
echo "$st" | grep -q '"members_started":[[:space:]]*3' || fail "3 started: $st"
# Leases are granted a moment after joining.
t=0
while ! hvctl_on 1 --json cluster status | grep -q '"online":[[:space:]]*3'; do
	t=$((t + 1)); [ $t -lt 50 ] || fail "3 nodes online"; sleep 0.2
done
hvctl_on 2 cluster status

# etcd's client port, from node 1's namespace: no read without a
# certificate signed by the cluster CA, whoever asks.
NS1=$(hvd_ns 1)
T1=$HVD_TMP/n1/tls
ALL='{"key": "AA==", "range_end": "AA=="}'
ip netns exec "$NS1" curl -sf -m 5 -X POST -d "$ALL" \
    http://127.0.0.1:2379/v3/kv/range >"$HVD_TMP/resp" 2>&1 &&
    fail "plain HTTP reads etcd: $(head -c 200 "$HVD_TMP/resp")"
ip netns exec "$NS1" curl -sfk -m 5 -X POST -d "$ALL" \
    https://127.0.0.1:2379/v3/kv/range >"$HVD_TMP/resp" 2>&1 &&
    fail "TLS without a client certificate reads etcd: $(head -c 200 "$HVD_TMP/resp")"
ip netns exec "$NS1" setpriv --reuid 65534 --regid 65534 --clear-groups \
    curl -sfk -m 5 -X POST -d "$ALL" https://127.0.0.1:2379/v3/kv/range \
    >"$HVD_TMP/resp" 2>&1 && fail "uid 65534 reads etcd: $(head -c 200 "$HVD_TMP/resp")"
# With the node's certificate etcd answers; no value is a private key.
hvd_etcd 1 /v3/kv/range "$ALL" >"$HVD_TMP/all.json" || fail "the node's certificate reads etcd"
nkeys=$(grep -o '"key":"[^"]*"' "$HVD_TMP/all.json" | wc -l)
[ "$nkeys" -gt 3 ] || fail "etcd's keys listed with the certificate: $(head -c 300 "$HVD_TMP/all.json")"
grep -o '"value":"[^"]*"' "$HVD_TMP/all.json" | cut -d'"' -f4 |
    while read -r v; do echo "$v" | base64 -d; echo; done >"$HVD_TMP/values"
grep -q "PRIVATE KEY" "$HVD_TMP/values" && fail "a private key is in etcd in plain text"
echo "etcd: $nkeys keys, none a private key; refused without a client certificate"
# The CA key: a 0600 file on each node, in a 0700 directory.  The test's
# temp dirs are opened up (as /etc is) so that only hvd's modes keep
# uid 65534 out.
chmod 755 "$HVD_TMP" "$HVD_TMP/n1" "$HVD_TMP/n2"
for d in "$T1" "$HVD_TMP/n2/tls"; do
	[ "$(stat -c %a "$d")" = 700 ] || fail "$d is 0700, not $(stat -c %a "$d")"
	for f in ca.key node.key; do
		[ -f "$d/$f" ] || fail "$d/$f exists"
		[ "$(stat -c %a "$d/$f")" = 600 ] || fail "$d/$f is 0600, not $(stat -c %a "$d/$f")"
		setpriv --reuid 65534 --regid 65534 --clear-groups cat "$d/$f" \
		    >/dev/null 2>&1 && fail "uid 65534 reads $d/$f"
	done
done
grep -q "PRIVATE KEY" "$T1/ca.key" || fail "$T1/ca.key holds the CA key"
cmp -s "$T1/ca.key" "$HVD_TMP/n2/tls/ca.key" || fail "node2 was given the CA key at join"

# A second create or join is refused (409) and changes nothing.
hvctl_on 2 cluster create other 2>&1 | grep -q "409" || fail "create on a member is 409"

# HTTPS from node 2's namespace to node 1, verified against the CA.
hvctl_on 1 cluster ca >"$HVD_TMP/ca.pem" || fail "cluster ca"
URL=https://$(hvd_addr 1):8006
NS2=$(hvd_ns 2)
# req EXPECTED_STATUS TOKEN METHOD PATH [BODY-FILE]
req() {
	exp=$1 tok=$2 m=$3 p=$4 f=${5:-}
	set -- -s -o "$HVD_TMP/resp" -w '%{http_code}' --cacert "$HVD_TMP/ca.pem" -X "$m"
	[ -n "$tok" ] && set -- "$@" -H "Authorization: Bearer $tok"
	[ -n "$f" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "@$f"
	code=$(ip netns exec "$NS2" curl "$@" "$URL$p")
	[ "$code" = "$exp" ] || fail "$m $p: expected $exp, got $code: $(cat "$HVD_TMP/resp")"
	# Every answer is JSON; every error has an "error" member.
	if [ "$exp" -ge 400 ]; then
		grep -q '"error"' "$HVD_TMP/resp" || fail "$m $p: error body is JSON with 'error'"
	fi
}
ntokens() {
	hvctl_on 1 --json token list | grep -c '"role"'
}
req 200 "$HVD_TOKEN" GET /api/v1/nodes
AUDIT=$(hvctl_on 1 token create --role audit --comment test) || fail "audit token"
OPER=$(hvctl_on 1 token create --role operator) || fail "operator token"
before=$(ntokens)
printf '{"role": "audit"}' >"$HVD_TMP/ok.json"
req 401 "" POST /api/v1/tokens "$HVD_TMP/ok.json"
req 401 "" GET /api/v1/nodes
req 401 "hvd.0000000000000000.$(printf '%064d' 0)" POST /api/v1/tokens "$HVD_TMP/ok.json"
# The admin token with its last hex digit changed (never the same token).
case "$HVD_TOKEN" in *0) WRONG="${HVD_TOKEN%?}1" ;; *) WRONG="${HVD_TOKEN%?}0" ;; esac
req 401 "$WRONG" GET /api/v1/nodes
req 401 "not-a-token" GET /api/v1/nodes
req 403 "$AUDIT" POST /api/v1/tokens "$HVD_TMP/ok.json"
req 403 "$AUDIT" DELETE "/api/v1/tokens/$(echo "$HVD_TOKEN" | cut -d. -f2)"
req 403 "$OPER" POST /api/v1/tokens "$HVD_TMP/ok.json"
req 200 "$AUDIT" GET /api/v1/nodes
req 200 "$AUDIT" GET /api/v1/cluster
printf '{"role": "audit"' >"$HVD_TMP/bad1.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/bad1.json"
printf '{"role": 5}' >"$HVD_TMP/bad2.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/bad2.json"
grep -q '"field":[[:space:]]*"role"' "$HVD_TMP/resp" || fail "wrong type names the field"
printf '{"role": "audit", "rolle": "x"}' >"$HVD_TMP/bad3.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/bad3.json"
grep -q '"field":[[:space:]]*"rolle"' "$HVD_TMP/resp" || fail "unknown field is named"
printf '[1, 2]' >"$HVD_TMP/bad4.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/bad4.json"
printf '{"role": "root"}' >"$HVD_TMP/bad5.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/bad5.json"
head -c 2097152 /dev/zero | tr '\0' ' ' >"$HVD_TMP/big.json"
req 413 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/big.json"
# Without Content-Length (chunked) the limit holds while reading.
code=$(ip netns exec "$NS2" curl -s -o "$HVD_TMP/resp" -w '%{http_code}' \
    --cacert "$HVD_TMP/ca.pem" -H "Authorization: Bearer $HVD_TOKEN" \
    -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
    --data-binary "@$HVD_TMP/big.json" "$URL/api/v1/tokens")
[ "$code" = 413 ] || fail "chunked oversize body: expected 413, got $code"
# Deep nesting and odd bytes are malformed JSON, not a crash.
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; }' >"$HVD_TMP/deep.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/deep.json"
printf '{"role": "audit"}\000{}' >"$HVD_TMP/nul.json"
req 400 "$HVD_TOKEN" POST /api/v1/tokens "$HVD_TMP/nul.json"
printf '{"role": "\377\376"}' >"$HVD_TMP/bin.json"
ip netns exec "$NS2" curl -s -o /dev/null --cacert "$HVD_TMP/ca.pem" -H "Authorization: Bearer $HVD_TOKEN" \
    --data-binary "@$HVD_TMP/bin.json" "$URL/api/v1/tokens"
req 404 "$HVD_TOKEN" GET /api/v1/nosuch
req 404 "$HVD_TOKEN" GET /api/v1/tasks/UPID:nosuch:1:2:x:y:z:
req 405 "$HVD_TOKEN" PUT /api/v1/nodes
after=$(ntokens)
[ "$before" = "$after" ] || fail "refused requests changed nothing ($before tokens, then $after)"
# No "insecure" default: a wrong pin is refused by the client.
ip netns exec "$NS2" "$HVD_TOP/bin/hvctl" -H "$(hvd_addr 1)" -t "$HVD_TOKEN" \
    --fingerprint "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
    node list >/dev/null 2>&1 && fail "a wrong fingerprint is refused"
ip netns exec "$NS2" "$HVD_TOP/bin/hvctl" -H "$(hvd_addr 3)" -t "$HVD_TOKEN" \
    --ca "$HVD_TMP/ca.pem" node list || fail "remote hvctl with the CA"
# hvd is still alive after all of that.
kill -0 "$(cat "$HVD_TMP/n1/hvd.pid")" || fail "hvd survived bad requests"

# Node 3's hvd dies: its lease runs out, the others keep quorum.
hvd_kill 3 KILL
t=0
while :; do
	st=$(hvctl_on 1 --json node list) || fail "node list"
	echo "$st" | tr -d '\n\t ' | grep -q '"name":"node3"[^}]*"state":"offline"' && break
	t=$((t + 1)); [ $t -lt 100 ] || fail "node3 shown offline: $st"; sleep 0.2
done
echo "node3 offline after $((t * 2 / 10)) s (lease TTL $HVD_LEASE_TTL s)"
hvctl_on 1 --json cluster status | grep -q '"quorate":[[:space:]]*true' ||
    fail "two of three members keep quorum"
hvctl_on 1 node list

# Restarted, it rejoins with its state and comes back online.
hvd_start 3 || fail "hvd 3 restart"
t=0
while ! hvctl_on 1 --json cluster status | grep -q '"online":[[:space:]]*3'; do
	t=$((t + 1)); [ $t -lt 150 ] || fail "node3 back online"; sleep 0.2
done

# Retire node3: stop it, remove it from node1; the cluster is 2 members.
hvd_kill 3 TERM
sleep 1
hvctl_on 1 cluster remove node3 || fail "cluster remove node3"
hvctl_on 1 cluster remove node3 2>/dev/null && fail "a second remove is 404"
st=$(hvctl_on 2 --json cluster status)
echo "$st" | grep -q '"expected_votes":[[:space:]]*2' || fail "2 members left: $st"
echo "$st" | grep -q '"quorate":[[:space:]]*true' || fail "2 of 2 are quorate: $st"
echo "$st" | grep -q node3 && fail "node3 is gone from the status"

# Node3 comes back as a new member with fresh state, through node2: node2
# signs its certificate with the CA key it was given at its own join.
FP2=$(hvctl_on 1 --json node list | tr -d '\n\t ' |
    sed -n 's/.*"name":"node2"[^}]*"fingerprint":"\([^"]*\)".*/\1/p')
[ -n "$FP2" ] || fail "node2's fingerprint in the node list"
rm -rf "$HVD_TMP/n3/state" "$HVD_TMP/n3/tls"
hvd_start 3 || fail "hvd 3 start with fresh state"
hvctl_on 3 cluster join "$(hvd_addr 2)" --token "$HVD_TOKEN" --fingerprint "$FP2" ||
    fail "node3 joins again through node2"
t=0
while ! hvctl_on 1 --json cluster status | grep -q '"online":[[:space:]]*3'; do
	t=$((t + 1)); [ $t -lt 150 ] || fail "node3 online again"; sleep 0.2
done
hvd_etcd 3 /v3/kv/range "$ALL" >/dev/null || fail "node3's new certificate reads its etcd"
echo "PASS"
