#!/bin/sh
# proxy_hostile: a lying origin (tests/origin.py) never gets a wrong byte
# into a download.  For every corruption mode -- gzip bodies decoding to
# more or fewer bytes than asked, a gzip bomb, a bad gzip CRC, a gzip
# stream without its trailer, a Content-Range for another offset, a 200
# with the whole file, a body cut short, an origin slower than -t, 500s
# and connection resets -- haulproxy
#  * when the origin keeps lying: fails with a clear error (502 and a
#    message naming the problem), no file appears under the final name,
#    every chunk its journal calls durable is right, and once the origin
#    behaves the same request resumes to a byte-exact file;
#  * when the origin lies only K times: retries and ends byte-exact;
#  * for the bomb: stops inflating at the range length, its memory stays
#    small.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

C=65536
SIZE=$((5 * C + 1000))	# 6 chunks, the last one short
bin_file "$T/src.bin" "$SIZE"
start_origin "$T/src.bin" '*'
PROXY_ORIGIN=$ORIGIN_URL
start_haulproxy -C 64k -j 2 -r 2 -t 3 --gzip always

# keeps_lying MODE STATUS MESSAGE-ERE [FLAKY]
keeps_lying()
{
	_f=lie-$1.bin
	origin_mode "$1" -1 "${4:-}"
	_w0=$(pmetric bytes_written)
	pget "$_f" "$T/body" "$T/hdr"
	must_equal "$(status "$T/hdr")" "$2" "$1: status ($(cat "$T/body"))"
	must_contain "$T/body" "$3" "$1: error message"
	[ -e "$PROXY_DIR/$_f" ] && fail "$1: a final file appeared on failure"
	[ -e "$PROXY_DIR/.$_f.part" ] || fail "$1: no .part kept"
	journal_verify "$PROXY_DIR/.$_f.journal" "$PROXY_DIR/.$_f.part" \
	    "$T/src.bin" >/dev/null
	WROTE=$(($(pmetric bytes_written) - _w0))
	# The origin behaves again: the same name resumes to the exact file.
	origin_mode ok
	pget_ok "$_f" "$T/body" "$T/hdr" "$1: after the origin recovers"
	must_cmp "$PROXY_DIR/$_f" "$T/src.bin" "$1: after the origin recovers"
}

# lies_k_times MODE K [FLAKY]
lies_k_times()
{
	_f=k-$1.bin
	origin_mode "$1" "$2" "${3:-}"
	_b0=$(ostat bad)
	_r0=$(pmetric retries)
	pget_ok "$_f" "$T/body" "$T/hdr" "$1 x$2"
	must_cmp "$PROXY_DIR/$_f" "$T/src.bin" "$1 x$2"
	_bad=$(($(ostat bad) - _b0))
	[ "$_bad" -ge 1 ] || fail "$1 x$2: the origin lied $_bad times"
	[ "$(pmetric retries)" -gt "$_r0" ] || fail "$1 x$2: no retry counted"
}

keeps_lying gzip-more 502 "longer than"
lies_k_times gzip-more 2
keeps_lying gzip-less 502 "short|ends early"
lies_k_times gzip-less 2
keeps_lying bad-crc 502 "corrupt|CRC"
lies_k_times bad-crc 2
keeps_lying gzip-cut 502 "ends early|short|corrupt|CRC|trailer"
lies_k_times gzip-cut 2
keeps_lying truncated 502 "connection|short|truncated|closed"
lies_k_times truncated 2

# Another offset's bytes under another Content-Range: refused unread.
keeps_lying wrong-range 502 "Content-Range"
must_equal "$WROTE" 0 "wrong-range: bytes written"
lies_k_times wrong-range 2

# A 200 with the whole file is not a chunk (the file is 6 chunks): the
# proxy refuses it before its body is read, and either retries or gives up
# saying the origin ignores Range.
origin_mode range-200 2
w0=$(pmetric bytes_written)
pget k-range-200.bin "$T/body" "$T/hdr"
case $(status "$T/hdr") in
200)	must_cmp "$PROXY_DIR/k-range-200.bin" "$T/src.bin" "range-200 x2" ;;
502)	must_contain "$T/body" "Range" "range-200: error message"
	[ -e "$PROXY_DIR/k-range-200.bin" ] &&
	    fail "range-200: a final file appeared on failure"
	must_equal $(($(pmetric bytes_written) - w0)) 0 \
	    "range-200: bytes written from 200 answers" ;;
*)	fail "range-200: status $(status "$T/hdr"): $(cat "$T/body")" ;;
esac
keeps_lying range-200 502 "Range"
must_equal "$WROTE" 0 "range-200: bytes written"

# The bomb: 64 KiB of gzip inflating to 64 MiB, for 64 KiB chunks.
hwm0=$(rss_kib "$PROXY_PID")
f0=$(pmetric bytes_fetched)
keeps_lying gzip-bomb 502 "longer than"
hwm1=$(rss_kib "$PROXY_PID")
log "bomb: VmHWM $hwm0 -> $hwm1 KiB, wrote $WROTE bytes"
[ "$hwm1" -lt $((hwm0 + 24 * 1024)) ] ||
    fail "gzip-bomb: peak RSS grew from $hwm0 to $hwm1 KiB"
# Each refused bomb wrote at most its chunk's length.
[ "$WROTE" -le $((3 * 2 * C)) ] ||
    fail "gzip-bomb: $WROTE bytes written for refused chunks"
lies_k_times gzip-bomb 2

# Too slow once (origin sleeps 5 s, -t 3): the chunk is asked again.
# (Too slow every time, 504, is proxy_errors.sh's.)
lies_k_times slow 1

# 500s and resets: 2 per range are within -r 2, 3 are not.
lies_k_times flaky 0 2
must_equal "$(ostat resets)" 6 "flaky: connection resets (one per range)"
keeps_lying flaky 502 "failed|500|connection" 3

# A proxy that did not ask for gzip refuses a gzip body.
PROXY_DIR=$T/dl-never
start_haulproxy -C 64k -j 2 -r 1 -t 3 --gzip never
keeps_lying gzip-more 502 "Content-Encoding"
must_equal "$WROTE" 0 "gzip-more to --gzip never: bytes written"
