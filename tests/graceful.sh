# Proves the graceful stop: SIGTERM while a slow download (a client
# that stalls, then drains) is in flight lets that download finish
# byte-identical, keeps the master running until it has, serves no new
# request meanwhile, and the master then exits 0 with no worker left
# behind; and --grace bounds the wait: with -g 3 a download that would
# take far longer is cut and the master still exits 0 promptly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# slow_get's client stalls 3 s behind a small receive buffer, so the
# worker still has most of the 32 MiB to write when SIGTERM comes.
bin_file "$ROOT/big.bin" 33554432
truncate -s 200M "$ROOT/huge.bin"
start_hauld -w 2
workers=$(worker_pids)

slow_get big /download/big.bin 3
kill -TERM "$HAULD_PID" || fail "kill -TERM"
sleep 0.5
alive "$HAULD_PID" || fail "master exited with a download in flight"
must_contain "$HAULD_LOG" 'graceful' "log of the graceful stop"
# Nothing new is served while stopping.
if curl -s --max-time 1 -o /dev/null "$(url /healthz)"; then
	fail "a new request was served during the graceful stop"
fi

wait_dead $SLOW_PID 30 || fail "download still running"
wait $SLOW_PID || fail "the download failed: $(cat "$T/big.err")"
must_equal "$(cat "$T/big.out")" "33554432 eof" "the download's end"
must_cmp "$T/big" "$ROOT/big.bin" "download across SIGTERM"
wait_dead "$HAULD_WPID" 5 || fail "master still running after the download"
wait "$HAULD_WPID"
must_equal $? 0 "master exit status"
for p in $workers; do
	alive "$p" && fail "worker $p outlived the master"
done
must_not_contain "$HAULD_LOG" 'still busy' "no worker needed killing"

# --grace bounds the wait.
start_hauld -w 1 -g 3
curl -sS --max-time 60 --limit-rate 16M -o "$T/got2" \
    "$(url /download/huge.bin)" 2>/dev/null &
cpid=$!
track $cpid
wait_bytes "$T/got2" 500000 10 || fail "huge download did not start"
kill -TERM "$HAULD_PID" || fail "kill -TERM"
sleep 0.5
alive "$HAULD_PID" || fail "master did not wait for the grace"
wait_dead "$HAULD_WPID" 8 || fail "master still running 8 s after TERM with -g 3"
wait "$HAULD_WPID"
must_equal $? 0 "master exit status after --grace"
must_contain "$HAULD_LOG" 'still busy' "log of the worker killed at grace"
kill -KILL $cpid 2>/dev/null
wait $cpid 2>/dev/null
[ "$(size_of "$T/got2")" -lt 209715200 ] ||
    fail "the 200 MB download completed despite -g 3"

log ok
