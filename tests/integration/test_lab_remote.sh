#!/bin/sh
# test_lab_remote: the `remote` provider against real servers -- here an
# embedded lab standing in for them: its hosts run sshd (`ssh: true`)
# and have Redfish BMCs (`bmc:`); a second lab of provider remote names
# them in an inventory (addresses, the lab's key and known_hosts, BMC
# URLs and password file, the embedded lab's station as the station).
#  - the inventory's errors name FILE:LINE and the field;
#  - `lab check` reaches every host by SSH, every BMC by fence_redfish
#    and the SAN's portal from every host, and names what it cannot reach;
#  - `hvlab run --provider remote` on ref (hvd installed over SSH) passes
#    the NIC drill (lab-nic-failover: a host-side unplug over SSH) and
#    the HA drill (ha: power pull and power-on through fence_redfish,
#    the VM's running copies counted on the hosts over SSH);
#  - the remote lab's events.jsonl shows the SSH and Redfish actions;
#  - a switch command from the inventory unplugs a cable at the switch;
#  - `lab down` of both leaves no namespace, process or state.
# HA_SKIP=1 runs the NIC drill alone (the HA drill takes 2-3 min here).
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
E=$(echo "tre$$" | cut -c1-16)
R=$(echo "trr$$" | cut -c1-16)
ROOT=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}
ES=$ROOT/$E
RS=$ROOT/$R

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
[ -f "$top/build/guest/vmlinux" ] || { echo "guest not built"; exit 77; }
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd tgtd etcd qemu-system-x86_64 sshd ssh fence_redfish jq
TMP=$(mktemp -d /tmp/hvlab-trm-XXXXXX)
# Run a private copy: other builds may relink bin/ while the test runs
# (the runner finds hvd beside hvlab, the guest in ../build/guest).
mkdir "$TMP/bin" && ln -s "$top/build" "$TMP/build" || exit 1
for b in hvlab hvlab-init hvlab-bmc hvd hvd-watchdog hvctl; do
	cp "$(dirname "$HVLAB")/$b" "$TMP/bin/" || exit 1
done
HVLAB=$TMP/bin/hvlab

cleanup() {
	"$HVLAB" lab down --lab "$R" >/dev/null 2>&1
	"$HVLAB" lab down --lab "$E" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The embedded lab: scenarios.yaml's, with sshd and BMCs.
lab_of() { sed -n '/^lab:$/,/^$/p' "$top/scenarios.yaml" |
	sed "s/^  name: hvlab$/  name: $1/"; }
lab_of "$E" | sed '$d' >"$TMP/e.yaml"
printf '  ssh: true\n' >>"$TMP/e.yaml"
grep -q '^  bmc:' "$TMP/e.yaml" || printf '  bmc:\n' >>"$TMP/e.yaml"
t0=$(date +%s)
"$HVLAB" lab up -q -f "$TMP/e.yaml" || { echo "FAIL - embedded lab up"; exit 1; }
echo "     embedded lab up in $(( $(date +%s) - t0 )) s"
st=$("$HVLAB" lab status --lab "$E" --json)
subnet=$(echo "$st" | jq -r .subnet)
iqn=$(echo "$st" | jq -r .san.iqn)
hostsec() {
	echo "$st" | jq -r '.hosts[] | "\(.name) \(.mgmt_addr) \(.bmc_addr)"' |
	while read -r n a b; do
		printf '      - name: %s\n        address: %s\n' "$n" "$a"
		printf '        init: hvlab\n'
		printf '        bmc: { redfish: "%s", user: admin, password_file: %s/bmc/password }\n' "$b" "$ES"
		# host2's cables go through the switch's command, the others'
		# are host-side
		[ "$n" = host2 ] && printf '        nics: [ { port: host2-eth0 }, { port: host2-eth1 } ]\n'
	done
}
# The remote lab: the same plan (subnet) and target, reached through the
# inventory.
{
	lab_of "$R" | sed '$d' | sed "s|^lab:$|lab:\n  provider: remote\n  subnet: $subnet|" |
		sed "s|^  san:$|  san:\n    iqn: $iqn|"
	cat <<YAML
  remote:
    known_hosts: $ES/ssh/known_hosts
    ssh: { user: root, key: $ES/ssh/id_ed25519 }
    station: { netns: $E-st }
    embedded: $E
    switch:
      down: "ip netns exec $E-sw ip link set {port} down"
      up: "ip netns exec $E-sw ip link set {port} up"
    hosts:
YAML
	hostsec
	echo
	sed -n '/^default_suite:/,$p' "$top/scenarios.yaml"
} >"$TMP/r.yaml"

[ -n "${DEBUG_DIR:-}" ] && cp "$TMP/r.yaml" "$DEBUG_DIR/"
# 1. Inventory errors: FILE:LINE and the field.
sed 's/^        init: hvlab$/        init: sysv/; s/^    ssh: { user: root, key/    ssh: { usr: root, key/' \
	"$TMP/r.yaml" >"$TMP/bad.yaml"
out=$("$HVLAB" lab check -f "$TMP/bad.yaml" 2>&1)
echo "$out" | grep -q "bad.yaml:[0-9]*: remote.ssh: unknown key 'usr'" &&
	ok "an unknown inventory key is named with its line" ||
	bad "an unknown inventory key is named with its line: $out"
echo "$out" | grep -q "bad.yaml:[0-9]*: remote.hosts\[0\].init must be systemd or hvlab" &&
	ok "a bad init names the host's field" || bad "a bad init names the host's field: $out"

# 2. lab check: everything answers; a wrong BMC password is named.
out=$("$HVLAB" lab check -f "$TMP/r.yaml" 2>&1)
echo "$out" | sed 's/^/    /'
[ "$(echo "$out" | grep -c '^ok .* ssh root@')" = 3 ] &&
	ok "lab check: 3 hosts reached by SSH" || bad "lab check: 3 hosts reached by SSH"
[ "$(echo "$out" | grep -c '^ok .* bmc redfish')" = 3 ] &&
	ok "lab check: 3 BMCs answer fence_redfish" || bad "lab check: 3 BMCs answer fence_redfish"
[ "$(echo "$out" | grep -c '^ok .* san portal')" = 3 ] &&
	ok "lab check: the SAN's portal answers the 3 hosts" ||
	bad "lab check: the SAN's portal answers the 3 hosts"
echo wrong-password >"$TMP/pw"
sed "0,/password_file: [^ ]*/s||password_file: $TMP/pw|" "$TMP/r.yaml" >"$TMP/pw.yaml"
out=$("$HVLAB" lab check -f "$TMP/pw.yaml" 2>&1) &&
	bad "lab check with a wrong BMC password fails" ||
	ok "lab check with a wrong BMC password fails"
echo "$out" | grep -q '^FAILED .*host1 bmc redfish' && echo "$out" | grep -q '^1 could not be reached' &&
	ok "lab check names the one BMC it could not reach" ||
	bad "lab check names the one BMC it could not reach: $out"

# 3. The drills through the remote provider, on the remote lab brought
# up here (so its events are read before its `lab down`).
"$HVLAB" lab up -q -f "$TMP/r.yaml" && ok "remote lab up" || bad "remote lab up"
check "the remote lab's state says provider remote" grep -qx remote "$RS/provider"
sel="--scenario lab-nic-failover"
[ -n "${HA_SKIP:-}" ] || sel="$sel --scenario ha"
t0=$(date +%s)
# shellcheck disable=SC2086
"$HVLAB" run -f "$TMP/r.yaml" --provider remote --platform ref $sel \
	--lab "$R" --out "$TMP/out" >"$TMP/run.out" 2>&1
rc=$?
echo "     hvlab run: exit $rc after $(( $(date +%s) - t0 )) s"
sed 's/^/    /' "$TMP/run.out"
J=$TMP/out/results.json
check "results.json says provider remote" test "$(jq -r .provider "$J")" = remote
v() { jq -r --arg s "$1" ".scenarios[] | select(.name == \$s) | $2" "$J"; }
check "lab-nic-failover passes ($(v lab-nic-failover .reason))" \
	test "$(v lab-nic-failover .verdict)" = pass
if [ -z "${HA_SKIP:-}" ]; then
	check "ha passes ($(v ha .reason))" test "$(v ha .verdict)" = pass
	check "ha: no acknowledged write lost" \
		test "$(v ha .metrics.lost_acked_writes)" = 0
	# the copies are counted on the hosts over SSH, not read here
	echo "     ha copies: max $(v ha .metrics.max_running_copies)," \
	    "$(v ha .metrics.copy_samples) samples," \
	    "$(v ha .metrics.copy_samples_unknown) with a host unknown"
	check "ha: one running copy at most, counted over SSH" \
		test "$(v ha .metrics.max_running_copies)" = 1
	check "ha: the copy count took samples over SSH" \
		test "$(v ha .metrics.copy_samples)" -ge 5
	check "ha: samples with a host unknown are counted, not 0 copies" \
		test "$(v ha .metrics.copy_samples_unknown)" -ge 1
fi
check "the run exits 0" test $rc -eq 0

# 4. What the provider did, in the remote lab's events.
ev=$RS/events.jsonl
evc() { jq -r "select(.provider == \"remote\") | .action" "$ev" 2>/dev/null | grep -cx "$1"; }
echo "     events: $(jq -r 'select(.provider == "remote") | .action' "$ev" | sort | uniq -c | tr -s ' \n' ' ')"
check "host-side unplug and plug over SSH in the events" \
	test "$(evc 'host-side unplug')" -ge 1 -a "$(evc 'host-side plug')" -ge 1
check "hvd's files put over SSH" test "$(evc 'ssh put')" -ge 3
check "commands over SSH" test "$(evc 'ssh exec')" -ge 3
if [ -z "${HA_SKIP:-}" ]; then
	check "power off and on through Redfish in the events" \
		test "$(evc 'redfish power-off')" = 1 -a "$(evc 'redfish power-on')" = 1
	check "the copy scan asked the hosts over SSH" \
		test "$(jq -r 'select(.action == "ssh exec") | .detail' "$ev" |
		grep -c 'hvlab\[\.\]name=')" -ge 3
	check "the BMC acted on the embedded host (source bmc)" \
		grep -q '"event":"power-pull","args":"[a-z0-9]*","source":"bmc"' "$ES/events.jsonl"
fi

# 5. A cable through the switch's command, and lab down plugs it back.
"$HVLAB" inject nic-unplug host2 eth1 --lab "$R" >/dev/null &&
	ok "inject nic-unplug host2 eth1 (switch command)" ||
	bad "inject nic-unplug host2 eth1 (switch command)"
check "the switch command is in the events" test "$(evc 'switch-port down')" = 1
carrier() { "$HVLAB" lab status --lab "$E" --json |
	jq -r '.hosts[] | select(.name == "host2") | .nics[1].switch_port_carrier'; }
check "the switch's port toward host2 eth1 is down" test "$(carrier)" = false
"$HVLAB" lab down --lab "$R" && ok "remote lab down" || bad "remote lab down"
check "remote lab down plugged the cable back" test "$(carrier)" = true
check "no state of the remote lab left" test ! -e "$RS"
"$HVLAB" lab down --lab "$E" >/dev/null && ok "embedded lab down" || bad "embedded lab down"
check "no namespace of the embedded lab left" sh -c "! ip netns list | grep -q '^$E-'"
check "no state of the embedded lab left" test ! -e "$ES"
re=$(echo "$ES" | sed 's|/\([^/]\)\([^/]*\)$|/[\1]\2|')
check "no process of the labs left (sshd included)" sh -c "! grep -lsa '$re' /proc/[0-9]*/cmdline"

[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo PASS
