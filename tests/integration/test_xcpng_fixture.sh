#!/bin/sh
# The xcpng driver against the XAPI FIXTURE (tests/fixtures/xapi_fixture.py:
# no live XCP-ng server is available here; the fixture checks every call
# against the datamodel subset in tests/fixtures/xapi-datamodel-subset.json).
# No lab: the fixture listens on 127.0.0.1 with a self-signed certificate
# made here.
#  - `hvlab run -n --platform xcpng` names each problem of a broken
#    inventory with its place, and passes a good one;
#  - build/xapidrive runs the rows' operations through the driver, once
#    verifying the master with the CA file, once with its pinned
#    fingerprint and sessions that expire every 40 calls: every row
#    passes, each expired session is renewed by one login, and the
#    fixture rejected none of the driver's calls;
#  - a VM's CPU series (xapidrive cpu): none for a halted VM, the sum of
#    its vCPUs every 5 s while it runs, oldest first;
#  - a wrong fingerprint is refused before any request is answered;
#  - one call the reference rejects (a string where the datamodel says
#    int) is refused by the fixture with XAPI's FIELD_TYPE_ERROR.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
DRIVE=$top/build/xapidrive
TMP=$(mktemp -d /tmp/hvlab-xapifx-XXXXXX)

. "$top/tests/integration/lib_check.sh"
. "$top/tests/integration/lib_fixture.sh"
need_cmds python3 openssl
[ -x "$HVLAB" ] && [ -x "$DRIVE" ] || { echo "no $HVLAB or $DRIVE (make all build/xapidrive)"; exit 77; }

cleanup() {
	fixture_stop
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# The master's certificate, and its SHA-256 as openssl prints it.
fixture_cert xcp1
fixture_start python3 tests/fixtures/xapi_fixture.py --cert "$TMP/cert.pem" \
    --key "$TMP/key.pem" --log "$TMP/requests" \
    --hosts xcp1,xcp2 --user root --password 'fixture pass' \
    --task-s 0.2 --session-uses 40
echo 'fixture pass' >"$TMP/password"

# -n on a broken inventory: every problem, with its place.
cat >"$TMP/bad.conf" <<EOF2
url = $URL
usr = root
fingerprint = AB:CD
hosts = xcp1, xcp2
EOF2
HVLAB_XCPNG_INVENTORY=$TMP/bad.conf "$HVLAB" run -n --platform xcpng \
    >"$TMP/n.out" 2>&1
rc=$?
[ $rc -ne 0 ] && ok "-n fails on a broken inventory" || bad "-n passed a broken inventory"
for want in "bad.conf:2: unknown key 'usr'" "no 'user'" "no 'password_file'" \
    "bad.conf:3: fingerprint: ':' expected after byte 2" "no 'sr_target'" \
    "no 'sr_iqn'" "no 'sr_scsiid'"; do
	grep -qF "$want" "$TMP/n.out" && ok "-n says: $want" || bad "-n does not say: $want ($(cat "$TMP/n.out"))"
done

common="user = root
password_file = $TMP/password
hosts = xcp1, xcp2
sr_target = 198.18.0.4:3260
sr_iqn = iqn.2026-01.org.hvlab:san
sr_scsiid = 36001405abcdef0123"
printf 'url = %s\nca = %s\n%s\n' "$URL" "$TMP/cert.pem" "$common" >"$TMP/ca.conf"
printf 'url = %s\nfingerprint = %s\n%s\n' "$URL" "$FP" "$common" >"$TMP/pin.conf"
HVLAB_XCPNG_INVENTORY=$TMP/ca.conf "$HVLAB" run -n --platform xcpng \
    >"$TMP/n2.out" 2>&1 && grep -q "configuration OK" "$TMP/n2.out" &&
    ok "-n passes a good inventory" || bad "-n on a good inventory: $(cat "$TMP/n2.out")"

# The rows through the driver, both ways of trusting the master.
for trust in ca pin; do
	HVLAB_XCPNG_INVENTORY=$TMP/$trust.conf "$DRIVE" xcp1 xcp2 \
	    >"$TMP/$trust.out" 2>&1
	rc=$?
	sed "s/^/    $trust: /" "$TMP/$trust.out"
	[ $rc -eq 0 ] && ok "$trust: every row passes" || bad "$trust: a row failed"
	for r in install cluster-form cluster architecture shared-storage \
	    network migration live-migration snapshot ha monitoring \
	    clone-template import-export cleanup; do
		grep -q "^$r: pass" "$TMP/$trust.out" || bad "$trust: row $r did not pass"
	done
done
grep -q "^architecture: pass (XCP-ng 8.3.0, x86_64, 8 cpus, Xen " "$TMP/ca.out" &&
    ok "the version and the host's CPUs are read" ||
    bad "architecture: $(grep '^architecture' "$TMP/ca.out")"
grep -q "^network: pass (bond of eth1+eth2 mode lacp, VLAN 20 on it)" "$TMP/ca.out" &&
    ok "balance-tcp is an LACP bond with the VLAN on it" ||
    bad "network: $(grep '^network' "$TMP/ca.out")"
# Sessions expired on the way (--session-uses): the driver logged in again.
logins=$(grep -c '"method": "session.login_with_password", "error": null' "$TMP/requests")
expired=$(grep -c '"error": \["SESSION_INVALID"' "$TMP/requests")
[ "$expired" -ge 2 ] && [ "$logins" -eq $((expired + 2)) ] &&
    ok "each expired session is renewed by one login ($logins logins, $expired expiries)" ||
    bad "$logins logins for $expired expired sessions (2 runs)"
rejected=$(( $(grep -vc '"error": null' "$TMP/requests") - expired ))
total=$(wc -l <"$TMP/requests")
[ "$rejected" -eq 0 ] && [ "$total" -gt 200 ] &&
    ok "the fixture accepted all $total requests of the driver" ||
    bad "the fixture refused $rejected of $total requests: $(grep -v '"error": null' "$TMP/requests" | grep -v SESSION_INVALID | head -5)"

# A VM's CPU series (vm_cpu, /rrd_updates?vm_uuid=): a halted VM has no
# cpuN column; a running one a row every 5 s from since on, oldest first,
# the sum of its vCPUs: the fixture's 2 vCPUs at 0.12 each, 0.24 cores.
HVLAB_XCPNG_INVENTORY=$TMP/ca.conf "$DRIVE" xcp1 xcp2 cpu >"$TMP/cpu.out" 2>&1
rc=$?
sed 's/^/    cpu: /' "$TMP/cpu.out"
[ $rc -eq 0 ] && grep -q '^cpu-stopped: none (.*rrd_updates has no cpuN column of VM ' "$TMP/cpu.out" &&
    fixture_series "$TMP/cpu.out" 0.24 5 12 &&
    ok "cpu: 0.24 cores every 5 s from since on, oldest first; none halted" ||
    bad "cpu: the series is not the fixture's: $(cat "$TMP/cpu.out")"
[ "$(grep -c '"kind": "http", "method": "/rrd_updates", "error": null' "$TMP/requests")" -ge 4 ] &&
    ok "cpu: /rrd_updates with vm_uuid accepted" ||
    bad "cpu: /rrd_updates refused: $(grep rrd_updates "$TMP/requests" | tail -3)"

# A pin that does not match: no request gets an answer.
fixture_wrong_pin HVLAB_XCPNG_INVENTORY "$TMP/pin.conf" "$DRIVE" xcp1 xcp2

# The fixture validates: a call the reference rejects is refused.
HVLAB_XCPNG_INVENTORY=$TMP/ca.conf "$DRIVE" xcp1 xcp2 --bad >"$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
[ $rc -eq 0 ] && grep -q '"method": "pool.set_ha_host_failures_to_tolerate", "error": \["FIELD_TYPE_ERROR", "value"\]' "$TMP/requests" &&
    ok "a string for an int is refused: FIELD_TYPE_ERROR naming value" ||
    bad "the bad call was not refused as the reference would: $(tail -n 3 "$TMP/requests")"

[ "$fails" -eq 0 ] || { echo "FAIL - $fails checks failed"; exit 1; }
echo "all checks passed"
