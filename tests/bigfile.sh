# Proves offsets past 4 GiB are handled with 64-bit care: on a sparse
# 5 GiB file with markers beyond 2^32, HEAD reports the exact size, and
# ranges there (explicit, across the 2^32 boundary, suffix, open end,
# multipart, gzip-compressed) return exactly the bytes dd reads, with the
# right Content-Range; a first position at the size is 416.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

F=$ROOT/big.txt		# .txt: compressible, so the gzip path is tried too
SIZE=5368709120
truncate -s $SIZE "$F" || fail "cannot make a sparse 5 GiB file"
put()
{
	printf '%s' "$2" | dd of="$F" bs=1 seek="$1" conv=notrunc status=none
}
put 4294967290 'ACROSS-2^32-BOUNDARY'		# 6 bytes before 2^32
put 4831838208 'MARKER-4.5G'
put $((SIZE - 9)) 'END-MARK!'
put 3 'start'
start_hauld

fetch "$T/got" "$T/h" -I "$(url /download/big.txt)"
must_equal "$(hdr "$T/h" Content-Length)" $SIZE "HEAD Content-Length"

# r CURL-RANGE FIRST LAST
r()
{
	fetch "$T/got" "$T/h" -r "$1" "$(url /download/big.txt)"
	must_equal "$(status "$T/h")" 206 "status for -r $1"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes $2-$3/$SIZE" \
	    "Content-Range for -r $1"
	must_equal "$(hdr "$T/h" Content-Length)" $(($3 - $2 + 1)) \
	    "Content-Length for -r $1"
	slice "$F" "$2" $(($3 - $2 + 1)) >"$T/want"
	must_cmp "$T/got" "$T/want" "body for -r $1"
}
r 4294967290-4294967309 4294967290 4294967309
r 4294967296-4294967296 4294967296 4294967296	# exactly 2^32
r 4831838208-4831838218 4831838208 4831838218
r -9 $((SIZE - 9)) $((SIZE - 1))
r 5368709100- 5368709100 $((SIZE - 1))
r 5368709100-99999999999 5368709100 $((SIZE - 1))
grep -q 'END-MARK!' "$T/got" || fail "the last bytes lack the end marker"
r 0-9 0 9

fetch "$T/got" "$T/h" -r $SIZE- "$(url /download/big.txt)"
must_equal "$(status "$T/h")" 416 "first position = size"
must_equal "$(hdr "$T/h" Content-Range)" "bytes */$SIZE" "416 Content-Range"
fetch "$T/got" "$T/h" -r 99999999999999999999999- "$(url /download/big.txt)"
case $(status "$T/h") in
200 | 416) ;;	# overflowing numbers: ignored or unsatisfiable, never 206
*) fail "a 23-digit first position: status $(status "$T/h")" ;;
esac

# Multipart above 4 GiB.
$HTTPC multipart "$PORT" /download/big.txt \
    "bytes=4294967290-4294967300,4831838208-4831838218,-9" "$F" \
    >"$T/parts" 2>"$T/err" || fail "multipart: $(cat "$T/err")"
must_equal "$(tr '\n' ' ' <"$T/parts")" \
    "4294967290-4294967300/$SIZE 4831838208-4831838218/$SIZE $((SIZE - 9))-$((SIZE - 1))/$SIZE " \
    "multipart parts above 4 GiB"

# gzip of a range above 4 GiB.
fetch "$T/got" "$T/h" --compressed -r 4831838000-4831938000 \
    "$(url /download/big.txt)"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "gzip above 4 GiB"
must_equal "$(hdr "$T/h" Content-Range)" "bytes 4831838000-4831938000/$SIZE" \
    "gzip Content-Range above 4 GiB"
slice "$F" 4831838000 100001 >"$T/want"
must_cmp "$T/got" "$T/want" "gzip body above 4 GiB"
log ok
