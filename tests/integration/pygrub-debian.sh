#!/bin/bash
# pygrub-debian.sh: a realistic Debian guest (scripts/mkdebian.sh: built
# with debootstrap, Debian's kernel installed inside it, grub.cfg written
# by its own grub-mkconfig, systemd) booted with bootloader = 'pygrub'
# from a config as Xen guest builders write them: it reaches a login
# prompt on its console, root logs in, uname -r is the kernel of its own
# disk; the guest's update-grub changes its menu and xm reboot boots
# what it wrote; on a bridged vif it gets a DHCP lease from a dnsmasq in
# the test's network namespace; xm save and xm restore bring it back where
# it was; xm shutdown powers it off cleanly through systemd.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
if [ ! -s "$GUEST/debian.img" ] || [ ! -s "$GUEST/debian.VERSION" ]; then
	echo "1..0 # SKIP no Debian guest in $GUEST (run scripts/mkdebian.sh)"
	exit 0
fi

setup_root xpgdeb
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 1500)
export XEND_PYGRUB="$BUILD/pygrub/pygrub"
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
xend_config "(device-create-timeout 60)" "(network-script network-bridge)"
DNET=10.77.5
LIMIT=900	# seconds: systemd under TCG on a busy host
kernel=$(awk '$1 == "kernel" { print $2 }' "$GUEST/debian.VERSION")

# deb_ok LABEL COMMAND: runs COMMAND at the guest's root shell and waits
# for LABEL-42 (bash's prompt puts escapes at the start of the line, so
# the answer is looked for anywhere in it).
deb_ok() {
	con_type deb1 "$2 && echo $1-\$((40+2))" || return 1
	wait_until 120 con_has deb1 "$1-42"
}

cp --sparse=always "$GUEST/debian.img" "$D/debian.img"
cat >"$D/deb1.cfg" <<EOF
# as xen-tools writes them
kernel      = ''
bootloader  = 'pygrub'
vcpus       = '1'
memory      = '256'
root        = '/dev/xvda1 ro'
disk        = [ 'file:$D/debian.img,xvda1,w' ]
vif         = [ 'bridge=xenbr0, mac=00:16:3e:5e:5e:5e' ]
name        = 'deb1'
on_poweroff = 'destroy'
on_reboot   = 'restart'
on_crash    = 'restart'
EOF

run start_xend
is "xend starts (in the test's network namespace)" "$rc $err" "0 "
ok "network-bridge made xenbr0" wait_until 30 in_ns test -d /sys/class/net/xenbr0/bridge
in_ns ip addr add "$DNET.1/24" dev xenbr0
if command -v dnsmasq >/dev/null; then
	in_ns dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	    --no-hosts --user=root --interface=xenbr0 --bind-interfaces \
	    --dhcp-range="$DNET.10,$DNET.50,12h" --dhcp-leasefile="$D/leases" \
	    --pid-file="$D/dnsmasq.pid" 2>"$D/dnsmasq.log" &
	BG_PIDS="$BG_PIDS $!"
fi
run xm create -q "$D/deb1.cfg"
is "create deb1 (bootloader = 'pygrub', grub.cfg by grub-mkconfig)" "$rc $err" "0 "
like "pygrub boots its first entry, the kernel installed in it" \
    "$(grep -a "deb1.*pygrub chose" "$D/var/log/xen/xend.log" | tail -n 1)" \
    "entry 0 'Debian GNU/Linux' on disk xvda1 \(args 'root=UUID=[-0-9a-f]+ ro console=ttyS0 net.ifnames=0 +root=/dev/xvda1 ro ?'\)"
ok "systemd brings it to a login prompt on the serial console" \
    wait_until "$LIMIT" con_has deb1 "debian-guest login: "
con_type deb1 "root"
ok "root logs in (no password on this test guest)" \
    wait_until 120 con_has deb1 "root@debian-guest:~# "
ok "uname -r is the kernel of its own disk ($kernel)" \
    deb_ok UNAME "test \"\$(uname -r)\" = $kernel"
ok "its root is the disk, mounted read-write by systemd" \
    deb_ok ROOTFS "grep -q '^/dev/vda / ext4 rw' /proc/mounts"
if command -v dnsmasq >/dev/null; then
	ok "eth0 got a DHCP lease from dnsmasq in dom0 ($DNET.x)" \
	    deb_ok LEASE "ip -4 addr show eth0 | grep -q 'inet $DNET\.'"
	ok "... which dnsmasq recorded for its MAC" grep -q 00:16:3e:5e:5e:5e "$D/leases"
	ok "... and dom0 reaches it there" in_ns ping -q -c 2 -W 3 \
	    "$(awk '$2 == "00:16:3e:5e:5e:5e" { print $3 }' "$D/leases")"
else
	skip "a DHCP lease from dnsmasq" "dnsmasq (dnsmasq-base) is not installed"
fi

# the guest's own update-grub writes a new grub.cfg; pygrub reads it at
# the next boot
ok "inside deb1, update-grub writes a new kernel command line" \
    deb_ok GRUB "sed -i 's/^GRUB_CMDLINE_LINUX=\"/GRUB_CMDLINE_LINUX=\"xen.test=updated /' /etc/default/grub && update-grub >/dev/null 2>&1 && grep -q xen.test=updated /boot/grub/grub.cfg"
logins=$(con_count deb1 "debian-guest login: ")
shells=$(con_count deb1 "root@debian-guest:~# ")
run xm reboot deb1
is "xm reboot deb1" "$rc $err" "0 "
ok "deb1 comes back to its login prompt" \
    wait_until "$LIMIT" count_over deb1 "debian-guest login: " "$logins"
con_type deb1 "root"
ok "root logs in again" \
    wait_until 120 count_over deb1 "root@debian-guest:~# " "$shells"
ok "the kernel got the command line update-grub wrote" \
    deb_ok CMDLINE "grep -q xen.test=updated /proc/cmdline"
run xm save deb1 "$D/deb1.save"
is "xm save deb1" "$rc $err" "0 "
run xm restore "$D/deb1.save"
is "xm restore: deb1 is back" "$rc $err" "0 "
ok "... where it was: its shell answers, same kernel command line" \
    deb_ok RESTORED "grep -q xen.test=updated /proc/cmdline"
run xm shutdown -w deb1
is "xm shutdown -w deb1: systemd powers it off" "$rc $err" "0 "
ok "... cleanly (the console says so)" con_has deb1 "reboot: Power down"
run xm list deb1
is "... and the domain is gone" "$rc" 3

done_testing
