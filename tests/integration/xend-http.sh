#!/bin/bash
# xend-http.sh: xend's HTTP server and /metrics against two real guests
# under a private xend (in a network namespace of this test's own, where
# the server listens on its defaults, 127.0.0.1 port 8000): the
# exposition read by Prometheus' own parser (python3-prometheus-client),
# its figures against xm list --json, CPU seconds growing while a guest
# spins, disk and network counters moving with the guest's I/O, 404 and
# 405, a flood of idle connections that leaves xm list answering, and a
# non-loopback xend-address refused with one log line, nothing served.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
# Debian's python3 has python3-prometheus-client; another python3 found
# first on PATH (pyenv) may not
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import prometheus_client' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3-prometheus-client is needed to parse /metrics"
	exit 0
fi
CHECK="$SRC/tests/tools/metrics-check.py"

setup_root xhttp
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 1200)
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
xend_config "(network-script network-bridge)" "(device-create-timeout 60)" \
    "(xend-http-server yes)"
NET=10.79.2
URL=http://127.0.0.1:8000

# scrape [PATH]: the body into $D/metrics (or stdout for another path).
scrape() { in_ns curl -sf --max-time 20 -o "$D/metrics" "$URL/metrics"; }
# metric NAME [LABEL=VALUE...]: one sample of a fresh scrape.
metric() { scrape && "$PY" "$CHECK" get "$D/metrics" "$@"; }
# grown NAME MIN LABEL...: the sample has reached MIN.
grown() {
	local name=$1 min=$2 v
	shift 2
	v=$(metric "$name" "$@") || return 1
	awk -v v="$v" -v m="$min" 'BEGIN { exit !(v >= m) }'
}
logged() { grep -Eq -- "$1" "$D/var/log/xen/xend.log"; }

run start_xend
is "xend starts with (xend-http-server yes)" "$rc $err" "0 "
ok "it serves 127.0.0.1 port 8000 by default" \
    logged "HTTP server listening on 127\.0\.0\.1 port 8000"
ok "no 'has no effect' warning for the HTTP options any more" \
    eval '! logged "option xend-(http-server|port|address) has no effect"'
ok "network-bridge made xenbr0" wait_until 30 in_ns test -d /sys/class/net/xenbr0/bridge
in_ns ip addr add "$NET.1/24" dev xenbr0

truncate -s 16M "$D/busy-data.img"
c1=$(guest_cfg busy "vif = ['bridge=xenbr0']" "ip = '$NET.2'" \
    "netmask = '255.255.255.0'" "disk = ['file:$D/busy-data.img,xvda,w']")
c2=$(guest_cfg idle "vcpus = 2" "maxmem = 128")
run xm create -q "$c1"
is "create busy (a vif and a disk)" "$rc $err" "0 "
run xm create -q "$c2"
is "create idle (2 vCPUs, maxmem 128)" "$rc $err" "0 "
ok "busy boots to its shell" booted busy
ok "idle boots to its shell" booted idle
run xm pause idle
is "idle paused (its state letters hold still)" "$rc $err" "0 "
BUSY_UUID=$(xm domid busy >/dev/null && "$XM" list --json busy | python3 -c \
    'import json, sys; print(json.load(sys.stdin)["domains"][0]["uuid"])')
B=("domain=busy" "uuid=$BUSY_UUID")

# ---- the exposition ------------------------------------------------------
ok "GET /metrics answers 200" scrape
run "$PY" "$CHECK" parse "$D/metrics"
is "Prometheus' parser reads it; HELP and TYPE before every family" "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep '^#'
for f in xen_host_memory_total_bytes xen_host_memory_free_bytes \
    xen_domain_memory_bytes xen_domain_memory_target_bytes \
    xen_domain_memory_max_bytes xen_domain_vcpus "xen_domain_cpu_seconds counter" \
    xen_domain_state "xen_domain_disk_read_bytes counter" \
    "xen_domain_disk_write_requests counter" \
    "xen_domain_network_receive_bytes counter" \
    "xen_domain_network_transmit_packets counter" \
    "xend_migrations_started counter" "xend_migrations_failed counter" \
    "xend_rpc_requests counter" "xend_rpc_request_duration_seconds histogram" \
    process_resident_memory_bytes; do
	like "family $f" "$out" "^$f( |$)"
done
ok "the reply is Prometheus' text format 0.0.4" eval \
    'in_ns curl -sf -D - -o /dev/null "$URL/metrics" | grep -qi "^content-type: text/plain; version=0.0.4"'
ok "migration counters start at 0, per direction" eval \
    '[ "$("$PY" "$CHECK" get "$D/metrics" xend_migrations_started_total direction=out)" = 0 ]'
ok "xend's resident memory is there and not 0" eval \
    '[ "$("$PY" "$CHECK" get "$D/metrics" process_resident_memory_bytes)" -gt 0 ]'

xm list --json >"$D/list.json"
xm list -l --json >"$D/long.json"
scrape
run "$PY" "$CHECK" compare "$D/metrics" "$D/list.json" "$D/long.json"
is "each domain's target, maxmem, vCPUs, id and state flags are xm list's" "$rc" 0
[ "$rc" = 0 ] || printf '%s\n' "$out"
is "idle: paused, 2 vCPUs, maxmem 128 MiB" \
    "$("$PY" "$CHECK" get "$D/metrics" xen_domain_state domain=idle state=paused) $("$PY" "$CHECK" get "$D/metrics" xen_domain_vcpus domain=idle) $("$PY" "$CHECK" get "$D/metrics" xen_domain_memory_max_bytes domain=idle)" \
    "1 2 134217728"
like "busy: its disk is labelled by its name in the guest" \
    "$(grep '^xen_domain_disk_read_bytes_total{domain="busy"' "$D/metrics")" 'disk="xvda"'

# what a scrape costs with two guests (information, not a check)
t0=$(date +%s%N)
scrape
t1=$(date +%s%N)
echo "# one scrape: $(( (t1 - t0) / 1000000 )) ms, $(wc -c <"$D/metrics") bytes; xend gathered the domains for $("$PY" "$CHECK" get "$D/metrics" xend_metrics_collect_seconds) s"

calls0=$("$PY" "$CHECK" get "$D/metrics" xend_rpc_request_duration_seconds_count)
xm list >/dev/null
ok "XML-RPC calls are counted (histogram count grew from $calls0)" \
    grown xend_rpc_request_duration_seconds_count $(( ${calls0%.*} + 1 ))

# ---- counters move -------------------------------------------------------
cpu0=$(metric xen_domain_cpu_seconds_total "${B[@]}")
guest_ok busy SPIN "(while :; do :; done) & echo \$! >/tmp/spin" 60
ok "busy's spin loop started" con_has busy "^SPIN-42"
ok "busy's CPU seconds grow by 3 while it spins (from $cpu0)" \
    wait_until 120 grown xen_domain_cpu_seconds_total "$(awk -v c="$cpu0" 'BEGIN { print c + 3 }')" "${B[@]}"
guest_ok busy UNSPIN 'kill $(cat /tmp/spin)' 60

rd0=$(metric xen_domain_disk_read_bytes_total "${B[@]}" disk=xvda)
rq0=$("$PY" "$CHECK" get "$D/metrics" xen_domain_disk_read_requests_total "${B[@]}" disk=xvda)
guest_ok busy DD "dd if=/dev/vda of=/dev/null bs=64k count=128 2>/dev/null" 120
# the monitor's figures are one look behind: a scrape or two later
ok "busy read 8 MiB of xvda: its read bytes grew by 8 MiB (from $rd0)" \
    wait_until 30 grown xen_domain_disk_read_bytes_total $(( ${rd0%.*} + 8388608 )) "${B[@]}" disk=xvda
ok "... and its read requests grew (from $rq0)" \
    grown xen_domain_disk_read_requests_total $(( ${rq0%.*} + 1 )) "${B[@]}" disk=xvda
wr0=$(metric xen_domain_disk_written_bytes_total "${B[@]}" disk=xvda)
guest_ok busy DDW "dd if=/dev/zero of=/dev/vda bs=64k count=64 conv=fsync 2>/dev/null" 120
ok "busy wrote 4 MiB to xvda: its written bytes grew by 4 MiB (from $wr0)" \
    wait_until 30 grown xen_domain_disk_written_bytes_total $(( ${wr0%.*} + 4194304 )) "${B[@]}" disk=xvda

tx0=$(metric xen_domain_network_transmit_packets_total "${B[@]}" vif=0)
rx0=$("$PY" "$CHECK" get "$D/metrics" xen_domain_network_receive_bytes_total "${B[@]}" vif=0)
guest_ok busy PING "ping -c 20 -s 1000 -W 2 $NET.1 >/dev/null" 120
ok "busy pinged dom0 20 times: it sent 20 packets more (from $tx0)" \
    wait_until 30 grown xen_domain_network_transmit_packets_total $(( ${tx0%.*} + 20 )) "${B[@]}" vif=0
ok "... and received 20 KB more (from $rx0)" \
    grown xen_domain_network_receive_bytes_total $(( ${rx0%.*} + 20000 )) "${B[@]}" vif=0

# ---- other paths, other methods ------------------------------------------
code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@"; }
is "an unknown path is 404" "$(code "$URL/nope")" 404
is "/ is the web page (docs/WEB.md)" "$(code "$URL/")" 200
is "POST /metrics is 405" "$(code -X POST -d x "$URL/metrics")" 405
is "HEAD /metrics is 200" "$(code -I "$URL/metrics")" 200
is "a header past 8 KiB is refused (431/400/413), not read" \
    "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$URL/metrics" | grep -Ec '^(4[0-9][0-9])$')" 1
garbage() {
	in_ns python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 8000), timeout=20)
s.sendall(b"\x00\x01garbage\r\n\r\n")
print(s.recv(64).split(b"\r\n")[0].decode())'
}
like "garbage gets 400 Bad Request" "$(garbage)" "^HTTP/1.1 400"

# ---- a flood of idle connections -----------------------------------------
# 200 connections that send nothing, held open by a child until its stdin
# closes; xm's UNIX socket must not notice.
t0=$(date +%s%N)
timeout 10 "$XM" list >/dev/null 2>&1
t1=$(date +%s%N)
echo "# xm list before the flood: $(( (t1 - t0) / 1000000 )) ms"
mkfifo "$D/flood.in"
in_ns python3 -c '
import socket, sys
socks = []
for i in range(200):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", 8000))
    except BlockingIOError:
        pass
    socks.append(s)
print("open", flush=True)
sys.stdin.read()
' <"$D/flood.in" >"$D/flood.out" &
FLOOD=$!
exec 9>"$D/flood.in"
ok "200 idle connections opened" wait_until 30 grep -q open "$D/flood.out"
ok "xend caps them: 64 open, no more accepted until one closes" \
    wait_until 30 logged "HTTP server: 64 connections open"
t0=$(date +%s%N)
run timeout 10 "$XM" list
t1=$(date +%s%N)
is "xm list answers meanwhile" "$rc" 0
like "... with both guests" "$out" "^busy .*"$'\n'"idle "
echo "# xm list during the flood: $(( (t1 - t0) / 1000000 )) ms"
exec 9>&-
wait "$FLOOD"
ok "once they close, /metrics answers again" wait_until 30 scrape
ok "... and the HTTP connections are counted down" \
    wait_until 30 eval '[ "$(metric xend_http_connections)" -le 2 ]'

# ---- a non-loopback address is refused -----------------------------------
run xm destroy busy
run xm destroy idle
p=$(xend_pid)
kill -TERM "$p"
ok "xend stops" wait_until 60 eval '! kill -0 '"$p"' 2>/dev/null'
xend_config "(xend-http-server yes)" "(xend-address 0.0.0.0)" "(xend-port 8001)"
run start_xend
is "xend starts with (xend-address 0.0.0.0)" "$rc $err" "0 "
ok "one log line names the option and why, and nothing is served" \
    logged "ERROR .*xend-address '0\.0\.0\.0': not a loopback address: xend-http-server serves only a loopback address .*TLS and authentication.*not started"
is "nothing listens on port 8001" "$(code "http://$NET.1:8001/metrics")$(code http://127.0.0.1:8001/metrics)" "000000"
run xm list
is "xend serves xm as ever" "$rc" 0

done_testing
