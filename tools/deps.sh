#!/bin/sh
# Installs every Debian package hvlab needs to build, test and run.
#
# Idempotent: when every package is already installed it only runs
# dpkg-query and exits.  Package services (tgt, openvswitch, etcd, libvirt,
# Corosync, Pacemaker) are kept from starting during the install
# (policy-rc.d) and disabled afterwards when this script installed them: the lab runs its own instances inside its own
# namespaces, and the user's machine must not gain running services.
set -eu

# clang and libclang-rt-14-dev build the libFuzzer harnesses (make fuzz).
# syslinux ... e2fsprogs build the bootable guest disk without root
# (lab/guest/mkdisk.sh).
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libcurl4-openssl-dev libcjson-dev libpcap-dev check libsubunit-dev libyaml-dev
libmicrohttpd-dev libgnutls28-dev libssl-dev
qemu-system-x86 qemu-utils qemu-block-extra
tgt libiscsi-bin openvswitch-switch etcd-server etcd-client
gnuplot-nox busybox-static tcpdump iproute2 nftables procps psmisc
libxml2-utils chromium
cpio xz-utils zstd kmod dpkg-dev ca-certificates util-linux
syslinux syslinux-common mtools dosfstools fdisk e2fsprogs
libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients libvirt-dev
libvirt-daemon-driver-storage-iscsi-direct libxml2-dev
libarchive-dev libxxhash-dev
corosync pacemaker pacemaker-cli-utils resource-agents
corosync-qdevice corosync-qnetd openssl
libfaketime prometheus openssh-server openssh-client"

# Services the packages above ship; disabled after we install them.  The
# libvirt platform driver starts libvirtd, Corosync and Pacemaker inside lab
# hosts itself (docs/platforms/libvirt.md), never on the machine; `ssh:`
# labs start sshd inside their hosts only (docs/lab.md "SSH").
SERVICES="tgt openvswitch-switch ovsdb-server ovs-vswitchd etcd
libvirtd libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket
libvirtd-tcp.socket libvirtd-tls.socket
virtlogd virtlogd.socket virtlogd-admin.socket
virtlockd virtlockd.socket virtlockd-admin.socket
libvirt-guests corosync pacemaker corosync-qdevice corosync-qnetd
prometheus ssh ssh.socket"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	[ -t 1 ] && echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run 'sudo make deps' to install them" >&2
	exit 1
fi

echo "deps: installing:$missing"

# unit NAME: the systemd unit of a SERVICES entry.
unit() {
	case "$1" in
	*.socket) echo "$1" ;;
	*) echo "$1.service" ;;
	esac
}
# What the machine had enabled before stays enabled (an sshd the machine
# is reached through, say): only what this install brings in is disabled.
is_enabled() {
	if command -v systemctl >/dev/null 2>&1 &&
	    systemctl is-enabled --quiet "$(unit "$1")" 2>/dev/null; then
		return 0
	fi
	ls /etc/rc[2-5].d/S??"$1" >/dev/null 2>&1
}
enabled_before=""
for s in $SERVICES; do
	if is_enabled "$s"; then
		enabled_before="$enabled_before $s"
	fi
done

# Keep package maintainer scripts from starting services.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
	saved=$(mktemp /tmp/hvlab-policy-rc.d.XXXXXX)
	cp -p "$policy" "$saved"
fi
restore() {
	if [ -n "$saved" ]; then
		mv -f "$saved" "$policy"
	else
		rm -f "$policy"
	fi
}
trap restore EXIT INT TERM
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends $missing; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi

# Disable the services we just brought in: nothing new stays enabled.
for s in $SERVICES; do
	case " $enabled_before " in *" $s "*) continue ;; esac
	if command -v deb-systemd-helper >/dev/null 2>&1; then
		deb-systemd-helper disable "$(unit "$s")" >/dev/null 2>&1 || true
	fi
	if [ -x "/etc/init.d/$s" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d "$s" disable >/dev/null 2>&1 || true
	fi
done
echo "deps: done"
