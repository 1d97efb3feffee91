#!/bin/bash
# managed.sh: managed domains and saved state with real guests under a
# private xend, driven by xm: new (listed without an id), start, delete,
# suspend and resume (the guest's memory comes back: a file written in
# its RAM disk is there), save and restore (settings re-applied; -c keeps
# it running), truncated, foreign and corrupt files refused with nothing
# left behind, admission control (need X MiB, available Y MiB, no QEMU
# started), Domain-0's reservation and dom0 ballooning, on_xend_start and
# on_xend_stop, and kill -9 of xend in between.
NAME=xen-managed
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

sxp_val() { xm list -l "$1" | sed -n "s/^    ($2 \\(.*\\))\$/\\1/p"; }
monitors() { ls "$D/var/run/xen/xenhv" 2>/dev/null | wc -l; }
free_mem() { xm info | awk '/^free_memory/ { print $3 }'; }
dom0_mem() { xm list 0 | awk 'NR == 2 { print $3 }'; }
ckpt() { echo "$D/var/lib/xend/domains/$(sxp_val "$1" uuid)/checkpoint.chk"; }
mark() { gsh "$1" "cat /tmp/mark 2>/dev/null"; }
set_mark() { gsh "$1" "echo $2 >/tmp/mark; cat /tmp/mark"; }
state_is() { xm list --state="$2" 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx "$1"; }
stop_xend() {
	local pid
	pid=$(cat "$PIDFILE")
	"$XEND" --root "$D" stop
	wait_for 60 eval "! kill -0 $pid 2>/dev/null"
}

run xend_start
is "private xend starts" "$rc $err" "0 "

# ---- xm new, start, delete ---------------------------------------------------
run xm new "$CFG" $CFG_GUEST name=m1 memory=96 maxmem=128
is "new m1: exit 0" "$rc" 0
is "list: m1 without an id, halted" "$(row m1)" "$(printf '%-40s %5s %5d %5d %10s %8.1f' m1 '' 96 1 '' 0.0)"
ok "list --state=halted shows m1" state_is m1 halted
is "list -l: its stored config" "$(sxp_val m1 memory) $(sxp_val m1 maxmem) $(sxp_val m1 on_xend_start)" "96 128 ignore"
ok "list -l: no domid" eval "! xm list -l m1 | grep -q '(domid'"
run xm new "$CFG" $CFG_GUEST name=m1 memory=96
like "new with a taken name: refused" "$rc $err" "^1 Error: .*Domain 'm1' already exists"
is "... one m1" "$(xm list | grep -c '^m1 ')" 1
run xm start m1
is "start m1" "$rc $err" "0 "
like "list: m1 running with an id" "$(row m1)" '^m1 +[0-9]+ +96 +1 +(r-----|-b----) '
ok "m1 boots" booted m1
run xm start m1
like "start of a running domain: refused" "$rc $err" "^1 Error: Domain 'm1' is already running"
run xm delete m1
like "delete of a running domain: refused" "$rc $err" "^1 Error: Domain 'm1' must be halted"
run xm delete nosuch
is "delete of an unknown domain: exit 3" "$rc" 3

# ---- suspend and resume -----------------------------------------------------
tag=m$RANDOM
is "a mark in m1's memory" "$(set_mark m1 "$tag")" "$tag"
run xm suspend m1
is "suspend m1" "$rc $err" "0 "
ok "list --state=suspended shows m1" state_is m1 suspended
is "list: m1 without an id" "$(row m1)" "$(printf '%-40s %5s %5d %5d %10s %8.1f' m1 '' 96 1 '' 0.0)"
ok "its checkpoint is under xend-domains-path" test -s "$(ckpt m1)"
is "the checkpoint starts LinuxGuestRecord" "$(head -c 16 "$(ckpt m1)")" LinuxGuestRecord
kill -KILL "$(cat "$PIDFILE")"
sleep 1
run xend_start
is "xend after kill -9" "$rc" 0
ok "m1 is still suspended" state_is m1 suspended
run xm resume m1
is "resume m1" "$rc $err" "0 "
like "m1 runs again" "$(row m1)" '^m1 +[0-9]+ '
is "the mark survived: its memory came back" "$(mark m1)" "$tag"
ok "the checkpoint is spent" test ! -e "$(ckpt m1)"
run xm resume m1
like "resume of a running domain: refused" "$rc $err" "^1 Error: domain 'm1' is not suspended"
run xm suspend Domain-0
is "suspend Domain-0: refused" "$rc" 1

# ---- save and restore ---------------------------------------------------------
ok "create s1" xm create -q "$CFG" $CFG_GUEST name=s1 memory=96 maxmem=160
ok "s1 boots" booted s1
ok "s1: weight 384, cap 80" xm sched-credit -d s1 -w 384 -c 80
ok "s1: target 112" xm mem-set s1 112
tag=s$RANDOM
is "a mark in s1's memory" "$(set_mark s1 "$tag")" "$tag"
n0=$(monitors)
run xm save s1 "$D/s1.sav"
is "save s1" "$rc $err" "0 "
ok "s1 is gone" not_listed s1
is "... with its monitor" "$(monitors)" "$(( n0 - 1 ))"
is "the file starts LinuxGuestRecord" "$(head -c 16 "$D/s1.sav")" LinuxGuestRecord
len=$(od -An -tu1 -j16 -N4 "$D/s1.sav" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
like "then a big-endian length and the config SXP, one line" \
    "$(dd if="$D/s1.sav" bs=1 skip=20 count="$len" 2>/dev/null)" '^\(vm .*\(name s1\).*\)$'
run xm restore "$D/s1.sav"
is "restore s1" "$rc $err" "0 "
like "s1 runs again" "$(row s1)" '^s1 +[0-9]+ +112 '
is "the mark survived" "$(mark s1)" "$tag"
like "weight and cap re-applied" "$(xm sched-credit -d s1 | tail -n 1)" ' 384 +80$'
run xm save -c s1 "$D/s1c.sav"
is "save -c s1 (checkpoint)" "$rc $err" "0 "
like "s1 still runs" "$(row s1)" '^s1 +[0-9]+ +112 +1 +(r-----|-b----) '
is "... with its memory" "$(mark s1)" "$tag"
run xm restore "$D/s1c.sav"
like "restoring while s1 runs: refused" "$rc $err" "^1 Error: .*Domain 's1' already exists"
is "... one s1" "$(xm list | grep -c '^s1 ')" 1
run xm save s1 /nonexistent/dir/s1.sav
like "save to a missing directory: refused" "$rc $err" "^1 Error: xm save: Unable to create file"
ok "destroy s1" xm destroy s1

# bad files: refused before anything is created
n0=$(monitors)
head -c 2000000 "$D/s1.sav" >"$D/trunc.sav"
run xm restore "$D/trunc.sav"
like "a truncated file: refused" "$rc $err" "^1 Error: $D/trunc.sav is truncated: [0-9]+ of its [0-9]+ bytes of engine state are missing\$"
run xm restore "$CFG"
like "a foreign file: refused" "$rc $err" "^1 Error: $CFG is not a saved domain \\(no LinuxGuestRecord signature\\)\$"
cp "$D/s1.sav" "$D/magic.sav"
printf 'XXXX' | dd of="$D/magic.sav" bs=1 seek=$(( 20 + len + 24 )) conv=notrunc 2>/dev/null
run xm restore "$D/magic.sav"
like "a file whose engine stream is not QEMU's: refused" "$rc $err" "is not a QEMU stream"
cp "$D/s1.sav" "$D/corrupt.sav"
size=$(stat -c %s "$D/corrupt.sav")
head -c 65536 /dev/urandom | dd of="$D/corrupt.sav" bs=1 seek=$(( size / 2 )) conv=notrunc 2>/dev/null
run xm restore "$D/corrupt.sav"
like "a corrupt engine stream: QEMU refuses it, the restore fails" "$rc $err" "^1 Error: cannot restore domain 's1': "
run xm restore "$D/none.sav"
like "a missing file: refused" "$rc $err" "^1 Error: xm restore: Unable to read file"
ok "after the failures: no s1" not_listed s1
is "... and no monitor left" "$(monitors)" "$n0"
run xm restore -p "$D/s1.sav"
is "restore -p the good file" "$rc $err" "0 "
like "s1 restored paused" "$(row s1)" '^s1 +[0-9]+ +112 +1 +--p--- '
ok "destroy s1" xm destroy s1

# ---- admission control and Domain-0's reservation ---------------------------
free=$(free_mem)
n0=$(monitors)
need=$(( free + 1000 ))
run xm create -q "$CFG" $CFG_GUEST name=big memory=$need
like "a domain that does not fit: refused" "$rc $err" \
    "^1 Error: cannot create domain 'big': need $need MiB, available $free MiB\$"
ok "... it is not listed" not_listed big
is "... and no QEMU was started" "$(monitors)" "$n0"
d0=$(dom0_mem)
run xm mem-set 0 $(( d0 + 500 ))
is "mem-set 0 raises Domain-0's reservation" "$rc $(dom0_mem)" "0 $(( d0 + 500 ))"
is "xm info: free_memory 500 MiB less" "$(free_mem)" "$(( free - 500 ))"
run xm mem-set 0 0
like "mem-set 0 0: refused" "$rc $err" "^1 Error: Domain-0 memory 0 MiB is below its floor"
run xm mem-set 0 99999999
like "mem-set 0 beyond the host: refused" "$rc $err" "^1 Error: Domain-0: need 99999999 MiB, available"
# leave exactly 150 MiB free: a 96 MiB guest fits, a 200 MiB one does not
d0=$(dom0_mem); free=$(free_mem)
ok "mem-set 0: leave 150 MiB free" xm mem-set 0 $(( d0 + free - 150 ))
is "xm info: free_memory 150" "$(free_mem)" 150
run xm create -q "$CFG" $CFG_GUEST name=big memory=200
like "200 MiB with 150 free: refused with the numbers xm info shows" "$rc $err" \
    "need 200 MiB, available 150 MiB\$"
run xm new "$CFG" $CFG_GUEST name=m2 memory=200
is "new m2 (200 MiB, not started): defining takes no memory" "$rc" 0
run xm start m2
like "start m2: refused" "$rc $err" "need 200 MiB, available 150 MiB\$"
is "... m2 stays halted" "$(row m2)" "$(printf '%-40s %5s %5d %5d %10s %8.1f' m2 '' 200 1 '' 0.0)"
run xm mem-set m1 128
is "growing m1 by 32 MiB with 150 free: allowed" "$rc $err" "0 "
is "xm info: 118 MiB free" "$(free_mem)" 118
ok "xm delete m2" xm delete m2

# dom0 ballooning: xend may lower Domain-0's reservation down to its floor
stop_xend
printf '(dom0-min-mem 100)\n(enable-dom0-ballooning yes)\n' >"$D/xend-config.sxp"
run env XEND_CONFIG="$D/xend-config.sxp" "$XEND" --root "$D" start
is "xend with dom0 ballooning" "$rc $err" "0 "
d0=$(dom0_mem); free=$(free_mem)
ok "mem-set 0: leave 50 MiB free" xm mem-set 0 $(( d0 + free - 50 ))
d0=$(dom0_mem)
run xm create -q "$CFG" $CFG_GUEST name=bal memory=96
is "a 96 MiB guest with 50 free: Domain-0 gives 46" "$rc $err $(dom0_mem)" "0  $(( d0 - 46 ))"
run xm create -q "$CFG" $CFG_GUEST name=big memory=$(( d0 - 46 - 100 + 1 ))
like "more than Domain-0 can give above its floor: refused" "$rc $err" \
    "need $(( d0 - 46 - 100 + 1 )) MiB, available $(( d0 - 46 - 100 )) MiB\$"
ok "destroy bal" xm destroy bal
ok "mem-set 0 back to 1000" xm mem-set 0 1000

# ---- on_xend_start, on_xend_stop ------------------------------------------
ok "new a1 (on_xend_start start)" xm new -q "$CFG" $CFG_GUEST name=a1 memory=96 on_xend_start=start
ok "new a2 (on_xend_stop suspend)" xm new -q "$CFG" $CFG_GUEST name=a2 memory=96 on_xend_stop=suspend
ok "new a3 (on_xend_stop shutdown)" xm new -q "$CFG" $CFG_GUEST name=a3 memory=96 on_xend_stop=shutdown
ok "start a2" xm start a2
ok "start a3" xm start a3
booted2() { booted a2 && booted a3; }
ok "a2 and a3 boot" booted2
tag=a$RANDOM
is "a mark in a2" "$(set_mark a2 "$tag")" "$tag"
a2ckpt=$(ckpt a2)
ok "xend stops" stop_xend
ok "on_xend_stop suspend: a2's checkpoint" test -s "$a2ckpt"
is "on_xend_stop: a2 and a3 no longer run, m1 still does" "$(monitors)" 1
run xend_start
is "xend starts" "$rc" 0
ok "on_xend_start start: a1 runs" wait_for 30 state_is a1 running
ok "a2 is suspended" state_is a2 suspended
is "a3 is halted" "$(row a3)" "$(printf '%-40s %5s %5d %5d %10s %8.1f' a3 '' 96 1 '' 0.0)"
ok "resume a2" xm resume a2
is "a2's mark survived xend's stop" "$(mark a2)" "$tag"
like "m1 ran on all along" "$(row m1)" '^m1 +[0-9]+ '

done_testing
