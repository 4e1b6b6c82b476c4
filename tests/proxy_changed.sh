#!/bin/sh
# proxy_changed: when the origin's file changes, haulproxy never mixes old
# and new bytes.  (1) The file is replaced (new content and mtime, same
# size: only the validator tells) between a SIGKILL and the next request:
# the journal no longer matches, the download starts afresh (resumed-from
# 0, not counted as resumed) and the result is the NEW file.  (2) The file
# is replaced the same way while the proxy is downloading it: If-Range
# makes the origin answer 200, the proxy starts over (downloads_restarted)
# and again ends with exactly the NEW file.  (3, 4) A completed file
# replaced at the origin (other size; same size) is fetched again, never
# "already downloaded".  (5) The same with an origin that sends no ETag,
# only Last-Modified: an unchanged file resumes, a replaced one (same
# size) starts afresh.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
# replace FILE NEWCONTENT: atomically, with an mtime 100 s later.
replace()
{
	_m=$(stat -c %Y "$1")
	cp "$2" "$1.new"
	touch -d "@$((_m + 100))" "$1.new"
	mv "$1.new" "$1"
}

bin_file "$ROOT/a.bin" $((48 * MB))
bin_file "$T/a.new" $((48 * MB))
start_hauld
start_haulproxy -C 256k -j 2

# (1) Changed between a kill and the resume.
workers=$(worker_pids)
freeze_at a.bin $((4 * MB)) $workers >/dev/null || exit 1
until_true 10 journal_has_chunks "$PROXY_DIR/.a.bin.journal" ||
    fail "(1) journal records no durable chunk"
kill -KILL "$PROXY_PID"
wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
thaw $workers
replace "$ROOT/a.bin" "$T/a.new"

start_haulproxy -C 256k -j 2
pget_ok a.bin "$T/body" "$T/hdr" "(1) after the change"
must_cmp "$PROXY_DIR/a.bin" "$T/a.new" "(1) result is the new file"
must_equal "$(body_field "$T/body" bytes)" $((48 * MB)) "(1) bytes"
must_equal "$(body_field "$T/body" resumed-from)" 0 "(1) resumed-from"
must_equal "$(pmetric downloads_resumed)" 0 "(1) downloads_resumed"
must_equal "$(pmetric downloads_started)" 1 "(1) downloads_started"
# The complete journal now names the new file: asking again is a no-op.
pget a.bin "$T/body" "$T/hdr"
must_equal "$(head -n 1 "$T/body")" "File already downloaded" "(1) again"

# (2) Changed during the download, same size.
bin_file "$ROOT/b.bin" $((48 * MB))
bin_file "$T/b.new" $((48 * MB))
restarted0=$(pmetric downloads_restarted)
freeze_at b.bin $((4 * MB)) $workers >/dev/null || exit 1
replace "$ROOT/b.bin" "$T/b.new"
# A second request joins the download in progress.
pget_bg b.bin "$T/body" "$T/hdr"
thaw $workers
wait "$BG_PID" || fail "(2) curl failed"
must_equal "$(status "$T/hdr")" 200 "(2) status"
must_equal "$(head -n 1 "$T/body")" "Download complete" "(2) answer"
must_cmp "$PROXY_DIR/b.bin" "$T/b.new" "(2) result is the new file"
restarted=$(pmetric downloads_restarted)
[ "$restarted" -gt "$restarted0" ] ||
    fail "(2) downloads_restarted stayed $restarted"
must_contain "$PROXY_LOG" "b\.bin.*(changed|starting over)" \
    "(2) the restart is logged"

# (3) A file replaced after completion is fetched again, not "already".
bin_file "$T/a.new2" $((MB + 3))
replace "$ROOT/a.bin" "$T/a.new2"
pget_ok a.bin "$T/body" "$T/hdr" "(3) complete file changed at the origin"
must_cmp "$PROXY_DIR/a.bin" "$T/a.new2" "(3) result is the newest file"
# (4) The same, keeping the size: only the validator differs.
bin_file "$T/a.new3" $((MB + 3))
replace "$ROOT/a.bin" "$T/a.new3"
pget_ok a.bin "$T/body" "$T/hdr" "(4) same size, changed at the origin"
must_cmp "$PROXY_DIR/a.bin" "$T/a.new3" "(4) result is the newest file"

# (5) No ETag: Last-Modified is the validator.  origin.py serves one file
# under any name; it is frozen (SIGSTOP) to interrupt mid-download.
bin_file "$T/lm.bin" $((16 * MB))
# Paced (8 MB/s per response), so a loaded machine's poller in freeze_at
# still catches the download before it ends.
start_origin "$T/lm.bin" '*' --etag none --rate 8000000
curl -sS --max-time 5 -I "$ORIGIN_URL/download/u.bin" >"$T/lmhead" ||
    fail "(5) HEAD to origin.py"
has_hdr "$T/lmhead" ETag && fail "(5) origin.py sent an ETag"
PROXY_ORIGIN=$ORIGIN_URL
PROXY_DIR=$T/dl-lm
# interrupt NAME: kill -9 the proxy mid-download of NAME, some chunks in.
interrupt()
{
	start_haulproxy -C 256k -j 2
	freeze_at "$1" $((2 * MB)) "$ORIGIN_PID" >/dev/null || exit 1
	until_true 10 journal_has_chunks "$PROXY_DIR/.$1.journal" ||
	    fail "(5) $1: journal records no durable chunk"
	kill -KILL "$PROXY_PID"
	wait_dead "$PROXY_PID" 5 || fail "haulproxy survived SIGKILL"
	thaw "$ORIGIN_PID"
}
interrupt u.bin
start_haulproxy -C 256k -j 2
pget_ok u.bin "$T/body" "$T/hdr" "(5) unchanged, no ETag"
must_cmp "$PROXY_DIR/u.bin" "$T/lm.bin" "(5) unchanged, no ETag"
[ "$(body_field "$T/body" resumed-from)" -gt 0 ] ||
    fail "(5) unchanged file with only Last-Modified did not resume"
stop_haulproxy
interrupt c.bin
bin_file "$T/lm.new" $((16 * MB))
replace "$T/lm.bin" "$T/lm.new"
start_haulproxy -C 256k -j 2
pget_ok c.bin "$T/body" "$T/hdr" "(5) changed, no ETag"
must_cmp "$PROXY_DIR/c.bin" "$T/lm.new" "(5) changed, no ETag"
must_equal "$(body_field "$T/body" resumed-from)" 0 \
    "(5) changed, no ETag: resumed-from"
