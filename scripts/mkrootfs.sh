#!/usr/bin/env bash
# mkrootfs.sh: a small root file system image for guests that boot from a
# disk: ext4, made by mkfs.ext4 -d from a directory (no mount, no root
# needed), holding a static busybox as /sbin/init with a console shell,
# the network from the kernel's ip= argument and acpid for xm shutdown.
# The default guest's initramfs switches to it when root= names the disk.
#   mkrootfs.sh [--size MiB] [--busybox FILE] [--hostname NAME] OUT.img
set -euo pipefail

prog=${0##*/}
size=32
busybox=
hostname=
usage() {
	echo "usage: $prog [--size MiB] [--busybox FILE] [--hostname NAME] OUT.img" >&2
	exit 2
}
die() {
	echo "$prog: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--size) [ $# -ge 2 ] || usage; size=$2; shift ;;
	--busybox) [ $# -ge 2 ] || usage; busybox=$2; shift ;;
	--hostname) [ $# -ge 2 ] || usage; hostname=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || usage
out=$1
case "$size" in ''|*[!0-9]*) die "--size takes a number of MiB" ;; esac
[ "$size" -ge 8 ] || die "--size: at least 8 MiB"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is needed (e2fsprogs)"
if [ -z "$busybox" ]; then
	for b in /bin/busybox /usr/bin/busybox; do
		[ -x "$b" ] && busybox=$b && break
	done
fi
[ -n "$busybox" ] && [ -x "$busybox" ] || die "no busybox (install busybox-static)"
# a dynamic busybox would need its libc inside the image
if command -v ldd >/dev/null && ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; a static one is needed (busybox-static)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,etc/acpi/PWRF,proc,sys,dev,run,tmp,root,var/log,mnt}
install -m 0755 "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r app; do
	[ "$app" = bin/busybox ] || ln -sf /bin/busybox "$root/$app"
done

cat >"$root/etc/inittab" <<'EOT'
::sysinit:/etc/init.d/rcS
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
::shutdown:/bin/umount -a -r
EOT

cat >"$root/etc/init.d/rcS" <<'EOT'
#!/bin/sh
# The root file system's start: what the initramfs did not carry over,
# the network from ip=, acpid, a line saying where we are.
PATH=/sbin:/bin:/usr/sbin:/usr/bin
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
ipconf= host=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	ip=*) ipconf=${arg#ip=} ;;
	hostname=*) host=${arg#hostname=} ;;
	esac
done
ip link set lo up
if [ -n "$ipconf" ]; then
	a_ip=${ipconf%%:*}
	rest=${ipconf#*:}; rest=${rest#*:}
	a_gw=${rest%%:*}; rest=${rest#*:}
	a_mask=${rest%%:*}; rest=${rest#*:}
	a_host=${rest%%:*}; rest=${rest#*:}
	a_if=${rest%%:*}; a_auto=${rest#*:}
	a_if=${a_if:-eth0}
	[ -n "$host" ] || host=$a_host
	if ip link set "$a_if" up 2>/dev/null && [ -n "$a_ip" ] &&
	    [ "$a_auto" != dhcp ]; then
		ip addr add "$a_ip${a_mask:+/$a_mask}" dev "$a_if"
		[ -z "$a_gw" ] || ip route add default via "$a_gw" dev "$a_if"
	fi
fi
[ -n "$host" ] || host=$(cat /etc/hostname 2>/dev/null)
hostname "${host:-rootfs}"
acpid -c /etc/acpi
echo "xen-rootfs: booted from $(awk '$2 == "/" { print $1 }' /proc/mounts | tail -n 1) as $(hostname)"
EOT

cat >"$root/etc/acpi/PWRF/00000080" <<'EOT'
#!/bin/sh
echo "xen-rootfs: power button, powering off" >/dev/console
sync
exec poweroff -f
EOT

cat >"$root/etc/profile" <<'EOT'
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PS1='\h:\w\$ '
EOT
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
[ -z "$hostname" ] || echo "$hostname" >"$root/etc/hostname"
chmod 0755 "$root/etc/init.d/rcS" "$root/etc/acpi/PWRF/00000080"

rm -f "$out.tmp"
truncate -s "${size}M" "$out.tmp"
mkfs.ext4 -q -F -L rootfs -d "$root" "$out.tmp" ||
	die "mkfs.ext4 failed"
mv "$out.tmp" "$out"
echo "$prog: $out (${size} MiB ext4)"
