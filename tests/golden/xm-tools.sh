#!/usr/bin/env bash
# xm-tools.sh: the operator's tools that need no xend: the bash
# completion script under bash (COMP_WORDS, COMP_CWORD, compgen) for
# subcommands, options, config files and hosts; xm help --complete; the
# commands that need a Xen hypervisor; xm shell fed from a pipe (lines
# run, quoting, history file, exit status).
. "${top_srcdir:-.}/tests/lib.sh"

COMPLETION="${top_srcdir:-.}/etc/bash-completion/xm"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# no xend here: domain names come back empty, quietly
export XM_SERVER="httpu://$T/none.sock"

# comp WORD...: what completing the last word offers, sorted, one line.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ));
	    _xm; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
	    _ "$COMPLETION" "$@" | sort | tr '\n' ' '
}

is "subcommands: mem-<Tab>" "$(comp "$XM" mem-)" "mem-max mem-set "
is "subcommands: to<Tab> -> top" "$(comp "$XM" to)" "top "
is "Xen-only commands are not offered (debug-)" "$(comp "$XM" debug-)" ""
is "options of migrate" "$(comp "$XM" migrate --)" \
    "--change_home_server --help --json --live --node= --port= --ssl "
is "options of list, short and long" "$(comp "$XM" list -)" "--help --json --long --state= -l "
is "the options of a unique prefix's command (li -> list)" "$(comp "$XM" li --l)" "--long "
mkdir -p "$T/xen" "$T/here"
touch "$T/xen/web1.cfg" "$T/xen/web2.cfg" "$T/xen/db.cfg" "$T/here/web3.cfg"
is "create: config files in the config directory and here" \
    "$(cd "$T/here" && XM_COMPLETION_CONFDIR="$T/xen" comp "$XM" create we)" "web1.cfg web2.cfg web3.cfg "
is "new: the same" "$(cd "$T/here" && XM_COMPLETION_CONFDIR="$T/xen" comp "$XM" new -p d)" "db.cfg "
printf '10.1.1.2 h2.example\n10.1.1.3 h3.example\n' >"$T/hosts"
is "migrate: the second argument is a host" \
    "$(HOSTFILE="$T/hosts" comp "$XM" migrate --live web1 h2)" "h2.example "
is "migrate -p PORT is skipped when counting arguments" \
    "$(HOSTFILE="$T/hosts" comp "$XM" migrate -p 8002 web1 h3)" "h3.example "
is "a domain argument without xend: nothing, no noise" "$(comp "$XM" console '' 2>&1)" ""

out=$("$XM" help --complete)
like "help --complete lists commands" "$out" '^shell$'
like "... and the config directory" "$out" '^@confdir /.*/xen$'
out=$("$XM" help --complete migrate)
like "help --complete migrate: its arguments" "$out" '^@args domain host$'
out=$("$XM" help --complete sched-credit)
like "help --complete sched-credit: -d takes a domain" "$out" '^@optarg -d domain$'
out=$("$XM" help --complete list)
like "help --complete list: domains, repeated" "$out" '^@args domain\.\.\.$'

# ---- xentop, the classic name of xm top ----------------------------------------
out=$("${top_builddir:-.}/xm/xentop" --help 2>&1); rc=$?
like "xentop (a link to xm) is xm top" "$rc $out" "^0 Usage: xm top \[-b\]"
out=$("${top_builddir:-.}/xm/xentop" -b -i 0 2>&1); rc=$?
is "... with xm top's options (-i 0 refused)" "$rc" 2

# ---- the commands that need a Xen hypervisor --------------------------------
for c in "debug-keys h" "cpupool-list" "tmem-list -a" "pci-list-assignable-devices" "getenforce"; do
	out=$("$XM" $c 2>&1); rc=$?
	like "xm $c: needs a Xen hypervisor, exit 1" "$rc $out" \
	    "^1 Error: 'xm ${c%% *}' needs a Xen hypervisor: .*, and this host runs its guests on QEMU"
done
out=$("$XM" pool-list 2>&1); rc=$?
like "the pool-* aliases of classic xm name cpupool-*" "$rc $out" \
    "^1 Command pool-list is deprecated.  Please use xm cpupool-list instead."
out=$("$XM" help 2>&1)
is "xm help lists them apart" \
    "$(grep -A1 '^These need a Xen hypervisor and say so when run:$' <<<"$out" | tail -n 1 | awk '{ print $1 }')" \
    debug-keys
ok "... and not among the others" test -z "$(grep '^ debug-keys  ' <<<"$out")"

# ---- xm shell from a pipe -------------------------------------------------
mkdir -p "$T/home"
out=$(printf '%s\n' 'help top' "xm domid 'a b'" 'debug-keys h' 'quit' |
    HOME="$T/home" "$XM" shell 2>"$T/err"); rc=$?
like "shell: the banner" "$out" '^The Xen Master. Type "help" for a list of functions.'
like "shell: a line runs as an xm command (help top)" "$out" 'Usage: xm top \[-b\]'
like "shell: a leading xm is dropped (domid reaches for xend)" "$(cat "$T/err")" \
    "Unable to connect to xend"
ok "shell: quotes keep words together (domid got one argument)" \
    test -z "$(grep 'requires 1 argument' "$T/err")"
like "shell: debug-keys says why" "$(cat "$T/err")" "'xm debug-keys' needs a Xen hypervisor"
is "shell: quit leaves with the last command's status" "$rc" 1
is "shell: the history file has the lines" "$(cat "$T/home/.xm_history")" \
    "$(printf '%s\n' 'help top' "xm domid 'a b'" 'debug-keys h' 'quit')"
out=$(printf "domname 'a\n" | HOME="$T/home" "$XM" shell 2>&1); rc=$?
is "shell: an unterminated quote is a usage error (exit 2)" "$rc" 2
like "... saying so" "$out" "Error: unterminated quote"
out=$(printf 'shell\n' | HOME="$T/home" "$XM" shell 2>&1)
like "shell: no shell in the shell" "$out" "Error: already in xm shell"

done_testing
