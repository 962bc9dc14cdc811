#!/bin/sh
# The embedded lab with real OVS and tgtd: a bad topology creates nothing;
# `lab up` of 3 hosts x 2 NICs + switch + SAN + station; every host reaches
# every other host and the SAN portal; every host sees the same iSCSI LUN
# (written from one, read back from the others); power-pull leaves no
# process of the host and its switch ports without carrier; power-on brings
# it back with its disk; unplugging either NIC of an active-backup bond
# keeps the host reachable; storage-down/up and partition/heal cut and
# restore; every inject is recorded; `lab down` leaves nothing behind.
set -u
top=${HVLAB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
HVLAB=${HVLAB:-$top/bin/hvlab}
LAB=t3a
STATE=${HVLAB_STATE_DIR:-/var/lib/hvlab/labs}/$LAB

[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
[ -x "$HVLAB" ] || { echo "no $HVLAB (make first)"; exit 77; }
# Run a private copy: other builds may relink bin/ while the test runs.
BIN=$(mktemp -d /tmp/t3a-bin.XXXXXX)
cp "$HVLAB" "$BIN/hvlab" && cp "$(dirname "$HVLAB")/hvlab-init" "$BIN/" &&
    cp "$(dirname "$HVLAB")/hvlab-bmc" "$BIN/" || exit 1
HVLAB=$BIN/hvlab
. "$top/tests/integration/lib_check.sh"
need_cmds ovs-vswitchd ovsdb-server tgtd tgtadm qemu-img qemu-io busybox

cleanup() { "$HVLAB" lab down --lab $LAB >/dev/null 2>&1; rm -rf "$BIN"; }
trap cleanup EXIT INT TERM

lab_ns() { ls /run/netns 2>/dev/null | grep "^$LAB-" ; }
x() { h=$1; shift; "$HVLAB" lab exec "$h" --lab $LAB -- "$@"; }
ping1() { x "$1" busybox ping -c 1 -W 2 -q "$2"; }
# Reachable within a few tries (LACP and MAC learning settle).
reach() { i=0; while [ $i -lt 10 ]; do ping1 "$1" "$2" >/dev/null 2>&1 && return 0; i=$((i + 1)); done; return 1; }
# Pids whose network namespace is netns $1.
pids_in() {
	ino=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" = "$ino" ] && echo "${p#/proc/}"
	done
}
# A process that runs (a zombie waiting for the machine's init does not).
running() { st=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -c1); [ -n "$st" ] && [ "$st" != Z ]; }
col() { "$HVLAB" lab status --lab $LAB | awk -v h="$1" -v c="$2" '$1 == h { print $c }'; }

"$HVLAB" lab down --lab $LAB >/dev/null 2>&1

# 1. A bad topology fails with FILE:LINE and creates nothing.
out=$("$HVLAB" lab up -f tests/config/fail-lab-unknown-key.yaml --lab $LAB 2>&1)
rc=$?
[ $rc -ne 0 ] && ok "a bad topology is refused" || bad "a bad topology is refused"
echo "$out" | grep -q "fail-lab-unknown-key.yaml:6: unknown key 'nic'" &&
	ok "the error names file:line" || bad "the error names file:line: $out"
[ -z "$(lab_ns)" ] && [ ! -e "$STATE" ] && ok "a refused lab creates nothing" ||
	bad "a refused lab creates nothing"
check "lab check prints configuration OK" sh -c "\"$HVLAB\" lab check -f scenarios.yaml | grep -qx 'configuration OK'"

# 2. Up, with a descriptor of ours open (as flock(1) leaves its lock to
# the command it runs): the lab's nodes outlive the command and must not
# keep it, or the next `flock ... lab up` waits for `lab down`.
start=$(date +%s)
FDFILE=$(mktemp /tmp/t3a-fd.XXXXXX)
exec 9>"$FDFILE"
if ! "$HVLAB" lab up -f scenarios.yaml --lab $LAB; then
	bad "lab up"; exit 1
fi
exec 9>&-
ok "lab up ($(( $(date +%s) - start )) s)"
holders=$(for p in /proc/[0-9]*; do
	ls -l "$p/fd" 2>/dev/null | grep -q " $FDFILE\$" && echo "${p#/proc/}"
done)
rm -f "$FDFILE"
[ -z "$holders" ] && ok "no process of the lab holds the caller's descriptor" ||
	bad "processes $holders of the lab hold the caller's descriptor"
"$HVLAB" lab status --lab $LAB
hosts="host1 host2 host3"
portal=$("$HVLAB" lab status --lab $LAB --json | sed -n 's/.*"portal":[[:space:]]*"\([0-9.]*\)".*/\1/p')
iqn=$("$HVLAB" lab status --lab $LAB --json | sed -n 's/.*"iqn":[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$portal" ] && [ -n "$iqn" ] && ok "status --json shows the portal $portal $iqn" ||
	bad "status --json shows the portal"
n=$("$HVLAB" lab status --lab $LAB --json | grep -c '"online":[[:space:]]*true')
nl=$("$HVLAB" lab status --lab $LAB --json | grep -c '"online":')
[ "$nl" -ge 2 ] && [ "$n" -eq "$nl" ] && ok "status: tgtd serves every LUN ($n)" ||
	bad "status: tgtd serves every LUN ($n of $nl online)"
n=$("$HVLAB" lab status --lab $LAB --json | grep -c '"lacp_status":[[:space:]]*"negotiated"')
[ "$n" -eq 3 ] && ok "status: LACP negotiated on every host" || bad "status: LACP negotiated on every host ($n)"
for n in sw san st $hosts; do
	[ -e "/run/netns/$LAB-$n" ] || bad "namespace $LAB-$n exists"
done

# 3. Every host reaches every other host and the SAN portal.
for h in $hosts; do
	for o in $hosts; do
		[ $h = $o ] && continue
		check "$h reaches $o" reach $h "$(col $o 3)"
	done
	check "$h reaches the SAN portal" reach $h "$portal"
	check "$h's hostname is $h" sh -c "[ \"\$(\"$HVLAB\" lab exec $h --lab $LAB -- hostname)\" = $h ]"
done

# 4. The same LUN from every host: host1 writes a pattern, the others read it.
url="iscsi://$portal/$iqn/1"
check "qemu-img info $url from host1" sh -c "\"$HVLAB\" lab exec host1 --lab $LAB -- qemu-img info '$url' | grep -q 'virtual size: 4 GiB'"
check "host1 writes a pattern on LUN 1" x host1 qemu-io -f raw -c "write -P 0x5a 4096 4096" "$url"
for h in host2 host3; do
	check "qemu-img info from $h sees the LUN" sh -c "\"$HVLAB\" lab exec $h --lab $LAB -- qemu-img info '$url' | grep -q 'virtual size: 4 GiB'"
	check "$h reads host1's pattern from LUN 1" sh -c "\"$HVLAB\" lab exec $h --lab $LAB -- qemu-io -f raw -c 'read -P 0x5a 4096 4096' '$url' | grep -q 'read 4096/4096'"
done

# 5. Power pull: no process left, switch ports without carrier.
# A platform's installer: a kept directory, a file put, a service, and
# its commands found by name at the console.
check "lab dirs: host2 keeps /var/lib/plat" "$HVLAB" lab dirs host2 --lab $LAB --keep /var/lib/plat
x host2 sh -c 'echo survives > /var/lib/plat/marker'
check "lab dirs: host2 keeps /usr/local/sbin" "$HVLAB" lab dirs host2 --lab $LAB --keep /usr/local/sbin
printf '#!/bin/sh\nexec sleep 7777\n' | "$HVLAB" lab put host2 /usr/local/sbin/plat-svc --mode 755 --lab $LAB || bad "lab put plat-svc"
check "a program put in /usr/local/sbin runs by name at the console" sh -c "\"$HVLAB\" lab exec host2 --lab $LAB -- sh -c 'command -v plat-svc' | grep -qx /usr/local/sbin/plat-svc"
check "lab service: respawn plat-svc" "$HVLAB" lab service host2 --lab $LAB --kind respawn -- plat-svc
check "lab service: the same line again is a no-op" "$HVLAB" lab service host2 --lab $LAB --kind respawn -- plat-svc
[ "$(grep -c '^respawn plat-svc$' "$STATE/host2/disk/services")" = 1 ] && ok "the service is enabled once" || bad "the service is enabled once: $(cat "$STATE/host2/disk/services")"
out=$("$HVLAB" lab service host2 --lab $LAB -- sh -c 'sleep 1' 2>&1) && bad "a word with a blank is refused" ||
    { echo "$out" | grep -q "host2: service: word 'sleep 1'" && ok "a word with a blank is refused, naming host and word" || bad "the refusal names host and word: $out"; }
out=$("$HVLAB" lab service host9 --lab $LAB -- true 2>&1) && bad "an unknown host is refused" ||
    { echo "$out" | grep -q "host9" && ok "an unknown host is refused, named" || bad "the refusal names host9: $out"; }
x host2 sleep 600 &
sleep 0.5
before=$(pids_in $LAB-host2 | wc -l)
[ "$before" -ge 3 ] && ok "host2 runs its processes ($before)" || bad "host2 runs its processes ($before)"
"$HVLAB" inject power-pull host2 --lab $LAB || bad "inject power-pull"
wait
left=$(pids_in $LAB-host2)
[ -z "$left" ] && ok "power-pull leaves no process of host2" || bad "power-pull leaves no process of host2: $left"
for n in 0 1; do
	if ip -n $LAB-sw -o link show host2-eth$n | grep -q LOWER_UP; then
		bad "switch port host2-eth$n lost carrier"
	else
		ok "switch port host2-eth$n lost carrier"
	fi
done
[ "$(col host2 2)" = off ] && ok "status shows host2 off" || bad "status shows host2 off"
check "host1 no longer reaches host2" sh -c "! \"$HVLAB\" lab exec host1 --lab $LAB -- busybox ping -c 1 -W 1 $(col host2 3)"

# 6. Power on: back, with its disk, starting the platform's services.
check "inject power-on host2" "$HVLAB" inject power-on host2 --lab $LAB
check "host2's init started the service from its disk" sh -c "\"$HVLAB\" lab exec host2 --lab $LAB -- ps -o pid,args | grep -q '[s]leep 7777'"
spid=$(x host2 ps -o pid,args | awk '$2 == "sleep" && $3 == 7777 { print $1 }')
x host2 kill "$spid"
sleep 2
check "host2's init respawned the service" sh -c "\"$HVLAB\" lab exec host2 --lab $LAB -- ps -o pid,args | awk '\$2 == \"sleep\" && \$3 == 7777 && \$1 != $spid' | grep -q ."
check "host2 has its disk contents after power-on" sh -c "[ \"\$(\"$HVLAB\" lab exec host2 --lab $LAB -- cat /var/lib/plat/marker)\" = survives ]"
check "host1 reaches host2 again" reach host1 "$(col host2 3)"
check "switch port host2-eth0 has carrier again" sh -c "ip -n $LAB-sw -o link show host2-eth0 | grep -q LOWER_UP"

# 7. NIC unplug of either member of host1's active-backup bond.
h1=$(col host1 3)
for n in 0 1; do
	"$HVLAB" inject nic-unplug host1 eth$n --lab $LAB >/dev/null || bad "nic-unplug host1 eth$n"
	check "host1 stays reachable from the station with eth$n unplugged" reach st "$h1"
	check "host1 stays reachable from host3 with eth$n unplugged" reach host3 "$h1"
	"$HVLAB" inject nic-plug host1 eth$n --lab $LAB >/dev/null || bad "nic-plug host1 eth$n"
	# Both members back in the bond (LACP) before the next unplug.
	i=0
	while [ $i -lt 40 ] && [ "$(x host1 ovs-appctl bond/show bond0 | grep -c '^member eth[01]: enabled')" -ne 2 ]; do
		sleep 0.5; i=$((i + 1))
	done
	[ $i -lt 40 ] || bad "host1's bond takes eth$n back"
done

# 8. Storage down/up, partition/heal.
"$HVLAB" inject storage-down --lab $LAB >/dev/null
check "storage-down: host1 cannot reach the portal" sh -c "! \"$HVLAB\" lab exec host1 --lab $LAB -- busybox ping -c 1 -W 1 $portal"
"$HVLAB" inject storage-up --lab $LAB >/dev/null
check "storage-up: host1 reaches the portal" reach host1 "$portal"
"$HVLAB" inject partition host2 host3 --lab $LAB >/dev/null
check "partition: host1 cannot reach host3" sh -c "! \"$HVLAB\" lab exec host1 --lab $LAB -- busybox ping -c 1 -W 1 $(col host3 3)"
check "partition: the station cannot reach host2" sh -c "! \"$HVLAB\" lab exec st --lab $LAB -- busybox ping -c 1 -W 1 $(col host2 3)"
check "partition: host2 and host3 still reach each other" reach host2 "$(col host3 3)"
check "partition: host1 still reaches the portal" reach host1 "$portal"
"$HVLAB" inject heal --lab $LAB >/dev/null
check "heal: host1 reaches host3" reach host1 "$(col host3 3)"
n=$(grep -c '"mono_ns":[0-9]*,"wall_ns":[0-9]*' "$STATE/events.jsonl")
[ "$n" -eq 10 ] && ok "10 injects recorded in events.jsonl" || bad "10 injects recorded in events.jsonl ($n)"

# 9. Down leaves nothing.
inits=$(cat "$STATE"/*/init.pid)
"$HVLAB" lab down --lab $LAB || bad "lab down"
[ -z "$(lab_ns)" ] && ok "no namespace left" || bad "no namespace left: $(lab_ns)"
[ ! -e "$STATE" ] && ok "no state file left" || bad "no state file left"
alive=""
for p in $inits; do running $p && alive="$alive $p"; done
[ -z "$alive" ] && ok "no init left" || bad "no init left:$alive"
left=""
for p in /proc/[0-9]*; do
	{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "$STATE/" && left="$left ${p#/proc/}"
done
[ -z "$left" ] && ok "no process of the lab left" || bad "no process of the lab left:$left"
ip -o link | grep -q "$LAB" && bad "no veth left in the machine's namespace" ||
	ok "no veth left in the machine's namespace"
trap - EXIT INT TERM
rm -rf "$BIN"
[ $fails -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "all checks passed"
