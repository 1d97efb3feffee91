#!/usr/bin/env bash
# mkiso.sh: build guest.iso, a bootable CD image of the default guest (the
# vmlinuz and initrd.img that mkguest.sh builds) for HVM guests. GRUB boots
# it at once, on the serial port and the screen both, under BIOS (SeaBIOS)
# and, when grub-efi-amd64-bin is there, under UEFI (OVMF). Made with
# grub-mkrescue from Debian's packages, installed through apt-get.
set -euo pipefail

prog=${0##*/}
out=/usr/share/xen/guest
guest=
force=0

usage() {
	cat <<EOF
usage: $prog [--out DIR] [--guest DIR] [--force]
Build DIR/guest.iso ($out/guest.iso), a CD image that boots the default
guest with console=ttyS0, and DIR/guest.iso.version, which names what it
was built from and the firmware it boots under ("boot bios uefi"). Does
nothing when the ISO is up to date.
  --guest DIR  where vmlinuz and initrd.img are (default: the --out DIR)
  --force      rebuild even when up to date
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--out|--guest)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		case "$1" in
		--out)		out=$2 ;;
		--guest)	guest=$2 ;;
		esac
		shift ;;
	--out=*)	out=${1#--out=} ;;
	--guest=*)	guest=${1#--guest=} ;;
	--force)	force=1 ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; exit 2 ;;
	esac
	shift
done
guest=${guest:-$out}
for f in vmlinuz initrd.img; do
	[ -r "$guest/$f" ] || die "no $guest/$f (run mkguest.sh first)"
done
export LC_ALL=C

installed() {
	[ "$(dpkg-query -W -f '${Status}' "$1" 2>/dev/null)" = \
	    "install ok installed" ]
}
pkgver() {
	dpkg-query -W -f '${Version}' "$1" 2>/dev/null || true
}

# grub-pc-bin (BIOS; grub-mkrescue comes with it in grub-common), xorriso
# (writes the ISO) and mtools (the EFI system partition image) are needed;
# grub-efi-amd64-bin only adds UEFI boot, so an ISO is made without it.
need_install() {	# packages...: install the missing ones (as root)
	local p missing=()
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || { echo "$prog: ${missing[*]} not installed" >&2; return 1; }
	echo "$prog: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" \
	    >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1 || return 1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
need_install grub-pc-bin xorriso mtools ||
    die "cannot install grub-pc-bin, xorriso and mtools"
need_install grub-efi-amd64-bin ||
    echo "$prog: no grub-efi-amd64-bin: the ISO boots under BIOS only" >&2
for t in grub-mkrescue xorriso mformat sha256sum; do
	command -v "$t" >/dev/null || die "$t is needed"
done
[ -f /usr/lib/grub/i386-pc/cdboot.img ] ||
    die "/usr/lib/grub/i386-pc lacks cdboot.img (grub-pc-bin)"

# Up to date when the kernel, the initramfs, this script (which holds the
# GRUB config) and GRUB's packages are the same as last time.
inputs=$({ cat "$guest/vmlinuz" "$guest/initrd.img" "$0"
	echo "$(pkgver grub-pc-bin) $(pkgver grub-efi-amd64-bin)"; } |
	sha256sum | cut -c1-16)
if [ "$force" = 0 ] && [ -f "$out/guest.iso" ] &&
    [ "$(sed -n 1p "$out/guest.iso.version" 2>/dev/null)" = "inputs $inputs" ]; then
	echo "$prog: $out/guest.iso is up to date ($inputs)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM	# so the EXIT trap cleans up on signals too

tree=$tmp/iso
mkdir -p "$tree/boot/grub" "$tree/xen"
cp "$guest/vmlinuz" "$guest/initrd.img" "$tree/xen/"
[ ! -f "$guest/VERSION" ] || cp "$guest/VERSION" "$tree/xen/"
# GRUB on COM1 and the screen both; the kernel's last console= is
# /dev/console, so the guest's shell is on ttyS0 and tty0 only shows the
# kernel's messages. Text mode under BIOS, so the screen keeps them; under
# UEFI the kernel gets GOP's framebuffer (or says "no suitable video mode").
cat >"$tree/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set default=0
set timeout=1
set timeout_style=menu
if [ "$grub_platform" = efi ]; then
	# The firmware's framebuffer, handed to the kernel as it is.
	insmod efi_gop
	insmod efi_uga
	set gfxpayload=keep
else
	set gfxpayload=text
fi
menuentry "Xen default guest" {
	echo "xen-guest: loading the kernel ($grub_platform)"
	linux /xen/vmlinuz console=tty0 console=ttyS0,115200
	initrd /xen/initrd.img
}
EOF

# No fonts, locales or themes: GRUB runs in text mode here.
grub-mkrescue -o "$tmp/guest.iso" --fonts= --locales= --themes= \
    "$tree" -- -volid XEN_GUEST >"$tmp/mkrescue.log" 2>&1 || {
	cat "$tmp/mkrescue.log" >&2
	die "grub-mkrescue failed"
}

# What the image really boots under, from its El Torito catalogue.
boot=$(xorriso -indev "$tmp/guest.iso" -report_el_torito plain 2>/dev/null |
    awk '$1 == "El" && $2 == "Torito" && $3 == "boot" && $4 == "img" {
	    if ($7 == "BIOS") b = b " bios"; else if ($7 == "UEFI") b = b " uefi" }
	END { print b }')
case "$boot" in
*bios*)	;;
*)	die "the ISO has no BIOS boot image" ;;
esac

mkdir -p "$out"
install -m 0644 "$tmp/guest.iso" "$out/.guest.iso.new"
mv -f "$out/.guest.iso.new" "$out/guest.iso"
printf 'inputs %s\ngrub %s\nboot%s\n' "$inputs" "$(pkgver grub-pc-bin)" \
    "$boot" >"$out/.guest.iso.version.new"
mv -f "$out/.guest.iso.version.new" "$out/guest.iso.version"
echo "$prog: built $out/guest.iso ($(du -k "$out/guest.iso" | cut -f1) KiB, boots under${boot})"
