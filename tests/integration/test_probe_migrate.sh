#!/bin/sh
# test_probe_migrate: the probes through a live migration of the lab guest
# (QEMU A -> QEMU B in one namespace, shared raw disk, HMP migrate): the TCP
# session survives, no acknowledged write is lost, the ping timeline carries
# the migration's start and end marks.  Runs bench/bench_probe_migrate.sh
# --check, which also prints the figures (ping downtime vs QEMU's own).
# Skips (77) only when build/guest/ is missing or not root.
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
exec sh "$top/bench/bench_probe_migrate.sh" --check
