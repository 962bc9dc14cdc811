#!/bin/sh
# test_vm_migrate - hvd's VM layer on real QEMU and OVS (tests/vmtool.c
# driving platform/vm.c, migrate.c, netcfg.c, qmp.c):
#   - a VM with a tap port on VLAN 10 of host A's OVS boots and answers
#     ping from the station (on VLAN 10 of A's bridge);
#   - its QEMU survives the tool that started it and is adopted again;
#   - it live-migrates A -> B (disk on a shared qcow2 file, cache=none)
#     and back, answering ping after each move; the source QEMU and its tap
#     are gone afterwards;
#   - a migration whose target QEMU is killed mid-way fails and leaves the
#     VM running on the source, still answering ping;
#   - an ACPI shutdown (power button) powers the guest off and QEMU exits.
set -u
. "$(dirname "$0")/lib_vm.sh"
vt_skip_unless_ready
vm_lab_up || vt_die "lab setup"

disk=$VT/shared/vm1-disk0.qcow2
qemu-img create -q -f qcow2 "$disk" 64M || vt_die "qemu-img create"
vt_vm_config "$VT/vm1.json" vm1 "$disk"

vt_log "start vm1 on A"
pid=$(vt_vmtool A start "$VT/vm1.json") || vt_die "start vm1"
vt_wait_ready A vm1 || vt_die "vm1 never printed its READY line"
vt_ping_ok 3 || vt_die "vm1 does not answer ping on A"

vt_log "adopt: the QEMU runs on without its starter"
out=$(vt_vmtool A adopt vm1) || vt_die "adopt vm1: $out"
[ "$out" = "$pid running" ] || vt_die "adopt said '$out', wanted '$pid running'"
out=$(vt_vmtool A start "$VT/vm1.json" 2>&1) && \
    vt_die "a second start of a running VM must be refused"
echo "second start refused: $out"

migrate() { # FROM TO MGMT_ADDR
	vt_log "migrate vm1 $1 -> $2"
	vt_vmtool "$2" start "$VT/vm1.json" --incoming >/dev/null || \
	    vt_die "start incoming vm1 on $2"
	[ "$(vt_vmtool "$2" status vm1)" = inmigrate ] || \
	    vt_die "target vm1 on $2 is not in state inmigrate"
	res=$(vt_vmtool "$1" migrate vm1 "$VT/run$2" "tcp:$3:4444") || \
	    vt_die "migrate $1 -> $2 failed"
	echo "figures: $res"
	[ "$(vt_vmtool "$2" status vm1)" = running ] || \
	    vt_die "vm1 is not running on $2 after the migration"
	[ "$(vt_vmtool "$1" status vm1)" = stopped ] || \
	    vt_die "the source QEMU on $1 is still there"
	vt_vsctl "$1" list-ports br0 | grep -q '^hv[0-9a-f]\{8\}n' && \
	    vt_die "the source tap is still on $1's bridge"
	vt_ping_ok 3 || vt_die "vm1 does not answer ping after $1 -> $2"
}
migrate A B "$VT_MGMT_B"
migrate B A "$VT_MGMT_A"

vt_log "failed migration: the target QEMU dies mid-way"
vt_vmtool B start "$VT/vm1.json" --incoming >/dev/null || vt_die "start incoming"
tpid=$(cat "$VT/runB/vm1/qemu.pid")
echo '{"max_bandwidth":1048576}' >"$VT/slow.json"
vt_vmtool A migrate vm1 "$VT/runB" "tcp:$VT_MGMT_B:4445" "$VT/slow.json" \
    >"$VT/fail.out" 2>&1 &
mpid=$!
VT_BG_PIDS=$mpid
sleep 2
kill -9 "$tpid"
if wait "$mpid"; then
	cat "$VT/fail.out"
	vt_die "the migration to a killed target reported success"
fi
VT_BG_PIDS=
echo "migration failed as it should: $(cat "$VT/fail.out")"
[ "$(vt_vmtool A status vm1)" = running ] || \
    vt_die "vm1 is not running on the source after the failed migration"
vt_vmtool B cleanup vm1 || vt_die "cleanup of the dead target"
vt_ping_ok 3 || vt_die "vm1 does not answer ping after the failed migration"

# (vm_stop, QMP quit, is what `migrate` does to each source QEMU above.)
vt_log "ACPI shutdown of vm1 (power button: the guest powers off)"
vt_vmtool A shutdown vm1 60000 || vt_die "ACPI shutdown of vm1 failed"
[ "$(vt_vmtool A status vm1)" = stopped ] || \
    vt_die "vm1 still runs after the ACPI shutdown"
grep -q "power button: powering off" "$VT/runA/vm1/serial.log" || \
    vt_die "the guest did not log its power-off"
vt_vmtool A cleanup vm1 || vt_die "cleanup"
echo "ok"
exit 0
