# Proves HEAD /download/PATH answers 200 with Content-Length (the file
# size), Accept-Ranges: bytes, Content-Type, ETag and Last-Modified (the
# file's mtime as an HTTP date), the same validators as GET, and no body
# bytes at all on the wire; a Range on HEAD is ignored (RFC 9110 14.2),
# and a HEAD for a missing file is a 404 without body.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=123457
bin_file "$ROOT/data.bin" $SIZE
touch -d '2020-01-02 03:04:05 UTC' "$ROOT/data.bin"
text_file "$ROOT/notes.txt" 50000
start_hauld

$CURL -I -D "$T/h" -o /dev/null "$(url /download/data.bin)" || fail "curl -I"
must_equal "$(status "$T/h")" 200 "HEAD status"
must_equal "$(hdr "$T/h" Content-Length)" $SIZE "HEAD Content-Length"
must_equal "$(hdr "$T/h" Accept-Ranges)" bytes "HEAD Accept-Ranges"
must_equal "$(hdr "$T/h" Last-Modified)" "Thu, 02 Jan 2020 03:04:05 GMT" \
    "HEAD Last-Modified"
must_equal "$(hdr "$T/h" Content-Type)" application/octet-stream \
    "HEAD Content-Type"
etag=$(hdr "$T/h" ETag)
must_match "$etag" '"?*"' "HEAD ETag is a quoted strong validator"
has_hdr "$T/h" Content-Range && fail "HEAD has a Content-Range"
# RFC 9110 6.6.1: an origin with a clock sends Date, an IMF-fixdate.
must_match "$(hdr "$T/h" Date)" \
    '[MTWFS][a-z][a-z], [0-3][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT' \
    "HEAD Date"

# GET carries the same validators.
$CURL -D "$T/g" -o /dev/null "$(url /download/data.bin)" || fail "curl GET"
must_equal "$(hdr "$T/g" ETag)" "$etag" "GET ETag = HEAD ETag"
must_equal "$(hdr "$T/g" Last-Modified)" "$(hdr "$T/h" Last-Modified)" \
    "GET Last-Modified = HEAD Last-Modified"

# No body on the wire: with Connection: close, the server's bytes end
# with the blank line of the head.
printf 'HEAD /download/data.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    $HTTPC raw "$PORT" >"$T/raw" 2>/dev/null || fail "raw HEAD"
head -c 15 "$T/raw" | grep -q '^HTTP/1.1 200 ' || fail "raw HEAD status"
must_equal "$(tail -c 4 "$T/raw" | od -An -c | tr -d ' ')" '\r\n\r\n' \
    "HEAD response ends with its head"
head_len=$(size_of "$T/raw")
[ "$head_len" -lt 1000 ] || fail "HEAD response is $head_len bytes"

# Pipelined HEADs: no body bytes slip in between the answers.
$HTTPC conn -m HEAD --pipeline "$PORT" /download/data.bin \
    /download/notes.txt /download/nope.bin /healthz >"$T/out" ||
    fail "pipelined HEADs"
must_equal "$(tr '\n' '|' <"$T/out")" "1 200 0 -|2 200 0 -|3 404 0 -|4 200 0 -|open|" \
    "pipelined HEADs"
# And on the service endpoints.
printf 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    $HTTPC raw "$PORT" >"$T/raw" 2>/dev/null || fail "raw HEAD /metrics"
head -c 15 "$T/raw" | grep -q '^HTTP/1.1 200 ' || fail "HEAD /metrics status"
must_equal "$(tail -c 4 "$T/raw" | od -An -c | tr -d ' ')" '\r\n\r\n' \
    "HEAD /metrics has no body"

# Range on HEAD is ignored: 200 with the full length.
$CURL -I -D "$T/h" -o /dev/null -H 'Range: bytes=0-9' \
    "$(url /download/data.bin)" || fail "curl -I with Range"
must_equal "$(status "$T/h")" 200 "HEAD with Range"
must_equal "$(hdr "$T/h" Content-Length)" $SIZE "HEAD with Range length"

# A compressible file: HEAD still says its identity length and type.
$CURL -I -D "$T/h" -o /dev/null "$(url /download/notes.txt)" ||
    fail "curl -I notes.txt"
must_equal "$(hdr "$T/h" Content-Length)" 50000 "HEAD text Content-Length"
must_match "$(hdr "$T/h" Content-Type)" 'text/plain*' "HEAD text type"
has_hdr "$T/h" Content-Encoding && fail "HEAD without Accept-Encoding encoded"

# Missing file: 404, no body.
printf 'HEAD /download/nope.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    $HTTPC raw "$PORT" >"$T/raw" 2>/dev/null || fail "raw HEAD 404"
head -c 15 "$T/raw" | grep -q '^HTTP/1.1 404 ' || fail "HEAD 404 status"
must_equal "$(tail -c 4 "$T/raw" | od -An -c | tr -d ' ')" '\r\n\r\n' \
    "HEAD 404 has no body"

log ok
