#!/bin/sh
# proxy_fetch: haulproxy --fetch, the one-shot downloader.  A name (from
# -o's origin into -D, subdirectories and spaces included) and a full URL
# (into -O) are fetched byte-identical with exit 0 and nothing printed when
# stderr is not a terminal; on a terminal it reports the download; an
# interrupted fetch (SIGINT) says how to resume and the next run resumes;
# a 404 or an unreachable origin exits non-zero with one line on stderr; a
# bad option exits 2 with one line naming it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
bin_file "$ROOT/big.bin" $((3 * MB + 5))
mkdir -p "$ROOT/sub"
text_file "$ROOT/sub/t.txt" $((MB + 77))
bin_file "$ROOT/my file.bin" 70000
start_hauld -z 1
O=http://127.0.0.1:$PORT
OUT=$T/out

# quiet_ok WHAT: the last fetch exited 0 and printed only its digest line (the output
# checks are soft: reported at the end, so the rest still runs).
quiet_ok()
{
	must_equal "$rc" 0 "$1: exit status ($(cat "$T/se"))"
	[ -s "$T/se" ] && soft_fail "$1: stderr not empty: $(cat "$T/se")"
	# stdout: only the digest line (SPEC "Integrity").
	[ "$(grep -cvE '^sha-256: ([0-9a-f]{64}|none)$' "$T/so")" = 0 ] &&
	    [ "$(wc -l <"$T/so" | tr -d ' ')" = 1 ] ||
	    soft_fail "$1: stdout is not one sha-256 line: $(cat "$T/so")"
	return 0
}

# one_line_fail WHAT ERE: the last fetch failed with one line on stderr.
one_line_fail()
{
	[ "$rc" -ne 0 ] || fail "$1: exit status 0"
	must_contain "$T/se" "$2" "$1: message"
	[ "$(wc -l <"$T/se" | tr -d ' ')" = 1 ] ||
	    soft_fail "$1: $(wc -l <"$T/se" | tr -d ' ') lines on stderr, \
want 1: $(cat "$T/se")"
	[ -s "$T/so" ] && soft_fail "$1: stdout not empty: $(cat "$T/so")"
	return 0
}

hp()
{
	"$HAULPROXY" "$@" </dev/null >"$T/so" 2>"$T/se"
	rc=$?
}

hp --fetch big.bin -o "$O" -D "$OUT" -C 256k
quiet_ok "--fetch NAME"
must_cmp "$OUT/big.bin" "$ROOT/big.bin" "--fetch NAME"

hp --fetch sub/t.txt -o "$O" -D "$OUT" -C 256k --gzip always
quiet_ok "--fetch sub/NAME"
must_cmp "$OUT/sub/t.txt" "$ROOT/sub/t.txt" "--fetch sub/NAME"

hp --fetch "my file.bin" -o "$O" -D "$OUT"
quiet_ok "--fetch 'my file.bin'"
must_cmp "$OUT/my file.bin" "$ROOT/my file.bin" "--fetch 'my file.bin'"

hp --fetch "$O/download/sub/t.txt" -O "$T/copy.txt" -C 64k
quiet_ok "--fetch URL -O FILE"
must_cmp "$T/copy.txt" "$ROOT/sub/t.txt" "--fetch URL -O FILE"
[ -e "$OUT/t.txt" ] && fail "-O: the file also went to -D"

# Again: already complete, still exit 0 and quiet.
hp --fetch big.bin -o "$O" -D "$OUT" -C 256k
quiet_ok "--fetch NAME again"

# On a terminal it says what it did.
script -qec "'$HAULPROXY' --fetch '$O/download/big.bin' -O '$T/tty.bin'" \
    /dev/null </dev/null >"$T/tty.out" 2>&1
must_equal "$?" 0 "--fetch on a terminal: exit status ($(cat "$T/tty.out"))"
must_cmp "$T/tty.bin" "$ROOT/big.bin" "--fetch on a terminal"
must_contain "$T/tty.out" "Download complete" "--fetch on a terminal: report"

# Interrupted (SIGINT) while the origin trickles, then resumed.
bin_file "$T/slow.bin" $((12 * MB))
start_origin "$T/slow.bin" slow.bin --rate $((2 * MB))
"$HAULPROXY" --fetch slow.bin -o "$ORIGIN_URL" -D "$OUT" -C 256k -j 2 \
    </dev/null >"$T/so" 2>"$T/se" &
fpid=$!
track "$fpid"
until_true 20 journal_has_chunks "$OUT/.slow.bin.journal" ||
    fail "--fetch: no durable chunk while the origin trickles"
alive "$fpid" || fail "--fetch ended before it was interrupted"
kill -INT "$fpid"
wait_dead "$fpid" 10 || fail "--fetch still running 10 s after SIGINT"
wait "$fpid"
rc=$?
[ -e "$OUT/slow.bin" ] && fail "interrupted --fetch: the final file exists"
one_line_fail "interrupted --fetch" "resume"
durable=$(journal_verify "$OUT/.slow.bin.journal" "$OUT/.slow.bin.part" \
    "$T/slow.bin") || exit 1
[ "$durable" -gt 0 ] || fail "interrupted --fetch: nothing durable"
origin_mode ok "" "" 0
sleep 0.3	# responses to the dead fetch stop trickling
gets0=$(ostat bytes)
hp --fetch slow.bin -o "$ORIGIN_URL" -D "$OUT" -C 256k -j 2 --gzip never
quiet_ok "--fetch resumed"
must_cmp "$OUT/slow.bin" "$T/slow.bin" "--fetch resumed"
sent=$(($(ostat bytes) - gets0))
[ "$sent" -eq $((12 * MB - durable * 256 * 1024)) ] ||
    fail "--fetch resumed: the origin sent $sent bytes; $durable chunks \
were here already"

# Failures: one line on stderr, non-zero, no file.
hp --fetch nosuch.bin -o "$O" -D "$OUT"
one_line_fail "--fetch 404" "not found|404"
[ -e "$OUT/nosuch.bin" ] && fail "--fetch 404: a file appeared"
hp --fetch "$O/download/nosuch.bin" -O "$T/nosuch"
one_line_fail "--fetch URL 404" "not found|404"
[ -e "$T/nosuch" ] && fail "--fetch URL 404: a file appeared"
hp --fetch big.bin -o "http://127.0.0.1:$(free_port)" -D "$T/out2" -r 0
one_line_fail "--fetch unreachable" "unreachable|refused|connect"

# Bad usage: exit 2, one line naming the culprit.
for args in "--bogus" "-C abc" "--gzip sometimes" "-O $T/x" "-j 0" \
    "--fetch"; do
	# shellcheck disable=SC2086
	hp $args
	must_equal "$rc" 2 "haulproxy $args: exit status"
	must_equal "$(wc -l <"$T/se" | tr -d ' ')" 1 \
	    "haulproxy $args: stderr lines ($(cat "$T/se"))"
	opt=${args%% *}
	must_contain "$T/se" "$(printf '%s' "${opt#-}" | sed 's/^-//')" \
	    "haulproxy $args: the message names it"
done
hp --fetch 'a%00b' -D "$OUT"
must_equal "$rc" 2 "--fetch with a NUL in the name: exit status"
must_equal "$(wc -l <"$T/se" | tr -d ' ')" 1 "--fetch NUL: stderr lines"

soft_check
