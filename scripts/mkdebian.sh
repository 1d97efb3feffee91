#!/usr/bin/env bash
# mkdebian.sh: a realistic Debian bookworm guest for bootloader = 'pygrub':
# a disk image (a whole-disk ext4 file system, xvda1 style) made with
# debootstrap from Debian's packages, with Debian's cloud kernel installed
# inside it, /boot/grub/grub.cfg written by the guest's own grub-mkconfig,
# systemd with a getty on the serial console (root, no password), DHCP on
# eth0, and systemd-logind powering off on the ACPI power button
# (xm shutdown). Built once and kept: a second run with the same package
# versions does nothing. Nothing is mounted but what debootstrap and
# chroot need inside the build tree; the image is made by mkfs.ext4 -d.
#   mkdebian.sh [--out DIR] [--size MiB] [--mirror URL] [--force]
set -euo pipefail

prog=${0##*/}
out=/usr/share/xen/guest
size=1536
mirror=http://deb.debian.org/debian
suite=bookworm
force=0
pkgs=linux-image-cloud-amd64,systemd-sysv,udev,dbus,ifupdown,isc-dhcp-client,grub2-common,procps,iproute2,iputils-ping,kmod,initramfs-tools,login,passwd

usage() {
	cat <<EOF
usage: $prog [--out DIR] [--size MiB] [--mirror URL] [--force]
Build DIR/debian.img ($out) and DIR/debian.VERSION: a Debian $suite guest
that boots its own kernel with bootloader = 'pygrub'.
EOF
}
die() {
	echo "$prog: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || { usage >&2; exit 2; }; out=$2; shift ;;
	--size) [ $# -ge 2 ] || { usage >&2; exit 2; }; size=$2; shift ;;
	--mirror) [ $# -ge 2 ] || { usage >&2; exit 2; }; mirror=$2; shift ;;
	--force) force=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "debootstrap and chroot need root"
for t in debootstrap mkfs.ext4 apt-cache chroot sha256sum; do
	command -v "$t" >/dev/null || die "$t is needed"
done
export LC_ALL=C

# The image is kept while the kernel package and this script are the same.
kver=$(apt-cache policy linux-image-cloud-amd64 2>/dev/null |
    awk '$1 == "Candidate:" { print $2 }')
[ -n "$kver" ] || die "apt knows no linux-image-cloud-amd64 (apt-get update?)"
stamp="debian $suite kernel $kver script $(sha256sum "$0" | cut -c1-16)"
if [ "$force" = 0 ] && [ -s "$out/debian.img" ] &&
    [ "$(head -n 1 "$out/debian.VERSION" 2>/dev/null)" = "$stamp" ]; then
	echo "$prog: $out/debian.img is up to date ($stamp)"
	exit 0
fi

tmp=$(mktemp -d /tmp/mkdebian.XXXXXX)
root=$tmp/root
# whatever happens, nothing stays mounted under the build tree
cleanup() {
	local m
	for m in dev/pts dev sys proc; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "$prog: debootstrap $suite from $mirror (this takes minutes)"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$mirror" \
    >"$tmp/debootstrap.log" 2>&1 || {
	tail -20 "$tmp/debootstrap.log" >&2
	die "debootstrap failed"
}

uuid=$(cat /proc/sys/kernel/random/uuid)
echo debian-guest >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian-guest\n' >"$root/etc/hosts"
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" >"$root/etc/fstab"
cat >"$root/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp
EOF
# root logs in on the console without a password (a test guest)
chroot "$root" passwd -d root >/dev/null
# the power button (xm shutdown) powers off; logind's default, said here
mkdir -p "$root/etc/systemd/logind.conf.d"
printf '[Login]\nHandlePowerKey=poweroff\n' \
    >"$root/etc/systemd/logind.conf.d/xen-power.conf"
# the guest's kernel arguments, as an admin would set them for Xen
cat >"$root/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=2
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 net.ifnames=0"
GRUB_TERMINAL=console
GRUB_DISABLE_OS_PROBER=true
EOF

# grub.cfg by the guest's own grub-mkconfig. In a chroot there is no disk
# for grub-probe to find, so it is told the answers for the image's file
# system for this one run; 10_linux writes root=UUID= only when the UUID
# is under /dev/disk/by-uuid, so a link says it is (the build tree's own
# /dev, a plain directory).
mv "$root/usr/sbin/grub-probe" "$root/usr/sbin/grub-probe.real"
cat >"$root/usr/sbin/grub-probe" <<EOF
#!/bin/sh
# the answers for the guest's disk (a whole-disk ext4, UUID $uuid)
for a in "\$@"; do
	case "\$a" in
	--target=fs_uuid)	echo $uuid; exit 0 ;;
	--target=fs)		echo ext2; exit 0 ;;
	--target=device|--target=disk) echo /dev/xvda1; exit 0 ;;
	--target=drive|--target=compatibility_hint) echo hd0; exit 0 ;;
	--target=partuuid)	exit 1 ;;
	--target=*)		echo; exit 0 ;;
	esac
done
exit 0
EOF
chmod 0755 "$root/usr/sbin/grub-probe"
mkdir -p "$root/boot/grub" "$root/dev/disk/by-uuid"
ln -s ../../null "$root/dev/disk/by-uuid/$uuid"
chroot "$root" grub-mkconfig -o /boot/grub/grub.cfg >"$tmp/grub.log" 2>&1 || {
	cat "$tmp/grub.log" >&2
	die "grub-mkconfig failed"
}
mv "$root/usr/sbin/grub-probe.real" "$root/usr/sbin/grub-probe"
rm -rf "$root/dev/disk"
grep -q "^menuentry " "$root/boot/grub/grub.cfg" ||
	die "grub-mkconfig wrote no menuentry"
grep -q "root=UUID=$uuid" "$root/boot/grub/grub.cfg" ||
	die "grub-mkconfig did not name the root by its UUID"
kernel=$(cd "$root/boot" && ls vmlinuz-* | head -n 1)
kernel=${kernel#vmlinuz-}
[ -s "$root/boot/initrd.img-$kernel" ] || die "no initrd for $kernel"

chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/var/log/"*.log
for m in dev/pts dev sys proc; do
	mountpoint -q "$root/$m" && die "$root/$m is still mounted"
done

mkdir -p "$out"
rm -f "$out/.debian.img.new"
mkfs.ext4 -q -F -L debian-root -U "$uuid" -d "$root" "$out/.debian.img.new" \
    "${size}M"
mv -f "$out/.debian.img.new" "$out/debian.img"
printf '%s\nkernel %s\nuuid %s\n' "$stamp" "$kernel" "$uuid" \
    >"$out/debian.VERSION"
echo "$prog: built $out/debian.img (kernel $kernel, $(du -m "$out/debian.img" |
    cut -f1) MiB used of $size)"
