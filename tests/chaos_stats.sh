#!/bin/sh
# chaos_stats: the stats totals never go backwards while workers come and
# go.  A dead or replaced worker's counters move from its slot into the
# "retired" totals; a reader summing at that moment must see them once,
# neither twice nor not at all.  tests/chaos_statsread sums the region
# with stats_totals() -- the code behind haulstat and /metrics -- in
# bursts, half of the time for 7 s, and notes every counter total that
# went down between two sums; meanwhile tests/chaos_load.py keeps 4
# keep-alive clients busy (so every worker has counts to hand over), and
# the master gets SIGHUP every 0.1 s (50 times: 100 workers retired, no
# respawn back-off involved) and then 2 workers are SIGKILLed.  Also:
# haulstat and /metrics samples (every 0.25 s) never go backwards,
# hauld_worker_restarts_total counts the 2 deaths and no replacement,
# 2 workers are left, and no request failed but those on the killed
# workers (at most 8).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

READER=$top_builddir/tests/chaos_statsread
[ -x "$READER" ] || fail "no $READER (make check builds it)"

bin_file "$ROOT/a.bin" 65536
start_hauld -w 2
wait_workers 2 5 || fail "want 2 workers, have: $(worker_pids | tr '\n' ' ')"

python3 "$top_srcdir/tests/chaos_load.py" --port "$PORT" \
    --master "$HAULD_PID" --workers 2 --root "$ROOT" --path a.bin \
    --secs 9 --conns 4 --gap 0.005 --kill-min 1000 --kill-max 1000 \
    --haulstat "$HAULSTAT" --stats-file "$HAULD_STATS" \
    >"$T/load" 2>"$T/load.err" &
load=$!
track "$load"
"$READER" "$HAULD_STATS" 7 >"$T/reader" 2>&1 &
reader=$!
track "$reader"

sleep 0.5
i=0
while [ $i -lt 50 ]; do
	kill -HUP "$HAULD_PID" || fail "cannot signal the master"
	sleep 0.1
	i=$((i + 1))
done
must_not_contain "$HAULD_LOG" "graceful stop" "the master, sent only SIGHUPs"
for k in 1 2; do
	wait_workers 2 5 || fail "not 2 workers after the HUPs"
	victim=$(worker_pids | head -n 1)
	kill -KILL "$victim"
	wait_dead "$victim" 5 || fail "worker $victim survived SIGKILL"
	sleep 0.5
done

wait "$reader" || fail "chaos_statsread: $(cat "$T/reader")"
wait "$load" || fail "chaos_load.py: $(tail -n 5 "$T/load.err")"
log "reader: $(tail -n 1 "$T/reader"); load: $(grep -E \
'^(requests_ok|failures|samples|backwards)=' "$T/load" | tr '\n' ' ')"
# The 50 SIGHUPs drop no request: a stopping worker answers with
# "Connection: close" and lets idle connections linger a second, so the
# only failures are the 4 clients' connections on the 2 killed workers.
sed -n 's/^failures=//p' "$T/load" | awk '{ exit !($1 <= 8) }' ||
    fail "requests failed beyond the 2 kills: $(grep '^# failure' "$T/load" | head -n 5)"
sed -n 's/^requests_ok=//p' "$T/load" | awk '{ exit !($1 >= 500) }' ||
    fail "too little load: $(grep requests_ok "$T/load")"
grep -q '^sums=' "$T/reader" || fail "chaos_statsread: $(cat "$T/reader")"
awk -F'[= ]' '/^sums=/ { exit !($2 >= 10000) }' "$T/reader" ||
    fail "only $(tail -n 1 "$T/reader")"
grep -q ' backwards=0$' "$T/reader" || fail "totals summed while workers \
were retired went backwards $(sed -n 's/.*backwards=//p' "$T/reader") times, \
first: $(head -n 3 "$T/reader" | tr '\n' ';')"
must_contain "$T/load" '^backwards=0$' "totals sampled from /metrics and \
haulstat went backwards: $(grep '^# went' "$T/load" | head -n 3)"

wait_workers 2 5 || fail "not 2 workers at the end"
must_equal "$(metric hauld_worker_restarts_total)" 2 \
    "restarts after 50 SIGHUPs and 2 kills"
n=$(grep -c 'SIGHUP' "$HAULD_LOG")
[ "$n" -ge 50 ] || fail "the master logged $n SIGHUPs of 50"
log ok
