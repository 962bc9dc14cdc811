#!/bin/sh
# test_hvd_backup: backups through hvd on one node (real etcd, QEMU,
# qemu-storage-daemon, OVS), the guest booting from its own disk and its
# agent reached from a station on VLAN 10.  Refusals first (no store, a
# bad mode, an incremental backup with nothing to build on).  A full
# backup of the running VM after the agent wrote /data/f1: the manifest's
# SHA-256 is the file's, the part is a qcow2 with zstd clusters, nothing
# half-written stays, the guest's pause is reported.  /data/f2 written,
# then an incremental backup: its qcow2 is backed by the full one's and
# is smaller.  Verify re-reads both.  Restore of the incremental one to
# a new VM that boots and has f1 and f2 with their checksums.  A restore
# over the running VM is refused (409 naming it); stopped, the full
# backup restored over it brings back f1 and no f2.  A backup others
# build on is not deleted; a verify of a changed part fails naming it.
# A schedule (*/10s, keep_last 1) fires on its own: the stopped VM is
# backed up (through qemu-storage-daemon) and the older backup pruned.
HVD_OVS=1
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 25 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
VMTOOL=$HVD_TOP/build/vmtool
[ -f "$G/disk.qcow2" ] && [ -x "$G/agentctl" ] && [ -x "$VMTOOL" ] ||
    { echo "guest disk image not built (make guest)"; exit 77; }
for c in qemu-img qemu-storage-daemon qemu-system-x86_64 sha256sum curl; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

NET=198.18.249
hvd_setup 1
hvd_start 1 || fail "hvd did not start"
hvd_form_cluster bklab || fail "cluster did not form"
hvd_station st 1 10 "$NET.1/24" || fail "station on VLAN 10"
# TCP to the agent from the station: docs/lab.md "vnet_hdr"
ip netns exec "$HVD_P-st" "$VMTOOL" txcsum-off eth0 || fail "station offload"
mkdir -p "$HVD_TMP/pools/local" "$HVD_TMP/pools/bk"
hvctl_on 1 pool create local --type dir --path "$HVD_TMP/pools/local" ||
    fail "dir pool"
hvctl_on 1 pool volume-create local d1 --size-mib 64 >/dev/null || fail "volume d1"
qemu-img convert -f qcow2 -O qcow2 "$G/disk.qcow2" "$HVD_TMP/pools/local/d1.qcow2" ||
    fail "the disk image into local/d1"
STORE=$HVD_TMP/pools/bk

agent() { a=$1; shift; ip netns exec "$HVD_P-st" "$G/agentctl" -t 180 "$a" "$@"; }
sum_of() { echo "$1" | sed -n 's/^ok bytes=[0-9]* sha256=\([0-9a-f]\{64\}\)$/\1/p'; }
api() { hvd_api "$@"; }
refused() { hvd_refused "$@"; }
# backup VM MODE: a backup task that ends ok; prints its result.
backup() {
	out=$(hvctl_on 1 --json backup create "$1" --store bk --mode "$2") ||
	    fail "backup $1 $2: $out"
	echo "$out" | grep -q '"state":[[:space:]]*"ok"' || fail "backup $1 $2: $out"
	echo "$out"
}
ids() { ls "$STORE" | grep '^vzdump-qemu-'; }
# bid: the backup id in a task's JSON on stdin (the result's "id").
bid() { grep -o '"id":[[:space:]]*"vzdump-qemu-[^"]*"' | head -n 1 | grep -o 'vzdump-qemu-[^"]*'; }

# --- refusals ---
hvctl_on 1 vm create b1 --node node1 --memory 128 --nic 10 --disk local:d1 \
    --cmdline "hvlab.name=b1 hvlab.ip=$NET.10/24" || fail "create b1"
refused 400 store POST /api/v1/vms/b1/backup '{"store": "nosuch"}'
refused 400 path POST /api/v1/backup-stores "{\"name\": \"out\", \"path\": \"/tmp\"}"
hvctl_on 1 backup store-create bk --path "$STORE" >/dev/null || fail "store bk"
refused 409 name POST /api/v1/backup-stores "{\"name\": \"bk\", \"path\": \"$STORE\"}"
refused 400 mode POST /api/v1/vms/b1/backup '{"store": "bk", "mode": "differential"}'
refused 404 - POST /api/v1/vms/nosuch/backup '{"store": "bk"}'
out=$(hvctl_on 1 --json backup create b1 --store bk --mode incremental)
echo "$out" | grep -q "take a full backup first" ||
    fail "an incremental backup with nothing to build on fails saying why: $out"
[ -z "$(ls -A "$STORE")" ] || fail "a failed backup leaves nothing in the store: $(ls -A "$STORE")"

# --- full backup of the running VM ---
hvctl_on 1 vm start b1 >/dev/null || fail "start b1"
w1=$(agent $NET.10 'file write /data/f1 1048576 42') || fail "file write f1"
s1=$(sum_of "$w1")
out=$(backup b1 full)
full=$(echo "$out" | bid)
p=$(echo "$out" | json_field pause_ms)
echo "full backup $full of the running VM: guest pause $p ms"
case "$p" in [0-9]*) ;; *) fail "a running VM's backup reports its pause: $out" ;; esac
echo "$out" | grep -q '"vm_state":[[:space:]]*"running"' || fail "b1 ran: $out"
[ "$(ids)" = "$full" ] || fail "the store holds $full only: $(ls -A "$STORE")"
ls -A "$STORE" | grep -q '^\.' && fail "nothing half-written stays: $(ls -A "$STORE")"
m=$STORE/$full/manifest.json
want=$(sha256sum "$STORE/$full/disk0.qcow2" | cut -d' ' -f1)
grep -q "\"sha256\":[[:space:]]*\"$want\"" "$m" || fail "the manifest has disk0's SHA-256 $want"
grep -q '"memory_mib":[[:space:]]*128' "$m" || fail "the manifest holds the VM config"
qemu-img info "$STORE/$full/disk0.qcow2" | grep -q "compression type: zstd" ||
    fail "the part is a qcow2 with zstd clusters"
hvctl_on 1 backup list bk | grep -q "$full" || fail "backup list shows $full"

# --- incremental ---
w2=$(agent $NET.10 'file write /data/f2 262144 7') || fail "file write f2"
s2=$(sum_of "$w2")
out=$(backup b1 incremental)
inc=$(echo "$out" | bid)
echo "$out" | grep -q "\"parent\":[[:space:]]*\"$full\"" || fail "$inc builds on $full: $out"
qemu-img info "$STORE/$inc/disk0.qcow2" | grep -q "backing file: ../$full/disk0.qcow2" ||
    fail "the incremental part is backed by the full one's"
fb=$(stat -c %s "$STORE/$full/disk0.qcow2")
ib=$(stat -c %s "$STORE/$inc/disk0.qcow2")
echo "full part $fb bytes, incremental part $ib bytes"
[ "$ib" -lt "$fb" ] || fail "the incremental part is smaller than the full one"
out=$(hvctl_on 1 --json backup verify bk "$inc") || fail "verify $inc: $out"
echo "$out" | grep -q '"ok":[[:space:]]*true' && echo "$out" | grep -q "$full/disk0.qcow2" ||
    fail "verify re-reads the incremental backup and the full one: $out"

# --- restore to a new VM ---
out=$(hvctl_on 1 --json backup restore bk "$inc" --name r1 --pool local) ||
    fail "restore $inc as r1: $out"
echo "$out" | grep -q '"state":[[:space:]]*"ok"' || fail "restore as r1: $out"
echo "restore of $inc: $(echo "$out" | json_field restore_s) s"
cfg=$(api GET /api/v1/vms/r1/config) || fail "r1's config"
cfg=$(echo "${cfg% *}" | sed "s/hvlab.name=b1 hvlab.ip=$NET.10/hvlab.name=r1 hvlab.ip=$NET.12/")
api PUT /api/v1/vms/r1/config "$cfg" >/dev/null || fail "r1's own address"
hvctl_on 1 vm start r1 >/dev/null || fail "start r1"
[ "$(sum_of "$(agent $NET.12 'file sum /data/f1')")" = "$s1" ] || fail "r1 boots and has f1"
[ "$(sum_of "$(agent $NET.12 'file sum /data/f2')")" = "$s2" ] || fail "r1 has f2"
hvctl_on 1 vm stop r1 >/dev/null || fail "stop r1"

# --- restore over b1 ---
refused 409 name POST "/api/v1/backup-stores/bk/backups/$full/restore"
echo "$out" | grep -q "VM b1 is running" || fail "says b1 runs: $out"
hvctl_on 1 vm stop b1 >/dev/null || fail "stop b1"
out=$(hvctl_on 1 --json backup restore bk "$full") || fail "restore over b1: $out"
echo "$out" | grep -q '"over":[[:space:]]*true' || fail "over b1: $out"
hvctl_on 1 vm start b1 >/dev/null || fail "start b1 again"
[ "$(sum_of "$(agent $NET.10 'file sum /data/f1')")" = "$s1" ] || fail "b1 has f1 back"
agent $NET.10 'file sum /data/f2' | grep -q '^error' || fail "f2 came after $full"
hvctl_on 1 vm stop b1 >/dev/null || fail "stop b1"

# --- delete, verify of a changed part ---
out=$(hvctl_on 1 --json backup delete bk "$full")
echo "$out" | grep -q "$inc builds on $full" || fail "a base is not deleted: $out"
printf 'x' >>"$STORE/$inc/disk0.qcow2"
out=$(hvctl_on 1 --json backup verify bk "$inc")
echo "$out" | grep -q "$inc/disk0.qcow2: SHA-256 is" || fail "a changed part fails verify: $out"
hvctl_on 1 backup delete bk "$inc" >/dev/null || fail "delete $inc"
hvctl_on 1 backup delete bk "$full" >/dev/null || fail "delete $full"
[ -z "$(ls -A "$STORE")" ] || fail "the store is empty: $(ls -A "$STORE")"

# --- a schedule fires and prunes ---
refused 400 schedule POST /api/v1/backup-jobs '{"id": "j", "vms": ["b1"], "store": "bk", "schedule": "*/0m"}'
old=$(backup b1 full | bid)
grep -q '"vm_state":[[:space:]]*"stopped"' "$STORE/$old/manifest.json" ||
    fail "a stopped VM is backed up through qemu-storage-daemon"
hvctl_on 1 backup job-create nightly --vms b1 --store bk --schedule '*/10s' \
    --keep-last 1 >/dev/null || fail "job nightly"
t0=$(date +%s)
while [ $(($(date +%s) - t0)) -lt 60 ]; do
	[ "$(ids | wc -l)" -eq 1 ] && [ "$(ids)" != "$old" ] && break
	sleep 2
done
echo "schedule: $(ids | tr '\n' ' ') after $(($(date +%s) - t0)) s"
[ "$(ids | wc -l)" -eq 1 ] && [ "$(ids)" != "$old" ] ||
    fail "the job made a backup and pruned $old: $(ls -A "$STORE")"
hvctl_on 1 backup job-delete nightly >/dev/null || fail "delete the job"
echo PASS
