#!/bin/bash
# migration.sh: live migration of the default guest between three "hosts"
# (network namespaces on one test switch, each with its own xend), over
# real TCP and real TLS, while the guest runs a memory writer and a console
# counter: it keeps counting on each destination and nothing is left on
# the source. A paused guest stays paused. Then fault injection, each time
# checking that exactly one host has the guest and that it runs (and
# counts): the data connection cut at 10%, 50% and 99% of the stream (a
# byte-counting proxy, tests/tools/cutproxy.py, sized by a first run
# through it), the destination's xend killed (kill -9) during the stream,
# the destination's QEMU killed while it loads (the proxy stops the stream
# a quarter of the way; by the pid its monitor reports), and the
# destination's xend dying right after it recorded the commit (the source
# asks again and hands over only when the restarted destination says the
# guest is there).
# Needs root, qemu-system-x86_64, python3, certtool and the default guest;
# skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue certtool python3
PROXY="$SRC/tests/tools/cutproxy.py"
BOOT=90		# seconds a boot or a counter may take

D=$(mktemp -d /tmp/migration.XXXXXX)
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
# h2's xend is killed on purpose: xm asking it meanwhile fails at once
export XM_XEND_WAIT=0
# the source asks a lost destination for at most this long after a commit
export XEND_MIGRATE_QUERY_SECS=90
GUEST_ARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img memory=256"
hosts_harness "$D" 1500

row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
state() { row "$1" "$2" | awk '{ print $5 }'; }
# runs I NAME: the guest is there and not paused (r or b), not twice.
runs() {
	local s
	[ "$(row "$1" "$2" | wc -l)" = 1 ] || return 1
	s=$(state "$1" "$2")
	case "$s" in ""|*p*|*s*|*c*|*d*) return 1 ;; esac
}
# where NAME: the hosts that list it, e.g. "1" or "1 2".
where() {
	local i w=""
	for i in 1 2 3; do [ -n "$(row $i "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
con() { hosts_console_log "$1" "$2"; }
# counting I NAME: its counter moves on host I (past what it was).
counting() {
	hosts_counts_past "$(con "$1" "$2")" $(( $(hosts_last_tick "$(con "$1" "$2")") + 5 ))
}
# monitors I: how many domain monitors host I has (Domain-0 has none).
monitors() { ls "$(hosts_root "$1")/var/run/xen/xenhv" 2>/dev/null | wc -l; }
# mark FILE: its length now; since FILE MARK REGEX SECS: until what FILE
# got after MARK matches REGEX.
mark() { wc -c <"$1" 2>/dev/null || echo 0; }
since() {
	local end=$(( $(date +%s) + $4 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		tail -c +"$(( $2 + 1 ))" "$1" 2>/dev/null | grep -aEq "$3" && return 0
		sleep 0.1
	done
	return 1
}
mig_line() { hosts_xm "$1" list -l "$2" 2>/dev/null | tr -d '\n' | tr -s ' ' | grep -o '(migration.*'; }

hosts_setup 3 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
hosts_tls "$D/tls" 1 2 3 || { echo "Bail out! certtool failed"; exit 1; }
for i in 1 2 3; do
	hosts_config $i "(xend-relocation-ssl-server yes)
(xend-relocation-ssl-ca-file $D/tls/ca.pem)
(xend-relocation-server-ssl-cert-file $D/tls/h$i-cert.pem)
(xend-relocation-server-ssl-key-file $D/tls/h$i-key.pem)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

# newguest I NAME: a 256 MiB guest on host I, booted, running the memory
# writer and counting on its console.
newguest() {
	run hosts_xm "$1" create -q "$CFG" $GUEST_ARGS name="$2"
	is "h$1: $2 created (256 MiB)" "$rc $err" "0 "
	ok "... boots to its shell" hosts_wait_text "$(con "$1" "$2")" 'guest:~#' $BOOT
	hosts_type "$1" "$2" "$HOSTS_WORKLOAD"
	ok "... runs its memory writer and counts on its console" \
		hosts_wait_text "$(con "$1" "$2")" 'tick 20' $BOOT
}
# The memory writer keeps dirtying pages through the whole stream: a page
# the engine fails to send again shows as an oops or a stopped counter on
# the destination (docs/GUEST.md: QEMU 7.2 under TCG did, until xenhv
# sized guest RAM around it). g1 moves twice.

# ---- live, around three hosts ---------------------------------------------------
newguest 1 g1
run hosts_xm 1 migrate --live g1 "$(hosts_ip 2)"
is "xm migrate --live g1 h2 succeeds, silently without a terminal" "$rc $out $err" "0  "
is "... g1 is on h2 only" "$(where g1)" "2"
ok "... and runs there" runs 2 g1
before=$(hosts_last_tick "$(con 1 g1)")
ok "... and keeps counting on h2 from where it stopped on h1 (tick $before)" \
	hosts_counts_past "$(con 2 g1)" $((before + 10))
ok "... with no oops on its console" \
	bash -c "! grep -aqE 'BUG|Oops|corruption|panic' '$(con 2 g1)'"
is "... h1 has no monitor left" "$(monitors 1)" 0
like "... h2's xm list -l shows the migration in, done" "$(mig_line 2 g1)" \
	"\(direction in\) \(peer .*10\.77\.0\.1.\) \(step done\)"
like "... with QEMU's figures from the source" "$(mig_line 2 g1)" \
	"\(bytes [1-9][0-9]*\) \(total [1-9][0-9]*\) \(downtime_ms [0-9]+\)"
# xm events (docs/EVENTS.md) on both ends: columns seq, date, time,
# domain, type, the log line
like "... h1's xm events: g1 migrated_out to h2" \
	"$(hosts_xm 1 events --no-follow g1 | awk '$5 == "migrated_out"')" "migrated to 10\.77\.0\.2$"
like "... h2's xm events: g1 migrated_in from h1" \
	"$(hosts_xm 2 events --no-follow g1 | awk '$5 == "migrated_in"')" "migrated in from .*10\.77\.0\.1"
run hosts_xm 2 migrate --live g1 "$(hosts_ip 3)"
is "g1 again, h2 to h3 (live)" "$rc $err" "0 "
is "... g1 is on h3 only" "$(where g1)" "3"
before=$(hosts_last_tick "$(con 2 g1)")
ok "... and keeps counting from where it stopped on h2 (tick $before)" \
	hosts_counts_past "$(con 3 g1)" $((before + 10))
ok "... with no oops on its console" \
	bash -c "! grep -aqE 'BUG|Oops|corruption|panic' '$(con 3 g1)'"
hosts_xm 3 destroy g1

newguest 2 g2
run hosts_xm 2 migrate -l --json g2 "$(hosts_ip 3)"
is "h2 to h3 (live, --json)" "$rc $err" "0 "
# every line one JSON object (docs/JSON.md): progress with typed figures
# that never go back, then "done"
is "... --json: progress objects, one a line, then done" "$(python3 -c '
import json, sys
lines = sys.argv[1].splitlines()
docs = [json.loads(l) for l in lines]
assert all(d["schema"] == 1 and d["command"] == "migrate" for d in docs)
prog, last = docs[:-1], docs[-1]
assert last == {"schema": 1, "command": "migrate", "event": "done",
                "domain": "g2", "host": sys.argv[2]}, last
assert prog, "no progress line"
for d in prog:
    assert d["event"] == "progress" and d["domain"] == "g2", d
    assert d["host"] == sys.argv[2] and isinstance(d["step"], str), d
    for k in ("transferred_bytes", "total_bytes"):
        assert type(d[k]) is int and d[k] >= 0, d
    assert type(d["rate_bytes_per_second"]) is float, d
    assert type(d["in_flight"]) is bool, d
moved = [d["transferred_bytes"] for d in prog]
assert moved == sorted(moved) and moved[-1] > 0, moved
print("ok")' "$out" "$(hosts_ip 3)" 2>&1)" ok
is "... g2 is on h3 only" "$(where g2)" "3"
ok "... counting" counting 3 g2
hosts_xm 3 destroy g2

newguest 3 g3
run hosts_xm 3 migrate --live --ssl g3 "$(hosts_ip 1)"
is "h3 to h1 over TLS (control in GnuTLS, stream in QEMU's TLS)" "$rc $err" "0 "
is "... g3 is on h1 only" "$(where g3)" "1"
ok "... counting" counting 1 g3
like "... the record says TLS" "$(mig_line 1 g3)" "\(ssl 1\)"
ok "... h1's QEMU loaded the stream through TLS" grep -q 'loading the saved state (TLS)' \
	"$(hosts_root 1)"/var/log/xen/xenhv-g3.log
hosts_xm 1 destroy g3

# ---- a paused guest stays paused -------------------------------------------------
run hosts_xm 1 create -q -p "$CFG" $GUEST_ARGS name=gp
is "h1: gp created paused" "$rc $err" "0 "
run hosts_xm 1 migrate gp "$(hosts_ip 2)"
is "a paused guest migrates (not live)" "$rc $err" "0 "
is "... it is paused on h2" "$(where gp) $(state 2 gp)" "2 --p---"
hosts_xm 2 destroy gp

# ---- faults -----------------------------------------------------------------------
# The proxy runs on h1 and forwards to h2's relocation port; its rules
# apply to the data connection only (the control messages pass).
proxy_port=18002
proxy_pid=""
proxy() {
	rm -f "$D/stats" "$D/ready"
	hosts_exec 1 python3 "$PROXY" "127.0.0.1:$proxy_port" "$(hosts_ip 2):8002" \
		--match "xend-relocation 1 data" --stats "$D/stats" --ready "$D/ready" "$@" &
	hosts_wait_text "$D/ready" '^[0-9]+$' 20 || return 1
	proxy_pid=$(cat "$D/ready")
	HOSTS_BG_PIDS="$HOSTS_BG_PIDS $proxy_pid"
}
# stops the proxy by the pid it wrote, and waits until it is gone
unproxy() {
	local t
	kill "$proxy_pid" 2>/dev/null
	for t in $(seq 1 50); do kill -0 "$proxy_pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$proxy_pid" 2>/dev/null
}
via_proxy() { hosts_xm 1 migrate --live g1 127.0.0.1 -p $proxy_port; }
# one_owner_h1 WHAT: after a failed migration, g1 is on h1 only, runs and
# counts; h2 has no domain and no monitor.
one_owner_h1() {
	is "$1: g1 is on h1 only" "$(where g1)" "1"
	ok "$1: ... runs there" runs 1 g1
	ok "$1: ... and counts" counting 1 g1
	is "$1: ... h2 has no monitor" "$(monitors 2)" 0
}

newguest 1 g1
proxy
run via_proxy
is "through the proxy, uncut: the migration succeeds" "$rc $err" "0 "
unproxy
total=$(awk 'NF == 2 && $1 > m { m = $1 } END { print m + 0 }' "$D/stats")
ok "... the proxy counted the stream ($total bytes)" test "$total" -gt 1000000
hosts_xm 2 destroy g1
newguest 1 g1

for pct in 10 50; do
	proxy --cut-after $((total * pct / 100))
	run via_proxy
	unproxy
	is "cut at $pct%: xm migrate fails" "$rc" 1
	like "cut at $pct%: ... saying the guest runs on here" "$err" "domain 'g1' runs on"
	one_owner_h1 "cut at $pct%"
done
is "h1's xm events: both cut migrations are migration_failed" \
	"$(hosts_xm 1 events --no-follow g1 | awk '$5 == "migration_failed"' | wc -l)" 2

# 99%: everything but the last 1% reaches h2; the source's QEMU has sent it
# all and stopped the guest, but the stream never completes there
proxy --hold-last $((total / 100)) --idle 3
run via_proxy
unproxy
is "cut at 99% (the last 1% held back): xm migrate fails" "$rc" 1
grep -q '^cut' "$D/stats"
is "... the proxy did cut" "$?" 0
one_owner_h1 "cut at 99%"
like "... h1's record says failed" "$(mig_line 1 g1)" "\(step failed\)"

# the destination's xend killed while the stream flows
m=$(mark "$(hosts_log 2)")
hosts_xm 1 migrate --live g1 "$(hosts_ip 2)" >"$D/m.out" 2>&1 &
mpid=$!
since "$(hosts_log 2)" "$m" "stream from 10\.77\.0\.1" 60
hosts_kill 2
wait $mpid
rc=$?
is "h2's xend killed during the stream: xm migrate fails" "$rc" 1
like "... naming the lost connection" "$(cat "$D/m.out")" "(closed the connection|Connection reset)"
is "... g1 is on h1 only" "$(where g1)" "1"
ok "... runs and counts" counting 1 g1
run hosts_start 2
is "... h2's xend restarts" "$rc $err" "0 "
for t in $(seq 1 40); do [ -z "$(hosts_domains 2)" ] && [ "$(monitors 2)" = 0 ] && break; sleep 0.5; done
is "... and keeps nothing of the uncommitted copy" "$(hosts_domains 2) $(monitors 2)" " 0"
ok "... its log says why" grep -q "restarted before the migration was committed" "$(hosts_log 2)"

# the destination's QEMU killed while it loads, by the pid its monitor
# reports. The stream goes through the proxy, which stops it a quarter of
# the way and says so: h2's QEMU has then read a part of it (more than
# socket buffers hold) and cannot finish, so the kill lands while it
# loads (a kill some time after the load began could come after its end,
# and the migration then succeeded).
mlog="$(hosts_root 2)/var/log/xen/xenhv-g1.log"
m=$(mark "$mlog")
proxy --stall-after $((total / 4))
via_proxy >"$D/m.out" 2>&1 &
mpid=$!
qpid=""
if hosts_wait_text "$D/stats" '^stall ' 90; then
	qpid=$(tail -c +"$(( m + 1 ))" "$mlog" | grep -aoE 'QEMU pid [0-9]+' | tail -n 1 | awk '{ print $3 }')
	[ -n "$qpid" ] && kill -KILL "$qpid"
fi
wait $mpid
rc=$?
unproxy
is "h2's QEMU killed while loading: xm migrate fails" "$rc" 1
like "... with the destination's words" "$(cat "$D/m.out")" "QEMU.*\(from 127\.0\.0\.1\)"
one_owner_h1 "h2's QEMU killed"

# the destination's xend dies right after recording the commit: the
# source asks again until the restarted destination says where g1 is
hosts_stop 2
XEND_TEST_EXIT_AT=migrate-in.committed hosts_start 2
m=$(mark "$(hosts_log 2)")
m1=$(mark "$(hosts_log 1)")
hosts_xm 1 migrate --live g1 "$(hosts_ip 2)" >"$D/m.out" 2>&1 &
mpid=$!
since "$(hosts_log 2)" "$m" "XEND_TEST_EXIT_AT=migrate-in.committed: exiting" 120
# h1 has seen h2 go and asks it again: its copy stays paused meanwhile
since "$(hosts_log 1)" "$m1" "lost the destination .* asking it again" 60
is "commit recorded, then h2's xend gone: g1 is not running anywhere meanwhile" \
	"$(state 1 migrating-g1)" "--p---"
run hosts_start 2
is "... h2's xend restarts" "$rc $err" "0 "
wait $mpid
rc=$?
is "... xm migrate then succeeds" "$rc $(cat "$D/m.out")" "0 "
is "... g1 is on h2 only" "$(where g1)" "2"
ok "... runs and counts there" counting 2 g1
is "... h1 has no monitor left" "$(monitors 1)" 0

run hosts_xm 2 destroy g1
is "g1 destroyed" "$rc" 0
done_testing
