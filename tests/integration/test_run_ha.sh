#!/bin/sh
# test_run_ha: the runner's HA drill end to end (`hvlab run`, scenarios/ha.c)
# on a lab of the test's own name with hvd installed by the ref driver.
# One run of a copy of scenarios.yaml with one scenario added:
#  - ha-bad (params fault: unplug) errs, naming the key and what it
#    accepts;
#  - ha (power pull of the VM's host, then power-on) passes: 1 running
#    copy at most, 0 lost acknowledged writes (and some acknowledged),
#    detect_s < restart_s < failover_s, boot_s = failover_s - restart_s,
#    the powered-on host did not start the VM again; its failover
#    timeline is kept and plotted, and the report's cell reads
#    "failover X s (detect Y s, boot Z s), 0 lost writes, 1 copy";
#  - ha-partition-bmc passes: hvd fences through the lab's BMCs
#    (fencing bmc), so the partitioned host, alive, was powered off by
#    its BMC (the lab's events: bmc_off_s measured) and its VM's HA log
#    says bmc-fenced; the VM came back elsewhere, the host, healed and
#    powered on, left it alone.
# With HA_ALL=1 ha-partition (the host fences itself: fence_s <= 7) and
# the ha-manager variant (the HA manager's host pulled) run too; they
# are left out by default to keep `make check` short (each drill takes
# 1.5-2.5 min on a loaded 2-core machine; the watchdog's partition is
# also drilled by test_ha_lab and test_ha_witness).
# Afterwards the lab is gone: no namespace, process or state directory
# of it is left.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=t7s$$
LAB=$(echo "$LAB" | cut -c1-16)
STATE=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB
TMP=$(mktemp -d /tmp/hvlab-t7s-XXXXXX)

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
[ -x "$top/bin/hvd-watchdog" ] || { echo "no bin/hvd-watchdog"; exit 77; }
[ -f "$top/build/guest/vmlinux" ] || { echo "guest not built"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd tgtd etcd qemu-system-x86_64 gnuplot jq

cleanup() {
	"$HVLAB" lab down --lab "$LAB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# scenarios.yaml with a scenario of bad params added to its list; the
# shipped bounds are kept (failover_s_max: 60 among them): a row that
# breaks one fails the test.  The figures are printed below.
awk '{ print } /^scenarios:$/ {
	print "  - name: ha-bad"
	print "    row: \"High availability: bad params\""
	print "    builtin: ha"
	print "    needs: [install, cluster, storage, vm, ha]"
	print "    params: {fault: unplug}"
	print ""
}' "$top/scenarios.yaml" >"$TMP/ha.yaml"
out=$("$HVLAB" run -n -f "$TMP/ha.yaml" 2>&1)
check "run -n accepts the file" test "$out" = "configuration OK"

sel="--scenario ha-bad --scenario ha --scenario ha-partition-bmc"
[ -n "${HA_ALL:-}" ] && sel="$sel --scenario ha-partition --scenario ha-manager"
t0=$(date +%s)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$HVLAB" run -f "$TMP/ha.yaml" $sel --lab "$LAB" --out "$TMP/out" \
    >"$TMP/run.out" 2>&1
rc=$?
echo "hvlab run: exit $rc after $(( $(date +%s) - t0 )) s, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/    /' "$TMP/run.out"
R=$TMP/out/results.json
check "results.json written" test -s "$R"
check "exit 2 (ha-bad errs)" test $rc -eq 2

v() { jq -r --arg s "$1" ".scenarios[] | select(.name == \$s) | $2" "$R"; }
m() { v "$1" ".metrics.$2 // \"none\""; }
# awk comparison of numbers: cmp EXPR with a, b, c bound
num() { awk -v a="$1" -v b="${2:-0}" -v c="${3:-0}" "BEGIN { exit !($4) }"; }

check "ha-bad: error" test "$(v ha-bad .verdict)" = error
case "$(v ha-bad .reason)" in
*"params: fault: 'unplug' is not power-pull or partition"*) ok "ha-bad: the reason names the key and what it accepts" ;;
*) bad "ha-bad: reason '$(v ha-bad .reason)'" ;;
esac

for s in ha ha-partition-bmc ${HA_ALL:+ha-partition ha-manager}; do
	check "$s: pass ($(v $s .reason))" test "$(v $s .verdict)" = pass
	check "$s: never two running copies (max_running_copies $(m $s max_running_copies))" \
	    test "$(m $s max_running_copies)" = 1
	check "$s: no acknowledged write lost ($(m $s lost_acked_writes) of $(m $s acked_writes))" \
	    num "$(m $s lost_acked_writes)" "$(m $s acked_writes)" 0 'a == 0 && b > 0'
	d=$(m $s detect_s) r=$(m $s restart_s) f=$(m $s failover_s) b=$(m $s boot_s)
	echo "     $s: detect_s $d restart_s $r started_s $(m $s started_s) failover_s $f boot_s $b"
	check "$s: detection before the restart before the first reply" \
	    num "$d" "$r" "$f" 'a > 0 && a <= b && b < c'
	check "$s: boot_s is the restart to the first reply" \
	    num "$b" "$r" "$f" 'b + a - c < 0.01 && c - b - a < 0.01'
	check "$s: the old host left the VM alone" test "$(m $s old_host_started)" = 0
	check "$s: failover timeline kept" test -s "$TMP/out/raw/$s-1-failover.csv"
	check "$s: failover timeline plotted" test -s "$TMP/out/plots/ref-$s-1-failover.png"
	check "$s: timeline events in results.json" \
	    test "$(v $s '[.runs[0].timelines[0].events[].name] | join(",")' | grep -c 'first reply')" = 1
done
[ -n "${HA_ALL:-}" ] &&
check "ha-partition: fenced within 7 s (fence_s $(m ha-partition fence_s), setting $(m ha-partition fence_setting_s))" \
    num "$(m ha-partition fence_s)" 0 0 'a > 0 && a <= 7'
s=ha-partition-bmc
check "$s: its BMC powered the host off after the partition (bmc_off_s $(m $s bmc_off_s), fence_s $(m $s fence_s))" \
    num "$(m $s bmc_off_s)" 0 0 'a > 0 && a <= 30'
check "$s: the VM's HA log says bmc-fenced" \
    grep -q '"bmc-fenced"' "$TMP/out/raw/$s-1-ha.json"
case "$(v $s .reason)" in
*"powered-on host left it alone"*) ok "$s: the host was powered on again and left the VM alone" ;;
*) bad "$s: reason '$(v $s .reason)'" ;;
esac
cell=$(grep '^| High availability |' "$TMP/out/report.md")
case "$cell" in
*"failover "*" s (detect "*" s, boot "*" s), 0 lost writes, 1 copy"*) ok "report cell: $cell" ;;
*) bad "report cell: $cell" ;;
esac

# the lab is gone
check "no namespace of the lab left" sh -c "! ip netns list | grep -q '^$LAB-'"
check "no state directory left" test ! -e "$STATE"
# (a bracket in the pattern, so grep and this shell do not find themselves)
re=$(echo "$STATE" | sed 's|/\([^/]\)\([^/]*\)$|/[\1]\2|')
check "no process of the lab left" sh -c "! grep -lsa '$re' /proc/[0-9]*/cmdline"

[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo PASS
