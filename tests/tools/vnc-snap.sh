#!/usr/bin/env bash
# vnc-snap.sh: a real VNC client for the tests. Captures one frame of a VNC
# display with vncsnapshot (Debian package vncsnapshot; a password goes
# through tigervnc-tools' `vncpasswd -f`), and tells a blank picture from
# one that shows something (ImageMagick).
#
#   vnc-snap.sh [-t SECS] HOST:DISPLAY OUT.jpg|OUT.png [PASSWORD]
#	Exit 0 when OUT holds the frame; 1 when the server cannot be
#	reached within SECS (default 30; a refused connection is retried
#	until then, so a server still starting is waited for), refuses the
#	password or wants one and none was given; 2 on bad usage or a
#	missing tool. The reason is on stderr.
#   vnc-snap.sh --stats IMAGE
#	Prints "WIDTHxHEIGHT sd=SD rows=N": SD the standard deviation of
#	the grey levels (0..1), N the pixel rows holding anything brighter
#	than a dark grey (text, a logo).
#   vnc-snap.sh --blank IMAGE
#	Exit 0 when IMAGE is blank (all one colour), 1 when it shows
#	something, 2 when it cannot be read.
#
# QEMU shows "Guest has not initialized the display (yet)." on a 640x480
# frame before the guest's firmware draws: not blank, but a single line
# (rows about 10-16), where a screen of text has hundreds.
set -uo pipefail

prog=${0##*/}
export LC_ALL=C

usage() {
	sed -n '/^#   /,/^# QEMU/{/^# QEMU/d;s/^#//;p}' "$0" >&2
	exit 2
}
need() {
	command -v "$1" >/dev/null ||
	    { echo "$prog: $1 is needed (apt-get install $2)" >&2; exit 2; }
}

# stats IMAGE: "WxH SD ROWS"
stats() {
	local f=$1 w h sd rows
	[ -r "$f" ] || { echo "$prog: cannot read $f" >&2; return 2; }
	read -r w h sd < <(identify -format '%w %h %[fx:standard_deviation]\n' \
	    "${f}[0]" 2>/dev/null)
	[ -n "$sd" ] || { echo "$prog: $f is no image ImageMagick reads" >&2; return 2; }
	# Each row scaled to one pixel after a threshold: a row is lit when
	# any of its pixels is brighter than 25 %.
	rows=$(convert "${f}[0]" -colorspace Gray -threshold 25% \
	    -scale "1x$h!" -depth 8 txt:- 2>/dev/null |
	    awk 'NR > 1 && $3 != "#000000" { n++ } END { print n + 0 }')
	echo "${w}x$h $sd $rows"
}

case "${1:-}" in
--stats|--blank)
	[ $# = 2 ] || usage
	need identify imagemagick
	need convert imagemagick
	s=$(stats "$2") || exit 2
	read -r size sd rows <<<"$s"
	if [ "$1" = --stats ]; then
		echo "$size sd=$sd rows=$rows"
		exit 0
	fi
	# Blank: one colour (JPEG leaves a flat picture flat).
	awk -v sd="$sd" 'BEGIN { exit !(sd < 0.002) }'
	exit $? ;;
-h|--help)
	usage ;;
esac

limit=30
if [ "${1:-}" = -t ]; then
	[ $# -ge 2 ] || usage
	limit=$2
	shift 2
fi
[ $# = 2 ] || [ $# = 3 ] || usage
display=$1 out=$2 password=${3-}
case "$display" in
*:*)	;;
*)	echo "$prog: $display: HOST:DISPLAY expected" >&2; exit 2 ;;
esac
case "$out" in
*.jpg|*.jpeg|*.JPG|*.JPEG)	fmt=jpeg ;;
*.png|*.PNG)			fmt=png; need convert imagemagick ;;
*)	echo "$prog: $out: .jpg or .png expected" >&2; exit 2 ;;
esac
need vncsnapshot vncsnapshot
need timeout coreutils

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vnc-snap.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
args=(-quiet -allowblank -quality 95)
if [ -n "$password" ]; then
	need vncpasswd tigervnc-tools
	if ! printf '%s\n' "$password" | vncpasswd -f >"$tmp/passwd" 2>/dev/null ||
	    [ ! -s "$tmp/passwd" ]; then
		echo "$prog: vncpasswd -f failed" >&2
		exit 2
	fi
	args+=(-passwd "$tmp/passwd")
fi

# Without a password vncsnapshot would ask on /dev/tty: setsid takes the
# tty away and stdin is /dev/null, so a server that wants one fails here.
end=$(( $(date +%s) + limit ))
while :; do
	left=$(( end - $(date +%s) ))
	[ "$left" -gt 0 ] || left=1
	timeout "$left" setsid vncsnapshot "${args[@]}" "$display" \
	    "$tmp/snap.jpg" </dev/null >"$tmp/log" 2>&1
	rc=$?
	[ "$rc" = 0 ] && [ -s "$tmp/snap.jpg" ] && break
	if [ "$rc" = 124 ]; then
		why="no frame within ${limit}s"
	elif grep -q 'authentication failed' "$tmp/log"; then
		why="password refused"
	elif grep -q 'Reading password failed' "$tmp/log"; then
		why="the server wants a password and none was given"
	elif grep -q 'Connection refused' "$tmp/log"; then
		why="connection refused"
		if [ "$(date +%s)" -lt "$end" ]; then
			sleep 0.2	# polling for the server to listen
			continue
		fi
	else
		why="vncsnapshot failed (status $rc)"
	fi
	echo "$prog: $display: $why" >&2
	sed 's/^/  /' "$tmp/log" >&2
	exit 1
done

if [ "$fmt" = png ]; then
	convert "$tmp/snap.jpg" "$tmp/snap.png" ||
	    { echo "$prog: cannot convert to PNG" >&2; exit 1; }
	mv -f "$tmp/snap.png" "$out"
else
	mv -f "$tmp/snap.jpg" "$out"
fi || exit 1
