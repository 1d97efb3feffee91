#!/usr/bin/env bash
# xm-cli.sh: the xm command framework: help formats, lookup order
# (exact, alias, prefix), argument checks and exit statuses.
. "${top_srcdir:-.}/tests/lib.sh"

out=$("$XM" 2>&1); rc=$?
is "no subcommand exits 2" "$rc" 2
like "no subcommand prints the short help" "$out" "^Usage: xm <subcommand> \[args\]"
like "short help lists common commands" "$out" "Common 'xm' commands:"
like "short help ends with the pointer to 'xm help'" "$out" "For a complete list of subcommands run 'xm help'.$"

out=$("$XM" help 2>&1); rc=$?
is "xm help exits 0" "$rc" 0
like "xm help prints the full list" "$out" "xm full list of subcommands:"
like "commands are formatted ' %-20s %s'" "$out" "$(printf ' %-20s %s' create 'Create a domain')"

out=$("$XM" --help 2>&1); rc=$?
is "xm --help exits 0" "$rc" 0

out=$("$XM" frobnicate 2>&1); rc=$?
is "unknown subcommand exits 2" "$rc" 2
like "unknown subcommand is named" "$out" "^Error: Subcommand frobnicate not found!"

out=$("$XM" c 2>&1); rc=$?
is "one-letter words are never prefixes" "$rc" 2

out=$("$XM" inf -c 2>&1); rc=$?
like "a unique prefix runs the command (inf -> info)" "$out" "xend-relocation-port"

out=$("$XM" info --help 2>&1); rc=$?
is "per-command --help exits 0" "$rc" 0
like "per-command help shows usage" "$out" "^Usage: xm info \[-c\|--config\] \[-n\|--numa\]"
like "per-command help lists options as '  %-30s'" "$out" "$(printf '  %-30s %s' '-c, --config' 'List Xend')"

out=$("$XM" help create 2>&1); rc=$?
like "xm help CMD shows that command's usage" "$out" "^Usage: xm create <ConfigFile>"

out=$("$XM" info extra 2>&1); rc=$?
is "too many arguments exits 2" "$rc" 2
like "argument count error names the command" "$out" "^Error: 'xm info' requires 0 arguments."

out=$("$XM" info --bogus 2>&1); rc=$?
is "unknown option exits 2" "$rc" 2
like "unknown option is named" "$out" "unknown option --bogus"

# ---- --json (docs/JSON.md): usage errors, and errors that stay text --------
for c in list info uptime vcpu-list sched-credit block-list network-list migrate; do
	like "xm $c --help offers --json" "$("$XM" $c --help 2>&1)" "^  --json  "
done
out=$("$XM" info -c --json 2>&1); rc=$?
like "info -c --json: a usage error" "$rc $out" "^2 Error: --json is for the host's information"
out=$("$XM" sched-credit -d web1 -w 512 --json 2>&1); rc=$?
like "sched-credit -w --json: a usage error (nothing to print)" "$rc $out" "^2 Error: --json is for the listing"
out=$(XM_SERVER="httpu://$(mktemp -u)/none.sock" XM_XEND_WAIT=0 "$XM" list --json 2>"${TMPDIR:-/tmp}/xm-cli-json.$$"); rc=$?
err=$(cat "${TMPDIR:-/tmp}/xm-cli-json.$$"); rm -f "${TMPDIR:-/tmp}/xm-cli-json.$$"
is "list --json without xend: exit 1, nothing on stdout" "$rc|$out" "1|"
like "... the error as text on stderr" "$err" "^Error: Unable to connect to xend"

done_testing
