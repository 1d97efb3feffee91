#!/bin/bash
# xm-json.sh: --json (docs/JSON.md) of list, list -l, info, uptime,
# vcpu-list, sched-credit, block-list and network-list, and the progress
# lines of save and restore, against a private
# xend with a paused guest that has a disk and a NIC: each document is
# parsed by python3's json module and its keys, types and values checked
# against the text the same command prints (tests/tools/xm-json-check.py);
# an unknown domain is exit 3 with the error on stderr, as for the text.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/integration/devices-lib.sh"
skip_unless_guests
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 is needed to read the JSON"
	exit 0
fi
CHECK="$SRC/tests/tools/xm-json-check.py"

setup_root xjson
trap cleanup_devices EXIT
BG_PIDS=$(watchdog 600)
make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
xend_config "(network-script network-bridge)" "(device-create-timeout 60)"
# `ip netns exec` mounts a fresh /sys in a mount namespace of its own,
# without the host's cgroup file systems: xend and its monitors get the
# host's cpu controller (v1, or v2) mounted again in that namespace only,
# so credit weights can be set as on the host
start_xend() {
	ip netns exec "$NS" sh -c '
	    if [ -e /proc/1/root/sys/fs/cgroup/cgroup.controllers ]; then
	        mount -t cgroup2 none /sys/fs/cgroup
	    else
	        mount -t tmpfs none /sys/fs/cgroup && mkdir /sys/fs/cgroup/cpu &&
	            mount -t cgroup -o cpu cgroup /sys/fs/cgroup/cpu
	    fi 2>/dev/null
	    exec "$@"' sh "$XEND" --root "$D" start
}
run start_xend
is "xend starts" "$rc $err" "0 "
truncate -s 16M "$D/data.img"
c1=$(guest_cfg j1 "vcpus = 2" "disk = ['file:$D/data.img,xvdb,w']" \
    "vif = ['bridge=xenbr0, mac=00:16:3e:22:33:44']")
run xm create -q -p "$c1"
is "create -p j1 with a disk and a NIC" "$rc $err" "0 "
# weights need a cgroup cpu controller; without one the defaults are listed
credit="512 +20"
run xm sched-credit -d j1 -w 512 -c 20
if [[ $err == *"no cgroup cpu controller"* ]]; then
	skip "sched-credit: j1 gets weight 512, cap 20" "no cgroup cpu controller"
	credit="256 +0"
else
	is "sched-credit: j1 gets weight 512, cap 20" "$rc $err" "0 "
fi
run xm vcpu-pin j1 1 0
is "vcpu-pin: j1's vCPU 1 on CPU 0" "$rc $err" "0 "

# same KIND DESC WANT TEXT-ARGS -- JSON-ARGS: runs both forms and checks
# the pair; WANT: the domains the checker expects ("" for any).
same() {
	local kind=$1 desc=$2 want=$3 targs=() jargs=() a json=0
	shift 3
	for a in "$@"; do
		if [ "$a" = -- ]; then json=1; continue; fi
		if [ $json = 0 ]; then targs+=("$a"); else jargs+=("$a"); fi
	done
	xm "${targs[@]}" >"$D/text" 2>"$D/text.err"
	xm "${jargs[@]}" >"$D/json" 2>"$D/json.err"
	rc=$?
	is "$desc: exit 0, nothing on stderr" "$rc $(cat "$D/json.err")" "0 "
	is "$desc: the text's keys, types and values" \
	    "$(python3 "$CHECK" "$kind" "$D/text" "$D/json" $want)" ok
}

same list "list --json" "" list -- list --json
same list "list --json j1 (names limit it)" "j1" list j1 -- list --json j1
same list "list --json j1 Domain-0 (in the order given)" "j1 Domain-0" list j1 Domain-0 -- list --json j1 Domain-0
same list-long "list -l --json j1" "j1" list -l j1 -- list -l --json j1
same info "info --json" "" info -- info --json
same uptime "uptime --json" "" uptime -- uptime --json
same vcpu-list "vcpu-list --json" "" vcpu-list -- vcpu-list --json
same sched-credit "sched-credit --json" "" sched-credit -- sched-credit --json
same sched-credit "sched-credit --json -d j1" "j1" sched-credit -d j1 -- sched-credit --json -d j1
same block-list "block-list --json j1" "j1" block-list j1 -- block-list --json j1
same block-list-long "block-list -l --json j1" "j1" block-list -l j1 -- block-list -l --json j1
same network-list "network-list --json j1" "j1" network-list j1 -- network-list --json j1
same network-list-long "network-list -l --json j1" "j1" network-list -l j1 -- network-list -l --json j1

run python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["domains"][1]
print(d["name"], d["state"], d["state_flags"]["paused"], d["memory_mib"], d["vcpus"])' \
    <(xm list --json)
is "list --json: j1 is paused, 96 MiB, 2 vCPUs" "$out" "j1 --p--- True 96 2"

# ---- save and restore --json: progress objects, one a line, then done ------------
# shape FILE COMMAND PATH: every line an object of the command; progress
# ones with their figures as numbers; the last one "done" for j1 and PATH
shape() {
	python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cmd, path = sys.argv[2], sys.argv[3]
assert lines, "no line"
for d in lines[:-1]:
    assert d["schema"] == 1 and d["command"] == cmd and d["event"] == "progress", d
    assert d["domain"] == "j1" and d["path"] == path, d
    assert isinstance(d["transferred_bytes"], int) and isinstance(d["total_bytes"], int), d
    assert isinstance(d["in_flight"], bool), d
assert lines[-1] == {"schema": 1, "command": cmd, "event": "done",
                     "domain": "j1", "path": path}, lines[-1]
print("ok")' "$@"
}
xm save --json j1 "$D/j1.save" >"$D/save.json" 2>"$D/save.err"
is "save --json j1: exit 0, nothing on stderr" "$? $(cat "$D/save.err")" "0 "
is "... progress objects, then done" "$(shape "$D/save.json" save "$D/j1.save")" ok
xm restore -p --json "$D/j1.save" >"$D/restore.json" 2>"$D/restore.err"
is "restore -p --json: exit 0, nothing on stderr" "$? $(cat "$D/restore.err")" "0 "
is "... progress objects, then done" "$(shape "$D/restore.json" restore "$D/j1.save")" ok
is "... j1 is back, paused" "$(xm list j1 | awk 'NR == 2 { print $5 }')" "--p---"

# ---- errors: text on stderr, the text form's exit status --------------------------
for c in "list --json nosuch" "list -l --json j1 nosuch" "uptime --json nosuch" \
    "vcpu-list --json nosuch" "sched-credit --json -d nosuch" "block-list --json nosuch" \
    "network-list --json nosuch"; do
	run xm $c
	like "xm $c: exit 3, no JSON, the error on stderr" "$rc|$out|$err" \
	    "^3\|\|Error: .*nosuch"
done
run xm info -c --json
like "info -c --json: a usage error (exit 2)" "$rc $err" "^2 Error: --json is for the host's"
run xm sched-credit -d j1 -w 300 --json
like "sched-credit -w --json: a usage error (exit 2)" "$rc $err" \
    "^2 Error: --json is for the listing"
like "... and nothing set" "$(xm sched-credit -d j1)" "^j1 +[0-9]+ +$credit\$"

done_testing
