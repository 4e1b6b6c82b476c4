# Proves SIGHUP replaces the workers gracefully: a new generation (new
# PIDs, -w of them) serves new requests at once, while a slow download
# started before the signal finishes byte-identical on its old worker,
# which leaves afterwards; the replacement is not counted as a crash
# (worker_restarts stays 0) and loses no counts; the access log is
# reopened (a log rotated away before the HUP is recreated and receives
# the new lines); two SIGHUPs in a row still leave -w fresh workers and
# spare the download.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/big.bin" 33554432
bin_file "$ROOT/a.bin" 1000
start_hauld -w 2 -l "$T/access.log"
wait_workers 2 5 || fail "want 2 workers"
old=$(worker_pids)

# A client that stalls 3 s behind a small receive buffer: its worker
# still has most of the 32 MiB to write when SIGHUP comes.
slow_get big /download/big.bin 3

req0=$(metric hauld_requests_total)
mv "$T/access.log" "$T/access.log.1"
kill -HUP "$HAULD_PID" || fail "kill -HUP"

# new_workers: PIDs of the master's children not in the old generation.
new_workers()
{
	worker_pids | grep -vxF "$old"
}
have_new()
{
	[ "$(count_lines "$(new_workers)")" -ge 2 ]
}
until_true 5 have_new ||
    fail "no new generation of workers: $(worker_pids | tr '\n' ' ')"
new=$(new_workers)
must_equal "$(count_lines "$new")" 2 "new workers"

# New requests are served (by the new generation) during the download.
for i in 1 2 3 4; do
	fetch "$T/a" "$T/h" -A "after-hup-$i" "$(url /download/a.bin)"
	must_cmp "$T/a" "$ROOT/a.bin" "request $i after SIGHUP"
done

wait_dead $SLOW_PID 30 || fail "download still running"
wait $SLOW_PID || fail "the download failed: $(cat "$T/big.err")"
must_equal "$(cat "$T/big.out")" "33554432 eof" "the download's end"
must_cmp "$T/big" "$ROOT/big.bin" "download across SIGHUP"

# The old generation is gone, the new one remains.
for p in $old; do
	wait_dead "$p" 5 || fail "old worker $p still running"
done
must_equal "$(worker_pids)" "$new" "workers after the replacement"
must_equal "$(metric hauld_worker_restarts_total)" 0 \
    "a replacement is not a restart"
# The old generation's counts survive it: totals never go backwards.
req1=$(metric hauld_requests_total)
[ "$req1" -ge $((req0 + 5)) ] ||
    fail "requests_total went from $req0 to $req1 across SIGHUP"

# The reopened access log has the new lines; the rotated one the old.
until_true 3 test -s "$T/access.log" || fail "access log not reopened"
must_contain "$T/access.log" 'after-hup-1' "new log after SIGHUP"
must_not_contain "$T/access.log.1" 'after-hup' "rotated log after SIGHUP"
# The download's line was written by its old worker: to the old file.
must_contain "$T/access.log.1" 'GET /download/big.bin' "download logged"

# Two SIGHUPs in a row, with a download in flight: it still completes,
# and the master settles on -w fresh workers.
curl -sS --max-time 60 --limit-rate 16M -o "$T/got2" \
    "$(url /download/big.bin)" 2>"$T/curl.err" &
cpid=$!
track $cpid
wait_bytes "$T/got2" 1000000 10 || fail "second download did not start"
before=$(worker_pids)
kill -HUP "$HAULD_PID"
sleep 0.2
kill -HUP "$HAULD_PID"
wait_dead $cpid 30 || fail "second download still running"
wait $cpid
must_equal $? 0 "curl exit status across two SIGHUPs ($(cat "$T/curl.err"))"
must_cmp "$T/got2" "$ROOT/big.bin" "download across two SIGHUPs"
wait_workers 2 5 || fail "after two SIGHUPs: workers $(worker_pids | tr '\n' ' ')"
for p in $before; do
	worker_pids | grep -qx "$p" && fail "worker $p survived two SIGHUPs"
done
fetch "$T/a" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/a" "$ROOT/a.bin" "served after two SIGHUPs"

alive "$HAULD_PID" || fail "master died"
stop_hauld
must_equal "$HAULD_STATUS" 0 "master exit status"
log ok
