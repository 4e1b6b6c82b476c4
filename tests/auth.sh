# Authorization on both daemons (SPEC "Authorization"): bearer tokens,
# signed URLs (checked against an independent HMAC in python3), the
# 401/403 rules, /healthz open, hostile Authorization headers and signed
# queries, nothing secret in a log, SIGHUP re-reads (a bad file keeps the
# old set), a verified client certificate sufficing, haulproxy's own
# API, --origin-token and a signed query passed through to the origin.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"
. "$top_srcdir/tests/certs.sh"

TOK1=tok-ABCDEFGHIJKLmnopqrstuvwx-0001
TOK2=tok-zyxwvutsrqponmlkjihgfedcba-0002
TOK3=tok-NEWNEWNEWNEWNEWNEWNEW-0003
printf '# test tokens\n%s\n\n%s\r\n' "$TOK1" "$TOK2" >"$T/tokens"
KEY1=key-one-0123456789abcdefghijklmnopqrstuvwxyz
KEY2=key-two-0123456789abcdefghijklmnopqrstuvwxyz
printf '%s\n%s\n' "$KEY1" "$KEY2" >"$T/keys"
bin_file "$ROOT/a.bin" 1000000
bin_file "$ROOT/a b.bin" 1000

# sign KEY PATH EXPIRES: PATH?expires=E&sig=S, by python3's hmac.
sign()
{
	python3 - "$@" <<'PY'
import base64, hashlib, hmac, sys
key, path, exp = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
mac = hmac.new(key, (path + "\n" + exp).encode(), hashlib.sha256).digest()
sig = base64.urlsafe_b64encode(mac).decode().rstrip("=")
print("%s?expires=%s&sig=%s" % (path, exp, sig))
PY
}
now=$(date +%s)

# Refused at start: exit 2, the file and line named, no secret shown.
refused()
{
	_want=$1
	shift
	"$HAULD" -b 127.0.0.1 -p 0 -r "$ROOT" -w 1 "$@" >"$T/ref.out" 2>&1
	must_equal "$?" 2 "exit status of hauld $*"
	must_contain "$T/ref.out" "$_want" "message of hauld $*"
}
printf 'short-token\n' >"$T/short"
refused "line 1" --auth-tokens "$T/short"
must_not_contain "$T/ref.out" "short-token" "a refused token is not shown"
printf '%s\nshort-key\n' "$KEY1" >"$T/shortkey"
refused "line 2" --url-key "$T/shortkey"
must_not_contain "$T/ref.out" "short-key" "a refused key is not shown"
refused "$T/none" --auth-tokens "$T/none"
printf '# nothing\n\n' >"$T/empty"
refused "$T/empty" --auth-tokens "$T/empty"
refused "needs --url-key" --sign /download/a.bin

# --sign: what it prints is what python3 computes, and it is accepted.
s=$("$HAULD" --url-key "$T/keys" --sign "/download/a.bin" --ttl 100) ||
    fail "--sign"
e=$(echo "$s" | sed 's/.*expires=\([0-9]*\).*/\1/')
must_equal "$s" "$(sign "$KEY1" /download/a.bin "$e")" "--sign matches HMAC-SHA256"
[ "$e" -ge $((now + 99)) ] && [ "$e" -le $((now + 102)) ] ||
    fail "--ttl 100 gave expires $e at $now"

cp "$T/tokens" "$T/tokens.live"
start_hauld --auth-tokens "$T/tokens.live" --url-key "$T/keys" \
    -l "$T/access.log"
code()
{
	curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"
}
must_equal "$(code "$(url /healthz)")" 200 "/healthz stays open"
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_equal "$(status "$T/h")" 401 "no credentials"
must_equal "$(hdr "$T/h" WWW-Authenticate)" 'Bearer realm="haul"' "challenge"
must_equal "$(code "$(url /metrics)")" 401 "/metrics needs credentials"
must_equal "$(code "$(url /nothing)")" 401 "unknown paths need credentials"
must_equal "$(code -H "Authorization: Bearer $TOK1" "$(url /download/a.bin)")" \
    200 "first token"
must_equal "$(code -H "Authorization: bearer $TOK2" "$(url /download/a.bin)")" \
    200 "second token, scheme in lower case"
must_equal "$(code -H "Authorization: Bearer $TOK1" "$(url /metrics)")" \
    200 "/metrics with a token"
must_equal "$(code -H "Authorization: Bearer ${TOK1}x" "$(url /download/a.bin)")" \
    403 "wrong token"
must_equal "$(code -H "Authorization: Basic dXNlcjpwYXNz" "$(url /download/a.bin)")" \
    401 "another scheme is no credential"
must_equal "$(code "$(url "$s")")" 200 "hauld --sign's URL"
must_equal "$(code "$(url "$(sign "$KEY2" /download/a.bin $((now + 60)))")")" \
    200 "a URL signed with the second key (rotation)"
must_equal "$(code "$(url "$(sign "$KEY1" /download/a%20b.bin $((now + 60)))")")" \
    200 "a signed percent-encoded path"
must_equal "$(code "$(url "$(sign "$KEY1" /download/a.bin $((now - 1)))")")" \
    403 "an expired signed URL"
must_equal "$(code "$(url "$(sign "${KEY1}x" /download/a.bin $((now + 60)))")")" \
    403 "a URL signed with an unknown key"
must_equal "$(code "$(url "$s&x=1")")" 200 "other query parameters are allowed"

# Hostile Authorization headers and signed-URL queries: each a clean
# 401 or 403, never a 2xx, never a crash.
long=$(python3 -c 'print("A" * 9000)')
for h in "Bearer" "Bearer " "Bearer $TOK1 extra" \
    "Bearer $long" "Bearer tok#bad#characters#here" "Bearer =$TOK1" \
    "Bearer $TOK1==x" "Bearerx $TOK1" "$TOK1" "Bearer ${TOK1%?}"; do
	c=$(code -H "Authorization: $h" "$(url /download/a.bin)")
	case $c in
	401 | 403 | 431) ;;
	*) fail "Authorization: '$(echo "$h" | cut -c1-60)' got $c" ;;
	esac
done
sigv=${s##*sig=}
for q in "expires=$e" "sig=$sigv" "expires=$e&sig=$sigv&sig=$sigv" \
    "expires=$e&expires=$e&sig=$sigv" "expires=abc&sig=$sigv" \
    "expires=99999999999999999999999&sig=$sigv" "expires=-5&sig=$sigv" \
    "expires=$e&sig=${sigv}A" "expires=$e&sig=${sigv%?}" \
    "expires=$e&sig=" "expires=&sig=$sigv" "expires=$e&sig=%41%41" \
    "expires=$e&sig=$(python3 -c 'print("A" * 43)')" "expires=${e}0&sig=$sigv"; do
	c=$(code "$(url "/download/a.bin?$q")")
	must_equal "$c" 403 "signed query '$q'"
done
must_equal "$(code "$(url "/download/a%2Ebin?expires=$e&sig=$sigv")")" 403 \
    "a signature is for the path as encoded"
must_not_contain "$HAULD_LOG" "worker .* (died|killed|exited on signal)" \
    "no worker died"
must_equal "$(code -H "Authorization: Bearer $TOK1" "$(url /download/a.bin)")" \
    200 "serving after hostile credentials"

# Nothing secret in the logs.
sleep 0.3
for secret in "$TOK1" "$TOK2" "$KEY1" "$sigv"; do
	must_not_contain "$T/access.log" "$secret" "the access log"
	must_not_contain "$HAULD_LOG" "$secret" "the error log"
done
must_contain "$T/access.log" "sig=- " "sig written as -"

# SIGHUP: a new token file is taken; a bad one keeps the set in use.
printf '%s\n' "$TOK3" >"$T/tokens.live"
kill -HUP "$HAULD_PID"
until_true 10 grep -q "tokens.live re-read" "$HAULD_LOG" ||
    fail "no re-read logged"
new_token()
{
	[ "$(code -H "Authorization: Bearer $TOK3" "$(url /healthz)")" = 200 ] &&
	    [ "$(code -H "Authorization: Bearer $TOK3" "$(url /metrics)")" = 200 ]
}
until_true 10 new_token || fail "the new token is not accepted"
until_true 10 test "$(code -H "Authorization: Bearer $TOK1" "$(url /metrics)")" = 403 ||
    fail "a removed token still accepted"
printf 'short\n' >"$T/tokens.live"
kill -HUP "$HAULD_PID"
until_true 10 grep -q "set in use stays" "$HAULD_LOG" ||
    fail "a bad token file on SIGHUP is not logged"
sleep 1
must_equal "$(code -H "Authorization: Bearer $TOK3" "$(url /download/a.bin)")" \
    200 "old set kept after a bad SIGHUP"
stop_hauld

# With --tls-client-ca a verified client certificate is itself enough.
C=$T/certs
make_certs "$C" || fail "make_certs"
SCHEME=https
LIB_TLS_ARGS="--cacert $C/ca.pem --cert $C/cli.pem --key $C/cli.key"
start_hauld --auth-tokens "$T/tokens" --tls-cert "$C/srv.pem" \
    --tls-key "$C/srv.key" --tls-client-ca "$C/cca.pem"
must_equal "$(code $LIB_TLS_ARGS "$(url /download/a.bin)")" 200 \
    "a verified client certificate without a token"
stop_hauld

# haulproxy: its own API guarded; --origin-token; a signed query goes
# through to the origin unchanged (less sha256=).
SCHEME=http
LIB_TLS_ARGS=""
start_hauld --auth-tokens "$T/tokens" --url-key "$T/keys"
printf '# for the origin\n\n%s\n' "$TOK2" >"$T/origin-token"
PROXY_DIR=$T/dl
mkdir -p "$PROXY_DIR"
start_haulproxy --auth-tokens "$T/tokens" --url-key "$T/keys" \
    --origin-token "$T/origin-token" -l "$T/paccess.log"
must_equal "$(code "$(purl /healthz)")" 200 "haulproxy /healthz open"
fetch "$T/got" "$T/h" "$(purl /download/a.bin)"
must_equal "$(status "$T/h")" 401 "haulproxy without credentials"
must_equal "$(hdr "$T/h" WWW-Authenticate)" 'Bearer realm="haul"' "haulproxy challenge"
must_equal "$(code "$(purl /status)")" 401 "haulproxy /status"
must_equal "$(code "$(purl /metrics)")" 401 "haulproxy /metrics"
must_equal "$(code -H "Authorization: Bearer ${TOK1}y" "$(purl /status)")" \
    403 "haulproxy, wrong token"
fetch "$T/got" "$T/h" -H "Authorization: Bearer $TOK1" "$(purl /download/a.bin)"
must_equal "$(status "$T/h")" 200 "haulproxy with a token, origin token sent"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "downloaded with --origin-token"
ps=$(sign "$KEY1" /download/a%20b.bin $((now + 60)))
fetch "$T/got" "$T/h" "$(purl "$ps")"
must_equal "$(status "$T/h")" 200 "haulproxy signed URL"
must_equal "$(code "$(purl "$(sign "$KEY1" /download/a.bin $((now - 5)))")")" \
    403 "haulproxy expired signed URL"
stop_haulproxy
for secret in "$TOK1" "$TOK2" "${ps##*sig=}"; do
	must_not_contain "$T/paccess.log" "$secret" "haulproxy's access log"
	must_not_contain "$PROXY_LOG" "$secret" "haulproxy's error log"
done

# No origin token: the origin's 401 is named; a signed URL for the
# origin, handed to haulproxy, goes through with its query.
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"
start_haulproxy
fetch "$T/got" "$T/h" "$(purl /download/a.bin)"
must_equal "$(status "$T/h")" 502 "origin refused: 502"
must_contain "$T/got" "401" "the origin's 401 named"
os=$("$HAULD" --url-key "$T/keys" --sign /download/a.bin)
fetch "$T/got" "$T/h" \
    "$(purl "$os&sha256=$(sha256sum "$ROOT/a.bin" | cut -c1-64)")"
must_equal "$(status "$T/h")" 200 "signed query passed through ($(head -n 1 "$T/got"))"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "downloaded through a signed query"
stop_haulproxy
"$HAULPROXY" --fetch "http://127.0.0.1:$PORT$os" -O "$T/f.bin" \
    >"$T/out" 2>&1 || fail "--fetch of a signed URL: $(cat "$T/out")"
must_cmp "$T/f.bin" "$ROOT/a.bin" "--fetch of a signed URL"
stop_hauld
log ok
