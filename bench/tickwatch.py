#!/usr/bin/env python3
# tickwatch.py: the guest's real pause during a migration, seen from the
# host. Follows console files (the source's and the destination's) every
# 5 ms and stamps each "tick N" line with the host's clock when it
# appears; on SIGTERM prints the longest host-time gap between two
# consecutive ticks, in ms. The guest's own clock cannot show this: QEMU
# stops it with the guest.
# Usage: tickwatch.py FILE...   (files may not exist yet)
import re
import signal
import sys
import time

TICK = re.compile(rb"tick (\d+)")
files = {f: 0 for f in sys.argv[1:]}
seen = {}
done = False


def stop(*_):
    global done
    done = True


signal.signal(signal.SIGTERM, stop)
while not done:
    now = time.monotonic()
    for f, off in files.items():
        try:
            with open(f, "rb") as fp:
                fp.seek(off)
                data = fp.read()
        except OSError:
            continue
        # only whole lines; the rest is read next time
        cut = data.rfind(b"\n") + 1
        files[f] = off + cut
        for m in TICK.finditer(data[:cut]):
            seen.setdefault(int(m.group(1)), now)
    time.sleep(0.005)
ticks = sorted(seen.items())
gap = max((b[1] - a[1] for a, b in zip(ticks, ticks[1:]) if b[0] == a[0] + 1),
          default=0)
print(int(gap * 1000))
