#!/usr/bin/env python3
"""pty-menu.py: drives `xm create -c` on a pseudo-terminal, as a person
at a terminal would: waits for pygrub's boot menu, types KEYS (\\x1b[B
is the down arrow, \\r Enter), waits until the console shows EXPECT, then
detaches with Ctrl-]. Prints what it saw as lines for the test to check
(menu, the screen's text, booted); exits 0 when everything was seen.

usage: pty-menu.py KEYS EXPECT SECS XM ARGS..."""
import fcntl
import os
import pty
import struct
import termios
import re
import select
import sys
import time


def main():
    keys = sys.argv[1].encode("latin-1").decode("unicode_escape").encode("latin-1")
    expect = sys.argv[2].encode()
    secs = float(sys.argv[3])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[4], sys.argv[4:])
    # a wide terminal, so that long titles are seen whole
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
    buf = b""

    def wait_for(pattern, limit):
        nonlocal buf
        end = time.time() + limit
        while time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            buf += data
            if re.search(pattern, buf):
                return True
        return False

    seen = wait_for(rb"Will boot selected entry in", 120)
    print("menu %s" % ("shown" if seen else "not shown"))
    screen = re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", buf)
    for line in screen.decode(errors="replace").splitlines():
        if "|" in line:
            print("entry" + line.strip().strip("|").rstrip())
    ok = seen
    if seen:
        os.write(fd, keys)
        booted = wait_for(expect, secs)
        print("booted %s" % ("yes" if booted else "no"))
        if not booted:
            tail = re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", buf[-600:])
            for line in tail.decode(errors="replace").splitlines():
                print("# " + line)
        ok = booted
    os.write(fd, b"\x1d")
    wait_for(rb"\Z.", 5)
    try:
        os.kill(pid, 0)
        _, status = os.waitpid(pid, 0)
    except OSError:
        status = 0
    print("xm exit %d" % (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
