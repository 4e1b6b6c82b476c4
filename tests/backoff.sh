# Proves the master's respawn back-off: a worker that keeps dying (here
# SIGKILLed as soon as it appears, five times running) is always
# replaced, but after a delay that grows while the deaths keep coming, so
# a crash loop cannot become a fork storm; each death is counted in
# hauld_worker_restarts_total and service resumes afterwards.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000
start_hauld -w 1
wait_workers 1 5 || fail "want one worker"

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# other_worker OLD: whether a worker other than OLD is running.
other_worker()
{
	[ -n "$(worker_pids | grep -vx "$1")" ]
}

last=$(worker_pids)
delays=""
for i in 1 2 3 4 5; do
	kill -KILL "$last" || fail "kill worker $last"
	t0=$(now_ms)
	until_true 15 other_worker "$last" ||
	    fail "no worker $i 15 s after killing $last"
	delays="$delays $(($(now_ms) - t0))"
	last=$(worker_pids | grep -vx "$last" | head -n1)
done
log "respawn delays (ms):$delays"
set -- $delays
[ "$1" -lt 1000 ] || fail "first respawn took $1 ms"
[ "$5" -ge $(($1 * 2)) ] && [ "$5" -ge 500 ] ||
    fail "no back-off: respawn delays$delays ms"

must_equal "$(metric hauld_worker_restarts_total)" 5 "worker_restarts_total"
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "served after the crash loop"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"
log ok
