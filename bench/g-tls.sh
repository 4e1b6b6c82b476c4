# bench/g-tls.sh: scenario g, sourced by bench/run.sh: TLS (issue 11).
# hauld --tls-cert against nginx with ssl (the same certificate and key,
# OpenSSL's defaults on both, 2 workers each): random aligned 512 KiB and
# 4 KiB ranges of big.bin under wrk over https; then a whole-file
# download of big.bin over https by haulproxy --fetch and by curl (both
# verifying against the test CA), from that nginx, with the handshakes
# each download cost (from nginx's log: connections, and those that
# resumed a session).

scenario_g()
{
	local r order cl c0 n reused
	block "g. TLS: ranges of big.bin over https (hauld vs nginx ssl), and a download over https (haulproxy --fetch vs curl)"
	if [ "$HAVE_NGINX" != 1 ] || [ -z "$CURL" ]; then
		skip "g: needs nginx and curl"
		return
	fi
	. "$SRC/tests/certs.sh"
	make_certs "$W/certs" || { skip "g: openssl could not make certificates"; return; }
	SCHEME=https
	NGINX_HTTP_EXTRA="log_format hs '\$connection \$ssl_session_reused'; ssl_session_cache shared:SSL:1m; ssl_protocols TLSv1.2 TLSv1.3;"
	NGINX_LISTEN_EXTRA="ssl"
	NGINX_SERVER_EXTRA="ssl_certificate $W/certs/srv.pem; ssl_certificate_key $W/certs/srv.key; access_log $W/run/g-access.log hs;"
	start_hauld 127.0.0.1 "" --tls-cert "$W/certs/srv.pem" --tls-key "$W/certs/srv.key"
	local ghpid=$HPID
	start_nginx 127.0.0.1 ""
	local gnpid=$NPID
	if [ -n "$WRK" ]; then
		range_scenario g512 "$CHUNK" mbps
		range_scenario g4k "$SMALL" rps
		header "512 KiB ranges" "hauld/nginx"
		range_block g512 MB/s 1
		header "4 KiB ranges" "hauld/nginx"
		range_block g4k req/s 0
		note "hauld copies file bytes through a 64 KiB buffer into OpenSSL (no kTLS in this kernel: $("$HAULD" -V | sed 's/.*kTLS/kTLS/;s/)$//'));"
		note "nginx with sendfile on does the same without kTLS (ssl_sendfile needs it too)."
	else
		skip "g ranges: wrk is not installed (apt-get install wrk)"
	fi
	DL=$W/dl
	for r in $(seq 1 "$WROUNDS"); do
		order="haulproxy curl"
		[ $((r % 2)) = 0 ] && order="curl haulproxy"
		for cl in $order; do
			fresh_dir "$DL"
			cat "$W/files/big.bin" >/dev/null
			c0=$(wc -l <"$W/run/g-access.log" 2>/dev/null || echo 0)
			if [ "$cl" = haulproxy ]; then
				timed g.$cl "$DL/big.bin" "$HAULPROXY" --fetch \
				    "https://localhost:$NPORT/download/big.bin" \
				    --cacert "$W/certs/ca.pem" -D "$DL" || continue
			else
				timed g.$cl "$DL/big.bin" "$CURL" -sSf \
				    --cacert "$W/certs/ca.pem" -o "$DL/big.bin" \
				    "https://localhost:$NPORT/download/big.bin" || continue
			fi
			sleep 0.2
			tail -n +"$((c0 + 1))" "$W/run/g-access.log" >"$W/run/g-new"
			n=$(awk '{ print $1 }' "$W/run/g-new" | sort -u | wc -l)
			reused=$(awk '$2 == "r" { c[$1] = 1 } END { print length(c) }' "$W/run/g-new")
			add g.$cl.hs "$n"
			add g.$cl.reused "$reused"
			if [ "$r" = 1 ] && ! cmp -s "$DL/big.bin" "$W/files/big.bin"; then
				echo "  ($cl: the copy over https differs from big.bin!)" >&2
			fi
		done
	done
	rm -rf "$DL"
	mkdir -p "$DL"
	g_table
	stop_pid "$ghpid"
	stop_pid "$gnpid"
	SCHEME=http
	NGINX_HTTP_EXTRA="" NGINX_LISTEN_EXTRA="" NGINX_SERVER_EXTRA=""
}

g_table()
{
	local hw cw hs m lo hi ms los his
	hw=$(med g.haulproxy.wall)
	cw=$(med g.curl.wall)
	printf '  %-22s %17s %17s %13s %11s %8s %8s %7s\n' "download over https" \
	    "wall s" "wall+fsync s" "client CPU s" "handshakes" "resumed" \
	    "speed" "+fsync"
	for cl in haulproxy curl; do
		[ "$(med g.$cl.wall)" = "-" ] && { skip "$cl: did not run"; continue; }
		read -r m lo hi < <(stats g.$cl.wall)
		read -r ms los his < <(stats g.$cl.walls)
		printf '  %-22s %17s %17s %13s %11s %8s %8s %7s\n' "$cl" \
		    "$(fmt "$m" 2) ($(fmt "$lo" 2)-$(fmt "$hi" 2))" \
		    "$(fmt "$ms" 2) ($(fmt "$los" 2)-$(fmt "$his" 2))" \
		    "$(fmt "$(med g.$cl.cpu)" 2)" "$(med g.$cl.hs)" \
		    "$(med g.$cl.reused)" \
		    "$([ "$cl" = curl ] && ratio "$cw" "$hw")" \
		    "$([ "$cl" = curl ] && ratio "$(med g.curl.walls)" "$(med g.haulproxy.walls)")"
	done
	note "haulproxy --fetch -j 4 (default) and curl, both verifying with --cacert, from nginx ssl (2 workers)."
	note "handshakes: connections nginx logged for the download; resumed: of those, with a resumed session."
	note "speed = curl wall / haulproxy wall (> 1: haul faster); haulproxy's wall includes its fsync and rename."
	check "g. hauld/nginx 512 KiB ranges over TLS, 64 conns" "$(ratio "$(med g512.64.hauld)" "$(med g512.64.nginx)")" ">=" 1.00
	check "g. hauld/nginx 4 KiB ranges over TLS, 64 conns" "$(ratio "$(med g4k.64.hauld)" "$(med g4k.64.nginx)")" ">=" 1.00
	note "+fsync: each client's wall plus an fsync of the file right after it (haulproxy syncs as it goes; curl leaves dirty pages)."
	check "g. haulproxy --fetch https speed / curl" "$(ratio "$cw" "$hw")" ">=" 1.00
	check "g. the same, +fsync" "$(ratio "$(med g.curl.walls)" "$(med g.haulproxy.walls)")" ">=" 1.00 "(info)"
	hs=$(stats g.haulproxy.hs | awk '{ print $3 }')
	check "g. handshakes per haulproxy download (max), j=4" "$hs" "<=" 5
}
