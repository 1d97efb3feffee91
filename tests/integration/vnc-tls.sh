#!/bin/bash
# vnc-tls.sh: xend-config.sxp's vnc-tls, vnc-x509-cert-dir and
# vnc-x509-verify through a private xend. Without the certificates a
# create is refused naming the missing file; with them an HVM guest's
# display speaks VeNCrypt/X.509: a client that trusts the CA gets the
# desktop (tests/tools/vnc-tls-probe.py), one that trusts another CA and a
# plain VNC client (vncsnapshot) do not. With vnc-x509-verify, a client
# without a certificate the CA signed is refused and one with it let in.
NAME=vnc-tls
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/guest.sh"

PROBE="$(cd "${top_srcdir:-.}" && pwd)/tests/tools/vnc-tls-probe.py"
SNAP="$(cd "${top_srcdir:-.}" && pwd)/tests/tools/vnc-snap.sh"
for c in certtool python3; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c is not installed"; exit 0; }
done

# ca NAME: a CA in $D/NAME-ca.pem (key NAME-ca-key.pem)
ca() {
	certtool --generate-privkey --outfile "$D/$1-ca-key.pem" >/dev/null 2>&1
	printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 2\n' "$1" >"$D/$1-ca.tmpl"
	certtool --generate-self-signed --load-privkey "$D/$1-ca-key.pem" \
	    --template "$D/$1-ca.tmpl" --outfile "$D/$1-ca.pem" >/dev/null 2>&1
}
# cert CA NAME ROLE: NAME-cert.pem and NAME-key.pem signed by CA
cert() {
	certtool --generate-privkey --outfile "$D/$2-key.pem" >/dev/null 2>&1
	printf 'cn = "%s"\nip_address = "127.0.0.1"\n%s\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
	    "$2" "$3" >"$D/$2.tmpl"
	certtool --generate-certificate --load-privkey "$D/$2-key.pem" \
	    --load-ca-certificate "$D/$1-ca.pem" --load-ca-privkey "$D/$1-ca-key.pem" \
	    --template "$D/$2.tmpl" --outfile "$D/$2-cert.pem" >/dev/null 2>&1
}
ca test
cert test server tls_www_server
cert test client tls_www_client
ca other
ok "certificates made (a CA, the display's, a client's, another CA)" \
    test -s "$D/server-cert.pem" -a -s "$D/client-cert.pem" -a -s "$D/other-ca.pem"

mkdir -p "$D/etc/xen" "$D/vnc"
config() {
	{
		echo "(xend-scripts-path $(cd "${top_srcdir:-.}" && pwd)/scripts)"
		echo "(vnc-tls yes)"
		echo "(vnc-x509-cert-dir $D/vnc)"
		echo "(vnc-x509-verify $1)"
	} >"$D/etc/xen/xend-config.sxp"
}
config no
run "$XEND" --root "$D" start
is "private xend starts (vnc-tls yes)" "$rc $err" "0 "

# The displays start at :40 (port 5940, the next free one after it):
# make check runs two tests at once, and hvm.sh's xend takes ports from
# 5900 in the same network namespace. Each xend keeps its own domains
# apart, but two xends can both find a port free and race for it.
hvm() {
	printf "builder = 'hvm'\nname = '%s'\nmemory = 128\nvnc = 1\nvncdisplay = 40\n" "$1" >"$D/$1.cfg"
	echo "$D/$1.cfg"
}
port_of() { xm list -l "$1" | sed -n 's/^ *(location 127\.0\.0\.1:\(59[0-9][0-9]\))$/\1/p'; }

run xm create "$(hvm t0)"
like "the certificates missing: refused, naming the file" "$rc $err" \
    "^1 Error: .*vnc-tls: $D/vnc/ca-cert.pem: No such file"
ok "... nothing left" not_listed t0

cp "$D/test-ca.pem" "$D/vnc/ca-cert.pem"
cp "$D/server-cert.pem" "$D/vnc/server-cert.pem"
cp "$D/server-key.pem" "$D/vnc/server-key.pem"
run xm create "$(hvm t1)"
is "create t1 with the certificates in place" "$rc $err" "0 "
p1=$(port_of t1)
ok "... its display has a port ($p1)" test -n "$p1"
run python3 "$PROBE" 127.0.0.1 "$p1" "$D/test-ca.pem"
is "a client that trusts the CA gets the desktop over TLS" "$rc $out" "0 QEMU (t1)"
run python3 "$PROBE" 127.0.0.1 "$p1" "$D/other-ca.pem"
like "a client that trusts another CA: TLS fails" "$rc $err" "^1 vnc-tls-probe: TLS failed"
if command -v vncsnapshot >/dev/null; then
	run "$SNAP" -t 10 "127.0.0.1:$((p1 - 5900))" "$D/plain.jpg"
	is "a plain VNC client gets nothing" "$rc" 1
else
	skip "a plain VNC client gets nothing" "vncsnapshot is not installed"
fi

# vnc-x509-verify: clients show a certificate the CA signed
run "$XEND" --root "$D" stop
config yes
run "$XEND" --root "$D" start
is "xend restarts with vnc-x509-verify yes" "$rc $err" "0 "
run xm create "$(hvm t2)"
is "create t2" "$rc $err" "0 "
p2=$(port_of t2)
run python3 "$PROBE" 127.0.0.1 "$p2" "$D/test-ca.pem"
like "a client without a certificate is refused" "$rc $err" "^1 vnc-tls-probe: "
run python3 "$PROBE" 127.0.0.1 "$p2" "$D/test-ca.pem" "$D/client-cert.pem" "$D/client-key.pem"
is "a client with the CA's certificate gets the desktop" "$rc $out" "0 QEMU (t2)"
run python3 "$PROBE" 127.0.0.1 "$p1" "$D/test-ca.pem"
is "t1, started before, keeps its own settings" "$rc $out" "0 QEMU (t1)"
ok "destroy t1" xm destroy t1
ok "destroy t2" xm destroy t2
done_testing
