# Proves --max-connections (-c) caps the connections a worker holds
# without hurting the ones it has: with -w 1 -c 1, a keep-alive client
# alone on the worker keeps its connection across requests and an idle
# one is not dropped while nobody else waits; a busy connection (a slow
# download) keeps the only place, so a second client waits in the
# backlog, is not refused, and is served once the download ends (the
# access log shows the order); an idle connection does not lock a
# newcomer out for longer than -t.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 100000
bin_file "$ROOT/big.bin" 33554432	# more than the socket buffers hold
start_hauld -w 1 -c 1 -t 3 -l "$T/access.log"
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
# The busy client reads through a 16 KiB receive buffer and stops
# reading for 2 s, so hauld cannot hand the rest of the 32 MiB to the
# kernel before then; the access log's order shows which response hauld
# finished first (a line is written when a response is complete).
slow_get big /download/big.bin 2
$CURL -o "$T/got" "$(url /download/a.bin)" || fail "the waiting client failed"
must_cmp "$T/got" "$ROOT/a.bin" "waiting client's body"
wait $SLOW_PID || fail "the busy client failed: $(cat "$T/big.err")"
must_equal "$(cat "$T/big.out")" "33554432 eof" "the busy client's end"
must_cmp "$T/big" "$ROOT/big.bin" "the busy client's body"
order=$(sed -n 's/.*"GET \/download\/\([a-z]*\.bin\) .*/\1/p' "$T/access.log" |
    tail -n 2 | tr '\n' ' ')
must_equal "$order" "big.bin a.bin " \
    "a second connection was served while the only place was busy: order"
log ok
