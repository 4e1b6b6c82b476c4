# bench/e-link.sh: scenario e, sourced by bench/run.sh: log.json over a
# link, haulproxy --fetch from hauld with --gzip auto, always and never,
# and curl from nginx: payload MB/s over loopback, then (as root) over a
# veth pair between two network namespaces of our own, rate-limited by
# tc tbf to 1 Gbit/s and to 100 Mbit/s.

scenario_e()
{
	local r
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
	e_netns
	if [ -n "$ereason" ]; then
		skip "e. rate-limited links: $ereason"
	else
		e_links
	fi
	rm -rf "$EDIR"
	main_servers
}

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

# e_rows LINK: the rows and targets of one link
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

# e_netns: the namespaces NS_S (hauld and nginx on 192.0.2.1) and NS_C
# (the clients on 192.0.2.2), joined by the veth pair VA-VB; sets ereason
# to why not, if they cannot be made
e_netns()
{
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
}

# e_links: hauld and nginx in NS_S, each rate-limited link in turn, then
# the namespaces go
e_links()
{
	local link burst ef eb em ok pair r
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
}
