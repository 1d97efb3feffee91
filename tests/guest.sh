# guest.sh: what the integration tests that boot guests under a private
# xend share (sourced after lib.sh): the skip checks, the private root
# and xend, a watchdog, cleanup by pid, waiting for a guest's shell and
# running a command in it through `xm console`.
# The caller sets NAME (the test's name) before sourcing, and may set
# BOOT_LIMIT (seconds a guest may take to reach its shell).

if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
	echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
	exit 0
fi
export LC_ALL=C
unset XEND_CONFIG XM_TIMEOUT
# These tests kill xend on purpose and expect xm to fail at once while it
# is gone; xen-agent.sh tests xm's wait for a returning xend.
export XM_XEND_WAIT=0
CFG="$(cd "${top_srcdir:-.}" && pwd)/etc/xen/examples/guest.cfg"
BOOT_LIMIT=${BOOT_LIMIT:-120}
need_guest

D=$(mktemp -d "/tmp/$NAME.XXXXXX")
PIDFILE="$D/var/run/xend.pid"
XLOG="$D/var/log/xen/xend.log"
export XM_SERVER="httpu://$D/var/run/xend/xmlrpc.sock"
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
# Guests here reboot seconds after they boot; the loop guard would
# destroy them instead.
export XEND_RESTART_GUARD_SECS=1
[ -n "${XEN_QEMU:-}" ] && export XEN_QEMU
# guest.cfg names the default guest; another one is named on the command line
CFG_GUEST=""
[ -n "${XEN_GUEST_DIR:-}" ] && CFG_GUEST="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img"
bg_pids=""

xm() { timeout 150 "$XM" "$@"; }
xend_start() { "$XEND" --root "$D" start; }

# Every guest through xm destroy (managed ones deleted), xend through its
# pid file, monitors left behind through their lock files' pids, helpers
# by their pids.
cleanup() {
	local p d pid
	trap - EXIT
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	if [ -S "$D/var/run/xend/xmlrpc.sock" ]; then
		for d in $("$XM" list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0" { print $1 }'); do
			"$XM" destroy "$d" >/dev/null 2>&1
			"$XM" delete "$d" >/dev/null 2>&1
		done
	fi
	pid=$(cat "$PIDFILE" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	for p in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.3
	done
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	for d in "$D"/var/run/xen/xenhv/*/lock; do
		pid=$(cat "$d" 2>/dev/null)
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	[ -z "${KEEP:-}" ] && rm -rf "$D"
}
trap cleanup EXIT
# A watchdog, so nothing here hangs the suite.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "${WATCHDOG:-900}" &
	sp=$!
	wait "$sp" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
bg_pids=$!

# run CMD...: stdout, stderr and status in out, err, rc.
run() {
	"$@" >"$D/out" 2>"$D/err"
	rc=$?
	out=$(cat "$D/out")
	err=$(cat "$D/err")
}
wait_for() {
	local limit=$1 end; shift
	end=$(( $(date +%s) + limit ))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.25
	done
	return 1
}
conlog() { echo "$D/var/log/xen/console/$1.log"; }
# prompts NAME: how many times the guest's shell prompt was printed.
prompts() {
	local n
	n=$(grep -ac 'guest:~#' "$(conlog "$1")" 2>/dev/null)
	echo "${n:-0}"
}
more_prompts() { [ "$(prompts "$1")" -gt "$2" ]; }
# booted NAME [N]: waits until the guest's shell has prompted more than N
# times: its power button is handled from then on.
booted() { wait_for $BOOT_LIMIT more_prompts "$1" "${2:-0}"; }
listed() { xm list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx -- "$1"; }
row() { xm list "$1" 2>/dev/null | tail -n 1; }
not_listed() { ! listed "$1"; }
domid_of() { xm domid "$1" 2>/dev/null; }
# The monitor's and QEMU's pids of domain NAME.
# What the crash tests count: xend's pid; its create claims (sqlite3);
# the domains xm lists (Domain-0 aside), and how often NAME is among
# them; the monitors whose lock names a live process.
DB="$D/var/lib/xend/xend.db"
xend_pid() { cat "$PIDFILE" 2>/dev/null; }
claims() { sqlite3 "$DB" 'SELECT count(*) FROM create_claims' 2>/dev/null; }
guests() { xm list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0"' | wc -l; }
count_of() { xm list 2>/dev/null | awk -v n="$1" '$1 == n' | wc -l; }
live_monitors() {
	local l n=0 p
	for l in "$D"/var/run/xen/xenhv/*/lock; do
		p=$(cat "$l" 2>/dev/null)
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
monitor_pid() { cat "$D/var/run/xen/xenhv/$(domid_of "$1")/lock" 2>/dev/null; }
qemu_pid() {
	local m
	m=$(monitor_pid "$1")
	[ -n "$m" ] && cat "/proc/$m/task/$m/children" 2>/dev/null | awk '{ print $1 }'
}
# vcpu_tid NAME N: the thread of vCPU N ("CPU N/TCG").
vcpu_tid() {
	local q t
	q=$(qemu_pid "$1")
	for t in /proc/$q/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "CPU $2/TCG" ] && { echo "${t##*/}"; return; }
	done
}
# gsh NAME CMD: runs CMD in the guest's shell, prints what it printed on
# a line of its own (the echo of the command line is told apart by a tag).
gsh() {
	local tag=T$RANDOM$RANDOM
	{ sleep 1; echo "echo \"$tag\"\"=\$($2)\""; sleep 3; printf '\035'; } |
		xm console "$1" 2>/dev/null | tr -d '\r' | sed -n "s/^$tag=//p" | tail -n 1
}
