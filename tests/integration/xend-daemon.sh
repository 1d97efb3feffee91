#!/bin/bash
# xend-daemon.sh: a private xend under a temporary root, driven by the real
# xm and by raw HTTP: start/status/stop/restart/reload, the pid file and
# socket, xm info/log/dmesg, faults for bad requests, the peer check, and
# recovery after kill -9. Log rotation is covered by tests/unit/test-xend-log.
# tests/run.sh sets this for make distcheck: these already ran in its main pass.
if [ -n "${XEN_SKIP_INTEGRATION:-}" ]; then
	echo "1..0 # SKIP $XEN_SKIP_INTEGRATION"
	exit 0
fi

. "${top_srcdir:-.}/tests/lib.sh"

export LC_ALL=C
unset XEND_CONFIG

D=$(mktemp -d /tmp/xend-daemon.XXXXXX)
SOCK="$D/var/run/xend/xmlrpc.sock"
PIDFILE="$D/var/run/xend.pid"
export XM_SERVER="httpu://$SOCK"
[ -x "${top_builddir:-.}/hypervisor/xenhv" ] &&
	export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"

# Stop whatever this test started, by pid only.
cleanup() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	[ -n "$fg_pid" ] && kill -TERM "$fg_pid" 2>/dev/null
	sleep 0.5
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
alive_pid() { [ -n "$1" ] && [ "$1" -gt 1 ] && kill -0 "$1" 2>/dev/null; }

# run CMD...: leaves stdout, stderr and status in out, err, rc.
run() {
	"$@" >"$D/out" 2>"$D/err"
	rc=$?
	out=$(cat "$D/out")
	err=$(cat "$D/err")
}

# post BODY [PATH [METHOD]]: raw HTTP to the socket; leaves the body in
# out and the HTTP status in code.
post() {
	local body="$1" path="${2:-/RPC2}" method="${3:-POST}"
	code=$(curl -s -o "$D/out" -w '%{http_code}' --unix-socket "$SOCK" \
		-X "$method" -H 'Content-Type: text/xml' --data-binary "$body" \
		"http://localhost$path")
	out=$(cat "$D/out")
}

call_xml() {
	printf "<?xml version='1.0'?><methodCall><methodName>%s</methodName><params>%s</params></methodCall>" "$1" "$2"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# dead PID: the process has exited (a zombie counts: the daemon's parent
# is init, or whatever reaper the test runs under).
dead() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ]
}

# as_nobody CMD...: runs CMD as nobody (root only).
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# --- start, status, the files it makes -------------------------------

run "$XEND" --root "$D" start
is "xend start succeeds" "$rc $err" "0 "
pid=$(cat "$PIDFILE" 2>/dev/null)
like "the pid file names the daemon" "$pid" '^[0-9]+$'
# Never "kill PID" with an empty PID: "kill 0" would hit our whole
# process group (make, the test runner). A missing pid fails the check.
ok "the daemon runs" alive_pid "$pid"
run "$XEND" --root "$D" status
is "xend status: running, 0" "$rc $out" "0 xend is running (pid $pid)"
is "socket mode 0600" "$(stat -c %a "$SOCK" 2>&1)" "600"
is "socket directory mode 0700" "$(stat -c %a "$D/var/run/xend" 2>&1)" "700"
ok "the state store exists" test -s "$D/var/lib/xend/xend.db"

run "$XEND" --root "$D" start
is "a second start is refused" "$rc $err" "1 xend is already running (pid $pid)"

# --- xm info ---------------------------------------------------------

run "$XM" info
is "xm info succeeds" "$rc" "0"
is "xm info skips 'system' and starts with host" "$(printf '%s\n' "$out" | head -1 | cut -c1-25)" "host                   : "
bad=$(printf '%s\n' "$out" | awk 'substr($0, 24, 2) != ": " || substr($0, 1, 23) !~ /^[a-z_]+ *$/')
is "every line is '%-23s: value'" "$bad" ""
keys=$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')
is "xm info keys, in order" "$keys" "host release version machine nr_cpus nr_nodes cores_per_socket threads_per_core cpu_mhz hw_caps virt_caps total_memory free_memory free_cpus xen_major xen_minor xen_extra xen_caps xen_scheduler xen_pagesize platform_params xen_changeset xen_commandline cc_compiler cc_compile_by cc_compile_domain cc_compile_date accel xend_config_format "
like "hw_caps is eight words" "$(printf '%s\n' "$out" | grep '^hw_caps')" ': [0-9a-f]{8}(:[0-9a-f]{8}){7}$'
like "total_memory in MiB" "$(printf '%s\n' "$out" | grep '^total_memory')" ': [1-9][0-9]*$'
if [ -e /dev/kvm ]; then
	like "accel names the choice and why" "$(printf '%s\n' "$out" | grep '^accel')" '^accel +: (kvm|tcg) \(.+\)$'
else
	like "accel is tcg here (no /dev/kvm), with the reason" "$(printf '%s\n' "$out" | grep '^accel')" '^accel +: tcg \(.+\)$'
fi
like "xend_config_format 4" "$(printf '%s\n' "$out" | tail -1)" '^xend_config_format +: 4$'

run "$XM" info -c
like "xm info -c still reads the config itself" "$out" '^logfile +: '

# --- xm log, xm dmesg ------------------------------------------------

run "$XM" log
is "xm log succeeds" "$rc" "0"
like "xm log shows the start-up line in the classic format" "$out" \
	"^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} $pid\] INFO \(daemon:[0-9]+\) Xend Daemon started"
like "xm log shows the accelerator decision" "$out" "INFO \(accel:[0-9]+\) accelerator: "
run "$XM" dmesg
like "xm dmesg shows recent messages" "$out" "Xend Daemon started"
run "$XM" dmesg -c
like "xm dmesg -c prints them" "$out" "Xend Daemon started"
run "$XM" dmesg
is "and empties the buffer" "$(printf '%s\n' "$out" | grep -c 'Xend Daemon started')" "0"

# --- the protocol: faults and HTTP errors ----------------------------

if command -v curl >/dev/null; then
	post "$(call_xml system.listMethods)"
	like "system.listMethods lists xend.node.info" "$out" '<string>xend.node.info</string>'
	post "$(call_xml xend.no.such)"
	like "an unknown method is fault 1" "$out" '<int>1</int>.*Method not found: xend.no.such'
	post "$(call_xml xend.node.log '<param><value><int>1</int></value></param>')"
	like "a wrong argument count is fault 2" "$out" '<int>2</int>.*xend.node.log: expected 0 arguments'
	post '<methodCall><methodName>xend.node.info</methodName><params>'
	like "malformed XML is a fault" "$out" '<fault>.*malformed XML-RPC request'
	run "$XM" info
	is "xend keeps running after malformed XML" "$rc" "0"
	post "$(call_xml system.listMethods)" /RPC2 GET
	is "GET /RPC2 is 405" "$code" "405"
	post "$(call_xml system.listMethods)" /other
	is "another path is 404" "$code" "404"
	head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$D/big"
	post "@$D/big"
	is "an oversized body is refused (413)" "$code" "413"
	run "$XM" info
	is "xend keeps running after an oversized body" "$rc" "0"
else
	for t in listMethods unknown-method arg-count malformed still-running get 404 oversized still-running; do
		skip "protocol: $t" "no curl"
	done
fi

# --- who may call ----------------------------------------------------

if is_root && command -v setpriv >/dev/null && as_nobody test -x "$XM"; then
	run as_nobody env XM_SERVER="$XM_SERVER" "$XM" info
	is "nobody cannot reach the socket directory" "$rc $err" \
		"1 Error: Most commands need root access. Please try again as root."
	# open the way to the socket: the peer check must still refuse
	chmod 755 "$D" "$D/var" "$D/var/run" "$D/var/run/xend"
	chmod 666 "$SOCK"
	run as_nobody env XM_SERVER="$XM_SERVER" "$XM" info
	is "a non-root caller gets a fault" "$rc $err" \
		"1 Error: xend: permission denied: only root may use xend (uid $(id -u nobody))"
	chmod 700 "$D" "$D/var/run/xend"
	chmod 600 "$SOCK"
	run as_nobody "$XEND" start
	is "xend refuses to start as non-root" "$rc $err" "1 Xend must be run as root."
	run "$XM" info
	is "root is still served" "$rc" "0"
else
	for t in dir socket start served; do
		skip "non-root caller: $t" "needs root and setpriv"
	done
fi

# --- reload, restart, stop -------------------------------------------

run "$XEND" --root "$D" reload
is "xend reload" "$rc" "0"
sleep 0.5
like "SIGHUP reopens the log" "$(cat "$D/var/log/xen/xend.log")" "log reopened"

run "$XEND" --root "$D" restart
is "xend restart" "$rc $err" "0 "
newpid=$(cat "$PIDFILE" 2>/dev/null)
ok "restart runs a new daemon" test -n "$newpid" -a "$newpid" != "$pid"
ok "the old one is gone" dead "$pid"
run "$XM" info
is "xm info after restart" "$rc" "0"

run "$XEND" --root "$D" stop
is "xend stop" "$rc $err" "0 "
ok "stop removes the socket" test ! -e "$SOCK"
ok "stop removes the pid file" test ! -e "$PIDFILE"
ok "the daemon has exited" dead "$newpid"
run "$XEND" --root "$D" status
is "xend status: not running, 3" "$rc $out" "3 xend is not running"
run "$XM" info
is "xm without xend" "$rc $err" \
	"1 Error: Unable to connect to xend: No such file or directory. Is xend running?"
run "$XEND" --root "$D" stop
is "stopping a stopped xend is fine" "$rc" "0"

# --- kill -9 leaves stale files; the next start copes -----------------

run "$XEND" --root "$D" start
pid=$(cat "$PIDFILE" 2>/dev/null)
[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do dead "$pid" && break; sleep 0.2; done
run "$XEND" --root "$D" status
is "a killed xend is not running, whatever its pid file says" "$rc" "3"
ok "its socket was left behind" test -S "$SOCK"
run "$XEND" --root "$D" start
is "start after kill -9" "$rc $err" "0 "
run "$XM" info
is "and it serves" "$rc" "0"
run "$XEND" --root "$D" stop
is "stop again" "$rc" "0"

# --- the init script -----------------------------------------------

INITD="${top_builddir:-.}/etc/init.d/xend"
if [ -f "$INITD" ]; then
	run env XEND="$XEND" XEND_OPTS="--root $D" XEND_LOCKFILE="$D/lock" sh "$INITD" start
	is "init.d start" "$rc" "0"
	ok "init.d start takes the lock file" test -e "$D/lock"
	run env XEND="$XEND" XEND_OPTS="--root $D" sh "$INITD" status
	is "init.d status" "$rc $out" "0 xend is running (pid $(cat "$PIDFILE" 2>/dev/null))"
	run env XEND="$XEND" XEND_OPTS="--root $D" XEND_LOCKFILE="$D/lock" sh "$INITD" stop
	is "init.d stop" "$rc" "0"
	ok "init.d stop removes the lock file" test ! -e "$D/lock"
	run env XEND="$XEND" XEND_OPTS="--root $D" sh "$INITD" status
	is "init.d status when stopped" "$rc" "3"
	run sh "$INITD" bogus
	is "init.d usage" "$rc $out" "1 Usage: $INITD {start|stop|status|restart|reload|force-reload}"
else
	for t in start lock status stop unlock stopped usage; do
		skip "init.d: $t" "not built"
	done
fi

# --- the foreground -------------------------------------------------

"$XEND" --root "$D" -F start >"$D/fg.out" 2>&1 &
fg_pid=$!
for i in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
run "$XM" log
is "xend -F serves" "$rc" "0"
is "xend -F writes its own pid" "$(cat "$PIDFILE" 2>/dev/null)" "$fg_pid"
like "xend -F copies the log to stderr" "$(cat "$D/fg.out")" "Xend Daemon started"
kill -TERM "$fg_pid"
wait "$fg_pid"
is "SIGTERM: a clean exit" "$?" "0"
fg_pid=
ok "and no socket left" test ! -e "$SOCK"

# Options read but not acted upon: one warning each, naming the line.
mkdir -p "$D/etc/xen"
printf '%s\n' '(external-migration-tool /bin/true)' '(dom0-cpus 2)' '(xend-unix-xmlrpc-server yes)' \
    '(xend-tcp-xmlrpc-server no)' >"$D/etc/xen/xend-config.sxp"
run "$XEND" --root "$D" start
is "xend starts with options it does not act upon" "$rc" 0
log="$D/var/log/xen/xend.log"
like "external-migration-tool: a warning naming its line and why" "$(cat "$log")" \
    "WARNING .*xend-config.sxp line 1: option external-migration-tool has no effect here: there are no vTPMs"
like "dom0-cpus: a warning" "$(cat "$log")" "line 2: option dom0-cpus has no effect here"
ok "no warning for options set to what xend does anyway" \
    bash -c "! grep -qE 'option (xend-unix-xmlrpc-server|xend-tcp-xmlrpc-server) has no effect' '$log'"
run "$XEND" --root "$D" stop
is "... and stops" "$rc" 0

done_testing
