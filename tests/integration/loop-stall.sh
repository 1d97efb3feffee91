#!/bin/bash
# loop-stall.sh: xend's loop and a monitor that stops answering (kill
# -STOP of one domain's xenhv). xm list (the brief listing, which asks no
# monitor) still answers at once and lists both domains, xm list -l of
# the other domain too; what still asks the stopped monitor (xm list -l
# of its domain) holds xend's loop until libxc gives up, and xend's log
# names it: the handler that held the loop and for how long, and the
# loop's own stall. Needs qemu-system-x86_64 and the default guest.
NAME=loop-stall
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"
trap 'kill -CONT "$mon" 2>/dev/null; cleanup' EXIT
bg_pids="$bg_pids $(watchdog 300)"
mon=

run xend_start
is "private xend starts" "$rc $err" "0 "
for g in s1 s2; do
	run xm create -q -p "$CFG" $CFG_GUEST name=$g memory=64
	is "create -p $g" "$rc $err" "0 "
done
mon=$(monitor_pid s1)
ok "s1's monitor is known" [ -n "$mon" ]
kill -STOP "$mon"
run xm list
is "with s1's monitor stopped, xm list answers" "$rc $err" "0 "
is "... listing s1 and s2, paused" \
    "$(printf '%s\n' "$out" | awk '$1 ~ /^s[12]$/ { print $1, $5 }' | tr '\n' ' ')" \
    "s1 --p--- s2 --p--- "
run xm list -l s2
is "xm list -l s2 answers" "$rc $err" "0 "
# xm list -l s1 asks the stopped monitor: the loop waits for libxc's
# timeout, and the log says so
"$XM" list -l s1 >"$D/l1.out" 2>&1 &
lp=$!
bg_pids="$bg_pids $lp"
held() { grep -aq "xend.domain (from pid $lp) held xend's loop for [0-9]* ms" "$XLOG"; }
ok "xend's log names the call that held its loop" wait_for 60 held
like "... and the loop's own stall, with what it was doing" \
    "$(grep -a "xend's loop was held for" "$XLOG" | tail -n 1)" \
    "loop was held for [0-9]+ ms \(last: xend.domain from pid $lp\)"
wait "$lp"
kill -CONT "$mon"
run xm list -l s1
is "s1's monitor continued: xm list -l s1 answers" "$rc $err" "0 "
run xm destroy s1
is "destroy s1" "$rc $err" "0 "
run xm destroy s2
is "destroy s2" "$rc $err" "0 "
done_testing
