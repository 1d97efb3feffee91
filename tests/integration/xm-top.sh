#!/bin/bash
# xm-top.sh: the operator's terminal tools against two real guests under
# a private xend (in a network namespace of this test's own): xm top's
# batch frames (xentop's columns, both guests, CPU% rising while one
# guest spins, network and disk counters moving with the guest's
# traffic), its live view in tmux (both guests shown, keys, q quits),
# xm shell on a pty (a command's output, completion of commands and
# domain names, history kept across sessions), and the bash completion
# script's domain names. Needs tmux.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
if ! command -v tmux >/dev/null; then
	echo "1..0 # SKIP tmux is needed to drive the live view and xm shell"
	exit 0
fi

setup_root xtop
TMUX_SOCK="$D/tmux.sock"
stop_tmux() {
	[ -S "$TMUX_SOCK" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	cleanup_devices
}
trap stop_tmux EXIT
BG_PIDS=$(watchdog 1200)
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
xend_config "(network-script network-bridge)" "(device-create-timeout 60)"
NET=10.79.1

run start_xend
is "xend starts in the namespace" "$rc $err" "0 "
ok "network-bridge made xenbr0" wait_until 30 in_ns test -d /sys/class/net/xenbr0/bridge
in_ns ip addr add "$NET.1/24" dev xenbr0

truncate -s 16M "$D/busy-data.img"
c1=$(guest_cfg busy "vif = ['bridge=xenbr0']" "ip = '$NET.2'" \
    "netmask = '255.255.255.0'" "disk = ['file:$D/busy-data.img,xvda,w']")
c2=$(guest_cfg idle)
run xm create -q "$c1"
is "create busy (a vif and a disk)" "$rc $err" "0 "
run xm create -q "$c2"
is "create idle (no devices)" "$rc $err" "0 "
ok "busy boots to its shell" booted busy
ok "idle boots to its shell" booted idle

# ---- batch frames --------------------------------------------------------
HEADER="      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID"
# frame_row OUT N NAME: domain NAME's row in the Nth frame of OUT.
frame_row() {
	awk -v n="$2" -v name="$3" '/^ *NAME  STATE/ { f++; next } f == n && $1 == name' <<<"$1"
}
# col OUT N NAME K: column K of that row.
col() { frame_row "$1" "$2" "$3" | awk -v k="$4" '{ print $k }'; }

run xm top -b -i 2 -d 1
is "top -b -i 2 -d 1 exits 0, nothing on stderr" "$rc $err" "0 "
is "two frames, each under xentop's header" "$(grep -c '^ *NAME  STATE' <<<"$out")" 2
is "the header is xentop's, column for column" "$(head -n 1 <<<"$out")" "$HEADER"
is "frame 2 lists busy, Domain-0 and idle (by name, as xentop: no case)" \
    "$(awk '/^ *NAME/ { f++; next } f == 2 { print $1 }' <<<"$out" | tr '\n' ' ')" \
    "busy Domain-0 idle "
is "rows have xentop's 19 columns" \
    "$(frame_row "$out" 2 busy | awk '{ print NF }') $(frame_row "$out" 2 idle | awk '{ print NF }')" "19 19"
is "busy: state, MEM(k), MAXMEM(k), VCPUS, NETS, VBDS" \
    "$(col "$out" 2 busy 2) $(col "$out" 2 busy 5) $(col "$out" 2 busy 7) $(col "$out" 2 busy 9) $(col "$out" 2 busy 10) $(col "$out" 2 busy 13)" \
    "$(col "$out" 2 busy 2) 98304 98304 1 1 1"
like "busy's state letters are xentop's (d s b c p r)" "$(col "$out" 2 busy 2)" '^--[b-]--[r-]$'
is "idle has no vif and no disk" "$(col "$out" 2 idle 10) $(col "$out" 2 idle 13)" "0 0"
busy_pct=$(col "$out" 2 busy 4)
# what one frame costs here (information, not a check)
t0=$(date +%s%N)
"$XM" top -b -i 1 >/dev/null 2>&1
t1=$(date +%s%N)
"$XM" list >/dev/null 2>&1
t2=$(date +%s%N)
echo "# one xm top -b frame: $(( (t1 - t0) / 1000000 )) ms; xm list: $(( (t2 - t1) / 1000000 )) ms"

# busy spins: its CPU% rises above idle's
guest_ok busy SPIN "(while :; do :; done) & echo \$! >/tmp/spin" 60
ok "busy's spin loop started" con_has busy "^SPIN-42"
spinning() {
	local o b i
	o=$("$XM" top -b -i 2 -d 1 2>/dev/null)
	b=$(col "$o" 2 busy 4)
	i=$(col "$o" 2 idle 4)
	echo "# busy ${b:-?}% idle ${i:-?}%"
	awk -v b="${b:-0}" -v i="${i:-0}" 'BEGIN { exit !(b >= 40 && b > i + 20) }'
}
ok "busy's CPU(%) rises past 40 and idle's while it spins (it was $busy_pct)" \
    wait_until 120 spinning
guest_ok busy UNSPIN 'kill $(cat /tmp/spin)' 60

# ---- network and disk counters -------------------------------------------
vbd() { "$XM" top -b -i 1 -x 2>/dev/null | awk -v k="$1" '
	$1 == "busy" { on = 1; next } /^ *NAME/ || (NF == 19 && $1 != "VBD") { on = 0 }
	on && $1 == "VBD" { for (j = 1; j < NF; j++) if ($j == k) { print $(j + 1); exit } }'; }
rsect0=$(vbd RSECT:)
run xm top -b -i 1 -x
like "-x: busy's disk line as xentop's (device 51712 is ca:0)" "$out" \
    "VBD BlkBack 51712 \[ca: 0\]  OO: +0   RD: +[0-9]+   WR: +[0-9]+   RSECT: +[0-9]+   WSECT: +[0-9]+"
guest_ok busy DD "dd if=/dev/vda of=/dev/null bs=64k count=128 2>/dev/null" 120
read_grown() { [ "$(vbd RSECT:)" -ge $(( ${rsect0:-0} + 16384 )) ]; }
ok "busy read 8 MiB of its disk: RSECT grew by 16384 (from ${rsect0:-?})" \
    wait_until 30 read_grown
run xm top -b -i 1
rd=$(col "$out" 1 busy 15)
rsect=$(col "$out" 1 busy 17)
ok "... and the table's VBD_RD ($rd) and VBD_RSECT ($rsect) show it" \
    test "${rd:-0}" -gt 0 -a "${rsect:-0}" -ge 16384

guest_ok busy PING "ping -c 20 -s 1000 -W 2 $NET.1 >/dev/null" 120
net_moved() {
	local o
	o=$("$XM" top -b -i 1 2>/dev/null)
	[ "$(col "$o" 1 busy 11)" -ge 19 ] && [ "$(col "$o" 1 busy 12)" -ge 19 ]
}
ok "busy pinged dom0 with 20 KiB: NETTX(k) and NETRX(k) both show it" wait_until 30 net_moved
run xm top -b -i 1 -n
like "-n: busy's Net0 line as xentop's" "$out" \
    "Net0 RX: +[0-9]+bytes +[0-9]+pkts +0err +[0-9]+drop  TX: +[0-9]+bytes +[0-9]+pkts +0err +[0-9]+drop"

run xm top -b -i 1 -v
like "-v: a VCPUs(sec) line per domain" "$out" "VCPUs\(sec\):   0: +[0-9]+s"
run xm top -b -i 0
is "-i 0 is refused as a usage error" "$rc" 2
run xm top
like "the live view without a terminal says what to do" "$rc $err" "^1 Error: xm top needs a terminal; use -b"

# ---- the live view in tmux ------------------------------------------------
tm() { tmux -S "$TMUX_SOCK" "$@"; }
pane() { tm capture-pane -p -t "$1" 2>/dev/null; }
pane_has() { pane "$1" | grep -Eq -- "$2"; }
gone() { ! tm has-session -t "$1" 2>/dev/null; }
tm new-session -d -s top -x 220 -y 40 \
    "env XM_SERVER='$XM_SERVER' '$XM' top -d 1; echo EXITED \$?; sleep 600"
ok "live view: the header, in the pane" wait_until 30 pane_has top "NAME +STATE +CPU\(sec\)"
ok "live view: busy and idle are listed" wait_until 30 \
    eval 'pane_has top "^ +busy " && pane_has top "^ +idle "'
ok "live view: the summary counts 3 domains" pane_has top "^3 domains: "
tm send-keys -t top n
ok "n: network lines appear" wait_until 20 pane_has top "^Net0 RX:"
tm send-keys -t top s
ok "s: the sort moves to the next column (STATE)" wait_until 20 pane_has top "Sort order \(STATE\)"
tm send-keys -t top q
ok "q quits, exit status 0" wait_until 20 pane_has top "^EXITED 0"
tm kill-session -t top

# ---- xm shell on a pty ---------------------------------------------------
mkdir -p "$D/home"
shell_start() {
	tm new-session -d -s "$1" -x 200 -y 50 \
	    "env HOME='$D/home' XM_SERVER='$XM_SERVER' '$XM' shell; echo EXITED \$?; sleep 600"
	wait_until 20 pane_has "$1" '^xm>'
}
ok "xm shell: the banner and the prompt" shell_start sh1
ok "... banner as classic's" pane_has sh1 'The Xen Master. Type "help" for a list of functions.'
tm send-keys -t sh1 'list' Enter
ok "list: its output (header and both guests)" wait_until 20 \
    eval 'pane_has sh1 "^Name +ID +Mem +VCPUs +State +Time" && pane_has sh1 "^busy " && pane_has sh1 "^idle "'
tm send-keys -t sh1 'mem-' Tab Tab
ok "Tab Tab after mem-: both mem- commands offered" wait_until 20 pane_has sh1 "mem-max +mem-set"
tm send-keys -t sh1 C-u
tm send-keys -t sh1 'domid bu' Tab
ok "Tab completes a domain name (bu -> busy)" wait_until 20 pane_has sh1 '^xm> domid busy ?$'
tm send-keys -t sh1 Enter
ok "... and the command prints busy's id" wait_until 20 pane_has sh1 "^$(domid_of busy)\$"
tm send-keys -t sh1 'xm domname 0' Enter
ok "a leading xm is dropped" wait_until 20 pane_has sh1 '^Domain-0$'
tm send-keys -t sh1 'debug-keys h' Enter
ok "debug-keys: needs a Xen hypervisor, not 'not found'" wait_until 20 \
    pane_has sh1 "^Error: 'xm debug-keys' needs a Xen hypervisor"
tm send-keys -t sh1 'quit' Enter
ok "quit ends the shell" wait_until 20 pane_has sh1 '^EXITED '
ok "history kept in ~/.xm_history" grep -Eqx 'domid busy ?' "$D/home/.xm_history"
ok "a new shell starts" shell_start sh2
# quit, debug-keys h, xm domname 0, domid busy
tm send-keys -t sh2 Up Up Up Up
ok "Up recalls the last session's lines (domid busy)" wait_until 20 pane_has sh2 '^xm> domid busy ?$'
tm send-keys -t sh2 C-u 'exit' Enter
ok "exit ends it" wait_until 20 pane_has sh2 '^EXITED '

# ---- bash completion: domain names --------------------------------------
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ));
	    _xm; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC/etc/bash-completion/xm" "$@" | sort | tr '\n' ' '
}
is "completion: xm console <Tab> offers every domain" "$(comp "$XM" console '')" "Domain-0 busy idle "
is "completion: xm mem-set i<Tab> -> idle" "$(comp "$XM" mem-set i)" "idle "
is "completion: xm sched-credit -d b<Tab> -> busy" "$(comp "$XM" sched-credit -d b)" "busy "
is "completion: the second argument of mem-set is no domain" "$(comp "$XM" mem-set busy '')" ""

done_testing
