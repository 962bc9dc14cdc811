#!/bin/sh
# The proxmox driver against the Proxmox VE API FIXTURE
# (tests/fixtures/pve_fixture.py: no live Proxmox VE server is available
# here; the fixture checks every request against pve-docs' API schema).
# No lab: the fixture listens on 127.0.0.1 with a self-signed certificate
# made here.
#  - `hvlab run -n --platform proxmox` names each problem of a broken
#    inventory with its place, and passes a good one;
#  - build/pvedrive runs the rows' operations through the driver, once
#    with an API token and the CA file, once with a ticket login and the
#    pinned certificate fingerprint: every row passes, the live
#    migration's downtime is the one the task log said, and the fixture
#    rejected none of the driver's requests (an expired ticket, answered
#    401, is renewed by a new login);
#  - a VM's CPU series (pvedrive cpu): no point while it is stopped,
#    cores = cpu × maxcpu a minute while it runs, oldest first; a
#    timeframe outside the schema's is refused by the fixture;
#  - a wrong fingerprint is refused before any request is answered;
#  - one request the reference rejects (a VM id that is no integer) is
#    refused by the fixture with Proxmox's error shape;
#  - HA placement on an 8.x fixture: node affinity as an HA group the
#    resources name, resource affinity unsupported naming the version,
#    /cluster/ha/rules unknown (501), crs set and read back without the
#    rebalancing knobs, ha=dynamic refused by the driver before sending
#    and by the fixture when sent;
#  - on a 9.2 fixture: node and resource affinity rules created, listed
#    and deleted, crs ha=dynamic with hvd's threshold, hold and margin
#    as percent read back, and off back to ha=basic;
#  - both: a rule whose node priority the reference's format rejects
#    fails in the driver's call with the fixture's 400 naming nodes; on
#    9.2 resources without "vm:" fail naming resources (501 on 8.3).
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
DRIVE=$top/build/pvedrive
TMP=$(mktemp -d /tmp/hvlab-pvefx-XXXXXX)

. "$top/tests/integration/lib_check.sh"
. "$top/tests/integration/lib_fixture.sh"
need_cmds python3 openssl curl
[ -x "$HVLAB" ] && [ -x "$DRIVE" ] || { echo "no $HVLAB or $DRIVE (make all build/pvedrive)"; exit 77; }

cleanup() {
	fixture_stop
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# The fixture's certificate, and its SHA-256 as Proxmox shows it.
fixture_cert pve1
fixture_start python3 tests/fixtures/pve_fixture.py --cert "$TMP/cert.pem" \
    --key "$TMP/key.pem" --log "$TMP/requests" \
    --nodes pve1,pve2 --token 'hvlab@pve!suite=0b5e-fixture' \
    --user hvlab@pve --password 'fixture pass' --downtime-ms 57 \
    --task-s 0.3 --ticket-uses 40
echo 'hvlab@pve!suite=0b5e-fixture' >"$TMP/token"
echo 'fixture pass' >"$TMP/password"

# -n on a broken inventory: every problem, with its place.
cat >"$TMP/bad.conf" <<EOF
url = $URL
tokn = x
fingerprint = AB:CD
EOF
HVLAB_PROXMOX_INVENTORY=$TMP/bad.conf "$HVLAB" run -n --platform proxmox \
    >"$TMP/n.out" 2>&1
rc=$?
[ $rc -ne 0 ] && ok "-n fails on a broken inventory" || bad "-n passed a broken inventory"
for want in "bad.conf:2: unknown key 'tokn'" "no credentials" \
    "bad.conf:3: fingerprint: ':' expected after byte 2" "no 'storage'"; do
	grep -qF "$want" "$TMP/n.out" && ok "-n says: $want" || bad "-n does not say: $want ($(cat "$TMP/n.out"))"
done

cat >"$TMP/token.conf" <<EOF
# API token, cluster CA
url = $URL
token_file = $TMP/token
ca = $TMP/cert.pem
storage = san
EOF
cat >"$TMP/ticket.conf" <<EOF
# ticket login, pinned certificate
url = $URL
user = hvlab@pve
password_file = $TMP/password
fingerprint = $FP
storage = san
EOF
HVLAB_PROXMOX_INVENTORY=$TMP/token.conf "$HVLAB" run -n --platform proxmox \
    >"$TMP/n2.out" 2>&1 && grep -q "configuration OK" "$TMP/n2.out" &&
    ok "-n passes a good inventory" || bad "-n on a good inventory: $(cat "$TMP/n2.out")"

# The rows through the driver, both ways of authenticating.
for auth in token ticket; do
	HVLAB_PROXMOX_INVENTORY=$TMP/$auth.conf "$DRIVE" pve1 pve2 \
	    >"$TMP/$auth.out" 2>&1
	rc=$?
	sed "s/^/    $auth: /" "$TMP/$auth.out"
	[ $rc -eq 0 ] && ok "$auth: every row passes" || bad "$auth: a row failed"
	for r in install cluster-form cluster architecture shared-storage \
	    network migration live-migration snapshot backup-restore ha \
	    clone-template monitoring cleanup; do
		grep -q "^$r: pass" "$TMP/$auth.out" || bad "$auth: row $r did not pass"
	done
	grep -q "^live-migration: pass (platform_downtime_ms 57)" "$TMP/$auth.out" &&
	    ok "$auth: downtime read from the migration task's log" ||
	    bad "$auth: downtime not 57 ms from the task log"
done
# The ticket expired on the way (--ticket-uses): the driver logged in again.
logins=$(grep -c '"path": "/access/ticket", "status": 200' "$TMP/requests")
expired=$(grep -c '"status": 401' "$TMP/requests")
[ "$logins" -ge 2 ] && [ "$expired" -eq $((logins - 1)) ] &&
    ok "each expired ticket is renewed by one login ($logins logins)" ||
    bad "the ticket run: $logins logins for $expired refusals (401)"
rejected=$(( $(grep -vc '"status": 200' "$TMP/requests") - expired ))
total=$(wc -l <"$TMP/requests")
[ "$rejected" -eq 0 ] && [ "$total" -gt 50 ] &&
    ok "the fixture accepted all $total requests of the driver" ||
    bad "the fixture refused $rejected of $total requests: $(grep -v '"status": 200' "$TMP/requests" | head -5)"

# A pin that does not match: no request gets an answer.
fixture_wrong_pin HVLAB_PROXMOX_INVENTORY "$TMP/ticket.conf" "$DRIVE" pve1 pve2

# The fixture validates: a request the reference rejects is refused.
HVLAB_PROXMOX_INVENTORY=$TMP/token.conf "$DRIVE" pve1 pve2 --bad >"$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
[ $rc -eq 0 ] && tail -n 1 "$TMP/requests" | grep -q '"status": 400.*"vmid": "type check' &&
    ok "a VM id that is no integer is refused 400 naming vmid" ||
    bad "the bad request was not refused as the reference would: $(tail -n 1 "$TMP/requests")"

# HA placement on this 8.3 fixture: groups, no rules, CRS without knobs.
pve() { # INVENTORY ARGS...: pvedrive's rows, shown, into $TMP/pve.out
	_inv=$1; shift
	HVLAB_PROXMOX_INVENTORY=$_inv "$DRIVE" pve1 pve2 "$@" >"$TMP/pve.out" 2>&1
	_rc=$?
	sed "s/^/    $*: /" "$TMP/pve.out"
	return $_rc
}
has() { grep -qF "$1" "$TMP/pve.out"; }
says() { # LINE MSG: ok MSG when pvedrive printed LINE, else its row's line
	if has "$1"; then ok "$2"; else bad "$2: $(grep -F "${1%%:*}:" "$TMP/pve.out")"; fi
}
sent() { grep -c "\"method\": \"$1\", \"path\": \"$2\", \"status\": $3" "$4"; }
# A VM's CPU series (vm_cpu, its rrddata): no point while it is stopped,
# and running one a minute from since on, oldest first, in cores: the
# fixture's running VM uses 0.25 of its maxcpu, 2 vCPUs, so 0.5.
pve "$TMP/token.conf" cpu && has "cpu-stopped: 0 points" &&
    fixture_series "$TMP/pve.out" 0.5 60 9 &&
    ok "cpu: 0.5 cores a minute from since on, oldest first, none stopped" ||
    bad "cpu: the series is not the fixture's: $(cat "$TMP/pve.out")"
[ "$(sent GET '/nodes/pve1/qemu/[0-9]*/rrddata' 200 "$TMP/requests")" -eq 2 ] &&
    ok "cpu: two rrddata reads, both accepted" ||
    bad "cpu: rrddata reads: $(grep rrddata "$TMP/requests" | tail -3)"
curl -sk -H "Authorization: PVEAPIToken=$(cat "$TMP/token")" \
    "$URL/api2/json/nodes/pve1/qemu/100/rrddata?timeframe=minute" >"$TMP/tf.out"
grep -q '"timeframe": "value .minute. does not have a value in the enumeration' "$TMP/tf.out" &&
    ok "the fixture refuses a timeframe outside the schema's (400)" ||
    bad "timeframe=minute: $(cat "$TMP/tf.out")"
pve "$TMP/token.conf" rules && has "rule-nodes: pass (created, listed, deleted)" &&
    [ "$(sent POST /cluster/ha/groups 200 "$TMP/requests")" -eq 1 ] &&
    [ "$(sent PUT '/cluster/ha/resources/vm:[0-9]*' 200 "$TMP/requests")" -eq 4 ] &&
    [ "$(sent DELETE /cluster/ha/groups/place 200 "$TMP/requests")" -eq 1 ] &&
    [ "$(grep -c '/cluster/ha/rules' "$TMP/requests")" -eq "$(sent POST /cluster/ha/rules 501 "$TMP/requests")" ] &&
    ok "8.3: node affinity is an HA group its VMs' resources join and leave" ||
    bad "8.3: the group did not go as it should: $(grep ha/ "$TMP/requests" | tail -5)"
says "rule-apart: unsupported (rule apart: Proxmox VE 8.3.0 has no resource affinity" \
    "8.3: resource affinity is unsupported, naming the version"
says "rule-refused: pass (POST /cluster/ha/groups: 400 Parameter verification failed. (nodes: value does not look like a valid pve-ha-group-node-list))" \
    "8.3: a node priority the reference rejects fails with the fixture's error"
says "rule-bad-resources: pass (POST /cluster/ha/rules: 501" \
    "8.3: /cluster/ha/rules is unknown (501)"
pve "$TMP/token.conf" crs static && has "read back crs ha=static,ha-rebalance-on-start=1)" &&
    has "before 9.2 has no threshold, hold or margin" &&
    ok "8.3: crs static set and read back; threshold, hold, margin named absent" ||
    bad "8.3: crs static: $(cat "$TMP/pve.out")"
puts=$(sent PUT /cluster/options 200 "$TMP/requests")
! pve "$TMP/token.conf" crs dynamic && has "Proxmox VE 8.3.0 has no CRS mode 'dynamic' (crs ha=dynamic came with Proxmox VE 9.2)" &&
    [ "$(grep -c '"PUT", "path": "/cluster/options"' "$TMP/requests")" -eq "$puts" ] &&
    ok "8.3: crs dynamic is refused naming version and value, nothing sent" ||
    bad "8.3: crs dynamic: $(cat "$TMP/pve.out")"
curl -sk -X PUT -H "Authorization: PVEAPIToken=$(cat "$TMP/token")" \
    --data 'crs=ha%3Ddynamic' "$URL/api2/json/cluster/options" >"$TMP/dyn.out"
grep -q '"crs": "invalid format - ha: value .dynamic. does not have a value in the enumeration .basic, static.' "$TMP/dyn.out" &&
    ok "8.3: the fixture itself refuses crs ha=dynamic (400)" ||
    bad "8.3: crs ha=dynamic sent: $(cat "$TMP/dyn.out")"

# The same on a 9.2 fixture: rules, and the CRS that rebalances.
fixture_stop
rm -f "$TMP/port"
fixture_start python3 tests/fixtures/pve_fixture.py --cert "$TMP/cert.pem" \
    --key "$TMP/key.pem" --log "$TMP/requests9" --version 9.2.0 \
    --nodes pve1,pve2 --token 'hvlab@pve!suite=0b5e-fixture' --task-s 0.1
sed "s|^url = .*|url = $URL|" "$TMP/token.conf" >"$TMP/token9.conf"
pve "$TMP/token9.conf" rules && has "rule-nodes: pass (created, listed, deleted)" &&
    has "rule-apart: pass (created, listed, deleted)" &&
    [ "$(sent POST /cluster/ha/rules 200 "$TMP/requests9")" -eq 2 ] &&
    [ "$(sent DELETE '/cluster/ha/rules/[a-z]*' 200 "$TMP/requests9")" -eq 2 ] &&
    ! grep -q '/cluster/ha/groups' "$TMP/requests9" &&
    ok "9.2: node and resource affinity rules created, listed, deleted" ||
    bad "9.2: rules: $(cat "$TMP/pve.out")"
says "rule-refused: pass (POST /cluster/ha/rules: 400 Parameter verification failed. (nodes: value does not look like a valid pve-ha-node-list))" \
    "9.2: a node priority the reference rejects fails with the fixture's error"
says "rule-bad-resources: pass (POST /cluster/ha/rules: 400 Parameter verification failed. (resources: value does not look like a valid pve-ha-resource-id-list))" \
    "9.2: resources without vm: fail with the fixture's error naming resources"
want=ha=dynamic,ha-auto-rebalance=1,ha-auto-rebalance-threshold=30,ha-auto-rebalance-hold-duration=3,ha-auto-rebalance-margin=10,ha-rebalance-on-start=1
pve "$TMP/token9.conf" crs dynamic && has "applied crs=$want; it has no max_moves or interval_s" &&
    has "read back crs $want)" &&
    ok "9.2: crs dynamic with threshold 30 %, hold 3, margin 10 % set and read back" ||
    bad "9.2: crs dynamic: $(cat "$TMP/pve.out")"
pve "$TMP/token9.conf" crs off && has "read back crs ha=basic)" &&
    ok "9.2: off is crs ha=basic again" || bad "9.2: crs off: $(cat "$TMP/pve.out")"
rejected=$(grep -v '"status": 200' "$TMP/requests9" | grep -v '"nodes": "value does not look like' |
    grep -vc '"resources": "value does not look like')
[ "$rejected" -eq 0 ] && ok "9.2: the fixture accepted every other request" ||
    bad "9.2: refused: $(grep -v '"status": 200' "$TMP/requests9" | head -3)"

[ "$fails" -eq 0 ] || { echo "FAIL - $fails checks failed"; exit 1; }
echo "all checks passed"
