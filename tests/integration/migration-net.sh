#!/bin/bash
# migration-net.sh: networking follows a live-migrated guest. Three
# "hosts" (network namespaces on one test switch, each with its own xend
# and xenbr0, lib-hosts.sh); the default guest runs on h1 with a vif on
# xenbr0 with a fixed MAC, an address in the hosts' subnet set at its
# console, and a console counter. After `xm migrate --live` to h2 it keeps
# counting there; h2's vif-bridge made its tap in h2's xenbr0; the MAC is
# the same in xm network-list and in the guest; its address is unchanged;
# the announcement moved the MAC to h2's port of the switch before any
# traffic; it answers ping from h3 and h1 through h2's tap; h1 has no tap,
# monitor, domain or backend left. A second NIC attached at run time, with
# a MAC xend made, follows as well. Then back from h2 to h1, the same
# checks once more.
# Needs root, qemu-system-x86_64, iproute2 (ip, bridge) and the default
# guest; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue bridge
BOOT=120	# seconds a boot or a console answer may take (TCG, busy host)

D=$(mktemp -d /tmp/migration-net.XXXXXX)
export XEND_XENHV="$BUILD/hypervisor/xenhv"
export PATH="$BUILD/xenstore:$PATH"
hosts_harness "$D" 1200

NAME=gn
MAC=00:16:3e:4e:77:50
GIP=10.77.0.50
GUEST_ARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img name=$NAME"
# the console counter alone: this test is about the network, not about
# dirtying memory (QEMU 7.2 under TCG, docs/BENCHMARKS.md "Known defect")
COUNTER='(i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 100000; done) &'

row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
# runs I: the guest is on host I once, and not paused.
runs() {
	local s
	[ "$(row "$1" $NAME | wc -l)" = 1 ] || return 1
	s=$(row "$1" $NAME | awk '{ print $5 }')
	case "$s" in ""|*p*|*s*|*c*|*d*) return 1 ;; esac
}
where() {
	local i w=""
	for i in 1 2 3; do [ -n "$(row $i $NAME)" ] && w="$w $i"; done
	echo "${w# }"
}
con() { hosts_console_log "$1" $NAME; }
counting() {
	hosts_counts_past "$(con "$1")" $(( $(hosts_last_tick "$(con "$1")") + 5 ))
}
monitors() { ls "$(hosts_root "$1")/var/run/xen/xenhv" 2>/dev/null | wc -l; }
# taps I: host I's vif interfaces, one a line.
taps() { hosts_exec "$1" ls /sys/class/net | grep '^vif' ; }
domid() { hosts_xm "$1" domid $NAME 2>/dev/null; }
# hxs I CMD ARGS...: a xenstore tool against host I's xenstored.
hxs() {
	local i=$1; shift
	XENSTORED_PATH="$(hosts_root "$i")/var/run/xenstored/socket" timeout 10 "$@"
}

# ask I LABEL COMMAND: runs COMMAND at the guest's shell on host I and
# prints what it printed after "LABEL=" (the typed line has "LABEL=$(",
# so it does not match).
ask() {
	local f m
	f=$(con "$1")
	m=$(wc -c <"$f" 2>/dev/null || echo 0)
	hosts_type "$1" $NAME "echo \"$2=\$($3)\""
	local end=$(( $(date +%s) + 60 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		tail -c +"$((m + 1))" "$f" | tr -d '\r' | grep -a "^$2=" | head -n 1 |
		    sed "s/^$2=//" | grep . && return 0
		sleep 0.2
	done
	return 1
}

# pings_from I: the guest answers ping from host I's namespace (a few
# tries, for ARP and the switch to settle).
pings_from() {
	local t
	for t in 1 2 3 4 5 6 7 8 9 10; do
		hosts_exec "$1" ping -q -n -c 1 -W 2 -w 3 $GIP >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

# vif_stat I DEV WHAT: a counter of host I's interface DEV.
vif_stat() {
	hosts_exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null || echo 0
}

# switch_port MAC: the switch port (host number) that learnt MAC.
switch_port() {
	ip netns exec "${HOSTS_PREFIX}sw" bridge fdb show br br0 2>/dev/null |
	    awk -v m="$1" -v p="${HOSTS_PREFIX}p" '$1 == m && index($3, p) == 1 {
	    print substr($3, length(p) + 1); exit }'
}
not_grep() { ! grep -q "$@"; }
port_is() { [ "$(switch_port "$1")" = "$2" ]; }

hosts_setup 3 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
for i in 1 2 3; do
	# the hosts' xenbr0 exists already (lib-hosts.sh): no network-script
	hosts_config $i "(xend-scripts-path $SRC/scripts)
(device-create-timeout 60)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
	run hosts_start $i
	is "host $i: xend starts" "$rc $err" "0 "
done

# ---- on h1 -----------------------------------------------------------------------
sed "s/^vif = \\[\\]\$/vif = ['bridge=xenbr0, mac=$MAC']/" "$CFG" >"$D/$NAME.cfg"
run hosts_xm 1 create -q "$D/$NAME.cfg" $GUEST_ARGS
is "h1: $NAME created with a vif on xenbr0, MAC $MAC" "$rc $err" "0 "
id1=$(domid 1)
ok "... its tap vif$id1.0 is in h1's xenbr0" \
    test "$(hosts_exec 1 basename "$(hosts_exec 1 readlink /sys/class/net/vif$id1.0/master)")" = xenbr0
ok "... boots to its shell" hosts_wait_text "$(con 1)" 'guest:~#' $BOOT
hosts_type 1 $NAME "ip addr add $GIP/24 dev eth0; ip link set eth0 up; $COUNTER"
ok "... counts on its console" hosts_wait_text "$(con 1)" 'tick 20' $BOOT
is "... its eth0 has MAC $MAC" "$(ask 1 MAC 'cat /sys/class/net/eth0/address')" $MAC
is "... and address $GIP/24" "$(ask 1 IP "ip -4 addr show dev eth0 | grep -o 'inet [0-9./]*'")" \
    "inet $GIP/24"
ok "it answers ping from h2" pings_from 2
is "... h2 learnt its MAC" \
    "$(hosts_exec 2 ip neigh show $GIP | grep -o 'lladdr [0-9a-f:]*')" "lladdr $MAC"
is "... the switch has its MAC on h1's port" "$(switch_port $MAC)" 1

# a second NIC, attached at run time, its MAC made by xend: it must
# follow the guest too (without an address: one per subnet is enough)
run hosts_xm 1 network-attach $NAME bridge=xenbr0
is "network-attach a second NIC (a generated MAC)" "$rc $err" "0 "
MAC2=$(hosts_xm 1 network-list $NAME | awk 'NR > 1 && $1 == 1 { print $3 }')
like "... xend made its MAC" "$MAC2" '^00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$'
is "... the guest has it as eth1" "$(ask 1 MAC1 'cat /sys/class/net/eth1/address')" "$MAC2"
NICS="0 $MAC 4
1 $MAC2 4"

# migrate I J: the live migration of the guest from host I to host J, and
# the checks on both.
migrate() {
	local i=$1 j=$2 k=$3 idj before tx mark_hp mark_hv n
	mark_hp=$(cat "$(hosts_root $j)/var/log/xen/xen-hotplug.log" 2>/dev/null | wc -c)
	mark_hv=$(cat "$(hosts_root $j)/var/log/xen/xenhv-$NAME.log" 2>/dev/null | wc -c)
	run hosts_xm $i migrate --live $NAME "$(hosts_ip $j)"
	is "h$i to h$j: xm migrate --live succeeds" "$rc $err" "0 "
	is "... the guest is on h$j only" "$(where)" "$j"
	ok "... and runs there" runs $j
	before=$(hosts_last_tick "$(con $i)")
	ok "... it keeps counting on h$j from where it stopped (tick $before)" \
	    hosts_counts_past "$(con $j)" $((before + 10))

	ok "... with no oops on its console" not_grep -aE 'Oops|BUG:|Kernel panic' "$(con $j)"

	# the vif on the destination
	idj=$(domid $j)
	is "... h$j has two taps, vif$idj.0 and vif$idj.1" "$(taps $j)" "vif$idj.0
vif$idj.1"
	for n in 0 1; do
		ok "... vif$idj.$n is a tap (tun_flags)" \
		    hosts_exec $j test -e "/sys/class/net/vif$idj.$n/tun_flags"
		is "... enslaved to h$j's xenbr0" "$(hosts_exec $j basename \
		    "$(hosts_exec $j readlink /sys/class/net/vif$idj.$n/master)")" xenbr0
		ok "... by h$j's vif-bridge" grep -q \
		    "Successful vif-bridge online for vif$idj.$n, bridge xenbr0" \
		    <(tail -c +"$((mark_hp + 1))" "$(hosts_root $j)/var/log/xen/xen-hotplug.log")
	done
	run hosts_xm $j network-list $NAME
	is "... h$j's xm network-list: both NICs, the same MACs, connected (4)" \
	    "$(awk 'NR > 1 { print $1, $3, $5 }' "$D/out")" "$NICS"
	is "... h$j's xenstore backend: the MAC, the bridge, connected" \
	    "$(hxs $j xenstore-read /local/domain/0/backend/vif/$idj/0/mac \
	    /local/domain/0/backend/vif/$idj/0/bridge \
	    /local/domain/0/backend/vif/$idj/0/hotplug-status 2>&1)" "$MAC
xenbr0
connected"

	# announced: the switch moves the MAC to h(j)'s port with no traffic of
	# ours (QEMU announces by itself when the stream is loaded, and again
	# when the monitor asks it to, on the first RESUME)
	ok "... h$j's monitor had QEMU announce it" grep -q \
	    "announcing the guest's network addresses" \
	    <(tail -c +"$((mark_hv + 1))" "$(hosts_root $j)/var/log/xen/xenhv-$NAME.log")
	ok "... the switch learnt the MAC on h$j's port, before any traffic of ours" \
	    wait_until 20 port_is $MAC $j

	# the guest's own view
	is "... the guest's eth0 still has MAC $MAC" \
	    "$(ask $j MAC 'cat /sys/class/net/eth0/address')" $MAC
	is "... its eth1 still $MAC2" "$(ask $j MAC1 'cat /sys/class/net/eth1/address')" "$MAC2"
	is "... and address $GIP/24" \
	    "$(ask $j IP "ip -4 addr show dev eth0 | grep -o 'inet [0-9./]*'")" "inet $GIP/24"

	# traffic through the destination's tap
	tx=$(vif_stat $j vif$idj.0 tx_packets)
	ok "... it answers ping from h$k" pings_from $k
	ok "... through h$j's tap (its tx counter moved)" \
	    test "$(vif_stat $j vif$idj.0 tx_packets)" -gt "$tx"
	ok "... and from h$i, its old host" pings_from $i
	is "... h$k sees the same MAC for $GIP" \
	    "$(hosts_exec $k ip neigh show $GIP | grep -o 'lladdr [0-9a-f:]*')" "lladdr $MAC"

	# nothing left on the source
	is "... h$i has no tap left" "$(taps $i)" ""
	is "... no monitor" "$(monitors $i)" 0
	is "... no domain" "$(hosts_domains $i)" ""
	is "... no vif backend in its xenstore" \
	    "$(hxs $i xenstore-ls /local/domain/0/backend/vif 2>/dev/null)" ""
}

migrate 1 2 3
# a second migration of the same guest, back where it started
migrate 2 1 3

# ---- a destination without the guest's bridge ----------------------------------------
# A third NIC on a bridge only h1 has: h3 refuses the guest when it reads
# the header, before anything is sent or started there; the guest stays on
# h1, running, reachable; h3 keeps nothing.
hosts_exec 1 ip link add xenbr9 type bridge
hosts_exec 1 ip link set xenbr9 up
run hosts_xm 1 network-attach $NAME bridge=xenbr9
is "network-attach a third NIC on xenbr9, a bridge only h1 has" "$rc $err" "0 "
run hosts_xm 1 migrate --live $NAME "$(hosts_ip 3)"
is "h1 to h3 (no xenbr9 there): xm migrate fails" "$rc" 1
like "... h3 says why" "$err" \
    "cannot receive domain '$NAME': vif 2: bridge xenbr9 does not exist on this host \(from 10\.77\.0\.3\)"
ok "... before it started anything (no monitor log, no hotplug script run)" \
    test ! -e "$(hosts_root 3)/var/log/xen/xenhv-$NAME.log" -a \
    ! -e "$(hosts_root 3)/var/log/xen/xen-hotplug.log"
is "... the guest is on h1 only" "$(where)" 1
ok "... runs there" runs 1
ok "... and counts" counting 1
ok "... it answers ping from h3" pings_from 3
is "... h3 has no tap" "$(taps 3)" ""
is "... no monitor" "$(monitors 3)" 0
run hosts_xm 1 network-list $NAME
is "... h1 still has its three NICs" "$(awk 'NR > 1 { print $1, $5 }' "$D/out")" "0 4
1 4
2 4"

run hosts_xm 1 destroy $NAME
is "$NAME destroyed" "$rc" 0
is "... h1 has no tap left" "$(taps 1)" ""
done_testing
