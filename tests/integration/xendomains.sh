#!/bin/bash
# xendomains.sh: the init script etc/init.d/xendomains against a private
# xend with three real guests from an auto directory, each counting on its
# console, one of which ignores the power button (its acpid is killed):
# start creates them; stop with XENDOMAINS_SAVE saves all three (the
# deaf one too); start restores them and they go on counting; stop without
# XENDOMAINS_SAVE shuts two down while the deaf one is reported, within
# XENDOMAINS_STOP_MAXWAIT, without holding the others up; each outcome is
# printed and logged. The guests of a Pacemaker cluster (ocf:heartbeat:Xen
# resources in the CIB) are neither created nor stopped.
# Needs qemu-system-x86_64 and the default guest; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue
SCRIPT="${top_builddir:-.}/etc/init.d/xendomains"
BOOT=90
MAXWAIT=30

D=$(mktemp -d /tmp/xendomains.XXXXXX)
R="$D/root"
mkdir -p "$R" "$D/auto"
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
export XM_SERVER="httpu://$R/var/run/xend/xmlrpc.sock"
export XM="$(cd "${top_builddir:-.}" && pwd)/xm/xm"
export XENDOMAINS_CONFIG="$D/xendomains.conf"
export XENDOMAINS_LOCKFILE="$D/lock"
hosts_harness "$D" 900
# the private xend is not in a namespace: stop it and its guests by pid
_xd_cleanup() {
	local d p
	for d in $("$XM" list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }'); do
		timeout 30 "$XM" destroy "$d" >/dev/null 2>&1
	done
	p=$(cat "$R/var/run/xend.pid" 2>/dev/null)
	"$XEND" --root "$R" stop >/dev/null 2>&1
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	_hosts_exit
}
trap _xd_cleanup EXIT

settings() {	# SAVE_DIR (empty: no saving)
	cat >"$XENDOMAINS_CONFIG" <<-EOF
	XENDOMAINS_AUTO=$D/auto
	XENDOMAINS_SAVE=$1
	XENDOMAINS_LOG=$D/xendomains.log
	XENDOMAINS_CREATE_USLEEP=0
	XENDOMAINS_STOP_MAXWAIT=$MAXWAIT
	XENDOMAINS_SHUTDOWN="--halt --wait"
	EOF
}
for n in 1 2 3; do
	cat >"$D/auto/d$n.cfg" <<-EOF
	name = "d$n"
	kernel = "$GUEST/vmlinuz"
	ramdisk = "$GUEST/initrd.img"
	extra = "console=ttyS0 quiet panic=-1 cryptomgr.notests"
	memory = 96
	on_poweroff = "destroy"
	EOF
done
con() { echo "$R/var/log/xen/console/$1.log"; }
listed() { "$XM" list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx -- "$1"; }
names() { "$XM" list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }' | tr '\n' ' '; }
counting() {
	hosts_counts_past "$(con "$1")" $(( $(hosts_last_tick "$(con "$1")") + 5 ))
}
COUNTER='(i=0; while :; do i=$((i+1)); echo "tick $i"; usleep 100000; done) &'
type_at() { { printf '%s\n' "$2"; sleep 1; } | timeout 20 "$XM" console "$1" >/dev/null 2>&1; }

run "$XEND" --root "$R" start
is "private xend starts" "$rc $err" "0 "

# ---- start: the auto directory ---------------------------------------------
settings "$D/save"
run "$SCRIPT" start
is "xendomains start" "$rc" 0
like "... says what it created" "$out" "d1: created from .*d1\.cfg"
is "... the three auto domains run" "$(names)" "d1 d2 d3 "
for n in 1 2 3; do
	ok "d$n boots" hosts_wait_text "$(con d$n)" 'guest:~#' $BOOT
	type_at d$n "$COUNTER"
	ok "d$n counts" hosts_wait_text "$(con d$n)" 'tick 10' 60
done
# d3 ignores the power button from now on
type_at d3 'kill $(pidof acpid); echo acpid-gone'
ok "d3's acpid is gone" hosts_wait_text "$(con d3)" '^acpid-gone' 30
run "$SCRIPT" start
like "a second start does nothing" "$out" "already started"

# ---- stop with XENDOMAINS_SAVE: everything is saved ---------------------------
for n in 1 2 3; do eval "t$n=$(hosts_last_tick "$(con d$n)")"; done
run "$SCRIPT" stop
is "xendomains stop (saving)" "$rc" 0
for n in 1 2 3; do
	like "... d$n saved" "$out" "d$n: saved to $D/save/d$n"
	is "... d$n's image is a saved domain" "$(head -c 16 "$D/save/d$n" 2>/dev/null)" LinuxGuestRecord
done
is "... no domain runs" "$(names)" ""
ok "... the outcomes are logged" grep -q "d3: saved to" "$D/xendomains.log"

# ---- start: restored, and they go on counting ------------------------------------
run "$SCRIPT" start
is "xendomains start (restoring)" "$rc" 0
for n in 1 2 3; do
	like "... d$n restored" "$out" "d$n: restored from $D/save/d$n"
	like "... d$n not created again" "$out" "d$n: \\(skip\\) restored"
	eval "t=\$t$n"
	ok "... d$n counts on past tick $t" hosts_counts_past "$(con d$n)" $((t + 10))
done
is "... the images are gone" "$(ls "$D/save")" ""

# ---- stop without saving: two shut down, the deaf one is reported -------------------
settings ""
start=$(date +%s)
run "$SCRIPT" stop
took=$(( $(date +%s) - start ))
is "xendomains stop (shutting down) reports the failure" "$rc" 1
like "... d1 shut down" "$out" "d1: shut down"
like "... d2 shut down" "$out" "d2: shut down"
like "... d3 reported, naming the cause" "$out" "d3: not stopped: "
ok "... within the time limit ($took s; XENDOMAINS_STOP_MAXWAIT=$MAXWAIT)" \
	test "$took" -le $((MAXWAIT + 20))
ok "... d1 and d2 are gone" sh -c "! \"$XM\" list d1 >/dev/null 2>&1 && ! \"$XM\" list d2 >/dev/null 2>&1"
ok "... d3 still runs" listed d3
ok "... and counts" counting d3
ok "... every outcome is logged" grep -q "d3: not stopped" "$D/xendomains.log"
run "$XM" destroy d3
is "d3 destroyed" "$rc" 0

# ---- a cluster's guests are left alone ------------------------------------------
# Pacemaker's CIB on this node has two ocf:heartbeat:Xen resources: c1,
# whose config is (by mistake) in the auto directory too, and c2, running
# here, made by the agent's xm create from a config elsewhere.
mkdir -p "$D/auto2" "$D/vm"
for n in 1 2; do
	sed "s/^name = .*/name = \"c$n\"/" "$D/auto/d1.cfg" >"$D/vm/c$n.cfg"
done
ln -s "$D/vm/c1.cfg" "$D/auto2/c1.cfg"
cat >"$D/cib.xml" <<-EOF
<cib epoch="3" num_updates="0" admin_epoch="0"><configuration><resources>
  <primitive id="vm-c1" class="ocf" provider="heartbeat" type="Xen">
    <instance_attributes id="vm-c1-ia">
      <nvpair id="vm-c1-ia-xmfile" name="xmfile" value="$D/vm/c1.cfg"/>
    </instance_attributes>
  </primitive>
  <primitive id="vm-c2" class="ocf" provider="heartbeat" type="Xen">
    <instance_attributes id="vm-c2-ia">
      <nvpair id="vm-c2-ia-xmfile" name="xmfile" value="$D/vm/c2.cfg"/>
    </instance_attributes>
  </primitive>
</resources></configuration></cib>
EOF
settings ""
printf 'XENDOMAINS_AUTO=%s\nXENDOMAINS_CIB=%s\n' "$D/auto2" "$D/cib.xml" >>"$XENDOMAINS_CONFIG"
run "$XM" create -q -p "$D/vm/c2.cfg"
is "the cluster's c2 runs here (paused)" "$rc $err" "0 "
run "$SCRIPT" start
is "xendomains start with the cluster's c1 in the auto directory" "$rc" 0
like "... skips it, saying why" "$out" "c1: \(skip\) managed by the cluster: .*c1\.cfg is a Pacemaker resource's xmfile"
is "... only c2 runs" "$(names)" "c2 "
run "$SCRIPT" stop
is "xendomains stop" "$rc" 0
like "... skips the cluster's c2" "$out" "c2: \(skip\) managed by the cluster"
ok "... which still runs" listed c2
run "$XM" destroy c2
is "c2 destroyed" "$rc" 0
done_testing
