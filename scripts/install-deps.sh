#!/usr/bin/env bash
# install-deps.sh: installs, with apt-get, everything the build, the tests
# and the default guest need. Quiet and quick when all is already there.
set -euo pipefail

PKGS=(
	build-essential autoconf automake libtool pkg-config gettext
	libevent-dev libxml2-dev libyajl-dev uuid-dev libreadline-dev libncurses-dev
	libsqlite3-dev sqlite3 libcmocka-dev libgnutls28-dev gnutls-bin
	libext2fs-dev comerr-dev libblkid-dev sanlock libsanlock-dev
	clang libclang-rt-dev
	qemu-system-x86 qemu-utils busybox-static cpio kmod
	socat iproute2 bridge-utils e2fsprogs fdisk debootstrap man-db iputils-ping
	python3 curl bsdutils util-linux coreutils bc nbd-server
	corosync pacemaker pacemaker-cli-utils resource-agents
	grub-pc-bin grub-efi-amd64-bin xorriso mtools ovmf
	vncsnapshot tigervnc-tools imagemagick
	xvfb tigervnc-viewer xtightvncviewer nftables dnsmasq-base
	tmux python3-prometheus-client
	chromium node-xterm novnc openssl
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
