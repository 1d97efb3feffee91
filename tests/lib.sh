# lib.sh: TAP helpers for the shell tests (sourced, not run).
# Usage: plan N; ok "desc" cmd...; is "desc" got expected; skip "desc" "reason"; done_testing

_tap_n=0
_tap_failed=0

XM="${top_builddir:-.}/xm/xm"
XEND="${top_builddir:-.}/xend/xend"
SHARED="${XEN_SHARED_DIR:-${top_srcdir:-.}/../shared}"
CONFORMANCE="$SHARED/conformance/configs"

plan() { echo "1..$1"; }

# need_guest: sets QEMU (the engine) and GUEST (the default guest's
# image directory); without either, the whole test is skipped.
need_guest() {
	QEMU="${XEN_QEMU:-/usr/bin/qemu-system-x86_64}"
	GUEST="${XEN_GUEST_DIR:-/usr/share/xen/guest}"
	if [ ! -x "$QEMU" ]; then
		echo "1..0 # SKIP $QEMU is not installed"
		exit 0
	fi
	if [ ! -r "$GUEST/vmlinuz" ] || [ ! -r "$GUEST/initrd.img" ]; then
		echo "1..0 # SKIP no guest image in $GUEST (run scripts/mkguest.sh)"
		exit 0
	fi
}

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# ok DESC CMD...: passes when CMD exits 0.
ok() {
	local desc="$1"; shift
	"$@"
	_tap_result $? "$desc"
}

# is DESC GOT EXPECTED: passes when the strings are equal; shows a diff if not.
is() {
	if [ "$2" = "$3" ]; then
		_tap_result 0 "$1"
	else
		_tap_result 1 "$1"
		diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed 's/^/# /'
	fi
}

# like DESC GOT REGEX: passes when GOT matches the extended regex.
like() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		_tap_result 0 "$1"
	else
		_tap_result 1 "$1"
		printf '%s\n' "$2" | sed 's/^/# got: /'
		echo "# expected to match: $3"
	fi
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# watchdog SECS: kills this test (TERM) if it is still running after SECS,
# so nothing hangs the suite; prints the watchdog's pid (kill it at the end).
watchdog() {
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		sp=$!
		wait "$sp" && kill -TERM $$
	) </dev/null >/dev/null 2>&1 &
	echo $!
}

# wait_until SECS CMD...: runs CMD every 0.2 s until it succeeds (0) or
# SECS have passed (1).
wait_until() {
	local end=$(( $(date +%s) + $1 ))
	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}
