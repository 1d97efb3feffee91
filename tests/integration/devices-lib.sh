# devices-lib.sh: what the device tests (networks, disks, hotplug errors)
# share: a private xend under a temporary root with the build tree's
# scripts and tools, optionally inside a network namespace of its own,
# guest configs, typing into a guest's console and reading its answers,
# and a clean-up that stops everything by pid. Sourced after lib.sh.

QEMU="${XEN_QEMU:-/usr/bin/qemu-system-x86_64}"
GUEST="${XEN_GUEST_DIR:-/usr/share/xen/guest}"
BUILD="$(cd "${top_builddir:-.}" && pwd)"
SRC="$(cd "${top_srcdir:-.}" && pwd)"
SCRIPTS="$SRC/scripts"
BOOT_LIMIT=300		# seconds a guest may take to reach its shell (busy host)

# skip_unless_guests: the checks every guest-booting test needs.
skip_unless_guests() {
	if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
		echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
		exit 0
	fi
	need_guest
	if ! command -v socat >/dev/null; then
		echo "1..0 # SKIP socat is needed to type into guest consoles"
		exit 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP taps, bridges and namespaces need root"
		exit 0
	fi
}

# setup_root NAME: the temporary root and the environment xm, the tools
# and xend use in it.
setup_root() {
	D=$(mktemp -d "/tmp/$1.XXXXXX")
	PIDFILE="$D/var/run/xend.pid"
	export XM_SERVER="httpu://$D/var/run/xend/xmlrpc.sock"
	export XENSTORED_PATH="$D/var/run/xenstored/socket"
	export XEND_XENHV="$BUILD/hypervisor/xenhv"
	export XEND_WWW_DIR="$SRC/www"		# the web page's files
	export PATH="$BUILD/xenstore:$PATH"
	export LC_ALL=C
	unset XEND_CONFIG XM_TIMEOUT XENSTORE_RESTRICT
	mkdir -p "$D/etc/xen"
	NS=
	BG_PIDS=
}

# xend_config LINE...: xend-config.sxp with the build tree's scripts.
xend_config() {
	{
		echo "(xend-scripts-path $SCRIPTS)"
		printf '%s\n' "$@"
	} >"$D/etc/xen/xend-config.sxp"
}

# make_netns: a network namespace of this test's own, named by its pid;
# xend, its scripts and its guests live in it.
make_netns() {
	NS="xdev$$"
	ip netns add "$NS" || return 1
	ip netns exec "$NS" ip link set lo up
}

# in_ns CMD...: CMD inside the test's namespace (if it has one).
in_ns() {
	if [ -n "$NS" ]; then
		ip netns exec "$NS" "$@"
	else
		"$@"
	fi
}

start_xend() {
	in_ns "$XEND" --root "$D" start
}

xend_pid() {
	cat "$PIDFILE" 2>/dev/null
}

# run CMD...: stdout, stderr and status in out, err, rc.
run() {
	"$@" >"$D/out" 2>"$D/err"
	rc=$?
	out=$(cat "$D/out")
	err=$(cat "$D/err")
}

xm() {
	timeout 200 "$XM" "$@"
}

# guest_cfg NAME [LINE...]: a config for the default guest, its host name
# its own name (hostname=, so its shell prompts "NAME:~#" also when it
# runs from a disk).
guest_cfg() {
	local name=$1
	shift
	{
		echo "name = '$name'"
		echo "kernel = '$GUEST/vmlinuz'"
		echo "ramdisk = '$GUEST/initrd.img'"
		echo "extra = 'console=ttyS0 quiet panic=-1 cryptomgr.notests hostname=$name'"
		echo "memory = 96"
		echo "hostname = '$name'"
		printf '%s\n' "$@"
	} >"$D/$name.cfg"
	echo "$D/$name.cfg"
}

conlog() {
	echo "$D/var/log/xen/console/$1.log"
}

domid_of() {
	xm domid "$1" 2>/dev/null
}

# con_has NAME REGEX: the guest's console log matches.
con_has() {
	grep -aEq -- "$2" "$(conlog "$1")" 2>/dev/null
}

# con_count NAME REGEX: how many console lines match.
con_count() {
	local n
	n=$(grep -aEc -- "$2" "$(conlog "$1")" 2>/dev/null)
	echo "${n:-0}"
}

# count_over NAME REGEX N: more than N console lines match (for
# wait_until, which runs it again each time).
count_over() {
	[ "$(con_count "$1" "$2")" -gt "$3" ]
}

# booted NAME [N]: waits until the guest's shell has prompted more than N
# times.
booted() {
	wait_until "$BOOT_LIMIT" count_over "$1" "$1:[^ ]*# " "${2:-0}"
}

# con_type NAME TEXT: types a line into the guest's console.
con_type() {
	local id
	id=$(domid_of "$1") || return 1
	(printf '%s\n' "$2"; sleep 1) |
	    timeout 10 socat - "UNIX-CONNECT:$D/var/run/xen/xenhv/$id/console.sock" \
	    >/dev/null 2>&1
}

# guest_ok NAME LABEL COMMAND [SECS]: runs COMMAND in the guest and waits
# for "LABEL-OK" (printed with arithmetic, so the typed line itself does
# not match); fails after SECS (default 60).
guest_ok() {
	local name=$1 label=$2 cmd=$3 secs=${4:-60}
	con_type "$name" "$cmd && echo $label-\$((40+2))" || return 1
	wait_until "$secs" con_has "$name" "^$label-42"
}

# cleanup_devices: domains through xm, xend by its pid, the monitors and
# engines still left by theirs, the namespace, the root.
cleanup_devices() {
	local d p pids
	trap - EXIT
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	if [ -n "$(xend_pid)" ] && kill -0 "$(xend_pid)" 2>/dev/null; then
		for d in $("$XM" list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }'); do
			timeout 60 "$XM" destroy "$d" >/dev/null 2>&1
		done
		p=$(xend_pid)
		kill -TERM "$p" 2>/dev/null
		for d in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.3
		done
		kill -KILL "$p" 2>/dev/null
	fi
	for d in "$D"/var/run/xen/xenhv/*/lock; do
		[ -f "$d" ] || continue
		pids=$(cat "$d" 2>/dev/null)
		for p in $pids; do
			pkids=$(cat "/proc/$p/task/$p/children" 2>/dev/null)
			kill -KILL $pkids "$p" 2>/dev/null
		done
	done
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$D"
}
