# End-to-end digests (SPEC "Integrity"): hauld's Repr-Digest (computed
# off the loop, kept in user.haul.sha256, never for another version,
# never on a content-coded body, kept across a restart), and haulproxy's
# verification: --verify auto/require/off, --sha256 and ?sha256=, the
# start-over-once rule against lying origins (tests/origin.py: a wrong
# digest, a flipped byte under a right digest), nginx (no digest) as an
# origin, the counters, and the digest printed on success.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

# b64 FILE / hex FILE: its SHA-256 as Repr-Digest's base64, and as hex.
b64()
{
	python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}
hex()
{
	sha256sum "$1" | cut -c1-64
}
rd()
{
	curl -sS --max-time 10 -D - -o /dev/null "$@" | tr -d '\r' |
	    sed -n 's/^[Rr]epr-[Dd]igest: //p'
}

bin_file "$ROOT/a.bin" 3000000
python3 -c 'import sys
for i in range(40000): sys.stdout.write("line %d, text that compresses\n" % i)' \
    >"$ROOT/t.txt"
start_hauld -v

# The first answer cannot have it (the hash starts then); later ones do.
must_equal "$(rd -I "$(url /download/a.bin)")" "" "first HEAD: no digest yet"
want="sha-256=:$(b64 "$ROOT/a.bin"):"
has_digest()
{
	[ "$(rd -I "$(url /download/$1)")" = "$2" ]
}
until_true 10 has_digest a.bin "$want" || fail "no Repr-Digest after 10 s"
must_equal "$(rd -r 5-10 "$(url /download/a.bin)")" "$want" "on a 206"
must_equal "$(rd -r 5-10,20-30 "$(url /download/a.bin)")" "$want" "on multipart"
must_equal "$(rd -H 'Want-Repr-Digest: sha-512=10' "$(url /download/a.bin)")" \
    "$want" "asked for sha-512: sha-256 is what there is"
python3 -c 'import os, sys
v = os.getxattr(sys.argv[1], "user.haul.sha256").decode()
assert v.endswith(sys.argv[2]), v' "$ROOT/a.bin" "$(hex "$ROOT/a.bin")" ||
    log "user.haul.sha256 not set here (no user xattrs on $T?): memory only"
# Not on a content-coded body, nor on 304 or 416.
rd -I "$(url /download/t.txt)" >/dev/null
until_true 10 has_digest t.txt "sha-256=:$(b64 "$ROOT/t.txt"):" ||
    fail "no Repr-Digest for t.txt"
must_equal "$(rd -H 'Accept-Encoding: gzip' -r 0-99999 "$(url /download/t.txt)")" \
    "" "Content-Encoding: gzip answer"
must_equal "$(rd --tr-encoding -r 0-99999 "$(url /download/t.txt)")" \
    "sha-256=:$(b64 "$ROOT/t.txt"):" "TE: gzip answer"
etag=$(curl -sSI "$(url /download/a.bin)" | tr -d '\r' | sed -n 's/^ETag: //p')
must_equal "$(rd -H "If-None-Match: $etag" "$(url /download/a.bin)")" "" "304"
must_equal "$(rd -r 99999999- "$(url /download/a.bin)")" "" "416"

# A new version: the old digest is never served for it.
cp "$ROOT/a.bin" "$T/old.bin"
printf 'more' >>"$ROOT/a.bin"
new="sha-256=:$(b64 "$ROOT/a.bin"):"
got=$(rd -I "$(url /download/a.bin)")
[ "$got" = "$want" ] && fail "the old version's digest served for the new"
until_true 10 has_digest a.bin "$new" || fail "no digest for the new version"
# Rewritten while it is hashed: whatever is served is the final bytes'.
bin_file "$ROOT/r.bin" $((200 * 1024 * 1024))
curl -sSI -o /dev/null "$(url /download/r.bin)"
dd if=/dev/urandom of="$ROOT/r.bin" bs=1 count=16 seek=1000 conv=notrunc \
    2>/dev/null
touch -d '+1 min' "$ROOT/r.bin"
final="sha-256=:$(b64 "$ROOT/r.bin"):"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	got=$(rd -I "$(url /download/r.bin)")
	[ -z "$got" ] || [ "$got" = "$final" ] ||
	    fail "a digest of other bytes served for r.bin: $got"
	[ "$got" = "$final" ] && break
	sleep 0.5
done
must_equal "$got" "$final" "digest of a file rewritten while hashed"
rm -f "$ROOT/r.bin"
computed=$(metric hauld_digests_computed_total)
served=$(metric hauld_digests_served_total)
[ "${computed:-0}" -ge 3 ] || fail "digests_computed_total is '$computed'"
[ "${served:-0}" -ge 5 ] || fail "digests_served_total is '$served'"

# Across a restart: from the extended attribute, no hash needed.
if python3 -c 'import os, sys; os.getxattr(sys.argv[1], "user.haul.sha256")' \
    "$ROOT/a.bin" 2>/dev/null; then
	stop_hauld
	start_hauld -v
	must_equal "$(rd -I "$(url /download/a.bin)")" "$new" \
	    "digest kept across a restart"
	must_equal "$(metric hauld_digests_computed_total)" 0 \
	    "nothing hashed again after the restart"
fi

# haulproxy: verified, printed; ?sha256= right, wrong, malformed.
PROXY_DIR=$T/dl
mkdir -p "$PROXY_DIR"
"$HAULPROXY" --fetch a.bin -o "http://127.0.0.1:$PORT" -D "$PROXY_DIR" \
    >"$T/out" 2>"$T/err" || fail "--fetch: $(cat "$T/err")"
must_equal "$(cat "$T/out")" "sha-256: $(hex "$ROOT/a.bin")" "--fetch prints the digest"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "--fetch verified"
start_haulproxy
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"
pget_ok "a.bin?sha256=$(hex "$ROOT/a.bin")" "$T/body" "$T/hdr" "?sha256= right"
must_contain "$T/body" "sha-256: $(hex "$ROOT/a.bin")" "the answer names the digest"
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"
zero=0000000000000000000000000000000000000000000000000000000000000000
pget "a.bin?sha256=$zero" "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 502 "?sha256= another digest: 502 for that caller"
must_contain "$T/body" "asked for sha-256 $zero" "the mismatch named"
must_cmp "$PROXY_DIR/a.bin" "$ROOT/a.bin" "file published: it matched the origin"
pget "a.bin?sha256=xyz" "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 400 "?sha256= malformed"
must_equal "$(pmetric digest_verified)" 2 "digest_verified"
must_equal "$(pmetric digest_failed)" 1 "digest_failed"
stop_haulproxy

# Lying origins.
cp "$ROOT/t.txt" "$T/lie.bin"
good="sha-256=:$(b64 "$T/lie.bin"):"
start_origin "$T/lie.bin" lie.bin --repr-digest "sha-256=:$(b64 "$T/old.bin"):"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    >"$T/out" 2>"$T/err" && fail "a wrong Repr-Digest passed"
must_contain "$T/err" "digest mismatch: expected sha-256 $(hex "$T/old.bin"), got $(hex "$T/lie.bin")" \
    "mismatch named"
[ -e "$PROXY_DIR/lie.bin" ] && fail "a mismatched file was published"
must_equal "$(ostat heads)" 2 "started over once (two HEADs)"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    --verify off >"$T/out" 2>"$T/err" || fail "--verify off: $(cat "$T/err")"
must_equal "$(cat "$T/out")" "sha-256: none" "--verify off verifies nothing"
stop_origin
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
# An origin that sends only SHA-512: hashed as the file grows too; right,
# then wrong.
b512()
{
	python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}
start_origin "$T/lie.bin" lie.bin --repr-digest "sha-512=:$(b512 "$T/lie.bin"):"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    >"$T/out" 2>"$T/err" || fail "a right sha-512: $(cat "$T/err")"
must_cmp "$PROXY_DIR/lie.bin" "$T/lie.bin" "verified with sha-512"
stop_origin
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
start_origin "$T/lie.bin" lie.bin --repr-digest "sha-512=:$(b512 "$T/old.bin"):"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    >"$T/out" 2>"$T/err" && fail "a wrong sha-512 passed"
must_contain "$T/err" "digest mismatch: expected sha-512" "sha-512 mismatch named"
[ -e "$PROXY_DIR/lie.bin" ] && fail "a file mismatching sha-512 was published"
stop_origin
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
# One chunk flipped under a right digest: caught, fetched again, right.
start_origin "$T/lie.bin" lie.bin --repr-digest "$good" --mode flip \
    --bad-count 1
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    -C 64k >"$T/out" 2>"$T/err" || fail "flip then good: $(cat "$T/err")"
must_cmp "$PROXY_DIR/lie.bin" "$T/lie.bin" "a flipped chunk caught by the digest"
must_equal "$(ostat heads)" 2 "flipped chunk: started over once"
stop_origin
# No digest on the first HEAD (a hash not done yet): asked again before
# the rename, and verified.
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
start_origin "$T/lie.bin" lie.bin --repr-digest "$good" --digest-from 2
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    >"$T/out" 2>"$T/err" || fail "digest on the second HEAD: $(cat "$T/err")"
must_equal "$(cat "$T/out")" "sha-256: $(hex "$T/lie.bin")" \
    "verified with the digest of the HEAD before the rename"
must_equal "$(ostat heads)" 2 "one HEAD more before the rename"
stop_origin
# The journal keeps the digest: killed mid-way, then resumed from an
# origin that sends none (restarted, not done hashing) and whose file
# changed under the same size and Last-Modified.  The journal's digest
# catches the mixed file: start over, and the new file, unverified.
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
bin_file "$T/mix.bin" $((2 * 1024 * 1024))
cp "$T/mix.bin" "$T/mix.old"
start_origin "$T/mix.bin" mix.bin --etag none --rate 500000 \
    --repr-digest "sha-256=:$(b64 "$T/mix.bin"):"
"$HAULPROXY" --fetch mix.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    -C 64k -j 1 >"$T/out" 2>"$T/err" &
mp=$!
track "$mp"
jc_ge()
{
	[ "$(journal_chunks "$1")" -ge "$2" ]
}
until_true 20 jc_ge "$PROXY_DIR/.mix.bin.journal" 3 || fail "no chunks journaled"
kill -KILL "$mp"
wait "$mp" 2>/dev/null
stop_origin
mt=$(stat -c %Y "$T/mix.bin")
head -c 65536 /dev/urandom | dd of="$T/mix.bin" bs=65536 seek=31 conv=notrunc 2>/dev/null
touch -d "@$mt" "$T/mix.bin"
start_origin "$T/mix.bin" mix.bin --etag none
"$HAULPROXY" --fetch mix.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    -C 64k -v >"$T/out" 2>"$T/err" || fail "resume after the change: $(cat "$T/err")"
must_contain "$T/err" "expected sha-256 $(hex "$T/mix.old")" \
    "the journal's digest checked the resumed file"
must_cmp "$PROXY_DIR/mix.bin" "$T/mix.bin" "started over: the new file"
must_equal "$(ostat heads)" 3 "HEADs: the resume's, after starting over, before the rename"
stop_origin

# A malformed Repr-Digest is ignored; require then has nothing to check.
rm -f "$PROXY_DIR/lie.bin" "$PROXY_DIR/.lie.bin.journal"
start_origin "$T/lie.bin" lie.bin --repr-digest "sha-256=:notbase64"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    --verify require >"$T/out" 2>"$T/err" && fail "require without a digest passed"
must_contain "$T/err" "no digest known" "require names why"
"$HAULPROXY" --fetch lie.bin -o "$ORIGIN_URL" -D "$PROXY_DIR" --no-gzip \
    --sha256 "$(hex "$T/lie.bin")" --verify require >"$T/out" 2>"$T/err" ||
    fail "require with the caller's digest: $(cat "$T/err")"
must_equal "$(cat "$T/out")" "sha-256: $(hex "$T/lie.bin")" "caller's digest verified"
stop_origin
# nginx: no digest; a wrong --sha256 starts over once, then fails.
start_nginx
rm -f "$PROXY_DIR/a.bin" "$PROXY_DIR/.a.bin.journal"
"$HAULPROXY" --fetch "$NGINX_URL/download/a.bin" -D "$PROXY_DIR" \
    --sha256 "$zero" >"$T/out" 2>"$T/err" && fail "a wrong --sha256 passed"
must_contain "$T/err" "expected sha-256 $zero" "--sha256 mismatch named"
[ -e "$PROXY_DIR/a.bin" ] && fail "published despite --sha256"
"$HAULPROXY" --fetch "$NGINX_URL/download/a.bin" -D "$PROXY_DIR" \
    >"$T/out" 2>"$T/err" || fail "--fetch from nginx: $(cat "$T/err")"
must_equal "$(cat "$T/out")" "sha-256: none" "nothing to verify from nginx"
"$HAULPROXY" --fetch a.bin --sha256 nothex >"$T/out" 2>&1
must_equal "$?" 2 "--sha256 malformed: exit 2"
stop_nginx
stop_hauld
log ok
