#!/bin/sh
# test_hvd_clone: templates and clones through hvd (real etcd, QEMU and
# qemu-img) on a dir pool.  A VM with two disks becomes a template: start,
# config change, migration and a second template call are refused with
# 409 naming it a template.  A linked clone is a small qcow2 overlay on
# the template's file, has its own MAC and boots to the guest's READY
# line; writes in it stay in it.  A clone whose second volume cannot be
# made leaves neither its first volume nor a VM record.  A full clone of
# the stopped template has no backing file; a full clone of a running VM
# (QMP mirror) copies its disk while the source runs on, same pid; one
# whose mirror fails leaves no volume and the source running.
# On an iSCSI pool, a full clone that finds too few free LUNs frees the
# LUN it took, and a linked clone is a qcow2 on a LUN overlaying the
# template's LUN; it boots and its writes leave the template's LUN as it
# was.  Deleting the template, or its base volume, is refused while
# linked clones exist (the answer lists them).  The template's images have the
# same sha256 at the end as when it became a template.
. "$(dirname "$0")/hvd_lib.sh"

fail() { echo "FAIL: $*"; for f in "$HVD_TMP"/n*/hvd.log; do echo "== $f"; tail -n 25 "$f"; done; exit 1; }
G=$HVD_TOP/build/guest
[ -f "$G/vmlinux" ] && [ -f "$G/initrd.img" ] || { echo "guest image not built (make guest)"; exit 77; }
for c in qemu-system-x86_64 qemu-img qemu-io sha256sum; do
	command -v $c >/dev/null || { echo "$c missing"; exit 77; }
done

# refused CODE WHAT... -- CMD...: CMD fails with CODE and names every WHAT.
refused() {
	code=$1; shift
	whats=
	while [ "$1" != -- ]; do whats="$whats|$1"; shift; done
	shift
	out=$("$@" 2>&1) && fail "refused: $* (got: $out)"
	echo "$out" | grep -q "$code" || fail "$code expected for $*: $out"
	echo "refused: $out"
	IFS='|'
	for w in $whats; do
		[ -n "$w" ] || continue
		echo "$out" | grep -qF -- "$w" || { unset IFS; fail "the refusal names '$w': $out"; }
	done
	unset IFS
}

# wait_ready VM: the guest's READY line on the VM's console (90 s).
wait_ready() {
	t=0
	while ! grep -q "HVLAB-GUEST READY" "$HVD_TMP/n1/run/vms/$1/serial.log" 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 450 ] || fail "$1 shows no READY line: $(tail -n 3 "$HVD_TMP/n1/run/vms/$1/serial.log" 2>&1)"
		sleep 0.2
	done
}

# pattern FILE BYTE OFFSET: FILE (qcow2, through its backing chain) reads
# BYTE over 64 KiB at OFFSET.
pattern() {
	qemu-io -r -f qcow2 -c "read -P $2 $3 64k" "$1" | grep -q "read 65536"
}

HVD_OVS=1	# the clones have NICs: taps on the node's OVS bridge
hvd_setup 1
hvd_start 1 || fail "hvd did not start"
hvd_form_cluster clonelab || fail "cluster did not form"
P=$HVD_TMP/pools/local
mkdir -p "$P" || exit 1
hvctl_on 1 pool create local --type dir --path "$P" || fail "dir pool"
hvctl_on 1 pool volume-create local base --size-mib 64 >/dev/null || fail "volume base"
hvctl_on 1 pool volume-create local base2 --size-mib 16 >/dev/null || fail "volume base2"
qemu-io -f qcow2 -c "write -P 0xa5 1M 64k" "$P/base.qcow2" >/dev/null || fail "pattern into base"

cat >"$HVD_TMP/tmpl.json" <<EOF
{"name": "tmpl", "memory_mib": 128, "kernel": "$G/vmlinux",
 "initrd": "$G/initrd.img", "cmdline": "console=ttyS0 quiet",
 "disks": [{"pool": "local", "volume": "base"}, {"pool": "local", "volume": "base2"}],
 "nics": [{"vlan": 0, "mac": "52:54:00:12:34:56"}]}
EOF
hvctl_on 1 api POST /api/v1/vms "$(cat "$HVD_TMP/tmpl.json")" >/dev/null || fail "vm create tmpl"

# Linked clones are of templates only; bad bodies name their field.
refused 400 full template -- hvctl_on 1 vm clone tmpl early --linked
refused 400 name -- hvctl_on 1 api POST /api/v1/vms/tmpl/clone '{"name": "-x"}'
refused 400 colour -- hvctl_on 1 api POST /api/v1/vms/tmpl/clone '{"name": "x", "colour": 1}'
refused 400 full -- hvctl_on 1 api POST /api/v1/vms/tmpl/clone '{"name": "x", "full": "yes"}'
refused 404 nosuch -- hvctl_on 1 vm clone nosuch x

hvctl_on 1 vm template tmpl || fail "vm template"
hvctl_on 1 --json vm show tmpl | grep -q '"template":[[:space:]]*true' || fail "tmpl shows template: true"
hvctl_on 1 --json pool show local | tr -d '\n\t ' | grep -q '"name":"base","format":"qcow2"[^}]*"base":true' ||
    fail "base is marked a base image: $(hvctl_on 1 --json pool show local)"
sum_before=$(cd "$P" && sha256sum base.qcow2 base2.qcow2)

# A template never runs and never changes.
refused 409 template tmpl -- hvctl_on 1 vm start tmpl
hvctl_on 1 vm config tmpl >"$HVD_TMP/cfg.json" || fail "config of a template reads"
refused 409 template -- hvctl_on 1 vm config tmpl --set "$HVD_TMP/cfg.json"
refused 409 template -- hvctl_on 1 vm migrate tmpl node2
refused 409 "already" -- hvctl_on 1 vm template tmpl
refused 400 pool "full clones" -- hvctl_on 1 vm clone tmpl x --pool local
refused 400 nosuch -- hvctl_on 1 vm clone tmpl x --node nosuch
hvctl_on 1 vm status tmpl | grep -q "stopped" || fail "tmpl stays stopped"

# A linked clone: two small overlays on the template's files.
hvctl_on 1 vm clone tmpl lc1 | grep -q "lc1: linked clone of tmpl" || fail "linked clone lc1"
qemu-img info "$P/lc1-disk0.qcow2" | grep -q "^backing file: base.qcow2" ||
    fail "lc1-disk0 overlays base.qcow2: $(qemu-img info "$P/lc1-disk0.qcow2")"
sz=$(stat -c %s "$P/lc1-disk0.qcow2")
[ "$sz" -le 2097152 ] || fail "a linked clone's disk before its first boot is at most 2 MiB (got $sz bytes)"
pattern "$P/lc1-disk0.qcow2" 0xa5 1M || fail "lc1 reads the template's data"
mac=$(hvctl_on 1 --json vm config lc1 | tr -d '\n\t ' | sed -n 's/.*"mac":"\([^"]*\)".*/\1/p')
[ -n "$mac" ] && [ "$mac" != "52:54:00:12:34:56" ] || fail "lc1 has a MAC of its own (got '$mac')"
hvctl_on 1 vm clone tmpl lc2 >/dev/null || fail "linked clone lc2"
mac2=$(hvctl_on 1 --json vm config lc2 | tr -d '\n\t ' | sed -n 's/.*"mac":"\([^"]*\)".*/\1/p')
[ "$mac2" != "$mac" ] || fail "lc2's MAC differs from lc1's"
refused 409 name lc1 -- hvctl_on 1 vm clone tmpl lc1

# The linked clone boots; writes land in its overlay.
hvctl_on 1 vm start lc1 || fail "lc1 starts"
wait_ready lc1
pid=$(hvctl_on 1 --json vm show lc1 | json_field pid)
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "mac=$mac" || fail "lc1's QEMU has MAC $mac"
hvctl_on 1 vm stop lc1 || fail "lc1 stops"
qemu-io -f qcow2 -c "write -P 0x5a 1M 64k" "$P/lc1-disk0.qcow2" >/dev/null || fail "write into lc1"
pattern "$P/lc1-disk0.qcow2" 0x5a 1M || fail "lc1 reads its own write"
pattern "$P/base.qcow2" 0xa5 1M || fail "the template still reads its data"

# A clone that fails half-way leaves nothing: its second volume's name
# is taken, so its first volume goes again and no VM is recorded.
hvctl_on 1 pool volume-create local bad-disk1 --size-mib 1 >/dev/null || fail "volume bad-disk1"
refused 409 bad-disk1 exists -- hvctl_on 1 vm clone tmpl bad
[ ! -e "$P/bad-disk0.qcow2" ] || fail "the failed clone's first disk file is gone"
hvctl_on 1 --json pool show local | grep -q '"bad-disk0"' && fail "the failed clone's first volume is gone"
hvctl_on 1 vm status bad 2>/dev/null && fail "the failed clone has no VM record"

# A full clone of the template: a copy, no backing.
hvctl_on 1 vm clone tmpl fc1 --full | grep -q "fc1: full clone of tmpl" || fail "full clone fc1"
qemu-img info "$P/fc1-disk0.qcow2" | grep -q "^backing file" && fail "fc1-disk0 has no backing file"
pattern "$P/fc1-disk0.qcow2" 0xa5 1M || fail "fc1 holds the template's data"

# A full clone of a running VM: mirrored, the source runs on.
hvctl_on 1 pool volume-create local sdisk --size-mib 32 >/dev/null || fail "volume sdisk"
qemu-io -f qcow2 -c "write -P 0x3c 4M 64k" "$P/sdisk.qcow2" >/dev/null || fail "pattern into sdisk"
hvctl_on 1 vm create src --memory 128 --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
    --cmdline "console=ttyS0 quiet" --disk local:sdisk || fail "vm create src"
hvctl_on 1 vm start src || fail "src starts"
wait_ready src
spid=$(hvctl_on 1 --json vm show src | json_field pid)
hvctl_on 1 vm clone src fc2 | grep -q "fc2: full clone of src" || fail "full clone of running src"
hvctl_on 1 vm status src | grep -q "running" || fail "src runs on"
[ "$(hvctl_on 1 --json vm show src | json_field pid)" = "$spid" ] || fail "the same QEMU runs src"
tr '\0' ' ' <"/proc/$spid/cmdline" | grep -q "sdisk.qcow2" || fail "src keeps its own disk"
pattern "$P/fc2-disk0.qcow2" 0x3c 4M || fail "fc2 holds src's data"
hvctl_on 1 vm stop src || fail "src stops"

# A mirror that fails leaves nothing either: src's image grown behind
# hvd's back no longer fits the copy made at its recorded size, and QEMU
# refuses the mirror; src runs on.
qemu-img resize -f qcow2 "$P/sdisk.qcow2" 48M >/dev/null || fail "grow sdisk"
hvctl_on 1 vm start src || fail "src starts again"
spid=$(hvctl_on 1 --json vm show src | json_field pid)
refused 502 mirror vmclone -- hvctl_on 1 vm clone src fc3
[ ! -e "$P/fc3-disk0.qcow2" ] || fail "the failed mirror's target file is gone"
hvctl_on 1 --json pool show local | grep -q '"fc3-disk0"' && fail "the failed mirror's volume is gone"
hvctl_on 1 vm status fc3 2>/dev/null && fail "the failed mirror left no VM record"
[ "$(hvctl_on 1 --json vm show src | json_field pid)" = "$spid" ] || fail "src runs on after the failed mirror"
hvctl_on 1 vm stop src || fail "src stops"

# On iSCSI: a clone that does not fit the pool (2 LUNs, one taken)
# frees the LUN its first disk took; a linked clone on a LUN overlays the
# template's LUN by its URI and boots.
hvd_san_start 2 64M || fail "SAN (tgtd) did not start"
hvctl_on 1 pool create san --type iscsi --portal "$HVD_SAN_ADDR" --target "$HVD_IQN" ||
    fail "iscsi pool"
hvctl_on 1 pool volume-create san sbase | grep -q "on LUN 1" || fail "sbase on LUN 1"
U=iscsi://$HVD_SAN_ADDR/$HVD_IQN
ip netns exec "$(hvd_ns 1)" qemu-io -f qcow2 -c "write -P 0x6b 2M 64k" "$U/1" >/dev/null ||
    fail "pattern into sbase"
refused 409 "no free LUN" -- hvctl_on 1 vm clone tmpl big --full --pool san
hvctl_on 1 --json pool show san | grep -q '"big-disk0"' && fail "the clone's first volume is gone"
hvctl_on 1 vm create tmpl2 --memory 128 --kernel "$G/vmlinux" --initrd "$G/initrd.img" \
    --cmdline "console=ttyS0 quiet" --disk san:sbase || fail "vm create tmpl2"
hvctl_on 1 vm template tmpl2 || fail "vm template tmpl2"
lun_before=$(sha256sum <"$HVD_TMP/san/lun1.img")
hvctl_on 1 --json vm clone tmpl2 lcs | grep -q '"linked":[[:space:]]*true' || fail "linked clone on iSCSI"
hvctl_on 1 --json pool show san | tr -d '\n\t ' | grep -q '"name":"lcs-disk0"[^}]*"lun":2' ||
    fail "lcs-disk0 took the LUN the failed clone freed"
ip netns exec "$(hvd_ns 1)" qemu-img info "$U/2" | grep -qF "backing file: $U/1" ||
    fail "lcs-disk0 overlays LUN 1: $(ip netns exec "$(hvd_ns 1)" qemu-img info "$U/2")"
ip netns exec "$(hvd_ns 1)" qemu-io -r -f qcow2 -c "read -P 0x6b 2M 64k" "$U/2" | grep -q "read 65536" ||
    fail "lcs reads the template's data"
hvctl_on 1 vm start lcs || fail "lcs starts"
wait_ready lcs
hvctl_on 1 vm stop lcs || fail "lcs stops"
ip netns exec "$(hvd_ns 1)" qemu-io -f qcow2 -c "write -P 0x11 2M 64k" "$U/2" >/dev/null ||
    fail "write into lcs"
[ "$(sha256sum <"$HVD_TMP/san/lun1.img")" = "$lun_before" ] || fail "the template's LUN is unchanged"
hvctl_on 1 vm delete lcs && hvctl_on 1 vm delete tmpl2 || fail "delete lcs, tmpl2"

# The template stays while linked clones exist, and says which.
refused 409 lc1 lc2 -- hvctl_on 1 vm delete tmpl
hvctl_on 1 vm delete lc1 || fail "delete lc1"
hvctl_on 1 vm delete lc2 || fail "delete lc2"
hvctl_on 1 vm delete tmpl || fail "the template goes once its linked clones are gone"
# Their overlays still read the template's files.
refused 409 "base image of volume lc" -- hvctl_on 1 pool volume-delete local base

sum_after=$(cd "$P" && sha256sum base.qcow2 base2.qcow2)
echo "$sum_before"
[ "$sum_before" = "$sum_after" ] || fail "the template's images changed: $sum_after"
echo PASS
