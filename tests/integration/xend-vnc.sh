#!/bin/bash
# xend-vnc.sh: an HVM guest's VNC screen in xend's web page: noVNC (from
# Debian's novnc) in Debian's headless chromium, driven by puppeteer-core
# (tests/tools/web-driver.js), over a WebSocket that xend relays to the
# guest's display, under a private xend in a network namespace of this
# test's own (and a PV guest's framebuffer, vfb, over the same
# WebSocket). The screen opens from the page, the display's password is
# asked and a wrong one refused, the canvas is drawn (not blank); with
# curl and a plain-socket client (tests/tools/ws-probe.py): a WebSocket
# without a session, from another origin or without one is refused, the
# handshake's key, the display's banner, a ping, fragments, and the
# closes a text frame, a client's close and an unmasked frame get; a
# screenshot under the test's log directory; AddressSanitizer's report of
# xend clean at the end.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
. "${top_srcdir:-.}/tests/integration/web-lib.sh"
skip_unless_guests
skip_unless_browser
if [ ! -f /usr/share/novnc/core/rfb.js ]; then
	echo "1..0 # SKIP Debian's novnc is needed for the screen (apt-get install novnc)"
	exit 0
fi

web_root xvnc xend-vnc 900
VNCPW=vnc-$$

run start_xend
is "xend starts with (xend-http-server yes) and a password file" "$rc $err" "0 "

# the cheapest HVM guest: no disk, its firmware's screen is enough
cat >"$D/hv1.cfg" <<EOF
name = 'hv1'
builder = 'hvm'
memory = 32
vnc = 1
vncpasswd = '$VNCPW'
EOF
run xm create -q "$D/hv1.cfg"
is "create hv1 (HVM, a VNC display with a password)" "$rc $err" "0 "

# ---- curl: what xend refuses --------------------------------------------------
code() { in_ns curl -s -o "$D/body" -w '%{http_code}' --max-time 20 "$@"; }
WS=(-H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13'
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
is "a screen without a session: 401" "$(code "${WS[@]}" -H "Origin: $URL" "$URL/vnc?domain=hv1")" 401
in_ns curl -s -o "$D/login.json" -c "$D/cookies" -d "user=admin&password=$PW" "$URL/api/login"
COOKIE=$(awk '$6 == "xend_session" { print $7 }' "$D/cookies")
ok "logged in (curl)" test -n "$COOKIE"
is "a screen from another site's page (Origin): 403" \
    "$(code -b "$D/cookies" "${WS[@]}" -H 'Origin: http://127.0.0.1:9999' "$URL/vnc?domain=hv1")" 403
like "... saying why" "$(cat "$D/body")" "its Origin is not this page's"
is "... and without an Origin: 403" \
    "$(code -b "$D/cookies" "${WS[@]}" "$URL/vnc?domain=hv1")" 403
ok "... logged, with the user" logged "web: admin: refused a WebSocket from origin http://127.0.0.1:9999"
is "not a WebSocket's request: 400" \
    "$(code -b "$D/cookies" -H "Origin: $URL" "$URL/vnc?domain=hv1")" 400
is "a screen of no domain: 404" \
    "$(code -b "$D/cookies" "${WS[@]}" -H "Origin: $URL" "$URL/vnc?domain=nosuch")" 404
is "a domain without a display (Domain-0): 409" \
    "$(code -b "$D/cookies" "${WS[@]}" -H "Origin: $URL" "$URL/vnc?domain=Domain-0")" 409
like "... saying so" "$(cat "$D/body")" "domain 'Domain-0' has no VNC display running"
is "noVNC's modules are served (rfb.js)" "$(code "$URL/novnc/core/rfb.js")" 200
is "... and its vendored pako" "$(code "$URL/novnc/vendor/pako/lib/zlib/inflate.js")" 200
is "... but nothing else of the package (vnc.html)" "$(code "$URL/novnc/vnc.html")" 404
is "... nor anything climbing out of it" \
    "$(code --path-as-is "$URL/novnc/core/../../../../etc/passwd.js")" 404

# ---- the protocol, from a plain socket -----------------------------------------
# what ws-probe.py says of a display (tests/tools/ws-probe.py)
PROBED="0 accept ok
banner RFB 003.008
pong hello
security types
close 1003
close 1000
close 1002"
run in_ns python3 "$SRC/tests/tools/ws-probe.py" 8000 "$COOKIE" hv1
is "WebSocket: the accept key, the display's banner, a ping between fragments, the closes" \
    "$rc $out" "$PROBED"
[ "$rc" = 0 ] || echo "# $err"
ok "... the broken frames are logged" logged "screen of hv1: the page sent an unmasked frame"
ok "... and every screen closed" wait_until 30 eval \
    '[ "$(grep -c "screen of hv1 closed" "$D/var/log/xen/xend.log")" -ge 3 ]'

# ---- a PV guest's framebuffer (vfb) too ----------------------------------------
cat >"$D/pv1.cfg" <<EOF
name = 'pv1'
kernel = '$GUEST/vmlinuz'
ramdisk = '$GUEST/initrd.img'
memory = 96
vfb = ['vnc=1,vncunused=1']
EOF
run xm create -q "$D/pv1.cfg"
is "create pv1 (PV, vfb = ['vnc=1,...'])" "$rc $err" "0 "
# screens: each domain's vnc flag in the live list's first state
screens() {
	in_ns curl -s -N --max-time 5 -b "$D/cookies" "$URL/events" 2>/dev/null |
	    python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith("data: {") and "\"domains\"" in line:
        st = json.loads(line[6:])
        print(" ".join("%s=%s" % (d["name"], str(d.get("vnc")).lower())
                       for d in st["domains"]))
        break'
}
is "the live list marks the domains with a screen" "$(screens)" \
    "Domain-0=false hv1=true pv1=true"
run in_ns python3 "$SRC/tests/tools/ws-probe.py" 8000 "$COOKIE" pv1
is "pv1's framebuffer over the same WebSocket" "$rc $out" "$PROBED"
# a page that reads nothing: xend stops reading the display (256 KiB
# queued), and goes on once the page reads again
run in_ns python3 "$SRC/tests/tools/ws-probe.py" 8000 "$COOKIE" pv1 slow \
    "$D/var/log/xen/xend.log"
is "a page that stops reading: xend stops reading the display, then goes on" \
    "$rc $out" "0 the display waits
a whole frame after it"
echo "# $err"
run xm destroy pv1
is "destroy pv1" "$rc $err" "0 "

# ---- the browser ----------------------------------------------------------------
start_driver "$URL/"
is "chromium starts" "$ans" "ok ready"
page '["goto"]'
is "the page loads" "$ans" "ok loaded"
page '["login","admin","'"$PW"'"]'
is "logged in" "$ans" "ok admin"
page '["rows",2,60]'
like "the list shows hv1 running" "$ans" "hv1=running"

page '["screen","hv1"]'
is "the screen of hv1 opens from its row" "$ans" "ok opened"
page '["screen_password","wrong",60]'
page '["screen_status","refused|disconnected",60]'
like "a wrong display password is refused" "$ans" "^ok refused by the display"
page '["screen","hv1"]'
page '["screen_password","'"$VNCPW"'",60]'
is "the display asks for its password again" "$ans" "ok sent"
page '["screen_status","^connected",60]'
like "with it, noVNC connects" "$ans" "^ok connected"
# QEMU's placeholder before the firmware draws is one line of text: the
# firmware's screen lights far more rows
page '["screen_drawn",48,120]' 150
like "the canvas is drawn (not blank)" "$ans" "^ok [0-9]+x[0-9]+ rows=([4-9][0-9]|[1-9][0-9]{2,})"
echo "# the canvas: ${ans#ok }"
page "[\"screenshot\",\"$SHOTS/screen.png\"]"
ok "a screenshot of the page with the screen" test -s "$SHOTS/screen.png"
ok "the screen's opening is logged, with the user" logged "web: admin: screen of hv1 opened"
stop_driver
ok "the screen is closed with its page" wait_until 30 eval \
    '[ "$(grep -c "screen of hv1 closed" "$D/var/log/xen/xend.log")" -ge 5 ]'
ok "no stream is left open" wait_until 30 eval \
    'in_ns curl -s "$URL/metrics" | grep -qx "xend_http_streams 0"'

# ---- a screen whose session or domain ends ------------------------------------
# screen_client OUT: a screen of hv1 on a plain socket, in the background;
# how it was closed into OUT ("closed CODE")
screen_client() {
	ip netns exec "$NS" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 8000), timeout=120)
s.sendall(("GET /vnc?domain=hv1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    "Origin: http://127.0.0.1:8000\r\nCookie: xend_session=%s\r\n"
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % sys.argv[1]).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
i = data.find(b"\x88")
print("closed", (data[i + 2] << 8 | data[i + 3]) if i >= 0 else "without a close frame", flush=True)
' "$COOKIE" >"$1" 2>&1 &
}
opened() { [ "$(grep -c "screen of hv1 opened" "$D/var/log/xen/xend.log")" -ge "$1" ]; }
screen_client "$D/logout.out"
ok "a screen of hv1 opens (plain socket)" wait_until 30 opened 6
TOKEN=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf"])' <"$D/login.json")
is "log out (curl)" "$(code -b "$D/cookies" -H "X-CSRF-Token: $TOKEN" -d '' "$URL/api/logout")" 200
ok "the session's screen is closed with it (1008)" \
    wait_until 30 grep -q "^closed 1008" "$D/logout.out"
is "... and the session opens no other" \
    "$(code -b "$D/cookies" "${WS[@]}" -H "Origin: $URL" "$URL/vnc?domain=hv1")" 401
in_ns curl -s -o /dev/null -c "$D/cookies" -d "user=admin&password=$PW" "$URL/api/login"
COOKIE=$(awk '$6 == "xend_session" { print $7 }' "$D/cookies")
screen_client "$D/gone.out"
ok "a screen of hv1 opens in a new session" wait_until 30 opened 7
run xm destroy hv1
is "xm destroy hv1" "$rc $err" "0 "
ok "its screen's client is sent a close (1001: the display closed)" \
    wait_until 30 grep -q "^closed 1001" "$D/gone.out"

# ---- the end: xend stops clean -------------------------------------------------
xp=$(xend_pid)
kill -TERM "$xp"
ok "xend stops" wait_until 60 eval '! kill -0 '"$xp"' 2>/dev/null'
is "AddressSanitizer found nothing in xend (no leak, no error)" \
    "$(cat "$D/asan.$xp" 2>/dev/null | grep -A12 'ERROR: ')" ""
done_testing
