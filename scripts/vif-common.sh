# vif-common.sh: what the vif scripts share: the interface, its settings
# from the environment xend gives or from the backend directory in
# xenstore, and interface helpers. Sourced after xen-hotplug-common.sh.

[ -n "$command" ] || fatal "usage: $script_name online|offline [NAME=VALUE ...]"
case "$command" in
online|offline|add|remove) ;;
*) fatal "$script_name: unknown command '$command' (online, offline, add or remove)" ;;
esac
[ -n "${XENBUS_PATH:-}" ] || fatal "XENBUS_PATH is not set (the device's backend directory)"

vif=${vif:-$(xenstore_read_default "$XENBUS_PATH/vifname" "")}
[ -n "$vif" ] || fatal "no interface given (vif is not set)"
ip=${ip:-$(xenstore_read_default "$XENBUS_PATH/ip" "")}
mac=${mac:-$(xenstore_read_default "$XENBUS_PATH/mac" "")}
rate=${rate:-$(xenstore_read_default "$XENBUS_PATH/rate" "")}

dev_exists() {
	[ -e "/sys/class/net/$1" ]
}

# The interface must be there when it is being brought online.
if [ "$command" = online ] && ! dev_exists "$vif"; then
	fatal "interface $vif does not exist"
fi

# The first IPv4 address of a device, or nothing.
dev_ipv4() {
	ip -4 -o addr show dev "$1" 2>/dev/null |
	    awk '{ split($4, a, "/"); print a[1]; exit }'
}

# ---- rate= : what the guest may send -------------------------------------
# Xen's form <n>[G|M|K](B|b)/s[@<n>[m|u]s] (K, M, G are powers of 1000,
# b bits; the credit interval defaults to 50 ms), or what classic xend
# wrote in the backend, <bytes-per-interval>,<usecs>. Prints "BYTES_PER_SEC
# BURST_BYTES", or nothing when rate is unset or does not parse (classic:
# unlimited).
vif_rate_parse() {
	local r=$1 n unit bits us bps
	case "$r" in
	"") return ;;
	*,*)
		n=${r%%,*}; us=${r#*,}
		[[ "$n" =~ ^[0-9]+$ && "$us" =~ ^[0-9]+$ && "$us" -gt 0 ]] || return
		echo "$(( n * 1000000 / us )) $n"
		return ;;
	esac
	[[ "$r" =~ ^([0-9]+)([GMK]?)([Bb])/s(@([0-9]+)([mu]?)s)?$ ]] || return
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} bits=${BASH_REMATCH[3]}
	case "$unit" in G) n=$(( n * 1000000000 )) ;; M) n=$(( n * 1000000 )) ;;
	K) n=$(( n * 1000 )) ;; esac
	[ "$bits" = b ] && n=$(( n / 8 ))
	us=50000
	if [ -n "${BASH_REMATCH[5]}" ]; then
		us=${BASH_REMATCH[5]}
		case "${BASH_REMATCH[6]}" in m) us=$(( us * 1000 )) ;; "") us=$(( us * 1000000 )) ;; esac
	fi
	[ "$n" -gt 0 ] && [ "$us" -gt 0 ] || return
	bps=$n
	echo "$bps $(( bps * us / 1000000 ))"
}

# The shaper's interface for this vif: xr<domid>.<devid> (15 characters
# at most, whatever the tap is called).
vif_rate_ifb() {
	local p=${XENBUS_PATH%/} devid domid
	devid=${p##*/}; p=${p%/*}; domid=${p##*/}
	echo "xr$domid.$devid"
}

# What the guest sends arrives on the tap's ingress: redirected to an
# ifb whose token bucket (tbf) holds it to the rate, delaying rather than
# dropping, as netback's credit scheduler did.
vif_rate_apply() {
	local spec ifb bps burst
	spec=$(vif_rate_parse "$rate")
	[ -n "$spec" ] || return 0
	read -r bps burst <<<"$spec"
	# at least a full frame per credit
	[ "$burst" -ge 1600 ] || burst=1600
	ifb=$(vif_rate_ifb)
	ip link del "$ifb" 2>/dev/null
	ip link add "$ifb" type ifb || fatal "rate=$rate: cannot make $ifb (ifb)"
	ip link set "$ifb" up || fatal "rate=$rate: cannot bring $ifb up"
	tc qdisc add dev "$ifb" root tbf rate "${bps}bps" burst "$burst" \
	    latency 200ms || fatal "rate=$rate: tc tbf on $ifb failed"
	tc qdisc add dev "$vif" ingress || fatal "rate=$rate: no ingress qdisc on $vif"
	tc filter add dev "$vif" parent ffff: protocol all u32 match u32 0 0 \
	    action mirred egress redirect dev "$ifb" ||
	    fatal "rate=$rate: cannot redirect $vif's traffic to $ifb"
	log debug "$vif: rate $rate ($bps bytes/s, burst $burst) through $ifb"
}

vif_rate_remove() {
	do_without_error tc qdisc del dev "$vif" ingress
	do_without_error ip link del "$(vif_rate_ifb)"
}

# ---- ip= : the addresses the guest may send from ---------------------------
# With ip= set, what enters the bridge from the vif must come from its MAC
# and, for IPv4 and ARP, from one of those addresses (0.0.0.0 only for
# DHCP and ARP probes): a base chain of its own in nftables' bridge table
# "xen", so its end removes exactly it. Without nft the vif is refused:
# a guest is not quietly left able to spoof.
vif_antispoof_chain() {
	echo "vif_${vif//[^A-Za-z0-9_]/_}"
}

vif_antispoof_apply() {
	local chain a set="" mac_l
	[ -n "$ip" ] || return 0
	command -v nft >/dev/null ||
		fatal "ip=$ip: nft (Debian's nftables) is needed to keep $vif to its addresses"
	for a in $ip; do
		case "$a" in *:*) continue ;; esac	# IPv4 only, as Xen's rules
		set="$set${set:+, }$a"
	done
	chain=$(vif_antispoof_chain)
	mac_l=$(echo "$mac" | tr 'A-F' 'a-f')
	vif_antispoof_remove
	{
		echo "add table bridge xen"
		echo "add chain bridge xen $chain { type filter hook prerouting priority 0; policy accept; }"
		[ -z "$mac_l" ] ||
			echo "add rule bridge xen $chain iifname \"$vif\" ether saddr != $mac_l counter drop"
		if [ -n "$set" ]; then
			echo "add rule bridge xen $chain iifname \"$vif\" ip saddr 0.0.0.0 udp dport 67 accept"
			echo "add rule bridge xen $chain iifname \"$vif\" ip saddr != { $set } counter drop"
			echo "add rule bridge xen $chain iifname \"$vif\" arp saddr ip 0.0.0.0 accept"
			echo "add rule bridge xen $chain iifname \"$vif\" arp saddr ip != { $set } counter drop"
		fi
	} | nft -f - || fatal "ip=$ip: cannot install $vif's anti-spoofing rules (nft)"
	log debug "$vif: only $mac_l and $ip may send (nft bridge xen $chain)"
}

# vif_nft_chain_remove FAMILY: the vif's chain in table FAMILY xen, if any.
vif_nft_chain_remove() {
	local chain
	command -v nft >/dev/null || return 0
	chain=$(vif_antispoof_chain)
	nft list chain "$1" xen "$chain" >/dev/null 2>&1 || return 0
	do_without_error nft flush chain "$1" xen "$chain"
	do_without_error nft delete chain "$1" xen "$chain"
}

vif_antispoof_remove() {
	vif_nft_chain_remove bridge
}

# vif-route's guests are routed, not bridged: with ip= set, IPv4 from the
# vif must come from those addresses (a chain of its own in nftables'
# inet table "xen", hooked before routing). IPv6 is not routed to them.
vif_route_antispoof_apply() {
	local chain a set=""
	[ -n "$ip" ] || return 0
	command -v nft >/dev/null ||
		fatal "ip=$ip: nft (Debian's nftables) is needed to keep $vif to its addresses"
	for a in $ip; do
		case "$a" in *:*) continue ;; esac
		set="$set${set:+, }$a"
	done
	[ -n "$set" ] || return 0
	chain=$(vif_antispoof_chain)
	vif_route_antispoof_remove
	{
		echo "add table inet xen"
		echo "add chain inet xen $chain { type filter hook prerouting priority -150; policy accept; }"
		echo "add rule inet xen $chain iifname \"$vif\" ip saddr != { $set } counter drop"
		echo "add rule inet xen $chain iifname \"$vif\" meta nfproto ipv6 counter drop"
	} | nft -f - || fatal "ip=$ip: cannot install $vif's anti-spoofing rules (nft)"
	log debug "$vif: only $set may send (nft inet xen $chain)"
}

vif_route_antispoof_remove() {
	vif_nft_chain_remove inet
}
