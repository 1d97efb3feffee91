#!/usr/bin/env bash
# mkguest.sh: build the default guest (Debian's cloud kernel and a busybox
# initramfs with the virtio modules) into /usr/share/xen/guest. Packages
# come through apt and are only unpacked, never installed on the host.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
out=/usr/share/xen/guest
init_src=$here/guest-init
meta=linux-image-cloud-amd64
force=0

# Kernel options to carry, as CONFIG symbol:module name. Built-in (=y) ones
# need nothing; modular (=m) ones are copied with their modules.dep closure
# (virtio, virtio_ring, failover, ...). A kernel without one is refused,
# unless it is marked "?": those only add comfort (entropy, crash reports).
wanted="
VIRTIO_PCI:virtio_pci
VIRTIO_BLK:virtio_blk
VIRTIO_NET:virtio_net
VIRTIO_BALLOON:virtio_balloon
VIRTIO_CONSOLE:virtio_console
EXT4_FS:ext4
ACPI_BUTTON:button
INPUT_EVDEV:evdev
?HW_RANDOM_VIRTIO:virtio-rng
?PVPANIC_MMIO:pvpanic-mmio
?PVPANIC_PCI:pvpanic-pci
"

usage() {
	cat <<EOF
usage: $prog [--out DIR] [--kernel PACKAGE] [--init FILE] [--force]
Build the default guest kernel and initramfs into DIR ($out):
vmlinuz, initrd.img and VERSION. Does nothing when DIR already holds
the same kernel package version built by the same scripts.
  --kernel PACKAGE  kernel package or metapackage (default $meta)
  --init FILE       the initramfs /init (default $init_src)
  --force           rebuild even when up to date
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--out|--kernel|--init)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		case "$1" in
		--out)		out=$2 ;;
		--kernel)	meta=$2 ;;
		--init)		init_src=$2 ;;
		esac
		shift ;;
	--out=*)	out=${1#--out=} ;;
	--kernel=*)	meta=${1#--kernel=} ;;
	--init=*)	init_src=${1#--init=} ;;
	--force)	force=1 ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; exit 2 ;;
	esac
	shift
done
[ -r "$init_src" ] || die "cannot read $init_src"
for t in apt-cache apt-get dpkg-deb dpkg-query gzip sha256sum; do
	command -v "$t" >/dev/null || die "$t is needed"
done
export LC_ALL=C

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }'
}

# The metapackage only depends on the real, versioned package, whose
# version goes into VERSION.
resolve_kernel() {
	local v
	v=$(candidate "$meta")
	if [ -z "$v" ] || [ "$v" = "(none)" ]; then
		[ "$(id -u)" = 0 ] || die "no candidate for $meta; run apt-get update"
		apt-get update -qq || die "apt-get update failed"
		v=$(candidate "$meta")
		[ -n "$v" ] && [ "$v" != "(none)" ] || die "apt knows no $meta"
	fi
	kpkg=$(apt-cache show "$meta=$v" | sed -n 's/^Depends: //p' |
	    head -n 1 | tr ',' '\n' | grep -o 'linux-image-[^ ]*' | head -n 1) ||
	    true
	if [ -z "$kpkg" ]; then
		kpkg=$meta	# already a versioned package
		kver_pkg=$v
	else
		kver_pkg=$(candidate "$kpkg")
		[ -n "$kver_pkg" ] && [ "$kver_pkg" != "(none)" ] ||
		    die "apt has no candidate for $kpkg"
	fi
}

resolve_kernel
# The stamp covers the scripts too, so a changed /init is rebuilt.
stamp="$kpkg $kver_pkg"
build_id=$(cat "$0" "$init_src" | sha256sum | cut -c1-16)
if [ "$force" = 0 ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] &&
    [ "$(sed -n 1p "$out/VERSION" 2>/dev/null)" = "$stamp" ] &&
    [ "$(sed -n 2p "$out/VERSION" 2>/dev/null)" = "build $build_id" ]; then
	echo "$prog: $out is up to date ($stamp)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkguest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM	# so the EXIT trap cleans up on signals too

fetch() {	# package version -> unpacked into $tmp/$1
	local cached
	# apt's own cache first, so a host that has the package can rebuild
	# offline.
	cached=$(ls "/var/cache/apt/archives/$1_${2//:/%3a}_"*.deb 2>/dev/null |
	    head -n 1) || true
	if [ -n "$cached" ]; then
		cp "$cached" "$tmp/"
	else
		(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download \
		    "$1=$2" >/dev/null) || die "apt-get download $1=$2 failed"
	fi
	dpkg-deb -x "$tmp/$1_"*.deb "$tmp/$1"
	rm -f "$tmp/$1_"*.deb
}

fetch "$kpkg" "$kver_pkg"
kroot=$tmp/$kpkg
set -- "$kroot"/lib/modules/*/
[ $# = 1 ] && [ -d "$1" ] || die "$kpkg holds no single module tree"
kver=$(basename "$1")
kmods=$kroot/lib/modules/$kver
kconfig=$kroot/boot/config-$kver
[ -f "$kroot/boot/vmlinuz-$kver" ] || die "$kpkg has no vmlinuz-$kver"
[ -f "$kconfig" ] || die "$kpkg has no config-$kver"

# Busybox from busybox-static only: a dynamic busybox would need its libc.
if [ "$(dpkg-query -W -f '${Status}' busybox-static 2>/dev/null)" = \
    "install ok installed" ] && [ -x /bin/busybox ]; then
	busybox=/bin/busybox
else
	fetch busybox-static "$(candidate busybox-static)"
	busybox=$tmp/busybox-static/bin/busybox
fi
[ -x "$busybox" ] || die "no static busybox"

depmod_tree() {	# root version: write modules.dep (and friends)
	if command -v depmod >/dev/null; then
		depmod -b "$1" "$2"
	else
		"$busybox" depmod -b "$1" "$2"
	fi
}
[ -f "$kmods/modules.dep" ] || depmod_tree "$kroot" "$kver"

declare -A dep=() seen=()
while IFS=: read -r path deps; do
	name=${path##*/}
	name=${name%%.ko*}
	dep[${name//-/_}]="$path:$deps"
done <"$kmods/modules.dep"

order=()
visit() {	# module path: its dependencies first, then itself
	local p=$1 n d
	n=${p##*/}
	n=${n%%.ko*}
	n=${n//-/_}
	[ -z "${seen[$n]:-}" ] || return 0
	seen[$n]=1
	for d in ${dep[$n]#*:}; do
		visit "$d"
	done
	order+=("$p")
}

builtin=() skipped=()
for w in $wanted; do
	sym=${w%%:*}
	sym=${sym#\?}
	mod=${w#*:}
	case "$(sed -n "s/^CONFIG_$sym=//p" "$kconfig")" in
	y)	builtin+=("$mod") ;;
	m)	e=${dep[${mod//-/_}]:-}
		[ -n "$e" ] || die "$mod (CONFIG_$sym=m) is not in $kpkg"
		visit "${e%%:*}" ;;
	*)	[ "${w#\?}" != "$w" ] || die "$kpkg lacks CONFIG_$sym ($mod)"
		skipped+=("$mod") ;;
	esac
done

root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/acpi/PWRF,proc,sys,dev,run,tmp,root,var/log,mnt,newroot,etc/udhcpc}
install -m 0755 "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r app; do
	[ "$app" = bin/busybox ] || ln -sf /bin/busybox "$root/$app"
done
install -m 0755 "$init_src" "$root/init"

# Modules, decompressed so busybox insmod loads them on any kernel.
: >"$root/etc/modules-load"
for p in "${order[@]}"; do
	plain=${p%.ko*}.ko
	mkdir -p "$root/lib/modules/$kver/$(dirname "$p")"
	case "$p" in
	*.ko.xz)	command -v xz >/dev/null || die "xz is needed for $p" ;;
	*.ko.zst)	command -v zstd >/dev/null || die "zstd is needed for $p" ;;
	esac
	case "$p" in
	*.ko)		cp "$kmods/$p" "$root/lib/modules/$kver/$plain" ;;
	*.ko.xz)	xz -dc "$kmods/$p" >"$root/lib/modules/$kver/$plain" ;;
	*.ko.zst)	zstd -qdc "$kmods/$p" >"$root/lib/modules/$kver/$plain" ;;
	*.ko.gz)	gzip -dc "$kmods/$p" >"$root/lib/modules/$kver/$plain" ;;
	*)		die "unknown module file $p" ;;
	esac
	echo "/lib/modules/$kver/$plain" >>"$root/etc/modules-load"
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ ! -f "$kmods/$f" ] || cp "$kmods/$f" "$root/lib/modules/$kver/"
done
depmod_tree "$root" "$kver"	# for modprobe at the guest's shell

cat >"$root/etc/inittab" <<'EOF'
# The console shell, respawned when it exits; cttyhack gives it ttyS0 as
# its controlling tty so Ctrl-C and job control work.
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
::shutdown:/bin/umount -a -r
EOF
cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
# ACPI power button (xm shutdown, QEMU system_powerdown): power off now.
echo "xen-guest: power button, powering off" >/dev/console
sync
exec poweroff -f
EOF
cat >"$root/etc/uevent.sh" <<'EOF'
#!/bin/sh
# Run by `uevent` for each kernel event: online hot-added vCPUs and memory,
# and load a driver for a hot-plugged device that has none.
[ "$ACTION" = add ] || exit 0
case "$SUBSYSTEM" in
cpu)	f=/sys$DEVPATH/online
	[ -f "$f" ] && [ "$(cat "$f")" = 0 ] && echo 1 >"$f" ;;
memory)	f=/sys$DEVPATH/state
	[ -f "$f" ] && [ "$(cat "$f")" = offline ] && echo online >"$f" ;;
esac
[ -z "$MODALIAS" ] || [ -e "/sys$DEVPATH/driver" ] ||
    modprobe -q "$MODALIAS" 2>/dev/null
exit 0
EOF
cat >"$root/etc/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc's hook: apply a lease to $interface.
case "$1" in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up ;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} \
	    dev "$interface"
	for r in $router; do
		ip route add default via "$r" dev "$interface"
		break
	done
	if [ -n "$dns" ]; then
		for d in $dns; do echo "nameserver $d"; done >/etc/resolv.conf
	fi ;;
esac
exit 0
EOF
chmod 0755 "$root/etc/acpi/PWRF/00000080" "$root/etc/uevent.sh" \
    "$root/etc/udhcpc/default.script"
cat >"$root/etc/profile" <<'EOF'
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
PS1='\h:\w\$ '
cd
EOF
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' >"$root/etc/group"
echo "$stamp" >"$root/etc/xen-guest-version"

(cd "$root" && find . | sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
    gzip -9n >"$tmp/initrd.img"

mkdir -p "$out"
install -m 0644 "$kroot/boot/vmlinuz-$kver" "$out/.vmlinuz.new"
install -m 0644 "$tmp/initrd.img" "$out/.initrd.img.new"
mv -f "$out/.vmlinuz.new" "$out/vmlinuz"
mv -f "$out/.initrd.img.new" "$out/initrd.img"
printf '%s\nbuild %s\nkernel %s\n' "$stamp" "$build_id" "$kver" \
    >"$out/.VERSION.new"
mv -f "$out/.VERSION.new" "$out/VERSION"

mods=$(for p in "${order[@]}"; do n=${p##*/}; printf ' %s' "${n%%.ko*}"; done)
echo "$prog: built $out ($stamp, initrd $(du -k "$out/initrd.img" | cut -f1) KiB)"
echo "$prog: modules:$mods; built in: ${builtin[*]:-none}${skipped[*]:+; not in this kernel: ${skipped[*]}}"
