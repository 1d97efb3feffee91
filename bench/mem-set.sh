#!/usr/bin/env bash
# mem-set.sh: the resources issue's benchmark, side by side in one run on
# the same machine: seconds from `xm mem-set` to the guest reporting the
# new balloon target, against `virsh setmem` on the same guest (kernel,
# initramfs, memory and balloon) under Debian's libvirt, with the target
# read back from `virsh dommemstat` (actual) every 10 ms. xm mem-set
# itself returns when the guest reports the target, so its run time is
# the measure. Targets alternate between 96 and 192 MiB of a 256 MiB
# guest; the two take turns going first. Target: xm no slower than virsh.
# Usage: bench/mem-set.sh [BUILDDIR]   (default: _build/main, the
# quickstart build without sanitizers). ROUNDS=N (default 10). Runs as
# root; starts a private xend and libvirtd/virtlogd with pid files of their
# own, and stops them by pid.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
ROUNDS=${ROUNDS:-10}
XM=$B/xm/xm
XEND=$B/xend/xend
CFG=$top/etc/xen/examples/guest.cfg
KERNEL=/usr/share/xen/guest/vmlinuz
INITRD=/usr/share/xen/guest/initrd.img

for f in "$XM" "$XEND" "$KERNEL" "$INITRD"; do
	[ -e "$f" ] || { echo "mem-set: missing $f (run scripts/quickstart.sh)" >&2; exit 1; }
done
. "$top/bench/libvirt.sh"
lv_install

root=$(mktemp -d /tmp/bench-memset.XXXXXX)
lv=$root/libvirt
mkdir -p "$lv"
V="virsh -q -c qemu:///system"
cleanup() {
	set +e
	"$XM" destroy bm >/dev/null 2>&1
	"$XEND" --root "$root" stop >/dev/null 2>&1
	lv_stop "$lv" benchmem
	rm -rf "$root"
}
trap cleanup EXIT

export XEND_XENHV=$B/hypervisor/xenhv
"$XEND" --root "$root" start
export XM_SERVER="httpu://$root/var/run/xend/xmlrpc.sock"
"$XM" create -q "$CFG" name=bm memory=128 maxmem=256

lv_start "$lv"
lv_guest_xml benchmem 256 128 >"$lv/benchmem.xml"
$V create "$lv/benchmem.xml" >/dev/null

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
lv_actual() { $V dommemstat benchmem 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
xm_actual() { "$XM" list -l bm | sed -n 's/^    (memory_actual \(.*\))$/\1/p'; }

# Both guests booted, their balloon drivers at the first target.
for _ in $(seq 1 600); do
	[ "$(lv_actual)" = $((128 * 1024)) ] && [ "$(xm_actual)" = 128 ] && break
	sleep 0.2
done
[ "$(lv_actual)" = $((128 * 1024)) ] && [ "$(xm_actual)" = 128 ] ||
	{ echo "mem-set: the guests did not boot" >&2; exit 1; }

run_xm() {
	local t0 t1
	t0=$(now)
	"$XM" mem-set bm "$1"
	t1=$(now)
	echo "$t1 - $t0" | bc
}
run_virsh() {
	local t0 t1 want=$(($1 * 1024))
	t0=$(now)
	$V setmem benchmem "${want}K" --live
	while [ "$(lv_actual)" != "$want" ]; do sleep 0.01; done
	t1=$(now)
	echo "$t1 - $t0" | bc
}

xm_times=(); lv_times=()
for i in $(seq 1 "$ROUNDS"); do
	target=$(( i % 2 ? 192 : 96 ))
	if [ $(( (i / 2) % 2 )) -eq 0 ]; then
		xm_times+=("$(run_xm $target)"); lv_times+=("$(run_virsh $target)")
	else
		lv_times+=("$(run_virsh $target)"); xm_times+=("$(run_xm $target)")
	fi
done
xm_med=$(printf '%s\n' "${xm_times[@]}" | median)
lv_med=$(printf '%s\n' "${lv_times[@]}" | median)

cat <<EOF

| measure | xm / xend | virsh / libvirtd | ratio | target |
|---|---|---|---|---|
| mem-set to the guest reporting it, median of $ROUNDS (s) | $xm_med | $lv_med | $(echo "scale=2; $xm_med / $lv_med" | bc) | <= 1.0 |

xm mem-set times:    ${xm_times[*]}
virsh setmem times:  ${lv_times[*]}
EOF
