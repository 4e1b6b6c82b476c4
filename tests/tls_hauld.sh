# hauld over TLS (SPEC "TLS (both daemons)"), with real clients: curl
# (--cacert, --cert, -k), openssl s_client (versions, ALPN, resumption
# across workers with -sess_out/-sess_in, client certificates), python3's
# ssl; hostile handshakes (tests/tls_hostile.py); refusals at start; the
# plain-HTTP 400; SIGHUP re-reading the files, keeping them when bad.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/certs.sh"

command -v openssl >/dev/null 2>&1 || fail "openssl is required"
C=$T/certs
make_certs "$C" || fail "make_certs"

# Refused at start, exit 2, the file named, nothing left running.
refused()
{
	_want=$1
	shift
	"$HAULD" -b 127.0.0.1 -p 0 -r "$ROOT" -w 1 "$@" >"$T/ref.out" 2>&1
	_rc=$?
	must_equal "$_rc" 2 "exit status of hauld $*"
	must_contain "$T/ref.out" "$_want" "message of hauld $*"
}
refused "$T/nope.pem" --tls-cert "$T/nope.pem" --tls-key "$C/srv.key"
refused "$C/garbage.pem" --tls-cert "$C/garbage.pem" --tls-key "$C/srv.key"
refused "does not match" --tls-cert "$C/srv.pem" --tls-key "$C/other.key"
refused "$C/garbage.pem" --tls-cert "$C/srv.pem" --tls-key "$C/srv.key" \
    --tls-client-ca "$C/garbage.pem"
refused "go together" --tls-cert "$C/srv.pem"
refused "needs --tls-cert" --tls-client-ca "$C/cca.pem"

bin_file "$ROOT/a.bin" 3000000
python3 -c 'import sys
for i in range(60000): sys.stdout.write("line %d of a text that compresses\n" % i)' \
    >"$ROOT/t.txt"
cp "$C/srv.pem" "$T/cert.pem"
cp "$C/srv.key" "$T/key.pem"
SCHEME=https
LIB_TLS_ARGS="--cacert $C/ca.pem"
CURL="$CURL $LIB_TLS_ARGS"
start_hauld -t 2 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" -v

# Bodies, byte for byte: whole, a range, multipart, gzip, TE: gzip, HEAD.
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "whole file over TLS"
fetch "$T/got" "$T/h" -r 100000-1299999 "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 206 "range over TLS"
slice "$ROOT/a.bin" 100000 1200000 >"$T/want"
must_cmp "$T/got" "$T/want" "range body over TLS"
fetch "$T/got" "$T/h" -r 0-9,1000-1009 "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 206 "multipart over TLS"
must_contain "$T/got" "Content-Range: bytes 1000-1009/3000000" "multipart part"
fetch "$T/got" "$T/h" --compressed -r 0-1999999 "$(url /download/t.txt)"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "gzip range over TLS"
slice "$ROOT/t.txt" 0 2000000 >"$T/want"
must_cmp "$T/got" "$T/want" "gzip range body over TLS"
fetch "$T/got" "$T/h" --tr-encoding "$(url /download/t.txt)"
must_equal "$(hdr "$T/h" Transfer-Encoding)" "gzip, chunked" "TE: gzip over TLS"
must_cmp "$T/got" "$ROOT/t.txt" "TE: gzip body over TLS"
fetch "$T/got" "$T/h" -I "$(url /download/a.bin)"
must_equal "$(hdr "$T/h" Content-Length)" 3000000 "HEAD over TLS"
# Keep-alive: two requests, one connection.
n=$($CURL -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$(url /download/a.bin)" "$(url /download/a.bin)" | tr -d '\n')
must_equal "$n" 10 "connections for two requests (curl num_connects 1 then 0)"
# Pipelined requests in one TLS stream.
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    openssl s_client -quiet -ign_eof -connect 127.0.0.1:$PORT -CAfile "$C/ca.pem" \
    >"$T/pipe" 2>/dev/null
must_equal "$(grep -c '^HTTP/1.1 200' "$T/pipe")" 2 "pipelined responses over TLS"

# python3's ssl, verifying the name.
python3 - "$PORT" "$C/ca.pem" "$ROOT/a.bin" <<'PY' || fail "python3 ssl client"
import http.client, ssl, sys, warnings
ctx = ssl.create_default_context(cafile=sys.argv[2])
c = http.client.HTTPSConnection("localhost", int(sys.argv[1]), context=ctx)
c.request("GET", "/download/a.bin", headers={"Range": "bytes=5-104"})
r = c.getresponse()
body = r.read()
want = open(sys.argv[3], "rb").read()[5:105]
assert r.status == 206 and body == want, (r.status, len(body))
assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
assert c.sock.selected_alpn_protocol() in (None, "http/1.1")
PY

# hauld reads records ahead: three requests, each its own TLS record,
# all in one TCP send (the third a HEAD), are each answered, and a
# response waits for no further bytes from the client.
python3 - "$PORT" "$C/ca.pem" <<'PY' || fail "records read ahead"
import re, socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
t = ctx.wrap_bio(inc, out, server_hostname="localhost")
def pump():
    data = out.read()
    if data:
        s.sendall(data)
while True:
    try:
        t.do_handshake()
        break
    except ssl.SSLWantReadError:
        pump()
        inc.write(s.recv(65536))
pump()
reqs = [b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /download/a.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n",
        b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"]
for r in reqs:
    t.write(r)  # one record each
s.sendall(out.read())
got = b""
while got.count(b"HTTP/1.1 ") < 3 or not got.endswith(b"\r\n\r\n"):
    try:
        got += t.read(65536)
    except ssl.SSLWantReadError:
        d = s.recv(65536)
        assert d, "closed after %d responses" % got.count(b"HTTP/1.1 ")
        inc.write(d)
codes = re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", got)
assert codes == [b"200", b"206", b"200"], codes
PY

# A plain-HTTP request: an unencrypted 400 naming the reason.
curl -sS --max-time 10 -D "$T/h" -o "$T/got" "http://127.0.0.1:$PORT/download/a.bin"
must_equal "$(status "$T/h")" 400 "plain HTTP to the TLS port"
must_contain "$T/got" "speaks TLS" "plain HTTP answer"

# openssl s_client: versions, ALPN, resumption across both workers.
# A request with "Connection: close" and -ign_eof: s_client prints its
# session once hauld has answered and closed, not when stdin ends (which
# can come before the handshake does on a loaded machine).
sc()
{
	printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	    openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$C/ca.pem" \
	    -ign_eof "$@" 2>&1
}
sc -tls1_2 >"$T/sc" ; must_contain "$T/sc" "Protocol *: TLSv1.2" "TLS 1.2"
sc -tls1_3 -alpn http/1.1 >"$T/sc"
must_contain "$T/sc" "Protocol *: TLSv1.3" "TLS 1.3"
must_contain "$T/sc" "ALPN protocol: http/1.1" "ALPN"
must_contain "$T/sc" "Verify return code: 0" "chain verified"
if sc -tls1_1 -cipher 'ALL:@SECLEVEL=0' >"$T/sc"; then
	must_not_contain "$T/sc" "Protocol *: TLSv1.1" "TLS 1.1 refused"
fi
sc -tls1_2 -sess_out "$T/sess" >"$T/sc"
reused=0
for i in 1 2 3 4 5 6; do
	sc -tls1_2 -sess_in "$T/sess" >"$T/sc"
	grep -q '^Reused' "$T/sc" && reused=$((reused + 1))
done
must_equal "$reused" 6 "TLS 1.2 ticket resumptions (of 6, two workers)"
# TLS 1.3: the ticket arrives after the handshake; s_client saves it once
# it has read it, so give it a request.
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$C/ca.pem" \
    -tls1_3 -ign_eof -sess_out "$T/sess13" >/dev/null 2>&1
reused=0
for i in 1 2 3 4; do
	sc -tls1_3 -sess_in "$T/sess13" >"$T/sc"
	grep -q '^Reused' "$T/sc" && reused=$((reused + 1))
done
must_equal "$reused" 4 "TLS 1.3 resumptions (of 4)"

# Hostile handshakes end by themselves (-t 2), the daemon keeps serving.
python3 "$top_srcdir/tests/tls_hostile.py" "$PORT" 2 >"$T/hostile" ||
    { cat "$T/hostile" >&2; fail "hostile handshakes"; }
fetch "$T/got" "$T/h" -r 0-99 "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 206 "serving after hostile handshakes"
must_not_contain "$HAULD_LOG" "worker .* (died|exited|killed)" "no worker died"
hs=$(metric hauld_tls_handshakes_total)
hf=$(metric hauld_tls_handshake_failures_total)
[ "${hs:-0}" -ge 10 ] || fail "tls_handshakes_total is '$hs'"
[ "${hf:-0}" -ge 5 ] || fail "tls_handshake_failures_total is '$hf'"
"$top_builddir/src/haulstat/haulstat" -1 "$HAULD_STATS" >"$T/hs" ||
    fail "haulstat"
must_contain "$T/hs" "tls_handshakes" "haulstat shows TLS counters"

# SIGHUP: a bad certificate is logged and the old one stays ...
cp "$C/garbage.pem" "$T/cert.pem"
kill -HUP "$HAULD_PID"
until_true 10 grep -q "files in use stay" "$HAULD_LOG" ||
    fail "no log line for a bad certificate on SIGHUP"
sleep 1
fetch "$T/got" "$T/h" -r 0-99 "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 206 "old certificate in use after a bad SIGHUP"
# ... and good new files are taken.
cp "$C/other.pem" "$T/cert.pem"
cp "$C/other.key" "$T/key.pem"
kill -HUP "$HAULD_PID"
until_true 10 grep -q "files re-read" "$HAULD_LOG" ||
    fail "no log line for re-read TLS files"
new_cert()
{
	curl -s --max-time 5 --cacert "$C/other-ca.pem" -o /dev/null \
	    "$(url /healthz)"
}
until_true 10 new_cert || fail "new certificate not served after SIGHUP"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"

# Mutual TLS: a certificate from the client CA gets in; none, or one
# from another CA, does not.
LIB_TLS_ARGS="--cacert $C/ca.pem --cert $C/cli.pem --key $C/cli.key"
start_hauld --tls-cert "$C/srv.pem" --tls-key "$C/srv.key" \
    --tls-client-ca "$C/cca.pem"
fetch "$T/got" "$T/h" --cert "$C/cli.pem" --key "$C/cli.key" \
    -r 0-99 "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 206 "client certificate accepted"
curl -s --max-time 10 --cacert "$C/ca.pem" -o /dev/null "$(url /healthz)" &&
    fail "no client certificate got in"
curl -s --max-time 10 --cacert "$C/ca.pem" --cert "$C/badcli.pem" \
    --key "$C/badcli.key" -o /dev/null "$(url /healthz)" &&
    fail "a client certificate from another CA got in"
sc -cert "$C/cli.pem" -key "$C/cli.key" >"$T/sc"
must_contain "$T/sc" "Verify return code: 0" "s_client with a client cert"
# -k: curl without verification still talks to it.
curl -s -k --max-time 10 --cert "$C/cli.pem" --key "$C/cli.key" \
    -o /dev/null "$(url /healthz)" || fail "curl -k"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status (mTLS)"
log ok
