#!/bin/bash
# cluster.sh: guests as resources of a Pacemaker/Corosync cluster (issue
# 13). Three nodes (lib-cluster.sh: each a network, mount and UTS
# namespace with its own corosync, pacemaker and xend) and a storage host
# serving the guest's disk over NBD. Checks: the cluster forms with quorum
# and fencing (fence_testns); a guest resource (ocf:heartbeat:Xen,
# allow-migrate) starts on one node; crm_resource --move migrates it live
# (its console keeps ticking, a TCP connection to it survives, it runs on
# one node at every sample of xm list on all nodes); standby of its node evacuates it live; a stopped
# xend causes no failover; a guest with a broken config fails to start,
# the agent's failure in crm_mon, the cluster healthy; the guest's node
# killed outright is fenced and the guest restarts on another node with
# its disk's data (the failover time is printed); stonith_admin --fence
# of a live node powers it off through fence_testns.
# Needs root, QEMU, the default guest, corosync, pacemaker,
# resource-agents, nbd-server, socat; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
. "${top_srcdir:-.}/tests/integration/lib-cluster.sh"
hosts_prologue corosync pacemakerd crm_mon cibadmin nbd-server socat nsenter unshare
[ -x /usr/lib/ocf/resource.d/heartbeat/Xen ] ||
	{ echo "1..0 # SKIP resource-agents (ocf:heartbeat:Xen) is not installed"; exit 0; }
BOOT=120	# seconds a boot or a console answer may take
D=$(mktemp -d /tmp/cluster.XXXXXX)
chmod 0755 "$D"
export XEND_XENHV="$BUILD/hypervisor/xenhv"
# the block script answers through the build tree's xenstore tools
export PATH="$BUILD/xenstore:$PATH"
hosts_harness "$D" 560
SAMPLER=""
trap '[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; cluster_cleanup
[ -n "${KEEP:-}" ] || rm -rf "$D"' EXIT
NODES="1 2 3"
GIP=10.77.0.61	# the guest's address (its vif on xenbr0, on the test switch)
TCP_PID=""

# ---- helpers -----------------------------------------------------------------
# state i NAME: NAME's state on node i as xm list shows it (empty: none).
state() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n { print $5 }'; }
# running STATE: a state of a running guest (not paused, saved, crashed, dying).
running() { case "$1" in ""|*p*|*s*|*c*|*d*) return 1 ;; esac; }
# where NAME: the nodes where NAME is listed.
where() {
	local i w=""
	for i in $NODES; do [ -n "$(state $i "$1")" ] && w="$w h$i"; done
	echo "${w# }"
}
con() { hosts_console_log "$1" "$2"; }
size() { stat -c %s "$(con "$1" "$2")" 2>/dev/null || echo 0; }
# after i NAME OFF: node i's console log of NAME past byte OFF.
after() { tail -c +$(($3 + 1)) "$(con "$1" "$2")" 2>/dev/null; }
# ticks_after i NAME OFF: the highest tick in that part of the log.
ticks_after() { after "$@" | grep -aoE 'tick [0-9]+' | awk '$2 > m { m = $2 } END { print m + 0 }'; }
# answers i NAME OFF REGEX: the log past OFF has a line matching REGEX.
answers() { after "$1" "$2" "$3" | grep -aEq "$4"; }
# says i NAME TEXT REGEX: types TEXT at the console until REGEX answers.
says() {
	local off
	off=$(size "$1" "$2")
	hosts_type "$1" "$2" "$3"
	wait_until $BOOT answers "$1" "$2" "$off" "$4"
}
ticks_past() { [ "$(ticks_after "$@" | tail -n 1)" -gt "$4" ] 2>/dev/null; }
# The sampler, while vm1 leaves node $1: as often as xm answers, on how
# many nodes vm1 is listed and on how many it runs ("listed running
# states..." per line of $D/samples). The nodes' xm list calls are not
# one instant, so each sample asks the others, then the source, then the
# others again: vm1 running on another node before the source is asked
# means it cannot run on the source any more, and the source no longer
# listing it means another node lists it when asked after.
sample_start() {
	local src=$1
	: >"$D/samples"
	(
		others=$(echo $NODES | tr ' ' '\n' | grep -vx "$src")
		while :; do
			for i in $others; do state $i vm1 >"$D/state1.$i" & done
			wait
			state $src vm1 >"$D/state.$src"
			for i in $others; do state $i vm1 >"$D/state2.$i" & done
			wait
			s=$(cat "$D/state.$src")
			l=0; r=0; all=" h$src:${s:-none}"
			[ -n "$s" ] && l=1
			running "$s" && r=1
			for i in $others; do
				s=$(cat "$D/state1.$i")
				running "$s" && r=$((r + 1))
				all="$all h$i:${s:-none}"
				s=$(cat "$D/state2.$i")
				[ -n "$s" ] && l=$((l + 1))
				all="$all/${s:-none}"
			done
			echo "$l $r$all" >>"$D/samples"
		done
	) </dev/null >/dev/null 2>&1 &
	SAMPLER=$!
}
sample_stop() { kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=""; }
# Every sample: listed somewhere, running on one node at most.
samples_one() {
	[ -s "$D/samples" ] || return 1
	awk '$1 < 1 || $2 > 1 { print "# sample " NR ": " $0; bad = 1 } END { exit bad }' "$D/samples"
}
migrated() {
	grep -q "Result of migrate_to operation for $1 on $2: ok" \
		"$(hosts_root "${2#h}")/log/pacemaker/pacemaker.log"
}
failcount() {
	cluster_exec "$1" crm_failcount --query -r "$2" -N "$3" 2>/dev/null |
		sed -n 's/.*value=\([^ ]*\).*/\1/p'
}

# ---- the cluster -------------------------------------------------------------
cluster_setup 3 "$D" || { echo "Bail out! cannot make the nodes"; exit 1; }
truncate -s 16M "$D/vm1.img"
cluster_nbd disk1 "$D/vm1.img"
run cluster_nbd_start
is "the storage host exports vm1.img over NBD" "$rc $err" "0 "
for i in $NODES; do
	run cluster_start $i
	is "h$i: xend, corosync and pacemaker start" "$rc $err" "0 "
done
ok "the cluster forms: 3 nodes online, with quorum" cluster_quorate 3 1
is "... the host's own CIB is untouched" "$(ls /var/lib/pacemaker/cib)" ""

run cluster_fencing 1 "$D"
is "fencing is configured (stonith-enabled, fence_testns), the fencer knows the device" "$rc $err" "0 "
like "... crm_verify finds the configuration valid" \
	"$(cluster_exec 1 crm_verify -L 2>&1; echo "rc=$?")" '^rc=0$'

# ---- a guest resource --------------------------------------------------------
cluster_guest_cfg vm1 "$(cluster_nbd_uri disk1)" 00:16:3e:4e:77:61 "$GIP" >"$D/vm1.cfg"
run cluster_exec 1 cibadmin --create -o resources --xml-text "$(cluster_xen_rsc vm1 "$D/vm1.cfg")"
is "vm1 (ocf:heartbeat:Xen, allow-migrate, its disk on NBD) is added" "$rc $err" "0 "
vm_on() { [ -n "$(cluster_located 1 vm1)" ]; }
ok "... pacemaker starts it on a node" wait_until $BOOT vm_on
A=$(cluster_located 1 vm1); a=${A#h}
ok "... it is started on $A only" wait_until 60 cluster_settled 1 vm1 "$A"
is "... xm list shows it on $A only" "$(where vm1)" "$A"
ok "... it boots to its shell" hosts_wait_text "$(con $a vm1)" 'guest:~#' $BOOT
hosts_type $a vm1 '(i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 200000; done) &'
ok "... its console ticks" wait_until 60 ticks_past $a vm1 0 5
# a TCP stream from the guest (nc) to the storage host (socat), one
# numbered line every 0.3 s
hosts_type $a vm1 '(i=0; while :; do i=$((i+1)); echo "net $i"; usleep 300000; done) | nc -l -p 7000 &'
tcp_connect() {
	ip netns exec "$(hosts_ns 4)" socat -u TCP:$GIP:7000,connect-timeout=2 - \
		>"$D/tcp.log" 2>"$D/tcp.err" </dev/null &
	TCP_PID=$!
	HOSTS_BG_PIDS="$HOSTS_BG_PIDS $TCP_PID"
	wait_until 10 net_past 2 || { kill "$TCP_PID" 2>/dev/null; return 1; }
}
net_last() { grep -aoE 'net [0-9]+' "$D/tcp.log" 2>/dev/null | awk '$2 > m { m = $2 } END { print m + 0 }'; }
net_past() { [ "$(net_last)" -gt "$1" ]; }
ok "... a TCP connection from the storage host reads its stream" wait_until 60 tcp_connect

# ---- crm_resource --move: live --------------------------------------------------
b=$(( a % 3 + 1 )); B=h$b
off=$(size $b vm1)
sample_start $a
run cluster_exec 1 crm_resource --move -r vm1 -N $B
is "crm_resource --move vm1 to $B" "$rc" 0
ok "... vm1 is started on $B" wait_until $BOOT cluster_settled 1 vm1 $B
n=$(hosts_last_tick "$(con $a vm1)")
ok "... by a live migration (migrate_to on $A)" migrated vm1 $A
ok "... its console on $B goes on ticking past $n" wait_until 60 ticks_past $b vm1 "$off" "$n"
k=$(net_last)
ok "... the TCP connection survives: its stream goes on past $k" wait_until 60 net_past "$k"
sample_stop
ok "... at every sample of xm list on all nodes ($(wc -l <"$D/samples") samples) it ran on one node at most, listed on one at least" samples_one
is "... xm list shows it on $B only" "$(where vm1)" "$B"
cluster_exec 1 crm_resource --clear -r vm1 >/dev/null 2>&1

# ---- standby evacuates -----------------------------------------------------------
sample_start $b
off1=$(size 1 vm1); off2=$(size 2 vm1); off3=$(size 3 vm1)
n=$(hosts_last_tick "$(con $b vm1)")
run cluster_exec 1 crm_attribute --node $B --name standby --update on
is "$B is put in standby" "$rc" 0
elsewhere() { local l; l=$(cluster_located 1 vm1); [ -n "$l" ] && [ "$l" != "$B" ] && cluster_settled 1 vm1 "$l"; }
ok "... vm1 leaves it" wait_until $BOOT elsewhere
C=$(cluster_located 1 vm1); c=${C#h}
eval "offc=\$off$c"
ok "... for $C, by a live migration (migrate_to on $B)" migrated vm1 $B
ok "... its console on $C goes on ticking past $n" wait_until 60 ticks_past $c vm1 "$offc" "$n"
k=$(net_last)
ok "... the TCP connection survives: its stream goes on past $k" wait_until 60 net_past "$k"
sample_stop
ok "... at every sample it ran on one node at most, listed on one at least" samples_one
is "... xm list shows it on $C only" "$(where vm1)" "$C"
run cluster_exec 1 crm_attribute --node $B --name standby --update off
is "$B leaves standby" "$rc" 0

# ---- a stopped xend is no failure --------------------------------------------------
domid=$(hosts_xm $c domid vm1)
calls="$(hosts_root $c)/xm-calls.log"
hosts_stop $c
t0=$(date +%s)
# the xm calls begun since xend stopped that have not ended (pids)
pending() {
	awk -v t0="$t0" '$3 == "start" && $1 >= t0 { s[$2] = 1 } $3 == "end" { delete s[$2] }
	    END { for (p in s) print p }' "$calls" 2>/dev/null
}
waiting() { [ -n "$(pending)" ]; }
ok "xend stopped on $C: the next monitor's xm waits for it" wait_until 60 waiting
p=$(pending | head -n 1)
t=$(awk -v p="$p" '$2 == p && $3 == "start" { print $1 }' "$calls")
# xend stays away longer than the agent's own patience (a monitor that
# finds no guest asks again 5 times, 1 s apart: 6 to 9 s); with an xm
# that does not wait, pacemaker restarts vm1 (a new domain id, fail
# count 1)
outlasted() { [ "$(date +%s)" -ge $((t + 12)) ]; }
ok "... xend stays stopped 12 s past that xm's start" wait_until 30 outlasted
is "... that xm is still waiting" "$(pending | grep -cx "$p")" 1
run hosts_start $c
is "... xend starts again on $C" "$rc $err" "0 "
back() { grep -q "^[0-9]* $p end 0\$" "$calls"; }
ok "... the waiting xm gets its answer (status 0) when xend is back" wait_until 60 back
off=$(size $c vm1)
n=$(hosts_last_tick "$(con $c vm1)")
ok "... vm1 kept running on $C (its console ticks on)" wait_until 60 ticks_past $c vm1 "$off" "$n"
is "... with the same domain id" "$(hosts_xm $c domid vm1)" "$domid"
ok "... pacemaker saw no failure: vm1 started on $C" cluster_settled 1 vm1 $C
is "... fail count 0" "$(failcount 1 vm1 $C)" 0

# ---- a broken config ---------------------------------------------------------------
printf 'name = "vmbad"\nmemory = 128 128\n' >"$D/vmbad.cfg"
run cluster_exec 1 cibadmin --create -o resources --xml-text "$(cluster_xen_rsc vmbad "$D/vmbad.cfg")"
is "vmbad, whose config is broken, is added" "$rc $err" "0 "
# crm_mon 2.1 writes "* vmbad start on h1 returned 'error' at ...", older
# ones "* vmbad_start_0 on h1 'error' (1): ..."
failed_all() {
	[ "$(cluster_mon 1 | grep -cE "^ *\* vmbad(_start_0| start) on h[1-3] .*'error'")" = 3 ] &&
		cluster_mon 1 | grep -Eq '^ *\* vmbad\s.*Stopped'
}
ok "... its start fails on every node, crm_mon shows the agent's error" wait_until $BOOT failed_all ||
	cluster_mon 1 | sed 's/^/# /'
ok "... xm's message is in the agent's output (pacemaker.log)" \
	grep -q 'vmbad_start_0.*error output.*Error: ' "$(hosts_root 1)/log/pacemaker/pacemaker.log"
ok "... the cluster stays healthy: 3 nodes online with quorum" _cluster_online 1 3
ok "... vm1 still started on $C" cluster_settled 1 vm1 $C
is "... no node was fenced" "$(cluster_exec 1 stonith_admin --history '*' 2>/dev/null | grep -c successful)" 0
cluster_exec 1 crm_resource -r vmbad --meta -p target-role -v Stopped >/dev/null 2>&1
cluster_exec 1 cibadmin --delete -o resources --xml-text "<primitive id='vmbad'/>" >/dev/null 2>&1
cluster_exec 1 crm_resource --cleanup -r vmbad >/dev/null 2>&1

# ---- a node lost: fenced, the guest restarts elsewhere -------------------------------------
M="marker-$$-$RANDOM"
ok "vm1 writes a marker on its disk (the NBD export) and syncs" says $c vm1 \
	"printf 'M:%s\\n' $M | dd of=/dev/vda bs=512 2>/dev/null; sync; echo W=\$((40+2))" 'W=42'
ok "... which is in the exported image" grep -aq "M:$M" "$D/vm1.img"
for i in $NODES; do eval "off$i=\$(size $i vm1)"; done
t0=$(date +%s.%N)
ok "$C is killed outright (every process of its namespaces)" hosts_power_off $c
NODES=$(echo $NODES | tr ' ' '\n' | grep -vx $c | tr '\n' ' ')
s=$(echo $NODES | cut -d' ' -f1)
ok "... the others see it gone, 2 nodes with quorum" cluster_quorate 2 $s
fenced() { cluster_exec $s stonith_admin --history $C 2>/dev/null | grep -q "successful"; }
ok "... it is fenced (fence_testns)" wait_until 60 fenced
tf=$(date +%s.%N)
moved() { local l; l=$(cluster_located $s vm1); [ -n "$l" ] && [ "$l" != "$C" ] && cluster_settled $s vm1 "$l"; }
ok "... vm1 is started on another node" wait_until $BOOT moved
E=$(cluster_located $s vm1); e=${E#h}
eval "offe=\$off$e"
ok "... on $E, it boots to its shell" wait_until $BOOT answers $e vm1 "$offe" 'guest:~#'
ok "... and reads the marker back from its disk" says $e vm1 \
	"echo R=\$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)" "R=M:$M"
t1=$(date +%s.%N)
echo "# failover: node lost -> fenced (seen) $(echo "$tf - $t0" | bc) s -> guest console answering on $E $(echo "$t1 - $t0" | bc) s"
is "... xm list shows it on $E only" "$(where vm1)" "$E"
ok "... the cluster is healthy on 2 nodes" _cluster_online $s 2
is "... the fencing history holds one fencing, of $C" \
	"$(cluster_exec $s stonith_admin --history '*' 2>/dev/null | grep successful | grep -o ' of h[0-9]')" " of $C"

# ---- fence_testns powers a live node off --------------------------------------------
F=h$(echo $NODES | tr ' ' '\n' | grep -vx $e)
pids=$(_hosts_ns_pids ${F#h})
run cluster_exec $e stonith_admin --fence $F --timeout 30
is "stonith_admin --fence $F from $E succeeds" "$rc" 0
gone() { local p; for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
ok "... every process of $F is gone (corosync, pacemaker, xend)" wait_until 30 gone

done_testing
