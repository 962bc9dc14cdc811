#!/bin/sh
# bench_ha_platforms: the `ha` drill (power pull of the HA VM's host)
# RUNS times (default 5) through `hvlab run` on each platform: ref (hvd),
# libvirt with Pacemaker's and Corosync's defaults, and libvirt tuned
# (Corosync token TOKEN_MS, default 1000; stonith-timeout
# STONITH_TIMEOUT, default 20s).  Per set: min, median and max of
# detect_s, fence_done_s, restart_s, boot_s and failover_s, the lost
# acknowledged writes and running copies of every run, and the settings
# the cluster reported.  `make bench BENCH=ha_platforms`; PLATFORMS
# narrows the sets ("ref libvirt libvirt-tuned").  Measures, never fails
# on a timing.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
RUNS=${RUNS:-5}
TOKEN_MS=${TOKEN_MS:-1000}
STONITH_TIMEOUT=${STONITH_TIMEOUT:-20s}
H=$top/bin/hvlab
LAB=bhp$$; LAB=$(echo "$LAB" | cut -c1-12)
TMP=$(mktemp -d /tmp/hvlab-bhp-XXXXXX)
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
cleanup() { "$H" lab down --lab "$LAB" >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$top/bench/lib_stats.sh"

# the numbers of metric $2 over the runs of results $1
runs_of() {
	python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    for r in s.get("runs", []):
        v = r.get("metrics", {}).get(sys.argv[2])
        if v is not None:
            print(v)' "$1" "$2"
}

report() {
	name=$1 res=$2
	echo "-- $name ($(runs_of "$res" failover_s | wc -l) runs with a failover)"
	for m in detect_s fence_done_s restart_s boot_s failover_s; do
		printf '  %-13s %s\n' "$m" "$(runs_of "$res" "$m" | stats %.1f)"
	done
	printf '  %-13s %s\n' lost_writes "$(runs_of "$res" lost_acked_writes | tr '\n' ' ')"
	printf '  %-13s %s\n' copies "$(runs_of "$res" max_running_copies | tr '\n' ' ')"
	for k in corosync_token_ms corosync_consensus_ms stonith_timeout_s \
	    monitor_interval_s fence_setting_s; do
		v=$(runs_of "$res" "$k" | median %g)
		[ "$v" = - ] || printf '  %-22s %s\n' "$k" "$v"
	done
}

# Corosync's token and Pacemaker's stonith-timeout on the running lab:
# corosync.conf's totem on every host, reloaded cluster-wide.
tune() {
	# GNU sed: a line "	token: N" after "totem {", once
	printf '%s\n' "grep -q '^	token:' /etc/corosync/corosync.conf ||" \
	    "sed -i '/^totem {\$/a \\	token: $TOKEN_MS' /etc/corosync/corosync.conf" \
	    >"$TMP/tune.sh"
	for h in host1 host2 host3; do
		"$H" lab put "$h" /etc/corosync/hvlab-tune.sh --lab "$LAB" \
		    --from "$TMP/tune.sh" --mode 755 &&
		"$H" lab exec "$h" --lab "$LAB" -- sh /etc/corosync/hvlab-tune.sh ||
		    return 1
	done
	"$H" lab exec host1 --lab "$LAB" -- corosync-cfgtool -R >/dev/null &&
	"$H" lab exec host1 --lab "$LAB" -- crm_attribute -t crm_config \
	    -n stonith-timeout -v "$STONITH_TIMEOUT"
}

run_set() {
	set_name=$1 platform=$2
	t0=$(date +%s)
	if [ "$set_name" = libvirt-tuned ]; then
		"$H" lab up --lab "$LAB" -q || return 1
		"$H" run --platform libvirt --lab "$LAB" --scenario install \
		    --scenario cluster --out "$TMP/$set_name-setup" >/dev/null 2>&1
		tune || { echo "tuning failed"; return 1; }
	fi
	"$H" run --platform "$platform" --lab "$LAB" --scenario ha \
	    --repeat "$RUNS" --out "$TMP/$set_name" >"$TMP/$set_name.log" 2>&1
	rc=$?
	echo "$set_name: hvlab run exit $rc in $(( $(date +%s) - t0 )) s"
	# a run that failed says why here: the set's files go with $TMP
	[ "$rc" -eq 0 ] || grep -E ' (fail|error) ' "$TMP/$set_name.log" |
	    sed 's/^/  /'
	"$H" lab down --lab "$LAB" >/dev/null 2>&1
	[ -f "$TMP/$set_name/results.json" ] &&
		report "$set_name" "$TMP/$set_name/results.json"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in ${PLATFORMS:-ref libvirt libvirt-tuned}; do
	case $s in
	ref) run_set ref ref ;;
	libvirt) run_set libvirt libvirt ;;
	libvirt-tuned) run_set libvirt-tuned libvirt ;;
	*) echo "unknown set $s (ref, libvirt, libvirt-tuned)"; exit 1 ;;
	esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
