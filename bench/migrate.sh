#!/usr/bin/env bash
# migrate.sh: live migration, side by side in one run: `xm migrate --live`
# of a 256 MiB guest running a memory writer, versus bare QEMU migrating
# the same guest (the very command line xenhv built for it) with the same
# settings (downtime-limit 100 ms, no bandwidth cap) over the same link:
# two hosts as network namespaces joined by veths and a bridge
# (tests/integration/lib-hosts.sh). Reports, per round, the total time and
# QEMU's downtime, and for both the guest's real pause seen from the host:
# the longest gap between its console ticks (one every 100 ms) as they
# reach the console files (bench/tickwatch.py).
# Targets: downtime <= 100 ms, xm's total within 1.2x of bare QEMU's.
# Then save and restore of the same guest (xm save / xm restore): time and
# throughput, beside this host's memory-copy bandwidth.
# Usage: bench/migrate.sh [BUILDDIR]  (default _build/main); ROUNDS=N (3).
# Runs as root; everything it starts is stopped by pid, its namespaces
# removed by name.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
ROUNDS=${ROUNDS:-3}
MEM=256
XM=$B/xm/xm
XEND=$B/xend/xend
top_builddir=$B
top_srcdir=$top
CFG=$top/etc/xen/examples/guest.cfg
GUEST=${XEN_GUEST_DIR:-/usr/share/xen/guest}
QMPM=$top/bench/qmp-migrate.py
export XEND_XENHV=$B/hypervisor/xenhv

. "$top/tests/integration/lib-hosts.sh"

for f in "$XM" "$XEND" "$GUEST/vmlinuz"; do
	[ -e "$f" ] || { echo "migrate: missing $f (run scripts/quickstart.sh)" >&2; exit 1; }
done
[ -x "$HOSTS_XC_TOOL" ] || make -C "$B" tests/tools/xc-tool >/dev/null

D=$(mktemp -d /tmp/bench-migrate.XXXXXX)
bare_pids=""
stop_bare() {
	local p
	for p in $bare_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	bare_pids=""
}
trap 'stop_bare; hosts_cleanup; rm -rf "$D"' EXIT
hosts_setup 2 "$D" || exit 1
hosts_start 1 && hosts_start 2 || exit 1
GARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img memory=$MEM"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

WORKLOAD=$HOSTS_WORKLOAD
wait_text() { hosts_wait_text "$@"; }

# watch FILE...: starts tickwatch.py on the console files; unwatch prints
# the longest gap between ticks, in ms, as the host saw them arrive.
watch() { python3 "$top/bench/tickwatch.py" "$@" >"$D/gap" & watch_pid=$!; }
unwatch() { kill "$watch_pid"; wait "$watch_pid"; cat "$D/gap"; }

# ---- the engine's command line, from a guest xenhv started --------------
hosts_xm 1 create -q "$CFG" $GARGS name=probe || exit 1
domid=$(hosts_xm 1 domid probe)
pid=$("$HOSTS_XC_TOOL" --root "$(hosts_root 1)" getinfo "$domid" | awk '/engine_pid/ {print $2}')
mapfile -t ENGINE < <(tr '\0' '\n' </proc/"$pid"/cmdline | awk '
	skip { skip = 0; next }
	$0 == "-S" { next }
	$0 == "-chardev" { getline a; if (a ~ /^socket,id=console0/) print "-chardev\nstdio,id=console0,signal=off"; next }
	$0 == "-mon" { skip = 1; next }
	$0 ~ /^-(qmp|incoming)$/ { skip = 1; next }
	{ print }')
hosts_xm 1 destroy probe

# ---- bare QEMU ------------------------------------------------------------
# Started by `ip netns exec` itself, not through a shell function: $! must
# be QEMU's own pid (ip execs it), or stop_bare would kill only a subshell
# and leave QEMU running.
bare_round() {
	local r=$1 in="$D/bare$r.in" out
	out="$D/bare$r.out"
	mkfifo "$in"
	ip netns exec "$(hosts_ns 1)" "${ENGINE[@]}" -qmp "unix:$D/src$r.qmp,server=on,wait=off" \
		<"$in" >"$out" 2>/dev/null &
	bare_pids="$bare_pids $!"
	exec {wfd}>"$in"
	wait_text "$out" 'guest:~#' 90 || { echo "bare guest did not boot" >&2; stop_bare; return 1; }
	echo "$WORKLOAD" >&"$wfd"
	wait_text "$out" 'tick 2[0-9]' 90 || { echo "bare workload did not start" >&2; stop_bare; return 1; }
	local res t0 t1
	: >"$D/bare$r.dst"
	watch "$out" "$D/bare$r.dst"
	# By hand, as xm does it: the destination's QEMU started, the
	# stream sent, the copy there running.
	t0=$(now)
	ip netns exec "$(hosts_ns 2)" "${ENGINE[@]}" -qmp "unix:$D/dst$r.qmp,server=on,wait=off" \
		-incoming "tcp:$(hosts_ip 2):4444" </dev/null >"$D/bare$r.dst" 2>/dev/null &
	bare_pids="$bare_pids $!"
	res=$(python3 "$QMPM" --by-hand "$D/src$r.qmp" "$D/dst$r.qmp" "tcp:$(hosts_ip 2):4444" 100)
	t1=$(now)
	sleep 2
	echo "$res $(echo "($t1 - $t0) * 1000 / 1" | bc) $(unwatch)"
	sleep 6
	echo "bare round $r: guest oopses after the migration: $(grep -ac 'BUG\|Oops' "$D/bare$r.dst")" >&2
	exec {wfd}>&-
	stop_bare
}

# ---- xm ------------------------------------------------------------------
xm_round() {
	local r=$1 name="mig$r" t0 t1 con
	hosts_xm 1 create -q "$CFG" $GARGS name="$name" || return 1
	con="$(hosts_root 1)/var/log/xen/console/$name.log"
	wait_text "$con" 'guest:~#' 90 || { echo "xm guest did not boot" >&2; return 1; }
	hosts_type 1 "$name" "$WORKLOAD"
	wait_text "$con" 'tick 2[0-9]' 90 || { echo "xm workload did not start" >&2; return 1; }
	local dcon="$(hosts_root 2)/var/log/xen/console/$name.log"
	watch "$con" "$dcon"
	t0=$(now)
	hosts_xm 1 migrate --live "$name" "$(hosts_ip 2)" || { unwatch >/dev/null; return 1; }
	t1=$(now)
	sleep 6
	echo "xm round $r: guest oopses after the migration: $(grep -ac 'BUG\|Oops' "$dcon")" >&2
	local qdown
	qdown=$(hosts_xm 2 list -l "$name" | tr -d '\n' | grep -oE '\(downtime_ms -?[0-9]+\)' | grep -oE -- '-?[0-9]+')
	echo "completed $(echo "($t1 - $t0) * 1000 / 1" | bc) ${qdown:--1} $(unwatch)"
	hosts_xm 2 destroy "$name"
}

echo "rounds: $ROUNDS; guest $MEM MiB; downtime-limit 100 ms"
bare_tot=() bare_stream=() bare_down=() bare_gap=() xm_tot=() xm_down=() xm_gap=()
for r in $(seq 1 "$ROUNDS"); do
	read -r st stream down _ _ tot gap <<<"$(bare_round "$r")"
	echo "bare QEMU round $r: $st total ${tot} ms (QEMU's stream ${stream} ms), QEMU downtime ${down} ms, guest's longest tick gap ${gap} ms"
	[ "$st" = completed ] && bare_tot+=("$tot") && bare_stream+=("$stream") &&
		bare_down+=("$down") && bare_gap+=("$gap")
	if read -r st tot down gap <<<"$(xm_round "$r")" && [ "$st" = completed ]; then
		echo "xm migrate round $r: total ${tot} ms, QEMU downtime ${down} ms, guest's longest tick gap ${gap} ms"
		xm_tot+=("$tot"); xm_down+=("$down"); xm_gap+=("$gap")
	else
		echo "xm migrate round $r: failed"
	fi
done

med() { [ $# -gt 0 ] && printf '%s\n' "$@" | median || echo "-"; }
bt=$(med "${bare_tot[@]}"); bs=$(med "${bare_stream[@]}"); bd=$(med "${bare_down[@]}")
bg=$(med "${bare_gap[@]}")
xt=$(med "${xm_tot[@]}"); xd=$(med "${xm_down[@]}"); xg=$(med "${xm_gap[@]}")
ratio="-"
[ "$bt" != "-" ] && [ "$xt" != "-" ] && ratio=$(echo "scale=2; $xt / $bt" | bc)
cat <<EOF

| measure (median of $ROUNDS) | xm migrate --live | bare QEMU | ratio | target |
|---|---|---|---|---|
| total time (ms): command to guest running on the destination | $xt | $bt | $ratio | <= 1.2 |
| ... of which QEMU's own stream (bare, QEMU's total-time) | | $bs | | |
| QEMU-reported downtime (ms) | $xd | $bd | | <= 100 |
| guest's longest console-tick gap (ms; ticks every 100) | $xg | $bg | | |

raw: bare total ${bare_tot[*]:-}; bare stream ${bare_stream[*]:-}; bare downtime ${bare_down[*]:-}; bare tick gap ${bare_gap[*]:-}
     xm total ${xm_tot[*]:-}; xm downtime ${xm_down[*]:-}; xm tick gap ${xm_gap[*]:-}
EOF

# ---- save and restore ---------------------------------------------------------
memcpy=$(dd if=/dev/zero of=/dev/null bs=1M count=4096 2>&1 | awk '/copied/ { print $(NF-1), $NF }')
if hosts_xm 1 help save >/dev/null 2>&1; then
	hosts_xm 1 create -q "$CFG" $GARGS name=saved || exit 1
	wait_text "$(hosts_root 1)/var/log/xen/console/saved.log" 'guest:~#' 90
	f="$D/saved.chk"
	t0=$(now); hosts_xm 1 save saved "$f"; t1=$(now)
	size=$(stat -c %s "$f")
	t2=$(now); hosts_xm 1 restore "$f"; t3=$(now)
	hosts_xm 1 destroy saved
	st=$(echo "$t1 - $t0" | bc); rt=$(echo "$t3 - $t2" | bc)
	cat <<-EOF

	| save/restore of a $MEM MiB guest | time (s) | file (MiB) | throughput (MiB/s) |
	|---|---|---|---|
	| xm save | $st | $((size >> 20)) | $(echo "scale=1; $size / 1048576 / $st" | bc) |
	| xm restore | $rt | $((size >> 20)) | $(echo "scale=1; $size / 1048576 / $rt" | bc) |
	| host memory copy (dd /dev/zero to /dev/null, 1 MiB blocks) | | | $memcpy |
	EOF
else
	echo "xm save is not available in this build; host memory copy: $memcpy"
fi
