#!/bin/sh
# domcfg.sh: golden tests of `xm create -n`: every domain config of the
# conformance corpus and the inputs/ of our own, run through the built xm;
# stdout plus the exit status must equal domcfg/NAME.out, and stderr must
# equal domcfg/NAME.err (empty when there is none). Prints TAP.
#
# DOMCFG_REGEN=1 rewrites the expected files from the current xm; check
# every changed value against its source config before committing
# (domcfg/README.md says what was checked for each file).

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
XM="$top_builddir/xm/xm"
GOLDEN="$top_srcdir/tests/golden/domcfg"
INPUTS="$GOLDEN/inputs"
CONFIGS="$top_srcdir/../shared/conformance/configs"
X41=xen-project__xen__RELEASE-4.1.6.1__tools__examples__
X30=xen-project__xen__RELEASE-3.0.0__tools__examples__
DOCS=xen-project__xen__RELEASE-4.1.6.1__docs__misc__xen_config.html__

# A create without -n goes to xend: never to one running on this host.
export XM_SERVER=httpu:///nonexistent/xend/xmlrpc.sock

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
: >"$tmp/none"
n=0
failed=0

# check NAME DIR ARGS...: runs xm ARGS in DIR with a fixed environment.
check() {
	name=$1
	dir=$2
	shift 2
	n=$((n + 1))
	if [ ! -d "$dir" ]; then
		echo "ok $n - $name # SKIP $dir not found"
		return
	fi
	(cd "$dir" && env -u DISPLAY -u XAUTHORITY HOME=/nonexistent LC_ALL=C \
	    "$XM" "$@") >"$tmp/out" 2>"$tmp/err"
	echo "[exit $?]" >>"$tmp/out"
	if [ "${DOMCFG_REGEN:-}" = 1 ]; then
		cp "$tmp/out" "$GOLDEN/$name.out"
		if [ -s "$tmp/err" ]; then
			cp "$tmp/err" "$GOLDEN/$name.err"
		else
			rm -f "$GOLDEN/$name.err"
		fi
	fi
	experr="$GOLDEN/$name.err"
	[ -f "$experr" ] || experr="$tmp/none"
	if cmp -s "$tmp/out" "$GOLDEN/$name.out" && cmp -s "$tmp/err" "$experr"; then
		echo "ok $n - $name"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $n - $name: xm $*"
	diff -u "$GOLDEN/$name.out" "$tmp/out" 2>&1 | sed 's/^/# /'
	diff -u "$experr" "$tmp/err" 2>&1 | sed 's/^/# /'
}

if [ ! -x "$XM" ]; then
	echo "1..0 # SKIP $XM not built"
	exit 0
fi

# The conformance corpus: every domain config must parse or fail clearly.
check x41-xmexample1 "$CONFIGS" create -n ${X41}xmexample1
check x41-xmexample2 "$CONFIGS" create -n ${X41}xmexample2 vmid=2
check x41-xmexample2-novmid "$CONFIGS" create -n ${X41}xmexample2
check x41-xmexample2-badvmid "$CONFIGS" create -n ${X41}xmexample2 vmid=0
check x41-xmexample3 "$CONFIGS" create -n ${X41}xmexample3 vmid=1
check x41-xmexample.hvm "$CONFIGS" create -n ${X41}xmexample.hvm
check x41-xmexample.hvm-stubdom "$CONFIGS" create -n ${X41}xmexample.hvm-stubdom
check x41-xmexample.nbd "$CONFIGS" create -n ${X41}xmexample.nbd
check x41-xmexample.pv-grub "$CONFIGS" create -n ${X41}xmexample.pv-grub
check x41-xmexample.vti "$CONFIGS" create -n ${X41}xmexample.vti
check x41-cpupool "$CONFIGS" create -n ${X41}cpupool
check x30-xmexample1 "$CONFIGS" create -n ${X30}xmexample1
check x30-xmexample2 "$CONFIGS" create -n ${X30}xmexample2 vmid=3
check x30-xmexample.vmx "$CONFIGS" create -n ${X30}xmexample.vmx
check xen-tools-xm.tmpl "$CONFIGS" create -n xen-tools__xen-tools__etc__xm.tmpl
check x41-xmexample2-help "$CONFIGS" create --help_config ${X41}xmexample2
check x41-xmexample1-help "$CONFIGS" create -q --help_config ${X41}xmexample1
check docs-sxp-1 "$CONFIGS" create -n -F ${DOCS}L152-165.sxp
check docs-sxp-2 "$CONFIGS" create -n -F ${DOCS}L170-190.sxp
check x41-xend-config-as-vm "$CONFIGS" create -n -F ${X41}xend-config.sxp

# Our own inputs: VAR=VALUE, warnings, errors, the command itself.
check overrides "$INPUTS" create -n overrides.cfg memory=256 \
    'vif=bridge=br1' 'vif= mac=00:16:3e:00:00:02 , bridge=br2' \
    disk=tap:aio:/srv/b.img,xvdb,r on_crash=preserve localtime=yes \
    release=7
check override-bad-int "$INPUTS" create -n overrides.cfg memory=lots
check override-bad-flag "$INPUTS" create -n overrides.cfg localtime=maybe
check override-bad-vif "$INPUTS" create -n overrides.cfg vif=brdige=x release=7
check typos "$INPUTS" create -n typos.cfg
check quiet "$INPUTS" create -q -n typos.cfg
check pv-full "$INPUTS" create -n pv-full.cfg
check pv-bootloader "$INPUTS" create -n pv-bootloader.cfg
check pv-bootloader-console "$INPUTS" create -n -c pv-bootloader.cfg
check hvm-full "$INPUTS" create -n hvm-full.cfg
check nfsroot "$INPUTS" create -n nfsroot.cfg
check default-name "$INPUTS" create -n default-name.cfg
check path-search "$GOLDEN" create -n --path=nowhere:inputs pv-full.cfg
check bad-memory "$INPUTS" create -n bad-memory.cfg
check bad-maxmem "$INPUTS" create -n bad-maxmem.cfg
check bad-vif "$INPUTS" create -n bad-vif.cfg
check bad-vif-pair "$INPUTS" create -n bad-vif-pair.cfg
check bad-disk "$INPUTS" create -n bad-disk.cfg
check bad-disk-mode "$INPUTS" create -n bad-disk-mode.cfg
check bad-disk-dev "$INPUTS" create -n bad-disk-dev.cfg
check bad-on-crash "$INPUTS" create -n bad-on-crash.cfg
check bad-cpus "$INPUTS" create -n bad-cpus.cfg
check bad-vcpus "$INPUTS" create -n bad-vcpus.cfg
check bad-loop "$INPUTS" create -n bad-loop.cfg
check bad-import "$INPUTS" create -n bad-import.cfg
check bad-syntax "$INPUTS" create -n bad-syntax.cfg
check no-kernel "$INPUTS" create -n /dev/null
check ramdisk-man-example "$INPUTS" create -n /dev/null \
    kernel=/boot/vmlinuz ramdisk=/boot/initrd name=ramdisk vif= vcpus=1 \
    memory=64 root=/dev/ram0
check missing-file "$INPUTS" create -n no-such.cfg
check no-dryrun "$INPUTS" create pv-full.cfg
check two-files "$INPUTS" create -n pv-full.cfg hvm-full.cfg
check bad-var-name "$INPUTS" create -n pv-full.cfg my-var=1
check sxp-not-vm "$INPUTS" create -n -F not-a-vm.sxp
check sxp-broken "$INPUTS" create -n -F broken.sxp

echo "1..$n"
[ "$failed" -eq 0 ]
