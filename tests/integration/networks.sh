#!/bin/bash
# networks.sh: virtual networks with real guests, xend and everything it
# runs inside a network namespace of this test's own: network-bridge makes
# xenbr0 (and is idempotent); two guests on it ping each other and dom0; a
# routed guest (vif-route) reaches dom0 and, with ip=, sends from no
# other address; a NIC attached at run time
# appears in the guest and carries traffic, and goes again on detach;
# xm network-list and list -l show the vifs; xenstore holds Xen's backend
# and frontend directories with the hotplug scripts' answers, and keeps a
# domain's nodes from another domain's tools; a vif's rate= holds what the
# guest sends to that rate; destroying a guest removes its taps and nodes.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests

setup_root xnet
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 900)
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
xend_config "(network-script network-bridge)" "(device-create-timeout 60)"

NET=10.77.1	# the bridge's guests
RNET=10.77.2	# the routed guest and dom0's address for it
HNET=10.77.3	# the NIC attached at run time, on a second bridge
pings() {
	in_ns ping -q -c 3 -W 3 "$1" >/dev/null
}

# ---- the bridge ---------------------------------------------------------
run start_xend
is "xend starts in the namespace" "$rc $err" "0 "
ok "network-bridge made xenbr0 at xend start" \
    wait_until 30 in_ns test -d /sys/class/net/xenbr0/bridge
run in_ns env XEN_LOCK_DIR="$D/lock" XEN_HOTPLUG_LOG="$D/hotplug.log" \
    "$SCRIPTS/network-bridge" start
is "network-bridge start again: fine, nothing changes" "$rc" 0
is "... still one bridge" "$(in_ns sh -c 'ls -d /sys/class/net/*/bridge' | wc -l)" 1
in_ns ip addr add "$NET.1/24" dev xenbr0
# routed mode: dom0's address is the default route's device's (a veth
# pair plays the host's uplink)
in_ns ip link add up0 type veth peer name up1
in_ns ip addr add "$RNET.1/24" dev up0
in_ns ip link set up1 up
in_ns ip link set up0 up
in_ns ip route add default dev up0
in_ns ip link add xenbr1 type bridge
in_ns ip addr add "$HNET.1/24" dev xenbr1
in_ns ip link set xenbr1 up

# ---- guests ----------------------------------------------------------------
c1=$(guest_cfg n1 "vif = ['bridge=xenbr0, mac=00:16:3e:11:11:11']" \
    "ip = '$NET.2'" "netmask = '255.255.255.0'" "gateway = '$NET.1'")
c2=$(guest_cfg n2 "vif = ['bridge=xenbr0']" "ip = '$NET.3'" \
    "netmask = '255.255.255.0'" "gateway = '$NET.1'")
c3=$(guest_cfg n3 "vif = ['script=vif-route, ip=$RNET.2']" "ip = '$RNET.2'" \
    "netmask = '255.255.255.0'" "gateway = '$RNET.1'")
run xm create -q "$c1"
is "create n1 (a vif on xenbr0)" "$rc $err" "0 "
run xm create -q "$c2"
is "create n2 (a vif with a generated MAC)" "$rc $err" "0 "
run xm create -q "$c3"
is "create n3 (routed, vif-route)" "$rc $err" "0 "
id1=$(domid_of n1)
id2=$(domid_of n2)
id3=$(domid_of n3)
ok "n1's tap is vif$id1.0, in xenbr0" \
    test "$(in_ns basename "$(in_ns readlink "/sys/class/net/vif$id1.0/master")")" = xenbr0
ok "n2's tap is vif$id2.0, in xenbr0" \
    test "$(in_ns basename "$(in_ns readlink "/sys/class/net/vif$id2.0/master")")" = xenbr0
ok "n3's tap is in no bridge" in_ns test ! -e "/sys/class/net/vif$id3.0/master"
run in_ns ip -4 -o addr show dev "vif$id3.0"
like "... and has dom0's address for it" "$out" "inet $RNET.1/32"
run in_ns ip route show "$RNET.2"
like "... with a route to the guest through it" "$out" "dev vif$id3.0"

# xenstore: Xen's directories, answered by the scripts
be="/local/domain/0/backend/vif/$id1/0"
run xenstore-read "$be/hotplug-status" "$be/mac" "$be/bridge" "$be/frontend"
is "backend: hotplug-status connected, mac, bridge, frontend" "$out" "connected
00:16:3e:11:11:11
xenbr0
/local/domain/$id1/device/vif/0"
run xenstore-read "/local/domain/$id1/device/vif/0/backend" \
    "/local/domain/$id1/device/vif/0/state" "/local/domain/$id1/name"
is "frontend: backend path, state 4 (connected); the domain's name" "$out" "$be
4
n1"
mac2=$(xenstore-read "/local/domain/0/backend/vif/$id2/0/mac")
like "n2's MAC was made by xend: 00:16:3e, first byte at most 7f" "$mac2" \
    '^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$'
run env XENSTORE_RESTRICT="$id1" xenstore-read "/local/domain/$id1/name" "$be/mac"
is "n1's own tools read its nodes and its backend" "$rc $out" "0 n1
00:16:3e:11:11:11"
run env XENSTORE_RESTRICT="$id2" xenstore-read "/local/domain/$id1/name"
is "n2's tools cannot read n1's nodes" "$rc" 1
run env XENSTORE_RESTRICT="$id2" xenstore-read "$be/mac"
is "... nor n1's backend" "$rc" 1

# xm's views
run xm network-list n1
is "network-list: the classic header" "$(head -n 1 "$D/out")" \
    "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path"
is "network-list: the row, column by column" "$(sed -n 2p "$D/out")" \
    "$(printf '%-3d %-3d%-17s    %-3d   %-3d    %-3d   %-5d/%-5d   %-30s  ' \
    0 0 00:16:3e:11:11:11 0 4 -1 -1 -1 "$be")"
run xm network-list -l n1
is "network-list -l: each device as (devid (key value) ...)" \
    "$(head -n 1 "$D/out")|$(grep -c '(mac 00:16:3e:11:11:11)' "$D/out")" "(0|1"
run xm list -l n2
like "list -l: (device (vif ...)) with the MAC kept in the config" "$out" \
    "\(device \(vif \(bridge xenbr0\) \(mac $mac2\)"

# traffic
ok "n1 boots" booted n1
ok "n2 boots" booted n2
ok "n3 boots" booted n3
ok "n1 pings n2 over xenbr0" guest_ok n1 PEER "ping -c 2 -W 3 $NET.3"
ok "n2 pings dom0" guest_ok n2 DOM0 "ping -c 2 -W 3 $NET.1"
ok "dom0 pings n1" pings "$NET.2"
ok "the routed guest reaches dom0" guest_ok n3 ROUTED "ping -c 2 -W 3 $RNET.1"
ok "dom0 reaches the routed guest" pings "$RNET.2"
if command -v nft >/dev/null; then
	rchain="vif_vif${id3}_0"
	rdrops() {
		in_ns nft list chain inet xen "$rchain" 2>/dev/null |
		    awk '/drop/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
	}
	ok "ip=: the routed guest's anti-spoofing chain is there" \
	    in_ns nft list chain inet xen "$rchain"
	r0=$(rdrops)
	ok "... from another address ($RNET.99) n3 does not reach dom0" guest_ok n3 RSPOOF \
	    "ip addr add $RNET.99/24 dev eth0 && ! ping -c 2 -W 2 -I $RNET.99 $RNET.1; ip addr del $RNET.99/24 dev eth0"
	ok "... its packets were dropped before routing ($r0 -> $(rdrops))" test "$(rdrops)" -gt "$r0"
	ok "... and from its own it still does" guest_ok n3 RAGAIN "ping -c 2 -W 3 $RNET.1"
else
	skip "ip=: routed anti-spoofing" "nft (nftables) is not installed"
fi

# ---- a NIC attached at run time ------------------------------------------------
run xm network-attach n1 bridge=xenbr1 mac=00:16:3e:22:22:22
is "network-attach n1 bridge=xenbr1" "$rc $err" "0 "
ok "... its tap vif$id1.1 is in xenbr1" \
    test "$(in_ns basename "$(in_ns readlink "/sys/class/net/vif$id1.1/master")")" = xenbr1
run xm network-list n1
is "network-list shows both" "$(awk 'NR > 1 { print $1, $3 }' "$D/out")" \
    "0 00:16:3e:11:11:11
1 00:16:3e:22:22:22"
ok "the guest sees a new NIC with that MAC" guest_ok n1 NEWNIC \
    "grep -qx 00:16:3e:22:22:22 /sys/class/net/eth1/address"
guest_ok n1 UP "ip addr add $HNET.2/24 dev eth1 && ip link set eth1 up" >/dev/null
before=$(in_ns cat "/sys/class/net/vif$id1.1/statistics/rx_packets")
ok "dom0 pings the new NIC's address (a subnet only it has)" pings "$HNET.2"
after=$(in_ns cat "/sys/class/net/vif$id1.1/statistics/rx_packets")
ok "... and the answers came through its tap" test "$after" -ge $((before + 3))
run xm network-detach n1 00:16:3e:22:22:22
is "network-detach by MAC" "$rc $err" "0 "
ok "... the NIC left the guest" guest_ok n1 GONE "test ! -e /sys/class/net/eth1"
ok "... its tap is gone" in_ns test ! -e "/sys/class/net/vif$id1.1"
ok "... and its backend" test -z "$(xenstore-ls "/local/domain/0/backend/vif/$id1" | grep '^1 ')"
run xm network-list n1
is "network-list: only the first NIC" "$(awk 'NR > 1 { print $1 }' "$D/out")" 0
run xm network-detach n1 7
is "detaching a NIC that is not there: exit 1" "$rc" 1
like "... naming it" "$err" "Device 7 \(vif\) of domain 'n1' does not exist"
run xm network-attach n1 colour=blue
is "network-attach with an unknown key: usage error" "$rc" 2
like "... classic message" "$err" "Invalid argument: colour=blue"

# ---- rate= : what a guest may send -----------------------------------------------
# 1 MiB from the guest to dom0 through a vif limited to 2 Mb/s: the
# stream's rate (TCP payload, from its first byte to its last) is the
# limit less the headers, within 15%.
c4=$(guest_cfg n4 "vif = ['bridge=xenbr0, rate=2Mb/s@20ms, ip=$NET.4, mac=00:16:3e:44:44:44']" "ip = '$NET.4'" \
    "netmask = '255.255.255.0'" "gateway = '$NET.1'")
run xm create -q "$c4"
is "create n4 (a vif with rate=2Mb/s@20ms and ip=$NET.4)" "$rc $err" "0 "
id4=$(domid_of n4)
run in_ns tc qdisc show dev "xr$id4.0"
like "... its traffic is shaped by a token bucket on xr$id4.0" "$out" "tbf .*rate 2Mbit"
ok "n4 boots" booted n4
SINK="$(cd "${top_srcdir:-.}" && pwd)/tests/tools/rate-sink.py"
in_ns python3 "$SINK" "$NET.1" 5555 1048576 "$D/sink.ready" >"$D/sink.out" 2>&1 &
sink=$!
BG_PIDS="$BG_PIDS $sink"
ok "... a receiver listens in dom0" wait_until 30 test -e "$D/sink.ready"
ok "n4 sends 1 MiB to dom0" guest_ok n4 SENT \
    "dd if=/dev/zero bs=1024 count=1024 2>/dev/null | nc $NET.1 5555" 120
wait "$sink"
read -r got secs bps <"$D/sink.out"
is "... all of it arrived" "$got" 1048576
# 2 Mb/s of frames carry about 1.9 Mb/s of TCP payload (1448 of 1514 bytes)
ok "... at 2 Mb/s less the headers, within 15% ($bps b/s over $secs s)" \
    awk -v r="$bps" 'BEGIN { exit !(r >= 1912000 * 0.85 && r <= 1912000 * 1.15) }'
# ip= : n4 may send only from its MAC and $NET.4
if command -v nft >/dev/null; then
	chain="vif_vif${id4}_0"
	drops() {	# the drop counters of n4's rules, summed
		in_ns nft list chain bridge xen "$chain" 2>/dev/null |
		    awk '/drop/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
	}
	ok "ip=: n4's anti-spoofing chain is there" in_ns nft list chain bridge xen "$chain"
	ok "... n4 reaches dom0 from its own address" guest_ok n4 LEGIT "ping -c 2 -W 3 $NET.1"
	d0=$(drops)
	ok "... from another address ($NET.99) it does not" guest_ok n4 SPOOFIP \
	    "ip addr add $NET.99/24 dev eth0 && ! ping -c 2 -W 2 -I $NET.99 $NET.1; ip addr del $NET.99/24 dev eth0"
	d1=$(drops)
	ok "... its packets were dropped at the bridge ($d0 -> $d1)" test "$d1" -gt "$d0"
	ok "... nor with another MAC" guest_ok n4 SPOOFMAC \
	    "ip link set eth0 address 00:16:3e:99:99:99 && ! ping -c 2 -W 2 $NET.1; ip link set eth0 address 00:16:3e:44:44:44"
	ok "... dropped too ($d1 -> $(drops))" test "$(drops)" -gt "$d1"
	ok "... and with its own MAC again it does" guest_ok n4 AGAIN "ping -c 2 -W 3 $NET.1"
else
	skip "ip=: anti-spoofing" "nft (nftables) is not installed"
fi
run xm destroy n4
is "destroy n4" "$rc" 0
ok "... its shaper went with it" wait_until 30 in_ns test ! -e "/sys/class/net/xr$id4.0"
if command -v nft >/dev/null; then
	ok "... and its anti-spoofing chain" wait_until 30 bash -c \
	    "! ip netns exec '$NS' nft list chain bridge xen '$chain' >/dev/null 2>&1"
fi

# ---- the end of a guest ---------------------------------------------------------
run xm destroy n2
is "destroy n2" "$rc" 0
ok "... its tap is gone" in_ns test ! -e "/sys/class/net/vif$id2.0"
run xenstore-exists "/local/domain/$id2"
is "... and its xenstore nodes" "$rc" 1
run xenstore-exists "/local/domain/0/backend/vif/$id2"
is "... its backend directory too" "$rc" 1
ok "n1 still reaches dom0" guest_ok n1 STILL "ping -c 1 -W 3 $NET.1"
run xm destroy n3
is "destroy n3 (routed)" "$rc" 0
ok "... its route went with it" wait_until 30 bash -c \
    "[ -z \"\$(ip netns exec '$NS' ip route show '$RNET.2')\" ]"
if command -v nft >/dev/null; then
	ok "... and its anti-spoofing chain" wait_until 30 bash -c \
	    "! ip netns exec '$NS' nft list chain inet xen '$rchain' >/dev/null 2>&1"
fi

done_testing
