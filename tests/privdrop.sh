# Proves --user: run as root, the master keeps root while every worker
# runs as the named user (real, effective and saved IDs, no supplementary
# root group), so a file only root may read is refused with 403 while
# world-readable ones are served; the access log still works.  Run as
# another user, -u is refused at startup (exit 2, one line).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/open.bin" 5000
echo "root only" >"$ROOT/private.txt"
chmod 600 "$ROOT/private.txt"

if [ "$(id -u)" != 0 ]; then
	timeout 5 "$HAULD" -b 127.0.0.1 -p 0 -r "$ROOT" -u nobody \
	    >"$T/out" 2>"$T/err"
	must_equal $? 2 "-u as a user: exit status"
	must_equal "$(grep -c '' "$T/err")" 1 "-u as a user: stderr lines"
	must_contain "$T/err" '-u' "-u as a user: the option is named"
	log ok
	exit 0
fi

user=nobody
uid=$(id -u $user) || fail "no user $user"
gid=$(id -g $user)
start_hauld -w 2 -u $user -l "$T/access.log"
wait_workers 2 5 || fail "want 2 workers"

must_equal "$(awk '$1 == "Uid:" { print $2 }' "/proc/$HAULD_PID/status")" 0 \
    "master uid"
for w in $(worker_pids); do
	must_equal "$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$w/status")" \
	    "$uid $uid $uid $uid" "uids of worker $w"
	must_equal "$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$w/status")" \
	    "$gid $gid $gid $gid" "gids of worker $w"
	groups=$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$w/status" |
	    tr -s ' ' | sed 's/^ //; s/ $//')
	case " $groups " in
	*" 0 "*) fail "worker $w keeps supplementary group 0: $groups" ;;
	esac
done

fetch "$T/got" "$T/h" "$(url /download/open.bin)"
must_equal "$(status "$T/h")" 200 "world-readable file"
must_cmp "$T/got" "$ROOT/open.bin" "world-readable file body"
fetch "$T/got" "$T/h" "$(url /download/private.txt)"
must_equal "$(status "$T/h")" 403 "a file only root may read"
grep -q 'root only' "$T/got" && fail "the private file was served"

lines()
{
	[ "$(grep -c 'private.txt' "$T/access.log" 2>/dev/null)" -ge 1 ]
}
until_true 5 lines || fail "access log not written by the unprivileged workers"
stop_hauld
must_equal "$HAULD_STATUS" 0 "exit status"
log ok
