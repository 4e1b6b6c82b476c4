#!/bin/sh
# proxy_resume: a haulproxy killed with SIGKILL in the middle of a download
# resumes it.  The origin (hauld) is frozen (SIGSTOP) once some megabytes
# are in, so the kill lands mid-download whatever the machine's speed; the
# journal must then record durable chunks, and a new proxy asked for the
# same file answers "Download complete" with resumed-from > 0 and fewer
# bytes fetched than the file size, and the file is byte-identical.  A
# consumer never sees a partial file under the final name.  A journal
# whose newest record was tampered with (every chunk claimed, CRC not
# fixed) is not trusted: the result is still byte-identical.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

SIZE=$((64 * 1024 * 1024))
bin_file "$ROOT/big.bin" "$SIZE"
start_hauld
start_haulproxy -C 256k -j 2

workers=$(worker_pids)
[ -n "$workers" ] || fail "no hauld workers"
done_at=$(freeze_at big.bin $((4 * 1024 * 1024)) $workers) || exit 1
log "origin frozen with $done_at bytes done"
[ "$done_at" -lt "$SIZE" ] || fail "download done before the freeze"
[ -e "$PROXY_DIR/big.bin" ] && fail "final name exists mid-download"
[ -e "$PROXY_DIR/.big.bin.part" ] || fail "no .part mid-download"
# Written chunks become durable within a second or so (sync batching).
until_true 10 journal_has_chunks "$PROXY_DIR/.big.bin.journal" ||
    fail "journal records no durable chunk 10 s after $done_at bytes"
kill -KILL "$PROXY_PID"
wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
thaw $workers
durable=$(journal_verify "$PROXY_DIR/.big.bin.journal" \
    "$PROXY_DIR/.big.bin.part" "$ROOT/big.bin") || exit 1
log "journal: $durable durable chunks, all of them right"
[ -e "$PROXY_DIR/big.bin" ] && fail "final name exists after the kill"
[ -e "$PROXY_DIR/.big.bin.part" ] || fail ".part gone after the kill"

cp "$PROXY_DIR/.big.bin.part" "$T/saved.part"
cp "$PROXY_DIR/.big.bin.journal" "$T/saved.journal"

start_haulproxy -C 256k -j 2
pget_ok big.bin "$T/body" "$T/hdr" "resumed download"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "resumed file"
resumed=$(body_field "$T/body" resumed-from)
fetched=$(body_field "$T/body" fetched)
log "resumed from $resumed, fetched $fetched"
must_equal "$resumed" $((durable * 256 * 1024)) \
    "resumed-from = the journal's durable chunks"
[ "$resumed" -gt 0 ] || fail "resumed-from is $resumed"
[ "$fetched" -lt "$SIZE" ] || fail "fetched $fetched of $SIZE: no resume"
must_equal $((resumed + fetched)) "$SIZE" "resumed-from + fetched"
must_equal "$(pmetric downloads_resumed)" 1 "downloads_resumed"
must_equal "$(pmetric downloads_started)" 0 "downloads_started"
must_equal "$(pmetric bytes_written)" "$fetched" "bytes_written"
# hauld served the rest once, not the whole file again.
served=$(hmetric file_bytes)
[ "$served" -lt $((2 * SIZE)) ] ||
    fail "hauld served $served file bytes for a resumed $SIZE"
# The journal stays, marked complete: asking again fetches nothing.
pget big.bin "$T/body" "$T/hdr"
must_equal "$(head -n 1 "$T/body")" "File already downloaded" "third request"

# The same interrupted state, but the newest journal record claims every
# chunk (its CRC not updated): the claim must not be believed.
rm "$PROXY_DIR/big.bin"
cp "$T/saved.part" "$PROXY_DIR/.big.bin.part"
python3 - "$T/saved.journal" "$PROXY_DIR/.big.bin.journal" <<'PYEOF' ||
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack_from("<I", img, 40)[0]
bm = (n + 7) // 8
dg = 100 if struct.unpack_from("<I", img, 8)[0] >= 3 else 0  # digest block
rs = (304 + bm + 4 * n + dg + 4 + 511) // 512 * 512
slots = [o for o in (0, rs) if img[o:o + 8] == b"HAULJRN\0"]
newest = max(slots, key=lambda o: struct.unpack_from("<Q", img, o + 16)[0])
for i in range(n):
    img[newest + 304 + i // 8] |= 1 << (i % 8)
open(sys.argv[2], "wb").write(img)
PYEOF
    fail "cannot tamper with the journal"
pget_ok big.bin "$T/body" "$T/hdr" "tampered journal"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "after a tampered journal"
