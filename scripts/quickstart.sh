#!/usr/bin/env bash
# quickstart.sh: the README's main job. Installs the dependencies, builds
# and installs the toolstack under /usr and /etc/xen, builds the default
# guest image, then runs the admin's first steps. Until xend can run
# domains (the domains issue), the last step is a dry run:
# `xm create -n /etc/xen/examples/guest.cfg`.
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

echo "==> xend's effective configuration (xend -n)"
xend -n | head -20
echo "..."

echo "==> xm create -n /etc/xen/examples/guest.cfg"
xm create -n /etc/xen/examples/guest.cfg
