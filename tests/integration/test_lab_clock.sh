#!/bin/sh
# A lab host's own wall clock: on a small lab up with --fake-clock (two
# hosts, the SAN, the station), `inject clock HOST +30` moves the wall
# clock of everything in that host by 30 s -- a command at its console
# and a service its init started (ovsdb-server), told to leave the
# monotonic clock alone -- while the other host, the switch, the SAN and
# the station keep the machine's; the step survives a power cycle, `-- -30` and `0` step it
# back, and each step is a line of events.jsonl.  A lab up without the
# flag has no fake clock anywhere and refuses the event; a bad offset or
# an unknown host is refused with the reason.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=tck$$
LAB=$(echo "$LAB" | cut -c1-16)
LAB2=tcn$$
LAB2=$(echo "$LAB2" | cut -c1-16)
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server tgtd
[ -r "$FT" ] || { echo "no $FT (libfaketime)"; exit 77; }
TMP=$(mktemp -d /tmp/tck.XXXXXX)
# Run a private copy: other builds may relink bin/ while the test runs.
cp "$HVLAB" "$TMP/hvlab" && cp "$(dirname "$HVLAB")/hvlab-init" "$TMP/" || exit 1
HVLAB=$TMP/hvlab

cleanup() {
	"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
	"$HVLAB" lab down --lab $LAB2 >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ex() { node=$1; shift; "$HVLAB" lab exec "$node" --lab $LAB -- "$@"; }
# The wall clock of node $1 minus the machine's, in whole seconds, when
# it is exactly $2: the machine's second before and after the reading
# bound it (no slack needed: `date +%s` truncates both alike).
offset_is() {
	t0=$(date +%s); h=$(ex "$1" date +%s); t1=$(date +%s)
	[ -n "$h" ] && [ $((h - $2)) -ge "$t0" ] && [ $((h - $2)) -le "$t1" ]
}
# A service's wall clock: the init's ovsdb-server in host $1 reads the
# same offset file (its environment names it).
svc_faked() {
	p=$(ex "$1" pidof ovsdb-server | cut -d' ' -f1)
	[ -n "$p" ] && ex "$1" cat /proc/$p/environ | tr '\0' '\n' |
		grep -qx "FAKETIME_TIMESTAMP_FILE=.*/clock-$1"
}
# CLOCK_MONOTONIC through libfaketime is the machine's: the host's
# processes are told not to fake it.
mono_kept() {
	p=$(ex "$1" pidof ovsdb-server | cut -d' ' -f1)
	[ -n "$p" ] && ex "$1" cat /proc/$p/environ | tr '\0' '\n' |
		grep -qx "FAKETIME_DONT_FAKE_MONOTONIC=1"
}
refused() {
	msg=$1 want=$2; shift 2
	out=$("$HVLAB" inject "$@" 2>&1) && { bad "$msg: it succeeded"; return; }
	echo "$out" | grep -qF -- "$want" && ok "$msg" || bad "$msg: $out"
}

for l in $LAB $LAB2; do
	cat >"$TMP/$l.yaml" <<YAML
lab:
  name: $l
  switch:
    vlans: [ { id: 10, name: management, role: management } ]
  hosts:
    - { name: ca, nics: 1 }
    - { name: cb, nics: 1 }
  san:
    luns: [ { size: 64M } ]
  station:
YAML
done
"$HVLAB" lab up -q --fake-clock -f "$TMP/$LAB.yaml" ||
	{ echo "FAIL - lab up --fake-clock"; exit 1; }

# 1. At offset 0 every node reads the machine's clock.
check "a faked host starts at the machine's time" offset_is ca 0
check "a host's services read its clock file" svc_faked ca
check "the switch has no fake clock" sh -c \
	"! '$HVLAB' lab exec sw --lab $LAB -- printenv LD_PRELOAD"
check "the SAN has no fake clock" sh -c \
	"! '$HVLAB' lab exec san --lab $LAB -- printenv LD_PRELOAD"
check "the station has no fake clock" sh -c \
	"! '$HVLAB' lab exec station --lab $LAB -- printenv LD_PRELOAD"

# 2. +30 on ca: ca only, at once, its monotonic clock untouched.
out=$("$HVLAB" inject clock ca +30 --lab $LAB 2>&1) &&
	ok "inject clock ca +30" || bad "inject clock ca +30: $out"
check "ca's console reads the machine's time + 30 s" offset_is ca 30
check "cb keeps the machine's time" offset_is cb 0
check "the SAN keeps the machine's time" offset_is san 0
check "ca's monotonic clock is left alone" mono_kept ca
grep -q '"event":"clock","args":"ca +30"' \
	"${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB/events.jsonl" &&
	ok "the step is a line of events.jsonl" ||
	bad "the step is a line of events.jsonl"

# 3. A power cycle keeps the host's clock, as a real host's RTC.
"$HVLAB" inject power-pull ca --lab $LAB >/dev/null &&
	"$HVLAB" inject power-on ca --lab $LAB >/dev/null ||
	bad "power cycle of ca"
check "after a power cycle ca still reads + 30 s" offset_is ca 30
check "after a power cycle its services read the clock file" svc_faked ca

# 4. Back: behind the machine, then on it again.
out=$("$HVLAB" inject clock ca --lab $LAB -- -30 2>&1) &&
	ok "inject clock ca -- -30" || bad "inject clock ca -- -30: $out"
check "ca reads the machine's time - 30 s" offset_is ca -30
"$HVLAB" inject clock ca 0 --lab $LAB >/dev/null || bad "inject clock ca 0"
check "clock ca 0: ca reads the machine's time again" offset_is ca 0

# 5. Misuse.
refused "an offset that is not a number" "clock takes HOST SECONDS" \
	clock ca 30s --lab $LAB
refused "an offset over a day" "clock takes HOST SECONDS" \
	clock ca +86401 --lab $LAB
refused "no offset" "clock takes HOST SECONDS" clock ca --lab $LAB
refused "an unknown host" "no host 'zz'" clock zz +30 --lab $LAB
refused "the SAN's clock" "no host 'san'" clock san +30 --lab $LAB

# 6. A lab up without the flag: nothing faked, the event refused.
"$HVLAB" lab down --lab $LAB >/dev/null 2>&1
"$HVLAB" lab up -q -f "$TMP/$LAB2.yaml" ||
	{ echo "FAIL - lab up $LAB2"; exit 1; }
check "without --fake-clock a host has no fake clock" sh -c \
	"! '$HVLAB' lab exec ca --lab $LAB2 -- printenv LD_PRELOAD"
refused "without --fake-clock the event is refused" \
	"has no fake clocks (bring it up with \`hvlab lab up --fake-clock\`)" \
	clock ca +30 --lab $LAB2
[ "$fails" -eq 0 ]
