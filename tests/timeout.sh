# Proves --timeout (-t 1) guards every phase of a connection: a client
# that sends half a request head and stalls gets 408 and a close after
# about a second; one that trickles its head byte by byte (slowloris)
# gets the same, counted from its first byte; an idle keep-alive
# connection is closed silently; a client that stops reading a big
# response is dropped; the timeouts are counted; a normal client is
# unaffected.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000
truncate -s 64M "$ROOT/big.bin"
start_hauld -t 1

# secs ELAPSED-FILE: the seconds httpc reported, as an integer * 10.
tenths()
{
	sed -n 's/^elapsed //p' "$1" | awk '{ printf "%d", $1 * 10 }'
}

# Three clients at once, each checked below:
# half a head, then nothing;
printf 'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nX-Slow:' |
    $HTTPC --timeout 10 raw "$PORT" >"$T/half" 2>"$T/half.err" &
p1=$!
# slowloris: one byte every 0.2 s would take 12 s, the deadline holds;
printf 'GET /download/a.bin HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaa\r\n\r\n' |
    $HTTPC --timeout 10 raw --trickle 0.2 "$PORT" >"$T/trickle" \
    2>"$T/trickle.err" &
p2=$!
# nothing at all: closed without a response.
printf '' | $HTTPC --timeout 10 raw "$PORT" >"$T/silent" 2>"$T/silent.err" &
p3=$!
track "$p1 $p2 $p3"
wait $p1 || fail "half head: $(cat "$T/half.err")"
wait $p2 || fail "trickle: $(cat "$T/trickle.err")"
wait $p3 || fail "silent client: $(cat "$T/silent.err")"

for c in half trickle; do
	head -n1 "$T/$c" | grep -q '^HTTP/1.1 408 ' ||
	    fail "$c: want 408, got '$(head -n1 "$T/$c")'"
	grep -qi '^Connection: close' "$T/$c" ||
	    fail "$c: 408 without Connection: close"
	t=$(tenths "$T/$c.err")
	[ "$t" -ge 8 ] && [ "$t" -le 40 ] ||
	    fail "$c: 408 after $t tenths of a second"
done
must_equal "$(size_of "$T/silent")" 0 "answer to a silent client"
t=$(tenths "$T/silent.err")
[ "$t" -ge 8 ] && [ "$t" -le 40 ] || fail "silent client closed after $t tenths"

# Idle keep-alive: the first answer, then a silent close.
$HTTPC conn --wait 4 "$PORT" /download/a.bin >"$T/out" || fail "keep-alive"
must_equal "$(tr '\n' '|' <"$T/out")" "1 200 1000 -|closed|" \
    "idle keep-alive connection"

# A reader that stops reading a 64 MB response for 2.5 s is dropped.
$HTTPC --timeout 20 stall "$PORT" /download/big.bin 2.5 >"$T/out" ||
    fail "stalled reader"
got=$(cut -d' ' -f1 "$T/out")
[ "$got" -lt 67108864 ] || fail "stalled reader got all $got bytes"

n=$(metric hauld_timeouts_total)
[ -n "$n" ] && [ "$n" -ge 5 ] || fail "timeouts_total is '$n', want >= 5"
must_equal "$(metric hauld_conn_open)" 1 "open connections (just /metrics)"

# A normal client is unaffected.
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "normal request"
log ok
