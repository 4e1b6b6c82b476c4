# Proves Content-Encoding: gzip as SPEC.md defines it: with
# Accept-Encoding: gzip a compressible range comes back with
# Content-Encoding: gzip, Vary: Accept-Encoding and a Content-Range naming
# the identity bytes, and the body is one gzip stream (CRC and length
# checked by curl --compressed, python zlib and python gzip) of exactly
# those bytes; whole files and HTTP/1.0 (no chunks) too; q-values are
# honoured (gzip;q=0, *;q=0 refuse); a type that is not compressible is
# never compressed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=300000
text_file "$ROOT/notes.txt" $SIZE
text_file "$ROOT/photo.jpg" 100000	# text bytes, but image/jpeg
bin_file "$ROOT/data.bin" 100000
start_hauld

gunzip_py()
{
	python3 -c 'import gzip, sys
sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))'
}

# gz_range FIRST LAST: curl --compressed and python agree with dd.
gz_range()
{
	_len=$(($2 - $1 + 1))
	slice "$ROOT/notes.txt" "$1" $_len >"$T/want"
	fetch "$T/got" "$T/h" --compressed -r "$1-$2" \
	    "$(url /download/notes.txt)"
	must_equal "$(status "$T/h")" 206 "gzip range $1-$2 status"
	must_equal "$(hdr "$T/h" Content-Encoding)" gzip \
	    "gzip range $1-$2 Content-Encoding"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes $1-$2/$SIZE" \
	    "gzip range $1-$2 Content-Range"
	must_match "$(hdr "$T/h" Vary)" '*Accept-Encoding*' \
	    "gzip range $1-$2 Vary"
	must_cmp "$T/got" "$T/want" "curl --compressed body for $1-$2"

	$HTTPC get "$PORT" /download/notes.txt -H 'Accept-Encoding: gzip' \
	    -H "Range: bytes=$1-$2" -o "$T/raw" >"$T/h2" ||
	    fail "httpc get $1-$2"
	head -n1 "$T/h2" | grep -q ' 206 ' || fail "python status $1-$2"
	[ "$(size_of "$T/raw")" -lt "$_len" ] ||
	    fail "gzip body of $1-$2 not smaller than $_len bytes"
	$HTTPC gunzip <"$T/raw" >"$T/got" || fail "zlib rejects $1-$2"
	must_cmp "$T/got" "$T/want" "python zlib body for $1-$2"
	gunzip_py <"$T/raw" >"$T/got" || fail "python gzip rejects $1-$2"
	must_cmp "$T/got" "$T/want" "python gzip body for $1-$2"
}

gz_range 0 8191			# exactly the default --gzip-min
gz_range 0 65535
gz_range 1 65536		# unaligned start
gz_range 250000 $((SIZE - 1))	# to the last byte
gz_range 123 $((123 + 200000))	# bigger than any internal buffer

# Whole file, 200, compressed.
fetch "$T/got" "$T/h" --compressed "$(url /download/notes.txt)"
must_equal "$(status "$T/h")" 200 "whole file status"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "whole file encoding"
must_cmp "$T/got" "$ROOT/notes.txt" "whole file, decompressed"

# Chunked gzip answers pipelined on one connection keep their framing.
$HTTPC conn --pipeline -H 'Accept-Encoding: gzip' -H 'Range: bytes=0-99999' \
    -o "$T/pg" "$PORT" /download/notes.txt /download/notes.txt \
    /download/data.bin >"$T/out" || fail "pipelined gzip answers"
must_equal "$(cut -d' ' -f2 "$T/out" | tr '\n' ' ')" "206 206 206 open " \
    "pipelined gzip statuses"
slice "$ROOT/notes.txt" 0 100000 >"$T/want"
for i in 1 2; do
	$HTTPC gunzip <"$T/pg.$i" >"$T/got" || fail "pipelined gzip body $i"
	must_cmp "$T/got" "$T/want" "pipelined gzip body $i"
done
slice "$ROOT/data.bin" 0 100000 >"$T/want"
must_cmp "$T/pg.3" "$T/want" "pipelined identity body after gzip ones"

# HTTP/1.0 has no chunked coding: the gzip body ends at the close.
$HTTPC get --http10 "$PORT" /download/notes.txt -H 'Accept-Encoding: gzip' \
    -H 'Range: bytes=1000-60999' -o "$T/raw" >"$T/h" || fail "1.0 get"
tr -d '\r' <"$T/h" | grep -qi '^transfer-encoding' &&
    fail "HTTP/1.0 response is chunked"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "HTTP/1.0 encoding"
$HTTPC gunzip <"$T/raw" >"$T/got" || fail "HTTP/1.0 gzip body invalid"
slice "$ROOT/notes.txt" 1000 60000 >"$T/want"
must_cmp "$T/got" "$T/want" "HTTP/1.0 gzip body"

# plain AE [label]: this Accept-Encoding gets the identity body.
plain()
{
	fetch "$T/got" "$T/h" -H "Accept-Encoding: $1" -r 0-49999 \
	    "$(url /download/notes.txt)"
	must_equal "$(status "$T/h")" 206 "status for AE '$1'"
	has_hdr "$T/h" Content-Encoding &&
	    fail "Accept-Encoding '$1' got $(hdr "$T/h" Content-Encoding)"
	must_equal "$(hdr "$T/h" Content-Length)" 50000 "length for AE '$1'"
	slice "$ROOT/notes.txt" 0 50000 >"$T/want"
	must_cmp "$T/got" "$T/want" "identity body for AE '$1'"
	# The answer depends on Accept-Encoding, so caches must know it.
	must_match "$(hdr "$T/h" Vary)" '*Accept-Encoding*' \
	    "Vary on the identity answer for AE '$1'"
}
# gzipped AE: this Accept-Encoding gets gzip.
gzipped()
{
	fetch "$T/raw" "$T/h" -H "Accept-Encoding: $1" -r 0-49999 \
	    "$(url /download/notes.txt)"
	must_equal "$(hdr "$T/h" Content-Encoding)" gzip "encoding for AE '$1'"
	$HTTPC gunzip <"$T/raw" >"$T/got" || fail "gzip body for AE '$1'"
	slice "$ROOT/notes.txt" 0 50000 >"$T/want"
	must_cmp "$T/got" "$T/want" "gzip body for AE '$1'"
}
plain 'gzip;q=0'
plain 'gzip; q=0.0'
plain 'gzip;q=0.000'
plain 'identity'
plain 'deflate, br'
plain '*;q=0'
plain 'gzip;q=0, *;q=1'
plain 'gzip;q=0, identity;q=1'
plain 'x-gzip-nope'
gzipped 'gzip'
gzipped 'GZIP'
gzipped 'deflate, gzip;q=0.5'
gzipped 'gzip;q=0.001'
gzipped 'br;q=1.0, gzip;q=0.8, *;q=0.1'
gzipped '*'
# No Accept-Encoding at all: identity.
fetch "$T/got" "$T/h" -r 0-49999 "$(url /download/notes.txt)"
has_hdr "$T/h" Content-Encoding && fail "no Accept-Encoding, yet encoded"

# Not compressible types stay identity, with a Content-Length.
for f in photo.jpg data.bin; do
	fetch "$T/got" "$T/h" --compressed -r 0-49999 "$(url /download/$f)"
	must_equal "$(status "$T/h")" 206 "$f status"
	has_hdr "$T/h" Content-Encoding && fail "$f was compressed"
	must_equal "$(hdr "$T/h" Content-Length)" 50000 "$f Content-Length"
	slice "$ROOT/$f" 0 50000 >"$T/want"
	must_cmp "$T/got" "$T/want" "$f body"
done

# The stats saw bytes go through the compressor.
in=$(metric hauld_gzip_in_total)
out=$(metric hauld_gzip_out_total)
[ -n "$in" ] && [ "$in" -gt 0 ] || fail "gzip_in_total is '$in'"
[ -n "$out" ] && [ "$out" -gt 0 ] && [ "$out" -lt "$in" ] ||
    fail "gzip_out_total '$out' vs gzip_in_total '$in'"

log ok
