#!/usr/bin/env bash
# cluster.sh: failover and cluster-driven live migration of a guest, side
# by side in one run on the same three-node Pacemaker/Corosync cluster
# (tests/integration/lib-cluster.sh: nodes are namespaces, a fourth one
# serves the disks over NBD, fence_testns powers a lost node off): the
# guest as an ocf:heartbeat:Xen resource (xm, xend, xenhv), versus the
# same guest (kernel, initrd, 128 MiB, one vCPU, TCG, q35, a disk over
# NBD, a virtio NIC on xenbr0) as an ocf:heartbeat:VirtualDomain resource
# of a private libvirtd in each node (bench/libvirt.sh: migration over
# qemu+tcp between the nodes' test addresses). Same resource operations
# (monitor every 5 s), same corosync token (2 s), one guest running at a
# time; rounds alternate which stack goes first.
#
# The guest "answers" when its serial console shows it, in the console
# log each stack keeps on each node (xend's console/NAME.log; the
# <log file> of libvirt's serial pty, written by QEMU itself):
#   - migration: from `crm_resource --move` to the target's migrate_from
#     done (from then pacemaker has the resource started there) and the
#     guest's console counter (typed at its shell before: "tick N" every
#     100 ms) ticking in the target's log, whichever comes last; also
#     printed: until the cluster is idle (the source's stop done);
#   - failover: from the guest's node powered off (every process of its
#     namespaces killed, as fence_testns does) to the freshly booted
#     guest's shell prompt in its console log on the node it restarted on;
#     also printed: when the fencing was seen done and the start on the
#     new node returned. The guest is then made to answer a typed command,
#     and the node comes back (cluster_revive) for the next round.
# Console logs and the nodes' pacemaker.log (fencing done, start or
# migrate_from done) are watched by background pollers every 0.1 s; the
# cluster's idleness by crm_mon.
#
# Usage: bench/cluster.sh [BUILDDIR]   (default _build/main); ROUNDS=N (3)
# Runs as root; needs corosync, pacemaker, resource-agents, nbd-server,
# libvirt-daemon(-driver-qemu), libvirt-clients. Everything it starts runs
# in the nodes' namespaces and is stopped by pid; it writes only under its
# temporary directory.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
ROUNDS=${ROUNDS:-3}
XM=$B/xm/xm
XEND=$B/xend/xend
top_builddir=$B
top_srcdir=$top
SRC=$top
BUILD=$B
GUEST=${XEN_GUEST_DIR:-/usr/share/xen/guest}
export XEND_XENHV=$B/hypervisor/xenhv
# the block script answers through the build tree's xenstore tools
export PATH="$B/xenstore:$PATH"
export LC_ALL=C
unset XEND_CONFIG XM_TIMEOUT XEND_TEST_EXIT_AT XENSTORE_RESTRICT

. "$top/tests/lib.sh"
. "$top/tests/integration/lib-hosts.sh"
. "$top/tests/integration/lib-cluster.sh"
. "$top/bench/libvirt.sh"

for f in "$XM" "$XEND" "$XEND_XENHV" "$GUEST/vmlinuz" \
    /usr/lib/ocf/resource.d/heartbeat/Xen /usr/lib/ocf/resource.d/heartbeat/VirtualDomain; do
	[ -e "$f" ] || { echo "cluster: missing $f" >&2; exit 1; }
done
for c in corosync pacemakerd nbd-server libvirtd virsh nsenter unshare bc; do
	command -v "$c" >/dev/null || { echo "cluster: $c is not installed" >&2; exit 1; }
done
[ -x "$HOSTS_XC_TOOL" ] || make -C "$B" tests/tools/xc-tool >/dev/null

BOOT=120	# seconds a boot, a move or a failover may take
D=$(mktemp -d /tmp/bench-cluster.XXXXXX)
chmod 0755 "$D"
hosts_harness "$D" $((900 + ROUNDS * 600))
trap 'for p in $(cat "$D/stamps" 2>/dev/null); do kill "$p" 2>/dev/null; done; cluster_cleanup
[ -n "${KEEP:-}" ] || rm -rf "$D"' EXIT

now() { date +%s.%N; }
secs() { echo "scale=1; ($2 - $1) / 1" | bc; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
fail() { echo "cluster: $*" >&2; exit 1; }

# ---- the two stacks: names, console logs, typing -----------------------------
# S is "xen" or "lv": its resource, guest and console log on node i.
rsc() { [ "$1" = xen ] && echo vm1 || echo vmlv; }
conlog() {
	if [ "$1" = xen ]; then hosts_console_log "$2" vm1
	else echo "$(hosts_root "$2")/log/libvirt/vmlv-serial.log"; fi
}
size() { stat -c %s "$(conlog "$@")" 2>/dev/null || echo 0; }
# after S i OFF: the log past byte OFF (all of it if it was started anew).
after() {
	local f off=$3
	f=$(conlog "$1" "$2")
	[ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -lt "$off" ] && off=0
	tail -c +$((off + 1)) "$f" 2>/dev/null
}
answers() { after "$1" "$2" "$3" | grep -aEq "$4"; }
ticks_past() {
	[ "$(after "$1" "$2" "$3" | grep -aoE 'tick [0-9]+' |
		awk '$2 > m { m = $2 } END { print m + 0 }')" -gt "$4" ]
}
last_tick() { hosts_last_tick "$(conlog "$@")"; }
# type S i TEXT: a line typed at the guest's serial console on node i.
type_at() {
	local pty
	if [ "$1" = xen ]; then hosts_type "$2" vm1 "$3"; return; fi
	pty=$(cluster_exec "$2" virsh -c qemu:///system ttyconsole vmlv 2>/dev/null)
	[ -c "$pty" ] || return 1
	{ printf '%s\r' "$3"; sleep 1; } >"$pty"
}
# says S i TEXT REGEX: types TEXT until REGEX answers (a minute at most).
says() {
	local t off
	for t in 1 2 3 4 5 6; do
		off=$(size "$1" "$2")
		type_at "$1" "$2" "$3"
		wait_until 10 answers "$1" "$2" "$off" "$4" && return 0
	done
	return 1
}

# stamp OUT CMD...: in the background, CMD every 0.1 s until it succeeds,
# then the time goes to OUT; unstamp stops them all (pids in $D/stamps).
stamp() {
	local out=$1; shift
	rm -f "$out"
	( while ! "$@"; do sleep 0.1; done; now >"$out" ) </dev/null >/dev/null 2>&1 &
	echo "$!" >>"$D/stamps"
}
unstamp() {
	local p
	for p in $(cat "$D/stamps" 2>/dev/null); do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	: >"$D/stamps"
}

# ---- the cluster --------------------------------------------------------------
echo "setting up 3 nodes and a storage host under $D ..."
cluster_setup 3 "$D" || fail "cannot make the nodes"
truncate -s 16M "$D/vm1.img" "$D/vmlv.img"
cluster_nbd disk1 "$D/vm1.img"
cluster_nbd disk2 "$D/vmlv.img"
cluster_nbd_start || fail "nbd-server does not start"
node_up() {
	lv_node_setup "$1" && lv_node_start "$1" && cluster_start "$1"
}
for i in 1 2 3; do node_up $i || fail "h$i does not start"; done
cluster_quorate 3 1 || fail "the cluster does not form"
cluster_fencing 1 "$D" || fail "fencing cannot be configured"

cluster_guest_cfg vm1 "$(cluster_nbd_uri disk1)" 00:16:3e:4e:77:61 10.77.0.61 >"$D/vm1.cfg"
lv_guest_xml vmlv 128 "" "
    <disk type='network' device='disk'><driver name='qemu' type='raw'/>
      <source protocol='nbd' name='disk2'><host name='$(hosts_ip 4)' port='$CLUSTER_NBD_PORT'/></source>
      <target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='00:16:3e:4e:77:62'/><source bridge='xenbr0'/>
      <model type='virtio'/></interface>
    <serial type='pty'><log file='/var/log/libvirt/vmlv-serial.log' append='on'/></serial>
  " "ip=10.77.0.62:127.0.255.255::255.255.255.0:::off" >"$D/vmlv.xml"
# each stopped until its turn
cluster_exec 1 cibadmin --create -o resources --xml-text \
	"$(cluster_xen_rsc vm1 "$D/vm1.cfg" meta:target-role=Stopped)" || fail "cannot add vm1"
cluster_exec 1 cibadmin --create -o resources --xml-text "$(cluster_guest_rsc vmlv VirtualDomain \
	config="$D/vmlv.xml" hypervisor=qemu:///system migration_transport=tcp \
	migrateuri=tcp://%n:49152 force_stop=true meta:target-role=Stopped)" || fail "cannot add vmlv"

ALIVE="1 2 3"
q() { echo $ALIVE | cut -d' ' -f1; }	# the node asked about the cluster
role() { cluster_exec "$(q)" crm_resource -r "$1" --meta -p target-role -v "$2" >/dev/null 2>&1; }
located() { cluster_located "$(q)" "$1"; }
on_one() { local l; l=$(located "$1"); [ -n "$l" ] && [ "$(echo "$l" | wc -l)" = 1 ] && cluster_settled "$(q)" "$1" "$l"; }
gone() { [ -z "$(located "$1")" ]; }

# up S: the guest started, booted to its shell, its counter ticking;
# prints the node (its number).
up() {
	local s=$1 r a i
	local -a off
	r=$(rsc "$s")
	for i in 1 2 3; do off[$i]=$(size "$s" $i); done
	role "$r" Started
	wait_until $BOOT on_one "$r" || { cluster_mon "$(q)" | sed 's/^/# /' >&2; return 1; }
	a=$(located "$r"); a=${a#h}
	wait_until $BOOT answers "$s" "$a" "${off[$a]}" 'guest:~#' || return 1
	says "$s" "$a" '(i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 100000; done) &' 'tick [0-9]' || return 1
	echo "$a"
}

# logged i OFF TEXT: node i's pacemaker.log has TEXT past byte OFF.
plog() { echo "$(hosts_root "$1")/log/pacemaker/pacemaker.log"; }
plog_size() { stat -c %s "$(plog "$1")" 2>/dev/null || echo 0; }
logged() { tail -c +$(($2 + 1)) "$(plog "$1")" 2>/dev/null | grep -aqF "$3"; }

# migrate S a: crm_resource --move to the next node; prints "MF ANS IDLE b"
# (seconds from the command: migrate_from done on the target, which is
# then where pacemaker has the resource started; the console ticking
# there; the cluster idle, the source's stop done; the target).
migrate() {
	local s=$1 a=$2 r b n t0 ti=""
	r=$(rsc "$s")
	b=$(( a % 3 + 1 ))
	n=$(last_tick "$s" "$a")
	stamp "$D/t.ans" ticks_past "$s" "$b" "$(size "$s" "$b")" "$n"
	stamp "$D/t.mf" logged "$b" "$(plog_size "$b")" "Result of migrate_from operation for $r on h$b: ok"
	t0=$(now)
	cluster_exec "$(q)" crm_resource --move -r "$r" -N "h$b" >/dev/null 2>&1 || { unstamp; return 1; }
	wait_until $BOOT cluster_settled "$(q)" "$r" "h$b" && ti=$(now)
	wait_until 30 test -s "$D/t.ans"
	unstamp
	cluster_exec "$(q)" crm_resource --clear -r "$r" >/dev/null 2>&1
	[ -n "$ti" ] && [ -s "$D/t.ans" ] && [ -s "$D/t.mf" ] || return 1
	grep -q "Result of migrate_to operation for $r on h$a: ok" "$(plog "$a")" ||
		{ echo "not live" >&2; return 1; }
	echo "$(secs "$t0" "$(cat "$D/t.mf")") $(secs "$t0" "$(cat "$D/t.ans")") $(secs "$t0" "$ti") $b"
}

# failover S a: node a powered off; prints "FENCED STARTED ANS e" (seconds
# from the power-off: fencing seen done, the start on the new node done,
# the new guest's shell prompt in its console log there; the new node).
failover() {
	local s=$1 a=$2 r i t0 e m
	r=$(rsc "$s")
	for i in $ALIVE; do
		stamp "$D/t.ans$i" answers "$s" "$i" "$(size "$s" "$i")" 'guest:~#'
		stamp "$D/t.st$i" logged "$i" "$(plog_size "$i")" "Result of start operation for $r on h$i: ok"
	done
	stamp "$D/t.fen" logged "$(q)" "$(plog_size "$(q)")" "Operation 'off' targeting h$a by "
	t0=$(now)
	hosts_power_off "$a" || { unstamp; return 1; }
	elsewhere() { local l; l=$(located "$r"); [ -n "$l" ] && [ "$l" != "h$a" ] && [ "$(echo "$l" | wc -l)" = 1 ]; }
	wait_until $BOOT elsewhere
	e=$(located "$r"); e=${e#h}
	wait_until $BOOT test -s "$D/t.ans$e" -a -s "$D/t.st$e" -a -s "$D/t.fen"
	unstamp
	[ -s "$D/t.fen" ] && [ -s "$D/t.ans$e" ] && [ -s "$D/t.st$e" ] || return 1
	m="M$RANDOM"
	says "$s" "$e" "echo $m=\$((40+2))" "$m=42" || { echo "no answer on h$e" >&2; return 1; }
	echo "$(secs "$t0" "$(cat "$D/t.fen")") $(secs "$t0" "$(cat "$D/t.st$e")") $(secs "$t0" "$(cat "$D/t.ans$e")") $e"
}

# revive a: the powered-off node back, the cluster whole, RSC where it is.
revive() {
	local a=$1 r=$2 e
	e=$(located "$r")
	cluster_revive "$a" && node_up "$a" || return 1
	ALIVE="1 2 3"
	cluster_quorate 3 "$(q)" 180 && wait_until $BOOT cluster_settled "$(q)" "$r" "$e"
}

# down S: its resource stopped.
down() {
	role "$(rsc "$1")" Stopped
	wait_until $BOOT gone "$(rsc "$1")"
}

declare -A MIG MANS MIDLE FFEN FLOC FANS
round() {
	local s=$1 k=$2 a res e
	a=$(up "$s") || { echo "$s round $k: the guest does not start" >&2; return 1; }
	if res=$(migrate "$s" "$a"); then
		read -r l an id b <<<"$res"
		echo "$s round $k: move h$a -> h$b: migrate_from done ${l} s, console ticking there ${an} s, cluster idle ${id} s"
		MIG[$s]="${MIG[$s]:-} $l"; MANS[$s]="${MANS[$s]:-} $an"; MIDLE[$s]="${MIDLE[$s]:-} $id"
		a=$b
	else
		echo "$s round $k: move failed"; cluster_mon "$(q)" | sed 's/^/# /'
		a=$(located "$(rsc "$s")"); a=${a#h}
	fi
	# the cluster is asked through the nodes left
	ALIVE=$(echo 1 2 3 | tr ' ' '\n' | grep -vx "$a" | tr '\n' ' ')
	if res=$(failover "$s" "$a"); then
		read -r f l an e <<<"$res"
		echo "$s round $k: h$a powered off: fenced ${f} s, started on h$e ${l} s, console prompt there ${an} s"
		FFEN[$s]="${FFEN[$s]:-} $f"; FLOC[$s]="${FLOC[$s]:-} $l"; FANS[$s]="${FANS[$s]:-} $an"
	else
		echo "$s round $k: failover failed"; cluster_mon "$(q)" | sed 's/^/# /'
	fi
	revive "$a" "$(rsc "$s")" || fail "h$a does not come back"
	down "$s" || fail "$(rsc "$s") does not stop"
}

echo "rounds: $ROUNDS; guest 128 MiB, 1 vCPU, TCG; corosync token ${CLUSTER_TOKEN:-2000} ms; monitor 5 s"
for k in $(seq 1 "$ROUNDS"); do
	if [ $((k % 2)) = 1 ]; then round xen "$k"; round lv "$k"
	else round lv "$k"; round xen "$k"; fi
done

med() { [ -n "$1" ] && printf '%s\n' $1 | median || echo "-"; }
ratio() { [ "$1" != - ] && [ "$2" != - ] && echo "scale=2; $1 / $2" | bc || echo "-"; }
line() {
	local x v
	x=$(med "$2"); v=$(med "$3")
	echo "| $1 | $x | $v | $(ratio "$x" "$v") | $4 |"
}
cat <<EOF

| median of $ROUNDS, seconds | ocf:heartbeat:Xen (xm, xend) | ocf:heartbeat:VirtualDomain (libvirt) | ratio | target |
|---|---|---|---|---|
$(line "move: command to migrate_from done on the target" "${MIG[xen]:-}" "${MIG[lv]:-}" "")
$(line "move: command to console ticking on the target" "${MANS[xen]:-}" "${MANS[lv]:-}" "")
$(line "**move: command to started on the target and answering**" "$(paste -d' ' <(printf '%s\n' ${MIG[xen]:-}) <(printf '%s\n' ${MANS[xen]:-}) | awk '{print ($1 > $2) ? $1 : $2}')" "$(paste -d' ' <(printf '%s\n' ${MIG[lv]:-}) <(printf '%s\n' ${MANS[lv]:-}) | awk '{print ($1 > $2) ? $1 : $2}')" "<= 1.0")
$(line "move: command to cluster idle (source stopped)" "${MIDLE[xen]:-}" "${MIDLE[lv]:-}" "")
$(line "failover: power-off to fencing seen done" "${FFEN[xen]:-}" "${FFEN[lv]:-}" "")
$(line "failover: power-off to start done on the new node" "${FLOC[xen]:-}" "${FLOC[lv]:-}" "")
$(line "**failover: power-off to console prompt on the new node**" "${FANS[xen]:-}" "${FANS[lv]:-}" "<= 1.0")

raw: xen move migrate_from${MIG[xen]:-} / ticking${MANS[xen]:-} / idle${MIDLE[xen]:-}
     lv  move migrate_from${MIG[lv]:-} / ticking${MANS[lv]:-} / idle${MIDLE[lv]:-}
     xen failover fenced${FFEN[xen]:-} / started${FLOC[xen]:-} / prompt${FANS[xen]:-}
     lv  failover fenced${FFEN[lv]:-} / started${FLOC[lv]:-} / prompt${FANS[lv]:-}
reproduce: ROUNDS=$ROUNDS bench/cluster.sh $B
EOF
