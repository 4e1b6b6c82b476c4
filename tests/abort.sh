# Proves clients that vanish mid-response cost nothing lasting: 25
# downloads (plain sendfile, gzip, TE gzip, multipart) cut off by their
# clients after a fraction of a second leave the same workers running,
# no connection counted open, no file descriptor leaked, and service
# normal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

truncate -s 4G "$ROOT/huge.bin"	# sparse: no disk, too big for 0.4 s
# Text that compresses only ~4:3, so gzip answers last too (zeros would
# gzip to almost nothing and be over at once).
head -c 12582912 /dev/urandom | base64 -w 76 >"$ROOT/huge.txt"
bin_file "$ROOT/a.bin" 1000
start_hauld -w 2
wait_workers 2 5 || fail "want 2 workers"
workers=$(worker_pids)

fds()
{
	for _w in $workers; do
		ls "/proc/$_w/fd" | wc -l
	done | awk '{ s += $1 } END { print s }'
}
# Let the startup probe's connection close first.
sleep 0.3
fd0=$(fds)

pids=""
for i in 1 2 3 4 5; do
	for args in "" "--compressed" "--tr-encoding" "-r 0-999,5000000-"; do
		# shellcheck disable=SC2086
		curl -s --max-time 0.4 --limit-rate 100K $args -o /dev/null \
		    "$(url /download/huge.txt)" &
		pids="$pids $!"
	done
	curl -s --max-time 0.4 -o /dev/null "$(url /download/huge.bin)" &
	pids="$pids $!"
done
track "$pids"
for p in $pids; do
	wait_dead "$p" 10 || fail "curl $p outlived its --max-time"
	wait "$p"
	[ $? -ne 0 ] || fail "a download of many MB finished in 0.4 s?"
done

# The server notices the resets at its next write: allow a moment.
open_now()
{
	[ "$(metric hauld_conn_open)" = 1 ]	# just the /metrics request
}
until_true 5 open_now || fail "conn_open is $(metric hauld_conn_open) after the clients left"
must_equal "$(worker_pids)" "$workers" "workers after the aborted downloads"
# The /metrics connection of open_now may still be closing: poll.
fds_back()
{
	[ "$(fds)" -le "$fd0" ]
}
# A worker's hashing thread (hasher.c) holds a descriptor of a file while
# it hashes it for Repr-Digest: the sparse 4 GiB file takes seconds.
until_true 30 fds_back || fail "workers hold $(fds) descriptors, $fd0 before"

fetch "$T/got" "$T/h" "$(url /download/a.bin)"
must_cmp "$T/got" "$ROOT/a.bin" "served after the aborted downloads"
n=$(metric hauld_resp_5xx_total)
must_equal "$n" 0 "5xx responses"
log ok
