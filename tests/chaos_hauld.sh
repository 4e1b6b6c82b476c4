#!/bin/sh
# chaos_hauld: hauld under a bounded load while a worker is SIGKILLed every
# 2-3 s (random) for 15 s.  The load (tests/chaos_load.py) is 8 keep-alive
# clients, each fetching a 64 KiB and a 1 MiB file in turn, every byte
# checked.  Before each kill the victim is stopped and the client
# connections it holds are noted, so every failed request can be traced:
#  * requests on surviving workers never fail (every failure was on a
#    connection the killed worker held, each such connection fails at
#    most once: failures <= kills x connections);
#  * the master keeps the worker count: back to -w 2 after each kill,
#    within its respawn back-off (100 ms doubling per death, as deaths
#    come faster than every 10 s) plus a second, and
#    hauld_worker_restarts_total = kills;
#  * the stats stay consistent: no total in /metrics or haulstat -j ever
#    goes backwards across samples (every 0.25 s), the dead workers'
#    requests stay counted, and open connections return to just ours.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CONNS=8
bin_file "$ROOT/small.bin" 65536
bin_file "$ROOT/big.bin" 1048576
start_hauld -w 2
wait_workers 2 5 || fail "want 2 workers, have: $(worker_pids | tr '\n' ' ')"

python3 "$top_srcdir/tests/chaos_load.py" --port "$PORT" \
    --master "$HAULD_PID" --workers 2 --root "$ROOT" \
    --path small.bin --path big.bin --secs 15 --conns $CONNS \
    --kill-min 2 --kill-max 3 --haulstat "$HAULSTAT" \
    --stats-file "$HAULD_STATS" >"$T/load" 2>"$T/load.err" ||
    fail "chaos_load.py: $(tail -n 5 "$T/load.err")"
grep '^# ' "$T/load" | sed "s/^# /$TEST_NAME: /"

# get KEY: a value chaos_load.py printed.
get()
{
	sed -n "s/^$1=//p" "$T/load"
}

ok=$(get requests_ok)
kills=$(get kills)
failures=$(get failures)
log "$ok requests fine ($(($(get bytes_ok) / 1048576)) MiB), $kills kills, \
$failures failed requests ($(get doomed) connections on killed workers), \
back to 2 workers after: $(get restores) s"
[ "$ok" -ge 1000 ] || fail "only $ok requests in 15 s"
[ "$kills" -ge 4 ] || fail "only $kills kills in 15 s"
must_equal "$(get failures_unexplained)" 0 \
    "failed requests on connections no killed worker held"
[ "$failures" -le $((kills * CONNS)) ] ||
    fail "$failures failed requests for $kills kills of $CONNS connections"
must_equal "$(get kill_waits)" 0 "kills that found fewer than 2 workers"

# Each respawn within the back-off then in force (100 ms << deaths-1,
# at most 10 s) plus a second.
i=0
for r in $(get restores | tr ',' ' '); do
	i=$((i + 1))
	b=$((100 << (i - 1)))
	[ "$b" -gt 10000 ] && b=10000
	awk -v r="$r" -v b="$b" 'BEGIN { exit !(r >= 0 && r <= b / 1000 + 1) }' ||
	    fail "kill $i: 2 workers again after $r s (back-off $b ms)"
done
wait_workers 2 5 || fail "not 2 workers at the end: $(worker_pids | tr '\n' ' ')"
must_equal "$(metric hauld_worker_restarts_total)" "$kills" "restarts_total"

# Counters.
[ "$(get samples)" -ge 40 ] || fail "only $(get samples) stats samples"
[ "$(get backwards)" = 0 ] || fail "totals went backwards: \
$(grep '^# went backwards' "$T/load" | head -n 5)"
req=$(metric hauld_requests_total)
resp=$(metric hauld_resp_2xx_total)
[ "$req" -ge "$ok" ] || fail "requests_total $req < $ok requests served"
# A response fully sent just before its worker died may miss its count.
[ "$((resp + kills))" -ge "$ok" ] ||
    fail "resp_2xx_total $resp, but $ok requests were served"
must_equal "$(get last_worker_restarts)" "$kills" "haulstat worker_restarts"
# Gauges of dead workers are not carried over: only this request is open.
until_true 5 test "$(metric hauld_conn_open)" = 1 ||
    fail "conn_open is $(metric hauld_conn_open) with no client left"
$HAULSTAT -1 -j "$HAULD_STATS" >"$T/stat.json" || fail "haulstat"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["totals"]["conn_open"] == 0, j["totals"]
assert len(j["workers"]) == 2, j["workers"]
assert all(w["state"] == "running" for w in j["workers"]), j["workers"]
' "$T/stat.json" || fail "haulstat after the chaos: $(cat "$T/stat.json")"

fetch "$T/got" "$T/h" "$(url /download/big.bin)"
must_cmp "$T/got" "$ROOT/big.bin" "served after the chaos"
stop_hauld
must_equal "$HAULD_STATUS" 0 "master exit status"
log ok
