#!/usr/bin/env python3
"""Hostile TLS clients against a TLS port: tls_hostile.py PORT TIMEOUT.

Each case opens a connection to 127.0.0.1:PORT, misbehaves, and checks
that the server ends the connection by itself (an alert, a close or a
reset) within TIMEOUT + 3 seconds: garbage instead of a ClientHello,
a record header announcing more than TLS allows, a truncated ClientHello
followed by a close, a ClientHello that stalls halfway (slowloris over
TLS, ended by --timeout), a ClientHello offering only TLS 1.0/1.1, and
random bytes.  Prints one line per case; exits 1 if any case failed.
"""
import os
import socket
import ssl
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 on purpose

PORT = int(sys.argv[1])
TIMEOUT = float(sys.argv[2])


def client_hello(maxver=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if maxver is not None:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = maxver
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def ends(data, close_after=False, limit=None):
    """Send data; True when the server closes within limit seconds."""
    limit = TIMEOUT + 3 if limit is None else limit
    s = socket.create_connection(("127.0.0.1", PORT), timeout=limit)
    try:
        s.sendall(data)
        if close_after:
            s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            try:
                b = s.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                return True
            except socket.timeout:
                return False
            if not b:
                return True
            # an alert or anything else: keep reading until the close
        return False
    finally:
        s.close()


hello = client_hello()
cases = [
    ("garbage record", b"\x16\x03\x01\x00\x10" + os.urandom(16), False),
    ("oversized record", b"\x16\x03\x01\xff\xff" + os.urandom(64), False),
    ("truncated ClientHello then close", hello[: len(hello) // 2], True),
    ("stalled ClientHello", hello[: len(hello) // 2], False),
    ("stalled after 1 byte", b"\x16", False),
    ("random bytes", b"\x00" + os.urandom(200), False),
]
try:
    old = client_hello(ssl.TLSVersion.TLSv1_1)
    cases.append(("TLS 1.1 only", old, False))
except (ssl.SSLError, ValueError):
    pass

bad = 0
for name, data, close_after in cases:
    ok = ends(data, close_after)
    print("%s: %s" % ("ok" if ok else "FAIL", name))
    bad += not ok
sys.exit(1 if bad else 0)
