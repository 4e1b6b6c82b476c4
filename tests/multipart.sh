# Proves several ranges in one request come back as a 206
# multipart/byteranges body that python's email parser splits into parts,
# each with its Content-Range and exactly those bytes of the file (checked
# byte by byte, binary data, first and last bytes included), that the
# Content-Length is the real body length, and that an absurd number of
# ranges is not honoured part by part (the cap: served whole, 200).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=300000
bin_file "$ROOT/data.bin" $SIZE
start_hauld

# parts RANGE EXPECTED-PARTS...
parts()
{
	_r=$1
	shift
	$HTTPC multipart "$PORT" /download/data.bin "bytes=$_r" \
	    "$ROOT/data.bin" >"$T/parts" || fail "multipart bytes=$_r"
	must_equal "$(tr '\n' ' ' <"$T/parts")" "$* " "parts of $_r"
}

parts 0-9,20-29 "0-9/$SIZE" "20-29/$SIZE"
parts 0-0,-1 "0-0/$SIZE" "$((SIZE - 1))-$((SIZE - 1))/$SIZE"
parts 100-199,1000-,5-5 "5-5/$SIZE" "100-199/$SIZE" "1000-$((SIZE - 1))/$SIZE"
parts 0-65535,131072-196607,262144-400000 "0-65535/$SIZE" \
    "131072-196607/$SIZE" "262144-$((SIZE - 1))/$SIZE"
# An unsatisfiable spec among satisfiable ones is dropped.
parts 10-19,$((SIZE + 5))-,30-39 "10-19/$SIZE" "30-39/$SIZE"

# Content-Length matches the bytes on the wire.
$CURL -D "$T/h" -o "$T/body" -H 'Range: bytes=1-2,7-9,-3' \
    "$(url /download/data.bin)" || fail curl
must_equal "$(status "$T/h")" 206 "multipart status"
must_match "$(hdr "$T/h" Content-Type)" 'multipart/byteranges; boundary=?*' \
    "multipart Content-Type"
must_equal "$(size_of "$T/body")" "$(hdr "$T/h" Content-Length)" \
    "multipart Content-Length vs body"
b=$(hdr "$T/h" Content-Type | sed 's/.*boundary=//; s/"//g')
must_equal "$(grep -ac -- "^--$b" "$T/body")" 4 "boundary lines (3 + close)"
tr -d '\r' <"$T/body" | grep -aq -- "^--$b--\$" || fail "no closing boundary"

# All ranges of the same file unsatisfiable: 416.
$CURL -D "$T/h" -o /dev/null -H "Range: bytes=$SIZE-,$((SIZE + 9))-" \
    "$(url /download/data.bin)" || fail curl
must_equal "$(status "$T/h")" 416 "several unsatisfiable ranges"
must_equal "$(hdr "$T/h" Content-Range)" "bytes */$SIZE" "416 Content-Range"

# 200 disjoint one-byte ranges: beyond any sane cap, so not 200 parts.
many=$(awk 'BEGIN { for (i = 0; i < 200; i++)
    printf "%s%d-%d", (i ? "," : ""), i * 10, i * 10 }')
$CURL -D "$T/h" -o "$T/body" -H "Range: bytes=$many" \
    "$(url /download/data.bin)" || fail curl
must_equal "$(status "$T/h")" 200 "status for 200 ranges"
must_cmp "$T/body" "$ROOT/data.bin" "200 ranges: whole file"

log ok
