# Uploads into hauld (SPEC "Uploads", tus 1.0.0): real clients (curl by
# hand, tus-js-client from npm), durability across kill -9 of hauld,
# two hauld sharing one upload directory, and hostile requests: bad
# offsets, lengths, checksums, metadata, names that escape, a body
# longer than declared, a body that stalls.  Needs node and npm for the
# tus-js-client part: exits 77 (skip) only when npm is missing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=upload-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/tokens"
printf 'upload-url-key-0123456789abcdefghijklmnop\n' >"$T/keys"
UP=$T/up
mkdir -p "$UP"
A="Authorization: Bearer $TOKEN"
TR="Tus-Resumable: 1.0.0"
OCT="Content-Type: application/offset+octet-stream"

# Writes need credentials: refused at start without them.
"$HAULD" -b 127.0.0.1 -p 0 -r "$ROOT" -w 1 -U "$UP" >"$T/ref" 2>&1
must_equal "$?" 2 "-U without credentials: exit 2"
must_contain "$T/ref" "auth-tokens" "the message names the options"

start_hauld -t 3 -U "$UP" --auth-tokens "$T/tokens" --upload-max 64m -v \
    --url-key "$T/keys"
U=$(url /uploads/)

code()
{
	curl -s --max-time 20 -o "$T/body" -D "$T/h" -w '%{http_code}' "$@"
}
# create LEN NAME [curl args]: POST; LOC gets the Location.
create()
{
	_len=$1
	_name=$2
	shift 2
	c=$(code -X POST -H "$A" -H "$TR" -H "Upload-Length: $_len" \
	    -H "Upload-Metadata: filename $(printf '%s' "$_name" | base64 -w0)" \
	    "$@" "$U")
	LOC=$(hdr "$T/h" Location)
}
offset()
{
	curl -s --max-time 10 -I -H "$A" -H "$TR" "$1" | tr -d '\r' |
	    sed -n 's/^Upload-Offset: //p'
}

must_equal "$(code -X POST -H "$TR" -H 'Upload-Length: 5' "$U")" 401 "no token"
must_equal "$(code -X OPTIONS -H "$A" "$U")" 204 "OPTIONS"
must_equal "$(hdr "$T/h" Tus-Version)" 1.0.0 "Tus-Version"
must_equal "$(hdr "$T/h" Tus-Max-Size)" 67108864 "Tus-Max-Size"
must_contain "$T/h" "Tus-Extension: .*creation-defer-length" "Tus-Extension"

# By hand, as README shows: POST, PATCH in two parts, HEAD, published.
printf 'hello, world\n' >"$T/hello"
create 13 "dir/hello.txt"
must_equal "$c" 201 "POST"
case $LOC in "http://127.0.0.1:$PORT/uploads/"*) ;; *) fail "Location $LOC" ;; esac
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary 'hello, ' "$LOC")" 204 "first PATCH"
must_equal "$(hdr "$T/h" Upload-Offset)" 7 "offset after the first PATCH"
must_equal "$(offset "$LOC")" 7 "HEAD"
[ -e "$UP/dir/hello.txt" ] && fail "published before it was whole"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 7' \
    -H "Upload-Checksum: sha256 $(printf 'world\n' | openssl dgst -sha256 -binary | base64)" \
    --data-binary 'world
' "$LOC")" 204 "checksummed last PATCH"
must_cmp "$UP/dir/hello.txt" "$T/hello" "published file"
c=$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 13' "$LOC")
must_equal "$c" 409 "PATCH after the end"

# Protocol errors.
create 10 e.bin
must_equal "$(code -X PATCH -H "$A" -H "$OCT" -H 'Upload-Offset: 0' -d x "$LOC")" \
    412 "no Tus-Resumable"
must_equal "$(hdr "$T/h" Tus-Version)" 1.0.0 "412 names the version"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H 'Content-Type: text/plain' \
    -H 'Upload-Offset: 0' -d x "$LOC")" 415 "wrong Content-Type"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 3' \
    -d x "$LOC")" 409 "wrong offset"
for o in -1 +0 "" 1e3 99999999999999999999 "0 0" 0x0; do
	c=$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H "Upload-Offset: $o" -d x "$LOC")
	case $c in 400 | 409) ;; *) fail "Upload-Offset '$o' got $c" ;; esac
done
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary 0123456789ABC "$LOC")" 400 "body longer than Upload-Length"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    -H "Upload-Checksum: sha1 $(printf other | openssl sha1 -binary | base64)" \
    --data-binary 01234 "$LOC")" 460 "checksum mismatch"
must_equal "$(offset "$LOC")" 0 "a mismatched PATCH leaves nothing"
for ck in "sha1" "sha1 !!!" "sha1 $(printf x | base64)" "blake3 AAAA" "md5"; do
	c=$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
	    -H "Upload-Checksum: $ck" --data-binary 01234 "$LOC")
	must_equal "$c" 400 "Upload-Checksum '$ck'"
done
must_equal "$(code -I -H "$A" -H "$TR" "$U/0123456789abcdef0123456789abcdef")" 404 "unknown upload"
must_equal "$(code -I -H "$A" -H "$TR" "$U/../etc")" 404 "not an id"
must_equal "$(code -X DELETE -H "$A" -H "$TR" "$LOC")" 204 "DELETE"
must_equal "$(code -I -H "$A" -H "$TR" "$LOC")" 404 "deleted"
for l in -1 abc "" 1.5; do
	c=$(code -X POST -H "$A" -H "$TR" -H "Upload-Length: $l" "$U")
	must_equal "$c" 400 "Upload-Length '$l'"
done
must_equal "$(code -X POST -H "$A" -H "$TR" -H 'Upload-Length: 67108865' "$U")" \
    413 "larger than --upload-max"
ln -s /tmp "$UP/link"
for n in ../x /etc/passwd .haul/x a/../../b 'a\b' link/x; do
	create 3 "$n"
	must_equal "$c" 400 "filename '$n'"
done
for m in "filename !!" "filename eA==,filename eA==" "a b c" ","; do
	c=$(code -X POST -H "$A" -H "$TR" -H 'Upload-Length: 3' \
	    -H "Upload-Metadata: $m" "$U")
	must_equal "$c" 400 "Upload-Metadata '$m'"
done
# With the upload directory under --root, .haul is never served.
cp "$T/hello" "$ROOT/x.txt"
must_equal "$(code -H "$A" "$(url /download/x.txt)")" 200 "a file is served"
mkdir -p "$ROOT/.haul"
cp "$T/hello" "$ROOT/.haul/y.part"
must_equal "$(code -H "$A" "$(url /download/.haul/y.part)")" 404 ".haul not served"
# A long name (1800 bytes, in folders of 200) survives the state file.
long=$(python3 -c 'print("/".join(["n%d" % i + "x" * 198 for i in range(9)]))')
create 3 "$long"
must_equal "$c" 201 "a long name"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary abc "$LOC")" 204 "a long name's PATCH"
must_equal "$(cat "$UP/$long")" abc "a long name published"
# Created through a signed URL (no token): the Location is signed alike,
# with the same expires, and works on its own; a changed one does not.
su=$("$HAULD" --url-key "$T/keys" --sign /uploads/ --ttl 300)
c=$(code -X POST -H "$TR" -H 'Upload-Length: 4' \
    -H "Upload-Metadata: filename $(printf s.bin | base64)" "$(url "$su")")
must_equal "$c" 201 "creation by a signed URL"
LOC=$(hdr "$T/h" Location)
case $LOC in *"/uploads/"*"?expires=${su##*expires=}") fail "Location not re-signed: $LOC" ;; esac
case $LOC in *"?expires=$(echo "$su" | sed 's/.*expires=\([0-9]*\).*/\1/')&sig="*) ;;
*) fail "Location not signed with the same expires: $LOC" ;; esac
must_equal "$(code -X PATCH -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary abcd "$LOC")" 204 "PATCH through the signed Location"
must_equal "$(cat "$UP/s.bin")" abcd "published through a signed Location"
must_equal "$(code -I -H "$TR" "${LOC%?}")" 403 "a changed signed Location"
# Empty: published at creation.  Deferred length.  With the first bytes.
create 0 empty.bin
must_equal "$c" 201 "empty upload"
[ -f "$UP/empty.bin" ] && [ ! -s "$UP/empty.bin" ] || fail "empty upload not published"
c=$(code -X POST -H "$A" -H "$TR" -H 'Upload-Defer-Length: 1' \
    -H "Upload-Metadata: filename $(printf d.bin | base64)" "$U")
LOC=$(hdr "$T/h" Location)
must_equal "$c" 201 "deferred length"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    -H 'Upload-Length: 6' --data-binary abc "$LOC")" 204 "length given later"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 3' \
    --data-binary def "$LOC")" 204 "deferred upload finished"
must_equal "$(cat "$UP/d.bin")" abcdef "deferred upload published"
c=$(code -X POST -H "$A" -H "$TR" -H 'Upload-Length: 4' -H "$OCT" \
    -H "Upload-Metadata: filename $(printf w.bin | base64)" --data-binary wxyz "$U")
must_equal "$c" 201 "creation-with-upload"
must_equal "$(hdr "$T/h" Upload-Offset)" 4 "creation-with-upload offset"
must_equal "$(cat "$UP/w.bin")" wxyz "creation-with-upload published"

# A body that stalls: what came is kept and durable (-t 3).
create 100000 stall.bin
python3 - "$PORT" "$LOC" "$TOKEN" <<'PY'
import socket, sys, time, urllib.parse
port, loc, tok = int(sys.argv[1]), sys.argv[2], sys.argv[3]
path = urllib.parse.urlparse(loc).path
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
           "Content-Type: application/offset+octet-stream\r\n"
           "Content-Length: 100000\r\n\r\n" % (path, tok)).encode() + b"s" * 4000)
t0 = time.monotonic()
s.settimeout(10)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
assert time.monotonic() - t0 < 9, "a stalled body was not timed out"
PY
[ $? = 0 ] || fail "stalled PATCH"
must_equal "$(offset "$LOC")" 4000 "a stalled PATCH keeps what came"

# A client that reconnects while its old PATCH still looks open: its
# HEAD, then its PATCH, take over at once (well before -t 3), the old
# connection ends unanswered, and the bytes it brought are kept.
create 10000 takeover.bin
stale()
{
	python3 - "$PORT" "$1" "$TOKEN" "$2" "$3" "$T/stale.$2" <<'PY' &
import socket, sys, time, urllib.parse
port, loc, tok, off, n, out = sys.argv[1:7]
path = urllib.parse.urlparse(loc).path
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(("PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Tus-Resumable: 1.0.0\r\nUpload-Offset: %s\r\n"
           "Content-Type: application/offset+octet-stream\r\n"
           "Content-Length: %d\r\n\r\n" % (path, tok, off, 10000 - int(off))).encode()
          + b"t" * int(n))
s.settimeout(10)
try:
    got = s.recv(4096)
except OSError:
    got = b"error"
open(out, "w").write(("answered " + got.decode(errors="replace").split("\r\n")[0]) if got else "closed")
PY
	track $!
	sleep 0.5
}
stale "$LOC" 0 5000
t0=$(date +%s%N)
must_equal "$(offset "$LOC")" 5000 "HEAD took over from the stale PATCH"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 2500 ] || fail "the takeover waited for the timeout"
until_true 5 test -s "$T/stale.0" || fail "the stale PATCH's client heard nothing"
must_equal "$(cat "$T/stale.0")" closed "the stale PATCH ended unanswered"
stale "$LOC" 5000 1000
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 6000' \
    --data-binary "$(python3 -c 'print("u" * 4000)')" "$LOC")" 204 \
    "a PATCH took over from the stale one"
must_equal "$(hdr "$T/h" Upload-Offset)" 10000 "the upload completed"
must_equal "$(wc -c <"$UP/takeover.bin" | tr -d ' ')" 10000 "takeover.bin published"

# kill -9 of hauld mid-PATCH: no acknowledged byte is lost.
bin_file "$T/big.bin" $((40 * 1024 * 1024))
create $((40 * 1024 * 1024)) big.bin
curl -s --max-time 60 --limit-rate 20M -X PATCH -H "$A" -H "$TR" -H "$OCT" \
    -H 'Upload-Offset: 0' --data-binary @"$T/big.bin" -o /dev/null "$LOC" &
track $!
acked=0
for i in $(seq 1 100); do
	o=$(offset "$LOC")
	[ "${o:-0}" -gt "$acked" ] && acked=$o
	[ "$acked" -ge $((16 * 1024 * 1024)) ] && break
	sleep 0.05
done
[ "$acked" -gt 0 ] || fail "no offset acknowledged during the PATCH"
for w in $(worker_pids); do kill -KILL "$w"; done
kill -KILL "$HAULD_PID"
wait_dead "$HAULD_PID" 5 || fail "hauld survived SIGKILL"
start_hauld -t 3 -U "$UP" --auth-tokens "$T/tokens" --upload-max 64m -v
U=$(url /uploads/)
LOC=$(echo "$LOC" | sed "s/127.0.0.1:[0-9]*/127.0.0.1:$PORT/")
now=$(offset "$LOC")
log "acknowledged $acked before the kill; $now after the restart"
[ "$now" -ge "$acked" ] || fail "offset went back from $acked to $now"
tail -c +$((now + 1)) "$T/big.bin" >"$T/rest"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H "Upload-Offset: $now" \
    --data-binary @"$T/rest" "$LOC")" 204 "resumed after kill -9"
must_cmp "$UP/big.bin" "$T/big.bin" "uploaded across a kill -9"

# Two hauld sharing one upload directory.
P1=$PORT
start_hauld -t 3 -U "$UP" --auth-tokens "$T/tokens"
P2=$PORT
U=http://127.0.0.1:$P1/uploads/
create 8 shared.bin
id=${LOC##*/}
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary 1234 "http://127.0.0.1:$P1/uploads/$id")" 204 "first half on hauld 1"
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 4' \
    --data-binary 5678 "http://127.0.0.1:$P2/uploads/$id")" 204 "second half on hauld 2"
must_equal "$(cat "$UP/shared.bin")" 12345678 "shared upload directory"

# Expiry: a request finds it gone (410), and the master's sweep removes
# the others by itself.
stop_hauld
start_hauld -t 3 -U "$UP" --auth-tokens "$T/tokens" --upload-expire 2
U=$(url /uploads/)
create 10 x1.bin
L1=$LOC
create 10 x2.bin
L2=$LOC
must_equal "$(code -X PATCH -H "$A" -H "$TR" -H "$OCT" -H 'Upload-Offset: 0' \
    --data-binary abc "$L2")" 204 "a PATCH before expiry"
sleep 3
must_equal "$(code -I -H "$A" -H "$TR" "$L1")" 410 "an expired upload: 410"
stop_hauld
HAUL_SWEEP_SECS=1
export HAUL_SWEEP_SECS
start_hauld -t 3 -U "$UP" --auth-tokens "$T/tokens" --upload-expire 2
unset HAUL_SWEEP_SECS
id2=${L2##*/}
gone()
{
	[ ! -e "$UP/.haul/$id2.part" ] && [ ! -e "$UP/.haul/$id2.info" ]
}
[ -e "$UP/.haul/$id2.info" ] || fail "x2 gone before the sweep"
until_true 5 gone || fail "the sweep left expired upload $id2"
U=http://127.0.0.1:$P1/uploads/

# tus-js-client, the tus project's client.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	log "npm or node missing: tus-js-client not run"
	exit 77
fi
NPMDIR=${HAUL_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/haul-tests-npm}
if [ ! -d "$NPMDIR/node_modules/tus-js-client" ]; then
	mkdir -p "$NPMDIR"
	(cd "$NPMDIR" && npm install --no-audit --no-fund --silent \
	    tus-js-client >"$T/npm.log" 2>&1) ||
	    fail "npm install tus-js-client: $(tail -3 "$T/npm.log")"
fi
bin_file "$T/t1.bin" $((5 * 1024 * 1024 + 17))
: >"$T/t0.bin"
for m in "t1.bin plain" "t0.bin plain" "t1.bin abort"; do
	set -- $m
	NODE_PATH=$NPMDIR/node_modules node "$top_srcdir/tests/tus_client.js" \
	    "$U" "$T/$1" "js-$2-$1" "$TOKEN" "$2" >"$T/js.out" 2>&1 ||
	    fail "tus-js-client $m: $(cat "$T/js.out")"
	must_cmp "$UP/js-$2-$1" "$T/$1" "tus-js-client $m"
done
must_not_contain "$HAULD_LOG" "worker .* (died|killed)" "no worker died"
log ok
