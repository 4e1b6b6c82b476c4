# bench/lib.sh: the bench's own helpers, sourced by bench/run.sh (bash)
# after tests/common.sh (alive, children, wait_dead, kill_tree, ...).
#
# Figures: recorded per key (add), summarised as median and min-max
# (stats, med), printed as aligned rows of a scenario block (row, header)
# and checked against the issue's targets (check, printed in the final
# summary).  Processes: ending ours by PID (stop_pid, cleanup), their CPU
# ticks and RSS, the sampler of everybody else's CPU, and timing a client
# (timed).  Uses the driver's W, PIDS, NETNS, EXTRA_RM and IP.

# ---------------------------------------------------------------- processes
# stop_pid PID: TERM it (and so its workers), KILL what is left after 10 s;
# reap it and forget it.
stop_pid()
{
	local p=$1
	[ -n "$p" ] || return 0
	kill_tree "$p" TERM 10
	wait "$p" 2>/dev/null
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$p" | tr '\n' ' ')
	return 0
}

# cleanup: the EXIT trap: end every process and namespace of ours, remove
# the work directory (unless BENCH_KEEP=1).
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

# ---------------------------------------------------------------- time, CPU, RSS
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

# ---------------------------------------------------------------- clients
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

# fresh_dir DIR: DIR empty, and the disk quiet after removing what was there
fresh_dir()
{
	rm -rf "$1"
	mkdir -p "$1"
	sync
}

