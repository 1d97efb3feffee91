#!/bin/bash
# disks.sh: virtual disks with real guests: a guest boots with its root on
# a file: ext4 image built by scripts/mkrootfs.sh (root=/dev/xvda turned
# into the guest's /dev/vda), writes a file, reboots and reads it back; a
# second writable use of the image is refused naming the holder, also
# after kill -9 of xend; w! shares it; a read-only use is allowed; a qcow2
# disk (tap:qcow2:) is attached at run time, seen by the guest, listed and
# detached; bad disks are refused naming the disk and the cause; the lock
# goes with the guest.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
if ! command -v mkfs.ext4 >/dev/null || ! command -v qemu-img >/dev/null; then
	echo "1..0 # SKIP mkfs.ext4 and qemu-img are needed"
	exit 0
fi

setup_root xdisk
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 900)
xend_config "(device-create-timeout 60)"
# r1 reboots seconds after it boots: the loop guard would refuse that
export XEND_RESTART_GUARD_SECS=1

run "$SCRIPTS/mkrootfs.sh" --size 24 "$D/root.img"
is "mkrootfs.sh builds an ext4 root image" "$rc" 0
qemu-img create -q -f qcow2 "$D/data.qcow2" 64M
run start_xend
is "xend starts" "$rc $err" "0 "

# ---- root on a file: disk ------------------------------------------------------
c1=$(guest_cfg r1 "disk = ['file:$D/root.img,xvda,w']" "root = '/dev/xvda'" \
    "extra = 'console=ttyS0 quiet panic=-1 cryptomgr.notests rw hostname=r1'")
run xm create -q "$c1"
is "create r1 with its root on file:root.img" "$rc $err" "0 "
ok "r1 boots from the disk (root=/dev/xvda is its /dev/vda)" \
    wait_until "$BOOT_LIMIT" con_has r1 "^xen-rootfs: booted from /dev/vda"
ok "... to its shell" booted r1
ok "r1 writes a file on its root" guest_ok r1 WROTE \
    "echo kept-across-reboot >/marker && sync"
run xm block-list r1
is "block-list: the classic header" "$(head -n 1 "$D/out")" \
    "Vdev  BE handle state evt-ch ring-ref BE-path"
is "block-list: xvda as device 51712, connected" "$(sed -n 2p "$D/out")" \
    "$(printf '%-5d  %-3d  %-3d   %-3d    %-3d    %-5d %-30s  ' 51712 0 0 4 -1 -1 \
    "/local/domain/0/backend/vbd/$(domid_of r1)/51712")"
run xm list -l r1
like "list -l: (device (vbd ...)) as configured, bootable" "$(tr -s ' \n' ' ' <"$D/out")" \
    "\(device \(vbd \(uname file:$D/root.img\) \(dev xvda\) \(mode w\) \(backend 0\) \(bootable 1\) *\) *\)"
run xenstore-read "/local/domain/0/backend/vbd/$(domid_of r1)/51712/hotplug-status" \
    "/local/domain/0/backend/vbd/$(domid_of r1)/51712/node"
is "the block script answered in xenstore (status, node)" "$out" "connected
$D/root.img"

# ---- one writer -------------------------------------------------------------------
c2=$(guest_cfg r2 "disk = ['file:$D/root.img,xvda,w']")
run xm create -q "$c2"
is "a second writable use of the image: exit 1" "$rc" 1
like "... refused, naming the image and the holder" "$err" \
    "disk $D/root.img is in use \(writable\) by domain 'r1'"
run xm list r2
is "... and leaves no domain" "$rc" 3
run xm create -q "$c2" "disk=file:$(dirname "$D/root.img")/./root.img,xvda,w"
like "another path to the same file is the same disk" "$err" "in use \(writable\) by domain 'r1'"
kill -KILL "$(xend_pid)"
run start_xend
is "xend starts again after kill -9" "$rc $err" "0 "
run xm create -q "$c2"
like "the refusal holds across the restart" "$err" "in use \(writable\) by domain 'r1'"
c3=$(guest_cfg r3 "disk = ['file:$D/root.img,xvda,w!']")
run xm create -q -p "$c3"
is "w! shares it anyway (created paused)" "$rc $err" "0 "
run xm destroy r3
c4=$(guest_cfg r4 "disk = ['file:$D/root.img,xvda,r']")
run xm create -q -p "$c4"
is "a read-only use is allowed" "$rc $err" "0 "
run xenstore-read "/local/domain/0/backend/vbd/$(domid_of r4)/51712/mode"
is "... with mode r in its backend" "$out" r
run xm destroy r4
c8=$(guest_cfg r8 "disk = ['file:$D/root.img,xvdc:cdrom,r', ',hdc:cdrom,r']")
run xm create -q -p "$c8"
is "cdroms: one with media, one empty" "$rc $err" "0 "
be="/local/domain/0/backend/vbd/$(domid_of r8)"
run xenstore-read "$be/51744/device-type" "$be/51744/params" "$be/5632/device-type" \
    "$be/5632/hotplug-status"
is "... recorded as cdroms, the empty one connected with nothing to open" "$out" \
    "cdrom
$D/root.img
cdrom
connected"
run xm destroy r8

# ---- rebooting keeps the disk and what was written on it ----------------------------
n=$(con_count r1 "^xen-rootfs: booted")
p=$(con_count r1 "r1:[^ ]*# ")
run xm reboot -w r1
is "xm reboot -w r1" "$rc" 0
ok "r1 boots again from its disk" \
    wait_until "$BOOT_LIMIT" count_over r1 "^xen-rootfs: booted" "$n"
ok "... to its shell" booted r1 "$p"
ok "the file written before the reboot is there" guest_ok r1 READ \
    "grep -qx kept-across-reboot /marker"
run xm create -q "$c2"
like "the restarted r1 still holds the image" "$err" "in use \(writable\) by domain 'r1'"

# ---- a disk attached at run time -------------------------------------------------
run xm block-attach r1 "tap:qcow2:$D/data.qcow2" xvdb w
is "block-attach a qcow2 disk as xvdb" "$rc $err" "0 "
ok "the guest sees it as /dev/vdb, 64 MiB" guest_ok r1 VDB \
    "test \$(cat /sys/block/vdb/size) -eq 131072"
ok "the guest can write on it" guest_ok r1 VDBW \
    "echo data | dd of=/dev/vdb bs=512 count=1 conv=sync 2>/dev/null && sync"
run xm block-list r1
is "block-list: both disks" "$(awk 'NR > 1 { print $1 }' "$D/out" | tr '\n' ' ')" \
    "51712 51728 "
run xenstore-read "/local/domain/0/backend/vbd/$(domid_of r1)/51728/format"
is "... the qcow2 one as qcow2" "$out" qcow2
run xm block-detach r1 xvdb
is "block-detach r1 xvdb" "$rc $err" "0 "
ok "... the disk left the guest" guest_ok r1 NOVDB "test ! -e /sys/block/vdb"
run xm block-list r1
is "block-list: the root disk only" "$(awk 'NR > 1 { print $1 }' "$D/out")" 51712
run xm block-detach r1 xvdc
is "detaching a disk that is not there: exit 1" "$rc" 1
like "... says so" "$err" "Device xvdc not connected"
run xm block-attach r1 "file:$D/nothing.img" xvdc w
is "attaching a missing file: exit 1" "$rc" 1
like "... naming the disk and the cause" "$err" \
    "disk xvdc: $D/nothing.img: No such file or directory"
run xm block-attach r1 "file:$D/root.img" xvdd w
like "r1's own root attached again writable: QEMU's image lock refuses it" \
    "$rc $err" "^1 Error: Device 51760 \(vbd\) could not be plugged into domain 'r1': .*lock"

# ---- bad disks -------------------------------------------------------------------
qemu-img create -q -f qcow2 -b "$D/data.qcow2" -F qcow2 "$D/overlay.qcow2"
c5=$(guest_cfg r5 "disk = ['file:$D/overlay.qcow2,xvda,w']")
run xm create -q "$c5"
like "a file: disk that is a qcow2 with a backing file is refused" "$err" \
    "looks like a qcow2 image with a backing file; name its format to use it \(tap:qcow2:"
c6=$(guest_cfg r6 "disk = ['phy:$D/root.img,xvda,w']")
run xm create -q "$c6"
like "phy: of a regular file is refused" "$err" "disk xvda: $D/root.img is not a block device"
c7=$(guest_cfg r7 "disk = ['tap:ram:$D/root.img,xvda,w']")
run xm create -q "$c7"
like "an unsupported tap driver is refused by name" "$err" "the tap driver 'ram' is not supported"
run xm list
is "none of them is left" "$(awk 'NR > 1 { print $1 }' "$D/out" | tr '\n' ' ')" "Domain-0 r1 "

# ---- the lock goes with the guest ---------------------------------------------------
run xm destroy r1
run xm create -q -p "$c2"
is "once r1 is gone, the image is free for r2" "$rc $err" "0 "
run xm destroy r2

done_testing
