#!/bin/bash
# xendcfg.sh: golden tests of the xend-config.sxp reader: `xend -n` on the
# conformance files, our shipped file and error cases, `xm info -c`,
# XEND_CONFIG, --root and the print/read fixed point.
# XENDCFG_REGEN=1 rewrites the expected files instead of comparing; check
# every changed value against its source file before keeping it.

. "${top_srcdir:-.}/tests/lib.sh"

export LC_ALL=C
unset XEND_CONFIG

G="${top_srcdir:-.}/tests/golden/xendcfg"
CASES="$G/cases"
SHIPPED="${top_srcdir:-.}/etc/xen/xend-config.sxp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The expected files name the classic directories (/etc, /var, /var/run);
# a build configured elsewhere (make distcheck) is compared after its own
# directories are written back as those.
SYSCONFDIR=${XEN_CONF_SYSCONFDIR:-/etc}
LOCALSTATEDIR=${XEN_CONF_LOCALSTATEDIR:-/var}
RUNSTATEDIR=${XEN_CONF_RUNSTATEDIR:-/var/run}
classic_dirs() {
	sed -e "s|$RUNSTATEDIR/|/var/run/|g" -e "s|$LOCALSTATEDIR/|/var/|g" \
	    -e "s|$SYSCONFDIR/|/etc/|g" "$1"
}

# run CMD...: runs CMD, leaving its stdout, stderr and status in out, err, rc.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(classic_dirs "$tmp/out")
	err=$(classic_dirs "$tmp/err")
}

# golden DESC GOT FILE: GOT must equal FILE's contents ("" when FILE is absent).
golden() {
	if [ -n "$XENDCFG_REGEN" ]; then
		if [ -n "$2" ]; then printf '%s\n' "$2" >"$3"; else rm -f "$3"; fi
	fi
	local want=""
	[ -f "$3" ] && want=$(cat "$3")
	is "$1" "$2" "$want"
}

# fixed_point DESC: the last stdout, read back through XEND_CONFIG, prints
# itself without a word on stderr.
# Extra arguments go to xend.
fixed_point() {
	local desc="$1" first="$out"
	shift
	printf '%s\n' "$first" >"$tmp/fp.sxp"
	XEND_CONFIG="$tmp/fp.sxp" run "$XEND" -n "$@"
	is "$desc: xend -n reads its own output back unchanged" "$out$err" "$first"
}

# Our shipped file and the real ones: no errors, no warnings, exact values.
check_file() {	# SHORT FILE
	run "$XEND" -n -f "$2"
	is "$1: xend -n exits 0" "$rc" 0
	golden "$1: effective configuration" "$out" "$G/$1.out"
	golden "$1: stderr" "$err" "$G/$1.err"
	fixed_point "$1"
}

check_file shipped "$SHIPPED"
# The corpus lives beside the repository (../shared); without it the
# checks of the real files are skipped, saying why.
nocorpus=""
[ -d "$CONFORMANCE" ] || nocorpus="no conformance corpus at $CONFORMANCE"
[ -z "$nocorpus" ] || skip "the real xend-config files" "$nocorpus"
for f in "$CONFORMANCE"/*xend-config*.sxp; do
	[ -f "$f" ] || continue
	short=${f##*/}
	short=${short#xen-project__xen__RELEASE-}
	short=${short//__/-}
	check_file "${short%.sxp}" "$f"
done

# The other xend SXP data files are not xend-config files, but must read as
# SXP: every option keeps its default and their top form is an unknown name.
for f in "$CONFORMANCE"/*xend-pci-*.sxp; do
	[ -f "$f" ] || continue
	short=${f##*/}
	short=${short#xen-project__xen__RELEASE-}
	short=${short//__/-}
	short=${short%.sxp}
	cd "$CONFORMANCE"
	run "$XEND" -n -f "${f##*/}"
	cd - >/dev/null
	is "$short: reads as SXP, exit 0" "$rc" 0
	golden "$short: defaults" "$out" "$G/defaults.out"
	golden "$short: unknown option warning" "$err" "$G/$short.err"
done

# Our cases: NAME.err is the exact stderr; NAME.out, when present, the
# output of a run that must succeed; without it the run must fail.
for f in "$CASES"/*.sxp; do
	name=${f##*/}
	name=${name%.sxp}
	cd "$CASES"
	run "$XEND" -n -f "$name.sxp"
	cd - >/dev/null
	golden "$name: messages" "$err" "$CASES/$name.err"
	if [ -f "$CASES/$name.out" ] || { [ -n "$XENDCFG_REGEN" ] && [ "$rc" = 0 ]; }; then
		is "$name: exit 0" "$rc" 0
		golden "$name: effective configuration" "$out" "$CASES/$name.out"
		fixed_point "$name"
	else
		is "$name: exit 1" "$rc" 1
		is "$name: nothing on stdout" "$out" ""
	fi
done

x41="$CONFORMANCE/xen-project__xen__RELEASE-4.1.6.1__tools__examples__xend-config.sxp"
x41out="$G/4.1.6.1-tools-examples-xend-config.out"

# Which file: -f, else XEND_CONFIG, else the default under --root.
if [ -z "$nocorpus" ]; then
	XEND_CONFIG="$x41" run "$XEND" -n
	golden "XEND_CONFIG names the file" "$out" "$x41out"
	XEND_CONFIG="$CASES/bad-bool.sxp" run "$XEND" -n -f "$x41"
	is "-f wins over XEND_CONFIG" "$rc:$out" "0:$(cat "$x41out")"
else
	skip "XEND_CONFIG and -f with a real file" "$nocorpus"
fi
XEND_CONFIG="$tmp/none.sxp" run "$XEND" -n
is "missing file: exit 0" "$rc" 0
golden "missing file: every default" "$out" "$G/defaults.out"
golden "missing file: a note" "${err//$tmp/TMP}" "$G/missing.err"

mkdir -p "$tmp/root"
run "$XEND" -n --root "$tmp/root"
golden "--root without a file: default paths under the root" "${out//$tmp/TMP}" "$G/root-defaults.out"
golden "--root without a file: the note names the rooted path" "${err//$tmp/TMP}" "$G/root-missing.err"
fixed_point "--root defaults" --root "$tmp/root"
mkdir -p "$tmp/root$SYSCONFDIR/xen"
cp "$SHIPPED" "$tmp/root$SYSCONFDIR/xen/xend-config.sxp"
run "$XEND" -n --root "$tmp/root/"
is "--root with a file: exit 0, quiet" "$rc:$err" "0:"
golden "--root reads DIR/etc/xen/xend-config.sxp" "${out//$tmp/TMP}" "$G/root-shipped.out"

# xm reads the file itself for `xm info -c`.
if [ -z "$nocorpus" ]; then
	XEND_CONFIG="$x41" run "$XM" info -c
	is "xm info -c: exit 0, quiet" "$rc:$err" "0:"
	golden "xm info -c: every option, classic values" "$out" "$G/info-c.out"
else
	skip "xm info -c with a real file" "$nocorpus"
fi
XEND_CONFIG="$CASES/full.sxp" run "$XM" info --config
golden "xm info --config: lists, quotes and None" "$out" "$G/info-c-full.out"
cd "$CASES"
XEND_CONFIG=many-errors.sxp run "$XM" info -c
cd - >/dev/null
is "xm info -c with errors: exit 1, nothing on stdout" "$rc:$out" "1:"
golden "xm info -c with errors: each one as Error: file:line:" "$err" "$G/info-c-errors.err"
XM_SERVER="httpu://$tmp/no-xend.sock" run "$XM" info
is "xm info without -c asks xend" "$rc:$err" \
	"1:Error: Unable to connect to xend: No such file or directory. Is xend running?"

# The rest of xend's command line.
run "$XEND"
is "xend: usage" "$rc:$err" "1:usage: xend {start|stop|reload|restart|status}"
# (the daemon commands themselves: tests/integration/xend-daemon.sh)
run "$XEND" --root "$tmp" status
is "xend status under an empty root: not running" "$rc:$out" "3:xend is not running"
run "$XEND" frobnicate
is "xend frobnicate: not an option" "$rc:$err" "1:not an option: frobnicate"
run "$XEND" -n start
is "xend -n start: refused" "$rc" 1

done_testing
