# Several origins (SPEC "Several origins", issue 12 item 3): haulproxy
# given -o twice pulls chunks from both hauld; a dead origin, one with
# another size, one with another digest and one without the file are
# left out and the download succeeds; one origin killed mid-download
# leaves the other to finish it; /status, /metrics and haulstat show
# each origin.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

SIZE=$((24 * 1024 * 1024))
bin_file "$ROOT/big.bin" "$SIZE"
start_hauld
PA=$PORT PIDA=$HAULD_PID
start_hauld
PB=$PORT PIDB=$HAULD_PID
A=http://127.0.0.1:$PA
B=http://127.0.0.1:$PB
PROXY_DIR=$T/dl
mkdir -p "$PROXY_DIR"

# digested PORT: hauld on PORT sends big.bin's Repr-Digest (hashed).
digested()
{
	curl -sSI --max-time 5 -H 'Want-Repr-Digest: sha-256=10' \
	    "http://127.0.0.1:$1/download/big.bin" | grep -qi '^repr-digest'
}
cli_fetch()
{
	rm -f "$PROXY_DIR/big.bin" "$PROXY_DIR/.big.bin.journal" \
	    "$PROXY_DIR/.big.bin.part"
	"$HAULPROXY" --fetch big.bin -D "$PROXY_DIR" -C 256k -j 4 -v "$@" \
	    >"$T/out" 2>"$T/err"
}

# Both serve, and the file is verified against the reference's digest.
until_true 20 digested "$PA" || fail "hauld A never sent a digest"
until_true 20 digested "$PB" || fail "hauld B never sent a digest"
a0=$(hauld_served "$PA")
b0=$(hauld_served "$PB")
cli_fetch -o "$A" -o "$B" || fail "--fetch -o A -o B: $(cat "$T/err")"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "from two origins"
must_equal "$(cat "$T/out")" "sha-256: $(sha256sum "$ROOT/big.bin" | cut -c1-64)" \
    "verified"
a=$(($(hauld_served "$PA") - a0))
b=$(($(hauld_served "$PB") - b0))
log "A served $a bytes, B $b"
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "an origin served nothing ($a, $b)"
[ $((a + b)) -lt $((2 * SIZE)) ] || fail "served $((a + b)) for $SIZE"

# A dead origin first in -o order: left out, B is the reference.
DEAD=http://127.0.0.1:$(free_port)
cli_fetch -o "$DEAD" -o "$B" || fail "--fetch -o dead -o B: $(cat "$T/err")"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "a dead origin left out"
must_contain "$T/err" "127.0.0.1:${DEAD##*:} left out" "the dead origin named"

# Another size, another digest, no such file: each left out.
mkdir -p "$T/r-size" "$T/r-dig" "$T/r-none"
bin_file "$T/r-size/big.bin" $((SIZE - 1))
head -c "$SIZE" /dev/urandom >"$T/r-dig/big.bin"
start_hauld -r "$T/r-size"
PS=$PORT
start_hauld -r "$T/r-dig"
PD=$PORT
start_hauld -r "$T/r-none"
PN=$PORT
until_true 20 digested "$PD" || fail "hauld D never sent a digest"
d0=$(hauld_served "$PD")
s0=$(hauld_served "$PS")
cli_fetch -o "$A" -o "http://127.0.0.1:$PS" -o "http://127.0.0.1:$PD" \
    -o "http://127.0.0.1:$PN" || fail "--fetch with three bad mirrors: $(cat "$T/err")"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "bad mirrors left out"
must_contain "$T/err" "127.0.0.1:$PS left out: another size" "another size named"
must_contain "$T/err" "127.0.0.1:$PD left out: another digest" "another digest named"
must_contain "$T/err" "127.0.0.1:$PN left out: HEAD answered 404" "404 named"
must_equal "$(($(hauld_served "$PD") - d0)) $(($(hauld_served "$PS") - s0))" "0 0" \
    "left-out origins served no chunk"

# Two throttled origins (tests/origin.py, --rate per response): each
# carries a share in proportion to its rate, whatever the order.
bin_file "$T/thr.bin" $((12 * 1024 * 1024))
start_origin "$T/thr.bin" big.bin --rate 1000000
OA=$ORIGIN_URL OPA=$ORIGIN_PID
start_origin "$T/thr.bin" big.bin --rate 3000000
OB=$ORIGIN_URL OPB=$ORIGIN_PID
cli_fetch -o "$OA" -o "$OB" --no-gzip || fail "two throttled origins: $(cat "$T/err")"
must_cmp "$PROXY_DIR/big.bin" "$T/thr.bin" "from two throttled origins"
sa=$(ORIGIN_URL=$OA ostat bytes)
sb=$(ORIGIN_URL=$OB ostat bytes)
log "throttled 1:3: A carried $sa bytes, B $sb"
python3 -c 'import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); s = b / (a + b)
sys.exit(0 if 0.6 <= s <= 0.9 else 1)' "$sa" "$sb" ||
    fail "B, three times as fast, carried $sb of $((sa + sb)) bytes"
ORIGIN_PID=$OPA stop_origin
ORIGIN_PID=$OPB stop_origin

# The daemon: per-origin rows in /status while frozen, in /metrics after;
# then A is killed mid-download and B finishes the file.
rm -f "$PROXY_DIR/big.bin" "$PROXY_DIR/.big.bin.journal"
PROXY_ORIGIN=$A
start_haulproxy -o "$B" -C 256k -j 4
wa=$(HAULD_PID=$PIDA worker_pids)
wb=$(HAULD_PID=$PIDB worker_pids)
b0=$(hauld_served "$PB")
done_at=$(freeze_at big.bin $((4 * 1024 * 1024)) $wa $wb) || exit 1
curl -sS --max-time 10 "$(purl /status)" >"$T/status"
python3 - "$T/status" "$A" "$B" <<'PY' || fail "/status: $(cat "$T/status")"
import json, sys
st = json.load(open(sys.argv[1]))
o = st[0]["origins"]
assert [x["url"] for x in o] == sys.argv[2:], o
assert all(x["in"] for x in o), o
assert o[0]["reference"] and not o[1]["reference"], o
PY
log "frozen at $done_at bytes; killing hauld A"
finish_without "$PIDA" "$done_at" "$b0" "$PB" B $wa $wb
curl -sS --max-time 10 "$(purl /metrics)" >"$T/metrics"
for u in "$A" "$B"; do
	grep -q "^haulproxy_origin_bytes_total{origin=\"$u\"} [1-9]" "$T/metrics" ||
	    fail "/metrics: no bytes for $u"
done
grep -q "^haulproxy_origin_failures_total{origin=\"$A\"} [1-9]" "$T/metrics" ||
    fail "/metrics: no failure counted for the killed origin"
# haulstat reads the same per-origin counters from the stats file.
timeout 5 "$HAULSTAT" -1 "$PROXY_STATS" >"$T/hs" 2>&1 || fail "haulstat: $(cat "$T/hs")"
for u in "$A" "$B"; do
	awk -v u="$u" '$1 == u && $2 > 0 { f = 1 } END { exit !f }' "$T/hs" ||
	    fail "haulstat: no row with bytes for $u: $(cat "$T/hs")"
done
timeout 5 "$HAULSTAT" -1 -j "$PROXY_STATS" >"$T/hsj" 2>&1 || fail "haulstat -j"
python3 - "$T/hsj" "$A" "$B" <<'PY' || fail "haulstat -j origins: $(cat "$T/hsj")"
import json, sys
o = {x["url"]: x for x in json.load(open(sys.argv[1]))["origins"]}
assert all(o[u]["bytes"] > 0 and o[u]["chunks"] > 0 for u in sys.argv[2:]), o
assert o[sys.argv[2]]["failures"] > 0, o
PY
stop_haulproxy

# kill -9 of haulproxy mid-download, then the same -o set resumes.
start_hauld
PC=$PORT PIDC=$HAULD_PID
C=http://127.0.0.1:$PC
rm -f "$PROXY_DIR/big.bin" "$PROXY_DIR/.big.bin.journal"
PROXY_ORIGIN=$B
start_haulproxy -o "$C" -C 256k -j 4
wb=$(HAULD_PID=$PIDB worker_pids)
wc=$(HAULD_PID=$PIDC worker_pids)
done_at=$(freeze_at big.bin $((4 * 1024 * 1024)) $wb $wc) || exit 1
until_true 10 journal_has_chunks "$PROXY_DIR/.big.bin.journal" ||
    fail "journal records no durable chunk 10 s after $done_at bytes"
kill -KILL "$PROXY_PID"
wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
thaw $wb $wc
start_haulproxy -o "$C" -C 256k -j 4
pget_ok big.bin "$T/body" "$T/hdr" "resumed from two origins"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "resumed file"
r=$(body_field "$T/body" resumed-from)
log "resumed from $r after $done_at bytes"
[ "$r" -gt 0 ] || fail "resumed-from is $r: the journal was not used"
stop_haulproxy
log ok
