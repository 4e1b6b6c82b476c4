#!/bin/sh
# proxy_sizes: haulproxy downloads are byte-exact at every size around its
# chunk boundaries (-C 64k: 0, 1, C-1, C, C+1, 3C-1 bytes), for
# incompressible and compressible files, asking hauld for plain chunks
# (--gzip never) and for gzip chunks (--gzip always); each answer is
# "Download complete" with the right byte count, a second request says
# "File already downloaded" without fetching again, and the metrics count
# every download once.  Names with subdirectories and escaped characters
# land at the same relative path under -D.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

C=65536
SIZES="0 1 $((C - 1)) $C $((C + 1)) $((3 * C - 1))"
n=0
for s in $SIZES; do
	bin_file "$ROOT/b$s.bin" "$s"
	text_file "$ROOT/t$s.txt" "$s"
	n=$((n + 2))
done
# hauld compresses text ranges of any size here.
start_hauld -z 1

for gz in never always; do
	PROXY_DIR=$T/dl-$gz
	start_haulproxy -C 64k -j 3 --gzip "$gz"
	for s in $SIZES; do
		for f in "b$s.bin" "t$s.txt"; do
			pget_ok "$f" "$T/body" "$T/hdr" "$gz: $f"
			must_equal "$(body_field "$T/body" bytes)" "$s" \
			    "$gz: $f: bytes"
			must_equal "$(body_field "$T/body" resumed-from)" 0 \
			    "$gz: $f: resumed-from"
			must_cmp "$PROXY_DIR/$f" "$ROOT/$f" "$gz: $f"
			[ -e "$PROXY_DIR/.$f.part" ] &&
			    fail "$gz: $f: .part left beside the final file"
		done
	done
	must_equal "$(pmetric downloads_started)" "$n" "$gz: downloads_started"
	must_equal "$(pmetric downloads_completed)" "$n" \
	    "$gz: downloads_completed"
	# 0:0 1:1 C-1:1 C:1 C+1:2 3C-1:3 chunks, twice over.
	must_equal "$(pmetric chunks_fetched)" 16 "$gz: chunks_fetched"
	must_equal "$(pmetric retries)" 0 "$gz: retries"
	if [ "$gz" = never ]; then
		# Plain chunks: exactly the file bytes came over the wire.
		must_equal "$(pmetric bytes_fetched)" \
		    "$(cat "$ROOT"/* | wc -c | tr -d ' ')" "never: bytes_fetched"
	else
		# Text chunks came compressed: fewer bytes than written.
		f=$(pmetric bytes_fetched)
		w=$(pmetric bytes_written)
		[ "$f" -lt "$w" ] ||
		    fail "always: fetched $f bytes for $w written: no gzip?"
	fi

	# Second time: nothing fetched, same answer for every size.
	before=$(pmetric bytes_fetched)
	for s in $SIZES; do
		for f in "b$s.bin" "t$s.txt"; do
			pget "$f" "$T/body" "$T/hdr"
			must_equal "$(status "$T/hdr")" 200 "$gz: $f again"
			must_equal "$(head -n 1 "$T/body")" \
			    "File already downloaded" "$gz: $f again"
			must_cmp "$PROXY_DIR/$f" "$ROOT/$f" "$gz: $f again"
		done
	done
	must_equal "$(pmetric bytes_fetched)" "$before" \
	    "$gz: bytes fetched for complete files"
	must_equal "$(pmetric downloads_completed)" "$n" \
	    "$gz: downloads_completed after the second round"
	stop_haulproxy
	must_equal "$PROXY_STATUS" 0 "$gz: exit status after SIGTERM"
done

# Subdirectories and an escaped space: DIR/sub/deeper/x y.bin.
mkdir -p "$ROOT/sub/deeper"
bin_file "$ROOT/sub/deeper/x y.bin" $((C + 1))
PROXY_DIR=$T/dl-names
start_haulproxy -C 64k
pget_ok "sub/deeper/x%20y.bin" "$T/body" "$T/hdr" "sub/deeper/x%20y.bin"
must_cmp "$PROXY_DIR/sub/deeper/x y.bin" "$ROOT/sub/deeper/x y.bin" \
    "sub/deeper/x%20y.bin"
if [ -e "$PROXY_DIR/sub/deeper/.x y.bin.part" ]; then
	fail "sub/deeper/x%20y.bin: .part left"
fi
