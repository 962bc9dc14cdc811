#!/bin/sh
# test_vm_netcfg - checked network changes on a real OVS (platform/netcfg.c
# through build/vmtool net-show / net-apply), in host A of the two-host lab:
#   - a change that cuts the management path (the station's port moved to
#     another VLAN while the management port stays on VLAN 10) is rolled
#     back by itself: the tag is 10 again and the station answers;
#   - a change that keeps the path (trunk VLANs) stays applied;
#   - bad changes (VLAN out of range, bond members that do not exist) are
#     refused and change nothing.
set -u
. "$(dirname "$0")/lib_vm.sh"
vt_skip_unless_ready
vm_lab_up || vt_die "lab setup"
p=$VT_ID

# host A's management port: internal port on VLAN 10, like the station
vt_vsctl A add-port br0 mgmt0 tag=10 -- set interface mgmt0 type=internal \
    || vt_die "mgmt0"
ip netns exec "$VT_NSA" ip addr add 198.18.253.2/24 dev mgmt0
ip netns exec "$VT_NSA" ip link set mgmt0 up
i=0
until ip netns exec "$VT_NSA" "$VT_PINGGAP" -i 100000 -w 1 "$VT_STATION_IP" \
    | grep -q '"received":[1-9]'; do
	i=$((i + 1)); [ $i -lt 10 ] || vt_die "station not reachable from A"
done

tag_of() { vt_vmtool A net-show | python3 -c "
import json, sys
for p in json.load(sys.stdin)['ports']:
    if p['name'] == sys.argv[1]:
        print(p['tag'], ','.join(str(t) for t in p['trunks']))" "$1"; }

before=$(tag_of "hvt${p}sa")
[ "$before" = "10 " ] || vt_die "station port starts as '$before'"

vt_log "a change that cuts the management path rolls back"
echo "{\"kind\":\"port-vlan\",\"port\":\"hvt${p}sa\",\"vlan\":20}" >"$VT/cut.json"
vt_vmtool A net-apply "$VT/cut.json" "$VT_STATION_IP" 2000
rc=$?
[ $rc -eq 4 ] || vt_die "net-apply exit $rc, wanted 4 (rolled back)"
[ "$(tag_of "hvt${p}sa")" = "10 " ] || vt_die "tag not restored: $(tag_of "hvt${p}sa")"
ip netns exec "$VT_NSA" "$VT_PINGGAP" -i 100000 -w 1 "$VT_STATION_IP" | \
    grep -q '"received":[1-9]' || vt_die "station unreachable after rollback"

vt_log "a change that keeps the path stays"
echo "{\"kind\":\"port-vlan\",\"port\":\"hvt${p}ta\",\"trunks\":[10,20]}" \
    >"$VT/trunk.json"
vt_vmtool A net-apply "$VT/trunk.json" "$VT_STATION_IP" 2000 || \
    vt_die "trunk change refused"
[ "$(tag_of "hvt${p}ta")" = "None 10,20" ] || \
    vt_die "trunk port is '$(tag_of "hvt${p}ta")'"

vt_log "bad changes are refused and change nothing"
echo "{\"kind\":\"port-vlan\",\"port\":\"hvt${p}sa\",\"vlan\":5000}" >"$VT/bad1.json"
out=$(vt_vmtool A net-apply "$VT/bad1.json" 2>&1) && vt_die "vlan 5000 accepted"
echo "refused: $out"
echo "{\"kind\":\"bond-add\",\"port\":\"bond0\",\"members\":[\"nope0\",\"nope1\"],\"bond_mode\":\"active-backup\"}" >"$VT/bad2.json"
out=$(vt_vmtool A net-apply "$VT/bad2.json" 2>&1) && vt_die "bond of missing NICs accepted"
echo "refused: $out"
case "$out" in *"member nope0 is not a port on the bridge"*) ;;
*) vt_die "error does not name the member: $out" ;; esac
[ "$(tag_of "hvt${p}sa")" = "10 " ] || vt_die "a refused change changed the port"
echo ok
exit 0
