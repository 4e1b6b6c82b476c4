# bench/servers.sh: the servers and the load of the bench, sourced by
# bench/run.sh (bash) after bench/lib.sh.
#
# Starts hauld (on port 0, its port from HAUL_PORT_FILE) and nginx, each
# waited for until it serves /download/small.txt, optionally inside a
# network namespace; keeps the pair the scenarios share (need_servers,
# main_servers); runs wrk with bench/ranges.lua, and the random-range
# comparison of scenarios a and b.

# ---------------------------------------------------------------- servers
# SCHEME=https (scenario g): servers speak TLS; readiness is asked with
# curl -k, wrk gets https:// URLs.  NGINX_HTTP_EXTRA, NGINX_LISTEN_EXTRA
# and NGINX_SERVER_EXTRA go into nginx.conf's http block, listen line and
# server block.
SCHEME=http
NGINX_HTTP_EXTRA=""
NGINX_LISTEN_EXTRA=""
NGINX_SERVER_EXTRA=""

# http_ok ADDR PORT PATH [NETNS]: a 2xx (or a 4xx: a hauld that asks for
# credentials serves too) to GET PATH (bash /dev/tcp; no curl)
http_ok()
{
	local pre=()
	if [ "$SCHEME" = https ]; then
		"$CURL" -skf --max-time 3 -o /dev/null "https://$1:$2$3"
		return
	fi
	[ -n "${4:-}" ] && pre=("$IP" netns exec "$4")
	"${pre[@]}" timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
	    printf "GET %s HTTP/1.0\r\nHost: bench\r\n\r\n" "$2" >&3
	    head -c 12 <&3' "$1" "$2" "$3" 2>/dev/null | grep -q '^HTTP/1\.[01] [24]'
}

# wait_ok PID ADDR PORT NETNS: 10 s for /download/small.txt
wait_ok()
{
	wait_serving "$1" 10 http_ok "$2" "$3" /download/small.txt "$4"
}

NRUN=0
# start_hauld ADDR NETNS [hauld args...]: sets HPID HPORT
start_hauld()
{
	local addr=$1 ns=$2 pre=() pf log
	shift 2
	NRUN=$((NRUN + 1))
	pf=$W/run/hauld.$NRUN.port
	[ -n "$ns" ] && pre=("$IP" netns exec "$ns")
	HAUL_PORT_FILE=$pf "${pre[@]}" "$HAULD" -b "$addr" -p 0 \
	    -r "$W/files" -w "$WORKERS" "$@" </dev/null \
	    >"$W/run/hauld.$NRUN.log" 2>&1 &
	HPID=$!
	PIDS="$PIDS $HPID"
	log=$W/run/hauld.$NRUN.log
	HPORT=$(port_from_file "$pf" "$HPID" 10)
	case $? in
	1) die "hauld exited at startup: $(tail -3 "$log")" ;;
	2) die "hauld wrote no port in 10 s" ;;
	esac
	wait_ok "$HPID" "$addr" "$HPORT" "$ns" ||
	    die "hauld not answering: $(tail -3 "$log")"
}

# start_nginx ADDR NETNS [PORT]: sets NPID NPORT; without PORT, a free
# one (tried 5 times, in case someone takes it before nginx does)
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
		NPORT=${port:-$(free_port)}
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
	$NGINX_HTTP_EXTRA
	server {
		listen $addr:$NPORT $NGINX_LISTEN_EXTRA;
		$NGINX_SERVER_EXTRA
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
	    -s "$BENCH/ranges.lua" "$SCHEME://127.0.0.1:$1" -- "$2" "$3" "$4" \
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

# ---------------------------------------------------------------- a, b
# range_scenario TAG RANGESIZE METRIC(mbps|rps): wrk on big.bin with 16
# and 64 connections, hauld and nginx alternately, ROUNDS rounds
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

# range_block TAG UNIT DECIMALS: range_scenario's rows and targets
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

# need_servers: the hauld and nginx on 127.0.0.1 that scenarios a to e
# share (MAIN_*), started unless they run; main_servers makes them the
# current HPID/HPORT and NPID/NPORT again.
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

