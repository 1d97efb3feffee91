#!/bin/bash
# migration-pygrub.sh: live migration of the realistic Debian guest
# (scripts/mkdebian.sh; bootloader = 'pygrub', systemd) between two
# "hosts" (network namespaces with their own xend, lib-hosts.sh): logged
# in on h1, moved with xm migrate --live, its shell answers on h2 with the
# same kernel and uptime going on; h1 keeps nothing.
# Needs root, qemu-system-x86_64, the Debian guest image; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue
if [ ! -s "$GUEST/debian.img" ]; then
	echo "1..0 # SKIP no Debian guest in $GUEST (run scripts/mkdebian.sh)"
	exit 0
fi
LIMIT=900	# seconds: systemd under TCG on a busy host

D=$(mktemp -d /tmp/migration-pygrub.XXXXXX)
export XEND_XENHV="$BUILD/hypervisor/xenhv"
export XEND_PYGRUB="$BUILD/pygrub/pygrub"
hosts_harness "$D" 1500

con() { hosts_console_log "$1" "$2"; }
row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
where() {
	local i w=""
	for i in 1 2; do [ -n "$(row $i "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
# answer I LABEL CMD: CMD at the guest's root shell on host I answers
answer() {
	hosts_type "$1" deb "$3 && echo $2-\$((40+2))"
	hosts_wait_text "$(con "$1" deb)" "$2-42" 120
}

hosts_setup 2 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
for i in 1 2; do
	hosts_config $i "(xend-scripts-path $SRC/scripts)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

cp --sparse=always "$GUEST/debian.img" "$D/debian.img"
cat >"$D/deb.cfg" <<EOF
kernel      = ''
bootloader  = 'pygrub'
vcpus       = '1'
memory      = '256'
root        = '/dev/xvda1 ro'
disk        = [ 'file:$D/debian.img,xvda1,w' ]
name        = 'deb'
EOF
run hosts_xm 1 create -q "$D/deb.cfg"
is "h1: deb created (bootloader = 'pygrub')" "$rc $err" "0 "
ok "... systemd brings it to a login prompt" \
    hosts_wait_text "$(con 1 deb)" "debian-guest login: " $LIMIT
hosts_type 1 deb root
ok "... root logs in" hosts_wait_text "$(con 1 deb)" "root@debian-guest:~# " 120
ok "... its shell answers on h1" answer 1 BEFORE "test -d /proc/1"
hosts_type 1 deb "uname -r >/run/kernel-before"

run hosts_xm 1 migrate --live deb "$(hosts_ip 2)"
is "xm migrate --live deb to h2" "$rc $err" "0 "
is "... deb is on h2 only" "$(where deb)" "2"
ok "... its shell answers on h2, with the kernel it had" \
    answer 2 AFTER "test \"\$(uname -r)\" = \"\$(cat /run/kernel-before)\""
ok "... and systemd's journal runs on" answer 2 SYSTEMD "systemctl is-active --quiet systemd-journald"
is "... h1 has no monitor left" "$(ls "$(hosts_root 1)/var/run/xen/xenhv" 2>/dev/null | wc -l)" 0
is "... nor a boot directory" "$(ls "$(hosts_root 1)/var/run/xend/boot" 2>/dev/null | wc -l)" 0
is "... h2 took the guest without running pygrub (its kernel came in its memory)" \
    "$(grep -ac "deb: running .*pygrub" "$(hosts_log 2)")" 0

run hosts_xm 2 shutdown -w deb
is "xm shutdown -w deb on h2: systemd powers it off" "$rc $err" "0 "
ok "... cleanly (the console says so)" \
    hosts_wait_text "$(con 2 deb)" "reboot: Power down" 60
done_testing
