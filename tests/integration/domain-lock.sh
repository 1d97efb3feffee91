#!/bin/bash
# domain-lock.sh: xend-domain-lock with sanlock on two "hosts" (network
# namespaces, each with its own xend and its own sanlock daemon, started
# here with -w 0: no watchdog) sharing one lock directory on a disk-backed
# file system. The guest (a fixed UUID, as a config file on shared storage
# has) runs on h1; the same guest created on h2 is refused naming h1 and
# leaves nothing there; a live migration takes the lease to h2 (then h1 is
# refused); a killed monitor (h2) and a killed QEMU (h1) free the lease for
# the other host; a stopped xend frees nothing (the guest runs on, the
# other host is still refused, a new xend re-adopts it); a checkpoint
# (xm save -c) lets go and takes back, its file cannot be restored on
# the other host while the guest runs, and can once it is destroyed; a
# reboot keeps the lease on its host; a host that leaves the lock space
# (as one cut off from the storage must) has its guest killed by sanlock,
# starts no guest any more, and the other host takes the lease at once;
# a create sent
# before xend has joined the lock space waits for the join; a killed
# sanlock daemon takes its host's guest with it.
# Needs root, qemu-system-x86_64, the default guest, sanlock (the daemon)
# and a build with libsanlock-dev; skips without, saying which.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue sanlock cc
if ! grep -q '^SANLOCK_LIBS = .' "$BUILD/Makefile" 2>/dev/null; then
	echo "1..0 # SKIP this build has no sanlock (configure found no libsanlock-dev)"
	exit 0
fi
BOOT=90		# seconds a boot or a counter may take
JOIN=120	# seconds sanlock may take to give a host its id (about 21 s)

# sanlock needs O_DIRECT, which tmpfs lacks: the lock directory is under
# /var/tmp, and the daemons (user sanlock) must reach it
D=$(mktemp -d /var/tmp/domain-lock.XXXXXX)
chmod 755 "$D"
if [ "$(stat -f -c %T "$D")" = tmpfs ]; then
	rmdir "$D"
	echo "1..0 # SKIP /var/tmp is a tmpfs: sanlock needs a disk-backed file system"
	exit 0
fi
LOCKS="$D/locks"
export XEND_XENHV="$BUILD/hypervisor/xenhv"
export XM_XEND_WAIT=0
UUID=5d1e0c3a-7b2f-4c11-9a54-0c0ffee0d10c
GUEST_ARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img memory=128 on_crash=destroy uuid=$UUID"
COUNTER='(i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 100000; done) &'
hosts_harness "$D" 900

declare -A SANLOCK_PID
# the daemons go after the hosts (their monitors hold leases), by the
# pid each wrote (hosts_cleanup kills whatever is left in a host's
# namespaces too)
stop_sanlocks() {
	local i
	for i in "${!SANLOCK_PID[@]}"; do
		kill -KILL "${SANLOCK_PID[$i]}" 2>/dev/null
		wait_until 10 dead "${SANLOCK_PID[$i]}"
	done
	SANLOCK_PID=()
}
trap 'stop_sanlocks_after_hosts' EXIT
stop_sanlocks_after_hosts() {
	hosts_cleanup
	stop_sanlocks
	_hosts_exit
}

# start_sanlock I: host I's daemon in the host's own mount and UTS
# namespaces (its /run a tmpfs: /run/sanlock/sanlock.sock is the host's
# own, where xend and the monitors look; its name h<I>), log to a file.
start_sanlock() {
	hosts_isolate "$1" "mount -t tmpfs -o mode=755 tmpfs /run" || return 1
	hosts_exec "$1" env LD_PRELOAD="$D/rlimit.so" \
		sanlock daemon -D -w 0 -l 0 -h 0 -L -1 -S -1 -e "h$1" \
		>"$(hosts_root "$1")/sanlock.log" 2>&1 &
	wait_until 20 hosts_exec "$1" test -S /run/sanlock/sanlock.sock || return 1
	SANLOCK_PID[$1]=$(hosts_exec "$1" cat /run/sanlock/sanlock.pid)
	[ -n "${SANLOCK_PID[$1]}" ]
}
con() { hosts_console_log "$1" "$2"; }
gone() { [ -z "$(hosts_row "$1" web1)" ]; }
# dead PID: no such process, or a zombie (an orphan the container's init
# has not reaped)
dead() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$st" ] || [ "${st#Z}" != "$st" ]
}
# the lease as it is on the shared storage: "owner N" or "free"
lease() {
	sanlock direct read_leader -r "xend:$UUID:$LOCKS/$UUID.lease:0" 2>/dev/null |
		awk '/^owner_id/ { o = $2 } /^timestamp/ { t = $2 }
		     END { if (t == 0 || t == "") print "free"; else print "owner " o }'
}
lease_is() { [ "$(lease)" = "$1" ]; }
# newguest I: web1 created on host I, booted, counting on its console
newguest() {
	# a new console log: the counter starts again from 1
	[ -f "$(con "$1" web1)" ] && mv "$(con "$1" web1)" "$(con "$1" web1).$(date +%s%N)"
	run hosts_xm "$1" create -q "$CFG" $GUEST_ARGS name=web1
	is "h$1: web1 created" "$rc $err" "0 "
	ok "... boots to its shell" hosts_wait_text "$(con "$1" web1)" 'guest:~#' $BOOT
	hosts_type "$1" web1 "$COUNTER"
	ok "... counts on its console" hosts_counting "$1" web1
	is "... h$1 holds its lease" "$(lease)" "owner $1"
}
# refused I OWNER [XM ARGS...]: a create of web1 (or the xm command
# given) on host I fails naming OWNER, and leaves no domain, monitor or
# QEMU behind
refused() {
	local i=$1 o=$2 before what
	shift 2
	[ $# -gt 0 ] || set -- create -q "$CFG" $GUEST_ARGS name=web1
	what="$1"
	set -- "$i" "$o" "$@"
	before=$(hosts_monitors "$1")
	run hosts_xm "$1" "${@:3}"
	is "h$1: $what of web1 while h$2 runs it fails" "$rc" 1
	like "... saying that it runs on h$2" "$err" \
		"Error: .*domain 'web1' is running on another host: its lease .*$UUID.lease is held by host h$2 \(host id $2\)"
	is "... no domain is left on h$1" "$(hosts_row "$1" web1)" ""
	is "... nor a monitor" "$(hosts_monitors "$1")" "$before"
}

cc -shared -fPIC -o "$D/rlimit.so" "$SRC/tests/tools/sanlock-rlimit.c" -ldl ||
	{ echo "Bail out! cannot build the setrlimit shim"; exit 1; }
hosts_setup 2 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
for i in 1 2; do
	ok "h$i: its sanlock daemon runs" start_sanlock $i
	hosts_config $i "(xend-domain-lock yes)
(xend-domain-lock-path $LOCKS)
(xend-domain-lock-host-id $i)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "h$i: xend starts" "$rc $err" "0 "
done
t0=$(date +%s)
# a create right away waits for this host's place in the lock space
ok "h1: xend has not joined the lock space yet" \
	bash -c "! grep -q 'joined the lock space' '$(hosts_log 1)'"
newguest 1
for i in 1 2; do
	ok "h$i: xend joined the lock space as host id $i" \
		hosts_wait_text "$(hosts_log $i)" "joined the lock space in $LOCKS as host id $i" $JOIN
done
echo "# both hosts joined, and web1 created on h1, $(( $(date +%s) - t0 )) s after xend started"
ok "the lock space and the hosts' names are on the shared directory" \
	test -f "$LOCKS/xend-lockspace" -a "$(cat "$LOCKS/host-1" 2>/dev/null)" = h1 \
	-a "$(cat "$LOCKS/host-2" 2>/dev/null)" = h2

# ---- one guest, two hosts ---------------------------------------------------
refused 2 1
ok "... and web1 counts on h1 all along" hosts_counting 1 web1

# ---- the lease follows a live migration -------------------------------------
run hosts_xm 1 migrate --live web1 "$(hosts_ip 2)"
is "xm migrate --live web1 h2 succeeds" "$rc $err" "0 "
is "... web1 is on h2 only" "$(hosts_where web1)" "2"
before=$(hosts_last_tick "$(con 1 web1)")
ok "... and counts on from where it stopped on h1 (tick $before)" \
	hosts_counts_past "$(con 2 web1)" $((before + 5))
is "... h2 holds the lease now" "$(lease)" "owner 2"
# sanlock's lease version goes up by one at each acquire: h2 took it
# right after h1 let go, with nobody in between
v1=$(grep -ao 'released (version [0-9]*' "$(hosts_root 1)/var/log/xen/xenhv-web1.log" | tail -1 | grep -o '[0-9]*$')
v2=$(grep -ao 'acquired (version [0-9]*' "$(hosts_root 2)/var/log/xen/xenhv-web1.log" | tail -1 | grep -o '[0-9]*$')
is "... h1's monitor let go at version $v1, h2's took the next one" "$v2" "$(( v1 + 1 ))"
refused 1 2

# ---- a dead monitor frees the lease --------------------------------------------
domid=$(hosts_xm 2 domid web1)
qemu=$(hosts_engine_pid 2 "$domid")
mon=$(ps -o ppid= -p "$qemu" 2>/dev/null | tr -d ' ')
ok "h2: web1's monitor (pid $mon) and QEMU (pid $qemu) are known" test -n "$mon" -a -n "$qemu"
t=$(date +%s%N)
kill -KILL "$mon"
ok "... kill -9 of the monitor: QEMU goes with it" wait_until 20 dead "$qemu"
ok "... and the lease is free" wait_until 20 lease_is free
echo "# the lease was free on the shared storage $(( ($(date +%s%N) - t) / 1000000 )) ms after kill -9 of the monitor"
gone_h2() { [ -z "$(hosts_row 2 web1)" ]; }
ok "... and h2's xend lets web1 go (on_crash=destroy)" wait_until 30 gone_h2
newguest 1

# ---- a dead QEMU frees the lease ---------------------------------------------------
domid=$(hosts_xm 1 domid web1)
qemu=$(hosts_engine_pid 1 "$domid")
ok "h1: web1's QEMU is pid $qemu" test -n "$qemu"
t=$(date +%s%N)
kill -KILL "$qemu"
ok "... kill -9 of QEMU: the lease is free (on_crash=destroy)" wait_until 30 lease_is free
echo "# the lease was free $(( ($(date +%s%N) - t) / 1000000 )) ms after kill -9 of QEMU"
ok "... web1 is gone from h1" wait_until 30 gone 1
newguest 2

# ---- a checkpoint lets go and takes back; a restore elsewhere is refused ---
run hosts_xm 2 save -c web1 "$D/web1.save"
is "h2: xm save -c web1 (a checkpoint: the guest runs on)" "$rc $err" "0 "
ok "... web1 counts on on h2" hosts_counting 2 web1
is "... h2 holds the lease again" "$(lease)" "owner 2"
# released at version N when the state was out, acquired at N+1 (the
# version checked: nobody held it in between) to resume
v=$(grep -ao 'lease .* \(released\|acquired\) (version [0-9]*' "$(hosts_root 2)/var/log/xen/xenhv-web1.log" |
	tail -2 | sed 's/.* \([a-z]*\) (version \([0-9]*\)/\1 \2/' | tr '\n' ' ')
set -- $v
is "... let go when the state was out (version $2), taken back at the next to resume" \
	"$1 $3 $4" "released acquired $(( ${2:-0} + 1 ))"
refused 1 2 restore "$D/web1.save"
# the new monitor logs the new boot to a new file: the counter starts at 1
mv "$(con 2 web1)" "$(con 2 web1).before-reboot"
run hosts_xm 2 reboot web1
is "h2: xm reboot web1" "$rc $err" "0 "
ok "... web1 boots again" hosts_wait_text "$(con 2 web1)" 'guest:~#' $BOOT
is "... its new monitor holds the lease" "$(lease)" "owner 2"
hosts_type 2 web1 "$COUNTER"

# ---- xend stopped: the lease stays with the guest ----------------------------------
pid=$(hosts_xend_pid 2)
hosts_stop 2
ok "h2's xend (pid $pid) stopped" wait_until 30 dead "$pid"
ok "... web1 counts on without it" hosts_counting 2 web1
is "... h2 still holds the lease" "$(lease)" "owner 2"
refused 1 2
m=$(wc -c <"$(hosts_log 2)")
run hosts_start 2
is "h2's xend starts again" "$rc $err" "0 "
ok "... finds its place in the lock space still there" wait_until 30 \
	bash -c "tail -c +$((m + 1)) '$(hosts_log 2)' | grep -q 'joined the lock space in $LOCKS as host id 2'"
is "... and re-adopts web1, running" "$(hosts_where web1)" "2"
run hosts_xm 2 destroy web1
is "web1 destroyed on h2" "$rc $err" "0 "
is "... the lease is free at once" "$(lease)" "free"
run hosts_xm 1 restore "$D/web1.save"
is "h1: xm restore of h2's checkpoint, now that web1 runs nowhere" "$rc $err" "0 "
is "... h1 holds the lease" "$(lease)" "owner 1"

# ---- the lock space lost: sanlock stops the lease holders --------------------
# What sanlock does when a host cannot renew its place (cut off from the
# storage) before its leases expire, it does when the place is removed:
# it kills the processes holding leases there.
qemu=$(hosts_engine_pid 1 "$(hosts_xm 1 domid web1)")
# (rem_lockspace returns once the holders are gone and h1's place is
# free on the storage: only then may h2 take h1's leases)
run hosts_exec 1 timeout 120 sanlock client rem_lockspace -s "xend:1:$LOCKS/xend-lockspace:0"
is "h1 leaves the lock space" "$rc" 0
ok "... sanlock has had web1's QEMU (pid $qemu) killed" wait_until 60 dead "$qemu"
ok "... web1 is gone from h1" wait_until 30 gone 1
run hosts_xm 1 create -q "$CFG" $GUEST_ARGS name=web1
like "h1 cannot start web1 any more, saying why" "$rc $err" \
	"^1 Error: .*web1.*: this host is not in the lock space of $LOCKS"
is "... and leaves nothing" "$(hosts_row 1 web1)" ""

# h1's lease of web1 still names it on the storage, but h1 has left the
# lock space: h2 takes the lease at once
newguest 2

# ---- the sanlock daemon gone: the guest does not run on ----------------------
qemu=$(hosts_engine_pid 2 "$(hosts_xm 2 domid web1)")
kill -KILL "${SANLOCK_PID[2]}"
ok "h2's sanlock daemon killed: web1's QEMU (pid $qemu) is killed" wait_until 30 dead "$qemu"
ok "... and web1 is gone from h2" wait_until 30 gone 2
done_testing
