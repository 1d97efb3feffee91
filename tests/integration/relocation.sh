#!/bin/bash
# relocation.sh: the relocation server between two "hosts" (network
# namespaces, each with its own xend), over real TCP and real TLS with
# certificates made here by certtool: what a migration refuses before any
# state moves, and that the guest then runs on where it was, under its own
# name, with nothing left on the other host. hosts-allow refusing the
# peer, a peer with nobody listening, a destination that already has the
# domain, classic and future protocol lines, a peer with a certificate of
# another CA, and the records xm list -l shows.
# Needs root (namespaces), qemu-system-x86_64, certtool and the default
# guest ($XEN_GUEST_DIR, else /usr/share/xen/guest); skips without.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/lib-hosts.sh"
hosts_prologue certtool python3

D=$(mktemp -d /tmp/relocation.XXXXXX)
export XEND_XENHV="$(cd "${top_builddir:-.}" && pwd)/hypervisor/xenhv"
GUEST_ARGS="kernel=$GUEST/vmlinuz ramdisk=$GUEST/initrd.img memory=96"
hosts_harness "$D" 600
# row I NAME: the domain's line in host I's xm list ("" when absent).
row() { hosts_xm "$1" list 2>/dev/null | awk -v n="$2" 'NR > 1 && $1 == n'; }
state() { row "$1" "$2" | awk '{ print $5 }'; }
# raw I LINE PORT: what host I's relocation server answers to one first
# line sent from h1.
raw() {
	hosts_exec 1 python3 - "$(hosts_ip "$1")" "${2}" "$3" <<-'EOF'
	import socket, sys
	s = socket.create_connection((sys.argv[1], int(sys.argv[3])), timeout=10)
	s.sendall(sys.argv[2].encode() + b"\n")
	data = b""
	try:
	    while True:
	        b = s.recv(4096)
	        if not b:
	            break
	        data += b
	except socket.timeout:
	    pass
	print(data.decode(errors="replace").strip())
	EOF
}

hosts_setup 3 "$D" || { echo "1..0 # SKIP cannot make network namespaces"; exit 0; }
hosts_tls "$D/tls" 1 2 || { echo "Bail out! certtool failed"; exit 1; }
# h3's certificate comes from a CA the others do not trust
hosts_tls "$D/tls-other" 3 || { echo "Bail out! certtool failed"; exit 1; }
for i in 1 2; do
	hosts_config $i "(xend-relocation-ssl-server yes)
(xend-relocation-ssl-ca-file $D/tls/ca.pem)
(xend-relocation-server-ssl-cert-file $D/tls/h$i-cert.pem)
(xend-relocation-server-ssl-key-file $D/tls/h$i-key.pem)"
done
hosts_config 3 "(xend-relocation-ssl-server yes)
(xend-relocation-ssl-ca-file $D/tls-other/ca.pem)
(xend-relocation-server-ssl-cert-file $D/tls-other/h3-cert.pem)
(xend-relocation-server-ssl-key-file $D/tls-other/h3-key.pem)"
# h2 admits h1 and h3 by address; h3 admits only a host that is not here
hosts_config 2 "(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.1\$ ^10\\\\.77\\\\.0\\\\.3\$')"
hosts_config 3 "(xend-relocation-hosts-allow '^10\\\\.77\\\\.0\\\\.9\$')"
for i in 1 2 3; do
	run hosts_start $i
	is "host $i: xend starts in its namespace with relocation (plain and TLS)" "$rc $err" "0 "
done

run hosts_xm 1 create -q "$CFG" $GUEST_ARGS name=g1
is "h1: guest g1 created" "$rc $err" "0 "
before=$(row 1 g1 | awk '{ print $2 }')

# ---- hosts-allow ---------------------------------------------------------
run hosts_xm 1 migrate --live g1 "$(hosts_ip 3)"
is "migrate to a host whose hosts-allow refuses us fails" "$rc" 1
like "... names the rule, the peer and the destination" "$err" \
	"relocation from 10\.77\.0\.1.* is not allowed by xend-relocation-hosts-allow.*\(from 10\.77\.0\.3\)"
like "... and says the guest runs on here" "$err" "domain 'g1' runs on"
is "... g1 runs on h1 under its name and domid" "$(row 1 g1 | awk '{ print $1, $2 }')" "g1 $before"
is "... h3 has no domain" "$(hosts_domains 3)" ""
like "... h3's log names the refused peer" "$(cat "$(hosts_log 3)")" \
	"refused 10\.77\.0\.1: relocation from 10\.77\.0\.1"
out=$(raw 3 "xend-relocation 1 control" 8002)
like "hosts-allow answers before reading anything, in the classic error shape" \
	"$out" "^\(err \(type hosts-allow\) \(value 'relocation from 10\.77\.0\.1"

# ---- the protocol's first lines -------------------------------------------
out=$(raw 2 receive 8002)
like "a classic xend's 'receive' is refused with a reason" "$out" \
	"^\(err \(type protocol\) \(value .*classic xend's stream cannot be loaded.\)\)"
out=$(raw 2 'xend-relocation 7 control' 8002)
like "a newer protocol version is refused, naming both versions" "$out" \
	"\(type version\).*version 7 is not supported \(this xend speaks 1 to 1\)"
out=$(raw 2 'xend-relocation 1 data 0123456789abcdef0123456789abcdef' 8002)
like "a stream for no migration in progress is refused" "$out" \
	"no migration 0123456789abcdef0123456789abcdef is waiting for its stream"

# ---- unreachable, refusing ---------------------------------------------------
run hosts_xm 1 migrate g1 "$(hosts_ip 2)" -p 9
is "migrate to a port where nobody listens fails" "$rc" 1
like "... naming host, port and cause" "$err" \
	"cannot connect to 10\.77\.0\.2 port 9: Connection refused"
is "... g1 is back, running, under its name" "$(row 1 g1 | awk '{ print $1, $2 }')" "g1 $before"
run hosts_xm 1 migrate g1 nosuchhost.invalid
like "an unknown host name is named" "$err" "cannot find host nosuchhost\.invalid"

run hosts_xm 1 create -q -p "$CFG" $GUEST_ARGS name=nm nomigrate=1
is "h1: nm, created with nomigrate = 1 (paused)" "$rc $err" "0 "
run hosts_xm 1 migrate nm "$(hosts_ip 2)"
like "nomigrate = 1: migrate refused, saying why" "$rc $err" \
	"^1 Error: .*domain 'nm' has nomigrate = 1 in its config: it cannot be migrated"
is "... nm stays on h1, paused, under its name" "$(state 1 nm) $(hosts_domains 2)" "--p--- "
run hosts_xm 1 destroy nm

run hosts_xm 2 create -q -p "$CFG" $GUEST_ARGS name=g1
is "h2: another domain named g1 (paused)" "$rc $err" "0 "
run hosts_xm 1 migrate --live g1 "$(hosts_ip 2)"
is "migrate to a host that already has the name fails" "$rc" 1
like "... with the destination's words and its name" "$err" \
	"Domain 'g1' \(UUID [0-9a-f-]+\) already exists on .* \(from 10\.77\.0\.2\)"
is "... h2 still has only its own g1, paused" "$(hosts_domains 2) $(state 2 g1)" "g1 --p---"
run hosts_xm 2 destroy g1
is "... h1's g1 unchanged" "$(row 1 g1 | awk '{ print $1, $2 }')" "g1 $before"

# ---- TLS -----------------------------------------------------------------
# h3's certificate is signed by a CA h2 does not know, and h3 trusts only
# that CA: the handshake fails before anything is sent
run hosts_xm 3 create -q -p "$CFG" $GUEST_ARGS name=g3
is "h3: guest g3 created (paused)" "$rc $err" "0 "
run hosts_xm 3 migrate --ssl g3 "$(hosts_ip 2)"
is "migrate --ssl to a host whose certificate another CA signed fails" "$rc" 1
like "... before anything is sent, saying why" "$err" \
	"TLS with 10\.77\.0\.2: the peer's certificate is refused"
is "... g3 is still on h3, paused" "$(state 3 g3)" "--p---"
is "... and nothing is on h2" "$(hosts_domains 2)" ""
run hosts_xm 3 destroy g3
# ---- the records -------------------------------------------------------------
run hosts_xm 1 list -l g1
like "xm list -l shows the last migration out, failed, with its cause" "$out" \
	"\(migration.*"
like "... its direction and peer" "$(echo "$out" | tr -d '\n' | tr -s ' ')" \
	"\(direction out\) \(peer 10\.77\.0\.2:8002\) \(step failed\)"
is "... no line but (status N) says status (ocf:heartbeat:Xen greps it)" \
	"$(grep status <<<"$out" | awk '{ print $1 }')" "(status"
like "... the cause is in xend.log" "$(cat "$(hosts_log 1)")" \
	"of g1 to .* failed: Domain 'g1' .*already exists"
is "h2 has no domain left from the refused migrations" "$(hosts_domains 2)" ""

run hosts_xm 1 destroy g1
is "g1 destroyed" "$rc" 0
done_testing
