#!/bin/bash
# hvm.sh: HVM guests through a private xend. Bad HVM keys are refused,
# naming the key and leaving nothing. An HVM guest with its screen on a
# VNC display with a password: the display is where xm list -l and
# xenstore say, a real VNC client (vncsnapshot) reads a picture that is
# not blank with the password and is refused with a wrong one, and the
# password shows nowhere (ps, logs, xenstore, xm list -l). Two displays
# get two ports with vncunused; a display in use is refused without it.
# With the test ISO (scripts/mkiso.sh), the guest boots from its CD-ROM
# (boot = 'dc', a blank hda first), reaches its shell on xm console, and
# answers xm sysrq and xm trigger power. xm block-configure changes and
# ejects its CD-ROM's medium, and a reboot and a save/restore keep it.
NAME=hvm
BOOT_LIMIT=240
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

SNAP="$(cd "${top_srcdir:-.}" && pwd)/tests/tools/vnc-snap.sh"
XSREAD="$(cd "${top_builddir:-.}" && pwd)/xenstore/xenstore-read"
ISO="${XEN_GUEST_ISO:-$GUEST/guest.iso}"
export XENSTORED_PATH="$D/var/run/xenstored/socket"
unset DISPLAY
# the disks' hotplug script (block) from the source tree, its xenstore
# tools from the build tree
mkdir -p "$D/etc/xen"
{
	echo "(xend-scripts-path $(cd "${top_srcdir:-.}" && pwd)/scripts)"
	# every crashed guest leaves its core (c2 below)
	echo "(enable-dump yes)"
} >"$D/etc/xen/xend-config.sxp"
export PATH="$(dirname "$XSREAD"):$PATH"

run "$XEND" --root "$D" start
is "private xend starts" "$rc $err" "0 "

hvm() {
	local f="$D/$1.cfg"; shift
	{
		echo 'builder = "hvm"'
		echo 'kernel = "/usr/lib/xen/boot/hvmloader"'
		echo 'memory = 128'
		printf '%s\n' "$@"
	} >"$f"
	echo "$f"
}

# ---- bad keys: refused, naming them, nothing left ----------------------------
for bad in "boot = 'xz'|boot: .*'xz'" \
    "usbdevice = 'scanner'|usbdevice: 'scanner' is not supported" \
    "usbdevice = 'disk:$D/nostick.img'|usbdevice $D/nostick.img: No such file" \
    "soundhw = 'beeper'|soundhw: unknown sound card 'beeper'" \
    "sdl = 1|sdl: this host has no X display"; do
	key=${bad%%|*}
	run xm create "$(hvm bad "name = 'bad'" "$key")"
	like "$key: refused, naming the key and value" "$rc $err" "^1 Error: .*${bad#*|}"
	ok "... nothing left" not_listed bad
done

# ---- a guest with a display and a password ---------------------------------------
disks=""
if [ -r "$ISO" ]; then
	qemu-img create -q -f qcow2 "$D/blank.qcow2" 64M
	disks="disk = ['tap:qcow2:$D/blank.qcow2,hda,w', 'file:$ISO,hdc:cdrom,r']"
fi
cfg1=$(hvm h1 "name = 'h1'" "boot = 'dc'" "vnc = 1" "vncpasswd = 's3cret'" \
    "stdvga = 1" "usb = 1" "usbdevice = 'tablet'" "soundhw = 'ac97'" \
    "serial = 'pty'" "$disks")
run xm create "$cfg1"
is "create h1 (HVM, VNC with a password)" "$rc" 0
loc=$(xm list -l h1 | sed -n 's/^ *(location \(127\.0\.0\.1:59[0-9][0-9]\))$/\1/p')
like "list -l: the display's location" "$loc" '^127\.0\.0\.1:59[0-9][0-9]$'
port=${loc#*:}
id1=$(domid_of h1)
is "xenstore: console/vnc-port" "$("$XSREAD" "/local/domain/$id1/console/vnc-port" 2>&1)" "$port"
is "xenstore: console/vnc-listen" "$("$XSREAD" "/local/domain/$id1/console/vnc-listen" 2>&1)" "127.0.0.1"
like "list -l: the password is masked" "$(xm list -l h1)" '\(vncpasswd XXXXXXXX\)'
ok "... and not shown in clear" bash -c "! xm list -l h1 | grep -q s3cret"
ok "the password is in no command line" bash -c "! ps -eo args | grep -v grep | grep -q s3cret"
ok "... in no log" bash -c "! grep -rq s3cret '$D/var/log'"
ok "... in no xenstore node" bash -c "! XENSTORED_PATH='$XENSTORED_PATH' '$(dirname "$XSREAD")/xenstore-ls' -f / 2>/dev/null | grep -q s3cret"

have_vnc=""
command -v vncsnapshot >/dev/null && command -v vncpasswd >/dev/null &&
	command -v convert >/dev/null && have_vnc=1
if [ -n "$have_vnc" ]; then
	ok "a VNC client reads the screen with the password" \
	    "$SNAP" -t 60 "127.0.0.1:$((port - 5900))" "$D/h1.jpg" s3cret
	ok "... the picture is not blank" bash -c "! '$SNAP' --blank '$D/h1.jpg'"
	run "$SNAP" -t 20 "127.0.0.1:$((port - 5900))" "$D/bad.jpg" wrong
	like "... a wrong password is refused" "$rc $err" "^1 .*password refused"
else
	skip "a VNC client reads the screen" "vncsnapshot, vncpasswd or convert missing"
fi

# ---- xm vncviewer --autopass: real viewers on a virtual X display ------------------
if command -v Xvfb >/dev/null; then
	Xvfb -displayfd 3 -nolisten tcp 3>"$D/xvfb.num" 2>/dev/null &
	bg_pids="$bg_pids $!"
	have_num() { [ -s "$D/xvfb.num" ]; }
	wait_for 30 have_num
	xd=":$(cat "$D/xvfb.num")"
	for v in xtigervncviewer xtightvncviewer; do
		if ! command -v "$v" >/dev/null; then
			skip "xm vncviewer --autopass with $v" "$v is not installed"
			continue
		fi
		DISPLAY=$xd VNCVIEWER=$v "$XM" vncviewer --autopass h1 >"$D/$v.log" 2>&1 &
		vpid=$!
		bg_pids="$bg_pids $vpid"
		# TightVNC says so; TigerVNC sets its pixel format once let in
		authed() { grep -Eq 'Authentication successful|Using pixel format' "$D/$v.log"; }
		ok "xm vncviewer --autopass h1 ($v): the viewer is let in" wait_for 30 authed
		ok "... the password is on no command line" \
		    bash -c "! tr '\\0' ' ' </proc/$vpid/cmdline | grep -q s3cret"
		kill "$vpid" 2>/dev/null
	done
	# vncconsole = 1: xm create starts the viewer by itself (it ends
	# when the display goes, with the domain)
	if command -v xtightvncviewer >/dev/null; then
		DISPLAY=$xd VNCVIEWER=xtightvncviewer "$XM" create \
		    "$(hvm h4 "name = 'h4'" "vnc = 1" "vncconsole = 1")" >"$D/h4.out" 2>&1
		like "create h4 (vncconsole = 1)" "$? $(grep -v '^Using config' "$D/h4.out" | head -n 3)" "^0 "
		h4_viewed() { grep -q 'Desktop name "QEMU (h4)"' "$D/h4.out"; }
		ok "... a viewer is started on its display" wait_for 30 h4_viewed
		ok "destroy h4" xm destroy h4
	fi
else
	skip "xm vncviewer --autopass" "Xvfb is not installed"
fi

# ---- two displays, and one in use --------------------------------------------------
run xm create "$(hvm h2 "name = 'h2'" "vnc = 1" "vncunused = 1")"
is "create h2 (vncunused)" "$rc" 0
loc2=$(xm list -l h2 | sed -n 's/^ *(location \(.*\))$/\1/p')
ok "... gets another port ($loc2)" test -n "$loc2" -a "$loc2" != "$loc"
run xm create "$(hvm h3 "name = 'h3'" "vnc = 1" "vncunused = 0" "vncdisplay = $((port - 5900))")"
like "a display in use without vncunused: refused, naming the holder" "$rc $err" \
    "^1 Error: .*vncdisplay $((port - 5900)): port $port on 127.0.0.1 is in use by domain 'h1'"
ok "... nothing left" not_listed h3
run xm vncviewer h2
like "vncviewer without X: says so and where the display is" "$rc $err" \
    "^1 Error: no X display here .*connect one to $loc2"
ok "destroy h2" xm destroy h2

# ---- booted from the CD-ROM --------------------------------------------------------
if [ -n "$disks" ]; then
	ok "h1 boots from its CD-ROM (boot = 'dc') to its shell on the console" booted h1
	# the kernel writes to the screen too (console=tty0): far more lit
	# rows than QEMU's one-line placeholder before the firmware draws
	screen_drawn() {
		"$SNAP" -t 20 "127.0.0.1:$((port - 5900))" "$D/h1.png" s3cret &&
		    [ "$("$SNAP" --stats "$D/h1.png" | sed -n 's/.* rows=\([0-9]*\).*/\1/p')" -gt 50 ]
	}
	if [ -n "$have_vnc" ]; then
		ok "... and its screen, read over VNC, shows the boot" wait_for 60 screen_drawn
	else
		skip "... its screen over VNC" "vncsnapshot, vncpasswd or convert missing"
	fi
	sysrq_seen() { grep -aq 'sysrq: HELP' "$(conlog h1)"; }
	run xm sysrq h1 h
	is "xm sysrq h1 h" "$rc" 0
	ok "... the guest's console shows the SysRq help" wait_for 30 sysrq_seen
	# ---- CD-ROM media: xm block-configure --------------------------------------
	# The test kernel has no AHCI driver, so the medium is seen from the
	# host: the files QEMU holds open.
	qemu_isos() { ls -l "/proc/$(qemu_pid h1)/fd" 2>/dev/null | grep -o '/[^ ]*\.iso$' | sort -u; }
	iso_real=$(readlink -f "$ISO")
	cp "$ISO" "$D/cd2.iso"
	# another volume label, still bootable
	printf XENCD2 | dd of="$D/cd2.iso" bs=1 seek=$((32768 + 40)) conv=notrunc 2>/dev/null
	is "QEMU holds the ISO" "$(qemu_isos)" "$iso_real"
	run xm block-configure h1 "file:$D/cd2.iso" hdc:cdrom r
	is "block-configure h1: another medium" "$rc $err" "0 "
	is "... QEMU holds it, and not the old one" "$(qemu_isos)" "$D/cd2.iso"
	like "... xm list -l shows it" "$(xm list -l h1 | tr -s ' \n' ' ')" \
	    "\(uname file:$D/cd2.iso\) \(dev hdc:cdrom\)"
	is "... xenstore: the backend's params" \
	    "$("$XSREAD" "/local/domain/0/backend/vbd/$id1/5632/params" 2>&1)" "$D/cd2.iso"
	run xm block-configure h1 '' hdc:cdrom r
	is "block-configure h1 '' hdc:cdrom r: eject" "$rc $err" "0 "
	is "... QEMU holds no medium" "$(qemu_isos)" ""
	like "... xm list -l shows an empty drive" "$(xm list -l h1 | tr -s ' \n' ' ')" "\(uname ''\) \(dev hdc:cdrom\)"
	run xm block-configure h1 "file:$D/nowhere.iso" hdc:cdrom r
	like "a missing ISO: refused, naming it" "$rc $err" "^1 Error: disk hdc: $D/nowhere.iso: No such file"
	run xm block-configure h1 "file:$D/cd2.iso" hdd:cdrom r
	like "a drive h1 lacks: refused" "$rc $err" "^1 Error: Domain 'h1' has no disk hdd"
	run xm block-configure h1 "file:$D/cd2.iso" hda r
	like "a disk that is no cdrom: refused" "$rc $err" "^1 Error: Disk hda of domain 'h1' is not a cdrom"
	is "... the drive is still empty" "$(qemu_isos)" ""
	run xm block-configure h1 "file:$D/cd2.iso" hdc r
	is "block-configure h1 FILE hdc r: a medium again (the drive's own name)" "$rc $err" "0 "
	is "... QEMU holds it" "$(qemu_isos)" "$D/cd2.iso"
	# the change is recorded: a restart and a save/restore keep it
	old=$(domid_of h1)
	p0=$(prompts h1)
	ok "xm reboot h1" xm reboot h1
	new_domid() { [ -n "$(domid_of h1)" ] && [ "$(domid_of h1)" != "$old" ]; }
	ok "... h1 comes back" wait_for 90 new_domid
	ok "... boots from the new medium" booted h1 "$p0"
	is "... which QEMU holds" "$(qemu_isos)" "$D/cd2.iso"
	run xm save h1 "$D/h1.save"
	is "xm save h1" "$rc $err" "0 "
	run xm restore "$D/h1.save"
	is "xm restore h1" "$rc $err" "0 "
	is "... the medium is kept" "$(qemu_isos)" "$D/cd2.iso"
	# the display is made again (with vncunused, on the first free port
	# from its display number: another one if its old port was taken)
	loc_r=$(xm list -l h1 | sed -n 's/^ *(location \(127\.0\.0\.1:59[0-9][0-9]\))$/\1/p')
	like "... the display too" "$loc_r" '^127\.0\.0\.1:59[0-9][0-9]$'
	if [ -n "$have_vnc" ]; then
		ok "... and a VNC client reads it with the password" \
		    "$SNAP" -t 60 "127.0.0.1:$((${loc_r#*:} - 5900))" "$D/h1r.jpg" s3cret
	fi
	answers() { [ "$(gsh h1 'echo $((6 * 7))')" = 42 ]; }
	ok "... the guest's shell answers" wait_for 60 answers
	run xm dump-core h1 "$D/h1.core"
	is "xm dump-core h1 FILE" "$rc $out" "0 Dumping core of domain: h1 ..."
	like "... an ELF core file" "$(file "$D/h1.core")" "ELF 64-bit LSB core file"
	like "... and h1 runs on" "$(row h1 | awk '{ print $5 }')" '^(r|-b)'
	run xm trigger h1 power
	is "xm trigger h1 power" "$rc" 0
	ok "... the guest powers off and h1 is gone" wait_for 90 not_listed h1
else
	skip "h1 boots from its CD-ROM" "no test ISO at $ISO (scripts/mkiso.sh)"
	ok "destroy h1" xm destroy h1
fi
# ---- serial and parallel ports, floppies ----------------------------------------
run xm create "$(hvm bad "name = 'bad'" "serial = 'vc'")"
like "serial = 'vc': refused, naming the key" "$rc $err" "^1 Error: .*serial: 'vc' is not supported"
ok "... nothing left" not_listed bad
run xm create "$(hvm bad "name = 'bad'" "fda = '$D/nofloppy.img'")"
like "a missing floppy image: refused, naming it" "$rc $err" "^1 Error: .*fda $D/nofloppy.img: No such file"
ok "... nothing left" not_listed bad
if [ -n "$disks" ]; then
	sport=$((20000 + RANDOM % 20000))
	dd if=/dev/zero of="$D/fd.img" bs=1k count=1440 2>/dev/null
	dd if=/dev/zero of="$D/stick.img" bs=1M count=8 2>/dev/null
	run xm create "$(hvm s1 "name = 's1'" "boot = 'd'" "viridian = 1" \
	    "usbdevice = 'disk:$D/stick.img'" \
	    "serial = 'tcp:127.0.0.1:$sport,server,nowait'" \
	    "parallel = 'file:$D/par.out'" "fda = '$D/fd.img'" \
	    "disk = ['file:$ISO,hdc:cdrom,r']")"
	is "create s1 (serial on TCP, parallel to a file, a floppy, a USB stick)" "$rc $err" "0 "
	run xm create "$(hvm s2 "name = 's2'" "boot = 'd'" "serial = 'file:$D/s2.serial'" \
	    "disk = ['file:$ISO,hdc:cdrom,r']")"
	is "create s2 (serial to a file)" "$rc $err" "0 "
	held() { ls -l "/proc/$(qemu_pid "$1")/fd" 2>/dev/null | grep -q -- "-> $2\$"; }
	ok "s1: QEMU holds the floppy image" held s1 "$D/fd.img"
	ok "... and the parallel port's file" held s1 "$D/par.out"
	ok "... and the USB stick's image (usbdevice = 'disk:...')" held s1 "$D/stick.img"
	# the guest's shell is on the serial port: one connection, read from
	# the start (keys typed before the shell would stop GRUB's menu)
	tcp_open() { exec 7<>"/dev/tcp/127.0.0.1/$sport"; } 2>/dev/null
	ok "... its serial port takes a TCP client" wait_for 30 tcp_open
	cat <&7 >"$D/s1.tcp" &
	bg_pids="$bg_pids $!"
	tcp_has() { tr -d '\r' <"$D/s1.tcp" | grep -aq "$1"; }
	ok "... the guest boots to its shell there" wait_for $BOOT_LIMIT tcp_has 'guest:~#'
	printf 'echo X$((6 * 7))X\n' >&7
	ok "... and answers a command typed there" wait_for 30 tcp_has 'X42X'
	exec 7<&- 7>&-
	if xm info | grep -q '^accel *: *tcg'; then
		like "... viridian = 1 under TCG: the domain's log says it is ignored" \
		    "$(grep 's1' "$XLOG")" "viridian = 1 is ignored"
	else
		skip "... viridian = 1 under TCG" "this xend runs guests with KVM"
	fi
	s2_boots() { grep -aq 'Linux version' "$D/s2.serial"; }
	ok "s2: the guest's boot goes to the serial file" wait_for $BOOT_LIMIT s2_boots
	ok "destroy s1" xm destroy s1
	ok "destroy s2" xm destroy s2
else
	skip "serial, parallel and floppies" "no test ISO at $ISO"
fi

# ---- PV-on-HVM: virtio disks and the balloon -------------------------------------
if [ -n "$disks" ]; then
	qemu-img create -q -f raw "$D/data.img" 16M
	run xm create "$(hvm p1 "name = 'p1'" "boot = 'd'" "memory = 128" "maxmem = 192" \
	    "disk = ['file:$ISO,hdc:cdrom,r', 'file:$D/data.img,xvdb,w']")"
	is "create p1 (HVM, a virtio disk xvdb, maxmem 192)" "$rc $err" "0 "
	ok "p1 boots" booted p1
	vda_size() { [ "$(gsh p1 'cat /sys/block/vda/size')" = 32768 ]; }
	ok "... its xvdb is a virtio disk in the guest (/dev/vda, 16 MiB)" wait_for 30 vda_size
	within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
	memtotal() { gsh p1 "awk '/MemTotal/ { print \$2 }' /proc/meminfo"; }
	mt0=$(memtotal)
	run xm mem-set p1 192
	is "xm mem-set p1 192: the balloon of an HVM guest" "$rc $err" "0 "
	mt1=$(memtotal)
	ok "... its MemTotal grew by 64 MiB ($mt0 -> $mt1 kB)" \
	    within "$(( mt1 - mt0 ))" $(( 60 * 1024 )) $(( 68 * 1024 ))
	ok "destroy p1" xm destroy p1
else
	skip "PV-on-HVM" "no test ISO at $ISO"
fi

# ---- UEFI: OVMF with an NVRAM of the domain's own -------------------------------
if [ -n "$disks" ] && grep -q '^boot .*uefi' "$ISO.version" 2>/dev/null &&
    [ -r /usr/share/OVMF/OVMF_CODE_4M.fd ]; then
	# OVMF and GRUB need more than 128 MiB to load the kernel
	run xm create "$(hvm u1 "name = 'u1'" "memory = 256" "bios = 'ovmf'" "boot = 'd'" \
	    "disk = ['file:$ISO,hdc:cdrom,r']")"
	is "create u1 (bios = 'ovmf')" "$rc" 0
	ok "u1 boots the CD under UEFI to its shell" booted u1
	uuid=$(xm list -l u1 | sed -n 's/^    (uuid \(.*\))$/\1/p')
	nv="$D/var/lib/xend/domains/$uuid/nvram.fd"
	ok "u1 has an NVRAM of its own" test -s "$nv"
	ino=$(stat -c %i "$nv" 2>/dev/null)
	old=$(domid_of u1)
	p0=$(prompts u1)
	ok "xm reboot u1" xm reboot u1
	new_domid() { [ -n "$(domid_of u1)" ] && [ "$(domid_of u1)" != "$old" ]; }
	ok "... u1 comes back" wait_for 90 new_domid
	ok "... boots again under UEFI" booted u1 "$p0"
	is "... with the same NVRAM" "$(stat -c %i "$nv" 2>/dev/null)" "$ino"
	# the NVRAM's bytes travel in QEMU's stream (the flash is guest
	# memory): a restore writes them back, as a migration does
	sum=$(md5sum <"$nv")
	run xm save u1 "$D/u1.save"
	is "xm save u1" "$rc $err" "0 "
	run xm restore "$D/u1.save"
	is "xm restore u1" "$rc $err" "0 "
	nv_back() { [ "$(md5sum <"$nv" 2>/dev/null)" = "$sum" ]; }
	ok "... its NVRAM holds what it held before the save" wait_for 30 nv_back
	u1_answers() { [ "$(gsh u1 'echo $((6 * 7))')" = 42 ]; }
	ok "... and u1 runs on" wait_for 60 u1_answers
	ok "destroy u1" xm destroy u1
	ok "... its NVRAM goes with it" test ! -e "$nv"
else
	skip "UEFI guest" "no test ISO with a UEFI boot, or no OVMF (apt-get install ovmf)"
fi
# the example as shipped (it boots the test CD)
if [ -n "$disks" ] && [ "$ISO" = /usr/share/xen/guest/guest.iso ]; then
	run xm create "$(cd "${top_srcdir:-.}" && pwd)/etc/xen/examples/hvm.cfg"
	is "etc/xen/examples/hvm.cfg creates as shipped" "$rc" 0
	ok "... and boots to its shell" booted hvm1
	like "... with its display" "$(xm list -l hvm1)" '\(location 127\.0\.0\.1:59[0-9][0-9]\)'
	ok "... destroy hvm1" xm destroy hvm1
else
	skip "etc/xen/examples/hvm.cfg" "the test ISO is not at /usr/share/xen/guest"
fi
run xm create "$(hvm u2 "name = 'u2'" "bios = 'uefi'")"
like "bios = 'uefi': refused, naming it" "$rc $err" "^1 Error: .*bios.*uefi"

# ---- a PV guest's framebuffer: vfb = [...] -------------------------------------------
{
	echo "kernel = '$GUEST/vmlinuz'"
	echo "ramdisk = '$GUEST/initrd.img'"
	echo "memory = 96"
	echo "name = 'v1'"
	# the kernel's messages on the screen too; the console stays ttyS0
	echo "extra = 'console=tty0 console=ttyS0'"
	echo "vfb = ['vnc=1,vncpasswd=fbpw,vncunused=1']"
} >"$D/v1.cfg"
run xm create "$D/v1.cfg"
is "create v1 (PV, vfb = ['vnc=1,...'])" "$rc" 0
vloc=$(xm list -l v1 | sed -n 's/^ *(location \(127\.0\.0\.1:59[0-9][0-9]\))$/\1/p')
like "... list -l: the framebuffer's location" "$vloc" '^127\.0\.0\.1:59[0-9][0-9]$'
is "... xenstore: console/vnc-port" \
    "$("$XSREAD" "/local/domain/$(domid_of v1)/console/vnc-port" 2>&1)" "${vloc#*:}"
ok "... v1 boots, its console on xm console as before" booted v1
if [ -n "$have_vnc" ]; then
	fb_drawn() {
		"$SNAP" -t 20 "127.0.0.1:$((${vloc#*:} - 5900))" "$D/v1.png" fbpw &&
		    [ "$("$SNAP" --stats "$D/v1.png" | sed -n 's/.* rows=\([0-9]*\).*/\1/p')" -gt 50 ]
	}
	ok "... a VNC client reads the kernel's text on its framebuffer" wait_for 60 fb_drawn
	run "$SNAP" -t 20 "127.0.0.1:$((${vloc#*:} - 5900))" "$D/v1bad.png" wrong
	like "... a wrong password is refused" "$rc $err" "^1 .*password refused"
else
	skip "... its framebuffer over VNC" "vncsnapshot, vncpasswd or convert missing"
fi
ok "destroy v1" xm destroy v1

# on_crash = 'coredump-destroy': a guest that panics leaves its core
run xm create -q "$CFG" $CFG_GUEST name=c1 memory=96 on_crash=coredump-destroy
is "create c1 (PV, on_crash = coredump-destroy)" "$rc" 0
ok "c1 boots" booted c1
gsh c1 'echo c > /proc/sysrq-trigger' >/dev/null
ok "c1 panics: it is destroyed" wait_for 90 not_listed c1
like "... after its core was dumped under /var/xen/dump/c1" \
    "$(file "$D"/var/xen/dump/c1/*-c1.*.core 2>&1)" "ELF 64-bit LSB core file"
# enable-dump (xend-config.sxp): any crash leaves a core
run xm create -q "$CFG" $CFG_GUEST name=c2 memory=96 on_crash=destroy
is "create c2 (PV, on_crash = destroy, xend's enable-dump yes)" "$rc" 0
ok "c2 boots" booted c2
gsh c2 'echo c > /proc/sysrq-trigger' >/dev/null
ok "c2 panics: it is destroyed" wait_for 90 not_listed c2
like "... after its core was dumped under /var/xen/dump/c2" \
    "$(file "$D"/var/xen/dump/c2/*-c2.*.core 2>&1)" "ELF 64-bit LSB core file"
run xm dump-core -C -R Domain-0
is "dump-core -C -R: usage error" "$rc" 2

run xm sysrq h1 hh
is "xm sysrq with two letters: usage error" "$rc" 2
run xm trigger Domain-0 nmi
is "xm trigger of Domain-0: refused" "$rc" 1

done_testing
