#!/bin/bash
# domains.sh: xend's domain lifecycle with real guests, under a private xend
# and a temporary root: create (paused) -> unpause -> console banner, pause,
# reboot (a new domid), shutdown with on_poweroff destroy and preserve,
# on_crash restart and rename-restart after QEMU is killed, the restart loop
# guard, kill -9 of xend (domains run on and are re-adopted), a crash while
# xend is down, Dom0's refusals and bad inputs (nothing left behind).
# xend is driven over XML-RPC by a small Python client until xm has the
# lifecycle commands. Needs qemu-system-x86_64, python3 and the default
# guest ($XEN_GUEST_DIR, else /usr/share/xen/guest from scripts/mkguest.sh).
# KEEP=1 leaves the test root (logs, database) for inspection.
# tests/run.sh sets this for make distcheck: these already ran in its main pass.
if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
	echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
	exit 0
fi

. "${top_srcdir:-.}/tests/lib.sh"

export LC_ALL=C
unset XEND_CONFIG
TOOL="${top_builddir:-.}/tests/tools/xc-tool"
CFG="${top_srcdir:-.}/etc/xen/examples/guest.cfg"
BANNER="xen-guest: booted"
LIMIT=60		# seconds any wait may take
# The restart loop guard for this test (seconds): the second kill of
# "crashy" must land within it after the restart, on a host that may be
# loaded (a dozen runnable threads on two cores make each step slow).
GUARD=15

need_guest
if ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then
	echo "1..0 # SKIP python3 and curl are needed to talk to xend"
	exit 0
fi
if [ ! -x "${top_builddir:-.}/hypervisor/xenhv" ] || [ ! -x "$TOOL" ]; then
	echo "1..0 # SKIP build hypervisor/xenhv and tests/tools/xc-tool first"
	exit 0
fi

D=$(mktemp -d /tmp/xend-domains.XXXXXX)
SOCK="$D/var/run/xend/xmlrpc.sock"
PIDFILE="$D/var/run/xend.pid"
DB="$D/var/lib/xend/xend.db"
CONSOLE="$D/var/log/xen/console"
XLOG="$D/var/log/xen/xend.log"
export XM_SERVER="httpu://$SOCK"
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
export XENHV="$XEND_XENHV"
export XEND_RESTART_GUARD_SECS=$GUARD
[ -n "$XEN_QEMU" ] && export XEN_QEMU
xend_pid=""

tool() { timeout 30 "$TOOL" --root "$D" "$@"; }

# Stops everything this test started, by pid: domains through xend, xend,
# then whatever monitor or QEMU is still left (through their pids).
cleanup() {
	local d p pids
	trap - EXIT
	if [ -S "$SOCK" ] && [ -n "$(cat "$PIDFILE" 2>/dev/null)" ]; then
		for d in $(rpc_names all 2>/dev/null); do
			[ "$d" = Domain-0 ] || rpc xend.domain.destroy "$d" >/dev/null 2>&1
		done
	fi
	"${XEND:-xend/xend}" --root "$D" stop >/dev/null 2>&1
	p=$(cat "$PIDFILE" 2>/dev/null)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	for d in $(ls "$D/var/run/xen/xenhv" 2>/dev/null); do
		pids=$(tool getinfo "$d" 2>/dev/null | awk '/_pid /{print $2}')
		tool destroy "$d" >/dev/null 2>&1
		for p in $pids; do [ "$p" -gt 0 ] && kill -9 "$p" 2>/dev/null; done
	done
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$D"
}
trap cleanup EXIT
# Nothing here may hang the suite.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep 900 &
	sp=$!
	wait "$sp" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
watchdog=$!

# The XML-RPC client: rpc.py METHOD ARG... prints the result as JSON, or
# "FAULT code: message" (exit 1). An argument @sxp:FILE is an SXP file
# sent as nested arrays (as xm sends it), anything else JSON or a string.
# -k KEY prints the value of (KEY value) in a domain SXP result instead.
cat >"$D/rpc.py" <<'EOF'
import http.client, json, re, socket, sys, xmlrpc.client

class Conn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.upath = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.upath)

class Transport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.upath = path
    def make_connection(self, host):
        return Conn(self.upath)

def sxp(text):
    toks = re.findall(r"\(|\)|'(?:[^'\\]|\\.)*'|[^\s()]+", text)
    stack = [[]]
    for t in toks:
        if t == "(":
            stack.append([])
        elif t == ")":
            l = stack.pop()
            stack[-1].append(l)
        elif t[0] == "'":
            stack[-1].append(t[1:-1])
        elif re.fullmatch(r"-?[0-9]+", t):
            stack[-1].append(int(t))
        else:
            stack[-1].append(t)
    return stack[0][0]

def arg(a):
    if a.startswith("@sxp:"):
        text = open(a[5:]).read()
        return sxp(text[text.index("("):])
    try:
        return json.loads(a)
    except ValueError:
        return a

argv = sys.argv[1:]
key = None
if argv[0] == "-k":
    key = argv[1]
    argv = argv[2:]
sock, method, args = argv[0], argv[1], [arg(a) for a in argv[2:]]
proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2",
    transport=Transport(sock), allow_none=True)
try:
    r = getattr(proxy, method)(*args)
except xmlrpc.client.Fault as f:
    print("FAULT %d: %s" % (f.faultCode, f.faultString))
    sys.exit(1)
if key is not None:
    vals = [c[1] for c in r[1:] if isinstance(c, list) and len(c) > 1 and c[0] == key]
    print(vals[0] if vals else "")
else:
    print(json.dumps(r))
EOF

# rpc METHOD ARG...: leaves the output in out and the exit status in rc.
rpc() {
	out=$(timeout 120 python3 "$D/rpc.py" "$SOCK" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	return $rc
}
# dom NAME KEY: one child of the domain's SXP ("" when absent or unknown).
dom() { timeout 30 python3 "$D/rpc.py" -k "$2" "$SOCK" xend.domain "$1" 2>/dev/null; }
rpc_names() {
	timeout 30 python3 "$D/rpc.py" "$SOCK" xend.domains_with_state false "$1" false |
	    python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))'
}
# meta KEY: a value of the store's meta table.
meta() {
	python3 - "$DB" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT value FROM meta WHERE key = ?", (sys.argv[2],)).fetchone()[0])
EOF
}
# The record's rows, from the state store itself.
records() {
	python3 - "$DB" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute("SELECT name, domid, state FROM domains ORDER BY name"):
    print("%s %s %s" % row)
EOF
}

# wait_until DESC CMD...: retries CMD until it succeeds, LIMIT seconds.
wait_until() {
	local desc="$1" end=$((SECONDS + LIMIT))
	shift
	while ! "$@" >/dev/null 2>&1; do
		if [ $SECONDS -ge $end ]; then
			_tap_result 1 "$desc (timed out after $LIMIT s)"
			return 1
		fi
		sleep 0.2
	done
	_tap_result 0 "$desc"
}
state_is() { [[ "$(dom "$1" state)" =~ $2 ]]; }
absent() { ! rpc_names all | grep -qx "$1"; }
banner() { grep -q "$BANNER" "$CONSOLE/$1.log" 2>/dev/null; }
# banners NAME N: the console log (appended across restarts) has N banners.
banners() { [ "$(grep -c "$BANNER" "$CONSOLE/$1.log" 2>/dev/null)" -ge "$2" ]; }
domid_changed() { local id; id=$(dom "$1" domid); [ -n "$id" ] && [ "$id" != "$2" ]; }
qemu_pid() { tool getinfo "$1" 2>/dev/null | awk '$1 == "engine_pid" { print $2 }'; }
alive() { kill -0 "$1" 2>/dev/null; }
start_xend() {
	"$XEND" --root "$D" start >"$D/start.out" 2>&1 || cat "$D/start.out" >&2
	xend_pid=$(cat "$PIDFILE" 2>/dev/null)
}
# sxp_for NAME VAR=VALUE...: the (vm ...) of guest.cfg with overrides.
sxp_for() {
	local name="$1"
	shift
	"$XM" create -n "$CFG" name="$name" kernel="$GUEST/vmlinuz" \
	    ramdisk="$GUEST/initrd.img" "$@" 2>"$D/xm.err" >"$D/$name.sxp"
}
# boot NAME VAR=VALUE...: create, unpause and wait for the banner.
boot() {
	local name="$1"
	sxp_for "$@" && rpc xend.domain.create "@sxp:$D/$name.sxp" >/dev/null &&
	    rpc xend.domain.unpause "$name" >/dev/null &&
	    wait_until "$name: booted to its banner" banner "$name"
}
ms() { date +%s%3N; }

# --- xend, Dom0, bad inputs ------------------------------------------------

start_xend
ok "xend starts under the test root" alive "${xend_pid:-0}"
rpc xend.domains true false >/dev/null
like "xend.domains: Domain-0 is listed" "$out" '"name", "Domain-0"'
is "Domain-0 is domain 0, r-----" "$(dom Domain-0 domid) $(dom Domain-0 state)" "0 r-----"
is "Domain-0 has the zero UUID" "$(dom 0 uuid)" "00000000-0000-0000-0000-000000000000"

rpc xend.domain nosuch >/dev/null
is "an unknown domain is fault 3 naming it" "$out" "FAULT 3: nosuch"
rpc xend.domain.shutdown 0 poweroff >/dev/null
like "Domain-0 refuses shutdown" "$out" "^FAULT 2: Cannot shut down privileged domain Domain-0"
rpc xend.domain.destroy Domain-0 >/dev/null
like "Domain-0 refuses destroy" "$out" "^FAULT 2: Cannot destroy privileged domain"
rpc xend.domain.pause 0 >/dev/null
like "Domain-0 refuses pause" "$out" "^FAULT 2: Cannot pause privileged domain"

sxp_for nokernel kernel=/nonexistent/vmlinuz
rpc xend.domain.create "@sxp:$D/nokernel.sxp" >/dev/null
like "a missing kernel: the error names the file and the cause" "$out" \
    "^FAULT 2: .*'nokernel'.*kernel /nonexistent/vmlinuz: No such file or directory"
is "a missing kernel: no monitor started" "$(ls "$D/var/run/xen/xenhv" 2>/dev/null)" ""
is "a missing kernel: no record left" "$(records | grep nokernel)" ""

# xm checks these too; xend must not rely on it: the SXP is edited
sxp_for bad
sed 's/(memory 128)/(memory 0)/' "$D/bad.sxp" >"$D/badmem.sxp"
rpc xend.domain.create "@sxp:$D/badmem.sxp" >/dev/null
like "memory 0 is refused" "$out" "^FAULT 2: .*'bad'.*memory: 0 is out of range"
sed 's/(memory 128)/(memory 256) (maxmem 128)/' "$D/bad.sxp" >"$D/badmax.sxp"
rpc xend.domain.create "@sxp:$D/badmax.sxp" >/dev/null
like "maxmem below memory is refused" "$out" "^FAULT 2: .*maxmem \(128 MiB\) is less than memory \(256 MiB\)"
sed 's/(on_crash destroy)/(on_crash explode)/' "$D/bad.sxp" >"$D/badact.sxp"
rpc xend.domain.create "@sxp:$D/badact.sxp" >/dev/null
like "an unknown on_crash action is refused" "$out" "Invalid event handling mode: on_crash 'explode'"
sed 's/(vcpus 1)/(vcpus 0)/' "$D/bad.sxp" >"$D/badcpu.sxp"
rpc xend.domain.create "@sxp:$D/badcpu.sxp" >/dev/null
like "vcpus 0 is refused" "$out" "^FAULT 2: .*vcpus: 0 is out of range"
is "bad inputs leave no record" "$(records)" ""

# --- create, unpause, console, pause ------------------------------------

sxp_for guest
t0=$(ms)
rpc xend.domain.create "@sxp:$D/guest.sxp" >/dev/null
t1=$(ms)
like "create returns the domain's SXP" "$out" '"name", "guest"'
like "the new domain is paused" "$out" '"state", "--p---"'
id1=$(dom guest domid)
like "it has a domain id above 0" "$id1" '^[1-9][0-9]*$'
is "the record says paused, with that domid" "$(records)" "guest $id1 paused"
rpc xend.domain.create "@sxp:$D/guest.sxp" >/dev/null
like "a second create with the name fails, naming both" "$out" \
    "^FAULT 2: Domain 'guest' already exists with ID $id1"
rpc xend.domain.waitForDevices guest >/dev/null
is "waitForDevices returns (no devices yet)" "$rc $out" "0 null"
t2=$(ms)
rpc xend.domain.unpause guest >/dev/null
wait_until "unpaused: running (r or b)" state_is guest '^[rb-][b-]----$'
wait_until "the console log shows the guest's banner" banner guest
t3=$(ms)
echo "# create $((t1 - t0)) ms; unpause -> banner $((t3 - t2)) ms; create -> banner $((t3 - t0)) ms"
is "Mem, VCPUs and the image are the config's" \
    "$(dom guest memory) $(dom guest vcpus) $(dom guest online_vcpus)" "128 1 1"
rpc xend.domain.pause guest >/dev/null
is "pause: --p---" "$(dom guest state)" "--p---"
rpc xend.domain.getpauseflag guest >/dev/null
rpc xend.domain.unpause guest >/dev/null
like "unpause: running again" "$(dom guest state)" '^[r-][b-]----$'
cpu=$(dom guest cpu_time)
like "cpu_time is seconds (a float above 0)" "$cpu" '^[0-9]+\.[0-9]+$'

# --- rename -------------------------------------------------------------

rpc xend.domain.setName guest Domain-0 >/dev/null
like "renaming onto another domain's name is refused" "$out" "already exists with ID 0"
rpc xend.domain.setName guest renamed >/dev/null
is "setName: the domain answers to its new name" "$(dom renamed domid)" "$id1"
rpc xend.domain.setName "$id1" guest >/dev/null
is "setName back, by domain id" "$(dom guest domid)" "$id1"

# --- reboot: on_reboot restart gives a new domid, same name and UUID ---

# No wait for the restart-loop guard here: a reboot the admin asks for is
# never a loop, however soon after boot it comes.
uuid=$(dom guest uuid)
rpc xend.domain.shutdown guest reboot >/dev/null
wait_until "reboot within the loop guard: the guest comes back with a new domid" domid_changed guest "$id1"
is "reboot: the same UUID" "$(dom guest uuid)" "$uuid"
is "reboot: getRestartCount is 1" "$(rpc xend.domain.getRestartCount guest)" "1"
wait_until "reboot: the restarted guest boots" banners guest 2

# --- shutdown: on_poweroff destroy ------------------------------------------

id2=$(dom guest domid)
rpc xend.domain.shutdown guest poweroff >/dev/null
is "shutdown poweroff is accepted" "$rc" "0"
wait_until "on_poweroff destroy: the domain goes away" absent guest
is "its record is gone" "$(records | grep '^guest ')" ""
is "its monitor is gone" "$(ls "$D/var/run/xen/xenhv" 2>/dev/null)" ""
grep -q "Domain guest ($id2): shut down (poweroff" "$XLOG"
is "xend.log says why it stopped" "$?" "0"

# --- on_poweroff preserve ------------------------------------------------

boot keep on_poweroff=preserve
rpc xend.domain.shutdown keep halt >/dev/null
wait_until "on_poweroff preserve: kept, shown shut down (---s--)" state_is keep '^---s--$'
is "the record says shutdown" "$(records | awk '$1 == "keep" {print $3}')" "shutdown"
rpc xend.domain.destroy keep >/dev/null
is "destroy of the preserved domain" "$rc" "0"
ok "destroyed: gone from the list" absent keep
is "destroyed: the record is gone" "$(records | grep '^keep ')" ""

# --- on_crash restart, the restart loop guard ---------------------------

boot crashy on_crash=restart
cid=$(dom crashy domid)
q=$(qemu_pid "$cid")
sleep $GUARD
kill -9 "$q"
wait_until "on_crash restart: QEMU killed -> a new domid, same name" domid_changed crashy "$cid"
is "restart count 1" "$(rpc xend.domain.getRestartCount crashy)" "1"
cid2=$(dom crashy domid)
wait_until "the restarted domain runs" state_is crashy '^[rb-][b-]----$'
q=$(qemu_pid "$cid2")
kill -9 "$q"
wait_until "killed again at once: the loop guard destroys it" absent crashy
grep -q "VM crashy restarting too fast" "$XLOG"
is "xend.log: VM crashy restarting too fast" "$?" "0"

# --- rename-restart -----------------------------------------------------

boot rr on_crash=rename-restart
rid=$(dom rr domid)
ruuid=$(dom rr uuid)
sleep $GUARD
kill -9 "$(qemu_pid "$rid")"
wait_until "rename-restart: rr restarts with a new domid" domid_changed rr "$rid"
is "rename-restart: rr keeps its UUID" "$(dom rr uuid)" "$ruuid"
old=$(rpc_names all | grep '^Domain-[0-9a-f]\{8\}-')
is "the crashed one is kept as Domain-<uuid>, with the old domid" \
    "$(dom "$old" domid) $(dom "$old" state)" "$rid ----c-"
is "Domain-<uuid> is named by its own new UUID" "Domain-$(dom "$old" uuid)" "$old"
rpc xend.domain.destroy "$old" >/dev/null
rpc xend.domain.destroy rr >/dev/null
ok "both are destroyed" absent rr

# --- kill -9 of xend: domains run on and are re-adopted ---------------------

boot surv on_crash=restart
sid=$(dom surv domid)
sq=$(qemu_pid "$sid")

# A monitor started behind xend's back on the domid xend would give next:
# creation skips that id, and the restarted xend adopts the stranger.
next=$(meta next_domid)
tool create --domid "$next" --name stranger --kernel "$GUEST/vmlinuz" \
    --ramdisk "$GUEST/initrd.img" --memory 64 --paused >/dev/null
rpc xend.domain.create "@sxp:$D/guest.sxp" >/dev/null
gid=$(dom guest domid)
[ "${gid:-0}" -gt "$next" ]
is "a domid held by a stranger's monitor is skipped" "$?" "0"
grep -q "domain id $next is held by a monitor xend does not know" "$XLOG"
is "xend.log names the held domid" "$?" "0"
rpc xend.domain.destroy guest >/dev/null

kill -9 "$xend_pid"
sleep 1
ok "xend killed: the guest's QEMU runs on" alive "$sq"
start_xend
ok "xend starts again" alive "${xend_pid:-0}"
is "re-adopted with the same domid" "$(dom surv domid)" "$sid"
like "and a running state" "$(dom surv state)" '^[rb-][b-]----$'
is "the same QEMU process" "$(qemu_pid "$sid")" "$sq"
grep -q "Domain surv ($sid): re-adopted" "$XLOG"
is "xend.log: re-adopted" "$?" "0"
is "the stranger is adopted, paused, under its own name" \
    "$(dom stranger domid) $(dom stranger state)" "$next --p---"
grep -q "Domain $next (stranger) runs without a record: adopted" "$XLOG"
is "xend.log warns about the adopted stranger" "$?" "0"
rpc xend.domain.destroy stranger >/dev/null
ok "the stranger is destroyed through xend" absent stranger
sxp_for surv
rpc xend.domain.create "@sxp:$D/surv.sxp" >/dev/null
like "after the restart the name is still taken" "$out" "already exists with ID $sid"
id_new=$(rpc xend.domain.create "@sxp:$D/guest.sxp" >/dev/null; dom guest domid)
[ "${id_new:-0}" -gt "$sid" ]
is "domain ids keep increasing after xend's restart" "$?" "0"
rpc xend.domain.destroy guest >/dev/null

# --- QEMU killed while xend is down: on_crash applies when it is back -------

sleep $GUARD
kill -9 "$xend_pid"
kill -9 "$sq"
sleep 1
start_xend
wait_until "crashed while xend was down: restarted on its return" domid_changed surv "$sid"
is "restart count 1 after the crash while away" "$(rpc xend.domain.getRestartCount surv)" "1"
grep -q "Domain surv ($sid): crashed (crash, QEMU was killed by signal 9): on_crash restart" "$XLOG"
is "xend.log: the crash and the action" "$?" "0"

# --- the same through xm, where xm has the commands ------------------------

if "$XM" help shutdown >/dev/null 2>&1 && "$XM" help pause >/dev/null 2>&1; then
	run_xm() { out=$(timeout 120 "$XM" "$@" 2>&1); rc=$?; }
	run_xm create "$CFG" name=viaxm
	is "xm create: started (created paused, waited for, unpaused)" "$rc" "0"
	like "xm create names the domain and its id" "$out" "Started domain viaxm \(id=[0-9]+\)"
	wait_until "xm: the guest boots" banner viaxm
	run_xm list viaxm
	like "xm list shows it running" "$out" "^viaxm +[0-9]+ +128 +1 +[r-][b-]---- "
	run_xm pause viaxm
	run_xm list viaxm
	like "xm pause: --p---" "$out" "--p---"
	run_xm unpause viaxm
	run_xm shutdown -w viaxm
	is "xm shutdown -w waits for the domain to go" "$rc" "0"
	ok "xm shutdown -w: gone from xend" absent viaxm
else
	skip "xm has no lifecycle commands yet" "xm help shutdown fails"
fi

# --- the end ------------------------------------------------------------

rpc xend.domain.destroy surv >/dev/null
ok "the last domain is destroyed" absent surv
is "no record is left" "$(records)" ""
"$XEND" --root "$D" stop
is "xend stops" "$?" "0"
is "no monitor is left" "$(ls "$D/var/run/xen/xenhv" 2>/dev/null)" ""

done_testing
