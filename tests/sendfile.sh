# Proves uncompressed bodies go from the file to the socket with
# sendfile(2): under strace, a plain 1 MiB download and a 1 MiB range are
# moved by sendfile calls in the worker, and no read or pread in the
# worker returns more than 512 bytes (request heads and the MIME sniff
# only), so the body never passed through user space; /metrics agrees
# (sendfile_calls and file_bytes).  Without strace only /metrics is
# checked.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SIZE=1048576
bin_file "$ROOT/plain.bin" $SIZE
bin_file "$ROOT/noext" $((3 * SIZE))	# sniffed: one small pread
bin_file "$ROOT/warmup.bin" 100

if command -v strace >/dev/null 2>&1 &&
    strace -f -qq -o /dev/null true 2>/dev/null; then
	# LeakSanitizer cannot run under ptrace: off, in a sanitizer build.
	HAUL_WRAPPER="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=sendfile,sendfile64,read,pread64,readv,preadv,preadv2 -o $T/trace"
	traced=1
else
	log "strace is not usable here: checking /metrics only"
	traced=0
fi
start_hauld -w 1
HAUL_WRAPPER=""
wait_workers 1 10 || fail "want 1 worker"
worker=$(worker_pids)

fetch "$T/got" "$T/h" "$(url /download/warmup.bin)"
calls0=$(metric hauld_sendfile_calls_total)
bytes0=$(metric hauld_file_bytes_total)

fetch "$T/got" "$T/h" -H 'Accept-Encoding: gzip' "$(url /download/plain.bin)"
must_equal "$(status "$T/h")" 200 "plain download"
must_cmp "$T/got" "$ROOT/plain.bin" "plain download body"
fetch "$T/got" "$T/h" -r $((SIZE))-$((2 * SIZE - 1)) "$(url /download/noext)"
must_equal "$(status "$T/h")" 206 "range download"
slice "$ROOT/noext" $SIZE $SIZE >"$T/want"
must_cmp "$T/got" "$T/want" "range download body"

calls1=$(metric hauld_sendfile_calls_total)
bytes1=$(metric hauld_file_bytes_total)
[ $((calls1 - calls0)) -ge 2 ] ||
    fail "sendfile_calls_total went from $calls0 to $calls1"
must_equal $((bytes1 - bytes0)) $((2 * SIZE)) "file_bytes_total for 2 MiB"

stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"
[ "$traced" = 1 ] || { log ok; exit 0; }

# The worker's lines: "PID call(args) = RET", or split into
# "<unfinished ...>" and "<... call resumed> ...) = RET".
grep -E "^$worker " "$T/trace" >"$T/wtrace" || fail "no trace of worker $worker"
awk '
    { call = "" }
    $2 ~ /^(sendfile|sendfile64|read|pread64|readv|preadv|preadv2)\(/ {
	call = $2; sub(/\(.*/, "", call) }
    $2 == "<..." { call = $3 }
    call == "" || $0 ~ /unfinished \.\.\.>$/ { next }
    { ret = $NF }
    $(NF - 1) == "=" && call ~ /^sendfile/ && ret > 0 { sf += ret; nsf++ }
    $(NF - 1) == "=" && call !~ /^sendfile/ && ret > 512 {
	print "big " call ": " $0; bad = 1 }
    END { print "sendfile " nsf + 0 " " sf + 0; exit bad }' \
    "$T/wtrace" >"$T/verdict" ||
    fail "the body went through read(2): $(grep '^big' "$T/verdict" | head -3)"
set -- $(grep '^sendfile' "$T/verdict")
[ "$2" -ge 2 ] || fail "only $2 sendfile calls in the worker"
[ "$3" -ge $((2 * SIZE)) ] || fail "sendfile moved $3 bytes, want >= $((2 * SIZE))"
log ok
