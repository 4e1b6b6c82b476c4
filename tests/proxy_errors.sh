#!/bin/sh
# proxy_errors: haulproxy's error answers and its own endpoints.  A name
# missing at the origin is 404; an origin nobody listens on is 502 once
# the retries (-r 1) are spent; an origin slower than -t is 504 (a slow
# HEAD and a slow chunk), while a download that takes longer than -t as a
# whole, each chunk in time, is not; a bad name (encoded "..", NUL) is 400
# and never reaches the origin; other methods are 405; /healthz, /metrics and
# /status (valid JSON, listing a download in progress) answer; SIGTERM in
# the middle of a download answers its waiting client, exits 0 and leaves
# .part and journal, and the next request resumes from them.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
SIZE=$((32 * MB))
bin_file "$ROOT/big.bin" "$SIZE"
start_hauld
start_haulproxy -C 256k -j 2 -r 1 -t 5

# Own endpoints.
must_equal "$(curl -sS --max-time 5 "$(purl /healthz)")" ok "/healthz"
curl -sS --max-time 5 "$(purl /metrics)" >"$T/metrics" || fail "/metrics"
must_contain "$T/metrics" "^haulproxy_downloads_started(_total)? 0$" \
    "/metrics"
fetch "$T/body" "$T/hdr" "$(purl /nowhere)"
must_equal "$(status "$T/hdr")" 404 "unknown path"
fetch "$T/body" "$T/hdr" -X POST "$(purl /download/big.bin)"
must_equal "$(status "$T/hdr")" 405 "POST"
must_equal "$(hdr "$T/hdr" Allow)" GET "POST: Allow"

# Missing at the origin.
pget nosuch.bin "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 404 "missing at the origin"
must_contain "$T/body" "not found" "404 message"
[ -e "$PROXY_DIR/nosuch.bin" ] && fail "404: a file appeared"
[ -e "$PROXY_DIR/.nosuch.bin.part" ] && fail "404: a .part appeared"

# Bad names: 400, and the origin is not asked.
h0=$(hmetric requests)
for name in '..%2f..%2fetc%2fpasswd' '%2e%2e/secret' 'a%00b' '..' \
    'sub/../../x'; do
	fetch "$T/body" "$T/hdr" --path-as-is "$(purl "/download/$name")"
	must_equal "$(status "$T/hdr")" 400 "bad name $name ($(cat "$T/body"))"
	must_contain "$T/body" "." "bad name $name: a message"
done
# +1: the /metrics request that reads it.
must_equal "$(hmetric requests)" $((h0 + 1)) "origin requests for bad names"
[ -z "$(ls -A "$PROXY_DIR")" ] ||
    fail "bad names left files in -D: $(ls -A "$PROXY_DIR")"
for f in "$T/secret" "$T/x" "$T/etc"; do
	[ -e "$f" ] && fail "a bad name wrote $f, outside -D"
done

# /status lists a download in progress, as JSON; SIGTERM mid-download.
workers=$(worker_pids)
freeze_at big.bin $((2 * MB)) $workers >/dev/null || exit 1
pget_bg big.bin "$T/body.w" "$T/hdr.w"
waiter=$BG_PID
curl -sS --max-time 5 "$(purl /status)" >"$T/status.json" || fail "/status"
python3 -m json.tool "$T/status.json" >/dev/null ||
    fail "/status is not JSON: $(cat "$T/status.json")"
python3 - "$T/status.json" "$SIZE" <<'PYEOF' ||
import json, sys
st = json.load(open(sys.argv[1]))
assert isinstance(st, list) and len(st) == 1, st
d = st[0]
assert d["name"] == "big.bin", d
assert d["total"] == int(sys.argv[2]), d
assert 0 < d["done"] < d["total"], d
PYEOF
    fail "/status: $(cat "$T/status.json")"
stop_haulproxy TERM 10
must_equal "$PROXY_STATUS" 0 "exit status after SIGTERM"
# (the waiting client's answer is checked last, below)
wait "$waiter"
waiter_rc=$?
thaw $workers
[ -e "$PROXY_DIR/big.bin" ] && fail "final name exists after SIGTERM"
[ -e "$PROXY_DIR/.big.bin.part" ] || fail "no .part after SIGTERM"
[ -e "$PROXY_DIR/.big.bin.journal" ] || fail "no journal after SIGTERM"
durable=$(journal_verify "$PROXY_DIR/.big.bin.journal" \
    "$PROXY_DIR/.big.bin.part" "$ROOT/big.bin") || exit 1
[ "$durable" -gt 0 ] || fail "SIGTERM left no durable chunk in the journal"
start_haulproxy -C 256k -j 2 -r 1 -t 5
pget_ok big.bin "$T/body" "$T/hdr" "after SIGTERM"
must_equal "$(body_field "$T/body" resumed-from)" $((durable * 256 * 1024)) \
    "resumed-from after SIGTERM"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "resumed after SIGTERM"

# Nobody listening: 502 after -r 1.
PROXY_ORIGIN=http://127.0.0.1:$(free_port)
PROXY_DIR=$T/dl-closed
start_haulproxy -r 1 -t 5
pget big.bin "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 502 "closed port"
must_contain "$T/body" "unreachable|refused|connect" "closed port: message"
must_equal "$(pmetric retries)" 1 "closed port: retries"
[ -e "$PROXY_DIR/big.bin" ] && fail "closed port: a file appeared"

# Too slow: the HEAD, then a chunk (origin.py sleeps 3 s; -t 1).
bin_file "$T/small.bin" 100000
start_origin "$T/small.bin" small.bin --head-delay 3
PROXY_ORIGIN=$ORIGIN_URL
PROXY_DIR=$T/dl-slow
start_haulproxy -r 0 -t 1
pget small.bin "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 504 "slow HEAD ($(cat "$T/body"))"
must_contain "$T/body" "timed out|slow" "slow HEAD: message"
start_origin "$T/small.bin" small.bin --mode slow --delay 3
PROXY_ORIGIN=$ORIGIN_URL
start_haulproxy -r 0 -t 1
pget small.bin "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 504 "slow chunk ($(cat "$T/body"))"
must_contain "$T/body" "timed out|slow" "slow chunk: message"
[ -e "$PROXY_DIR/small.bin" ] && fail "slow: a file appeared"

# Slow but steady is not too slow: -t is per origin request, not the whole
# download (here about 3 s, with -t 2, 128 KiB chunks at 1 MiB/s each;
# -t 2 rather than 1 leaves room for a machine busy with other tests).
bin_file "$T/steady.bin" $((6 * MB))
start_origin "$T/steady.bin" steady.bin --rate "$MB"
PROXY_ORIGIN=$ORIGIN_URL
PROXY_DIR=$T/dl-steady
start_haulproxy -r 0 -t 2 -C 128k -j 2 --gzip never
pget_ok steady.bin "$T/body" "$T/hdr" "download longer than -t"
must_cmp "$PROXY_DIR/steady.bin" "$T/steady.bin" "download longer than -t"
secs=$(body_field "$T/body" seconds)
must_match "$secs" "[2-9]*" "a download that took over -t (seconds: $secs)"

# The client that was waiting when SIGTERM came got an answer: 503, the
# download stopped but stays resumable (not a connection closed unanswered).
must_equal "$waiter_rc" 0 "curl exit status of the client waiting at SIGTERM"
must_equal "$(status "$T/hdr.w")" 503 "client waiting at SIGTERM: status"
must_contain "$T/body.w" "resum" "client waiting at SIGTERM: message"
