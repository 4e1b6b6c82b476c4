# haulproxy --upload (SPEC "Uploads", the pushing side): to hauld with
# --origin-token, byte for byte (an empty file, a name with a folder),
# resumed after kill -9 of haulproxy mid-upload, a changed file starting
# a new upload (the old one deleted), and to @tus/server (npm) as another
# tus 1.0 server.
# Needs node and npm for the @tus/server part: exits 77 (skip) only when
# npm is missing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

TOKEN=push-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/tokens"
UP=$T/up
ST=$T/state
mkdir -p "$UP" "$ST"
start_hauld -U "$UP" --auth-tokens "$T/tokens"

push()
{
	"$HAULPROXY" --upload "$@" -o "http://127.0.0.1:$PORT" \
	    --origin-token "$T/tokens" -D "$ST" >"$T/out" 2>"$T/err"
}
field()
{
	sed -n "s/^$1: //p" "$T/out"
}

bin_file "$T/a.bin" $((20 * 1024 * 1024 + 5))
push "$T/a.bin" --as "in/a.bin" || fail "--upload: $(cat "$T/err")"
must_equal "$(head -n 1 "$T/out")" "Upload complete" "answer"
must_equal "$(field bytes)" $((20 * 1024 * 1024 + 5)) "bytes"
must_equal "$(field resumed-from)" 0 "resumed-from"
must_cmp "$UP/in/a.bin" "$T/a.bin" "pushed to hauld"
: >"$T/empty.bin"
push "$T/empty.bin" || fail "--upload of an empty file: $(cat "$T/err")"
[ -f "$UP/empty.bin" ] && [ ! -s "$UP/empty.bin" ] || fail "empty upload"
"$HAULPROXY" --upload "$T/a.bin" -o "http://127.0.0.1:$PORT" -D "$ST" \
    >"$T/out" 2>"$T/err" && fail "no token, yet pushed"
must_contain "$T/err" "401" "the refusal named"
"$HAULPROXY" --upload "$T/nope" -o "http://127.0.0.1:$PORT" -D "$ST" \
    >"$T/out" 2>&1
must_equal "$?" 2 "a missing file: exit 2"
ls -A "$ST" | grep -q . && fail "resume state left after success: $(ls -A "$ST")"

# push_killed FILE: haulproxy --upload FILE killed (-9) once hauld has
# acknowledged some of it; sets url (the upload's, from the resume state)
# and o (the offset hauld acknowledged).
push_killed()
{
	pf=$1
	"$HAULPROXY" --upload "$pf" -o "http://127.0.0.1:$PORT" \
	    --origin-token "$T/tokens" -D "$ST" >"$T/out1" 2>&1 &
	pp=$!
	track "$pp"
	# Polled every millisecond and killed at once: at loopback speed a
	# PATCH of 64 MiB is answered in tens of milliseconds.
	set -- $(python3 - "$ST" "$UP/.haul" "$pp" <<'PYEOF'
import glob, os, signal, sys, time
st, state, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + 30
url = ""
while time.monotonic() < deadline:
    try:
        if not url:
            s = [f for f in glob.glob(st + "/.haul-upload-*")
                 if not f.endswith(".tmp")]
            url = open(s[0]).readline().strip() if s else ""
        if url:
            info = open(state + "/" + url.rsplit("/", 1)[1] + ".info").read()
            off = int(info.split()[2])
            if off > 0:
                os.kill(pid, signal.SIGKILL)
                print(url, off)
                sys.exit(0)
    except (OSError, IndexError, ValueError):
        pass
    time.sleep(0.001)
print(url or "-", 0)
PYEOF
)
	url=$1
	o=$2
	[ "$url" != - ] || fail "no resume state written"
	kill -KILL "$pp" 2>/dev/null
	wait "$pp" 2>/dev/null
	log "haulproxy killed with ${o:-?} bytes of $(basename "$pf") acknowledged"
	[ "${o:-0}" -gt 0 ] || fail "nothing acknowledged before the kill"
	[ "${o:-0}" -lt "$(wc -c <"$pf")" ] || fail "finished before the kill"
}

# kill -9 mid-upload, then the same command resumes from the server.
bin_file "$T/big.bin" $((512 * 1024 * 1024))
push_killed "$T/big.bin"
push "$T/big.bin" || fail "resumed --upload: $(cat "$T/err")"
r=$(field resumed-from)
[ "$r" -ge "$o" ] || fail "resumed from $r, $o was acknowledged"
must_cmp "$UP/big.bin" "$T/big.bin" "pushed across a kill -9"
rm -f "$T/big.bin" "$UP/big.bin"

# A changed file is a new upload, and the old, unfinished one is deleted
# (hauld has tus's termination extension).
bin_file "$T/c.bin" $((512 * 1024 * 1024))
push_killed "$T/c.bin"
old=$url
printf 'x' | dd of="$T/c.bin" bs=1 seek=5 conv=notrunc 2>/dev/null
touch -d '+1 min' "$T/c.bin"
push "$T/c.bin" || fail "--upload of the changed c.bin: $(cat "$T/err")"
must_equal "$(field resumed-from)" 0 "a changed file starts over"
must_cmp "$UP/c.bin" "$T/c.bin" "the changed file pushed"
must_equal "$(curl -s -o /dev/null -w '%{http_code}' -I \
    -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' \
    "http://127.0.0.1:$PORT$old")" 404 "the old upload deleted"
rm -f "$T/c.bin" "$UP/c.bin"
bin_file "$T/c.bin" $((9 * 1024 * 1024))
"$HAULPROXY" --upload "$T/c.bin" -o "http://127.0.0.1:$PORT" -D "$ST" \
    >/dev/null 2>&1	# no token: created nothing, saved nothing
push "$T/c.bin" || fail "--upload c.bin: $(cat "$T/err")"
printf 'x' | dd of="$T/c.bin" bs=1 seek=5 conv=notrunc 2>/dev/null
touch -d '+1 min' "$T/c.bin"
push "$T/c.bin" || fail "--upload of the changed c.bin: $(cat "$T/err")"
must_equal "$(field resumed-from)" 0 "a finished file changed starts over"
must_cmp "$UP/c.bin" "$T/c.bin" "the changed file pushed again"

# The next PATCH's checksum is taken while the server reads the one on
# the wire.  Bytes of that next PATCH changed meanwhile (hauld stopped
# mid-PATCH, the file edited, hauld let go): hauld answers it 460, and
# the retry takes the checksum again instead of resending the stale one.
# A watcher stops hauld's workers once 1 MiB of the first PATCH is in.
bin_file "$T/e.bin" $((65 * 1024 * 1024))
python3 - "$UP/.haul" "$T/ready" $(worker_pids) >"$T/frz" <<'PYEOF' &
import glob, os, signal, sys, time
d, ready, pids = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
open(ready, "w").close()
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    if any(os.path.getsize(f) > (1 << 20) for f in glob.glob(d + "/*.part")):
        for p in pids:
            os.kill(p, signal.SIGSTOP)
        print("stopped")
        sys.exit(0)
    time.sleep(0.0005)
PYEOF
fp=$!
track "$fp"
until_true 10 test -e "$T/ready" || fail "the watcher did not start"
"$HAULPROXY" -v --upload "$T/e.bin" -o "http://127.0.0.1:$PORT" \
    --origin-token "$T/tokens" -D "$ST" >"$T/out" 2>"$T/err" &
pp=$!
track "$pp"
wait "$fp"
must_equal "$(cat "$T/frz")" stopped "hauld stopped mid-PATCH"
sleep 1	# the pass over the next 1 MiB takes milliseconds
printf 'y' | dd of="$T/e.bin" bs=1 seek=$((64 * 1024 * 1024 + 10)) \
    conv=notrunc 2>/dev/null
for w in $(worker_pids); do kill -CONT "$w"; done
wait "$pp" || fail "--upload of e.bin: $(cat "$T/err")"
must_contain "$T/err" "PATCH answered 460" "the stale checksum refused"
must_cmp "$UP/e.bin" "$T/e.bin" "e.bin as edited"
rm -f "$T/e.bin" "$UP/e.bin"

# The daemon: POST /upload/NAME pushes DIR/NAME; two at once share it.
PROXY_DIR=$T/pdir
mkdir -p "$PROXY_DIR/sub"
bin_file "$PROXY_DIR/sub/d.bin" $((30 * 1024 * 1024))
start_haulproxy --origin-token "$T/tokens"
ninfo()
{
	ls "$UP/.haul" | grep -c '\.info$'
}
c0=$(ninfo)
curl -s --max-time 60 -X POST -o "$T/b1" -w '%{http_code}' "$(purl /upload/sub/d.bin)" >"$T/c1" &
p1=$!
curl -s --max-time 60 -X POST -o "$T/b2" -w '%{http_code}' "$(purl /upload/sub/d.bin)" >"$T/c2" &
p2=$!
wait "$p1" "$p2"
must_equal "$(cat "$T/c1") $(cat "$T/c2")" "200 200" "two POST /upload/ answers"
must_equal "$(head -n 1 "$T/b1")" "Upload complete" "daemon's answer"
must_cmp "$UP/sub/d.bin" "$PROXY_DIR/sub/d.bin" "pushed by the daemon"
must_equal $(($(ninfo) - c0)) 1 "one upload for two requests"
must_equal "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(purl /upload/nope.bin)")" \
    404 "POST /upload/ of a missing file"
must_equal "$(curl -s -o /dev/null -w '%{http_code}' "$(purl /upload/sub/d.bin)")" \
    405 "GET /upload/"
must_equal "$(curl -s -o /dev/null -w '%{http_code}' -X POST --path-as-is \
    "$(purl /upload/../x)")" 400 "a name that leaves the directory"
stop_haulproxy

# @tus/server, a tus server of the tus project.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	log "npm or node missing: @tus/server not run"
	exit 77
fi
NPMDIR=${HAUL_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/haul-tests-npm}
if [ ! -d "$NPMDIR/node_modules/@tus/server" ] ||
    [ ! -d "$NPMDIR/node_modules/@tus/file-store" ]; then
	mkdir -p "$NPMDIR"
	(cd "$NPMDIR" && npm install --no-audit --no-fund --silent \
	    tus-js-client @tus/server @tus/file-store >"$T/npm.log" 2>&1) ||
	    fail "npm install @tus/server: $(tail -3 "$T/npm.log")"
fi
mkdir -p "$T/tusd"
NODE_PATH=$NPMDIR/node_modules node "$top_srcdir/tests/tus_server.js" \
    "$T/tusd" "$T/tus.port" >"$T/tus.log" 2>&1 &
track $!
until_true 10 test -s "$T/tus.port" || fail "@tus/server did not start: $(cat "$T/tus.log")"
"$HAULPROXY" --upload "$T/a.bin" -D "$ST" \
    --upload-endpoint "http://127.0.0.1:$(cat "$T/tus.port")/files/" \
    >"$T/out" 2>"$T/err" || fail "--upload to @tus/server: $(cat "$T/err")"
f=$(ls "$T/tusd" | grep -v '\.json$' | head -n 1)
[ -n "$f" ] || fail "@tus/server stored nothing"
must_cmp "$T/tusd/$f" "$T/a.bin" "pushed to @tus/server"
log ok
