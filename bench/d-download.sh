# bench/d-download.sh: scenario d, sourced by bench/run.sh: a whole-file
# download of big.bin to disk by haulproxy --fetch and by the haulproxy
# daemon (from hauld), and by curl, wget and aria2c (from nginx): wall
# time with and without an fsync after, client and server CPU, peak RSS.

scenario_d()
{
	local clients r first cl out
	block "d. whole-file download of big.bin (${SIZE_MB} MiB) to disk ($(df -PT "$W" | awk 'NR == 2 { print $2 }') under $W), $ROUNDS rounds"
	DL=$W/dl
	clients="haulproxy-fetch haulproxy-daemon"
	if [ "$HAVE_NGINX" = 1 ]; then
		[ -n "$CURL" ] && clients="$clients curl"
		[ -n "$WGET" ] && clients="$clients wget"
		[ -n "$ARIA2C" ] && clients="$clients aria2c"
	fi
	[ -n "$CURL" ] || clients=${clients/haulproxy-daemon/}
	for r in $(seq 1 "$WROUNDS"); do
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
			d_client "$cl" "$out" || continue
			# the first round checks every copy byte for byte
			if [ "$r" = 1 ] && ! cmp -s "$out" "$W/files/big.bin"; then
				echo "  ($cl: the downloaded copy differs from big.bin!)" >&2
			fi
		done
	done
	rm -rf "$DL"
	mkdir -p "$DL"
	d_table
}

# d_client CLIENT OUTFILE: one download into $DL by CLIENT, recorded under
# d.CLIENT; 1 if it did not run (the failure is said on stderr)
d_client()
{
	local cl=$1 out=$2 s0
	case $cl in
	haulproxy-fetch)
		s0=$(cpu_ticks "$HPID")
		timed d.$cl "$out" "$HAULPROXY" --fetch big.bin \
		    -o "http://127.0.0.1:$HPORT" -D "$DL" || return 1
		add d.$cl.srv "$(calc "($(cpu_ticks "$HPID") - $s0) / $CLK_TCK")"
		;;
	haulproxy-daemon)
		d_daemon || return 1
		;;
	curl)
		s0=$(cpu_ticks "$NPID")
		timed d.$cl "$out" "$CURL" -sSf -o "$out" \
		    "http://127.0.0.1:$NPORT/download/big.bin" || return 1
		add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
		;;
	wget)
		s0=$(cpu_ticks "$NPID")
		timed d.$cl "$out" "$WGET" -q -O "$out" \
		    "http://127.0.0.1:$NPORT/download/big.bin" || return 1
		add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
		;;
	aria2c)
		s0=$(cpu_ticks "$NPID")
		timed d.$cl "$out" "$ARIA2C" -q -x4 -s4 -d "$DL" -o big.bin \
		    --allow-overwrite=true --auto-file-renaming=false \
		    --console-log-level=error --summary-interval=0 \
		    "http://127.0.0.1:$NPORT/download/big.bin" || return 1
		add d.$cl.srv "$(calc "($(cpu_ticks "$NPID") - $s0) / $CLK_TCK")"
		;;
	esac
	return 0
}

# d_daemon: a haulproxy daemon on port 0 (from hauld, into $DL), asked by
# curl for big.bin; its CPU and peak RSS are the daemon's.  1 if it did
# not start.
d_daemon()
{
	local cl=haulproxy-daemon pf ppid pport s0 p0 t0 wall
	NRUN=$((NRUN + 1))
	pf=$W/run/proxy.$NRUN.port
	HAUL_PORT_FILE=$pf "$HAULPROXY" -b 127.0.0.1 -p 0 \
	    -o "http://127.0.0.1:$HPORT" -D "$DL" </dev/null \
	    >"$W/run/proxy.$NRUN.log" 2>&1 &
	ppid=$!
	PIDS="$PIDS $ppid"
	pport=$(port_from_file "$pf" "$ppid" 10)
	[ -n "$pport" ] || { stop_pid "$ppid"; return 1; }
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
	return 0
}

# d_table: the rows and targets of scenario d
d_table()
{
	local hw hws cl w m lo hi ms los his rm rhi sp sps
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
}
