#!/bin/bash
# crash-xenhv.sh: a domain's monitor (xenhv) killed outright at each of
# its named steps, listed from its sources (XHV_FAULT_POINT("monitor.STEP")):
# spawned (QEMU forked), ready (QEMU runs, xend not yet told), reported,
# saving (QEMU streaming a save) and plugged (a disk just hot-plugged).
# For each: the monitor dies there, its QEMU dies with it (the parent-
# death signal, set again after QEMU's uid change), the xm command in
# flight fails or the guest is seen to crash, and then the domain is gone
# (on_crash = 'destroy'), with no QEMU, no run directory, no disk lock,
# no partial save file and no create claim left, while xend answers.
NAME=crash-xenhv
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

if ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP sqlite3 (the command) is needed to read xend's records"
	exit 0
fi
SRCH="${top_srcdir:-.}/hypervisor"
steps=$(grep -rhoE 'XHV_FAULT_POINT\("monitor\.[a-z]+"' "$SRCH" | sed 's/.*"\(.*\)"/\1/' | sort -u)
is "the monitor's steps are found in its sources" \
    "$(echo "$steps" | tr '\n' ' ')" "monitor.plugged monitor.ready monitor.reported monitor.saving monitor.spawned "
# CRASH_XENHV_STEPS="STEP..." walks only those (to chase one)
steps=${CRASH_XENHV_STEPS:-$steps}

truncate -s 16M "$D/disk.img" "$D/disk2.img"
BUILD="$(cd "${top_builddir:-.}" && pwd)"
export XENSTORED_PATH="$D/var/run/xenstored/socket"
export PATH="$BUILD/xenstore:$PATH"
mkdir -p "$D/etc/xen"
echo "(xend-scripts-path $(cd "${top_srcdir:-.}" && pwd)/scripts)" >"$D/etc/xen/xend-config.sxp"

locks() { sqlite3 "$DB" 'SELECT count(*) FROM disk_locks' 2>/dev/null; }
rundirs() { ls "$D/var/run/xen/xenhv" 2>/dev/null | wc -l; }
# nothing of fx is left: not listed, no claim, no lock, no run directory
clean() { [ "$(count_of fx)" = 0 ] && [ "$(claims)" = 0 ] && [ "$(locks)" = 0 ] &&
    [ "$(rundirs)" = 0 ]; }
died() { grep -aq "XENHV_TEST_EXIT_AT=$1@fx: killed at $1" "$D/var/log/xen/xenhv-fx.log" 2>/dev/null; }
qemu_of_log() { grep -aoE 'QEMU pid [0-9]+' "$D/var/log/xen/xenhv-fx.log" 2>/dev/null | tail -n 1 | awk '{ print $3 }'; }

for s in $steps; do
	rm -f "$D/var/log/xen/xenhv-fx.log" "$D/fx.chk"
	run env XENHV_TEST_EXIT_AT="$s@fx" "$XEND" --root "$D" start
	is "$s: xend starts, its monitors told to die there" "$rc $err" "0 "
	case $s in
	monitor.spawned|monitor.ready|monitor.reported)
		run xm create "$CFG" $CFG_GUEST name=fx memory=96 on_crash=destroy \
		    "disk=file:$D/disk.img,xvdb,w"
		ok "$s: the monitor died there" died "$s"
		if [ "$s" = monitor.reported ]; then
			# xend was told: the create may have been answered first
			like "$s: xm create answered, or failed naming fx" "$rc $err" \
			    "^(0 |1 .*fx)"
		else
			is "$s: xm create fails" "$rc" 1
			like "$s: ... naming the domain" "$err" "fx"
		fi ;;
	monitor.saving|monitor.plugged)
		run xm create "$CFG" $CFG_GUEST name=fx memory=96 on_crash=destroy \
		    "disk=file:$D/disk.img,xvdb,w"
		is "$s: fx is created" "$rc $err" "0 "
		if [ "$s" = monitor.saving ]; then
			run xm save fx "$D/fx.chk"
			is "$s: xm save fails" "$rc" 1
		else
			ok "$s: fx boots" booted fx
			run xm block-attach fx "file:$D/disk2.img" xvdc w
		fi
		ok "$s: the monitor died there" died "$s" ;;
	esac
	q=$(qemu_of_log)
	ok "$s: its QEMU ($q) died with it" wait_for 30 eval "[ -n '$q' ] && ! kill -0 '$q' 2>/dev/null"
	wait_for 90 clean
	left=$?
	[ "$left" = 0 ] ||
	    echo "# left: $(count_of fx) listed, $(claims) claims, $(locks) locks, $(rundirs) run directories: $(ls "$D/var/run/xen/xenhv" "$D"/var/run/xen/xenhv/* 2>&1 | tr '\n' ' ')"
	ok "$s: then nothing of fx is left (domain, claim, disk lock, run directory)" \
	    test "$left" = 0
	[ "$s" = monitor.saving ] && ok "$s: ... nor a save file" \
	    eval "! ls '$D'/fx.chk* >/dev/null 2>&1"
	run xm list
	is "$s: xend answers" "$rc $err" "0 "
	# the next step's xend needs this one gone: by its pid, at last KILL
	xp=$(xend_pid)
	kill -TERM "$xp"
	wait_for 60 eval "! kill -0 $xp 2>/dev/null"
	stopped=$?
	ok "$s: xend stops on TERM" test "$stopped" = 0
	[ "$stopped" = 0 ] || { kill -KILL "$xp"; wait_for 10 eval "! kill -0 $xp 2>/dev/null"; }
done
done_testing
