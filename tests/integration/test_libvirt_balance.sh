#!/bin/sh
# The libvirt platform's load balancing (scenarios/drivers/
# libvirt_balance.c) against Pacemaker's own scheduler: crm_simulate on
# a CIB file, the driver's CIB text (build/lvbalcib prints what
# balance_set sends) applied with cibadmin as the driver does.  Three
# VMs as resources that may migrate, each asking what VirtualDomain's
# autoset_utilization_* sets for a 1-vCPU 128 MiB guest (cpu=1,
# hv_memory=128, host_memory=128), all running on host1 of three
# 2-CPU hosts:
#  1. the HA settings alone (placement-strategy default, stickiness 1)
#     move nothing;
#  2. placement-strategy=balanced with the nodes' utilization but the HA
#     stickiness still 1 moves only what overflows host1's 2 CPUs: one
#     VM, host3 left idle (why balance_set sets stickiness 0);
#  3. the driver's text: exactly two live migrations, one to host2 and
#     one to host3, nothing stopped or restarted;
#  4. once balanced nothing moves; nor does a balanced cluster whose VMs
#     sit in another order (no shuffling back to the first host);
#  5. off (the driver's text and its utilization deletes): nothing moves
#     and no utilization set of the driver's is left.
# Fencing is off in these CIBs: the scheduler refuses to start anything
# with stonith-enabled and no devices, and no node fails here.  The live
# migrations themselves, on real VMs, are the load-balancing row's
# (docs/platforms/libvirt.md "Load balancing").
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
. "$top/tests/integration/lib_check.sh"
need_cmds crm_simulate cibadmin python3
make --no-print-directory -s build/lvbalcib >/dev/null || { echo "cannot build build/lvbalcib"; exit 1; }
TMP=$(mktemp -d /tmp/hvlab-lvbal-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
# crm_simulate's temporary shadow CIBs go here, not to /var/lib/pacemaker
export CIB_shadow_dir="$TMP"
NODES="host1:1:2:7936 host2:2:2:7936 host3:3:2:7936"

# cib.xml: the three nodes and VMs, the HA code's stickiness
cib() {
	python3 - <<'PY'
vm = ('<primitive id="{0}" class="ocf" provider="pacemaker" type="Dummy">'
      '<meta_attributes id="{0}-meta"><nvpair id="{0}-allow-migrate" '
      'name="allow-migrate" value="true"/></meta_attributes>'
      '<utilization id="{0}-utilization">'
      '<nvpair id="{0}-u-cpu" name="cpu" value="1"/>'
      '<nvpair id="{0}-u-hv" name="hv_memory" value="128"/>'
      '<nvpair id="{0}-u-host" name="host_memory" value="128"/>'
      '</utilization></primitive>')
print('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" '
      'epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">'
      '<configuration><crm_config><cluster_property_set '
      'id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-'
      'stonith-enabled" name="stonith-enabled" value="false"/>'
      '</cluster_property_set></crm_config><nodes>'
      + ''.join('<node id="%d" uname="host%d"/>' % (i, i) for i in (1, 2, 3))
      + '</nodes><resources>' + ''.join(vm.format('vm%d' % i) for i in (1, 2, 3))
      + '</resources><constraints/><rsc_defaults><meta_attributes '
      'id="rsc-options"><nvpair id="rsc-options-resource-stickiness" '
      'name="resource-stickiness" value="1"/></meta_attributes>'
      '</rsc_defaults></configuration><status/></cib>')
PY
}
# place FILE VM@HOST...: the VMs found running there (probes answer
# "running" on that host, "not running" elsewhere), settled into FILE
place() {
	f=$1; shift
	cib >"$f.in"
	set -- "$@"
	inj="-u host1 -u host2 -u host3"
	for vh in "$@"; do
		v=${vh%@*}; h=${vh#*@}
		for n in host1 host2 host3; do
			[ "$n" = "$h" ] && rc=0 || rc=7
			inj="$inj -i ${v}_monitor_0@$n=$rc"
		done
	done
	# shellcheck disable=SC2086
	crm_simulate -x "$f.in" -S -O "$f" $inj >/dev/null 2>&1
}
# apply FILE XML: one cibadmin --modify, as balance_set sends it
apply() { CIB_file=$1 cibadmin --modify --allow-create --scope configuration --xml-text "$2"; }
# plan FILE [OUT]: the scheduler's transition summary lines (and the
# CIB after running it into OUT)
plan() {
	if [ $# -gt 1 ]; then set -- -x "$1" -S -O "$2"; else set -- -x "$1" -S; fi
	crm_simulate "$@" 2>/dev/null |
	    sed -n '/^Transition Summary:/,/^Executing/p' | grep '^ *\* ' || true
}
# where FILE: "vm1@hostN vm2@hostN vm3@hostN"
where() {
	crm_simulate -x "$1" 2>/dev/null | awk '$1 == "*" && $2 ~ /^vm[0-9]$/ &&
	    /Started/ { print $2 "@" $NF }' | sort | tr '\n' ' ' | sed 's/ $//'
}
on_xml=$(./build/lvbalcib on $NODES) || { bad "lvbalcib on"; exit 1; }
off_xml=$(./build/lvbalcib off $NODES) || { bad "lvbalcib off"; exit 1; }

# 1. three VMs on host1 under the HA settings
place "$TMP/ha.xml" vm1@host1 vm2@host1 vm3@host1
w=$(where "$TMP/ha.xml")
check "the three VMs run on host1 ($w)" test "$w" = "vm1@host1 vm2@host1 vm3@host1"
p=$(plan "$TMP/ha.xml")
check "the HA settings alone move nothing (${p:-no actions})" test -z "$p"

# 2. balanced with the HA stickiness: the node's score outranks capacity
cp "$TMP/ha.xml" "$TMP/sticky.xml"
apply "$TMP/sticky.xml" "$(echo "$on_xml" | sed 's/name="resource-stickiness" value="0"/name="resource-stickiness" value="1"/')"
p=$(plan "$TMP/sticky.xml")
mig=$(echo "$p" | grep -c '^ *\* Migrate ')
check "balanced with stickiness 1 moves only the VM host1 has no room for ($mig: $p)" \
    sh -c "test $mig -eq 1 && ! echo '$p' | grep -q host3"

# 3. the driver's text
cp "$TMP/ha.xml" "$TMP/bal.xml"
check "cibadmin takes the driver's balanced configuration" apply "$TMP/bal.xml" "$on_xml"
p=$(plan "$TMP/bal.xml" "$TMP/bal2.xml")
echo "$p" | sed 's/^/     /'
mig=$(echo "$p" | grep -c '^ *\* Migrate ')
to=$(echo "$p" | sed -n 's/.*Migrate .*-> \(host[0-9]\) ).*/\1/p' | sort | tr '\n' ' ')
other=$(echo "$p" | grep -vc '^ *\* Migrate ')
check "two live migrations ($mig), one to host2 and one to host3 ($to)" \
    test "$mig" -eq 2 -a "$to" = "host2 host3 "
check "nothing stopped, started or restarted besides ($other other actions)" test "$other" -eq 0
w=$(where "$TMP/bal2.xml")
hosts=$(echo "$w" | tr ' ' '\n' | sed 's/.*@//' | sort | tr '\n' ' ')
check "one VM on each host after it ($w)" test "$hosts" = "host1 host2 host3 "

# 4. a balanced cluster stays put, in any order
p=$(plan "$TMP/bal2.xml")
check "once balanced nothing moves (${p:-no actions})" test -z "$p"
place "$TMP/perm.xml" vm1@host3 vm2@host1 vm3@host2
apply "$TMP/perm.xml" "$on_xml"
p=$(plan "$TMP/perm.xml")
check "VMs balanced in another order stay where they are (${p:-no actions})" test -z "$p"

# 5. off again, from the balanced cluster
cp "$TMP/bal2.xml" "$TMP/off.xml"
check "cibadmin takes the driver's off configuration" apply "$TMP/off.xml" "$off_xml"
for h in host1 host2 host3; do
	CIB_file="$TMP/off.xml" cibadmin --delete --scope nodes \
	    --xml-text "<utilization id=\"hvlab-util-$h\"/>" >/dev/null 2>&1
done
p=$(plan "$TMP/off.xml")
check "off moves nothing back (${p:-no actions})" test -z "$p"
check "no utilization set of the driver's is left" sh -c "! grep -q hvlab-util '$TMP/off.xml'"
check "placement-strategy is default again" grep -q 'name="placement-strategy" value="default"' "$TMP/off.xml"

[ "$fails" -eq 0 ]
