# Proves the RFC 9110 conditionals on /download: If-Range with the
# current ETag or the exact Last-Modified date honours the Range (206),
# with a stale ETag, a weak one or another date it sends the whole file
# (200); If-None-Match (matching, a list, "*") and If-Modified-Since (at
# or after the mtime) answer 304 with the validators and no body; a
# non-matching If-None-Match wins over If-Modified-Since.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=40000
bin_file "$ROOT/data.bin" $SIZE
touch -d '2021-06-07 08:09:10 UTC' "$ROOT/data.bin"
LM="Mon, 07 Jun 2021 08:09:10 GMT"
EARLIER="Mon, 07 Jun 2021 08:09:09 GMT"
LATER="Tue, 08 Jun 2021 00:00:00 GMT"
start_hauld

$CURL -D "$T/h" -o /dev/null "$(url /download/data.bin)" || fail curl
etag=$(hdr "$T/h" ETag)
must_match "$etag" '"?*"' "ETag"
must_equal "$(hdr "$T/h" Last-Modified)" "$LM" "Last-Modified"

# get OUT HEADER...: GET data.bin with these headers and Range 100-199.
get()
{
	_o=$1
	shift
	set -- -H 'Range: bytes=100-199' "$@"
	fetch "$_o" "$T/h" "$@" "$(url /download/data.bin)"
}
slice "$ROOT/data.bin" 100 100 >"$T/slice"

# If-Range.
get "$T/b" -H "If-Range: $etag"
must_equal "$(status "$T/h")" 206 "If-Range current ETag"
must_cmp "$T/b" "$T/slice" "If-Range current ETag body"

get "$T/b" -H 'If-Range: "stale-etag-0"'
must_equal "$(status "$T/h")" 200 "If-Range stale ETag"
must_cmp "$T/b" "$ROOT/data.bin" "If-Range stale ETag: whole file"

get "$T/b" -H "If-Range: W/$etag"
must_equal "$(status "$T/h")" 200 "If-Range weak ETag (strong comparison)"

get "$T/b" -H "If-Range: $LM"
must_equal "$(status "$T/h")" 206 "If-Range exact date"
must_cmp "$T/b" "$T/slice" "If-Range exact date body"

get "$T/b" -H "If-Range: $EARLIER"
must_equal "$(status "$T/h")" 200 "If-Range older date"
must_cmp "$T/b" "$ROOT/data.bin" "If-Range older date: whole file"

get "$T/b" -H "If-Range: $LATER"
must_equal "$(status "$T/h")" 200 "If-Range other date"

# The file changes: the old ETag no longer matches.
bin_file "$ROOT/data.bin" $SIZE
touch -d '2022-01-01 00:00:00 UTC' "$ROOT/data.bin"
get "$T/b" -H "If-Range: $etag"
must_equal "$(status "$T/h")" 200 "If-Range after the file changed"
must_cmp "$T/b" "$ROOT/data.bin" "changed file, whole"
$CURL -D "$T/h" -o /dev/null "$(url /download/data.bin)" || fail curl
new=$(hdr "$T/h" ETag)
[ "$new" != "$etag" ] || fail "ETag unchanged after the file changed"
etag=$new
LM="Sat, 01 Jan 2022 00:00:00 GMT"
EARLIER="Fri, 31 Dec 2021 23:59:59 GMT"
LATER="Sun, 02 Jan 2022 00:00:00 GMT"

# cond EXPECTED-STATUS HEADER...: a plain GET with conditionals.
cond()
{
	_want=$1
	shift
	fetch "$T/b" "$T/h" "$@" "$(url /download/data.bin)"
	must_equal "$(status "$T/h")" "$_want" "status for $*"
	if [ "$_want" = 304 ]; then
		must_equal "$(size_of "$T/b")" 0 "304 body for $*"
		must_equal "$(hdr "$T/h" ETag)" "$etag" "304 ETag for $*"
		has_hdr "$T/h" Content-Range && fail "304 with Content-Range"
	else
		must_cmp "$T/b" "$ROOT/data.bin" "body for $*"
	fi
}

cond 304 -H "If-None-Match: $etag"
cond 304 -H "If-None-Match: \"x\", $etag"
cond 304 -H "If-None-Match: W/$etag"		# weak comparison
cond 304 -H 'If-None-Match: *'
cond 200 -H 'If-None-Match: "something-else"'
cond 304 -H "If-Modified-Since: $LM"
cond 304 -H "If-Modified-Since: $LATER"
cond 200 -H "If-Modified-Since: $EARLIER"
cond 200 -H 'If-Modified-Since: not a date'
# RFC 9110 13.1.3: If-Modified-Since is ignored when If-None-Match is there.
cond 200 -H 'If-None-Match: "something-else"' -H "If-Modified-Since: $LATER"
# A 304 beats the Range too.
cond 304 -H "If-None-Match: $etag" -H 'Range: bytes=0-9'

# 304s carry no body: pipelined behind one another the framing holds.
$HTTPC conn --pipeline -H "If-None-Match: $etag" "$PORT" \
    /download/data.bin /download/data.bin /healthz >"$T/out" ||
    fail "pipelined 304s"
must_equal "$(tr '\n' '|' <"$T/out")" "1 304 0 -|2 304 0 -|3 200 3 -|open|" \
    "pipelined 304s"

log ok
