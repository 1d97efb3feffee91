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

# lv_guest_xml NAME MAXMEM_MIB [CURRENT_MIB [DEVICES [CMDLINE_EXTRA]]]: the
# default guest as libvirt runs it, the same as guest.cfg under xend: TCG,
# q35, the guest's kernel booted directly, one vCPU, a serial console and
# a balloon; DEVICES (XML) and CMDLINE_EXTRA are added as given.
lv_guest_xml() {
	local cur="" g=${XEN_GUEST_DIR:-/usr/share/xen/guest}
	[ -n "${3:-}" ] && cur="
  <currentMemory unit='MiB'>$3</currentMemory>"
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>$cur
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$g/vmlinuz</kernel><initrd>$g/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 cryptomgr.notests${5:+ $5}</cmdline></os>
  <devices>${4:-<serial type='pty'/>}<memballoon model='virtio'/></devices>
</domain>
EOF
}

# ---- a private libvirtd in each node of tests/integration/lib-cluster.sh ----
# lv_node_setup i: node i's /etc/libvirt, /var/lib/libvirt and
# /var/cache/libvirt become its own (bind mounts in its mount namespace;
# again after each cluster_revive). libvirtd.conf lets the other nodes in
# over TCP without authentication, on the node's test address only (a
# test network inside namespaces); qemu.conf runs QEMU as root in the
# node's own namespaces (no mount namespace, cgroup or security driver of
# libvirt's, so that powering the node off kills its guests too) and lets
# QEMU write serial console logs itself (no virtlogd). The host's cached
# QEMU capabilities are copied, if any, to spare each libvirtd the probe.
lv_node_setup() {
	local i=$1 r
	r=$(hosts_root "$i")/libvirt
	if [ ! -e "$r/etc/libvirtd.conf" ]; then
		mkdir -p "$r/etc" "$r/lib" "$r/cache/qemu"
		cat >"$r/etc/libvirtd.conf" <<-EOF
		listen_tls = 0
		listen_tcp = 1
		listen_addr = "$(hosts_ip "$i")"
		auth_tcp = "none"
		auth_unix_rw = "none"
		unix_sock_rw_perms = "0700"
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
		EOF
		cat >"$r/etc/qemu.conf" <<-EOF
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		namespaces = [ ]
		cgroup_controllers = [ ]
		stdio_handler = "file"
		EOF
		cp -r /var/cache/libvirt/qemu/capabilities "$r/cache/qemu/" 2>/dev/null
	fi
	cluster_exec "$i" sh -ec "mount --bind '$r/etc' /etc/libvirt
mount --bind '$r/lib' /var/lib/libvirt
mount --bind '$r/cache' /var/cache/libvirt
mkdir -p /var/log/libvirt"
}

# lv_node_start i: node i's libvirtd (pid file /run/libvirtd.pid in the
# node); returns once virsh answers there.
lv_node_start() {
	cluster_exec "$1" libvirtd -d --listen -p /run/libvirtd.pid || return 1
	wait_until 60 _lv_node_up "$1"
}
_lv_node_up() { cluster_exec "$1" virsh -c qemu:///system version >/dev/null 2>&1; }
