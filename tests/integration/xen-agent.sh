#!/bin/bash
# xen-agent.sh: guests as resources of resource-agents' ocf:heartbeat:Xen,
# the real agent run directly (the OCF environment Pacemaker would give
# it, no cluster) against the xends of two "hosts" (lib-hosts.sh), with a
# directory holding our xm first in its PATH: probe, start (twice),
# monitor running and stopped, migrate_to / migrate_from between the hosts
# (the source's copy is migrating-NAME meanwhile, as the agent's stop
# expects), stop by xm trigger power (shutdown_acpi) and by xm shutdown,
# a broken config and a missing one, the formats the agent parses
# (xm list, xm info), memory management (xm info, xm mem-set), the monitor while xend restarts (clean stop and
# kill -9: it reports the guest running, never stopped), and ocf-tester.
# Needs root (namespaces), qemu-system-x86_64, resource-agents (the
# agent and ocf-tester) and the default guest; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
AGENT=/usr/lib/ocf/resource.d/heartbeat/Xen
hosts_prologue ocf-tester
if [ ! -x "$AGENT" ]; then
	echo "1..0 # SKIP $AGENT (resource-agents) is not installed"
	exit 0
fi
BOOT=120	# seconds a boot may take

D=$(mktemp -d /tmp/xen-agent.XXXXXX)
export XEND_XENHV="$BUILD/hypervisor/xenhv"
hosts_harness "$D" 1500

row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
# where NAME: the hosts that list it, e.g. "1" or "1 2".
where() {
	local i w=""
	for i in 1 2; do [ -n "$(row $i "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
con() { hosts_console_log "$1" "$2"; }
# booted I NAME [N]: the guest's shell has prompted more than N times in
# host I's console log of NAME (kept across starts): acpid runs from then.
prompts() { grep -ac 'guest:~#' "$(con "$1" "$2")" 2>/dev/null; }
booted() {
	local t
	for t in $(seq 1 $((BOOT * 5))); do
		[ "$(prompts "$1" "$2")" -gt "${3:-0}" ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# vmcfg FILE NAME [LINES]: a config for the default guest.
vmcfg() {
	cat >"$1" <<-EOF
	name = "$2"
	kernel = "$GUEST/vmlinuz"
	ramdisk = "$GUEST/initrd.img"
	extra = "console=ttyS0 quiet panic=-1"
	memory = 128
	vcpus = 1
	${3:-}
	EOF
}
vmcfg "$D/ag1.cfg" ag1

# agent I ACTION [VAR=VALUE...]: the agent on host I for ag1 (what
# Pacemaker sets: OCF_ROOT, the instance, the parameters); stdout, stderr
# and status in out, err, rc.
agent() {
	local i=$1 action=$2
	shift 2
	run env PATH="$D/bin$i:$PATH" OCF_ROOT=/usr/lib/ocf \
		OCF_RESOURCE_INSTANCE=vm-ag1 OCF_RESKEY_xmfile="$D/ag1.cfg" \
		"$@" timeout 300 "$AGENT" "$action"
}
MON="OCF_RESKEY_CRM_meta_interval=10000"	# a recurring monitor, not a probe

hosts_setup 2 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
# The agent runs `which xl || which xm`: one directory per host with an
# xm that reaches that host's xend, first in the agent's PATH.
for i in 1 2; do
	mkdir -p "$D/bin$i"
	cat >"$D/bin$i/xm" <<-EOF
	#!/bin/sh
	XM_SERVER="httpu://$(hosts_sock $i)" exec "$BUILD/xm/xm" "\$@"
	EOF
	chmod +x "$D/bin$i/xm"
done
if PATH="$D/bin1:$PATH" command -v xl >/dev/null; then
	echo "1..0 # SKIP xl is installed: the agent would drive it, not xm"
	exit 0
fi

for i in 1 2; do
	hosts_config $i "(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

# ---- start, monitor -------------------------------------------------------
agent 1 monitor
is "probe before start: not running (7)" "$rc" 7
agent 1 start
is "start on h1: success (0)" "$rc" 0
like "... by xm create FILE name=ag1" "$out" "Started domain ag1 \(id=[0-9]+\)"
is "... ag1 is on h1 only" "$(where ag1)" 1
agent 1 start
is "start again: success, already running" "$rc" 0
like "... it says so" "$err" "Xen domain ag1 already running"
agent 1 monitor "$MON"
is "monitor: running (0)" "$rc $err" "0 "
agent 2 monitor
is "probe on h2: not running (7)" "$rc" 7

# What the agent reads of xm: the (status N) line of xm list --long, the
# table's VCPUs and Mem columns, xm info's total_memory.
is "xm list --long: one status line, (status 2)" \
	"$(hosts_xm 1 list --long ag1 | grep status | awk '{ print $1, $2 }')" "(status 2)"
is "xm list ag1 | awk 'NR==2 {print \$4, \$3}': vcpus and memory" \
	"$(hosts_xm 1 list ag1 | awk 'NR==2 {print $4, $3}')" "1 128"
like "xm info: total_memory in MiB as \$3" \
	"$(hosts_xm 1 info | grep '^total_memory' | awk '{print $3}')" '^[1-9][0-9]*$'
ok "ag1 boots to its shell" booted 1 ag1

# ---- migrate_to h2, migrate_from on h2, stop on h1 --------------------------
# The migration runs in the background; meanwhile h1 shows the source's
# copy as migrating-ag1, which the agent's stop looks for.
(
	agent 1 migrate_to OCF_RESKEY_CRM_meta_migrate_source=10.77.0.1 \
		OCF_RESKEY_CRM_meta_migrate_target="$(hosts_ip 2)"
	printf '%s\n' "$rc" >"$D/mig.rc"
	printf '%s\n' "$err" >"$D/mig.err"
) &
mpid=$!
seen=""
while kill -0 "$mpid" 2>/dev/null; do
	s=$(hosts_xm 1 list --long migrating-ag1 2>/dev/null | grep status | awk '{ print $1, $2 }')
	case "$s" in "(status 1)"|"(status 2)") seen=$s; break ;; esac
	sleep 0.05
done
wait "$mpid"
is "migrate_to h2: success (0)" "$(cat "$D/mig.rc")" 0
like "... it ran xm migrate --live" "$(cat "$D/mig.err")" "xm migrate to 10\.77\.0\.2 succeeded"
like "... meanwhile h1 listed migrating-ag1, running to the agent" "$seen" '^\(status [12]\)$'
agent 2 migrate_from OCF_RESKEY_CRM_meta_migrate_source=10.77.0.1 \
	OCF_RESKEY_CRM_meta_migrate_target="$(hosts_ip 2)"
is "migrate_from on h2: success (0)" "$rc" 0
like "... active there" "$err" "Active locally, migration successful"
agent 1 stop
is "stop on h1 after the migration: success (0)" "$rc" 0
like "... it was already gone" "$err" "already stopped"
is "ag1 is on h2 only" "$(where ag1)" 2
agent 1 monitor
is "probe on h1: not running (7)" "$rc" 7
agent 2 monitor "$MON"
is "monitor on h2: running (0)" "$rc $err" "0 "
hosts_type 2 ag1 'echo "at-h2-$((6 * 7))"'
ok "ag1's shell answers on h2" hosts_wait_text "$(con 2 ag1)" "at-h2-42" 60

# ---- the monitor while xend restarts -------------------------------------------
# xend goes away (a clean stop, then kill -9) with ag1 running under its
# monitor; the agent's monitor starts meanwhile, its xm waits, xend comes
# back: the guest is reported running, never stopped.
xm_waits() { pgrep -f -- "$BUILD/xm/xm list --long ag1" >/dev/null; }
monitor_across() {	# how: stop or kill
	local what=$1
	if [ "$what" = stop ]; then
		hosts_stop 2
		ok "xend stopped cleanly with ag1 running: its socket stays" \
			test -S "$(hosts_sock 2)"
	else
		hosts_kill 2
	fi
	( agent 2 monitor "$MON"; printf '%s\n' "$rc" >"$D/mon.rc"
	  printf '%s\n' "$err" >"$D/mon.err" ) &
	mpid=$!
	ok "xend $what: the monitor's xm waits for xend" wait_until 30 xm_waits
	run hosts_start 2
	is "... xend starts again" "$rc $err" "0 "
	wait "$mpid"
	is "... the monitor reports ag1 running (0)" "$(cat "$D/mon.rc")" 0
	is "... never not running" "$(grep -c 'not running' "$D/mon.err")" 0
}
monitor_across stop
monitor_across kill
is "ag1 still on h2 only, the same domain" "$(where ag1)" 2

# h1 runs nothing: with its xend stopped, xm fails at once
hosts_stop 1
ok "h1's xend stopped with nothing running: no socket left" test ! -e "$(hosts_sock 1)"
t0=$(date +%s)
run hosts_xm 1 list
is "... xm fails at once with the classic error" "$rc $err" \
	"1 Error: Unable to connect to xend: No such file or directory. Is xend running?"
ok "... within 2 s" [ $(( $(date +%s) - t0 )) -le 2 ]
run hosts_start 1
is "h1's xend starts again" "$rc $err" "0 "

# ---- stop by the power button (shutdown_acpi), then by xm shutdown ------------
agent 2 stop OCF_RESKEY_shutdown_acpi=true
is "stop on h2 with shutdown_acpi=true: success (0)" "$rc" 0
like "... the guest went by itself" "$err" "Xen domain ag1 stopped\."
is "... not destroyed" "$(grep -c 'will be destroyed' <<<"$err")" 0
like "... by its power button (acpid powered it off)" "$(cat "$(con 2 ag1)")" \
	"power button, powering off"
is "ag1 is nowhere" "$(where ag1)" ""
agent 2 monitor "$MON"
is "monitor after stop: not running (7)" "$rc" 7

n=$(prompts 1 ag1)
agent 1 start
is "start on h1 again: success (0)" "$rc" 0
ok "ag1 boots to its shell" booted 1 ag1 "$n"
offs() { grep -ac 'power button, powering off' "$(con "$1" "$2")" 2>/dev/null; }
n=$(offs 1 ag1)
agent 1 stop
is "stop on h1 (xm shutdown): success (0)" "$rc" 0
is "... not destroyed" "$(grep -c 'will be destroyed' <<<"$err")" 0
ok "... the guest powered off by itself" [ "$(offs 1 ag1)" -gt "$n" ]
is "ag1 is nowhere" "$(where ag1)" ""

# ---- broken configs -------------------------------------------------------------
vmcfg "$D/bad.cfg" bad 'kernel = "/nonexistent/vmlinuz"'
agent 1 start OCF_RESKEY_xmfile="$D/bad.cfg" OCF_RESOURCE_INSTANCE=vm-bad
is "a config whose kernel is missing: start fails (1, generic error)" "$rc" 1
like "... with xm's error naming the domain and the cause" "$err" \
	"Error: cannot create domain 'bad': kernel /nonexistent/vmlinuz: No such file or directory"
is "... and leaves no domain" "$(where bad)" ""
agent 1 start OCF_RESKEY_xmfile="$D/none.cfg" OCF_RESKEY_name=none
is "a config file that does not exist: not installed (5)" "$rc" 5
like "... the agent says so" "$err" "Config file $D/none.cfg for none does not exist"

# ---- allow_mem_management: xm info's total_memory, xm mem-set ---------------------
# With another guest running, starting ag1 shares (total_memory -
# reserved_Dom0_memory) between the two: the agent reads xm info, sets the
# other guest's target with xm mem-set, and rewrites ag1's memory= line.
run hosts_xm 1 create -q "$D/ag1.cfg" name=other
is "another guest on h1" "$rc $err" "0 "
ok "... boots (its balloon answers from then)" booted 1 other
total=$(hosts_xm 1 info | grep '^total_memory' | awk '{print $3}')
vmcfg "$D/mm.cfg" ag1
sed -i 's/^memory = 128$/memory=128/' "$D/mm.cfg"
agent 1 start OCF_RESKEY_xmfile="$D/mm.cfg" OCF_RESKEY_allow_mem_management=true \
	OCF_RESKEY_reserved_Dom0_memory=$((total - 224))
is "start with allow_mem_management: success (0)" "$rc" 0
like "... it adjusted the other guest to half of what is left" "$err" \
	"Adjusted memory to: 112, for the following 1 domains: other"
is "... other's target is 112 MiB (xm mem-set)" "$(row 1 other | awk '{ print $3 }')" 112
is "... ag1 started with memory=112" "$(row 1 ag1 | awk '{ print $3 }') $(grep '^memory=' "$D/mm.cfg")" \
	"112 memory=112"
agent 1 stop OCF_RESKEY_xmfile="$D/mm.cfg" OCF_RESKEY_shutdown_timeout=0
is "stop (destroy at once, shutdown_timeout=0): success (0)" "$rc" 0
is "... ag1 is nowhere" "$(where ag1)" ""
run hosts_xm 1 destroy other

# ---- ocf-tester ---------------------------------------------------------------
vmcfg "$D/ot.cfg" ot
run env PATH="$D/bin1:$PATH" OCF_ROOT=/usr/lib/ocf timeout 600 \
	ocf-tester -n vm-ot -o xmfile="$D/ot.cfg" -o shutdown_timeout=20 "$AGENT"
is "ocf-tester: every test passes" "$rc" 0
like "... it says so" "$out" "passed all tests"
is "... and leaves nothing running" "$(where ot)" ""

done_testing
