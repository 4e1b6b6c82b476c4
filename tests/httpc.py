#!/usr/bin/env python3
"""httpc.py: the few HTTP client tricks the tests need and curl lacks.

  raw PORT [--one] [--trickle S]       send stdin as is, print the reply
  stall PORT PATH SECS [-H ..] [--ready F] [-o F]  GET, stall SECS, drain
  conn PORT [opts] PATH...             several requests on one connection
  multipart PORT PATH RANGE FILE       206 multipart/byteranges, checked
  get PORT PATH [-H 'N: v']... -o F    one GET with chosen headers
  gunzip                               strict gzip decode, stdin to stdout

Everything talks to 127.0.0.1 with socket timeouts, so no call can hang.
Exit status: 0 fine, 1 a check failed (the reason on stderr), 2 usage.
"""

import argparse
import email.parser
import email.policy
import os
import select
import socket
import sys
import time
import zlib

HOST = "127.0.0.1"


def die(msg):
    sys.stderr.write("httpc: %s\n" % msg)
    sys.exit(1)


class Reader:
    """Reads HTTP/1.x responses off a socket, framed as RFC 9112 6.3 says."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
        self.buf += data
        return bool(data)

    def take(self, n):
        while len(self.buf) < n:
            if not self.fill():
                die("connection closed after %d of %d bytes"
                    % (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self):
        while b"\n" not in self.buf:
            if not self.fill():
                die("connection closed inside a head")
        i = self.buf.index(b"\n") + 1
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.rstrip(b"\r\n")

    def response(self, head_only=False):
        """(status, [(name, value)], body, raw_head)."""
        status_line = self.line().decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            die("bad status line %r" % status_line)
        status = int(parts[1])
        headers = []
        raw = status_line + "\n"
        while True:
            ln = self.line().decode("latin-1")
            if ln == "":
                break
            raw += ln + "\n"
            name, _, value = ln.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        h = dict(headers)
        if head_only or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in h.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self.line().split(b";")[0], 16)
                if size == 0:
                    while self.line() != b"":
                        pass
                    break
                body += self.take(size)
                if self.take(2) != b"\r\n":
                    die("chunk not followed by CRLF")
        elif "content-length" in h:
            body = self.take(int(h["content-length"]))
        else:
            while self.fill():
                pass
            body, self.buf = self.buf, b""
        return status, headers, body, raw

    def closed(self, wait):
        """Whether the peer closes within wait seconds (no data expected)."""
        if self.eof:
            return True
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(TIMEOUT)
        if data:
            die("unexpected bytes after the response: %r" % data)
        return True


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def request(path, version="1.1", method="GET", headers=()):
    lines = ["%s %s HTTP/%s" % (method, path, version), "Host: 127.0.0.1"]
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def cmd_raw(a):
    """Send stdin unchanged; print the answer.  --one stops after one
    framed response, else read until the server closes.  Prints the
    seconds it took to stderr as 'elapsed S'."""
    data = sys.stdin.buffer.read()
    s = connect(a.port)
    t0 = time.monotonic()
    try:
        if a.trickle:
            # One byte per interval, until done or the server speaks.
            for i in range(len(data)):
                s.sendall(data[i:i + 1])
                if select.select([s], [], [], a.trickle)[0]:
                    break
        else:
            s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading it all
    r = Reader(s)
    out = b""
    try:
        if a.one:
            status, headers, body, raw = r.response(a.head)
            out = raw.encode("latin-1") + b"\n" + body
        else:
            while r.fill():
                pass
            out = r.buf
    except ConnectionResetError:
        out = r.buf
        sys.stderr.write("httpc: connection reset\n")
    except socket.timeout:
        die("no answer within %s s (got %r)" % (TIMEOUT, r.buf[:200]))
    sys.stderr.write("elapsed %.2f\n" % (time.monotonic() - t0))
    sys.stdout.buffer.write(out)


def cmd_conn(a):
    """Several requests on one connection, sequential or pipelined (all
    sent in one send).  Prints per response 'N STATUS BODYLEN CONNHDR',
    writes bodies to PREFIX.N with -o, and ends with 'open' or 'closed':
    whether the server closed the connection after the last response."""
    s = connect(a.port)
    r = Reader(s)
    version = "1.0" if a.http10 else "1.1"
    hdrs = list(a.header or [])
    if a.keepalive:
        hdrs.append("Connection: keep-alive")
    reqs = [request(p, version, a.method, hdrs) for p in a.paths]
    if a.pipeline:
        s.sendall(b"".join(reqs))
    said_close = False
    for i, p in enumerate(a.paths):
        if not a.pipeline:
            # A close announced is awaited (2 s at most); else a quick look.
            if r.eof or (i > 0 and r.closed(max(a.wait, 2.0) if said_close
                                            else 0.05)):
                print("%d closed-before-request" % (i + 1))
                print("closed")
                return
            try:
                s.sendall(reqs[i])
            except (BrokenPipeError, ConnectionResetError):
                print("%d closed-before-request" % (i + 1))
                print("closed")
                return
        status, headers, body, raw = r.response(a.method == "HEAD")
        h = dict(headers)
        said_close = h.get("connection", "").lower() == "close"
        print("%d %d %d %s" % (i + 1, status, len(body),
                               h.get("connection", "-")))
        if a.output:
            with open("%s.%d" % (a.output, i + 1), "wb") as f:
                f.write(body)
    print("closed" if r.closed(max(a.wait, 2.0) if said_close else a.wait)
          else "open")


def cmd_stall(a):
    """GET PATH with a small receive buffer, read the head, then read
    nothing for SECS seconds; then drain.  Prints the body bytes received
    and how the connection ended ('eof' or 'reset'); with --close it
    closes the connection after the stall instead of draining; with
    --ready FILE it creates FILE once the head is in; -o FILE keeps the
    body."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.settimeout(TIMEOUT)
    s.connect((HOST, a.port))
    s.sendall(request(a.path, headers=(a.header or []) +
                      ["Connection: close"]))
    r = Reader(s)
    while b"\r\n\r\n" not in r.buf:
        if not r.fill():
            die("closed before the head")
    got = len(r.buf) - r.buf.index(b"\r\n\r\n") - 4
    out = open(a.output, "wb") if a.output else None
    if out:
        out.write(r.buf[r.buf.index(b"\r\n\r\n") + 4:])
    if a.ready:
        open(a.ready, "w").close()
    time.sleep(a.secs)
    if a.close:
        print("%d closed" % got)
        return
    end = "eof"
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            got += len(data)
            if out:
                out.write(data)
    except ConnectionResetError:
        end = "reset"
    if out:
        out.close()
    print("%d %s" % (got, end))


def cmd_get(a):
    """One GET (or -m METHOD) with exactly the given headers; prints the
    status line and headers, writes the (de-chunked) body to -o."""
    s = connect(a.port)
    s.sendall(request(a.path, "1.0" if a.http10 else "1.1", a.method,
                      a.header or []))
    status, headers, body, raw = Reader(s).response(a.method == "HEAD")
    sys.stdout.write(raw)
    if a.output:
        with open(a.output, "wb") as f:
            f.write(body)


def cmd_multipart(a):
    """GET with Range: RANGE; the answer must be a 206 multipart/byteranges
    whose parts, parsed by the email package, each carry a Content-Range
    and exactly those bytes of FILE.  Prints 'FIRST-LAST/SIZE' per part."""
    f = open(a.file, "rb")
    fsize = os.fstat(f.fileno()).st_size
    s = connect(a.port)
    s.sendall(request(a.path, headers=["Range: " + a.range]))
    status, headers, body, raw = Reader(s).response()
    h = dict(headers)
    if status != 206:
        die("status %d, want 206" % status)
    ctype = h.get("content-type", "")
    if not ctype.startswith("multipart/byteranges"):
        die("Content-Type %r" % ctype)
    if "content-range" in h:
        die("a multipart 206 must not carry a top Content-Range")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        die("body does not parse as multipart")
    n = 0
    for part in msg.iter_parts():
        cr = part.get("Content-Range", "")
        unit, _, spec = cr.partition(" ")
        rng, _, size = spec.partition("/")
        first, _, last = rng.partition("-")
        if unit != "bytes" or not first.isdigit() or not last.isdigit():
            die("part %d: bad Content-Range %r" % (n + 1, cr))
        first, last = int(first), int(last)
        if int(size) != fsize:
            die("part %d: size %s, file has %d" % (n + 1, size, fsize))
        payload = part.get_payload(decode=True)
        f.seek(first)
        want = f.read(last + 1 - first)
        if payload != want:
            for i in range(min(len(payload), len(want))):
                if payload[i] != want[i]:
                    break
            else:
                i = min(len(payload), len(want))
            die("part %d (%s): %d bytes, want %d; first difference at %d"
                % (n + 1, cr, len(payload), len(want), i))
        if part.get("Content-Type") is None:
            die("part %d has no Content-Type" % (n + 1))
        print("%d-%d/%s" % (first, last, size))
        n += 1
    if n == 0:
        die("no parts")


def cmd_gunzip(a):
    """Exactly one gzip member, CRC and length checked, nothing after it."""
    data = sys.stdin.buffer.read()
    d = zlib.decompressobj(wbits=31)
    try:
        out = d.decompress(data) + d.flush()
    except zlib.error as e:
        die("not a valid gzip stream: %s" % e)
    if not d.eof:
        die("gzip stream truncated (%d bytes in)" % len(data))
    if d.unused_data:
        die("%d bytes after the gzip stream" % len(d.unused_data))
    sys.stdout.buffer.write(out)


def main():
    global TIMEOUT
    p = argparse.ArgumentParser(prog="httpc.py")
    p.add_argument("--timeout", type=float, default=20.0)
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("raw")
    c.add_argument("port", type=int)
    c.add_argument("--one", action="store_true")
    c.add_argument("--head", action="store_true", help="reply has no body")
    c.add_argument("--trickle", type=float, default=0,
                   help="send one byte per this many seconds")
    c.set_defaults(fn=cmd_raw)

    c = sub.add_parser("conn")
    c.add_argument("port", type=int)
    c.add_argument("paths", nargs="+")
    c.add_argument("--pipeline", action="store_true")
    c.add_argument("--http10", action="store_true")
    c.add_argument("--keepalive", action="store_true")
    c.add_argument("-m", "--method", default="GET")
    c.add_argument("-H", "--header", action="append")
    c.add_argument("-o", "--output")
    c.add_argument("--wait", type=float, default=0.3,
                   help="seconds to wait for a close after the last answer")
    c.set_defaults(fn=cmd_conn)

    c = sub.add_parser("stall")
    c.add_argument("port", type=int)
    c.add_argument("path")
    c.add_argument("secs", type=float)
    c.add_argument("-H", "--header", action="append")
    c.add_argument("--close", action="store_true",
                   help="close after the stall instead of draining")
    c.add_argument("--ready", help="file created once the head is in")
    c.add_argument("-o", "--output", help="file the body is written to")
    c.set_defaults(fn=cmd_stall)

    c = sub.add_parser("get")
    c.add_argument("port", type=int)
    c.add_argument("path")
    c.add_argument("--http10", action="store_true")
    c.add_argument("-m", "--method", default="GET")
    c.add_argument("-H", "--header", action="append")
    c.add_argument("-o", "--output")
    c.set_defaults(fn=cmd_get)

    c = sub.add_parser("multipart")
    c.add_argument("port", type=int)
    c.add_argument("path")
    c.add_argument("range")
    c.add_argument("file")
    c.set_defaults(fn=cmd_multipart)

    c = sub.add_parser("gunzip")
    c.set_defaults(fn=cmd_gunzip)

    a = p.parse_args()
    TIMEOUT = a.timeout
    try:
        a.fn(a)
    except socket.timeout:
        die("timed out after %s s" % TIMEOUT)
    except (ConnectionError, OSError) as e:
        die(str(e))


TIMEOUT = 20.0

if __name__ == "__main__":
    main()
