#!/bin/bash
# soak.sh: many create/list/mem-set/destroy cycles against one private
# xend, with xend killed (kill -9) at random points among them and started
# again. After every restart nothing is half-made or left over: each
# cycle's domain exists at most once (and goes with its destroy), one
# monitor and one run directory per domain, no create claim. Over the
# last stretch without kills, xend's file descriptors do not grow and its
# resident memory stays within a bound; at the end it stops cleanly.
# SOAK_CYCLES (default 150), SOAK_KILLS (default 4).
NAME=soak
BOOT_LIMIT=120
WATCHDOG=1500
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

if ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP sqlite3 (the command) is needed to read xend's records"
	exit 0
fi
CYCLES=${SOAK_CYCLES:-150}
KILLS=${SOAK_KILLS:-4}
# (sanitizer builds) freed memory reused at once, so resident memory says
# what xend holds; reports into files named by pid
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:log_path=$D/asan"

fds() { ls "/proc/$(xend_pid)/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(xend_pid)/status" 2>/dev/null; }
rundirs() { ls "$D/var/run/xen/xenhv" 2>/dev/null | wc -l; }
# settled: one monitor and one run directory per domain, no claim
settled() {
	local g
	g=$(guests)
	[ "$(live_monitors)" = "$g" ] && [ "$(rundirs)" = "$g" ] && [ "$(claims)" = 0 ]
}

run xend_start
is "xend starts" "$rc $err" "0 "
# one guest that runs throughout, for mem-set
run xm create -q "$CFG" $CFG_GUEST name=m memory=96 maxmem=160
is "create m (runs throughout)" "$rc" 0
ok "m boots" booted m

# the cycles at which xend is killed: spread over the first 70%, random
kill_at=" "
for k in $(seq 1 "$KILLS"); do
	kill_at="$kill_at$(( (CYCLES * 7 / 10) * k / (KILLS + 1) + RANDOM % 10 )) "
done
last_kill=0
for k in $kill_at; do last_kill=$k; done

bad=""		# what went wrong, the first time
note() { [ -n "$bad" ] || bad="cycle $i: $*"; }
mem=96
for i in $(seq 1 "$CYCLES"); do
	step=$(( RANDOM % 4 ))
	killed=""
	case "$kill_at" in *" $i "*) killed=1 ;; esac
	[ -n "$killed" ] && [ "$step" = 0 ] && kill -9 "$(xend_pid)"
	xm create -q -p "$CFG" $CFG_GUEST name="s$i" memory=64 >/dev/null 2>&1
	[ -n "$killed" ] && [ "$step" = 1 ] && kill -9 "$(xend_pid)"
	if [ -z "$killed" ]; then
		[ "$(count_of "s$i")" = 1 ] || note "s$i is not listed once after its create"
	fi
	xm list >/dev/null 2>&1 || [ -n "$killed" ] || note "xm list failed"
	if [ $(( i % 10 )) = 0 ]; then
		mem=$(( mem == 96 ? 128 : 96 ))
		xm mem-set m "$mem" >/dev/null 2>&1 || [ -n "$killed" ] ||
			note "mem-set m $mem failed"
	fi
	[ -n "$killed" ] && [ "$step" = 2 ] && kill -9 "$(xend_pid)"
	xm destroy "s$i" >/dev/null 2>&1
	[ -n "$killed" ] && [ "$step" = 3 ] && kill -9 "$(xend_pid)"
	if [ -n "$killed" ]; then
		wait_for 30 bash -c "! kill -0 $(xend_pid) 2>/dev/null" ||
			note "xend did not die"
		xend_start >/dev/null 2>&1 || note "xend did not start again"
		# the cycle's domain, if its create was recorded, goes now
		xm destroy "s$i" >/dev/null 2>&1
		wait_for 60 settled || note "not settled after the restart: $(guests) \
domains, $(live_monitors) monitors, $(rundirs) run dirs, $(claims) claims"
		[ "$(count_of m)" = 1 ] || note "m is not there once after the restart"
	fi
	[ "$(count_of "s$i")" = 0 ] || note "s$i is still listed after its destroy"
	# the last stretch without kills: measured from 20 cycles in
	if [ "$i" = $(( last_kill + 20 )) ]; then
		fd0=$(fds)
		rss0=$(rss)
	fi
done
is "$CYCLES cycles, xend killed at$kill_at: nothing half-made or left over" \
    "${bad:-none}" none
ok "... settled at the end: one monitor and run directory per domain, no claim" \
    wait_for 60 settled
is "... only m is left" "$(xm list | awk 'NR > 1 && $1 != "Domain-0" { print $1 }')" m
fd1=$(fds)
rss1=$(rss)
ok "xend's descriptors did not grow over the last stretch ($fd0 -> $fd1)" \
    [ "$fd1" -le "$((fd0 + 2))" ]
ok "its resident memory stayed within 4 MiB of where it was ($rss0 -> $rss1 KiB)" \
    [ "$rss1" -le "$((rss0 + 4096))" ]
ok "destroy m" xm destroy m
xp=$(xend_pid)
run "$XEND" --root "$D" stop
is "xend stops" "$rc" 0
ok "... and reported no leak or memory error at its exit" test ! -e "$D/asan.$xp"
done_testing
