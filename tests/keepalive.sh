# Proves connection persistence: HTTP/1.1 keeps the connection for
# several requests (curl reuses it across URLs; three requests pipelined
# in one send come back in order, byte-exact, and the connection stays
# open, also with 300 requests in one send), "Connection: close" closes it; HTTP/1.0 closes after each
# response (curl -0 connects anew) unless it asks for keep-alive, which
# is then honoured and acknowledged.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 10000
bin_file "$ROOT/big.bin" 2500000
text_file "$ROOT/c.txt" 3000
start_hauld

# curl: one connection for three URLs.
acc0=$(metric hauld_conn_accepted_total)
$CURL -w '%{num_connects} ' -o "$T/o1" -o "$T/o2" -o "$T/o3" \
    "$(url /download/a.bin)" "$(url /download/big.bin)" \
    "$(url /download/c.txt)" >"$T/n" || fail "curl three URLs"
must_equal "$(cat "$T/n")" "1 0 0 " "curl connects per URL"
must_cmp "$T/o1" "$ROOT/a.bin" "first body"
must_cmp "$T/o2" "$ROOT/big.bin" "second body"
must_cmp "$T/o3" "$ROOT/c.txt" "third body"
acc1=$(metric hauld_conn_accepted_total)
# The curl run and the second /metrics request: two connections.
must_equal $((acc1 - acc0)) 2 "connections accepted for curl's three URLs"

# Pipelining: three requests in one send.
$HTTPC conn --pipeline -o "$T/p" "$PORT" /download/a.bin /download/big.bin \
    /download/c.txt >"$T/out" || fail "pipelined requests"
must_equal "$(tr '\n' '|' <"$T/out")" \
    "1 200 10000 -|2 200 2500000 -|3 200 3000 -|open|" "pipelined answers"
must_cmp "$T/p.1" "$ROOT/a.bin" "pipelined body 1"
must_cmp "$T/p.2" "$ROOT/big.bin" "pipelined body 2"
must_cmp "$T/p.3" "$ROOT/c.txt" "pipelined body 3"

# Pipelined ranges and an error in the middle keep their order.
$HTTPC conn --pipeline -H 'Range: bytes=5-9' "$PORT" /download/a.bin \
    /download/missing /download/c.txt >"$T/out" || fail "pipelined mix"
must_equal "$(tr '\n' '|' <"$T/out")" \
    "1 206 5 -|2 404 10 -|3 206 5 -|open|" "pipelined mix"

# 300 pipelined requests (more than the 16 KB head buffer) in one send:
# all answered, in order, and the connection is still usable.
paths=$(awk 'BEGIN { for (i = 0; i < 300; i++)
    printf "%s ", (i % 3 == 2 ? "/healthz" : "/download/c.txt") }')
$HTTPC conn --pipeline "$PORT" $paths >"$T/out" || fail "300 pipelined requests"
must_equal "$(grep -c ' 200 ' "$T/out")" 300 "answers to 300 pipelined requests"
must_equal "$(awk 'NR % 3 == 0 && $3 != 3 || NR % 3 != 0 && NR <= 300 && $3 != 3000' "$T/out" |
    head -n 3)" "" "body lengths, in order"
must_equal "$(tail -n1 "$T/out")" open "connection after 300 pipelined requests"

# Sequential requests on one connection.
$HTTPC conn "$PORT" /download/a.bin /healthz /download/c.txt >"$T/out" ||
    fail "sequential requests"
must_equal "$(tr '\n' '|' <"$T/out")" "1 200 10000 -|2 200 3 -|3 200 3000 -|open|" \
    "sequential answers"

# HTTP/1.1 with Connection: close.
$HTTPC conn -H 'Connection: close' "$PORT" /download/a.bin /download/a.bin \
    >"$T/out" || fail "Connection: close"
must_equal "$(tr '\n' '|' <"$T/out")" "1 200 10000 close|2 closed-before-request|closed|" \
    "HTTP/1.1 Connection: close"

# HTTP/1.0: closed after one response.
$HTTPC conn --http10 "$PORT" /download/a.bin /download/a.bin >"$T/out" ||
    fail "HTTP/1.0"
must_equal "$(tr '\n' '|' <"$T/out")" "1 200 10000 close|2 closed-before-request|closed|" \
    "HTTP/1.0 without keep-alive"
$CURL -0 -D "$T/h" -w '%{num_connects} ' -o "$T/o1" -o "$T/o2" \
    "$(url /download/a.bin)" "$(url /download/c.txt)" >"$T/n" ||
    fail "curl -0"
must_equal "$(cat "$T/n")" "1 1 " "curl -0 connects per URL"
must_cmp "$T/o1" "$ROOT/a.bin" "curl -0 first body"
must_cmp "$T/o2" "$ROOT/c.txt" "curl -0 second body"
tr -d '\r' <"$T/h" | grep -q '^HTTP/1.[01] 200' || fail "curl -0 status"

# HTTP/1.0 with Connection: keep-alive: kept, and said so.
$HTTPC conn --http10 --keepalive "$PORT" /download/a.bin /download/c.txt \
    /download/a.bin >"$T/out" || fail "HTTP/1.0 keep-alive"
must_equal "$(tr '\n' '|' <"$T/out")" \
    "1 200 10000 keep-alive|2 200 3000 keep-alive|3 200 10000 keep-alive|open|" \
    "HTTP/1.0 with keep-alive"
$HTTPC conn --http10 --keepalive --pipeline "$PORT" /download/a.bin \
    /healthz >"$T/out" || fail "HTTP/1.0 keep-alive pipelined"
must_equal "$(tr '\n' '|' <"$T/out")" \
    "1 200 10000 keep-alive|2 200 3 keep-alive|open|" \
    "HTTP/1.0 keep-alive, pipelined"

log ok
