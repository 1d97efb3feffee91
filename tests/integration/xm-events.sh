#!/bin/bash
# xm-events.sh: `xm events` (docs/EVENTS.md) against a private xend and a
# real guest: a follower started first sees the guest's life in order
# (created, started, paused, unpaused, memory target reached, a disk
# added and removed, saved, restored, rebooted, shut down, destroyed),
# with sequence numbers that rise and never repeat; the log read back
# with --since gives the same events; the text form agrees; domains
# named limit the stream; a follower rides out kill -9 of xend and
# misses nothing; a small event-log-size prunes old events and says so;
# bad arguments are usage errors.
# Needs qemu-system-x86_64, the default guest and python3.
NAME=xm-events
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 is needed to read the JSON"
	exit 0
fi
CHECK="$(cd "${top_srcdir:-.}" && pwd)/tests/tools/xm-events-check.py"
ev() { python3 "$CHECK" "$@"; }
has() { grep -q "\"type\":\"$2\"" "$1" 2>/dev/null; }
has_dom() { grep "\"domain\":\"$2\"" "$1" 2>/dev/null | grep -q "\"type\":\"$3\""; }
trap cleanup EXIT
bg_pids="$bg_pids $(watchdog 900)"

# the block script of block-attach talks to xend's xenstore
export XENSTORED_PATH="$D/var/run/xenstored/socket"
export PATH="$(cd "${top_builddir:-.}" && pwd)/xenstore:$PATH"
mkdir -p "$D/etc/xen"
echo "(xend-scripts-path $(cd "${top_srcdir:-.}" && pwd)/scripts)" >"$D/etc/xen/xend-config.sxp"
run xend_start
is "private xend starts" "$rc $err" "0 "

# ---- arguments ------------------------------------------------------------
run xm events --since abc
is "--since abc: usage error" "$rc" 2
like "... says what --since takes" "$err" "--since must be an event's sequence number"
run xm events --since -3
is "--since -3: usage error" "$rc" 2
run env XM_SERVER="httpu://$D/nowhere.sock" "$XM" events
like "no xend: classic error, exit 1" "$rc $err" "^1 Error: Unable to connect to xend"

# ---- a follower sees a guest's life ---------------------------------------
xm events --no-follow --json >"$D/before.json"
base=$(ev last "$D/before.json")
# it follows across an xend restart below: it waits for xend to return
XM_XEND_WAIT=90 timeout 800 "$XM" events --json --since "$base" >"$D/f1.json" 2>"$D/f1.err" &
f1=$!
bg_pids="$bg_pids $f1"
truncate -s 16M "$D/disk2.img"
run xm create -q "$CFG" $CFG_GUEST name=e1 memory=128 maxmem=160
is "create e1" "$rc $err" "0 "
ok "e1 boots to its shell" booted e1
ok "the follower sees e1 created and started" wait_for 30 has_dom "$D/f1.json" e1 started
run xm pause e1
is "pause e1" "$rc $err" "0 "
ok "... paused is seen" wait_for 30 has_dom "$D/f1.json" e1 paused
run xm unpause e1
is "unpause e1" "$rc $err" "0 "
run xm mem-set e1 112
is "mem-set e1 112" "$rc $err" "0 "
ok "... memory_target_reached is seen" wait_for 60 has_dom "$D/f1.json" e1 memory_target_reached
is "... its data says 112 MiB" "$(ev data "$D/f1.json" e1 memory_target_reached memory_mib)" 112
run xm block-attach e1 "file:$D/disk2.img" xvdb w
is "block-attach e1 xvdb" "$rc $err" "0 "
run xm block-detach e1 xvdb
is "block-detach e1 xvdb" "$rc $err" "0 "
ok "... device_removed is seen" wait_for 30 has_dom "$D/f1.json" e1 device_removed
run xm save e1 "$D/e1.save"
is "save e1" "$rc $err" "0 "
run xm restore "$D/e1.save"
is "restore e1" "$rc $err" "0 "
ok "... restored is seen" wait_for 30 has_dom "$D/f1.json" e1 restored
p=$(prompts e1)
run xm reboot e1
is "reboot e1" "$rc $err" "0 "
ok "... rebooted is seen" wait_for 60 has_dom "$D/f1.json" e1 rebooted
ok "e1 boots again" booted e1 "$p"
run xm shutdown -w e1
is "shutdown -w e1" "$rc $err" "0 "
ok "... destroyed is seen" wait_for 60 has_dom "$D/f1.json" e1 destroyed
is "the follower: e1's life in order, seqs rising, none twice" \
    "$(ev order "$D/f1.json" e1 created started paused unpaused \
        memory_target_reached device_added device_removed saved destroyed \
        started restored shutdown rebooted started shutdown destroyed)" ok
is "... shutdown's reason: reboot, then poweroff" \
    "$(grep '"domain":"e1"' "$D/f1.json" | grep -o '"reason":"[a-z]*"' | tr '\n' ' ')" \
    '"reason":"reboot" "reason":"poweroff" '
xm events --no-follow --json --since "$base" >"$D/log.json"
is "--no-follow --since: the same events as the follower saw" \
    "$(ev same "$D/f1.json" "$D/log.json")" ok
xm events --no-follow --since "$base" >"$D/log.txt"
is "the text form: the same events, seq and type" "$(ev text "$D/log.txt" "$D/log.json")" ok

# ---- domains named --------------------------------------------------------
run xm create -q -p "$CFG" $CFG_GUEST name=e2 memory=96
is "create -p e2" "$rc $err" "0 "
uuid2=$(xm list -l e2 | sed -n 's/^    (uuid \(.*\))$/\1/p')
xm events --no-follow --json --since "$base" e2 >"$D/e2.json"
is "events e2: only e2's" "$(ev only "$D/e2.json" e2)" ok
xm events --no-follow --json --since "$base" "$uuid2" >"$D/e2u.json"
is "events UUID: the same as by name" "$(ev same "$D/e2.json" "$D/e2u.json")" ok

# ---- kill -9 of xend: the follower goes on, misses nothing ------------------
ok "the follower has seen e2 created" wait_for 30 has_dom "$D/f1.json" e2 started
s1=$(ev last "$D/f1.json")
kill -KILL "$(xend_pid)"
ok "xend is gone" wait_for 10 sh -c "! kill -0 $(xend_pid) 2>/dev/null"
run xend_start
is "xend starts again" "$rc $err" "0 "
run xm unpause e2
is "unpause e2" "$rc $err" "0 "
run xm destroy e2
is "destroy e2" "$rc $err" "0 "
ok "the follower, still running, sees e2 destroyed" wait_for 60 has_dom "$D/f1.json" e2 destroyed
ok "... it did not stop" kill -0 "$f1"
is "... seqs still rising, none twice" "$(ev order "$D/f1.json" e2 started unpaused destroyed)" ok
xm events --no-follow --json --since "$s1" >"$D/missed.json"
is "--since the last seq seen before the kill: exactly what came after" \
    "$(ev same "$D/f1.json" "$D/missed.json" "$s1")" ok
is "... and nothing at or before it" "$(ev after "$D/missed.json" "$s1" | grep -c '^[0-9]')" 1
kill "$f1" 2>/dev/null

# ---- a follower from now ----------------------------------------------------
s2=$(xm events --no-follow --json | tail -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
"$XM" events >"$D/now.txt" 2>&1 &
f2=$!
bg_pids="$bg_pids $f2"
run xm create -q -p "$CFG" $CFG_GUEST name=e3 memory=96
is "create -p e3" "$rc $err" "0 "
# it may have asked xend after e3's first events: more come until it prints
nudge() { xm pause e3 >/dev/null 2>&1; xm unpause e3 >/dev/null 2>&1; grep -q ' e3 ' "$D/now.txt"; }
ok "a follower without --since prints e3's events" wait_for 60 nudge
is "... none from before it started" "$(awk -v s="$s2" '$1 <= s' "$D/now.txt")" ""
kill "$f2" 2>/dev/null
run xm destroy e3
is "destroy e3" "$rc $err" "0 "

# ---- retention --------------------------------------------------------------
"$XEND" --root "$D" stop >/dev/null 2>&1
echo "(event-log-size 5)" >>"$D/etc/xen/xend-config.sxp"
run xend_start
is "xend with (event-log-size 5) starts" "$rc $err" "0 "
run xm create -q -p "$CFG" $CFG_GUEST name=e4 memory=96
run xm destroy e4
run xm events --no-follow --json --since 1
is "--since 1 after pruning: exit 0" "$rc" 0
like "... says which events are gone, and why" "$err" "events 2 to [0-9]+ are no longer in xend's event log \(event-log-size"
is "... prints what is kept (5 rows at most)" "$([ "$(printf '%s\n' "$out" | grep -c .)" -le 5 ] && echo ok)" ok
is "... e4's destroy among them" "$(printf '%s\n' "$out" | grep -c '"type":"destroyed","domain":"e4"')" 1
done_testing
