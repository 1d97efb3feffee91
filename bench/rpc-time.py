#!/usr/bin/env python3
"""rpc-time.py SOCKET N METHOD: times N calls of an xend XML-RPC method
over one kept-alive HTTP/1.1 connection to xend's UNIX socket, after 3
warm-ups; prints the median, the 95th percentile and the reply's size.
xend.domains.stats is called as xm top calls it (vCPU times not asked),
xend.domains_with_state as xm list does (True, 'all', False, True: the
brief form)."""
import http.client
import socket
import statistics
import sys
import time
import xmlrpc.client

ARGS = {
    "xend.domains.stats": (False,),
    "xend.domains_with_state": (True, "all", False, True),
}


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def main():
    path, n, method = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    body = xmlrpc.client.dumps(ARGS.get(method, ()), method).encode()
    conn = UnixConnection(path)
    times, size = [], 0
    for i in range(n + 3):
        t0 = time.perf_counter()
        conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        reply = conn.getresponse().read()
        t1 = time.perf_counter()
        xmlrpc.client.loads(reply)  # a fault raises: the bench stops
        size = len(reply)
        if i >= 3:
            times.append((t1 - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{method}: median {statistics.median(times):.2f} ms, "
          f"p95 {p95:.2f} ms, reply {size} bytes ({n} calls)")


if __name__ == "__main__":
    main()
