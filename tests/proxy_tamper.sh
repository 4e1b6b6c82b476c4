#!/bin/sh
# proxy_tamper: a journal or part file truncated, deleted or corrupted by
# hand between two runs of haulproxy is noticed, and the download recovers
# cleanly: the file under the final name is byte-identical to the origin's,
# never a file with wrong bytes (issue 6, item 4).
#
# Each case: a download of its own name starts, the origin (hauld) is
# frozen once some megabytes are in, the journal records durable chunks
# (checked right against the source), haulproxy is killed with SIGKILL;
# then the files are tampered with, a new haulproxy finishes the download,
# and the result is compared with cmp and the proxy's log and counters
# must show the damage was noticed:
#   part-half      .part truncated to half its size     -> starts over
#   part-gone      .part deleted                        -> starts over
#   journal-gone   .journal deleted, .part kept         -> starts over
#   journal-100    .journal truncated to 100 bytes      -> starts over
#   journal-junk   .journal overwritten with random bytes -> starts over
#   journal-v1     .journal rewritten as a valid version 1 journal (an
#                  older haulproxy's, without chunk CRCs) -> starts over
#   part-flipped   16 bytes flipped in the middle of a durable chunk of
#                  the .part, the journal untouched     -> that chunk is
#                  fetched again (the journal's chunk CRCs, format 2)
# part-flipped runs last: until download.c checks the chunk CRCs on
# resume it fails (the flipped bytes end up under the final name), and
# the other cases have run by then.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/proxylib.sh"

SIZE=$((32 * 1024 * 1024))
CHUNK=$((256 * 1024))
bin_file "$ROOT/src.bin" "$SIZE"
start_hauld

# tj durable|check|flip|v1 JOURNAL [PART SOURCE | PART CHUNK | OUT]:
# reads a journal of format version 3 or 2 (src/haulproxy/journal.h; 2
# lacks the 100-byte digest block before the record CRC): the newest
# record whose CRC is right.
#   durable: how many chunks it records as durable (0 when no record)
#   check:   every durable chunk holds the source's bytes in PART; prints
#            "COUNT CHUNK CRC": the count and the middle durable chunk
#            with the CRC the journal recorded for it (0: none)
#   flip:    xor 16 bytes in the middle of chunk CHUNK of PART in place
#   v1:      write that record's state as a version 1 journal to OUT
tj()
{
	python3 - "$@" <<'PYEOF'
import struct, sys, zlib

HEAD = 304

def records(img):
    """Valid version 2 and 3 records: (seq, offset, nchunks)."""
    out = []
    if len(img) < HEAD or img[:8] != b"HAULJRN\0":
        return out
    n = struct.unpack_from("<I", img, 40)[0]
    v = struct.unpack_from("<I", img, 8)[0]
    nb = (n + 7) // 8
    at = HEAD + nb + 4 * n + (100 if v >= 3 else 0)
    rs = (at + 4 + 511) // 512 * 512
    for off in (0, rs):
        r = img[off:off + rs]
        if len(r) < rs or r[:8] != b"HAULJRN\0":
            continue
        if struct.unpack_from("<I", r, 8)[0] != v or v not in (2, 3):
            continue
        if struct.unpack_from("<I", r, 40)[0] != n:
            continue
        if struct.unpack_from("<I", r, at)[0] != zlib.crc32(r[:at]):
            continue
        out.append((struct.unpack_from("<Q", r, 16)[0], off, n))
    return out

def newest(path):
    try:
        img = open(path, "rb").read()
    except OSError:
        return None
    recs = records(img)
    if not recs:
        return None
    seq, off, n = max(recs)
    r = img[off:]
    nb = (n + 7) // 8
    size, cs = struct.unpack_from("<QQ", r, 24)
    bits = r[HEAD:HEAD + nb]
    done = [i for i in range(n) if bits[i // 8] >> (i % 8) & 1]
    crcs = struct.unpack_from("<%dI" % n, r, HEAD + nb)
    return r, n, nb, size, cs, done, crcs

cmd, path = sys.argv[1], sys.argv[2]
j = newest(path)
if cmd == "durable":
    print(0 if j is None else len(j[5]))
elif cmd == "check":
    if j is None:
        print("no valid journal record")
        sys.exit(1)
    r, n, nb, size, cs, done, crcs = j
    part = open(sys.argv[3], "rb").read()
    src = open(sys.argv[4], "rb").read()
    for i in done:
        a, b = i * cs, min((i + 1) * cs, size)
        if part[a:b] != src[a:b]:
            print("chunk %d (bytes %d-%d) is durable but wrong"
                  % (i, a, b - 1))
            sys.exit(1)
        if crcs[i] not in (0, zlib.crc32(src[a:b])):
            print("chunk %d: CRC %08x recorded, its bytes have %08x"
                  % (i, crcs[i], zlib.crc32(src[a:b])))
            sys.exit(1)
    if not done:
        print("no durable chunk")
        sys.exit(1)
    mid = done[len(done) // 2]
    print(len(done), mid, crcs[mid])
elif cmd == "flip":
    part, c = sys.argv[3], int(sys.argv[4])
    r, n, nb, size, cs, done, crcs = j
    a = c * cs + (min((c + 1) * cs, size) - c * cs) // 2
    with open(part, "r+b") as f:
        f.seek(a)
        b = bytearray(f.read(16))
        for k in range(len(b)):
            b[k] ^= 0x5a
        f.seek(a)
        f.write(b)
    print(a)
elif cmd == "v1":
    r, n, nb, size, cs, done, crcs = j
    # Version 1: the same head and bitmap, the CRC right after them.
    rec = bytearray(r[:HEAD + nb])
    struct.pack_into("<I", rec, 8, 1)
    rec += struct.pack("<I", zlib.crc32(bytes(rec)))
    rec += bytes((-len(rec)) % 512)
    open(sys.argv[3], "wb").write(bytes(rec))
else:
    sys.exit("tj: unknown command " + cmd)
PYEOF
}

tj_has_durable()
{
	[ "$(tj durable "$1")" -gt 0 ]
}

# interrupt NAME: start NAME's download with a new haulproxy, kill it
# (SIGKILL) with durable chunks recorded.  Sets DURABLE, MID (the middle
# durable chunk), MIDCRC (the CRC recorded for it), PART, JOURNAL.
interrupt()
{
	ln "$ROOT/src.bin" "$ROOT/$1" || fail "cannot link $ROOT/$1"
	PART=$PROXY_DIR/.$1.part
	JOURNAL=$PROXY_DIR/.$1.journal
	start_haulproxy -C 256k -j 2
	_workers=$(worker_pids)
	[ -n "$_workers" ] || fail "$1: no hauld workers"
	_at=$(freeze_at "$1" $((4 * 1024 * 1024)) $_workers) || exit 1
	[ "$_at" -lt "$SIZE" ] || fail "$1: download done before the freeze"
	# Written chunks become durable within a second or so.
	until_true 10 tj_has_durable "$JOURNAL" ||
	    fail "$1: journal records no durable chunk 10 s after $_at bytes"
	kill -KILL "$PROXY_PID"
	wait_dead "$PROXY_PID" 5 || fail "$1: haulproxy survived SIGKILL"
	wait "$PROXY_WPID" 2>/dev/null
	thaw $_workers
	[ -e "$PROXY_DIR/$1" ] && fail "$1: final name exists after the kill"
	[ -e "$PART" ] || fail "$1: no .part after the kill"
	_st=$(tj check "$JOURNAL" "$PART" "$ROOT/src.bin") ||
	    fail "$1: journal before tampering: $_st"
	set -- $_st
	DURABLE=$1
	MID=$2
	MIDCRC=$3
}

# finish NAME WHAT: a new haulproxy completes NAME; the final file must be
# the source's bytes, and at least what was missing was fetched.  Sets
# RESUMED, FETCHED.  Its log joins those lib.sh's check_logs searches for
# sanitizer reports at the end.
finish()
{
	start_haulproxy -C 256k -j 2
	HAULD_LOGS="$HAULD_LOGS $PROXY_LOG"
	pget_ok "$1" "$T/body" "$T/hdr" "$2"
	must_cmp "$PROXY_DIR/$1" "$ROOT/$1" "$2: final file"
	RESUMED=$(body_field "$T/body" resumed-from)
	FETCHED=$(body_field "$T/body" fetched)
	log "$2: resumed from $RESUMED, fetched $FETCHED"
	[ -n "$RESUMED" ] && [ -n "$FETCHED" ] ||
	    fail "$2: no resumed-from or fetched in the answer"
	[ $((RESUMED + FETCHED)) -ge "$SIZE" ] ||
	    fail "$2: resumed-from $RESUMED + fetched $FETCHED < $SIZE"
}

# stopped WHAT: stop the proxy finish started; it must exit cleanly.
stopped()
{
	stop_haulproxy
	must_equal "$PROXY_STATUS" 0 "$1: exit status after SIGTERM"
}

# started_over NAME WHAT LOG-ERE: the damage made the proxy start over:
# nothing trusted, the whole file fetched again, and the log says why.
started_over()
{
	must_equal "$RESUMED" 0 "$2: resumed-from"
	must_equal "$FETCHED" "$SIZE" "$2: fetched"
	must_equal "$(pmetric downloads_started)" 1 "$2: downloads_started"
	must_equal "$(pmetric downloads_resumed)" 0 "$2: downloads_resumed"
	must_contain "$PROXY_LOG" "$1: $3" "$2: log"
	stopped "$2"
}

# --- The part file truncated to half its size.
interrupt part-half
truncate -s $((SIZE / 2)) "$PART" || fail "cannot truncate $PART"
finish part-half "part file cut to half"
started_over part-half "part file cut to half" \
    "stored part does not match the origin: starting over"

# --- The part file deleted.
interrupt part-gone
rm -f "$PART"
finish part-gone "part file deleted"
started_over part-gone "part file deleted" \
    "stored part does not match the origin: starting over"

# --- The journal deleted, the part file kept.
interrupt journal-gone
rm -f "$JOURNAL"
finish journal-gone "journal deleted"
started_over journal-gone "journal deleted" \
    "stored part does not match the origin: starting over"

# --- The journal cut to 100 bytes (inside the head of a record).
interrupt journal-100
truncate -s 100 "$JOURNAL" || fail "cannot truncate $JOURNAL"
finish journal-100 "journal cut to 100 bytes"
started_over journal-100 "journal cut to 100 bytes" \
    "journal ignored: .*(truncated|no valid journal record)"

# --- The journal's bytes replaced by random ones, same length.
interrupt journal-junk
jlen=$(size_of "$JOURNAL")
head -c "$jlen" /dev/urandom >"$JOURNAL"
finish journal-junk "journal of garbage"
started_over journal-junk "journal of garbage" \
    "journal ignored: .*no valid journal record"

# --- A well-formed journal of version 1, as an older haulproxy left it:
# its chunks are not trusted without CRCs.
interrupt journal-v1
tj v1 "$JOURNAL" "$T/v1.journal" || fail "cannot make a version 1 journal"
mv "$T/v1.journal" "$JOURNAL"
finish journal-v1 "version 1 journal"
started_over journal-v1 "version 1 journal" \
    "journal ignored: .*journal version 1: written by an older haulproxy"

# --- Bytes changed in place inside a durable chunk, journal untouched:
# the size check cannot see it, only the chunk's CRC in the journal can.
interrupt part-flipped
log "part-flipped: $DURABLE durable chunks; flipping chunk $MID" \
    "(CRC recorded: $MIDCRC)"
off=$(tj flip "$JOURNAL" "$PART" "$MID") || fail "cannot flip bytes in $PART"
cmp -s "$PART" "$ROOT/part-flipped" && fail "the flip changed nothing"
finish part-flipped "bytes flipped in chunk $MID at $off"
# At least the flipped chunk was fetched again.
[ "$FETCHED" -ge "$CHUNK" ] ||
    fail "part-flipped: fetched $FETCHED, not even the flipped chunk"
# The chunk had a CRC, the mismatch was logged, and resumed-from counts
# only the chunks that passed the check.
[ "$MIDCRC" != 0 ] || fail "part-flipped: no CRC recorded for chunk $MID"
must_equal $((RESUMED + FETCHED)) "$SIZE" "part-flipped: resumed + fetched"
must_contain "$PROXY_LOG" \
    "part-flipped: chunk $MID of the part file does not match its journal: fetching it again" \
    "part-flipped: log"
stopped part-flipped
