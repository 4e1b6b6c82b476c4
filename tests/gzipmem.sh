# Proves compression streams with bounded memory (SPEC.md): while a
# client that has stopped reading holds a gzip response of a 48 MB text
# file open, in either way of compressing (Content-Encoding and TE), the
# worker's resident memory grows by far less than the data (under 16 MB),
# i.e. the compressor waits for the socket instead of buffering ahead.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

head -c 37748736 /dev/urandom | base64 -w 76 >"$ROOT/big.txt"	# ~48 MB
bin_file "$ROOT/a.txt" 100
start_hauld -w 1
wait_workers 1 5 || fail "want one worker"
worker=$(worker_pids)

rss()
{
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$worker/status"
}

fetch "$T/got" "$T/h" --compressed "$(url /download/a.txt)"
base=$(rss)
[ -n "$base" ] || fail "cannot read the worker's VmRSS"

for how in 'Accept-Encoding: gzip' 'TE: gzip'; do
	$HTTPC --timeout 20 stall --close "$PORT" /download/big.txt 2 -H "$how" \
	    >"$T/stall" 2>"$T/stall.err" &
	spid=$!
	track $spid
	sleep 1.2
	now=$(rss)
	wait $spid || fail "stalled client ($how): $(cat "$T/stall.err")"
	grow=$(((now - base) / 1024))
	log "$how: worker RSS $base kB -> $now kB while the client stalled"
	[ "$grow" -lt 16 ] ||
	    fail "$how: the worker grew by $grow MB for a stalled 48 MB gzip response"
done

# The stalled responses were really compressed and the worker is fine.
in=$(metric hauld_gzip_in_total)
[ "$in" -gt 0 ] || fail "nothing went through the compressor"
fetch "$T/got" "$T/h" --compressed -r 0-99999 "$(url /download/big.txt)"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "a range of big.txt"
slice "$ROOT/big.txt" 0 100000 >"$T/want"
must_cmp "$T/got" "$T/want" "a range of big.txt, decompressed"
log ok
