#!/bin/sh
# proxy_origin_restart: haulproxy outlives its origin.  hauld runs on a
# port reserved for it; mid-download (hauld frozen so the timing is
# deterministic) it is killed outright, and a new hauld is started on the
# same port within the proxy's retry window.  The download, joined by a
# waiting client, completes byte-identical, the proxy counts its retries,
# and it never re-fetches chunks it already had (bytes fetched < 2x size).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
SIZE=$((48 * MB))
bin_file "$ROOT/big.bin" "$SIZE"
HP=$(free_port)
start_hauld -p "$HP"
must_equal "$PORT" "$HP" "hauld's port"
start_haulproxy -C 256k -j 3 -r 6

workers=$(worker_pids)
freeze_at big.bin $((4 * MB)) $workers >/dev/null || exit 1
pget_bg big.bin "$T/body" "$T/hdr"
client=$BG_PID
retries0=$(pmetric retries)

# The origin dies with chunks in flight...
kill -KILL "$HAULD_PID" $workers
for p in "$HAULD_PID" $workers; do
	wait_dead "$p" 5 || fail "hauld process $p survived SIGKILL"
done
wait "$HAULD_WPID" 2>/dev/null
# ...the proxy notices (connections reset or refused)...
until_true 10 pmetric_over retries "$retries0" ||
    fail "no retry counted while the origin is down"
alive "$client" || fail "the client got an answer while the origin is down: \
$(cat "$T/body")"
# ...and a new origin comes back on the same port.
start_hauld -p "$HP"
must_equal "$PORT" "$HP" "restarted hauld's port"

wait "$client" || fail "curl for the waiting client failed"
must_equal "$(status "$T/hdr")" 200 "status after the origin restart"
must_equal "$(head -n 1 "$T/body")" "Download complete" "answer"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "downloaded file"
[ "$(pmetric retries)" -gt 0 ] || fail "retries metric is 0"
must_equal "$(pmetric downloads_completed)" 1 "downloads_completed"
must_equal "$(pmetric downloads_restarted)" 0 \
    "downloads_restarted (same file, same validator)"
fetched=$(pmetric bytes_fetched)
[ "$fetched" -lt $((2 * SIZE)) ] ||
    fail "fetched $fetched bytes for a $SIZE-byte file"
# The new hauld served what was missing, and not the whole file.
served=$(hmetric file_bytes)
[ "$served" -gt 0 ] || fail "the new hauld served nothing"
[ "$served" -lt "$SIZE" ] || fail "the new hauld served $served bytes"
