#!/bin/sh
# A lab host's BMC against Debian's real fence agent: on a one-host lab
# with `bmc:` (generated password, 0600), fence_redfish from the station
# and from the host itself reads the host ON; `-o off` pulls its power
# (its init is gone, `lab status` says off, events.jsonl has the
# power-pull with source bmc), `-o status` then says OFF, `-o on` boots
# it again; a wrong password makes the agent fail and leaves the host as
# it was.  Redfish refusals (another system, an unsupported ResetType)
# and GracefulShutdown (the host's clean stop) through curl; a body over
# the limit is 413, a burst of requests gets 429s; the daemon keeps no
# lock file of its caller open.  `lab down` leaves no BMC process,
# namespace or file.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=tbm$$
LAB=$(echo "$LAB" | cut -c1-16)
STATE=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server fence_redfish curl openssl
TMP=$(mktemp -d /tmp/tbm.XXXXXX)
# Run a private copy: other builds may relink bin/ while the test runs.
d=$(dirname "$HVLAB")
cp "$HVLAB" "$d/hvlab-init" "$d/hvlab-bmc" "$TMP/" || exit 1
HVLAB=$TMP/hvlab

cleanup() {
	"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cat >"$TMP/lab.yaml" <<YAML
lab:
  name: $LAB
  switch:
    vlans: [ { id: 10, name: management, role: management } ]
  hosts:
    - { name: bh }
  bmc:
    user: fence
  station:
YAML
"$HVLAB" lab up -q -f "$TMP/lab.yaml" || { echo "FAIL - lab up"; exit 1; }

st() { "$HVLAB" lab status --lab $LAB --json; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ADDR=$(st | jq_ "d['hosts'][0]['bmc_addr']")
PASS=$(cat "$STATE/bmc/password")
[ "$(stat -c %a "$STATE/bmc/password")" = 600 ] && [ ${#PASS} -ge 16 ] &&
	ok "a generated password of ${#PASS} characters, mode 0600" ||
	bad "a generated password, mode 0600 ($(stat -c %a "$STATE/bmc/password"))"
pid0=$(st | jq_ "d['hosts'][0]['init_pid']")
agent() { node=$1; shift; "$HVLAB" lab exec "$node" --lab $LAB -- \
	fence_redfish -a "$ADDR" -l fence --ssl-insecure "$@"; }
events() { cat "$STATE/events.jsonl" 2>/dev/null |
	grep -c "\"args\":\"bh\",\"source\":\"bmc\""; }
# Seconds since $1 (date +%s%N), for the log: figures, not bounds.
since() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))" |
	awk '{ printf "%.1f", $1 / 1000 }'; }
# pid $1 runs (a zombie not yet reaped by the machine's init does not).
running() { s=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f1)
	[ -n "$s" ] && [ "$s" != Z ]; }

# 1. Status from the station and from the host itself.
out=$(agent station -p "$PASS" -o status 2>&1)
echo "$out" | grep -q "Status: ON" && ok "fence_redfish status from the station: ON" ||
	bad "fence_redfish status from the station: $out"
out=$(agent bh -p "$PASS" -o status 2>&1)
echo "$out" | grep -q "Status: ON" && ok "fence_redfish status from the host: ON" ||
	bad "fence_redfish status from the host: $out"

# 2. A wrong password: refused, nothing changes.
out=$(agent station -p "not-$PASS" -o off 2>&1) &&
	bad "a wrong password: the agent succeeded: $out" ||
	ok "a wrong password: the agent fails"
[ "$(st | jq_ "d['hosts'][0]['init_pid']")" = "$pid0" ] && [ "$(events)" = 0 ] &&
	ok "after a wrong password the host runs as before, no event" ||
	bad "after a wrong password the host runs as before, no event"
code=$("$HVLAB" lab exec station --lab $LAB -- curl -sk -o /dev/null \
	-w '%{http_code}' -u "fence:x$PASS" "https://$ADDR/redfish/v1")
[ "$code" = 401 ] && ok "a wrong password is 401" || bad "a wrong password is 401 ($code)"

# 3. Off: the host's init is gone, lab status says off, one event.
t0=$(date +%s%N)
out=$(agent station -p "$PASS" -o off 2>&1) &&
	ok "fence_redfish off ($(since $t0) s)" || bad "fence_redfish off: $out"
running "$pid0" && bad "the host's init is gone" ||
	ok "the host's init is gone"
[ "$(st | jq_ "d['hosts'][0]['power']")" = off ] &&
	ok "lab status: bh is off" || bad "lab status: bh is off"
grep -q '"event":"power-pull","args":"bh","source":"bmc"' "$STATE/events.jsonl" &&
	ok "the power pull is in events.jsonl with source bmc" ||
	bad "the power pull is in events.jsonl with source bmc"
out=$(agent station -p "$PASS" -o status 2>&1)
echo "$out" | grep -q "Status: OFF" && ok "fence_redfish status: OFF" ||
	bad "fence_redfish status: OFF: $out"

# 4. On: booted again and reachable.
t0=$(date +%s%N)
out=$(agent station -p "$PASS" -o on 2>&1) &&
	ok "fence_redfish on ($(since $t0) s)" || bad "fence_redfish on: $out"
[ "$(st | jq_ "d['hosts'][0]['power']")" = on ] &&
	ok "lab status: bh is on again" || bad "lab status: bh is on again"
grep -q '"event":"power-on","args":"bh","source":"bmc"' "$STATE/events.jsonl" &&
	ok "the power-on is in events.jsonl with source bmc" ||
	bad "the power-on is in events.jsonl with source bmc"

# 5. Refusals and the clean stop, through curl.
post() { "$HVLAB" lab exec station --lab $LAB -- curl -sk -u "fence:$PASS" \
	-w ' %{http_code}' -H 'Content-Type: application/json' -d "$2" \
	"https://$ADDR/redfish/v1/Systems/$1/Actions/ComputerSystem.Reset"; }
out=$(post bh '{"ResetType": "Nmi"}')
case $out in *ActionParameterValueNotInList*" 400") ok "ResetType Nmi: 400 with a Redfish error";;
	*) bad "ResetType Nmi: 400 with a Redfish error: $out";; esac
out=$(post other '{"ResetType": "ForceOff"}')
case $out in *" 404") ok "another system: 404";; *) bad "another system: 404: $out";; esac
out=$(post bh '{"ResetType": "GracefulShutdown"}')
[ "${out##* }" = 204 ] && [ "$(st | jq_ "d['hosts'][0]['power']")" = off ] &&
	grep -q '"event":"power-stop","args":"bh","source":"bmc"' "$STATE/events.jsonl" &&
	ok "GracefulShutdown stops the host, recorded as power-stop" ||
	bad "GracefulShutdown stops the host, recorded as power-stop: $out"
grep -q "stopping" "$STATE/bh/console.log" &&
	ok "the host's init stopped its services (clean stop)" ||
	bad "the host's init stopped its services (clean stop)"

# 6. Bounds: a body over 1024 bytes, more than a burst of requests.
big=$(head -c 2000 /dev/zero | tr '\0' x)
out=$(post bh "{\"ResetType\": \"$big\"}")
[ "${out##* }" = 413 ] && ok "a 2000-byte body: 413" || bad "a 2000-byte body: 413: $out"
urls=$(for i in $(seq 100); do echo "https://$ADDR/redfish/v1"; done)
codes=$("$HVLAB" lab exec station --lab $LAB -- curl -sk -u "fence:$PASS" \
	-o /dev/null -w '%{http_code}\n' $urls)
n429=$(echo "$codes" | grep -c 429)
[ "$n429" -gt 0 ] && [ "$(echo "$codes" | grep -c 200)" -ge 15 ] &&
	ok "100 requests at once: $n429 refused with 429, the burst served" ||
	bad "100 requests at once: some 429, the burst served: $(echo $codes)"
bpid=$(st | jq_ "d['bmc']['pid']")
ls -l "/proc/$bpid/fd" 2>/dev/null | grep -q "\.lock" &&
	bad "hvlab-bmc holds no lock file of its caller" ||
	ok "hvlab-bmc holds no lock file of its caller"

# 7. Down leaves nothing of the BMCs.
"$HVLAB" lab down --lab $LAB >/dev/null 2>&1 || bad "lab down"
[ "$bpid" -gt 0 ] && ! running "$bpid" &&
	ok "lab down stops hvlab-bmc" || bad "lab down stops hvlab-bmc ($bpid)"
[ ! -e "/run/netns/$LAB-bmc" ] && [ ! -e "$STATE" ] &&
	ok "lab down removes the BMC namespace and files" ||
	bad "lab down removes the BMC namespace and files"
[ "$fails" -eq 0 ]
