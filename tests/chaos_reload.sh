#!/bin/sh
# chaos_reload: SIGHUPs that come faster than downloads drain never leave
# hauld without a worker.  hauld -w 1 -g 20; a slow download (32 MiB at
# 4 MB/s, about 8 s) runs when the first SIGHUP comes, a second one starts
# on the new worker, then a second SIGHUP comes: two generations are
# draining, and a third must take the new connections.  For 4 s after it,
# /healthz is asked every 0.25 s and must answer each time within 2 s;
# both downloads finish byte-identical on their old workers, and in the
# end one fresh worker is left.  (The stats region has two slots per
# worker, so the third generation needs a slot nobody holds.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/big.bin" 33554432
start_hauld -w 1 -g 20
wait_workers 1 5 || fail "want 1 worker"

# slow N: a 4 MB/s download in the background, into $T/got.N.
slow()
{
	curl -sS --max-time 40 --limit-rate 4M -o "$T/got.$1" \
	    -w '%{http_code}' "$(url /download/big.bin)" >"$T/code.$1" \
	    2>"$T/err.$1" &
	eval "dl$1=\$!"
	track $!
	wait_bytes "$T/got.$1" 500000 10 || fail "download $1 did not start"
}

slow 1
kill -HUP "$HAULD_PID" || fail "kill -HUP"
sleep 0.5
slow 2
kill -HUP "$HAULD_PID" || fail "kill -HUP"
sleep 0.2

i=0
: >"$T/probes"
while [ $i -lt 16 ]; do
	curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' \
	    "$(url /healthz)" >>"$T/probes"
	sleep 0.25
	i=$((i + 1))
done
bad=$(awk '$1 != 200 || $2 >= 2' "$T/probes")
slowest=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$T/probes")
log "16 probes after the second SIGHUP, slowest $slowest s"
[ -z "$bad" ] || fail "with two generations draining, /healthz failed or \
took 2 s or more (status, seconds): $(echo "$bad" | tr '\n' ';') $(grep -m1 \
'no free' "$HAULD_LOG")"

for n in 1 2; do
	eval "p=\$dl$n"
	wait "$p" || fail "download $n: $(cat "$T/err.$n")"
	must_equal "$(cat "$T/code.$n")" 200 "download $n status"
	must_cmp "$T/got.$n" "$ROOT/big.bin" "download $n"
done
wait_workers 1 10 || fail "not 1 worker at the end: $(worker_pids | tr '\n' ' ')"
must_equal "$(metric hauld_worker_restarts_total)" 0 "restarts"
log ok
