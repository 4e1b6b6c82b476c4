#!/bin/sh
# chaos_proxy: haulproxy SIGKILLed again and again in the middle of one
# 1 GiB download, restarted each time and asked again, until the
# download completes.  The origin (hauld) sits behind
# tests/chaos_relay.py, which holds it to 64 MB/s so the download takes
# about 20 s and every kill lands mid-transfer; the kills come at random,
# 2 to 3.5 s after each start (about 7 of them).  Then:
#  * the file is byte-identical, and its final name never appeared early;
#  * each restart resumed (resumed-from > 0 in the final answer, and the
#    journal's durable chunks grew across the kills);
#  * the bytes fetched in total (hauld's file_bytes_total, counting every
#    byte sent to a proxy that was then killed) stay below 1.5 x the size.
# Why not faster kills: haulproxy makes chunks durable (fdatasync, then
# the journal) 250 ms after writing them, and each restart re-reads the
# part file to check its chunks' CRCs, so very fast kills mostly measure
# restarts (CHAOS_KILL_MIN/MAX, in tenths, try other spacings).
# A kill that lands after the rename but before the answer is fine: the
# final name then holds the whole file, and the next run says so.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

SIZE=${CHAOS_SIZE:-$((1024 * 1024 * 1024))}
RATE=${CHAOS_RATE:-64000000}
KMIN=${CHAOS_KILL_MIN:-20}	# tenths of a second
KMAX=${CHAOS_KILL_MAX:-35}
LIMIT=${CHAOS_LIMIT:-50}	# seconds for the whole download
CHUNK=256k

bin_file "$ROOT/big.bin" "$SIZE"
start_hauld

python3 "$top_srcdir/tests/chaos_relay.py" --upstream "$PORT" \
    --rate "$RATE" --port-file "$T/relay.port" --state "$T/relay.state" \
    --max-secs $((LIMIT + 30)) </dev/null >"$T/relay.log" 2>&1 &
relay=$!
track "$relay"
RPORT=$(wait_port_file "$T/relay.port" "$relay" chaos_relay.py) || exit 1
PROXY_ORIGIN=http://127.0.0.1:$RPORT

# untrack PID...: drop reaped processes from lib.sh's cleanup list, so
# that a PID the system hands out again is never signalled.
untrack()
{
	for _u in "$@"; do
		LIB_PIDS=$(echo " $LIB_PIDS " | sed "s/ $_u / /g")
	done
}

now()
{
	cut -d' ' -f1 /proc/uptime
}

# random_tenths MIN MAX
random_tenths()
{
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1 + 1)))
}

t0=$(now)
runs=0
kills=0
progress=""
while :; do
	elapsed=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%d", b - a }')
	[ "$elapsed" -lt "$LIMIT" ] ||
	    fail "not complete after $LIMIT s, $kills kills (durable chunks \
at each kill:$progress)"
	runs=$((runs + 1))
	start_haulproxy -C $CHUNK -j 4 --no-gzip
	rm -f "$T/body" "$T/hdr"
	$CURL --max-time 90 -D "$T/hdr" -o "$T/body" \
	    "$(purl /download/big.bin)" 2>/dev/null &
	cpid=$!
	track "$cpid"
	life=$(random_tenths "$KMIN" "$KMAX")
	while [ "$life" -gt 0 ] && alive "$cpid"; do
		sleep 0.1
		life=$((life - 1))
	done
	if ! alive "$cpid"; then
		wait "$cpid" && break
		fail "run $runs: curl failed before any kill"
	fi
	kill -KILL "$PROXY_PID"
	wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
	wait "$PROXY_PID" 2>/dev/null
	if wait "$cpid" 2>/dev/null &&
	    [ "$(head -n 1 "$T/body")" = "Download complete" ]; then
		break	# answered just before the kill
	fi
	untrack "$PROXY_PID" "$cpid"
	kills=$((kills + 1))
	# Under the final name: nothing, or the whole file.
	[ -e "$PROXY_DIR/big.bin" ] &&
	    must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "after kill $kills"
	progress="$progress $(journal_chunks "$PROXY_DIR/.big.bin.journal")"
done
secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')

must_equal "$(status "$T/hdr")" 200 "final answer ($(head -c 300 "$T/body"))"
answer=$(head -n 1 "$T/body")
case $answer in
"Download complete" | "File already downloaded") ;;
*) fail "final answer: $(head -c 300 "$T/body")" ;;
esac
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "downloaded file"
served=$(hmetric file_bytes)
ratio=$(awk -v s="$served" -v z="$SIZE" 'BEGIN { printf "%.2f", s / z }')
log "$kills kills in $secs s, durable chunks at each kill:$progress; \
last run resumed from $(body_field "$T/body" resumed-from); hauld served \
$served bytes for $SIZE: $ratio x; relay: $(cat "$T/relay.state")"
[ "$kills" -ge 4 ] || fail "only $kills kills: the download was too quick"
[ "$answer" = "File already downloaded" ] ||
    [ "$(body_field "$T/body" resumed-from)" -gt 0 ] ||
    fail "the last run did not resume"
# Progress never went backwards across kills.
prev=0
for c in $progress; do
	[ "$c" -ge "$prev" ] ||
	    fail "durable chunks went from $prev to $c across a kill:$progress"
	prev=$c
done
[ "$((served * 2))" -lt "$((SIZE * 3))" ] ||
    fail "fetched $served bytes in total for $SIZE ($ratio x >= 1.5)"
kill -TERM "$relay"
wait_dead "$relay" 5 || fail "chaos_relay.py did not stop"
log ok
