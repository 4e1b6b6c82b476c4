# bench/f-scale.sh: scenario f, sourced by bench/run.sh: the memory of
# scale.  RSS of hauld and of nginx holding BENCH_CONNS idle keep-alive
# connections (bench/idleconns.c), fresh servers each round; then the peak
# RSS of one hauld worker and of haulproxy --fetch as the file grows.

scenario_f()
{
	local r order srv
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
			f_idle "$srv"
		done
	done
	f_idle_table
	f_growth
}

# f_idle hauld|nginx: a fresh server; its RSS before and with the idle
# connections, recorded under f.SERVER
f_idle()
{
	local srv=$1 spid sport before after ipid n ready still
	if [ "$srv" = hauld ]; then
		start_hauld 127.0.0.1 "" -c 20000 -t 600
		spid=$HPID sport=$HPORT
	else
		[ "$HAVE_NGINX" = 1 ] || return 0
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
}

# f_idle_table: the rows and targets of the idle connections
f_idle_table()
{
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
}

# f_growth: hauld -w 1 (one worker serves every chunk) and haulproxy
# --fetch from it, for files of about a tenth of big.bin, big.bin itself
# (and with BENCH_BIG=1 four times it): peak RSS should not grow with the
# file
f_growth()
{
	local sizes mb f hw wpid m lo hi who spread avail
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
}
