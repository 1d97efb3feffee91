#!/usr/bin/env bash
# top-refresh.sh: what one xm top refresh costs xend: the round trip of
# xend.domains.stats (the one call xm top makes a refresh) against
# xend.domains_with_state (the call xm list makes), both timed over one
# kept-alive connection to xend's socket (bench/rpc-time.py), with 200
# managed halted domains and 0, 10 and 20 running (paused) ones, and one
# whole `xm top -b -i 1` (a process, one frame). Paused guests keep the
# engines idle on a shared machine; the cost is xend's either way.
# Usage: bench/top-refresh.sh [BUILDDIR]   (default: _build/main, the
# quickstart build without sanitizers). CALLS=N (default 50). Runs as
# root; starts a private xend and stops it, and every guest, by pid.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
CALLS=${CALLS:-50}
XM=$B/xm/xm
XEND=$B/xend/xend
CFG=$top/etc/xen/examples/guest.cfg

for f in "$XM" "$XEND" "$B/hypervisor/xenhv" /usr/share/xen/guest/vmlinuz; do
	[ -e "$f" ] || { echo "top-refresh: missing $f (run scripts/quickstart.sh)" >&2; exit 1; }
done

root=$(mktemp -d /tmp/bench-top.XXXXXX)
cleanup() {
	set +e
	for d in $("$XM" list 2>/dev/null | awk 'NR > 1 && $1 ~ /^r[0-9]+$/ { print $1 }'); do
		"$XM" destroy "$d" >/dev/null 2>&1
	done
	"$XEND" --root "$root" stop >/dev/null 2>&1
	rm -rf "$root"
}
trap cleanup EXIT

export XEND_XENHV=$B/hypervisor/xenhv
"$XEND" --root "$root" start
sock="$root/var/run/xend/xmlrpc.sock"
export XM_SERVER="httpu://$sock"
for i in $(seq 1 200); do
	"$XM" new -q "$CFG" name=m$i >/dev/null
done

measure() {
	local running=$1 t0 t1
	python3 "$top/bench/rpc-time.py" "$sock" "$CALLS" xend.domains.stats
	python3 "$top/bench/rpc-time.py" "$sock" "$CALLS" xend.domains_with_state
	t0=$(date +%s%N)
	"$XM" top -b -i 1 >/dev/null
	t1=$(date +%s%N)
	echo "running=$running xm top -b -i 1 (whole process): $(( (t1 - t0) / 1000000 )) ms"
}

echo "200 managed halted domains"
measure 0
n=0
for target in 10 20; do
	while [ "$n" -lt "$target" ]; do
		n=$((n + 1))
		"$XM" create -q -p "$CFG" name=r$n memory=64 >/dev/null
	done
	measure "$n"
done
