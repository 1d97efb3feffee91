#!/bin/bash
# xm-lifecycle.sh: real guests through a private xend, driven by xm: create
# (and -c, and a failing create that leaves nothing), list and list -l,
# pause/unpause, domid/domname/domstate/uptime, rename, the console piped
# and under a pty, reboot -w, shutdown -w and -a, a guest that cannot obey
# a shutdown, destroy, unknown domains (exit 3) and usage errors (exit 2).
# Needs qemu-system-x86_64 and the default guest ($XEN_GUEST_DIR, else
# /usr/share/xen/guest, built by scripts/mkguest.sh); skips without.
NAME=xm-lifecycle
BOOT_LIMIT=90
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

if ! command -v script >/dev/null; then
	echo "1..0 # SKIP script(1) is needed for the terminal tests"
	exit 0
fi
create() { xm create -q "$CFG" $CFG_GUEST memory=96 "$@"; }

# ---- xend -----------------------------------------------------------
# xend stops itself (SIGSTOP) just before it answers the create of a
# domain named intr: the tests below interrupt xm while xend is there.
run env XEND_TEST_EXIT_AT=create.reply@intr:stop "$XEND" --root "$D" start
is "private xend starts" "$rc $err" "0 "

# ---- usage errors: exit 2 --------------------------------------------
run xm list --state=bogus
is "list --state=bogus: usage error" "$rc" 2
like "... names the valid states" "$err" "unknown state 'bogus': use running, paused"
run xm list --state=running Domain-0
is "list --state with a domain: usage error" "$rc" 2
like "... classic message" "$err" '^Error: You may specify either a state or a particular VM, but not both'
run xm shutdown -H -R Domain-0
is "shutdown -H -R: usage error" "$rc $(head -n 1 "$D/err")" "2 Error: Can't specify halt and reboot"
run xm shutdown
is "shutdown without a domain: usage error" "$rc $(head -n 1 "$D/err")" "2 Error: No domain parameter given"
run xm pause
is "pause without a domain: usage error" "$rc $(head -n 1 "$D/err")" "2 Error: 'xm pause' requires 1 argument."
run xm rename a
is "rename with one word: usage error" "$rc" 2
run xm shutdown -w --timeout=soon Domain-0
is "shutdown --timeout=soon: usage error" "$rc" 2

# ---- unknown domains: exit 3 ------------------------------------------
for c in pause unpause destroy reset domid domname domstate uptime list \
    shutdown reboot console; do
	run xm $c nosuch
	is "$c of an unknown domain: exit 3, classic message" "$rc $err" \
	    "3 Error: Domain 'nosuch' does not exist."
done
run xm rename nosuch nosuch2
is "rename of an unknown domain: exit 3" "$rc $err" \
    "3 Error: Domain 'nosuch' does not exist."
run xm console -q nosuch
is "console -q of an unknown domain: exit 1, silent" "$rc|$out|$err" "1||"

# ---- only Domain-0 ----------------------------------------------------
run xm list
header=$(printf '%-40s %5s %5s %5s %10s %9s' Name ID Mem VCPUs State 'Time(s)')
is "list: the classic header" "$(head -n 1 "$D/out")" "$header"
like "list: the Domain-0 row" "$(sed -n 2p "$D/out")" \
    '^Domain-0 {37}0 [ 0-9]{4,}[0-9] [ 0-9]{4}[1-9]     r----- [ 0-9]{5,}[0-9]\.[0-9]$'
is "list: nothing else" "$(wc -l <"$D/out")" 2

# ---- a failed create leaves nothing -------------------------------------
run xm create "$CFG" name=broken kernel=/nonexistent/vmlinuz
is "create with a missing kernel: exit 1" "$rc" 1
like "... says which file and why" "$err" '^Error: .*kernel /nonexistent/vmlinuz: No such file or directory$'
ok "... and leaves no domain" not_listed broken

# Interrupted while xend creates it: xm removes the half-made domain
# before dying of the signal (without that, a paused domain would stay).
# xend is stopped at the create's answer when the signal comes, so it
# always lands in the middle of the create. A background job starts with
# SIGINT ignored: xm gets it as a terminal would give it.
xend_pid=$(cat "$PIDFILE")
xend_at_stop() { [ "$(awk '{ print $3 }' "/proc/$xend_pid/stat" 2>/dev/null)" = T ]; }
xend_on() { kill -CONT "$xend_pid"; }
env --default-signal=INT "$XM" create "$CFG" $CFG_GUEST name=intr memory=64 \
    >/dev/null 2>"$D/intr.err" &
p=$!
ok "create of intr: xend stops before answering (test hook)" wait_for 60 xend_at_stop
kill -INT "$p"
xend_on
wait "$p"
is "create interrupted by SIGINT: dies of it" "$?" 130
ok "... and leaves no domain" wait_for 30 not_listed intr
like "... xend's log says it was destroyed" "$(grep 'Domain intr' "$XLOG" | tail -n 1)" 'destroy'

# Killed outright (no chance to clean up): xend rolls the create back
# itself, since xm had said which call would finish it.
"$XM" create "$CFG" $CFG_GUEST name=intr memory=64 >/dev/null 2>&1 &
p=$!
ok "create of intr again: xend stops before answering" wait_for 60 xend_at_stop
kill -KILL "$p"
wait "$p" 2>/dev/null
xend_on
ok "create whose xm was killed: rolled back by xend" wait_for 60 not_listed intr
like "... xend's log says why" "$(cat "$XLOG")" \
    "Domain intr \([0-9]+\): its client \(pid $p\) went away before finishing the create \(unpause\): rolled back"
run xm create "$CFG" $CFG_GUEST name=intr2 memory=64 -p
is "create -p of intr2: goes on as usual" "$rc" 0
ok "... xm has ended and intr2 stays (create -p ends at waitForDevices)" listed intr2
ok "... xm destroy intr2" xm destroy intr2

# ---- create and list ----------------------------------------------------
run xm create "$CFG" $CFG_GUEST name=g1 memory=96
is "create: exit 0, two lines" "$rc $(wc -l <"$D/out")" "0 2"
is "create names the config" "$(head -n 1 "$D/out")" "Using config file \"$CFG\"."
like "create prints Started domain" "$(sed -n 2p "$D/out")" '^Started domain g1 \(id=[0-9]+\)$'
id1=$(printf '%s\n' "$out" | sed -n 's/^Started domain g1 (id=\([0-9]*\))$/\1/p')
r=$(row g1)
state=$(printf '%s\n' "$r" | awk '{ print $5 }')
prefix=$(printf '%-40s %5s %5d %5d %10s ' g1 "$id1" 96 1 "$state")
is "list: g1's row, column by column" "${r:0:${#prefix}}" "$prefix"
like "list: state of a live guest, time %8.1f" "$r" ' (r-----|-b----) [ 0-9]{5}[0-9]\.[0-9]$'
like "list: rows in name order, Domain-0 among them" \
    "$(xm list | awk 'NR > 1 { printf "%s,", $1 }')" '^Domain-0,g1,$'
run xm list --state=running
like "list --state=running shows g1" "$out" '^g1 '
run xm list --state=PAUSED
is "list --state=PAUSED (any case) shows no row yet" "$rc $(wc -l <"$D/out")" "0 1"

run xm list -l g1
is "list -l: one (domain ...) form" "$(head -n 1 "$D/out")|$(tail -n 1 "$D/out")" "(domain|)"
ok "list -l: (domid N) child" grep -qx "    (domid $id1)" "$D/out"
ok "list -l: (name g1) child" grep -qx "    (name g1)" "$D/out"
ok "list -l: (state ...) child" grep -Eqx "    \((state (r-----|-b----))\)" "$D/out"
opens=$(tr -cd '(' <"$D/out" | wc -c)
closes=$(tr -cd ')' <"$D/out" | wc -c)
is "list -l: parentheses balance" "$opens" "$closes"
like "list -l: the console device with its socket" "$out" \
    "\\(location $D/var/run/xen/xenhv/$id1/console.sock\\)"
ok "list -l: no line over 80 columns but atoms" \
    awk 'length > 80 && !/^ *[^ ()]+$/ { bad = 1 } END { exit bad }' "$D/out"
run xm list -l
is "list -l without names: Domain-0 and g1" "$(grep -c '^(domain' "$D/out")" 2

# ---- lookups ------------------------------------------------------------
is "domid g1" "$(xm domid g1)" "$id1"
is "domname $id1" "$(xm domname "$id1")" "g1"
like "domstate of a live guest: running or idle, one word" "$(xm domstate g1)" '^(running|idle)$'
is "domstate Domain-0: running (classic xm printed nothing)" "$(xm domstate Domain-0)" "running"
run xm uptime
is "uptime: the classic header (trailing space)" "$(head -n 1 "$D/out")" \
    "$(printf '%-33s %4s %s ' Name ID Uptime)"
like "uptime: g1's row" "$(grep '^g1 ' "$D/out")" \
    "^$(printf '%-32s %5s' g1 "$id1") [ 0-9]{2}:[0-5][0-9]:[0-5][0-9]\$"
like "uptime: Domain-0's row is the host's uptime" "$(grep '^Domain-0 ' "$D/out")" \
    '^Domain-0 {29}0 ([0-9]+ days?, )?[ 0-9][0-9]:[0-5][0-9]:[0-5][0-9]$'
like "uptime -s g1" "$(xm uptime -s g1)" \
    "^ [0-2][0-9]:[0-5][0-9]:[0-5][0-9] up [ 0-9]{2}:[0-5][0-9], g1 \\($id1\\)\$"

# ---- pause ----------------------------------------------------------------
ok "pause g1" xm pause g1
like "list shows p" "$(row g1)" ' --p--- '
is "domstate: paused by admin" "$(xm domstate g1)" "paused by admin"
like "list --state=paused shows it" "$(xm list --state=paused)" '^g1 '
ok "unpause g1" xm unpause g1
like "list: no p any more" "$(row g1)" ' (r-----|-b----) '

# ---- the console, piped ------------------------------------------------
if booted g1; then
	ok "g1 reaches its shell" true
else
	ok "g1 reaches its shell within ${BOOT_LIMIT} s" false
	tail -n 5 "$(conlog g1)" | sed 's/^/# /'
fi
tag=$RANDOM
# the guest echoes the command line; only its result has "hello-N" whole
{ sleep 1; echo "echo \"hel\"\"lo-$tag\""; sleep 5; printf '\035'; } |
	xm console g1 >"$D/con.out" 2>"$D/con.err"
is "console (piped): Ctrl-] ends it, exit 0" "$?" 0
ok "console (piped): the guest's answer came back" grep -aq "^hello-$tag"$'\r'"\$" "$D/con.out"
is "console (piped): nothing on stderr" "$(cat "$D/con.err")" ""

# ---- the console under a pseudo-terminal ---------------------------------
# The session runs in script(1); xm's pid lands in con.pid (exec), the
# terminal settings before and after in stty.before/after.
pty_session() {
	script -qec "stty -g >$D/stty.before; sh -c 'echo \$\$ >$D/con.pid; exec $XM console g1'; echo \$? >$D/con.rc; stty -g >$D/stty.after" /dev/null
}
raw_now() {
	local pid tty
	pid=$(cat "$D/con.pid" 2>/dev/null) || return 1
	tty=$(readlink "/proc/$pid/fd/0") || return 1
	stty -F "$tty" -a 2>/dev/null | grep -q -- '-icanon .*-echo '
}
rm -f "$D/con.pid" "$D/con.rc" "$D/stty.before" "$D/stty.after"
{ sleep 2; raw_now && touch "$D/was.raw"; printf '\035'; sleep 1; } |
	pty_session >/dev/null 2>&1
is "console on a pty: Ctrl-] ends it, exit 0" "$(cat "$D/con.rc" 2>/dev/null)" 0
ok "console on a pty: the terminal is raw while attached" test -e "$D/was.raw"
is "console on a pty: settings restored after Ctrl-]" \
    "$(cat "$D/stty.after" 2>/dev/null)" "$(cat "$D/stty.before" 2>/dev/null)"
rm -f "$D/con.pid" "$D/con.rc" "$D/stty.before" "$D/stty.after"
{ sleep 2; kill -TERM "$(cat "$D/con.pid")"; sleep 1; } | pty_session >/dev/null 2>&1
is "console on a pty: SIGTERM ends it (dies of the signal)" "$(cat "$D/con.rc" 2>/dev/null)" 143
is "console on a pty: settings restored after SIGTERM" \
    "$(cat "$D/stty.after" 2>/dev/null)" "$(cat "$D/stty.before" 2>/dev/null)"
rm -f "$D/con.pid" "$D/con.rc" "$D/stty.before" "$D/stty.after"
{ sleep 2; kill -HUP "$(cat "$D/con.pid")"; sleep 1; } | pty_session >/dev/null 2>&1
is "console on a pty: settings restored after SIGHUP" \
    "$(cat "$D/stty.after" 2>/dev/null)" "$(cat "$D/stty.before" 2>/dev/null)"

# ---- rename, reboot -w ------------------------------------------------------
ok "rename g1 to web1" xm rename g1 web1
is "domname after rename" "$(xm domname "$id1")" "web1"
ok "the old name is gone" not_listed g1
n=$(prompts web1)
run xm reboot -w web1
is "reboot -w: classic messages" "$rc|$out" $'0|Domain web1 rebooted\nAll domains rebooted'
id2=$(xm domid web1)
like "reboot: web1 has a domid" "$id2" '^[0-9]+$'
ok "reboot: a new domid (was $id1)" test "$id2" != "$id1"

# ---- shutdown -w ------------------------------------------------------------
if booted web1 "$n"; then
	ok "web1 is back at its shell" true
else
	ok "web1 is back at its shell within ${BOOT_LIMIT} s" false
fi
run xm shutdown -w web1
is "shutdown -w: classic messages" "$rc|$out" $'0|Domain web1 terminated\nAll domains terminated'
ok "shutdown -w: web1 is gone when it returns" not_listed web1

# ---- a guest that cannot obey --------------------------------------------
ok "create g2" create name=g2
booted g2
ok "pause g2: a paused guest cannot obey" xm pause g2
run xm shutdown -w --timeout=3 g2
is "shutdown --timeout=3 of a paused guest: exit 1, says so" "$rc|$err" \
    "1|Error: Domain 'g2' did not shut down within 3 s; it is still paused (use xm destroy to force)"
ok "... and g2 is still there" listed g2
ok "destroy g2" xm destroy g2
ok "destroy: g2 is gone" not_listed g2

# ---- shutdown -a -w --------------------------------------------------------
ok "create a1" create name=a1
ok "create a2" create name=a2
booted a1 && booted a2
run xm shutdown -a -w
is "shutdown -a -w: every guest terminated" "$rc|$(sort "$D/out")" \
    $'0|All domains terminated\nDomain a1 terminated\nDomain a2 terminated'
is "shutdown -a -w: All domains terminated last" "$(tail -n 1 "$D/out")" "All domains terminated"
is "shutdown -a leaves Domain-0 alone" "$(xm list | awk 'NR > 1 { print $1 }')" "Domain-0"

# ---- create -c: the console from the first byte -----------------------------
# Without "quiet" the kernel's first line is its banner; attaching before
# the domain is unpaused means it is not missed.
{ sleep 15; printf '\035'; } |
	xm create -c "$CFG" $CFG_GUEST name=c1 memory=96 \
	    extra="console=ttyS0 panic=-1 cryptomgr.notests" >"$D/c1.out" 2>&1
is "create -c: Ctrl-] ends it, exit 0" "$?" 0
like "create -c: Started domain first" "$(sed -n 2p "$D/c1.out")" '^Started domain c1 \(id=[0-9]+\)$'
first=$(head -n 1 "$(conlog c1)")
like "the guest's first console line is the kernel's banner" "$first" 'Linux version'
is "create -c: the console output begins with it" "$(sed -n 3p "$D/c1.out")" "$first"
run xm create -p -q "$CFG" $CFG_GUEST name=p1 memory=96
like "create -p: left paused" "$(row p1)" ' --p--- '
ok "destroy c1 and p1" xm destroy c1 && xm destroy p1

done_testing
