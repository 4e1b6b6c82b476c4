#!/bin/sh
# proxy_diskfull: a full disk is a clear error, not a corrupt file.  As
# root, -D is an 8 MiB tmpfs and the file is 16 MiB: the request fails
# with 507 and a message naming the problem (no space) and the file, the
# .part and journal stay (every chunk the journal calls durable is right),
# no final file appears; once the tmpfs is enlarged the same request
# resumes from the journal (resumed-from > 0) and completes byte-identical.
# Where no tmpfs can be mounted (not root, or no privilege to mount): only
# what needs no mount is checked -- a -D that cannot be created is refused
# at startup with a one-line error, a normal download works -- and the
# test says so in its log.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

MB=1048576
SIZE=$((16 * MB))
bin_file "$ROOT/big.bin" "$SIZE"
start_hauld

SMALL=$T/small
mkdir "$SMALL"
if [ "$(id -u)" != 0 ] ||
    ! mount -t tmpfs -o size=8m tmpfs "$SMALL" 2>"$T/mount.err"; then
	log "NOTE: cannot mount a tmpfs (uid $(id -u): \
$(cat "$T/mount.err" 2>/dev/null)); checking only what needs no mount"
	: >"$T/afile"
	HAUL_PORT_FILE=$T/bad.port "$HAULPROXY" -b 127.0.0.1 -p 0 \
	    -o "http://127.0.0.1:$PORT" -D "$T/afile/dl" </dev/null \
	    >"$T/bad.out" 2>&1
	must_equal "$?" 2 "-D that cannot be made: exit status"
	must_equal "$(wc -l <"$T/bad.out" | tr -d ' ')" 1 \
	    "-D that cannot be made: lines ($(cat "$T/bad.out"))"
	must_contain "$T/bad.out" "afile/dl" \
	    "-D that cannot be made: names the directory"
	PROXY_DIR=$T/dl
	start_haulproxy
	pget_ok big.bin "$T/body" "$T/hdr" "download"
	must_cmp "$PROXY_DIR/big.bin" "$ROOT/big.bin" "download"
	exit 0
fi
# Unmount before lib.sh's cleanup removes $T (lazily: a process may
# still hold it), keeping the test's exit status.
trap '_px_st=$?; umount -l "$SMALL" 2>/dev/null; (exit $_px_st); cleanup' EXIT

PROXY_DIR=$SMALL
start_haulproxy -C 256k -j 2
pget big.bin "$T/body" "$T/hdr"
must_equal "$(status "$T/hdr")" 507 "disk full: status ($(cat "$T/body"))"
must_contain "$T/body" "[Nn]o space" "disk full: message names the cause"
must_contain "$T/body" "big\.bin" "disk full: message names the file"
[ -e "$SMALL/big.bin" ] && fail "disk full: a final file appeared"
[ -e "$SMALL/.big.bin.part" ] || fail "disk full: .part not kept"
[ -e "$SMALL/.big.bin.journal" ] || fail "disk full: journal not kept"
durable=$(journal_verify "$SMALL/.big.bin.journal" "$SMALL/.big.bin.part" \
    "$ROOT/big.bin") || exit 1
log "disk full: $durable durable chunks kept"
[ "$durable" -gt 0 ] || fail "disk full: no durable chunk kept"
# Still serving.
must_equal "$(curl -sS --max-time 5 "$(purl /healthz)")" ok "/healthz"

mount -o remount,size=64m "$SMALL" || fail "cannot enlarge the tmpfs"
pget_ok big.bin "$T/body" "$T/hdr" "after enlarging"
must_cmp "$SMALL/big.bin" "$ROOT/big.bin" "after enlarging"
must_equal "$(body_field "$T/body" resumed-from)" $((durable * 256 * 1024)) \
    "after enlarging: resumed-from"
must_equal "$(pmetric downloads_resumed)" 1 "downloads_resumed"
stop_haulproxy
must_equal "$PROXY_STATUS" 0 "exit status after SIGTERM"
