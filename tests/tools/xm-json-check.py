#!/usr/bin/env python3
"""xm-json-check.py: checks one xm command's --json output against the
text output of the same command (docs/JSON.md): keys, types and values.

Usage: xm-json-check.py KIND TEXT_FILE JSON_FILE [ARG...]
KIND: list, list-long, info, uptime, vcpu-list, sched-credit, block-list,
network-list. Prints "ok", or the first difference and exits 1."""
import json
import re
import sys


class Mismatch(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Mismatch(what)


def typed(obj, key, types, where):
    """obj[key], which must be one of types (a boolean is no number)."""
    types = types if isinstance(types, tuple) else (types,)
    expect(key in obj, "%s: no key %r" % (where, key))
    v = obj[key]
    expect(isinstance(v, types) and (bool in types or not isinstance(v, bool)),
           "%s: %r is %r, not %s" % (where, key, v, types))
    return v


def envelope(doc, command):
    expect(isinstance(doc, dict), "the document is not an object")
    expect(doc.get("schema") == 1 and type(doc["schema"]) is int, "schema is not 1")
    expect(doc.get("command") == command, "command is %r" % doc.get("command"))


def rows(text, skip_header=True):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[1:] if skip_header else lines


def domid_of(text):
    return int(text) if text != "" else None


FLAGS = [("r", "running"), ("b", "blocked"), ("p", "paused"),
         ("s", "shutdown"), ("c", "crashed"), ("d", "dying")]


def domain_rows(doc, command, text):
    """The document's domains paired with the text's rows."""
    envelope(doc, command)
    doms = typed(doc, "domains", list, command)
    lines = rows(text)
    expect(len(doms) == len(lines), "%d domains, %d rows" % (len(doms), len(lines)))
    return zip(doms, lines)


def check_domain_ids(d, where):
    typed(d, "name", str, where)
    expect("domid" in d and (d["domid"] is None or type(d["domid"]) is int),
           "%s: domid %r" % (where, d.get("domid")))
    expect("uuid" in d and (d["uuid"] is None or
                            re.match(r"^[0-9a-f-]{36}$", d["uuid"])),
           "%s: uuid %r" % (where, d.get("uuid")))


def check_list(text, doc, names):
    for d, line in domain_rows(doc, "list", text):
        name, domid, mem, vcpus, state, t = line.split()
        where = "list " + name
        check_domain_ids(d, where)
        expect(d["name"] == name, "%s: name %r" % (where, d["name"]))
        expect(d["domid"] == domid_of(domid), "%s: domid %r" % (where, d["domid"]))
        expect(typed(d, "memory_mib", int, where) == int(mem), where + ": memory_mib")
        expect(typed(d, "vcpus", int, where) == int(vcpus), where + ": vcpus")
        expect(typed(d, "state", str, where) == state, where + ": state")
        flags = typed(d, "state_flags", dict, where)
        for letter, flag in FLAGS:
            expect(typed(flags, flag, bool, where) == (letter in state),
                   "%s: state_flags.%s" % (where, flag))
        cpu = typed(d, "cpu_time_seconds", float, where)
        # the two commands ran a moment apart: Domain-0's time moves
        expect(abs(cpu - float(t)) <= (30 if d["domid"] == 0 else 0.5),
               "%s: cpu_time_seconds %s, text %s" % (where, cpu, t))
        expect("details" not in d, where + ": details without -l")
    if names:
        got = [d["name"] for d in doc["domains"]]
        expect(got == names, "domains %r" % got)


def sxp_atoms(text):
    """Every (key atom) of an SXP text (xm list -l, block-list -l), at any
    depth and however the printer folded the lines: key -> [atoms]."""
    tokens = re.findall(r"'(?:[^'\\]|\\.)*'|[()]|[^\s()']+", text)
    out, stack = {}, []
    for t in tokens:
        if t == "(":
            stack.append([])
        elif t == ")":
            elem = stack.pop()
            if len(elem) == 2 and all(isinstance(x, str) for x in elem):
                out.setdefault(elem[0], []).append(elem[1])
            if stack:
                stack[-1].append(elem)
        elif stack:
            stack[-1].append(t[1:-1] if t.startswith("'") else t)
    return out


def check_list_long(text, doc, names):
    envelope(doc, "list")
    doms = typed(doc, "domains", list, "list -l")
    got = [d["name"] for d in doms]
    expect(got == names, "domains %r" % got)
    d = doms[0]
    det = typed(d, "details", dict, "list -l")
    atoms = sxp_atoms(text)
    for key in ("name", "uuid", "memory", "maxmem", "vcpus", "on_crash", "state"):
        expect(key in det, "details: no %r" % key)
        v = det[key]
        expect(str(v) == atoms[key][0], "details.%s %r, text %r" % (key, v, atoms[key][0]))
    expect(type(det["memory"]) is int and type(det["start_time"]) is float,
           "details: memory or start_time mistyped")
    expect(det["memory"] == d["memory_mib"], "details.memory is not memory_mib")
    devs = typed(det, "device", list, "details")
    kinds = sorted(next(iter(x)) for x in devs)
    for kind in ("vbd", "vif"):
        expect(kind in kinds, "details.device has no %s: %r" % (kind, kinds))
    vbd = next(x["vbd"] for x in devs if "vbd" in x)
    expect(vbd.get("uname") in atoms["uname"], "vbd uname %r" % vbd.get("uname"))
    vif = next(x["vif"] for x in devs if "vif" in x)
    expect(vif.get("mac") in atoms["mac"], "vif mac %r" % vif.get("mac"))


UNITS = {"total_memory": "total_memory_mib", "free_memory": "free_memory_mib",
         "xen_pagesize": "xen_pagesize_bytes"}


def check_info(text, doc, _):
    envelope(doc, "info")
    info = typed(doc, "info", dict, "info")
    lines = rows(text, skip_header=False)
    expect(len(info) == len(lines), "%d keys, %d lines" % (len(info), len(lines)))
    for line in lines:
        key, _, value = line.partition(":")
        key, value = key.strip(), value[1:]
        jkey = UNITS.get(key, key)
        expect(jkey in info, "info: no %r" % jkey)
        v = info[jkey]
        if re.match(r"^-?\d+$", value):
            expect(type(v) is int and v == int(value), "info.%s %r, text %r" % (jkey, v, value))
        else:
            expect(v == value, "info.%s %r, text %r" % (jkey, v, value))
    for key in ("nr_cpus", "total_memory_mib", "free_memory_mib", "cpu_mhz"):
        expect(type(info.get(key)) is int, "info.%s is not a number" % key)


def seconds(text):
    m = re.match(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d)$", text.strip())
    expect(m, "uptime %r" % text)
    return int(m.group(1) or 0) * 86400 + int(m.group(2)) * 3600 + \
        int(m.group(3)) * 60 + int(m.group(4))


def check_uptime(text, doc, _):
    for d, line in domain_rows(doc, "uptime", text):
        m = re.match(r"^(\S+)\s+(\d*)\s+(.*)$", line)
        where = "uptime " + m.group(1)
        check_domain_ids(d, where)
        expect(d["name"] == m.group(1) and d["domid"] == domid_of(m.group(2)),
               where + ": name or domid")
        up = typed(d, "uptime_seconds", int, where)
        expect(abs(up - seconds(m.group(3))) <= 3, "%s: %d s, text %s" % (where, up, m.group(3)))


def check_vcpu_list(text, doc, _):
    envelope(doc, "vcpu-list")
    doms = typed(doc, "domains", list, "vcpu-list")
    vcpus = [(d, v) for d in doms for v in typed(d, "vcpus", list, d.get("name"))]
    lines = rows(text)
    expect(len(vcpus) == len(lines), "%d vcpus, %d rows" % (len(vcpus), len(lines)))
    for (d, v), line in zip(vcpus, lines):
        name, domid, num, cpu, state, t, aff = re.match(
            r"^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+) (.*)$", line).groups()
        where = "vcpu-list %s/%s" % (name, num)
        check_domain_ids(d, where)
        expect(d["name"] == name and d["domid"] == int(domid), where + ": domain")
        expect(typed(v, "number", int, where) == int(num), where + ": number")
        expect(typed(v, "online", bool, where) == (cpu != "-"), where + ": online")
        expect(v["cpu"] == (None if cpu == "-" else int(cpu)), where + ": cpu %r" % v["cpu"])
        expect(typed(v, "running", bool, where) == (state[0] == "r"), where + ": running")
        expect(typed(v, "blocked", bool, where) == (state[1] == "b"), where + ": blocked")
        ct = typed(v, "cpu_time_seconds", float, where)
        expect(abs(ct - float(t)) <= (30 if d["domid"] == 0 else 0.5), where + ": cpu time")
        cpus = typed(v, "cpu_affinity", list, where)
        expect(all(type(c) is int for c in cpus), where + ": cpu_affinity")
        expect(typed(v, "cpu_affinity_any", bool, where) == (aff == "any cpu"),
               where + ": cpu_affinity_any, text %r" % aff)
        if aff not in ("any cpu", "no cpus"):
            want = []
            for part in aff.split(","):
                lo, _, hi = part.partition("-")
                want += range(int(lo), int(hi or lo) + 1)
            expect(cpus == want, "%s: cpu_affinity %r, text %r" % (where, cpus, aff))


def check_sched_credit(text, doc, _):
    for d, line in domain_rows(doc, "sched-credit", text):
        name, domid, w, c = line.split()
        where = "sched-credit " + name
        check_domain_ids(d, where)
        expect(d["name"] == name and d["domid"] == int(domid), where + ": domain")
        expect(typed(d, "weight", int, where) == int(w), where + ": weight")
        expect(typed(d, "cap", int, where) == int(c), where + ": cap")


def check_devices(kind, net):
    def check(text, doc, args):
        envelope(doc, kind)
        expect(doc.get("domain") == args[0], "domain %r" % doc.get("domain"))
        devs = typed(doc, "devices", list, kind)
        lines = rows(text)
        expect(len(devs) == len(lines) and devs, "%d devices, %d rows" % (len(devs), len(lines)))
        for d, line in zip(devs, lines):
            f = line.split()
            where = "%s %s" % (kind, f[0])
            if net:
                # "0   0  00:16:3e:..    0     4 ..." (BE and MAC may touch)
                m = re.match(r"^(\d+)\s+(-?\d+)\s*(\S+)\s+(\d+)\s+(-?\d+)\s+(-?\d+)\s+"
                             r"(-?\d+)\s*/(-?\d+)\s+(\S+)", line)
                idx, be, mac, handle, state, evt, tx, rx, path = m.groups()
                expect(typed(d, "mac", str, where) == mac, where + ": mac")
                expect(typed(d, "tx_ring_ref", int, where) == int(tx), where + ": tx")
                expect(typed(d, "rx_ring_ref", int, where) == int(rx), where + ": rx")
            else:
                idx, be, handle, state, evt, ring, path = f
                expect(typed(d, "ring_ref", int, where) == int(ring), where + ": ring_ref")
            expect(typed(d, "devid", int, where) == int(idx), where + ": devid")
            expect(typed(d, "backend_id", int, where) == int(be), where + ": backend_id")
            expect(typed(d, "handle", int, where) == int(handle), where + ": handle")
            expect(typed(d, "state", int, where) == int(state), where + ": state")
            if int(state) == 4:
                expect(d.get("state_name") == "connected", where + ": state_name")
            expect(typed(d, "event_channel", int, where) == int(evt), where + ": event_channel")
            expect(typed(d, "backend_path", str, where) == path, where + ": backend_path")
            expect("details" not in d, where + ": details without -l")
    return check


def check_devices_long(kind):
    def check(text, doc, args):
        envelope(doc, kind)
        devs = typed(doc, "devices", list, kind)
        atoms = sxp_atoms(text)
        expect(devs, "no devices")
        for d in devs:
            det = typed(d, "details", dict, kind)
            for key, value in det.items():
                expect(re.match(r"^[a-z0-9_]+$", key), "details key %r" % key)
                tkey = key.replace("_", "-") if key.replace("_", "-") in atoms else key
                expect(tkey in atoms, "details.%s is not in -l's text" % key)
                expect(str(value) in atoms[tkey], "details.%s %r, text %r" % (key, value, atoms[tkey]))
                if re.match(r"^(0|-?[1-9]\d*)$", str(value)):
                    expect(type(value) is int, "details.%s %r is not a number" % (key, value))
    return check


CHECKS = {
    "list": check_list, "list-long": check_list_long, "info": check_info,
    "uptime": check_uptime, "vcpu-list": check_vcpu_list,
    "sched-credit": check_sched_credit,
    "block-list": check_devices("block-list", False),
    "network-list": check_devices("network-list", True),
    "block-list-long": check_devices_long("block-list"),
    "network-list-long": check_devices_long("network-list"),
}


def main():
    kind, text_file, json_file = sys.argv[1:4]
    with open(text_file) as f:
        text = f.read()
    with open(json_file) as f:
        raw = f.read()
    try:
        expect(raw.endswith("}\n") and raw.count("\n") == 1, "not one line of JSON")
        CHECKS[kind](text, json.loads(raw), sys.argv[4:])
    except (Mismatch, ValueError, AttributeError, KeyError, IndexError, TypeError) as e:
        print("%s: %s: %s" % (kind, type(e).__name__, e))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
