#!/bin/bash
# migration-hvm.sh: live migration of an HVM guest between two "hosts"
# (network namespaces, each with its own xend, lib-hosts.sh): a guest
# booted from the test ISO, with a VNC display behind a password, whose
# CD-ROM's medium was changed with xm block-configure before it moves.
# On the destination it runs (its shell answers), its display is there
# (xm list -l, xenstore, a real VNC client reads a drawn screen with the
# password) and QEMU holds the new medium; the source keeps nothing.
# Needs root, qemu-system-x86_64, the default guest and its ISO
# (scripts/mkiso.sh); skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue
ISO="${XEN_GUEST_ISO:-$GUEST/guest.iso}"
if [ ! -r "$ISO" ]; then
	echo "1..0 # SKIP no test ISO at $ISO (scripts/mkiso.sh)"
	exit 0
fi
SNAP="$SRC/tests/tools/vnc-snap.sh"
BOOT=120

D=$(mktemp -d /tmp/migration-hvm.XXXXXX)
export XEND_XENHV="$BUILD/hypervisor/xenhv"
hosts_harness "$D" 900

con() { hosts_console_log "$1" "$2"; }
row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
where() {
	local i w=""
	for i in 1 2; do [ -n "$(row $i "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
# isos I NAME: the ISO files host I's QEMU for NAME holds open.
isos() {
	local id pid
	id=$(hosts_xm "$1" domid "$2" 2>/dev/null) || return
	pid=$(hosts_engine_pid "$1" "$id")
	[ -n "$pid" ] && ls -l "/proc/$pid/fd" 2>/dev/null | grep -o '/[^ ]*\.iso$' | sort -u
}
location() {
	hosts_xm "$1" list -l "$2" 2>/dev/null |
	    sed -n 's/^ *(location \(127\.0\.0\.1:59[0-9][0-9]\))$/\1/p'
}

hosts_setup 2 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
for i in 1 2; do
	# the disks' hotplug script from the source tree
	hosts_config $i "(xend-scripts-path $SRC/scripts)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

cp "$ISO" "$D/cd2.iso"
# another volume label, still bootable
printf XENCD2 | dd of="$D/cd2.iso" bs=1 seek=$((32768 + 40)) conv=notrunc 2>/dev/null
cat >"$D/hv.cfg" <<EOF
builder = 'hvm'
name = 'hv'
memory = 128
boot = 'd'
vnc = 1
vncpasswd = 'm1grate'
serial = 'pty'
disk = ['file:$ISO,hdc:cdrom,r']
EOF
run hosts_xm 1 create -q "$D/hv.cfg"
is "h1: hv created (HVM, VNC with a password, the ISO)" "$rc $err" "0 "
ok "... boots from its CD to its shell" hosts_wait_text "$(con 1 hv)" 'guest:~#' $BOOT
run hosts_xm 1 block-configure hv "file:$D/cd2.iso" hdc:cdrom r
is "... xm block-configure: another medium" "$rc $err" "0 "
is "... which QEMU holds" "$(isos 1 hv)" "$D/cd2.iso"

run hosts_xm 1 migrate --live hv "$(hosts_ip 2)"
is "xm migrate --live hv to h2" "$rc $err" "0 "
is "... hv is on h2 only" "$(where hv)" "2"
is "... h2's QEMU holds the medium it had" "$(isos 2 hv)" "$D/cd2.iso"
like "... xm list -l on h2 still names it" \
    "$(hosts_xm 2 list -l hv | tr -s ' \n' ' ')" "\(uname file:$D/cd2.iso\) \(dev hdc:cdrom\)"
loc=$(location 2 hv)
like "... its display is on h2 (list -l)" "$loc" '^127\.0\.0\.1:59[0-9][0-9]$'
is "... and in h2's xenstore" "$(XENSTORED_PATH="$(hosts_root 2)/var/run/xenstored/socket" \
    "$BUILD/xenstore/xenstore-read" "/local/domain/$(hosts_xm 2 domid hv)/console/vnc-port" 2>&1)" \
    "${loc#*:}"
if command -v vncsnapshot >/dev/null && command -v vncpasswd >/dev/null &&
    command -v convert >/dev/null; then
	# the screen moved with the guest: its text is drawn at once
	drawn() {
		hosts_exec 2 "$SNAP" -t 20 "127.0.0.1:$((${loc#*:} - 5900))" "$D/hv.png" m1grate &&
		    [ "$("$SNAP" --stats "$D/hv.png" | sed -n 's/.* rows=\([0-9]*\).*/\1/p')" -gt 50 ]
	}
	ok "... a VNC client on h2 reads the guest's screen with the password" wait_until 30 drawn
else
	skip "... a VNC client reads its screen" "vncsnapshot, vncpasswd or convert missing"
fi
hosts_type 2 hv 'echo X$((6 * 7))X'
ok "... its shell answers on h2" hosts_wait_text "$(con 2 hv)" 'X42X' 60
is "... h1 has no monitor left" "$(ls "$(hosts_root 1)/var/run/xen/xenhv" 2>/dev/null | wc -l)" 0

run hosts_xm 2 destroy hv
is "hv destroyed" "$rc" 0
done_testing
