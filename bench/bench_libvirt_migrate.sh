#!/bin/sh
# bench_libvirt_migrate: live migration on both platforms that run here,
# hvd (ref) and libvirt + Corosync + Pacemaker (libvirt), the same way:
# the runner's live-migration scenario (an idle 128 MiB guest, its disk on
# an iSCSI LUN, a 10 ms ping and a TCP session from the station), N runs
# each (BENCH_RUNS, default 5), each platform on a fresh lab
# (`hvlab run --platform ref,libvirt`).  Prints per platform the median
# and min-max of the ping gap and of QEMU's own downtime (hvd: QMP
# query-migrate; libvirt: virDomainGetJobStats), the migration's time,
# and how many runs kept the TCP session.  Figures only.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
hv=${HVLAB_BIN:-$top/bin/hvlab}
runs=${BENCH_RUNS:-5}
lab=lvb$$
lab=$(echo "$lab" | cut -c1-16)
dir=$(mktemp -d /tmp/hvlab-blm-XXXXXX) || exit 1

cleanup() {
	"$hv" lab down --lab "$lab" >/dev/null 2>&1
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "bench_libvirt_migrate: needs root"; exit 1; }
[ -x "$hv" ] || { echo "bench_libvirt_migrate: $hv not built"; exit 1; }
command -v libvirtd >/dev/null || { echo "bench_libvirt_migrate: no libvirtd (make deps)"; exit 1; }

echo "live migration, $runs runs per platform, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$hv" run --platform ref,libvirt --lab "$lab" --scenario live-migration \
    --repeat "$runs" --out "$dir" >"$dir/run.log" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 2 ] || { cat "$dir/run.log"; echo "hvlab run: exit $rc"; exit 1; }
python3 - "$dir" <<'PY'
import json, statistics, sys
def fig(v):
    if not v:
        return "-"
    return "%.0f (%.0f-%.0f)" % (statistics.median(v), min(v), max(v))
print("%-8s %-4s %-22s %-22s %-18s %s" % ("platform", "runs",
    "ping gap ms", "QEMU downtime ms", "total s", "TCP kept"))
for p in ("ref", "libvirt"):
    try:
        d = json.load(open("%s/%s/results.json" % (sys.argv[1], p)))
    except OSError:
        print("%-8s no results" % p)
        continue
    s = [x for x in d["scenarios"] if x["name"] == "live-migration"][0]
    rs = [r.get("metrics", {}) for r in s.get("runs", [])]
    g = [m["downtime_ms"] for m in rs if "downtime_ms" in m]
    q = [m["qemu_downtime_ms"] for m in rs if "qemu_downtime_ms" in m]
    t = [m["total_s"] for m in rs if "total_s" in m]
    k = sum(1 for m in rs if m.get("tcp_survived") == 1)
    tt = "%.1f (%.1f-%.1f)" % (statistics.median(t), min(t), max(t)) if t else "-"
    print("%-8s %-4d %-22s %-22s %-18s %d of %d" % (p, len(rs), fig(g),
        fig(q), tt, k, len(rs)))
    if s["verdict"] == "error":
        print("         error: %s" % s.get("reason", "")[:200])
PY
