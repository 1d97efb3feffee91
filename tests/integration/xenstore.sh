#!/bin/bash
# xenstore.sh: the xenstore in a private xend, through the xenstore-* tools
# and Xen's wire protocol (a small Python client speaking the 16-byte
# header): read/write/ls/list/exists/rm/chmod with Xen's output, watches
# that fire for children and removals, transactions that conflict with
# EAGAIN (and unrelated ones that do not), permissions that keep one
# domain's nodes from another's tools (XENSTORE_RESTRICT / XS_RESTRICT),
# bad input answered with errno names, and nodes that survive kill -9 of
# xend. No guest is booted here.
if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
	echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
	exit 0
fi

. "${top_srcdir:-.}/tests/lib.sh"

export LC_ALL=C
unset XEND_CONFIG XENSTORE_RESTRICT
TOOLS="$(cd "${top_builddir:-.}" && pwd)/xenstore"
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 is needed for the wire-protocol checks"
	exit 0
fi

D=$(mktemp -d /tmp/xenstore-test.XXXXXX)
PIDFILE="$D/var/run/xend.pid"
export XENSTORED_PATH="$D/var/run/xenstored/socket"
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
export PATH="$TOOLS:$PATH"
bg=""

cleanup() {
	local pid
	for p in $bg; do kill "$p" 2>/dev/null; done
	pid=$(cat "$PIDFILE" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	sleep 0.5
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
bg=$(watchdog 300)

run() {
	"$@" >"$D/out" 2>"$D/err"
	rc=$?
	out=$(cat "$D/out")
	err=$(cat "$D/err")
}

# The raw protocol: xs.py SCRIPT runs Python with a client object `c`.
cat >"$D/xs.py" <<'EOF'
import os, socket, struct, sys
NAMES = {"READ": 2, "WATCH": 4, "TRANSACTION_START": 6, "TRANSACTION_END": 7,
         "WRITE": 11, "MKDIR": 12, "RM": 13, "SET_PERMS": 14, "WATCH_EVENT": 15,
         "ERROR": 16, "RESTRICT": 20, "DIRECTORY": 1, "GET_PERMS": 3}
class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(os.environ["XENSTORED_PATH"])
        self.req = 0
        self.events = []
    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise EOFError("xenstored closed the connection")
            b += chunk
        return b
    def msg(self):
        t, r, tx, n = struct.unpack("=IIII", self.recv_exact(16))
        return t, r, tx, self.recv_exact(n)
    def call(self, op, payload=b"", tx=0):
        self.req += 1
        self.s.sendall(struct.pack("=IIII", NAMES[op], self.req, tx, len(payload)) + payload)
        while True:
            t, r, rtx, p = self.msg()
            if t == NAMES["WATCH_EVENT"]:
                self.events.append(p.split(b"\0")[:2])
                continue
            if t == NAMES["ERROR"]:
                return "ERR " + p.rstrip(b"\0").decode()
            return p.decode(errors="replace").rstrip("\0")
    def raw(self, data):
        self.s.sendall(data)
c = Client()
exec(sys.argv[1])
EOF
xs() { timeout 20 python3 "$D/xs.py" "$1"; }

# ---- xend with its xenstore -----------------------------------------
run "$XEND" --root "$D" start
is "xend starts" "$rc $err" "0 "
ok "the socket is where Xen has it, under the root" test -S "$XENSTORED_PATH"
is "the socket is private (0600)" "$(stat -c %a "$XENSTORED_PATH")" 600
run xenstore-read /local/domain/0/name
is "Domain-0's name, as classic xend wrote it" "$rc $out" "0 Domain-0"

# ---- the tools ---------------------------------------------------------
run xenstore-write /t/a/b hello /t/c 'tab\there'
is "xenstore-write of two keys" "$rc $err" "0 "
run xenstore-read /t/a/b
is "xenstore-read" "$rc $out" "0 hello"
run xenstore-read -p /t/a/b /t/c
is "xenstore-read -p: prefixed, escapes kept" "$out" "/t/a/b: hello
/t/c: tab\\there"
run xenstore-read /t/a
is "a node made on the way is empty" "$rc|$out" "0|"
run xenstore-list /t
is "xenstore-list: children in creation order" "$out" "a
c"
run xenstore-list -p /t
is "xenstore-list -p" "$out" "/t/a
/t/c"
run xenstore-ls /t
is "xenstore-ls: indented tree with values" "$out" 'a = ""
 b = "hello"
c = "tab\there"'
run xenstore-ls -f /t
is "xenstore-ls -f: full paths" "$out" '/t/a = ""
/t/a/b = "hello"
/t/c = "tab\there"'
run xenstore-ls -p /t/a
like "xenstore-ls -p: permissions" "$out" '^b = "hello" .*\(n0\)$'
ok "xenstore-exists of a node" xenstore-exists /t/a/b
run xenstore-exists /t/nothing
is "xenstore-exists of nothing: status 1, silent" "$rc|$out|$err" "1||"
run xenstore-read /t/nothing
is "xenstore-read of nothing: status 1" "$rc" 1
like "... naming the path and the cause" "$err" "couldn't read path /t/nothing: No such file or directory"
run xenstore-rm -t /t/a/b
run xenstore-exists /t/a
is "xenstore-rm -t removes the emptied parent too" "$rc" 1
run xenstore-write /t/odd
is "xenstore-write without a value: usage, status 1" "$rc" 1
like "... Xen's usage line" "$err" '^Usage: xenstore-write \[-h\] \[-s\] key value'
run xenstore-read '/t/bad path'
is "an invalid path is refused" "$rc" 1
like "... as EINVAL" "$err" "Invalid argument"
run "$TOOLS/xenstore" read /t/c
is "xenstore MODE ... works too" "$rc $out" '0 tab\there'
run xenstore-write /t/big "$(head -c 5000 /dev/zero | tr '\0' x)"
is "a value over 4096 bytes is refused" "$rc" 1

# ---- watches -------------------------------------------------------------
xenstore-watch -n 4 /t/w >"$D/watch.out" 2>&1 &
wpid=$!
bg="$bg $wpid"
wait_until 10 grep -qx /t/w "$D/watch.out"
ok "a new watch fires once at once" grep -qx /t/w "$D/watch.out"
xenstore-write /t/w/child 1
xenstore-write /t/elsewhere 1
xenstore-write /t/w/child/deeper 2
xenstore-rm /t/w
wait "$wpid"
is "xenstore-watch -n 4 ends after four events" "$?" 0
is "... for the node, its children and its removal, not elsewhere" \
    "$(cat "$D/watch.out")" "/t/w
/t/w/child
/t/w/child/deeper
/t/w"
run xs '
c.call("WRITE", b"/t/rel/x\0" + b"1")
print(c.call("WATCH", b"/t/rel\0tok\0"))
c.call("RM", b"/t/rel/x\0")
c.call("READ", b"/t/rel\0")
print(c.events)'
is "protocol: XS_WATCH answers OK, then events carry path and token" "$out" \
    "OK
[[b'/t/rel', b'tok'], [b'/t/rel/x', b'tok']]"

# ---- transactions --------------------------------------------------------
xenstore-write /t/counter 0 /t/other 0
run xs '
t1 = int(c.call("TRANSACTION_START", b"\0").rstrip("\0"))
print(c.call("READ", b"/t/counter\0", t1))
c.call("WRITE", b"/t/counter\0" + b"1", t1)
print(c.call("READ", b"/t/counter\0", t1))
d = Client()
print(d.call("WRITE", b"/t/counter\0" + b"5"))
print(c.call("TRANSACTION_END", b"T\0", t1))'
is "a transaction whose node changed meanwhile fails with EAGAIN" "$out" "0
1
OK
ERR EAGAIN"
is "... and leaves the other writer's value" "$(xenstore-read /t/counter)" 5
run xs '
t1 = int(c.call("TRANSACTION_START", b"\0").rstrip("\0"))
d = Client()
t2 = int(d.call("TRANSACTION_START", b"\0").rstrip("\0"))
c.call("WRITE", b"/t/counter\0" + b"6", t1)
d.call("WRITE", b"/t/other\0" + b"7", t2)
print(d.call("TRANSACTION_END", b"T\0", t2))
print(c.call("TRANSACTION_END", b"T\0", t1))
print(c.call("TRANSACTION_END", b"T\0", t1))'
is "transactions on different nodes both commit; a finished one is gone" "$out" \
    "OK
OK
ERR ENOENT"
is "... with both values in" "$(xenstore-read /t/counter /t/other | tr '\n' ' ')" "6 7 "
run xs '
t1 = int(c.call("TRANSACTION_START", b"\0").rstrip("\0"))
c.call("WRITE", b"/t/aborted\0" + b"1", t1)
print(c.call("TRANSACTION_END", b"F\0", t1))
print(c.call("READ", b"/t/aborted\0"))'
is "an aborted transaction leaves nothing" "$out" "OK
ERR ENOENT"

# ---- permissions and acting as a domain ------------------------------------
xenstore-write /local/domain/7/name seven /local/domain/7/data/secret s7
xenstore-chmod -r /local/domain/7 n7
xenstore-write /local/domain/8/name eight
xenstore-chmod -r /local/domain/8 n8
run env XENSTORE_RESTRICT=7 xenstore-read /local/domain/7/data/secret
is "domain 7's tools read domain 7's node" "$rc $out" "0 s7"
run env XENSTORE_RESTRICT=8 xenstore-read /local/domain/7/data/secret
is "domain 8's tools cannot" "$rc" 1
like "... Permission denied" "$err" "Permission denied"
run env XENSTORE_RESTRICT=8 xenstore-write /local/domain/7/data/secret stolen
is "nor write it" "$rc $(xenstore-read /local/domain/7/data/secret)" "1 s7"
run env XENSTORE_RESTRICT=8 xenstore-ls /local/domain/7
is "nor list it" "$rc" 1
run env XENSTORE_RESTRICT=7 xenstore-write data/mine 1
is "a relative path is under the domain's own home" "$rc $(xenstore-read /local/domain/7/data/mine)" "0 1"
run env XENSTORE_RESTRICT=7 xenstore-chmod /local/domain/7/data/mine n8
is "a domain may not give its node away" "$rc" 1
run xs '
print(c.call("RESTRICT", b"8\0"))
print(c.call("READ", b"/local/domain/7/name\0"))
print(c.call("READ", b"/local/domain/8/name\0"))
print(c.call("RESTRICT", b"0\0"))'
is "XS_RESTRICT: the connection is that domain from then on, for good" "$out" \
    "OK
ERR EACCES
eight
ERR EPERM"
run xs '
c.call("WATCH", b"/local/domain/7\0w7\0")
c.call("RESTRICT", b"8\0")
d = Client()
d.call("WRITE", b"/local/domain/7/data/x\0" + b"1")
d.call("WRITE", b"/local/domain/8/y\0" + b"1")
print(c.call("WATCH", b"/local/domain/8\0w8\0"))
c.call("READ", b"/local/domain/8/y\0")
print([e[0].decode() for e in c.events])'
is "watch events come only for nodes the watcher may read" "$out" "OK
['/local/domain/7', '/local/domain/8']"

# ---- bad input ------------------------------------------------------------
run xs '
print(c.call("READ", b"relative\0"))
print(c.call("WRITE", b"/t/x"))
print(c.call("SET_PERMS", b"/t/c\0q5\0"))
c.req += 1
c.raw(struct.pack("=IIII", 99, c.req, 0, 0))
t, r, tx, p = c.msg()
print(t, p)
print(c.call("READ", b"/t/c\0"))'
is "errors travel as Xen's errno names; an unknown type keeps the connection" \
    "$out" "ERR ENOENT
ERR EINVAL
ERR EINVAL
16 b'EINVAL\\x00'
tab	here"
run xs '
c.raw(struct.pack("=IIII", 2, 1, 0, 100000))
try:
    print(c.msg())
except (EOFError, ConnectionResetError):
    print("closed")'
is "an oversized message ends the connection" "$out" "closed"
run xenstore-read /t/c
is "... and xend serves the next one" "$rc" 0

# ---- nodes outlive xend ------------------------------------------------------
xenstore-write /t/persist kept
kill -KILL "$(cat "$PIDFILE")"
run "$XEND" --root "$D" start
is "xend starts again after kill -9" "$rc $err" "0 "
run xenstore-read /t/persist
is "the nodes are still there (SQLite)" "$rc $out" "0 kept"
run env XENSTORE_RESTRICT=8 xenstore-read /local/domain/7/data/secret
is "... with their permissions" "$rc" 1

done_testing
