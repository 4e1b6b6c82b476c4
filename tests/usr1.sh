# Proves SIGUSR1 to the master writes a stats dump to the error log: a
# "stats:" totals line whose counters match the traffic sent, and one row
# per running worker naming its PID; a second dump shows the new traffic;
# neither the master nor the workers are disturbed by the signal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000
start_hauld -w 2
wait_workers 2 5 || fail "want 2 workers"
workers=$(worker_pids)

new_totals()
{
	[ "$(grep -c 'stats:.*totals' "$HAULD_LOG")" -gt "$1" ]
}

# dump: signal, then wait for a new totals line; prints the new lines.
dump()
{
	_before=$(grep -c '' "$HAULD_LOG")
	_tot=$(grep -c 'stats:.*totals' "$HAULD_LOG")
	kill -USR1 "$HAULD_PID" || fail "kill -USR1"
	until_true 5 new_totals "$_tot" ||
	    fail "no stats dump in the log after SIGUSR1"
	sleep 0.2	# the rest of the dump
	sed -n "$((_before + 1)),\$p" "$HAULD_LOG" | grep 'stats:'
}

# field DUMPFILE NAME: NAME=value on the totals line.
field()
{
	grep 'totals' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

dump >"$T/d0"
r0=$(field "$T/d0" requests)
ok0=$(field "$T/d0" resp_2xx)
bad0=$(field "$T/d0" resp_4xx)
[ -n "$r0" ] && [ -n "$ok0" ] && [ -n "$bad0" ] ||
    fail "totals line without requests, resp_2xx, resp_4xx: $(cat "$T/d0")"

for i in 1 2 3 4 5; do
	fetch "$T/got" "$T/h" "$(url /download/a.bin)"
done
fetch "$T/got" "$T/h" "$(url /download/missing)"
# The 404 is counted just after its last write: let the count settle
# (read with haulstat, which adds no request of its own).
settled()
{
	timeout 5 "$HAULSTAT" -1 -j "$HAULD_STATS" | python3 -c 'import json, sys
t = json.load(sys.stdin)["totals"]
sys.exit(t["requests"] < int(sys.argv[1]) or t["resp_4xx"] < int(sys.argv[2]))' \
	    $((r0 + 6)) $((bad0 + 1))
}
until_true 2 settled || :

dump >"$T/d1"
must_equal "$(field "$T/d1" requests)" $((r0 + 6)) "requests in the dump"
must_equal "$(field "$T/d1" resp_2xx)" $((ok0 + 5)) "resp_2xx in the dump"
must_equal "$(field "$T/d1" resp_4xx)" $((bad0 + 1)) "resp_4xx in the dump"
for p in $workers; do
	grep -Eq "stats:.*pid $p( |\$)" "$T/d1" || fail "no row for worker $p"
done
must_equal "$(grep -Ec 'stats:.*pid [0-9]+' "$T/d1")" 2 "one row per worker"
# The rows add up to the totals.
sum=$(grep -E 'stats:.*pid [0-9]+' "$T/d1" | tr ' ' '\n' |
    sed -n 's/^requests=//p' | awk '{ s += $1 } END { print s + 0 }')
must_equal "$sum" "$(field "$T/d1" requests)" "sum of the rows' requests"

for i in 1 2 3 4; do
	fetch "$T/got" "$T/h" "$(url /download/a.bin)"
done
dump >"$T/d2"
must_equal "$(field "$T/d2" requests)" $((r0 + 10)) "requests, second dump"

alive "$HAULD_PID" || fail "master died of SIGUSR1"
must_equal "$(worker_pids | tr '\n' ' ')" "$(echo "$workers" | tr '\n' ' ')" \
    "workers after SIGUSR1"
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "served after SIGUSR1"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"
log ok
