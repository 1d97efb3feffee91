#!/bin/bash
# crash-ops.sh: xend killed at every step of the operations after a
# create: destroy, a guest's stop acted upon (on_reboot = 'destroy'), its
# restart (on_reboot = 'restart'), rename, mem-set, vcpu-set, save, and
# a disk's block-attach and block-detach (finished as a detach), and a
# restore killed at each step of the start it makes. The
# steps are listed from xend's sources (FAULT_POINT("op.step")); a step
# of an operation no crash test walks fails the first check. For each
# step: xend dies there, xm says xend went away and where to look, and
# once xend is back the operation is finished or rolled back: the domain
# is there exactly once (or gone, for a destroy), as the operation left
# it, its recorded memory target and vCPUs are the monitor's, and no
# monitor, claim or disk lock is left over.
NAME=crash-ops
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

if ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP sqlite3 (the command) is needed to read xend's records"
	exit 0
fi
# a guest reset seconds after its create is restarted, not taken for a loop
export XEND_RESTART_GUARD_SECS=0
SRCX="${top_srcdir:-.}/xend"
ops='destroy|stop|restart|rename|mem-set|vcpu-set|save|attach|detach'
steps=$(grep -rhoE "FAULT_POINT\(\"($ops)\.[a-z.-]+\"" "$SRCX" | sed 's/.*"\(.*\)"/\1/' | sort -u)
ok "the operations' steps are found in xend's sources" [ -n "$steps" ]
# every named step belongs to a test: this one, crash-create.sh's
# (create, start, unpause) or crash-migration.sh's (migrate-out, migrate-in)
others=$(grep -rhoE 'FAULT_POINT\("[a-z-]+\.' "$SRCX" | sed 's/.*"\(.*\)\./\1/' | sort -u |
    grep -vxE "$ops|create|start|unpause|migrate-out|migrate-in")
is "every step of xend's sources has a crash test" "$others" ""

gone() { ! kill -0 "$1" 2>/dev/null; }
no_claims() { [ "$(claims)" = 0 ]; }
monitors_match() { [ "$(live_monitors)" = "$(guests)" ]; }
stale_locks() {
	sqlite3 "$DB" 'SELECT count(*) FROM disk_locks WHERE uuid NOT IN (SELECT uuid FROM domains)' 2>/dev/null
}
field() { xm list "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $'"$2"' }'; }
settled_gone() { [ "$(count_of "$1")" = 0 ] && no_claims; }
settled_once() { [ "$(count_of "$1")" = 1 ] && no_claims; }
at_most_once() { xm list >/dev/null 2>&1 && [ "$(count_of "$1")" -le 1 ] && no_claims; }
running_as_new() {
	settled_once "$1" && [ -n "$(domid_of "$1")" ] && [ "$(domid_of "$1")" != "$2" ] &&
	    field "$1" 5 | grep -Eq '^(r|-b)'
}
no_dev() { ! xm block-list "$1" 2>/dev/null | awk '{ print $1 }' | grep -qx "$2"; }
qemu_lacks() {
	local q
	q=$(qemu_pid "$1")
	[ -n "$q" ] && ! ls -l "/proc/$q/fd" 2>/dev/null | grep -q "/$2\$"
}
went_away() {
	like "$1: ... and says xend went away during it, and where to look" "$(cat "$D/op.err")" \
	    "^Error: xend went away during \`xm $2\` .*; once it is back, \`xm list $3\` shows the outcome"
}

# a disk, so that a lock is held and must go with the domain; the build
# tree's hotplug scripts bring it up
truncate -s 16M "$D/disk.img" "$D/disk2.img"
BUILD="$(cd "${top_builddir:-.}" && pwd)"
export XENSTORED_PATH="$D/var/run/xenstored/socket"
export PATH="$BUILD/xenstore:$PATH"
mkdir -p "$D/etc/xen"
echo "(xend-scripts-path $(cd "${top_srcdir:-.}" && pwd)/scripts)" >"$D/etc/xen/xend-config.sxp"
for s in $steps; do
	op=${s%%.*}
	extra=""
	case $op in
	stop) extra="on_reboot=destroy" ;;
	restart) extra="on_reboot=restart" ;;
	mem-set) extra="maxmem=128" ;;
	vcpu-set) extra="vcpus=1 maxvcpus=2" ;;
	esac
	run env XEND_TEST_EXIT_AT="$s@fp" "$XEND" --root "$D" start
	is "$s: xend starts, told to die there" "$rc $err" "0 "
	xp=$(xend_pid)
	# a hot-plugged disk needs a guest that answers: the others stay paused
	case $op in
	attach|detach) paused="" ;;
	*) paused="-p" ;;
	esac
	seen=$(prompts fp)
	run xm create "$CFG" $CFG_GUEST name=fp memory=96 "disk=file:$D/disk.img,xvdb,w" $extra $paused
	is "$s: fp is created${paused:+ (paused)}" "$rc $err" "0 "
	[ -z "$paused" ] && { ok "$s: fp boots" booted fp "$seen"; }
	old=$(domid_of fp)
	if [ "$op" = save ]; then
		run xm unpause fp
		is "$s: fp runs" "$rc $err" "0 "
	fi
	case $op in
	destroy) set -- destroy fp ;;
	stop|restart) set -- trigger fp reset ;;
	rename) set -- rename fp fq ;;
	mem-set) set -- mem-set fp 64 ;;
	vcpu-set) set -- vcpu-set fp 2 ;;
	save) rm -f "$D/fp.chk"; set -- save fp "$D/fp.chk" ;;
	attach) set -- block-attach fp "file:$D/disk2.img" xvdc w ;;
	detach) set -- block-detach fp xvdb ;;
	esac
	"$XM" "$@" >"$D/op.out" 2>"$D/op.err" &
	cp=$!
	ok "$s: xend dies there (xm $*)" wait_for 120 gone "$xp"
	wait "$cp"
	xrc=$?
	case $op in
	stop|restart)
		# xend dies acting on the guest's stop, before or after the
		# reset's answer reached xm
		like "$s: xm trigger fp reset was answered, or says xend went away" \
		    "$xrc $(cat "$D/op.err")" \
		    "^(0 $|1 Error: xend went away during \`xm trigger fp\` .*\`xm list fp\` shows the outcome)" ;;
	*)
		is "$s: xm $1 fails" "$xrc" 1
		went_away "$s" "$1 fp" fp ;;
	esac
	run xend_start
	is "$s: xend starts again" "$rc $err" "0 "
	case $op in
	destroy|stop)
		ok "$s: the destroy is finished: fp is gone" wait_for 90 settled_gone fp ;;
	restart)
		ok "$s: the restart is finished: fp runs once, as a new domain" \
		    wait_for 90 running_as_new fp "$old" ;;
	rename)
		ok "$s: the rename holds: fq once, no fp" wait_for 90 settled_once fq
		is "$s: ... no fp" "$(count_of fp)" 0 ;;
	mem-set)
		ok "$s: fp is there once" wait_for 90 settled_once fp
		is "$s: ... its memory is the new target" "$(field fp 3)" 64
		if [ "$s" = mem-set.recorded ]; then
			like "$s: ... which the new xend gave its monitor" \
			    "$(grep -a "fp.*memory target 64 MiB, as recorded" "$XLOG" | tail -n 1)" "as recorded"
		fi ;;
	save)
		if [ "$s" = save.renamed ]; then
			ok "$s: the file was complete: the save is finished, fp is gone" \
			    wait_for 90 settled_gone fp
			run xm restore "$D/fp.chk"
			is "$s: ... and xm restore of its file works" "$rc $err" "0 "
			ok "$s: ... fp runs once" wait_for 90 settled_once fp
		else
			ok "$s: the save is abandoned: fp is there once" wait_for 90 settled_once fp
			ok "$s: ... and runs on" wait_for 30 running_as_new fp 0
			is "$s: ... no save file, partial or not" \
			    "$(ls "$D" | grep -c '^fp\.chk')" 0
			like "$s: ... its log says so" \
			    "$(grep -a "fp.*its save to" "$XLOG" | tail -n 1)" "abandoned, it runs on"
		fi ;;
	attach|detach)
		if [ "$op" = attach ]; then dev=51744 img=disk2.img; else dev=51728 img=disk.img; fi
		ok "$s: fp is there once" wait_for 90 settled_once fp
		ok "$s: the $op is finished as a detach: fp has no device $dev" \
		    wait_for 120 no_dev fp $dev
		ok "$s: ... QEMU holds no $img" wait_for 60 qemu_lacks fp "$img"
		is "$s: ... no lock on $img" \
		    "$(sqlite3 "$DB" "SELECT count(*) FROM disk_locks WHERE path LIKE '%/$img'")" 0
		like "$s: ... its log says so" \
		    "$(grep -a "fp.*device $dev (vbd) was being" "$XLOG" | tail -n 1)" \
		    "was being ${op}ed when xend stopped: detaching it" ;;
	vcpu-set)
		ok "$s: fp is there once" wait_for 90 settled_once fp
		is "$s: ... with 2 vCPUs" "$(field fp 4)" 2
		if [ "$s" = vcpu-set.recorded ]; then
			like "$s: ... which the new xend gave its monitor" \
			    "$(grep -a "fp.*2 vCPUs, as recorded" "$XLOG" | tail -n 1)" "as recorded"
		fi ;;
	esac
	ok "$s: one monitor per domain, none left over" wait_for 30 monitors_match
	is "$s: no disk lock of a domain that is gone" "$(stale_locks)" 0
	xm destroy fp >/dev/null 2>&1
	xm destroy fq >/dev/null 2>&1
	ok "$s: destroyed: no monitor left" wait_for 30 monitors_match
	"$XEND" --root "$D" stop >/dev/null 2>&1
done

# ---- restore: killed at each step of the start it makes ----------------------
# A restore starts its domain as a create does (start.*). Killed at one of
# those steps, the restore is finished (the domain is re-adopted and runs)
# or rolled back (no domain, the file unharmed: restoring it again works),
# and xm named the file's domain as the one to look at.
rsteps=$(grep -rhoE 'FAULT_POINT\("start\.[a-z.-]+"' "$SRCX" | sed 's/.*"\(.*\)"/\1/' | sort -u)
ok "the start's steps are found in xend's sources" [ -n "$rsteps" ]
rdone=0 rback=0
for s in $rsteps; do
	run xend_start
	is "restore $s: xend starts" "$rc $err" "0 "
	run xm create -q "$CFG" $CFG_GUEST name=fr memory=96
	is "restore $s: fr is created" "$rc $err" "0 "
	run xm save fr "$D/fr.chk"
	is "restore $s: fr is saved" "$rc $err" "0 "
	"$XEND" --root "$D" stop >/dev/null 2>&1
	run env XEND_TEST_EXIT_AT="$s@fr" "$XEND" --root "$D" start
	is "restore $s: xend starts, told to die there" "$rc $err" "0 "
	xp=$(xend_pid)
	"$XM" restore "$D/fr.chk" >"$D/op.out" 2>"$D/op.err" &
	cp=$!
	ok "restore $s: xend dies there" wait_for 120 gone "$xp"
	wait "$cp"
	is "restore $s: xm restore fails" "$?" 1
	went_away "restore $s" "restore $D/fr.chk" fr
	run xend_start
	is "restore $s: xend starts again" "$rc $err" "0 "
	ok "restore $s: settled, fr there once or gone" wait_for 90 at_most_once fr
	if [ "$(count_of fr)" = 1 ]; then
		rdone=$((rdone + 1))
		like "restore $s: finished: fr re-adopted, its log says so" \
		    "$(grep -a "Domain fr.*re-adopted" "$XLOG" | tail -n 1)" "re-adopted \(running"
		ok "restore $s: ... and runs" wait_for 30 running_as_new fr 0
	else
		rback=$((rback + 1))
		like "restore $s: rolled back, its log says so" \
		    "$(grep -a "Domain fr.*did not complete" "$XLOG" | tail -n 1)" "removed"
		run xm restore "$D/fr.chk"
		is "restore $s: ... and restoring the file again works" "$rc $err" "0 "
		ok "restore $s: ... fr runs once" wait_for 90 settled_once fr
	fi
	ok "restore $s: one monitor per domain, none left over" wait_for 30 monitors_match
	is "restore $s: no disk lock of a domain that is gone" "$(stale_locks)" 0
	xm destroy fr >/dev/null 2>&1
	rm -f "$D/fr.chk"
	"$XEND" --root "$D" stop >/dev/null 2>&1
done
echo "# restores killed at a start step: $rdone finished, $rback rolled back"

done_testing
