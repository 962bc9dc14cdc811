# lib_ha.sh - helpers for the HA tests and benchmark on the embedded lab
# (sourced; needs H, LAB, LABDIR, TMP, VM and on()).
HA_HOSTS="host1 host2 host3"

# hvd_install NODE ADDRESS [ROLE]: install hvd on a lab node through the
# lab's host verbs only (what the ref driver does, without copying the
# programs: they run from $HVD_DIR, default $top/bin; the guest image is
# booted from $top/build/guest, an image directory), enable it at every
# power-on and start it now
hvd_install() {
	"$H" lab dirs "$1" --lab "$LAB" --keep /etc/hvd --keep /var/lib/hvd || return 1
	printf 'node = %s\naddress = %s\novs_bridge = br0\nrole = %s\nlog_file = /var/log/hvd.log\naccel = %s\nimage_dirs = /var/lib/hvd/images %s\n' \
	    "$1" "$2" "${3:-node}" "${HVLAB_ACCEL:-auto}" "$top/build/guest" |
	    "$H" lab put "$1" /etc/hvd/hvd.conf --lab "$LAB" || return 1
	"$H" lab service "$1" --lab "$LAB" -- "${HVD_DIR:-$top/bin}/hvd" -c /etc/hvd/hvd.conf || return 1
	"$H" lab exec "$1" --lab "$LAB" -- sh -c "setsid ${HVD_DIR:-$top/bin}/hvd -c /etc/hvd/hvd.conf </dev/null >/dev/null 2>&1 &"
}
# hvd_wait NODE...: until each node's hvd socket exists (30 s each)
hvd_wait() {
	for hw_n in "$@"; do
		hw_t=0
		while ! "$H" lab exec "$hw_n" --lab "$LAB" -- test -S /run/hvd/hvd.sock; do
			hw_t=$((hw_t + 1)); [ $hw_t -lt 150 ] || { echo "hvd on $hw_n: no socket in 30 s"; return 1; }
			sleep 0.2
		done
	done
}

# ha_where: the host $VM runs on, asked of the first host that answers
ha_where() {
	for hw_h in ${HA_ASK:-$HA_HOSTS}; do
		hw_o=$(timeout 10 "$H" lab exec "$hw_h" --lab "$LAB" -- "$top/bin/hvctl" -s /run/hvd/hvd.sock vm status "$VM" 2>/dev/null) || continue
		case "$hw_o" in *"running on "*) echo "${hw_o##* }" ;; esac
		return
	done
}
# ha_wait_on NOT TIMEOUT_S [ASK...]: until $VM runs on a host other than NOT
ha_wait_on() {
	hw_not=$1; hw_t=$(($2 * 2)); shift 2
	HA_ASK="$*"
	while :; do
		hw_w=$(ha_where)
		[ -n "$hw_w" ] && [ "$hw_w" != "$hw_not" ] && { HA_ASK=; return 0; }
		hw_t=$((hw_t - 1)); [ $hw_t -gt 0 ] || { HA_ASK=; return 1; }
		sleep 0.5
	done
}
# ha_copies_on HOST: $VM's running QEMUs in HOST's pid namespace (a QEMU
# counts once its pid is in its pid file, which QEMU writes itself as it
# starts)
ha_copies_on() {
	hc_n=0
	hc_i=$(cat "$LABDIR/$1/init.pid" 2>/dev/null) || { echo 0; return; }
	hc_ns=$(readlink /proc/$hc_i/ns/pid 2>/dev/null) || { echo 0; return; }
	for hc_p in $(grep -lsaE "/run/hvd/vm[s]/$VM/qmp[.]sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do
		[ "$(readlink /proc/$hc_p/ns/pid 2>/dev/null)" = "$hc_ns" ] || continue
		hc_in=$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' /proc/$hc_p/status 2>/dev/null)
		[ -n "$hc_in" ] && [ "$(cat /proc/$hc_p/root/run/hvd/vms/$VM/qemu.pid 2>/dev/null)" = "$hc_in" ] &&
		    hc_n=$((hc_n + 1))
	done
	echo $hc_n
}
ha_copies() {
	ha_n=0
	for ha_h in $HA_HOSTS; do ha_n=$((ha_n + $(ha_copies_on "$ha_h"))); done
	echo $ha_n
}
ha_sampler_start() {
	: >"$TMP/run"; echo 0 >"$TMP/max"
	(
		mx=0
		while [ -f "$TMP/run" ]; do
			c=$(ha_copies)
			[ "$c" -gt "$mx" ] && { mx=$c; echo $mx >"$TMP/max"; }
			sleep 0.1
		done
	) &
	SAMPLER=$!
}
ha_sampler_stop() { rm -f "$TMP/run"; wait "$SAMPLER" 2>/dev/null; SAMPLER=; cat "$TMP/max"; }
# ha_event_wall EVENT: wall time (s since the epoch) of the last EVENT
ha_event_wall() {
	grep "\"event\":\"$1\"" "$LABDIR/events.jsonl" | tail -n 1 |
	    sed -n 's/.*"wall_ns":\([0-9]*\).*/\1/p' | awk '{printf "%.3f\n", $1 / 1e9}'
}
# wall "2026-11-26T08:19:17.928Z" -> seconds since the epoch
ha_ts() { date -u -d "$(echo "$1" | sed 's/T/ /; s/Z$//')" +%s.%N; }
# ha_figures T0 LOSTHOST LABEL: detect_s, restart_s (claim), failover_s
# (QEMU running again) from the HA log of $VM after T0
ha_figures() {
	hf_log=$(for hf_h in $HA_HOSTS; do
		[ "$hf_h" = "$2" ] && continue
		on "$hf_h" ha status 2>/dev/null && break
	done)
	hf_exp=$(echo "$hf_log" | grep " lease-expired node=$2" | tail -n 1 | awk '{print $1}')
	hf_clm=$(echo "$hf_log" | grep " claimed " | tail -n 1 | awk '{print $1}')
	hf_run=$(echo "$hf_log" | grep " running " | tail -n 1 | awk '{print $1}')
	[ -n "$hf_exp" ] && [ -n "$hf_run" ] || { echo "$3: no HA log: $hf_log"; return 1; }
	hf_e=$(ha_ts "$hf_exp"); hf_c=$(ha_ts "$hf_clm"); hf_r=$(ha_ts "$hf_run")
	awk -v t0="$1" -v e="$hf_e" -v c="$hf_c" -v r="$hf_r" -v l="$3" 'BEGIN {
		printf "%s: detect_s=%.2f restart_s=%.2f failover_s=%.2f (boot_s=%.2f)\n",
		    l, e - t0, c - t0, r - t0, r - c }'
}
