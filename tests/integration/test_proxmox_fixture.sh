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
#  - a wrong fingerprint is refused before any request is answered;
#  - one request the reference rejects (a VM id that is no integer) is
#    refused by the fixture with Proxmox's error shape.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
DRIVE=$top/build/pvedrive
TMP=$(mktemp -d /tmp/hvlab-pvefx-XXXXXX)

. "$top/tests/integration/lib_check.sh"
. "$top/tests/integration/lib_fixture.sh"
need_cmds python3 openssl
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

[ "$fails" -eq 0 ] || { echo "FAIL - $fails checks failed"; exit 1; }
echo "all checks passed"
