# tests/proxylib.sh: sourced after tests/lib.sh by every tests/proxy_*.sh.
#
# Helpers to run a real haulproxy on 127.0.0.1 with an ephemeral port, the
# hostile origin tests/origin.py, and nginx as an origin; all inside the
# test's workdir $T, all cleaned up by lib.sh's trap (by PID).
#
# Environment (besides lib.sh's):
#   NGINX   the nginx binary [/usr/sbin/nginx]

HAULPROXY=$top_builddir/src/haulproxy/haulproxy
ORIGIN_PY=$top_srcdir/tests/origin.py
NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$HAULPROXY" ] || fail "no haulproxy at $HAULPROXY (run make first)"

PROXY_N=0
PROXY_PID=""
PROXY_WPID=""
PPORT=""
PROXY_LOG=""
PROXY_DIR=${PROXY_DIR:-$T/dl}
ORIGIN_N=0
OPORT=""
ORIGIN_PID=""
ORIGIN_LOG=""
NPORT=""
NGINX_PID=""
NGINX_LOG=""
# A test of haulproxy's TLS listener sets PSCHEME=https and
# PROXY_TLS_ARGS (curl's --cacert and the like).
PSCHEME=http
PROXY_TLS_ARGS=""

# fail, as lib.sh's, but showing the proxy's and the origins' logs too,
# and first waking what freeze_at stopped (so cleanup's signals work).
fail()
{
	[ -s "$T/frozen" ] && kill -CONT $(cat "$T/frozen") 2>/dev/null
	echo "FAIL: $TEST_NAME: $*" >&2
	for _l in "${PROXY_LOG:-}" "${HAULD_LOG:-}" "${ORIGIN_LOG:-}" \
	    "${NGINX_LOG:-}"; do
		if [ -n "$_l" ] && [ -s "$_l" ]; then
			echo "--- last lines of $_l:" >&2
			tail -n 15 "$_l" >&2
		fi
	done
	exit 1
}

# free_port: a TCP port on 127.0.0.1 that nobody listened on a moment ago.
free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port_file FILE PID WHAT: the port PID wrote to FILE (bounded: 10 s).
wait_port_file()
{
	_n=0
	while ! [ -s "$1" ]; do
		alive "$2" || fail "$3 exited during startup"
		_n=$((_n + 1))
		[ "$_n" -ge 100 ] && fail "$3 wrote no port to $1 in 10 s"
		sleep 0.1
	done
	cat "$1"
}

# start_haulproxy [args]: start haulproxy in the foreground (background
# job) on 127.0.0.1 port 0, writing into $PROXY_DIR (default $T/dl), with
# origin $PROXY_ORIGIN (default: lib.sh's hauld on $PORT); later args win.
# Sets PPORT, PROXY_PID, PROXY_LOG (its stderr), PROXY_STATS.
start_haulproxy()
{
	PROXY_N=$((PROXY_N + 1))
	_run=$T/proxy.$PROXY_N
	mkdir -p "$_run"
	PROXY_LOG=$_run/log
	PROXY_STATS=$_run/stats
	_pf=$_run/port
	_origin=${PROXY_ORIGIN:-http://127.0.0.1:${PORT:-1}}
	HAUL_PORT_FILE=$_pf ${HAUL_WRAPPER:-} "$HAULPROXY" -b 127.0.0.1 -p 0 \
	    -o "$_origin" -D "$PROXY_DIR" -P "$_run/pid" -s "$PROXY_STATS" \
	    "$@" </dev/null >"$PROXY_LOG" 2>&1 &
	PROXY_WPID=$!
	track "$PROXY_WPID"
	PROXY_PID=$PROXY_WPID
	PPORT=$(wait_port_file "$_pf" "$PROXY_WPID" "haulproxy ($*)") ||
	    exit 1
	_n=0
	until curl -s --max-time 1 $PROXY_TLS_ARGS -o /dev/null \
	    "$(purl /healthz)"; do
		alive "$PROXY_WPID" || fail "haulproxy exited during startup"
		_n=$((_n + 1))
		[ "$_n" -ge 100 ] && fail "haulproxy: no /healthz after 10 s"
		sleep 0.1
	done
	if [ -n "${HAUL_WRAPPER:-}" ]; then
		until_true 10 test -s "$_run/pid" || fail "no haulproxy pidfile"
		PROXY_PID=$(cat "$_run/pid")
		track "$PROXY_PID"
	fi
}

purl()
{
	echo "$PSCHEME://127.0.0.1:$PPORT$1"
}

# stop_haulproxy [SIG] [SECS]: signal (TERM), wait until gone (bounded,
# default 10 s); sets PROXY_STATUS to its exit status.
stop_haulproxy()
{
	_sig=${1:-TERM}
	_secs=${2:-10}
	kill -"$_sig" "$PROXY_PID" 2>/dev/null ||
	    fail "cannot signal haulproxy pid $PROXY_PID"
	wait_dead "$PROXY_WPID" "$_secs" ||
	    fail "haulproxy (pid $PROXY_PID) still running $_secs s after SIG$_sig"
	wait "$PROXY_WPID"
	PROXY_STATUS=$?
}

# hauld_served PORT: hauld_file_bytes_total of the hauld on PORT.
hauld_served()
{
	curl -sS --max-time 10 "http://127.0.0.1:$1/metrics" |
	    awk '$1 == "hauld_file_bytes_total" { print $2 }'
}

# finish_without PID DONE_AT B0 PORT WHO WORKERS...: big.bin's download,
# frozen by freeze_at (WORKERS, of both hauld) after DONE_AT bytes, loses
# hauld PID (killed while stopped); the rest thawed, it finishes, and WHO,
# the hauld on PORT (B0 bytes served before the freeze), served at least
# every byte not done at the freeze.
finish_without()
{
	_fw_pid=$1
	_fw_at=$2
	_fw_b0=$3
	_fw_port=$4
	_fw_who=$5
	shift 5
	kill -KILL $(HAULD_PID=$_fw_pid worker_pids) "$_fw_pid" 2>/dev/null
	thaw "$@"
	wait_dead "$_fw_pid" 10 || fail "hauld $_fw_pid survived SIGKILL"
	pget_finished big.bin "$T/body" "$T/hdr" "with one hauld gone"
	must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "finished by $_fw_who"
	_fw_b=$(($(hauld_served "$_fw_port") - _fw_b0))
	[ "$_fw_b" -ge $((SIZE - _fw_at)) ] ||
	    fail "$_fw_who served $_fw_b bytes since the freeze, less than the $((SIZE - _fw_at)) left"
}

# pget_finished NAME BODY HEADERS WHAT: a 200 that says the download is
# done, "Download complete" or, when a download already running in the
# background got there first, "File already downloaded".
pget_finished()
{
	pget "$1" "$2" "$3"
	must_equal "$(status "$3")" 200 "$4: status ($(head -c 200 "$2"))"
	case $(head -n 1 "$2") in
	"Download complete" | "File already downloaded") ;;
	*) fail "$4: $(head -n 1 "$2")" ;;
	esac
}

# pmetric NAME: a haulproxy counter, by its short name (downloads_started)
# or its full sample name.  A sample that is missing prints nothing (and
# says so on stderr), so no comparison with it can pass.
pmetric()
{
	_px_args=$PROXY_TLS_ARGS
	_px_metric haulproxy "$(purl /metrics)" "$1"
}

# hmetric NAME: the same for lib.sh's hauld on $PORT.
hmetric()
{
	_px_args=$LIB_TLS_ARGS
	_px_metric hauld "$(url /metrics)" "$1"
}

_px_metric()
{
	curl -sS --max-time 10 ${_px_args:-} "$2" | awk -v p="$1" -v n="$3" '
	    $1 == n || $1 == p "_" n || $1 == p "_" n "_total" {
		v = $2; found = 1 }
	    END {
		if (!found) {
			print "no " p " metric " n > "/dev/stderr"
			exit 1
		}
		print v
	    }'
}

# pget NAME BODY HEADERS [curl args]: GET /download/NAME from the proxy;
# the test fails only if curl itself does (no answer at all).
pget()
{
	_name=$1
	_pb=$2
	_ph=$3
	shift 3
	fetch "$_pb" "$_ph" --max-time 60 "$@" "$(purl "/download/$_name")"
}

# pget_ok NAME BODY HEADERS WHAT: must be a 200 "Download complete".
pget_ok()
{
	pget "$1" "$2" "$3"
	must_equal "$(status "$3")" 200 "$4: status ($(head -c 200 "$2"))"
	must_equal "$(head -n 1 "$2")" "Download complete" "$4: first line"
}

# body_field BODY NAME: "NAME: value" from a proxy answer.
body_field()
{
	sed -n "s/^$2: //p" "$1" | head -n 1
}

# journal_chunks FILE: chunks the newest journal record says are durable
# (-1 when there is no valid-looking record).  Reads the layout in
# src/haulproxy/journal.h (version 3; 2 without the digest block): two
# records, version at 8, seq at 16, nchunks at 40, bitmap at 304, then
# nchunks chunk CRCs, the 100-byte digest block and the record CRC.
journal_chunks()
{
	python3 - "$1" <<'EOF'
import struct, sys
try:
    img = open(sys.argv[1], "rb").read()
except OSError:
    img = b""
best = None
if len(img) >= 304 and img[:8] == b"HAULJRN\0":
    n = struct.unpack_from("<I", img, 40)[0]
    bm = (n + 7) // 8
    dg = 100 if struct.unpack_from("<I", img, 8)[0] >= 3 else 0
    rs = (304 + bm + 4 * n + dg + 4 + 511) // 512 * 512
    for off in (0, rs):
        if len(img) < off + rs or img[off:off + 8] != b"HAULJRN\0":
            continue
        seq = struct.unpack_from("<Q", img, off + 16)[0]
        bits = sum(bin(b).count("1") for b in img[off + 304:off + 304 + bm])
        if best is None or seq > best[0]:
            best = (seq, bits)
print(-1 if best is None else best[1])
EOF
}

# rss_kib PID: peak resident set (VmHWM) in KiB.
rss_kib()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# start_origin FILE NAME [origin.py args]: the hostile origin, serving
# FILE as /download/NAME.  Sets OPORT, ORIGIN_PID, ORIGIN_LOG, ORIGIN_URL.
start_origin()
{
	ORIGIN_N=$((ORIGIN_N + 1))
	_run=$T/origin.$ORIGIN_N
	mkdir -p "$_run"
	ORIGIN_LOG=$_run/log
	_of=$1
	_on=$2
	shift 2
	python3 "$ORIGIN_PY" --port-file "$_run/port" --file "$_of" \
	    --name "$_on" "$@" </dev/null >"$ORIGIN_LOG" 2>&1 &
	ORIGIN_PID=$!
	track "$ORIGIN_PID"
	OPORT=$(wait_port_file "$_run/port" "$ORIGIN_PID" "origin.py") ||
	    exit 1
	ORIGIN_URL=http://127.0.0.1:$OPORT
	until_true 10 curl -s --max-time 1 -o /dev/null "$ORIGIN_URL/stats" ||
	    fail "origin.py not answering /stats"
}

# ostat KEY: a counter from origin.py's /stats (gets, heads, bad, bytes,
# resets, ...); 0 when absent.
ostat()
{
	curl -sS --max-time 10 "$ORIGIN_URL/stats" | python3 -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}

stop_origin()
{
	kill -TERM "$ORIGIN_PID" 2>/dev/null
	wait_dead "$ORIGIN_PID" 10 || fail "origin.py still running"
	wait "$ORIGIN_PID" 2>/dev/null
}

# start_nginx [gzip]: nginx serving $ROOT under /download/ on a free port
# of 127.0.0.1, everything (pid, logs, temp paths) inside $T/nginx.N;
# with "gzip": gzip on for text/plain, whatever the size.  Sets NPORT,
# NGINX_PID, NGINX_LOG, NGINX_URL.  For TLS: NGINX_SCHEME=https,
# NGINX_LISTEN_EXTRA=ssl, NGINX_SERVER_EXTRA="ssl_certificate ...;".  As a
# load balancer: NGINX_HTTP_EXTRA="upstream ... { }" and NGINX_LOCATION
# (what /download/ does instead of serving $ROOT).
start_nginx()
{
	[ -x "$NGINX" ] || fail "nginx is required at $NGINX \
(Debian: apt-get install nginx-light)"
	_gz=""
	if [ "${1:-}" = gzip ]; then
		_gz="gzip on; gzip_types text/plain; gzip_min_length 1;"
	fi
	_user=""
	[ "$(id -u)" = 0 ] && _user="user root;"
	_try=0
	while :; do
		_try=$((_try + 1))
		NGINX_N=$((${NGINX_N:-0} + 1))
		_nd=$T/nginx.$NGINX_N
		mkdir -p "$_nd/tmp"
		NGINX_LOG=$_nd/error.log
		NPORT=$(free_port)
		cat >"$_nd/nginx.conf" <<EOF
$_user
daemon off;
master_process on;
worker_processes 1;
pid $_nd/nginx.pid;
error_log $_nd/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $_nd/tmp/body;
	proxy_temp_path $_nd/tmp/proxy;
	fastcgi_temp_path $_nd/tmp/fastcgi;
	uwsgi_temp_path $_nd/tmp/uwsgi;
	scgi_temp_path $_nd/tmp/scgi;
	types { text/plain txt; application/octet-stream bin; }
	default_type application/octet-stream;
	sendfile on;
	keepalive_requests 100000;
	$_gz
	${NGINX_HTTP_EXTRA:-}
	server {
		listen 127.0.0.1:$NPORT ${NGINX_LISTEN_EXTRA:-};
		${NGINX_SERVER_EXTRA:-}
		location /download/ { ${NGINX_LOCATION:-alias $ROOT/;} }
	}
}
EOF
		"$NGINX" -p "$_nd" -e "$_nd/error.log" -c "$_nd/nginx.conf" \
		    </dev/null >"$_nd/stderr" 2>&1 &
		NGINX_PID=$!
		track "$NGINX_PID"
		NGINX_URL=${NGINX_SCHEME:-http}://127.0.0.1:$NPORT
		_n=0
		while alive "$NGINX_PID" && [ "$_n" -lt 100 ] &&
		    ! nginx_ready; do
			_n=$((_n + 1))
			sleep 0.1
		done
		alive "$NGINX_PID" && nginx_ready && return 0
		# Most likely the port was taken meanwhile: try another.
		kill -KILL "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		[ "$_try" -ge 5 ] && fail "nginx would not start: \
$(cat "$_nd/stderr" "$_nd/error.log" 2>/dev/null | tail -n 3)"
	done
}

# Serving: any answer, over TLS without checks (-k) when NGINX_SCHEME is
# https (a test's own certificates may be meant to fail).
nginx_ready()
{
	curl -s -k --max-time 1 -o /dev/null "$NGINX_URL/"
}

stop_nginx()
{
	kill -QUIT "$NGINX_PID" 2>/dev/null
	wait_dead "$NGINX_PID" 10 || fail "nginx still running"
	wait "$NGINX_PID" 2>/dev/null
}

# freeze_at NAME BYTES PID...: ask the proxy for /download/NAME (the
# answer is not read) and let the PIDs (an origin's workers) run in steps
# of about a millisecond, stopped (SIGSTOP) in between while the proxy's
# /status is read, until the download has BYTES or more done (at most
# 20 s); they are left stopped: a stalled network, deterministically.
# Stepping, not polling a running origin, keeps a descheduled poller
# from seeing the download end first.  Prints the bytes done; fails if
# the download ended first.
freeze_at()
{
	_fzn=$1
	_fzb=$2
	shift 2
	echo "$*" >>"$T/frozen"
	_fz=$(python3 - "$PPORT" "$_fzn" "$_fzb" "$@" <<'PYEOF'
import http.client, json, os, signal, socket, sys, time
port, name, want = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pids = [int(p) for p in sys.argv[4:]]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
def signal_all(sig):
    for p in pids:
        os.kill(p, sig)
signal_all(signal.SIGSTOP)
dl = socket.create_connection(("127.0.0.1", port), timeout=5)
dl.sendall(("GET /download/%s HTTP/1.1\r\nHost: t\r\n\r\n" % name).encode())
deadline = time.monotonic() + 20
seen = False
while time.monotonic() < deadline:
    signal_all(signal.SIGCONT)
    time.sleep(0.001)
    signal_all(signal.SIGSTOP)
    try:
        conn.request("GET", "/status")
        st = json.loads(conn.getresponse().read())
    except (OSError, http.client.HTTPException, ValueError):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        time.sleep(0.01)
        continue
    done = max([d.get("done", 0) for d in st] or [-1])
    if done >= want:
        print(done)
        sys.exit(0)
    if seen and not st:
        print("the download ended before %d bytes" % want)
        sys.exit(1)
    seen = seen or bool(st)
print("no download reached %d bytes in 20 s" % want)
sys.exit(1)
PYEOF
) || fail "freeze_at: $_fz"
	echo "$_fz"
}

# thaw PID...: SIGCONT.
thaw()
{
	for _p in "$@"; do
		kill -CONT "$_p" 2>/dev/null
	done
	rm -f "$T/frozen"
}

# journal_has_chunks FILE: whether the journal records a durable chunk.
journal_has_chunks()
{
	[ "$(journal_chunks "$1")" -gt 0 ]
}

# pget_bg NAME BODY HEADERS: pget in the background (sets BG_PID), returning
# once the proxy has read the request (its requests counter went up).
pget_bg()
{
	_r0=$(pmetric requests)
	rm -f "$2" "$3"
	$CURL --max-time 60 -D "$3" -o "$2" "$(purl "/download/$1")" &
	BG_PID=$!
	track "$BG_PID"
	# +1 for the pmetric call that sees it.
	until_true 10 _px_requests_over $((_r0 + 1)) ||
	    fail "haulproxy did not take the request for $1"
}

_px_requests_over()
{
	pmetric_over requests "$1"
}

# pmetric_over NAME N: whether the proxy's counter NAME is above N (for
# until_true, which must re-read it each time).
pmetric_over()
{
	[ "$(pmetric "$1")" -gt "$2" ]
}

# journal_verify JOURNAL PART SOURCE: every chunk the journal calls durable
# holds the source's bytes at the same offset in PART.  Prints how many
# chunks were checked; fails the test on the first one that differs.
journal_verify()
{
	_jv=$(python3 - "$1" "$2" "$3" <<'PYEOF'
import struct, sys
try:
    img = open(sys.argv[1], "rb").read()
except OSError:
    print(0); sys.exit(0)
if len(img) < 304 or img[:8] != b"HAULJRN\0":
    print(0); sys.exit(0)
n = struct.unpack_from("<I", img, 40)[0]
bm = (n + 7) // 8
rs = (304 + bm + 4 * n + 4 + 511) // 512 * 512
best = None
for off in (0, rs):
    if len(img) >= off + rs and img[off:off + 8] == b"HAULJRN\0":
        seq = struct.unpack_from("<Q", img, off + 16)[0]
        if best is None or seq > best[0]:
            best = (seq, off)
off = best[1]
size, cs = struct.unpack_from("<QQ", img, off + 24)
bits = img[off + 304:off + 304 + bm]
part = open(sys.argv[2], "rb").read()
src = open(sys.argv[3], "rb").read()
checked = 0
for i in range(n):
    if bits[i // 8] >> (i % 8) & 1:
        a, b = i * cs, min((i + 1) * cs, size)
        if part[a:b] != src[a:b]:
            print("chunk %d (bytes %d-%d) is durable but wrong"
                  % (i, a, b - 1))
            sys.exit(1)
        checked += 1
print(checked)
PYEOF
) || fail "journal_verify $1: $_jv"
	echo "$_jv"
}

# origin_mode MODE [BAD [FLAKY]]: switch origin.py's mode at run time.
origin_mode()
{
	_q="mode=$1"
	[ -n "${2:-}" ] && _q="$_q&bad=$2"
	[ -n "${3:-}" ] && _q="$_q&flaky=$3"
	curl -sS --max-time 10 -o /dev/null -f "$ORIGIN_URL/mode?$_q" ||
	    fail "origin.py: cannot switch to mode $1"
}

# soft_fail MSG: note a failure but go on testing; soft_check (at the end
# of the test) fails with every note.  For checks whose failure should not
# hide what the rest of the test would find.
soft_fail()
{
	echo "$TEST_NAME: $*" >&2
	echo "$*" >>"$T/soft-failures"
}

soft_check()
{
	[ -s "$T/soft-failures" ] || return 0
	fail "$(wc -l <"$T/soft-failures" | tr -d ' ') check(s) failed:
$(cat "$T/soft-failures")"
}
