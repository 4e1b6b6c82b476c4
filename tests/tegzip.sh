# Proves the transfer-coding way of compressing a range (RFC 9112 7.4,
# SPEC.md): with "TE: gzip" (curl --tr-encoding) the answer carries
# "Transfer-Encoding: gzip, chunked" and no Content-Encoding, the
# Content-Range still names identity bytes, and the de-chunked body is a
# gzip stream of exactly those bytes; TE with gzip;q=0 or only
# "trailers", and TE on HTTP/1.0, get no transfer coding.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=200000
text_file "$ROOT/notes.txt" $SIZE
bin_file "$ROOT/data.bin" 50000
start_hauld

te_range()
{
	_len=$(($2 - $1 + 1))
	slice "$ROOT/notes.txt" "$1" $_len >"$T/want"
	fetch "$T/got" "$T/h" --tr-encoding -r "$1-$2" \
	    "$(url /download/notes.txt)"
	must_equal "$(status "$T/h")" 206 "TE range $1-$2 status"
	must_equal "$(hdr "$T/h" Transfer-Encoding | tr -d ' ')" gzip,chunked \
	    "TE range $1-$2 Transfer-Encoding"
	has_hdr "$T/h" Content-Encoding &&
	    fail "TE range $1-$2 has Content-Encoding"
	has_hdr "$T/h" Content-Length && fail "TE range $1-$2 has Content-Length"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes $1-$2/$SIZE" \
	    "TE range $1-$2 Content-Range"
	must_cmp "$T/got" "$T/want" "curl --tr-encoding body for $1-$2"

	# The same by hand: de-chunk, then the rest must be one gzip stream.
	$HTTPC get "$PORT" /download/notes.txt -H 'TE: gzip' \
	    -H 'Connection: TE' -H "Range: bytes=$1-$2" -o "$T/raw" \
	    >"$T/h2" || fail "httpc get TE $1-$2"
	must_equal "$(hdr "$T/h2" Transfer-Encoding | tr -d ' ')" \
	    gzip,chunked "python TE $1-$2 Transfer-Encoding"
	$HTTPC gunzip <"$T/raw" >"$T/got" || fail "TE $1-$2: not gzip"
	must_cmp "$T/got" "$T/want" "python TE body for $1-$2"
}

te_range 0 9999
te_range 1 65536
te_range 150000 $((SIZE - 1))

# The whole file: 200 with the transfer coding.
fetch "$T/got" "$T/h" --tr-encoding "$(url /download/notes.txt)"
must_equal "$(status "$T/h")" 200 "TE whole file status"
must_equal "$(hdr "$T/h" Transfer-Encoding | tr -d ' ')" gzip,chunked \
    "TE whole file Transfer-Encoding"
must_cmp "$T/got" "$ROOT/notes.txt" "TE whole file"

# no_te LABEL [httpc args]: identity, with a Content-Length.
no_te()
{
	_l=$1
	shift
	$HTTPC get "$PORT" /download/notes.txt -H 'Range: bytes=0-49999' \
	    "$@" -o "$T/got" >"$T/h" || fail "httpc get ($_l)"
	has_hdr "$T/h" Transfer-Encoding && fail "$_l: transfer-coded"
	has_hdr "$T/h" Content-Encoding && fail "$_l: content-coded"
	must_equal "$(hdr "$T/h" Content-Length)" 50000 "$_l: Content-Length"
	slice "$ROOT/notes.txt" 0 50000 >"$T/want"
	must_cmp "$T/got" "$T/want" "$_l: body"
}
no_te 'TE: gzip;q=0' -H 'TE: gzip;q=0' -H 'Connection: TE'
no_te 'TE: trailers' -H 'TE: trailers' -H 'Connection: TE'
no_te 'TE: deflate' -H 'TE: deflate' -H 'Connection: TE'
no_te 'HTTP/1.0 with TE' --http10 -H 'TE: gzip' -H 'Connection: TE'

# Not compressible: TE asked, identity sent.
fetch "$T/got" "$T/h" --tr-encoding "$(url /download/data.bin)"
has_hdr "$T/h" Transfer-Encoding && fail "binary file transfer-coded"
must_cmp "$T/got" "$ROOT/data.bin" "binary file under TE"

log ok
