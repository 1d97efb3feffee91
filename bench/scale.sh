#!/usr/bin/env bash
# scale.sh: the core issue's benchmark, xend against Debian's libvirt side
# by side in one run on the same machine, with the same populations:
#   1. `xm list` vs `virsh list --all` with 0, 100, 500 and 1000 managed
#      (defined, halted) domains plus RUNNING running ones, each started
#      paused, timed by hyperfine (whole processes, no shell; target: xm
#      <= 0.15x virsh, and under 20 ms at 500 + 50);
#   2. RUNNING concurrent `xm create -p` vs RUNNING concurrent `virsh start
#      --paused` of defined domains: wall time until all have returned
#      (target: <= 0.15x);
#   3. 500 `xm new` vs 500 `virsh define`, one after the other (target:
#      <= 0.2x);
#   4. xend's and libvirtd's resident memory at the largest population
#      (target: xend <= 8 MiB at 550 domains);
# and a PNG plot (gnuplot) of list time against the number of domains.
# Usage: bench/scale.sh [BUILDDIR] [OUTDIR]   (default: _build/main, the
# quickstart build without sanitizers; the results in OUTDIR, default a
# temporary directory, printed at the end). RUNNING=N (default 50),
# SIZES="0 100 500 1000", RUNS=N list timings each (default 21). Runs as
# root; starts a private xend, libvirtd and virtlogd with pid files of
# their own, and stops them and every guest by pid or by name through
# their own tools.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
OUT=${2:-}
RUNNING=${RUNNING:-50}
SIZES=${SIZES:-0 100 500 1000}
RUNS=${RUNS:-21}
XM=$B/xm/xm
XEND=$B/xend/xend
CFG=$top/etc/xen/examples/guest.cfg
KERNEL=/usr/share/xen/guest/vmlinuz
INITRD=/usr/share/xen/guest/initrd.img
V="virsh -q -c qemu:///system"

for f in "$XM" "$XEND" "$KERNEL" "$INITRD"; do
	[ -e "$f" ] || { echo "scale: missing $f (run scripts/quickstart.sh)" >&2; exit 1; }
done
. "$top/bench/libvirt.sh"
command -v gnuplot >/dev/null ||
	apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
command -v hyperfine >/dev/null ||
	apt-get install -y -qq --no-install-recommends hyperfine >/dev/null
lv_install

root=$(mktemp -d /tmp/bench-scale.XXXXXX)
lv=$root/libvirt
OUT=${OUT:-$root/out}
mkdir -p "$lv" "$OUT"
cleanup() {
	set +e
	for d in $("$XM" list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
		"$XM" destroy "$d" >/dev/null 2>&1
	done
	"$XEND" --root "$root" stop >/dev/null 2>&1
	if [ -f "$lv/libvirtd.pid" ]; then
		for d in $($V list --name 2>/dev/null | grep '^sc'); do
			$V destroy "$d" >/dev/null 2>&1
		done
		for d in $($V list --all --name 2>/dev/null | grep '^sc'); do
			$V undefine "$d" >/dev/null 2>&1
		done
	fi
	lv_stop "$lv" none
	[ "$OUT" = "$root/out" ] && cp -r "$OUT" "/tmp/bench-scale-results" 2>/dev/null
	rm -rf "$root"
}
trap cleanup EXIT

export XEND_XENHV=$B/hypervisor/xenhv
"$XEND" --root "$root" start
export XM_SERVER="httpu://$root/var/run/xend/xmlrpc.sock"
lv_start "$lv"


ms() { echo $(( ($2 - $1) / 1000000 )); }
# time_lists: `xm list` and `virsh list --all`, each RUNS times after 3
# warm-ups, by hyperfine without a shell; prints the two medians in ms
time_lists() {
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$root/list.json" \
	    "$XM list" "$V list --all" >/dev/null
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join("%.2f" % (x["median"] * 1000) for x in r))' "$root/list.json"
}

# ---- 2. RUNNING concurrent creates, paused ----------------------------------
for i in $(seq 1 "$RUNNING"); do
	lv_guest_xml "scr$i" 64 >"$lv/scr$i.xml"
	$V define "$lv/scr$i.xml" >/dev/null
done
t0=$(date +%s%N)
for i in $(seq 1 "$RUNNING"); do
	"$XM" create -q -p "$CFG" name=scr$i memory=64 >/dev/null &
done
wait
t1=$(date +%s%N)
xm_creates=$(ms "$t0" "$t1")
t0=$(date +%s%N)
for i in $(seq 1 "$RUNNING"); do
	$V start --paused "scr$i" >/dev/null &
done
wait
t1=$(date +%s%N)
lv_creates=$(ms "$t0" "$t1")
xm_up=$("$XM" list | awk '$1 ~ /^scr/' | wc -l)
lv_up=$($V list --name | grep -c '^scr' || true)

# ---- 3. 500 defines ----------------------------------------------------------
t0=$(date +%s%N)
for i in $(seq 1 500); do
	"$XM" new -q "$CFG" name=sc$i memory=64 >/dev/null
done
t1=$(date +%s%N)
xm_defines=$(ms "$t0" "$t1")
for i in $(seq 1 500); do lv_guest_xml "sc$i" 64 >"$lv/sc$i.xml"; done
t0=$(date +%s%N)
for i in $(seq 1 500); do
	$V define "$lv/sc$i.xml" >/dev/null
done
t1=$(date +%s%N)
lv_defines=$(ms "$t0" "$t1")

# ---- 1. list at each population (managed + RUNNING running) ---------------------
have=500
: >"$OUT/list.dat"
for n in $SIZES; do
	# the population: exactly n managed domains (sc1..scN)
	while [ "$have" -gt "$n" ]; do
		"$XM" delete "sc$have" >/dev/null
		$V undefine "sc$have" >/dev/null
		have=$((have - 1))
	done
	while [ "$have" -lt "$n" ]; do
		have=$((have + 1))
		"$XM" new -q "$CFG" name=sc$have memory=64 >/dev/null
		lv_guest_xml "sc$have" 64 >"$lv/sc$have.xml"
		$V define "$lv/sc$have.xml" >/dev/null
	done
	read -r xl vl < <(time_lists)
	echo "$((n + RUNNING)) $xl $vl" >>"$OUT/list.dat"
	if [ "$n" = "$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)" ]; then
		xend_rss=$(awk '/VmRSS/ { print $2 }' /proc/"$(cat "$root/var/run/xend.pid")"/status)
		lv_rss=$(awk '/VmRSS/ { print $2 }' /proc/"$(cat "$lv/libvirtd.pid")"/status)
		rss_n=$((n + RUNNING))
	fi
	[ "$n" = 500 ] && { xl500=$xl; vl500=$vl; }
done

gnuplot <<EOF
set terminal png size 800,500
set output "$OUT/list.png"
set title "list time against domains ($RUNNING running, paused; the rest defined)"
set xlabel "domains"
set ylabel "median ms"
set key left top
plot "$OUT/list.dat" using 1:2 with linespoints title "xm list", \
     "$OUT/list.dat" using 1:3 with linespoints title "virsh list --all"
EOF

ratio() { echo "scale=3; $1 / $2" | bc; }
{
echo "| measure | xm / xend | virsh / libvirtd | ratio | target |"
echo "|---|---|---|---|---|"
while read -r n xl vl; do
	echo "| list, $n domains ($RUNNING running), median of $RUNS (ms) | $xl | $vl | $(ratio "$xl" "$vl") | <= 0.15 |"
done <"$OUT/list.dat"
echo "| $RUNNING concurrent creates, paused (ms; $xm_up and $lv_up up) | $xm_creates | $lv_creates | $(ratio "$xm_creates" "$lv_creates") | <= 0.15 |"
echo "| 500 defines, one after the other (ms) | $xm_defines | $lv_defines | $(ratio "$xm_defines" "$lv_defines") | <= 0.2 |"
echo "| daemon resident memory at $rss_n domains (KiB) | $xend_rss | $lv_rss | $(ratio "$xend_rss" "$lv_rss") | xend <= 8192 |"
} | tee "$OUT/results.md"
echo "results and plot: $OUT"
