#!/bin/sh
# Integration test runner: runs tests/integration/test_*.sh (or the ones
# named as arguments), each as root with the real components (QEMU, OVS,
# tgtd, etcd).  A test exits 0 to pass, 77 to skip (it says why), anything
# else to fail.  Each test cleans up after itself, also on failure.
# Prints one line per test and "N passed, N failed, N skipped" at the end.
#
# After `make deps` nothing may be missing, so a skip is a failure (with its
# reason): a suite that passes by skipping proves nothing.  ALLOW_SKIP=1
# lets skips pass, for a subset run by hand on a machine without every tool.
# Not root: the runner refuses (exit 1) instead of skipping everything.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export HVLAB_TOP="$top"

if [ "$#" -gt 0 ]; then
	tests=""
	for t in "$@"; do
		case "$t" in
		*/*) tests="$tests $t" ;;
		*) tests="$tests tests/integration/test_$t.sh" ;;
		esac
	done
else
	tests=$(ls tests/integration/test_*.sh 2>/dev/null | sort)
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "integration tests need root (namespaces, OVS, QEMU taps): run them as root or with sudo" >&2
	exit 1
fi
allow_skip=${ALLOW_SKIP:-0}
# Which accelerator the guests get, and why, once for the whole run.
echo "  accelerator: $("$top/bin/hvlab" accel -v 2>&1 | tr '\t' ' ')"

logdir="$top/build/test-logs"
mkdir -p "$logdir"

# One test: its line, and its counts added to pass, fail, skip.
run_one() {
	name=$(basename "$1" .sh)
	start=$(date +%s)
	sh "$1" >"$logdir/$name.log" 2>&1
	rc=$?
	dur=$(( $(date +%s) - start ))
	line=$(printf '  %-40s ' "$name")
	case $rc in
	0) pass=$((pass + 1)); echo "${line}ok (${dur}s)" ;;
	77) if [ "$allow_skip" = 1 ]; then
		skip=$((skip + 1))
		echo "${line}skipped: $(tail -n 1 "$logdir/$name.log")"
	    else
		fail=$((fail + 1)); failed="$failed $name"
		echo "${line}FAILED (it skipped: $(tail -n 1 "$logdir/$name.log"); a skip fails unless ALLOW_SKIP=1)"
	    fi ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "${line}FAILED (${dur}s, exit $rc)"
	   sed 's/^/    | /' "$logdir/$name.log" | tail -n 40
	   # the reason, which a test may print before pages of logs
	   grep -m 1 -E '^(FAIL|not ok)' "$logdir/$name.log" | sed 's/^/    => /' ;;
	esac
}

# When the whole suite runs, two lanes run beside the main one: the
# tests that start no guest and no lab and hold no fixed name or port
# (LIGHT), and the tests of hvd on its own nodes (they source hvd_lib.sh:
# namespaces named after their pid, no lab, nothing fixed), while the
# main lane runs the lab tests.  The machine's two cores are mostly
# waiting on guests, leases and timers meanwhile.
LIGHT="test_image_formats test_proxmox_fixture test_xcpng_fixture"
HVDLANE=""
pass=0 fail=0 skip=0 failed=""
lanes=""
# lane_start NAME TESTS...: run them one after another in the background.
lane_start() {
	_l=$logdir/lane-$1
	shift
	(
		pass=0 fail=0 skip=0 failed=""
		for n in "$@"; do
			[ -f "tests/integration/$n.sh" ] && run_one "tests/integration/$n.sh"
		done >"$_l.out"
		echo "$pass $fail $skip $failed" >"$_l.counts"
	) &
	lanes="$lanes $_l:$!"
}
if [ "$#" -eq 0 ]; then
	for t in $tests; do
		n=$(basename "$t" .sh)
		case " $LIGHT " in *" $n "*) continue ;; esac
		grep -q 'hvd_lib\.sh' "$t" && HVDLANE="$HVDLANE $n"
	done
	lane_start light $LIGHT
	lane_start hvd $HVDLANE
fi
for t in $tests; do
	case " $LIGHT $HVDLANE " in
	*" $(basename "$t" .sh) "*) [ -n "$lanes" ] && continue ;;
	esac
	run_one "$t"
done
for lp in $lanes; do
	wait "${lp##*:}"
	l=${lp%:*}
	cat "$l.out"
	read -r lpass lfail lskip lfailed <"$l.counts"
	pass=$((pass + lpass)); fail=$((fail + lfail)); skip=$((skip + lskip))
	failed="$failed ${lfailed:-}"
	rm -f "$l.out" "$l.counts"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
