#!/bin/bash
# crash-migration.sh: a live migration between two hosts with xend killed
# at every step of it, on the side that step belongs to: the source's
# steps (migrate-out.*: connecting, streaming, sent, committing) and the
# destination's (migrate-in.*: accepted, receiving, received, committed),
# listed from xend's sources (FAULT_POINT("migrate-out.STEP")), so a new
# step cannot be forgotten. For each: xend dies there, xm migrate fails
# (or, for a destination that dies after its commit, succeeds once it is
# back), and once the dead xend has restarted the guest is on exactly one
# host, runs and counts on its console, and the other host has no monitor
# and no QEMU left for it. The guest moves on from wherever it ended.
# Needs root, qemu-system-x86_64, python3 and the default guest.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue
BOOT=120
D=$(mktemp -d /tmp/crash-migration.XXXXXX)
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
# a source whose destination died after its commit asks it again
export XEND_MIGRATE_QUERY_SECS=120
export XM_XEND_WAIT=0
hosts_harness "$D" 2400

steps=$(grep -rhoE 'FAULT_POINT\("migrate-(out|in)\.[a-z]+"' "$SRC/xend" |
    sed 's/.*"\(.*\)"/\1/' | sort -u)
is "both ends' steps are found in xend's sources" \
    "$(echo "$steps" | sed 's/\..*//' | sort -u | tr '\n' ' ')" "migrate-in migrate-out "

hosts_setup 2 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
for i in 1 2; do
	hosts_config $i "(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

con() { hosts_console_log "$1" g1; }
counting() { hosts_counts_past "$(con "$1")" $(( $(hosts_last_tick "$(con "$1")") + 5 )); }
# runs_on I: g1 is listed by host I only, not paused, and host I's
# domain is not a migrating-g1 leftover
runs_on() {
	[ "$(hosts_where g1)" = "$1" ] || return 1
	case "$(hosts_row "$1" g1 | awk '{ print $5 }')" in ""|*p*|*s*|*c*|*d*) return 1 ;; esac
	[ -z "$(hosts_row "$1" migrating-g1)" ]
}
settled() {
	if runs_on 1; then
		[ "$(hosts_monitors 2)" = 0 ]
	else
		runs_on 2 && [ "$(hosts_monitors 1)" = 0 ]
	fi
}
log_has() { tail -c +"$(( $2 + 1 ))" "$(hosts_log "$1")" 2>/dev/null | grep -aqE "$3"; }

run hosts_xm 1 create -q "$CFG" kernel="$GUEST/vmlinuz" ramdisk="$GUEST/initrd.img" \
    memory=128 name=g1
is "h1: g1 created" "$rc $err" "0 "
ok "... boots to its shell" hosts_wait_text "$(con 1)" 'guest:~#' $BOOT
hosts_type 1 g1 "$HOSTS_WORKLOAD"
ok "... runs its memory writer and counts" hosts_wait_text "$(con 1)" 'tick 20' $BOOT

for s in $steps; do
	src=$(hosts_where g1)
	dst=$((3 - src))
	case $s in migrate-out.*) victim=$src ;; *) victim=$dst ;; esac
	hosts_stop "$victim"
	XEND_TEST_EXIT_AT="$s@g1" hosts_start "$victim"
	vlog=$(wc -c <"$(hosts_log "$victim")")
	hosts_xm "$src" migrate --live g1 "$(hosts_ip "$dst")" >"$D/m.out" 2>&1 &
	mpid=$!
	ok "$s: h$victim's xend dies there" \
	    wait_until 120 log_has "$victim" "$vlog" "XEND_TEST_EXIT_AT=$s@g1: exiting"
	ok "... and is gone" wait_until 30 eval "! kill -0 $(hosts_xend_pid "$victim") 2>/dev/null"
	if [ "$s" = migrate-in.committed ]; then
		# the source asks again until the destination is back
		run hosts_start "$victim"
		is "... h$victim's xend restarts" "$rc $err" "0 "
		wait $mpid
		is "... xm migrate succeeds once it is back" "$? $(cat "$D/m.out")" "0 "
		want=$dst
	else
		wait $mpid
		mrc=$?
		if [ "$victim" = "$src" ]; then
			like "... xm migrate says xend went away" "$mrc $(cat "$D/m.out")" \
			    "^1 .*xend went away"
		else
			is "... xm migrate fails" "$mrc" 1
		fi
		run hosts_start "$victim"
		is "... h$victim's xend restarts" "$rc $err" "0 "
		want=$src
	fi
	ok "... then g1 runs on h$want only, and the other host keeps nothing" \
	    wait_until 150 settled
	is "... on h$want" "$(hosts_where g1)" "$want"
	ok "... and counts there" counting "$want"
	is "... one monitor in all" "$(( $(hosts_monitors 1) + $(hosts_monitors 2) ))" 1
	ok "... no oops on its console" \
	    bash -c "! grep -aqE 'BUG|Oops|corruption|panic' '$(con "$want")'"
done

run hosts_xm "$(hosts_where g1)" destroy g1
is "g1 destroyed" "$rc" 0
done_testing
