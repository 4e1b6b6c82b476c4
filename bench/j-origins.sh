# bench/j-origins.sh: scenario j, sourced by bench/run.sh: several
# origins (issue 12).  Two hauld, each in a network namespace of its own
# behind a veth pair rate-limited by tc tbf to 100 Mbit/s, and the
# clients in a third: haulproxy --fetch -o A -o B, haulproxy --fetch -o A
# alone, and aria2c given both URLs (its multi-source download), each
# fetching the same 32 MiB binary file.  Needs root, ip and tc.

J_MB=32

scenario_j()
{
	local r order cl t0 wall jd
	block "j. several origins: two hauld, each behind its own 100 Mbit/s link, $ROUNDS rounds"
	j_netns
	if [ -n "$jreason" ]; then
		skip "j: $jreason"
		return
	fi
	head -c $((J_MB * 1048576)) "$W/files/big.bin" >"$W/files/j.bin"
	start_hauld 192.0.2.1 "$NS_A"
	local apid=$HPID aport=$HPORT
	start_hauld 192.0.2.5 "$NS_B"
	local bpid=$HPID bport=$HPORT
	local A=http://192.0.2.1:$aport B=http://192.0.2.5:$bport
	jd=$W/jdl
	for r in $(seq 1 "$ROUNDS"); do
		order="two one aria2c"
		[ $((r % 2)) = 0 ] && order="aria2c one two"
		for cl in $order; do
			fresh_dir "$jd"
			t0=$(now)
			case $cl in
			two)
				"$IP" netns exec "$NS_C" "$HAULPROXY" --fetch j.bin \
				    -o "$A" -o "$B" -D "$jd" --no-gzip ;;
			one)
				"$IP" netns exec "$NS_C" "$HAULPROXY" --fetch j.bin \
				    -o "$A" -D "$jd" --no-gzip ;;
			aria2c)
				[ -n "$ARIA2C" ] || continue
				"$IP" netns exec "$NS_C" "$ARIA2C" -q -x4 -s4 \
				    -d "$jd" -o j.bin --allow-overwrite=true \
				    --auto-file-renaming=false \
				    --console-log-level=error --summary-interval=0 \
				    "$A/download/j.bin" "$B/download/j.bin" ;;
			esac >"$W/run/client.log" 2>&1 || {
				echo "  (j $cl failed: $(tail -n 2 "$W/run/client.log" | tr '\n' ' '))" >&2
				continue
			}
			wall=$(elapsed "$t0")
			if [ "$r" = 1 ] && ! cmp -s "$jd/j.bin" "$W/files/j.bin"; then
				echo "  (j $cl: the copy differs from j.bin!)" >&2
			fi
			add "j.$cl" "$(calc "$J_MB * 1.048576 / $wall")"
		done
	done
	header "" "ratio"
	row "haulproxy -o A -o B  MB/s" j.two 1
	row "haulproxy -o A       MB/s" j.one 1 "$(ratio "$(med j.two)" "$(med j.one)")"
	row "aria2c A B           MB/s" j.aria2c 1 "$(ratio "$(med j.two)" "$(med j.aria2c)")"
	note "ratio: haulproxy -o A -o B / that row.  tbf rate 100mbit burst 256kb on both ends of"
	note "each veth pair; hauld A 192.0.2.1 and B 192.0.2.5 in namespaces of their own, the"
	note "clients in a third; ${J_MB} MiB binary (no gzip); haulproxy -j 4, aria2c -x4 -s4."
	check "j. two origins / one origin" "$(ratio "$(med j.two)" "$(med j.one)")" ">=" 1.80
	check "j. haulproxy two origins / aria2c both" "$(ratio "$(med j.two)" "$(med j.aria2c)")" ">=" 1.00
	stop_pid "$apid"
	stop_pid "$bpid"
	rm -rf "$jd" "$W/files/j.bin"
	for ns in $NETNS; do "$IP" netns del "$ns" 2>/dev/null; done
	NETNS=""
}

# j_netns: namespaces NS_A (192.0.2.1) and NS_B (192.0.2.5), each joined
# to NS_C (192.0.2.2, 192.0.2.6) by a veth pair with tbf 100mbit at both
# ends; sets jreason to why not, if they cannot be made
j_netns()
{
	local s pair
	jreason=""
	if [ "$(id -u)" != 0 ]; then
		jreason="not root (network namespaces and tc need root)"
		return
	elif [ -z "$IP" ] || [ -z "$TC" ]; then
		jreason="ip/tc not installed (apt-get install iproute2)"
		return
	fi
	NS_A=haulja$$ NS_B=hauljb$$ NS_C=hauljc$$
	for s in "$NS_A" "$NS_B" "$NS_C"; do
		"$IP" netns add "$s" 2>>"$W/run/ns.err" || {
			jreason="ip netns add failed: $(tail -n 1 "$W/run/ns.err")"
			return
		}
		NETNS="$NETNS $s"
		"$IP" -n "$s" link set lo up
	done
	for pair in "$NS_A jva$$ jca$$ 192.0.2.1 192.0.2.2" \
	    "$NS_B jvb$$ jcb$$ 192.0.2.5 192.0.2.6"; do
		set -- $pair
		if ! { "$IP" link add "$2" type veth peer name "$3" &&
		    "$IP" link set "$2" netns "$1" &&
		    "$IP" link set "$3" netns "$NS_C" &&
		    "$IP" -n "$1" addr add "$4/30" dev "$2" &&
		    "$IP" -n "$NS_C" addr add "$5/30" dev "$3" &&
		    "$IP" -n "$1" link set "$2" up &&
		    "$IP" -n "$NS_C" link set "$3" up &&
		    "$IP" netns exec "$1" "$TC" qdisc replace dev "$2" root \
		        tbf rate 100mbit burst 256kb latency 20ms &&
		    "$IP" netns exec "$NS_C" "$TC" qdisc replace dev "$3" root \
		        tbf rate 100mbit burst 256kb latency 20ms; } 2>>"$W/run/ns.err"; then
			jreason="veth/tbf setup failed: $(tail -n 1 "$W/run/ns.err")"
			return
		fi
	done
}
