#!/usr/bin/env python3
# cutproxy.py: a byte-counting TCP proxy for the migration tests' fault
# injection. It forwards every connection made to LISTEN to TARGET and
# counts the bytes each sends towards TARGET; it can cut the network:
#   --cut-after N    once any connection has forwarded N bytes, every
#                    connection is reset at once (both sides), as a broken
#                    link would do; later connections are forwarded again.
#   --hold-last N    forwards the first line of each connection (a
#                    relocation hello: held, it would stop the connection
#                    before its stream began), then all but the last N bytes;
#                    when a connection that has held bytes back stays idle
#                    for --idle seconds, everything is reset: the stream
#                    never completes, however long it turns out to be.
#   --stall-after N  once a connection has forwarded N bytes it forwards
#                    nothing more (its sender is left blocked) and "stall
#                    N" goes to --stats: an event a test waits for, the
#                    receiver then holding a part of the stream only.
# --stats FILE gets one line per finished connection: "BYTES_IN BYTES_OUT"
# (towards TARGET, back from it), and "cut AT" when it cut. --match TEXT
# limits the rules to connections that start with TEXT. --ready FILE
# gets its pid once it listens. Stops on SIGTERM, at once.
import argparse
import asyncio
import os
import signal
import socket
import struct
import sys


class Proxy:
    def __init__(self, args):
        self.args = args
        self.conns = set()
        self.cut_done = False

    def stat(self, line):
        if self.args.stats:
            with open(self.args.stats, "a") as f:
                f.write(line + "\n")

    def reset_all(self, at):
        self.stat("cut %d" % at)
        for w in list(self.conns):
            sock = w.get_extra_info("socket")
            try:
                # RST, not FIN: the peer sees a broken connection
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except OSError:
                pass
            w.transport.abort()
        self.conns.clear()

    async def pump_up(self, r, w, peer_w, counter):
        """client -> target, with the cut rules"""
        held = b""
        hold = self.args.hold_last
        line_open = True  # the first line has not all passed yet
        ruled = None     # whether the rules apply: known at the first bytes
        try:
            while True:
                if hold and held:
                    try:
                        data = await asyncio.wait_for(r.read(65536),
                                                      self.args.idle)
                    except asyncio.TimeoutError:
                        self.reset_all(counter[0])
                        return
                else:
                    data = await r.read(65536)
                if not data:
                    break
                if ruled is None:
                    ruled = data.startswith(self.args.match.encode())
                    if not ruled:
                        hold = 0
                if hold:
                    if line_open:
                        nl = data.find(b"\n")
                        end = len(data) if nl < 0 else nl + 1
                        line_open = nl < 0
                        counter[0] += end
                        peer_w.write(data[:end])
                        await peer_w.drain()
                        data = data[end:]
                    held += data
                    if len(held) <= hold:
                        continue
                    data, held = held[:-hold], held[-hold:]
                stall = self.args.stall_after if ruled else 0
                if stall and counter[0] + len(data) >= stall:
                    keep = stall - counter[0]
                    if keep > 0:
                        peer_w.write(data[:keep])
                        await peer_w.drain()
                    counter[0] = stall
                    self.stat("stall %d" % stall)
                    # nothing more is read: the sender blocks, the
                    # receiver waits, until the proxy is stopped
                    await asyncio.Event().wait()
                counter[0] += len(data)
                cut = self.args.cut_after if ruled else 0
                if cut and not self.cut_done and counter[0] >= cut:
                    keep = len(data) - (counter[0] - cut)
                    if keep > 0:
                        peer_w.write(data[:keep])
                        await peer_w.drain()
                    self.cut_done = True
                    self.reset_all(cut)
                    return
                peer_w.write(data)
                await peer_w.drain()
            if held:
                peer_w.write(held)
                counter[0] += len(held)
            peer_w.write_eof()
        except (ConnectionError, OSError):
            pass

    async def pump_down(self, r, w, counter):
        try:
            while True:
                data = await r.read(65536)
                if not data:
                    break
                counter[0] += len(data)
                w.write(data)
                await w.drain()
            w.write_eof()
        except (ConnectionError, OSError):
            pass

    async def handle(self, cr, cw):
        host, port = self.args.target.rsplit(":", 1)
        try:
            tr, tw = await asyncio.open_connection(host, int(port))
        except OSError:
            cw.transport.abort()
            return
        self.conns.add(cw)
        self.conns.add(tw)
        up, down = [0], [0]
        await asyncio.gather(self.pump_up(cr, cw, tw, up),
                             self.pump_down(tr, cw, down))
        self.stat("%d %d" % (up[0], down[0]))
        for w in (cw, tw):
            self.conns.discard(w)
            w.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("listen")
    p.add_argument("target")
    p.add_argument("--cut-after", type=int, default=0)
    p.add_argument("--hold-last", type=int, default=0)
    p.add_argument("--idle", type=float, default=2.0)
    p.add_argument("--stall-after", type=int, default=0)
    p.add_argument("--match", default="",
                   help="apply the rules only to connections whose first "
                   "bytes are this (others are only counted)")
    p.add_argument("--stats")
    p.add_argument("--ready")
    args = p.parse_args()
    proxy = Proxy(args)
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(proxy.handle, host, int(port))
    if args.ready:
        # our pid: a wrapper (ip netns exec, a python shim) may have
        # forked, and whoever stops us must reach this process
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    # connections still open are dropped, not waited for
    server.close()
    os._exit(0)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
