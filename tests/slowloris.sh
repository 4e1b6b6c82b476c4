#!/bin/sh
# slowloris: hauld -w 1 -c 200 -t 5 under a swarm of 300 connections that
# send the start of a request head and stall or trickle a byte a second
# (tests/slowloris_swarm.py, which replaces every connection hauld
# closes, for 10 s) keeps serving a normal client: curl, a new connection
# each time, fetches a 64 KiB file every 0.2 s all along, and every one of
# its requests succeeds, byte-identical, in under 3 s, although the
# worker is at its connection limit (checked with haulstat: /metrics
# itself would need a slot).  hauld makes room by evicting the slowest
# head (counted as a timeout), and once the swarm is gone its
# connections are all closed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 65536
start_hauld -w 1 -c 200 -t 5

# stat_field NAME: a total from haulstat -1 -j.
stat_field()
{
	$HAULSTAT -1 -j "$HAULD_STATS" | python3 -c '
import json, sys
print(json.load(sys.stdin)["totals"][sys.argv[1]])' "$1"
}

at_limit()
{
	[ "$(stat_field conn_open)" -ge 200 ]
}

python3 "$top_srcdir/tests/slowloris_swarm.py" --port "$PORT" --conns 300 \
    --secs 10 --state "$T/swarm.state" >"$T/swarm" 2>"$T/swarm.err" &
swarm=$!
track "$swarm"
until_true 5 at_limit || fail "the swarm did not fill hauld's 200 \
connections (open: $(stat_field conn_open), $(cat "$T/swarm.state" 2>/dev/null))"
log "hauld at its limit: $(stat_field conn_open) connections open"

n=0
: >"$T/times"
while alive "$swarm"; do
	n=$((n + 1))
	rm -f "$T/got"
	r=$(curl -sS --max-time 15 -o "$T/got" \
	    -w '%{http_code} %{time_total}' "$(url /download/a.bin)" 2>&1)
	echo "$n $r" >>"$T/times"
	case $r in
	"200 "*) cmp -s "$T/got" "$ROOT/a.bin" ||
	    echo "$n wrong bytes" >>"$T/times" ;;
	esac
	sleep 0.2
done
wait "$swarm" || fail "slowloris_swarm.py: $(cat "$T/swarm.err")"
log "swarm: $(tr '\n' ' ' <"$T/swarm")"
slowest=$(awk '$2 == 200 { if ($3 > m) m = $3 } END { print m + 0 }' \
    "$T/times")
log "$n normal requests during the swarm, slowest $slowest s"

bad=$(awk '$2 != 200 || $3 >= 3' "$T/times")
[ -z "$bad" ] || fail "normal requests failed or took 3 s or more \
(number, status, seconds):
$bad"
must_not_contain "$T/times" "wrong bytes" "normal requests"
[ "$n" -ge 5 ] || fail "only $n normal requests in 10 s"
opened=$(sed -n 's/^connects=//p' "$T/swarm")
[ "$opened" -ge 300 ] || fail "the swarm opened only $opened connections"
[ "$(metric hauld_timeouts_total)" -gt 0 ] ||
    fail "no connection evicted or timed out"
# The swarm's connections all go; only this /metrics request is open.
until_true 5 test "$(metric hauld_conn_open)" = 1 ||
    fail "conn_open is $(metric hauld_conn_open) after the swarm"
log ok
