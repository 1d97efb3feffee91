# lib-hosts.sh: several "hosts" on this machine for the migration tests
# (sourced, after tests/lib.sh). Each host is a network namespace with
#   - eth0, a veth whose other end is a port of a test switch (a bridge in a
#     namespace of its own), enslaved to the host's xenbr0, as Xen's
#     network-bridge does, so guests on any host share one segment;
#   - its address 10.77.0.<i>/24 on xenbr0 (hosts_ip i);
#   - its own xend (--root under the test's directory, relocation server
#     on), started inside the namespace; xm reaches it from anywhere through
#     its UNIX socket (hosts_xm i ...).
# Names start with a per-test prefix (the shell's pid); everything made
# here is removed by hosts_cleanup, by pid and by name, never by pattern.
#
# Usage:
#   hosts_setup N DIR        make N hosts under DIR (a fresh directory)
#   hosts_config i TEXT      extra xend-config.sxp forms for host i (before start)
#   hosts_start i            start host i's xend; hosts_stop i; hosts_kill i (-9)
#   hosts_exec i CMD...      run CMD in host i's namespace
#   hosts_isolate i SCRIPT   host i gets mount and UTS namespaces of its own
#                            (SCRIPT makes its mounts); hosts_exec enters them
#   hosts_power_off i        kill, by pid, every process of host i's mount
#                            namespace (as tests/tools/fence_testns does)
#   hosts_xm i ARGS...       xm against host i's xend
#   hosts_row i NAME, hosts_where NAME, hosts_monitors i, hosts_counting i NAME
#                            a domain's xm list line, the hosts listing it,
#                            a host's monitors, a console counter moving on
#   hosts_cleanup            everything away (call from the EXIT trap)
#   hosts_harness DIR SECS   the EXIT trap (cleanup, DIR removed unless KEEP)
#                            and a watchdog that ends the test after SECS;
#                            run CMD... leaves stdout, stderr, status in
#                            out, err, rc

# hosts_prologue [CMD...]: how every test with hosts starts. Skips the
# whole test (TAP "1..0 # SKIP why") when integration tests are off, or
# without QEMU, the default guest, network namespaces (root, iproute2)
# or one of the commands CMD; sets a C locale, clears the environment
# that would change xend or xm, and sets QEMU, GUEST, SRC, BUILD and CFG
# (the shipped example config).
hosts_prologue() {
	local c
	if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
		echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
		exit 0
	fi
	export LC_ALL=C
	unset XEND_CONFIG XM_TIMEOUT XEND_TEST_EXIT_AT XENSTORE_RESTRICT
	SRC="$(cd "${top_srcdir:-.}" && pwd)"
	BUILD="$(cd "${top_builddir:-.}" && pwd)"
	CFG="$SRC/etc/xen/examples/guest.cfg"
	need_guest
	if ! hosts_can; then
		echo "1..0 # SKIP network namespaces need root and iproute2"
		exit 0
	fi
	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			echo "1..0 # SKIP $c is needed and not installed"
			exit 0
		fi
	done
}

HOSTS_PREFIX="xm$$"
HOSTS_N=0
HOSTS_DIR=""
HOSTS_SUBNET="10.77.0"
HOSTS_BG_PIDS=""
HOSTS_HOLDER=()		# i: the pid holding host i's mount namespace

hosts_ns() { echo "${HOSTS_PREFIX}h$1"; }
hosts_ip() { echo "$HOSTS_SUBNET.$1"; }
hosts_root() { echo "$HOSTS_DIR/h$1"; }
hosts_sock() { echo "$(hosts_root "$1")/var/run/xend/xmlrpc.sock"; }
hosts_pidfile() { echo "$(hosts_root "$1")/var/run/xend.pid"; }
hosts_xend_pid() { cat "$(hosts_pidfile "$1")" 2>/dev/null; }
hosts_log() { echo "$(hosts_root "$1")/var/log/xen/xend.log"; }
hosts_exec() {
	local i=$1; shift
	if [ -n "${HOSTS_HOLDER[$i]:-}" ]; then
		nsenter -t "${HOSTS_HOLDER[$i]}" -m -u -n --wd="$PWD" -- "$@"
	else
		ip netns exec "$(hosts_ns "$i")" "$@"
	fi
}
hosts_xm() {
	local i=$1; shift
	XM_SERVER="httpu://$(hosts_sock "$i")" timeout "${HOSTS_XM_LIMIT:-300}" "$XM" "$@"
}

# The switch: one bridge in its own namespace, one port per host.
_hosts_switch() {
	local sw="${HOSTS_PREFIX}sw"
	ip netns add "$sw" || return 1
	ip -n "$sw" link set lo up
	ip -n "$sw" link add br0 type bridge || return 1
	ip -n "$sw" link set br0 up
}

_hosts_add() {
	local i=$1 ns sw="${HOSTS_PREFIX}sw"
	ns=$(hosts_ns "$i")
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip link add "${HOSTS_PREFIX}p$i" netns "$sw" type veth peer name eth0 \
		netns "$ns" || return 1
	ip -n "$sw" link set "${HOSTS_PREFIX}p$i" master br0 up
	ip -n "$ns" link add xenbr0 type bridge || return 1
	ip -n "$ns" link set eth0 master xenbr0 up
	ip -n "$ns" link set xenbr0 up
	ip -n "$ns" addr add "$(hosts_ip "$i")/24" dev xenbr0
	mkdir -p "$(hosts_root "$i")/etc/xen"
	cat >"$(hosts_root "$i")/etc/xen/xend-config.sxp" <<-EOF
	(xend-relocation-server yes)
	EOF
}

hosts_setup() {
	local n=$1 i
	HOSTS_DIR=$2
	HOSTS_N=$n
	_hosts_switch || return 1
	for i in $(seq 1 "$n"); do
		_hosts_add "$i" || return 1
	done
}

# hosts_config i TEXT: forms put before the defaults (the first form of
# a name wins, as in classic xend).
hosts_config() {
	local f
	f="$(hosts_root "$1")/etc/xen/xend-config.sxp"
	printf '%s\n' "$2" | cat - "$f" >"$f.new" && mv "$f.new" "$f"
}

hosts_start() {
	hosts_exec "$1" "$XEND" --root "$(hosts_root "$1")" start
}

hosts_stop() {
	local pid
	pid=$(hosts_xend_pid "$1")
	[ -n "$pid" ] || return 0
	"$XEND" --root "$(hosts_root "$1")" stop >/dev/null 2>&1
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	return 0
}

# kill -9 of a host's xend: its domains run on under their monitors.
hosts_kill() {
	local pid
	pid=$(hosts_xend_pid "$1")
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	local t
	for t in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

# Names of a host's domains other than Domain-0.
hosts_domains() {
	hosts_xm "$1" list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }'
}

# hosts_row i NAME: NAME's line in host i's xm list (empty: not there).
hosts_row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
# hosts_where NAME: the hosts that list it, e.g. "1" or "1 2".
hosts_where() {
	local i w=""
	for i in $(seq 1 "$HOSTS_N"); do [ -n "$(hosts_row "$i" "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
# hosts_monitors i: how many domain monitors host i has (Domain-0 none).
hosts_monitors() { ls "$(hosts_root "$1")/var/run/xen/xenhv" 2>/dev/null | wc -l; }

# Pids of every monitor and QEMU under a host's root (as the monitors
# report them), for the last resort of cleanup.
HOSTS_XC_TOOL="${top_builddir:-.}/tests/tools/xc-tool"
_hosts_engine_pids() {
	local r d
	r=$(hosts_root "$1")
	for d in $(ls "$r/var/run/xen/xenhv" 2>/dev/null); do
		timeout 10 "$HOSTS_XC_TOOL" --root "$r" getinfo "$d" 2>/dev/null |
			awk '/_pid /{ print $2 }'
	done
}

# hosts_engine_pid i DOMID: the QEMU pid host i's monitor reports.
hosts_engine_pid() {
	timeout 10 "$HOSTS_XC_TOOL" --root "$(hosts_root "$1")" getinfo "$2" 2>/dev/null |
		awk '/engine_pid /{ print $2 }'
}

hosts_cleanup() {
	local i d p
	for p in $HOSTS_BG_PIDS; do kill "$p" 2>/dev/null; done
	for i in "${!HOSTS_HOLDER[@]}"; do
		[ -n "${HOSTS_HOLDER[$i]}" ] && _hosts_ns_kill "$i"
	done
	for i in $(seq 1 "$HOSTS_N"); do
		[ -d "$(hosts_root "$i")" ] || continue
		# an xend that is gone (a host powered off) is not asked: xm
		# would wait for it to come back (XM_XEND_WAIT)
		if [ -S "$(hosts_sock "$i")" ] && kill -0 "$(hosts_xend_pid "$i")" 2>/dev/null; then
			for d in $(hosts_domains "$i"); do
				HOSTS_XM_LIMIT=30 hosts_xm "$i" destroy "$d" >/dev/null 2>&1
			done
		fi
		hosts_stop "$i"
		for p in $(_hosts_engine_pids "$i"); do
			[ "$p" -gt 1 ] 2>/dev/null && kill -KILL "$p" 2>/dev/null
		done
	done
	for i in $(seq 1 "$HOSTS_N"); do
		ip netns del "$(hosts_ns "$i")" 2>/dev/null
	done
	ip netns del "${HOSTS_PREFIX}sw" 2>/dev/null
	HOSTS_N=0
}

# hosts_isolate i SCRIPT: host i gets a mount namespace (private
# propagation) and a UTS namespace (hostname h<i>) of its own, inside its
# network namespace, held by a sleeping process whose pid is in
# $(hosts_root i)/ns.pid. SCRIPT (sh) runs there first and makes the
# host's own mounts; the host's processes are then every process of that
# mount namespace, and hosts_exec enters it.
hosts_isolate() {
	local i=$1 r t
	r=$(hosts_root "$i")
	rm -f "$r/ns.ready"
	ip netns exec "$(hosts_ns "$i")" unshare -m -u --propagation private \
		sh -ec "$2
hostname h$i
: >'$r/ns.ready'
exec sleep infinity" </dev/null >"$r/ns.out" 2>&1 &
	HOSTS_HOLDER[$i]=$!
	disown "$!"
	echo "${HOSTS_HOLDER[$i]}" >"$r/ns.pid"
	for t in $(seq 1 100); do
		[ -e "$r/ns.ready" ] && return 0
		kill -0 "${HOSTS_HOLDER[$i]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$r/ns.out" >&2
	return 1
}

# _hosts_ns_pids i: the pids of every process in host i's mount namespace
# (none once its holder is gone: a namespace's number is reused).
# One find reads every process's link: a readlink each, a fork each, took
# seconds here, long enough to delay a power-off the cluster benchmark times.
_hosts_ns_pids() {
	local ns
	ns=$(readlink "/proc/${HOSTS_HOLDER[$1]}/ns/mnt" 2>/dev/null) || return 0
	[ "$ns" != "$(readlink /proc/$$/ns/mnt)" ] || return 0
	find /proc/[0-9]*/ns/mnt -maxdepth 0 -printf '%l %h\n' 2>/dev/null |
		awk -v ns="$ns" '$1 == ns { split($2, a, "/"); print a[3] }'
}

# hosts_power_off i: host i loses power: every process of its mount
# namespace is killed (-9), by pid, until none is left but the holder,
# which goes last (while it lives, the namespace is the same one).
hosts_power_off() {
	local t p left h=${HOSTS_HOLDER[$1]}
	for t in $(seq 1 100); do
		left=$(_hosts_ns_pids "$1" | grep -vx "$h")
		if [ -z "$left" ]; then
			kill -KILL "$h" 2>/dev/null
			wait "$h" 2>/dev/null
			return 0
		fi
		for p in $left; do kill -KILL "$p" 2>/dev/null; done
		sleep 0.1
	done
	return 1
}
_hosts_ns_kill() { hosts_power_off "$1"; HOSTS_HOLDER[$1]=""; }

# hosts_can: whether this machine lets us make namespaces (root, iproute2).
hosts_can() {
	[ "$(id -u)" = 0 ] || return 1
	command -v ip >/dev/null || return 1
	ip netns add "${HOSTS_PREFIX}probe" 2>/dev/null || return 1
	ip netns del "${HOSTS_PREFIX}probe"
}

# TLS for the hosts: a CA and one certificate per host (its IP address in
# the subject alternative names, server and client use), with certtool.
# hosts_tls DIR i...: files DIR/ca.pem, DIR/h<i>-cert.pem, DIR/h<i>-key.pem.
hosts_tls() {
	local dir=$1 i; shift
	mkdir -p "$dir"
	certtool --generate-privkey --outfile "$dir/ca-key.pem" >/dev/null 2>&1 || return 1
	cat >"$dir/ca.tmpl" <<-EOF
	cn = "xen test CA $$"
	ca
	cert_signing_key
	expiration_days = 2
	EOF
	certtool --generate-self-signed --load-privkey "$dir/ca-key.pem" \
		--template "$dir/ca.tmpl" --outfile "$dir/ca.pem" >/dev/null 2>&1 || return 1
	for i in "$@"; do
		certtool --generate-privkey --outfile "$dir/h$i-key.pem" >/dev/null 2>&1 || return 1
		cat >"$dir/h$i.tmpl" <<-EOF
		cn = "h$i"
		ip_address = "$(hosts_ip "$i")"
		dns_name = "h$i"
		tls_www_server
		tls_www_client
		encryption_key
		signing_key
		expiration_days = 2
		EOF
		certtool --generate-certificate --load-privkey "$dir/h$i-key.pem" \
			--load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca-key.pem" \
			--template "$dir/h$i.tmpl" --outfile "$dir/h$i-cert.pem" >/dev/null 2>&1 || return 1
	done
}

hosts_harness() {
	HOSTS_TEST_DIR=$1
	trap '_hosts_exit' EXIT
	# a watchdog so that nothing here hangs the suite
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$2" &
		sp=$!
		wait "$sp" && kill -TERM $$
	) </dev/null >/dev/null 2>&1 &
	HOSTS_BG_PIDS="$HOSTS_BG_PIDS $!"
}

_hosts_exit() {
	hosts_cleanup
	[ -n "${KEEP:-}" ] || rm -rf "$HOSTS_TEST_DIR"
}

run() {
	"$@" >"$HOSTS_TEST_DIR/out" 2>"$HOSTS_TEST_DIR/err"
	rc=$?
	out=$(cat "$HOSTS_TEST_DIR/out")
	err=$(cat "$HOSTS_TEST_DIR/err")
}

# ---- guests -----------------------------------------------------------
# What the migration tests and bench run in the default guest, typed at
# its shell: a memory writer (16 MiB of random bytes read over and over
# from a tmpfs into dd's buffer: 16 MiB of guest memory rewritten in a
# loop) and a console counter, "tick N" every 100 ms. (A writer that
# copies files inside the tmpfs instead makes QEMU 7.2 under TCG corrupt
# the guest's kernel memory now and then across a live migration, bare
# QEMU included: see docs/BENCHMARKS.md.)
HOSTS_WORKLOAD='mkdir -p /m; mount -t tmpfs -o size=40m tmpfs /m; head -c 16777216 /dev/urandom >/m/a; (while :; do dd if=/m/a of=/dev/null bs=16777216 2>/dev/null; done) & (i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 100000; done) &'

hosts_console_log() { echo "$(hosts_root "$1")/var/log/xen/console/$2.log"; }

# hosts_type i NAME TEXT: types a line at the guest's console.
hosts_type() {
	local i=$1 n=$2; shift 2
	{ printf '%s\n' "$*"; sleep 1; } | hosts_xm "$i" console "$n" >/dev/null 2>&1
}

# hosts_wait_text FILE REGEX SECS: until FILE has a line matching REGEX.
hosts_wait_text() {
	local end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -aEq "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# hosts_last_tick FILE: the highest "tick N" in a console log (0: none).
hosts_last_tick() {
	grep -aoE 'tick [0-9]+' "$1" 2>/dev/null | awk '$2 > m { m = $2 } END { print m + 0 }'
}

# hosts_counting i NAME: NAME's console counter moves on host i (five
# ticks past where it is).
hosts_counting() {
	local f
	f=$(hosts_console_log "$1" "$2")
	hosts_counts_past "$f" $(( $(hosts_last_tick "$f") + 5 ))
}

# hosts_counts_past FILE N: until FILE's counter passes N (a minute at most).
hosts_counts_past() {
	local t
	for t in $(seq 1 300); do
		[ "$(hosts_last_tick "$1")" -gt "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
