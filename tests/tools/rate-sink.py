#!/usr/bin/env python3
"""rate-sink.py: receives one TCP stream of a known size and says how fast
it came, for the vif rate= test.

    rate-sink.py ADDR PORT BYTES READYFILE

Listens on ADDR:PORT, writes READYFILE once it listens, accepts one
connection, reads until BYTES have come, closes, and prints
"BYTES SECONDS BITS_PER_SECOND" measured from the first byte to the last
(a burst allowed at the start does not count for more than it is).
"""
import socket
import sys
import time


def main():
    addr, port, want, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    open(ready, "w").close()
    srv.settimeout(300)
    conn, _ = srv.accept()
    conn.settimeout(120)
    got, first, last = 0, None, None
    while got < want:
        chunk = conn.recv(65536)
        if not chunk:
            break
        now = time.monotonic()
        if first is None:
            first = now
        last = now
        got += len(chunk)
    conn.close()
    secs = (last - first) if first is not None and last > first else 0.0
    print("%d %.3f %.0f" % (got, secs, got * 8 / secs if secs else 0))


if __name__ == "__main__":
    main()
