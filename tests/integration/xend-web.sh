#!/bin/bash
# xend-web.sh: xend's web page in a real browser (Debian's chromium,
# headless, driven by puppeteer-core through tests/tools/web-driver.js)
# against two real guests under a private xend in a network namespace of
# this test's own: a wrong password refused, the list of both guests,
# pausing one from the page (xm list agrees, the page updates without a
# reload), xm pause/unpause from the CLI pushed to the page live, an
# action's error shown with its cause, the serial console (the guest's
# prompt and a typed command's answer); with curl: logins while someone
# keeps failing, POSTs without the CSRF token, from another origin or
# without a session refused, streams asked for by another page refused, a
# foreign Host refused, the stream caps (16, and 4 a session), a session's
# end closing its streams, a console's stream ending with its domain,
# typed input a paused guest does not take bounded; screenshots under the
# test's log directory;
# AddressSanitizer's report of xend clean at the end; without a password
# file, the page read-only.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
. "${top_srcdir:-.}/tests/integration/web-lib.sh"
skip_unless_guests
skip_unless_browser
if [ ! -f /usr/share/nodejs/xterm/lib/xterm.js ]; then
	echo "1..0 # SKIP Debian's node-xterm is needed for the console"
	exit 0
fi

web_root xweb xend-web 1200
# a second user
PW2=0per-$$
printf 'oper:%s\n' "$(openssl passwd -6 "$PW2")" >>"$D/etc/xen/xend-http.passwd"
# state_flags NAME: xm list's six state letters (r or b: running)
state_flags() { xm list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
unpaused() { [[ "$(state_flags "$1")" =~ ^[rb-]{2}-{4}$ ]]; }
paused() { [[ "$(state_flags "$1")" =~ ^..p...$ ]]; }

run start_xend
is "xend starts with (xend-http-server yes) and a password file" "$rc $err" "0 "
ok "it says where logins come from" logged "web: logins from $D/etc/xen/xend-http.passwd"

c1=$(guest_cfg web1)
c2=$(guest_cfg web2)
run xm create -q "$c1"
is "create web1" "$rc $err" "0 "
run xm create -q "$c2"
is "create web2" "$rc $err" "0 "

# ---- curl: what the page refuses -----------------------------------------
code() { in_ns curl -s -o "$D/body" -w '%{http_code}' --max-time 20 "$@"; }
is "GET / serves the page" "$(code "$URL/")" 200
like "... the page itself" "$(cat "$D/body")" "<title>xend</title>"
is "a Host that is not loopback (DNS rebinding) is refused" \
    "$(code -H 'Host: evil.example:8000' "$URL/")" 400
is "/events without a session: 401" "$(code "$URL/events")" 401
is "an action without a session: 401" \
    "$(code -d 'domain=web1&action=pause' "$URL/api/action")" 401
is "a wrong password is refused (curl): 401" \
    "$(code -d "user=admin&password=wrong" "$URL/api/login")" 401
like "... with the cause" "$(cat "$D/body")" "wrong user or password"
login() { code -c "$D/cookies" -d "user=admin&password=$PW" "$URL/api/login"; }
is "the right one logs in just after (it waits out the failure's second)" \
    "$(login)" 200
# someone failing as admin again and again: admin and oper still get in
refusals() { grep -c "refused a login as 'admin'" "$D/var/log/xen/xend.log"; }
n0=$(refusals)
( end=$(( $(date +%s) + 60 ))
  while [ ! -e "$D/guess.stop" ] && [ "$(date +%s)" -lt "$end" ]; do
	in_ns curl -s -o /dev/null --max-time 20 -d 'user=admin&password=guess' "$URL/api/login"
  done ) &
GUESS=$!
ok "someone keeps failing as admin" wait_until 30 eval '[ "$(refusals)" -ge $((n0 + 2)) ]'
is "... oper logs in meanwhile, at the first try" \
    "$(code -c "$D/cookies.oper" -d "user=oper&password=$PW2" "$URL/api/login")" 200
OPER_TOKEN=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf"])' <"$D/body")
is "... and so does admin" "$(login)" 200
touch "$D/guess.stop"
wait "$GUESS"
# 8 logins at once for one user from one address: 1 checked, 4 wait, 3 refused
is "logins waiting for one user are bounded (429 past 4)" "$(in_ns python3 -c '
import socket
socks = []
for i in range(8):
    s = socket.create_connection(("127.0.0.1", 8000), timeout=30)
    s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 24\r\n\r\nuser=nobody&password=abc")
    socks.append(s)
codes = [s.recv(4096).split(b" ")[1].decode() for s in socks]
print(codes.count("401"), codes.count("429"))
')" "5 3"
like "the session cookie is HttpOnly and SameSite=Strict" \
    "$(in_ns curl -s -D - -o /dev/null -d "user=admin&password=$PW" "$URL/api/login" | tr -d '\r')" \
    "^Set-Cookie: xend_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict"
TOKEN=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf"])' <"$D/body")
is "a POST without the CSRF token is refused: 403" \
    "$(code -b "$D/cookies" -d 'domain=web1&action=pause' "$URL/api/action")" 403
like "... saying why" "$(cat "$D/body")" "no valid CSRF token"
# the token with its last digit changed
case "$TOKEN" in *0) WRONG=${TOKEN%?}1 ;; *) WRONG=${TOKEN%?}0 ;; esac
is "... with a wrong token too" \
    "$(code -b "$D/cookies" -H "X-CSRF-Token: $WRONG" -d 'domain=web1&action=pause' "$URL/api/action")" 403
is "... and with the token from another site's page (Origin)" \
    "$(code -b "$D/cookies" -H "X-CSRF-Token: $TOKEN" -H 'Origin: http://evil.example' -d 'domain=web1&action=pause' "$URL/api/action")" 403
ok "nothing was paused by them" unpaused web1
is "with the token, an action on no domain: 404" \
    "$(code -b "$D/cookies" -H "X-CSRF-Token: $TOKEN" -d 'domain=nosuch&action=pause' "$URL/api/action")" 404
like "... naming it" "$(cat "$D/body")" "pause nosuch: no such domain"
is "the console's input without the CSRF token: 403" \
    "$(code -b "$D/cookies" --data-binary 'ls' "$URL/console/input?domain=web1")" 403
is "the live list asked for by a page on another port (Origin): 403" \
    "$(code -b "$D/cookies" -H 'Origin: http://localhost:9999' "$URL/events")" 403
like "... saying why" "$(cat "$D/body")" "another site's page"
is "... or by another site (Sec-Fetch-Site: same-site): 403" \
    "$(code -b "$D/cookies" -H 'Sec-Fetch-Site: same-site' "$URL/events")" 403
is "a console asked for by another page (Sec-Fetch-Site: same-site): 403" \
    "$(code -b "$D/cookies" -H 'Sec-Fetch-Site: same-site' "$URL/console?domain=web1")" 403
ok "... and not attached" eval '! logged "console of web1 opened"'
is "an xterm.js module climbing out of its directory: 404" \
    "$(code --path-as-is "$URL/xterm/../../../../etc/passwd.js")" 404

ok "web1 boots to its shell" booted web1
ok "web2 boots to its shell" booted web2

# ---- the browser -----------------------------------------------------------
start_driver "$URL/"
is "chromium starts" "$ans" "ok ready"
page '["goto"]'
is "the page loads" "$ans" "ok loaded"
page '["login","admin","wrong"]'
is "a wrong password is refused in the page" "$ans" "fail wrong user or password"
ok "the right one logs in (after the pause)" \
    wait_until 10 eval 'page '"'"'["login","admin","'"$PW"'"]'"'"' && [ "$ans" = "ok admin" ]'
page '["rows",3,60]'
like "the list shows both guests, running, and Domain-0" "$ans" \
    "Domain-0=running web1=running web2=running"
page "[\"screenshot\",\"$SHOTS/list.png\"]"

page '["click","web1","pause"]'
ok "Pause web1 from the page" [ "$ans" = "ok pause" ]
ok "xm list shows web1 paused" wait_until 30 paused web1
page '["wait_state","web1","paused",30]'
is "the page shows web1 paused" "$ans" "ok paused"
page '["not_reloaded"]'
is "... without a reload" "$ans" "ok same page"
page "[\"screenshot\",\"$SHOTS/paused.png\"]"

t0=$(date +%s%N)
run xm pause web2
page '["wait_state","web2","paused",30]'
t1=$(date +%s%N)
is "xm pause web2: the page shows it paused, pushed" "$rc $ans" "0 ok paused"
echo "# xm pause returned to the page showing it: $(( (t1 - t0) / 1000000 )) ms (a driver round trip included)"
run xm unpause web1
page '["wait_state","web1","running",30]'
is "xm unpause web1: the page shows it running" "$rc $ans" "0 ok running"
page '["click","web2","unpause"]'
page '["wait_state","web2","running",30]'
is "Unpause web2 from the page" "$ans" "ok running"
ok "... xm agrees (running or blocked, not paused)" wait_until 30 unpaused web2
page '["not_reloaded"]'
is "still the same page" "$ans" "ok same page"

page '["set","web1","vcpus","8"]'
page '["click","web1","vcpu-set"]'
page '["wait_error","vcpu-set web1",30]'
like "a refused action's error is shown with the object and the cause" "$ans" \
    "^ok vcpu-set web1: domain 'web1': 8 vCPUs: it has 1 to 1 \(maxvcpus\)"

page '["console","web1",60]'
is "the console of web1 opens in the page" "$ans" "ok attached"
page '["type","echo WEB-$((40+2))"]'
page '["wait_console","^WEB-42",60]'
is "a typed command's answer shows in the terminal" "$ans" "ok seen"
page '["wait_console","^web1:[^ ]*# ",30]'
is "... and the guest's prompt" "$ans" "ok seen"
ok "the guest got the line (its console log)" con_has web1 "^WEB-42"
page "[\"screenshot\",\"$SHOTS/console.png\"]"
stop_driver
ok "the browser's console stream is closed with its page" \
    wait_until 30 logged "web: admin: console of web1 closed"

# ---- streams: capped; xend answers meanwhile --------------------------------
xp=$(xend_pid)
rss() { awk '/VmRSS/ { print $2 }' "/proc/$xp/status"; }
rss0=$(rss)
# streams.py COOKIE...: a live list for each cookie (a session's id),
# all at once; prints how many got 200 and 503, then holds them open
# until its stdin closes
cat >"$D/streams.py" <<'PY'
import socket, sys
socks = []
for cookie in sys.argv[1:]:
    s = socket.create_connection(("127.0.0.1", 8000), timeout=20)
    s.sendall(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nCookie: xend_session=%s\r\n\r\n" % cookie).encode())
    socks.append(s)
codes = [s.recv(4096).split(b"\r\n")[0].decode() for s in socks]
print(sum("200" in c for c in codes), sum("503" in c for c in codes), flush=True)
sys.stdin.read()
PY
sid() { awk '$6 == "xend_session" { print $7 }' "$1"; }
S1=$(sid "$D/cookies")
is "one session's fifth stream gets 503 (4 a session)" \
    "$(in_ns python3 "$D/streams.py" "$S1" "$S1" "$S1" "$S1" "$S1" </dev/null)" "4 1"
ok "... and they are counted down once closed" \
    wait_until 30 eval 'in_ns curl -s "$URL/metrics" | grep -qx "xend_http_streams 0"'
for i in 2 3 4 5; do code -c "$D/cookies.$i" -d "user=admin&password=$PW" "$URL/api/login" >/dev/null; done
mkfifo "$D/streams.in"
ids=()
for i in "" .2 .3 .4; do s=$(sid "$D/cookies$i"); ids+=("$s" "$s" "$s" "$s"); done
ids+=("$(sid "$D/cookies.5")")
in_ns python3 "$D/streams.py" "${ids[@]}" <"$D/streams.in" >"$D/streams.out" &
STREAMS=$!
exec 9>"$D/streams.in"
ok "17 live lists opened (4 sessions' 4, and one)" wait_until 30 test -s "$D/streams.out"
is "16 streams are served, the 17th gets 503" "$(cat "$D/streams.out")" "16 1"
run timeout 10 "$XM" list
is "xm list answers meanwhile" "$rc" 0
rss1=$(rss)
echo "# xend's RSS: $rss0 kB, with 16 live lists open $rss1 kB: $(( (rss1 - rss0) / 16 )) kB a list (AddressSanitizer's build)"
ok "the streams are counted in /metrics" eval \
    'in_ns curl -s "$URL/metrics" | grep -qx "xend_http_streams 16"'
exec 9>&-
wait "$STREAMS"
ok "once they close, the streams are counted down to 0" \
    wait_until 30 eval 'in_ns curl -s "$URL/metrics" | grep -qx "xend_http_streams 0"'
# a stream's status line: it never ends by itself
stream_code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 2 -b "$D/cookies" "$URL/events"; }
ok "once they close, a list opens again" \
    wait_until 30 eval '[ "$(stream_code)" = 200 ]'

# ---- a session's end closes its streams ------------------------------------------
ip netns exec "$NS" curl -s -N --max-time 60 -b "$D/cookies.oper" "$URL/console?domain=web1" >"$D/oper-con.out" &
OCON=$!
ip netns exec "$NS" curl -s -N --max-time 60 -b "$D/cookies.oper" "$URL/events" >"$D/oper-ev.out" &
OEV=$!
ok "oper opens a console of web1 and a live list (curl)" \
    wait_until 30 eval 'logged "web: oper: console of web1 opened" && grep -q "^event: state" "$D/oper-ev.out"'
ok "an idle stream gets a keepalive comment (15 s)" \
    wait_until 30 grep -qx ": keepalive" "$D/oper-ev.out"
is "oper logs out" "$(code -b "$D/cookies.oper" -H "X-CSRF-Token: $OPER_TOKEN" -X POST "$URL/api/logout")" 200
ok "... which ends the console's stream" wait_until 30 eval '! kill -0 '"$OCON"' 2>/dev/null'
ok "... and the live list's" wait_until 30 eval '! kill -0 '"$OEV"' 2>/dev/null'
ok "... as xend.log says" logged "web: oper: the session ended: 2 of its streams closed"
wait "$OCON" "$OEV" 2>/dev/null

# ---- a console whose domain goes away -----------------------------------------
# (not through in_ns, a function: $! is then curl itself)
ip netns exec "$NS" curl -s -N --max-time 60 -b "$D/cookies" "$URL/console?domain=web2" >"$D/con2.out" &
CON2=$!
ok "a console of web2 opens (curl)" wait_until 30 logged "web: admin: console of web2 opened"
run xm destroy web2
ok "web2 destroyed: its console's stream says so" \
    wait_until 30 grep -q "^event: end" "$D/con2.out"
like "... naming it" "$(cat "$D/con2.out")" "data: the console of web2 closed"
ok "... and ends the stream (curl returns)" \
    wait_until 30 eval '! kill -0 '"$CON2"' 2>/dev/null'
wait "$CON2" 2>/dev/null
ok "... as xend.log says" logged "web: admin: console of web2 closed"
is "a console of a domain that is gone: 404" \
    "$(code -b "$D/cookies" "$URL/console?domain=web2")" 404

# ---- typed input a paused guest does not take is bounded --------------------------
ip netns exec "$NS" curl -s -N --max-time 120 -b "$D/cookies" "$URL/console?domain=web1" >/dev/null &
CON1=$!
ok "a console of web1 opens (curl)" wait_until 30 eval '[ "$(grep -c "admin: console of web1 opened" "$D/var/log/xen/xend.log")" -ge 2 ]'
run xm pause web1
is "web1 paused (its serial port takes nothing)" "$rc" 0
# 4 KiB a POST until 503 (xenhv's 64 KiB, the socket's buffers, xend's 64 KiB)
like "typed input piles up to a bound: then 503" "$(in_ns python3 -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", 8000, timeout=20)
h = {"Cookie": "xend_session=" + sys.argv[1], "X-CSRF-Token": sys.argv[2]}
for i in range(1000):
    c.request("POST", "/console/input?domain=web1", body=b"#" * 4095 + b"\n", headers=h)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        print(r.status, body.decode())
        break
' "$(awk '$6 == "xend_session" { print $7 }' "$D/cookies")" "$TOKEN")" \
    "^503 .*web1 takes nothing of what is typed"
kill "$CON1" 2>/dev/null
wait "$CON1" 2>/dev/null

# ---- the end: xend stops clean -----------------------------------------------
run xm destroy web1
kill -TERM "$xp"
ok "xend stops" wait_until 60 eval '! kill -0 '"$xp"' 2>/dev/null'
is "AddressSanitizer found nothing in xend (no leak, no error)" \
    "$(cat "$D/asan.$xp" 2>/dev/null | grep -A12 'ERROR: ')" ""

# ---- without a password file: read-only --------------------------------------
xend_config "(xend-http-server yes)"
run start_xend
is "xend starts without xend-http-password-file" "$rc $err" "0 "
ok "it says the page is read-only" logged "no xend-http-password-file: the page is read-only"
is "the page is served" "$(code "$URL/")" 200
code "$URL/api/session" >/dev/null
like "the session says: no logins, no control" "$(cat "$D/body")" '"auth":"none".*"control":false'
is "the live list is served to loopback" "$(stream_code)" 200
is "an action is refused: 403" \
    "$(code -d 'domain=Domain-0&action=pause' "$URL/api/action")" 403
like "... naming the option" "$(cat "$D/body")" "actions and consoles need logins: set xend-http-password-file"
is "a console too" "$(code "$URL/console?domain=Domain-0")" 403
is "and a login" "$(code -d "user=admin&password=$PW" "$URL/api/login")" 403
done_testing
