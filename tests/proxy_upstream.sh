# Scale-out (issue 12, item 4): two hauld serving the same files behind
# a standard load balancer, nginx's upstream block, and haulproxy pulling
# from the balancer: both hauld serve chunks, the file is byte-identical
# and verified (Repr-Digest passes through nginx), and when one hauld
# stops mid-download the balancer's retries keep it going to the end.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

SIZE=$((48 * 1024 * 1024))
bin_file "$ROOT/big.bin" "$SIZE"
bin_file "$ROOT/small.bin" $((8 * 1024 * 1024))
start_hauld
P1=$PORT PID1=$HAULD_PID WPID1=$HAULD_WPID
start_hauld
P2=$PORT PID2=$HAULD_PID WPID2=$HAULD_WPID
NGINX_HTTP_EXTRA="upstream hauls { server 127.0.0.1:$P1 max_fails=1 fail_timeout=30s; server 127.0.0.1:$P2 max_fails=1 fail_timeout=30s; keepalive 8; }"
NGINX_LOCATION="proxy_pass http://hauls; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off; proxy_next_upstream error timeout http_502 http_503;"
start_nginx
PROXY_DIR=$T/dl
mkdir -p "$PROXY_DIR"

# Let hauld hash the file first, so the download is verified.
curl -sSI -o /dev/null "$NGINX_URL/download/small.bin"
until_true 10 sh -c "curl -sSI '$NGINX_URL/download/small.bin' | grep -qi repr-digest" ||
    log "no Repr-Digest through nginx yet"
a0=$(hauld_served "$P1")
b0=$(hauld_served "$P2")
"$HAULPROXY" --fetch small.bin -o "$NGINX_URL" -D "$PROXY_DIR" -C 256k -j 4 \
    >"$T/out" 2>"$T/err" || fail "--fetch through nginx upstream: $(cat "$T/err")"
must_cmp "$PROXY_DIR/small.bin" "$ROOT/small.bin" "through the balancer"
a=$(($(hauld_served "$P1") - a0))
b=$(($(hauld_served "$P2") - b0))
log "hauld 1 served $a bytes, hauld 2 $b"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "one hauld served nothing ($a, $b)"
must_equal "$(cat "$T/out")" "sha-256: $(sha256sum "$ROOT/small.bin" | cut -c1-64)" \
    "verified through the balancer"

# One hauld stops mid-download: the balancer sends the rest to the other.
start_haulproxy -o "$NGINX_URL" -C 256k -j 2
# Both hauld are stepped and left stopped (with one alone, the other
# carries the whole file before the first is killed); hauld 1 is killed
# while stopped, then hauld 2 goes on.
w1=$(HAULD_PID=$PID1 worker_pids)
w2=$(HAULD_PID=$PID2 worker_pids)
b0=$(hauld_served "$P2")
done_at=$(freeze_at big.bin $((8 * 1024 * 1024)) $w1 $w2) || exit 1
log "frozen at $done_at bytes; stopping hauld 1"
# The download freeze_at started goes on by itself once thawed; the
# request in finish_without joins it, or finds it already done when
# hauld 2 was quicker.
finish_without "$PID1" "$done_at" "$b0" "$P2" "hauld 2" $w1 $w2
stop_haulproxy
stop_nginx
HAULD_PID=$PID2 HAULD_WPID=$WPID2
stop_hauld
log ok
