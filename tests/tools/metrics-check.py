#!/usr/bin/env python3
"""metrics-check.py: xend's /metrics read by Prometheus' own parser
(python3-prometheus-client), for integration/xend-http.sh.

  metrics-check.py parse FILE
      parses the exposition (a failure exits 1 with the parser's error)
      and checks what the parser lets pass: every family has HELP and
      TYPE lines before its samples, names and label sets are unique,
      counters end in _total, values are numbers. Prints the families.
  metrics-check.py compare FILE LIST_JSON LONG_JSON
      each domain of `xm list --json` and `xm list -l --json`: its
      target, maxmem (of -l's details), vCPUs, id, and the state flags
      other than
      running/blocked (which change from one moment to the next).
  metrics-check.py get FILE NAME [LABEL=VALUE...]
      prints the one sample's value (exits 1 when there is none).
"""
import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

MIB = 1048576


def families(text):
    return list(text_string_to_metric_families(text))


def strict(text):
    """What the parser accepts without complaint but the format forbids."""
    seen_help, seen_type, samples = set(), set(), set()
    errors = []
    for line in text.splitlines():
        if not line:
            errors.append("an empty line")
            continue
        m = re.match(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$", line)
        if m:
            (seen_help if m.group(1) == "HELP" else seen_type).add(m.group(2))
            if m.group(1) == "TYPE" and m.group(3) not in (
                    "counter", "gauge", "histogram", "summary", "untyped"):
                errors.append("bad TYPE: " + line)
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m:
            errors.append("not a sample: " + line)
            continue
        name, labels, value = m.groups()
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        fam = name if name in seen_type else base
        if fam not in seen_type or fam not in seen_help:
            errors.append("no HELP/TYPE before " + name)
        key = (name, labels or "")
        if key in samples:
            errors.append("repeated sample " + line)
        samples.add(key)
        try:
            float(value)
        except ValueError:
            errors.append("not a number: " + line)
    return errors


def sample(fams, name, labels):
    for f in fams:
        for s in f.samples:
            if s.name == name and all(s.labels.get(k) == v
                                      for k, v in labels.items()):
                return s.value
    return None


def cmd_parse(path):
    text = open(path).read()
    fams = families(text)
    errors = strict(text)
    for f in fams:
        if f.type == "counter" and not all(
                s.name.endswith(("_total", "_created")) for s in f.samples):
            errors.append("counter %s without _total" % f.name)
    for e in errors:
        print("# " + e)
    for f in fams:
        print("%s %s %d" % (f.name, f.type, len(f.samples)))
    return 1 if errors else 0


def cmd_compare(path, list_json, long_json):
    fams = families(open(path).read())
    short = json.load(open(list_json))["domains"]
    longd = {d["name"]: d for d in json.load(open(long_json))["domains"]}
    bad = 0

    def check(what, got, want):
        nonlocal bad
        if got != want:
            print("# %s: /metrics %r, xm list %r" % (what, got, want))
            bad += 1

    for d in short:
        lab = {"domain": d["name"], "uuid": d["uuid"]}
        details = longd[d["name"]]["details"]
        check(d["name"] + " target", sample(fams, "xen_domain_memory_target_bytes", lab),
              d["memory_mib"] * MIB)
        check(d["name"] + " maxmem", sample(fams, "xen_domain_memory_max_bytes", lab),
              details["maxmem"] * MIB)
        check(d["name"] + " vcpus", sample(fams, "xen_domain_vcpus", lab), d["vcpus"])
        check(d["name"] + " domid", sample(fams, "xen_domain_id", lab), d["domid"])
        for flag in ("paused", "shutdown", "crashed", "dying"):
            check("%s state %s" % (d["name"], flag),
                  sample(fams, "xen_domain_state", dict(lab, state=flag)),
                  1.0 if d["state_flags"][flag] else 0.0)
        run = [sample(fams, "xen_domain_state", dict(lab, state=s))
               for s in ("running", "blocked")]
        if None in run:
            check(d["name"] + " running/blocked", run, "present")
        print("# %s: checked" % d["name"])
    return 1 if bad else 0


def cmd_get(path, name, *pairs):
    labels = dict(p.split("=", 1) for p in pairs)
    v = sample(families(open(path).read()), name, labels)
    if v is None:
        return 1
    print("%.17g" % v)
    return 0


def main(argv):
    cmds = {"parse": cmd_parse, "compare": cmd_compare, "get": cmd_get}
    if len(argv) < 3 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
