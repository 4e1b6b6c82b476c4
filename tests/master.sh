# Proves the master supervises: it runs -w workers; a worker killed with
# SIGKILL is replaced by a new process within a few seconds (back to -w
# workers, new PID), hauld_worker_restarts_total goes up by one per death,
# counters of the dead worker are not lost (totals never go backwards),
# the log names the death, and service never stops.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 20000
start_hauld -w 3

wait_workers 3 5 || fail "want 3 workers, have: $(worker_pids | tr '\n' ' ')"
before=$(worker_pids)
must_equal "$(metric hauld_worker_restarts_total)" 0 "restarts at start"
for i in 1 2 3 4 5 6; do
	fetch "$T/got" "$T/h" "$(url /download/a.bin)"
done
req0=$(metric hauld_requests_total)
[ "$req0" -ge 7 ] || fail "requests_total $req0 after 7 requests"

victim=$(echo "$before" | head -n1)
kill -KILL "$victim" || fail "cannot kill worker $victim"
wait_dead "$victim" 5 || fail "worker $victim survived SIGKILL"
wait_workers 3 5 ||
    fail "no replacement worker: $(worker_pids | tr '\n' ' ')"
after=$(worker_pids)
echo "$after" | grep -qx "$victim" && fail "dead worker $victim still listed"
for p in $(echo "$before" | grep -vx "$victim"); do
	echo "$after" | grep -qx "$p" || fail "surviving worker $p is gone"
done

must_equal "$(metric hauld_worker_restarts_total)" 1 "restarts after one kill"
req1=$(metric hauld_requests_total)
[ "$req1" -gt "$req0" ] || fail "requests_total went from $req0 to $req1"
must_contain "$HAULD_LOG" "pid $victim.*(killed|signal 9)" "log of the death"

# Kill every worker at once: all come back, with back-off but promptly.
kill -KILL $after
wait_workers 3 8 ||
    fail "workers not back after killing all: $(worker_pids | tr '\n' ' ')"
for p in $after; do
	worker_pids | grep -qx "$p" && fail "killed worker $p still there"
done
must_equal "$(metric hauld_worker_restarts_total)" 4 "restarts after 4 kills"
req2=$(metric hauld_requests_total)
[ "$req2" -gt "$req1" ] || fail "requests_total went from $req1 to $req2"

for i in 1 2 3 4 5 6; do
	fetch "$T/got" "$T/h" "$(url /download/a.bin)"
	must_cmp "$T/got" "$ROOT/a.bin" "served after restarts"
done
alive "$HAULD_PID" || fail "master died"

stop_hauld
must_equal "$HAULD_STATUS" 0 "master exit status"
log ok
