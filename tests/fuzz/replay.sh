#!/bin/bash
# replay.sh: every fuzz target's corpus (tests/fuzz/corpus-NAME) replayed
# through its target built with the ordinary compiler
# (tests/fuzz/replay-NAME: the target's fuzz-NAME.c and replay-main.c), so
# that a parser regression shows in `make check` without libFuzzer. A
# fuzz target without a replay program, or without a corpus, fails.
. "${top_srcdir:-.}/tests/lib.sh"
SRCF="$(cd "${top_srcdir:-.}" && pwd)/tests/fuzz"
BLDF="$(cd "${top_builddir:-.}" && pwd)/tests/fuzz"
errs=$(mktemp -d /tmp/fuzz-replay.XXXXXX)
trap 'rm -rf "$errs"' EXIT
for src in "$SRCF"/fuzz-*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	prog="$BLDF/replay-$name"
	corpus="$SRCF/corpus-$name"
	if [ ! -x "$prog" ]; then
		ok "fuzz-$name: a replay program (tests/fuzz/replay-$name)" false
		continue
	fi
	if [ ! -d "$corpus" ]; then
		ok "fuzz-$name: a corpus (tests/fuzz/corpus-$name)" false
		continue
	fi
	n=$("$prog" "$corpus" 2>"$errs/$name")
	rc=$?
	is "fuzz-$name: its corpus replays cleanly ($n inputs)" \
	    "$rc $(head -c 400 "$errs/$name")" "0 "
	ok "fuzz-$name: ... every input of the corpus" \
	    [ "$n" = "$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)" ]
done
done_testing
