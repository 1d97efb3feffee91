#!/bin/bash
# crash-create.sh: xend killed at every step of a create (the steps are
# listed from xend's sources: FAULT_POINT("create.*" / "start.*" /
# "unpause.*")), then 16 creates at once with xend killed in their midst.
# Once xend is back and the xm that were creating have ended, nothing is
# half-made: each domain is gone (its create rolled back) or, if it had
# been unpaused, runs, exactly once; no claim and no monitor is left over;
# the same create then succeeds. xm says that xend went away and how to
# see the outcome.
NAME=crash-create
BOOT_LIMIT=90
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

if ! command -v sqlite3 >/dev/null; then
	echo "1..0 # SKIP sqlite3 (the command) is needed to read xend's records"
	exit 0
fi
steps=$(grep -rhoE 'FAULT_POINT\("(create|start|unpause)\.[a-z.-]+"' \
    "${top_srcdir:-.}/xend" | sed 's/.*"\(.*\)"/\1/' | sort -u)
ok "the create's steps are found in xend's sources" [ -n "$steps" ]

gone() { ! kill -0 "$1" 2>/dev/null; }
no_claims() { [ "$(claims)" = 0 ]; }
monitors_match() { [ "$(live_monitors)" = "$(guests)" ]; }
running() { xm list "$1" 2>/dev/null | tail -n 1 | awk '{ print $5 }' | grep -Eq '^(r|-b)'; }
settled_gone() { [ "$(count_of "$1")" = 0 ] && no_claims; }
settled_running() { [ "$(count_of "$1")" = 1 ] && running "$1" && no_claims; }

# ---- xend killed at each step ----------------------------------------------
for s in $steps; do
	run env XEND_TEST_EXIT_AT="$s@fp" "$XEND" --root "$D" start
	is "$s: xend starts, told to die there" "$rc $err" "0 "
	xp=$(xend_pid)
	"$XM" create "$CFG" $CFG_GUEST name=fp memory=96 >"$D/fp.out" 2>"$D/fp.err" &
	cp=$!
	ok "$s: xend dies there" wait_for 120 gone "$xp"
	wait "$cp"
	is "$s: xm create fails" "$?" 1
	like "$s: ... and says xend went away, and where to look" "$(cat "$D/fp.err")" \
	    "^Error: xend went away while creating fp .*; once it is back, \`xm list fp\` shows the outcome"
	run xend_start
	is "$s: xend starts again" "$rc $err" "0 "
	if [ "$s" = unpause.done ]; then
		ok "$s: fp had been unpaused: it runs, once, and its create is complete" \
		    wait_for 90 settled_running fp
	else
		ok "$s: the create is rolled back: no fp, no claim" wait_for 90 settled_gone fp
	fi
	ok "$s: one monitor per domain, none left over" wait_for 30 monitors_match
	run xm create "$CFG" $CFG_GUEST name=fp2 memory=96 -p
	is "$s: the next create goes through" "$rc" 0
	xm destroy fp >/dev/null 2>&1
	xm destroy fp2 >/dev/null 2>&1
	"$XEND" --root "$D" stop >/dev/null 2>&1
done

# ---- 16 creates at once, xend killed in their midst --------------------------
run xend_start
is "xend starts for the concurrent creates" "$rc $err" "0 "
cps=""
for i in $(seq 1 16); do
	"$XM" create "$CFG" $CFG_GUEST name="c$i" memory=96 >"$D/c$i.out" 2>"$D/c$i.err" &
	cps="$cps $!"
done
# every create is under way: recorded, or answered already
recorded() { [ "$(sqlite3 "$DB" "SELECT count(*) FROM domains WHERE name LIKE 'c%'" 2>/dev/null)" -ge 8 ]; }
ok "16 creates under way" wait_for 120 recorded
kill -KILL "$(xend_pid)"
failed=0
for p in $cps; do wait "$p" || failed=$((failed + 1)); done
went=$(cat "$D"/c*.err | grep -cE '^Error: (xend went away while creating c[0-9]+ |Unable to connect to xend)')
is "every xm that failed says xend went away (or was not there)" "$went" "$failed"
run xend_start
is "xend starts again" "$rc $err" "0 "
# what runs had been unpaused; nothing stays paused or half-made
none_paused() { ! xm list 2>/dev/null | awk 'NR > 1 { print $5 }' | grep -q p; }
settled() { no_claims && none_paused; }
ok "after the restart: no claim left, no domain paused" wait_for 120 settled
dups=$(xm list 2>/dev/null | awk 'NR > 1 { print $1 }' | sort | uniq -d)
is "each domain once" "$dups" ""
ok "one monitor per domain, none left over" wait_for 30 monitors_match
n=$(guests)
ok "at most the 16 ran ($n)" [ "$n" -le 16 ]
for i in $(seq 1 16); do
	[ "$(count_of "c$i")" = 0 ] || continue
	run xm create "$CFG" $CFG_GUEST name="c$i" memory=96 -p
	[ "$rc" = 0 ] || { is "c$i created again" "$rc $err" "0 "; }
done
is "then every create that was rolled back succeeds again" "$(guests)" 16
for i in $(seq 1 16); do xm destroy "c$i" >/dev/null 2>&1; done
ok "all destroyed: no monitor left" wait_for 30 monitors_match

done_testing
