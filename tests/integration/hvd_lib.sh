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

HVD_TOP=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
HVD_P=hvt-hvd-$$
HVD_NET=198.18.252
HVD_N=0
HVD_TMP=

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
	sleep 1
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
	i=1
	while [ "$i" -le "$HVD_N" ]; do
		ip netns del "$(hvd_ns $i)" 2>/dev/null
		i=$((i + 1))
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
EOC
		i=$((i + 1))
	done
}

hvd_start() {
	ip netns exec "$(hvd_ns $1)" "${HVD_BIN:-$HVD_TOP/bin/hvd}" \
	    -c "$HVD_TMP/n$1/hvd.conf" >>"$HVD_TMP/n$1/hvd.log" 2>&1 &
	echo $! >"$HVD_TMP/n$1/hvd.pid"
	# Wait for the unix socket.
	t=0
	while [ ! -S "$HVD_TMP/n$1/run/hvd.sock" ] && [ "$t" -lt 50 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	[ -S "$HVD_TMP/n$1/run/hvd.sock" ]
}

hvd_kill() {
	kill "-${2:-TERM}" "$(cat "$HVD_TMP/n$1/hvd.pid")"
}

hvctl_on() {
	n=$1
	shift
	ip netns exec "$(hvd_ns $n)" "$HVD_TOP/bin/hvctl" \
	    -s "$HVD_TMP/n$n/run/hvd.sock" "$@"
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
