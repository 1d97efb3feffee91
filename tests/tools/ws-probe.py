#!/usr/bin/env python3
# ws-probe.py: a WebSocket client for tests/integration/xend-vnc.sh, on
# a plain socket so that it can also break the protocol on purpose.
# Usage: ws-probe.py PORT COOKIE DOMAIN. Prints one line a check:
#   accept ok             the handshake's Sec-WebSocket-Accept is right
#   banner RFB 003.008    the display's first words, in a binary frame
#   pong <payload>        a ping answered
#   close <code>          a text frame, a client close, an unmasked frame
import base64
import hashlib
import os
import socket
import struct
import sys

PORT, COOKIE, DOMAIN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
    key = base64.b64encode(os.urandom(16))
    s.sendall(("GET /vnc?domain=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Origin: http://127.0.0.1:%d\r\nCookie: xend_session=%s\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Protocol: binary\r\n\r\n"
               % (DOMAIN, PORT, PORT, COOKIE, key.decode())).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            raise SystemExit("no answer to the handshake")
        head += b
    lines = head.decode().split("\r\n")
    if " 101 " not in lines[0]:
        raise SystemExit("handshake: " + lines[0])
    want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    got = [l.split(":", 1)[1].strip() for l in lines
           if l.lower().startswith("sec-websocket-accept:")]
    return s, got == [want]


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def frame(s):
    h = recv_exact(s, 2)
    op, n = h[0] & 0x0F, h[1] & 0x7F
    if h[1] & 0x80:
        raise SystemExit("a masked frame from the server")
    if n == 126:
        n = struct.unpack(">H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", recv_exact(s, 8))[0]
    return op, recv_exact(s, n)


def send(s, op, payload, masked=True, fin=True):
    h = bytes([(0x80 if fin else 0) | op])
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        h += bytes([m | n])
    else:
        h += bytes([m | 126]) + struct.pack(">H", n)
    if masked:
        k = os.urandom(4)
        h += k
        payload = bytes(b ^ k[i % 4] for i, b in enumerate(payload))
    s.sendall(h + payload)


def until(s, want):
    while True:
        op, p = frame(s)
        if op == want:
            return p


def close_code(p):
    return "close %d" % struct.unpack(">H", p[:2])[0] if len(p) >= 2 else "close"


s, ok = connect()
print("accept ok" if ok else "accept wrong")
op, p = frame(s)
print("banner " + p.decode(errors="replace").strip() if op == 2 else "op %d" % op)
# the version split over two fragments, a ping between them
send(s, 2, p[:4], fin=False)
send(s, 9, b"hello")
print("pong " + until(s, 10).decode())
send(s, 0, p[4:])
op, p = frame(s)  # the display's security types: it took the version
print("security types" if op == 2 and len(p) >= 2 else "op %d" % op)
send(s, 1, b"text")
print(close_code(until(s, 8)))
s.close()

s, _ = connect()
frame(s)
send(s, 8, struct.pack(">H", 1000))
print(close_code(until(s, 8)))
s.close()

s, _ = connect()
frame(s)
send(s, 2, b"RFB 003.008\n", masked=False)
print(close_code(until(s, 8)))
s.close()
