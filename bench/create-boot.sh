#!/usr/bin/env bash
# create-boot.sh: the domains issue's benchmark, everything side by side in
# one run on the same machine:
#   1. `xm create -c` of the default guest vs bare qemu-system-x86_64 run with
#      the very command line xenhv gave that guest: seconds from the command
#      to the guest's first console line (target: xm within 1.1x of bare);
#   2. `xm list` vs `virsh list` (Debian's libvirt, the same guest running
#      under each), timed by hyperfine (target: xm at most half of virsh);
#   3. xend's resident memory (target < 8 MiB) and xenhv's private memory
#      per domain (target < 1 MiB).
# Usage: bench/create-boot.sh [BUILDDIR]   (default: _build/main, the
# quickstart build without sanitizers). ROUNDS=N (default 7). Runs as root;
# starts a private xend under a temporary root and, for part 2, libvirtd and
# virtlogd with pid files of their own; stops all of them by pid.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
ROUNDS=${ROUNDS:-7}
XM=$B/xm/xm
XEND=$B/xend/xend
XCT=$B/tests/tools/xc-tool
CFG=$top/etc/xen/examples/guest.cfg
KERNEL=/usr/share/xen/guest/vmlinuz
INITRD=/usr/share/xen/guest/initrd.img

for f in "$XM" "$XEND" "$KERNEL" "$INITRD"; do
	[ -e "$f" ] || { echo "create-boot: missing $f (run scripts/quickstart.sh)" >&2; exit 1; }
done
[ -x "$XCT" ] || make -C "$B" tests/tools/xc-tool >/dev/null
. "$top/bench/libvirt.sh"
command -v hyperfine >/dev/null ||
	apt-get install -y -qq --no-install-recommends hyperfine >/dev/null
lv_install

root=$(mktemp -d /tmp/bench-create.XXXXXX)
lv=$root/libvirt
mkdir -p "$lv"
bare_pid=
cleanup() {
	set +e
	[ -n "$bare_pid" ] && kill "$bare_pid" 2>/dev/null
	for d in $("$XM" list 2>/dev/null | awk 'NR>2 {print $1}'); do
		"$XM" destroy "$d" >/dev/null 2>&1
	done
	"$XEND" --root "$root" stop >/dev/null 2>&1
	lv_stop "$lv" benchlv
	rm -rf "$root"
}
trap cleanup EXIT

"$XEND" --root "$root" start
export XM_SERVER="httpu://$root/var/run/xend/xmlrpc.sock"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# xm: create with the console attached; the clock stops at the first line.
time_xm() {
	local name=$1 t0 t1 line
	t0=$(now)
	# the console session lasts while its input is open: keep it open
	{ IFS= read -r line; } < <("$XM" create -c -q "$CFG" name="$name" \
	    2>/dev/null < <(sleep 30))
	t1=$(now)
	echo "$t1 - $t0" | bc
}

# The engine's command line as xenhv built it, made runnable on its own:
# the console on stdio instead of the monitor's socket, no QMP, no -S.
engine_cmdline() {
	local domid=$1 pid
	pid=$("$XCT" --root "$root" getinfo "$domid" | awk -F'[ =]' '/engine_pid/ {print $2}')
	tr '\0' '\n' </proc/"$pid"/cmdline | awk '
		skip { skip = 0; next }
		$0 == "-S" { next }
		$0 == "-chardev" { getline a; if (a ~ /^socket,id=console0/) print "-chardev\nstdio,id=console0,signal=off"; next }
		$0 == "-mon" { skip = 1; next }
		{ print }'
}

time_bare() {
	local t0 t1 line
	t0=$(now)
	exec {fd}< <(exec "${BARE[@]}" </dev/null 2>/dev/null)
	bare_pid=$!
	IFS= read -r line <&"$fd"
	t1=$(now)
	kill "$bare_pid" 2>/dev/null; wait "$bare_pid" 2>/dev/null || true
	exec {fd}<&-
	bare_pid=
	echo "$t1 - $t0" | bc
}

# One guest to learn the command line from.
"$XM" create -q "$CFG" name=probe >/dev/null
domid=$("$XM" domid probe)
mapfile -t BARE < <(engine_cmdline "$domid")
"$XM" destroy probe

xm_times=() bare_times=()
for i in $(seq 1 "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then
		xm_times+=("$(time_xm b$i)"); "$XM" destroy "b$i"
		bare_times+=("$(time_bare)")
	else
		bare_times+=("$(time_bare)")
		xm_times+=("$(time_xm b$i)"); "$XM" destroy "b$i"
	fi
done
echo "xm create: ${xm_times[*]}"; echo "bare QEMU: ${bare_times[*]}"
xm_med=$(printf '%s\n' "${xm_times[@]}" | median)
bare_med=$(printf '%s\n' "${bare_times[@]}" | median)

# Part 2 and 3 with one guest running under each toolstack.
"$XM" create -q "$CFG" name=listed >/dev/null
domid=$("$XM" domid listed)
sleep 3
xend_rss=$(awk '/VmRSS/ {print $2}' /proc/"$(cat "$root/var/run/xend.pid")"/status)
mon_pid=$("$XCT" --root "$root" getinfo "$domid" | awk -F'[ =]' '/monitor_pid/ {print $2}')
mon_priv=$(awk '/^Private_(Clean|Dirty)/ {s += $2} END {print s}' /proc/"$mon_pid"/smaps_rollup)

lv_start "$lv"
lv_guest_xml benchlv 128 >"$lv/benchlv.xml"
virsh -c qemu:///system create "$lv/benchlv.xml" >/dev/null
sleep 3
hyperfine -N --warmup 5 --runs 60 --export-json "$root/list.json" \
	"$XM list" "virsh -c qemu:///system list" >"$root/hyperfine.txt"
read -r xm_list virsh_list < <(python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))["results"]
print(" ".join("%.4f" % x["median"] for x in r))' "$root/list.json")

cat <<EOF

| measure | xm / xend | reference | ratio | target |
|---|---|---|---|---|
| create to first console line, median of $ROUNDS (s) | $xm_med | bare QEMU $bare_med | $(echo "scale=2; $xm_med / $bare_med" | bc) | <= 1.1 |
| list with one domain, median (s) | $xm_list | virsh $virsh_list | $(echo "scale=2; $xm_list / $virsh_list" | bc) | <= 0.5 |
| xend resident memory (KiB) | $xend_rss | | | < 8192 |
| xenhv private memory, one domain (KiB) | $mon_priv | | | < 1024 |

xm create times:   ${xm_times[*]}
bare QEMU times:   ${bare_times[*]}
EOF
