# xen-hotplug-common.sh: what every hotplug script shares (Xen's contract,
# xm-reference 9.2): NAME=VALUE words as variables, logging, reporting to
# xenstore (hotplug-status connected | error | busy, hotplug-error), and
# locks. Sourced, never run. xend sets XENSTORED_PATH, XEN_HOTPLUG_LOG and
# XEN_LOCK_DIR under its root prefix; the defaults are Xen's paths.

PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
export PATH
XEN_HOTPLUG_LOG=${XEN_HOTPLUG_LOG:-/var/log/xen/xen-hotplug.log}
XEN_LOCK_DIR=${XEN_LOCK_DIR:-/var/run/xen-hotplug}
script_name=${0##*/}

log() {
	local level=$1
	shift
	mkdir -p "${XEN_HOTPLUG_LOG%/*}" 2>/dev/null
	printf '%s %s [%d] %s: %s\n' "$(date '+%F %T')" "$script_name" $$ \
	    "$level" "$*" >>"$XEN_HOTPLUG_LOG" 2>/dev/null
}

# Every NAME=VALUE word becomes a variable; the first other word is the
# command (online, offline, add, remove, start, stop, status).
command=
for arg in "$@"; do
	case "$arg" in
	*=*)
		name=${arg%%=*}
		case "$name" in
		''|[0-9]*|*[!A-Za-z0-9_]*) ;;
		*) printf -v "$name" '%s' "${arg#*=}" ;;
		esac ;;
	*)
		[ -n "$command" ] || command=$arg ;;
	esac
done
unset arg name

xenstore_read() {
	local v
	v=$(xenstore-read "$@") || fatal "xenstore-read $* failed."
	printf '%s\n' "$v"
}

xenstore_read_default() {
	xenstore-read "$1" 2>/dev/null || printf '%s\n' "$2"
}

xenstore_write() {
	xenstore-write "$@" || fatal "xenstore-write $* failed."
}

# Fails the device: the message goes to stderr (xend quotes it), the log
# and hotplug-error; hotplug-status says error.
fatal() {
	printf '%s\n' "$*" >&2
	log err "$*"
	if [ -n "${XENBUS_PATH:-}" ]; then
		xenstore-write "$XENBUS_PATH/hotplug-error" "$*" \
		    "$XENBUS_PATH/hotplug-status" error 2>/dev/null
	fi
	exit 1
}

# Refuses the device (it is in use): hotplug-status busy.
ebusy() {
	printf '%s\n' "$*" >&2
	log err "$*"
	xenstore-write "$XENBUS_PATH/hotplug-error" "$*" \
	    "$XENBUS_PATH/hotplug-status" busy 2>/dev/null
	exit 1
}

success() {
	xenstore_write "$XENBUS_PATH/hotplug-status" connected
}

# Runs a command whose failure is of no consequence (offline paths).
do_without_error() {
	"$@" 2>/dev/null || log debug "$* failed (ignored)"
}

# claim_lock NAME / release_lock NAME: one holder at a time across
# scripts, on an flock of a file under XEN_LOCK_DIR (freed if we die).
claim_lock() {
	mkdir -p "$XEN_LOCK_DIR"
	exec 200>"$XEN_LOCK_DIR/$1"
	flock -w 60 200 || fatal "cannot take the lock $XEN_LOCK_DIR/$1"
}

release_lock() {
	flock -u 200 2>/dev/null
	exec 200>&-
}
