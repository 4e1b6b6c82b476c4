# tests/lib.sh: sourced by every tests/*.sh (POSIX sh; /bin/sh is dash).
#
# Gives a test a private mktemp -d workdir ($T, removed on exit), a served
# root ($ROOT = $T/files), helpers to start and stop a real hauld on
# 127.0.0.1 with an ephemeral port, and small assertion helpers.  Cleanup
# kills only processes this script started, by PID.  The process helpers
# (alive, children, wait_dead, until_true, ...) are in tests/common.sh,
# which bench/run.sh shares.
#
# Environment:
#   top_builddir, top_srcdir  set by make check (default: guessed from $0)
#   HAUL_WRAPPER              prefix for the daemon command, e.g.
#                             "valgrind -q" or "strace -f -o /tmp/tr"
#   HAUL_KEEP=1               keep the workdir (its path is printed)

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
fi
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
fi
. "$top_srcdir/tests/common.sh"
HAULD=$top_builddir/src/hauld/hauld
HAULSTAT=$top_builddir/src/haulstat/haulstat
HTTPC="python3 $top_srcdir/tests/httpc.py"
TEST_NAME=$(basename "$0" .sh)

# Every started process: "pid" words, for cleanup.
LIB_PIDS=""
HAULD_N=0
HAULD_PID=""
HAULD_WPID=""
PORT=""

fail()
{
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -n "${HAULD_LOG:-}" ] && [ -s "$HAULD_LOG" ]; then
		echo "--- last lines of $HAULD_LOG:" >&2
		tail -n 15 "$HAULD_LOG" >&2
	fi
	exit 1
}

# must_equal GOT WANT WHAT
must_equal()
{
	if [ "$1" != "$2" ]; then
		fail "$3: got '$1', want '$2'"
	fi
}

# must_match GOT GLOB WHAT: GOT matches the shell pattern.
must_match()
{
	case $1 in
	$2) ;;
	*) fail "$3: got '$1', want something like '$2'" ;;
	esac
}

# must_contain FILE GREP-ERE WHAT
must_contain()
{
	grep -Eq -- "$2" "$1" || fail "$3: no line matching /$2/ in $1"
}

# must_not_contain FILE GREP-ERE WHAT
must_not_contain()
{
	if grep -Eq -- "$2" "$1"; then
		fail "$3: unexpected line matching /$2/ in $1: \
$(grep -E -m1 -- "$2" "$1")"
	fi
}

# must_cmp FILE1 FILE2 WHAT: byte-identical.
must_cmp()
{
	cmp -s "$1" "$2" || fail "$3: $1 and $2 differ \
($(wc -c <"$1") vs $(wc -c <"$2") bytes; $(cmp "$1" "$2" 2>&1 | head -1))"
}

log()
{
	echo "$TEST_NAME: $*"
}

lib_has_bytes()
{
	[ -f "$1" ] && [ "$(wc -c <"$1")" -ge "$2" ]
}

# wait_bytes FILE N SECS: 0 once FILE holds at least N bytes.
wait_bytes()
{
	until_true "$3" lib_has_bytes "$1" "$2"
}

# slow_get NAME PATH SECS: a GET on hauld through a 16 KiB receive
# buffer that reads nothing for SECS once the head is in, so hauld cannot
# finish a big response before then (the kernel's buffers cannot take
# the rest); then it drains.  Returns once the head is in, the client's
# PID in SLOW_PID; the body lands in $T/NAME and "BYTES eof" (or "reset")
# in $T/NAME.out.
slow_get()
{
	$HTTPC stall --ready "$T/$1.ready" -o "$T/$1" "$PORT" "$2" "$3" \
	    >"$T/$1.out" 2>"$T/$1.err" &
	SLOW_PID=$!
	track $SLOW_PID
	until_true 10 lib_slow_ready "$1"
	[ -e "$T/$1.ready" ] ||
	    fail "slow GET $2 got no head: $(cat "$T/$1.err")"
}

lib_slow_ready()
{
	[ -e "$T/$1.ready" ] || ! alive $SLOW_PID
}

# worker_pids: the current master's children, one a line.
worker_pids()
{
	children "$HAULD_PID"
}

count_lines()
{
	if [ -z "$1" ]; then
		echo 0
	else
		printf '%s\n' "$1" | wc -l | tr -d ' '
	fi
}

# check_logs: a daemon that crashed, or that valgrind or a sanitizer
# complained about, fails the test even if every answer looked right
# (the master restarts a crashed worker silently).
HAULD_LOGS=""
check_logs()
{
	for _l in $HAULD_LOGS; do
		[ -f "$_l" ] || continue
		if grep -Eq '^==[0-9]+== |(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error: ' "$_l"; then
			echo "FAIL: $TEST_NAME: memory checker report in $_l:" >&2
			grep -E -m 20 '^==[0-9]+== |Sanitizer|runtime error: ' "$_l" >&2
			return 1
		fi
		if grep -Eq 'worker [0-9]+ \(pid [0-9]+\) (exited with status|killed by signal (4|6|7|8|11)$)' "$_l"; then
			echo "FAIL: $TEST_NAME: a worker crashed: $(grep -E -m 3 \
			    'exited with status|killed by signal' "$_l")" >&2
			return 1
		fi
	done
	return 0
}

cleanup()
{
	_st=$?
	for _p in $LIB_PIDS; do
		kill_tree "$_p" QUIT 3
	done
	# Reap whatever is ours, so no zombie outlives the test.
	for _p in $LIB_PIDS; do
		wait "$_p" 2>/dev/null
	done
	if [ "$_st" = 0 ] && ! check_logs; then
		_st=1
	fi
	if [ "${HAUL_KEEP:-0}" = 1 ]; then
		echo "$TEST_NAME: workdir kept: $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$_st"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/haul-$TEST_NAME.XXXXXX") ||
    { echo "FAIL: mktemp -d" >&2; exit 1; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
ROOT=$T/files
mkdir "$ROOT"

command -v curl >/dev/null 2>&1 || fail "curl is required"
command -v python3 >/dev/null 2>&1 || fail "python3 is required"
[ -x "$HAULD" ] || fail "no daemon at $HAULD (run make first)"

CURL="curl -sS --max-time 30"

# A TLS test sets SCHEME=https and LIB_TLS_ARGS (curl's --cacert and
# the like), then CURL="$CURL $LIB_TLS_ARGS".
SCHEME=http
LIB_TLS_ARGS=""

url()
{
	echo "$SCHEME://127.0.0.1:$PORT$1"
}

# fetch BODY HEADERS [curl args] URL: one curl call, fails the test if
# curl does; BODY exists afterwards even when the response had none.
fetch()
{
	_b=$1
	_h=$2
	shift 2
	rm -f "$_b" "$_h"
	$CURL -D "$_h" -o "$_b" "$@" || fail "curl $*"
	[ -e "$_b" ] || : >"$_b"
}

# track PID: cleanup will kill it (for background clients).
track()
{
	LIB_PIDS="$LIB_PIDS $1"
}

# start_hauld [extra args]: start a daemon in the background serving $ROOT.
# Sets HAULD_PID (the master), HAULD_WPID (what was launched, the wrapper
# if any), PORT, HAULD_DIR, HAULD_LOG (stderr), HAULD_STATS.
start_hauld()
{
	HAULD_N=$((HAULD_N + 1))
	HAULD_DIR=$T/hauld.$HAULD_N
	mkdir -p "$HAULD_DIR"
	HAULD_LOG=$HAULD_DIR/log
	HAULD_LOGS="$HAULD_LOGS $HAULD_LOG"
	HAULD_STATS=$HAULD_DIR/stats
	_pf=$HAULD_DIR/port
	_extra=""
	# Under a wrapper the launched PID is not the master's: ask for a
	# pidfile (an explicit -P later in "$@" still wins).
	if [ -n "${HAUL_WRAPPER:-}" ]; then
		_extra="-P $HAULD_DIR/master.pid"
	fi
	HAUL_PORT_FILE=$_pf ${HAUL_WRAPPER:-} "$HAULD" -b 127.0.0.1 -p 0 \
	    -r "$ROOT" -w 2 -s "$HAULD_STATS" $_extra "$@" \
	    </dev/null >"$HAULD_LOG" 2>&1 &
	HAULD_WPID=$!
	track "$HAULD_WPID"
	HAULD_PID=$HAULD_WPID

	_limit=10
	[ -n "${HAUL_WRAPPER:-}" ] && _limit=60
	PORT=$(port_from_file "$_pf" "$HAULD_WPID" "$_limit")
	lib_started $? "$@"
	wait_serving "$HAULD_WPID" "$_limit" lib_healthz
	lib_started $? "$@"
	if [ -n "${HAUL_WRAPPER:-}" ]; then
		_mp=""
		for _f in "$HAULD_DIR/master.pid" $(printf '%s\n' "$@" |
		    sed -n '/^-P$/{n;p;}'); do
			[ -s "$_f" ] && _mp=$(cat "$_f")
		done
		[ -n "$_mp" ] || fail "no master pidfile under HAUL_WRAPPER"
		HAULD_PID=$_mp
		track "$HAULD_PID"
	fi
}

# lib_started STATUS [hauld args]: fail the test unless the step of
# start_hauld that returned STATUS (common.sh's 1: hauld ended, 2: timed
# out) succeeded.
lib_started()
{
	_ls=$1
	shift
	case $_ls in
	0) ;;
	1) fail "hauld exited during startup ($*)" ;;
	*) fail "hauld not answering /healthz after $_limit s" ;;
	esac
}

lib_healthz()
{
	curl -s --max-time 1 $LIB_TLS_ARGS -o /dev/null "$(url /healthz)"
}

# wait_workers N SECS: 0 once the master has N workers.
wait_workers()
{
	_want=$1
	_n=$(($2 * 10))
	while :; do
		[ "$(count_lines "$(worker_pids)")" = "$_want" ] && return 0
		_n=$((_n - 1))
		[ "$_n" -le 0 ] && return 1
		sleep 0.1
	done
}

# stop_hauld [SIG] [SECS]: signal the master (TERM), wait until it is gone
# (bounded, default 10 s); sets HAULD_STATUS to its exit status.
stop_hauld()
{
	_sig=${1:-TERM}
	_secs=${2:-10}
	kill -"$_sig" "$HAULD_PID" 2>/dev/null ||
	    fail "cannot signal hauld pid $HAULD_PID"
	wait_dead "$HAULD_WPID" "$_secs" ||
	    fail "hauld (pid $HAULD_PID) still running $_secs s after SIG$_sig"
	wait "$HAULD_WPID"
	HAULD_STATUS=$?
}

# hdr DUMPFILE NAME: value of header NAME in a curl -D dump (last one).
hdr()
{
	tr -d '\r' <"$1" | awk -v n="$2" '
	    BEGIN { n = tolower(n) }
	    { i = index($0, ":") }
	    i > 0 && tolower(substr($0, 1, i - 1)) == n {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
		last = v
	    }
	    END { print last }'
}

# has_hdr DUMPFILE NAME: whether NAME is present.
has_hdr()
{
	tr -d '\r' <"$1" | grep -iq "^$2:"
}

# status DUMPFILE: the last status code in a curl -D dump.
status()
{
	tr -d '\r' <"$1" | awk '/^HTTP\//{s=$2} END{print s}'
}

# slice FILE OFFSET COUNT: the bytes, as dd sees them.
slice()
{
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" \
	    status=none
}

size_of()
{
	wc -c <"$1" | tr -d ' '
}

# Test data.
# bin_file PATH BYTES: incompressible bytes.
bin_file()
{
	head -c "$2" /dev/urandom >"$1"
}

# text_file PATH BYTES: compressible text.
text_file()
{
	awk -v n="$2" 'BEGIN {
	    for (i = 1; t < n; i++) {
		l = "line " i " of some text: the quick brown fox " i * 7
		print l; t += length(l) + 1
	    } }' | head -c "$2" >"$1"
}

# metric NAME: value of a sample in /metrics.
metric()
{
	$CURL "$(url /metrics)" | awk -v n="$1" '$1 == n { print $2 }'
}

# settle_metric NAME WANT: poll (2 s at most) until /metrics has NAME at
# WANT.  A worker counts a response just after its last write, so a
# client may read the whole response a moment before the count moves;
# the caller then asserts the value.
settle_metric()
{
	until_true 2 lib_metric_is "$1" "$2" || :
}

lib_metric_is()
{
	[ "$(metric "$1")" = "$2" ]
}
