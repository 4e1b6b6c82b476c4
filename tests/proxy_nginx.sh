#!/bin/sh
# proxy_nginx: any HTTP server with Range support will do as the origin;
# here nginx.  Plain nginx: byte-exact downloads (binary and text, chunk
# boundaries included) and "File already downloaded" on nginx's own ETag.
# nginx with "gzip on": asked for a Range with Accept-Encoding: gzip, it
# answers 200 with the whole file compressed; haulproxy (--gzip always and
# auto) must not take that for a chunk, falls back to plain chunks without
# counting retries, and the download is byte-exact.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
bin_file "$ROOT/b.bin" $((3 * MB + 1))
text_file "$ROOT/t.txt" $((2 * MB - 1))
text_file "$ROOT/t2.txt" $((MB + 4096))
C=262144

# chunks BYTES: how many -C 256k chunks a file of BYTES has.
chunks()
{
	echo $((($1 + C - 1) / C))
}

start_nginx
PROXY_ORIGIN=$NGINX_URL
PROXY_DIR=$T/dl-plain
start_haulproxy -C 256k -j 3
for f in b.bin t.txt; do
	pget_ok "$f" "$T/body" "$T/hdr" "nginx: $f"
	must_cmp "$PROXY_DIR/$f" "$ROOT/$f" "nginx: $f"
done
must_equal "$(pmetric chunks_fetched)" \
    $(($(chunks $((3 * MB + 1))) + $(chunks $((2 * MB - 1))))) \
    "nginx: chunks_fetched"
must_equal "$(pmetric retries)" 0 "nginx: retries"
pget b.bin "$T/body" "$T/hdr"
must_equal "$(head -n 1 "$T/body")" "File already downloaded" \
    "nginx: second request"
stop_haulproxy
stop_nginx

start_nginx gzip
# nginx really does answer a gzip Range with the whole compressed file.
curl -sS --max-time 10 -D "$T/nhdr" -o /dev/null -r 0-99 \
    -H "Accept-Encoding: gzip" "$NGINX_URL/download/t.txt" ||
    fail "curl to nginx"
must_equal "$(status "$T/nhdr")" 200 "nginx gzip Range: status"
must_equal "$(hdr "$T/nhdr" Content-Encoding)" gzip "nginx gzip Range: CE"

PROXY_ORIGIN=$NGINX_URL
for gz in always auto; do
	PROXY_DIR=$T/dl-$gz
	start_haulproxy -C 256k -j 3 --gzip "$gz"
	for f in t.txt t2.txt b.bin; do
		pget_ok "$f" "$T/body" "$T/hdr" "nginx gzip, --gzip $gz: $f"
		must_cmp "$PROXY_DIR/$f" "$ROOT/$f" "nginx gzip, --gzip $gz: $f"
	done
	must_equal "$(pmetric retries)" 0 "nginx gzip, --gzip $gz: retries"
	must_equal "$(pmetric downloads_restarted)" 0 \
	    "nginx gzip, --gzip $gz: downloads_restarted"
	must_equal "$(pmetric chunks_fetched)" \
	    $(($(chunks $((2 * MB - 1))) + $(chunks $((MB + 4096))) + \
	    $(chunks $((3 * MB + 1))))) "nginx gzip, --gzip $gz: chunks_fetched"
	# The whole compressed files were not read: far fewer bytes came in
	# than three whole-file answers per text file would be.
	fetched=$(pmetric bytes_fetched)
	written=$(pmetric bytes_written)
	must_equal "$written" $((6 * MB + 4096)) \
	    "nginx gzip, --gzip $gz: bytes_written"
	[ "$fetched" -le $((written + written / 4)) ] ||
	    fail "nginx gzip, --gzip $gz: fetched $fetched for $written"
	stop_haulproxy
	must_equal "$PROXY_STATUS" 0 "--gzip $gz: exit status after SIGTERM"
done
