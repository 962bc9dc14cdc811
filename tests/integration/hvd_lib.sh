# hvd_lib.sh - shared setup for hvd integration tests and benchmarks
# (sourced).  Builds a small private network: a "switch" namespace with a
# Linux bridge and N "node" namespaces, each with eth0 on 198.18.252.0/24,
# and runs one hvd per node namespace with its own config and state under
# a temp dir.  Everything carries the prefix hvt-hvd-PID; hvd_teardown
# (installed as an EXIT trap by hvd_setup) stops what was started, by pid.
#
#   hvd_setup N          namespaces, bridge, configs; starts no hvd
#   hvd_start I          start hvd on node I (records its pid)
#   hvd_kill I [SIG]     signal node I's hvd by pid
#   hvctl_on I ARGS...   run hvctl on node I through its unix socket
#   hvd_addr I           198.18.252.I
#   hvd_etcd I PATH JSON POST JSON to node I's etcd gateway with the
#                        node's certificate, as hvd does
#
# With HVD_OVS=1 every node also runs its own Open vSwitch (userspace
# datapath, bridge vmbr0, ovsdb under the node's dir) with a trunk port
# "tr" whose peer sits on a second Linux bridge (br1) in the switch
# namespace: tagged frames cross it untouched, so VLANs work between
# nodes.  hvd_station NAME NODE VLAN ADDR/NN hangs a station namespace on
# an access port of a node's bridge.

HVD_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HVD_P=hvt-hvd-$$
HVD_NET=198.18.252
HVD_N=0
HVD_TMP=
HVD_STATIONS=
HVD_SAN=
HVD_SAN_ADDR=198.18.252.100
HVD_IQN=iqn.2026-11.test.hvt:san

hvd_addr() { echo "$HVD_NET.$1"; }
hvd_ns() { echo "$HVD_P-n$1"; }

hvd_teardown() {
	set +e
	i=1
	while [ "$i" -le "$HVD_N" ]; do
		if [ -f "$HVD_TMP/n$i/hvd.pid" ]; then
			pid=$(cat "$HVD_TMP/n$i/hvd.pid")
			kill -TERM "$pid" 2>/dev/null
		fi
		i=$((i + 1))
	done
	# A clean stop (lease revoked, etcd stopped) takes a moment; give it
	# up to 10 s, then SIGKILL what is left.
	t=0
	while [ "$t" -lt 100 ]; do
		left=0
		for f in "$HVD_TMP"/n*/hvd.pid; do
			[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && left=1
		done
		[ "$left" -eq 0 ] && break
		sleep 0.1
		t=$((t + 1))
	done
	i=1
	while [ "$i" -le "$HVD_N" ]; do
		if [ -f "$HVD_TMP/n$i/hvd.pid" ]; then
			pid=$(cat "$HVD_TMP/n$i/hvd.pid")
			kill -KILL "$pid" 2>/dev/null
		fi
		i=$((i + 1))
	done
	# etcd members die with their hvd (PDEATHSIG); any left over (an
	# hvd killed while starting one) and the VMs' QEMUs (they outlive
	# hvd by design) are found by our unique temp dir in their argv.
	if [ -n "$HVD_TMP" ]; then
		for p in /proc/[0-9]*; do
			if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null |
			    grep -q -e "^[^ ]*etcd .*--data-dir $HVD_TMP/" \
			    -e "^[^ ]*qemu-system[^ ]* .*$HVD_TMP/"; then
				kill -KILL "${p#/proc/}" 2>/dev/null
			fi
		done
	fi
	for f in "$HVD_TMP"/n*/ovs/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	# tgtd ignores SIGTERM while it has targets.
	[ -f "$HVD_TMP/san/tgtd.pid" ] && kill -KILL "$(cat "$HVD_TMP/san/tgtd.pid")" 2>/dev/null
	sleep 0.3
	i=1
	while [ "$i" -le "$HVD_N" ]; do
		ip netns del "$(hvd_ns $i)" 2>/dev/null
		i=$((i + 1))
	done
	for ns in $HVD_STATIONS $HVD_SAN; do
		ip netns del "$ns" 2>/dev/null
	done
	ip netns del "$HVD_P-sw" 2>/dev/null
	if [ -n "$HVD_TMP" ] && [ -z "${HVD_KEEP:-}" ]; then
		rm -rf "$HVD_TMP"
	fi
}

hvd_setup() {
	HVD_N=$1
	[ "$(id -u)" -eq 0 ] || { echo "needs root (namespaces)"; exit 77; }
	command -v etcd >/dev/null || { echo "etcd is not installed"; exit 77; }
	if [ -n "${HVD_OVS:-}" ]; then
		for c in ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool; do
			command -v $c >/dev/null || { echo "$c missing"; exit 77; }
		done
	fi
	[ -x "$HVD_TOP/bin/hvd" ] || { echo "bin/hvd not built"; exit 77; }
	HVD_TMP=$(mktemp -d "/tmp/$HVD_P.XXXXXX") || exit 1
	trap hvd_teardown EXIT
	trap 'exit 1' INT TERM
	ip netns add "$HVD_P-sw" || exit 1
	ip -n "$HVD_P-sw" link add br0 type bridge || exit 1
	ip -n "$HVD_P-sw" link set br0 up
	i=1
	while [ "$i" -le "$HVD_N" ]; do
		ns=$(hvd_ns $i)
		ip netns add "$ns" || exit 1
		ip -n "$ns" link set lo up
		ip link add eth0 netns "$ns" type veth peer name "p$i" \
		    netns "$HVD_P-sw" || exit 1
		ip -n "$HVD_P-sw" link set "p$i" master br0 up
		ip -n "$ns" addr add "$(hvd_addr $i)/24" dev eth0
		ip -n "$ns" link set eth0 up
		mkdir -p "$HVD_TMP/n$i"
		cat >"$HVD_TMP/n$i/hvd.conf" <<EOC
# hvd test node $i
node = node$i
address = $(hvd_addr $i)
state_dir = $HVD_TMP/n$i/state
tls_dir = $HVD_TMP/n$i/tls
run_dir = $HVD_TMP/n$i/run
lease_ttl = ${HVD_LEASE_TTL:-4}
accel = ${HVLAB_ACCEL:-auto}
image_dirs = $HVD_TOP/build/guest $HVD_TMP/images
pool_dirs = $HVD_TMP/pools
# these nodes share the machine's pid namespace: a reset would reboot it
fence_reset = off
import_dirs = $HVD_TOP/build/guest $HVD_TMP/import
EOC
		if [ -n "${HVD_OVS:-}" ]; then
			hvd_ovs_start "$i" || { echo "OVS on node $i"; exit 1; }
			echo "ovs_db = $HVD_TMP/n$i/ovs/db.sock" \
			    >>"$HVD_TMP/n$i/hvd.conf"
		fi
		i=$((i + 1))
	done
}

# OVS for node I (HVD_OVS=1): vmbr0 (netdev datapath), trunk "tr" -> br1.
hvd_ovs_start() {
	d=$HVD_TMP/n$1/ovs ns=$(hvd_ns $1)
	mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema \
	    >/dev/null || return 1
	ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_DBDIR="$d" OVS_LOGDIR="$d" \
	    ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
	    --pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
	    --log-file="$d/ovsdb-server.log" --detach || return 1
	ovs-vsctl --db="unix:$d/db.sock" --no-wait init || return 1
	ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_DBDIR="$d" OVS_LOGDIR="$d" \
	    ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
	    --unixctl="$d/ovs-vswitchd.ctl" --log-file="$d/ovs-vswitchd.log" \
	    --detach || return 1
	ovs-vsctl --db="unix:$d/db.sock" --timeout=20 add-br vmbr0 -- \
	    set bridge vmbr0 datapath_type=netdev || return 1
	ip -n "$ns" link set vmbr0 up
	if ! ip -n "$HVD_P-sw" link show br1 >/dev/null 2>&1; then
		ip -n "$HVD_P-sw" link add br1 type bridge || return 1
		ip -n "$HVD_P-sw" link set br1 up
	fi
	ip link add tr netns "$ns" type veth peer name "t$1" \
	    netns "$HVD_P-sw" || return 1
	ip -n "$HVD_P-sw" link set "t$1" master br1 up
	ip -n "$ns" link set tr up
	ovs-vsctl --db="unix:$d/db.sock" --timeout=20 add-port vmbr0 tr
}

hvd_vsctl() { n=$1; shift; ovs-vsctl --db="unix:$HVD_TMP/n$n/ovs/db.sock" --timeout=20 "$@"; }

# hvd_station NAME NODE VLAN ADDR/NN: a namespace on an access port.
hvd_station() {
	ns=$HVD_P-$1
	ip netns add "$ns" || return 1
	HVD_STATIONS="$HVD_STATIONS $ns"
	ip -n "$ns" link set lo up
	ip link add eth0 netns "$ns" type veth peer name "s$1" \
	    netns "$(hvd_ns $2)" || return 1
	ip -n "$ns" addr add "$4" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$(hvd_ns $2)" link set "s$1" up
	hvd_vsctl "$2" add-port vmbr0 "s$1" tag="$3"
}

# hvd_san_start NLUNS SIZE: a SAN namespace on the management bridge at
# $HVD_SAN_ADDR running tgtd (in a private mount namespace, so its control
# socket never meets another tgtd) with NLUNS sparse file LUNs under target
# $HVD_IQN.
hvd_san_start() {
	HVD_SAN=$HVD_P-san
	d=$HVD_TMP/san
	mkdir -p "$d"
	ip netns add "$HVD_SAN" || return 1
	ip -n "$HVD_SAN" link set lo up
	ip link add eth0 netns "$HVD_SAN" type veth peer name psan \
	    netns "$HVD_P-sw" || return 1
	ip -n "$HVD_P-sw" link set psan master br0 up
	ip -n "$HVD_SAN" addr add "$HVD_SAN_ADDR/24" dev eth0
	ip -n "$HVD_SAN" link set eth0 up
	ip netns exec "$HVD_SAN" unshare -m --propagation private sh -c \
	    'mount -t tmpfs hvt-hvd-run /run && mkdir -p /run/tgtd && exec tgtd -f' \
	    >"$d/tgtd.log" 2>&1 &
	echo $! >"$d/tgtd.pid"
	t=0
	while ! hvd_tgtadm --mode target --op show >/dev/null 2>&1; do
		t=$((t + 1)); [ $t -lt 50 ] || return 1; sleep 0.1
	done
	hvd_tgtadm --mode target --op new --tid 1 -T "$HVD_IQN" || return 1
	l=1
	while [ "$l" -le "$1" ]; do
		truncate -s "$2" "$d/lun$l.img"
		hvd_tgtadm --mode logicalunit --op new --tid 1 --lun "$l" \
		    -b "$d/lun$l.img" || return 1
		l=$((l + 1))
	done
	hvd_tgtadm --mode target --op bind --tid 1 -I ALL
}

hvd_tgtadm() {
	nsenter -t "$(cat "$HVD_TMP/san/tgtd.pid")" -m -n tgtadm --lld iscsi "$@"
}

hvd_start() {
	# a killed hvd leaves its socket behind: wait for the new one
	rm -f "$HVD_TMP/n$1/run/hvd.sock"
	ip netns exec "$(hvd_ns $1)" "${HVD_BIN:-$HVD_TOP/bin/hvd}" \
	    -c "$HVD_TMP/n$1/hvd.conf" >>"$HVD_TMP/n$1/hvd.log" 2>&1 &
	echo $! >"$HVD_TMP/n$1/hvd.pid"
	# Wait for the unix socket.
	t=0
	while [ ! -S "$HVD_TMP/n$1/run/hvd.sock" ] && [ "$t" -lt 300 ] &&
	    kill -0 "$(cat "$HVD_TMP/n$1/hvd.pid")" 2>/dev/null; do
		sleep 0.1
		t=$((t + 1))
	done
	[ -S "$HVD_TMP/n$1/run/hvd.sock" ]
}

hvd_kill() {
	kill "-${2:-TERM}" "$(cat "$HVD_TMP/n$1/hvd.pid")"
}

hvd_etcd() {
	_t=$HVD_TMP/n$1/tls
	ip netns exec "$(hvd_ns $1)" curl -sf -m 10 --cacert "$_t/ca.pem" \
	    --cert "$_t/node.pem" --key "$_t/node.key" -X POST -d "$3" \
	    "https://127.0.0.1:2379$2"
}

hvctl_on() {
	n=$1
	shift
	ip netns exec "$(hvd_ns $n)" "$HVD_TOP/bin/hvctl" \
	    -s "$HVD_TMP/n$n/run/hvd.sock" "$@"
}

# hvd_vm_ended NODE VM: true, printing why, when VM's QEMU ended by itself
# (hvd keeps QEMU's last words in the VM's state: "stopped on N (...)").
hvd_vm_ended() {
	_o=$(hvctl_on "$1" vm status "$2" 2>/dev/null) || return 1
	case "$_o" in *": stopped on "*" ("*) echo "$_o"; return 0 ;; esac
	return 1
}

# hvd_api METHOD PATH [JSON]: the answer's body and status (curl on node
# 1's unix socket, so an error's "field" shows); fails unless 2xx.
hvd_api() {
	_b=$(ip netns exec "$(hvd_ns 1)" curl -s -m 60 -X "$1" ${3:+-d "$3"} \
	    --unix-socket "$HVD_TMP/n1/run/hvd.sock" -w ' %{http_code}' \
	    "http://hvd$2") || return 1
	echo "$_b"
	case "$_b" in *" 2"[0-9][0-9]) return 0 ;; esac
	return 1
}
# hvd_refused STATUS FIELD METHOD PATH [JSON]: the call fails with STATUS
# naming FIELD ("-": no field); the answer stays in $out.  Calls the
# test's fail().
hvd_refused() {
	st=$1 fld=$2
	shift 2
	out=$(hvd_api "$@") && fail "refused: $* (got: $out)"
	case "$out" in *" $st") ;; *) fail "$st expected for $*: $out" ;; esac
	[ "$fld" = - ] || echo "$out" | tr -d '\n\t ' | grep -qF "\"field\":\"$fld\"" ||
	    fail "the refusal of $* names '$fld': $out"
	echo "refused: $(echo "$out" | tr -d '\n\t')"
}

# json_field NAME: first string or number value of "NAME" in stdin.
json_field() {
	sed -n "s/.*\"$1\":[[:space:]]*\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" |
	    head -n 1
}

# Form a cluster of HVD_N nodes (all hvd started); sets HVD_TOKEN, HVD_FP.
hvd_form_cluster() {
	out=$(hvctl_on 1 --json cluster create "${1:-lab}") || return 1
	HVD_TOKEN=$(echo "$out" | json_field token)
	HVD_FP=$(echo "$out" | json_field fingerprint)
	[ -n "$HVD_TOKEN" ] && [ -n "$HVD_FP" ] || return 1
	i=2
	while [ "$i" -le "$HVD_N" ]; do
		hvctl_on "$i" cluster join "$(hvd_addr 1)" --token "$HVD_TOKEN" \
		    --fingerprint "$HVD_FP" || return 1
		i=$((i + 1))
	done
}
