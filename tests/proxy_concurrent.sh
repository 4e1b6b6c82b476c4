#!/bin/sh
# proxy_concurrent: concurrent requests for one name share one download.
# Five clients ask for the same file while the download is in progress
# (the origin is frozen until all have asked); all get 200 "Download
# complete" with the same size, the proxy started one download, and hauld
# served the file's bytes about once.  A client that gives up while
# waiting does not disturb the others, and a different file downloaded at
# the same time is not mixed up with it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
SIZE=$((32 * MB))
bin_file "$ROOT/shared.bin" "$SIZE"
text_file "$ROOT/other.txt" $((5 * MB + 17))
start_hauld
start_haulproxy -C 512k -j 4

workers=$(worker_pids)
freeze_at shared.bin $((2 * MB)) $workers >/dev/null || exit 1
pids=""
for i in 1 2 3 4 5; do
	pget_bg shared.bin "$T/body.$i" "$T/hdr.$i"
	pids="$pids $BG_PID"
done
# One that gives up while the origin is stalled.
curl -s --max-time 1 -o /dev/null "$(purl /download/shared.bin)"
# Another file, asked for while the first is stalled (its HEAD waits).
pget_bg other.txt "$T/body.o" "$T/hdr.o"
opid=$BG_PID
must_equal "$(pmetric downloads_started)" 1 "downloads started while stalled"
thaw $workers

for p in $pids; do
	wait "$p" || fail "curl $p failed"
done
for i in 1 2 3 4 5; do
	must_equal "$(status "$T/hdr.$i")" 200 "client $i: status"
	must_equal "$(head -n 1 "$T/body.$i")" "Download complete" \
	    "client $i: answer"
	must_equal "$(body_field "$T/body.$i" bytes)" "$SIZE" "client $i: bytes"
done
wait "$opid" || fail "curl for other.txt failed"
must_equal "$(status "$T/hdr.o")" 200 "other.txt: status"
must_cmp "$PROXY_DIR/shared.bin" "$ROOT/shared.bin" "shared.bin"
must_cmp "$PROXY_DIR/other.txt" "$ROOT/other.txt" "other.txt"

must_equal "$(pmetric downloads_started)" 2 "downloads_started"
must_equal "$(pmetric downloads_completed)" 2 "downloads_completed"
# Each file crossed the wire about once (plus at most the chunks that
# were in flight more than once).
served=$(hmetric file_bytes)
total=$((SIZE + 5 * MB + 17))
[ "$served" -ge "$total" ] || fail "hauld served $served < $total bytes"
[ "$served" -lt $((total + 4 * MB)) ] ||
    fail "hauld served $served bytes for $total: not shared"
# The proxy is still healthy after the client that left.
must_equal "$(curl -sS --max-time 5 "$(purl /healthz)")" ok "/healthz"
must_equal "$(curl -sS --max-time 5 "$(purl /status)")" "[]" \
    "/status after everything is done"
