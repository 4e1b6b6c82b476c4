# Proves the compression options: a range shorter than --gzip-min goes
# out identity and one of exactly --gzip-min bytes is compressed (default
# 8k, and -z 1k), -Z 9 still yields a valid stream of the right bytes
# (and not the same stream as -Z 1's), -z 0 compresses even an empty body validly,
# and --no-gzip turns compression off for Accept-Encoding and TE alike.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

text_file "$ROOT/notes.txt" 100000

# enc RANGE-LEN: the Content-Encoding a --compressed range of that many
# bytes gets ("-" when none); the decoded body is checked against dd.
enc()
{
	fetch "$T/got" "$T/h" --compressed -r "10-$(($1 + 9))" \
	    "$(url /download/notes.txt)"
	must_equal "$(status "$T/h")" 206 "status for a $1-byte range"
	slice "$ROOT/notes.txt" 10 "$1" >"$T/want"
	must_cmp "$T/got" "$T/want" "body of a $1-byte range"
	_e=$(hdr "$T/h" Content-Encoding)
	echo "${_e:--}"
}

start_hauld
must_equal "$(enc 8191)" - "default --gzip-min: 8191 bytes"
must_equal "$(enc 8192)" gzip "default --gzip-min: 8192 bytes"
must_equal "$(enc 1)" - "default --gzip-min: 1 byte"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"

start_hauld -z 1k -Z 9
must_equal "$(enc 1023)" - "-z 1k: 1023 bytes"
must_equal "$(enc 1024)" gzip "-z 1k: 1024 bytes"
must_equal "$(enc 50000)" gzip "-z 1k: 50000 bytes"
$HTTPC get "$PORT" /download/notes.txt -H 'Accept-Encoding: gzip' \
    -o "$T/raw" >"$T/h" || fail "httpc get"
$HTTPC gunzip <"$T/raw" >"$T/got" || fail "-Z 9 stream invalid"
must_cmp "$T/got" "$ROOT/notes.txt" "-Z 9 whole file"
cp "$T/raw" "$T/raw9"
stop_hauld

start_hauld -z 1k -Z 1
$HTTPC get "$PORT" /download/notes.txt -H 'Accept-Encoding: gzip' \
    -o "$T/raw" >"$T/h" || fail "httpc get"
$HTTPC gunzip <"$T/raw" >"$T/got" || fail "-Z 1 stream invalid"
must_cmp "$T/got" "$ROOT/notes.txt" "-Z 1 whole file"
# The level reaches the codec: -Z 9 and -Z 1 make different streams.
# (Not "smaller": ISA-L's top level can lose to its level 1 on very
# repetitive text.)
cmp -s "$T/raw9" "$T/raw" && fail "-Z 9 and -Z 1 gave identical streams"
stop_hauld

# -z 0: even an empty body is a (valid, empty) gzip stream.
: >"$ROOT/empty.txt"
start_hauld -z 0
$HTTPC get "$PORT" /download/empty.txt -H 'Accept-Encoding: gzip' \
    -o "$T/raw" >"$T/h" || fail "httpc get empty.txt"
head -n1 "$T/h" | grep -q ' 200 ' || fail "empty.txt: $(head -n1 "$T/h")"
if [ "$(hdr "$T/h" Content-Encoding)" = gzip ]; then
	$HTTPC gunzip <"$T/raw" >"$T/got" || fail "-z 0: empty gzip stream invalid"
	must_equal "$(size_of "$T/got")" 0 "-z 0: empty file, decompressed"
else
	must_equal "$(size_of "$T/raw")" 0 "-z 0: empty file, identity"
fi
must_equal "$(enc 1)" gzip "-z 0: 1 byte"
stop_hauld

start_hauld --no-gzip
must_equal "$(enc 50000)" - "--no-gzip, Accept-Encoding"
fetch "$T/got" "$T/h" --tr-encoding -r 0-49999 "$(url /download/notes.txt)"
has_hdr "$T/h" Transfer-Encoding && fail "--no-gzip, yet a transfer coding"
must_equal "$(hdr "$T/h" Content-Length)" 50000 "--no-gzip TE length"
slice "$ROOT/notes.txt" 0 50000 >"$T/want"
must_cmp "$T/got" "$T/want" "--no-gzip TE body"
fetch "$T/got" "$T/h" --compressed "$(url /download/notes.txt)"
has_hdr "$T/h" Content-Encoding && fail "--no-gzip whole file encoded"
must_cmp "$T/got" "$ROOT/notes.txt" "--no-gzip whole file"
must_equal "$(metric hauld_gzip_in_total)" 0 "--no-gzip: gzip_in_total"
stop_hauld

log ok
