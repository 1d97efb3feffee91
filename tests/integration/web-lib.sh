# web-lib.sh: what the tests of xend's web page in a real browser share:
# the skip without Debian's chromium or puppeteer-core, the driver
# (tests/tools/web-driver.js in the test's namespace) started, spoken
# to a command at a time, and stopped. Sourced after devices-lib.sh.

# skip_unless_browser: sets CHROME and MODULES, or skips the test.
skip_unless_browser() {
	CHROME=$(command -v chromium || command -v chromium-browser)
	if [ -z "$CHROME" ]; then
		echo "1..0 # SKIP Debian's chromium is needed (apt-get install chromium)"
		exit 0
	fi
	# puppeteer-core: tests/run.sh installs it (npm) under _build/node
	MODULES=${XEN_NODE_MODULES:-$SRC/_build/node/node_modules}
	if ! command -v node >/dev/null || [ ! -d "$MODULES/puppeteer-core" ]; then
		echo "1..0 # SKIP node and puppeteer-core (in $MODULES) are needed: tests/run.sh installs them"
		exit 0
	fi
	DRV_PID=
}

# web_root NAME TEST SECS: the private root (setup_root NAME), the
# screenshots' directory ($SHOTS), the clean-up, a watchdog of SECS, the
# test's namespace, a password file with admin's password $PW, xend's
# config with the page on and its AddressSanitizer report in $D/asan.PID;
# $URL is the page, logged REGEX greps xend.log.
web_root() {
	setup_root "$1"
	SHOTS="$BUILD/tests/integration/$2-shots"
	rm -rf "$SHOTS"
	mkdir -p "$SHOTS"
	trap 'stop_driver; cleanup_devices' EXIT
	BG_PIDS=$(watchdog "$3")
	make_netns || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
	PW=s3cret-$$
	printf 'admin:%s\n' "$(openssl passwd -6 "$PW")" >"$D/etc/xen/xend-http.passwd"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$D/asan"
	xend_config "(xend-http-server yes)" \
	    "(xend-http-password-file $D/etc/xen/xend-http.passwd)"
	URL=http://127.0.0.1:8000
}

logged() { grep -Eq -- "$1" "$D/var/log/xen/xend.log"; }

# start_driver URL: chromium on URL; its first answer in $ans.
start_driver() {
	coproc DRV { in_ns env NODE_PATH="$MODULES" node "$SRC/tests/tools/web-driver.js" \
	    "$1" "$CHROME" 2>"$D/driver.err"; }
	DRV_PID=$DRV_PID
	read -t 120 -r ans <&"${DRV[0]}"
}

# page CMD-JSON [SECS]: one command to the driver; its answer in $ans.
page() {
	ans=
	echo "$1" >&"${DRV[1]}" && read -t "${2:-120}" -r ans <&"${DRV[0]}"
	[ "${ans%% *}" = ok ]
}

stop_driver() {
	if [ -n "$DRV_PID" ]; then
		echo '["quit"]' >&"${DRV[1]}" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$DRV_PID" 2>/dev/null || break; sleep 0.2; done
		kill "$DRV_PID" 2>/dev/null
		DRV_PID=
	fi
}
