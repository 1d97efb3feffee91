#!/bin/bash
# migration-disk.sh: disks across a live migration. An nbd-server on a
# third "host" (its network namespace) exports a small image; a guest on
# h1 with that export as its writable xvda (nbd:HOST:PORT:EXPORT, opened
# by QEMU's own NBD client on each host) writes a marker, migrates live to
# h2, reads the marker back there from the export (its page cache
# dropped) and writes another; both are in the image; h1 keeps no domain,
# no monitor and no disk lock, h2 holds the lock. The same with a file
# disk on a path both hosts see (QEMU hands the image lock over at the
# switch). Then a guest whose
# writable disk is on storage only h1 sees (a tmpfs mounted in h1's own
# mount namespace, where its xend and QEMUs run): xm migrate is refused
# before anything moves, naming the disk, its path and the cause, exits
# 1, and the guest runs on at h1 while h2 has no domain, no monitor, no
# lock and no migration record.
# Needs root, qemu-system-x86_64, nbd-server, python3, unshare and the
# default guest; skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue nbd-server python3 unshare
NBD_SERVER=$(command -v nbd-server)
BOOT=90		# seconds a boot or a console answer may take

D=$(mktemp -d /tmp/migration-disk.XXXXXX)
export XEND_XENHV="$BUILD/hypervisor/xenhv"
# the block script answers through the build tree's xenstore tools
export PATH="$BUILD/xenstore:$PATH"
GUEST_ARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img memory=128"
hosts_harness "$D" 900
NBD_PID=""
# the NBD server goes first (by its pid), then the hosts
trap '[ -n "$NBD_PID" ] && kill "$NBD_PID" 2>/dev/null; _hosts_exit' EXIT

row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
where() {
	local i w=""
	for i in 1 2; do [ -n "$(row $i "$1")" ] && w="$w $i"; done
	echo "${w# }"
}
runs() {
	local s
	[ "$(row "$1" "$2" | wc -l)" = 1 ] || return 1
	s=$(row "$1" "$2" | awk '{ print $5 }')
	case "$s" in ""|*p*|*s*|*c*|*d*) return 1 ;; esac
}
con() { hosts_console_log "$1" "$2"; }
monitors() { ls "$(hosts_root "$1")/var/run/xen/xenhv" 2>/dev/null | wc -l; }
# sql I QUERY: one value from host I's state store.
sql() {
	python3 - "$(hosts_root "$1")/var/lib/xend/xend.db" "$2" <<-'EOF'
	import sqlite3, sys
	c = sqlite3.connect(sys.argv[1])
	print(c.execute(sys.argv[2]).fetchone()[0])
	EOF
}
locks() { sql "$1" "SELECT count(*) FROM disk_locks"; }
# says I NAME TEXT REGEX: types TEXT at the guest's console until its log
# shows REGEX (typed once; the answer may take a while under TCG).
says() {
	hosts_type "$1" "$2" "$3"
	hosts_wait_text "$(con "$1" "$2")" "$4" $BOOT
}

hosts_setup 3 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }

# ---- the NBD server, on host 3 (no xend there) -------------------------------
truncate -s 16M "$D/shared.img"
cat >"$D/nbd.conf" <<EOF
[generic]
	listenaddr = $(hosts_ip 3)
	port = 10809
[disk1]
	exportname = $D/shared.img
	flush = true
	fua = true
EOF
hosts_exec 3 "$NBD_SERVER" -C "$D/nbd.conf" -p "$D/nbd.pid" >"$D/nbd.out" 2>&1
for t in $(seq 1 50); do [ -s "$D/nbd.pid" ] && break; sleep 0.1; done
NBD_PID=$(cat "$D/nbd.pid" 2>/dev/null)
ok "nbd-server exports shared.img on h3 (pid $NBD_PID)" kill -0 "${NBD_PID:-0}"

# ---- the two hosts; h1's xend sees storage of its own ------------------------
# $D/local is an empty directory for everyone but h1, whose xend (and so
# its monitors and QEMUs) runs in a mount namespace with a tmpfs there.
mkdir -p "$D/local"
for i in 1 2; do
	hosts_config $i "(xend-scripts-path $SRC/scripts)
(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.[0-9]+\$')"
done
run hosts_exec 1 unshare -m --propagation private sh -c "mount -t tmpfs -o \
size=32m tmpfs '$D/local' && truncate -s 16M '$D/local/r1.img' && exec '$XEND' \
--root '$(hosts_root 1)' start"
is "host 1: xend starts, with host-local storage at $D/local" "$rc $err" "0 "
run hosts_start 2
is "host 2: xend starts" "$rc $err" "0 "

# ---- live migration with the disk on NBD -----------------------------------------
NBD="nbd:$(hosts_ip 3):10809:disk1"
M1="nbd-one-$$"
M2="nbd-two-$$"
run hosts_xm 1 create -q "$CFG" $GUEST_ARGS name=n1 "disk=$NBD,xvda,w"
is "h1: n1 created with $NBD as xvda (w)" "$rc $err" "0 " ||
	{ echo "Bail out! no guest to migrate"; exit 1; }
ok "... boots to its shell" hosts_wait_text "$(con 1 n1)" 'guest:~#' $BOOT
ok "... writes a marker on its /dev/vda (the export) and syncs" says 1 n1 \
	"printf 'M1:%s\\n' $M1 | dd of=/dev/vda bs=512 2>/dev/null; sync; echo W1=\$((20+1))" \
	'W1=21'
ok "... which is in the exported image" grep -aq "M1:$M1" "$D/shared.img"
is "... h1 holds one disk lock" "$(locks 1)" 1

run hosts_xm 1 migrate --live n1 "$(hosts_ip 2)"
is "xm migrate --live n1 h2 succeeds" "$rc $out $err" "0  "
is "... n1 is on h2 only" "$(where n1)" "2"
ok "... and runs there" runs 2 n1
is "... h1 has no monitor left" "$(monitors 1)" 0
is "... and no disk lock" "$(locks 1)" 0
is "... h2 holds n1's lock on the export" \
	"$(sql 2 "SELECT l.mode || ' ' || l.path FROM disk_locks l JOIN domains d ON d.uuid = l.uuid WHERE d.name = 'n1'")" \
	"w $NBD"
ok "h2: n1 reads the marker back from the export (page cache dropped)" says 2 n1 \
	"echo 3 >/proc/sys/vm/drop_caches; echo R1=\$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)" \
	"R1=M1:$M1"
ok "... writes a second one past it" says 2 n1 \
	"printf 'M2:%s\\n' $M2 | dd of=/dev/vda bs=512 seek=8 2>/dev/null; sync; echo W2=\$((20+2))" \
	'W2=22'
ok "... which is in the exported image too" grep -aq "M2:$M2" "$D/shared.img"
ok "... beside the first" grep -aq "M1:$M1" "$D/shared.img"
run hosts_xm 2 destroy n1
is "h2: n1 destroyed" "$rc $err" "0 "
is "... its lock goes with it" "$(locks 2)" 0

# ---- live migration with the disk on a path both hosts see -------------------------
# $D is one directory for h1 and h2 alike: a file there is shared storage
# (QEMU hands its image lock over at the switch).
truncate -s 16M "$D/both.img"
M3="file-one-$$"
M4="file-two-$$"
run hosts_xm 1 create -q "$CFG" $GUEST_ARGS name=f1 "disk=file:$D/both.img,xvda,w"
is "h1: f1 created with file:$D/both.img as xvda (w), a path h2 sees too" \
	"$rc $err" "0 " || { echo "Bail out! no guest to migrate"; exit 1; }
ok "... boots to its shell" hosts_wait_text "$(con 1 f1)" 'guest:~#' $BOOT
ok "... writes a marker on its /dev/vda and syncs" says 1 f1 \
	"printf 'M3:%s\\n' $M3 | dd of=/dev/vda bs=512 2>/dev/null; sync; echo W3=\$((20+3))" \
	'W3=23'
run hosts_xm 1 migrate --live f1 "$(hosts_ip 2)"
is "xm migrate --live f1 h2 succeeds" "$rc $out $err" "0  "
is "... f1 is on h2 only" "$(where f1)" "2"
ok "... and runs there" runs 2 f1
is "... h1 has no disk lock left" "$(locks 1)" 0
is "... h2 holds f1's lock on the file" \
	"$(sql 2 "SELECT l.mode || ' ' || l.path FROM disk_locks l JOIN domains d ON d.uuid = l.uuid WHERE d.name = 'f1'")" \
	"w $D/both.img"
ok "h2: f1 reads the marker back (page cache dropped)" says 2 f1 \
	"echo 3 >/proc/sys/vm/drop_caches; echo R3=\$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)" \
	"R3=M3:$M3"
ok "... writes a second one past it (QEMU there has the image writable)" says 2 f1 \
	"printf 'M4:%s\\n' $M4 | dd of=/dev/vda bs=512 seek=8 2>/dev/null; sync; echo W4=\$((20+4))" \
	'W4=24'
ok "... both are in the file" \
	bash -c "grep -aq 'M3:$M3' '$D/both.img' && grep -aq 'M4:$M4' '$D/both.img'"
run hosts_xm 2 destroy f1
is "h2: f1 destroyed, its lock with it" "$rc $err $(locks 2)" "0  0"

# ---- refused: a writable disk only the source sees ---------------------------------
run hosts_xm 1 create -q "$CFG" $GUEST_ARGS name=r1 "disk=file:$D/local/r1.img,xvda,w"
is "h1: r1 created with file:$D/local/r1.img (h1's own storage)" "$rc $err" "0 " ||
	{ echo "Bail out! no guest to migrate"; exit 1; }
ok "... boots to its shell" hosts_wait_text "$(con 1 r1)" 'guest:~#' $BOOT
run hosts_xm 1 migrate --live r1 "$(hosts_ip 2)"
is "xm migrate r1 h2: exit 1" "$rc" 1
like "... refused, naming the disk, its path and the cause" "$err" \
	"^Error: disk xvda: $D/local/r1.img is not reachable on .* \(No such file or directory\); a writable disk must be shared storage \(NBD or a path both hosts see\) \(from $(hosts_ip 2)\); domain 'r1' runs on .*$"
is "... r1 is on h1 only" "$(where r1)" "1"
ok "... and runs there" runs 1 r1
ok "... and answers at its console" says 1 r1 "echo S=\$((30+3))" 'S=33'
is "... h1 still holds its lock" "$(locks 1)" 1
run hosts_xm 2 list r1
is "h2: xm list r1 finds nothing" "$rc" 3
is "... no monitor" "$(monitors 2)" 0
is "... no disk lock" "$(locks 2)" 0
is "... no record of an incoming migration of r1" \
	"$(sql 2 "SELECT count(*) FROM migrations WHERE name = 'r1'")" 0
hosts_xm 1 destroy r1

done_testing
