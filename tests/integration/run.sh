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

pass=0 fail=0 skip=0 failed=""
logdir="$top/build/test-logs"
mkdir -p "$logdir"
for t in $tests; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	printf '  %-40s ' "$name"
	sh "$t" >"$logdir/$name.log" 2>&1
	rc=$?
	dur=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok (${dur}s)" ;;
	77) if [ "$allow_skip" = 1 ]; then
		skip=$((skip + 1))
		echo "skipped: $(tail -n 1 "$logdir/$name.log")"
	    else
		fail=$((fail + 1)); failed="$failed $name"
		echo "FAILED (it skipped: $(tail -n 1 "$logdir/$name.log"); a skip fails unless ALLOW_SKIP=1)"
	    fi ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAILED (${dur}s, exit $rc)"
	   sed 's/^/    | /' "$logdir/$name.log" | tail -n 40
	   # the reason, which a test may print before pages of logs
	   grep -m 1 -E '^(FAIL|not ok)' "$logdir/$name.log" | sed 's/^/    => /' ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
