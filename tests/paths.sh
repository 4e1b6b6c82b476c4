# Proves /download/PATH never leaves --root and serves only regular
# files: a secret planted beside the root is unreachable through "..",
# %2e%2e, %2f, mixed encodings, %00, backslashes or symlinks (absolute or
# relative, to a file or a directory) that climb out; symlinks within the
# root, subdirectories and percent-encoded names work; a directory and a
# FIFO are 403 (the FIFO without hanging), a missing file 404.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SECRET="top-secret-$$-do-not-serve"
echo "$SECRET" >"$T/secret.txt"
mkdir "$T/outside"
echo "$SECRET" >"$T/outside/secret.txt"

bin_file "$ROOT/a.bin" 5000
mkdir -p "$ROOT/sub/deeper"
bin_file "$ROOT/sub/deeper/f.bin" 7000
echo "spaced" >"$ROOT/my file.txt"
echo "accented" >"$ROOT/$(printf '\303\251t\303\251').txt"
ln -s a.bin "$ROOT/in-link"
ln -s sub "$ROOT/in-dir"
ln -s ../a.bin "$ROOT/sub/up-link"		# climbs, but stays inside
ln -s "$T/secret.txt" "$ROOT/abs-out"
ln -s ../secret.txt "$ROOT/rel-out"
ln -s ../../../secret.txt "$ROOT/sub/deeper/deep-out"
ln -s "$T/outside" "$ROOT/dir-out"
ln -s ../outside "$ROOT/reldir-out"
mkfifo "$ROOT/fifo"
start_hauld

# code PATH [curl args]: the status for a raw request path.
code()
{
	_p=$1
	shift
	fetch "$T/got" "$T/h" --path-as-is "$@" "$(url "$_p")"
	grep -q "$SECRET" "$T/got" && fail "$_p served the secret"
	status "$T/h"
}

# refused PATH: 400, 403 or 404, never the secret.
refused()
{
	_c=$(code "$1")
	case $_c in
	400 | 403 | 404) ;;
	*) fail "$1: status '$_c', want a refusal (400/403/404)" ;;
	esac
}

# served PATH FILE: 200 with exactly FILE's bytes.
served()
{
	must_equal "$(code "$1")" 200 "status of $1"
	must_cmp "$T/got" "$2" "body of $1"
}

served /download/a.bin "$ROOT/a.bin"
served /download/sub/deeper/f.bin "$ROOT/sub/deeper/f.bin"
served /download/sub//deeper/f.bin "$ROOT/sub/deeper/f.bin"
served '/download/a%2Ebin' "$ROOT/a.bin"
served '/download/my%20file.txt' "$ROOT/my file.txt"
served '/download/%C3%A9t%C3%A9.txt' "$ROOT/$(printf '\303\251t\303\251').txt"
served '/download/sub%2Fdeeper%2Ff.bin' "$ROOT/sub/deeper/f.bin"
served '/download/a.bin?x=../../secret.txt' "$ROOT/a.bin"
served /download/in-link "$ROOT/a.bin"
served /download/in-dir/deeper/f.bin "$ROOT/sub/deeper/f.bin"
served /download/sub/up-link "$ROOT/a.bin"

# Dot segments and their encodings: 400 bad path.
for p in \
    /download/../secret.txt \
    /download/sub/../../secret.txt \
    /download/sub/deeper/../../../secret.txt \
    /download/./a.bin \
    /download/sub/.. \
    '/download/%2e%2e/secret.txt' \
    '/download/%2E%2E/secret.txt' \
    '/download/.%2e/secret.txt' \
    '/download/%2e./secret.txt' \
    '/download/..%2fsecret.txt' \
    '/download/..%2Fsecret.txt' \
    '/download/sub%2f..%2f..%2fsecret.txt' \
    '/download/%2e%2e%2f%2e%2e%2fsecret.txt' \
    '/download/a.bin%00.txt' \
    '/download/%00' \
    '/download/..%5csecret.txt' \
    '/download/sub%5c..%5c..%5csecret.txt' \
    '/download/%zz' \
    '/download/a.bin%' \
    '/download/'; do
	must_equal "$(code "$p")" 400 "status of $p"
done

# Other spellings that must not reach the secret (any refusal will do).
refused '/download/%252e%252e/secret.txt'	# double encoding: a name
refused '/download//../secret.txt'
refused '/download%2f..%2fsecret.txt'
refused '/download/%2f..%2fsecret.txt'
refused "/download/$T/secret.txt"
refused "/download/%2F${T#/}/secret.txt"

# Symlinks that leave the root: 403 (or 404), never followed.
for p in /download/abs-out /download/rel-out /download/sub/deeper/deep-out \
    /download/dir-out/secret.txt /download/reldir-out/secret.txt; do
	c=$(code "$p")
	case $c in
	403 | 404) ;;
	*) fail "$p: status '$c', want 403 for a symlink out of the root" ;;
	esac
done
must_equal "$(code /download/abs-out)" 403 "absolute symlink out"
must_equal "$(code /download/rel-out)" 403 "relative symlink out"

# Not regular files.
must_equal "$(code /download/sub)" 403 "a directory"
must_equal "$(code /download/sub/deeper)" 403 "a subdirectory"
must_equal "$(code /download/in-dir)" 403 "a symlink to a directory"
t0=$(date +%s)
must_equal "$(code /download/fifo --max-time 5)" 403 "a FIFO"
[ $(($(date +%s) - t0)) -le 3 ] || fail "the FIFO request took too long"
refused /download/sub/		# no listings
grep -q deeper "$T/got" && fail "a directory listing was served"

# Missing.
must_equal "$(code /download/missing.bin)" 404 "missing file"
must_equal "$(code /download/nodir/missing.bin)" 404 "missing directory"
must_equal "$(code /download/a.bin/x)" 404 "a file used as a directory"
must_equal "$(code /download)" 404 "/download without a name"
must_equal "$(code /downloadx/a.bin)" 404 "another route"

# Unreadable file: 403 (root reads everything, so only as a user).
if [ "$(id -u)" != 0 ]; then
	echo x >"$ROOT/locked"
	chmod 000 "$ROOT/locked"
	must_equal "$(code /download/locked)" 403 "unreadable file"
fi

# RFC 9112 3.2.2: the absolute form of the target, same rules.
printf 'GET http://127.0.0.1/download/a.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    $HTTPC raw "$PORT" >"$T/raw" 2>/dev/null || fail "absolute-form request"
head -n1 "$T/raw" | grep -q '^HTTP/1.1 200 ' || fail "absolute-form: $(head -n1 "$T/raw")"
printf 'GET http://127.0.0.1/download/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    $HTTPC raw "$PORT" >"$T/raw" 2>/dev/null || fail "absolute-form traversal"
head -n1 "$T/raw" | grep -q '^HTTP/1.1 400 ' ||
    fail "absolute-form traversal: $(head -n1 "$T/raw")"
grep -q "$SECRET" "$T/raw" && fail "absolute-form traversal served the secret"

# The daemon is still fine after all that.
served /download/a.bin "$ROOT/a.bin"
kill -0 "$HAULD_PID" || fail "hauld died"

log ok
