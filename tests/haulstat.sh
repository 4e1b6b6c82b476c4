# Proves haulstat reads a live hauld's --stats-file: -1 prints the totals
# and one row per worker (their PIDs), -1 -j prints JSON that parses and
# agrees (kind, master pid, requests, workers), -j alone and the default
# mode refresh until interrupted (then exit 0); after hauld stops the file
# still reads and says the master is not running; and a garbage, empty, truncated, missing or
# directory "stats file" is refused with a non-zero exit and a one-line
# message saying why, as are bad options (exit 2).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000
start_hauld -w 2
wait_workers 2 5 || fail "want 2 workers"
workers=$(worker_pids)
for i in 1 2 3 4 5 6 7; do
	fetch "$T/got" "$T/h" "$(url /download/a.bin)"
done
[ -s "$HAULD_STATS" ] || fail "no stats file at $HAULD_STATS"

# -1: once.
timeout 5 "$HAULSTAT" -1 "$HAULD_STATS" >"$T/out" 2>"$T/err"
must_equal $? 0 "haulstat -1 exit status ($(cat "$T/err"))"
must_contain "$T/out" "master pid $HAULD_PID" "-1 names the master"
must_not_contain "$T/out" 'not running' "-1 on a live daemon"
req=$(awk '$1 == "requests" { print $2 }' "$T/out")
[ -n "$req" ] && [ "$req" -ge 7 ] || fail "-1 requests total '$req'"
for p in $workers; do
	grep -Eq "^[0-9]+ +$p +running" "$T/out" || fail "-1 has no row for worker $p"
done

# -1 -j: one JSON document that agrees.
timeout 5 "$HAULSTAT" -1 -j "$HAULD_STATS" >"$T/json" 2>"$T/err"
must_equal $? 0 "haulstat -1 -j exit status ($(cat "$T/err"))"
python3 - "$T/json" "$HAULD_PID" $workers <<'EOF' || fail "-j output checks"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
pid, workers = int(sys.argv[2]), sorted(int(w) for w in sys.argv[3:])
assert d["kind"] == "hauld", d["kind"]
assert d["master_pid"] == pid, (d["master_pid"], pid)
assert d["totals"]["requests"] >= 7, d["totals"]
assert d["worker_restarts"] == 0, d["worker_restarts"]
live = sorted(w["pid"] for w in d["workers"] if w["state"] == "running")
assert live == workers, (live, workers)
assert sum(w["requests"] for w in d["workers"]) >= 7, d["workers"]
assert "downloads_started" not in d["totals"], "proxy counter in hauld"
EOF
# -j alone keeps going: one JSON document per line, per interval.
timeout --preserve-status -s INT 3.5 "$HAULSTAT" -j "$HAULD_STATS" >"$T/jsonl" 2>"$T/err"
must_equal $? 0 "haulstat -j exit status after SIGINT ($(cat "$T/err"))"
python3 -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, lines
for l in lines:
    assert json.loads(l)["kind"] == "hauld"' "$T/jsonl" ||
    fail "haulstat -j stream: $(head -c 300 "$T/jsonl")"

# Default: refresh every -i seconds until SIGINT; exit 0.
timeout --preserve-status -s INT 3.5 "$HAULSTAT" -i 1 "$HAULD_STATS" >"$T/live" 2>"$T/err"
must_equal $? 0 "live mode exit status after SIGINT ($(cat "$T/err"))"
n=$(grep -c "master pid $HAULD_PID" "$T/live")
[ "$n" -ge 2 ] || fail "live mode printed $n frames in 3.5 s"

# Refused inputs: non-zero, one line, a reason.
# refused FILE REASON-ERE
refused()
{
	timeout 5 "$HAULSTAT" -1 "$1" >"$T/out" 2>"$T/err"
	_st=$?
	[ "$_st" -ne 0 ] && [ "$_st" -ne 124 ] ||
	    fail "haulstat on $1: exit status $_st"
	must_equal "$(grep -c '' "$T/err")" 1 "stderr lines for $1"
	grep -Eqi -- "$2" "$T/err" || fail "message for $1: $(cat "$T/err")"
	must_equal "$(size_of "$T/out")" 0 "stdout for $1"
}
head -c 65536 /dev/urandom >"$T/garbage"
refused "$T/garbage" 'magic|not a haul'
head -c 65536 /dev/zero >"$T/zeros"
refused "$T/zeros" 'magic|not a haul'
: >"$T/empty"
refused "$T/empty" 'small|empty'
head -c 16 "$HAULD_STATS" >"$T/trunc16"
refused "$T/trunc16" 'small|truncated'
size=$(size_of "$HAULD_STATS")
head -c $((size / 2)) "$HAULD_STATS" >"$T/trunc-half"
refused "$T/trunc-half" 'truncated|small|size'
head -c $((size - 1)) "$HAULD_STATS" >"$T/trunc-1"
refused "$T/trunc-1" 'truncated|small|size'
refused "$T/no-such-file" 'no-such-file'
refused "$T" 'regular|directory'
# The right magic with another layout version.
python3 - "$HAULD_STATS" "$T/badver" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[4:8] = (0xFFFFFFF0).to_bytes(4, "little")	# the word after the magic
open(sys.argv[2], "wb").write(data)
EOF
refused "$T/badver" 'version|layout|size'

# Bad options: exit 2.
for args in "" "-i 0 $HAULD_STATS" "-i x $HAULD_STATS" "-x $HAULD_STATS" \
    "$HAULD_STATS $HAULD_STATS"; do
	timeout 5 "$HAULSTAT" $args >"$T/out" 2>"$T/err"
	must_equal $? 2 "haulstat exit status for '$args'"
	must_equal "$(grep -c '' "$T/err")" 1 "haulstat stderr lines for '$args'"
done
timeout 5 "$HAULSTAT" -h >"$T/out" || fail "haulstat -h"
must_contain "$T/out" '^usage: haulstat' "haulstat -h"

# After hauld stops, the file still reads and says so.
stop_hauld
timeout 5 "$HAULSTAT" -1 "$HAULD_STATS" >"$T/out" 2>"$T/err"
must_equal $? 0 "haulstat -1 after stop ($(cat "$T/err"))"
must_contain "$T/out" 'not running' "haulstat -1 after stop"
log ok
