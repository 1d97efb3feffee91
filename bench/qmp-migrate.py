#!/usr/bin/env python3
# qmp-migrate.py: bare QEMU's live migration for bench/migrate.sh, driven
# over QMP exactly as xenhv drives it (the same settings): auto-converge,
# downtime-limit and max-bandwidth on the source, migrates to URI, polls
# query-migrate until it ends, and prints QEMU's own figures:
#   status total_ms downtime_ms transferred_bytes ram_total_bytes
# Usage: qmp-migrate.py SOURCE_QMP_SOCKET URI [DOWNTIME_MS]
#        qmp-migrate.py --by-hand SOURCE_QMP DEST_QMP URI [DOWNTIME_MS]
#            (also waits for the destination QEMU and for its guest to run)
#        qmp-migrate.py --wait-incoming DEST_QMP_SOCKET  (waits, prints status)
import json
import socket
import sys
import time


class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(100):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.f = self.s.makefile("rw")
        self.read()                      # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise SystemExit("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        r = self.read()
        if "error" in r:
            raise SystemExit("%s: %s" % (name, r["error"].get("desc")))
        return r.get("return")


def migrate(sock, uri, downtime):
    q = QMP(sock)
    q.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "auto-converge", "state": True}])
    q.cmd("migrate-set-parameters", **{"downtime-limit": downtime,
                                       "max-bandwidth": 1 << 40})
    q.cmd("migrate", uri=uri)
    deadline = time.time() + 600
    while time.time() < deadline:
        r = q.cmd("query-migrate")
        st = r.get("status")
        if st in ("completed", "failed", "cancelled"):
            ram = r.get("ram", {})
            print(st, r.get("total-time", -1), r.get("downtime", -1),
                  ram.get("transferred", 0), ram.get("total", 0))
            return 0 if st == "completed" else 1
        time.sleep(0.02)
    print("timeout -1 -1 0 0")
    return 1


def wait_incoming(sock):
    q = QMP(sock)
    deadline = time.time() + 600
    while time.time() < deadline:
        st = q.cmd("query-status").get("status")
        if st not in ("inmigrate",):
            print(st)
            return 0
        time.sleep(0.02)
    return 1


def by_hand(src, dst, uri, downtime):
    """What an admin does with bare QEMU: wait for the destination QEMU
    (started by the caller) to answer, migrate, and wait until the copy
    there runs. Prints migrate()'s line."""
    d = QMP(dst)
    rc = migrate(src, uri, downtime)
    if rc == 0:
        deadline = time.time() + 600
        while time.time() < deadline:
            if d.cmd("query-status").get("status") == "running":
                return 0
            time.sleep(0.02)
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "--by-hand":
        sys.exit(by_hand(sys.argv[2], sys.argv[3], sys.argv[4],
                         int(sys.argv[5]) if len(sys.argv) > 5 else 100))
    if sys.argv[1] == "--wait-incoming":
        sys.exit(wait_incoming(sys.argv[2]))
    sys.exit(migrate(sys.argv[1], sys.argv[2],
                     int(sys.argv[3]) if len(sys.argv) > 3 else 100))
