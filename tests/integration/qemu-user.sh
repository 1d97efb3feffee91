#!/bin/bash
# qemu-user.sh: QEMU without root. Two guests with file disks: each QEMU
# runs as its own uid and gid (qemu-user-range-base + domid) with no
# capabilities, no new privileges and seccomp on, inside a root that
# holds /usr and a few device nodes only. A shell as that uid inside
# that root (what a guest escaping QEMU would have) finds neither dom0's
# files nor the other guest's disk, cannot write /usr and cannot signal
# the other QEMU; as that uid on the host, the other guest's disk and
# xend's database are still out of reach. Meanwhile everything QEMU is
# given as descriptors works: the guest writes its disk, a disk attached
# at run time is used and let go, qcow2 disks read through their backing
# files (relative and absolute names, at start and attached; opened as
# QEMU's user, so an overlay cannot name another guest's disk), a save and restore keeps the disk, a
# core dump is written; the root goes with the domain, and
# (qemu-user-range-base 0) runs QEMU as root as before.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
if ! command -v nsenter >/dev/null || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP nsenter and setpriv (util-linux) are needed"
	exit 0
fi

BASE=1879048192
setup_root qemuuser
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 900)
xend_config "(qemu-user-range-base $BASE)"
# searchable as /var/lib/xen/images is: what protects a file is its mode
chmod 755 "$D"
for n in a b c e; do
	dd if=/dev/zero of="$D/$n.img" bs=1M count=8 status=none
	chmod 600 "$D/$n.img"
done
# g2's disk is a qcow2 over b.img, c.qcow2 one over e.img: QEMU cannot
# follow the backing names inside its root, xenhv hands the chain over
printf B-BASE | dd of="$D/b.img" conv=notrunc status=none
printf E-BASE | dd of="$D/e.img" conv=notrunc status=none
# (the bases readable by QEMU's user, as base images are; the guests'
# own disks and overlays 0600). Overlays naming another guest's disk or
# a symlink as their backing file are refused.
chmod 644 "$D/b.img" "$D/e.img"
ln -s e.img "$D/link.img"
(cd "$D" && qemu-img create -q -f qcow2 -b b.img -F raw b.qcow2 &&
    qemu-img create -q -f qcow2 -b "$D/e.img" -F raw c.qcow2 &&
    qemu-img create -q -f qcow2 -b "$D/a.img" -F raw steal.qcow2 &&
    qemu-img create -q -f qcow2 -b "$D/link.img" -F raw link.qcow2)
chmod 600 "$D/b.qcow2" "$D/c.qcow2" "$D/steal.qcow2" "$D/link.qcow2"
run start_xend
is "xend starts" "$rc $err" "0 "

# monitor_of NAME / qemu_of NAME: the monitor's pid, its QEMU's pid
monitor_of() { cat "$D/var/run/xen/xenhv/$(domid_of "$1")/lock" 2>/dev/null; }
qemu_of() { pgrep -P "$(monitor_of "$1")" | head -n 1; }
status_of() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
# as_jailed PID CMD: CMD in /bin/sh as PID's uid, in PID's mount namespace
# and root, with no supplementary groups
as_jailed() {
	local uid
	uid=$(status_of "$1" Uid | awk '{ print $1 }')
	nsenter -t "$1" -m -r -S "$uid" -G "$uid" /bin/sh -c "$2"
}
# as_uid UID CMD: CMD as UID on the host
as_uid() { setpriv --reuid "$1" --regid "$1" --clear-groups /bin/sh -c "$2"; }

c1=$(guest_cfg g1 "disk = ['file:$D/a.img,xvda,w']")
c2=$(guest_cfg g2 "disk = ['tap:qcow2:$D/b.qcow2,xvda,w']")
run xm create -q "$c1"
is "create g1 (disk a.img)" "$rc $err" "0 "
run xm create -q "$c2"
is "create g2 (disk b.qcow2 over b.img)" "$rc $err" "0 "
ok "g1 boots to its shell" booted g1
ok "g2 boots to its shell" booted g2

q1=$(qemu_of g1)
q2=$(qemu_of g2)
u1=$((BASE + $(domid_of g1)))
u2=$((BASE + $(domid_of g2)))
is "g1's QEMU runs as qemu-user-range-base + domid (uid, all four)" \
    "$(status_of "$q1" Uid)" "$u1 $u1 $u1 $u1"
is "... and the same gid" "$(status_of "$q1" Gid)" "$u1 $u1 $u1 $u1"
is "g2's QEMU has its own uid" "$(status_of "$q2" Uid | awk '{ print $1 }')" "$u2"
kvm_gid=$(stat -c %g /dev/kvm 2>/dev/null)
[ "$kvm_gid" = 0 ] && kvm_gid=
is "... no supplementary groups but /dev/kvm's" "[$(status_of "$q1" Groups | tr -d ' ')]" \
    "[$kvm_gid]"
is "... no capabilities" "$(status_of "$q1" CapEff) $(status_of "$q1" CapPrm)" \
    "0000000000000000 0000000000000000"
is "... no new privileges, seccomp filtering" \
    "$(status_of "$q1" NoNewPrivs) $(status_of "$q1" Seccomp)" "1 2"
is "its root holds /usr, /dev, /etc, /boot and the /usr links only" \
    "$(ls /proc/"$q1"/root | grep -vxE 'bin|sbin|lib|lib32|lib64|libx32' | tr '\n' ' ')" \
    "boot dev etc usr "
like "xenhv's log says so" "$(grep -a 'QEMU pid' "$D/var/log/xen/xenhv-g1.log")" \
    "uid $u1, confined to "

# ---- a guest that escaped QEMU ---------------------------------------------------
run as_jailed "$q1" 'id -u; id -G'
is "a shell as g1's QEMU (its uid, its root)" "$out" "$u1
$u1"
run as_jailed "$q1" 'cat /etc/passwd'
is "... cannot read dom0's /etc/passwd (not there)" "$rc" 1
run as_jailed "$q1" "ls $D/b.img $D/var/lib/xend"
like "... cannot see g2's disk or xend's state" "$err" "No such file"
run as_jailed "$q1" 'echo x >/usr/bin/escaped'
like "... cannot write /usr" "$err" "Read-only file system"
run as_jailed "$q1" "kill -0 $q2"
like "... cannot signal g2's QEMU" "$err" "[Oo]peration not permitted"
run as_jailed "$q1" 'ls /proc/1/root'
is "... has no /proc to reach other roots through" "$rc" 2
run as_uid "$u1" "dd if=/dev/zero of=$D/b.img bs=512 count=1 conv=notrunc"
like "as that uid on the host, g2's disk is not writable" "$err" "Permission denied"
run as_uid "$u1" "cat $D/var/lib/xend/xend.db"
like "... nor xend's database readable" "$err" "Permission denied"
[ -e /usr/bin/escaped ] && rm -f /usr/bin/escaped

# ---- what QEMU is given still works ----------------------------------------------
ok "g1 writes its disk (passed as a descriptor)" guest_ok g1 W1 \
    "printf G1-MARK | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null"
is "... and the data is in a.img" "$(head -c 7 "$D/a.img")" "G1-MARK"
run xm block-attach g1 "file:$D/c.img" xvdb w
is "block-attach c.img to g1" "$rc $err" "0 "
ok "g1 writes the attached disk" guest_ok g1 W2 \
    "printf C-MARK | dd of=/dev/vdb bs=512 conv=sync,fsync 2>/dev/null"
is "... and the data is in c.img" "$(head -c 6 "$D/c.img")" "C-MARK"
run xm block-detach g1 xvdb
is "block-detach xvdb" "$rc $err" "0 "
holds_c() { ls -l /proc/"$(qemu_of g1)"/fd 2>/dev/null | grep -q "$D/c.img"; }
ok "... QEMU lets go of c.img" wait_until 30 eval '! holds_c'
run xm block-attach g1 "tap:qcow2:$D/c.qcow2" xvdc w
is "block-attach c.qcow2 (over e.img, by its absolute name) to g1" "$rc $err" "0 "
ok "g1 reads e.img's data through it" guest_ok g1 QC \
    "for x in /dev/vd[b-z]; do dd if=\$x bs=6 count=1 2>/dev/null; done | grep -q E-BASE"
run xm block-detach g1 xvdc
is "block-detach xvdc" "$rc $err" "0 "
run xm block-attach g2 "tap:qcow2:$D/steal.qcow2" xvdd w
like "an overlay over g1's disk (0600) is refused: its backing file is opened as QEMU's user" \
    "$rc $err" "^1 .*backing file $D/a\.img: Permission denied \(it is opened as QEMU's user, uid $u2\)"
run xm block-attach g2 "tap:qcow2:$D/link.qcow2" xvdd w
like "... and one whose backing file is a symlink" "$rc $err" \
    "^1 .*backing file $D/link\.img: Too many levels of symbolic links"
ok "g2 reads b.img's data through its qcow2 (relative backing name)" \
    guest_ok g2 QB "dd if=/dev/vda bs=6 count=1 2>/dev/null | grep -q B-BASE"
run xm save g1 "$D/g1.save"
is "save g1" "$rc $err" "0 "
run xm restore "$D/g1.save"
is "restore g1" "$rc $err" "0 "
q1=$(qemu_of g1)
is "the restored QEMU is confined too" \
    "$(status_of "$q1" Uid | awk '{ print $1 }') $(status_of "$q1" CapEff)" \
    "$((BASE + $(domid_of g1))) 0000000000000000"
ok "the restored g1 reads its disk" guest_ok g1 R1 \
    "echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; dd if=/dev/vda bs=7 count=1 2>/dev/null | grep -q G1-MARK"
run xm dump-core g2 "$D/g2.core"
is "dump-core g2 (the file opened by the monitor)" "$rc $err" "0 "
ok "... the core is written" test -s "$D/g2.core"
jail2="$D/var/run/xen/xenhv/$(domid_of g2)/qemu"
ok "g2's root exists while it runs" test -d "$jail2"
run xm destroy g2
is "destroy g2" "$rc $err" "0 "
ok "... its root goes with it" wait_until 30 eval "[ ! -e '$jail2' ]"
run xm destroy g1

# ---- as root, when asked -----------------------------------------------------------
kill -TERM "$(xend_pid)"
wait_until 30 eval '! kill -0 '"$(xend_pid)"' 2>/dev/null'
xend_config "(qemu-user-range-base 0)"
run start_xend
is "xend starts with (qemu-user-range-base 0)" "$rc $err" "0 "
run xm create -q -p "$c2"
is "create g2 paused" "$rc $err" "0 "
is "its QEMU runs as root" "$(status_of "$(qemu_of g2)" Uid | awk '{ print $1 }')" 0
run xm destroy g2
done_testing
