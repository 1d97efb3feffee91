#!/bin/bash
# xenhv.sh: real guests under xenhv, driven through libxc by xc-tool under a
# temporary root: create, console (ring and attach socket), pause, CPU time,
# events and their acknowledgement, clean and forced shutdowns, destroy,
# start-up failures, and domains that outlive their creator.
# Needs qemu-system-x86_64 and the default guest ($XEN_GUEST_DIR, else
# /usr/share/xen/guest, as built by scripts/mkguest.sh); skips without.
# tests/run.sh sets this for make distcheck: these already ran in its main pass.
if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
	echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
	exit 0
fi

. "${top_srcdir:-.}/tests/lib.sh"

export LC_ALL=C
TOOL="${top_builddir:-.}/tests/tools/xc-tool"
export XENHV="${top_builddir:-.}/hypervisor/xenhv"
BANNER="xen-guest: booted"
BOOT_LIMIT=60

need_guest

root=$(mktemp -d /tmp/xenhv-test.XXXXXX)
bg_pids=""

# Every process this test starts is stopped by its pid: background helpers
# from $bg_pids, domains through xc-tool destroy, and as a last resort the
# monitor and QEMU pids that getinfo reported.
cleanup() {
	local p d pids
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	for d in $(ls "$root/var/run/xen/xenhv" 2>/dev/null); do
		pids=$(tool getinfo "$d" 2>/dev/null | awk '/_pid /{print $2}')
		tool destroy "$d" >/dev/null 2>&1
		for p in $pids; do [ "$p" -gt 0 ] && kill -9 "$p" 2>/dev/null; done
	done
	rm -rf "$root"
}
trap cleanup EXIT
# A watchdog so that nothing here can hang the suite. It holds no pipe
# of ours and, when stopped, stops its own sleep.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep 900 &
	sp=$!
	wait "$sp" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
watchdog=$!
bg_pids="$watchdog"

tool() { timeout 120 "$TOOL" --root "$root" "$@"; }
field() { tool getinfo "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# fails CMD...: CMD must fail (its messages are expected, so hidden).
fails() { ! "$@" >/dev/null 2>&1; }

# wait_for SECONDS CMD...: retries CMD every 0.25 s until it succeeds.
wait_for() {
	local limit=$1 end; shift
	end=$(( $(date +%s) + limit ))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.25
	done
	return 1
}
console_has() { tool console-read "$1" 2>/dev/null | grep -aq -- "$2"; }
state_is() { [ "$(field "$1" state)" = "$2" ]; }
# alive PID: the process exists and is not a zombie.
alive() {
	local s
	s=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
# Live processes whose command line names our root.
leftovers() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}; p=${p%/cmdline}
		tr '\0' ' ' 2>/dev/null <"$f" | grep -q -- "$root" && alive "$p" && echo "$p"
	done
}
create() {
	local id=$1 name=$2; shift 2
	tool create --domid "$id" --name "$name" --kernel "$GUEST/vmlinuz" \
	    --ramdisk "$GUEST/initrd.img" --memory 128 "$@" >/dev/null
}
# events DOMID ARGS...: xc-tool events in the background, output in
# $root/ev<DOMID>.out, pid in $evpid.
events_bg() {
	local id=$1; shift
	timeout 120 "$TOOL" --root "$root" events "$id" "$@" >"$root/ev$id.out" 2>&1 &
	evpid=$!
	bg_pids="$bg_pids $evpid"
	wait_for 10 grep -q subscribed "$root/ev$id.out"
}

# ---- the host --------------------------------------------------------
t0=$(now)
probe=$(tool accel-probe 2>&1)
probe_s=$(elapsed "$t0")
accel=$(printf '%s\n' "$probe" | awk '$1 == "accel" { print $2 }')
why=$(printf '%s\n' "$probe" | sed -n 's/^why //p')
echo "# accel-probe (${probe_s} s): $why"
like "accel-probe chooses an accelerator with its reason" "$accel|$why" '^(kvm|tcg)\|(kvm|tcg): .+'
is "the reason starts with the choice" "${why%%:*}" "$accel"
ok "accel-probe takes under 3 s" below "$probe_s" 3
if [ ! -e /dev/kvm ]; then
	is "without /dev/kvm: tcg at once" "$why" "tcg: /dev/kvm missing"
fi
like "physinfo reports CPUs and memory" "$(tool physinfo)" 'nr_cpus [1-9].*'

# ---- a guest through its life ---------------------------------------
t0=$(now)
ok "create domain 1 under TCG" create 1 g1
create_s=$(elapsed "$t0")
echo "# create returned after ${create_s} s"
sock=$(tool console-path 1)
is "console path is under the root" "$sock" "$root/var/run/xen/xenhv/1/console.sock"
if command -v socat >/dev/null; then
	# Attached now, before the banner: the attach socket carries it live.
	socat -u "UNIX-CONNECT:$sock" - >"$root/attach.out" 2>/dev/null &
	attach=$!
	bg_pids="$bg_pids $attach"
fi
info=$(tool getinfo 1)
like "a new domain runs" "$info" 'state running'
like "state letters are r or b" "$info" 'letters (r-----|-b----)'
if wait_for $BOOT_LIMIT console_has 1 "$BANNER"; then
	ok "banner seen through console-read (ring buffer)" true
else
	ok "banner seen through console-read within ${BOOT_LIMIT} s" false
	tool console-read 1 | tail -5 | sed 's/^/# /'
fi
echo "# boot-to-banner under xenhv: $(elapsed "$t0") s"
ok "console log file holds the banner" grep -aq "$BANNER" "$root/var/log/xen/console/g1.log"
if [ -n "${attach:-}" ]; then
	ok "banner seen through the attach socket" grep -aq "$BANNER" "$root/attach.out"
	kill "$attach" 2>/dev/null
	wait "$attach" 2>/dev/null
	# Typing through a second client reaches the guest's shell.
	wait_for 20 console_has 1 "^guest:" >/dev/null
	(printf 'echo xenhv-input-$((6*7))\n'; sleep 2) |
	    timeout 10 socat - "UNIX-CONNECT:$sock" >/dev/null 2>&1
	ok "input from an attached client goes to the guest" \
	    wait_for 20 console_has 1 "xenhv-input-42"
else
	skip "banner seen through the attach socket" "socat is not installed"
	skip "input from an attached client goes to the guest" "socat is not installed"
fi

ok "pause" tool pause 1
is "paused: letters --p---" "$(field 1 letters)" "--p---"
c1=$(field 1 cpu_time_ns); sleep 1; c2=$(field 1 cpu_time_ns)
is "no CPU time while paused" "$c2" "$c1"
ok "unpause" tool unpause 1
like "running again" "$(field 1 letters)" '^(r-----|-b----)$'
sleep 2
c3=$(field 1 cpu_time_ns)
ok "CPU time grows while running ($c1 -> $c3 ns)" [ "$c3" -gt "$c1" ]
tool pause 1
ok "pause of a paused domain is fine" tool pause 1
tool unpause 1

# Events wait for their acknowledgement, and only that removes them.
ev=$(tool events 1 --count 4 --timeout 10)
like "pause and unpause were kept as events" "$ev" 'state paused.*'
like "... in order, with increasing seq" "$(printf '%s\n' "$ev" | grep -c '^event')" '^4$'
ev2=$(tool events 1 --count 4 --timeout 10 --ack)
is "unacknowledged events are sent again" "$ev2" "$ev"
ok "acknowledged events are gone" fails tool events 1 --count 1 --timeout 2

# ---- a domain outlives its creator ----------------------------------
setsid bash -c "exec >/dev/null 2>&1; '$TOOL' --root '$root' create --domid 2 --name g2 \
    --kernel '$GUEST/vmlinuz' --ramdisk '$GUEST/initrd.img' --memory 96; sleep 300" &
creator=$!
bg_pids="$bg_pids $creator"
ok "domain 2 created from a separate session" wait_for 60 state_is 2 running
kill -9 -- "-$creator" 2>/dev/null
wait "$creator" 2>/dev/null
ok "killing the creator's whole process group leaves the domain running" state_is 2 running
ok "two guests at once: domain 2 boots too" wait_for $BOOT_LIMIT console_has 2 "$BANNER"
like "list shows both domains" "$(tool list | awk '{print $1, $2}' | tr '\n' ' ')" '^1 g1 2 g2 $'

# ---- clean shutdowns ---------------------------------------------------
events_bg 1 --count 1 --timeout 90 --ack
ok "shutdown poweroff is accepted" tool shutdown 1 poweroff
ok "the guest powers off: state shutdown" wait_for 60 state_is 1 shutdown
is "shutdown reason is poweroff" "$(field 1 reason)" "poweroff"
is "letters ---s--" "$(field 1 letters)" "---s--"
is "QEMU is gone, the monitor stays" "$(field 1 engine_pid)" "0"
wait "$evpid"
like "a subscriber saw the shutdown event" "$(cat "$root/ev1.out")" 'state shutdown poweroff'
ok "pause of a shut-down domain is refused" fails tool pause 1

ok "shutdown reboot is accepted" tool shutdown 2 reboot
ok "after the power button, the reported reason is the requested one" \
    wait_for 60 state_is 2 shutdown
is "shutdown reason is reboot" "$(field 2 reason)" "reboot"

# The guest rebooting by itself (QEMU reset) is a shutdown with reason
# reboot too: what happens next is xend's on_reboot policy.
ok "create domain 3" create 3 g3
ok "domain 3 boots" wait_for $BOOT_LIMIT console_has 3 "$BANNER"
if command -v socat >/dev/null; then
	wait_for 20 console_has 3 "^guest:" >/dev/null
	(printf 'reboot\n'; sleep 2) |
	    timeout 10 socat - "UNIX-CONNECT:$root/var/run/xen/xenhv/3/console.sock" >/dev/null 2>&1
	ok "a guest that reboots itself ends in state shutdown" wait_for 60 state_is 3 shutdown
	is "... with reason reboot" "$(field 3 reason)" "reboot"
else
	skip "a guest that reboots itself ends in state shutdown" "socat is not installed"
	skip "... with reason reboot" "socat is not installed"
fi
ok "destroy domain 3" tool destroy 3

# A kernel panic (pvpanic) is a crash; QEMU stays, stopped, for a dump.
if command -v socat >/dev/null; then
	ok "create domain 5" create 5 g5
	ok "domain 5 reaches its shell" wait_for $BOOT_LIMIT console_has 5 "^guest:"
	(printf 'echo c >/proc/sysrq-trigger\n'; sleep 2) |
	    timeout 10 socat - "UNIX-CONNECT:$root/var/run/xen/xenhv/5/console.sock" >/dev/null 2>&1
	ok "a guest panic: state crashed" wait_for 30 state_is 5 crashed
	qpid=$(field 5 engine_pid)
	ok "... with QEMU kept for inspection" alive "$qpid"
	ok "destroy domain 5" tool destroy 5
	ok "... which stops that QEMU" fails alive "$qpid"
else
	skip "guest panic checks" "socat is not installed"
fi

# ---- destroy -----------------------------------------------------------
mon=$(field 1 monitor_pid)
ok "destroy" tool destroy 1
ok "no monitor process left" fails alive "$mon"
ok "no run directory left" [ ! -e "$root/var/run/xen/xenhv/1" ]
ok "the domain is gone" fails tool getinfo 1

# ---- QEMU killed under the monitor --------------------------------------
ok "create domain 4 paused" create 4 g4 --paused
is "created paused" "$(field 4 letters)" "--p---"
events_bg 4 --count 1 --timeout 30
qpid=$(field 4 engine_pid)
kill -9 "$qpid"
ok "kill -9 of QEMU: state crashed" wait_for 10 state_is 4 crashed
wait "$evpid"
like "... with a crashed event naming the signal" "$(cat "$root/ev4.out")" 'state crashed crash QEMU was killed by signal 9'
ok "destroy the crashed domain" tool destroy 4

# ---- start-up failures leave nothing ------------------------------------
out=$(tool create --domid 9 --name g9 --kernel "$root/no/such/vmlinuz" --memory 64 2>&1)
rc=$?
ok "create with a missing kernel fails" [ "$rc" -ne 0 ]
like "the error names the file" "$out" "kernel $root/no/such/vmlinuz: No such file or directory"
ok "no run directory for it" [ ! -e "$root/var/run/xen/xenhv/9" ]
out=$(tool create --domid 2 --name again --kernel "$GUEST/vmlinuz" --memory 64 2>&1)
like "a taken domid is refused" "$out" 'domain 2 already has a monitor'
ok "... and the running domain 2 is untouched" state_is 2 shutdown

# ---- the control protocol ----------------------------------------------
if command -v socat >/dev/null; then
	ctl="$root/var/run/xen/xenhv/2/ctl.sock"
	got=$(printf '%s\n' '{"id":1,"request":"getinfo"}' \
	    '{"id":2,"request":"hello","args":{"version":1}}' \
	    '{"id":3,"request":"frobnicate"}' 'this is not json' \
	    '{"id":4,"request":"getinfo"}' | timeout 10 socat -t 2 - "UNIX-CONNECT:$ctl")
	like "a request before hello gets a no-hello error" "$got" '"id":1,"error":\{"code":5'
	like "hello answers with the protocol version" "$got" '"id":2,"ok":\{"version":1'
	like "an unknown request gets an error reply" "$got" '"id":3,"error":\{"code":3,"name":"unknown-request"'
	like "a malformed line gets an error reply" "$got" '"id":0,"error":\{"code":2'
	like "... and the connection stays up" "$got" '"id":4,"ok":\{"domid":2'
else
	skip "control protocol checks" "socat is not installed"
fi

ok "destroy domain 2" tool destroy 2
ok "no run directories left" [ -z "$(ls "$root/var/run/xen/xenhv" 2>/dev/null)" ]
is "no process of this test left" "$(leftovers | grep -vx "$watchdog" | tr '\n' ' ')" ""

done_testing
