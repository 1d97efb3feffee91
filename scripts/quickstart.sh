#!/usr/bin/env bash
# quickstart.sh: the README's main job. Installs the dependencies, builds
# and installs the toolstack under /usr and /etc/xen, builds the default
# guest image, starts xend and lands on the default guest's console with
# `xm create -c /etc/xen/examples/guest.cfg` (Ctrl-] detaches).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build/main"
cd "$top"

echo "==> installing dependencies"
"$top/scripts/install-deps.sh"

echo "==> building"
{ [ -x "$top/configure" ] && [ "$top/configure.ac" -ot "$top/configure" ]; } ||
	autoreconf -fi >/dev/null
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var
make -j2 >/dev/null

echo "==> installing"
make install >/dev/null

if [ -x "$top/scripts/mkguest.sh" ]; then
	echo "==> building the default guest image"
	"$top/scripts/mkguest.sh" --out /usr/share/xen/guest
fi

echo "==> starting xend"
xend status >/dev/null 2>&1 || xend start
xm info | grep -E '^(host|nr_cpus|total_memory|accel) '

cfg=/etc/xen/examples/guest.cfg
echo "==> xm list"
xm list
if xm domid guest >/dev/null 2>&1; then
	echo "==> the default guest already runs: xm console guest (Ctrl-] detaches)"
	[ -t 0 ] && exec xm console guest
	exit 0
fi
echo "==> xm create -c $cfg (Ctrl-] detaches; the guest keeps running)"
if [ -t 0 ]; then
	exec xm create -c "$cfg"
fi
# Not on a terminal: show the console for a while, then detach (end of
# input ends the session; the guest keeps running) and list.
sleep "${QUICKSTART_CONSOLE_SECS:-15}" | xm create -c "$cfg" || true
echo
xm list
