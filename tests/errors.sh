# Proves the error statuses of SPEC.md: 405 with "Allow: GET, HEAD" for
# POST, PUT, DELETE and other methods; 400 for malformed request lines
# and heads (garbage, HTTP/0.9 style, bad tokens, folding, missing Host);
# 505 for HTTP/2.0 on the wire; 405 for a 300-byte method; 414 for a 10 KB URI; 431 for 20 KB of
# headers; each with a short text body, while a 4 KB URI and 8 KB of
# headers are still served normally.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000
start_hauld -l "$T/access.log"

for m in POST PUT DELETE PATCH OPTIONS BREW; do
	fetch "$T/got" "$T/h" -X "$m" -d 'x=1' "$(url /download/a.bin)"
	must_equal "$(status "$T/h")" 405 "$m status"
	must_match "$(hdr "$T/h" Allow)" '*GET*' "$m Allow"
	must_match "$(hdr "$T/h" Allow)" '*HEAD*' "$m Allow"
	must_contain "$T/got" 'not allowed' "$m body"
done
fetch "$T/got" "$T/h" -X DELETE "$(url /metrics)"
must_equal "$(status "$T/h")" 405 "DELETE /metrics"
# A 300-byte method (fuzz_conn's find: the access-log line overran its
# buffer, seen by the sanitizer build); then the worker still serves.
longm=$(head -c 300 /dev/zero | tr '\0' M)
fetch "$T/got" "$T/h" -X "$longm" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 405 "300-byte method"
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 200 "after a 300-byte method"
# Its access-log line keeps the target and version after a cut method
# (the overrun wrote them past the buffer instead).
sleep 0.2
grep -q "\"$(head -c 32 /dev/zero | tr '\0' M) /download/a.bin HTTP/1.1\" 405" \
    "$T/access.log" || fail "access log line of the 300-byte method"

# raw_status REQUEST-printf-format: the status the server answers.
raw_status()
{
	printf "$1" | $HTTPC --timeout 5 raw --one "$PORT" >"$T/raw" 2>"$T/err" ||
	    { cat "$T/err" >&2; echo none; return; }
	head -n1 "$T/raw" | cut -d' ' -f2
}
for req in \
    'GARBAGE\r\n\r\n' \
    'GET /download/a.bin\r\n\r\n' \
    'GET  /download/a.bin HTTP/1.1\r\nHost: x\r\n\r\n' \
    'GET /download/a.bin  HTTP/1.1\r\nHost: x\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1 extra\r\nHost: x\r\n\r\n' \
    'GET /download/a.bin HTTX/1.1\r\nHost: x\r\n\r\n' \
    'GET /download/a.bin HTTP/1.x\r\nHost: x\r\n\r\n' \
    'G(T /download/a.bin HTTP/1.1\r\nHost: x\r\n\r\n' \
    ' GET /download/a.bin HTTP/1.1\r\nHost: x\r\n\r\n' \
    'GET /download/a\001.bin HTTP/1.1\r\nHost: x\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\nHost : x\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\n\r\n' \
    'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n' \
    'GET download/a.bin HTTP/1.1\r\nHost: x\r\n\r\n'; do
	must_equal "$(raw_status "$req")" 400 "status for '$req'"
	grep -q 'Content-Type: text/plain' "$T/raw" || fail "no text body"
done
must_equal "$(raw_status 'GET /download/a.bin HTTP/2.0\r\nHost: x\r\n\r\n')" \
    505 "HTTP/2.0 request"
# Sane ones on the same path, for contrast.
must_equal "$(raw_status 'GET /download/a.bin HTTP/1.0\r\n\r\n')" 200 \
    "HTTP/1.0 without Host"
must_equal "$(raw_status \
    'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" \
    200 "a well-formed request"
must_equal "$(raw_status \
    '\r\nGET /download/a.bin HTTP/1.1\nHost: x\nConnection: close\n\n')" \
    200 "leading CRLF, bare LF line ends (RFC 9112 2.2)"

# 414: a 10 KB URI, via curl and raw; 4 KB is still a normal 404.
long=$(head -c 10240 /dev/zero | tr '\0' a)
fetch "$T/got" "$T/h" "$(url "/download/$long")"
must_equal "$(status "$T/h")" 414 "10 KB URI"
must_match "$(hdr "$T/h" Content-Type)" 'text/plain*' "414 body type"
must_equal "$(raw_status "GET /download/$long HTTP/1.1\r\nHost: x\r\n\r\n")" \
    414 "10 KB URI, raw"
fetch "$T/got" "$T/h" "$(url "/download/$(head -c 4000 /dev/zero | tr '\0' a)")"
case $(status "$T/h") in
404 | 414) ;;	# a single name over NAME_MAX may be refused as too long
*) fail "4 KB URI: status $(status "$T/h")" ;;
esac
fetch "$T/got" "$T/h" \
    "$(url "/download/$(head -c 4000 /dev/zero | tr '\0' a | sed 's/a\{100\}/&\//g')b")"
must_equal "$(status "$T/h")" 404 "4 KB URI of short segments"

# 431: 20 KB of header fields; 8 KB is fine.
awk 'BEGIN { for (i = 0; i < 200; i++) {
    printf "X-Pad-%03d: ", i; for (j = 0; j < 88; j++) printf "p"; print "" } }' \
    >"$T/hdrs20k"
fetch "$T/got" "$T/h" -H "@$T/hdrs20k" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 431 "20 KB of headers"
must_contain "$T/got" '.' "431 has a body"
head -n 40 "$T/hdrs20k" >"$T/hdrs4k"
fetch "$T/got" "$T/h" -H "@$T/hdrs4k" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 200 "4 KB of headers"
must_cmp "$T/got" "$ROOT/a.bin" "body with 4 KB of headers"
# Too many fields, each small: 431 as well.
awk 'BEGIN { for (i = 0; i < 100; i++) printf "X-F%d: v\n", i }' >"$T/hdrs100"
fetch "$T/got" "$T/h" -H "@$T/hdrs100" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 431 "100 header fields"
# One huge field.
fetch "$T/got" "$T/h" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)" \
    "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 431 "one 20 KB header field"

# The error responses were counted as 4xx.
n=$(metric hauld_resp_4xx_total)
[ -n "$n" ] && [ "$n" -ge 30 ] || fail "resp_4xx_total is '$n'"

fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "still serving"

# A 6 KB path is within the 8 KB request line but longer than any path
# the server will open: that is still "URI too long", not a bad request.
fetch "$T/got" "$T/h" \
    "$(url "/download/$(head -c 6000 /dev/zero | tr '\0' a | sed 's/a\{100\}/&\//g')b")"
must_equal "$(status "$T/h")" 414 "6 KB URI of short segments"


# A HEAD, then a head that does not parse, on one connection: the error
# answer carries the body its Content-Length announces, not the HEAD's
# "no body" (found by tests/fuzz/fuzz_conn).
printf 'HEAD /download/a.bin HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/9.9\r\n\r\n' |
    $HTTPC --timeout 5 raw "$PORT" >"$T/raw" 2>"$T/err" ||
    fail "HEAD then 505: $(cat "$T/err")"
must_contain "$T/raw" 'HTTP/1.1 505' "HEAD then 505"
must_equal "$(tail -n 1 "$T/raw")" "HTTP version not supported" \
    "body of a 505 that follows a HEAD"

log ok
