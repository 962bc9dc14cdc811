#!/bin/sh
# Benchmark: the `bonding` scenario through the platform (hvd, the ref
# driver), RUNS times (default 3), on its own lab (t8bench, the
# scenarios.yaml topology).  Per run it prints every mode's NIC-unplug
# downtime and lost pings (active member out, back in, other member out)
# and the throughput figures (1 link, 2 links x 1 flow, 2 links x 4 flows,
# per-flow min/max of the last), then the median and spread over runs.
# The drill pings a VM on the bonded host (MODE_EVENT_*) and the host
# (MODE_EVENT_host_*); MODE_EVENT_downtime_ms is the reply gap across the
# unplug, MODE_EVENT_run_gap_ms the longest gap anywhere in that ping run.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
RUNS=${RUNS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench_bonding: needs root, skipped"; exit 0; }
[ -x "$HVLAB" ] || { echo "bench_bonding: no $HVLAB"; exit 1; }
OUT=$(mktemp -d /tmp/t8bench.XXXXXX)
# A private copy of bin/ (hvd and hvctl are installed from beside hvlab):
# other builds relink bin/ meanwhile.
mkdir "$OUT/bin" && cp "$(dirname "$HVLAB")"/* "$OUT/bin/" || exit 1
# The runner finds the guest image beside bin/ (BINDIR/../build/guest).
mkdir "$OUT/build" && ln -s "$top/build/guest" "$OUT/build/guest" || exit 1
HVLAB=$OUT/bin/hvlab
trap '"$HVLAB" lab down --lab t8bench >/dev/null 2>&1; rm -rf "$OUT"' EXIT INT TERM
echo "bench_bonding: $RUNS runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$HVLAB" run --scenario bonding --lab t8bench --repeat "$RUNS" \
    --out "$OUT/res" >"$OUT/run.log" 2>&1
rc=$?
[ -f "$OUT/res/results.json" ] || { echo "no results (rc $rc):"; tail -n 20 "$OUT/run.log"; exit 1; }
python3 - "$OUT/res/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def runs_of(x):
    for k in ("runs", "r_runs"):
        if k in x: return x[k]
    return []
for sc in d.get("scenarios", []):
    if sc.get("name") != "bonding": continue
    print("verdict:", sc.get("verdict"), sc.get("reason", ""))
    runs = runs_of(sc)
    keys = []
    for r in runs:
        for k in r.get("metrics", {}):
            if k not in keys: keys.append(k)
    for k in sorted(keys):
        vals = [r.get("metrics", {}).get(k) for r in runs]
        vs = [v for v in vals if v is not None]
        spread = "" if not vs else "  median %.1f min %.1f max %.1f" % (
            sorted(vs)[len(vs) // 2] if len(vs) % 2 else
            (sorted(vs)[len(vs) // 2 - 1] + sorted(vs)[len(vs) // 2]) / 2,
            min(vs), max(vs))
        print("%-36s %s%s" % (k, "  ".join("-" if v is None else "%.1f" % v for v in vals), spread))
PY
# The report's cell for the row (per mode unplug downtime, throughput).
grep -i "NIC bonding" "$OUT/res/report.md" | head -n 1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
