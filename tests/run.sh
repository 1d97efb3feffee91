#!/usr/bin/env bash
# run.sh: the whole test suite, as README and CI run it. Installs what it
# needs, builds with ASan+UBSan in _build/test, runs `make check` (unit,
# golden and integration tests, all TAP), then `make distcheck`, and ends
# with one line: "N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build="$top/_build/test"
jobs=${JOBS:-2}

# The conformance corpus lives beside the repository (../shared).
if [ -z "${XEN_SHARED_DIR:-}" ] && [ -d "$top/../shared" ]; then
	XEN_SHARED_DIR=$(cd "$top/../shared" && pwd)
fi
export XEN_SHARED_DIR="${XEN_SHARED_DIR:-}"

step() { printf '\n=== %s\n' "$*"; }

step "installing dependencies"
"$top/scripts/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

# xend-web.sh drives Debian's chromium with puppeteer-core from npm, kept
# in _build/node (Node.js 18 or later on PATH; without it the test skips).
PUPPETEER_CORE=24.43.1
node_modules="$top/_build/node/node_modules"
if command -v npm >/dev/null && [ "$(node -p "require('$node_modules/puppeteer-core/package.json').version" 2>/dev/null)" != "$PUPPETEER_CORE" ]; then
	step "puppeteer-core $PUPPETEER_CORE (npm, into _build/node)"
	mkdir -p "$top/_build/node"
	npm install --no-audit --no-fund --no-save --prefix "$top/_build/node" \
		"puppeteer-core@$PUPPETEER_CORE" >/dev/null 2>&1 ||
		echo "warning: no puppeteer-core; xend-web.sh will be skipped"
fi

# The integration tests boot the default guest: build it and its CD image
# (idempotent, from Debian's packages) where quickstart puts it, unless told
# otherwise.
step "default guest image"
export XEN_GUEST_DIR="${XEN_GUEST_DIR:-/usr/share/xen/guest}"
"$top/scripts/mkguest.sh" --out "$XEN_GUEST_DIR" ||
	echo "warning: no guest image; tests that boot guests will be skipped"
# The HVM tests boot the same guest from a CD (GRUB, BIOS and UEFI).
"$top/scripts/mkiso.sh" --out "$XEN_GUEST_DIR" ||
	echo "warning: no guest.iso; tests that boot HVM guests from CD will be skipped"
# A realistic Debian guest (debootstrap, its own kernel and grub.cfg) for
# pygrub-debian.sh; kept across runs while its packages are the same.
"$top/scripts/mkdebian.sh" --out "$XEN_GUEST_DIR" ||
	echo "warning: no Debian guest; pygrub-debian.sh will be skipped"

step "configuring ($build)"
{ [ -x "$top/configure" ] && [ "$top/configure.ac" -ot "$top/configure" ]; } ||
	autoreconf -fi >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$build"
(cd "$build" && "$top/configure" -q --prefix=/usr --sysconfdir=/etc \
	--localstatedir=/var --enable-sanitizers) || { echo "0 passed, 1 failed"; exit 1; }

step "building"
make -C "$build" -j"$jobs" >"$build/build.log" 2>&1 || {
	tail -50 "$build/build.log"; echo "0 passed, 1 failed"; exit 1; }

step "make check"
rm -f "$build"/tests/*/*.trs "$build"/tests/*.trs
make -C "$build" -j"$jobs" check 2>&1 | grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL|#)' 
# Count test cases, not programs: each TAP line is one result.
count() { cat "$build"/tests/*/*.trs "$build"/tests/*.trs 2>/dev/null |
	grep -c "^:test-result: $1" ; }
pass=$(count PASS); fail=$(count FAIL); skip=$(count SKIP)
errs=$(count ERROR); xpass=$(count XPASS)
fail=$((fail + errs + xpass))

if [ "${SKIP_DISTCHECK:-0}" != 1 ]; then
	step "make distcheck"
	# The guest-booting tests already ran above; distcheck checks the
	# tarball builds, installs and passes the rest.
	if XEN_SKIP_INTEGRATION="integration tests ran in the main pass" \
		make -C "$build" -j"$jobs" distcheck \
		DISTCHECK_CONFIGURE_FLAGS="--enable-sanitizers" >"$build/distcheck.log" 2>&1; then
		echo "PASS: make distcheck"; pass=$((pass + 1))
	else
		tail -40 "$build/distcheck.log"; echo "FAIL: make distcheck"; fail=$((fail + 1))
	fi
fi

if [ "$fail" -gt 0 ]; then
	step "failures"
	grep -hE '^(not ok|ERROR|FAIL)' "$build"/tests/*/*.log "$build"/tests/*.log 2>/dev/null | head -50
fi
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
