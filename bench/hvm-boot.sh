#!/usr/bin/env bash
# hvm-boot.sh: the HVM issue's benchmark, side by side in one run on the
# same machine: an HVM guest (q35, SeaBIOS, 128 MiB, 1 vCPU, the test
# ISO as its CD-ROM, VNC display, serial port) created by `xm create` and
# by `virsh create` (Debian's libvirt, same disk, machine and firmware):
#   1. seconds from the command to the first line on the serial port
#      (GRUB's), read from the console log (xm) or the serial file (virsh);
#   2. seconds from the command to the first VNC frame the firmware drew
#      (more lit pixel rows than QEMU's one-line placeholder: SeaBIOS's
#      first lines), read by a real VNC client (vncsnapshot).
# Target: xm within 1.05x of libvirt on both.
# Usage: bench/hvm-boot.sh [BUILDDIR]   (default: _build/main, the
# quickstart build). ROUNDS=N (default 5), ISO=path (default the test ISO).
# Runs as root; starts a private xend under a temporary root and libvirtd
# and virtlogd with pid files of their own; stops all of them by pid.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/_build/main}" && pwd)
ROUNDS=${ROUNDS:-5}
XM=$B/xm/xm
XEND=$B/xend/xend
ISO=${ISO:-/usr/share/xen/guest/guest.iso}
SNAP=$top/tests/tools/vnc-snap.sh

for f in "$XM" "$XEND" "$ISO"; do
	[ -e "$f" ] || { echo "hvm-boot: missing $f (run scripts/quickstart.sh and scripts/mkiso.sh)" >&2; exit 1; }
done
. "$top/bench/libvirt.sh"
command -v vncsnapshot >/dev/null ||
	apt-get install -y -qq --no-install-recommends vncsnapshot imagemagick >/dev/null
lv_install

root=$(mktemp -d /tmp/bench-hvm.XXXXXX)
lv=$root/libvirt
mkdir -p "$lv" "$root/etc/xen"
cleanup() {
	set +e
	for d in $("$XM" list 2>/dev/null | awk 'NR>2 {print $1}'); do
		"$XM" destroy "$d" >/dev/null 2>&1
	done
	"$XEND" --root "$root" stop >/dev/null 2>&1
	lv_stop "$lv" benchhvm
	rm -rf "$root"
}
trap cleanup EXIT

echo "(xend-scripts-path $top/scripts)" >"$root/etc/xen/xend-config.sxp"
"$XEND" --root "$root" start
export XM_SERVER="httpu://$root/var/run/xend/xmlrpc.sock"
lv_start "$lv"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# watch T0 FILE DISPLAY: prints "serial vnc" seconds since T0: the first
# byte in FILE, the first frame on DISPLAY with the firmware's text (both polled by one
# loop each, the same way for both toolstacks).
watch() {
	local t0=$1 file=$2 disp=$3 ts tv
	(
		while [ ! -s "$file" ]; do sleep 0.02; done
		echo "$(now) - $t0" | bc >"$root/ts"
	) &
	local ps=$!
	(
		until "$SNAP" -t 5 "$disp" "$root/snap.png" 2>/dev/null &&
		    [ "$("$SNAP" --stats "$root/snap.png" |
		    sed -n 's/.* rows=\([0-9]*\).*/\1/p')" -gt 20 ]; do sleep 0.05; done
		echo "$(now) - $t0" | bc >"$root/tv"
	) &
	local pv=$!
	wait "$ps" "$pv"
	ts=$(cat "$root/ts"); tv=$(cat "$root/tv")
	echo "$ts $tv"
}

cfg=$root/hvm.cfg
cat >"$cfg" <<EOF
builder = 'hvm'
memory = 128
vcpus = 1
boot = 'd'
vnc = 1
vncdisplay = 7
vncunused = 0
serial = 'pty'
disk = ['file:$ISO,hdc:cdrom,r']
EOF
time_xm() {
	local name=$1 t0 log=$root/var/log/xen/console/$1.log
	t0=$(now)
	"$XM" create -q "$cfg" name="$name" >/dev/null
	watch "$t0" "$log" 127.0.0.1:7
}

cat >"$lv/benchhvm.xml" <<EOF
<domain type='qemu'>
  <name>benchhvm</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='cdrom'/></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='$ISO'/><target dev='sdc' bus='sata'/><readonly/></disk>
    <serial type='file'><source path='$lv/serial.log'/></serial>
    <graphics type='vnc' port='5908' listen='127.0.0.1'/>
    <video><model type='cirrus'/></video>
    <memballoon model='virtio'/>
  </devices>
</domain>
EOF
time_lv() {
	local t0
	rm -f "$lv/serial.log"
	t0=$(now)
	virsh -c qemu:///system create "$lv/benchhvm.xml" >/dev/null
	watch "$t0" "$lv/serial.log" 127.0.0.1:8
}

xs=() xv=() ls=() lvv=()
for i in $(seq 1 "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then
		read -r a b < <(time_xm h$i); "$XM" destroy "h$i"
		read -r c d < <(time_lv); virsh -c qemu:///system destroy benchhvm >/dev/null
	else
		read -r c d < <(time_lv); virsh -c qemu:///system destroy benchhvm >/dev/null
		read -r a b < <(time_xm h$i); "$XM" destroy "h$i"
	fi
	xs+=("$a") xv+=("$b") ls+=("$c") lvv+=("$d")
done
m() { printf '%s\n' "$@" | median; }
xs_m=$(m "${xs[@]}") xv_m=$(m "${xv[@]}") ls_m=$(m "${ls[@]}") lv_m=$(m "${lvv[@]}")

cat <<EOF

| HVM guest, median of $ROUNDS (s) | xm create | virsh create | ratio | target |
|---|---|---|---|---|
| command to first serial line | $xs_m | $ls_m | $(echo "scale=2; $xs_m / $ls_m" | bc) | <= 1.05 |
| command to first VNC frame with the firmware's text | $xv_m | $lv_m | $(echo "scale=2; $xv_m / $lv_m" | bc) | <= 1.05 |

xm serial:    ${xs[*]}
virsh serial: ${ls[*]}
xm VNC:       ${xv[*]}
virsh VNC:    ${lvv[*]}
EOF
