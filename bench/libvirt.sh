# libvirt.sh: sourced by the benchmarks that compare with libvirt. Installs
# Debian's libvirt when virsh is missing, starts virtlogd and libvirtd with
# pid files in a directory of the caller's, and stops them by pid.

lv_install() {
	command -v virsh >/dev/null || apt-get install -y -qq --no-install-recommends \
	    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients >/dev/null
}

# lv_start DIR: the daemons, pid files in DIR; returns once virsh answers.
lv_start() {
	mkdir -p /var/log/libvirt /var/run/libvirt
	# Debian's libvirt-daemon-system would create its user; the bare
	# daemon package does not.
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
	virtlogd -d -p "$1/virtlogd.pid"
	libvirtd -d -p "$1/libvirtd.pid"
	for _ in $(seq 1 50); do
		virsh -c qemu:///system version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# lv_stop DIR DOMAIN: the domain destroyed, then the daemons.
lv_stop() {
	if [ -f "$1/libvirtd.pid" ]; then
		virsh -c qemu:///system destroy "$2" >/dev/null 2>&1
		kill "$(cat "$1/libvirtd.pid")" 2>/dev/null
	fi
	[ -f "$1/virtlogd.pid" ] && kill "$(cat "$1/virtlogd.pid")" 2>/dev/null
	return 0
}

# lv_guest_xml NAME MAXMEM_MIB [CURRENT_MIB]: the default guest as libvirt
# runs it, the same as guest.cfg under xend: TCG, q35, the guest's kernel
# booted directly, one vCPU, a serial console and a balloon.
lv_guest_xml() {
	local cur=""
	[ -n "${3:-}" ] && cur="
  <currentMemory unit='MiB'>$3</currentMemory>"
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>$cur
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/usr/share/xen/guest/vmlinuz</kernel><initrd>/usr/share/xen/guest/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 cryptomgr.notests</cmdline></os>
  <devices><serial type='pty'/><memballoon model='virtio'/></devices>
</domain>
EOF
}
