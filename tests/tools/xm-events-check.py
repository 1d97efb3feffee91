#!/usr/bin/env python3
"""xm-events-check.py: reads `xm events --json` output and checks it.

  order FILE DOM TYPE...   every line is a schema-1 events object with the
                           documented keys and types; sequence numbers rise
                           strictly (none twice); DOM's event types contain
                           TYPE... in this order (others may come between).
  same FILE1 FILE2 [SEQ]   both files hold the same events (after SEQ).
  text FILE JSONFILE       the text lines (seq, type) match the JSON ones.
  only FILE DOM            every event is DOM's.
  after FILE SEQ           every event's seq is above SEQ; prints the count.
  last FILE                prints the last seq (0 for none).
  data FILE DOM TYPE KEY   prints DOM's last TYPE event's data[KEY].
Prints "ok" or what is wrong.
"""
import json
import sys

KEYS = {"schema": int, "command": str, "seq": int, "time": float,
        "type": str, "domain": (str, type(None)), "uuid": (str, type(None)),
        "domid": (int, type(None)), "message": str, "data": dict}


def load(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                sys.exit("%s:%d: not JSON: %s" % (path, n, e))
            out.append(ev)
    return out


def check_shape(evs):
    last = 0
    for ev in evs:
        for k, t in KEYS.items():
            if k not in ev:
                return "seq %s: no %s" % (ev.get("seq"), k)
            if isinstance(ev[k], bool) or not isinstance(ev[k], t):
                return "seq %s: %s is %r" % (ev.get("seq"), k, ev[k])
        if ev["schema"] != 1 or ev["command"] != "events":
            return "seq %s: schema/command %r %r" % (ev["seq"], ev["schema"],
                                                     ev["command"])
        if list(ev)[:2] != ["schema", "command"]:
            return "seq %s: schema and command are not first" % ev["seq"]
        if ev["seq"] <= last:
            return "seq %d after %d: not rising (twice or out of order)" % (
                ev["seq"], last)
        last = ev["seq"]
    return None


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "order":
        evs = load(args[0])
        bad = check_shape(evs)
        if bad:
            print(bad)
            return
        types = [e["type"] for e in evs if e["domain"] == args[1]]
        want = args[2:]
        i = 0
        for t in types:
            if i < len(want) and t == want[i]:
                i += 1
        print("ok" if i == len(want) else
              "missing %s in %s" % (want[i:], types))
    elif cmd == "same":
        after = int(args[2]) if len(args) > 2 else 0
        a = [e for e in load(args[0]) if e["seq"] > after]
        b = [e for e in load(args[1]) if e["seq"] > after]
        if a == b and a:
            print("ok")
        else:
            print("differ: %s vs %s" % ([e["seq"] for e in a],
                                        [e["seq"] for e in b]))
    elif cmd == "text":
        with open(args[0]) as f:
            text = [(int(l.split()[0]), l.split()[4]) for l in f if l.strip()]
        js = [(e["seq"], e["type"]) for e in load(args[1])]
        print("ok" if text == js and text else "differ: %s vs %s" % (text, js))
    elif cmd == "only":
        evs = load(args[0])
        others = [e for e in evs if e["domain"] != args[1]]
        print("ok" if evs and not others else
              "%d events, others: %s" % (len(evs), [(e["seq"], e["domain"])
                                                     for e in others]))
    elif cmd == "after":
        evs = load(args[0])
        low = [e["seq"] for e in evs if e["seq"] <= int(args[1])]
        print(len(evs) if not low else "at or below %s: %s" % (args[1], low))
    elif cmd == "last":
        evs = load(args[0])
        print(evs[-1]["seq"] if evs else 0)
    elif cmd == "data":
        found = [e["data"].get(args[3]) for e in load(args[0])
                 if e["domain"] == args[1] and e["type"] == args[2]]
        print(found[-1] if found else "none")


main()
