# bench/i-upload.sh: scenario i, sourced by bench/run.sh: uploads (issue
# 13).  big.bin pushed by `haulproxy --upload` into hauld (-U, tus 1.0)
# and into @tus/server with its FileStore (node, from the npm cache the
# tests use; skipped when absent), and `curl -T` into nginx's WebDAV PUT
# (which buffers the body to a temp file and renames it), alternately:
# wall time as is and with an fsync of the stored file after (hauld
# syncs as it goes; the others do not), and each server's peak RSS.

scenario_i()
{
	local r order cl up tusdir npm tpid tport ipid iport nd hw
	block "i. uploads of big.bin (${SIZE_MB} MiB): haulproxy --upload into hauld and @tus/server, curl -T into nginx PUT"
	up=$W/up
	npm=${HAUL_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/haul-tests-npm}
	mkdir -p "$up" "$W/tusd"
	printf 'bench-upload-token-0123456789\n' >"$W/run/tokens"
	i_small_rss "$up"
	start_hauld 127.0.0.1 "" -U "$up" --auth-tokens "$W/run/tokens"
	ipid=$HPID iport=$HPORT
	tpid=""
	if command -v node >/dev/null 2>&1 && [ -d "$npm/node_modules/@tus/server" ]; then
		NODE_PATH=$npm/node_modules node "$SRC/tests/tus_server.js" \
		    "$W/tusd" "$W/run/tus.port" >"$W/run/tus.log" 2>&1 &
		tpid=$!
		PIDS="$PIDS $tpid"
		for r in $(seq 1 100); do [ -s "$W/run/tus.port" ] && break; sleep 0.1; done
		tport=$(cat "$W/run/tus.port" 2>/dev/null)
	fi
	nd=""
	if [ "$HAVE_NGINX" = 1 ]; then
		mkdir -p "$W/put"
		NGINX_SERVER_EXTRA="location /put/ { root $W; dav_methods PUT; create_full_put_path on; client_max_body_size 0; client_body_buffer_size 1m; }"
		start_nginx 127.0.0.1 ""
		nd=$NPID
		NGINX_SERVER_EXTRA=""
	fi
	for r in $(seq 1 "$WROUNDS"); do
		order="hauld tus nginx"
		[ $((r % 2)) = 0 ] && order="nginx tus hauld"
		for cl in $order; do
			rm -rf "$up"/big.bin "$W/tusd"/* "$W/put"/* "$W/dl"/.haul-upload-*
			sync
			cat "$W/files/big.bin" >/dev/null
			case $cl in
			hauld)
				timed i.hauld "$up/big.bin" "$HAULPROXY" --upload \
				    "$W/files/big.bin" -o "http://127.0.0.1:$iport" \
				    --origin-token "$W/run/tokens" -D "$W/dl" ||
				    continue
				add i.hauld.srss "$(calc "$(i_hwm "$ipid") / 1024")"
				;;
			tus)
				[ -n "$tpid" ] || continue
				timed i.tus "$W/tusd" "$HAULPROXY" --upload \
				    "$W/files/big.bin" -D "$W/dl" --upload-endpoint \
				    "http://127.0.0.1:$tport/files/" || continue
				add i.tus.srss "$(calc "$(hwm "$tpid") / 1024")"
				;;
			nginx)
				[ -n "$nd" ] || continue
				timed i.nginx "$W/put/big.bin" "$CURL" -sSf -T \
				    "$W/files/big.bin" "http://127.0.0.1:$NPORT/put/big.bin" ||
				    continue
				add i.nginx.srss "$(calc "$(i_hwm "$nd") / 1024")"
				;;
			esac
		done
	done
	hw=$(med i.hauld.wall)
	printf '  %-34s %17s %17s %13s %13s %9s %8s\n' "upload of big.bin" "wall s" \
	    "wall+fsync s" "server RSS MiB" "client RSS" "speed" "+fsync"
	for cl in hauld tus nginx; do
		[ "$(med i.$cl.wall)" = "-" ] && { skip "$cl: did not run"; continue; }
		read -r m lo hi < <(stats i.$cl.wall)
		read -r ms los his < <(stats i.$cl.walls)
		printf '  %-34s %17s %17s %13s %13s %9s %8s\n' "$(i_label $cl)" \
		    "$(fmt "$m" 2) ($(fmt "$lo" 2)-$(fmt "$hi" 2))" \
		    "$(fmt "$ms" 2) ($(fmt "$los" 2)-$(fmt "$his" 2))" \
		    "$(fmt "$(stats i.$cl.srss | awk '{ print $3 }')" 1)" "$(fmt "$(stats i.$cl.rss | awk '{ print $3 }')" 1)" \
		    "$([ $cl != hauld ] && ratio "$m" "$hw")" \
		    "$([ $cl != hauld ] && ratio "$ms" "$(med i.hauld.walls)")"
	done
	note "speed = peer wall / hauld wall (> 1: the hauld row is faster); RSS: peaks; the server's is its largest process (hauld, nginx)."
	note "hauld's peak RSS in a fresh hauld after one upload of $((SIZE_MB / 16)) MiB: $(fmt "$(med i.small.srss)" 1) MiB; after ${SIZE_MB} MiB uploads: $(fmt "$(stats i.hauld.srss | awk '{ print $3 }')" 1) MiB."
	note "hauld syncs at each PATCH's end (and every 8 MiB of one without Upload-Checksum; haulproxy sends one); @tus/server and nginx PUT do not: compare '+fsync' for equal durability."
	check "i. upload into hauld / @tus/server" "$(ratio "$(med i.tus.wall)" "$hw")" ">=" 3.00
	check "i. upload into hauld / nginx PUT (as is)" "$(ratio "$(med i.nginx.wall)" "$hw")" ">=" 0.90
	check "i. upload into hauld / nginx PUT (+fsync)" "$(ratio "$(med i.nginx.walls)" "$(med i.hauld.walls)")" ">=" 1.00
	check "i. hauld peak RSS, ${SIZE_MB} MiB upload / $((SIZE_MB / 16)) MiB (flat)" "$(ratio "$(stats i.hauld.srss | awk '{ print $3 }')" "$(med i.small.srss)")" "<=" 1.25
	stop_pid "$ipid"
	[ -n "$tpid" ] && stop_pid "$tpid"
	[ -n "$nd" ] && stop_pid "$nd"
}

# i_small_rss UPDIR: a fresh hauld's peak RSS (MiB, i.small.rss) after
# one upload of a sixteenth of big.bin, against which the big uploads'
# peak is compared: memory per upload must not grow with its size.
i_small_rss()
{
	local spid
	head -c $((SIZE_MB * 1024 * 1024 / 16)) "$W/files/big.bin" >"$W/files/up-small.bin"
	start_hauld 127.0.0.1 "" -U "$1" --auth-tokens "$W/run/tokens"
	spid=$HPID
	if "$HAULPROXY" --upload "$W/files/up-small.bin" -o "http://127.0.0.1:$HPORT" \
	    --origin-token "$W/run/tokens" -D "$W/dl" >"$W/run/client.log" 2>&1; then
		add i.small.srss "$(calc "$(i_hwm "$spid") / 1024")"
	else
		echo "  (small upload failed: $(tail -n 2 "$W/run/client.log" | tr '\n' ' '))" >&2
	fi
	stop_pid "$spid"
	rm -f "$1/up-small.bin" "$W/files/up-small.bin" "$W/dl"/.haul-upload-*
}

i_label()
{
	case $1 in
	hauld) echo "haulproxy --upload -> hauld -U" ;;
	tus) echo "haulproxy --upload -> @tus/server" ;;
	nginx) echo "curl -T -> nginx PUT" ;;
	esac
}

# i_hwm PID: the largest peak RSS (KiB) of PID and its children
i_hwm()
{
	local m=0 q v
	for q in $1 $(children "$1"); do
		v=$(hwm "$q")
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	echo "$m"
}
