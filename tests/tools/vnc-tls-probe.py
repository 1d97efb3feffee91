#!/usr/bin/env python3
"""vnc-tls-probe.py: a VNC client for the tests that speaks VeNCrypt with
X.509 (what QEMU offers with tls-creds): RFB 3.8, security type VeNCrypt,
subtype x509none, then TLS checked against a CA (and, given one, a client
certificate), then ClientInit/ServerInit.

    vnc-tls-probe.py HOST PORT CA.pem [CERT.pem KEY.pem]

Prints the desktop's name and exits 0 when the whole handshake succeeds;
exits 1 with the reason on stderr otherwise (no VeNCrypt offered, TLS
refused either way, the server's result). Python's standard library only.
"""
import socket
import ssl
import struct
import sys

VENCRYPT = 19
X509NONE = 260


def need(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buf += chunk
    return buf


def fail(msg):
    print("vnc-tls-probe: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) not in (4, 6):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.create_connection((host, port), timeout=20)
    version = need(sock, 12)
    if not version.startswith(b"RFB 003."):
        fail("not an RFB server: %r" % version)
    sock.sendall(b"RFB 003.008\n")
    n = need(sock, 1)[0]
    if n == 0:
        fail("the server refused: %r" % need(sock, struct.unpack(">I", need(sock, 4))[0]))
    types = list(need(sock, n))
    if VENCRYPT not in types:
        fail("the server offers no VeNCrypt (security types %s)" % types)
    sock.sendall(bytes([VENCRYPT]))
    major, minor = need(sock, 2)
    sock.sendall(bytes([0, 2]))
    if need(sock, 1)[0] != 0:
        fail("VeNCrypt 0.2 refused (server has %d.%d)" % (major, minor))
    count = need(sock, 1)[0]
    subtypes = struct.unpack(">%dI" % count, need(sock, 4 * count))
    if X509NONE not in subtypes:
        fail("no x509none subtype (server offers %s)" % list(subtypes))
    sock.sendall(struct.pack(">I", X509NONE))
    if need(sock, 1)[0] != 1:
        fail("the server did not accept x509none")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False      # the CA is what is checked
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)
    if len(sys.argv) == 6:
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    try:
        tls = ctx.wrap_socket(sock)
        result = struct.unpack(">I", need(tls, 4))[0]
    except (ssl.SSLError, ConnectionError, OSError) as e:
        fail("TLS failed: %s" % e)
    if result != 0:
        fail("security result %d" % result)
    tls.sendall(b"\x01")            # ClientInit: shared
    need(tls, 2 + 2 + 16)           # size and pixel format
    name_len = struct.unpack(">I", need(tls, 4))[0]
    print(need(tls, name_len).decode("utf-8", "replace"))
    tls.close()


if __name__ == "__main__":
    main()
