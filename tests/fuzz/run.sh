#!/bin/sh
# Runs each libFuzzer harness named on the command line for FUZZ_SECONDS
# (default 60) from its seeds (tests/fuzz/seeds/HARNESS, read only) and
# its working corpus (build/fuzz/corpus/HARNESS, kept between runs), and
# prints one line per harness: executions per second, the corpus it
# ended with, and the crash file when it found one.  A crash, a leak, a
# hang (-timeout=10), a UBSan report or running out of memory fails the
# run; the log of each harness is build/fuzz/HARNESS.log.
set -u

secs=${FUZZ_SECONDS:-60}
dir=build/fuzz
failed=0

for h in "$@"; do
	corpus=$dir/corpus/$h
	crashes=$dir/crashes/$h
	log=$dir/$h.log
	mkdir -p "$corpus" "$crashes"
	printf '  %-7s %s (%s s)\n' FUZZ "$h" "$secs"
	"$dir/$h" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$crashes/" "$corpus" "tests/fuzz/seeds/$h" \
	    >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1 |
	    sed 's/corp: //')
	inputs=${corp%%/*}
	bytes=${corp#*/}
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $h: ${execs:-?} execs/s, corpus ${inputs:-?} inputs (${bytes:-?}), no crash in $secs s"
		continue
	fi
	failed=1
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	what=$(grep -m1 -o 'ERROR: [A-Za-z]*Sanitizer: [a-z-]*\|ERROR: libFuzzer: [a-z-]*\|runtime error: .*' "$log")
	echo "fuzz: $h FAILED (${what:-exit $rc}): crash file ${art:-none}, log $log" >&2
done
exit $failed
