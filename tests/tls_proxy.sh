# haulproxy over TLS (SPEC "TLS (both daemons)"), with real peers: hauld
# and nginx (ssl) as https origins, curl and python3's ssl against its
# own TLS listener.  Verification against --cacert, each failure named
# and not retried (expired, wrong host, unknown CA, a non-TLS origin), -k,
# a client certificate for nginx's ssl_verify_client, a handshake that
# stalls, handshakes per download (<= j + 1, sessions resumed), a
# SIGKILL mid-download resumed over https, refusals at start.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"
. "$top_srcdir/tests/certs.sh"

command -v openssl >/dev/null 2>&1 || fail "openssl is required"
C=$T/certs
make_certs "$C" || fail "make_certs"
PROXY_DIR=$T/dl
mkdir -p "$PROXY_DIR"
bin_file "$ROOT/a.bin" 5000000

# Refused at start: exit 2, the file or rule named.
prefused()
{
	_want=$1
	shift
	"$HAULPROXY" -b 127.0.0.1 -p 0 -D "$PROXY_DIR" "$@" >"$T/ref.out" 2>&1
	must_equal "$?" 2 "exit status of haulproxy $*"
	must_contain "$T/ref.out" "$_want" "message of haulproxy $*"
}
prefused "$T/nope.pem" --cacert "$T/nope.pem" -o https://127.0.0.1:1
prefused "go together" --cert "$C/cli.pem" -o https://127.0.0.1:1
prefused "$C/garbage.pem" --tls-cert "$C/garbage.pem" --tls-key "$C/srv.key"
prefused "does not match" --tls-cert "$C/srv.pem" --tls-key "$C/other.key"
prefused "not with --fetch" --fetch https://127.0.0.1:1/x \
    --tls-cert "$C/srv.pem" --tls-key "$C/srv.key"

# hauld's counters from its stats file: asking /metrics would add a
# handshake of its own.
hstat()
{
	"$top_builddir/src/haulstat/haulstat" -1 "$HAULD_STATS" |
	    awk -v n="$1" '$1 == n { print $2 }'
}

# hauld over TLS as the origin.
SCHEME=https
LIB_TLS_ARGS="--cacert $C/ca.pem"
CURL="$CURL $LIB_TLS_ARGS"
start_hauld --tls-cert "$C/srv.pem" --tls-key "$C/srv.key"
ORIGIN=https://localhost:$PORT

# --fetch: byte for byte, with few handshakes, most of them resumed.
hs0=$(hstat tls_handshakes)
rs0=$(hstat tls_resumed)
"$HAULPROXY" --fetch "$ORIGIN/download/a.bin" -D "$PROXY_DIR" \
    --cacert "$C/ca.pem" -C 256k -j 4 >"$T/out" 2>&1 ||
    fail "--fetch over https: $(cat "$T/out")"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "--fetch over https"
hs=$(($(hstat tls_handshakes) - hs0))
rs=$(($(hstat tls_resumed) - rs0))
log "--fetch -j 4 of 20 chunks: $hs handshakes, $rs resumed"
[ "$hs" -ge 1 ] && [ "$hs" -le 5 ] || fail "$hs handshakes for -j 4 (want <= 5)"
[ "$rs" -ge 1 ] || fail "no session resumed ($hs handshakes)"
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"

# No --cacert: the system store does not know the test CA; named, fast,
# one attempt (hauld saw one failed handshake, not a retry per chunk).
hf0=$(hstat tls_handshake_failures)
"$HAULPROXY" --fetch "$ORIGIN/download/a.bin" -D "$PROXY_DIR" -r 3 \
    >"$T/out" 2>&1 && fail "--fetch without the CA succeeded"
must_contain "$T/out" "certificate verify failed" "unknown CA named"
must_contain "$T/out" "502" "unknown CA: 502"
hf=$(($(hstat tls_handshake_failures) - hf0))
[ "$hf" -le 1 ] || fail "$hf handshakes failed: verification was retried"
# -k: no verification, and the log says so.
"$HAULPROXY" --fetch "$ORIGIN/download/a.bin" -D "$PROXY_DIR" -k -v \
    >"$T/out" 2>&1 || fail "--fetch -k: $(cat "$T/out")"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "--fetch -k"
must_contain "$T/out" "not verified" "-k is logged"
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"

# The daemon, -o https://: a download, then SIGKILL mid-download and
# a resume over https.
bin_file "$ROOT/big.bin" $((48 * 1024 * 1024))
start_haulproxy -o "$ORIGIN" --cacert "$C/ca.pem" -C 256k -j 2
pget_ok a.bin "$T/body" "$T/hdr" "download through -o https"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "daemon download over https"
workers=$(worker_pids)
done_at=$(freeze_at big.bin $((4 * 1024 * 1024)) $workers) || exit 1
until_true 10 journal_has_chunks "$PROXY_DIR/.big.bin.journal" ||
    fail "journal records no durable chunk"
kill -KILL "$PROXY_PID"
wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
thaw $workers
start_haulproxy -o "$ORIGIN" --cacert "$C/ca.pem" -C 256k -j 2
pget_ok big.bin "$T/body" "$T/hdr" "resumed download over https"
must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "resumed file over https"
resumed=$(body_field "$T/body" resumed-from)
[ "$resumed" -gt 0 ] || fail "resumed-from is $resumed"
stop_haulproxy

# nginx with ssl as the origin: verified; expired and wrong-host
# certificates refused with the reason; a client certificate when nginx
# asks for one.
if "$NGINX" -V 2>&1 | grep -q http_ssl_module; then
	NGINX_SCHEME=https
	NGINX_LISTEN_EXTRA=ssl
	nginx_cert()
	{
		NGINX_SERVER_EXTRA="ssl_certificate $1; ssl_certificate_key $C/srv.key; $2"
		start_nginx
	}
	nginx_cert "$C/srv.pem"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/n.bin" --cacert "$C/ca.pem" >"$T/out" 2>&1 ||
	    fail "--fetch from nginx ssl: $(cat "$T/out")"
	must_cmp "$T/n.bin" "$ROOT/a.bin" "--fetch from nginx over https"
	stop_nginx
	nginx_cert "$C/expired.pem"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/x.bin" --cacert "$C/ca.pem" >"$T/out" 2>&1 &&
	    fail "an expired certificate was accepted"
	must_contain "$T/out" "expired" "expired certificate named"
	stop_nginx
	nginx_cert "$C/wronghost.pem"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/x.bin" --cacert "$C/ca.pem" >"$T/out" 2>&1 &&
	    fail "a certificate for another host was accepted"
	must_contain "$T/out" "mismatch|verify failed" "wrong host named"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/x.bin" -k >"$T/out" 2>&1 ||
	    fail "-k with a wrong-host certificate: $(cat "$T/out")"
	stop_nginx
	nginx_cert "$C/srv.pem" "ssl_client_certificate $C/cca.pem; ssl_verify_client on;"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/c.bin" --cacert "$C/ca.pem" --cert "$C/cli.pem" \
	    --key "$C/cli.key" >"$T/out" 2>&1 ||
	    fail "--fetch with a client certificate: $(cat "$T/out")"
	must_cmp "$T/c.bin" "$ROOT/a.bin" "client certificate to nginx"
	"$HAULPROXY" --fetch "https://localhost:$NPORT/download/a.bin" \
	    -O "$T/c2.bin" --cacert "$C/ca.pem" >"$T/out" 2>&1 &&
	    fail "nginx served without the client certificate"
	stop_nginx
else
	fail "nginx has no ssl module"
fi

# Origins that are not TLS servers: one that answers plain HTTP, one
# that never answers the ClientHello (-t 2, -r 0: 504, not a hang).
python3 - "$T/plain.port" "$T/stall.port" <<'PY' &
import socket, sys, threading, time
def serve(path, answer):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
    open(path, "w").write(str(s.getsockname()[1]))
    s.settimeout(60)
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            return
        if answer:
            c.recv(4096)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            c.close()
        else:
            threading.Timer(30, c.close).start()
threading.Thread(target=serve, args=(sys.argv[1], True), daemon=True).start()
threading.Thread(target=serve, args=(sys.argv[2], False), daemon=True).start()
time.sleep(60)
PY
track $!
until_true 10 test -s "$T/stall.port" || fail "no fake origins"
"$HAULPROXY" --fetch "https://127.0.0.1:$(cat "$T/plain.port")/download/a.bin" \
    -O "$T/p.bin" --cacert "$C/ca.pem" >"$T/out" 2>&1 &&
    fail "a plain-HTTP origin passed for https"
must_contain "$T/out" "TLS" "non-TLS origin named"
"$HAULPROXY" --fetch "https://127.0.0.1:$(cat "$T/stall.port")/download/a.bin" \
    -O "$T/s.bin" --cacert "$C/ca.pem" -t 2 -r 0 >"$T/out" 2>&1 &&
    fail "a stalling origin passed"
must_contain "$T/out" "timed out" "stalled handshake named"

# haulproxy's own listener over TLS, with client certificates.
PSCHEME=https
PROXY_TLS_ARGS="--cacert $C/ca.pem --cert $C/cli.pem --key $C/cli.key"
cp "$C/srv.pem" "$T/pcert.pem"
start_haulproxy -o "$ORIGIN" --cacert "$C/ca.pem" -t 2 \
    --tls-cert "$T/pcert.pem" --tls-key "$C/srv.key" --tls-client-ca "$C/cca.pem"
rm -f "$PROXY_DIR/a.bin"
pget a.bin "$T/body" "$T/hdr" $PROXY_TLS_ARGS
must_equal "$(status "$T/hdr")" 200 "download through the TLS listener"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "download through the TLS listener"
curl -s --max-time 10 --cacert "$C/ca.pem" -o /dev/null "$(purl /healthz)" &&
    fail "the listener let in a client without a certificate"
curl -s --max-time 10 -D "$T/h" -o "$T/got" "http://127.0.0.1:$PPORT/healthz"
must_equal "$(status "$T/h")" 400 "plain HTTP to the TLS listener"
must_contain "$T/got" "speaks TLS" "plain HTTP answer"
python3 - "$PPORT" "$C" <<'PY' || fail "python3 ssl with a client certificate"
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2] + "/ca.pem")
ctx.load_cert_chain(sys.argv[2] + "/cli.pem", sys.argv[2] + "/cli.key")
c = http.client.HTTPSConnection("localhost", int(sys.argv[1]), context=ctx)
c.request("GET", "/status")
r = c.getresponse()
assert r.status == 200, r.status
PY
python3 "$top_srcdir/tests/tls_hostile.py" "$PPORT" 2 >"$T/hostile" ||
    { cat "$T/hostile" >&2; fail "hostile handshakes on the listener"; }
curl -sS --max-time 10 $PROXY_TLS_ARGS -o /dev/null "$(purl /healthz)" ||
    fail "listener gone after hostile handshakes"
# SIGHUP: a bad file is logged and the old ones stay in use.
cp "$C/garbage.pem" "$T/pcert.pem"
kill -HUP "$PROXY_PID"
until_true 10 grep -q "files in use stay" "$PROXY_LOG" ||
    fail "no log line for a bad certificate on SIGHUP"
curl -sS --max-time 10 $PROXY_TLS_ARGS -o /dev/null "$(purl /healthz)" ||
    fail "listener lost its certificate on a bad SIGHUP"
stop_haulproxy
must_equal "$PROXY_STATUS" 0 "haulproxy exit status"

# --upload over TLS: the PATCH bodies go through hclient's TLS write
# buffer (sendfile only serves plain connections); the second PATCH
# starts at 64 MiB.
printf 'tls-push-token-0123456789\n' >"$T/ptokens"
mkdir -p "$T/up"
start_hauld --tls-cert "$C/srv.pem" --tls-key "$C/srv.key" -U "$T/up" \
    --auth-tokens "$T/ptokens"
bin_file "$T/push.bin" $((64 * 1024 * 1024 + 4097))
"$HAULPROXY" --upload "$T/push.bin" -o "https://localhost:$PORT" \
    --cacert "$C/ca.pem" --origin-token "$T/ptokens" -D "$T" \
    >"$T/out" 2>"$T/err" || fail "--upload over TLS: $(cat "$T/err")"
must_cmp "$T/up/push.bin" "$T/push.bin" "pushed over TLS"
"$HAULPROXY" --upload "$T/push.bin" -o "https://localhost:$PORT" \
    --origin-token "$T/ptokens" -D "$T" >"$T/out" 2>"$T/err" &&
    fail "--upload to an unknown CA succeeded"
must_contain "$T/err" "certificate verify failed" "--upload: the TLS failure named"
log ok
