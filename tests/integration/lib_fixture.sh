# lib_fixture.sh - what the tests of drivers against API fixtures share
# (test_proxmox_fixture, test_xcpng_fixture): a throwaway certificate for
# 127.0.0.1, the fixture server started and stopped, a pin that must stop
# a driver before any request.  Sourced after lib_check.sh; TMP is the
# test's scratch directory.
#   fixture_cert CN        $TMP/cert.pem and $TMP/key.pem; FP is the
#                          certificate's SHA-256 as AB:CD:...
#   fixture_start CMD...   CMD (with --port-file $TMP/port added) in the
#                          background (FXPID); URL its https:// address;
#                          exits 1 when it does not start
#   fixture_stop           end it (for the test's trap)
#   fixture_wrong_pin VAR CONF CMD...
#                          CONF with its fingerprint's first byte changed
#                          given to CMD as $VAR: it must fail at "open"
#                          and the fixture's $TMP/requests must not grow
#   fixture_series OUT CORES STEP MIN
#                          OUT, a drive program's cpu row: every
#                          "cpu-point: T V" has V = CORES, T STEP s after
#                          the one before and not before the row's since,
#                          the first within STEP of since, MIN points at
#                          least: 0, else 1
FXPID=""

fixture_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
	    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" \
	    -out "$TMP/cert.pem" >/dev/null 2>&1 || { bad "openssl made no certificate"; exit 1; }
	FP=$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
}

fixture_start() {
	"$@" --port-file "$TMP/port" >"$TMP/fixture.log" 2>&1 &
	FXPID=$!
	_i=0
	while [ ! -s "$TMP/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$TMP/port" ] || { bad "fixture did not start: $(cat "$TMP/fixture.log")"; exit 1; }
	URL=https://127.0.0.1:$(cat "$TMP/port")
}

fixture_stop() {
	[ -n "$FXPID" ] && kill "$FXPID" 2>/dev/null && wait "$FXPID" 2>/dev/null
	FXPID=""
}

fixture_wrong_pin() {
	_var=$1 _conf=$2
	shift 2
	sed "s/^fingerprint = .*/fingerprint = $(echo "$FP" | sed 's/^../00/')/" \
	    "$_conf" >"$TMP/wrongpin.conf"
	_before=$(wc -l <"$TMP/requests")
	env "$_var=$TMP/wrongpin.conf" "$@" >"$TMP/wrongpin.out" 2>&1
	_rc=$?
	_after=$(wc -l <"$TMP/requests")
	[ $_rc -ne 0 ] && grep -q "^open: fail" "$TMP/wrongpin.out" && [ "$_before" -eq "$_after" ] &&
	    ok "a wrong fingerprint is refused before any request" ||
	    bad "wrong fingerprint: rc $_rc, $(cat "$TMP/wrongpin.out"), requests $_before -> $_after"
}

fixture_series() {
	_since=$(sed -n 's/^cpu: pass (since \([0-9]*\):.*/\1/p' "$1")
	[ -n "$_since" ] && grep '^cpu-point: ' "$1" | awk -v since="$_since" \
	    -v cores="$2" -v step="$3" -v min="$4" '
	$3 != cores || $2 < since || (NR > 1 && $2 != last + step) { bad = 1 }
	NR == 1 { first = $2 } { last = $2 }
	END { exit bad || first - since > step || NR < min }'
}
