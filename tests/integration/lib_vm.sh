# lib_vm.sh - a two-host lab for the VM layer's integration tests and the
# migration benchmark (sourced, POSIX sh).
#
# Builds, all under the prefix hvt-vm-$$ and 198.18.253.0/24:
#   host A, host B   network namespaces, each with its own Open vSwitch
#                    (ovsdb-server + ovs-vswitchd, datapath_type=netdev,
#                    run/db/log dirs under $VT/ovsA|ovsB) and bridge br0
#   trunk            veth A<->B, a trunk port on both bridges
#   station          namespace on an access port (VLAN 10) of A's bridge,
#                    198.18.253.1/24, where pings come from
#   mgmt             veth A<->B, 198.18.253.241/30 - .242/30, for the
#                    migration stream
# vm_lab_down kills every process it started by pid (QEMUs from their pid
# files, OVS daemons from theirs) and deletes the namespaces and $VT.
#
# Needs: root, ip, ovs-vsctl/ovsdb-server/ovs-vswitchd, qemu, build/guest.

VT_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VT_ID=$$
VT_NAME=hvt-vm-$VT_ID
VT=/tmp/$VT_NAME
VT_NSA=$VT_NAME-a
VT_NSB=$VT_NAME-b
VT_NSS=$VT_NAME-s
VT_VMTOOL=$VT_TOP/build/vmtool
VT_PINGGAP=$VT_TOP/build/pinggap
VT_VM_IP=198.18.253.10
VT_STATION_IP=198.18.253.1
VT_MGMT_A=198.18.253.241
VT_MGMT_B=198.18.253.242

vt_log() { echo "[$(date +%H:%M:%S)] $*"; }
vt_die() { echo "FAIL: $*"; exit 1; }

vt_skip_unless_ready() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
	for c in ip ovs-vsctl ovsdb-server ovs-vswitchd ovsdb-tool \
	    qemu-system-x86_64 qemu-img; do
		command -v "$c" >/dev/null 2>&1 || { echo "$c missing"; exit 77; }
	done
	[ -f "$VT_TOP/build/guest/vmlinux" ] && \
	    [ -f "$VT_TOP/build/guest/initrd.img" ] || \
	    { echo "guest image missing (make guest)"; exit 77; }
	make -s -C "$VT_TOP" build/vmtool build/pinggap >/dev/null || \
	    vt_die "cannot build build/vmtool"
}

# vt_ovs_start HOST(A|B) NETNS
vt_ovs_start() {
	d=$VT/ovs$1
	mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema \
	    >/dev/null || return 1
	ip netns exec "$2" env OVS_RUNDIR="$d" OVS_DBDIR="$d" OVS_LOGDIR="$d" \
	    ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
	    --pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
	    --log-file="$d/ovsdb-server.log" --detach || return 1
	ovs-vsctl --db="unix:$d/db.sock" --no-wait init || return 1
	ip netns exec "$2" env OVS_RUNDIR="$d" OVS_DBDIR="$d" OVS_LOGDIR="$d" \
	    ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
	    --unixctl="$d/ovs-vswitchd.ctl" --log-file="$d/ovs-vswitchd.log" \
	    --detach || return 1
	ovs-vsctl --db="unix:$d/db.sock" --timeout=20 add-br br0 -- \
	    set bridge br0 datapath_type=netdev || return 1
	ip netns exec "$2" ip link set br0 up
}

vt_vsctl() { h=$1; shift; ovs-vsctl --db="unix:$VT/ovs$h/db.sock" --timeout=20 "$@"; }

vm_lab_up() {
	mkdir -p "$VT" || return 1
	trap vm_lab_down EXIT
	trap 'exit 1' INT TERM HUP
	for ns in "$VT_NSA" "$VT_NSB" "$VT_NSS"; do
		ip netns add "$ns" || return 1
		ip netns exec "$ns" ip link set lo up
	done
	vt_ovs_start A "$VT_NSA" || return 1
	vt_ovs_start B "$VT_NSB" || return 1
	p=$VT_ID
	# trunk A <-> B
	ip link add "hvt${p}ta" netns "$VT_NSA" type veth peer \
	    name "hvt${p}tb" netns "$VT_NSB" || return 1
	ip netns exec "$VT_NSA" ip link set "hvt${p}ta" up
	ip netns exec "$VT_NSB" ip link set "hvt${p}tb" up
	vt_vsctl A add-port br0 "hvt${p}ta" || return 1
	vt_vsctl B add-port br0 "hvt${p}tb" || return 1
	# station on VLAN 10 of host A
	ip link add "hvt${p}s" netns "$VT_NSS" type veth peer \
	    name "hvt${p}sa" netns "$VT_NSA" || return 1
	ip netns exec "$VT_NSS" ip addr add "$VT_STATION_IP/24" dev "hvt${p}s"
	ip netns exec "$VT_NSS" ip link set "hvt${p}s" up
	# TCP from the station to a guest (the agent): docs/lab.md "vnet_hdr"
	ip netns exec "$VT_NSS" "$VT_VMTOOL" txcsum-off "hvt${p}s" || return 1
	ip netns exec "$VT_NSA" ip link set "hvt${p}sa" up
	vt_vsctl A add-port br0 "hvt${p}sa" tag=10 || return 1
	# management link for the migration stream
	ip link add "hvt${p}ma" netns "$VT_NSA" type veth peer \
	    name "hvt${p}mb" netns "$VT_NSB" || return 1
	ip netns exec "$VT_NSA" ip addr add "$VT_MGMT_A/30" dev "hvt${p}ma"
	ip netns exec "$VT_NSB" ip addr add "$VT_MGMT_B/30" dev "hvt${p}mb"
	ip netns exec "$VT_NSA" ip link set "hvt${p}ma" up
	ip netns exec "$VT_NSB" ip link set "hvt${p}mb" up
	mkdir -p "$VT/runA" "$VT/runB" "$VT/shared"
}

vm_lab_down() {
	set +e
	for r in "$VT"/runA/*/qemu.pid "$VT"/runB/*/qemu.pid; do
		[ -f "$r" ] || continue
		pid=$(cat "$r" 2>/dev/null)
		[ -n "$pid" ] && grep -q "$VT" "/proc/$pid/cmdline" 2>/dev/null \
		    && kill -9 "$pid" 2>/dev/null
	done
	[ -n "${VT_BG_PIDS:-}" ] && kill $VT_BG_PIDS 2>/dev/null
	for h in A B; do
		for d in ovs-vswitchd ovsdb-server; do
			f=$VT/ovs$h/$d.pid
			[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		done
	done
	sleep 0.3
	for ns in "$VT_NSA" "$VT_NSB" "$VT_NSS"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${VT_KEEP:-}" ]; then
		echo "kept $VT"
	else
		rm -rf "$VT"
	fi
}

# vt_vm_config FILE NAME [DISK_PATH]: a guest on VLAN 10 at $VT_VM_IP
vt_vm_config() {
	disks='[]'
	[ -n "${3:-}" ] && disks="[{\"pool\":\"shared\",\"volume\":\"$2-disk0\",\"format\":\"qcow2\",\"cache\":\"none\",\"path\":\"$3\"}]"
	cat >"$1" <<EOF
{"name":"$2","vcpus":1,"memory_mib":128,
 "kernel":"$VT_TOP/build/guest/vmlinux",
 "initrd":"$VT_TOP/build/guest/initrd.img",
 "cmdline":"console=ttyS0 quiet panic=-1 hvlab.name=$2 hvlab.ip=$VT_VM_IP/24",
 "disks":$disks,
 "nics":[{"vlan":10}]}
EOF
}

# vt_vmtool A|B ARGS...: vmtool in that host's namespace, with its bridge
vt_vmtool() {
	h=$1; shift
	eval ns=\$VT_NS$h
	# migrate: the target's taps are raised from its namespace
	dns=
	case "$*" in
	*"$VT/runA "*) dns=$VT_NSA ;;
	*"$VT/runB "*) dns=$VT_NSB ;;
	esac
	VMTOOL_DST_NETNS=$dns ip netns exec "$ns" "$VT_VMTOOL" -r "$VT/run$h" \
	    -b br0 -d "$VT/ovs$h/db.sock" "$@"
}

# vt_wait_ready A|B NAME [TIMEOUT_S]: the guest's READY line on its console;
# when QEMU ends first, at once, with QEMU's and the console's last lines.
vt_wait_ready() {
	t=${3:-90}
	i=0
	d=$VT/run$1/$2
	while [ $i -lt $((t * 5)) ]; do
		grep -q "HVLAB-GUEST READY" "$d/serial.log" 2>/dev/null \
		    && return 0
		p=$(cat "$d/qemu.pid" 2>/dev/null)
		if [ $i -gt 10 ] && ! { [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }; then
			echo "QEMU of $2 ended before the READY line:"
			tail -n 3 "$d/qemu.log" 2>/dev/null | sed 's/^/  qemu: /'
			tail -n 3 "$d/serial.log" 2>/dev/null | sed 's/^/  console: /'
			return 1
		fi
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# vt_ping_ok [SECONDS]: some echo replies from the VM at the station
vt_ping_ok() {
	out=$(ip netns exec "$VT_NSS" "$VT_PINGGAP" -i 100000 -w "${1:-2}" \
	    "$VT_VM_IP")
	echo "ping: $out"
	case "$out" in
	*'"received":0,'*) return 1 ;;
	*'"received":'*) return 0 ;;
	esac
	return 1
}
