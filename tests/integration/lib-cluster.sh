# lib-cluster.sh: a Corosync/Pacemaker cluster of test hosts (sourced,
# after tests/lib.sh and lib-hosts.sh). Node i (1..N) is host i of
# lib-hosts.sh, given mount and UTS namespaces of its own (hosts_isolate)
# where these are private to the node, bind-mounted from its root
# $(hosts_root i):
#   /etc/corosync        etc/corosync (corosync.conf, nodes h1..hN)
#   /var/lib/corosync    lib/corosync
#   /var/lib/pacemaker   lib/pacemaker (the CIB)
#   /var/log             log (corosync/, pacemaker/)
#   /run, /dev/shm       run, a tmpfs (libqb's IPC)
#   /etc/hosts           etc/hosts (h1..hN by their addresses)
#   /usr/local/sbin      sbin: an xm that reaches the node's own xend
#   /usr/sbin            an overlay adding tests/tools/fence_testns
# and runs its own corosync, pacemakerd (its daemons as hacluster) and
# xend. Nothing of the machine's own cluster configuration is touched.
# Host N+1 is the storage host: no cluster, an nbd-server.
#
# Usage:
#   cluster_setup N DIR      N nodes and a storage host under DIR
#   cluster_start i          node i's xend, corosync and pacemaker
#   cluster_exec i CMD...    CMD in node i (crm_mon, cibadmin, ...)
#   cluster_nbd NAME FILE    export FILE as NAME from the storage host;
#   cluster_nbd_start        then start its nbd-server
#   cluster_nbd_uri NAME     the export as a disk spec (nbd:HOST:PORT:NAME)
#   cluster_mon i            crm_mon -1 as node i sees the cluster
#   cluster_attr i NAME VAL  a cluster option, set through node i
#   cluster_quorate N [i]    until node i (1) sees N nodes online with quorum
#   cluster_revive i         a node powered off (hosts_power_off) gets its
#                            namespaces back; then cluster_start i
#   cluster_fencing i DIR    stonith on (action off), fence_testns for every
#                            node, resource-stickiness 100; until registered
#   cluster_guest_cfg NAME DISK MAC IP   the default guest as an xm config
#   cluster_guest_rsc ID TYPE [NAME=VALUE...]  a guest resource (live
#                            migration, monitor every 5 s) of ocf:heartbeat:TYPE
#   cluster_xen_rsc ID XMFILE [NAME=VALUE...]  the same for ocf:heartbeat:Xen
#   cluster_located i RSC    the node(s) pacemaker runs RSC on, as i sees it
#   cluster_settled i RSC NODE  RSC started on NODE only, no action pending
#   cluster_cleanup          everything away, by pid (the EXIT trap)

CLUSTER_N=0
CLUSTER_NBD_PID=""
CLUSTER_NBD_PORT=10809
CLUSTER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

cluster_exec() { local i=$1; shift; hosts_exec "$i" env PATH="$CLUSTER_PATH" "$@"; }
cluster_storage() { echo $((CLUSTER_N + 1)); }
cluster_nbd_uri() { echo "nbd:$(hosts_ip "$(cluster_storage)"):$CLUSTER_NBD_PORT:$1"; }

# The files of node i, before it is isolated.
_cluster_files() {
	local i=$1 r j
	r=$(hosts_root "$i")
	mkdir -p "$r/etc/corosync" "$r/lib/corosync" "$r/run" "$r/sbin" \
		"$r/fence" "$r/log/corosync" "$r/log/pacemaker"
	for j in cib pengine blackbox cores; do mkdir -p "$r/lib/pacemaker/$j"; done
	chown -R hacluster:haclient "$r/lib/pacemaker" "$r/log/pacemaker"
	chmod 0750 "$r/lib/pacemaker"/*
	chmod 2770 "$r/log/pacemaker"
	{
		echo "127.0.0.1 localhost"
		for j in $(seq 1 "$CLUSTER_N"); do echo "$(hosts_ip "$j") h$j"; done
	} >"$r/etc/hosts"
	{
		cat <<-EOF
		totem {
		    version: 2
		    cluster_name: xmtest$$
		    transport: knet
		    crypto_cipher: none
		    crypto_hash: none
		    token: ${CLUSTER_TOKEN:-2000}
		}
		logging {
		    to_stderr: no
		    to_syslog: no
		    to_logfile: yes
		    logfile: /var/log/corosync/corosync.log
		    timestamp: on
		}
		quorum {
		    provider: corosync_votequorum
		}
		nodelist {
		EOF
		for j in $(seq 1 "$CLUSTER_N"); do
			printf '    node {\n        name: h%s\n        nodeid: %s\n        ring0_addr: %s\n    }\n' \
				"$j" "$j" "$(hosts_ip "$j")"
		done
		echo "}"
	} >"$r/etc/corosync/corosync.conf"
	# the agent's xm: this node's xend. Each call's start and end (with
	# its status) go to xm-calls.log, so the test sees xm wait for a
	# stopped xend (XM_XEND_WAIT) instead of failing.
	cat >"$r/sbin/xm" <<-EOF
	#!/bin/sh
	export XM_SERVER="httpu://$(hosts_sock "$i")"
	echo "\$(date +%s) \$\$ start \$1" >>"$r/xm-calls.log"
	"$BUILD/xm/xm" "\$@"
	rc=\$?
	echo "\$(date +%s) \$\$ end \$rc" >>"$r/xm-calls.log"
	exit \$rc
	EOF
	chmod 0755 "$r/sbin/xm"
	cp "$SRC/tests/tools/fence_testns" "$r/fence/"
	chmod 0755 "$r/fence/fence_testns"
	hosts_config "$i" "(xend-scripts-path $SRC/scripts)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
}

# The mounts of node i, run by sh inside its new mount namespace.
_cluster_mounts() {
	local r
	r=$(hosts_root "$1")
	cat <<-EOF
	mount --bind '$r/etc/corosync' /etc/corosync
	mount --bind '$r/lib/corosync' /var/lib/corosync
	mount --bind '$r/lib/pacemaker' /var/lib/pacemaker
	mount --bind '$r/log' /var/log
	mount --bind '$r/etc/hosts' /etc/hosts
	mount --bind '$r/sbin' /usr/local/sbin
	mount -t overlay overlay -o 'lowerdir=$r/fence:/usr/sbin' /usr/sbin
	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mkdir -p /run/crm /run/pacemaker /run/lock
	chown hacluster:haclient /run/crm /run/pacemaker
	EOF
}

cluster_setup() {
	local n=$1 i
	CLUSTER_N=$n
	for i in /etc/corosync /var/lib/corosync /var/lib/pacemaker /usr/local/sbin; do
		[ -d "$i" ] || { echo "lib-cluster: $i is missing" >&2; return 1; }
	done
	hosts_setup $((n + 1)) "$2" || return 1
	for i in $(seq 1 "$n"); do
		_cluster_files "$i" || return 1
		hosts_isolate "$i" "$(_cluster_mounts "$i")" || return 1
	done
}

# cluster_start i: xend, then corosync, then pacemaker, in node i.
cluster_start() {
	local i=$1 r
	r=$(hosts_root "$i")
	hosts_start "$i" || return 1
	cluster_exec "$i" corosync </dev/null >"$r/corosync.out" 2>&1 || return 1
	cluster_exec "$i" env PCMK_logfile=/var/log/pacemaker/pacemaker.log \
		PCMK_logfacility=none PCMK_debug=no \
		pacemakerd </dev/null >"$r/pacemakerd.out" 2>&1 &
	HOSTS_BG_PIDS="$HOSTS_BG_PIDS $!"
}

# cluster_nbd NAME FILE: the storage host exports FILE as NAME (the
# first call starts the nbd-server; later calls only add before it).
cluster_nbd() {
	local s d
	s=$(cluster_storage)
	d=$(hosts_root "$s")
	mkdir -p "$d"
	[ -e "$d/nbd.conf" ] || printf '[generic]\n\tlistenaddr = %s\n\tport = %s\n' \
		"$(hosts_ip "$s")" "$CLUSTER_NBD_PORT" >"$d/nbd.conf"
	printf '[%s]\n\texportname = %s\n\tflush = true\n\tfua = true\n' "$1" "$2" >>"$d/nbd.conf"
}
cluster_nbd_start() {
	local s d t
	s=$(cluster_storage)
	d=$(hosts_root "$s")
	hosts_exec "$s" nbd-server -C "$d/nbd.conf" -p "$d/nbd.pid" >"$d/nbd.out" 2>&1 || return 1
	for t in $(seq 1 50); do [ -s "$d/nbd.pid" ] && break; sleep 0.1; done
	CLUSTER_NBD_PID=$(cat "$d/nbd.pid" 2>/dev/null)
	[ -n "$CLUSTER_NBD_PID" ]
}

# crm_mon -1 as node i sees the cluster.
cluster_mon() { cluster_exec "$1" crm_mon -1 -r -f 2>&1; }

# _cluster_online i N: node i sees N nodes online and has quorum.
_cluster_online() {
	local s
	s=$(cluster_mon "$1")
	printf '%s\n' "$s" | grep -q 'partition with quorum' || return 1
	[ "$(printf '%s\n' "$s" | sed -n 's/^ *\* Online: \[ \(.*\) \]$/\1/p' | wc -w)" = "$2" ]
}
cluster_quorate() { wait_until "${3:-120}" _cluster_online "${2:-1}" "$1"; }

# cluster_attr i NAME VALUE: a cluster option, set through node i.
cluster_attr() {
	cluster_exec "$1" crm_attribute --type crm_config --name "$2" --update "$3" >/dev/null
}

# cluster_revive i: node i, powered off, gets fresh mount and UTS
# namespaces (its files kept, /run and /dev/shm new), as a rebooted
# machine; cluster_start i then starts its daemons.
cluster_revive() { hosts_isolate "$1" "$(_cluster_mounts "$1")"; }

# cluster_fencing i DIR: fencing through node i: fence_testns (DIR holds
# the nodes' ns.pid files) can power off every node; a lost node is
# powered off, not rebooted. Guests stay where they are once placed.
cluster_fencing() {
	local i=$1 hosts="" j
	for j in $(seq 1 "$CLUSTER_N"); do hosts="$hosts h$j"; done
	cluster_attr "$i" stonith-enabled true || return 1
	cluster_attr "$i" stonith-action off || return 1
	cluster_attr "$i" stonith-timeout 30s || return 1
	cluster_exec "$i" crm_attribute --type rsc_defaults --name resource-stickiness \
		--update 100 >/dev/null || return 1
	cluster_exec "$i" cibadmin --create -o resources --xml-text "
<primitive id='fence' class='stonith' type='fence_testns'>
  <instance_attributes id='fence-ia'>
    <nvpair id='fence-dir' name='test_dir' value='$2'/>
    <nvpair id='fence-hosts' name='pcmk_host_list' value='${hosts# }'/>
  </instance_attributes>
  <operations><op id='fence-mon' name='monitor' interval='30s'/></operations>
</primitive>" || return 1
	wait_until 60 _cluster_fence_ready "$i"
}
_cluster_fence_ready() {
	cluster_exec "$1" stonith_admin --list-registered 2>/dev/null | grep -q '^ *fence$'
}

# cluster_guest_cfg NAME DISK MAC IP: the default guest (128 MiB, one
# vCPU, its serial console, a disk and a vif on xenbr0 with address IP).
cluster_guest_cfg() {
	cat <<-EOF
	name = "$1"
	kernel = "$GUEST/vmlinuz"
	ramdisk = "$GUEST/initrd.img"
	extra = "console=ttyS0 quiet panic=-1 cryptomgr.notests"
	memory = 128
	vcpus = 1
	disk = [ '$2,xvda,w' ]
	vif = [ 'mac=$3,bridge=xenbr0' ]
	ip = "$4"
	netmask = "255.255.255.0"
	on_poweroff = "destroy"
	on_reboot = "restart"
	on_crash = "destroy"
	EOF
}

# cluster_guest_rsc ID TYPE [NAME=VALUE...]: a guest as a resource of
# ocf:heartbeat:TYPE that migrates live, the instance attributes given
# (meta:NAME=VALUE: a meta attribute), monitored every 5 s.
cluster_guest_rsc() {
	local id=$1 type=$2 kv n ia="" meta=""
	shift 2
	for kv in "$@" meta:allow-migrate=true; do
		n=${kv%%=*}
		case "$n" in
		meta:*) n=${n#meta:}
			meta="$meta
    <nvpair id='$id-$n' name='$n' value='${kv#*=}'/>" ;;
		*) ia="$ia
    <nvpair id='$id-$n' name='$n' value='${kv#*=}'/>" ;;
		esac
	done
	cat <<-EOF
	<primitive id='$id' class='ocf' provider='heartbeat' type='$type'>
	  <instance_attributes id='$id-ia'>$ia
	  </instance_attributes>
	  <meta_attributes id='$id-meta'>$meta
	  </meta_attributes>
	  <operations>
	    <op id='$id-mon' name='monitor' interval='5s' timeout='40s'/>
	    <op id='$id-start' name='start' interval='0' timeout='120s'/>
	    <op id='$id-stop' name='stop' interval='0' timeout='60s'/>
	    <op id='$id-mto' name='migrate_to' interval='0' timeout='120s'/>
	    <op id='$id-mfrom' name='migrate_from' interval='0' timeout='60s'/>
	  </operations>
	</primitive>
	EOF
}

# cluster_xen_rsc ID XMFILE [NAME=VALUE...]: a guest as an
# ocf:heartbeat:Xen resource.
cluster_xen_rsc() {
	local id=$1 f=$2
	shift 2
	cluster_guest_rsc "$id" Xen xmfile="$f" shutdown_timeout=20 "$@"
}

# cluster_located i RSC: the node(s) pacemaker (as node i sees it) runs
# RSC on, one a line.
cluster_located() {
	cluster_exec "$1" crm_resource --locate -r "$2" 2>/dev/null |
		sed -n 's/^resource .* is running on: \([^ ]*\).*/\1/p'
}
# cluster_settled i RSC NODE: RSC is started on NODE only, no action pending.
cluster_settled() {
	local m
	[ "$(cluster_located "$1" "$2")" = "$3" ] || return 1
	m=$(cluster_exec "$1" crm_mon -1 2>/dev/null)
	printf '%s\n' "$m" | grep -Eq "^ *\* $2\s.*Started $3\s*\$" || return 1
	! printf '%s\n' "$m" | grep -q "(Migrating\|Starting\|Stopping)"
}

cluster_cleanup() {
	[ -n "$CLUSTER_NBD_PID" ] && kill "$CLUSTER_NBD_PID" 2>/dev/null
	CLUSTER_NBD_PID=""
	hosts_cleanup
}
