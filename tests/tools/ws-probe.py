#!/usr/bin/env python3
# ws-probe.py: a WebSocket client for tests/integration/xend-vnc.sh, on
# a plain socket so that it can also break the protocol on purpose.
# Usage: ws-probe.py PORT COOKIE DOMAIN. Prints one line a check:
#   accept ok             the handshake's Sec-WebSocket-Accept is right
#   banner RFB 003.008    the display's first words, in a binary frame
#   pong <payload>        a ping answered
#   close <code>          a text frame, a client close, an unmasked frame
# ws-probe.py PORT COOKIE DOMAIN slow XEND-LOG: a reader with a small
# receive buffer asks a display without a password for whole raw frames
# and reads nothing until xend logs that the display waits for it:
#   the display waits
#   a whole frame after it      (all read from the display after that)
import base64
import hashlib
import os
import socket
import struct
import sys
import time

PORT, COOKIE, DOMAIN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def connect(rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(60)
    s.connect(("127.0.0.1", PORT))
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


class Stream:
    """The display's bytes, from the binary frames they come in; where
    the answer to a ping came among them."""

    def __init__(self, s):
        self.s, self.buf = s, b""
        self.received = self.consumed = 0
        self.pong_at = None

    def read(self, n):
        while len(self.buf) < n:
            op, p = frame(self.s)
            if op == 8:
                raise SystemExit("closed: " + close_code(p))
            if op == 10:
                self.pong_at = self.received
                continue
            self.received += len(p)
            self.buf += p
        b, self.buf = self.buf[:n], self.buf[n:]
        self.consumed += n
        return b


def rfb_init(s, rfb):
    send(s, 2, rfb.read(12))  # the version, as the display says it
    types = rfb.read(rfb.read(1)[0])
    if 1 not in types:
        raise SystemExit("the display asks for a password")
    send(s, 2, b"\x01")
    if rfb.read(4) != b"\0\0\0\0":
        raise SystemExit("security refused")
    send(s, 2, b"\x01")  # ClientInit: shared
    w, h, bpp = struct.unpack(">HHB", rfb.read(5))
    rfb.read(15)
    rfb.read(struct.unpack(">I", rfb.read(4))[0])
    send(s, 2, b"\x02\0\0\x01" + struct.pack(">i", 0))  # raw only
    return w, h, bpp


def update(rfb, bpp):
    """One FramebufferUpdate: its area and where it started."""
    start = rfb.consumed
    t = rfb.read(1)[0]
    if t != 0:
        raise SystemExit("message %d" % t)
    rfb.read(1)
    area = 0
    for _ in range(struct.unpack(">H", rfb.read(2))[0]):
        x, y, rw, rh, enc = struct.unpack(">HHHHi", rfb.read(12))
        if enc != 0:
            raise SystemExit("encoding %d" % enc)
        rfb.read(rw * rh * bpp // 8)
        area += rw * rh
    return area, start


def slow(log, domain):
    """A reader that reads nothing until xend says the display waits
    for it, then a whole frame all of whose bytes xend read from the
    display after that: the relay stopped, then went on."""
    s, _ = connect(rcvbuf=4096)
    rfb = Stream(s)
    w, h, bpp = rfb_init(s, rfb)
    full = b"\x03\0" + struct.pack(">HHHH", 0, 0, w, h)
    waits = "screen of %s: " % domain
    deadline = time.monotonic() + 60
    while True:
        send(s, 2, full)
        with open(log, errors="replace") as f:
            if any(waits in l and "its display waits" in l for l in f):
                break
        if time.monotonic() > deadline:
            raise SystemExit("xend never stopped reading the display")
        time.sleep(0.2)
    print("the display waits")
    send(s, 9, b"after")
    asked = False
    while True:
        area, start = update(rfb, bpp)
        if rfb.pong_at is not None and not asked:
            send(s, 2, full)
            asked = True
        if asked and area == w * h and start >= rfb.pong_at:
            break
    print("a whole frame after it")
    print("%dx%d, %d bits a pixel" % (w, h, bpp), file=sys.stderr)


if len(sys.argv) > 5 and sys.argv[4] == "slow":
    slow(sys.argv[5], DOMAIN)
    sys.exit(0)

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
