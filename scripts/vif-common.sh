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
