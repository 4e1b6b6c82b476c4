# Proves --max-connections (-c) caps the connections a worker holds
# without hurting the ones it has: with -w 1 -c 1, a keep-alive client
# alone on the worker keeps its connection across requests and an idle
# one is not dropped while nobody else waits; a busy connection (a slow
# download) keeps the only place, so a second client waits in the
# backlog, is not refused, and is served once the download ends; an
# idle connection does not lock a newcomer out for longer than -t.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 100000
bin_file "$ROOT/big.bin" 33554432	# more than the socket buffers hold
start_hauld -w 1 -c 1 -t 3
sleep 0.3	# the startup probe's connection is gone

# Alone on the worker, keep-alive works.
$HTTPC conn "$PORT" /download/a.bin /download/a.bin /download/a.bin \
    >"$T/out" || fail "three requests on one connection"
must_equal "$(tr '\n' '|' <"$T/out")" \
    "1 200 100000 -|2 200 100000 -|3 200 100000 -|open|" \
    "keep-alive with -c 1 and no other client"

# An idle connection stays while nobody else needs the place.
printf '' | $HTTPC --timeout 10 raw "$PORT" >"$T/idle.out" 2>"$T/idle.err" &
ipid=$!
track $ipid
sleep 1
alive $ipid || fail "an idle connection was dropped at once \
($(cat "$T/idle.err")), though no other client was waiting"

# A newcomer is served within -t (at once if the idle one is evicted).
secs=$($CURL -o "$T/got" -w '%{time_total}' "$(url /download/a.bin)") ||
    fail "the newcomer failed"
must_cmp "$T/got" "$ROOT/a.bin" "newcomer's body"
[ "$(echo "$secs" | awk '{ printf "%d", $1 * 10 }')" -le 50 ] ||
    fail "the newcomer waited $secs s"
wait_dead $ipid 10 || fail "the idle client was never dropped"
wait $ipid

# A busy connection holds its place: the second client waits for it.
curl -sS --max-time 60 --limit-rate 16M -o "$T/big" \
    "$(url /download/big.bin)" 2>"$T/curl.err" &
cpid=$!
track $cpid
wait_bytes "$T/big" 1000000 10 || fail "download did not start"
secs=$($CURL -o "$T/got" -w '%{time_total}' "$(url /download/a.bin)") ||
    fail "the waiting client failed"
must_cmp "$T/got" "$ROOT/a.bin" "waiting client's body"
alive $cpid && fail "a second connection was served while the only place was busy"
wait $cpid
must_equal $? 0 "download status ($(cat "$T/curl.err"))"
must_cmp "$T/big" "$ROOT/big.bin" "download body"
tenths=$(echo "$secs" | awk '{ printf "%d", $1 * 10 }')
[ "$tenths" -ge 3 ] || fail "the waiting client was served in $secs s"
log ok
