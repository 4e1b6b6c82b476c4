# Proves hauld's command line contract: -h/--help print the usage and
# exit 0; -V/--version print the version; a bad flag or value (-p abc,
# -p 70000, -Z 0, -z 1x, unknown options, a missing value, a stray
# argument), an unusable --root, a port already taken and other unusable
# files each give exit status 2 with exactly one line on stderr naming
# the culprit, and nothing starts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/config.h")
[ -n "$version" ] || fail "no PACKAGE_VERSION in $top_builddir/config.h"

for h in -h --help; do
	timeout 5 "$HAULD" $h >"$T/out" 2>"$T/err"
	must_equal $? 0 "exit status of $h"
	must_contain "$T/out" '^usage: hauld' "$h usage on stdout"
	must_contain "$T/out" '-p port' "$h mentions -p"
	must_equal "$(size_of "$T/err")" 0 "$h stderr"
done
for v in -V --version; do
	timeout 5 "$HAULD" $v >"$T/out" 2>"$T/err"
	must_equal $? 0 "exit status of $v"
	must_match "$(head -n1 "$T/out")" "hauld $version*" "$v output"
	must_equal "$(size_of "$T/err")" 0 "$v stderr"
done

# bad WANT-IN-STDERR ARGS...: exit 2, one stderr line containing WANT.
# The bad argument comes last, after a usable configuration, so a daemon
# that wrongly accepted it would start; timeout(1) would then stop it and
# the status would be 124, not 2.
bad()
{
	_want=$1
	shift
	HAUL_PORT_FILE=$T/bad.port timeout 5 "$HAULD" -b 127.0.0.1 -p 0 \
	    -r "$ROOT" -w 1 "$@" >"$T/out" 2>"$T/err"
	_st=$?
	must_equal "$_st" 2 "exit status for '$*' (stderr: $(cat "$T/err"))"
	must_equal "$(grep -c '' "$T/err")" 1 "stderr lines for '$*'"
	grep -qF -- "$_want" "$T/err" ||
	    fail "stderr for '$*' does not name '$_want': $(cat "$T/err")"
	must_equal "$(size_of "$T/out")" 0 "stdout for '$*'"
	[ -e "$T/bad.port" ] && fail "'$*' got as far as binding a port"
	return 0
}

bad -p -p abc
bad -p -p 70000
bad -p -p 65536
bad -p -p -1
bad -p -p 80x
bad -p --port=abc
bad -Z -Z 0
bad -Z -Z 10
bad -Z -Z x
bad -z -z 1x
bad -z -z 1kb
bad -z -z -5
bad -z -z ''
bad -z --gzip-min=abc
bad -w -w 0
bad -w -w many
bad -t -t 0
bad -t -t 1.5
bad -c -c 0
bad -g -g soon
bad -X -X
bad --bogus --bogus
bad --no-such-flag=1 --no-such-flag=1
bad -p -p			# missing value
bad stray stray-argument
bad /nonexistent-haul-root -r /nonexistent-haul-root
echo x >"$T/plainfile"
bad "$T/plainfile" -r "$T/plainfile"
bad -b -b 999.1.1.1
bad /nonexistent-dir/log -l /nonexistent-dir/log
bad no-such-user-haul -u no-such-user-haul

# A port in use.
start_hauld -w 1
HAUL_PORT_FILE=$T/bad3.port timeout 5 "$HAULD" -b 127.0.0.1 -p "$PORT" \
    -r "$ROOT" -w 1 >"$T/out" 2>"$T/err"
must_equal $? 2 "exit status for a port in use"
must_equal "$(grep -c '' "$T/err")" 1 "stderr lines for a port in use"
must_contain "$T/err" "$PORT" "the port in use is named"
alive "$HAULD_PID" || fail "the first daemon died"

# Sizes take suffixes (-z 1K) and sane values all start fine.
stop_hauld
start_hauld -w 1 -z 1K -Z 9 -c 10 -t 5 -g 1
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status with suffixed sizes"

# Files the daemon creates after binding: still one line and status 2.
bad2()
{
	HAUL_PORT_FILE=$T/bad2.port timeout 5 "$HAULD" -b 127.0.0.1 -p 0 \
	    -r "$ROOT" -w 1 -l "$T/bad2.log" "$@" >"$T/out" 2>"$T/err"
	_st=$?
	# A daemon that wrongly detached anyway: find it by its unique
	# argument, stop it, and fail.
	for _p in $(pgrep -f -- "$T/bad2.log"); do
		kill -KILL "$_p"
		fail "'$*' left a daemon running (pid $_p)"
	done
	must_equal "$_st" 2 "exit status for '$*' (stderr: $(cat "$T/err"))"
	grep -qF -- "/nonexistent-dir/" "$T/err" ||
	    fail "stderr for '$*' does not name the file: $(cat "$T/err")"
	must_equal "$(grep -vc 'listening on' "$T/err")" 1 "error lines for '$*'"
}
bad2 -s /nonexistent-dir/stats
bad2 -P /nonexistent-dir/pid
# With --daemon too: the error must come before detaching, or it is lost.
bad2 -d -s /nonexistent-dir/stats
bad2 -d -P /nonexistent-dir/pid

# haulstat -h names each of its long options (getopt_long's table).
timeout 5 "$HAULSTAT" -h >"$T/out" 2>"$T/err"
must_equal $? 0 "exit status of haulstat -h"
for o in --once --json --interval --help --version; do
	must_contain "$T/out" "$o" "haulstat -h names $o"
done

log ok
