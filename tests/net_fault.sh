#!/bin/sh
# net_fault: haulproxy completes downloads byte-identical across a faulty
# network, and its retry counter shows the faults that broke requests.
#
# Two network namespaces of our own: hauld in A on 192.0.2.1, haulproxy in
# B (origin http://192.0.2.1:PORT).  The kernel here has no sch_netem, so
# the link between them is tests/net_wire.py: a TUN device in each
# namespace and a process moving packets between them, applying what
# netem would.  In turn, each on a fresh 32 MiB download:
#   clean     -> identical, no retry
#   delay     20 ms each way (a 40 ms RTT, checked) -> identical, no retry
#   loss      3 % each way -> identical (TCP repairs it)
#   reorder   a quarter of the packets held back 8 ms -> identical
#   cut       after 8 MiB, every packet lost for 3 s (a far link died) ->
#             identical once it clears, retries > 0
#   link down after 8 MiB, B's device set down for 3 s, then up ->
#             identical once it clears, retries > 0
# The proxy runs with -t 2 so a cut turns into timeouts and retries fast,
# and -r 10 so the retries (with back-off) outlast the cut.
#
# Needs root (ip netns); prints SKIP and exits 77 otherwise.  Only
# addresses inside the two namespaces are used; both are deleted on exit.

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: net_fault needs root to make network namespaces (ip netns)"
	exit 77
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

command -v ip >/dev/null 2>&1 || fail "ip (iproute2) is required"

NSA=haulA$$
NSB=haulB$$
NETS=""
WIRE_PID=""
net_cleanup()
{
	_nst=$?
	# The wire ends cleanly on SIGTERM (its TUN devices go with it).
	[ -n "${WIRE_PID:-}" ] && kill -TERM "$WIRE_PID" 2>/dev/null
	# Names next: each namespace goes with its last process, which
	# lib.sh's cleanup kills.
	for _ns in $NETS; do
		ip netns del "$_ns" 2>/dev/null
	done
	(exit "$_nst")
	cleanup
}
trap net_cleanup EXIT

ip netns add "$NSA" || fail "ip netns add $NSA"
NETS="$NSA"
ip netns add "$NSB" || fail "ip netns add $NSB"
NETS="$NSA $NSB"
ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up ||
    fail "cannot set lo up in the namespaces"

# The wire.
WIRE_CTL=$T/wire.ctl
WIRE_STATE=$T/wire.state
WIRE_LOG=$T/wire.log
WIRE_GEN=1
echo "gen=1" >"$WIRE_CTL"
ip netns exec "$NSA" python3 "$top_srcdir/tests/net_wire.py" \
    --ns-b "$NSB" --dev-a wa --dev-b wb --ctl "$WIRE_CTL" \
    --state "$WIRE_STATE" --max-secs 120 </dev/null >"$WIRE_LOG" 2>&1 &
WIRE_PID=$!
track "$WIRE_PID"
until_true 10 test -s "$WIRE_STATE" ||
    fail "the wire did not start: $(cat "$WIRE_LOG")"
ip -n "$NSA" addr add 192.0.2.1/24 dev wa &&
    ip -n "$NSA" link set wa mtu 1500 up &&
    ip -n "$NSB" addr add 192.0.2.2/24 dev wb &&
    ip -n "$NSB" link set wb mtu 1500 up || fail "cannot set up the wire"

# wire_set KEY=VALUE...: new faults (all others off); waits until applied.
wire_set()
{
	WIRE_GEN=$((WIRE_GEN + 1))
	echo "gen=$WIRE_GEN $*" >"$WIRE_CTL.tmp"
	mv "$WIRE_CTL.tmp" "$WIRE_CTL"
	until_true 5 wire_applied || fail "the wire did not apply '$*'"
}

wire_applied()
{
	[ "$(wire_stat gen)" = "$WIRE_GEN" ]
}

# wire_stat KEY: a counter of the wire (as of its last write, <= 0.5 s).
wire_stat()
{
	sed -n "s/^$1=//p" "$WIRE_STATE"
}

# wire_sum KEY: ab_KEY + ba_KEY, fresh.
wire_sum()
{
	# The wire rewrites its state every half second.
	sleep 0.6
	echo $(($(wire_stat "ab_$1") + $(wire_stat "ba_$1")))
}

# hauld in A.
HAULD_DIR=$T/hauld
mkdir -p "$HAULD_DIR"
HAULD_LOG=$HAULD_DIR/log
HAULD_LOGS=$HAULD_LOG
HAUL_PORT_FILE=$HAULD_DIR/port ip netns exec "$NSA" "$HAULD" \
    -b 192.0.2.1 -p 0 -r "$ROOT" -w 2 -s "$HAULD_DIR/stats" \
    </dev/null >"$HAULD_LOG" 2>&1 &
HAULD_PID=$!
track "$HAULD_PID"
PORT=$(wait_port_file "$HAULD_DIR/port" "$HAULD_PID" hauld) || exit 1
ORIGIN=http://192.0.2.1:$PORT

# bcurl ARGS: curl from namespace B.
bcurl()
{
	ip netns exec "$NSB" curl -sS --max-time 60 "$@"
}

until_true 10 bcurl -o /dev/null -f "$ORIGIN/healthz" ||
    fail "hauld in $NSA not reachable from $NSB"

# haulproxy in B.
PROXY_RUN=$T/proxy
mkdir -p "$PROXY_RUN" "$PROXY_DIR"
PROXY_LOG=$PROXY_RUN/log
HAUL_PORT_FILE=$PROXY_RUN/port ip netns exec "$NSB" "$HAULPROXY" \
    -b 127.0.0.1 -p 0 -o "$ORIGIN" -D "$PROXY_DIR" -s "$PROXY_RUN/stats" \
    -C 256k -j 4 -t 2 -r 10 </dev/null >"$PROXY_LOG" 2>&1 &
PROXY_PID=$!
track "$PROXY_PID"
PPORT=$(wait_port_file "$PROXY_RUN/port" "$PROXY_PID" haulproxy) || exit 1
until_true 10 bcurl -o /dev/null -f "http://127.0.0.1:$PPORT/healthz" ||
    fail "haulproxy in $NSB not answering"

# pm NAME: a haulproxy counter from its /metrics.
pm()
{
	bcurl "http://127.0.0.1:$PPORT/metrics" | awk -v n="haulproxy_$1" '
	    $1 == n || $1 == n "_total" { v = $2; found = 1 }
	    END { if (!found) exit 1; print v }' ||
	    fail "no haulproxy metric $1"
}

SIZE=$((32 * 1024 * 1024))
bin_file "$T/src.bin" "$SIZE"

# download LABEL: a fresh name for the same bytes, through the proxy;
# must be "Download complete" and byte-identical.  Sets SECS, RETRIES
# (this download's).
download()
{
	ln "$T/src.bin" "$ROOT/$1.bin" || fail "ln $1"
	_r0=$(pm retries)
	rm -f "$T/body" "$T/hdr"
	bcurl --max-time 90 -D "$T/hdr" -o "$T/body" \
	    "http://127.0.0.1:$PPORT/download/$1.bin" ||
	    fail "$1: no answer from the proxy"
	must_equal "$(status "$T/hdr")" 200 "$1: status ($(head -c 300 "$T/body"))"
	must_equal "$(head -n 1 "$T/body")" "Download complete" "$1: answer"
	must_cmp "$PROXY_DIR/$1.bin" "$T/src.bin" "$1: downloaded file"
	SECS=$(body_field "$T/body" seconds)
	RETRIES=$(($(pm retries) - _r0))
	rm -f "$PROXY_DIR/$1.bin" "$ROOT/$1.bin"
	log "$1: identical, $SECS s, $RETRIES retries"
}

download clean
must_equal "$RETRIES" 0 "retries on a clean link"

# Delay: 20 ms each way.  A connect from B takes a round trip.
wire_set delay=20
rtt=$(bcurl -o /dev/null -w '%{time_connect}' "$ORIGIN/healthz") ||
    fail "healthz across the delay"
log "delay: connect took $rtt s"
awk -v t="$rtt" 'BEGIN { exit !(t >= 0.035) }' ||
    fail "connect took $rtt s across a 40 ms round trip: no delay applied"
download delay
must_equal "$RETRIES" 0 "retries with a 40 ms RTT and -t 2"

wire_set loss=3
download loss
lost=$(wire_sum lost)
log "loss: the wire dropped $lost packets"
[ "$lost" -gt 0 ] || fail "3 % loss dropped nothing"

wire_set reorder=25 reorder_ms=8
download reorder
reordered=$(wire_sum reordered)
log "reorder: $reordered packets overtaken"
[ "$reordered" -gt 0 ] || fail "no packet was reordered"

# cut_link KIND: 3 s without a link, once 8 MiB went to the proxy.
cut_link()
{
	_c0=$(wire_stat cuts)
	wire_set cut_after=$((8 * 1024 * 1024)) cut_secs=3 cut_kind="$1"
	download "cut-$1"
	must_equal "$(wire_stat cut_state)" done "$1: the cut is over"
	must_equal "$(wire_stat cuts)" $((_c0 + 1)) "$1: cuts"
	[ "$RETRIES" -gt 0 ] ||
	    fail "$1: a 3 s cut mid-download, but no retry counted"
	awk -v s="$SECS" 'BEGIN { exit !(s >= 2.5) }' ||
	    fail "$1: the download took $SECS s across a 3 s cut"
}
cut_link drop
cut_link down
wire_set

# Nothing is left half-done, and both daemons are still fine.
[ "$(bcurl "http://127.0.0.1:$PPORT/status")" = "[]" ] ||
    fail "downloads still listed: $(bcurl "http://127.0.0.1:$PPORT/status")"
alive "$HAULD_PID" || fail "hauld died"
alive "$PROXY_PID" || fail "haulproxy died"
log "wire: $(tr '\n' ' ' <"$WIRE_STATE")"
log ok
