#!/usr/bin/env python3
"""tests/origin.py: a small hostile HTTP/1.1 origin for haulproxy's tests.

It serves one file, FILE, as /download/NAME (anything else is 404; with
--name '*', as every /download/ name).  HEAD
is always honest: Content-Length, a strong ETag (inode, size, mtime, so a
replaced file gets a new one), Last-Modified, Accept-Ranges.  GET answers
a single "Range: bytes=A-B" (If-Range honoured) and is corrupted as --mode
says:

  ok           correct 206 answers (gzip when Accept-Encoding allows it)
  gzip-more    gzip body that decodes to more bytes than the range
  gzip-less    gzip body that decodes to fewer bytes than the range
  gzip-bomb    a small gzip body inflating to --bomb-size bytes (64 MiB)
  bad-crc      gzip body of the right bytes with a wrong CRC-32
  gzip-cut     gzip body of the right bytes without its 8-byte trailer
               (CRC-32 and length), Content-Length saying so
  wrong-range  206 whose Content-Range (and body) is another offset
  range-200    200 with the whole file to a Range request, same ETag
  truncated    Content-Length right, half the body, connection closed
  slow         sleeps --delay seconds before answering
  flaky        per range: the first --flaky-n answers fail, alternately a
               500 and a connection reset; then correct answers
  flip         a correct-looking 206 (plain) with one body byte flipped:
               only a digest of the whole file can tell

--bad-count K corrupts only the first K GET requests (default: all; for
flaky the per-range --flaky-n decides).  --rate limits body bytes per
second per response.  --head-delay sleeps before answering HEAD.
--etag weak sends a weak ETag (W/"..."), --etag none none at all: then
only Last-Modified identifies the file (If-Range compares it).
--repr-digest VALUE sends "Repr-Digest: VALUE" with every HEAD and GET
(the value as given: right, wrong or malformed); with --digest-from N
only from the Nth HEAD on (a file whose hash is not done at first).

GET /stats is JSON: heads, gets, bad, good, bytes (body bytes sent for
/download/), resets, gzip_asked, ranges (distinct ranges asked).
GET /mode?mode=M&bad=K&flaky=N&rate=R switches the mode at run time
(bad, flaky and rate optional: all, 2, unchanged); the bad count and the
per-range counts start again.  Every request is logged to stderr.  The
port bound on 127.0.0.1 (--port, 0 by default) is written atomically to
--port-file.
"""

import argparse
import email.utils
import gzip
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "gzip-more", "gzip-less", "gzip-bomb", "bad-crc", "gzip-cut",
         "wrong-range", "range-200", "truncated", "slow", "flaky", "flip")

opts = None
lock = threading.Lock()
stats = {"heads": 0, "gets": 0, "bad": 0, "good": 0, "bytes": 0,
         "resets": 0, "gzip_asked": 0, "ranges": 0}
per_range = {}
bad_base = 0
bomb = None


def make_bomb(size):
    """A gzip member of SIZE zero bytes, built without holding them."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    out = []
    left = size
    while left > 0:
        n = min(left, len(block))
        out.append(co.compress(block[:n]))
        left -= n
    out.append(co.flush())
    return b"".join(out)


def file_info():
    st = os.stat(opts.file)
    etag = '"%x-%x-%x"' % (st.st_ino, st.st_size, st.st_mtime_ns)
    lm = email.utils.formatdate(st.st_mtime, usegmt=True)
    return st.st_size, etag, lm


def read_range(a, n):
    with open(opts.file, "rb") as f:
        f.seek(a)
        return f.read(n)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "origin.py"

    def log_message(self, fmt, *args):
        sys.stderr.write("origin: %s\n" % (fmt % args))
        sys.stderr.flush()

    def note(self, msg):
        sys.stderr.write("origin: %s %s: %s\n" %
                         (self.command, self.headers.get("Range", "-"), msg))
        sys.stderr.flush()

    def send_body(self, body, limit=None):
        """Write body (or its first LIMIT bytes), paced by --rate."""
        if limit is not None:
            body = body[:limit]
        step = 64 * 1024
        t0 = time.monotonic()
        sent = 0
        try:
            for i in range(0, len(body), step):
                piece = body[i:i + step]
                self.wfile.write(piece)
                sent += len(piece)
                with lock:
                    stats["bytes"] += len(piece)
                if opts.rate > 0:
                    ahead = sent / opts.rate - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def simple(self, code, text, extra=None):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Close with an RST: SO_LINGER 0."""
        with lock:
            stats["resets"] += 1
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                self.simple(200, json.dumps(stats) + "\n",
                            {"Content-Type": "application/json"})
            return
        if self.path.startswith("/mode?"):
            self.set_mode(self.path[6:])
            return
        if not self.path.startswith("/download/") or \
                (opts.name != "*" and self.path != "/download/" + opts.name):
            self.simple(404, "not found\n")
            return
        try:
            size, etag, lm = file_info()
        except OSError:
            self.simple(404, "not found\n")
            return
        common = {"Last-Modified": lm, "Accept-Ranges": "bytes"}
        if opts.repr_digest and (self.command != "HEAD" or
                                 stats["heads"] + 1 >= opts.digest_from):
            common["Repr-Digest"] = opts.repr_digest
        if opts.etag == "strong":
            common["ETag"] = etag
        elif opts.etag == "weak":
            common["ETag"] = "W/" + etag
        if self.command == "HEAD":
            with lock:
                stats["heads"] += 1
            if opts.head_delay > 0:
                time.sleep(opts.head_delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            for k, v in common.items():
                self.send_header(k, v)
            self.end_headers()
            return
        self.answer_get(size, common)

    def set_mode(self, query):
        global bad_base, bomb
        q = urllib.parse.parse_qs(query)
        mode = q.get("mode", [""])[0]
        if mode not in MODES:
            self.simple(400, "unknown mode %r\n" % mode)
            return
        if mode == "gzip-bomb" and bomb is None:
            bomb = make_bomb(opts.bomb_size)
        with lock:
            opts.mode = mode
            opts.bad_count = int(q.get("bad", ["-1"])[0])
            opts.flaky_n = int(q.get("flaky", ["2"])[0])
            opts.rate = float(q.get("rate", [opts.rate])[0])
            bad_base = stats["bad"]
            per_range.clear()
        self.note("mode now %s, bad %d" % (mode, opts.bad_count))
        self.simple(200, "mode %s\n" % mode)

    def answer_get(self, size, common):
        rng = self.headers.get("Range")
        ir = self.headers.get("If-Range")
        # If-Range (RFC 9110 13.1.5): a strong ETag compared strongly, or
        # the Last-Modified date exactly.
        etag = common.get("ETag")
        if ir is None:
            ir_ok = True
        elif ir.startswith("W/"):
            ir_ok = False
        elif ir.startswith('"'):
            ir_ok = etag is not None and ir == etag
        else:
            ir_ok = ir == common["Last-Modified"]
        ae = self.headers.get("Accept-Encoding", "")
        want_gzip = re.search(r"\bgzip\b(?!\s*;\s*q=0(\.0*)?\b)", ae) \
            is not None
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if rng is None or m is None or not ir_ok:
            a, b, partial = 0, size - 1, False
        else:
            a = int(m.group(1))
            b = int(m.group(2)) if m.group(2) else size - 1
            b = min(b, size - 1)
            partial = True
            if a >= size or b < a:
                self.simple(416, "unsatisfiable\n",
                            {"Content-Range": "bytes */%d" % size})
                return
        n = b - a + 1
        key = (a, b)
        with lock:
            stats["gets"] += 1
            if want_gzip:
                stats["gzip_asked"] += 1
            if key not in per_range:
                stats["ranges"] += 1
            per_range[key] = per_range.get(key, 0) + 1
            seen = per_range[key]
            if opts.mode == "ok":
                bad = False
            elif opts.mode == "flaky":
                bad = seen <= opts.flaky_n
            else:
                bad = opts.bad_count < 0 or \
                    stats["bad"] - bad_base < opts.bad_count
            stats["bad" if bad else "good"] += 1
        data = read_range(a, n)
        if not bad:
            self.note("ok")
            self.reply(206 if partial else 200, data, common,
                       (a, b, size) if partial else None, want_gzip)
            return
        mode = opts.mode
        self.note("corrupted: " + mode)
        cr = (a, b, size)
        if mode == "gzip-more":
            self.reply(206, gzip.compress(data + b"MORE" * 1024, 1),
                       common, cr, False, "gzip")
        elif mode == "gzip-less":
            self.reply(206, gzip.compress(data[:n // 2], 1), common, cr,
                       False, "gzip")
        elif mode == "gzip-bomb":
            self.reply(206, bomb, common, cr, False, "gzip")
        elif mode == "bad-crc":
            body = bytearray(gzip.compress(data, 1))
            body[-8] ^= 0xff
            self.reply(206, bytes(body), common, cr, False, "gzip")
        elif mode == "gzip-cut":
            self.reply(206, gzip.compress(data, 1)[:-8], common, cr, False,
                       "gzip")
        elif mode == "wrong-range":
            a2 = 0 if a != 0 else size - n
            self.reply(206, read_range(a2, n), common,
                       (a2, a2 + n - 1, size), False)
        elif mode == "range-200":
            self.reply(200, read_range(0, size), common, None, False)
        elif mode == "truncated":
            self.reply(206, data, common, cr, False, None, n // 2)
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            self.close_connection = True
        elif mode == "flip":
            body = bytearray(data)
            body[len(body) // 2] ^= 0x01
            self.reply(206, bytes(body), common, cr, False)
        elif mode == "slow":
            time.sleep(opts.delay)
            self.reply(206, data, common, cr, want_gzip)
        elif mode == "flaky":
            if seen % 2 == 1:
                self.simple(500, "flaky origin\n")
            else:
                self.reset()

    def reply(self, code, data, common, cr, want_gzip, force_ce=None,
              limit=None):
        body = data
        ce = force_ce
        if ce is None and want_gzip:
            body = gzip.compress(data, 1)
            ce = "gzip"
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        for k, v in common.items():
            self.send_header(k, v)
        if cr is not None:
            self.send_header("Content-Range", "bytes %d-%d/%d" % cr)
        if ce is not None:
            self.send_header("Content-Encoding", ce)
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.send_body(body, limit)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main():
    global opts, bomb
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--file", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--mode", choices=MODES, default="ok")
    p.add_argument("--bad-count", type=int, default=-1)
    p.add_argument("--flaky-n", type=int, default=2)
    p.add_argument("--delay", type=float, default=5.0)
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--head-delay", type=float, default=0)
    p.add_argument("--etag", choices=("strong", "weak", "none"),
                   default="strong")
    p.add_argument("--bomb-size", type=int, default=64 << 20)
    p.add_argument("--repr-digest", default="")
    p.add_argument("--digest-from", type=int, default=1)
    opts = p.parse_args()
    # A background job of sh starts with SIGINT and SIGQUIT ignored: die
    # at once on any stop signal (lib.sh's cleanup sends SIGQUIT).
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, lambda *_: os._exit(0))
    if opts.mode == "gzip-bomb":
        bomb = make_bomb(opts.bomb_size)
    srv = Server(("127.0.0.1", opts.port), Handler)
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
