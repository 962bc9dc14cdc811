#!/bin/sh
# The libvirt platform (issue 17: libvirt 9.0 + Corosync 3 + Pacemaker
# 2.1, scenarios/drivers/libvirt.c) on a lab of the test's own name: the
# `quick` suite's rows each pass or are unsupported with a reason naming
# the missing piece, none errors (two findings may fail: network, where
# libvirt leaves a bad change in place, live migration, whose verdict is
# a timing bound, shared storage's call count: a pool per host, and
# virt-methods, where microvm does not boot under libvirt); install, storage, cluster (quorate, every
# node online), VM migration, virtualization methods, architecture, guest
# OS, snapshot, clone-template and live migration (QEMU's downtime from
# libvirt's job statistics) pass or are measured; backup-restore (full
# and incremental push backups, restored and booted) passes after it.  The lab's hosts keep the stack's directories
# (`lab dirs`) across a power cycle.  After `hvlab lab down` no libvirtd,
# Corosync, Pacemaker or QEMU process of the lab remains, nor its
# namespaces, its state, or a file the stack wrote on the machine.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=lv$$
LAB=$(echo "$LAB" | cut -c1-16)
STATE=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB
TMP=$(mktemp -d /tmp/hvlab-lvq-XXXXXX)
# Where the packages keep the stack's state on the machine: the lab's
# hosts must never write there (their own copies live on their disks).
MACHINE_DIRS="/etc/libvirt /var/lib/libvirt /var/cache/libvirt
/var/log/libvirt /etc/corosync /var/lib/corosync /var/lib/pacemaker
/var/log/corosync /var/log/pacemaker"

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server tgtd busybox libvirtd corosync \
    pacemakerd crm_mon python3 jq

cleanup() {
	"$HVLAB" lab down --lab "$LAB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# Processes of the lab's namespaces whose name is one of the stack's:
# "pid starttime comm" lines (starttime guards against a reused pid).
stack_procs() {
	for ns in /run/netns/"$LAB"-*; do
		[ -e "$ns" ] && stat -L -c %i "$ns"
	done >"$TMP/ns.ino"
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		grep -qx "$ino" "$TMP/ns.ino" || continue
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		case "$comm" in
		libvirtd|corosync|pacemaker*|qemu-system-*)
			echo "${p#/proc/} $(cut -d' ' -f22 "$p/stat") $comm" ;;
		esac
	done
}

touch "$TMP/marker"
sleep 1
"$HVLAB" lab up -q --lab "$LAB" >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log"; bad "lab up $LAB"; exit 1; }
"$HVLAB" run --platform libvirt --lab "$LAB" --suite quick --repeat 1 \
    --out "$TMP/q" >"$TMP/q.log" 2>&1; rc=$?
cat "$TMP/q.log"
check "run --platform libvirt of the quick suite exits 0 or 2 (got $rc)" \
    test $rc -eq 0 -o $rc -eq 2
check "it writes results.json and report.md" test -s "$TMP/q/results.json" -a -s "$TMP/q/report.md"

# Each row: pass, or unsupported with a reason; fail only for the two
# findings; never error.
python3 - "$TMP/q/results.json" >"$TMP/rows.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
findings = {"network", "live-migration"}
for s in d["scenarios"]:
    v, why = s["verdict"], s.get("reason", "")
    # libvirt defines the pool on every host: more calls than hvd's
    # bound allows is a finding, every host seeing it is not optional
    storage_steps = s["name"] == "shared-storage" and "steps" in why and \
        s["metrics"].get("hosts_seeing") == s["metrics"].get("hosts")
    # microvm does not boot under libvirt 9.0: q35 and pc must
    methods = s["name"] == "virt-methods" and \
        s["metrics"].get("methods_booted", 0) >= 2
    ok = v == "pass" or (v == "unsupported" and why != "") or \
        (v == "fail" and (s["name"] in findings or storage_steps or
                          methods))
    print("%s %s %s | %s" % ("ok" if ok else "BAD", s["name"], v, why[:160]))
EOF
while read -r verdict name rest; do
	if [ "$verdict" = ok ]; then
		ok "libvirt: $name: $rest"
	else
		bad "libvirt: $name: $rest"
	fi
done <"$TMP/rows.txt"
check "the quick suite's 11 rows are reported" test "$(wc -l <"$TMP/rows.txt")" -eq 11
for row in install cluster migration architecture guest-os; do
	check "libvirt: $row passes" grep -q "^ok $row pass " "$TMP/rows.txt"
done
check "libvirt: q35 and pc boot (virt-methods), microvm is a finding" \
    grep -Eq "^ok virt-methods (pass|fail) " "$TMP/rows.txt"
check "libvirt: every host sees the shared pool" \
    grep -Eq "^ok shared-storage (pass|fail) " "$TMP/rows.txt"
check "libvirt: live migration is measured (pass or fail)" \
    grep -Eq "^ok live-migration (pass|fail) " "$TMP/rows.txt"
check "libvirt: QEMU's downtime comes from libvirt's job statistics" \
    grep -Eq '"qemu_downtime_ms":[[:space:]]*[0-9]' "$TMP/q/results.json"
check "libvirt: the cluster is quorate with every node online" \
    grep -Eq '"quorate":[[:space:]]*1' "$TMP/q/results.json"
# Snapshot and clone-template on VMs booted from their own qcow2 volume
# (libvirt_snap.c): both rows pass, the pause is QEMU's own, and every
# volume the rows made went with their VMs.
check "libvirt: snapshot passes (data and RAM back after the rollback)" \
    grep -q "^ok snapshot pass " "$TMP/rows.txt"
check "libvirt: clone-template passes (clones boot, template unchanged)" \
    grep -q "^ok clone-template pass " "$TMP/rows.txt"
python3 - "$TMP/q/results.json" >"$TMP/snap.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
m = {s["name"]: s["metrics"] for s in d["scenarios"]}
c = m.get("clone-template", {})
print("pause_ms=%s" % m.get("snapshot", {}).get("pause_ms"))
print("linked_lt_full=%d" % (c.get("linked_clone_mib", 1e9) <
                             c.get("full_clone_mib", 0)))
EOF
check "libvirt: the snapshot's pause is measured (QEMU's STOP to RESUME)" \
    grep -Eq '^pause_ms=[0-9]' "$TMP/snap.txt"
check "libvirt: the linked clone takes less than the full clone" \
    grep -qx 'linked_lt_full=1' "$TMP/snap.txt"
# Backup/restore (libvirt_backup.c), on the same lab (the quick suite
# leaves it out: 87 s on hvd): a full and an incremental push backup
# with checkpoints, each restored and booted with its file; libvirt has
# no schedules, which the row says, checking no bound on schedule_fired.
# The hosts trust the driver's certificates of the first run: its PKI
# directory goes with this run's work directory.
mkdir -p "$TMP/bk/work" && cp -a "$TMP/q/work/libvirt-pki" "$TMP/bk/work/"
"$HVLAB" run --platform libvirt --lab "$LAB" --scenario backup-restore \
    --out "$TMP/bk" >"$TMP/bk.log" 2>&1; rc=$?
cat "$TMP/bk.log"
check "libvirt: backup-restore passes (got $rc)" test $rc -eq 0
check "libvirt: both restores hold the file as at their backup, every figure measured" \
    jq -e '.scenarios[] | select(.name == "backup-restore") | .verdict == "pass" and (.metrics | .data_verified == 1 and .backup_s > 0 and .backup_mib > 1 and .incremental_mib > 0 and .incremental_mib < .backup_mib and .restore_s > 0 and .pause_ms > 0 and (has("schedule_fired") | not))' "$TMP/bk/results.json"
check "libvirt: the row says why schedule_fired is missing" \
    jq -e '.scenarios[] | select(.name == "backup-restore") | .reason | contains("schedule_fired: unsupported, not bounded (libvirt has no backup schedules")' "$TMP/bk/results.json"
"$HVLAB" lab exec host1 --lab "$LAB" -- virsh -q -c qemu:///system \
    vol-list hvlab-backups >"$TMP/bkvols.txt" 2>&1
check "no backup of the row is left on host1's backup pool" \
    sh -c "! grep -q '[.]qcow2' '$TMP/bkvols.txt'"
"$HVLAB" lab exec host1 --lab "$LAB" -- virsh -q -c qemu:///system \
    vol-list hvlab-images >"$TMP/vols.txt" 2>&1
check "no volume of the rows is left on host1's images pool" \
    sh -c "! grep -q '[.]qcow2' '$TMP/vols.txt'"

# The stack runs in the hosts; its directories survive a power cycle.
stack_procs >"$TMP/procs.txt"
check "libvirtd, Corosync and Pacemaker run in the lab's hosts" \
    sh -c "grep -q ' libvirtd\$' '$TMP/procs.txt' && grep -q ' corosync\$' '$TMP/procs.txt' && grep -q ' pacemakerd\$' '$TMP/procs.txt'"
check "host1's disk keeps /etc/libvirt and a tmpfs /dev/shm" \
    grep -qx 'keep /etc/libvirt' "$STATE/host1/disk/mounts"
"$HVLAB" inject power-pull host2 --lab "$LAB" >/dev/null 2>&1
"$HVLAB" inject power-on host2 --lab "$LAB" >/dev/null 2>&1
check "after a power cycle host2 has its libvirtd.conf" \
    "$HVLAB" lab exec host2 --lab "$LAB" -- grep -q host_uuid /etc/libvirt/libvirtd.conf
check "and its own /dev/shm" sh -c "'$HVLAB' lab exec host2 --lab '$LAB' -- grep -q ' /dev/shm tmpfs .*size=262144k' /proc/mounts"

# Down: nothing of the stack remains.
"$HVLAB" lab down --lab "$LAB" >/dev/null 2>&1
check "lab down exits 0" test $? -eq 0
sleep 1
left=0
while read -r pid start comm; do
	if [ -r "/proc/$pid/stat" ] && [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then
		echo "left: $pid $comm"
		left=$((left + 1))
	fi
done <"$TMP/procs.txt"
check "no libvirtd, Corosync, Pacemaker or QEMU process of the lab remains ($(wc -l <"$TMP/procs.txt") were running)" test $left -eq 0
check "no namespace of the lab remains" sh -c "! ls /run/netns/ | grep -q '^$LAB-'"
check "no state of the lab remains" test ! -e "$STATE"
# shellcheck disable=SC2086
find $MACHINE_DIRS -newer "$TMP/marker" 2>/dev/null >"$TMP/new.txt"
find /dev/shm -newer "$TMP/marker" -name 'qb-*' 2>/dev/null >>"$TMP/new.txt"
check "no file of the stack was written on the machine" test ! -s "$TMP/new.txt"
[ -s "$TMP/new.txt" ] && head "$TMP/new.txt"

[ "$fails" -eq 0 ] || exit 1
