#!/bin/bash
# hotplug-errors.sh: devices that cannot be connected, with xend inside a
# network namespace of its own: a missing bridge, a missing script, a
# script that exits 1, one that hangs (device-create-timeout), one that
# exits 0 without answering, a disk that is missing. Each error names the
# device, the script and its cause, and nothing of the half-made domain
# is left: no domain, no tap, no xenstore node, no disk lock. Then xend
# is killed while a domain's script runs: the next xend cleans up after
# it. No guest boots here: every failure comes before QEMU.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests

setup_root xhperr
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 600)
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }

# The real scripts, and some that misbehave, in one directory.
SCRIPTS="$D/scripts"
mkdir -p "$SCRIPTS"
for f in "$SRC"/scripts/*; do ln -s "$f" "$SCRIPTS/"; done
cat >"$SCRIPTS/vif-fail" <<'EOF'
#!/bin/sh
echo "vif-fail: the switch is on fire" >&2
exit 1
EOF
cat >"$SCRIPTS/vif-silent" <<'EOF'
#!/bin/sh
exit 0
EOF
cat >"$SCRIPTS/vif-hang" <<EOF
#!/bin/sh
echo \$\$ >"$D/hang.pid"
echo "vif-hang: waiting for ever"
exec sleep 600
EOF
# block-<type> scripts for a disk type of their own: one that finds the
# disk (it writes node, as block-nbd would), one that cannot.
cat >"$SCRIPTS/block-fake" <<EOF
#!/bin/bash
. "$SRC/scripts/xen-hotplug-common.sh"
[ "\$command" = add ] || exit 0
xenstore_write "\$XENBUS_PATH/node" "$D/disk.img"
success
EOF
cat >"$SCRIPTS/block-broken" <<EOF
#!/bin/bash
. "$SRC/scripts/xen-hotplug-common.sh"
[ "\$command" = add ] || exit 0
fatal "block-broken: the storage server said no"
EOF
chmod +x "$SCRIPTS/vif-fail" "$SCRIPTS/vif-silent" "$SCRIPTS/vif-hang" \
    "$SCRIPTS/block-fake" "$SCRIPTS/block-broken"
xend_config "(network-script network-bridge)" "(device-create-timeout 10)" \
    "(device-destroy-timeout 3)"
truncate -s 8M "$D/disk.img"

# nothing_left NAME: no domain NAME, no tap, no domain nodes, no lock.
taps() {
	in_ns ls /sys/class/net | grep -c '^vif' || true
}
domains_in_store() {
	xenstore-list /local/domain | grep -vc '^0$' || true
}
nothing_left() {
	! xm list "$1" >/dev/null 2>&1 && [ "$(taps)" = 0 ] &&
	    [ "$(domains_in_store)" = 0 ] &&
	    [ -z "$(xenstore-list /local/domain/0/backend/vif)" ] &&
	    [ -z "$(xenstore-list /local/domain/0/backend/vbd)" ]
}

run start_xend
is "xend starts in the namespace" "$rc $err" "0 "
wait_until 30 in_ns test -d /sys/class/net/xenbr0/bridge

# a good disk beside every bad vif: its lock must go too
disk="disk = ['file:$D/disk.img,xvda,w']"

c=$(guest_cfg e1 "$disk" "vif = ['bridge=nosuchbr']")
run xm create -q "$c"
is "a missing bridge: exit 1" "$rc" 1
like "... names the device, the script, its status and the bridge" "$err" \
    "Device 0 \(vif\) could not be connected: $SCRIPTS/vif-bridge online exited with status 1: Could not find bridge device nosuchbr$"
ok "... and leaves nothing (domain, tap, nodes)" nothing_left e1

c=$(guest_cfg e2 "$disk" "vif = ['script=vif-nosuch']")
run xm create -q "$c"
like "a missing script: named with the cause" "$err" \
    "Device 0 \(vif\) could not be connected: hotplug script $SCRIPTS/vif-nosuch: No such file or directory"
ok "... and leaves nothing" nothing_left e2

c=$(guest_cfg e3 "$disk" "vif = ['script=vif-fail']")
run xm create -q "$c"
like "a script that exits 1: its status and its stderr" "$err" \
    "Device 0 \(vif\) could not be connected: $SCRIPTS/vif-fail online exited with status 1: vif-fail: the switch is on fire"
ok "... and leaves nothing" nothing_left e3

c=$(guest_cfg e4 "$disk" "vif = ['script=vif-hang']")
run xm create -q "$c"
like "a script that hangs: timed out, with what it said" "$err" \
    "Device 0 \(vif\) could not be connected: $SCRIPTS/vif-hang online timed out after 10 s: vif-hang: waiting for ever"
ok "... and leaves nothing" nothing_left e4
ok "... not even the hung script" wait_until 10 test ! -e "/proc/$(cat "$D/hang.pid")"

c=$(guest_cfg e5 "$disk" "vif = ['script=vif-silent']")
run xm create -q "$c"
like "a script that exits 0 without answering" "$err" \
    "vif-silent online exited with status 0 but hotplug-status is '\(none\)', not 'connected'"
ok "... and leaves nothing" nothing_left e5

c=$(guest_cfg e6 "disk = ['file:$D/missing.img,xvda,w']")
run xm create -q "$c"
like "a missing disk image: the disk and the cause" "$err" \
    "disk xvda: $D/missing.img: No such file or directory"
ok "... and leaves nothing" nothing_left e6

c=$(guest_cfg e7 "disk = ['file:$D/disk.img,xvda,w', 'broken:store1/vol9,xvdb,w']")
run xm create -q "$c"
like "a block-<type> script that fails: its hotplug-error" "$err" \
    "Device 51728 \(vbd\) could not be connected: $SCRIPTS/block-broken add exited with status 1: block-broken: the storage server said no$"
ok "... and leaves nothing" nothing_left e7
c=$(guest_cfg e9 "disk = ['fake:store1/vol9,xvda,w']")
run xm create -q -p "$c"
is "a block-<type> script that succeeds: the domain gets its node" \
    "$rc $err $(xenstore-read "/local/domain/0/backend/vbd/$(xm domid e9)/51712/node")" \
    "0  $D/disk.img"
run xm destroy e9

c=$(guest_cfg e8 "$disk")
run xm create -q -p "$c"
is "after all that the disk is free: a domain takes it" "$rc $err" "0 "
run xm destroy e8

# ---- xend killed while a script runs -------------------------------------------
xend_config "(network-script network-bridge)" "(device-create-timeout 120)" \
    "(device-destroy-timeout 3)"
kill -TERM "$(xend_pid)"
wait_until 20 test ! -e "$PIDFILE"
rm -f "$D/hang.pid"
run start_xend
c=$(guest_cfg k1 "$disk" "vif = ['script=vif-hang']")
"$XM" create -q "$c" >"$D/k1.out" 2>&1 &
xmpid=$!
ok "the hanging script runs (the tap is made)" wait_until 60 test -s "$D/hang.pid"
ok "... the tap exists" test "$(taps)" = 1
kill -KILL "$(xend_pid)"
hung=$(cat "$D/hang.pid")
wait "$xmpid"
is "xm create sees xend go: exit 1" "$?" 1
run start_xend
is "a new xend starts" "$rc $err" "0 "
ok "it drops the domain whose devices never came up" nothing_left k1
run xm create -q -p "$(guest_cfg k2 "$disk")"
is "... and its disk is free again" "$rc $err" "0 "
run xm destroy k2
# the script xend was running when it died is nobody's now
kill "$hung" 2>/dev/null

# ... and while a NIC is being attached to a running (paused) domain
rm -f "$D/hang.pid"
run xm create -q -p "$(guest_cfg k3)"
is "a domain without devices" "$rc $err" "0 "
"$XM" network-attach k3 script=vif-hang >"$D/k3.out" 2>&1 &
xmpid=$!
ok "network-attach runs the hanging script" wait_until 60 test -s "$D/hang.pid"
kill -KILL "$(xend_pid)"
hung=$(cat "$D/hang.pid")
wait "$xmpid"
run start_xend
is "a new xend starts" "$rc $err" "0 "
run xm list k3
is "... the domain runs on" "$rc" 0
run xm network-list k3
is "... without the half-attached NIC" "$rc|$out" "0|"
ok "... whose tap is gone" test "$(taps)" = 0
run xm list -l k3
ok "... and which is not in its config" test -z "$(grep '(vif' "$D/out")"
run xm destroy k3
kill "$hung" 2>/dev/null

done_testing
