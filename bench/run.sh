#!/bin/bash
# bench/run.sh: haul's benchmark suite (make bench).  See bench/README.md.
#
# Usage: bench/run.sh BUILDDIR SRCDIR
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
#   BENCH_ROUNDS     rounds of each comparison [3]
#   BENCH_SECS       seconds per wrk run [5]
#   BENCH_SCENARIOS  which scenarios, e.g. "a b" [a b c d e f]
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
SECS=${BENCH_SECS:-5}
SCENARIOS=" ${BENCH_SCENARIOS:-a b c d e f} "
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

alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) in
	Z | X | "") return 1 ;;
	esac
	return 0
}

children()
{
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		alive "$c" && echo "$c"
	done
}

wait_dead()
{
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		alive "$1" || return 0
		sleep 0.1
		n=$((n - 1))
	done
	! alive "$1"
}

# stop_pid PID: TERM it (and so its workers), KILL what is left after 10 s.
stop_pid()
{
	local p=$1 kids
	[ -n "$p" ] || return 0
	if alive "$p"; then
		kids=$(children "$p")
		kill -TERM "$p" 2>/dev/null
		if ! wait_dead "$p" 10; then
			kill -KILL "$p" 2>/dev/null
		fi
		for k in $kids; do
			alive "$k" && kill -KILL "$k" 2>/dev/null
		done
	fi
	wait "$p" 2>/dev/null
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$p" | tr '\n' ' ')
	return 0
}

cleanup()
{
	local st=$?
	trap - EXIT INT TERM
	for p in $PIDS; do
		stop_pid "$p"
	done
	for ns in $NETNS; do
		"$IP" netns del "$ns" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: work directory kept: $W" >&2
	else
		rm -rf "$W"
	fi
	for d in $EXTRA_RM; do rm -rf "$d"; done
	exit "$st"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------- numbers
declare -A V
add() { V[$1]="${V[$1]:-} $2"; }

# stats KEY: "median min max" of the values recorded under KEY (or "- - -")
stats()
{
	local v=${V[$1]:-}
	if [ -z "${v// /}" ]; then
		echo "- - -"
		return
	fi
	printf '%s\n' $v | sort -g | awk '{ a[NR] = $1 }
	    END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		  print m, a[1], a[NR] }'
}
med() { local m lo hi; read -r m lo hi < <(stats "$1"); echo "$m"; }
fmt()
{
	awk -v x="$1" -v d="$2" 'BEGIN {
	    if (x == "-" || x == "") print "-"; else printf "%.*f\n", d, x }'
}
# ratio A B: A/B to 2 decimals, "-" when either is unknown
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
	    if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"
	    else printf "%.2f\n", a / b }'
}
calc() { awk "BEGIN { printf \"%.6f\\n\", $* }"; }

# row LABEL KEY DECIMALS [RATIO]: one aligned line of a scenario block
row()
{
	local m lo hi
	local range=-
	read -r m lo hi < <(stats "$2")
	[ "$m" = - ] || range="$(fmt "$lo" "$3")-$(fmt "$hi" "$3")"
	printf '  %-40s %11s %23s %9s\n' "$1" "$(fmt "$m" "$3")" "$range" "${4:-}"
}
header()
{
	printf '  %-40s %11s %23s %9s\n' "$1" median "min-max" "${2:-haul/peer}"
}
block() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
skip() { printf '  SKIP %s\n' "$*"; }

# Targets: check NAME MEASURED OP NEED DETAIL
SUMMARY=()
check()
{
	local name=$1 got=$2 op=$3 need=$4 detail=${5:-} verdict
	if [ "$got" = "-" ] || [ -z "$got" ]; then
		verdict="not measured"
	elif awk -v g="$got" -v n="$need" -v op="$op" 'BEGIN {
	    exit !(op == ">=" ? g + 0 >= n + 0 : g + 0 <= n + 0) }'; then
		verdict="met"
	else
		verdict="NOT MET"
	fi
	SUMMARY+=("$(printf '  %-46s %10s %4s %-8s %-12s %s' "$name" "$got" \
	    "$op" "$need" "$verdict" "$detail")")
}

now() { date +%s.%N; }
elapsed() { calc "$(now) - $1"; }

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# cpu_ticks PID...: user+sys ticks of these processes and their children
# (reaped children included)
cpu_ticks()
{
	local t=0 p v
	for p in "$@"; do
		for q in $p $(children "$p"); do
			v=$(sed 's/.*) //' "/proc/$q/stat" 2>/dev/null |
			    awk '{ print $12 + $13 + $14 + $15 }')
			t=$((t + ${v:-0}))
		done
	done
	echo "$t"
}
# rss_sum PID...: VmRSS in KiB of these processes and their children
rss_sum()
{
	local t=0 p v
	for p in "$@"; do
		for q in $p $(children "$p"); do
			v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$q/status" 2>/dev/null)
			t=$((t + ${v:-0}))
		done
	done
	echo "$t"
}
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# ---------------------------------------------------------------- servers
# http_ok ADDR PORT PATH [NETNS]: a 2xx to GET PATH (bash /dev/tcp; no curl)
http_ok()
{
	local pre=()
	[ -n "${4:-}" ] && pre=("$IP" netns exec "$4")
	"${pre[@]}" timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
	    printf "GET %s HTTP/1.0\r\nHost: bench\r\n\r\n" "$2" >&3
	    head -c 12 <&3' "$1" "$2" "$3" 2>/dev/null | grep -q '^HTTP/1\.[01] 2'
}

wait_ok()
{
	# wait_ok PID ADDR PORT NETNS WHAT: 10 s for /download/small.txt
	local n=0
	until http_ok "$2" "$3" /download/small.txt "$4"; do
		alive "$1" || return 1
		n=$((n + 1))
		[ "$n" -ge 100 ] && return 1
		sleep 0.1
	done
}

NRUN=0
# start_hauld ADDR NETNS [hauld args...]: sets HPID HPORT
start_hauld()
{
	local addr=$1 ns=$2 pre=() pf n=0
	shift 2
	NRUN=$((NRUN + 1))
	pf=$W/run/hauld.$NRUN.port
	[ -n "$ns" ] && pre=("$IP" netns exec "$ns")
	HAUL_PORT_FILE=$pf "${pre[@]}" "$HAULD" -b "$addr" -p 0 \
	    -r "$W/files" -w "$WORKERS" "$@" </dev/null \
	    >"$W/run/hauld.$NRUN.log" 2>&1 &
	HPID=$!
	PIDS="$PIDS $HPID"
	while ! [ -s "$pf" ]; do
		alive "$HPID" || die "hauld exited at startup: $(tail -3 "$W/run/hauld.$NRUN.log")"
		n=$((n + 1))
		[ "$n" -ge 100 ] && die "hauld wrote no port in 10 s"
		sleep 0.1
	done
	HPORT=$(head -n 1 "$pf")
	wait_ok "$HPID" "$addr" "$HPORT" "$ns" ||
	    die "hauld not answering: $(tail -3 "$W/run/hauld.$NRUN.log")"
}

# start_nginx ADDR NETNS [PORT]: sets NPID NPORT
start_nginx()
{
	local addr=$1 ns=$2 port=${3:-} pre=() d try=0 user=""
	[ -n "$ns" ] && pre=("$IP" netns exec "$ns")
	[ "$(id -u)" = 0 ] && user="user root;"
	while :; do
		try=$((try + 1))
		NRUN=$((NRUN + 1))
		d=$W/run/nginx.$NRUN
		mkdir -p "$d/tmp"
		if [ -n "${3:-}" ]; then
			NPORT=$port
		else
			NPORT=$((20000 + RANDOM % 12000))
			if command -v ss >/dev/null &&
			    [ -n "$(ss -Htln "sport = :$NPORT" 2>/dev/null)" ]; then
				continue
			fi
		fi
		cat >"$d/nginx.conf" <<EOF
$user
daemon off;
master_process on;
worker_processes $WORKERS;
worker_rlimit_nofile 65536;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 20000; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	types { application/octet-stream bin; application/json json; text/plain txt; }
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 600s;
	server {
		listen $addr:$NPORT;
		location /download/ { alias $W/files/; }
	}
}
EOF
		"${pre[@]}" "$NGINX" -p "$d" -e "$d/error.log" -c "$d/nginx.conf" \
		    </dev/null >"$d/stderr" 2>&1 &
		NPID=$!
		PIDS="$PIDS $NPID"
		wait_ok "$NPID" "$addr" "$NPORT" "$ns" && return 0
		stop_pid "$NPID"
		[ "$try" -ge 5 ] && die "nginx would not start: $(cat "$d/stderr" "$d/error.log" 2>/dev/null | tail -3)"
	done
}

# ---------------------------------------------------------------- wrk
# kv LINE KEY: the number after " KEY=" in LINE (0 when absent)
kv()
{
	local v
	v=$(printf '%s\n' "$1" | sed -n "s/.* $2=\([0-9][0-9]*\).*/\1/p")
	echo "${v:-0}"
}

# wrk_run PORT PATH FILESIZE RANGESIZE CONNS [gzip]: sets WREQ WDUR WBYTES
# (WDUR in seconds); warns on errors
wrk_run()
{
	local out=$W/run/wrk.out line
	timeout $((SECS + 30)) "$WRK" -t2 -c"$5" -d"${SECS}s" --timeout 10s \
	    -s "$BENCH/ranges.lua" "http://127.0.0.1:$1" -- "$2" "$3" "$4" \
	    ${6:-} >"$out" 2>&1
	line=$(grep '^BENCH ' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "  (wrk failed: $(tail -n 2 "$out" | tr '\n' ' '))" >&2
		WREQ=0 WDUR=1 WBYTES=0
		return 1
	fi
	WREQ=$(kv "$line" requests)
	WDUR=$(calc "$(kv "$line" duration_us) / 1e6")
	WBYTES=$(kv "$line" bytes)
	errs=$(kv "$line" errors)
	non2xx=$(kv "$line" non2xx)
	if [ "$errs" != 0 ] || [ "$non2xx" != 0 ]; then
		echo "  (warning: wrk saw $errs socket errors and" \
		    "$non2xx non-2xx answers)" >&2
	fi
}

# ---------------------------------------------------------------- idle?
# others_snapshot ROOT: "pid ticks" of every process that is neither a
# kernel thread nor ROOT or a descendant of ROOT
others_snapshot()
{
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
	{
		pid = $1
		# the comm field may hold ") ": cut after the last one
		i = 0
		while ((k = index(substr($0, i + 1), ") ")) > 0)
			i += k
		rest = substr($0, i + 2)
		n = split(rest, f, " ")
		if (n < 13) next
		pp[pid] = f[2]
		t[pid] = f[12] + f[13]
	}
	END {
		mine[root] = 1
		for (pass = 0; pass < 12; pass++)
			for (p in pp)
				if (!(p in mine) && (pp[p] in mine))
					mine[p] = 1
		for (p in pp)
			if (!(p in mine) && p != 2 && pp[p] != 2 && p != 1)
				print p, t[p]
	}'
}

# others_sampler: every 2 s, add up the CPU ticks other processes used
# (new processes count from their start) into $W/run/others.ticks
others_sampler()
{
	local root=$1 total=0 d
	others_snapshot "$root" >"$W/run/others.prev"
	echo 0 >"$W/run/others.ticks"
	while :; do
		sleep 2
		others_snapshot "$root" >"$W/run/others.cur"
		d=$(awk 'NR == FNR { p[$1] = $2; next }
		    { d = ($1 in p) ? $2 - p[$1] : $2; if (d > 0) s += d }
		    END { print s + 0 }' "$W/run/others.prev" "$W/run/others.cur")
		total=$((total + d))
		echo "$total" >"$W/run/others.ticks"
		mv "$W/run/others.cur" "$W/run/others.prev"
	done
}

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

# ---------------------------------------------------------------- a, b
# range_scenario TAG RANGESIZE METRIC(mbps|rps)
range_scenario()
{
	local tag=$1 rs=$2 metric=$3 conns r order srv port v
	for conns in 16 64; do
		for r in $(seq 1 "$ROUNDS"); do
			order="hauld nginx"
			[ $((r % 2)) = 0 ] && order="nginx hauld"
			for srv in $order; do
				if [ "$srv" = hauld ]; then
					port=$HPORT
				else
					[ "$HAVE_NGINX" = 1 ] || continue
					port=$NPORT
				fi
				wrk_run "$port" /download/big.bin "$BIG_BYTES" "$rs" \
				    "$conns" || continue
				if [ "$metric" = mbps ]; then
					v=$(calc "$WREQ * $rs / $WDUR / 1e6")
				else
					v=$(calc "$WREQ / $WDUR")
				fi
				add "$tag.$conns.$srv" "$v"
			done
		done
	done
}

range_block()
{
	local tag=$1 unit=$2 dec=$3 conns h n rt
	for conns in 16 64; do
		h=$(med "$tag.$conns.hauld")
		n=$(med "$tag.$conns.nginx")
		rt=$(ratio "$h" "$n")
		row "$conns conns  hauld  $unit" "$tag.$conns.hauld" "$dec"
		if [ "$HAVE_NGINX" = 1 ]; then
			row "$conns conns  nginx  $unit" "$tag.$conns.nginx" "$dec" "$rt"
		else
			skip "nginx: not installed (apt-get install nginx-light)"
		fi
		check "$tag. $conns conns: hauld/nginx $unit" "$rt" ">=" 1.00
	done
}

need_servers()
{
	if [ -z "${HPID:-}" ] || ! alive "$HPID"; then
		start_hauld 127.0.0.1 ""
		MAIN_HPID=$HPID MAIN_HPORT=$HPORT
	fi
	if [ "$HAVE_NGINX" = 1 ] && { [ -z "${NPID:-}" ] || ! alive "$NPID"; }; then
		start_nginx 127.0.0.1 ""
		MAIN_NPID=$NPID MAIN_NPORT=$NPORT
	fi
}
main_servers()
{
	HPID=$MAIN_HPID HPORT=$MAIN_HPORT
	NPID=${MAIN_NPID:-} NPORT=${MAIN_NPORT:-}
}

if want a || want b || want c || want d; then
	need_servers
fi

if want a; then
	block "a. random aligned 512 KiB ranges of big.bin (${SIZE_MB} MiB), wrk -t2, ${SECS} s a run: payload MB/s (10^6)"
	if [ -z "$WRK" ]; then
		skip "a: wrk is not installed (apt-get install wrk)"
	else
		range_scenario a "$CHUNK" mbps
		header "" "hauld/nginx"
		range_block a MB/s 1
	fi
fi

if want b; then
	block "b. random aligned 4 KiB ranges of big.bin, wrk -t2, ${SECS} s a run: requests/s"
	if [ -z "$WRK" ]; then
		skip "b: wrk is not installed (apt-get install wrk)"
	else
		range_scenario b "$SMALL" rps
		header "" "hauld/nginx"
		range_block b req/s 0
	fi
fi

# ---------------------------------------------------------------- c
if want c; then
	block "c. random aligned 512 KiB ranges of log.json (${TEXT_MB} MiB) with Accept-Encoding: gzip, hauld, wrk -t2 -c16, ${SECS} s a run"
	if [ -z "$WRK" ]; then
		skip "c: wrk is not installed (apt-get install wrk)"
	else
		if [ -n "$CURL" ]; then
			ce=$("$CURL" -s -o /dev/null -D - -H 'Accept-Encoding: gzip' \
			    -r 0-$((CHUNK - 1)) "http://127.0.0.1:$HPORT/download/log.json" |
			    tr -d '\r' | sed -n 's/^[Cc]ontent-[Ee]ncoding: //p')
			[ "$ce" = gzip ] ||
			    note "WARNING: hauld did not gzip a 512 KiB range of log.json (Content-Encoding: '${ce}')"
		fi
		for r in $(seq 1 "$ROUNDS"); do
			c0=$(cpu_ticks "$HPID")
			wrk_run "$HPORT" /download/log.json "$TEXT_BYTES" "$CHUNK" 16 gzip || continue
			c1=$(cpu_ticks "$HPID")
			pay=$(calc "$WREQ * $CHUNK")
			add c.payload "$(calc "$pay / $WDUR / 1e6")"
			add c.wire "$(calc "$WBYTES / $WDUR / 1e6")"
			add c.cpu "$(calc "($c1 - $c0) / $CLK_TCK / ($pay / 1e9)")"
			add c.cores "$(calc "($c1 - $c0) / $CLK_TCK / $WDUR")"
		done
		if [ -x "$W/bin/codecspeed" ]; then
			for r in $(seq 1 "$ROUNDS"); do
				out=$("$W/bin/codecspeed" "$W/files/log.json" 1 "$CHUNK" 1) || break
				add c.codec "$(echo "$out" | sed 's/.*deflate_MBps=\([0-9.]*\).*/\1/')"
				add c.inflate "$(echo "$out" | sed 's/.*inflate_MBps=\([0-9.]*\).*/\1/')"
				add c.ratio "$(echo "$out" | sed 's/.*ratio=\([0-9.]*\).*/\1/')"
			done
		fi
		pm=$(med c.payload)
		cm=$(med c.codec)
		limit=$(awk -v c="$cm" -v n="$WORKERS" 'BEGIN { if (c == "-") print "-"; else print c * n }')
		header "" ""
		row "hauld payload MB/s (uncompressed)" c.payload 1
		row "hauld wire MB/s (gzip, headers incl.)" c.wire 1
		row "hauld CPU s per payload GB" c.cpu 2
		row "hauld CPU use (cores busy)" c.cores 2
		row "codec deflate MB/s, 1 core (-Z 1)" c.codec 1
		row "codec inflate MB/s, 1 core" c.inflate 1
		row "codec ratio on 512 KiB ranges" c.ratio 2
		printf '  %-40s %11s\n' "payload / (codec x $WORKERS workers)" "$(ratio "$pm" "$limit")"
		printf '  %-40s %11s\n' "payload / Go demo (issue's ${GO_DEMO_C} MB/s)" "$(ratio "$pm" "$GO_DEMO_C")"
		note "codec: $CODEC.  nginx does not gzip ranges, so there is no peer here; the Go"
		note "demo the issue compares with is not in this repository: its ${GO_DEMO_C} MB/s is the"
		note "issue's figure, not measured.  wrk shares the ${NPROC} cores with hauld."
		check "c. payload MB/s >= 4x Go demo (issue figure)" "$(fmt "$pm" 0)" ">=" $((4 * GO_DEMO_C))
		check "c. payload / (codec speed x cores)" "$(ratio "$pm" "$limit")" ">=" 0.80
	fi
fi

# ---------------------------------------------------------------- d
# timed TAG OUTFILE CMD...: run CMD (bounded), record wall, CPU, RSS, and the
# wall time including an fsync of OUTFILE afterwards
timed()
{
	local tag=$1 out=$2 t0 wall s0 st u s m
	shift 2
	t0=$(now)
	if [ -n "$GTIME" ]; then
		timeout 600 "$GTIME" -f '%e %U %S %M' -o "$W/run/time" "$@" \
		    >"$W/run/client.log" 2>&1
	else
		timeout 600 "$@" >"$W/run/client.log" 2>&1
	fi
	st=$?
	wall=$(elapsed "$t0")
	if [ "$st" != 0 ]; then
		echo "  ($tag failed with status $st: $(tail -n 2 "$W/run/client.log" | tr '\n' ' '))" >&2
		return 1
	fi
	s0=$(now)
	sync "$out" 2>/dev/null || sync
	add "$tag.wall" "$wall"
	add "$tag.walls" "$(calc "$wall + $(elapsed "$s0")")"
	if [ -n "$GTIME" ] && read -r _ u s m <"$W/run/time"; then
		add "$tag.cpu" "$(calc "$u + $s")"
		add "$tag.rss" "$(calc "$m / 1024")"
	fi
	return 0
}

fresh_dir()
{
	rm -rf "$1"
	mkdir -p "$1"
	sync
}

if want d; then
	block "d. whole-file download of big.bin (${SIZE_MB} MiB) to disk ($(df -PT "$W" | awk 'NR == 2 { print $2 }') under $W), $ROUNDS rounds"
	DL=$W/dl
	clients="haulproxy-fetch haulproxy-daemon"
	if [ "$HAVE_NGINX" = 1 ]; then
		[ -n "$CURL" ] && clients="$clients curl"
		[ -n "$WGET" ] && clients="$clients wget"
		[ -n "$ARIA2C" ] && clients="$clients aria2c"
	fi
	[ -n "$CURL" ] || clients=${clients/haulproxy-daemon/}
	for r in $(seq 1 "$ROUNDS"); do
		# rotate the order each round
		set -- $clients
		for _ in $(seq 2 "$r"); do
			first=$1
			shift
			set -- "$@" "$first"
		done
		for cl in "$@"; do
			fresh_dir "$DL"
			cat "$W/files/big.bin" >/dev/null
			out=$DL/big.bin
			case $cl in
			haulproxy-fetch)
				s0=$(cpu_ticks "$HPID")
				timed d.$cl "$out" "$HAULPROXY" --fetch big.bin \
				    -o "http://127.0.0.1:$HPORT" -D "$DL" || continue
				add d.$cl.srv "$(calc "($(cpu_ticks "$HPID") - $s0) / $CLK_TCK")"
				;;
			haulproxy-daemon)
				NRUN=$((NRUN + 1))
				pf=$W/run/proxy.$NRUN.port
				HAUL_PORT_FILE=$pf "$HAULPROXY" -b 127.0.0.1 -p 0 \
				    -o "http://127.0.0.1:$HPORT" -D "$DL" </dev/null \
				    >"$W/run/proxy.$NRUN.log" 2>&1 &
				ppid=$!
				PIDS="$PIDS $ppid"
				n=0
				while ! [ -s "$pf" ] && alive "$ppid" && [ "$n" -lt 100 ]; do
					sleep 0.1
					n=$((n + 1))
				done
				pport=$(cat "$pf" 2>/dev/null)
				[ -n "$pport" ] || { stop_pid "$ppid"; continue; }
				s0=$(cpu_ticks "$HPID")
				p0=$(cpu_ticks "$ppid")
				t0=$(now)
				if timeout 600 "$CURL" -sf -o "$W/run/answer" \
				    "http://127.0.0.1:$pport/download/big.bin"; then
					wall=$(elapsed "$t0")
					add d.$cl.wall "$wall"
					add d.$cl.walls "$wall"
					add d.$cl.cpu "$(calc "($(cpu_ticks "$ppid") - $p0) / $CLK_TCK")"
					add d.$cl.rss "$(calc "$(hwm "$ppid") / 1024")"
					add d.$cl.srv "$(calc "($(cpu_ticks "$HPID") - $s0) / $CLK_TCK")"
				else
					echo "  (haulproxy daemon download failed: $(head -c 200 "$W/run/answer" 2>/dev/null))" >&2
				fi
				stop_pid "$ppid"
				;;
			curl)
				s0=$(cpu_ticks "$NPID")
				timed d.$cl "$out" "$CURL" -sSf -o "$out" \
				    "http://127.0.0.1:$NPORT/download/big.bin" || continue
				add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
				;;
			wget)
				s0=$(cpu_ticks "$NPID")
				timed d.$cl "$out" "$WGET" -q -O "$out" \
				    "http://127.0.0.1:$NPORT/download/big.bin" || continue
				add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
				;;
			aria2c)
				s0=$(cpu_ticks "$NPID")
				timed d.$cl "$out" "$ARIA2C" -q -x4 -s4 -d "$DL" -o big.bin \
				    --allow-overwrite=true --auto-file-renaming=false \
				    --console-log-level=error --summary-interval=0 \
				    "http://127.0.0.1:$NPORT/download/big.bin" || continue
				add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
				;;
			esac
			# the first round checks every copy byte for byte
			if [ "$r" = 1 ] && ! cmp -s "$out" "$W/files/big.bin"; then
				echo "  ($cl: the downloaded copy differs from big.bin!)" >&2
			fi
		done
	done
	rm -rf "$DL"
	mkdir -p "$DL"
	hw=$(med d.haulproxy-fetch.wall)
	hws=$(med d.haulproxy-fetch.walls)
	printf '  %-18s %17s %17s %15s %13s %13s %7s %7s\n' client "wall s" \
	    "wall+fsync s" "client CPU s" "server CPU s" "peak RSS MiB" "speed" "+fsync"
	printf '  %-18s %17s %17s %15s %13s %13s %7s %7s\n' "" "med (min-max)" \
	    "med (min-max)" "med" "med" "med (max)" "h/peer" "h/peer"
	for cl in haulproxy-fetch haulproxy-daemon curl wget aria2c; do
		w=$(med d.$cl.wall)
		if [ "$w" = "-" ]; then
			case $cl in
			haulproxy-*) skip "$cl: needs curl to ask the daemon" ;;
			curl) skip "curl: not installed (apt-get install curl) or no nginx" ;;
			wget) skip "wget: not installed (apt-get install wget) or no nginx" ;;
			aria2c) skip "aria2c: not installed (apt-get install aria2) or no nginx" ;;
			esac
			continue
		fi
		read -r m lo hi < <(stats d.$cl.wall)
		read -r ms los his < <(stats d.$cl.walls)
		read -r rm _ rhi < <(stats d.$cl.rss)
		sp="" sps=""
		case $cl in
		haulproxy-*) ;;
		*) sp=$(ratio "$w" "$hw"); sps=$(ratio "$ms" "$hws") ;;
		esac
		printf '  %-18s %17s %17s %15s %13s %13s %7s %7s\n' "$cl" \
		    "$(fmt "$m" 2) ($(fmt "$lo" 2)-$(fmt "$hi" 2))" \
		    "$(fmt "$ms" 2) ($(fmt "$los" 2)-$(fmt "$his" 2))" \
		    "$(fmt "$(med d.$cl.cpu)" 2)" "$(fmt "$(med d.$cl.srv)" 2)" \
		    "$(fmt "$rm" 1) ($(fmt "$rhi" 1))" "$sp" "$sps"
	done
	printf '  %-18s %17s\n' "haulproxy MB/s" "$(fmt "$(calc "$BIG_BYTES / ${hw/-/0} / 1e6" 2>/dev/null)" 0)"
	note "haulproxy --fetch and the daemon: from hauld (-w $WORKERS); curl, wget, aria2c -x4 -s4: from nginx."
	note "The daemon row: curl asks haulproxy's GET /download/NAME; its CPU and RSS are the daemon's."
	note "speed h/peer = peer wall / haulproxy --fetch wall (> 1: haul faster)."
	note "fsync: haulproxy syncs the data and renames before it exits (its 'wall' includes that);"
	note "curl, wget and aria2c leave dirty pages behind.  'wall' is each client as is;"
	note "'wall+fsync' adds the time of an fsync of the file right after the client exits."
	note "Before each run: the previous copy deleted, sync, big.bin re-read into the page cache."
	if [ -n "$(med d.curl.wall)" ] && [ "$(med d.curl.wall)" != "-" ]; then
		check "d. haulproxy --fetch speed / curl (as is)" "$(ratio "$(med d.curl.wall)" "$hw")" ">=" 1.00
		check "d. haulproxy --fetch speed / curl (+fsync)" "$(ratio "$(med d.curl.walls)" "$hws")" ">=" 1.00 "(info)"
	else
		check "d. haulproxy --fetch speed / curl (as is)" "-" ">=" 1.00
	fi
	read -r m lo hi < <(stats d.haulproxy-fetch.rss)
	check "d. haulproxy --fetch peak RSS MiB" "$(fmt "$hi" 1)" "<=" 6
	read -r m lo hi < <(stats d.haulproxy-daemon.rss)
	check "d. haulproxy daemon peak RSS MiB" "$(fmt "$hi" 1)" "<=" 6
fi

# ---------------------------------------------------------------- e
# e_round LINK NS ADDR HPORT NPORT FILE BYTES DIR ROUND: one round, every client
e_round()
{
	local link=$1 ns=$2 addr=$3 hp=$4 np=$5 file=$6 bytes=$7 dir=$8 r=$9
	local pre=() cl t0 wall order
	[ -n "$ns" ] && pre=("$IP" netns exec "$ns")
	order="auto always never curl"
	case $((r % 4)) in
	2) order="always never curl auto" ;;
	3) order="never curl auto always" ;;
	0) order="curl auto always never" ;;
	esac
	for cl in $order; do
		fresh_dir "$dir"
		t0=$(now)
		if [ "$cl" = curl ]; then
			[ -n "$CURL" ] && [ -n "$np" ] || continue
			timeout 600 "${pre[@]}" "$CURL" -sSf -o "$dir/$file" \
			    "http://$addr:$np/download/$file" >"$W/run/client.log" 2>&1
		else
			timeout 600 "${pre[@]}" "$HAULPROXY" --fetch "$file" --gzip "$cl" \
			    -o "http://$addr:$hp" -D "$dir" >"$W/run/client.log" 2>&1
		fi || {
			echo "  ($link $cl failed: $(tail -n 2 "$W/run/client.log" | tr '\n' ' '))" >&2
			continue
		}
		wall=$(elapsed "$t0")
		if [ "$r" = 1 ] && ! cmp -s "$dir/$file" "$W/files/$file"; then
			echo "  ($link $cl: the copy differs from $file!)" >&2
		fi
		add "e.$link.$cl" "$(calc "$bytes / $wall / 1e6")"
	done
}

e_rows()
{
	local link=$1 best c a
	a=$(med e.$link.auto)
	best=$(awk -v x="$(med e.$link.always)" -v y="$(med e.$link.never)" 'BEGIN {
	    if (x == "-") print y; else if (y == "-") print x; else print (x > y ? x : y) }')
	row "$link  haulproxy --gzip auto" e.$link.auto 1 "$(ratio "$a" "$best")"
	row "$link  haulproxy --gzip always" e.$link.always 1 "$(ratio "$(med e.$link.always)" "$best")"
	row "$link  haulproxy --gzip never" e.$link.never 1 "$(ratio "$(med e.$link.never)" "$best")"
	c=$(med e.$link.curl)
	if [ "$c" != "-" ]; then
		row "$link  curl from nginx" e.$link.curl 1 "$(ratio "$a" "$c")"
	else
		skip "$link curl from nginx: curl or nginx not installed"
	fi
	check "e. $link: auto / best of always,never" "$(ratio "$a" "$best")" ">=" 0.90
	[ "$link" = loopback ] || check "e. $link: haulproxy auto / curl" "$(ratio "$a" "$c")" ">=" 3.00
}

if want e; then
	block "e. text over a link: payload MB/s of a whole-file download (haulproxy from hauld, curl from nginx), $ROUNDS rounds"
	note "Copies go to a tmpfs (/dev/shm) where there is one, so the link and not the disk is measured"
	note "(scenario d measures the disk).  Ratio column: auto rows = x / best of always,never;"
	note "curl row = haulproxy auto / curl."
	EDIR=$W/edl
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		EDIR=$(mktemp -d /dev/shm/haulbench.XXXXXX)
		EXTRA_RM="$EXTRA_RM $EDIR"
	fi
	header "" "ratio"
	# loopback first, with the servers of the other scenarios
	need_servers
	for r in $(seq 1 "$ROUNDS"); do
		e_round loopback "" 127.0.0.1 "$MAIN_HPORT" "${MAIN_NPORT:-}" log.json "$TEXT_BYTES" "$EDIR" "$r"
	done
	e_rows loopback
	note "loopback: log.json, ${TEXT_MB} MiB"
	# rate-limited links in two network namespaces of our own
	ereason=""
	if [ "$(id -u)" != 0 ]; then
		ereason="not root (network namespaces and tc need root)"
	elif [ -z "$IP" ] || [ -z "$TC" ]; then
		ereason="ip/tc not installed (apt-get install iproute2)"
	else
		NS_S=haulbs$$ NS_C=haulbc$$ VA=hbs$$ VB=hbc$$
		if "$IP" netns add "$NS_S" 2>"$W/run/ns.err"; then
			NETNS="$NETNS $NS_S"
			if "$IP" netns add "$NS_C" 2>>"$W/run/ns.err"; then
				NETNS="$NETNS $NS_C"
			fi
		fi
		if ! { [ "$NETNS" = " $NS_S $NS_C" ] &&
		    "$IP" link add "$VA" type veth peer name "$VB" &&
		    "$IP" link set "$VA" netns "$NS_S" &&
		    "$IP" link set "$VB" netns "$NS_C" &&
		    "$IP" -n "$NS_S" addr add 192.0.2.1/24 dev "$VA" &&
		    "$IP" -n "$NS_C" addr add 192.0.2.2/24 dev "$VB" &&
		    "$IP" -n "$NS_S" link set lo up &&
		    "$IP" -n "$NS_C" link set lo up &&
		    "$IP" -n "$NS_S" link set "$VA" up &&
		    "$IP" -n "$NS_C" link set "$VB" up; } 2>>"$W/run/ns.err"; then
			ereason="ip netns / veth setup failed: $(tail -n 1 "$W/run/ns.err")"
		fi
	fi
	if [ -n "$ereason" ]; then
		skip "e. rate-limited links: $ereason"
	else
		start_hauld 192.0.2.1 "$NS_S"
		EHPID=$HPID EHPORT=$HPORT
		ENPORT=""
		if [ "$HAVE_NGINX" = 1 ]; then
			start_nginx 192.0.2.1 "$NS_S" 8080
			ENPID=$NPID ENPORT=$NPORT
		fi
		for link in 1gbit 100mbit; do
			case $link in
			1gbit) burst=1mb ef=log.json eb=$TEXT_BYTES em=$TEXT_MB ;;
			100mbit) burst=256kb ef=link.json eb=$E_BYTES em=$E_MB ;;
			esac
			ok=1
			for pair in "$NS_S $VA" "$NS_C $VB"; do
				set -- $pair
				"$IP" netns exec "$1" "$TC" qdisc replace dev "$2" root \
				    tbf rate "$link" burst "$burst" latency 20ms \
				    2>>"$W/run/ns.err" || ok=0
			done
			if [ "$ok" = 0 ]; then
				skip "e. $link: tc tbf failed: $(tail -n 1 "$W/run/ns.err")"
				continue
			fi
			for r in $(seq 1 "$ROUNDS"); do
				e_round "$link" "$NS_C" 192.0.2.1 "$EHPORT" "$ENPORT" "$ef" "$eb" "$EDIR" "$r"
			done
			e_rows "$link"
			note "$link: tc tbf rate $link burst $burst on both ends of a veth pair between two"
			note "network namespaces (192.0.2.1 hauld + nginx, 192.0.2.2 clients); $ef, ${em} MiB"
		done
		stop_pid "$EHPID"
		[ -n "$ENPORT" ] && stop_pid "$ENPID"
		for ns in $NETNS; do "$IP" netns del "$ns" 2>/dev/null; done
		NETNS=""
	fi
	rm -rf "$EDIR"
	main_servers
fi

# ---------------------------------------------------------------- f
if want f; then
	block "f. scale: $NCONN idle keep-alive connections (each after one completed request), $ROUNDS rounds"
	note "RSS = sum of VmRSS of the server's master and workers (KiB), fresh servers each round;"
	note "kernel socket memory is not in it.  hauld -w $WORKERS -c 20000 -t 600; nginx $WORKERS workers,"
	note "worker_connections 20000, keepalive_timeout 600s."
	nfd=$(ulimit -n)
	if [ "$nfd" -lt $((NCONN + 100)) ]; then
		note "WARNING: ulimit -n is $nfd: fewer than $NCONN connections may open"
	fi
	stop_pid "${MAIN_HPID:-}"
	[ -n "${MAIN_NPID:-}" ] && stop_pid "$MAIN_NPID"
	MAIN_HPID="" MAIN_NPID="" HPID="" NPID=""
	src=10
	for r in $(seq 1 "$ROUNDS"); do
		order="hauld nginx"
		[ $((r % 2)) = 0 ] && order="nginx hauld"
		for srv in $order; do
			if [ "$srv" = hauld ]; then
				start_hauld 127.0.0.1 "" -c 20000 -t 600
				spid=$HPID sport=$HPORT
			else
				[ "$HAVE_NGINX" = 1 ] || continue
				start_nginx 127.0.0.1 ""
				spid=$NPID sport=$NPORT
			fi
			sleep 0.5
			before=$(rss_sum "$spid")
			src=$((src + 1))
			rm -f "$W/run/hold" "$W/run/idle.out"
			mkfifo "$W/run/hold"
			"$W/bin/idleconns" 127.0.0.1 "$sport" /download/small.txt "$NCONN" \
			    "127.0.0.$src" <"$W/run/hold" >"$W/run/idle.out" 2>"$W/run/idle.err" &
			ipid=$!
			PIDS="$PIDS $ipid"
			exec 7>"$W/run/hold"
			n=0
			while ! grep -q '^ready' "$W/run/idle.out" 2>/dev/null &&
			    alive "$ipid" && [ "$n" -lt 1200 ]; do
				sleep 0.1
				n=$((n + 1))
			done
			ready=$(sed -n 's/^ready //p' "$W/run/idle.out")
			sleep 1
			after=$(rss_sum "$spid")
			exec 7>&-
			wait_dead "$ipid" 30 || kill -TERM "$ipid" 2>/dev/null
			wait "$ipid" 2>/dev/null
			PIDS=$(printf '%s\n' $PIDS | grep -vx "$ipid" | tr '\n' ' ')
			still=$(sed -n 's/^alive //p' "$W/run/idle.out")
			if [ -z "$ready" ] || [ "$ready" -lt "$NCONN" ]; then
				echo "  ($srv: only ${ready:-0} of $NCONN connections completed: $(head -n 1 "$W/run/idle.err"))" >&2
			fi
			if [ -n "$still" ] && [ -n "$ready" ] && [ "$still" -lt "$ready" ]; then
				echo "  ($srv closed $((ready - still)) of the idle connections during the measurement)" >&2
			fi
			if [ -n "$ready" ] && [ "$ready" -gt 0 ]; then
				add "f.$srv.kib" "$(calc "($after - $before) / $ready")"
				add "f.$srv.before" "$(calc "$before / 1024")"
				add "f.$srv.after" "$(calc "$after / 1024")"
				add "f.$srv.total" "$(calc "$after / $ready")"
				add "f.$srv.n" "$ready"
			fi
			stop_pid "$spid"
		done
	done
	header "" "hauld/nginx"
	row "hauld  KiB per idle connection" f.hauld.kib 2
	row "hauld  RSS MiB before (all processes)" f.hauld.before 1
	row "hauld  RSS MiB with the connections" f.hauld.after 1
	row "hauld  KiB: RSS with them / connections" f.hauld.total 2
	if [ "$HAVE_NGINX" = 1 ]; then
		row "nginx  KiB per idle connection" f.nginx.kib 2 \
		    "$(ratio "$(med f.hauld.kib)" "$(med f.nginx.kib)")"
		row "nginx  RSS MiB before (all processes)" f.nginx.before 1
		row "nginx  RSS MiB with the connections" f.nginx.after 1
		row "nginx  KiB: RSS with them / connections" f.nginx.total 2 \
		    "$(ratio "$(med f.hauld.total)" "$(med f.nginx.total)")"
		note "KiB per idle connection = (RSS with them - RSS before) / connections: the"
		note "marginal cost.  nginx allocates and initialises its connection and event"
		note "arrays for all worker_connections (20000 per worker) at start, so that part"
		note "of its per-connection cost is already in its RSS before; the total/N line"
		note "shows it."
		check "f. hauld KiB/conn <= nginx KiB/conn (ratio)" \
		    "$(ratio "$(med f.hauld.kib)" "$(med f.nginx.kib)")" "<=" 1.00
		check "f. same, as RSS with them / N (ratio)" \
		    "$(ratio "$(med f.hauld.total)" "$(med f.nginx.total)")" "<=" 1.00 "(info)"
	else
		skip "nginx: not installed (apt-get install nginx-light)"
	fi

	# RSS as the file grows: one worker, so it serves every chunk
	sizes="$((SIZE_MB * 100 / 1024)) $SIZE_MB"
	[ "${sizes%% *}" -ge 1 ] || sizes="1 $SIZE_MB"
	[ "$BIG" = 1 ] && sizes="$sizes $((SIZE_MB * 4))"
	printf '\n  %-24s %22s %22s %22s\n' "file size" "hauld worker peak RSS" \
	    "haulproxy --fetch peak" "haulproxy fetch s"
	DL=$W/dl
	for mb in $sizes; do
		f=grow$mb.bin
		if [ "$mb" = "$SIZE_MB" ]; then
			ln -f "$W/files/big.bin" "$W/files/$f"
		elif [ "$mb" -lt "$SIZE_MB" ]; then
			head -c "$((mb * 1048576))" "$W/files/big.bin" >"$W/files/$f"
		else
			avail=$(df -Pk "$W" | awk 'NR == 2 { print $4 }')
			if [ "$avail" -lt $((mb * 1024 * 2 + 1048576)) ]; then
				skip "$mb MiB: not enough disk space under $W"
				continue
			fi
			: >"$W/files/$f"
			for _ in 1 2 3 4; do cat "$W/files/big.bin" >>"$W/files/$f"; done
		fi
		cat "$W/files/$f" >/dev/null
		WORKERS=1 start_hauld 127.0.0.1 ""
		wpid=$(children "$HPID" | head -n 1)
		fresh_dir "$DL"
		timed f.grow$mb "$DL/$f" "$HAULPROXY" --fetch "$f" \
		    -o "http://127.0.0.1:$HPORT" -D "$DL"
		hw=$(hwm "$wpid")
		add f.hauld.grow "$hw"
		read -r m lo hi < <(stats f.grow$mb.rss)
		[ "$m" != "-" ] && add f.proxy.grow "$(calc "$m * 1024")"
		printf '  %-24s %18s MiB %18s MiB %22s\n' "$mb MiB" \
		    "$(fmt "$(calc "${hw:-0} / 1024")" 1)" "$(fmt "$m" 1)" \
		    "$(fmt "$(med f.grow$mb.wall)" 2)"
		stop_pid "$HPID"
		rm -f "$W/files/$f"
		fresh_dir "$DL"
	done
	note "hauld -w 1 (one worker serves every chunk); haulproxy --fetch from it, into $DL."
	[ "$BIG" = 1 ] || note "set BENCH_BIG=1 to add a $((SIZE_MB * 4)) MiB file."
	for who in hauld proxy; do
		read -r m lo hi < <(stats f.$who.grow)
		spread=$(awk -v a="$lo" -v b="$hi" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", (b - a) / 1024 }')
		check "f. $who RSS spread over file sizes (MiB)" "$spread" "<=" 1.00 "(sizes: $sizes MiB)"
	done
	read -r m lo hi < <(stats f.proxy.grow)
	[ "$hi" != "-" ] && check "d/f. haulproxy peak RSS at any size (MiB)" \
	    "$(fmt "$(calc "$hi / 1024")" 1)" "<=" 6
fi

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
