# Proves --pidfile holds the master's PID while hauld runs and is removed
# when it stops, and that --daemon detaches: the command returns 0 at
# once, the daemon (named by its pidfile, no longer our child) serves,
# writes nothing to our terminal, and stops on SIGTERM.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 1000

start_hauld -P "$T/hauld.pid"
[ -s "$T/hauld.pid" ] || fail "no pidfile"
must_equal "$(cat "$T/hauld.pid")" "$HAULD_PID" "pidfile contents"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"
[ -e "$T/hauld.pid" ] && fail "pidfile left behind after a graceful stop"

# --daemon.
(cd "$T" && HAUL_PORT_FILE=$T/d.port timeout 10 "$HAULD" -d -b 127.0.0.1 \
    -p 0 -r files -w 1 -s d.stats -P d.pid >"$T/d.out" 2>"$T/d.err")
must_equal $? 0 "exit status of hauld -d"
# The detached process writes it (as nginx does, possibly just after the
# command returned).
until_true 5 test -s "$T/d.pid" || fail "hauld -d wrote no pidfile (relative path)"
until_true 5 test -s "$T/d.port" || fail "hauld -d wrote no port file"
dpid=$(cat "$T/d.pid")
track "$dpid"
alive "$dpid" || fail "daemon $dpid not running"
ppid=$(awk '{ print $4 }' "/proc/$dpid/stat")
[ "$ppid" != $$ ] || fail "the daemon is still our child"
sid=$(awk '{ print $6 }' "/proc/$dpid/stat")
[ "$sid" != "$(awk '{ print $6 }' /proc/$$/stat)" ] ||
    fail "the daemon shares our session"
PORT=$(cat "$T/d.port")
fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "served by the daemon (relative -r)"
[ -s "$T/d.stats" ] || fail "relative -s not resolved before detaching"
must_equal "$(size_of "$T/d.out")" 0 "daemon stdout"
kill -TERM "$dpid"
wait_dead "$dpid" 10 || fail "daemon still running after SIGTERM"
[ -e "$T/d.pid" ] && fail "daemon left its pidfile behind"
log ok
