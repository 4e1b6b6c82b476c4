# Proves --access-log writes one combined-format line per response:
#   IP - - [dd/Mon/yyyy:hh:mm:ss +zzzz] "METHOD TARGET HTTP/1.x" STATUS BYTES "REFERER" "UA"
# with the real status and body bytes (206 range, 404, HEAD with 0),
# "-" for absent fields, quotes in client strings neutralised, malformed
# requests logged too; and "-l -" sends the lines to stderr.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 5000
start_hauld -l "$T/access.log"

lines()
{
	[ "$(grep -c '' "$T/access.log" 2>/dev/null)" -ge "$1" ]
}
# start_hauld's own /healthz probe is the first line.
until_true 5 lines 1 || fail "the startup probe was not logged"
n0=$(grep -c '' "$T/access.log")

fetch "$T/got" "$T/h" -e 'http://ref.example/page' -A 'haul-test/1.0' \
    -r 100-1099 "$(url /download/a.bin)"
fetch "$T/got" "$T/h" -A 'haul-test/1.0' "$(url /download/a.bin)"
fetch "$T/got" "$T/h" -H 'User-Agent:' "$(url /download/missing)"
fetch "$T/got" "$T/h" -I -A 'haul-test/1.0' "$(url /download/a.bin)"
fetch "$T/got" "$T/h" -A 'evil "quoted" agent' "$(url /healthz)"
printf 'GARBAGE\r\n\r\n' | $HTTPC raw "$PORT" >/dev/null 2>&1

until_true 5 lines $((n0 + 6)) ||
    fail "want $((n0 + 6)) access log lines, have: $(cat "$T/access.log")"
sleep 0.2
must_equal "$(grep -c '' "$T/access.log")" $((n0 + 6)) "one line per response"

# Every line has the combined format.
re='^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4}\] "[^"]*" [0-9]{3} [0-9]+ "[^"]*" "[^"]*"$'
if grep -Evq "$re" "$T/access.log"; then
	fail "not combined format: $(grep -Ev "$re" "$T/access.log" | head -1)"
fi

must_contain "$T/access.log" \
    '"GET /download/a.bin HTTP/1.1" 206 1000 "http://ref.example/page" "haul-test/1.0"$' \
    "the 206 line"
must_contain "$T/access.log" \
    '"GET /download/a.bin HTTP/1.1" 200 5000 "-" "haul-test/1.0"$' \
    "the 200 line"
must_contain "$T/access.log" '"GET /download/missing HTTP/1.1" 404 [0-9]+ "-" "-"$' \
    "the 404 line"
must_contain "$T/access.log" '"HEAD /download/a.bin HTTP/1.1" 200 0 "-" "haul-test/1.0"$' \
    "the HEAD line"
must_contain "$T/access.log" '"GET /healthz HTTP/1.1" 200 3 "-" "evil .quoted. agent"$' \
    "quotes in the User-Agent"
must_contain "$T/access.log" '" 400 [0-9]+ "-" "-"$' "the malformed request"
stop_hauld

# -l - : the lines go to stderr.
start_hauld -l -
fetch "$T/got" "$T/h" -A 'to-stderr' "$(url /download/a.bin)"
until_true 5 grep -q '"to-stderr"' "$HAULD_LOG" || fail "no access line on stderr"
grep '"to-stderr"' "$HAULD_LOG" | grep -Eq "$re" || fail "stderr line format"
log ok
