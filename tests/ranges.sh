# Proves single byte ranges are byte-exact at the edges (first byte, last
# byte, -N suffix, A- open end, a last position past the end clamped),
# that unsatisfiable ranges get 416 with "Content-Range: bytes */SIZE",
# that an empty file answers 416 to any range and 200 with length 0
# without one, and that a Range header that does not parse is ignored
# (200, the whole file), as RFC 9110 14.2 and SPEC.md say.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=100000
bin_file "$ROOT/data.bin" $SIZE
: >"$ROOT/empty.bin"
start_hauld

# range_ok CURL-RANGE FIRST LAST: 206, Content-Range, length and bytes.
range_ok()
{
	fetch "$T/got" "$T/h" -r "$1" "$(url /download/data.bin)"
	must_equal "$(status "$T/h")" 206 "status for -r $1"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes $2-$3/$SIZE" \
	    "Content-Range for -r $1"
	must_equal "$(hdr "$T/h" Content-Length)" $(($3 - $2 + 1)) \
	    "Content-Length for -r $1"
	has_hdr "$T/h" Content-Encoding &&
	    fail "binary range -r $1 was content-encoded"
	slice "$ROOT/data.bin" "$2" $(($3 - $2 + 1)) >"$T/want"
	must_cmp "$T/got" "$T/want" "body for -r $1"
}

range_ok 0-0 0 0				# first byte
range_ok 0-1 0 1
range_ok $((SIZE - 1))-$((SIZE - 1)) $((SIZE - 1)) $((SIZE - 1)) # last byte
range_ok $((SIZE - 1))- $((SIZE - 1)) $((SIZE - 1))	# open end, last byte
range_ok -1 $((SIZE - 1)) $((SIZE - 1))		# suffix of one
range_ok -100 $((SIZE - 100)) $((SIZE - 1))	# suffix
range_ok -$SIZE 0 $((SIZE - 1))			# suffix of all of it
range_ok -$((SIZE * 3)) 0 $((SIZE - 1))		# suffix longer than file
range_ok 1000- 1000 $((SIZE - 1))		# open end
range_ok 0- 0 $((SIZE - 1))			# open end from 0
range_ok 12345-23456 12345 23456			# middle
range_ok 99990-200000 99990 $((SIZE - 1))	# last position clamped
range_ok 5-$SIZE 5 $((SIZE - 1))		# last = SIZE clamped
range_ok 65535-65536 65535 65536		# across a 64 KiB boundary

# Unsatisfiable: first position at or past the end.
for r in $SIZE- $SIZE-$((SIZE + 10)) $((SIZE * 2))-; do
	fetch "$T/got" "$T/h" -r "$r" "$(url /download/data.bin)"
	must_equal "$(status "$T/h")" 416 "status for -r $r"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes */$SIZE" \
	    "416 Content-Range for -r $r"
	cmp -s "$T/got" "$ROOT/data.bin" && fail "416 carried the file"
done
# -0: a suffix of no bytes is unsatisfiable too (RFC 9110 14.1.3).
fetch "$T/got" "$T/h" -H 'Range: bytes=-0' \
    "$(url /download/data.bin)"
must_equal "$(status "$T/h")" 416 "status for bytes=-0"

# Empty file: any range is unsatisfiable; without one, 200 and length 0.
for r in 0-0 0- -1 -100 5-10; do
	fetch "$T/got" "$T/h" -r "$r" "$(url /download/empty.bin)"
	must_equal "$(status "$T/h")" 416 "empty file, status for -r $r"
	must_equal "$(hdr "$T/h" Content-Range)" "bytes */0" \
	    "empty file, Content-Range for -r $r"
done
fetch "$T/got" "$T/h" "$(url /download/empty.bin)"
must_equal "$(status "$T/h")" 200 "empty file without Range"
must_equal "$(hdr "$T/h" Content-Length)" 0 "empty file Content-Length"
must_equal "$(size_of "$T/got")" 0 "empty file body"

# A Range that does not parse, or another unit, is ignored: 200, all.
for r in 'bytes=abc' 'bytes 0-5' 'bytes=0-5x' 'bytes=--5' 'items=0-5' \
    'bytes=' 'bytes=1-2,,x'; do
	fetch "$T/got" "$T/h" -H "Range: $r" \
	    "$(url /download/data.bin)"
	must_equal "$(status "$T/h")" 200 "status for Range: $r"
	has_hdr "$T/h" Content-Range && fail "Content-Range for Range: $r"
	must_cmp "$T/got" "$ROOT/data.bin" "whole file for Range: $r"
done

# No Range at all: 200, whole file, Accept-Ranges advertised.
fetch "$T/got" "$T/h" "$(url /download/data.bin)"
must_equal "$(status "$T/h")" 200 "status without Range"
must_equal "$(hdr "$T/h" Content-Length)" $SIZE "Content-Length"
must_equal "$(hdr "$T/h" Accept-Ranges)" bytes "Accept-Ranges"
must_cmp "$T/got" "$ROOT/data.bin" "whole file"

log ok
