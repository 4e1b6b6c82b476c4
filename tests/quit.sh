# Proves SIGQUIT stops hauld at once: with a slow download in flight and
# the default 30 s --grace, the master and every worker are gone within
# about a second, the download is cut short, and the port is released;
# a SIGQUIT during a graceful stop ends the wait at once.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

truncate -s 200M "$ROOT/huge.bin"
start_hauld -w 2
workers=$(worker_pids)
must_equal "$(count_lines "$workers")" 2 "workers"

curl -sS --max-time 60 --limit-rate 16M -o "$T/got" \
    "$(url /download/huge.bin)" 2>/dev/null &
cpid=$!
track $cpid
wait_bytes "$T/got" 1000000 10 || fail "download did not start"

kill -QUIT "$HAULD_PID" || fail "kill -QUIT"
wait_dead "$HAULD_WPID" 2 || fail "master still running 2 s after SIGQUIT"
wait "$HAULD_WPID"
for p in $workers; do
	alive "$p" && fail "worker $p outlived SIGQUIT"
done
must_not_contain "$HAULD_LOG" 'still busy' "no grace period was waited for"

# The download is cut: curl fails (sooner or later) with a short file.
wait_dead $cpid 20 || fail "curl still running 20 s after SIGQUIT"
if wait $cpid; then
	fail "the download succeeded despite SIGQUIT"
fi
[ "$(size_of "$T/got")" -lt 209715200 ] || fail "the whole file arrived"

# Nothing listens on the port any more.
if curl -s --max-time 2 -o /dev/null "$(url /healthz)"; then
	fail "port $PORT still answers after SIGQUIT"
fi
# SIGQUIT during a graceful stop cuts the wait short.
start_hauld -w 1
curl -sS --max-time 60 --limit-rate 16M -o "$T/got2" \
    "$(url /download/huge.bin)" 2>/dev/null &
cpid=$!
track $cpid
wait_bytes "$T/got2" 1000000 10 || fail "second download did not start"
kill -TERM "$HAULD_PID" || fail "kill -TERM"
sleep 0.5
alive "$HAULD_PID" || fail "graceful stop did not wait for the download"
kill -QUIT "$HAULD_PID" || fail "kill -QUIT"
wait_dead "$HAULD_WPID" 2 || fail "master still running 2 s after TERM, QUIT"
wait "$HAULD_WPID"
kill -KILL $cpid 2>/dev/null
wait $cpid 2>/dev/null
log ok
