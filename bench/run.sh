#!/bin/bash
# bench/run.sh: haul's benchmark suite (make bench).  See bench/README.md.
#
# Usage: bench/run.sh BUILDDIR SRCDIR
#
# The driver: settings, peers, the work directory, the data, then each
# scenario asked for, from its own file (bench/a-ranges.sh, b-small-ranges,
# c-gzip-ranges, d-download, e-link, f-scale, g-tls, h-digest, i-upload,
# j-origins), then the summary.  Helpers:
# tests/common.sh (processes, shared with tests/lib.sh), bench/lib.sh
# (figures, tables, targets) and bench/servers.sh (hauld, nginx, wrk).
#
# Runs hauld and haulproxy side by side with the peers that are installed
# (nginx, curl, wget, aria2c; load from wrk), alternately in the same
# session, and prints per scenario the median, min-max and the ratio
# haul/peer, then a summary of the issue's targets.  Installs nothing.
# Everything lives in a mktemp -d directory under /tmp, removed on exit;
# only processes (and network namespaces) this script started are ended.
#
# Environment:
#   BENCH_SIZE_MB    size of the binary file in MiB [1024]; the JSON text
#                    file is a quarter of it [256], the rate-limited-link
#                    file min(64, text) [64]
#   BENCH_ROUNDS     rounds of each comparison [3; 6 for d, g's download, h, i]
#   BENCH_SECS       seconds per wrk run [5]
#   BENCH_SCENARIOS  which scenarios, e.g. "a b" [a b c d e f g h i j]
#   BENCH_CONNS      idle connections in scenario f [10000]
#   BENCH_BIG=1      scenario f's RSS-vs-size also at 4x the binary file
#   BENCH_KEEP=1     keep the work directory (its path is printed)
#   BENCH_TMP        where the work directory goes [/tmp]
#   NGINX WRK CURL WGET ARIA2C   override a peer's path

set -u
export LC_ALL=C

BUILD=$(cd "${1:-.}" && pwd)
SRC=$(cd "${2:-$(dirname "$0")/..}" && pwd)
HAULD=$BUILD/src/hauld/hauld
HAULPROXY=$BUILD/src/haulproxy/haulproxy
BENCH=$SRC/bench

SIZE_MB=${BENCH_SIZE_MB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
# Whole-file writes to disk vary most (bench/README.md, machine caveats):
# those comparisons (d, g's download, h, i) take 6 alternating rounds
# unless BENCH_ROUNDS says otherwise.
WROUNDS=${BENCH_ROUNDS:-6}
SECS=${BENCH_SECS:-5}
SCENARIOS=" ${BENCH_SCENARIOS:-a b c d e f g h i j} "
NCONN=${BENCH_CONNS:-10000}
BIG=${BENCH_BIG:-0}
TEXT_MB=$((SIZE_MB / 4))
[ "$TEXT_MB" -ge 1 ] || TEXT_MB=1
E_MB=$((TEXT_MB < 64 ? TEXT_MB : 64))
CHUNK=524288
SMALL=4096
WORKERS=2
# Issue 5's reference figure for the Go demo in scenario c (MB/s payload on
# 2 cores).  The demo is not part of this repository and is not run here.
GO_DEMO_C=200

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$HAULD" ] || die "no hauld at $HAULD (run make first)"
[ -x "$HAULPROXY" ] || die "no haulproxy at $HAULPROXY (run make first)"
case $SIZE_MB in '' | *[!0-9]*) die "BENCH_SIZE_MB must be a number of MiB" ;; esac
[ "$SIZE_MB" -ge 1 ] || die "BENCH_SIZE_MB must be at least 1"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "BENCH_ROUNDS must be at least 1"

want() { case $SCENARIOS in *" $1 "*) return 0 ;; esac; return 1; }

. "$SRC/tests/common.sh"
. "$BENCH/lib.sh"
. "$BENCH/servers.sh"
for s in a-ranges b-small-ranges c-gzip-ranges d-download e-link f-scale \
    g-tls h-digest i-upload j-origins; do
	. "$BENCH/$s.sh"
done

# ---------------------------------------------------------------- peers
find_tool()
{
	# find_tool VAR NAME [fallback paths...]: VAR=path or empty
	local var=$1 name=$2 p
	shift 2
	p=${!var:-}
	if [ -z "$p" ]; then
		p=$(command -v "$name" 2>/dev/null)
		for f in "$@"; do
			[ -z "$p" ] && [ -x "$f" ] && p=$f
		done
	fi
	[ -n "$p" ] && [ -x "$p" ] || p=""
	printf -v "$var" '%s' "$p"
}
find_tool NGINX nginx /usr/sbin/nginx
find_tool WRK wrk
find_tool CURL curl
find_tool WGET wget
find_tool ARIA2C aria2c
find_tool IP ip /usr/sbin/ip /sbin/ip
find_tool TC tc /usr/sbin/tc /sbin/tc
find_tool CC cc gcc
GTIME=""
[ -x /usr/bin/time ] && GTIME=/usr/bin/time

MISSING=""
missing() { MISSING="$MISSING $1"; }
[ -n "$NGINX" ] || missing nginx-light
[ -n "$WRK" ] || missing wrk
[ -n "$CURL" ] || missing curl
[ -n "$WGET" ] || missing wget
[ -n "$ARIA2C" ] || missing aria2
[ -n "$IP" ] && [ -n "$TC" ] || missing iproute2
[ -n "$GTIME" ] || missing time
[ -n "$CC" ] || die "no C compiler (cc) to build bench/*.c"

# ---------------------------------------------------------------- workdir
W=$(mktemp -d "${BENCH_TMP:-/tmp}/haulbench.XXXXXX") || die "mktemp failed"
chmod 755 "$W"
mkdir -p "$W/files" "$W/run" "$W/dl" "$W/bin"
PIDS=""
NETNS=""
EXTRA_RM=""
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------- setup
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
NPROC=$(nproc 2>/dev/null || echo "?")
CODEC=$("$HAULD" -V 2>&1 | sed -n 's/.*codec \([^)]*\)).*/\1/p')

echo "haul benchmark suite — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(uname -srm), $NPROC cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "haul:     $("$HAULD" -V 2>&1 | head -n 1)"
printf 'peers:   '
[ -n "$NGINX" ] && printf ' %s' "$("$NGINX" -v 2>&1 | sed 's/.*version: //')"
[ -n "$WRK" ] && printf ' %s' "$("$WRK" -v 2>&1 | head -n 1 | awk '{ print $1 "/" $2 }')"
[ -n "$CURL" ] && printf ' curl/%s' "$("$CURL" -V | awk 'NR == 1 { print $2 }')"
[ -n "$WGET" ] && printf ' wget/%s' "$("$WGET" -V | awk 'NR == 1 { print $3 }')"
[ -n "$ARIA2C" ] && printf ' aria2c/%s' "$("$ARIA2C" -v | awk 'NR == 1 { print $3 }')"
echo
if [ -n "$MISSING" ]; then
	echo "MISSING:  $MISSING — their rows are skipped;" \
	    "install with: apt-get install$MISSING"
fi
echo "settings: binary ${SIZE_MB} MiB, text ${TEXT_MB} MiB, link file ${E_MB} MiB," \
    "$ROUNDS rounds, wrk ${SECS}s -t2, hauld -w $WORKERS, nginx $WORKERS workers," \
    "scenarios:$SCENARIOS"
echo "note:     load generator, servers and clients share the same $NPROC cores;" \
    "compare only within one run"
others_sampler $$ </dev/null >/dev/null 2>&1 &
SAMPLER=$!
PIDS="$PIDS $SAMPLER"
RUN_T0=$(now)
sleep 2.5
idle=$(calc "$(cat "$W/run/others.ticks" 2>/dev/null || echo 0) / $CLK_TCK / $(elapsed "$RUN_T0")")
echo "idle:     other processes keep $(fmt "$idle" 2) cores busy"
if awk -v x="$idle" 'BEGIN { exit !(x > 0.2) }'; then
	echo "WARNING:  the machine is not idle: something else is running; figures will be skewed"
fi

# helpers built from bench/*.c
CFL="-O2 -Wall"
"$CC" $CFL -o "$W/bin/genlog" "$BENCH/genlog.c" || die "cannot build genlog"
"$CC" $CFL -o "$W/bin/idleconns" "$BENCH/idleconns.c" || die "cannot build idleconns"
CODECLIBS=$(sed -n 's/^\(ZLIB_LIBS\|LIBS\) = //p' "$BUILD/Makefile" 2>/dev/null | tr '\n' ' ')
[ -n "$CODECLIBS" ] || CODECLIBS="-lz"
if ! "$CC" $CFL -I"$BUILD" -I"$SRC/src/common" -o "$W/bin/codecspeed" \
    "$BENCH/codecspeed.c" "$BUILD/src/common/libhaul.a" $CODECLIBS; then
	echo "bench: cannot build codecspeed; scenario c goes without the codec's own speed" >&2
fi

# data
t0=$(now)
head -c "$((SIZE_MB * 1048576))" /dev/urandom >"$W/files/big.bin" ||
    die "cannot write $W/files/big.bin"
"$W/bin/genlog" "$TEXT_MB" >"$W/files/log.json" || die "cannot write log.json"
head -c "$((E_MB * 1048576))" "$W/files/log.json" >"$W/files/link.json"
head -c 100 "$W/files/log.json" >"$W/files/small.txt"
GZR=$(gzip -1 -c "$W/files/log.json" | wc -c |
    awk -v n="$((TEXT_MB * 1048576))" '{ printf "%.2f", n / $1 }')
cat "$W"/files/* >/dev/null
sync
echo "data:     $W/files: big.bin random, log.json JSON log lines (gzip -1: ${GZR}x)," \
    "made and cached in $(fmt "$(elapsed "$t0")" 1) s"

BIG_BYTES=$((SIZE_MB * 1048576))
TEXT_BYTES=$((TEXT_MB * 1048576))
E_BYTES=$((E_MB * 1048576))

HAVE_NGINX=0
[ -n "$NGINX" ] && HAVE_NGINX=1

# ---------------------------------------------------------------- scenarios
if want a || want b || want c || want d; then
	need_servers
fi
for s in a b c d e f g h i j; do
	want $s && "scenario_$s"
done

# ---------------------------------------------------------------- others
# CPU other processes (not kernel threads, not ours) used during the run,
# from the sampler: someone else's load skews every figure.
run_s=$(elapsed "$RUN_T0")
other=$(calc "$(cat "$W/run/others.ticks" 2>/dev/null || echo 0) / $CLK_TCK")
stop_pid "$SAMPLER"
other_pct=$(awk -v o="$other" -v t="$run_s" -v n="$NPROC" 'BEGIN {
    printf "%.0f", o / (t * (n == "?" ? 1 : n)) * 100 }')
printf '\n== run: %s s; other processes used %s CPU s, %s%% of the machine\n' \
    "$(fmt "$run_s" 0)" "$(fmt "$other" 1)" "$other_pct"
if [ "$other_pct" -gt 3 ]; then
	echo "WARNING: other processes were busy during the run: the figures are skewed; run again on an idle machine"
fi

# ---------------------------------------------------------------- summary
block "summary: issue 5's targets (measured in this run)"
printf '  %-46s %10s %4s %-8s %s\n' target measured "" need verdict
for l in "${SUMMARY[@]}"; do
	echo "$l"
done
echo
exit 0
